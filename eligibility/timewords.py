"""Durations and look-back windows as trial texts and patients write them, in months."""

from __future__ import annotations

import re

NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "eighteen": 18,
    "twenty": 20,
    "thirty": 30,
    "a couple of": 2,
    "couple of": 2,
    "a couple": 2,
    "a few": 3,
    "few": 3,
    "several": 3,
    "half a": 0.5,
}
UNIT_MONTHS = {
    "day": 1 / 30.44,
    "week": 1 / 4.345,
    "month": 1.0,
    "year": 12.0,
    "yr": 12.0,
    "wk": 1 / 4.345,
    "mo": 1.0,
}

NUM = r"(\d+(?:\.\d+)?|" + "|".join(sorted((re.escape(w) for w in NUMBER_WORDS), key=len, reverse=True)) + ")"
UNIT = r"(days?|weeks?|wks?|months?|mos?|years?|yrs?)"
_WINDOW = re.compile(
    r"(within|in|over|during|for less than|less than|in the|within the)\s+(?:the\s+)?"
    r"(?:last|past|previous|prior)?\s*" + NUM + r"\s*-?\s*" + UNIT + r"\b",
    re.IGNORECASE,
)
_WINDOW_AFTER = re.compile(NUM + r"\s*-?\s*" + UNIT + r"\s+(before|prior)", re.IGNORECASE)


def number(word: str) -> float:
    word = word.lower().strip()
    if word in NUMBER_WORDS:
        return float(NUMBER_WORDS[word])
    return float(word)


def to_months(value: float, unit: str) -> float:
    unit = unit.lower().rstrip("s")
    return value * UNIT_MONTHS.get(unit, UNIT_MONTHS.get(unit[:2], 1.0))


def window_months(text: str) -> float | None:
    """The look-back window a criterion states ('within 6 months', 'in the past 5 years')."""
    m = _WINDOW.search(text)
    if m:
        return round(to_months(number(m.group(2)), m.group(3)), 3)
    m = _WINDOW_AFTER.search(text)
    if m:
        return round(to_months(number(m.group(1)), m.group(2)), 3)
    return None
