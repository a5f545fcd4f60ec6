"""The Gradio app serves a page on 127.0.0.1 and answers a search with verbatim citations."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from chatbot.app import build_app
from index.builder import Indexer
from tests.conftest import BUNDLED, FakeEmbeddings
from trialscreen.config import Settings

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(settings: Settings) -> Iterator[str]:
    embedder = FakeEmbeddings()
    Indexer(settings, embedder, progress=False).run([BUNDLED])
    app: Any = build_app(settings, embedder)
    port = _free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        app.close()


def test_page_is_served_and_search_cites_the_text(served: str) -> None:
    page = httpx.get(served + "/", timeout=30)
    assert page.status_code == 200 and "trialscreen" in page.text
    from gradio_client import Client

    client = Client(served, verbose=False)
    answer = client.predict("Plasmapheresis within 90 days", api_name="/search")
    assert "NCT01632241" in answer or "NCT00071487" in answer
    assert "> " in answer and "chars " in answer
    assert "Type a question" in client.predict("   ", api_name="/search")
