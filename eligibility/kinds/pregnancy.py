"""Pregnancy, breastfeeding, contraception and pregnancy plans ('Pregnant or lactating women',
'Negative pregnancy test', 'unwilling to use contraception during and 12 months after treatment',
'intending to become pregnant within 3 months after the study')."""

from __future__ import annotations

from eligibility.kinds import durations
from eligibility.kinds.base import FactSpec, Kind, Match, Read, Span
from eligibility.rules import AnyOf, Contraception, Flag, Not, PregnancyPlan, Rule

BLOCKED = ("refractory", "manifestations")


class Pregnancy(Kind):
    name = "pregnancy"
    patterns = (
        "gate",
        "contraception",
        "unwilling",
        "leads_pregnant",
        "leads_pregnant_lactating",
        "pregnant",
        "breastfeeding",
        "plan",
        "partner",
        "after",
    )
    blocked_by = BLOCKED
    specs = (
        FactSpec("pregnant", question="pregnant"),
        FactSpec("breastfeeding", question="breastfeeding"),
        FactSpec("contraception", question="contraception"),
        FactSpec("pregnancy_plan", question="pregnancy_plan"),
    )

    def _after(self, text: str) -> tuple[float | None, tuple[Span, ...]]:
        """The time after the study the criterion covers, with the span that states it."""
        m = self.p("after").search(text)
        months = durations.months_in(m.group(0)) if m else None
        return (months, (m.span(),)) if m and months is not None else (None, ())

    def read(self, r: Read) -> list[Match]:
        text = r.text
        if not self.p("gate").search(text):
            return []
        rules: list[Rule] = []
        after, spans = self._after(text)
        if self.p("contraception").search(text) and self.p("unwilling").search(text):
            # "Pregnant, lactating women (WCBP) are reluctant to use contraception": all three exclude
            rules.append(Contraception(after_months=after))
            if r.kind == "exclusion" and self.p("leads_pregnant").search(text):
                rules.append(Flag(key="pregnant", label="pregnant", pregnancy_related=True))
            if r.kind == "exclusion" and self.p("leads_pregnant_lactating").search(text):
                rules.append(Flag(key="breastfeeding", label="breastfeeding", pregnancy_related=True))
            return [Match(AnyOf(rules) if len(rules) > 1 else rules[0], spans)]
        plan = self.p("plan").search(text) if r.kind == "exclusion" else None
        rest = text[: plan.start()] + " " * (plan.end() - plan.start()) + text[plan.end() :] if plan else text
        if self.p("pregnant").search(rest):
            rules.append(Flag(key="pregnant", label="pregnant", pregnancy_related=True))
        if self.p("breastfeeding").search(rest):
            rules.append(Flag(key="breastfeeding", label="breastfeeding", pregnancy_related=True))
        if plan:
            rules.append(PregnancyPlan(ahead_months=after, men_too=bool(self.p("partner").search(text))))
        if not rules:
            return []
        rule: Rule = AnyOf(rules) if len(rules) > 1 else rules[0]
        if r.kind == "inclusion":  # "Negative pregnancy test", "Not pregnant or nursing"
            rule = Not(rule)
        return [Match(rule, spans if plan else ())]


KIND = Pregnancy()
