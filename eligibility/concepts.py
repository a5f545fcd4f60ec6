"""Concepts (conditions, infections, states) from `eligibility/data/concepts.toml`.

A concept is named by its patterns (our words) and, when it lists ICD-10-CM codes or ranges, by any
condition coded under them (`trialscreen.vocab.conditions`): "glioblastoma" names cancer because it is C71,
inside C00-C96.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources

from eligibility.cues import cue
from eligibility.fallback import FILE as READINGS
from eligibility.fallback import reading_pattern, readings
from eligibility.timewords import denial_window
from trialscreen.errors import TrialscreenError
from trialscreen.vocab import conditions as icd

FILE = "eligibility/data/concepts.toml"


@dataclass(frozen=True)
class Concept:
    key: str
    patterns: tuple[re.Pattern[str], ...]  # every pattern: what a person's text names as this concept
    question: str
    icd10cm: tuple[str, ...] = ()  # ICD-10-CM codes, blocks or category ranges the concept covers
    choice: str = ""  # how a checklist names it ("shingles (herpes zoster)"); '' : asked on its own
    members: int = 0  # how many of `patterns` (the last ones) name one kind of it ("lymphoma" of cancer)
    whole: tuple[str, ...] = ()  # the codes under `icd10cm` that name all of it (C80 "…, unspecified")
    not_cases: tuple[str, ...] = ()  # codes under `icd10cm` that are no case of it (F10.9 "Alcohol use")
    habit: bool = False  # a way of living ("Smokers"): named with no time and no word of history, it is now

    def covers(self, codes: tuple[str, ...]) -> bool:
        """Whether a condition coded `codes` is a case of the concept: under `icd10cm`, not `not_cases`."""
        return _under(codes, self.icd10cm) and not (self.not_cases and _under(codes, self.not_cases))

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where a person's text (a note, an answer, a passage) names the concept: by any pattern, or by a
        condition coded under `icd10cm` ("glioblastoma" is C71: a cancer)."""
        found = [(m.start(), m.end()) for m in self.joined.finditer(text) if icd.names_the_condition(text, m.end())]
        if self.icd10cm:
            found += [(m.start, m.end) for m in _mentions(text) if self.covers(m.codes)]
        return sorted(set(found))

    def asked(self, text: str) -> list[tuple[int, int]]:
        """Where a criterion asks about the whole concept: by a pattern that is not a kind of it (`members`)
        and not part of a longer name of a kind ("cancer" in "breast cancer", C50), or by a condition coded
        under `whole` ("malignant neoplasm", C80.1). A criterion naming a kind asks about that kind only
        ("Histologically confirmed breast cancer" is not met by a melanoma): it is read by its codes."""
        mentions = _mentions(text)
        whole = [m for m in mentions if self.whole and _all_under(m.codes, self.whole)]
        found = [
            (m.start(), m.end())
            for m in self.naming.finditer(text)
            if icd.names_the_condition(text, m.end())
            and not self._kind_around(text, m.start(), m.end(), mentions)
            and not self._unread_kind(text, *_widened(m.start(), m.end(), mentions), mentions)
        ]
        found += [(m.start, m.end) for m in whole if not self._unread_kind(text, m.start, m.end, mentions)]
        return sorted(set(found))

    def kind_named_at(self, text: str, start: int, end: int, floor: int = 0) -> bool:
        """Whether the concept's word at [start, end) of a person's text names only a kind of it, as in a
        criterion, looking back no further than `floor` (the negation: "denies skin cancer" denies no
        other cancer; "denies malignancy" denies all)."""
        mentions = _mentions(text)
        return self._kind_around(text, start, end, mentions) or self._unread_kind(
            text, *_widened(start, end, mentions), mentions, floor
        )

    def _unread_kind(
        self, text: str, start: int, end: int, mentions: tuple[icd.ConditionMention, ...], floor: int = 0
    ) -> bool:
        """Whether a word the vocabulary cannot read stands right before the concept's name at [start, end)
        or after it as "of …": "primary peritoneal cancer", "urothelial carcinoma", "cancer of the head and
        neck" ask about a kind of cancer, not any cancer. Words that say when, how far or how sure ("active",
        "second primary", "advanced", "of unknown primary": readings.toml [coded] not_a_kind) and function
        words do not name a kind, nor does another condition's name: a list without commas ("Arthritis
        Serositis Renal disorder") or the person's disease ("SLE nephritis"). Only for a concept with kinds
        coded under it (`icd10cm`)."""
        if not self.icd10cm:
            return False
        return unread_kind(text, start, end, mentions, floor)

    def _kind_around(self, text: str, start: int, end: int, mentions: tuple[icd.ConditionMention, ...]) -> bool:
        """Whether the pattern at [start, end) is part of a longer condition name that is not the concept as
        a whole: "breast cancer" (C50) around "cancer", "pulmonary hypertension" around "hypertension"; not
        "HBV infection" around "HBV" (the same code) or "malignancy" (coded under `whole`)."""
        if not self.icd10cm:
            return False  # no codes to tell a kind by
        own: tuple[str, ...] | None = None
        word_end = _word_end(text, end)
        one_word = text[start:end].isalpha()  # "malignant", not "serious infection"
        if one_word and any(self._kind_named_after(text, word_end, m) for m in mentions):
            return True
        for m in mentions:
            if not (m.start <= start and end <= m.end and m.end - m.start > end - start):
                continue
            if self.whole and _all_under(m.codes, self.whole):
                continue
            if own is None:
                own = tuple(icd.codes_in(text[start:word_end]))
            if not _broader(m.codes, own):
                return True
        return False

    def _kind_named_after(self, text: str, word_end: int, m: icd.ConditionMention) -> bool:
        """Whether the pattern's word only qualifies a condition named right after it ("malignant" in
        "malignant cutaneous melanoma" or "malignant hypertension"): a word with no code of its own, then at
        most two words, then a condition not coded under `whole`."""
        between = text[word_end : m.start]
        if not word_end <= m.start <= word_end + 40 or not _BETWEEN.fullmatch(between):
            return False
        if reading_pattern("coded", "not_qualifying").search(between):
            return False
        if self.whole and _all_under(m.codes, self.whole):
            return False
        return not icd.codes_in(text[_word_start(text, word_end) : word_end])

    @property
    def naming_patterns(self) -> tuple[re.Pattern[str], ...]:
        """The patterns that name the whole concept, not one kind of it."""
        return self.patterns[: len(self.patterns) - self.members]

    @cached_property
    def naming(self) -> re.Pattern[str]:
        """`naming_patterns` as one."""
        return _one(self.naming_patterns)

    @cached_property
    def joined(self) -> re.Pattern[str]:
        return _one(self.patterns)


def _one(patterns: tuple[re.Pattern[str], ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns) or r"(?!x)x", re.IGNORECASE)


@lru_cache(maxsize=512)
def _mentions(text: str) -> tuple[icd.ConditionMention, ...]:
    return tuple(icd.conditions_in(text))


@lru_cache(maxsize=65536)
def _under(codes: tuple[str, ...], refs: tuple[str, ...]) -> bool:
    return any(icd.is_a(code, ref) for code in codes for ref in refs)


@lru_cache(maxsize=65536)
def _all_under(codes: tuple[str, ...], refs: tuple[str, ...]) -> bool:
    """Whether every code of a name is under `refs`: "metastatic disease" (C80.1, or C79.9 a secondary
    cancer) is not only a cancer of unsaid kind."""
    return all(any(icd.is_a(code, ref) for ref in refs) for code in codes)


@lru_cache(maxsize=65536)
def _broader(codes: tuple[str, ...], own: tuple[str, ...]) -> bool:
    """Whether a longer name's codes are the pattern's own or above them ("chronic hepatitis B", B19.10, and
    "hepatitis B", B19.10): the longer name says the same condition in more words."""
    return any(c == o or icd.is_a(o, c) for c in codes for o in own)


# the word right before a place, joined to it by spaces or a hyphen only (not by punctuation)
_WORD_BEFORE = re.compile(r"([\w+/']+)(?:[ \t]+|[ \t]*-[ \t]*)\Z")
# "of" (and "the") and the word after a concept's name: "cancer of the head and neck"
_OF_AFTER = re.compile(r"[ \t]+of[ \t]+(?:the[ \t]+)?([\w+/']+)", re.IGNORECASE)


def unread_kind(
    text: str, start: int, end: int, mentions: tuple[icd.ConditionMention, ...] = (), floor: int = 0
) -> bool:
    """Whether a word the vocabulary cannot read stands right before a condition's name at [start, end)
    (looking back no further than `floor`), or after it as "of …": it names a kind ("congenital heart
    disease", "hemolytic anemia"). Words that say when, how far or how sure do not, nor function words or
    another condition's name (see `Concept._unread_kind`)."""
    if start > 0 and text[start - 1].isalnum():
        return True  # the name is the end of a longer word: "anticancer", "nonmalignant"
    pos = start
    while (m := _WORD_BEFORE.search(text, max(floor, pos - 60), pos)) is not None:
        word = m.group(1)
        if _function_word(word) or _in_another(m.start(1), m.end(1), start, mentions):
            return False
        if not not_a_kind(word):
            return True
        pos = m.start()
    after = _OF_AFTER.match(text, _word_end(text, end))
    return after is not None and not _function_word(after.group(1)) and not not_a_kind(after.group(1))


def _widened(start: int, end: int, mentions: tuple[icd.ConditionMention, ...]) -> tuple[int, int]:
    """[start, end) widened to the condition names around it ("carcinoma" in "adenocarcinoma", C80.1;
    "diabetes" in "type 2 diabetes mellitus"): the words to look at stand around those names. A name that
    made the pattern a kind (`_kind_around`) has already been ruled out."""
    for m in mentions:
        if m.start <= start and end <= m.end:
            start, end = min(m.start, start), max(m.end, end)
    return start, end


def _in_another(start: int, end: int, own: int, mentions: tuple[icd.ConditionMention, ...]) -> bool:
    """Whether [start, end) is inside the name of a condition that ends before `own`."""
    return any(m.start <= start and end <= m.end <= own for m in mentions)


def _function_word(word: str) -> bool:
    """Words around a condition's name that are no part of it: "with", "of", "the", "history"."""
    return any(reading_pattern("coded", key).fullmatch(word) for key in ("filler", "not_qualifying"))


def not_a_kind(word: str) -> bool:
    """A word that says when, how far or how sure, not which kind; "III/IV" when each part is one."""
    parts = [p.lower() for p in word.split("/") if p]
    return bool(parts) and all(p in _not_a_kind_words() or _CLASS.fullmatch(p) for p in parts)


# a class or stage: 0-4, "IIIB", "iv"
_CLASS = re.compile(r"[0-4][a-c]?|i{1,3}[a-c]?|iv[a-c]?")


@lru_cache(maxsize=1)
def _not_a_kind_words() -> frozenset[str]:
    return load_not_a_kind(readings().get("coded", {}).get("not_a_kind"))


def load_not_a_kind(raw: object) -> frozenset[str]:
    """readings.toml [coded.not_a_kind]: lists of single lowercase words; one clear error when not."""
    where = f"{READINGS}: [coded.not_a_kind]"
    if not isinstance(raw, dict) or not raw:
        raise TrialscreenError(f"{where} is missing; it must be a table of word lists")
    bad = [w for words in raw.values() for w in (words if isinstance(words, list) else [words])]
    bad = [w for w in bad if not isinstance(w, str) or not re.fullmatch(r"[a-z0-9]+", w)]
    if bad or not all(isinstance(v, list) for v in raw.values()):
        raise TrialscreenError(f"{where} must hold lists of single lowercase words; not {bad or raw!r}")
    return frozenset(w for words in raw.values() for w in words)


# what may stand between a qualifying word and the condition it qualifies: up to two more words
_BETWEEN = re.compile(r"[ -]+(?:[A-Za-z]+[ -]+){0,2}")


def _word_start(text: str, word_end: int) -> int:
    """Where the word ending at `word_end` starts."""
    start = word_end
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    return start


def _word_end(text: str, end: int) -> int:
    """The end of the word a pattern stops inside ("malignan" in "malignancy")."""
    while end < len(text) and text[end].isalnum():
        end += 1
    return end


def load_concepts(text: str) -> tuple[Concept, ...]:
    """The concepts of a concepts.toml text; one clear error naming the concept when an entry is wrong."""
    raw = tomllib.loads(text)
    out = []
    for n, c in enumerate(raw.get("concept", []), start=1):
        name = c.get("key") or f"concept #{n}"
        if not isinstance(c.get("key"), str) or not c.get("patterns") or not isinstance(c.get("question"), str):
            raise TrialscreenError(f"{FILE}: {name} needs key, patterns (a list) and question")
        refs = c.get("icd10cm", [])
        bad = [r for r in refs if not isinstance(r, str) or not icd.valid_reference(r)]
        if not isinstance(refs, list) or bad:
            raise TrialscreenError(
                f"{FILE}: {name}: icd10cm must list ICD-10-CM codes (C50, I82.40) or category ranges (C00-C96); "
                f"not {bad or refs!r}"
            )
        kinds = c.get("members", [])
        if not isinstance(kinds, list):
            raise TrialscreenError(f"{FILE}: {name}: members must be a list of patterns, not {kinds!r}")
        try:
            patterns = tuple(re.compile(p, re.IGNORECASE) for p in [*c["patterns"], *kinds])
        except re.error as err:
            raise TrialscreenError(f"{FILE}: {name}: a pattern is not a valid regular expression ({err})") from err
        choice = c.get("choice", "")
        if not isinstance(choice, str) or "{" in choice:
            raise TrialscreenError(f"{FILE}: {name}: choice must be plain words naming the condition, not {choice!r}")
        whole = c.get("whole", [])
        outside = [
            w for w in whole if not isinstance(w, str) or not icd.valid_reference(w) or not _under((w,), tuple(refs))
        ]
        if not isinstance(whole, list) or outside:
            raise TrialscreenError(
                f"{FILE}: {name}: whole must list ICD-10-CM codes or ranges inside its icd10cm {refs}; "
                f"not {outside or whole!r}"
            )
        not_cases = c.get("not_cases", [])
        stray = [
            w
            for w in not_cases
            if not isinstance(w, str) or not icd.valid_reference(w) or not _under((w,), tuple(refs))
        ]
        if not isinstance(not_cases, list) or stray:
            raise TrialscreenError(
                f"{FILE}: {name}: not_cases must list ICD-10-CM codes or ranges inside its icd10cm {refs}; "
                f"not {stray or not_cases!r}"
            )
        habit = c.get("habit", False)
        if not isinstance(habit, bool):
            raise TrialscreenError(f"{FILE}: {name}: habit must be true or false, not {habit!r}")
        out.append(
            Concept(
                c["key"],
                patterns,
                c["question"],
                tuple(refs),
                choice,
                len(kinds),
                tuple(whole),
                tuple(not_cases),
                habit,
            )
        )
    return tuple(out)


@lru_cache(maxsize=4096)
def is_habit(codes: tuple[str, ...]) -> bool:
    """Whether a condition coded `codes` is a case of a habit (concepts.toml `habit`: smoking)."""
    return any(c.habit and c.covers(codes) for c in concepts())


def denial_covers(clause: str, *, habit: bool) -> float | None:
    """The stretch a denial covers: the window its clause names (`denial_window`); for a habit with none,
    now ("does not smoke", "non-smoker", "Tobacco: none"), unless the clause speaks of any time ("has never
    smoked")."""
    covers = denial_window(clause)
    if covers is None and habit and not cue("context", "ever_denied").search(clause):
        return 0.0
    return covers


@lru_cache(maxsize=1)
def concepts() -> tuple[Concept, ...]:
    return load_concepts(resources.files("eligibility").joinpath("data/concepts.toml").read_text("utf-8"))


def concept(key: str) -> Concept | None:
    return _by_key().get(key)


@lru_cache(maxsize=1)
def _by_key() -> dict[str, Concept]:
    return {c.key: c for c in concepts()}


def concepts_in(text: str) -> list[tuple[Concept, int, int]]:
    """Concepts a person's text names (`Concept.spans`), with the first place each is named, in text order."""
    found = []
    for c in concepts():
        spans = c.spans(text)
        if spans:
            start, end = min(spans)
            found.append((c, start, end))
    return sorted(found, key=lambda x: x[1])
