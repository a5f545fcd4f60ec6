"""Typed values for what the engine passes around as words: verdict statuses, decisions, and the fact
keys of treatment questions. Each has one parser and one formatter, here.

Statuses and decisions are `StrEnum`s: they compare equal to, and serialise as, the words of the
public contract ("met", "needs_info"), so JSON output does not change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

KG_PER_LB = 0.45359237
LB_PER_STONE = 14.0


class Status(StrEnum):
    """A criterion's verdict for one patient (see the contract for what `met` means per kind)."""

    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "not_applicable"


class Decision(StrEnum):
    ELIGIBLE = "eligible"
    NEEDS_INFO = "needs_info"
    INELIGIBLE = "ineligible"


@dataclass(frozen=True)
class TreatmentKey:
    """The fact a treatment question settles: drugs and drug classes, ever received (`prior`), taken
    now (`med`) or for how long (`months_on`). Written `prior:rituximab+class:biologic`,
    `med:class:corticosteroid`, `months_on:class:antimalarial`. A question about one route or about
    high doses only says so after `@`: `prior:class:corticosteroid@iv` (IV use only),
    `prior:prednisone+class:corticosteroid@>100mg` (above 100 mg a day), `@>=1.5mg/kg` (per kg a day)."""

    prefix: str  # "prior", "med" or "months_on"
    drugs: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    route: str | None = None  # "iv", "injection" or "systemic": only that use counts
    above_mg_day: float | None = None  # only doses above this count
    inclusive: bool = False  # the dose itself counts too (">=")
    per_kg: bool = False  # the dose is in mg per kg a day
    other_than: tuple[str, ...] = ()  # drugs of the classes that do not count ("other immunosuppressants")

    def __str__(self) -> str:
        out = f"{self.prefix}:" + "+".join([*self.drugs, *(f"class:{c}" for c in self.classes)])
        if self.route:
            out += f"@{self.route}"
        if self.above_mg_day is not None:
            op = ">=" if self.inclusive else ">"
            out += f"@{op}{self.above_mg_day:g}mg" + ("/kg" if self.per_kg else "")
        if self.other_than:
            out += "@not:" + ",".join(self.other_than)
        return out

    @classmethod
    def parse(cls, key: str) -> TreatmentKey | None:
        """The typed key, or None when `key` is not a treatment key."""
        prefix, _, rest = key.partition(":")
        spec, *qualifiers = rest.split("@")
        if prefix not in ("prior", "med", "months_on") or not spec:
            return None
        parts = spec.split("+")
        route, above, inclusive, per_kg = None, None, False, False
        other_than: tuple[str, ...] = ()
        for q in qualifiers:
            m = _DOSE.fullmatch(q)
            if q.startswith("not:"):
                other_than = tuple(d for d in q[4:].split(",") if d)
            elif m:
                above, inclusive, per_kg = float(m.group(2)), m.group(1) == ">=", bool(m.group(3))
            elif q in ("iv", "injection", "systemic"):
                route = q
            else:
                return None
        return cls(
            prefix,
            tuple(p for p in parts if not p.startswith("class:")),
            tuple(p.removeprefix("class:") for p in parts if p.startswith("class:")),
            route,
            above,
            inclusive,
            per_kg,
            other_than,
        )

    @property
    def steroids(self) -> bool:
        """The key asks about steroids as a class (a dose in prednisone equivalents)."""
        return "corticosteroid" in self.classes and not self.drugs

    def denial(self) -> dict[str, object]:
        """What a 'no' to this question says besides 'no': the route or the doses it was about."""
        out: dict[str, object] = {}
        if self.route:
            out["route"] = self.route
        if self.above_mg_day is not None:
            out["above_mg_day"] = self.above_mg_day
            out["dose_inclusive"] = self.inclusive
            out["per_kg"] = self.per_kg
        if self.other_than:
            out["except_drugs"] = list(self.other_than)
        return out


_DOSE = re.compile(r"(>=|>)(\d+(?:\.\d+)?)mg(/kg)?")
