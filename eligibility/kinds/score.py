"""Disease activity scores (SLEDAI, SELENA-SLEDAI) with a threshold.

A threshold on part of the score ("SLEDAI-2K >= 4 for clinical features", "clinical SLEDAI >= 4") is a
different measure from the total, which is all a patient's score fact holds: it is not read, so its
number stays unused and the criterion is asked as it stands rather than decided on the total.
"""

from __future__ import annotations

import re

from eligibility.kinds._comparison import comparison
from eligibility.kinds.base import FactSpec, Kind, Match, Read, spans_of
from eligibility.rules import Measure


class Score(Kind):
    name = "score"
    patterns = ("gate", "sledai", "part_after", "part_before")
    blocked_by = ("manifestations",)
    specs = (FactSpec("score:sledai", unit="points", limits=(0, 105), question="score:sledai"),)

    def read(self, r: Read) -> list[Match]:
        if not self.p("gate").search(r.text):
            return []
        m = next((m for m in self.p("sledai").finditer(r.text) if self._total(r.text, m)), None)
        if m is None:
            return []
        if m.group("op") is None and m.group("sym") is None:
            r.warnings.append(f"comparison sign lost in '{m.group(0).strip()}'; read as '≥ {m.group('num')}'")
        rule = Measure(key="score:sledai", op=comparison(m, ">="), value=float(m.group("num")), label="SLEDAI")
        return [Match(rule, tuple(spans_of(m, "name", "op", "eq", "sym", "num")))]

    def _total(self, text: str, m: re.Match[str]) -> bool:
        """Whether the threshold is on the total score: a score's value, not on part of the score (a
        domain, clinical features only)."""
        if not self.specs[0].plausible(float(m.group("num"))):
            return False  # "Disease Activity Index 2000" is a name
        return not (self.p("part_after").search(text[m.end() :]) or self.p("part_before").search(text[: m.start()]))


KIND = Score()
