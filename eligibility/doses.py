"""A medicine's dose as notes write it, in mg a day: "200 mg BID", "MMF 1g bd", "HCQ 400", "MTX 15 mg weekly".

The words are data (`eligibility/data/doses.toml`); the dosing abbreviations (BID, OD, Q2W) are the
shared ones of `trialscreen/data/abbreviations.toml`, read as their long forms. A dose whose
frequency is not written is taken once a day; one taken only as needed has no daily amount.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from eligibility.timewords import NUMBER_WORDS, UNIT_MONTHS
from trialscreen import datafile
from trialscreen.errors import TrialscreenError
from trialscreen.vocab import abbreviations as vocab_abbreviations

FILE = "eligibility/data/doses.toml"
_DAYS_PER_MONTH = 30.44
_FREQUENCIES = ("times", "every", "weekly", "monthly", "as_needed", "daily")


@dataclass(frozen=True)
class Dose:
    """One written dose: mg each time, how many times a day (None: as needed), where it ends in the text."""

    mg: float
    per_day: float | None
    end: int

    @property
    def mg_day(self) -> float | None:
        return None if self.per_day is None else round(self.mg * self.per_day, 3)


@dataclass(frozen=True)
class _Grammar:
    with_unit: re.Pattern[str]
    bare: re.Pattern[str]
    bare_end: re.Pattern[str]
    another: re.Pattern[str]
    year: re.Pattern[str]
    mass: tuple[tuple[re.Pattern[str], float], ...]
    frequency: dict[str, re.Pattern[str]]
    dosing: tuple[tuple[re.Pattern[str], str], ...]  # abbreviation -> its long form


def load_grammar(text: str) -> _Grammar:
    """The dose words of `text` (doses.toml), each checked; an error names the key to fix."""
    raw = datafile.toml(text, FILE)
    amount = datafile.table(raw, "amount", FILE)
    mass_raw = datafile.table(raw, "mass", FILE)
    mass = []
    for unit, factor in mass_raw.items():
        if not isinstance(factor, int | float) or factor <= 0:
            raise TrialscreenError(f"{FILE}: [mass] {unit!r} must be a positive factor to mg; fix the file")
        mass.append((datafile.pattern(unit, FILE, f"[mass] {unit!r}"), float(factor)))
    frequency = datafile.table(raw, "frequency", FILE)
    return _Grammar(
        with_unit=datafile.pattern(amount.get("with_unit"), FILE, "[amount] with_unit"),
        bare=datafile.pattern(amount.get("bare"), FILE, "[amount] bare"),
        bare_end=datafile.pattern(amount.get("bare_end"), FILE, "[amount] bare_end"),
        another=datafile.pattern(amount.get("another"), FILE, "[amount] another"),
        year=datafile.pattern(amount.get("year"), FILE, "[amount] year"),
        mass=tuple(mass),
        frequency={n: datafile.pattern(frequency.get(n), FILE, f"[frequency] {n}") for n in _FREQUENCIES},
        dosing=_dosing_abbreviations(datafile.table(raw, "after_dose", FILE)),
    )


def _dosing_abbreviations(after_dose: dict[str, object]) -> tuple[tuple[re.Pattern[str], str], ...]:
    """BID, OD, QHS (the shared dosing abbreviations) and the shorthand of [after_dose], as written
    after a dose (any case, with or without dots) -> their long form ('twice a day')."""
    pairs = [(a.short, a.long) for a in vocab_abbreviations.abbreviations().data.abbreviation if a.kind == "dosing"]
    for short, long in after_dose.items():
        if not isinstance(long, str) or not long:
            raise TrialscreenError(f"{FILE}: [after_dose] {short!r} must name its long form; fix the file")
        pairs.append((short.replace(".", ""), long))
    out = []
    for short, long in sorted(pairs, key=lambda p: len(p[0]), reverse=True):
        dotted = r"\.?".join(re.escape(c) for c in short) + r"\.?"
        out.append((re.compile(rf"^\W{{0,3}}{dotted}(?!\w)", re.IGNORECASE), long))
    return tuple(out)


@lru_cache(maxsize=1)
def grammar() -> _Grammar:
    return load_grammar(datafile.package_text("eligibility", "data/doses.toml"))


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _unit_days(unit: str) -> float:
    u = unit.lower().removesuffix("ly").replace("dai", "day").rstrip("s")
    if u in ("h", "hr", "hour"):
        return 1 / 24
    if u in ("d", "day"):
        return 1.0
    if u in ("w", "wk", "week"):
        return 7.0
    return UNIT_MONTHS.get(u, UNIT_MONTHS.get(u[:2], 1.0)) * _DAYS_PER_MONTH


def _count(word: str | None) -> float:
    if word is None:
        return 1.0
    w = word.lower()
    if w in ("once", "one"):
        return 1.0
    if w == "twice":
        return 2.0
    if w == "thrice":
        return 3.0
    if w in ("other", "o"):
        return 2.0
    return float(NUMBER_WORDS[w]) if w in NUMBER_WORDS else float(w)


def per_day(after: str) -> tuple[float | None, int]:
    """How many times a day the words right after a dose say (1 when they say nothing), and how many
    characters of `after` say it (0: none)."""
    g = grammar()
    text, fixed = after, 0
    for pattern, long in g.dosing:
        m = pattern.match(after)
        if m:
            text, fixed = long, m.end()  # "BID" is read as "twice a day"
            break
    f = g.frequency
    m = f["times"].match(text)
    if m:
        return _count(m.group("n")) / _unit_days(m.group("unit")), fixed or m.end()
    m = f["every"].match(text)
    if m:
        return 1 / (_count(m.group("n")) * _unit_days(m.group("unit"))), fixed or m.end()
    for name, times in (("weekly", 1 / 7), ("monthly", 1 / _DAYS_PER_MONTH)):
        m = f[name].match(text)
        if m:
            return times, fixed or m.end()
    m = f["as_needed"].match(text)
    if m:
        return None, fixed or m.end()
    m = f["daily"].match(text)
    return 1.0, fixed or (m.end() if m else 0)


def dose_after(text: str, bare: bool = False) -> Dose | None:
    """The dose at the start of `text` (the words after a drug's name, up to its next mention): a mass
    unit anywhere in its first words, or (with `bare`) a bare number right at its start."""
    g = grammar()
    m = g.with_unit.search(text[:40])
    if m is not None and not g.another.search(text[: m.start()]):
        mg = _number(m.group("num")) * _factor(m.group("unit"))
        times, used = per_day(text[m.end() :])
        return Dose(round(mg, 4), times, m.end() + used)
    if not bare:
        return None
    m = g.bare.match(text)
    if m is None or g.year.match(m.group("num")):
        return None
    rest = text[m.end() :]
    times, used = per_day(rest)
    if not used and not g.bare_end.match(rest):
        return None  # "RTX 4 months ago": a number of something else
    return Dose(_number(m.group("num")), times, m.end() + used)


def _factor(unit: str) -> float:
    return next((f for pattern, f in grammar().mass if pattern.fullmatch(unit)), 1.0)
