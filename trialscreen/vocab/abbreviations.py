"""Clinical abbreviations (HCQ, uPCR, BID, h/o) from `trialscreen/data/abbreviations.toml`, checked on load.

>>> expand("h/o DVT, on HCQ 200 mg BID")
'history of deep vein thrombosis, on hydroxychloroquine 200 mg twice a day'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, model_validator

from trialscreen import datafile

FILE = "abbreviations.toml"


class Kind(StrEnum):
    DRUG = "drug"
    LAB = "lab"
    TEST = "test"
    DOSING = "dosing"
    ROUTE = "route"
    CLINICAL = "clinical"
    SCORE = "score"


class Case(StrEnum):
    EXACT = "exact"
    ANY = "any"


class Abbreviation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    short: str = Field(min_length=1, pattern=r"^\S+$")
    long: str = Field(min_length=2)
    kind: Kind
    drug: str = ""
    case: Case = Case.EXACT

    @model_validator(mode="after")
    def _drug_only_for_drugs(self) -> Abbreviation:
        if self.drug and self.kind is not Kind.DRUG:
            raise ValueError(f"{self.short}: `drug` is for kind = 'drug' only")
        return self


class AbbreviationsData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ambiguous: dict[str, str] = {}
    abbreviation: list[Abbreviation] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> AbbreviationsData:
        seen: dict[str, str] = {}
        for a in self.abbreviation:
            key = a.short if a.case is Case.EXACT else a.short.lower()
            if key in seen or a.short in self.ambiguous:
                raise ValueError(f"{a.short} is listed twice (or also under [ambiguous]); keep one entry")
            seen[key] = a.long
        return self


@dataclass(frozen=True)
class AbbreviationMention:
    start: int
    end: int
    text: str
    entry: Abbreviation


def _alternation(shorts: list[str]) -> str:
    # longest first, so "HbA1c" wins over "Hb"; not inside a word, a code or a path ("HCQ-1", "mg/dL")
    body = "|".join(re.escape(s) for s in sorted(shorts, key=len, reverse=True))
    return rf"(?<![\w/\-])(?:{body})(?![\w\-]|/\w)"


class Abbreviations:
    def __init__(self, data: AbbreviationsData) -> None:
        self.data = data
        self.exact = {a.short: a for a in data.abbreviation if a.case is Case.EXACT}
        self.any = {a.short.lower(): a for a in data.abbreviation if a.case is Case.ANY}
        self._exact_re = re.compile(_alternation(list(self.exact))) if self.exact else None
        self._any_re = re.compile(_alternation(list(self.any)), re.IGNORECASE) if self.any else None

    def lookup(self, short: str) -> Abbreviation | None:
        return self.exact.get(short) or self.any.get(short.lower())

    def find(self, text: str) -> list[AbbreviationMention]:
        found: list[AbbreviationMention] = []
        for pattern, table, fold in ((self._exact_re, self.exact, False), (self._any_re, self.any, True)):
            if pattern is None:
                continue
            for m in pattern.finditer(text):
                entry = table[m.group().lower() if fold else m.group()]
                found.append(AbbreviationMention(m.start(), m.end(), m.group(), entry))
        found.sort(key=lambda a: (a.start, -a.end))
        out: list[AbbreviationMention] = []
        for a in found:  # no overlaps: the first, longest reading wins
            if not out or a.start >= out[-1].end:
                out.append(a)
        return out

    def expand(self, text: str) -> str:
        pieces, last = [], 0
        for a in self.find(text):
            pieces += [text[last : a.start], a.entry.long]
            last = a.end
        return "".join([*pieces, text[last:]])


@lru_cache(maxsize=1)
def abbreviations() -> Abbreviations:
    return Abbreviations(datafile.load(AbbreviationsData, FILE))


def abbreviations_in(text: str) -> list[AbbreviationMention]:
    """Abbreviations in `text`, in order, with what each stands for."""
    return abbreviations().find(text)


def expand(text: str) -> str:
    """`text` with every known, unambiguous abbreviation written out."""
    return abbreviations().expand(text)


def lookup(short: str) -> Abbreviation | None:
    """The entry for one abbreviation as written ('HCQ', 'bid'), or None."""
    return abbreviations().lookup(short)
