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

from index.storage import ensure_dir, storage_error
from trialscreen.errors import IndexBusyError


class WriterLock:
    def __init__(self, data_dir: Path, lock_path: Path) -> None:
        self.data_dir = data_dir
        self.path = lock_path
        self._fd: int | None = None

    def _holder(self, fd: int) -> str:
        try:
            info = json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "{}")
            since = time.strftime("%H:%M", time.localtime(float(info["since"])))
            return f"since {since} (pid {int(info['pid'])})"
        except (ValueError, KeyError, TypeError, OSError):
            return "(it has not said since when)"

    def acquire(self) -> None:
        ensure_dir(self.data_dir)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise storage_error(err, self.path, "open the lock file") from err
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self._holder(fd)
            os.close(fd)
            raise IndexBusyError(
                f"another index run is using {self.data_dir} {holder}; wait for it to finish and run this again"
            ) from None
        except OSError as err:
            os.close(fd)
            raise storage_error(err, self.path, "lock") from err
        with contextlib.suppress(OSError):  # who holds it is for the message only: a full disk must not stop us here
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps({"pid": os.getpid(), "since": time.time()}).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing the file releases the lock

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
