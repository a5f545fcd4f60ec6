"""Incremental indexing: files in, trials parsed, chunks embedded into Chroma, manifest committed.

- Unchanged files (same bytes, same reader and embedding model) are skipped without parsing.
- Changed files are replaced: the new version's chunks are added, the manifest is switched to
  them, then the old version's chunks are deleted.
- Files gone from an indexed folder are removed from the index.
- A journal names every version being written; if a run is interrupted, the chunks it left are
  removed (at once on Ctrl-C, else at the start of the next run), so nothing half-written stays.
- Bad documents get one line each and the rest of the batch still indexes.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from index.catalog import Catalog, write_atomic
from index.chunks import Chunk, chunk_trial
from index.model import Trial
from index.readers import parse_document
from index.store import ChunkStore
from index.textio import DocumentError, decode, file_digest, read_bytes
from trialscreen.config import Settings
from trialscreen.errors import TrialscreenError

READER_VERSION = "6"  # bump when parsing or chunking changes, so every trial is re-read
DOC_SUFFIXES = {".txt", ".md", ".markdown", ".json", ".html", ".htm", ""}
SKIP_NAMES = {"readme", "source", "license", "licence", "changelog"}
EMBED_BATCH_CHUNKS = 8192  # large batches: the model sorts by length, so less padding


class Embedder(Protocol):
    name: str

    def embed_documents(self, texts: list[str]) -> Any: ...

    def embed_query(self, text: str) -> Any: ...


def encode(embedder: Embedder, texts: list[str]) -> Any:
    fast = getattr(embedder, "encode", None)
    return fast(texts) if callable(fast) else embedder.embed_documents(texts)


@dataclass
class IndexReport:
    indexed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # one message per bad file
    chunks: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        parts = [f"indexed {len(self.indexed)}", f"unchanged {len(self.unchanged)}"]
        if self.removed:
            parts.append(f"removed {len(self.removed)}")
        if self.rejected:
            parts.append(f"rejected {len(self.rejected)}")
        return f"{', '.join(parts)} trial(s); {self.chunks} chunks written in {self.seconds:.1f}s"


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Path], list[str]]:
    """Files to read, folders given, and one message per path that does not exist."""
    files: list[Path] = []
    folders: list[Path] = []
    missing: list[str] = []
    for path in paths:
        if path.is_dir():
            folders.append(path.resolve())
            for f in sorted(path.rglob("*")):
                if (
                    f.is_file()
                    and not any(part.startswith(".") for part in f.relative_to(path).parts)
                    and f.suffix.lower() in DOC_SUFFIXES
                    and f.stem.lower() not in SKIP_NAMES
                ):
                    files.append(f)
        elif path.is_file():
            files.append(path)
        else:
            missing.append(f"{path}: no such file or folder")
    return files, folders, missing


class Indexer:
    def __init__(self, settings: Settings, embedder: Embedder, progress: bool = True) -> None:
        self.settings = settings
        self.embedder = embedder
        self.catalog = Catalog(settings)
        self.store = ChunkStore(settings, embedder.name)
        self.progress = progress

    # -- journal ----------------------------------------------------------------------------
    @property
    def _journal_path(self) -> Path:
        return self.settings.data_dir / "journal.json"

    def _journal(self, pending: list[tuple[str, str]]) -> None:
        write_atomic(self._journal_path, json.dumps(pending))

    def recover(self) -> int:
        """Remove chunks an interrupted run left behind. Returns how many versions were cleaned."""
        if not self._journal_path.exists():
            return 0
        try:
            pending = json.loads(self._journal_path.read_text("utf-8"))
        except ValueError:
            pending = []
        cleaned = 0
        for ref, version in pending:
            if self.catalog.version_of(ref) != version:
                self.store.delete(ref, version)
                cleaned += 1
        self._journal_path.unlink(missing_ok=True)
        return cleaned

    # -- versions ---------------------------------------------------------------------------
    def version(self, sha256: str) -> str:
        from eligibility.compiler import COMPILER_VERSION

        key = f"{sha256}:{READER_VERSION}:{COMPILER_VERSION}:{self.embedder.name}"
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    # -- the run ----------------------------------------------------------------------------
    def run(self, paths: Sequence[Path]) -> IndexReport:
        started = time.perf_counter()
        report = IndexReport()
        files, folders, missing = discover(paths)
        report.rejected.extend(missing)
        self.store.count()  # reach the store before any work: a dead server fails fast, nothing written
        self.recover()
        by_path = {e.path: e for e in self.catalog.entries.values()}
        batch: list[tuple[Trial, Path, str]] = []
        batch_chunks = 0
        seen: dict[str, Path] = {}
        bar = _progress(len(files), self.progress)
        try:
            for path in files:
                try:
                    data = read_bytes(path)
                except DocumentError as err:
                    report.rejected.append(str(err))
                    bar.update(1)
                    continue
                digest = file_digest(data)
                version = self.version(digest)
                entry = by_path.get(str(path.resolve()))
                if entry and entry.sha256 == digest and entry.version == version:
                    report.unchanged.append(entry.ref)
                    seen[entry.ref] = path
                    bar.update(1)
                    continue
                try:
                    trial = parse_document(decode(path, data))
                except DocumentError as err:
                    report.rejected.append(str(err))
                    bar.update(1)
                    continue
                if trial.ref in seen:
                    report.rejected.append(
                        f"{path.name}: the same trial ({trial.ref}) as {seen[trial.ref].name}; not indexed"
                    )
                    bar.update(1)
                    continue
                seen[trial.ref] = path
                current = self.catalog.entries.get(trial.ref)
                if current and current.version == version:
                    report.unchanged.append(trial.ref)  # same content found at another path
                    self.catalog.entries[trial.ref].path = str(path.resolve())
                    bar.update(1)
                    continue
                batch.append((trial, path, version))
                batch_chunks += len(trial.criteria) + len(trial.sections)
                if batch_chunks >= EMBED_BATCH_CHUNKS:
                    report.chunks += self._write(batch, report)
                    bar.update(len(batch))
                    batch, batch_chunks = [], 0
            if batch:
                report.chunks += self._write(batch, report)
                bar.update(len(batch))
            self._remove_missing(folders, set(seen), report)
        finally:
            bar.close()
        self.catalog.save()
        report.seconds = time.perf_counter() - started
        return report

    def _write(self, batch: list[tuple[Trial, Path, str]], report: IndexReport) -> int:
        chunked: list[tuple[Trial, list[Chunk]]] = [(t, chunk_trial(t)) for t, _, _ in batch]
        pending = [(t.ref, v) for t, _, v in batch]
        old = [(t.ref, self.catalog.version_of(t.ref)) for t, _, _ in batch]
        self._journal(pending)
        try:
            all_chunks = [c for _, cs in chunked for c in cs]
            vectors = encode(self.embedder, [c.embed_text for c in all_chunks])
            versions = {t.ref: v for t, _, v in batch}
            titles = {t.ref: t.title for t, _ in chunked}
            self.store.add(
                ids=[f"{c.id}@{versions[c.trial]}" for c in all_chunks],
                embeddings=vectors,
                documents=[c.embed_text for c in all_chunks],
                metadatas=[c.metadata(versions[c.trial], titles[c.trial]) | {"chunk_id": c.id} for c in all_chunks],
            )
            from eligibility.compiler import compile_trial

            for trial, path, version in batch:
                rules = [c.to_dict() for c in compile_trial(trial)]
                self.catalog.store_trial(trial, path, version, rules)
                report.indexed.append(trial.ref)
            self.catalog.save()
        except BaseException:
            for ref, version in pending:
                if self.catalog.version_of(ref) != version:
                    self.store.delete(ref, version)
            self._journal_path.unlink(missing_ok=True)
            raise
        self._journal([(ref, v) for ref, v in old if v])
        for ref, previous in old:
            if previous:
                self.store.delete(ref, previous)
        self._journal_path.unlink(missing_ok=True)
        return len(all_chunks)

    def _remove_missing(self, folders: list[Path], seen: set[str], report: IndexReport) -> None:
        for ref, entry in list(self.catalog.entries.items()):
            if ref in seen:
                continue
            path = Path(entry.path)
            if any(path.is_relative_to(folder) for folder in folders) and not path.exists():
                self.store.delete(ref)
                self.catalog.drop(ref)
                report.removed.append(ref)


def _progress(total: int, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total,
        desc="indexing",
        unit="file",
        disable=not enabled or total < 20,
        file=sys.stderr,
        leave=False,
    )


def ensure_bundled_index(settings: Settings, embedder: Embedder) -> IndexReport | None:
    """Index the bundled sample trials if the index is empty (what `make chat` relies on)."""
    catalog = Catalog(settings)
    if not catalog.is_empty():
        return None
    report = Indexer(settings, embedder).run([bundled_dir()])
    if not report.indexed:
        raise TrialscreenError("the bundled trials could not be indexed: " + "; ".join(report.rejected))
    return report


def bundled_dir() -> Path:
    return Path(__file__).resolve().parent / "bundled"
