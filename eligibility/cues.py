"""Cue words (negation scope, time) from `eligibility/data/cues.toml`, checked when first loaded."""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources

from trialscreen.errors import TrialscreenError

FILE = "eligibility/data/cues.toml"
EXPECTED = {
    "negation": ("list_separator", "window_phrase", "own_assertion"),
    "time": ("window_one", "now", "recent"),
    "facts": ("healthy_volunteer",),
    "answers": ("yes", "no", "unsure"),
}


@lru_cache(maxsize=1)
def _cues() -> dict[str, dict[str, re.Pattern[str]]]:
    return load_cues(resources.files("eligibility").joinpath("data/cues.toml").read_text("utf-8"))


def load_cues(text: str) -> dict[str, dict[str, re.Pattern[str]]]:
    """Every expected cue, compiled; one clear error naming the key when one is missing or broken."""
    raw = tomllib.loads(text)
    out: dict[str, dict[str, re.Pattern[str]]] = {}
    for section, names in EXPECTED.items():
        for name in names:
            pattern = raw.get(section, {}).get(name)
            if not isinstance(pattern, str) or not pattern:
                raise TrialscreenError(f"{FILE}: [{section}] {name} is missing; it must be a regular expression")
            try:
                out.setdefault(section, {})[name] = re.compile(pattern, re.IGNORECASE)
            except re.error as err:
                raise TrialscreenError(f"{FILE}: [{section}] {name} is not a valid regular expression ({err})") from err
    return out


def cue(section: str, name: str) -> re.Pattern[str]:
    return _cues()[section][name]
