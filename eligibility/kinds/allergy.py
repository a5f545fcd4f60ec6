"""Allergy, hypersensitivity or intolerance to named drugs or drug classes."""

from __future__ import annotations

from eligibility.kinds.base import FactSpec, Kind, Match, Read
from eligibility.rules import Allergy
from trialscreen.vocab import conditions as icd

BLOCKED = ("refractory", "manifestations")


def _allergy_keys(key: str) -> list[str]:
    return ["allergy:none"] if key == "allergy" else [key]


class AllergyKind(Kind):
    name = "allergy"
    patterns = ("gate",)
    blocked_by = BLOCKED
    specs = (FactSpec("allergy", question="allergy", answer_keys=_allergy_keys), FactSpec("allergy:"))

    def read(self, r: Read) -> list[Match]:
        named = [(m.start, m.end) for m in icd.conditions_in(r.text)]
        if not any(not any(a <= g.start() < b for a, b in named) for g in self.p("gate").finditer(r.text)):
            return []  # no allergy word, or only inside a condition's name ("allergic rhinitis")
        return [Match(Allergy(drugs=r.drugs(r.text), classes=r.classes(r.text)))]


KIND = AllergyKind()
