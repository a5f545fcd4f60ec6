"""A model's reading becomes a deciding rule only when every atom maps to an existing rule kind exactly.

Exactly means: the atom's concept is one the engine's own tables name (a condition of
`eligibility/data/concepts.toml`, a drug or drug class of the vocabulary, a lab of `labs.toml`, a
measurement or demographic of `retrieval/data/model_reading.toml`), its comparison and unit are the
rule's own, and its time window is one the rule keeps. Anything else (an exception in free words, a
window before an event, a family history, a dose) has no exact rule: the criterion becomes a question
in its own words or a study-team item instead, never a guess.
"""

from __future__ import annotations

import re

from eligibility.atoms import Atom, AtomKind, Context, Logic, When
from eligibility.concepts import concepts
from eligibility.kinds.conditions import named_concepts
from eligibility.labs import measured
from eligibility.rules import Age, AllOf, AnyOf, Condition, Measure, Not, Rule, Sex, Treatment
from retrieval.grounding import normalise, words
from trialscreen.vocabulary import vocabulary


def rule_for(logic: Logic) -> Rule | None:
    """The rule the logic maps to exactly, or None when any part of it has no exact rule."""
    if logic.op == "atom":
        return None if logic.atom is None else _atom_rule(logic.atom)
    parts = [rule_for(p) for p in logic.parts]
    if not parts or any(p is None for p in parts):
        return None
    rules = [p for p in parts if p is not None]
    if logic.op == "not":
        return Not(rules[0]) if len(rules) == 1 else None
    if len(rules) == 1:
        return rules[0]
    return AllOf(rules) if logic.op == "all" else AnyOf(rules)


def _atom_rule(atom: Atom) -> Rule | None:
    if atom.exceptions or atom.context == Context.FAMILY or atom.when == When.BEFORE_EVENT:
        return None
    if atom.kind == AtomKind.DEMOGRAPHIC:
        rule = _demographic(atom)
    elif atom.kind == AtomKind.MEASUREMENT:
        rule = _measurement(atom)
    elif atom.kind == AtomKind.CONDITION:
        rule = _condition(atom)
    elif atom.kind == AtomKind.TREATMENT:
        rule = _treatment(atom)
    else:
        rule = None
    if rule is None:
        return None
    return Not(rule) if atom.negated else rule


def _window(atom: Atom) -> tuple[bool, float | None]:
    """(exact, months): the look-back window of an atom, when a rule keeps it exactly."""
    if atom.when == When.WITHIN:
        return (atom.months is not None, atom.months)
    return (atom.when in (When.ANY, When.EVER, When.CURRENT) and atom.months is None, None)


def _demographic(atom: Atom) -> Rule | None:
    w, concept = words(), normalise(atom.concept)
    if atom.when not in (When.ANY, When.CURRENT) or atom.context != Context.ANY:
        return None
    if concept in w.age and atom.value is not None and atom.comparator in (">=", ">", "<=", "<"):
        if atom.unit is not None and normalise(atom.unit) not in w.age_units:
            return None
        if atom.comparator in (">=", ">"):
            return Age(min=atom.value, min_strict=atom.comparator == ">")
        return Age(max=atom.value, max_strict=atom.comparator == "<")
    if atom.value is None and atom.comparator is None and not atom.negated:
        if concept in w.female:
            return Sex(allowed="female")
        if concept in w.male:
            return Sex(allowed="male")
    return None


def _measurement(atom: Atom) -> Rule | None:
    if atom.value is None or atom.comparator not in (">=", ">", "<=", "<") or atom.when not in (When.ANY, When.CURRENT):
        return None
    concept = normalise(atom.concept)
    unit = normalise(atom.unit) if atom.unit else None
    for m in words().measures:
        if concept in m.names and (unit == normalise(m.unit) or (unit is None and m.unit_optional)):
            return Measure(key=m.key, op=atom.comparator, value=atom.value, unit=m.unit, label=m.label)
    named = [lab for lab in measured() if _names((re.compile(lab.criterion, re.IGNORECASE),), atom.concept)]
    if len(named) != 1 or unit is None:
        return None
    lab = named[0]
    value = atom.value if unit == normalise(lab.unit) else lab.converted(atom.value, unit)
    if value is None:
        return None
    return Measure(key=lab.key, op=atom.comparator, value=round(value, 4), unit=lab.unit, label=lab.label)


def _condition(atom: Atom) -> Rule | None:
    exact, months = _window(atom)
    found = [c for c in concepts() if _names(c.naming_patterns, atom.concept)]
    if not exact or atom.value is not None or atom.comparator is not None or len(found) != 1:
        return None
    concept = found[0]
    current = atom.when == When.CURRENT or atom.context == Context.ACTIVE
    label = concept.key.replace("_", " ")
    return Condition(key=concept.key, label=label, within_months=months, current_only=current and months is None)


def _treatment(atom: Atom) -> Rule | None:
    exact, months = _window(atom)
    if not exact or atom.when == When.CURRENT or atom.value is not None or atom.comparator is not None:
        return None
    vocab = vocabulary()
    drugs = [d for d in vocab.drugs if _names(d.patterns, atom.concept)]
    classes = [c for c in vocab.drug_classes if _names(c.patterns, atom.concept)]
    if len(drugs) + len(classes) != 1:
        return None
    if drugs:
        return Treatment(drugs=[drugs[0].name], within_months=months, label=drugs[0].name)
    return Treatment(classes=[classes[0].name], within_months=months, label=classes[0].name)


def _names(patterns: tuple[re.Pattern[str], ...], concept: str) -> bool:
    """A pattern names the whole concept (a word may run on: 'malignan' names 'malignancy'), not a
    part of it: 'lupus' does not name 'drug-induced lupus'."""
    text = normalise(concept)
    return any(re.fullmatch(rf"(?:{p.pattern})[a-z]*", text, re.IGNORECASE) for p in patterns)


def named_in(text: str) -> set[str]:
    """What the engine's own tables find named in a criterion (conditions, drugs, drug classes, labs):
    a deciding rule must cover every one of them, or it would decide on part of the criterion."""
    vocab = vocabulary()
    found = {f"cond:{c.key}" for c, _, _ in named_concepts(text)}
    found |= {f"drug:{d.name}" for d in vocab.drugs_in(text)}
    found |= {f"class:{c.name}" for c in vocab.drug_classes_in(text)}
    found |= {lab.key for lab in measured() if re.search(lab.criterion, text, re.IGNORECASE)}
    return found


def covered(rule: Rule) -> set[str]:
    """The same names for what a rule decides."""
    if isinstance(rule, AllOf | AnyOf):
        return {k for r in rule.rules for k in covered(r)}
    if isinstance(rule, Not):
        return covered(rule.rule)
    if isinstance(rule, Condition):
        return {f"cond:{rule.key}"}
    if isinstance(rule, Treatment):
        return {f"drug:{d}" for d in rule.drugs} | {f"class:{c}" for c in rule.classes}
    if isinstance(rule, Measure):
        return {rule.key}
    return set()
