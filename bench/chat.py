"""Chat figures for `make bench`: patient-turn latency p50/p95 without a model, alone and with 20
concurrent simulated users, measured through the real Gradio server on 127.0.0.1, each turn sent as
a browser sends it (the queue's join and event stream, over one lean asyncio HTTP client).

Each simulated user opens a session, says what they look for, and answers "not sure" until the
interview ends (bounded to 40 turns). Targets: p95 <= 300 ms for a single user, p95 <= 1 s with 20.

The server runs in its own process, launched as `trialscreen chat` launches it (queue, theme), as it
does for real users, whose browsers are elsewhere: the simulated users' clients run in this process,
so they do not share the server's interpreter lock (on one process they would measure each other).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import socket
import tempfile
import time
import uuid
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


QUEUE_CONCURRENCY = 8  # as serve() sets it


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


async def _turn(client: Any, url: str, fn_index: int, session: str, data: list[Any]) -> list[Any]:
    """One patient turn as the browser sends it: join the queue, then read the session's event stream
    until this event completes; the outputs."""
    joined = await client.post(
        f"{url}/gradio_api/queue/join",
        json={
            "data": data,
            "fn_index": fn_index,
            "session_hash": session,
            "event_data": None,
            "trigger_id": None,
        },
    )
    joined.raise_for_status()
    event = joined.json()["event_id"]
    buffer = ""
    async with client.stream("GET", f"{url}/gradio_api/queue/data", params={"session_hash": session}) as stream:
        async for chunk in stream.aiter_text():
            buffer += chunk
            while "\n\n" in buffer:
                line, buffer = buffer.split("\n\n", 1)
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed" and message.get("event_id") == event:
                    if not message.get("success", True):
                        raise RuntimeError(f"a turn failed: {message}")
                    return list(message["output"]["data"])
    raise RuntimeError("the event stream ended before the turn completed")


async def _user(client: Any, url: str, fns: tuple[int, int], opening: str, turns: int, out: list[float]) -> None:
    """A simulated patient: the opening, then "not sure" until the interview ends (at most `turns`). A
    turn is the answer and, as the browser then asks, the quick answers that fit the next question."""
    session = uuid.uuid4().hex
    send, fit = fns
    for n in range(turns + 1):
        t0 = time.perf_counter()
        data = await _turn(client, url, send, session, [opening if n == 0 else "not sure", None])
        fitted = await client.post(
            f"{url}/gradio_api/run/predict", json={"data": [None], "fn_index": fit, "session_hash": session}
        )
        fitted.raise_for_status()
        out.append(1000 * (time.perf_counter() - t0))
        last = data[0][-1]["content"]
        text = last if isinstance(last, str) else " ".join(p.get("text", "") for p in last if isinstance(p, dict))
        if text.startswith("I have no more questions"):
            break


async def _users(url: str, openings: list[str], turns: int, out: list[float]) -> float:
    """Run the simulated patients concurrently (one lean HTTP client, as many browsers would); the wall time."""
    import httpx

    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=200)) as client:
        config = (await client.get(f"{url}/config")).json()
        send = next(d["id"] for d in config["dependencies"] if d.get("api_name") == "patient_send")
        fit = next(d["id"] for d in config["dependencies"] if d.get("trigger_after") == send)
        t0 = time.perf_counter()
        await asyncio.gather(*(_user(client, url, (send, fit), o, turns, out) for o in openings))
        return time.perf_counter() - t0


def _serve(work: Path, port: int, ready: Any) -> None:
    """The app over the bundled trials, served until the process is stopped."""
    from chatbot.app import launch_options

    settings = Settings.resolve(data_dir=work / "data")
    services = Services(settings, embedder=_HashEmbeddings(), model=None)
    services.index([bundled_dir()], progress=False)
    catalog = services.catalog
    app: Any = build_app(
        services, answerer=Answerer(catalog, HybridRetriever(corpus=ChunkCorpus(catalog))), today=date(2026, 11, 1)
    )
    app.queue(default_concurrency_limit=QUEUE_CONCURRENCY)
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **launch_options())
    ready.set()
    while True:
        time.sleep(3600)


def run(users: int = 20, turns: int = 40) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="trialscreen-chat-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    server = context.Process(target=_serve, args=(work, port, ready), daemon=True)
    server.start()
    if not ready.wait(300):
        server.terminate()
        raise RuntimeError("the chat server did not start within 5 minutes")
    url = f"http://127.0.0.1:{port}"
    try:
        single: list[float] = []
        asyncio.run(_users(url, OPENINGS[:1], turns, single))
        many: list[float] = []
        wall = asyncio.run(_users(url, [OPENINGS[i % len(OPENINGS)] for i in range(users)], turns, many))
    finally:
        server.terminate()
        server.join(10)
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
