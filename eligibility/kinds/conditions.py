"""Conditions (from `eligibility/data/concepts.toml`) with windows, classes and allowed exceptions:
'history of malignancy within 5 years, except basal cell carcinoma', 'NYHA class III or IV heart failure'."""

from __future__ import annotations

import re
from functools import lru_cache

from eligibility.concepts import Concept, concepts
from eligibility.kinds.base import FactSpec, Kind, Match, Read, Span, compile_table, first_look, spans_of
from eligibility.kinds.prefilter import Words, needed
from eligibility.kinds.treatments import lead_in_window
from eligibility.rules import AnyOf, Condition, Measure, Not, UlnMultiple
from eligibility.timewords import window_match

BLOCKED = ("refractory", "manifestations", "pregnancy", "allergy", "diagnosis", "courses")
_CLASSES = {"I": 1, "II": 2, "III": 3, "IV": 4}


def _concept_words(concept: Concept) -> Words:
    return needed(concept.joined)


def named_concepts(text: str) -> list[tuple[Concept, int, int]]:
    """`concepts_in` (each concept named, at its first place, in text order), trying only the concepts
    whose words the text contains."""
    items = concepts()
    out = []
    for i in first_look(items, _concept_words).candidates(text.lower()):
        spans = items[i].spans(text)
        if spans:
            start, end = min(spans)
            out.append((items[i], start, end))
    return sorted(out, key=lambda x: x[1])


def concept_spans(text: str) -> list[tuple[int, int]]:
    """Every place the text names a concept (`named_concepts` gives only each one's first)."""
    items = concepts()
    found = first_look(items, _concept_words).candidates(text.lower())
    return sorted(span for i in found for span in items[i].spans(text))


@lru_cache(maxsize=1)
def _cancer_exceptions() -> dict[str, re.Pattern[str]]:
    return compile_table("conditions", "cancer_exceptions")


class Conditions(Kind):
    name = "conditions"
    patterns = (
        *("requiring", "except", "negative", "active", "class"),
        # what eligibility/unread.py reads beside the conditions
        *("known_by", "qualifying", "note", "catch_all", "complement", "modifiers", "unless"),
    )
    blocked_by = BLOCKED
    specs = (FactSpec("cond:"),)

    def read(self, r: Read) -> list[Match]:
        on_full = lead_in_window(r.context)
        text = r.full if on_full else r.text
        measured_by: dict[str, str] = self.data("measured")
        measured = {k for m in r.rules() if isinstance(m, Measure | UlnMultiple) for k in m.names()}
        measured |= {k for m in r.rules() if isinstance(m, AnyOf) for k in m.names()}
        found = [f for f in named_concepts(text) if measured_by.get(f[0].key) not in measured]
        if not found:
            return []
        requiring = self.p("requiring").search(text)
        except_at = self.p("except").search(text)
        by_requirement = set(self.data("decided_by_requirement"))
        whole = window_match(text)
        out: list[Match] = []
        for concept, start, end in found:
            spans: list[Span] = []
            after = window_match(text[end:])
            if after is not None:
                window: float | None = after[0]
                spans.append((after[1][0] + end, after[1][1] + end))
            elif whole is not None:
                window = whole[0]
                spans.append(whole[1])
            else:
                window = None
            if except_at and start > except_at.start() and concept.key == "cancer":
                continue
            if requiring and end <= requiring.start() and concept.key in by_requirement:
                continue  # "nephritis requiring dialysis": what is required decides, not the condition
            exceptions: list[str] = []
            if concept.key == "cancer" and except_at:
                tail = text[except_at.start() :]
                exceptions = [name for name, pat in _cancer_exceptions().items() if pat.search(tail)]
            min_class = None
            if concept.key == "heart_failure":
                nyha = self.p("class").search(text)
                if nyha:
                    word = nyha.group("num").upper()
                    min_class = _CLASSES.get(word) or int(word)
                    spans += spans_of(nyha, "num")
            current_only = bool(self.p("active").search(text[max(0, start - 40) : end])) and window is None
            rule = Condition(
                key=concept.key,
                label=concept.key.replace("_", " "),
                within_months=window,
                exceptions=exceptions,
                min_class=min_class,
                current_only=current_only,
            )
            out.append(Match(rule, tuple(r.in_text(spans, on_full))))
        if out and r.kind == "inclusion" and self.p("negative").search(r.text):
            rules = [m.rule for m in out]
            negated = Not(AnyOf(rules) if len(rules) > 1 else rules[0])
            out = [Match(negated, tuple(s for m in out for s in m.spans))]
        return out


KIND = Conditions()
