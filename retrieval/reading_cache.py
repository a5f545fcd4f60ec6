"""Model readings of criteria, kept on disk so a criterion is sent to a model once.

One JSON Lines file, DATA_DIR/model_readings.jsonl; each line is one entry keyed by a digest of the
criterion's text, the model's name and the reader's version (the grammar's compiler version and the
prompt's). Writers append a whole line under an exclusive `flock` and readers read under a shared one,
so concurrent runs (two `trialscreen` commands, the chat's threads) never see half a line. A line that
does not parse (a damaged or foreign file) is skipped with one warning for the file; its criteria are
simply asked again. The cache is only ever a shortcut: deleting the file loses nothing but time.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger("trialscreen.llm")

FILE_NAME = "model_readings.jsonl"


def cache_key(text: str, model: str, version: str) -> str:
    return hashlib.sha256(json.dumps([text, model, version]).encode("utf-8")).hexdigest()


class ReadingCache:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / FILE_NAME
        self._entries: dict[str, dict[str, Any]] | None = None
        self._lock = threading.Lock()

    def _load(self) -> dict[str, dict[str, Any]]:
        entries: dict[str, dict[str, Any]] = {}
        try:
            with self.path.open("rb") as f:
                fcntl.flock(f.fileno(), fcntl.LOCK_SH)
                raw = f.read()
        except FileNotFoundError:
            return entries
        except OSError as err:
            log.warning("cannot read the model-reading cache %s (%s); criteria are read again", self.path, err)
            return entries
        bad = 0
        for line in raw.split(b"\n"):
            if not line.strip():
                continue
            try:
                entry = json.loads(line.decode("utf-8"))
                key, value = entry["key"], entry["value"]
                if not isinstance(key, str) or not isinstance(value, dict):
                    raise TypeError("key or value of the wrong type")
            except (ValueError, KeyError, TypeError):
                bad += 1
                continue
            entries[key] = value
        if bad:
            log.warning(
                "the model-reading cache %s has %d unreadable entr%s; ignored (those criteria are read again; "
                "delete the file to start afresh)",
                self.path,
                bad,
                "y" if bad == 1 else "ies",
            )
        return entries

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            if self._entries is None:
                self._entries = self._load()
            return self._entries.get(key)

    def put(self, key: str, value: dict[str, Any]) -> None:
        """Keep an entry, in memory at once and on disk as one appended line (a failed write only warns)."""
        line = (json.dumps({"key": key, "value": value}, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            if self._entries is None:
                self._entries = self._load()
            self._entries[key] = value
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            except OSError as err:
                log.warning("cannot write the model-reading cache %s (%s); kept for this run only", self.path, err)
                return
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                # a crash mid-write on a previous run may have left a partial line: start on a new one
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    line = b"\n" + line
                os.write(fd, line)
            except OSError as err:
                log.warning("cannot write the model-reading cache %s (%s); kept for this run only", self.path, err)
            finally:
                with contextlib.suppress(OSError):
                    os.close(fd)
