"""Vocabularies from packages with our layer on top: what a reader of criteria and notes notices."""

from __future__ import annotations

import functools
import importlib.util
import socket
import time
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility import concepts as concept_module
from eligibility.concepts import concepts_in, load_concepts
from trialscreen import datafile
from trialscreen.errors import TrialscreenError
from trialscreen.vocab import abbreviations, conditions, drugs, units, unspecified
from trialscreen.vocab.errors import UnitMismatchError, UnknownUnitError, VocabularyDataError
from trialscreen.vocab.phrases import trie_pattern
from trialscreen.vocabulary import vocabulary


def names(text: str, unknown: bool = False) -> list[str]:
    return [d.name for d in vocabulary().drugs_in(text, unknown=unknown)]


def concept_keys(text: str) -> list[str]:
    return [c.key for c, _, _ in concepts_in(text)]


# -- drugs -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "drug"),
    [
        ("Currently on Benlysta monthly", "belimumab"),
        ("Rituxan in 2021", "rituximab"),
        ("MabThera infusion last year", "rituximab"),
        ("Plaquenil 200 mg twice daily", "hydroxychloroquine"),
        ("CellCept 1 g BID", "mycophenolate mofetil"),
        # names only the package knows: not in our vocabulary.toml
        ("Deltasone 10 mg daily", "prednisone"),
        ("was switched to Imurel", "azathioprine"),
        ("ciclosporin since 2020", "cyclosporine"),
        ("Rheumatrex weekly", "methotrexate"),
        # drug abbreviations from abbreviations.toml
        ("s/p RTX x2", "rituximab"),
        ("AZA 100 mg", "azathioprine"),
        ("on pred 5 mg", "prednisone"),
    ],
)
def test_brand_names_synonyms_and_abbreviations_name_our_drug(text: str, drug: str) -> None:
    assert drug in names(text)


def test_a_drug_found_by_brand_keeps_our_class_and_prednisone_equivalent() -> None:
    (term,) = vocabulary().drugs_in("Deltasone 10 mg")
    assert "corticosteroid" in term.classes
    assert vocabulary().prednisone_equivalent(term.name, 10) == 10


def test_a_class_phrase_is_not_read_as_one_drug_of_the_class() -> None:
    # the package lists "anti-tumor necrosis factor-alpha" under infliximab; a criterion means the class
    assert names("no prior anti-tumor necrosis factor-alpha therapy") == []
    assert [c.name for c in vocabulary().drug_classes_in("anti-tumor necrosis factor therapy")] == ["anti-tnf"]


def test_drugs_the_package_knows_and_we_do_not_come_back_without_a_class_when_asked() -> None:
    text = "on metformin and aspirin 81 mg; Plaquenil"
    assert names(text) == ["hydroxychloroquine"]
    found = vocabulary().drugs_in(text, unknown=True)
    assert [d.name for d in found] == ["hydroxychloroquine", "metformin", "aspirin"]
    assert found[1].classes == ()


def test_everyday_words_in_the_package_are_not_drugs() -> None:
    assert names("Subjects must give consent today; water and oxygen allowed", unknown=True) == []


def test_an_abbreviation_keeps_its_case_where_the_data_says_exact() -> None:
    assert "rituximab" not in names("the rtx sample")  # "RTX" is exact-case: lower case is not the drug


def test_a_drug_abbreviation_for_a_drug_we_do_not_have_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = datafile.parse(
        abbreviations.AbbreviationsData,
        '[[abbreviation]]\nshort = "XYZ"\nlong = "xyzumab"\nkind = "drug"\ndrug = "xyzumab"\n',
        "abbreviations.toml",
    )
    monkeypatch.setattr(abbreviations, "abbreviations", lambda: abbreviations.Abbreviations(bad))
    vocabulary.cache_clear()
    try:
        with pytest.raises(TrialscreenError, match=r"xyzumab.*vocabulary\.toml"):
            vocabulary()
    finally:
        vocabulary.cache_clear()


# -- conditions ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("breast cancer in 2022", "C50"),
        ("glioblastoma", "C71"),
        ("Hodgkin lymphoma", "C81"),
        ("Hodgkin's disease", "C81"),
        ("adenocarcinoma of the colon", "C18"),
        ("cancers of the ovary", "C56"),
        ("ovarian cancer", "C56"),
        ("leukaemia", "C95.9"),
        ("history of DVT", "I82.40"),
        ("Crohn disease", "K50"),
    ],
)
def test_condition_names_get_their_icd10cm_code(text: str, code: str) -> None:
    assert code in conditions.codes_in(text)


def test_the_hierarchy_puts_a_cancer_under_malignancy() -> None:
    (code,) = conditions.codes_in("breast cancer in 2022")
    assert conditions.is_a(code, "C00-C96")  # malignant neoplasms
    assert conditions.is_a(code, "2")  # chapter 2, neoplasms
    assert conditions.is_a("C50.911", "C50")
    assert not conditions.is_a(code, "I00-I99")
    assert not conditions.is_a("I82.40", "C00-C96")


def test_ranges_follow_icd_order_and_codes_with_a_seventh_character_walk_up() -> None:
    assert not conditions.is_a("C7A.0", "C76-C80")  # C7A comes after C75 and before C76 in ICD-10-CM
    assert conditions.is_a("C7A.0", "C00-C96")
    assert conditions.is_a("S72.001A", "S72")


def test_an_unknown_reference_is_a_clear_error() -> None:
    with pytest.raises(VocabularyDataError, match="not an ICD-10-CM"):
        conditions.is_a("C50", "cancer")


def test_criterion_and_patient_words_meet_through_the_hierarchy() -> None:
    criterion = concept_keys("History of malignancy within the past 5 years")
    for patient in ("glioblastoma resected in 2021", "Hodgkin lymphoma in 2019", "adenocarcinoma of the colon"):
        assert "cancer" in criterion and "cancer" in concept_keys(patient), patient


JOINED = (
    "small cell or non-small cell lung cancer",
    "type 1 or type 2 diabetes",
    "prostate, breast or colon cancer",
    "History of breast, ovarian or endometrial cancer",
)


@settings(deadline=None)
@given(st.sampled_from(JOINED), st.lists(st.sampled_from([" ", "  ", "\t", " \n "]), min_size=12, max_size=12))
def test_joined_names_read_the_same_however_they_are_spaced(text: str, gaps: list[str]) -> None:
    """Pasted notes carry double spaces and line breaks; "small  cell or non-small cell lung cancer"
    raised an error from the reading of joined names."""
    words = text.split(" ")
    spaced = "".join(w + gaps[i % len(gaps)] for i, w in enumerate(words)).rstrip()
    found = conditions.conditions_in(spaced)
    assert [m.codes for m in found] == [m.codes for m in conditions.conditions_in(text)]
    for m in found:
        assert spaced[m.start : m.end] == m.text


@functools.cache
def _unspecified_codes() -> list[str]:
    kinds = conditions.kinds()
    return [c for c in conditions.icd10cm() if "-" not in c and not c.isdigit() and kinds.core(c)]


@settings(deadline=None, max_examples=150)
@given(st.data())
def test_the_kinds_of_an_unspecified_code_are_named_by_it(data: st.DataObject) -> None:
    """Whatever unspecified code ICD-10-CM files a name under, what it stands for is the code itself and
    codes named by its condition: never a code joining it to another condition ("Atrial fibrillation and
    flutter"), never an ancestor with a wider name, never a code outside its chapter."""
    icd = conditions.icd10cm()
    kinds = conditions.kinds()
    general = data.draw(st.sampled_from(_unspecified_codes()))
    core = kinds.core(general)
    assert core and "unspecified" not in core
    members = kinds.members(general)
    assert general in members
    for code in members - {general}:
        name = unspecified.plain(icd.description[code])
        assert core in name.replace("unspecified ", "").replace(", unspecified", ""), (general, code)
        assert icd.chapter(code) == icd.chapter(general)
        assert f"{core} and " not in name and f"and {core}" not in name, (general, code)
        if code in icd.lineage(general) and code != general:
            assert kinds.core(code) in (None, core) or unspecified.plain(icd.description[code]).startswith(core)
    other = data.draw(st.sampled_from(sorted(icd.parent)))
    if conditions.is_kind(other, general) and not conditions.is_a(other, general):
        assert any(a in members for a in icd.lineage(other))


def test_a_name_said_without_its_kind_takes_its_kinds_only() -> None:
    af = conditions.codes_in("atrial fibrillation")[0]
    assert conditions.is_kind("I48.0", af) and not conditions.is_a("I48.0", af)  # paroxysmal
    assert not conditions.is_kind("I48.92", af) and not conditions.is_kind("I48", af)  # flutter; AF and flutter
    t2 = conditions.codes_in("type 2 diabetes")[0]
    assert conditions.is_kind("E11", t2) and conditions.is_kind("E11.21", t2)
    assert not conditions.is_kind("E10.9", t2)
    ckd3 = conditions.kinds().core("N18.30")
    assert ckd3 == "chronic kidney disease, stage 3"  # the stage is said; only 3a or 3b is not
    assert not conditions.is_kind("N18.4", "N18.30")
    assert not conditions.is_kind("D75.A", "D64.9")  # "G6PD deficiency without anemia" is no anemia


def test_a_thrombosis_names_the_thrombosis_concept() -> None:
    assert concept_keys("deep vein thrombosis in 2018") == ["thrombosis"]
    assert concept_keys("pulmonary embolism") == ["thrombosis"]


def test_our_patterns_still_apply_on_top() -> None:
    assert concept_keys("a tumour of the skin") == ["cancer"]
    assert concept_keys("HIV positive") == ["hiv"]
    assert concept_keys("ankylosing spondylitis") == ["other_autoimmune"]  # only ICD-10-CM knows this one


def test_psychosis_in_a_lupus_criterion_is_not_a_mental_disorder() -> None:
    assert "mental_disorder" not in concept_keys("active CNS lupus (including seizures, psychosis)")


def test_a_bad_icd10cm_entry_in_concepts_is_a_clear_error() -> None:
    bad = '[[concept]]\nkey = "x"\npatterns = ["x"]\nquestion = "q"\nicd10cm = ["cancer"]\n'
    with pytest.raises(TrialscreenError, match=r"concepts\.toml: x: icd10cm"):
        load_concepts(bad)


def test_a_bad_term_in_conditions_data_is_a_clear_error() -> None:
    text = (
        '[index]\nchapters = ["2"]\nmin_single_word = 5\n'
        '[neoplasm]\nrange = "C00-C96"\nsource = "malignant neoplasm of "\ntemplates = ["{site} cancer"]\n'
        '[general]\nmarks = ["unspecified"]\n'
        '[[term]]\ncodes = ["cancer"]\nnames = ["x"]\n'
    )
    with pytest.raises(VocabularyDataError, match=r"conditions.toml: term.0.codes"):
        datafile.parse(conditions.ConditionsData, text, "conditions.toml")
    no_marks = text.replace('marks = ["unspecified"]', "marks = []").replace('codes = ["cancer"]', 'codes = ["C50"]')
    with pytest.raises(VocabularyDataError, match=r"conditions.toml: general.marks"):
        datafile.parse(conditions.ConditionsData, no_marks, "conditions.toml")


def test_condition_lookup_is_fast() -> None:
    criterion = (
        "Malignancy within the past 5 years, except adequately treated basal cell or squamous cell "
        "carcinoma of the skin or carcinoma in situ of the cervix; history of deep vein thrombosis."
    )
    conditions.conditions_in(criterion)  # the index is built once
    start = time.process_time()
    for _ in range(200):
        conditions.conditions_in(criterion)
    per_call = (time.process_time() - start) / 200
    assert per_call < 0.001, f"{per_call * 1e6:.0f} µs per {len(criterion)}-character criterion"


# -- units --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        (1.2, "mg/dL", "g/L", 0.012),
        (4.5, "x10^9/L", "/mm3", 4500),
        (4.5, "×10⁹/L", "cells/µL", 4500),
        (150, "x10^3/µL", "10^9/L", 150),
        (60, "mL/min/1.73m²", "ml/min/1.73 m2", 60),
        (1, "mg/dL", "µmol/L", 88.4),  # creatinine, below with its molar mass
        (13, "g/dL", "g/L", 130),
        (1, "g/24h", "mg/day", 1000),
    ],
)
def test_units_convert(value: float, source: str, target: str, expected: float) -> None:
    substance = "creatinine" if "mol" in target else ""
    assert units.convert(value, source, target, substance=substance) == pytest.approx(expected, rel=1e-3)


def test_an_unknown_unit_says_where_to_add_it() -> None:
    with pytest.raises(UnknownUnitError, match=r"'blorps/dL'.*units.toml"):
        units.convert(1, "blorps/dL", "mg/dL")


def test_units_of_different_kinds_do_not_convert() -> None:
    with pytest.raises(UnitMismatchError, match="different things"):
        units.convert(1, "mg/dL", "/mm3")
    with pytest.raises(UnitMismatchError, match="substance="):
        units.convert(1, "mg/dL", "µmol/L")


def test_giga_per_litre_is_not_grams_per_litre() -> None:
    assert units.convert(4.5, "G/L", "/mm3") == pytest.approx(4500)
    assert units.convert(4.5, "g/L", "mg/dL") == pytest.approx(450)


PAIRS = [
    ("mg/dL", "g/L", ""),
    ("x10^9/L", "/mm3", ""),
    ("cells/µL", "10^9/L", ""),
    ("mL/min/1.73m2", "mL/s/1.73m2", ""),
    ("mg/dL", "µmol/L", "creatinine"),
    ("mmol/L", "mg/dL", "glucose"),
    ("mg/mg", "mg/mmol", "creatinine"),
]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(PAIRS), st.floats(min_value=1e-6, max_value=1e9, allow_nan=False, allow_infinity=False))
def test_a_conversion_and_its_inverse_give_the_value_back(pair: tuple[str, str, str], value: float) -> None:
    source, target, substance = pair
    there = units.convert(value, source, target, substance=substance)
    assert there > 0
    assert units.convert(there, target, source, substance=substance) == pytest.approx(value, rel=1e-9)


# -- abbreviations ------------------------------------------------------------------------------------


def test_abbreviations_are_written_out() -> None:
    text = "h/o DVT, on HCQ 200 mg BID and pred 5 mg qd; CrCl 45; PPD or IGRA negative; uPCR 0.5"
    assert abbreviations.expand(text) == (
        "history of deep vein thrombosis, on hydroxychloroquine 200 mg twice a day and prednisone 5 mg once a day; "
        "creatinine clearance 45; purified protein derivative (tuberculin skin test) or interferon-gamma "
        "release assay negative; urine protein-to-creatinine ratio 0.5"
    )


def test_abbreviations_inside_words_units_or_codes_are_left_alone() -> None:
    text = "mg/dL, HCQ-1 study, TBD, Hbx"
    assert abbreviations.expand(text) == text


def test_an_ambiguous_abbreviation_is_not_expanded() -> None:
    assert abbreviations.expand("abnormal PE findings") == "abnormal PE findings"


def test_lookup_gives_kind_and_meaning() -> None:
    entry = abbreviations.lookup("bid")
    assert entry is not None and entry.long == "twice a day" and entry.kind == "dosing"
    assert abbreviations.lookup("UPCR") is not None and abbreviations.lookup("xyz") is None


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[[abbreviation]]\nshort = "HCQ"\nlong = "hydroxychloroquine"\n', r"abbreviation.0.kind"),
        ('[[abbreviation]]\nshort = "HCQ"\nlong = "hcq"\nkind = "potion"\n', r"abbreviation.0.kind"),
        ('[[abbreviation]]\nshort = "BID"\nlong = "twice"\nkind = "dosing"\ndrug = "x"\n', "kind = 'drug' only"),
        (
            '[[abbreviation]]\nshort = "A1"\nlong = "aa"\nkind = "lab"\n'
            '[[abbreviation]]\nshort = "A1"\nlong = "bb"\nkind = "lab"\n',
            "listed twice",
        ),
        ("[[abbreviation]\n", "not valid TOML"),
    ],
)
def test_a_bad_abbreviations_file_is_one_clear_error(toml: str, message: str) -> None:
    with pytest.raises(VocabularyDataError, match=rf"abbreviations.toml: .*{message}"):
        datafile.parse(abbreviations.AbbreviationsData, toml, "abbreviations.toml")


# -- the data behind it ---------------------------------------------------------------------------------


def test_trie_pattern_matches_exactly_its_names() -> None:
    import re

    pattern = re.compile(rf"^(?:{trie_pattern(['rituxan', 'rituximab', 'ritu x', 'r.x'])})$")
    for name in ("rituxan", "rituximab", "ritu x", "r.x"):
        assert pattern.match(name)
    for other in ("ritux", "rituximabs", "rax", ""):
        assert not pattern.match(other)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network used")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    yield


def test_everything_loads_and_answers_with_no_network(no_network: None) -> None:
    for cached in (conditions.icd10cm, conditions.index, drugs.drug_names, units.units, abbreviations.abbreviations):
        cached.cache_clear()
    concept_module._mentions.cache_clear()
    vocabulary.cache_clear()
    assert conditions.codes_in("glioblastoma") == ["C71"]
    assert "belimumab" in names("Benlysta")
    assert drugs.drugs_in("Rituxan")[0].names == ("rituximab",)
    assert units.convert(1, "mg/dL", "g/L") == pytest.approx(0.01)
    assert abbreviations.expand("HCQ") == "hydroxychloroquine"


@pytest.mark.skipif(
    importlib.util.find_spec("simple_icd_10_cm") is None
    or importlib.util.find_spec("drug_named_entity_recognition") is None,
    reason="the vocab extra is not installed (pip install -e '.[vocab]')",
)
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # simple-icd-10-cm's own importlib use
def test_the_snapshots_match_the_pinned_packages() -> None:
    from trialscreen.vocab import build

    assert build.main(["--check"]) == 0, "run: python -m trialscreen.vocab.build"
