"""Consent and following the protocol, as a person's text states them.

A study-team criterion that asks for informed consent or for following the protocol and its visits
("Signed informed consent", "Able and willing to attend all study visits", "History of poor
compliance") is read into an `Assured` rule per assurance it names, from `[[assurance]]` entries of
`eligibility/data/readings.toml`, validated on first use. It stays a study-team item: it is never
asked, and only what the text states settles it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from eligibility.fallback import FILE, reading_pattern, readings
from eligibility.rules import AllOf, AnyOf, Assured, Rule
from trialscreen import datafile
from trialscreen.errors import TrialscreenError


@dataclass(frozen=True)
class Assurance:
    key: str
    label: str
    criterion: re.Pattern[str]
    against: re.Pattern[str]


@lru_cache(maxsize=1)
def assurances() -> tuple[Assurance, ...]:
    out = []
    for i, entry in enumerate(readings().get("assurance", [])):
        where = f"[[assurance]] {i + 1}"
        if not isinstance(entry, dict) or not all(isinstance(entry.get(f), str) and entry[f] for f in ("key", "label")):
            raise TrialscreenError(f"{FILE}: {where} needs key and label (strings), criterion and against (patterns)")
        out.append(
            Assurance(
                entry["key"],
                entry["label"],
                datafile.pattern(entry.get("criterion"), FILE, f"{where} criterion"),
                datafile.pattern(entry.get("against"), FILE, f"{where} against"),
            )
        )
    if not out:
        raise TrialscreenError(f"{FILE}: [[assurance]] entries are missing (consent, compliance)")
    return tuple(out)


def in_passing(text: str) -> bool:
    """Whether the text names consent or compliance only in passing (a time, someone's judgement)."""
    return reading_pattern("assurances", "in_passing").search(text) is not None


def assured(text: str, kind: str) -> Rule | None:
    """The assurances a study-team criterion asks for, as one rule, or None when it names none.

    An inclusion asks for an assurance, an exclusion for its absence; a criterion worded the other
    way round ("Informed consent" among exclusions, "unable to consent" among inclusions) is left to
    the study team as it stands."""
    if in_passing(text):
        return None
    history = reading_pattern("assurances", "history")
    rules: list[Rule] = []
    for a in assurances():
        if not a.criterion.search(text):
            continue
        against = a.against.search(text) is not None
        if against != (kind == "exclusion"):
            return None
        rules.append(Assured(key=a.key, label=a.label, against=against, past=against and bool(history.search(text))))
    if not rules:
        return None
    if len(rules) == 1:
        return rules[0]
    return AnyOf(rules) if kind == "exclusion" else AllOf(rules)
