"""The coverage suite: how many real criteria the compiler reads, and how fast. It compiles only.

Case lines (in any case file):
  {"id": "lupus", "corpus": "../shared/data/external/lupus"}
  {"id": "hint", "corpus": "../shared/data/external/hint", "limit": 300}
      every trial document under the folder (or the one file): pages, JSON records, tables of trials
      (HINT CSV). A relative path is looked up under $TRIALSCREEN_CORPUS_ROOT when set, then the repository,
      then the case file's folder; a corpus found nowhere fails the run and says where it looked.
      Optional "limit": the first N trials only (a quick run); "workers": processes (default: up to 2).

Nothing is indexed or embedded: each trial is read as `trialscreen index` reads it and compiled with
`eligibility.compiler.compile_trial`. Per corpus it reports the trials read and rejected (with the
reasons), the criteria, the share with a reading (a rule, a question or a study-team item), the share
partly understood, the numbers a rule leaves unused (a quantity in a criterion the engine decides by rule
that the rule neither uses nor shows as unused: a silent drop), the top unused words (of those and of
the partly understood criteria, numbers shown as N), and the compile
time per criterion (CPU time of `compile_trial`, divided by the trial's criteria; mean and p95 over
trials). Gates: `coverage.<id>.<metric>` in pyproject.toml.
"""

from __future__ import annotations

import math
import os
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trialscreen.errors import TrialscreenError

REPO = Path(__file__).resolve().parent.parent
TOP_WORDS = 15
MAX_WORKERS = 2
_DIGITS = re.compile(r"(?<![A-Za-z])\d+(?:[.,]\d+)*")  # a number, not the 2 of "mg/m2"


# -- one criterion --------------------------------------------------------------------------------


def reading_mode(cc: Any) -> str:
    """The criterion's reading mode: rule, partly, question, team or none.

    `CompiledCriterion.reading` (eligibility.reading.Reading, set by `compile_trial`); for a criterion
    without one (rules stored by an older compiler) the mode follows from the compiled rule (rule), the
    study-team flag (team) or neither (none).
    """
    reading = getattr(cc, "reading", None)
    if reading is not None:
        return str(reading.mode)
    return "rule" if cc.rule is not None else "team" if cc.team else "none"


READ_MODES = ("rule", "question", "team")


def silent_numbers(text: str, cc: Any) -> list[str]:
    """The quantities of a criterion read as a rule that the rule neither uses nor shows as unused.

    What a quantity is (a number with its comparison and unit, not a number inside a name) is the
    compiler's own grammar (eligibility/data/quantities.toml); whether the rule uses it is checked here
    again from the rule as stored: a value it keeps (in the text's unit or a conversion of it) or a
    stretch of the text its recognisers used (`cc.used`).
    """
    if reading_mode(cc) != "rule":
        return []
    from eligibility.quantities import numbers_of, unused

    kept = numbers_of(None if cc.rule is None else cc.rule.to_dict())
    return unused(text, kept, [(int(a), int(b)) for a, b in getattr(cc, "used", None) or []])


def _pattern(words: str) -> str:
    """Unused words as a pattern shared across criteria: "more than 20 mg/day" -> "more than N mg/day"."""
    return _DIGITS.sub("N", " ".join(words.split()))


def shown_unused(cc: Any) -> list[str]:
    """The words a partly understood criterion shows as not used (the reading's own list)."""
    reading = getattr(cc, "reading", None)
    if reading is None or reading_mode(cc) != "partly":
        return []
    return [" ".join(str(w).split()) for w in reading.unused]


# -- one trial, one file --------------------------------------------------------------------------


@dataclass
class TrialCoverage:
    ref: str
    source: str
    criteria: int = 0  # listed criteria (not the limits of structured fields)
    limits: int = 0
    modes: Counter[str] = field(default_factory=Counter)
    silent: list[str] = field(default_factory=list)  # quantities a rule dropped ("more than 20 mg/day")
    criteria_with_silent: int = 0
    partly_words: list[str] = field(default_factory=list)
    cpu_ms: float = 0.0  # CPU time of compile_trial


@dataclass
class FileCoverage:
    path: str
    trials: list[TrialCoverage] = field(default_factory=list)
    rows: int = 0  # rows of a table, or 1 for a page or record
    rejected: Counter[str] = field(default_factory=Counter)  # why, how many


def measure_trial(trial: Any) -> TrialCoverage:
    from eligibility.compiler import compile_trial

    started = time.process_time()
    compiled = compile_trial(trial)
    out = TrialCoverage(trial.ref, trial.source, cpu_ms=(time.process_time() - started) * 1000)
    for criterion, cc in zip(trial.criteria, compiled, strict=True):
        if criterion.field:
            out.limits += 1
            continue
        out.criteria += 1
        out.modes[reading_mode(cc)] += 1
        silent = silent_numbers(criterion.text, cc)
        out.silent.extend(silent)
        out.criteria_with_silent += bool(silent)
        out.partly_words.extend(shown_unused(cc))
    return out


def _reason(message: str, name: str) -> str:
    return message[len(name) + 2 :] if message.startswith(name + ": ") else message


def measure_file(path_text: str, limit: int | None = None) -> FileCoverage:
    """Read one document (a page, a record or a table of trials) and compile every trial in it."""
    from eligibility.compiler import compile_trial
    from index.readers import read_trials
    from index.textio import DocumentError, read_document

    path = Path(path_text)
    out = FileCoverage(path_text)
    try:
        read = read_trials(read_document(path))
        for trial in read.trials:
            if not out.trials:
                compile_trial(trial)  # the first call loads the vocabularies: not counted
            out.trials.append(measure_trial(trial))
            if limit is not None and len(out.trials) >= limit:
                break
    except DocumentError as err:
        out.rows = max(out.rows, 1)
        out.rejected[_reason(str(err), path.name)] += 1
        return out
    out.rows = read.rows
    out.rejected.update(read.skipped)
    return out


# -- a corpus -------------------------------------------------------------------------------------


@dataclass
class CorpusCoverage:
    id: str
    corpus: str
    files: int = 0
    rows: int = 0
    trials: list[TrialCoverage] = field(default_factory=list)
    rejected: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    seconds: float = 0.0  # wall time of the whole corpus (reading and compiling)
    workers: int = 1

    @property
    def modes(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for t in self.trials:
            total.update(t.modes)
        return total

    def ms_per_criterion(self) -> list[float]:
        """Per trial: its compile CPU time divided by its criteria (listed and limits)."""
        return [t.cpu_ms / (t.criteria + t.limits) for t in self.trials if t.criteria + t.limits]

    def summary(self) -> dict[str, Any]:
        modes = self.modes
        criteria = sum(modes.values())
        read = sum(modes[m] for m in READ_MODES)
        silent = Counter(_pattern(w) for t in self.trials for w in t.silent)
        partly = Counter(_pattern(w) for t in self.trials for w in t.partly_words)
        unused_words = silent + partly
        per = sorted(self.ms_per_criterion())
        all_criteria = sum(t.criteria + t.limits for t in self.trials)
        return {
            "files": self.files,
            "rows": self.rows,
            "trials": len(self.trials),
            "rejected": sum(self.rejected.values()) - self.duplicates,
            "duplicates": self.duplicates,
            "criteria": criteria,
            "limits": sum(t.limits for t in self.trials),
            "read": round(read / criteria, 4) if criteria else 0.0,
            "partly": round(modes["partly"] / criteria, 4) if criteria else 0.0,
            "modes": {m: modes[m] for m in ("rule", "partly", "question", "team", "none")},
            "unused_numbers": sum(silent.values()),
            "criteria_with_unused_numbers": sum(t.criteria_with_silent for t in self.trials),
            "shown_unused_words": sum(partly.values()),
            "top_unused": dict(unused_words.most_common(TOP_WORDS)),
            "rejected_reasons": dict(self.rejected.most_common()),
            "ms_per_criterion": round(sum(t.cpu_ms for t in self.trials) / all_criteria, 4) if all_criteria else 0.0,
            "ms_per_criterion_p95": round(_percentile(per, 0.95), 4),
            "seconds": round(self.seconds, 2),
        }


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


def find_corpus(raw: str, case_file: Path) -> Path:
    """Where a case's corpus is: under $TRIALSCREEN_CORPUS_ROOT, the repository, or the case file's folder."""
    given = Path(raw).expanduser()
    candidates = [given] if given.is_absolute() else []
    if not given.is_absolute():
        root = os.environ.get("TRIALSCREEN_CORPUS_ROOT")
        if root:
            candidates.append(Path(root).expanduser() / given)
        candidates += [REPO / given, case_file.parent / given]
    for c in candidates:
        if c.exists():
            return c.resolve()
    tried = ", ".join(str(c.resolve()) for c in candidates)
    raise TrialscreenError(
        f"{case_file.name}: no corpus at {raw!r} (looked in {tried}); put the trials there, give an absolute "
        "path, or set TRIALSCREEN_CORPUS_ROOT to the folder the relative path starts from"
    )


def corpus_files(directory: Path) -> list[Path]:
    """The documents `trialscreen index` would read in a folder (or the one file given)."""
    from index.builder import discover

    files, _, missing = discover([directory])
    if missing:
        raise TrialscreenError("; ".join(missing))
    return files


def _default_workers() -> int:
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def run_coverage(
    case_id: str,
    directory: Path,
    limit: int | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> CorpusCoverage:
    """Read and compile every trial of a corpus; the first file (in path order) stating a trial wins."""
    started = time.perf_counter()
    files = corpus_files(directory)
    if not files:
        raise TrialscreenError(f"{case_id}: no trial documents under {directory}")
    n = workers or _default_workers()
    if limit is not None:
        n = 1  # a slice is read in file order, one file after another
    out = CorpusCoverage(case_id, str(directory), files=len(files), workers=n)
    results = _measure_all([str(f) for f in files], n, limit, progress)
    seen: set[str] = set()
    for result in results:  # in file order
        out.rows += result.rows
        out.rejected.update(result.rejected)
        for trial in result.trials:
            if limit is not None and len(out.trials) >= limit:
                break
            if trial.ref in seen:
                out.duplicates += 1
                out.rejected["the same trial as an earlier file (the first is kept)"] += 1
                continue
            seen.add(trial.ref)
            out.trials.append(trial)
        if limit is not None and len(out.trials) >= limit:
            break
    out.seconds = time.perf_counter() - started
    return out


def _measure_all(
    paths: list[str], workers: int, limit: int | None, progress: Callable[[int], None] | None
) -> list[FileCoverage]:
    if workers <= 1 or len(paths) == 1:
        results: list[FileCoverage] = []
        for p in paths:
            left = None if limit is None else limit - sum(len(r.trials) for r in results)
            if left is not None and left <= 0:
                break
            results.append(measure_file(p, left))
            if progress:
                progress(1)
        return results
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    sizes = {p: Path(p).stat().st_size for p in paths}
    order = sorted(paths, key=lambda p: -sizes[p])  # the largest first: the workers finish together
    by_path: dict[str, FileCoverage] = {}
    # spawn: a fresh interpreter per worker (the CLI may already hold torch's threads; no fork under them)
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        for result in pool.map(measure_file, order, chunksize=1):
            by_path[result.path] = result
            if progress:
                progress(1)
    return [by_path[p] for p in paths]
