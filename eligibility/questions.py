"""Turning the facts a rule asks for into questions a patient can answer."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from eligibility.concepts import concept
from eligibility.kinds.race import groups as race_groups
from eligibility.labs import lab
from eligibility.timewords import when_phrase
from trialscreen.errors import TrialscreenError
from trialscreen.keys import TreatmentKey

WHEN = "{when}"


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    input: str = "text"
    window: float | None = None  # the stretch of time asked about (months; 0 = now; None = ever)
    windowed: bool = False  # the text names `window`, so a "no" covers exactly that stretch
    members: tuple[Question, ...] = ()  # a checklist: the yes/no questions it asks at once
    choices: tuple[str, ...] = ()  # how the checklist names each member, in order

    def answer_window(self) -> dict[str, float]:
        """What a yes/no answer to this question covers, as a structured-fact field."""
        return {"within_months": self.window} if self.windowed and self.window is not None else {}


def _check(template: str, where: str) -> str:
    rest = template.replace(WHEN, "")
    if "{" in rest or "}" in rest:
        raise ValueError(f"{where}: only the placeholder {WHEN} may stand in braces: {template!r}")
    return template


@lru_cache(maxsize=1)
def _toml() -> dict[str, Any]:
    """`eligibility/data/questions.toml`, parsed once; each section is checked where it is read."""
    return tomllib.loads(resources.files("eligibility").joinpath("data/questions.toml").read_text("utf-8"))


@lru_cache(maxsize=1)
def _fixed() -> dict[str, tuple[str, str]]:
    raw = _toml()
    return {q["key"]: (_check(q["text"], "questions.toml"), q.get("input", "text")) for q in raw["question"]}


def _fill(key: str, template: str, input_kind: str, window: float | None) -> Question:
    if WHEN not in template:
        return Question(key, template, input_kind, window)
    if window == 0:  # "Do you have low platelets at the moment?", not "Have you had ..."
        template = next(
            (now + template[len(past) :] for past, now in _present().items() if template.startswith(past)), template
        )
    return Question(key, template.replace(WHEN, when_phrase(window)), input_kind, window, windowed=True)


_CLASS_WORDS = {
    "biologic": "another biologic medicine",
    "b-cell therapy": "a B-cell therapy",
    "anti-blys": "an anti-BLyS medicine (such as belimumab)",
    "corticosteroid": "steroids",
    "immunosuppressant": "an immunosuppressant",
    "anti-tnf": "an anti-TNF medicine",
    "antimalarial": "an antimalarial",
    "nsaid": "an NSAID",
    "treatment": "the treatment the trial names",
}


# How a counted treatment's class is asked about ("3 or more courses of steroid tablets or injections").
_COURSE_WORDS = {"corticosteroid": "steroid tablets or injections (not inhalers or creams)"}


def _names(key: TreatmentKey) -> str:
    names = [*key.drugs, *(_CLASS_WORDS.get(c, c) for c in key.classes)]
    return _listed(names) if names else "this medicine"


def _listed(names: list[str]) -> str:
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


def question_for(key: str, window: float | None = None) -> Question:
    """The question that settles a fact key, asking in `window` (months; 0 = now; None = ever)."""
    fixed = _fixed().get(key)
    if fixed:
        return _fill(key, fixed[0], fixed[1], window)
    if key.startswith("cond:"):
        c = concept(key[5:])
        if c:
            return _fill(key, _check(c.question, "concepts.toml"), "yes_no", window)
    if key.startswith("courses:"):
        _, what, count = ([*key.split(":"), "", ""])[:3]
        words = _COURSE_WORDS.get(what, what)
        template = f"Did you need {count} or more courses of {words} {WHEN}?"
        return _fill(key, template, "yes_no", window)
    if key.startswith("race:"):
        group = next((g for g in race_groups() if g.key == key[5:]), None)
        label = group.label if group else key[5:].replace("_", " ")
        return Question(key, f"Do you self-identify as {label}?", "yes_no")
    treatment = TreatmentKey.parse(key)
    if treatment is not None and treatment.prefix == "months_on":
        return Question(key, f"For how long have you been taking {_names(treatment)}?", "duration")
    if treatment is not None and treatment.prefix == "prior":
        template = f"Have you received {_names(treatment)}{_how(treatment)} {WHEN}? If yes, when was the last dose?"
        return _fill(key, template, "months_ago", window)
    if treatment is not None:
        what = "prednisone or another steroid" if treatment.steroids else _names(treatment)
        return Question(key, f"Do you take {what} now? What dose per day?", "number:mg/day")
    return Question(key, f"Can you tell us about: {key.split(':')[-1].replace('_', ' ')}?")


def _how(key: TreatmentKey) -> str:
    """The route and the doses a treatment question is about, in a patient's words (questions.toml [routes])."""
    out = ""
    if key.other_than:
        out += " other than " + _listed(list(key.other_than))
    if key.route:
        out += " " + _routes().get(key.route, key.route)
    if key.above_mg_day is not None:
        per = " per kg of body weight" if key.per_kg else ""
        amount = f"{key.above_mg_day:g} mg{per} a day"
        out += f" at {amount} or more" if key.inclusive else f" at more than {amount}"
    return out


@lru_cache(maxsize=1)
def _present() -> dict[str, str]:
    raw = _toml()
    found = raw.get("present") or {}
    if not all(isinstance(k, str) and isinstance(v, str) and "{" not in k + v for k, v in found.items()):
        raise TrialscreenError(
            "eligibility/data/questions.toml [present]: opening words and their present tense, without braces"
        )
    return dict(found)


@lru_cache(maxsize=1)
def _routes() -> dict[str, str]:
    raw = _toml()
    routes = raw.get("routes") or {}
    if not all(isinstance(v, str) and "{" not in v for v in routes.values()):
        raise TrialscreenError("eligibility/data/questions.toml [routes]: each route is plain words, without braces")
    return dict(routes)


# -- checklists: related yes/no questions asked at once ---------------------------------------------

CHECKLIST = "several"  # the input kind of a checklist
CHECKLIST_MOST = 8  # items in one checklist, at most: more is a wall of text on a phone


def choice_for(question: Question) -> str | None:
    """How a checklist names what a yes/no question asks ("shingles (herpes zoster)", "rituximab"), or
    None when the question is asked on its own (it has no short name, or asks more than yes or no)."""
    if not question.windowed or question.members:
        return None
    if question.key.startswith("cond:"):
        c = concept(question.key[5:])
        return (c.choice or None) if c else None
    treatment = TreatmentKey.parse(question.key)
    if treatment is not None and treatment.prefix == "prior" and treatment.above_mg_day is None:
        return _names(treatment) + _how(treatment)  # a dose is asked on its own: in a list it reads as any use
    return None


def checklist(questions: list[Question]) -> Question:
    """Yes/no questions of one family (conditions, or past treatments) and one window, asked as one
    checklist ("Have you had any of these in the last 2 months?"): questions.toml [checklists]."""
    first = questions[0]
    family = first.key.split(":", 1)[0] + ":"
    template = _checklists()[family]
    if first.window == 0:
        template = _checklists().get(family + "now", template)  # "Do you have any of these at the moment?"
    return Question(
        "checklist:" + first.key,
        template.replace(WHEN, when_phrase(first.window)),
        CHECKLIST,
        first.window,
        windowed=True,
        members=tuple(questions),
        choices=tuple(choice_for(q) or q.text for q in questions),
    )


def checklist_family(key: str) -> str | None:
    """The checklist family of a fact key ("cond:", "prior:"), or None when none asks it."""
    family = key.split(":", 1)[0] + ":"
    return family if ":" in key and family in _checklists() else None


def checklist_now(family: str) -> bool:
    """Whether a family's questions about now ('at the moment') may go together (a present-tense wording)."""
    return family + "now" in _checklists()


@lru_cache(maxsize=1)
def _checklists() -> dict[str, str]:
    raw = _toml()
    found = raw.get("checklists") or {}
    for family, template in found.items():
        if not isinstance(template, str) or WHEN not in template:
            raise TrialscreenError(
                f"eligibility/data/questions.toml [checklists] {family!r}: a checklist question names its window "
                f"with {WHEN}"
            )
        _check(template, "questions.toml [checklists]")
    return dict(found)


# -- the patient interview ------------------------------------------------------------------------


class _Interview(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tiers: list[list[str]] = Field(min_length=1)
    bring: dict[str, str] = Field(default_factory=dict)
    moots: dict[str, list[str]] = Field(default_factory=dict)


@dataclass(frozen=True)
class Interview:
    """How a patient interview orders its questions (`tiers` of fact keys and key prefixes) and what
    it asks the patient to bring for what stays open (`bring`, by key or prefix)."""

    tiers: tuple[tuple[str, ...], ...]
    bring: dict[str, str]
    moots: dict[str, tuple[str, ...]] = field(default_factory=dict)  # fact -> questions its answer may make moot
    _tiers: dict[str, int] = field(default_factory=dict, compare=False)  # worked out once per key

    def tier(self, key: str) -> int:
        """The tier a fact key is asked in (after every tier when none lists it)."""
        memo = self._tiers
        if key not in memo:
            memo[key] = next(
                (n for n, tier in enumerate(self.tiers) if any(_covers(entry, key) for entry in tier)), len(self.tiers)
            )
        return memo[key]

    def has_records(self, key: str) -> bool:
        """Whether a record settles the fact (a lab result, a letter): the bring-list names one."""
        return key in self.bring or any(k.endswith(":") and _covers(k, key) for k in self.bring)

    def to_bring(self, key: str, question: Question) -> str:
        """What to bring for an open question, in plain words."""
        prefixes = sorted((k for k in self.bring if k.endswith(":") and _covers(k, key)), key=len, reverse=True)
        template = self.bring.get(key) or (self.bring[prefixes[0]] if prefixes else None)
        if template is None:
            return f"an answer to \u201c{question.text}\u201d"
        return template.replace("{what}", _what(key))


def _covers(entry: str, key: str) -> bool:
    return key == entry or (entry.endswith(":") and key.startswith(entry))


def _what(key: str) -> str:
    """The name of what a fact key is about, for a patient: a lab's label, a condition, medicines."""
    if key.startswith("lab:"):
        found = lab(key)
        return found.label if found else key[4:].replace("_", " ")
    if key.startswith("score:"):
        return key[6:].upper()
    if key.startswith("cond:"):
        c = concept(key[5:])
        if c is not None and c.choice:
            return c.choice.removeprefix("a ").removeprefix("an ")  # "low platelets", "positive hepatitis C test"
        name = key[5:].replace("_", " ")
        return name.upper() if len(name) <= 4 else name  # "HIV", "TB"
    treatment = TreatmentKey.parse(key)
    if treatment is not None:
        return _names(treatment)
    return key.split(":")[-1].replace("_", " ")


@lru_cache(maxsize=1)
def interview() -> Interview:
    """The interview order and bring-list of questions.toml [interview], checked on load."""
    raw = _toml()
    try:
        data = _Interview.model_validate(raw.get("interview") or {})
    except ValidationError as err:
        raise TrialscreenError(f"eligibility/data/questions.toml [interview]: {str(err).splitlines()[:3]}") from err
    for key, template in data.bring.items():
        if "{" in template.replace("{what}", "") or "}" in template.replace("{what}", ""):
            raise TrialscreenError(
                f"eligibility/data/questions.toml [interview.bring] {key!r}: only {{what}} may stand in braces"
            )
    return Interview(
        tuple(tuple(t) for t in data.tiers), dict(data.bring), {k: tuple(v) for k, v in data.moots.items()}
    )
