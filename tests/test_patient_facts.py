"""Patient facts given as JSON are untrusted input: each is validated for its type, strictly, and
anything else is refused in one line that names the fact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eligibility.patient import load_patient, profile_from_facts
from trialscreen.errors import TrialscreenError

NUMBER_FACTS = {"age": (0, 120), "weight_kg": (20, 350), "bmi": (10, 80), "score:sledai": (0, 105)}
YES_NO_FACTS = ["pregnant", "breastfeeding", "dx:sle", "cond:cancer", "prior:rituximab", "allergy:il-2"]


def _refused(facts: dict[str, object]) -> str:
    with pytest.raises(TrialscreenError) as err:
        profile_from_facts(facts)
    message = str(err.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("facts", "says"),
    [
        ({"age": "abc"}, "'age' must be a number"),
        ({"age": "300"}, "'age' must be a number"),
        ({"age": "34"}, "'age' must be a number"),
        ({"age": True}, "'age' must be a number"),
        ({"age": 300}, "age=300 is outside 0-120"),
        ({"pregnant": "maybe"}, "'pregnant' must be true or false"),
        ({"pregnant": 1}, "'pregnant' must be true or false"),
        ({"pregnant": "n"}, "'pregnant' must be true or false"),
        ({"sex": "F"}, '\'sex\' must be "female" or "male"'),
        ({"med:prednisone": "7.5"}, "'med:prednisone' must be a dose in mg/day"),
        ({"med:prednisone": -3}, "cannot be negative"),
        ({"prior:rituximab": {"value": True, "months_ago": "3"}}, "'prior:rituximab': 'months_ago' should be"),
        ({"lab:alt": {"uln_multiple": "2.5"}}, "'lab:alt': 'uln_multiple' should be"),
        ({"cond:cancer": {"value": False, "since": 2019}}, "unknown detail 'since'"),
        ({"favourite_colour": "blue"}, "is not a known fact key"),
    ],
)
def test_a_bad_fact_is_refused_in_one_line_naming_it(facts: dict[str, object], says: str) -> None:
    assert says in _refused(facts)


def test_yes_and_no_strings_are_read_only_where_they_are_unambiguous() -> None:
    for word, value in (("no", False), ("No", False), ("false", False), ("yes", True), ("TRUE", True)):
        assert profile_from_facts({"pregnant": word}).value("pregnant") is value
    assert profile_from_facts({"pregnant": False}).value("pregnant") is False
    assert profile_from_facts({"med:prednisone": "no"}).value("med:prednisone") is False
    assert (
        profile_from_facts({"prior:rituximab": {"value": "yes", "current": "no"}}).get("prior:rituximab").current
        is False
    )


def test_numbers_stay_numbers() -> None:
    profile = profile_from_facts({"age": 34, "weight_kg": 63.5, "med:prednisone": 7.5, "lab:alt": {"uln_multiple": 2}})
    assert profile.value("age") == 34 and profile.value("weight_kg") == 63.5
    assert profile.get("med:prednisone").detail["mg_day"] == 7.5
    assert profile.get("lab:alt").detail["uln_multiple"] == 2


@given(
    key=st.sampled_from(sorted(NUMBER_FACTS)),
    value=st.one_of(st.integers(-1000, 1000), st.floats(-1e6, 1e6, allow_nan=False)),
)
def test_a_number_fact_is_kept_exactly_when_it_is_within_its_limits(key: str, value: float) -> None:
    low, high = NUMBER_FACTS[key]
    if low <= value <= high:
        assert profile_from_facts({key: value}).value(key) == value
    else:
        assert "is outside" in _refused({key: value})


@given(
    key=st.sampled_from(sorted(NUMBER_FACTS)),
    value=st.one_of(st.text(max_size=8), st.booleans(), st.lists(st.integers(), max_size=2)),
)
def test_a_number_fact_never_takes_a_string_a_boolean_or_a_list(key: str, value: object) -> None:
    assert f"{key!r} must be a number" in _refused({key: value})


@given(key=st.sampled_from(YES_NO_FACTS), value=st.one_of(st.text(max_size=8), st.integers(), st.floats()))
def test_a_yes_no_fact_takes_only_booleans_and_yes_no_words(key: str, value: object) -> None:
    word = value.strip().lower() if isinstance(value, str) else None
    if word in ("yes", "true"):
        assert profile_from_facts({key: value}).value(key) is True
    elif word in ("no", "false"):
        assert profile_from_facts({key: value}).value(key) is False
    else:
        assert f"{key!r} must be true or false" in _refused({key: value})


@pytest.mark.parametrize(
    "text",
    [
        '{"age":' * 50_000,  # absurd nesting: json's recursion limit
        '{"age": ' + "[" * 50_000 + "]" * 50_000 + "}",
        '{"age": 34',
        '{"text": 34}',
    ],
)
def test_bad_json_gets_one_line(text: str) -> None:
    with pytest.raises(TrialscreenError) as err:
        load_patient(text)
    assert "\n" not in str(err.value) and str(err.value).startswith("patient facts")


def test_a_patient_file_is_read_with_a_size_limit(tmp_path: Path) -> None:
    with pytest.raises(TrialscreenError, match="patient file /dev/zero is over 1024 KB"):
        load_patient("@/dev/zero")
    big = tmp_path / "big.txt"
    big.write_text("woman with SLE. " * 100_000, "utf-8")
    with pytest.raises(TrialscreenError, match="is over 1024 KB"):
        load_patient(f"@{big}")
    facts = tmp_path / "facts.json"
    facts.write_text(json.dumps({"age": 34, "pregnant": "no"}), "utf-8")
    profile = load_patient(f"@{facts}")
    assert profile.value("age") == 34 and profile.value("pregnant") is False
