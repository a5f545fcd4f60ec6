"""What a condition named without its kind stands for: every kind of it.

ICD-10-CM files a name said without its kind under the unspecified code: "epilepsy" is G40.909 ("Epilepsy,
unspecified, not intractable, without status epilepticus"), "type 2 diabetes" E11.9 ("Type 2 diabetes mellitus
without complications"), "atrial fibrillation" I48.91 ("Unspecified atrial fibrillation"). Said in a criterion
or a note, such a name means the condition of any kind: "Epilepsy" is met by "juvenile myoclonic epilepsy", and
"denies atrial fibrillation" denies paroxysmal atrial fibrillation. The kinds are read from ICD-10-CM's own names:
the codes of the same chapter whose name contains the condition's name ("Paroxysmal atrial fibrillation",
"Alcoholic cirrhosis of liver"), not after a word that denies it ("G6PD deficiency without anemia"), not joined
to another condition ("Atrial fibrillation and flutter" is not only atrial fibrillation), and an ancestor only
when its name is exactly the condition's ("Type 2 diabetes mellitus", E11). The words that mark an unspecified
code and the qualifiers ICD takes by default are data (`[general]` in `trialscreen/data/conditions.toml`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property, lru_cache

from pydantic import BaseModel, ConfigDict, Field

from trialscreen.vocab.phrases import BRACKETED


class GeneralSettings(BaseModel):
    """`[general]` in conditions.toml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    marks: list[str] = Field(min_length=1)
    defaults: list[str] = []
    placeholders: list[str] = []
    denying: list[str] = []


def _words(words: Iterable[str]) -> str:
    return "|".join(re.escape(w.lower()) for w in sorted(words, key=len, reverse=True)) or r"(?!x)x"


def plain(name: str) -> str:
    """An ICD name lower-cased, without its bracketed words and extra spaces."""
    return " ".join(BRACKETED.sub("", name).lower().split())


class Kinds:
    """The kinds each unspecified code stands for, over one ICD-10-CM code set.

    `names` maps every code, chapter rows (digits) and blocks included, in ICD order, to its name; a
    chapter's row comes before its codes."""

    def __init__(
        self,
        names: Mapping[str, str],
        lineage: Callable[[str], tuple[str, ...]],
        settings: GeneralSettings,
        residual_starts: Iterable[str] = (),
        joiners: Iterable[str] = (),
    ) -> None:
        self._names = names
        self._lineage = lineage
        self._mark = re.compile(rf"\b(?:{_words(settings.marks)})\b")
        # "Other ..." is a residual class; "Unspecified ..." is the form this reads
        self._residual = tuple(w.lower() for w in residual_starts if not self._mark.fullmatch(w.lower()))
        defaults = _words(settings.defaults)
        self._default_piece = re.compile(rf"^(?:{defaults})\b")
        self._default_tail = re.compile(rf"\s+(?:{defaults})\b")  # the default only: "... in remission" stays
        holders = _words(settings.placeholders)
        self._placeholder = re.compile(
            rf"(?:\bof\s+)?\b(?:{_words(settings.marks)})\s+(?:{holders})\b|\b(?:{holders})\s+(?:{_words(settings.marks)})\b"
        )
        self._denied = re.compile(rf"\b(?:{_words(settings.denying)})\s+$")
        joiners = _words(joiners)
        self._joined_before = re.compile(rf"\b(?:{joiners})\s+$")
        self._joined_after = re.compile(rf"^\s+(?:{joiners})\b")
        self.members = lru_cache(maxsize=4096)(self._members)
        self._cores = lru_cache(maxsize=65536)(self._core)

    @cached_property
    def _chapter_of_row(self) -> dict[str, str]:
        """Each code's chapter, from ICD order (a chapter's row comes before its codes)."""
        out: dict[str, str] = {}
        chapter = ""
        for code in self._names:
            if code.isdigit():
                chapter = code
            elif "-" not in code:
                out[code] = chapter
        return out

    @lru_cache(maxsize=32)  # noqa: B019  (one instance per process, kept for its life)
    def _chapter(self, chapter: str) -> tuple[tuple[str, str], ...]:
        """A chapter's codes with their plain names: made when a code of it is first asked about."""
        return tuple((c, plain(self._names[c])) for c, at in self._chapter_of_row.items() if at == chapter)

    def _core(self, code: str) -> str | None:
        """The condition an unspecified code's name names, without what is left unsaid
        ("Chronic kidney disease, stage 3 unspecified": "chronic kidney disease, stage 3"), or None when
        the code is no unspecified code (or a residual class: "Other and unspecified ...")."""
        if "-" in code or code.isdigit():
            return None  # a block or a chapter is no unspecified code
        name = self._names.get(code, "")
        low = name.lower()
        if not self._mark.search(low) or low.startswith(self._residual):
            return None
        kept: list[str] = []
        for i, piece in enumerate(p.strip() for p in plain(name).split(",")):
            if i and self._default_piece.match(piece):
                break  # "without behavioral disturbance, psychotic disturbance, ...": the rest is the default's
            piece = self._placeholder.sub(" ", piece)
            piece = self._default_tail.sub(" ", piece)
            piece = " ".join(self._mark.sub(" ", piece).split())
            if piece:
                kept.append(piece)
        return ", ".join(kept) or None

    def _members(self, code: str) -> frozenset[str]:
        core = self._core(code)
        lineage = self._lineage(code)
        if core is None or not lineage:
            return frozenset()
        name = re.compile(rf"(?<![\w-]){re.escape(core)}(?![\w-])")
        out = set()
        for other, desc in self._chapter(lineage[-1]):
            if other in lineage:
                if other == code or self._bare(desc) == core:
                    out.add(other)
                continue
            m = name.search(desc) if core in desc else None  # the plain search first: most names lack it
            if m is None:
                continue
            before, after = desc[: m.start()], desc[m.end() :]
            if self._denied.search(before) or self._joined_before.search(before) or self._joined_after.match(after):
                continue
            out.add(other)
        return frozenset(out)

    def _bare(self, desc: str) -> str:
        return " ".join(self._mark.sub(" ", desc).split()).strip(" ,")

    def core(self, code: str) -> str | None:
        """The condition an unspecified code's name names (see `_core`), or None."""
        return self._cores(code)

    def is_general(self, code: str) -> bool:
        """Whether `code` is an unspecified code standing for kinds of its condition."""
        return self.core(code) is not None

    def covers(self, code: str, general: str) -> bool:
        """Whether `code` (or one of its ancestors) is a kind of the condition the unspecified code
        `general` names."""
        kinds = self.members(general)
        return bool(kinds) and any(c in kinds for c in self._lineage(code))
