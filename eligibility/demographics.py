"""What an inclusion read only as an age or sex limit says besides them.

"Male or female patients aged 18-65 years" is an age limit and nothing else; "Patients aged 18-65
with moderate-to-severe plaque psoriasis" is not, and meeting its age must not meet it. The words
that may stand beside an age or sex limit are data (`eligibility/data/readings.toml` [demographics]);
anything else is returned, and the criterion is then partly understood.
"""

from __future__ import annotations

from eligibility.fallback import reading_pattern
from eligibility.rules import Age, AllOf, Rule, Sex


def another_age(text: str) -> bool:
    """Whether the age a criterion names is at another time than now ("at onset", "at diagnosis")."""
    return reading_pattern("demographics", "other_age").search(text) is not None


def _parts(rule: Rule) -> list[Rule]:
    return list(rule.rules) if isinstance(rule, AllOf) else [rule]


def demographic_only(rule: Rule) -> bool:
    """An age or sex limit, or both, and nothing else."""
    parts = _parts(rule)
    return bool(parts) and all(isinstance(p, Age | Sex) for p in parts)


def limits_sex(rule: Rule) -> bool:
    """Whether an age / sex rule holds a sex limit."""
    return any(isinstance(p, Sex) for p in _parts(rule))


def beyond_demographics(text: str, rule: Rule) -> str:
    """The words of an age / sex criterion that are neither the limit nor the words around one ('' if none)."""
    if not demographic_only(rule):
        return ""
    return " ".join(reading_pattern("demographics", "filler").sub(" ", text).split())


def age_scope(text: str, rule: Rule) -> Age | None:
    """The ages a criterion's limit is about, when an age in brackets follows it ("0.8 mg/dL (2 to 5 years of
    age)"; readings.toml [demographics] scope_bracket): the age its rule reads, provided the rule reads more
    than the age and the criterion gives no alternatives."""
    bracketed = reading_pattern("demographics", "scope_bracket").search(text)
    if bracketed is None or reading_pattern("demographics", "scope_alternatives").search(text):
        return None
    if not reading_pattern("demographics", "scope_after_value").search(text[: bracketed.start()]):
        return None  # "Children (2 to 5 years of age) with asthma": the age is required
    ages = [r for r in _leaves(rule) if isinstance(r, Age)]
    more = any(not isinstance(r, Age | Sex) for r in _leaves(rule)) or _partial(rule)
    return ages[0] if len(ages) == 1 and more else None


def _leaves(rule: Rule) -> list[Rule]:
    """The rules inside `rule`: its parts, what an Ask understood of its criterion, and so on down."""
    inner = getattr(rule, "rules", None)
    if isinstance(inner, list):
        return [leaf for part in inner for leaf in _leaves(part)]
    understood = getattr(rule, "understood", None) or getattr(rule, "partial", None)
    if isinstance(understood, Rule):
        return _leaves(understood)
    return [rule]


def _partial(rule: Rule) -> bool:
    """An Ask: the criterion's words are more than the part of it the rule understood."""
    return getattr(rule, "understood", None) is not None or getattr(rule, "partial", None) is not None
