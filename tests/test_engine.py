"""Decisions, citations, questions and the screen/match/eval commands."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from eligibility.compiler import compile_trial
from eligibility.engine import screen
from eligibility.extract import read_patient
from eligibility.patient import load_patient, profile_from_facts
from evals.runner import run_files
from index.builder import Indexer
from index.catalog import Catalog
from index.readers import read_trial
from tests.conftest import BUNDLED, FakeEmbeddings, use_embedder
from trialscreen import cli
from trialscreen.config import Settings
from trialscreen.errors import TrialscreenError
from trialscreen.services import Services

TODAY = date(2026, 11, 1)
CASES = Path(__file__).resolve().parent.parent / "evals" / "cases" / "screening.jsonl"


@pytest.fixture(scope="module")
def t002():  # type: ignore[no-untyped-def]
    trial = read_trial(BUNDLED / "002_11a1eb4b2c3c5646.txt")
    return trial, compile_trial(trial)


@pytest.fixture
def indexed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    settings = Settings.resolve(data_dir=tmp_path / "data")
    embedder = FakeEmbeddings()
    Indexer(settings, embedder, progress=False).run([BUNDLED])
    use_embedder(monkeypatch, embedder)
    return settings


def test_a_disqualifying_fact_is_never_eligible(t002) -> None:  # type: ignore[no-untyped-def]
    trial, rules = t002
    result = screen(trial, rules, read_patient("I'm 36, female, lupus. I had rituximab 3 months ago.", TODAY))
    assert result.decision == "ineligible"
    deciding = result.deciding[0]
    assert deciding.criterion.text.startswith("History of administration of rituximab")
    # The citation is the criterion's exact span in the stored source text.
    out = result.to_json()
    cited = next(c for c in out["criteria"] if c["disqualifying"])
    assert trial.source_text[cited["cite"]["start"] : cited["cite"]["end"]] == deciding.criterion.text
    assert cited["cite"]["chunk_id"] == "NCT04077684:exc-12"
    assert "rituximab 3 months ago" in cited["reason"]
    assert "rituximab or other biologics within 6 months" in result.explanation
    assert "not medical advice" in result.explanation


def test_unknowns_become_questions_most_decisive_first(t002) -> None:  # type: ignore[no-untyped-def]
    trial, rules = t002
    result = screen(trial, rules, read_patient("could I join a lupus IL-2 trial? I'm 35, female, have lupus.", TODAY))
    assert result.decision == "needs_info"
    assert result.questions and len(result.questions) == len(set(result.questions))
    assert any("pregnant" in q for q in result.questions)
    assert "question" in result.explanation


def test_men_are_not_asked_about_pregnancy(t002) -> None:  # type: ignore[no-untyped-def]
    trial, rules = t002
    result = screen(trial, rules, read_patient("I'm a 40 year old man with lupus.", TODAY))
    assert not any("pregnan" in q.lower() for q in result.questions)
    statuses = {v.criterion.text: v.status for v in result.verdicts}
    assert statuses["pregnancy or lactation in females"] == "not_applicable"


def test_team_items_do_not_block_and_are_listed(t002) -> None:  # type: ignore[no-untyped-def]
    trial, rules = t002
    result = screen(trial, rules, read_patient("x", TODAY))
    assert "Written informed consent form" in result.to_confirm
    assert all("consent" not in q.lower() for q in result.questions)


def test_structured_facts_mean_the_same_as_text(t002) -> None:  # type: ignore[no-untyped-def]
    trial, rules = t002
    from_text = screen(trial, rules, read_patient("I'm 80 years old.", TODAY))
    from_facts = screen(trial, rules, profile_from_facts({"age": 80}))
    assert from_text.decision == from_facts.decision == "ineligible"
    with pytest.raises(TrialscreenError, match="outside 0-120"):
        profile_from_facts({"age": 300})
    with pytest.raises(TrialscreenError, match="not a known fact key"):
        profile_from_facts({"favourite_colour": "blue"})
    profile = load_patient('{"text": "34 yo woman", "pregnant": true}', TODAY)
    assert profile.value("age") == 34 and profile.value("pregnant") is True


def test_completed_trials_say_they_are_not_recruiting() -> None:
    trial = read_trial(BUNDLED / "004_416868aadf8bdbdd.txt")
    result = screen(trial, compile_trial(trial), read_patient("I'm 80", TODAY))
    assert result.to_json()["recruiting"] is False
    assert "not recruiting" in result.explanation


def test_screen_and_match_commands(indexed: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    home = str(indexed.data_dir)
    patient = "41 yo man with SLE, SLEDAI 10, had rituximab 2 months ago"
    assert (
        cli.main(
            [
                "screen",
                "--trial",
                "002_11a1eb4b2c3c5646",
                "--patient",
                patient,
                "--json",
                "--data-dir",
                home,
                "--today",
                "2026-11-01",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["trial"] == "NCT04077684" and out["source"] == "002_11a1eb4b2c3c5646.txt"
    assert out["decision"] == "ineligible" and out["recruiting"] is True
    assert set(out) >= {"criteria", "questions", "to_confirm", "explanation"}
    assert cli.main(["match", "--patient", patient, "--json", "--data-dir", home]) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    assert len(results) == 9
    order = {"eligible": 0, "needs_info": 1, "ineligible": 2}
    assert [order[r["decision"]] for r in results] == sorted(order[r["decision"]] for r in results)


def test_bad_patient_input_gets_one_line(indexed: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    home = str(indexed.data_dir)
    assert cli.main(["screen", "--trial", "NCT04077684", "--patient", "   ", "--data-dir", home]) == 1
    assert "patient text is empty" in capsys.readouterr().err
    assert cli.main(["screen", "--trial", "NCT04077684", "--patient", "@/no/such/file", "--data-dir", home]) == 1
    assert "cannot read patient file" in capsys.readouterr().err
    assert cli.main(["screen", "--trial", "NCT04077684", "--patient", '{"age": -3}', "--data-dir", home]) == 1
    assert "outside" in capsys.readouterr().err
    assert cli.main(["screen", "--trial", "NCT99999999", "--patient", "x", "--data-dir", home]) == 1
    assert "no indexed trial" in capsys.readouterr().err


def test_screening_suite_meets_the_bar(indexed: Settings) -> None:
    run = run_files([CASES], Services(indexed), progress=False)
    m = run.metrics()["screening"]
    assert m["cases"] >= 80
    assert m["unsafe_eligible"] == 0
    assert m["accuracy"] >= 0.95, [o.case.id for o in run.screening if not o.correct]
    assert m["deciding_cited_rate"] == 1.0
    # every decision type and every trial is covered
    assert all(
        sum(1 for o in run.screening if o.case.expected == d) >= 10 for d in ("eligible", "needs_info", "ineligible")
    )
    assert len({Catalog(indexed).resolve(o.case.trial) for o in run.screening}) == 9


def test_eval_command_and_bad_case_files(indexed: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results.json"
    assert cli.main(["eval", str(CASES), "--json", str(out), "--data-dir", str(indexed.data_dir), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "unsafe eligible            0" in printed
    data = json.loads(out.read_text())
    assert data["metrics"]["screening"]["cases"] == len(data["cases"])
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "trial": "NCT04077684", "patient": "hi", "expected": "maybe"}\n')
    assert cli.main(["eval", str(bad), "--data-dir", str(indexed.data_dir)]) == 1
    assert "bad.jsonl line 1: expected" in capsys.readouterr().err
