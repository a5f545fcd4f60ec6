"""The patient profile: typed facts, each with the words it came from.

Fact keys:
  age, sex, weight_kg, height_cm, bmi, bp_systolic, bp_diastolic
  lab:NAME      a lab value in its canonical unit (detail: uln_multiple, above_uln, normal, positive)
  score:sledai  disease activity (SLEDAI, SLEDAI-2K, SELENA-SLEDAI)
  dx:sle        diagnosed with SLE (when_months: time since diagnosis)
  med:DRUG      current medicine (value: mg/day or None)
  prior:DRUG    ever received (value True/False; when_months: last use; detail: route)
  prior:class:CLASS  the patient's word about a whole class ("never had a biologic")
  cond:KEY      a condition (value True/False; when_months; detail: subtype, nyha_class)
  pregnant, breastfeeding, childbearing, contraception, trial, refractory, meds_stable_months
  allergy:DRUG / allergy:none

What the patient did not say is simply absent: unknown, never assumed false.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Evidence:
    """Where a fact came from: a stretch of the patient's text, or a structured answer; `by` names who
    read it when that was not the rule-based reader ("the language model llama3": `retrieval.model_facts`)."""

    text: str
    start: int = -1
    end: int = -1
    by: str = ""


@dataclass
class Fact:
    key: str
    value: Any
    evidence: Evidence
    when_months: float | None = None  # how long ago it happened or started; 0 = now
    current: bool | None = None
    # The look-back window the statement covers, in months: "no infections in the past year" covers
    # 12, "yes" to "in the past 3 years?" says it happened within 36. None: no window stated, i.e.
    # ever (for a denial) or at some unknown time (for a positive statement without `when_months`).
    covers_months: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        return self.evidence.text.strip()

    @property
    def began_only(self) -> bool:
        """A condition the text dates only by its diagnosis ("melanoma diagnosed last year", detail
        `began_months`): it began then, and the text does not say whether it goes on."""
        return bool(self.value) and self.current is None and "began_months" in self.detail


@dataclass
class Lookup:
    fact: Fact | None
    conflict: list[Fact] = field(default_factory=list)  # contradictory statements of the same fact


@dataclass(frozen=True, eq=False)
class View:
    """A table of facts worked out from a profile's own facts (`Profile.view`): `build` gives it."""

    name: str
    build: Callable[[Profile], dict[str, list[Fact]]]


@dataclass
class Profile:
    facts: dict[str, list[Fact]] = field(default_factory=dict)
    text: str = ""
    notes: list[str] = field(default_factory=list)  # contradictions, ignored context, implausible values

    _memo: dict[str, Lookup] = field(default_factory=dict, repr=False, compare=False)
    _prefix_memo: dict[str, list[str]] = field(default_factory=dict, repr=False, compare=False)
    # what other modules work out from the facts, by their own keys (cleared when a fact is added)
    derived: dict[object, object] = field(default_factory=dict, repr=False, compare=False)

    def add(self, fact: Fact) -> None:
        self.facts.setdefault(fact.key, []).append(fact)
        self._memo.clear()
        self._prefix_memo.clear()
        self.derived.clear()

    def view(self, view: View, key: str) -> list[Fact]:
        """The facts a view of this profile's facts files under `key` ("cancer" in the view of coded
        conditions by concept), worked out once per profile. What a rule reads this way is recorded like a
        key (`eligibility.reads`)."""
        table = self.derived.get(view)
        if table is None:
            table = self.derived[view] = view.build(self)
        return table.get(key, [])  # type: ignore[attr-defined]

    def lookup(self, key: str) -> Lookup:
        found = self._memo.get(key)
        if found is not None:
            return found
        facts = self.facts.get(key, [])
        if not facts:
            found = Lookup(None)
        elif _contradictory(facts):
            found = Lookup(None, conflict=facts)
        else:
            found = Lookup(facts[-1])
        self._memo[key] = found
        return found

    def get(self, key: str) -> Fact | None:
        return self.lookup(key).fact

    def value(self, key: str) -> Any:
        fact = self.get(key)
        return None if fact is None else fact.value

    def keys_with_prefix(self, prefix: str) -> list[str]:
        memo_key = "\0" + prefix
        cached = self._prefix_memo.get(memo_key)
        if cached is None:
            cached = [k for k in self.facts if k.startswith(prefix) and self.facts[k]]
            self._prefix_memo[memo_key] = cached
        return cached

    @property
    def sex(self) -> str | None:
        value = self.value("sex")
        return value if isinstance(value, str) else None

    def can_be_pregnant(self) -> bool | None:
        """False for men and for women who cannot become pregnant; None when not known."""
        if self.sex == "male":
            return False
        childbearing = self.value("childbearing")
        if childbearing is False:
            return False
        if self.sex == "female":
            return True if childbearing is None else bool(childbearing)
        return None


def _contradictory(facts: list[Fact]) -> bool:
    """One statement denies what another asserts ("not pregnant, 10 weeks pregnant"): neither wins."""
    denied = any(f.value is False for f in facts)
    asserted = any(f.value is not False and f.value is not None for f in facts)
    return denied and asserted


def denial_settles(fact: Fact, within_months: float | None, *, current_only: bool = False) -> bool:
    """Whether a denial ("no X", "never had X") covers what a criterion asks about.

    A criterion asks about a window (`within_months`; None = ever) or only the present
    (`current_only`). "None in the past year" cannot settle "in the past 3 years" or "ever".
    """
    if fact.covers_months is None or current_only:
        return True
    if within_months is None:
        return False
    return fact.covers_months >= within_months - 1e-6
