"""What a rule of named conditions leaves unread in its criterion.

The conditions kind reads the conditions a criterion names (concepts.toml) and the words that place or
limit them (a window, a class, exceptions). Any other word it does not read: "Uncontrolled hypertension"
is read as hypertension, and "Major surgery, traumatic injury or peptic ulcer" as peptic ulcer. Such a
rule must not decide what its words do not cover: the criterion is partly understood. Two kinds of
unread words differ in what the rule can still settle:

- a **qualifier** stands in a piece of the list beside a named condition ("uncontrolled hypertension"):
  the criterion asks for less than the condition, so not having the condition settles it, having it does
  not;
- an **alternative** stands in a piece of its own ("or recent surgery"): the criterion asks for more than
  the conditions, so having one settles it, not having them does not.

The words that only say how or when a condition is known ("known", "positive test for", "within 6 months
prior to enrolment") are filler ([coded] filler in readings.toml, [conditions] known_by in kinds.toml).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from eligibility.clause_ends import clause_end, examples_in, sentence_end
from eligibility.coded import standard_spans
from eligibility.concepts import concept
from eligibility.fallback import reading_pattern, readings
from eligibility.family import without
from eligibility.findings import defined_by
from eligibility.kinds.base import grammar
from eligibility.kinds.conditions import asked_spans, concept_spans, exception_patterns
from eligibility.narrowing import narrowing_read
from eligibility.quantities import quantities
from eligibility.rules import (
    Age,
    AgeScoped,
    Allergy,
    AllOf,
    AnyOf,
    Condition,
    Diagnosis,
    DoseCap,
    DrugCount,
    Measure,
    Not,
    Rule,
    SexScoped,
    Treatment,
)
from eligibility.timewords import window_match
from trialscreen.vocab import conditions as icd
from trialscreen.vocabulary import vocabulary

Span = tuple[int, int]
# a word of two letters or more that is not a roman numeral ("class III or IV", "hepatitis B or C")
_WORD = re.compile(r"\b(?![IVX]+\b)[A-Za-z][A-Za-z'-]*[A-Za-z]")
_PIECE = re.compile(r"[,;:/]|\.(?:\s|$)| [-\u2013] |\n|\(|\)")


@dataclass(frozen=True)
class Unread:
    """The words of a criterion its condition rule does not read: beside a named condition
    (`qualifiers`) or in pieces of their own (`alternatives`)."""

    qualifiers: tuple[str, ...] = ()
    alternatives: tuple[str, ...] = ()
    # the qualifiers that narrow what the criterion asks for: not the reasons it gives for excluding ("...
    # that could interfere with the ability to comply"), nor beside a condition the criterion also names bare
    # ("Cancer or history of cancer cured for less than five years")
    narrowing: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.qualifiers or self.alternatives)


def condition_leaves(rule: Rule) -> list[Condition] | None:
    """The conditions a rule is made of, or None when it holds anything else (a measurement, a drug)."""
    if isinstance(rule, Condition):
        return [rule]
    if isinstance(rule, AnyOf | AllOf):
        out: list[Condition] = []
        for part in rule.rules:
            leaves = condition_leaves(part)
            if leaves is None:
                return None
            out += leaves
        return out
    if isinstance(rule, Not | SexScoped | AgeScoped):
        return condition_leaves(rule.rule)
    return None


def _pattern(name: str) -> re.Pattern[str]:
    return grammar().patterns["conditions"][name]


def _pattern_any(text: str, *names: str) -> bool:
    """Whether the text holds a list word of readings.toml [alternatives] ("or", "and")."""
    return any(reading_pattern("alternatives", name).search(text) for name in names)


def unread(text: str, rule: Rule, used: Iterable[Span] = (), mixed: bool = False) -> Unread:
    """The words of `text` a rule of named conditions leaves unread (nothing for any other rule). With
    `mixed`, the list may hold rules of other kinds beside the conditions ("one or more risk factors: diabetes,
    smoking habit or obesity (BMI>25)"): the pieces of the list those read are read, and so is the name a
    bracketed limit right after it defines ("obesity (BMI>25)"). The other kinds mark only some of the words
    they read, so this errs towards finding more alternatives: only for a criterion where one more
    alternative can only leave it asked instead of ruled out."""
    leaves = condition_leaves(rule)
    used = list(used)
    others: list[Span] = []
    if leaves is None and mixed:
        leaves = _mixed_condition_leaves(rule)
        others = _pieces_read(text, used)
    if not leaves:
        return Unread()
    names = concept_spans(text)
    # a name read to its word's ends ("transplant|ation", "thromboembol|ic"), and what the rule's narrowing reads
    read: list[Span] = [*used, *others, *(_word_of(text, a, b) for a, b in names), *glosses(text, names)]
    read += [span for leaf in leaves for span in narrowing_read(text, leaf.narrowed)]
    read += standard_spans(text)  # "schizophrenia as defined by DSM-IV criteria": a case named meets it
    for name in ("active", "class", "known_by", "requiring"):
        read += [m.span() for m in _pattern(name).finditer(text)]
    window = window_match(text)
    if window is not None:
        read.append(window[1])
    excepted = _pattern("except").search(text) or _pattern("unless").search(text)
    exceptions = [] if excepted is None else [(excepted.start(), clause_end(text, excepted.end()))]
    if excepted and any(leaf.exceptions for leaf in leaves):
        # the allowed exceptions: the kind reads them, and the kinds of cancer it knows wherever they stand in
        # the sentence ("except basal cell carcinoma or carcinoma in situ of the uterine cervix")
        read += exceptions
        read += [_word_of(text, *span) for span in _exceptions_named(text, excepted.start())]
    read += [(m.start(), sentence_end(text, m.start() + 1)) for m in _pattern("note").finditer(text)]
    blanked = without(text, read)
    filler = reading_pattern("coded", "filler")
    # exceptions the rule does not read ("unless stable for 6 months") only make it stricter: qualifiers
    qualifying = _qualifying(text, blanked, filler) + _complements(text, names) + exceptions
    outside = without(blanked, qualifying)
    # a condition named inside an exception ("infection other than HIV") does not name its piece
    own = [(a, b) for a, b in names if not any(x <= a < y for x, y in exceptions)]
    qualifiers: list[str] = []
    narrowing: list[str] = []
    alternatives: list[str] = []
    coded = [(m.start, m.end) for m in icd.conditions_in(text)]
    reasons = without(blanked, [span for span in qualifying if _pattern("reason").search(text, *span)])
    bare = _bare_concepts(text, blanked, filler)
    what = _pattern("beside")
    for start, end in _pieces(blanked):
        beside = any(start <= a < end or start < b <= end for a, b in own)
        named = not beside and any(start <= a < end for a, _ in coded)
        # "active infection (hepatitis B or C, HIV or tuberculosis)": the brackets say which
        specified = not beside and not named and _specified(text, end, own)
        piece = what.sub(" ", blanked[start:end]) if beside or specified else blanked[start:end]
        left = _words(piece, filler)
        if not left:
            continue
        free = _words(outside[start:end], filler)  # the words outside qualifying clauses and exceptions
        if named:
            free = left  # a condition ICD-10-CM names ("..., Guillain-Barre syndrome, or seizures") is one more
        elif specified:
            free = ""
        if beside or not free or _pattern("modifiers").search(free):
            qualifiers.append(left)
            piece = what.sub(" ", reasons[start:end]) if beside or specified else reasons[start:end]
            if _words(piece, filler) and not _concepts_in(text, start, end) <= bare:
                narrowing.append(_words(piece, filler))
        elif not (qualifying and _pattern("catch_all").search(free)):
            alternatives.append(free)
    return Unread(tuple(qualifiers), tuple(alternatives), tuple(narrowing))


def _concepts_in(text: str, start: int, end: int) -> set[str]:
    """The concepts the criterion asks about that are named in [start, end)."""
    return {key for key, spans in asked_spans(text) if any(start <= a < end for a, _ in spans)}


def _bare_concepts(text: str, blanked: str, filler: re.Pattern[str]) -> set[str]:
    """The concepts named in a piece of the list with no other word ("Cancer or history of cancer cured for
    less than five years"): a narrower mention of one beside it asks nothing more."""
    what = _pattern("beside")
    return {
        key
        for start, end in _pieces(blanked)
        if not _words(what.sub(" ", blanked[start:end]), filler)
        for key in _concepts_in(text, start, end)
    }


def _word_of(text: str, start: int, end: int) -> Span:
    """The span [start, end) widened to the ends of the words it begins and ends in."""
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    while end < len(text) and text[end].isalpha():
        end += 1
    return start, end


def _exceptions_named(text: str, start: int) -> list[Span]:
    """Where the kinds of cancer the conditions kind reads as exceptions are named after `start`, to the
    sentence's end."""
    end = sentence_end(text, start + 1)
    return [m.span() for p in exception_patterns().values() for m in p.finditer(text, start, end)]


def _specified(text: str, end: int, names: list[Span]) -> bool:
    """Whether brackets right after a piece name the conditions it means, not as examples."""
    m = re.match(r"\s*\(", text[end:])
    if m is None:
        return False
    close = text.find(")", end + m.end())
    close = len(text) if close < 0 else close
    inside = text[end + m.end() : close]
    return any(end <= a < close for a, _ in names) and not reading_pattern("alternatives", "examples").search(inside)


def _words(piece: str, filler: re.Pattern[str]) -> str:
    return " ".join(w.group(0) for w in _WORD.finditer(filler.sub(" ", piece)))


def glosses(text: str, names: list[Span]) -> list[Span]:
    """What explains or exemplifies a named condition, and so is read with it: brackets right after the
    name ("organ transplant (e.g., heart, lung, kidney)"), or examples after it ("chronic infection such
    as tuberculosis or pneumocystis"), up to the bracket's or the sentence's end."""
    filler = reading_pattern("coded", "filler")
    examples = reading_pattern("alternatives", "examples")
    out: list[Span] = []
    for _, b in names:
        after = text[b:]
        m = re.match(r"\s*\(", after)
        if m is not None:
            close = after.find(")", m.end())
            out.append((b, clause_end(text, b) if close < 0 else b + close + 1))
            continue
        ex = examples.search(after)
        between = after[: ex.start()] if ex is not None else ""
        another = _pattern_any(between, "either", "both") or re.search(r"[,;]", between)
        if ex is None or another or filler.sub("", _pattern("known_by").sub("", between)).strip():
            continue  # other words, or another item ("or other conditions"), before "such as": not its examples
        out.append((b, clause_end(text, b + ex.end(), within_list=True)))
    return out


def _complements(text: str, names: list[Span]) -> list[Span]:
    """What the named conditions are to ("reaction to contrast agents, murine proteins or antibodies"), up
    to the sentence's end."""
    complement = _pattern("complement")
    return [(b, sentence_end(text, b)) for _, b in names if complement.search(text[b:])]


def _qualifying(text: str, blanked: str, filler: re.Pattern[str]) -> list[Span]:
    """Where clauses that qualify what comes before them run ("that could interfere with ..."): from
    their first word to the sentence's end; only after some word of substance in the sentence ("Patients
    who have had ..." begins with none)."""
    out: list[Span] = []
    for m in _pattern("qualifying").finditer(blanked):
        if out and m.start() < out[-1][1]:
            continue
        begin = max(blanked.rfind(".", 0, m.start()), blanked.rfind(";", 0, m.start())) + 1
        if re.search(r"[A-Za-z]", filler.sub(" ", text[begin : m.start()])):
            out.append((m.start(), clause_end(blanked, m.end())))
    return out


def _mixed_condition_leaves(rule: Rule) -> list[Condition]:
    """The conditions of a list whose other items are rules of other kinds ("BMI > 25 or diabetes"): the
    top list's items that are conditions only, or nothing when it is no such list."""
    if not isinstance(rule, AnyOf | AllOf):
        return []
    out: list[Condition] = []
    for part in rule.rules:
        out += condition_leaves(part) or []
    return out


def _pieces_read(text: str, used: list[Span]) -> list[Span]:
    """The pieces of a list in which a rule of another kind reads something, and the piece right before a
    bracket that does ("obesity (BMI>25)", "anemia (hemoglobin < 10 g/dL)": the limit defines the name)."""
    pieces = _pieces(text)
    out: list[Span] = []
    for i, (start, end) in enumerate(pieces):
        if not any(start <= a < end or start < b <= end for a, b in used):
            continue
        out.append((start, end))
        if i and text[:start].rstrip().endswith("("):
            out.append(pieces[i - 1])
    return out


def _pieces(blanked: str) -> list[Span]:
    """The pieces of a list: between its "or"s, "and"s, commas, semicolons and brackets. Cutting finely errs
    safe: an unread word alone in its piece is taken for an alternative, which never clears a criterion."""
    words = [reading_pattern("alternatives", k) for k in ("either", "both")]
    gloss = _pattern("gloss_bracket")
    marks = [m for m in _PIECE.finditer(blanked) if m.group(0) != "(" or not gloss.match(blanked[m.end() :])]
    cuts = sorted([m.span() for w in words for m in w.finditer(blanked)] + [m.span() for m in marks])
    out, start = [], 0
    for a, b in cuts:
        out.append((start, a))
        start = b
    out.append((start, len(blanked)))
    return [(a, b) for a, b in out if b > a]


# -- conditions named beside a rule of another kind -------------------------------------------------


def unread_names(text: str, rule: Rule, used: Iterable[Span] = ()) -> tuple[str, ...]:
    """The conditions a criterion names (ICD-10-CM) that a rule of another kind leaves unread: a flag, a
    measurement, a drug or an age (besides any conditions it reads) from a criterion that also names a condition
    ("Pregnant women or patients with HIV", "Patients with known hepatic failure, AST/ALT > 3 x ULN", "Relapsed
    or refractory AML"). Such a rule must not decide what it does not read. A condition counts as read when its
    piece of the list holds what the rule used ("Renal insufficiency (eGFR < 30 ml/min)": the measurement
    defines it), when it is what the rule's own key stands for (readings.toml [named_beside] read_by: "active
    SLE"), what a treatment is for ("steroids for asthma"), what an allergy shows as ("hypersensitivity (e.g.
    Stevens-Johnson syndrome)"), or when it stands in an exception, a reason, a note or a standard of diagnosis,
    none of which the rule needs to read."""
    leaves = _leaves(rule)
    if not leaves or all(isinstance(leaf, Condition) for leaf in leaves):
        return ()  # a rule of conditions only: `unread` reads what it leaves
    named = _named_in(text)
    if not named:
        return ()
    # beside a treatment or a flag, the conditions the rule reads ("immunosuppressive treatment or HIV")
    covered = _covered(leaves) | {f"concept:{leaf.key}" for leaf in leaves if isinstance(leaf, Condition)}
    ages = _reads_age(rule)  # an age group is read by the age limit in its piece ("Children under 3 years")
    skipped = [*_set_aside(text), *_allergy_glosses(text, leaves)]
    pieces = _bracketed_pieces(text)
    # "Atrial fibrillation with heart rate > 100": a measurement joined to a condition it does not define
    # reads nothing of it ("Anemia with haemoglobin < 8 g/dL": it does)
    join = reading_pattern("named_beside", "joined_requirement").search(text) is not None
    joined = _bracketed_pieces(text, joined=True) if join else pieces
    # what the rule measured (with no number left unused, every one is read); a time span says when, and
    # reads nothing of the condition beside it ("another trial, or stroke within 6 months")
    amounts = quantities(text)
    timed = [(q.start, q.end) for q in amounts if q.timed]
    spans = [(q.start, q.end) for q in amounts if not q.timed]
    spans += [(a, b) for a, b in used if not any(x < b and a < y for x, y in timed)]
    treats = any(leaf.kind in _TREATMENTS or _key(leaf) in _TREATMENTS for leaf in leaves)
    indication = reading_pattern("named_beside", "indication")
    treated = reading_pattern("named_beside", "treated")
    read: set[str] = set()
    left: list[tuple[str, str]] = []
    for start, end, ident in named:
        piece = next(((a, b) for a, b in pieces if a <= start < b), (start, end))
        own = next(((a, b) for a, b in joined if a <= start < b), piece)
        inside = _touching(piece, spans)
        measured = bool(inside)
        if (
            measured
            and own != piece
            and not ident.startswith(("population:", "procedure:", "uncoded:"))
            and all(a >= own[1] for a, _ in inside)  # measured only past "with"
            and any(isinstance(x, Measure) for x in leaves)
        ):
            measured = _is_defined(ident, _defined(leaves))
        if (
            any(a <= start < b for a, b in skipped)
            or ident in covered
            or measured
            or (treats and _indication_read(text, start, leaves, indication))
            or (treats and treated.match(text, end))
            or (ident.startswith("population:") and ages and _aged(text, piece, end, used))
        ):
            read.add(ident)
        else:
            a, b = _word_of(text, start, end)
            left.append((ident, " ".join(text[a:b].split())))
    return tuple(dict.fromkeys(words for ident, words in left if ident not in read))


def _indication_read(text: str, start: int, leaves: list[Rule], indication: re.Pattern[str]) -> bool:
    """Whether the condition at `start` is named as what a treatment the rule reads is for ("steroids for
    asthma", "investigational agents for HCC", "medications for ILD: azathioprine, cyclosporine"). Not when
    the treatment named right before is one the rule does not read ("therapy for their tumor (with the
    exception of steroids)"), or is joined to one ("standard or investigational treatment for their cancer",
    "steroid or anticonvulsant therapy for seizures")."""
    m = indication.search(text, max(0, start - 40), start)
    if m is None:
        return False
    if any(_treats_any(leaf) for leaf in leaves):
        return True  # a rule about treatments as a whole ("medications or interventions for epilepsy stable")
    before = text[max(0, m.start() - 50) : m.start()]
    cut = max((c.end() for c in _LIST.finditer(before)), default=0)
    phrase = " ".join(before[cut:].split()[-4:])
    if not reading_pattern("named_beside", "treatment_word").search(phrase):
        return True  # "systemic corticosteroids within 30 days (for asthma exacerbation)": the rule's own
    if reading_pattern("named_beside", "joined_treatments").search(phrase):
        return False
    if any(_reads_treatment(leaf, phrase) for leaf in leaves):
        return True
    # the treatment's own list after the condition ("medications for ILD: azathioprine, cyclosporine"), not
    # the next alternative ("drug therapy for the cancer or steroid therapy")
    after = text[start : sentence_end(text, start)]
    listed = reading_pattern("named_beside", "treatment_list").match(after)
    if listed is None:
        return False
    after = after[listed.end() :]
    stop = _pattern("except").search(after) or _pattern("unless").search(after)
    named = [leaf for leaf in leaves if isinstance(leaf, Treatment | DrugCount | DoseCap)]  # not another trial's
    return any(_reads_treatment(leaf, after[: stop.start()] if stop else after) for leaf in named)


def _key(leaf: Rule) -> str:
    """A rule's fact key ("trial", "stable_regimen"), or "" for a rule without one."""
    return str(getattr(leaf, "key", "") or "")


def _treats_any(leaf: Rule) -> bool:
    """A rule about the person's treatments as a whole (stable medicines, a new one, standard therapy)."""
    key = _key(leaf)
    return (
        not isinstance(leaf, Treatment | DrugCount | DoseCap)
        and key != "trial"
        and (leaf.kind in _TREATMENTS or key in _TREATMENTS)
    )


def _reads_treatment(leaf: Rule, words: str) -> bool:
    """Whether a rule about named treatments reads one `words` name: a drug or class of its own, or for
    another trial its study drug."""
    if isinstance(leaf, Treatment | DrugCount | DoseCap):
        names = {*getattr(leaf, "drugs", ()), *getattr(leaf, "classes", ())}
        names |= {leaf.drug.removeprefix("class:")} if isinstance(leaf, DoseCap) else set()
        vocab = vocabulary()
        terms = [*vocab.drugs_in(words, unknown=True), *vocab.drug_classes_in(words)]
        return any(t.name in names or set(t.classes) & names for t in terms)
    if _key(leaf) == "trial":
        return bool(reading_pattern("named_beside", "trial_treatment").search(words))
    return False


def _named_in(text: str) -> list[tuple[int, int, str]]:
    """The conditions a criterion names, each as (start, end, its ICD-10-CM code or concept key): the
    concepts of concepts.toml, and what ICD-10-CM names outside them."""
    concepts_named = [(a, b, f"concept:{key}") for key, spans in asked_spans(text) for a, b in spans]
    coded = [
        (m.start, m.end, m.code)
        for m in icd.conditions_in(text)
        if m.end > m.start and not any(a < m.end and m.start < b for a, b, _ in concepts_named)
    ]
    time = reading_pattern("named_beside", "procedure_time")
    other = reading_pattern("named_beside", "not_procedure")
    classes = [m.span() for c in vocabulary().drug_classes_in(text) for p in c.patterns for m in p.finditer(text)]
    treatments = [
        (m.start(), m.end(), "procedure:" + " ".join(m.group(0).lower().split()))
        for m in reading_pattern("named_beside", "procedures").finditer(text)
        if not time.search(text, max(0, m.start() - 40), m.start())
        and not other.match(text, m.end())
        and not any(a < m.end() and m.start() < b for a, b in classes)  # "B-cell-targeted therapy": a class
    ]
    groups = [
        (m.start(), m.end(), "population:" + m.group(0).lower())
        for m in reading_pattern("named_beside", "populations").finditer(text)
    ]
    taken = [*concepts_named, *coded]
    uncoded = [
        (m.start(), m.end(), "uncoded:" + m.group(0).lower())
        for m in reading_pattern("named_beside", "uncoded").finditer(text)
        if not any(a < m.end() and m.start() < b for a, b, _ in taken)  # "HIV infection" is coded
    ]
    return sorted([*taken, *treatments, *groups, *uncoded])


def _leaves(rule: Rule) -> list[Rule]:
    """The rules a composite is made of (a rule of one part is its own leaf)."""
    if isinstance(rule, AnyOf | AllOf):
        return [leaf for part in rule.rules for leaf in _leaves(part)]
    if isinstance(rule, Not | SexScoped | AgeScoped):
        return _leaves(rule.rule)
    return [rule]


def _aged(text: str, piece: Span, end: int, used: Iterable[Span]) -> bool:
    """Whether the age limit the rule read is the age of a group ending at `end`: in its piece of the list
    ("Children under 3 years"), or after it across only other groups ("Children and adolescents aged
    7-18"), never across other people ("minors, and patients over 75 years")."""
    starts = sorted(a for a, _ in used)
    if any(piece[0] <= a < piece[1] for a in starts):
        return True
    after = next((a for a in starts if a >= end), None)
    groups = reading_pattern("named_beside", "populations").pattern
    bridge = rf"(?:{reading_pattern('named_beside', 'age_bridge').pattern}|{groups})*"
    return after is not None and re.fullmatch(bridge, text[end:after], re.IGNORECASE) is not None


def _reads_age(rule: Rule) -> bool:
    """Whether a rule reads the person's age anywhere (an age limit, or a part scoped to an age)."""
    if isinstance(rule, Age | AgeScoped):
        return True
    if isinstance(rule, AnyOf | AllOf):
        return any(_reads_age(part) for part in rule.rules)
    return isinstance(rule, Not | SexScoped) and _reads_age(rule.rule)


def _covered(leaves: list[Rule]) -> set[str]:
    """The ICD-10-CM codes and concepts ("concept:lupus") the rules' own keys stand for (readings.toml
    [named_beside] read_by)."""
    table = _read_by()
    keys = {_key(leaf) for leaf in leaves}
    keys |= {f"dx:{leaf.disease}" for leaf in leaves if isinstance(leaf, Diagnosis)}
    return {code for key in keys for code in table.get(key, ())}


def _read_by() -> dict[str, tuple[str, ...]]:
    raw = readings().get("named_beside", {}).get("read_by", {})
    return {str(k): tuple(str(c) for c in v) for k, v in raw.items()}


def _set_aside(text: str) -> list[Span]:
    """What no rule needs to read: exceptions, reasons and qualifying clauses (not a definition), standards, the
    people a limit is changed for ("ALT <= 5 x ULN for patients with liver metastases") and the sentences
    that allow something ("Elevated bilirubin due to Gilbert's syndrome is not exclusionary")."""
    filler = reading_pattern("coded", "filler")
    # a definition is no qualifier here: what it names is the condition asked ("active immunosuppression
    # defined as either receiving immunosuppressive medications or having HIV")
    defines = reading_pattern("named_beside", "defines")
    out = [span for span in _qualifying(text, text, filler) if not defines.match(text, span[0])]
    out += standard_spans(text)
    for name in ("except", "unless"):
        out += [
            (m.start(), _bracket_end(text, m.start(), clause_end(text, m.end()))) for m in _pattern(name).finditer(text)
        ]
    for pattern in (reading_pattern("excepting", "lead"), reading_pattern("named_beside", "scoped")):
        out += [(m.start(), _bracket_end(text, m.start(), clause_end(text, m.end()))) for m in pattern.finditer(text)]
    for m in reading_pattern("named_beside", "reason").finditer(text):
        # to its sentence's end, or the next alternative ("due to the potential teratogenic effects, or HIV")
        other = reading_pattern("named_beside", "next_alternative").search(text, m.end())
        end = sentence_end(text, m.end()) if other is None else min(other.start(), sentence_end(text, m.end()))
        out.append((m.start(), _bracket_end(text, m.start(), end)))
    for m in reading_pattern("named_beside", "allowed").finditer(text):
        # its sentence ("Prior immunotherapy, radiotherapy, or biologic therapy is permitted"), or its bracket:
        # "hepatitis B (inactive carriers are allowed)" allows no other alternative
        start = max(text.rfind(". ", 0, m.start()), text.rfind(";", 0, m.start())) + 1
        opened = text.rfind("(", start, m.start())
        if opened >= 0 and text.find(")", opened, m.start()) < 0:
            start = opened
        out.append((start, _bracket_end(text, m.start(), sentence_end(text, m.end()))))
    return out


def _bracket_end(text: str, start: int, end: int) -> int:
    """`end`, or the close of a bracket open at `start` when it comes first ("(except Gilbert's syndrome) or
    active hepatitis": the exception ends with its bracket)."""
    opened = text.rfind("(", 0, start)
    if opened < 0 or text.rfind(")", opened, start) >= 0:
        return end
    closed = text.find(")", start)
    return end if closed < 0 else min(end, closed + 1)


def _allergy_glosses(text: str, leaves: list[Rule]) -> list[Span]:
    """What an allergy is shown as: the brackets or examples that open in its clause ("hypersensitivity to
    saxagliptin (e.g. anaphylaxis, angioedema)"). A condition named otherwise beside it is no substance one
    is allergic to but another alternative ("allergy to penicillin or HIV infection")."""
    if not any(isinstance(leaf, Allergy) for leaf in leaves):
        return []
    out: list[Span] = []
    for m in grammar().patterns["allergy"]["gate"].finditer(text):
        b = _word_of(text, *m.span())[1]
        end = clause_end(text, b)
        to = _ALLERGEN.match(text, b)
        if to is not None:  # "hypersensitivity to Escherichia coli recombinant proteins": what it is to
            item = _ITEM_END.search(text, to.end())
            out.append((to.end(), len(text) if item is None else item.start()))
        opened = text.find("(", b, end + 1)
        if opened >= 0:
            close = text.find(")", opened)
            out.append((opened, len(text) if close < 0 else close + 1))
        out += [(x, y) for x, y in examples_in(text) if b <= x <= end]
    return out


def _touching(piece: Span, spans: list[Span]) -> list[Span]:
    """The spans that begin or end inside a piece."""
    return [(a, b) for a, b in spans if piece[0] <= a < piece[1] or piece[0] < b <= piece[1]]


def _is_defined(ident: str, defined: tuple[str, ...]) -> bool:
    """Whether a condition named (a code, or a concept by its codes) is one the measurements define: that
    condition or a more general one, never a kind of it ("iron deficiency anemia" is not what a
    haemoglobin value says)."""
    if ident.startswith("concept:"):
        key = ident.removeprefix("concept:")
        found = concept(key)  # a concept whose codes take in the general one
        return found is not None and any(_whole(ref, defined) for ref in found.icd10cm)
    return ":" not in ident and _whole(ident, defined)


def _whole(code: str, defined: tuple[str, ...]) -> bool:
    return any(code == ref or icd.is_any(ref, (code,)) for ref in defined)


def _defined(leaves: list[Rule]) -> tuple[str, ...]:
    """The ICD-10-CM references of the conditions the rule's measurements define (labs.toml `defines`,
    findings.toml, implied.toml): "anemia" beside a haemoglobin threshold, "obesity" beside a BMI."""
    keys = {leaf.key for leaf in leaves if isinstance(leaf, Measure)}
    return tuple(ref for key in sorted(keys) for ref in defined_by(key))


def _bracketed_pieces(text: str, *, joined: bool = False) -> list[Span]:
    """The pieces of a list (between its "or"s, "and"s, commas and semicolons), with what stands in
    brackets or after a colon kept in the piece it follows ("hypotension (defined as systolic BP < 100
    mmHg)", "Significant thrombocytopenia: < 100 x 10^9/L"), and a clause that defines it too ("renal
    impairment, as indicated by CrCl < 30 mL/min")."""
    masked = list(text)
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif depth:
            masked[i] = "x" if ch.isspace() or not ch.isalnum() else ch
    flat = "".join(masked)
    words = [reading_pattern("alternatives", k) for k in ("either", "both")]
    defines = reading_pattern("named_beside", "defines")
    marks = [m.span() for m in _LIST.finditer(flat) if not defines.match(flat, m.end())]
    cuts = sorted([m.span() for w in words for m in w.finditer(flat)] + marks)
    if joined:  # "with" joins two requirements too
        cuts = sorted(cuts + [m.span() for m in reading_pattern("named_beside", "joined_requirement").finditer(flat)])
    out, start = [], 0
    for a, b in cuts:
        out.append((start, a))
        start = b
    out.append((start, len(text)))
    return [(a, b) for a, b in out if b > a]


# the rules about treatments (and the study drugs of other trials): only beside one does a condition name
# what a treatment is for
_TREATMENTS = frozenset(
    {
        "treatment",
        "dose_cap",
        "stable_meds",
        "drug_count",
        "dose_changed",
        "stable_regimen",
        "new_medicine",
        "refractory",
        "standard_treatment",
        "trial",  # "investigational agents for HCC"
    }
)
_ALLERGEN = re.compile(r"(?:\s+[\w-]+){0,2}?\s+(?:to|against)\s+(?:the\s+|any\s+|an?\s+)?", re.IGNORECASE)
_ITEM_END = re.compile(r"[,;()]|\.(?:\s|$)|\s(?:or|and|and/or)\s|$")
_LIST = re.compile(r"[,;]|\.(?:\s|$)|\n")
