"""Which trial a question names (retrieval/resolve.py), over the bundled trials and the 43 external
lupus trials: title acronyms in capitals or mixed case, a word only one title (or one record) uses,
shorthand, and questions across trials."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from index.readers import read_trial
from retrieval.resolve import resolve_trials
from tests.conftest import BUNDLED
from trialscreen.model import Trial

LUPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "external" / "lupus"
CTGOV = Path(__file__).resolve().parents[2] / "shared" / "data" / "ctgov"


@dataclass
class _Catalog:
    """The catalog's one method resolution reads: every trial, as the indexer parsed it."""

    all: list[Trial]

    def trials(self) -> list[Trial]:
        return self.all


@pytest.fixture(scope="module")
def catalog() -> _Catalog:
    if not LUPUS.is_dir():
        if os.environ.get("CI"):
            pytest.fail("CI runs with shared/ beside the clone: the external lupus trials must be found")
        pytest.skip("the external lupus trials are not beside this checkout")
    paths = [p for d in (BUNDLED, CTGOV, LUPUS) for p in sorted(d.iterdir()) if p.suffix in (".txt", ".json")]
    return _Catalog([read_trial(p) for p in paths if p.name != "README.md"])


@pytest.mark.parametrize(
    ("question", "trial"),
    [
        ("min SLEDAI for MiSLE", "NCT02633163"),  # an acronym in mixed case ...
        ("is misle still enrolling?", "NCT02633163"),  # ... is read in any case
        ("age range for the LIST study", "NCT00230035"),  # one in capitals, as written
        ("does the yoga study exclude pts on 30mg pred daily?", "NCT01176643"),  # a word one title has
        ("blood donation rules in the cutaneous lupus profiling study", "NCT01923415"),
        ("does the rapamycin SLE study exclude pts on tacrolimus?", "NCT00779194"),  # not the drug asked about
        ("does the 23andMe lupus study need a saliva sample?", "NCT02530944"),  # a word only its record uses
        ("does the vit D trial exclude pregnancy?", "NCT01413230"),  # shorthand: vit = vitamin
        ("is the CASTLE study recruiting?", "NCT01520155"),
    ],
)
def test_a_trial_is_found_by_the_words_naming_it(catalog: _Catalog, question: str, trial: str) -> None:
    found = resolve_trials(question, catalog)  # type: ignore[arg-type]
    assert found.trials == [trial] and not found.fan_out, found


@pytest.mark.parametrize(
    "question",
    [
        "list the trials that exclude HIV",  # "list" is not the LIST trial
        "which lupus trials use CAR-T cells?",
        "which trial allows the highest daily prednisone dose?",  # one trial asked for, every trial compared
    ],
)
def test_a_question_across_trials_fans_out(catalog: _Catalog, question: str) -> None:
    assert resolve_trials(question, catalog).fan_out  # type: ignore[arg-type]


def test_words_set_in_odd_capitals_are_no_acronym(catalog: _Catalog) -> None:
    # "CArdiovascular Risk Assessment STudy" (CASTLE): "study" in a question does not name it
    found = resolve_trials("what SLEDAI does the study need?", catalog)  # type: ignore[arg-type]
    assert found.trials != ["NCT01520155"]
