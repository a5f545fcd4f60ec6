"""Where state lives and which services to use: flags first, then environment, then defaults.

All state (the Chroma store, parsed trials, the manifest) sits under one directory, the data
directory: ``--data-dir`` or ``TRIALSCREEN_HOME``, else ``$XDG_DATA_HOME/trialscreen``
(``~/.local/share/trialscreen``). Tests point it at a temporary directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from trialscreen.errors import TrialscreenError

LLM_PROVIDERS = ("none", "openai", "ollama", "llamacpp")


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
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise TrialscreenError(
            f"--chroma-url {url!r} is not a server address; give it as http://HOST:PORT "
            "(for example http://127.0.0.1:8000)"
        )
    port = parsed.port or (443 if parsed.scheme == "https" else 8000)
    return ChromaServer(host=parsed.hostname, port=port, ssl=parsed.scheme == "https")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    chroma: ChromaServer | None = None
    llm: str = "none"
    collection: str = "trialscreen_chunks"

    @classmethod
    def resolve(
        cls,
        data_dir: str | Path | None = None,
        chroma_url: str | None = None,
        llm: str | None = None,
    ) -> Settings:
        directory = Path(data_dir).expanduser() if data_dir else default_data_dir()
        url = chroma_url or os.environ.get("TRIALSCREEN_CHROMA_URL") or None
        provider = llm or os.environ.get("TRIALSCREEN_LLM") or "none"
        if provider not in LLM_PROVIDERS:
            raise TrialscreenError(f"--llm {provider!r} is not a provider; choose one of {', '.join(LLM_PROVIDERS)}")
        return cls(
            data_dir=directory,
            chroma=parse_chroma_url(url) if url else None,
            llm=provider,
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
