"""Taking part in another clinical trial or taking an investigational product, within a window."""

from __future__ import annotations

from datetime import date

from eligibility.cues import cue
from eligibility.kinds.base import Answer, FactSpec, Kind, Match, Read
from eligibility.kinds.durations import half_lives
from eligibility.rules import Flag
from eligibility.timeparse import months_ago
from eligibility.timewords import window_match

BLOCKED = ("refractory", "manifestations", "dose_caps", "allergy", "autoantibodies", "stable_regimen")


def parse_trial(key: str, reply: str, today: date) -> Answer | None:
    """'yes' alone does not settle a window: ask when the trial ended."""
    if cue("answers", "yes").match(reply) and months_ago(reply, today) is None:
        return Answer(error="When did that trial end? For example: 2 months ago.")
    return None


class Participation(Kind):
    name = "participation"
    patterns = ("gate",)
    blocked_by = BLOCKED
    specs = (FactSpec("trial", unit="months ago", question="trial", parse=parse_trial),)

    def read(self, r: Read) -> list[Match]:
        if not self.p("gate").search(r.text):
            return []
        window = window_match(r.text)
        months = window[0] if window else None
        spans = (window[1],) if window else ()
        lives = half_lives(r.text) if window else None  # "within 30 days or 5 half-lives, whichever is longer"
        rule = Flag(key="trial", label="in another clinical trial", within_months=months, half_lives=lives and lives[0])
        return [Match(rule, spans + ((lives[1],) if lives else ()))]


KIND = Participation()
