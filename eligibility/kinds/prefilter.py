"""A cheap first look before a regular expression: the literal words any match must contain.

`needed(pattern)` reads a compiled pattern's syntax tree and returns a set of lower-case strings such
that every match contains at least one of them (or None when it cannot say). `Prefilter` keeps that set
per pattern, so a search runs only on texts that contain one of its words: a substring test is far
cheaper than a regular-expression scan, and most criteria name few of the many terms a vocabulary holds.
"""

from __future__ import annotations

import re
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser as P  # type: ignore[attr-defined]
from typing import Any

MIN_WORD = 3  # shorter words are in nearly every text: no use as a first look

Words = frozenset[str] | None


def _best(candidates: list[frozenset[str]]) -> Words:
    good = [c for c in candidates if c and min(map(len, c)) >= MIN_WORD]
    if not good:
        return None
    return max(good, key=lambda c: (min(map(len, c)), -len(c)))


def _sequence(items: Any) -> Words:
    candidates: list[frozenset[str]] = []
    run = ""
    for op, av in items:
        if op is C.LITERAL:
            run += chr(av).lower()
            continue
        if run:
            candidates.append(frozenset({run}))
            run = ""
        if op is C.SUBPATTERN:
            inner = _sequence(av[-1])
            if inner:
                candidates.append(inner)
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
            low, _, sub = av
            if low >= 1:
                inner = _sequence(sub)
                if inner:
                    candidates.append(inner)
        elif op is C.BRANCH:
            words: set[str] = set()
            for branch in av[1]:
                inner = _sequence(branch)
                if inner is None:
                    words = set()
                    break
                words |= inner
            if words:
                candidates.append(frozenset(words))
        elif op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            continue  # zero width: neither needed nor breaking (a run across it stays a run? no: reset)
    if run:
        candidates.append(frozenset({run}))
    return _best(candidates)


def needed(pattern: re.Pattern[str]) -> Words:
    """Lower-case strings one of which every match contains; None when the pattern gives none."""
    if not pattern.flags & re.IGNORECASE:
        return None  # case matters: lower-casing would not be faithful
    try:
        tree = P.parse(pattern.pattern, pattern.flags)
    except Exception:
        return None
    return _sequence(tree)


def may_match(words: Words, low_text: str) -> bool:
    return words is None or any(w in low_text for w in words)
