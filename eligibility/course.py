"""What a note says happened to a condition after naming it: it ended ("breast cancer 2015, now in
remission") or came back ("Hodgkin lymphoma in 2010, relapse in 2023"). Both change what the
condition's first time words mean: an ended condition is not current, and one that came back was last
active when it came back, not when it began. The cue words are `ended`, `ended_not` and `recurred` in
`eligibility/data/cues.toml`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from eligibility.context import sentence_end
from eligibility.cues import cue
from eligibility.timeparse import bare_year, months_ago

_PIECE_END = ",;."


@dataclass(frozen=True)
class Course:
    ended_at: int | None = None  # where the words that say the condition ended begin
    ended_months: float | None = None  # when it ended, where the ending says ("in remission since 2011")
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
    sentence = min(sentence_end(text, max(end - 1, 0), through_semicolons=True), following)
    # an ending stays in the mention's clause: "on FOLFOX; hand-foot syndrome resolved" is not the cancer's
    ended_at, goes_on = _ended(text, end, min(sentence_end(text, max(end - 1, 0)), following))
    ended_months = _time_after(text, ended_at, len(text), today) if ended_at is not None else None
    next_end = min(
        sentence_end(text, sentence, through_semicolons=True) if sentence < len(text) else sentence, following
    )
    course = Course(ended_at=ended_at, ended_months=ended_months, goes_on=goes_on)
    # searched from the mention on, so that "^" is right after it ("lymphoma relapsed in 2023")
    came = cue("context", "recurred").search(text[end : max(next_end, end)])
    if came is None:
        return course
    start, stop = end + came.start(), end + came.end()
    piece_end = _piece_end(text, stop, len(text))
    if any(stop <= x < piece_end for x in others):
        return course  # "With relapse of her myeloma": that one's
    if cue("context", "family").search(text, _piece_start(text, start, end), stop):
        return course  # "Her sister had a recurrence in 2013"
    months = _time_after(text, start, min(piece_end, next_end), today)
    return replace(course, recurred=True, recurred_months=months)


def _time_after(text: str, start: int, stop: int, today: date) -> float | None:
    """How long ago the piece of text from `start` places what it says ("relapse in 2023", "in remission
    since 2011"), or a year alone in it ("relapsed 2023", as "SLE dx 2017")."""
    piece = text[start : _piece_end(text, min(start + 1, stop), stop)]  # past a comma the cue starts with
    months = months_ago(piece, today)
    year = bare_year(piece) if months is None else None
    return months_ago(f"in {year}", today) if year is not None else months


def _piece_start(text: str, pos: int, floor: int) -> int:
    """Where the piece of text holding `pos` begins (after a comma, semicolon or full stop), not before
    `floor`."""
    starts = [text.rfind(c, floor, pos) for c in _PIECE_END]
    return max([floor, *(i + 1 for i in starts if i >= 0)])


def _ended(text: str, start: int, stop: int) -> tuple[int | None, bool]:
    """Where the words saying it ended begin, and whether words saying it did not end come first. In a
    piece of text of its own, only linking words may come before the ending ("now in remission"); a
    word that names something else makes it that one's ("symptoms resolved")."""
    for m in cue("context", "ended").finditer(text, start, max(stop, start)):
        if cue("context", "ended_not").search(text[max(start, m.start() - 30) : m.start()]) is not None:
            return None, True
        piece = _piece_start(text, m.start(), start)
        if piece > start and cue("context", "ended_lead").search(text[piece : m.start()]) is None:
            return None, False
        return m.start(), False
    return None, False


def _piece_end(text: str, start: int, stop: int) -> int:
    """Where the comma-separated piece from `start` ends, at most `stop`."""
    ends = [i for i in (text.find(c, start, stop) for c in _PIECE_END) if i >= 0]
    return min(ends) if ends else stop
