"""Lab values with units ('Hb ≤ 9 g/dL', 'creatinine clearance < 30 mL/min') and multiples of the
upper limit of normal ('ALT > 3 x ULN'). The labs themselves are in `eligibility/data/labs.toml`.

A threshold belongs to the lab named nearest before it ("Anemia (hemoglobin < 8.0 g/dL), leucopenia
(leucocytes < 4000/uL), thrombocytopenia (platelets < 50000/uL)"), or to the lab of the threshold just
before it ("Neutrophils < 1500/mm^3 or > 11,000/mm^3"). Thresholds of one lab joined by a plain 'or'
are either side (any of them); by 'and', both ends of a range. Thresholds separated by anything else
are alternatives under a condition ("< 4000/uL unless attributable to SLE: < 2000/uL"): only the one
that holds whichever alternative applies is read, the other is left unused, so the criterion is
asked as it stands and never decided on a guess about the condition.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from eligibility.cues import cue
from eligibility.kinds._comparison import GROUPS, comparison
from eligibility.kinds.base import Answer, FactSpec, Kind, Match, Read, Span, grammar, spans_of
from eligibility.kinds.prefilter import Words, may_match, needed
from eligibility.labs import Lab, first_value, grouped, lab, measured, reported, uln_labs, unit_named, units
from eligibility.rules import AllOf, AnyOf, Measure, Rule, UlnMultiple
from eligibility.timewords import number

BLOCKED = ("refractory", "manifestations")
_MULTIPLE = re.compile(r"(\d+(?:\.\d+)?)\s*(x|×|times)", re.IGNORECASE)


def parse_lab(key: str, reply: str, today: date) -> Answer | None:
    """A reply about a lab: a value in any unit the lab is measured in ('7.2 mmol/L', 'Hb 115 g/L',
    '90 umol/L'), converted to the lab's unit; or a multiple of its upper limit of normal."""
    found = lab(key)
    if found is None:
        return None
    if found.uln:
        return _uln_answer(key, reply)
    m = first_value(reply)
    if m is None:
        return None  # yes / no / free text: read as any answer is
    read = reported(m, reply)
    value, unit, written = read.value, read.unit, read.written.strip() or m.group("k") or ""
    known = _unit_names(found)
    if unit and found.factor(unit) is None:
        return Answer(error=f"I can't read {written} for {found.label}; please give it in {known}, or say 'not sure'.")
    canonical = found.patient_value(value, unit)
    if canonical is None:
        return Answer(
            error=f"{m.group('num')} does not look like a {found.label} value; please give it with its unit "
            f"({known}), or say 'not sure'."
        )
    return Answer(facts={key: round(canonical, 4)})


def _unit_names(found: Lab) -> str:
    """The units a lab's value may be given in, as a report writes them ('g/dL, g/L or mmol/L')."""
    shown = {"/ul": "/µL", "x10^3/ul": "x10^3/µL", "µmol/l": "µmol/L", "umol/l": "µmol/L", "°f": "°F"}
    names = list(
        dict.fromkeys([found.unit, *(shown.get(u, u.replace("/l", "/L").replace("dl", "dL")) for u in found.convert)])
    )
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


def _uln_answer(key: str, reply: str) -> Answer:
    """A reply about a lab given as a multiple of its upper limit of normal ('2 times', 'normal')."""
    keys = grouped(key)
    mult = _MULTIPLE.search(reply)
    if mult:
        return Answer(facts={k: {"uln_multiple": float(mult.group(1))} for k in keys})
    if cue("answers", "yes").match(reply) or cue("answers", "normal").search(reply):
        return Answer(facts={k: {"normal": True, "uln_multiple": 1.0} for k in keys})
    return Answer(
        error="About how many times the upper limit of normal were they (for example 2 times)? Or say 'not sure'."
    )


@lru_cache(maxsize=256)
def _words(lab_key: str) -> Words:
    found = lab(lab_key)
    return None if found is None else needed(found.named)


@dataclass(frozen=True)
class _Named:
    """A lab named in the criterion."""

    lab: Lab
    start: int
    end: int


@dataclass(frozen=True)
class _Threshold:
    """A threshold read for a lab, in the lab's canonical unit."""

    lab: Lab
    rule: Measure
    start: int
    end: int
    spans: tuple[Span, ...]


@dataclass(frozen=True)
class _Run:
    """Thresholds of one lab joined plainly: `or` (either side, or one limit in two units), `and`
    (both ends of a range), or one threshold alone ('')."""

    how: str
    thresholds: list[_Threshold]

    def rule(self) -> Rule:
        rules: list[Rule] = []
        for t in self.thresholds:
            if not any(isinstance(r, Measure) and _same(t.rule, r) for r in rules):  # one limit in two units
                rules.append(t.rule)
        if len(rules) == 1:
            return rules[0]
        return AllOf(rules) if self.how == "and" else AnyOf(rules)


@lru_cache(maxsize=4)
def _pattern(name: str) -> re.Pattern[str]:
    """A [labs] pattern with `{units}` filled from labs.toml [units], in the file's order (a unit
    that begins another, 'g' of 'g/L', comes after it there)."""
    spellings = (p.pattern for _, p in units())
    filled = grammar().patterns["labs"][name].pattern.replace("{units}", "|".join(spellings))
    return re.compile(filled, re.IGNORECASE)


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _names(text: str) -> list[_Named]:
    """Every lab the text names, in order; a name inside a longer one ('haemoglobin' in 'glycated
    haemoglobin') gives way to it."""
    low = text.lower()
    found = [
        _Named(item, m.start(), m.end())
        for item in measured()
        if may_match(_words(item.key), low)
        for m in item.named.finditer(text)
        if m.end() > m.start()
    ]
    found.sort(key=lambda n: (n.start, -(n.end - n.start)))
    out: list[_Named] = []
    for n in found:
        if any(o.start <= n.start and n.end <= o.end and (o.end - o.start) > (n.end - n.start) for o in found):
            continue
        out.append(n)
    return out


class Labs(Kind):
    name = "labs"
    patterns = (
        "between",
        "value",
        "before_name",
        "not_after",
        "chain",
        "joiner",
        "condition",
        "any_of",
        "all_of",
        "counted",
        "uln",
        "uln_higher",
        "above_uln",
        "transaminases",
    )
    blocked_by = BLOCKED
    specs = (FactSpec("lab:", parse=parse_lab, answer_keys=grouped),)

    def read(self, r: Read) -> list[Match]:
        text = r.text
        out: list[Match] = []
        low = text.lower()
        out += self._measured(text, r.kind == "exclusion")
        for item in uln_labs():
            named = item.named.search(text) if may_match(_words(item.key), low) else None
            if named:
                out += self._uln(item, text, named.end(), r.warnings)
        trans = self.p("transaminases").search(text)
        if trans:
            mult = float(trans.group("num"))
            rule = AnyOf(
                [
                    UlnMultiple(key="lab:alt", op=">", multiple=mult, label="ALT"),
                    UlnMultiple(key="lab:ast", op=">", multiple=mult, label="AST"),
                ]
            )
            out.append(Match(rule, tuple(spans_of(trans, "op", "num", "unit"))))
        return out

    def _measured(self, text: str, exclusion: bool) -> list[Match]:
        """One match per lab with thresholds: either side, a range, or the one that holds whatever
        condition the text leaves to the person."""
        names = _names(text)
        if not names:
            return []
        thresholds = self._thresholds(text, names) + self._counted(text)
        out = []
        bounds = []
        for key in dict.fromkeys(t.lab.key for t in sorted(thresholds, key=lambda t: t.start)):
            mine = sorted((t for t in thresholds if t.lab.key == key), key=lambda t: t.start)
            run = self._runs(text, mine, names, exclusion)
            out.append(Match(run.rule(), tuple(span for t in run.thresholds for span in t.spans)))
            bounds.append((mine[0].start, mine[-1].end))
        if len(out) > 1 and self._alternatives(text, bounds):
            return [Match(AnyOf([m.rule for m in out]), tuple(s for m in out for s in m.spans))]
        return out

    def _alternatives(self, text: str, bounds: list[tuple[int, int]]) -> bool:
        """Whether the labs of a criterion are alternatives: 'A (< x), B (< y) or C (< z)'."""
        joins = [text[a[1] : b[0]] for a, b in itertools.pairwise(bounds)]
        if any(b[0] < a[1] for a, b in itertools.pairwise(bounds)):
            return False  # interleaved thresholds: no plain list
        return bool(self.p("any_of").search(joins[-1])) and not any(self.p("all_of").search(j) for j in joins)

    def _thresholds(self, text: str, names: list[_Named]) -> list[_Threshold]:
        out: list[_Threshold] = []
        for m in _pattern("value").finditer(text):
            unit = unit_named(m.group("unit")) if m.group("unit") else ""
            if unit is None or self.p("not_after").search(text[m.end() :]):
                continue
            number = _number(m.group("num"))
            found = self._owner(text, m, names, out, number, unit)
            if found is None:
                continue
            item, value = found
            rule = Measure(key=item.key, op=comparison(m, ">"), value=value, unit=item.unit, label=item.label)
            out.append(_Threshold(item, rule, m.start(), m.end(), tuple(spans_of(m, *GROUPS, "num", "unit"))))
        return out

    def _owner(
        self, text: str, m: re.Match[str], names: list[_Named], before: list[_Threshold], number: float, unit: str
    ) -> tuple[Lab, float] | None:
        """The lab a threshold belongs to and its value in that lab's unit: the lab named nearest
        before it (of those measured in its unit), else the lab of the threshold just before it."""
        named = [n for n in names if n.end <= m.start()]
        if named:
            nearest = max(n.end for n in named)
            if self.p("between").fullmatch(text[nearest : m.start()]):
                for n in (n for n in named if n.end == nearest):
                    value = n.lab.canonical(number, unit)
                    if value is not None:
                        return n.lab, value
                return None
        if not before or (named and max(n.end for n in named) > before[-1].start):
            return self._named_after(text, m, names, number, unit)
        if not self.p("chain").fullmatch(text[before[-1].end : m.start()]):
            return None
        item = before[-1].lab  # "< 1500/mm^3 or > 11,000/mm^3": the lab of the threshold before
        value = item.canonical(number, unit)
        return None if value is None else (item, value)

    def _named_after(
        self, text: str, m: re.Match[str], names: list[_Named], number: float, unit: str
    ) -> tuple[Lab, float] | None:
        """A threshold written before its lab: 'below 400 mg/dL of serum IgG', 'more than 0.5 g per day
        protein in urine' (only when no lab is named before it)."""
        if any(n.end <= m.start() for n in names) or self.p("counted").match(text, m.start()):
            return None  # a count of cells per field is read as such (`_counted`)
        for n in sorted((n for n in names if n.start >= m.end()), key=lambda n: n.start):
            if not self.p("before_name").fullmatch(text[m.end() : n.start]):
                return None
            value = n.lab.canonical(number, unit)
            return None if value is None else (n.lab, value)
        return None

    def _counted(self, text: str) -> list[_Threshold]:
        """Counts written before what they count: '>=5 red blood cells (RBC) per high power field'."""
        out = []
        for m in self.p("counted").finditer(text):
            unit = unit_named(m.group("unit"))
            what = m.group("what")
            item = next((n.lab for n in _names(what) if unit and n.lab.factor(unit) is not None), None)
            if item is None or unit is None:
                continue
            value = item.canonical(_number(m.group("num")), unit)
            if value is None:
                continue
            rule = Measure(key=item.key, op=comparison(m, ">"), value=value, unit=item.unit, label=item.label)
            out.append(_Threshold(item, rule, m.start(), m.end(), tuple(spans_of(m, *GROUPS, "num", "unit"))))
        return out

    def _runs(self, text: str, mine: list[_Threshold], names: list[_Named], exclusion: bool) -> _Run:
        """The thresholds of one lab that are read: a run joined plainly ('or' / 'and'), or, where a
        condition separates them, the run that holds under every alternative."""
        runs = [_Run("", [mine[0]])]
        for prev, t in itertools.pairwise(mine):
            gap = text[prev.end : t.start]
            for n in names:
                if n.lab.key == t.lab.key and prev.end <= n.start and n.end <= t.start:
                    gap = gap.replace(text[n.start : n.end], " ")
            j = self.p("joiner").fullmatch(gap)
            word = "" if j is None else ("and" if j.group("and") else "or")
            if j is not None and runs[-1].how in ("", word):
                runs[-1] = _Run(word, [*runs[-1].thresholds, t])
            else:
                runs.append(_Run("", [t]))
        if len(runs) == 1 and len(mine) > 1 and self.p("condition").match(text[mine[-1].end :]):
            runs = [_Run("", [t]) for t in mine]  # "... or >= 500 cells/uL in subjects with ...": conditional
        return runs[0] if len(runs) == 1 else _certain(runs, exclusion)

    def _uln(self, item: Lab, text: str, end: int, warnings: list[str]) -> list[Match]:
        key, label = item.key, item.label
        tail = text[end : end + 160]
        uln = self.p("uln").search(tail)
        higher = self.p("uln_higher").search(tail)
        spans: list[Span]
        if uln:
            op = comparison(uln, ">")  # "less than or equal to 2 x ULN", "<= (≤) 3 x ULN"
            if uln.group("op") is None:
                warnings.append(f"{label}: comparison lost in the text; read as '> {uln.group('mult')} x ULN'")
            rule: Rule = UlnMultiple(key=key, op=op, multiple=number(uln.group("mult")), label=label)
            spans = spans_of(uln, shift=end)
        elif higher and _is_number(higher.group("mult") or higher.group("mult2")):
            mult = higher.group("mult") or higher.group("mult2")
            rule = UlnMultiple(key=key, op=">", multiple=number(mult), label=label)
            spans = spans_of(higher, shift=end)
        else:
            above = self.p("above_uln").search(tail)
            if not above:
                return []
            rule = UlnMultiple(key=key, op=">", multiple=1.0, label=label)
            spans = spans_of(above, shift=end)
        return [Match(rule, tuple(spans))]


def _same(a: Measure, b: Measure) -> bool:
    """The same limit, written in two units ('>= 9 g/dL or >= 5.6 mmol/L')."""
    return a.op == b.op and abs(a.value - b.value) <= 0.03 * max(abs(a.value), abs(b.value))


def _certain(runs: list[_Run], exclusion: bool) -> _Run:
    """Of thresholds that are alternatives under a condition, the one that decides alike under
    either: for an exclusion the limit crossed under both ('< 4000 unless due to SLE: < 2000' ->
    '< 2000'), for an inclusion the limit missed under both ('>= 50,000, or >= 30,000 if the marrow is
    involved' -> '>= 30,000'). When they do not point the same way, the first is kept. The others stay
    unused either way, so the criterion is asked as it stands."""
    singles = [run.thresholds[0] for run in runs if len(run.thresholds) == 1]
    if len(singles) != len(runs):
        return runs[0]
    ops = {t.rule.op[0] for t in singles}
    if len(ops) != 1:
        return runs[0]
    smallest = (ops == {"<"}) == exclusion
    return _Run("", [min(singles, key=lambda t: t.rule.value if smallest else -t.rule.value)])


def _is_number(word: str) -> bool:
    try:
        number(word)
    except ValueError:
        return False
    return True


KIND = Labs()
