"""Lab values with units ('Hb ≤ 9 g/dL', 'creatinine clearance < 30 mL/min') and multiples of the
upper limit of normal ('ALT > 3 x ULN'). The labs themselves are in `eligibility/data/labs.toml`."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from eligibility.cues import cue
from eligibility.kinds.base import Answer, FactSpec, Kind, Match, Read, Span, grammar, spans_of
from eligibility.kinds.prefilter import Words, may_match, needed
from eligibility.labs import Lab, grouped, lab, measured, uln_labs
from eligibility.rules import AnyOf, Measure, Rule, UlnMultiple
from eligibility.timewords import number

BLOCKED = ("refractory", "manifestations")
_MULTIPLE = re.compile(r"(\d+(?:\.\d+)?)\s*(x|×|times)", re.IGNORECASE)


def parse_uln(key: str, reply: str, today: date) -> Answer | None:
    """A reply about a lab given as a multiple of its upper limit of normal ('2 times', 'normal')."""
    found = lab(key)
    if found is None or not found.uln:
        return None
    keys = grouped(key)
    mult = _MULTIPLE.search(reply)
    if mult:
        return Answer(facts={k: {"uln_multiple": float(mult.group(1))} for k in keys})
    if cue("answers", "yes").match(reply) or cue("answers", "normal").search(reply):
        return Answer(facts={k: {"normal": True, "uln_multiple": 1.0} for k in keys})
    return Answer(
        error="About how many times the upper limit of normal were they (for example 2 times)? Or say 'not sure'."
    )


@lru_cache(maxsize=256)
def _words(lab_key: str) -> Words:
    found = lab(lab_key)
    return None if found is None else needed(found.named)


@lru_cache(maxsize=64)
def _value_after(lab_key: str) -> re.Pattern[str]:
    found = lab(lab_key)
    assert found is not None
    g = grammar()
    between = g.sections["labs"]["between"]
    value = g.patterns["labs"]["value"].pattern
    return re.compile(f"(?:{found.criterion}){between}{value}", re.IGNORECASE)


class Labs(Kind):
    name = "labs"
    patterns = ("between", "value", "uln", "uln_higher", "above_uln", "transaminases")
    blocked_by = BLOCKED
    specs = (FactSpec("lab:", parse=parse_uln, answer_keys=grouped),)

    def read(self, r: Read) -> list[Match]:
        text = r.text
        out: list[Match] = []
        low = text.lower()
        for item in measured():
            if may_match(_words(item.key), low) and item.named.search(text):
                out += self._measured(item, text)
        for item in uln_labs():
            named = item.named.search(text) if may_match(_words(item.key), low) else None
            if named:
                out += self._uln(item, text, named.end(), r.warnings)
        trans = self.p("transaminases").search(text)
        if trans:
            mult = float(trans.group("num"))
            rule = AnyOf(
                [
                    UlnMultiple(key="lab:alt", op=">", multiple=mult, label="ALT"),
                    UlnMultiple(key="lab:ast", op=">", multiple=mult, label="AST"),
                ]
            )
            out.append(Match(rule, tuple(spans_of(trans, "op", "num", "unit"))))
        return out

    def _measured(self, item: Lab, text: str) -> list[Match]:
        m = _value_after(item.key).search(text)
        if not m:
            return []
        unit = (m.group("unit") or "").lower()
        value = round(float(m.group("num")) * item.convert.get(unit, 1.0), 4)
        rule = Measure(key=item.key, op=self.op(m.group("op"), ">"), value=value, unit=item.unit, label=item.label)
        return [Match(rule, tuple(spans_of(m, "op", "num", "unit")))]

    def _uln(self, item: Lab, text: str, end: int, warnings: list[str]) -> list[Match]:
        key, label = item.key, item.label
        tail = text[end : end + 160]
        uln = self.p("uln").search(tail)
        higher = self.p("uln_higher").search(tail)
        spans: list[Span]
        if uln:
            op = self.op(uln.group("op"), ">")
            if uln.group("op") is None:
                warnings.append(f"{label}: comparison lost in the text; read as '> {uln.group('mult')} x ULN'")
            rule: Rule = UlnMultiple(key=key, op=op, multiple=number(uln.group("mult")), label=label)
            spans = spans_of(uln, shift=end)
        elif higher and _is_number(higher.group("mult") or higher.group("mult2")):
            mult = higher.group("mult") or higher.group("mult2")
            rule = UlnMultiple(key=key, op=">", multiple=number(mult), label=label)
            spans = spans_of(higher, shift=end)
        else:
            above = self.p("above_uln").search(tail)
            if not above:
                return []
            rule = UlnMultiple(key=key, op=">", multiple=1.0, label=label)
            spans = spans_of(above, shift=end)
        return [Match(rule, tuple(spans))]


def _is_number(word: str) -> bool:
    try:
        number(word)
    except ValueError:
        return False
    return True


KIND = Labs()
