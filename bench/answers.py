"""Answer figures for `make bench`: latency of `trialscreen ask` over the question suite.

The bundled trials are indexed with the real embedding model into a temporary directory; every
question of evals/cases/questions.jsonl is answered once to warm up, then timed (wall clock, one
question at a time), overall and by the kind of answer (a passage, a parsed field, a list computed
over every trial, a refusal).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from index.builder import Indexer, bundled_dir
from index.embeddings import MiniLMEmbeddings
from trialscreen.config import Settings
from trialscreen.services import Services

QUESTIONS = Path(__file__).resolve().parent.parent / "evals" / "cases" / "questions.jsonl"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 1) if ordered else 0.0


def run(questions: Path = QUESTIONS) -> dict[str, Any]:
    asked = [json.loads(line)["question"] for line in questions.read_text().splitlines() if line.strip()]
    work = Path(tempfile.mkdtemp(prefix="trialscreen-bench-answers-"))
    try:
        settings = Settings.resolve(data_dir=work / "data")
        embedder = MiniLMEmbeddings()
        Indexer(settings, embedder, progress=False).run([bundled_dir()])
        answerer = Services(settings, model=None).answerer()
        for q in asked:  # warm up: the model, the rules, the caches a first question fills
            answerer.ask(q)
        times: dict[str, list[float]] = {}
        for q in asked:
            started = time.perf_counter()
            answer = answerer.ask(q)
            ms = 1000 * (time.perf_counter() - started)
            kind = "refusal" if not answer.citations else answer.intent
            times.setdefault(kind, []).append(ms)
            times.setdefault("all", []).append(ms)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        kind: {"questions": len(ms), "p50_ms": _pct(ms, 0.5), "p95_ms": _pct(ms, 0.95), "max_ms": _pct(ms, 1.0)}
        for kind, ms in sorted(times.items())
    }


def report(rows: dict[str, Any]) -> str:
    lines = []
    for kind, r in rows.items():
        lines.append(
            f"answers ({kind}): {r['questions']} questions, p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, "
            f"max {r['max_ms']} ms"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(run()))
