"""The lexical corpus is read from the store (committed versions only), not cut from the trials again."""

from __future__ import annotations

import pytest

from index.builder import Indexer
from index.catalog import Catalog
from index.chunks import chunk_trial
from index.store import ChunkStore
from retrieval.corpus import ChunkCorpus, lexical_text
from tests.conftest import BUNDLED, FakeEmbeddings
from trialscreen.config import Settings
from trialscreen.errors import TrialscreenError


def test_the_corpus_holds_what_was_indexed_in_the_order_of_each_record(
    settings: Settings, fake_embedder: FakeEmbeddings
) -> None:
    Indexer(settings, fake_embedder, progress=False).run([BUNDLED])
    catalog = Catalog(settings)
    corpus = ChunkCorpus(catalog)
    # the very chunks the indexer cut and stored, verbatim, in the order BM25 breaks ties by
    assert corpus.chunks == [c for t in catalog.trials() for c in chunk_trial(t)]
    for trial in catalog.trials():
        for c in (c for c in corpus.chunks if c.trial == trial.ref):
            assert corpus.body(c.id) == c.embed_text.removeprefix(f"{trial.title}. ")
    assert "plasmapheresi" in corpus.bm25.vocabulary
    hits = corpus.bm25.search("plasmapheresis", 3)
    assert hits and "plasmapheresis" in hits[0].chunk.text.lower()


def test_bm25_does_not_match_the_trial_title() -> None:
    title = "Belimumab in Early SLE"
    assert lexical_text(f"{title}. Exclusion criterion: Pregnancy", title) == "Exclusion criterion: Pregnancy"
    assert lexical_text("Summary: no title here", title) == "Summary: no title here"


def test_a_trial_whose_chunks_are_gone_fails_with_the_way_to_repair_it(
    settings: Settings, fake_embedder: FakeEmbeddings
) -> None:
    Indexer(settings, fake_embedder, progress=False).run([BUNDLED])
    catalog = Catalog(settings)
    ChunkStore(settings, fake_embedder.name, catalog).delete_keys([catalog.entries["NCT01632241"].key])
    with pytest.raises(TrialscreenError, match=r"NCT01632241; run `trialscreen index`"):
        ChunkCorpus(catalog)
    Indexer(settings, fake_embedder, progress=False).run([BUNDLED])  # the next run repairs it
    assert any(c.trial == "NCT01632241" for c in ChunkCorpus(Catalog(settings)).chunks)


def test_an_empty_data_directory_has_an_empty_corpus(settings: Settings) -> None:
    corpus = ChunkCorpus(Catalog(settings))
    assert corpus.chunks == [] and corpus.bm25.search("prednisone", 5) == []
    assert not settings.chroma_dir.exists()  # reading nothing creates nothing
