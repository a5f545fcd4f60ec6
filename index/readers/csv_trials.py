"""Reading a CSV table of trials, one trial per row (the HINT benchmark's columns), as many trials.

The HINT clinical-trial outcome benchmark (futianfan/clinical-trial-outcome-prediction) ships its
trials as CSV with the columns nctid, status, why_stop, label, phase, diseases, icdcodes, drugs,
smiless, criteria; `criteria` is the registry's eligibility block with its indentation kept. A table is
recognised by its header (`nctid` and `criteria` columns), whatever the file is called.

Each row becomes one trial whose stored source text is a plain rendering of the row ("NCT number:
...", "Status: ...", then the eligibility block exactly as the cell holds it), so every criterion span
and field citation points into that trial's own text. Rows are read one at a time (a table may hold
thousands of trials); a row without criteria, or repeating a trial read before, is skipped and counted,
never a failure of the file. A table without the needed columns is one clear error.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from index.criteria import split_criteria
from index.enrich import finalize
from index.textio import DocumentError, RawDocument
from trialscreen.fields import normalize_phase, normalize_status
from trialscreen.model import FieldCite, Trial

REQUIRED = ("nctid", "criteria")
HINT_COLUMNS = "nctid,status,why_stop,label,phase,diseases,icdcodes,drugs,smiless,criteria"
_ALIASES = {"nct_id": "nctid", "nct id": "nctid", "nct number": "nctid", "eligibility criteria": "criteria"}
_NCT = re.compile(r"^NCT\d{8}$", re.IGNORECASE)
_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*\n)+")
_MAX_LIST_CELL = 20_000  # a list cell longer than this is not parsed as a Python list literal
TITLE_MAX = 200

SKIP_EMPTY = "an empty criteria cell"
SKIP_NO_CRITERIA = "no criteria found in the criteria cell"
SKIP_NO_NCT = "no NCT number in the row"
SKIP_MALFORMED = "row with the wrong number of cells"
SKIP_REPEATED = "the same NCT number as an earlier row"


def _header_cells(line: str) -> list[str]:
    delimiter = "\t" if line.count("\t") > line.count(",") else ","
    try:
        cells = next(csv.reader([line], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return []
    return [_column(c) for c in cells]


def _column(name: str) -> str:
    key = name.strip().strip('"').strip().lower()
    return _ALIASES.get(key, key)


def looks_like_table(doc: RawDocument) -> bool:
    """A trial table: its first line is a header naming the nctid and criteria columns, or a .csv/.tsv
    file (which then gets a clear error if its columns are not a trial table's)."""
    first = doc.text.lstrip("\ufeff").split("\n", 1)[0]
    if all(c in _header_cells(first) for c in REQUIRED):
        return True
    return doc.path.suffix.lower() in (".csv", ".tsv")


@dataclass
class TableRead:
    """The trials of a table, produced row by row, and how many rows were skipped and why.

    `skipped` fills in while `trials` is iterated: read it after the last trial.
    """

    name: str
    trials: Iterator[Trial]
    rows: int = 0
    table: bool = True  # False: the one trial of a page or record (a document that is not a table)
    skipped: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        """'' when no row was skipped; else one line: which rows and why."""
        if not self.skipped:
            return ""
        reasons = ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items()))
        return f"{self.name}: {sum(self.skipped.values())} of {self.rows} row(s) not indexed ({reasons})"


def _list_cell(value: str | None) -> list[str]:
    """A HINT list cell ("['a', 'b']", a Python literal) or a plain 'a; b' / 'a' value, as strings."""
    raw = (value or "").strip()
    if not raw:
        return []
    if raw.startswith("[") and raw.endswith("]") and len(raw) <= _MAX_LIST_CELL:
        try:
            parsed = ast.literal_eval(raw)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            parsed = None
        if isinstance(parsed, list | tuple):
            return [" ".join(str(v).split()) for v in parsed if isinstance(v, str | int | float) and str(v).strip()]
    return [v.strip() for v in raw.split(";") if v.strip()]


class _Render:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.cites: list[FieldCite] = []

    def add(self, text: str) -> tuple[int, int]:
        start = self.length
        self.parts.append(text)
        self.length += len(text)
        return start, self.length

    def field(self, name: str, label: str, value: str) -> None:
        value = " ".join(value.split())
        if value:
            start, end = self.add(f"{label}: {value}\n")
            self.cites.append(FieldCite(name, start, end - 1))

    @property
    def text(self) -> str:
        return "".join(self.parts)


def row_trial(row: dict[str, str], source: str) -> Trial | None:
    """One row as a trial, its source text the row's rendering; None when no criteria are found in it."""
    nct = (row.get("nctid") or "").strip().upper()
    conditions = _list_cell(row.get("diseases"))
    drugs = _list_cell(row.get("drugs"))
    status, phase = (row.get("status") or "").strip(), (row.get("phase") or "").strip()
    r = _Render()
    r.field("identifiers", "NCT number", nct)
    r.field("status", "Status", status)
    r.field("why_stopped", "Why stopped", row.get("why_stop") or "")
    r.field("phase", "Phase", phase)
    r.field("conditions", "Conditions", "; ".join(conditions))
    r.field("interventions", "Interventions", "; ".join(drugs))
    criteria = _LEADING_BLANK_LINES.sub("", (row.get("criteria") or "").replace("\r\n", "\n")).rstrip()
    if not criteria.strip():
        return None
    r.add("\nEligibility criteria\n")
    start, end = r.add(criteria)
    r.add("\n")
    text = r.text
    trial = Trial(
        ref=nct,
        source=source,
        source_format="hint-csv",
        source_text=text,
        title=("; ".join(conditions) or nct)[:TITLE_MAX],
        nct_id=nct,
        status=normalize_status(status) or "unknown",
        phase=normalize_phase(phase),
        conditions=conditions,
        interventions=drugs,
        field_cites=r.cites,
        criteria=split_criteria(text, start, end),
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )
    if not trial.criteria:
        return None
    trial.warnings.append("the table states no title; the title lists the trial's conditions")
    return finalize(trial)


def _check_header(doc: RawDocument, header: list[str] | None) -> list[str]:
    columns = [_column(c) for c in header or []]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        found = ", ".join(c for c in columns if c) or "no header line"
        raise DocumentError(
            f"{doc.name}: a CSV table, but not a table of trials: it needs the columns {' and '.join(REQUIRED)} "
            f"(one trial per row, as the HINT benchmark's {HINT_COLUMNS}); its columns are: {found[:300]}. "
            "Rename the columns, or save each trial as its own text or JSON file"
        )
    return columns


def read_table(doc: RawDocument) -> TableRead:
    """Every trial of a CSV table. The header is checked at once (DocumentError); rows as they are read."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # a criteria cell is far longer than the 128 kB default
    first = doc.text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(doc.text.lstrip("\ufeff")), delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as err:
        raise DocumentError(f"{doc.name}: the header line is not valid CSV ({err})") from err
    columns = _check_header(doc, header)
    result = TableRead(doc.name, iter(()))

    def rows() -> Iterator[Trial]:
        seen: set[str] = set()
        while True:
            try:
                cells = next(reader, None)
            except csv.Error as err:
                raise DocumentError(
                    f"{doc.name}: line {reader.line_num} is not valid CSV ({err}); the rows before it were read"
                ) from err
            if cells is None:
                return
            if not any(c.strip() for c in cells):
                continue
            result.rows += 1
            if len(cells) != len(columns):
                result.skipped[SKIP_MALFORMED] += 1
                continue
            row = dict(zip(columns, cells, strict=True))
            nct = (row.get("nctid") or "").strip()
            if not _NCT.match(nct):
                result.skipped[SKIP_NO_NCT] += 1
                continue
            if nct.upper() in seen:
                result.skipped[SKIP_REPEATED] += 1
                continue
            if not (row.get("criteria") or "").strip():
                result.skipped[SKIP_EMPTY] += 1
                continue
            trial = row_trial(row, doc.name)
            if trial is None:
                result.skipped[SKIP_NO_CRITERIA] += 1
                continue
            seen.add(trial.ref)
            yield trial

    result.trials = rows()
    return result
