"""Fault injection for the crash tests: the indexer names its phase boundaries, and
``TRIALSCREEN_FAULT=PHASE:SIGNAL[:N]`` makes it send itself SIGNAL (INT or KILL) the Nth time
(default the first) it reaches PHASE. Unset, a checkpoint costs one environment lookup.

Phases, in the order an index run meets them (`index.builder`):
  locked      the writer lock is held, nothing else done
  collected   leftovers of interrupted runs removed
  records     a batch's records and rules written (not yet visible)
  add         one slice of a batch's chunks added to Chroma
  added       all of a batch's chunks added (not yet visible)
  manifest    the new manifest written to its temporary file, not yet renamed into place
  committed   the manifest names the batch: it is visible
  cleaned     the replaced versions' chunks and records removed
  removed     trials whose files are gone dropped from the manifest and the store
"""

from __future__ import annotations

import os
import signal

PHASES = ("locked", "collected", "records", "add", "added", "manifest", "committed", "cleaned", "removed")
SIGNALS = {"INT": signal.SIGINT, "KILL": signal.SIGKILL}
_seen: dict[str, int] = {}


def checkpoint(phase: str) -> None:
    spec = os.environ.get("TRIALSCREEN_FAULT")
    if not spec:
        return
    parts = spec.split(":")
    if parts[0] != phase:
        return
    _seen[phase] = _seen.get(phase, 0) + 1
    nth = int(parts[2]) if len(parts) > 2 else 1
    if _seen[phase] == nth:
        signal.raise_signal(SIGNALS[parts[1].upper()])
