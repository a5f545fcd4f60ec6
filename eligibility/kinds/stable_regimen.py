"""'On a stable SLE treatment regimen' (the criterion itself, not a lead-in)."""

from __future__ import annotations

from eligibility.kinds.base import FactSpec, Kind, Match, Read
from eligibility.kinds.dose_caps import parse_stable, stable_keys
from eligibility.rules import Flag

BLOCKED = ("refractory", "manifestations")


class StableRegimen(Kind):
    name = "stable_regimen"
    patterns = ("gate",)
    blocked_by = BLOCKED
    specs = (FactSpec("stable_regimen", question="stable_regimen", parse=parse_stable, answer_keys=stable_keys),)

    def read(self, r: Read) -> list[Match]:
        if r.context or not self.p("gate").search(r.text):
            return []
        return [Match(Flag(key="stable_regimen", label="on a stable SLE treatment regimen"))]


KIND = StableRegimen()
