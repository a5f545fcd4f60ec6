"""A criterion that limits the trial to one sex: 'Female sex', 'Males only', 'Women aged 18-45'.

Only when the sex word is the subject of the criterion and nothing else is asked of that person
besides an age ('Women of childbearing potential must ...' or 'Men with prostate cancer' are not
limits on sex alone): the pattern is `[sex] only` in `eligibility/data/kinds.toml`."""

from __future__ import annotations

from eligibility.kinds.base import FactSpec, Kind, Match, Read
from eligibility.rules import Sex as SexRule


class Sex(Kind):
    name = "sex"
    patterns = ("only", "female", "scope", "named")
    blocked_by = ("refractory", "manifestations", "pregnancy")
    only = "inclusion"
    specs = (FactSpec("sex", question="sex"),)

    def read(self, r: Read) -> list[Match]:
        m = self.p("only").search(r.text)
        if m is None:
            return []
        allowed = self._sex_of(m.group("sex"))
        if self._names_other(r.criterion.text, allowed):
            return []  # "Men aged 55 or older or women aged 65 or older": not one sex
        return [Match(SexRule(allowed=allowed), (m.span("sex"),))]

    def _sex_of(self, word: str) -> str:
        return "female" if self.p("female").fullmatch(word) else "male"

    def sex_named(self, text: str) -> str:
        """The first word for a person of one sex the text names ("male" in "must be male and 18 or
        older"), '' when it names none or both ("Male or female, aged 18 to 65")."""
        m = self.p("named").search(text)
        if m is None or self._names_other(text, self._sex_of(m.group("sex"))):
            return ""
        return m.group("sex")

    def _names_other(self, text: str, sex: str) -> bool:
        """Whether the text also names a person of the other sex."""
        return any(self._sex_of(m.group("sex")) != sex for m in self.p("named").finditer(text))

    def scope(self, text: str) -> str | None:
        """The sex an exclusion is about, when its opening words name one (else None)."""
        m = self.p("scope").search(text)
        if m is None:
            return None
        sex = self._sex_of(m.group("sex"))
        # "Male participants with ... or female participants with ...": about both
        return None if self._names_other(text, sex) else sex


KIND = Sex()
