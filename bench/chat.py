"""Chat figures for `make bench`: patient-turn latency p50/p95 without a model, alone and with 20
concurrent simulated users, measured through the real Gradio server on 127.0.0.1 (gradio_client).

Each simulated user opens a session, says what they look for, and answers "not sure" until the
interview ends (bounded to 40 turns). Target: p95 <= 300 ms for a single user.
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

from chatbot.app import build_app
from index.builder import bundled_dir
from retrieval.answer import Answerer
from retrieval.hybrid import ChunkCorpus, HybridRetriever
from trialscreen.config import Settings
from trialscreen.services import Services

OPENINGS = [
    "could I join a lupus IL-2 trial? I'm a 40 year old man with lupus",
    "belimumab trials for a 30 year old woman with SLE",
    "telitacicept study? 35F, lupus for 5 years, on prednisone 10 mg",
    "I have lupus, what trials are there?",
]


class _HashEmbeddings:
    """Chat turns do not embed; retrieval for `ask` is not measured here."""

    name = "bench-hash"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [[float((hash(t) >> i) & 1) for i in range(16)] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 1) if ordered else 0.0


def _user(url: str, opening: str, turns: int, out: list[float]) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False)
    t0 = time.perf_counter()
    client.predict(opening, api_name="/patient_send")
    out.append(1000 * (time.perf_counter() - t0))
    for _ in range(turns):
        t0 = time.perf_counter()
        history = client.predict("not sure", api_name="/patient_send")[0]
        out.append(1000 * (time.perf_counter() - t0))
        last = history[-1]["content"]
        text = last if isinstance(last, str) else " ".join(p.get("text", "") for p in last)
        if text.startswith("I have no more questions"):
            break


def run(users: int = 20, turns: int = 40) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="trialscreen-chat-"))
    settings = Settings.resolve(data_dir=work / "data")
    services = Services(settings, embedder=_HashEmbeddings(), model=None)
    services.index([bundled_dir()], progress=False)
    catalog = services.catalog
    app: Any = build_app(
        services, answerer=Answerer(catalog, HybridRetriever(corpus=ChunkCorpus(catalog))), today=date(2026, 11, 1)
    )
    app.queue(default_concurrency_limit=8)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    url = f"http://127.0.0.1:{port}"
    try:
        single: list[float] = []
        _user(url, OPENINGS[0], turns, single)
        many: list[float] = []
        threads = [
            threading.Thread(target=_user, args=(url, OPENINGS[i % len(OPENINGS)], turns, many)) for i in range(users)
        ]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
    finally:
        app.close()
    return {
        "single_user_turns": len(single),
        "single_p50_ms": _pct(single, 0.5),
        "single_p95_ms": _pct(single, 0.95),
        "users": users,
        "concurrent_turns": len(many),
        "concurrent_p50_ms": _pct(many, 0.5),
        "concurrent_p95_ms": _pct(many, 0.95),
        "concurrent_turns_per_s": round(len(many) / wall, 1),
    }


def report(row: dict[str, Any]) -> str:
    return (
        f"chat turn latency (no model), one user: p50 {row['single_p50_ms']} ms, p95 {row['single_p95_ms']} ms over "
        f"{row['single_user_turns']} turns (target p95 <= 300 ms)\n"
        f"chat with {row['users']} concurrent users: p50 {row['concurrent_p50_ms']} ms, p95 "
        f"{row['concurrent_p95_ms']} ms over {row['concurrent_turns']} turns, {row['concurrent_turns_per_s']} turns/s"
    )


if __name__ == "__main__":
    print(report(run()))
