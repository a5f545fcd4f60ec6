"""The `trialscreen` command line. Heavy libraries (torch, chromadb, gradio) load only in the
commands that need them, so `trialscreen --help` and `trialscreen trials` start fast."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from trialscreen import __version__
from trialscreen.config import OPTIONS, Settings
from trialscreen.errors import TrialscreenError
from trialscreen.services import Services


def _common() -> argparse.ArgumentParser:
    """The options every command takes, from the settings' own definition (`trialscreen.config.OPTIONS`)."""
    common = argparse.ArgumentParser(add_help=False)
    for option in OPTIONS:
        common.add_argument(
            option.flag,
            dest=option.name,
            metavar=option.metavar,
            choices=option.choices() if option.choices else None,
            default=argparse.SUPPRESS,
            help=f"{option.help} [${option.env}]",
        )
    return common


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.resolve(**{o.name: getattr(args, o.name, None) for o in OPTIONS})


def _services(args: argparse.Namespace) -> Services:
    return Services(_settings(args))


# -- commands -------------------------------------------------------------------------------------


def cmd_index(args: argparse.Namespace) -> int:
    report = _services(args).index([Path(p) for p in args.paths], progress=not args.quiet, replace=args.replace)
    for message in report.replaced:
        print(f"replaced: {message}", file=sys.stderr)
    for message in report.rejected:
        print(f"skipped: {message}", file=sys.stderr)
    for message in getattr(report, "skipped", []):
        print(f"skipped: {message}", file=sys.stderr)
    print(report.summary(), file=sys.stderr)
    if args.json:
        print(json.dumps(vars(report), indent=1))
    return 1 if report.rejected else 0


def _trial_row(trial: Any, compiled: list[Any], path: str) -> dict[str, Any]:
    from retrieval.model_reading import read_by_model

    listed = [cc for c, cc in zip(trial.criteria, compiled, strict=True) if not c.field]
    limit_warnings = [w for c, cc in zip(trial.criteria, compiled, strict=True) if c.field for w in cc.warnings]
    return {
        "trial": trial.ref,
        "source": trial.source,
        "path": path,
        "title": trial.title,
        "status": trial.status,
        "recruiting": trial.recruiting,
        "status_note": trial.status_note(),
        "phase": trial.phase,
        "sponsor": trial.sponsor,
        "conditions": trial.conditions,
        "interventions": trial.interventions,
        "enrollment": trial.enrollment,
        "sex": trial.sex,
        "min_age": trial.min_age,
        "max_age": trial.max_age,
        "criteria": {
            "inclusion": len(trial.criteria_of("inclusion")),
            "exclusion": len(trial.criteria_of("exclusion")),
            "compiled": sum(1 for c in listed if c.mode == "rule"),
            "question": sum(1 for c in listed if c.mode == "question"),
            "to_confirm": sum(1 for c in listed if c.team),
            "not_understood": sum(1 for c in listed if c.mode == "none"),
            "partly_understood": sum(1 for c in listed if c.mode == "partly"),
            "by_model": sum(1 for c in listed if read_by_model(c)),
            "limits": len(trial.limits),
        },
        "limits": [c.text for c in trial.limits],
        "warnings": trial.warnings + limit_warnings,
    }


def cmd_trials(args: argparse.Namespace) -> int:
    services = _services(args)
    services.require_trials()
    catalog = services.catalog
    rows = [_trial_row(t, services.compiled(t.ref), catalog.entries[t.ref].path) for t in catalog.trials()]
    if services.criterion_reader is not None:
        print(services.criterion_reader.tally.summary(services.criterion_reader.name), file=sys.stderr)
    if args.json:
        print(json.dumps({"trials": rows}, indent=1, ensure_ascii=False))
        return 0
    for row in rows:
        ages = f"{row['min_age'] or '?'}-{row['max_age'] or '?'}"
        crit = row["criteria"]
        print(
            f"{row['trial']:<24} {row['status']:<12} {row['phase'] or '-':<15} ages {ages:<7} "
            f"inc {crit['inclusion']:>2} exc {crit['exclusion']:>2} rules {crit['compiled']:>2} "
            f"asked {crit['question']:>2} team {crit['to_confirm']:>2} partly {crit['partly_understood']} "
            f"?{crit['not_understood']}"
            + (f" model {crit['by_model']}" if crit["by_model"] else "")
            + f"  {row['title'][:60]}"
        )
        print(f"    from {row['path']}")
        if row["status_note"]:
            print(f"    ! {row['status_note']}")
        for warning in row["warnings"]:
            print(f"    ! {warning}")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from index.store import ChunkStore
    from retrieval.dense import DenseSearcher, Filters

    services = _services(args)
    services.require_trials()
    catalog = services.catalog
    if args.k < 1:
        raise TrialscreenError(f"-k {args.k}: ask for at least one hit")
    trial = catalog.resolve(args.trial) if args.trial else None
    if args.section:
        sections = {"criteria"} | {s.name for t in catalog.trials() for s in t.sections}
        if args.section not in sections:
            raise TrialscreenError(
                f"--section {args.section!r} is not a section of any indexed trial; choose one of "
                + ", ".join(sorted(sections))
            )
    embedder = services.embedder
    searcher = DenseSearcher(ChunkStore(catalog.settings, embedder.name, catalog), catalog, embedder)
    hits = searcher.search(args.query, args.k, Filters(trial=trial, section=args.section, kind=args.kind))
    out = []
    for hit in hits:
        meta = hit.metadata
        record = catalog.trial(str(meta["trial"]))
        quote = record.quote(int(meta["start"]), int(meta["end"]))
        out.append(
            {
                "trial": meta["trial"],
                "chunk_id": meta["chunk_id"],
                "score": round(hit.score, 4),
                "start": meta["start"],
                "end": meta["end"],
                "quote": quote,
            }
        )
    if not out:
        filters = (("trial", trial), ("section", args.section), ("kind", args.kind))
        where = ", ".join(f"{name} {value}" for name, value in filters if value)
        raise TrialscreenError(f"no indexed passage matches{' (' + where + ')' if where else ''}; widen the search")
    if args.json:
        print(json.dumps({"results": out}, indent=1, ensure_ascii=False))
    else:
        for r in out:
            print(f"{r['score']:.3f} {r['chunk_id']}: {' '.join(str(r['quote']).split())[:150]}")
    return 0


def _today(args: argparse.Namespace) -> Any:
    from datetime import date

    if not getattr(args, "today", None):
        return date.today()
    try:
        return date.fromisoformat(args.today)
    except ValueError as err:
        raise TrialscreenError(f"--today {args.today!r} is not a date; write it as YYYY-MM-DD") from err


def _print_screening(result: dict[str, Any]) -> None:
    state = "recruiting" if result["recruiting"] else result["status"]
    print(f"{result['trial']}  {result['decision'].upper()}  ({state})")
    print(f"  {result['title']}")
    marks = {"met": "+", "not_met": "-", "unknown": "?", "not_applicable": "·"}
    for c in result["criteria"]:
        flag = "X" if c["disqualifying"] else marks[c["status"]]
        print(f"  [{flag}] {c['kind'][:3]} {c['number']:>2} {c['text'][:90]}")
        if c["disqualifying"] or c["status"] == "unknown":
            print(f"        {c['reason'][:150]}")
    for q in result["questions"][:5]:
        print(f"  ask: {q}")
    print(f"  {result['explanation']}")


def cmd_rules(args: argparse.Namespace) -> int:
    """How each criterion of a trial was read: its rule, question or study-team item, in plain words."""
    from eligibility.engine import chunk_id

    services = _services(args)
    services.require_trials()
    ref = services.catalog.resolve(args.trial)
    trial = services.catalog.trial(ref)
    rows = []
    for c, cc in zip(trial.criteria, services.compiled(ref), strict=True):
        reading = cc.reading
        rows.append(
            {
                "kind": c.kind,
                "number": c.number,
                "label": c.label,
                "section": getattr(c, "section", "") or None,
                "text": c.text,
                "context": c.context,
                "mode": cc.mode,
                "reading": reading.words if reading is not None else "not understood: the study team reads it",
                "question": reading.question if reading is not None and reading.question else None,
                "unused": list(reading.unused) if reading is not None else [],
                "by": reading.by if reading is not None else "grammar",
                "logic": reading.to_dict()["logic"] if reading is not None else None,
                "warnings": cc.warnings,
                "cite": {"trial": trial.ref, "chunk_id": chunk_id(trial, c), "start": c.start, "end": c.end},
            }
        )
    if args.json:
        print(json.dumps({"trial": trial.ref, "title": trial.title, "criteria": rows}, indent=1, ensure_ascii=False))
        return 0
    print(f"{trial.ref}: {trial.title}")
    for row in rows:
        print(f"\n{row['label']} [{row['mode']}]: {row['text']}")
        if row["context"]:
            print(f"    under: {row['context']}")
        print(f"    read as: {row['reading']}")
    return 0


def _note_summary(services: Services) -> None:
    """With a model: what it read in the patient's note (accepted and rejected facts), on stderr."""
    reader = services.fact_reader
    if reader is not None:
        print(reader.tally.summary(reader.name), file=sys.stderr)


def cmd_screen(args: argparse.Namespace) -> int:
    from eligibility.patient import load_patient

    services = _services(args)
    services.require_trials()
    ref = services.catalog.resolve(args.trial)
    profile = load_patient(args.patient, _today(args))
    result = services.screen(ref, profile, _today(args), read_note=True).to_json()
    _note_summary(services)
    if args.json:
        print(json.dumps(result, indent=1, ensure_ascii=False))
    else:
        _print_screening(result)
    return 0


def cmd_match(args: argparse.Namespace) -> int:
    from eligibility.patient import load_patient

    services = _services(args)
    services.require_trials()
    profile = load_patient(args.patient, _today(args))
    results = services.match(profile, _today(args), read_note=True)
    _note_summary(services)
    if args.json:
        print(json.dumps({"results": [r.to_json() for r in results]}, indent=1, ensure_ascii=False))
    else:
        for r in results:
            print(
                f"{r.trial.ref:<24} {r.decision:<11} {'recruiting' if r.trial.recruiting else r.trial.status:<12} "
                f"{r.trial.title[:70]}"
            )
    return 0


def _with_trials(services: Services) -> Services:
    """The services; the bundled trials are indexed first when the index is empty (as `make chat` does)."""
    report = services.ensure_trials()
    if report is not None:
        print(f"the index was empty: indexed the bundled trials ({report.summary()})", file=sys.stderr)
    return services


def _gates_file(args: argparse.Namespace) -> Path | None:
    if args.gates:
        return Path(args.gates)
    for candidate in (Path.cwd() / "pyproject.toml", Path(__file__).resolve().parent.parent / "pyproject.toml"):
        if candidate.is_file():
            return candidate
    return None


def cmd_eval(args: argparse.Namespace) -> int:
    import dataclasses

    from evals.gates import advisories, check, load_baseline, load_gates
    from evals.runner import print_summary, run_files

    settings = _settings(args)
    paths = [Path(p) for p in args.cases]
    from evals.cases import CoverageCase, ExpertCase, ExpertFileCase, load_cases

    for p in paths:
        if not p.is_file():
            raise TrialscreenError(f"no case file {p}")
        load_cases(p)  # a bad case file gets its one line before anything is indexed or written
    baseline = load_baseline(Path(args.baseline)) if args.baseline else None
    gates = load_gates(_gates_file(args))
    offline = (CoverageCase, ExpertCase, ExpertFileCase)  # suites that compile their own trials, embed nothing
    compile_only = all(isinstance(case, offline) for p in paths for case in load_cases(p))
    services = Services(settings) if compile_only else _with_trials(Services(settings))
    today = _today(args) if args.today else None
    run = run_files(paths, services, today, progress=not args.quiet)
    run.label = settings.llm
    comparison = None
    if settings.llm != "none" and run.questions:
        plain = Services(dataclasses.replace(settings, llm="none"), embedder=services.embedder)  # to compare
        comparison = run_files(paths, plain, today, progress=False)
        comparison.label = "none"
    print_summary(run)
    if comparison is not None:
        print(f"-- the same suites without a model (--llm none), for comparison with --llm {settings.llm}:")
        print_summary(comparison)
    failures = check(run.metrics(), gates, baseline)
    if args.json:
        Path(args.json).write_text(json.dumps(run.to_json(), indent=1, ensure_ascii=False), "utf-8")
        print(f"results: {args.json}")
    if args.save_baseline:
        data = {"files": run.files, "configuration": run.label, "metrics": run.metrics()}
        Path(args.save_baseline).write_text(json.dumps(data, indent=1), "utf-8")
        print(f"baseline: {args.save_baseline}")
    if args.report:
        from evals.report import write_report

        page = write_report(run, Path(args.report), failures, comparison)
        print(f"report: {page} (and report.md beside it)")
    for line in advisories(run.metrics(), gates):
        print(f"gate advisory (not enforced yet): {line}", file=sys.stderr)
    for line in failures:
        print(f"gate failed: {line}", file=sys.stderr)
    return 3 if failures else 0


def cmd_ask(args: argparse.Namespace) -> int:
    services = _with_trials(_services(args))
    if args.trial:
        services.catalog.resolve(args.trial)
    answer = services.answerer().ask(args.question, trial=args.trial)
    if args.json:
        print(json.dumps(answer.to_json(), indent=1, ensure_ascii=False))
    else:
        print(answer.answer)
        for c in answer.citations:
            print(f"  [{c.chunk_id}] {' '.join(c.quote.split())[:160]}")
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from chatbot.app import serve

    port = args.port or int(os.environ.get("PORT", "7860"))
    serve(_services(args), host=args.host, port=port, audit_log=Path(args.audit_log) if args.audit_log else None)
    return 0


# -- entry point ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog="trialscreen",
        description="Grounded clinical-trial eligibility pre-screening. Not medical advice: the study team decides.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"trialscreen {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("index", parents=[common], help="read trial documents (files or folders) into the index")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true", help="print the run's report as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--replace",
        action="store_true",
        help="let a file replace an indexed trial of the same reference (NCT number) that came from another file",
    )
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("trials", parents=[common], help="list the indexed trials")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_trials)

    p = sub.add_parser(
        "rules", parents=[common], help="how each criterion of a trial was read: rule, question or study-team item"
    )
    p.add_argument("trial", metavar="REF", help="the trial's NCT number or file stem")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_rules)

    p = sub.add_parser("search", parents=[common], help="search the indexed chunks (dense retrieval)")
    p.add_argument("query")
    p.add_argument("--trial", help="only this trial (NCT number or file stem)")
    p.add_argument("--section", help="only this section (criteria, summary, description, arms, ...)")
    p.add_argument("--kind", choices=("inclusion", "exclusion"))
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("screen", parents=[common], help="one patient against one trial")
    p.add_argument("--trial", required=True, help="NCT number or file stem")
    p.add_argument("--patient", required=True, help="patient text, @FILE, or a JSON object of facts")
    p.add_argument("--today", help="the date relative times are counted from (YYYY-MM-DD; default: today)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_screen)

    p = sub.add_parser("match", parents=[common], help="one patient against every indexed trial, best first")
    p.add_argument("--patient", required=True, help="patient text, @FILE, or a JSON object of facts")
    p.add_argument("--today", help="the date relative times are counted from (YYYY-MM-DD; default: today)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_match)

    p = sub.add_parser("ask", parents=[common], help="a coordinator's question, answered from the trial texts")
    p.add_argument("question")
    p.add_argument("--trial", help="only this trial (NCT number or file stem)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", parents=[common], help="run labeled case files and print the metrics")
    p.add_argument("cases", nargs="+", metavar="CASES.jsonl")
    p.add_argument("--json", metavar="FILE", help="write every per-case result to FILE")
    p.add_argument("--today", help="count relative times from this date (YYYY-MM-DD) unless a case says")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--report", metavar="DIR", help="write report.md, report.html and plots to DIR")
    p.add_argument("--baseline", metavar="FILE", help="a stored result to compare with: any regression fails (exit 3)")
    p.add_argument("--save-baseline", metavar="FILE", help="store this run's metrics as a baseline")
    p.add_argument("--gates", metavar="FILE", help="where the gate thresholds are (default: pyproject.toml)")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("chat", parents=[common], help="serve the Gradio app on 127.0.0.1")
    p.add_argument("--port", type=int, default=None, help="port (default: $PORT, else 7860)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument(
        "--audit-log",
        metavar="FILE",
        help="append every patient turn to FILE (off by default: no patient text is written to disk)",
    )
    p.set_defaults(func=cmd_chat)
    return parser


def _interrupted(command: str) -> int:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C while exiting must not end in a traceback
    if command == "index":
        message = (
            "interrupted; the index holds exactly the trials committed before the interrupt, "
            "and the next `trialscreen index` run cleans up and finishes the rest"
        )
    elif command in ("chat", "ask", "eval"):  # these index the bundled trials into an empty index first
        message = "interrupted; the index holds exactly what was committed before the interrupt"
    else:
        message = "interrupted"
    print(f"trialscreen: {message}", file=sys.stderr)
    return 130


def main(argv: Sequence[str] | None = None) -> int:
    command = ""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        command = args.command
        _RUNNING["command"] = command
        func: Callable[[argparse.Namespace], int] = args.func
        return func(args)
    except TrialscreenError as err:
        print(f"trialscreen: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return _interrupted(command)
    except BrokenPipeError:  # output piped into `head` and the like
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as err:  # a file the command writes or reads, outside the index (e.g. eval --json FILE)
        where = f" {err.filename}" if err.filename else ""
        print(f"trialscreen: cannot use{where}: {err.strerror or err}", file=sys.stderr)
        return 1


_RUNNING = {"command": ""}  # the command this process runs, for a forced exit after Ctrl-C
FORCED_EXIT_AFTER_S = 5.0


def _on_interrupt(signum: int, frame: Any) -> None:
    """Ctrl-C: raise KeyboardInterrupt as usual, and make sure the process ends even when Python drops it
    (an interrupt that lands in a finaliser, `__del__`, is only reported, never raised)."""
    if not _RUNNING.get("armed"):
        _RUNNING["armed"] = "yes"
        timer = threading.Timer(FORCED_EXIT_AFTER_S, _forced_exit)
        timer.daemon = True
        timer.start()
    raise KeyboardInterrupt


def _forced_exit() -> None:
    code = _interrupted(_RUNNING["command"])
    sys.stderr.flush()
    os._exit(code)


def _quiet_interrupts(unraisable: Any) -> None:
    """An interrupt swallowed inside a finaliser is not an error to print: the forced exit handles it."""
    if isinstance(unraisable.exc_value, KeyboardInterrupt):
        return
    sys.__unraisablehook__(unraisable)


def entry() -> None:
    """The `trialscreen` command. After Ctrl-C it prints one line and leaves at once: neither a library
    thread started by an interrupted import (torch, Gradio, Chroma) nor an interrupt Python dropped can
    keep it running. The index is safe either way: it is built to survive even SIGKILL."""
    signal.signal(signal.SIGINT, _on_interrupt)
    sys.unraisablehook = _quiet_interrupts
    code = main()
    # the command is done and has said so: a Ctrl-C while the interpreter shuts down must not turn its
    # result ("the index is empty", exit 1) into an interrupt
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if code == 130:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
