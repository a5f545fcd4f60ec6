"""The optional model reading of criteria the grammar leaves unread (a fake chat model, no network):
replies are validated and grounded in the criterion's words, cached, and never make anyone eligible
against the text."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from eligibility.atoms import Atom
from eligibility.compiler import CompiledCriterion
from eligibility.engine import screen
from eligibility.patient import profile_from_facts
from eligibility.reading import Mode, Reading
from eligibility.rules import Age, Ask, Measure
from index.readers import read_trial
from prompts import load_prompt
from retrieval.grounding import load_words, normalise, ungrounded
from retrieval.model_reading import ModelReader, ModelReply, read_by_model, takes
from retrieval.reading_cache import FILE_NAME, ReadingCache
from tests.conftest import FakeEmbeddings, use_embedder
from trialscreen import cli, llm
from trialscreen.config import Settings
from trialscreen.errors import TrialscreenError
from trialscreen.keys import Decision
from trialscreen.model import Criterion
from trialscreen.services import Services

TRIAL = """A Study of Something in SLE
Systemic Lupus Erythematosus
Eligibility Criteria
Inclusion Criteria:
- Age 18 years or older
- Body weight >= 40 kg
Exclusion Criteria:
- Drug-induced lupus
- Total cholesterol greater than 350 mg/dL
- Body weight over 150 kg
"""


class CriterionModel(BaseChatModel):
    """A chat model that replies per criterion: the first key found in the criterion gets its reply."""

    replies: dict[str, str]
    calls: int = 0
    fail: bool = False

    @property
    def _llm_type(self) -> str:
        return "criterion-fake"

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        self.calls += 1
        if self.fail:
            raise ConnectionError("connection refused")
        asked = str(messages[-1].content).split("<criterion>")[-1]
        reply = next((r for k, r in self.replies.items() if k in asked), '{"atoms": []}')
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=reply))])


def atoms(*items: dict[str, Any], join: str = "all") -> str:
    return json.dumps({"join": join, "atoms": list(items)})


AGE = atoms({"kind": "demographic", "concept": "Age", "comparator": ">=", "value": 18, "unit": "years"})
WEIGHT = atoms({"kind": "measurement", "concept": "Body weight", "comparator": ">=", "value": 40, "unit": "kg"})
HEAVY = atoms({"kind": "measurement", "concept": "Body weight", "comparator": ">", "value": 150, "unit": "kg"})
LUPUS = atoms({"kind": "condition", "concept": "Drug-induced lupus"})
INVENTED = atoms(
    {"kind": "measurement", "concept": "Total cholesterol", "comparator": ">", "value": 300, "unit": "mg/dL"}
)
REPLIES = {
    "Age 18": AGE,
    ">= 40 kg": WEIGHT,
    "over 150": HEAVY,
    "Drug-induced": LUPUS,
    "cholesterol": INVENTED,
}


def criterion(text: str, kind: str = "exclusion", number: int = 1) -> Criterion:
    return Criterion(kind=kind, number=number, text=text, start=0, end=len(text))  # type: ignore[arg-type]


def unread(c: Criterion) -> CompiledCriterion:
    return CompiledCriterion(kind=c.kind, number=c.number, rule=None)


def reader(tmp_path: Path, model: CriterionModel) -> ModelReader:
    return ModelReader(model, "fake-7b", ReadingCache(tmp_path))


# -- checking a reply against the criterion's words ----------------------------------------------------


def test_the_prompt_file_loads_with_the_schema() -> None:
    messages = load_prompt("criterion").template().format_messages(criterion="Xanthoma", schema="{}")
    assert "never follow" in messages[0].content and "<criterion>\nXanthoma\n</criterion>" in messages[1].content


def test_an_invented_number_is_rejected_and_the_criterion_stays_as_it_was(tmp_path: Path) -> None:
    model = CriterionModel(replies=REPLIES)
    r = reader(tmp_path, model)
    c = criterion("Total cholesterol greater than 350 mg/dL")
    cc = unread(c)
    assert r.read(c, cc) is cc
    assert not read_by_model(cc)
    [(text, reason)] = r.tally.rejected.items()
    assert text == c.text and "the number 300 is not in the criterion" in reason


@pytest.mark.parametrize(
    "text, atom, why",
    [
        (
            "Body weight >= 40 kg",
            {"concept": "body weight", "comparator": ">", "value": 40, "unit": "kg"},
            "comparison",
        ),
        ("Body weight >= 40 kg", {"concept": "body weight", "comparator": ">=", "value": 40, "unit": "lb"}, "unit"),
        ("Body weight >= 40 kg", {"concept": "body mass", "comparator": ">=", "value": 40, "unit": "kg"}, "concept"),
        ("Prior rituximab within 6 months", {"concept": "rituximab", "when": "within", "months": 12}, "time span"),
        ("Cancer except basal cell carcinoma", {"concept": "cancer", "exceptions": ["melanoma"]}, "exception"),
    ],
)
def test_anything_not_in_the_criterion_is_rejected(text: str, atom: dict[str, Any], why: str) -> None:
    kind = "treatment" if "rituximab" in text else "measurement"
    reason = ungrounded(Atom.model_validate({"kind": kind, **atom}), text)
    assert reason is not None and why in reason


def test_a_reply_that_is_not_the_schema_is_rejected(tmp_path: Path) -> None:
    extra = atoms({"kind": "condition", "concept": "Xanthoma", "certainty": "high"})
    for reply, why in [("Sure, it is about xanthoma.", "no JSON"), (extra, "not atoms of the schema")]:
        r = reader(tmp_path / why, CriterionModel(replies={"Xanthoma": reply}))
        c = criterion("Xanthoma")
        assert r.read(c, unread(c)).rule is None
        assert why in r.tally.rejected["Xanthoma"]


@given(st.integers(min_value=1000, max_value=10_000_000))
def test_thousands_separators_are_the_same_number(n: int) -> None:
    text = f"Platelet count below {n:,} per mm3"
    atom = Atom.model_validate({"kind": "measurement", "concept": "platelet count", "comparator": "<", "value": n})
    assert ungrounded(atom, text) is None
    assert ungrounded(atom.model_copy(update={"value": n + 1}), text) is not None


@given(st.integers(min_value=0, max_value=500), st.sampled_from(["≤", "<=", "=<"]), st.sampled_from(["", ".0"]))
def test_signs_and_decimal_forms_are_normalised(n: int, sign: str, decimals: str) -> None:
    text = f"Creatinine  {sign} {n}{decimals} MG/DL"
    atom = Atom.model_validate(
        {"kind": "measurement", "concept": "creatinine", "comparator": "<=", "value": n, "unit": "mg/dL"}
    )
    assert ungrounded(atom, text) is None
    assert ungrounded(atom.model_copy(update={"comparator": ">="}), text) is not None


def test_a_broken_words_file_names_its_key() -> None:
    with pytest.raises(TrialscreenError, match=r"\[modes\] question"):
        load_words('[comparators]\nbefore.">=" = ["at least"]\nafter.">=" = ["or more"]\nrange_joiners = ["to"]\n')
    assert normalise("Weight  ≥ 40 KG") == "weight >= 40 kg"


# -- conservative readings -----------------------------------------------------------------------------


def test_exact_atoms_become_the_existing_rule_and_the_rest_a_question_or_team_item(tmp_path: Path) -> None:
    r = reader(tmp_path, CriterionModel(replies=REPLIES))
    age, weight = criterion("Age 18 years or older", "inclusion"), criterion("Body weight >= 40 kg", "inclusion", 2)
    lupus = criterion("Drug-induced lupus")
    read_age, read_weight, read_lupus = (r.read(c, unread(c)) for c in (age, weight, lupus))
    assert read_age.rule == Age(min=18) and read_weight.rule == Measure(
        key="weight_kg", op=">=", value=40, unit="kg", label="weight"
    )
    reading = read_lupus.reading
    assert reading.mode == Mode.QUESTION and reading.by == "model:fake-7b"
    assert "Drug-induced lupus" in reading.question and isinstance(read_lupus.rule, Ask)
    assert read_lupus.rule.question == reading.question and not read_lupus.team  # the engine asks it
    assert all(read_by_model(cc) for cc in (read_age, read_weight, read_lupus))


def test_a_part_of_a_name_never_decides(tmp_path: Path) -> None:
    # "lupus" occurs in the text, so the atom is grounded; but the criterion is about drug-induced lupus:
    # a rule "has SLE" would exclude every lupus patient. It becomes a question in the criterion's words.
    r = reader(tmp_path, CriterionModel(replies={"Drug-induced": atoms({"kind": "condition", "concept": "lupus"})}))
    c = criterion("Drug-induced lupus")
    cc = r.read(c, unread(c))
    assert isinstance(cc.rule, Ask) and cc.reading is not None and cc.reading.mode == Mode.QUESTION


def test_the_model_never_makes_eligible_whom_the_text_rules_out(tmp_path: Path) -> None:
    trial_path = tmp_path / "trial.txt"
    trial_path.write_text(TRIAL, encoding="utf-8")
    trial = read_trial(trial_path)
    heavy = profile_from_facts({"age": 40, "weight_kg": 170, "sex": "female"})
    r = ModelReader(CriterionModel(replies=REPLIES), "fake-7b", None)
    s = screen(trial, r.apply(trial, [unread(c) for c in trial.criteria]), heavy)
    assert s.decision == Decision.INELIGIBLE and [v.criterion.text for v in s.deciding] == ["Body weight over 150 kg"]
    # "Body weight over 150 kg" read as "< 150 kg" would let this patient through: the reply is refused,
    # and the criterion stays for the study team, as it was, never settled on the model's word
    flipped = dict(REPLIES, **{"over 150": HEAVY.replace('">"', '"<"')})
    r = ModelReader(CriterionModel(replies=flipped), "fake-7b", None)
    s = screen(trial, r.apply(trial, [unread(c) for c in trial.criteria]), heavy)
    [v] = [v for v in s.verdicts if v.criterion.text == "Body weight over 150 kg"]
    assert not read_by_model(v.compiled) and v.status == "unknown" and v.criterion.text in s.to_confirm
    assert "not what the criterion says" in r.tally.rejected["Body weight over 150 kg"]


# -- the cache and failures ------------------------------------------------------------------------------


def test_accepted_atoms_are_cached_and_a_second_run_asks_nothing(tmp_path: Path) -> None:
    c = criterion("Body weight >= 40 kg", "inclusion")
    first = CriterionModel(replies=REPLIES)
    assert reader(tmp_path, first).read(c, unread(c)).rule is not None and first.calls == 1
    again = CriterionModel(replies={})
    second = reader(tmp_path, again)
    cc = second.read(c, unread(c))
    assert again.calls == 0 and second.tally.from_cache == 1
    assert cc.rule == Measure(key="weight_kg", op=">=", value=40, unit="kg", label="weight")
    # another model name or another text is another entry
    other = CriterionModel(replies=REPLIES)
    ModelReader(other, "fake-13b", ReadingCache(tmp_path)).read(c, unread(c))
    assert other.calls == 1


def test_a_corrupt_cache_is_ignored_with_one_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / FILE_NAME).write_bytes(b'{"key": "x", "value": {}}\nnot json at all\n\xff\xfe{"key"\n')
    model = CriterionModel(replies=REPLIES)
    r = reader(tmp_path, model)
    with caplog.at_level(logging.WARNING, logger="trialscreen.llm"):
        for text in ("Body weight >= 40 kg", "Age 18 years or older"):
            c = criterion(text, "inclusion")
            assert r.read(c, unread(c)).rule is not None
    assert model.calls == 2
    assert len([m for m in caplog.messages if "unreadable" in m]) == 1
    assert reader(tmp_path, CriterionModel(replies={})).logic_for("Body weight >= 40 kg") is not None  # kept after


def test_a_failing_model_leaves_every_criterion_unchanged_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model = CriterionModel(replies=REPLIES, fail=True)
    r = reader(tmp_path, model)
    cs = [criterion(t) for t in ("Drug-induced lupus", "Body weight over 150 kg", "Xanthoma")]
    with caplog.at_level(logging.WARNING, logger="trialscreen.llm"):
        out = [r.read(c, cc) for c, cc in ((c, unread(c)) for c in cs)]
    assert all(o.rule is None and not o.team and not read_by_model(o) for o in out)
    assert model.calls == 1 and "ConnectionError" in r.tally.failed
    assert len([rec for rec in caplog.records if rec.levelno == logging.WARNING]) == 1
    assert not (tmp_path / FILE_NAME).exists()  # a failure is not cached: the next run asks again


def test_what_the_grammar_reads_or_gives_the_team_is_not_sent_to_the_model(tmp_path: Path) -> None:
    model = CriterionModel(replies=REPLIES)
    c = criterion("Age 18 years or older", "inclusion")
    rule = CompiledCriterion(
        kind="inclusion", number=1, rule=Age(min=18), reading=Reading(Mode.RULE, "age at least 18")
    )
    team = CompiledCriterion(kind="inclusion", number=1, rule=None, team=True, reading=Reading(Mode.TEAM, "consent"))
    r = reader(tmp_path, model)
    assert r.read(c, rule) is rule and r.read(c, team) is team and model.calls == 0


def test_a_partly_understood_criterion_takes_only_an_exact_rule(tmp_path: Path) -> None:
    partly = Reading(Mode.PARTLY, "weight; partly understood", unused=("40 kg",))
    asked = Ask(key="ask:x", question="Does this describe you?", label="l", partial=Measure(key="weight_kg"))
    c = criterion("Body weight >= 40 kg", "inclusion")
    cc = CompiledCriterion(kind="inclusion", number=1, rule=asked, reading=partly)
    out = reader(tmp_path / "a", CriterionModel(replies=REPLIES)).read(c, cc)
    assert out.reading is not None and out.reading.mode == Mode.RULE and isinstance(out.rule, Measure)
    # a question from the model would lose the part the grammar understood: the grammar's reading stays
    lupus = criterion("Drug-induced lupus")
    cc = CompiledCriterion(kind="exclusion", number=1, rule=asked, reading=partly)
    assert reader(tmp_path / "b", CriterionModel(replies=REPLIES)).read(lupus, cc) is cc


def test_the_reply_schema_is_the_atom_schema() -> None:
    schema = ModelReply.model_json_schema()
    assert set(schema["$defs"]["Atom"]["properties"]) >= {"kind", "concept", "comparator", "value", "unit", "when"}


# -- through the services and the command line ------------------------------------------------------------


@pytest.fixture
def indexed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    use_embedder(monkeypatch, FakeEmbeddings())
    (tmp_path / "trials").mkdir()
    (tmp_path / "trials" / "trial.txt").write_text(TRIAL, encoding="utf-8")
    settings = Settings.resolve(data_dir=tmp_path / "data")
    Services(settings).index([tmp_path / "trials"], progress=False)
    return settings


def test_services_use_the_model_only_when_one_is_set(indexed: Settings) -> None:
    plain = Services(indexed)
    ref = plain.catalog.trials()[0].ref
    grammar = plain.compiled(ref)
    assert plain.criterion_reader is None and not any(read_by_model(c) for c in grammar)
    model = CriterionModel(replies=REPLIES)
    with_model = Services(indexed, model=model)
    compiled = with_model.compiled(ref)
    by_model = [(g, m) for g, m in zip(grammar, compiled, strict=True) if read_by_model(m)]
    assert len(by_model) == len(with_model.criterion_reader.tally.accepted) > 0
    assert all(m.reading is not None and takes(g, m.reading.mode) for g, m in by_model)
    calls = model.calls
    with_model.compiled(ref)
    assert model.calls == calls  # the second time, nothing is asked


def test_trials_counts_criteria_read_by_the_model(
    indexed: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    model = CriterionModel(replies=REPLIES)
    monkeypatch.setitem(llm._REGISTRY, "fake-test", llm.Provider("fake-test", "a test model", lambda s: model))
    data = ["--data-dir", str(indexed.data_dir)]
    assert cli.main(["trials", "--json", *data]) == 0
    plain = json.loads(capsys.readouterr().out)["trials"][0]["criteria"]
    assert plain["by_model"] == 0 and model.calls == 0
    assert cli.main(["trials", "--json", "--llm", "fake-test", "--llm-model", "fake-7b", *data]) == 0
    captured = capsys.readouterr()
    crit = json.loads(captured.out)["trials"][0]["criteria"]

    def total(c: dict[str, int]) -> int:
        return sum(c[k] for k in ("compiled", "question", "to_confirm", "partly_understood", "not_understood"))

    # "Age 18 years or older", "Body weight >= 40 kg" and "Body weight over 150 kg" become exact rules
    assert crit["by_model"] > 0 and crit["compiled"] > plain["compiled"] and total(crit) == total(plain)
    assert "model fake-7b:" in captured.err and "replies rejected" in captured.err


def test_an_openai_compatible_server_is_asked_in_json_mode(tmp_path: Path) -> None:
    """llama.cpp's server, vLLM and OpenAI get `response_format: json_object`; the reply is checked the same."""
    import httpx
    from langchain_openai import ChatOpenAI

    seen: list[dict[str, Any]] = []

    def server(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        message = {"role": "assistant", "content": WEIGHT}
        body = {"id": "x", "object": "chat.completion", "created": 0, "model": "smollm2"}
        body["choices"] = [{"index": 0, "message": message, "finish_reason": "stop"}]
        return httpx.Response(200, json=body)

    client = httpx.Client(transport=httpx.MockTransport(server))
    model = ChatOpenAI(model="smollm2", base_url="http://127.0.0.1:9/v1", api_key="x", http_client=client)  # type: ignore[arg-type]
    r = ModelReader(model, "smollm2", ReadingCache(tmp_path))
    c = criterion("Body weight >= 40 kg", "inclusion")
    assert r.read(c, unread(c)).rule == Measure(key="weight_kg", op=">=", value=40, unit="kg", label="weight")
    assert seen[0]["response_format"] == {"type": "json_object"}
    assert "Body weight >= 40 kg" in seen[0]["messages"][-1]["content"]


@pytest.mark.parametrize(
    "text, reply, decides",
    [
        ("Body weight not less than 40 kg", WEIGHT.replace(">=", ">="), True),  # a comparator, not a negation
        ("No history of tuberculosis", atoms({"kind": "condition", "concept": "tuberculosis", "negated": True}), True),
        ("No history of tuberculosis", atoms({"kind": "condition", "concept": "tuberculosis"}), False),  # lost "no"
        ("History of tuberculosis", atoms({"kind": "condition", "concept": "tuberculosis", "negated": True}), False),
        ("Tuberculosis other than latent", atoms({"kind": "condition", "concept": "tuberculosis"}), False),
    ],
)
def test_a_rule_needs_every_word_and_the_same_negation(tmp_path: Path, text: str, reply: str, decides: bool) -> None:
    r = reader(tmp_path, CriterionModel(replies={text: reply}))
    c = criterion(text)
    cc = r.read(c, unread(c))
    assert read_by_model(cc) and cc.reading is not None
    assert (cc.reading.mode == Mode.RULE) == decides and (
        cc.rule is not None and not isinstance(cc.rule, Ask)
    ) == decides


def _write_entries(data_dir: str, writer: int) -> None:
    cache = ReadingCache(Path(data_dir))
    for i in range(200):
        cache.put(f"{writer}-{i}", {"reply": {"join": "all", "atoms": []}, "pad": "x" * (i * 37 % 5000)})


def test_concurrent_writers_lose_no_entry(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_write_entries, args=(str(tmp_path), w)) for w in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert all(p.exitcode == 0 for p in procs)
    with caplog.at_level(logging.WARNING, logger="trialscreen.llm"):
        cache = ReadingCache(tmp_path)
        assert all(cache.get(f"{w}-{i}") is not None for w in range(3) for i in range(200))
    assert not caplog.messages
