"""Menopausal status: 'Postmenopausal women', 'Premenopausal', 'post-menopausal for at least 2 years',
'Postmenopausal, defined as 12 consecutive months of amenorrhea', 'onset of menopause less than or equal
to 10 years prior'.

Two facts: whether her periods have stopped for good (`postmenopausal`), and how long ago her last period
was (`months_since_period`). Postmenopausal means 12 months or more without a period, so a limit of 12
months or less is the status itself, and a longer one asks for the time too. The status belongs to women:
men do not meet an inclusion that names women ("Postmenopausal women"); any other criterion of it does
not apply to men ("Postmenopausal" under "For women:" in a trial of both).
"""

from __future__ import annotations

from datetime import date

from eligibility.cues import cue
from eligibility.fallback import reading_pattern
from eligibility.kinds._comparison import comparison
from eligibility.kinds.base import Answer, FactSpec, Kind, Match, Read, Span, spans_of
from eligibility.kinds.durations import months_in, time_span
from eligibility.rules import AllOf, AnyOf, Flag, Measure, Not, Rule, Sex, SexScoped
from eligibility.timewords import number, to_months

STATUS = "postmenopausal"
SINCE = "months_since_period"
DEFINITION_MONTHS = 12.0  # menopause: twelve months in a row without a period
MONTHS = (0.0, 900.0)  # how long ago a last period can plausibly be
BEFORE = 40  # how far before a time the words that tie it to the last period may start


def parse_status(key: str, reply: str, today: date) -> Answer | None:
    """'yes, about 3 years ago', 'I haven't had a period in 3 years', 'no, I still have periods', 'yes':
    a time, when the reply gives one, decides (menopause is twelve months without a period)."""
    if cue("answers", "unsure").search(reply):
        return None
    months = _months(reply, today)
    if months is not None:
        return _since_answer(months)
    if KIND.p("stopped").search(reply):
        return Answer(facts={STATUS: True})
    if cue("answers", "no").search(reply) and not cue("answers", "yes").match(reply):
        return Answer(facts={STATUS: False})
    if cue("answers", "yes").search(reply):
        return Answer(facts={STATUS: True})
    return None


def parse_since(key: str, reply: str, today: date) -> Answer | None:
    """'2 years ago', '8 months', 'March 2021': how long ago the last period was; else asked again."""
    if cue("answers", "unsure").search(reply):
        return None
    months = _months(reply, today)
    if months is None:
        return Answer(error="How long ago was your last period? For example: 8 months, 3 years, or 'not sure'.")
    return _since_answer(months)


def _months(reply: str, today: date) -> float | None:
    """How long ago a reply puts the last period: '3 years ago', 'since 2018', 'no period in 3 years'."""
    months = time_span(reply, today)
    return months_in(reply) if months is None else months


def _since_answer(months: float) -> Answer:
    if not MONTHS[0] <= months <= MONTHS[1]:
        return Answer(error="That is not a time since a last period; please check it, or say 'not sure'.")
    return Answer(facts={SINCE: months, STATUS: months >= DEFINITION_MONTHS})


class Menopause(Kind):
    name = "menopause"
    patterns = (
        "gate",
        "post",
        "pre",
        "amount",
        "tied_after",
        "tied_before",
        "age_after",
        "rest",
        "women",
        "men",
        "stopped",
        "other",
    )
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
        # the lead-in counts too: "of non-childbearing potential, defined as one of the following:"
        if not self.p("gate").search(text) or self.p("other").search(r.full) or not self._only_status(text):
            return []
        if r.kind == "exclusion" and r.rules():
            return []  # "Postmenopausal women aged 65 or older": an exclusion joins its parts by "or"
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
        if at_least and (post or abs(measure.value - DEFINITION_MONTHS) < 0.5) and measure.value <= DEFINITION_MONTHS:
            rule: Rule = _status()  # "postmenopausal for at least 6 months": the status is twelve already
        elif at_least and measure.value < DEFINITION_MONTHS:
            rule = AnyOf([_status(), measure])  # "amenorrhea for at least 6 months": the status is more than that
        elif at_least or measure.value > DEFINITION_MONTHS:
            rule = AllOf([_status(), measure])  # "within 5 years of menopause": after it, and not long after
        else:
            return []  # "less than 1 year postmenopausal": not the status as defined, so asked as it stands
        return [self._women(r, rule, spans)]

    def _only_status(self, text: str) -> bool:
        """Whether the criterion asks for the status (with its time, an age and a sex) and nothing more."""
        for name in ("amount", "rest"):
            text = self.p(name).sub(" ", text)
        return not reading_pattern("demographics", "filler").sub(" ", text).strip()

    def _women(self, r: Read, rule: Rule, spans: tuple[Span, ...] | list[Span]) -> Match:
        """An inclusion that names women and no men ("Postmenopausal women"): women only. Else, and for an
        exclusion ("Postmenopausal", "For women: postmenopausal" under "Men or women aged 45 to 75"): not
        about men."""
        women_only = self.p("women").search(r.text) and not self.p("men").search(r.full)
        if r.kind == "inclusion" and women_only:
            return Match(AllOf([Sex(allowed="female"), rule]), tuple(spans))
        return Match(SexScoped(allowed="female", rule=rule), tuple(spans))

    def _since(self, text: str) -> tuple[Measure, list[Span]] | None:
        """The first time in the text that counts from the last period ("post-menopausal for at least 2
        years", "2 years post-menopausal", "12 months of amenorrhea"), as a limit on it. A time near the
        status that is not tied to it ("Postmenopausal women over 55 years") is an age, not this."""
        for m in self.p("amount").finditer(text):
            tied = self.p("tied_after").match(text, m.end()) or self.p("tied_before").search(
                text[max(0, m.start() - BEFORE) : m.start()]
            )
            if not tied or self.p("age_after").match(text, m.end()):
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
