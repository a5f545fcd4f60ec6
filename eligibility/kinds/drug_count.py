"""How many medicines of a class: 'including at least 1 immunosuppressive agent', 'a maximum of 1
non-corticosteroid immunosuppressive drug', 'at least two prior biologic agents'."""

from __future__ import annotations

from eligibility.kinds.base import Kind, Match, Read, spans_of
from eligibility.rules import DrugCount
from eligibility.timewords import number


class DrugCountKind(Kind):
    name = "drug_count"
    patterns = ("counted", "excluded", "ever")

    def read(self, r: Read) -> list[Match]:
        out: list[Match] = []
        for m in self.p("counted").finditer(r.text):
            what = m.group("what")
            left_out = {c for x in self.p("excluded").finditer(what) for c in r.classes(x.group(0))}
            classes = [c for c in r.classes(what) if c not in left_out]
            if not classes:
                continue  # "at least 2 drugs, including ... the following": the kinds of drug are not named here
            count = int(number(m.group("num")))
            ever = bool(self.p("ever").search(r.text[max(0, m.start() - 60) : m.end()]))
            rule = DrugCount(
                classes=classes,
                # "a maximum of" as it stands, "maximum of" without its "of"
                op=self.op(m.group("op"), "") or self.op(m.group("op").removesuffix(" of"), ">="),
                count=count,
                current=not ever,
                label=" or ".join(classes) + (" medicine" if count == 1 else " medicines"),
            )
            out.append(Match(rule, tuple(spans_of(m, "op", "num"))))
        return out


KIND = DrugCountKind()
