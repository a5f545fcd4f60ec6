"""The expert-agreement suite: criterion-level labels by clinicians (TrialGPT format), see the contract.

Each label is one patient note x one criterion of one trial. The note (its leading sentence numbers
"0. ", "1. " removed) is read once and screened against a trial made of the labelled criteria of its
`trial_id` (compiled once per trial); the status of the labelled criterion is mapped to TrialGPT's labels:

  inclusion  met / not_met / unknown / not_applicable -> included / not included / not enough information /
             not applicable
  exclusion  met / not_met / not_applicable -> excluded / not excluded / not applicable; unknown ->
             "not enough information" when the note mentions what the criterion asks (`Verdict.mentioned`),
             else "not excluded" (the experts' convention: a complete note that never mentions a condition)

Metrics: agreement with the experts overall and per expert label; the same for GPT-4's labels in the
file; disqualifying recall (the experts' "not included"/"excluded" that we map to the same label);
false disqualifications (we map to a disqualifying label where the experts do not); the trivial
labeller's agreement (inclusions "not enough information", exclusions "not excluded") for scale; the
confusion matrix, expert label x ours.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from eligibility.compiler import CompiledCriterion, compile_trial
from eligibility.engine import Verdict, screen
from eligibility.extract import read_patient
from eligibility.facts import Profile
from evals.cases import ExpertCase, load_cases
from trialscreen.errors import TrialscreenError
from trialscreen.keys import Status
from trialscreen.model import Criterion, CriterionKind, Trial

REPO = Path(__file__).resolve().parent.parent
LABELS = ("included", "not included", "excluded", "not excluded", "not enough information", "not applicable")
DISQUALIFYING = frozenset({"not included", "excluded"})
_INCLUSION = {
    Status.MET: "included",
    Status.NOT_MET: "not included",
    Status.UNKNOWN: "not enough information",
    Status.NOT_APPLICABLE: "not applicable",
}
_EXCLUSION = {Status.MET: "excluded", Status.NOT_MET: "not excluded", Status.NOT_APPLICABLE: "not applicable"}
_SENTENCE_NUMBER = re.compile(r"(?m)^[ \t]*\d+\.[ \t]+")


def plain_note(note: str) -> str:
    """The note without TrialGPT's sentence numbers ("0. ", "1. " at the start of each line)."""
    return _SENTENCE_NUMBER.sub("", note)


def mapped_label(kind: str, verdict: Verdict) -> str:
    """The verdict in TrialGPT's labels (the contract's mapping)."""
    if kind == "inclusion":
        return _INCLUSION[verdict.status]
    if verdict.status == Status.UNKNOWN:
        return "not enough information" if verdict.mentioned else "not excluded"
    return _EXCLUSION[verdict.status]


def trivial_label(kind: str) -> str:
    """What a labeller that reads nothing would say: it cannot tell an inclusion, and excludes no one."""
    return "not enough information" if kind == "inclusion" else "not excluded"


@dataclass
class ExpertOutcome:
    case: ExpertCase
    ours: str
    status: str
    mentioned: bool
    reason: str
    reading: str

    @property
    def expert(self) -> str:
        return str(self.case.expert_eligibility)

    @property
    def correct(self) -> bool:
        return self.ours == self.expert

    @property
    def false_disqualification(self) -> bool:
        return self.ours in DISQUALIFYING and self.expert not in DISQUALIFYING

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.case.id,
            "kind": "expert",
            "trial": self.case.trial_id,
            "patient": self.case.patient_id,
            "criterion_type": self.case.criterion_type,
            "criterion": self.case.criterion_text,
            "expert": self.expert,
            "ours": self.ours,
            "gpt4": self.case.gpt4_eligibility,
            "status": self.status,
            "mentioned": self.mentioned,
            "reason": self.reason,
            "reading": self.reading,
            "correct": self.correct,
        }


def expert_trial(trial_id: str, criteria: list[tuple[CriterionKind, str]]) -> Trial:
    """A trial made of the labelled criteria (kind, text) of one trial, in the order first labelled."""
    text = ""
    numbers: Counter[str] = Counter()
    made = []
    for kind, words in criteria:
        numbers[kind] += 1
        start = len(text)
        text += words + "\n"
        made.append(Criterion(kind, numbers[kind], words, start, start + len(words)))
    return Trial(ref=trial_id, source=trial_id, source_format="text", source_text=text, title="", criteria=made)


def compiled_trials(cases: list[ExpertCase]) -> dict[str, tuple[Trial, list[CompiledCriterion]]]:
    """Every labelled trial, built from its labelled criteria and compiled once."""
    criteria: dict[str, dict[tuple[CriterionKind, str], None]] = defaultdict(dict)
    for case in cases:
        criteria[case.trial_id][(case.criterion_type, case.criterion_text)] = None
    out = {}
    for trial_id, keys in criteria.items():
        trial = expert_trial(trial_id, list(keys))
        out[trial_id] = (trial, compile_trial(trial))
    return out


def run_experts(cases: list[ExpertCase]) -> tuple[list[ExpertOutcome], float]:
    """Screen every label's note against its trial (each trial compiled once, each note read once,
    each note x trial screened once) and map the labelled criterion's verdict."""
    started = time.perf_counter()
    trials = compiled_trials(cases)
    profiles: dict[tuple[str, date], Profile] = {}
    verdicts: dict[tuple[str, date, str], dict[tuple[str, str], Verdict]] = {}
    outcomes = []
    for case in cases:
        key = (case.note, case.today)
        if key not in profiles:
            profiles[key] = read_patient(plain_note(case.note), case.today)
        pair = (case.note, case.today, case.trial_id)
        if pair not in verdicts:
            trial, compiled = trials[case.trial_id]
            screening = screen(trial, compiled, profiles[key], case.today)
            verdicts[pair] = {(v.criterion.kind, v.criterion.text): v for v in screening.verdicts}
        verdict = verdicts[pair][(case.criterion_type, case.criterion_text)]
        outcomes.append(
            ExpertOutcome(
                case,
                mapped_label(case.criterion_type, verdict),
                str(verdict.status),
                verdict.mentioned,
                verdict.reason,
                verdict.reading,
            )
        )
    return outcomes, time.perf_counter() - started


def find_labels(raw: str, case_file: Path) -> Path | None:
    """The expert labels file a case names: $TRIALSCREEN_EXPERT_LABELS (a file) first, then the path as given
    when absolute, else under $TRIALSCREEN_CORPUS_ROOT, the repository, or the case file's folder."""
    candidates = [Path(os.environ["TRIALSCREEN_EXPERT_LABELS"])] if os.environ.get("TRIALSCREEN_EXPERT_LABELS") else []
    given = Path(raw).expanduser()
    if given.is_absolute():
        candidates.append(given)
    else:
        if os.environ.get("TRIALSCREEN_CORPUS_ROOT"):
            candidates.append(Path(os.environ["TRIALSCREEN_CORPUS_ROOT"]).expanduser() / given)
        candidates += [REPO / given, case_file.parent / given]
    return next((c.resolve() for c in candidates if c.is_file()), None)


def load_labels(path: Path) -> list[ExpertCase]:
    """The expert labels of a file; any other kind of case in it is an error that names the line's id."""
    cases = load_cases(path)
    other = next((c for c in cases if not isinstance(c, ExpertCase)), None)
    if other is not None:
        raise TrialscreenError(
            f"{path.name}: case {other.id!r} is not an expert label (a file of expert labels holds only lines "
            "with note, trial_id, criterion_type, criterion_text and expert_eligibility)"
        )
    return [c for c in cases if isinstance(c, ExpertCase)]


def _rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def summarize_experts(outcomes: list[ExpertOutcome], seconds: float = 0.0) -> dict[str, Any]:
    labels: Counter[str] = Counter(o.expert for o in outcomes)
    agree: Counter[str] = Counter(o.expert for o in outcomes if o.correct)
    with_gpt4 = [o for o in outcomes if o.case.gpt4_eligibility is not None]
    gpt4_labels: Counter[str] = Counter(o.expert for o in with_gpt4)
    gpt4_agree: Counter[str] = Counter(o.expert for o in with_gpt4 if o.case.gpt4_eligibility == o.expert)
    trivial = sum(1 for o in outcomes if trivial_label(o.case.criterion_type) == o.expert)
    disqualifying = [o for o in outcomes if o.expert in DISQUALIFYING]
    order = [label for label in LABELS if label in labels]
    confusion = {e: {ours: 0 for ours in LABELS} for e in order}
    for o in outcomes:
        confusion[o.expert][o.ours] += 1
    return {
        "cases": len(outcomes),
        "trials": len({o.case.trial_id for o in outcomes}),
        "agreement": _rate(sum(agree.values()), len(outcomes)),
        "gpt4_agreement": _rate(sum(gpt4_agree.values()), len(with_gpt4)),
        "trivial_agreement": _rate(trivial, len(outcomes)),
        "disqualifying_recall": _rate(sum(o.correct for o in disqualifying), len(disqualifying)),
        "disqualifying_labels": len(disqualifying),
        "false_disqualifications": sum(o.false_disqualification for o in outcomes),
        "labels": {label: labels[label] for label in order},
        "agreement_by_label": {label: _rate(agree[label], labels[label]) for label in order},
        "gpt4_agreement_by_label": {label: _rate(gpt4_agree[label], gpt4_labels[label]) for label in order},
        "confusion": confusion,
        "seconds": round(seconds, 2),
    }
