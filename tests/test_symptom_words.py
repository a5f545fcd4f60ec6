"""Words criteria and notes use for symptoms that ICD-10-CM names otherwise ("cognitive impairment",
"poor memory", "menstrual irregularity", "irregular periods"): a criterion naming the group is met by a
note naming one of its kinds, asked when the note names something else, and a note's kind never meets
a criterion that names another kind."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.engine import screen
from eligibility.extract import read_patient
from tests.test_reading import trial_of

TODAY = date(2014, 6, 1)

COGNITIVE = ["Cognitive impairment", "Cognitive decline", "Cognitive dysfunction", "Impaired cognition"]
MEMORY = ["poor memory", "memory problems", "forgetfulness", "memory loss"]
COGNITION = ["changes in cognition", "cognitive decline", "confusion"]
MENSTRUAL = ["Menstrual irregularity", "Menstrual irregularities", "Abnormal menstruation"]
PERIODS = ["irregular periods", "irregular menses", "heavy periods", "spotting between periods"]
OTHER = ["a sore throat", "back pain", "a rash on her arm"]


def status(criterion: str, note: str) -> str:
    trial, compiled = trial_of([criterion], [])
    return str(screen(trial, compiled, read_patient(note, TODAY), TODAY).verdicts[0].status)


@settings(max_examples=40, derandomize=True, deadline=None)
@given(criterion=st.sampled_from(COGNITIVE), words=st.sampled_from(MEMORY + COGNITION), age=st.integers(60, 95))
def test_a_cognitive_symptom_meets_cognitive_impairment(criterion: str, words: str, age: int) -> None:
    note = f"A {age}-year-old man is brought in by his daughter with six months of {words}."
    assert status(criterion, note) == "met"


@settings(max_examples=30, derandomize=True, deadline=None)
@given(criterion=st.sampled_from(MENSTRUAL), words=st.sampled_from(PERIODS), age=st.integers(18, 50))
def test_a_kind_of_irregular_menstruation_meets_menstrual_irregularity(criterion: str, words: str, age: int) -> None:
    note = f"A {age}-year-old woman complains of {words} for the past year."
    assert status(criterion, note) == "met"


@settings(max_examples=30, derandomize=True, deadline=None)
@given(criterion=st.sampled_from(COGNITIVE + MENSTRUAL), words=st.sampled_from(OTHER))
def test_another_symptom_leaves_it_asked(criterion: str, words: str) -> None:
    assert status(criterion, f"A 45-year-old woman presents with {words}.") == "unknown"


@settings(max_examples=20, derandomize=True, deadline=None)
@given(words=st.sampled_from(COGNITION))
def test_memory_impairment_is_not_met_by_another_cognitive_symptom(words: str) -> None:
    """Memory impairment is one kind of cognitive symptom: confusion is not it."""
    assert status("Memory impairment", f"An 80-year-old man presents with {words}.") == "unknown"


@settings(max_examples=20, derandomize=True, deadline=None)
@given(criterion=st.sampled_from(MENSTRUAL), words=st.sampled_from(PERIODS))
def test_a_denial_of_the_group_rules_it_out(criterion: str, words: str) -> None:
    note = f"A 30-year-old woman with regular cycles; she denies {criterion.lower()}."
    assert status(criterion, note) == "not_met"
