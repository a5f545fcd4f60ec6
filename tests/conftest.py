"""Shared fixtures. All state goes to a temporary TRIALSCREEN_HOME; the fake embedder makes
search order exact and fast, the real model is used where a test says so (marked slow)."""

from __future__ import annotations

import contextlib
import hashlib
import math
import re
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.builder import bundled_dir
from index.embeddings import register_embedder
from trialscreen.config import Settings

BUNDLED = bundled_dir()
DATA = Path(__file__).parent / "data"


class FakeEmbeddings:
    """Bag of words hashed into 256 dimensions: same words, same direction. Exact and instant."""

    name = "fake-hash-256"
    dim = 256

    def __init__(self) -> None:
        self.calls = 0

    def _vector(self, text: str) -> list[float]:
        vec = [0.0] * self.dim
        for word in re.findall(r"[a-z0-9]+", text.lower()):
            h = int(hashlib.md5(word.encode()).hexdigest(), 16)
            vec[h % self.dim] += 1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


register_embedder(FakeEmbeddings.name, FakeEmbeddings)  # TRIALSCREEN_EMBEDDER=fake-hash-256 picks it


def pytest_configure(config: pytest.Config) -> None:
    """The Ctrl-C tests send SIGINT to the commands they start. A shell that runs the tests as a
    background job ignores SIGINT, and its children inherit that, so those commands would never be
    interrupted: the tests' own processes take Ctrl-C as a terminal would deliver it."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def use_embedder(monkeypatch: pytest.MonkeyPatch, embedder: object) -> None:
    """The CLI and the services in this test use this very embedder: registered under a name of its own
    and chosen through the environment, as a user would choose one (no module global is patched)."""
    name = f"test-{id(embedder)}"
    register_embedder(name, lambda: embedder)
    monkeypatch.setenv("TRIALSCREEN_EMBEDDER", name)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("TRIALSCREEN_HOME", str(home))
    monkeypatch.delenv("TRIALSCREEN_CHROMA_URL", raising=False)
    monkeypatch.delenv("TRIALSCREEN_EMBEDDER", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return home


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.resolve(data_dir=tmp_path / "data")


@pytest.fixture
def fake_embedder() -> FakeEmbeddings:
    return FakeEmbeddings()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the bundled trials."""
    target = tmp_path / "corpus"
    shutil.copytree(BUNDLED, target)
    return target


@pytest.fixture(scope="session")
def real_embedder():  # type: ignore[no-untyped-def]
    from index.embeddings import MiniLMEmbeddings

    return MiniLMEmbeddings()


def fake_chat_model(*replies: str):  # type: ignore[no-untyped-def]
    """LangChain's own fake chat model, replying with the given texts in turn (exact tests, no network)."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    return GenericFakeChatModel(messages=iter([AIMessage(content=r) for r in replies]))


def free_port() -> int:
    """A free TCP port on 127.0.0.1 for a server a test starts."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def local_server(command: list[str], health_url: str, name: str, timeout: float = 60) -> Iterator[None]:
    """Start a server a test needs on 127.0.0.1, wait until `health_url` answers 200, stop it afterwards."""
    import subprocess
    import time

    import httpx

    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(health_url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail(f"{name} did not come up within {timeout:g} s")
            time.sleep(0.3)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
