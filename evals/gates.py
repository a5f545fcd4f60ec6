"""Regression gates: thresholds from `pyproject.toml` ([tool.trialscreen.gates]) and a stored baseline.

A gate names a metric by its path in the metrics ("screening.accuracy") with `min` and/or `max`.
With a baseline (a `trialscreen eval --json` file), every shared numeric metric is compared: a rate
that falls, or a count of bad outcomes that grows, by more than `tolerance` is a regression.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
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
}


@dataclass(frozen=True)
class GateConfig:
    tolerance: float
    limits: dict[str, dict[str, float]]


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
    return GateConfig(tolerance, limits)


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


def check(metrics: dict[str, Any], config: GateConfig, baseline: dict[str, Any] | None = None) -> list[str]:
    """Failures, one line each (empty when every gate holds)."""
    flat = _flatten(metrics)
    failures = []
    for name, limit in config.limits.items():
        if name not in flat:
            continue
        value = flat[name]
        if "min" in limit and value < float(limit["min"]):
            failures.append(f"{name} = {value:g} is below the gate minimum {limit['min']}")
        if "max" in limit and value > float(limit["max"]):
            failures.append(f"{name} = {value:g} is above the gate maximum {limit['max']}")
    if baseline is not None:
        base = _flatten(baseline.get("metrics", baseline))
        for name, old in base.items():
            if name not in flat:
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
