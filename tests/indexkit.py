"""What the crash and concurrency tests share: an index run in a subprocess (the CLI with the fake
embedder and small batches, so one run commits many times), a corpus edit, and the consistency
check an operator would make afterwards with `trials`, `search` and `screen`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from eligibility.rulebook import RuleBook
from index.catalog import Catalog, Entry
from index.chunks import chunk_trial
from index.store import ChunkStore
from tests.conftest import BUNDLED, FakeEmbeddings
from trialscreen import cli
from trialscreen.config import Settings

ROOT = Path(__file__).resolve().parent.parent
BATCH_CHUNKS = 40  # a batch is a trial or two: a run over the corpus commits several times
ADD_SLICE = 16  # chunks per Chroma call: a batch takes several

# The CLI, with the fake embedder and small batches, as a separate process that can be killed.
DRIVER = f"""
import functools, os, sys
import index.builder, index.store
from index.embeddings import register_embedder
from tests.conftest import FakeEmbeddings
from trialscreen import cli
index.store.ADD_SLICE = {ADD_SLICE}
index.builder.Indexer = functools.partial(index.builder.Indexer, batch_chunks={BATCH_CHUNKS})
register_embedder(FakeEmbeddings.name, FakeEmbeddings)
os.environ["TRIALSCREEN_EMBEDDER"] = FakeEmbeddings.name
sys.exit(cli.main(sys.argv[1:]))
"""


def cli_process(args: list[str], fault: str | None = None, **kwargs: Any) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    env.pop("TRIALSCREEN_FAULT", None)
    env["TRIALSCREEN_EMBEDDER"] = FakeEmbeddings.name
    if fault:
        env["TRIALSCREEN_FAULT"] = fault
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def run_cli(args: list[str], fault: str | None = None) -> tuple[int, str]:
    proc = cli_process(args, fault)
    _, err = proc.communicate(timeout=300)
    return proc.returncode, err


def index_args(settings: Settings, *paths: Path) -> list[str]:
    args = ["index", *map(str, paths), "--data-dir", str(settings.data_dir), "--quiet"]
    if settings.chroma is not None:
        args += ["--chroma-url", settings.chroma.url]
    return args


def edit_corpus(corpus: Path) -> None:
    """A second version of the corpus: three trials changed, one gone, two new."""
    for name, old, new in (
        ("003_ba37d9a6fe48724f.txt", "- Aged more than 18 years;", "- Aged more than 18 years;\n- BMI under 35;"),
        ("002_11a1eb4b2c3c5646.txt", "Inclusion Criteria", "Inclusion Criteria (amended)"),
        ("NCT01632241.json", "Plasmapheresis", "Plasma exchange"),
    ):
        path = corpus / name
        text = path.read_text("utf-8")
        assert old in text, name
        path.write_text(text.replace(old, new, 1), "utf-8")
    (corpus / "NCT02465580.json").unlink()
    base = (BUNDLED / "003_ba37d9a6fe48724f.txt").read_text("utf-8")
    for n in (1, 2):
        (corpus / f"10{n}_variant.txt").write_text(base.replace("Belimumab", f"Belimumab variant {n}"), "utf-8")


@dataclass(frozen=True)
class State:
    """What an operator sees of an index: the manifest's entries and `trials --json`."""

    entries: dict[str, Entry]
    rows: dict[str, dict[str, Any]]


def state(settings: Settings) -> State:
    """The committed entries, and each trial's `trials --json` row as the CLI builds it."""
    catalog = Catalog(settings)
    rules = RuleBook(catalog)
    rows = {t.ref: cli._trial_row(t, rules.compiled(t.ref), catalog.entries[t.ref].path) for t in catalog.trials()}
    return State(dict(catalog.entries), rows)


def _cli_json(settings: Settings, args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Any, str]:
    extra = ["--data-dir", str(settings.data_dir)]
    if settings.chroma is not None:
        extra += ["--chroma-url", settings.chroma.url]
    capsys.readouterr()
    code = cli.main([*args, *extra])
    out = capsys.readouterr()
    return code, (json.loads(out.out) if code == 0 and out.out.strip() else None), out.err


def check_consistent(
    settings: Settings, allowed: list[State], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> State:
    """The index shows, trial by trial, one of the allowed committed states, and nothing else."""
    monkeypatch.setenv("TRIALSCREEN_EMBEDDER", FakeEmbeddings.name)
    now = state(settings)
    code, data, err = _cli_json(settings, ["trials", "--json"], capsys)
    assert code == 0, err
    assert {r["trial"]: r for r in data["trials"]} == now.rows
    for ref, entry in now.entries.items():
        choices = [s for s in allowed if s.entries.get(ref) == entry]
        assert choices, f"{ref}: a version that was never committed: {entry}"
        assert now.rows[ref] == choices[0].rows[ref], f"{ref}: `trials --json` disagrees with its committed version"
    for ref in {r for s in allowed for r in s.entries} - set(now.entries):
        assert any(ref not in s.entries for s in allowed), f"{ref}: a committed trial was lost"
    catalog = Catalog(settings)
    store = ChunkStore(settings, FakeEmbeddings.name, catalog)
    by_key = store.ids_by_key()
    data = store.get()
    chunks_of = {m["key"]: [] for m in data["metadatas"]}
    for doc, meta in zip(data["documents"], data["metadatas"], strict=True):
        chunks_of[meta["key"]].append((doc, meta))
    for entry in catalog.entries.values():
        assert len(by_key.get(entry.key, [])) == entry.chunks, f"{entry.key}: chunks missing"
        record = catalog.trial(entry.ref)
        expected = {c.id: c for c in chunk_trial(record)}
        for doc, meta in chunks_of.get(entry.key, []):
            chunk = expected[meta["chunk_id"]]
            assert (meta["start"], meta["end"], doc) == (chunk.start, chunk.end, chunk.embed_text), meta["chunk_id"]
            assert record.source_text[meta["start"] : meta["end"]] == chunk.text
    # search: k hits for queries aimed at the committed and the uncommitted versions alike, all
    # committed, quotes verbatim (leftovers of a killed run must not crowd them out)
    for query in ("prednisone dose", "Belimumab variant 1", "Belimumab variant 2", "BMI under 35", "Plasma exchange"):
        code, data, err = _cli_json(settings, ["search", query, "-k", "5", "--json"], capsys)
        assert code == 0, err
        assert len(data["results"]) == 5, query
        for hit in data["results"]:
            entry = catalog.entries[hit["trial"]]
            assert hit["quote"] == catalog.trial(entry.ref).source_text[hit["start"] : hit["end"]]
    # screen: the committed record, cited verbatim
    ref = sorted(catalog.entries)[0]
    code, data, err = _cli_json(
        settings, ["screen", "--trial", ref, "--patient", "45 year old man with SLE", "--json"], capsys
    )
    assert code == 0, err
    assert data["trial"] == ref and data["source"] == catalog.entries[ref].source
    text = catalog.trial(ref).source_text
    for criterion in data["criteria"]:
        cite = criterion["cite"]
        assert 0 <= cite["start"] <= cite["end"] <= len(text)
    return now


def leftovers(settings: Settings) -> tuple[int, list[str]]:
    """Chunks and files the manifest does not name (what the next run must remove)."""
    catalog = Catalog(settings)
    committed = catalog.committed_keys()
    by_key = ChunkStore(settings, FakeEmbeddings.name, catalog).ids_by_key()
    chunks = sum(len(ids) for key, ids in by_key.items() if key not in committed)
    keep = catalog.committed_files()
    files = [str(f) for f in settings.trials_dir.iterdir() if f not in keep] if settings.trials_dir.is_dir() else []
    files += [str(f) for f in settings.data_dir.glob(".*.tmp")]
    return chunks, files


def copy_corpus(target: Path) -> Path:
    shutil.copytree(BUNDLED, target)
    return target
