"""Measurements a named condition bounds by its definition (`eligibility/data/implied.toml`).

A note that says "obese" gives no BMI, yet obesity is a BMI of 30 or more: a criterion "BMI > 25" is met
by it and "BMI < 27" is not, while "BMI > 35" stays open. The bound is a fact with no value and the
bound in its detail (`at_least`, `at_most`), read by `Measure`; a measured value always wins.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from eligibility.coded import facts_under
from eligibility.facts import Fact, Profile
from eligibility.kinds import spec_for
from trialscreen import datafile
from trialscreen.vocab import conditions as icd

FILE = "eligibility/data/implied.toml"


class Bound(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    codes: list[str] = Field(min_length=1)
    key: str = Field(min_length=1)
    at_least: float | None = None
    at_most: float | None = None
    why: str = Field(min_length=5)
    # the definition holds from this age (adult cut-offs): a younger person, or one whose age is not
    # known, gets no bound
    min_age: float | None = None
    # words right before the condition that make it another thing or not now ("central obesity",
    # "formerly obese")
    not_with: str = ""

    @field_validator("not_with")
    @classmethod
    def _pattern(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as err:
            raise ValueError(f"not_with is not a regular expression ({err})") from err
        return v

    @field_validator("codes")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        return icd.checked_references(v)

    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        spec = spec_for(v)
        if spec is None or not spec.unit:
            raise ValueError(f"{v!r} is not a measured fact; use a key kinds.toml or labs.toml reads (bmi, lab:hb)")
        return v

    @model_validator(mode="after")
    def _one_side(self) -> Bound:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError(f"{self.key}: give exactly one of at_least or at_most")
        return self


class ImpliedData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    implied: list[Bound] = Field(min_length=1)


@lru_cache(maxsize=1)
def bounds() -> tuple[Bound, ...]:
    text = datafile.package_text("eligibility", "data/implied.toml")
    return tuple(datafile.parse(ImpliedData, text, FILE).implied)


def add_bounds(profile: Profile) -> None:
    """For each measurement the text does not give, the tightest bound a current condition it names
    sets, as a fact with no value (`detail`: at_least or at_most, why)."""
    best: dict[str, tuple[Bound, Fact]] = {}
    age = profile.value("age")
    for bound in bounds():
        if profile.get(bound.key) is not None:
            continue
        if bound.min_age is not None and not (isinstance(age, int | float) and age >= bound.min_age):
            continue
        cases, _, _ = facts_under(profile, bound.codes)
        unless = re.compile(bound.not_with, re.IGNORECASE) if bound.not_with else None
        now = [
            f
            for f in cases
            if f.current is not False and not f.began_only and not (unless and unless.search(_before(f)))
        ]
        if not now:
            continue
        held = best.get(bound.key)
        if held is None or _tighter(bound, held[0]):
            best[bound.key] = (bound, now[0])
    for key, (bound, fact) in best.items():
        detail = {"at_least": bound.at_least} if bound.at_least is not None else {"at_most": bound.at_most}
        detail |= {"why": bound.why, "words": fact.detail.get("words", "")}
        profile.add(Fact(key=key, value=None, evidence=fact.evidence, current=True, detail=detail))


def _before(fact: Fact) -> str:
    """The condition's words with the few words before them in its clause ("formerly obese", "central
    obesity"): what `not_with` is looked for in."""
    text, words = fact.evidence.text, str(fact.detail.get("words", ""))
    at = text.find(words) if words else -1
    return text if at < 0 else text[max(0, at - 25) : at + len(words)]


def _tighter(a: Bound, b: Bound) -> bool:
    if a.at_least is not None and b.at_least is not None:
        return a.at_least > b.at_least
    if a.at_most is not None and b.at_most is not None:
        return a.at_most < b.at_most
    return False
