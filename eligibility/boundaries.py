"""Boundary cases for every compiled rule: the facts that just cross it, and the facts that just don't.

For a rule, `witness(rule, met=True|False, delta)` gives structured patient facts (the keys of
`eligibility.patient`) that make the rule come out `met` or `not_met`, as close to its boundary as
`delta` says: age max+delta against "age at most max", a dose just over the cap, a treatment just
inside its window, and so on. A criterion's *disqualifying* facts are the rule's `not_met` facts for an
inclusion and its `met` facts for an exclusion; the *qualifying* facts are the other side.

`boundary_cases(trial, compiled, delta)` puts these together into whole patients: every other
criterion's qualifying facts (so the patient is otherwise fully documented), then the one criterion's
facts on top. The safety suite and the property tests screen them and check that a disqualifying fact
is never `eligible` and is cited by its own criterion, and that the qualifying side never disqualifies
on that criterion. None is returned where a rule cannot be witnessed with structured facts.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import Any

from eligibility.compiler import CompiledCriterion
from eligibility.labs import measured
from eligibility.rules import (
    Age,
    AgeScoped,
    Allergy,
    AllOf,
    AnyOf,
    Ask,
    Condition,
    Contraception,
    Diagnosis,
    DoseCap,
    DoseChanged,
    DrugCount,
    Flag,
    HealthyVolunteers,
    Measure,
    Not,
    PregnancyPlan,
    Rule,
    Sex,
    SexScoped,
    StableMeds,
    Treatment,
    UlnMultiple,
    duration_key,
)
from eligibility.sections import member_facts
from eligibility.timewords import WEEKS_PER_MONTH
from trialscreen.keys import KG_PER_LB
from trialscreen.model import Criterion, Trial
from trialscreen.vocabulary import vocabulary

Facts = dict[str, Any]

# Who the generated person is when a rule says nothing: an adult woman who could become pregnant,
# so that pregnancy rules apply to her (they do not apply to men, and would prove nothing).
BASE: Facts = {"sex": "female", "childbearing": True}
WEIGHT = 60.0  # kg, for limits stated per kg of body weight


@dataclass(frozen=True)
class BoundaryCase:
    trial: str
    criterion: Criterion
    rule_kind: str
    disqualifying: bool  # the target criterion's facts are the disqualifying side
    facts: Facts  # the whole patient, structured
    target: Facts  # the facts at the boundary (part of `facts`)
    what: str  # the boundary in words, for reports

    def as_patient(self, words: bool) -> Facts:
        """The patient as `--patient` JSON: all structured, or the boundary facts said in words (as a
        patient would write them, units and all) beside the rest; {} when they cannot be worded."""
        if not words:
            return dict(self.facts)
        text = say(self.target)
        if text is None:
            return {}
        rest = {k: v for k, v in self.facts.items() if k not in self.target}
        return {**rest, "text": text}

    @property
    def label(self) -> str:
        return f"{self.trial} {self.criterion.label}: {self.what}"


def _merge(parts: list[Facts | None]) -> Facts | None:
    """Facts of several rules together, or None when two of them need different values of one fact."""
    out: Facts = {}
    for part in parts:
        if part is None:
            return None
        for key, value in part.items():
            if key in out and out[key] != value:
                return None
            out[key] = value
    return out


def _member(classes: list[str]) -> str | None:
    for klass in classes:
        members = vocabulary().members(klass)
        if members:
            return members[0].name
    return None


def _number(op: str, bound: float, met: bool, delta: float) -> float:
    """A value that makes `value OP bound` true (met) or false, `delta` away from the bound."""
    if op in (">=", ">"):
        return (bound + (delta if op == ">" else 0.0)) if met else (bound - (delta if op == ">=" else 0.0))
    if op in ("<=", "<"):
        return (bound - (delta if op == "<" else 0.0)) if met else (bound + (delta if op == "<=" else 0.0))
    return bound if met else bound + delta


def _age(rule: Age, met: bool, delta: float) -> Facts | None:
    step = max(1.0, round(delta))
    if met:
        low = rule.min + (step if rule.min_strict else 0) if rule.min is not None else None
        high = rule.max - (step if rule.max_strict else 0) if rule.max is not None else None
        age = low if low is not None else high
        if age is None or (high is not None and age > high):
            return None
        return {"age": age}
    if rule.max is not None:
        return {"age": rule.max + (0 if rule.max_strict else step)}
    if rule.min is not None and rule.min - step >= 0:
        return {"age": rule.min - (0 if rule.min_strict else step)}
    return None


def _months(window: float | None, inside: bool, delta: float) -> Facts:
    """When something happened, relative to a look-back window: just inside it or just before it."""
    if window is None:
        return {"months_ago": 0.0 if inside else 12.0}
    gap = min(delta, window / 2) if window > 0 else 0.0
    return {"months_ago": max(0.0, window - gap) if inside else window + max(delta, 0.1)}


def _treatment(rule: Treatment, met: bool, delta: float) -> Facts | None:
    # a drug our vocabulary knows first: its classes tell which other statements contradict it
    known = [d for d in rule.drugs if vocabulary().drug(d) is not None]
    drug = known[0] if known else (_member([c for c in rule.classes if c]) or next(iter(rule.drugs), None))
    if drug is None or drug in rule.except_drugs:
        return None
    if rule.min_months is not None and rule.min_dose_mg_day is None:
        # "treatment with X for at least 6 months": taken now, for a time on one side of the minimum
        months = rule.min_months + delta if met else max(0.0, rule.min_months - delta)
        return {f"med:{drug}": True, duration_key(rule.drugs, rule.classes): round(months, 3)}
    if met:
        if rule.min_dose_mg_day is not None:  # "high-dose steroids above 100 mg/day": a current dose above it
            per_kg = rule.min_dose_per_kg
            dose = rule.min_dose_mg_day * (WEIGHT if per_kg else 1) + max(delta, 0.5)
            taken: Any = {"value": dose, "route": rule.route} if rule.route else dose  # a pulse: given IV
            return {f"med:{drug}": taken, **({"weight_kg": WEIGHT} if per_kg else {})}
        fact: Facts = {"value": True, **_months(rule.within_months, True, delta)}
        if rule.route:
            fact["route"] = "iv" if rule.route == "iv" else "injection"
        return {f"prior:{drug}": fact}
    if rule.within_months is not None and rule.min_dose_mg_day is None:
        past = {"value": True, **_months(rule.within_months, False, delta)}
        if rule.route:
            past["route"] = "iv" if rule.route == "iv" else "injection"
        none_within = {"value": False, "within_months": rule.within_months}  # "none in that window"
        others = {f"prior:{d}": dict(none_within) for d in rule.drugs[1:]}
        return {f"prior:{drug}": past, **others, **{f"prior:class:{c}": dict(none_within) for c in rule.classes}}
    return {**{f"prior:{d}": False for d in rule.drugs}, **{f"prior:class:{c}": False for c in rule.classes}}


def _drug_count(rule: DrugCount, met: bool) -> Facts | None:
    """That many medicines of the class (taken now, or ever), one side or the other of the count."""
    members = [t.name for c in rule.classes for t in vocabulary().members(c)]
    c = rule.count
    n = ({">=": c, ">": c + 1, "<=": c, "<": c - 1} if met else {">=": c - 1, ">": c, "<=": c + 1, "<": c})[rule.op]
    n = max(n, 0)
    if n > len(members):
        return None
    prefix = "med" if rule.current else "prior"
    facts: Facts = {f"{prefix}:{d}": True for d in members[:n]}
    if n == 0:
        facts = {f"prior:class:{c}": False for c in rule.classes}
    return facts


def _dose_cap(rule: DoseCap, met: bool, delta: float) -> Facts | None:
    drug = "prednisone" if rule.drug in ("class:corticosteroid", "prednisone") else rule.drug
    if not drug or drug.startswith("class:"):
        return None
    if rule.per_kg:  # the caps are per kg: the same boundary for a person of WEIGHT kg
        scaled = DoseCap(rule.drug, _times(rule.max_mg_day), _times(rule.min_mg_day), rule.label, below=rule.below)
        facts = _dose_cap(scaled, met, delta)
        return None if facts is None else {**facts, "weight_kg": WEIGHT}
    if met:
        if rule.max_mg_day is not None and rule.below:  # "< 10 mg/day": just under the cap
            return {f"med:{drug}": rule.max_mg_day - min(delta, rule.max_mg_day / 2)}
        if rule.max_mg_day is not None:
            return {f"med:{drug}": rule.max_mg_day}
        return {f"med:{drug}": (rule.min_mg_day or 0.0) + delta}
    if rule.max_mg_day is not None and rule.below:  # the cap itself is over it
        return {f"med:{drug}": rule.max_mg_day}
    if rule.max_mg_day is not None:
        return {f"med:{drug}": rule.max_mg_day + max(delta, 0.5)}
    if rule.min_mg_day is not None and rule.min_mg_day - delta > 0:
        return {f"med:{drug}": rule.min_mg_day - delta}
    return None


def _times(mg_kg: float | None) -> float | None:
    return None if mg_kg is None else round(mg_kg * WEIGHT, 3)


def _condition(rule: Condition, met: bool, delta: float) -> Facts | None:
    key = f"cond:{rule.key}"
    if met:
        fact: Facts = {"value": True}
        if rule.current_only or rule.within_months is None:
            fact.update({"current": True} if rule.current_only else {"months_ago": 0.0})
        else:
            fact.update(_months(rule.within_months, True, delta))
        if rule.min_class is not None:
            fact["nyha_class"] = rule.min_class
        return {key: fact}
    if rule.within_months is not None and not rule.current_only:
        return {key: {"value": True, **_months(rule.within_months, False, delta)}}
    return {key: False}


def _duration_key(rule: Flag) -> str:
    return duration_key(rule.duration_drugs, rule.duration_classes)


def _flag(rule: Flag, met: bool, delta: float) -> Facts | None:
    if rule.min_months is not None:
        # taken for long enough decides: the flag holds, the time taken is on one side of the minimum
        months = rule.min_months + delta if met else max(0.0, rule.min_months - delta)
        return {**(_flag(replace(rule, min_months=None), True, delta) or {}), _duration_key(rule): round(months, 3)}
    if met:
        if rule.within_months is None:
            return {rule.key: True}
        return {rule.key: {"value": True, **_months(rule.within_months, True, delta)}}
    if rule.within_months is not None:
        return {rule.key: {"value": True, **_months(rule.within_months, False, delta)}}
    return {rule.key: False}


def witness(rule: Rule, met: bool, delta: float = 1.0) -> Facts | None:
    """Structured facts that make `rule` come out met (or not met), `delta` from its boundary."""
    if isinstance(rule, Not):
        return witness(rule.rule, not met, delta)
    if isinstance(rule, AnyOf | AllOf):
        if (isinstance(rule, AnyOf) and met) or (isinstance(rule, AllOf) and not met):
            # one child decides: the first that can be witnessed, the others on the harmless side
            for i, child in enumerate(rule.rules):
                mine = witness(child, met, delta)
                rest = [witness(other, not met, delta) for j, other in enumerate(rule.rules) if j != i]
                merged = _merge([mine, *rest]) if isinstance(rule, AllOf) else _merge([mine])
                if merged is not None:
                    return merged
            return None
        return _merge([witness(child, met, delta) for child in rule.rules])
    if isinstance(rule, SexScoped):  # about one sex: a person of that sex, decided by the rule
        return _merge([witness(rule.rule, met, delta), {"sex": rule.allowed}])
    if isinstance(rule, AgeScoped):  # about some ages: a person of those ages, decided by the rule
        return _merge([witness(rule.rule, met, delta), _age(rule.scope, True, delta)])
    if isinstance(rule, Age):
        return _age(rule, met, delta)
    if isinstance(rule, Sex):
        other = "male" if rule.allowed == "female" else "female"
        return {"sex": rule.allowed if met else other}
    if isinstance(rule, Measure):
        value = round(_number(rule.op, rule.value, met, delta), 3)
        if value < 0:
            return None
        if rule.within_months is not None:  # a recent result: measured now
            return {rule.key: {"value": value, "months_ago": 0.0}}
        return {rule.key: value}
    if isinstance(rule, UlnMultiple):
        multiple = round(_number(rule.op, rule.multiple, met, min(delta, 0.5)), 3)
        return None if multiple < 0 else {rule.key: {"uln_multiple": multiple}}
    if isinstance(rule, Condition):
        return _condition(rule, met, delta)
    if isinstance(rule, Treatment):
        return _treatment(rule, met, delta)
    if isinstance(rule, DoseCap):
        return _dose_cap(rule, met, delta)
    if isinstance(rule, DrugCount):
        return _drug_count(rule, met)
    if isinstance(rule, DoseChanged):
        return witness(StableMeds(min_weeks=rule.min_weeks), not met, delta)
    if isinstance(rule, StableMeds):
        months = rule.min_weeks / WEEKS_PER_MONTH
        return {"meds_stable_months": round(months + (delta if met else -min(delta, months)), 3)}
    if isinstance(rule, Diagnosis):
        if met:
            window = rule.max_duration_months
            fact: Facts = {"value": True, **(_months(window, True, delta) if window is not None else {})}
            if rule.min_duration_months is not None:
                fact["months_ago"] = rule.min_duration_months + delta
            return {f"dx:{rule.disease}": fact}
        if rule.max_duration_months is not None:
            return {f"dx:{rule.disease}": {"value": True, **_months(rule.max_duration_months, False, delta)}}
        return {f"dx:{rule.disease}": False}
    if isinstance(rule, Flag):
        return _flag(rule, met, delta)
    if isinstance(rule, Contraception):
        return {"contraception": not met}
    if isinstance(rule, PregnancyPlan):
        return {"pregnancy_plan": met}
    if isinstance(rule, Allergy):
        drug = rule.drugs[0] if rule.drugs else _member(rule.classes)
        if met:
            return {f"allergy:{drug}": True} if drug else None
        return {"allergy:none": True}
    if isinstance(rule, HealthyVolunteers):
        return {f"dx:{rule.disease}": True} if met and rule.disease else {"healthy_volunteer": not met}
    if isinstance(rule, Ask) and rule.alternative and not met:
        return None  # one of several alternatives: a "no" leaves it to the study team
    if isinstance(rule, Ask):  # asked in its own words: the answer decides, and the understood part agrees
        understood = witness(rule.understood, met, delta) if rule.understood is not None else {}
        scoped = {"sex": rule.only_sex} if rule.only_sex else {}
        return None if understood is None else _merge([understood, scoped, {rule.key: met}])
    return None


def _drug_classes(key: str) -> set[str]:
    term = vocabulary().drug(key.split(":", 1)[1]) if key.startswith(("prior:", "med:")) else None
    return set(term.classes) if term else set()


def _contradicts(key: str, target: Facts) -> bool:
    """Whether a fact of the rest of the patient contradicts the target's, so that the target's own
    statement would be read as said both ways: a drug of a class the target denies ("never had
    immunosuppressants" against "cyclophosphamide last week", or against prednisone, which some trials count
    in the class: vocabulary.toml `may_include`), the denial of a class whose drug the
    target names, or another statement of the same drug's use (current dose against last dose)."""
    if key.startswith("prior:class:"):
        klass = key.removeprefix("prior:class:")
        return any(klass in _drug_classes(k) for k, v in target.items() if not _no(v))
    if not key.startswith(("prior:", "med:")):
        return False
    drug = key.split(":", 1)[1]
    if any(k.split(":", 1)[1] == drug for k in target if k.startswith(("prior:", "med:"))):
        return True
    denied = {k.removeprefix("prior:class:") for k, v in target.items() if k.startswith("prior:class:") and _no(v)}
    # a drug some trials count in the denied class leaves the denial open too ("no immunosuppressants" beside
    # prednisone): Treatment asks the study team then
    near = denied | {n for c in denied for n in vocabulary().may_include(c)}
    return bool(near & _drug_classes(key))


def _no(value: Any) -> bool:
    return value is False or (isinstance(value, dict) and value.get("value") is False)


def _side(cc: CompiledCriterion, disqualifying: bool, delta: float) -> Facts | None:
    """The facts that make a criterion disqualifying (or clearly not)."""
    if cc.rule is None:
        return None
    exclusion = cc.kind == "exclusion"
    met = exclusion if disqualifying else not exclusion
    return witness(cc.rule, met, delta)


def boundary_cases(trial: Trial, compiled: list[CompiledCriterion], delta: float = 1.0) -> list[BoundaryCase]:
    """Two cases per witnessable rule: just past its boundary, and just inside it; each on top of a
    patient who meets every other criterion that can be met alongside."""
    pairs = list(zip(trial.criteria, compiled, strict=True))
    qualifying = [_side(cc, False, delta) for _, cc in pairs]
    cases: list[BoundaryCase] = []
    for i, (criterion, cc) in enumerate(pairs):
        if cc.rule is None or cc.team:
            continue
        for disqualifying in (True, False):
            target = _side(cc, disqualifying, delta)
            if target is None:
                continue
            facts: Facts = dict(BASE)
            for j, other in enumerate(qualifying):
                if j == i or other is None:
                    continue
                if all(facts.get(k, v) == v for k, v in other.items()) and not set(other) & set(target):
                    facts.update(copy.deepcopy(other))
            facts = {k: v for k, v in facts.items() if not _contradicts(k, target)}
            member = member_facts(trial.criteria, criterion)
            if member.get("healthy_volunteer") is True:  # a healthy volunteer has no diagnosis to screen with
                facts = {k: v for k, v in facts.items() if not k.startswith("dx:") or k in target}
            facts.update({k: v for k, v in member.items() if k not in target})
            facts.update(copy.deepcopy(target))
            side = "past" if disqualifying else "inside"
            what = f"{side} {cc.rule.describe()}: " + ", ".join(f"{k}={v}" for k, v in target.items())
            cases.append(BoundaryCase(trial.ref, criterion, cc.rule.kind, disqualifying, facts, target, what))
    return cases


def _ago(months: float) -> str:
    return f"{months:.2f} months ago"


def _say_one(key: str, value: Any) -> str | None:
    """One fact as a patient would write it, or None when there is no plain way to say it."""
    if key == "age":
        return f"I am {value:g} years old."
    if key == "sex":
        return "I am a woman." if value == "female" else "I am a man."
    if key == "weight_kg":
        return f"I weigh {value / KG_PER_LB:.2f} lb."  # in pounds: the reader converts
    lab = next((lab for lab in measured() if lab.key == key), None)
    if lab is not None and isinstance(value, int | float):
        other = next((unit for unit, f in lab.convert.items() if abs(f - 1.0) > 1e-9), None)
        if other is None:
            return f"My latest {lab.label} was {value:g} {lab.unit}."
        # in another unit than the criterion's: the reader converts
        return f"My latest {lab.label} was {lab.in_unit(value, other):.6g} {other}."
    if key in ("pregnant", "breastfeeding") and isinstance(value, bool):
        word = "pregnant" if key == "pregnant" else "breastfeeding"
        return f"I am {word}." if value else f"I am not {word}."
    drug = key.split(":", 1)[1] if key.startswith(("med:", "prior:")) and not key.startswith("prior:class:") else ""
    if key.startswith("med:") and drug:
        if value is False:
            return f"I do not take {drug}."
        if isinstance(value, int | float):
            return f"I take {drug} {value:g} mg a day."
    if key.startswith("prior:") and drug:
        if value is False:
            return f"I have never had {drug}."
        if isinstance(value, dict) and value.get("value") is True and "months_ago" in value and len(value) == 2:
            return f"My last dose of {drug} was {_ago(float(value['months_ago']))}."
    return None


def say(facts: Facts) -> str | None:
    """Boundary facts in words, or None when one of them has no plain wording."""
    parts = [_say_one(k, v) for k, v in facts.items()]
    if any(p is None for p in parts):
        return None
    return " ".join(p for p in parts if p)
