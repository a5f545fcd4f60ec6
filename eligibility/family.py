"""Where a criterion speaks of the person's relatives, not of the person.

"Family history of colorectal cancer", "first-degree relative with unexplained sudden death under the
age of 40", "mother living with HIV": what these name is a relative's. Read as the person's own, a
patient who denies the condition would be cleared of a criterion that asks about their family, and an
age limit for the relative would become the person's. The words come from readings.toml [family].
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from eligibility.fallback import reading_pattern
from eligibility.kinship import farthest, kin_in
from trialscreen.vocab import conditions as icd

Span = tuple[int, int]


def relatives(text: str) -> list[Span]:
    """The spans of `text` about relatives: from each relative word to the end of its clause."""
    relative, end = reading_pattern("family", "relative"), reading_pattern("family", "end")
    out: list[Span] = []
    for m in relative.finditer(text):
        if out and m.start() < out[-1][1]:
            continue
        stop = end.search(text, m.end())
        out.append((m.start(), len(text) if stop is None else stop.start()))
    return out


def shared_with_person(text: str, spans: list[Span]) -> bool:
    """Whether the person's own history is named with the relatives' ("personal or family history of
    MTC"): what the criterion names then applies to the person too."""
    personal = reading_pattern("family", "personal")
    return any(personal.search(text[:start]) for start, _ in spans)


def joined(text: str, spans: list[Span]) -> bool:
    """Whether the words about relatives are joined to the person's part as both required ("diabetes and
    a family history of heart disease"), not as another alternative. "Patients with a family history of
    ..." joins them to no part of the person's."""
    both, filler = reading_pattern("family", "joined"), reading_pattern("coded", "filler")
    for start, _ in spans:
        m = both.search(text[:start])
        if m is not None and filler.sub("", text[: m.start()]).strip():
            return True
    return False


def without(text: str, spans: Iterable[Span]) -> str:
    """The text with the spans blanked (same length, so the spans of what is read stay where they were)."""
    chars = list(text)
    for a, b in spans:
        chars[a:b] = " " * (b - a)
    return "".join(chars)


@dataclass(frozen=True)
class Asked:
    """What a criterion asks of the person's relatives: the conditions' codes, how close the relative must
    be (1: first-degree; None: any relative), and whether the words say nothing more than those conditions
    (so a relative's case meets it: not "premature coronary disease", "sudden death under 40")."""

    codes: list[str]
    degree: int | None
    whole: bool


def asked_of_relatives(text: str, spans: list[Span]) -> Asked:
    """The conditions the spans about relatives name, with the degree they ask and whether they are all
    that is said."""
    codes: list[str] = []
    kin = []
    whole = True
    for start, end in spans:
        named = icd.conditions_in(text[start:end])
        codes += [c for m in named for c in m.codes if c not in codes]
        words = kin_in(text, start, end)
        kin += words
        left = without(text[start:end], [(m.start, m.end) for m in named])
        left = without(left, [(k.start - start, k.end - start) for k in words])
        whole = whole and not says_more(left)
    return Asked(codes, farthest(kin), whole)


NOTHING = Asked([], None, False)


def says_more(text: str) -> bool:
    """Whether a text says more than filler ("Patients with", "positive family history of"): what is left
    of a criterion once the words read are blanked."""
    for pattern in (reading_pattern("coded", "filler"), reading_pattern("family", "filler")):
        text = pattern.sub(" ", text)
    return bool(text.strip(" -,;:.()/"))
