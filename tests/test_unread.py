"""A rule of named conditions decides only what its words cover. Alternatives it leaves unread ("Major
surgical procedure, traumatic injury, or peptic ulcer") keep a "no" to the named conditions from clearing
the criterion; words that only qualify them ("uncontrolled hypertension"), explain them ("organ
transplant (e.g., heart, lung)") or say how they are known ("known positivity for HIV") do not. Criteria
in quotes are from the HINT trials (shared/data/external/hint/) unless marked otherwise."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.compiler import CompiledCriterion, compile_trial
from eligibility.engine import screen
from eligibility.extract import read_patient
from eligibility.reading import Mode
from trialscreen.model import Criterion, Trial

TODAY = date(2025, 6, 1)
EXAMPLES = settings(max_examples=40, derandomize=True, deadline=None)


def _trial(text: str, kind: str) -> Trial:
    criterion = Criterion(kind, 1, text, 0, len(text))  # type: ignore[arg-type]
    return Trial(ref="T", source="t", source_format="text", source_text=text, title="", criteria=[criterion])


def compiled(text: str, kind: str = "exclusion") -> CompiledCriterion:
    return compile_trial(_trial(text, kind))[0]


def status(text: str, note: str, kind: str = "exclusion") -> str:
    trial = _trial(text, kind)
    return str(screen(trial, compile_trial(trial), read_patient(note, TODAY), TODAY).verdicts[0].status)


@pytest.mark.parametrize(
    "text, denial, case",
    [
        (
            "Major surgical procedure, traumatic injury, non-healing wound, or peptic ulcer ≤28 days prior to "
            "randomization.",
            "No peptic ulcer.",
            "He was treated for a peptic ulcer 2 weeks ago.",
        ),
        (
            "Have had HIV infection or another immunosuppressive state (chemotherapy or radiation therapy)",
            "HIV negative.",
            "She has HIV.",
        ),
        ("Diabetes mellitus, history of stroke, or epilepsy", "No diabetes.", "He has diabetes."),
        ("Known HIV infection. History of seizures.", "HIV negative.", "She has HIV."),
        # the illness must be unstable: the note says so (a bare "Schizophrenia." is asked, tests/test_narrowing.py)
        (
            "Subject has an unstable medical or psychiatric illness.",
            "No psychiatric illness.",
            "Unstable schizophrenia.",
        ),
        (
            "History of anaphylaxis, Guillain-Barre syndrome, or seizures",  # written for the test
            "No anaphylaxis.",
            "Anaphylaxis to penicillin in 2010.",
        ),
        (
            "Evidence of symptomatic resting bradycardia, congestive heart failure, or hemodynamically "
            "significant cardiac valvular disease",
            "No heart failure.",
            "History of congestive heart failure.",
        ),
    ],
)
def test_a_no_to_the_named_conditions_does_not_clear_the_alternatives_left_unread(
    text: str, denial: str, case: str
) -> None:
    cc = compiled(text)
    assert cc.reading is not None and cc.reading.mode == Mode.QUESTION
    assert "not read by the rule" in " ".join(cc.warnings)
    assert status(text, denial) == "unknown"  # the unread alternatives are asked
    assert status(text, case) == "met"  # a named condition still rules the person out


@pytest.mark.parametrize(
    "text",
    [
        "Diabetes that requires insulin, history of stroke, or epilepsy",  # written for the test
        # from the HINT trials
        "Clinically fixed tumors on rectal examination with tumor adherent to the pelvic sidewall or sacrum",
        "No concurrent radiotherapy (to the primary tumor) or chemotherapy may be given to the patient during the "
        "administration of the study drug.",
    ],
)
def test_with_alternatives_and_narrowing_words_left_unread_neither_a_case_nor_a_denial_decides(text: str) -> None:
    note = "Type 2 diabetes on metformin. Rectal adenocarcinoma."
    assert status(text, note) == "unknown"
    assert status(text, "No diabetes. No history of cancer.") == "unknown"


@pytest.mark.parametrize(
    "text, denial",
    [
        ("The subject has a diagnosis of uncontrolled diabetes mellitus.", "No diabetes."),
        (
            "Known infection with Human Immunodeficiency Virus (HIV), hepatitis B, or hepatitis C.",
            "No HIV, HBV or HCV.",
        ),
        ("Serologic evidence of active hepatitis B and/or C", "Hepatitis B and C negative."),
        ("Heart failure of NYHA Class II or higher,", "No heart failure."),
        (
            "Have current drug or alcohol abuse or dependence, or a history of drug or alcohol abuse or dependence "
            "within 365 days prior to Day 0;",
            "Denies drug or alcohol abuse.",
        ),
        # the reason an exclusion gives narrows nothing: the study team judges it
        (
            "Mental disorder or any other chronic illness or drug-abuse that could interfere with the ability to "
            "comply with the protocol or to give information;",
            "No psychiatric illness. No drug or alcohol abuse.",
        ),
        # a bare mention beside a narrower one asks for every case
        (
            "Cancer or history of cancer cured for less than five years (except in situ carcinoma of the cervix or "
            "Basocellular carcinoma)",
            "No history of cancer.",
        ),
        ("Hepatitis B or C virus infection.", "No hepatitis B or C."),
        ("Positive serologic findings for HIV antibodies", "HIV negative."),
        ("Thromboembolic event within 4 weeks of enrollment.", "No blood clots."),
        ("hx. congestive heart failure", "No heart failure."),
    ],
)
def test_words_that_only_explain_or_date_the_conditions_leave_a_rule(text: str, denial: str) -> None:
    cc = compiled(text)
    assert cc.reading is not None and cc.reading.mode == Mode.RULE, cc.warnings
    assert status(text, denial) == "not_met"


@pytest.mark.parametrize(
    "text, denial, case",
    [
        # from the bundled trials and the HINT trials
        (
            "Have a history of a major organ transplant (e.g., heart, lung, kidney, liver).",
            "No transplant.",
            "Cornea transplant in 2015.",
        ),
        ("History of anaphylactic reaction to contrast agents", "No anaphylaxis.", "Anaphylaxis to rituximab."),
        (
            "Subjects with history of diabetes unless they have been stable in the last six months.",
            "No diabetes.",
            "Type 2 diabetes.",
        ),
        (
            "Not yet recovered from side effects of previous cancer therapy",
            "No history of cancer.",
            "Breast cancer treated in 2015.",
        ),
        ("History of intracranial haemorrhage", "No history of bleeding.", "GI bleed in 2019."),
        ("Prior allogeneic stem cell transplant", "No transplant.", "Kidney transplant in 2010."),
    ],
)
def test_an_exclusion_whose_other_words_narrow_the_conditions_is_cleared_by_a_denial_and_asks_a_case(
    text: str, denial: str, case: str
) -> None:
    """The words beside the conditions ask for less than the conditions: without them the person is not
    excluded, and a case of them may not be what the criterion means, so it is asked."""
    cc = compiled(text)
    assert cc.reading is not None and cc.reading.mode == Mode.QUESTION, cc.warnings
    assert status(text, denial) == "not_met"
    assert status(text, case) == "unknown"


@pytest.mark.parametrize(
    "text, case",
    [
        # from the HINT trials
        ("Transmural penetration of tumor through the muscularis propria must be demonstrated", "Breast cancer."),
        ("Patients with glioblastoma multiforme, including gliosarcoma", "Breast cancer."),
        (
            "Patients with NSCLC (adenocarcinoma, squamous cell carcinoma, large cell carcinoma or a combination)",
            "Papillary thyroid cancer dx w/ right neck mass.",
        ),
        ("Considered ineligible for bone marrow transplantation as first-line therapy", "Kidney transplant."),
        ("Willing to receive HIV test results", "HIV positive."),
        ("Diabetes mellitus requiring pharmacotherapy.", "Type 2 diabetes, diet controlled."),
    ],
)
def test_an_inclusion_whose_other_words_narrow_the_conditions_is_not_met_by_a_bare_case(text: str, case: str) -> None:
    """A case of the conditions read may not be what the criterion asks for: asked; not having them at all
    still rules the person out."""
    cc = compiled(text, kind="inclusion")
    assert cc.reading is not None and cc.reading.mode == Mode.QUESTION, cc.warnings
    assert status(text, case, kind="inclusion") == "unknown"
    assert status(text, "Healthy, no medical history.", kind="inclusion") in ("unknown", "not_met")


# conditions the concepts name, with a case and a denial; and words that narrow them, as trials write them
_CONDITIONS = [
    ("hypertension", "Hypertension on amlodipine.", "No hypertension."),
    ("heart failure", "Heart failure, EF 30%.", "No heart failure."),
    ("HIV", "HIV positive on ART.", "HIV negative."),
    ("diabetes", "Type 2 diabetes on metformin.", "No diabetes."),
]
_NARROWING = ["requiring dialysis", "resulting in hospitalisation", "detected on telemetry", "of recent onset"]


@EXAMPLES
@given(
    condition=st.sampled_from(_CONDITIONS), words=st.sampled_from(_NARROWING), lead=st.sampled_from(["", "History of "])
)
def test_narrowing_words_leave_a_case_asked_unless_the_condition_is_also_named_bare(
    condition: tuple[str, str, str], words: str, lead: str
) -> None:
    name, case, denial = condition
    narrowed = f"{lead}{name} {words}"
    assert status(narrowed, case) == "unknown"  # an exclusion: the case may not be the narrowed one
    assert status(narrowed, denial) == "not_met"
    assert status(narrowed, case, kind="inclusion") == "unknown"
    assert status(narrowed, denial, kind="inclusion") == "not_met"
    either = f"{lead}{name}, or {name} {words}"  # the bare alternative takes every case
    assert status(either, case) == "met"
    assert status(either, denial) != "met"


def test_brackets_that_say_which_conditions_are_meant_are_read_and_examples_are_not() -> None:
    which = "active infection (hepatitis B or C virus, Epstein-Barr virus, human immunodeficiency virus or "
    which += "Mycobacterium tuberculosis)"  # from a bundled trial (NCT04077684)
    assert compiled(which).reading.mode == Mode.RULE  # type: ignore[union-attr]
    examples = "Active infection (e.g., hepatitis B, HIV)"  # written for the test
    assert status(examples, "No hepatitis B. HIV negative.") == "unknown"


def test_conditions_named_in_an_exception_do_not_stand_for_the_criterion() -> None:
    text = "Infection other than HIV, hepatitis B, or hepatitis C that is symptomatic"
    assert status(text, "HIV, hepatitis B and hepatitis C negative.") == "unknown"


def test_a_list_that_shares_a_word_names_each_condition() -> None:
    """ "hepatitis B and/or C" names hepatitis C too, and "abuse or dependence" one condition."""
    assert status("Serologic evidence of active hepatitis B and/or C", "Hepatitis C positive.") == "met"
    text = "Have current drug or alcohol abuse or dependence"
    assert compiled(text).reading.mode == Mode.RULE  # type: ignore[union-attr]


def test_an_inclusion_worded_as_an_absence_is_not_met_by_denying_only_what_it_names() -> None:
    text = "No history of cancer or organ failure"  # written for the test
    assert status(text, "No history of cancer.", kind="inclusion") == "unknown"
    assert status(text, "Breast cancer in 2022.", kind="inclusion") == "not_met"


def test_an_inclusion_that_names_alternatives_is_met_by_what_it_names_and_asked_otherwise() -> None:
    """Unread alternatives in an inclusion: what it names meets it, a "no" to that leaves the others asked
    (a rule of HIV alone ruled out a patient with another immunodeficiency)."""
    text = "Patients with HIV infection or other immunodeficiency"  # written for the test
    assert status(text, "HIV positive since 2015.", kind="inclusion") == "met"
    assert status(text, "HIV negative.", kind="inclusion") == "unknown"


# conditions the concepts of concepts.toml do not name, as trials list them beside ones they do
UNREAD = ["recent major surgery", "unstable angina", "myocardial infarction", "seizures", "non-healing wound"]
NAMED = [("peptic ulcer", "No peptic ulcer."), ("heart failure", "No heart failure."), ("HIV", "HIV negative.")]


@EXAMPLES
@given(
    named=st.sampled_from(NAMED),
    others=st.lists(st.sampled_from(UNREAD), min_size=1, max_size=3, unique=True),
    at=st.integers(min_value=0, max_value=3),
    lead=st.sampled_from(["", "History of ", "Known ", "Current "]),
    joiner=st.sampled_from([", ", " or ", "; "]),
)
def test_no_list_with_an_unread_alternative_is_cleared_by_a_no_to_the_named_one(
    named: tuple[str, str], others: list[str], at: int, lead: str, joiner: str
) -> None:
    items = list(others)
    items.insert(min(at, len(items)), named[0])
    text = lead + joiner.join(items[:-1]) + " or " + items[-1]
    assert status(text, named[1]) != "not_met", text
