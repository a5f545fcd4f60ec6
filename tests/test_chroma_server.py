"""The same indexing and search code through a real Chroma server on 127.0.0.1."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.builder import Indexer
from index.catalog import Catalog
from index.store import ChunkStore
from retrieval.dense import DenseSearcher
from tests.conftest import BUNDLED, FakeEmbeddings, free_port, local_server
from trialscreen.cli import main
from trialscreen.config import Settings

pytestmark = pytest.mark.slow


def _chroma_cli() -> str:
    exe = Path(sys.executable).parent / "chroma"
    found = str(exe) if exe.exists() else shutil.which("chroma")
    if not found:
        pytest.fail("the chroma CLI is missing: it ships with the chromadb package (make install)")
    return found


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    url = f"http://127.0.0.1:{port}"
    command = [_chroma_cli(), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    with local_server(command, f"{url}/api/v2/heartbeat", "chroma run"):
        yield url


def test_index_and_query_through_the_server(chroma_server: str, tmp_path: Path) -> None:
    settings = Settings.resolve(data_dir=tmp_path / "data", chroma_url=chroma_server)
    embedder = FakeEmbeddings()
    report = Indexer(settings, embedder, progress=False).run([BUNDLED])
    assert len(report.indexed) == 9
    store = ChunkStore(settings, embedder.name)
    assert store.count() == report.chunks
    searcher = DenseSearcher(store, Catalog(settings), embedder)
    top = searcher.search("plasmapheresis within 90 days", 5)
    assert [h.id for h in top] == [h.id for h in searcher.exact_search("plasmapheresis within 90 days", 5)]
    assert any("plasmapheresis" in h.document.lower() for h in top[:3])
    # Nothing was written to an embedded store.
    assert not settings.chroma_dir.exists()
    again = Indexer(settings, embedder, progress=False).run([BUNDLED])
    assert again.chunks == 0 and len(again.unchanged) == 9


def test_dead_server_gets_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    code = main(["index", str(BUNDLED / "NCT00071487.json"), "--data-dir", str(tmp_path), "--chroma-url", dead])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(err) == 1 and "cannot reach the Chroma server" in err[0] and "chroma run" in err[0]
    assert not (tmp_path / "manifest.json").exists()
