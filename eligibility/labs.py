"""Lab tests from `eligibility/data/labs.toml`: one table for criteria (compiler) and patients (extract)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Lab:
    key: str
    label: str
    unit: str
    criterion: str  # regex as criteria name it
    patient: str  # regex as patients name it (whole words, case-insensitive)
    convert: dict[str, float] = field(default_factory=dict)  # other unit (lower case) -> factor
    uln: bool = False  # stated as a multiple of the upper limit of normal


@lru_cache(maxsize=1)
def labs() -> tuple[Lab, ...]:
    raw = tomllib.loads(resources.files("eligibility").joinpath("data/labs.toml").read_text("utf-8"))
    return tuple(
        Lab(
            key=lab["key"],
            label=lab["label"],
            unit=lab["unit"],
            criterion=lab["criterion"],
            patient=lab["patient"],
            convert={k: float(v) for k, v in lab.get("convert", {}).items()},
            uln=bool(lab.get("uln", False)),
        )
        for lab in raw["lab"]
    )


def measured() -> tuple[Lab, ...]:
    """Labs given as values in a unit."""
    return tuple(lab for lab in labs() if not lab.uln)


def uln_labs() -> tuple[Lab, ...]:
    """Labs given as multiples of the upper limit of normal."""
    return tuple(lab for lab in labs() if lab.uln)
