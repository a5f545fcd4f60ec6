"""Concepts (conditions, infections, states) from `eligibility/data/concepts.toml`."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Concept:
    key: str
    patterns: tuple[re.Pattern[str], ...]
    question: str

    def spans(self, text: str) -> list[tuple[int, int]]:
        return [(m.start(), m.end()) for m in self.joined.finditer(text)]

    @property
    def joined(self) -> re.Pattern[str]:
        one: re.Pattern[str] | None = getattr(self, "_one", None)
        if one is None:
            one = re.compile("|".join(f"(?:{p.pattern})" for p in self.patterns), re.IGNORECASE)
            object.__setattr__(self, "_one", one)
        return one


@lru_cache(maxsize=1)
def concepts() -> tuple[Concept, ...]:
    raw = tomllib.loads(resources.files("eligibility").joinpath("data/concepts.toml").read_text("utf-8"))
    return tuple(
        Concept(c["key"], tuple(re.compile(p, re.IGNORECASE) for p in c["patterns"]), c["question"])
        for c in raw["concept"]
    )


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
