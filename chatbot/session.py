"""One patient's pre-screening conversation, as plain data and logic (the Gradio app only shows it).

The person says what they are looking for; the candidate trials are found (by the drugs they name,
else all trials); then one question at a time, the most decisive across the remaining candidates
first. Known or irrelevant facts are not asked (no pregnancy question for a man); "not sure" keeps a
criterion unknown and is not asked again. Answers can be taken back, and the conversation restarted.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from chatbot.replies import Parsed, parse_reply, said_back
from eligibility.engine import DISCLAIMER, Screening, ask_windows, rank_questions, worded_questions
from eligibility.extract import read_patient
from eligibility.facts import Profile
from eligibility.kinds import answer_keys
from eligibility.patient import profile_from_facts
from eligibility.questions import (
    CHECKLIST_MOST,
    Question,
    checklist,
    checklist_family,
    checklist_now,
    choice_for,
    interview,
    question_for,
)
from eligibility.rules import MET, NA, NOT_MET, UNKNOWN
from index.catalog import Catalog
from trialscreen.errors import TrialscreenError
from trialscreen.keys import TreatmentKey
from trialscreen.services import Services
from trialscreen.vocabulary import vocabulary

INTRO = (
    "Hello. I can check, criterion by criterion, whether you might fit the lupus (SLE) trials I know, and "
    "show you the trials' own words for every answer. " + DISCLAIMER + " What are you looking for? "
    "(for example: could I join a lupus IL-2 trial?)"
)


_SEQ = itertools.count()


@dataclass
class Turn:
    key: str
    reply: str
    parsed: Parsed
    seq: int = field(default_factory=lambda: next(_SEQ))  # identifies this answer, for the screening cache
    declined: set[str] = field(default_factory=set)  # the facts this answer left to the study team


@dataclass
class _State:
    """One state of the conversation: its screenings, and what follows from them, worked out on first need."""

    key: tuple[Any, ...]
    profile: Profile
    screenings: list[Screening]
    open: dict[frozenset[str], list[str]] = field(default_factory=dict)  # by the 'not sure' answers
    wording: tuple[dict[str, Question], dict[str, float | None]] | None = None
    questions: dict[str, Question] = field(default_factory=dict)


@dataclass
class PatientSession:
    services: Services
    today: date = field(default_factory=date.today)
    opening: str = ""
    candidates: list[str] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)
    declined: set[str] = field(default_factory=set)
    asked: str | None = None
    asked_question: Question | None = None  # as it was put, with its window: the answer covers that
    noted: str | None = None  # the facts the last answer gave, said back ("Noted: age 34; no heart failure.")
    _cache: _State | None = field(default=None, repr=False, compare=False)

    @property
    def catalog(self) -> Catalog:
        return self.services.catalog

    # -- state -------------------------------------------------------------------------------------
    def profile(self) -> Profile:
        profile = read_patient(self.opening, self.today)
        for turn in self.turns:
            if turn.parsed.text_profile is not None:
                for facts in turn.parsed.text_profile.facts.values():
                    for fact in facts:
                        profile.facts[fact.key] = []
                        profile.add(fact)
            if turn.parsed.facts:
                profile = profile_from_facts(copy.deepcopy(turn.parsed.facts), profile)
        return profile

    def _state(self) -> tuple[Any, ...]:
        """What the screenings depend on: the opening, the candidates, and the answers (each answer has
        its own sequence number, so the count and the last one tell the list of answers apart)."""
        return (self.opening, len(self.candidates), len(self.turns), self.turns[-1].seq if self.turns else None)

    def _now(self) -> _State:
        """What is worked out once per state of the conversation: a turn asks for the screenings, the
        open questions and the wording of hundreds of questions (the reply check, cards, bring-list)."""
        key = self._state()
        if self._cache is None or self._cache.key != key:
            profile = self.profile()
            screenings = [self.services.screen(ref, profile, self.today) for ref in self.candidates]
            self._cache = _State(key, profile, screenings)
        return self._cache

    def screenings(self) -> list[Screening]:
        """The candidates screened on what is known now."""
        return self._now().screenings

    def open_keys(self) -> list[str]:
        """The facts still to ask, in interview order: what a patient knows and what decides most first
        (questions.toml [interview]), the most decisive first within each tier."""
        now = self._now()
        declined = frozenset(self.declined)
        if declined not in now.open:
            undecided = [s.verdicts for s in now.screenings if s.decision == "needs_info"]
            ranked = sorted(  # a question about any use before one about a route or doses: its 'no' settles both
                (k for k in rank_questions(undecided) if k not in declined), key=_qualified
            )
            for fact, moot in interview().moots.items():  # sex before pregnancy: a man is not asked
                if fact not in ranked and fact not in declined and now.profile.get(fact) is None:
                    ranked += [fact] if set(moot) & set(ranked) else []
            now.open[declined] = sorted(ranked, key=interview().tier)  # stable: decisiveness within a tier
        return list(now.open[declined])

    def question(self, key: str) -> Question:
        """The question for a fact key, in the widest window any undecided candidate asks it in."""
        now = self._now()
        if key not in now.questions:
            if now.wording is None:
                open_ones = [s.verdicts for s in now.screenings if s.decision == "needs_info"]
                own = worded_questions(open_ones or [s.verdicts for s in now.screenings])
                now.wording = (own, ask_windows(open_ones))
            own, windows = now.wording
            now.questions[key] = own[key] if key in own else _asked_for(key, windows.get(key), now.profile)
        return now.questions[key]

    def next_question(self) -> Question | None:
        keys = self.open_keys()
        self.asked = keys[0] if keys else None
        self.asked_question = self._checklist(self.question(self.asked), keys) if self.asked else None
        return self.asked_question

    def _checklist(self, first: Question, keys: list[str]) -> Question:
        """The next question, with the open questions of its family, tier and window that a patient would
        answer together ("Have you had any of these in the last 2 months?"), as one checklist; alone
        when none goes with it. Questions that settle the same facts are not put together: one answer
        would overwrite the other."""
        family = checklist_family(first.key)
        if family is None or choice_for(first) is None or (first.window == 0 and not checklist_now(family)):
            return first  # 'at the moment' needs its present-tense wording
        order = interview()
        members, names, facts = [first], {choice_for(first)}, set(answer_keys(first.key))
        for key in keys[1:]:
            q = self.question(key)
            name = choice_for(q)
            if (
                name is None
                or name in names
                or checklist_family(key) != family
                or order.tier(key) != order.tier(first.key)
                or q.window != first.window
                or facts & set(answer_keys(key))
            ):
                continue
            members.append(q)
            names.add(name)
            facts |= set(answer_keys(key))
            if len(members) == CHECKLIST_MOST:
                break
        return checklist(members) if len(members) > 1 else first

    @property
    def done(self) -> bool:
        return bool(self.candidates) and not self.open_keys()

    # -- conversation ---------------------------------------------------------------------------
    def start(self, message: str) -> str:
        message = " ".join((message or "").split())
        if not message:
            raise TrialscreenError("Tell me a little about what you are looking for, or about yourself.")
        self.opening = message[:5000]
        self.turns, self.declined = [], set()
        trials = self.catalog.trials()
        asked_drugs = {d.name for d in vocabulary().drugs_in(message)}
        given = {t.ref: {d.name for d in vocabulary().drugs_in(" ".join([t.title, *t.interventions]))} for t in trials}
        wanted = [t.ref for t in trials if asked_drugs & given[t.ref]]
        self.candidates = wanted or [t.ref for t in trials]
        lines = []
        for ref in self.candidates:
            t = self.catalog.trial(ref)
            state = t.status_note(self.today) or (
                "recruiting" if t.recruiting else f"not recruiting ({t.status.replace('_', ' ')})"
            )
            lines.append(f"- {t.title} ({t.ref}): {state}")
        what = " and ".join(sorted(asked_drugs & set().union(*given.values()))) or "lupus"
        return f"I found {len(self.candidates)} {what} trial(s):\n" + "\n".join(lines)

    def reply(self, text: str) -> str | None:
        """Record an answer to the current question. Returns an error message (state unchanged) or None."""
        if self.asked is None:
            self.next_question()
        if self.asked is None:
            return "There is nothing left that I can ask; the study team settles the rest."
        question = self.asked_question or self.question(self.asked)
        parsed = parse_reply(question, text, self.today)
        self.noted = None
        if parsed.error:  # one short message, and the question again
            return parsed.error if question.text in parsed.error else f"{parsed.error} {question.text}"
        before = set(self.declined)
        if parsed.unsure:
            self._decline(question)
        turn = Turn(self.asked, text, parsed)
        self.turns.append(turn)
        try:
            self.profile()
        except TrialscreenError as err:
            self.turns.pop()
            self.declined = before
            return str(err)
        given = parsed.facts.get(self.asked)
        converted = isinstance(given, float) and f"{given:g}" not in text  # "7.2 mmol/L": said back in g/dL
        answered = {*parsed.facts, self.asked} - ({self.asked} if converted else set())  # the answer itself
        other = said_back(parsed.facts, parsed.text_profile, skip=answered)
        if other:
            self.noted = "Noted: " + "; ".join(other) + "."  # said back, so a misreading shows
        keys = [q.key for q in question.members] or [self.asked]
        about_it = _same_family(self.asked, parsed)  # "yes, MMF every day" to a question about medicines
        if all(k in self.open_keys() for k in keys) and (about_it or not other):
            self._decline(question)  # the answer settled none of it: never ask the same thing twice
        turn.declined = self.declined - before
        self.asked, self.asked_question = None, None  # an answer with other facts ("I'm 34"): asked again
        return None

    def _decline(self, question: Question) -> None:
        """Leave open, for the study team, the facts this question asks (each of a checklist's): every open
        fact put in the same words (ALT and AST are one question about liver tests), so none is asked again."""
        asked = question.members or (question,)
        texts = {q.text for q in asked}
        facts = set().union(*(answer_keys(q.key) for q in asked))
        self.declined.update(q.key for q in asked)
        self.declined.update(  # and what only those facts settle: 'how long unchanged' and 'a stable regimen'
            k for k in self.open_keys() if self.question(k).text in texts or set(answer_keys(k)) <= facts
        )

    def back(self) -> Turn | None:
        """Take back the last answer (and its 'not sure'); the answer taken back."""
        last = self.turns.pop() if self.turns else None
        if last is not None:
            self.declined -= last.declined
        self.asked, self.asked_question = None, None
        return last

    def restart(self) -> None:
        self.opening, self.candidates, self.turns, self.declined = "", [], [], set()
        self.asked, self.asked_question = None, None

    # -- what the person sees ----------------------------------------------------------------------
    def cards(self) -> list[dict[str, Any]]:
        out = []
        for s in sorted(self.screenings(), key=lambda s: {"eligible": 0, "needs_info": 1, "ineligible": 2}[s.decision]):
            items = []
            for v in s.verdicts:
                if v.compiled.team or v.compiled.rule is None:
                    state = "to confirm"
                elif v.disqualifying:
                    state = "disqualifying"
                elif v.status in (MET, NOT_MET):
                    state = "met" if v.criterion.kind == "inclusion" else "does not apply"
                elif v.status == NA:
                    state = "not applicable"
                else:  # what the text never mentions apart from what it mentions without settling
                    state = "unclear" if v.mentioned else "not mentioned"
                items.append(
                    {
                        "state": state,
                        "kind": v.criterion.kind,
                        "number": v.criterion.number,
                        "text": v.criterion.text,
                        "context": v.criterion.context,
                        "reason": v.reason,
                        "chunk_id": v.chunk_id,
                        "start": v.criterion.start,
                        "end": v.criterion.end,
                        "passage": _passage(s, v.criterion.start, v.criterion.end),
                    }
                )
            out.append(
                {
                    "trial": s.trial.ref,
                    "title": s.trial.title,
                    "recruiting": s.trial.recruiting,
                    "status": s.trial.status,
                    "status_note": s.status_note,
                    "decision": s.decision,
                    "items": items,
                    "questions": self._questions(s, asked=True),
                    "still_open": self._questions(s, asked=False),
                    "to_confirm": s.to_confirm,
                    "explanation": self._explanation(s),
                    "headline": self._headline(s),
                    "ruled_out_by": [v.criterion.text for v in s.verdicts if v.disqualifying],
                }
            )
        return out

    def _headline(self, s: Screening) -> str:
        """The card's first line, in a patient's words."""
        if s.decision == "ineligible":
            n = sum(1 for v in s.verdicts if v.disqualifying)
            return "One thing rules you out:" if n == 1 else f"{n} things rule you out; the first:"
        asked = self._questions(s, asked=True)
        if asked:
            return f"Still to check: {len(asked)} question{'s' if len(asked) != 1 else ''}."
        still = self._questions(s, asked=False)
        if still:
            return (
                f"Nothing you said rules you out; {len(still)} question{'s' if len(still) != 1 else ''} "
                "stay open for the study team."
            )
        return (
            "Nothing you said rules you out; the study team confirms the rest (consent, screening tests, "
            "their own judgement)."
        )

    def _questions(self, s: Screening, asked: bool) -> list[str]:
        """This trial's open questions that the chat will still ask (`asked`), or that it will not ask
        again because the answer was 'not sure' or did not settle them."""
        if s.decision != "needs_info":
            return []
        keys = [k for k in s.question_keys if (k not in self.declined) == asked]
        return list(dict.fromkeys(self.question(k).text for k in keys))

    def _explanation(self, s: Screening) -> str:
        if s.decision != "needs_info" or self._questions(s, asked=True):
            return s.explanation
        still = self._questions(s, asked=False)
        return (
            f"Nothing you have told us rules you out, but {len(still)} question(s) are still open and go to the "
            f"study team: {'; '.join(still)} {DISCLAIMER}"
        )

    def still_open(self) -> list[str]:
        """Across the candidates, the questions left open that the chat will not ask again."""
        return list(dict.fromkeys(q for s in self.screenings() for q in self._questions(s, asked=False)))

    def bring(self) -> list[str]:
        """What to bring to the study team, in plain words: for each fact left open (the answer was 'not
        sure'), the records that settle the questions still ahead, and what only the team can settle."""
        order = interview()
        left = [order.to_bring(k, self.question(k)) for k in sorted(self.declined, key=order.tier)]
        ahead = [order.to_bring(k, self.question(k)) for k in self.open_keys() if order.has_records(k)]
        out = list(dict.fromkeys([*left, *ahead]))[:8]
        out.append("The study team confirms consent, screening tests and their own judgement.")
        return out


def _asked_for(key: str, window: float | None, known: Profile) -> Question:
    """The question for a fact key, naming only the drugs not already answered for: after 'rituximab, 2
    years ago', 'rituximab or another biologic in the last 6 months?' asks about another biologic."""
    question = question_for(key, window)
    t = TreatmentKey.parse(key)
    if t is None or t.prefix != "prior" or not t.drugs:
        return question
    said = {
        d
        for d in t.drugs
        if (f := known.get(f"prior:{d}")) is not None and (f.value is False or f.when_months is not None)
    }
    if not said or (len(said) == len(t.drugs) and not t.classes):
        return question
    # asked, and answered, for the rest only: its 'no' must not take back 'rituximab, 2 years ago'
    return question_for(str(replace(t, drugs=tuple(d for d in t.drugs if d not in said))), window)


def _qualified(key: str) -> int:
    """How many qualifiers (route, doses, drugs left out) narrow a treatment question (0 for others)."""
    t = TreatmentKey.parse(key)
    return 0 if t is None else sum((bool(t.route), t.above_mg_day is not None, bool(t.other_than)))


def _same_family(asked: str, parsed: Parsed) -> bool:
    """Whether a free-text reply speaks of what was asked (medicines to a medicine question) without
    answering any of it ('yes, MMF every day' to 'an immunosuppressant other than MMF'): the reply is
    its answer, and the study team settles the rest; it is not asked again. A reply that answers part
    of it ('rituximab, 2 years ago' to 'rituximab or another biologic') leaves the rest to ask."""
    family = asked.split(":", 1)[0]
    if parsed.text_profile is None or family not in ("prior", "med", "months_on"):
        return False
    named = set(parsed.text_profile.facts)
    return any(k.startswith(("prior:", "med:")) for k in named) and not named & set(answer_keys(asked))


def _passage(s: Screening, start: int, end: int, pad: int = 240) -> str:
    text = s.trial.source_text
    a, b = max(0, start - pad), min(len(text), end + pad)
    return text[a:b]


__all__ = ["INTRO", "UNKNOWN", "PatientSession"]
