"""Indexing into a real embedded Chroma store (fake embeddings for exact, fast checks)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.builder import Indexer
from index.catalog import Catalog
from index.chunks import chunk_trial
from index.readers import read_trial
from index.store import ChunkStore
from retrieval.dense import DenseSearcher, Filters
from tests.conftest import BUNDLED, FakeEmbeddings
from tests.indexkit import leftovers
from trialscreen.config import Settings


def _chunk_trials(settings: Settings, embedder: FakeEmbeddings) -> dict[str, int]:
    """Chunks per trial in the collection, committed or not (what a run left behind counts too)."""
    counts: dict[str, int] = {}
    for key, ids in ChunkStore(settings, embedder.name).ids_by_key().items():
        trial = key.rpartition("@")[0]
        counts[trial] = counts.get(trial, 0) + len(ids)
    return counts


def test_chunks_are_verbatim_and_carry_context() -> None:
    trial = read_trial(BUNDLED / "NCT01632241.json")
    chunks = chunk_trial(trial)
    assert len({c.id for c in chunks}) == len(chunks)
    for c in chunks:
        assert c.text == trial.source_text[c.start : c.end]
        assert c.embed_text.startswith(trial.title)
    plasma = next(c for c in chunks if c.text == "Plasmapheresis.")
    assert plasma.kind == "exclusion" and plasma.section == "criteria"
    assert "within 90 days of Day 0" in plasma.embed_text
    assert any(c.section == "summary" for c in chunks)


def test_index_then_unchanged_reindex_does_no_work(
    settings: Settings, fake_embedder: FakeEmbeddings, corpus: Path
) -> None:
    first = Indexer(settings, fake_embedder, progress=False).run([corpus])
    assert sorted(first.indexed) == sorted(
        [
            "000_968ebb916c252d26",
            "001_b91bb8497050bd59",
            "003_ba37d9a6fe48724f",
            "NCT04077684",
            "NCT04956484",
            "NCT00071487",
            "NCT01632241",
            "NCT02084238",
            "NCT02465580",
        ]
    )
    assert first.rejected == []
    total = ChunkStore(settings, fake_embedder.name).count()
    assert total == first.chunks > 150
    calls = fake_embedder.calls
    second = Indexer(settings, fake_embedder, progress=False).run([corpus])
    assert second.indexed == [] and len(second.unchanged) == 9 and second.chunks == 0
    assert fake_embedder.calls == calls  # nothing was embedded again
    assert ChunkStore(settings, fake_embedder.name).count() == total


def test_changed_file_is_replaced_and_removed_file_deleted(
    settings: Settings, fake_embedder: FakeEmbeddings, corpus: Path
) -> None:
    Indexer(settings, fake_embedder, progress=False).run([corpus])
    before = _chunk_trials(settings, fake_embedder)
    path = corpus / "003_ba37d9a6fe48724f.txt"
    path.write_text(
        path.read_text("utf-8").replace("- Aged more than 18 years;", "- Aged more than 18 years;\n- BMI under 35;"),
        "utf-8",
    )
    (corpus / "NCT02465580.json").unlink()
    report = Indexer(settings, fake_embedder, progress=False).run([corpus])
    assert report.indexed == ["003_ba37d9a6fe48724f"]
    assert report.removed == ["NCT02465580"]
    after = _chunk_trials(settings, fake_embedder)
    assert after["003_ba37d9a6fe48724f"] == before["003_ba37d9a6fe48724f"] + 1  # old version's chunks gone
    assert "NCT02465580" not in after
    catalog = Catalog(settings)
    assert "NCT02465580" not in catalog.entries
    assert any(c.text == "BMI under 35;" for c in catalog.trial("003_ba37d9a6fe48724f").criteria)


def test_bad_files_are_reported_and_the_rest_indexes(
    settings: Settings, fake_embedder: FakeEmbeddings, corpus: Path
) -> None:
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "image.txt").write_bytes(b"\x00\x01\x02binary")
    (corpus / "latin1.txt").write_bytes("Inclusion Criteria:\n- \u00e9t\u00e9\n".encode("latin-1"))
    (corpus / "notes.md").write_text("Some notes about lupus, with no criteria.\n", "utf-8")
    report = Indexer(settings, fake_embedder, progress=False).run([corpus, corpus / "missing.txt"])
    assert len(report.indexed) == 9
    assert len(report.rejected) == 5
    joined = "\n".join(report.rejected)
    for expected in (
        "empty.txt: the file is empty",
        "image.txt: looks like a binary file",
        "latin1.txt: not UTF-8",
        "notes.md: no eligibility criteria",
        "missing.txt: no such file",
    ):
        assert expected in joined


class _Interrupting(FakeEmbeddings):
    """Embeds the first batch, then the user presses Ctrl-C."""

    def __init__(self) -> None:
        super().__init__()
        self.armed = False

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if self.armed:
            raise KeyboardInterrupt
        return super().embed_documents(texts)


def test_interrupted_run_leaves_nothing_half_written(settings: Settings, corpus: Path) -> None:
    embedder = _Interrupting()
    Indexer(settings, embedder, progress=False).run([corpus / "NCT00071487.json"])
    before = _chunk_trials(settings, embedder)
    embedder.armed = True
    with pytest.raises(KeyboardInterrupt):
        Indexer(settings, embedder, progress=False).run([corpus])
    assert _chunk_trials(settings, embedder) == before
    assert list(Catalog(settings).entries) == ["NCT00071487"]
    assert leftovers(settings) == (0, [])  # Ctrl-C removes the uncommitted batch at once


def test_leftovers_of_a_killed_run_are_cleaned_and_never_found(
    settings: Settings, fake_embedder: FakeEmbeddings, corpus: Path
) -> None:
    Indexer(settings, fake_embedder, progress=False).run([corpus / "NCT00071487.json"])
    store = ChunkStore(settings, fake_embedder.name)
    # A run killed between adding chunks and committing the manifest: chunks and a record remain.
    vec = fake_embedder.embed_query("plasmapheresis leftover")
    store.add(
        ["ghost:exc-01@v0"],
        [vec],
        ["plasmapheresis leftover"],
        [
            {
                "key": "ghost@v0",
                "trial": "ghost",
                "section": "criteria",
                "kind": "exclusion",
                "start": 0,
                "end": 5,
                "version": "v0",
                "title": "ghost",
                "chunk_id": "ghost:exc-01",
            }
        ],
    )
    (settings.trials_dir / "ghost@v0.json").write_text("{}", "utf-8")
    searcher = DenseSearcher(store, Catalog(settings), fake_embedder)
    assert all(h.metadata["trial"] != "ghost" for h in searcher.search("plasmapheresis leftover", 5))
    Indexer(settings, fake_embedder, progress=False).run([corpus / "NCT00071487.json"])
    assert "ghost" not in _chunk_trials(settings, fake_embedder)
    assert leftovers(settings) == (0, [])


def test_filters_by_trial_section_and_kind(settings: Settings, fake_embedder: FakeEmbeddings) -> None:
    Indexer(settings, fake_embedder, progress=False).run([BUNDLED])
    searcher = DenseSearcher(ChunkStore(settings, fake_embedder.name), Catalog(settings), fake_embedder)
    hits = searcher.search("prednisone dose", 5, Filters(trial="NCT01632241", kind="exclusion"))
    assert hits and all(h.metadata["trial"] == "NCT01632241" and h.metadata["kind"] == "exclusion" for h in hits)
    hits = searcher.search("belimumab", 5, Filters(section="summary"))
    assert hits and all(h.metadata["section"] == "summary" for h in hits)
    # With exact fake embeddings, the chunk that repeats the query's words ranks first.
    top = searcher.search("Plasmapheresis", 1, Filters(trial="NCT01632241"))[0]
    assert top.metadata["chunk_id"].startswith("NCT01632241:exc-")


def test_an_index_from_an_older_trialscreen_says_so_and_is_rebuilt(
    settings: Settings, fake_embedder: FakeEmbeddings, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from trialscreen import cli

    # What manifest version 1 left: one record per trial, not keyed by version.
    settings.trials_dir.mkdir(parents=True)
    (settings.trials_dir / "NCT00071487.json").write_text("{}", "utf-8")
    entry = {"ref": "NCT00071487", "path": str(corpus / "NCT00071487.json"), "source": "NCT00071487.json",
             "sha256": "0", "version": "0", "stem": "NCT00071487", "nct_id": "NCT00071487"}  # fmt: skip
    settings.manifest_path.write_text(json.dumps({"version": 1, "trials": {"NCT00071487": entry}}), "utf-8")
    assert cli.main(["trials", "--data-dir", str(settings.data_dir)]) == 1
    assert "was written by an older trialscreen; run `trialscreen index PATH...`" in capsys.readouterr().err
    report = Indexer(settings, fake_embedder, progress=False).run([corpus])
    assert len(report.indexed) == 9
    assert not (settings.trials_dir / "NCT00071487.json").exists()
    assert leftovers(settings) == (0, [])


def test_rules_stored_by_another_reader_are_compiled_anew(tmp_path: Path, fake_embedder, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An upgraded reader never screens with an old reading of an indexed trial."""
    from eligibility import rulebook
    from eligibility.compiler import RULES
    from eligibility.rulebook import RuleBook

    settings = Settings.resolve(data_dir=tmp_path / "data")
    Indexer(settings, fake_embedder, progress=False, compiler=RULES).run([BUNDLED])
    catalog = Catalog(settings)
    ref = sorted(catalog.entries)[0]
    assert catalog.rules(ref)[1] is not None
    calls: list[str] = []
    real = rulebook.compile_trial
    monkeypatch.setattr(rulebook, "compile_trial", lambda t: calls.append(t.ref) or real(t))
    RuleBook(catalog).compiled(ref)
    assert calls == []  # stored by this reader: read as stored
    monkeypatch.setattr(rulebook, "compiler_fingerprint", lambda: "another reader")
    RuleBook(catalog).compiled(ref)
    assert calls == [ref]
