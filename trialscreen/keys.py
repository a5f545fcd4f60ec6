"""Typed values for what the engine passes around as words: verdict statuses, decisions, and the fact
keys of treatment questions. Each has one parser and one formatter, here.

Statuses and decisions are `StrEnum`s: they compare equal to, and serialise as, the words of the
public contract ("met", "needs_info"), so JSON output does not change.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

KG_PER_LB = 0.45359237


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
    `med:class:corticosteroid`, `months_on:class:antimalarial`."""

    prefix: str  # "prior", "med" or "months_on"
    drugs: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.prefix}:" + "+".join([*self.drugs, *(f"class:{c}" for c in self.classes)])

    @classmethod
    def parse(cls, key: str) -> TreatmentKey | None:
        """The typed key, or None when `key` is not a treatment key."""
        prefix, _, spec = key.partition(":")
        if prefix not in ("prior", "med", "months_on") or not spec:
            return None
        parts = spec.split("+")
        return cls(
            prefix,
            tuple(p for p in parts if not p.startswith("class:")),
            tuple(p.removeprefix("class:") for p in parts if p.startswith("class:")),
        )

    @property
    def steroids(self) -> bool:
        """The key asks about steroids as a class (a dose in prednisone equivalents)."""
        return "corticosteroid" in self.classes and not self.drugs
