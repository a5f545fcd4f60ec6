"""One call to a chat model whose output is structured (`with_structured_output(..., include_raw=True)`):
its raw text, which the caller then checks itself (the model's JSON is never trusted as parsed)."""

from __future__ import annotations

import json
from typing import Any


def raw_reply(runnable: Any, messages: Any) -> str:
    """The model's raw reply to `messages` as text (JSON text when the model returned a structure).
    Errors of the call (a dead endpoint, a timeout) propagate to the caller, which says what stays."""
    reply = runnable.invoke(messages)
    if isinstance(reply, dict):
        reply = reply.get("raw")
    content = getattr(reply, "content", reply)
    return content if isinstance(content, str) else json.dumps(content)
