"""Published classification criteria, computed from a note's findings (`eligibility/data/classification.toml`).

A note that describes a disease without naming it ("alopecia, thrombocytopenia, a positive ANA and
anti-dsDNA") meets a standard when enough of its items are found among the note's typed facts: its
asserted conditions (by ICD-10-CM code or concept), its positive lab flags and its lab values. Only
ever a reason to count the disease in, never to count it out.
"""

from __future__ import annotations

import operator
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources

from eligibility.concepts import concepts
from eligibility.facts import Fact, Profile
from eligibility.kinds import spec_for
from eligibility.labs import lab
from trialscreen.errors import TrialscreenError
from trialscreen.vocab import conditions as icd

FILE = "eligibility/data/classification.toml"
_LIMIT = re.compile(r"^(lab:\w+)\s*(<=|>=|<|>)\s*(\d+(?:\.\d+)?)$")
_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_ITEM_FIELDS = {"name", "group", "codes", "concepts", "flags", "labs"}
_STANDARD_FIELDS = {"name", "title", "disease", "code", "minimum", "groups", "item", "specific", "unless"}


@dataclass(frozen=True)
class Limit:
    key: str
    op: str
    value: float

    def holds(self, fact: Fact) -> bool:
        v = fact.value
        return isinstance(v, int | float) and not isinstance(v, bool) and _OPS[self.op](float(v), self.value)


@dataclass(frozen=True)
class Item:
    name: str
    group: str
    codes: tuple[str, ...] = ()
    concepts: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    labs: tuple[Limit, ...] = ()

    def found(self, profile: Profile) -> Fact | None:
        """The note's fact that shows this item, if any."""
        for key in self.flags:
            fact = profile.get(key)
            # a number is held to the item's `labs` limit ("ANA 1:40" is no positive ANA)
            if fact is not None and (fact.value is True or (fact.value is None and fact.detail.get("positive"))):
                return fact
        for limit in self.labs:
            fact = profile.get(limit.key)
            if fact is not None and limit.holds(fact):
                return fact
        for key in self.concepts:
            fact = profile.get(f"cond:{key}")
            if fact is not None and fact.value is True:
                return fact
        if self.codes:
            refs = icd.references(self.codes)
            for key in profile.keys_with_prefix("icd:"):
                if refs.holds(icd.Placed.of(key[4:])):
                    asserted = [f for f in profile.facts[key] if f.value is True]
                    if asserted:
                        return asserted[0]
        return None


@dataclass(frozen=True)
class Standard:
    name: str
    title: str
    disease: str  # the fact `dx:DISEASE` it classifies
    code: str  # the ICD-10-CM code of the disease
    minimum: int
    groups: tuple[tuple[str, int], ...]
    items: tuple[Item, ...]
    specific: tuple[str, ...] = ()  # items of which at least one must be found
    unless: tuple[str, ...] = ()  # ICD-10-CM codes of diagnoses that, named anywhere, stop it


@dataclass(frozen=True)
class Classified:
    """A standard the note's findings meet, with the fact behind each item found."""

    standard: Standard
    found: tuple[tuple[Item, Fact], ...]

    @property
    def findings(self) -> list[str]:
        return [item.name for item, _ in self.found]


def classify(profile: Profile, named: Iterable[str] = ()) -> list[Classified]:
    """The standards the profile's findings meet, for diseases the text does not name; `named`: the
    ICD-10-CM codes of every condition the text names, in any context. A standard is not computed when
    the text names its disease (its code's category, or a `dx:` fact: "evaluate for lupus", "no SLE")
    or a diagnosis of its `unless`."""
    out = []
    named = tuple(named)
    for standard in standards():
        stops = icd.references((standard.code.split(".")[0], *standard.unless))
        if profile.get(f"dx:{standard.disease}") is not None or any(stops.holds(icd.Placed.of(c)) for c in named):
            continue
        found = [(item, fact) for item in standard.items if (fact := item.found(profile)) is not None]
        if len(found) < standard.minimum:
            continue
        if standard.specific and not any(item.name in standard.specific for item, _ in found):
            continue
        if all(sum(1 for item, _ in found if item.group == g) >= n for g, n in standard.groups):
            out.append(Classified(standard, tuple(found)))
    return out


@lru_cache(maxsize=1)
def standards() -> tuple[Standard, ...]:
    return load_standards(resources.files("eligibility").joinpath("data/classification.toml").read_text("utf-8"))


def load_standards(text: str) -> tuple[Standard, ...]:
    """The standards of a classification.toml text; one clear error naming the entry when one is wrong."""
    raw = tomllib.loads(text)
    known = {c.key for c in concepts()}
    out = []
    for n, s in enumerate(raw.get("standard", []), start=1):
        name = s.get("name") or f"standard #{n}"
        extra = set(s) - _STANDARD_FIELDS
        if extra:
            raise TrialscreenError(f"{FILE}: {name}: unknown fields {sorted(extra)}; use {sorted(_STANDARD_FIELDS)}")
        for field in ("name", "title", "disease", "code"):
            if not isinstance(s.get(field), str) or not s[field]:
                raise TrialscreenError(f"{FILE}: {name}: {field} must be a non-empty string")
        if not icd.valid_reference(s["code"]):
            raise TrialscreenError(f"{FILE}: {name}: code must be an ICD-10-CM code, not {s['code']!r}")
        items = tuple(_item(name, i, known) for i in s.get("item", []))
        minimum = s.get("minimum")
        if not isinstance(minimum, int) or not 1 <= minimum <= len(items):
            raise TrialscreenError(f"{FILE}: {name}: minimum must be a whole number from 1 to its {len(items)} items")
        groups = s.get("groups", {})
        names = {i.group for i in items}
        if not isinstance(groups, dict) or any(g not in names or not isinstance(v, int) for g, v in groups.items()):
            raise TrialscreenError(f"{FILE}: {name}: groups must map its items' groups {sorted(names)} to counts")
        specific = s.get("specific", [])
        if not isinstance(specific, list) or any(x not in {i.name for i in items} for x in specific):
            raise TrialscreenError(f"{FILE}: {name}: specific must list names of its items, not {specific!r}")
        unless = s.get("unless", [])
        if not isinstance(unless, list) or any(not isinstance(c, str) or not icd.valid_reference(c) for c in unless):
            raise TrialscreenError(f"{FILE}: {name}: unless must list ICD-10-CM codes or ranges, not {unless!r}")
        groups_sorted = tuple(sorted(groups.items()))
        standard = Standard(s["name"], s["title"], s["disease"], s["code"], minimum, groups_sorted, items)
        out.append(replace(standard, specific=tuple(specific), unless=tuple(unless)))
    return tuple(out)


def _item(standard: str, raw: dict[str, object], known: set[str]) -> Item:
    name = raw.get("name")
    where = f"{FILE}: {standard}: item {name or '?'}"
    if not isinstance(name, str) or not isinstance(raw.get("group"), str):
        raise TrialscreenError(f"{where}: needs a name and a group")
    extra = set(raw) - _ITEM_FIELDS
    if extra:
        raise TrialscreenError(f"{where}: unknown fields {sorted(extra)}; use {sorted(_ITEM_FIELDS)}")
    lists: dict[str, list[str]] = {}
    for field in ("codes", "concepts", "flags", "labs"):
        value = raw.get(field, [])
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise TrialscreenError(f"{where}: codes, concepts, flags and labs must be lists of strings")
        lists[field] = [str(x) for x in value]
    codes, named, flags, labs = lists["codes"], lists["concepts"], lists["flags"], lists["labs"]
    if not (codes or named or flags or labs):
        raise TrialscreenError(f"{where}: give at least one of codes, concepts, flags or labs")
    bad = [c for c in codes if not icd.valid_reference(c)]
    if bad:
        raise TrialscreenError(f"{where}: not ICD-10-CM codes or ranges: {bad}")
    unknown = [c for c in named if c not in known]
    if unknown:
        raise TrialscreenError(f"{where}: concepts {unknown} are not in eligibility/data/concepts.toml")
    unread = [f for f in flags if not _read(f)]
    if unread:
        raise TrialscreenError(f"{where}: flags must be lab facts a rule kind reads (lab:anti_dsdna), not {unread}")
    limits = []
    for text in labs:
        m = _LIMIT.match(text.strip())
        if m is None:
            raise TrialscreenError(f"{where}: a lab limit is 'lab:KEY OP VALUE' (lab:wbc < 4), not {text!r}")
        if not _read(m.group(1)):
            raise TrialscreenError(
                f"{where}: {m.group(1)} is no lab fact a rule kind reads (eligibility/data/labs.toml)"
            )
        limits.append(Limit(m.group(1), m.group(2), float(m.group(3))))
    return Item(name, str(raw["group"]), tuple(codes), tuple(named), tuple(flags), tuple(limits))


def _read(key: str) -> bool:
    """Whether the note reader gives a lab fact under this key: a lab of labs.toml, or a kind's own."""
    spec = spec_for(key)
    return key.startswith("lab:") and (lab(key) is not None or (spec is not None and spec.key == key))
