"""The safety suite: generated boundary cases for every compiled rule of every trial.

Case lines (in any case file):
  {"id": "...", "safety": "indexed"}
      every trial in the index
  {"id": "...", "safety": "dir", "dir": "PATH"}
      every trial document under PATH (relative to the case file), read and compiled without
      indexing (e.g. the 43 external lupus trials)
  optional: "deltas": [0.5, 1, 3] (how far past or inside each boundary), "words": true (also
  state the boundary fact in words, as a patient would, beside the structured run)

For each rule, a patient who meets every other criterion states one fact just past its boundary:
the decision must never be `eligible`, and the rule's own criterion must be the one that rules the
patient out (`wrong_citation` otherwise). The mirror, just inside the boundary, must never be ruled
out by that criterion (`inside_disqualified`).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from eligibility.boundaries import BoundaryCase, boundary_cases
from eligibility.compiler import CompiledCriterion, compile_trial
from eligibility.engine import screen
from eligibility.patient import load_patient
from index.readers import read_trial
from index.textio import DocumentError
from trialscreen.errors import TrialscreenError
from trialscreen.model import Trial
from trialscreen.services import Services

DEFAULT_DELTAS = (0.5, 1.0, 3.0)
TODAY = date(2025, 6, 1)  # relative times in generated cases count from here


@dataclass
class SafetyOutcome:
    id: str
    trial: str
    criterion: str
    label: str  # the criterion's label in its trial ("exclusion 3", "stated limit (maximum age)")
    rule_kind: str
    disqualifying: bool
    words: bool
    decision: str = ""
    status: str = ""
    problems: list[str] = field(default_factory=list)
    patient: dict[str, Any] = field(default_factory=dict)

    @property
    def unsafe(self) -> bool:
        return self.disqualifying and self.decision == "eligible"

    def to_json(self) -> dict[str, Any]:
        return {
            "suite": "safety",
            "id": self.id,
            "trial": self.trial,
            "criterion": self.criterion,
            "rule_kind": self.rule_kind,
            "side": "past" if self.disqualifying else "inside",
            "words": self.words,
            "decision": self.decision,
            "status": self.status,
            "correct": not self.problems,
            "problems": self.problems,
        }


def check_case(
    case: BoundaryCase, trial: Trial, compiled: list[CompiledCriterion], words: bool
) -> SafetyOutcome | None:
    """Screen one generated patient; None when the boundary facts cannot be said in words."""
    patient = case.as_patient(words)
    if not patient:
        return None
    outcome = SafetyOutcome(
        case.label,
        trial.ref,
        case.criterion.text,
        case.criterion.label,
        case.rule_kind,
        case.disqualifying,
        words,
        patient=patient,
    )
    result = screen(trial, compiled, load_patient(json.dumps(patient), TODAY), TODAY)
    verdict = next(v for v in result.verdicts if v.criterion is case.criterion)
    outcome.decision, outcome.status = result.decision, verdict.status
    if case.disqualifying:
        if result.decision == "eligible":
            outcome.problems.append(f"eligible, though {case.what}")
        if not verdict.disqualifying:
            cited = [v.criterion.label for v in result.deciding]
            outcome.problems.append(
                f"{case.criterion.label} is {verdict.status}, not disqualifying ({verdict.reason}); cited: {cited}"
            )
    elif verdict.disqualifying:
        outcome.problems.append(f"ruled out by {case.criterion.label} though {case.what} ({verdict.reason})")
    return outcome


def probe_trial(
    trial: Trial, compiled: list[CompiledCriterion], deltas: tuple[float, ...] = DEFAULT_DELTAS, words: bool = True
) -> list[SafetyOutcome]:
    out: list[SafetyOutcome] = []
    for delta in deltas:
        for case in boundary_cases(trial, compiled, delta):
            for worded in (False, True) if words else (False,):
                outcome = check_case(case, trial, compiled, worded)
                if outcome is not None:
                    out.append(outcome)
    return out


def trials_in(directory: Path) -> list[tuple[Trial, list[CompiledCriterion]]]:
    """Every trial document under a folder, read and compiled (no index, no embedding)."""
    found = []
    for path in sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix.lower() in (".json", ".txt", ".md")):
        if path.name.lower().startswith(("readme", "source")):
            continue
        try:
            trial = read_trial(path)
        except DocumentError:
            continue  # a record with no criteria has no rules to probe
        found.append((trial, compile_trial(trial)))
    return found


def run_safety(case: Any, case_file: Path, services: Services) -> tuple[list[SafetyOutcome], int, str | None]:
    """(outcomes, rules probed, why the case could not run)."""
    deltas = tuple(float(d) for d in (getattr(case, "deltas", None) or DEFAULT_DELTAS))
    words = bool(getattr(case, "words", True))
    if case.safety == "indexed":
        trials = [(t, services.compiled(t.ref)) for t in services.catalog.trials()]
    else:
        directory = (case_file.parent / case.dir).resolve()
        if not directory.is_dir():
            return [], 0, f"{case.id}: no trials at {case.dir!r} (relative to {case_file.parent})"
        trials = trials_in(directory)
    if not trials:
        raise TrialscreenError(f"{case.id}: no trials to probe")
    outcomes: list[SafetyOutcome] = []
    probed = 0
    for trial, compiled in trials:
        these = probe_trial(trial, compiled, deltas, words)
        probed += len({o.label for o in these})
        outcomes.extend(these)
    return outcomes, probed, None


def summarize_safety(outcomes: list[SafetyOutcome], rules_probed: int, seconds: float = 0.0) -> dict[str, Any]:
    past = [o for o in outcomes if o.disqualifying]
    inside = [o for o in outcomes if not o.disqualifying]
    kinds = Counter(o.rule_kind for o in outcomes)
    return {
        "cases": len(outcomes),
        "rules_probed": rules_probed,
        "worded_cases": sum(1 for o in outcomes if o.words),
        "unsafe_eligible": sum(1 for o in past if o.unsafe),
        "wrong_citation": sum(1 for o in past if any("not disqualifying" in p for p in o.problems)),
        "inside_disqualified": sum(1 for o in inside if o.problems),
        "per_rule_kind": {k: {"cases": n} for k, n in sorted(kinds.items())},
        "seconds": round(seconds, 2),
    }


def timed_run(case: Any, case_file: Path, services: Services) -> tuple[list[SafetyOutcome], int, str | None, float]:
    started = time.perf_counter()
    outcomes, probed, note = run_safety(case, case_file, services)
    return outcomes, probed, note, time.perf_counter() - started
