"""Doses as trials write them, for the kinds that read dose limits (dose_caps, treatments).

'≥ 30 mg of prednisone daily', 'greater than 10mg prednisolone daily equivalent', '> 3 g/day of MMF',
'methotrexate ≤ 20 mg/week', 'up to or equal to (<=) 10 milligram (mg) of prednisone/day', '5 to 35
mg/day', 'prednisone 0.5 mg/kg/day or less', 'steroid pulse therapy (>1.5mg/kg)'. The patterns, the
comparator words and the words that make a dose unreadable (a cumulative dose, a dose per m² of body
surface, 'twice daily') are in the [dose_caps] section of `eligibility/data/kinds.toml`.

A dose is kept in the units patient facts use: mg per day (per kg when stated per kg). Grams become
mg (x1000), micrograms mg (/1000), a weekly dose is a seventh of it per day, rounded as patient doses
are (`eligibility/extract.py`), so a cap of '20 mg/week' and a patient's '20 mg weekly' compare equal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from eligibility.kinds.base import Read, Span, alternation, grammar, spans_of
from trialscreen.errors import TrialscreenError
from trialscreen.vocabulary import vocabulary

SECTION = "dose_caps"
STEROIDS = "class:corticosteroid"
_MASS = {"g": 1000.0, "gram": 1000.0, "gm": 1000.0, "mcg": 0.001, "µg": 0.001, "ug": 0.001, "microgram": 0.001}
_DAYS_PER_WEEK = 7


@dataclass(frozen=True)
class Dose:
    """One dose a criterion states, attached to the drug it is given with."""

    op: str  # "<", "<=", ">", ">=", or "" when no comparison is stated
    mg_day: float  # in mg per day (per kg per day when `per_kg`)
    low: float | None  # a range's lower end ('5 to 35 mg/day'), same units
    per_kg: bool
    per_period: bool  # a period was stated (day or week); without one it is a dose per administration
    weekly: bool
    drug: str  # a drug name, STEROIDS (prednisone or equivalent), or '' when none can be attached
    unclear: bool  # drugs are named near it but which one it is given with is not clear (or how often)
    start: int
    end: int
    spans: tuple[Span, ...]
    stated: str  # the words, for labels ('20 mg/week')

    @property
    def above(self) -> bool:
        return self.op in (">", ">=") and self.low is None

    @property
    def below(self) -> bool:
        return self.op in ("<", "<=") and self.low is None


@dataclass(frozen=True)
class _Patterns:
    dose: re.Pattern[str]
    comparators: dict[str, str]
    unreadable: re.Pattern[str]
    frequency: re.Pattern[str]
    not_dose: re.Pattern[str]
    steroid: re.Pattern[str]
    separator: re.Pattern[str]
    local_steroid: re.Pattern[str]
    negated: re.Pattern[str]


@lru_cache(maxsize=1)
def patterns() -> _Patterns:
    section = grammar().sections[SECTION]
    extra = section.get("comparators")
    if not isinstance(extra, dict) or any(v not in ("<", "<=", ">", ">=") for v in extra.values()):
        raise TrialscreenError("eligibility/data/kinds.toml: [dose_caps] comparators must map words to <, <=, >, >=")
    comparators = {**grammar().comparators, **{k.lower(): v for k, v in extra.items()}}
    after = [str(w) for w in section.get("after_words", [])]
    if not after or any(w.lower() not in comparators for w in after):
        raise TrialscreenError(
            "eligibility/data/kinds.toml: [dose_caps] after_words must list comparator words "
            "('or less') that [grammar] comparators or [dose_caps] comparators define"
        )
    raw = str(section.get("amount", ""))
    if "{cmp}" not in raw or "{after}" not in raw:
        raise TrialscreenError("eligibility/data/kinds.toml: [dose_caps] amount must use {cmp} and {after}")
    filled = raw.replace("{cmp}", alternation([w for w in comparators if w.lower() not in after]))
    filled = filled.replace("{after}", alternation(after))
    try:
        dose = re.compile(filled, re.IGNORECASE)
    except re.error as err:
        raise TrialscreenError(f"eligibility/data/kinds.toml: [dose_caps] amount is not valid ({err})") from err
    p = grammar().patterns[SECTION]
    return _Patterns(
        dose,
        comparators,
        p["unreadable"],
        p["frequency"],
        p["not_dose"],
        p["steroid"],
        p["separator"],
        p["local_steroid"],
        p["negated"],
    )


def _mg(value: str, mass: str) -> float:
    word = mass.lower()
    word = word[:-1] if word.endswith("s") and len(word) > 3 else word  # "grams", "micrograms"
    return float(value) * _MASS.get(word, 1.0)


def _scale(mg: float, weekly: bool) -> float:
    return round(mg / _DAYS_PER_WEEK, 3) if weekly else mg


def _steroid_drug(drug: str) -> bool:
    """Prednisone or a steroid dosed like it: its dose is the prednisone-equivalent dose."""
    return is_steroid(drug) and vocabulary().prednisone_equivalent(drug, 1.0) == 1.0


def is_steroid(drug: str) -> bool:
    term = vocabulary().drug(drug)
    return bool(term and "corticosteroid" in term.classes)


def _one_drug(r: Read, text: str, last: bool) -> str:
    """The one drug (or the steroids) a stretch of text names; with `last`, the one nearest its end."""
    if last:
        for part in reversed(patterns().separator.split(text)):
            found = _one_drug(r, part, last=False)
            if found or r.drugs(part) or patterns().steroid.search(part):
                return found  # the nearest part that names a drug decides, even when it names several
            if vocabulary().drugs_in(part, unknown=True):
                return ""  # a drug the rules do not know: the dose is its own
        return ""
    drugs = r.drugs(text)
    steroid = patterns().steroid.search(text) is not None
    if steroid and all(_steroid_drug(d) for d in drugs):
        return STEROIDS
    if len(drugs) == 1 and not steroid:
        return STEROIDS if _steroid_drug(drugs[0]) else drugs[0]
    return ""


def _names_a_drug(r: Read, text: str) -> bool:
    return bool(r.drugs(text) or patterns().steroid.search(text) or vocabulary().drugs_in(text, unknown=True))


def read_doses(r: Read, text: str) -> list[Dose]:
    """Every dose `text` states, in order, each with the drug it is given with ('' when unclear)."""
    if not grammar().patterns[SECTION]["mass_unit"].search(text):
        return []  # the cheap first look: no amount in a mass unit, no dose
    p = patterns()
    out: list[Dose] = []
    previous = 0
    for m in p.dose.finditer(text):
        tail = text[m.end() : m.end() + 30]
        if p.not_dose.match(tail):
            previous = m.end()
            continue  # mg/dL, mg/m² of body surface, mg/24 h of urine: not a dose taken
        words = m.group("op") or m.group("op2") or m.group("op3") or ""
        op = p.comparators.get(" ".join(words.lower().split()), "") if words else ""
        if m.group("between"):
            op = ""
        per = m.group("per")
        weekly = bool(per and re.search(r"week|wk", per, re.IGNORECASE))
        mass = m.group("mass")
        num = _scale(_mg(m.group("num"), mass), weekly)
        low = _scale(_mg(m.group("lo"), m.group("lomass") or mass), weekly) if m.group("lo") else None
        low = low or None  # 'within the range of 0 to 40 mg/day' is a cap
        trailing = p.separator.split(re.split(r"[;.)(]", text[m.end() : m.end() + 40])[0])[0]
        after = f"{m.group('what') or ''} {m.group('after') or ''}" if per else trailing
        before = text[max(previous, m.start() - 80) : m.start()]
        drug = _one_drug(r, after, last=False) if after.strip() else ""
        if not drug:
            drug = _one_drug(r, before, last=True)
        if not drug and per:
            after = trailing  # '> 20 mg/day prednisone'
            drug = _one_drug(r, after, last=False)
        if not drug and out and out[-1].drug and not _names_a_drug(r, f"{before} {after} {trailing}"):
            drug = out[-1].drug  # '(<= 1.0 mg/kg/day; a maximum dose of 80 mg/day)': the same drug's second limit
        unreadable = not per and (p.frequency.match(text[m.end() :]) is not None or bool(p.unreadable.search(text)))
        unreadable = unreadable or bool(m.group("op") and p.negated.search(text[max(0, m.start() - 30) : m.start()]))
        if drug == STEROIDS and p.local_steroid.search(f"{before} {after}"):
            unreadable = True  # an inhaled or topical dose is not a prednisone-equivalent one
        near = f"{before} {after}"
        named = bool(drug or p.steroid.search(near) or vocabulary().drugs_in(near, unknown=True))
        out.append(
            Dose(
                op=op,
                mg_day=num,
                low=low,
                per_kg=bool(m.group("kg")),
                per_period=bool(per),
                weekly=weekly,
                drug="" if unreadable else drug,
                unclear=named and (unreadable or not drug),
                start=m.start(),
                end=m.end(),
                spans=tuple(spans_of(m, "op", "lo", "num", "mass", "kg", "per", "op2", "op3")),
                stated=" ".join(m.group(0).split()),
            )
        )
        previous = m.end()
    return out


def label(drug: str) -> str:
    return "prednisone (or equivalent)" if drug == STEROIDS else drug


def unit_words(dose: Dose) -> str:
    """How the dose is stated, for a rule's label ('20 mg/week' is kept as 2.857 mg/day)."""
    return f" ({dose.stated})" if dose.weekly else ""
