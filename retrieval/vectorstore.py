"""LangChain's `VectorStore` interface over `index.store.ChunkStore`, the only way into Chroma.

`ChunkVectorStore` adds nothing to the store's rules: it embeds texts with the given embeddings,
writes through `ChunkStore.add` and reads through `ChunkStore.query` / `ChunkStore.get`, so a search
returns only chunks of the trial versions the manifest names, with the store's over-fetch past any
leftovers of an interrupted run. A text added here is therefore visible once the manifest names the
version in its `key` metadata (`REF@VERSION`); the indexer (`index.builder`) writes and commits that way.

Scores are cosine similarities (higher is closer), as `ChunkStore` reports them, not distances.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

from index.builder import Embedder
from index.catalog import Catalog
from index.store import ChunkStore, Hit


class TextEmbedder(Protocol):
    """What the vector store needs of an embedding model (LangChain's `Embeddings` has it)."""

    def embed_documents(self, texts: list[str]) -> Any: ...

    def embed_query(self, text: str) -> Any: ...


def _document(hit: Hit) -> Document:
    return Document(id=hit.id, page_content=hit.document, metadata=hit.metadata)


class ChunkVectorStore(VectorStore):
    """The chunks of one data directory as a LangChain vector store.

    `filter` in the search methods is a Chroma `where` clause on the chunk metadata, e.g.
    `{"trial": "NCT01632241"}` (see `retrieval.dense.Filters.where`).
    """

    def __init__(self, store: ChunkStore, embedding: TextEmbedder) -> None:
        self.store = store
        self.embedding = embedding

    @property
    def embeddings(self) -> Embeddings | None:
        return self.embedding if isinstance(self.embedding, Embeddings) else None

    # -- writes -----------------------------------------------------------------------------------
    def add_texts(
        self,
        texts: Iterable[str],
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str | None] | None = None,  # type: ignore[override]  # a None id gets a new one
        **kwargs: Any,
    ) -> list[str]:
        """Embed and write texts (an existing id is overwritten); returns their ids."""
        texts = list(texts)
        if metadatas is not None and len(metadatas) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(metadatas)} metadatas: give one metadata dict per text")
        if ids is not None and len(ids) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(ids)} ids: give one id (or None) per text")
        if not texts:
            return []
        new_ids = [i or uuid.uuid4().hex for i in (ids or [None] * len(texts))]
        vectors = self.embedding.embed_documents(texts)
        self.store.add(new_ids, vectors, texts, [m or None for m in (metadatas or [{}] * len(texts))])
        return new_ids

    def delete(self, ids: list[str] | None = None, **kwargs: Any) -> bool | None:
        """Remove these chunks (ids not stored are ignored). The indexer removes whole trial versions itself."""
        if ids is None:
            raise ValueError(
                "name the chunk ids to delete; to empty an index, remove its data directory and run "
                "`trialscreen index` again"
            )
        self.store.delete_ids(ids)
        return True

    # -- reads ------------------------------------------------------------------------------------
    def get_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        data = self.store.get(ids=list(ids))
        return [
            Document(id=i, page_content=doc, metadata=dict(meta or {}))
            for i, doc, meta in zip(data["ids"], data["documents"], data["metadatas"], strict=True)
        ]

    def similarity_search_by_vector_with_score(
        self, embedding: Sequence[float], k: int = 4, filter: dict[str, Any] | None = None, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        return [(_document(hit), hit.score) for hit in self.store.query(embedding, k, filter)]

    def similarity_search_with_score(
        self, query: str, k: int = 4, filter: dict[str, Any] | None = None, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        """The k chunks closest to `query`, each with its cosine similarity."""
        return self.similarity_search_by_vector_with_score(self.embedding.embed_query(query), k, filter)

    def similarity_search_by_vector(
        self, embedding: list[float], k: int = 4, filter: dict[str, Any] | None = None, **kwargs: Any
    ) -> list[Document]:
        return [doc for doc, _ in self.similarity_search_by_vector_with_score(embedding, k, filter)]

    def similarity_search(
        self, query: str, k: int = 4, filter: dict[str, Any] | None = None, **kwargs: Any
    ) -> list[Document]:
        return [doc for doc, _ in self.similarity_search_with_score(query, k, filter)]

    def _select_relevance_score_fn(self) -> Callable[[float], float]:
        return lambda similarity: similarity  # already a cosine similarity

    @classmethod
    def from_texts(
        cls,
        texts: list[str],
        embedding: Embeddings,
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        store: ChunkStore | None = None,
        **kwargs: Any,
    ) -> ChunkVectorStore:
        """Write `texts` into `store` (required: the data directory's `ChunkStore`) and return the vector store."""
        if store is None:
            raise TypeError(
                "ChunkVectorStore.from_texts needs store=ChunkStore(settings, embedding_model, catalog): "
                "the data directory to write to"
            )
        vectorstore = cls(store, embedding)
        vectorstore.add_texts(texts, metadatas, ids=list(ids) if ids is not None else None)
        return vectorstore


def chroma_vectorstore(catalog: Catalog, embedder: Embedder) -> ChunkVectorStore:
    """The data directory's Chroma collection as a vector store, through `ChunkStore`, searched with `embedder`.

    The collection is opened (and checked: its owner, the embedding model it was built with) at once.
    """
    store = ChunkStore(catalog.settings, embedder.name, catalog)
    store.collection  # noqa: B018 - opens (and checks) the collection with our HNSW settings first
    return ChunkVectorStore(store, embedder)
