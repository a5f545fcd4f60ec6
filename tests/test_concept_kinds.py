"""A criterion naming one kind of a concept asks about that kind, not the whole concept.

"Women with metastatic breast cancer" must not be met by a melanoma, "diagnosis of rheumatoid arthritis"
by psoriasis, "type 2 diabetes" by type 1. A note naming a kind still names the concept ("Hodgkin lymphoma
in 2019" is a cancer for "History of malignancy"). Criteria are from the HINT corpus unless marked."""

from __future__ import annotations

import string

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from eligibility.compiler import compile_trial
from eligibility.concepts import concepts_in, load_concepts, load_not_a_kind, not_a_kind
from eligibility.engine import screen
from eligibility.extract import read_patient
from eligibility.fallback import reading_pattern
from eligibility.kinds.conditions import named_concepts
from eligibility.reading import Mode
from tests.test_unread import TODAY, _trial, compiled, status
from trialscreen.errors import TrialscreenError
from trialscreen.vocab import conditions as icd


@pytest.mark.parametrize(
    "kind, text, other, own",
    [
        (
            "inclusion",
            "Women with metastatic breast cancer",
            "Metastatic melanoma.",
            "Breast cancer with bone metastases.",
        ),
        (
            "inclusion",
            "diagnosis of rheumatoid arthritis",
            "Psoriasis since 2015.",
            "Rheumatoid arthritis on methotrexate.",
        ),
        (
            "inclusion",
            "Participant has type 2 diabetes mellitus",
            "Type 1 diabetes since childhood.",
            "Type 2 diabetes.",
        ),
        (
            "inclusion",
            "Newly diagnosed chemo-naïve metastatic pancreatic cancer; only patients who have not received any "
            "chemotherapy for their metastatic disease are eligible",  # "metastatic disease" is not any cancer
            "Metastatic melanoma, no chemotherapy.",
            "",
        ),
        ("inclusion", "Hodgkin lymphoma (HD)", "Diffuse large B-cell lymphoma.", "Hodgkin lymphoma, stage II."),
        ("exclusion", "Known liver cirrhosis", "Fatty liver on ultrasound.", "Cirrhosis of the liver."),
        ("exclusion", "Pulmonary hypertension", "Hypertension on lisinopril.", "Pulmonary hypertension on sildenafil."),
    ],
)
def test_a_kind_is_met_by_itself_and_not_by_another_kind(kind: str, text: str, other: str, own: str) -> None:
    assert status(text, other, kind) == "unknown"
    if own:
        assert status(text, own, kind) == "met"


@pytest.mark.parametrize(
    "text",
    [
        "History of active human immunodeficiency virus (HIV) or active hepatitis B virus (HBV) or hepatitis C "
        "virus (HCV) infection",
        "Have had lymphoma, leukemia, or any malignancy within the past 5 years",
        "History of prior malignancies within the past 5 years with the exception of curatively treated basal or "
        "squamous cell carcinomas of the skin",
        "Known HIV, HCV, or HBV infections",  # written for the test
        "congestive heart failure",  # written for the test
    ],
)
def test_names_of_the_whole_concept_are_still_read_as_it(text: str) -> None:
    cc = compiled(text)
    assert cc.reading is not None and cc.reading.mode == Mode.RULE, cc.warnings


def test_kinds_named_beside_the_whole_concept_are_read_with_it() -> None:
    text = "Have had lymphoma, leukemia, or any malignancy within the past 5 years"
    assert status(text, "Hodgkin lymphoma diagnosed 2 years ago.") == "met"
    assert status(text, "No history of cancer.") == "not_met"


def test_a_kind_beside_a_measurement_is_not_decided_by_the_measurement_alone() -> None:
    text = "Subject with type II diabetes mellitus, has hemoglobin A1c ≥ 6.5% at screening"
    cc = compiled(text)
    assert cc.reading is not None and cc.reading.mode != Mode.RULE
    assert status(text, "Type 2 diabetes on metformin. HbA1c 5.9%.") != "not_met"
    assert status(text, "HbA1c 7.1%.") == "met"  # an exclusion's alternative rules the patient out alone


def test_initials_in_brackets_after_a_name_are_its_abbreviation_not_more_words() -> None:
    assert status("Non-Hodgkin lymphoma (NHL)", "Non-Hodgkin lymphoma.", "inclusion") == "met"
    assert status("Breast cancer (HER2+)", "Breast cancer.", "inclusion") == "unknown"  # not initials


def test_joined_names_that_share_their_ending_are_each_read() -> None:
    codes = [m.codes for m in icd.conditions_in("History of prostate, breast or colon cancer")]
    assert [c[0] for c in codes] == ["C61", "C50", "C18"]
    text = "Type 1 or type 2 diabetes mellitus."  # from a HINT exclusion
    assert status(text, "Type 1 diabetes since age 9.") == "met"
    assert status(text, "Type 2 diabetes since 2010.") == "met"
    assert status(text, "No diabetes.") == "not_met"
    assert status(text, "Gestational diabetes in 2019.") == "unknown"


def test_a_note_naming_a_kind_still_names_the_concept() -> None:
    for note in ("Hodgkin lymphoma in 2019", "deep vein thrombosis", "psoriasis"):
        assert concepts_in(note), note
    for criterion in ("Hodgkin lymphoma", "deep vein thrombosis", "psoriasis"):
        assert not named_concepts(criterion), criterion


_SITES = ["breast", "prostate", "colon", "lung", "ovarian", "bladder", "pancreatic", "thyroid", "kidney", "gastric"]


def _code(site: str) -> str:
    (code,) = {m.code for m in icd.conditions_in(f"{site} cancer")}
    return code


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(_SITES), st.sampled_from(_SITES), st.sampled_from(["inclusion", "exclusion"]))
def test_one_cancer_never_meets_a_criterion_about_another(asked: str, had: str, kind: str) -> None:
    assume(not icd.is_a(_code(had), _code(asked)))
    assert status(f"Diagnosis of {asked} cancer", f"{had.capitalize()} cancer.", kind) != "met"
    assert status(f"Diagnosis of {asked} cancer", f"{asked.capitalize()} cancer.", kind) == "met"


def _keys(text: str) -> set[str]:
    return {c.key for c, _, _ in named_concepts(text)}


@pytest.mark.parametrize(
    "kind, text",
    [
        (
            "inclusion",
            "Confirmed diagnosis of unresectable epithelial ovarian, fallopian tube or primary peritoneal cancer.",
        ),
        ("inclusion", "Progression or recurrence of urothelial cancer following a first-line platinum regimen"),
        ("inclusion", "Recurrent brain tumors"),  # written for the test
        ("inclusion", "Squamous cell carcinoma of the head and neck"),  # written for the test
        ("exclusion", "Diagnosis of primary brain tumors"),
        ("exclusion", "Nasopharyngeal carcinoma"),
        ("exclusion", "Hematologic malignancies with the exception of lymphoma"),
        ("exclusion", "Have current hematological malignancies."),
    ],
)
def test_a_kind_the_vocabulary_cannot_name_is_not_the_whole_concept(kind: str, text: str) -> None:
    assert "cancer" not in _keys(text)
    assert status(text, "Metastatic melanoma on treatment.", kind) != "met"


@pytest.mark.parametrize(
    "text, key",
    [
        ("Active malignancy - excluding carcinoma in situ [any organ] and non-melanoma skin cancer", "cancer"),
        ("History of another primary malignancy within 5 years prior to starting study treatment", "cancer"),
        ("Second malignancy within the past 5 years except:", "cancer"),
        ("Cancer of unknown primary", "cancer"),  # written for the test
        ("Uncontrolled hypertension", "hypertension"),
        ("New York Heart Association (NYHA) Grade II or greater congestive heart failure", "heart_failure"),
        ("Patients with Class III/IV heart failure symptoms according to New York Heart Association", "heart_failure"),
        ("A positive pre-study Hepatitis B surface antigen or positive Hepatitis C antibody result", "hbv"),
        ("Positive for hepatitis B surface antigen or anti-hepatitis C virus antibody", "hcv"),
        ("Positive test at Screening for HBsAg, anti-HBc IgM Ab, or anti-HIV Ab.", "hiv"),
        ("Sufficient signs to diagnose active SLE nephritis.", "lupus_nephritis"),  # lupus corpus
    ],
)
def test_words_of_time_extent_or_certainty_keep_the_whole_concept(text: str, key: str) -> None:
    assert key in _keys(text)


@pytest.mark.parametrize(
    "text, key",
    [
        ("Histologically confirmed Stage IV, or Recurrent NSCLC with no prior systemic anticancer therapy", "cancer"),
        ("Initiation of anti-tumor therapy including chemotherapy within 30 days before beginning study", "cancer"),
        ("Taking any antidiabetic medication (other than insulin), within 1 month prior to screening", "diabetes"),
        ("Previous use of any anti-HCV treatment.", "hcv"),
        ("Subject has a history of adrenal insufficiency.", "kidney_disease"),
        # a tendency to bleed is a coagulation defect, not a bleed (HINT trials)
        ("Patients with evidence or history of bleeding diathesis", "hemorrhage"),
        ("Subjects who have a history of any bleeding disorders", "hemorrhage"),
        ("Subjects with high risk of bleeding:", "hemorrhage"),
    ],
)
def test_a_treatment_against_a_condition_or_a_longer_word_is_not_the_condition(text: str, key: str) -> None:
    assert key not in _keys(text)


_QUALIFIERS = ["active", "advanced", "metastatic", "recurrent", "second primary", "invasive", "concurrent", "prior"]


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=string.ascii_lowercase, min_size=4, max_size=12), st.sampled_from(_QUALIFIERS))
def test_an_unknown_word_before_cancer_names_a_kind_and_a_qualifier_does_not(word: str, qualifier: str) -> None:
    known = [reading_pattern("coded", k) for k in ("filler", "not_qualifying")]
    assume(not not_a_kind(word) and not any(p.search(word) for p in known))
    assume(all(code.startswith("C80") for code in icd.codes_in(f"{word} cancer")))  # ICD does not name it
    text = f"Diagnosis of {word} cancer"
    assert "cancer" not in _keys(text)
    assert status(text, "Metastatic melanoma on treatment.", "inclusion") != "met"
    assert "cancer" in _keys(f"Diagnosis of {qualifier} cancer")
    # a qualifier the rule does not read leaves a case asked; a denial of any cancer clears it
    assert status(f"History of {qualifier} cancer", "Metastatic melanoma on treatment.") != "not_met"
    assert status(f"History of {qualifier} cancer", "No history of cancer.") == "not_met"


_ENTRY = """
[[concept]]
key = "thrombosis"
patterns = ['thrombos[ie]s']
icd10cm = ["I80-I82"]
question = "Have you had a blood clot {when}?"
"""


@pytest.mark.parametrize(
    "extra, message",
    [
        ('whole = ["C80"]', "whole must list ICD-10-CM codes or ranges inside its icd10cm"),
        ('whole = ["not a code"]', "whole must list"),
        ("members = 'DVT'", "members must be a list of patterns"),
    ],
)
def test_a_wrong_kinds_entry_is_one_clear_error(extra: str, message: str) -> None:
    with pytest.raises(TrialscreenError, match=message):
        load_concepts(_ENTRY + extra + "\n")
    assert load_concepts(_ENTRY + 'whole = ["I82.90"]\n')[0].whole == ("I82.90",)


@pytest.mark.parametrize("raw", [None, {}, {"when": "active"}, {"when": ["end-stage"]}, {"when": ["Active"]}])
def test_a_wrong_not_a_kind_list_is_one_clear_error(raw: object) -> None:
    with pytest.raises(TrialscreenError, match=r"\[coded.not_a_kind\]"):
        load_not_a_kind(raw)
    assert load_not_a_kind({"when": ["active", "prior"]}) == {"active", "prior"}


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        # ICD-10-CM files "alcohol use" (F10.9) beside abuse and dependence: a social drinker has no problem
        ("Social alcohol use, 2 glasses of wine a week.", "unknown"),
        ("Alcohol abuse, sober since 2019.", "met"),
        ("Opioid dependence on methadone.", "met"),
        # a use disorder is one, though ICD names it by its "use"
        ("Opioid use disorder on buprenorphine.", "met"),
        ("Cannabis use disorder.", "met"),
        ("Alcohol use disorder.", "met"),
    ],
)
def test_a_substance_used_is_no_substance_problem_but_a_use_disorder_is(note: str, expected: str) -> None:
    assert status("History of substance abuse", note, "exclusion") == expected


def test_a_use_that_is_no_case_is_cited_not_called_unmentioned() -> None:
    """ "Daily cannabis use" leaves substance abuse asked, and the reason names the use it read."""
    trial = _trial("History of substance abuse", "exclusion")
    verdict = screen(trial, compile_trial(trial), read_patient("Daily cannabis use.", TODAY), TODAY).verdicts[0]
    assert verdict.status.value == "unknown" and verdict.mentioned
    assert "cannabis use" in verdict.reason and "not mentioned" not in verdict.reason


def test_a_case_outside_a_concepts_codes_is_refused() -> None:
    with pytest.raises(TrialscreenError, match="not_cases must list"):
        load_concepts(
            '[[concept]]\nkey = "x"\npatterns = ["x"]\nquestion = "x?"\nicd10cm = ["F10"]\nnot_cases = ["C50"]\n'
        )


@pytest.mark.parametrize(
    ("criterion", "note", "never"),
    [
        # one substance is a kind: met by that substance only (HINT criteria)
        ("Meets DSM-IV criteria for alcohol dependence", "Cannabis use disorder.", "met"),
        ("Current (past month) DSM-IV diagnosis of an Alcohol Use Disorder.", "Opioid dependence on methadone.", "met"),
        ("Primary diagnosis of opioid dependence (DSM-IV-TR).", "Alcohol abuse.", "met"),
        ("Heroin or cocaine use within 9 months of enrollment.", "Alcohol abuse last month.", "met"),
    ],
)
def test_one_substance_is_a_kind_of_substance_abuse(criterion: str, note: str, never: str) -> None:
    assert status(criterion, note, "inclusion") != never


@pytest.mark.parametrize(
    "criterion",
    [
        "History of alcohol or other substance abuse.",
        "History of drug and/or alcohol abuse.",
        "History of alcohol or drug abuse or dependence within 12 months of screening.",
    ],
)
def test_alcohol_and_drugs_together_are_the_whole(criterion: str) -> None:
    for note in ("Cannabis use disorder.", "Alcoholism, sober since last month.", "Opioid dependence."):
        assert status(criterion, note, "exclusion") == "met", (criterion, note)
    assert status(criterion, "Denies drug or alcohol abuse.", "exclusion") == "not_met"
