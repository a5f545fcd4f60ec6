"""Answers computed over every indexed trial from its typed readings, not from the closest passage.

The question is turned into a hypothetical person (`Probe`): "older than 65" is a person of 66,
"pregnant or breastfeeding women" a pregnant woman and a breastfeeding one, "the highest daily
prednisone dose" a person taking prednisone at a dose found by bisection. Each criterion's compiled
rule decides for that person; the criteria that rule the person out are quoted verbatim, with their
trial and chunk. Every indexed trial is gone through, so a list is complete over the index (a trial
whose rules say nothing of it is named as such, never left out silently).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from eligibility.compiler import CompiledCriterion
from eligibility.facts import Profile
from eligibility.patient import profile_from_facts
from eligibility.rules import MET, NOT_MET, Age, Ask, DoseCap, Rule
from retrieval.citations import NOT_IN_TEXTS, Answer, Citation
from retrieval.language import Span, mentions, words
from trialscreen.errors import TrialscreenError
from trialscreen.model import Criterion, Trial
from trialscreen.vocabulary import vocabulary

Compiled = Callable[[str], list[CompiledCriterion]]
ChunkOf = Callable[[Trial, int, int], str]
MAX_DOSE = 5000.0  # mg/day: above any daily dose a criterion caps
# doses tried first; the limit is then found by bisection up to the next
_GRID = (0.5, 1, 2, 2.5, 5, 7.5, 10, 12.5, 15, 20, 25, 30, 40, 50, 60, 80, 100, 150, 200, 300, 500, 1000, 2000)


@dataclass(frozen=True)
class Probe:
    """A hypothetical person: the facts that say what the question is about, and how to say it."""

    facts: dict[str, Any]
    words: str


@dataclass
class Ruling:
    """One trial's criteria that rule a probe out (`out`), and those that speak to it without ruling
    it out (`fits`: met, or not met for an exclusion)."""

    trial: Trial
    out: list[Criterion] = field(default_factory=list)
    fits: list[Criterion] = field(default_factory=list)


def _rules_out(criterion: Criterion, status: str) -> bool:
    return status == (NOT_MET if criterion.kind == "inclusion" else MET)


def _reading(cc: CompiledCriterion) -> Rule | None:
    """What a criterion's own words say: its rule, or for a criterion asked as it stands because it
    is one of several alternatives or partly understood, the part of it that was read ("up to 40
    mg/day" in one of the regimens a trial accepts)."""
    rule = cc.rule
    if isinstance(rule, Ask) and rule.understood is None and rule.partial is not None:
        return rule.partial
    return rule


def rule(trial: Trial, compiled: list[CompiledCriterion], profile: Profile) -> Ruling:
    """How each criterion decides for this person, against how it decides for a person who says
    nothing (a criterion whose decision does not change does not speak to the probe)."""
    empty = Profile()
    found = Ruling(trial)
    for criterion, cc in zip(trial.criteria, compiled, strict=True):
        read = _reading(cc)
        if read is None or cc.team:
            continue
        status = read.evaluate(profile).status
        if status != read.evaluate(empty).status:
            (found.out if _rules_out(criterion, status) else found.fits).append(criterion)
        elif any(p.evaluate(profile).status != p.evaluate(empty).status for p in _parts(read)[1:]):
            found.fits.append(criterion)  # a part speaks to it ("age 18 to 75, weight 45-80 kg")
    return found


# -- reading the question -------------------------------------------------------------------------


def age_probe(question: str) -> Probe | None:
    """The age a question asks about ("older than 65": 66), unless it is about something measured
    ("a BMI over 30") or names a lab or score."""
    w = words()
    if any(m.search(question) for m in w.measures) or any(
        not m.key.startswith(("cond:", "class:")) for m in mentions(question)
    ):
        return None
    for pattern, shift in w.ages:
        m = pattern.search(question)
        if m:
            age = int(m.group("n")) + shift
            return Probe({"age": age}, f"a person of {age}")
    return None


def state_probes(question: str) -> list[Probe]:
    """The states of a person a question names ("pregnant", "breastfeeding"), as people. Conditions
    are left to the passages: criteria state many of them as lab values ("IgA level < 10 mg/dL"),
    which a condition fact does not reach."""
    out = [Probe(dict(s.facts), s.words) for s in words().states if s.pattern.search(question)]
    return list({repr(p.facts): p for p in out}.values())


def person_probes(question: str) -> list[Probe]:
    """The people a question names by a measure ("pts weighing over 300 lbs": a person of 136.5 kg)."""
    out = []
    for person in words().persons:
        found = person.value(question)
        if found is not None:
            out.append(Probe({person.key: found[0]}, found[1]))
    return out


def lab_probes(question: str) -> list[Probe]:
    """The people a question names by a lab value ("pts with CrCl or eGFR under 30": a person with a
    creatinine clearance just under 30), one step (1%) past the bound, in the lab's own unit."""
    out: dict[str, Probe] = {}
    for m in mentions(question):
        if not m.key.startswith("lab:") or m.key in out:
            continue
        said = words().lab_value.match(question[m.end :])
        if said is None:
            continue
        n = float(said.group("n"))
        step = max(abs(n) * 0.01, 0.01)
        value = n + step if said.group("more") else n - step
        what = question[m.start : m.end + said.end()].strip()
        facts = {m.key: round(value, 3)}
        try:
            profile_from_facts(dict(facts))
        except TrialscreenError:
            continue  # not a value of the lab in its own unit ("platelets below 50000" per µL): the passages answer
        out[m.key] = Probe(facts, f"a person with {what}")
    return list(out.values())


def exclusion_probes(question: str) -> list[Probe]:
    """The people a "which trials exclude ..." question names: one who took the drug it names a
    short while ago (a ban within any window, or ever, rules them out), or who has the condition."""
    out = []
    drugs = vocabulary().drugs_in(question)
    if len(drugs) == 1:
        name = drugs[0].name
        out.append(Probe({f"prior:{name}": {"value": True, "months_ago": 0.1}}, f"recent {name}"))
    for m in mentions(question):
        if m.key.startswith("cond:"):
            out.append(Probe({m.key: True}, m.label))
    return out


def dosed_drug(question: str) -> str | None:
    """The drug whose daily dose a comparing question asks about ("the highest daily prednisone dose")."""
    w = words()
    if not w.dose.search(question) or not (w.highest.search(question) or w.lowest.search(question)):
        return None
    drugs = vocabulary().drugs_in(question)
    return drugs[0].name if len(drugs) == 1 else None


def capped_at(question: str) -> tuple[str, float, bool] | None:
    """A daily dose of one drug the question compares the trials' caps with, and the side: ("which
    trials cap pred at 10mg/day or less?": prednisone, 10, at most)."""
    w = words()
    if not w.dose.search(question):
        return None
    drugs = vocabulary().drugs_in(question)
    if len(drugs) != 1:
        return None
    for m in w.cap_value.finditer(question):
        less, more = m.group("less") or m.group("less2"), m.group("more") or m.group("more2")
        if bool(less) != bool(more):
            return drugs[0].name, float(m.group("n")), bool(less)
    return None


def washed_out_drug(question: str) -> str | None:
    """The drug whose washout a question asks about across trials ("rituximab washout in each trial")."""
    if not words().washout.search(question):
        return None
    drugs = vocabulary().drugs_in(question)
    return drugs[0].name if len(drugs) == 1 else None


def asked_span(question: str) -> Span | None:
    """The measure whose limits a question asks about across trials ("which trials have an upper age
    limit?"), when it names no value of it ("older than 65" is a person, not a range)."""
    w = words()
    if not w.limit.search(question) or age_probe(question) is not None:
        return None
    found = [span for span in w.spans if span.pattern.search(question)]
    return found[0] if len(found) == 1 else None


def lowest_wanted(question: str) -> bool:
    w = words()
    return bool(w.lowest.search(question)) and not w.highest.search(question)


# -- answers --------------------------------------------------------------------------------------


class Computed:
    """Cross-trial answers over the index: `trials` lists every indexed trial, `compiled` gives its
    rules, `chunk_of` names the chunk a span of a trial lies in."""

    def __init__(self, trials: Callable[[], list[Trial]], compiled: Compiled, chunk_of: ChunkOf) -> None:
        self.trials = trials
        self.compiled = compiled
        self.chunk_of = chunk_of

    def ruling_out(self, probes: list[Probe]) -> list[tuple[Trial, Criterion]]:
        """For each trial, the first criterion that rules out any of these people (trials in order)."""
        found: dict[str, tuple[Trial, Criterion]] = {}
        for probe in probes:
            person = profile_from_facts(dict(probe.facts))
            for trial in self.trials():
                ruling = rule(trial, self.compiled(trial.ref), person)
                if ruling.out and trial.ref not in found:
                    found[trial.ref] = (trial, ruling.out[0])
        return list(found.values())

    def cite(self, trial: Trial, criterion: Criterion) -> Citation:
        return self._cite(trial, criterion)

    def _cite(self, trial: Trial, criterion: Criterion) -> Citation:
        chunk = self.chunk_of(trial, criterion.start, criterion.end)
        return Citation(trial.ref, chunk, criterion.text, criterion.start, criterion.end)

    def _quoted(self, criteria: Iterable[Criterion]) -> str:
        return "; ".join(f"{c.label}: \u201c{' '.join(c.text.split())}\u201d" for c in criteria)

    def age(self, probe: Probe) -> Answer:
        """Which trials take a person of this age, and which rule them out (and where they say so)."""
        person = profile_from_facts(dict(probe.facts))
        taking: list[tuple[Trial, list[Criterion]]] = []
        barring: list[tuple[Trial, list[Criterion]]] = []
        disagreeing: list[tuple[Trial, list[Criterion]]] = []
        for trial in self.trials():
            found = rule(trial, self.compiled(trial.ref), person)
            (barring if found.out else taking).append((trial, found.out or found.fits))
            fits = _bounded_alike(found, person, self.compiled(trial.ref), trial)
            if found.out and fits:  # one of its texts takes them, another bounds them out on the same side
                disagreeing.append((trial, fits))
        cites = [self._cite(t, c) for t, said in [*taking, *barring, *disagreeing] for c in said]
        parts = [f"{t.ref} ({self._quoted(said)})" if said else f"{t.ref} (states no age limit)" for t, said in taking]
        total = len(taking) + len(barring)
        lines = (
            [f"{len(taking)} of {total} trials take {probe.words}: " + "; ".join(parts) + "."]
            if taking
            else [f"None of the {total} trials takes {probe.words}."]
        )
        if barring:
            lines.append("Not " + "; ".join(f"{t.ref} ({self._quoted(said)})" for t, said in barring) + ".")
        for trial, said in disagreeing:
            lines.append(
                f"The texts of {trial.ref} disagree: {self._quoted(said)} would take them; the study team settles it."
            )
        return Answer(" ".join(lines), cites, [t.ref for t, _ in taking], intent="computed")

    def barred(self, probes: list[Probe]) -> Answer | None:
        """Which trials rule out any of these people, quoting the criteria; None when no rule speaks."""
        found: dict[str, tuple[Trial, list[Criterion]]] = {}
        for probe in probes:
            person = profile_from_facts(dict(probe.facts))
            for trial in self.trials():
                ruling = rule(trial, self.compiled(trial.ref), person)
                if ruling.out:
                    have = found.setdefault(trial.ref, (trial, []))[1]
                    have += [c for c in ruling.out if c not in have]
        if not found:
            return None
        total = len(self.trials())
        what = " or ".join(p.words for p in probes)
        cites = [self._cite(t, c) for t, said in found.values() for c in said]
        items = "; ".join(f"{t.ref} ({self._quoted(said)})" for t, said in found.values())
        return Answer(
            f"{len(found)} of {total} trials rule out {what}, by their criteria: {items}.",
            cites,
            list(found),
            intent="computed",
        )

    def dose_caps(self, drug: str, highest: bool) -> Answer:
        """Each trial's cap on the daily dose of a drug, highest or lowest first; criteria of other
        kinds that rule out doses above a limit (recent high doses) and trials that state no cap are
        said apart."""
        capped: list[tuple[float, Trial, list[Criterion]]] = []
        high_dose: list[tuple[Trial, float, Criterion]] = []
        open_: list[str] = []
        for trial in self.trials():
            cap, setting, others = _cap(trial, self.compiled(trial.ref), drug)
            if cap is not None:
                capped.append((cap, trial, setting))
            else:
                open_.append(trial.ref)
            high_dose += [(trial, limit, c) for limit, c in others]
        if not capped:
            return Answer(f"{NOT_IN_TEXTS}: no indexed trial caps the daily dose of {drug}.", intent="computed")
        capped.sort(key=lambda x: (-x[0] if highest else x[0], x[1].ref))
        best = capped[0][0]
        head = " and ".join(t.ref for cap, t, _ in capped if cap == best)
        cites = [self._cite(t, c) for _, t, said in capped for c in said]
        each = "; ".join(f"{t.ref} up to {cap:g} mg/day ({self._quoted(said)})" for cap, t, said in capped)
        lines = [
            f"The {'highest' if highest else 'lowest'} daily {drug} dose a trial allows is {best:g} mg/day, in {head}.",
            f"Each trial's cap: {each}.",
        ]
        if open_:
            lines.append(f"No cap on the daily {drug} dose is stated in {', '.join(open_)}.")
        if high_dose:
            cites += [self._cite(t, c) for t, _, c in high_dose]
            apart = "; ".join(f"{t.ref} above {limit:g} mg/day ({self._quoted([c])})" for t, limit, c in high_dose)
            lines.append(f"Recent high doses are ruled out apart: {apart}.")
        return Answer(" ".join(lines), cites, [t.ref for _, t, _ in capped], intent="computed")

    def caps_within(self, drug: str, limit: float, at_most: bool) -> Answer:
        """The trials whose cap on the daily dose of a drug (or whose exclusion of a recent dose above
        a limit) is at most `limit` (`at_most`), or above it; the others and those stating none apart."""
        within: list[tuple[float, Trial, list[Criterion]]] = []
        beyond: list[tuple[float, Trial]] = []
        none: list[str] = []
        for trial in self.trials():
            cap, setting, others = _cap(trial, self.compiled(trial.ref), drug)
            limits = [(cap, setting)] if cap is not None else []
            limits += [(lim, [c]) for lim, c in others]
            if not limits:
                none.append(trial.ref)
                continue
            low, said = min(limits, key=lambda x: x[0])
            if (low <= limit) == at_most:
                within.append((low, trial, said))
            else:
                beyond.append((low, trial))
        side = "at most" if at_most else "above"
        if not within:
            return Answer(f"{NOT_IN_TEXTS}: no indexed trial caps the daily {drug} dose {side} {limit:g} mg/day.")
        within.sort(key=lambda x: (x[0], x[1].ref))
        each = "; ".join(f"{t.ref} up to {low:g} mg/day ({self._quoted(said)})" for low, t, said in within)
        lines = [
            f"{len(within)} of {len(self.trials())} trials cap the daily {drug} dose {side} {limit:g} mg/day: {each}."
        ]
        if beyond:
            lines.append(
                "Other caps: "
                + ", ".join(f"{t.ref} {low:g} mg/day" for low, t in sorted(beyond, key=lambda x: x[0]))
                + "."
            )
        if none:
            lines.append(f"No cap on the daily {drug} dose is stated in {', '.join(none)}.")
        cites = [self._cite(t, c) for _, t, said in within for c in said]
        return Answer(" ".join(lines), cites, [t.ref for _, t, _ in within], intent="computed")

    def ranges(self, span: Span) -> Answer:
        """Each trial's accepted range of a measure (an age, a body weight), from its rules, with the
        criteria that set each bound; trials that state no limit are named."""
        stated: list[tuple[Trial, str, list[Criterion], bool]] = []
        none: list[str] = []
        for trial in self.trials():
            low, high, setting, strict_low, strict_high = _bounds(trial, self.compiled(trial.ref), span)
            if low is None and high is None:
                none.append(trial.ref)
                continue
            parts = []
            if low is not None:
                parts.append(f"{'over' if strict_low else 'at least'} {low:g}")
            if high is not None:
                parts.append(f"{'under' if strict_high else 'at most'} {high:g}")
            stated.append((trial, " and ".join(parts) + f" {span.unit}", setting, high is not None))
        label = span.key.replace("_kg", "").replace("_", " ")
        if not stated:
            return Answer(f"{NOT_IN_TEXTS}: no indexed trial states a {label} limit.", intent="computed")

        cites = [self._cite(t, c) for t, _, said, _ in stated for c in said]
        each = "; ".join(f"{t.ref}: {said_as} ({self._quoted(said)})" for t, said_as, said, _ in stated)
        lines = [f"{len(stated)} of {len(stated) + len(none)} trials limit {label}: {each}."]
        upper = [t.ref for t, _, _, capped in stated if capped]
        lines.append(f"An upper limit is stated by {', '.join(upper)}." if upper else "None states an upper limit.")
        if none:
            lines.append(f"No {label} limit is stated in {', '.join(none)}.")
        return Answer(" ".join(lines), cites, [c.trial for c in cites], intent="computed")

    def washouts(self, drug: str) -> Answer:
        """Each trial's washout for a drug: how recently a last dose rules the person out (bisection on
        the months since it), longest first; trials that rule out any past use, and those that state
        no washout, said apart."""
        windows: list[tuple[float, Trial, list[Criterion]]] = []
        ever: list[tuple[Trial, list[Criterion]]] = []
        none: list[str] = []
        for trial in self.trials():
            months, setting, always = _washout(trial, self.compiled(trial.ref), drug)
            if months is not None:
                windows.append((months, trial, setting))
            if always:
                ever.append((trial, always))
            if months is None and not always:
                none.append(trial.ref)
        if not windows and not ever:
            return Answer(f"{NOT_IN_TEXTS}: no indexed trial states a washout for {drug}.", intent="computed")
        windows.sort(key=lambda x: (-x[0], x[1].ref))
        cites = [self._cite(t, c) for _, t, said in windows for c in said]
        cites += [self._cite(t, c) for t, said in ever for c in said]
        lines = []
        if windows:
            each = "; ".join(f"{t.ref}: {_months(m)} ({self._quoted(said)})" for m, t, said in windows)
            lines.append(f"A last dose of {drug} rules a person out if it was within: {each}.")
        if ever:
            each = "; ".join(f"{t.ref} ({self._quoted(said)})" for t, said in ever)
            lines.append(f"Any past use of {drug} rules a person out in {each}.")
        if none:
            lines.append(f"No washout for {drug} is stated in {', '.join(none)}.")
        return Answer(" ".join(lines), cites, [c.trial for c in cites], intent="computed")


def _bounds(
    trial: Trial, compiled: list[CompiledCriterion], span: Span
) -> tuple[float | None, float | None, list[Criterion], bool, bool]:
    """The lowest and highest values of a measure no criterion rules out (None: no bound stated on
    that side), the criteria that set the bounds, and whether each bound itself is ruled out ("> 18":
    over 18); both None and no criteria when none speaks."""

    def out(value: float) -> list[Criterion]:
        return rule(trial, compiled, profile_from_facts({span.key: value})).out

    grid = [span.low + (span.high - span.low) * i / 24 for i in range(25)]
    taken = [v for v in grid if not out(v)]
    if not taken:
        return None, None, [], False, False
    setting: list[Criterion] = []
    low: float | None = None
    high: float | None = None
    strict_low = strict_high = False
    if out(span.low):
        a, b = _bisect(lambda v: bool(out(v)), span.low, taken[0], 0.5)  # ruled out at a, taken at b
        setting += [c for c in out(a) if c not in setting]
        low = float(round(b))
        strict_low = bool(out(low))  # "> 18": 18 itself is ruled out
    if out(span.high):
        a, b = _bisect(lambda v: not out(v), taken[-1], span.high, 0.5)  # taken at a, ruled out at b
        setting += [c for c in out(b) if c not in setting]
        high = float(round(a))
        strict_high = bool(out(high))
    return low, high, setting, strict_low, strict_high


def _bisect(holds: Callable[[float], bool], a: float, b: float, precision: float) -> tuple[float, float]:
    """Narrow [a, b], where `holds` is true at a and false at b, to within `precision`."""
    while b - a > precision:
        mid = (a + b) / 2
        a, b = (mid, b) if holds(mid) else (a, mid)
    return a, b


def _months(m: float) -> str:
    """A window in months as the text would say it: whole months, else days (364 days, 28 days)."""
    if abs(m - round(m)) < 0.02 and round(m) >= 1:
        return f"{round(m)} month{'s' if round(m) != 1 else ''}"
    return f"{round(m * 30.4375)} days"


def _washout(
    trial: Trial, compiled: list[CompiledCriterion], drug: str
) -> tuple[float | None, list[Criterion], list[Criterion]]:
    """The longest window (months since a last dose) inside which a criterion rules a person out, the
    criteria that set it, and the criteria that rule out any past use."""
    windows: list[tuple[float, Criterion]] = []
    always: list[Criterion] = []
    for criterion, cc in zip(trial.criteria, compiled, strict=True):
        read = _reading(cc)
        if read is None or cc.team:
            continue

        def out(months: float, read: Rule = read, criterion: Criterion = criterion) -> bool:
            person = profile_from_facts({f"prior:{drug}": {"value": True, "months_ago": months}})
            return _rules_out(criterion, read.evaluate(person).status)

        if not out(0.1):
            continue
        if out(1200.0):
            always.append(criterion)
            continue
        low, _ = _bisect(out, 0.1, 1200.0, 0.002)  # ruled out at 0.1 months, not at 1200
        windows.append((round(low, 2), criterion))
    if not windows:
        return None, [], always
    longest = max(m for m, _ in windows)
    return longest, [c for m, c in windows if m == longest], always


def _bounded_alike(found: Ruling, person: Profile, compiled: list[CompiledCriterion], trial: Trial) -> list[Criterion]:
    """The criteria that take the person while bounding age on the side another criterion rules them
    out on ("Aged 18 to 65" against "Adults 18 to 80" for a person of 70), a true disagreement;
    "Maximum age: 65" does not disagree with "Minimum age: 18" for a person of 17."""
    by_criterion = {id(c): cc for c, cc in zip(trial.criteria, compiled, strict=True)}
    age = person.value("age")
    if not isinstance(age, int | float):
        return []

    def ages(criterion: Criterion) -> list[Age]:
        read = _reading(by_criterion[id(criterion)])
        return [r for r in _parts(read) if isinstance(r, Age)] if read is not None else []

    sides = set()
    for c in found.out:
        for r in ages(c):
            if r.max is not None and age > r.max:
                sides.add("upper")
            if r.min is not None and age < r.min:
                sides.add("lower")
    return [
        c
        for c in found.fits
        if any(("upper" in sides and r.max is not None) or ("lower" in sides and r.min is not None) for r in ages(c))
    ]


def _cap(
    trial: Trial, compiled: list[CompiledCriterion], drug: str
) -> tuple[float | None, list[Criterion], list[tuple[float, Criterion]]]:
    """The trial's cap on the daily dose of `drug` (the lowest its dose-cap rules allow) and the
    criteria that set it; and, apart, criteria of other kinds that rule out doses above a limit
    ("high-dose prednisone (> 100 mg/day) within 90 days": recent high doses, not a cap on the dose
    taken). A criterion that allows no dose at all ("no steroids in the last month") is neither."""
    caps: list[tuple[float, Criterion]] = []
    others: list[tuple[float, Criterion]] = []
    for criterion, cc in zip(trial.criteria, compiled, strict=True):
        read = _reading(cc)
        if read is None or cc.team:
            continue
        dose_caps = [r for r in _parts(read) if isinstance(r, DoseCap)]
        found = [x for r in dose_caps if (x := _limit(_over_cap(r, drug))) is not None]
        if found:
            caps.append((min(found), criterion))
            continue
        limit = _limit(_ruled_out(read, criterion, drug))
        if limit is not None:
            others.append((limit, criterion))
    if not caps:
        return None, [], others
    cap = min(limit for limit, _ in caps)
    return cap, [c for limit, c in caps if limit == cap], others


def _taking(drug: str, mg_day: float) -> Profile:
    return profile_from_facts({f"med:{drug}": mg_day})


def _over_cap(cap: DoseCap, drug: str) -> Callable[[float], bool]:
    return lambda dose: cap.evaluate(_taking(drug, dose)).status == NOT_MET


def _ruled_out(read: Rule, criterion: Criterion, drug: str) -> Callable[[float], bool]:
    return lambda dose: _rules_out(criterion, read.evaluate(_taking(drug, dose)).status)


def _parts(rule: Rule) -> list[Rule]:
    inner = [getattr(rule, "rule", None), *(getattr(rule, "rules", None) or [])]
    return [rule, *(p for r in inner if isinstance(r, Rule) for p in _parts(r))]


def _limit(out: Callable[[float], bool]) -> float | None:
    """The highest daily dose `out` allows, when it rules out some higher dose and allows some dose:
    the highest allowed dose of a grid, then bisection up to the next."""
    if not out(MAX_DOSE):
        return None
    allowed = [float(d) for d in _GRID if not out(float(d))]
    if not allowed:
        return None
    above = next((float(d) for d in _GRID if d > allowed[-1]), MAX_DOSE)
    low, _ = _bisect(lambda dose: not out(dose), allowed[-1], above, 0.25)
    return round(low * 2) / 2  # doses are written to the half milligram
