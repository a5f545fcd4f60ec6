"""The eval harness as a product: all suites with their gates, reports with plots, regressions fail."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from evals.gates import GateConfig, check
from evals.robustness import find_notes_dir
from index.builder import Indexer
from tests.conftest import BUNDLED, FakeEmbeddings, use_embedder
from trialscreen import cli
from trialscreen.config import Settings

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "evals" / "cases"
BASELINE = ROOT / "evals" / "baseline.json"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, real_embedder) -> Path:  # type: ignore[no-untyped-def]
    settings = Settings.resolve(data_dir=tmp_path_factory.mktemp("evalsuite") / "data")
    Indexer(settings, real_embedder, progress=False).run([BUNDLED])
    return settings.data_dir


@pytest.mark.slow
def test_every_bundled_suite_holds_its_gates_against_the_baseline(
    data_dir: Path,
    tmp_path: Path,
    real_embedder,
    monkeypatch,
    capsys,  # type: ignore[no-untyped-def]
) -> None:
    use_embedder(monkeypatch, real_embedder)
    report = tmp_path / "report"
    code = cli.main(
        [
            "eval",
            *map(str, sorted(CASES.glob("*.jsonl"))),
            "--baseline",
            str(BASELINE),
            "--report",
            str(report),
            "--json",
            str(tmp_path / "r.json"),
            "--quiet",
            "--data-dir",
            str(data_dir),
        ]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    metrics = json.loads((tmp_path / "r.json").read_text())["metrics"]
    assert metrics["screening"]["criteria_labels"] >= 150
    assert metrics["screening"]["unsafe_eligible"] == 0
    assert metrics["safety"]["unsafe_eligible"] == 0 and metrics["safety"]["rules_probed"] >= 150
    for name in ("report.md", "report.html", "confusion.png", "rule_kinds.png", "latency.png"):
        assert (report / name).stat().st_size > 1000, name
    html = (report / "report.html").read_text()
    assert "<img" in html and "Accuracy per rule kind" in html and "Failing cases (0)" in html


def test_the_public_notes_suite_runs(data_dir: Path, tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    notes = find_notes_dir("../../../shared/data/trialgpt/dataset", CASES / "robustness.jsonl")
    if notes is None:
        if os.environ.get("CI"):
            pytest.fail("CI runs with shared/ beside the clone: the TrialGPT notes must be found")
        pytest.skip("the TrialGPT notes (shared/data/trialgpt) are not beside this checkout")
    monkeypatch.setenv("TRIALSCREEN_EMBEDDER", FakeEmbeddings.name)
    assert (
        cli.main(
            [
                "eval",
                str(CASES / "robustness.jsonl"),
                "--json",
                str(tmp_path / "rob.json"),
                "--quiet",
                "--data-dir",
                str(data_dir),
            ]
        )
        == 0
    )
    data = json.loads((tmp_path / "rob.json").read_text())
    m = data["metrics"]["robustness"]
    assert m["notes"] >= 184 + 10 and m["crashes"] == 0 and m["unsafe_eligible"] == 0
    assert m["lupus_matched_rate"] == 1.0
    lupus = next(c for c in data["cases"] if c["id"] == "sigir-201421")
    assert {"lab:ana", "lab:anti_dsdna", "cond:thrombocytopenia"} <= set(lupus["facts"])
    assert all("seconds" in c and "facts" in c for c in data["cases"])


def _worse(tmp_path: Path) -> tuple[Path, int]:
    """The screening suite with five labels deliberately wrong, and one patient who is eligible labelled
    ineligible: accuracy falls by ~5% and an 'unsafe eligible' appears."""
    lines = (CASES / "screening.jsonl").read_text().splitlines()
    out = []
    flipped = 0
    for line in lines:
        case = json.loads(line)
        still_eligible = case["expected"] == "eligible" and "needs_info" not in case.get("acceptable", [])
        if still_eligible and flipped < 5:
            case["expected"], case["acceptable"] = "ineligible", ["ineligible"]
            flipped += 1
        out.append(json.dumps(case))
    path = tmp_path / "worse.jsonl"
    path.write_text("\n".join(out) + "\n")
    return path, flipped


def test_a_regression_fails_the_gate(data_dir: Path, tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TRIALSCREEN_EMBEDDER", FakeEmbeddings.name)
    worse, flipped = _worse(tmp_path)
    code = cli.main(["eval", str(worse), "--baseline", str(BASELINE), "--quiet", "--data-dir", str(data_dir)])
    err = capsys.readouterr().err
    assert code == 3 and flipped >= 3
    assert f"screening.unsafe_eligible = {flipped} is above the gate maximum 0" in err
    assert "screening.accuracy regressed" in err


def test_gates_compare_rates_with_tolerance_and_counts_strictly() -> None:
    config = GateConfig(0.02, {"screening.accuracy": {"min": 0.9}})
    base = {"metrics": {"screening": {"accuracy": 1.0, "unsafe_eligible": 0}}}
    assert check({"screening": {"accuracy": 0.99, "unsafe_eligible": 0}}, config, base) == []
    failures = check({"screening": {"accuracy": 0.85, "unsafe_eligible": 1}}, config, base)
    assert any("below the gate minimum" in f for f in failures)
    assert any("accuracy regressed" in f for f in failures) and any("unsafe_eligible regressed" in f for f in failures)


def test_the_safety_gate_fails_a_run_that_lets_a_limit_slip(data_dir: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """An engine that ignored age limits would pass every hand-written case about something else: the
    generated boundary cases catch it, and the gate fails the run (exit 3)."""
    from eligibility.rules import MET, Age, Result

    monkeypatch.setenv("TRIALSCREEN_EMBEDDER", FakeEmbeddings.name)
    monkeypatch.setattr(Age, "evaluate", lambda self, profile: Result(MET, reason="ages ignored"))
    case = '{"id": "safety-indexed", "safety": "indexed", "words": false, "deltas": [1]}'
    path = data_dir.parent / "safety-only.jsonl"
    path.write_text(case + "\n", "utf-8")
    code = cli.main(["eval", str(path), "--quiet", "--data-dir", str(data_dir)])
    err = capsys.readouterr().err
    assert code == 3
    assert "safety.wrong_citation" in err and "above the gate maximum 0" in err


def test_the_dense_refusal_gate_is_calibrated_on_the_suite() -> None:
    """The report says what a dense-similarity threshold alone would do as the refusal gate."""
    from evals.cases import QuestionCase
    from evals.questions import QuestionOutcome, dense_gate
    from retrieval.citations import Answer

    def outcome(dense: float, unanswerable: bool, refused: bool) -> QuestionOutcome:
        case = QuestionCase(id="x", question="q", unanswerable=unanswerable)
        return QuestionOutcome(case, Answer("a"), True, True, None, None, refused, None, 0.01, [], dense)

    separable = [
        outcome(0.2, True, True),
        outcome(0.3, True, True),
        outcome(0.6, False, False),
        outcome(0.7, False, False),
    ]
    gate = dense_gate(separable)
    assert gate["accuracy_at_best"] == 1.0 and 0.3 < gate["best_threshold"] <= 0.6
    tangled = [outcome(0.7, True, True), outcome(0.2, False, False), outcome(0.5, False, True)]
    gate = dense_gate(tangled)
    assert gate["accuracy_at_best"] < 1.0
    assert gate["refusal_accuracy_now"] == round(2 / 3, 4)


def test_a_question_file_names_one_index_and_a_missing_one_is_said(tmp_path: Path) -> None:
    from evals.cases import load_cases
    from evals.runner import run_files
    from trialscreen.errors import TrialscreenError
    from trialscreen.services import Services

    two = tmp_path / "two.jsonl"
    two.write_text(
        '{"id": "a", "index": ["x"]}\n{"id": "b", "index": ["y"]}\n{"id": "q1", "question": "what is the cap?"}\n'
    )
    with pytest.raises(TrialscreenError, match="one index"):
        load_cases(two)
    missing = tmp_path / "missing.jsonl"
    missing.write_text('{"id": "gone", "index": ["no/such/folder"]}\n{"id": "q1", "question": "what is the cap?"}\n')
    services = Services(Settings.resolve(data_dir=tmp_path / "data"), FakeEmbeddings(), model=None)
    run = run_files([missing], services, progress=False)
    assert run.questions == [] and len(run.notes) == 1 and "no corpus at 'no/such/folder'" in run.notes[0]
    assert not (tmp_path / "data" / "eval-indexes").exists()  # nothing was built
