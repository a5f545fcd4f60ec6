"""BM25 over the same chunks that are embedded in Chroma, built from the chunks the store holds (`retrieval.corpus`).

Tokens are lower-cased words with a light plural strip; drug names are folded to their canonical
name through the shared vocabulary ("Cytoxan" finds "cyclophosphamide", "Benlysta" "belimumab").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from index.chunks import Chunk
from trialscreen.vocabulary import vocabulary

_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
STOPWORDS = frozenset(
    "a an and are as at be by for from has have in is it its of on or that the their there these this to was "
    "were which with what who how does do did can could would should i you we they any all trial trials study "
    "studies patients patient".split()
)


def _fold_drugs(text: str) -> str:
    out = text
    for drug in vocabulary().drugs:
        canonical = drug.name.replace(" ", "_")
        out = drug._joined().sub(f" {canonical} ", out) if drug.found_in(out) else out
    return out


def tokens(text: str, keep_stopwords: bool = False) -> list[str]:
    words = _WORD.findall(_fold_drugs(text).lower().replace("_", "-"))
    out = []
    for w in words:
        if not keep_stopwords and w in STOPWORDS:
            continue
        if len(w) > 4 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.append(w)
    return out


@dataclass(frozen=True)
class LexicalHit:
    chunk: Chunk
    score: float


class BM25Index:
    """BM25 (Lucene's variant) over the chunks, scored by the `bm25s` library's sparse index.

    Our tokenizer (drug names folded to their canonical name, a light plural strip) makes the tokens;
    bm25s keeps the term-document scores as a sparse matrix, so a query costs one sparse sum rather
    than a Python loop over postings.
    """

    def __init__(
        self, chunks: Iterable[Chunk], k1: float = 1.4, b: float = 0.75, texts: list[str] | None = None
    ) -> None:
        import bm25s

        self.chunks = list(chunks)
        corpus = [tokens(t) for t in (texts or [c.embed_text for c in self.chunks])]
        self._bm25 = bm25s.BM25(k1=k1, b=b, method="lucene")
        self._empty = not any(corpus)
        if self.chunks and not self._empty:
            self._bm25.index(corpus, show_progress=False)
        self.vocabulary: frozenset[str] = frozenset(t for doc in corpus for t in doc)

    def search(self, query: str, k: int = 10, allow: set[int] | None = None) -> list[LexicalHit]:
        import numpy as np

        q = [t for t in dict.fromkeys(tokens(query)) if t in self._bm25.vocab_dict] if not self._empty else []
        if not q or not self.chunks:
            return []
        mask = None
        if allow is not None:
            mask = np.zeros(len(self.chunks), dtype=np.float32)
            mask[list(allow)] = 1.0
        scores = self._bm25.get_scores(q, weight_mask=mask)
        hits = np.flatnonzero(scores > 0)
        if hits.size == 0:
            return []
        if hits.size > 4 * k:  # only the best few need sorting
            hits = hits[np.argpartition(-scores[hits], 4 * k)[: 4 * k]]
        best = sorted(hits.tolist(), key=lambda i: (-float(scores[i]), i))[:k]
        return [LexicalHit(self.chunks[i], float(scores[i])) for i in best]
