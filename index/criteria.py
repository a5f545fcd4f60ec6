"""Splitting a trial's eligibility text into single criteria with exact character spans.

The registry pages put criteria in many shapes: bulleted lists, one criterion a line, numbered runs
inside one line ("1. ... 2. ... 3. ..."), inline bullets ("Laboratory abnormality: • Hb≤9 g/dl •
..."), nested sub-bullets under a lead-in ("Have received any of the following within 90 days of
Day 0:"), and ClinicalTrials.gov Markdown with escapes (``\\>``). The splitter builds a small tree
of items and emits each criterion with its own span in the source text and its parents' lead-in as
context. Spans never include list markers; `Criterion.text` is the span with Markdown escapes
removed and white space folded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from trialscreen.model import Criterion, CriterionKind

_HEADING = re.compile(
    r"^[ \t]*(?:[-*•][ \t]*)?(?:primary[ \t]+|key[ \t]+|main[ \t]+)?"
    r"(?P<kind>inclusion|exclusion)[ \t]+criteria[ \t]*:?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_BULLET = r"[-*•●▪◦+]"
_LINE_MARKER = re.compile(rf"(?P<indent>[ \t]*)(?:(?P<bullet>{_BULLET})[ \t]+)?(?:(?P<num>\d{{1,2}})[.)][ \t]+)?")
_INLINE_NUMBER = re.compile(r"(?<=\s)(\d{1,2})\.[ \t]+(?=[A-Z•\"'(])")
_INLINE_BULLET = re.compile(r"[ \t]+•[ \t]*")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~^=])")
_WS = re.compile(r"\s+")
_PURE_LEAD_IN = re.compile(
    r"((any|one|all|each) of the following|the following (that|criteria|are)|as follows|following criteria|"
    r"should be excluded|are excluded|must meet|if (she|he|they) (is|are)\s*:?\s*$)",
    re.IGNORECASE,
)
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
    kind: CriterionKind
    start: int  # first character after the heading line
    end: int


def find_regions(text: str, start: int = 0, end: int | None = None) -> list[Region]:
    """The inclusion and exclusion regions between `start` and `end`, each up to the next heading."""
    stop = len(text) if end is None else end
    heads = [m for m in _HEADING.finditer(text, start, stop)]
    regions: list[Region] = []
    for i, m in enumerate(heads):
        kind: CriterionKind = "inclusion" if m.group("kind").lower() == "inclusion" else "exclusion"
        region_end = heads[i + 1].start() if i + 1 < len(heads) else stop
        regions.append(Region(kind, m.end(), region_end))
    return regions


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl == -1 else nl
        out.append((pos, stop))
        pos = stop + 1
    return out


def _line_pieces(text: str, region: Region) -> list[_Node]:
    lines = _lines(text, region.start, region.end)
    marked = any((m := _LINE_MARKER.match(text, s, e)) and (m.group("bullet") or m.group("num")) for s, e in lines)
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
            a, b = _trim(text, s, e)
            pieces.append(_Node(a, b, indent, "line"))
        elif m.group("bullet") or m.group("num"):
            a, b = _trim(text, m.end(), e)
            number = int(m.group("num")) if m.group("num") else None
            pieces.append(_Node(a, b, indent, "number" if number is not None else "bullet", number))
        elif pieces and not blank_before:
            pieces[-1].end = _trim(text, s, e)[1]  # a wrapped line continues its item
        else:
            a, b = _trim(text, s, e)
            pieces.append(_Node(a, b, indent, "none"))
        blank_before = False
    return [p for p in pieces if p.end > p.start]


def _split_inline(text: str, pieces: list[_Node]) -> tuple[list[_Node], set[int]]:
    """Split numbered runs and inline bullets inside one line; returns parts and restart heads.

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
            a, b = _trim(text, seg_start, cut_start)
            if b > a:
                out.append(_Node(a, b, piece.indent, marker, number, inline_child))
            seg_start = content_start
            if kind == "number":
                marker, number, inline_child = "number", cut_num, False
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
    return (ends_colon and bool(_PURE_LEAD_IN.search(raw))) or len(stripped.split()) <= 4


def split_region(text: str, region: Region, first_number: int = 1) -> list[Criterion]:
    """The criteria of one region, numbered from `first_number`."""
    pieces = _line_pieces(text, region)
    # Unmarked paragraphs before the first list item are a lead-in for the whole region.
    prelude: list[str] = []
    while pieces and pieces[0].marker == "none" and len(pieces) > 1 and _ends_with_colon(text, pieces[0]):
        prelude.append(display_text(text[pieces[0].start : pieces[0].end]))
        pieces.pop(0)
    parts, restart_heads = _split_inline(text, pieces)
    roots = _build_tree(text, parts, restart_heads)
    out: list[Criterion] = []

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
                kind=region.kind,
                number=first_number + len(out),
                text=shown,
                start=start,
                end=end,
                context=" ".join(context),
            )
        )

    for root in roots:
        emit(root, prelude)
    return out


def split_criteria(text: str, start: int = 0, end: int | None = None) -> list[Criterion]:
    """All criteria between `start` and `end`, inclusion and exclusion, numbered per kind."""
    counts = {"inclusion": 1, "exclusion": 1}
    criteria: list[Criterion] = []
    for region in find_regions(text, start, end):
        found = split_region(text, region, counts[region.kind])
        counts[region.kind] += len(found)
        criteria.extend(found)
    return criteria
