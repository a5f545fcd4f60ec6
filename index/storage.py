"""Files in the data directory: atomic writes, and one line naming the real cause when the disk says no.

Every file the index writes goes through `write_atomic`: the data goes to a temporary file beside the
target, is flushed to disk, and replaces the target with one rename. A reader sees the old file or the
new one, never a part; an interrupted write leaves only a `.NAME.*.tmp` file, which the next index
run removes.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from trialscreen.errors import StorageError

TMP_SUFFIX = ".tmp"


def storage_error(err: OSError, path: Path, doing: str) -> StorageError:
    """An OS error while writing under the data directory, as one line that names the cause and the fix."""
    reason = err.strerror or str(err)
    code = err.errno
    # The manifest is the commit point: whatever failed to be written, what it names is as it was.
    intact = " (what was indexed before is intact)" if _has_index(path) else ""
    if code in (errno.ENOSPC, errno.EDQUOT):
        advice = f"the disk is full; free some space and run it again{intact}"
    elif code in (errno.EROFS, errno.EACCES, errno.EPERM):
        advice = f"{reason.lower()}; make it writable or choose another --data-dir{intact}"
    elif code in (errno.ENOTDIR, errno.EEXIST, errno.EISDIR):
        advice = f"{reason.lower()}: a file is in the way; choose another --data-dir"
    else:
        advice = f"{reason}; check the data directory, or choose another --data-dir"
    return StorageError(f"cannot {doing} {path}: {advice}")


def _has_index(path: Path) -> bool:
    """Whether `path` lies in a data directory that has a manifest (a trial file is one level deeper)."""
    return any((d / "manifest.json").is_file() for d in (path, path.parent, path.parent.parent))


def ensure_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise storage_error(err, path, "create the data directory") from err
    if not path.is_dir():
        raise StorageError(f"cannot use {path} as a data directory: it is a file; choose another --data-dir")


def write_atomic(path: Path, data: str, before_replace: Callable[[], None] | None = None) -> None:
    """Write `data` to `path` atomically and durably. `before_replace` runs between the two steps (tests)."""
    ensure_dir(path.parent)
    tmp = ""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if before_replace is not None:
            before_replace()
        os.replace(tmp, path)
        tmp = ""
    except OSError as err:
        raise storage_error(err, path, "write") from err
    finally:
        if tmp:
            Path(tmp).unlink(missing_ok=True)


def remove_stale_tmp(directory: Path) -> int:
    """Remove the temporary files of writes that were interrupted (only the writer calls this, under its lock)."""
    removed = 0
    if not directory.is_dir():
        return 0
    for f in directory.glob(f".*{TMP_SUFFIX}"):
        f.unlink(missing_ok=True)
        removed += 1
    return removed
