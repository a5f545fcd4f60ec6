"""Regression gates: thresholds from `pyproject.toml` ([tool.trialscreen.gates]) and a stored baseline.

A gate names a metric by its path in the metrics ("screening.accuracy") with `min` and/or `max`; a
`*` stands for one part of the path ("coverage.*.unused_numbers": that metric of every corpus).
Metrics matching a shell-style pattern in `advisory` (pyproject.toml; $TRIALSCREEN_GATES_ADVISORY,
comma-separated, replaces the list, and "" enforces every gate) are reported by `advisories` but do
not fail the run: which targets a run enforces is the configuration's choice.

With a baseline (a `trialscreen eval --json` file), every shared numeric metric is compared: a rate
that falls, or a count of bad outcomes that grows, by more than `tolerance` is a regression. Times, and
counts that change as the readers improve (NOT_COMPARED), are held to their gate limits only.
"""

from __future__ import annotations

import fnmatch
import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trialscreen.errors import TrialscreenError

# Metrics where lower is better (counts of bad outcomes, latencies are not gated).
LOWER_IS_BETTER = {
    "unsafe_eligible",
    "false_refusals",
    "crashes",
    "unsafe_non_lupus",
    "wrong_citation",
    "inside_disqualified",
    "unused_numbers",
    "rejected",
    "false_disqualifications",
}
# Metrics checked against their gate limits only, never against the baseline (times, and counts that
# change as readers improve).
NOT_COMPARED = {
    "ms_per_criterion",
    "ms_per_criterion_p95",
    "partly",
    "files",
    "rows",
    "trials",
    "duplicates",
    "criteria",
    "limits",
    "criteria_with_unused_numbers",
    "shown_unused_words",
}
NOT_GATED = {
    "cases",
    "criteria_labels",
    "notes",
    "latency_ms",
    "seconds",
    "confusion",
    "accuracy_by_decision",
    "per_rule_kind",
    "facts_per_note",
    "ms_per_note",
    "rules_probed",
    "worded_cases",
    "modes",
    "top_unused",
    "rejected_reasons",
    "labels",
    "disqualifying_labels",
}


@dataclass(frozen=True)
class GateConfig:
    tolerance: float
    limits: dict[str, dict[str, float]]
    advisory: tuple[str, ...] = field(default=())  # gate name patterns that report but do not fail

    def is_advisory(self, name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, p) for p in self.advisory)


def load_gates(pyproject: Path | None = None) -> GateConfig:
    path = pyproject or Path("pyproject.toml")
    if not path.is_file():
        return GateConfig(0.02, {})
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise TrialscreenError(f"{path} is not valid TOML: {err}") from err
    raw = data.get("tool", {}).get("trialscreen", {}).get("gates", {})
    tolerance = float(raw.get("tolerance", 0.02))
    limits = {k: dict(v) for k, v in raw.items() if isinstance(v, dict)}
    advisory = raw.get("advisory", [])
    if not isinstance(advisory, list) or not all(isinstance(a, str) for a in advisory):
        raise TrialscreenError(f"{path}: [tool.trialscreen.gates] advisory must be a list of gate names or patterns")
    env = os.environ.get("TRIALSCREEN_GATES_ADVISORY")
    if env is not None:
        advisory = [a.strip() for a in env.split(",") if a.strip()]
    return GateConfig(tolerance, limits, tuple(advisory))


def _flatten(metrics: dict[str, Any], prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in metrics.items():
        if key in NOT_GATED:
            continue
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, path + "."))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[path] = float(value)
    return out


def _limit_failures(flat: dict[str, float], config: GateConfig) -> list[tuple[str, str]]:
    """(metric, failure line) for every metric past a gate's limit; a gate name may hold `*`."""
    out = []
    for pattern, limit in config.limits.items():
        names = [pattern] if "*" not in pattern else [n for n in flat if _matches(n, pattern)]
        for name in names:
            if name not in flat:
                continue
            value = flat[name]
            if "min" in limit and value < float(limit["min"]):
                out.append((name, f"{name} = {value:g} is below the gate minimum {limit['min']}"))
            if "max" in limit and value > float(limit["max"]):
                out.append((name, f"{name} = {value:g} is above the gate maximum {limit['max']}"))
    return out


def _matches(name: str, pattern: str) -> bool:
    """A gate pattern: `*` is one part of a dotted metric path."""
    parts, wanted = name.split("."), pattern.split(".")
    return len(parts) == len(wanted) and all(w == "*" or w == p for p, w in zip(parts, wanted, strict=True))


def advisories(metrics: dict[str, Any], config: GateConfig) -> list[str]:
    """The advisory gates a run misses, one line each: shown, not failing the run."""
    return [line for name, line in _limit_failures(_flatten(metrics), config) if config.is_advisory(name)]


def check(metrics: dict[str, Any], config: GateConfig, baseline: dict[str, Any] | None = None) -> list[str]:
    """Failures, one line each (empty when every enforced gate holds)."""
    flat = _flatten(metrics)
    failures = [line for name, line in _limit_failures(flat, config) if not config.is_advisory(name)]
    if baseline is not None:
        base = _flatten(baseline.get("metrics", baseline))
        for name, old in base.items():
            if name not in flat or name.rsplit(".", 1)[-1] in NOT_COMPARED:
                continue
            new = flat[name]
            worse = new - old if name.rsplit(".", 1)[-1] in LOWER_IS_BETTER else old - new
            tolerance = 0 if name.rsplit(".", 1)[-1] in LOWER_IS_BETTER else config.tolerance
            if worse > tolerance + 1e-9:
                failures.append(f"{name} regressed: {old:g} in the baseline, {new:g} now")
    return failures


def load_baseline(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as err:
        raise TrialscreenError(f"cannot read baseline {path}: {err}") from err
    if "metrics" not in data:
        raise TrialscreenError(f"{path} is not a `trialscreen eval --json` result (no 'metrics')")
    return data
