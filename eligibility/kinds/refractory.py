"""Disease that did not respond to standard treatment ('inadequate response', 'refractory')."""

from __future__ import annotations

from eligibility.kinds.base import FactSpec, Kind, Match, Read
from eligibility.rules import Flag


class Refractory(Kind):
    name = "refractory"
    patterns = ("gate", "active")
    specs = (FactSpec("refractory", question="refractory"), FactSpec("active_sle", question="active_sle"))

    def read(self, r: Read) -> list[Match]:
        if not self.p("gate").search(r.text):
            return []
        out = [Match(Flag(key="refractory", label="inadequate response to standard treatment"))]
        if self.p("active").search(r.text):
            out.append(Match(Flag(key="active_sle", label="active SLE")))
        return out


KIND = Refractory()
