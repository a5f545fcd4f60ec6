"""How a coordinator's question is read: the vocabularies criteria and notes are read with, plus
the words particular to questions (`retrieval/data/question_words.toml`, checked when first loaded).

- **Concepts.** A lab ("CrCl", "creatinine clearance", "eGFR"), a condition ("PPD", "TB"), a score
  ("SELENA-SLEDAI", "disease activity index") is one concept however it is written; a passage that
  names the same concept, in any of its names, answers for it (`mentions`).
- **Words.** Shape words ("what", "max", "pts") say nothing about the subject (`generic`); a word may
  be written in a passage as one of its synonyms (`synonyms`).
- **Spelling.** A word that no indexed text uses is spelled as the closest trial or drug name of the
  index when it is a small typo away ("telitacept" -> "telitacicept", "multicentre" -> "multicenter");
  a word of the vocabularies is never respelled (`respell`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from eligibility.concepts import concepts
from eligibility.labs import labs
from trialscreen.errors import TrialscreenError
from trialscreen.vocab import conditions as icd
from trialscreen.vocabulary import vocabulary

FILE = "retrieval/data/question_words.toml"


class _Score(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^(?:score|term):[a-z0-9_]+$")
    label: str = Field(min_length=1)
    patterns: list[str] = Field(min_length=1)


class _Spelling(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min_length: int = Field(ge=3)
    max_edits: int = Field(ge=1, le=3)
    acronym: str = r"(?!)"
    name_like: str = r"(?!)"


class _Age(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pattern: str
    shift: int = Field(ge=-1, le=1)


class _State(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pattern: str
    words: str = Field(min_length=1)
    facts: dict[str, str | bool | float] = Field(min_length=1)


class _Person(BaseModel):
    """A person a question names by a measure ("pts weighing over 300 lbs")."""

    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[a-z_]+$")
    pattern: str  # groups: n (the value), unit, and more / less (the side)
    units: dict[str, float] = Field(min_length=1)  # each unit written, in the fact's unit
    step: float = Field(gt=0)  # "over N": N + step, "under N": N - step (in the unit written)
    words: str = Field(min_length=1)  # how to say the person: {said} is the question's words


class _Range(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[a-z_]+$")
    unit: str
    pattern: str
    low: float
    high: float


@dataclass(frozen=True)
class Span:
    """A measure whose accepted range across trials a question can ask about."""

    key: str
    unit: str
    pattern: re.Pattern[str]
    low: float
    high: float


class _Measure(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pattern: str


class _Compare(BaseModel):
    model_config = ConfigDict(extra="forbid")
    highest: str
    lowest: str
    dose: str
    gives: str = r"(?!)"
    washout: str = r"(?!)"
    limit: str = r"(?!)"
    fan_out: str = r"(?!)"
    named_trial: str = r"(?P<name>(?!))"
    amount: str = r"(?!)"
    stated: str = r"(?!)"
    asks_dose: str = r"(?!)"
    dose_stated: str = r"(?!)"
    lab_value: str = r"(?!)"
    cap_value: str = r"(?!)"


class _Intent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z_]+$")
    pattern: str
    fields: list[str] = Field(min_length=1)


class _Side(BaseModel):
    model_config = ConfigDict(extra="forbid")
    exclude: str
    include: str
    capped: str = r"(?!)"


class _Words(BaseModel):
    model_config = ConfigDict(extra="forbid")
    generic: dict[str, str]
    synonyms: dict[str, list[str]]
    score: list[_Score] = Field(default_factory=list)
    term: list[_Score] = Field(default_factory=list)
    spelling: _Spelling
    age: list[_Age] = Field(default_factory=list)
    state: list[_State] = Field(default_factory=list)
    measure: list[_Measure] = Field(default_factory=list)
    range: list[_Range] = Field(default_factory=list)
    person: list[_Person] = Field(default_factory=list)
    intent: list[_Intent] = Field(default_factory=list)
    side: _Side = _Side(exclude=r"(?!)", include=r"(?!)")
    compare: _Compare


@dataclass(frozen=True)
class State:
    """A state of a person a question asks about ("pregnant"), as the facts that state it."""

    pattern: re.Pattern[str]
    words: str
    facts: dict[str, Any]


@dataclass(frozen=True)
class Person:
    """A person named by a measure: the fact (`key`), how the value is written (`pattern`), each unit's
    size in the fact's unit, and the step past a bound ("over 300 lbs" is 301 lbs)."""

    key: str
    pattern: re.Pattern[str]
    units: dict[str, float]
    step: float
    words: str

    def value(self, text: str) -> tuple[float, str] | None:
        """The fact's value for the person the text names, and the words naming them."""
        m = self.pattern.search(text)
        if m is None:
            return None
        size = self.units.get(m.group("unit").lower())
        if size is None:
            return None
        n = float(m.group("n"))
        n += self.step if m.group("more") else -self.step if m.group("less") else 0.0
        return round(n * size, 2), self.words.format(said=m.group(0))


@dataclass(frozen=True)
class Words:
    generic: frozenset[str]
    synonyms: dict[str, tuple[str, ...]]
    scores: tuple[tuple[str, str, re.Pattern[str]], ...]  # key, label, the names joined
    min_length: int
    max_edits: int
    acronym: re.Pattern[str] = re.compile(r"(?!)")  # a title acronym as written ("MRBS", "MiSLE")
    name_like: re.Pattern[str] = re.compile(r"(?!)")  # a word written as a name ("CAR-T", "CD19")
    ages: tuple[tuple[re.Pattern[str], int], ...] = ()  # an age cue and the shift to the age meant
    states: tuple[State, ...] = ()
    measures: tuple[re.Pattern[str], ...] = ()  # a question about something measured, not an age
    highest: re.Pattern[str] = re.compile(r"(?!)")
    lowest: re.Pattern[str] = re.compile(r"(?!)")
    dose: re.Pattern[str] = re.compile(r"(?!)")
    gives: re.Pattern[str] = re.compile(r"(?!)")
    washout: re.Pattern[str] = re.compile(r"(?!)")
    limit: re.Pattern[str] = re.compile(r"(?!)")
    fan_out: re.Pattern[str] = re.compile(r"(?!)")  # "which trials ...": every trial
    amount: re.Pattern[str] = re.compile(r"(?!)")  # the question asks an amount ("what dose", "max pred")
    stated: re.Pattern[str] = re.compile(r"(?!)")  # a passage states an amount ("≤ 10 mg/day", "1:80")
    asks_dose: re.Pattern[str] = re.compile(r"(?!)")  # the amount asked is a dose
    dose_stated: re.Pattern[str] = re.compile(r"(?!)")  # a passage states a dose ("400 mg")
    lab_value: re.Pattern[str] = re.compile(r"(?!)")  # after a lab: the value naming a person ("under 30")
    cap_value: re.Pattern[str] = re.compile(r"(?!)")  # a daily dose caps are compared with ("10mg/day or less")
    named_trial: re.Pattern[str] = re.compile(r"(?!)")  # "the hrIL-2 pilot study": group `name`
    spans: tuple[Span, ...] = ()
    persons: tuple[Person, ...] = ()
    intents: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...] = ()  # name, cue, the fields answering
    excludes: re.Pattern[str] = re.compile(r"(?!)")  # "which trials exclude ...": what the trials rule out
    includes: re.Pattern[str] = re.compile(r"(?!)")  # "... require ...": what they require
    capped: re.Pattern[str] = re.compile(r"(?!)")  # "... cap ...": a limit asked, not a requirement


def _regex(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as err:
        raise TrialscreenError(f"{FILE}: {where}: {pattern!r} is not a valid regular expression ({err})") from err


def _named(pattern: str) -> re.Pattern[str]:
    compiled = _regex(pattern, "[compare] named_trial")
    if "name" not in compiled.groupindex:
        raise TrialscreenError(f"{FILE}: [compare] named_trial needs a group named name: (?P<name>...)")
    return compiled


def load_words(text: str) -> Words:
    """The question words of a question_words.toml text; one clear error when an entry is wrong."""
    try:
        raw = _Words.model_validate(tomllib.loads(text))
    except (tomllib.TOMLDecodeError, ValidationError) as err:
        first = str(err).splitlines()[0:3]
        raise TrialscreenError(f"{FILE}: {' '.join(first)}") from err
    if set(raw.generic) != {"words"}:
        raise TrialscreenError(f"{FILE}: [generic] holds one key, words (a list of words separated by spaces)")
    scores = []
    for s in [*raw.score, *raw.term]:
        try:
            joined = re.compile("|".join(f"(?:{p})" for p in s.patterns), re.IGNORECASE)
        except re.error as err:
            raise TrialscreenError(f"{FILE}: {s.key}: a pattern is not a valid regular expression ({err})") from err
        scores.append((s.key, s.label, joined))
    ages = []
    for a in raw.age:
        pattern = _regex(a.pattern, "[[age]]")
        if "n" not in pattern.groupindex:
            raise TrialscreenError(f"{FILE}: [[age]] {a.pattern!r} needs a group named n: (?P<n>\\d+)")
        ages.append((pattern, a.shift))
    return Words(
        generic=frozenset(raw.generic["words"].split()),
        synonyms={k.lower(): tuple(v) for k, v in raw.synonyms.items()},
        scores=tuple(scores),
        min_length=raw.spelling.min_length,
        max_edits=raw.spelling.max_edits,
        acronym=_regex(raw.spelling.acronym, "[spelling] acronym"),
        name_like=_regex(raw.spelling.name_like, "[spelling] name_like"),
        ages=tuple(ages),
        states=tuple(State(_regex(st.pattern, "[[state]]"), st.words, dict(st.facts)) for st in raw.state),
        measures=tuple(_regex(m.pattern, "[[measure]]") for m in raw.measure),
        **{
            name: _regex(pattern, f"[compare] {name}")
            for name, pattern in raw.compare.model_dump().items()
            if name != "named_trial"
        },
        named_trial=_named(raw.compare.named_trial),
        spans=tuple(Span(r.key, r.unit, _regex(r.pattern, "[[range]]"), r.low, r.high) for r in raw.range),
        persons=tuple(_person(p) for p in raw.person),
        intents=tuple((i.name, _regex(i.pattern, f"[[intent]] {i.name}"), tuple(i.fields)) for i in raw.intent),
        excludes=_regex(raw.side.exclude, "[side] exclude"),
        includes=_regex(raw.side.include, "[side] include"),
        capped=_regex(raw.side.capped, "[side] capped"),
    )


def _person(p: _Person) -> Person:
    pattern = _regex(p.pattern, "[[person]]")
    missing = {"n", "unit", "more", "less"} - set(pattern.groupindex)
    if missing:
        raise TrialscreenError(f"{FILE}: [[person]] {p.key}: the pattern needs the groups {', '.join(sorted(missing))}")
    return Person(p.key, pattern, {k.lower(): v for k, v in p.units.items()}, p.step, p.words)


@lru_cache(maxsize=1)
def words() -> Words:
    return load_words(resources.files("retrieval").joinpath("data/question_words.toml").read_text("utf-8"))


def is_generic(word: str) -> bool:
    """A shape word; tokens drop a plural s ("previous" -> "previou"), so the plural is tried too."""
    generic = words().generic
    return word in generic or f"{word}s" in generic


@dataclass(frozen=True)
class Mention:
    """A concept a text names: `key` (lab:crcl, cond:tb, score:sledai), how to say it, and where."""

    key: str
    label: str
    start: int
    end: int


@lru_cache(maxsize=4096)
def mentions(text: str, members: bool = False) -> tuple[Mention, ...]:
    """The labs, conditions, scores and drug classes a text names, in text order (one per concept and
    place). With `members`, a drug named is also a mention of each of its classes ("tacrolimus" speaks
    of calcineurin inhibitors): a passage speaks of the class a question asks about through its drugs."""
    found: list[Mention] = []
    v = vocabulary()
    for cls in v.drug_classes_in(text):
        found += [Mention(f"class:{cls.name}", cls.name, m.start(), m.end()) for m in cls._joined().finditer(text)]
    if members:
        for drug in v.drugs_in(text):
            for m in drug._joined().finditer(text):
                found += [Mention(f"class:{c}", c, m.start(), m.end()) for c in drug.classes]
    for lab in labs():
        for pattern in (lab.named, _patient_pattern(lab.patient)):
            found += [Mention(lab.key, lab.label, m.start(), m.end()) for m in pattern.finditer(text) if m.group()]
    for concept in concepts():
        label = concept.key.replace("_", " ")
        found += [Mention(f"cond:{concept.key}", label, s, e) for s, e in concept.spans(text)]
    for key, label, pattern in words().scores:
        found += [Mention(key, label, m.start(), m.end()) for m in pattern.finditer(text) if m.group()]
    unique = {(m.key, m.start, m.end): m for m in found}
    return tuple(sorted(unique.values(), key=lambda m: (m.start, -m.end)))


def concept_keys(text: str) -> frozenset[str]:
    """The concepts a passage speaks of, its drugs' classes among them."""
    return frozenset(m.key for m in mentions(text, members=True))


@lru_cache(maxsize=256)
def _patient_pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE)


def blank(text: str, spans: Iterable[Mention]) -> str:
    """The text with these mentions blanked out (so their words are not read a second time)."""
    chars = list(text)
    for m in spans:
        chars[m.start : m.end] = [" "] * (m.end - m.start)
    return "".join(chars)


# -- spelling -------------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*")


def respell(
    text: str, names: frozenset[str], known: frozenset[str], written: frozenset[str] = frozenset()
) -> tuple[str, list[tuple[str, str]]]:
    """The text with each word that `known` (every word the index uses) lacks, and no vocabulary
    knows, replaced by the one closest of `names` (the index's trial and drug names) within the
    allowed edits, else by the one word of the index's texts as written (`written`) one edit away
    ("wieght" -> "weight", "diabetcs" -> "diabetes"); and the (written, read as) pairs. A tie, or
    nothing close enough, leaves it."""
    w = words()
    changes: list[tuple[str, str]] = []

    def fix(match: re.Match[str]) -> str:
        word = match.group()
        low = word.lower()
        if len(low) < w.min_length or low in known or low in names or is_generic(low) or _in_vocabularies(word):
            return word
        best = _closest(low, names, w.max_edits) or _closest(low, written, 1)
        if best is None:
            return word
        changes.append((word, best))
        return best

    return _WORD.sub(fix, text), changes


def _in_vocabularies(word: str) -> bool:
    v = vocabulary()
    named = v.drugs_in(word) or v.drug_classes_in(word) or v.conditions_in(word)
    return bool(named or icd.conditions_in(word) or mentions(word))


def _closest(word: str, names: frozenset[str], max_edits: int) -> str | None:
    allowed = 1 if len(word) < 8 else max_edits
    scored = sorted(
        (d, n) for n in names if abs(len(n) - len(word)) <= allowed and (d := edits(word, n, allowed)) <= allowed
    )
    if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
        return None
    return scored[0][1]


def edits(a: str, b: str, limit: int) -> int:
    """Letters added, dropped, changed or two swapped to turn a into b (optimal string alignment),
    stopping early above `limit` (returns limit + 1)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        prev2, prev = prev, row
    return min(prev[-1], limit + 1)


def index_names(texts: Iterable[str]) -> frozenset[str]:
    """The words of trial names (titles, interventions, sponsors, acronyms) and of the drugs they give."""
    out: set[str] = set()
    for text in texts:
        out.update(m.group().lower() for m in _WORD.finditer(text) if len(m.group()) >= words().min_length)
        out.update(d.name for d in vocabulary().drugs_in(text) if " " not in d.name)
    return frozenset(out)
