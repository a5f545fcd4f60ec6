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
from retrieval.dense import DenseSearcher, Filters
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


def test_data_dirs_sharing_a_server_keep_their_own_chunks(chroma_server: str, tmp_path: Path, corpus: Path) -> None:
    a, b = (Settings.resolve(data_dir=tmp_path / name, chroma_url=chroma_server) for name in ("a", "b"))
    embedder = FakeEmbeddings()
    Indexer(a, embedder, progress=False).run([corpus])
    Indexer(b, embedder, progress=False).run([corpus])
    assert Catalog(a).collection_name != Catalog(b).collection_name
    in_b = ChunkStore(b, embedder.name).count()
    path = corpus / "003_ba37d9a6fe48724f.txt"
    path.write_text(path.read_text("utf-8").replace("- Aged more than 18 years;", "- Aged more than 21 years;"))
    assert Indexer(a, embedder, progress=False).run([corpus]).indexed == ["003_ba37d9a6fe48724f"]
    # Editing a trial in one data dir leaves the other's chunks alone: its search still finds that trial.
    assert ChunkStore(b, embedder.name).count() == in_b
    searcher = DenseSearcher(ChunkStore(b, embedder.name), Catalog(b), embedder)
    hits = searcher.search("aged more than 18 years", 5, Filters(trial="003_ba37d9a6fe48724f"))
    assert len(hits) == 5


def test_a_named_index_is_its_own_collection_and_is_not_shared_by_accident(
    chroma_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = BUNDLED / "NCT00071487.json"
    first = Settings.resolve(data_dir=tmp_path / "first", chroma_url=chroma_server, index_name="team-a")
    Indexer(first, FakeEmbeddings(), progress=False).run([one])
    assert Catalog(first).collection_name == "trialscreen-team-a"
    # Another data dir asking for the same name is refused in one line, and nothing is written.
    code = main(["index", str(one), "--data-dir", str(tmp_path / "second"), "--chroma-url", chroma_server,
                 "--index", "team-a"])  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert "'trialscreen-team-a'" in err[0] and "belongs to another data directory" in err[0] and "--index" in err[0]
    assert not (tmp_path / "second" / "manifest.json").exists()
    # The first data dir keeps its name: another one given later is refused, not silently switched.
    code = main(["trials", "--data-dir", str(tmp_path / "first"), "--chroma-url", chroma_server, "--index", "b"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and "holds the index in collection 'trialscreen-team-a'" in err[0]
    code = main(["index", str(one), "--data-dir", str(tmp_path / "x"), "--chroma-url", chroma_server,
                 "--index", "bad name!"])  # fmt: skip
    assert code == 1 and "is not an index name" in capsys.readouterr().err
