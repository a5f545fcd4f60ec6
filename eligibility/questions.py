"""Turning the facts a rule asks for into questions a patient can answer."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from eligibility.concepts import concept


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    input: str = "text"


@lru_cache(maxsize=1)
def _fixed() -> dict[str, Question]:
    raw = tomllib.loads(resources.files("eligibility").joinpath("data/questions.toml").read_text("utf-8"))
    return {q["key"]: Question(q["key"], q["text"], q.get("input", "text")) for q in raw["question"]}


def _names(spec: str) -> str:
    names = []
    for part in spec.split("+"):
        if part.startswith("class:"):
            names.append(
                {
                    "biologic": "another biologic medicine",
                    "b-cell therapy": "a B-cell therapy",
                    "corticosteroid": "steroids",
                    "immunosuppressant": "an immunosuppressant",
                    "anti-tnf": "an anti-TNF medicine",
                    "antimalarial": "an antimalarial",
                    "nsaid": "an NSAID",
                }.get(part[6:], part[6:])
            )
        else:
            names.append(part)
    if len(names) > 1:
        return ", ".join(names[:-1]) + " or " + names[-1]
    return names[0] if names else "this medicine"


def question_for(key: str) -> Question:
    fixed = _fixed().get(key)
    if fixed:
        return fixed
    if key.startswith("cond:"):
        c = concept(key[5:])
        if c:
            return Question(key, c.question, "yes_no")
    if key.startswith("prior:"):
        return Question(key, f"Have you ever received {_names(key[6:])}? If yes, when was the last dose?", "months_ago")
    if key.startswith("med:"):
        what = "prednisone or another steroid" if key == "med:class:corticosteroid" else _names(key[4:])
        return Question(key, f"Do you take {what} now? What dose per day?", "number:mg/day")
    return Question(key, f"Can you tell us about: {key.split(':')[-1].replace('_', ' ')}?")
