"""Finding the headings of an eligibility text: list kinds, parts and cohorts, and list introducers.

Registry texts name their lists in many ways: "Inclusion Criteria:", "Key Exclusion Criteria include:",
"INCLUSION:", "Inclusion criteria for Part A", "Part 1: Key Inclusion Criteria For Healthy Volunteers",
"People will not be eligible for this study if they:", "Eligibility Criteria:" (kind not stated), a
heading run into its first item ("Inclusion Criteria: Age 18 or older ... Exclusion Criteria: ..."),
or no heading at all. This module finds them line by line and says, for each, the kind it opens
(None: not stated), the section it opens (a part, cohort or group with its own list) and where its
content starts. The words are data (`index/data/criteria.toml`); this module only applies them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from index.criteria_cues import CriteriaCues, criteria_cues
from trialscreen.model import CriterionKind, Population

_MARKER = re.compile(r"^[ \t]*(?:[-*•●▪◦+][ \t]*|(?:\d{1,2}|[A-Za-z]|[ivxIVX]{1,4})[.)][ \t]+)?")
_DECOR = re.compile(r"^[#*_\s]+|[*_\s]+$")
_SENTENCE_END = re.compile(r"[.;:!?)]\s*$")
_COLON = re.compile(r"[:：]")
_INLINE_MARKED = re.compile(r"^(?:\d{1,2}[.)]|[-*•])\s*\S")
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Heading:
    """A heading line (or the heading part of a line) in the eligibility text."""

    start: int  # where the heading starts in the text
    content: int  # where what it heads starts (after its colon, or the next line)
    kind: CriterionKind | None  # the list's kind; None: the heading does not say
    opens_kind: bool  # a kind heading (or a neutral one): it starts a new list
    section: str | None  # the part/cohort it opens; "" for everyone; None: it says nothing of sections
    population: tuple[Population, ...] = ()
    lead_in: str = ""  # kept as the context of the items it heads ("... must meet 1 of the following:")
    outer: bool = False  # a section heading above kind headings ("Part A" then "Inclusion Criteria")


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    cues = criteria_cues()
    kind = re.compile(
        rf"(?<![\w-])(?:(?P<exc>{cues.exclusion_word.pattern})|(?P<inc>{cues.inclusion_word.pattern})|"
        rf"(?P<neu>{cues.neutral_word.pattern}))(?![\w-])(?P<crit>\s+(?:criteri(?:a|on)s?|requirements?))?",
        re.IGNORECASE,
    )
    # A heading run into the previous text: capitalised and followed by a colon ("... screening
    # Exclusion Criteria: - Female who is pregnant").
    midline = re.compile(
        r"(?<=\S)[ \t]+(?:[-–—]+[ \t]*)?(?P<h>(?=[A-Z])(?:(?:Key|Main|Major|KEY|MAIN|MAJOR)[ \t]+)?"
        rf"(?i:{cues.exclusion_word.pattern}|{cues.inclusion_word.pattern})[ \t]+(?:criteria|CRITERIA|Criteria)"
        r"[ \t]*[:：])"
    )
    return kind, midline


def _clean_section(cues: CriteriaCues, words: str) -> str | None:
    """A section's name from heading words, or None when they name none; "" when they name everyone."""
    name = cues.drop.sub(" ", words)
    cut = cues.introducer.search(name)
    if cut and name[: cut.start()].strip(" :-–—(").strip():
        name = name[: cut.start()]
    name = re.sub(r"(^|[:–—-]\s*)(?:for|in)\s+(?:the\s+)?", r"\1", name.strip(), flags=re.IGNORECASE)
    name = _WS.sub(" ", name).strip(" \t:：;,.-–—")
    name = re.sub(r"\s*:\s*$", "", name)
    if not name or not re.search(r"\w", name):
        return None
    if cues.common.search(name):
        return ""
    return name


def _is_section_name(cues: CriteriaCues, words: str) -> bool:
    """Whether heading words name a part ("Part A", "Cohort 2"), a group ("For SLE subjects"), or a
    population ("Healthy volunteers"), rather than a topic ("Patient characteristics")."""
    if cues.section_words.search(words) or cues.for_whom.search(words):
        return True
    return bool(cues.named_group.search(words) and cues.populations_of(words))


def kind_heading(line: str, line_start: int) -> Heading | None:
    """A heading naming a list (inclusion, exclusion, or the whole block), possibly with content
    after its colon on the same line. `line` may be several lines of one paragraph with their line
    breaks kept (offsets stay those of the text)."""
    cues = criteria_cues()
    kind_re, _ = _patterns()
    marker = _MARKER.match(line)
    assert marker is not None
    body_start = marker.end()
    decor = re.match(r"[#*_ \t]*", line[body_start:])
    body_start += decor.end() if decor else 0
    body = line[body_start:]
    m = kind_re.search(body)
    if m is None:
        words = _DECOR.sub("", body).strip().rstrip(":：").strip()
        if not words and body.strip():  # a heading whose words were lost (":")
            return Heading(line_start, line_start + len(line), None, True, None)
        if words and len(words) <= 40 and cues.neutral_headings.search(words) and body.rstrip().endswith((":", "：")):
            return Heading(line_start, line_start + len(line), None, True, None)  # "DISEASE CHARACTERISTICS:"
        return None
    kind: CriterionKind | None = "exclusion" if m.group("exc") else "inclusion" if m.group("inc") else None
    end = m.end()
    both = re.match(r"\s*(?:/|&|and|or)\s*", body[m.end() :], re.IGNORECASE)
    if kind is not None and both:
        other = kind_re.match(body, m.end() + both.end())
        if other is not None and (other.group("exc") or other.group("inc")):
            kind, end = None, other.end()  # "Inclusion/Exclusion Criteria": both kinds follow
    elif m.group("neu") and not m.group("crit") and not re.fullmatch(r"eligibility", m.group("neu"), re.I):
        return None
    before = _DECOR.sub("", body[: m.start()]).strip()
    section_words = ""
    if before:
        qual = before
        sec = re.match(r"^(?P<sec>.{1,50}?)\s*[:.–—-]\s*(?P<q>.*)$", before)
        if sec and _is_section_name(cues, sec.group("sec")):
            section_words, qual = sec.group("sec"), sec.group("q")
        elif len(before.split()) <= 5 and cues.section_words.search(before):
            section_words, qual = before, ""
        if qual and not cues.qualifiers.match(qual.strip()):
            return None
    after = body[end:]
    inline_at: int | None = None
    colon = _COLON.search(after)
    stripped = after.strip()
    dashed = re.sub(r"^[-–—]\s*", "", stripped)
    names_part = stripped[:1] in "-–—" and len(dashed.split()) <= 6 and _is_section_name(cues, dashed)
    if _INLINE_MARKED.match(stripped) and after[:1].isspace() and not names_part:
        tail, inline_at = "", len(after) - len(after.lstrip())  # "INCLUSION CRITERIA 1. Provision ..."
    elif colon is not None and len(after[: colon.start()].split()) <= 12:
        tail, inline_at = after[: colon.start()].strip(), colon.end()
        tail = _DECOR.sub("", tail).strip()
        if tail and not cues.tail.match(tail) and cues.sentence_tail.search(tail) and not tail.startswith("("):
            return None
    else:
        colon = None
        tail = _DECOR.sub("", after.strip().rstrip(".")).strip()
        if tail and (not cues.tail.match(tail) or len(tail.split()) > 10):
            return None
        if tail and not tail.startswith("(") and cues.sentence_tail.search(tail):
            return None
        if len(body.strip()) > 120:
            return None
    if tail and re.match(r"(?:for|in)\b|[-–—]", tail, re.IGNORECASE):
        named = re.sub(r"^[-–—]\s*", "", tail)
        if _is_section_name(cues, named) or cues.common.search(re.sub(r"^(?:for|in)\s+", "", named, flags=re.I)):
            section_words = f"{section_words}: {named}" if section_words else named
    content = line_start + len(line)
    if inline_at is not None:
        abs_inline = line_start + body_start + end + inline_at
        if line[abs_inline - line_start :].strip(" \t\n.:：-–—"):
            content = abs_inline
    section = _clean_section(cues, section_words) if section_words else None
    population = cues.populations_of(section_words) if section else ()
    return Heading(line_start, content, kind, True, section, population)


def cue_heading(line: str, line_start: int) -> Heading | None:
    """An unmarked line that introduces a list and says its kind ("People may be eligible ... if they:"),
    or a part/cohort heading ("For SLE Subjects:", "Control group (Group C):")."""
    cues = criteria_cues()
    marker = _MARKER.match(line)
    assert marker is not None
    if line[: marker.end()].strip():
        return None  # a list item, not a heading
    body = _DECOR.sub("", line).strip()
    if not body or len(body) > 200 or not body.endswith((":", "：")):
        return None
    words = body.rstrip(":：").strip()
    section: str | None = None
    population: tuple[Population, ...] = ()
    if len(words.split()) <= 15 and _is_section_name(cues, words):
        section = _clean_section(cues, words)
        population = cues.populations_of(words) if section else ()
    alternatives = bool(cues.alternatives.search(words))
    kind: CriterionKind | None = None
    if cues.about_taking_part.search(words):
        if any(p.search(words) for p in cues.cue_exclusion):
            kind = "exclusion"  # "any of the following" excludes item by item, as any exclusion list
        elif not alternatives and any(p.search(words) for p in cues.cue_inclusion):
            kind = "inclusion"
    if kind is None and section is None:
        return None
    lead_in = words + ":" if alternatives or re.search(r"\bfollowing\b", words, re.IGNORECASE) else ""
    if kind is not None:
        lead_in = ""
    return Heading(line_start, line_start + len(line), kind, False, section, population, lead_in)


def outer_section(line: str, line_start: int) -> Heading | None:
    """A short unmarked line naming a part, with no colon, right above a kind heading
    ("Core Safety Follow-up Component", "PART B (patients)")."""
    cues = criteria_cues()
    marker = _MARKER.match(line)
    assert marker is not None
    if line[: marker.end()].strip():
        return None
    words = _DECOR.sub("", line).strip().rstrip(":：")
    if not words or len(words.split()) > 10 or not _is_section_name(cues, words):
        return None
    section = _clean_section(cues, words)
    if section is None:
        return None
    return Heading(line_start, line_start + len(line), None, False, section, cues.populations_of(words), "", True)


def line_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The (start, end) of each line between `start` and `end`, newlines excluded."""
    out = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl == -1 else nl
        out.append((pos, stop))
        pos = stop + 1
    return out


def _unmarked(line: str) -> bool:
    marker = _MARKER.match(line)
    return marker is not None and not line[: marker.end()].strip()


def find_headings(text: str, start: int = 0, end: int | None = None) -> list[Heading]:
    """The headings between `start` and `end`, in order."""
    stop = len(text) if end is None else end
    _, midline = _patterns()
    lines = line_spans(text, start, stop)
    out: list[Heading] = []
    prev_blank = True
    prev_text = ""
    skip_to = -1
    for i, (s, e) in enumerate(lines):
        line = text[s:e]
        if not line.strip():
            prev_blank = True
            continue
        if s < skip_to:
            prev_blank, prev_text = False, line
            continue
        paragraph_start = prev_blank or bool(out and out[-1].content >= s) or bool(_SENTENCE_END.search(prev_text))
        found = kind_heading(line, s)
        if found is None and paragraph_start and _unmarked(line):
            # A heading may wrap over two or three lines of its paragraph.
            para_end = e
            for a, b in [(s, e), *lines[i + 1 : i + 3]]:
                if not text[a:b].strip() or (a != s and not _unmarked(text[a:b])):
                    break
                para_end = b
                joined = text[s:para_end].replace("\n", " ")
                found = cue_heading(joined, s)
                if found is None and a != s:
                    found = kind_heading(joined, s)
                if found is not None:
                    break
            if found is None:
                nxt = next(((a, b) for a, b in lines[i + 1 :] if text[a:b].strip()), None)
                if nxt is not None and kind_heading(text[nxt[0] : nxt[1]], nxt[0]) is not None:
                    found = outer_section(line, s)
        if found is not None:
            out.append(found)
            skip_to = found.content if found.content > e else -1
        # Kind headings run into the line after other text ("... screening Exclusion Criteria: - Female").
        if found is None:
            search_from = s
        elif found.content < e:
            search_from = found.content
        else:
            search_from = e
        for m in midline.finditer(text, search_from, e):
            head = kind_heading(text[m.start("h") : e], m.start("h"))
            if head is not None and head.kind is not None:
                out.append(head)
        prev_blank = False
        prev_text = line
    return out
