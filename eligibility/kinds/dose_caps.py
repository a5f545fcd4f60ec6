"""Dose limits on current medicines (doses read by `eligibility/kinds/_doses.py`).

An inclusion's cap ('Prednisone, 10 mg/day or less', 'methotrexate ≤ 20 mg/week', '< 10 mg/d': the
dose itself is over it), range ('must be taking 5 to 35 mg/day': taking it is required; 'doses of 5
to 20 mg/day are allowed': only a dose taken must be in range) or minimum, 'stable for at least 4
weeks'; and the exclusion of current use above a dose ('taking ≥ 30 mg of prednisone daily'), which
rules a person out only at or above that dose, never for any use. A cap inside an absence ('No
steroids, except prednisone < 20 mg/day') is an exception, not read here."""

from __future__ import annotations

from datetime import date

from eligibility.cues import cue
from eligibility.fallback import worded_as_absence
from eligibility.kinds._doses import STEROIDS, Dose, is_steroid, label, read_doses, unit_words
from eligibility.kinds.base import Answer, FactSpec, Kind, Match, Read, spans_of
from eligibility.kinds.durations import minimum_duration, time_span
from eligibility.rules import AllOf, DoseCap, Not, Rule, StableMeds, Treatment
from eligibility.timewords import WEEKS_PER_MONTH, number, to_months, window_match

BLOCKED = ("refractory", "manifestations")


def parse_stable(key: str, reply: str, today: date) -> Answer | None:
    """How long the doses have stayed the same ('6 months', 'since March', 'changed 2 weeks ago')."""
    stable = time_span(reply, today)
    if stable is None:
        if cue("answers", "no").match(reply):
            return Answer(error="When did a dose last change? For example: 2 weeks ago.")
        return Answer(error="For how long have the doses stayed the same? For example: 6 months.")
    facts: dict[str, object] = {"meds_stable_months": stable}
    if stable >= SURELY_STABLE_MONTHS:  # one answer to both questions: 'a year' is a stable regimen too
        facts["stable_regimen"] = True
    return Answer(facts=facts)


# Unchanged doses for this long make a regimen stable by any period a criterion states (30 days, 8
# weeks, 3 months); a shorter time leaves "on a stable regimen" to the criterion's own period.
SURELY_STABLE_MONTHS = 3.0


def stable_keys(key: str) -> list[str]:
    return ["meds_stable_months", "stable_regimen"]


class DoseCaps(Kind):
    name = "dose_caps"
    patterns = (
        "allowed",
        "steroid",
        "stable",
        "stable_word",
        "not_taking",
        "current",
        "permission",
        "unreadable",
        "mass_unit",
        "frequency",
        "not_dose",
        "separator",
    )
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
        doses = [d for d in read_doses(r, r.text) if d.op or d.low is not None or self._allowed(r)]
        if any(d.unclear for d in doses):
            r.warnings.append("a dose whose drug is not clear: the study team checks")
            return []
        doses = [d for d in doses if d.drug]
        if doses and window_match(r.text) is not None:
            # a dose above a threshold within a window is a treatment received (the treatments kind);
            # a cap stays a cap ('MTX (a maximum of 16 mg/week) from at least 28 days prior')
            doses = [d for d in doses if not d.above]
        if r.kind == "exclusion":
            return self._current_above(r, doses)
        return self._caps(r, doses)

    def _allowed(self, r: Read) -> bool:
        """'Maximum doses allowed: Prednisone 10 mg/day': a dose stated with no comparison is a cap."""
        return bool(self.p("allowed").search(r.context) or self.p("allowed").search(r.text))

    def _caps(self, r: Read, doses: list[Dose]) -> list[Match]:
        text, context = r.text, r.context
        out: list[Match] = []
        permitted = self.p("permission").search(text) is not None
        if worded_as_absence(text):
            doses = []  # "No steroids, except prednisone ≤ 10 mg/day": a cap inside an absence is an exception
        for dose in doses:
            if not dose.per_period:
                continue  # a dose per administration is not a daily cap
            rule = self._cap(dose, permitted)
            if rule is not None:
                out.append(Match(rule, dose.spans))
        both = context + " " + text
        stable = self.p("stable").search(both)
        if stable and (out or self.p("stable_word").search(text) or self.p("stable_word").search(context)):
            weeks = round(to_months(number(stable.group("num")), stable.group("unit")) * WEEKS_PER_MONTH, 1)
            shift = len(context) + 1
            spans = r.in_text(spans_of(stable, "op", "num", "unit", shift=-shift), on_full=False)
            # the medicines of a lead-in are not the ones the stable doses are of
            own = self.p("stable").search(text) is not None
            taking = self._taking_now(r) if own and not out and not permitted else []
            out.append(Match(StableMeds(min_weeks=weeks), tuple(spans)))
            out += taking
        elif out and not permitted and (took := minimum_duration(text)) is not None:
            # "Prednisone ≤ 7.5 mg/d for more than 6 months": within the cap that long; read as the dose
            # unchanged that long (stricter than the text when the dose moved below the cap: never looser)
            weeks = round(took.months * WEEKS_PER_MONTH + (0.1 if took.exclusive else 0.0), 1)  # "more than"
            out.append(Match(StableMeds(min_weeks=weeks), (took.span,)))
        return out

    def _taking_now(self, r: Read) -> list[Match]:
        """'On a stable dose of methotrexate for at least 30 days': the medicines named are taken now, besides
        any doses being stable (a stable dose of something else does not meet it). Not when the criterion
        only speaks to those who take them ('if using hydroxychloroquine, ...': `permission`)."""
        drugs, classes = r.drugs(r.text), r.classes(r.text)
        if (not drugs and not classes) or self.p("not_taking").search(r.text):
            return []
        rule = Treatment(drugs=drugs, classes=classes, within_months=0.0, label=" or ".join(drugs + classes))
        return [Match(rule, ())]

    def _cap(self, dose: Dose, permitted: bool) -> Rule | None:
        """What an inclusion's dose asks: a cap ('≤ 10 mg/day'), a range, or a dose the person must take."""
        name = label(dose.drug) + unit_words(dose)
        if dose.low is not None:
            cap = DoseCap(drug=dose.drug, max_mg_day=dose.mg_day, min_mg_day=dose.low, label=name, per_kg=dose.per_kg)
            if permitted:
                return cap  # "doses of 5 to 20 mg/day are allowed": only a dose taken must be in range
            taking = _taking(dose, dose.low, ">=")  # "must be taking 5 to 35 mg/day": taking is required
            return AllOf([taking, DoseCap(drug=dose.drug, max_mg_day=dose.mg_day, label=name, per_kg=dose.per_kg)])
        if dose.above:
            return None if permitted else _taking(dose, dose.mg_day, dose.op)
        return DoseCap(drug=dose.drug, max_mg_day=dose.mg_day, label=name, per_kg=dose.per_kg, below=dose.op == "<")

    def _current_above(self, r: Read, doses: list[Dose]) -> list[Match]:
        """An exclusion of current use above a dose: only doses above it rule the person out."""
        if not self.p("current").search(r.text) or not _covered(r, doses):
            return []  # other medicines named too: the treatments kind reads them all
        out = []
        for dose in doses:
            if not dose.above:
                continue
            name = label(dose.drug) + unit_words(dose)
            # above the dose now (or at it, for '≥'): the cap a person must stay within, negated; the
            # cap adds up the person's steroids as prednisone equivalents
            cap = DoseCap(drug=dose.drug, max_mg_day=dose.mg_day, label=name, per_kg=dose.per_kg, below=dose.op == ">=")
            out.append(Match(Not(cap), dose.spans))
        return out


def _covered(r: Read, doses: list[Dose]) -> bool:
    """Whether every medicine the criterion names is one a dose is attached to."""
    attached = {d.drug for d in doses if d.above}
    if not attached:
        return False
    steroid = STEROIDS in attached
    drugs = [d for d in r.drugs(r.text) if d not in attached and not (steroid and is_steroid(d))]
    classes = [c for c in r.classes(r.text) if not (steroid and c == "corticosteroid")]
    return not drugs and not classes


def _taking(dose: Dose, mg: float, op: str) -> Treatment:
    """Taking the drug now, at this dose or above it."""
    steroid = dose.drug == STEROIDS
    unit = "mg/kg/day" if dose.per_kg else "mg/day"
    words = "at least" if op == ">=" else "above"
    return Treatment(
        drugs=[] if steroid else [dose.drug],
        classes=["corticosteroid"] if steroid else [],
        within_months=0.0,
        min_dose_mg_day=mg,
        min_dose_inclusive=op == ">=",
        min_dose_per_kg=dose.per_kg,
        label=f"{label(dose.drug)} {words} {mg:g} {unit}{unit_words(dose)} now",
    )


KIND = DoseCaps()
