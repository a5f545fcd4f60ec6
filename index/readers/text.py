"""Reading trial pages saved as plain text or Markdown (registry sites and their mirrors)."""

from __future__ import annotations

from dataclasses import dataclass, field

from index.criteria import display_text, is_criteria_heading, split_criteria
from index.criteria_cues import criteria_cues
from index.furniture import strip_furniture
from index.headings import find_headings
from index.readers.layout import heading_of, label_of
from index.textio import RawDocument
from trialscreen.model import FieldCite, Section, Trial

PROSE = ("summary", "description", "arms", "endpoints", "design", "details")


@dataclass
class _Line:
    start: int
    end: int
    text: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()


@dataclass
class Layout:
    """What the line scanner found: title, fields with their spans, sections, the criteria block."""

    text: str
    title: str | None = None
    title_span: tuple[int, int] | None = None
    fields: dict[str, list[str]] = field(default_factory=dict)
    cites: dict[str, tuple[int, int]] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    loose_lines: list[_Line] = field(default_factory=list)  # content before any heading
    criteria_block: tuple[int, int] | None = None


def _lines(text: str) -> list[_Line]:
    out: list[_Line] = []
    pos = 0
    for raw in text.split("\n"):
        out.append(_Line(pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return out


def _title_like(line: str) -> bool:
    s = line.strip()
    return 8 <= len(s) <= 250 and not s.endswith((".", ":", ";")) and any(c.isalpha() for c in s)


def scan(text: str) -> Layout:
    lines = _lines(text)
    layout = Layout(text=text)
    section: tuple[str, int] | None = None
    section_has_content = False
    in_criteria = False
    criteria_start = 0

    def close(at: int) -> None:
        nonlocal section
        if section is not None:
            name, start = section
            segment = text[start:at]
            lead = len(segment) - len(segment.lstrip())
            trail = len(segment.rstrip())
            if trail > lead:
                layout.sections.append(Section(name, start + lead, start + trail))
        section = None

    i = 0
    while i < len(lines):
        line = lines[i]
        if line.blank:
            i += 1
            continue
        heading = heading_of(line.text)
        if in_criteria:
            if heading and heading != "eligibility":
                layout.criteria_block = (criteria_start, line.start)
                in_criteria = False
            else:
                i += 1
                continue
        if heading == "eligibility" or is_criteria_heading(line.text):
            close(line.start)
            in_criteria = True
            criteria_start = line.start
            i += 1
            continue
        if heading:
            close(line.start)
            section, section_has_content = (heading, line.end + 1), False
            i += 1
            continue
        found = label_of(line.text)
        if found:
            label, inline = found
            if section is None or section[0] not in ("details", "design"):
                close(line.start)
                section, section_has_content = ("details", line.start), True
            values: list[str] = []
            end = line.end
            i += 1
            if inline:
                values.append(inline)
            else:
                while i < len(lines) and lines[i].blank:
                    i += 1
                while i < len(lines) and not lines[i].blank:
                    nxt = lines[i].text
                    if heading_of(nxt) or label_of(nxt) or is_criteria_heading(nxt):
                        break
                    values.append(nxt.strip())
                    end = lines[i].end
                    i += 1
                    if not label.many:
                        break
            if values:
                layout.fields.setdefault(label.field, []).extend(values)
                layout.cites.setdefault(label.field, (line.start + len(line.text) - len(line.text.lstrip()), end))
            continue
        # A content line.
        if layout.title is None and not section_has_content and not layout.loose_lines and _title_like(line.text):
            layout.title = line.text.strip()
            layout.title_span = (line.start + len(line.text) - len(line.text.lstrip()), line.end)
            if section is not None:
                section = (section[0], line.end + 1)
            i += 1
            continue
        if layout.title is None:
            layout.title = ""  # the first content line is not a title: there is none
        if section is None:
            layout.loose_lines.append(line)
        section_has_content = True
        i += 1
    if in_criteria:
        layout.criteria_block = (criteria_start, len(text))
    close(len(text))
    return layout


def _reads_as_criteria(text: str, start: int, end: int) -> bool:
    """Whether text under no criteria heading is a criteria list: a line introduces one, or most of
    its items word requirements."""
    if any(head.kind is not None for head in find_headings(text, start, end)):
        return True  # "Patients who fulfil the following criteria will be enrolled:"
    found = split_criteria(text, start, end)
    cues = criteria_cues()
    strong = sum(1 for c in found if cues.is_strong_requirement(c.text))
    return bool(found) and strong >= 0.5 * len(found)


def read_text(doc: RawDocument, source_format: str = "text") -> Trial:
    text, _dropped = strip_furniture(doc.text)
    layout = scan(text)
    trial = Trial(
        ref=doc.path.stem,
        source=doc.name,
        source_format=source_format,
        source_text=text,
        title=layout.title or "",
    )
    if layout.title_span:
        trial.field_cites.append(FieldCite("title", *layout.title_span))
    for name, (start, end) in layout.cites.items():
        trial.field_cites.append(FieldCite(name, start, end))
    trial.sections = layout.sections
    if layout.criteria_block:
        start, end = layout.criteria_block
        # A list right above the first heading, with nothing between, is its first list
        # ("- Age 18 or older ... Exclusion Criteria: ..." whose inclusion heading was lost).
        before = [ln for ln in layout.loose_lines if ln.end <= start]
        between = [c[0] for c in layout.cites.values()] + [sec.start for sec in layout.sections]
        if (
            before
            and not any(before[0].start <= at < start for at in between)
            and _reads_as_criteria(text, before[0].start, before[-1].end)
        ):
            start = before[0].start
        trial.criteria = split_criteria(text, start, end)
    elif layout.loose_lines:
        # No heading opens the criteria: the text before any section may be a list without one.
        start, end = layout.loose_lines[0].start, layout.loose_lines[-1].end
        if not any(start <= cite[0] < end for cite in layout.cites.values()) and _reads_as_criteria(text, start, end):
            trial.criteria = split_criteria(text, start, end)
    from index.enrich import apply_fields

    apply_fields(trial, layout.fields, [display_text(ln.text) for ln in layout.loose_lines])
    return trial
