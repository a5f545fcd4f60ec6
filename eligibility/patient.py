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
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from eligibility.extract import read_patient
from eligibility.facts import Evidence, Fact, Profile
from eligibility.kinds import spec_for
from trialscreen.errors import TrialscreenError

_KEY = re.compile(
    r"^(age|sex|weight_kg|height_cm|bmi|bp_systolic|bp_diastolic|pregnant|breastfeeding|childbearing|"
    r"contraception|trial|refractory|active_sle|meds_stable_months|standard_treatment|stable_regimen|"
    r"new_medicine|steroid_courses|race:black|score:sledai|dx:sle|healthy_volunteer|allergy:[a-z0-9 -]+|"
    r"ask:[0-9a-f]{10}|"
    r"(lab|cond|med|prior):[a-z0-9_ :-]+|months_on:[a-z0-9_ :+-]+)$"
)
_SPEC_KEY = re.compile(r"^[a-z_]+(:[a-z0-9_ -]+)*$")  # the shape of a kind's fact key ("courses:corticosteroid:3")
_LIMITS = {
    "age": (0, 120),
    "weight_kg": (20, 350),
    "height_cm": (40, 260),
    "bmi": (10, 80),
    "bp_systolic": (60, 260),
    "bp_diastolic": (30, 160),
    "score:sledai": (0, 105),
    "meds_stable_months": (0, 600),
}
_NUMBERS = set(_LIMITS)
_MAX_FILE_BYTES = 1024 * 1024  # a patient file (--patient @FILE) is read up to this size
_YES_NO = {"yes": True, "no": False, "true": True, "false": False}


def _yes_no(value: Any) -> Any:
    """'yes'/'no' (and 'true'/'false') read as booleans; any other string is left for strict validation to refuse."""
    if isinstance(value, str) and value.strip().lower() in _YES_NO:
        return _YES_NO[value.strip().lower()]
    return value


YesNo = Annotated[bool, BeforeValidator(_yes_no)]


class _Detail(BaseModel):
    """What the object form of a fact may add to its value: when, and details of labs and conditions."""

    model_config = ConfigDict(extra="forbid", strict=True)

    value: Any = None  # each kind of fact narrows it
    months_ago: float | None = Field(default=None, ge=0, le=1200)
    # the look-back window the statement covers: {"value": false, "within_months": 12} is
    # "none in the past year"; {"value": true, "within_months": 36} is "yes, in the past 3 years"
    within_months: float | None = Field(default=None, ge=0, le=1200)
    current: YesNo | None = None
    uln_multiple: float | None = Field(default=None, ge=0, le=100)
    subtype: str | None = Field(default=None, max_length=100)
    nyha_class: int | None = Field(default=None, ge=1, le=4)
    route: str | None = Field(default=None, max_length=100)
    normal: YesNo | None = None
    # a 'no' about high doses only: {"value": false, "above_mg_day": 100} is "none above 100 mg a day"
    above_mg_day: float | None = Field(default=None, ge=0, le=100000)
    dose_inclusive: bool | None = None  # ... and none of exactly that dose either
    per_kg: bool | None = None  # the dose is in mg per kg a day
    # a 'no' about the drugs of a class other than these: {"value": false, "except_drugs": ["mycophenolate mofetil"]}
    except_drugs: list[str] | None = Field(default=None, max_length=50)


class NumberFact(_Detail):
    value: float | None = None  # a JSON number: not a string, not true/false


class YesNoFact(_Detail):
    value: YesNo | None = None  # true/false, or the strings "yes"/"no"


class SexFact(_Detail):
    value: Literal["female", "male"] | None = None


class LabFact(_Detail):
    value: float | bool | None = None  # the lab value in its unit, or positive/negative


class MedicineFact(_Detail):
    value: float | YesNo | None = Field(default=None, union_mode="left_to_right")  # mg/day, or taking it: yes/no


def _schema(key: str) -> type[_Detail]:
    if key in _NUMBERS or _limits(key) is not None:
        return NumberFact
    if key == "sex":
        return SexFact
    if key.startswith("lab:"):
        return LabFact
    if key.startswith("med:"):
        return MedicineFact
    return YesNoFact  # pregnant, cond:*, prior:*, dx:sle, allergy:*, ...


_KINDS = {
    NumberFact: 'a number (e.g. 34, not "34")',
    YesNoFact: 'true or false (or "yes" / "no")',
    SexFact: '"female" or "male"',
    LabFact: "a number in the lab's unit, or true/false",
    MedicineFact: 'a dose in mg/day, or true/false (or "yes" / "no")',
}


def value_kind(key: str) -> str:
    """What a fact key's value must be, in words ('true or false (or "yes" / "no")')."""
    return _KINDS[_schema(key)]


def _refusal(key: str, schema: type[_Detail], err: ValidationError) -> TrialscreenError:
    first = err.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else "value"
    got = json.dumps(first.get("input"), ensure_ascii=False)[:60]
    if first["type"] == "extra_forbidden":
        known = ", ".join(n for n in _Detail.model_fields if n != "value")
        return TrialscreenError(f"patient fact {key!r}: unknown detail {field!r}; a fact may give value, {known}")
    if field == "value":
        return TrialscreenError(f"patient fact {key!r} must be {_KINDS[schema]} (got {got})")
    wanted = first["msg"].replace("Input should be", "should be")
    return TrialscreenError(f"patient fact {key!r}: {field!r} {wanted} (got {got})")


def _known(key: str) -> bool:
    """A key this module names, or the fact of a rule kind (`eligibility.kinds`: its FactSpec)."""
    return bool(_KEY.match(key)) or (_SPEC_KEY.match(key) is not None and spec_for(key) is not None)


def _limits(key: str) -> tuple[float, float] | None:
    if key in _LIMITS:
        return _LIMITS[key]
    spec = spec_for(key)
    return spec.limits if spec is not None else None  # a family's limits hold for each of its keys


def _fact(key: str, raw: Any) -> Fact:
    if not _known(key):
        raise TrialscreenError(f"patient fact {key!r} is not a known fact key (see eligibility/facts.py)")
    schema = _schema(key)
    try:
        item = schema.model_validate(raw if isinstance(raw, dict) else {"value": raw})
    except ValidationError as err:
        raise _refusal(key, schema, err) from err
    limits = _limits(key)
    if limits is not None and item.value is not None and not isinstance(item.value, bool):
        low, high = limits
        if not low <= float(item.value) <= high:
            raise TrialscreenError(f"patient fact {key}={item.value:g} is outside {low}-{high}; check the answer")
    if key == "sex" and item.value is None:
        raise TrialscreenError('patient fact \'sex\' must be "female" or "male"')
    value: Any = item.value
    detail: dict[str, Any] = {}
    for name in (
        "uln_multiple",
        "subtype",
        "nyha_class",
        "route",
        "normal",
        "above_mg_day",
        "dose_inclusive",
        "per_kg",
        "except_drugs",
    ):
        if getattr(item, name) is not None:
            detail[name] = getattr(item, name)
    if key.startswith("med:") and isinstance(value, int | float) and not isinstance(value, bool):
        if value < 0:
            raise TrialscreenError(f"patient fact {key!r}: a dose of {value:g} mg/day cannot be negative")
        detail["mg_day"] = float(value)
    current = item.current
    if key.startswith("med:") and value is not False and current is None:
        current = True
    when = item.months_ago if item.months_ago is not None else (0.0 if current else None)
    return Fact(
        key=key,
        value=value,
        evidence=Evidence(text=f"{key}: {json.dumps(raw)}"),
        when_months=when,
        current=current,
        detail=detail,
        covers_months=item.within_months,
    )


def profile_from_facts(data: dict[str, Any], base: Profile | None = None) -> Profile:
    """A profile from structured facts; facts given here replace what `base` says of the same key.

    Each fact is validated strictly for its type (numbers are JSON numbers, yes/no facts are
    true/false or "yes"/"no"); the first bad one is refused in one line that names it.
    """
    if not isinstance(data, dict):
        raise TrialscreenError("patient facts must be a JSON object of fact keys to values")
    facts = [_fact(str(key), raw) for key, raw in data.items()]  # all checked before any is used
    profile = base or Profile()
    for fact in facts:
        kept = profile.facts.get(fact.key, [])
        if not (_qualified_denial(fact) and kept and all(_qualified_denial(f) for f in kept)):
            profile.facts[fact.key] = []  # replaces what was said; 'no IV steroids' beside 'none above 100 mg' stays
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
    return profile


def _qualified_denial(fact: Fact) -> bool:
    """A 'no' about one route, high doses, or the other drugs of a class only: several stand side by side."""
    return fact.value is False and any(k in fact.detail for k in ("route", "above_mg_day", "except_drugs"))


def read_patient_file(path: str, limit: int = _MAX_FILE_BYTES) -> str:
    """A patient file's text, read up to `limit` bytes (a device or a huge file gets one line, not a hang)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as err:
        raise TrialscreenError(f"cannot read patient file {path}: {err.strerror or err}") from err
    if len(data) > limit:
        raise TrialscreenError(
            f"patient file {path} is over {limit // 1024} KB; a patient description or referral note is far shorter"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise TrialscreenError(f"patient file {path} is not UTF-8 text; re-save it as UTF-8") from err


def parse_facts_json(text: str) -> Any:
    """JSON of patient facts, with one line for what is not valid JSON (including absurd nesting)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise TrialscreenError(f"patient facts are not valid JSON ({err.msg} at line {err.lineno})") from err
    except RecursionError as err:
        raise TrialscreenError("patient facts are nested too deeply; give a flat object of fact keys") from err


def load_patient(arg: str, today: date | None = None) -> Profile:
    """`--patient TEXT|@FILE`: free text, or a JSON object of structured facts (detected by content)."""
    text = read_patient_file(arg[1:]) if arg.startswith("@") else arg
    stripped = text.strip()
    if not stripped:
        raise TrialscreenError("the patient text is empty; describe the patient or pass @FILE")
    if stripped.startswith("{"):
        data = parse_facts_json(stripped)
        if not isinstance(data, dict):
            raise TrialscreenError("patient facts must be a JSON object of fact keys to values")
        text_part = data.pop("text", "")
        if not isinstance(text_part, str):
            raise TrialscreenError("patient facts: 'text' must be a string (the patient's own words)")
        base = read_patient(text_part, today) if text_part else None
        return profile_from_facts(data, base)
    return read_patient(text, today)
