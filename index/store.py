"""The Chroma collection that holds the chunks: embedded on disk by default, or a Chroma server.

Both go through the same code: only the client differs. The collection uses cosine space and HNSW
settings chosen so that top-10 results agree with exact search on this corpus
(`tests/test_store.py` checks it). Embeddings are always computed by us and passed in: Chroma's
default embedding function would download a model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from trialscreen.config import Settings
from trialscreen.errors import StoreUnavailableError, TrialscreenError

HNSW = {"space": "cosine", "ef_construction": 200, "ef_search": 200, "max_neighbors": 32}


@dataclass(frozen=True)
class Hit:
    id: str
    score: float  # cosine similarity
    document: str
    metadata: dict[str, Any]


def _server_error(settings: Settings, err: Exception) -> StoreUnavailableError:
    assert settings.chroma is not None
    return StoreUnavailableError(
        f"cannot reach the Chroma server at {settings.chroma.url} ({type(err).__name__}); start it with "
        f"`chroma run --host {settings.chroma.host} --port {settings.chroma.port} --path DIR`, "
        "or leave out --chroma-url to use the embedded store"
    )


class ChunkStore:
    def __init__(self, settings: Settings, embedding_model: str) -> None:
        self.settings = settings
        self.embedding_model = embedding_model
        self._client: Any = None
        self._collection: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
            if self.settings.chroma is None:
                self.settings.chroma_dir.mkdir(parents=True, exist_ok=True)
                try:
                    self._client = chromadb.PersistentClient(
                        path=str(self.settings.chroma_dir), settings=chroma_settings
                    )
                except Exception as err:
                    raise StoreUnavailableError(
                        f"cannot open the index at {self.settings.chroma_dir} ({err}); "
                        "remove that directory and run `trialscreen index` again"
                    ) from err
            else:
                server = self.settings.chroma
                try:
                    self._client = chromadb.HttpClient(
                        host=server.host, port=server.port, ssl=server.ssl, settings=chroma_settings
                    )
                    self._client.heartbeat()
                except Exception as err:
                    self._client = None
                    raise _server_error(self.settings, err) from err
        return self._client

    @property
    def collection(self) -> Any:
        if self._collection is None:
            try:
                self._collection = self.client.get_or_create_collection(
                    self.settings.collection,
                    configuration={"hnsw": dict(HNSW)},
                    metadata={"embedding_model": self.embedding_model},
                    embedding_function=None,
                )
            except StoreUnavailableError:
                raise
            except Exception as err:
                if self.settings.chroma is not None:
                    raise _server_error(self.settings, err) from err
                raise
            built_with = (self._collection.metadata or {}).get("embedding_model")
            if built_with and built_with != self.embedding_model:
                raise TrialscreenError(
                    f"the index was built with the embedding model {built_with!r}, not "
                    f"{self.embedding_model!r}; use another --data-dir or delete {self.settings.chroma_dir}"
                )
        return self._collection

    def _call(self, fn: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(self.collection, fn)(*args, **kwargs)
        except (StoreUnavailableError, TrialscreenError):
            raise
        except Exception as err:
            if self.settings.chroma is not None and _is_connection_error(err):
                raise _server_error(self.settings, err) from err
            raise

    def add(
        self,
        ids: Sequence[str],
        embeddings: Any,
        documents: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
        batch: int = 4000,
    ) -> None:
        for i in range(0, len(ids), batch):
            self._call(
                "add",
                ids=list(ids[i : i + batch]),
                embeddings=embeddings[i : i + batch],
                documents=list(documents[i : i + batch]),
                metadatas=list(metadatas[i : i + batch]),
            )

    def delete(self, trial: str, version: str | None = None) -> None:
        where: dict[str, Any] = {"trial": trial}
        if version is not None:
            where = {"$and": [{"trial": trial}, {"version": version}]}
        self._call("delete", where=where)

    def count(self) -> int:
        return int(self._call("count"))

    def get(self, where: dict[str, Any] | None = None, include_embeddings: bool = False) -> dict[str, Any]:
        include = ["metadatas", "documents"] + (["embeddings"] if include_embeddings else [])
        result: dict[str, Any] = self._call("get", where=where, include=include)
        return result

    def query(self, embedding: Sequence[float], k: int, where: dict[str, Any] | None = None) -> list[Hit]:
        n = self.count()
        if n == 0:
            return []
        result = self._call(
            "query",
            query_embeddings=[list(embedding)],
            n_results=min(k, n),
            where=where or None,
            include=["metadatas", "documents", "distances"],
        )
        hits = []
        for i, chunk_id in enumerate(result["ids"][0]):
            hits.append(
                Hit(
                    id=chunk_id,
                    score=1.0 - float(result["distances"][0][i]),
                    document=result["documents"][0][i],
                    metadata=dict(result["metadatas"][0][i]),
                )
            )
        return hits


def _is_connection_error(err: Exception) -> bool:
    name = type(err).__name__.lower()
    text = str(err).lower()
    return "connect" in name or "connect" in text or "timeout" in name or "refused" in text
