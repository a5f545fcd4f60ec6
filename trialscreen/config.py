"""Where state lives and which services to use: flags first, then environment, then defaults.

All state (the Chroma store, parsed trials, the manifest) sits under one directory, the data
directory: ``--data-dir`` or ``TRIALSCREEN_HOME``, else ``$XDG_DATA_HOME/trialscreen``
(``~/.local/share/trialscreen``). Tests point it at a temporary directory.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from trialscreen.errors import TrialscreenError

LLM_PROVIDERS = ("none", "openai", "ollama", "llamacpp")
# A Chroma collection name is "trialscreen-" + this: letters, digits, '-' and '_', as Chroma allows.
INDEX_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,60}[A-Za-z0-9])?$")


def default_data_dir() -> Path:
    env = os.environ.get("TRIALSCREEN_HOME")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "trialscreen"


@dataclass(frozen=True)
class ChromaServer:
    host: str
    port: int
    ssl: bool

    @property
    def url(self) -> str:
        return f"{'https' if self.ssl else 'http'}://{self.host}:{self.port}"


def parse_chroma_url(url: str) -> ChromaServer:
    how = "give it as http://HOST:PORT (for example http://127.0.0.1:8000)"
    try:
        parsed = urlparse(url)
        port = parsed.port  # raises ValueError for a port that is not a number or is out of range
    except ValueError as err:
        raise TrialscreenError(f"--chroma-url {url!r} has no valid port ({err}); {how}") from err
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise TrialscreenError(f"--chroma-url {url!r} is not a server address; {how}")
    if port == 0:
        raise TrialscreenError(f"--chroma-url {url!r}: port 0 is not a server port; {how}")
    if parsed.path not in ("", "/") or parsed.query or parsed.fragment:
        raise TrialscreenError(f"--chroma-url {url!r} has a path; {how}")
    return ChromaServer(
        host=parsed.hostname,
        port=port or (443 if parsed.scheme == "https" else 8000),
        ssl=parsed.scheme == "https",
    )


def check_index_name(name: str) -> str:
    if not INDEX_NAME.match(name):
        raise TrialscreenError(
            f"--index {name!r} is not an index name; use 1-62 letters, digits, '-' or '_', "
            "starting and ending with a letter or digit (e.g. lupus-team-a)"
        )
    return name


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    chroma: ChromaServer | None = None
    llm: str = "none"
    index_name: str | None = None  # --index NAME: the data dir's collection is trialscreen-NAME
    collection: str = ""  # the Chroma collection; "" = the one the data dir's manifest names (index.catalog)

    @classmethod
    def resolve(
        cls,
        data_dir: str | Path | None = None,
        chroma_url: str | None = None,
        llm: str | None = None,
        index_name: str | None = None,
    ) -> Settings:
        directory = Path(data_dir).expanduser() if data_dir else default_data_dir()
        url = chroma_url or os.environ.get("TRIALSCREEN_CHROMA_URL") or None
        name = index_name or os.environ.get("TRIALSCREEN_INDEX") or None
        provider = llm or os.environ.get("TRIALSCREEN_LLM") or "none"
        if provider not in LLM_PROVIDERS:
            raise TrialscreenError(f"--llm {provider!r} is not a provider; choose one of {', '.join(LLM_PROVIDERS)}")
        return cls(
            data_dir=directory,
            chroma=parse_chroma_url(url) if url else None,
            llm=provider,
            index_name=check_index_name(name) if name else None,
        )

    @property
    def trials_dir(self) -> Path:
        return self.data_dir / "trials"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def manifest_path(self) -> Path:
        return self.data_dir / "manifest.json"

    @property
    def lock_path(self) -> Path:
        return self.data_dir / "index.lock"
