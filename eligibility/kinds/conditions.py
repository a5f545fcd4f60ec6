"""Conditions (from `eligibility/data/concepts.toml`) with windows, classes and allowed exceptions:
'history of malignancy within 5 years, except basal cell carcinoma', 'NYHA class III or IV heart failure'."""

from __future__ import annotations

import re
from dataclasses import replace
from enum import Enum
from functools import lru_cache

from eligibility.clause_ends import examples_in, sentence_end
from eligibility.coded import related, under
from eligibility.concepts import Concept, concepts, concepts_in
from eligibility.cues import cue
from eligibility.kinds.base import FactSpec, Kind, Match, Read, Span, compile_table, first_look, spans_of
from eligibility.kinds.prefilter import Words, needed
from eligibility.kinds.treatments import lead_in_window
from eligibility.narrowing import complication_after, excepted_spans, excepted_words, inside, narrowing_near
from eligibility.rules import AllOf, AnyOf, Condition, Measure, Not, Rule, UlnMultiple
from eligibility.timewords import window_match
from trialscreen.model import Trial
from trialscreen.vocab import conditions as icd
from trialscreen.vocab.histology import named_at

BLOCKED = ("refractory", "manifestations", "pregnancy", "allergy", "diagnosis", "courses")
_CLASSES = {"I": 1, "II": 2, "III": 3, "IV": 4}


def _concept_words(concept: Concept) -> Words:
    return needed(concept.joined)


def named_concepts(text: str) -> list[tuple[Concept, int, int]]:
    """The concepts a criterion asks about (`_asked`), each at its first place, in text order."""
    items = concepts()
    return sorted(((items[i], *min(spans)) for i, spans in _asked(text)), key=lambda x: x[1])


def concept_spans(text: str) -> list[tuple[int, int]]:
    """Every place a criterion names a concept it asks about (`named_concepts` gives only each one's
    first), with the kinds of it named beside ("lymphoma, leukemia, or any malignancy")."""
    items = concepts()
    return sorted(span for i, _ in _asked(text) for span in items[i].spans(text))


def asked_spans(text: str) -> list[tuple[str, tuple[tuple[int, int], ...]]]:
    """Each concept a criterion asks about, by key, with where it names it."""
    items = concepts()
    return [(items[i].key, spans) for i, spans in _asked(text)]


def unasked_kinds(text: str) -> list[tuple[int, int]]:
    """Where a criterion names a kind of a concept it does not ask about as a whole ("type 2 diabetes",
    "breast cancer"): words a rule of concepts does not read, so it must not decide on them."""
    items = concepts()
    asked = {i for i, _ in _asked(text)}
    covered = [span for i in asked for span in items[i].spans(text)]
    kinds = {span for i in _candidates(text) if i not in asked for span in items[i].spans(text)}
    left = [k for k in kinds if not any(a < k[1] and k[0] < b for a, b in covered)]
    return sorted(k for k in left if not any(a <= k[0] and k[1] <= b and (a, b) != k for a, b in left))


def denied_by_wholes(text: str, codes: list[str]) -> Rule | None:
    """For a criterion that names only conditions (`codes`), each a kind of a concept it names but does not
    ask about as a whole ("Breast cancer", "Hepatocellular carcinoma"), the concepts as a rule that a
    denial of them all clears ("No history of cancer" denies every cancer); None when a condition it
    names is no kind of them ("Breast cancer or HIV")."""
    if not codes:
        return None
    items = concepts()
    asked = {i for i, _ in _asked(text)}
    wholes = [items[i] for i in _candidates(text) if i not in asked and items[i].icd10cm and items[i].spans(text)]
    if not wholes or not all(any(under(c, ref) for w in wholes for ref in w.icd10cm) for c in codes):
        return None
    rules: list[Rule] = [Condition(key=w.key, label=w.key.replace("_", " ")) for w in wholes]
    return rules[0] if len(rules) == 1 else AnyOf(rules)


def _candidates(text: str) -> list[int]:
    """The concepts whose words the text contains."""
    return first_look(concepts(), _concept_words).candidates(text.lower())


@lru_cache(maxsize=1024)
def _asked(text: str) -> tuple[tuple[int, tuple[tuple[int, int], ...]], ...]:
    """The concepts a criterion asks about, with where: named as wholes (`Concept.asked`), or by kinds
    given as its examples ("serious acute or recurrent infectious disease (such as pneumonia or pyelitis)")."""
    items = concepts()
    given = examples_in(text)
    excepted = excepted_spans(text)
    out = []
    for i in _candidates(text):
        spans = _not_glossing(text, items[i].asked(text), items[i].spans(text))
        if not spans:
            named = items[i].spans(text)
            examples = [s for s in named if any(a <= s[0] and s[1] <= b for a, b in given)]
            # not the examples of a kind named outside them ("glioblastoma multiforme, including gliosarcoma")
            spans = examples if len(examples) == len(named) else []
        spans = [s for s in spans if not inside(excepted, *s)]  # "other than hypertension" asks no hypertension
        if spans:
            out.append((i, tuple(spans)))
    return tuple(out)


def _not_glossing(text: str, asked: list[tuple[int, int]], named: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The places a concept is asked as a whole, without those in brackets right after a kind of it: "NSCLC
    (adenocarcinoma, squamous cell carcinoma ...)" names the kinds of NSCLC, not any cancer."""
    kinds = [k for k in named if not any(a < k[1] and k[0] < b for a, b in asked)]
    out = []
    for a, b in asked:
        opened = text.rfind("(", 0, a)
        glossing = opened >= 0 and ")" not in text[opened:a] and any(not text[end:opened].strip() for _, end in kinds)
        if not glossing:
            out.append((a, b))
    return out


def _of_examples(text: str, start: int, end: int, concept: Concept) -> str:
    """An example's narrowing is what it is an example of: "Uncontrolled intercurrent disease (e.g.
    diabetes, hypertension)" asks about uncontrolled diabetes. The words before the examples' lead."""
    for a, b in examples_in(text):
        if a <= start and end <= b:
            lead = text.rfind("(", 0, a)
            at = lead if lead >= 0 and text.rfind(")", lead, a) < 0 else a
            return narrowing_near(text, at, at, concept.joined)
    return ""


def _excepting(text: str, read: list[str]) -> str:
    """'other than HCV' when the criterion excepts a condition the rule does not read as one of its
    exceptions ("chronic liver disease not caused by HCV"): a case of the concept may be the excepted
    one, so it is asked."""
    if read:
        return ""
    words = excepted_words(text)
    return words if words and (icd.conditions_in(words) or concepts_in(words)) else ""


def own_codes(trial: Trial, concept: Concept) -> list[str]:
    """The ICD-10-CM codes of the trial's own conditions (its registry's conditions, else its title) that are
    cases of the concept: "Breast Cancer" (C50) of a cancer. Empty when the trial does not say."""
    names = [*trial.conditions] or [trial.title]
    found = [m for name in names for m in icd.conditions_in(name) if concept.covers(m.codes)]
    return list(dict.fromkeys(m.code for m in found))


def _names_any(text: str, codes: list[str]) -> bool:
    """Whether the text names a condition coded under (or over) one of `codes`."""
    return any(related(m.code, c) for m in icd.conditions_in(text) for c in codes)


def exception_patterns() -> dict[str, re.Pattern[str]]:
    """The kinds of cancer a rule of conditions reads as allowed exceptions, by name."""
    return _cancer_exceptions()


@lru_cache(maxsize=1)
def _cancer_exceptions() -> dict[str, re.Pattern[str]]:
    return compile_table("conditions", "cancer_exceptions")


class Conditions(Kind):
    name = "conditions"
    patterns = (
        *("requiring", "except", "negative", "negative_after", "negative_for", "negative_before_test", "test_after"),
        *("either_result", "active", "former", "either_status", "non", "ever", "class", "besides_own", "treated_for"),
        # what eligibility/unread.py reads beside the conditions
        *("known_by", "beside", "qualifying", "reason", "note", "catch_all", "complement", "modifiers", "unless"),
    )
    blocked_by = BLOCKED
    specs = (FactSpec("cond:"),)

    def read(self, r: Read) -> list[Match]:
        on_full = lead_in_window(r.context)
        text = r.full if on_full else r.text
        measured_by: dict[str, str] = self.data("measured")
        measured = {k for m in r.rules() if isinstance(m, Measure | UlnMultiple) for k in m.names()}
        measured |= {k for m in r.rules() if isinstance(m, AnyOf) for k in m.names()}
        found = [f for f in named_concepts(text) if measured_by.get(f[0].key) not in measured]
        # a later sentence that only notes something ("ALT <= 2 x ULN. (Note: if ALT > ULN, testing for
        # hepatitis B must be done)") names no condition the criterion asks about
        notes = [(m.start(), sentence_end(text, m.end())) for m in self.p("note").finditer(text) if m.start() > 0]
        found = [f for f in found if not any(a <= f[1] < b for a, b in notes)]
        found = [f for f in found if not self._only_treated_for(text, f[0])]
        if not found:
            return []
        requiring = self.p("requiring").search(text)
        except_at = self.p("except").search(text)
        by_requirement = set(self.data("decided_by_requirement"))
        whole = window_match(text)
        out: list[Match] = []
        starts: list[int] = []  # where each match's condition is named
        for concept, start, end in found:
            spans: list[Span] = []
            after = window_match(text[end:])
            if after is not None:
                window: float | None = after[0]
                spans.append((after[1][0] + end, after[1][1] + end))
            elif whole is not None:
                window = whole[0]
                spans.append(whole[1])
            else:
                window = None
            if except_at and start > except_at.start() and concept.key == "cancer":
                continue
            if requiring and end <= requiring.start() and concept.key in by_requirement:
                continue  # "nephritis requiring dialysis": what is required decides, not the condition
            exceptions: list[str] = []
            if concept.key == "cancer" and except_at:
                tail = text[except_at.start() :]
                exceptions = [name for name, pat in _cancer_exceptions().items() if pat.search(tail)]
            min_class = None
            if concept.key == "heart_failure":
                nyha = self.p("class").search(text)
                if nyha:
                    word = nyha.group("num").upper()
                    min_class = _CLASSES.get(word) or int(word)
                    spans += spans_of(nyha, "num")
            current_only = bool(self.p("active").search(text[max(0, start - 40) : end])) and window is None
            # "Smokers": a habit named with no time and no word of its history is asked of now
            current_only = current_only or (concept.habit and window is None and not self._history(text, start))
            rule = Condition(
                besides=self._besides(r.trial, concept, text, start, except_at),
                key=concept.key,
                label=concept.key.replace("_", " "),
                within_months=window,
                exceptions=exceptions,
                min_class=min_class,
                current_only=current_only,
                narrowed=narrowing_near(text, start, end, concept.joined)
                or complication_after(text, start, end)
                or _of_examples(text, start, end, concept)
                or _excepting(text, exceptions),
                histology=_histology(text, concept, except_at),
            )
            status, status_spans = self._status(text, start, concept, rule)
            out.append(Match(status, tuple(r.in_text([*spans, *status_spans], on_full))))
            starts.append(start)
        if requiring:
            cut = max((m.end() for m in _PIECE_CUT.finditer(text, 0, requiring.start())), default=0)
            stop = _PIECE_CUT.search(text, requiring.end())
            piece = (cut, requiring.start(), requiring.end(), stop.start() if stop else len(text))
            out = _joined_by_requirement(out, starts, piece)
        negative = self._negative(text, found) if out and r.kind == "inclusion" else _Negative.NONE
        if negative is _Negative.OTHER:
            # "ER-negative breast cancer", "HER2 may be positive or negative": a result of another test; "HIV
            # positive, hepatitis B negative": of some of the conditions only. The rule cannot read it.
            return []
        if negative is _Negative.ALL:
            rules = [m.rule for m in out]
            negated = Not(AnyOf(rules) if len(rules) > 1 else rules[0])
            out = [Match(negated, tuple(s for m in out for s in m.spans))]
        return out

    def _status(self, text: str, start: int, concept: Concept, rule: Condition) -> tuple[Rule, list[Span]]:
        """The rule of a habit named as over ("Former smokers": had it, and not now), as now or over ("Current
        or former smokers": any time) or denied by its prefix ("Non-smokers", "nonsmokers": not now), with the
        words that say so; else the rule as read."""
        if not concept.habit:
            return rule, []
        floor = max(0, start - 30)
        now = replace(rule, within_months=None, current_only=True)
        non = self.p("non").match(text, start)
        if non:  # "Non-smoker within 3 months prior to screening": none in that window
            return Not(now if rule.within_months is None else rule), [non.span()]
        either = self.p("either_status").search(text, floor, start)
        if either and rule.within_months is None:
            return replace(rule, current_only=False), [either.span()]
        former = self.p("former").search(text, floor, start)
        if former and rule.within_months is None:
            return AllOf([replace(rule, current_only=False), Not(now)]), [former.span()]
        return rule, []

    def _history(self, text: str, start: int) -> bool:
        """Whether the words before a concept's name speak of its history ("history of smoking", "former
        smokers", "prior tobacco use") or of any time ("Never smokers")."""
        before = text[:start]
        return bool(self.p("former").search(before, max(0, start - 12)) or self.p("ever").search(before)) or bool(
            cue("context", "over").search(before)
        )

    def _only_treated_for(self, text: str, concept: Concept) -> bool:
        """Whether every place the criterion asks about the concept names it as what a treatment is for
        ("No prior therapy for this cancer"): the treatment is asked, not the condition."""
        spans = next((s for key, s in asked_spans(text) if key == concept.key), ())
        treated_for = self.p("treated_for")
        return bool(spans) and all(treated_for.search(text[max(0, a - 80) : a]) for a, _ in spans)

    def _besides(
        self, trial: Trial, concept: Concept, text: str, start: int, except_at: re.Match[str] | None
    ) -> list[str]:
        """The trial's own condition's codes when the criterion names the concept as one besides it ("other
        malignancy"; a malignancy "other than sarcoma" in a sarcoma trial), else none."""
        other = self.p("besides_own").search(text[max(0, start - 60) : start]) is not None
        if not other and except_at is None:
            return []
        own = own_codes(trial, concept)
        if other or (except_at is not None and _names_any(text[except_at.start() :], own)):
            return own
        return []

    def _negative(self, text: str, found: list[tuple[Concept, int, int]]) -> _Negative:
        """Whether an inclusion asks for a negative result of what it names: of every condition named
        ("HIV negative", "Negative screening tests for HIV, Hepatitis B, and Hepatitis C"), of something else
        or of some only ("ER-negative breast cancer", "HER2 may be positive or negative", "HIV positive,
        hepatitis B negative"), or it says no "negative"."""
        results = list(self.p("negative").finditer(text))
        if not results:
            return _Negative.NONE
        if self.p("either_result").search(text):
            return _Negative.OTHER
        places = {concept.key: concept.spans(text) for concept, _, _ in found}
        negated = [
            any(
                self._negates(text, m, start, end)
                and not (end <= m.start() and _another_between(places, concept.key, end, m.start()))
                for m in results
                for start, end in places[concept.key]
            )
            for concept, _, _ in found
        ]
        return _Negative.ALL if all(negated) else _Negative.OTHER

    def _negates(self, text: str, m: re.Match[str], start: int, end: int) -> bool:
        """ "negative" after the name in its sentence ("HIV-1 & 2 antibody, HIV-1 antigen ... sero-negative"),
        or before it with "for" ("Negative screening tests for HIV, Hepatitis B") or a test after the name
        ("Negative FDA-approved HIV blood test"); not "ER-negative breast cancer"."""
        if end <= m.start():
            between = text[end : m.start()]
            return len(between) <= _NEGATIVE_REACH and self.p("negative_after").fullmatch(between) is not None
        if m.end() > start:
            return False
        before = text[m.end() : start]
        if self.p("negative_for").fullmatch(before):
            return True
        return bool(self.p("negative_before_test").fullmatch(before) and self.p("test_after").match(text[end:]))


def _histology(text: str, concept: Concept, except_at: re.Match[str] | None) -> list[str]:
    """The histologies a criterion gives a concept, as alternatives ("adenocarcinoma or squamous cell
    carcinoma of the esophagus", the kinds it names beside included, not those it excepts); none when one
    place names the concept without one ("malignancy or squamous cell carcinoma": any cancer counts)."""
    spans = next((spans for k, spans in asked_spans(text) if k == concept.key), ())
    named = [named_at(text, a, b) for a, b in spans]
    if not named or not all(named):
        return []
    excepted = excepted_spans(text)
    kinds = [
        named_at(text, m.start, m.end)
        for m in icd.conditions_in(text)
        if concept.covers(m.codes)
        and not inside(excepted, m.start, m.end)
        and (except_at is None or m.start < except_at.start())
    ]
    return list(dict.fromkeys(g for groups in [*named, *kinds] for g in groups))


def _joined_by_requirement(out: list[Match], starts: list[int], piece: tuple[int, int, int, int]) -> list[Match]:
    """ "Hypertension requiring dialysis" asks for both, not either: the conditions named in the piece of the
    list before "requiring" and what it requires after it, in the same piece, are one match that needs them
    all; the other pieces stay alternatives ("hypertension, or diabetes requiring dialysis"). `piece`: where
    the piece begins, where "requiring" begins and ends, where the piece ends."""
    cut, begin, end, stop = piece
    placed = list(zip(out, starts, strict=True))
    before = [m for m, at in placed if cut <= at < begin]
    after = [m for m, at in placed if end <= at < stop]
    if not before or not after:
        return out
    required = after[0].rule if len(after) == 1 else AnyOf([m.rule for m in after])
    rule = AllOf([*(m.rule for m in before), required])
    joined = Match(rule, tuple(span for m in [*before, *after] for span in m.spans))
    return [m for m, _ in placed if not any(m is x for x in [*before, *after])] + [joined]


_PIECE_CUT = re.compile(r"[,;(]|\bor\b")


def _another_between(places: dict[str, list[tuple[int, int]]], key: str, start: int, end: int) -> bool:
    """Whether another concept is named in [start, end): "Pulmonary tuberculosis, HIV negative" says the
    HIV is negative, not the tuberculosis."""
    return any(start <= a and b <= end for other, spans in places.items() if other != key for a, b in spans)


_NEGATIVE_REACH = 90  # characters between a condition's name and "negative" after it


class _Negative(Enum):
    NONE = "none"  # the criterion says no "negative"
    ALL = "all"  # it asks for a negative result of every condition it names
    OTHER = "other"  # of something else, or of some of them only


KIND = Conditions()
