"""How long a treatment has been taken, and plans after the study: 'standard treatment (≥ 2 months)',
'refractory to an antimalarial for at least 3 months', 'contraception during treatment and 12 months
after', 'planning to become pregnant within 30 days after the study' (issue 12: no number left unread)."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.compiler import CompiledCriterion
from eligibility.extract import read_patient
from eligibility.kinds.durations import minimum_duration
from eligibility.patient import profile_from_facts
from eligibility.questions import question_for
from eligibility.rules import Contraception, Flag, PregnancyPlan, Treatment, duration_key
from eligibility.timewords import to_months
from tests.test_kinds import leaves
from tests.test_reading import trial_of
from trialscreen.errors import TrialscreenError
from trialscreen.keys import Status

TODAY = date(2026, 11, 1)
EXAMPLES = settings(max_examples=60, derandomize=True, deadline=None)


def read(text: str, kind: str = "inclusion") -> CompiledCriterion:
    """A criterion as a whole trial compiles it (its reading included)."""
    trial, compiled = trial_of([text], []) if kind == "inclusion" else trial_of([], [text])
    return next(cc for c, cc in zip(trial.criteria, compiled, strict=True) if c.kind == kind)


def _flag(text: str, key: str, kind: str = "inclusion") -> Flag:
    cc = read(text, kind)
    flags = [r for r in leaves(cc.rule) if isinstance(r, Flag) and r.key == key]
    assert len(flags) == 1, (text, cc.rule)
    assert str(cc.reading.mode) == "rule", (text, cc.reading)
    return flags[0]


def _status(text: str, note: str, kind: str = "inclusion") -> Status:
    cc = read(text, kind)
    assert cc.rule is not None
    return cc.rule.evaluate(read_patient(note, TODAY)).status


# -- reading ---------------------------------------------------------------------------------------


def test_standard_treatment_keeps_its_minimum_duration() -> None:
    flag = _flag("Under standard treatment (≥ 2 months) at the time of inclusion", "standard_treatment")
    assert flag.min_months == 2 and not flag.min_months_exclusive
    assert set(flag.duration_classes) == {"antimalarial", "corticosteroid", "immunosuppressant"}


def test_refractory_names_the_treatment_that_must_have_been_taken_that_long() -> None:
    flag = _flag(
        "Have refractory disease to an anti-malarial for at least 3 months as assessed by Dermatologist.", "refractory"
    )
    assert flag.min_months == 3 and flag.duration_classes == ["antimalarial"]
    drug = _flag(
        "Patients who have inadequate response to MTX administered for at least 12 weeks before screening.",
        "refractory",
    )
    assert drug.duration_drugs == ["methotrexate"] and round(drug.min_months, 2) == round(to_months(12, "weeks"), 2)
    # a treatment the vocabulary does not know is asked about as the trial names it, never inferred
    other = _flag("Inadequate response after at least 4 weeks of an approved therapy for the condition.", "refractory")
    assert other.duration_classes == ["treatment"] and not other.duration_drugs
    assert "the treatment the trial names" in question_for(duration_key([], ["treatment"])).text


def test_a_window_is_not_a_minimum_duration() -> None:
    assert minimum_duration("Rituximab within 6 months of screening") is None
    assert minimum_duration("No change in the last 3 months") is None
    assert minimum_duration("NSAID use for less than 1 week is allowed") is None


@EXAMPLES
@given(
    lead=st.sampled_from(["for {op}{n} {u}", "({op}{n} {u})", "{op}{n} {u} of", "for a period of {op}{n} {u}"]),
    op=st.sampled_from(["", "at least ", "more than ", "≥ ", "a minimum of "]),
    n=st.integers(min_value=1, max_value=36),
    unit=st.sampled_from(["days", "weeks", "months", "years"]),
)
def test_a_minimum_duration_is_read_in_any_unit(lead: str, op: str, n: int, unit: str) -> None:
    if lead.endswith("of") and not op:
        return  # "6 months of" alone is as often a window ("within 6 months of"): not a minimum
    text = "Inadequate response to methotrexate " + lead.format(op=op, n=n, u=unit) + " therapy"
    found = minimum_duration(text)
    assert found is not None, text
    assert abs(found.months - to_months(n, unit)) < 0.01
    assert found.exclusive == (op == "more than "), text


# -- deciding --------------------------------------------------------------------------------------

STANDARD = "Under standard treatment (≥ 2 months) at the time of inclusion"


def test_the_time_on_treatment_decides_and_an_unknown_time_is_asked() -> None:
    assert _status(STANDARD, "On prednisone 10 mg and hydroxychloroquine for 2 years.") == Status.MET
    assert _status(STANDARD, "Hydroxychloroquine 200 mg daily for the past 3 weeks.") == Status.NOT_MET
    cc = read(STANDARD)
    assert cc.rule is not None
    result = cc.rule.evaluate(read_patient("Takes hydroxychloroquine 200 mg daily.", TODAY))
    assert result.status == Status.UNKNOWN and result.asks and result.asks[0].startswith("months_on:")
    assert question_for(result.asks[0]).text.startswith("For how long have you been taking")
    answered = profile_from_facts({"standard_treatment": True, result.asks[0]: 5})
    assert cc.rule.evaluate(answered).status == Status.MET


def test_doses_stable_for_months_mean_taken_for_months() -> None:
    note = "On hydroxychloroquine 200 mg twice daily and prednisone 7.5 mg daily, doses unchanged for 6 months."
    assert _status(STANDARD, note) == Status.MET


@EXAMPLES
@given(months=st.floats(min_value=0, max_value=60, allow_nan=False))
def test_exactly_the_minimum_is_enough_unless_the_trial_says_more_than(months: float) -> None:
    for text, strict in ((STANDARD, False), ("On standard SLE treatment for more than 2 months", True)):
        cc = read(text)
        assert cc.rule is not None
        on = {"standard_treatment": True}
        key = cc.rule.evaluate(profile_from_facts(on)).asks[0]
        status = cc.rule.evaluate(profile_from_facts({**on, key: months})).status
        enough = months > 2 + 0.01 if strict else months >= 2 - 0.01
        if abs(months - 2) > 0.02:
            assert status == (Status.MET if enough else Status.NOT_MET), (text, months)


def test_a_duration_answer_is_a_number_of_months_within_limits() -> None:
    key = duration_key(["hydroxychloroquine"], [])
    assert profile_from_facts({key: 24}).value(key) == 24
    for bad in (-1, 5000, "two years", True):
        try:
            profile_from_facts({key: bad})
        except TrialscreenError as err:
            assert key in str(err)
        else:
            raise AssertionError(f"{bad!r} was accepted for {key}")


# -- after the study: contraception and pregnancy plans -----------------------------------------------


def test_the_time_after_the_study_is_part_of_the_reading() -> None:
    text = (
        "Pregnant, lactating women (WCBP) are reluctant to use medically approved contraceptives during "
        "treatment and 12 months after treatment."
    )
    cc = read(text, "exclusion")
    contraception = [r for r in leaves(cc.rule) if isinstance(r, Contraception)]
    assert contraception and contraception[0].after_months == 12 and str(cc.reading.mode) == "rule"
    plan_text = (
        "Is pregnant or breast-feeding, or is planning to conceive during the study, including 14 days following "
        "the last dose of study medication"
    )
    cc = read(plan_text, "exclusion")
    plans = [r for r in leaves(cc.rule) if isinstance(r, PregnancyPlan)]
    assert len(plans) == 1 and plans[0].ahead_months is not None and str(cc.reading.mode) == "rule"
    assert {r.key for r in leaves(cc.rule) if isinstance(r, Flag)} == {"pregnant", "breastfeeding"}


def test_a_pregnancy_plan_excludes_and_asks_and_spares_men_unless_fathering_is_named() -> None:
    text = "Women who are pregnant, breastfeeding or plan to become pregnant during the study."
    assert (
        _status(text, "29-year-old woman, not pregnant, not breastfeeding, trying to conceive.", "exclusion")
        == Status.MET
    )
    assert (
        _status(text, "29-year-old woman, not pregnant, not breastfeeding. Not planning a pregnancy.", "exclusion")
        == Status.NOT_MET
    )
    assert _status(text, "29-year-old woman, not pregnant, not breastfeeding.", "exclusion") == Status.UNKNOWN
    assert _status(text, "41-year-old man.", "exclusion") == Status.NOT_APPLICABLE
    fathering = (
        "Is pregnant or breastfeeding or expecting to conceive or father children within the projected duration "
        "of the study"
    )
    assert _status(fathering, "41-year-old man.", "exclusion") == Status.UNKNOWN
    # "desire of pregnancy" is a plan, not a pregnancy
    cc = read("Desire of pregnancy in the next 7 months", "exclusion")
    assert [type(r) for r in leaves(cc.rule)] == [PregnancyPlan]


# -- drugs taken for a time, dose changes, drugs named as what an exam concerns --------------------------


def test_a_drug_taken_for_at_least_a_time() -> None:
    text = "use of antimalarials (such as chloroquine or hydroxychloroquine) for at least 8 weeks"
    assert _status(text, "On hydroxychloroquine 200 mg twice daily for 2 years.") == Status.MET
    assert _status(text, "Hydroxychloroquine 200 mg daily for the past 3 weeks.") == Status.NOT_MET
    cc = read(text)
    assert cc.rule is not None and str(cc.reading.mode) == "rule"
    result = cc.rule.evaluate(read_patient("Takes hydroxychloroquine 200 mg daily.", TODAY))
    assert result.status == Status.UNKNOWN and result.asks[0].startswith("months_on:")


def test_no_change_in_dose_means_stable_doses_and_a_change_excludes() -> None:
    stable = "On prednisone 5 mg daily, dose unchanged for 6 months."
    changed = "Prednisone increased from 5 to 10 mg daily 2 weeks ago."
    inclusion = "No change in dose of prednisone within the previous 4 weeks"
    assert _status(inclusion, stable) == Status.MET
    assert _status(inclusion, changed) == Status.NOT_MET
    exclusion = "Change in oral steroid dose within 28 days prior to Baseline"
    assert _status(exclusion, stable, "exclusion") == Status.NOT_MET
    assert _status(exclusion, changed, "exclusion") == Status.MET


def test_a_drug_named_as_what_an_examination_concerns_is_not_a_use_of_it() -> None:
    cc = read("Ophthalmologic examination in the 6 previous months with no contra-indication for the use of HCQ")
    assert not [r for r in leaves(cc.rule) if isinstance(r, Treatment)]


def test_a_per_kg_dose_threshold_is_settled_for_an_adult_without_a_weight() -> None:
    pulse = "High-dose steroid pulse therapy (>1.5mg/kg) or IV bolus of corticosteroids in the last 2 months."
    adult = "33-year-old man on prednisone 10 mg daily. No IV steroid pulses in the past year."
    assert _status(pulse, adult, "exclusion") == Status.NOT_MET
    # no adult reaches 1 mg/kg on 10 mg a day: the weight is not needed; a child may, and is asked it
    cc = read("Received prednisone at a dose above 1 mg/kg/day in the last 2 months", "exclusion")
    assert cc.rule is not None
    adult_asks = cc.rule.evaluate(read_patient("33-year-old man on prednisone 10 mg daily.", TODAY)).asks
    child_asks = cc.rule.evaluate(read_patient("6-year-old boy on prednisone 10 mg daily.", TODAY)).asks
    assert "weight_kg" not in adult_asks and "weight_kg" in child_asks


def test_a_diagnosis_at_least_some_time_ago() -> None:
    for text in (
        "Diagnosed with SLE for at least 6 months",
        "Participant met the SLICC classification criteria for SLE at least 6 months prior to first dose",
    ):
        assert _status(text, "Lupus diagnosed in 2019.") == Status.MET, text
        assert _status(text, "SLE diagnosed 2 months ago.") == Status.NOT_MET, text


def test_weights_in_pounds_are_limits_in_kg() -> None:
    text = "Subjects weighing over 300 pounds"
    assert _status(text, "Weight 150 kg.", "exclusion") == Status.MET
    assert _status(text, "Weight 120 kg.", "exclusion") == Status.NOT_MET


def test_a_measured_drug_level_and_a_visit_tolerance_are_not_uses_or_limits() -> None:
    level = read("Blood HCQ concentration ranging between 100 and 750 ng/ml at the time of the visit")
    assert not [r for r in leaves(level.rule) if isinstance(r, Treatment)]
    window = read("A change in the dose of methotrexate within 28 days (±1 day) prior to Baseline Visit.", "exclusion")
    assert str(window.reading.mode) == "rule" and not window.reading.unused


def test_a_dose_cap_kept_for_a_time_needs_the_dose_unchanged_that_long() -> None:
    text = "Prednisone (or equivalent) ≤ 7.5mg/d for more than 6 months"
    assert _status(text, "Prednisone 5 mg daily, dose unchanged for a year.") == Status.MET
    assert _status(text, "Prednisone 5 mg daily, dose unchanged for 2 months.") == Status.NOT_MET
    assert _status(text, "Prednisone 10 mg daily, dose unchanged for a year.") == Status.NOT_MET


def test_a_blood_pressure_pair_is_either_side_above_or_both_sides_below() -> None:
    high = "Uncontrolled hypertension (blood pressure greater than 150/100 mm Hg despite medication)"
    assert _status(high, "BP 160/85 mmHg.", "exclusion") == Status.MET
    assert _status(high, "BP 130/105 mmHg.", "exclusion") == Status.MET
    assert _status(high, "BP 130/80 mmHg.", "exclusion") == Status.NOT_MET
    controlled = "Blood pressure < 160/100 mmHg at screening"
    assert _status(controlled, "BP 150/95 mmHg.") == Status.MET
    assert _status(controlled, "BP 150/105 mmHg.") == Status.NOT_MET


def test_half_lives_make_a_window_that_only_a_use_inside_the_stated_days_settles() -> None:
    text = (
        "Receiving or has received any investigational drug within the 30 days or 5 half-lives (whichever is "
        "longer), prior to receiving the first dose of study medication."
    )
    cc = read(text, "exclusion")
    assert str(cc.reading.mode) == "rule" and "half-lives" in cc.reading.words
    assert _status(text, "In a clinical trial of an investigational drug until 2 weeks ago.", "exclusion") == Status.MET
    assert _status(text, "Took part in a drug trial that ended 3 months ago.", "exclusion") == Status.UNKNOWN
    assert _status(text, "Never took part in a clinical trial.", "exclusion") == Status.NOT_MET


def test_a_list_of_medicines_keeps_the_ones_our_vocabulary_does_not_know() -> None:
    text = "Current treatment (within 3 months) with thalidomide, mycophenolate mofetil or oral or IV cyclophosphamide"
    drugs = {d for r in leaves(read(text, "exclusion").rule) if isinstance(r, Treatment) for d in r.drugs}
    assert {"thalidomide", "mycophenolate mofetil", "cyclophosphamide"} <= drugs
    treatment = next(r for r in leaves(read(text, "exclusion").rule) if isinstance(r, Treatment))
    assert treatment.route == "systemic"  # "oral or IV": either route counts, not a cream or an inhaler


def test_a_count_of_medicines_of_a_class() -> None:
    most = "maximum of 1 non-corticosteroid immunosuppressive drug"
    assert _status(most, "On azathioprine 100 mg daily and prednisone 10 mg daily.") == Status.MET
    assert _status(most, "On azathioprine 100 mg daily and mycophenolate 2 g daily.") == Status.NOT_MET
    least = "Have failed standard therapy, including at least 1 immunosuppressive agent"
    cc = read(least)
    assert str(cc.reading.mode) == "rule"
    assert _status(least, "Lupus still active despite azathioprine for a year, inadequate response.") == Status.MET
    assert _status(least, "Inadequate response to hydroxychloroquine. Never had immunosuppressants.") == Status.NOT_MET


def test_a_dose_unchanged_for_a_time_beside_a_treatment_taken_for_a_time() -> None:
    text = "Treatment with HCQ for at least 6 months, without modification of HCQ dosage for 2 months"
    assert str(read(text).reading.mode) == "rule"
    assert _status(text, "Hydroxychloroquine 400 mg daily for 3 years, dose unchanged for a year.") == Status.MET
    assert _status(text, "Hydroxychloroquine for 3 years; dose increased 3 weeks ago.") == Status.NOT_MET


def test_contraception_asked_of_men_when_the_trial_names_them() -> None:
    text = "Use of effective contraception for male patients before, during and up to 12 weeks after sirolimus therapy."
    cc = read(text)
    assert str(cc.reading.mode) == "rule" and not [r for r in leaves(cc.rule) if isinstance(r, Treatment)]
    assert _status(text, "41-year-old man, uses condoms.") == Status.MET
    women = "Women of childbearing potential must use effective contraception"
    assert _status(women, "41-year-old man.") == Status.NOT_APPLICABLE
    assert _status(women, "30-year-old woman, uses an IUD.") == Status.MET


def test_a_recent_autoantibody_result_needs_its_date() -> None:
    text = "Evidence of a positive ANA (≥1:80 titer) or positive dsDNA antibody test within 6 months of screening"
    assert str(read(text).reading.mode) == "rule"
    recent = profile_from_facts({"lab:ana": {"value": 320, "months_ago": 2}})
    old = profile_from_facts({"lab:ana": {"value": 320, "months_ago": 30}, "lab:anti_dsdna": False})
    undated = profile_from_facts({"lab:ana": 320})
    cc = read(text)
    assert cc.rule is not None
    assert cc.rule.evaluate(recent).status == Status.MET
    assert cc.rule.evaluate(old).status == Status.NOT_MET
    assert cc.rule.evaluate(undated).status == Status.UNKNOWN


def test_a_window_before_the_autoantibody_words_is_not_the_tests() -> None:
    text = (
        "Clinical diagnosis of SLE according to the 2019 EULAR/ACR classification criteria within three months, "
        "which is autoantibody-positive (antinuclear antibody titers ≥1:80, anti-double-stranded DNA antibodies, "
        "or both)"
    )
    cc = read(text)
    assert cc.rule is not None
    assert cc.rule.evaluate(
        profile_from_facts({"lab:ana": 320, "dx:sle": {"value": True, "months_ago": 2}})
    ).status == (Status.MET)


@settings(max_examples=40, deadline=None)
@given(
    year=st.integers(min_value=0, max_value=99),
    lead=st.sampled_from(["Dx in ", "diagnosed in ", "in remission since "]),
    apostrophe=st.booleans(),
)
def test_a_year_in_two_digits_dates_a_note_and_a_count_does_not(year: int, lead: str, apostrophe: bool) -> None:
    """ "Lymphoma Dx in 03" was 2003 (a review of real notes); "in 05 cycles" is no year."""
    from eligibility.timeparse import months_ago, months_between

    if not apostrophe and year >= 10:
        return  # "in 45" is a number, not a year: only "in '45" or "in 05" says a year
    written = f"'{year:02d}" if apostrophe else f"{year:02d}"
    full = 2000 + year if 2000 + year <= TODAY.year else 1900 + year
    assert months_ago(f"Lymphoma {lead}{written} (s/p R-CHOP)", TODAY) == max(
        0.0, months_between(date(full, 7, 1), TODAY)
    )
    assert months_ago(f"Rituximab {lead}{written} cycles", TODAY) is None
