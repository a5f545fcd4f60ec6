"""Everything a user passes, and every state of the machine they can cause, gets one clear line on
stderr, exit 1, and nothing written: the Chroma URL, the data dir, a full or read-only disk, patient
input, eval case files, searches that find nothing, and Ctrl-C while the command starts."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.builder import Indexer
from tests.conftest import BUNDLED, FakeEmbeddings, free_port
from tests.indexkit import DRIVER, ROOT, leftovers
from trialscreen import cli
from trialscreen.config import Settings


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALSCREEN_EMBEDDER", FakeEmbeddings.name)


def _one_line(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    code = cli.main(args)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1, err
    assert err[0].startswith("trialscreen: ")
    return err[0]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://h:notaport", "has no valid port"),
        ("http://127.0.0.1:99999", "has no valid port"),
        ("http://127.0.0.1:0", "port 0 is not a server port"),
        ("localhost:8000", "is not a server address"),
        ("http://127.0.0.1:8000/some/path", "has a path"),
    ],
)
def test_a_bad_chroma_url_gets_one_line_and_nothing_is_written(
    url: str, says: str, tmp_path: Path, fake_model: None, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    line = _one_line(["index", str(BUNDLED), "--data-dir", str(data), "--chroma-url", url], capsys)
    assert says in line and "http://HOST:PORT" in line
    assert not data.exists()


def test_a_data_dir_that_cannot_be_created_gets_one_line(
    tmp_path: Path, fake_model: None, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", "utf-8")
    line = _one_line(["index", str(BUNDLED), "--data-dir", str(blocker / "data")], capsys)
    assert f"{blocker / 'data'}" in line and "a file is in the way" in line and "--data-dir" in line
    line = _one_line(["index", str(BUNDLED), "--data-dir", str(blocker)], capsys)
    assert "a file" in line


def _in_mount_namespace(script: str) -> subprocess.CompletedProcess[str]:
    """Run a shell script in a private mount namespace (tmpfs mounts that vanish with it)."""
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare(1) to mount a small tmpfs")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a mount namespace here: {probe.stderr.decode().strip()}")
    return subprocess.run(["unshare", "-m", "sh", "-ec", script], capture_output=True, text=True, timeout=300)


def _cli(data: Path, *args: str) -> str:
    code = DRIVER.replace('"', '\\"').replace("$", "\\$")
    return f'PYTHONPATH="{ROOT}" "{sys.executable}" -c "{code}" {" ".join(args)} --data-dir {data}'


def test_a_full_disk_gets_one_line_naming_it_and_the_index_stays_intact(tmp_path: Path) -> None:
    mount = tmp_path / "mnt"
    mount.mkdir()
    data = mount / "data"
    one = BUNDLED / "NCT00071487.json"
    script = f"""
mount -t tmpfs -o size=2m tmpfs {mount}
{_cli(data, "index", str(one), "--quiet")}
dd if=/dev/zero of={mount}/filler bs=1k count=100000 2>/dev/null || true
echo "---full" >&2
{_cli(data, "index", str(BUNDLED), "--quiet")} || echo "exit $?"
{_cli(data, "trials", "--json")} > {tmp_path}/trials.json
rm {mount}/filler
echo "---freed" >&2
{_cli(data, "index", str(BUNDLED), "--quiet")}
{_cli(data, "trials", "--json")} > {tmp_path}/after.json
"""
    result = _in_mount_namespace(script)
    assert result.returncode == 0, result.stderr
    full = result.stderr.split("---full")[-1].split("---freed")[0]
    lines = [x for x in full.strip().splitlines() if x]
    assert len(lines) == 1, result.stderr
    assert "the disk is full; free some space and run it again (what was indexed before is intact)" in lines[0]
    assert "exit 1" in result.stdout
    assert "remove that directory" not in result.stderr and "Traceback" not in result.stderr
    trials = json.loads((tmp_path / "trials.json").read_text("utf-8"))["trials"]
    assert [t["trial"] for t in trials] == ["NCT00071487"]  # what was committed is intact and readable
    assert len(json.loads((tmp_path / "after.json").read_text("utf-8"))["trials"]) == 9


def test_a_read_only_data_dir_gets_one_line_naming_it_and_readers_go_on(tmp_path: Path) -> None:
    mount = tmp_path / "mnt"
    mount.mkdir()
    data = mount / "data"
    script = f"""
mount -t tmpfs -o size=20m tmpfs {mount}
{_cli(data, "index", str(BUNDLED / "NCT00071487.json"), "--quiet")}
mount -o remount,ro {mount}
echo "---ro" >&2
{_cli(data, "index", str(BUNDLED), "--quiet")} || echo "exit $?"
{_cli(data, "trials", "--json")} > {tmp_path}/trials.json
"""
    result = _in_mount_namespace(script)
    assert result.returncode == 0, result.stderr
    lines = [x for x in result.stderr.split("---ro")[-1].strip().splitlines() if x]
    assert len(lines) == 1, result.stderr
    assert "read-only file system; make it writable or choose another --data-dir" in lines[0]
    assert "(what was indexed before is intact)" in lines[0] and "remove that directory" not in lines[0]
    assert "exit 1" in result.stdout
    assert [t["trial"] for t in json.loads((tmp_path / "trials.json").read_text("utf-8"))["trials"]] == ["NCT00071487"]


def test_patient_input_gets_one_line(settings: Settings, fake_model: None, capsys: pytest.CaptureFixture[str]) -> None:
    Indexer(settings, FakeEmbeddings(), progress=False).run([BUNDLED / "NCT00071487.json"])
    data = ["--data-dir", str(settings.data_dir)]
    screen = ["screen", "--trial", "NCT00071487", *data, "--patient"]
    assert "is over 1024 KB" in _one_line([*screen, "@/dev/zero"], capsys)
    assert "nested too deeply" in _one_line([*screen, '{"age":' * 100_000], capsys)
    assert "'age' must be a number" in _one_line([*screen, '{"age": "abc"}'], capsys)
    assert "'pregnant' must be true or false" in _one_line(
        ["match", *data, "--patient", '{"pregnant": "nope"}'], capsys
    )
    assert "cannot read patient file" in _one_line([*screen, "@/nonexistent/patient.txt"], capsys)


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ({"id": "c1", "trial": "NCT04077684", "facts": {"age": "abc"}, "expected": "ineligible"}, "'age' must be"),
        ({"id": "q1", "question": "what?", "answer_any": ["(unclosed"]}, "not a valid regular expression"),
        ('{"id":' * 100_000, "nested too deeply"),
        ("not json", "line 1"),
    ],
)
def test_a_bad_eval_case_gets_one_line_before_anything_is_indexed(
    line: object, says: str, tmp_path: Path, fake_model: None, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(line if isinstance(line, str) else json.dumps(line), "utf-8")
    data = tmp_path / "data"
    message = _one_line(["eval", str(cases), "--data-dir", str(data), "--quiet"], capsys)
    assert says in message and "cases.jsonl line 1" in message
    assert not data.exists()


def test_a_search_that_finds_nothing_says_so(
    settings: Settings, fake_model: None, capsys: pytest.CaptureFixture[str]
) -> None:
    Indexer(settings, FakeEmbeddings(), progress=False).run([BUNDLED])
    data = ["--data-dir", str(settings.data_dir)]
    line = _one_line(["search", "dose", "--section", "nonsense", *data], capsys)
    assert "--section 'nonsense' is not a section of any indexed trial" in line and "criteria" in line
    assert "ask for at least one hit" in _one_line(["search", "dose", "-k", "0", *data], capsys)
    # A trial whose record has no such section: the filters match nothing.
    line = _one_line(["search", "dose", "--trial", "NCT00071487", "--section", "arms", *data], capsys)
    assert "no indexed passage matches (trial NCT00071487, section arms)" in line
    assert leftovers(settings) == (0, [])


@pytest.mark.slow
@pytest.mark.parametrize("command", [["trials"], ["chat"]])
def test_ctrl_c_while_a_command_starts_gets_one_line(command: list[str], tmp_path: Path) -> None:
    """Ctrl-C at several moments of start-up: whatever it interrupts, one line and no traceback."""
    port = ["--port", str(free_port())] if command[0] == "chat" else []
    for delay in (0.2, 1.0, 2.5):
        proc = subprocess.Popen(
            [sys.executable, "-m", "trialscreen.cli", *command, "--data-dir", str(tmp_path / "data"), *port],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(delay)  # when the signal lands varies; every outcome must be one clean line
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        lines = err.strip().splitlines()
        assert "Traceback" not in err, err
        assert len(lines) <= 1, err
        if proc.returncode in (130, -signal.SIGINT):
            assert lines and lines[0].startswith("trialscreen: interrupted"), err
        else:  # it finished first: done, or one line about what it found (an empty index)
            assert proc.returncode in (0, 1) and all(x.startswith("trialscreen: ") for x in lines), err
