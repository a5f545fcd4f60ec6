"""Menopausal status: 'Postmenopausal women', 'Premenopausal', 'post-menopausal for at least 2 years',
'Postmenopausal, defined as 12 consecutive months of amenorrhea', 'onset of menopause less than or equal
to 10 years prior'.

Two facts: whether her periods have stopped for good (`postmenopausal`), and how long ago her last period
was (`months_since_period`). Postmenopausal means 12 months or more without a period, so a limit of 12
months or less is the status itself, and a longer one asks for the time too. The status belongs to women:
an exclusion of it does not apply to men, and men do not meet an inclusion of it.
"""

from __future__ import annotations

import re
from datetime import date

from eligibility.cues import cue
from eligibility.fallback import reading_pattern
from eligibility.kinds._comparison import comparison
from eligibility.kinds.base import Answer, FactSpec, Kind, Match, Read, Span, spans_of
from eligibility.kinds.durations import time_span
from eligibility.rules import AllOf, AnyOf, Flag, Measure, Not, Rule, Sex, SexScoped
from eligibility.timewords import number, to_months

STATUS = "postmenopausal"
SINCE = "months_since_period"
DEFINITION_MONTHS = 12.0  # menopause: twelve months in a row without a period
MONTHS = (0.0, 900.0)  # how long ago a last period can plausibly be
NEAR = 45  # how close a time must stand to a word of the last period to count from it
# an age, not a time since the last period: "(> 60 years of age)", "aged 45 to 55 years", "18-50 years"
_AGE_AFTER = re.compile(r"\s*(?:of\s+age|old|of\s+life|inclusive)\b", re.IGNORECASE)
_AGE_BEFORE = re.compile(r"(?:\b(?:aged?|older|younger)\b\W*|\d\s*(?:-|–|to|and)\s*)$", re.IGNORECASE)


def parse_status(key: str, reply: str, today: date) -> Answer | None:
    """'yes, about 3 years ago', 'no, I still have periods', 'yes': the status, and the time when given."""
    if cue("answers", "no").search(reply) and not cue("answers", "yes").match(reply):
        return Answer(facts={STATUS: False})
    if cue("answers", "yes").search(reply):
        months = time_span(reply, today)
        if months is None:
            return Answer(facts={STATUS: True})
        if not MONTHS[0] <= months <= MONTHS[1]:
            return Answer(error="That is not a time since a last period; please check it, or say 'not sure'.")
        return Answer(facts={STATUS: months >= DEFINITION_MONTHS, SINCE: months})
    return None


def parse_since(key: str, reply: str, today: date) -> Answer | None:
    """'2 years ago', '8 months', 'March 2021': how long ago the last period was."""
    months = time_span(reply, today)
    if months is None:
        return None
    if not MONTHS[0] <= months <= MONTHS[1]:
        return Answer(error="That is not a time since a last period; please check it, or say 'not sure'.")
    facts: dict[str, object] = {SINCE: months}
    if months < DEFINITION_MONTHS:
        facts[STATUS] = False
    return Answer(facts=facts)


class Menopause(Kind):
    name = "menopause"
    patterns = ("gate", "post", "pre", "amount", "tied", "rest", "men", "other")
    blocked_by = ("refractory", "manifestations", "gestation", "pregnancy")
    specs = (
        FactSpec(STATUS, question=STATUS, parse=parse_status, answer_keys=lambda k: [STATUS, SINCE]),
        FactSpec(
            SINCE,
            unit="months",
            limits=MONTHS,
            question=SINCE,
            parse=parse_since,
            answer_keys=lambda k: [SINCE, STATUS],
        ),
    )

    def read(self, r: Read) -> list[Match]:
        text = r.text
        if not self.p("gate").search(text) or self.p("other").search(text):
            return []
        if not self._only_status(text):
            return []
        post, pre = self.p("post").search(text), self.p("pre").search(text)
        if post and pre:
            return []  # "pre- and postmenopausal women": both, so no limit
        limit = self._since(text)
        if pre:
            if limit is not None:
                return []  # a time beside "premenopausal" is something else ("regular menses for 6 months")
            return [self._women(r, Not(_status()), ())]
        if limit is None:
            return [self._women(r, _status(), ())] if post else []
        measure, spans = limit
        at_least = measure.op in (">=", ">")
        if at_least and abs(measure.value - DEFINITION_MONTHS) < 0.5:
            rule: Rule = _status()  # the definition's twelve months are the status itself
        elif at_least and measure.value < DEFINITION_MONTHS:
            rule = AnyOf([_status(), measure])  # "amenorrhea for at least 6 months": the status is more than that
        elif at_least or post or "menopaus" in text.lower():
            rule = AllOf([_status(), measure])  # "within 5 years of menopause": after it, and not long after
        else:
            return []
        return [self._women(r, rule, spans)]

    def _only_status(self, text: str) -> bool:
        """Whether the criterion asks for the status (with its time, an age and a sex) and nothing more."""
        for name in ("amount", "rest"):
            text = self.p(name).sub(" ", text)
        return not reading_pattern("demographics", "filler").sub(" ", text).strip()

    def _women(self, r: Read, rule: Rule, spans: tuple[Span, ...] | list[Span]) -> Match:
        """An inclusion: women only, unless it names men too ("adult male/female ... Female patients must be
        postmenopausal"); an exclusion, or a part for women: not about men."""
        if r.kind == "inclusion" and not self.p("men").search(r.text):
            return Match(AllOf([Sex(allowed="female"), rule]), tuple(spans))
        return Match(SexScoped(allowed="female", rule=rule), tuple(spans))

    def _since(self, text: str) -> tuple[Measure, list[Span]] | None:
        """The first time in the text that counts from the last period, as a limit on it."""
        for m in self.p("amount").finditer(text):
            if _AGE_AFTER.match(text, m.end()) or _AGE_BEFORE.search(text[max(0, m.start() - 20) : m.start()]):
                continue  # "(> 60 years of age)": an age, not a time since menopause
            around = text[max(0, m.start() - NEAR) : m.end() + NEAR]
            if not self.p("tied").search(around):
                continue
            months = to_months(number(m.group("num")), m.group("unit"))
            if not self.specs[1].plausible(months):
                continue
            op = "<=" if m.group("within") else (comparison(m, ">=") or ">=")
            measure = Measure(key=SINCE, op=op, value=months, unit="months", label="time since the last period")
            return measure, spans_of(m, "within", "op", "eq", "num", "unit")
        return None


def _status() -> Flag:
    return Flag(key=STATUS, label="postmenopausal")


KIND = Menopause()
