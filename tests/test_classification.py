"""Published classification criteria computed from a note's findings (eligibility/classification.py,
eligibility/data/classification.toml): a note that describes SLE without naming it, as SIGIR's topic
201421 does, meets an SLE criterion, citing its findings; findings that fall short count nothing."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.classification import load_standards
from eligibility.engine import screen
from eligibility.extract import read_patient
from tests.test_reading import trial_of
from trialscreen.errors import TrialscreenError

TODAY = date(2014, 6, 1)
# SIGIR 2016 topic 201421 (../shared/data/trialgpt/), which the experts label as SLE
SIGIR_201421 = (
    "A 21-year-old female is evaluated for progressive arthralgias and malaise. On examination she is found to "
    "have alopecia, a rash mainly distributed on the bridge of her nose and her cheeks, a delicate non-palpable "
    "purpura on her calves, and swelling and tenderness of her wrists and ankles. Her lab shows normocytic anemia, "
    "thrombocytopenia, a 4/4 positive ANA and anti-dsDNA. Her urine is positive for protein and RBC casts."
)


def verdict(criterion: str, note: str, kind: str = "inclusion"):  # type: ignore[no-untyped-def]
    trial, compiled = trial_of([criterion] if kind == "inclusion" else [], [criterion] if kind == "exclusion" else [])
    return screen(trial, compiled, read_patient(note, TODAY), TODAY).verdicts[0]


def test_a_note_that_describes_sle_meets_an_sle_criterion_citing_its_findings() -> None:
    v = verdict("Patients with systemic lupus erythematosus", SIGIR_201421)
    assert v.status.value == "met"
    assert "SLICC 2012" in v.reason and "anti-dsDNA" in v.reason and "thrombocytopenia" in v.reason
    v = verdict("Diagnosis of SLE according to the ACR criteria", SIGIR_201421)
    assert v.status.value == "met"
    assert "the study team confirms the diagnosis" in v.reason
    assert verdict("History of systemic lupus erythematosus", SIGIR_201421, "exclusion").status.value == "met"


@pytest.mark.parametrize(
    "note",
    [
        # three items only
        "Alopecia and thrombocytopenia. ANA positive.",
        # four, but no immunologic one
        "Oral ulcers, alopecia, pleurisy and thrombocytopenia.",
        # four, but no clinical one
        "ANA 1:640, anti-dsDNA positive, low C3 and C4, antiphospholipid syndrome.",
        # denied findings are no findings
        "ANA 1:640, anti-dsDNA positive. No alopecia, no thrombocytopenia.",
        # a relative's
        "Her mother has alopecia and thrombocytopenia, ANA positive and anti-dsDNA positive.",
        "Alopecia, thrombocytopenia, leukopenia. Mother has positive ANA and anti-dsDNA.",
        # tests ordered or awaited, or a value without a judgement, are no result
        "Alopecia, thrombocytopenia, leukopenia. ANA and anti-dsDNA pending.",
        "Alopecia, thrombocytopenia, leukopenia. Will check ANA and anti-dsDNA.",
        # an ANA alone is positive in many healthy people; a low titer is no positive ANA
        "Breast cancer on docetaxel with chemotherapy-induced alopecia, leukopenia and thrombocytopenia. ANA positive.",
        "Alopecia, thrombocytopenia, low complement, ANA 1:40.",
        # osteoarthritis, trace proteinuria and alopecia areata are no SLICC items
        "Osteoarthritis, trace proteinuria, alopecia areata, ANA 1:320, anti-dsDNA positive.",
        # lupus named as a question, or another connective tissue disease that explains the findings
        "Referred to rheumatology to evaluate for lupus. Alopecia, thrombocytopenia, leukopenia; anti-dsDNA positive.",
        "Alopecia, thrombocytopenia and leukopenia; anti-dsDNA positive. Diagnosed with Sjogren syndrome.",
    ],
)
def test_findings_that_fall_short_count_nothing(note: str) -> None:
    profile = read_patient(note, TODAY)
    assert not any(f.detail.get("classified") for facts in profile.facts.values() for f in facts)
    assert verdict("Patients with systemic lupus erythematosus", note).status.value != "met"


def test_findings_classify_a_disease_but_do_not_date_it() -> None:
    v = verdict("Diagnosis of SLE within the past 6 months", SIGIR_201421)
    assert v.status.value == "unknown"


def test_a_note_that_names_the_disease_is_read_as_it_says() -> None:
    """The standard only stands in for a disease the note never names: "no lupus" stays a denial."""
    note = "Denies lupus. " + SIGIR_201421
    assert verdict("Patients with systemic lupus erythematosus", note).status.value != "met"
    profile = read_patient("SLE diagnosed 2009. " + SIGIR_201421, TODAY)
    assert not any(f.detail.get("classified") for fs in profile.facts.values() for f in fs)


# one phrase per item of SLICC 2012, as notes write them: (item group, phrase)
PHRASES = {
    "oral or nasal ulcers": ("clinical", "oral ulcers"),
    "non-scarring alopecia": ("clinical", "alopecia"),
    "synovitis or arthritis": ("clinical", "polyarthritis"),
    "serositis": ("clinical", "pericarditis"),
    "neurologic": ("clinical", "seizures"),
    "leukopenia or lymphopenia": ("clinical", "leukopenia"),
    "thrombocytopenia": ("clinical", "thrombocytopenia"),
    "ANA": ("immunologic", "ANA 1:320"),
    "anti-dsDNA": ("immunologic", "anti-dsDNA positive"),
    "low complement": ("immunologic", "low complement"),
}


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(sorted(PHRASES)), unique=True, max_size=len(PHRASES)), st.randoms())
def test_slicc_is_met_exactly_when_enough_items_of_both_groups_and_a_specific_one_are_found(
    items: list[str], rnd
) -> None:  # type: ignore[no-untyped-def]
    rnd.shuffle(items)
    note = "A 30-year-old woman. " + (f"She has {', '.join(PHRASES[i][1] for i in items)}." if items else "")
    groups = [PHRASES[i][0] for i in items]
    specific = {"anti-dsDNA", "low complement"} & set(items)  # an ANA alone is too common to classify by
    expected = len(items) >= 4 and "clinical" in groups and "immunologic" in groups and bool(specific)
    found = read_patient(note, TODAY).get("dx:sle")
    assert (found is not None) == expected, note
    if found is not None:
        assert sorted(found.detail["findings"]) == sorted(items), note


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ('codes = ["D69.6", "D69.59"]', 'codes = ["thrombocytopenia"]'),
        ('concepts = ["mouth_ulcers"]', 'concepts = ["no_such_concept"]'),
        ('labs = ["lab:wbc < 4", "lab:lymphocytes < 1"]', 'labs = ["wbc below 4"]'),
        ('flags = ["lab:anti_dsdna"]', 'flags = ["lab:no_such_test"]'),
        ("minimum = 4", "minimum = 40"),
    ],
)
def test_a_wrong_entry_is_refused_with_the_file_and_the_entry_named(change: str, message: str) -> None:
    from importlib import resources

    text = resources.files("eligibility").joinpath("data/classification.toml").read_text("utf-8")
    assert change in text
    with pytest.raises(TrialscreenError, match=r"classification\.toml: SLICC 2012"):
        load_standards(text.replace(change, message, 1))
