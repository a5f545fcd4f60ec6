"""Where state lives and which services to use: flags first, then environment, then defaults.

All state (the Chroma store, parsed trials, the manifest) sits under one directory, the data
directory: ``--data-dir`` or ``TRIALSCREEN_HOME``, else ``$XDG_DATA_HOME/trialscreen``
(``~/.local/share/trialscreen``). Tests point it at a temporary directory.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from trialscreen.errors import TrialscreenError

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


def llm_providers() -> list[str]:
    """`none` and the providers registered in `trialscreen.llm` (the one list of them)."""
    from trialscreen.llm import providers

    return ["none", *providers()]


@dataclass(frozen=True)
class Option:
    """A setting as the command line and the environment give it. The CLI's common options are built
    from `OPTIONS`, so the parser, `--help` and the README cannot drift apart (a test checks the README)."""

    name: str  # the keyword of `Settings.resolve`
    flag: str
    env: str
    help: str
    metavar: str | None = None
    choices: Callable[[], list[str]] | None = None


OPTIONS: tuple[Option, ...] = (
    Option(
        "data_dir",
        "--data-dir",
        "TRIALSCREEN_HOME",
        "where the index lives (default: ~/.local/share/trialscreen)",
        "DIR",
    ),
    Option(
        "chroma_url",
        "--chroma-url",
        "TRIALSCREEN_CHROMA_URL",
        "use a Chroma server, e.g. http://127.0.0.1:8000 (default: the embedded store)",
        "URL",
    ),
    Option(
        "index_name",
        "--index",
        "TRIALSCREEN_INDEX",
        "name this data dir's collection on a Chroma server trialscreen-NAME, chosen at its first index run",
        "NAME",
    ),
    Option("embedder", "--embedder", "TRIALSCREEN_EMBEDDER", "the embedding model (default: minilm)", "NAME"),
    Option("llm", "--llm", "TRIALSCREEN_LLM", "language model provider (default: none)", choices=llm_providers),
    Option("llm_model", "--llm-model", "TRIALSCREEN_LLM_MODEL", "the provider's model name", "NAME"),
    Option(
        "llm_base_url",
        "--llm-base-url",
        "TRIALSCREEN_LLM_BASE_URL",
        "an OpenAI-compatible endpoint (e.g. http://127.0.0.1:8080/v1) or Ollama's",
        "URL",
    ),
    Option(
        "llm_model_path", "--llm-model-path", "TRIALSCREEN_LLM_MODEL_PATH", "a GGUF file for --llm llamacpp", "FILE"
    ),
)


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    chroma: ChromaServer | None = None
    llm: str = "none"
    index_name: str | None = None  # --index NAME: the data dir's collection is trialscreen-NAME
    collection: str = ""  # the Chroma collection; "" = the one the data dir's manifest names (index.catalog)
    embedder: str = "minilm"  # a name in index.embeddings' registry
    llm_model: str | None = None
    llm_base_url: str | None = None
    llm_model_path: str | None = None

    @classmethod
    def resolve(cls, **given: str | Path | None) -> Settings:
        """Settings from flags (`given`, keyed by `Option.name`), then the environment, then defaults."""
        unknown = set(given) - {o.name for o in OPTIONS}
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        value: dict[str, str | None] = {}
        for option in OPTIONS:
            raw = given.get(option.name)
            value[option.name] = str(raw) if raw not in (None, "") else (os.environ.get(option.env) or None)
        directory = Path(value["data_dir"]).expanduser() if value["data_dir"] else default_data_dir()
        provider = value["llm"] or "none"
        if provider not in llm_providers():
            raise TrialscreenError(f"--llm {provider!r} is not a provider; choose one of {', '.join(llm_providers())}")
        url, name = value["chroma_url"], value["index_name"]
        return cls(
            data_dir=directory,
            chroma=parse_chroma_url(url) if url else None,
            llm=provider,
            index_name=check_index_name(name) if name else None,
            embedder=value["embedder"] or "minilm",
            llm_model=value["llm_model"],
            llm_base_url=value["llm_base_url"],
            llm_model_path=value["llm_model_path"],
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
