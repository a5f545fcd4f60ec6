"""Reading the project's data files (patterns, cue words) with one clear error naming the file and entry.

Every loader of a TOML file of regular expressions goes through here, so a missing entry, a broken
pattern or a file that is not TOML is reported the same way: "<file>: <entry> ...; fix ...". The
vocabulary files (pydantic models) and their gzipped snapshots are read here too.
"""

from __future__ import annotations

import gzip
import re
import tomllib
from collections.abc import Iterable
from importlib import resources
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from trialscreen.errors import TrialscreenError
from trialscreen.vocab.errors import VocabularyDataError


def package_text(package: str, path: str) -> str:
    """A data file shipped inside a package (``package_text("eligibility", "data/cues.toml")``)."""
    return resources.files(package).joinpath(path).read_text("utf-8")


def toml(text: str, file: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise TrialscreenError(f"{file}: not valid TOML ({err}); fix the file") from err


def table(raw: dict[str, Any], name: str, file: str) -> dict[str, Any]:
    found = raw.get(name)
    if not isinstance(found, dict):
        raise TrialscreenError(f"{file}: the [{name}] table is missing")
    return found


def pattern(value: Any, file: str, where: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    """One regular expression of a data file."""
    if not isinstance(value, str) or not value:
        raise TrialscreenError(f"{file}: {where} is missing; it must be a regular expression")
    try:
        return re.compile(value, flags)
    except re.error as err:
        raise TrialscreenError(f"{file}: {where} is not a valid regular expression ({err}); fix the pattern") from err


def patterns(values: Any, file: str, where: str) -> tuple[re.Pattern[str], ...]:
    """A non-empty list of regular expressions, each checked on its own (the error names its index)."""
    if not isinstance(values, list) or not values:
        raise TrialscreenError(f"{file}: {where} must be a non-empty list of regular expressions")
    return tuple(pattern(v, file, f"{where}[{i}]") for i, v in enumerate(values))


def joined(compiled: Iterable[re.Pattern[str]], file: str, where: str) -> re.Pattern[str]:
    """Checked patterns as one alternation (one search instead of many)."""
    return pattern("|".join(f"(?:{p.pattern})" for p in compiled), file, where)


# -- vocabulary files: TOML checked against a pydantic model, and gzipped TSV snapshots ----------------

M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], text: str, name: str) -> M:
    """`text` (TOML) checked against `model`; the error names the file, the entry and what is wrong."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise VocabularyDataError(f"{name}: not valid TOML ({err}); fix the file and run again") from err
    try:
        return model.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise VocabularyDataError(
            f"{name}: {where}: {first['msg']} ({len(err.errors())} problem(s)); fix the entry and run again"
        ) from err


def load(model: type[M], name: str) -> M:
    """A data file shipped under `trialscreen/data/`."""
    text = resources.files("trialscreen").joinpath(f"data/{name}").read_text("utf-8")
    return parse(model, text, f"trialscreen/data/{name}")


def snapshot_rows(path: str, fields: int, what: str, minimum: int = 1000) -> list[list[str]]:
    """The rows of a gzipped TSV snapshot under `trialscreen/` (header skipped), each with `fields` fields;
    a missing, damaged or truncated snapshot says how to regenerate it."""
    regenerate = "regenerate it: python -m trialscreen.vocab.build"
    try:
        raw = resources.files("trialscreen").joinpath(path).read_bytes()
        lines = gzip.decompress(raw).decode("utf-8").splitlines()
    except (OSError, EOFError, UnicodeDecodeError) as err:
        raise VocabularyDataError(f"trialscreen/{path} cannot be read ({err}); {regenerate}") from err
    rows = [line.split("\t") for line in lines[1:]]
    bad = next((n for n, r in enumerate(rows, start=2) if len(r) != fields), None)
    if bad is not None or len(rows) < minimum:
        where = f"line {bad}: expected {fields} tab-separated fields" if bad else f"only {len(rows)} {what}"
        raise VocabularyDataError(f"trialscreen/{path}: {where}; {regenerate}")
    return rows
