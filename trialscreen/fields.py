"""Normalising structured field values as registries write them (status, phase, ages, sex, counts)."""

from __future__ import annotations

import calendar
import re
from datetime import date

_STATUS = {
    "recruiting": "recruiting",
    "not yet recruiting": "not_yet_recruiting",
    "active, not recruiting": "active_not_recruiting",
    "active not recruiting": "active_not_recruiting",
    "enrolling by invitation": "enrolling_by_invitation",
    "completed": "completed",
    "terminated": "terminated",
    "withdrawn": "withdrawn",
    "suspended": "suspended",
    "unknown": "unknown",
    "unknown status": "unknown",
}


def normalize_status(raw: str | None) -> str | None:
    if not raw:
        return None
    key = raw.strip().lower().replace("_", " ")
    return _STATUS.get(key)


_PHASE = re.compile(r"^(early\s*)?phase\s*([1-4])(?:\s*/\s*phase\s*([1-4]))?$", re.IGNORECASE)


def normalize_phase(raw: str | list[str] | None) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, list):
        parts = [p for p in (normalize_phase(x) for x in raw) if p]
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        return "/".join(parts)
    key = raw.strip().replace("_", " ")
    if key.upper() in ("NA", "N/A", "NOT APPLICABLE"):
        return "Not applicable"
    m = _PHASE.match(key.replace("PHASE", "Phase ").replace("  ", " "))
    if not m:
        return None
    early = "Early " if m.group(1) else ""
    phase = f"{early}Phase {m.group(2)}"
    return f"{phase}/Phase {m.group(3)}" if m.group(3) else phase


def normalize_sex(raw: str | None) -> str | None:
    if not raw:
        return None
    key = raw.strip().lower()
    if key in ("all", "both", "male and female", "male or female"):
        return "all"
    if key in ("female", "females", "women", "female only"):
        return "female"
    if key in ("male", "males", "men", "male only"):
        return "male"
    return None


def parse_count(raw: str | int | None) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, int):
        return raw
    m = re.search(r"\d[\d,]*", raw)
    return int(m.group(0).replace(",", "")) if m else None


def parse_age_value(raw: str | None) -> int | None:
    """'18 Years' -> 18; months and weeks become whole years; 'N/A' -> None."""
    if not raw:
        return None
    m = re.match(r"\s*(\d+(?:\.\d+)?)\s*(year|yr|month|week|day)?", raw, re.IGNORECASE)
    if not m:
        return None
    value = float(m.group(1))
    unit = (m.group(2) or "year").lower()
    factor = {"year": 1.0, "yr": 1.0, "month": 1 / 12, "week": 1 / 52, "day": 1 / 365}[unit]
    return int(value * factor)


_RANGE = re.compile(r"(\d{1,3})\s*(?:-|–|to)\s*(\d{1,3})\s*(?:years?|yrs?|y\b)", re.IGNORECASE)
_MIN = re.compile(
    r"(?:>=?|≥|more than|older than|over|at least|aged?\s*(?:>=?|≥)|minimum(?: age)?(?: of)?)\s*(\d{1,3})"
    r"\s*(?:years?|yrs?)",
    re.IGNORECASE,
)
_MAX = re.compile(
    r"(?:<=?|≤|under|younger than|less than|up to|no older than|maximum(?: age)?(?: of)?)\s*(\d{1,3})"
    r"\s*(?:years?|yrs?)",
    re.IGNORECASE,
)
_AGE_WORDS = re.compile(r"\bage[ds]?\b|years of age|years old|\byears\b", re.IGNORECASE)


def age_limits(text: str) -> tuple[int | None, int | None]:
    """Age limits a line of trial text states: '18 to 75 years', '>18 years of age', 'aged more than 18'."""
    if not _AGE_WORDS.search(text):
        return None, None
    m = _RANGE.search(text)
    if m:
        return int(m.group(1)), int(m.group(2))
    low = _MIN.search(text)
    high = _MAX.search(text)
    return (int(low.group(1)) if low else None), (int(high.group(1)) if high else None)


def parse_volunteers(raw: str | bool | None) -> bool | None:
    """Whether a record accepts healthy volunteers: 'No', 'No Healthy Volunteers', 'Accepts Healthy
    Volunteers', true/false (CT.gov API v2). None when it does not say."""
    if isinstance(raw, bool):
        return raw
    if not raw:
        return None
    key = raw.strip().lower()
    if re.match(r"^(no|false|not accepted|does not accept)\b", key) or key.startswith("no healthy"):
        return False
    if re.match(r"^(yes|true|accepts)\b", key):
        return True
    return None


_MONTH_NAMES = {
    name: i + 1
    for i, name in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])
}


def parse_date_value(raw: str | None) -> date | None:
    """A registry date: '2023-06-01', '2021-12' (end of that month), 'Dec 31, 2024', 'December 2024'.
    A date given only to the month counts as the month's last day, so it is never 'past' too early."""
    if not raw:
        return None
    text = raw.strip()
    m = re.match(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$", text)
    if m:
        year, month, day = int(m.group(1)), int(m.group(2)), m.group(3)
    else:
        m = re.match(r"^([A-Za-z]{3})[a-z]*\.?\s+(?:(\d{1,2}),?\s+)?(\d{4})$", text)
        if not m or m.group(1).lower() not in _MONTH_NAMES:
            return None
        year, month, day = int(m.group(3)), _MONTH_NAMES[m.group(1).lower()], m.group(2)
    if not 1 <= month <= 12:
        return None
    try:
        if day is None:
            return date(year, month, calendar.monthrange(year, month)[1])
        return date(year, month, int(day))
    except ValueError:
        return None
