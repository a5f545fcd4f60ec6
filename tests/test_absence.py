"""A criterion that asks for the absence of what it names. Before, "Patients without diabetes" (an exclusion)
was read as "diabetes" with "without" left aside: a patient with no diabetes was cleared (not excluded)
when the trial's words rule her out; "No esophageal varices" and an exclusion's "Patients without SLE" were
asked even when the note stated or denied the condition."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_class_use import verdict  # screened on 2025-06-01

EXAMPLES = settings(max_examples=30, derandomize=True, deadline=None)
# conditions read by the conditions kind, and conditions read only by their ICD-10-CM codes
CONDITIONS = st.sampled_from(["diabetes", "asthma", "esophageal varices", "systemic lupus erythematosus"])
LACK = st.sampled_from(["Patients without {c}", "Absence of {c}", "Patients who do not have {c}"])
ABSENT = st.sampled_from(["No {c}", "Without {c}", "Patients must not have {c}"])


@EXAMPLES
@given(condition=CONDITIONS, words=LACK)
def test_an_exclusion_of_those_lacking_a_condition_rules_them_out(condition: str, words: str) -> None:
    criterion = words.format(c=condition)
    assert verdict(criterion, f"A 40-year-old woman. No {condition}.")[0] == "met"
    assert verdict(criterion, f"A 40-year-old woman with {condition}.")[0] == "not_met"


@EXAMPLES
@given(condition=CONDITIONS, words=ABSENT)
def test_an_inclusion_asking_for_the_absence_of_a_condition_is_answered_by_the_note(condition: str, words: str) -> None:
    criterion = words.format(c=condition)
    assert verdict(criterion, f"A 40-year-old woman. No {condition}.", "inclusion")[0] == "met"
    assert verdict(criterion, f"A 40-year-old woman with {condition}.", "inclusion")[0] == "not_met"


def test_a_lack_that_only_says_whom_the_rest_is_about_is_no_absence() -> None:
    # the ALT limit is what rules out; "without hepatitis B" only says for whom
    criterion = "Subject without a history of hepatitis B has ALT of 2 times the ULN or more at screening"
    assert verdict(criterion, "A 40-year-old woman. No hepatitis B.")[0] != "met"


def test_a_bare_no_in_an_exclusion_keeps_its_usual_meaning() -> None:
    # registries write "No active CNS metastases" among exclusions for "active CNS metastases exclude"
    assert verdict("No diabetes", "A 40-year-old woman with diabetes.")[0] != "not_met"
