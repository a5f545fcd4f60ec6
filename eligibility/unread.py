"""What a rule of named conditions leaves unread in its criterion.

The conditions kind reads the conditions a criterion names (concepts.toml) and the words that place or
limit them (a window, a class, exceptions). Any other word it does not read: "Uncontrolled hypertension"
is read as hypertension, and "Major surgery, traumatic injury or peptic ulcer" as peptic ulcer. Such a
rule must not decide what its words do not cover: the criterion is partly understood. Two kinds of
unread words differ in what the rule can still settle:

- a **qualifier** stands in a piece of the list beside a named condition ("uncontrolled hypertension"):
  the criterion asks for less than the condition, so not having the condition settles it, having it does
  not;
- an **alternative** stands in a piece of its own ("or recent surgery"): the criterion asks for more than
  the conditions, so having one settles it, not having them does not.

The words that only say how or when a condition is known ("known", "positive test for", "within 6 months
prior to enrolment") are filler ([coded] filler in readings.toml, [conditions] known_by in kinds.toml).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from eligibility.clause_ends import clause_end
from eligibility.fallback import reading_pattern
from eligibility.family import without
from eligibility.kinds.base import grammar
from eligibility.kinds.conditions import concept_spans
from eligibility.rules import AgeScoped, AllOf, AnyOf, Condition, Not, Rule, SexScoped
from eligibility.timewords import window_match
from trialscreen.vocab import conditions as icd

Span = tuple[int, int]
# a word of two letters or more that is not a roman numeral ("class III or IV", "hepatitis B or C")
_WORD = re.compile(r"\b(?![IVX]+\b)[A-Za-z][A-Za-z'-]*[A-Za-z]")
_PIECE = re.compile(r"[,;:/]|\.(?:\s|$)| [-\u2013] |\n|\(|\)")


@dataclass(frozen=True)
class Unread:
    """The words of a criterion its condition rule does not read: beside a named condition
    (`qualifiers`) or in pieces of their own (`alternatives`)."""

    qualifiers: tuple[str, ...] = ()
    alternatives: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.qualifiers or self.alternatives)


def condition_leaves(rule: Rule) -> list[Condition] | None:
    """The conditions a rule is made of, or None when it holds anything else (a measurement, a drug)."""
    if isinstance(rule, Condition):
        return [rule]
    if isinstance(rule, AnyOf | AllOf):
        out: list[Condition] = []
        for part in rule.rules:
            leaves = condition_leaves(part)
            if leaves is None:
                return None
            out += leaves
        return out
    if isinstance(rule, Not | SexScoped | AgeScoped):
        return condition_leaves(rule.rule)
    return None


def _pattern(name: str) -> re.Pattern[str]:
    return grammar().patterns["conditions"][name]


def _pattern_any(text: str, *names: str) -> bool:
    """Whether the text holds a list word of readings.toml [alternatives] ("or", "and")."""
    return any(reading_pattern("alternatives", name).search(text) for name in names)


def unread(text: str, rule: Rule, used: Iterable[Span] = ()) -> Unread:
    """The words of `text` a rule of named conditions leaves unread (nothing for any other rule)."""
    leaves = condition_leaves(rule)
    if not leaves:
        return Unread()
    names = concept_spans(text)
    read: list[Span] = [*used, *names, *glosses(text, names)]
    for name in ("active", "class", "known_by"):
        read += [m.span() for m in _pattern(name).finditer(text)]
    window = window_match(text)
    if window is not None:
        read.append(window[1])
    excepted = _pattern("except").search(text) or _pattern("unless").search(text)
    exceptions = [] if excepted is None else [(excepted.start(), clause_end(text, excepted.end()))]
    if excepted and any(leaf.exceptions for leaf in leaves):
        read += exceptions  # the allowed exceptions: the kind reads them
    read += [(m.start(), _sentence_end(text, m.start() + 1)) for m in _pattern("note").finditer(text)]
    blanked = without(text, read)
    filler = reading_pattern("coded", "filler")
    # exceptions the rule does not read ("unless stable for 6 months") only make it stricter: qualifiers
    qualifying = _qualifying(text, blanked, filler) + _complements(text, names) + exceptions
    outside = without(blanked, qualifying)
    # a condition named inside an exception ("infection other than HIV") does not name its piece
    own = [(a, b) for a, b in names if not any(x <= a < y for x, y in exceptions)]
    qualifiers: list[str] = []
    alternatives: list[str] = []
    coded = [(m.start, m.end) for m in icd.conditions_in(text)]
    for start, end in _pieces(blanked):
        left = _words(blanked[start:end], filler)
        if not left:
            continue
        beside = any(start <= a < end or start < b <= end for a, b in own)
        free = _words(outside[start:end], filler)  # the words outside qualifying clauses and exceptions
        if not beside and any(start <= a < end for a, _ in coded):
            free = left  # a condition ICD-10-CM names ("..., Guillain-Barre syndrome, or seizures") is one more
        elif not beside and free and _specified(text, end, own):
            free = ""  # "active infection (hepatitis B or C, HIV or tuberculosis)": the brackets say which
        if beside or not free or _pattern("modifiers").search(free):
            qualifiers.append(left)
        elif not (qualifying and _pattern("catch_all").search(free)):
            alternatives.append(free)
    return Unread(tuple(qualifiers), tuple(alternatives))


def _specified(text: str, end: int, names: list[Span]) -> bool:
    """Whether brackets right after a piece name the conditions it means, not as examples."""
    m = re.match(r"\s*\(", text[end:])
    if m is None:
        return False
    close = text.find(")", end + m.end())
    close = len(text) if close < 0 else close
    inside = text[end + m.end() : close]
    return any(end <= a < close for a, _ in names) and not reading_pattern("alternatives", "examples").search(inside)


def _words(piece: str, filler: re.Pattern[str]) -> str:
    return " ".join(w.group(0) for w in _WORD.finditer(filler.sub(" ", piece)))


def glosses(text: str, names: list[Span]) -> list[Span]:
    """What explains or exemplifies a named condition, and so is read with it: brackets right after the
    name ("organ transplant (e.g., heart, lung, kidney)"), or examples after it ("chronic infection such
    as tuberculosis or pneumocystis"), up to the bracket's or the sentence's end."""
    filler = reading_pattern("coded", "filler")
    examples = reading_pattern("alternatives", "examples")
    out: list[Span] = []
    for _, b in names:
        after = text[b:]
        m = re.match(r"\s*\(", after)
        if m is not None:
            close = after.find(")", m.end())
            out.append((b, clause_end(text, b) if close < 0 else b + close + 1))
            continue
        ex = examples.search(after)
        between = after[: ex.start()] if ex is not None else ""
        another = _pattern_any(between, "either", "both") or re.search(r"[,;]", between)
        if ex is None or another or filler.sub("", _pattern("known_by").sub("", between)).strip():
            continue  # other words, or another item ("or other conditions"), before "such as": not its examples
        out.append((b, clause_end(text, b + ex.end(), within_list=True)))
    return out


def _complements(text: str, names: list[Span]) -> list[Span]:
    """What the named conditions are to ("reaction to contrast agents, murine proteins or antibodies"), up
    to the sentence's end."""
    complement = _pattern("complement")
    return [(b, _sentence_end(text, b)) for _, b in names if complement.search(text[b:])]


def _qualifying(text: str, blanked: str, filler: re.Pattern[str]) -> list[Span]:
    """Where clauses that qualify what comes before them run ("that could interfere with ..."): from
    their first word to the sentence's end; only after some word of substance in the sentence ("Patients
    who have had ..." begins with none)."""
    out: list[Span] = []
    for m in _pattern("qualifying").finditer(blanked):
        if out and m.start() < out[-1][1]:
            continue
        begin = max(blanked.rfind(".", 0, m.start()), blanked.rfind(";", 0, m.start())) + 1
        if re.search(r"[A-Za-z]", filler.sub(" ", text[begin : m.start()])):
            out.append((m.start(), clause_end(blanked, m.end())))
    return out


def _sentence_end(text: str, at: int) -> int:
    found = re.search(r"[.;](?:\s|$)", text[at:])
    return len(text) if found is None else at + found.start()


def _pieces(blanked: str) -> list[Span]:
    """The pieces of a list: between its "or"s, "and"s, commas, semicolons and brackets. Cutting finely errs
    safe: an unread word alone in its piece is taken for an alternative, which never clears a criterion."""
    words = [reading_pattern("alternatives", k) for k in ("either", "both")]
    gloss = _pattern("gloss_bracket")
    marks = [m for m in _PIECE.finditer(blanked) if m.group(0) != "(" or not gloss.match(blanked[m.end() :])]
    cuts = sorted([m.span() for w in words for m in w.finditer(blanked)] + [m.span() for m in marks])
    out, start = [], 0
    for a, b in cuts:
        out.append((start, a))
        start = b
    out.append((start, len(blanked)))
    return [(a, b) for a, b in out if b > a]
