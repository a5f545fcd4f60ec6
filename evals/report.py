"""`trialscreen eval --report DIR`: a Markdown and an HTML report with plots.

Plots (PNG, matplotlib's Agg backend, no display needed): the screening confusion matrix, accuracy per
rule kind (from criterion-level labels), the latency distribution per operation, for the coverage
suite the reading modes per corpus and the compile time per criterion, and for the expert labels the
confusion matrix of the experts' labels x ours (their disagreements are listed apart). The failing
cases are listed with the engine's explanation beside the expected label.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from evals.runner import EvalRun

DECISIONS = ("eligible", "needs_info", "ineligible")
MODES = ("rule", "partly", "question", "team", "none")
MODE_COLORS = ("#2e7d32", "#f9a825", "#1565c0", "#6a1b9a", "#c62828")


def _coverage_plots(run: EvalRun, out: Path, plt: Any) -> list[tuple[str, str]]:
    if not run.coverage:
        return []
    made: list[tuple[str, str]] = []
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(run.coverage) + 1.6))
    names = [c.id for c in run.coverage]
    left = [0.0] * len(names)
    for mode, color in zip(MODES, MODE_COLORS, strict=True):
        shares = []
        for c in run.coverage:
            modes = c.modes
            total = sum(modes.values()) or 1
            shares.append(100 * modes[mode] / total)
        ax.barh(names, shares, left=left, color=color, label=mode)
        left = [a + b for a, b in zip(left, shares, strict=True)]
    ax.set_xlim(0, 100)
    ax.set_xlabel("criteria (%)")
    ax.set_title("Reading of each criterion, per corpus")
    ax.legend(ncol=len(MODES), fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.08))
    fig.tight_layout()
    fig.savefig(out / "coverage_modes.png", dpi=110)
    plt.close(fig)
    made.append(("coverage_modes.png", "Reading modes per corpus"))
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for c in run.coverage:
        times = c.ms_per_criterion()
        if times:
            ax.hist(times, bins=40, alpha=0.6, label=f"{c.id} ({len(times)} trials)")
    ax.set_xlabel("compile time per criterion (ms CPU, each trial's mean)")
    ax.set_ylabel("trials")
    ax.set_title("Compile time per criterion")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "coverage_compile_ms.png", dpi=110)
    plt.close(fig)
    made.append(("coverage_compile_ms.png", "Compile time per criterion"))
    return made


def _experts_plot(run: EvalRun, out: Path, plt: Any) -> list[tuple[str, str]]:
    """The expert-agreement confusion matrix: the experts' label (rows) x ours (columns)."""
    if not run.experts:
        return []
    confusion = run.metrics()["experts"]["confusion"]
    rows = list(confusion)
    columns = list(next(iter(confusion.values())))
    grid = [[confusion[e][o] for o in columns] for e in rows]
    top = max(max(r) for r in grid) or 1
    fig, ax = plt.subplots(figsize=(7.2, 0.55 * len(rows) + 2.6))
    ax.imshow(grid, cmap="Blues")
    ax.set_xticks(range(len(columns)), [c.replace(" ", "\n") for c in columns], fontsize=8)
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    ax.set_xlabel("ours (the criterion's status, mapped)")
    ax.set_ylabel("experts")
    for i, row in enumerate(grid):
        for j, v in enumerate(row):
            ax.text(j, i, str(v), ha="center", va="center", color="black" if v < top / 2 else "white", fontsize=8)
    ax.set_title(f"Criterion labels: experts x ours ({len(run.experts)} labels)")
    fig.tight_layout()
    fig.savefig(out / "experts_confusion.png", dpi=110)
    plt.close(fig)
    return [("experts_confusion.png", "Expert labels x ours (confusion matrix)")]


def _experts_md(run: EvalRun, metrics: dict[str, Any], shown: int = 40) -> list[str]:
    e = metrics.get("experts")
    if not e:
        return []

    def pct(x: float | None) -> str:
        return "-" if x is None else f"{100 * x:.1f}%"

    md = ["", "## Agreement with clinicians (criterion-level expert labels)", ""]
    md += [
        f"- {e['cases']} labels over {e['trials']} trials: agreement {pct(e['agreement'])} (GPT-4 "
        f"{pct(e['gpt4_agreement'])}; a labeller that reads nothing {pct(e['trivial_agreement'])})",
        f"- disqualifying recall {pct(e['disqualifying_recall'])} of {e['disqualifying_labels']} "
        f"(the experts' not included / excluded); false disqualifications {e['false_disqualifications']}",
        "",
        "| expert label | labels | ours | GPT-4 |",
        "|---|---|---|---|",
    ]
    md += [
        f"| {label} | {n} | {pct(e['agreement_by_label'][label])} | {pct(e['gpt4_agreement_by_label'][label])} |"
        for label, n in e["labels"].items()
    ]
    wrong = [o for o in run.experts if not o.correct]
    wrong.sort(key=lambda o: (not o.false_disqualification, o.expert not in ("not included", "excluded")))
    md += ["", f"### Disagreements ({len(wrong)}; the first {min(shown, len(wrong))}, ruling out first)", ""]
    if wrong:
        md += ["| label | trial | criterion | experts | ours | engine's reason |", "|---|---|---|---|---|---|"]
        for o in wrong[:shown]:
            cells = [o.case.id, o.case.trial_id, o.case.criterion_text[:160], o.expert, o.ours, o.reason[:200]]
            md.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    return md


def _coverage_md(metrics: dict[str, Any]) -> list[str]:
    coverage = metrics.get("coverage") or {}
    if not coverage:
        return []
    md = ["", "## Coverage: criteria read (compiled only)", ""]
    md += [
        "| corpus | trials | rejected | repeated | criteria | with a reading | partly | numbers dropped silently | "
        "ms/criterion (mean, p95) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, c in coverage.items():
        md.append(
            f"| {name} | {c['trials']} | {c['rejected']} | {c['duplicates']} | {c['criteria']} | "
            f"{100 * c['read']:.1f}% | {100 * c['partly']:.1f}% | {c['unused_numbers']} | "
            f"{c['ms_per_criterion']:.3f}, {c['ms_per_criterion_p95']:.3f} |"
        )
    for name, c in coverage.items():
        modes = ", ".join(f"{k} {v}" for k, v in c["modes"].items())
        md += ["", f"### {name}", "", f"- reading modes: {modes}"]
        if c["top_unused"]:
            md.append("- top unused words: " + ", ".join(f"{w} ({n})" for w, n in c["top_unused"].items()))
        for reason, n in c["rejected_reasons"].items():
            md.append(f"- not read: {n} x {reason}")
    return md


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
        ax.boxplot(list(series.values()), tick_labels=list(series), orientation="horizontal")
        ax.set_xscale("log")
        ax.set_xlabel("latency per case (ms, log scale)")
        ax.set_title("Latency distribution per operation")
        fig.tight_layout()
        fig.savefig(out / "latency.png", dpi=110)
        plt.close(fig)
        made.append(("latency.png", "Latency per operation"))
    made += _coverage_plots(run, out, plt)
    made += _experts_plot(run, out, plt)
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
    md += _coverage_md(metrics)
    md += _experts_md(run, metrics)
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
        if line.startswith("### "):
            out.append(f"<h3>{html.escape(line[4:])}</h3>")
        elif line.startswith("## "):
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
