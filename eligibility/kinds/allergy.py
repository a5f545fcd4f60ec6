"""Allergy, hypersensitivity or intolerance to named drugs or drug classes."""

from __future__ import annotations

from eligibility.kinds.base import FactSpec, Kind, Match, Read
from eligibility.rules import Allergy

BLOCKED = ("refractory", "manifestations")


def _allergy_keys(key: str) -> list[str]:
    return ["allergy:none"] if key == "allergy" else [key]


class AllergyKind(Kind):
    name = "allergy"
    patterns = ("gate",)
    blocked_by = BLOCKED
    specs = (FactSpec("allergy", question="allergy", answer_keys=_allergy_keys), FactSpec("allergy:"))

    def read(self, r: Read) -> list[Match]:
        if not self.p("gate").search(r.text):
            return []
        return [Match(Allergy(drugs=r.drugs(r.text), classes=r.classes(r.text)))]


KIND = AllergyKind()
