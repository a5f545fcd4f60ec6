"""How close a relative is: the degree of kinship a text names (`eligibility/data/cues.toml` [kinship]).

A first-degree relative is a parent, sibling or child (1); a grandparent, aunt, uncle, niece, nephew or
half-sibling is second-degree (2); a cousin third-degree (3). "Family history of", "a relative" name the
family without saying who: a relative of no stated degree. Notes say who had a condition ("asthma in
his father and sister"); criteria say how close the relative must be ("first-degree relative with
colorectal cancer"). Spouses, friends and colleagues are not relatives.
"""

from __future__ import annotations

from dataclasses import dataclass

from eligibility.cues import cue

_DEGREES = (("first", 1), ("second", 2), ("third", 3))


@dataclass(frozen=True)
class Kin:
    """A word for a relative: its span, and its degree (None: the family, without saying who)."""

    start: int
    end: int
    degree: int | None


def kin_in(text: str, start: int = 0, end: int | None = None) -> list[Kin]:
    """The words for relatives in text[start:end], in order; of two that overlap the longer one counts
    ("half-sister", "great-grandmother")."""
    stop = len(text) if end is None else end
    found = [
        Kin(m.start(), m.end(), degree)
        for name, degree in _DEGREES
        for m in cue("kinship", name).finditer(text, start, stop)
    ]
    found += [Kin(m.start(), m.end(), None) for m in cue("kinship", "generic").finditer(text, start, stop)]
    found.sort(key=lambda k: (k.start, -(k.end - k.start)))
    out: list[Kin] = []
    for k in found:
        if out and k.start < out[-1].end:
            continue
        out.append(k)
    return out


def farthest(words: list[Kin]) -> int | None:
    """The farthest degree the words name; None when they name only the family. For a criterion it is
    how far it reaches ("first- or second-degree relative": 2; "family history of": any relative); for
    a note, the degree of the relative who has a condition when several are named around it ("asthma in
    his mother and his uncle": 2), since which of them has it is not sure."""
    degrees = [k.degree for k in words if k.degree is not None]
    return max(degrees) if degrees else None


def fits(stated: int | None, asked: int | None) -> bool:
    """Whether a relative of the stated degree is one the criterion asks about."""
    return asked is None or (stated is not None and stated <= asked)
