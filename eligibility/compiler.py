"""Compiling a trial's criteria into typed rules, once, at index time.

Each criterion (read with its parent lead-in) is read by the rule kinds of `eligibility/kinds/` in the
order `eligibility/data/kinds.toml` gives: age, weight, blood pressure, lab values with units and ULN
multiples, disease activity scores, diagnosis and disease duration, autoantibodies, refractory
disease, dose caps and stable doses, prior treatments with windows, counted treatments, conditions
with windows and exceptions, pregnancy, contraception, trial participation, allergies, race.
Administrative and judgement criteria go to the study team (`team`). A criterion no kind understands
stays without a rule and is counted. Damaged criteria compile with a visible warning, never a silent
guess. Each compiled criterion records the spans of its text its rule used (`used`): numbers,
comparators, units and time spans.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from eligibility.kinds import registry
from eligibility.kinds.autoantibodies import KIND as AUTOANTIBODIES
from eligibility.kinds.base import Match, Read, Span, drug_names, grammar
from eligibility.kinds.conditions import named_concepts
from eligibility.reading import Reading
from eligibility.rules import Age, AllOf, AnyOf, HealthyVolunteers, Rule, Sex, rule_from_dict
from trialscreen.model import Criterion, Trial
from trialscreen.vocabulary import vocabulary

COMPILER_VERSION = "6"  # the shape of stored rules: a change re-indexes


@lru_cache(maxsize=1)
def compiler_fingerprint() -> str:
    """The reader as it is: its version and a hash of the code and data files that read criteria (this
    package and the vocabularies). Rules stored by another reader are compiled anew when loaded, so an
    upgraded trialscreen never screens with an old reading of a trial."""
    digest = hashlib.sha256(COMPILER_VERSION.encode())
    for package in ("eligibility", "trialscreen"):
        root = resources.files(package)
        for item in sorted(_files(root), key=lambda t: t.name):
            digest.update(item.name.encode())
            digest.update(item.read_bytes())
    return f"{COMPILER_VERSION}+{digest.hexdigest()[:12]}"


def _files(folder: Traversable) -> list[Traversable]:
    """The reader's files under a package folder: Python modules and TOML/table data, in every subfolder."""
    out: list[Traversable] = []
    for item in folder.iterdir():
        if item.is_dir() and item.name != "__pycache__":
            out += _files(item)
        elif item.name.endswith((".py", ".toml", ".tsv", ".csv", ".gz")):
            out.append(item)
    return out


@dataclass
class CompiledCriterion:
    kind: str
    number: int
    rule: Rule | None
    team: bool = False  # only the study team can settle it: goes to `to_confirm`
    note: str = ""  # why the team settles it, or what the study team still checks
    warnings: list[str] = field(default_factory=list)
    # spans of the criterion's text (not its lead-in) the rule used: numbers, comparators, units, times
    used: list[Span] = field(default_factory=list)
    reading: Reading | None = None  # how it was read (set by eligibility.interpret)

    @property
    def mode(self) -> str:
        """How it was read: rule, partly, question, team, or none (no reading given)."""
        return "none" if self.reading is None else str(self.reading.mode)

    @property
    def compiled(self) -> bool:
        return self.rule is not None or self.team

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "number": self.number,
            "rule": None if self.rule is None else self.rule.to_dict(),
            "team": self.team,
            "note": self.note,
            "warnings": self.warnings,
            "used": [list(span) for span in self.used],
            "reading": None if self.reading is None else self.reading.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CompiledCriterion:
        rule = data.get("rule")
        return cls(
            kind=data["kind"],
            number=int(data["number"]),
            rule=None if rule is None else rule_from_dict(rule),
            team=bool(data.get("team")),
            note=str(data.get("note", "")),
            warnings=list(data.get("warnings", [])),
            used=[(int(a), int(b)) for a, b in data.get("used", [])],
            reading=None if data.get("reading") is None else Reading.from_dict(data["reading"]),
        )


# -- the compiler ---------------------------------------------------------------------------------


def trial_drugs(trial: Trial) -> set[str]:
    """Drugs the trial itself names (inclusion criteria, interventions): 'other X' means other than these."""
    drugs = {d for c in trial.criteria_of("inclusion") for d in drug_names(c.text)}
    drugs |= {d.name for i in trial.interventions for d in vocabulary().drugs_in(i)}
    return drugs


def _limit(criterion: Criterion, trial: Trial) -> CompiledCriterion:
    """A structured-field limit (ages, sex, healthy volunteers): the record's values decide."""
    rule: Rule | None = None
    if criterion.field == "min_age" and trial.min_age is not None:
        rule = Age(min=trial.min_age)
    elif criterion.field == "max_age" and trial.max_age is not None:
        rule = Age(max=trial.max_age)
    elif criterion.field == "ages" and (trial.min_age is not None or trial.max_age is not None):
        rule = Age(min=trial.min_age, max=trial.max_age)
    elif criterion.field == "sex" and trial.sex in ("female", "male"):
        rule = Sex(allowed=trial.sex)
    elif criterion.field == "volunteers" and trial.accepts_healthy is False:
        studied = [c for name in trial.conditions for c in vocabulary().conditions_in(name)]
        disease = next((vocabulary().diagnosis_key(c.name) for c in studied if vocabulary().diagnosis_key(c.name)), "")
        rule = HealthyVolunteers(disease=disease or "")
    return CompiledCriterion(kind=criterion.kind, number=criterion.number, rule=rule)


def _age_bounds(rule: Rule | None) -> list[Age]:
    if isinstance(rule, Age):
        return [rule]
    if isinstance(rule, AllOf | AnyOf):
        return [a for r in rule.rules for a in _age_bounds(r)]
    return []


def limit_warnings(trial: Trial, compiled: list[CompiledCriterion]) -> list[str]:
    """Where a structured field and a listed criterion disagree on the ages: both apply, and this says so."""
    listed = [a for c, cc in zip(trial.criteria, compiled, strict=True) if not c.field for a in _age_bounds(cc.rule)]
    fields = [(c, a) for c, cc in zip(trial.criteria, compiled, strict=True) if c.field for a in _age_bounds(cc.rule)]
    out = []
    for criterion, stated in fields:
        for age in listed:
            for side in ("min", "max"):
                a, b = getattr(stated, side), getattr(age, side)
                if a is not None and b is not None and a != b:
                    out.append(
                        f"the record's {side}imum age ({a:g}, '{criterion.text}') and the criteria ({b:g}) "
                        "disagree: both apply; the study team confirms"
                    )
    return list(dict.fromkeys(out))


def _merge(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _team(criterion: Criterion, r: Read) -> str:
    """Why only the study team can settle this criterion, before any kind reads it ('' if not)."""
    team = grammar().patterns["team"]
    text, context = criterion.text, criterion.context
    if context and team["reproductive_lead_in"].search(context) and team["reproductive_item"].search(text):
        return "pregnancy potential and contraception: the study team confirms"
    for kind in registry():
        note = kind.team(r)
        if note:
            r.warnings.append(note)
            return note
    only = team["only"].search(text)
    if only and only.group(0).lower() in ("comply", "compliance") and named_concepts(text):
        only = None  # "mental disorder ... that could interfere with the ability to comply": the disorder counts
    if only and not team["only_unless"].search(text):
        return f"{only.group(0).strip()}: the study team decides"
    if team["allowed_exceptions"].search(context):
        return "an allowed exception to a lab-abnormality exclusion: the study team checks"
    return ""


def read_criterion(r: Read) -> list[Match]:
    """Every kind, in order, reads the criterion; a kind does not read one its `blocked_by` kinds matched."""
    for kind in registry():
        if kind.only and kind.only != r.kind:
            continue
        if kind.blocked_by and r.matched(*kind.blocked_by):
            continue
        found = kind.read(r)
        if found:
            r.found[kind.name] = found
    return [m for matches in r.found.values() for m in matches]


def compile_criterion(criterion: Criterion, trial: Trial, named_drugs: set[str] | None = None) -> CompiledCriterion:
    if criterion.field:
        return _limit(criterion, trial)
    text, context = criterion.text, criterion.context
    warnings: list[str] = []
    out = CompiledCriterion(kind=criterion.kind, number=criterion.number, rule=None, warnings=warnings)
    if criterion.warnings and any("lost" in w or "cut" in w for w in criterion.warnings):
        warnings.extend(w for w in criterion.warnings)
    named = trial_drugs(trial) if named_drugs is None else named_drugs
    r = Read(criterion=criterion, trial=trial, named_drugs=named, warnings=warnings)
    note = _team(criterion, r)
    if note:
        out.team, out.note = True, note
        return out
    matches = read_criterion(r)
    rules = [m.rule for m in matches]
    team = grammar().patterns["team"]
    if team["any_of"].search(text) and len(rules) > 1:
        rules = [AnyOf(rules)]
    if not rules and context:
        # "as follows:" children of an autoantibody criterion: the lead-in names the tests
        rules = [m.rule for m in AUTOANTIBODIES.read_text(context)]
        if rules:
            out.note = "how the tests are documented: the study team confirms"
    team_words = team["any"].search(f"{context} {text}".strip())
    if team_words and not rules:
        out.team, out.note = True, f"{team_words.group(0)}: the study team decides"
        return out
    if not rules:
        return out  # not understood: stays unknown with its text shown
    out.used = _merge([span for m in matches for span in m.spans])
    if team_words:
        out.note = "the study team also checks: " + team_words.group(0)
    elif team["screening"].search(text):
        out.note = "confirmed by a test at screening"
    if criterion.kind == "inclusion":
        out.rule = rules[0] if len(rules) == 1 else AllOf(rules)
    else:
        out.rule = rules[0] if len(rules) == 1 else AnyOf(rules)
    return out


def compile_trial(trial: Trial) -> list[CompiledCriterion]:
    named = trial_drugs(trial)
    from eligibility.interpret import interpret  # the reading layer sits on top of the recognisers

    compiled = [interpret(c, compile_criterion(c, trial, named), trial, named) for c in trial.criteria]
    disagreements = limit_warnings(trial, compiled)
    for c, cc in zip(trial.criteria, compiled, strict=True):
        if c.field and disagreements and isinstance(cc.rule, Age):
            cc.warnings.extend(disagreements)
    return compiled


class EngineRules:
    """The rule compiler the index calls at index time (`trialscreen.model.RuleCompiler`)."""

    version = COMPILER_VERSION

    @property
    def fingerprint(self) -> str:
        return compiler_fingerprint()

    def compile(self, trial: Trial) -> list[dict[str, Any]]:
        return [c.to_dict() for c in compile_trial(trial)]


RULES = EngineRules()
