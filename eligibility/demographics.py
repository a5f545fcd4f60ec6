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
