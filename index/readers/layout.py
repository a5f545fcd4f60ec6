"""Headings and field labels of registry page layouts, as data the text reader matches line by line.

A *heading* opens a prose section (summary, description, arms, design, details) or the eligibility
block. A *label* names a structured field whose value follows on the same line (``Condition
Systemic Lupus Erythematosus``, ``SponsorPeking University``) or on the next line(s).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_STRIP = re.compile(r"^[\s•*\-–·]+|[\s:]+$")

HEADINGS: dict[str, str] = {
    "overview": "summary",
    "summary": "summary",
    "brief summary": "summary",
    "official summary": "summary",
    "about": "summary",
    "about this trial": "summary",
    "purpose": "summary",
    "description": "description",
    "full description": "description",
    "detailed description": "description",
    "details": "details",
    "details and patient eligibility": "details",
    "study details": "details",
    "arms of the study": "arms",
    "arms": "arms",
    "study arms": "arms",
    "arms and interventions": "arms",
    "arms, groups and cohorts": "arms",
    "trial design": "design",
    "study design": "design",
    "design": "design",
    "outcome measures": "endpoints",
    "primary outcome": "endpoints",
    "primary outcome measures": "endpoints",
    "primary endpoint": "endpoints",
    "eligibility": "eligibility",
    "eligibility criteria": "eligibility",
    "criteria": "eligibility",
    "participation criteria": "eligibility",
    "locations": "locations",
    "contacts and locations": "locations",
}


@dataclass(frozen=True)
class Label:
    field: str
    pattern: re.Pattern[str]
    many: bool = False  # the value is a list of lines


def _label(field: str, pattern: str, many: bool = False) -> Label:
    return Label(field, re.compile(pattern, re.IGNORECASE), many)


# Order matters: the first label that matches a line wins. A named group `v` is an inline value.
LABELS: tuple[Label, ...] = (
    _label("status_phase", r"^status and phase$", many=True),
    _label("status", r"^(overall |recruitment )?status$"),
    _label("status", r"^(overall |recruitment )?status:\s*(?P<v>\S.*)$"),
    _label("phase", r"^phases?$"),
    _label("phase", r"^phases?:\s*(?P<v>\S.*)$"),
    _label("end_date", r"^(trial |study )?end date$|^(study |primary )?completion date$"),
    _label("end_date", r"^(trial |study )?end date:\s*(?P<v>\S.*)$"),
    _label("start_date", r"^(study )?start( date)?$"),
    _label("start_date", r"^(study )?start date:\s*(?P<v>\S.*)$"),
    _label("updated", r"^(updated on|last modified on|last updated( on)?)\s*:?\s*(?P<v>\S.*)$"),
    _label("enrollment", r"^(target |estimated |actual )?enrollment$|^participants needed$"),
    _label("enrollment", r"^(target |estimated |actual )?enrollment:\s*(?P<v>\S.*)$"),
    _label("sex", r"^(participant )?(gender|sex)$|^sexes eligible( for study)?$"),
    _label("sex", r"^(participant )?(gender|sex):\s*(?P<v>\S.*)$"),
    _label("sponsor", r"^(lead )?sponsor$"),
    _label("sponsor", r"^(lead )?sponsor:?\s*(?P<v>\S.*)$"),
    _label("interventions", r"^(treatments?|interventions?)$", many=True),
    _label("interventions", r"^(treatment|intervention):?\s+(?P<v>\S.*)$"),
    _label("conditions", r"^conditions?$", many=True),
    _label("conditions", r"^conditions?:?\s+(?P<v>\S.*)$"),
    _label("ages", r"^ages?( eligible( for study)?)?$"),
    _label("ages", r"^ages?:\s*(?P<v>\S.*)$"),
    _label("volunteers", r"^(accepts )?healthy volunteers\??$|^volunteers$"),
    _label("identifiers", r"^identifiers$", many=True),
    _label("identifiers", r"^(clinical study identifier|nct number|clinicaltrials\.gov id)\s*:?\s*(?P<v>\S.*)$"),
    _label("study_type", r"^study type$"),
    _label("funder_types", r"^funder types?$"),
    _label("primary_purpose", r"^primary purpose$"),
    _label("allocation", r"^allocation$"),
    _label("model", r"^interventional model$"),
    _label("masking", r"^masking$"),
)


def key(line: str) -> str:
    """A line as headings and labels are matched: bullets and trailing colons removed."""
    return _STRIP.sub("", line)


def heading_of(line: str) -> str | None:
    return HEADINGS.get(key(line).lower())


def label_of(line: str) -> tuple[Label, str | None] | None:
    """The label a line starts with and its inline value, if any."""
    stripped = _STRIP.sub("", line) if line.strip().endswith(":") else line.strip().lstrip("•*-– ")
    if not stripped or len(stripped) > 160:
        return None
    for label in LABELS:
        m = label.pattern.match(stripped)
        if m:
            value = m.groupdict().get("v")
            return label, value.strip() if value else None
    return None
