"""Durations and look-back windows as trial texts and patients write them, in months."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from eligibility.context import sentence_end
from eligibility.cues import cue

WEEKS_PER_MONTH = 4.345  # 365.25 / 12 / 7

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
    "week": 1 / WEEKS_PER_MONTH,
    "month": 1.0,
    "year": 12.0,
    "yr": 12.0,
    "wk": 1 / WEEKS_PER_MONTH,
    "mo": 1.0,
}

NUM = r"(\d+(?:\.\d+)?|" + "|".join(sorted((re.escape(w) for w in NUMBER_WORDS), key=len, reverse=True)) + ")"
UNIT = r"(days?|weeks?|wks?|months?|mos?|years?|yrs?)"
_SPAN = r"(?P<num>" + NUM[1:-1] + r")(?:\s*\(\s*\d+\s*\))?\s*-?\s*"  # "six (6) months", "6-month"
# What a denial with only 'recent' covers (the cue words are in eligibility/data/cues.toml).
RECENT_MONTHS = 1.0


@lru_cache(maxsize=1)
def _windows() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The two forms of a look-back window, from the cue words: a window word before the number
    ("within the preceding 3 months", "during the 12 previous months") and one after it ("6 months
    prior to screening")."""
    lead, back, trail = (cue("time", name).pattern for name in ("window_lead", "window_back", "window_trail"))
    before = re.compile(f"(?:{lead}){_SPAN}(?:{back}\\s+)?(?P<unit>{UNIT[1:-1]})\\b", re.IGNORECASE)
    after = re.compile(f"{_SPAN}(?P<unit>{UNIT[1:-1]})(?:{trail})", re.IGNORECASE)
    return before, after


def number(word: str) -> float:
    word = word.lower().strip()
    if word in NUMBER_WORDS:
        return float(NUMBER_WORDS[word])
    return float(word)


def to_months(value: float, unit: str) -> float:
    unit = unit.lower().rstrip("s")
    return value * UNIT_MONTHS.get(unit, UNIT_MONTHS.get(unit[:2], 1.0))


@lru_cache(maxsize=1)
def _lasting() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """How long a condition lasts, from the cue words: a criterion's minimum, a note's "N days of X"
    (ending where the name starts) and "X ... for N days"."""
    names = ("lasting_least", "lasting_of", "lasting_for", "lasting_not_after")
    least, of, lead, gap = (cue("time", name).pattern for name in names)
    unit = f"(?P<unit>{UNIT[1:-1]})"
    # "at least 2 weeks prior to screening" is a gap before a date, not how long something lasted
    minimum = re.compile(f"(?:{least}){_SPAN}{unit}\\b(?!{gap})", re.IGNORECASE)
    before = re.compile(f"\\b{_SPAN}{unit}{of}", re.IGNORECASE)
    after = re.compile(f"(?:{lead}){_SPAN}{unit}\\b(?!{gap})", re.IGNORECASE)
    return minimum, before, after


def minimum_lasting(text: str) -> tuple[float, bool, tuple[int, int]] | None:
    """The least time a criterion asks a condition to have lasted ("fever more than one week": a week,
    exclusive), in months, with the span that says it; None when it asks none."""
    m = _lasting()[0].search(text)
    if m is None:
        return None
    exclusive = cue("time", "lasting_exclusive").search(" ".join(m.group("op").lower().split())) is not None
    return round(to_months(number(m.group("num")), m.group("unit")), 3), exclusive, m.span()


def lasted(text: str, start: int, end: int, names: Sequence[tuple[int, int]] = ()) -> float | None:
    """How long the condition named at text[start:end] has lasted, in months, as its sentence says:
    "four days of cough", "cough for 2 days"; None when it does not say. `names`: where the text names
    other conditions, which may stand between ("vomiting, loss of appetite and fever for 3 days")."""
    for a, b in names:
        if end <= a and b <= len(text):
            text = text[:a] + " " * (b - a) + text[b:]
    m = _lasting()[1].search(text, max(0, start - 80), start)
    if m and not cue("time", "lasting_break").search(m.group("words")):
        return round(to_months(number(m.group("num")), m.group("unit")), 3)
    stop = sentence_end(text, end)
    m = _lasting()[2].search(text, end, stop)
    if m and not cue("time", "lasting_break").search(text, end, m.start()):
        return round(to_months(number(m.group("num")), m.group("unit")), 3)
    return None


def window_match(text: str) -> tuple[float, tuple[int, int]] | None:
    """The look-back window a criterion states, in months, with the span of the words that state it.
    "At least 4 weeks prior to screening" states a gap, not a window: it is not read as one."""
    before, after = _windows()
    m = before.search(text)
    if m is None:
        gap = cue("time", "window_gap")
        m = next((a for a in after.finditer(text) if not gap.search(text, 0, a.start())), None)
    if m:
        return round(to_months(number(m.group("num")), m.group("unit")), 3), m.span()
    one = cue("time", "window_one").search(text)
    if one:
        return round(to_months(1.0, one.group(1)), 3), one.span()
    return None


def window_months(text: str) -> float | None:
    """The look-back window a criterion states ('within 6 months', 'in the past 5 years')."""
    found = window_match(text)
    return None if found is None else found[0]


def denial_window(text: str) -> float | None:
    """The stretch of time a denial covers, in months ('no infections in the past year': 12;
    'not currently': 0; 'no recent flares': a month); None when it names none, i.e. ever."""
    window = window_months(text)
    if window is not None:
        return window
    if cue("time", "now").search(text) or cue("time", "state_now").search(text):
        return 0.0  # "not currently", "no active cancer"
    if cue("time", "recent").search(text):
        return RECENT_MONTHS
    return None


def window_words(within_months: float | None) -> str:
    """' in the last 3 years' (with a leading space, to follow a noun); '' for no window."""
    if within_months is None:
        return ""
    if within_months <= 0:
        return " at the moment"
    if within_months < 1:
        return f" in the last {round(within_months * WEEKS_PER_MONTH)} weeks"
    years = within_months / 12
    if within_months >= 11.9 and abs(years - round(years)) < 0.01:
        n = round(years)
        return " in the last year" if n == 1 else f" in the last {n} years"
    months = round(within_months, 1)
    return " in the last month" if months == 1 else f" in the last {months:g} months"


def period_words(months: float | None) -> str:
    """The stretch of time a statement or question covers: 'the last 3 years', 'the moment', 'any time'."""
    words = window_words(months).strip()
    return words.removeprefix("in ").removeprefix("at ") if words else "any time"


def when_phrase(months: float | None) -> str:
    """How a question names its window: 'in the last 3 years', 'at the moment', 'at any time'."""
    return window_words(months).strip() or "at any time"


def duration_words(months: float) -> str:
    """How long, in words: '21 days', '8 weeks', '3 months', '2 years'."""
    if months >= 11.9 and abs(months / 12 - round(months / 12)) < 0.01:
        years = round(months / 12)
        return "1 year" if years == 1 else f"{years} years"
    weeks = months * WEEKS_PER_MONTH
    whole_months = abs(months - round(months)) < 0.05
    if not whole_months and months < 6 and abs(weeks - round(weeks)) < 0.05 and round(weeks) >= 1:
        return "1 week" if round(weeks) == 1 else f"{round(weeks)} weeks"
    if months < 1:
        days = round(months * 30.4375)
        return "1 day" if days == 1 else f"{days} days"
    value = round(months, 1)
    return "1 month" if value == 1 else f"{value:g} months"
