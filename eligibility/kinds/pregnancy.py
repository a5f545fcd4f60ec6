"""Pregnancy, breastfeeding, contraception and pregnancy plans ('Pregnant or lactating women',
'Negative pregnancy test', 'unwilling to use contraception during and 12 months after treatment',
'intending to become pregnant within 3 months after the study')."""

from __future__ import annotations

from dataclasses import replace

from eligibility.kinds import durations
from eligibility.kinds.base import FactSpec, Kind, Match, Read, Span
from eligibility.rules import AnyOf, Contraception, Flag, Not, PregnancyPlan, Rule

BLOCKED = ("refractory", "manifestations", "gestation")  # a limit on the weeks reads the pregnancy too


class Pregnancy(Kind):
    name = "pregnancy"
    patterns = (
        "gate",
        "contraception",
        "unwilling",
        "pregnant",
        "breastfeeding",
        "plan",
        "not_pregnant",
        "partner",
        "men",
        "will_use",
        "after",
        "inclusion_absent",
        "expecting",
        "cannot_conceive",
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
        exclusion = r.kind == "exclusion"
        after, spans = self._after(text)
        plan = self.p("plan").search(text) if exclusion else None
        # what is left once the plan and the words that do not say "pregnant" are set aside
        rest = _blank(text, [plan.span()] if plan else [])
        rest = _blank(rest, [m.span() for m in self.p("not_pregnant").finditer(rest)])
        rules: list[Rule] = []
        unwilling = bool(self.p("contraception").search(text) and self.p("unwilling").search(text))
        men = bool(self.p("men").search(text))
        if unwilling:
            # "Pregnant or nursing women, or women unwilling to use contraception ...": each one excludes
            rules.append(Contraception(after_months=after, men_too=men))
            if not exclusion:
                return [Match(rules[0], spans)]
        elif not exclusion and self.p("contraception").search(text) and self.p("will_use").search(text):
            # "must agree to use effective contraception during and up to 12 weeks after": willing to use it
            return [Match(Not(Contraception(after_months=after, men_too=men)), spans)]
        if self.p("pregnant").search(rest):
            rules.append(Flag(key="pregnant", label="pregnant", pregnancy_related=True))
        if self.p("breastfeeding").search(rest):
            rules.append(Flag(key="breastfeeding", label="breastfeeding", pregnancy_related=True))
        if plan:
            rules.append(PregnancyPlan(ahead_months=after, men_too=bool(self.p("partner").search(text))))
        if not rules:
            return []
        rule: Rule = AnyOf(rules) if len(rules) > 1 else rules[0]
        if r.kind == "inclusion":
            absent, expecting = self.p("inclusion_absent").search(text), self.p("expecting").search(text)
            if self.p("cannot_conceive").search(text):
                return []  # "must be unable to become pregnant" asks more than "not pregnant"
            if absent and expecting:
                return []  # "Singleton pregnancy, not in labour": which way it asks is not clear, so it is asked
            if absent:  # "Negative pregnancy test", "Not pregnant or nursing"
                rule = Not(rule)
            elif not expecting or plan:
                # "Pregnant or lactating women" among inclusions, with no word for which it means (a
                # misfiled exclusion, or a trial of pregnant women): asked as it stands, never guessed
                return []
            else:  # a trial of pregnant women: who cannot be pregnant does not meet it
                rule = _required(rule)
        return [Match(rule, spans if (plan or unwilling) else ())]


def _required(rule: Rule) -> Rule:
    """The pregnancy flags of a rule, as what the trial requires (not merely what applies to women)."""
    if isinstance(rule, Flag) and rule.key in ("pregnant", "breastfeeding"):
        return replace(rule, pregnancy_related=False, required_pregnancy=True)
    if isinstance(rule, AnyOf):
        return AnyOf([_required(x) for x in rule.rules])
    return rule


def _blank(text: str, spans: list[Span]) -> str:
    """The text with these spans replaced by spaces (offsets kept)."""
    for start, end in spans:
        text = text[:start] + " " * (end - start) + text[end:]
    return text


KIND = Pregnancy()
