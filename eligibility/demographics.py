"""What an inclusion read only as an age or sex limit says besides them.

"Male or female patients aged 18-65 years" is an age limit and nothing else; "Patients aged 18-65
with moderate-to-severe plaque psoriasis" is not, and meeting its age must not meet it. The words
that may stand beside an age or sex limit are data (`eligibility/data/readings.toml` [demographics]);
anything else is returned, and the criterion is then partly understood.
"""

from __future__ import annotations

import re
from functools import lru_cache

from eligibility.fallback import FILE
from eligibility.rules import Age, AllOf, Rule, Sex
from trialscreen import datafile


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    raw = datafile.toml(datafile.package_text("eligibility", "data/readings.toml"), FILE).get("demographics", {})
    return (
        datafile.pattern(raw.get("filler"), FILE, "[demographics] filler"),
        datafile.pattern(raw.get("other_age"), FILE, "[demographics] other_age"),
    )


def another_age(text: str) -> bool:
    """Whether the age a criterion names is at another time than now ("at onset", "at diagnosis")."""
    return _patterns()[1].search(text) is not None


def demographic_only(rule: Rule) -> bool:
    """An age or sex limit, or both, and nothing else."""
    parts = rule.rules if isinstance(rule, AllOf) else [rule]
    return bool(parts) and all(isinstance(p, Age | Sex) for p in parts)


def beyond_demographics(text: str, rule: Rule) -> str:
    """The words of an age / sex criterion that are neither the limit nor the words around one ('' if none)."""
    if not demographic_only(rule):
        return ""
    return " ".join(_patterns()[0].sub(" ", text).split())
