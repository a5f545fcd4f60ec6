"""`trialscreen eval`: run case files, print a summary table, optionally write every result as JSON."""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from evals.cases import (
    CoverageCase,
    ExpertCase,
    ExpertFileCase,
    IndexCase,
    QuestionCase,
    RobustnessCase,
    SafetyCase,
    ScreeningCase,
    load_cases,
)
from evals.coverage import CorpusCoverage, find_corpus, run_coverage
from evals.experts import ExpertOutcome, find_labels, load_labels, run_experts, summarize_experts
from evals.questions import QuestionOutcome, run_question, summarize_questions
from evals.robustness import NoteOutcome, find_notes_dir, load_notes, screen_note, summarize_robustness
from evals.safety import SafetyOutcome, summarize_safety, timed_run
from evals.screening import ScreeningOutcome, run_case, summarize
from trialscreen.errors import TrialscreenError
from trialscreen.services import Services


@dataclass
class EvalRun:
    files: list[str]
    screening: list[ScreeningOutcome] = field(default_factory=list)
    questions: list[QuestionOutcome] = field(default_factory=list)
    robustness: list[NoteOutcome] = field(default_factory=list)
    safety: list[SafetyOutcome] = field(default_factory=list)
    safety_rules: int = 0
    safety_seconds: float = 0.0
    coverage: list[CorpusCoverage] = field(default_factory=list)
    experts: list[ExpertOutcome] = field(default_factory=list)
    experts_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # suites that could not run, and why
    label: str = "default"

    def metrics(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.screening:
            out["screening"] = summarize(self.screening)
        if self.questions:
            out["questions"] = summarize_questions(self.questions)
        if self.robustness:
            out["robustness"] = summarize_robustness(self.robustness)
        if self.safety:
            out["safety"] = summarize_safety(self.safety, self.safety_rules, self.safety_seconds)
        if self.coverage:
            out["coverage"] = {c.id: c.summary() for c in self.coverage}
        if self.experts:
            out["experts"] = summarize_experts(self.experts, self.experts_seconds)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "configuration": self.label,
            "metrics": self.metrics(),
            "notes": self.notes,
            "cases": [o.to_json() for o in self.screening]
            + [o.to_json() for o in self.questions]
            + [o.to_json() for o in self.robustness]
            + [o.to_json() for o in self.safety if o.problems]
            + [o.to_json() for o in self.experts],
        }


def run_files(
    paths: list[Path],
    services: Services,
    today: date | None = None,
    progress: bool = True,
) -> EvalRun:
    """Run every case of the files. Question cases use the services' answerer (built once, on first need),
    or, in a file with an index case, an answerer over the trials that case names."""
    from tqdm import tqdm

    run = EvalRun(files=[str(p) for p in paths])
    loaded = {p: load_cases(p) for p in paths}
    cases = [(p, c) for p in paths for c in loaded[p]]
    index_of = {p: next((c for c in cs if isinstance(c, IndexCase)), None) for p, cs in loaded.items()}
    answerers: dict[str, Any] = {}  # "" = the data dir's index; else an index case's id
    failed: set[Path] = set()  # files whose index could not be built (said once in the notes)
    labels: list[ExpertCase] = []  # every expert label, run together: each trial compiled once
    bar = tqdm(cases, desc="eval", unit="case", disable=not progress or len(cases) < 20, file=sys.stderr, leave=False)
    for path, case in bar:
        if isinstance(case, ExpertCase):
            labels.append(case)
            continue
        if isinstance(case, ExpertFileCase):
            found = find_labels(case.experts, path)
            if found is None:
                run.notes.append(
                    f"{case.id}: no expert labels at {case.experts!r} (relative to the repository or {path.parent}); "
                    "set TRIALSCREEN_EXPERT_LABELS to the file"
                )
            else:
                labels += load_labels(found)
            continue
        if isinstance(case, CoverageCase):
            try:
                directory = find_corpus(case.corpus, path)
            except TrialscreenError as err:  # like the notes and labels: said, not fatal (tests fail it in CI)
                run.notes.append(f"{case.id}: {err}")
                continue
            run.coverage.append(run_coverage(case.id, directory, case.limit, case.workers))
            continue
        if isinstance(case, SafetyCase):
            outcomes, probed, note, seconds = timed_run(case, path, services)
            run.safety.extend(outcomes)
            run.safety_rules += probed
            run.safety_seconds += seconds
            if note:
                run.notes.append(note)
            continue
        if isinstance(case, RobustnessCase):
            _run_robustness(run, case, path, services, today)
            continue
        if isinstance(case, IndexCase):
            continue
        if isinstance(case, QuestionCase):
            index = index_of[path]
            if path in failed:
                continue
            key = index.id if index else ""
            if key not in answerers:
                try:
                    source = corpus_services(index, path, services, progress) if index else services
                except TrialscreenError as err:
                    run.notes.append(f"{path.name}: {err}")
                    failed.add(path)
                    continue
                answerers[key] = source.answerer()
                answerers[key].retriever.search("warm up", k=1)  # load the embedding model outside the timings
            outcome = run_question(case, answerers[key])
            outcome.corpus = key or "index"
            run.questions.append(outcome)
        else:
            assert isinstance(case, ScreeningCase)
            run.screening.append(run_case(case, services, today))
    if labels:
        run.experts, run.experts_seconds = run_experts(labels)
    return run


def corpus_services(case: IndexCase, path: Path, services: Services, progress: bool = False) -> Services:
    """Services over an index of the trials an index case names, kept in its own folder of the data dir
    (`eval-indexes/`), so a second run re-reads only what changed. Raises TrialscreenError when a folder
    is missing."""
    folders = [find_corpus(raw, path) for raw in case.index]
    digest = hashlib.sha1("\n".join(sorted(str(f) for f in folders)).encode()).hexdigest()[:10]
    settings = replace(
        services.settings,
        data_dir=services.settings.data_dir / "eval-indexes" / f"{case.id}-{digest}",
        index_name=None,
        collection="",
    )
    own = Services(settings, embedder=services.embedder, model=services.model)
    own.index(folders, progress=progress)
    return own


def _run_robustness(run: EvalRun, case: RobustnessCase, path: Path, services: Services, today: date | None) -> None:
    if case.robustness == "adversarial":
        repeat = int(getattr(case, "repeat", 1) or 1)
        outcome = screen_note(case.id, case.patient * repeat, "adversarial", False, services, today)
        run.robustness.append(outcome)
        return
    directory = find_notes_dir(case.dir, path)
    if directory is None:
        run.notes.append(f"{case.id}: no notes at {case.dir!r} (relative to {path.parent}); set TRIALSCREEN_TRIALGPT")
        return
    lupus = set(case.lupus)
    for note_id, text, source in load_notes(directory):
        run.robustness.append(screen_note(note_id, text, source, note_id in lupus, services, today))


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
    rm = m.get("robustness")
    if rm:
        print(f"robustness notes/inputs    {rm['notes']}")
        print(f"crashes                    {rm['crashes']}")
        print(f"eligible without lupus     {rm['unsafe_eligible']}")
        print(f"lupus patients matched     {_pct(rm['lupus_matched_rate'])}")
        print(
            f"facts read per note        {rm['facts_per_note']}   time p50 {rm['ms_per_note']['p50']} ms, "
            f"p95 {rm['ms_per_note']['p95']} ms"
        )
    sm = m.get("safety")
    if sm:
        print(
            f"safety boundary cases      {sm['cases']} over {sm['rules_probed']} rules ({sm['worded_cases']} in words)"
        )
        print(f"unsafe eligible            {sm['unsafe_eligible']}")
        print(f"wrong criterion cited      {sm['wrong_citation']}")
        print(f"inside boundary ruled out  {sm['inside_disqualified']}")
        for failed in [o for o in run.safety if o.problems][:20]:
            print(f"  FAIL {failed.id}: {'; '.join(failed.problems)}")
    for corpus, c in (m.get("coverage") or {}).items():
        print_coverage(corpus, c)
    if m.get("experts"):
        print_experts(m["experts"])
    for note in run.notes:
        print(f"  NOT RUN {note}")
    qm = m.get("questions")
    if qm:
        print(f"question cases             {qm['cases']}")
        print(f"answer accuracy            {_pct(qm['answer_accuracy'])}")
        print(f"quotes verbatim            {_pct(qm['quote_verbatim_rate'])}")
        print(f"citation precision         {_pct(qm['citation_precision'])}")
        print(f"multi-trial recall         {_pct(qm['multi_trial_recall'])}")
        print(f"refused when unanswerable  {_pct(qm['refusal_rate_unanswerable'])}")
        print(f"false refusals             {qm['false_refusals']}")
        print(f"retrieval recall@5         {_pct(qm['retrieval_recall_at_5'])}   MRR {qm['retrieval_mrr']}")
        print(f"latency per answer         p50 {qm['latency_ms']['p50']:.1f} ms, p95 {qm['latency_ms']['p95']:.1f} ms")
        if len(qm.get("by_corpus") or {}) > 1:
            for name, g in qm["by_corpus"].items():
                print(
                    f"  over {name:<21} {g['cases']} cases, accuracy {_pct(g['answer_accuracy'])}, "
                    f"refused when unanswerable {_pct(g['refusal_rate_unanswerable'])}"
                )
        gate = qm.get("dense_gate") or {}
        if gate:
            print(
                f"refusal gate               now {_pct(gate['refusal_accuracy_now'])} right; a dense threshold alone "
                f"at best {_pct(gate['accuracy_at_best'])} (similarity {gate['best_threshold']})"
            )
        for q in [q for q in run.questions if not q.correct][:20]:
            print(f"  FAIL {q.case.id}: {'; '.join(q.problems)}")


def print_coverage(corpus: str, c: dict[str, Any]) -> None:
    modes = ", ".join(f"{k} {v}" for k, v in c["modes"].items())
    print(f"coverage {corpus:<18} {c['trials']} trials read, {c['rejected']} rejected, {c['duplicates']} repeated")
    print(f"  criteria                 {c['criteria']} ({modes})")
    print(f"  with a reading           {_pct(c['read'])}   partly understood {_pct(c['partly'])}")
    print(
        f"  numbers left unused      {c['unused_numbers']} silently, by a rule (in "
        f"{c['criteria_with_unused_numbers']} criteria); {c['shown_unused_words']} shown by partly understood ones"
    )
    if c["top_unused"]:
        print("  top unused words         " + ", ".join(f"{w!r} {n}" for w, n in c["top_unused"].items()))
    for reason, n in list(c["rejected_reasons"].items())[:5]:
        print(f"  not read: {n} x {reason}")
    print(
        f"  compile per criterion    mean {c['ms_per_criterion']:.3f} ms, p95 {c['ms_per_criterion_p95']:.3f} ms "
        f"(CPU); {c['seconds']:.1f} s in all"
    )


def print_experts(e: dict[str, Any]) -> None:
    print(f"expert labels              {e['cases']} over {e['trials']} trials ({e['seconds']:.1f} s)")
    print(
        f"agreement with experts     {_pct(e['agreement'])}   GPT-4 {_pct(e['gpt4_agreement'])}   "
        f"trivial labeller {_pct(e['trivial_agreement'])}"
    )
    print(
        f"disqualifying recall       {_pct(e['disqualifying_recall'])} of {e['disqualifying_labels']} "
        f"(not included / excluded)"
    )
    print(f"false disqualifications    {e['false_disqualifications']}")
    for label, n in e["labels"].items():
        ours, gpt4 = e["agreement_by_label"][label], e["gpt4_agreement_by_label"][label]
        print(f"  expert {label:<23} {n:>4}   ours {_pct(ours):>6}   GPT-4 {_pct(gpt4):>6}")
