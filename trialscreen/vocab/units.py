"""Unit conversion through pint, with the spellings labs and registries use (`trialscreen/data/units.toml`).

    >>> convert(1.2, "mg/dL", "g/L")
    0.012
    >>> convert(4.5, "x10^9/L", "/mm3")
    4500.0
    >>> convert(1.0, "mg/dL", "µmol/L", substance="creatinine")
    88.4...

The pint registry is made once, on the first conversion (about a quarter of a second); each pair of units
is worked out once and then costs a multiplication.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from trialscreen import datafile
from trialscreen.vocab.errors import UnitMismatchError, UnknownUnitError, VocabularyDataError

FILE = "units.toml"
_SUPERSCRIPT = str.maketrans({"²": "**2", "³": "**3", "⁹": "9", "µ": "u", "μ": "u", "×": "x"})


class UnitsData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    definitions: list[str] = []
    aliases: dict[str, str] = Field(min_length=1)
    molar_mass: dict[str, float] = {}

    @field_validator("molar_mass")
    @classmethod
    def _positive(cls, v: dict[str, float]) -> dict[str, float]:
        bad = [k for k, m in v.items() if not m > 0]
        if bad:
            raise ValueError(f"molar masses must be positive (g/mol): {bad}")
        return v


class Units:
    def __init__(self, data: UnitsData) -> None:
        import pint  # a quarter of a second: only when a conversion is asked for

        self.data = data
        self.registry: Any = pint.UnitRegistry(cache_folder=None)
        self._errors: tuple[type[Exception], ...] = (pint.errors.PintError, ValueError, AttributeError, TypeError)
        for line in data.definitions:
            try:
                self.registry.define(line)
            except self._errors as err:
                raise VocabularyDataError(f"trialscreen/data/{FILE}: definition {line!r} is not valid ({err})") from err
        self.aliases = dict(data.aliases)
        self._folded = {k.lower(): v for k, v in data.aliases.items()}
        for spelling, expr in data.aliases.items():
            try:
                self.registry.parse_expression(expr)
            except self._errors as err:
                raise VocabularyDataError(
                    f"trialscreen/data/{FILE}: alias {spelling!r} = {expr!r} is not a pint expression ({err})"
                ) from err

    def expression(self, unit: str) -> str:
        """The pint expression for a unit as written: exact alias, alias in any case, then pint's own."""
        unit = unit.strip()
        if unit in self.aliases:
            return self.aliases[unit]
        if unit.lower() in self._folded and unit.lower() != "g/l":  # "G/L" (giga) is not "g/L" (gram)
            return self._folded[unit.lower()]
        expr = re.sub(r"^x\s*10\^?(\d+)", r"1e\1 ", unit.translate(_SUPERSCRIPT)).replace("^", "**")
        try:
            self.registry.parse_expression(expr)
        except self._errors as err:
            raise UnknownUnitError(
                f"unknown unit {unit!r}: add its spelling to trialscreen/data/{FILE} [aliases] "
                f"(known spellings include {', '.join(sorted(self.aliases)[:8])}, ...)"
            ) from err
        return expr

    @lru_cache(maxsize=4096)  # noqa: B019  (one instance per process)
    def factor(self, from_unit: str, to_unit: str, substance: str = "") -> float:
        """What one `from_unit` is in `to_unit`."""
        reg = self.registry
        source, target = (
            reg.parse_expression(self.expression(from_unit)),
            reg.parse_expression(self.expression(to_unit)),
        )
        quantity = 1 * source
        if substance and quantity.dimensionality != target.dimensionality:
            mass = self.data.molar_mass.get(substance.lower())
            if mass is None:
                raise UnitMismatchError(
                    f"no molar mass for {substance!r}: add it to trialscreen/data/{FILE} [molar_mass] (g/mol)"
                )
            molar = mass * reg.parse_expression("g/mol")
            for candidate in (quantity / molar, quantity * molar):
                if candidate.dimensionality == target.dimensionality:
                    quantity = candidate
                    break
        try:
            value = float(quantity.to(target.units).magnitude / target.magnitude)
        except self._errors as err:
            ratio = str((quantity / target).dimensionality)
            hint = " (mass and amount of substance: pass substance=, e.g. 'creatinine')"
            hint = hint if "[substance]" in ratio and "[mass]" in ratio and not substance else ""
            raise UnitMismatchError(
                f"cannot convert {from_unit!r} to {to_unit!r}: they measure different things{hint}"
            ) from err
        return value


@lru_cache(maxsize=1)
def units() -> Units:
    return Units(datafile.load(UnitsData, FILE))


def convert(value: float, from_unit: str, to_unit: str, substance: str = "") -> float:
    """`value` in `from_unit`, in `to_unit`. `substance` names what is measured when mass meets amount.

    Raises UnknownUnitError for a spelling nobody knows, UnitMismatchError for units of different kinds.
    """
    if not math.isfinite(value):
        raise ValueError(f"cannot convert {value!r}: not a finite number")
    if from_unit.strip() == to_unit.strip():
        return value
    return value * units().factor(from_unit, to_unit, substance)


def known(unit: str) -> bool:
    """True when `unit` is a spelling the converter understands."""
    try:
        units().expression(unit)
    except UnknownUnitError:
        return False
    return True
