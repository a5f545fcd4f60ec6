"""What a rule reads of a profile, and the answer it gives a person who says nothing it reads.

Most of a trial's criteria are about things a given note never mentions. A rule's evaluation is a
function of the answers the profile gives it (`lookup`, `keys_with_prefix`, `facts.get`), so when
every one of the questions it asked of an empty profile gets the same empty answer from this person,
it takes the same path and returns the same result. That result is worked out once per rule, by
evaluating it against a recording empty profile, and the screening reuses it for everyone it fits.

A rule that reads the profile in a way the recording cannot follow (walking over every fact) is
never short-cut: it is evaluated for each person as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eligibility.facts import Fact, Lookup, Profile, View
from eligibility.rules import Result, Rule


class _Opaque(Exception):
    """The rule read the profile in a way that cannot be recorded."""


class _RecordingFacts(dict[str, list[Fact]]):
    """An empty fact table that writes down the keys asked of it."""

    def __init__(self, keys: set[str]) -> None:
        super().__init__()
        self._keys = keys

    def get(self, key: str, default: Any = None) -> Any:
        self._keys.add(key)
        return default

    def __getitem__(self, key: str) -> list[Fact]:
        self._keys.add(key)
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self._keys.add(key)
        return False

    def _opaque(self, *_: object) -> Any:
        raise _Opaque

    __iter__ = _opaque
    __len__ = _opaque
    keys = _opaque
    values = _opaque
    items = _opaque
    copy = _opaque
    setdefault = _opaque
    pop = _opaque


class _RecordingProfile(Profile):
    """A profile with no facts that records every key and prefix a rule asks about."""

    def __init__(self) -> None:
        self.asked_keys: set[str] = set()
        self.asked_prefixes: set[str] = set()
        self.asked_views: set[tuple[View, str]] = set()
        super().__init__(facts=_RecordingFacts(self.asked_keys))

    def __getattribute__(self, name: str) -> Any:
        if name in ("text", "notes"):  # what the person wrote, not a fact: cannot be recorded
            raise _Opaque
        return super().__getattribute__(name)

    def lookup(self, key: str) -> Lookup:
        self.asked_keys.add(key)
        return super().lookup(key)

    def keys_with_prefix(self, prefix: str) -> list[str]:
        self.asked_prefixes.add(prefix)
        return []

    def view(self, view: View, key: str) -> list[Fact]:
        self.asked_views.add((view, key))
        return []

    def add(self, fact: Fact) -> None:  # pragma: no cover - a rule never adds facts
        raise _Opaque


@dataclass(frozen=True)
class Reads:
    """The keys and key prefixes a rule asks a profile about, and its result when none has a fact."""

    keys: frozenset[str]
    prefixes: tuple[str, ...]
    silent: Result
    views: tuple[tuple[View, str], ...] = ()

    def fits(self, profile: Profile, present: frozenset[str]) -> bool:
        """Whether this person (whose keys with facts are `present`: `present_keys`) has no fact under
        any key, prefix or view the rule reads."""
        if not self.keys.isdisjoint(present):
            return False
        if any(profile.keys_with_prefix(p) for p in self.prefixes):
            return False
        return not any(profile.view(v, k) for v, k in self.views)


def reads(rule: Rule) -> Reads | None:
    """What the rule reads (worked out once per rule object; rules do not change once compiled), or
    None when its reading cannot be recorded."""
    cached = rule.__dict__.get("_reads", False)
    if cached is not False:
        return cached
    recording = _RecordingProfile()
    silent: Reads | None
    try:
        result = rule.evaluate(recording)
        silent = Reads(
            frozenset(recording.asked_keys),
            tuple(sorted(recording.asked_prefixes)),
            result,
            tuple(recording.asked_views),
        )
    except _Opaque:
        silent = None
    rule.__dict__["_reads"] = silent
    return silent


def present_keys(profile: Profile) -> frozenset[str]:
    """The keys this person has at least one fact under (kept with what is derived from the facts,
    which is cleared whenever a fact is added)."""
    found = profile.derived.get(_PRESENT)
    if found is None:
        found = profile.derived[_PRESENT] = frozenset(k for k, v in profile.facts.items() if v)
    return found  # type: ignore[return-value]


_PRESENT = ("reads", "present")
