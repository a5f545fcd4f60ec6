"""When things happened, as patients write it: '3 months ago', 'in 2019', 'last week', 'since 2018'."""

from __future__ import annotations

import re
from datetime import date

from eligibility.timewords import NUM, UNIT, number, to_months

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ]
    )
}
_MONTHS.update({k[:3]: v for k, v in list(_MONTHS.items())})

_AGO = re.compile(NUM + r"\s*-?\s*(days?|weeks?|wks?|months?|mos?|years?|yrs?)\s+(ago|back|before|prior\b)", re.I)
_LAST = re.compile(r"\b(last|past|this)\s+(week|month|year|summer|winter|spring|fall|autumn)\b", re.I)
_YESTERDAY = re.compile(r"\b(yesterday|today|this morning|a few days ago|few days ago)\b", re.I)
_MONTH_YEAR = re.compile(r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?\s+(19|20)(\d\d)\b", re.I)
_ISO = re.compile(r"\b(19|20)(\d\d)-(\d{1,2})(?:-(\d{1,2}))?\b")
_YEAR = re.compile(r"\b(?:in|since|from|during|around|back in)\s+(19|20)(\d\d)\b", re.I)
_BARE_YEAR = re.compile(r"\b(19|20)(\d\d)\b")
# a year in two digits as clinicians write it ("Dx in 03", "since '98"): with an apostrophe or a leading zero,
# and no unit after it ("in 03 weeks" is no year)
_SHORT_YEAR = re.compile(
    r"\b(?:in|since)\s+(?:['’](\d\d)|(0\d))\b(?![.,/:]?\d)(?!\s*(?:%|[a-z]*\s*(?:mg|mcg|ml|kg|cm|mm|units?|"
    r"hours?|hrs?|minutes?|mins?|times?|cycles?|doses?|" + UNIT[1:-1] + r")\b))",
    re.I,
)
_FOR = re.compile(r"\bfor\s+(?:the\s+)?(?:past|last)?\s*" + NUM + r"\s*(days?|weeks?|months?|years?|yrs?)\b", re.I)
_AT_AGE = re.compile(r"\bat (?:the )?age (?:of )?(\d{1,3})\b", re.I)
# "in March", "last dose in Oct.": a month without a year is its latest one ("May" only capitalised: "may" is a verb)
_MONTH_ONLY = re.compile(
    r"\b(?:in|since|during|last|on|from|early|late|mid)[- ]+(?:(?i:"
    + "|".join(m for m in sorted(_MONTHS, key=len, reverse=True) if m != "may")
    + r")|May)\b\.?(?!\s*,?\s*(?:\d|of (?:19|20)\d\d))"
)
_RECENT = re.compile(r"\b(recently|just (started|finished|had)|newly)\b", re.I)


def months_between(then: date, today: date) -> float:
    return round((today.year - then.year) * 12 + (today.month - then.month) + (today.day - then.day) / 30.44, 2)


def months_ago(text: str, today: date, age: float | None = None) -> float | None:
    """How long ago the text says something happened (months), or None when it does not say. With the
    person's `age`, "at age 26" is a time too."""
    m = _AGO.search(text)
    if m:
        return round(to_months(number(m.group(1)), m.group(2)), 2)
    m = _YESTERDAY.search(text)
    if m:
        return 0.1 if "few" in m.group(1).lower() else 0.03
    m = _LAST.search(text)
    if m:
        unit = m.group(2).lower()
        if m.group(1).lower() == "this":
            return 0.0
        return {"week": 0.25, "month": 1.0, "year": 12.0}.get(unit, 9.0)
    m = _ISO.search(text)
    if m:
        year = int(m.group(1) + m.group(2))
        month = max(1, min(12, int(m.group(3))))
        day = int(m.group(4)) if m.group(4) else 15
        return max(0.0, months_between(date(year, month, min(day, 28)), today))
    m = _MONTH_YEAR.search(text)
    if m:
        year = int(m.group(2) + m.group(3))
        return max(0.0, months_between(date(year, _MONTHS[m.group(1).lower()[:3]], 15), today))
    m = _YEAR.search(text)
    if m:
        year = int(m.group(1) + m.group(2))
        if year == today.year:
            return max(0.0, round((today.month - 1) / 2, 2))
        return max(0.0, months_between(date(year, 7, 1), today))
    m = _SHORT_YEAR.search(text)
    if m:
        short = int(m.group(1) or m.group(2))
        year = 2000 + short if 2000 + short <= today.year else 1900 + short
        return max(0.0, months_between(date(year, 7, 1), today))
    m = _MONTH_ONLY.search(text)
    if m:
        month = next(v for k, v in _MONTHS.items() if re.search(rf"\b{k}", m.group(0), re.I))
        year = today.year if month <= today.month else today.year - 1
        return max(0.0, months_between(date(year, month, 15), today))
    m = _AT_AGE.search(text)
    if m and age is not None and 0 <= int(m.group(1)) <= age:
        return round((age - int(m.group(1))) * 12.0, 2)
    m = _RECENT.search(text)
    if m:
        return 1.0
    return None


_FOR_ONE = re.compile(r"\bfor\s+(?:the\s+)?(?:past|last)\s+(day|week|month|year)\b", re.I)


def duration_months(text: str) -> float | None:
    """'for 6 months', 'for the past 2 years', 'for the past year' -> months."""
    m = _FOR.search(text)
    if m:
        return round(to_months(number(m.group(1)), m.group(2)), 2)
    m = _FOR_ONE.search(text)
    if m:
        return to_months(1, m.group(1))
    return None


def bare_year(text: str) -> int | None:
    m = _BARE_YEAR.search(text)
    return int(m.group(1) + m.group(2)) if m else None
