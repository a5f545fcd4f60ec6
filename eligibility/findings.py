"""Findings a measured value defines (`eligibility/data/findings.toml`).

"T 38.9, HR 124" names neither a fever nor a tachycardia, yet by their definitions the person has both.
Each value that crosses a cut-off becomes a mention of the finding's ICD-10-CM code at the value's own
words, so the condition reader (eligibility/coded.py) dates it as it dates a finding named in words:
"on admission 3 days ago her temperature was 39.1" is not a fever now. A value in the range that says
the finding is absent denies it for that time only, and never against a finding the text names.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from eligibility.coded import PREFIX, facts_under
from eligibility.context import clause_at, clauses, context_of
from eligibility.facts import Evidence, Fact, Profile
from eligibility.implied import bounds
from eligibility.kinds import spec_for
from eligibility.labs import lab
from trialscreen import datafile
from trialscreen.errors import TrialscreenError
from trialscreen.vocab import conditions as icd

FILE = "eligibility/data/findings.toml"


def _checked(*refs: str) -> list[str]:
    """ICD-10-CM references as listed; a wrong one is a validation error of the entry (named with the file)."""
    try:
        return icd.checked_references(list(refs))
    except TrialscreenError as err:
        raise ValueError(str(err)) from err


def _measured(key: str) -> str:
    """`key` when it is a measured fact (a lab, or a rule kind's fact with a unit); else a clear error."""
    spec = spec_for(key)
    if lab(key) is None and (spec is None or not spec.unit):
        raise ValueError(f"{key!r} is not a measured fact; use a key labs.toml or kinds.toml reads (lab:heart_rate)")
    return key


class Finding(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(min_length=1)
    code: str = Field(min_length=3)
    above: float | None = None
    at_least: float | None = None
    below: float | None = None
    at_most: float | None = None
    # values that say the finding is absent at the time they were taken
    absent: tuple[float, float] | None = None
    why: str = Field(min_length=5)
    # the cut-offs hold from this age: a younger person, or one whose age is not known, gets nothing
    min_age: float | None = None

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        return _checked(v)[0]

    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        return _measured(v)

    @field_validator("absent")
    @classmethod
    def _absent(cls, v: tuple[float, float] | None) -> tuple[float, float] | None:
        if v is not None and v[0] > v[1]:
            raise ValueError("absent is [low, high]: the low end first")
        return v

    @model_validator(mode="after")
    def _one_cut(self) -> Finding:
        cuts = [c for c in (self.above, self.at_least, self.below, self.at_most) if c is not None]
        if len(cuts) != 1:
            raise ValueError(f"{self.key}: give exactly one of above, at_least, below or at_most")
        if self.absent is not None and any(self.is_finding(x) for x in self.absent):
            raise ValueError(f"{self.key}: the absent range {list(self.absent)} overlaps the finding's cut-off")
        return self

    def is_finding(self, value: float) -> bool:
        return (
            (self.above is not None and value > self.above)
            or (self.at_least is not None and value >= self.at_least)
            or (self.below is not None and value < self.below)
            or (self.at_most is not None and value <= self.at_most)
        )

    def is_absent(self, value: float) -> bool:
        return self.absent is not None and self.absent[0] <= value <= self.absent[1]

    def holds_at(self, age: object) -> bool:
        return self.min_age is None or (isinstance(age, int | float) and age >= self.min_age)


class Defines(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(min_length=1)
    codes: list[str] = Field(min_length=1)

    @field_validator("codes")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        return _checked(*v)

    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        return _measured(v)


class AbsentWord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(min_length=3)
    name: str = Field(min_length=3)
    words: list[str] = Field(min_length=1)

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        return _checked(v)[0]

    @property
    def pattern(self) -> re.Pattern[str]:
        return _whole_words(tuple(self.words))


class FindingsData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    finding: list[Finding] = Field(min_length=1)
    defines: list[Defines] = []
    absent_word: list[AbsentWord] = []


@lru_cache(maxsize=64)
def _whole_words(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)


@lru_cache(maxsize=1)
def _data() -> FindingsData:
    return datafile.parse(FindingsData, datafile.package_text("eligibility", "data/findings.toml"), FILE)


def findings() -> tuple[Finding, ...]:
    return tuple(_data().finding)


@lru_cache(maxsize=64)
def defined_by(key: str) -> tuple[str, ...]:
    """The ICD-10-CM references of the conditions a measured value of `key` defines: labs.toml `defines`,
    the findings here, and the conditions implied.toml bounds it by ("obesity" and the BMI)."""
    found = lab(key)
    refs = [*(found.defines if found else ()), *(f.code for f in findings() if f.key == key)]
    refs += [code for bound in bounds() if bound.key == key for code in bound.codes]
    refs += [code for entry in _data().defines if entry.key == key for code in entry.codes]
    return tuple(icd.checked_references(list(dict.fromkeys(refs))))


def _values(profile: Profile, finding: Finding) -> list[Fact]:
    """The person's own measured values of the finding's key, with the words that give them."""
    return [
        f
        for f in profile.facts.get(finding.key, [])
        if isinstance(f.value, int | float) and not isinstance(f.value, bool) and f.evidence.end > f.evidence.start
    ]


def mentions(profile: Profile) -> dict[icd.ConditionMention, str]:
    """A mention of each finding a measured value defines, at the value's words ("T 38.9": R50.9), with
    the definition that makes it the finding (for the condition reader to keep and the reason to show)."""
    age = profile.value("age")
    out = {}
    for finding in findings():
        if not finding.holds_at(age):
            continue
        for f in _values(profile, finding):
            if finding.is_finding(float(f.value)):
                at = icd.ConditionMention(f.evidence.start, f.evidence.end, f.evidence.text, (finding.code,))
                out[at] = finding.why
    return out


def add_absent(profile: Profile, text: str) -> None:
    """A denial, for the time it describes, of each finding a value in its normal range or a word of
    absence ("afebrile") rules out, unless the text names the finding (or a kind of it) as the person's."""
    age = profile.value("age")
    for finding in findings():
        if not finding.holds_at(age) or _named(profile, finding.code):
            continue
        normal = next((f for f in _values(profile, finding) if finding.is_absent(float(f.value))), None)
        if normal is not None:
            _deny(profile, finding.code, normal.evidence, {"why": finding.why})
    parts = clauses(text)
    for absent in _data().absent_word:
        if not parts or _named(profile, absent.code):
            continue
        for m in absent.pattern.finditer(text):
            ctx = context_of(clause_at(parts, m.start()), m.start(), m.end())
            if not (ctx.negated or ctx.family or ctx.hypothetical):  # "not afebrile", "mother was afebrile"
                said = Evidence(text=m.group(0), start=m.start(), end=m.end())
                _deny(profile, absent.code, said, {"words": absent.name, "why": f"the text says “{m.group(0)}”"})
                break


def _named(profile: Profile, code: str) -> bool:
    """Whether the text names the finding, or a kind of it, as the person's."""
    named, _, _ = facts_under(profile, (code,))
    return any(f.value is True for f in named)


def _deny(profile: Profile, code: str, evidence: Evidence, detail: dict[str, object]) -> None:
    words = {"codes": [code], "words": evidence.text}
    profile.add(Fact(key=PREFIX + code, value=False, evidence=evidence, covers_months=0.0, detail=words | detail))
