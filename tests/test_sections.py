"""Screening uses the part of a trial that fits the person (eligibility/sections.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eligibility.compiler import compile_trial
from eligibility.engine import Screening, screen
from eligibility.patient import profile_from_facts
from eligibility.sections import load_section_rules
from index.readers import read_trial
from trialscreen.errors import TrialscreenError
from trialscreen.model import Trial

PARTS = """Part 1: Key Inclusion Criteria For Healthy Volunteers

- Body mass index between 18 and 30 kg/m2
- Age 18 to 55 years

Part 1: Key Exclusion Criteria For Healthy Volunteers

- Pregnant or breastfeeding

Part 2: Key Inclusion Criteria For Patients

- Age 18 to 75 years
- SLEDAI-2K score of at least 6

Part 2: Key Exclusion Criteria For Patients

- Pregnant or breastfeeding
- Rituximab within 12 months
"""

STEPS = """Inclusion Criteria - Step 1

- Age 18 to 75 years

Inclusion Criteria - Step 2

- SLEDAI-2K score of at least 6

Exclusion Criteria:

- Pregnant or breastfeeding
"""


def _trial(tmp_path: Path, criteria: str) -> Trial:
    path = tmp_path / "NCT09990001.json"
    record = {"nctid": "NCT09990001", "title": "A two-part study in SLE", "raw_criteria": criteria}
    path.write_text(json.dumps(record), "utf-8")
    return read_trial(path)


def _screen(trial: Trial, facts: dict[str, Any]) -> Screening:
    return screen(trial, compile_trial(trial), profile_from_facts(facts))


def _verdicts(result: Screening, section_word: str) -> list[Any]:
    return [v for v in result.verdicts if section_word in v.criterion.section]


def test_a_patient_is_not_held_to_the_healthy_volunteers_part(tmp_path: Path) -> None:
    trial = _trial(tmp_path, PARTS)
    # 60 years old: past Part 1's age limit, inside Part 2's.
    result = _screen(trial, {"dx:sle": True, "age": 60, "sex": "male", "score:sledai": 8})
    part1 = _verdicts(result, "Part 1")
    assert part1 and all(v.status == "not_applicable" for v in part1)
    assert all("Part 1: Healthy Volunteers" in v.reason for v in part1)
    assert not any(v.disqualifying for v in result.verdicts)
    assert all(v.criterion.text not in result.to_confirm for v in part1)


def test_a_healthy_volunteer_is_not_held_to_the_patients_part(tmp_path: Path) -> None:
    trial = _trial(tmp_path, PARTS)
    result = _screen(trial, {"healthy_volunteer": True, "age": 30, "sex": "male", "score:sledai": 0})
    part2 = _verdicts(result, "Part 2")
    assert part2 and all(v.status == "not_applicable" for v in part2)
    assert result.decision != "ineligible"


def test_the_part_that_fits_still_rules_out(tmp_path: Path) -> None:
    trial = _trial(tmp_path, PARTS)
    result = _screen(trial, {"dx:sle": True, "age": 40, "sex": "male", "score:sledai": 2})
    assert result.decision == "ineligible"
    assert any(v.disqualifying and "Part 2" in v.criterion.section for v in result.verdicts)


def test_when_the_part_is_not_known_a_rule_out_in_one_part_asks_which_part(tmp_path: Path) -> None:
    trial = _trial(tmp_path, PARTS)
    # Nothing says whether this person has the condition; 60 is past Part 1's age limit only.
    result = _screen(trial, {"age": 60, "sex": "male"})
    assert result.decision == "needs_info"
    assert "healthy_volunteer" in result.question_keys
    waiting = [v for v in result.verdicts if "which part fits" in v.reason]
    assert waiting and all("Part 1" in v.criterion.section for v in waiting)


def test_when_every_part_rules_out_the_person_is_ineligible(tmp_path: Path) -> None:
    trial = _trial(tmp_path, PARTS)
    result = _screen(trial, {"age": 80, "sex": "male"})
    assert result.decision == "ineligible"


def test_steps_all_apply(tmp_path: Path) -> None:
    trial = _trial(tmp_path, STEPS)
    assert {c.section for c in trial.criteria_of("inclusion")} == {"Step 1", "Step 2"}
    result = _screen(trial, {"dx:sle": True, "age": 40, "sex": "male", "score:sledai": 2})
    assert result.decision == "ineligible"
    assert any(v.disqualifying and v.criterion.section == "Step 2" for v in result.verdicts)


def test_a_broken_section_file_says_what_to_fix() -> None:
    good = (Path(__file__).resolve().parents[1] / "eligibility" / "data" / "sections.toml").read_text("utf-8")
    assert load_section_rules(good).adult_min_age == 18
    with pytest.raises(TrialscreenError, match="adult_min_age"):
        load_section_rules(good.replace("adult_min_age = 18", "adult_min_age = 'eighteen'"))
    with pytest.raises(TrialscreenError, match="children"):
        load_section_rules(good.replace('children = "children"', ""))
