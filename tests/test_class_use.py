"""A class of medicines named as taken ("He is on immunosuppressive medications", "on steroids", "had
biologic therapy in 2012") is a fact about the patient's treatments: it meets a criterion about that class
in its window, speaks to one about a drug of the class or a dose without settling it, and never counts as
a denial. Before, a note that said "on immunosuppressive medications, including prednisone" (TrialGPT's
sigir-20152) left "Use of immunosuppressive medications within 30 days" unmentioned."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.compiler import compile_trial
from eligibility.engine import screen
from eligibility.extract import read_patient
from tests.test_unread import _trial

TODAY = date(2025, 6, 1)
EXAMPLES = settings(max_examples=40, derandomize=True, deadline=None)

CLASSES = [
    ("immunosuppressive medications", "Use of immunosuppressive medications"),
    ("immunosuppressive therapy", "Treatment with immunosuppressants"),
    ("steroids", "Use of systemic corticosteroids"),
    ("biologic therapy", "Treatment with biologics"),
]


def verdict(text: str, note: str, kind: str = "exclusion") -> tuple[str, bool]:
    trial = _trial(text, kind)
    v = screen(trial, compile_trial(trial), read_patient(note, TODAY), TODAY).verdicts[0]
    return str(v.status), v.mentioned


@EXAMPLES
@given(
    pair=st.sampled_from(CLASSES),
    lead=st.sampled_from(["He is on", "Currently taking", "She receives", "Maintained on"]),
    weeks=st.integers(min_value=1, max_value=52),
)
def test_a_class_taken_now_meets_a_criterion_about_it_in_any_window(
    pair: tuple[str, str], lead: str, weeks: int
) -> None:
    words, criterion = pair
    status, mentioned = verdict(f"{criterion} within {weeks} weeks", f"{lead} {words}.")
    assert (status, mentioned) == ("met", True)


@EXAMPLES
@given(pair=st.sampled_from(CLASSES), year=st.integers(min_value=2005, max_value=2022))
def test_a_class_taken_years_ago_is_mentioned_but_does_not_settle_a_recent_window(
    pair: tuple[str, str], year: int
) -> None:
    # another use may be recent: the class named once says nothing of the last one
    words, criterion = pair
    assert verdict(f"{criterion} within 3 months", f"She had {words} in {year}.") == ("unknown", True)


@pytest.mark.parametrize(
    "text, note",
    [
        ("Rituximab within 12 months", "On biologic therapy."),  # a drug of the class: which one is not said
        ("Prednisone > 10 mg/day", "She is on steroids."),  # a dose the class words do not give
        ("Use of more than 1 immunosuppressive drug", "On immunosuppressive medications."),  # how many
    ],
)
def test_a_class_taken_speaks_to_a_drug_a_dose_or_a_count_without_settling_it(text: str, note: str) -> None:
    assert verdict(text, note) == ("unknown", True)


def test_a_class_taken_meets_a_count_of_at_least_one() -> None:
    assert verdict("At least one immunosuppressive agent", "On immunosuppressive therapy.", "inclusion")[0] == "met"


@pytest.mark.parametrize(
    "note",
    [
        "No steroids. On steroids since May.",  # said both ways: asked, never assumed either
        "Allergic to steroids.",  # an allergy, not a treatment
        "Her sister is on immunosuppressive medications.",  # a relative's
        "Might need biologic therapy in the future.",  # planned
    ],
)
def test_what_is_not_the_patients_use_of_a_class_does_not_meet_it(note: str) -> None:
    assert verdict("Use of corticosteroids, immunosuppressants or biologics within 4 weeks", note)[0] != "met"


def test_anabolic_steroids_are_not_corticosteroids() -> None:
    # read as corticosteroids, "Anabolic steroids" excluded every patient on prednisone
    assert verdict("Use of anabolic steroids", "On prednisone 5 mg daily.")[0] != "met"
    assert verdict("Use of systemic corticosteroids", "Past use of anabolic steroids.")[0] != "met"


@pytest.mark.parametrize(
    "note",
    [
        "He is on immunosuppressive medications, including prednisone.",  # TrialGPT sigir-20152
        "Kidney transplant 2019, on tacrolimus 2 mg bid.",
        "Currently receiving immunosuppressive therapy.",
    ],
)
def test_immunosuppressants_taken_now_are_an_immunodeficiency_state(note: str) -> None:
    # ICD-10-CM D84.821, immunodeficiency due to drugs: the experts rule this patient out, GPT-4 too
    assert verdict("Diagnosis or suspicion of immunodeficiency state", note)[0] == "met"
    assert verdict("Immunocompromised host", note)[0] == "met"
    # a secondary immunodeficiency is no primary one: spoken to, not settled
    assert verdict("Primary immunodeficiency", note) == ("unknown", True)


@pytest.mark.parametrize(
    "note",
    [
        "Took methotrexate in 2010.",  # a past course says nothing of now
        "On prednisone 5 mg daily.",  # a low steroid dose is not immunosuppression by itself
        "No immunosuppressive medications.",
    ],
)
def test_what_is_not_an_immunosuppressant_taken_now_is_no_immunodeficiency(note: str) -> None:
    assert verdict("Diagnosis or suspicion of immunodeficiency state", note)[0] != "met"


def test_the_induced_conditions_data_is_checked_on_load() -> None:
    from eligibility.induced import Induced

    with pytest.raises(ValueError, match="no drug classes"):
        Induced(classes=["immunosuppresant"], codes=["D84.821"], why="a misspelt class")
    with pytest.raises(ValueError, match="ICD-10-CM"):
        Induced(classes=["immunosuppressant"], codes=["D84.999"], why="no such code")


@pytest.mark.parametrize(
    "note",
    [
        "History of steroid-induced hyperglycemia.",
        "Steroids were discussed but deferred.",
        "She refused steroids.",
        "Patient is steroid-naive.",
        "Biologic therapy was recommended.",
        "Steroids were never given.",
        "Steroid-refractory GVHD.",
    ],
)
def test_a_class_named_without_a_use_is_no_treatment(note: str) -> None:
    # found by a review: each of these met "Prior treatment with corticosteroids / a biologic"
    assert verdict("Prior treatment with corticosteroids or a biologic", note, "inclusion")[0] != "met"


def test_off_a_class_for_a_time_is_not_read_as_taking_it_that_long() -> None:
    # read as "immunosuppressant taken for at least 3 days", a patient still on tacrolimus met it
    text = "Off prednisone or other immunosuppressive medications for at least 3 days prior to Day 0"
    assert verdict(text, "Kidney transplant on tacrolimus for 5 years.", "inclusion")[0] != "met"


def test_a_class_started_recently_is_a_new_medicine() -> None:
    text = "Exposure to any new immunosuppressive medication in the 4 weeks prior to enrollment"
    assert verdict(text, "He started immunosuppressive therapy 2 weeks ago. On lisinopril since 2019.")[0] == "met"


@pytest.mark.parametrize("what", ["mycophenolate", "immunosuppressive therapy"])
def test_a_medicine_started_weeks_ago_is_taken_now_and_new(what: str) -> None:
    # "Started mycophenolate 2 weeks ago" was a past use with no start: the new-medicine exclusion came out
    # not met, on the strength of an older medicine
    note = f"Started {what} 2 weeks ago. On lisinopril since 2019."
    assert verdict("Any new immunosuppressive medication started within 4 weeks before screening", note)[0] == "met"
    assert verdict("Use of immunosuppressive medications within 30 days", note)[0] == "met"


def test_a_medicine_started_and_stopped_long_ago_is_not_new() -> None:
    note = "Started mycophenolate in 2015, stopped 2018."
    assert verdict("Use of mycophenolate within 30 days", note)[0] == "not_met"
