"""Patient input: free text, structured facts (JSON), or both. Structured facts use the same fact
keys as the profile (`eligibility.facts`), so the chat can pass answers directly:

    {"age": 34, "sex": "female", "cond:cancer": false, "med:prednisone": 7.5,
     "prior:rituximab": {"value": true, "months_ago": 3}, "lab:alt": {"uln_multiple": 2.5}}

They are untrusted input and are validated (pydantic) before use.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from eligibility.extract import read_patient
from eligibility.facts import Evidence, Fact, Profile
from trialscreen.errors import TrialscreenError

_KEY = re.compile(
    r"^(age|sex|weight_kg|height_cm|bmi|bp_systolic|bp_diastolic|pregnant|breastfeeding|childbearing|"
    r"contraception|trial|refractory|active_sle|meds_stable_months|standard_treatment|stable_regimen|"
    r"new_medicine|steroid_courses|race:black|score:sledai|dx:sle|healthy_volunteer|allergy:[a-z0-9 -]+|"
    r"(lab|cond|med|prior):[a-z0-9_ :-]+)$"
)
_LIMITS = {
    "age": (0, 120),
    "weight_kg": (20, 350),
    "bmi": (10, 80),
    "bp_systolic": (60, 260),
    "bp_diastolic": (30, 160),
    "score:sledai": (0, 105),
    "meds_stable_months": (0, 600),
}


class FactValue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: bool | float | str | None = None
    months_ago: float | None = Field(default=None, ge=0, le=1200)
    # the look-back window the statement covers: {"value": false, "within_months": 12} is
    # "none in the past year"; {"value": true, "within_months": 36} is "yes, in the past 3 years"
    within_months: float | None = Field(default=None, ge=0, le=1200)
    current: bool | None = None
    uln_multiple: float | None = Field(default=None, ge=0, le=100)
    subtype: str | None = None
    nyha_class: int | None = Field(default=None, ge=1, le=4)
    route: str | None = None
    normal: bool | None = None


def _fact(key: str, raw: Any) -> Fact:
    if not _KEY.match(key):
        raise TrialscreenError(f"patient fact {key!r} is not a known fact key (see eligibility/facts.py)")
    item = FactValue.model_validate(raw if isinstance(raw, dict) else {"value": raw})
    if key in _LIMITS and isinstance(item.value, int | float) and not isinstance(item.value, bool):
        low, high = _LIMITS[key]
        if not low <= float(item.value) <= high:
            raise TrialscreenError(f"patient fact {key}={item.value} is outside {low}-{high}; check the answer")
    if key == "sex" and item.value not in ("female", "male"):
        raise TrialscreenError("patient fact sex must be 'female' or 'male'")
    detail: dict[str, Any] = {}
    for name in ("uln_multiple", "subtype", "nyha_class", "route", "normal"):
        if getattr(item, name) is not None:
            detail[name] = getattr(item, name)
    if key.startswith("med:") and isinstance(item.value, int | float) and not isinstance(item.value, bool):
        detail["mg_day"] = float(item.value)
    current = item.current
    if key.startswith("med:") and item.value is not False and current is None:
        current = True
    when = item.months_ago if item.months_ago is not None else (0.0 if current else None)
    return Fact(
        key=key,
        value=item.value,
        evidence=Evidence(text=f"{key}: {json.dumps(raw)}"),
        when_months=when,
        current=current,
        detail=detail,
        covers_months=item.within_months,
    )


def profile_from_facts(data: dict[str, Any], base: Profile | None = None) -> Profile:
    """A profile from structured facts; facts given here replace what `base` says of the same key."""
    if not isinstance(data, dict):
        raise TrialscreenError("patient facts must be a JSON object of fact keys to values")
    profile = base or Profile()
    try:
        for key, raw in data.items():
            fact = _fact(str(key), raw)
            profile.facts[fact.key] = []
            profile.add(fact)
            if fact.key.startswith("med:") and fact.value is not False:
                drug = fact.key[4:]
                profile.facts.setdefault(f"prior:{drug}", []).append(
                    Fact(
                        f"prior:{drug}",
                        True,
                        fact.evidence,
                        when_months=0.0,
                        current=True,
                        detail=fact.detail,
                    )
                )
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise TrialscreenError(f"patient facts: {where}: {first['msg']}") from err
    return profile


def load_patient(arg: str, today: date | None = None) -> Profile:
    """`--patient TEXT|@FILE`: free text, or a JSON object of structured facts (detected by content)."""
    text = arg
    if arg.startswith("@"):
        path = arg[1:]
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except OSError as err:
            raise TrialscreenError(f"cannot read patient file {path}: {err.strerror or err}") from err
        except UnicodeDecodeError as err:
            raise TrialscreenError(f"patient file {path} is not UTF-8 text; re-save it as UTF-8") from err
    stripped = text.strip()
    if not stripped:
        raise TrialscreenError("the patient text is empty; describe the patient or pass @FILE")
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as err:
            raise TrialscreenError(f"patient facts are not valid JSON ({err.msg} at line {err.lineno})") from err
        text_part = data.pop("text", "") if isinstance(data, dict) else ""
        base = read_patient(str(text_part), today) if text_part else None
        return profile_from_facts(data, base)
    return read_patient(text, today)
