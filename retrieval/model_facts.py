"""An optional language model reads, in a patient's note, the facts the rule-based reader left unread.

With `--llm`, `trialscreen screen` and `match` screen the note as `eligibility.extract` reads it first;
the fact keys the trials still ask about (their unknown criteria's asks, expanded to the keys that answer
them by each rule kind's `FactSpec`) go to the model with the note. The reply is untrusted input:
- it must be `{"facts": [...]}`, each fact must validate as `ModelFact` (pydantic) and again as a
  patient fact of its key
  (`eligibility.patient.profile_from_facts`: the key's value type and its kind's plausible limits);
- its key must be one of those offered, so the fact of a rule kind (`eligibility.kinds.fact_specs`):
  the model cannot invent keys;
- its span must occur in the note verbatim (only white space may differ); the fact's evidence is that
  stretch of the note with its offsets, marked as read by the model (`Evidence.by`);
- every number it states (the value, months ago, the window) must be in its span, a yes/no must agree
  with the span's negation (false needs a "no", "never", ...; true has none, nor a cue the reader takes
  as negating), neither may be about a relative or a possibility, and a sex must be named;
  a denial or a number (what can settle a criterion in the patient's favour) counts only when its span
  names the thing in the reader's own vocabulary (drugs, conditions, labs);
- it never replaces a fact the reader found: a key the reader's profile has keeps the reader's facts.
Everything rejected is counted with why (`Tally`) and logged; a model that fails (a dead endpoint, a
timeout) is not asked again in this run: one warning, and the profile stays as the reader read it.
Replies are remembered for this run only: a note is patient data and is never written to disk.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from eligibility.concepts import concept
from eligibility.context import Clause, context_of
from eligibility.facts import Evidence, Fact, Profile
from eligibility.kinds import answer_keys, spec_for
from eligibility.labs import lab
from eligibility.patient import profile_from_facts, value_kind
from eligibility.questions import question_for
from prompts import Prompt, load_prompt
from retrieval.grounding import normalise, numbers, same_months, same_number, time_spans, words
from retrieval.model_call import raw_reply
from trialscreen.errors import TrialscreenError
from trialscreen.vocabulary import vocabulary

log = logging.getLogger("trialscreen.llm")

KEYS_PER_CALL = 40  # fact keys offered in one prompt (more are asked in further calls)
MAX_CALLS = 5  # calls per note: the most decisive keys first, the rest stay questions
_KEY_SHAPE = re.compile(r"^[a-z_]+(:[a-z0-9_ +-]+)*$")


class ModelFact(BaseModel):
    """One fact as the model states it, with the note's words that state it (strict: "yes" is no bool)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    key: str = Field(min_length=1, max_length=120)
    value: bool | float | Literal["female", "male"]  # no "yes"/"no": a yes/no is checked against its span
    months_ago: float | None = Field(default=None, ge=0, le=1200)
    within_months: float | None = Field(default=None, ge=0, le=1200)
    span: str = Field(min_length=2, max_length=400)


class FactReply(BaseModel):
    """What the model must reply: the facts the note states, for the keys offered."""

    model_config = ConfigDict(extra="forbid")
    facts: list[ModelFact] = Field(default_factory=list, max_length=KEYS_PER_CALL)


@dataclass(frozen=True)
class Rejected:
    reason: str


@dataclass
class Tally:
    """What the model did in this run: facts accepted, facts rejected (with why), calls, failure."""

    asked: int = 0
    accepted: list[str] = field(default_factory=list)  # "key (“span”)"
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (key or "reply", why)
    failed: str = ""  # why the model could not be asked at all (its first error)

    def summary(self, name: str) -> str:
        text = (
            f"model {name} on the note: {len(self.accepted)} facts accepted, {len(self.rejected)} rejected "
            f"({self.asked} calls)"
        )
        if self.rejected:
            key, why = self.rejected[0]
            text += f"; first rejection: {key}: {why}"
        if self.failed:
            text += f"; the model failed: {self.failed}"
        return text


# -- which keys the model may answer --------------------------------------------------------------


def offered_keys(asked: Iterable[str], profile: Profile) -> list[str]:
    """The fact keys to offer, in the order asked: those answering an asked key (its kind's
    `answer_keys`), each the fact of a rule kind, none the reader has already found."""
    out: dict[str, None] = {}
    for ask in asked:
        for key in answer_keys(ask):
            if _KEY_SHAPE.match(key) and spec_for(key) is not None and not profile.facts.get(key):
                out[key] = None
    return list(out)


def describe_keys(keys: Iterable[str]) -> str:
    """One line per key for the prompt: the key, the question that asks for it, its value's type."""
    return "\n".join(f"- {key}: {question_for(key).text} Value: {value_kind(key)}." for key in keys)


# -- checking one fact against the note -----------------------------------------------------------


def locate(span: str, note: str) -> tuple[int, int] | None:
    """Where the span occurs in the note, verbatim but for white space; None when it does not."""
    at = note.find(span)
    if at >= 0:
        return at, at + len(span)
    parts = span.split()
    found = re.search(r"\s+".join(map(re.escape, parts)), note) if parts else None
    return (found.start(), found.end()) if found else None


def _polarity(value: bool, span: str) -> str | None:
    """Why a yes/no disagrees with its span, or None. A denial needs a word of absence ("no", "never",
    "none", "negative", ...); a positive statement has none, nor any cue the rule-based reader takes
    as negating ("denies", "did not", "stopped"); neither may be about a relative or only a possibility."""
    ctx = context_of(Clause(0, len(span), span), len(span), len(span))
    if ctx.family:
        return "the span is about a relative, not the patient"
    if ctx.hypothetical:
        return "the span states only a possibility"
    absent = any(t in words().negation for t in re.findall(r"[a-z]+", normalise(span)))
    if value is False:
        return None if absent else "the span states no denial"
    return "the span says no" if absent or ctx.negated else None


_DRUG_FAMILIES = ("prior", "med", "allergy", "months_on")


def names_thing(key: str, span: str) -> bool | None:
    """Whether the span names what a key is about, as the rule-based reader's own vocabulary names it
    (drugs and classes, conditions, labs); None when that vocabulary has no entry for the key."""
    family, _, name = key.partition(":")
    if family in _DRUG_FAMILIES:
        if name.startswith("class:"):
            term = next((c for c in vocabulary().drug_classes if c.name == name.removeprefix("class:")), None)
        else:
            term = vocabulary().drug(name)
        return None if term is None else term.found_in(span)
    if family == "cond":
        found = concept(name)
        return None if found is None else bool(found.spans(span))
    if family == "lab":
        measured = lab(key)
        return None if measured is None else re.search(measured.patient, span, re.IGNORECASE) is not None
    return None


def _favourable(fact: ModelFact, span: str) -> str | None:
    """A denial or a number can settle a criterion in the patient's favour: it counts only when its span
    names the thing in the reader's vocabulary ('No fever' never denies cancer). A positive statement
    may use a name the vocabulary lacks (a brand, an abbreviation): that is what the model adds."""
    if fact.value is not False and not isinstance(fact.value, float):
        return None
    named = names_thing(fact.key, span)
    if named is None and fact.value is False:
        return "a denial counts only when its span names the thing as the reader's vocabulary does"
    if named is False:
        return f"the span does not name what {fact.key} is about"
    return None


def ungrounded(fact: ModelFact, span: str) -> str | None:
    """Why the span does not state the fact (a number, a time, a yes/no, a sex or, for a denial or a
    number, the thing it is about), or None."""
    norm = normalise(span)
    value = fact.value
    if isinstance(value, float) and not any(same_number(n.value, value) for n in numbers(norm)):
        return f"the value {value:g} is not in the span"
    for name in ("months_ago", "within_months"):
        months = getattr(fact, name)
        if months is not None and not any(same_months(m, months) for m, _, _ in time_spans(norm)):
            return f"{name}={months:g} is not a time the span states"
    if isinstance(value, bool):
        disagrees = _polarity(value, span)
        if disagrees:
            return disagrees
    if isinstance(value, str) and fact.key == "sex":
        named = words().female if value == "female" else words().male
        if not set(re.findall(r"[a-z]+", norm)) & named:
            return f"the span does not name the patient {value}"
    return _favourable(fact, span)


def _raw(fact: ModelFact) -> dict[str, Any]:
    raw: dict[str, Any] = {"value": fact.value}
    if fact.months_ago is not None:
        raw["months_ago"] = fact.months_ago
    if fact.within_months is not None:
        raw["within_months"] = fact.within_months
    return raw


def checked(fact: ModelFact, note: str, offered: set[str], by: str) -> list[Fact] | Rejected:
    """The profile facts of one model fact (a current medicine also states it was received), its
    evidence the note's own stretch; or why it is rejected."""
    if fact.key not in offered:
        return Rejected("the key was not offered (not a fact the screened trials ask about)")
    where = locate(fact.span, note)
    if where is None:
        return Rejected(f"the span {fact.span[:60]!r} is not in the note")
    start, end = where
    span = note[start:end]
    reason = ungrounded(fact, span)
    if reason:
        return Rejected(reason)
    try:
        parsed = profile_from_facts({fact.key: _raw(fact)})
    except TrialscreenError as err:
        return Rejected(str(err))
    evidence = Evidence(text=span, start=start, end=end, by=by)
    return [replace(f, evidence=evidence) for facts in parsed.facts.values() for f in facts]


def parse_reply(content: str) -> list[ModelFact | Rejected] | Rejected:
    """The reply's facts, each validated on its own (one malformed fact does not cost the others), or
    why the reply as a whole is not the schema."""
    start, end = content.find("{"), content.rfind("}")
    if start < 0 or end <= start:
        return Rejected("the reply holds no JSON object")
    try:
        data = json.loads(content[start : end + 1])
    except json.JSONDecodeError as err:
        return Rejected(f"the reply is not JSON ({err.msg})")
    items = data.get("facts") if isinstance(data, dict) else None
    if not isinstance(items, list) or len(items) > KEYS_PER_CALL or set(data) != {"facts"}:
        return Rejected(f'the reply is not {{"facts": [...]}} with at most {KEYS_PER_CALL} facts')
    return [_fact(item) for item in items]


def _fact(item: Any) -> ModelFact | Rejected:
    try:
        return ModelFact.model_validate(item)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "fact"
        return Rejected(f"not a fact of the schema ({where}: {first['msg']})")


def with_facts(profile: Profile, facts: list[Fact]) -> Profile:
    """A new profile: the reader's facts, and the given facts for keys the reader did not find."""
    out = Profile(facts={k: list(v) for k, v in profile.facts.items()}, text=profile.text, notes=list(profile.notes))
    for fact in facts:
        if not profile.facts.get(fact.key):
            out.add(fact)
    return out


class FactReader:
    """Reads a note's facts with a chat model; `complete` returns the profile with the checked facts."""

    def __init__(self, model: Any, name: str, prompt: Prompt | None = None) -> None:
        self.model = model
        self.name = name
        self.by = f"the language model {name}"
        self.prompt = prompt or load_prompt("facts")
        self.tally = Tally()
        self._memo: dict[tuple[str, tuple[str, ...]], list[ModelFact | Rejected] | Rejected] = {}

    @cached_property
    def _schema(self) -> str:
        return json.dumps(FactReply.model_json_schema(), separators=(",", ":"))

    @cached_property
    def _runnable(self) -> Any:
        """The model in JSON mode where the provider has one; the plain model otherwise."""
        try:
            return self.model.with_structured_output(FactReply, method="json_mode", include_raw=True)
        except (NotImplementedError, ValueError, TypeError, AttributeError):
            return self.model

    def _ask(self, note: str, keys: tuple[str, ...]) -> str | None:
        """The model's reply text; None when the model failed (then it is not asked again this run)."""
        if self.tally.failed:
            return None
        safe = note.replace("<", "‹").replace(">", "›") if "</note" in note.lower() else note
        messages = self.prompt.template().format_messages(note=safe, keys=describe_keys(keys), schema=self._schema)
        try:
            content = raw_reply(self._runnable, messages)
        except Exception as err:  # a dead endpoint, a timeout, a broken local model
            self.tally.failed = f"{type(err).__name__}: {str(err)[:160]}"
            log.warning(
                "the language model %s could not read the patient's note (%s); the profile stays as the "
                "rule-based reader read it",
                self.name,
                self.tally.failed,
            )
            return None
        self.tally.asked += 1
        return content

    def _reply(self, note: str, keys: tuple[str, ...]) -> list[ModelFact | Rejected] | Rejected | None:
        known = self._memo.get((note, keys))
        if known is not None:
            return known
        content = self._ask(note, keys)
        if content is None:
            return None
        parsed = parse_reply(content)
        self._memo[(note, keys)] = parsed
        return parsed

    def read(self, note: str, keys: list[str]) -> list[Fact]:
        """The checked facts the model reads in the note for these keys (each rejection counted)."""
        offered = set(keys)
        out: list[Fact] = []
        batches = [tuple(keys[i : i + KEYS_PER_CALL]) for i in range(0, len(keys), KEYS_PER_CALL)]
        if len(batches) > MAX_CALLS:
            log.info("the note is read for the first %d of %d keys", MAX_CALLS * KEYS_PER_CALL, len(keys))
        for batch in batches[:MAX_CALLS]:
            reply = self._reply(note, batch)
            if reply is None:
                break
            if isinstance(reply, Rejected):
                self._reject("reply", reply.reason)
                continue
            for fact in reply:
                if isinstance(fact, Rejected):
                    self._reject("fact", fact.reason)
                    continue
                outcome = checked(fact, note, offered, self.by)
                if isinstance(outcome, Rejected):
                    self._reject(fact.key, outcome.reason)
                    continue
                self.tally.accepted.append(f"{fact.key} (\u201c{outcome[0].evidence.text[:80]}\u201d)")
                out += outcome
        return out

    def _reject(self, key: str, reason: str) -> None:
        self.tally.rejected.append((key, reason))
        log.info("model fact %s rejected: %s", key[:80], reason)

    def complete(self, profile: Profile, asked: Iterable[str]) -> Profile:
        """The profile with the checked facts the model reads in its note for the asked keys the
        reader did not find; the profile itself when there is nothing to ask or nothing was accepted."""
        keys = offered_keys(asked, profile)
        if not profile.text.strip() or not keys:
            return profile
        before = len(self.tally.accepted)
        facts = [f for f in self.read(profile.text, keys) if not profile.facts.get(f.key)]
        if not facts:
            return profile
        out = with_facts(profile, facts)
        read = "; ".join(self.tally.accepted[before:])
        out.notes.append(f"read by {self.by} (checked against the note's words): {read}")
        return out
