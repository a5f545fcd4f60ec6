"""BM25 over the same chunks that are embedded in Chroma, rebuilt from the catalog (deterministic ids).

Tokens are lower-cased words with a light plural strip; drug names are folded to their canonical
name through the shared vocabulary ("Cytoxan" finds "cyclophosphamide", "Benlysta" "belimumab").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from index.chunks import Chunk
from index.vocabulary import vocabulary

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
    def __init__(
        self, chunks: Iterable[Chunk], k1: float = 1.4, b: float = 0.75, texts: list[str] | None = None
    ) -> None:
        self.chunks = list(chunks)
        self.k1, self.b = k1, b
        self.docs = [Counter(tokens(t)) for t in (texts or [c.embed_text for c in self.chunks])]
        self.lengths = [sum(d.values()) for d in self.docs]
        self.avg = (sum(self.lengths) / len(self.lengths)) if self.lengths else 1.0
        df: Counter[str] = Counter()
        for d in self.docs:
            df.update(d.keys())
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.postings: dict[str, list[int]] = {}
        for i, d in enumerate(self.docs):
            for t in d:
                self.postings.setdefault(t, []).append(i)

    def search(self, query: str, k: int = 10, allow: set[int] | None = None) -> list[LexicalHit]:
        q = tokens(query)
        scores: dict[int, float] = {}
        for t in set(q):
            idf = self.idf.get(t)
            if idf is None:
                continue
            for i in self.postings[t]:
                if allow is not None and i not in allow:
                    continue
                tf = self.docs[i][t]
                norm = tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * self.lengths[i] / self.avg))
                scores[i] = scores.get(i, 0.0) + idf * norm
        best = sorted(scores.items(), key=lambda x: (-x[1], x[0]))[:k]
        return [LexicalHit(self.chunks[i], s) for i, s in best]
