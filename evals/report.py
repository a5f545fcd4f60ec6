"""`trialscreen eval --report DIR`: a Markdown and an HTML report with plots.

Plots (PNG, matplotlib's Agg backend, no display needed): the screening confusion matrix, accuracy per
rule kind (from criterion-level labels), and the latency distribution per operation. The failing
cases are listed with the engine's explanation beside the expected label.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from evals.runner import EvalRun

DECISIONS = ("eligible", "needs_info", "ineligible")


def _plots(run: EvalRun, out: Path) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made: list[tuple[str, str]] = []
    metrics = run.metrics()
    s = metrics.get("screening")
    if s:
        fig, ax = plt.subplots(figsize=(4.8, 4))
        grid = [[s["confusion"][e][d] for d in DECISIONS] for e in DECISIONS]
        ax.imshow(grid, cmap="Blues")
        ax.set_xticks(range(3), DECISIONS)
        ax.set_yticks(range(3), DECISIONS)
        ax.set_xlabel("decided")
        ax.set_ylabel("expected")
        for i, row in enumerate(grid):
            for j, v in enumerate(row):
                ax.text(
                    j, i, str(v), ha="center", va="center", color="black" if v < max(map(max, grid)) / 2 else "white"
                )
        ax.set_title("Screening decisions")
        fig.tight_layout()
        fig.savefig(out / "confusion.png", dpi=110)
        plt.close(fig)
        made.append(("confusion.png", "Confusion matrix of screening decisions"))
        kinds = s.get("per_rule_kind") or {}
        if kinds:
            fig, ax = plt.subplots(figsize=(7, 0.35 * len(kinds) + 1.2))
            names = list(kinds)
            ax.barh(names, [100 * kinds[k]["accuracy"] for k in names], color="#3b7dd8")
            for i, k in enumerate(names):
                ax.text(101, i, f"{kinds[k]['labels']} labels", va="center", fontsize=8)
            ax.set_xlim(0, 120)
            ax.set_xlabel("criterion-level accuracy (%)")
            ax.set_title("Accuracy per rule kind")
            fig.tight_layout()
            fig.savefig(out / "rule_kinds.png", dpi=110)
            plt.close(fig)
            made.append(("rule_kinds.png", "Criterion-level accuracy per rule kind"))
    series = {
        "screening": [o.seconds * 1000 for o in run.screening],
        "questions": [o.seconds * 1000 for o in run.questions],
        "robustness notes": [o.seconds * 1000 for o in run.robustness],
    }
    series = {k: v for k, v in series.items() if v}
    if series:
        fig, ax = plt.subplots(figsize=(7, 3.6))
        ax.boxplot(list(series.values()), tick_labels=list(series), vert=False)
        ax.set_xscale("log")
        ax.set_xlabel("latency per case (ms, log scale)")
        ax.set_title("Latency distribution per operation")
        fig.tight_layout()
        fig.savefig(out / "latency.png", dpi=110)
        plt.close(fig)
        made.append(("latency.png", "Latency per operation"))
    return made


def _failures(run: EvalRun) -> list[dict[str, str]]:
    rows = []
    for o in run.screening:
        if not o.correct or o.criterion_misses:
            rows.append(
                {
                    "id": o.case.id,
                    "suite": "screening",
                    "expected": f"{o.case.expected} ({o.case.trial})",
                    "got": o.decision,
                    "explanation": o.explanation
                    + (" | criterion misses: " + "; ".join(o.criterion_misses) if o.criterion_misses else ""),
                }
            )
    for q in run.questions:
        if not q.correct:
            rows.append(
                {
                    "id": q.case.id,
                    "suite": "questions",
                    "expected": "; ".join(q.case.answer_all + q.case.answer_any)
                    or ("refusal" if q.case.unanswerable else ""),
                    "got": q.answer.answer,
                    "explanation": "; ".join(q.problems),
                }
            )
    for r in run.robustness:
        if r.error or r.unsafe or (r.lupus and not r.matched):
            rows.append(
                {
                    "id": r.id,
                    "suite": "robustness",
                    "expected": "no crash, never eligible without lupus",
                    "got": r.error or json.dumps(r.decisions),
                    "explanation": ", ".join(r.facts),
                }
            )
    for s in run.safety:
        if s.problems:
            rows.append(
                {
                    "id": s.id,
                    "suite": "safety",
                    "expected": "past the boundary: never eligible, its own criterion cited; inside: not ruled out",
                    "got": f"{s.decision} ({s.label}: {s.status})",
                    "explanation": "; ".join(s.problems),
                }
            )
    return rows


def _table(metrics: dict[str, Any]) -> list[tuple[str, str, str]]:
    rows = []
    for suite, values in metrics.items():
        for key, value in values.items():
            if isinstance(value, dict):
                continue
            rows.append((suite, key, f"{value:.4g}" if isinstance(value, float) else str(value)))
    return rows


def write_report(run: EvalRun, out: Path, gates: list[str] | None = None, comparison: EvalRun | None = None) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    plots = _plots(run, out)
    metrics = run.metrics()
    failures = _failures(run)
    gate_lines = gates or []
    md = ["# trialscreen eval report", "", f"Case files: {', '.join(run.files)}", f"Configuration: {run.label}", ""]
    md += ["## Gates", ""] + ([f"- FAILED: {g}" for g in gate_lines] or ["- all gates hold"]) + [""]
    md += ["## Metrics", "", "| suite | metric | value |", "|---|---|---|"]
    md += [f"| {a} | {b} | {c} |" for a, b, c in _table(metrics)]
    if comparison is not None:
        md += [
            "",
            f"## Compared with configuration `{comparison.label}`",
            "",
            "| suite | metric | this | other |",
            "|---|---|---|---|",
        ]
        other = dict(((a, b), c) for a, b, c in _table(comparison.metrics()))
        md += [f"| {a} | {b} | {c} | {other.get((a, b), '-')} |" for a, b, c in _table(metrics)]
    kinds = metrics.get("screening", {}).get("per_rule_kind", {})
    if kinds:
        md += ["", "## Accuracy per rule kind", "", "| rule kind | labels | accuracy |", "|---|---|---|"]
        md += [f"| {k} | {v['labels']} | {100 * v['accuracy']:.1f}% |" for k, v in kinds.items()]
    safety_kinds = metrics.get("safety", {}).get("per_rule_kind", {})
    if safety_kinds:
        md += ["", "## Safety boundary cases per rule kind", "", "| rule kind | cases |", "|---|---|"]
        md += [f"| {k} | {v['cases']} |" for k, v in safety_kinds.items()]
    md += ["", "## Plots", ""] + [f"![{alt}]({name})" for name, alt in plots]
    md += ["", f"## Failing cases ({len(failures)})", ""]
    if failures:
        md += ["| case | suite | expected | engine said | engine's explanation |", "|---|---|---|---|---|"]
        for f in failures:
            cells = [
                f[k].replace("|", "\\|").replace("\n", " ") for k in ("id", "suite", "expected", "got", "explanation")
            ]
            md.append("| " + " | ".join(cells) + " |")
    else:
        md.append("None.")
    for note in run.notes:
        md.append(f"\nNot run: {note}")
    (out / "report.md").write_text("\n".join(md) + "\n", "utf-8")
    (out / "report.html").write_text(_html(md), "utf-8")
    (out / "results.json").write_text(json.dumps(run.to_json(), indent=1, ensure_ascii=False), "utf-8")
    return out / "report.html"


def _html(md: list[str]) -> str:
    """A small Markdown-to-HTML for the report's own lines (headings, tables, images, lists)."""
    out = [
        "<!doctype html><html><head><meta charset='utf-8'><title>trialscreen eval report</title><style>",
        "body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse;margin:1em 0}",
        "td,th{border:1px solid #ccc;padding:3px 8px;font-size:90%;vertical-align:top}img{max-width:100%;margin:1em 0}",
        "</style></head><body>",
    ]
    in_table = False
    for line in md:
        if line.startswith("|"):
            cells = [c.strip().replace("\\|", "|") for c in line.strip("|").split(" | ")]
            if set("".join(cells)) <= set("-|"):
                continue
            if not in_table:
                out.append("<table>")
                in_table = True
                out.append("<tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in cells) + "</tr>")
                continue
            out.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
            continue
        if in_table:
            out.append("</table>")
            in_table = False
        if line.startswith("## "):
            out.append(f"<h2>{html.escape(line[3:])}</h2>")
        elif line.startswith("# "):
            out.append(f"<h1>{html.escape(line[2:])}</h1>")
        elif line.startswith("!["):
            alt, src = line[2:].split("](", 1)
            out.append(f"<img alt='{html.escape(alt)}' src='{html.escape(src.rstrip(')'))}'>")
        elif line.startswith("- "):
            out.append(f"<li>{html.escape(line[2:])}</li>")
        elif line.strip():
            out.append(f"<p>{html.escape(line)}</p>")
    if in_table:
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out)
