"""The question's language (retrieval/language.py): concepts in any of their names, shape words and
spelling, from the vocabularies criteria and notes are read with."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.labs import labs
from retrieval.language import concept_keys, edits, index_names, load_words, mentions, respell, words
from retrieval.resolve import named_phrases
from trialscreen.errors import TrialscreenError


@pytest.mark.parametrize(
    ("question", "passage", "key"),
    [
        ("CrCl cutoff for the telitacicept study", "renal insufficiency (creatinine clearance ≤ 30)", "lab:crcl"),
        ("does it exclude a positive PPD?", "Purified protein derivative (tuberculin) >10mm", "lab:ppd"),
        ("what SELENA-SLEDAI do pts need", "SLE disease activity index(SLEDAI) ≥ 8.", "score:sledai"),
        ("haemoglobin cutoff", "Hb≤9 g/dl", "lab:hb"),
        ("drug or alcohol abuse", "Have current drug or alcohol abuse or dependence", "cond:substance_abuse"),
        ("how long since another trial?", "participate in other clinical trial within 4 weeks", "term:other_trial"),
        ("investigational drug washout", "Received a non-FDA approved investigational agent", "term:other_trial"),
        # drug classes, and a passage naming a drug of the class (NCT02656082, NCT00709722)
        ("does it allow prior TNF blockers?", "Any prior treatment with TNF-blockade therapies.", "class:anti-tnf"),
        ("max steroid dose", "Receiving OCS (<= 1.0 mg/kg/day; a maximum dose of 80 mg/day).", "class:corticosteroid"),
        ("any steroid limit?", "Prednisone (or equivalent) ≤ 7.5mg/d for more than 6 months", "class:corticosteroid"),
    ],
)
def test_a_question_and_a_passage_naming_one_concept_differently_meet(question: str, passage: str, key: str) -> None:
    assert key in concept_keys(question)
    assert key in concept_keys(passage)


@given(st.sampled_from(labs()))
def test_every_lab_is_the_same_concept_by_its_own_name(lab) -> None:  # type: ignore[no-untyped-def]
    assert lab.key in concept_keys(lab.label) or lab.key in concept_keys(f"{lab.label} test")


_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=14)


@settings(max_examples=200)
@given(_word, st.data())
def test_one_typo_is_one_edit(word: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(word) - 1))
    letter = data.draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz"))
    dropped = word[:i] + word[i + 1 :]
    added = word[:i] + letter + word[i:]
    swapped = word[:i] + word[i + 1 : i + 2] + word[i] + word[i + 2 :] if i < len(word) - 1 else word
    for typo in (dropped, added, swapped):
        assert edits(word, typo, 2) <= 1
        assert edits(typo, word, 2) == edits(word, typo, 2)
    assert edits(word, word, 2) == 0


@given(_word, _word)
def test_edits_beyond_the_limit_are_cut_at_the_limit(a: str, b: str) -> None:
    assert 0 <= edits(a, b, 2) <= 3


def test_a_misspelled_trial_drug_is_read_as_the_indexed_name_and_said() -> None:
    names = index_names(["Clinical efficacy of Telitacicept and low dose IL-2", "A Multicenter study"])
    text, changes = respell("max HCQ dose for the telitacept one in the multicentre trial", names, frozenset())
    assert "telitacicept" in text and "multicenter" in text
    assert ("telitacept", "telitacicept") in changes and ("multicentre", "multicenter") in changes


def test_a_drug_or_condition_of_the_vocabularies_is_never_respelled_into_another() -> None:
    # ocrelizumab is a real drug of its own, two edits from nothing here but close to other -mabs
    names = index_names(["Belimumab in early SLE", "Omalizumab and ocrelizumab-like names: obinutuzumab"])
    for word in ("ocrelizumab", "arthritis", "rituximab"):
        text, changes = respell(f"the {word} study", names | {"arteritis", "rituximal"}, frozenset())
        assert changes == [] and word in text


def test_a_word_the_index_uses_is_left_as_it_is() -> None:
    text, changes = respell("the multicenter trial", frozenset({"multicentre"}), frozenset({"multicenter"}))
    assert (text, changes) == ("the multicenter trial", [])


def test_a_tie_between_two_names_leaves_the_word() -> None:
    text, changes = respell("the zabulon study", frozenset({"zabulin", "zabulan"}), frozenset())
    assert changes == [] and "zabulon" in text


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("What's the prednisone cap in the telitacicept study?", ["telitacicept"]),
        ("steroid pulse exclusion in the hrIL-2 pilot study", ["hrIL-2 pilot"]),
        ("what SLEDAI do pts need for the IL-2 one?", ["IL-2"]),
        ("what is the CD19 CAR-T trial's age limit?", ["CD19 CAR-T"]),
    ],
)
def test_the_words_naming_a_trial_are_found(question: str, named: list[str]) -> None:
    assert named_phrases(question) == named


def test_the_question_words_file_is_checked_when_loaded() -> None:
    good = (
        '[generic]\nwords = "what max"\n[synonyms]\nold = ["age"]\n[spelling]\nmin_length = 6\nmax_edits = 2\n'
        '[[score]]\nkey = "score:x"\nlabel = "X"\npatterns = ["\\\\bX\\\\b"]\n'
        '[compare]\nhighest = "most"\nlowest = "least"\ndose = "dose"\n'
        '[[age]]\npattern = "over (?P<n>\\\\d+)"\nshift = 1\n'
    )
    assert "max" in load_words(good).generic
    for bad, says in [
        (good.replace("max_edits = 2", "max_edits = 9"), "max_edits"),
        (good.replace('key = "score:x"', 'key = "x"'), "key"),
        (good.replace('patterns = ["\\\\bX\\\\b"]', 'patterns = ["(x"]'), "regular expression"),
        (good + "\n[extra]\nx = 1\n", "extra"),
        (good.replace("(?P<n>", "("), "group named n"),
        (good.replace('highest = "most"', 'highest = "(most"'), "regular expression"),
    ]:
        with pytest.raises(TrialscreenError, match=says):
            load_words(bad)
    assert words().min_length >= 3  # the shipped file loads


def test_mentions_are_in_text_order_and_point_at_their_words() -> None:
    text = "positive PPD or HIV, CrCl < 30"
    found = mentions(text)
    assert [m.start for m in found] == sorted(m.start for m in found)
    assert {text[m.start : m.end] for m in found} >= {"PPD", "HIV", "CrCl"}


def test_a_drug_named_in_a_question_is_not_its_class() -> None:
    # "max pred" asks of prednisone, not of any corticosteroid; a passage naming prednisone speaks of both
    assert all(m.key != "class:corticosteroid" for m in mentions("max pred for the DLE trial"))
    assert "class:corticosteroid" in concept_keys("Prednisone ≤ 10 mg/day")


@pytest.mark.parametrize(
    ("passage", "states"),
    [
        ("The goal is whether 2 dose levels of epratuzumab are safe", False),  # a count, not a dose
        ("SELENA-SLEDAI \\< or = 12", True),
        ("SLE disease activity index(SLEDAI) 8", True),  # a damaged criterion still states a number
        ("positive ANA (≥1:80 titer)", True),
        ("Pregnancy", False),
    ],
)
def test_a_passage_states_an_amount(passage: str, states: bool) -> None:
    assert bool(words().stated.search(passage)) is states


def test_a_common_word_one_edit_off_is_read_as_the_indexs_word_and_said() -> None:
    text, said = respell("APPLE trial - min wieght for pts?", frozenset(), frozenset({"weight"}), frozenset({"weight"}))
    assert text == "APPLE trial - min weight for pts?" and said == [("wieght", "weight")]
    assert respell("pateints on MMF", frozenset(), frozenset(), frozenset({"patients"}))[1] == [
        ("pateints", "patients")
    ]
    # two words one edit away: left as written
    assert respell("any tattos", frozenset(), frozenset(), frozenset({"tattoo", "tattoos"}))[1] == []


@pytest.mark.parametrize(
    ("question", "enrollment"),
    [
        ("rapamycin study: can pts on clarithromicin enroll?", False),  # joining, not the trial's size
        ("how many patients will NCT04077684 enroll?", True),
        ("what is the planned enrollment of the IL-2 trial?", True),
    ],
)
def test_enrolling_a_patient_is_not_the_enrollment_figure(question: str, enrollment: bool) -> None:
    pattern = next(p for name, p, _ in words().intents if name == "enrollment")
    assert bool(pattern.search(question)) is enrollment
