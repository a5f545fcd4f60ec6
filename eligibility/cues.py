"""Cue words from the data files, checked when first loaded: `eligibility/data/cues.toml` (negation
scope, context, time, medicines, facts, answers) and `eligibility/data/note_words.toml` (the words a
patient's text uses for what eligibility/extract.py reads: age, sex, measurements, lupus, medicines,
pregnancy, trials, allergies). One `cue(section, name)` for both; their sections are distinct."""

from __future__ import annotations

import re
from functools import lru_cache

from trialscreen import datafile

FILE = "eligibility/data/cues.toml"
NOTE_FILE = "eligibility/data/note_words.toml"
EXPECTED = {
    "negation": (
        "list_separator",
        "window_phrase",
        "own_assertion",
        "own_state",
        "on_drug",
        "joined_item",
        "asserted_before",
        "scope_break",
        "scope_end",
        "of_response",
    ),
    "context": (
        "family",
        "family_end",
        "family_agent",
        "family_own_clause",
        "hypothetical",
        "uncertain",
        "past_event",
        "time_anchor",
        "encounter",
        "had_so_long",
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
        "ended_before",
        "ever_denied",
    ),
    "kinship": ("first", "second", "third", "generic"),
    "time": (
        "window_lead",
        "window_back",
        "window_trail",
        "window_gap",
        "window_one",
        "window_now",
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
        "use_changed",
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

# the age patterns in the order they are tried; the kinds of cancer in the order they are told apart
AGES = ("age_years_old", "age_yo", "age_stated", "age_sex_short", "age_after_word")
CANCER_KINDS = ("cancer_basal_cell", "cancer_squamous_skin", "cancer_cervical_in_situ")
DRUG_CLASSES = ("biologic", "b-cell therapy", "corticosteroid", "immunosuppressant")
NOTE_EXPECTED = {
    "demographics": (
        *AGES,
        "female",
        "male",
        "weight",
        "bmi",
        "blood_pressure",
        "blood_pressure_named",
        "pressure_named",
    ),
    "labs": (
        "uln_multiple",
        "uln_pair",
        "uln_normal",
        "uln_high",
        "value_normal",
        "liver_normal",
        "liver_named",
        "ana_titre",
        "ana",
        "positive_after",
        "positive_before",
        "anti_dsdna",
        "low_complement",
        "value_approximate",
    ),
    "scores": ("sledai", "nyha"),
    "lupus": (
        "named",
        "not_systemic",
        "newly_diagnosed",
        "diagnosis_word",
        "refractory",
        "refractory_not",
        "active",
        "active_not",
        "fever_other_cause",
    ),
    "regimen": (
        "route_iv",
        "route_injection",
        "route_local",
        "route_break",
        "dose_changed",
        "route_oral",
        "started",
        "ended_next",
        "about_doses",
        "unchanged",
        "changed",
        "changed_denied",
        "class_denied",
        "high_dose",
        "class_taken_before",
        "class_not_use_after",
    ),
    "drug_classes": DRUG_CLASSES,
    "conditions": ("no_infections", *CANCER_KINDS),
    "reproductive": (
        "not_childbearing",
        "pregnant",
        "pregnancy_tried",
        "pregnancy_now",
        "breastfeeding",
        "pregnancy_of_condition",
        "contraception",
        "unwilling",
    ),
    "history": ("trial", "no_allergy"),
}


@lru_cache(maxsize=1)
def _cues() -> dict[str, dict[str, re.Pattern[str]]]:
    return load_cues(datafile.package_text("eligibility", "data/cues.toml")) | load_note_words(
        datafile.package_text("eligibility", "data/note_words.toml")
    )


def load_cues(text: str) -> dict[str, dict[str, re.Pattern[str]]]:
    """Every expected cue of cues.toml, compiled; one clear error naming the key when one is missing or
    broken."""
    return _load(text, FILE, EXPECTED)


def load_note_words(text: str) -> dict[str, dict[str, re.Pattern[str]]]:
    """Every expected entry of note_words.toml, compiled; one clear error naming the key likewise."""
    return _load(text, NOTE_FILE, NOTE_EXPECTED)


def _load(text: str, file: str, expected: dict[str, tuple[str, ...]]) -> dict[str, dict[str, re.Pattern[str]]]:
    raw = datafile.toml(text, file)
    out: dict[str, dict[str, re.Pattern[str]]] = {}
    for section, names in expected.items():
        for name in names:
            out.setdefault(section, {})[name] = datafile.pattern(
                raw.get(section, {}).get(name), file, f"[{section}] {name}"
            )
    return out


def cue(section: str, name: str) -> re.Pattern[str]:
    return _cues()[section][name]
