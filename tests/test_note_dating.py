"""Whose time words are they? A note dates a medicine's start or stop in the same sentence as a condition
("He has HTN, stopped lisinopril last year"); those words date the medicine, not the condition. And a
denial inside a parenthesis ends with it ("prior CVA (no residual deficits), HTN, DMII")."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.compiler import compile_trial
from eligibility.engine import screen
from eligibility.extract import read_patient
from evals.experts import expert_trial

TODAY = date(2026, 11, 22)


def status(criterion: str, note: str, kind: str = "exclusion") -> str:
    trial = expert_trial("NCT00000000", [(kind, criterion)])
    verdict = screen(trial, compile_trial(trial), read_patient(note, TODAY), TODAY).verdicts[0]
    return verdict.status.value


DENIED_ASIDES = ["(no residual deficits)", "(no complications)", "(not on insulin)", "(which he did not tolerate)"]
LIST = [("HTN", "Hypertension"), ("DMII", "Type 2 diabetes"), ("PVD", "Peripheral vascular disease")]


@settings(max_examples=30, derandomize=True, deadline=None)
@given(aside=st.sampled_from(DENIED_ASIDES), order=st.permutations(LIST))
def test_a_denial_in_parentheses_ends_with_them(aside: str, order: list[tuple[str, str]]) -> None:
    note = f"74M hx of CAD s/p CABG, prior CVA {aside}, " + ", ".join(words for words, _ in order) + "."
    for _, criterion in order:
        assert status(f"History of {criterion.lower()}", note) == "met", (note, criterion)
    # inside the parenthesis the denial still holds
    assert status("History of diabetes", "prior stroke (no diabetes), HTN.") == "not_met"


def test_no_parenthesis_of_its_own_keeps_the_denial() -> None:
    """ "No (significant) hypertension": the parenthesis opens after the denial, which goes on past it."""
    assert status("Hypertension", "No (significant) hypertension.") == "not_met"
