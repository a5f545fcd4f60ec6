"""Typed eligibility rules and how each is decided against a patient profile.

A rule states a condition about the patient ("age >= 18", "received rituximab within 6 months",
"has had cancer within 5 years, except basal cell skin cancer"). Evaluated, it is `met`,
`not_met`, `unknown` (the profile does not say; the rule names the facts to ask for) or
`not_applicable` (e.g. pregnancy rules for a man). Whether `met` is good or bad is the
criterion's business: for an exclusion criterion `met` means the patient has the excluding
condition.

Rules serialise to plain dicts (`to_dict`/`rule_from_dict`) so compiled trials are stored as JSON.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from typing import Any, ClassVar

from eligibility.atoms import Atom, AtomKind, Comparator, Context, Logic, When, atom_logic
from eligibility.coded import (
    FAMILY,
    PREFIX,
    concept_cases,
    concept_denials,
    concept_mentions,
    concept_near,
    facts_under,
    related,
    under,
    whole_case,
)
from eligibility.facts import Fact, Profile, denial_settles
from eligibility.kinship import fits
from eligibility.narrowing import is_group, states
from eligibility.timewords import WEEKS_PER_MONTH, duration_words, period_words, window_words
from trialscreen.keys import Status, TreatmentKey
from trialscreen.vocab import conditions as icd
from trialscreen.vocab.histology import fits_any as histology_fits
from trialscreen.vocab.histology import words_of as histology_words
from trialscreen.vocabulary import vocabulary

EVER_MONTHS = 1200.0  # a window that covers a lifetime
MET, NOT_MET, UNKNOWN, NA = Status.MET, Status.NOT_MET, Status.UNKNOWN, Status.NOT_APPLICABLE

OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
}
OP_WORDS = {">": "above", ">=": "at least", "<": "below", "<=": "at most", "==": "exactly"}


class Result:
    """How a rule decides for a person: its status, the facts it used, and what would settle an unknown.

    A plain class with slots (made for every criterion of every screening, so kept cheap to build)."""

    __slots__ = ("asks", "facts", "reason", "status", "windows")

    def __init__(
        self,
        status: Status,
        facts: list[Fact] | None = None,
        asks: list[str] | None = None,
        reason: str = "",
        windows: dict[str, float | None] | None = None,
    ) -> None:
        self.status = status
        self.facts: list[Fact] = facts if facts is not None else []
        self.asks: list[str] = asks if asks is not None else []  # fact keys that would settle an unknown
        self.reason = reason
        # the stretch of time the criterion asks about, per asked key (months; 0 = now; None = ever), so
        # the question asks in the criterion's own window and the answer covers exactly that
        self.windows: dict[str, float | None] = windows if windows is not None else {}

    def __repr__(self) -> str:
        return f"Result({self.status!s}, reason={self.reason!r})"

    def asking(self, window: float | None) -> Result:
        self.windows = {key: window for key in self.asks}
        return self


def merge_windows(results: list[Result]) -> dict[str, float | None]:
    """The widest window asked for each key: ever beats any number, a longer one a shorter one."""
    out: dict[str, float | None] = {}
    for r in results:
        for key, window in r.windows.items():
            if key not in out or (out[key] is not None and (window is None or window > (out[key] or 0.0))):
                out[key] = window
    return out


def _fmt(x: float) -> str:
    return f"{x:g}"


_CMP: dict[str, Comparator] = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "=="}
_FLAG_KINDS = {"trial": AtomKind.PARTICIPATION, "lab": AtomKind.MEASUREMENT, "race": AtomKind.DEMOGRAPHIC}


def _cmp(op: str) -> Comparator:
    return _CMP.get(op, ">=")


_CONCEPT_MAX = 400  # Atom.concept's limit (eligibility/atoms.py)


def _made_atom(**fields: Any) -> Atom:
    """An atom this module builds: a concept naming a long list of medicines is shortened to the limit."""
    concept = str(fields.get("concept", ""))
    if len(concept) > _CONCEPT_MAX:
        fields["concept"] = concept[: _CONCEPT_MAX - 1].rsplit(" ", 1)[0] + "…"
    return Atom(**fields)


def _atom(kind: AtomKind, concept: str, op: str, value: float, unit: str, vocab_id: str | None = None) -> Logic:
    return atom_logic(
        _made_atom(
            kind=kind,
            concept=concept or kind.value,
            vocab_id=vocab_id or None,
            comparator=_cmp(op),
            value=value,
            unit=unit,
        )
    )


def _joined(op: str, parts: list[Logic]) -> Logic:
    if len(parts) == 1:
        return parts[0]
    return Logic(op="all" if op == "all" else "any", parts=tuple(parts))


def _window(months: float | None, now_when_none: bool) -> dict[str, Any]:
    """The atom's time fields: within N months, or now / ever when the rule has no window."""
    if months is None:
        return {"when": When.CURRENT if now_when_none else When.EVER}
    if months == 0:
        return {"when": When.CURRENT}
    return {"when": When.WITHIN, "months": months}


# -- the registry ---------------------------------------------------------------------------------

_KINDS: dict[str, type[Rule]] = {}


@dataclass
class Rule:
    kind: ClassVar[str] = ""

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        if cls.kind:
            _KINDS[cls.kind] = cls

    def evaluate(self, profile: Profile) -> Result:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def names(self) -> set[str]:
        """What the rule names: its fact keys, drugs and drug classes (over every part of a composite)."""
        out: set[str] = set()
        for name in ("key", "drug"):
            value = getattr(self, name, None)
            if isinstance(value, str) and value:
                out.add(value)
        for name in ("drugs", "classes"):
            out.update(x for x in getattr(self, name, None) or () if isinstance(x, str))
        for name in ("rule", "rules"):
            inner = getattr(self, name, None)
            for r in inner if isinstance(inner, list) else [inner]:
                if isinstance(r, Rule):
                    out |= r.names()
        return out

    def speaks_to(self, profile: Profile) -> bool:
        """Whether the person's facts say anything about what the rule asks, even without settling it:
        one of its fact keys, drugs or conditions ("cond:cancer" for "cancer"), or a drug of a class it
        names ("rituximab 8 months ago" for "other biologics"); a composite asks what its parts ask."""
        parts = [r for name in ("rule", "rules") for r in _as_list(getattr(self, name, None)) if isinstance(r, Rule)]
        if parts:
            return any(r.speaks_to(profile) for r in parts)
        names = self.names()
        if not names:
            return False
        for key in profile.facts:
            pieces = key.split(":")
            if key in names or pieces[-1] in names:
                return True
            if pieces[0] in ("med", "prior") and len(pieces) == 2 and set(_classes(pieces[1])) & names:
                return True
        return False

    def logic(self) -> Logic:
        """The rule as atoms joined by and / or / not (its typed reading)."""
        return atom_logic(_made_atom(kind=AtomKind.ADMINISTRATIVE, concept=self.describe() or self.kind))

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Rule):
                data[f.name] = value.to_dict()
            elif isinstance(value, list) and value and isinstance(value[0], Rule):
                data[f.name] = [v.to_dict() for v in value]
            else:
                data[f.name] = value
        return data


def widened(rule: Rule) -> Rule | None:
    """The rule with its windows, exceptions and thresholds taken away (what it names, at any time and
    dose), or None when it holds something that cannot be widened (a measurement, an age)."""
    if isinstance(rule, AnyOf | AllOf):
        parts = [widened(r) for r in rule.rules]
        if any(p is None for p in parts):
            return None
        return replace(rule, rules=[p for p in parts if p is not None])
    if isinstance(rule, Condition):
        return replace(rule, within_months=None, exceptions=[], min_class=None, current_only=False)
    if isinstance(rule, Treatment):
        return replace(rule, within_months=None, route=None, min_dose_mg_day=None, except_drugs=[])
    if isinstance(rule, Flag) and not rule.pregnancy_related and rule.within_months is not None:
        return replace(rule, within_months=EVER_MONTHS)
    if isinstance(rule, Allergy):
        return rule
    return None  # a measurement, an age, a state of now (pregnant, unwilling to use contraception): not widened


def rule_from_dict(data: dict[str, Any]) -> Rule:
    data = dict(data)
    cls = _KINDS[data.pop("kind")]
    for f in fields(cls):
        value = data.get(f.name)
        if isinstance(value, dict) and "kind" in value:
            data[f.name] = rule_from_dict(value)
        elif isinstance(value, list) and value and isinstance(value[0], dict) and "kind" in value[0]:
            data[f.name] = [rule_from_dict(v) for v in value]
    return cls(**data)


def _within(fact: Fact, within_months: float | None) -> bool | None:
    """Whether a fact falls inside a look-back window; None when its timing is unknown."""
    if within_months is None:
        return True
    if fact.current:
        return True
    if fact.began_only and fact.when_months is not None and fact.when_months > within_months + 1e-6:
        return None  # diagnosed before the window: whether it lasted into it is not said
    if fact.when_months is None:
        # "yes" to "in the past 3 years?": inside any window at least that wide, else unknown
        if fact.covers_months is not None and fact.covers_months <= within_months + 1e-6:
            return True
        return None
    return fact.when_months <= within_months


class Windowed(Rule):
    """A rule about a stretch of time: its questions ask in that window (`ask_window`)."""

    def evaluate(self, profile: Profile) -> Result:
        result = self.decide(profile)
        if result.status == UNKNOWN and not result.windows:
            result.asking(self.ask_window)
        return result

    def decide(self, profile: Profile) -> Result:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def ask_window(self) -> float | None:  # pragma: no cover - abstract
        raise NotImplementedError


# -- composites -----------------------------------------------------------------------------------


def speaks_to(rule: Rule, profile: Profile) -> bool:
    """Whether the person's facts say anything about what the rule asks (`Rule.speaks_to`)."""
    return rule.speaks_to(profile)


def _as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else [value]


@dataclass
class AnyOf(Rule):
    kind: ClassVar[str] = "any_of"
    rules: list[Rule] = field(default_factory=list)

    def evaluate(self, profile: Profile) -> Result:
        results = [r.evaluate(profile) for r in self.rules]
        met = [r for r in results if r.status == MET]
        if met:
            return Result(MET, met[0].facts, reason=met[0].reason)
        unknown = [r for r in results if r.status == UNKNOWN]
        if unknown:
            return Result(
                UNKNOWN,
                asks=[a for r in unknown for a in r.asks],
                reason=unknown[0].reason,
                windows=merge_windows(unknown),
            )
        if all(r.status == NA for r in results):
            return Result(NA, reason=results[0].reason if results else "")
        facts = [f for r in results for f in r.facts]
        return Result(NOT_MET, facts, reason="; ".join(r.reason for r in results if r.reason))

    def describe(self) -> str:
        return " or ".join(r.describe() for r in self.rules)

    def logic(self) -> Logic:
        return Logic(op="any", parts=tuple(r.logic() for r in self.rules))


@dataclass
class AllOf(Rule):
    kind: ClassVar[str] = "all_of"
    rules: list[Rule] = field(default_factory=list)

    def evaluate(self, profile: Profile) -> Result:
        results = [r.evaluate(profile) for r in self.rules]
        failed = [r for r in results if r.status == NOT_MET]
        if failed:
            return Result(NOT_MET, failed[0].facts, reason=failed[0].reason)
        unknown = [r for r in results if r.status == UNKNOWN]
        if unknown:
            return Result(
                UNKNOWN,
                asks=[a for r in unknown for a in r.asks],
                reason=unknown[0].reason,
                windows=merge_windows(unknown),
            )
        applicable = [r for r in results if r.status != NA]
        if not applicable:
            return Result(NA, reason=results[0].reason if results else "")
        facts = [f for r in applicable for f in r.facts]
        return Result(MET, facts, reason="; ".join(r.reason for r in applicable if r.reason))

    def describe(self) -> str:
        return " and ".join(r.describe() for r in self.rules)

    def logic(self) -> Logic:
        return Logic(op="all", parts=tuple(r.logic() for r in self.rules))


@dataclass
class Not(Rule):
    """The patient must NOT have what the inner rule describes (e.g. 'Negative HIV test')."""

    kind: ClassVar[str] = "not"
    rule: Rule = field(default_factory=lambda: AnyOf())

    def evaluate(self, profile: Profile) -> Result:
        inner = self.rule.evaluate(profile)
        flipped = {MET: NOT_MET, NOT_MET: MET}.get(inner.status, inner.status)
        return Result(flipped, inner.facts, inner.asks, inner.reason, inner.windows)

    def describe(self) -> str:
        return f"not ({self.rule.describe()})"

    def logic(self) -> Logic:
        return Logic(op="not", parts=(self.rule.logic(),))


# -- demographics and measurements ----------------------------------------------------------------


@dataclass
class Age(Rule):
    kind: ClassVar[str] = "age"
    min: float | None = None
    min_strict: bool = False
    max: float | None = None
    max_strict: bool = False

    def evaluate(self, profile: Profile) -> Result:
        fact = profile.get("age")
        if fact is None:
            return Result(UNKNOWN, asks=["age"], reason="age not given")
        age = float(fact.value)
        ok = True
        if self.min is not None:
            ok &= age > self.min if self.min_strict else age >= self.min
        if self.max is not None:
            ok &= age < self.max if self.max_strict else age <= self.max
        verdict = "within" if ok else "outside"
        return Result(MET if ok else NOT_MET, [fact], reason=f"age {_age_words(age)} is {verdict} {self.describe()}")

    def describe(self) -> str:
        parts = []
        if self.min is not None:
            parts.append(f"{'over' if self.min_strict else 'at least'} {_age_words(self.min)}")
        if self.max is not None:
            parts.append(f"{'under' if self.max_strict else 'at most'} {_age_words(self.max)}")
        return "age " + " and ".join(parts)

    def logic(self) -> Logic:
        parts = []
        if self.min is not None:
            parts.append(_atom(AtomKind.DEMOGRAPHIC, "age", ">" if self.min_strict else ">=", self.min, "years"))
        if self.max is not None:
            parts.append(_atom(AtomKind.DEMOGRAPHIC, "age", "<" if self.max_strict else "<=", self.max, "years"))
        return _joined("all", parts)


def _age_words(years: float) -> str:
    """An age limit as the criterion gave it: '18', or '6 months' for a part of a year."""
    return _fmt(years) if years == int(years) else f"{round(years * 12, 1):g} months"


@dataclass
class Sex(Rule):
    kind: ClassVar[str] = "sex"
    allowed: str = "female"

    def evaluate(self, profile: Profile) -> Result:
        fact = profile.get("sex")
        if fact is None:
            return Result(UNKNOWN, asks=["sex"], reason="sex not given")
        ok = fact.value == self.allowed
        return Result(MET if ok else NOT_MET, [fact], reason=f"sex is {fact.value}")

    def describe(self) -> str:
        return f"{self.allowed} only"

    def logic(self) -> Logic:
        return atom_logic(_made_atom(kind=AtomKind.DEMOGRAPHIC, concept=f"sex: {self.allowed}"))


@dataclass
class SexScoped(Rule):
    """A criterion about people of one sex ("Female subjects diagnosed with KD 12 years of age and
    older", "Men who have sex with men"): it does not apply to the other sex, and otherwise decides
    as its own rule does."""

    kind: ClassVar[str] = "sex_scoped"
    allowed: str = "female"
    rule: Rule = field(default_factory=lambda: AnyOf())

    def evaluate(self, profile: Profile) -> Result:
        fact = profile.get("sex")
        if fact is not None and fact.value != self.allowed:
            return Result(NA, [fact], reason=f"only about {'women' if self.allowed == 'female' else 'men'}")
        return self.rule.evaluate(profile)

    def describe(self) -> str:
        return f"for {'women' if self.allowed == 'female' else 'men'}: {self.rule.describe()}"

    def logic(self) -> Logic:
        return self.rule.logic()


@dataclass
class AgeScoped(Rule):
    """A criterion about people of some ages ("Age 12-17: BMI >= 95th percentile", "0.8 mg/dL (2 to 5 years
    of age)"): it does not apply to a person of another age, and otherwise decides as its own rule does."""

    kind: ClassVar[str] = "age_scoped"
    scope: Age = field(default_factory=Age)
    rule: Rule = field(default_factory=lambda: AnyOf())

    def evaluate(self, profile: Profile) -> Result:
        within = self.scope.evaluate(profile)
        if within.status == NOT_MET:
            return Result(NA, within.facts, reason=f"only about people of {self.scope.describe()}")
        return self.rule.evaluate(profile)

    def describe(self) -> str:
        return f"for people of {self.scope.describe()}: {self.rule.describe()}"

    def logic(self) -> Logic:
        return self.rule.logic()


@dataclass
class HealthyVolunteers(Rule):
    """A record that takes no healthy volunteers: the person must have the condition studied."""

    kind: ClassVar[str] = "healthy_volunteers"
    disease: str = ""  # the diagnosis fact (dx:KEY) of the condition studied, when known

    def evaluate(self, profile: Profile) -> Result:
        stated = profile.get("healthy_volunteer")
        if stated is not None and stated.value:
            return Result(NOT_MET, [stated], reason="a healthy volunteer; this trial takes no healthy volunteers")
        for key in profile.keys_with_prefix("dx:"):
            fact = profile.get(key)
            if fact is not None and fact.value is True:
                return Result(MET, [fact], reason="has a diagnosed condition: not a healthy volunteer")
        if stated is not None:
            return Result(MET, [stated], reason="not a healthy volunteer")
        ask = f"dx:{self.disease}" if self.disease else "healthy_volunteer"
        return Result(UNKNOWN, asks=[ask], reason="whether the person has the condition studied is not known")

    def describe(self) -> str:
        return "no healthy volunteers: only people with the condition studied"

    def logic(self) -> Logic:
        return atom_logic(
            _made_atom(kind=AtomKind.DEMOGRAPHIC, concept="not a healthy volunteer", vocab_id=self.disease or None)
        )


@dataclass
class Measure(Rule):
    """A number compared with a threshold: weight, BMI, blood pressure, a lab value, a score."""

    kind: ClassVar[str] = "measure"
    key: str = ""
    op: str = ">="
    value: float = 0.0
    unit: str = ""
    label: str = ""
    within_months: float | None = None  # "a positive ANA ... within 6 months of screening": a recent result

    def evaluate(self, profile: Profile) -> Result:
        fact = profile.get(self.key)
        if fact is None or fact.value is None:
            if fact is not None and fact.detail.get("normal") and self.op in (">", ">="):
                return Result(NOT_MET, [fact], reason=f"{self.label} reported normal")
            bounded = self._bounded(fact) if fact is not None else None
            if bounded is not None:
                return bounded
            return Result(UNKNOWN, asks=[self.key], reason=f"{self.label} not given")
        value = float(fact.value)
        ok = OPS[self.op](value, self.value)
        if ok and self.within_months is not None:
            inside = _within(fact, self.within_months)
            if inside is None:
                return Result(UNKNOWN, [fact], asks=[self.key], reason=f"when the {self.label} result is from")
            if not inside:
                return Result(NOT_MET, [fact], reason=f"{self.label}: the result is older than the window")
        return Result(
            MET if ok else NOT_MET,
            [fact],
            reason=f"{self.label} {_fmt(value)}{(' ' + self.unit) if self.unit else ''} "
            f"is {'' if ok else 'not '}{OP_WORDS[self.op]} {_fmt(self.value)}",
        )

    def _bounded(self, fact: Fact) -> Result | None:
        """What a bound a named condition sets (eligibility/implied.py: "obese" is a BMI of 30 or more)
        decides: the threshold on the bound's far side; else the value stays a question."""
        low: float | None = fact.detail.get("at_least")
        high: float | None = fact.detail.get("at_most")
        if low is None and high is None:
            return None
        v, op = self.value, self.op
        if low is not None:
            lo = low
            meets = {">": lo > v, ">=": lo >= v}.get(op, False)
            fails = {"<": lo >= v, "<=": lo > v}.get(op, False)
        else:
            assert high is not None
            hi = high
            meets = {"<": hi < v, "<=": hi <= v}.get(op, False)
            fails = {">": hi <= v, ">=": hi < v}.get(op, False)
        why = f"{fact.detail.get('words') or 'the condition named'}: {fact.detail.get('why', '')}"
        if meets or fails:
            verdict = "" if meets else "not "
            reason = f"{why}, so {self.label} is {verdict}{OP_WORDS[op]} {_fmt(v)}"
            return Result(MET if meets else NOT_MET, [fact], reason=reason)
        return Result(UNKNOWN, [fact], asks=[self.key], reason=f"{why}; {self.label} itself not given")

    def describe(self) -> str:
        value = f"{self.label} {self.op} {_fmt(self.value)}{(' ' + self.unit) if self.unit else ''}"
        return value + window_words(self.within_months)

    def logic(self) -> Logic:
        kind = AtomKind.SCORE if self.key.startswith("score:") else AtomKind.MEASUREMENT
        return atom_logic(
            _made_atom(
                kind=kind,
                concept=self.label or self.key,
                vocab_id=self.key,
                comparator=_cmp(self.op),
                value=self.value,
                unit=self.unit or None,
                **(_window(self.within_months, True) if self.within_months is not None else {"when": When.CURRENT}),
            )
        )


@dataclass
class UlnMultiple(Rule):
    """A lab value compared with a multiple of the upper limit of normal (ALT > 2 x ULN)."""

    kind: ClassVar[str] = "uln"
    key: str = ""
    op: str = ">"
    multiple: float = 1.0
    label: str = ""

    def evaluate(self, profile: Profile) -> Result:
        fact = profile.get(self.key)
        if fact is None:
            return Result(UNKNOWN, asks=[self.key], reason=f"{self.label} not given")
        multiple = fact.detail.get("uln_multiple")
        if multiple is None and fact.detail.get("normal"):
            multiple = 1.0 if self.op in (">",) else 0.99
        if multiple is None and fact.detail.get("above_uln") and self.multiple <= 1.0 and self.op == ">":
            return Result(MET, [fact], reason=f"{self.label} above the upper limit of normal")
        if multiple is None:
            return Result(UNKNOWN, asks=[self.key], reason=f"{self.label} given without its normal range")
        ok = OPS[self.op](float(multiple), self.multiple)
        return Result(
            MET if ok else NOT_MET,
            [fact],
            reason=f"{self.label} {_fmt(float(multiple))} x ULN is {'' if ok else 'not '}"
            f"{OP_WORDS[self.op]} {_fmt(self.multiple)} x ULN",
        )

    def describe(self) -> str:
        return f"{self.label} {self.op} {_fmt(self.multiple)} x ULN"

    def logic(self) -> Logic:
        return atom_logic(
            _made_atom(
                kind=AtomKind.MEASUREMENT,
                concept=self.label or self.key,
                vocab_id=self.key,
                comparator=_cmp(self.op),
                value=self.multiple,
                unit="x ULN",
                when=When.CURRENT,
            )
        )


# -- history, conditions and treatments -----------------------------------------------------------


@dataclass
class Condition(Windowed):
    """The patient has (or had, within a window) a condition, unless it is one of the exceptions."""

    kind: ClassVar[str] = "condition"
    key: str = ""  # concept key: cond:KEY
    label: str = ""
    within_months: float | None = None
    exceptions: list[str] = field(default_factory=list)  # subtypes that do not count
    min_class: int | None = None  # e.g. NYHA class III or worse
    current_only: bool = False
    narrowed: str = ""  # "uncontrolled hypertension": the person's words must say it (eligibility/narrowing.py)
    # "Other malignancy" in a breast cancer trial: the ICD-10-CM codes of the trial's own condition, whose
    # cases do not count
    besides: list[str] = field(default_factory=list)
    # "Squamous cell carcinoma", "small cell lung cancer": the histologies the criterion names (any one of
    # them), which the person's words must name too (trialscreen/vocab/histology.py)
    histology: list[str] = field(default_factory=list)

    def decide(self, profile: Profile) -> Result:
        look = profile.lookup(f"cond:{self.key}")
        if look.conflict:
            return Result(
                UNKNOWN,
                asks=[f"cond:{self.key}"],
                reason=f"contradictory answers about {self.label}",
            )
        fact = look.fact
        if fact is not None and fact.value and self.besides and self._the_trials_own(fact, profile):
            fact = None  # "metastatic breast cancer" for "other malignancy" in a breast cancer trial
        if fact is None:
            return self._coded(profile)
        if fact.value and self.histology and fact.evidence.start >= 0:
            coded = self._coded(profile)  # "gastric cancer. Adenocarcinoma of the lung": the coded case of it
            if coded.status == MET:
                return coded
        if not fact.value:
            named = _named_elsewhere(fact, concept_cases(profile, self.key), within=bool(self.exceptions))
            if named:  # "No cancer. Multiple myeloma diagnosed 2022": the text says both
                return Result(
                    UNKNOWN,
                    [fact, *named],
                    asks=[f"cond:{self.key}"],
                    reason=f"the text denies {self.label} but names {named[0].detail.get('words') or 'a kind of it'}",
                )
        return self._decide_fact(fact)

    def _coded(self, profile: Profile) -> Result:
        """With nothing said in the concept's own words, the conditions the text names that are coded under
        the concept: "glioblastoma resected in 2021" (C71) is a malignancy, "CKD" (N18) a kidney disease. The
        most telling one decides (met before unknown before not met). A kind's exceptions ("except basal cell
        carcinoma") are read from the concept's words only, so with exceptions a coded kind is asked. A coded
        kind never clears the concept: a date the text gives it may be one of several ("resected in 2012,
        recurred in 2024"). What is coded under the concept's `whole` is the concept itself, no kind: its
        case or denial decides as the concept's own words would ("smoked for 20 years but quit", "has never
        smoked")."""
        asks = [f"cond:{self.key}"]
        named = [f for f in concept_cases(profile, self.key) if f.value]
        cases = [f for f in named if not self._of_the_trial(f)]
        if not cases:
            if named:  # every case named is one of the trial's own
                return Result(UNKNOWN, asks=asks, reason=f"no {self.label} besides the trial's own is mentioned")
            denials = concept_denials(profile, self.key)
            if denials:  # "has never smoked": the concept denied as a whole
                return self._decide_fact(denials[0])
            # a condition coded inside the concept's range that is no case of it ("daily cannabis use")
            near = concept_near(profile, self.key)
            if near:
                words = near[0].detail.get("words") or "what the text names"
                return Result(UNKNOWN, near[:1], asks=asks, reason=f"whether {words} is {self.label}")
            return Result(UNKNOWN, asks=asks, reason=f"{self.label} not mentioned")
        if self.exceptions:
            return Result(UNKNOWN, cases, asks=asks, reason=f"whether the {self.label} is an allowed exception")
        decided = [self._decide_fact(f) for f in cases]
        met = [r for r in decided if r.status == MET]
        if met:
            return met[0]
        wholes = [r for f, r in zip(cases, decided, strict=True) if whole_case(f, self.key)]
        if wholes and len(wholes) == len(cases):  # "smoked for 20 years but quit": the concept itself, no kind
            return wholes[0]
        return Result(UNKNOWN, cases, asks=asks, reason=f"whether the {self.label} the text names is the one asked")

    def _of_the_trial(self, fact: Fact) -> bool:
        """Whether a coded case is one of the trial's own condition, or its spread ("brain metastases" of the
        trial's breast cancer is no other malignancy)."""
        code = fact.key.removeprefix(PREFIX)
        return bool(self.besides) and (any(under(code, own) for own in self.besides) or icd.is_spread(code))

    def _the_trials_own(self, fact: Fact, profile: Profile) -> bool:
        """Whether the person's text names the concept, where it does, only as the trial's own condition:
        every coded case at the same words is one of it."""
        at = [
            f
            for f in concept_cases(profile, self.key)
            if f.value
            and f.evidence is not None
            and fact.evidence is not None
            and f.evidence.start <= fact.evidence.start < f.evidence.end
        ]
        return bool(at) and all(self._of_the_trial(f) for f in at)

    def _decide_fact(self, fact: Fact) -> Result:
        if not fact.value:
            if not denial_settles(fact, self.within_months, current_only=self.current_only):
                return Result(
                    UNKNOWN,
                    [fact],
                    asks=[f"cond:{self.key}"],
                    reason=f"the answer about {self.label} covers {period_words(fact.covers_months)}; "
                    f"the trial asks about {period_words(self.within_months)}",
                )
            return Result(NOT_MET, [fact], reason=f"no {self.label}")
        subtype = fact.detail.get("subtype")
        if subtype and subtype in self.exceptions:
            return Result(NOT_MET, [fact], reason=f"{subtype.replace('_', ' ')} is an allowed exception")
        if self.min_class is not None:
            klass = fact.detail.get("nyha_class")
            if klass is None:
                return Result(UNKNOWN, [fact], asks=[f"cond:{self.key}"], reason=f"{self.label} class not given")
            if klass < self.min_class:
                return Result(NOT_MET, [fact], reason=f"{self.label} class {klass} is below {self.min_class}")
        if self.current_only and fact.current is False:
            return Result(NOT_MET, [fact], reason=f"{self.label} is in the past, not current")
        if self.current_only and fact.began_only:
            return Result(
                UNKNOWN, [fact], asks=[f"cond:{self.key}"], reason=f"whether the {self.label} goes on is not said"
            )
        inside = _within(fact, self.within_months)
        if inside is None:
            return Result(UNKNOWN, [fact], asks=[f"cond:{self.key}"], reason=f"when the {self.label} was is not given")
        if not inside:
            return Result(NOT_MET, [fact], reason=f"{self.label} was longer ago than the window")
        # a note's words must say it ("hypertension" is no "uncontrolled hypertension"); an answer to the
        # question is taken as it is given
        if self.narrowed and fact.evidence.start >= 0 and not states(fact.evidence.text, self.narrowed):
            return Result(
                UNKNOWN, [fact], asks=[f"cond:{self.key}"], reason=f"whether the {self.label} is {self.narrowed}"
            )
        if self.histology and fact.evidence.start >= 0 and histology_fits(self.histology, _histology(fact)) is not True:
            return Result(
                UNKNOWN,
                [fact],
                asks=[f"cond:{self.key}"],
                reason=f"whether the {self.label} is {histology_words(self.histology)}",
            )
        return Result(
            MET,
            [fact],
            reason=f"{self.narrowed + ' ' if is_group(self.narrowed) else ''}{self.label}"
            f"{window_words(self.within_months)}",
        )

    @property
    def ask_window(self) -> float | None:
        return 0.0 if self.current_only else self.within_months

    def speaks_to(self, profile: Profile) -> bool:
        """Its fact, or a condition coded under its concept ("denies type 2 diabetes" for diabetes)."""
        return super().speaks_to(profile) or bool(concept_mentions(profile, self.key))

    def describe(self) -> str:
        extra = f" (except {', '.join(self.exceptions)})" if self.exceptions else ""
        if self.narrowed and not is_group(self.narrowed):  # "liver disease (not caused by HCV)"
            extra += f" ({self.narrowed})"
        narrowed = f"{self.narrowed} " if is_group(self.narrowed) else ""
        extra += f" ({histology_words(self.histology)})" if self.histology else ""
        if self.besides:
            own = "; ".join(icd.description(code) or code for code in self.besides)
            extra += f" (besides the trial's own: {own})"
        when = " now" if self.current_only and self.within_months is None else window_words(self.within_months)
        return f"{narrowed}{self.label}{when}{extra}"

    def logic(self) -> Logic:
        return atom_logic(
            _made_atom(
                kind=AtomKind.CONDITION,
                concept=self.label or self.key,
                vocab_id=f"cond:{self.key}",
                comparator=">=" if self.min_class is not None else None,
                value=None if self.min_class is None else float(self.min_class),
                unit="class" if self.min_class else None,
                **_window(self.within_months, self.current_only),
                context=Context.ACTIVE if self.current_only else Context.ANY,
                exceptions=tuple(self.exceptions),
            )
        )


def _histology(fact: Fact) -> tuple[str, ...]:
    """The histology the person's words give a cancer ("small cell lung cancer"), none when they give none."""
    groups = fact.detail.get("histology") or ()
    return tuple(str(g) for g in groups)


def _named_elsewhere(denial: Fact, cases: list[Fact], *, within: bool) -> list[Fact]:
    """The coded kinds of a denied concept that the text names: "No cancer. Multiple myeloma ...". With
    `within` (the criterion has exceptions, which its rule reads from the denial's own words: "no
    cancer other than basal cell carcinoma"), only those named outside the denial's words."""
    inside = within and denial.evidence.start >= 0
    return [
        f
        for f in cases
        if f.value
        and not (inside and denial.evidence.start <= f.evidence.start and f.evidence.end <= denial.evidence.end)
    ]


def _classes(drug: str) -> tuple[str, ...]:
    term = vocabulary().drug(drug)
    return term.classes if term else ()


@lru_cache(maxsize=256)
def _near_classes(classes: tuple[str, ...], excepted: tuple[str, ...]) -> frozenset[str]:
    """The classes some trials count inside these (vocabulary.toml `may_include`), less those excepted."""
    return frozenset(n for c in classes for n in vocabulary().may_include(c)) - set(excepted)


def _drug_matches(drug: str, drugs: list[str], classes: list[str]) -> bool:
    if drug in drugs or drug in classes:  # "allergic to penicillin(s)": the class itself
        return True
    term = vocabulary().drug(drug)
    return bool(term and set(term.classes) & set(classes))


def _said(fact: Fact) -> str:
    """The words a coded fact was read from, with the definition that made them the condition when a
    measured value did ("T 38.9: a body temperature of 38.0 °C or more is a fever")."""
    words = str(fact.detail.get("words", "it"))
    why = fact.detail.get("why")
    return f"{words} ({why})" if why else words


def _taken(fact: Fact) -> str:
    """The medicine (or class) a treatment fact is about ("prior:class:corticosteroid" -> "corticosteroid")."""
    return fact.key.split(":")[-1]


@dataclass
class Treatment(Windowed):
    """The patient received one of these drugs (or a drug of these classes), within a window."""

    kind: ClassVar[str] = "treatment"
    drugs: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    within_months: float | None = None
    # "iv": only intravenous use counts; "injection": IV or other injections; "systemic": any use but a local
    # one (a cream, an inhaler, drops)
    route: str | None = None
    min_dose_mg_day: float | None = None  # e.g. high-dose prednisone > 100 mg/day
    min_dose_inclusive: bool = False  # ">= 10 mg/day": exactly 10 counts
    min_dose_per_kg: bool = False  # the threshold is mg per kg per day: the weight is needed
    label: str = ""
    except_drugs: list[str] = field(default_factory=list)  # "other immunosuppressants" than these
    except_classes: list[str] = field(default_factory=list)  # "immunosuppressants other than corticosteroids"
    min_months: float | None = None  # "treatment with HCQ for at least 6 months": taken that long
    half_lives: float | None = None  # "within 3 months or 5 half-lives": the window may be longer
    min_months_exclusive: bool = False

    def decide(self, profile: Profile) -> Result:
        seen_unknown_time: list[Fact] = []
        denied: list[Fact] = []
        untimed: list[Fact] = []  # taken, for how long not said (a rule with a minimum time taken)
        short: list[Fact] = []  # taken, but not for long enough
        borderline: list[Fact] = []  # a drug of a class some trials count in the rule's (steroids, biologics)
        local: list[Fact] = []  # used on the skin, inhaled or as drops, where the rule names no route
        set_aside: list[Fact] = []  # ... where it asks for systemic use or a dose a day
        for key in profile.keys_with_prefix("prior:") + profile.keys_with_prefix("med:"):
            if key.startswith("prior:class:"):
                used = self._class_used(profile, key)
                if used is not None and used[1] == MET:
                    taken = used[0].key.split(":")[-1]
                    return Result(MET, [used[0]], reason=f"received {taken}{window_words(self.within_months)}")
                if used is not None:
                    seen_unknown_time.append(used[0])
                elif self._may_count((key.removeprefix("prior:class:"),)):
                    borderline += self._used_in_window(profile, key)  # "on steroids" for "immunosuppressants"
                continue
            drug = key.split(":", 1)[1]
            if drug in self.except_drugs or not set(_classes(drug)).isdisjoint(self.except_classes):
                continue
            if not _drug_matches(drug, self.drugs, self.classes):
                if self._may_count(_classes(drug)):
                    borderline += self._used_in_window(profile, key)
                continue
            look = profile.lookup(key)
            if look.conflict:
                seen_unknown_time.append(look.conflict[0])  # said both ways: ask, never assume absent
                continue
            fact = look.fact
            if fact is None:
                continue
            if fact.value is False:
                if key.startswith("prior:") and self._denies(profile, key):
                    denied.append(fact)
                continue
            route = fact.detail.get("route")
            if route == "local":
                if not self.route and self.min_dose_mg_day is None:
                    local.append(fact)  # "hydrocortisone cream" for "corticosteroid use": the team checks
                else:
                    set_aside.append(fact)
                continue  # a cream, an inhaler or drops are no systemic, IV or injected use, nor a dose a day
            if self.route == "injection" and route not in ("iv", "im", "injection", None):
                continue
            if self.route == "iv" and route not in ("iv", None):
                continue
            if self.route in ("iv", "injection") and route is None:
                if any(self._class_denied(profile, c) for c in set(_classes(drug)) & set(self.classes)):
                    continue  # "no IV steroid pulses": this oral use does not count
                seen_unknown_time.append(fact)  # how it was given decides: ask
                continue
            denied_class = next((c for c in _classes(drug) if self._class_denies(profile, c, fact)), None)
            if denied_class is not None and not self.route and self.min_dose_mg_day is None:
                # "never had immunosuppressants" beside "cyclophosphamide last week": said both ways
                seen_unknown_time.append(fact)
                continue
            if self.min_dose_mg_day is not None:
                dose = fact.detail.get("mg_day", fact.value if key.startswith("med:") else None)
                if not isinstance(dose, int | float) or isinstance(dose, bool):
                    seen_unknown_time.append(fact)
                    continue
                if self.min_dose_per_kg:
                    weight = per_kg_weight(profile)
                    highest = most_per_kg(profile, float(dose)) if weight is None else None
                    if weight is None and highest is not None and highest <= self.min_dose_mg_day:
                        continue  # below the threshold whatever an adult weighs
                    if weight is None:
                        seen_unknown_time.append(fact)  # a per-kg threshold needs the weight
                        continue
                    dose = dose / float(weight.value)
                below = dose < self.min_dose_mg_day if self.min_dose_inclusive else dose <= self.min_dose_mg_day
                if below:
                    continue
            inside = _within(fact, self.within_months)
            if inside and self.min_months is not None:
                months = self._months_taken(profile, fact)
                if months is None:
                    untimed.append(fact)
                    continue
                if months <= self.min_months + 0.01 if self.min_months_exclusive else months < self.min_months - 0.01:
                    short.append(fact)
                    continue
            if inside:
                return Result(MET, [fact], reason=f"received {drug}{window_words(self.within_months)}")
            if inside is None or (inside is False and self.half_lives is not None):
                seen_unknown_time.append(fact)  # when, or (half-lives) how long the window is, is not known
            elif key.startswith("prior:") and self.min_dose_mg_day is None:
                denied.append(fact)  # given, but longer ago than the window: not within it
        if untimed and not seen_unknown_time:
            need = duration_words(self.min_months or 0)
            return Result(
                UNKNOWN,
                untimed,
                asks=[duration_key(self.drugs, self.classes)],
                reason=f"how long {untimed[0].key.split(':', 1)[1]} has been taken is not given ({need} needed)",
            )
        if short and not seen_unknown_time:
            need = duration_words(self.min_months or 0)
            return Result(NOT_MET, short, reason=f"{short[0].key.split(':', 1)[1]} taken for less than {need}")
        if seen_unknown_time:
            return Result(
                UNKNOWN,
                seen_unknown_time,
                asks=[self.asks_key()]
                + (["weight_kg"] if self.min_dose_per_kg and per_kg_weight(profile) is None else []),
                reason=f"whether and when {_taken(seen_unknown_time[0])} was last given is not clear",
            )
        if local:
            why = "is used locally (on the skin, inhaled or as drops): whether that counts here, the study team checks"
            return self._asked(local, f"{_taken(local[0])} {why}")
        if borderline:
            why = f"counts as {' or '.join(self.classes)} here: the study team checks"
            return self._asked(borderline, f"whether {_taken(borderline[0])} {why}")
        class_denials = [
            f for c in self.classes if (f := profile.get(f"prior:class:{c}")) is not None and f.value is False
        ]
        denied_names = {f.key.split(":", 1)[1] for f in denied}
        classes_denied_early = {c for c in self.classes if self._class_denied(profile, c)}
        denied_all = all(d in denied_names or not classes_denied_early.isdisjoint(_classes(d)) for d in self.drugs)
        classes_denied = {c for c in self.classes if self._class_denied(profile, c)}
        if (denied_all or not self.drugs) and set(self.classes) <= classes_denied:
            facts = denied + [f for f in class_denials if f is not None]
            return Result(NOT_MET, facts, reason=f"no {self.label or self.describe()}")
        if self.drugs and denied_all and not self.classes:
            return Result(NOT_MET, denied, reason=f"no {self.label or self.describe()}")
        if denied or any(class_denials):
            # "rituximab 8 months ago" for "rituximab or other biologics within 6 months": the named
            # drug is settled, the rest of the class is not
            said = [*denied, *(f for f in class_denials if f is not None)]
            return Result(
                UNKNOWN,
                asks=[self.asks_key()],
                reason=f"{self.describe()}: only part of it is answered "
                f"(patient: \u201c{said[0].evidence.text[:80]}\u201d)",
            )
        if set_aside:
            why = f"{_taken(set_aside[0])} is used locally, which does not count here"
            return self._asked(set_aside, f"{self.describe()} not mentioned ({why})")
        return self._asked([], f"{self.describe()} not mentioned")

    def _asked(self, facts: list[Fact], reason: str) -> Result:
        """Not settled by what the text says: the question that settles this rule is asked."""
        return Result(UNKNOWN, facts, asks=[self.asks_key()], reason=reason)

    def _may_count(self, classes: tuple[str, ...]) -> bool:
        """Whether a drug (or class) outside the rule's classes is of one some trials count inside them
        ("prednisone" for "immunosuppressive medications"), when the rule names no dose or route that would
        settle it (a systemic use is still one of either)."""
        if self.route in ("iv", "injection") or self.min_dose_mg_day is not None or not classes:
            return False
        near = _near_classes(tuple(self.classes), tuple(self.except_classes))
        return bool(near) and not near.isdisjoint(classes)

    def _used_in_window(self, profile: Profile, key: str) -> list[Fact]:
        """The use a key states (not a denial), unless it is known to fall outside the rule's window."""
        fact = profile.get(key)
        if fact is None or fact.value is False or (fact.value is None and key.startswith("prior:class:")):
            return []
        return [fact] if _within(fact, self.within_months) is not False else []

    def _class_used(self, profile: Profile, key: str) -> tuple[Fact, Status] | None:
        """What a class named as taken ("on immunosuppressive medications") says of this rule: MET when it is
        one of the rule's classes, taken within the window, and the rule asks nothing the class words
        cannot say (no exception, dose, route or time taken); UNKNOWN when it speaks of the rule without
        settling it (a drug of the class: "on biologics" for "rituximab"; taken longer ago: another use
        may be recent); None when it says nothing of it or is a denial."""
        klass = key.removeprefix("prior:class:")
        if klass not in self.classes and not any(klass in _classes(d) for d in self.drugs):
            return None
        look = profile.lookup(key)
        if look.conflict:
            return look.conflict[0], UNKNOWN  # said both ways: ask, never assume either
        fact = look.fact
        if fact is None or fact.value is not True:
            return None
        plain = not (self.except_drugs or self.min_dose_mg_day is not None or self.min_months is not None)
        route = fact.detail.get("route")
        if route == "local" and self.route:
            return None  # "topical steroids" for "systemic corticosteroids": not what it asks
        route_fits = route != "local" and (not self.route or route == self.route or self.route == "systemic")
        if klass in self.classes and plain and route_fits and _within(fact, self.within_months):
            return fact, MET
        return fact, UNKNOWN

    def _months_taken(self, profile: Profile, fact: Fact) -> float | None:
        """How long this medicine has been taken: the note's 'for 2 years', or the answer to 'how long'."""
        taking = profile.get(f"med:{fact.key.split(':', 1)[1]}")  # a current use says how long
        for said in (fact, taking):
            months = _time_taken(said) if said else None
            if months is not None:
                return months
        answered = _answered_months(profile, self.drugs, self.classes)
        if answered is not None:
            return float(answered.value)
        # doses unchanged for N months: taken at least that long (a lower bound: it settles only "enough")
        steady, _ = stable_for(profile)
        if steady is not None and fact.key.startswith("med:") and self.min_months is not None:
            return steady if steady > self.min_months + 0.01 else None
        return None

    def _class_denies(self, profile: Profile, klass: str, fact: Fact) -> bool:
        """Whether the patient denied a whole class over a stretch that includes this use of its drug."""
        denial = profile.get(f"prior:class:{klass}")
        if denial is None or denial.value is not False or denial.detail:
            return False
        if denial.covers_months is None or fact.current:
            return True
        return fact.when_months is not None and fact.when_months <= denial.covers_months

    @property
    def _denial_window(self) -> float | None:
        """The stretch a "none" must cover to settle this rule: its window, or all time when half-lives
        may make the window longer than stated."""
        return None if self.half_lives is not None else self.within_months

    def _class_denied(self, profile: Profile, klass: str) -> bool:
        """'never had biologics'; 'no IV steroid pulses' denies only IV use, 'no high-dose steroids' only high doses."""
        return self._denies(profile, f"prior:class:{klass}")

    def _denies(self, profile: Profile, key: str) -> bool:
        """Whether what the patient denied of this drug or class covers this rule: any one of the denials
        side by side ('no IV steroids in 2 months', 'none above 100 mg a day in 3 months')."""
        fact = profile.get(key)
        if fact is None or fact.value is not False:
            return False
        said = [f for f in profile.facts.get(key, []) if f.value is False]
        return any(denial_settles(f, self._denial_window) and self._denial_fits(f) for f in said)

    def _denial_fits(self, fact: Fact) -> bool:
        """Whether a 'no' covers the uses this rule counts: a 'no' about IV use covers only IV use (an
        injection into a muscle is not IV), one about injections covers IV and other injections, and one
        about high doses covers only rules about doses at least as high."""
        route = fact.detail.get("route")
        if route == "iv" and self.route != "iv":
            return False
        if route == "injection" and self.route not in ("iv", "injection"):
            return False
        if route == "systemic" and self.route not in ("iv", "injection", "systemic"):
            return False
        if route == "local":
            return False  # no cream or inhaler says nothing of tablets
        if fact.detail.get("high_dose") and self.min_dose_mg_day is None:
            return False
        if not set(fact.detail.get("except_drugs") or ()) <= set(self.except_drugs):
            return False  # 'none other than MMF' says nothing of MMF, which this rule counts
        above = fact.detail.get("above_mg_day")
        if above is None:
            return True
        if self.min_dose_mg_day is None or bool(fact.detail.get("per_kg")) != self.min_dose_per_kg:
            return False
        if self.min_dose_mg_day == above:  # 'none above 10' leaves 'at least 10' open
            return not self.min_dose_inclusive or bool(fact.detail.get("dose_inclusive"))
        return self.min_dose_mg_day > above

    @property
    def ask_window(self) -> float | None:
        return self.within_months

    def asks_key(self) -> str:
        """The fact key of the question that settles this rule."""
        key = TreatmentKey(
            "prior", tuple(self.drugs), tuple(self.classes), route=self.route, other_than=tuple(self.except_drugs)
        )
        if self.min_dose_mg_day is not None:
            key = replace(
                key, above_mg_day=self.min_dose_mg_day, inclusive=self.min_dose_inclusive, per_kg=self.min_dose_per_kg
            )
        return str(key)

    def describe(self) -> str:
        what = self.drugs + [f"other {c}" if self.drugs else c for c in self.classes]
        route = {"iv": "IV ", "systemic": "systemic "}.get(self.route or "", "")
        words = "at least" if self.min_dose_inclusive else "above"
        unit = "mg/kg/day" if self.min_dose_per_kg else "mg/day"
        dose = f" {words} {_fmt(self.min_dose_mg_day)} {unit}" if self.min_dose_mg_day is not None else ""
        longer = "more than" if self.min_months_exclusive else "at least"
        taken = f", taken for {longer} {duration_words(self.min_months)}" if self.min_months is not None else ""
        lives = f" or {_fmt(self.half_lives)} half-lives, whichever is longer" if self.half_lives is not None else ""
        spared_names = self.except_drugs + self.except_classes
        spared = f" (not {' or '.join(spared_names)})" if spared_names else ""
        return f"{route}{' or '.join(what)}{spared}{dose}{window_words(self.within_months)}{lives}{taken}"

    def logic(self) -> Logic:
        names = [*self.drugs, *(f"class:{c}" for c in self.classes)]
        use = self._use_logic(names)
        if self.min_months is None:
            return use
        op = ">" if self.min_months_exclusive else ">="
        concept = f"time taking {' or '.join(self.drugs + self.classes) or 'the treatment'}"
        return _joined("all", [use, _atom(AtomKind.TREATMENT, concept, op, self.min_months, "months")])

    def _use_logic(self, names: list[str]) -> Logic:
        return atom_logic(
            _made_atom(
                kind=AtomKind.TREATMENT,
                concept=self.label or ", ".join(names) or "treatment",
                vocab_id=";".join(names) or None,
                comparator=None if self.min_dose_mg_day is None else (">=" if self.min_dose_inclusive else ">"),
                value=self.min_dose_mg_day,
                unit=None if self.min_dose_mg_day is None else ("mg/kg/day" if self.min_dose_per_kg else "mg/day"),
                **_window(self.within_months, False),
                exceptions=tuple(self.except_drugs),
            )
        )


@dataclass
class DoseCap(Rule):
    """Current dose of a drug (or class, as prednisone equivalent) within limits; not taking it is fine."""

    kind: ClassVar[str] = "dose_cap"
    drug: str = ""  # a drug name, or "class:corticosteroid"
    max_mg_day: float | None = None
    min_mg_day: float | None = None
    label: str = ""
    per_kg: bool = False  # the limits are mg per kg of body weight per day: the weight is needed
    below: bool = False  # "< 10 mg/day": the cap itself is over it

    def _doses(self, profile: Profile) -> tuple[list[tuple[Fact, float | None]], bool]:
        """(taking facts with their dose in the cap's units, whether the patient denied taking it)."""
        taking: list[tuple[Fact, float | None]] = []
        denied = False
        steroid = self.drug == "class:corticosteroid" or self.drug == "prednisone"
        for key in profile.keys_with_prefix("med:"):
            drug = key[4:]
            look = profile.lookup(key)
            fact = look.fact or (look.conflict[0] if look.conflict else None)
            if fact is None:
                continue
            term = vocabulary().drug(drug)
            counts = drug == self.drug or (steroid and term is not None and "corticosteroid" in term.classes)
            if not counts or (fact.detail.get("route") == "local" and drug != self.drug):
                continue  # a cream, an inhaler or drops are no prednisone-equivalent dose to count against the cap
            if look.conflict:
                taking.append((fact, None))  # said both ways: the dose is not known
                continue
            if fact.value is False:
                denied = True
                continue
            dose = fact.value if isinstance(fact.value, int | float) and not isinstance(fact.value, bool) else None
            if dose is not None and steroid and drug != "prednisone":
                dose = vocabulary().prednisone_equivalent(drug, float(dose))
            taking.append((fact, dose))
        said = profile.get("prior:class:corticosteroid") if steroid else None
        if said is not None and said.detail.get("route") == "local":
            said = None  # "topical steroids"
        if not taking and said is not None and said.value is True and said.current:
            taking.append((said, None))  # "on steroids": taken now, which one and how much not said
        if not taking and said is not None and said.value is False:
            denied = True
        return taking, denied

    def evaluate(self, profile: Profile) -> Result:
        taking, denied = self._doses(profile)
        if not taking:
            if denied:
                return Result(MET, [], reason=f"not taking {self.label}")
            return Result(UNKNOWN, asks=[f"med:{self.drug}"], reason=f"{self.label} use not mentioned")
        total = 0.0
        for fact, dose in taking:
            if dose is None:
                return Result(UNKNOWN, [fact], asks=[f"med:{self.drug}"], reason=f"{self.label} dose not given")
            total += dose
        facts = [f for f, _ in taking]
        unit = "mg/day"
        if self.per_kg:
            weight = per_kg_weight(profile)
            if weight is None:
                return Result(
                    UNKNOWN, facts, asks=["weight_kg"], reason=f"the cap is per kg: {self.label} needs the weight"
                )
            facts.append(weight)
            total, unit = round(total / float(weight.value), 4), "mg/kg/day"
        over = total >= self.max_mg_day if self.below and self.max_mg_day is not None else None
        if self.max_mg_day is not None and (over if over is not None else total > self.max_mg_day):
            words = "is not below" if self.below else "is above"
            return Result(NOT_MET, facts, reason=f"{self.label} {_fmt(total)} {unit} {words} {_fmt(self.max_mg_day)}")
        if self.min_mg_day is not None and total < self.min_mg_day:
            return Result(NOT_MET, facts, reason=f"{self.label} {_fmt(total)} {unit} is below {_fmt(self.min_mg_day)}")
        return Result(MET, facts, reason=f"{self.label} {_fmt(total)} {unit} is within the limit")

    def describe(self) -> str:
        unit = "mg/kg/day" if self.per_kg else "mg/day"
        least = f" at least {_fmt(self.min_mg_day)} {unit} and" if self.min_mg_day is not None else ""
        return f"{self.label}{least} {'below' if self.below else 'at most'} {_fmt(self.max_mg_day or 0)} {unit}"

    def logic(self) -> Logic:
        unit = "mg/kg/day" if self.per_kg else "mg/day"
        parts = []
        if self.max_mg_day is not None:
            op = "<" if self.below else "<="
            parts.append(_atom(AtomKind.TREATMENT, self.label or self.drug, op, self.max_mg_day, unit, self.drug))
        if self.min_mg_day is not None:
            parts.append(_atom(AtomKind.TREATMENT, self.label or self.drug, ">=", self.min_mg_day, unit, self.drug))
        return (
            _joined("all", parts)
            if parts
            else atom_logic(_made_atom(kind=AtomKind.TREATMENT, concept=self.label or self.drug))
        )


def per_kg_weight(profile: Profile) -> Fact | None:
    """The body weight a per-kg dose is counted against, when the patient gave a usable one."""
    weight = profile.get("weight_kg")
    if weight is None or not isinstance(weight.value, int | float) or weight.value <= 0:
        return None
    return weight


# The lightest plausible adult (the low end of a weight answer's limits, eligibility/kinds/weight.py):
# with no weight given, an adult's dose per kg is at most the daily dose divided by this.
LIGHTEST_ADULT_KG = 20.0
ADULT_YEARS = 18


def most_per_kg(profile: Profile, mg_day: float) -> float | None:
    """The highest a dose per kg can be for this patient when the weight is not given (adults only)."""
    age = profile.get("age")
    if age is None or not isinstance(age.value, int | float) or age.value < ADULT_YEARS:
        return None
    return mg_day / LIGHTEST_ADULT_KG


@dataclass
class StableMeds(Rule):
    kind: ClassVar[str] = "stable_meds"
    min_weeks: float = 4.0

    def evaluate(self, profile: Profile) -> Result:
        fact = profile.get("meds_stable_months")
        if fact is None:
            return Result(UNKNOWN, asks=["meds_stable_months"], reason="how long the doses have been stable")
        weeks = float(fact.value) * WEEKS_PER_MONTH
        ok = weeks >= self.min_weeks - 0.01
        return Result(
            MET if ok else NOT_MET,
            [fact],
            reason=f"doses stable for about {_fmt(round(weeks))} weeks; {_fmt(self.min_weeks)} needed",
        )

    def describe(self) -> str:
        return f"medicines stable for at least {_fmt(self.min_weeks)} weeks"

    def logic(self) -> Logic:
        return atom_logic(
            _made_atom(
                kind=AtomKind.TREATMENT,
                concept="stable doses of current medicines",
                comparator=">=",
                value=self.min_weeks,
                unit="weeks",
            )
        )


@dataclass
class DrugCount(Rule):
    """How many medicines of these classes the patient takes now (or has ever had): 'at least 1
    immunosuppressive agent', 'a maximum of 1 non-corticosteroid immunosuppressive drug'. The medicines a
    note or the answers list are taken as the list, as the dose caps take them."""

    kind: ClassVar[str] = "drug_count"
    classes: list[str] = field(default_factory=list)
    op: str = ">="
    count: int = 1
    current: bool = True  # taken now; False: ever had
    label: str = ""

    def evaluate(self, profile: Profile) -> Result:
        prefix = "med:" if self.current else "prior:"
        named: dict[str, Fact] = {}
        for key in profile.keys_with_prefix("med:") + profile.keys_with_prefix("prior:"):
            fact = profile.get(key)
            drug = key.split(":", 1)[1]
            if fact is None or key.startswith("prior:class:") or not _drug_matches(drug, [], self.classes):
                continue
            if fact.value is not False and (key.startswith(prefix) or key.startswith("med:")):
                named.setdefault(drug, fact)
        facts = list(named.values())
        n = len(facts)
        holds = OPS[self.op](n, self.count)
        denied = [f for c in self.classes if (f := profile.get(f"prior:class:{c}")) is not None and f.value is False]
        # the class named as taken ("on immunosuppressive therapy"): at least one of its medicines, how
        # many not said
        taken = self._classes_taken(profile)
        unnamed = [] if facts else taken
        listed = bool(profile.keys_with_prefix("med:"))  # the patient's medicines are known
        if self.op in (">", ">="):
            if unnamed and OPS[self.op](1, self.count):
                return Result(MET, unnamed, reason=f"{self.label} taken (how many not said, at least 1)")
            if holds:
                return Result(MET, facts, reason=f"{n} {self.label}")
            if denied and not facts:
                return Result(NOT_MET, denied, reason=f"no {self.label}")
            return Result(UNKNOWN, facts, asks=self._asks(), reason=f"{n} {self.label} mentioned")
        if not holds:
            return Result(NOT_MET, facts, reason=f"{n} {self.label}")
        if taken:  # the class named as taken besides the medicines listed: there may be more of them
            return Result(UNKNOWN, facts + taken, asks=self._asks(), reason=f"how many {self.label} is not said")
        if listed or denied:
            return Result(MET, facts + denied, reason=f"{n} {self.label}")
        return Result(UNKNOWN, asks=self._asks(), reason=f"{self.label}: the medicines are not given")

    def _classes_taken(self, profile: Profile) -> list[Fact]:
        """The rule's classes named as taken (now, for a rule about current medicines)."""
        out = []
        for c in self.classes:
            f = profile.get(f"prior:class:{c}")
            if f is not None and f.value is True and (f.current or not self.current):
                out.append(f)
        return out

    def _asks(self) -> list[str]:
        return [str(TreatmentKey("med" if self.current else "prior", (), tuple(self.classes)))]

    def describe(self) -> str:
        return f"{OP_WORDS.get(self.op, self.op)} {self.count} {self.label}" + ("" if self.current else " ever")

    def logic(self) -> Logic:
        concept = f"number of {self.label or ' or '.join(self.classes)}"
        return _atom(AtomKind.TREATMENT, concept, self.op, float(self.count), "medicines")


@dataclass
class DoseChanged(StableMeds):
    """A dose changed in the last `min_weeks` weeks ('change in oral steroid dose within 28 days'): the
    event itself, so that 'No change in dose ...' in an inclusion is its plain negation."""

    kind: ClassVar[str] = "dose_changed"

    def evaluate(self, profile: Profile) -> Result:
        stable = super().evaluate(profile)
        flipped = {MET: NOT_MET, NOT_MET: MET}.get(stable.status, stable.status)
        return Result(flipped, stable.facts, stable.asks, stable.reason, stable.windows)

    def describe(self) -> str:
        return f"a dose changed in the last {_fmt(self.min_weeks)} weeks"

    def logic(self) -> Logic:
        return atom_logic(
            _made_atom(
                kind=AtomKind.TREATMENT, concept="a change of dose", **_window(self.min_weeks / WEEKS_PER_MONTH, False)
            )
        )


@dataclass
class Diagnosis(Rule):
    kind: ClassVar[str] = "diagnosis"
    disease: str = "sle"
    max_duration_months: float | None = None
    min_duration_months: float | None = None

    def evaluate(self, profile: Profile) -> Result:
        fact = profile.get(f"dx:{self.disease}")
        if fact is None:
            return Result(UNKNOWN, asks=[f"dx:{self.disease}"], reason="diagnosis not stated")
        if not fact.value:
            return Result(NOT_MET, [fact], reason="not diagnosed with SLE")
        if self.max_duration_months is not None or self.min_duration_months is not None:
            if fact.when_months is None:
                return Result(UNKNOWN, [fact], asks=["dx:sle_when"], reason="when SLE was diagnosed is not given")
            months = fact.when_months
            if self.max_duration_months is not None and months > self.max_duration_months + 0.01:
                return Result(NOT_MET, [fact], reason=f"SLE diagnosed about {_fmt(round(months, 1))} months ago")
            if self.min_duration_months is not None and months < self.min_duration_months:
                return Result(NOT_MET, [fact], reason=f"SLE diagnosed only {_fmt(round(months, 1))} months ago")
        classified = fact.detail.get("classified")
        if classified:  # eligibility/classification.py: the note gives the findings, not the diagnosis
            findings = ", ".join(fact.detail.get("findings", []))
            return Result(
                MET,
                [fact],
                reason=f"findings that meet the {classified} criteria for SLE ({findings}); "
                "the study team confirms the diagnosis",
            )
        return Result(MET, [fact], reason="diagnosed with SLE")

    def describe(self) -> str:
        if self.max_duration_months is not None:
            return f"SLE diagnosed within {_fmt(self.max_duration_months)} months"
        if self.min_duration_months is not None:
            return f"SLE diagnosed at least {duration_words(self.min_duration_months)} ago"
        return "diagnosis of SLE"

    def logic(self) -> Logic:
        parts = [
            atom_logic(
                _made_atom(
                    kind=AtomKind.CONDITION, concept=f"diagnosis of {self.disease}", vocab_id=f"dx:{self.disease}"
                )
            )
        ]
        if self.max_duration_months is not None:
            parts.append(
                _atom(AtomKind.CONDITION, f"{self.disease} duration", "<=", self.max_duration_months, "months")
            )
        if self.min_duration_months is not None:
            parts.append(
                _atom(AtomKind.CONDITION, f"{self.disease} duration", ">=", self.min_duration_months, "months")
            )
        return _joined("all", parts)


def months_treated(profile: Profile, drugs: list[str], classes: list[str]) -> tuple[float | None, list[Fact]]:
    """How long the patient has been taking these drugs (the longest of the current ones), with the facts
    that say so: a note's "for 2 years" or "started 8 months ago" on the medicine, or an answer to the
    "how long" question (`months_on:...`)."""
    answered = _answered_months(profile, drugs, classes)
    if answered is not None:
        return float(answered.value), [answered]
    best: float | None = None
    facts: list[Fact] = []
    for key in profile.keys_with_prefix("med:"):
        fact = profile.get(key)
        if fact is None or fact.value is False or not _drug_matches(key[4:], drugs, classes):
            continue
        months = _time_taken(fact)
        if months is not None and (best is None or months > best):
            best, facts = months, [fact]
    return best, facts


def _time_taken(fact: Fact) -> float | None:
    """How long a medicine fact says it has been taken ('for 2 years', 'started 8 months ago')."""
    months = fact.detail.get("since_months", fact.detail.get("started_months"))
    return float(months) if isinstance(months, int | float) else None


def _answered_months(profile: Profile, drugs: list[str], classes: list[str]) -> Fact | None:
    """The answer to 'for how long have you been taking these?', when it is a number of months."""
    answered = profile.get(duration_key(drugs, classes))
    if answered is None or not isinstance(answered.value, int | float) or isinstance(answered.value, bool):
        return None
    return answered


def stable_for(profile: Profile) -> tuple[float | None, Fact | None]:
    """How long the doses have stayed the same: a lower bound on how long the medicines have been taken."""
    stable = profile.get("meds_stable_months")
    if stable is None or not isinstance(stable.value, int | float) or isinstance(stable.value, bool):
        return None, None
    return float(stable.value), stable


def duration_key(drugs: list[str], classes: list[str]) -> str:
    """The fact key of the question 'how long have you been taking these?'."""
    return str(TreatmentKey("months_on", tuple(drugs), tuple(classes)))


@dataclass
class Flag(Windowed):
    """A yes/no fact: refractory disease, in another trial recently, pregnant, breastfeeding ..."""

    kind: ClassVar[str] = "flag"
    key: str = ""
    label: str = ""
    within_months: float | None = None
    pregnancy_related: bool = False  # not applicable to people who cannot be pregnant
    # a trial of pregnant women ("Term pregnancy"): people who cannot be pregnant do not meet it
    required_pregnancy: bool = False
    # "standard treatment for at least 3 months": how long the treatment has been taken counts too;
    # which treatment: these drugs and classes (taken now)
    min_months: float | None = None
    min_months_exclusive: bool = False  # "for more than 6 months": exactly 6 is not enough
    half_lives: float | None = None  # "within 30 days or 5 half-lives": the window may be longer
    duration_drugs: list[str] = field(default_factory=list)
    duration_classes: list[str] = field(default_factory=list)

    def decide(self, profile: Profile) -> Result:
        if self.pregnancy_related or self.required_pregnancy:
            can = profile.can_be_pregnant()
            if can is False:
                who = "men" if profile.sex == "male" else "people who cannot become pregnant"
                facts = [f for f in (profile.get("sex"), profile.get("childbearing")) if f is not None]
                if self.required_pregnancy:
                    return Result(NOT_MET, facts, reason=f"not {self.label}: {who} cannot be")
                return Result(NA, facts, reason=f"does not apply to {who}")
        look = profile.lookup(self.key)
        if look.conflict:
            return Result(UNKNOWN, asks=[self.key], reason=f"contradictory answers about {self.label}")
        fact = look.fact
        if fact is None:
            return Result(UNKNOWN, asks=[self.key], reason=f"{self.label} not mentioned")
        if not fact.value:
            window = None if self.half_lives is not None else self.within_months
            if not denial_settles(fact, window, current_only=window is None and self.half_lives is None):
                return Result(
                    UNKNOWN,
                    [fact],
                    asks=[self.key],
                    reason=f"the answer covers {period_words(fact.covers_months)}; "
                    f"the trial asks about {period_words(self.within_months)}",
                )
            return Result(NOT_MET, [fact], reason=f"not {self.label}")
        inside = _within(fact, self.within_months)
        if inside is None:
            return Result(UNKNOWN, [fact], asks=[self.key], reason=f"when is not given ({self.label})")
        if not inside and self.half_lives is not None:
            why = f"{self.label} longer ago than the stated window; {_fmt(self.half_lives)} half-lives may be longer"
            return Result(UNKNOWN, [fact], asks=[self.key], reason=why)
        if not inside:
            return Result(NOT_MET, [fact], reason=f"{self.label}, but longer ago than the window")
        if self.min_months is not None:
            return self._long_enough(profile, fact)
        return Result(MET, [fact], reason=f"{self.label}{window_words(self.within_months)}")

    def speaks_to(self, profile: Profile) -> bool:
        """Its fact, or (a flag about how long a treatment was taken) one of the treatments it names."""
        if super().speaks_to(profile):
            return True
        names = {*self.duration_drugs, *self.duration_classes}
        for key in profile.facts:
            pieces = key.split(":")
            known = pieces[0] in ("med", "prior") and len(pieces) == 2
            if known and (pieces[1] in names or set(_classes(pieces[1])) & names):
                return True
        return False

    def _long_enough(self, profile: Profile, fact: Fact) -> Result:
        """A flag that also needs the treatment taken for at least `min_months`."""
        assert self.min_months is not None
        months, facts = months_treated(profile, self.duration_drugs, self.duration_classes)
        steady, stable = stable_for(profile)
        # no time stated, but doses unchanged longer than needed: taken at least that long
        if months is None and stable is not None and steady is not None and steady > self.min_months + 0.01:
            months, facts = steady, [stable]
        need = duration_words(self.min_months)
        if months is None:
            return Result(
                UNKNOWN,
                [fact],
                asks=[duration_key(self.duration_drugs, self.duration_classes)],
                reason=f"{self.label}; how long the treatment has been taken is not given ({need} needed)",
            )
        short = months <= self.min_months + 0.01 if self.min_months_exclusive else months < self.min_months - 0.01
        if short:
            return Result(
                NOT_MET, [fact, *facts], reason=f"{self.label}, but treated for {duration_words(months)}, {need} needed"
            )
        return Result(MET, [fact, *facts], reason=f"{self.label}, treated for {duration_words(months)}")

    @property
    def ask_window(self) -> float | None:
        return 0.0 if self.within_months is None else self.within_months  # a flag with no window: now

    def describe(self) -> str:
        treated = f", treated for at least {duration_words(self.min_months)}" if self.min_months is not None else ""
        lives = f" or {_fmt(self.half_lives)} half-lives, whichever is longer" if self.half_lives is not None else ""
        return f"{self.label}{window_words(self.within_months)}{lives}{treated}"

    def logic(self) -> Logic:
        kind = (
            AtomKind.REPRODUCTION
            if self.pregnancy_related
            else _FLAG_KINDS.get(self.key.split(":")[0], AtomKind.CONDITION)
        )
        flag = atom_logic(
            _made_atom(
                kind=kind, concept=self.label or self.key, vocab_id=self.key, **_window(self.within_months, True)
            )
        )
        if self.min_months is None:
            return flag
        what = " or ".join([*self.duration_drugs, *self.duration_classes]) or "the treatment"
        op = ">" if self.min_months_exclusive else ">="
        took = _atom(AtomKind.TREATMENT, f"time taking {what}", op, self.min_months, "months")
        return _joined("all", [flag, took])


@dataclass
class Contraception(Rule):
    """A person who can become pregnant and will not use contraception (an exclusion)."""

    kind: ClassVar[str] = "no_contraception"
    after_months: float | None = None  # "during the study and for 12 months after it"
    men_too: bool = False  # "male patients ... must use contraception": it applies to men as well

    def evaluate(self, profile: Profile) -> Result:
        if (na := _not_applicable(profile, self.men_too)) is not None:
            return na
        fact = profile.get("contraception")
        if fact is None:
            return Result(UNKNOWN, asks=["contraception"], reason="contraception not discussed")
        return Result(
            NOT_MET if fact.value else MET,
            [fact],
            reason="will use contraception" if fact.value else "will not use contraception",
        )

    def describe(self) -> str:
        return "unwilling to use contraception" + _after_words(self.after_months)

    def logic(self) -> Logic:
        return _study_atom(self.describe(), self.after_months)


def _not_applicable(profile: Profile, men_too: bool) -> Result | None:
    """A reproductive rule does not apply to someone who cannot become pregnant, unless it names men too."""
    if profile.can_be_pregnant() is not False or (men_too and profile.sex == "male"):
        return None
    facts = [f for f in (profile.get("sex"), profile.get("childbearing")) if f is not None]
    return Result(NA, facts, reason="does not apply to people who cannot become pregnant")


def _study_atom(concept: str, after_months: float | None) -> Logic:
    """A reproductive atom about the study and, when the criterion says, a stretch after its end."""
    event = "the end of the study" if after_months else None
    return atom_logic(
        _made_atom(
            kind=AtomKind.REPRODUCTION, concept=concept, when=When.CURRENT, months=after_months or None, event=event
        )
    )


def _after_words(months: float | None) -> str:
    return f" during the study and for {duration_words(months)} after it" if months else ""


@dataclass
class PregnancyPlan(Rule):
    """Planning a pregnancy during the study or within `ahead_months` after it (an exclusion)."""

    kind: ClassVar[str] = "pregnancy_plan"
    ahead_months: float | None = None
    men_too: bool = False  # "or father a child", "or whose partner plans a pregnancy"

    def evaluate(self, profile: Profile) -> Result:
        if (na := _not_applicable(profile, self.men_too)) is not None:
            return na
        fact = profile.get("pregnancy_plan")
        if fact is None:
            return Result(UNKNOWN, asks=["pregnancy_plan"], reason="plans for a pregnancy not discussed")
        return Result(
            MET if fact.value else NOT_MET, [fact], reason=("plans" if fact.value else "no plans") + " for a pregnancy"
        )

    def describe(self) -> str:
        ahead = f" or within {duration_words(self.ahead_months)} after it" if self.ahead_months else ""
        return f"planning a pregnancy during the study{ahead}"

    def logic(self) -> Logic:
        return _study_atom(self.describe(), self.ahead_months)


@dataclass
class Allergy(Rule):
    kind: ClassVar[str] = "allergy"
    drugs: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)

    def speaks_to(self, profile: Profile) -> bool:
        """Only what the person says of allergies: taking a drug says nothing of an allergy to it."""
        return bool(profile.keys_with_prefix("allergy:"))

    def evaluate(self, profile: Profile) -> Result:
        for key in profile.keys_with_prefix("allergy:"):
            drug = key.split(":", 1)[1]
            fact = profile.get(key)
            if fact is None or drug == "none":
                continue
            if fact.value and _drug_matches(drug, self.drugs, self.classes):
                return Result(MET, [fact], reason=f"allergic to {drug}")
        none = profile.get("allergy:none")
        if none is not None and none.value:
            return Result(NOT_MET, [none], reason="no drug allergies")
        denied = [f for d in self.drugs if (f := profile.get(f"allergy:{d}")) is not None and f.value is False]
        if self.drugs and len(denied) == len(self.drugs) and not self.classes:
            return Result(NOT_MET, denied, reason="not allergic to these drugs")
        stated = [f for k in profile.keys_with_prefix("allergy:") if (f := profile.get(k)) is not None and f.value]
        if stated and not (self.drugs or self.classes):
            # "hypersensitivity to any component of the study drug": an allergy to another drug is not it
            drug = stated[0].key.split(":", 1)[1]
            why = f"whether the allergy to {drug} is the one asked"
            return Result(UNKNOWN, stated[:1], asks=["allergy"], reason=why)
        return Result(UNKNOWN, asks=["allergy"], reason="drug allergies not mentioned")

    def describe(self) -> str:
        if not (self.drugs or self.classes):
            return "an allergy to what the criterion names (the study drug or its ingredients)"
        return "allergy to " + ", ".join(self.drugs + self.classes)

    def logic(self) -> Logic:
        names = [*self.drugs, *(f"class:{c}" for c in self.classes)]
        return atom_logic(
            _made_atom(
                kind=AtomKind.ALLERGY, concept="allergy to " + ", ".join(names), vocab_id=";".join(names) or None
            )
        )


@dataclass
class Assured(Rule):
    """What only the person can promise and the study team confirms: consent, following the protocol.

    Read from what the person's text states. For an inclusion that asks for it ("Signed informed
    consent"), a statement that it will be given meets it; a refusal or an inability leaves it to the
    study team (a surrogate or help may still make it possible). For an exclusion that asks for its
    absence ("History of poor compliance"), a stated lapse meets it, and a statement of it with no
    lapse stated does not. It never asks the patient a question: the study team still confirms it.
    """

    kind: ClassVar[str] = "assured"
    key: str = ""  # the fact: consent, compliance
    label: str = ""
    against: bool = False  # the criterion asks for its absence ("inability to comply")
    past: bool = False  # ... in the person's past ("history of poor compliance"), not a forecast

    def evaluate(self, profile: Profile) -> Result:
        facts = profile.facts.get(self.key, [])
        kept = [f for f in facts if f.value is True]
        lapsed = [f for f in facts if f.value is False]
        if self.against:
            if lapsed and self.past:
                return Result(MET, lapsed, reason=f"the text states a lapse in {self.label}")
            if lapsed:  # "non-compliant with her insulin" does not say she cannot follow this study
                return Result(UNKNOWN, reason=f"{self.label}: the study team confirms")
            if kept:
                return Result(NOT_MET, kept, reason=f"the text states {self.label}")
            return Result(UNKNOWN, reason=f"{self.label}: the study team confirms")
        if kept and not lapsed:
            return Result(MET, kept, reason=f"the text states {self.label}")
        return Result(UNKNOWN, facts, reason=f"{self.label}: the study team confirms")

    def describe(self) -> str:
        return f"no {self.label}" if self.against else self.label

    def logic(self) -> Logic:
        atom = atom_logic(_made_atom(kind=AtomKind.ADMINISTRATIVE, concept=self.label, vocab_id=self.key))
        return Logic(op="not", parts=(atom,)) if self.against else atom


@dataclass
class Ask(Rule):
    """A criterion asked in its own words (yes / no / not sure): 'yes' means it applies to the patient."""

    kind: ClassVar[str] = "ask"
    key: str = ""
    question: str = ""
    label: str = ""  # the criterion text, for reasons
    # a partly understood criterion: the rule read from its understood part, and the status of it that
    # rules the patient out ("met" for an exclusion, "not_met" for an inclusion). Only that outcome is
    # taken from it; anything else is asked.
    understood: Rule | None = None
    rules_out: str = ""
    partial: Rule | None = None  # the whole rule as the recognisers read it: shown, never deciding
    # for an exclusion: the partial rule widened (no window, no exception, no threshold). When even that
    # does not apply to the patient, nothing the criterion names does, and it is not met.
    widest: Rule | None = None
    # an item of an inclusion's list of alternatives ("at least one of the following"): a "no" leaves it
    # open for the study team (another item may hold), it never rules the patient out
    alternative: bool = False
    # a criterion that only names conditions ("Esophageal varices", "Patients with cough or shortness
    # of breath"): their ICD-10-CM codes, so what the person's text states about them answers it
    codes: list[str] = field(default_factory=list)
    # the look-back window those conditions are asked in ("stroke or TIA within the previous 60 days")
    within_months: float | None = None
    # how long those conditions must have lasted ("fever more than one week"), and whether exactly that
    # falls short
    min_lasting_months: float | None = None
    lasting_exclusive: bool = False
    # the criterion asks about the past too ("History of stroke"): a condition the text places at any
    # time meets it
    ever: bool = False
    # the conditions are examples ("symptoms of OSA, including snoring and sleepiness"): denying them
    # leaves the others open
    examples: bool = False
    # conditions a longer criterion names: what the text says of them speaks to it, never decides it
    mentions: list[str] = field(default_factory=list)
    # an exclusion about people of one sex ("Females of childbearing potential"): not for the other
    only_sex: str = ""
    # what the rule leaves unread names more alternatives ("Pregnant women or patients with HIV"): the
    # rule not applying to the person (a man) leaves those open
    more_alternatives: bool = False
    # the partial rule reads some of an inclusion's alternatives ("one or more risk factors, such as diabetes,
    # smoking habit or obesity", only diabetes read): the rule met meets it, not met leaves the others asked
    meets: bool = False
    # the criterion asks for the absence of the conditions it names ("No esophageal varices", an exclusion's
    # "Patients without SLE"): what the text states of them answers it the other way round
    absent: bool = False
    # a criterion about relatives' conditions only ("Family history of breast cancer", "first-degree
    # relative with colorectal cancer"): their codes, so what the text says of the person's relatives
    # answers it; how close the relative must be (1: first-degree; None: any); whether a relative's case
    # meets it (not when it asks more than the conditions, "premature coronary disease", or the person's
    # own part too); whether a denial of that family history settles it (not when the person's own part
    # is another alternative: "glaucoma or a family history of glaucoma")
    relatives: list[str] = field(default_factory=list)
    relatives_degree: int | None = None
    relatives_met: bool = True
    relatives_denial: bool = True
    # the histology the criterion gives each condition it names ("small cell lung cancer": C34 and
    # small_cell): a case of the code with another histology, or none said, does not meet it
    histology: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    # the narrowing the criterion gives each condition ("Uncontrolled hypertension": I10 and uncontrolled),
    # which a case's own words must state
    narrowed: list[tuple[str, str]] = field(default_factory=list)

    def evaluate(self, profile: Profile) -> Result:
        if self.only_sex:
            sex = profile.get("sex")
            if sex is not None and sex.value != self.only_sex:
                return Result(NA, [sex], reason=f"only about {'women' if self.only_sex == 'female' else 'men'}")
        part = None
        if self.understood is not None:
            part = self.understood.evaluate(profile)
            if part.status == self.rules_out:
                part.reason = f"{part.reason} (from the part of the criterion that is understood)"
                return part
        same = part is not None and self.partial is self.understood  # read once, not twice
        seen = part if same else self.partial.evaluate(profile) if self.partial is not None else None
        if self.partial is not None and seen is not None and seen.status == NA and not self.more_alternatives:
            return Result(NA, reason="does not apply to this person (" + self.partial.describe() + ")")
        look = profile.lookup(self.key)
        if look.fact is None and not look.conflict and self.widest is not None:  # an answer always wins
            wide = self.widest.evaluate(profile)
            if wide.status in (NOT_MET, NA):
                wide.reason = f"{wide.reason} (so nothing the criterion names applies)"
                return wide
        if look.conflict:
            return Result(UNKNOWN, asks=[self.key], reason="contradictory answers")
        fact = look.fact
        if fact is None and self.meets and seen is not None and seen.status == MET:
            return Result(MET, seen.facts, reason=f"{seen.reason} (one of the alternatives the criterion names)")
        if fact is None and self.codes:
            stated = self._stated(profile)
            # beside an understood part ("aged 18-90 presenting with dysphagia"), the conditions meet it
            # only when that part is met too
            if stated is not None and self.absent:
                flipped = NOT_MET if stated.status == MET else MET
                why = f"{stated.reason}, and the criterion asks for its absence"
                stated = Result(flipped, stated.facts, reason=why)
            if stated is not None and stated.status == MET and self.understood is not None:
                part = self.understood.evaluate(profile)
                stated = Result(MET, [*part.facts, *stated.facts], reason=f"{part.reason}; {stated.reason}")
                stated = stated if part.status == MET else None
            if stated is not None:
                return stated
        if fact is None and self.relatives:
            stated = self._relatives_stated(profile)
            if stated is not None:
                return stated
        if fact is None:
            return Result(UNKNOWN, asks=[self.key], reason="not answered yet")
        if fact.value:
            return Result(MET, [fact], reason="the patient says this applies")
        if self.alternative:
            return Result(UNKNOWN, [fact], reason="one of several alternatives: the study team checks the others")
        return Result(NOT_MET, [fact], reason="the patient says this does not apply")

    def speaks_to(self, profile: Profile) -> bool:
        """An answer to it, or what the text says of the part of it that is understood."""
        if profile.get(self.key) is not None or (self.partial is not None and self.partial.speaks_to(profile)):
            return True
        if self.relatives and any(facts_under(profile, self.relatives, FAMILY)):
            return True
        return bool((self.codes or self.mentions) and any(facts_under(profile, [*self.codes, *self.mentions])))

    def _relatives_stated(self, profile: Profile) -> Result | None:
        """What the text says of the person's relatives, when it settles the criterion: a relative as close
        as it asks has one of the conditions, or the family history of every one of them is denied (a
        denial about one relative, "his brother is healthy", says nothing of the others)."""
        cases, denials, _ = facts_under(profile, self.relatives, FAMILY)
        close = [f for f in cases if fits(f.detail.get("degree"), self.relatives_degree)]
        if close and self.relatives_met:
            words = close[0].detail.get("words", "it")
            return Result(MET, close[:1], reason=f"the text names {words} in the family")
        if cases:
            return None
        family = [f for f in denials if f.detail.get("degree") is None]
        every = all(any(under(c, f.key.removeprefix(FAMILY)) for f in family) for c in self.relatives)
        if family and every and self.relatives_denial and not self.alternative:
            words = family[0].detail.get("words", "it")
            return Result(NOT_MET, family, reason=f"the text denies a family history of {words}")
        return None

    def _stated(self, profile: Profile) -> Result | None:
        """What the person's text states about the conditions the criterion names, when it settles it. A
        case of another histology than the criterion's ("small cell lung cancer" for "NSCLC"), or of none
        said, is no case of it: only the others can meet it, and nothing the text says rules it out."""
        found = facts_under(profile, self.codes)
        cases = [f for f in found[0] if self._fits(f)]
        if len(cases) < len(found[0]):
            met = self._stated_from((cases, [], found[2]))
            return met if met is not None and met.status == MET else None
        return self._stated_from(found)

    def _fits(self, case: Fact) -> bool:
        """Whether a case of the criterion's codes is of the histology the criterion gives that code, and its
        words say what the criterion narrows the code to ("poorly controlled hypertension")."""
        code = case.key.removeprefix(PREFIX)
        asked = [groups for c, groups in self.histology if related(code, c)]
        if asked and not any(histology_fits(groups, _histology(case)) is True for groups in asked):
            return False
        said = case.evidence.start < 0 or not case.evidence.text  # an answer is taken as it is given
        return said or all(states(case.evidence.text, g) for c, g in self.narrowed if related(code, c))

    def _stated_from(self, found: tuple[list[Fact], list[Fact], list[Fact]]) -> Result | None:
        cases, denials, _ = found
        if self.within_months is not None:
            return self._stated_within(cases, denials, self.within_months)
        if self.min_lasting_months is not None:
            return self._stated_lasting(found, self.min_lasting_months)
        now = [f for f in cases if f.current is not False and not f.began_only]
        if now:
            return Result(MET, now[:1], reason=f"the text names {_said(now[0])}")
        if cases and self.ever:
            when = f" ({duration_words(cases[0].when_months)} ago)" if cases[0].when_months else ""
            return Result(MET, cases[:1], reason=f"the text names {_said(cases[0])} in the past{when}")
        if cases:
            return None  # only in the past: whether the criterion means that too is asked
        settled = [f for f in denials if denial_settles(f, None)]
        # "cough or shortness of breath": every one of them must be denied
        every = all(any(under(code, f.key.removeprefix("icd:")) for f in settled) for code in self.codes)
        if settled and every and not self.alternative and not self.examples:
            return Result(NOT_MET, settled, reason=f"the text denies {_said(settled[0])}")
        return None

    def _stated_within(self, cases: list[Fact], denials: list[Fact], months: float) -> Result | None:
        """What the text states about the conditions inside the criterion's window: one it places in the
        window meets it; it is not met only when, for each condition, the text places it before the
        window or denies it over the whole window. A condition the text does not place ("PMH: stroke",
        or a clause that dates another condition) leaves it asked."""
        placed = [(f, f.detail.get("placed_months")) for f in cases]
        began = [f for f in cases if f.detail.get("began_months") is not None]
        inside = [f for f, at in placed if at is not None and float(at) <= months + 1e-6]
        inside += [f for f in began if float(f.detail["began_months"]) <= months + 1e-6]  # begun inside it
        if inside:
            words = _said(inside[0])
            return Result(MET, inside[:1], reason=f"the text names {words}{window_words(months)}")
        if self.alternative or self.examples or any(at is None for _, at in placed):
            return None
        denied = [f for f in denials if denial_settles(f, months)]
        if not self._covers([*cases, *denied]):
            return None
        f = cases[0] if cases else denied[0]
        words = _said(f)
        if months <= 0:  # asked of the present ("Fever at screening")
            why = f"places {words} in the past, not now" if f.value else f"denies {words} now"
            return Result(NOT_MET, [*cases, *denied], reason=f"the text {why}")
        why = f"places {words} before" if f.value else f"denies {words} over"
        return Result(NOT_MET, [*cases, *denied], reason=f"the text {why} {period_words(months)}")

    def _stated_lasting(self, found: tuple[list[Fact], list[Fact], list[Fact]], least: float) -> Result | None:
        """What the text says of how long the conditions have lasted: a current one that has lasted long
        enough meets it. It is not met only when every current mention of them, and of conditions
        related to them ("chronic cough" beside "cough"), says how long and each falls short, or when
        they are denied."""
        cases, denials, others = found
        now = [f for f in cases if f.current is not False]

        def enough(months: float) -> bool:
            return months > least + 1e-6 if self.lasting_exclusive else months >= least - 1e-6

        long_enough = [f for f in now if f.detail.get("lasting_months") is not None]
        long_enough = [f for f in long_enough if enough(float(f.detail["lasting_months"]))]
        if long_enough:
            f = long_enough[0]
            lasting = duration_words(float(f.detail["lasting_months"]))
            return Result(MET, [f], reason=f"the text names {_said(f)} for {lasting}")
        if self.alternative or self.examples or (cases and not now):
            return None  # only in the past: whether the criterion means that too is asked
        current = [*now, *(f for f in others if f.value and f.current is not False)]
        if any(f.detail.get("lasting_months") is None for f in current):
            return None  # "Cough x 2 months. 2 days of worsening cough.": one untimed mention leaves it asked
        denied = [f for f in denials if denial_settles(f, 0.0)]
        if not self._covers([*now, *denied]):
            return None
        if not now:
            return Result(NOT_MET, denied, reason=f"the text denies {_said(denied[0])}")
        f = now[0]
        months = float(f.detail["lasting_months"])
        return Result(
            NOT_MET,
            [*now, *denied],
            reason=f"the text names {_said(f)} for "
            f"{duration_words(months)}, less than the {duration_words(least)} the criterion asks",
        )

    def _covers(self, settled: list[Fact]) -> bool:
        """Whether what the text states settles every condition the criterion names."""
        stated = {f.key.removeprefix(PREFIX) for f in settled}
        return bool(settled) and all(any(related(code, own) for own in stated) for code in self.codes)

    def describe(self) -> str:
        return f"asked as it stands: {self.question}"

    def logic(self) -> Logic:
        return atom_logic(_made_atom(kind=AtomKind.CONDITION, concept=self.label or self.question, vocab_id=self.key))


__all__ = [
    "MET",
    "NA",
    "NOT_MET",
    "UNKNOWN",
    "Age",
    "AllOf",
    "Allergy",
    "AnyOf",
    "Ask",
    "Condition",
    "Contraception",
    "Diagnosis",
    "DoseCap",
    "Flag",
    "HealthyVolunteers",
    "Measure",
    "Not",
    "Result",
    "Rule",
    "Sex",
    "StableMeds",
    "Treatment",
    "UlnMultiple",
    "rule_from_dict",
]
