"""A criterion about medicines taken now ("Currently receiving methotrexate", "on a stable dose of
hydroxychloroquine for at least 3 months") is not met by a use that ended years ago. Before, both were
read as "ever had the drug": a patient who stopped methotrexate in 2020 met an inclusion that asks for it
now (eligible when the trial's words rule her out), and was ruled out of an exclusion about current use."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_class_use import verdict  # screened on 2025-06-01

EXAMPLES = settings(max_examples=30, derandomize=True, deadline=None)
DRUGS = st.sampled_from(["methotrexate", "hydroxychloroquine", "azathioprine", "mycophenolate mofetil"])
NOW_WORDS = st.sampled_from(["Currently receiving {d}", "Current use of {d}", "Concurrent treatment with {d}"])


@EXAMPLES
@given(drug=DRUGS, words=NOW_WORDS, began=st.integers(2005, 2018), stopped=st.integers(2019, 2023))
def test_a_use_that_ended_does_not_meet_a_criterion_about_now(drug: str, words: str, began: int, stopped: int) -> None:
    note = f"Took {drug} from {began}, stopped in {stopped}."
    criterion = words.format(d=drug)
    assert verdict(criterion, note, "inclusion") == ("not_met", True)
    assert verdict(criterion, note, "exclusion") == ("not_met", True)


@EXAMPLES
@given(drug=DRUGS, words=NOW_WORDS, since=st.integers(2005, 2024))
def test_a_use_going_on_meets_it(drug: str, words: str, since: int) -> None:
    note = f"On {drug} since {since}."
    assert verdict(words.format(d=drug), note, "exclusion") == ("met", True)


@pytest.mark.parametrize("words", ["Currently receiving {d}", "On a stable dose of {d} for at least 30 days"])
def test_a_use_of_unknown_time_is_asked(words: str) -> None:
    status, mentioned = verdict(words.format(d="methotrexate"), "History of methotrexate use.", "inclusion")
    assert (status, mentioned) == ("unknown", True)


def test_a_criterion_that_also_speaks_of_the_past_keeps_any_time() -> None:
    note = "Took methotrexate in 2012, stopped in 2014."
    assert verdict("Currently receiving or has received methotrexate", note, "exclusion") == ("met", True)


@EXAMPLES
@given(drug=DRUGS, other=DRUGS, weeks=st.integers(1, 26))
def test_a_stable_dose_of_a_named_drug_needs_that_drug(drug: str, other: str, weeks: int) -> None:
    # a stable dose of another medicine does not meet it (nor rule it out: the note is silent on the drug)
    criterion = f"On a stable dose of {drug} for at least {weeks} weeks prior to Day 1"
    status, _ = verdict(criterion, f"On {other} since 2015.", "inclusion")
    assert status == "met" if other == drug else status == "unknown"


@pytest.mark.parametrize(
    "criterion",
    [
        "If using hydroxychloroquine, must be on stable doses for at least 2 months prior to screening.",
        "Patients on azathioprine or hydroxychloroquine must be on stable doses for 14 weeks prior to enrollment.",
        "Clinically stable for at least 2 weeks off hydroxychloroquine",
    ],
)
def test_a_stable_dose_asked_only_of_those_who_take_the_drug_does_not_require_it(criterion: str) -> None:
    status, _ = verdict(criterion, "On methotrexate since 2015.", "inclusion")
    assert status == "met"


def test_a_time_not_on_a_stable_dose_is_not_read_as_a_time_taken() -> None:
    # "has not been on a stable dose for at least 8 weeks": a patient on it 2 weeks is ruled out, not cleared
    criterion = "If taking anti-malarial therapy has not been on a stable dose for at least 8 weeks before Day 1"
    status, _ = verdict(criterion, "Started hydroxychloroquine 2 weeks ago.", "exclusion")
    assert status != "not_met"


def test_a_definition_names_alternatives_a_treatment_rule_does_not_read() -> None:
    # the condition half of the definition: an HIV patient off immunosuppressants is not cleared
    criterion = (
        "Has active immunosuppression defined as either receiving immunosuppressive medications or having "
        "a medical condition associated with immunodeficiency"
    )
    status, _ = verdict(criterion, "52 year old man with HIV. No immunosuppressive medications.", "exclusion")
    assert status != "not_met"


# -- a drug named again later in the note ----------------------------------------------------------------


@EXAMPLES
@given(
    drug=DRUGS,
    stopped=st.integers(2010, 2020),
    restart=st.sampled_from(["Restarted {d} last month.", "{d} was resumed 2 weeks ago.", "Now on {d} again."]),
)
def test_a_later_restart_is_read_beside_an_earlier_stop(drug: str, stopped: int, restart: str) -> None:
    # before, only a drug's first mention was read: the restart was lost and the patient cleared
    note = f"{drug.capitalize()} was stopped in {stopped}. {restart.format(d=drug)}"
    assert verdict(f"Currently receiving {drug}", note, "exclusion")[0] == "met"
    assert verdict(f"Use of {drug} within 3 months", note, "exclusion")[0] == "met"


@EXAMPLES
@given(drug=DRUGS, year=st.integers(2005, 2020))
def test_an_older_or_idle_mention_later_does_not_undo_a_current_use(drug: str, year: int) -> None:
    for later in (f"{drug.capitalize()} was also given in {year}.", f"No {drug} toxicity on the last exam."):
        note = f"On {drug} since 2021. {later}"
        assert verdict(f"Currently receiving {drug}", note, "exclusion") == ("met", True)


@pytest.mark.parametrize(
    "note",
    [
        "No methotrexate in the past. Now on methotrexate 15 mg weekly.",
        "On methotrexate 15 mg weekly. She stopped methotrexate last week.",
    ],
)
def test_a_use_and_a_denial_or_stop_in_two_sentences_is_asked(note: str) -> None:
    assert verdict("Currently receiving methotrexate", note, "inclusion") == ("unknown", True)


@EXAMPLES
@given(
    drug=st.sampled_from(["prednisone", "methotrexate", "oral corticosteroids", "steroids"]),
    verb=st.sampled_from(["doubled", "increased", "reduced", "lowered"]),
    when=st.sampled_from(["in the past week", "last month", "2 weeks ago"]),
    words=NOW_WORDS,
)
def test_a_dose_changed_is_a_medicine_still_taken(drug: str, verb: str, when: str, words: str) -> None:
    # "He doubled his oral corticosteroids in the past week": a dose changed, not a use that ended then
    note = f"He {verb} his {drug} {when}." if "steroid" in drug else f"His {drug} was {verb} {when}."
    asked = "corticosteroids" if "steroid" in drug else drug
    assert verdict(words.format(d=asked), note, "inclusion")[0] == "met"
