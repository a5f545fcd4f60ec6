"""Where a clause or a list of examples ends in a criterion's text."""

from __future__ import annotations

import re

from eligibility.fallback import reading_pattern


def clause_end(text: str, at: int, *, within_list: bool = False) -> int:
    """Where the clause from `at` ends: at a bracket that closes it, a semicolon or a sentence's end, or
    (unless it is a list of examples) a comma; so a clause never swallows the alternatives after it."""
    inside = inside_bracket(text, at)
    stops = r"\)|[;]|\.(?:\s|$)" if within_list else r"\)|[,;]|\.(?:\s|$)| [-\u2013] |\n"
    found = re.search(stops, text[at:])
    if found is None:
        return len(text)
    if found.group(0) == ")" and not inside:
        return at + found.start() + 1 if within_list else at + found.start()
    return at + found.start()


def inside_bracket(text: str, at: int) -> bool:
    """Whether `at` stands inside a bracket opened before it."""
    return text.count("(", 0, at) > text.count(")", 0, at)


def examples_in(text: str) -> list[tuple[int, int]]:
    """Where a criterion gives examples ("(such as pneumonia or pyelitis)", "e.g.", readings.toml
    [alternatives] examples): from the words that say so to the bracket they stand in, or else to the end
    of the sentence (a bracket inside the list does not end it: "including X and Y agents (eg Z), W")."""
    out = []
    for m in reading_pattern("alternatives", "examples").finditer(text):
        opened = text.rfind("(", 0, m.start())
        close = text.find(")", m.end()) if opened >= 0 and text.rfind(")", opened, m.start()) < 0 else -1
        end = SENTENCE_END.search(text, m.end())
        out.append((m.start(), close + 1 if close >= 0 else end.start() if end else len(text)))
    return out


SENTENCE_END = re.compile(r"[;]|\.(?:\s|$)")  # the end of a criterion's sentence


def sentence_end(text: str, at: int) -> int:
    """Where the criterion's sentence holding `at` ends (its end when it is the last)."""
    found = SENTENCE_END.search(text, at)
    return len(text) if found is None else found.start()
