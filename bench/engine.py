"""Engine figures for `make bench`: compile speed, screenings per second over >= 1,000 trials, memory.

The nine bundled trials are replicated to the requested count (each copy a distinct Trial with its
own compiled rules), then a set of patient profiles is screened against all of them. Patient text
is read once per patient, as `trialscreen match` does.
"""

from __future__ import annotations

import copy
import gc
import time
import tracemalloc
from datetime import date
from typing import Any

from eligibility.compiler import compile_trial
from eligibility.engine import screen
from eligibility.extract import read_patient
from index.builder import bundled_dir
from index.readers import read_trial

PATIENTS = [
    "Referral: 41-year-old man, SLE since 2015. SLEDAI-2K 10 despite prednisone 10 mg/day. No cancer. "
    "Had rituximab 3 months ago.",
    "could I join a lupus IL-2 trial? I'm 35, female, have lupus.",
    "29 y/o woman, SLE diagnosed 2 months ago, ANA 1:320, anti-dsDNA positive, SELENA-SLEDAI 8, weight 55 kg, "
    "not pregnant, no cancer, HIV and hepatitis B and C negative, never had belimumab.",
    "Screening note: 45-year-old man with SLE. On hydroxychloroquine 200 mg twice daily and prednisone 7.5 mg "
    "daily, doses unchanged for 6 months. Hb 13.1 g/dL. No heart failure; creatinine clearance 95 mL/min.",
    "52F, lupus nephritis, cataract surgery last year, on mycophenolate 1 g twice daily.",
]


def run(trials: int = 1008) -> dict[str, Any]:
    base = [read_trial(p) for p in sorted(bundled_dir().iterdir()) if p.is_file()]
    criteria = sum(len(t.criteria) for t in base)
    # compile speed
    rounds = max(1, trials // len(base))
    started = time.perf_counter()
    for _ in range(rounds):
        for t in base:
            compile_trial(t)
    compile_s = time.perf_counter() - started
    compiled_count = criteria * rounds
    # memory of N compiled trials
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    corpus = []
    for i in range(trials):
        t = copy.deepcopy(base[i % len(base)])
        t.ref = f"{t.ref}-v{i}"
        corpus.append((t, compile_trial(t)))
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    mem = sum(s.size_diff for s in after.compare_to(before, "filename"))
    # screenings
    profiles = [read_patient(p, date(2026, 11, 1)) for p in PATIENTS]
    started = time.perf_counter()
    n = 0
    decisions: dict[str, int] = {}
    for profile in profiles:
        for t, c in corpus:
            d = screen(t, c, profile).decision
            decisions[d] = decisions.get(d, 0) + 1
            n += 1
    screen_s = time.perf_counter() - started
    return {
        "trials": trials,
        "criteria_compiled": compiled_count,
        "compile_criteria_per_s": round(compiled_count / compile_s),
        "compile_ms_per_criterion": round(1000 * compile_s / compiled_count, 4),
        "screenings": n,
        "screenings_per_s": round(n / screen_s),
        "decisions": decisions,
        "memory_mb_for_compiled_trials": round(mem / 1048576, 1),
    }


def report(row: dict[str, Any]) -> str:
    return (
        f"compile: {row['compile_criteria_per_s']} criteria/s = {row['compile_ms_per_criterion']} ms per criterion "
        f"(target <= 1 ms)\n"
        f"screening: {row['screenings_per_s']} patient x trial screenings/s over {row['trials']} trials "
        f"(target >= 10,000); decisions {row['decisions']}\n"
        f"memory: {row['memory_mb_for_compiled_trials']} MB for {row['trials']} compiled trials (records + rules)"
    )


if __name__ == "__main__":
    print(report(run()))
