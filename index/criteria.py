"""Splitting a trial's eligibility text into single criteria with exact character spans.

The registry pages put criteria in many shapes: bulleted lists, one criterion a line, numbered runs
inside one line ("1. ... 2. ... 3. ..."), inline bullets ("Laboratory abnormality: • Hb≤9 g/dl •
..."), nested sub-bullets under a lead-in ("Have received any of the following within 90 days of
Day 0:"), and ClinicalTrials.gov Markdown with escapes (``\\>``). The splitter builds a small tree
of items and emits each criterion with its own span in the source text and its parents' lead-in as
context. Spans never include list markers; `Criterion.text` is the span with Markdown escapes
removed and white space folded.

Headings (`index.headings`) cut the text into regions: a kind (inclusion, exclusion, or not stated),
a section (a part or cohort with its own list) and a lead-in. A region whose kind is not stated is
read item by item: "Must not ..." items and items that say they exclude are exclusions; the others
are inclusions when the region reads like requirements, and are left out when it does not.
Placeholders ("None", "N/A") and notes ("Other protocol-defined criteria may apply") are not criteria.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field, replace

from index.criteria_cues import criteria_cues
from index.headings import find_headings, kind_heading, line_spans
from trialscreen.model import Criterion, CriterionKind, Population

_BULLET = r"[-*•●▪◦+]"
_LINE_MARKER = re.compile(
    rf"(?P<indent>[ \t]*)(?:(?P<bullet>{_BULLET})[ \t]+|(?P<dash>-)(?=[≥≤<>A-Za-z(]))?"
    r"(?:\(?(?P<num>\d{1,2}|[a-z]|(?:i|ii|iii|iv|v|vi|vii|viii|ix|x))[.)](?:[ \t]+|(?=[A-Z])))?"
)
_INLINE_NUMBER = re.compile(r"(?<=[\s:;])(\d{1,2})\.(?:[ \t]+|[ \t]*\n[ \t]*|(?=[A-Z]))(?=[A-Z•\"'(≥≤<>])")
_INLINE_LETTER = re.compile(r"(?<=[\s:;])\(?([a-h])\)[ \t]+(?=\S)")
_INLINE_DASH = re.compile(r"(?<=\S)[ \t]+-[ \t]+(?=[A-Z])|(?<=\n)[ \t]*-[ \t]+(?=[A-Z])")
_INLINE_BULLET = re.compile(r"[ \t]+•[ \t]*")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~^=])")
_WS = re.compile(r"\s+")
_SHORT_HEADING = re.compile(r"^[^:\n]{1,40}:[ \t]*$")
_CHILD_MAX_LEN = 80


def unescape_markdown(text: str) -> str:
    return _MD_ESCAPE.sub(r"\1", text)


def display_text(raw: str) -> str:
    """How a stretch of source is shown: escapes removed, white space folded."""
    return _WS.sub(" ", unescape_markdown(raw)).strip()


@dataclass
class _Node:
    start: int
    end: int
    indent: int
    marker: str  # "bullet" | "number" | "none" | "line"
    number: int | None = None
    inline_child: bool = False  # came from an inline bullet: always a child of the part before it
    children: list[_Node] = field(default_factory=list)


@dataclass(frozen=True)
class Region:
    kind: CriterionKind | None  # None: the text does not say; each item is read for its kind
    start: int  # first character after the heading
    end: int
    section: str = ""
    population: tuple[Population, ...] = ()
    lead_in: tuple[str, ...] = ()  # heading words its items keep as context


def find_regions(text: str, start: int = 0, end: int | None = None) -> list[Region]:
    """The regions between `start` and `end`, each up to the next heading: the text before the first
    heading is a region of unstated kind, like one under "Eligibility Criteria:"."""
    stop = len(text) if end is None else end
    regions: list[Region] = []
    kind: CriterionKind | None = None
    outer: tuple[str, tuple[Population, ...]] = ("", ())
    inner: tuple[str, tuple[Population, ...]] | None = None
    lead: tuple[str, ...] = ()
    pos = start

    def close(upto: int) -> None:
        if text[pos:upto].strip():
            section, population = inner if inner is not None else outer
            regions.append(Region(kind, pos, upto, section, population, lead))

    for head in find_headings(text, start, stop):
        close(head.start)
        if head.opens_kind:
            kind, inner, lead = head.kind, None, ()
            if head.section is not None:
                inner = (head.section, head.population)
        else:
            if head.kind is not None:
                kind, inner = head.kind, None
            if head.section is not None:
                if head.outer:
                    outer, inner = (head.section, head.population), None
                else:
                    inner = (head.section, head.population)
            lead = (head.lead_in,) if head.lead_in else ()
        pos = head.content
    close(stop)
    return regions


def is_criteria_heading(line: str) -> bool:
    """Whether a line of a page opens its eligibility criteria ("Inclusion Criteria:", "Key
    Exclusion Criteria include:", "Eligibility Criteria")."""
    head = kind_heading(line, 0)
    return head is not None and head.start == 0 and (head.kind is not None or bool(line.strip(" \t:：")))


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _is_item(m: re.Match[str] | None) -> bool:
    return m is not None and bool(m.group("bullet") or m.group("dash") or m.group("num"))


def _marker_of(m: re.Match[str]) -> tuple[str, int | None]:
    num = m.group("num")
    if num and num.isdigit():
        return "number", int(num)
    if num:
        return "letter", None
    return "bullet", None


def _width(text: str, s: int, e: int) -> int:
    """A line's width from the start of its line in the text (a region may start mid-line)."""
    return len(text[text.rfind("\n", 0, s) + 1 : e].rstrip())


def _wrap_width(text: str, lines: list[tuple[int, int]]) -> int | None:
    """The width a text was wrapped at, when its lines show one (several lines within a few
    characters of the longest); None for one-criterion-a-line text."""
    widths = sorted((_width(text, s, e) for s, e in lines if text[s:e].strip()), reverse=True)
    if len(widths) < 2 or widths[0] < 60:
        return None
    near = sum(1 for w in widths if w >= widths[0] - 12)
    if len(widths) == 2:
        return widths[0]
    return widths[0] if near >= 2 and near >= 0.4 * len(widths) else None


def _continues(text: str, prev: _Node, s: int, e: int, wrap: int | None, few: bool) -> bool:
    """Whether an unmarked line right below another (no blank line between) wraps it rather than
    starting a new criterion: the text was wrapped, and the line above filled the width unfinished
    (with only two lines, the line below must also start in lower case)."""
    if wrap is None:
        return False
    last_line = text[text.rfind("\n", 0, prev.end) + 1 : prev.end]
    if _width(text, prev.end - len(last_line), prev.end) < wrap - 15:
        return False
    unfinished = not re.search(r"[.;!?]\s*$", last_line)
    lower = text[s:e].strip()[:1].islower()
    return (unfinished and lower) if few else (unfinished or lower)


def _line_pieces(text: str, region: Region) -> list[_Node]:
    lines = line_spans(text, region.start, region.end)
    marked = any(_is_item(_LINE_MARKER.match(text, s, e)) for s, e in lines)
    wrap = None if marked else _wrap_width(text, lines)
    few = sum(1 for s, e in lines if text[s:e].strip()) <= 2
    pieces: list[_Node] = []
    blank_before = True
    for s, e in lines:
        if not text[s:e].strip():
            blank_before = True
            continue
        m = _LINE_MARKER.match(text, s, e)
        assert m is not None
        indent = len(m.group("indent").expandtabs(4))
        if not marked:
            if pieces and not blank_before and _continues(text, pieces[-1], s, e, wrap, few):
                pieces[-1].end = _trim(text, s, e)[1]
            else:
                a, b = _trim(text, s, e)
                pieces.append(_Node(a, b, indent, "line"))
        elif _is_item(m):
            a, b = _trim(text, m.end(), e)
            marker, number = _marker_of(m)
            pieces.append(_Node(a, b, indent, marker, number))
        elif pieces and not blank_before:
            pieces[-1].end = _trim(text, s, e)[1]  # a wrapped line continues its item
        else:
            a, b = _trim(text, s, e)
            pieces.append(_Node(a, b, indent, "none"))
        blank_before = False
    pieces = [p for p in pieces if p.end > p.start]
    # Registry text blocks often lose the indentation of their first line only (a stripped field, an
    # XML text block): a first item left of all its like-marked siblings is one of them.
    if len(pieces) > 1 and text.rfind("\n", 0, pieces[0].start) < region.start:
        others = [p.indent for p in pieces[1:] if p.marker == pieces[0].marker != "line"]
        if others and min(others) > pieces[0].indent:
            pieces[0].indent = min(others)
    return pieces


_FUNCTION_WORDS = frozenset(
    "a an the of and or by to with for in on at as per than from into onto via vs including include includes "
    "e.g. i.e. eg ie e.g., i.e., etc not no nor but if unless except without within between during after before "
    "any all both each either neither one two three four five".split()
)
_WORD = re.compile(r"\S+")
_TITLE = re.compile(r"^[A-Z][a-z]")
_ROMAN = re.compile(r"^[IVX]{1,4}\W*$")


def _flattened(text: str, node: _Node) -> bool:
    """A list whose line breaks were lost: many words, hardly a sentence end among them, and items
    that start with a capitalised word right after the previous item's last word."""
    raw = text[node.start : node.end]
    if "\n" in raw.strip():
        return False
    words = raw.split()
    ends = len(re.findall(r"[.;](?:\s|$)", raw))
    if len(words) < 40 or len(words) / (ends + 1) < 50:
        return False
    starts = sum(
        1
        for before, word in itertools.pairwise(words)
        if _TITLE.match(word)
        and before.lower() not in _FUNCTION_WORDS
        and not _TITLE.match(before.strip("(),"))
        and not before.endswith((".", ",", ":"))
    )
    return starts >= len(words) / 20


def _flat_cuts(text: str, node: _Node) -> list[int]:
    """Where the items of a flattened list start: after "Label:" and before a capitalised word that
    follows an item's last word ("... 20,000/mm3 Adequate marrow ...", "... mg/dL AST less than")."""
    cuts: set[int] = set()
    tokens = list(_WORD.finditer(text, node.start, node.end))
    for prev, tok in itertools.pairwise(tokens):
        word, before = tok.group(), prev.group()
        if before.endswith(":"):
            cuts.add(tok.start())
            continue
        if not word[:1].isupper() or word in ("OR", "AND", "AND/OR") or before in ("OR", "AND", "AND/OR"):
            continue
        if _ROMAN.match(word):  # "class II or III"
            continue
        if before.lower().strip("(),") in _FUNCTION_WORDS or before.endswith((",", "(", "-", "/")):
            continue
        bare = before.strip("()[],.;")
        if bare[:1].isupper() and any(ch.islower() for ch in bare[1:]):
            continue  # a run of capitalised words: a name ("American College of Rheumatology")
        cuts.add(tok.start())
    return sorted(cuts)


def _split_flattened(text: str, pieces: list[_Node]) -> list[_Node]:
    """Flattened paragraphs become a small tree: the paragraph's label, its lead-ins, their items."""
    out: list[_Node] = []
    for piece in pieces:
        if not _flattened(text, piece):
            out.append(piece)
            continue
        bounds = [piece.start, *_flat_cuts(text, piece), piece.end]
        parts = [_trim(text, a, b) for a, b in itertools.pairwise(bounds)]
        parts = [(a, b) for a, b in parts if b > a]
        root: _Node | None = None
        lead: _Node | None = None
        for i, (a, b) in enumerate(parts):
            node = _Node(a, b, piece.indent, "flat")
            ends_colon = text[a:b].rstrip().endswith(":")
            if i == 0 and ends_colon:
                root = node
                out.append(node)
            elif ends_colon and len(text[a:b].split()) <= 4 and text[a : a + 1].isupper():
                root, lead = node, None  # the next label ("Hepatic:", "Renal:")
                out.append(node)
            elif ends_colon:
                lead = node
                (root.children if root else out).append(node)
            else:
                (lead.children if lead else root.children if root else out).append(node)
    return out


def _dash_run(text: str, piece: _Node) -> bool:
    """A piece that began with " - " after its heading and holds more " - Item" runs
    ("Inclusion Criteria: - Male or female ... - HbA1c 7.0-10.0% ...")."""
    before = text[max(0, piece.start - 3) : piece.start]
    return piece.marker == "bullet" and "-" in before and bool(_INLINE_DASH.search(text, piece.start, piece.end))


def _split_inline(text: str, pieces: list[_Node]) -> tuple[list[_Node], set[int]]:
    """Split numbered runs, lettered runs, dash runs and inline bullets inside one line; returns
    parts and restart heads.

    A restart head is a part whose text ends with a colon and is followed by a "1." that restarts
    the numbering: it is a lead-in for the numbered items that follow.
    """
    out: list[_Node] = []
    restart_heads: set[int] = set()
    last_num = 0
    for piece in pieces:
        if piece.number is not None:
            last_num = piece.number
        cuts: list[tuple[int, int, str, int | None]] = []  # (cut start, content start, marker, number)
        for m in _INLINE_NUMBER.finditer(text, piece.start, piece.end):
            n = int(m.group(1))
            before = text[piece.start : m.start()].rstrip()
            if n == last_num + 1 or (n == 1 and before.endswith(":")):
                if n == 1:
                    restart_heads.add(len(out) + len(cuts))
                cuts.append((m.start(), m.end(), "number", n))
                last_num = n
        letter = ""
        for m in _INLINE_LETTER.finditer(text, piece.start, piece.end):
            got = m.group(1)
            before = text[piece.start : m.start()].rstrip()
            if (got == "a" and (before.endswith(":") or not before)) or (letter and ord(got) == ord(letter) + 1):
                cuts.append((m.start(), m.end(), "letter", None))
                letter = got
        if _dash_run(text, piece):
            for m in _INLINE_DASH.finditer(text, piece.start, piece.end):
                cuts.append((m.start(), m.end(), "dash", None))
        for m in _INLINE_BULLET.finditer(text, piece.start, piece.end):
            cuts.append((m.start(), m.end(), "inline", None))
        cuts.sort()
        if not cuts:
            out.append(piece)
            continue
        seg_start, marker = piece.start, piece.marker
        number: int | None = piece.number
        inline_child = piece.inline_child
        for cut_start, content_start, kind, cut_num in cuts:
            if cut_start < seg_start:
                continue  # overlapping cuts: the first one wins
            a, b = _trim(text, seg_start, cut_start)
            if b > a:
                out.append(_Node(a, b, piece.indent, marker, number, inline_child))
            seg_start = content_start
            if kind == "number":
                marker, number, inline_child = "number", cut_num, False
            elif kind == "letter":
                marker, number, inline_child = "letter", None, False
            elif kind == "dash":
                marker, number, inline_child = "bullet", None, False
            else:
                marker, number, inline_child = "bullet", None, True
        a, b = _trim(text, seg_start, piece.end)
        if b > a:
            out.append(_Node(a, b, piece.indent, marker, number, inline_child))
    return out, restart_heads


def _ends_with_colon(text: str, node: _Node) -> bool:
    return text[node.start : node.end].rstrip().endswith(":")


def _build_tree(text: str, parts: list[_Node], restart_heads: set[int]) -> list[_Node]:
    roots: list[_Node] = []
    stack: list[_Node] = []  # open parents by indent
    numbered_parent: _Node | None = None
    colon_parent: _Node | None = None
    colon_marker = ""
    last_top: _Node | None = None

    def attach(node: _Node, parent: _Node | None) -> None:
        (parent.children if parent else roots).append(node)

    for i, node in enumerate(parts):
        if node.inline_child and last_top is not None:
            attach(node, last_top)
            continue
        # Indentation nesting (Markdown sub-bullets).
        while stack and stack[-1].indent >= node.indent:
            stack.pop()
        parent: _Node | None = stack[-1] if stack else None
        if parent is not None:
            colon_parent = None  # explicit nesting: the colon rule is not needed
        else:
            if colon_parent is not None:
                if colon_marker == "number":
                    is_child = node.marker != "number"
                elif node.marker == colon_marker:
                    is_child = node.end - node.start <= _CHILD_MAX_LEN
                else:
                    is_child = True
                if is_child:
                    parent = colon_parent
                else:
                    colon_parent = None
            if parent is None and numbered_parent is not None and node.marker == "number":
                parent = numbered_parent
        attach(node, parent)
        if i in restart_heads:
            numbered_parent = node
            colon_parent = None
        elif parent is None and _ends_with_colon(text, node):
            colon_parent, colon_marker = node, node.marker
        last_top = node
        stack.append(node)
    return roots


def _is_pure_lead_in(raw: str) -> bool:
    stripped = raw.strip().rstrip(":").strip()
    ends_colon = raw.rstrip().endswith(":")
    return (ends_colon and bool(criteria_cues().pure_lead_in.search(raw))) or len(stripped.split()) <= 4


def _roots(text: str, pieces: list[_Node]) -> list[_Node]:
    """The item tree of a region's pieces; flattened paragraphs get their own small trees."""
    roots: list[_Node] = []
    run: list[_Node] = []

    def flush() -> None:
        if run:
            parts, restart_heads = _split_inline(text, run)
            roots.extend(_build_tree(text, parts, restart_heads))
            run.clear()

    for piece in pieces:
        if _flattened(text, piece):
            flush()
            roots.extend(_split_flattened(text, [piece]))
        else:
            run.append(piece)
    flush()
    return roots


def split_region(text: str, region: Region, first_number: int = 1) -> list[Criterion]:
    """The criteria of one region, numbered from `first_number`. A region of unstated kind gives
    inclusion criteria here; `split_criteria` reads each for its kind."""
    pieces = _line_pieces(text, region)
    # Unmarked paragraphs before the first list item are a lead-in for the whole region.
    prelude: list[str] = [lead for lead in region.lead_in if lead]
    while pieces and pieces[0].marker == "none" and len(pieces) > 1 and _ends_with_colon(text, pieces[0]):
        prelude.append(display_text(text[pieces[0].start : pieces[0].end]))
        pieces.pop(0)
    roots = _roots(text, pieces)
    out: list[Criterion] = []
    kind: CriterionKind = region.kind or "inclusion"

    def emit(node: _Node, context: list[str]) -> None:
        raw = text[node.start : node.end]
        start, end = node.start, node.end
        own_context = list(context)
        first_nl = raw.find("\n")
        if first_nl != -1 and _SHORT_HEADING.match(raw[:first_nl]) and len(raw[:first_nl].split()) <= 4:
            own_context.append(display_text(raw[:first_nl]))
            start, end = _trim(text, node.start + first_nl + 1, node.end)
            raw = text[start:end]
        shown = display_text(raw)
        if node.children:
            if not _is_pure_lead_in(raw):
                _add(shown, start, end, own_context)
            for child in node.children:
                emit(child, [*own_context, shown])
        elif shown.rstrip(":").strip().lower() not in ("", "note") and any(ch.isalnum() for ch in shown):
            _add(shown, start, end, own_context)

    def _add(shown: str, start: int, end: int, context: list[str]) -> None:
        out.append(
            Criterion(
                kind=kind,
                number=first_number + len(out),
                text=shown,
                start=start,
                end=end,
                context=" ".join(context),
                section=region.section,
                population=region.population,
            )
        )

    for root in roots:
        emit(root, prelude)
    return out


def _read_kind(text: str, found: list[Criterion], region: Region) -> list[Criterion]:
    """The criteria of a region whose kind the text does not state, each with the kind its words
    say: forbidding items ("Must not be pregnant") are exclusions of what they forbid, items that
    say they exclude are exclusions, and the rest are inclusions if the region reads like
    requirements. Nothing is made an exclusion that does not say so."""
    cues = criteria_cues()
    requirement_like = any(cues.is_requirement(c.text) or cues.is_requirement(c.context) for c in found) or any(
        cues.is_requirement(lead) for lead in region.lead_in
    )
    out: list[Criterion] = []
    for c in found:
        forbids = cues.forbids.match(text[c.start : c.end])
        if forbids is not None and c.start + forbids.end() < c.end:
            start, end = _trim(text, c.start + forbids.end(), c.end)
            out.append(replace(c, kind="exclusion", start=start, end=end, text=display_text(text[start:end])))
        elif any(p.search(c.text) for p in cues.excludes):
            out.append(replace(c, kind="exclusion"))
        elif requirement_like:
            out.append(c)
    return out


_OWN_SECTION = re.compile(r"^(?P<who>(?:for|in)\s+[^:]{1,60}?)\s*:\s+\S", re.IGNORECASE)


def _own_section(c: Criterion) -> Criterion:
    """An item scoped to a group in its own words ("For SLE subjects: age 5-21 ...") is in that section."""
    if c.section:
        return c
    m = _OWN_SECTION.match(c.text)
    cues = criteria_cues()
    if m is None or not cues.for_whom.search(m.group("who")):
        return c
    name = re.sub(r"^(?:for|in)\s+(?:the\s+)?", "", m.group("who"), flags=re.IGNORECASE).strip()
    if cues.common.search(name):
        return c
    return replace(c, section=name, population=cues.populations_of(m.group("who")))


def split_criteria(text: str, start: int = 0, end: int | None = None) -> list[Criterion]:
    """All criteria between `start` and `end`, inclusion and exclusion, numbered per kind in the
    order of the text (across sections, so chunk ids stay unique)."""
    cues = criteria_cues()
    criteria: list[Criterion] = []
    for region in find_regions(text, start, end):
        found = split_region(text, region)
        if region.kind is None:
            found = _read_kind(text, found, region)
        criteria.extend(_own_section(c) for c in found if not cues.is_not_criterion(c.text))
    counts = {"inclusion": 0, "exclusion": 0}
    for c in criteria:
        counts[c.kind] += 1
        c.number = counts[c.kind]
    return criteria
