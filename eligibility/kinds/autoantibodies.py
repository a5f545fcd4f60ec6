"""Autoantibodies and complement: ANA titer, anti-dsDNA, 'autoantibody-positive', low C3 or C4."""

from __future__ import annotations

import re
from datetime import date

from eligibility.cues import cue
from eligibility.kinds.base import Answer, FactSpec, Kind, Match, Read, spans_of
from eligibility.rules import AnyOf, Flag, Measure, Rule
from eligibility.timewords import window_match

BLOCKED = ("refractory", "manifestations")
_TITER = re.compile(r"1\s*:\s*(\d+)")


def parse_ana(key: str, reply: str, today: date) -> Answer | None:
    titer = _TITER.search(reply)
    if titer:
        return Answer(facts={"lab:ana": float(titer.group(1))})
    if cue("answers", "no").match(reply) or cue("answers", "negative").search(reply):
        return Answer(facts={"lab:ana": False})
    return Answer(error="Do you know the titer (for example 1:160)? If not, say 'not sure'.")


class Autoantibodies(Kind):
    name = "autoantibodies"
    patterns = ("gate", "ana", "dsdna", "any_positive", "low_complement")
    blocked_by = BLOCKED
    specs = (
        FactSpec("lab:ana", unit="titer 1:", question="lab:ana", parse=parse_ana),
        FactSpec("lab:anti_dsdna", question="lab:anti_dsdna"),
        FactSpec("lab:low_complement", question="lab:low_complement"),
    )

    def read(self, r: Read) -> list[Match]:
        return self.read_text(r.text)

    def read_text(self, text: str) -> list[Match]:
        gate = self.p("gate").search(text)
        if gate is None:
            return []
        options: list[Rule] = []
        # "a positive ANA or dsDNA test within 6 months of screening": a window after the test words is
        # the test's; one before them ("diagnosis ... within three months, which is ANA-positive") is not
        found = window_match(text[gate.start() :])
        recent = (found[0], (found[1][0] + gate.start(), found[1][1] + gate.start())) if found else None
        months = recent[0] if recent else None
        ana = self.p("ana").search(text)
        if ana:
            op = self.op(ana.group("op"), ">=")
            titer = float(ana.group("titer"))
            options.append(Measure(key="lab:ana", op=op, value=titer, label="ANA titer 1:", within_months=months))
        if self.p("dsdna").search(text):
            options.append(Flag(key="lab:anti_dsdna", label="anti-dsDNA positive", within_months=months))
        if self.p("any_positive").search(text) and not options:
            options = [
                Flag(key="lab:ana", label="ANA positive"),
                Flag(key="lab:anti_dsdna", label="anti-dsDNA positive"),
            ]
        if self.p("low_complement").search(text):
            options.append(Flag(key="lab:low_complement", label="low C3 or C4"))
        if not options:
            return []
        spans = tuple(spans_of(ana, "op", "num")) + ((recent[1],) if recent and months is not None else ())
        return [Match(AnyOf(options) if len(options) > 1 else options[0], spans)]


KIND = Autoantibodies()
