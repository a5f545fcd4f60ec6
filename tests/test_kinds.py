"""Rule kinds as plug-ins: ordinary wording is read, every number a rule uses is accounted for, and
a threshold the grammar cannot attach gives no rule rather than a wrong one (issue 12)."""

from __future__ import annotations

import re
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
from eligibility.rules import Age, AllOf, AnyOf, DoseCap, Flag, Measure, Not, Rule, Treatment
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
    if isinstance(rule, Not):
        return leaves(rule.rule)
    return [rule]


def used_words(cc: CompiledCriterion, text: str) -> list[str]:
    return [text[a:b] for a, b in cc.used]


def numbers_used(cc: CompiledCriterion, text: str) -> set[str]:
    """The numbers of the text that fall inside the spans the rule used."""
    return {m.group(0) for m in re.finditer(r"\d+(?:\.\d+)?", text) if any(a <= m.start() < b for a, b in cc.used)}


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


@EXAMPLES
@given(phrase=st.sampled_from(AGE_LOW), n=st.integers(min_value=1, max_value=99))
def test_minimum_ages_as_trials_write_them(phrase: str, n: int) -> None:
    text = phrase.format(n=n)
    cc = read(text)
    ages = [r for r in leaves(cc.rule) if isinstance(r, Age)]
    assert len(ages) == 1 and ages[0].min == n and ages[0].max is None and not ages[0].min_strict, text
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
    cc = read("Current use of ≥ 20 mg/day prednisone", kind="exclusion")
    treatment = next(r for r in leaves(cc.rule) if isinstance(r, Treatment))
    assert (treatment.min_dose_mg_day, treatment.min_dose_inclusive, treatment.within_months) == (20, True, 0.0)


def test_a_threshold_it_cannot_attach_gives_no_rule_rather_than_any_use() -> None:
    text = "Previous use of hydroxychloroquine (> 400 mg/day) or methotrexate"
    cc = read(text, kind="exclusion")
    assert cc.rule is None and any("not read" in w for w in cc.warnings)


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
        "duration = 'for'\nduration_exclusive = 'more'\n[team]\n"
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
