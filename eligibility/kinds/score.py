"""Disease activity scores (SLEDAI, SELENA-SLEDAI) with a threshold."""

from __future__ import annotations

from eligibility.kinds.base import FactSpec, Kind, Match, Read, spans_of
from eligibility.rules import Measure


class Score(Kind):
    name = "score"
    patterns = ("gate", "sledai")
    blocked_by = ("manifestations",)
    specs = (FactSpec("score:sledai", unit="points", limits=(0, 105), question="score:sledai"),)

    def read(self, r: Read) -> list[Match]:
        if not self.p("gate").search(r.text):
            return []
        m = self.p("sledai").search(r.text)
        if not m:
            return []
        op = m.group("op")
        if op is None:
            r.warnings.append(f"comparison sign lost in '{m.group(0).strip()}'; read as '≥ {m.group('num')}'")
        rule = Measure(key="score:sledai", op=self.op(op, ">="), value=float(m.group("num")), label="SLEDAI")
        return [Match(rule, tuple(spans_of(m, "op", "num")))]


KIND = Score()
