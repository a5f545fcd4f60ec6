"""A trial's compiled rules, as stored beside it at index time, or compiled anew when they are missing
or were written by another reader (`compiler_fingerprint`: its code and data). Cached per trial version."""

from __future__ import annotations

from typing import Any, Protocol

from eligibility.compiler import CompiledCriterion, compile_trial, compiler_fingerprint
from trialscreen.model import Trial


class StoredRules(Protocol):
    """What the rule book reads: the index's catalog has this shape."""

    def trial(self, ref: str) -> Trial: ...

    def rules(self, ref: str) -> tuple[str, list[dict[str, Any]] | None]: ...

    def version_of(self, ref: str) -> str | None: ...


class RuleBook:
    def __init__(self, catalog: StoredRules) -> None:
        self.catalog = catalog
        self._cache: dict[tuple[str, str | None], list[CompiledCriterion]] = {}

    def compiled(self, ref: str) -> list[CompiledCriterion]:
        trial = self.catalog.trial(ref)
        key = (trial.ref, self.catalog.version_of(trial.ref))
        found = self._cache.get(key)
        if found is None:
            found = self._load(trial)
            self._cache[key] = found
        return found

    def _load(self, trial: Trial) -> list[CompiledCriterion]:
        version, stored = self.catalog.rules(trial.ref)
        if version == compiler_fingerprint() and stored is not None and len(stored) == len(trial.criteria):
            try:
                return [CompiledCriterion.from_dict(c) for c in stored]
            except (KeyError, TypeError, ValueError):
                pass  # written by an older engine: compile anew
        return compile_trial(trial)
