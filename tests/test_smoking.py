"""Smoking as notes and criteria state it. A note says a person smokes now ("smokes 1 pack per day"), smoked
and stopped ("ex-smoker, quit in 2005", "smoked for 20 years but quit 3 years ago"; a former smoker whose
note gives no time may have stopped last month), never smoked ("has never smoked"), or only that they do
not smoke now ("non-smoker", "Tobacco: none"). Criteria ask for each of those ("Current smokers", "Former
smokers", "Never smokers", "Non-smokers", "History of smoking"), and a status noun with no time ("Smokers")
asks about now. A denial that speaks of now says nothing of the past: a "non-smoker" is not known to have
never smoked."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.engine import screen
from eligibility.extract import read_patient
from tests.test_reading import trial_of

TODAY = date(2014, 6, 1)
SETTINGS = settings(max_examples=25, derandomize=True, deadline=None)

NOTES = {
    "current": [
        "A 55-year-old man. He smokes 1 pack per day.",
        "A 55-year-old man who is a current smoker.",
        "Social history: active smoker, drinks socially.",
        "He smokes 15 cigarettes per day and works as a driver.",
        "58 yo woman with hypertension; she smokes.",
    ],
    "former": [
        "He quit smoking 5 years ago.",
        "Social history: ex-smoker, quit in 2005.",
        "He smoked for 20 years but quit 3 years ago.",
        "She stopped smoking 2 years ago.",
    ],
    "former, undated": [
        "A 55-year-old man who is a former smoker.",
        "Social history: ex-smoker. Works as a teacher.",
        "He used to smoke but quit.",
        "He no longer smokes.",
    ],
    "never": [
        "She has never smoked.",
        "He has no history of smoking.",
        "She is a social drinker with a negative history of smoking or drug use.",
        "A lifetime non-smoker with asthma.",
    ],
    "not now": [
        "He does not smoke.",
        "A 40-year-old non-smoker with back pain.",
        "She denies tobacco use.",
        "Social history: Tobacco: none. Alcohol: rare.",
        "She does not drink alcohol or smoke.",
        "He won't smoke or use any illicit drugs.",
    ],
}

# what each criterion, as an inclusion, says of each status
EXPECTED = {
    "Current smokers": {
        "current": "met",
        "former": "not_met",
        "never": "not_met",
        "not now": "not_met",
        "former, undated": "not_met",
    },
    "Non-smokers": {"current": "not_met", "former": "met", "never": "met", "not now": "met", "former, undated": "met"},
    "Nonsmokers": {"current": "not_met", "former": "met", "never": "met", "not now": "met", "former, undated": "met"},
    "Never smokers": {
        "current": "not_met",
        "former": "not_met",
        "never": "met",
        "not now": "unknown",
        "former, undated": "not_met",
    },
    "Former smokers": {
        "current": "not_met",
        "former": "met",
        "never": "not_met",
        "not now": "unknown",
        "former, undated": "met",
    },
    "Ex-smokers": {
        "current": "not_met",
        "former": "met",
        "never": "not_met",
        "not now": "unknown",
        "former, undated": "met",
    },
    "History of smoking": {
        "current": "met",
        "former": "met",
        "never": "not_met",
        "not now": "unknown",
        "former, undated": "met",
    },
    "Current or former smokers": {
        "current": "met",
        "former": "met",
        "never": "not_met",
        "not now": "unknown",
        "former, undated": "met",
    },
    "Smoking within the past 6 months": {
        "current": "met",
        "former": "not_met",
        "never": "not_met",
        "not now": "unknown",
        "former, undated": "unknown",
    },
}


def status(criterion: str, note: str, kind: str = "inclusion") -> str:
    inclusions, exclusions = ([criterion], []) if kind == "inclusion" else ([], [criterion])
    trial, compiled = trial_of(inclusions, exclusions)
    return str(screen(trial, compiled, read_patient(note, TODAY), TODAY).verdicts[0].status)


@pytest.mark.parametrize("criterion", sorted(EXPECTED))
@SETTINGS
@given(data=st.data())
def test_a_smoking_criterion_is_decided_by_what_the_note_says_of_smoking(criterion: str, data: st.DataObject) -> None:
    which = data.draw(st.sampled_from(sorted(NOTES)))
    note = data.draw(st.sampled_from(NOTES[which]))
    assert status(criterion, note) == EXPECTED[criterion][which], (criterion, note)


@SETTINGS
@given(note=st.sampled_from(NOTES["former"] + NOTES["former, undated"] + NOTES["never"] + NOTES["not now"]))
def test_an_exclusion_of_smokers_excludes_only_those_who_smoke_now(note: str) -> None:
    assert status("Smokers", note, "exclusion") == "not_met"
    assert status("Current tobacco use", note, "exclusion") == "not_met"


@SETTINGS
@given(note=st.sampled_from(NOTES["current"]))
def test_an_exclusion_of_smokers_excludes_a_smoker(note: str) -> None:
    assert status("Smokers", note, "exclusion") == "met"
    assert status("Current smoker or smokeless tobacco user", note, "exclusion") == "met"


@pytest.mark.parametrize(
    "note",
    [
        "His father was a heavy smoker and died of lung cancer.",
        "She was exposed to secondhand smoke as a child.",
        "He was treated for smoke inhalation after a house fire.",
        "A 30-year-old woman with a cough.",
    ],
)
def test_what_is_not_the_persons_own_smoking_decides_nothing(note: str) -> None:
    assert status("Non-smokers", note) == "unknown"
    assert status("Current smokers", note) == "unknown"


def test_the_reading_says_now_when_a_criterion_asks_about_now() -> None:
    _, compiled = trial_of(["Current smokers", "Non-smokers", "Never smokers"], [])
    assert [c.rule.describe() for c in compiled] == ["smoking now", "not (smoking now)", "not (smoking)"]


def test_a_condition_said_to_have_stopped_was_had() -> None:
    """ "Stopped having migraines" was a denial of migraine; it says she had them, and has them no more."""
    note = "She stopped having migraines 2 years ago."
    assert status("No history of migraine", note) == "not_met"
    assert status("Current migraine", note, "exclusion") == "not_met"
    assert status("Migraine within the past 3 years", note, "exclusion") == "met"


@pytest.mark.parametrize(
    "criterion",
    [
        "Non-malignant medical illnesses that are uncontrolled",
        "Presence or history of non-hepatitis C chronic liver disease",
    ],
)
def test_non_before_an_illness_names_another_illness_not_its_absence(criterion: str) -> None:
    """Only a habit is denied by "non-" ("Non-smokers"); "non-malignant illnesses" are other illnesses, so a
    cancer or a hepatitis C does not decide these criteria either way."""
    for note in ("She has metastatic breast cancer.", "He has chronic hepatitis C.", "A healthy 30-year-old."):
        assert status(criterion, note) == "unknown", (criterion, note)
        assert status(criterion, note, "exclusion") == "unknown", (criterion, note)
