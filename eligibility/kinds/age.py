"""Age limits as trials write them: '18 to 75 years', 'Age 18 years or older', 'Aged ≥ 18', '> 65 years of age'."""

from __future__ import annotations

import re
from datetime import date

from eligibility.kinds.base import Answer, FactSpec, Kind, Match, Read, Span, spans_of
from eligibility.rules import Age, AnyOf
from eligibility.timewords import to_months

BLOCKED = ("refractory", "manifestations")
_Limit = tuple[float, bool, list[Span]]  # an age in years, strict, the spans that state it
LIMITS = (0.0, 120.0)
_NUMBER = re.compile(r"(-?\d+(?:\.\d+)?)")
_STRICT_LOW = (">", "more than", "older than", "over", "greater than")
_STRICT_HIGH = ("<", "less than", "younger than", "under")


def parse_age(key: str, reply: str, today: date) -> Answer | None:
    m = _NUMBER.search(reply)
    if not m:
        return Answer(error="Please give your age in years, for example 42.")
    value = float(m.group(1))
    if not LIMITS[0] < value <= LIMITS[1]:
        return Answer(error=f"{m.group(1)} is not an age in years; please check it.")
    return Answer(facts={"age": value})


class AgeKind(Kind):
    name = "age"
    patterns = (
        "gate",
        "range",
        "range_aged",
        "low",
        "high",
        "after",
        "says_age",
        "named_before",
        "not_age_after",
        "either",
        "short_units",
        "not_person",
    )
    blocked_by = BLOCKED
    specs = (FactSpec("age", unit="years", limits=LIMITS, question="age", parse=parse_age),)

    def read(self, r: Read) -> list[Match]:
        # "gestational age <23 weeks" is not the person's age: blanked, so offsets stay; its "age" still
        # opens the gate ("Women 18-45 years, gestational age 10-14 weeks")
        if not self.p("gate").search(r.text):
            return []
        text = self.p("not_person").sub(lambda m: " " * len(m.group(0)), r.text)
        for name in ("range", "range_aged"):
            m = self.p(name).search(text)
            if not m or not self._plausible(m.group("lo"), m.group("hi")):
                continue
            groups = m.groupdict()
            hi_unit = groups.get("unit") or ""
            short = any(self.p("short_units").match(u or "") for u in (groups.get("lo_unit"), hi_unit))
            if short and not self._named(text, m.start()):
                continue  # "6 to 12 weeks postpartum" beside an age is no age: months and weeks need "age" before
            lo = self._years(m.group("lo"), groups.get("lo_unit") or hi_unit)
            hi = self._years(m.group("hi"), hi_unit)
            if lo < hi:
                rule = Age(min=lo, max=hi, max_strict=bool(groups.get("hi_op")))
                return [Match(rule, tuple(spans_of(m, "lo", "lo_unit", "hi_op", "hi", "unit")))]
        low: _Limit | None = None
        high: _Limit | None = None
        for m in self.p("low").finditer(text):
            if self._is_age(text, m):
                years = self._years(m.group("num"), m.group("unit") or "")
                low = (years, self._word(m) in _STRICT_LOW, spans_of(m, "op", "num", "unit"))
                break
        for m in self.p("high").finditer(text):
            if self._is_age(text, m):
                years = self._years(m.group("num"), m.group("unit") or "")
                high = (years, self._word(m) in _STRICT_HIGH, spans_of(m, "op", "num", "unit"))
                break
        for m in self.p("after").finditer(text):
            if not m.group("op") or not self._is_age(text, m, after=True):
                continue
            op = self.op(m.group("op") if m.group("op") != "+" else "or older", "")
            spans = spans_of(m, "num", "unit", "op")
            if op in (">=", ">") and low is None:
                low = (float(m.group("num")), op == ">", spans)
            elif op in ("<=", "<") and high is None:
                high = (float(m.group("num")), op == "<", spans)
        if low is None and high is None:
            return []
        if low and high and low[0] >= high[0]:
            return self._either(text, low, high)
        rule = Age(
            min=low[0] if low else None,
            min_strict=low[1] if low else False,
            max=high[0] if high else None,
            max_strict=high[1] if high else False,
        )
        if not all(self._plausible(v) for v in (rule.min, rule.max) if v is not None):
            return []
        return [Match(rule, tuple((low[2] if low else []) + (high[2] if high else [])))]

    def _either(self, text: str, low: _Limit, high: _Limit) -> list[Match]:
        """'Age < 18 or > 75 years': either side, when the two limits stand together joined by or / and."""
        first, last = sorted([low[2], high[2]], key=lambda spans: spans[0][0])
        between = text[first[-1][1] : last[0][0]]
        if not self.p("either").fullmatch(between):
            return []  # two limits apart in the text (conditions on other things): no rule rather than a guess
        rule = AnyOf([Age(min=low[0], min_strict=low[1]), Age(max=high[0], max_strict=high[1])])
        return [Match(rule, tuple(low[2] + high[2]))]

    def _word(self, m: re.Match[str]) -> str:
        return " ".join(m.group("op").lower().split())

    def _is_age(self, text: str, m: re.Match[str], after: bool = False) -> bool:
        """A number is an age when it says years (or 'of age', 'or older'), or the age words stand before it."""
        if self.p("not_age_after").search(text[m.end() : m.end() + 10]):
            return False
        named = self._named(text, m.start())
        if not after and self.p("short_units").match(m.group("unit") or ""):
            return named  # "Age ≥ 6 months"; "more than 6 months" beside an age is a duration
        if after:
            says = bool(self.p("says_age").search(m.group("op"))) and m.group("op") != "+"
            return says or bool(m.group("aged")) or named
        return bool(m.group("unit")) or named

    def _named(self, text: str, start: int) -> bool:
        """Whether the age words stand right before the number at `start` ("Age ≥ 6 months", "aged 2-11")."""
        return bool(self.p("named_before").search(text[max(0, start - 16) : start + 1]))

    def _years(self, num: str, unit: str) -> float:
        """An age in years: '6' years, or '6 months' (a half), '2 weeks'."""
        if self.p("short_units").match(unit):
            return round(to_months(float(num), unit) / 12, 4)
        return float(num)

    @staticmethod
    def _plausible(*values: object) -> bool:
        return all(LIMITS[0] <= float(str(v)) <= LIMITS[1] for v in values)


KIND = AgeKind()
