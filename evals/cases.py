"""Labeled case files (JSON Lines), validated on load: one clear message per bad line.

Screening case (contract): id, trial, patient, expected, acceptable?, deciding?, missing?
  extensions: "today" (YYYY-MM-DD, the date relative times count from), "facts" (structured facts),
  "criteria": [{"text_contains": "...", "status": "met|not_met|unknown|not_applicable"}]
Question case (contract): id, question, trials, answer_any?, answer_all?, multi?, unanswerable?
Coverage case: id, corpus (a folder or file of trials), limit?, workers? (evals/coverage.py)
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from trialscreen.errors import TrialscreenError

Decision = Literal["eligible", "ineligible", "needs_info"]
Status = Literal["met", "not_met", "unknown", "not_applicable"]


class CriterionLabel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text_contains: str = Field(min_length=3)
    status: Status
    kind: Literal["inclusion", "exclusion"] | None = None
    # statuses that still count as correct, with why (e.g. a criterion partly understood is asked)
    acceptable: list[Status] = Field(default_factory=list)
    why: str = ""


class ScreeningCase(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    trial: str
    patient: str = ""
    facts: dict[str, Any] | None = None
    expected: Decision
    acceptable: list[Decision] | None = None
    deciding: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)
    criteria: list[CriterionLabel] = Field(default_factory=list)
    today: date | None = None

    @field_validator("facts")
    @classmethod
    def _facts(cls, v: dict[str, Any] | None) -> dict[str, Any] | None:
        if v:
            from eligibility.patient import profile_from_facts

            try:
                profile_from_facts(dict(v))  # the same strict check as --patient, at load time
            except TrialscreenError as err:
                raise ValueError(str(err)) from err
        return v

    @property
    def accepted(self) -> list[str]:
        return list(self.acceptable or [self.expected])


class QuestionCase(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    question: str = Field(min_length=1)
    trials: list[str] = Field(default_factory=list)
    answer_any: list[str] = Field(default_factory=list)
    answer_all: list[str] = Field(default_factory=list)
    multi: bool = False
    unanswerable: bool = False
    chunk_ids: list[str] = Field(default_factory=list)  # where the answer is (retrieval recall/MRR)

    @field_validator("answer_any", "answer_all")
    @classmethod
    def _regexes(cls, v: list[str]) -> list[str]:
        for pattern in v:
            try:
                re.compile(pattern)
            except re.error as err:
                raise ValueError(f"{pattern!r} is not a valid regular expression ({err})") from err
        return v


class RobustnessCase(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    robustness: Literal["notes", "adversarial"]
    dir: str = ""  # notes: where the TrialGPT queries.jsonl files are (relative to the case file)
    lupus: list[str] = Field(default_factory=list)
    patient: str = ""  # adversarial input
    why: str = ""


class SafetyCase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    safety: Literal["indexed", "dir"]
    dir: str = ""  # with "dir": where the trial documents are (relative to the case file)
    deltas: list[float] = Field(default_factory=lambda: [0.5, 1.0, 3.0], min_length=1, max_length=10)
    words: bool = True
    why: str = ""


class CoverageCase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    corpus: str = Field(min_length=1)  # a folder or file of trials; relative: see evals.coverage.find_corpus
    limit: int | None = Field(default=None, ge=1)  # the first N trials only
    workers: int | None = Field(default=None, ge=1, le=16)  # processes compiling (default: up to 2)
    why: str = ""


Case = ScreeningCase | QuestionCase | RobustnessCase | SafetyCase | CoverageCase


def parse_case(data: dict[str, Any]) -> Case:
    if "corpus" in data:
        return CoverageCase.model_validate(data)
    if "safety" in data:
        return SafetyCase.model_validate(data)
    if "robustness" in data:
        return RobustnessCase.model_validate(data)
    if "question" in data:
        return QuestionCase.model_validate(data)
    return ScreeningCase.model_validate(data)


MAX_CASE_FILE_BYTES = 50 * 1024 * 1024


def load_cases(path: Path) -> list[Case]:
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_CASE_FILE_BYTES + 1)
        if len(raw) > MAX_CASE_FILE_BYTES:
            raise TrialscreenError(f"case file {path} is over {MAX_CASE_FILE_BYTES // 1048576} MB; split it")
        lines = raw.decode("utf-8").splitlines()
    except OSError as err:
        raise TrialscreenError(f"cannot read case file {path}: {err.strerror or err}") from err
    except UnicodeDecodeError as err:
        raise TrialscreenError(f"case file {path} is not UTF-8 text") from err
    cases: list[Case] = []
    seen: set[str] = set()
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise ValueError("a case is a JSON object")
            case = parse_case(data)
        except RecursionError as err:
            raise TrialscreenError(f"{path.name} line {n}: the JSON is nested too deeply") from err
        except (ValueError, ValidationError) as err:
            message = err.errors()[0]["msg"] if isinstance(err, ValidationError) else str(err)
            where = ""
            if isinstance(err, ValidationError):
                where = ".".join(str(x) for x in err.errors()[0]["loc"]) + ": "
            raise TrialscreenError(f"{path.name} line {n}: {where}{message}") from err
        if case.id in seen:
            raise TrialscreenError(f"{path.name} line {n}: duplicate case id {case.id!r}")
        seen.add(case.id)
        cases.append(case)
    if not cases:
        raise TrialscreenError(f"{path.name}: no cases in the file")
    return cases
