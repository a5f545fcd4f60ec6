"""Engine figures for `make bench`: compile speed, screenings per second, notes read per second, memory.

The nine bundled trials are replicated to the requested count (each copy a distinct Trial with its
own compiled rules), then a set of patient profiles is screened against all of them. Patient text
is read once per patient, as `trialscreen match` does.

Screening throughput is `screen()` alone: one compiled set of trials x many profiles read beforehand.
Besides the replicated set it is measured over real notes: the public TrialGPT notes x the nine
bundled trials, and the notes of the expert labels x the trials made of their labelled criteria
(evals/experts.py). Reading notes (`read_patient`) is timed apart, in notes per second. Each rate is
given in wall time and in CPU time of this process (the better figure on a shared machine).
"""

from __future__ import annotations

import copy
import gc
import time
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

from eligibility.compiler import CompiledCriterion, compile_trial
from eligibility.engine import screen
from eligibility.extract import read_patient
from eligibility.facts import Profile
from evals.experts import compiled_trials, find_labels, load_labels, plain_note
from evals.robustness import find_notes_dir, load_notes
from index.builder import bundled_dir
from index.readers import read_trial
from trialscreen.model import Trial

NOTES_TODAY = date(2014, 6, 1)  # the TrialGPT notes (SIGIR 2016, TREC 2021/2022) speak of ~2014

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


def throughput(corpus: list[tuple[Trial, list[CompiledCriterion]]], profiles: list[Profile]) -> dict[str, Any]:
    """Screenings per second, `screen()` only: every profile (read beforehand) x every compiled trial.
    What a profile remembers of earlier screenings (its decided rules) is forgotten first."""
    for profile in profiles:
        profile.derived.clear()
    wall, cpu = time.perf_counter(), time.process_time()
    for profile in profiles:
        for trial, compiled in corpus:
            screen(trial, compiled, profile)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    n = len(profiles) * len(corpus)
    criteria = len(profiles) * sum(len(c) for _, c in corpus)
    return {
        "trials": len(corpus),
        "profiles": len(profiles),
        "screenings": n,
        "criteria_per_trial": round(criteria / n, 1) if n else 0,
        "screenings_per_s": round(n / wall) if wall else 0,
        "screenings_per_cpu_s": round(n / cpu) if cpu else 0,
        "criteria_per_cpu_s": round(criteria / cpu) if cpu else 0,
    }


def read_notes(texts: list[str], today: date) -> tuple[list[Profile], dict[str, Any]]:
    wall, cpu = time.perf_counter(), time.process_time()
    profiles = [read_patient(t, today) for t in texts]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    chars = sum(len(t) for t in texts)
    figures = {
        "notes": len(texts),
        "chars_per_note": round(chars / len(texts)) if texts else 0,
        "notes_per_s": round(len(texts) / wall, 1) if wall else 0,
        "notes_per_cpu_s": round(len(texts) / cpu, 1) if cpu else 0,
    }
    return profiles, figures


def real_notes(notes_dir: str, labels_file: str) -> dict[str, Any]:
    """The TrialGPT notes x the bundled trials, and the expert labels' notes x their trials."""
    out: dict[str, Any] = {}
    here = Path.cwd() / "bench.json"  # relative paths count from where `make bench` runs
    directory = find_notes_dir(notes_dir, here)
    if directory is not None:
        texts = [text for _, text, _ in load_notes(directory)]
        profiles, out["notes_read"] = read_notes(texts, NOTES_TODAY)
        bundled = [read_trial(p) for p in sorted(bundled_dir().iterdir()) if p.is_file()]
        corpus = [(t, compile_trial(t)) for t in bundled]
        throughput(corpus, profiles[:10])  # warm up
        out["notes_x_bundled"] = throughput(corpus, profiles)
    labels = find_labels(labels_file, here)
    if labels is not None:
        cases = load_labels(labels)
        expert_corpus = list(compiled_trials(cases).values())
        notes = list(dict.fromkeys(plain_note(c.note) for c in cases))
        expert_profiles, _ = read_notes(notes, NOTES_TODAY)
        throughput(expert_corpus, expert_profiles[:5])  # warm up
        out["experts"] = throughput(expert_corpus, expert_profiles)
    return out


def run(
    trials: int = 1008,
    notes_dir: str = "../shared/data/trialgpt/dataset",
    labels_file: str = "../shared/data/external/trialgpt_criteria_dev.jsonl",
) -> dict[str, Any]:
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
    decisions: dict[str, int] = {}
    for profile in profiles:
        for t, c in corpus[: len(base)]:
            d = str(screen(t, c, profile).decision)
            decisions[d] = decisions.get(d, 0) + 1
    # the first screening of a rule records what it reads of a person (eligibility/reads.py), once per
    # compiled rule: timed apart, as the first patient after loading the trials
    first = throughput(corpus, profiles[:1])
    replicated = throughput(corpus, profiles)
    return {
        "trials": trials,
        "criteria_compiled": compiled_count,
        "compile_criteria_per_s": round(compiled_count / compile_s),
        "compile_ms_per_criterion": round(1000 * compile_s / compiled_count, 4),
        "screenings": replicated["screenings"],
        "screenings_per_s": replicated["screenings_per_s"],
        "screenings_per_cpu_s": replicated["screenings_per_cpu_s"],
        "first_patient_screenings_per_s": first["screenings_per_s"],
        "decisions_over_bundled": decisions,
        "memory_mb_for_compiled_trials": round(mem / 1048576, 1),
        **real_notes(notes_dir, labels_file),
    }


def _rate(name: str, row: dict[str, Any]) -> str:
    return (
        f"screening {name}: {row['screenings_per_s']} screenings/s wall, {row['screenings_per_cpu_s']} per CPU "
        f"second ({row['profiles']} profiles x {row['trials']} trials, {row['criteria_per_trial']} criteria each; "
        f"{row['criteria_per_cpu_s']} criteria/CPU s; target >= 10,000 screenings/s)"
    )


def report(row: dict[str, Any]) -> str:
    lines = [
        f"compile: {row['compile_criteria_per_s']} criteria/s = {row['compile_ms_per_criterion']} ms per criterion "
        f"(target <= 1 ms)",
        f"screening: {row['screenings_per_s']} patient x trial screenings/s wall, {row['screenings_per_cpu_s']} per "
        f"CPU second, over {row['trials']} trials (the bundled nine replicated; target >= 10,000); decisions over "
        f"the nine {row['decisions_over_bundled']}; the first patient after loading "
        f"{row.get('first_patient_screenings_per_s', '?')}/s (what each rule reads is recorded then)",
    ]
    if "notes_x_bundled" in row:
        lines.append(_rate("TrialGPT notes x bundled trials", row["notes_x_bundled"]))
    if "experts" in row:
        lines.append(_rate("expert-label notes x their trials", row["experts"]))
    if "notes_read" in row:
        n = row["notes_read"]
        lines.append(
            f"reading notes: {n['notes_per_s']} notes/s wall, {n['notes_per_cpu_s']} per CPU second "
            f"({n['notes']} TrialGPT notes, {n['chars_per_note']} characters each on average)"
        )
    else:
        lines.append("real notes: not measured (no TrialGPT notes found; set TRIALSCREEN_TRIALGPT)")
    lines.append(
        f"memory: {row['memory_mb_for_compiled_trials']} MB for {row['trials']} compiled trials (records + rules)"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(run()))
