"""The coverage suite: what share of real criteria get a reading, what numbers a rule drops, how fast."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from eligibility.reading import Mode, Reading
from evals.coverage import (
    find_corpus,
    reading_mode,
    run_coverage,
    silent_numbers,
)
from evals.gates import GateConfig, advisories, check, load_gates
from evals.report import write_report
from evals.runner import run_files
from tests.test_csv_trials import ASTHMA, GLIOMA, row, table
from trialscreen.errors import TrialscreenError

# The external corpora, beside the checkout as in CI (../shared/data/external).
EXTERNAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "external"
MISSING = "the external trials are not beside this checkout (../shared/data/external)"


def _external_or_skip() -> None:
    if not (EXTERNAL / "hint").is_dir():
        if os.environ.get("CI"):
            pytest.fail("CI runs with shared/ beside the clone: the external trials must be found")
        pytest.skip(MISSING)


@dataclass
class _Rule:
    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return self.data


@dataclass
class _Compiled:
    rule: _Rule | None = None
    team: bool = False
    reading: Reading | None = None
    used: list[tuple[int, int]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def test_the_reading_mode_comes_from_the_reading_and_else_from_the_rule() -> None:
    assert reading_mode(_Compiled(_Rule({"kind": "age", "min": 18}))) == "rule"
    assert reading_mode(_Compiled(team=True)) == "team"
    assert reading_mode(_Compiled()) == "none"
    partly = Reading(Mode.PARTLY, "prednisone, any dose", unused=("more than 20 mg/day",))
    assert reading_mode(_Compiled(_Rule({"kind": "treatment"}), reading=partly)) == "partly"


def test_a_number_the_rule_does_not_use_is_a_silent_drop() -> None:
    text = "Current use of more than 20 mg/day prednisone for at least 4 weeks"
    any_prednisone = _Compiled(_Rule({"kind": "treatment", "drugs": ["prednisone"], "min_dose_mg_day": None}))
    assert silent_numbers(text, any_prednisone) == ["more than 20 mg/day", "at least 4 weeks"]
    capped = _Compiled(_Rule({"kind": "treatment", "min_dose_mg_day": 20.0, "within_months": 0.92}))
    assert silent_numbers(text, capped) == []  # 4 weeks kept as 0.92 months is used
    assert silent_numbers("Age 18 to 65 years", _Compiled(_Rule({"kind": "age", "min": 18, "max": 65}))) == []
    # what the compiler says it used counts as used
    assert silent_numbers(text, _Compiled(any_prednisone.rule, used=[(15, 66)])) == []
    # a partly understood criterion shows its unused words: not silent; nor is a study-team item
    partly = Reading(Mode.PARTLY, "prednisone", unused=("more than 20 mg/day",))
    assert silent_numbers(text, _Compiled(any_prednisone.rule, reading=partly)) == []
    assert silent_numbers(text, _Compiled(team=True)) == []


def _corpus(folder: Path) -> Path:
    folder.mkdir(parents=True)
    rows = [row("NCT00000001", GLIOMA), row("NCT00000002", ""), row("NCT00000003", ASTHMA)]
    (folder / "a.csv").write_text(table(rows), "utf-8")
    (folder / "b.csv").write_text(table([row("NCT00000003", GLIOMA), row("NCT00000004", GLIOMA)]), "utf-8")
    record = {"nctid": "NCT00000005", "title": "A study", "raw_criteria": "Patients are chosen by the doctor."}
    (folder / "NCT00000005.json").write_text(json.dumps(record), "utf-8")
    return folder


def test_a_corpus_reports_what_was_read_rejected_and_repeated(tmp_path: Path) -> None:
    result = run_coverage("mixed", _corpus(tmp_path / "mixed"), workers=1)
    s = result.summary()
    assert (s["files"], s["rows"], s["trials"], s["duplicates"]) == (3, 6, 3, 1)
    assert s["rejected"] == 2
    reasons = " | ".join(s["rejected_reasons"])
    assert "empty criteria cell" in reasons and "no eligibility criteria found" in reasons
    assert "the same trial as an earlier file" in reasons
    assert s["criteria"] == 4 + 3 + 4  # GLIOMA, ASTHMA, GLIOMA (the repeated row is not counted)
    assert sum(s["modes"].values()) == s["criteria"]
    read = s["modes"]["rule"] + s["modes"]["question"] + s["modes"]["team"]
    assert s["read"] == round(read / s["criteria"], 4)
    assert s["ms_per_criterion"] > 0 and s["ms_per_criterion_p95"] >= 0
    # two processes give the same figures (compile times aside)
    parallel = run_coverage("mixed", tmp_path / "mixed", workers=2).summary()
    timing = ("ms_per_criterion", "ms_per_criterion_p95", "seconds")
    assert {k: v for k, v in parallel.items() if k not in timing} == {k: v for k, v in s.items() if k not in timing}


def test_a_case_file_finds_its_corpus_or_says_where_it_looked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _corpus(tmp_path / "data" / "trials")
    cases = tmp_path / "coverage.jsonl"
    cases.write_text(json.dumps({"id": "mine", "corpus": "data/trials", "limit": 2}) + "\n", "utf-8")
    monkeypatch.setenv("TRIALSCREEN_CORPUS_ROOT", str(tmp_path))
    run = run_files([cases], services=None, progress=False)  # type: ignore[arg-type]  # compiles only
    metrics = run.metrics()["coverage"]["mine"]
    assert metrics["trials"] == 2 and metrics["criteria"] == 4 + 3
    monkeypatch.delenv("TRIALSCREEN_CORPUS_ROOT")
    with pytest.raises(TrialscreenError, match=r"no corpus at 'data/trials'.*TRIALSCREEN_CORPUS_ROOT"):
        find_corpus("data/trials", tmp_path / "elsewhere" / "coverage.jsonl")
    report = write_report(run, tmp_path / "report")
    for name in ("coverage_modes.png", "coverage_compile_ms.png"):
        assert (tmp_path / "report" / name).stat().st_size > 1000
    page = report.read_text("utf-8")
    assert "Coverage: criteria read" in page and "<img" in page


def test_coverage_gates_take_any_corpus_and_can_be_advisory(monkeypatch: pytest.MonkeyPatch) -> None:
    metrics = {"coverage": {"lupus": {"read": 0.6, "unused_numbers": 3}, "hint": {"read": 0.95, "unused_numbers": 0}}}
    limits = {"coverage.lupus.read": {"min": 0.95}, "coverage.*.unused_numbers": {"max": 0}}
    enforced = check(metrics, GateConfig(0.02, limits))
    assert enforced == [
        "coverage.lupus.read = 0.6 is below the gate minimum 0.95",
        "coverage.lupus.unused_numbers = 3 is above the gate maximum 0",
    ]
    config = GateConfig(0.02, limits, ("coverage.lupus.read",))
    assert check(metrics, config) == [enforced[1]] and advisories(metrics, config) == [enforced[0]]
    monkeypatch.setenv("TRIALSCREEN_GATES_ADVISORY", "")  # "": every gate of pyproject.toml is enforced
    gates = load_gates(Path(__file__).resolve().parent.parent / "pyproject.toml")
    assert gates.advisory == () and "coverage.*.unused_numbers" in gates.limits
    # compile times are held to their gate, not to a baseline's figure
    faster = {"coverage": {"hint": {"ms_per_criterion": 0.9, "read": 0.95}}}
    slower = {"coverage": {"hint": {"ms_per_criterion": 0.95, "read": 0.95}}}
    assert check(slower, GateConfig(0.02, {}), {"metrics": faster}) == []


def test_a_slice_of_the_real_trials() -> None:
    _external_or_skip()
    hint = run_coverage("hint", EXTERNAL / "hint", limit=60).summary()
    assert hint["trials"] == 60 and hint["criteria"] > 600
    assert 0.2 < hint["read"] <= 1.0 and sum(hint["modes"].values()) == hint["criteria"]
    assert 0 < hint["ms_per_criterion"] < 50
    lupus = run_coverage("lupus", EXTERNAL / "lupus", workers=1).summary()
    assert lupus["files"] == 43 and lupus["trials"] + lupus["rejected"] == 43  # every record accounted for
    assert lupus["criteria"] > 400


@pytest.mark.slow
def test_the_coverage_suite_holds_its_gates_over_every_external_trial(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """CI runs the whole coverage suite (43 lupus trials, 4,404 HINT rows) with the gates of pyproject.toml."""
    _external_or_skip()
    from trialscreen import cli

    cases = Path(__file__).resolve().parent.parent / "evals" / "cases" / "coverage.jsonl"
    out = tmp_path / "coverage.json"
    code = cli.main(["eval", str(cases), "--json", str(out), "--quiet", "--data-dir", str(tmp_path / "data")])
    assert code == 0, capsys.readouterr().err
    coverage = json.loads(out.read_text())["metrics"]["coverage"]
    assert coverage["lupus"]["read"] >= 0.95 and coverage["hint"]["read"] >= 0.90
    assert coverage["lupus"]["unused_numbers"] == 0 and coverage["hint"]["unused_numbers"] == 0
    assert coverage["hint"]["trials"] > 4000


def test_a_missing_corpus_is_said_and_the_other_suites_still_run(tmp_path: Path) -> None:
    cases = tmp_path / "coverage.jsonl"
    cases.write_text(json.dumps({"id": "gone", "corpus": "no/such/trials", "limit": 2}) + "\n", "utf-8")
    run = run_files([cases], services=None, progress=False)  # type: ignore[arg-type]  # compiles only
    assert "coverage" not in run.metrics()
    assert any(n.startswith("gone: ") and "no corpus at 'no/such/trials'" in n for n in run.notes)
