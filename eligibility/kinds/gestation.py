"""How far a pregnancy has gone: 'gestational age <23 weeks', 'between 24 and 34 weeks of gestation',
'less than 20 weeks pregnant'. The limit is on a pregnancy, so the rule is "pregnant, and that many
weeks": a woman who is not pregnant meets neither an inclusion nor an exclusion of this kind."""

from __future__ import annotations

from datetime import date

from eligibility.cues import cue
from eligibility.kinds._comparison import GROUPS, comparison
from eligibility.kinds.base import Answer, FactSpec, Kind, Match, Read, Span, spans_of
from eligibility.labs import first_value
from eligibility.rules import AllOf, Flag, Measure, Rule

BLOCKED = ("refractory", "manifestations")
WEEKS = (1.0, 45.0)  # a pregnancy's weeks a note or an answer can plausibly give
KEY = "gestational_age"


def parse_weeks(key: str, reply: str, today: date) -> Answer | None:
    """'about 20 weeks', '20'; a reply that says she is not pregnant answers that instead."""
    m = first_value(reply)
    if m is None:
        if cue("answers", "no").search(reply):
            return Answer(facts={"pregnant": False})
        return Answer(error="How many weeks pregnant are you? For example 20, or say 'not sure'.")
    weeks = float(m.group("num").replace(",", ""))
    if not WEEKS[0] <= weeks <= WEEKS[1]:
        return Answer(error=f"{m.group('num')} is not a number of weeks of a pregnancy; please check it.")
    return Answer(facts={KEY: weeks, "pregnant": True})


def _weeks(op: str, value: float) -> Measure:
    return Measure(key=KEY, op=op, value=value, unit="weeks", label="gestational age")


class Gestation(Kind):
    name = "gestation"
    patterns = ("gate", "range_named", "range_after", "bound_named", "bound_after", "bound_trailing", "other")
    blocked_by = BLOCKED
    specs = (
        FactSpec(
            KEY, unit="weeks", limits=WEEKS, question=KEY, parse=parse_weeks, answer_keys=lambda k: [KEY, "pregnant"]
        ),
    )

    def read(self, r: Read) -> list[Match]:
        text = r.text
        if not self.p("gate").search(text) or self.p("other").search(text):
            return []
        limit = self._limit(text)
        if limit is None:
            return []
        rule, spans = limit
        pregnant = Flag(
            key="pregnant",
            label="pregnant",
            pregnancy_related=r.kind == "exclusion",
            required_pregnancy=r.kind == "inclusion",
        )
        return [Match(AllOf([pregnant, rule]), tuple(spans))]

    def _limit(self, text: str) -> tuple[Rule, list[Span]] | None:
        for name in ("range_named", "range_after"):
            m = self.p(name).search(text)
            if m and self._plausible(m.group("lo"), m.group("hi")) and int(m.group("lo")) < int(m.group("hi")):
                rule = AllOf([_weeks(">=", float(m.group("lo"))), _weeks("<=", float(m.group("hi")))])
                return rule, spans_of(m, "lo", "hi", "unit")
        for name in ("bound_named", "bound_after", "bound_trailing"):
            m = self.p(name).search(text)
            if m and self._plausible(m.group("num")):
                op = comparison(m, "")
                if op:
                    return _weeks(op, float(m.group("num"))), spans_of(m, *GROUPS, "num", "unit")
        return None

    def _plausible(self, *values: str) -> bool:
        return all(self.specs[0].plausible(float(v)) for v in values)


KIND = Gestation()
