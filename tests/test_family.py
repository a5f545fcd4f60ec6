"""What a criterion says of the person's relatives is not the person's own. "Family history of breast
cancer" is not cleared by a note that denies the patient's cancer, and "first degree relative with
unexplained sudden death under the age of 40" sets no age limit for the patient. The person's own part of
such a criterion still counts. Criteria in quotes are from the HINT trials (shared/data/external/hint/)
unless marked otherwise."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eligibility.family import relatives
from eligibility.reading import Mode
from tests.test_unread import EXAMPLES, compiled, status

MTC = (
    "Personal or immediate family history of medullary thyroid cancer (MTC) or genetic condition that predisposes to "
    "MTC (eg, multiple endocrine neoplasia syndromes)"
)


@pytest.mark.parametrize(
    "text, note, expected",
    [
        # a relative's condition: the patient's own, denied or stated, does not answer it
        (
            "Family history of Ulcerative Colitis, Crohn's Disease, Celiac Disease or Colon Cancer",
            "No history of cancer.",
            "unknown",
        ),
        (
            "Family history of Ulcerative Colitis, Crohn's Disease, Celiac Disease or Colon Cancer",
            "Colon cancer in 2019.",
            "unknown",
        ),
        (
            "Subjects with a family history of early onset prostate cancer or multiple members with prostate cancer.",
            "Prostate cancer 2015.",
            "unknown",
        ),
        ("Significant family history of diabetes mellitus.", "No diabetes.", "unknown"),
        # the relative's age is not the patient's
        (
            "Congenital long QT syndrome, or 1st degree relative with unexplained sudden death under 40 years of age.",
            "32 year old man.",
            "unknown",
        ),
        # the person's part of a list of alternatives still rules them out, and only that
        ("Subject has a history of diabetes or a family history of diabetes mellitus", "Type 2 diabetes.", "met"),
        ("Subject has a history of diabetes or a family history of diabetes mellitus", "No diabetes.", "unknown"),
        ("Glaucoma, family history of glaucoma, one-sided blindness.", "Glaucoma.", "met"),
        (
            "Suicidal risk or has had any previous suicide attempt, a family history of suicide attempt",
            "No suicidal ideation.",
            "unknown",
        ),
        # the person's own history named with the family's: ICD-10-CM's thyroid cancer (C73) is not
        # the medullary kind, so the person's thyroid cancer leaves it asked, and a breast cancer too
        (
            MTC,
            "History of medullary thyroid cancer.",
            "unknown",
        ),
        (
            MTC,
            "Breast cancer in 2015.",
            "unknown",
        ),
        (
            MTC,
            "No history of cancer.",
            "unknown",
        ),
    ],
)
def test_an_exclusion_about_relatives_is_decided_only_by_the_persons_own_part(
    text: str, note: str, expected: str
) -> None:
    assert status(text, note) == expected


def test_an_exclusion_that_needs_both_the_persons_part_and_the_familys_is_cleared_without_the_first() -> None:
    text = "Type 2 diabetes and a family history of premature coronary artery disease"  # written for the test
    assert status(text, "No diabetes.") == "not_met"
    assert status(text, "Type 2 diabetes.") == "unknown"


@pytest.mark.parametrize(
    "text, note, expected",
    [
        ("Family history of type 2 diabetes mellitus", "Type 2 diabetes.", "unknown"),
        ("Family history of premature heart disease or hypertension", "Hypertension on lisinopril.", "unknown"),
        # written for the test: the person's own part of an inclusion whose parts are all required
        ("No diabetes and no family history of diabetes", "Type 2 diabetes.", "not_met"),
        ("No diabetes and no family history of diabetes", "No diabetes.", "unknown"),
    ],
)
def test_an_inclusion_about_relatives_is_not_met_by_the_persons_condition(text: str, note: str, expected: str) -> None:
    assert status(text, note, kind="inclusion") == expected


def test_a_criterion_only_about_relatives_is_asked_in_its_own_words() -> None:
    cc = compiled("Family history of Type 2 diabetes (parent, sibling)", kind="inclusion")
    assert cc.reading is not None and cc.reading.mode == Mode.QUESTION
    assert "Family history of Type 2 diabetes (parent, sibling)" in (cc.reading.question or "")


@pytest.mark.parametrize(
    "text",
    [
        "Use of other allergy medications within the timeframe indicated relative to Visit 1",
        "Pregnant, breastfeeding, or expecting to conceive or father children within the projected duration",
        "Pregnant or nursing women; breastfeeding should be discontinued if the mother is treated with MLN0128",
        "Absolute (having a pacemaker or implantable defibrillator) or relative (bare metal stent) contraindications",
        "Parent or legal guardian must sign the informed consent",  # written for the test
    ],
)
def test_words_for_relatives_used_otherwise_are_not_about_relatives(text: str) -> None:
    assert relatives(text) == []


RELATIVES = [
    "Family history of ",
    "First-degree relative with ",
    "Parent or sibling with ",
    "A sibling diagnosed with ",
    "Positive family history of ",
]
CONDITIONS = [
    ("breast cancer", "Breast cancer in 2019.", "No history of cancer."),
    ("type 2 diabetes", "Type 2 diabetes on metformin.", "No diabetes."),
    ("hypertension", "Hypertension.", "No hypertension."),
    ("HIV infection", "HIV positive.", "HIV negative."),
    ("tuberculosis", "Treated for tuberculosis in 2010.", "No tuberculosis."),
]


@EXAMPLES
@given(
    lead=st.sampled_from(RELATIVES),
    condition=st.sampled_from(CONDITIONS),
    kind=st.sampled_from(["inclusion", "exclusion"]),
)
def test_the_persons_own_condition_never_answers_what_the_criterion_asks_of_relatives(
    lead: str, condition: tuple[str, str, str], kind: str
) -> None:
    text = lead + condition[0]
    for note in condition[1:]:
        assert status(text, note, kind=kind) == "unknown", (text, note)


def test_a_family_history_that_opens_the_criterion_is_not_joined_to_what_follows() -> None:
    text = (  # HINT
        "Patients with a family history of coagulopathy or patients with DVT or pulmonary embolus "
        "within the last 6 months"
    )
    assert status(text, "No DVT or pulmonary embolism.") == "unknown"
