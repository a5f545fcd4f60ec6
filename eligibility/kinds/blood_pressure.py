"""Systolic and diastolic blood pressure limits ('systolic > 160 mmHg or diastolic > 100 mmHg')."""

from __future__ import annotations

from eligibility.kinds.base import FactSpec, Kind, Match, Read, spans_of
from eligibility.rules import AnyOf, Measure, Rule

BLOCKED = ("refractory", "manifestations")


class BloodPressure(Kind):
    name = "blood_pressure"
    patterns = ("gate", "systolic", "diastolic")
    blocked_by = BLOCKED
    specs = (
        FactSpec("bp_systolic", unit="mmHg", limits=(60, 260), question="bp_systolic"),
        FactSpec("bp_diastolic", unit="mmHg", limits=(30, 160), question="bp_diastolic"),
    )

    def read(self, r: Read) -> list[Match]:
        if not self.p("gate").search(r.text):
            return []
        rules: list[Rule] = []
        spans = []
        for side in ("systolic", "diastolic"):
            m = self.p(side).search(r.text)
            if m:
                rules.append(
                    Measure(
                        key=f"bp_{side}",
                        op=self.op(m.group("op"), ">"),
                        value=float(m.group("num")),
                        unit="mmHg",
                        label=f"{side} blood pressure",
                    )
                )
                spans += spans_of(m, "op", "num", "unit")
        if not rules:
            return []
        return [Match(AnyOf(rules) if len(rules) > 1 else rules[0], tuple(spans))]


KIND = BloodPressure()
