"""Rule kinds as plug-ins: ordinary wording is read, every number a rule uses is accounted for, and
a threshold the grammar cannot attach gives no rule rather than a wrong one (issue 12)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.compiler import CompiledCriterion, compile_criterion
from eligibility.engine import screen
from eligibility.kinds import registry, spec_for
from eligibility.kinds.base import load_grammar
from eligibility.kinds.prefilter import needed
from eligibility.patient import profile_from_facts
from eligibility.quantities import numbers_of, unused
from eligibility.rules import Age, AllOf, AnyOf, DoseCap, Flag, Measure, Not, Rule, SexScoped, Treatment
from trialscreen.errors import TrialscreenError
from trialscreen.model import Criterion, Trial

TODAY = date(2025, 6, 1)
EXAMPLES = settings(max_examples=60, derandomize=True, deadline=None)


def _trial(criteria: list[Criterion]) -> Trial:
    return Trial(
        ref="t",
        source="t.txt",
        source_format="text",
        source_text="",
        title="t",
        nct_id=None,
        status=None,
        phase=None,
        sponsor=None,
        conditions=[],
        interventions=[],
        arms=[],
        enrollment=None,
        min_age=None,
        max_age=None,
        sex=None,
        accepts_healthy=None,
        dates={},
        summary="",
        sections=[],
        criteria=criteria,
        field_cites={},
        warnings=[],
    )


def read(text: str, kind: str = "inclusion", context: str = "") -> CompiledCriterion:
    criterion = Criterion(kind=kind, number=1, text=text, start=0, end=len(text), context=context)  # type: ignore[arg-type]
    return compile_criterion(criterion, _trial([criterion]), set())


def leaves(rule: Rule | None) -> list[Rule]:
    if rule is None:
        return []
    if isinstance(rule, AnyOf | AllOf):
        return [leaf for r in rule.rules for leaf in leaves(r)]
    if isinstance(rule, Not | SexScoped):
        return leaves(rule.rule)
    return [rule]


def used_words(cc: CompiledCriterion, text: str) -> list[str]:
    return [text[a:b] for a, b in cc.used]


def numbers_used(cc: CompiledCriterion, text: str) -> set[str]:
    """The numbers of the text that fall inside the spans the rule used."""
    return {m.group(0) for m in re.finditer(r"\d+(?:\.\d+)?", text) if any(a <= m.start() < b for a, b in cc.used)}


def unused_numbers(cc: CompiledCriterion, text: str) -> list[str]:
    """What a rule leaves unused of the criterion's numbers (a partly understood reading when not empty)."""
    assert cc.rule is not None, text
    return unused(text, numbers_of(cc.rule.to_dict()), cc.used)


# -- ordinary wording ----------------------------------------------------------------------------

AGE_LOW = [
    "Age {n} years or older",
    "Aged ≥ {n}",
    "Aged >= {n} years",
    "{n} years of age or older",
    "Patients must be {n} years of age or older.",
    "Age: {n} years and above",
    "Male or female, aged {n} years and over",
    "At least {n} years of age",
    "Greater than or equal to {n} years of age",
    "Age ≥{n} years at screening",
    "Men and women {n} years or older",
]


# Minimums that exactly the age does not meet ("greater than 18 years"): strict.
AGE_ABOVE = [
    "Greater than {n} years of age",
    "Age greater than {n} years",
    "More than {n} years old",
    "Age > {n} years",
]


@EXAMPLES
@given(phrase=st.sampled_from(AGE_LOW + AGE_ABOVE), n=st.integers(min_value=1, max_value=99))
def test_minimum_ages_as_trials_write_them(phrase: str, n: int) -> None:
    text = phrase.format(n=n)
    cc = read(text)
    ages = [r for r in leaves(cc.rule) if isinstance(r, Age)]
    strict = phrase in AGE_ABOVE
    assert len(ages) == 1 and ages[0].min == n and ages[0].max is None and ages[0].min_strict is strict, text
    assert str(n) in numbers_used(cc, text)


AGE_RANGE = [
    "Age {lo} to {hi} years",
    "Aged {lo}-{hi}",
    "Between the ages of {lo} and {hi} years, inclusive",
    "Male or female subjects {lo} to {hi} years of age",
    "Age ≥ {lo} and ≤ {hi} years",
    "aged ≥{lo} and ≤{hi} years",
]


@EXAMPLES
@given(phrase=st.sampled_from(AGE_RANGE), lo=st.integers(1, 60), span=st.integers(1, 50))
def test_age_ranges(phrase: str, lo: int, span: int) -> None:
    hi = lo + span
    text = phrase.format(lo=lo, hi=hi)
    cc = read(text)
    ages = [r for r in leaves(cc.rule) if isinstance(r, Age)]
    assert len(ages) == 1 and (ages[0].min, ages[0].max) == (lo, hi), text
    assert {str(lo), str(hi)} <= numbers_used(cc, text)


AGE_MONTHS = [
    ("Male Age {lo} months to {hi} years of age", False),
    ("Age {lo} months to less than {hi} years of age", True),
    ("Children aged {lo} months to {hi} years", False),
]


@EXAMPLES
@given(case=st.sampled_from(AGE_MONTHS), lo=st.integers(1, 11), hi=st.integers(1, 21))
def test_an_age_in_months_is_a_part_of_a_year(case: tuple[str, bool], lo: int, hi: int) -> None:
    """Paediatric trials write months at one end: the limit is that part of a year, shown in months,
    and a child just under it is outside."""
    phrase, strict = case
    text = phrase.format(lo=lo, hi=hi)
    cc = read(text)
    ages = [r for r in leaves(cc.rule) if isinstance(r, Age)]
    assert len(ages) == 1, text
    assert ages[0].min == pytest.approx(lo / 12, abs=1e-3) and ages[0].max == hi and ages[0].max_strict is strict
    assert f"{lo} months" in ages[0].describe()
    below = profile_from_facts({"age": round((lo - 0.5) / 12, 4)})
    assert ages[0].evaluate(below).status == "not_met"


def test_an_age_of_something_else_is_no_age_limit() -> None:
    """ "gestational age <23 weeks" is the pregnancy's, not the woman's: no age rule that a 27-year-old fails."""
    for text in ("Pregnant, with gestational age <23 weeks", "Bone age of 10 years or less"):
        assert not any(isinstance(r, Age) for r in leaves(read(text).rule)), text
    duration = read("Age 18 or older with symptoms for more than 6 months")
    # "more than 6 months" is a duration: the only age limit is 18
    assert all(a.min == 18 and a.max is None for a in leaves(duration.rule) if isinstance(a, Age))


GESTATION = [
    ("Pregnant, with gestational age <{n} weeks", "<"),
    ("Women more than {n} weeks pregnant", ">"),
    ("Gestational age of at least {n} weeks", ">="),
    ("Singleton pregnancy at {n} weeks' gestation or more", ">="),
    ("less than {n} completed weeks of gestation", "<"),
]


@EXAMPLES
@given(case=st.sampled_from(GESTATION), n=st.integers(6, 41), kind=st.sampled_from(["inclusion", "exclusion"]))
def test_a_limit_on_the_weeks_of_a_pregnancy_needs_a_pregnancy(case: tuple[str, str], n: int, kind: str) -> None:
    """'gestational age <23 weeks': pregnant and that far along; a woman who is not pregnant meets neither
    an inclusion nor an exclusion of it, and a pregnancy a week either side of the limit is decided."""
    phrase, op = case
    cc = read(phrase.format(n=n), kind=kind)
    weeks = [r for r in leaves(cc.rule) if isinstance(r, Measure) and r.key == "gestational_age"]
    assert len(weeks) == 1 and weeks[0].op == op and weeks[0].value == n
    trial = Trial(ref="T", source="t", source_format="text", source_text="", title="", criteria=[])
    criterion = Criterion(kind, 1, phrase.format(n=n), 0, 0)  # type: ignore[arg-type]
    trial.criteria.append(criterion)

    def status(facts: dict[str, object]) -> str:
        return screen(trial, [cc], profile_from_facts({"sex": "female", **facts}), TODAY).verdicts[0].status

    assert status({"pregnant": False}) == "not_met"
    inside = n - 1 if op.startswith("<") else n + 1
    outside = n + 1 if op.startswith("<") else n - 1
    assert status({"pregnant": True, "gestational_age": inside}) == "met"
    assert status({"pregnant": True, "gestational_age": outside}) == "not_met"


@pytest.mark.parametrize(
    "reply, facts, error",
    [
        ("about 20 weeks", {"gestational_age": 20.0, "pregnant": True}, False),
        ("no, I am not pregnant", {"pregnant": False}, False),
        ("60", {}, True),  # no pregnancy lasts 60 weeks
        ("soon", {}, True),
    ],
)
def test_a_reply_to_how_many_weeks_pregnant(reply: str, facts: dict[str, object], error: bool) -> None:
    spec = spec_for("gestational_age")
    assert spec is not None and spec.parse is not None
    answer = spec.parse("gestational_age", reply, TODAY)
    assert answer is not None and answer.facts == facts and (answer.error is not None) is error


def test_an_age_either_side_is_either_and_a_duration_is_no_age() -> None:
    cc = read("Age < 18 years or > 75 years", kind="exclusion")
    assert isinstance(cc.rule, AnyOf) and {(a.min, a.max) for a in leaves(cc.rule)} == {(None, 18), (75, None)}  # type: ignore[attr-defined]
    assert not any(isinstance(r, Age) for r in leaves(read("Diabetes for 5 years or more").rule))
    # two limits on other things, far apart: no age rule rather than a guess
    far = read("Is >7 years old and cannot perform FEV1 maneuvers; OR is ≤7 years old and has asthma", kind="exclusion")
    assert not any(isinstance(r, Age) for r in leaves(far.rule))


WEIGHT = [
    ("Body weight >= {n} kg", ">="),
    ("Body weight ≥{n} kg at screening", ">="),
    ("weight of at least {n} kg", ">="),
    ("Subjects must weigh at least {n} kilograms", ">="),
    ("Weighing {n} kg or more", ">="),
    ("Body weight less than {n} kg", "<"),
    ("Weight > {n} kg", ">"),
    ("Had a body weight less than or equal to {n} kg", "<="),  # NCT01702740
    ("body weight greater than or equal to {n} kg", ">="),
]


@EXAMPLES
@given(case=st.sampled_from(WEIGHT), n=st.integers(20, 200))
def test_weight_limits(case: tuple[str, str], n: int) -> None:
    phrase, op = case
    text = phrase.format(n=n)
    cc = read(text)
    weights = [r for r in leaves(cc.rule) if isinstance(r, Measure) and r.key == "weight_kg"]
    assert len(weights) == 1 and (weights[0].op, weights[0].value) == (op, n), text
    assert str(n) in numbers_used(cc, text)


@EXAMPLES
@given(lo=st.integers(15, 30), span=st.integers(1, 20), unit=st.sampled_from(["kg/m2", "kg/m²", "kg/m^2", ""]))
def test_bmi_ranges(lo: int, span: int, unit: str) -> None:
    text = f"BMI {lo}-{lo + span} {unit}".strip()
    bmi = [r for r in leaves(read(text).rule) if isinstance(r, Measure) and r.key == "bmi"]
    assert sorted((m.op, m.value) for m in bmi) == [("<=", lo + span), (">=", lo)], text


def test_a_weight_change_is_not_a_body_weight() -> None:
    cc = read("Stable weight, with no more than 5 kg gain or loss, in the 3 months prior to screening")
    assert not any(isinstance(r, Measure) and r.key == "weight_kg" for r in leaves(cc.rule))


# -- dose thresholds -----------------------------------------------------------------------------

CURRENT_ABOVE = [
    "Current use of more than {n} mg/day prednisone",
    "Currently receiving > {n} mg/day of prednisone or equivalent",
    "Current treatment with prednisone above {n} mg per day",
    "Taking more than {n} mg/day prednisone at screening",
]


@EXAMPLES
@given(phrase=st.sampled_from(CURRENT_ABOVE), n=st.integers(2, 60))
def test_current_use_above_a_dose_rules_out_only_above_it(phrase: str, n: int) -> None:
    text = phrase.format(n=n)
    cc = read(text, kind="exclusion")
    assert isinstance(cc.rule, Not) and isinstance(cc.rule.rule, DoseCap), (text, cc.rule)
    assert cc.rule.rule.max_mg_day == n
    assert str(n) in numbers_used(cc, text)
    trial = _trial([Criterion(kind="exclusion", number=1, text=text, start=0, end=len(text))])
    below = screen(trial, [cc], profile_from_facts({"age": 40, "med:prednisone": max(n - 1, 1)}), TODAY)
    above = screen(trial, [cc], profile_from_facts({"age": 40, "med:prednisone": n + 5}), TODAY)
    none = screen(trial, [cc], profile_from_facts({"age": 40, "med:prednisone": False}), TODAY)
    assert below.decision == "eligible" and none.decision == "eligible"
    assert above.decision == "ineligible"


def test_at_least_a_dose_now_counts_the_dose_itself() -> None:
    text = "Current use of ≥ 20 mg/day prednisone"
    assert _decide(text, "exclusion", {"med:prednisone": 20}) == "ineligible"
    assert _decide(text, "exclusion", {"med:prednisone": 19.5}) == "eligible"
    assert _decide(text, "exclusion", {"med:prednisone": False}) == "eligible"


def test_a_threshold_it_cannot_attach_gives_no_rule_rather_than_any_use() -> None:
    # the dose is given with thalidomide, a drug the rules' vocabulary has no entry for
    text = "Previous use of methotrexate or thalidomide (> 400 mg/day)"
    cc = read(text, kind="exclusion")
    assert cc.rule is None and any("not read" in w for w in cc.warnings)


def test_a_threshold_next_to_its_drug_counts_only_above_it_and_other_drugs_count_at_any_dose() -> None:
    text = "Previous use of hydroxychloroquine (> 400 mg/day) or methotrexate"
    cc = read(text, kind="exclusion")
    trial = _trial([Criterion(kind="exclusion", number=1, text=text, start=0, end=len(text))])

    def decision(facts: dict[str, object]) -> str:
        return screen(trial, [cc], profile_from_facts({"age": 40, **facts}), TODAY).decision

    # 400 mg/day now does not rule the person out (an earlier dose above it would: asked)
    assert decision({"med:hydroxychloroquine": 400, "prior:methotrexate": False}) == "needs_info"
    assert decision({"med:hydroxychloroquine": 600, "prior:methotrexate": False}) == "ineligible"
    assert decision({"prior:methotrexate": True}) == "ineligible"


# -- doses as registries write them (real criteria: lupus and HINT records) ------------------------


def _decide(text: str, kind: str, facts: dict[str, object]) -> str:
    cc = read(text, kind=kind)
    trial = _trial([Criterion(kind=kind, number=1, text=text, start=0, end=len(text))])  # type: ignore[arg-type]
    return str(screen(trial, [cc], profile_from_facts({"age": 40, "dx:sle": True, **facts}), TODAY).decision)


@pytest.mark.parametrize(
    ("text", "dose", "ruled_out"),
    [
        ("taking ≥ 30 mg of prednisone daily", 30, True),
        ("taking ≥ 30 mg of prednisone daily", 25, False),
        ("Are currently receiving corticosteroids at doses >10 mg of prednisone per day (or equivalent)", 10, False),
        ("Are currently receiving corticosteroids at doses >10 mg of prednisone per day (or equivalent)", 11, True),
        ("Corticosteroid of greater than 10mg prednisolone daily equivalent", 12.5, True),
        ("Participants receiving oral steroids >20 mg prednisolone per day (or equivalent)", 25, True),
    ],
)
def test_a_steroid_dose_now_rules_out_only_at_or_above_its_threshold(text: str, dose: float, ruled_out: bool) -> None:
    cc = read(text, kind="exclusion")
    assert cc.rule is not None and not unused_numbers(cc, text), (text, cc.rule)
    verdict = _decide(text, "exclusion", {"med:prednisone": dose})
    assert verdict == ("ineligible" if ruled_out else "eligible"), (text, dose, verdict)


def test_a_dose_in_grams_of_a_named_drug_within_a_window() -> None:
    text = "Has been treated with > 3 g/day of MMF within 4 weeks of the Screening Visit."
    treatment = read(text, kind="exclusion").rule
    assert isinstance(treatment, Treatment)
    assert (treatment.drugs, treatment.min_dose_mg_day, treatment.within_months) == (
        ["mycophenolate mofetil"],
        3000,
        pytest.approx(0.92, abs=0.01),
    )
    # 3 g/day now does not rule the person out (a higher dose earlier in the 4 weeks would: asked)
    assert _decide(text, "exclusion", {"med:mycophenolate mofetil": 3000}) == "needs_info"
    assert _decide(text, "exclusion", {"med:mycophenolate mofetil": 3500}) == "ineligible"


WEEKLY_CAPS = (
    "Stable doses of methotrexate ≤ 20 mg/week, azathioprine ≤ 150 mg/day, and 6-mercaptopurine ≤ 150 mg/day"
    " for 12 weeks prior to screening are permitted."
)


@EXAMPLES
@given(weekly=st.integers(5, 30))
def test_a_weekly_cap_compares_with_the_weekly_dose_a_patient_takes(weekly: int) -> None:
    cc = read(WEEKLY_CAPS)
    caps = {r.drug: r for r in leaves(cc.rule) if isinstance(r, DoseCap)}
    assert set(caps) == {"methotrexate", "azathioprine", "mercaptopurine"}, cc.rule
    assert not unused_numbers(cc, WEEKLY_CAPS)
    # a patient's "methotrexate 20 mg weekly" is read as mg/day, rounded (eligibility/extract.py)
    profile = profile_from_facts({"med:methotrexate": round(weekly / 7, 3)})
    assert caps["methotrexate"].evaluate(profile).status == ("met" if weekly <= 20 else "not_met")


def test_each_clause_keeps_its_own_window() -> None:
    text = (
        "Having received belimumab within 2 months of Baseline, or having received rituximab or other B cell "
        "depleting biologic therapy within 6 months of Baseline."
    )
    assert not unused_numbers(read(text, kind="exclusion"), text)
    assert _decide(text, "exclusion", {"prior:rituximab": {"value": True, "months_ago": 4}}) == "ineligible"
    assert _decide(text, "exclusion", {"prior:rituximab": {"value": True, "months_ago": 8}}) != "ineligible"
    belimumab = {"prior:belimumab": {"value": True, "months_ago": 4}, "prior:class:b-cell therapy": False}
    assert _decide(text, "exclusion", {**belimumab, "prior:class:biologic": False}) != "ineligible"


def test_a_pulse_dose_per_kg_is_read_no_narrower_than_written() -> None:
    text = "High-dose steroid pulse therapy (>1.5mg/kg) or IV bolus of corticosteroids in the last 2 months"
    cc = read(text, kind="exclusion")
    assert not unused_numbers(cc, text)
    pulse = {"prior:methylprednisolone": {"value": True, "months_ago": 1, "route": "iv"}}
    assert _decide(text, "exclusion", pulse) == "ineligible"


def test_a_range_an_inclusion_requires_is_a_dose_the_person_must_take() -> None:
    text = (
        "Participants must be taking 5 to 35 mg/day of prednisone/prednisolone, or the equivalent, at Visit 1 and "
        "at the randomization visit."
    )
    assert not unused_numbers(read(text), text)
    assert _decide(text, "inclusion", {"med:prednisone": 10}) == "eligible"
    assert _decide(text, "inclusion", {"med:prednisone": 40}) == "ineligible"
    assert _decide(text, "inclusion", {"med:prednisone": False, "prior:class:corticosteroid": False}) == "ineligible"


def test_a_cap_below_a_dose_excludes_the_dose_itself() -> None:
    text = (
        "Oral corticosteroids in low doses (< 10 mg/d prednisone or equivalent) will be allowed if stable for 1 "
        "month prior to randomization"
    )
    cap = next(r for r in leaves(read(text).rule) if isinstance(r, DoseCap))
    assert cap.evaluate(profile_from_facts({"med:prednisone": 10})).status == "not_met"
    assert cap.evaluate(profile_from_facts({"med:prednisone": 9.5})).status == "met"


@pytest.mark.parametrize(
    "text",
    [
        # a cap inside an absence is an exception to it, never the rule negated
        "No concurrent corticosteroids, except for stable doses of prednisone (< 20 mg/day or equivalent)",
        # an inhaled dose is not a prednisone-equivalent one
        "inhaled corticosteroid at a dose >=500 mcg/day fluticasone propionate dose equivalent",
        # a negation before the comparison turns it around
        "Non-escalating corticosteroid dose (not exceeding more than 16 mg daily of dexamethasone oral)",
    ],
)
def test_doses_that_are_not_a_prednisone_threshold_give_no_dose_rule(text: str) -> None:
    rules = leaves(read(text).rule)
    assert not any(isinstance(r, DoseCap) for r in rules), rules
    assert not any(isinstance(r, Treatment) and r.min_dose_mg_day is not None for r in rules), rules


# -- spans, general mechanisms, registry ----------------------------------------------------------


def test_used_spans_cover_numbers_comparators_units_and_windows() -> None:
    text = "Received rituximab within 6 months, or ALT > 3 x ULN, or creatinine clearance < 30 mL/min"
    cc = read(text, kind="exclusion")
    words = " | ".join(used_words(cc, text))
    for piece in ("within 6 months", ">", "3 x ULN", "<", "30", "mL/min"):
        assert piece in words, (piece, words)
    again = CompiledCriterion.from_dict(cc.to_dict())
    assert again.used == cc.used


def test_spans_are_of_the_criterion_not_its_lead_in() -> None:
    cc = read("rituximab", kind="exclusion", context="Received any of the following within 12 months:")
    assert cc.rule is not None and cc.used == []  # the window is in the lead-in, outside the text


@pytest.mark.parametrize(
    ("text", "count", "klass"),
    [
        ("Have required 3 or more courses of systemic corticosteroids within 364 days", 3, "corticosteroid"),
        ("More than five courses of oral steroids in the past year", 6, "corticosteroid"),
        ("at least 2 courses of corticosteroids during the last 12 months", 2, "corticosteroid"),
    ],
)
def test_counted_treatments(text: str, count: int, klass: str) -> None:
    cc = read(text, kind="exclusion")
    assert isinstance(cc.rule, Flag) and cc.rule.key == f"courses:{klass}:{count}", cc.rule
    assert cc.rule.within_months is not None
    facts = profile_from_facts({f"courses:{klass}:{count}": True})
    assert facts.value(f"courses:{klass}:{count}") is True


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("Self-identified black race", "black"),
        ("Black or African American participants", "black"),
        ("Asian participants aged 18 or older", "asian"),
    ],
)
def test_race_is_a_demographic_from_the_data_list(text: str, group: str) -> None:
    assert any(isinstance(r, Flag) and r.key == f"race:{group}" for r in leaves(read(text).rule))
    assert not any(
        isinstance(r, Flag) and r.key.startswith("race:") for r in leaves(read("White blood cell count > 3").rule)
    )


def test_alternatives_for_women_under_a_lead_in_go_to_the_study_team() -> None:
    lead = "A female subject is eligible to participate if she is:"
    assert read("OR is of child-bearing potential with a negative pregnancy test", context=lead).team
    assert read("Of non-reproductive potential, defined as post-menopausal", context=lead).team


def test_every_kind_is_registered_with_its_data_and_facts() -> None:
    kinds = registry()
    assert len({k.name for k in kinds}) == len(kinds) >= 15
    assert spec_for("age") is not None and spec_for("age").limits == (0.0, 120.0)  # type: ignore[union-attr]
    assert spec_for("lab:alt") is not None and spec_for("lab:alt").answer_keys("lab:alt") == ["lab:alt", "lab:ast"]  # type: ignore[union-attr,misc]
    answer = spec_for("weight_kg").parse("weight_kg", "140 lb", TODAY)  # type: ignore[union-attr,misc]
    assert answer is not None and answer.facts == {"weight_kg": 63.5}


def test_a_broken_data_file_names_the_section_and_key() -> None:
    good = (
        "[registry]\norder = []\n[grammar]\ncomparators = { '<' = '<' }\nclassic = ['<']\ntimes = 'x'\n"
        "duration = 'for'\nduration_exclusive = 'more'\nhalf_lives = 'half'\n[team]\n"
    )
    load_grammar(good, {})
    with pytest.raises(TrialscreenError, match=r"\[grammar\] duration"):
        load_grammar(good.replace("duration = 'for'\n", ""), {})
    with pytest.raises(TrialscreenError, match=r"\[age\] gate"):
        load_grammar(good + "[age]\n", {"age": ("gate",)})
    with pytest.raises(TrialscreenError, match=r"\[age\] gate.*not a valid"):
        load_grammar(good + "[age]\ngate = '(('\n", {"age": ("gate",)})
    with pytest.raises(TrialscreenError, match=r"comparators"):
        load_grammar(good.replace("'<' = '<'", "'<' = 'less'"), {})


@EXAMPLES
@given(
    words=st.lists(
        st.sampled_from(["rituximab", "ritux", "hepatitis b", "lupus", "x", "(", "|"]), min_size=1, max_size=3
    ),
    text=st.text(alphabet="abcdefghijklmnopqrstuvwxyz ()-|", max_size=40),
)
def test_the_first_look_never_hides_a_match(words: list[str], text: str) -> None:
    """Whenever a pattern matches, the text holds one of the words the first look checks for."""
    pattern = re.compile("|".join(re.escape(w) for w in words) + r"|\bcyclo\w*", re.IGNORECASE)
    found = needed(pattern)
    for sample in (text, text + " " + words[0], "Cyclophosphamide " + text):
        if pattern.search(sample):
            assert found is None or any(w in sample.lower() for w in found), (pattern.pattern, sample, found)


@pytest.mark.parametrize(
    "text",
    [
        # real exclusions of external lupus trials (NCT01389895, NCT02176486)
        "Any disorder (including psychiatric), condition or clinically significant disease (other than a diagnosis "
        "of SCLE, SLE, or Sjögren's syndrome) that would, by its progressive nature and/or severity, interfere "
        "with the study evaluation",
        "Has an autoimmune disease other than SLE as their main diagnosis.",
        "Diagnosis of any autoimmune disease except lupus",
    ],
)
def test_lupus_named_as_an_exception_does_not_exclude_lupus_patients(text: str) -> None:
    facts = {"dx:sle": True, "age": 40, "sex": "female"}
    assert _decide(text, "exclusion", facts) != "ineligible"


def test_a_lupus_diagnosis_still_reads_where_lupus_is_what_is_asked() -> None:
    cc = read("Diagnosis of SLE according to the ACR criteria (at least 4/11 criteria), other than drug-induced")
    assert any(type(leaf).__name__ == "Diagnosis" for leaf in leaves(cc.rule))


@pytest.mark.parametrize("title", ["A study of belimumab in systemic lupus erythematosus", "A study in asthma"])
def test_a_standard_without_its_disease_classifies_the_trials_own(title: str) -> None:
    """ "Meets the ACR classification criteria" is SLE in a lupus trial; in another trial, or beside
    another condition ("rheumatoid arthritis according to the revised 1987 ACR classification criteria",
    HINT), it classifies that one and is never a diagnosis of SLE."""
    lupus = "lupus" in title

    def diagnosis(text: str) -> bool:
        criterion = Criterion(kind="inclusion", number=1, text=text, start=0, end=len(text))
        trial = replace(_trial([criterion]), title=title)
        return any(
            type(leaf).__name__ == "Diagnosis" for leaf in leaves(compile_criterion(criterion, trial, set()).rule)
        )

    assert diagnosis("Meets the ACR classification criteria") == lupus
    assert not diagnosis("Rheumatoid arthritis according to the revised 1987 ACR classification criteria")
    assert diagnosis("Diagnosis of SLE according to the ACR criteria (at least 4/11 criteria)")


@given(per_kg=st.sampled_from([0.5, 1.0, 1.5]), cap=st.integers(20, 100), dose=st.integers(1, 150))
@settings(max_examples=60, deadline=None)
def test_a_second_limit_in_the_same_parenthesis_caps_the_same_drug(per_kg: float, cap: int, dose: int) -> None:
    # NCT00709722: "Receiving OCS (<= 1.0 mg/kg/day; a maximum dose of 80 mg/day)"
    text = f"Receiving OCS (<= {per_kg} mg/kg/day; a maximum dose of {cap} mg/day)."
    within = dose <= min(per_kg * 90, cap)
    verdict = _decide(text, "inclusion", {"med:prednisone": dose, "weight_kg": 90})
    assert verdict == ("eligible" if within else "ineligible"), (text, dose, verdict)


def test_a_second_dose_naming_another_drug_is_that_drugs() -> None:
    cc = read("Prednisone ≤ 10 mg/day and ≤ 20 mg/day of leflunomide")
    assert {getattr(leaf, "drug", None) for leaf in leaves(cc.rule)} == {"class:corticosteroid", "leflunomide"}
