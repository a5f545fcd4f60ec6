"""Patient text -> typed facts, on sentences as patients and referral notes write them."""

from __future__ import annotations

from datetime import date

import pytest

from eligibility.extract import read_patient
from eligibility.facts import Profile

TODAY = date(2026, 11, 1)


def read(text: str) -> Profile:
    return read_patient(text, TODAY)


@pytest.mark.parametrize(
    "text, age",
    [
        ("34 yo female with SLE", 34),
        ("I'm 52 and have lupus", 52),
        ("41-year-old man, SLE since 2015", 41),
        ("Female 55. SLE.", 55),
        ("An 8-month-old girl with fever for 2 days", pytest.approx(8 / 12, abs=1e-3)),  # an infant, in years
        ("A 6 week old boy", pytest.approx(6 * 7 / 365.25, abs=2e-3)),
        ("Pt 29F with lupus", 29),
        ("46 F, lupus 10 yrs", 46),  # "10 yrs" is the disease duration, not the age
        ("A 41 year man with dyspnea", 41),  # "old" left out before the person
        ("a 30-year female with a 5 year history of SLE", 30),
    ],
)
def test_ages(text: str, age: float) -> None:
    assert read(text).value("age") == age


def test_sex_and_family_pronouns() -> None:
    assert read("38M with SLE").value("sex") == "male"
    assert read("29 y/o woman with lupus").value("sex") == "female"
    assert read("I'm a 45 year old man; my mother had lupus").value("sex") == "male"


def test_doses_per_day() -> None:
    p = read("on prednisone 7.5 mg a day and hydroxychloroquine 200 mg twice daily")
    assert p.value("med:prednisone") == 7.5
    assert p.value("med:hydroxychloroquine") == 400
    assert read("methylprednisolone 16 mg daily").value("med:methylprednisolone") == 16


def test_relative_and_absolute_times() -> None:
    p = read("Had rituximab 3 months ago. Got belimumab in 2021. Cyclophosphamide infusions last week.")
    assert p.get("prior:rituximab").when_months == 3  # type: ignore[union-attr]
    assert 60 < p.get("prior:belimumab").when_months < 72  # type: ignore[union-attr]
    assert p.get("prior:cyclophosphamide").when_months == 0.25  # type: ignore[union-attr]
    assert p.get("prior:cyclophosphamide").detail["route"] == "iv"  # type: ignore[union-attr]
    assert read("two weeks ago I had shingles").get("cond:herpes_zoster").when_months == pytest.approx(0.46, 0.05)  # type: ignore[union-attr]


def test_negation_before_and_after() -> None:
    p = read("No history of cancer. HBsAg negative but HBcAb positive. Denies HIV.")
    assert p.value("cond:cancer") is False
    assert p.value("cond:hbv") is False
    assert p.value("cond:hbcab") is True
    assert p.value("cond:hiv") is False


def test_list_results_and_blanket_denials() -> None:
    p = read("HBV, HCV, HIV, EBV and TB all negative. No serious or chronic infections.")
    for key in ("hbv", "hcv", "hiv", "ebv", "tb", "serious_infection", "chronic_infection", "iv_antibiotics"):
        assert p.value(f"cond:{key}") is False, key


@pytest.mark.parametrize(
    "text, present, negative",
    [
        ("I'm a 40 year old man with lupus, HIV negative", "dx:sle", "cond:hiv"),
        ("She has diabetes, HIV negative.", "cond:diabetes", "cond:hiv"),
        ("Woman with SLE, ANA and dsDNA negative", "dx:sle", "lab:anti_dsdna"),
        ("Known to have hypertension, HBsAg and HCV negative.", "cond:hypertension", "cond:hcv"),
    ],
)
def test_a_result_closing_a_list_is_not_the_result_of_what_the_patient_has(
    text: str, present: str, negative: str
) -> None:
    """'a man with lupus, HIV negative': 'negative' closes the list of tests after the diagnosis, not the
    diagnosis (it was read as no lupus, which ruled the man out of every lupus trial)."""
    p = read(text)
    assert p.value(present) not in (None, False), present
    assert p.value(negative) is False, negative


def test_negation_scope_ends_at_a_new_verb() -> None:
    p = read("Not pregnant, not breastfeeding, uses an IUD.")
    assert p.value("pregnant") is False and p.value("breastfeeding") is False
    assert p.value("contraception") is True


@pytest.mark.parametrize(
    "text, asserted, denied",
    [
        ("No fever, HIV on ART.", "cond:hiv", "icd:R50.9"),
        ("No diabetes, hypertension controlled on amlodipine.", "cond:hypertension", "cond:diabetes"),
        ("Denies chest pain, brain mets s/p SRS.", "icd:C79.31", "icd:R07.9"),
    ],
)
def test_an_item_that_says_how_it_stands_is_out_of_the_denial_before_it(text: str, asserted: str, denied: str) -> None:
    p = read(text)
    assert p.value(asserted) not in (None, False), asserted
    assert p.value(denied) is False, denied


@pytest.mark.parametrize(
    "text, keys",
    [
        (
            "Denies asthma, COPD, or heart failure treated by a physician.",
            ("icd:J45", "icd:J44.9", "cond:heart_failure"),
        ),
        ("No lymphadenopathy, masses, or lesions seen.", ("icd:R59.1",)),
        ("No fever, chills or night sweats.", ("icd:R50.9", "icd:R61")),
    ],
)
def test_words_closing_a_denied_list_deny_every_item(text: str, keys: tuple[str, ...]) -> None:
    p = read(text)
    for key in keys:
        assert p.value(key) is False, key


def test_family_history_is_not_the_patients() -> None:
    p = read("My mother had breast cancer and my sister has rheumatoid arthritis.")
    assert p.get("cond:cancer") is None
    assert p.get("cond:other_autoimmune") is None
    assert any("family" in n for n in p.notes)


def test_hypothetical_stays_unknown() -> None:
    p = read("I might be pregnant. Thinking about starting methotrexate.")
    assert p.get("pregnant") is None
    assert p.get("med:methotrexate") is None and p.get("prior:methotrexate") is None


def test_contradiction_is_unknown_not_a_guess() -> None:
    p = read("I'm not pregnant. Actually I'm 10 weeks pregnant.")
    look = p.lookup("pregnant")
    assert look.fact is None and len(look.conflict) == 2


def test_what_is_not_said_is_unknown() -> None:
    p = read("34 yo female with lupus")
    for key in ("cond:cancer", "cond:hiv", "pregnant", "med:prednisone", "prior:rituximab", "trial"):
        assert p.get(key) is None


def test_labs_units_and_uln() -> None:
    p = read("Hb 95 g/L. ALT 120 (ULN 40). AST normal. IgG 3.5 g/L. ANA 1:320, anti-dsDNA positive. SLEDAI-2K 10.")
    assert p.value("lab:hb") == pytest.approx(9.5)
    assert p.get("lab:alt").detail["uln_multiple"] == 3  # type: ignore[union-attr]
    assert p.get("lab:ast").detail["normal"] is True  # type: ignore[union-attr]
    assert p.value("lab:igg") == pytest.approx(350)
    assert p.value("lab:ana") == 320
    assert p.value("lab:anti_dsdna") is True
    assert p.value("score:sledai") == 10


def test_stable_doses_and_changes() -> None:
    assert read("doses unchanged for 6 months").value("meds_stable_months") == 6
    assert read("my doctor increased my prednisone to 10 mg two weeks ago").value(
        "meds_stable_months"
    ) == pytest.approx(0.46, 0.05)


def test_cancer_subtypes_for_exceptions() -> None:
    p = read("Basal cell carcinoma removed from my nose 2 years ago.")
    assert p.value("cond:cancer") is True
    assert p.get("cond:cancer").detail["subtype"] == "basal_cell"  # type: ignore[union-attr]
    assert p.get("cond:cancer").when_months == 24  # type: ignore[union-attr]


def test_trial_name_is_not_a_treatment() -> None:
    p = read("Referral for the IL-2 study: 29 y/o woman. Not in any trial.")
    assert p.get("prior:interleukin-2") is None
    assert p.value("trial") is False


@pytest.mark.parametrize("text", ["I am 300 years old and weigh -5 kg.", "", "x" * 200_000, "💊💊💊 ???"])
def test_absurd_empty_and_huge_inputs_do_not_crash(text: str) -> None:
    p = read(text)
    assert p.get("age") is None and p.get("weight_kg") is None


def test_cue_words_are_data_checked_on_load() -> None:
    """The negation-scope and time cue words live in eligibility/data/cues.toml; a broken entry is one
    clear error naming its key, and the shipped file loads whole."""
    from importlib import resources

    from eligibility.cues import EXPECTED, load_cues
    from trialscreen.errors import TrialscreenError

    shipped = resources.files("eligibility").joinpath("data/cues.toml").read_text("utf-8")
    loaded = load_cues(shipped)
    assert {s: tuple(v) for s, v in loaded.items()} == EXPECTED
    broken = shipped.replace("recent = '\\brecent(ly)?\\b'", "recent = '(unclosed'")
    with pytest.raises(TrialscreenError, match=r"\[time\] recent is not a valid regular expression"):
        load_cues(broken)
    with pytest.raises(TrialscreenError, match=r"\[facts\] healthy_volunteer is missing"):
        load_cues(shipped.split("[facts]")[0])


def test_note_words_are_data_checked_on_load() -> None:
    """The words a note uses for what the reader takes from it (age, sex, lupus, medicines, pregnancy)
    live in eligibility/data/note_words.toml: the shipped file loads whole, and a broken or missing
    entry is one clear error naming the file and its key."""
    from importlib import resources

    from eligibility.cues import NOTE_EXPECTED, load_note_words
    from trialscreen.errors import TrialscreenError

    shipped = resources.files("eligibility").joinpath("data/note_words.toml").read_text("utf-8")
    assert {s: tuple(v) for s, v in load_note_words(shipped).items()} == NOTE_EXPECTED
    broken = shipped.replace("pregnant = '", "pregnant = '(unclosed")
    with pytest.raises(TrialscreenError, match=r"note_words.toml: \[reproductive\] pregnant is not a valid"):
        load_note_words(broken)
    with pytest.raises(TrialscreenError, match=r"note_words.toml: \[history\] trial is missing"):
        load_note_words(shipped.split("[history]")[0])


@pytest.mark.parametrize(
    "text, black",
    [
        ("Black stools for 2 days, no abdominal pain.", None),
        ("White blood cell count 3.1, black tarry stool.", None),
        ("45 yo black woman with SLE since 2019.", True),
        ("Race: Black. SLE.", True),
        ("I am African American and have lupus.", True),
        ("Caucasian female with lupus nephritis.", False),
    ],
)
def test_race_is_read_only_where_a_person_is_described(text: str, black: bool | None) -> None:
    """A colour word about stools or cells says nothing about the person's race."""
    fact = read_patient(text, date(2026, 1, 1)).get("race:black")
    assert (None if fact is None else fact.value) == black


@pytest.mark.parametrize("text, months", [("I'm 52, male, SLE for 10 years", 120.0), ("lupus for a year", 12.0)])
def test_how_long_a_diagnosis_has_been_is_when_it_was_made(text: str, months: float) -> None:
    fact = read(text).get("dx:sle")
    assert fact is not None and fact.value is True and fact.when_months == months


@pytest.mark.parametrize(
    "text", ["any trials for me?", "I have SLE, any lupus studies for me?", "could I join a trial?"]
)
def test_a_trial_looked_for_is_not_one_taken_part_in(text: str) -> None:
    assert read(text).get("trial") is None
    assert read("took part in a clinical trial 2 months ago").value("trial") is True


@pytest.mark.parametrize(
    "text, denied",
    [
        ("No HIV, HBV, HCV (all tested 2024).", ("cond:hiv", "cond:hbv", "cond:hcv")),
        ("No HIV, HBV or HCV (screened March 2024).", ("cond:hiv", "cond:hbv", "cond:hcv")),
    ],
)
def test_a_year_after_a_denied_list_dates_the_whole_list(text: str, denied: tuple[str, ...]) -> None:
    p = read(text)
    for key in denied:
        assert p.value(key) is False, key


@pytest.mark.parametrize(
    "text, asserted",
    [
        ("No headache, brain mets post-SRS.", "icd:C79.31"),
        ("No seizures, brain metastases radiographically unchanged.", "icd:C79.31"),
        ("No hepatitis B, HIV well suppressed.", "cond:hiv"),
        ("No fever, HIV on dolutegravir.", "cond:hiv"),
        ("No hepatitis B, rheumatoid arthritis on methotrexate.", "icd:M06.9"),
    ],
)
def test_an_item_that_says_how_it_stands_in_other_words_is_out_of_the_denial(text: str, asserted: str) -> None:
    assert read(text).value(asserted) not in (None, False), asserted


@pytest.mark.parametrize(
    "text, kind_key, concept_key",
    [
        ("No DVT.", "icd:I82.40", "cond:thrombosis"),
        ("Denies lymphoma.", None, "cond:cancer"),
    ],
)
def test_a_denied_kind_is_no_denial_of_its_whole_concept(text: str, kind_key: str | None, concept_key: str) -> None:
    # "No DVT" cleared "History of pulmonary embolism": the denial of one kind of thrombosis denied them all
    p = read(text)
    assert p.get(concept_key) is None, concept_key
    if kind_key:
        assert p.value(kind_key) is False


@pytest.mark.parametrize(
    "text, denied",
    [
        # a review of systems closes its list with "and": the last item is denied like the others (a review
        # found these read as had once "and" no longer joined the list)
        ("Denies polyuria, polydipsia, and hypoglycemia on insulin.", "icd:E16.2"),
        ("Denies nausea, vomiting, and diarrhea on metformin.", "icd:R19.7"),
        ("No MI, arrhythmia, and stroke post-operatively.", "icd:I63.9"),
        ("No MI, stroke post-operatively.", "icd:I63.9"),
    ],
)
def test_the_last_item_of_a_denied_list_is_denied(text: str, denied: str) -> None:
    assert read(text).value(denied) is False, denied
