"""An inclusion that lists alternatives, only some of which the rule reads ("One or more risk factors, such as
diabetes, smoking habit, lipid metabolism abnormality, ischemic heart disease or obesity (BMI>25)"):
having one of those read meets it, and not having them leaves the others asked. Before, "Diabetes, lipid
metabolism abnormality or hypertension" was a rule of diabetes or hypertension, so a patient with neither
was ruled out whatever else she had; and the risk-factors criterion was asked as it stands, so an obese
patient was never found to meet it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_class_use import verdict

EXAMPLES = settings(max_examples=30, derandomize=True, deadline=None)
READ = ["diabetes", "heart failure", "hypertension"]  # conditions the conditions kind reads
UNREAD = ["lipid metabolism abnormality", "ECG abnormality", "sedentary lifestyle", "poor exercise tolerance"]
LEADS = ["", "One or more risk factors, such as ", "At least one of the following: ", "Any of the following: "]


def _listed(items: list[str]) -> str:
    return ", ".join(items[:-1]) + f" or {items[-1]}" if len(items) > 1 else items[0]


@st.composite
def alternatives(draw: st.DrawFn, leads: list[str] = LEADS) -> tuple[str, list[str]]:
    read = draw(st.lists(st.sampled_from(READ), min_size=1, max_size=2, unique=True))
    unread = draw(st.lists(st.sampled_from(UNREAD), min_size=1, max_size=2, unique=True))
    items = draw(st.permutations([*read, *unread]))
    return draw(st.sampled_from(leads)) + _listed(list(items)), read


@EXAMPLES
@given(case=alternatives())
def test_denying_the_alternatives_read_leaves_the_others_asked(case: tuple[str, list[str]]) -> None:
    criterion, _ = case
    note = "A 58-year-old woman. " + " ".join(f"No {name}." for name in READ)
    status, mentioned = verdict(criterion, note, "inclusion")
    assert (status, mentioned) == ("unknown", True)


@EXAMPLES
@given(case=alternatives(LEADS[1:]), lead=st.sampled_from(["She has", "Known", "History of treated"]))
def test_having_an_alternative_read_meets_a_criterion_asking_for_one_of_them(
    case: tuple[str, list[str]], lead: str
) -> None:
    criterion, read = case
    status, _ = verdict(criterion, f"A 58-year-old woman. {lead} {read[0]}.", "inclusion")
    assert status == "met"


@EXAMPLES
@given(
    named=st.sampled_from(["ischemic heart disease", "cerebrovascular disease", "chronic kidney disease"]),
    lead=st.sampled_from(["One or more risk factors, such as", "At least one of the following:"]),
)
def test_a_condition_named_in_a_list_of_risk_factors_meets_it(named: str, lead: str) -> None:
    # the conditions the rule does not read speak to it by their codes when it asks for one of its list
    criterion = f"{lead} diabetes, smoking habit, {named} or obesity (BMI>25)"
    assert verdict(criterion, f"A 58-year-old woman. She has {named}.", "inclusion")[0] == "met"
    assert verdict(criterion, "A 58-year-old woman. She is known to have obesity.", "inclusion")[0] == "met"
    assert verdict(criterion, "A 58-year-old woman. No diabetes.", "inclusion")[0] == "unknown"


def test_a_condition_named_beside_a_requirement_does_not_meet_it_alone() -> None:
    # "and" joins requirements: the BMI read is no alternative to the heart disease the rule does not read
    criterion = "BMI > 30 kg/m2 and ischemic heart disease"
    assert verdict(criterion, "A 58-year-old woman. BMI 35 kg/m2.", "inclusion")[0] == "unknown"
    assert verdict(criterion, "A 58-year-old woman. She has ischemic heart disease.", "inclusion")[0] != "met"
