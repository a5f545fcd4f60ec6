"""Giving every compiled criterion its reading (see eligibility/reading.py).

A rule that uses every number, comparison and time span of its criterion is read as a rule. A rule
that leaves some unused is "partly understood": it is shown with the words it left out and it never
makes anyone eligible. The criterion is asked in its own words; only when the clauses the rule fully
understands already rule the patient out (a pregnant patient and "Pregnant, or unwilling to use
contraception during and 12 months after treatment") is that taken as the answer. A criterion no rule
reads is asked in its own words, or goes to the study team when it needs a test result, a document
or someone's judgement. Nothing decides on a guess.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace

from eligibility.assurances import assured
from eligibility.coded import (
    asks_the_past,
    criterion_codes,
    criterion_histology,
    criterion_lasting,
    criterion_narrowing,
    criterion_window,
    open_list,
    without_standard,
)
from eligibility.compiler import CompiledCriterion, compile_criterion
from eligibility.demographics import age_scope, another_age, beyond_demographics, demographic_only, limits_sex
from eligibility.fallback import (
    absence_named,
    ask_key,
    clause_bounds,
    is_alternative,
    question_for_text,
    reading_pattern,
    team_reason,
    worded_as_absence,
    worded_as_lack,
)
from eligibility.family import NOTHING, asked_of_relatives, joined, relatives, says_more, shared_with_person, without
from eligibility.kinds.base import grammar
from eligibility.kinds.conditions import concept_spans, denied_by_wholes, unasked_kinds
from eligibility.kinds.sex import KIND as SEX
from eligibility.quantities import Quantity, numbers_of, unused, unused_quantities
from eligibility.reading import Mode, Reading
from eligibility.rules import MET, NOT_MET, AgeScoped, AllOf, AnyOf, Ask, Not, Rule, SexScoped, widened
from eligibility.unread import Unread, glosses, unread, unread_names
from trialscreen.model import Criterion, Trial


def _asked(criterion: Criterion) -> str:
    """What the patient is asked: the criterion with its lead-in, in its own words."""
    return f"{criterion.context} {criterion.text}".strip() if criterion.context else criterion.text


def _without(text: str, left: list[Quantity]) -> str:
    """The text with every clause that holds one of the unused quantities taken out."""
    cuts = clause_bounds(text)
    spans = left
    keep = []
    for a, b in itertools.pairwise(cuts):
        if not any(a <= q.start < b or a < q.end <= b for q in spans):
            keep.append(text[a:b])
    return " ".join("".join(keep).split())


def _understood(criterion: Criterion, left: list[Quantity], trial: Trial, named: set[str] | None) -> Rule | None:
    """The rule of the criterion's understood part, when that part is read completely."""
    reduced = _without(criterion.text, left)
    if not reduced or reduced == criterion.text:
        return None
    either = reading_pattern("alternatives", "either")
    alternatives = len(either.findall(criterion.text)) > len(either.findall(reduced))
    # "Serum creatinine <= 1.5 x ULN OR creatinine clearance >= 45": the "or" joining what was set aside
    # stays at the edge of what is left
    edges = " ".join(reduced.strip(" .;,").split()[:1] + reduced.strip(" .;,").split()[-1:])
    alternatives = alternatives or bool(either.search(edges))
    if criterion.kind == "inclusion" and alternatives:
        return None  # "men aged 55 or older or women aged 65 or older": what was set aside is an alternative
    scoped = reading_pattern("alternatives", "scoped_limit")
    if any(scoped.match(criterion.text, q.end) for q in left):
        return None  # "(<= 5 x ULN for patients with liver metastases)": another limit for some people
    part = compile_criterion(replace(criterion, text=reduced, warnings=[]), trial, named)
    if part.rule is None or part.team or unused(reduced, numbers_of(part.rule.to_dict())):
        return None
    return part.rule


def _scopes_the_rest(criterion: Criterion, left: list[Quantity], understood: Rule) -> bool:
    """Whether the understood part of an exclusion is an age or sex that the rest is said of ("Postmenopausal
    women (as defined above) and less than 55 years of age with a negative pregnancy test", "Women >2 years
    postmenopausal ... AND more than 55 years of age"): not an alternative that excludes on its own, but a
    condition of the rest; a person outside it is not excluded."""
    if not demographic_only(understood):
        return False
    reduced = _without(criterion.text, left)
    either = reading_pattern("alternatives", "either")
    if len(either.findall(criterion.text)) > len(either.findall(reduced)):
        return False  # "Age over 75 years, or 2 to 4 weeks after surgery": what was set aside is an alternative
    both = reading_pattern("alternatives", "both")
    edges = reduced.strip(" .;,")
    joined = both.match(edges) is not None or both.search(edges.split()[-1] if edges.split() else "") is not None
    return bool(beyond_demographics(reduced, understood)) or joined


def _clause_of(text: str, start: int) -> str:
    cuts = clause_bounds(text)
    for a, b in itertools.pairwise(cuts):
        if a <= start < b:
            return text[a:b]
    return text


def _widest(
    criterion: Criterion, cc: CompiledCriterion, left: list[Quantity], trial: Trial | None, named: set[str] | None
) -> Rule | None:
    """For an exclusion, the rule widened to everything it names, when every unused quantity qualifies
    something the rule already names (its clause names nothing else and needs no test result)."""
    if criterion.kind != "exclusion" or cc.rule is None or trial is None:
        return None
    wide = widened(cc.rule)
    if wide is None:
        return None
    keys = cc.rule.names()
    for q in left:
        clause = _clause_of(criterion.text, q.start)
        if team_reason(clause) is not None:
            return None
        alone = compile_criterion(replace(criterion, text=clause, context="", warnings=[]), trial, named)
        if alone.team or (alone.rule is not None and not alone.rule.names() <= keys):
            return None
    return wide


def _unread_alternatives(criterion: Criterion, rule: Rule, left: Unread) -> tuple[str, ...]:
    """The alternatives a rule of named conditions leaves unread, where not having the conditions would
    clear the criterion: an exclusion ("hypertension or recent surgery"), or an inclusion worded as an
    absence ("No renal or hepatic disease"). Qualifiers the rule leaves unread ("uncontrolled
    hypertension") only make it stricter than the criterion, never clear it, and are kept."""
    absence = isinstance(rule, Not)
    if (criterion.kind == "exclusion") == absence or criterion.field:
        return ()
    return left.alternatives


def _more_alternatives(criterion: Criterion, rule: Rule, left: Unread) -> tuple[str, ...]:
    """The alternatives a rule of named conditions leaves unread in an inclusion that asks for having one
    of them ("diabetes, smoking habit or obesity"): having a condition read meets it, not having them does
    not settle it (the mirror of `_unread_alternatives`)."""
    if criterion.kind != "inclusion" or isinstance(rule, Not) or criterion.field:
        return ()
    return left.alternatives


def _asks_one_of(criterion: Criterion, rule: Rule) -> bool:
    """Whether an inclusion asks for one of the things it lists ("one or more risk factors, such as ...",
    readings.toml [alternatives] one_of), so that having any of them read meets it."""
    if criterion.kind != "inclusion" or criterion.field or isinstance(rule, Not):
        return False
    return reading_pattern("alternatives", "one_of").search(criterion.text) is not None


def _unread_qualifiers(criterion: Criterion, rule: Rule, left: Unread) -> tuple[str, ...]:
    """The words beside a named condition a rule of named conditions leaves unread, where having the
    conditions is not enough to meet the criterion ("glioblastoma ... transmural penetration of tumor",
    "psychiatric illness that might interfere with participation"). Not for an inclusion worded as an
    absence ("No uncontrolled hypertension"), whose rule only errs towards ruling the patient out; but for an
    exclusion worded as a lack ("Absence of histologically proven cancer") it would err the other way."""
    if (isinstance(rule, Not) and criterion.kind == "inclusion") or criterion.field:
        return ()
    # the reasons an exclusion gives narrow nothing ("Mental disorder ... that could interfere with the ability
    # to comply"): the study team judges them, and the rule of the conditions named keeps ruling out
    return left.narrowing if criterion.kind == "exclusion" else left.qualifiers


def _unread_kinds(criterion: Criterion, used: list[tuple[int, int]]) -> list[str]:
    """The kinds of concepts a criterion names and its rule does not read ("type 2 diabetes" beside an
    HbA1c limit): the rule asks of the concepts as wholes (`Concept.asked`), so it cannot answer these."""
    text = criterion.text
    read = [*used, *glosses(text, concept_spans(text))]
    return [" ".join(text[a:b].split()) for a, b in unasked_kinds(text) if not any(x <= a and b <= y for x, y in read)]


def _kind_at_any_time(text: str) -> bool:
    """Whether a criterion names a kind of a concept ("Common Variable Immunodeficiency", a primary
    immunodeficiency) without saying active or current: the concept's own rule would take a case at any
    time, and so does the kind's."""
    return bool(unasked_kinds(text)) and grammar().patterns["conditions"]["active"].search(text) is None


def _absent(rule: Rule) -> Rule:
    """An inclusion worded as an absence: the patient must have none of what the rule names. A rule the
    recognisers already negated ("Negative pregnancy test" -> not pregnant) is kept as it is."""
    if isinstance(rule, Not) or (isinstance(rule, AllOf | AnyOf) and any(isinstance(r, Not) for r in rule.rules)):
        return rule
    if isinstance(rule, AllOf):
        return Not(AnyOf(list(rule.rules)))
    return Not(rule)


def interpret(
    criterion: Criterion, cc: CompiledCriterion, trial: Trial | None = None, named: set[str] | None = None
) -> CompiledCriterion:
    """Sets `cc.reading` (and, for what the rules cannot decide, a question or the study team); an
    exclusion about people of one sex does not apply to the other."""
    about = [] if criterion.field or cc.team or cc.reading is not None else relatives(criterion.text)
    if about and trial is not None:
        cc = _about_relatives(criterion, cc, about, trial, named)
    else:
        cc = _interpret(criterion, cc, trial, named)
    if criterion.kind == "exclusion" and cc.rule is not None and not cc.team and not criterion.field:
        sex = SEX.scope(criterion.text)
        if sex is not None and isinstance(cc.rule, Ask):
            cc.rule = replace(cc.rule, only_sex=sex)
        elif sex is not None and not isinstance(cc.rule, SexScoped):
            cc.rule = SexScoped(allowed=sex, rule=cc.rule)
    if cc.rule is not None and not cc.team and not criterion.field and not isinstance(cc.rule, AgeScoped):
        scope = age_scope(criterion.text, cc.rule)
        if scope is not None:  # "Age 12-17: BMI >= 95th percentile": not about a person of another age
            cc.rule = AgeScoped(scope=scope, rule=cc.rule)
            if cc.reading is not None:
                cc.reading = replace(cc.reading, words=f"for people of {scope.describe()}: {cc.reading.words}")
    return cc


def _partly(
    criterion: Criterion,
    cc: CompiledCriterion,
    text: str,
    unread: tuple[str, ...],
    verb: str,
    understood: Rule | None,
    widest: Rule | None = None,
    codes: list[str] | None = None,
    mode: Mode = Mode.PARTLY,
    mentions: list[str] | None = None,
) -> CompiledCriterion:
    """A criterion whose rule leaves some of its words (`unread`: numbers not used, words not read) aside:
    asked as it stands, and only the understood part's ruling-out outcome is taken from the rule. With
    every number used and only alternatives left unread, it is a question (`mode`) whose named part can
    rule the patient out on its own."""
    assert cc.rule is not None
    partial = cc.rule.describe()
    if isinstance(cc.rule, Ask) and cc.rule.codes:  # the person's part of a criterion, by its conditions' codes
        partial = " ".join(re.sub(r"\s*,(?:\s*,)+", ",", cc.rule.label).split()).strip(" ,.;")
    missing = ", ".join(f"'{u}'" for u in unread)
    question = question_for_text(text)
    if mode == Mode.QUESTION:
        cc.warnings.append(f"{missing} not {verb} by the rule ({partial}): asked as it stands")
        alone = f"; {partial} rules the patient out on its own" if understood is not None else f" ({partial} read)"
        words = f"asked as it stands: {question}{alone} ({missing} not {verb})"
        cc.reading = Reading(Mode.QUESTION, words, cc.rule.logic(), question=question)
    else:
        cc.warnings.append(f"partly understood: {missing} not {verb} by the rule ({partial})")
        words = f"{partial}; partly understood: {missing} not {verb}, so it is asked as it stands"
        cc.reading = Reading(Mode.PARTLY, words, cc.rule.logic(), unused=unread, question=question)
    named, names = criterion_codes(text)
    cc.rule = Ask(
        key=ask_key(text),
        question=question,
        label=criterion.text,
        codes=codes or [],
        understood=understood,
        rules_out=str(MET if criterion.kind == "exclusion" else NOT_MET) if understood else "",
        partial=cc.rule,
        alternative=criterion.kind == "inclusion" and is_alternative(criterion.context),
        widest=widest,
        examples=bool(codes) and open_list(text, beside_age=True),
        mentions=(names or named) if mentions is None else mentions,
        histology=criterion_histology(text) if codes else [],
        narrowed=criterion_narrowing(text) if codes else [],
    )
    return cc


def _one_of(
    criterion: Criterion, cc: CompiledCriterion, text: str, unread: tuple[str, ...], named: bool
) -> CompiledCriterion:
    """An inclusion whose rule reads some of its alternatives: asked as it stands, met when the rule is
    (having one of them meets it), never ruled out by it (another may hold). When it asks for one of what it
    lists ("one or more risk factors, such as diabetes, ischemic heart disease or obesity (BMI>25)",
    `named`), a case the text states of another condition it names meets it too."""
    codes = criterion_codes(criterion.text)[1] if named else []
    asked = _partly(criterion, cc, text, unread, "read", understood=None, codes=codes, mode=Mode.QUESTION)
    if isinstance(asked.rule, Ask):
        asked.rule = replace(asked.rule, meets=True, examples=named, more_alternatives=True)
    return asked


def _asked_beside(
    criterion: Criterion, cc: CompiledCriterion, text: str, words: tuple[str, ...], *, alternatives: bool
) -> CompiledCriterion:
    """A criterion whose rule reads only part of it, beside kinds or names it leaves unread: an inclusion
    asking for one of its list is met by the rule (`_one_of`); otherwise it is asked as it stands, and the
    rule only rules out where not having the rest would clear it. `alternatives`: what is left names more
    alternatives, so the rule not applying to the person leaves them open."""
    if cc.rule is not None and _asks_one_of(criterion, cc.rule):
        return _one_of(criterion, cc, text, words, named=True)
    clears = (criterion.kind == "exclusion") != isinstance(cc.rule, Not)
    understood = cc.rule if clears else None
    asked = _partly(criterion, cc, text, words, "read", understood=understood, mode=Mode.QUESTION)
    if alternatives and isinstance(asked.rule, Ask):
        asked.rule = replace(asked.rule, more_alternatives=True)
    return asked


def _about_relatives(
    criterion: Criterion, cc: CompiledCriterion, about: list[tuple[int, int]], trial: Trial, named: set[str] | None
) -> CompiledCriterion:
    """A criterion that speaks of relatives ("Congenital long QT syndrome or first-degree relative with
    sudden death under 40"): asked as it stands. The person's own part, read without the words about
    relatives, can still rule them out: an exclusion whose parts are alternatives, or an inclusion whose
    parts are all required. What the person has or denies never answers the relatives' part."""
    text = _asked(criterion)
    family = tuple(" ".join(criterion.text[a:b].split()) for a, b in about)
    masked = without(criterion.text, about)
    shared = shared_with_person(criterion.text, about)  # "Personal or family history of MTC": theirs too
    own_text = criterion.text if shared else masked
    own = cc if shared else compile_criterion(replace(criterion, text=own_text, warnings=[]), trial, named)
    if own.team or (own.rule is None and team_reason(text) is not None):
        return _interpret(criterion, own, trial, named)
    if own.rule is None and criterion_codes(own_text)[0]:
        # the person's part names conditions by their codes only ("Glaucoma, ..., one-sided blindness"): what
        # the text states of them answers that part
        own = _interpret(replace(criterion, text=own_text, warnings=[]), own, trial, named)
    _, names = criterion_codes(masked)
    if own.rule is None:
        question = question_for_text(text)
        cc.warnings.append(f"about relatives, not the person: {'; '.join(family)}")
        # nothing of the person's is left ("Family history of breast cancer"): what the text says of the
        # person's relatives answers it
        asked = NOTHING if says_more(masked) else asked_of_relatives(criterion.text, about)
        cc.rule = Ask(
            key=ask_key(text),
            question=question,
            label=criterion.text,
            alternative=criterion.kind == "inclusion" and is_alternative(criterion.context),
            mentions=names,
            relatives=asked.codes,
            relatives_degree=asked.degree,
            relatives_met=asked.whole,
        )
        answered = ""
        if asked.codes:
            how = "answers it" if cc.rule.relatives_met else "answers it only when it denies them"
            answered = f"; what the text says of the relatives' conditions {how}"
        words = f"asked as it stands: {question} (about relatives: {'; '.join(family)}{answered})"
        cc.reading = Reading(Mode.QUESTION, words, question=question)
        return cc
    if criterion.kind == "inclusion" and worded_as_absence(criterion.text):
        own.rule = _absent(own.rule)  # "No diabetes and no family history of it"
    complete = not unused_quantities(own_text, numbers_of(own.rule.to_dict()), own.used)
    # an exclusion's parts are alternatives ("Glaucoma, family history of glaucoma"), so the person's part
    # can exclude them; joined as both required ("diabetes and a family history of ..."), not having it
    # clears the exclusion instead. An inclusion's parts are all required unless it says "or".
    if criterion.kind == "exclusion":
        both = joined(criterion.text, about)
        decides = not both
    else:
        both, decides = False, not reading_pattern("alternatives", "either").search(criterion.text)
    understood = own.rule if complete and decides else None
    widest = own.rule if complete and both else None
    read = "read as the person's own"
    cc = _partly(criterion, own, text, family, read, understood, widest, mode=Mode.QUESTION, mentions=names)
    asked = asked_of_relatives(criterion.text, about)
    if asked.codes and isinstance(cc.rule, Ask):
        # the relatives' part is another alternative ("glaucoma or a family history of glaucoma"): a relative's
        # case meets it; joined to the person's as both required, only a denial of it settles it
        alternatives = not both and (criterion.kind == "exclusion" or not decides)
        cc.rule = replace(
            cc.rule,
            relatives=asked.codes,
            relatives_degree=asked.degree,
            relatives_met=alternatives and asked.whole,
            relatives_denial=not alternatives,
        )
    return cc


def _interpret(
    criterion: Criterion, cc: CompiledCriterion, trial: Trial | None = None, named: set[str] | None = None
) -> CompiledCriterion:
    if cc.reading is not None:
        return cc
    if cc.team:
        cc.reading = Reading(Mode.TEAM, cc.note or "the study team checks this one")
        cc.rule = cc.rule or assured(criterion.text, criterion.kind)
        return cc
    text = _asked(criterion)
    if cc.rule is not None and criterion.kind == "inclusion" and worded_as_absence(criterion.text):
        cc.rule = _absent(cc.rule)
    lack = worded_as_lack(criterion.text) if criterion.kind == "exclusion" else None
    if cc.rule is not None and lack is not None:
        cc.rule = _absent(cc.rule)  # "Patients without diabetes": excluded for not having it
        cc.used = sorted([*cc.used, lack])
    demographic = cc.rule is not None and criterion.kind == "inclusion" and not criterion.field
    if demographic and cc.rule is not None and another_age(beyond_demographics(criterion.text, cc.rule)):
        cc.rule = None  # "Under 16 years of age at onset": not the person's age now; asked as it stands
    if cc.rule is not None:
        left = [] if criterion.field else unused_quantities(criterion.text, numbers_of(cc.rule.to_dict()), cc.used)
        extra = beyond_demographics(criterion.text, cc.rule) if demographic and not left else ""
        if demographic and not left and not extra and demographic_only(cc.rule) and not limits_sex(cc.rule):
            extra = SEX.sex_named(criterion.text)  # "Patients must be male and 18 or older": the sex is not read
        if extra:
            # "Patients aged 18-65 with plaque psoriasis": the age is read, the rest is not; meeting the age
            # must not meet the criterion, so it is asked, and only the age can rule the person out. When
            # the rest only names conditions, what the text states of them answers it with the age.
            beside, _ = criterion_codes(criterion.text, beside_age=True)
            if SEX.scope(criterion.text) is not None and not limits_sex(cc.rule):
                beside = []  # "Women aged 18-45 with asthma": the sex is not in the rule, so it is asked
            return _partly(criterion, cc, text, (extra,), "read", understood=cc.rule, codes=beside)
        kinds = [] if left or criterion.field else _unread_kinds(criterion, cc.used)
        if kinds:
            # "Type 2 diabetes, or HbA1c >= 6.5%": the rule reads the HbA1c, not the kind of diabetes; asked as
            # it stands, and the rule can only rule out where not having the rest would clear it
            return _asked_beside(criterion, cc, text, tuple(kinds), alternatives=False)
        if not left:
            # read once, for both; beside rules of other kinds only where one more alternative cannot clear it
            one_of = _asks_one_of(criterion, cc.rule)
            left_words = unread(criterion.text, cc.rule, cc.used, mixed=one_of)
            loose = _unread_alternatives(criterion, cc.rule, left_words)
            tight = _unread_qualifiers(criterion, cc.rule, left_words)
            if loose:
                # "Major surgery, traumatic injury, or peptic ulcer": a "no" to the conditions read does not
                # clear what the rule leaves unread; only what rules the patient out is taken from it, unless
                # words beside the conditions narrow them too ("Clinically fixed tumors ... adherent to the
                # pelvic sidewall or sacrum"): then neither is, and it is asked
                understood = None if tight else cc.rule
                words = (*tight, *loose)
                return _partly(criterion, cc, text, words, "read", understood=understood, mode=Mode.QUESTION)
            more = _more_alternatives(criterion, cc.rule, left_words)
            if more and tight:
                # words beside the conditions narrow them too: having one does not meet it
                return _partly(criterion, cc, text, (*tight, *more), "read", understood=None, mode=Mode.QUESTION)
            if more:
                # "Diabetes, lipid disorder or obesity": the conditions read are some of an inclusion's
                # alternatives; having one meets it, not having them leaves the rest asked
                return _one_of(criterion, cc, text, more, named=one_of)
            if tight:
                # "Histologically confirmed glioblastoma", "Not yet recovered from side effects of previous cancer
                # therapy": the criterion asks for less than the conditions read, so only not having them settles
                # it (an inclusion not met, an exclusion not met, and an exclusion worded as a lack, "Absence of
                # histologically proven cancer", met); a case of them is asked
                inclusion = criterion.kind == "inclusion" or isinstance(cc.rule, Not)
                understood, widest = (cc.rule, None) if inclusion else (None, cc.rule)
                return _partly(criterion, cc, text, tight, "read", understood, widest, mode=Mode.QUESTION)
            others = unread_names(criterion.text, cc.rule, cc.used)
            if others:
                # "Pregnant women or patients with HIV", "Relapsed or refractory AML": a rule of another kind
                # does not read the conditions named beside it; asked as it stands, and the rule only rules out
                # where not having the rest would clear it (as for the kinds above)
                return _asked_beside(criterion, cc, text, others, alternatives=True)
            cc.reading = Reading(Mode.RULE, cc.rule.describe(), cc.rule.logic())
            return cc
        understood = _understood(criterion, left, trial, named) if trial is not None else None
        widest = _widest(criterion, cc, left, trial, named)
        if understood is not None and criterion.kind == "exclusion" and _scopes_the_rest(criterion, left, understood):
            understood, widest = None, widest or understood
        others = unread_names(criterion.text, cc.rule, cc.used)
        if others:
            # "Another clinical trial within 30 days, or stroke within 6 months": the stroke is no part of what
            # the rule reads, so the rule not applying (a man, no other trial) says nothing of it
            widest = None
            if (criterion.kind == "exclusion") == isinstance(cc.rule, Not):
                understood = None
        asked = _partly(criterion, cc, text, (*others, *(q.text for q in left)), "used", understood, widest)
        if others and isinstance(asked.rule, Ask):
            asked.rule = replace(asked.rule, more_alternatives=True)
        return asked
    reason = team_reason(text)
    if reason is not None and criterion_codes(text)[0] and team_reason(without_standard(text)) is None:
        reason = None  # "bipolar disorder diagnosed with DSM-IV criteria": the named diagnosis answers it
    if reason is not None:
        cc.team, cc.note = True, reason
        cc.reading = Reading(Mode.TEAM, reason)
        cc.rule = assured(criterion.text, criterion.kind)
        return cc
    question = question_for_text(text)
    alternative = criterion.kind == "inclusion" and is_alternative(criterion.context)
    # "No esophageal varices", an exclusion's "Patients without SLE": the conditions it names, whose
    # absence it asks (what the text states of them answers it the other way round)
    lacked = absence_named(criterion.text, criterion.kind)
    body = text if lacked is None else lacked
    codes, names = criterion_codes(body)
    windowed = None if codes else criterion_window(body)
    lasting = None if codes or windowed else criterion_lasting(body)
    if windowed is not None:
        codes, names = windowed[0], []
    if lasting is not None:
        codes, names = lasting[0], []
    absent = lacked is not None and bool(codes)
    if lacked is not None and not codes:
        body = text
        codes, names = criterion_codes(text)  # asked as it stands, as before
    cc.rule = Ask(
        key=ask_key(text),
        question=question,
        label=criterion.text,
        alternative=alternative,
        codes=codes,
        within_months=windowed[1] if windowed else None,
        min_lasting_months=lasting[1] if lasting else None,
        lasting_exclusive=lasting[2] if lasting else False,
        examples=bool(codes) and open_list(text),
        ever=bool(codes) and (asks_the_past(text) or _kind_at_any_time(criterion.text)),
        mentions=names,
        widest=None if absent else denied_by_wholes(criterion.text, codes),
        histology=criterion_histology(body) if codes else [],
        narrowed=criterion_narrowing(body) if codes else [],
        absent=absent,
    )
    cc.reading = Reading(Mode.QUESTION, f"asked as it stands: {question}", question=question)
    return cc
