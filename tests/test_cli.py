"""The command line as scripts use it: JSON contract, exit codes, one clear line on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BUNDLED, FakeEmbeddings, use_embedder
from trialscreen import cli


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> FakeEmbeddings:
    embedder = FakeEmbeddings()
    use_embedder(monkeypatch, embedder)
    return embedder


def test_trials_json_follows_the_contract(
    tmp_path: Path, fake_model: FakeEmbeddings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["index", str(BUNDLED), "--data-dir", str(tmp_path), "--quiet"]) == 0
    capsys.readouterr()
    assert cli.main(["trials", "--json", "--data-dir", str(tmp_path)]) == 0
    rows = {r["trial"]: r for r in json.loads(capsys.readouterr().out)["trials"]}
    assert len(rows) == 9
    r002 = rows["NCT04077684"]
    assert r002["source"] == "002_11a1eb4b2c3c5646.txt"
    assert r002["status"] == "recruiting" and (r002["min_age"], r002["max_age"]) == (18, 75)
    assert r002["criteria"]["inclusion"] == 6 and r002["criteria"]["exclusion"] == 14
    assert any("SLEDAI) 8" in w for w in r002["warnings"])
    assert rows["NCT04956484"]["phase"] == "Phase 4" and rows["NCT04956484"]["status"] == "completed"
    assert "Lorem" not in json.dumps(rows)
    for ref in ("000_968ebb916c252d26", "001_b91bb8497050bd59"):
        assert rows[ref]["warnings"]


def test_text_listing_shows_warnings(
    tmp_path: Path, fake_model: FakeEmbeddings, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.main(["index", str(BUNDLED), "--data-dir", str(tmp_path), "--quiet"])
    capsys.readouterr()
    assert cli.main(["trials", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "NCT04077684" in out and "! inclusion criterion 2: comparison sign lost" in out


def test_empty_index_says_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["trials", "--data-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("trialscreen: the index is empty") and "trialscreen index" in err


def test_index_reports_bad_files_and_exits_1(
    tmp_path: Path, fake_model: FakeEmbeddings, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    code = cli.main(["index", str(BUNDLED / "NCT00071487.json"), str(bad), "--data-dir", str(tmp_path / "d")])
    err = capsys.readouterr().err
    assert code == 1
    assert "skipped: bad.txt: looks like a binary file" in err
    assert "indexed 1" in err


def test_unknown_search_trial_and_bad_url(
    tmp_path: Path, fake_model: FakeEmbeddings, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.main(["index", str(BUNDLED), "--data-dir", str(tmp_path), "--quiet"])
    capsys.readouterr()
    assert cli.main(["search", "dose", "--trial", "NCT00000000", "--data-dir", str(tmp_path)]) == 1
    assert "no indexed trial 'NCT00000000'" in capsys.readouterr().err
    assert cli.main(["trials", "--chroma-url", "localhost:8000", "--data-dir", str(tmp_path)]) == 1
    assert "http://HOST:PORT" in capsys.readouterr().err
    # A trial is found by its file stem as well as its NCT number.
    assert cli.main(["search", "weight", "--trial", "004_416868aadf8bdbdd", "--json", "--data-dir", str(tmp_path)]) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    assert results and all(r["trial"] == "NCT04956484" for r in results)


def test_usage_error_exits_2() -> None:
    with pytest.raises(SystemExit) as err:
        cli.main(["screen-everything"])
    assert err.value.code == 2


def test_help_starts_without_heavy_imports() -> None:
    code = (
        "import sys; from trialscreen.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'chromadb', 'gradio', 'sentence_transformers') if m in sys.modules]\n"
        "print('HEAVY:' + ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "HEAVY:"


def test_limits_and_status_caveats_show_in_trials_and_screen(
    tmp_path: Path, fake_model: FakeEmbeddings, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 9: stated limits are criteria that cite the field's text; a passed end date is a caveat."""
    assert cli.main(["index", str(BUNDLED), "--data-dir", str(tmp_path), "--quiet"]) == 0
    capsys.readouterr()
    assert cli.main(["trials", "--json", "--data-dir", str(tmp_path)]) == 0
    rows = {r["trial"]: r for r in json.loads(capsys.readouterr().out)["trials"]}
    assert rows["NCT00071487"]["limits"] == ["Minimum age: 18 Years", "Maximum age: 65 Years"]
    assert rows["NCT00071487"]["criteria"]["inclusion"] == 4  # the listed ones; limits are counted apart
    assert "2023-06-01 has passed" in rows["000_968ebb916c252d26"]["status_note"]
    assert rows["NCT04956484"]["status_note"] == ""  # completed: nothing to caveat
    assert cli.main(["trials", "--data-dir", str(tmp_path)]) == 0
    assert "! status stated as Recruiting; end date 2023-06-01 has passed" in capsys.readouterr().out
    args = ["screen", "--trial", "NCT00071487", "--patient", "70 year old woman with SLE", "--json"]
    assert cli.main([*args, "--data-dir", str(tmp_path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["decision"] == "ineligible"
    limit = next(c for c in result["criteria"] if c["field"] == "max_age")
    assert limit["kind"] == "inclusion" and limit["status"] == "not_met"
    assert limit["cite"]["chunk_id"] == "NCT00071487:field-max_age"
    from index.catalog import Catalog
    from trialscreen.config import Settings

    stored = Catalog(Settings.resolve(data_dir=tmp_path)).trial("NCT00071487").source_text
    assert limit["text"] == stored[limit["cite"]["start"] : limit["cite"]["end"]]


def test_an_interrupt_python_drops_in_a_finaliser_still_ends_the_command_with_one_line() -> None:
    """Ctrl-C that lands in a `__del__` is only reported by Python, never raised: the command must
    still end, with its one line and no traceback (a fresh-clone CI run once hung here for 120 s)."""
    import signal
    import time

    code = (
        "import gc, sys, time\n"
        "from trialscreen import cli\n"
        "class Slow:\n"
        "    def __del__(self):\n"
        "        time.sleep(0.5)\n"
        "def busy(argv=None):\n"
        "    cli._RUNNING['command'] = 'index'\n"
        "    try:\n"
        "        while True:\n"
        "            Slow(); gc.collect()\n"
        "    except KeyboardInterrupt:\n"
        "        return cli._interrupted('index')\n"
        "cli.main = busy\n"
        "cli.entry()\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.strip().splitlines() == [
        "trialscreen: interrupted; the index holds exactly the trials committed before the interrupt, "
        "and the next `trialscreen index` run cleans up and finishes the rest"
    ]
