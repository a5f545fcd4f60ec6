"""What a note says happened to a condition after naming it (eligibility/course.py): it ended ("now in
remission", "resolved"), it did not ("not in remission"), or it came back ("relapse in 2013"), and a
denial beside a named kind. Sentences as clinicians write them in histories and referral notes."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.course import course_after
from eligibility.engine import screen
from eligibility.extract import read_patient
from tests.test_reading import trial_of

TODAY = date(2014, 6, 1)


def status(criterion: str, note: str) -> str:
    trial, compiled = trial_of([], [criterion])
    return screen(trial, compiled, read_patient(note, TODAY), TODAY).verdicts[0].status.value


@pytest.mark.parametrize(
    ("criterion", "note", "expected"),
    [
        # a recurrence dates the condition: it was last active when it came back
        ("Malignancy within the past 5 years", "Hodgkin lymphoma in 2002, relapse in 2012 treated with ABVD.", "met"),
        ("Malignancy within the past 5 years", "Hodgkin lymphoma 2002; relapsed 2012.", "met"),
        ("Malignancy within the past 5 years", "Breast cancer in 2001. Recurrence in March 2013, on letrozole.", "met"),
        ("Malignancy within the past 5 years", "Hodgkin lymphoma relapsed in 2012.", "met"),
        # with no time of its own, when it last was is not said
        ("Malignancy within the past 5 years", "Breast cancer in 2001 with local recurrence.", "unknown"),
        # the recurrence of another condition is that one's
        (
            "Malignancy within the past 5 years",
            "Breast cancer in 2001. Multiple sclerosis, relapse in 2013.",
            "not_met",
        ),
        ("History of multiple sclerosis", "Breast cancer in 2001. With relapse of her multiple sclerosis.", "met"),
        # "recurrent" names a condition, it is no recurrence of the one before
        ("Malignancy within the past 5 years", "Melanoma in 2003. Recurrent UTIs.", "not_met"),
        # ended: not active, and the time words after the ending do not date it
        ("Active malignancy", "Breast cancer 2009, now in remission.", "not_met"),
        ("History of malignancy", "Breast cancer 2009, now in remission.", "met"),
        (
            "Active malignancy",
            "Diffuse large B-cell lymphoma treated with R-CHOP in 2011, in complete remission.",
            "not_met",
        ),
        # not ended: active now, whenever it began
        ("Active lupus nephritis", "Lupus nephritis class IV in 2009, not in remission.", "met"),
        ("Active malignancy", "Breast cancer 2009, not in remission.", "met"),
        ("Active malignancy", "Breast cancer 2009, in partial remission.", "met"),
        # what ended is what the words before the ending name: a symptom or side effect is not the disease
        ("Active malignancy", "Metastatic breast cancer on letrozole, no evidence of disease progression.", "met"),
        ("Active malignancy", "Multiple myeloma on lenalidomide; bone pain resolved with radiotherapy.", "met"),
        ("Active malignancy", "Colon cancer on FOLFOX; hand-foot syndrome resolved.", "met"),
        (
            "Active tuberculosis",
            "Pulmonary tuberculosis diagnosed last month, on RIPE therapy, symptoms resolved.",
            "met",
        ),
        # an ending's own time says when it was last active
        (
            "Malignancy within the past 5 years",
            "Breast cancer in 2005, in remission since completing chemotherapy 6 months ago.",
            "met",
        ),
        ("Malignancy within the past 5 years", "Hodgkin lymphoma in 2005, in complete remission since 2011.", "met"),
        ("Deep vein thrombosis within the past 6 months", "DVT, resolved 2 months ago.", "met"),
        # a recurrence in a relative clause; a relative's recurrence; "recurrence-free"; a current state stated
        ("Malignancy within the past 5 years", "Breast cancer in 2000 which relapsed in 2012.", "met"),
        (
            "Malignancy within the past 5 years",
            "Breast cancer in 2001. Her sister had a recurrence in 2013.",
            "not_met",
        ),
        ("Malignancy within the past 5 years", "Breast cancer in 2001, recurrence-free since 2004.", "not_met"),
        ("Active malignancy", "Multiple myeloma diagnosed 2005, relapsed 2008, now on daratumumab.", "met"),
        # a denial beside a kind the text names is no clearance
        ("History of malignancy", "No cancer. Multiple myeloma diagnosed 2012 on lenalidomide.", "unknown"),
        ("History of malignancy", "Denies cancer. Breast cancer in 2011, lumpectomy.", "unknown"),
        ("History of malignancy", "No cancer. Family history of breast cancer.", "not_met"),
        ("History of malignancy", "No history of cancer except melanoma excised 2010.", "unknown"),
        (
            "History of malignancy other than basal cell carcinoma",
            "No history of cancer other than a basal cell carcinoma in 2009.",
            "not_met",
        ),
    ],
)
def test_what_happened_after_a_condition_is_read(criterion: str, note: str, expected: str) -> None:
    assert status(criterion, note) == expected


def test_a_remission_taken_back_says_nothing_of_inactive_lupus() -> None:
    """ "SLE, not in remission" is no inactive lupus, and "not well controlled" no controlled lupus."""
    for note in ("SLE, not in remission.", "Lupus, not well controlled on hydroxychloroquine."):
        profile = read_patient(note, TODAY)
        assert profile.get("active_sle") is None, note
        refractory = profile.get("refractory")
        assert refractory is None or refractory.value is True, note
    assert read_patient("SLE, in remission since 2011.", TODAY).value("active_sle") is False


@settings(max_examples=60, deadline=None)
@given(
    first=st.integers(min_value=1980, max_value=2005),
    gap=st.integers(min_value=1, max_value=20),
    window=st.integers(min_value=1, max_value=10),
    word=st.sampled_from(["relapse in", "recurrence in", "relapsed", "recurred in", "came back in"]),
    joint=st.sampled_from([", ", "; ", ". ", " with "]),
)
def test_the_last_recurrence_decides_a_window(first: int, gap: int, window: int, word: str, joint: str) -> None:
    """Whatever the years, the recurrence's time, not the first diagnosis's, decides "within N years":
    met when it lies inside the window; before it, asked, as a dated diagnosis is (whether it goes on is
    not said). Never cleared."""
    came = first + gap
    if came > TODAY.year:
        return
    word = word.capitalize() if joint == ". " else word
    note = f"Hodgkin lymphoma in {first}{joint}{word} {came}."
    years_ago = TODAY.year - came + 0.5  # a year alone is read as the middle of it
    if abs(years_ago - window) < 1:
        return  # a year alone cannot settle a window that ends inside it
    got = status(f"Malignancy within the past {window} years", note)
    assert got == ("met" if years_ago < window else "unknown"), note


@settings(max_examples=60, deadline=None)
@given(
    before=st.text(alphabet="abcdefgh ,", max_size=30),
    ended=st.sampled_from(["in remission", "resolved", "in complete remission", "cured", "fully resolved"]),
    taken_back=st.sampled_from(["", "not ", "never ", "not yet ", "no longer "]),
)
def test_an_ending_holds_only_when_it_is_not_taken_back(before: str, ended: str, taken_back: str) -> None:
    text = f"Lymphoma{before}, {taken_back}{ended}."
    course = course_after(text, len("Lymphoma"), [], TODAY)
    assert course.ended == (taken_back == "")
    assert course.goes_on == (taken_back != "")
