"""Cutting a parsed trial into the chunks that are embedded and searched.

One chunk per criterion (embedded with the trial title, the kind and the parent lead-in as
context), plus chunks for the prose sections (summary, description, arms and dosing, design,
details), cut at paragraph boundaries. Every chunk's `text` is `source_text[start:end]`: verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from index.criteria import display_text
from trialscreen.model import Trial

MAX_CHUNK_CHARS = 1000
_PARAGRAPH = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Chunk:
    id: str
    trial: str
    section: str  # "criteria" or a prose section name
    kind: str  # "inclusion" / "exclusion" for criteria, "" otherwise
    start: int
    end: int
    text: str  # verbatim source text
    embed_text: str  # what is embedded and matched lexically: text plus context

    def metadata(self, version: str, title: str) -> dict[str, Any]:
        return {
            "key": f"{self.trial}@{version}",  # the trial version it belongs to (index.catalog.Entry.key)
            "chunk_id": self.id,
            "trial": self.trial,
            "section": self.section,
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "version": version,
            "title": title[:200],
        }


def _paragraph_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = start
    for m in _PARAGRAPH.finditer(text, start, end):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, end))
    out: list[tuple[int, int]] = []
    for a, b in spans:
        while b - a > MAX_CHUNK_CHARS * 1.5:  # a very long paragraph: cut at a sentence end
            cut = text.rfind(". ", a, a + MAX_CHUNK_CHARS)
            cut = cut + 1 if cut > a else a + MAX_CHUNK_CHARS
            out.append((a, cut))
            a = cut
            while a < b and text[a].isspace():
                a += 1
        if b > a:
            out.append((a, b))
    return out


def _group(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    groups: list[tuple[int, int]] = []
    for a, b in spans:
        if groups and b - groups[-1][0] <= MAX_CHUNK_CHARS:
            groups[-1] = (groups[-1][0], b)
        else:
            groups.append((a, b))
    return groups


def chunk_trial(trial: Trial) -> list[Chunk]:
    chunks: list[Chunk] = []
    for c in trial.criteria:
        label = "Inclusion" if c.kind == "inclusion" else "Exclusion"
        context = f" {c.context}" if c.context else ""
        chunks.append(
            Chunk(
                id=f"{trial.ref}:{c.chunk_key}",
                trial=trial.ref,
                section="criteria",
                kind=c.kind,
                start=c.start,
                end=c.end,
                text=trial.source_text[c.start : c.end],
                embed_text=f"{trial.title}. {label} criterion:{context} {c.text}",
            )
        )
    counters: dict[str, int] = {}
    for section in trial.sections:
        for a, b in _group(_paragraph_spans(trial.source_text, section.start, section.end)):
            n = counters.get(section.name, 0) + 1
            counters[section.name] = n
            raw = trial.source_text[a:b]
            chunks.append(
                Chunk(
                    id=f"{trial.ref}:{section.name}-{n}",
                    trial=trial.ref,
                    section=section.name,
                    kind="",
                    start=a,
                    end=b,
                    text=raw,
                    embed_text=f"{trial.title}. {section.name.capitalize()}: {display_text(raw)}",
                )
            )
    return chunks
