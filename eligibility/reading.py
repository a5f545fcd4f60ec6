"""How each criterion was read: a rule, a question in its own words, or a study-team item.

Every criterion gets a reading. `Mode.RULE` is a typed rule (atoms joined by and/or/not) that decides
from patient facts. `Mode.PARTLY` is a rule that leaves some of the criterion's numbers, comparisons or
time spans unused: it is shown with the words it did not use and can only come out unknown or go to the
study team, never decide on its own. `Mode.QUESTION` is a criterion the patient can answer in its own
words (yes / no / not sure). `Mode.TEAM` is one only the study team can settle. `Mode.NONE` is left for a
criterion nothing could read (it goes to the study team, and is counted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from eligibility.atoms import Logic


class Mode(StrEnum):
    RULE = "rule"
    PARTLY = "partly"
    QUESTION = "question"
    TEAM = "team"
    NONE = "none"


READ_MODES = frozenset({Mode.RULE, Mode.QUESTION, Mode.TEAM})


@dataclass(frozen=True)
class Reading:
    mode: Mode
    words: str  # the reading in plain words, as `trialscreen rules` shows it
    logic: Logic | None = None
    unused: tuple[str, ...] = ()  # numbers, comparisons, time spans of the text no atom uses
    question: str = ""  # for Mode.QUESTION: what the patient is asked
    by: str = "grammar"  # "grammar" or "model:<name>"
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def has_reading(self) -> bool:
        """A rule, a question or a study-team item (what the coverage targets count)."""
        return self.mode in READ_MODES

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": str(self.mode),
            "words": self.words,
            "logic": None if self.logic is None else self.logic.model_dump(mode="json", exclude_defaults=True),
            "unused": list(self.unused),
            "question": self.question,
            "by": self.by,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reading:
        logic = data.get("logic")
        return cls(
            mode=Mode(data["mode"]),
            words=str(data.get("words", "")),
            logic=None if logic is None else Logic.model_validate(logic),
            unused=tuple(data.get("unused", ())),
            question=str(data.get("question", "")),
            by=str(data.get("by", "grammar")),
        )
