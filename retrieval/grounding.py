"""Does a model's atom say only what the criterion says? Every concept, number and unit of an atom must
occur in the criterion's text, compared after normalising case, white space, unicode signs (≤ ≥ vs
<= >=) and number formats (1,000 vs 1000, 1.0 vs 1). Comparators are read from the text too, so that a
reading with a flipped sign is refused and one the text does not state cannot decide.

The words (comparators, vague number words, the rule names of demographics and measurements) are in
`retrieval/data/model_reading.toml`, checked when first loaded.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from eligibility.atoms import Atom, Logic
from eligibility.timewords import NUMBER_WORDS, UNIT, to_months
from trialscreen.errors import TrialscreenError

FILE = "retrieval/data/model_reading.toml"
COMPARATORS = (">=", "<=", ">", "<", "==")


@dataclass(frozen=True)
class Measurement:
    key: str
    label: str
    unit: str
    names: tuple[str, ...]
    unit_optional: bool = False


@dataclass(frozen=True)
class Words:
    before: tuple[tuple[str, str], ...]  # (phrase, comparator), longest phrase first
    after: tuple[tuple[str, str], ...]
    range_joiners: tuple[str, ...]
    vague: frozenset[str]
    age: frozenset[str]
    age_units: frozenset[str]
    female: frozenset[str]
    male: frozenset[str]
    measures: tuple[Measurement, ...]
    filler: frozenset[str]
    negation: frozenset[str]
    question_kinds: frozenset[str]


def _strings(raw: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise TrialscreenError(f"{FILE}: {where}{key} must be a non-empty list of words")
    return tuple(normalise(v) for v in value)


def _phrases(raw: dict[str, Any], where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, dict) or not raw:
        raise TrialscreenError(f"{FILE}: [comparators] {where} must map comparators to lists of words")
    out = []
    for comparator in raw:
        if comparator not in COMPARATORS:
            raise TrialscreenError(
                f"{FILE}: [comparators] {where}.{comparator!r} is not one of {', '.join(COMPARATORS)}"
            )
        out += [(w, comparator) for w in _strings(raw, comparator, f"[comparators] {where}.")]
    return tuple(sorted(out, key=lambda p: -len(p[0])))


def load_words(text: str) -> Words:
    """The file's words, checked: one clear error naming the key when one is missing or malformed."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise TrialscreenError(f"{FILE} is not valid TOML: {err}") from err
    comps, rules, modes = raw.get("comparators", {}), raw.get("rules", {}), raw.get("modes", {})
    measures = []
    for i, m in enumerate(rules.get("measure", [])):
        if not all(isinstance(m.get(k), str) and m[k] for k in ("key", "label", "unit")):
            raise TrialscreenError(f"{FILE}: [[rules.measure]] number {i + 1} needs key, label and unit")
        names = _strings(m, "names", "[[rules.measure]] ")
        measures.append(Measurement(m["key"], m["label"], m["unit"], names, bool(m.get("unit_optional", False))))
    kinds = _strings(modes, "question_kinds", "[modes] ")
    from eligibility.atoms import AtomKind

    unknown = [k for k in kinds if k not in set(AtomKind)]
    if unknown:
        raise TrialscreenError(f"{FILE}: [modes] question_kinds names unknown atom kinds {unknown}")
    return Words(
        before=_phrases(comps.get("before"), "before"),
        after=_phrases(comps.get("after"), "after"),
        range_joiners=_strings(comps, "range_joiners", "[comparators] "),
        vague=frozenset(_strings(raw.get("numbers", {}), "vague", "[numbers] ")),
        age=frozenset(_strings(rules, "age", "[rules] ")),
        age_units=frozenset(_strings(rules, "age_units", "[rules] ")),
        female=frozenset(_strings(rules, "female", "[rules] ")),
        male=frozenset(_strings(rules, "male", "[rules] ")),
        measures=tuple(measures),
        filler=frozenset(_strings(rules, "filler", "[rules] ")),
        negation=frozenset(_strings(rules, "negation", "[rules] ")),
        question_kinds=frozenset(kinds),
    )


@lru_cache(maxsize=1)
def words() -> Words:
    return load_words(resources.files("retrieval").joinpath("data/model_reading.toml").read_text("utf-8"))


# -- normalising --------------------------------------------------------------------------------------

_SIGNS = str.maketrans({"≤": "<=", "≥": ">=", "µ": "u", "μ": "u", "×": "x", "–": "-", "—": "-", "−": "-"})


def normalise(text: str) -> str:
    """Case, white space and unicode folded: '≥ 40 Kg' -> '>= 40 kg'; '=<' -> '<='."""
    text = unicodedata.normalize("NFKC", text).translate(_SIGNS).casefold()
    text = text.replace("=<", "<=").replace("=>", ">=")
    return re.sub(r"\s+", " ", text).strip()


def same_number(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


# A number in digits, with thousands separators; not one inside a name ("C3", "HbA1c").
_DIGITS = re.compile(r"(?<![\w.,^])(\d{1,3}(?:,\d{3})+(?!\d)|\d+)(\.\d+)?(?!\d)")


@dataclass(frozen=True)
class Number:
    value: float
    start: int
    end: int


def numbers(text: str) -> list[Number]:
    """The numbers a normalised text states, in digits or as words ('six'), with their places."""
    found = []
    for m in _DIGITS.finditer(text):
        start = m.start()
        if start >= 2 and text[start - 1] == "-" and text[start - 2].isalpha():
            continue  # "covid-19", "sledai-2k": part of a name
        found.append(Number(float(m.group(1).replace(",", "") + (m.group(2) or "")), start, m.end()))
    vague = words().vague
    for word, value in NUMBER_WORDS.items():
        if word not in vague:
            found += [Number(float(value), m.start(), m.end()) for m in re.finditer(rf"\b{re.escape(word)}\b", text)]
    return sorted(found, key=lambda n: n.start)


def time_spans(text: str) -> list[tuple[float, int, int]]:
    """Stretches of time a normalised text states, in months, with their places ('6 months' -> 6)."""
    out = []
    for n in numbers(text):
        m = re.match(r"\s*-?\s*" + UNIT + r"\b", text[n.end :])
        if m:
            out.append((round(to_months(n.value, m.group(1)), 3), n.start, n.end + m.end()))
    return out


# -- phrases and units ----------------------------------------------------------------------------------


def _stem(word: str) -> str:
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", "")):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)] + repl
    return word


def _tokens(text: str) -> list[str]:
    return [_stem(t) for t in re.findall(r"[a-z0-9]+", normalise(text))]


def phrase_in(phrase: str, text: str) -> bool:
    """The phrase's words occur in the text in a row (plurals folded): 'malignancy' in 'malignancies'."""
    want, have = _tokens(phrase), _tokens(text)
    if not want:
        return False
    return any(have[i : i + len(want)] == want for i in range(len(have) - len(want) + 1))


def _spaced(phrase: str) -> str:
    """A pattern for the phrase with white space optional between its characters: 'mg/dl' ~ 'mg / dL'."""
    return r"\s*".join(re.escape(c) for c in re.sub(r"\s+", "", normalise(phrase)))


def unit_in(unit: str, text: str) -> bool:
    """The unit occurs in the text as a unit (plural allowed), white space ignored: 'mg/dl' in '1.5 mg / dL'."""
    unit = normalise(unit)
    pattern = _spaced(unit[:-1] if len(unit) > 2 and unit.endswith("s") else unit)
    return bool(pattern) and re.search(rf"(?<![a-z]){pattern}s?(?![a-z])", normalise(text)) is not None


# -- comparators ----------------------------------------------------------------------------------------


def stated_comparators(text: str, value: float) -> set[str] | None:
    """The comparators the normalised text states for a number: None when the number is not in it,
    an empty set when it is but no comparator is written next to it."""
    w = words()
    nums = numbers(text)
    places = [n for n in nums if same_number(n.value, value)]
    if not places:
        return None
    found: set[str] = set()
    for n in places:
        head = text[max(0, n.start - 40) : n.start].rstrip()
        for phrase, comparator in w.before:
            if not head.endswith(phrase):
                continue
            if not phrase[0].isalnum() or len(head) == len(phrase) or not head[-len(phrase) - 1].isalnum():
                found.add(comparator)
                break
        tail = text[n.end : n.end + 40]
        for phrase, comparator in w.after:  # "18 years of age or older": up to three words between
            if re.match(rf"\s*(?:[^\s\d,;.]+\s+){{0,3}}?{re.escape(phrase)}\b", tail):
                found.add(comparator)
                break
        found |= _range_side(text, n, nums, w.range_joiners)
    return found


def _range_side(text: str, n: Number, nums: list[Number], joiners: tuple[str, ...]) -> set[str]:
    """'18 to 65 years': the first number of a range is a minimum, the second a maximum."""
    joined = "|".join(re.escape(j) for j in joiners)
    between = rf"\s*(?:[a-z/%]+\s*)?(?:{joined})\s*"
    for other in nums:
        if other.start >= n.end and re.fullmatch(between, text[n.end : other.start]):
            return {">="}
        if other.end <= n.start and re.fullmatch(between, text[other.end : n.start]):
            return {"<="}
    return set()


# -- the check ------------------------------------------------------------------------------------------


def ungrounded(atom: Atom, text: str) -> str | None:
    """Why the atom says something the criterion does not (None: everything in it occurs in the text)."""
    norm = normalise(text)
    if not phrase_in(atom.concept, norm):
        return f"the concept {atom.concept!r} is not in the criterion"
    for extra, what in [(e, "exception") for e in atom.exceptions] + [(atom.event or "", "event")]:
        if extra and not phrase_in(extra, norm):
            return f"the {what} {extra!r} is not in the criterion"
    if atom.value is not None:
        stated = stated_comparators(norm, atom.value)
        if stated is None:
            return f"the number {atom.value:g} is not in the criterion"
        if atom.comparator is not None and stated and atom.comparator not in stated:
            says = ", ".join(sorted(stated))
            return f"the comparison '{atom.comparator} {atom.value:g}' is not what the criterion says ({says})"
    if atom.unit and not unit_in(atom.unit, norm):
        return f"the unit {atom.unit!r} is not in the criterion"
    if atom.months is not None and not any(same_months(m, atom.months) for m, _, _ in time_spans(norm)):
        return f"the time span of {atom.months:g} months is not in the criterion"
    return None


def same_months(a: float, b: float) -> bool:
    return abs(a - b) <= 0.02 * max(1.0, abs(a), abs(b))


def comparator_stated(atom: Atom, text: str) -> bool:
    """The text states this atom's very comparator next to its number (what a deciding rule needs)."""
    if atom.value is None or atom.comparator is None:
        return atom.value is None and atom.comparator is None
    stated = stated_comparators(normalise(text), atom.value)
    return bool(stated) and atom.comparator in (stated or set())


def _blank(text: str, phrase: str) -> str:
    """The text with the phrase's occurrences blanked out (white space inside the phrase is optional)."""
    pattern = _spaced(phrase)
    if not pattern:
        return text
    return re.sub(rf"(?<![a-z0-9]){pattern}(?![a-z])", lambda m: " " * len(m.group(0)), text)


def unused_numbers(logic: Logic, text: str) -> list[str]:
    """Numbers and time spans of the text that no atom uses (its names, units and events blanked first)."""
    atoms = logic.atoms()
    norm = normalise(text)
    for a in atoms:
        for phrase in (a.concept, a.unit, a.event, *a.exceptions):
            norm = _blank(norm, phrase) if phrase else norm
    values = [a.value for a in atoms if a.value is not None]
    months = [a.months for a in atoms if a.months is not None]
    spans = {s[1]: s for s in time_spans(norm)}
    out = []
    for n in numbers(norm):
        span = spans.get(n.start)
        if span is not None and any(same_months(span[0], m) for m in months):
            continue
        if any(same_number(n.value, v) for v in values):
            continue
        out.append(norm[n.start : span[2] if span else n.end].strip())
    return out


def leftover_words(logic: Logic, text: str) -> list[str]:
    """Words of the text that neither the atoms (concepts, units, events, exceptions, numbers), nor a
    comparator, a time unit or a filler word account for: what a rule made of these atoms would ignore."""
    w = words()
    norm = normalise(text)
    for a in logic.atoms():
        for phrase in (a.concept, a.unit, a.event, *a.exceptions):
            norm = _blank(norm, phrase) if phrase else norm
    for phrase, _ in w.before + w.after:
        if phrase[0].isalnum():
            norm = re.sub(rf"\b{re.escape(phrase)}\b", " ", norm)
    norm = re.sub(UNIT + r"\b", " ", norm)
    for n in reversed(numbers(norm)):
        norm = norm[: n.start] + " " + norm[n.end :]
    filler = {_stem(f) for f in w.filler | w.negation}
    return [t for t in re.findall(r"[a-z][a-z0-9]*", norm) if _stem(t) not in filler]


def negation_agrees(logic: Logic, text: str) -> bool:
    """The text negates exactly when an atom is negated ('no history of X' needs a negated X); the
    negations inside comparators ('not less than 40 kg') do not count."""
    w = words()
    norm = normalise(text)
    for phrase, _ in w.before + w.after:
        if phrase[0].isalnum():
            norm = re.sub(rf"\b{re.escape(phrase)}\b", " ", norm)
    negated = any(a.negated for a in logic.atoms())
    return negated == any(t in w.negation for t in re.findall(r"[a-z]+", norm))
