"""The robustness suite: real patient notes and adversarial inputs, screened against every trial.

Case lines (in any case file):
  {"id": "...", "robustness": "notes", "dir": "PATH", "lupus": ["sigir-201421"]}
      every `queries.jsonl` under PATH (the public TrialGPT notes: SIGIR, TREC 2021/2022). Each note
      must parse without error; a patient not listed in `lupus` must never come out `eligible` for a
      lupus trial; a listed one must be matched (at least one lupus trial not ruled out). The facts
      read from each note and the time taken are recorded.
  {"id": "...", "robustness": "adversarial", "patient": "...", "why": "..."}
      injection, contradictions, absurd values, empty or huge input: no crash, no `eligible`.
"""

from __future__ import annotations

import json
import os
import time
import traceback
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from eligibility.extract import read_patient
from eligibility.rules import Diagnosis
from trialscreen.services import Services


@dataclass
class NoteOutcome:
    id: str
    source: str
    lupus: bool
    facts: list[str] = field(default_factory=list)
    decisions: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None
    dx_ruled_out: bool = False  # some trial ruled the patient out on the diagnosis criterion

    @property
    def lupus_evidence(self) -> bool:
        features = {
            "lab:ana",
            "lab:anti_dsdna",
            "cond:lupus_rash",
            "cond:thrombocytopenia",
            "lab:low_complement",
            "cond:lupus_nephritis",
            "cond:npsle",
        }
        return "dx:sle" in self.facts or len(features & set(self.facts)) >= 2

    @property
    def unsafe(self) -> bool:
        return not self.lupus and "eligible" in self.decisions.values()

    @property
    def matched(self) -> bool:
        """A lupus patient is recognised as one (diagnosis or lupus features) and not ruled out as non-lupus."""
        return self.lupus and self.lupus_evidence and not self.dx_ruled_out

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": "robustness",
            "source": self.source,
            "lupus_evidence": self.lupus_evidence,
            "matched": self.matched,
            "lupus": self.lupus,
            "facts": self.facts,
            "decisions": self.decisions,
            "seconds": round(self.seconds, 4),
            "error": self.error,
            "unsafe_eligible": self.unsafe,
            "correct": self.error is None and not self.unsafe and (self.matched or not self.lupus),
        }


def find_notes_dir(raw: str, case_file: Path) -> Path | None:
    candidates = [Path(os.environ["TRIALSCREEN_TRIALGPT"])] if os.environ.get("TRIALSCREEN_TRIALGPT") else []
    candidates += [(case_file.parent / raw).resolve(), Path(raw).resolve()]
    return next((c for c in candidates if c.is_dir()), None)


def load_notes(directory: Path) -> list[tuple[str, str, str]]:
    notes = []
    for path in sorted(directory.rglob("queries.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                data = json.loads(line)
                notes.append((str(data["_id"]), str(data["text"]), path.parent.name))
    return notes


def screen_note(
    note_id: str, text: str, source: str, lupus: bool, services: Services, today: date | None = None
) -> NoteOutcome:
    outcome = NoteOutcome(note_id, source, lupus)
    started = time.perf_counter()
    try:
        profile = read_patient(text, today or date.today())
        outcome.facts = sorted(profile.facts)
        for result in services.screen_all(profile):
            trial = result.trial
            outcome.decisions[trial.ref] = result.decision
            if any(isinstance(v.compiled.rule, Diagnosis) for v in result.deciding):
                outcome.dx_ruled_out = True
    except Exception as err:  # the suite's point: report, never crash
        outcome.error = f"{type(err).__name__}: {err} ({traceback.format_exc(limit=2).splitlines()[-1]})"
    outcome.seconds = time.perf_counter() - started
    return outcome


def summarize_robustness(outcomes: list[NoteOutcome]) -> dict[str, Any]:
    times = sorted(o.seconds * 1000 for o in outcomes)

    def pct(q: float) -> float:
        return round(times[min(len(times) - 1, round(q * (len(times) - 1)))], 2) if times else 0.0

    lupus = [o for o in outcomes if o.lupus]
    return {
        "notes": len(outcomes),
        "crashes": sum(1 for o in outcomes if o.error),
        "unsafe_eligible": sum(1 for o in outcomes if o.unsafe),
        "lupus_matched_rate": round(sum(o.matched for o in lupus) / len(lupus), 4) if lupus else None,
        "facts_per_note": round(sum(len(o.facts) for o in outcomes) / len(outcomes), 2) if outcomes else 0,
        "ms_per_note": {"p50": pct(0.5), "p95": pct(0.95)},
    }
