"""HINT indexing figures for `make bench`: real trials of every disease, read from their CSV tables.

Indexes the HINT tables (all 4,404 rows by default; `--hint-trials N`: the first N rows, a quick run)
with the real embedding model into a fresh embedded Chroma store in a temporary data directory,
then encodes the very same chunk texts with the model alone. Reports the total time, chunks/s of
both and their ratio (in wall time, and in CPU time, which is steadier on a shared machine), where
the indexing time went (embedding; the rest: reading, compiling, storing), an unchanged re-index,
and the peak memory of the process (RSS).
"""

from __future__ import annotations

import csv
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from evals.coverage import corpus_files, find_corpus
from index.catalog import Catalog
from index.chunks import chunk_trial
from index.embeddings import MiniLMEmbeddings
from trialscreen.config import Settings
from trialscreen.services import Services

DEFAULT_HINT = "../shared/data/external/hint"


class _Timed:
    """The embedder, timing every call the indexer makes to it."""

    def __init__(self, inner: MiniLMEmbeddings) -> None:
        self.inner = inner
        self.name = inner.name
        self.seconds = 0.0
        self.texts = 0

    def encode(self, texts: list[str]) -> Any:
        started = time.perf_counter()
        try:
            return self.inner.encode(texts)
        finally:
            self.seconds += time.perf_counter() - started
            self.texts += len(texts)

    def embed_documents(self, texts: list[str]) -> Any:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> Any:
        return self.inner.embed_query(text)


def _rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1048576 if sys.platform == "darwin" else 1024), 1)


def slice_tables(source: Path, rows: int, target: Path) -> Path:
    """The first `rows` rows of the HINT tables (in file order), as one table in `target`."""
    csv.field_size_limit(2**31 - 1)
    target.mkdir(parents=True, exist_ok=True)
    out = target / f"hint_first_{rows}.csv"
    written = 0
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer: Any = None
        for path in corpus_files(source):
            with path.open(encoding="utf-8", newline="") as src:
                reader = csv.reader(src)
                header = next(reader)
                if writer is None:
                    writer = csv.writer(fh)
                    writer.writerow(header)
                for cells in reader:
                    if written >= rows:
                        return out
                    writer.writerow(cells)
                    written += 1
    return out


def run(trials: int | None = None, hint: str = DEFAULT_HINT) -> dict[str, Any]:
    source = find_corpus(hint, Path(__file__))
    work = Path(tempfile.mkdtemp(prefix="trialscreen-bench-hint-"))
    try:
        corpus = source if trials is None else slice_tables(source, trials, work / "corpus")
        model = MiniLMEmbeddings()
        model.encode(["warm up"])  # load the model outside every timing
        rss_model = _rss_mb()
        embedder = _Timed(model)
        settings = Settings.resolve(data_dir=work / "data")
        started, cpu = time.perf_counter(), time.process_time()
        report = Services(settings, embedder=embedder).index([corpus], progress=True)
        index_s, index_cpu = time.perf_counter() - started, time.process_time() - cpu
        rss_index = _rss_mb()
        catalog = Catalog(settings)
        texts = [c.embed_text for t in catalog.trials() for c in chunk_trial(t)]
        assert len(texts) == report.chunks, f"{len(texts)} chunk texts for {report.chunks} chunks written"
        started, cpu = time.perf_counter(), time.process_time()
        model.encode(texts)
        encode_s, encode_cpu = time.perf_counter() - started, time.process_time() - cpu
        started = time.perf_counter()
        again = Services(settings, embedder=embedder).index([corpus], progress=False)
        reindex_s = time.perf_counter() - started
        assert again.chunks == 0, "an unchanged re-index wrote chunks"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "rows": trials or "all",
        "trials": len(report.indexed),
        "rows_skipped": report.skipped_rows,
        "rejected_files": len(report.rejected),
        "chunks": report.chunks,
        "index_s": round(index_s, 1),
        "index_chunks_per_s": round(report.chunks / index_s, 1),
        "embedding_s": round(embedder.seconds, 1),
        "other_s": round(index_s - embedder.seconds, 1),
        "encode_s": round(encode_s, 1),
        "encode_chunks_per_s": round(len(texts) / encode_s, 1),
        "index_over_encode": round(index_s / encode_s, 3),
        # CPU time of this process (all its threads): steadier than wall time on a shared machine
        "index_cpu_s": round(index_cpu, 1),
        "encode_cpu_s": round(encode_cpu, 1),
        "index_over_encode_cpu": round(index_cpu / encode_cpu, 3),
        "reindex_s": round(reindex_s, 2),
        "rss_model_mb": rss_model,
        "peak_rss_mb": rss_index,
    }


def report(row: dict[str, Any]) -> str:
    return (
        f"HINT ({row['rows']} rows): {row['trials']} trials indexed ({row['rows_skipped']} rows skipped), "
        f"{row['chunks']} chunks in {row['index_s']} s = {row['index_chunks_per_s']} chunks/s\n"
        f"  raw encode of the same chunks {row['encode_s']} s = {row['encode_chunks_per_s']} chunks/s; "
        f"index/encode ratio {row['index_over_encode']} (target <= 1.25); in CPU time "
        f"{row['index_cpu_s']} s / {row['encode_cpu_s']} s = {row['index_over_encode_cpu']}\n"
        f"  of the index time: embedding {row['embedding_s']} s, reading + compiling + storing {row['other_s']} s; "
        f"unchanged re-index {row['reindex_s']} s\n"
        f"  peak memory (RSS) {row['peak_rss_mb']} MB ({row['rss_model_mb']} MB with the model loaded, before)"
    )


if __name__ == "__main__":
    print(report(run()))
