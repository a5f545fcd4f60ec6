"""Look-back windows as registries write them: the window reader finds them, the rule keeps them, and a
patient is decided by them. A gap ("at least 4 weeks prior to screening") is never read as a window.

The sentences are real criteria of the lupus and HINT trials.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.compiler import compile_criterion
from eligibility.cues import load_cues
from eligibility.engine import screen
from eligibility.extract import read_patient
from eligibility.reading import Mode
from eligibility.timewords import window_match
from tests.test_kinds import _trial
from trialscreen import datafile
from trialscreen.errors import TrialscreenError
from trialscreen.model import Criterion

TODAY = date(2025, 6, 1)

WINDOWS = [
    ("Patients having received mycophenolate mofetil (MMF) within the preceding 3 months", 3.0),
    ("Treatment with biotherapy (for example Rituximab) during the 12 previous months", 12.0),
    ("Use of nivaquine during the 3 previous months", 3.0),
    ("No use of immunosuppressants including CsA, MMF, CTX, FK506, LEF, MTX in recent 6 months.", 6.0),
    ("No severe organ involvement in the recent 2 years", 24.0),
    ("A clinically confirmed myocardial infarction within the recent 3 months.", 3.0),
    ("Patients with history of myocardial infarction with in six previous months.", 6.0),
    ("Oral or inhaled corticosteroids during the last 2 weeks", 2 / 4.345),
    ("History of opportunistic infection in the past 6 months", 6.0),
    ("Use of investigational drugs 30 days prior to screening", 30 / 30.44),
    ("Rituximab therapy within 2 months preceding first dose of study treatment", 2.0),
    ("Investigational medications 30 days preceding baseline", 30 / 30.44),
    ("Chemotherapy within 28 days of Day 1", 28 / 30.44),
    ("Myocardial infarction within six (6) months prior to enrollment", 6.0),
    ("Weight loss over the past 6 months", 6.0),
    ("Trauma or surgery to a knee, hip or shoulder within the preceding year.", 12.0),
]

GAPS = [
    # a gap or a duration before the event, never a look-back window
    "Prior transarterial chemo-embolization (TACE) at least 28 days prior to initiation of protocol therapy.",
    "Dopamine agonist dose must be stable for ≥30 days preceding the baseline visit.",
    "Type 2 diabetes mellitus diagnosed at least 1 year before the screening visit.",
    "The study eye must have received macular laser treatment > 12 weeks prior to entry into the study",
    "Have used a reliable method of birth control for 6 weeks prior to administration of study drug",
    "Patients who were receiving continuous dialysis for more than two weeks prior to randomization.",
    "Male or female over 18 years of age",
]


@pytest.mark.parametrize(("text", "months"), WINDOWS)
def test_windows_as_registries_write_them(text: str, months: float) -> None:
    found = window_match(text)
    assert found is not None, text
    assert found[0] == pytest.approx(months, rel=0.01)
    start, end = found[1]
    assert any(ch.isdigit() for ch in text[start:end]) or "six" in text[start:end] or "year" in text[start:end]


@pytest.mark.parametrize("text", GAPS)
def test_a_gap_before_an_event_is_not_a_window(text: str) -> None:
    assert window_match(text) is None


@settings(max_examples=120, deadline=None)
@given(
    lead=st.sampled_from(
        [
            "within the preceding {n} {u}",
            "during the {n} previous {u}",
            "in the {n} previous {u}",
            "in recent {n} {u}",
            "in the recent {n} {u}",
            "during the last {n} {u}",
            "in the past {n} {u}",
            "within {n} {u} prior to screening",
            "{n} {u} prior to randomisation",
            "{n} {u} before the first dose",
            "within {n} {u} of Day 1",
            "{n} {u} preceding baseline",
        ]
    ),
    n=st.integers(1, 60),
    unit=st.sampled_from([("days", 1 / 30.44), ("weeks", 1 / 4.345), ("months", 1.0), ("years", 12.0)]),
    gap=st.sampled_from(["", "at least ", "more than ", "≥ ", "> ", "for ", "for at least "]),
)
def test_every_window_form_reads_its_number_and_a_gap_none(
    lead: str, n: int, unit: tuple[str, float], gap: str
) -> None:
    words, per = unit
    phrase = lead.format(n=n, u=words)
    text = f"Use of rituximab {gap}{phrase}"
    found = window_match(text)
    if gap and not phrase.split()[0].isalpha():
        assert found is None, text  # "at least 3 months prior to screening": a gap, never a window
        return
    assert found is not None and found[0] == pytest.approx(n * per, rel=0.01), text
    assert str(n) in text[found[1][0] : found[1][1]]


def read(text: str, kind: str) -> tuple[Criterion, object]:
    criterion = Criterion(kind=kind, number=1, text=text, start=0, end=len(text))  # type: ignore[arg-type]
    trial = _trial([criterion])
    return criterion, (trial, compile_criterion(criterion, trial, set()))


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("Use of nivaquine during the 3 previous months", 3.0),
        ("Patients having received mycophenolate mofetil (MMF) within the preceding 3 months", 3.0),
        ("History of tuberculosis within the preceding two years", 24.0),
    ],
)
def test_an_exclusion_with_such_a_window_is_read_fully_and_decides_by_it(text: str, months: float) -> None:
    """The window's number is used (the criterion is a rule, not 'partly understood'); someone inside the
    window is ruled out, someone well before it is not ruled out by it."""
    from eligibility.interpret import interpret

    criterion, (trial, cc) = read(text, "exclusion")
    cc = interpret(criterion, cc, trial)  # type: ignore[arg-type]
    assert cc.reading is not None and cc.reading.mode == Mode.RULE, cc.reading
    drug = {"nivaquine": "chloroquine", "mycophenolate": "mycophenolate mofetil", "tuberculosis": "tuberculosis"}
    what = next(v for k, v in drug.items() if k in text)
    verb = "had" if what == "tuberculosis" else "took"
    inside = round(months / 3, 1)
    for ago, ruled_out in ((inside, True), (months * 3, False)):
        profile = read_patient(f"I {verb} {what} {ago:g} months ago.", TODAY)
        verdict = screen(trial, [cc], profile, TODAY).verdicts[0]  # type: ignore[arg-type]
        assert verdict.disqualifying == ruled_out, (ago, verdict.reason)


def test_a_gap_leaves_the_number_unused_so_it_is_asked() -> None:
    """'at least 1 year before' is not a window: the criterion is asked, not decided on a misreading."""
    from eligibility.interpret import interpret

    criterion, (trial, cc) = read(
        "Type 2 diabetes mellitus diagnosed at least 1 year before the screening visit.", "inclusion"
    )
    cc = interpret(criterion, cc, trial)  # type: ignore[arg-type]
    assert cc.reading is not None and cc.reading.mode in (Mode.PARTLY, Mode.QUESTION, Mode.TEAM)
    assert cc.reading.mode != Mode.PARTLY or "at least 1 year" in cc.reading.unused


def test_the_window_cue_words_are_checked_on_load() -> None:
    text = datafile.package_text("eligibility", "data/cues.toml")
    broken = "\n".join(line for line in text.splitlines() if not line.startswith("window_lead"))
    with pytest.raises(TrialscreenError, match=r"cues.toml: \[time\] window_lead is missing"):
        load_cues(broken)
    with pytest.raises(TrialscreenError, match=r"cues.toml: \[time\] window_back is not a valid"):
        load_cues(text.replace("window_back = '(?:", "window_back = '(?:("))
