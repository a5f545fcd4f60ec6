"""A cancer's spread to a site, as criteria and notes name it ("brain metastases", "metastatic to the
liver", "CNS mets"), is ICD-10-CM's "Secondary malignant neoplasm of <site>" (conditions.toml
[secondary]). 621 of HINT's trials name brain or CNS metastases; before, a note's "known brain metastases"
met 5 of their exclusions, because the words coded nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from eligibility.compiler import compile_trial
from eligibility.engine import screen
from eligibility.extract import read_patient
from tests.test_reading import trial_of
from trialscreen.vocab import conditions as icd

TODAY = date(2026, 1, 1)
SITES = {
    "brain": "C79.31",
    "CNS": "C79.3",
    "leptomeningeal": "C79.32",
    "liver": "C78.7",
    "hepatic": "C78.7",
    "bone": "C79.51",
    "lung": "C78.0",
}


@settings(max_examples=40, derandomize=True, deadline=None)
@given(
    site=st.sampled_from(sorted(SITES)),
    form=st.sampled_from(
        ["{s} metastases", "{s} metastasis", "{s} mets", "metastases to the {s}", "metastatic to the {s}"]
    ),
)
def test_spread_to_a_site_is_coded_as_that_sites_secondary_neoplasm(site: str, form: str) -> None:
    words = form.format(s=site)
    assume(
        not (words.startswith("metasta") and site in ("CNS", "hepatic", "leptomeningeal"))
    )  # adjectives stand before the word
    codes = icd.codes_in(f"Patient with {words}.")
    assert codes == [SITES[site]], (words, codes)
    assert icd.is_spread(codes[0])


def status(conditions: list[str], exclusion: str, note: str) -> str:
    trial, _ = trial_of([], [exclusion])
    trial = replace(trial, conditions=conditions)
    return str(screen(trial, compile_trial(trial), read_patient(note, TODAY), TODAY).verdicts[0].status)


def test_a_brain_metastases_exclusion_is_answered_by_the_note() -> None:
    for criterion in ("Known brain metastases", "Central nervous system metastasis", "Known CNS metastases"):
        assert status(["Lung Cancer"], criterion, "A 60-year-old man with NSCLC and brain mets.") == "met"
    assert status(["Lung Cancer"], "Known brain metastases", "NSCLC. No brain metastases.") == "not_met"
    # the central nervous system is more than the brain: the meninges, the spinal cord
    for criterion in ("Central nervous system metastasis", "Known CNS metastases", "Leptomeningeal metastases"):
        assert status(["Lung Cancer"], criterion, "NSCLC. No brain metastases.") == "unknown", criterion
    assert status(["Breast Cancer"], "Leptomeningeal metastases", "Leptomeningeal disease, no brain metastases.") != (
        "not_met"
    )


def test_a_metastasis_that_states_its_own_course_is_out_of_the_denial_before_it() -> None:
    # a reviewer's notes: the "no" of the first item reached the brain metastases after the comma
    for note in (
        "No fever, brain mets stable.",
        "Denies headaches, brain mets s/p SRS 2025.",
        "Bone metastases, no liver metastases, brain metastases treated with WBRT.",
    ):
        assert status(["Lung Cancer"], "Known brain metastases", note) == "met", note


def test_a_cancers_spread_is_not_another_malignancy() -> None:
    note = "A 55-year-old woman with breast cancer metastatic to the liver, diagnosed 2 years ago."
    assert status(["Breast Cancer"], "Other malignancy within the past 5 years", note) != "met"
    # without the trial's own cancer to set it apart, a metastasis is a cancer
    assert status(["Healthy Volunteers"], "History of cancer", "Liver metastases found in 2023.") == "met"
