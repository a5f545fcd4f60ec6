"""The chat with a (fake) language model: phrased questions and read replies, checked, with fallback."""

from __future__ import annotations

import json
from datetime import date

import pytest
from langchain_core.messages import AIMessage

from chatbot.app import ChatApp
from chatbot.llm_chat import phrase_question, read_reply
from eligibility.questions import question_for
from index.builder import Indexer
from index.catalog import Catalog
from tests.conftest import BUNDLED, FakeEmbeddings, fake_chat_model
from trialscreen.config import Settings
from trialscreen.services import Services


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    settings = Settings.resolve(data_dir=tmp_path_factory.mktemp("llmchat") / "data")
    Indexer(settings, FakeEmbeddings(), progress=False).run([BUNDLED])
    return Catalog(settings)


def test_a_phrased_question_is_used_when_it_passes_the_checks() -> None:
    q = question_for("cond:cancer")
    model = fake_chat_model(json.dumps({"question": "Have you ever been treated for any kind of cancer?"}))
    assert phrase_question(model, q) == "Have you ever been treated for any kind of cancer?"


@pytest.mark.parametrize(
    "reply",
    [
        json.dumps({"question": "Have you had cancer in the last 3 years?"}),  # a new number changes the meaning
        json.dumps({"question": "Tell me about cancer."}),  # not a question
        "I would ask about cancer.",  # no JSON
    ],
)
def test_a_bad_phrasing_falls_back_to_the_template(reply: str) -> None:
    q = question_for("cond:cancer")
    assert phrase_question(fake_chat_model(reply), q) == q.text


def test_a_read_reply_must_use_the_asked_keys_and_valid_values() -> None:
    q = question_for("prior:rituximab+class:biologic")
    ok = fake_chat_model(json.dumps({"facts": {"prior:rituximab": {"value": True, "months_ago": 7}}}))
    assert read_reply(ok, q, "I got the rituximab thing last spring") == {
        "prior:rituximab": {"value": True, "months_ago": 7}
    }
    wrong_key = fake_chat_model(json.dumps({"facts": {"pregnant": True}}))
    assert read_reply(wrong_key, q, "last spring") is None
    bad_value = fake_chat_model(json.dumps({"facts": {"prior:rituximab": {"value": True, "months_ago": -4}}}))
    assert read_reply(bad_value, q, "last spring") is None
    age = question_for("age")
    assert read_reply(fake_chat_model(json.dumps({"facts": {"age": 300}})), age, "very old") is None


class _PromptAwareFake:
    """Answers the question-phrasing prompt with a fixed phrasing and the reply-reading prompt with age 44."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def invoke(self, messages: list) -> AIMessage:  # type: ignore[type-arg]
        system = messages[0].content
        self.calls.append("reply" if "read a patient's reply" in system else "question")
        if self.calls[-1] == "reply":
            return AIMessage(content=json.dumps({"facts": {"age": 44}}))
        return AIMessage(content=json.dumps({"question": "Could you tell me this, please?"}))


def test_the_chat_uses_a_checked_model_reading_when_the_rules_cannot(catalog: Catalog) -> None:
    model = _PromptAwareFake()
    core = ChatApp(Services(catalog.settings), today=date(2026, 11, 1), model=model)
    state = core.new_state()
    core.patient_send("could I join the telitacicept trial?", state)
    session = state["session"]
    while session.asked != "age":  # answer 'not sure' until the age question comes
        core.patient_send("not sure", state)
        assert session.asked is not None
    core.patient_send("forty-four this spring", state)  # the rules cannot read this
    assert session.profile().value("age") == 44
    assert "reply" in model.calls
    assert "Could you tell me this, please?" in state["history"][-1]["content"]
