"""The real embedding model and Chroma's HNSW index agree with exact search on this corpus."""

from __future__ import annotations

import pytest

from index.builder import Indexer
from index.catalog import Catalog
from index.store import ChunkStore
from retrieval.dense import DenseSearcher
from tests.conftest import BUNDLED
from trialscreen.config import Settings

pytestmark = pytest.mark.slow

QUERIES = [
    "prednisone maximum dose",
    "what is the prednisone cap in the telitacicept study",
    "exclude cataract",
    "rituximab or other biologics within 6 months",
    "hepatitis B surface antigen positive",
    "SLEDAI score threshold",
    "pregnancy or breastfeeding",
    "how is belimumab dosed",
    "low-dose IL-2 every other day subcutaneously",
    "heart failure NYHA class III",
    "age 18 to 75 years",
    "body weight 45-80 kg",
    "malignancy in the past 5 years",
    "HIV infection",
    "is the early SLE belimumab trial still recruiting",
    "tuberculosis",
    "IgA deficiency",
    "suicidal ideation",
    "anti-dsDNA positive ANA titer 1:80",
    "participation in another clinical trial within 4 weeks",
]


def test_hnsw_top10_agrees_with_exact_search(settings: Settings, real_embedder) -> None:  # type: ignore[no-untyped-def]
    Indexer(settings, real_embedder, progress=False).run([BUNDLED])
    searcher = DenseSearcher(ChunkStore(settings, real_embedder.name), Catalog(settings), real_embedder)
    overlaps = []
    for q in QUERIES:
        approx = [h.id for h in searcher.search(q, 10)]
        exact = [h.id for h in searcher.exact_search(q, 10)]
        overlaps.append(len(set(approx) & set(exact)) / 10)
        assert approx[0] == exact[0], q
    assert sum(overlaps) / len(overlaps) == 1.0, overlaps


def test_real_model_finds_the_right_criterion(settings: Settings, real_embedder) -> None:  # type: ignore[no-untyped-def]
    Indexer(settings, real_embedder, progress=False).run([BUNDLED])
    searcher = DenseSearcher(ChunkStore(settings, real_embedder.name), Catalog(settings), real_embedder)
    top = [h.metadata["chunk_id"] for h in searcher.search("cataract", 3)]
    assert any(cid.startswith(("NCT04077684:exc", "NCT04956484:exc")) for cid in top)
