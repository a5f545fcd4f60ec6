"""Reading the project's data files (patterns, cue words) with one clear error naming the file and entry.

Every loader of a TOML file of regular expressions goes through here, so a missing entry, a broken
pattern or a file that is not TOML is reported the same way: "<file>: <entry> ...; fix ...".
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from importlib import resources
from typing import Any

from trialscreen.errors import TrialscreenError


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
