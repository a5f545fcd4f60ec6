"""Optional language-model help in the chat: phrasing questions and reading free-text replies.

Both are checked before use; on any failure the rule-based text is used (and the reason logged).
- A phrased question must be one short question (ends with '?', <= 300 characters, no new numbers).
- A read reply must use only the fact keys of the question asked, with values that pass the same
  validation as structured facts (`eligibility.patient`).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from eligibility.kinds import answer_keys
from eligibility.patient import profile_from_facts
from eligibility.questions import Question
from prompts import load_prompt
from trialscreen.errors import TrialscreenError

log = logging.getLogger("trialscreen.llm")
_JSON = re.compile(r"\{.*\}", re.DOTALL)


class _Phrased(BaseModel):
    model_config = ConfigDict(extra="ignore")
    question: str = Field(min_length=5, max_length=300)


class _Read(BaseModel):
    model_config = ConfigDict(extra="ignore")
    facts: dict[str, Any] = Field(default_factory=dict)


def _invoke(model: Any, prompt_name: str, **values: str) -> str | None:
    messages = load_prompt(prompt_name).template().format_messages(**values)
    try:
        reply = model.invoke(messages)
    except Exception as err:
        log.warning("model call failed (%s); using the rule-based text", type(err).__name__)
        return None
    return reply.content if isinstance(reply.content, str) else json.dumps(reply.content)


def phrase_question(model: Any, question: Question) -> str:
    content = _invoke(model, "question", question=question.text)
    found = _JSON.search(content or "")
    try:
        phrased = _Phrased.model_validate(json.loads(found.group(0))).question.strip() if found else ""
    except (json.JSONDecodeError, ValidationError):
        phrased = ""
    new_numbers = set(re.findall(r"\d+", phrased)) - set(re.findall(r"\d+", question.text))
    if not phrased.endswith("?") or phrased.count("?") > 1 or new_numbers:
        if content is not None:
            log.warning("phrased question rejected; using the template")
        return question.text
    return phrased


def allowed_keys(question: Question) -> list[str]:
    """The fact keys a reply to this question may set: the asking rule kind's `answer_keys`, else its own key."""
    return answer_keys(question.key)


def read_reply(model: Any, question: Question, reply: str) -> dict[str, Any] | None:
    """Facts the model reads in a reply, or None when they fail the checks (or say nothing)."""
    keys = allowed_keys(question)
    content = _invoke(model, "reply", question=question.text, keys=", ".join(keys), reply=reply[:2000])
    found = _JSON.search(content or "")
    if not found:
        return None
    try:
        facts = _Read.model_validate(json.loads(found.group(0))).facts
    except (json.JSONDecodeError, ValidationError):
        log.warning("model reading of a reply rejected: not the expected JSON")
        return None
    if not facts or any(k not in keys for k in facts):
        if facts:
            log.warning("model reading of a reply rejected: keys %s were not asked for", sorted(facts))
        return None
    try:
        profile_from_facts(dict(facts))
    except TrialscreenError as err:
        log.warning("model reading of a reply rejected: %s", err)
        return None
    return facts
