"""Lab tests from `eligibility/data/labs.toml`: one table for criteria (compiler) and patients (extract).

Every entry is checked when first loaded; a missing field or a broken pattern names the file, the lab
and the field. The file also names the units criteria write (`[units]`): a threshold's unit is read
as one of those names, and a lab converts only the units it lists.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

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
    offset: dict[str, float] = field(default_factory=dict)  # other unit -> added after the factor (°F -> °C)
    uln: bool = False  # stated as a multiple of the upper limit of normal
    group: str = ""  # labs asked and answered together ("transaminases": ALT and AST)
    range: tuple[float, float] | None = None  # plausible thresholds in the canonical unit (others: not read)
    bare: tuple[str, ...] = ()  # units a threshold written without one may be in (outside `range`)
    only_with_unit: bool = False  # read only from a threshold that carries one of its units
    patient_range: tuple[float, float] | None = None  # a patient's value outside it is not this lab's (20 °C)
    patient_not_after: str = ""  # regex: words after a patient's value that make it another measurement
    defines: tuple[str, ...] = ()  # ICD-10-CM references of the conditions a value of the lab defines

    def other_measurement(self, after: str) -> bool:
        """Whether the words right after a patient's value make it another measurement than criteria
        mean ("SpO2 95% on 4 L oxygen" is not on room air)."""
        return bool(self.patient_not_after) and _compiled(self.patient_not_after).match(after) is not None

    @property
    def named(self) -> re.Pattern[str]:
        """How criteria name it, compiled once."""
        return _compiled(self.criterion)

    def factor(self, unit: str) -> float | None:
        """The factor that converts a value in `unit` (a [units] name) to the canonical unit, or None
        when the lab is not measured in that unit."""
        if unit == self.unit.lower():
            return 1.0
        return self.convert.get(unit)

    def converted(self, value: float, unit: str) -> float | None:
        """A value in `unit` (a [units] name) in the canonical unit, or None when the lab is not measured
        in that unit: the factor, then the offset of a scale that does not start at zero (°F to °C)."""
        f = self.factor(unit)
        return None if f is None else value * f + self.offset.get(unit, 0.0)

    def in_unit(self, value: float, unit: str) -> float:
        """A canonical value written in `unit`, one of the lab's (the inverse of `converted`)."""
        f = self.factor(unit)
        if f is None:
            raise ValueError(f"{self.label} is not measured in {unit}")
        return (value - self.offset.get(unit, 0.0)) / f

    def canonical(self, value: float, unit: str) -> float | None:
        """A threshold in the canonical unit, or None when it cannot be read honestly: a unit the lab
        does not have, no unit where one is needed, or a bare number no unit makes plausible."""
        if unit:
            converted = self.converted(value, unit)
            converted = None if converted is None else round(converted, 6)
            return converted if converted is not None and self._plausible(converted) else None
        if self.only_with_unit:
            return None
        if self.range is None or self._plausible(value):
            return value
        return self._bare(value)

    def _bare(self, value: float) -> float | None:
        """A number written without a unit, in the first of the `bare` units that makes it plausible."""
        for name in self.bare:
            converted = self.converted(value, name)
            if converted is not None and self._plausible(round(converted, 6)):
                return round(converted, 6)
        return None

    def patient_value(self, value: float, unit: str) -> float | None:
        """A patient's value in the canonical unit. A unit written is converted as it is (a patient's value
        may be far from any threshold: neutrophils 0.0); a bare number above the range is read in the
        first `bare` unit that makes it plausible ("Plt: 350000" per microlitre), else not at all."""
        if unit:
            converted = self.converted(value, unit)
            if converted is None:
                return None
            low, high = self.patient_range or (float("-inf"), float("inf"))
            return converted if low <= converted <= high else None
        if self.patient_range and not self.patient_range[0] <= value <= self.patient_range[1]:
            return self._bare(value)  # "temperature 101.3": not °C, maybe °F
        if self.range is None or value <= self.range[1]:
            return value
        return self._bare(value)

    def _plausible(self, value: float) -> bool:
        return self.range is None or self.range[0] <= value <= self.range[1]


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(f"(?:{pattern})", re.IGNORECASE)


def _range(lab: dict[str, Any], where: str, name: str = "range") -> tuple[float, float] | None:
    raw = lab.get(name)
    if raw is None:
        return None
    if (
        not isinstance(raw, list)
        or len(raw) != 2
        or not all(isinstance(x, int | float) for x in raw)
        or raw[0] > raw[1]
    ):
        raise TrialscreenError(f"{where}: `{name}` must be two numbers, low then high, in the lab's unit")
    return float(raw[0]), float(raw[1])


def _checked_units(lab: dict[str, Any], where: str) -> tuple[dict[str, float], dict[str, float], tuple[str, ...]]:
    """`convert` (unit names of [units], and spellings patients write, -> factor), `offset` (unit -> what
    is added after the factor) and `bare`."""
    try:
        convert = {k.lower(): float(v) for k, v in lab.get("convert", {}).items()}
        offset = {k.lower(): float(v) for k, v in lab.get("offset", {}).items()}
    except (TypeError, ValueError, AttributeError) as err:
        raise TrialscreenError(f"{where}: `convert` and `offset` must map units to numbers") from err
    if any(u not in convert for u in offset):
        raise TrialscreenError(f"{where}: `offset` must name units of its `convert` (the factor comes first)")
    bare = lab.get("bare", [])
    if not isinstance(bare, list) or any(b not in convert for b in bare):
        raise TrialscreenError(f"{where}: `bare` must list units of its `convert`")
    return convert, offset, tuple(bare)


def _defines(lab: dict[str, Any], where: str) -> tuple[str, ...]:
    raw = lab.get("defines", [])
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise TrialscreenError(f"{where}: `defines` must list ICD-10-CM codes or blocks (D50-D64, R50)")
    return tuple(raw)


def load_units(text: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The [units] table: each unit's name and its spellings, in the file's order."""
    raw = tomllib.loads(text).get("units", {})
    if not isinstance(raw, dict):
        raise TrialscreenError(f"{FILE}: [units] must map unit names to regular expressions")
    out = []
    for name, pattern in raw.items():
        if not isinstance(pattern, str) or not pattern:
            raise TrialscreenError(f"{FILE}: [units] {name!r} must be a regular expression")
        try:
            out.append((name.lower(), re.compile(f"(?:{pattern})", re.IGNORECASE)))
        except re.error as err:
            raise TrialscreenError(f"{FILE}: [units] {name!r} is not a valid regular expression ({err})") from err
    return tuple(out)


def load_labs(text: str) -> tuple[Lab, ...]:
    raw = tomllib.loads(text)
    load_units(text)  # checked with the labs
    out = []
    for i, lab in enumerate(raw.get("lab", [])):
        where = f"{FILE}: lab {lab.get('key', i + 1)}"
        for name in ("key", "label", "unit", "criterion", "patient"):
            if not isinstance(lab.get(name), str) or not lab[name]:
                raise TrialscreenError(f"{where}: `{name}` is missing; it must be a non-empty string")
        for name in ("criterion", "patient", "patient_not_after"):
            if name not in lab:
                continue
            try:
                re.compile(lab[name])
            except re.error as err:
                raise TrialscreenError(f"{where}: `{name}` is not a valid regular expression ({err})") from err
        convert, offset, bare = _checked_units(lab, where)
        out.append(
            Lab(
                key=lab["key"],
                label=lab["label"],
                unit=lab["unit"],
                criterion=lab["criterion"],
                patient=lab["patient"],
                convert=convert,
                offset=offset,
                uln=bool(lab.get("uln", False)),
                group=str(lab.get("group", "")),
                range=_range(lab, where),
                bare=bare,
                only_with_unit=bool(lab.get("only_with_unit", False)),
                patient_range=_range(lab, where, "patient_range"),
                patient_not_after=str(lab.get("patient_not_after", "")),
                defines=_defines(lab, where),
            )
        )
    if not out:
        raise TrialscreenError(f"{FILE}: no [[lab]] entries")
    return tuple(out)


def _text() -> str:
    return resources.files("eligibility").joinpath("data/labs.toml").read_text("utf-8")


@lru_cache(maxsize=1)
def labs() -> tuple[Lab, ...]:
    return load_labs(_text())


@lru_cache(maxsize=1)
def units() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The units criteria write, by name (`[units]` of the file)."""
    return load_units(_text())


def unit_named(written: str) -> str | None:
    """The name of the unit a criterion wrote ('cells/mm^3' -> '/ul'), or None when it is none of them."""
    return next((name for name, pattern in units() if pattern.fullmatch(written.strip())), None)


# A value as reports write it: "12,000", "8.9", "90k" (thousands); groups `num` and `k`.
VALUE = r"(?P<num>\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?)(?P<k>\s?k\b)?"
_VALUE = re.compile(VALUE, re.IGNORECASE)


@dataclass(frozen=True)
class Reported:
    """A value as written, with the unit written right after it ([units] name, '' when none)."""

    value: float
    unit: str
    written: str  # the unit as written, with the space before it ('' when none is)


def reported(match: re.Match[str], text: str) -> Reported:
    """The value a `VALUE` match read in `text`, with its unit: "plt 90k" is 90,000 per microlitre."""
    value = float(match.group("num").replace(",", ""))
    after = text[match.end() : match.end() + 30]
    unit, written = unit_at(after), unit_text(after)
    if match.group("k"):
        value, unit = value * 1000, unit or "/ul"
    return Reported(value, unit, written)


def first_value(text: str) -> re.Match[str] | None:
    """The first value written in a reply ("7.2 mmol/L", "about 115")."""
    return _VALUE.search(text)


def unit_text(after: str) -> str:
    """The unit written right after a value (a [units] spelling), as written, with the space before it."""
    for _, pattern in units():
        m = pattern.match(after.lstrip())
        if m:
            return after[: len(after) - len(after.lstrip())] + m.group(0)
    return ""


def unit_at(after: str) -> str:
    """The [units] name of the unit written right after a value ('' when none is)."""
    return next((name for name, pattern in units() if pattern.match(after.lstrip())), "")


def lab(key: str) -> Lab | None:
    return next((x for x in labs() if x.key == key), None)


def grouped(key: str) -> list[str]:
    """The lab keys answered together with this one (itself first)."""
    found = lab(key)
    if found is None or not found.group:
        return [key]
    return [key] + [x.key for x in labs() if x.group == found.group and x.key != key]


@lru_cache(maxsize=1)
def measured() -> tuple[Lab, ...]:
    """Labs given as values in a unit."""
    return tuple(lab for lab in labs() if not lab.uln)


@lru_cache(maxsize=1)
def uln_labs() -> tuple[Lab, ...]:
    """Labs given as multiples of the upper limit of normal."""
    return tuple(lab for lab in labs() if lab.uln)
