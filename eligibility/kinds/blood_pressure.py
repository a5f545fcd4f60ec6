"""Systolic and diastolic blood pressure limits ('systolic > 160 mmHg or diastolic > 100 mmHg')."""

from __future__ import annotations

from eligibility.kinds.base import FactSpec, Kind, Match, Read, spans_of
from eligibility.rules import AllOf, AnyOf, Measure, Rule

BLOCKED = ("refractory", "manifestations")


class BloodPressure(Kind):
    name = "blood_pressure"
    patterns = ("gate", "systolic", "diastolic", "pair", "high")
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
            return self._pair(r)
        return [Match(AnyOf(rules) if len(rules) > 1 else rules[0], tuple(spans))]

    def _pair(self, r: Read) -> list[Match]:
        """'BP >= 140/90 mmHg': above, either side is too high; 'below 160/100': both sides under."""
        m = self.p("pair").search(r.text)
        if m is None:
            return []
        op = self.op(m.group("op"), "")
        if not op and self.p("high").search(r.text[: m.start()]):
            op = ">="  # "Hypertension (140/90 mmHg)": the threshold of high blood pressure
        if not op or (op.startswith("<") and r.kind == "exclusion"):
            return []  # "BP must be below 140/90" inside an exclusion is a condition of it, not what excludes
        sides = [
            Measure(key=f"bp_{side}", op=op, value=float(m.group(group)), unit="mmHg", label=f"{side} blood pressure")
            for side, group in (("systolic", "sys"), ("diastolic", "dia"))
        ]
        rule = AnyOf(list(sides)) if op.startswith(">") else AllOf(list(sides))
        return [Match(rule, tuple(spans_of(m, "op", "num", "unit")))]


KIND = BloodPressure()
