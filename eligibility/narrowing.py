"""Words that narrow a condition a criterion names to some of its cases ("Uncontrolled hypertension",
"TB resistant to rifampin", "cancer metastatic to the brain"): readings.toml [narrowing]. A rule that
reads the condition must not be met by the bare condition; the person's text must say the same."""

from __future__ import annotations

import re
from functools import lru_cache

from eligibility.clause_ends import SENTENCE_END
from eligibility.fallback import reading_pattern, readings

# how far around a condition's name its narrowing words are looked for, within its piece of the criterion
_BEFORE = 40
_AFTER_WORDS = 16  # "breast cancer ... with newly diagnosed metastatic disease to the brain"
_PIECE_END = re.compile(r"[,;:()\[\]]|\.(?:\s|$)")


@lru_cache(maxsize=1)
def groups() -> tuple[str, ...]:
    raw = readings().get("narrowing", {})
    names = tuple(raw) if isinstance(raw, dict) else ()
    for name in names:
        reading_pattern("narrowing", name)  # each checked on load: a broken one names its key
    return names


def narrowing_near(text: str, start: int, end: int, own: re.Pattern[str] | None = None) -> str:
    """The group of the first narrowing word right before a condition named at [start, end) of a criterion
    (in its piece: back to a comma, semicolon or bracket) or in the words after it to the end of its
    sentence ("strain resistant to rifampin", "breast cancer, with metastatic disease to the brain"); ''
    when none. A word that belongs to another condition of the sentence narrows this one too: the rule
    asks rather than decide on a bare case. A word the condition's own pattern `own` matches is its name, not a
    narrowing ("malignant neoplasm")."""
    before = text[max(0, start - _BEFORE) : start]
    cut = list(_PIECE_END.finditer(before))
    if cut:
        before = before[cut[-1].end() :]
    after = text[end : end + 200]
    stop = SENTENCE_END.search(after)
    after = " ".join((after[: stop.start()] if stop else after).split()[:_AFTER_WORDS])
    within = text[start:end]  # "essential hypertension" named as one condition
    for name in groups():
        pattern = reading_pattern("narrowing", name)
        for part in (before, within, after):
            found = pattern.search(part)
            if found and not (own is not None and own.search(found.group(0))):
                return name
    return ""


def narrowing_before(text: str, start: int) -> list[tuple[str, tuple[int, int]]]:
    """The narrowing groups named right before a condition at `start` of a criterion, in its piece of the
    list ("Uncontrolled hypertension", "cryptogenic stroke"), each with where its words stand."""
    lo = max(0, start - _BEFORE)
    cut = [m.end() for m in _PIECE_END.finditer(text, lo, start)]
    lo = cut[-1] if cut else lo
    return [(name, m.span()) for name in groups() for m in reading_pattern("narrowing", name).finditer(text, lo, start)]


def complication_after(text: str, start: int, end: int) -> str:
    """'diabetic ketoacidosis' when a condition's adjective at [start, end) of a criterion stands before
    another noun (readings.toml [complication]); '' when not."""
    word_end = end
    while word_end < len(text) and text[word_end].isalnum():
        word_end += 1
    word = text[start:word_end]
    after = _NEXT_WORD.match(text, word_end)
    if not after or not reading_pattern("complication", "adjective").search(word.lower()):
        return ""
    noun = after.group(1)
    if reading_pattern("complication", "keeps").fullmatch(noun):
        return ""
    return f"{word} {noun}"


_NEXT_WORD = re.compile(r"[ \t]+([A-Za-z][A-Za-z-]+)")


def narrowing_read(text: str, narrowed: str) -> list[tuple[int, int]]:
    """Where a criterion says what a rule's narrowing reads: the words of its group ("Uncontrolled or poorly
    controlled hypertension"), the complication ("diabetic ketoacidosis") or the exception ("other than
    HCV")."""
    if not narrowed:
        return []
    if is_group(narrowed):
        return [m.span() for m in reading_pattern("narrowing", narrowed).finditer(text)]
    at = text.find(narrowed)
    found = [(at, at + len(narrowed))] if at >= 0 else []
    return found + list(excepted_spans(text))


def is_group(narrowed: str) -> bool:
    """Whether a rule's narrowing is a group of readings.toml [narrowing] ("uncontrolled"), not an
    exception in the criterion's words ("not caused by HCV")."""
    return narrowed in groups()


def states(text: str, group: str) -> bool:
    """Whether a person's words about a condition say what the group narrows it to ("poorly controlled
    hypertension" for `uncontrolled`). An exception ("other than HCV") is never said: it is asked."""
    return group in groups() and reading_pattern("narrowing", group).search(text) is not None


@lru_cache(maxsize=4096)
def excepted_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Where a criterion names what it excepts: from an exception's lead ("other than", "not caused by",
    readings.toml [excepting]) to the end of its piece."""
    out = []
    for m in reading_pattern("excepting", "lead").finditer(text):
        stop = _PIECE_END.search(text, m.end())
        out.append((m.start(), stop.start() if stop else len(text)))
    return tuple(out)


def inside(spans: tuple[tuple[int, int], ...], start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in spans)


def excepted_words(text: str) -> str:
    """The words of a criterion's first exception ("other than HCV"), '' when it has none."""
    spans = excepted_spans(text)
    return " ".join(text[spans[0][0] : spans[0][1]].split()) if spans else ""
