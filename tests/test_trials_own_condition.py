"""'Other malignancy' in a cancer trial: the trial's own condition is not the other one. 805 of HINT's
4,404 trials say "other", "another", "second" or "additional" malignancy; a patient with the very
cancer the trial is for was ruled out by every one of them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.compiler import compile_trial
from eligibility.engine import screen
from eligibility.extract import read_patient
from tests.test_reading import trial_of

TODAY = date(2026, 1, 1)
CANCERS = ["breast cancer", "non-small cell lung cancer", "melanoma", "multiple myeloma", "prostate cancer"]


def verdict(conditions: list[str], inclusion: list[str], exclusion: list[str], note: str):  # type: ignore[no-untyped-def]
    trial, _ = trial_of(inclusion, exclusion)
    trial = replace(trial, conditions=conditions)
    return screen(trial, compile_trial(trial), read_patient(note, TODAY), TODAY).verdicts[0]


@settings(max_examples=40, deadline=None)
@given(
    own=st.sampled_from(CANCERS),
    had=st.lists(st.sampled_from(CANCERS), min_size=1, max_size=2, unique=True),
    other=st.sampled_from(
        ["Other malignancy within the past 5 years", "Any other active malignancy", "Another cancer"]
    ),
)
def test_only_a_cancer_besides_the_trials_own_counts_as_another(own: str, had: list[str], other: str) -> None:
    note = "A 60-year-old with active " + " and ".join(had) + "."
    v = verdict([own], [], [other], note)
    if any(c != own for c in had):
        assert v.status == "met", (own, had, v.reason)
    else:
        assert v.status == "unknown", (own, had, v.reason)  # their own cancer: another one is not mentioned


def test_without_other_a_cancer_is_any_cancer_and_an_unknown_trial_keeps_the_rule() -> None:
    note = "A 55-year-old woman with metastatic breast cancer diagnosed 6 months ago."
    assert verdict(["Breast Cancer"], [], ["Malignancy within the past 5 years"], note).status == "met"
    assert verdict([], [], ["Other malignancy within the past 5 years"], note).status == "met"
    v = verdict(["Breast Cancer"], ["No other malignancies within 5 years"], [], note)
    assert v.status == "unknown"  # not ruled out by her own breast cancer
    assert "besides the trial's own" in v.reading


def test_a_cancer_excepted_by_the_trials_own_name_does_not_rule_its_patients_out() -> None:
    # HINT: "Prior history of malignancies other than sarcoma (except for basal cell or squamous cell carcinoma
    # of the skin ...)" in a soft tissue sarcoma trial
    criterion = "Prior history of malignancies other than sarcoma (except for basal cell carcinoma of the skin)"
    own = verdict(["soft tissue sarcoma"], [], [criterion], "A 60-year-old man with soft tissue sarcoma of the thigh.")
    assert own.status == "unknown"
    other = verdict(["soft tissue sarcoma"], [], [criterion], "A 60-year-old man with melanoma excised last year.")
    assert other.status == "met"
