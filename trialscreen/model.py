"""Typed records for a parsed trial. Offsets always point into `Trial.source_text`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Literal, Protocol

from trialscreen.fields import parse_date_value

CriterionKind = Literal["inclusion", "exclusion"]


class Population(StrEnum):
    """Whom a part of a trial's criteria is for, as its heading says ("Part 1: healthy volunteers")."""

    HEALTHY_VOLUNTEERS = "healthy_volunteers"
    PATIENTS = "patients"
    ADULTS = "adults"
    CHILDREN = "children"


@dataclass(frozen=True)
class Span:
    """A stretch of the stored source text: ``source_text[start:end]``."""

    start: int
    end: int


@dataclass
class Criterion:
    """One eligibility criterion as the trial states it."""

    kind: CriterionKind
    number: int  # 1-based within its kind, in document order
    text: str  # as shown: Markdown escapes removed, white space folded
    start: int
    end: int
    context: str = ""  # the parent lead-in(s), e.g. "Have received any of the following within 90 days:"
    warnings: list[str] = field(default_factory=list)
    # a limit the record states in a structured field (min_age, max_age, ages, sex, volunteers) rather
    # than in its criteria list; it decides like any criterion and cites the field's text
    field: str = ""
    # the part, cohort or group whose list this criterion is in ("Part 1: Healthy Volunteers"); ""
    # when the trial has one list for everyone
    section: str = ""
    # whom that section is for, when its heading says (empty: anyone the trial takes)
    population: tuple[Population, ...] = ()

    @property
    def label(self) -> str:
        if self.field:
            return f"stated limit ({LIMIT_LABELS.get(self.field, self.field)})"
        return f"{self.kind} {self.number}"

    @property
    def chunk_key(self) -> str:
        """The criterion's part of its chunk id: 'inc-03', 'exc-12', 'field-max_age'."""
        return f"field-{self.field}" if self.field else f"{self.kind[:3]}-{self.number:02d}"


LIMIT_LABELS = {
    "min_age": "minimum age",
    "max_age": "maximum age",
    "ages": "ages",
    "sex": "sex",
    "volunteers": "healthy volunteers",
}


@dataclass
class Section:
    """A prose part of the trial (summary, description, arms, design, details)."""

    name: str
    start: int
    end: int


@dataclass
class FieldCite:
    """Where the source text states a structured field's value."""

    field: str
    start: int
    end: int


@dataclass
class Arm:
    label: str
    description: str = ""
    interventions: list[str] = field(default_factory=list)


@dataclass
class Trial:
    ref: str  # NCT number when the text states one, else the file stem
    source: str  # file name it came from
    source_format: str
    source_text: str
    title: str
    nct_id: str | None = None
    status: str = "unknown"
    phase: str | None = None
    sponsor: str | None = None
    conditions: list[str] = field(default_factory=list)
    interventions: list[str] = field(default_factory=list)
    arms: list[Arm] = field(default_factory=list)
    enrollment: int | None = None
    min_age: int | None = None
    max_age: int | None = None
    sex: str = "all"
    accepts_healthy: bool | None = None  # accepts healthy volunteers, when the record says
    dates: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    sections: list[Section] = field(default_factory=list)
    criteria: list[Criterion] = field(default_factory=list)
    field_cites: list[FieldCite] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    content_hash: str = ""

    @property
    def stem(self) -> str:
        return self.source.rsplit(".", 1)[0]

    @property
    def recruiting(self) -> bool:
        return self.status in ("recruiting", "not_yet_recruiting", "enrolling_by_invitation")

    @property
    def end_date(self) -> date | None:
        return parse_date_value(self.dates.get("end_date"))

    def status_note(self, today: date | None = None) -> str:
        """'' when the stated status stands; else why it may not: a recruiting status whose stated end
        date has passed (registries are often not updated)."""
        end = self.end_date
        if not self.recruiting or end is None or end >= (today or date.today()):
            return ""
        stated = self.status.replace("_", " ").capitalize()
        return f"status stated as {stated}; end date {self.dates['end_date']} has passed: check with the study team"

    def criteria_of(self, kind: CriterionKind) -> list[Criterion]:
        """The criteria the text lists under this heading (not the structured-field limits)."""
        return [c for c in self.criteria if c.kind == kind and not c.field]

    @property
    def limits(self) -> list[Criterion]:
        """The limits stated in structured fields (ages, sex, healthy volunteers), as criteria."""
        return [c for c in self.criteria if c.field]

    def quote(self, start: int, end: int) -> str:
        return self.source_text[start:end]

    def cite_for(self, name: str) -> FieldCite | None:
        return next((c for c in self.field_cites if c.field == name), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Trial:
        data = dict(data)
        data["arms"] = [Arm(**a) for a in data.get("arms", [])]
        data["sections"] = [Section(**s) for s in data.get("sections", [])]
        data["criteria"] = [_criterion(c) for c in data.get("criteria", [])]
        data["field_cites"] = [FieldCite(**c) for c in data.get("field_cites", [])]
        return cls(**data)


def _criterion(data: dict[str, Any]) -> Criterion:
    data = dict(data)
    data["population"] = tuple(Population(p) for p in data.get("population", ()))
    return Criterion(**data)


class RuleCompiler(Protocol):
    """What the index calls to store each trial's rules beside its record, at index time. The
    eligibility engine provides it (`eligibility.compiler.RULES`); the index knows only this shape."""

    version: str  # what the stored rules' shape depends on: a change re-indexes

    @property
    def fingerprint(self) -> str:
        """The reader's code and data: rules stored by another one are compiled anew when loaded."""
        ...

    def compile(self, trial: Trial) -> list[dict[str, Any]]: ...
