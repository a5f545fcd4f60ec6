"""Finding damage in trial texts and reporting it, never hiding it.

Registry copies lose comparison signs ("SLEDAI) 8" for "SLEDAI ≥ 8"), cut text ("Neutrophil 10
mg/d) within 1 month."), and carry criteria copied from another protocol (a Sjögren's syndrome
classification standard or a drug the trial never gives). Each finding becomes a warning on the
criterion and on the trial, so `trialscreen trials` shows it and the engine can refuse to guess.
"""

from __future__ import annotations

import re

from trialscreen.model import Criterion, Trial
from trialscreen.vocabulary import vocabulary

_COMPARATOR_WORDS = re.compile(
    r"(>|<|≥|≤|=|greater|more|higher|above|exceed|less|lower|below|at least|up to|over|under)",
    re.IGNORECASE,
)
_SCORE_NUMBER = re.compile(r"\b(SLEDAI(?:-2K)?|score|index)\)?\s+(\d+(?:\.\d+)?)\b(?!\s*(?:mg|g|%|times))")
_TIMES_ULN = re.compile(r"\b(\d+(?:\.\d+)?|two|three|four|five)\s+times\s+(?:of\s+)?(?:the\s+)?upper\s+limit", re.I)
_OPEN_GRADE = re.compile(r"\(\s+(grade|class)\b", re.IGNORECASE)
_LAB_NUMBER = re.compile(
    r"\b(Hb|ha?emoglobin|neutrophils?|platelets?|WBC|leukocytes?|ALT|AST|creatinine|eGFR)\s+(\d+(?:\.\d+)?)\b",
    re.IGNORECASE,
)
_ALLERGY = re.compile(r"allerg|hypersensitiv|intoleran|anaphyla", re.IGNORECASE)
_BACKGROUND_CLASSES = {"corticosteroid", "antimalarial", "immunosuppressant", "calcineurin inhibitor"}


def _snippet(text: str, start: int, end: int, pad: int = 30) -> str:
    a = max(0, start - pad)
    b = min(len(text), end + pad)
    return ("…" if a else "") + text[a:b].strip() + ("…" if b < len(text) else "")


def _preceded_by_comparator(text: str, at: int, window: int = 12) -> bool:
    return bool(_COMPARATOR_WORDS.search(text[max(0, at - window) : at]))


def criterion_problems(criterion: Criterion, trial: Trial) -> list[str]:
    text = criterion.text
    problems: list[str] = []
    for m in _SCORE_NUMBER.finditer(text):
        if not _preceded_by_comparator(text, m.start(2), 3):
            problems.append(f"comparison sign lost in '{_snippet(text, m.start(), m.end())}'")
    for m in _TIMES_ULN.finditer(text):
        if not _COMPARATOR_WORDS.search(text[max(0, m.start() - 25) : m.start()]) and not re.search(
            r"times\s+(higher|greater|more|above)", m.group(0), re.IGNORECASE
        ):
            problems.append(f"comparison lost in '{_snippet(text, m.start(), m.end())}'")
    for m in _OPEN_GRADE.finditer(text):
        problems.append(f"comparison sign lost in '{_snippet(text, m.start(), m.end())}'")
    for m in _LAB_NUMBER.finditer(text):
        if not _preceded_by_comparator(text, m.start(2), 4):
            problems.append(f"comparison sign and text lost in '{_snippet(text, m.start(), m.end())}'")
    if text.count("(") != text.count(")"):
        problems.append(f"text appears cut (unbalanced parenthesis) in '{_snippet(text, 0, min(len(text), 60))}'")
    conditions = {c.name.lower() for c in vocabulary().conditions if any(c.found_in(x) for x in trial.conditions)}
    for standard in vocabulary().classifications_in(text):
        if standard.disease.lower() not in conditions:
            problems.append(
                f"names the {standard.name} classification criteria, a {standard.disease} standard, "
                f"in a trial of {', '.join(trial.conditions) or 'another condition'}"
            )
    if _ALLERGY.search(text):
        given = {i.lower() for i in trial.interventions}
        for drug in vocabulary().drugs_in(text):
            if drug.name.lower() in given or _BACKGROUND_CLASSES & set(drug.classes):
                continue
            problems.append(f"names {drug.name}, a drug this trial does not give (copied from another protocol?)")
    return problems


def check_trial(trial: Trial) -> None:
    """Attach warnings to damaged criteria and collect them on the trial."""
    for criterion in trial.criteria:
        for problem in criterion_problems(criterion, trial):
            if problem not in criterion.warnings:
                criterion.warnings.append(problem)
                trial.warnings.append(f"{criterion.kind} criterion {criterion.number}: {problem}")
