"""The typed reading of a criterion: atoms joined by and / or / not.

An atom is one thing a criterion asks about: its kind (condition, drug or treatment, lab ...), the
normalised concept and its vocabulary id, a comparison (comparator, value, unit), the time window it
looks at and its context (history, active, family), and the exceptions the criterion allows. Atoms are
pydantic models because they also arrive from outside: a language model reading a criterion the
grammar could not returns them as structured output, and they are validated like any untrusted input.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class AtomKind(StrEnum):
    CONDITION = "condition"
    TREATMENT = "treatment"  # a drug or another treatment
    PROCEDURE = "procedure"
    MEASUREMENT = "measurement"  # a lab value or a measurement (weight, blood pressure)
    SCORE = "score"  # a clinical score or scale (SLEDAI, ECOG)
    DEMOGRAPHIC = "demographic"  # age, sex, healthy volunteer
    REPRODUCTION = "reproduction"  # pregnancy, breastfeeding, contraception
    ALLERGY = "allergy"
    PARTICIPATION = "participation"  # another trial, an investigational product
    ADMINISTRATIVE = "administrative"  # consent, compliance, judgement


class When(StrEnum):
    EVER = "ever"
    CURRENT = "current"
    WITHIN = "within"  # within `months` before screening
    BEFORE_EVENT = "before_event"  # within `months` before a named event ("Day 0", "randomisation")
    ANY = "any"  # the criterion says nothing about time


class Context(StrEnum):
    ANY = "any"
    HISTORY = "history"
    ACTIVE = "active"
    FAMILY = "family"


Comparator = Literal["<", "<=", ">", ">=", "=="]


class Atom(BaseModel):
    """One thing a criterion asks about, with everything needed to decide it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: AtomKind
    concept: Annotated[str, Field(min_length=1, max_length=400)]
    vocab_id: str | None = None  # e.g. "ICD-10-CM:C50", "drug:rituximab", "lab:creatinine"
    comparator: Comparator | None = None
    value: float | None = None
    unit: str | None = None
    when: When = When.ANY
    months: float | None = Field(default=None, ge=0)
    event: str | None = None
    context: Context = Context.ANY
    exceptions: tuple[str, ...] = ()
    negated: bool = False

    def words(self) -> str:
        """The atom in plain words: 'rituximab within 6 months', 'creatinine > 1.5 mg/dL'."""
        parts = [("no " if self.negated else "") + self.concept]
        if self.comparator is not None and self.value is not None:
            parts.append(f"{self.comparator} {self.value:g}" + (f" {self.unit}" if self.unit else ""))
        if self.context in (Context.HISTORY, Context.FAMILY):
            parts.insert(0, "family history of" if self.context == Context.FAMILY else "history of")
        elif self.context == Context.ACTIVE:
            parts.insert(0, "active")
        if self.when == When.CURRENT:
            parts.append("now")
        elif self.when in (When.WITHIN, When.BEFORE_EVENT) and self.months is not None:
            parts.append(f"within {_months_words(self.months)}")
            if self.when == When.BEFORE_EVENT and self.event:
                parts.append(f"before {self.event}")
        elif self.when == When.EVER:
            parts.append("ever")
        if self.exceptions:
            parts.append("(except " + ", ".join(self.exceptions) + ")")
        return " ".join(parts)


def _months_words(months: float) -> str:
    if months >= 12 and abs(months / 12 - round(months / 12)) < 1e-6:
        years = round(months / 12)
        return f"{years} year" + ("s" if years != 1 else "")
    if months < 1:
        days = round(months * 30.4375)
        return f"{days} day" + ("s" if days != 1 else "")
    return f"{months:g} month" + ("s" if months != 1 else "")


class Logic(BaseModel):
    """Atoms joined by and / or / not: {"all": [...]}, {"any": [...]}, {"not": ...} or one atom."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    op: Literal["all", "any", "not", "atom"]
    parts: tuple[Logic, ...] = ()
    atom: Atom | None = None

    def atoms(self) -> list[Atom]:
        if self.atom is not None:
            return [self.atom]
        return [a for p in self.parts for a in p.atoms()]

    def words(self) -> str:
        if self.op == "atom" and self.atom is not None:
            return self.atom.words()
        if self.op == "not" and self.parts:
            return "not (" + self.parts[0].words() + ")"
        joiner = " and " if self.op == "all" else " or "
        inner = [p.words() for p in self.parts]
        return joiner.join(f"({w})" if " and " in w or " or " in w else w for w in inner)


def atom_logic(atom: Atom) -> Logic:
    return Logic(op="atom", atom=atom)
