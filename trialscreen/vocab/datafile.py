"""Loading a vocabulary TOML file into a pydantic model, with one clear error when it is wrong."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from trialscreen.vocab.errors import VocabularyDataError

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
