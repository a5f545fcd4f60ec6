"""Hybrid retrieval: dense search in Chroma (`ChunkVectorStore`) and BM25 (`ChunkCorpus`), fused by reciprocal rank.

`HybridRetriever` is a LangChain `BaseRetriever`: `retriever.invoke("prednisone cap")` returns
`Document`s whose metadata carry trial, chunk_id, section, kind, start, end and the fused score
(`invoke(query, k=3)` asks for another number of them). Filters (trial, section, kind) apply to both
halves; both read through `index.store.ChunkStore`, so chunks of uncommitted index versions are never
returned.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from index.chunks import Chunk
from retrieval.corpus import ChunkCorpus
from retrieval.dense import Filters
from retrieval.vectorstore import ChunkVectorStore, chroma_vectorstore

__all__ = ["ChunkCorpus", "HybridRetriever", "chroma_vectorstore", "chunk_document"]

RRF_K = 60


def chunk_document(chunk: Chunk, score: float, **extra: Any) -> Document:
    return Document(
        page_content=chunk.text,
        metadata={
            "trial": chunk.trial,
            "chunk_id": chunk.id,
            "section": chunk.section,
            "kind": chunk.kind,
            "start": chunk.start,
            "end": chunk.end,
            "score": score,
            **extra,
        },
    )


class HybridRetriever(BaseRetriever):
    """Dense (the vector store over the Chroma collection) + BM25, fused with RRF."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    corpus: ChunkCorpus
    vectorstore: ChunkVectorStore | None = None  # None = lexical only
    k: int = 8
    fetch_k: int = 30  # from each half, before fusing
    filters: Filters = Filters()

    def _dense(self, query: str, filters: Filters) -> list[tuple[str, float]]:
        """The chunk ids closest to `query` (committed versions only: the store's rule), with cosine similarity."""
        if self.vectorstore is None:
            return []
        found = self.vectorstore.similarity_search_with_score(query, k=self.fetch_k, filter=filters.where())
        return [(str(doc.metadata.get("chunk_id")), similarity) for doc, similarity in found]

    def search(self, query: str, filters: Filters | None = None, k: int | None = None) -> list[Document]:
        filters = filters or self.filters
        k = k or self.k
        allow = self.corpus.allowed(filters)
        lexical = self.corpus.bm25.search(query, self.fetch_k, allow)
        dense = self._dense(query, filters)
        fused: dict[str, float] = {}
        lex_score: dict[str, float] = {}
        dense_score: dict[str, float] = {}
        for rank, hit in enumerate(lexical):
            fused[hit.chunk.id] = fused.get(hit.chunk.id, 0.0) + 1.0 / (RRF_K + rank + 1)
            lex_score[hit.chunk.id] = hit.score
        for rank, (cid, sim) in enumerate(dense):
            if cid not in self.corpus.by_id:
                continue
            fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
            dense_score[cid] = sim
        ranked = sorted(fused.items(), key=lambda x: (-x[1], x[0]))[:k]
        return [
            chunk_document(self.corpus.by_id[cid], score, bm25=lex_score.get(cid, 0.0), dense=dense_score.get(cid))
            for cid, score in ranked
        ]

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None
    ) -> list[Document]:
        return self.search(query, k=k)
