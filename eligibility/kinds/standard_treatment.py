"""'On standard SLE treatment for at least N months': on standard treatment, taken for that long."""

from __future__ import annotations

from eligibility.kinds import durations
from eligibility.kinds.base import FactSpec, Kind, Match, Read
from eligibility.rules import Flag


class StandardTreatment(Kind):
    name = "standard_treatment"
    patterns = ("stated",)
    blocked_by = ("refractory", "manifestations")
    specs = (FactSpec("standard_treatment", question="standard_treatment"), durations.SPEC)

    def read(self, r: Read) -> list[Match]:
        stated = self.p("stated").search(r.text)
        if stated is None:
            return []
        took = durations.minimum_duration(r.text, stated.end())
        if took is None or took.span[0] - stated.end() > int(self.data("near")):
            return []  # the words without a duration are read by other kinds (or asked as they stand)
        rule = Flag(
            key="standard_treatment",
            label="on standard SLE treatment",
            within_months=None,
            min_months=took.months,
            min_months_exclusive=took.exclusive,
            duration_classes=list(self.data("classes")),
        )
        return [Match(rule, (took.span,))]


KIND = StandardTreatment()
