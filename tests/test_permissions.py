"""What a criterion allows, forbids or leaves out is not what it asks for. Before: "Concurrent steroids are
permitted" was an inclusion requiring steroids, "Patients taking oral steroids are not eligible" one
requiring them too (eligible when the trial's words rule the patient out), "Inhaled steroids allowed" an
exclusion of every steroid, "non-corticosteroid immunosuppressants" named corticosteroids, and "a maximum of
1 ... drug" was read as at least 1."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_class_use import verdict  # screened on 2025-06-01

EXAMPLES = settings(max_examples=30, derandomize=True, deadline=None)
DRUGS = st.sampled_from(
    [("steroids", "Prednisone 10 mg daily."), ("hydroxychloroquine", "Hydroxychloroquine 400 mg daily.")]
)
WHEN = st.sampled_from(["Concurrent", "Prior", "Stable doses of"])
ALLOWED = st.sampled_from(["are allowed", "is permitted", "are acceptable", "allowed", "permitted"])


@EXAMPLES
@given(drug=DRUGS, when=WHEN, allowed=ALLOWED, kind=st.sampled_from(["inclusion", "exclusion"]))
def test_a_medicine_allowed_is_neither_required_nor_ruled_out(
    drug: tuple[str, str], when: str, allowed: str, kind: str
) -> None:
    criterion = f"{when} {drug[0]} {allowed}"
    taking = verdict(criterion, drug[1], kind)[0]
    not_taking = verdict(criterion, f"No {drug[0]}.", kind)[0]
    if kind == "inclusion":
        assert not_taking != "not_met"
    else:
        assert taking != "met"


@EXAMPLES
@given(
    drug=DRUGS,
    words=st.sampled_from(
        [
            "Patients taking {d} are not eligible",
            "Eligible only if not taking {d}",
            "Concurrent {d} not permitted",
            "No concurrent {d} is allowed",
        ]
    ),
)
def test_an_inclusion_that_says_who_is_not_eligible_rules_them_out(drug: tuple[str, str], words: str) -> None:
    assert verdict(words.format(d=drug[0]), drug[1], "inclusion")[0] == "not_met"


@EXAMPLES
@given(local=st.sampled_from(["Inhaled steroids allowed", "Topical and nasal corticosteroids are acceptable."]))
def test_a_permission_of_local_steroids_alone_excludes_no_one(local: str) -> None:
    assert verdict(local, "Prednisone 10 mg daily.")[0] != "met"


@EXAMPLES
@given(
    left_out=st.sampled_from(["non-corticosteroid", "non-steroid", "nonsteroidal"]),
    weeks=st.integers(min_value=1, max_value=26),
)
def test_a_class_written_as_left_out_is_not_asked(left_out: str, weeks: int) -> None:
    criterion = f"Use of {left_out} immunosuppressants within {weeks} weeks"
    assert verdict(criterion, "Prednisone 10 mg daily.")[0] != "met"
    assert verdict(criterion, "Azathioprine 100 mg daily.")[0] == "met"


def test_a_class_name_that_begins_with_non_is_still_read() -> None:
    assert verdict("Use of non-steroidal anti-inflammatory drugs within 1 week", "Ibuprofen 400 mg daily.")[0] == "met"


@EXAMPLES
@given(most=st.sampled_from(["a maximum of", "maximum of", "no more than", "at most"]))
def test_a_maximum_number_of_medicines_is_a_maximum(most: str) -> None:
    criterion = f"Patients may be on {most} 1 non-corticosteroid immunosuppressive drug"
    two = "On azathioprine 100 mg daily and mycophenolate 2 g daily."
    one = "On azathioprine 100 mg daily and prednisone 10 mg daily."
    assert verdict(criterion, two, "inclusion")[0] == "not_met"
    assert verdict(criterion, one, "inclusion")[0] == "met"


def test_a_drug_written_as_left_out_is_spared() -> None:
    criterion = "Patients receiving long-term non-aspirin NSAIDs"
    assert verdict(criterion, "Aspirin 81 mg daily.")[0] != "met"
    assert verdict(criterion, "Ibuprofen 400 mg three times daily.")[0] == "met"
