"""Reading patient text (as patients and referral notes write it) into a typed profile.

Every fact keeps the words it came from. Negation, family, hypothetical and historical context
come from `eligibility.context`; times from `eligibility.timeparse`; the words a note uses for each fact
from `eligibility/data/note_words.toml` and `cues.toml` (`eligibility.cues`). What the text does not say
stays unknown. Implausible values (age 300, weight -5) are not used and are noted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from typing import Any

from eligibility import findings
from eligibility.classification import classify
from eligibility.coded import at_the_visit, clause_evidence, diagnosed_then, had_so_long, read_conditions
from eligibility.concepts import concept as concept_of
from eligibility.concepts import concepts, denial_covers
from eligibility.context import (
    Clause,
    MentionContext,
    clause_at,
    clauses,
    comma_pieces,
    context_of,
    negation_end,
    segment,
    sentence_end,
    without_dated_uses,
)
from eligibility.course import Course, course_after
from eligibility.cues import AGES, CANCER_KINDS, DRUG_CLASSES, cue
from eligibility.doses import Dose, dose_after
from eligibility.facts import Evidence, Fact, Profile
from eligibility.implied import add_bounds
from eligibility.induced import add_induced
from eligibility.kinds import spec_for
from eligibility.kinds.menopause import DEFINITION_MONTHS as MENOPAUSE_MONTHS
from eligibility.kinds.menopause import SINCE as SINCE_PERIOD
from eligibility.kinds.menopause import STATUS as MENOPAUSE
from eligibility.kinds.race import groups as race_groups
from eligibility.kinds.weight import KIND as WEIGHT
from eligibility.labs import VALUE, Lab, measured, reported, uln_labs
from eligibility.timeparse import duration_months, months_ago
from eligibility.timewords import denial_window, number, to_months
from trialscreen.keys import KG_PER_LB
from trialscreen.vocab import conditions as icd
from trialscreen.vocab import drugs as vocab_drugs
from trialscreen.vocab.histology import named_at
from trialscreen.vocabulary import vocabulary

MAX_TEXT = 50_000
POSTPARTUM_MONTHS = 3.0  # a birth this recent means the person is not pregnant now
_BESIDE = 30  # how far (characters) from a medicine's name the words that say how it is used may stand


def _drug_mentions(text: str) -> list[tuple[int, int, str]]:
    """Every drug the shared vocabulary knows, where the text names it (start, end, canonical name), in
    text order: ours (trialscreen/data/vocabulary.toml, with their abbreviations and brand names) and the
    package's other drugs under the name the criteria give them (`Vocabulary.drugs_in(unknown=True)`)."""
    found = [(m.start(), m.end(), d.name) for d in vocabulary().drugs for p in d.patterns for m in p.finditer(text)]
    # a name inside a longer one is no mention of its own ("prednisolone" in "methylprednisolone")
    ours = [m for m in found if not any(a <= m[0] and m[1] <= b and b - a > m[1] - m[0] for a, b, _ in found)]
    taken = [(a, b) for a, b, _ in ours]
    others = [
        (h.start, h.end, h.names[0])
        for h in vocab_drugs.drugs_in(text)
        if vocab_drugs.searchable(h.text)  # "He" is not helium: the package's name "[he]" is too short
        and not any(a < h.end and h.start < b for a, b in taken)
    ]
    return sorted(m for m in ours + others if not _measured(text, m[0], m[1]))


def _measured(text: str, start: int, end: int) -> bool:
    """A substance named as a measurement ("IGF-1 of 968 ng/mL", "low serum ceruloplasmin"), not a medicine."""
    return bool(
        cue("medicines", "measured_after").match(text[end : end + 40])
        or cue("medicines", "measured_before").search(text[max(0, start - 30) : start])
    )


@lru_cache(maxsize=128)
def _lab_value(names: str) -> re.Pattern[str]:
    """A lab's name (labs.toml `patient`), then its value: "Hb is 8.9", "hemoglobin (Hb) of 89",
    "WBC: 12,000", "plt 90k"."""
    return re.compile(
        r"\b(?:" + names + r")\b(?:\s*\([^()]{1,15}\))?[\s:=]*"
        r"(?:(?:level|count|is|was|are|were|of|at|around|about)\b[\s:=]*)*"
        r"(?P<op><|>|≤|≥)?\s*" + VALUE,
        re.I,
    )


def _plausible(key: str, value: float) -> bool:
    """Within the limits the fact's rule kind gives (eligibility/kinds/: FactSpec.limits)."""
    spec = spec_for(key)
    return spec is None or spec.plausible(value)


def _ev(text: str, start: int, end: int) -> Evidence:
    return Evidence(text=text[start:end].strip(), start=start, end=end)


class _Reader:
    def __init__(self, text: str, today: date) -> None:
        self.text = text
        self.today = today
        self.parts = clauses(text) or [Clause(0, len(text), text)]
        self.profile = Profile(text=text)

    def add(self, key: str, value: Any, evidence: Evidence, **kw: Any) -> None:
        if value is False and "covers_months" not in kw and evidence.start >= 0:
            # a denial covers only the window its clause names: "no biologics in the past year"
            kw["covers_months"] = denial_window(clause_at(self.parts, evidence.start).text)
        self.profile.add(Fact(key=key, value=value, evidence=evidence, **kw))

    def when(self, text: str) -> float | None:
        """How long ago (months) the text places something; "at age 26" counts from the person's age."""
        age = self.profile.value("age")
        return months_ago(text, self.today, age=float(age) if isinstance(age, int | float) else None)

    @cached_property
    def mentions(self) -> tuple[icd.ConditionMention, ...]:
        """The conditions the text names, by the vocabulary's names and codes."""
        return tuple(icd.conditions_in(self.text))

    def course(self, end: int) -> Course:
        """What the text says happened to the condition named up to `end` (ended, came back)."""
        return course_after(self.dating, end, self.mention_starts, self.today)

    @cached_property
    def mention_starts(self) -> tuple[int, ...]:
        return tuple(x.start for x in self.mentions)

    def note(self, message: str) -> None:
        if message not in self.profile.notes:
            self.profile.notes.append(message)

    def ctx(self, start: int, end: int) -> tuple[Clause, MentionContext]:
        clause = clause_at(self.parts, start)
        return clause, context_of(clause, start, end)

    @cached_property
    def drug_mentions(self) -> list[tuple[int, int, str]]:
        """The medicines the text names (`_drug_mentions`)."""
        return _drug_mentions(self.text)

    @cached_property
    def uses(self) -> list[tuple[int, int]]:
        """Where the text names medicines."""
        return [(start, end) for start, end, _ in self.drug_mentions]

    @cached_property
    def dating(self) -> str:
        """The text without the words that start or stop a medicine, which date the medicine and not a
        condition beside it (`context.without_dated_uses`)."""
        return without_dated_uses(self.text, self.uses, [(x.start, x.end) for x in self.mentions])

    def condition_ctx(self, start: int, end: int) -> tuple[Clause, MentionContext]:
        """A condition's clause, its words as `dating` has them, and its context."""
        written = clause_at(self.parts, start)
        clause = Clause(written.start, written.end, self.dating[written.start : written.end])
        return clause, context_of(clause, start, end)

    # -- demographics ------------------------------------------------------------------------
    def demographics(self) -> None:
        t = self.text
        m: re.Match[str] | None
        # an infant's age (cues.toml infant_age) last: "I'm 32 and my 4-month-old" is the writer's 32
        for pattern in (*(cue("demographics", key) for key in AGES), cue("facts", "infant_age")):
            m = pattern.search(t)
            if m:
                unit = m.group("unit") if "unit" in pattern.groupindex else None
                age = round(to_months(float(m.group(1)), unit) / 12, 4) if unit else float(m.group(1))
                if age > 0 and _plausible("age", age):
                    self.add("age", age, _ev(t, m.start(), m.end()))
                else:
                    self.note(f"age {m.group(1)} is not plausible and was not used")
                break
        female = [m for m in cue("demographics", "female").finditer(t) if not self.ctx(m.start(), m.end())[1].family]
        male = [m for m in cue("demographics", "male").finditer(t) if not self.ctx(m.start(), m.end())[1].family]
        strong_f = [m for m in female if m.group(0).lower() not in ("she", "her")]
        strong_m = [m for m in male if m.group(0).lower() not in ("he", "his")]
        pick_f, pick_m = strong_f or female, strong_m or male
        if pick_f and not strong_m:
            self.add("sex", "female", _ev(t, pick_f[0].start(), pick_f[0].end()))
        elif pick_m and not strong_f:
            self.add("sex", "male", _ev(t, pick_m[0].start(), pick_m[0].end()))
        before, after = cue("facts", "weight_change_before"), WEIGHT.p("change")  # "5 kg weight loss"
        m = next(
            (
                w
                for w in cue("demographics", "weight").finditer(t)
                if not before.search(t[max(0, w.start() - 40) : w.start()]) and not after.match(t[w.end() :])
            ),
            None,
        )  # "has lost 25 pounds" is a change of weight, not the weight
        if m:
            value = float(m.group(1))
            kg = value * KG_PER_LB if m.group(2).lower().startswith(("lb", "pound")) else value
            if _plausible("weight_kg", kg):
                self.add("weight_kg", round(kg, 1), _ev(t, m.start(), m.end()))
            else:
                self.note(f"weight {m.group(0).strip()} is not plausible and was not used")
        m = cue("demographics", "bmi").search(t)
        if m:
            self.add("bmi", float(m.group(1)), _ev(t, m.start(), m.end()))
        m = cue("demographics", "blood_pressure").search(t)
        named, anywhere = cue("demographics", "blood_pressure_named"), cue("demographics", "pressure_named")
        if m and (named.search(m.group(0)) or anywhere.search(t)):
            sys_, dia = float(m.group(1)), float(m.group(2))
            if 60 <= sys_ <= 260 and 30 <= dia <= 160:
                self.add("bp_systolic", sys_, _ev(t, m.start(), m.end()))
                self.add("bp_diastolic", dia, _ev(t, m.start(), m.end()))
        self._race()

    def _race(self) -> None:
        """The race a person states, from the groups in eligibility/data/kinds.toml ([race] groups):
        the group named is true, and the other groups false."""
        t = self.text
        named = [
            (g, m)
            for g in race_groups()
            if (m := g.patient.search(t)) is not None and not self.ctx(m.start(), m.end())[1].family
        ]
        if not named:
            return
        for group, m in named:
            self.add(f"race:{group.key}", True, _ev(t, m.start(), m.end()))
        first = named[0][1]
        for group in race_groups():
            if all(group is not g for g, _ in named):
                self.add(f"race:{group.key}", False, _ev(t, first.start(), first.end()))

    # -- labs and scores ---------------------------------------------------------------------
    def labs(self) -> None:
        t = self.text
        m: re.Match[str] | None
        for lab in measured():
            for m in _lab_value(lab.patient).finditer(t):
                if self._lab_value(lab, m):
                    break
            else:
                named = re.search(r"\b(?:" + lab.patient + r")\b", t, re.I)
                if named:
                    self._lab_words(lab.key, named)
        for uln_lab in uln_labs():
            key, names = uln_lab.key, uln_lab.patient
            named = re.search(r"\b(?:" + names + r")\b", t, re.I)
            if not named:
                continue
            tail = t[named.end() : named.end() + 80]
            evidence = _ev(t, named.start(), named.end() + len(tail.split(".")[0]))
            mult = cue("labs", "uln_multiple").match(tail)
            pair = cue("labs", "uln_pair").match(tail)
            if mult:
                self.add(key, None, evidence, detail={"uln_multiple": float(mult.group(1))})
            elif pair:
                value, uln = float(pair.group(1)), float(pair.group(2))
                self.add(key, value, evidence, detail={"uln_multiple": round(value / uln, 3)})
            elif cue("labs", "uln_normal").match(tail):
                self.add(key, None, evidence, detail={"normal": True, "uln_multiple": 1.0})
            elif cue("labs", "uln_high").match(tail):
                self.add(key, None, evidence, detail={"above_uln": True})
        if cue("labs", "liver_normal").search(t):
            m = cue("labs", "liver_named").search(t)
            assert m is not None
            for key in ("lab:alt", "lab:ast", "lab:bilirubin"):
                if not self.profile.get(key):
                    self.add(key, None, _ev(t, m.start(), m.end()), detail={"normal": True, "uln_multiple": 1.0})
        self._antibodies()
        m = cue("scores", "sledai").search(t)
        if m:
            self.add("score:sledai", float(m.group(1)), _ev(t, m.start(), m.end()))

    def _lab_value(self, lab: Lab, m: re.Match[str]) -> bool:
        """A lab's value in any unit labs.toml gives it ("Cr 124 umol/L", "WBC 12,000/mm3", "plt 90k",
        "Hb 8.9"); a bare number is read in the lab's unit or the first of its `bare` units that makes it
        plausible. A bound ("eGFR >60") or a value no unit of the lab makes plausible is not used."""
        t = self.text
        read = reported(m, t)
        value, unit = read.value, read.unit
        evidence = _ev(t, m.start(), m.end() + len(read.written))
        if m.group("op"):
            self.note(f"{lab.label} {m.group('op')}{m.group('num')} is a bound, not a value; not used")
            return True
        if cue("labs", "value_approximate").match(t[m.end() : m.end() + 4]):
            return False  # "sats in the 70s": a decade, not a value
        if lab.other_measurement(t[m.end() + len(read.written) : m.end() + len(read.written) + 40]):
            self.note(f"{lab.label} {evidence.text!r} was measured otherwise than criteria mean; not used")
            return False
        canonical = lab.patient_value(value, unit)
        if canonical is None:
            self.note(f"{lab.label} {evidence.text!r} is not a plausible value in a unit it is measured in; not used")
            return False
        _, ctx = self.ctx(m.start(), m.end())
        if ctx.family:
            return False
        self.add(lab.key, round(canonical, 4), evidence)
        return True

    def _lab_words(self, key: str, named: re.Match[str]) -> None:
        t = self.text
        tail = t[named.end() : named.end() + 40]
        if cue("labs", "value_normal").match(tail):
            self.add(key, None, _ev(t, named.start(), named.end() + 20), detail={"normal": True})

    def _antibodies(self) -> None:
        t = self.text
        m: re.Match[str] | None
        ana = cue("labs", "ana_titre").search(t)
        if ana:
            self.add("lab:ana", float(ana.group(2)), _ev(t, ana.start(), ana.end()), detail={"positive": True})
        else:
            m = cue("labs", "ana").search(t)
            if m and not self._no_result(m):
                _, ctx = self.ctx(m.start(), m.end())
                if ctx.negated:
                    self.add("lab:ana", False, _ev(t, m.start(), m.end() + 10))
                elif cue("labs", "positive_after").search(t[m.end() : m.end() + 25]) or cue(
                    "labs", "positive_before"
                ).search(t[max(0, m.start() - 20) : m.start()]):
                    self.add("lab:ana", None, _ev(t, m.start(), m.end() + 10), detail={"positive": True})
        m = cue("labs", "anti_dsdna").search(t)
        if m and not self._no_result(m):
            _, ctx = self.ctx(m.start(), m.end())
            after = t[m.end() : m.end() + 30]
            judged = cue("facts", "result").search(after)
            # named without a result: most often reported because positive; a number alone is no judgement
            if ctx.negated or judged or not re.search(r"\d", after):
                negative = ctx.negated or bool(judged and cue("facts", "result_negative").match(judged.group(0)))
                self.add("lab:anti_dsdna", not negative, _ev(t, m.start(), m.end()))
        m = cue("labs", "low_complement").search(t)
        if m:
            self.add("lab:low_complement", True, _ev(t, m.start(), m.end()))

    def _no_result(self, m: re.Match[str]) -> bool:
        """A test named without a result of the person's: a relative's ("mother has positive ANA"), or
        only ordered or awaited ("ANA and anti-dsDNA pending", "will check anti-dsDNA")."""
        clause, ctx = self.ctx(m.start(), m.end())
        return ctx.family or cue("context", "ordered").search(clause.text) is not None

    # -- diagnosis and disease state ---------------------------------------------------------
    def disease(self) -> None:
        t = self.text
        m: re.Match[str] | None
        for m in cue("lupus", "named").finditer(t):
            clause, ctx = self.condition_ctx(m.start(), m.end())
            if ctx.family:
                self.note("lupus in the family is not the patient's diagnosis")
                continue
            if cue("lupus", "not_systemic").search(clause.text):
                continue
            when = self.when(clause.text)
            since = duration_months(clause.text)
            lasting = cue("facts", "had_for").search(clause.text) or cue("facts", "named_for").match(t[m.end() :])
            if since is not None and lasting:  # "had lupus for 10 years", "SLE for 10 years"
                when = since
            year = cue("facts", "diagnosed_year").search(clause.text)
            if when is None and year is not None:  # "SLE dx 2017", "diagnosed 2017"
                when = months_ago(f"in {year.group('year')}", self.today)
            if when is None and cue("time", "since").search(clause.text):
                when = months_ago(clause.text.replace("since", "in"), self.today)
            if cue("lupus", "newly_diagnosed").search(clause.text) and when is None:
                when = 1.0
            if ctx.hypothetical and not cue("lupus", "diagnosis_word").search(clause.text):
                continue
            self.add("dx:sle", not ctx.negated, clause_evidence(clause_at(self.parts, m.start())), when_months=when)
            break
        # the words below speak of lupus in a text about lupus, or in one that names no condition ("in
        # remission", an answer); not "dyslipidemia, which is under control", "mastocytosis with flares"
        lupus = self.profile.get("dx:sle") is not None or cue("lupus", "named").search(t) is not None
        for m in self._of_lupus(cue("lupus", "refractory"), lupus):
            clause, ctx = self.ctx(m.start(), m.end())
            if not ctx.family:
                self.add("refractory", True, clause_evidence(clause))
                break
        else:
            m2 = _unnegated(self._of_lupus(cue("lupus", "refractory_not"), lupus), t)
            if m2:
                self.add("refractory", False, clause_evidence(self.ctx(m2.start(), m2.end())[0]))
        m = next(iter(self._of_lupus(cue("lupus", "active"), lupus)), None)
        if m and not self.ctx(m.start(), m.end())[1].negated:
            self.add("active_sle", True, _ev(t, m.start(), m.end()))
        else:
            m = _unnegated(self._of_lupus(cue("lupus", "active_not"), lupus), t)
            if m:
                self.add("active_sle", False, _ev(t, m.start(), m.end()))
        self._sledai_activity()

    def _of_lupus(self, pattern: re.Pattern[str], lupus: bool) -> list[re.Match[str]]:
        """The matches of a lupus-activity pattern that may speak of lupus: any in a text that names it, or
        in an answer that names no condition and no person ("in remission"); none in a note about someone
        that never names lupus ("A 49-year-old man with mild dyslipidemia, which is under control")."""
        answer = not self.mentions and self.profile.get("age") is None
        return list(pattern.finditer(self.text)) if lupus or answer else []

    def _sledai_activity(self) -> None:
        """A SLEDAI score says whether lupus is active when the words do not."""
        sledai = self.profile.get("score:sledai")
        if sledai is not None and self.profile.get("active_sle") is None:
            self.add("active_sle", float(sledai.value) >= 4, sledai.evidence)

    # -- medicines -----------------------------------------------------------------------------
    def medicines(self) -> None:
        t = self.text
        seen: set[str] = set()
        mentions = self.drug_mentions
        self._drug_offsets = sorted(start for start, _, _ in mentions)
        for start, end, name in mentions:
            clause, ctx = self.ctx(start, end)
            if ctx.family:
                continue
            if cue("facts", "allergy_before").search(clause.text[: start - clause.start]):
                continue  # an allergy, not a treatment
            if cue("medicines", "of_a_trial").match(t[end : end + 12]):
                continue  # "the IL-2 study": the trial's drug, not the patient's
            piece = segment(clause, start, end, self._drug_offsets)
            self._medicine(name, piece, ctx, start, end, clause, again=name in seen)
            seen.add(name)
        for name in DRUG_CLASSES:
            for m in cue("drug_classes", name).finditer(t):
                clause, ctx = self.ctx(m.start(), m.end())
                if ctx.negated and cue("regimen", "class_denied").search(clause.text):
                    iv_only = name == "corticosteroid" and cue("regimen", "route_iv").search(clause.text)
                    high_only = name == "corticosteroid" and cue("regimen", "high_dose").search(clause.text)
                    detail: dict[str, Any] = {"route": "iv"} if iv_only else ({"high_dose": True} if high_only else {})
                    if cue("medicines", "other_before").search(t[max(0, m.start() - 20) : m.start()]):
                        detail["other"] = True  # "rituximab 8 months ago, no other biologics": all but the one named
                    self.add(f"prior:class:{name}", False, clause_evidence(clause), detail=detail)
                    if name == "corticosteroid" and not detail:
                        self.add("med:prednisone", False, clause_evidence(clause))
                    break
        for klass in vocabulary().drug_classes:
            if not klass.found_in(t):
                continue  # one joined search per class: most notes name none
            for m in (m for p in klass.patterns for m in p.finditer(t)):
                clause, ctx = self.ctx(m.start(), m.end())
                if cue("facts", "allergy_before").search(clause.text[: m.start() - clause.start]):
                    continue  # an allergy to the class, not a treatment with it
                if not cue("regimen", "class_taken_before").search(clause.text[: m.start() - clause.start]):
                    continue  # "steroids were discussed", "refused steroids": no use said
                if cue("regimen", "class_not_use_after").match(t, m.end()):
                    continue  # "steroid-induced hyperglycemia", "steroid-naive"
                piece = segment(clause, m.start(), m.end(), self._drug_offsets)
                self._class_use(klass.name, piece, ctx, m.start(), m.end(), clause)
                break
        self._stability()

    def _medicine(
        self,
        drug: str,
        clause: Clause,
        ctx: MentionContext,
        start: int,
        end: int,
        whole: Clause | None = None,
        *,
        again: bool = False,
    ) -> None:
        """The facts of one mention of a drug. A later mention of a drug already read (`again`) is read only
        when it says something newer: a use now or more recent than the one read ("Prednisone was stopped in
        2019. Restarted prednisone 10 mg last month"), a stop of a current use, or a use after a denial (said
        both ways: asked). One that says no more ("no prednisone toxicity", an older course) adds nothing."""
        clause, whole, text = self._use_context(clause, whole, start)
        earlier = self.profile.get(f"prior:{drug}") if again else None
        ev = clause_evidence(clause)
        stops_current = earlier is not None and earlier.value is True and earlier.current
        if ctx.negated and earlier is not None and not (stops_current and cue("medicines", "stopped").search(text)):
            return
        if ctx.negated:
            if cue("medicines", "stopped").search(text) or cue("medicines", "off").search(text):
                route = _route(text)
                self.add(f"med:{drug}", False, ev)
                self.add(
                    f"prior:{drug}", True, ev, when_months=self.when(text), detail={"route": route} if route else {}
                )
            else:
                self.add(f"prior:{drug}", False, ev)
                self.add(f"med:{drug}", False, ev)
            return
        if ctx.hypothetical:
            return
        use = self._use(clause, whole, text, start, end)
        if earlier is not None and not _newer(use, earlier):
            return
        if use.current:
            self.add(
                f"med:{drug}",
                use.dose,
                ev,
                current=True,
                when_months=0.0,
                detail=use.detail
                | ({"started_months": use.started} if use.started is not None else {})
                | ({"since_months": use.since} if use.since is not None else {}),
            )
            self.add(f"prior:{drug}", True, ev, when_months=0.0, current=True, detail=use.detail)
        else:
            self.add(f"prior:{drug}", True, ev, when_months=use.when, current=False, detail=use.detail)
        if use.started is not None:
            self.add("new_medicine", True, ev, when_months=use.started)

    def _class_use(self, name: str, clause: Clause, ctx: MentionContext, start: int, end: int, whole: Clause) -> None:
        """A class of medicines named as taken ("on immunosuppressive medications", "steroids in 2019"):
        `prior:class:NAME`, with when and how it was given but no dose (a class has no dose of its own)."""
        if ctx.negated or ctx.hypothetical or ctx.family:
            return  # denials of a class are read with their own words (`medicines`)
        clause, shared, text = self._use_context(clause, whole, start)
        use = self._use(clause, shared, text, start, end)
        detail = {k: v for k, v in use.detail.items() if k != "mg_day"}
        ev = clause_evidence(clause)
        if use.current:
            self.add(f"prior:class:{name}", True, ev, when_months=0.0, current=True, detail=detail)
        else:
            self.add(f"prior:class:{name}", True, ev, when_months=use.when, current=False, detail=detail)
        if use.started is not None:
            self.add("new_medicine", True, ev, when_months=use.started)  # "started steroids last week"

    def _use_context(self, clause: Clause, whole: Clause | None, start: int) -> tuple[Clause, Clause | None, str]:
        """A medicine's piece and clause, without the pieces that date a diagnosis, and its use words."""
        clause = _undiagnosed(clause, start)
        whole = None if whole is None else _undiagnosed(whole, start)
        return clause, whole, self._use_words(clause, whole)

    def _use_words(self, clause: Clause, whole: Clause | None) -> str:
        """The words that say how a medicine of `clause` is taken: its own piece, or the whole clause's when
        the piece says nothing of use or time, with a next clause that only says when it ended."""
        text = clause.text
        if whole is not None and not cue("medicines", "any").search(text):
            text = whole.text  # "hydroxychloroquine and mycophenolate for the past year": cues are shared
        follow = self._following(whole or clause)
        if follow is not None and self.when(text) is None:
            text = f"{text} {follow.text}"  # "I had belimumab infusions but stopped 8 months ago"
        return text

    def _use(self, clause: Clause, whole: Clause | None, text: str, start: int, end: int) -> _Use:
        """How a medicine named at [start, end) in `text` (its clause's words, with what says when) is taken:
        now or when, the dose written after it, how it is given, since when."""
        when = self.when(text)
        route = "local" if self._used_locally(clause, start, end) else _route(text)
        written = self._dose(end, (whole or clause).end)
        dose = None if written is None else written.mg_day
        past = bool(cue("medicines", "past").search(text))
        current = bool(cue("medicines", "current").search(text))
        if cue("medicines", "ongoing").search(text) and (
            duration_months(text) is not None or cue("time", "since").search(text)
        ):
            current, past = True, False  # "mycophenolate for the past year", "since 4 months ago": ongoing
        if written is not None and not past:
            current = True  # "HCQ 400 + pred 7.5": a dose written without a past word is a medicine taken now
        started = when if cue("regimen", "started").search(text) else None
        if started is not None:
            current, past = True, False  # "started MMF 2 weeks ago": taken since then
        if cue("regimen", "dose_changed").search(text):
            current, past = True, False  # "doubled his oral corticosteroids in the past week": still taken
        if cue("medicines", "stopped").search(text):
            current = False
        detail: dict[str, Any] = {}
        if route:
            detail["route"] = route
        if dose is not None:
            detail["mg_day"] = dose
        if current and not (past and when is not None and not cue("time", "now").search(text)):
            since = duration_months(text)
            if since is None and cue("time", "since").search(text):
                since = when  # "on MMF since 2019": taken from then to now
            return _Use(True, when, dose, detail, started, since)
        return _Use(False, when, dose, detail, started, None)

    def _following(self, clause: Clause) -> Clause | None:
        """The next clause when it only says when the treatment ended ('but stopped 8 months ago')."""
        later = [c for c in self.parts if c.start >= clause.end]
        if later and cue("regimen", "ended_next").match(later[0].text):
            return later[0]
        return None

    def _used_locally(self, piece: Clause, start: int, end: int) -> bool:
        """Whether the words right beside a medicine's name say it is used on the skin, inhaled or dropped in
        ("hydrocortisone 1% cream", "inhaled fluticasone"; note_words.toml [regimen] route_local), within its
        piece and up to a comma or a list word, and no words beside it say it is swallowed or infused."""
        between = cue("regimen", "route_break")
        before = between.split(self.text[max(piece.start, start - _BESIDE) : start])[-1]
        after = between.split(self.text[end : min(piece.end, end + _BESIDE)])[0]
        beside = f"{before} {after}"
        return bool(cue("regimen", "route_local").search(beside)) and not cue("regimen", "route_oral").search(beside)

    def _dose(self, end: int, limit: int) -> Dose | None:
        """The dose written right after a drug's name, up to the next drug named or the clause's end."""
        nxt = next((o for o in self._drug_offsets if o >= end), limit)
        return dose_after(self.text[end : min(nxt, limit)], bare=True)

    def _stability(self) -> None:
        for clause in self.parts:
            text = clause.text
            if not cue("regimen", "about_doses").search(text):
                continue
            stable_word = cue("regimen", "unchanged").search(text)
            changed = cue("regimen", "changed").search(text)
            denied = cue("regimen", "changed_denied")
            if changed and not (stable_word and denied.search(text[: changed.start()])):
                when = self.when(text)
                if when is not None:
                    self.add("meds_stable_months", when, clause_evidence(clause))
                    return
            if stable_word:
                since = duration_months(text) or months_ago(text.replace("since", "in"), self.today)
                if since is not None:
                    self.add("meds_stable_months", since, clause_evidence(clause))
                    return
        meds = [f for k in self.profile.keys_with_prefix("med:") for f in self.profile.facts[k] if f.value is not False]
        spans = [float(f.detail["since_months"]) for f in meds if f.detail.get("since_months") is not None]
        if spans and len(spans) == len(meds):
            self.add("meds_stable_months", min(spans), meds[0].evidence)

    # -- conditions ----------------------------------------------------------------------------
    def conditions(self) -> None:
        t = self.text
        for concept in concepts():
            for pattern in concept.patterns:
                hits = list(pattern.finditer(t))
                if not hits:
                    continue
                for m in hits:
                    clause, ctx = self.condition_ctx(m.start(), m.end())
                    if ctx.family:
                        self.note(f"{concept.key.replace('_', ' ')} in the family is not the patient's history")
                        continue
                    if ctx.hypothetical and not ctx.denied:
                        self.note(f"{concept.key.replace('_', ' ')}: only a possibility, not counted")
                        continue
                    if concept.key == "lupus_fever" and cue("lupus", "fever_other_cause").search(clause.text):
                        continue
                    if ctx.denied and concept.kind_named_at(t, m.start(), m.end(), negation_end(clause, m.start())):
                        continue  # "denies type 2 diabetes", "no skin cancer" do not deny every diabetes or cancer
                    if ctx.denied and pattern not in concept.naming_patterns:
                        continue  # "No DVT" denies a kind of thrombosis (its code says so), not a pulmonary embolism
                    if ctx.denied and named_at(t, m.start(), m.end()):
                        continue  # "no squamous cell carcinoma" denies one histology, not every cancer
                    self._condition(concept.key, clause, ctx, m)
                break

    def blanket_denials(self) -> None:
        """'No serious or chronic infections', 'no infections': the patient denies the whole group."""
        for m in cue("conditions", "no_infections").finditer(self.text):
            clause = clause_at(self.parts, m.start())
            for key in ("serious_infection", "chronic_infection", "infection_hospitalization", "iv_antibiotics"):
                if self.profile.get(f"cond:{key}") is None or key != "chronic_infection":
                    self.add(f"cond:{key}", False, clause_evidence(clause))

    def _condition(self, key: str, clause: Clause, ctx: MentionContext, m: re.Match[str]) -> None:
        text = clause.text
        detail: dict[str, Any] = {}
        if key == "cancer":
            kind = next((k for k in CANCER_KINDS if cue("conditions", k).search(text)), None)
            if kind is not None:
                detail["subtype"] = kind.removeprefix("cancer_")
        histology = named_at(self.dating, m.start(), m.end())
        if histology:
            detail["histology"] = list(histology)  # "adenocarcinoma of the colon": a cancer of one histology
        if key == "heart_failure":
            nyha = cue("scores", "nyha").search(text)
            if nyha:
                raw = nyha.group(1).upper()
                detail["nyha_class"] = {"I": 1, "II": 2, "III": 3, "IV": 4}.get(raw) or int(raw)
        # "non-smoker", "nonsmoker": the prefix denies it
        prefixed = cue("context", "negated_prefix").search(self.dating, max(0, m.start() - 5), m.start()) is not None
        denied = ctx.denied or prefixed or m.group(0).lower().startswith("non")
        course = self.course(m.end()) if not denied else Course()
        # "breast cancer 2015, now in remission": the time words before the ending date it
        ended_at = course.ended_at if course.ended and course.ended_at is not None else clause.end
        when = self.when(self.dating[clause.start : min(clause.end, ended_at)])
        recent = when is not None and when <= 1.0 and not course.ended  # "last week": still active
        # "on dialysis since March": it started then and goes on
        ongoing = when is not None and cue("medicines", "ongoing").search(text) is not None
        ongoing = ongoing and not (ctx.past or ctx.historical)
        ongoing = ongoing or had_so_long(self.dating, clause, m.start(), m.end(), [m.span()])
        visit = at_the_visit(self.dating, clause, m.start(), when, ctx.historical)
        now = ((ctx.current or recent or ongoing or visit) and not course.ended and not ctx.ended) or course.goes_on
        began = not denied and not now and when is not None and diagnosed_then(self.dating, clause, m.start(), m.end())
        if began:
            detail["began_months"] = when  # "melanoma diagnosed last year": it began then; does it go on?
        current = None if denied or began else (now or (when is None and not ctx.historical and not ctx.ended))
        if course.ended:
            current = False  # "in remission since 2011": active until then
            if course.ended_months is not None:
                when = course.ended_months if when is None else min(when, course.ended_months)
        elif course.goes_on or (course.recurred and now):  # "not in remission", "relapsed 2008, now on ..."
            when, current = 0.0, True
        elif course.recurred:  # it was last active when it came back; whether it goes on is not said
            came = course.recurred_months
            when, current = (came if when is None or came is None else min(when, came)), None
            detail.pop("began_months", None)
            if when is not None:
                detail["began_months"] = when
        if when is None and current:
            when = 0.0
        extra: dict[str, Any] = {}
        known = concept_of(key)
        if denied and known is not None and known.habit:  # "does not smoke": now only
            extra["covers_months"] = denial_covers(text, habit=True)
        self.add(
            f"cond:{key}",
            not denied,
            clause_evidence(clause_at(self.parts, clause.start)),
            when_months=when,
            current=current,
            detail=detail,
            **extra,
        )

    # -- pregnancy, trials, allergies --------------------------------------------------------------
    def reproductive(self) -> None:
        t = self.text
        m: re.Match[str] | None
        m = cue("reproductive", "not_childbearing").search(t)
        if m and not self.ctx(m.start(), m.end())[1].family:
            self.add("childbearing", False, _ev(t, m.start(), m.end()))
        of_condition = [m.span() for m in cue("reproductive", "pregnancy_of_condition").finditer(t)]
        for m in cue("reproductive", "pregnant").finditer(t):
            clause, ctx = self.ctx(m.start(), m.end())
            if ctx.family or ctx.anchor:
                continue  # a relative's, or only a date ("prior to her pregnancy")
            if any(a <= m.start() < b for a, b in of_condition):
                self.note("a condition of a pregnancy says nothing of whether she is pregnant now; not used")
                continue
            if ctx.past:
                self.note("a past pregnancy (or its denial) says nothing of now; not used")
                continue
            if ctx.hypothetical and not ctx.negated:
                self.note("pregnancy: only a possibility; it stays a question")
                continue
            if (
                cue("reproductive", "pregnancy_tried").search(clause.text)
                and not ctx.negated
                and not cue("reproductive", "pregnancy_now").search(clause.text)
            ):
                continue
            self.add("pregnant", not ctx.negated, clause_evidence(clause))
        self._gestation()
        self._menopause()
        for m in cue("reproductive", "breastfeeding").finditer(t):
            clause, ctx = self.ctx(m.start(), m.end())
            if not ctx.family and not ctx.hypothetical and not ctx.anchor and not ctx.past:
                self.add("breastfeeding", not ctx.negated, clause_evidence(clause))
                break
        birth = cue("facts", "postpartum").search(t)
        if birth and self.profile.get("pregnant") is None:
            clause, ctx = self.ctx(birth.start(), birth.end())
            ago = self.when(clause.text)
            recent = (ago is not None and ago <= POSTPARTUM_MONTHS) or "partum" in birth.group(0).lower()
            if recent and not (ctx.family or ctx.negated or ctx.hypothetical):
                # gave birth weeks ago: not pregnant now
                self.add("pregnant", False, clause_evidence(clause), current=True)
        plan = cue("facts", "pregnancy_plan").search(t)
        if plan:
            clause, ctx = self.ctx(plan.start(), plan.end())
            if not ctx.family:  # a plan is hypothetical by its nature: only a denial or a family member's matters
                self.add("pregnancy_plan", not ctx.negated, clause_evidence(clause))
        for m in cue("reproductive", "contraception").finditer(t):
            clause, ctx = self.ctx(m.start(), m.end())
            unwilling = bool(cue("reproductive", "unwilling").search(clause.text))
            if ctx.negated and not unwilling:
                # "doesn't use any contraceptive methods": not now, which is not a refusal to use it in a study
                self.note("contraception not used now says nothing of using it during a study; it stays a question")
                continue
            self.add("contraception", not unwilling, clause_evidence(clause))
            break

    def _gestation(self) -> None:
        """'at 11 weeks gestation', '32 weeks pregnant': pregnant now, and that many weeks along."""
        for m in cue("facts", "gestation").finditer(self.text):
            clause, ctx = self.ctx(m.start(), m.end())
            if ctx.family or ctx.negated or ctx.hypothetical or ctx.past:
                continue
            if cue("facts", "gestation_not_now").search(self.text[max(0, m.start() - 40) : m.start()]):
                continue  # "born at 38 weeks gestation": a birth, not a pregnancy
            stop = sentence_end(self.text, m.end(), through_semicolons=True)
            if cue("facts", "gestation_not_now_after").search(self.text, m.end(), stop):
                continue  # "seen at 32 weeks gestation ... and delivered by C-section"
            weeks = float(m.group("weeks") or m.group("weeks2"))
            if not _plausible("gestational_age", weeks):
                continue
            if not self.profile.facts.get("pregnant"):  # else the text's own words on it stand
                self.add("pregnant", True, clause_evidence(clause), current=True, when_months=0.0)
            self.add("gestational_age", weeks, _ev(self.text, m.start(), m.end()), current=True)
            return

    def _menopause(self) -> None:
        """Whether her periods have stopped for good ('postmenopausal', 'menopause at 52'; 'premenopausal',
        'regular menses', 'LMP 8 weeks ago'), and how long ago the last one was. A last period within
        the twelve months menopause is defined by means she is not postmenopausal."""
        for name, after in (("menopause_post", True), ("menopause_before", False), ("menses_now", False)):
            for m in cue("facts", name).finditer(self.text):
                clause, ctx = self.ctx(m.start(), m.end())
                if ctx.family or ctx.hypothetical or (ctx.historical and not after):
                    continue  # a relative's; "history of heavy menses" says nothing of now
                if ctx.negated and not (after and cue("facts", "menopause_denied").search(clause.text)):
                    continue  # "no menses": a time without periods (read below); "denies postmenopausal bleeding"
                if self.profile.get(MENOPAUSE) is None:
                    self.add(MENOPAUSE, after != ctx.negated, clause_evidence(clause))
                break
        months, evidence = self._since_period()
        if months is None or evidence is None or not _plausible(SINCE_PERIOD, months):
            return
        self.add(SINCE_PERIOD, months, evidence)
        if months < MENOPAUSE_MONTHS and self.profile.get(MENOPAUSE) is None:
            self.add(MENOPAUSE, False, evidence)

    def _since_period(self) -> tuple[float | None, Evidence | None]:
        """How long ago her last period was: 'last menstrual period was 10 weeks ago', '12 weeks of
        amenorrhea', 'menopause at 50' (with her age)."""
        t = self.text
        m = cue("facts", "last_period").search(t)
        if m:
            clause, ctx = self.ctx(m.start(), m.end())
            if not (ctx.family or ctx.hypothetical):
                return self.when(t[m.end() : sentence_end(t, m.end())]), clause_evidence(clause)
        m = cue("facts", "amenorrhea").search(t)
        if m:
            clause, ctx = self.ctx(m.start(), m.end())
            if not (ctx.family or ctx.hypothetical or ctx.negated or ctx.past or ctx.historical):
                num, unit = m.group("num") or m.group("num2"), m.group("unit") or m.group("unit2")
                return round(to_months(number(num), unit), 2), clause_evidence(clause)
        m = cue("facts", "menopause_age").search(t)
        age = self.profile.value("age")
        if m and self.ctx(m.start(), m.end())[1].family:
            m = None  # "her mother had menopause at 45"
        if m and isinstance(age, int | float) and age >= int(m.group("age")):
            return float((age - int(m.group("age"))) * 12), _ev(t, m.start(), m.end())
        return None, None

    def trials_and_allergies(self) -> None:
        t = self.text
        m: re.Match[str] | None
        for m in cue("history", "trial").finditer(t):
            clause, ctx = self.ctx(m.start(), m.end())
            if cue("facts", "trial_sought").search(clause.text) and not cue("facts", "trial_taken").search(clause.text):
                continue  # "any trials for me?": a trial looked for, not one taken part in
            if ctx.hypothetical and not ctx.negated:
                continue
            self.add("trial", not ctx.negated, clause_evidence(clause), when_months=self.when(clause.text))
            break
        m = cue("history", "no_allergy").search(t)
        if m is not None:
            self.add("allergy:none", True, _ev(t, m.start(), m.end()))
        for m in cue("facts", "allergy").finditer(t):
            clause, ctx = self.ctx(m.start(), m.end())
            rest = clause.text[m.end() - clause.start :]
            for name in dict.fromkeys(name for _, _, name in _drug_mentions(rest)):  # every drug the vocabulary knows
                self.add(f"allergy:{name}", not ctx.negated, clause_evidence(clause))
            for klass in vocabulary().drug_classes:
                if klass.found_in(rest):
                    self.add(f"allergy:{klass.name}", not ctx.negated, clause_evidence(clause))

    def participation(self) -> None:
        """Consent to take part and following the protocol: "will provide informed consent, and will comply
        with the trial protocol", "unable to give consent", "non-adherent". A negation before a yes-cue
        ("does not consent to participate") makes it no; a relative's words are not the patient's."""
        for key, yes, no in (("consent", "consent", "consent_refused"), ("compliance", "compliance", "noncompliance")):
            found = self._stated(cue("facts", no), negative=True)
            if found is None:
                found = self._stated(cue("facts", yes), negative=False)
            if found is not None:
                value, clause = found
                self.add(key, value, clause_evidence(clause))

    def _stated(self, pattern: re.Pattern[str], negative: bool) -> tuple[bool, Clause] | None:
        for m in pattern.finditer(self.text):
            clause, ctx = self.ctx(m.start(), m.end())
            if ctx.family or (ctx.hypothetical and not ctx.negated):
                continue
            return (ctx.negated if negative else not ctx.negated), clause
        return None

    def derived(self) -> None:
        """Facts that follow from others: on standard therapy, a stable regimen."""
        standard = []
        for key in self.profile.keys_with_prefix("med:"):
            fact = self.profile.get(key)
            term = vocabulary().drug(key[4:])
            if fact is None or fact.value is False or term is None:
                continue
            if {"antimalarial", "corticosteroid", "immunosuppressant"} & set(term.classes):
                standard.append(fact)
        if standard and self.profile.get("standard_treatment") is None:
            self.add("standard_treatment", True, standard[0].evidence, current=True, when_months=0.0)
        volunteer = cue("facts", "healthy_volunteer").search(self.text)
        if volunteer and not self.ctx(volunteer.start(), volunteer.end())[1].negated:
            self.add("healthy_volunteer", True, _ev(self.text, volunteer.start(), volunteer.end()))
        stable = self.profile.get("meds_stable_months")
        if stable is not None and self.profile.get("stable_regimen") is None:
            self.add("stable_regimen", float(stable.value) >= 1.0, stable.evidence)
            if self.profile.get("new_medicine") is None:
                self.add("new_medicine", False, stable.evidence, when_months=float(stable.value))
        self._classified()

    def _classified(self) -> None:
        """A disease the note never names, classified by a published standard from the findings it gives
        (eligibility/classification.py): its code and diagnosis facts, citing the stretch of the note
        the findings lie in, with the standard and the findings in their detail."""
        for found in classify(self.profile, (code for m in self.mentions for code in m.codes)):
            standard = found.standard
            spans = [f.evidence for _, f in found.found if f.evidence.start >= 0]
            if not spans:
                continue
            start, end = min(e.start for e in spans), max(e.end for e in spans)
            evidence = Evidence(text=self.text[start:end].strip(), start=start, end=end)
            detail: dict[str, Any] = {"classified": standard.name, "findings": found.findings}
            self.add(f"dx:{standard.disease}", True, evidence, detail=dict(detail))
            findings = ", ".join(found.findings)
            words = f"findings that meet the {standard.name} criteria for {standard.disease.upper()} ({findings})"
            codes = {"codes": [standard.code], "words": words}
            # the findings are not dated as a diagnosis is: when it began, and whether it goes on, is open
            self.add(f"icd:{standard.code}", True, evidence, detail=detail | codes)


def _unnegated(matches: list[re.Match[str]], text: str) -> re.Match[str] | None:
    """The first match not taken back by the words right before it ("not in remission", "never
    controlled"; `ended_not` in cues.toml)."""
    for m in matches:
        if cue("context", "ended_not").search(text[max(0, m.start() - 30) : m.start()]) is None:
            return m
    return None


def read_patient(text: str, today: date | None = None) -> Profile:
    """The typed profile a patient's (or a referral note's) text states."""
    today = today or date.today()
    if len(text) > MAX_TEXT:
        profile = read_patient(text[:MAX_TEXT], today)
        profile.notes.append(f"only the first {MAX_TEXT} characters were read")
        return profile
    reader = _Reader(text, today)
    if not text.strip():
        return reader.profile
    reader.demographics()
    reader.labs()
    reader.disease()
    reader.medicines()
    reader.blanket_denials()
    reader.conditions()
    measured = findings.mentions(reader.profile)  # "T 38.9": a fever, dated as its words date it
    named = sorted([*reader.mentions, *measured], key=lambda m: m.start)
    read_conditions(reader.profile, text, today, named, defined=measured, uses=reader.uses)
    findings.add_absent(reader.profile, text)
    add_bounds(reader.profile)
    add_induced(reader.profile)
    reader.reproductive()
    reader.trials_and_allergies()
    reader.participation()
    reader.derived()
    return reader.profile


@dataclass(frozen=True)
class _Use:
    """How a medicine is taken, as its words say (`_Reader._use`)."""

    current: bool
    when: float | None  # months ago (the last use, or when it started)
    dose: float | None  # mg a day
    detail: dict[str, Any]
    started: float | None  # started this many months ago ("started MMF 2 months ago")
    since: float | None  # taken for this many months, to now


def _route(text: str) -> str | None:
    """How the medicine was given, when the words say: "iv", "injection", or None."""
    if cue("regimen", "route_iv").search(text):
        return "iv"
    return "injection" if cue("regimen", "route_injection").search(text) else None


def _newer(use: _Use, earlier: Fact) -> bool:
    """Whether a use says more than the one read before: any use after a denial (said both ways), a use now
    or a more recent one after a past use."""
    if earlier.value is not True:
        return True
    if earlier.current:
        return False
    return use.current or (use.when is not None and (earlier.when_months is None or use.when < earlier.when_months))


def _undiagnosed(clause: Clause, start: int) -> Clause:
    """The clause with blanks for its comma-separated pieces that date a diagnosis and do not hold the
    medicine at `start`: in "Breast cancer diagnosed 2 years ago, on letrozole" the two years are the
    cancer's, not the letrozole's, which is taken now."""
    text = clause.text
    for a, b in comma_pieces(clause.text):
        if clause.start + a <= start < clause.start + b:
            continue
        words = clause.text[a:b]
        if cue("context", "diagnosis").search(words) and not (
            cue("medicines", "stopped").search(words) or cue("medicines", "off").search(words)
        ):  # "stopped at diagnosis of pneumonia 1 month ago" is when the medicine ended
            text = text[:a] + " " * (b - a) + text[b:]
    return clause if text == clause.text else Clause(clause.start, clause.end, text)
