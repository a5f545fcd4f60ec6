"""Pregnancy, breastfeeding and contraception ('Pregnant or lactating women', 'Negative pregnancy test')."""

from __future__ import annotations

from eligibility.kinds.base import FactSpec, Kind, Match, Read
from eligibility.rules import AnyOf, Contraception, Flag, Not, Rule

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
    )
    blocked_by = BLOCKED
    specs = (
        FactSpec("pregnant", question="pregnant"),
        FactSpec("breastfeeding", question="breastfeeding"),
        FactSpec("contraception", question="contraception"),
    )

    def read(self, r: Read) -> list[Match]:
        text = r.text
        if not self.p("gate").search(text):
            return []
        rules: list[Rule] = []
        if self.p("contraception").search(text) and self.p("unwilling").search(text):
            # "Pregnant, lactating women (WCBP) are reluctant to use contraception": all three exclude
            rules.append(Contraception())
            if r.kind == "exclusion" and self.p("leads_pregnant").search(text):
                rules.append(Flag(key="pregnant", label="pregnant", pregnancy_related=True))
            if r.kind == "exclusion" and self.p("leads_pregnant_lactating").search(text):
                rules.append(Flag(key="breastfeeding", label="breastfeeding", pregnancy_related=True))
            return [Match(AnyOf(rules) if len(rules) > 1 else rules[0])]
        if self.p("pregnant").search(text):
            rules.append(Flag(key="pregnant", label="pregnant", pregnancy_related=True))
        if self.p("breastfeeding").search(text):
            rules.append(Flag(key="breastfeeding", label="breastfeeding", pregnancy_related=True))
        if not rules:
            return []
        rule: Rule = AnyOf(rules) if len(rules) > 1 else rules[0]
        if r.kind == "inclusion":  # "Negative pregnancy test", "Not pregnant or nursing"
            rule = Not(rule)
        return [Match(rule)]


KIND = Pregnancy()
