"""What a note says of the person's relatives answers what a criterion asks of them. "His family history is
positive for type 2 diabetes (his father and sister)" meets "Family history of type II diabetes"; "No
family history of colon cancer" clears "Family history of colorectal cancer in a first-degree relative";
an aunt's cancer does not meet a criterion about first-degree relatives, and a husband's cancer is no
family history. Note sentences are from the TREC clinical-trials topics (shared/data/trialgpt/), criteria
from the HINT trials and TrialGPT's labels (shared/data/external/) unless marked otherwise."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eligibility.extract import read_patient
from eligibility.kinship import kin_in
from tests.test_unread import EXAMPLES, status

TODAY = date(2024, 6, 1)


def relatives_facts(note: str) -> dict[str, list[tuple[bool, int | None]]]:
    profile = read_patient(note, TODAY)
    return {k: [(f.value, f.detail.get("degree")) for f in v] for k, v in profile.facts.items() if k.startswith("fam:")}


@pytest.mark.parametrize(
    "note, expected",
    [
        ("His family history is positive for type 2 diabetes (his father and sister).", {"fam:E11.9": [(True, 1)]}),
        ("Family history is positive for Hemophilia type A in his maternal uncle.", {"fam:D66": [(True, 2)]}),
        (
            "His family history is positive for hyperlipidemia in her mother and MI in her father.",
            {"fam:E78.5": [(True, 1)], "fam:I21.9": [(True, 1)]},
        ),
        ("He also has a family history of early onset dementia.", {"fam:F03.90": [(True, None)]}),
        ("Her 70-year-old father has hypertension.", {"fam:I10": [(True, 1)]}),
        # two relatives named for one condition: which one has it is not sure, so the farther counts
        ("His family history is significant for asthma in his mother and his uncle.", {"fam:J45": [(True, 2)]}),
        # a spouse is no relative
        ("Her husband was diagnosed with colon cancer a year ago and is undergoing chemotherapy.", {}),
    ],
)
def test_a_note_gives_each_relatives_condition_with_how_close_the_relative_is(
    note: str, expected: dict[str, list[tuple[bool, int | None]]]
) -> None:
    assert relatives_facts(note) == expected


def test_a_denied_family_history_beside_the_persons_own_denials_is_the_familys() -> None:
    note = "She denies smoking, diabetes, hypercholesterolemia, or a family history of heart disease."
    profile = read_patient(note, TODAY)
    assert profile.value("icd:E08-E13") is False  # her own diabetes
    assert relatives_facts(note) == {"fam:I51.9": [(False, None)]}
    assert profile.get("icd:I51.9") is None  # her own heart disease is not denied


FH_DIABETES = "Family history of type II diabetes."  # TrialGPT, NCT01739881
FH_FIRST_DEGREE = "Family history of colorectal cancer in a first-degree relative"
FH_LIST = "Family history of Ulcerative Colitis, Crohn's Disease, Celiac Disease or Colon Cancer"
FH_PREMATURE = "Positive family history of premature coronary artery disease"
FH_GLAUCOMA = "History of glaucoma or a family history of glaucoma"
FATHER_SISTER = "His family history is positive for type 2 diabetes (his father and sister)."


@pytest.mark.parametrize(
    "text, kind, note, expected",
    [
        (FH_DIABETES, "inclusion", FATHER_SISTER, "met"),
        (FH_DIABETES, "inclusion", "Family history is positive for HTN. He has type 2 diabetes.", "unknown"),
        (FH_DIABETES, "inclusion", "No family history of diabetes.", "not_met"),
        # a denial about one relative says nothing of the others
        (FH_DIABETES, "inclusion", "His older brother is healthy with no history of diabetes.", "unknown"),
        (FH_FIRST_DEGREE, "exclusion", "Her mother had colon cancer at 52.", "met"),
        (FH_FIRST_DEGREE, "exclusion", "Her cousin had colon cancer.", "unknown"),
        (FH_FIRST_DEGREE, "exclusion", "No family history of colon cancer.", "not_met"),
        (FH_LIST, "exclusion", "Her aunt has Crohn's disease.", "met"),
        (FH_LIST, "exclusion", "No family history of colon cancer.", "unknown"),  # the others stay open
        # a criterion that asks more than the condition ("premature") is met by no relative's plain case,
        # but a denied family history still clears it
        (FH_PREMATURE, "exclusion", "His father had coronary artery disease.", "unknown"),
        (FH_PREMATURE, "exclusion", "She denies a family history of coronary artery disease.", "not_met"),
        # the relatives' part beside the person's own, as alternatives: a relative's case meets it, a denial
        # of it leaves the person's part open
        (FH_GLAUCOMA, "exclusion", "Her mother had glaucoma.", "met"),
        (FH_GLAUCOMA, "exclusion", "No family history of glaucoma.", "unknown"),
        # joined as both required, a denial of the relatives' part clears it
        (
            "Type 2 diabetes and a family history of coronary artery disease",
            "exclusion",
            "She has type 2 diabetes. She denies a family history of coronary artery disease.",
            "not_met",
        ),
        # "strong" is a judgement on the family history: no relative's case meets it
        ("Strong family history of breast cancer", "exclusion", "Her mother had breast cancer.", "unknown"),
    ],
)
def test_what_a_note_says_of_relatives_answers_a_criterion_about_them(
    text: str, kind: str, note: str, expected: str
) -> None:
    assert status(text, note, kind) == expected


RELATIVES = {
    "mother": 1,
    "father": 1,
    "sister": 1,
    "brother": 1,
    "son": 1,
    "daughter": 1,
    "grandmother": 2,
    "aunt": 2,
    "uncle": 2,
    "niece": 2,
    "half-brother": 2,
    "cousin": 3,
    "great-grandfather": 3,
}
OTHERS = ["husband", "wife", "partner", "roommate", "co-worker"]
CONDITIONS = ["breast cancer", "type 2 diabetes", "asthma", "glaucoma", "ulcerative colitis"]
ASKED = {
    "Family history of {c}": None,
    "First-degree relative with {c}": 1,
    "Family history of {c} in a first- or second-degree relative": 2,
}


@EXAMPLES
@given(
    relative=st.sampled_from(sorted(RELATIVES)),
    condition=st.sampled_from(CONDITIONS),
    asked=st.sampled_from(sorted(ASKED)),
    kind=st.sampled_from(["inclusion", "exclusion"]),
)
def test_a_relatives_condition_meets_a_criterion_only_when_the_relative_is_as_close_as_it_asks(
    relative: str, condition: str, asked: str, kind: str
) -> None:
    degree = ASKED[asked]
    expected = "met" if degree is None or RELATIVES[relative] <= degree else "unknown"
    assert status(asked.format(c=condition), f"Her {relative} has {condition}.", kind) == expected


@EXAMPLES
@given(
    other=st.sampled_from(OTHERS),
    condition=st.sampled_from(CONDITIONS),
    asked=st.sampled_from(sorted(ASKED)),
    kind=st.sampled_from(["inclusion", "exclusion"]),
)
def test_what_someone_not_related_has_is_no_family_history(other: str, condition: str, asked: str, kind: str) -> None:
    assert status(asked.format(c=condition), f"Her {other} has {condition}.", kind) == "unknown"


@pytest.mark.parametrize(
    "text, degrees",
    [
        ("her half-sister and her mother", [2, 1]),
        ("a great-grandmother", [3]),
        ("family history of lupus in a first-degree relative", [None, 1, None]),
        ("first- or second-degree relatives", [1, 2, None]),
    ],
)
def test_the_longer_word_for_a_relative_gives_its_degree(text: str, degrees: list[int | None]) -> None:
    assert [k.degree for k in kin_in(text)] == degrees
