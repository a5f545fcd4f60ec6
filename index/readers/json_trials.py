"""Reading ClinicalTrials.gov-derived JSON: TrialGPT-style records and API v2 study records.

The stored source text of a JSON trial is a plain rendering of its fields ("Status: COMPLETED",
then the summary, then the eligibility text exactly as the record has it, Markdown escapes
included). Criteria spans and field citations point into that rendering.
"""

from __future__ import annotations

from typing import Any

from index.criteria import split_criteria
from index.textio import DocumentError, RawDocument
from trialscreen.fields import normalize_phase, normalize_sex, normalize_status, parse_age_value, parse_volunteers
from trialscreen.model import Arm, FieldCite, Section, Trial


class _Renderer:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.cites: list[FieldCite] = []
        self.sections: list[Section] = []

    def add(self, text: str) -> tuple[int, int]:
        start = self.length
        self.parts.append(text)
        self.length += len(text)
        return start, self.length

    def field(self, name: str, label: str, value: str | None) -> None:
        if not value:
            return
        start = self.length
        self.add(f"{label}: {value}\n")
        self.cites.append(FieldCite(name, start, self.length - 1))

    def section(self, name: str, heading: str, body: str | None) -> tuple[int, int] | None:
        if not body or not body.strip():
            return None
        self.add(f"\n{heading}\n")
        start, end = self.add(body.strip() + "\n")
        self.sections.append(Section(name, start, end - 1))
        return start, end - 1

    @property
    def text(self) -> str:
        return "".join(self.parts)


def _str_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if v]
    return [str(value)] if value else []


def read_trialgpt(doc: RawDocument, data: dict[str, Any]) -> Trial:
    r = _Renderer()
    title = str(data.get("title") or data.get("brief_title") or "").strip()
    r.add(title + "\n\n")
    nct = str(data.get("nctid") or data.get("nct_id") or "").strip() or None
    r.field("identifiers", "NCT number", nct)
    r.field("status", "Status", data.get("overall_status"))
    phases = _str_list(data.get("phases") or data.get("phase"))
    r.field("phase", "Phase", ", ".join(phases))
    r.field("study_type", "Study type", data.get("study_type"))
    r.field("conditions", "Conditions", "; ".join(_str_list(data.get("condition") or data.get("conditions"))))
    r.field("interventions", "Interventions", "; ".join(_str_list(data.get("drugs") or data.get("interventions"))))
    r.field("sex", "Sex", data.get("sex") or data.get("gender"))
    r.field("ages", "Minimum age", data.get("minimum_age"))
    r.field("max_age", "Maximum age", data.get("maximum_age"))
    volunteers = data.get("healthy_volunteers")
    r.field("volunteers", "Accepts healthy volunteers", str(volunteers) if volunteers is not None else None)
    r.section("summary", "Brief summary", data.get("brief_summary"))
    r.section("description", "Detailed description", data.get("detailed_description"))
    criteria_raw = str(data.get("raw_criteria") or data.get("criteria") or "")
    block = r.section("eligibility", "Eligibility criteria", criteria_raw)
    text = r.text
    trial = Trial(
        ref=nct or doc.path.stem,
        source=doc.name,
        source_format="trialgpt-json",
        source_text=text,
        title=title,
        nct_id=nct,
        status=normalize_status(data.get("overall_status")) or "unknown",
        phase=normalize_phase(phases),
        conditions=_str_list(data.get("condition") or data.get("conditions")),
        interventions=_str_list(data.get("drugs") or data.get("interventions")),
        sex=normalize_sex(data.get("sex") or data.get("gender")) or "all",
        min_age=parse_age_value(data.get("minimum_age")),
        max_age=parse_age_value(data.get("maximum_age")),
        accepts_healthy=parse_volunteers(volunteers if isinstance(volunteers, bool | str) else None),
        enrollment=data.get("enrollment") if isinstance(data.get("enrollment"), int) else None,
        sections=[s for s in r.sections if s.name != "eligibility"],
        field_cites=r.cites,
    )
    if block:
        trial.criteria = split_criteria(text, *block)
    return trial


def _get(data: dict[str, Any], *path: str) -> Any:
    cur: Any = data
    for key in path:
        if not isinstance(cur, dict):
            return None
        cur = cur.get(key)
    return cur


def read_ctgov_v2(doc: RawDocument, data: dict[str, Any]) -> Trial:
    p = data.get("protocolSection") or {}
    ident = p.get("identificationModule") or {}
    status = p.get("statusModule") or {}
    design = p.get("designModule") or {}
    elig = p.get("eligibilityModule") or {}
    desc = p.get("descriptionModule") or {}
    arms_mod = p.get("armsInterventionsModule") or {}
    r = _Renderer()
    title = str(ident.get("officialTitle") or ident.get("briefTitle") or "").strip()
    r.add(title + "\n\n")
    nct = ident.get("nctId")
    r.field("identifiers", "NCT number", nct)
    r.field("status", "Status", status.get("overallStatus"))
    phases = _str_list(design.get("phases"))
    r.field("phase", "Phase", ", ".join(phases))
    sponsor = _get(p, "sponsorCollaboratorsModule", "leadSponsor", "name")
    r.field("sponsor", "Sponsor", sponsor)
    conditions = _str_list(_get(p, "conditionsModule", "conditions"))
    r.field("conditions", "Conditions", "; ".join(conditions))
    enrollment = _get(design, "enrollmentInfo", "count")
    r.field("enrollment", "Enrollment", str(enrollment) if enrollment is not None else None)
    dates = {
        "start_date": _get(status, "startDateStruct", "date"),
        "end_date": _get(status, "completionDateStruct", "date"),
        "updated": _get(status, "lastUpdatePostDateStruct", "date"),
    }
    for name, value in dates.items():
        r.field(name, name.replace("_", " ").capitalize(), value)
    r.field("sex", "Sex", elig.get("sex"))
    r.field("ages", "Minimum age", elig.get("minimumAge"))
    r.field("max_age", "Maximum age", elig.get("maximumAge"))
    volunteers = elig.get("healthyVolunteers")
    if isinstance(volunteers, bool):
        r.field("volunteers", "Accepts healthy volunteers", "Yes" if volunteers else "No")
    r.section("summary", "Brief summary", desc.get("briefSummary"))
    r.section("description", "Detailed description", desc.get("detailedDescription"))
    arms: list[Arm] = []
    interventions: list[str] = []
    for item in arms_mod.get("interventions") or []:
        if item.get("name"):
            interventions.append(str(item["name"]))
    arm_lines = []
    for arm in arms_mod.get("armGroups") or []:
        label = str(arm.get("label") or "Arm")
        description = str(arm.get("description") or "")
        arms.append(Arm(label, description, _str_list(arm.get("interventionNames"))))
        arm_lines.append(f"{label}: {description}".strip())
    r.section("arms", "Arms and interventions", "\n".join(arm_lines))
    outcomes = [str(o.get("measure")) for o in _get(p, "outcomesModule", "primaryOutcomes") or []]
    r.section("endpoints", "Primary outcomes", "\n".join(f"- {o}" for o in outcomes if o))
    block = r.section("eligibility", "Eligibility criteria", elig.get("eligibilityCriteria"))
    text = r.text
    trial = Trial(
        ref=nct or doc.path.stem,
        source=doc.name,
        source_format="ctgov-v2-json",
        source_text=text,
        title=title,
        nct_id=nct,
        status=normalize_status(status.get("overallStatus")) or "unknown",
        phase=normalize_phase(phases),
        sponsor=sponsor,
        conditions=conditions,
        interventions=interventions,
        arms=arms,
        enrollment=enrollment if isinstance(enrollment, int) else None,
        sex=normalize_sex(elig.get("sex")) or "all",
        min_age=parse_age_value(elig.get("minimumAge")),
        max_age=parse_age_value(elig.get("maximumAge")),
        accepts_healthy=parse_volunteers(volunteers if isinstance(volunteers, bool) else None),
        dates={k: str(v) for k, v in dates.items() if v},
        sections=[s for s in r.sections if s.name != "eligibility"],
        field_cites=r.cites,
    )
    if block:
        trial.criteria = split_criteria(text, *block)
    return trial


def read_json(doc: RawDocument, data: Any) -> Trial:
    if isinstance(data, dict) and "protocolSection" in data:
        return read_ctgov_v2(doc, data)
    if isinstance(data, dict) and ("nctid" in data or "raw_criteria" in data):
        return read_trialgpt(doc, data)
    raise DocumentError(
        f"{doc.name}: JSON, but not a trial record; expected a ClinicalTrials.gov API v2 study "
        "(with 'protocolSection') or a TrialGPT-style record (with 'nctid' and 'raw_criteria')"
    )
