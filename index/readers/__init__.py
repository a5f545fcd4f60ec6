"""Trial document readers, chosen by what a document contains, not only by its file name."""

from __future__ import annotations

import json
import re
from pathlib import Path

from index.enrich import finalize
from index.readers.csv_trials import TableRead, looks_like_table, read_table
from index.textio import DocumentError, RawDocument, read_document
from trialscreen.model import Trial

_HTML = re.compile(r"^\s*(<!doctype html|<html\b|<head\b|<body\b)", re.IGNORECASE)
_TAGS = re.compile(r"<(div|p|li|ul|h[1-6]|table|span)\b[^>]*>", re.IGNORECASE)


def detect_format(doc: RawDocument) -> str:
    head = doc.text.lstrip()[:4096]
    if head.startswith("{") or head.startswith("["):
        return "json"
    if looks_like_table(doc):
        return "table"
    if _HTML.match(head) or len(_TAGS.findall(head)) >= 5:
        return "html"
    return "text"


def parse_document(doc: RawDocument) -> Trial:
    """One typed trial from a decoded document, or a DocumentError saying why not."""
    fmt = detect_format(doc)
    if fmt == "table":
        raise DocumentError(f"{doc.name}: a table of many trials; read it with `read_trials`")
    if fmt == "json":
        try:
            data = json.loads(doc.text)
        except json.JSONDecodeError as err:
            raise DocumentError(
                f"{doc.name}: looks like JSON but does not parse ({err.msg} at line {err.lineno})"
            ) from err
        from index.readers.json_trials import read_json

        trial = read_json(doc, data)
    elif fmt == "html":
        from index.readers.html import read_html

        trial = read_html(doc)
    else:
        from index.readers.text import read_text

        trial = read_text(doc, source_format="markdown" if doc.path.suffix.lower() == ".md" else "text")
    if not trial.criteria:
        raise DocumentError(
            f"{doc.name}: no eligibility criteria found (expected a heading such as 'Inclusion Criteria'); not indexed"
        )
    trial.content_hash = doc.sha256
    return finalize(trial)


def read_trials(doc: RawDocument) -> TableRead:
    """Every trial of a document: each row of a table of trials, or the one trial of a page or record."""
    if detect_format(doc) == "table":
        return read_table(doc)
    return TableRead(doc.name, iter([parse_document(doc)]), rows=1, table=False)


def read_trial(path: Path) -> Trial:
    return parse_document(read_document(path))
