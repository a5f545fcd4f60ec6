"""Disease that did not respond to standard treatment ('inadequate response', 'refractory'), and how long
that treatment must have been taken when the criterion says ('refractory to an antimalarial for at least
3 months': the antimalarial, taken that long)."""

from __future__ import annotations

from eligibility.kinds import durations
from eligibility.kinds.base import FactSpec, Kind, Match, Read, grammar
from eligibility.rules import Flag

UNNAMED = "treatment"  # the drug class of 'the treatment the criterion names' (asked about, never inferred)


class Refractory(Kind):
    name = "refractory"
    patterns = ("gate", "active", "standard")
    specs = (FactSpec("refractory", question="refractory"), FactSpec("active_sle", question="active_sle"))

    def read(self, r: Read) -> list[Match]:
        gate = self.p("gate").search(r.text)
        if gate is None:
            return []
        took = durations.minimum_duration(r.text)
        if took is None:
            out = [Match(Flag(key="refractory", label="inadequate response to standard treatment"))]
        else:
            drugs, classes = r.drugs(r.text), r.classes(r.text)
            if not drugs and not classes:
                standard = self.p("standard").search(r.text)
                classes = list(grammar().sections["standard_treatment"]["classes"]) if standard else [UNNAMED]
            rule = Flag(
                key="refractory",
                label="inadequate response to standard treatment",
                min_months=took.months,
                min_months_exclusive=took.exclusive,
                duration_drugs=drugs,
                duration_classes=classes,
            )
            out = [Match(rule, (took.span,))]
        if self.p("active").search(r.text):
            out.append(Match(Flag(key="active_sle", label="active SLE")))
        return out


KIND = Refractory()
