"""Criteria -> typed rules, each rule kind checked on the bundled trials' own criteria."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from eligibility.compiler import CompiledCriterion, compile_trial
from eligibility.rules import (
    Age,
    Allergy,
    AnyOf,
    Ask,
    Condition,
    Contraception,
    Diagnosis,
    DoseCap,
    Flag,
    Measure,
    Not,
    Rule,
    Sex,
    StableMeds,
    Treatment,
    UlnMultiple,
    rule_from_dict,
)
from index.readers import read_trial
from tests.conftest import BUNDLED
from trialscreen.model import Trial

FILES = {
    "000": "000_968ebb916c252d26.txt",
    "001": "001_b91bb8497050bd59.txt",
    "002": "002_11a1eb4b2c3c5646.txt",
    "003": "003_ba37d9a6fe48724f.txt",
    "004": "004_416868aadf8bdbdd.txt",
    "A": "NCT00071487.json",
    "B": "NCT01632241.json",
    "C": "NCT02084238.json",
}


@pytest.fixture(scope="module")
def compiled() -> dict[str, tuple[Trial, list[CompiledCriterion]]]:
    out = {}
    for key, name in FILES.items():
        trial = read_trial(BUNDLED / name)
        out[key] = (trial, compile_trial(trial))
    return out


def find(compiled: dict[str, tuple[Trial, list[CompiledCriterion]]], key: str, phrase: str) -> CompiledCriterion:
    trial, rules = compiled[key]
    for criterion, cc in zip(trial.criteria, rules, strict=True):
        if phrase in criterion.text:
            return cc
    raise AssertionError(f"no criterion with {phrase!r} in {key}")


def leaves(rule: Rule | None) -> list[Rule]:
    if rule is None:
        return []
    if isinstance(rule, Ask):  # partly understood: the recognisers' rule is kept, shown, never deciding
        return leaves(rule.partial)
    if isinstance(rule, AnyOf) or hasattr(rule, "rules"):
        return [leaf for r in rule.rules for leaf in leaves(r)]  # type: ignore[attr-defined]
    if isinstance(rule, Not):
        return leaves(rule.rule)
    return [rule]


def has(rule: Rule | None, kind: type[Rule], test: Callable[[Rule], bool] = lambda r: True) -> bool:
    return any(isinstance(r, kind) and test(r) for r in leaves(rule))


def test_age_strict_and_ranges(compiled) -> None:  # type: ignore[no-untyped-def]
    r = find(compiled, "000", "Male or female >18").rule
    assert has(r, Age, lambda a: a.min == 18 and a.min_strict)  # type: ignore[attr-defined]
    r = find(compiled, "002", "age:18 to 75").rule
    assert has(r, Age, lambda a: (a.min, a.max) == (18, 75))  # type: ignore[attr-defined]
    assert has(r, Measure, lambda m: m.key == "weight_kg" and m.value == 80)  # type: ignore[attr-defined]


def test_labs_with_units_and_uln(compiled) -> None:  # type: ignore[no-untyped-def]
    assert has(find(compiled, "000", "Hb≤9").rule, Measure, lambda m: (m.key, m.op, m.value) == ("lab:hb", "<=", 9))  # type: ignore[attr-defined]
    r = find(compiled, "000", "Serious complications").rule
    assert has(r, Measure, lambda m: m.key == "lab:crcl" and m.value == 30)  # type: ignore[attr-defined]
    assert has(r, UlnMultiple, lambda u: u.key == "lab:alt" and u.multiple == 3)  # type: ignore[attr-defined]
    assert has(r, UlnMultiple, lambda u: u.key == "lab:bilirubin" and u.multiple == 1)  # type: ignore[attr-defined]
    assert has(r, Condition, lambda c: c.key == "heart_failure" and c.min_class == 3)  # type: ignore[attr-defined]
    assert has(find(compiled, "003", "IgG level < 400").rule, Measure, lambda m: m.value == 400)  # type: ignore[attr-defined]
    assert has(find(compiled, "C", "tuberculin").rule, Measure, lambda m: m.key == "lab:ppd")  # type: ignore[attr-defined]


def test_damaged_criteria_compile_with_a_visible_warning(compiled) -> None:  # type: ignore[no-untyped-def]
    sledai = find(compiled, "002", "SLEDAI) 8")
    assert has(sledai.rule, Measure, lambda m: (m.key, m.op, m.value) == ("score:sledai", ">=", 8))  # type: ignore[attr-defined]
    assert any("lost" in w for w in sledai.warnings)
    alt = find(compiled, "002", "hepatic insufficiency")
    assert has(alt.rule, UlnMultiple, lambda u: u.op == ">" and u.multiple == 2)  # type: ignore[attr-defined]
    assert any("ALT" in w for w in alt.warnings)
    neutrophil = find(compiled, "000", "Neutrophil 10 mg/d)")
    assert neutrophil.rule is None and neutrophil.warnings  # never a silent guess


def test_foreign_classification_standard_goes_to_the_study_team(compiled) -> None:  # type: ignore[no-untyped-def]
    cc = find(compiled, "000", "American-European Consensus Group")
    assert cc.team and cc.rule is None and "Sjögren" in cc.note


def test_dose_caps_and_stability(compiled) -> None:  # type: ignore[no-untyped-def]
    r = find(compiled, "000", "Prednisone, 10 mg/day").rule
    assert has(r, DoseCap, lambda d: d.drug == "class:corticosteroid" and d.max_mg_day == 10)  # type: ignore[attr-defined]
    assert has(r, StableMeds, lambda s: s.min_weeks == 4)  # type: ignore[attr-defined]
    assert has(find(compiled, "000", "Hydroxychloroquinone").rule, DoseCap, lambda d: d.max_mg_day == 400)  # type: ignore[attr-defined]


def test_treatments_with_windows_classes_and_routes(compiled) -> None:  # type: ignore[no-untyped-def]
    r = find(compiled, "002", "rituximab or other biologics").rule
    assert has(r, Treatment, lambda t: t.drugs == ["rituximab"] and "biologic" in t.classes and t.within_months == 6)  # type: ignore[attr-defined]
    r = find(compiled, "004", "B-cell-targeted therapy").rule
    assert has(r, Treatment, lambda t: "b-cell therapy" in t.classes and t.within_months == 12)  # type: ignore[attr-defined]
    r = find(compiled, "B", "Intravenous (IV) cyclophosphamide").rule
    assert has(r, Treatment, lambda t: t.route == "iv" and t.within_months == pytest.approx(2.96, 0.01))  # type: ignore[attr-defined]
    r = find(compiled, "B", "High dose prednisone").rule
    assert has(r, Treatment, lambda t: t.min_dose_mg_day == 100)  # type: ignore[attr-defined]
    r = find(compiled, "B", "anti-B lymphocyte stimulator").rule
    assert has(r, Treatment, lambda t: "belimumab" in t.drugs and t.within_months is None)  # type: ignore[attr-defined]


def test_conditions_with_windows_and_exceptions(compiled) -> None:  # type: ignore[no-untyped-def]
    r = find(compiled, "000", "history of malignancy").rule
    assert has(r, Condition, lambda c: c.key == "cancer" and c.within_months == 60 and "basal_cell" in c.exceptions)  # type: ignore[attr-defined]
    r = find(compiled, "A", "History of chronic infection").rule
    windows = {c.key: c.within_months for c in leaves(r) if isinstance(c, Condition)}  # type: ignore[attr-defined]
    assert windows["chronic_infection"] == 6
    assert windows["herpes_zoster"] == pytest.approx(2.96, 0.01)  # the window that follows it: 90 days


def test_inclusion_negatives_and_pregnancy(compiled) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(find(compiled, "C", "Negative HIV test").rule, Not)
    r = find(compiled, "002", "Negative urine pregnancy test").rule
    assert isinstance(r, Not) and has(r, Flag, lambda f: f.key == "pregnant" and f.pregnancy_related)  # type: ignore[attr-defined]
    r = find(compiled, "000", "reluctant to use").rule
    assert has(r, Contraception) and has(r, Flag, lambda f: f.key == "pregnant")  # type: ignore[attr-defined]


def test_diagnosis_duration_autoantibodies_allergy(compiled) -> None:  # type: ignore[no-untyped-def]
    assert has(find(compiled, "004", "Disease duration").rule, Diagnosis, lambda d: d.max_duration_months == 6)  # type: ignore[attr-defined]
    r = find(compiled, "004", "antinuclear antibody titers").rule
    assert has(r, Measure, lambda m: m.key == "lab:ana" and m.value == 80)  # type: ignore[attr-defined]
    assert has(r, Flag, lambda f: f.key == "lab:anti_dsdna")  # type: ignore[attr-defined]
    r = find(compiled, "002", "allergic to IL-2").rule
    assert has(r, Allergy, lambda a: "interleukin-2" in a.drugs and "corticosteroid" in a.classes)  # type: ignore[attr-defined]


def test_administrative_criteria_go_to_the_team(compiled) -> None:  # type: ignore[no-untyped-def]
    assert find(compiled, "002", "Written informed consent").team
    assert find(compiled, "003", "in the opinion of the investigator").team
    assert find(compiled, "C", "Inability to comply").team


def test_every_bundled_trial_compiles_and_rules_round_trip(compiled) -> None:  # type: ignore[no-untyped-def]
    for _key, (trial, rules) in compiled.items():
        understood = [c for c in rules if c.compiled]
        assert len(understood) >= len(trial.criteria) - 1, trial.ref
        for c in rules:
            again = CompiledCriterion.from_dict(c.to_dict())
            assert again.to_dict() == c.to_dict()
            if c.rule is not None:
                assert rule_from_dict(c.rule.to_dict()).to_dict() == c.rule.to_dict()


def test_sex_and_bmi_rules_decide_and_ask() -> None:
    from eligibility.facts import Evidence, Fact, Profile

    women_only = Sex(allowed="female")
    bmi = Measure(key="bmi", op="<=", value=35, unit="kg/m2", label="BMI")
    p = Profile()
    assert women_only.evaluate(p).status == "unknown" and women_only.evaluate(p).asks == ["sex"]
    p.add(Fact("sex", "male", Evidence("42M")))
    p.add(Fact("bmi", 38.0, Evidence("BMI 38")))
    assert women_only.evaluate(p).status == "not_met"
    assert bmi.evaluate(p).status == "not_met" and "38" in bmi.evaluate(p).reason
