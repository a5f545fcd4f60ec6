"""'On standard SLE treatment for at least N months': on standard treatment (the duration is not used)."""

from __future__ import annotations

from eligibility.kinds.base import FactSpec, Kind, Match, Read
from eligibility.rules import Flag


class StandardTreatment(Kind):
    name = "standard_treatment"
    patterns = ("stated",)
    blocked_by = ("refractory", "manifestations")
    specs = (FactSpec("standard_treatment", question="standard_treatment"),)

    def read(self, r: Read) -> list[Match]:
        if self.p("stated").search(r.text):
            # the duration is not part of the rule: its span stays unused, so the reading says so
            return [Match(Flag(key="standard_treatment", label="on standard SLE treatment", within_months=None))]
        return []


KIND = StandardTreatment()
