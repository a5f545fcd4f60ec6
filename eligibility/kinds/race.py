"""Race or ethnicity as the person self-identifies it: a demographic the criterion names from the
groups in `eligibility/data/kinds.toml` ([race] groups)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from eligibility.kinds.base import FILE, FactSpec, Kind, Match, Read, grammar
from eligibility.rules import Flag
from trialscreen.errors import TrialscreenError


@dataclass(frozen=True)
class Group:
    key: str  # the fact race:KEY
    label: str
    criterion: re.Pattern[str]  # how criteria name it
    patient: re.Pattern[str]  # how people and notes name it


@lru_cache(maxsize=1)
def groups() -> tuple[Group, ...]:
    raw = grammar().sections["race"].get("groups")
    if not isinstance(raw, list) or not raw:
        raise TrialscreenError(f"{FILE}: [race] groups must list the groups (key, label, criterion, patient)")
    out = []
    for i, g in enumerate(raw):
        if not isinstance(g, dict) or any(not isinstance(g.get(f), str) or not g[f] for f in Group.__annotations__):
            raise TrialscreenError(f"{FILE}: [race] groups[{i}] needs key, label, criterion and patient")
        try:
            criterion, patient = re.compile(g["criterion"], re.I), re.compile(g["patient"], re.I)
        except re.error as err:
            raise TrialscreenError(f"{FILE}: [race] groups[{i}] ({g['key']}): a broken pattern ({err})") from err
        out.append(Group(g["key"], g["label"], criterion, patient))
    return tuple(out)


class Race(Kind):
    name = "race"
    patterns = ("gate",)
    blocked_by = ("refractory", "manifestations")
    specs = (FactSpec("race:"),)

    def read(self, r: Read) -> list[Match]:
        if not self.p("gate").search(r.text):
            return []
        return [
            Match(Flag(key=f"race:{g.key}", label=f"self-identified {g.label}"))
            for g in groups()
            if g.criterion.search(r.text)
        ]


KIND = Race()
