"""How a medicine is used, read beside its name: a steroid cream, an inhaler or eye drops are no systemic
use. Before, "Uses hydrocortisone cream for eczema" met "Receiving oral corticosteroids" (an inclusion: eligible
when the trial's words rule her out) and ruled her out of "Use of systemic corticosteroids within 4 weeks".
And "methylprednisolone" was read as prednisolone too, so a steroid dose counted twice against a cap."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_class_use import verdict  # screened on 2025-06-01

EXAMPLES = settings(max_examples=30, derandomize=True, deadline=None)
LOCAL = [
    "Uses hydrocortisone 1% cream for eczema.",
    "Clobetasol 0.05% ointment to the scalp daily.",
    "Inhaled fluticasone daily for asthma.",
    "Budesonide inhaler 2 puffs twice daily.",
    "Mometasone nasal spray daily.",
    "Prednisolone eye drops since last week.",
    "Uses topical steroids for eczema.",
]
SYSTEMIC = [
    "Prednisone 10 mg daily.",
    "Takes oral prednisolone 5 mg daily.",
    "Methylprednisolone tablets 4 mg daily.",
    "On steroids for her lupus.",
]
ASKED_SYSTEMIC = [
    "Use of systemic corticosteroids within 4 weeks",
    "Oral corticosteroids within 30 days before screening",
    "Any corticosteroid use within 4 weeks (inhaled and topical steroids are allowed)",
    "Corticosteroids within 1 month, except topical or inhaled corticosteroids",
]


@EXAMPLES
@given(note=st.sampled_from(LOCAL), criterion=st.sampled_from(ASKED_SYSTEMIC))
def test_a_local_steroid_never_rules_out_of_a_criterion_about_systemic_ones(note: str, criterion: str) -> None:
    status, mentioned = verdict(criterion, note)
    assert status == "unknown" and mentioned


@EXAMPLES
@given(note=st.sampled_from(LOCAL), words=st.sampled_from(["oral", "systemic"]))
def test_a_local_steroid_never_meets_an_inclusion_about_systemic_ones(note: str, words: str) -> None:
    assert verdict(f"Currently receiving {words} corticosteroids", note, "inclusion")[0] == "unknown"


@EXAMPLES
@given(note=st.sampled_from(SYSTEMIC), criterion=st.sampled_from(ASKED_SYSTEMIC))
def test_a_steroid_taken_by_mouth_meets_them(note: str, criterion: str) -> None:
    assert verdict(criterion, note)[0] == "met"


@EXAMPLES
@given(note=st.sampled_from(LOCAL))
def test_a_local_steroid_is_asked_of_a_criterion_that_names_no_route(note: str) -> None:
    status, mentioned = verdict("Corticosteroid use within 4 weeks", note)
    assert (status, mentioned) == ("unknown", True)


@EXAMPLES
@given(
    local=st.sampled_from(["uses an inhaler", "albuterol inhaler", "hydrocortisone cream to the rash"]),
    order=st.booleans(),
)
def test_route_words_beside_another_medicine_are_not_this_ones(local: str, order: bool) -> None:
    note = f"Prednisone 10 mg daily, {local}." if order else f"{local.capitalize()}; prednisone 10 mg daily."
    assert verdict("Use of systemic corticosteroids within 4 weeks", note)[0] == "met"


@EXAMPLES
@given(mg=st.integers(min_value=1, max_value=16))
def test_methylprednisolone_is_counted_once_against_a_steroid_cap(mg: int) -> None:
    # 1.25 mg of prednisone per mg: a cap of 20 mg/day is kept up to 16 mg of methylprednisolone
    criterion = "Prednisone (or equivalent) at a dose of no more than 20 mg/day"
    assert verdict(criterion, f"Methylprednisolone {mg} mg daily.", "inclusion")[0] == "met"


def test_a_local_steroid_is_no_dose_against_a_cap() -> None:
    criterion = "Prednisone (or equivalent) at a dose of no more than 20 mg/day"
    assert verdict(criterion, "Clobetasol ointment daily. Prednisone 30 mg daily.", "inclusion")[0] == "not_met"
    assert verdict(criterion, "Clobetasol ointment daily. Prednisone 10 mg daily.", "inclusion")[0] == "met"
