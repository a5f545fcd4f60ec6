"""The Chroma collection that holds the chunks: embedded on disk by default, or a Chroma server.

Both go through the same code: only the client differs. The collection uses cosine space and HNSW
settings chosen so that top-10 results agree with exact search on this corpus
(`tests/test_store.py` checks it). Embeddings are always computed by us and passed in: Chroma's
default embedding function would download a model.

Each data directory has its own collection, named in its manifest (`trialscreen-NAME` with
`--index NAME`, else `trialscreen-` and the start of the data directory's random identity), and the
collection records that identity: a data directory never reads or deletes another one's chunks on a
shared server, and says so in one line if pointed at one.

Every chunk's metadata carries `key` (`REF@VERSION`). `ChunkStore` is the only way into Chroma, for the
indexer's writes and for every read, and the one place that decides what a reader sees: `query` and
`get` return only chunks of the versions the catalog's manifest names, however many leftovers of an
interrupted run the collection still holds. `ids_by_key` and `count` see every chunk: they are for the
indexer, which removes those leftovers. LangChain's `VectorStore` interface over this store is
`retrieval.vectorstore.ChunkVectorStore`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from index.faults import checkpoint
from index.storage import storage_error
from trialscreen.config import Settings
from trialscreen.errors import StorageError, StoreUnavailableError, TrialscreenError

HNSW = {"space": "cosine", "ef_construction": 200, "ef_search": 200, "max_neighbors": 32}
ADD_SLICE = 4000
LOW_DISK_BYTES = 8 * 1024 * 1024  # when the embedded store fails with less free than this, the disk is the cause


class Versions(Protocol):
    """What the store reads of the manifest (`index.catalog.Catalog`): its collection, and which versions it names."""

    @property
    def collection_name(self) -> str: ...

    @property
    def index_id(self) -> str: ...

    def committed_keys(self) -> Collection[str]: ...

    def committed_chunks(self) -> int: ...


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


def _embedded_error(settings: Settings, err: Exception) -> TrialscreenError:
    """An embedded store error, as the real cause: a full disk, a read-only directory, or damage."""
    text = str(err).lower()
    where = settings.chroma_dir
    try:
        free = shutil.disk_usage(where).free
    except OSError:
        free = None
    if "disk is full" in text or "no space left" in text or (free is not None and free < LOW_DISK_BYTES):
        return StorageError(
            f"cannot write to the index at {where}: the disk is full; free some space and run it again "
            "(what was indexed before is intact)"
        )
    writable = os.access(where, os.W_OK) if where.exists() else os.access(settings.data_dir, os.W_OK)
    if "readonly" in text or "read-only" in text or "permission denied" in text or not writable:
        return StorageError(
            f"cannot write to the index at {where}: it is read-only; make {settings.data_dir} writable or choose "
            "another --data-dir (what was indexed before is intact)"
        )
    return StoreUnavailableError(
        f"cannot use the index at {where} ({type(err).__name__}: {str(err)[:200]}); if it was damaged, remove "
        "that directory and run `trialscreen index` again"
    )


class ChunkStore:
    """The chunks of one data directory in Chroma.

    `embedding_model` is the model the caller embeds with; a collection built with another one is refused.
    None reads what is stored whichever model embedded it (the texts and metadata, for BM25).
    """

    def __init__(self, settings: Settings, embedding_model: str | None, catalog: Versions | None = None) -> None:
        self.settings = settings
        self.embedding_model = embedding_model
        self._catalog = catalog
        self._client: Any = None
        self._collection: Any = None

    @property
    def catalog(self) -> Versions:
        """The manifest this store trusts: its collection name, identity and committed versions."""
        if self._catalog is None:
            from index.catalog import Catalog

            self._catalog = Catalog(self.settings)
        return self._catalog

    @property
    def client(self) -> Any:
        if self._client is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
            if self.settings.chroma is None:
                try:
                    self.settings.chroma_dir.mkdir(parents=True, exist_ok=True)
                except OSError as err:
                    raise storage_error(err, self.settings.chroma_dir, "create the index directory") from err
                try:
                    self._client = chromadb.PersistentClient(
                        path=str(self.settings.chroma_dir), settings=chroma_settings
                    )
                except Exception as err:
                    raise _embedded_error(self.settings, err) from err
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
    def name(self) -> str:
        return self.catalog.collection_name

    @property
    def collection(self) -> Any:
        if self._collection is None:
            owner = self.catalog.index_id
            try:
                ours = {"index_id": owner} | ({"embedding_model": self.embedding_model} if self.embedding_model else {})
                collection = self.client.get_or_create_collection(
                    self.name, configuration={"hnsw": dict(HNSW)}, metadata=ours, embedding_function=None
                )
                meta = dict(collection.metadata or {})
                if any(meta.get(k) != v for k, v in ours.items()) and collection.count() == 0:
                    meta = {**ours, **meta, "index_id": owner}  # an empty collection nobody claimed: ours now
                    collection.modify(metadata=meta)
            except (StoreUnavailableError, TrialscreenError):
                raise
            except Exception as err:
                raise self._error(err) from err
            where = self.settings.chroma.url if self.settings.chroma else str(self.settings.chroma_dir)
            if meta.get("index_id") != owner:
                raise TrialscreenError(
                    f"the Chroma collection {self.name!r} at {where} belongs to another data directory; give this "
                    f"one its own with --index NAME (a name no other data directory on that server uses)"
                )
            built_with = meta.get("embedding_model")
            if built_with and self.embedding_model and built_with != self.embedding_model:
                raise TrialscreenError(
                    f"the index was built with the embedding model {built_with!r}, not "
                    f"{self.embedding_model!r}; use another --data-dir or re-index into a new one"
                )
            self._collection = collection
        return self._collection

    def _error(self, err: Exception) -> TrialscreenError:
        if self.settings.chroma is not None:
            if _is_connection_error(err):
                return _server_error(self.settings, err)
            return StoreUnavailableError(
                f"the Chroma server at {self.settings.chroma.url} refused the request "
                f"({type(err).__name__}: {str(err)[:200]})"
            )
        return _embedded_error(self.settings, err)

    def _call(self, fn: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(self.collection, fn)(*args, **kwargs)
        except (StoreUnavailableError, TrialscreenError):
            raise
        except Exception as err:
            raise self._error(err) from err

    def add(
        self,
        ids: Sequence[str],
        embeddings: Any,
        documents: Sequence[str],
        metadatas: Sequence[dict[str, Any] | None],
        batch: int | None = None,
    ) -> None:
        """Add (or overwrite) chunks; ids are unique per trial version, so a repeated add is harmless."""
        batch = batch or ADD_SLICE
        for i in range(0, len(ids), batch):
            self._call(
                "upsert",
                ids=list(ids[i : i + batch]),
                embeddings=embeddings[i : i + batch],
                documents=list(documents[i : i + batch]),
                metadatas=list(metadatas[i : i + batch]),
            )
            checkpoint("add")

    def delete_keys(self, keys: Sequence[str]) -> None:
        """Remove every chunk of these trial versions (`REF@VERSION`)."""
        for i in range(0, len(keys), 500):
            part = list(keys[i : i + 500])
            self._call("delete", where={"key": part[0]} if len(part) == 1 else {"key": {"$in": part}})

    def delete_ids(self, ids: Sequence[str]) -> None:
        for i in range(0, len(ids), 4000):
            self._call("delete", ids=list(ids[i : i + 4000]))

    def ids_by_key(self) -> dict[str, list[str]]:
        """Every chunk id in the collection, grouped by the trial version it belongs to."""
        data = self._call("get", include=["metadatas"])
        out: dict[str, list[str]] = {}
        for chunk_id, meta in zip(data["ids"], data["metadatas"], strict=True):
            out.setdefault(str((meta or {}).get("key")), []).append(chunk_id)
        return out

    def count(self) -> int:
        """Every chunk in the collection, committed or not."""
        return int(self._call("count"))

    def _visible(self, metadatas: Sequence[dict[str, Any] | None]) -> list[int]:
        """The one rule for what readers see: the positions of chunks of trial versions the manifest names."""
        committed = self.catalog.committed_keys()
        return [i for i, meta in enumerate(metadatas) if (meta or {}).get("key") in committed]

    def get(
        self,
        where: dict[str, Any] | None = None,
        include_embeddings: bool = False,
        ids: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """The stored chunks of committed trial versions (all, by `where`, or by id) in the collection's order:
        `{"ids": [...], "documents": [...], "metadatas": [...]}`, and `"embeddings"` if asked for."""
        include = ["metadatas", "documents"] + (["embeddings"] if include_embeddings else [])
        if ids is not None and not ids:
            return {name: [] for name in ["ids", *include]}
        data = self._call("get", ids=list(ids) if ids is not None else None, where=where or None, include=include)
        keep = self._visible(data["metadatas"])
        return {name: [data[name][i] for i in keep] for name in ["ids", *include]}

    def query(self, embedding: Sequence[float], k: int, where: dict[str, Any] | None = None) -> list[Hit]:
        """The k nearest chunks of committed trial versions.

        Chunks an interrupted run left (until the next index run removes them) are dropped; when they
        took places among the k nearest, the search runs again past all of them, so they can never crowd
        out committed ones. Only then are the chunks counted: a count costs as much as a search.
        """
        hits, exhausted = self._nearest(embedding, k, where)
        if len(hits) < k and not exhausted:
            leftovers = max(0, self.count() - self.catalog.committed_chunks())
            hits, _ = self._nearest(embedding, k + leftovers, where)
        return hits[:k]

    def _nearest(self, embedding: Sequence[float], n: int, where: dict[str, Any] | None) -> tuple[list[Hit], bool]:
        """The committed chunks among the n nearest, and whether fewer than n matched at all."""
        result = self._call(
            "query",
            query_embeddings=[list(embedding)],
            n_results=n,
            where=where or None,
            include=["metadatas", "documents", "distances"],
        )
        metadatas = result["metadatas"][0]
        hits = [
            Hit(
                id=result["ids"][0][i],
                score=1.0 - float(result["distances"][0][i]),
                document=result["documents"][0][i],
                metadata=dict(metadatas[i] or {}),
            )
            for i in self._visible(metadatas)
        ]
        return hits, len(result["ids"][0]) < n

    def drop_legacy_collection(self, name: str) -> None:
        """Remove the collection an older trialscreen kept in this data directory's embedded store."""
        if self.settings.chroma is not None:
            return  # on a server it may still serve other data directories: not ours to delete
        with contextlib.suppress(Exception):  # absent already: nothing to remove
            self.client.delete_collection(name)


def _is_connection_error(err: Exception) -> bool:
    name = type(err).__name__.lower()
    text = str(err).lower()
    return "connect" in name or "connect" in text or "timeout" in name or "refused" in text
