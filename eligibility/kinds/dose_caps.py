"""Dose limits on current medicines: 'Prednisone, 10 mg/day or less' (a cap an inclusion allows),
'stable for at least 4 weeks', and the exclusion of current use above a dose ('Current use of more than
20 mg/day prednisone'), which rules a person out only above that dose, never for any use."""

from __future__ import annotations

import re
from datetime import date

from eligibility.cues import cue
from eligibility.kinds.base import Answer, FactSpec, Kind, Match, Read, spans_of
from eligibility.rules import DoseCap, Not, Rule, StableMeds, Treatment
from eligibility.timeparse import duration_months, months_ago
from eligibility.timewords import WEEKS_PER_MONTH, number, to_months
from trialscreen.vocabulary import vocabulary

BLOCKED = ("refractory", "manifestations")
STEROIDS = "class:corticosteroid"
_FOR = re.compile(r"\bfor\b")


def parse_stable(key: str, reply: str, today: date) -> Answer | None:
    """How long the doses have stayed the same ('6 months', 'since March', 'changed 2 weeks ago')."""
    stable = duration_months(reply if _FOR.search(reply) else f"for {reply}")
    if stable is None:
        stable = months_ago(reply, today)
    if stable is None:
        if cue("answers", "no").match(reply):
            return Answer(error="When did a dose last change? For example: 2 weeks ago.")
        return Answer(error="For how long have the doses stayed the same? For example: 6 months.")
    return Answer(facts={"meds_stable_months": stable})


def stable_keys(key: str) -> list[str]:
    return ["meds_stable_months"]


class DoseCaps(Kind):
    name = "dose_caps"
    patterns = ("allowed", "dose", "steroid", "stable", "stable_word", "current", "above")
    blocked_by = BLOCKED
    specs = (
        FactSpec(
            "meds_stable_months",
            unit="months",
            limits=(0, 600),
            question="meds_stable_months",
            parse=parse_stable,
            answer_keys=stable_keys,
        ),
    )

    def read(self, r: Read) -> list[Match]:
        if r.kind == "exclusion":
            return self._current_above(r)
        return self._caps(r)

    def _drug(self, r: Read, text: str) -> str:
        drugs = r.drugs(text)
        return STEROIDS if self.p("steroid").search(text) else (drugs[0] if drugs else "")

    def _near(self, r: Read, text: str, start: int, end: int) -> str:
        """The one drug (or the steroids) named next to a dose; '' when none or several are."""
        reach = int(self.data("near"))
        around = text[max(0, start - reach) : end + reach]
        if self.p("steroid").search(around):
            return STEROIDS
        drugs = r.drugs(around)
        return drugs[0] if len(drugs) == 1 else ""

    def _caps(self, r: Read) -> list[Match]:
        text, context = r.text, r.context
        out: list[Match] = []
        both = context + " " + text
        allowed = self.p("allowed").search(both)
        m = self.p("dose").search(text) if allowed else None
        if allowed and m:
            drug = self._drug(r, text)
            if drug:
                label = "prednisone (or equivalent)" if drug == STEROIDS else drug
                rule = DoseCap(drug=drug, max_mg_day=float(m.group("num")), label=label, per_kg=bool(m.group("kg")))
                out.append(Match(rule, tuple(spans_of(m, "op", "num", "unit"))))
        stable = self.p("stable").search(both)
        if stable and (out or self.p("stable_word").search(text) or self.p("stable_word").search(context)):
            weeks = round(to_months(number(stable.group("num")), stable.group("unit")) * WEEKS_PER_MONTH, 1)
            shift = len(context) + 1
            spans = r.in_text(spans_of(stable, "op", "num", "unit", shift=-shift), on_full=False)
            out.append(Match(StableMeds(min_weeks=weeks), tuple(spans)))
        return out

    def _current_above(self, r: Read) -> list[Match]:
        """An exclusion of current use above a dose: only doses above it rule the person out."""
        text = r.text
        if not self.p("current").search(text):
            return []
        m = self.p("above").search(text)
        if not m:
            return []
        op = self.op(m.group("op"), "")
        drug = self._near(r, text, m.start(), m.end())
        if op not in (">", ">=") or not drug:
            return []
        dose = float(m.group("num"))
        label = "prednisone (or equivalent)" if drug == STEROIDS else drug
        spans = tuple(spans_of(m, "op", "num", "unit"))
        if op == ">":  # above the dose now: the cap a person must stay within, negated
            return [Match(Not(DoseCap(drug=drug, max_mg_day=dose, label=label)), spans)]
        steroid = drug == STEROIDS
        drugs = [d for d in r.drugs(text) if not steroid or "corticosteroid" in _classes(d)] if steroid else [drug]
        rule: Rule = Treatment(
            drugs=drugs,
            classes=["corticosteroid"] if steroid else [],
            within_months=0.0,
            min_dose_mg_day=dose,
            min_dose_inclusive=True,
            label=f"{label} at least {dose:g} mg/day now",
        )
        return [Match(rule, spans)]


def _classes(drug: str) -> tuple[str, ...]:
    term = vocabulary().drug(drug)
    return term.classes if term else ()


KIND = DoseCaps()
