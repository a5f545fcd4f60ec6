"""What a note says happened to a condition after naming it: it ended ("breast cancer 2015, now in
remission") or came back ("Hodgkin lymphoma in 2010, relapse in 2023"). Both change what the
condition's first time words mean: an ended condition is not current, and one that came back was last
active when it came back, not when it began. The cue words are `ended`, `ended_not` and `recurred` in
`eligibility/data/cues.toml`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from eligibility.context import sentence_end
from eligibility.cues import cue
from eligibility.timeparse import months_ago

_PIECE_END = ",;."
_YEAR_NEXT = re.compile(r"\s*(?:in\s+|:\s*|-\s*)?((?:19|20)\d\d)\b")  # "relapsed 2023", as "SLE dx 2017"


@dataclass(frozen=True)
class Course:
    ended_at: int | None = None  # where the words that say the condition ended begin
    goes_on: bool = False  # "not in remission", "not resolved": it has not ended
    recurred: bool = False
    recurred_months: float | None = None  # how long ago it came back, when the text says

    @property
    def ended(self) -> bool:
        return self.ended_at is not None and not self.recurred


def course_after(text: str, end: int, others: Sequence[int], today: date) -> Course:
    """The course of the condition named up to `end`, from the words after it: up to the end of its
    sentence for an ending, through the next sentence for a recurrence ("Breast cancer in 2008.
    Recurrence in 2024."), never past the next of `others` (where the text names other conditions),
    and not a recurrence whose own words name another ("With relapse of her myeloma")."""
    following = min((x for x in others if x >= end), default=len(text))
    # from its last character: a mention right before the full stop ends in this sentence
    own_end = min(sentence_end(text, max(end - 1, 0), through_semicolons=True), following)
    ended_at, goes_on = _ended(text, end, own_end)
    next_end = min(sentence_end(text, own_end, through_semicolons=True) if own_end < len(text) else own_end, following)
    # searched from the mention on, so that "^" is right after it ("lymphoma relapsed in 2023")
    came = cue("context", "recurred").search(text[end : max(next_end, end)])
    if came is None:
        return Course(ended_at=ended_at, goes_on=goes_on)
    start, stop = end + came.start(), end + came.end()
    piece_end = _piece_end(text, stop, len(text))
    if any(stop <= x < piece_end for x in others):
        return Course(ended_at=ended_at, goes_on=goes_on)
    piece_end = min(piece_end, next_end)
    months = months_ago(text[start:piece_end], today)
    year = _YEAR_NEXT.match(text, stop, piece_end) if months is None else None
    if year is not None:
        months = months_ago(f"in {year.group(1)}", today)
    return Course(ended_at=ended_at, goes_on=goes_on, recurred=True, recurred_months=months)


def _ended(text: str, start: int, stop: int) -> tuple[int | None, bool]:
    """Where the words saying it ended begin, and whether words saying it did not end come first."""
    for m in cue("context", "ended").finditer(text, start, max(stop, start)):
        if cue("context", "ended_not").search(text[max(start, m.start() - 30) : m.start()]) is None:
            return m.start(), False
        return None, True
    return None, False


def _piece_end(text: str, start: int, stop: int) -> int:
    """Where the comma-separated piece from `start` ends, at most `stop`."""
    ends = [i for i in (text.find(c, start, stop) for c in _PIECE_END) if i >= 0]
    return min(ends) if ends else stop
