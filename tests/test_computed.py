"""Answers computed over every trial from its typed readings (retrieval/computed.py): complete over
the index, checked against the rules themselves, with boundaries generated."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.compiler import CompiledCriterion, compile_trial
from eligibility.patient import profile_from_facts
from eligibility.rules import NOT_MET, Age, DoseCap, Rule
from index.readers import parse_document, read_trial
from index.textio import RawDocument
from retrieval.citations import verbatim
from retrieval.computed import Computed, Probe, _parts, age_probe, dosed_drug, lowest_wanted, state_probes
from tests.conftest import BUNDLED
from trialscreen.model import Trial


def _computed(corpus: list[tuple[Trial, list[CompiledCriterion]]]) -> Computed:
    by_ref = {t.ref: c for t, c in corpus}
    return Computed(lambda: [t for t, _ in corpus], by_ref.__getitem__, lambda t, a, b: f"{t.ref}:{a}")


@pytest.fixture(scope="module")
def corpus() -> list[tuple[Trial, list[CompiledCriterion]]]:
    trials = [read_trial(p) for p in sorted(BUNDLED.iterdir()) if p.is_file()]
    return [(t, compile_trial(t)) for t in trials]


def _rules(compiled: list[CompiledCriterion]) -> list[tuple[CompiledCriterion, Rule]]:
    out = []
    for cc in compiled:
        rule = cc.rule
        if rule is None or cc.team:
            continue
        partial = getattr(rule, "partial", None)
        read = partial if getattr(rule, "understood", "x") is None and partial is not None else rule
        out += [(cc, r) for r in _parts(read)]
    return out


@settings(max_examples=25, deadline=None)
@given(age=st.integers(0, 100))
def test_the_trials_that_take_an_age_are_those_no_age_rule_rules_out(corpus, age: int) -> None:  # type: ignore[no-untyped-def]
    answer = _computed(corpus).age(Probe({"age": age}, f"a person of {age}"))
    person = profile_from_facts({"age": age})
    barred = {
        t.ref
        for t, compiled in corpus
        for cc, r in _rules(compiled)
        if isinstance(r, Age) and r.evaluate(person).status == NOT_MET
    }
    assert set(answer.trials) == {t.ref for t, _ in corpus} - barred  # every indexed trial is gone through
    for ref in barred:
        assert f"{ref} (" in answer.answer.split("Not ", 1)[1]  # named among those that do not, with a quote


def test_every_trial_whose_rules_read_pregnancy_and_rule_it_out_is_listed(corpus) -> None:  # type: ignore[no-untyped-def]
    answer = _computed(corpus).barred(state_probes("which trials exclude pregnant women?"))
    assert answer is not None
    pregnant = profile_from_facts({"sex": "female", "pregnant": True})
    expected = set()
    for trial, compiled in corpus:
        for criterion, cc in zip(trial.criteria, compiled, strict=True):
            for _, r in _rules([cc]):
                status = r.evaluate(pregnant).status
                if (
                    status == (NOT_MET if criterion.kind == "inclusion" else "met")
                    and status != r.evaluate(profile_from_facts({"sex": "female"})).status
                ):
                    expected.add(trial.ref)
    assert expected and set(answer.trials) == expected
    for c in answer.citations:  # each quote is the trial's own words at the cited span
        trial = next(t for t, _ in corpus if t.ref == c.trial)
        assert verbatim(trial, c.quote)
        assert " ".join(trial.source_text[c.start : c.end].split()) == " ".join(c.quote.split())


def test_the_dose_caps_are_the_lowest_cap_each_trial_states(corpus) -> None:  # type: ignore[no-untyped-def]
    answer = _computed(corpus).dose_caps("prednisone", highest=True)
    stated = {}
    for trial, compiled in corpus:
        caps = [r.max_mg_day for _, r in _rules(compiled) if isinstance(r, DoseCap) and r.max_mg_day and not r.per_kg]
        if caps:
            stated[trial.ref] = min(caps)
    assert stated and set(stated) <= set(answer.trials)
    for ref, cap in stated.items():
        assert f"{ref} up to {cap:g} mg/day" in answer.answer
    best = max(stated.values())
    assert answer.answer.startswith(f"The highest daily prednisone dose a trial allows is {best:g} mg/day")


def _trial(
    inclusion: list[str], exclusion: list[str], nct: str = "NCT09999999"
) -> tuple[Trial, list[CompiledCriterion]]:
    body = f"{nct}\n\nEligibility\n\nInclusion Criteria:\n\n" + "".join(f"- {c}\n" for c in inclusion)
    body += "\nExclusion Criteria:\n\n" + "".join(f"- {c}\n" for c in exclusion)
    trial = parse_document(RawDocument(path=Path(f"{nct}.txt"), text=body, sha256="x"))
    return trial, compile_trial(trial)


@settings(max_examples=30, deadline=None)
@given(cap=st.integers(2, 80).map(lambda n: n / 2))
def test_a_generated_cap_is_found_to_the_half_milligram(cap: float) -> None:
    corpus = [_trial(["Adults aged 18 or older", f"Prednisone dose of {cap:g} mg/day or less"], ["Pregnancy"])]
    answer = _computed(corpus).dose_caps("prednisone", highest=True)
    assert f"up to {cap:g} mg/day" in answer.answer, answer.answer


def test_a_trial_with_no_cap_is_said_to_state_none() -> None:
    corpus = [
        _trial(["Adults aged 18 or older"], ["Pregnancy"]),
        _trial(["Prednisone 10 mg/day or less"], ["Pregnancy"]),
    ]
    corpus[1][0].ref = "NCT09999998"
    answer = _computed(corpus).dose_caps("prednisone", highest=False)
    assert "No cap on the daily prednisone dose is stated in NCT09999999" in answer.answer


@pytest.mark.parametrize(
    ("question", "drug", "lowest"),
    [
        ("which trial allows the highest daily prednisone dose?", "prednisone", False),
        ("which trial has the lowest prednisone cap?", "prednisone", True),
        ("what is the max HCQ dose in the telitacicept study?", None, False),  # one trial: its passage
    ],
)
def test_a_comparing_dose_question_is_recognised(question: str, drug: str | None, lowest: bool) -> None:
    if drug is None:
        assert dosed_drug(question) in (None, "hydroxychloroquine")
        return
    assert dosed_drug(question) == drug
    assert lowest_wanted(question) is lowest


@pytest.mark.parametrize(
    ("question", "age"),
    [
        ("which trials accept patients older than 65?", 66),
        ("trials for people 70 or older", 70),
        ("which trials take patients under 18?", 17),
        ("any trial for someone aged 40?", 40),
        ("which trials allow prednisone over 20 mg?", None),
    ],
)
def test_the_age_a_question_asks_about(question: str, age: int | None) -> None:
    probe = age_probe(question)
    assert (probe.facts["age"] if probe else None) == age


def test_a_trial_whose_texts_disagree_on_an_age_is_said_to() -> None:
    corpus = [_trial(["Aged 18 to 65 years", "Adults 18 to 80 years old"], ["Pregnancy"])]
    answer = _computed(corpus).age(Probe({"age": 70}, "a person of 70"))
    assert "Not NCT09999999" in answer.answer
    assert "The texts of NCT09999999 disagree" in answer.answer and "18 to 80" in answer.answer


@settings(max_examples=20, deadline=None)
@given(months=st.integers(1, 36))
def test_a_generated_washout_is_found_and_said_in_the_trials_words(months: int) -> None:
    corpus = [_trial(["Adults aged 18 or older"], [f"Rituximab within {months} months before screening"])]
    answer = _computed(corpus).washouts("rituximab")
    assert f"NCT09999999: {months} month" in answer.answer, answer.answer


def test_any_past_use_and_no_washout_are_said_apart() -> None:
    corpus = [_trial(["Adults aged 18 or older"], ["Prior rituximab treatment"]), _trial(["Adults"], ["Pregnancy"])]
    corpus[1][0].ref = "NCT09999998"
    answer = _computed(corpus).washouts("rituximab")
    assert "Any past use of rituximab rules a person out in NCT09999999" in answer.answer
    assert "No washout for rituximab is stated in NCT09999998" in answer.answer


def test_a_minimum_and_a_maximum_age_do_not_disagree() -> None:
    corpus = [_trial(["Aged 18 years or older", "Maximum age 65 years"], ["Pregnancy"])]
    answer = _computed(corpus).age(Probe({"age": 17}, "a person of 17"))
    assert "disagree" not in answer.answer and "None of the 1 trials takes" in answer.answer


@settings(max_examples=20, deadline=None)
@given(low=st.integers(12, 40), width=st.integers(5, 50))
def test_a_generated_age_range_is_found_with_its_bounds(low: int, width: int) -> None:
    from retrieval.language import words

    span = next(s for s in words().spans if s.key == "age")
    corpus = [_trial([f"Aged {low} to {low + width} years"], ["Pregnancy"])]
    answer = _computed(corpus).ranges(span)
    assert f"at least {low} and at most {low + width} years" in answer.answer, answer.answer


def test_a_class_ban_rules_out_a_drug_of_that_class_the_words_never_name() -> None:
    from retrieval.computed import exclusion_probes

    corpus = [_trial(["Adults aged 18 or older"], ["History of administration of rituximab or other biologics"])]
    found = _computed(corpus).ruling_out(exclusion_probes("which trials exclude prior belimumab?"))
    assert [(t.ref, c.text) for t, c in found] == [
        ("NCT09999999", "History of administration of rituximab or other biologics")
    ]
    assert _computed(corpus).ruling_out(exclusion_probes("which trials exclude prior aspirin?")) == []


_WEIGHT_UNITS = {"kg": 1.0, "kilograms": 1.0, "lbs": 0.45359237, "pounds": 0.45359237, "lb": 0.45359237}


@settings(max_examples=60, deadline=None)
@given(n=st.integers(30, 400), unit=st.sampled_from(sorted(_WEIGHT_UNITS)), side=st.sampled_from(["over", "under", ""]))
def test_a_person_named_by_weight_is_one_step_past_the_bound_in_any_unit(n: int, unit: str, side: str) -> None:
    from retrieval.computed import person_probes

    question = f"which trials exclude pts weighing {side} {n} {unit}?".replace("  ", " ")
    [probe] = person_probes(question)
    step = {"over": 1, "under": -1, "": 0}[side]
    assert probe.facts == {"weight_kg": round((n + step) * _WEIGHT_UNITS[unit], 2)}


@settings(max_examples=25, deadline=None)
@given(limit=st.integers(60, 140), pounds=st.integers(100, 330))
def test_the_trials_ruling_out_a_weight_are_those_whose_weight_limit_is_below_it(limit: int, pounds: int) -> None:
    from retrieval.computed import person_probes

    corpus = [
        _trial([f"Body weight ≤ {limit} kg"], ["Pregnancy"]),
        _trial(["Adults aged 18 or older"], [f"subjects weighing over {pounds} pounds"], nct="NCT09999998"),
    ]
    question = "which trials exclude pts weighing over 300 lbs?"
    found = _computed(corpus).barred(person_probes(question))
    person_kg = 301 * 0.45359237
    expected = [ref for ref, out in (("NCT09999999", person_kg > limit), ("NCT09999998", pounds < 301)) if out]
    assert (found.trials if found else []) == expected


@settings(max_examples=25, deadline=None)
@given(
    caps=st.lists(st.sampled_from([5, 7.5, 10, 15, 20, 30]), min_size=1, max_size=4), n=st.sampled_from([7.5, 10, 20])
)
def test_the_trials_capping_a_dose_at_most_so_much_are_those_whose_cap_is(caps: list[float], n: float) -> None:
    from retrieval.computed import capped_at

    corpus = [_trial([f"Prednisone ≤ {c:g} mg/day"], ["Pregnancy"], nct=f"NCT0999990{i}") for i, c in enumerate(caps)]
    question = f"which trials cap pred at {n:g}mg/day or less?"
    assert capped_at(question) == ("prednisone", n, True)
    found = _computed(corpus).caps_within(*capped_at(question))  # type: ignore[misc]
    assert found.trials == [t.ref for (t, _), c in sorted(zip(corpus, caps, strict=True), key=lambda x: x[1]) if c <= n]


@settings(max_examples=25, deadline=None)
@given(limits=st.lists(st.sampled_from([7, 8, 9, 10]), min_size=1, max_size=4), n=st.sampled_from([8, 9, 10]))
def test_the_trials_ruling_out_a_lab_value_are_those_whose_threshold_is_above_it(limits: list[int], n: int) -> None:
    from retrieval.computed import lab_probes

    corpus = [_trial(["Adults"], [f"Hemoglobin < {t} g/dL"], nct=f"NCT0999990{i}") for i, t in enumerate(limits)]
    found = _computed(corpus).barred(lab_probes(f"which studies exclude Hgb <{n}?"))
    expected = [t.ref for (t, _), lim in zip(corpus, limits, strict=True) if n * 0.99 < lim]  # a person just under n
    assert (found.trials if found else []) == expected
