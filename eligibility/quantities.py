"""The numbers, comparisons and time spans a criterion states, and which of them a rule leaves unused.

"Nothing is dropped silently": every quantity in a criterion's text must be used by its rule. A
quantity is a number with the comparison before it and the unit or time unit after it ("more than 20
mg/day", "within 6 months", "≥ 1:80"). Numbers that are part of a name (the ACR 1997 criteria, Day 1,
COVID-19, ×10⁹/L) are not quantities. The patterns live in `eligibility/data/quantities.toml`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from eligibility.timewords import NUMBER_WORDS
from trialscreen import datafile

FILE = "eligibility/data/quantities.toml"
_DIGIT = re.compile(r"\d")
_KEYS = ("comparator", "number", "word_number", "time_unit", "unit")
# A stated number may be kept by the rule in another unit: days, weeks and years become months; g/L
# becomes g/dL; µmol/L creatinine becomes mg/dL. A rule value equal to the number times one of these
# counts as using it.
_DAYS_PER_MONTH = 30.4375
_TIME_FACTORS = (
    *(12.0, 1 / 12, 52.18, 1 / 52.18, 365.25, 1 / 365.25),  # years <-> months, weeks, days
    *(
        _DAYS_PER_MONTH,
        1 / _DAYS_PER_MONTH,
        7 / _DAYS_PER_MONTH,
        _DAYS_PER_MONTH / 7,
        7.0,
        1 / 7,
    ),  # months, weeks, days
)
_FACTORS = (
    1.0,
    *(10.0, 0.1, 1000.0, 0.001, 88.4, 1 / 88.4),  # g/L <-> g/dL, mg <-> g, creatinine umol/L <-> mg/dL
    *(0.45359237, 1 / 0.45359237),  # pounds <-> kg
)


@dataclass(frozen=True)
class Quantity:
    start: int  # the span of the whole quantity in the text: comparison, number, unit
    end: int
    value: float
    text: str
    timed: bool  # followed by a time unit


@dataclass(frozen=True)
class _Grammar:
    comparator: re.Pattern[str]
    number: re.Pattern[str]
    word_number: re.Pattern[str]
    time_unit: re.Pattern[str]
    unit: re.Pattern[str]
    names: re.Pattern[str]


def load_grammar(text: str) -> _Grammar:
    """The quantity grammar from TOML text; one clear error naming the key when one is missing or broken."""
    raw = datafile.toml(text, FILE)
    section = raw.get("quantity", {})
    compiled = {key: datafile.pattern(section.get(key), FILE, f"[quantity] {key}") for key in _KEYS}
    names = datafile.patterns(raw.get("names", {}).get("patterns"), FILE, "[names] patterns")
    return _Grammar(names=datafile.joined(names, FILE, "[names] patterns"), **compiled)


@lru_cache(maxsize=1)
def grammar() -> _Grammar:
    return load_grammar(datafile.package_text("eligibility", "data/quantities.toml"))


def _value(token: str) -> float:
    low = token.lower()
    if low in NUMBER_WORDS:
        return float(NUMBER_WORDS[low])
    decimal_comma = token.count(",") == 1 and len(token.split(",")[1]) != 3  # "1,5" but not "50,000"
    return float(token.replace(",", ".") if decimal_comma else token.replace(",", ""))


def quantities(text: str) -> list[Quantity]:
    """Every quantity the text states, in order; numbers inside names are left out."""
    g = grammar()
    if not _DIGIT.search(text) and not g.word_number.search(text):
        return []
    tokens = [*g.number.finditer(text), *g.word_number.finditer(text)]
    named = _named(g.names, text, [m.span() for m in tokens])
    out: list[Quantity] = []
    for m in sorted(tokens, key=lambda m: m.start()):
        s, e = m.span()
        if any(a <= s and e <= b for a, b in named):
            continue
        start, end = s, e
        before = g.comparator.search(text[max(0, s - 40) : s])
        if before:
            start = max(0, s - 40) + before.start()
        after = text[e : e + 20]
        timed = g.time_unit.match(after)
        unit = timed or g.unit.match(after)
        if unit:
            end = e + unit.end()
        try:
            value = _value(m.group(0))
        except ValueError:
            continue
        out.append(Quantity(start, end, value, text[start:end].strip(), bool(timed)))
    return out


_REACH = 80  # how far from a number a name holding it can start or end


def _named(names: re.Pattern[str], text: str, numbers: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans of names (searched only near the numbers: a long criterion has few of them)."""
    windows: list[list[int]] = []
    for s, e in sorted(numbers):
        a, b = max(0, s - _REACH), min(len(text), e + _REACH)
        if windows and a <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], b)
        else:
            windows.append([a, b])
    return [m.span() for a, b in windows for m in names.finditer(text, a, b)]


def numbers_of(data: Any) -> set[float]:
    """Every number a rule keeps (walks its stored form)."""
    out: set[float] = set()
    if isinstance(data, bool) or data is None:
        return out
    if isinstance(data, int | float):
        out.add(float(data))
    elif isinstance(data, dict):
        for v in data.values():
            out |= numbers_of(v)
    elif isinstance(data, list | tuple):
        for v in data:
            out |= numbers_of(v)
    return out


def _matches(value: float, kept: Iterable[float], timed: bool = True) -> bool:
    """Whether a rule keeps this number, in any unit it may have converted it to: a time unit only for a
    quantity that has one ("1.5 x ULN" is no 45 days)."""
    factors = (*_FACTORS, *_TIME_FACTORS) if timed else _FACTORS
    for k in kept:
        for f in factors:
            if math.isclose(value * f, k, rel_tol=0.02, abs_tol=1e-6):
                return True
    return False


def unused_quantities(text: str, kept: set[float], used_spans: Iterable[tuple[int, int]] = ()) -> list[Quantity]:
    """The quantities of `text` the rule does not use: not inside a span the rule's recognisers used,
    and not equal (in any unit the rule may have converted to) to a number the rule keeps."""
    spans = list(used_spans)
    return [
        q
        for q in quantities(text)
        if not any(a < q.end and q.start < b for a, b in spans) and not _matches(q.value, kept, q.timed)
    ]


def unused(text: str, kept: set[float], used_spans: Iterable[tuple[int, int]] = ()) -> list[str]:
    """The words of the quantities a rule leaves unused ("more than 20 mg/day")."""
    return [q.text for q in unused_quantities(text, kept, used_spans)]
