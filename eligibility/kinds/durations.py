"""How long a treatment must have been taken: 'standard treatment for at least 3 months', 'under standard
treatment (≥ 2 months)', 'at least 6 months of an immunosuppressive regimen'.

The words are `[grammar] duration` of eligibility/data/kinds.toml (a minimum duration, never a look-back
window such as 'within 3 months'). The answer to the question such a rule asks ('how long have you been
taking ...?') is read here too: it is the fact family `months_on:` (see `eligibility.rules.months_treated`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from eligibility.cues import cue
from eligibility.kinds.base import Answer, FactSpec, Span, grammar
from eligibility.timeparse import duration_months, months_ago
from eligibility.timewords import NUM, UNIT, number, to_months

_AMOUNT = re.compile(NUM + r"\s*-?\s*" + UNIT + r"\b", re.IGNORECASE)
_FOR = re.compile(r"\bfor\b", re.IGNORECASE)


@dataclass(frozen=True)
class Duration:
    months: float
    exclusive: bool  # "more than 6 months": exactly 6 is not enough
    span: Span


def minimum_duration(text: str, start: int = 0) -> Duration | None:
    """The first minimum treatment duration the text states at or after `start`."""
    patterns = grammar().patterns["grammar"]
    m = patterns["duration"].search(text, start)
    if m is None:
        return None
    months = months_in(m.group(0))
    if months is None:
        return None
    return Duration(months, bool(patterns["duration_exclusive"].search(m.group(0))), m.span())


def half_lives(text: str) -> tuple[float, Span] | None:
    """'... or 5 half-lives (whichever is longer)': how many half-lives, and where it is said."""
    m = grammar().patterns["grammar"]["half_lives"].search(text)
    if m is None:
        return None
    count = re.search(NUM, m.group(0)[2:], re.IGNORECASE)
    return (number(count.group(1)), m.span()) if count else None


def months_in(text: str) -> float | None:
    """The first amount of time a text states, in months ('12 weeks' -> 2.76)."""
    amount = _AMOUNT.search(text)
    return None if amount is None else round(to_months(number(amount.group(1)), amount.group(2)), 3)


def time_span(reply: str, today: date) -> float | None:
    """How long, in months, a reply says: '6 months', 'for 2 years', 'since March', '8 months ago'."""
    months = duration_months(reply if _FOR.search(reply) else f"for {reply}")
    return months_ago(reply, today) if months is None else months


def parse_months_on(key: str, reply: str, today: date) -> Answer | None:
    """'2 years', 'since March', 'started 8 months ago' -> how many months the treatment has been taken."""
    months = time_span(reply, today)
    if months is None:
        if cue("answers", "no").match(reply):
            return Answer(facts={key: 0.0})
        return Answer(error="For how long have you been taking it? For example: 6 months, or since 2022.")
    return Answer(facts={key: months})


def _answer_keys(key: str) -> list[str]:
    return [key]


SPEC = FactSpec("months_on:", unit="months", limits=(0, 1200), parse=parse_months_on, answer_keys=_answer_keys)
