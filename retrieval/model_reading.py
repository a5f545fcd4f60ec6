"""An optional language model reads the criteria the grammar leaves not (or only partly) understood.

With `--llm`, each criterion the grammar did not read, read only partly, or asks as it stands (no rule
reads any part of it) goes to the model with the atom schema (`eligibility.atoms`) as the
shape of its JSON reply. The reply is untrusted input:
- it must validate as atoms (pydantic), and every concept, number, unit, event and exception in every
  atom must occur in the criterion's text (`retrieval.grounding`); otherwise the whole reply is
  rejected, counted with its reason, and the criterion stays as the grammar read it;
- an accepted reading is conservative: it becomes a deciding rule only when every atom maps to an
  existing rule kind exactly, every number of the text is used, every comparator is the one the text
  writes and every condition, drug and lab the engine's tables find in the text is covered
  (`retrieval.model_rules`); otherwise a question in the criterion's own words (when a patient can
  answer it) or a study-team item. A partly understood criterion takes only an exact rule (the
  grammar's question already keeps the part it understood). A model never makes anyone eligible
  against the text's words.
- replies (accepted or rejected) are cached per criterion text, model and reader version
  (`retrieval.reading_cache`), so a criterion is sent to a model once;
- a model that fails (a dead endpoint, a timeout) is not asked again in this run: one warning, and
  every criterion stays as the grammar read it.

It lives in `retrieval`, the lowest layer that may import both `eligibility` (atoms, readings, rules)
and `prompts`, beside `retrieval.llm_answer`, which checks the model's answers the same way.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from eligibility.atoms import Atom, Logic, atom_logic
from eligibility.compiler import COMPILER_VERSION, CompiledCriterion
from eligibility.fallback import ask_key, question_for_text
from eligibility.reading import Mode, Reading
from eligibility.rules import Ask, Rule
from prompts import Prompt, load_prompt
from retrieval.grounding import (
    comparator_stated,
    leftover_words,
    negation_agrees,
    ungrounded,
    unused_numbers,
    words,
)
from retrieval.model_call import raw_reply
from retrieval.model_rules import covered, named_in, rule_for
from retrieval.reading_cache import ReadingCache, cache_key
from trialscreen.model import Criterion, Trial

log = logging.getLogger("trialscreen.llm")

# Bump when the prompt, the reply's shape or the checks change: cached replies are then asked again.
READER_VERSION = "1"
MODEL_BY = "model:"


class ModelReply(BaseModel):
    """What the model must reply: atoms, joined by all (every one must hold) or any (one is enough)."""

    model_config = ConfigDict(extra="forbid")
    join: Literal["all", "any"] = "all"
    atoms: list[Atom] = Field(default_factory=list, max_length=8)

    def logic(self) -> Logic:
        if len(self.atoms) == 1:
            return atom_logic(self.atoms[0])
        return Logic(op=self.join, parts=tuple(atom_logic(a) for a in self.atoms))


@dataclass(frozen=True)
class Rejected:
    reason: str


@dataclass
class Tally:
    """What the model did in this run, per distinct criterion text: read, rejected (with the reason),
    asked anew or found in the cache."""

    asked: int = 0
    from_cache: int = 0
    accepted: set[str] = field(default_factory=set)
    rejected: dict[str, str] = field(default_factory=dict)  # criterion text -> why
    failed: str = ""  # why the model could not be asked at all (its first error)

    def summary(self, name: str) -> str:
        text = (
            f"model {name}: {len(self.accepted)} criteria read, {len(self.rejected)} replies rejected "
            f"({self.asked} asked, {self.from_cache} from the cache)"
        )
        if self.rejected:
            text += f"; first rejection: {next(iter(self.rejected.values()))}"
        if self.failed:
            text += f"; the model failed: {self.failed}"
        return text


def read_by_model(cc: CompiledCriterion) -> bool:
    return cc.reading is not None and cc.reading.by.startswith(MODEL_BY)


def grammar_mode(cc: CompiledCriterion) -> Mode:
    """How the grammar read a criterion (no reading: not read)."""
    return Mode.NONE if cc.reading is None else cc.reading.mode


def _asked_as_it_stands(cc: CompiledCriterion) -> bool:
    """The grammar asks the criterion in its own words because no rule reads any part of it."""
    rule = cc.rule
    return isinstance(rule, Ask) and rule.partial is None and rule.understood is None


def takes(cc: CompiledCriterion, mode: Mode) -> bool:
    """Whether the model's reading (of this mode) replaces the grammar's: anything for a criterion the
    grammar did not read; only an exact rule for one it partly read (its question already keeps the
    part it understood); a rule or a question with atoms for one it asks as it stands. A criterion the
    grammar reads as a rule or gives to the study team is never sent."""
    grammar = grammar_mode(cc)
    if grammar == Mode.NONE:
        return True
    if grammar == Mode.PARTLY:
        return mode == Mode.RULE
    if grammar == Mode.QUESTION and _asked_as_it_stands(cc):
        return mode in (Mode.RULE, Mode.QUESTION)
    return False


def criterion_text(criterion: Criterion) -> str:
    """The criterion as the model reads it: its lead-in first ("Within 6 months: - rituximab")."""
    return f"{criterion.context} {criterion.text}".strip() if criterion.context else criterion.text


def parse_reply(content: str) -> ModelReply | Rejected:
    start, end = content.find("{"), content.rfind("}")
    if start < 0 or end <= start:
        return Rejected("the reply holds no JSON object")
    try:
        return ModelReply.model_validate(json.loads(content[start : end + 1]))
    except (json.JSONDecodeError, ValidationError) as err:
        first = str(err).splitlines()
        detail = " ".join(first[:3])[:200]
        return Rejected(f"the reply is not atoms of the schema ({detail})")


def check(reply: ModelReply, text: str) -> Logic | Rejected:
    """The reply's logic when every atom is grounded in the text (model vocabulary ids are dropped:
    a code cannot be checked against the words); the first reason otherwise."""
    if not reply.atoms:
        return Rejected("the model did not read it (no atoms)")
    for i, atom in enumerate(reply.atoms, 1):
        reason = ungrounded(atom, text)
        if reason:
            return Rejected(f"atom {i} ({atom.words()}): {reason}")
    atoms = [a.model_copy(update={"vocab_id": None}) for a in reply.atoms]
    return ModelReply(join=reply.join, atoms=atoms).logic()


def decide(logic: Logic, criterion: Criterion, model: str) -> tuple[Reading, Rule | None, bool]:
    """The conservative reading of accepted atoms: (reading, rule, team). A deciding rule only when
    exact; else a question in the criterion's own words (when a patient can answer every atom), else a
    study-team item."""
    text = criterion_text(criterion)
    atoms = logic.atoms()
    unused = tuple(unused_numbers(logic, text))
    by = MODEL_BY + model
    rule = rule_for(logic)
    exact = (
        rule is not None
        and not unused
        and all(comparator_stated(a, text) for a in atoms)
        and not leftover_words(logic, text)
        and negation_agrees(logic, text)
        and named_in(text) <= covered(rule)
    )
    if exact and rule is not None:
        return Reading(Mode.RULE, f"{rule.describe()} (read by {model})", logic, by=by), rule, False
    if all(str(a.kind) in words().question_kinds for a in atoms):
        question = question_for_text(text)
        ask = Ask(key=ask_key(text), question=question, label=criterion.text)
        reading = Reading(
            Mode.QUESTION, f"{logic.words()}; asked as it stands: {question}", logic, unused, question, by
        )
        return reading, ask, False
    words_ = f"{logic.words()} (read by {model}): the study team checks"
    return Reading(Mode.TEAM, words_, logic, unused=unused, by=by), None, True


def with_reading(
    cc: CompiledCriterion, reading: Reading, rule: Rule | None, team: bool, model: str
) -> CompiledCriterion:
    """The criterion as the model read it; a deciding rule is also listed for the study team to confirm."""
    note = f"read by the language model {model}: the study team confirms" if reading.mode == Mode.RULE else ""
    if team:
        note = f"read by the language model {model} as '{reading.words}'"
    return replace(cc, rule=rule, team=team, note=note, reading=reading, warnings=list(cc.warnings))


class ModelReader:
    """Reads criteria with a chat model; `apply` returns a trial's criteria with the model's readings."""

    def __init__(self, model: Any, name: str, cache: ReadingCache | None = None, prompt: Prompt | None = None) -> None:
        self.model = model
        self.name = name
        self.cache = cache
        self.prompt = prompt or load_prompt("criterion")
        self.version = f"{COMPILER_VERSION}/{READER_VERSION}"
        self.tally = Tally()
        self._memo: dict[str, tuple[Reading, Rule | None, bool] | Rejected] = {}

    @cached_property
    def _schema(self) -> str:
        return json.dumps(ModelReply.model_json_schema(), separators=(",", ":"))

    @cached_property
    def _runnable(self) -> Any:
        """The model in JSON mode where the provider has one (OpenAI-compatible servers, llama.cpp's,
        Ollama); the plain model otherwise (the reply is parsed and validated the same way)."""
        try:
            return self.model.with_structured_output(ModelReply, method="json_mode", include_raw=True)
        except (NotImplementedError, ValueError, TypeError, AttributeError):
            return self.model

    def _ask(self, text: str) -> str | None:
        """The model's reply text; None when the model failed (then it is not asked again this run)."""
        if self.tally.failed:
            return None
        safe = text.replace("<", "‹").replace(">", "›") if "</criterion" in text.lower() else text
        messages = self.prompt.template().format_messages(criterion=safe, schema=self._schema)
        try:
            content = raw_reply(self._runnable, messages)
        except Exception as err:  # a dead endpoint, a timeout, a broken local model
            self.tally.failed = f"{type(err).__name__}: {str(err)[:160]}"
            log.warning(
                "the language model %s could not read criteria (%s); they stay as the grammar read them",
                self.name,
                self.tally.failed,
            )
            return None
        self.tally.asked += 1
        return content

    def logic_for(self, text: str) -> Logic | Rejected | None:
        """The checked logic of a criterion's text, a rejection, or None when the model is unavailable."""
        key = cache_key(text, self.name, self.version)
        cached = self.cache.get(key) if self.cache is not None else None
        if cached is not None:
            outcome = self._from_cache(cached, text)
            if outcome is not None:
                self.tally.from_cache += 1
                return outcome
        content = self._ask(text)
        if content is None:
            return None
        parsed = parse_reply(content)
        outcome = parsed if isinstance(parsed, Rejected) else check(parsed, text)
        if self.cache is not None:
            if isinstance(outcome, Rejected):
                self.cache.put(key, {"rejected": outcome.reason})
            else:
                reply = ModelReply(join=_join(outcome), atoms=outcome.atoms())
                self.cache.put(key, {"reply": reply.model_dump(mode="json")})
        return outcome

    def _from_cache(self, entry: dict[str, Any], text: str) -> Logic | Rejected | None:
        """A cached reply, checked again like a fresh one (the file is not trusted); None: ask anew."""
        if isinstance(entry.get("rejected"), str):
            return Rejected(entry["rejected"])
        try:
            reply = ModelReply.model_validate(entry.get("reply"))
        except ValidationError:
            return None
        return check(reply, text)

    def read(self, criterion: Criterion, cc: CompiledCriterion) -> CompiledCriterion:
        """The criterion as the model reads it, or as it was (not sent, rejected, a reading that would not
        improve on the grammar's, or the model failed)."""
        if criterion.field or read_by_model(cc) or not takes(cc, Mode.RULE):
            return cc
        text = criterion_text(criterion)
        decided = self._memo.get(text)
        if decided is None:
            outcome = self.logic_for(text)
            if outcome is None:
                return cc
            if isinstance(outcome, Rejected):
                log.info("model reading of %r rejected: %s", text[:80], outcome.reason)
                decided = outcome
            else:
                decided = decide(outcome, criterion, self.name)
            self._memo[text] = decided
        if isinstance(decided, Rejected):
            self.tally.rejected[text] = decided.reason
            return cc
        reading, rule, team = decided
        if not takes(cc, reading.mode):
            return cc
        self.tally.accepted.add(text)
        return with_reading(cc, reading, copy.deepcopy(rule), team, self.name)

    def apply(self, trial: Trial, compiled: list[CompiledCriterion]) -> list[CompiledCriterion]:
        return [self.read(c, cc) for c, cc in zip(trial.criteria, compiled, strict=True)]


def _join(logic: Logic) -> Literal["all", "any"]:
    return "any" if logic.op == "any" else "all"


def model_name(settings_model: str | None, model_path: str | None, model: Any, provider: str) -> str:
    """A stable name for the model (it keys the cache): the configured name, the GGUF file's name, the
    client's own model name, or the provider."""
    if settings_model:
        return settings_model
    if model_path:
        return re.split(r"[\\/]", model_path)[-1]
    for attr in ("model_name", "model", "model_path"):
        value = getattr(model, attr, None)
        if isinstance(value, str) and value:
            return re.split(r"[\\/]", value)[-1]
    return provider
