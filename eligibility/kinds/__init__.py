"""Rule kinds as plug-ins: one module per kind, each owning how criteria state it and its fact.

Every module here defines `KIND`, an instance of `eligibility.kinds.base.Kind`. Its patterns, cue
words and units are in its section of `eligibility/data/kinds.toml`, checked on load; the order the
kinds read a criterion in is that file's `[registry] order`. Adding a kind touches its module and that
data file. Modules are found when first needed, not at import.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from eligibility.kinds.base import FILE, FactSpec, Kind, grammar
from trialscreen.errors import TrialscreenError

_NOT_KINDS = frozenset({"base", "prefilter", "durations"})  # shared pieces, not kinds


@lru_cache(maxsize=1)
def _modules() -> dict[str, Kind]:
    found: dict[str, Kind] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name in _NOT_KINDS or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        kind = getattr(module, "KIND", None)
        if not isinstance(kind, Kind):
            raise TrialscreenError(f"eligibility/kinds/{info.name}.py must define KIND, a Kind")
        found[kind.name] = kind
    return found


def expected_patterns() -> dict[str, tuple[str, ...]]:
    """The patterns each kind module reads from its section of the data file."""
    return {name: kind.patterns for name, kind in _modules().items()}


@lru_cache(maxsize=1)
def registry() -> tuple[Kind, ...]:
    """Every kind, in the order they read a criterion; checked against the data file."""
    modules = _modules()
    order = grammar().order
    missing = [name for name in order if name not in modules]
    if missing:
        raise TrialscreenError(
            f"{FILE}: [registry] order names {missing}, which no module in eligibility/kinds/ defines"
        )
    unlisted = sorted(set(modules) - set(order))
    if unlisted:
        raise TrialscreenError(
            f"{FILE}: [registry] order must list the kinds {unlisted} (modules in eligibility/kinds/)"
        )
    for name in order:
        unknown = [b for b in modules[name].blocked_by if b not in modules]
        if unknown:
            raise TrialscreenError(f"eligibility/kinds/{name}.py: blocked_by names unknown kinds {unknown}")
    return tuple(modules[name] for name in order)


def fact_specs() -> tuple[FactSpec, ...]:
    """Every kind's patient facts."""
    return tuple(spec for kind in registry() for spec in kind.specs)


def spec_for(key: str) -> FactSpec | None:
    """The FactSpec of a fact key: an exact key first, then the longest family prefix."""
    specs = fact_specs()
    exact = next((s for s in specs if s.key == key), None)
    if exact is not None:
        return exact
    families = sorted((s for s in specs if s.covers(key)), key=lambda s: len(s.key), reverse=True)
    return families[0] if families else None


def answer_keys(key: str) -> list[str]:
    """The fact keys that answer an asked key ("prior:rituximab+class:biologic" -> prior:rituximab,
    prior:class:biologic): its kind's `answer_keys`, else the key itself."""
    spec = spec_for(key)
    if spec is not None and spec.answer_keys is not None:
        return spec.answer_keys(key)
    return [key]


__all__ = ["FactSpec", "Kind", "answer_keys", "expected_patterns", "fact_specs", "registry", "spec_for"]
