"""The Gradio app driven through its API with gradio_client: patient and coordinator conversations."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from chatbot.app import build_app, launch_options
from index.builder import Indexer
from index.catalog import Catalog
from retrieval.answer import Answerer
from retrieval.hybrid import ChunkCorpus, HybridRetriever
from tests.conftest import BUNDLED, FakeEmbeddings, free_port
from trialscreen.config import Settings
from trialscreen.services import Services

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    settings = Settings.resolve(data_dir=tmp_path_factory.mktemp("app") / "data")
    Indexer(settings, FakeEmbeddings(), progress=False).run([BUNDLED])
    catalog = Catalog(settings)
    answerer = Answerer(catalog, HybridRetriever(corpus=ChunkCorpus(catalog)))
    audit = tmp_path_factory.mktemp("audit") / "audit.jsonl"
    app: Any = build_app(Services(settings, model=None), answerer=answerer, audit_log=audit, today=date(2026, 11, 1))
    port = free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **launch_options())
    try:
        yield f"http://127.0.0.1:{port}", audit
    finally:
        app.close()


def _t(message: dict[str, Any]) -> str:
    """A chat message's text (Gradio 6 sends content as a list of typed parts)."""
    content = message["content"]
    if isinstance(content, str):
        return content
    return " ".join(p.get("text", "") for p in content if isinstance(p, dict))


def _client(url: str):  # type: ignore[no-untyped-def]
    from gradio_client import Client

    return Client(url, verbose=False)


def test_page_is_served_on_loopback(served: tuple[str, Path]) -> None:
    page = httpx.get(served[0] + "/", timeout=30)
    assert page.status_code == 200 and "trialscreen" in page.text


def test_patient_conversation_ends_in_cards_with_quotes(served: tuple[str, Path]) -> None:
    client = _client(served[0])
    history, _, cards, _ = client.predict(
        "could I join a lupus IL-2 trial? I'm a 40 year old man with lupus", api_name="/patient_send"
    )
    assert "I found 5" in _t(history[2])
    assert "pregnan" not in _t(history[-1]).lower()
    history, _, cards, bring = client.predict("banana", api_name="/patient_send")  # nonsense: one clear message
    assert history[-1]["role"] == "assistant" and "?" in _t(history[-1])
    for _ in range(80):
        last = _t(history[-1])
        if last.startswith("I have no more questions"):
            break
        history, _, cards, bring = client.predict("not sure", api_name="/patient_send")
    assert _t(history[-1]).startswith("I have no more questions")
    assert "data-decision=" in cards and "\u201c" in cards and "Each criterion (" in cards
    assert "To bring to the study team" in bring


def test_sessions_are_isolated(served: tuple[str, Path]) -> None:
    a, b = _client(served[0]), _client(served[0])
    ha = a.predict("telitacicept trial? I'm a 30 year old woman", api_name="/patient_send")[0]
    hb = b.predict("belimumab trials for a 50 year old man", api_name="/patient_send")[0]
    assert "30 year old woman" in _t(ha[1]) and all("woman" not in _t(m) for m in hb)
    assert len(hb) == 4 and len(ha) == 4


def test_back_and_restart(served: tuple[str, Path]) -> None:
    client = _client(served[0])
    client.predict("telitacicept trial? I'm a 30 year old woman", api_name="/patient_send")
    history = client.predict("not sure", api_name="/patient_send")[0]
    history2 = client.predict(api_name="/patient_back")[0]
    assert "took back" in _t(history2[-2])
    assert len(history2) > len(history)
    fresh = client.predict(api_name="/patient_restart")[0]
    assert len(fresh) == 1 and "pre-screen" in _t(fresh[0])


def test_coordinator_ask_browse_and_referral_screening(served: tuple[str, Path]) -> None:
    client = _client(served[0])
    answer = client.predict("what's the prednisone cap in the telitacicept study?", api_name="/ask")
    assert "10 mg/day" in answer and "<details>" in answer and "001_b91bb8497050bd59:inc-06" in answer
    rows = client.predict("completed", "any", "", "", api_name="/browse")
    assert {r[0] for r in rows["data"]} == {"NCT04956484", "NCT00071487", "NCT01632241", "NCT02084238"}
    text = client.predict("NCT04077684", api_name="/trial_text")
    assert "<mark class='inclusion" in text and "<mark class='exclusion" in text and "Warnings" in text
    table, csv_path, summary = client.predict(
        "41 yo man with SLE, had rituximab 2 months ago", None, api_name="/screen_note"
    )
    assert "Screened against 9 trials" in summary
    decisions = {r[0]: r[2] for r in table["data"]}
    assert decisions["NCT04077684"] == "ineligible"
    assert Path(csv_path).read_text().startswith("trial,title,decision")


def test_an_app_started_with_an_audit_log_writes_each_turn_there(served: tuple[str, Path]) -> None:
    _client(served[0]).predict("telitacicept trial? I'm a 41 year old woman", api_name="/patient_send")
    lines = served[1].read_text().splitlines()
    assert any("41 year old woman" in line for line in lines)


def test_twenty_concurrent_users_never_see_each_others_answers(served: tuple[str, Path]) -> None:
    import threading

    seen: dict[int, list[str]] = {}
    errors: list[BaseException] = []

    def user(i: int) -> None:
        try:
            client = _client(served[0])
            client.predict(f"telitacicept trial? I'm {20 + i} years old, female", api_name="/patient_send")
            history = client.predict("not sure", api_name="/patient_send")[0]
            seen[i] = [_t(m) for m in history]
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=user, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(seen) == 20
    for i, messages in seen.items():
        mine = f"I'm {20 + i} years old"
        assert any(mine in m for m in messages)
        others = [f"I'm {20 + j} years old" for j in range(20) if j != i]
        assert not any(o in m for m in messages for o in others)


def test_referral_csvs_are_the_apps_own_and_go_with_the_session(tmp_path: Path) -> None:
    from chatbot.app import ChatApp

    settings = Settings.resolve(data_dir=tmp_path / "data")
    Indexer(settings, FakeEmbeddings(), progress=False).run([BUNDLED])
    core = ChatApp(Services(settings), today=date(2026, 11, 1))
    _, first, _ = core.screen_note("41 yo man with SLE", session="a")
    _, second, _ = core.screen_note("30 yo woman with SLE", session="b")
    assert first and second and Path(first).parent != Path(second).parent
    assert Path(first).is_relative_to(core.downloads.root)
    assert Path(first).read_text("utf-8").startswith("trial,title,decision")
    core.downloads.end("a")  # the browser session ended
    assert not Path(first).exists() and Path(second).exists()
    core.downloads.close()  # the app closed
    assert not core.downloads.root.exists()


def test_an_exiting_app_leaves_no_temporary_file(tmp_path: Path) -> None:
    import subprocess
    import sys

    settings = Settings.resolve(data_dir=tmp_path / "data")
    Indexer(settings, FakeEmbeddings(), progress=False).run([BUNDLED])
    data = str(settings.data_dir)
    code = (
        "import sys; from datetime import date; from chatbot.app import ChatApp\n"
        "from trialscreen.config import Settings; from trialscreen.services import Services\n"
        f"core = ChatApp(Services(Settings.resolve(data_dir={data!r})), today=date(2026, 11, 1))\n"
        "print(core.screen_note('41 yo man with SLE', session='s')[1])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    csv = Path(out.strip().splitlines()[-1])
    assert csv.name == "screening.csv" and not csv.exists() and not csv.parent.parent.exists()
