"""Conditions a treatment taken now is by definition (`eligibility/data/induced.toml`).

"On immunosuppressive medications" names no immunodeficiency, yet ICD-10-CM codes immunodeficiency due to
drugs (D84.821): a criterion about an immunodeficiency state is met by it, as by the condition named. The
fact is an `icd:` fact like a named condition's, with the treatment's words as its evidence and the
definition in its detail (`why`); nothing is denied by not taking the treatment.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, field_validator

from eligibility.facts import Fact, Profile
from trialscreen import datafile
from trialscreen.vocab import conditions as icd
from trialscreen.vocabulary import vocabulary

FILE = "eligibility/data/induced.toml"


class Induced(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    classes: list[str] = Field(min_length=1)
    codes: list[str] = Field(min_length=1)
    why: str = Field(min_length=5)

    @field_validator("codes")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        return icd.checked_references(v)

    @field_validator("classes")
    @classmethod
    def _classes(cls, v: list[str]) -> list[str]:
        known = {c.name for c in vocabulary().drug_classes}
        unknown = [c for c in v if c not in known]
        if unknown:
            raise ValueError(f"{unknown} are no drug classes of trialscreen/data/vocabulary.toml ({sorted(known)})")
        return v


class InducedData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    induced: list[Induced] = Field(min_length=1)


@lru_cache(maxsize=1)
def induced() -> tuple[Induced, ...]:
    text = datafile.package_text("eligibility", "data/induced.toml")
    return tuple(datafile.parse(InducedData, text, FILE).induced)


def add_induced(profile: Profile) -> None:
    """For each treatment of a listed class taken now (a drug of it, or the class named as taken), the
    condition it induces, as an `icd:` fact on the treatment's words."""
    for entry in induced():
        taking = _taken_now(profile, set(entry.classes))
        if taking is None:
            continue
        for code in entry.codes:
            if profile.get(f"icd:{code}") is not None:
                continue  # named in the text: its own words say more
            detail = {"codes": [code], "words": entry.why, "placed_months": 0.0}
            profile.add(Fact(f"icd:{code}", True, taking.evidence, when_months=0.0, current=True, detail=detail))


def _taken_now(profile: Profile, classes: set[str]) -> Fact | None:
    for klass in sorted(classes):
        look = profile.lookup(f"prior:class:{klass}")
        if look.fact is not None and look.fact.value is True and look.fact.current:
            return look.fact
    for key in profile.keys_with_prefix("med:"):
        look = profile.lookup(key)
        term = vocabulary().drug(key.removeprefix("med:"))
        if look.fact is not None and look.fact.value is not False and term and classes & set(term.classes):
            return look.fact
    return None
