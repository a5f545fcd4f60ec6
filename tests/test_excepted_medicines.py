"""What a criterion excepts from the medicines it asks about ("immunosuppressants other than methotrexate",
"concurrent therapy for the tumor (with the exception of steroids)") is not what it asks: before, the
excepted steroids ruled out every patient on steroids. And a class some trials count inside another
(steroids, biologics as immunosuppressants: vocabulary.toml `may_include`) speaks to a criterion about that
class without settling it, so "Not on immunosuppressants. On prednisone 40 mg" is asked, never cleared."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_class_use import verdict  # screened on 2025-06-01
from trialscreen.errors import TrialscreenError

EXAMPLES = settings(max_examples=30, derandomize=True, deadline=None)
IMMUNOSUPPRESSANTS = ["methotrexate", "azathioprine", "mycophenolate mofetil", "cyclosporine", "tacrolimus"]
EXCEPT_WORDS = st.sampled_from(["other than", "except", "excluding", "with the exception of", "apart from"])


@EXAMPLES
@given(
    spared=st.lists(st.sampled_from(IMMUNOSUPPRESSANTS), min_size=1, max_size=3, unique=True),
    taken=st.sampled_from(IMMUNOSUPPRESSANTS),
    words=EXCEPT_WORDS,
)
def test_an_excepted_drug_does_not_meet_the_class_and_any_other_does(spared: list[str], taken: str, words: str) -> None:
    listed = ", ".join(spared[:-1]) + (f", or {spared[-1]}" if len(spared) > 1 else spared[-1])
    criterion = f"Use of immunosuppressants {words} {listed}."
    status, mentioned = verdict(criterion, f"On {taken} since 2020.")
    assert mentioned
    assert status == ("met" if taken not in spared else "unknown")


@EXAMPLES
@given(words=EXCEPT_WORDS, drug=st.sampled_from(["prednisone 10 mg daily", "steroids", "dexamethasone"]))
def test_a_criterion_that_excepts_steroids_does_not_rule_out_a_patient_on_them(words: str, drug: str) -> None:
    criterion = f"Patients receiving concurrent therapy for their tumor ({words} steroids)"
    status, _ = verdict(criterion, f"Currently on {drug}.")
    assert status != "met"


def test_a_class_or_alternative_after_the_exception_is_still_asked() -> None:
    # "other than methotrexate, or rituximab within 3 months": the rituximab is asked, never excepted
    criterion = "Use of immunosuppressants other than methotrexate, or rituximab within 3 months"
    assert verdict(criterion, "Rituximab 1 month ago.")[0] == "met"


def test_examples_of_a_class_are_no_exception() -> None:
    # "including but not limited to" names what is asked
    criterion = "Prior exposure to any JAK inhibitor (including but not limited to tofacitinib, baricitinib)."
    assert verdict(criterion, "Took tofacitinib in 2019.")[0] == "met"


@EXAMPLES
@given(
    drug=st.sampled_from(["prednisone 40 mg daily", "rituximab", "adalimumab", "tofacitinib", "steroids"]),
    denial=st.sampled_from(["Not on immunosuppressants.", "No immunosuppressive medications.", ""]),
    kind=st.sampled_from(["exclusion", "inclusion"]),
)
def test_a_drug_some_trials_count_as_immunosuppressive_is_asked_not_settled(drug: str, denial: str, kind: str) -> None:
    criterion = (
        "Treatment with systemic immunosuppressive medications within 3 months"
        if kind == "exclusion"
        else "No immunosuppressive therapy within 3 months"
    )
    assert verdict(criterion, f"{denial} Currently on {drug}.".strip(), kind) == ("unknown", True)


def test_a_criterion_that_excepts_that_class_is_settled_by_the_denial() -> None:
    criterion = "Ongoing immunosuppressive therapy other than corticosteroids"
    assert verdict(criterion, "Not on immunosuppressants. On prednisone 40 mg daily.") == ("not_met", True)


def test_a_may_include_naming_no_class_is_refused_on_load(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import resources

    import trialscreen.vocabulary as vocabulary_module

    real = resources.files("trialscreen").joinpath("data/vocabulary.toml").read_text("utf-8")
    broken = real.replace('may_include = ["corticosteroid"', 'may_include = ["corticosteroidz"', 1)
    assert broken != real

    class _File:
        def joinpath(self, _path: str) -> _File:
            return self

        def read_text(self, _encoding: str) -> str:
            return broken

    monkeypatch.setattr(vocabulary_module.resources, "files", lambda _package: _File())
    vocabulary_module.vocabulary.cache_clear()
    try:
        with pytest.raises(TrialscreenError, match="corticosteroidz"):
            vocabulary_module.vocabulary()
    finally:
        monkeypatch.undo()
        vocabulary_module.vocabulary.cache_clear()
