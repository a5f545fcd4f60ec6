"""`make bench`: indexing throughput against the raw model, and the cost of an unchanged re-index.

Scales the nine bundled trials to N trials by writing variants (new references, numbers nudged so
texts differ), then for each size:

- indexes them with the real model into a fresh embedded Chroma store (model already loaded);
- encodes the very same chunk texts with `model.encode` alone, in the same run;
- re-indexes the unchanged files.

Prints chunks/s for both, their ratio (target: indexing <= 1.25x the raw encode time) and the
re-index time as a share of the first (target <= 5%). Results also go to bench/results/*.json.

The other parts (bench/engine.py, retrieval.py, answers.py, chat.py, hint.py) run first; `--only NAME` runs one.
The HINT part indexes the 4,404 real trials of the HINT tables (slow on 2 cores: about half an hour);
`make bench BENCH_ARGS="--only hint --hint-trials 300"` is a quick run on the first 300 rows.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from index.builder import bundled_dir
from index.chunks import chunk_trial
from index.embeddings import MiniLMEmbeddings
from index.readers import read_trial
from trialscreen.config import Settings
from trialscreen.services import Services

_NCT = re.compile(r"NCT\d{8}")
_NUM = re.compile(r"(?<![\d.])(\d{1,2})(?![\d.])")


def _nudger(shift: int) -> Callable[[re.Match[str]], str]:
    return lambda m: str(int(m.group(1)) + shift)


def make_variants(target: Path, count: int) -> None:
    sources = sorted(p for p in bundled_dir().iterdir() if p.is_file())
    target.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        src = sources[i % len(sources)]
        text = src.read_text("utf-8")
        text = _NCT.sub(f"NCT9{i:07d}", text)
        text = _NUM.sub(_nudger(i // len(sources) % 3), text, count=25)
        text = text.replace("Lupus", f"Lupus (site {i})", 1)
        (target / f"v{i:05d}_{src.name}").write_text(text, "utf-8")


def measure(size: int, embedder: MiniLMEmbeddings, work: Path) -> dict[str, Any]:
    corpus = work / f"corpus-{size}"
    make_variants(corpus, size)
    settings = Settings.resolve(data_dir=work / f"data-{size}")
    t0 = time.perf_counter()
    report = Services(settings, embedder=embedder).index([corpus], progress=True)
    index_s = time.perf_counter() - t0
    texts = [c.embed_text for p in sorted(corpus.iterdir()) for c in chunk_trial(read_trial(p))]
    t0 = time.perf_counter()
    embedder.encode(texts)
    encode_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = Services(settings, embedder=embedder).index([corpus], progress=False)
    reindex_s = time.perf_counter() - t0
    assert again.chunks == 0, "an unchanged re-index wrote chunks"
    return {
        "trials": size,
        "chunks": report.chunks,
        "index_s": round(index_s, 2),
        "index_chunks_per_s": round(report.chunks / index_s, 1),
        "encode_s": round(encode_s, 2),
        "encode_chunks_per_s": round(len(texts) / encode_s, 1),
        "index_over_encode": round(index_s / encode_s, 3),
        "reindex_s": round(reindex_s, 3),
        "reindex_share": round(reindex_s / index_s, 4),
    }


def _part(name: str, run: Callable[[Any], Any], out: str) -> None:
    """One benchmark part (bench/NAME.py): run it, print its report, store its figures beside `out`."""
    import importlib

    module = importlib.import_module(f"bench.{name}")
    figures = run(module)
    print(module.report(figures), flush=True)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).with_name(f"{name}.json").write_text(json.dumps(figures, indent=1))


def _rows(value: str) -> int | None:
    if value.strip().lower() == "all":
        return None
    try:
        rows = int(value)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{value!r}: a number of rows, or 'all'") from err
    if rows < 1:
        raise argparse.ArgumentTypeError("at least 1 row")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="200,2000", help="trial counts to measure, comma-separated")
    parser.add_argument("--out", default="bench/results/indexing.json")
    parser.add_argument(
        "--only", choices=("index", "engine", "retrieval", "answers", "chat", "hint"), help="run one part only"
    )
    parser.add_argument("--engine-trials", type=int, default=1008, help="trials for the engine figures")
    parser.add_argument(
        "--hint-trials", type=_rows, default=None, metavar="N|all", help="HINT rows to index (default: all 4,404)"
    )
    parser.add_argument("--hint-dir", default="../shared/data/external/hint", help="where the HINT CSVs are")
    parser.add_argument(
        "--notes-dir",
        default="../shared/data/trialgpt/dataset",
        help="the TrialGPT notes (queries.jsonl files) for the screening figures ($TRIALSCREEN_TRIALGPT wins)",
    )
    parser.add_argument(
        "--expert-labels",
        default="../shared/data/external/trialgpt_criteria_dev.jsonl",
        help="the expert labels whose trials are screened ($TRIALSCREEN_EXPERT_LABELS wins)",
    )
    args = parser.parse_args(argv)
    runners: dict[str, Callable[[Any], Any]] = {
        "chat": lambda m: m.run(),
        "retrieval": lambda m: m.run(),
        "answers": lambda m: m.run(),
        "engine": lambda m: m.run(args.engine_trials, args.notes_dir, args.expert_labels),
        "hint": lambda m: m.run(args.hint_trials, args.hint_dir),
    }
    for name, run in runners.items():
        if args.only in (None, name):
            _part(name, run, args.out)
    if args.only not in (None, "index"):
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    embedder = MiniLMEmbeddings()
    embedder.encode(["warm up"])  # load the model outside every timing
    work = Path(tempfile.mkdtemp(prefix="trialscreen-bench-"))
    rows = []
    try:
        for size in sizes:
            row = measure(size, embedder, work)
            rows.append(row)
            print(
                f"{row['trials']:>6} trials {row['chunks']:>7} chunks"
                f" | index {row['index_chunks_per_s']:>7.1f}/s"
                f" | raw encode {row['encode_chunks_per_s']:>7.1f}/s | ratio {row['index_over_encode']:.3f}"
                f" (target <= 1.25) | unchanged re-index {row['reindex_s']:.3f}s ="
                f" {100 * row['reindex_share']:.2f}% of first (target <= 5%)",
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        growth = last["trials"] / first["trials"]
        print(
            f"growth x{growth:.0f} trials: index time x{last['index_s'] / first['index_s']:.1f}, "
            f"re-index time x{last['reindex_s'] / max(first['reindex_s'], 1e-9):.1f}"
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"indexing": rows}, indent=1))
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
