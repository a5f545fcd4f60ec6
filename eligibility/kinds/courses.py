"""A counted treatment: 'Have required 3 or more courses of systemic corticosteroids within 364 days',
'more than five courses of ... in the past year'. The fact is courses:CLASS:N (N or more courses)."""

from __future__ import annotations

from eligibility.kinds.base import FactSpec, Kind, Match, Read, spans_of
from eligibility.rules import Flag
from eligibility.timewords import number, window_match
from trialscreen.vocabulary import vocabulary

_WORDS = {"corticosteroid": "systemic steroids"}


class Courses(Kind):
    name = "courses"
    patterns = ("gate", "counted")
    blocked_by = ("refractory", "manifestations")
    specs = (FactSpec("courses:", unit="courses"),)

    def read(self, r: Read) -> list[Match]:
        if not self.p("gate").search(r.text):
            return []
        m = self.p("counted").search(r.text)
        if not m:
            return []
        what = m.group("what")
        named = [c.name for c in vocabulary().drug_classes_in(what)] or [d.name for d in vocabulary().drugs_in(what)]
        if len(named) != 1 or not (m.group("op") or m.group("op2")):
            return []
        count = number(m.group("num"))
        at_least = int(count) + (1 if self.op(m.group("op"), ">=") == ">" else 0)
        spans = spans_of(m, "op", "num", "op2")
        window = window_match(r.text[m.end() :])  # the window that follows the count, else the criterion's
        window = (window[0], (window[1][0] + m.end(), window[1][1] + m.end())) if window else window_match(r.text)
        if window:
            spans.append(window[1])
        words = _WORDS.get(named[0], named[0])
        rule = Flag(
            key=f"courses:{named[0]}:{at_least}",
            label=f"{at_least} or more courses of {words}",
            within_months=window[0] if window else None,
        )
        return [Match(rule, tuple(spans))]


KIND = Courses()
