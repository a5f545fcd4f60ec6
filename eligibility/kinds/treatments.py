"""Treatments received, with their windows, routes and dose thresholds: 'rituximab or other biologics
within 6 months', 'IV cyclophosphamide within 90 days', 'high-dose prednisone > 100 mg/day', '> 3 g/day
of MMF within 4 weeks' (doses read by `eligibility/kinds/_doses.py`). An exclusion whose clauses each
name medicines and then a window ('belimumab within 2 months, or rituximab within 6 months') gives
each clause its own window; any of them rules the person out."""

from __future__ import annotations

import itertools
import re

from eligibility.clause_ends import clause_end, inside_bracket
from eligibility.concepts import concepts_in
from eligibility.fallback import reading_pattern
from eligibility.family import without
from eligibility.kinds._doses import STEROIDS, Dose, is_steroid, label, read_doses, unit_words
from eligibility.kinds.base import FactSpec, Kind, Match, Read, Span, grammar, spans_of
from eligibility.kinds.durations import half_lives, minimum_duration
from eligibility.rules import AnyOf, DoseChanged, Flag, Not, Rule, Treatment
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
    "drug_count",  # "a maximum of 1 immunosuppressive drug": the count decides
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


def _inclusion_classes(r: Read) -> list[str]:
    """The drug classes the trial's inclusion criteria name."""
    return sorted({c for criterion in r.trial.criteria_of("inclusion") for c in r.classes(criterion.text)})


def _past_abbreviation(text: str, start: int, end: int) -> int:
    """`end`, or past the bracket it stands at when the bracket opened after `start` ("methotrexate (MTX)")."""
    return end + 1 if text[end : end + 1] == ")" and "(" in text[start:end] else end


def lead_in_window(context: str) -> bool:
    """A lead-in that states the window its items share ('within 90 days before Day 0:')."""
    return bool(context) and window_match(context) is not None


class Treatments(Kind):
    name = "treatments"
    patterns = (
        *(
            "needs",
            "of_condition",
            "iv",
            "any_route",
            "injection",
            "systemic",
            "local_spared",
            "local",
            "allowed",
            "left_out",
            "allowed_denied",
            "acted_on",
            "high_dose",
            "new",
            "dose_change",
            "no_change",
            "not_a_use",
            "off",
            "not_taken",
            "excepted",
            "next_item",
            "item_words",
        ),
        *("other", "steroid", "current", "past"),
    )
    blocked_by = BLOCKED
    specs = (
        FactSpec("prior:", unit="months ago", answer_keys=_answer_keys),
        FactSpec("med:", unit="mg/day", answer_keys=_answer_keys),
        FactSpec("new_medicine", question="new_medicine"),
    )

    def read(self, r: Read) -> list[Match]:
        on_full = lead_in_window(r.context)
        text = r.full if on_full else r.text
        if not r.drugs(text) and not r.classes(text):
            return []
        if self.p("not_a_use").search(text):
            return []  # "no contra-indication for the use of HCQ": the drug is not what is asked about
        parts = self._parts(r, text) if r.kind == "exclusion" else [(0, len(text))]
        found: list[Match] = []
        for start, end in parts:
            part = self._read_part(r, text, start, end, single=len(parts) == 1)
            if part is None:
                return []
            found += part
        if len(parts) == 1 or not found:
            return [Match(m.rule, tuple(r.in_text(m.spans, on_full))) for m in found]
        # one window per clause ("belimumab within 2 months, or rituximab within 6 months"): any of them
        rule = AnyOf([m.rule for m in found])
        return [Match(rule, tuple(r.in_text([s for m in found for s in m.spans], on_full)))]

    def _parts(self, r: Read, text: str) -> list[tuple[int, int]]:
        """The clauses of an exclusion that each name their medicines and then their own window, cut after
        each window; the whole text when it states one window or the clauses do not line up so."""
        windows = []
        at = 0
        while (found := window_match(text[at:])) is not None:
            start, end = found[1][0] + at, found[1][1] + at
            windows.append((start, end))
            at = end
        if len(windows) < 2:
            return [(0, len(text))]
        cuts = [0] + [end for _, end in windows[:-1]] + [len(text)]
        parts = list(itertools.pairwise(cuts))
        for (start, _end), (w_start, _) in zip(parts, windows, strict=True):
            if not (r.drugs(text[start:w_start]) or r.classes(text[start:w_start])):
                return [(0, len(text))]  # a window before its medicines, or one with none of its own
        return parts

    def _of_condition(self, text: str) -> bool:
        """Whether the clause's medicines are what a condition named before them required ("pneumonitis that
        required steroids"): words of substance before "required", none of them a medicine's."""
        m = self.p("of_condition").search(text)
        if m is None:
            return False
        # "lupus nephritis requiring cyclophosphamide": what such a condition requires decides (kinds.toml
        # [conditions] decided_by_requirement)
        deciding = set(grammar().sections["conditions"]["decided_by_requirement"])
        if any(concept.key in deciding for concept, _, _ in concepts_in(text[: m.start()])):
            return False
        before = reading_pattern("coded", "filler").sub(" ", text[: m.start()])
        return bool(re.search(r"[A-Za-z]{3,}", before))

    def _read_part(self, r: Read, whole: str, start: int, end: int, single: bool) -> list[Match] | None:
        """The rules of one clause (spans in `whole`); None when it cannot be read: a dose that cannot be
        attached, or a time off the medicines ("off prednisone for at least 3 days")."""
        text = whole[start:end]
        excepted = [(m.start(), self._excepted_end(r, text, m)) for m in self.p("excepted").finditer(text)]
        acted_on = [m.span() for m in self.p("acted_on").finditer(text)]  # "drugs that interact with MMF"
        left_out = self._left_out(text)  # "non-corticosteroid immunosuppressants"
        asked = without(text, excepted + acted_on + left_out)  # "(with the exception of steroids)": not asked
        local_uses = [m.span() for m in self.p("local_spared").finditer(asked)]
        rest = without(asked, local_uses)
        if self._allows(rest) or (local_uses and not r.drugs(rest) and not r.classes(rest)):
            return []  # "Concurrent steroids are permitted", "Inhaled steroids allowed": not asked for, no bar
        drugs = r.drugs(asked)
        classes = r.classes(asked)
        if not drugs and not classes:
            return []
        # a list of medicines keeps those our vocabulary does not know ("thalidomide, mycophenolate ...")
        drugs += [d for d in r.other_drugs(asked) if d not in drugs]
        spared = [
            d
            for a, b in excepted + left_out
            for d in (*r.drugs(text[a:b]), *r.other_drugs(text[a:b]))
            if d not in drugs
        ]
        spared_classes = [c for a, b in excepted + left_out for c in r.classes(text[a:b]) if c not in classes]
        if self._of_condition(text):
            return []
        spans: list[Span] = []
        found = window_match(text)
        window = found[0] if found else None
        if found:
            spans.append(found[1])
        if window is None and self.p("needs").search(text):
            window = 1.0  # "who need pulse steroids": a current need
        route = self._route(r, text, drugs, classes)
        if self.p("injection").search(text) and not route:
            route = "injection"
        doses = self._doses(r, text, window)
        if doses is None:
            return None
        if doses:
            rules = self._dosed(r, text, doses, window, drugs, classes)
            if self.p("dose_change").search(text) and window is not None:
                rules.append((self._dose_changed(text, window), []))
            return [Match(rules[0][0], tuple((a + start, b + start) for a, b in (spans + rules[0][1])))] + [
                Match(rule, tuple((a + start, b + start) for a, b in used)) for rule, used in rules[1:]
            ]
        high_dose = self.p("high_dose").search(text)
        steroids = [d for d in drugs if "corticosteroid" in _classes_of(d)]
        if high_dose and (steroids or "corticosteroid" in classes or self.p("steroid").search(text)):
            spans += spans_of(high_dose, "op", "num", "unit")
            dose = float(high_dose.group("num"))
            rule: Rule = Treatment(
                drugs=steroids,
                classes=["corticosteroid"],
                within_months=window,
                min_dose_mg_day=dose,
                label=f"steroids above {dose:g} mg/day (prednisone or equivalent)",
            )
            return [Match(rule, tuple((a + start, b + start) for a, b in spans))]
        used = tuple((a + start, b + start) for a, b in spans)
        if self.p("new").search(text) and window is not None:
            return [Match(Flag(key="new_medicine", label="a new SLE medicine started", within_months=window), used)]
        if self.p("dose_change").search(text) and window is not None:
            return [Match(self._dose_changed(text, window), used)]
        except_drugs = sorted(set(spared))  # "immunosuppressants other than methotrexate"
        if single and self.p("other").search(asked) and classes and not drugs and window is None:
            # "therapy with other immunosuppressors": current use of others than the trial itself names
            except_drugs = sorted(set(except_drugs) | r.named_drugs)
            # and the classes it names ("background treatment included corticosteroids")
            spared_classes += [c for c in _inclusion_classes(r) if c not in classes]
            window = 1.0
        if window is None and self.p("current").search(text) and not self.p("past").search(text):
            window = 0.0  # "currently receiving methotrexate": taken now, not a use years ago
        if self.p("steroid").search(asked) and "corticosteroid" not in classes:
            classes.append("corticosteroid")
        label = " or ".join(drugs + classes)
        steady = self._unchanged_for(text)  # "... without modification of the dosage for 2 months"
        took = minimum_duration(text[: steady[1][0]] if steady else text)  # "with HCQ for at least 6 months"
        if took and (self.p("off").search(text) or self.p("not_taken").search(text, 0, took.span[0])):
            return None  # "off prednisone for at least 3 days": a time without it, asked
        lives = half_lives(text) if window is not None else None  # "within 3 months or 5 half-lives"
        if lives:
            used = (*used, (lives[1][0] + start, lives[1][1] + start))
        rule = Treatment(
            drugs=drugs,
            classes=classes,
            within_months=window,
            route=route,
            label=label,
            except_drugs=except_drugs,
            except_classes=sorted(set(spared_classes) - set(classes)),  # never one it asks
            min_months=took.months if took else None,
            min_months_exclusive=bool(took and took.exclusive),
            half_lives=lives[0] if lives else None,
        )
        out = [Match(rule, (*used, (took.span[0] + start, took.span[1] + start)) if took else used)]
        if steady:
            out.append(Match(steady[0], ((steady[1][0] + start, steady[1][1] + start),)))
        return out

    def _excepted_end(self, r: Read, text: str, m: re.Match[str]) -> int:
        """Where the medicines an exception names end: its bracket's close, or its clause's, carried on over
        more drugs of the list ("other than methotrexate (MTX), sulfasalazine, or hydroxychloroquine"), never
        over a class or anything else ("other than methotrexate, or biologics": the biologics are asked)."""
        if inside_bracket(text, m.start()):
            return clause_end(text, m.end(), within_list=True)
        end = _past_abbreviation(text, m.end(), clause_end(text, m.end()))
        while (more := self.p("next_item").match(text, end)) is not None:
            item_end = _past_abbreviation(text, more.end(), clause_end(text, more.end()))
            item = text[more.end() : item_end]
            if not (r.drugs(item) or r.other_drugs(item)) or r.classes(item) or self.p("item_words").search(item):
                break
            end = item_end
        return end

    def _unchanged_for(self, text: str) -> tuple[Rule, Span] | None:
        """'without modification of HCQ dosage for 2 months': the doses unchanged that long (a rule, and
        the span of the duration)."""
        change = self.p("dose_change").search(text)
        if change is None or not self.p("no_change").search(text[max(0, change.start() - 30) : change.end()]):
            return None
        took = minimum_duration(text, change.end())
        if took is None:
            return None
        return Not(DoseChanged(min_weeks=round(took.months * WEEKS_PER_MONTH, 1))), took.span

    def _left_out(self, text: str) -> list[Span]:
        """The classes and drugs a criterion writes as left out ("non-corticosteroid immunosuppressants",
        "non-aspirin NSAIDs"; kinds.toml [treatments] left_out), unless the word begins a class's own name
        ("non-steroidal anti-inflammatory drugs")."""
        named = [m.span() for c in vocabulary().drug_classes for p in c.patterns for m in p.finditer(text)]
        spans = (m.span() for m in self.p("left_out").finditer(text))
        return [(a, b) for a, b in spans if not any(x <= a and y > b for x, y in named)]

    def _allows(self, text: str) -> bool:
        """Whether the words allow the medicines they name: a permission not denied before it, and not in
        brackets about one item of a list."""
        return any(
            not self.p("allowed_denied").search(text, 0, m.start()) and not inside_bracket(text, m.start())
            for m in self.p("allowed").finditer(text)
        )

    def _route(self, r: Read, text: str, drugs: list[str], classes: list[str]) -> str | None:
        """'iv' when the criterion's medicines count only given intravenously. Not when either route counts
        ('oral or IV cyclophosphamide'), nor when the IV words name one medicine of a longer list. 'systemic'
        when they count only given to the whole body ("oral or systemic corticosteroids", "inhaled steroids
        are allowed"): a cream, an inhaler or drops do not."""
        m = self.p("iv").search(text)
        if m is None or self.p("any_route").search(text):
            return self._systemic(text)
        named = set(r.drugs(m.group(0))) | set(r.classes(m.group(0)))
        if named and (set(drugs) | set(classes)) - named - {"corticosteroid"} - {d for d in drugs if is_steroid(d)}:
            return None  # "tacrolimus, IV immunoglobulin or IV cyclophosphamide": not all of them IV
        return "iv"

    def _systemic(self, text: str) -> str | None:
        """'systemic' when the words ask only for systemic use ("systemic corticosteroids", "oral steroids") or
        set the local uses aside ("inhaled and topical steroids are allowed"), and name no local use as asked
        ("inhaled or oral corticosteroids": every route counts)."""
        spared = [m.span() for m in self.p("local_spared").finditer(text)]
        asked = without(text, spared)
        if self.p("local").search(asked):
            return None
        return "systemic" if spared or self.p("systemic").search(asked) else None

    def _dose_changed(self, text: str, window: float) -> Rule:
        """A dose change in the window; 'no change in dose' (the trial's own negation) is its opposite."""
        changed = DoseChanged(min_weeks=round(window * WEEKS_PER_MONTH, 1))
        return Not(changed) if self.p("no_change").search(text) else changed

    def _doses(self, r: Read, text: str, window: float | None) -> list[Dose] | None:
        """The dose thresholds of a clause: only doses above them count ('> 3 g/day of MMF'); None (no
        rule rather than any use) when one cannot be attached to its drug, or is a cap or a range."""
        doses = [d for d in read_doses(r, text) if d.op or d.low is not None]
        for d in doses:
            if d.unclear or (d.drug and not d.above) or (d.drug and not d.per_period and r.kind != "exclusion"):
                # a dose per administration is read per day only where that is wider: an exclusion
                r.warnings.append(f"dose threshold '{d.stated}' not read: the study team checks")
                return None
        return [d for d in doses if d.drug]

    def _dosed(
        self, r: Read, text: str, doses: list[Dose], window: float | None, drugs: list[str], classes: list[str]
    ) -> list[tuple[Rule, list[Span]]]:
        """A rule for each dose threshold, and one for the medicines no dose is attached to."""
        if window is None and self.p("current").search(text) and not self.p("past").search(text):
            window = 0.0  # "currently receiving > 10 mg/day": now
        out: list[tuple[Rule, list[Span]]] = []
        for dose in doses:
            steroid = dose.drug == STEROIDS
            words = "at least" if dose.op == ">=" else "above"
            unit = "mg/kg/day" if dose.per_kg else "mg/day"
            # "steroid pulse therapy (>1.5mg/kg)": a pulse or an IV dose is given intravenously
            pulse = self.p("iv").search(text[max(0, dose.start - self.data("route_near")) : dose.start])
            rule = Treatment(
                drugs=[d for d in drugs if is_steroid(d)] if steroid else [dose.drug],
                classes=["corticosteroid"] if steroid else [],
                within_months=window,
                route="iv" if pulse else None,
                min_dose_mg_day=dose.mg_day,
                min_dose_inclusive=dose.op == ">=",
                min_dose_per_kg=dose.per_kg,
                label=f"{label(dose.drug)} {words} {dose.mg_day:g} {unit}{unit_words(dose)}",
            )
            out.append((rule, list(dose.spans)))
        dosed = {d.drug for d in doses}
        steroid = STEROIDS in dosed
        rest = [d for d in drugs if d not in dosed and not (steroid and is_steroid(d))]
        rest_classes = [c for c in classes if not (steroid and c == "corticosteroid")]
        outside = [m for m in self.p("iv").finditer(text) if not any(d.start <= m.start() < d.end for d in doses)]
        if steroid and any(self.p("steroid").search(m.group(0)) for m in outside):
            # "steroid pulse (>1.5mg/kg) or IV bolus of corticosteroids": any IV steroid counts as well
            iv = Treatment(drugs=[], classes=["corticosteroid"], within_months=window, route="iv", label="IV steroids")
            out.append((iv, []))
        if rest or rest_classes:
            names = " or ".join(rest + rest_classes)
            out.append((Treatment(drugs=rest, classes=rest_classes, within_months=window, label=names), []))
        return out


KIND = Treatments()
