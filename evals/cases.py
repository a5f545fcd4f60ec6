"""Labeled case files (JSON Lines), validated on load: one clear message per bad line.

Screening case (contract): id, trial, patient, expected, acceptable?, deciding?, missing?
  extensions: "today" (YYYY-MM-DD, the date relative times count from), "facts" (structured facts),
  "criteria": [{"text_contains": "...", "status": "met|not_met|unknown|not_applicable"}]
Question case (contract): id, question, trials, answer_any?, answer_all?, multi?, unanswerable?
Coverage case: id, corpus (a folder or file of trials), limit?, workers? (evals/coverage.py)
Expert label (TrialGPT format, contract): note, trial_id, criterion_type, criterion_text,
  expert_eligibility, gpt4_eligibility?, annotation_id?, patient_id? (evals/experts.py)
Expert labels file: id, experts (a file of expert labels; see evals.experts.find_labels)
Question index: id, index (folders or files of trials): the question cases of the same file are answered
  over an index of these trials instead of the one in the data dir (evals.runner.corpus_services)
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

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


class IndexCase(BaseModel):
    """The trials a file's question cases are answered over, indexed together in their own data dir."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    index: list[str] = Field(min_length=1)  # folders or files of trials; relative: see evals.coverage.find_corpus
    why: str = ""


ExpertLabel = Literal[
    "included", "not included", "excluded", "not excluded", "not enough information", "not applicable"
]
# The labels each kind of criterion can have (TrialGPT's scheme; SOURCES.md of the expert labels).
LABELS_FOR: dict[str, tuple[str, ...]] = {
    "inclusion": ("included", "not included", "not enough information", "not applicable"),
    "exclusion": ("excluded", "not excluded", "not enough information", "not applicable"),
}
# The date the SIGIR 2016 notes count relative times from (the contract's "today" for these labels).
EXPERT_NOTES_TODAY = date(2014, 6, 1)


class ExpertCase(BaseModel):
    """One criterion-level expert label: the patient note screened against a trial made of the labelled
    criteria of `trial_id`; this criterion's status, mapped to TrialGPT's labels, against the experts'."""

    model_config = ConfigDict(extra="allow")
    id: str = ""  # default: "annotation-<annotation_id>", else built from patient, trial and criterion
    note: str
    trial_id: str = Field(min_length=1)
    criterion_type: Literal["inclusion", "exclusion"]
    criterion_text: str = ""
    expert_eligibility: ExpertLabel
    gpt4_eligibility: ExpertLabel | None = None
    annotation_id: int | str | None = None
    patient_id: str = ""
    trial_title: str = ""
    today: date = EXPERT_NOTES_TODAY

    @field_validator("criterion_text", mode="before")
    @classmethod
    def _text(cls, v: object) -> object:
        return "" if v is None else v  # the public file has one criterion with no text (null)

    @model_validator(mode="after")
    def _label_fits_kind(self) -> ExpertCase:
        if self.expert_eligibility not in LABELS_FOR[self.criterion_type]:
            allowed = ", ".join(LABELS_FOR[self.criterion_type])
            raise ValueError(
                f"expert_eligibility {self.expert_eligibility!r} is not a label of an {self.criterion_type} "
                f"criterion (one of: {allowed})"
            )
        if not self.id:
            if self.annotation_id is not None:
                self.id = f"annotation-{self.annotation_id}"
            else:
                who = self.patient_id or "note"
                self.id = f"{who}:{self.trial_id}:{self.criterion_type}:{self.criterion_text[:60]}"
        return self


class ExpertFileCase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    experts: str = Field(min_length=1)  # a file of expert labels; relative: see evals.experts.find_labels
    why: str = ""


Case = (
    ScreeningCase | QuestionCase | RobustnessCase | SafetyCase | CoverageCase | ExpertCase | ExpertFileCase | IndexCase
)


def parse_case(data: dict[str, Any]) -> Case:
    if "expert_eligibility" in data:
        return ExpertCase.model_validate(data)
    if "experts" in data:
        return ExpertFileCase.model_validate(data)
    if "corpus" in data:
        return CoverageCase.model_validate(data)
    if "index" in data:
        return IndexCase.model_validate(data)
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
    indexes = [c.id for c in cases if isinstance(c, IndexCase)]
    if len(indexes) > 1:
        raise TrialscreenError(
            f"{path.name}: {len(indexes)} index cases ({', '.join(indexes)}); a file's questions are answered over "
            "one index: list every folder in one case's 'index'"
        )
    return cases
