"""Histology: what a cancer is made of, beside the site its ICD-10-CM code names.

ICD-10-CM codes "small cell lung cancer", "adenocarcinoma of the lung" and "NSCLC" alike (C34): a
criterion that names a histology asks for less than its code, and a person's text that names another
histology of the same site is no case of it. The groups, their names and which are kinds of which come
from `trialscreen/data/histology.toml`, checked on first use.

    >>> named_at("62M with small cell lung cancer", 9, 31)
    ('small_cell',)
    >>> fits(("non_small_cell",), ("small_cell",))
    False
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, model_validator

from trialscreen import datafile

FILE = "histology.toml"
# how far before a condition's name its histology is looked for, within its phrase ("invasive ductal
# carcinoma of the breast"), and after it when the words say they give a histology ("lung cancer of
# squamous histology")
_BEFORE = 40
_AFTER = 40
# a bracket right after the name whose first item may give its histology ("lung cancer (adenocarcinoma, EGFR+)")
_BRACKET = re.compile(r"\s*[(\[]\s*([^()\[\],;]{1,40})")


class Group(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    names: list[str] = Field(min_length=1)
    kinds: list[str] = []
    own_code: bool = False


class Reading(BaseModel):
    """How the words around a condition's name are read for its histology (regular expressions)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    phrase_end: str = Field(min_length=1)
    gives_histology: str = Field(min_length=1)


class HistologyData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reading: Reading
    groups: dict[str, Group] = Field(min_length=1)

    @model_validator(mode="after")
    def _kinds_known(self) -> HistologyData:
        for key, group in self.groups.items():
            unknown = [k for k in group.kinds if k not in self.groups]
            if unknown:
                raise ValueError(f"groups.{key}: kinds {unknown} are not groups of the file")
        for key in self.groups:
            if key in _descendants(self.groups, key):
                raise ValueError(f"groups.{key}: it is a kind of itself (the kinds go round in a circle)")
        return self


def _descendants(groups: dict[str, Group], key: str) -> frozenset[str]:
    """Every group under `key` (its kinds, their kinds, ...)."""
    seen: set[str] = set()
    todo = list(groups[key].kinds)
    while todo:
        k = todo.pop()
        if k in seen:
            continue
        seen.add(k)
        todo += groups[k].kinds if k in groups else []
    return frozenset(seen)


class Histology:
    """The histology groups: their names, and which lie under which."""

    def __init__(self, data: HistologyData) -> None:
        self.patterns = {
            key: datafile.pattern("|".join(f"(?:{p})" for p in g.names), FILE, f"groups.{key}.names")
            for key, g in data.groups.items()
        }
        self.any = datafile.joined(self.patterns.values(), FILE, "groups")  # one search for words naming none
        self.under = {key: _descendants(data.groups, key) for key in data.groups}
        self.own_code = frozenset(key for key, g in data.groups.items() if g.own_code)
        self.phrase_end = datafile.pattern(data.reading.phrase_end, FILE, "reading.phrase_end")
        self.gives_histology = datafile.pattern(data.reading.gives_histology, FILE, "reading.gives_histology")

    def in_words(self, words: str) -> tuple[str, ...]:
        """The groups these words name, the narrowest only ("leiomyosarcoma", not sarcoma too)."""
        if not self.any.search(words):
            return ()
        found = [key for key, p in self.patterns.items() if p.search(words)]
        return tuple(k for k in found if not any(k != o and o in self.under[k] for o in found))


@lru_cache(maxsize=1)
def histology() -> Histology:
    return Histology(datafile.load(HistologyData, FILE))


def named_at(text: str, start: int, end: int, floor: int = 0) -> tuple[str, ...]:
    """The histology a condition named at [start, end) of a text is said to have: in its name, in the words
    right before it in its phrase ("invasive ductal carcinoma of the breast"; never before `floor`, the end
    of the condition named before it), in words after it that say they give one ("lung cancer of squamous
    histology"), or first in a bracket after it ("lung cancer (adenocarcinoma, EGFR exon 19)")."""
    lo, hi = _around(text, start, end, floor)
    words = text[lo:end] + (" " + text[end:hi] if hi > end else "")
    return histology().in_words(words)


def spans_at(text: str, start: int, end: int, floor: int = 0) -> list[tuple[int, int]]:
    """Where the words that give the condition at [start, end) its histology stand outside its name
    ("Non-squamous" of "Non-squamous NSCLC", "of squamous histology"): read, they leave nothing unread."""
    lo, hi = _around(text, start, end, floor)
    out = [m.span() for p in histology().patterns.values() for m in p.finditer(text, lo, start)]
    if hi > end:
        out += [m.span() for p in histology().patterns.values() for m in p.finditer(text, end, hi)]
        out += [m.span() for m in histology().gives_histology.finditer(text, end, hi)]
    return sorted(out)


def _around(text: str, start: int, end: int, floor: int = 0) -> tuple[int, int]:
    """The stretch around a condition's name its histology is looked for in: back to the start of its
    phrase (and no further than `floor`), and on to the end of it when the words after the name say they
    give a histology, or to the end of a bracket's first item that names one (else `end`)."""
    groups = histology()
    lo = max(0, floor, start - _BEFORE)
    cut = [m.end() for m in groups.phrase_end.finditer(text, lo, start)]
    lo = cut[-1] if cut else lo
    bracket = _BRACKET.match(text, end)
    if bracket and any(p.match(bracket.group(1)) for p in groups.patterns.values()):
        return lo, bracket.end()  # "(adenocarcinoma, EGFR+)"; not "(other than GBM)"
    stop = groups.phrase_end.search(text, end, min(len(text), end + _AFTER))
    hi = stop.start() if stop else min(len(text), end + _AFTER)
    return lo, (hi if groups.gives_histology.search(text, end, hi) else end)


def is_the_name(words: str) -> bool:
    """Whether a condition's name is only a histology ICD-10-CM gives a code of its own ("melanoma", C43):
    a denial of it denies that code, unlike "small cell lung cancer" or "NSCLC" (C34, of any histology)."""
    groups = histology()
    rest = words
    for p in groups.patterns.values():
        rest = p.sub(" ", rest)
    found = groups.in_words(words)
    return bool(found) and all(g in groups.own_code for g in found) and not rest.strip(" -")


def fits(asked: Sequence[str], stated: Sequence[str]) -> bool | None:
    """Whether a case whose text names the histology `stated` is one of a criterion's histology `asked`:
    True when each asked group is stated or a kind of it is; False when a stated one is another histology
    (neither a kind of the asked one nor the group it is a kind of); None when the text does not tell
    (it names none, or only a wider group: "NSCLC" for an adenocarcinoma)."""
    if not asked:
        return True
    under = histology().under
    verdicts: list[bool | None] = []
    for a in asked:
        if any(s == a or s in under.get(a, ()) for s in stated):
            verdicts.append(True)
        elif any(a not in under.get(s, ()) for s in stated):
            verdicts.append(False)
        else:
            verdicts.append(None)
    if False in verdicts:
        return False
    return True if all(verdicts) else None


def fits_any(alternatives: Sequence[str], stated: Sequence[str]) -> bool | None:
    """`fits` for a criterion that names several histologies as alternatives ("adenocarcinoma or squamous
    cell carcinoma of the esophagus"): one that fits is enough."""
    if not alternatives:
        return True
    verdicts = [fits((a,), stated) for a in alternatives]
    return True if True in verdicts else None if None in verdicts else False


def words_of(groups: Sequence[str]) -> str:
    """The groups in words, for reasons ("small cell", "non squamous")."""
    return " or ".join(g.replace("_", " ") for g in groups)
