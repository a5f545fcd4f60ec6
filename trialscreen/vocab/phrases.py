"""Word n-gram lookup: many phrases, one pass over a text, a dict probe per word and length.

Both the phrases and the text go through the same `words()` normaliser (lower case, British spellings
folded, plural 's' dropped, articles skipped), so "cancers of the colon" finds "cancer of colon".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

V = TypeVar("V")

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# bracketed words in a vocabulary's names, with the space before them: "Chronic kidney disease (CKD)"
BRACKETED = re.compile(r"\s*[(\[][^)\]]*[)\]]")
_END = ""  # never a word: marks the end of a phrase in the trie
SKIPPED = frozenset({"the", "an", "s"})  # "s": the possessive of "Hodgkin's"


@dataclass(frozen=True)
class Hit(Generic[V]):
    start: int
    end: int
    text: str
    values: tuple[V, ...]


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


class Normaliser:
    """Spelling folds (leukaemia -> leukemia) from the data files, then the plural stem; memoised per word."""

    def __init__(self, spelling: Mapping[str, str] | None = None, skipped: frozenset[str] = SKIPPED) -> None:
        self.spelling = dict(spelling or {})
        self.skipped = skipped
        self._cache: dict[str, str] = {}

    def word(self, raw: str) -> str:
        w = self._cache.get(raw)
        if w is None:
            low = _stem(raw.lower())
            w = self.spelling.get(low, low)
            self._cache[raw] = w
        return w

    def words(self, text: str) -> list[tuple[str, int, int]]:
        """(normalised word, start, end) for every word of `text`; articles and possessive 's' left out."""
        word, skipped = self.word, self.skipped
        out = []
        for m in _WORD.finditer(text):
            w = word(m.group())
            if w not in skipped:
                out.append((w, m.start(), m.end()))
        return out

    def key(self, phrase: str) -> tuple[str, ...]:
        word, skipped = self.word, self.skipped
        if phrase.isalnum():  # one word: no need for the tokeniser
            w = word(phrase)
            return () if w in skipped else (w,)
        return tuple(w for w in map(word, _WORD.findall(phrase)) if w not in skipped)


class PhraseIndex(Generic[V]):
    """Phrases -> values; `find` returns the longest phrase at each place, left to right, no overlaps."""

    def __init__(self, normaliser: Normaliser) -> None:
        self.normaliser = normaliser
        self._values: dict[tuple[str, ...], list[V]] = {}
        self._trie: dict[str, Any] = {}  # word -> next word -> ...; _END holds the phrase's values

    def __len__(self) -> int:
        return len(self._values)

    def add(self, phrase: str, value: V, first: bool = False) -> None:
        self.add_key(self.normaliser.key(phrase), value, first)

    def add_key(self, key: tuple[str, ...], value: V, first: bool = False) -> None:
        if not key:
            return
        values = self._values.get(key)
        if values is None:
            values = self._values[key] = []
            node = self._trie
            for w in key:
                node = node.setdefault(w, {})
            node[_END] = values
        if value in values:
            if first:
                values.remove(value)
                values.insert(0, value)
        elif first:
            values.insert(0, value)
        else:
            values.append(value)

    def add_all(self, phrases: Iterable[str], value: V) -> None:
        for p in phrases:
            self.add(p, value)

    def get(self, phrase: str) -> tuple[V, ...]:
        return self.get_key(self.normaliser.key(phrase))

    def get_key(self, key: tuple[str, ...]) -> tuple[V, ...]:
        return tuple(self._values.get(key, ()))

    def find(self, text: str) -> list[Hit[V]]:
        raw = _WORD.findall(text)
        word, cache, skipped = self.normaliser.word, self.normaliser._cache, self.normaliser.skipped
        keys: list[str] = []
        where: list[int] = []  # index of each kept word among all words
        for j, token in enumerate(raw):
            w = cache.get(token) or word(token)
            if w not in skipped:
                keys.append(w)
                where.append(j)
        trie = self._trie
        found: list[tuple[int, int, list[V]]] = []
        i, n = 0, len(keys)
        while i < n:
            node = trie.get(keys[i])
            best = 0
            best_values: list[V] = []
            j = i
            while node is not None:
                j += 1
                values = node.get(_END)
                if values:
                    best, best_values = j - i, values
                node = node.get(keys[j]) if j < n else None
            if best:
                found.append((i, best, best_values))
                i += best
            else:
                i += 1
        if not found:
            return []
        spans = [m.span() for m in _WORD.finditer(text)]
        hits = []
        for i, size, values in found:
            start, end = spans[where[i]][0], spans[where[i + size - 1]][1]
            hits.append(Hit(start, end, text[start:end], tuple(values)))
        return hits


def trie_pattern(names: Iterable[str]) -> str:
    """One regular expression for many literal names, factored by common prefix (fast to search).

    `trie_pattern(["rituxan", "rituximab"])` is `ritux(?:an|imab)`: the engine tries one branch per letter
    instead of every name at every place.
    """
    trie: dict[str, Any] = {}
    for name in names:
        node = trie
        for ch in name:
            node = node.setdefault(ch, {})
        node[_END] = {}

    def build(node: dict[str, Any]) -> str:
        ends = _END in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch != _END]
        if not branches:
            return ""
        if len(branches) == 1 and not ends:
            return branches[0]
        body = "(?:" + "|".join(branches) + ")"
        return body + "?" if ends else body

    return build(trie)
