"""Smaller readings a coordinator would notice: an allergy named by its drug class, an allergy to the
study drug that another drug's allergy does not meet, "this clinical trial" is no other trial, and a
condition's subtypes in brackets. Criteria in quotes are from the HINT trials or TrialGPT's labels."""

from __future__ import annotations

import pytest

from eligibility.reading import Mode
from tests.test_unread import compiled, status


@pytest.mark.parametrize("allergy", ["penicillin", "NSAIDs", "sulfonamides"])
def test_an_allergy_named_by_its_class_meets_a_criterion_naming_the_class(allergy: str) -> None:
    assert status(f"Known allergy to {allergy}", f"Allergies: {allergy} (rash).") == "met"
    assert status(f"Known allergy to {allergy}", "No known drug allergies.") == "not_met"


def test_an_allergy_to_the_study_drug_is_not_met_by_another_drugs_allergy() -> None:
    text = "Known hypersensitivity to any of the components of the study medication"
    assert status(text, "Allergic to penicillin.") == "unknown"
    assert status(text, "No known drug allergies.") == "not_met"
    assert "study drug" in (compiled(text).reading.words if compiled(text).reading else "")


def test_this_clinical_trial_is_no_other_trial() -> None:
    text = "Participants with known brain metastases should be excluded from this clinical trial"
    assert status(text, "Currently enrolled in another clinical trial. No brain metastases.") != "met"
    assert (
        status("Participation in another clinical trial within 30 days", "Enrolled in a drug trial last week.") == "met"
    )


def test_a_conditions_subtypes_in_brackets_ask_nothing_more() -> None:
    # TrialGPT NCT00845988: the experts say a history of bipolar disorder meets it
    text = "patients with bipolar disorders (I, II, NOS) diagnosed with DSM-IV criteria"
    cc = compiled(text, "inclusion")
    assert cc.reading is not None and cc.reading.mode != Mode.TEAM
    assert status(text, "A 26-year-old woman with a history of bipolar disorder.", "inclusion") == "met"
    assert status(text, "A 26-year-old woman with major depression. No bipolar disorder.", "inclusion") == "not_met"
