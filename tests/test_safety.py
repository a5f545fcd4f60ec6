"""Safety: never `eligible` when the trial's own words rule the person out (issue 9).

Property tests generate, for every compiled rule of every bundled trial and of the 43 real lupus
trials, a patient who meets the other criteria and states one fact just past the rule's boundary,
and its mirror just inside. Examples are bounded and derandomised, so CI runs the same cases.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eligibility.boundaries import boundary_cases
from eligibility.compiler import CompiledCriterion, compile_trial
from eligibility.engine import screen
from eligibility.extract import read_patient
from eligibility.patient import load_patient, profile_from_facts
from evals.safety import check_case, probe_trial, trials_in
from index.readers import read_trial
from tests.conftest import BUNDLED
from trialscreen.model import Trial

TODAY = date(2025, 6, 1)
LUPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "external" / "lupus"
CTGOV = Path(__file__).resolve().parents[2] / "shared" / "data" / "ctgov"


def _shared(path: Path) -> Path:
    if path.is_dir():
        return path
    if os.environ.get("CI"):
        pytest.fail(f"CI runs with shared/ beside the clone: {path} must be there")
    pytest.skip(f"{path} is not beside this checkout")


def _bundled() -> list[tuple[Trial, list[CompiledCriterion]]]:
    return trials_in(BUNDLED)


# -- the property: every rule of every trial --------------------------------------------------------

BOUNDARY = settings(
    max_examples=4, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _assert_safe(trial: Trial, compiled: list[CompiledCriterion], delta: float, words: bool) -> int:
    cases = boundary_cases(trial, compiled, delta)
    checked = 0
    for case in cases:
        outcome = check_case(case, trial, compiled, words)
        if outcome is None:
            continue
        checked += 1
        assert not outcome.unsafe, outcome.problems
        assert not outcome.problems, f"{case.label}: {outcome.problems}"
    return checked


@pytest.mark.parametrize("index", range(9))
@BOUNDARY
@given(delta=st.floats(min_value=0.05, max_value=6.0), words=st.booleans())
def test_bundled_rules_past_their_boundary_never_eligible(index: int, delta: float, words: bool) -> None:
    trial, compiled = _bundled()[index]
    _assert_safe(trial, compiled, delta, words)


def test_every_bundled_and_external_trial_is_probed() -> None:
    """The generator reaches every kind of rule the compiler makes (a kind it cannot witness would be
    silently untested), and most rules of the real lupus trials."""
    trials = _bundled() + trials_in(_shared(LUPUS))
    assert len(trials) >= 9 + 42  # one lupus record has no criteria at all
    rules = [(t, cc) for t, compiled in trials for cc in compiled if cc.rule is not None and not cc.team]
    probed = {(c.trial, c.criterion.label) for t, compiled in trials for c in boundary_cases(t, compiled)}
    assert len(probed) >= 0.95 * len(rules), (len(probed), len(rules))
    made = {cc.rule.kind for _, cc in rules if cc.rule is not None}
    reached = {c.rule_kind for t, compiled in trials for c in boundary_cases(t, compiled)}
    assert made <= reached, made - reached


@pytest.fixture(scope="module")
def lupus_trials() -> list[tuple[Trial, list[CompiledCriterion]]]:
    return trials_in(_shared(LUPUS))


@BOUNDARY
@given(delta=st.floats(min_value=0.05, max_value=6.0), words=st.booleans(), pick=st.integers(0, 10_000))
def test_external_lupus_rules_past_their_boundary_never_eligible(
    lupus_trials: list[tuple[Trial, list[CompiledCriterion]]], delta: float, words: bool, pick: int
) -> None:
    trial, compiled = lupus_trials[pick % len(lupus_trials)]
    _assert_safe(trial, compiled, delta, words)


def test_all_external_lupus_rules_once(lupus_trials: list[tuple[Trial, list[CompiledCriterion]]]) -> None:
    """Every rule of all 42 readable lupus trials, at the default distances, structured and in words."""
    outcomes = [o for trial, compiled in lupus_trials for o in probe_trial(trial, compiled)]
    assert len(outcomes) > 2000
    failures = [f"{o.id}: {o.problems}" for o in outcomes if o.problems]
    assert not failures, failures[:5]


# -- 1. limits stated in structured fields ----------------------------------------------------------


def _documented(age: int) -> str:
    """A lupus patient who answers everything NCT00071487 asks, apart from the age."""
    return json.dumps(
        {
            "text": f"I am a {age} year old woman with SLE diagnosed 5 years ago, ANA positive 1:320.",
            "age": age,
        }
    )


@pytest.mark.parametrize(("age", "field"), [(70, "max_age"), (16, "min_age"), (66, "max_age"), (17, "min_age")])
def test_stated_age_limits_rule_out_and_are_cited(age: int, field: str) -> None:
    trial = read_trial(BUNDLED / "NCT00071487.json")
    compiled = compile_trial(trial)
    result = screen(trial, compiled, load_patient(_documented(age), TODAY), TODAY)
    assert result.decision == "ineligible"
    limit = next(v for v in result.deciding if v.criterion.field == field)
    cited = trial.source_text[limit.criterion.start : limit.criterion.end]
    assert cited == limit.criterion.text and cited.startswith(("Minimum age", "Maximum age"))
    assert limit.chunk_id == f"NCT00071487:field-{field}"


@pytest.mark.parametrize("age", [18, 40, 65])
def test_ages_inside_the_stated_limits_are_not_ruled_out_by_them(age: int) -> None:
    trial = read_trial(BUNDLED / "NCT00071487.json")
    result = screen(trial, compile_trial(trial), load_patient(_documented(age), TODAY), TODAY)
    assert not [v for v in result.deciding if v.criterion.field]


def test_ctgov_v2_record_limits_become_criteria() -> None:
    trial = read_trial(_shared(CTGOV) / "NCT02084238.json")
    limits = {c.field: c.text for c in trial.limits}
    assert "max_age" in limits and "65" in limits["max_age"]
    result = screen(trial, compile_trial(trial), profile_from_facts({"age": 70, "dx:sle": True}), TODAY)
    assert result.decision == "ineligible"
    assert any(v.criterion.field == "max_age" for v in result.deciding)


def test_registry_page_ages_and_volunteers_become_criteria() -> None:
    trial = read_trial(BUNDLED / "003_ba37d9a6fe48724f.txt")
    page = read_trial(BUNDLED / "000_968ebb916c252d26.txt")
    assert any(c.field == "volunteers" for c in page.limits)
    healthy = profile_from_facts({"healthy_volunteer": True, "age": 30})
    result = screen(page, compile_trial(page), healthy, TODAY)
    assert any(v.criterion.field == "volunteers" for v in result.deciding)
    # 003's ages come from a listed criterion: no second, field-made criterion for the same words
    assert not [c for c in trial.limits if c.field in ("ages", "min_age", "max_age")]


def test_field_and_criterion_that_disagree_both_apply_with_a_warning(tmp_path: Path) -> None:
    record = {
        "nctid": "NCT09999999",
        "title": "A lupus trial",
        "minimum_age": "18 Years",
        "maximum_age": "65 Years",
        "sex": "All",
        "raw_criteria": "Inclusion Criteria:\n- Age 18 to 70 years\n- SLE\nExclusion Criteria:\n- Pregnancy",
    }
    path = tmp_path / "NCT09999999.json"
    path.write_text(json.dumps(record), "utf-8")
    trial = read_trial(path)
    compiled = compile_trial(trial)
    warnings = [w for c, cc in zip(trial.criteria, compiled, strict=True) if c.field for w in cc.warnings]
    assert any("disagree" in w and "65" in w and "70" in w for w in warnings)
    result = screen(trial, compiled, profile_from_facts({"age": 68}), TODAY)
    assert result.decision == "ineligible" and any(v.criterion.field == "max_age" for v in result.deciding)


def test_match_never_ranks_a_trial_first_for_someone_its_limits_exclude() -> None:
    from eligibility.engine import match

    profile = read_patient("I am a 90 year old woman with SLE, ANA positive.", TODAY)
    trials = _bundled()
    ranked = match([screen(t, cc, profile, TODAY) for t, cc in trials])
    for s in ranked:
        if s.trial.max_age is not None:
            assert s.decision == "ineligible", s.trial.ref


# -- 2. an answer settles only what it answers -------------------------------------------------------


def _t000() -> tuple[Trial, list[CompiledCriterion]]:
    trial = read_trial(BUNDLED / "000_968ebb916c252d26.txt")
    return trial, compile_trial(trial)


def _abuse(result):  # type: ignore[no-untyped-def]
    return next(v for v in result.verdicts if "abuse" in v.criterion.text.lower())


@pytest.mark.parametrize(("covers", "settled"), [(12, False), (24, False), (36, True), (60, True), (None, True)])
def test_a_no_covers_only_the_window_it_was_asked_in(covers: int | None, settled: bool) -> None:
    trial, compiled = _t000()
    fact = {"value": False, **({"within_months": covers} if covers is not None else {})}
    facts = {"cond:substance_abuse": fact, "cond:mental_disorder": False}  # the criterion names both
    result = screen(trial, compiled, profile_from_facts(facts), TODAY)
    assert (_abuse(result).status == "not_met") is settled


def test_a_denial_in_words_covers_the_window_it_names() -> None:
    trial, compiled = _t000()
    past_year = "No mental illness. No drug or alcohol problems in the past year."
    assert _abuse(screen(trial, compiled, read_patient(past_year, TODAY), TODAY)).status == "unknown"
    never = "No mental illness. I have never had drug or alcohol problems."
    ever = screen(trial, compiled, read_patient(never, TODAY), TODAY)
    assert _abuse(ever).status == "not_met"


def test_questions_ask_in_the_criterions_own_window() -> None:
    trial, compiled = _t000()
    result = screen(trial, compiled, profile_from_facts({"age": 30}), TODAY)
    asked = [q for q in result.questions if "alcohol" in q]
    assert asked and "in the last 3 years" in asked[0]


# -- 3. citations are the criterion that owns the fact ------------------------------------------------


def test_rituximab_is_cited_by_the_rituximab_exclusion_not_the_belimumab_one() -> None:
    trial = read_trial(BUNDLED / "NCT01632241.json")
    result = screen(trial, compile_trial(trial), read_patient("I had rituximab 3 months ago.", TODAY), TODAY)
    deciding = {v.criterion.label: v.criterion.text for v in result.deciding}
    assert any("rituximab" in text for text in deciding.values())
    assert not any("BLyS" in text and "rituximab" not in text for text in deciding.values()), deciding


# -- 4. a stated disqualifying fact is never outweighed ------------------------------------------------

PAIRS = {
    "pregnant": ("not pregnant", "10 weeks pregnant"),
    "cancer": ("never had cancer", "breast cancer 2 years ago"),
    "rituximab": ("no biologics", "rituximab 3 months ago"),
}
SEPARATORS = [", ", "; ", " but ", ". ", " and ", " - ", "\n", ", then "]


def _t002() -> tuple[Trial, list[CompiledCriterion]]:
    trial = read_trial(BUNDLED / "002_11a1eb4b2c3c5646.txt")
    return trial, compile_trial(trial)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(what=st.sampled_from(sorted(PAIRS)), sep=st.sampled_from(SEPARATORS), denial_first=st.booleans())
def test_a_denied_and_asserted_fact_is_never_absent(what: str, sep: str, denial_first: bool) -> None:
    denial, assertion = PAIRS[what]
    clauses = [denial, assertion] if denial_first else [assertion, denial]
    note = (
        "42 year old woman with SLE diagnosed 2 years ago, SLEDAI 10, weight 60 kg. "
        + sep.join(clauses).capitalize()
        + "."
    )
    trial, compiled = _t002()
    result = screen(trial, compiled, read_patient(note, TODAY), TODAY)
    assert result.decision != "eligible", note
    stem = {"pregnant": "pregnan"}.get(what, what)
    about = [v for v in result.verdicts if stem in v.criterion.text.lower()]
    assert about, what
    cleared = [v for v in about if v.status == ("met" if v.criterion.kind == "inclusion" else "not_met")]
    assert not cleared, (note, [(v.criterion.label, v.status, v.reason) for v in cleared])


def test_the_issue_note_with_many_denials_ending_in_a_pregnancy_is_not_eligible() -> None:
    denials = ", ".join(
        f"no {x}"
        for x in (
            "cancer hiv hepatitis tuberculosis infections heart-failure diabetes dialysis transplant seizures "
            "psychosis stroke ulcer bleeding vasculitis shingles alcohol drugs allergies rituximab belimumab "
            "cyclophosphamide trials steroids smoking"
        ).split()
    )
    note = (
        f"45 year old woman with SLE for 3 years, SLEDAI 9, weight 60 kg, {denials}. Not pregnant, 10 weeks pregnant."
    )
    trial, compiled = _t002()
    result = screen(trial, compiled, read_patient(note, TODAY), TODAY)
    assert result.decision != "eligible"
    pregnancy = [v for v in result.verdicts if "pregnan" in v.criterion.text.lower()]
    assert pregnancy and all(v.status != "not_met" for v in pregnancy if v.criterion.kind == "exclusion")


# -- status honesty -----------------------------------------------------------------------------------


def test_recruiting_with_a_past_end_date_is_a_caveat() -> None:
    trial, compiled = _t000()
    note = trial.status_note(TODAY)
    assert note == "status stated as Recruiting; end date 2023-06-01 has passed: check with the study team"
    assert trial.status_note(date(2023, 5, 1)) == ""
    result = screen(trial, compiled, profile_from_facts({"age": 30}), TODAY).to_json()
    assert result["status_note"] == note and note in result["explanation"]


# -- a dose stated per kg needs the weight --------------------------------------------------------


def _per_kg_trial(tmp_path: Path) -> tuple[Trial, list[CompiledCriterion]]:
    text = (
        "Lupus steroid study\n\nInclusion Criteria:\n- SLE\n- Prednisone or equivalent up to 0.5 mg/kg/day allowed\n"
        "\nExclusion Criteria:\n- Prednisone > 1 mg/kg/day within 2 weeks\n"
    )
    path = tmp_path / "perkg.txt"
    path.write_text(text, "utf-8")
    trial = read_trial(path)
    return trial, compile_trial(trial)


@settings(max_examples=25, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(dose=st.floats(min_value=1, max_value=120), weight=st.floats(min_value=35, max_value=150))
def test_a_per_kg_cap_is_never_cleared_without_the_weight(tmp_path: Path, dose: float, weight: float) -> None:
    trial, compiled = _per_kg_trial(tmp_path)
    cap = next(v for v in compiled if v.kind == "inclusion" and v.rule is not None and v.rule.kind == "dose_cap")
    assert cap.rule is not None and getattr(cap.rule, "per_kg", False)
    cap_criterion = trial.criteria[compiled.index(cap)]
    no_weight = screen(trial, compiled, profile_from_facts({"med:prednisone": dose, "dx:sle": True}), TODAY)
    verdict = next(v for v in no_weight.verdicts if v.criterion is cap_criterion)
    assert verdict.status == "unknown" and "weight_kg" in verdict.asks
    weighed = profile_from_facts({"med:prednisone": dose, "dx:sle": True, "weight_kg": round(weight, 1)})
    verdict = next(v for v in screen(trial, compiled, weighed, TODAY).verdicts if v.criterion is cap_criterion)
    assert verdict.status == ("met" if dose / round(weight, 1) <= 0.5 else "not_met")
