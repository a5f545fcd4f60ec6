"""Treatments received, with their windows, routes and dose thresholds: 'rituximab or other biologics
within 6 months', 'IV cyclophosphamide within 90 days', 'high-dose prednisone > 100 mg/day'."""

from __future__ import annotations

from eligibility.kinds.base import FactSpec, Kind, Match, Read, Span, spans_of
from eligibility.rules import Flag, Not, Rule, StableMeds, Treatment
from eligibility.timewords import WEEKS_PER_MONTH, window_match
from trialscreen.keys import TreatmentKey
from trialscreen.vocabulary import vocabulary

BLOCKED = (
    "refractory",
    "manifestations",
    "dose_caps",
    "allergy",
    "autoantibodies",
    "stable_regimen",
    "participation",
    "courses",  # "3 or more courses of steroids": the count decides, not any use
)


def _answer_keys(key: str) -> list[str]:
    treatment = TreatmentKey.parse(key)
    if treatment is None:
        return [key]
    if treatment.prefix == "prior":
        return [f"prior:{d}" for d in treatment.drugs] + [f"prior:class:{c}" for c in treatment.classes]
    if treatment.steroids:
        return ["med:prednisone"]
    return [key]


def _classes_of(drug: str) -> tuple[str, ...]:
    term = vocabulary().drug(drug)
    return term.classes if term else ()


def lead_in_window(context: str) -> bool:
    """A lead-in that states the window its items share ('within 90 days before Day 0:')."""
    return bool(context) and window_match(context) is not None


class Treatments(Kind):
    name = "treatments"
    patterns = ("needs", "iv", "injection", "high_dose", "above", "new", "dose_change", "other", "steroid")
    blocked_by = BLOCKED
    specs = (
        FactSpec("prior:", unit="months ago", answer_keys=_answer_keys),
        FactSpec("med:", unit="mg/day", answer_keys=_answer_keys),
        FactSpec("new_medicine", question="new_medicine"),
    )

    def read(self, r: Read) -> list[Match]:
        on_full = lead_in_window(r.context)
        text = r.full if on_full else r.text
        drugs = r.drugs(text)
        classes = r.classes(text)
        if not drugs and not classes:
            return []
        spans: list[Span] = []
        found = window_match(text)
        window = found[0] if found else None
        if found:
            spans.append(found[1])
        if window is None and self.p("needs").search(text):
            window = 1.0  # "who need pulse steroids": a current need
        route = "iv" if self.p("iv").search(text) else None
        if self.p("injection").search(text) and not route:
            route = "injection"
        high_dose = self.p("high_dose").search(text)
        # "treated with > 10 mg/day prednisone": only doses above the threshold count, never any use
        thresholds = list(self.p("above").finditer(text))
        above = next((m for m in thresholds if self.op(m.group("op"), "") in (">", ">=")), None)
        above = above or (thresholds[0] if thresholds else None)
        steroids = [d for d in drugs if "corticosteroid" in _classes_of(d)]
        inclusive = False
        per_kg = bool(above and above.group("kg")) and not high_dose
        unit = "mg/kg/day" if per_kg else "mg/day"
        above_op = self.op(above.group("op"), "") if above else ""
        min_dose: float | None = None
        if high_dose:
            min_dose = float(high_dose.group("num"))
            spans += spans_of(high_dose, "op", "num", "unit")
        elif above and (steroids or "corticosteroid" in classes) and above_op in (">", ">="):
            min_dose = float(above.group("num"))
            inclusive = above_op == ">="
            spans += spans_of(above, "op", "num", "unit")
        elif above:
            # a dose threshold this reading cannot attach: no rule rather than "any use"
            r.warnings.append(f"dose threshold '{above.group(0).strip()}' not read: the study team checks")
            return []
        used = tuple(r.in_text(spans, on_full))
        if min_dose is not None:
            others = [d for d in drugs if d not in steroids]
            words = "at least" if inclusive else "above"
            rules: list[Rule] = [
                Treatment(
                    drugs=steroids,
                    classes=["corticosteroid"],
                    within_months=window,
                    min_dose_mg_day=min_dose,
                    min_dose_inclusive=inclusive,
                    min_dose_per_kg=per_kg,
                    label=f"steroids {words} {min_dose:g} {unit} (prednisone or equivalent)",
                )
            ]
            if others:
                rules.append(Treatment(drugs=others, within_months=window, route=route, label=" or ".join(others)))
            return [Match(rules[0], used)] + [Match(x) for x in rules[1:]]
        if self.p("new").search(text) and window is not None:
            return [Match(Flag(key="new_medicine", label="a new SLE medicine started", within_months=window), used)]
        if self.p("dose_change").search(text) and window is not None:
            return [Match(Not(StableMeds(min_weeks=round(window * WEEKS_PER_MONTH, 1))), used)]
        except_drugs: list[str] = []
        if self.p("other").search(text) and classes and not drugs and window is None:
            # "therapy with other immunosuppressors": current use of others than the trial itself names
            except_drugs = sorted(r.named_drugs)
            window = 1.0
        if self.p("steroid").search(text) and "corticosteroid" not in classes:
            classes.append("corticosteroid")
        label = " or ".join(drugs + classes)
        rule = Treatment(
            drugs=drugs, classes=classes, within_months=window, route=route, label=label, except_drugs=except_drugs
        )
        return [Match(rule, used)]


KIND = Treatments()
