"""`trialscreen eval`: run case files, print a summary table, optionally write every result as JSON."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from evals.cases import QuestionCase, ScreeningCase, load_cases
from evals.screening import ScreeningOutcome, run_case, summarize
from index.catalog import Catalog
from trialscreen.errors import TrialscreenError


@dataclass
class EvalRun:
    files: list[str]
    screening: list[ScreeningOutcome] = field(default_factory=list)

    def metrics(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.screening:
            out["screening"] = summarize(self.screening)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "metrics": self.metrics(),
            "cases": [o.to_json() for o in self.screening],
        }


def run_files(paths: list[Path], catalog: Catalog, today: date | None = None, progress: bool = True) -> EvalRun:
    from tqdm import tqdm

    run = EvalRun(files=[str(p) for p in paths])
    cases = [(p, c) for p in paths for c in load_cases(p)]
    questions = [c for _, c in cases if isinstance(c, QuestionCase)]
    if questions:
        raise TrialscreenError(
            f"{len(questions)} question case(s) found: question cases need `trialscreen ask`, which this "
            "version does not have yet; run the screening case files on their own"
        )
    bar = tqdm(cases, desc="eval", unit="case", disable=not progress or len(cases) < 20, file=sys.stderr, leave=False)
    for _path, case in bar:
        assert isinstance(case, ScreeningCase)
        run.screening.append(run_case(case, catalog, today))
    return run


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def print_summary(run: EvalRun) -> None:
    m = run.metrics()
    s = m.get("screening")
    if s:
        print(f"screening cases            {s['cases']}")
        print(f"decision accuracy          {_pct(s['accuracy'])}")
        for d, rate in s["accuracy_by_decision"].items():
            print(f"  expected {d:<16} {_pct(rate)}")
        print(f"unsafe eligible            {s['unsafe_eligible']}")
        print(f"deciding criterion cited   {_pct(s['deciding_cited_rate'])}")
        print(f"question hit rate          {_pct(s['question_hit_rate'])}")
        if s["criteria_labels"]:
            print(f"criterion accuracy         {_pct(s['criterion_accuracy'])} of {s['criteria_labels']} labels")
        print(f"latency per screening      p50 {s['latency_ms']['p50']:.2f} ms, p95 {s['latency_ms']['p95']:.2f} ms")
        print("confusion (rows expected, columns decided): " + json.dumps(s["confusion"]))
        wrong = [o for o in run.screening if not o.correct]
        for o in wrong[:20]:
            print(f"  FAIL {o.case.id} {o.case.trial}: expected {o.case.expected}, got {o.decision}")
