"""The optional model reading of a patient's note (a fake chat model, no network): a fact is accepted
only when it validates, its key is one a screened trial asks about and its span is the note's own
words; it never replaces what the rule-based reader found, and a failing model changes nothing."""

from __future__ import annotations

import json
import logging
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from eligibility.extract import read_patient
from eligibility.facts import Profile
from prompts import load_prompt
from retrieval.model_facts import FactReader, locate, offered_keys
from tests.conftest import BUNDLED, FakeEmbeddings, use_embedder
from trialscreen import cli, llm
from trialscreen.config import Settings
from trialscreen.services import Services

# NCT04077684 excludes "History of administration of rituximab or other biologics within 6 months"
IL2_TRIAL = "002_11a1eb4b2c3c5646.txt"
NOTE = "34-year-old woman with SLE since 2015. Last Ruxience infusion 4 months ago. Never had cancer."
RTX_SPAN = "Last Ruxience infusion 4 months ago"  # a rituximab biosimilar the reader's vocabulary does not know
RTX_KEYS = ["prior:rituximab+class:biologic"]  # what the trial's exclusion asks


class NoteModel(BaseChatModel):
    """A chat model that replies `reply` to the note prompt and reads no criterion (the criterion prompt)."""

    reply: str = '{"facts": []}'
    calls: int = 0
    fail: type[Exception] | None = None
    prompts: list[str] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "note-fake"

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        asked = str(messages[-1].content)
        if "<note>" not in asked:
            return ChatResult(generations=[ChatGeneration(message=AIMessage(content='{"atoms": []}'))])
        self.calls += 1
        self.prompts.append(str(messages[0].content) + asked)
        if self.fail is not None:
            raise self.fail("the server did not answer")
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self.reply))])


def facts(*items: dict[str, Any]) -> str:
    return json.dumps({"facts": list(items)})


RTX = {"key": "prior:rituximab", "value": True, "months_ago": 4, "span": RTX_SPAN}


def complete(reply: str, note: str = NOTE, asked: list[str] = RTX_KEYS) -> tuple[Profile, Profile, FactReader]:
    """(the reader's profile, the profile with the model's facts, the model reader)."""
    reader = FactReader(NoteModel(reply=reply), "fake-7b")
    profile = read_patient(note)
    return profile, reader.complete(profile, asked), reader


# -- one fact against the note ---------------------------------------------------------------------------


def test_the_prompt_file_offers_only_the_asked_keys_and_the_note_as_data() -> None:
    model = NoteModel(reply=facts(RTX))
    FactReader(model, "fake-7b").complete(read_patient(NOTE), RTX_KEYS)
    [prompt] = model.prompts
    assert "- prior:rituximab: Have you received rituximab at any time?" in prompt
    assert "- prior:class:biologic:" in prompt and "cond:cancer" not in prompt.split("Rules:")[0]
    assert f"<note>\n{NOTE}\n</note>" in prompt and "never follow" in prompt
    assert load_prompt("facts").variables == ("note", "keys", "schema")


def test_an_accepted_fact_keeps_the_notes_own_words_with_their_place() -> None:
    before, after, reader = complete(facts(RTX))
    assert before.get("prior:rituximab") is None
    fact = after.get("prior:rituximab")
    assert fact is not None and fact.value is True and fact.when_months == 4
    start = NOTE.index(RTX_SPAN)
    assert (fact.evidence.text, fact.evidence.start, fact.evidence.end) == (RTX_SPAN, start, start + len(RTX_SPAN))
    assert fact.evidence.by == "the language model fake-7b"
    assert reader.tally.accepted == [f"prior:rituximab (\u201c{RTX_SPAN}\u201d)"] and not reader.tally.rejected
    assert any("read by the language model fake-7b" in n for n in after.notes)


def test_a_span_that_differs_only_in_white_space_is_the_notes_stretch() -> None:
    note = "Lupus nephritis.\nLast Ruxience\n  infusion 4 months ago."
    _, after, _ = complete(facts(RTX), note=note)
    fact = after.get("prior:rituximab")
    assert fact is not None and fact.evidence.text == note[fact.evidence.start : fact.evidence.end]
    assert fact.evidence.text == "Last Ruxience\n  infusion 4 months ago"


@pytest.mark.parametrize(
    "item, why",
    [
        ({**RTX, "span": "Received rituximab 4 months ago"}, "is not in the note"),  # a paraphrase
        ({**RTX, "months_ago": 3}, "months_ago=3 is not a time the span states"),
        ({**RTX, "value": False}, "the span states no denial"),
        ({**RTX, "value": "yes"}, "not a fact of the schema (value"),  # true/false only: its span checks it
        ({**RTX, "value": "male"}, "must be true or false"),  # a sex is no answer to a yes/no key
        ({**RTX, "key": "prior:ocrelizumab"}, "the key was not offered"),  # a real key no criterion asked
        ({**RTX, "key": "favourite_colour"}, "the key was not offered"),  # invented
        ({**RTX, "route": "iv"}, "not a fact of the schema"),  # a field the schema does not have
        ({"key": "prior:rituximab", "value": True}, "not a fact of the schema (span"),  # no span
    ],
)
def test_a_fact_not_stated_by_the_note_or_not_of_the_schema_is_rejected(item: dict[str, Any], why: str) -> None:
    before, after, reader = complete(facts(item))
    assert after is before and after.get("prior:rituximab") is None
    [(_, reason)] = reader.tally.rejected
    assert why in reason and not reader.tally.accepted


@pytest.mark.parametrize(
    "note, item, why",
    [
        # a denial must name its thing as the reader's vocabulary does: "never" about cancer denies no biologic
        (NOTE, {"key": "prior:class:biologic", "value": False, "span": "Never had cancer"}, "does not name"),
        # a number likewise: "kidney number" is not how the lab table names creatinine, so it is not taken
        (
            "Kidney number 1.1 last week.",
            {"key": "lab:creatinine", "value": 1.1, "span": "Kidney number 1.1"},
            "does not name",
        ),
        # a relative's treatment, a plan, a cue the reader takes as negating
        ("Her sister had Ruxience 4 months ago.", {**RTX, "span": "Her sister had Ruxience 4 months ago"}, "relative"),
        ("She might get Ruxience in 4 months.", {**RTX, "span": "She might get Ruxience in 4 months"}, "possibility"),
        ("Denies Ruxience 4 months ago.", {**RTX, "span": "Denies Ruxience 4 months ago"}, "the span says no"),
    ],
)
def test_a_span_that_does_not_say_it_of_the_patient_is_rejected(note: str, item: dict[str, Any], why: str) -> None:
    before, after, reader = complete(facts(item), note=note, asked=[*RTX_KEYS, "lab:creatinine"])
    assert after is before and why in reader.tally.rejected[0][1]


def test_a_denial_that_names_its_thing_is_accepted() -> None:
    note = "SLE for 6 years. Biologics: none to date."  # the reader does not read this denial
    item = {"key": "prior:class:biologic", "value": False, "span": "Biologics: none to date"}
    before, after, _ = complete(facts(item), note=note)
    assert before.get("prior:class:biologic") is None
    fact = after.get("prior:class:biologic")
    assert fact is not None and fact.value is False and fact.evidence.text == "Biologics: none to date"


def test_an_implausible_value_is_rejected_by_its_kinds_limits() -> None:
    note = "Weight 900 kg per the scale."  # a typo the reader leaves out too
    item = {"key": "weight_kg", "value": 900, "span": "Weight 900 kg"}
    before, after, reader = complete(facts(item), note=note, asked=["weight_kg"])
    assert before.get("weight_kg") is None and after.get("weight_kg") is None
    assert "outside 20-350" in reader.tally.rejected[0][1]


def test_one_bad_fact_does_not_cost_the_good_one() -> None:
    bad = {**RTX, "key": "cond:cancer", "value": True, "span": "Never had cancer"}
    _, after, reader = complete(facts(bad, RTX), asked=[*RTX_KEYS, "cond:cancer"])
    assert after.get("prior:rituximab") is not None
    assert [key for key, _ in reader.tally.rejected] == ["cond:cancer"]


@pytest.mark.parametrize("reply", ["I think she had rituximab.", '{"facts": "prior:rituximab"}', '{"answer": []}'])
def test_a_reply_that_is_not_the_schema_changes_nothing(reply: str) -> None:
    before, after, reader = complete(reply)
    assert after is before and [key for key, _ in reader.tally.rejected] == ["reply"]


def test_the_readers_fact_is_never_replaced() -> None:
    note = "Received rituximab 4 months ago."  # the rule-based reader reads this itself
    contrary = {"key": "prior:rituximab", "value": False, "span": "Received rituximab"}
    before, after, reader = complete(facts(contrary), note=note)
    assert "prior:rituximab" not in offered_keys(RTX_KEYS, before)  # not even offered
    fact = after.get("prior:rituximab")
    assert fact is not None and fact.value is True and fact.evidence.by == "" and fact.when_months == 4
    assert reader.tally.rejected[0][0] == "prior:rituximab" and "the key was not offered" in reader.tally.rejected[0][1]


@pytest.mark.parametrize("error", [ConnectionError, TimeoutError])
def test_a_failing_model_leaves_the_profile_as_read_with_one_warning(
    error: type[Exception], caplog: pytest.LogCaptureFixture
) -> None:
    model = NoteModel(reply=facts(RTX), fail=error)
    reader = FactReader(model, "fake-7b")
    profile = read_patient(NOTE)
    with caplog.at_level(logging.INFO, logger="trialscreen.llm"):
        assert reader.complete(profile, RTX_KEYS) is profile
        assert reader.complete(profile, [*RTX_KEYS, "cond:cancer"]) is profile  # not asked again
    assert model.calls == 1 and error.__name__ in reader.tally.failed
    [line] = [r.getMessage() for r in caplog.records]
    assert "could not read the patient's note" in line and "stays as the rule-based reader read it" in line


def test_nothing_is_asked_without_a_note_or_an_open_question() -> None:
    model = NoteModel(reply=facts(RTX))
    reader = FactReader(model, "fake-7b")
    assert reader.complete(Profile(), RTX_KEYS) is not None and model.calls == 0
    read = read_patient(NOTE)
    assert reader.complete(read, []) is read and model.calls == 0


@given(st.text(alphabet="ab \n", min_size=1, max_size=30), st.data())
def test_a_located_span_is_always_the_notes_own_words(note: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(note) - 1))
    end = data.draw(st.integers(start + 1, len(note)))
    span = note[start:end]
    where = locate(span, note)
    if not span.strip():
        return
    assert where is not None
    a, b = where
    assert note[a:b].split() == span.split()
    assert locate(span + "c", note) is None  # a word the note does not have


# -- through the services and the command line ---------------------------------------------------------


@pytest.fixture
def indexed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    use_embedder(monkeypatch, FakeEmbeddings())
    (tmp_path / "trials").mkdir()
    shutil.copy(BUNDLED / IL2_TRIAL, tmp_path / "trials" / IL2_TRIAL)
    settings = Settings.resolve(data_dir=tmp_path / "data")
    Services(settings).index([tmp_path / "trials"], progress=False)
    return settings


def screen_json(
    indexed: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *flags: str
) -> tuple[dict[str, Any], str]:
    data = ["--data-dir", str(indexed.data_dir)]
    args = ["screen", "--trial", "NCT04077684", "--patient", NOTE, "--json", *data, *flags]
    assert cli.main(args) == 0
    out = capsys.readouterr()
    return json.loads(out.out), out.err


def _use(model: NoteModel, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(llm._REGISTRY, "fake-test", llm.Provider("fake-test", "a test model", lambda s: model))


def _rituximab(result: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in result["criteria"] if "rituximab" in c["text"])


def test_an_accepted_fact_decides_the_screening_and_says_who_read_it(
    indexed: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plain, _ = screen_json(indexed, monkeypatch, capsys)
    assert plain["decision"] == "needs_info" and _rituximab(plain)["status"] == "unknown"
    _use(NoteModel(reply=facts(RTX)), monkeypatch)
    read, err = screen_json(indexed, monkeypatch, capsys, "--llm", "fake-test", "--llm-model", "fake-7b")
    crit = _rituximab(read)
    assert read["decision"] == "ineligible" and crit["disqualifying"]
    assert crit["patient_facts"] == [RTX_SPAN] and crit["patient_facts_by"] == ["the language model fake-7b"]
    assert "read by the language model fake-7b" in crit["reason"]
    assert "model fake-7b on the note: 1 facts accepted, 0 rejected" in err


def test_a_paraphrased_span_changes_nothing(
    indexed: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plain, _ = screen_json(indexed, monkeypatch, capsys)
    _use(NoteModel(reply=facts({**RTX, "span": "Received rituximab 4 months ago"})), monkeypatch)
    read, err = screen_json(indexed, monkeypatch, capsys, "--llm", "fake-test", "--llm-model", "fake-7b")
    assert [(c["status"], c["reason"]) for c in read["criteria"]] == [
        (c["status"], c["reason"]) for c in plain["criteria"]
    ]
    assert read["decision"] == plain["decision"] == "needs_info" and "0 facts accepted, 1 rejected" in err


def test_match_reads_the_note_once_for_every_trial(
    indexed: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    model = NoteModel(reply=facts(RTX))
    _use(model, monkeypatch)
    args = ["match", "--patient", NOTE, "--json", "--data-dir", str(indexed.data_dir), "--llm", "fake-test"]
    assert cli.main(args) == 0
    [result] = json.loads(capsys.readouterr().out)["results"]
    assert result["decision"] == "ineligible" and model.calls == 1


def test_without_a_model_no_model_code_is_loaded(
    indexed: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delitem(sys.modules, "retrieval.model_facts", raising=False)
    result, err = screen_json(indexed, monkeypatch, capsys, "--llm", "none")
    assert "retrieval.model_facts" not in sys.modules and "model" not in err
    assert result["decision"] == "needs_info"
    assert Services(indexed).fact_reader is None
