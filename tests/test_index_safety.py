"""One writer per data dir, concurrent runs that lose nothing, and a trial's identity: a file that
states the reference of a trial indexed from another file does not replace it silently."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from index.builder import Indexer
from index.catalog import Catalog
from index.lock import WriterLock
from tests.conftest import BUNDLED, FakeEmbeddings
from tests.indexkit import check_consistent, cli_process, index_args, leftovers, run_cli, state
from trialscreen import cli
from trialscreen.config import Settings


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALSCREEN_EMBEDDER", FakeEmbeddings.name)


def test_a_second_writer_is_refused_with_who_holds_the_lock_and_readers_go_on(
    settings: Settings, corpus: Path, fake_model: None, capsys: pytest.CaptureFixture[str]
) -> None:
    Indexer(settings, FakeEmbeddings(), progress=False).run([corpus / "NCT00071487.json"])
    manifest = settings.manifest_path.read_bytes()
    with WriterLock(settings.data_dir, settings.lock_path):
        since = time.strftime("%H:%M")
        code, err = run_cli(index_args(settings, corpus))
        assert code == 1
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert lines[0].startswith(f"trialscreen: another index run is using {settings.data_dir} since ")
        assert f"(pid {os.getpid()})" in lines[0]
        assert since in lines[0] or time.strftime("%H:%M") in lines[0]
        assert settings.manifest_path.read_bytes() == manifest  # nothing written
        # Readers are never blocked by the writer's lock.
        assert cli.main(["trials", "--json", "--data-dir", str(settings.data_dir)]) == 0
        assert [r["trial"] for r in json.loads(capsys.readouterr().out)["trials"]] == ["NCT00071487"]
    # Released: the next run goes ahead.
    assert Indexer(settings, FakeEmbeddings(), progress=False).run([corpus]).indexed


def _variants(folder: Path, names: list[str]) -> Path:
    folder.mkdir()
    base = (BUNDLED / "003_ba37d9a6fe48724f.txt").read_text("utf-8")
    for name in names:
        (folder / f"{name}.txt").write_text(base.replace("Belimumab", f"Belimumab {name}"), "utf-8")
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("round_", range(3))
@pytest.mark.parametrize("scenario", ["same folder", "two folders", "update and add"])
def test_two_index_runs_at_once_lose_nothing(
    tmp_path: Path,
    corpus: Path,
    scenario: str,
    round_: int,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings.resolve(data_dir=tmp_path / "data")
    others = _variants(tmp_path / "others", [f"v{n}" for n in range(6)])
    if scenario == "same folder":
        targets = [[corpus], [corpus]]
    elif scenario == "two folders":
        targets = [[corpus], [others]]
    else:  # one run adds new trials while the other indexes an edited corpus it indexed before
        assert run_cli(index_args(settings, corpus))[0] == 0  # not in this process: its Chroma client would go stale
        path = corpus / "003_ba37d9a6fe48724f.txt"
        path.write_text(path.read_text("utf-8").replace("Aged more than 18", "Aged more than 21"), "utf-8")
        targets = [[corpus], [others]]
    procs = [cli_process(index_args(settings, *paths)) for paths in targets]
    results = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in procs]
    for code, err in results:
        assert "Traceback" not in err, err
        assert code == 0 or (code == 1 and "another index run is using" in err), err
    assert any(code == 0 for code, _ in results)
    # Whatever each successful run indexed is there; a refused run can simply be run again.
    committed = set(Catalog(settings).entries)
    for (code, _), paths in zip(results, targets, strict=True):
        if code == 0:
            expected = {e.ref for e in state_of(paths)}
            assert expected <= committed, f"{scenario}: lost {sorted(expected - committed)}"
    for (code, _), paths in zip(results, targets, strict=True):
        if code == 1:
            assert run_cli(index_args(settings, *paths))[0] == 0
    every = {e.ref for paths in targets for e in state_of(paths)}
    assert set(Catalog(settings).entries) == every
    assert leftovers(settings) == (0, [])
    check_consistent(settings, [state(settings)], capsys, monkeypatch)
    if scenario == "update and add":
        record = Catalog(settings).trial("003_ba37d9a6fe48724f")
        assert "Aged more than 21" in record.source_text


def state_of(paths: list[Path]) -> list[object]:
    """The trials a clean run over these paths commits (into a throw-away data dir)."""
    from index.readers import read_trial

    files = [f for p in paths for f in (sorted(p.iterdir()) if p.is_dir() else [p]) if f.suffix in (".txt", ".json")]
    return [read_trial(f) for f in files if f.stem.lower() not in ("readme", "source")]


def _impostor(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "note.txt"
    path.write_text(
        "Low-dose IL-2 in SLE (NCT04077684)\n\nInclusion Criteria:\n- Men with SLE aged 18 to 80.\n"
        "Exclusion Criteria:\n- None.\n",
        "utf-8",
    )
    return path


def _decision(settings: Settings, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    code = cli.main(
        [
            "screen",
            "--trial",
            "NCT04077684",
            "--patient",
            "45 year old man with SLE",
            "--json",
            "--today",
            "2026-11-01",
            "--data-dir",
            str(settings.data_dir),
        ]
    )
    assert code == 0
    return str(json.loads(capsys.readouterr().out)["decision"])


def test_a_file_stating_an_indexed_nct_number_is_refused_unless_replace(
    settings: Settings, tmp_path: Path, fake_model: None, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(settings.data_dir), "--quiet"]
    assert cli.main(["index", str(BUNDLED), *data]) == 0
    decision = _decision(settings, capsys)
    assert decision != "eligible"
    impostor = _impostor(tmp_path / "inbox")
    original = Catalog(settings).entries["NCT04077684"]

    capsys.readouterr()
    assert cli.main(["index", str(impostor), *data]) == 1
    err = capsys.readouterr().err
    line = next(x for x in err.splitlines() if x.startswith("skipped:"))
    assert "NCT04077684" in line and str(impostor) in line and original.path in line and "--replace" in line
    assert Catalog(settings).entries["NCT04077684"] == original
    assert _decision(settings, capsys) == decision
    # The trial list says where each trial came from.
    assert cli.main(["trials", "--data-dir", str(settings.data_dir)]) == 0
    assert f"from {original.path}" in capsys.readouterr().out

    assert cli.main(["index", str(impostor), "--replace", *data]) == 0
    err = capsys.readouterr().err
    assert f"replaced: NCT04077684: now read from {impostor}, no longer from {original.path}" in err
    assert cli.main(["trials", "--json", "--data-dir", str(settings.data_dir)]) == 0
    row = next(r for r in json.loads(capsys.readouterr().out)["trials"] if r["trial"] == "NCT04077684")
    assert (row["source"], row["path"]) == ("note.txt", str(impostor.resolve()))
    assert leftovers(settings) == (0, [])


def test_a_moved_file_keeps_its_trial_and_an_edited_one_replaces_it(
    settings: Settings, corpus: Path, tmp_path: Path
) -> None:
    Indexer(settings, FakeEmbeddings(), progress=False).run([corpus])
    moved = tmp_path / "moved"
    moved.mkdir()
    shutil.move(corpus / "NCT00071487.json", moved / "NCT00071487.json")
    report = Indexer(settings, FakeEmbeddings(), progress=False).run([moved])
    assert report.unchanged == ["NCT00071487"] and report.indexed == [] and report.rejected == []
    assert Catalog(settings).entries["NCT00071487"].path == str((moved / "NCT00071487.json").resolve())
    # The old file gone and the new one edited: not a second source any more, so it is an update (said so).
    path = moved / "NCT00071487.json"
    text = path.read_text("utf-8")
    assert "Lupus" in text
    path.write_text(text.replace("Lupus", "lupus", 1), "utf-8")
    shutil.move(path, corpus / "renamed.json")
    report = Indexer(settings, FakeEmbeddings(), progress=False).run([corpus])
    assert report.indexed == ["NCT00071487"] and report.rejected == []
    renamed = corpus / "renamed.json"
    assert report.replaced == [f"NCT00071487: now read from {renamed}, no longer from {path} (that file is gone)"]
    assert Catalog(settings).entries["NCT00071487"].source == "renamed.json"
    assert leftovers(settings) == (0, [])
