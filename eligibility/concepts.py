"""Concepts (conditions, infections, states) from `eligibility/data/concepts.toml`.

A concept is named by its patterns (our words) and, when it lists ICD-10-CM codes or ranges, by any
condition coded under them (`trialscreen.vocab.conditions`): "glioblastoma" names cancer because it is C71,
inside C00-C96.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from trialscreen.errors import TrialscreenError
from trialscreen.vocab import conditions as icd

FILE = "eligibility/data/concepts.toml"


@dataclass(frozen=True)
class Concept:
    key: str
    patterns: tuple[re.Pattern[str], ...]
    question: str
    icd10cm: tuple[str, ...] = ()  # ICD-10-CM codes, blocks or category ranges the concept covers
    choice: str = ""  # how a checklist names it ("shingles (herpes zoster)"); '' : asked on its own

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the text names the concept: by a pattern, or by a condition coded under `icd10cm`."""
        found = [(m.start(), m.end()) for m in self.joined.finditer(text) if icd.names_the_condition(text, m.end())]
        if self.icd10cm:
            found += [(m.start, m.end) for m in _mentions(text) if _under(m.codes, self.icd10cm)]
        return sorted(set(found))

    @property
    def joined(self) -> re.Pattern[str]:
        one: re.Pattern[str] | None = getattr(self, "_one", None)
        if one is None:
            one = re.compile("|".join(f"(?:{p.pattern})" for p in self.patterns), re.IGNORECASE)
            object.__setattr__(self, "_one", one)
        return one


@lru_cache(maxsize=512)
def _mentions(text: str) -> tuple[icd.ConditionMention, ...]:
    return tuple(icd.conditions_in(text))


@lru_cache(maxsize=65536)
def _under(codes: tuple[str, ...], refs: tuple[str, ...]) -> bool:
    return any(icd.is_a(code, ref) for code in codes for ref in refs)


def load_concepts(text: str) -> tuple[Concept, ...]:
    """The concepts of a concepts.toml text; one clear error naming the concept when an entry is wrong."""
    raw = tomllib.loads(text)
    out = []
    for n, c in enumerate(raw.get("concept", []), start=1):
        name = c.get("key") or f"concept #{n}"
        if not isinstance(c.get("key"), str) or not c.get("patterns") or not isinstance(c.get("question"), str):
            raise TrialscreenError(f"{FILE}: {name} needs key, patterns (a list) and question")
        refs = c.get("icd10cm", [])
        bad = [r for r in refs if not isinstance(r, str) or not icd.valid_reference(r)]
        if not isinstance(refs, list) or bad:
            raise TrialscreenError(
                f"{FILE}: {name}: icd10cm must list ICD-10-CM codes (C50, I82.40) or category ranges (C00-C96); "
                f"not {bad or refs!r}"
            )
        try:
            patterns = tuple(re.compile(p, re.IGNORECASE) for p in c["patterns"])
        except re.error as err:
            raise TrialscreenError(f"{FILE}: {name}: a pattern is not a valid regular expression ({err})") from err
        choice = c.get("choice", "")
        if not isinstance(choice, str) or "{" in choice:
            raise TrialscreenError(f"{FILE}: {name}: choice must be plain words naming the condition, not {choice!r}")
        out.append(Concept(c["key"], patterns, c["question"], tuple(refs), choice))
    return tuple(out)


@lru_cache(maxsize=1)
def concepts() -> tuple[Concept, ...]:
    return load_concepts(resources.files("eligibility").joinpath("data/concepts.toml").read_text("utf-8"))


def concept(key: str) -> Concept | None:
    return next((c for c in concepts() if c.key == key), None)


def concepts_in(text: str) -> list[tuple[Concept, int, int]]:
    """Concepts named in a text, with the first place each is named, in text order."""
    found = []
    for c in concepts():
        spans = c.spans(text)
        if spans:
            start, end = min(spans)
            found.append((c, start, end))
    return sorted(found, key=lambda x: x[1])
