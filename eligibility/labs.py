"""Lab tests from `eligibility/data/labs.toml`: one table for criteria (compiler) and patients (extract).

Every entry is checked when first loaded; a missing field or a broken pattern names the file, the lab
and the field.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from trialscreen.errors import TrialscreenError

FILE = "eligibility/data/labs.toml"


@dataclass(frozen=True)
class Lab:
    key: str
    label: str
    unit: str
    criterion: str  # regex as criteria name it
    patient: str  # regex as patients name it (whole words, case-insensitive)
    convert: dict[str, float] = field(default_factory=dict)  # other unit (lower case) -> factor
    uln: bool = False  # stated as a multiple of the upper limit of normal
    group: str = ""  # labs asked and answered together ("transaminases": ALT and AST)

    @property
    def named(self) -> re.Pattern[str]:
        """How criteria name it, compiled once."""
        return _compiled(self.criterion)


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(f"(?:{pattern})", re.IGNORECASE)


def load_labs(text: str) -> tuple[Lab, ...]:
    raw = tomllib.loads(text)
    out = []
    for i, lab in enumerate(raw.get("lab", [])):
        where = f"{FILE}: lab {lab.get('key', i + 1)}"
        for name in ("key", "label", "unit", "criterion", "patient"):
            if not isinstance(lab.get(name), str) or not lab[name]:
                raise TrialscreenError(f"{where}: `{name}` is missing; it must be a non-empty string")
        for name in ("criterion", "patient"):
            try:
                re.compile(lab[name])
            except re.error as err:
                raise TrialscreenError(f"{where}: `{name}` is not a valid regular expression ({err})") from err
        try:
            convert = {k: float(v) for k, v in lab.get("convert", {}).items()}
        except (TypeError, ValueError) as err:
            raise TrialscreenError(f"{where}: `convert` must map units to numbers") from err
        out.append(
            Lab(
                key=lab["key"],
                label=lab["label"],
                unit=lab["unit"],
                criterion=lab["criterion"],
                patient=lab["patient"],
                convert=convert,
                uln=bool(lab.get("uln", False)),
                group=str(lab.get("group", "")),
            )
        )
    if not out:
        raise TrialscreenError(f"{FILE}: no [[lab]] entries")
    return tuple(out)


@lru_cache(maxsize=1)
def labs() -> tuple[Lab, ...]:
    return load_labs(resources.files("eligibility").joinpath("data/labs.toml").read_text("utf-8"))


def lab(key: str) -> Lab | None:
    return next((x for x in labs() if x.key == key), None)


def grouped(key: str) -> list[str]:
    """The lab keys answered together with this one (itself first)."""
    found = lab(key)
    if found is None or not found.group:
        return [key]
    return [key] + [x.key for x in labs() if x.group == found.group and x.key != key]


def measured() -> tuple[Lab, ...]:
    """Labs given as values in a unit."""
    return tuple(lab for lab in labs() if not lab.uln)


def uln_labs() -> tuple[Lab, ...]:
    """Labs given as multiples of the upper limit of normal."""
    return tuple(lab for lab in labs() if lab.uln)
