"""Menopausal status: criteria ('Postmenopausal women', 'Premenopausal', 'at least 2 years post-menopausal')
compile to rules on two facts, notes are read for them, and replies answer them. Note sentences in quotes
are from the TrialGPT patient notes (shared/data/trialgpt/) unless marked as a patient's words."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.compiler import compile_trial
from eligibility.engine import screen
from eligibility.extract import read_patient
from eligibility.kinds import spec_for
from eligibility.patient import profile_from_facts
from eligibility.rules import Age, Flag, Measure
from tests.test_kinds import leaves, read
from trialscreen.model import Criterion, Trial

TODAY = date(2025, 6, 1)
EXAMPLES = settings(max_examples=40, derandomize=True, deadline=None)


def status(text: str, kind: str, facts: dict[str, object]) -> str:
    cc = read(text, kind=kind)
    criterion = Criterion(kind, 1, text, 0, len(text))  # type: ignore[arg-type]
    trial = Trial(ref="T", source="t", source_format="text", source_text=text, title="", criteria=[criterion])
    return str(screen(trial, [cc], profile_from_facts(facts), TODAY).verdicts[0].status)


def note_status(text: str, kind: str, note: str) -> str:
    cc = read(text, kind=kind)
    criterion = Criterion(kind, 1, text, 0, len(text))  # type: ignore[arg-type]
    trial = Trial(ref="T", source="t", source_format="text", source_text=text, title="", criteria=[criterion])
    return str(screen(trial, [cc], read_patient(note, TODAY), TODAY).verdicts[0].status)


@pytest.mark.parametrize(
    "text, men",
    [
        ("Postmenopausal women", "not_met"),
        ("Is post-menopausal", "not_applicable"),
        ("Post menopausal female patients", "not_met"),
    ],
)
def test_postmenopausal_is_a_rule_on_the_status_that_men_do_not_meet(text: str, men: str) -> None:
    """A man does not meet 'Postmenopausal women'; 'Is post-menopausal' alone may stand under 'For women:'
    in a trial of men and women, so it does not apply to him."""
    assert status(text, "inclusion", {"sex": "female", "postmenopausal": True}) == "met"
    assert status(text, "inclusion", {"sex": "female", "postmenopausal": False}) == "not_met"
    assert status(text, "inclusion", {"sex": "male"}) == men
    # as an exclusion it is about women: a man is not asked about it
    assert status(text, "exclusion", {"sex": "male"}) == "not_applicable"
    assert status(text, "exclusion", {"sex": "female", "postmenopausal": True}) == "met"


def test_premenopausal_is_the_status_denied() -> None:
    assert status("Premenopausal", "inclusion", {"sex": "female", "postmenopausal": False}) == "met"
    assert status("Premenopausal", "inclusion", {"sex": "female", "postmenopausal": True}) == "not_met"
    assert status("Pre-menopausal women", "exclusion", {"sex": "male"}) == "not_applicable"


@EXAMPLES
@given(
    phrase=st.sampled_from(
        [
            "Post-menopausal for at least {n} years",
            "At least {n} years post-menopausal",
            "Postmenopausal women, more than {n} years since the last menstrual period",
            "Postmenopausal (no menses for at least {n} years)",
        ]
    ),
    n=st.integers(2, 30),
)
def test_years_after_menopause_are_a_limit_on_the_time_since_the_last_period(phrase: str, n: int) -> None:
    text = phrase.format(n=n)
    cc = read(text)
    times = [r for r in leaves(cc.rule) if isinstance(r, Measure) and r.key == "months_since_period"]
    assert len(times) == 1 and times[0].value == n * 12, text
    assert not any(isinstance(r, Age) for r in leaves(cc.rule)), "years since menopause are not an age"
    woman = {"sex": "female", "postmenopausal": True}
    assert status(text, "inclusion", {**woman, "months_since_period": n * 12 + 6}) == "met"
    assert status(text, "inclusion", {**woman, "months_since_period": n * 12 - 6}) == "not_met"
    assert status(text, "inclusion", woman) == "unknown"  # postmenopausal, but for how long is a question


@pytest.mark.parametrize(
    "text",
    [
        "Postmenopausal, defined as 12 consecutive months of amenorrhea",
        "Post-menopausal women (at least 1 year since the last menstrual period)",
    ],
)
def test_the_definition_of_twelve_months_is_the_status_itself(text: str) -> None:
    criterion = Criterion("inclusion", 1, text, 0, len(text))
    trial = Trial(ref="T", source="t", source_format="text", source_text=text, title="", criteria=[criterion])
    reading = compile_trial(trial)[0].reading
    assert reading is not None and reading.mode == "rule", reading  # nothing of it is left unread
    assert status(text, "inclusion", {"sex": "female", "postmenopausal": True}) == "met"


def test_an_age_beside_the_status_stays_an_age() -> None:
    cc = read("Postmenopausal (> 60 years of age)")
    assert [(a.min, a.min_strict) for a in leaves(cc.rule) if isinstance(a, Age)] == [(60, True)]
    assert not any(isinstance(r, Measure) for r in leaves(cc.rule))
    # "Women >2 years postmenopausal ... and more than 55 years of age": the 2 years are not an age
    both = read("Women >2 years postmenopausal and more than 55 years of age")
    assert [a.min for a in leaves(both.rule) if isinstance(a, Age)] == [55]
    assert [m.value for m in leaves(both.rule) if isinstance(m, Measure)] == [24]


@pytest.mark.parametrize(
    "text",
    [
        "Women of childbearing potential (premenopausal, not surgically sterile) must use contraception",
        "Female subjects must be post-menopausal or surgically sterile.",
        "Perimenopausal women",
        "Not post-menopausal for 12 consecutive months",
        "Postmenopausal bleeding",
        "Onset of moderate to severe dyspareunia in the postmenopausal years.",  # more than the status
        "Postmenopausal NOTE: * Ovulation is determined by day 21 progesterone level > 3 ng/mL",
    ],
)
def test_other_questions_around_menopause_are_not_the_status(text: str) -> None:
    assert not any(isinstance(r, Flag) and r.key == "postmenopausal" for r in leaves(read(text).rule)), text


@pytest.mark.parametrize(
    "note, after, months",
    [
        (
            "She is a nonsmoker, does not consume alcohol, is menopausal, and has a stable sexual relationship.",
            True,
            None,
        ),
        ("A 51-year-old smoker with hypertension and diabetes, in menopause", True, None),
        ("A 60-year-old woman. Menopause at 50.", True, 120.0),
        (
            "A 38 year old woman complains of severe premenstrual and menstrual pelvic pain, heavy, irregular periods",
            False,
            None,
        ),
        ("The patient has heavy menstrual cycles each month.", False, None),
        ("Her menstrual cycle is irregular.", False, None),
        ("Her last menstrual period was 10 weeks ago.", False, 2.3),
        ("Her last menstrual period was 8 weeks prior to admission, and her Beta HCG level is 100 mIU.", False, 1.84),
        ("A 36-year-old woman presents with 12 weeks of amenorrhea, vaginal spotting", False, 2.76),
        ("A 45-year-old perimenopausal woman with hot flashes", False, None),
        ("She has a history of heavy menses as well as occasional gum bleeding", None, None),  # the past
        ("Her mother and grandmother have also had excessive bleeding during menstrual period.", None, None),
        ("I'm 55 and I don't know if I'm in menopause yet", None, None),  # a patient's words: a doubt
        ("A 58-year-old woman. She denies postmenopausal bleeding.", None, None),  # the bleeding is denied
        ("She is not yet menopausal.", False, None),
        ("70-year-old woman. She had 3 months of amenorrhea at age 20.", None, None),  # long past
        ("70-year-old woman. In the last period, she was hospitalized 3 weeks ago.", None, None),  # no menses
        ("50-year-old woman. Her mother had menopause at 45.", None, None),
        ("A 47-year-old woman with menopausal hot flashes", None, None),  # the symptoms come before it too
    ],
)
def test_notes_say_whether_her_periods_have_stopped(note: str, after: bool | None, months: float | None) -> None:
    p = read_patient(note, TODAY)
    assert p.value("postmenopausal") is after
    got = p.value("months_since_period")
    assert (got is None and months is None) or got == pytest.approx(months, abs=0.1)


def test_a_note_decides_a_criterion_on_menopause() -> None:
    note = "A 38 year old woman complains of severe premenstrual and menstrual pelvic pain, heavy, irregular periods."
    assert note_status("Premenopausal", "inclusion", note) == "met"
    assert note_status("Postmenopausal women", "inclusion", note) == "not_met"
    assert note_status("Postmenopausal women", "exclusion", "A 62 yo male presents with cough") == "not_applicable"
    old = "A 70-year-old woman, menopause at 52, presents with hip pain."
    assert note_status("At least 5 years post-menopausal", "inclusion", old) == "met"


@pytest.mark.parametrize(
    "key, reply, facts",
    [
        ("postmenopausal", "yes, about 3 years ago", {"postmenopausal": True, "months_since_period": 36.0}),
        ("postmenopausal", "yes", {"postmenopausal": True}),
        ("postmenopausal", "no, I still have periods", {"postmenopausal": False}),
        ("months_since_period", "2 years ago", {"months_since_period": 24.0, "postmenopausal": True}),
        ("postmenopausal", "I haven't had a period in 3 years", {"postmenopausal": True, "months_since_period": 36.0}),
        ("postmenopausal", "no longer have periods", {"postmenopausal": True}),
        ("postmenopausal", "not since 2018", {"postmenopausal": True, "months_since_period": 83.0}),
        ("months_since_period", "8 months", {"months_since_period": 8.0, "postmenopausal": False}),
    ],
)
def test_a_reply_about_menopause(key: str, reply: str, facts: dict[str, object]) -> None:
    spec = spec_for(key)
    assert spec is not None and spec.parse is not None
    answer = spec.parse(key, reply, TODAY)
    assert answer is not None and answer.error is None
    assert {k: pytest.approx(v, abs=0.5) if isinstance(v, float) else v for k, v in answer.facts.items()} == facts


def test_an_impossible_time_since_a_period_is_asked_again() -> None:
    spec = spec_for("months_since_period")
    assert spec is not None and spec.parse is not None
    answer = spec.parse("months_since_period", "100 years ago", TODAY)
    assert answer is not None and answer.error is not None and not answer.facts


def test_a_criterion_for_men_and_women_asks_the_status_of_women_only() -> None:
    text = "Patient is an adult male/female ≥ 18 years old. Female patients must be postmenopausal."
    assert status(text, "inclusion", {"sex": "male", "age": 40}) == "met"
    assert status(text, "inclusion", {"sex": "female", "age": 40, "postmenopausal": False}) == "not_met"


@EXAMPLES
@given(n=st.integers(1, 11))
def test_fewer_months_without_periods_than_menopause_needs_are_met_by_menopause(n: int) -> None:
    """'amenorrhea lasting at least 3 months': a postmenopausal woman meets it, and so does one whose last
    period was longer ago than that; one with a period since does not."""
    text = f"Periods of amenorrhea lasting at least {n} months"
    assert status(text, "inclusion", {"sex": "female", "postmenopausal": True}) == "met"
    assert (
        status(text, "inclusion", {"sex": "female", "postmenopausal": False, "months_since_period": n + 0.5}) == "met"
    )
    assert (
        status(text, "inclusion", {"sex": "female", "postmenopausal": False, "months_since_period": n - 0.5})
        == "not_met"
    )
