"""Running screening cases and scoring them.

Metrics: accuracy (decision in `acceptable`), accuracy and confusion by expected decision,
unsafe-eligible count (engine says eligible when the label says otherwise), share of ineligible
cases whose deciding criterion is cited as disqualifying, question hit rate for needs_info cases,
criterion-level accuracy where cases label criteria, latency per screening.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from eligibility.engine import Screening
from eligibility.extract import read_patient
from eligibility.patient import profile_from_facts
from evals.cases import ScreeningCase
from trialscreen.services import Services

DECISIONS = ("eligible", "needs_info", "ineligible")


@dataclass
class ScreeningOutcome:
    case: ScreeningCase
    decision: str
    correct: bool
    unsafe: bool
    deciding_cited: bool | None  # None when the case is not an ineligible one
    questions_hit: bool | None  # None when the case has no `missing`
    criteria_checked: int
    criteria_correct: int
    seconds: float
    explanation: str
    disqualifying: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    criterion_misses: list[str] = field(default_factory=list)
    labels: list[dict[str, Any]] = field(default_factory=list)  # per criterion label: rule kind, expected, got

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.case.id,
            "kind": "screening",
            "trial": self.case.trial,
            "expected": self.case.expected,
            "acceptable": self.case.accepted,
            "decision": self.decision,
            "correct": self.correct,
            "unsafe_eligible": self.unsafe,
            "deciding_cited": self.deciding_cited,
            "questions_hit": self.questions_hit,
            "criteria_checked": self.criteria_checked,
            "criteria_correct": self.criteria_correct,
            "criterion_misses": self.criterion_misses,
            "criterion_labels": self.labels,
            "disqualifying": self.disqualifying,
            "questions": self.questions,
            "explanation": self.explanation,
            "seconds": round(self.seconds, 5),
        }


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def run_case(case: ScreeningCase, services: Services, today: date | None = None) -> ScreeningOutcome:
    started = time.perf_counter()
    ref = services.catalog.resolve(case.trial)
    profile = read_patient(case.patient, case.today or today or date.today())
    if case.facts:
        profile = profile_from_facts(case.facts, profile)
    result: Screening = services.screen(ref, profile)
    seconds = time.perf_counter() - started
    disqualifying = [v.criterion.text for v in result.deciding]
    cited_text = " | ".join(_norm(f"{v.criterion.context} {v.criterion.text}") for v in result.deciding)
    deciding_cited: bool | None = None
    if case.expected == "ineligible":
        if case.deciding:
            deciding_cited = result.decision == "ineligible" and all(_norm(p) in cited_text for p in case.deciding)
        else:
            deciding_cited = result.decision == "ineligible" and bool(result.deciding)
    questions_hit: bool | None = None
    if case.missing:
        asked = _norm(" ".join(result.questions))
        questions_hit = all(_norm(word) in asked for word in case.missing)
    checked = correct = 0
    misses: list[str] = []
    labels: list[dict[str, Any]] = []
    for label in case.criteria:
        matches = [
            v
            for v in result.verdicts
            if _norm(label.text_contains) in _norm(v.criterion.text)
            and (label.kind is None or label.kind == v.criterion.kind)
        ]
        checked += 1
        got = matches[0].status if matches else "no such criterion"
        kind = rule_kind(matches[0].compiled) if matches else "missing"
        labels.append({"text_contains": label.text_contains, "expected": label.status, "got": got, "rule_kind": kind})
        if matches and (matches[0].status == label.status or matches[0].status in label.acceptable):
            correct += 1
        else:
            misses.append(f"{label.text_contains!r}: expected {label.status}, got {got}")
    return ScreeningOutcome(
        case=case,
        decision=result.decision,
        correct=result.decision in case.accepted,
        unsafe=result.decision == "eligible" and "eligible" not in case.accepted,
        deciding_cited=deciding_cited,
        questions_hit=questions_hit,
        criteria_checked=checked,
        criteria_correct=correct,
        seconds=seconds,
        explanation=result.explanation,
        disqualifying=disqualifying,
        questions=result.questions,
        criterion_misses=misses,
        labels=labels,
    )


def rule_kind(compiled: Any) -> str:
    """The kind of rule a criterion compiled to (the first leaf of a composite), or 'study team'."""
    if compiled.team:
        return "study team"
    rule = compiled.rule
    while rule is not None:
        inner = getattr(rule, "rules", None)
        if inner:
            rule = inner[0]
        elif hasattr(rule, "rule"):
            rule = rule.rule
        else:
            return str(rule.kind)
    return "not understood"


def per_rule_kind(outcomes: list[ScreeningOutcome]) -> dict[str, dict[str, float]]:
    table: dict[str, list[bool]] = {}
    for o in outcomes:
        for label in o.labels:
            table.setdefault(label["rule_kind"], []).append(label["expected"] == label["got"])
    return {k: {"labels": len(v), "accuracy": round(sum(v) / len(v), 4)} for k, v in sorted(table.items())}


def _rate(values: list[bool]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def summarize(outcomes: list[ScreeningOutcome]) -> dict[str, Any]:
    confusion = {e: dict.fromkeys(DECISIONS, 0) for e in DECISIONS}
    for o in outcomes:
        confusion[o.case.expected][o.decision] += 1
    by_decision = {d: _rate([o.correct for o in outcomes if o.case.expected == d]) for d in DECISIONS}
    times = [o.seconds * 1000 for o in outcomes]
    checked = sum(o.criteria_checked for o in outcomes)
    return {
        "cases": len(outcomes),
        "accuracy": _rate([o.correct for o in outcomes]),
        "accuracy_by_decision": by_decision,
        "confusion": confusion,
        "unsafe_eligible": sum(o.unsafe for o in outcomes),
        "deciding_cited_rate": _rate([o.deciding_cited for o in outcomes if o.deciding_cited is not None]),
        "question_hit_rate": _rate([o.questions_hit for o in outcomes if o.questions_hit is not None]),
        "criteria_labels": checked,
        "criterion_accuracy": round(sum(o.criteria_correct for o in outcomes) / checked, 4) if checked else None,
        "per_rule_kind": per_rule_kind(outcomes),
        "latency_ms": {"p50": round(_percentile(times, 0.5), 3), "p95": round(_percentile(times, 0.95), 3)},
    }
