"""Body weight and BMI limits: 'Body weight >= 40 kg', 'weight of at least 40 kg', 'BMI 18-35 kg/m2',
and BMI limits on either side ('BMI below 18 kg/m^2 or above 38 kg/m^2': either one applies)."""

from __future__ import annotations

import re
from datetime import date

from eligibility.cues import cue
from eligibility.kinds._comparison import GROUPS, comparison
from eligibility.kinds.base import Answer, FactSpec, Kind, Match, Read, spans_of
from eligibility.rules import LIGHTEST_ADULT_KG, AllOf, AnyOf, Measure, Rule
from trialscreen.keys import KG_PER_LB, LB_PER_STONE

BLOCKED = ("refractory", "manifestations")
WEIGHT_LIMITS = (LIGHTEST_ADULT_KG, 350.0)
BMI_LIMITS = (10.0, 80.0)
_NUMBER = re.compile(r"(-?\d+(?:\.\d+)?)")


def parse_weight(key: str, reply: str, today: date) -> Answer | None:
    """A weight in kg, pounds, or stones and pounds ('10 st 4 lb')."""
    m = _NUMBER.search(reply)
    if not m:
        return Answer(error="Please give your weight, for example 64 kg, 140 lb or 10 st 4 lb.")
    value = float(m.group(1))
    stones = cue("answers", "stones").search(reply)
    if stones:
        value = (float(stones.group("st")) * LB_PER_STONE + float(stones.group("lb") or 0)) * KG_PER_LB
    elif cue("answers", "pounds").search(reply):
        value *= KG_PER_LB
    if not WEIGHT_LIMITS[0] <= value <= WEIGHT_LIMITS[1]:
        return Answer(error=f"{m.group(1)} does not look like a body weight; please check it.")
    return Answer(facts={"weight_kg": round(value, 1)})


def _weight(op: str, value: float) -> Measure:
    return Measure(key="weight_kg", op=op, value=value, unit="kg", label="weight")


def _bmi(op: str, value: float) -> Measure:
    return Measure(key="bmi", op=op, value=value, unit="kg/m2", label="BMI")


class Weight(Kind):
    name = "weight"
    patterns = ("gate", "range", "bound", "bound_after", "change", "bmi_range", "bmi", "bmi_after", "bmi_other")
    blocked_by = BLOCKED
    specs = (
        FactSpec("weight_kg", unit="kg", limits=WEIGHT_LIMITS, question="weight_kg", parse=parse_weight),
        FactSpec("bmi", unit="kg/m2", limits=BMI_LIMITS),
    )

    def read(self, r: Read) -> list[Match]:
        text = r.text
        if not self.p("gate").search(text):
            return []
        out: list[Match] = []
        m = self.p("range").search(text)
        if m and self._change(text, m):
            m = None
        if m and float(m.group("lo")) < float(m.group("hi")):
            lo, hi = _kg(m.group("lo"), m.group("unit")), _kg(m.group("hi"), m.group("unit"))
            rule: Rule = AllOf([_weight(">=", lo), _weight("<=", hi)])
            out.append(Match(rule, tuple(spans_of(m, "lo", "unit1", "hi", "unit"))))
        else:
            m = self.p("bound").search(text)
            if m and not self._change(text, m):
                limit = _kg(m.group("num"), m.group("unit"))
                out.append(Match(_weight(comparison(m, ">="), limit), self._spans(m)))
            else:
                m = self.p("bound_after").search(text)
                if m and not self._change(text, m):
                    op = self.op(m.group("op"), "")
                    if op:
                        out.append(Match(_weight(op, _kg(m.group("num"), m.group("unit"))), self._spans(m)))
        m = self.p("bmi_range").search(text)
        if m and float(m.group("lo")) < float(m.group("hi")) and self._plausible_bmi(m.group("lo"), m.group("hi")):
            rule = AllOf([_bmi(">=", float(m.group("lo"))), _bmi("<=", float(m.group("hi")))])
            out.append(Match(rule, tuple(spans_of(m, "lo", "hi", "unit"))))
        else:
            out += self._bmi_limit(text)
        return out

    def _bmi_limit(self, text: str) -> list[Match]:
        """'BMI >= 18', 'BMI of 35 or greater', and either side: 'BMI below 18 or above 38 kg/m2'."""
        found = [m for m in (self.p("bmi").search(text), self.p("bmi_after").search(text)) if m]
        if not found:
            return []
        m = min(found, key=lambda x: x.start())
        first = _bmi(comparison(m, ">="), float(m.group("num")))
        other = self.p("bmi_other").match(text[m.end() :])
        if other:
            second = _bmi(comparison(other, ""), float(other.group("num")))
            if _either_side(first, second):
                spans = self._spans(m) + tuple(spans_of(other, *GROUPS, "num", "unit", shift=m.end()))
                return [Match(AnyOf([first, second]), spans)]
        return [Match(first, self._spans(m))]

    def _change(self, text: str, m: re.Match[str]) -> bool:
        """'no more than 5 kg gain or loss': a change of weight, not a body weight."""
        return bool(self.p("change").search(text[m.end() : m.end() + 30]))

    @staticmethod
    def _spans(m: re.Match[str]) -> tuple[tuple[int, int], ...]:
        return tuple(spans_of(m, *GROUPS, "num", "unit"))

    @staticmethod
    def _plausible_bmi(*values: str) -> bool:
        return all(BMI_LIMITS[0] <= float(v) <= BMI_LIMITS[1] for v in values)


def _kg(number: str, unit: str | None) -> float:
    """A weight limit in kg; one stated in pounds ("over 300 pounds") is converted."""
    value = float(number)
    return round(value * KG_PER_LB, 1) if unit and cue("answers", "pounds").search(unit) else value


def _either_side(low: Measure, high: Measure) -> bool:
    """Two limits that leave out both ends ('< 18 or > 38'): opposite directions, the lower one lower."""
    if low.op[0] == ">":
        low, high = high, low
    return low.op[0] == "<" and high.op[0] == ">" and low.value < high.value


KIND = Weight()
