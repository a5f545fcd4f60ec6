"""'Active SLE' stated with no measure of it: a yes/no the person can answer."""

from __future__ import annotations

from eligibility.kinds.base import Kind, Match, Read
from eligibility.rules import Flag


class ActiveDisease(Kind):
    name = "active_disease"
    patterns = ("active",)
    only = "inclusion"
    # only when nothing measured states the activity (age, weight, a score ...)
    blocked_by = ("refractory", "manifestations", "age", "weight", "blood_pressure", "score")

    def read(self, r: Read) -> list[Match]:
        if self.p("active").search(r.text):
            return [Match(Flag(key="active_sle", label="active SLE"))]
        return []


KIND = ActiveDisease()
