"""Filling a trial's structured fields from what its reader found, and checking what is missing.

Every reader ends in `finalize`: the NCT number decides the reference, missing fields are taken from
the text (ages from the criteria, drugs and conditions from the title and summary), and defects are
reported.
"""

from __future__ import annotations

import re

from index.criteria import display_text
from index.defects import check_trial
from trialscreen.fields import (
    age_limits,
    normalize_phase,
    normalize_sex,
    normalize_status,
    parse_count,
    parse_volunteers,
)
from trialscreen.model import Arm, Criterion, FieldCite, Trial
from trialscreen.vocabulary import vocabulary

NCT = re.compile(r"\bNCT\d{8}\b")
_ORG = re.compile(
    r"\b(university|hospital|academy|college|institute|inc\.?|ltd|pharma\w*|center|centre|"
    r"foundation|corporation|company|gmbh)\b",
    re.IGNORECASE,
)
_PURPOSE = re.compile(
    r"^(the )?(purpose|aim|objective) of this (study|trial) (was|is) to (explore|evaluate|investigate|"
    r"assess|determine|test|study)\s+(the\s+)?",
    re.IGNORECASE,
)
_TYPE_PREFIX = re.compile(r"^(drug|biological|device|procedure|behavioral|other|dietary supplement)\s*:\s*", re.I)
_DOSE = re.compile(r"\d+(?:\.\d+)?\s*(?:mg/kg|mg per kilogram|mg|MIU|million IU|IU|µg|mcg)\b", re.IGNORECASE)
_SENTENCE = re.compile(r"(?:[^.\n]|\.(?=\d))+(?:\.(?!\d)|$)")


def apply_fields(trial: Trial, fields: dict[str, list[str]], loose: list[str]) -> None:
    """Set the trial's fields from labelled values (as read from a page) and unlabelled lines."""

    def first(name: str) -> str | None:
        values = fields.get(name)
        return values[0] if values else None

    for value in fields.get("status_phase", []):
        trial.status = normalize_status(value) or trial.status
        trial.phase = normalize_phase(value) or trial.phase
    trial.status = normalize_status(first("status")) or trial.status
    trial.phase = normalize_phase(first("phase")) or trial.phase
    trial.sponsor = first("sponsor") or trial.sponsor
    trial.sex = normalize_sex(first("sex")) or trial.sex
    trial.accepts_healthy = parse_volunteers(first("volunteers"))
    trial.enrollment = parse_count(first("enrollment"))
    if "interventions" in fields:
        cleaned = [_TYPE_PREFIX.sub("", v).strip() for v in fields["interventions"]]
        trial.interventions = list(dict.fromkeys(v for v in cleaned if v))
    if "conditions" in fields:
        trial.conditions = list(fields["conditions"])
    if "ages" in fields:
        trial.min_age, trial.max_age = age_limits(fields["ages"][0] + " years")
    for name in ("start_date", "end_date", "updated"):
        if name in fields:
            trial.dates[name] = fields[name][0]
    for value in fields.get("identifiers", []):
        m = NCT.search(value)
        if m:
            trial.nct_id = m.group(0)
    condition_names = {c.name.lower(): c.name for c in vocabulary().conditions}
    for line in loose:
        if line.lower() in condition_names and not trial.conditions:
            trial.conditions = [line]
        elif trial.sponsor is None and _ORG.search(line) and len(line) < 160:
            trial.sponsor = line


def _section_text(trial: Trial, *names: str) -> str:
    return "\n".join(display_text(trial.source_text[s.start : s.end]) for s in trial.sections if s.name in names)


def _derive_title(summary: str) -> str:
    sentence = re.split(r"(?<=\.)\s", summary.strip(), maxsplit=1)[0].rstrip(".")
    rest = _PURPOSE.sub("", sentence)
    return (rest[:1].upper() + rest[1:])[:200] if rest else ""


def _dosing(trial: Trial) -> None:
    """Cite the sentences that state doses (arms, description, summary)."""
    for section in trial.sections:
        if section.name not in ("arms", "design", "description", "summary"):
            continue
        for m in _SENTENCE.finditer(trial.source_text, section.start, section.end):
            if m.end() > m.start() and _DOSE.search(m.group(0)):
                a = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
                trial.field_cites.append(FieldCite("dosing", a, m.end()))


def finalize(trial: Trial) -> Trial:
    if trial.nct_id is None:
        found = sorted(set(NCT.findall(trial.source_text)))
        if len(found) == 1:
            trial.nct_id = found[0]
    if trial.nct_id:
        trial.ref = trial.nct_id
    if not trial.summary:
        trial.summary = _section_text(trial, "summary") or _section_text(trial, "description")[:600]
    if not trial.title:
        trial.title = _derive_title(trial.summary) or trial.stem
        trial.warnings.append("no title in the text; title derived from the summary")
    about = " ".join([trial.title, trial.summary, _section_text(trial, "description", "arms", "design")])
    if not trial.conditions:
        trial.conditions = [c.name for c in vocabulary().conditions_in(trial.title + " " + trial.summary)][:1]
    known = {i.lower() for i in trial.interventions}
    canonical = {d.name for d in vocabulary().drugs if any(d.found_in(i) for i in trial.interventions)}
    for drug in vocabulary().drugs_in(about):
        if drug.name not in canonical and drug.name.lower() not in known:
            trial.interventions.append(drug.name)
    if trial.min_age is None and trial.max_age is None:
        for criterion in trial.criteria_of("inclusion"):
            low, high = age_limits(criterion.text)
            if low is not None or high is not None:
                trial.min_age, trial.max_age = low, high
                trial.field_cites.append(FieldCite("ages", criterion.start, criterion.end))
                break
    if not trial.arms:
        for section in trial.sections:
            if section.name == "arms":
                body = display_text(trial.source_text[section.start : section.end])
                trial.arms.append(Arm(label="Arm 1", description=body))
    _dosing(trial)
    trial.criteria.extend(limit_criteria(trial))
    if trial.enrollment == 0:
        trial.warnings.append("enrollment is stated as 0 (a placeholder on the source page?)")
    check_trial(trial)
    return trial


def limit_criteria(trial: Trial) -> list[Criterion]:
    """The limits a record states in structured fields, as inclusion criteria citing the field's text.

    A field whose text lies inside a listed criterion (ages read from "Age 18-75" in the criteria) is
    that criterion already, and adds nothing. A field that states no limit ("Sex: All", "Accepts
    healthy volunteers: Yes") adds nothing either.
    """
    listed = [(c.start, c.end) for c in trial.criteria if not c.field]

    def stated(name: str) -> FieldCite | None:
        cite = trial.cite_for(name)
        if cite is None or any(a <= cite.start and cite.end <= b for a, b in listed):
            return None
        return cite

    out: list[Criterion] = []

    def add(name: str, cite: FieldCite) -> None:
        text = " ".join(trial.source_text[cite.start : cite.end].split())
        out.append(Criterion("inclusion", 0, text, cite.start, cite.end, field=name))

    ages, max_age = stated("ages"), stated("max_age")
    if ages is not None and max_age is not None:  # two fields: minimum and maximum
        if trial.min_age is not None:
            add("min_age", ages)
        if trial.max_age is not None:
            add("max_age", max_age)
    elif ages is not None and (trial.min_age is not None or trial.max_age is not None):
        add("ages", ages)
    elif max_age is not None and trial.max_age is not None:
        add("max_age", max_age)
    sex = stated("sex")
    if sex is not None and trial.sex in ("female", "male"):
        add("sex", sex)
    volunteers = stated("volunteers")
    if volunteers is not None and trial.accepts_healthy is False:
        add("volunteers", volunteers)
    return out
