"""Reading a document's bytes into text, with one clear message for each kind of bad file."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from trialscreen.errors import TrialscreenError

DEFAULT_MAX_MB = 5.0


class DocumentError(TrialscreenError):
    """A document that cannot be read as a trial; the message names the file and the fix."""


@dataclass(frozen=True)
class RawDocument:
    path: Path
    text: str  # decoded, newlines normalised to \n
    sha256: str

    @property
    def name(self) -> str:
        return self.path.name


def max_bytes() -> int:
    raw = os.environ.get("TRIALSCREEN_MAX_FILE_MB", "")
    try:
        mb = float(raw) if raw else DEFAULT_MAX_MB
    except ValueError as err:
        raise TrialscreenError(f"TRIALSCREEN_MAX_FILE_MB={raw!r} is not a number of megabytes") from err
    return int(mb * 1024 * 1024)


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
    except OSError as err:
        raise DocumentError(f"{path}: cannot read it ({err.strerror or err})") from err
    limit = max_bytes()
    if size > limit:
        raise DocumentError(
            f"{path.name}: {size / 1048576:.1f} MB is over the {limit / 1048576:.0f} MB limit for one "
            "trial document; split it or raise TRIALSCREEN_MAX_FILE_MB"
        )
    try:
        return path.read_bytes()
    except OSError as err:
        raise DocumentError(f"{path}: cannot read it ({err.strerror or err})") from err


def decode(path: Path, data: bytes) -> RawDocument:
    name = path.name
    if not data.strip():
        raise DocumentError(f"{name}: the file is empty; nothing to index")
    if b"\x00" in data[:8192]:
        raise DocumentError(f"{name}: looks like a binary file, not a trial text (save the page as text)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DocumentError(
            f"{name}: not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start}); re-save it as UTF-8"
        ) from err
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return RawDocument(path=path, text=text, sha256=file_digest(data))


def read_document(path: Path) -> RawDocument:
    return decode(path, read_bytes(path))
