"""Retrieval figures for `make bench`: latency p50/p95 at 10k and 100k chunks, top-10 agreement with exact search.

The corpus is grown from the real chunks: each copy keeps its text (with a site suffix, for BM25) and
gets the real chunk's embedding plus Gaussian noise of norm ~0.3 (re-normalised), so clusters look like real
data without embedding 100k texts. Each site's copies are one committed trial version. Dense search goes
through `ChunkStore`, the way the app searches: its committed-version filter and the documents and metadata
it returns are part of the time. Queries are the coordinator questions of evals/cases/questions.jsonl,
embedded with the real model once (that time is reported separately).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from index.builder import bundled_dir
from index.catalog import Catalog, Entry
from index.chunks import Chunk, chunk_trial
from index.embeddings import MiniLMEmbeddings
from index.readers import read_trial
from index.store import ChunkStore
from retrieval.lexical import BM25Index
from trialscreen.config import Settings

QUESTIONS = Path(__file__).resolve().parent.parent / "evals" / "cases" / "questions.jsonl"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _store(work: Path, chunks: list[Chunk], idx: Any, vectors: Any, texts: list[str]) -> ChunkStore:
    """A data directory holding the copies, chunk ids `0..n-1`, each site's copies committed as one trial version."""
    settings = Settings.resolve(data_dir=work / "data")
    catalog = Catalog(settings)
    store = ChunkStore(settings, "bench-noisy-minilm", catalog)
    sites = [k // len(chunks) for k in range(len(idx))]
    metadatas = [
        chunks[i].metadata("v1", "site") | {"key": f"site{s}@v1", "trial": f"site{s}"}
        for i, s in zip(idx.tolist(), sites, strict=True)
    ]
    store.add([str(k) for k in range(len(idx))], vectors, texts, metadatas)
    catalog.commit(
        {
            f"site{s}": Entry(f"site{s}", f"/bench/site{s}", f"site{s}", "0" * 64, "v1", f"site{s}", None, count)
            for s, count in sorted(Counter(sites).items())
        }
    )
    return store


def run(sizes: tuple[int, ...] = (10_000, 100_000), seed: int = 7) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    trials = [read_trial(p) for p in sorted(bundled_dir().iterdir()) if p.is_file()]
    chunks = [c for t in trials for c in chunk_trial(t)]
    model = MiniLMEmbeddings()
    base = np.asarray(model.encode([c.embed_text for c in chunks]), dtype=np.float32)
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines() if line.strip()]
    t0 = time.perf_counter()
    queries = np.asarray(model.encode(questions), dtype=np.float32)
    embed_ms = 1000 * (time.perf_counter() - t0) / len(questions)
    rows = []
    for n in sizes:
        idx = np.arange(n) % len(chunks)
        vectors = base[idx] + rng.normal(0, 0.015, size=(n, base.shape[1])).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        texts = [f"{chunks[i].embed_text} (site {k // len(chunks)})" for k, i in enumerate(idx)]
        work = Path(tempfile.mkdtemp(prefix="trialscreen-retrieval-"))
        try:
            t0 = time.perf_counter()
            store = _store(work, chunks, idx, vectors, texts)
            insert_s = time.perf_counter() - t0
            dense_ms, agreement, distance_recall = [], [], []
            for q in queries:
                t0 = time.perf_counter()
                got = store.query(q.tolist(), 10)
                dense_ms.append(1000 * (time.perf_counter() - t0))
                sims = vectors @ q
                exact_ids = np.argsort(-sims)[:10]
                found = [int(hit.id) for hit in got]
                agreement.append(len(set(exact_ids.tolist()) & set(found)) / 10)
                tenth = float(sims[exact_ids[-1]])  # ties among near-copies: as close as exact's 10th counts
                distance_recall.append(sum(1 for k in found if sims[k] >= tenth - 1e-6) / 10)
            t0 = time.perf_counter()
            bm25 = BM25Index(chunks=[chunks[i] for i in idx], texts=texts)
            bm25_build_s = time.perf_counter() - t0
            lexical_ms = []
            for question in questions:
                t0 = time.perf_counter()
                bm25.search(question, 30)
                lexical_ms.append(1000 * (time.perf_counter() - t0))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        hybrid = [d + lx for d, lx in zip(dense_ms, lexical_ms, strict=True)]
        rows.append(
            {
                "chunks": n,
                "insert_s": round(insert_s, 1),
                "dense_ms": {"p50": round(_pct(dense_ms, 0.5), 2), "p95": round(_pct(dense_ms, 0.95), 2)},
                "bm25_ms": {"p50": round(_pct(lexical_ms, 0.5), 2), "p95": round(_pct(lexical_ms, 0.95), 2)},
                "hybrid_ms": {"p50": round(_pct(hybrid, 0.5), 2), "p95": round(_pct(hybrid, 0.95), 2)},
                "query_embedding_ms": round(embed_ms, 2),
                "bm25_build_s": round(bm25_build_s, 1),
                "top10_agreement": round(float(np.mean(agreement)), 4),
                "top10_distance_recall": round(float(np.mean(distance_recall)), 4),
                "queries": len(questions),
            }
        )
    return rows


def report(rows: list[dict[str, Any]]) -> str:
    lines = []
    for r in rows:
        lines.append(
            f"retrieval at {r['chunks']:>7} chunks: dense p50 {r['dense_ms']['p50']} ms "
            f"p95 {r['dense_ms']['p95']} ms | "
            f"BM25 p50 {r['bm25_ms']['p50']} ms p95 {r['bm25_ms']['p95']} ms | hybrid p50 {r['hybrid_ms']['p50']} ms "
            f"p95 {r['hybrid_ms']['p95']} ms (+ query embedding {r['query_embedding_ms']} ms) | "
            f"top-10 agreement with exact search {100 * r['top10_agreement']:.1f}% of ids, "
            f"{100 * r['top10_distance_recall']:.1f}% by distance (ties among near-copies), "
            f"{r['queries']} questions"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(run()))
