"""Fault injection: the indexer is killed (SIGINT, SIGKILL) at every phase boundary, on the embedded
store and on a Chroma server, in the middle of a run that changes, adds and removes trials.

Afterwards the index must show, trial by trial, either what was committed before the run or what
the run committed, and nothing else: `trials`, `search` and `screen` agree with the manifest, every
stored chunk's span matches its record's text, and search is never crowded out by leftovers. The next
run must remove every leftover and converge to the state a clean run gives; the one after must do no
work.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BUNDLED, FakeEmbeddings, free_port, local_server
from tests.indexkit import (
    BATCH_CHUNKS,
    State,
    check_consistent,
    edit_corpus,
    index_args,
    leftovers,
    run_cli,
    state,
)
from tests.test_chroma_server import _chroma_cli
from trialscreen.config import Settings
from trialscreen.services import Services

pytestmark = pytest.mark.slow

# Each phase boundary, and which time the run reaches it when killed: the second where there are
# several, so that part of the run was committed before the fault.
FAULTS = [
    ("locked", 1),
    ("collected", 1),
    ("records", 2),
    ("add", 3),
    ("added", 2),
    ("manifest", 2),
    ("committed", 2),
    ("cleaned", 2),
    ("removed", 1),
]


class Corpus:
    """One folder whose content is set to version 1 or 2: entries name the same paths either way."""

    def __init__(self, root: Path) -> None:
        self.path = root / "corpus"
        self.v1 = root / "v1"
        self.v2 = root / "v2"
        shutil.copytree(BUNDLED, self.v1)
        shutil.copytree(BUNDLED, self.v2)
        edit_corpus(self.v2)

    def use(self, version: int) -> Path:
        shutil.rmtree(self.path, ignore_errors=True)
        shutil.copytree(self.v1 if version == 1 else self.v2, self.path)
        return self.path


def _index(settings: Settings, corpus: Path) -> None:
    """An index run as the CLI makes it (rules compiled and stored), with the fake embedder."""
    report = Services(settings, embedder=FakeEmbeddings()).index([corpus], progress=False, batch_chunks=BATCH_CHUNKS)
    assert not report.rejected, report.rejected


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Corpus, Path, State, State]]:
    """The corpus, an embedded index of version 1 to copy, and the committed states of versions 1 and 2."""
    root = tmp_path_factory.mktemp("faults")
    corpus = Corpus(root)
    template = Settings.resolve(data_dir=root / "template")
    _index(template, corpus.use(1))
    before = state(template)
    clean = Settings.resolve(data_dir=root / "clean")
    shutil.copytree(template.data_dir, clean.data_dir)
    _index(clean, corpus.use(2))
    after = state(clean)
    assert before.entries.keys() != after.entries.keys()
    yield corpus, template.data_dir, before, after


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-faults")
    url = f"http://127.0.0.1:{port}"
    command = [_chroma_cli(), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    with local_server(command, f"{url}/api/v2/heartbeat", "chroma run"):
        yield url


@pytest.mark.parametrize("store", ["embedded", "server"])
@pytest.mark.parametrize("signal_name", ["INT", "KILL"])
@pytest.mark.parametrize(("phase", "nth"), FAULTS)
def test_interrupted_index_keeps_what_was_committed_and_the_next_run_converges(
    request: pytest.FixtureRequest,
    world: tuple[Corpus, Path, State, State],
    tmp_path: Path,
    store: str,
    signal_name: str,
    phase: str,
    nth: int,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    corpus, template, before, after = world
    if store == "embedded":
        settings = Settings.resolve(data_dir=tmp_path / "data")
        shutil.copytree(template, settings.data_dir)
        corpus.use(2)
    else:
        settings = Settings.resolve(data_dir=tmp_path / "data", chroma_url=request.getfixturevalue("chroma_url"))
        _index(settings, corpus.use(1))
        corpus.use(2)

    code, err = run_cli(index_args(settings, corpus.path), fault=f"{phase}:{signal_name}:{nth}")
    assert "Traceback" not in err, err
    if signal_name == "INT":
        assert code == 130, f"the run was not interrupted at {phase} #{nth}: exit {code}\n{err}"
        assert "the index holds exactly the trials committed before the interrupt" in err
    else:
        assert code == -9, f"the run was not killed at {phase} #{nth}: exit {code}\n{err}"

    check_consistent(settings, [before, after], capsys, monkeypatch)

    collect = Services(settings, embedder=FakeEmbeddings()).index([], progress=False)  # only the clean-up
    assert collect.indexed == [] and collect.removed == []
    assert leftovers(settings) == (0, [])

    report = Services(settings, embedder=FakeEmbeddings()).index(
        [corpus.path], progress=False, batch_chunks=BATCH_CHUNKS
    )
    assert not report.rejected, report.rejected
    final = check_consistent(settings, [after], capsys, monkeypatch)
    assert final == after
    assert leftovers(settings) == (0, [])
    again = Services(settings, embedder=FakeEmbeddings()).index([corpus.path], progress=False)
    assert again.indexed == [] and again.collected == 0 and len(again.unchanged) == len(after.entries)
