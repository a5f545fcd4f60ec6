"""The diagnosis a trial studies (SLE by the ACR / SLICC / EULAR criteria), and how long ago it was made.

A criterion that names another disease's classification standard goes to the study team: what it
means for this trial's patients is a judgement.
"""

from __future__ import annotations

from datetime import date

from eligibility.kinds.base import Answer, FactSpec, Kind, Match, Read, found, spans_of
from eligibility.kinds.durations import minimum_duration, months_in
from eligibility.rules import Diagnosis
from eligibility.timeparse import months_ago
from eligibility.timewords import number, to_months
from trialscreen.vocab.conditions import conditions_in
from trialscreen.vocabulary import vocabulary

BLOCKED = ("refractory", "manifestations")


def parse_diagnosed_when(key: str, reply: str, today: date) -> Answer | None:
    when = months_ago(reply, today)
    if when is None:
        return Answer(error="When were you diagnosed? For example: 3 months ago, or in 2021.")
    return Answer(facts={"dx:sle": {"value": True, "months_ago": when}})


class DiagnosisKind(Kind):
    name = "diagnosis"
    patterns = ("gate", "disease", "standard", "duration", "since")
    blocked_by = BLOCKED
    specs = (
        FactSpec("dx:sle_when", question="dx:sle_when", parse=parse_diagnosed_when, answer_keys=lambda k: ["dx:sle"]),
        FactSpec("dx:", question=""),
    )

    def team(self, r: Read) -> str:
        if not self.p("gate").search(r.text):
            return ""
        foreign = [s for s in found(vocabulary().classifications, r.text) if "lupus" not in s.disease.lower()]
        if not foreign:
            return ""
        return (
            f"names the {foreign[0].name} criteria ({foreign[0].disease}); the study team must decide "
            "what this criterion means for an SLE patient"
        )

    def read(self, r: Read) -> list[Match]:
        text = r.text
        named = self.p("excepted").sub(" ", text)  # lupus as another disease's exception is not asked for
        if not self.p("gate").search(text):
            return []
        if not self.p("disease").search(named) and not self._standard_of_the_trial(r, named):
            return []
        max_months = None
        m = self.p("duration").search(text)
        if m:
            max_months = round(to_months(number(m.group("num")), m.group("unit")), 3)
        spans = spans_of(m)
        # "diagnosed with SLE for at least 1 month", "met the criteria at least 3 months prior to Day 1"
        took = minimum_duration(text)
        since = self.p("since").search(text)
        min_months = took.months if took else (months_in(since.group(0)) if since else None)
        spans += [took.span] if took else ([since.span()] if since and min_months is not None else [])
        rule = Diagnosis(disease="sle", max_duration_months=max_months, min_duration_months=min_months)
        return [Match(rule, tuple(spans))]

    def _standard_of_the_trial(self, r: Read, text: str) -> bool:
        """A standard that classifies SLE, named without the disease ("meets the ACR classification
        criteria"), in a trial of lupus whose criterion names no other condition: it is the trial's disease.
        In another trial, or beside another condition, it classifies that one ("RA according to the
        revised 1987 ACR classification criteria")."""
        if not self.p("standard").search(text) or _another(text):
            return False
        about = " ".join([r.trial.title, *r.trial.conditions])
        return self.p("disease").search(about) is not None


def _another(text: str) -> bool:
    """Whether the criterion names a condition other than lupus (M32), whose standard it then names."""
    return any(not m.code.startswith("M32") for m in conditions_in(text))


KIND = DiagnosisKind()
