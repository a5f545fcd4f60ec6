"""The expert-agreement suite: TrialGPT's criterion-level labels by clinicians, run by `trialscreen eval`."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from evals.cases import ExpertCase, load_cases
from evals.experts import find_labels, plain_note
from trialscreen import cli
from trialscreen.errors import TrialscreenError

ROOT = Path(__file__).resolve().parent.parent
POINTER = ROOT / "evals" / "cases" / "experts.jsonl"

MAN = "0. A 45-year-old man with type 2 diabetes.\n1. He takes metformin."
BOY = "0. A 10-year-old boy with asthma."
PREGNANT = "0. A 30-year-old woman.\n1. She is 12 weeks pregnant."
CANCER = "0. A 45-year-old man.\n1. He has a history of cancer."
# (note, trial, kind, criterion, expert label, GPT-4 label). The last two expert labels are wrong on
# purpose (the engine's answer is the obvious one), so that disagreements and their kinds are counted.
SYNTHETIC = [
    (MAN, "SYN-1", "exclusion", "Pregnant women", "not applicable", "not applicable"),
    (BOY, "SYN-1", "inclusion", "Age >= 18 years", "not included", "not included"),
    (MAN, "SYN-1", "inclusion", "Age >= 18 years", "included", "not enough information"),
    (MAN, "SYN-2", "exclusion", "History of myocardial infarction", "not excluded", "not excluded"),
    (CANCER, "SYN-2", "exclusion", "Cancer within the last 5 years", "not enough information", "excluded"),
    (PREGNANT, "SYN-1", "exclusion", "Pregnant women", "excluded", "excluded"),
    (BOY, "SYN-1", "inclusion", "Age >= 18 years", "not enough information", "not enough information"),
    (MAN, "SYN-1", "exclusion", "Pregnant women", "excluded", "not applicable"),
]


def _write(path: Path) -> Path:
    lines = []
    for n, (note, trial, kind, text, expert, gpt4) in enumerate(SYNTHETIC):
        row = {
            "annotation_id": n,
            "patient_id": note[3:20],
            "note": note,
            "trial_id": trial,
            "trial_title": "",
            "criterion_type": kind,
            "criterion_text": text,
            "expert_eligibility": expert,
            "expert_sentences": "[0]",
            "gpt4_eligibility": gpt4,
        }
        lines.append(json.dumps(row))
    path.write_text("\n".join(lines) + "\n")
    return path


def _eval(tmp_path: Path, *files: Path) -> dict[str, Any]:
    out = tmp_path / "experts.json"
    code = cli.main(["eval", *map(str, files), "--json", str(out), "--quiet", "--data-dir", str(tmp_path / "data")])
    assert code == 0  # the expert gates are advisory: reported, not failing the run
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def test_a_hand_checkable_file_gives_the_right_labels_and_counts(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data = _eval(tmp_path, _write(tmp_path / "labels.jsonl"))
    ours = {c["id"]: c["ours"] for c in data["cases"]}
    assert [ours[f"annotation-{n}"] for n in range(8)] == [
        "not applicable",  # a man, "Pregnant women"
        "not included",  # a 10-year-old, "Age >= 18"
        "included",
        "not excluded",  # never mentioned: the experts' convention for a complete note
        "not enough information",  # cancer mentioned, its date not
        "excluded",
        "not included",
        "not applicable",
    ]
    e = data["metrics"]["experts"]
    assert (e["cases"], e["trials"]) == (8, 2)
    assert e["agreement"] == 0.75  # 6 of 8: the two wrong labels
    assert e["gpt4_agreement"] == 0.625  # 5 of 8
    assert e["trivial_agreement"] == 0.25  # only "not excluded" (MI) and "not enough information" (the boy)
    assert (e["disqualifying_labels"], e["disqualifying_recall"]) == (3, 0.6667)  # the last label is missed
    assert e["false_disqualifications"] == 1  # the boy ruled out where the (wrong) label says "cannot tell"
    assert e["agreement_by_label"] == {
        "included": 1.0,
        "not included": 1.0,
        "excluded": 0.5,
        "not excluded": 1.0,
        "not enough information": 0.5,
        "not applicable": 1.0,
    }
    assert e["gpt4_agreement_by_label"]["included"] == 0.0 and e["gpt4_agreement_by_label"]["excluded"] == 0.5
    assert e["confusion"]["excluded"]["not applicable"] == 1 and e["confusion"]["excluded"]["excluded"] == 1
    assert e["confusion"]["not enough information"]["not included"] == 1
    assert sum(sum(row.values()) for row in e["confusion"].values()) == 8
    printed = capsys.readouterr().out
    assert "agreement with experts     75.0%   GPT-4 62.5%   trivial labeller 25.0%" in printed
    assert "false disqualifications    1" in printed


def test_the_report_draws_the_expert_confusion_matrix(tmp_path: Path) -> None:
    report = tmp_path / "report"
    labels = _write(tmp_path / "labels.jsonl")
    code = cli.main(["eval", str(labels), "--report", str(report), "--quiet", "--data-dir", str(tmp_path / "d")])
    assert code == 0
    assert (report / "experts_confusion.png").stat().st_size > 5000
    md = (report / "report.md").read_text()
    assert "## Agreement with clinicians" in md and "| included | 1 | 100.0% | 0.0% |" in md
    assert "### Disagreements (2;" in md and "annotation-6" in md
    assert "Failing cases (0)" in md  # a disagreement with the experts is measured, not a failing case


def test_a_label_that_does_not_fit_its_criterion_kind_is_refused_with_the_labels_it_can_have(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        json.dumps(
            {"note": BOY, "trial_id": "T", "criterion_type": "inclusion", "criterion_text": "Age >= 18 years"}
            | {"expert_eligibility": "excluded"}
        )
        + "\n"
    )
    with pytest.raises(TrialscreenError, match=r"bad.jsonl line 1: .*not a label of an inclusion.*not included"):
        load_cases(bad)


def test_sentence_numbers_are_removed_and_only_at_the_start_of_a_line() -> None:
    assert plain_note("0. A 58-year-old woman.\n1. Temperature 38.5 C. 2. not a number") == (
        "A 58-year-old woman.\nTemperature 38.5 C. 2. not a number"
    )
    case = ExpertCase.model_validate(
        {"note": BOY, "trial_id": "T", "criterion_type": "exclusion", "criterion_text": None}
        | {"expert_eligibility": "not excluded", "patient_id": "p1"}
    )
    assert case.criterion_text == "" and case.id == "p1:T:exclusion:"


def test_the_suite_notes_a_missing_labels_file_and_runs_on(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("TRIALSCREEN_EXPERT_LABELS", raising=False)
    pointer = tmp_path / "experts.jsonl"
    pointer.write_text(json.dumps({"id": "gone", "experts": "nowhere/labels.jsonl"}) + "\n")
    data = _eval(tmp_path, pointer)
    assert "experts" not in data["metrics"]
    assert any("gone: no expert labels at 'nowhere/labels.jsonl'" in n for n in data["notes"])
    assert "set TRIALSCREEN_EXPERT_LABELS" in capsys.readouterr().out
    monkeypatch.setenv("TRIALSCREEN_EXPERT_LABELS", str(_write(tmp_path / "labels.jsonl")))
    assert find_labels("nowhere/labels.jsonl", pointer) == (tmp_path / "labels.jsonl").resolve()


def _shared_labels() -> Path:
    found = find_labels(json.loads(POINTER.read_text())["experts"], POINTER)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI runs with shared/ beside the clone: the expert labels must be found")
        pytest.skip("the expert labels (shared/data/external) are not beside this checkout")
    return found


def test_the_bundled_suite_runs_on_the_shared_expert_labels(tmp_path: Path) -> None:
    labels = _shared_labels()
    rows = [json.loads(line) for line in labels.read_text().splitlines() if line.strip()]
    e = _eval(tmp_path, POINTER)["metrics"]["experts"]
    assert e["cases"] == len(rows) >= 400
    assert e["labels"] == dict(Counter(r["expert_eligibility"] for r in rows))
    gpt4 = sum(r["gpt4_eligibility"] == r["expert_eligibility"] for r in rows)
    assert e["gpt4_agreement"] == round(gpt4 / len(rows), 4)  # 424/465 = 91.2% in SOURCES.md
    trivial = sum(
        r["expert_eligibility"] == ("not enough information" if r["criterion_type"] == "inclusion" else "not excluded")
        for r in rows
    )
    assert e["trivial_agreement"] == round(trivial / len(rows), 4)
    assert e["agreement"] > e["trivial_agreement"]  # reading the note beats saying nothing
    disqualifying = sum(r["expert_eligibility"] in ("not included", "excluded") for r in rows)
    assert e["disqualifying_labels"] == disqualifying
