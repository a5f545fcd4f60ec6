"""Turning the facts a rule asks for into questions a patient can answer."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from eligibility.concepts import concept
from eligibility.kinds.race import groups as race_groups
from eligibility.timewords import when_phrase
from trialscreen.keys import TreatmentKey

WHEN = "{when}"


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    input: str = "text"
    window: float | None = None  # the stretch of time asked about (months; 0 = now; None = ever)
    windowed: bool = False  # the text names `window`, so a "no" covers exactly that stretch

    def answer_window(self) -> dict[str, float]:
        """What a yes/no answer to this question covers, as a structured-fact field."""
        return {"within_months": self.window} if self.windowed and self.window is not None else {}


def _check(template: str, where: str) -> str:
    rest = template.replace(WHEN, "")
    if "{" in rest or "}" in rest:
        raise ValueError(f"{where}: only the placeholder {WHEN} may stand in braces: {template!r}")
    return template


@lru_cache(maxsize=1)
def _fixed() -> dict[str, tuple[str, str]]:
    raw = tomllib.loads(resources.files("eligibility").joinpath("data/questions.toml").read_text("utf-8"))
    return {q["key"]: (_check(q["text"], "questions.toml"), q.get("input", "text")) for q in raw["question"]}


def _fill(key: str, template: str, input_kind: str, window: float | None) -> Question:
    if WHEN not in template:
        return Question(key, template, input_kind, window)
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
    if len(names) > 1:
        return ", ".join(names[:-1]) + " or " + names[-1]
    return names[0] if names else "this medicine"


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
        template = f"Have you received {_names(treatment)} {WHEN}? If yes, when was the last dose?"
        return _fill(key, template, "months_ago", window)
    if treatment is not None:
        what = "prednisone or another steroid" if treatment.steroids else _names(treatment)
        return Question(key, f"Do you take {what} now? What dose per day?", "number:mg/day")
    return Question(key, f"Can you tell us about: {key.split(':')[-1].replace('_', ' ')}?")
