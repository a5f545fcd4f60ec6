"""Dense search in the Chroma collection, restricted to committed trial versions (by `ChunkStore`).

`exact_search` ranks every stored chunk by exact cosine similarity; it is the reference the HNSW
settings are checked against (tests and `make bench`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from index.builder import Embedder
from index.catalog import Catalog
from index.store import ChunkStore, Hit


@dataclass(frozen=True)
class Filters:
    trial: str | None = None
    section: str | None = None
    kind: str | None = None

    def where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.trial:
            clauses.append({"trial": self.trial})
        if self.section:
            clauses.append({"section": self.section})
        if self.kind:
            clauses.append({"kind": self.kind})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class DenseSearcher:
    """Searches `store`, which returns only committed trial versions (`catalog` is the manifest it was opened with)."""

    def __init__(self, store: ChunkStore, catalog: Catalog, embedder: Embedder) -> None:
        self.store = store
        self.catalog = catalog
        self.embedder = embedder

    def search(self, query: str, k: int = 10, filters: Filters | None = None) -> list[Hit]:
        return self.store.query(self.embedder.embed_query(query), k, (filters or Filters()).where())

    def exact_search(self, query: str, k: int = 10, filters: Filters | None = None) -> list[Hit]:
        data = self.store.get(where=(filters or Filters()).where(), include_embeddings=True)
        if not data["ids"]:
            return []
        matrix = np.asarray(data["embeddings"], dtype=np.float32)
        q = np.asarray(self.embedder.embed_query(query), dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1) * (np.linalg.norm(q) or 1.0)
        scores = matrix @ q / np.where(norms == 0, 1.0, norms)
        order = np.argsort(-scores)[:k]
        return [Hit(data["ids"][i], float(scores[i]), data["documents"][i], dict(data["metadatas"][i])) for i in order]
