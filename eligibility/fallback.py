"""A reading for every criterion the rules do not read: a question in its own words, or a study-team item.

A criterion that needs a test result, a measurement at screening, a document or someone's judgement
goes to the study team. Any other one is asked as it stands ("History of thromboembolism" becomes
"Have you ever had thromboembolism?"), yes / no / not sure, so an unknown becomes a question rather
than a guess. The patterns and templates are data: `eligibility/data/readings.toml`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from trialscreen import datafile
from trialscreen.errors import TrialscreenError

FILE = "eligibility/data/readings.toml"


@dataclass(frozen=True)
class _Template:
    match: re.Pattern[str]
    text: str


@dataclass(frozen=True)
class Rules:
    team: re.Pattern[str]
    units: re.Pattern[str]
    templates: tuple[_Template, ...]
    fallback: str
    lead_in: re.Pattern[str]  # a list's lead-in run into its first item: not part of the question
    alternatives: re.Pattern[str]
    negated_inclusion: re.Pattern[str]
    negated_exclusion: re.Pattern[str]
    clause: re.Pattern[str]  # where one clause of a criterion ends and the next begins


def load_rules(text: str) -> Rules:
    """The fallback rules from TOML text; one clear error naming the entry when one is broken."""
    raw = datafile.toml(text, FILE)
    team = raw.get("team", {})
    team_patterns = datafile.patterns(team.get("patterns"), FILE, "[team] patterns")
    question = raw.get("question", {})
    fallback = question.get("fallback")
    if not isinstance(fallback, str) or "{text}" not in fallback:
        raise TrialscreenError(f"{FILE}: [question] fallback must be a string containing {{text}}")
    templates = []
    for i, t in enumerate(question.get("template", [])):
        match = datafile.pattern(t.get("match"), FILE, f"[[question.template]] {i + 1} match")
        if "rest" not in match.groupindex or not isinstance(t.get("text"), str) or "{rest}" not in t["text"]:
            raise TrialscreenError(
                f"{FILE}: [[question.template]] {i + 1} needs a (?P<rest>...) group in match and {{rest}} in text"
            )
        templates.append(_Template(match, t["text"]))
    return Rules(
        team=datafile.joined(team_patterns, FILE, "[team] patterns"),
        units=datafile.pattern(team.get("units"), FILE, "[team] units"),
        templates=tuple(templates),
        fallback=fallback,
        lead_in=datafile.pattern(question.get("lead_in"), FILE, "[question] lead_in"),
        alternatives=datafile.pattern(raw.get("alternatives", {}).get("lead_in"), FILE, "[alternatives] lead_in"),
        negated_inclusion=datafile.pattern(
            raw.get("polarity", {}).get("negated_inclusion"), FILE, "[polarity] negated_inclusion"
        ),
        negated_exclusion=datafile.pattern(
            raw.get("polarity", {}).get("negated_exclusion"), FILE, "[polarity] negated_exclusion"
        ),
        clause=datafile.pattern(raw.get("clauses", {}).get("boundary"), FILE, "[clauses] boundary"),
    )


@lru_cache(maxsize=1)
def readings() -> dict[str, Any]:
    """`eligibility/data/readings.toml`, parsed once for every module that reads a section of it."""
    return datafile.toml(datafile.package_text("eligibility", "data/readings.toml"), FILE)


@lru_cache(maxsize=64)
def reading_pattern(section: str, key: str) -> re.Pattern[str]:
    """One pattern of readings.toml (`[section] key`), checked on first use."""
    raw = readings().get(section, {})
    return datafile.pattern(raw.get(key) if isinstance(raw, dict) else None, FILE, f"[{section}] {key}")


@lru_cache(maxsize=1)
def rules() -> Rules:
    return load_rules(datafile.package_text("eligibility", "data/readings.toml"))


def team_reason(text: str) -> str | None:
    """Why only the study team can settle this criterion, or None when the patient can answer it."""
    r = rules()
    m = r.team.search(text)
    if m:
        return f"{m.group(0).strip()}: the study team checks"
    u = r.units.search(text)
    if u:
        return "a measured value: the study team checks the result"
    return None


_TRAIL = re.compile(r"[\s.;:,]+$")


def _body(text: str) -> str:
    """What a criterion asks, in its own words: without a list's lead-in or trailing punctuation."""
    return _TRAIL.sub("", rules().lead_in.sub("", " ".join(text.split()), count=1))


def question_for_text(text: str) -> str:
    """The criterion as a yes / no question, in its own words."""
    r = rules()
    body = _body(text)
    for t in r.templates:
        m = t.match.match(body)
        if m:
            return t.text.replace("{rest}", m.group("rest"))
    return r.fallback.replace("{text}", body)


def is_alternative(context: str) -> bool:
    """Whether a lead-in makes its items alternatives ("at least one of the following:")."""
    return bool(context) and rules().alternatives.search(context) is not None


def worded_as_absence(text: str) -> bool:
    """Whether an inclusion asks for the absence of what it names ("No history of cancer")."""
    return rules().negated_inclusion.search(text) is not None


def worded_as_lack(text: str) -> tuple[int, int] | None:
    """Where an exclusion says it rules out for the lack of what it names ("Patients without" in "Patients
    without SLE"), or None when it does not."""
    m = rules().negated_exclusion.search(text)
    return None if m is None else m.span()


def absence_named(text: str, kind: str) -> str | None:
    """What a criterion worded as an absence from its first words names ("No esophageal varices" ->
    "esophageal varices", an exclusion's "Patients without SLE" -> "SLE"), or None when it is not."""
    pattern = rules().negated_inclusion if kind == "inclusion" else rules().negated_exclusion
    m = pattern.match(text)
    return text[m.end() :].strip() if m is not None and m.end() < len(text) else None


def clause_bounds(text: str) -> list[int]:
    """The offsets where the clauses of a criterion begin, with 0 and len(text) at the ends."""
    return [0, *(m.start() for m in rules().clause.finditer(text)), len(text)]


def ask_key(text: str) -> str:
    """The fact key a question in a criterion's own words is answered under (stable across runs)."""
    return "ask:" + hashlib.sha1(_body(text).lower().encode("utf-8")).hexdigest()[:10]
