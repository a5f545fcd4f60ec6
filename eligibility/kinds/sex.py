"""A criterion that limits the trial to one sex: 'Female sex', 'Males only', 'Women aged 18-45'.

Only when the sex word is the subject of the criterion and nothing else is asked of that person
besides an age ('Women of childbearing potential must ...' or 'Men with prostate cancer' are not
limits on sex alone): the pattern is `[sex] only` in `eligibility/data/kinds.toml`."""

from __future__ import annotations

from eligibility.kinds.base import FactSpec, Kind, Match, Read
from eligibility.rules import Sex as SexRule


class Sex(Kind):
    name = "sex"
    patterns = ("only", "female", "scope")
    blocked_by = ("refractory", "manifestations", "pregnancy")
    only = "inclusion"
    specs = (FactSpec("sex", question="sex"),)

    def read(self, r: Read) -> list[Match]:
        m = self.p("only").search(r.text)
        if m is None:
            return []
        allowed = "female" if self.p("female").fullmatch(m.group("sex")) else "male"
        return [Match(SexRule(allowed=allowed), (m.span("sex"),))]

    def scope(self, text: str) -> str | None:
        """The sex an exclusion is about, when its opening words name one (else None)."""
        m = self.p("scope").search(text)
        if m is None:
            return None
        return "female" if self.p("female").fullmatch(m.group("sex")) else "male"


KIND = Sex()
