"""Running question cases against the answerer and scoring them.

Metrics: answer accuracy (regexes, and citations cover the right trials), quote verbatim rate,
citation precision (cited trial among the expected ones) and recall (multi-trial questions), refusal
rate on unanswerable questions, false refusals, retrieval recall@5 and MRR of the chunk that holds the
answer (cases that name `chunk_ids`), latency.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from evals.cases import QuestionCase
from retrieval.answer import Answerer
from retrieval.citations import Answer, verbatim
from retrieval.dense import Filters
from retrieval.resolve import resolve_trials


@dataclass
class QuestionOutcome:
    case: QuestionCase
    answer: Answer
    correct: bool
    verbatim: bool
    precision: float | None
    recall: float | None
    refused: bool
    rank: int | None  # 1-based rank of the first expected chunk in the top 5, None when absent / unlabeled
    seconds: float
    problems: list[str]
    dense: float = 0.0  # the best dense similarity of the passages retrieved for it over all trials
    corpus: str = "index"  # the index it was answered over: "index" (the data dir's) or an index case's id

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.case.id,
            "kind": "question",
            "corpus": self.corpus,
            "question": self.case.question,
            "expected_trials": self.case.trials,
            "answer": self.answer.answer,
            "citations": [c.to_json() for c in self.answer.citations],
            "correct": self.correct,
            "quotes_verbatim": self.verbatim,
            "citation_precision": self.precision,
            "citation_recall": self.recall,
            "refused": self.refused,
            "retrieval_rank": self.rank,
            "best_dense_similarity": round(self.dense, 4),
            "problems": self.problems,
            "seconds": round(self.seconds, 4),
        }


def run_question(case: QuestionCase, answerer: Answerer) -> QuestionOutcome:
    catalog = answerer.catalog
    started = time.perf_counter()
    answer = answerer.ask(case.question)
    seconds = time.perf_counter() - started
    problems: list[str] = []
    expected = {catalog.resolve(t) for t in case.trials if _known(catalog, t)}
    cited = [c.trial for c in answer.citations]
    all_verbatim = all(verbatim(catalog.trial(c.trial), c.quote) for c in answer.citations)
    if not all_verbatim:
        problems.append("a quote is not verbatim")
    refused = not answer.citations
    if case.unanswerable:
        correct = refused
        if not refused:
            problems.append("answered an unanswerable question")
        dense = _best_dense(answerer, case.question)
        return QuestionOutcome(case, answer, correct, all_verbatim, None, None, refused, None, seconds, problems, dense)
    text_ok = all(re.search(p, answer.answer) for p in case.answer_all) and (
        not case.answer_any or any(re.search(p, answer.answer) for p in case.answer_any)
    )
    if not text_ok:
        problems.append("answer text does not match the expected patterns")
    trials_ok = (
        set(cited) == expected if case.multi else (bool(case.trials) and catalog.resolve(case.trials[0]) in cited)
    )
    if not trials_ok:
        problems.append(f"cited {sorted(set(cited))}, expected {sorted(expected)}")
    precision = (sum(1 for t in cited if t in expected) / len(cited)) if cited else 0.0
    recall = (len(set(cited) & expected) / len(expected)) if expected else None
    rank = None
    if case.chunk_ids:
        resolution = resolve_trials(case.question, catalog)
        trial = resolution.single
        docs = answerer.retriever.search(case.question, Filters(trial=trial), k=5)
        ids = [d.metadata["chunk_id"] for d in docs]
        rank = next((i + 1 for i, cid in enumerate(ids) if cid in case.chunk_ids), None)
    correct = text_ok and trials_ok and all_verbatim and not refused
    dense = _best_dense(answerer, case.question)
    return QuestionOutcome(
        case, answer, correct, all_verbatim, precision, recall, refused, rank, seconds, problems, dense
    )


def _best_dense(answerer: Answerer, question: str) -> float:
    docs = answerer.retriever.search(question, k=10)
    return max((float(d.metadata.get("dense") or 0.0) for d in docs), default=0.0)


def dense_gate(outcomes: list[QuestionOutcome]) -> dict[str, Any]:
    """The refusal gate a dense similarity threshold alone would give: refuse below it. The threshold
    that labels the most questions right (answerable above, unanswerable below), with its accuracy,
    beside the accuracy of the refusals made now (vocabulary and concept anchors, resolution)."""
    if not outcomes:
        return {}
    scores = sorted({0.0, *(o.dense for o in outcomes), 1.01})
    best = max(
        scores,
        key=lambda t: (sum(1 for o in outcomes if (o.dense < t) == o.case.unanswerable), -t),
    )
    right = sum(1 for o in outcomes if (o.dense < best) == o.case.unanswerable)
    now = sum(1 for o in outcomes if o.refused == o.case.unanswerable)
    return {
        "best_threshold": round(best, 4),
        "accuracy_at_best": round(right / len(outcomes), 4),
        "refusal_accuracy_now": round(now / len(outcomes), 4),
    }


def _known(catalog: Any, ref: str) -> bool:
    try:
        catalog.resolve(ref)
    except Exception:
        return False
    return True


def _rate(values: list[bool]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def summarize_questions(outcomes: list[QuestionOutcome]) -> dict[str, Any]:
    answerable = [o for o in outcomes if not o.case.unanswerable]
    unanswerable = [o for o in outcomes if o.case.unanswerable]
    multi = [o for o in answerable if o.case.multi]
    labelled = [o for o in answerable if o.case.chunk_ids]
    times = sorted(o.seconds * 1000 for o in outcomes)

    def pct(q: float) -> float:
        return round(times[min(len(times) - 1, round(q * (len(times) - 1)))], 2) if times else 0.0

    precisions = [o.precision for o in answerable if o.precision is not None and o.answer.citations]
    return {
        "cases": len(outcomes),
        "answer_accuracy": _rate([o.correct for o in answerable]),
        "quote_verbatim_rate": _rate([o.verbatim for o in outcomes if o.answer.citations]),
        "citation_precision": round(sum(precisions) / len(precisions), 4) if precisions else None,
        "multi_trial_recall": round(sum(o.recall or 0.0 for o in multi) / len(multi), 4) if multi else None,
        "refusal_rate_unanswerable": _rate([o.refused for o in unanswerable]),
        "false_refusals": sum(1 for o in answerable if o.refused),
        "retrieval_recall_at_5": _rate([o.rank is not None for o in labelled]),
        "retrieval_mrr": round(sum((1 / o.rank) if o.rank else 0.0 for o in labelled) / len(labelled), 4)
        if labelled
        else None,
        "latency_ms": {"p50": pct(0.5), "p95": pct(0.95)},
        "dense_gate": dense_gate(outcomes),
        "by_corpus": {
            name: {
                "cases": len(group),
                "answer_accuracy": _rate([o.correct for o in group if not o.case.unanswerable]),
                "refusal_rate_unanswerable": _rate([o.refused for o in group if o.case.unanswerable]),
            }
            for name in sorted({o.corpus for o in outcomes})
            for group in [[o for o in outcomes if o.corpus == name]]
        },
    }
