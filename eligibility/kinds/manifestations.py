"""'At least one of the following manifestations': any of the conditions (or the proteinuria) named."""

from __future__ import annotations

from eligibility.kinds.base import Kind, Match, Read, spans_of
from eligibility.kinds.conditions import named_concepts
from eligibility.rules import AnyOf, Condition, Measure, Rule


class Manifestations(Kind):
    name = "manifestations"
    patterns = ("gate", "proteinuria")
    blocked_by = ("refractory",)

    def read(self, r: Read) -> list[Match]:
        if not self.p("gate").search(r.text):
            return []
        options: list[Rule] = []
        for concept, _, _ in named_concepts(r.text):
            options.append(Condition(key=concept.key, label=concept.key.replace("_", " "), current_only=True))
        m = self.p("proteinuria").search(r.text)
        if m:
            value = float(m.group("num"))
            op = self.op(m.group("op"), ">")
            options.append(Measure(key="lab:proteinuria", op=op, value=value, unit="g/day", label="proteinuria"))
        if not options:
            return []
        return [Match(AnyOf(options), tuple(spans_of(m, "op", "num")))]


KIND = Manifestations()
