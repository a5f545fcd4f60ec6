"""Phrasing an answer with a language model, validated before anyone sees it.

The model gets the retrieved passages (as data, with their chunk ids) and the question, and must
return JSON: an answer and citations of chunk ids with verbatim quotes. The reply is parsed with
pydantic; every citation must name a passage it was given and quote it verbatim. A reply that fails
any check is rejected (and logged) and the caller falls back to the extractive answer.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from index.chunks import Chunk
from index.criteria import display_text
from prompts import Prompt
from retrieval.citations import Answer, Citation

log = logging.getLogger("trialscreen.llm")


class ModelCitation(BaseModel):
    model_config = ConfigDict(extra="ignore")
    chunk_id: str = Field(min_length=1, max_length=200)
    quote: str = Field(min_length=3, max_length=2000)


class ModelAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")
    answer: str = Field(min_length=1, max_length=4000)
    citations: list[ModelCitation] = Field(default_factory=list, max_length=12)


@dataclass(frozen=True)
class Rejection:
    reason: str


_JSON = re.compile(r"\{.*\}", re.DOTALL)


def format_passages(chunks: list[Chunk]) -> str:
    """Passages as data: one per block, id first; angle brackets inside the text cannot close the tag."""
    blocks = []
    for c in chunks:
        text = display_text(c.text).replace("<", "‹").replace(">", "›")
        label = f"{c.trial} {c.section}" + (f" ({c.kind})" if c.kind else "")
        blocks.append(f"[{c.id}] {label}: {text}")
    return "\n".join(blocks)


def parse_reply(content: str) -> ModelAnswer | Rejection:
    found = _JSON.search(content or "")
    if not found:
        return Rejection("the reply holds no JSON object")
    try:
        return ModelAnswer.model_validate(json.loads(found.group(0)))
    except (json.JSONDecodeError, ValidationError) as err:
        return Rejection(f"the reply is not the expected JSON ({str(err).splitlines()[0][:120]})")


def check(reply: ModelAnswer, passages: list[Chunk]) -> list[Citation] | Rejection:
    """Citations that name a given passage and quote it verbatim; a rejection when any does not."""
    by_id = {c.id: c for c in passages}
    if not reply.citations:
        return Rejection("no citation")
    checked = []
    for cite in reply.citations:
        chunk = by_id.get(cite.chunk_id.strip("[] "))
        if chunk is None:
            return Rejection(f"cites {cite.chunk_id!r}, which is not one of the passages it was given")
        quote = cite.quote.strip().strip('"\u201c\u201d')
        where = chunk.text.find(quote)
        if where < 0:
            folded, text = display_text(quote), display_text(chunk.text)
            if folded not in text:
                return Rejection(f"quote {quote[:60]!r} is not verbatim in {chunk.id}")
            # white space differs only: cite the whole passage's span
            checked.append(Citation(chunk.trial, chunk.id, chunk.text, chunk.start, chunk.end))
            continue
        start = chunk.start + where
        checked.append(Citation(chunk.trial, chunk.id, quote, start, start + len(quote)))
    return checked


def llm_answer(model: Any, prompt: Prompt, question: str, passages: list[Chunk], provider: str) -> Answer | Rejection:
    if not passages:
        return Rejection("no passages to answer from")
    messages = prompt.template().format_messages(question=question, passages=format_passages(passages))
    try:
        reply = model.invoke(messages)
    except Exception as err:  # a dead endpoint, a timeout: the extractive answer stands in
        return Rejection(f"the model call failed ({type(err).__name__}: {str(err)[:120]})")
    content = reply.content if isinstance(reply.content, str) else json.dumps(reply.content)
    parsed = parse_reply(content)
    if isinstance(parsed, Rejection):
        return parsed
    cites = check(parsed, passages)
    if isinstance(cites, Rejection):
        return cites
    trials = list(dict.fromkeys(c.trial for c in cites))
    return Answer(parsed.answer.strip(), cites, trials, intent="criteria", source=provider)
