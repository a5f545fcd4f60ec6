"""Removing page furniture (menus, sign-up prompts, placeholder Latin, footers) from saved pages."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_LEAD = re.compile(r"^[\s•*\-–·]+")


@dataclass(frozen=True)
class FurnitureRules:
    lines: tuple[re.Pattern[str], ...]
    tail: tuple[re.Pattern[str], ...]

    def _key(self, line: str) -> str:
        return _LEAD.sub("", line).strip()

    def is_furniture(self, line: str) -> bool:
        key = self._key(line)
        return bool(key) and any(p.search(key) for p in self.lines)

    def starts_footer(self, line: str) -> bool:
        key = self._key(line)
        return bool(key) and any(p.search(key) for p in self.tail)


@lru_cache(maxsize=1)
def furniture_rules() -> FurnitureRules:
    raw = tomllib.loads(resources.files("index").joinpath("data/furniture.toml").read_text("utf-8"))
    return FurnitureRules(
        lines=tuple(re.compile(p, re.IGNORECASE) for p in raw["lines"]),
        tail=tuple(re.compile(p, re.IGNORECASE) for p in raw["tail"]),
    )


def strip_furniture(text: str) -> tuple[str, int]:
    """The text without furniture lines and footer, and how many lines were dropped.

    Whole lines are dropped, never parts of lines, so every remaining line is verbatim.
    Runs of more than one blank line left behind are folded into one.
    """
    rules = furniture_rules()
    kept: list[str] = []
    dropped = 0
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if rules.starts_footer(line):
            dropped += len(lines) - i
            break
        if rules.is_furniture(line):
            dropped += 1
            continue
        if not line.strip() and kept and not kept[-1].strip():
            continue
        kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    while kept and not kept[0].strip():
        kept.pop(0)
    return "\n".join(kept) + "\n", dropped
