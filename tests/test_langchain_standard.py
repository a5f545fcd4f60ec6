"""LangChain's standard integration suites on our vector store (`ChunkVectorStore`) and retriever
(`HybridRetriever`), plus what the suites cannot see: that the store only ever shows committed trial
versions, through the LangChain interface too.

The vector-store suite adds plain documents (no trial version in their metadata) and expects to find
them at once, so it runs against a stand-in manifest that names every version; the rule itself is the
store's (`index.store.ChunkStore`) and is checked below with a real manifest, and by test_faults.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.retrievers import BaseRetriever
from langchain_core.vectorstores import VectorStore
from langchain_tests.integration_tests import RetrieversIntegrationTests, VectorStoreIntegrationTests

from index.builder import Indexer
from index.catalog import Catalog, Entry
from index.store import ChunkStore
from retrieval.dense import Filters
from retrieval.hybrid import ChunkCorpus, HybridRetriever
from retrieval.vectorstore import ChunkVectorStore, chroma_vectorstore
from tests.conftest import BUNDLED, FakeEmbeddings
from trialscreen.config import Settings


class _Everything:
    def __contains__(self, key: object) -> bool:
        return True


class EveryVersionCommitted:
    """A manifest stand-in naming every version (`index.store.Versions`), for documents that carry none."""

    collection_name = "langchain-standard-tests"
    index_id = "langchain-standard-tests"

    def committed_keys(self) -> _Everything:
        return _Everything()

    def committed_chunks(self) -> int:
        return 0


class TestChunkVectorStoreStandard(VectorStoreIntegrationTests):
    @pytest.fixture
    def vectorstore(self, tmp_path: Path) -> Iterator[VectorStore]:
        """An empty embedded Chroma store in its own data directory, with LangChain's deterministic fake embeddings."""
        store = ChunkStore(Settings.resolve(data_dir=tmp_path / "data"), "deterministic-fake", EveryVersionCommitted())
        yield ChunkVectorStore(store, self.get_embeddings())


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    settings = Settings.resolve(data_dir=tmp_path_factory.mktemp("standard") / "data")
    Indexer(settings, FakeEmbeddings(), progress=False).run([BUNDLED])
    return Catalog(settings)


class TestHybridRetrieverStandard(RetrieversIntegrationTests):
    @pytest.fixture(autouse=True)
    def _index(self, indexed: Catalog) -> None:
        self.catalog = indexed

    @property
    def retriever_constructor(self) -> type[BaseRetriever]:
        return HybridRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"corpus": ChunkCorpus(self.catalog), "vectorstore": chroma_vectorstore(self.catalog, FakeEmbeddings())}

    @property
    def retriever_query_example(self) -> str:
        return "prednisone dose"


def _leftovers(store: ChunkStore, embedder: FakeEmbeddings, text: str, n: int) -> None:
    """What a run killed between writing chunks and committing the manifest leaves: chunks of an unnamed version."""
    store.add(
        [f"ghost:exc-{i:02d}@v0" for i in range(n)],
        embedder.embed_documents([text] * n),
        [text] * n,
        [
            {
                "key": "ghost@v0",
                "chunk_id": f"ghost:exc-{i:02d}",
                "trial": "ghost",
                "section": "criteria",
                "kind": "exclusion",
                "start": 0,
                "end": len(text),
                "version": "v0",
                "title": "ghost",
            }
            for i in range(n)
        ],
    )


def test_leftovers_of_a_killed_run_change_nothing_a_search_returns(indexed: Catalog, tmp_path: Path) -> None:
    import shutil

    settings = Settings.resolve(data_dir=tmp_path / "data")
    shutil.copytree(indexed.settings.data_dir, settings.data_dir)
    catalog = Catalog(settings)
    embedder = FakeEmbeddings()
    query = "prednisone dose within 4 weeks"
    retriever = HybridRetriever(corpus=ChunkCorpus(catalog), vectorstore=chroma_vectorstore(catalog, embedder))
    before = retriever.search(query, k=20)
    dense_before = retriever.vectorstore.similarity_search(query, k=30)  # type: ignore[union-attr]
    # More leftovers than the dense half fetches, each closer to the query than any committed chunk.
    _leftovers(ChunkStore(settings, embedder.name, catalog), embedder, query, retriever.fetch_k + 10)
    assert retriever.search(query, k=20) == before
    assert retriever.vectorstore.similarity_search(query, k=30) == dense_before  # type: ignore[union-attr]
    assert ChunkCorpus(catalog).chunks == ChunkCorpus(indexed).chunks  # nor what BM25 is built from


def test_texts_added_through_langchain_are_found_once_the_manifest_names_their_version(settings: Settings) -> None:
    catalog = Catalog(settings)
    embedder = FakeEmbeddings()
    vectorstore = ChunkVectorStore(ChunkStore(settings, embedder.name, catalog), embedder)
    ref = "NCT00000001"
    meta = {"key": f"{ref}@v1", "chunk_id": f"{ref}:exc-01", "trial": ref, "version": "v1"}
    ids = vectorstore.add_texts(["no plasmapheresis within 90 days"], [meta], ids=[f"{ref}:exc-01@v1"])
    assert vectorstore.similarity_search("plasmapheresis", k=1) == []
    assert vectorstore.get_by_ids(ids) == []
    catalog.commit({ref: Entry(ref, "/trials/a.txt", "a.txt", "0" * 64, "v1", "a", ref, chunks=1)})
    [(found, similarity)] = vectorstore.similarity_search_with_score("plasmapheresis", k=1, filter={"trial": ref})
    assert found.id == ids[0] and found.metadata == meta and 0 < similarity <= 1
    assert vectorstore.get_by_ids(ids) == [found]
    assert vectorstore.similarity_search("plasmapheresis", k=1, filter=Filters(trial="NCT00000002").where()) == []


def test_delete_without_ids_is_refused_with_the_way_to_empty_an_index(settings: Settings) -> None:
    vectorstore = ChunkVectorStore(ChunkStore(settings, "fake", Catalog(settings)), FakeEmbeddings())
    with pytest.raises(ValueError, match="remove its data directory"):
        vectorstore.delete()
