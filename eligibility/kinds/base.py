"""What every rule kind shares: the criterion as kinds read it, what a kind returns, its fact.

A kind (one module under `eligibility/kinds/`) reads a criterion with the patterns of its section of
`eligibility/data/kinds.toml` and returns `Match`es: a typed rule and the character spans of
`criterion.text` it used (each number, comparator, unit and time span). A kind also declares its
`FactSpec`: the patient fact it decides on, that fact's unit and plausible limits, the question that
asks for it and how an answer is read.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any, ClassVar

from eligibility.kinds.prefilter import Words, may_match, needed
from eligibility.rules import Rule
from eligibility.timewords import NUM
from trialscreen.errors import TrialscreenError
from trialscreen.model import Criterion, Trial
from trialscreen.vocabulary import vocabulary

FILE = "eligibility/data/kinds.toml"
Span = tuple[int, int]


# -- the fact a kind decides on -------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What a reply to a kind's question says: facts, or one message asking again."""

    facts: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


Parser = Callable[[str, str, date], "Answer | None"]  # (key asked, reply, today) -> None: not for me


@dataclass(frozen=True)
class FactSpec:
    """The patient fact a kind decides on.

    `key` is a fact key ("age") or, ending in ':', a family of them ("lab:"). `limits` are the values
    a person can plausibly have; `question` names the entry of `eligibility/data/questions.toml` that
    asks for it ('' when questions are built from the key); `parse` reads a reply to that question
    (None: the generic yes/no, number and free-text reading applies); `answer_keys` are the fact keys
    a reply may set (what a language model reading the reply may return).
    """

    key: str
    unit: str = ""
    limits: tuple[float, float] | None = None
    question: str = ""
    parse: Parser | None = None
    answer_keys: Callable[[str], list[str]] | None = None

    def covers(self, key: str) -> bool:
        return key == self.key or (self.key.endswith(":") and key.startswith(self.key))

    def plausible(self, value: float) -> bool:
        return self.limits is None or self.limits[0] <= value <= self.limits[1]


# -- what a kind returns --------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """A rule a kind read, with the spans of `criterion.text` it used (numbers, comparators, units, times)."""

    rule: Rule
    spans: tuple[Span, ...] = ()


def spans_of(m: re.Match[str] | None, *groups: str, shift: int = 0) -> list[Span]:
    """The spans of the named groups that took part in a match (all of it when none are named)."""
    if m is None:
        return []
    if not groups:
        return [(m.start() + shift, m.end() + shift)]
    out = []
    for name in groups:
        if name in m.re.groupindex and m.group(name) is not None and m.start(name) < m.end(name):
            out.append((m.start(name) + shift, m.end(name) + shift))
    return out


# -- the criterion as kinds read it ---------------------------------------------------------------


@dataclass
class Read:
    """One criterion being read: its text and lead-in, its trial, and what earlier kinds found."""

    criterion: Criterion
    trial: Trial
    named_drugs: set[str]
    warnings: list[str] = field(default_factory=list)
    found: dict[str, list[Match]] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.criterion.text

    @property
    def context(self) -> str:
        return self.criterion.context

    @property
    def kind(self) -> str:
        return str(self.criterion.kind)

    @property
    def full(self) -> str:
        """The lead-in and the criterion, as one text."""
        return f"{self.context} {self.text}".strip()

    @property
    def offset(self) -> int:
        """Where `text` starts in `full` (spans read in `full` shift back by this)."""
        if self.context.strip():
            return len(self.full) - len(self.text.rstrip())
        return -(len(self.text) - len(self.text.lstrip()))

    def in_text(self, spans: Iterable[Span], on_full: bool) -> list[Span]:
        """Spans read in `full` (on_full) or `text`, as spans of `text`; those in the lead-in drop out."""
        shift = self.offset if on_full else 0
        out = []
        for start, end in spans:
            start, end = start - shift, end - shift
            if end > 0:
                out.append((max(start, 0), end))
        return out

    def matched(self, *names: str) -> bool:
        return any(self.found.get(name) for name in names)

    def rules(self) -> list[Rule]:
        return [m.rule for matches in self.found.values() for m in matches]

    def drugs(self, text: str) -> list[str]:
        """Drug names the vocabulary finds in a text (cached: several kinds ask about the same text)."""
        return list(drug_names(text))

    def classes(self, text: str) -> list[str]:
        return list(class_names(text))

    def other_drugs(self, text: str) -> list[str]:
        """Drugs the package's drug list names in a text that our vocabulary does not know ('thalidomide')."""
        return list(other_drug_names(text))


# -- vocabulary look-ups, with a cheap first look ------------------------------------------------


def any_of(patterns: Iterable[re.Pattern[str]]) -> re.Pattern[str]:
    """One pattern that finds any of these."""
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), re.IGNORECASE)


@dataclass(frozen=True)
class FirstLook:
    """For a list of terms: each one's needed words, and which terms a word's first three letters point
    to (a text can name a term only if it holds the first three letters of one of the term's words)."""

    words: tuple[Words, ...]
    by_start: dict[str, frozenset[int]]
    always: frozenset[int]  # terms with no needed words: always looked at

    def candidates(self, low_text: str) -> list[int]:
        """The terms (by index, in order) a lower-cased text may name."""
        out = set(self.always)
        for start in _starts(low_text) & self.by_start.keys():
            out |= self.by_start[start]
        return [i for i in sorted(out) if may_match(self.words[i], low_text)]


@lru_cache(maxsize=1024)
def _starts(low_text: str) -> frozenset[str]:
    """Every three letters of a text (several vocabularies look at the same criterion)."""
    return frozenset(low_text[i : i + 3] for i in range(len(low_text) - 2))


_LOOKS: dict[int, tuple[Any, FirstLook]] = {}


def first_look(terms: tuple[Any, ...], words_of: Any) -> FirstLook:
    """The first look of a list of terms, built once per list (found by identity: hashing every term of
    a vocabulary on each call cost more than the look saved)."""
    known = _LOOKS.get(id(terms))
    if known is not None and known[0] is terms:
        return known[1]
    words = tuple(words_of(t) for t in terms)
    by_start: dict[str, set[int]] = {}
    for i, w in enumerate(words):
        for word in w or ():
            by_start.setdefault(word[:3], set()).add(i)
    always = frozenset(i for i, w in enumerate(words) if w is None)
    look = FirstLook(words, {k: frozenset(v) for k, v in by_start.items()}, always)
    _LOOKS[id(terms)] = (terms, look)
    return look


def _term_words(term: Any) -> Words:
    return needed(any_of(term.patterns))


def found(terms: tuple[Any, ...], text: str) -> list[Any]:
    """The vocabulary terms a text names, in vocabulary order (`Vocabulary.drugs_in` with a first look)."""
    look = first_look(terms, _term_words)
    return [terms[i] for i in look.candidates(text.lower()) if terms[i].found_in(text)]


@lru_cache(maxsize=8192)
def _drug_names(vocab_id: int, text: str) -> tuple[str, ...]:
    return tuple(d.name for d in found(vocabulary().drugs, text))


@lru_cache(maxsize=8192)
def _class_names(vocab_id: int, text: str) -> tuple[str, ...]:
    return tuple(c.name for c in found(vocabulary().drug_classes, text))


@lru_cache(maxsize=4096)
def _other_drug_names(vocab_id: int, text: str) -> tuple[str, ...]:
    ours = set(_drug_names(vocab_id, text))
    return tuple(t.name for t in vocabulary().drugs_in(text, unknown=True) if t.name not in ours)


def other_drug_names(text: str) -> tuple[str, ...]:
    return _other_drug_names(id(vocabulary()), text)


def drug_names(text: str) -> tuple[str, ...]:
    """Drug names the vocabulary finds in a text (remembered: several kinds ask about the same text)."""
    return _drug_names(id(vocabulary()), text)


def class_names(text: str) -> tuple[str, ...]:
    """Drug classes the vocabulary finds in a text."""
    return _class_names(id(vocabulary()), text)


# -- the data file --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grammar:
    """`eligibility/data/kinds.toml`, checked and compiled."""

    order: tuple[str, ...]
    comparators: dict[str, str]
    sections: dict[str, dict[str, Any]]
    patterns: dict[str, dict[str, re.Pattern[str]]]

    def op(self, word: str | None, default: str) -> str:
        """The comparison a comparator word means ('at least' -> '>=')."""
        if not word:
            return default
        return self.comparators.get(" ".join(word.lower().split()), default)


def alternation(words: Iterable[str]) -> str:
    """A regular expression for any of these phrases (longest first; spaces match any whitespace)."""
    return "|".join(r"\s+".join(map(re.escape, w.split())) for w in sorted(words, key=len, reverse=True))


def _fill(pattern: str, pieces: dict[str, str]) -> str:
    for name, piece in pieces.items():
        pattern = pattern.replace("{" + name + "}", piece)
    return pattern


def _fail(where: str, message: str) -> TrialscreenError:
    return TrialscreenError(f"{FILE}: {where}: {message}")


def load_grammar(text: str, expected: dict[str, tuple[str, ...]] | None = None) -> Grammar:
    """Check and compile the kinds' data. `expected`: the patterns each kind module reads, by kind name.
    Raises one clear error naming the section and key of a missing or broken entry."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise _fail("file", f"not valid TOML ({err})") from err
    order = raw.get("registry", {}).get("order")
    if not isinstance(order, list) or not all(isinstance(n, str) for n in order) or len(set(order)) != len(order):
        raise _fail("[registry] order", "must be a list of distinct kind names")
    grammar = raw.get("grammar", {})
    comparators = grammar.get("comparators")
    if not isinstance(comparators, dict) or not comparators:
        raise _fail("[grammar] comparators", "must map comparator words to <, <=, >, >=")
    bad = {w: o for w, o in comparators.items() if o not in ("<", "<=", ">", ">=")}
    if bad:
        raise _fail("[grammar] comparators", f"{bad} must each be one of <, <=, >, >=")
    for name in ("classic",):
        words = grammar.get(name)
        if not isinstance(words, list) or not words or any(w not in comparators for w in words):
            raise _fail(f"[grammar] {name}", "must list comparator words that `comparators` defines")
    pieces = {
        "op": f"(?P<op>{alternation(grammar['classic'])})",
        "num": r"(?:\d+(?:\.\d+)?)",
        "wnum": "(?:" + NUM[1:],
        "tunit": r"(?:days?|weeks?|wks?|months?|mos?|years?|yrs?)",
        "times": str(grammar.get("times", "")),
    }
    if not pieces["times"]:
        raise _fail("[grammar] times", "is missing; it must be a regular expression with the group `mult`")
    for key in ("duration", "duration_exclusive", "half_lives"):
        if not isinstance(grammar.get(key), str) or not grammar[key]:
            raise _fail(f"[grammar] {key}", "is missing; it must be a regular expression")
    sections: dict[str, dict[str, Any]] = {}
    patterns: dict[str, dict[str, re.Pattern[str]]] = {}
    names = set(order) | {"grammar", "team"}
    for section in sorted(names | set(expected or {})):
        entries = raw.get(section)
        if not isinstance(entries, dict):
            if (expected is not None and expected.get(section)) or section in ("grammar", "team"):
                raise _fail(f"[{section}]", "the section is missing")
            entries = {}
        sections[section] = entries
        compiled: dict[str, re.Pattern[str]] = {}
        wanted = (expected or {}).get(section, ())
        for key in wanted:
            if not isinstance(entries.get(key), str) or not entries[key]:
                raise _fail(f"[{section}] {key}", "is missing; it must be a regular expression")
        for key, value in entries.items():
            if not isinstance(value, str) or key == "times":
                continue
            try:
                compiled[key] = re.compile(_fill(value, pieces), re.IGNORECASE)
            except re.error as err:
                raise _fail(f"[{section}] {key}", f"is not a valid regular expression ({err})") from err
        patterns[section] = compiled
    return Grammar(tuple(order), {k.lower(): v for k, v in comparators.items()}, sections, patterns)


@lru_cache(maxsize=1)
def grammar() -> Grammar:
    from eligibility.kinds import expected_patterns

    text = resources.files("eligibility").joinpath("data/kinds.toml").read_text("utf-8")
    return load_grammar(text, expected_patterns())


def compile_table(section: str, key: str) -> dict[str, re.Pattern[str]]:
    """A table of named patterns in a section ({name = 'regex', ...}), compiled and checked."""
    raw = grammar().sections.get(section, {}).get(key)
    if not isinstance(raw, dict) or not raw:
        raise _fail(f"[{section}] {key}", "must be a table of named regular expressions")
    out = {}
    for name, pattern in raw.items():
        try:
            out[name] = re.compile(str(pattern), re.IGNORECASE)
        except re.error as err:
            raise _fail(f"[{section}] {key}.{name}", f"is not a valid regular expression ({err})") from err
    return out


# -- a kind ---------------------------------------------------------------------------------------


class Kind:
    """One kind of rule: how criteria state it (`read`), and the patient fact it decides on (`spec`)."""

    name: ClassVar[str] = ""
    patterns: ClassVar[tuple[str, ...]] = ()  # the patterns it reads from its section of kinds.toml
    blocked_by: ClassVar[tuple[str, ...]] = ()  # kinds whose match means this one does not read
    only: ClassVar[str] = ""  # "inclusion" or "exclusion": reads only criteria of that kind
    specs: ClassVar[tuple[FactSpec, ...]] = ()

    def read(self, r: Read) -> list[Match]:  # pragma: no cover - abstract
        raise NotImplementedError

    def team(self, r: Read) -> str:
        """Why only the study team can settle this criterion ('' when the kind has no such say)."""
        return ""

    def p(self, name: str) -> re.Pattern[str]:
        return grammar().patterns[self.name][name]

    def data(self, name: str) -> Any:
        return grammar().sections[self.name][name]

    @staticmethod
    def op(word: str | None, default: str) -> str:
        return grammar().op(word, default)
