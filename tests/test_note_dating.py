"""Whose time words are they? A note dates a medicine's start or stop in the same sentence as a condition
("He has HTN, stopped lisinopril last year"); those words date the medicine, not the condition. And a
denial inside a parenthesis ends with it ("prior CVA (no residual deficits), HTN, DMII")."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.compiler import compile_trial
from eligibility.engine import screen
from eligibility.extract import read_patient
from evals.experts import expert_trial

TODAY = date(2026, 11, 22)

# (words in the note, the code the note's fact takes)
CONDITIONS = [
    ("HTN", "I10"),
    ("hypertension", "I10"),
    ("type 2 diabetes", "E11.9"),
    ("asthma", "J45"),
    ("COPD", "J44.9"),
]
DRUGS = ["lisinopril", "metformin", "prednisone", "methotrexate", "amlodipine"]
STOPS = ["stopped", "discontinued", "came off"]
STARTS = ["started", "was switched to", "began"]
# months before TODAY; a year alone is taken at its middle
TIMES = [("last year", 12), ("2 years ago", 24), ("in 2019", 88.7), ("18 months ago", 18)]


def status(criterion: str, note: str, kind: str = "exclusion") -> str:
    trial = expert_trial("NCT00000000", [(kind, criterion)])
    verdict = screen(trial, compile_trial(trial), read_patient(note, TODAY), TODAY).verdicts[0]
    return verdict.status.value


@settings(max_examples=50, derandomize=True, deadline=None)
@given(
    condition=st.sampled_from(CONDITIONS),
    drug=st.sampled_from(DRUGS),
    change=st.sampled_from(STOPS + STARTS),
    when=st.sampled_from(TIMES),
    joined=st.sampled_from([", ", " and "]),
)
def test_the_time_a_medicine_started_or_stopped_does_not_date_the_condition(
    condition: tuple[str, str], drug: str, change: str, when: tuple[str, float], joined: str
) -> None:
    words, code = condition
    note = f"A 60-year-old man has {words}{joined}{change} {drug} {when[0]}."
    profile = read_patient(note, TODAY)
    # the condition is had, and nothing says it ended: not placed back when the medicine changed
    fact = profile.get(f"icd:{code}")
    assert fact is not None and fact.value is True and fact.current is True, note
    assert fact.detail.get("placed_months") in (None, 0.0), note
    if words in ("HTN", "hypertension"):
        assert status("Hypertension within the last 6 months", note) == "met", note
    # the medicine's change is still dated by its words
    prior = profile.get(f"prior:{drug}")
    assert prior is not None, note
    if change in STOPS:
        assert prior.when_months is not None and abs(prior.when_months - when[1]) <= 2, note


@settings(max_examples=20, derandomize=True, deadline=None)
@given(drug=st.sampled_from(["belimumab", "mycophenolate", "azathioprine"]), change=st.sampled_from(STOPS + STARTS))
def test_a_lupus_diagnosis_keeps_its_own_date(drug: str, change: str) -> None:
    """ "SLE dx 2017, started belimumab 2 months ago" is lupus for nine years, not two months: reading
    the medicine's date as the diagnosis would rule the person out of "SLE for at least 6 months"."""
    for dated in ["SLE dx 2017", "SLE since 2017", "Lupus diagnosed in 2017"]:
        note = f"{dated}, {change} {drug} 2 months ago."
        assert status("Diagnosis of SLE for at least 6 months", note, "inclusion") == "met", note


def test_the_condition_keeps_its_own_time_before_the_medicine() -> None:
    """The piece that starts the medicine is the medicine's; the condition's own words still date it."""
    note = "Crohn's disease diagnosed in 2015 and started azathioprine in 2016."
    fact = read_patient(note, TODAY).get("icd:K50")
    assert fact is not None and fact.value is True
    assert fact.detail.get("began_months") == pytest.approx(136.7, abs=0.5)  # mid-2015


DENIED_ASIDES = ["(no residual deficits)", "(no complications)", "(not on insulin)", "(which he did not tolerate)"]
LIST = [("HTN", "Hypertension"), ("DMII", "Type 2 diabetes"), ("PVD", "Peripheral vascular disease")]


@settings(max_examples=30, derandomize=True, deadline=None)
@given(aside=st.sampled_from(DENIED_ASIDES), order=st.permutations(LIST))
def test_a_denial_in_parentheses_ends_with_them(aside: str, order: list[tuple[str, str]]) -> None:
    note = f"74M hx of CAD s/p CABG, prior CVA {aside}, " + ", ".join(words for words, _ in order) + "."
    for _, criterion in order:
        assert status(f"History of {criterion.lower()}", note) == "met", (note, criterion)
    # inside the parenthesis the denial still holds
    assert status("History of diabetes", "prior stroke (no diabetes), HTN.") == "not_met"


def test_no_parenthesis_of_its_own_keeps_the_denial() -> None:
    """ "No (significant) hypertension": the parenthesis opens after the denial, which goes on past it."""
    assert status("Hypertension", "No (significant) hypertension.") == "not_met"
