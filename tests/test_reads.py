"""A rule about things a person never mentions is answered from what it gives an empty profile
(eligibility/reads.py): the screening must be exactly what evaluating every rule would give."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eligibility.compiler import CompiledCriterion, compile_trial
from eligibility.engine import screen
from eligibility.extract import read_patient
from eligibility.facts import Evidence, Fact, Profile
from eligibility.reads import present_keys, reads
from eligibility.rules import MET, UNKNOWN, Result, Rule
from index.readers import read_trial
from tests.conftest import BUNDLED
from trialscreen.model import Trial

TODAY = date(2026, 11, 1)
CASES = Path(__file__).resolve().parent.parent / "evals" / "cases" / "screening.jsonl"


@pytest.fixture(scope="module")
def corpus() -> list[tuple[Trial, list[CompiledCriterion]]]:
    trials = [read_trial(p) for p in sorted(BUNDLED.iterdir()) if p.is_file()]
    return [(t, compile_trial(t)) for t in trials]


@pytest.fixture(scope="module")
def pool() -> list[Fact]:
    """Every fact read from the screening suite's notes: real referral and patient wording."""
    notes = [json.loads(line)["patient"] for line in CASES.read_text().splitlines() if line.strip()]
    notes += ["She has signed the informed consent.", "History of poor compliance with clinic visits."]
    return [f for note in notes for facts in read_patient(note, TODAY).facts.values() for f in facts]


def _rules(rule: Rule) -> list[Rule]:
    out = [rule]
    for name in ("rule", "rules"):
        value = getattr(rule, name, None)
        for part in value if isinstance(value, list) else [value]:
            if isinstance(part, Rule):
                out.extend(_rules(part))
    return out


def _asked(rule: Rule) -> list[str]:
    read = reads(rule)
    return [] if read is None else [*read.keys, *read.silent.asks]


def _same(a: Result, b: Result) -> bool:
    return (a.status, a.asks, a.windows, a.reason, a.facts) == (b.status, b.asks, b.windows, b.reason, b.facts)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_rule_short_cut_for_a_person_decides_as_its_evaluation_would(corpus, pool, data) -> None:  # type: ignore[no-untyped-def]
    # facts read from real notes, and answers to what the rules ask (yes, no, a number, at some time)
    asked = sorted({key for _, compiled in corpus for cc in compiled if cc.rule for key in _asked(cc.rule)})
    answers = st.builds(
        lambda key, value, when: Fact(key, value, Evidence(f"{key} {value}"), when_months=when),
        st.sampled_from(asked),
        st.one_of(st.booleans(), st.floats(0, 500, allow_nan=False)),
        st.one_of(st.none(), st.floats(0, 120, allow_nan=False)),
    )
    chosen = data.draw(st.lists(st.one_of(st.sampled_from(pool), answers), max_size=12))
    profile = Profile()
    for fact in chosen:
        profile.add(fact)
    present = present_keys(profile)
    short_cut = 0
    for _, compiled in corpus:
        for cc in compiled:
            if cc.rule is None:
                continue
            for rule in _rules(cc.rule):
                read = reads(rule)
                assert read is not None, f"every bundled rule's reading can be recorded: {rule.describe()}"
                if read.fits(profile, present):
                    short_cut += 1
                    assert _same(read.silent, rule.evaluate(profile)), rule.describe()
    assert short_cut  # most criteria are about what a handful of facts never mention


def test_each_fact_of_the_pool_alone_is_never_short_cut_past(corpus, pool) -> None:  # type: ignore[no-untyped-def]
    rules = [r for _, compiled in corpus for cc in compiled if cc.rule for r in _rules(cc.rule)]
    for fact in {(f.key, repr(f.value)): f for f in pool}.values():
        profile = Profile()
        profile.add(fact)
        present = present_keys(profile)
        for rule in rules:
            read = reads(rule)
            if read is not None and read.fits(profile, present):
                assert _same(read.silent, rule.evaluate(profile)), (fact.key, rule.describe())


def test_every_suite_note_screens_exactly_as_without_short_cuts(corpus, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    notes = [json.loads(line)["patient"] for line in CASES.read_text().splitlines() if line.strip()]

    def screened() -> list[dict[str, Any]]:
        out = []
        for note in notes:
            profile = read_patient(note, TODAY)
            out.extend(screen(trial, compiled, profile, TODAY).to_json() for trial, compiled in corpus)
        return out

    fast = screened()
    monkeypatch.setattr("eligibility.engine.reads", lambda rule: None)
    assert screened() == fast


@dataclass
class _EveryFact(Rule):
    """A rule that looks at all of a person's facts: what it reads cannot be written down."""

    kind: ClassVar[str] = "every_fact"

    def evaluate(self, profile: Profile) -> Result:
        if any(key.startswith("cond:") for key in profile.facts):
            return Result(MET, reason="a condition is named")
        return Result(UNKNOWN, asks=["cond:any"], reason="no condition named")

    def describe(self) -> str:
        return "any condition"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind}


def test_a_rule_whose_reading_cannot_be_recorded_is_evaluated_for_everyone() -> None:
    rule = _EveryFact()
    assert reads(rule) is None
    profile = Profile()
    profile.add(Fact("cond:asthma", True, Evidence("asthma")))
    assert rule.evaluate(profile).status == MET


def test_a_fact_added_after_a_screening_is_seen_by_the_next_one(corpus) -> None:  # type: ignore[no-untyped-def]
    trial, compiled = next((t, c) for t, c in corpus if t.ref == "NCT04077684")
    profile = read_patient("I'm 36, female, with lupus.", TODAY)
    assert screen(trial, compiled, profile, TODAY).decision != "ineligible"
    profile.add(Fact("prior:rituximab", True, Evidence("rituximab 3 months ago"), when_months=3.0))
    after = screen(trial, compiled, profile, TODAY)
    assert after.decision == "ineligible"
    assert any("rituximab" in v.criterion.text for v in after.deciding)


@dataclass
class _ReadsText(Rule):
    """A rule that looks at the person's own words rather than their facts."""

    kind: ClassVar[str] = "reads_text"

    def evaluate(self, profile: Profile) -> Result:
        return Result(MET if "lupus" in profile.text else UNKNOWN, reason="the text")

    def describe(self) -> str:
        return "the text names lupus"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind}


def test_a_rule_reading_the_persons_words_is_never_short_cut() -> None:
    assert reads(_ReadsText()) is None
