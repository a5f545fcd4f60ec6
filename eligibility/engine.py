"""Deciding eligibility: compiled rules x patient profile -> per-criterion verdicts with citations.

The decision follows from the verdicts (see the contract):
- ineligible: at least one criterion is disqualifying (inclusion not met, or exclusion met);
- needs_info: nothing disqualifies, but a criterion the patient could answer is unknown;
- eligible: nothing disqualifies and every patient-answerable criterion is settled; what only the
  study team can settle (consent, judgement, screening tests, criteria the rules cannot read) is
  listed in `to_confirm`.
A patient with any disqualifying fact is never eligible.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from functools import cached_property
from typing import Any

from eligibility.compiler import CompiledCriterion
from eligibility.facts import Profile
from eligibility.questions import Question, question_for
from eligibility.reads import present_keys, reads
from eligibility.rules import MET, NA, NOT_MET, UNKNOWN, Ask, Result, Rule, merge_windows, speaks_to
from eligibility.sections import applicable, unchosen
from trialscreen.keys import Decision, Status
from trialscreen.model import Criterion, Trial

DISCLAIMER = "This is a pre-screen, not medical advice: the study team decides who can take part."


class Verdict:
    """One criterion's verdict. The wording (reason, patient evidence) is built on first use."""

    __slots__ = (
        "__dict__",
        "_profile",
        "_result",
        "asks",
        "compiled",
        "criterion",
        "off_section",
        "status",
        "trial_ref",
        "windows",
    )

    def __init__(
        self,
        criterion: Criterion,
        compiled: CompiledCriterion,
        status: Status,
        result: Result | None,
        trial_ref: str,
        off_section: bool = False,
        profile: Profile | None = None,
    ) -> None:
        self._profile = profile  # what the person's text says: for `mentioned`
        self.off_section = off_section  # in a part of the trial that is not for this person
        self.criterion = criterion
        self.compiled = compiled
        self.status = status
        self._result = result
        self.trial_ref = trial_ref
        self.asks = result.asks if result is not None else []
        self.windows = result.windows if result is not None else {}

    @property
    def chunk_id(self) -> str:
        return f"{self.trial_ref}:{self.criterion.chunk_key}"

    @cached_property
    def evidence(self) -> list[str]:
        if self._result is None:
            return []
        return [f.evidence.text for f in self._result.facts if f.evidence.text]

    @cached_property
    def evidence_by(self) -> list[str]:
        """Who read each of `evidence` ('' the rule-based reader or an answer; else, e.g., a language model)."""
        if self._result is None:
            return []
        return [f.evidence.by for f in self._result.facts if f.evidence.text]

    @cached_property
    def reason(self) -> str:
        if self._result is None:
            if self.compiled.team:
                return self.compiled.note
            return "not checked automatically: the study team reads this one"
        said = next((f.evidence for f in self._result.facts if f.evidence.text), None)
        if said is None:
            return self._result.reason
        by = f", read by {said.by}" if said.by else ""
        return f"{self._result.reason} (patient: \u201c{said.text[:120]}\u201d{by})"

    @property
    def reading(self) -> str:
        """How the criterion was read, in plain words (what `trialscreen rules` shows)."""
        r = self.compiled.reading
        return r.words if r is not None else "not understood: the study team reads it"

    @property
    def mentioned(self) -> bool:
        """Whether the patient's text or answers say anything about what the criterion asks."""
        result, rule = self._result, self.compiled.rule
        if result is not None and result.facts:
            return True
        return rule is not None and self._profile is not None and speaks_to(rule, self._profile)

    @property
    def question(self) -> str:
        """The question in the criterion's own words, for a criterion asked as it stands."""
        rule = self.compiled.rule
        return rule.question if isinstance(rule, Ask) else ""

    @property
    def disqualifying(self) -> bool:
        if self.criterion.kind == "inclusion":
            return self.status == NOT_MET
        return self.status == MET

    @property
    def patient_unknown(self) -> bool:
        return self.status == UNKNOWN and bool(self.asks) and not self.compiled.team


class Screening:
    """One patient against one trial. The decision is computed at once; questions, the to-confirm list
    and the explanation are built on first use (matching many trials needs only decisions)."""

    def __init__(
        self, trial: Trial, decision: Decision, verdicts: list[Verdict], notes: list[str], today: date | None = None
    ) -> None:
        self.trial = trial
        self.decision = decision
        self.verdicts = verdicts
        self.notes = notes
        self.today = today

    @cached_property
    def status_note(self) -> str:
        return self.trial.status_note(self.today)

    @cached_property
    def question_keys(self) -> list[str]:
        return rank_questions([self.verdicts])

    @cached_property
    def question_windows(self) -> dict[str, float | None]:
        return ask_windows([self.verdicts])

    @cached_property
    def questions(self) -> list[str]:
        windows = self.question_windows
        own = worded_questions([self.verdicts])
        return list(
            dict.fromkeys(own[k].text if k in own else question_for(k, windows.get(k)).text for k in self.question_keys)
        )

    @cached_property
    def to_confirm(self) -> list[str]:
        items = []
        for v in self.verdicts:
            if v.off_section:
                continue
            if v.compiled.team or v.compiled.rule is None or (v.status == UNKNOWN and not v.asks):
                items.append(v.criterion.text)
            elif v.compiled.note and v.status != UNKNOWN and not v.disqualifying:
                items.append(f"{v.criterion.text} ({v.compiled.note})")
        return items

    @cached_property
    def explanation(self) -> str:
        return _explain(self.trial, self.decision, self.verdicts, self.questions, self.to_confirm, self.status_note)

    @property
    def deciding(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.disqualifying]

    def to_json(self) -> dict[str, Any]:
        t = self.trial
        return {
            "trial": t.ref,
            "source": t.source,
            "title": t.title,
            "decision": self.decision,
            "recruiting": t.recruiting,
            "status": t.status,
            "status_note": self.status_note,
            "criteria": [
                {
                    "kind": v.criterion.kind,
                    "number": v.criterion.number,
                    "field": v.criterion.field or None,
                    "text": v.criterion.text,
                    "context": v.criterion.context,
                    "status": v.status,
                    "reason": v.reason,
                    "disqualifying": v.disqualifying,
                    "to_confirm": v.compiled.team,
                    "compiled": v.compiled.compiled,
                    "patient_facts": v.evidence,
                    "patient_facts_by": v.evidence_by,
                    "warnings": v.compiled.warnings,
                    "reading": v.reading,
                    "reading_mode": str(v.compiled.reading.mode) if v.compiled.reading else "none",
                    "mentioned": v.mentioned,
                    "cite": {
                        "trial": t.ref,
                        "chunk_id": v.chunk_id,
                        "start": v.criterion.start,
                        "end": v.criterion.end,
                    },
                }
                for v in self.verdicts
            ],
            "questions": self.questions,
            "question_keys": self.question_keys,
            "to_confirm": self.to_confirm,
            "explanation": self.explanation,
            "notes": self.notes,
        }


def chunk_id(trial: Trial, criterion: Criterion) -> str:
    return f"{trial.ref}:{criterion.chunk_key}"


def _verdict(
    trial_ref: str, criterion: Criterion, compiled: CompiledCriterion, profile: Profile, present: frozenset[str]
) -> Verdict:
    rule = compiled.rule
    if rule is None:
        return Verdict(criterion, compiled, UNKNOWN, None, trial_ref, profile=profile)
    key = _memo_key(rule)
    result = profile.derived.get(key)
    if result is None:  # the same rule in another trial (or a repeated screening) is decided once
        read = reads(rule)
        silent = read is not None and read.fits(profile, present)  # the person says nothing it reads
        result = read.silent if silent and read is not None else rule.evaluate(profile)
        profile.derived[key] = result
    assert isinstance(result, Result)
    return Verdict(criterion, compiled, result.status, result, trial_ref, profile=profile)


def _memo_key(rule: Rule) -> tuple[str, str]:
    """What a rule decides by, as text, the key its result is remembered by in a profile; worked out
    once per rule object (rules do not change once compiled)."""
    key: tuple[str, str] | None = rule.__dict__.get("_memo_key")
    if key is None:
        key = rule.__dict__["_memo_key"] = ("rule", repr(rule))  # a dataclass's fields, nested rules too
    return key


def _quote(text: str, limit: int = 160) -> str:
    return "\u201c" + (text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026") + "\u201d"


def _explain(
    trial: Trial,
    decision: Decision,
    verdicts: list[Verdict],
    questions: list[str],
    to_confirm: list[str],
    status_note: str = "",
) -> str:
    parts: list[str] = []
    if decision == Decision.INELIGIBLE:
        deciding = [v for v in verdicts if v.disqualifying][:3]
        lines = []
        for v in deciding:
            which = "requires" if v.criterion.kind == "inclusion" else "excludes"
            lines.append(f"the trial {which} {_quote(v.criterion.text)} ({v.criterion.label}): {v.reason}")
        parts.append("Not eligible on the facts given: " + "; ".join(lines) + ".")
    elif decision == Decision.NEEDS_INFO:
        parts.append(
            f"Nothing you have told us rules you out, but {len(questions)} question(s) need an answer "
            f"first, starting with: {questions[0]}"
        )
        parts.extend(_silent_or_unclear(verdicts))
    else:
        met = sum(1 for v in verdicts if v.status in (MET, NOT_MET, NA) and not v.disqualifying)
        parts.append(f"On what you have told us, all {met} criteria that could be checked are satisfied.")
    if to_confirm and decision != Decision.INELIGIBLE:
        parts.append(
            f"The study team still has to confirm {len(to_confirm)} item(s), such as {_quote(to_confirm[0], 100)}."
        )
    if not trial.recruiting:
        parts.append(f"Note: this trial is not recruiting (status: {trial.status.replace('_', ' ')}).")
    elif status_note:
        parts.append(f"Note: {status_note}.")
    parts.append(DISCLAIMER)
    return " ".join(parts)


def _silent_or_unclear(verdicts: list[Verdict]) -> list[str]:
    """What the text never mentions apart from what it mentions without settling (`mentioned`)."""
    open_items = [v for v in verdicts if v.patient_unknown]
    silent = [v for v in open_items if not v.mentioned]
    unclear = [v for v in open_items if v.mentioned]
    out = []
    if silent:
        out.append(f"Your text does not mention {len(silent)} of them, such as {_quote(silent[0].criterion.text, 80)}.")
    if unclear:
        first = unclear[0]
        out.append(
            f"It mentions {len(unclear)} but does not settle them, such as {_quote(first.criterion.text, 80)} "
            f"({first.reason})."
        )
    return out


def worded_questions(verdict_lists: list[list[Verdict]]) -> dict[str, Question]:
    """Questions in criteria's own words, by their fact key (yes / no / not sure)."""
    return {
        v.compiled.rule.key: Question(v.compiled.rule.key, v.compiled.rule.question, "yes_no")
        for vs in verdict_lists
        for v in vs
        if isinstance(v.compiled.rule, Ask)
    }


def rank_questions(verdict_lists: list[list[Verdict]]) -> list[str]:
    """Fact keys to ask about, most decisive first: settles the most open criteria, exclusions first."""
    weight: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    for verdicts in verdict_lists:
        for v in verdicts:
            if not v.patient_unknown:
                continue
            for key in dict.fromkeys(v.asks):
                weight[key] += 2 if v.criterion.kind == "exclusion" else 1
                first_seen.setdefault(key, len(first_seen))
    return sorted(weight, key=lambda k: (-weight[k], first_seen[k]))


def ask_windows(verdict_lists: list[list[Verdict]]) -> dict[str, float | None]:
    """For each open fact key, the widest window any open criterion asks it in (None: ever), so one
    question settles them all: 'in the last 3 years' also answers 'in the last year'."""
    results = [Result(UNKNOWN, asks=v.asks, windows=v.windows) for vs in verdict_lists for v in vs if v.patient_unknown]
    return merge_windows(results)


def _off_section(verdict: Verdict, why: str) -> Verdict:
    return Verdict(verdict.criterion, verdict.compiled, NA, Result(NA, reason=why), verdict.trial_ref, True)


def _waiting(verdict: Verdict, why: str, asks: str) -> Verdict:
    result = Result(UNKNOWN, asks=[asks], reason=why)
    return Verdict(verdict.criterion, verdict.compiled, UNKNOWN, result, verdict.trial_ref, profile=verdict._profile)


def screen(trial: Trial, compiled: list[CompiledCriterion], profile: Profile, today: date | None = None) -> Screening:
    criteria, ref = trial.criteria, trial.ref
    present = present_keys(profile)
    verdicts = [_verdict(ref, c, cc, profile, present) for c, cc in zip(criteria, compiled, strict=True)]
    # Parts of the trial for other people (healthy volunteers, children, another cohort) do not decide.
    fit = applicable(criteria, profile)
    if any(fit):
        verdicts = [_off_section(v, why) if why else v for v, why in zip(verdicts, fit, strict=True)]
    ruling_out = [v.disqualifying for v in verdicts]
    pending = unchosen(criteria, fit, ruling_out, profile)
    if any(pending):
        verdicts = [
            _waiting(v, p.reason, p.asks) if p and not v.compiled.team else v
            for v, p in zip(verdicts, pending, strict=True)
        ]
        ruling_out = [v.disqualifying for v in verdicts]
    if any(ruling_out):
        decision = Decision.INELIGIBLE
    elif any(v.patient_unknown for v in verdicts):
        decision = Decision.NEEDS_INFO
    else:
        decision = Decision.ELIGIBLE
    return Screening(trial, decision, verdicts, list(profile.notes), today)


_ORDER = {Decision.ELIGIBLE: 0, Decision.NEEDS_INFO: 1, Decision.INELIGIBLE: 2}


def relevance(s: Screening) -> tuple[int, int, int, int]:
    settled = sum(1 for v in s.verdicts if v.status in (MET, NOT_MET) and not v.disqualifying)
    open_items = sum(1 for v in s.verdicts if v.patient_unknown)
    return (_ORDER[s.decision], 0 if s.trial.recruiting and not s.status_note else 1, open_items, -settled)


def match(screenings: list[Screening]) -> list[Screening]:
    """Best first: eligible, then needs_info, then ineligible; within each, recruiting trials and those
    closest to a decision first."""
    return sorted(screenings, key=relevance)
