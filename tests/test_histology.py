"""A cancer's histology beside its site (trialscreen/data/histology.toml). ICD-10-CM codes "small cell
lung cancer", "adenocarcinoma of the lung" and "NSCLC" alike (C34): before, an NSCLC inclusion was met by a
small cell lung cancer, "Diagnosis of lung adenocarcinoma" by a squamous cell one, and "No small cell lung
cancer" cleared a "Lung cancer" exclusion."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eligibility.engine import screen
from eligibility.extract import read_patient
from tests.test_reading import trial_of
from trialscreen import datafile
from trialscreen.vocab import conditions as icd
from trialscreen.vocab.errors import VocabularyDataError
from trialscreen.vocab.histology import HistologyData, fits, histology, named_at

TODAY = date(2026, 1, 1)
GROUPS = sorted(histology().under)


def status(criterion: str, note: str, kind: str = "inclusion") -> str:
    inclusion, exclusion = ([criterion], []) if kind == "inclusion" else ([], [criterion])
    trial, compiled = trial_of(inclusion, exclusion)
    verdicts = screen(trial, compiled, read_patient(note, TODAY), TODAY).verdicts
    return str(next(v for v in verdicts if v.criterion.kind == kind).status)


@settings(max_examples=120, derandomize=True, deadline=None)
@given(a=st.sampled_from(GROUPS), b=st.sampled_from(GROUPS))
def test_a_histology_fits_itself_and_its_kinds_never_another(a: str, b: str) -> None:
    under = histology().under
    verdict = fits((a,), (b,))
    if a == b or b in under[a]:
        assert verdict is True  # an adenocarcinoma is a non-squamous carcinoma
    elif a in under[b]:
        assert verdict is None  # "NSCLC" does not say whether it is an adenocarcinoma
    else:
        assert verdict is False
    assert fits((), (b,)) is True and fits((a,), ()) is None


@pytest.mark.parametrize(
    "words, groups",
    [
        ("62M with small cell lung cancer", ("small_cell",)),
        ("Non-small cell lung cancer", ("non_small_cell",)),
        ("metastatic non-squamous NSCLC", ("non_squamous",)),
        ("invasive ductal carcinoma of the breast", ("ductal",)),
        ("lung cancer of squamous histology", ("squamous",)),
        ("Adenocarcinoma of the esophagus", ("adenocarcinoma",)),
        ("breast cancer", ()),
        ("lung cancer and a squamous cell carcinoma of the skin", ()),
    ],
)
def test_the_histology_of_a_condition_is_read_in_its_phrase(words: str, groups: tuple[str, ...]) -> None:
    first = icd.conditions_in(words)[0]
    assert named_at(words, first.start, first.end) == groups


CASES = {
    "small cell": "A 62-year-old man with small cell lung cancer, extensive stage.",
    "squamous": "62M with squamous cell carcinoma of the lung, stage IV.",
    "adenocarcinoma": "Adenocarcinoma of the lung, EGFR mutated.",
}
CRITERIA = {
    "Non-small cell lung cancer": {"squamous", "adenocarcinoma"},
    "NSCLC": {"squamous", "adenocarcinoma"},
    "Non-squamous NSCLC": {"adenocarcinoma"},
    "Diagnosis of lung adenocarcinoma": {"adenocarcinoma"},
    "Small cell lung cancer": {"small cell"},
}


@pytest.mark.parametrize("criterion", sorted(CRITERIA))
@pytest.mark.parametrize("case", sorted(CASES))
def test_an_inclusion_of_one_histology_is_met_only_by_it(criterion: str, case: str) -> None:
    got = status(criterion, CASES[case])
    assert got == ("met" if case in CRITERIA[criterion] else "unknown"), (criterion, case, got)


@pytest.mark.parametrize(
    "denied", ["small cell lung cancer", "NSCLC", "lung adenocarcinoma", "squamous cell lung cancer"]
)
def test_a_denied_histology_does_not_deny_the_site(denied: str) -> None:
    assert status("Lung cancer", f"No {denied}.", kind="exclusion") == "unknown"
    assert status("Lung cancer", "No lung cancer.", kind="exclusion") == "not_met"


def test_a_cancer_of_another_histology_is_asked_about_and_its_own_meets() -> None:
    assert status("Squamous cell carcinoma", CASES["adenocarcinoma"], kind="exclusion") == "unknown"
    assert status("Squamous cell carcinoma", CASES["squamous"], kind="exclusion") == "met"
    # the note names two cancers: the one of the asked histology decides
    assert status("Adenocarcinoma", "Gastric cancer in 2019. " + CASES["adenocarcinoma"]) == "met"


def test_a_broken_histology_file_names_its_entry() -> None:
    reading = '[reading]\nphrase_end = ","\ngives_histology = "type"\n'
    bad = reading + '[groups.a]\nnames = ["x"]\nkinds = ["nowhere"]\n'
    with pytest.raises(VocabularyDataError, match=r"histology.toml: .*not groups of the file"):
        datafile.parse(HistologyData, bad, "histology.toml")
    circle = reading + '[groups.a]\nnames = ["x"]\nkinds = ["b"]\n[groups.b]\nnames = ["y"]\nkinds = ["a"]\n'
    with pytest.raises(VocabularyDataError, match="kind of itself"):
        datafile.parse(HistologyData, circle, "histology.toml")


@pytest.mark.parametrize("dash", ["-", "\u2013", "\u2011", "\u2010"])
def test_non_small_cell_with_any_dash_is_no_small_cell(dash: str) -> None:
    # "non–small cell lung cancer" (an en dash) was read as small cell: an SCLC patient met the inclusion
    words = f"non{dash}small cell lung cancer"
    assert status(f"Patients with {words}", CASES["small cell"]) == "unknown"
    assert status("NSCLC", f"58M with stage IV {words}.") == "met"
    assert status("Small cell lung cancer", f"58M with stage IV {words}.", kind="exclusion") != "met"


@pytest.mark.parametrize(
    "criterion, note",
    [
        ("Adenocarcinoma of the lung", "68F h/o breast IDC 2012 now lung cancer, biopsy pending."),
        ("Squamous cell carcinoma of the esophagus", "68M h/o cutaneous SCC s/p Mohs now esophageal cancer."),
        ("Pancreatic adenocarcinoma", "60F h/o serous ovarian ca 2018 now pancreatic cancer."),
    ],
)
def test_another_cancer_s_histology_is_not_borrowed(criterion: str, note: str) -> None:
    assert status(criterion, note) == "unknown"


def test_a_histology_in_a_bracket_after_the_cancer_is_read() -> None:
    note = "58M with stage IV lung cancer (adenocarcinoma, EGFR exon 19 deletion)."
    assert status("Lung adenocarcinoma", note) == "met"
    assert status("Small cell lung cancer", note) == "unknown"


def test_a_denied_histology_that_is_its_own_code_is_denied() -> None:
    # "melanoma" is C43 whole: its denial still settles the exclusion
    assert status("History of melanoma", "66M. No history of melanoma.", kind="exclusion") == "not_met"
    assert status("Lung cancer", "No adenocarcinoma.", kind="exclusion") == "unknown"


@pytest.mark.parametrize(
    "criterion",
    [
        "History of cancer (other than GBM) within the past 2 years",
        "Cancer [excluding non-melanoma skin cancer] not in remission",
        "Malignancy within 5 years except adequately treated squamous cell carcinoma of the skin",
    ],
)
def test_what_a_criterion_excepts_gives_no_histology_to_the_rest(criterion: str) -> None:
    # the excepted GBM or non-melanoma skin cancer was read as the histology asked for: a breast cancer
    # was no longer a case of the exclusion
    assert status(
        criterion, "Invasive ductal carcinoma of the breast diagnosed 2025, on chemotherapy.", "exclusion"
    ) == ("met")
