"""The chunks of the committed trial versions, as the store holds them, with a BM25 index over them.

Read from `ChunkStore.get` (the stored text and metadata of committed versions only), not by cutting
the trials into chunks again. A chunk's verbatim `text` is its span of the trial's stored record.
BM25 matches the stored text without the trial title it opens with (`lexical_text`).

Chunks are listed trial by trial (by reference), each trial's in the order of its record: criteria as
the record lists them, then the prose sections as it lists them. BM25 breaks ties in that order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from index.catalog import Catalog
from index.chunks import Chunk
from index.store import ChunkStore
from retrieval.dense import Filters
from retrieval.lexical import BM25Index
from trialscreen.errors import TrialscreenError
from trialscreen.model import Trial


def lexical_text(embed_text: str, title: str) -> str:
    """What BM25 matches of a stored chunk: its text without the `"{title}. "` it opens with.

    The title is the same for every chunk of a trial: it would not tell them apart."""
    prefix = f"{title}. "
    return embed_text[len(prefix) :] if embed_text.startswith(prefix) else embed_text


def _record_order(trial: Trial) -> Callable[[Chunk], tuple[int, int, int]]:
    """Sort key: criteria in the record's order, then the prose sections in the record's order."""
    criteria: dict[tuple[int, int], int] = {}
    for i, c in enumerate(trial.criteria):
        criteria.setdefault((c.start, c.end), i)

    def key(chunk: Chunk) -> tuple[int, int, int]:
        if chunk.section == "criteria":
            return (0, criteria.get((chunk.start, chunk.end), len(criteria)), chunk.start)
        section = next(
            (i for i, s in enumerate(trial.sections) if s.name == chunk.section and s.start <= chunk.start < s.end),
            len(trial.sections),
        )
        return (1, section, chunk.start)

    return key


def _chunk(trial: Trial, document: str, meta: dict[str, Any]) -> Chunk:
    start, end = int(meta["start"]), int(meta["end"])
    return Chunk(
        id=str(meta["chunk_id"]),
        trial=trial.ref,
        section=str(meta["section"]),
        kind=str(meta["kind"]),
        start=start,
        end=end,
        text=trial.source_text[start:end],
        embed_text=document,
    )


class ChunkCorpus:
    """All chunks of the committed trials, as the index holds them, with a BM25 index over them.

    `store` defaults to the catalog's data directory; it is only read."""

    def __init__(self, catalog: Catalog, store: ChunkStore | None = None) -> None:
        self.catalog = catalog
        self.chunks = self._read(store or ChunkStore(catalog.settings, None, catalog))
        self.by_id = {c.id: c for c in self.chunks}
        titles = {t.ref: t.title for t in catalog.trials()}
        self._bodies = {c.id: lexical_text(c.embed_text, titles[c.trial]) for c in self.chunks}
        self.bm25 = BM25Index(self.chunks, texts=[self._bodies[c.id] for c in self.chunks])

    def _read(self, store: ChunkStore) -> list[Chunk]:
        for attempt in (0, 1):
            if self.catalog.is_empty():
                return []
            data = store.get()
            by_trial: dict[str, list[tuple[str, dict[str, Any]]]] = {}
            for document, meta in zip(data["documents"], data["metadatas"], strict=True):
                by_trial.setdefault(str(meta["trial"]), []).append((document, meta))
            short = {
                ref: entry.chunks - len(by_trial.get(ref, []))
                for ref, entry in self.catalog.entries.items()
                if len(by_trial.get(ref, [])) != entry.chunks
            }
            if not short:
                break
            if attempt == 0:  # an index run replaced a trial since the manifest was read: read both again
                self.catalog.reload()
                continue
            where = self.catalog.settings.chroma.url if self.catalog.settings.chroma else self.catalog.settings.data_dir
            raise TrialscreenError(
                f"the index at {where} does not hold all chunks of {', '.join(sorted(short))}; run `trialscreen index` "
                "on their files again (it repairs them)"
            )
        chunks: list[Chunk] = []
        for trial in self.catalog.trials():
            own = [_chunk(trial, document, meta) for document, meta in by_trial[trial.ref]]
            chunks.extend(sorted(own, key=_record_order(trial)))
        return chunks

    def body(self, chunk_id: str) -> str:
        """The chunk's stored text without the trial title: what BM25 matches, and what a passage says."""
        return self._bodies[chunk_id]

    def allowed(self, filters: Filters) -> set[int] | None:
        if not (filters.trial or filters.section or filters.kind):
            return None
        return {
            i
            for i, c in enumerate(self.chunks)
            if (not filters.trial or c.trial == filters.trial)
            and (not filters.section or c.section == filters.section)
            and (not filters.kind or c.kind == filters.kind)
        }
