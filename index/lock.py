"""One writer per data directory: an exclusive `flock` on DATA_DIR/index.lock.

Only index runs take it; readers (trials, search, screen, the chat) never wait, because the manifest
they read is replaced atomically. The lock is the kernel's, so it is released when its holder exits,
however it exits (a killed run leaves no stale lock). The holder writes its pid and start time into
the file so a refused run can say who holds it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from pathlib import Path
from types import TracebackType
from typing import IO

from index.storage import ensure_dir, storage_error
from trialscreen.errors import IndexBusyError


class WriterLock:
    def __init__(self, data_dir: Path, lock_path: Path) -> None:
        self.data_dir = data_dir
        self.path = lock_path
        self._fh: IO[str] | None = None

    def _holder(self, fh: IO[str]) -> str:
        try:
            fh.seek(0)
            info = json.loads(fh.read() or "{}")
            since = time.strftime("%H:%M", time.localtime(float(info["since"])))
            return f"since {since} (pid {int(info['pid'])})"
        except (ValueError, KeyError, TypeError, OSError):
            return "(it has not said since when)"

    def acquire(self) -> None:
        ensure_dir(self.data_dir)
        try:
            fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
        except OSError as err:
            raise storage_error(err, self.path, "open the lock file") from err
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self._holder(fh)
            fh.close()
            raise IndexBusyError(
                f"another index run is using {self.data_dir} {holder}; wait for it to finish and run this again"
            ) from None
        except OSError as err:
            fh.close()
            raise storage_error(err, self.path, "lock") from err
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(json.dumps({"pid": os.getpid(), "since": time.time()}))
            fh.flush()
        except OSError as err:
            fh.close()
            raise storage_error(err, self.path, "write") from err
        self._fh = fh

    def release(self) -> None:
        fh, self._fh = self._fh, None
        if fh is None:
            return
        with contextlib.suppress(OSError):
            fh.truncate(0)
        fh.close()  # closing the file releases the lock

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
