"""The words eligibility texts use for their lists, parts and populations, from `index/data/criteria.toml`.

Every entry is checked when the file is first loaded: a missing key, a pattern that does not compile
or an unknown population is one clear error naming the entry and how to fix it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from trialscreen import datafile
from trialscreen.errors import TrialscreenError
from trialscreen.model import Population

FILE = "index/data/criteria.toml"


@dataclass(frozen=True)
class PopulationCue:
    population: Population
    cues: re.Pattern[str]
    opposite: Population


@dataclass(frozen=True)
class CriteriaCues:
    inclusion_word: re.Pattern[str]
    exclusion_word: re.Pattern[str]
    neutral_word: re.Pattern[str]
    neutral_headings: re.Pattern[str]
    qualifiers: re.Pattern[str]  # one or more qualifier words, whole string
    tail: re.Pattern[str]
    sentence_tail: re.Pattern[str]
    cue_exclusion: tuple[re.Pattern[str], ...]
    cue_inclusion: tuple[re.Pattern[str], ...]
    about_taking_part: re.Pattern[str]
    alternatives: re.Pattern[str]
    section_words: re.Pattern[str]
    for_whom: re.Pattern[str]
    named_group: re.Pattern[str]
    common: re.Pattern[str]
    drop: re.Pattern[str]
    introducer: re.Pattern[str]
    populations: tuple[PopulationCue, ...]
    excludes: tuple[re.Pattern[str], ...]
    forbids: re.Pattern[str]
    requirement: tuple[re.Pattern[str], ...]
    strong: tuple[re.Pattern[str], ...]
    not_criteria: tuple[re.Pattern[str], ...]
    pure_lead_in: re.Pattern[str]

    def populations_of(self, heading: str) -> tuple[Population, ...]:
        """The populations a heading names; opposite ones cancel ("patients and healthy controls")."""
        found = {p.population: p for p in self.populations if p.cues.search(heading)}
        kept = [p for p, cue in found.items() if cue.opposite not in found]
        return tuple(sorted(kept))

    def is_requirement(self, text: str) -> bool:
        return any(p.search(text) for p in self.requirement)

    def is_strong_requirement(self, text: str) -> bool:
        return any(p.search(text) for p in self.strong)

    def is_not_criterion(self, text: str) -> bool:
        return any(p.search(text) for p in self.not_criteria)


def _compile(where: str, pattern: Any) -> re.Pattern[str]:
    return datafile.pattern(pattern, FILE, where)


def _compile_list(where: str, patterns: Any) -> tuple[re.Pattern[str], ...]:
    return datafile.patterns(patterns, FILE, where)


def _table(raw: dict[str, Any], name: str) -> dict[str, Any]:
    return datafile.table(raw, name, FILE)


def load_criteria_cues(text: str) -> CriteriaCues:
    raw = datafile.toml(text, FILE)
    heading = _table(raw, "heading")
    cue = _table(raw, "cue_heading")
    section = _table(raw, "section")
    headingless = _table(raw, "headingless")
    not_criteria = _table(raw, "not_criteria")
    qualifiers = heading.get("qualifiers")
    if not isinstance(qualifiers, list) or not all(isinstance(q, str) and q for q in qualifiers):
        raise TrialscreenError(f"{FILE}: [heading] qualifiers must be a list of words (regular expressions)")
    populations: list[PopulationCue] = []
    entries = raw.get("population")
    if not isinstance(entries, list) or not entries:
        raise TrialscreenError(f"{FILE}: at least one [[population]] entry is needed")
    known = {p.value for p in Population}
    for i, entry in enumerate(entries):
        name, opposite = entry.get("name"), entry.get("opposite")
        for what, value in (("name", name), ("opposite", opposite)):
            if value not in known:
                raise TrialscreenError(
                    f"{FILE}: [[population]] #{i + 1} {what} = {value!r} is not one of {', '.join(sorted(known))}"
                )
        populations.append(
            PopulationCue(
                Population(name), _compile(f"[[population]] {name} cues", entry.get("cues")), Population(opposite)
            )
        )
    return CriteriaCues(
        inclusion_word=_compile("[heading] inclusion", heading.get("inclusion")),
        exclusion_word=_compile("[heading] exclusion", heading.get("exclusion")),
        neutral_word=_compile("[heading] neutral", heading.get("neutral")),
        neutral_headings=_compile("[heading] neutral_headings", heading.get("neutral_headings")),
        qualifiers=_compile("[heading] qualifiers", r"^(?:(?:" + "|".join(qualifiers) + r")\b[\s,&/-]*)+$"),
        tail=_compile("[heading] tail", heading.get("tail")),
        sentence_tail=_compile("[heading] sentence_tail", heading.get("sentence_tail")),
        cue_exclusion=_compile_list("[cue_heading] exclusion", cue.get("exclusion")),
        cue_inclusion=_compile_list("[cue_heading] inclusion", cue.get("inclusion")),
        about_taking_part=_compile("[cue_heading] about_taking_part", cue.get("about_taking_part")),
        alternatives=_compile("[cue_heading] alternatives", cue.get("alternatives")),
        section_words=_compile("[section] words", section.get("words")),
        for_whom=_compile("[section] for_whom", section.get("for_whom")),
        named_group=_compile("[section] named_group", section.get("named_group")),
        common=_compile("[section] common", section.get("common")),
        drop=_compile("[section] drop", section.get("drop")),
        introducer=_compile("[section] introducer", section.get("introducer")),
        populations=tuple(populations),
        excludes=_compile_list("[headingless] exclusion", headingless.get("exclusion")),
        forbids=_compile("[headingless] forbids", headingless.get("forbids")),
        requirement=_compile_list("[headingless] requirement", headingless.get("requirement")),
        strong=_compile_list("[headingless] strong", headingless.get("strong")),
        not_criteria=_compile_list("[not_criteria] patterns", not_criteria.get("patterns")),
        pure_lead_in=_compile("[lead_in] pure", _table(raw, "lead_in").get("pure")),
    )


@lru_cache(maxsize=1)
def criteria_cues() -> CriteriaCues:
    return load_criteria_cues(resources.files("index").joinpath("data/criteria.toml").read_text("utf-8"))
