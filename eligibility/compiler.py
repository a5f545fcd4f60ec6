"""Compiling a trial's criteria into typed rules, once, at index time.

Each criterion (read with its parent lead-in) goes through recognisers for the kinds of rule
trials use: age, sex, weight, blood pressure, lab values with units and ULN multiples, disease
activity scores, diagnosis and disease duration, autoantibodies, refractory disease, dose caps and
stable doses, prior treatments with windows, conditions with windows and exceptions, pregnancy,
contraception, trial participation, allergies. Administrative and judgement criteria go to the
study team (`team`). A criterion no recogniser understands stays without a rule and is counted.
Damaged criteria compile with a visible warning, never a silent guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from eligibility.concepts import concepts_in
from eligibility.labs import measured, uln_labs
from eligibility.reading import Reading
from eligibility.rules import (
    Age,
    Allergy,
    AllOf,
    AnyOf,
    Condition,
    Contraception,
    Diagnosis,
    DoseCap,
    Flag,
    HealthyVolunteers,
    Measure,
    Not,
    Rule,
    Sex,
    StableMeds,
    Treatment,
    UlnMultiple,
    rule_from_dict,
)
from eligibility.timewords import NUM, WEEKS_PER_MONTH, number, to_months, window_months
from trialscreen.fields import age_limits
from trialscreen.model import Criterion, Trial
from trialscreen.vocabulary import vocabulary

COMPILER_VERSION = "4"

_TEAM = re.compile(
    r"informed consent|consent form|written informed|informed in writing|investigator|in the opinion|"
    r"\bcomply\b|compliance|ability to understand|inability to comply|judg(e)?ment|"
    r"historical documentation|grading tables|severity grading|central laborator|unsuitable|"
    r"clinically significant abnormal laboratory|planned surgical|follow-up plan|study protocol procedures|"
    r"laboratory abnormality|screening period",
    re.IGNORECASE,
)
# Criteria that only the study team can settle, whatever else they mention.
_TEAM_ONLY = re.compile(
    r"^historical documentation|^have the ability to understand|informed consent|^provide written|"
    r"^written informed|\bcomply\b|compliance|in the opinion of|investigator considers|opinion of the",
    re.IGNORECASE,
)
_ALLOWED_EXCEPTIONS = re.compile(r"except for the following|the following (that )?are allowed", re.IGNORECASE)
_SCREENING = re.compile(r"\b(at screening|screening visit|at baseline|test at screening)\b", re.IGNORECASE)
_REQUIRING = re.compile(r"\b(requiring|requires|required|who need|needing)\b", re.IGNORECASE)
_EXCEPT = re.compile(r"\b(except|excluding|other than|apart from)\b", re.IGNORECASE)
_HISTORY = re.compile(r"\b(history of|ever|at any time|previous|prior)\b", re.IGNORECASE)
_ACTIVE = re.compile(r"\b(active|current(ly)?|ongoing|now)\b", re.IGNORECASE)
_OTHER = re.compile(r"\bother\b", re.IGNORECASE)

_CANCER_EXCEPTIONS = {
    "basal_cell": re.compile(r"basal(?: or squamous)?[- ]?cell|basocellular|non-?melanoma skin", re.IGNORECASE),
    "squamous_skin": re.compile(r"squamous cell|non-?melanoma skin", re.IGNORECASE),
    "cervical_in_situ": re.compile(
        r"in situ.{0,40}cervi|cervi\w*.{0,40}in situ|cervical (tumou?r|carcinoma)", re.IGNORECASE
    ),
}

_OP = (
    r"(?P<op>≤|≥|<=|>=|=<|=>|<|>|greater than|more than|higher than|less than|lower than|below|above|"
    r"exceeding|over|under|up to|at least)"
)
_OPS = {
    "≤": "<=",
    "=<": "<=",
    "<=": "<=",
    "≥": ">=",
    "=>": ">=",
    ">=": ">=",
    "<": "<",
    ">": ">",
    "greater than": ">",
    "more than": ">",
    "higher than": ">",
    "above": ">",
    "exceeding": ">",
    "over": ">",
    "less than": "<",
    "lower than": "<",
    "below": "<",
    "under": "<",
    "up to": "<=",
    "at least": ">=",
}
_TIMES = r"(?P<mult>\d+(?:\.\d+)?|two|three|four|five)\s*(?:times|x|×)"
_SCORE = re.compile(
    r"(?P<name>SELENA[- ]?SLEDAI|SELENA-2K|SLEDAI(?:-2K)?|SLE disease activity index(?:\s*\(SLEDAI\))?)"
    r"(?:\s*score)?\s*\)?\s*(?:of\s*)?" + _OP + r"?\s*(?P<num>\d+(?:\.\d+)?)",
    re.IGNORECASE,
)


@dataclass
class CompiledCriterion:
    kind: str
    number: int
    rule: Rule | None
    team: bool = False  # only the study team can settle it: goes to `to_confirm`
    note: str = ""  # why the team settles it, or what the study team still checks
    warnings: list[str] = field(default_factory=list)
    used: list[tuple[int, int]] = field(default_factory=list)  # spans of the criterion text the rule used
    reading: Reading | None = None  # how it was read (set by eligibility.interpret)

    @property
    def compiled(self) -> bool:
        return self.rule is not None or self.team

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "number": self.number,
            "rule": None if self.rule is None else self.rule.to_dict(),
            "team": self.team,
            "note": self.note,
            "warnings": self.warnings,
            "used": [list(span) for span in self.used],
            "reading": None if self.reading is None else self.reading.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CompiledCriterion:
        rule = data.get("rule")
        return cls(
            kind=data["kind"],
            number=int(data["number"]),
            rule=None if rule is None else rule_from_dict(rule),
            team=bool(data.get("team")),
            note=str(data.get("note", "")),
            warnings=list(data.get("warnings", [])),
            used=[(int(a), int(b)) for a, b in data.get("used", [])],
            reading=None if data.get("reading") is None else Reading.from_dict(data["reading"]),
        )


def _op(word: str | None, default: str) -> str:
    if not word:
        return default
    return _OPS.get(word.lower(), default)


def _num(word: str) -> float:
    return number(word)


# -- recognisers ----------------------------------------------------------------------------------


def _age(text: str) -> list[Rule]:
    if not re.search(r"\bage[ds]?\b|years of age|years old", text, re.IGNORECASE):
        return []
    low, high = age_limits(text)
    if low is None and high is None:
        return []
    strict_low = bool(re.search(r"(>|more than|older than|over)\s*" + str(low), text, re.IGNORECASE)) if low else False
    strict_high = (
        bool(re.search(r"(<|less than|younger than|under)\s*" + str(high), text, re.IGNORECASE)) if high else False
    )
    return [Age(min=low, min_strict=strict_low, max=high, max_strict=strict_high)]


def _weight(text: str) -> list[Rule]:
    m = re.search(r"weight[^0-9]{0,15}(\d+(?:\.\d+)?)\s*(?:-|–|to)\s*(\d+(?:\.\d+)?)\s*kg", text, re.IGNORECASE)
    if m:
        return [
            AllOf(
                [
                    Measure(key="weight_kg", op=">=", value=float(m.group(1)), unit="kg", label="weight"),
                    Measure(key="weight_kg", op="<=", value=float(m.group(2)), unit="kg", label="weight"),
                ]
            )
        ]
    m = re.search(r"\bBMI\b[^0-9]{0,10}" + _OP + r"\s*(\d+(?:\.\d+)?)", text, re.IGNORECASE)
    if m:
        return [Measure(key="bmi", op=_op(m.group("op"), ">="), value=float(m.group(2)), label="BMI")]
    return []


def _blood_pressure(text: str) -> list[Rule]:
    rules: list[Rule] = []
    for side in ("systolic", "diastolic"):
        m = re.search(side + r"[^0-9<>]{0,20}" + _OP + r"\s*(\d+)\s*mm ?hg", text, re.IGNORECASE)
        if m:
            rules.append(
                Measure(
                    key=f"bp_{side}",
                    op=_op(m.group("op"), ">"),
                    value=float(m.group(2)),
                    unit="mmHg",
                    label=f"{side} blood pressure",
                )
            )
    return [AnyOf(rules)] if len(rules) > 1 else rules


def _labs(text: str, warnings: list[str]) -> list[Rule]:
    rules: list[Rule] = []
    for lab in measured():
        for m in re.finditer(
            r"(?:" + lab.criterion + r")[^0-9<>≤≥;]{0,40}?" + _OP + r"\s*(?P<num>\d+(?:\.\d+)?)\s*"
            r"(?P<unit>g/dl|g/l|mg/dl|ml/min|mm|mg|µmol/l|umol/l|×10\^?9/l|x10\^?9/l|×10\\\^9/l|g/day|grams)?",
            text,
            re.IGNORECASE,
        ):
            value = float(m.group("num"))
            unit = (m.group("unit") or "").lower()
            factor = lab.convert.get(unit, 1.0)
            rules.append(
                Measure(
                    key=lab.key,
                    op=_op(m.group("op"), ">"),
                    value=round(value * factor, 4),
                    unit=lab.unit,
                    label=lab.label,
                )
            )
            break
    for uln_lab in uln_labs():
        key, label = uln_lab.key, uln_lab.label
        named = re.search(r"(?:" + uln_lab.criterion + r")", text, re.IGNORECASE)
        if not named:
            continue
        tail = text[named.end() : named.end() + 160]
        uln = re.search(
            r"(?:" + _OP + r"\s*)?" + _TIMES + r"\s*(?:of\s+)?(?:the\s+)?(?:upper limit|ULN|normal)",
            tail,
            re.IGNORECASE,
        )
        higher = re.search(r"(?:" + _TIMES + r"|(?P<mult2>\w+) times)\s+(?P<dir>higher|greater|more|above)", tail, re.I)
        if uln:
            op = _op(uln.group("op"), ">")
            if uln.group("op") is None:
                warnings.append(f"{label}: comparison lost in the text; read as '> {uln.group('mult')} x ULN'")
            rules.append(UlnMultiple(key=key, op=op, multiple=_num(uln.group("mult")), label=label))
        elif higher:
            mult = higher.group("mult") or higher.group("mult2")
            rules.append(UlnMultiple(key=key, op=">", multiple=_num(mult), label=label))
        elif re.search(
            r"(greater than|above|>)\s*(the\s+)?normal upper limit|above (the )?upper limit|> ?ULN",
            tail,
            re.IGNORECASE,
        ):
            rules.append(UlnMultiple(key=key, op=">", multiple=1.0, label=label))
    trans = re.search(r"transaminases\s*" + _OP + r"?\s*(\d+(?:\.\d+)?)\s*N\b", text, re.IGNORECASE)
    if trans:
        mult = float(trans.group(2))
        rules.append(
            AnyOf(
                [
                    UlnMultiple(key="lab:alt", op=">", multiple=mult, label="ALT"),
                    UlnMultiple(key="lab:ast", op=">", multiple=mult, label="AST"),
                ]
            )
        )
    return rules


def _score(text: str, warnings: list[str]) -> list[Rule]:
    m = _SCORE.search(text)
    if not m:
        return []
    op = m.group("op")
    if op is None:
        warnings.append(f"comparison sign lost in '{m.group(0).strip()}'; read as '≥ {m.group('num')}'")
    return [Measure(key="score:sledai", op=_op(op, ">="), value=float(m.group("num")), label="SLEDAI")]


def _autoantibodies(text: str) -> list[Rule]:
    options: list[Rule] = []
    ana = re.search(
        r"(?:\bANA\b|antinuclear antibod(?:y|ies))[^0-9]{0,60}?" + _OP + r"?\s*1\s*:\s*(\d+)",
        text,
        re.IGNORECASE,
    )
    if ana:
        options.append(
            Measure(key="lab:ana", op=_op(ana.group("op"), ">="), value=float(ana.group(2)), label="ANA titer 1:")
        )
    if re.search(
        r"anti-?\s*(double[- ]stranded|ds)\s*-?DNA|anti-?dsDNA|double stranded deoxyribonucleic",
        text,
        re.IGNORECASE,
    ):
        options.append(Flag(key="lab:anti_dsdna", label="anti-dsDNA positive"))
    if re.search(r"measurable autoantibodies|autoantibody[- ]positive", text, re.IGNORECASE) and not options:
        options = [
            Flag(key="lab:ana", label="ANA positive"),
            Flag(key="lab:anti_dsdna", label="anti-dsDNA positive"),
        ]
    if re.search(r"decreased C3 or C4|low complement", text, re.IGNORECASE):
        options.append(Flag(key="lab:low_complement", label="low C3 or C4"))
    if len(options) > 1:
        return [AnyOf(options)]
    return options


def _diagnosis(text: str, trial: Trial, warnings: list[str]) -> tuple[list[Rule], str]:
    """Diagnosis rules, and a note when the named standard is for another disease (team check)."""
    if not re.search(
        r"diagnos|classification criteria|\bcriteria\b.{0,40}\bSLE\b|revised criteria|"
        r"fulfil|meet the|meets the|disease duration|duration of SLE",
        text,
        re.IGNORECASE,
    ):
        return [], ""
    standards = vocabulary().classifications_in(text)
    foreign = [s for s in standards if "lupus" not in s.disease.lower()]
    if foreign:
        return [], (
            f"names the {foreign[0].name} criteria ({foreign[0].disease}); the study team must decide "
            "what this criterion means for an SLE patient"
        )
    if not re.search(r"\bSLE\b|lupus|american college of rheumatology|\bACR\b|SLICC|EULAR", text, re.IGNORECASE):
        return [], ""
    max_months = None
    m = re.search(
        r"(?:disease duration|duration of SLE|within)[^0-9]{0,30}?(?:≤|<=|<|less than)?\s*"
        + NUM
        + r"\s*-?\s*(days?|weeks?|months?|years?)",
        text,
        re.IGNORECASE,
    )
    if m:
        max_months = round(to_months(_num(m.group(1)), m.group(2)), 3)
    return [Diagnosis(disease="sle", max_duration_months=max_months)], ""


def _classes_of(drug: str) -> tuple[str, ...]:
    term = vocabulary().drug(drug)
    return term.classes if term else ()


def _drug_names(text: str) -> list[str]:
    return [d.name for d in vocabulary().drugs_in(text)]


def _class_names(text: str) -> list[str]:
    return [c.name for c in vocabulary().drug_classes_in(text)]


def _treatments(text: str, kind: str, trial_drugs: set[str]) -> list[Rule]:
    drugs = _drug_names(text)
    classes = _class_names(text)
    if not drugs and not classes:
        return []
    window = window_months(text)
    needs = re.search(r"\b(who need|needing|requiring|require)\b", text, re.IGNORECASE)
    if window is None and needs:
        window = 1.0  # "who need pulse steroids": a current need
    route = (
        "iv"
        if re.search(
            r"(\bIV\b|intravenous)\s*(\(IV\)\s*)?(bolus of\s+)?(cyclophosphamide|corticosteroids?|steroids?|"
            r"methylprednisolone)|pulse|bolus",
            text,
            re.IGNORECASE,
        )
        else None
    )
    if re.search(r"injection", text, re.IGNORECASE) and not route:
        route = "injection"
    high_dose = re.search(r"high[- ]dose[^0-9]{0,40}?" + _OP + r"?\s*(\d+)\s*mg/day", text, re.IGNORECASE)
    # "treated with > 10 mg/day prednisone": only doses above the threshold count, never any use
    above = re.search(_OP + r"\s*(\d+(?:\.\d+)?)\s*mg\s*/\s*(?P<kg>kg\s*(?:/|per)\s*)?(?:day|d)\b", text, re.I)
    steroids = [d for d in drugs if "corticosteroid" in _classes_of(d)]
    inclusive = False
    per_kg = bool(above and above.group("kg")) and not high_dose
    unit = "mg/kg/day" if per_kg else "mg/day"
    if high_dose:
        min_dose: float | None = float(high_dose.group(2))
    elif above and (steroids or "corticosteroid" in classes) and _op(above.group("op"), "") in (">", ">="):
        min_dose = float(above.group(2))
        inclusive = _op(above.group("op"), "") == ">="
    else:
        min_dose = None
    if min_dose is not None:
        others = [d for d in drugs if d not in steroids]
        words = "at least" if inclusive else "above"
        rules: list[Rule] = [
            Treatment(
                drugs=steroids,
                classes=["corticosteroid"],
                within_months=window,
                min_dose_mg_day=min_dose,
                min_dose_inclusive=inclusive,
                min_dose_per_kg=per_kg,
                label=f"steroids {words} {min_dose:g} {unit} (prednisone or equivalent)",
            )
        ]
        if others:
            rules.append(Treatment(drugs=others, within_months=window, route=route, label=" or ".join(others)))
        return rules
    if re.search(r"\bnew\b", text, re.IGNORECASE) and window is not None:
        return [Flag(key="new_medicine", label="a new SLE medicine started", within_months=window)]
    if re.search(r"change in dose", text, re.IGNORECASE) and window is not None:
        return [Not(StableMeds(min_weeks=round(window * WEEKS_PER_MONTH, 1)))]
    except_drugs: list[str] = []
    if _OTHER.search(text) and classes and not drugs and window is None:
        # "therapy with other immunosuppressors": current use of others than the trial itself names
        except_drugs = sorted(trial_drugs)
        window = 1.0
    if re.search(r"\bcorticosteroid|steroid", text, re.IGNORECASE) and "corticosteroid" not in classes:
        classes.append("corticosteroid")
    label = " or ".join(drugs + classes)
    return [
        Treatment(
            drugs=drugs,
            classes=classes,
            within_months=window,
            route=route,
            label=label,
            except_drugs=except_drugs,
        )
    ]


def _dose_caps(text: str, context: str) -> list[Rule]:
    rules: list[Rule] = []
    allowed = re.search(r"maximum dose|doses allowed|up to|at most|≤", context + " " + text, re.IGNORECASE)
    m = re.search(
        r"(?P<drug>[A-Za-z-]+)[^0-9;]{0,40}?(?:up to\s*)?(?P<dose>\d+(?:\.\d+)?)\s*mg\s*/\s*"
        r"(?P<kg>kg\s*(?:/|per)\s*)?(?:day|d)\b",
        text,
        re.IGNORECASE,
    )
    if allowed and m:
        drugs = _drug_names(text)
        steroid = re.search(r"corticosteroid|prednisone or (prednisone )?equivalent|prednisone", text, re.I)
        drug = "class:corticosteroid" if steroid else (drugs[0] if drugs else "")
        if drug:
            label = "prednisone (or equivalent)" if drug == "class:corticosteroid" else drug
            per_kg = bool(m.group("kg"))
            rules.append(DoseCap(drug=drug, max_mg_day=float(m.group("dose")), label=label, per_kg=per_kg))
    stable = re.search(
        r"stable[^.;]{0,120}?(?:at least|for a period of at least|≥)?\s*" + NUM + r"\s*(days?|weeks?|months?)",
        context + " " + text,
        re.IGNORECASE,
    )
    if stable and (rules or re.search(r"stable", text, re.IGNORECASE) or re.search(r"\bstable\b", context, re.I)):
        weeks = round(to_months(_num(stable.group(1)), stable.group(2)) * WEEKS_PER_MONTH, 1)
        rules.append(StableMeds(min_weeks=weeks))
    return rules


# Concepts a criterion defines by a measurement it also states: the measurement decides.
_MEASURED = {
    "iga_deficiency": "lab:iga",
    "igg_deficiency": "lab:igg",
    "kidney_disease": "lab:crcl",
    "liver_disease": "lab:alt",
    "hypertension": "bp_systolic",
    "thrombocytopenia": "lab:platelets",
}


def _window_for(text: str, end: int, next_start: int) -> float | None:
    """The window that follows a concept ('herpes zoster within last 90 days'), else the criterion's."""
    after = window_months(text[end:])
    return after if after is not None else window_months(text)


def _conditions(text: str, kind: str, measured: set[str]) -> list[Rule]:
    found = [f for f in concepts_in(text) if _MEASURED.get(f[0].key) not in measured]
    if not found:
        return []
    requiring = _REQUIRING.search(text)
    except_at = _EXCEPT.search(text)
    rules: list[Rule] = []
    for i, (concept, start, end) in enumerate(found):
        window = _window_for(text, end, found[i + 1][1] if i + 1 < len(found) else len(text))
        if except_at and start > except_at.start() and concept.key == "cancer":
            continue
        if requiring and end <= requiring.start() and concept.key in ("lupus_nephritis", "serious_infection"):
            continue  # "nephritis requiring dialysis": what is required decides, not the condition
        exceptions: list[str] = []
        if concept.key == "cancer" and except_at:
            tail = text[except_at.start() :]
            exceptions = [name for name, pat in _CANCER_EXCEPTIONS.items() if pat.search(tail)]
        min_class = None
        if concept.key == "heart_failure":
            nyha = re.search(r"(?:class|grade)\s*(III|IV|II|I|[1-4])", text, re.IGNORECASE)
            if nyha:
                min_class = {"I": 1, "II": 2, "III": 3, "IV": 4}.get(nyha.group(1).upper()) or int(nyha.group(1))
        label = concept.key.replace("_", " ")
        current_only = (
            bool(re.search(r"\b(active|current(ly)?)\b", text[max(0, start - 40) : end], re.I)) and window is None
        )
        rules.append(
            Condition(
                key=concept.key,
                label=label,
                within_months=window,
                exceptions=exceptions,
                min_class=min_class,
                current_only=current_only,
            )
        )
    return rules


def _pregnancy(text: str, kind: str) -> list[Rule]:
    rules: list[Rule] = []
    if re.search(r"contracepti", text, re.IGNORECASE) and re.search(
        r"reluctant|unwilling|not willing|refuse", text, re.IGNORECASE
    ):
        # "Pregnant, lactating women (WCBP) are reluctant to use contraception": all three exclude
        rules.append(Contraception())
        if kind == "exclusion" and re.search(r"^\W*pregnan", text, re.IGNORECASE):
            rules.append(Flag(key="pregnant", label="pregnant", pregnancy_related=True))
        if kind == "exclusion" and re.search(r"^\W*pregnan\w*,?\s+(or\s+)?lactat", text, re.IGNORECASE):
            rules.append(Flag(key="breastfeeding", label="breastfeeding", pregnancy_related=True))
        return [AnyOf(rules)] if len(rules) > 1 else rules
    if re.search(r"pregnan", text, re.IGNORECASE):
        rules.append(Flag(key="pregnant", label="pregnant", pregnancy_related=True))
    if re.search(r"lactat|breast[- ]?feed|nursing", text, re.IGNORECASE):
        rules.append(Flag(key="breastfeeding", label="breastfeeding", pregnancy_related=True))
    if not rules:
        return []
    rule: Rule = AnyOf(rules) if len(rules) > 1 else rules[0]
    if kind == "inclusion":  # "Negative pregnancy test", "Not pregnant or nursing"
        return [Not(rule)]
    return [rule]


def _participation(text: str) -> list[Rule]:
    if re.search(
        r"clinical trials?|other (drugs )?(clinical )?trials?|investigational (agent|drug)|other studies",
        text,
        re.IGNORECASE,
    ):
        return [Flag(key="trial", label="in another clinical trial", within_months=window_months(text))]
    return []


def _allergy(text: str) -> list[Rule]:
    if not re.search(r"allerg|hypersensitiv|intoleran", text, re.IGNORECASE):
        return []
    return [Allergy(drugs=_drug_names(text), classes=_class_names(text))]


def _refractory(text: str) -> list[Rule]:
    if re.search(r"inadequate response|refractory|failed to control|unresponsive|treatment fail", text, re.I):
        rules: list[Rule] = [Flag(key="refractory", label="inadequate response to standard treatment")]
        if re.search(r"\bactive\b", text, re.IGNORECASE):
            rules.append(Flag(key="active_sle", label="active SLE"))
        return rules
    return []


def _standard_treatment(text: str) -> list[Rule]:
    m = re.search(
        r"(under|on) (a )?(stable )?(standard|SLE) treatment[^.;]{0,40}?(?:≥|at least)?\s*\(?\s*(?:≥\s*)?"
        + NUM
        + r"\s*(months?|weeks?)",
        text,
        re.IGNORECASE,
    )
    if m:
        return [Flag(key="standard_treatment", label="on standard SLE treatment", within_months=None)]
    return []


def _manifestations(text: str) -> list[Rule]:
    if not re.search(r"at least one of the following manifestations", text, re.IGNORECASE):
        return []
    options: list[Rule] = []
    for concept, _, _ in concepts_in(text):
        options.append(Condition(key=concept.key, label=concept.key.replace("_", " "), current_only=True))
    m = re.search(r"proteinuria\s*" + _OP + r"\s*(\d+(?:\.\d+)?)", text, re.IGNORECASE)
    if m:
        options.append(
            Measure(
                key="lab:proteinuria",
                op=_op(m.group("op"), ">"),
                value=float(m.group(2)),
                unit="g/day",
                label="proteinuria",
            )
        )
    return [AnyOf(options)] if options else []


# -- the compiler ---------------------------------------------------------------------------------


def trial_drugs(trial: Trial) -> set[str]:
    """Drugs the trial itself names (inclusion criteria, interventions): 'other X' means other than these."""
    drugs = {d for c in trial.criteria_of("inclusion") for d in _drug_names(c.text)}
    drugs |= {d.name for i in trial.interventions for d in vocabulary().drugs_in(i)}
    return drugs


def _limit(criterion: Criterion, trial: Trial) -> CompiledCriterion:
    """A structured-field limit (ages, sex, healthy volunteers): the record's values decide."""
    rule: Rule | None = None
    if criterion.field == "min_age" and trial.min_age is not None:
        rule = Age(min=trial.min_age)
    elif criterion.field == "max_age" and trial.max_age is not None:
        rule = Age(max=trial.max_age)
    elif criterion.field == "ages" and (trial.min_age is not None or trial.max_age is not None):
        rule = Age(min=trial.min_age, max=trial.max_age)
    elif criterion.field == "sex" and trial.sex in ("female", "male"):
        rule = Sex(allowed=trial.sex)
    elif criterion.field == "volunteers" and trial.accepts_healthy is False:
        studied = [c for name in trial.conditions for c in vocabulary().conditions_in(name)]
        disease = next((vocabulary().diagnosis_key(c.name) for c in studied if vocabulary().diagnosis_key(c.name)), "")
        rule = HealthyVolunteers(disease=disease or "")
    return CompiledCriterion(kind=criterion.kind, number=criterion.number, rule=rule)


def _age_bounds(rule: Rule | None) -> list[Age]:
    if isinstance(rule, Age):
        return [rule]
    if isinstance(rule, AllOf | AnyOf):
        return [a for r in rule.rules for a in _age_bounds(r)]
    return []


def limit_warnings(trial: Trial, compiled: list[CompiledCriterion]) -> list[str]:
    """Where a structured field and a listed criterion disagree on the ages: both apply, and this says so."""
    listed = [a for c, cc in zip(trial.criteria, compiled, strict=True) if not c.field for a in _age_bounds(cc.rule)]
    fields = [(c, a) for c, cc in zip(trial.criteria, compiled, strict=True) if c.field for a in _age_bounds(cc.rule)]
    out = []
    for criterion, stated in fields:
        for age in listed:
            for side in ("min", "max"):
                a, b = getattr(stated, side), getattr(age, side)
                if a is not None and b is not None and a != b:
                    out.append(
                        f"the record's {side}imum age ({a:g}, '{criterion.text}') and the criteria ({b:g}) "
                        "disagree: both apply; the study team confirms"
                    )
    return list(dict.fromkeys(out))


def compile_criterion(criterion: Criterion, trial: Trial, named_drugs: set[str] | None = None) -> CompiledCriterion:
    if criterion.field:
        return _limit(criterion, trial)
    text = criterion.text
    context = criterion.context
    full = f"{context} {text}".strip()
    warnings: list[str] = []
    out = CompiledCriterion(kind=criterion.kind, number=criterion.number, rule=None, warnings=warnings)
    if criterion.warnings and any("lost" in w or "cut" in w for w in criterion.warnings):
        warnings.extend(w for w in criterion.warnings)

    if re.search(r"^OR\b|child-bearing potential|childbearing potential|same-sex partners", text) and re.search(
        r"if she is", context, re.IGNORECASE
    ):
        out.team, out.note = True, "pregnancy potential and contraception: the study team confirms"
        return out
    diagnosis, foreign_note = _diagnosis(text, trial, warnings)
    if foreign_note:
        out.team, out.note = True, foreign_note
        warnings.append(foreign_note)
        return out

    named = trial_drugs(trial) if named_drugs is None else named_drugs
    team_only = _TEAM_ONLY.search(text)
    if team_only and team_only.group(0).lower() in ("comply", "compliance") and concepts_in(text):
        team_only = None  # "mental disorder ... that could interfere with the ability to comply": the disorder counts
    if team_only and not re.search(r"suicid", text, re.IGNORECASE):
        out.team, out.note = True, f"{team_only.group(0).strip()}: the study team decides"
        return out
    if _ALLOWED_EXCEPTIONS.search(context):
        out.team, out.note = (
            True,
            "an allowed exception to a lab-abnormality exclusion: the study team checks",
        )
        return out
    rules: list[Rule] = _manifestations(text)
    refractory = _refractory(text)
    if refractory:
        rules = refractory + _score(text, warnings)
    elif not rules:
        rules += _age(text)
        rules += _weight(text)
        rules += _blood_pressure(text)
        rules += _score(text, warnings)
        if (
            not rules
            and re.search(r"\bactive\W{0,3}\s*(SLE|lupus)\b", text, re.IGNORECASE)
            and criterion.kind == "inclusion"
        ):
            rules.append(Flag(key="active_sle", label="active SLE"))
        if re.search(r"stable (SLE )?treatment regimen", text, re.IGNORECASE) and not context:
            rules.append(Flag(key="stable_regimen", label="on a stable SLE treatment regimen"))
        auto = _autoantibodies(text)
        rules += auto
        rules += diagnosis
        rules += _standard_treatment(text)
        preg = _pregnancy(text, criterion.kind)
        rules += preg
        labs = _labs(text, warnings)
        rules += labs
        measured = {r.key for r in rules if isinstance(r, Measure | UlnMultiple)}
        measured |= {k for r in rules if isinstance(r, AnyOf) for k in _keys(r)}
        caps = _dose_caps(text, context) if criterion.kind == "inclusion" else []
        rules += caps
        allergy = _allergy(text)
        rules += allergy
        if not caps and not allergy and not auto and not rules_with(rules, Flag, "stable_regimen"):
            participation = _participation(text)
            rules += participation
            if not participation:
                rules += _treatments(full if _is_lead_in_window(context) else text, criterion.kind, named)
        if not preg and not allergy and not diagnosis:
            cond = _conditions(full if _is_lead_in_window(context) else text, criterion.kind, measured)
            if criterion.kind == "inclusion" and re.search(r"\bnegative\b", text, re.IGNORECASE) and cond:
                cond = [Not(AnyOf(cond) if len(cond) > 1 else cond[0])]
            rules += cond
        if re.search(r"black race|african[- ]american", text, re.IGNORECASE):
            rules.append(Flag(key="race:black", label="self-identified black race"))
        if re.search(r"courses of systemic corticosteroids", text, re.IGNORECASE):
            rules = [
                Flag(
                    key="steroid_courses",
                    label="3 or more courses of systemic steroids",
                    within_months=window_months(text),
                )
            ]
        if re.search(r"at least one of the following", text, re.IGNORECASE) and len(rules) > 1:
            rules = [AnyOf(rules)]

    if not rules and context:
        rules = _autoantibodies(context)  # "as follows:" children of an autoantibody criterion
        if rules:
            out.note = "how the tests are documented: the study team confirms"
    team_words = _TEAM.search(full)
    if team_words and not rules:
        out.team, out.note = True, f"{team_words.group(0)}: the study team decides"
        return out
    if not rules:
        return out  # not understood: stays unknown with its text shown
    if team_words:
        out.note = "the study team also checks: " + team_words.group(0)
    elif _SCREENING.search(text):
        out.note = "confirmed by a test at screening"
    if criterion.kind == "inclusion":
        out.rule = rules[0] if len(rules) == 1 else AllOf(rules)
    else:
        out.rule = rules[0] if len(rules) == 1 else AnyOf(rules)
    return out


def _keys(rule: Rule) -> set[str]:
    if isinstance(rule, AnyOf | AllOf):
        return {k for r in rule.rules for k in _keys(r)}
    key = getattr(rule, "key", None)
    return {key} if isinstance(key, str) else set()


def rules_with(rules: list[Rule], cls: type[Rule], key: str) -> bool:
    return any(isinstance(r, cls) and getattr(r, "key", None) == key for r in rules)


def _is_lead_in_window(context: str) -> bool:
    return bool(context) and window_months(context) is not None


def compile_trial(trial: Trial) -> list[CompiledCriterion]:
    named = trial_drugs(trial)
    from eligibility.interpret import interpret  # the reading layer sits on top of the recognisers

    compiled = [interpret(c, compile_criterion(c, trial, named), trial, named) for c in trial.criteria]
    disagreements = limit_warnings(trial, compiled)
    for c, cc in zip(trial.criteria, compiled, strict=True):
        if c.field and disagreements and isinstance(cc.rule, Age):
            cc.warnings.extend(disagreements)
    return compiled


class EngineRules:
    """The rule compiler the index calls at index time (`trialscreen.model.RuleCompiler`)."""

    version = COMPILER_VERSION

    def compile(self, trial: Trial) -> list[dict[str, Any]]:
        return [c.to_dict() for c in compile_trial(trial)]


RULES = EngineRules()
