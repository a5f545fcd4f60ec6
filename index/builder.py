"""Incremental, transactional indexing: files in, trials parsed, chunks embedded into Chroma, manifest committed.

- One writer per data directory (`index.lock`); readers never wait.
- A run first removes what interrupted runs left (records, rules and chunks of versions the
  manifest does not name, and half-written temporary files).
- Then, batch by batch: the records and rules of each new trial version are written, its chunks
  added, and the manifest is replaced (atomically) to name them: the commit. Only then are the
  replaced versions' chunks and records deleted. An interrupt (Ctrl-C or a kill) anywhere leaves the
  index exactly as the last commit left it; the next run cleans up and finishes the rest.
- Unchanged files (same bytes, same reader, compiler and embedding model) are skipped without parsing.
- A table of trials (a CSV, `index.readers.csv_trials`) is one file of many trials: each is keyed by
  its own text, so a changed table re-embeds only its changed rows, and rows gone from it are removed.
  Its rows without criteria, and trials read before from another file (the first wins), are counted
  in one line per table (`IndexReport.skipped`), not refused one by one.
- Files gone from an indexed folder are removed from the index.
- A file that states the reference (NCT number) of a trial indexed from another file that still
  exists is refused, unless `replace` is set: a trial is never silently replaced by another source.
- Bad documents get one line each and the rest of the batch still indexes.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from index.catalog import LEGACY_COLLECTION, Catalog, Entry, version_key
from index.chunks import chunk_trial
from index.faults import checkpoint
from index.lock import WriterLock
from index.readers import read_trials
from index.storage import remove_stale_tmp
from index.store import ChunkStore
from index.textio import DocumentError, decode, file_digest, read_bytes
from trialscreen.config import Settings
from trialscreen.errors import TrialscreenError
from trialscreen.model import RuleCompiler, Trial

READER_VERSION = "6"  # bump when parsing or chunking changes, so every trial is re-read
DOC_SUFFIXES = {".txt", ".md", ".markdown", ".json", ".html", ".htm", ".csv", ".tsv", ""}
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
    replaced: list[str] = field(default_factory=list)  # one line per trial now read from another file
    rejected: list[str] = field(default_factory=list)  # one message per bad file
    skipped: list[str] = field(default_factory=list)  # one line per table with rows not indexed, and why
    skipped_rows: int = 0  # rows of tables not indexed (no criteria, or a trial read before)
    collected: int = 0  # leftovers of interrupted runs removed at the start
    chunks: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        parts = [f"indexed {len(self.indexed)}", f"unchanged {len(self.unchanged)}"]
        if self.removed:
            parts.append(f"removed {len(self.removed)}")
        if self.replaced:
            parts.append(f"replaced {len(self.replaced)}")
        if self.rejected:
            parts.append(f"rejected {len(self.rejected)}")
        rows = f"; {self.skipped_rows} table row(s) skipped" if self.skipped_rows else ""
        return f"{', '.join(parts)} trial(s){rows}; {self.chunks} chunks written in {self.seconds:.1f}s"


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Path], list[str]]:
    """Files to read, folders given, and one message per path that does not exist."""
    files: list[Path] = []
    folders: list[Path] = []
    missing: list[str] = []
    for path in paths:
        if path.is_dir():
            try:
                found = sorted(path.rglob("*"))
            except OSError as err:
                missing.append(f"{path}: cannot list the folder ({err.strerror or err})")
                continue
            folders.append(path.resolve())
            for f in found:
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
    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        progress: bool = True,
        replace: bool = False,
        batch_chunks: int = EMBED_BATCH_CHUNKS,
        compiler: RuleCompiler | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.compiler = compiler  # stores each trial's rules at index time (the services pass the engine's)
        self.catalog = Catalog(settings)
        self.store = ChunkStore(settings, embedder.name, self.catalog)
        self.lock = WriterLock(settings.data_dir, settings.lock_path)
        self.progress = progress
        self.replace = replace
        self.batch_chunks = batch_chunks
        self._damaged: set[str] = set()  # committed trials whose chunks or records are not all there

    # -- recovery ---------------------------------------------------------------------------
    def _prepare(self) -> None:
        """Read the manifest as it is now; give a new (or outdated) data directory a manifest of its own."""
        self.catalog.reload()
        if self.catalog.outdated:  # written by an older trialscreen: rebuilt from scratch
            self.store.drop_legacy_collection(LEGACY_COLLECTION)
            (self.settings.data_dir / "journal.json").unlink(missing_ok=True)
        if not self.catalog.exists:
            self.store.count()  # a collection another data dir owns is refused before anything is written
            self.catalog.commit({})  # fixes the collection name and identity before any chunk is written

    def recover(self) -> int:
        """Remove everything the manifest does not name. Returns how many files and chunks were removed."""
        removed = remove_stale_tmp(self.settings.data_dir) + remove_stale_tmp(self.settings.trials_dir)
        keep = self.catalog.committed_files()
        if self.settings.trials_dir.is_dir():
            for f in self.settings.trials_dir.iterdir():
                if f.is_file() and f not in keep:
                    f.unlink(missing_ok=True)
                    removed += 1
        self._damaged = {
            e.ref
            for e in self.catalog.entries.values()
            if not all(p.is_file() for p in self.catalog.record_paths(e.ref, e.version))
        }
        if self.store.count() != self.catalog.committed_chunks():
            by_key = self.store.ids_by_key()
            committed = self.catalog.committed_keys()
            stale = [i for key, ids in by_key.items() if key not in committed for i in ids]
            self.store.delete_ids(stale)
            removed += len(stale)
            self._damaged |= {e.ref for e in self.catalog.entries.values() if len(by_key.get(e.key, [])) != e.chunks}
        return removed

    # -- versions ---------------------------------------------------------------------------
    def version(self, sha256: str) -> str:
        """A trial version: its own text's hash, and the reader, compiler and embedding model that made it."""
        compiler = self.compiler.version if self.compiler is not None else "-"
        key = f"{sha256}:{READER_VERSION}:{compiler}:{self.embedder.name}"
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    # -- the run ----------------------------------------------------------------------------
    def run(self, paths: Sequence[Path]) -> IndexReport:
        started = time.perf_counter()
        report = IndexReport()
        files, folders, missing = discover(paths)
        report.rejected.extend(missing)
        if self.settings.chroma is not None:
            self.store.client  # noqa: B018 - a dead server fails fast, before anything is written
        with self.lock:
            checkpoint("locked")
            self.store.client  # noqa: B018 - an embedded store is opened (created) by one writer at a time
            self._prepare()
            report.collected = self.recover()
            checkpoint("collected")
            self._index(files, folders, report)
        report.seconds = time.perf_counter() - started
        return report

    def _current(self, entry: Entry, digest: str) -> bool:
        """The committed version of this trial is what this file, reader, compiler and model would make."""
        return (
            entry.sha256 == digest and entry.version == self.version(entry.content) and entry.ref not in self._damaged
        )

    def _index(self, files: list[Path], folders: list[Path], report: IndexReport) -> None:
        by_path: dict[str, list[Entry]] = {}
        for e in self.catalog.entries.values():
            by_path.setdefault(e.path, []).append(e)
        run = _Run(report)
        bar = _progress(len(files), self.progress)
        try:
            for path in files:
                bar.update(1)
                try:
                    data = read_bytes(path)
                except DocumentError as err:
                    report.rejected.append(str(err))
                    continue
                digest = file_digest(data)
                known = by_path.get(str(path.resolve()), [])
                if known and all(self._current(e, digest) for e in known):
                    for e in known:
                        report.unchanged.append(e.ref)
                        run.seen[e.ref] = path
                    continue
                self._read_file(path, data, digest, run)
            if run.batch:
                report.chunks += self._write(run.batch, report)
        finally:
            bar.close()
        self._remove_missing(folders, run, report)

    def _read_file(self, path: Path, data: bytes, digest: str, run: _Run) -> None:
        """Read every trial of one file into the run's batches (writing each full batch)."""
        report = run.report
        try:
            read = read_trials(decode(path, data))
            for trial in read.trials:
                why = self._take(trial, path, digest, run, read.table)
                if why:
                    read.skipped[why] += 1
                if run.batch_chunks >= self.batch_chunks:
                    report.chunks += self._write(run.batch, report)
                    run.batch, run.batch_chunks = [], 0
        except DocumentError as err:
            report.rejected.append(str(err))
            return
        if read.table:
            run.tables.add(str(path.resolve()))
            if read.skipped:
                report.skipped.append(read.summary())
                report.skipped_rows += sum(read.skipped.values())

    def _take(self, trial: Trial, path: Path, digest: str, run: _Run, table: bool) -> str:
        """Queue one trial of a file for writing, unless it is unchanged or refused. Returns why a row of a
        table is not taken ('' when it is, or when the refusal was reported on its own line)."""
        report = run.report
        resolved = str(path.resolve())
        version = self.version(trial.content_hash)
        if trial.ref in run.seen:
            if table:
                return "the same trial as an earlier row or file (the first is kept)"
            report.rejected.append(
                f"{path.name}: the same trial ({trial.ref}) as {run.seen[trial.ref].name}; not indexed"
            )
            return ""
        current = self.catalog.entries.get(trial.ref)
        if current and current.version == version and trial.ref not in self._damaged:
            if current.path == resolved or not Path(current.path).exists():
                # the same trial text: in a table whose other rows changed, or at another path now
                run.seen[trial.ref] = path
                report.unchanged.append(trial.ref)
                if current.path != resolved or current.sha256 != digest:
                    run.relabel[trial.ref] = replace(
                        current, path=resolved, source=trial.source, stem=trial.stem, sha256=digest
                    )
                return ""
            run.seen[trial.ref] = path
            report.unchanged.append(trial.ref)  # the same content at another path, which still exists
            return ""
        if current and current.path != resolved:
            if Path(current.path).exists() and not self.replace:
                if table:
                    return "already indexed from another file (pass --replace to replace it)"
                report.rejected.append(
                    f"{path}: states {trial.ref}, which is already indexed from {current.path}; not indexed "
                    "(pass --replace to replace that trial with this file)"
                )
                return ""
            gone = "" if Path(current.path).exists() else " (that file is gone)"
            report.replaced.append(f"{trial.ref}: now read from {path}, no longer from {current.path}{gone}")
        run.seen[trial.ref] = path
        run.batch.append((trial, path, version, digest))
        run.batch_chunks += len(trial.criteria) + len(trial.sections)
        return ""

    def _write(self, batch: list[tuple[Trial, Path, str, str]], report: IndexReport) -> int:
        """Write one batch of new trial versions and commit them; returns how many chunks were written."""
        chunked = [(t, p, v, chunk_trial(t)) for t, p, v, _ in batch]
        digests = {t.ref: d for t, _, _, d in batch}
        new_keys = [version_key(t.ref, v) for t, _, v, _ in chunked]
        old = {t.ref: self.catalog.entries.get(t.ref) for t, _, _, _ in chunked}
        committed = False
        try:
            for trial, _, version, _ in chunked:
                rules = self.compiler.compile(trial) if self.compiler is not None else None
                self.catalog.write_records(trial, version, rules, self.compiler.fingerprint if self.compiler else "")
            checkpoint("records")
            all_chunks = [(c, v, t.title) for t, _, v, cs in chunked for c in cs]
            vectors = encode(self.embedder, [c.embed_text for c, _, _ in all_chunks])
            self.store.add(
                ids=[f"{c.id}@{v}" for c, v, _ in all_chunks],
                embeddings=vectors,
                documents=[c.embed_text for c, _, _ in all_chunks],
                metadatas=[c.metadata(v, title) for c, v, title in all_chunks],
            )
            checkpoint("added")
            updates: dict[str, Entry | None] = {
                t.ref: Entry(
                    ref=t.ref,
                    path=str(p.resolve()),
                    source=t.source,
                    sha256=digests[t.ref],
                    version=v,
                    stem=t.stem,
                    nct_id=t.nct_id,
                    chunks=len(cs),
                    content_sha256=t.content_hash if t.content_hash != digests[t.ref] else "",
                )
                for t, p, v, cs in chunked
            }
            self.catalog.commit(updates, before_replace=lambda: checkpoint("manifest"))
            committed = True
            checkpoint("committed")
        except BaseException:
            if not committed:
                self._discard(new_keys)
            raise
        report.indexed.extend(t.ref for t, _, _, _ in chunked)
        replaced = [e for e in old.values() if e is not None and e.key not in set(new_keys)]
        self._delete_versions(replaced)
        checkpoint("cleaned")
        return len(all_chunks)

    def _discard(self, keys: list[str]) -> None:
        """Best effort, on an interrupt: remove this batch's uncommitted chunks and records at once.

        What the manifest on disk names is kept, whatever this process believes; what this misses, the
        next run's `recover` removes.
        """
        try:
            on_disk = Catalog(self.settings)
            committed = on_disk.committed_keys()
            uncommitted = [k for k in keys if k not in committed]
            self.store.delete_keys(uncommitted)
            for key in uncommitted:
                ref, _, version = key.rpartition("@")
                for f in on_disk.record_paths(ref, version):
                    f.unlink(missing_ok=True)
        except BaseException:  # a second interrupt, or the store is gone: the next run cleans up
            pass

    def _delete_versions(self, entries: list[Entry]) -> None:
        """Delete the chunks and records of versions the manifest no longer names."""
        if not entries:
            return
        self.store.delete_keys([e.key for e in entries])
        keep = self.catalog.committed_files()
        for e in entries:
            for f in self.catalog.record_paths(e.ref, e.version):
                if f not in keep:
                    f.unlink(missing_ok=True)

    def _remove_missing(self, folders: list[Path], run: _Run, report: IndexReport) -> None:
        """Drop the trials of files gone from an indexed folder, and of rows gone from a table read whole."""
        gone: list[Entry] = []
        for ref, entry in self.catalog.entries.items():
            if ref in run.seen:
                continue
            path = Path(entry.path)
            if entry.path in run.tables or (
                any(path.is_relative_to(folder) for folder in folders) and not path.exists()
            ):
                gone.append(entry)
        moved = {ref: e for ref, e in run.relabel.items() if ref in self.catalog.entries}
        if not gone and not moved:
            return
        updates: dict[str, Entry | None] = {e.ref: None for e in gone}
        updates.update(moved)
        self.catalog.commit(updates, before_replace=lambda: checkpoint("manifest"))
        report.removed.extend(e.ref for e in gone)
        checkpoint("removed")
        self._delete_versions(gone)


@dataclass
class _Run:
    """What one index run has read so far."""

    report: IndexReport
    seen: dict[str, Path] = field(default_factory=dict)  # trial -> the file it is read from in this run
    relabel: dict[str, Entry] = field(default_factory=dict)  # unchanged trials at a new path or file hash
    tables: set[str] = field(default_factory=set)  # tables read to the end: a trial not in them is gone
    batch: list[tuple[Trial, Path, str, str]] = field(default_factory=list)  # trial, path, version, file hash
    batch_chunks: int = 0


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


def ensure_bundled_index(
    settings: Settings, embedder: Embedder, compiler: RuleCompiler | None = None
) -> IndexReport | None:
    """Index the bundled sample trials if the index is empty (what `make chat` relies on)."""
    catalog = Catalog(settings)
    if not catalog.is_empty():
        return None
    report = Indexer(settings, embedder, compiler=compiler).run([bundled_dir()])
    if not report.indexed:
        raise TrialscreenError("the bundled trials could not be indexed: " + "; ".join(report.rejected))
    return report


def bundled_dir() -> Path:
    return Path(__file__).resolve().parent / "bundled"
