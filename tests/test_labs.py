"""Lab, score and BMI thresholds as registries write them (sentences from the lupus and HINT trials):
either side of a limit, lists of labs each with its own threshold, alternatives under a condition
the person must confirm, counts per high-power field, units of cell counts, and scores on part of
SLEDAI that must not be applied to the total."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.compiler import CompiledCriterion, compile_trial
from eligibility.patient import profile_from_facts
from eligibility.rules import MET, NOT_MET, UNKNOWN, Ask, Measure, Rule
from tests.test_kinds import _trial, leaves, read

EXAMPLES = settings(max_examples=60, derandomize=True, deadline=None)


def reading(text: str, kind: str = "exclusion") -> CompiledCriterion:
    """The criterion compiled and given its reading (rule, partly understood ...)."""
    from trialscreen.model import Criterion

    criterion = Criterion(kind=kind, number=1, text=text, start=0, end=len(text))  # type: ignore[arg-type]
    return compile_trial(_trial([criterion]))[0]


def status(cc: CompiledCriterion, facts: dict[str, Any]) -> str:
    assert cc.rule is not None
    return str(cc.rule.evaluate(profile_from_facts(facts)).status)


def measures(rule: Rule | None) -> list[tuple[str, str, float]]:
    inner = rule.partial if isinstance(rule, Ask) else rule
    return sorted((m.key, m.op, m.value) for m in leaves(inner) if isinstance(m, Measure))


# -- either side of one limit ---------------------------------------------------------------------

NEUTROPHILS = "Neutrophils <1500/ mm^3 or > 11,000/ mm^3"


@EXAMPLES
@given(value=st.floats(min_value=0.1, max_value=30, allow_nan=False))
def test_an_exclusion_on_either_side_of_a_lab_rules_out_on_both_sides(value: float) -> None:
    cc = reading(NEUTROPHILS)
    assert cc.mode == "rule"
    outside = value < 1.5 or value > 11
    assert status(cc, {"lab:neutrophils": value}) == (MET if outside else NOT_MET)


BMI_EITHER = [
    "Body mass index (BMI) below {lo} kg/m^2 or above {hi} kg/m^2",
    "At screening visit, Body Mass Index (BMI) less than {lo} or above {hi} kg/m^2.",
    "Subject has a body mass index (BMI) less than {lo} or greater than {hi} kg/m2 at screening",
    "BMI < {lo} or > {hi}",
]


@EXAMPLES
@given(
    phrase=st.sampled_from(BMI_EITHER),
    lo=st.integers(min_value=15, max_value=22),
    hi=st.integers(min_value=30, max_value=45),
    bmi=st.floats(min_value=12, max_value=60, allow_nan=False),
)
def test_a_bmi_either_side_is_either(phrase: str, lo: int, hi: int, bmi: float) -> None:
    cc = reading(phrase.format(lo=lo, hi=hi))
    assert cc.mode == "rule", cc.reading
    assert status(cc, {"bmi": bmi}) == (MET if bmi < lo or bmi > hi else NOT_MET)


def test_a_second_bmi_limit_under_a_condition_is_not_read_as_either_side() -> None:
    cc = reading("Body mass index > 30 Kg/m2 or >27 Kg/m2 with other risk factors (HTN, Lipid", "inclusion")
    assert cc.mode == "partly" and "27" in " ".join(cc.reading.unused)  # type: ignore[union-attr]


# -- lists of labs, each threshold with the lab named before it ------------------------------------

LIST = (
    "Anemia (hemoglobin < 8.0 g/dL), leucopenia (leucocytes < 4000/uL unless attributable to SLE: "
    "leucocytes < 2000/uL), thrombocytopenia (platelets < 50000/uL)."
)


def test_each_threshold_of_a_list_belongs_to_the_lab_named_before_it() -> None:
    cc = read("Neutropenia (<2,000/mm3) or Thrombocytopenia (<50,000/mm3).", "exclusion")
    assert measures(cc.rule) == [("lab:neutrophils", "<", 2.0), ("lab:platelets", "<", 50.0)]
    cc = read("White Blood Cell count (WBC) ≥ 4.0 × 109/L, hemoglobin ≥ 11.5 g/dL and a platelet count ≥ 150 × 109/L.")
    assert measures(cc.rule) == [("lab:hb", ">=", 11.5), ("lab:platelets", ">=", 150.0), ("lab:wbc", ">=", 4.0)]


def test_a_threshold_under_a_condition_the_person_confirms_never_decides_on_a_guess() -> None:
    cc = reading(LIST)
    assert cc.mode == "partly" and cc.reading.unused == ("< 4000",)  # type: ignore[union-attr]
    normal = {"lab:hb": 12.0, "lab:platelets": 200.0}
    assert status(cc, {**normal, "lab:wbc": 1.5}) == MET  # below either limit: out, whatever the cause
    assert status(cc, {**normal, "lab:wbc": 3.0}) == UNKNOWN  # out unless due to SLE: asked
    assert status(cc, {**normal, "lab:hb": 7.0, "lab:wbc": 6.0}) == MET


def test_an_inclusion_limit_with_a_condition_keeps_the_one_missed_under_both() -> None:
    text = "ANC ≥ 750 cells/μL, or ≥ 500 cells/μL in subjects with documented bone marrow involvement"
    cc = reading(text, "inclusion")
    assert cc.mode == "partly"
    assert measures(cc.rule) == [("lab:neutrophils", ">=", 0.5)]
    assert status(cc, {"lab:neutrophils": 0.6}) == UNKNOWN  # enough only with marrow involvement: asked


def test_alternative_labs_of_an_inclusion_are_any_of_them() -> None:
    text = (
        "leukopenia (white blood cell count<4000/µl), lymphopenia (<1500/µl) or thrombocytopenia (<100000/µl) "
        "in the absence of offending drug."
    )
    cc = reading(text, "inclusion")
    assert status(cc, {"lab:wbc": 6.0, "lab:lymphocytes": 1.0, "lab:platelets": 250.0}) == MET


# -- units and counts --------------------------------------------------------------------------------


def test_cell_counts_are_read_in_their_unit_and_a_bare_count_per_microlitre() -> None:
    cases = {
        "Absolute neutrophil count (ANC) ≥1500 cell/mm^3": ("lab:neutrophils", ">=", 1.5),
        "Platelet count <100 × 109/L or >1200 × 109/L": ("lab:platelets", "<", 100.0),
        "Granulocytes ≥ 1,500/µL": ("lab:neutrophils", ">=", 1.5),
        "WBC <3,000 or >12,000": ("lab:wbc", "<", 3.0),
        "Lymphocytes ≤500/μL": ("lab:lymphocytes", "<=", 0.5),
        "Hemoglobin >= 9 g/dL or >= 5.6 mmol/L": ("lab:hb", ">=", 9.0),
    }
    for text, first in cases.items():
        assert measures(read(text).rule)[0] == first, text


def test_a_count_in_no_plausible_unit_or_another_test_is_not_read() -> None:
    assert measures(read("Subject has pyuria (white blood cell [WBC] count > 10/µL", "exclusion").rule) == []
    assert measures(read("Hemoglobin A1c <7% or >10% via central laboratory test", "exclusion").rule) == [
        ("lab:hba1c", "<", 7.0),
        ("lab:hba1c", ">", 10.0),
    ]
    assert measures(read("serum creatinine > 1.5 times ULN", "exclusion").rule) == []


def test_cells_per_high_power_field_are_urine_sediment_not_blood_counts() -> None:
    cc = reading(">=5 white blood cells (WBC) per high power field in the absence of infection.", "inclusion")
    assert cc.mode == "rule"
    assert measures(cc.rule) == [("lab:urine_wbc", ">=", 5.0)]
    assert status(cc, {"lab:urine_wbc": 4.0}) == NOT_MET
    assert measures(read("Microscopic hematuria defined as >5 red cells per high power field").rule) == [
        ("lab:urine_rbc", ">", 5.0)
    ]
    assert "lab:urine_rbc" not in {k for k, _, _ in measures(read("RBC count < 3.5").rule)}


# -- disease activity scores -----------------------------------------------------------------------


def test_a_score_under_its_long_name_is_read() -> None:
    text = (
        "Subjects with clinically active SLE defined as a Safety of Estrogens in Lupus Erythematosus National "
        "Assessment (SELENA)-Systemic Lupus Erythematosus Disease Activity Index (SLEDAI) score of at least 6"
    )
    assert measures(read(text).rule) == [("score:sledai", ">=", 6.0)]


def test_a_threshold_on_part_of_the_score_is_not_applied_to_the_total() -> None:
    text = (
        "Have a Systemic Lupus Erythematosus Disease Activity Index 2000 (SLEDAI-2K) score greater than or equal "
        "to [>=] 6 at screening. Must also have SLEDAI-2K >= 4 for clinical features (excluding headache and "
        "laboratory abnormalities) at Week 0"
    )
    cc = reading(text, "inclusion")
    assert cc.mode == "partly" and cc.reading.unused == (">= 4",)  # type: ignore[union-attr]
    assert measures(cc.rule) == [("score:sledai", ">=", 6.0)]
    assert status(cc, {"score:sledai": 8}) == UNKNOWN  # the total says nothing of the clinical part
    part = "Participants must have SLEDAI-2K score of at least 2 points for musculoskeletal manifestations"
    assert measures(read(part).rule) == []


def test_a_score_at_the_end_of_a_sentence_is_read() -> None:
    assert measures(read("SLE disease activity index(SLEDAI) ≥ 8.").rule) == [("score:sledai", ">=", 8.0)]


def test_a_unit_that_begins_another_does_not_hide_it() -> None:
    text = (
        "Positive for at least one of the following laboratory tests: ANA>1:160, anti-dsDNA, immunoglobulin>20g/L, "
        "decreased C3 or C4, leukopenia<3×10^9/L, thrombocytopenia<100×10^9/L;"
    )
    got = measures(read(text).rule)
    assert ("lab:immunoglobulin", ">", 20.0) in got and ("lab:wbc", "<", 3.0) in got
    assert measures(read("Proteinuria > 0.5 g/day").rule) == [("lab:proteinuria", ">", 0.5)]


def test_a_threshold_written_before_its_lab() -> None:
    cc = reading("Hypogammaglobulinemia below 400 mg/dL of serum IgG.", "exclusion")
    assert ("lab:igg", "<", 400.0) in measures(cc.rule)
    cc = reading("More than 0.5 g per day protein in urine", "inclusion")
    assert measures(cc.rule) == [("lab:proteinuria", ">", 0.5)]


@settings(max_examples=30, deadline=None)
@given(value=st.integers(6, 12), spelled=st.sampled_from(["grams per deciliter", "g per dL", "grams/dL", "g/dL"]))
def test_a_unit_spelled_out_is_the_unit(value: int, spelled: str) -> None:
    # NCT02176486: "Hemoglobin <8 grams per deciliter (g/dL)" under "Has one of the following laboratory test values:"
    cc = read(
        f"Hemoglobin <{value} {spelled}", kind="exclusion", context="Has one of the following laboratory test values:"
    )
    assert cc.rule == Measure(key="lab:hb", op="<", value=float(value), unit="g/dL", label="haemoglobin")


# -- body temperature: a vital sign read like a lab, in °C ---------------------------------------------
@EXAMPLES
@given(limit=st.sampled_from([37.5, 38.0, 38.3, 38.5]), value=st.floats(min_value=35.0, max_value=41.5))
def test_a_temperature_limit_is_read_and_decided_in_celsius(limit: float, value: float) -> None:
    cc = reading(f"temperature is higher than {limit:g}℃ Celsius degree", "inclusion")  # a TrialGPT criterion
    assert measures(cc.rule) == [("lab:temperature", ">", limit)]
    assert status(cc, {"lab:temperature": round(value, 1)}) == (MET if round(value, 1) > limit else NOT_MET)


def test_a_temperature_in_a_note_is_read_and_one_that_is_no_body_temperature_is_not() -> None:
    from datetime import date

    from eligibility.extract import read_patient

    def read_note(text: str) -> dict[str, Any]:
        return {k: v[0].value for k, v in read_patient(text, date(2014, 6, 1)).facts.items() if v}

    note = "An 8-year-old male presents in March to the ER with fever up to 39 C, dyspnea and cough for 2 days."
    assert read_note(note)["lab:temperature"] == 39.0  # from the TrialGPT notes
    assert read_note("T 38.5°C, HR 110")["lab:temperature"] == 38.5
    assert "lab:temperature" not in read_note("stored at room temperature 20 C")
    fahrenheit = read_note("febrile to 102.1 F")  # (102.1 - 32) x 5/9; and '1 F' is no 1-year-old woman
    assert fahrenheit["lab:temperature"] == pytest.approx(38.94, abs=0.01)
    assert "age" not in fahrenheit and "sex" not in fahrenheit


# -- multiples of the upper limit of normal ------------------------------------------------------


@EXAMPLES
@given(
    written=st.sampled_from(
        [
            ("less than or equal to", "<="),
            ("less than or equal to (<=)", "<="),
            ("greater than or equal to", ">="),
            ("less than", "<"),
            ("<=", "<="),
            ("≤", "<="),
        ]
    ),
    mult=st.sampled_from([1.5, 2, 2.5, 3, 5]),
    value=st.floats(min_value=0.1, max_value=8, allow_nan=False).map(lambda v: round(v, 2)),
)
def test_a_uln_limit_keeps_its_comparison(written: tuple[str, str], mult: float, value: float) -> None:
    # "AST and ALT must be less than or equal to 2 x ULN" was read as "> 2 x ULN": every patient with normal
    # liver tests failed the inclusion (a HINT trial)
    words, op = written
    cc = reading(f"AST and ALT must be {words} {mult:g} x ULN", "inclusion")
    holds = {"<=": value <= mult, ">=": value >= mult, "<": value < mult}[op]
    facts = {k: {"uln_multiple": value} for k in ("lab:alt", "lab:ast")}
    assert status(cc, facts) == (MET if holds else NOT_MET), (words, mult, value)


def test_a_note_sentence_after_a_limit_is_no_requirement_of_its_own_and_is_never_dropped() -> None:
    # the hepatitis of the note was read into the rule: normal labs and no hepatitis B failed the inclusion
    text = (
        "AST and ALT must be less than or equal to 2 x ULN for the lab. (Note: If AST and/or ALT greater than ULN,"
        " serologic testing for Hepatitis B and C must be performed)"
    )
    normal = {"lab:alt": {"uln_multiple": 0.75}, "lab:ast": {"uln_multiple": 0.5}}
    assert status(reading(text, "inclusion"), {**normal, "cond:hbv": False, "cond:hcv": False}) != NOT_MET
    # a note that excludes more is still asked about, never cleared by the limit beside it
    cc = reading("ALT > 3 x ULN. Note: patients with known HIV infection are also excluded.")
    assert status(cc, {**normal, "cond:hiv": True}) != NOT_MET


@EXAMPLES
@given(
    written=st.sampled_from(
        [
            ("not less than", ">="),
            ("no less than", ">="),
            ("not lower than", ">="),
            ("not below", ">="),
            ("no greater than", "<="),
            ("not greater than", "<="),
            ("not more than", "<="),
            ("not exceeding", "<="),
            ("not to exceed", "<="),
            ("equal to or less than", "<="),
        ]
    ),
    value=st.sampled_from([5.0, 8.9, 9.0, 9.1, 14.0]),
)
def test_a_comparison_negated_in_its_own_words_is_read_whole(written: tuple[str, str], value: float) -> None:
    # "Hemoglobin not less than 9 g/dL" was read as "< 9": the 'not' fell outside the comparator
    words, op = written
    cc = reading(f"Hemoglobin {words} 9 g/dL", "inclusion")
    holds = value >= 9 if op == ">=" else value <= 9
    assert status(cc, {"lab:hb": value}) == (MET if holds else NOT_MET), (words, value)


def test_a_number_of_weeks_after_a_lab_is_no_threshold_of_it() -> None:
    # "taken no less than 1 week apart" was read as proteinuria >= 1 g/day, which a 2 g/day patient met
    text = (
        "Less than or equal to 1+ proteinuria on two consecutive dipsticks taken no less than 1 week apart, or < 1 gm"
        " protein on 24-hour urine collection"
    )
    cc = reading(text, "inclusion")
    assert cc.rule is None or status(cc, {"lab:proteinuria": 2.0}) != MET


@EXAMPLES
@given(
    scope=st.sampled_from(
        [
            "(≤ 5 x ULN for patients with liver metastases)",
            "(≤ 5 x ULN in subjects with hepatic metastases)",
            "or ≤ 5 x ULN if liver metastases are present",
        ]
    ),
    kind=st.sampled_from(["inclusion", "exclusion"]),
    value=st.sampled_from([1.0, 3.0, 4.9]),
)
def test_a_limit_set_aside_for_some_people_leaves_the_main_one_no_say_on_its_own(
    scope: str, kind: str, value: float
) -> None:
    # "AST/ALT <= 2.5 x ULN (<= 5 x ULN for patients with liver metastases)" ruled out a patient with liver
    # metastases and ALT 4 x ULN: the limit read from the rest decided alone
    op = "≤" if kind == "inclusion" else ">"
    text = f"ALT {op} 2.5 x ULN {scope.replace('≤', op)}"
    facts = {"lab:alt": {"uln_multiple": value}}
    ruled_out = NOT_MET if kind == "inclusion" else MET
    assert status(reading(text, kind), facts) != ruled_out, (text, value)


@EXAMPLES
@given(
    written=st.sampled_from(["Creatinine", "creatinine", "Serum creatinine", "Plasma creatinine"]),
    limit=st.sampled_from([1.5, 2.0, 2.5]),
    value=st.sampled_from([0.8, 1.5, 2.2, 3.1]),
)
def test_creatinine_is_read_with_or_without_serum(written: str, limit: float, value: float) -> None:
    # "Creatinine <= 2.0 mg/dL" was left to the study team: only "serum creatinine" was a lab's name
    cc = reading(f"{written} ≤ {limit} mg/dL", "inclusion")
    assert status(cc, {"lab:creatinine": value}) == (MET if value <= limit else NOT_MET)


def test_a_ratio_or_a_clearance_or_a_multiple_of_creatinine_is_no_creatinine_level() -> None:
    for text in (
        "Urine protein creatinine (UPC) ratio must be ≤ 1.0",
        "Urine protein/creatinine ratio < 0.5",
        "Creatinine clearance ≥ 60 mL/min",
        "Creatinine kinase < 3 x ULN",
        "Serum creatinine ≤ 1.5 x IULN OR creatinine clearance ≥ 60 mL/min for patients with creatinine > 1.5 x IULN",
        # a review found these read as mg/dL once bare "creatinine" was a lab's name
        "Proteinuria: urine protein:creatinine > 1.0",
        "Creatinine > 1.5 x UNL",
        "Creatinine > 1.5 x N",
        "Creatinine > 1.5 N",
        "Creatinine > 1.5 x LSN",
        "Creatinine > 1.5 above ULN",
        "Creatinine >= 1.5 x baseline",
    ):
        cc = reading(text, "inclusion")
        assert all(k != "lab:creatinine" for k, _, _ in measures(cc.rule)), (text, measures(cc.rule))


def test_a_number_is_not_taken_as_used_by_a_time_conversion_it_never_had() -> None:
    # "1.5" matched 45 mL/min as 1.5 months in days, so the creatinine alternative was dropped and a patient
    # with normal creatinine and CrCl 40 failed the inclusion; "120 g/L for men" matched a window
    cc = reading(
        "Serum creatinine =< 1.5 upper limit of normal OR calculated creatinine clearance >= 45 mL/min", "inclusion"
    )
    assert status(cc, {"lab:crcl": 40.0}) != NOT_MET
    cc = reading("Has a hemoglobin ≤120 g/L for men and ≤100 g/L for women.")
    assert status(cc, {"sex": "male", "lab:hb": 11.0}) != NOT_MET


def test_the_body_surface_of_an_egfr_unit_is_no_number_of_the_criterion() -> None:
    # "per 1.73 m^2" was a quantity; a time conversion once hid it (1.73 x 7 ~ 12 months), and without that
    # the criterion fell to partly understood and out of the answer to "which trials exclude eGFR < 30?"
    text = (
        "Has an estimated eGFR of <30 milliliter per minute per 1.73 m^2 (mL/min/1.73m^2), or is on dialysis, or"
        " is expected to have a renal transplant within 1 year of randomization"
    )
    cc = reading(text)
    assert not isinstance(cc.rule, Ask), cc.reading
    assert status(cc, {"lab:crcl": 25.0}) == MET
