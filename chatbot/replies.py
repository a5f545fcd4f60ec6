"""Reading a patient's reply to one question into structured facts.

Each question has an input kind (yes/no, number with unit, choice, "how long ago", free text). The
reply may also be free text ("I stopped prednisone last year"): it is then read like any patient text.
"not sure" is a valid answer that keeps the criterion unknown. A reply that makes no sense for the
question gets one clear message and changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from eligibility.cues import cue
from eligibility.extract import read_patient
from eligibility.facts import Profile
from eligibility.kinds import spec_for
from eligibility.questions import Question
from eligibility.timeparse import months_ago
from eligibility.timewords import duration_words
from trialscreen.keys import TreatmentKey

_YES = cue("answers", "yes")
_NO = cue("answers", "no")
_UNSURE = cue("answers", "unsure")
_UNTESTED = cue("answers", "untested")
_ABOUT = cue("answers", "approximately")
_MEANING = cue("answers", "asks_meaning")
_NUMBER = re.compile(r"(-?\d+(?:\.\d+)?)")


@dataclass
class Parsed:
    facts: dict[str, Any] = field(default_factory=dict)  # structured facts (eligibility.patient keys)
    unsure: bool = False
    error: str | None = None
    text_profile: Profile | None = None  # free text read as patient text


def parse_reply(question: Question, reply: str, today: date | None = None) -> Parsed:
    today = today or date.today()
    text = (reply or "").strip()
    if not text:
        return Parsed(error="Please type an answer, or choose 'not sure'.")
    if len(text) > 5000:
        return Parsed(error="That answer is very long; please answer this one question briefly.")
    if _MEANING.search(text):  # "what is vasculitis?": a question back, never read as having it
        return Parsed(
            error="I can't explain medical words here, sorry. If you are not sure, say 'not sure': the study "
            "team will go through it with you."
        )
    if _UNSURE.search(text) and not _NUMBER.search(text):
        return Parsed(unsure=True)
    text = _ABOUT.sub("", text)  # "about 3 months": the number as given
    if question.members:
        return _checklist(question, text, today)
    key = question.key
    kind = question.input
    if key.startswith(("lab:", "score:")) and not _NUMBER.search(text) and (_NO.match(text) or _UNTESTED.search(text)):
        return Parsed(unsure=True)  # never tested: the criterion stays open for the study team
    spec = spec_for(key)
    if spec is not None and spec.parse is not None:
        # the rule kind that asks for this fact reads the answer (eligibility/kinds/)
        answer = spec.parse(key, text, today)
        if answer is not None:
            return Parsed(facts=dict(answer.facts), error=answer.error)
    yes, no = bool(_YES.match(text)), bool(_NO.match(text))
    when = months_ago(text, today)
    if kind.startswith("number"):
        m = _NUMBER.search(text)
        if key.startswith("med:"):
            if no:
                return Parsed(facts={_med_key(key): False})
            if not m:
                return Parsed(error="Please give the dose per day, for example 7.5 mg, or say no.")
            dose = float(m.group(1))
            if re.search(r"twice|2 ?x|bid", text, re.I):
                dose *= 2
            return Parsed(facts={_med_key(key): dose})
        if not m:
            return Parsed(error="Please give a number, or say 'not sure'.")
        value = float(m.group(1))
        if value < 0:
            return Parsed(error="That number cannot be negative; please check it.")
        return Parsed(facts={key: value})
    if kind.startswith("choice"):
        options = kind.split(":", 1)[1].split(",")
        low = text.lower()
        for option in options:
            if low.startswith(option) or re.search(rf"\b{re.escape(option)}\b", low):
                return Parsed(facts={key: option})
        if key == "sex":
            if re.search(r"\b(woman|f)\b", low):
                return Parsed(facts={"sex": "female"})
            if re.search(r"\b(man|m)\b", low):
                return Parsed(facts={"sex": "male"})
        return Parsed(error=f"Please choose one of: {', '.join(options)}.")
    # yes/no, how long ago, and free text
    if key.startswith("prior:"):
        if no and not yes:
            asked = TreatmentKey.parse(key) or TreatmentKey("prior")
            qualified = {**question.answer_window(), **asked.denial()}  # 'no IV steroids in the last 2 months'
            denial: Any = {"value": False, **qualified} if qualified else False
            facts: dict[str, Any] = {f"prior:{d}": denial for d in asked.drugs}
            facts.update({f"prior:class:{c}": denial for c in asked.classes})
            return Parsed(facts=facts)
        if yes or when is not None:
            profile = read_patient(text, today)
            named = [k for k in profile.keys_with_prefix("prior:") if not k.startswith("prior:class:")]
            if named:
                return Parsed(text_profile=profile)
            asked = TreatmentKey.parse(key) or TreatmentKey("prior")
            drugs = list(asked.drugs)
            if len(drugs) == 1 and not asked.classes:
                given: dict[str, Any] = {"value": True, **({"route": asked.route} if asked.route else {})}
                given.update({"months_ago": when} if when is not None else question.answer_window())
                return Parsed(facts={f"prior:{drugs[0]}": given})
            return Parsed(error="Which one was it, and when was the last dose? For example: rituximab, 8 months ago.")
    if key == "allergy":  # "no", or what the person is allergic to ("penicillin gives me a rash"), nothing else
        if no and not yes:
            return Parsed(facts={"allergy:none": True})
        profile = read_patient("allergic to " + text, today)
        allergies = Profile(facts={k: v for k, v in profile.facts.items() if k.startswith("allergy:")})
        if allergies.facts:
            return Parsed(text_profile=allergies)  # the reaction ("a rash") is the allergy's, not a condition
        return Parsed(error="Which medicines are you allergic to? For example: penicillin; or say no.")
    if yes or no:
        value = yes and not no
        window = question.answer_window()
        fact: Any = {"value": value, **window} if window else value
        if value and when is not None:
            fact = {"value": True, "months_ago": when}
        return Parsed(facts={key: fact})
    # free text: read it like any patient text; it must say something
    profile = read_patient(text, today)
    if not profile.facts:
        return Parsed(error=f"Sorry, I could not read that as an answer to: {question.text}")
    return Parsed(text_profile=profile)


_NONE = cue("answers", "none_of_these")
_PARTS = cue("answers", "item_separator")
_FILLER = cue("answers", "filler")


def _checklist(question: Question, text: str, today: date) -> Parsed:
    """A reply to a checklist: the items that apply (by their names, in part, or by number), or 'none
    of these'. The items not chosen are answered 'no' for the window asked; an item chosen whose 'yes'
    needs more (which medicine, when) stays open and is asked on its own."""
    if _NONE.search(text) or (_NO.match(text) and not _YES.match(text)):
        picked: set[int] = set()
    else:
        found = _picked(question.choices, text)
        if isinstance(found, str):
            profile = read_patient(text, today)  # "I had shingles last year": read as any patient text
            if profile.facts:
                return Parsed(text_profile=profile)
            return Parsed(error=f"I could not match \u201c{found}\u201d to the list: {question.text}")
        picked = found
    facts: dict[str, Any] = {}
    for n, member in enumerate(question.members):
        answer = parse_reply(member, "yes" if n in picked else "no", today)
        facts.update(answer.facts)
    return Parsed(facts=facts)


def _picked(choices: tuple[str, ...], text: str) -> set[int] | str:
    """The items a reply names: whole names first, then what is left, part by part, each naming one item
    (by a word of its name, or its number in the list). Returns the first part that names none."""
    low = text.lower()
    picked = {n for n, c in enumerate(choices) if c.lower() in low}
    for n in sorted(picked, key=lambda n: -len(choices[n])):
        low = low.replace(choices[n].lower(), " ")
    for part in (p.strip(" .!") for p in _PARTS.split(low)):
        if not part or _YES.fullmatch(part) or _FILLER.fullmatch(part):
            continue
        if part.isdigit() and 1 <= int(part) <= len(choices):
            picked.add(int(part) - 1)
            continue
        named = [n for n, c in enumerate(choices) if re.search(rf"\b{re.escape(part)}\b", c.lower())]
        if len(named) != 1 or len(part) < 3:
            return part
        picked.add(named[0])
    return picked if picked else text


def _med_key(key: str) -> str:
    """The fact a dose answer sets: a steroid dose is recorded as prednisone (the cap's unit)."""
    asked = TreatmentKey.parse(key)
    if asked is None or asked.steroids or not asked.drugs:
        return "med:prednisone"
    return f"med:{asked.drugs[0]}"


def said_back(
    facts: dict[str, Any], profile: Profile | None, skip: set[str] | frozenset[str] = frozenset()
) -> list[str]:
    """The facts a reply gave, in a patient's words ("age 34", "no heart failure"), for saying back;
    the answer to the question asked (`skip`) and codes the patient never sees are left out."""
    from eligibility.labs import lab

    out: list[str] = []
    values: dict[str, Any] = dict(facts)
    when: dict[str, float] = {k: v["months_ago"] for k, v in facts.items() if isinstance(v, dict) and "months_ago" in v}
    if profile is not None:
        values.update({k: v[0].value for k, v in profile.facts.items() if v})
        when.update({k: v[0].when_months for k, v in profile.facts.items() if v and v[0].when_months})
    for key, value in values.items():
        if key in skip or key.startswith(("icd:", "fam:", "ask:")):
            continue
        if isinstance(value, dict):
            value = value.get("value", True)
        name = key.split(":")[-1].replace("_", " ")
        name = name.upper() if len(name) <= 4 and ":" in key else name
        if key == "age":
            out.append(f"age {value:g}")
        elif key == "sex":
            out.append(str(value))
        elif key == "weight_kg":
            out.append(f"weight {value:g} kg")
        elif key.startswith("dx:"):
            out.append("lupus (SLE)" if value else "no lupus (SLE) diagnosis")
        elif key.startswith("cond:"):
            out.append(name if value is not False else f"no {name}")
        elif key.startswith("med:"):
            if value is False:
                out.append(f"not taking {name}")
            else:
                out.append(
                    f"{name} {value:g} mg/day"
                    if isinstance(value, int | float) and value is not True
                    else f"taking {name}"
                )
        elif key.startswith("prior:") and not key.startswith("prior:class:"):
            ago = f", {duration_words(when[key])} ago" if key in when else " before"
            out.append(f"{name}{ago}" if value is not False else f"never {name}")
        elif key.startswith("lab:"):
            found = lab(key)
            label = found.label if found else name
            unit = f" {found.unit}" if found and found.unit != "x ULN" else ""
            out.append(
                f"{label} {float(f'{value:.3g}'):g}{unit}"
                if isinstance(value, int | float) and value is not True
                else label
            )
        elif key == "allergy:none":
            out.append("no drug allergies")
        elif key.startswith("allergy:"):
            out.append(f"allergic to {name}")
        elif key in ("pregnant", "breastfeeding"):
            out.append(key if value else f"not {key}")
    return list(dict.fromkeys(out))
