"""Conditions by their ICD-10-CM codes, in a person's text and in criteria, with the hierarchy.

The same vocabulary reads both sides (`trialscreen.vocab.conditions`: ICD-10-CM names and our words
for them). A person's text gives facts `icd:CODE` (true, or false when denied), each with its
context (family and hypothetical mentions are not the person's; history or current); a criterion
names codes. A fact answers a criterion's code when one lies under the other: "type 2 diabetes"
(E11.9) is a case of "diabetes" (E08-E13); a denial of "diabetes" denies type 2 diabetes, but a
denial of type 2 diabetes does not deny every diabetes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache

from eligibility.concepts import concept as concept_of
from eligibility.concepts import concepts, denial_covers, is_habit, unread_kind
from eligibility.context import (
    Clause,
    clause_at,
    clauses,
    context_of,
    negation_end,
    sentence_end,
    up_to_comma,
    without_dated_uses,
)
from eligibility.course import Course, course_after
from eligibility.cues import cue
from eligibility.facts import Evidence, Fact, Profile, View
from eligibility.fallback import reading_pattern
from eligibility.kinship import farthest, kin_in
from eligibility.narrowing import narrowing_before
from eligibility.timeparse import months_ago
from eligibility.timewords import lasted, minimum_lasting, window_match
from trialscreen.vocab import conditions as icd
from trialscreen.vocab.histology import is_the_name, named_at, spans_at

PREFIX = "icd:"
FAMILY = "fam:"  # a relative's condition
_VISIT_MONTHS = 0.1  # a visit the note dates "earlier today" or "2 days ago" is the one it describes


def clause_evidence(clause: Clause) -> Evidence:
    """A clause as the evidence of a fact read in it (its words, without the spaces around them)."""
    lead = len(clause.text) - len(clause.text.lstrip())
    return Evidence(text=clause.text.strip(), start=clause.start + lead, end=clause.end)


def read_conditions(
    profile: Profile,
    text: str,
    today: date,
    mentions: Sequence[icd.ConditionMention] | None = None,
    defined: Mapping[icd.ConditionMention, str] | None = None,
    uses: Sequence[tuple[int, int]] = (),
) -> None:
    """Adds an `icd:CODE` fact for each condition the text names as the person's own.

    Besides the clause's time (`when_months`, kept for what reads it), each fact's detail says where
    the text itself places this condition (`placed_months`: 0 for now, absent when it does not say):
    its own time words ("stroke 5 years ago and TIA last week" places each apart), or the clause's
    when the clause names no other condition; and how long it has lasted (`lasting_months`). A condition
    dated only by its diagnosis ("melanoma diagnosed last year") has `began_months` instead and `current`
    None: the note does not say whether it goes on. `defined`: mentions a measured value makes ("T 38.9"
    is a fever, eligibility/findings.py), with the definition, kept in the fact's detail (`why`); such a
    value its words do not date was taken at the visit the note describes, so it is placed now. `uses`:
    where the text names medicines; the words that start or stop one date it, not the conditions beside
    it (`context.without_dated_uses`)."""
    parts = clauses(text)
    if not parts:
        return
    mentions = list(icd.conditions_in(text) if mentions is None else mentions)
    spans = [(x.start, x.end) for x in mentions]
    starts = [x.start for x in mentions]
    dating = without_dated_uses(text, list(uses), spans)  # the words that date and place each condition
    for n, m in enumerate(mentions):
        written = clause_at(parts, m.start)
        clause = Clause(written.start, written.end, dating[written.start : written.end])
        ctx = context_of(clause, m.start, m.end)
        if ctx.hypothetical:  # "not sure if I have asthma" denies nothing
            continue
        prefixed = cue("context", "negated_prefix").search(dating, max(0, m.start - 5), m.start) is not None
        denied = ctx.denied or prefixed
        # "non-smoker": the prefix is the denial, no kind of smoking
        floor = m.start if prefixed and not ctx.denied else negation_end(clause, m.start)
        if denied and _a_kind_denied(dating, m, floor, mentions):
            continue  # "no history of skin cancer", "no hemolytic anemia": a kind the vocabulary cannot code
        previous = mentions[n - 1].end if n else 0
        histology = named_at(dating, m.start, m.end, previous)
        if denied and histology and not _histology_is_the_code(m):
            continue  # "no small cell lung cancer" denies one histology of C34, not every lung cancer
        following = mentions[n + 1].start if n + 1 < len(mentions) else len(dating)
        if ctx.family:  # a relative's, not the person's
            _relatives_fact(profile, text, written, m, denied, (previous, following))
            continue
        course = Course() if denied else course_after(dating, m.end, starts, today)
        # "breast cancer 2015, now in remission": the words from the ending on do not date it
        upto = min(clause.end, course.ended_at) if course.ended and course.ended_at is not None else clause.end
        when = None if denied else months_ago(dating[clause.start : upto], today)
        # its own time words: after it up to the next condition ("stroke 5 years ago and TIA last week"),
        # else before it back to the previous one ("in 2010 she had an MI")
        own = None
        if not denied:
            own = months_ago(dating[m.end : max(m.end, min(upto, following))], today)
            if own is None:
                own = months_ago(dating[max(clause.start, previous) : m.start], today)
        alone = sum(1 for x in mentions if clause.start <= x.start < clause.end) == 1
        visit = at_the_visit(dating, clause, m.start, when, ctx.historical)
        # "on dialysis since March", "dysphagia that began several months ago": it started then and goes on;
        # not "history of migraine that began in 2003"
        began = _began(dating, clause, m.start, m.end, following)
        ongoing = when is not None and (cue("medicines", "ongoing").search(clause.text) is not None or began)
        ongoing = ongoing and (began or not (ctx.past or ctx.historical))
        ongoing = ongoing or had_so_long(dating, clause, m.start, m.end, spans)
        now = ((ctx.current or visit or ongoing) and not course.ended and not ctx.ended) or course.goes_on
        dated = not denied and not now and when is not None and diagnosed_then(dating, clause, m.start, m.end)
        current = None if denied or dated else (now or (when is None and not ctx.historical and not ctx.ended))
        if course.ended:
            current = False  # "in remission since 2011": active until then
            if course.ended_months is not None:
                when = course.ended_months if when is None else min(when, course.ended_months)
                own = when
        elif course.goes_on or (course.recurred and now):  # "not in remission", "relapsed 2008, now on ..."
            when, current, dated = 0.0, True, False
        elif course.recurred:  # "lymphoma in 2010, relapse in 2023": last active then; goes on? not said
            came = course.recurred_months
            when = came if when is None or came is None else min(when, came)
            own, current, dated = came, None, came is not None
        evidence = clause_evidence(written)
        # a denial covers only the time its clause names ("no active cancer": now; "no asthma in the past year")
        covers = denial_covers(clause.text, habit=is_habit(m.codes)) if denied else None
        detail: dict[str, object] = {"codes": list(m.codes), "words": m.text}
        why = defined.get(m) if defined else None
        if why:
            detail["why"] = why
        if histology:
            detail["histology"] = list(histology)  # "small cell lung cancer": C34, of one histology
        if not denied:
            placed = 0.0 if now else own if own is not None else when if alone else None
            if placed is None and why and current and when is None:
                placed = 0.0  # "T 38.9, HR 124, RR 28": values of the visit, each placed now
            if dated:
                detail["began_months"] = placed  # when it began, not where the text places it
            elif placed is not None:
                detail["placed_months"] = placed
        lasting = None if denied or (ctx.historical and not ongoing) else lasted(dating, m.start, m.end, spans)
        if lasting is None and ongoing and when is not None and began:
            lasting = own if own is not None else when if alone else None  # "began two days earlier": since then
        if lasting is not None:
            detail["lasting_months"] = lasting  # "four days of cough", "cough for 2 days"
        profile.add(
            Fact(
                key=PREFIX + m.code,
                value=not denied,
                evidence=evidence,
                when_months=0.0 if current and when is None else when,
                current=current,
                covers_months=covers,
                detail=detail,
            )
        )


def _relatives_fact(
    profile: Profile, text: str, clause: Clause, m: icd.ConditionMention, denied: bool, around: tuple[int, int]
) -> None:
    """A `fam:CODE` fact for a condition the text gives a relative ("asthma in his father and sister",
    "denies a family history of heart disease"), with the degree of the relative (`degree`: 1 for a parent,
    sibling or child; None when only the family is named; `kinship.farthest`). The relatives are those
    named between it and the conditions before and after it in its clause, else anywhere before it in its
    clause; a spouse, friend or colleague is no relative, and gives no fact."""
    previous, following = around
    words = kin_in(text, max(clause.start, previous), m.start) + kin_in(text, m.end, min(clause.end, following))
    words = words or kin_in(text, clause.start, m.start)
    if not words:
        return
    profile.add(
        Fact(
            key=FAMILY + m.code,
            value=not denied,
            evidence=clause_evidence(clause),
            detail={"codes": list(m.codes), "words": m.text, "degree": farthest(words)},
        )
    )


def _a_kind_denied(text: str, m: icd.ConditionMention, floor: int, mentions: list[icd.ConditionMention]) -> bool:
    """Whether a denied mention read as a whole (a concept's `whole`, or a name ICD-10-CM files under its
    unspecified code, which stands for every kind: `is_kind`) is a kind of it the vocabulary cannot code,
    named by a word right before it: "no skin cancer", "no congenital heart disease", "no hemolytic
    anemia" deny neither every cancer, every heart disease nor every anemia."""
    if _whole_of_a_kind(text, m, floor):
        return True
    general = any(icd.kinds().is_general(c) for c in m.codes)
    return general and unread_kind(text, m.start, m.end, tuple(mentions), floor)


def _histology_is_the_code(m: icd.ConditionMention) -> bool:
    """Whether a mention names a histology its code stands for alone ("melanoma", C43): denied, it is denied
    whole; not "small cell lung cancer" (C34) nor "adenocarcinoma" (C80.1, any cancer)."""
    return is_the_name(m.text) and not icd.kinds().is_general(m.code)


def _whole_of_a_kind(text: str, m: icd.ConditionMention, floor: int) -> bool:
    """Whether a mention coded as a whole concept ("cancer", C80.1) stands in the text for a kind of it
    that the vocabulary cannot code ("skin cancer")."""
    return any(
        c.whole
        and all(any(icd.is_a(x, w) for w in c.whole) for x in m.codes)
        and c.kind_named_at(text, m.start, m.end, floor)
        for c in concepts()
    )


def diagnosed_then(text: str, clause: Clause, start: int, end: int) -> bool:
    """Whether a dated clause dates the diagnosis of the condition at [start, end) ("metastatic melanoma
    diagnosed last year", "diagnosed with type 2 diabetes 3 years ago", "SLE dx 2017"), so its time says
    when the condition began and nothing of whether it ended; not when the clause puts the condition in
    the past ("history of breast cancer diagnosed in 2015", "had pneumonia diagnosed in March") or its
    sentence says it ended ("diagnosed in 2019, now in remission")."""
    before, after = text[clause.start : start], text[end : clause.end]
    if not (cue("context", "diagnosed_before").search(before) or cue("context", "diagnosed_after").match(after)):
        return False
    # the words before it, and after it up to a comma: "had 4 cycles of chemotherapy" after one is the
    # chemotherapy's, not the myeloma's
    own = before + up_to_comma(after)
    if cue("context", "over").search(own):
        return False
    return (
        cue("context", "resolved").search(text, clause.start, sentence_end(text, end, through_semicolons=True)) is None
    )


def at_the_visit(text: str, clause: Clause, start: int, when: float | None, historical: bool) -> bool:
    """Whether the mention is what the person comes with to the visit the note describes: current. So
    is what follows the visit's words in a narrative's past ("came to the clinic with cough that was not
    relieved", "was referred to the emergency department with abdominal pain") when no history word
    stands between them and the clause does not place the visit before today ("was admitted last week
    with hypercalcemia" is an earlier stay)."""
    visit = cue("context", "encounter").search(clause.text)
    if visit is None:
        return False
    if not historical:
        return True
    after = clause.start + visit.end()
    if after > start or cue("context", "over").search(text, after, start):
        return False
    return when is None or when <= _VISIT_MONTHS


def had_so_long(text: str, clause: Clause, start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """Whether the clause says the person has had the condition for a while, up to now ("has had type 1
    diabetes for 11 years", "has been suffering from migraines for 3 years")."""
    lead = cue("context", "had_so_long").search(text, clause.start, start)
    return (
        lead is not None
        and not cue("context", "over").search(text, lead.end(), start)
        and bool(lasted(text, start, end, spans))
    )


def _began(text: str, clause: Clause, start: int, end: int, following: int) -> bool:
    """Whether the words right after a condition say when it began, and the rest of its sentence does not
    say it ended ("dysphagia that began several months ago"); not when its clause calls it history
    ("history of migraine that began in 2003"); a word about another condition named after it is that one's."""
    after = text[end : min(clause.end, following)]
    if not cue("context", "onset").search(after):
        return False
    if cue("context", "past_event").search(text, max(clause.start, start - 25), start):
        return False  # the words right before it call it history
    return cue("context", "resolved").search(text, end, sentence_end(text, end, through_semicolons=True)) is None


@lru_cache(maxsize=65536)
def under(code: str, ancestor: str) -> bool:
    """`code` is `ancestor` or lies under it (a block such as E08-E13 included), or is a kind of the
    condition an unspecified code names ("paroxysmal atrial fibrillation" of "atrial fibrillation")."""
    return code == ancestor or icd.is_kind(code, ancestor)


@lru_cache(maxsize=65536)
def related(code: str, other: str) -> bool:
    """One code lies under the other (either way)."""
    return under(code, other) or under(other, code)


def facts_under(
    profile: Profile, codes: Iterable[str], prefix: str = PREFIX
) -> tuple[list[Fact], list[Fact], list[Fact]]:
    """The person's coded facts for these codes: (cases of them, denials that cover them, other
    mentions of related codes that settle nothing). With `prefix` FAMILY, their relatives' facts."""
    codes = tuple(codes)
    memo_key = (prefix, codes)
    known = profile.derived.get(memo_key)
    if known is None:
        known = profile.derived[memo_key] = _facts_under(profile, codes, prefix)
    return known  # type: ignore[return-value]


def _facts_under(profile: Profile, codes: tuple[str, ...], prefix: str) -> tuple[list[Fact], list[Fact], list[Fact]]:
    cases: list[Fact] = []
    denials: list[Fact] = []
    others: list[Fact] = []
    for key in profile.keys_with_prefix(prefix):
        own = key[len(prefix) :]
        for fact in profile.facts[key]:
            if fact.value and any(under(own, c) for c in codes):
                cases.append(fact)
            elif not fact.value and any(under(c, own) for c in codes):
                denials.append(fact)
            elif any(related(own, c) for c in codes):
                others.append(fact)
    return cases, denials, others


def criterion_codes(text: str, *, beside_age: bool = False) -> tuple[list[str], list[str]]:
    """(codes that settle the criterion, codes it names): the first only when the criterion names
    nothing but conditions ("Patients with cough or shortness of breath"), or, `beside_age`, conditions
    and an age or sex limit ("Patients aged 18-90 presenting with dysphagia"); what a longer criterion
    names ("stroke within the previous 60 days") only speaks to it (see `criterion_window`)."""
    codes, names, _ = _coded(text, beside_age=beside_age)
    return codes, names


def criterion_histology(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """The histology a criterion gives each condition it names, as (code, groups) for those it gives one
    ("Small cell lung cancer": C34 and small_cell; "Adenocarcinoma of the esophagus": C15 and
    adenocarcinoma)."""
    named = _named(text)
    found = [(m.code, named_at(text, m.start, m.end, named[i - 1].end if i else 0)) for i, m in enumerate(named)]
    return found if any(groups for _, groups in found) else []


def criterion_narrowing(text: str) -> list[tuple[str, str]]:
    """The narrowing a criterion gives each condition it names, as (code, group of readings.toml
    [narrowing]) ("Uncontrolled hypertension": I10 and uncontrolled; "cryptogenic stroke": I63.9 and
    essential): a case must say the same."""
    return [(m.code, group) for m in _named(text) for group, _ in narrowing_before(text, m.start)]


def criterion_window(text: str) -> tuple[list[str], float] | None:
    """The codes that settle a criterion naming nothing but conditions and a look-back window ("Onset
    of stroke or TIA symptoms within the previous 60 days"), with the window in months; else None."""
    codes, _, found = _coded(text, _window)
    return (codes, found.months) if codes and found is not None else None


def criterion_lasting(text: str) -> tuple[list[str], float, bool] | None:
    """The codes that settle a criterion naming nothing but conditions and how long they have lasted at
    least ("patients have fever more than one week"), with that time in months and whether exactly it
    falls short ("more than"); else None."""
    codes, _, found = _coded(text, _least)
    return (codes, found.months, found.exclusive) if codes and found is not None else None


@dataclass(frozen=True)
class _Time:
    """A time a criterion states beside its conditions: in months, where, and (a least time) whether
    exactly it falls short."""

    months: float
    span: tuple[int, int]
    exclusive: bool = False


@lru_cache(maxsize=4096)
def _named(text: str) -> tuple[icd.ConditionMention, ...]:
    """The conditions a criterion names (read once for its several readings); not one inside the name of
    a standard beside another ("diabetes" in "type 2 diabetes diagnosed by American Diabetes Association
    criteria"), while "meeting Rome III criteria for IBS-C" still names IBS-C."""
    mentions = icd.conditions_in(text)
    outside = [m for m in mentions if not any(a <= m.start and m.end <= b for a, b in _standards(text))]
    return tuple(outside or mentions)


def _window(text: str) -> _Time | None:
    found = window_match(text)
    if found is None:
        now = cue("time", "window_now").search(text)  # "Fever at screening": now, a window of no length
        return None if now is None else _Time(0.0, now.span())
    return _Time(found[0], found[1])


def _least(text: str) -> _Time | None:
    found = minimum_lasting(text)
    return None if found is None else _Time(found[0], found[2], found[1])


def _coded(
    text: str, time: Callable[[str], _Time | None] | None = None, *, beside_age: bool = False
) -> tuple[list[str], list[str], _Time | None]:
    names, blanked = _blanked(text)
    if not names:
        return [], [], None
    found = None
    if time is not None:
        found = time(blanked)
        if found is None:
            return [], names, None
        a, b = found.span
        blanked = blanked[:a] + " " * (b - a) + blanked[b:]
    left = reading_pattern("coded", "filler").sub("", _demographic(blanked, beside_age))
    # several conditions settle it only as alternatives ("cough or shortness of breath") or examples
    # ("symptoms of OSA, including snoring and sleepiness"); "asthma and COPD", or a list that does not
    # say which, only speak to it
    alternatives = reading_pattern("alternatives", "either").search(blanked) is not None
    either = len(names) == 1 or (alternatives and reading_pattern("alternatives", "both").search(blanked) is None)
    either = either or gives_examples(text)
    if left and time is None and alternatives and _open_list(text, blanked, beside_age):
        return names, [], None
    return (names, [], found) if not left and either else ([], names, None)


# a condition's initials in brackets right after its name: "Hodgkin lymphoma (HD)", "(NHL)"
_SHORT = re.compile(r"\s*\(([A-Z][A-Z]{1,5})\)")


def _blanked(text: str) -> tuple[list[str], str]:
    """The codes a criterion names, and its text with their names blanked out (offsets kept)."""
    mentions = _named(text)
    rest = list(text)
    for i, m in enumerate(mentions):
        rest[m.start : m.end] = " " * (m.end - m.start)
        short = _SHORT.match(text, m.end)
        if short and short.group(1)[0].lower() == m.text[0].lower():
            rest[short.start() : short.end()] = " " * (short.end() - short.start())  # "Hodgkin lymphoma (HD)"
        for a, b in spans_at(text, m.start, m.end, mentions[i - 1].end if i else 0):  # "Non-squamous NSCLC"
            rest[a:b] = " " * (b - a)
        for _, (a, b) in narrowing_before(text, m.start):  # "cryptogenic stroke": a case must say so
            rest[a:b] = " " * (b - a)
        kinds = reading_pattern("coded", "subtypes").match(text, m.end)
        if kinds:  # "bipolar disorders (I, II, NOS)": any of its subtypes is the condition
            rest[kinds.start() : kinds.end()] = " " * (kinds.end() - kinds.start())
    return list(dict.fromkeys(m.code for m in mentions)), without_standard("".join(rest))


def without_standard(text: str) -> str:
    """The text with blanks for the named standards that define a diagnosis ("diagnosed with DSM-IV
    criteria", "according to the GOLD guidelines"; readings.toml [coded] diagnosed_by), offsets kept: a
    diagnosis the person's text names is taken to meet its standard."""
    for a, b in _standards(text):
        text = text[:a] + " " * (b - a) + text[b:]
    return text


def standard_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Where a criterion names standards of diagnosis ("as defined by DSM-IV criteria")."""
    return _standards(text)


@lru_cache(maxsize=4096)
def _standards(text: str) -> tuple[tuple[int, int], ...]:
    """Where a criterion names standards of diagnosis (read once for its several readings)."""
    return tuple(m.span() for m in reading_pattern("coded", "diagnosed_by").finditer(text))


def _open_list(text: str, blanked: str, beside_age: bool) -> bool:
    """Whether the words beside the named conditions are only more alternatives of their list ("presenting
    with dysphagia or food impaction"): every piece between the "or"s is filler with named conditions, or
    bare words with none and no qualifying word (readings.toml [alternatives]). A piece after a comma is
    part of its neighbour ("Asthma, mild or moderate": the severity is the asthma's)."""
    pieces, bare, named = 0, 0, 0
    for m in _pieces(blanked, text):
        pieces += 1
        piece = blanked[m[0] : m[1]]
        words = reading_pattern("coded", "filler").sub("", _demographic(piece, beside_age))
        has_name = piece.strip() != text[m[0] : m[1]].strip()
        if not words:
            named += has_name
            continue
        if has_name or reading_pattern("alternatives", "qualifier").search(_from_first_word(piece, beside_age)):
            return False  # "uncontrolled asthma", "food impaction requiring endoscopy"
        bare += 1
    return pieces > 1 and named > 0 and bare > 0


def open_list(text: str, *, beside_age: bool = False) -> bool:
    """Whether the conditions a criterion names leave others open: they are examples ("including ..."),
    or alternatives beside ones the vocabularies do not know ("dysphagia or food impaction"). A named
    one meets it; denying the named ones does not settle it."""
    return gives_examples(text) or _unknown_alternatives(text, beside_age)


def _unknown_alternatives(text: str, beside_age: bool) -> bool:
    names, blanked = _blanked(text)
    return bool(names) and _open_list(text, blanked, beside_age)


def _pieces(blanked: str, text: str) -> list[tuple[int, int]]:
    """Where the pieces between the list's "or"s lie (the same offsets in both texts). A comma does not
    divide it: "Asthma, mild or moderate persistent", "asthma or COPD, nonsmokers" qualify what they
    follow."""
    out, start = [], 0
    for m in reading_pattern("alternatives", "either").finditer(blanked):
        out.append((start, m.start()))
        start = m.end()
    out.append((start, len(blanked)))
    return [(a, b) for a, b in out if text[a:b].strip()]


def _from_first_word(piece: str, beside_age: bool) -> str:
    """A piece from its first word that is not filler on ("Patients aged 18-90 presenting with food
    impaction" -> "food impaction"): the unknown alternative and what follows it."""
    for m in re.finditer(r"[A-Za-z][\w'-]*", piece):
        if reading_pattern("coded", "filler").sub("", _demographic(m.group(0), beside_age)):
            return piece[m.start() :]
    return ""


def _demographic(piece: str, beside_age: bool) -> str:
    return reading_pattern("demographics", "filler").sub(" ", piece) if beside_age else piece


def asks_the_past(text: str) -> bool:
    """Whether the criterion asks about the person's past ("History of stroke", "Prior MI")."""
    return reading_pattern("coded", "ever").search(text) is not None


def gives_examples(text: str) -> bool:
    """Whether the criterion gives the conditions it names as examples: after "including", "such as"
    ([alternatives] examples), or listed after a condition and a colon ("pelvic congestion:
    dysmenorrhea, dyspareunia, chronic pelvic pain"). Any one meets it, and denying those named
    leaves others open."""
    if reading_pattern("alternatives", "examples").search(text):
        return True
    mentions = _named(text)
    return any(text[m.end :].lstrip().startswith(":") and any(o.start > m.end for o in mentions) for m in mentions)


@cache
def _concept_refs(key: str) -> tuple[str, ...]:
    return next((c.icd10cm for c in concepts() if c.key == key), ())


@lru_cache(maxsize=65536)
def _concepts_of(code: str) -> frozenset[str]:
    """The concepts of `eligibility/data/concepts.toml` a code is a case of (coded under their ICD-10-CM
    codes): once per code, not once per criterion."""
    placed = icd.Placed.of(code)
    return frozenset(
        c.key
        for c in concepts()
        if c.icd10cm
        and icd.references(c.icd10cm).holds(placed)
        and not (c.not_cases and icd.references(c.not_cases).holds(placed))
    )


def _by_concept(profile: Profile, concepts_of: Callable[[str], frozenset[str]]) -> dict[str, list[Fact]]:
    """The person's coded conditions (stated, not denied) under each concept `concepts_of` gives a code."""
    found: dict[str, list[Fact]] = {}
    for k in profile.keys_with_prefix(PREFIX):
        named = [f for f in profile.facts[k] if f.value]
        for concept in concepts_of(k[len(PREFIX) :]) if named else ():
            found.setdefault(concept, []).extend(named)
    return found


def _cases_by_concept(profile: Profile) -> dict[str, list[Fact]]:
    return _by_concept(profile, _concepts_of)


_CASES = View("coded conditions by concept", _cases_by_concept)


@lru_cache(maxsize=65536)
def _not_cases_of(code: str) -> frozenset[str]:
    """The concepts whose range holds a code that is no case of them (F12.9 "cannabis use")."""
    placed = icd.Placed.of(code)
    return frozenset(c.key for c in concepts() if c.not_cases and icd.references(c.not_cases).holds(placed))


def _near_by_concept(profile: Profile) -> dict[str, list[Fact]]:
    return _by_concept(profile, _not_cases_of)


_NEAR = View("coded conditions inside a concept's range that are no case of it", _near_by_concept)


def concept_cases(profile: Profile, key: str) -> list[Fact]:
    """The person's coded conditions that are cases of a concept: "glioblastoma" (C71) for "cancer"."""
    return profile.view(_CASES, key)


def concept_near(profile: Profile, key: str) -> list[Fact]:
    """The person's coded conditions inside a concept's range that its `not_cases` say are no case of it
    ("daily cannabis use" for substance abuse): they speak to it without settling it."""
    return profile.view(_NEAR, key)


def whole_case(fact: Fact, key: str) -> bool:
    """Whether a coded case names a concept as a whole, not one kind of it: coded under its `whole` ("smoked
    for 20 years", Z72.0, is smoking itself)."""
    known = concept_of(key)
    return known is not None and bool(known.whole) and any(under(fact.key.removeprefix(PREFIX), w) for w in known.whole)


def concept_denials(profile: Profile, key: str) -> list[Fact]:
    """The person's denials of a concept as a whole, by the codes that name all of it (its `whole`): "has
    never smoked" denies Z72.0, and so smoking. The one covering the longest time first (None: ever)."""
    denials = profile.view(_DENIALS, key)
    return sorted(denials, key=lambda f: float("-inf") if f.covers_months is None else -f.covers_months)


@lru_cache(maxsize=65536)
def _wholes_denied_by(code: str) -> frozenset[str]:
    """The concepts a denial of `code` denies as a whole: the code is one of their `whole` codes, or above it."""
    return frozenset(c.key for c in concepts() if any(under(w, code) for w in c.whole))


def _denials_by_concept(profile: Profile) -> dict[str, list[Fact]]:
    found: dict[str, list[Fact]] = {}
    for k in profile.keys_with_prefix(PREFIX):
        denied = [f for f in profile.facts[k] if not f.value]
        for concept in _wholes_denied_by(k[len(PREFIX) :]) if denied else ():
            found.setdefault(concept, []).extend(denied)
    return found


_DENIALS = View("coded denials of concepts as wholes", _denials_by_concept)


def concept_mentions(profile: Profile, key: str) -> list[Fact]:
    """Coded facts that speak to a concept of `eligibility/data/concepts.toml` (by its ICD-10-CM codes)
    without being read as it: "denies type 2 diabetes" for "diabetes"."""
    refs = _concept_refs(key)
    if not refs or not profile.keys_with_prefix(PREFIX):
        return []
    cases, denials, others = facts_under(profile, refs)
    return [*cases, *denials, *others]
