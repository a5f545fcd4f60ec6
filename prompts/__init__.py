"""Prompt templates, kept as TOML files beside this module and validated when they are loaded.

Each file has `name`, `description`, `variables`, `system` and `human`. Validation checks that the
templates use exactly the declared variables (so a typo fails at start-up, not mid-conversation) and
that they build a LangChain `ChatPromptTemplate`.
"""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from trialscreen.errors import TrialscreenError


@dataclass(frozen=True)
class Prompt:
    name: str
    description: str
    variables: tuple[str, ...]
    system: str
    human: str

    def template(self) -> Any:
        from langchain_core.prompts import ChatPromptTemplate

        return ChatPromptTemplate.from_messages([("system", self.system), ("human", self.human)])


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def parse_prompt(raw: str, source: str) -> Prompt:
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as err:
        raise TrialscreenError(f"prompt file {source} is not valid TOML: {err}") from err
    missing = [k for k in ("name", "description", "variables", "system", "human") if k not in data]
    if missing:
        raise TrialscreenError(f"prompt file {source} lacks {', '.join(missing)}")
    declared = set(data["variables"])
    try:
        used = _fields(data["system"]) | _fields(data["human"])
    except ValueError as err:
        raise TrialscreenError(f"prompt file {source}: bad braces ({err}); write literal braces as {{{{ }}}}") from err
    if used != declared:
        raise TrialscreenError(f"prompt file {source}: templates use {sorted(used)} but declare {sorted(declared)}")
    return Prompt(data["name"], data["description"], tuple(data["variables"]), data["system"], data["human"])


@cache
def load_prompt(name: str) -> Prompt:
    path = resources.files("prompts").joinpath(f"{name}.toml")
    if not path.is_file():
        raise TrialscreenError(f"no prompt file prompts/{name}.toml")
    return parse_prompt(path.read_text("utf-8"), f"prompts/{name}.toml")


def validate_all() -> list[Prompt]:
    """Load every prompt file; called at start-up by commands that may use a model."""
    return [load_prompt(p.name[:-5]) for p in resources.files("prompts").iterdir() if p.name.endswith(".toml")]
