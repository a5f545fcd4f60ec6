"""Which parts of a trial's criteria apply to a person.

Some trials list criteria per part or cohort: healthy volunteers in Part 1 and patients in Part 2,
adults and children, Group A and Group B. The reader keeps each list as a section
(`Criterion.section`) with the population its heading names (`Criterion.population`). A person is
screened against the sections that fit them:

- a section whose population the person's facts rule out does not apply (a person diagnosed with a
  condition is not a healthy volunteer; a person of 40 is not a child); when nothing rules it out,
  it could apply and is kept;
- when parts for different populations could all apply (the facts do not say which) and one part's
  criteria rule the person out while another stays open, the ruling-out criterion waits on the
  question that tells the parts apart (needs_info: neither ineligible nor eligible). Sections that
  follow one another (screening, then randomisation) and parts not told apart by population all
  apply;
- when no section fits, all are kept and their criteria decide (never "eligible" by elimination).

Criteria outside any section apply to everyone. Sections are told apart by name, so an inclusion
list and an exclusion list of the same part go together; an exclusion list whose part has no
inclusion list under the same name is never set aside (its exclusions always count).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from eligibility.facts import Profile
from trialscreen import datafile
from trialscreen.errors import TrialscreenError
from trialscreen.model import Criterion, Population

FILE = "eligibility/data/sections.toml"
_WS = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class SectionRules:
    adult_min_age: float
    names: dict[Population, str]
    alternative: re.Pattern[str]
    sequential: re.Pattern[str]

    def is_alternative(self, criterion: Criterion) -> bool:
        """Whether a criterion's section is one of several a person joins one of."""
        if criterion.population:
            return True
        name = criterion.section
        return bool(self.alternative.search(name)) and not self.sequential.search(name)


def _pattern(raw: dict[str, Any], key: str) -> re.Pattern[str]:
    return datafile.pattern(raw.get(key), FILE, key)


def load_section_rules(text: str) -> SectionRules:
    """The section rules from TOML text; one clear error naming the entry when one is wrong."""
    raw = datafile.toml(text, FILE)
    age = raw.get("adult_min_age")
    if isinstance(age, bool) or not isinstance(age, int | float) or not 0 < age < 30:
        raise TrialscreenError(f"{FILE}: adult_min_age must be an age in years between 0 and 30, got {age!r}")
    names = datafile.table(raw, "names", FILE)
    out: dict[Population, str] = {}
    for population in Population:
        name = names.get(population.value)
        if not isinstance(name, str) or not name.strip():
            raise TrialscreenError(f"{FILE}: [names] {population.value} is missing; give the words a reason uses")
        out[population] = name.strip()
    unknown = set(names) - {p.value for p in Population}
    if unknown:
        raise TrialscreenError(f"{FILE}: [names] has unknown populations {sorted(unknown)}; remove them")
    return SectionRules(float(age), out, _pattern(raw, "alternative"), _pattern(raw, "sequential"))


@lru_cache(maxsize=1)
def section_rules() -> SectionRules:
    return load_section_rules(resources.files("eligibility").joinpath("data/sections.toml").read_text("utf-8"))


def section_key(name: str) -> str:
    """How sections are matched: case, spacing and punctuation do not matter."""
    return _WS.sub(" ", name.casefold()).strip()


def _diagnosed(profile: Profile) -> bool | None:
    """True: a diagnosed condition or "not a healthy volunteer" is stated; False: "healthy
    volunteer" is stated; None: neither."""
    for key in profile.keys_with_prefix("dx:"):
        fact = profile.get(key)
        if fact is not None and fact.value is True:
            return True
    stated = profile.get("healthy_volunteer")
    if stated is not None and isinstance(stated.value, bool):
        return not stated.value
    return None


def rules_out(population: Population, profile: Profile) -> str:
    """Why the person's facts rule a population out, or "" when they do not (or are not known)."""
    rules = section_rules()
    if population in (Population.HEALTHY_VOLUNTEERS, Population.PATIENTS):
        diagnosed = _diagnosed(profile)
        if population is Population.HEALTHY_VOLUNTEERS and diagnosed is True:
            return "the person has a diagnosed condition"
        if population is Population.PATIENTS and diagnosed is False:
            return "the person is a healthy volunteer"
        return ""
    age = profile.value("age")
    if isinstance(age, bool) or not isinstance(age, int | float):
        return ""
    if population is Population.ADULTS and age < rules.adult_min_age:
        return f"the person is {age:g}, under {rules.adult_min_age:g}"
    if population is Population.CHILDREN and age >= rules.adult_min_age:
        return f"the person is {age:g}, not under {rules.adult_min_age:g}"
    return ""


def _label(criterion: Criterion) -> str:
    names = section_rules().names
    whom = ", ".join(names[p] for p in criterion.population)
    return f"the trial's list for \u201c{criterion.section}\u201d" + (f" ({whom})" if whom else "")


def applicable(criteria: Sequence[Criterion], profile: Profile) -> list[str]:
    """For each criterion, "" when it applies to the person (or could), else why it does not: its
    section is for a population the person's facts rule out."""
    out = [""] * len(criteria)
    keys = {section_key(c.section) for c in criteria if c.section}
    if len(keys) < 2:
        return out  # one list with a name is still the trial's one list
    why_not: dict[str, str] = {}
    for c in criteria:
        key = section_key(c.section) if c.section else ""
        if key and key not in why_not:
            why_not[key] = next((why for p in c.population if (why := rules_out(p, profile))), "")
    if all(why_not[k] for k in keys):
        return out  # no section fits: keep them all, and let their criteria decide
    for i, c in enumerate(criteria):
        why = why_not.get(section_key(c.section), "") if c.section else ""
        if why:
            out[i] = f"not for this person: {_label(c)}, and {why}"
    return out


@dataclass(frozen=True)
class Pending:
    """A criterion that rules the person out only if they are in its part of the trial, while the
    person's facts do not say which part they are in: its verdict waits on the question `asks`."""

    reason: str
    asks: str


def _question(groups: Sequence[Sequence[Criterion]], profile: Profile) -> str:
    """The fact that tells the parts apart, when it is not known: whether the person has the
    condition studied, or their age; "" when no question would."""
    populations = {p for group in groups for c in group for p in c.population}
    if populations & {Population.HEALTHY_VOLUNTEERS, Population.PATIENTS} and _diagnosed(profile) is None:
        return "healthy_volunteer"
    if populations & {Population.ADULTS, Population.CHILDREN} and profile.get("age") is None:
        return "age"
    return ""


def unchosen(
    criteria: Sequence[Criterion], fit: Sequence[str], disqualifying: Sequence[bool], profile: Profile
) -> list[Pending | None]:
    """For each criterion, whether its verdict waits on which part of the trial the person is in.

    Among parts for different populations that could all apply (the person's facts do not say
    which), a criterion that rules the person out in one part while another part stays open does
    not make them ineligible: it waits on the question that tells the parts apart, so the decision
    is needs_info, never eligible. Parts not told apart by population (Part A / Part B), steps and
    periods all apply, as before; so does an exclusion list whose part has no inclusion list.
    """
    out: list[Pending | None] = [None] * len(criteria)
    rules = section_rules()
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(criteria):
        if c.section and not fit[i] and rules.is_alternative(c):
            groups.setdefault(section_key(c.section), []).append(i)
    choices = {k: idx for k, idx in groups.items() if any(criteria[i].kind == "inclusion" for i in idx)}
    if len(choices) < 2 or not any(criteria[i].population for idx in choices.values() for i in idx):
        return out
    closed = {k for k, idx in choices.items() if any(disqualifying[i] for i in idx)}
    if not closed or closed == set(choices):
        return out
    asks = _question([[criteria[i] for i in idx] for idx in choices.values()], profile)
    if not asks:
        return out
    for key in closed:
        for i in choices[key]:
            if disqualifying[i]:
                out[i] = Pending(
                    f"rules the person out only if they are in {_label(criteria[i])}; another part of the "
                    "trial could take them, and which part fits them is not known yet",
                    asks,
                )
    return out


def member_facts(criteria: Sequence[Criterion], criterion: Criterion) -> dict[str, Any]:
    """Facts that put a person in a criterion's part of the trial, as screening tells parts apart
    (for generated test patients: one past a part's boundary must be in that part)."""
    if not criterion.section:
        return {}
    own = set(criterion.population)
    others = {
        p
        for c in criteria
        if c.section and section_key(c.section) != section_key(criterion.section)
        for p in c.population
    }
    if Population.HEALTHY_VOLUNTEERS in own or (not own & {Population.PATIENTS} and Population.PATIENTS in others):
        return {"healthy_volunteer": True}
    if Population.PATIENTS in own or Population.HEALTHY_VOLUNTEERS in others:
        return {"healthy_volunteer": False}
    return {}
