"""Cue words (negation scope, time) from `eligibility/data/cues.toml`, checked when first loaded."""

from __future__ import annotations

import re
from functools import lru_cache

from trialscreen import datafile

FILE = "eligibility/data/cues.toml"
EXPECTED = {
    "negation": ("list_separator", "window_phrase", "own_assertion", "asserted_before", "scope_break", "scope_end"),
    "context": (
        "family",
        "family_end",
        "hypothetical",
        "uncertain",
        "past_event",
        "time_anchor",
        "encounter",
        "unknown_after",
        "family_after",
        "onset",
        "diagnosis",
        "diagnosed_before",
        "diagnosed_after",
        "over",
        "resolved",
        "ended",
        "ended_not",
        "ended_lead",
        "recurred",
        "ordered",
        "negated_prefix",
    ),
    "kinship": ("first", "second", "third", "generic"),
    "time": (
        "window_lead",
        "window_back",
        "window_trail",
        "window_gap",
        "window_one",
        "now",
        "state_now",
        "recent",
        "since",
        "lasting_least",
        "lasting_of",
        "lasting_for",
        "lasting_break",
        "lasting_not_after",
        "lasting_exclusive",
    ),
    "medicines": (
        "any",
        "past",
        "current",
        "ongoing",
        "stopped",
        "measured_after",
        "measured_before",
        "off",
        "of_a_trial",
        "other_before",
    ),
    "facts": (
        "healthy_volunteer",
        "pregnancy_plan",
        "diagnosed_year",
        "consent",
        "consent_refused",
        "compliance",
        "noncompliance",
        "postpartum",
        "allergy",
        "allergy_before",
        "trial_sought",
        "trial_taken",
        "had_for",
        "named_for",
        "weight_change_before",
        "infant_age",
        "gestation",
        "gestation_not_now",
        "gestation_not_now_after",
        "menopause_post",
        "menopause_before",
        "menses_now",
        "last_period",
        "amenorrhea",
        "menopause_age",
        "menopause_denied",
        "result",
        "result_negative",
    ),
    "answers": (
        "yes",
        "no",
        "unsure",
        "none_of_these",
        "item_separator",
        "filler",
        "asks_meaning",
        "normal",
        "negative",
        "pounds",
        "stones",
        "untested",
        "approximately",
    ),
}


@lru_cache(maxsize=1)
def _cues() -> dict[str, dict[str, re.Pattern[str]]]:
    return load_cues(datafile.package_text("eligibility", "data/cues.toml"))


def load_cues(text: str) -> dict[str, dict[str, re.Pattern[str]]]:
    """Every expected cue, compiled; one clear error naming the key when one is missing or broken."""
    raw = datafile.toml(text, FILE)
    out: dict[str, dict[str, re.Pattern[str]]] = {}
    for section, names in EXPECTED.items():
        for name in names:
            out.setdefault(section, {})[name] = datafile.pattern(
                raw.get(section, {}).get(name), FILE, f"[{section}] {name}"
            )
    return out


def cue(section: str, name: str) -> re.Pattern[str]:
    return _cues()[section][name]
