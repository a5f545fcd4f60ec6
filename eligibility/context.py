"""Context of a mention in patient text: negated, family, hypothetical, historical.

Text is cut into clauses (sentences, then at "but", "however", ";"), so that "HBsAg negative but
HBcAb positive" gives each test its own polarity. A mention is:
- negated by a cue before it in its clause ("no history of cancer", "never had rituximab") or a
  result word right after it ("HBsAg negative", "HIV neg");
- about family when a relative is named before it, until the clause returns to the patient ("my mother
  had breast cancer", but not diabetes in "her mother had lupus and she has diabetes");
- hypothetical when its clause is a guess or a plan ("I might be pregnant", "planning to start"), or a
  diagnosis still to be made comes before it ("to rule out pneumonia", "suspected TB");
- historical when its clause speaks of the past ("history of", "had", "years ago"), and a past event when
  it is placed in the history ("an ectopic pregnancy at age 26");
- a time anchor when it only dates something else ("no UTI prior to her pregnancy"): not negated.
- ended when the words right before it say it was had and is over ("former smoker", "quit smoking",
  "stopped having migraines"): a condition had, not denied, though "stopped" negates a medicine.
The cue words are data: eligibility/data/cues.toml [negation] and [context].
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from eligibility.cues import cue
from trialscreen.vocabulary import vocabulary

_SENTENCE = re.compile(r"(?:[^.!?;\n]|\.(?=\d)|\.(?=[a-z]))+(?:[.!?;]+|\n|$)")
_CLAUSE_BREAK = re.compile(
    r",?\s+\b(but|however|although|though|whereas|except that)\b\s*|\s*;\s*|,\s+(?=and\s+(i|my)\b)", re.I
)
_NEGATION_BEFORE = re.compile(
    r"\b(no|not|never|denies|denied|deny|without|negative for|free of|ruled out|haven'?t|hasn'?t|have not|"
    r"has not|don'?t|do not|doesn'?t|does not|didn'?t|did not|isn'?t|is not|wasn'?t|was not|none|nor|"
    r"neither|no longer|stopped|off|won'?t|will not|negative history (?:of|for))\b",
    re.IGNORECASE,
)
_NEGATION_AFTER = re.compile(
    r"^[\s:()-]{0,3}(?:test(?:ed)?\s+|was\s+|is\s+|came back\s+|result\s+)?"
    r"(negative|neg\b|-ve\b|not detected|non-?reactive|ruled out|undetectable)"
    # "Malignancy: none", "Tumours - none known" (not "Asthma: no exacerbations")
    r"|^\w*\s*[:=-]+\s*(?:none|nil|no|absent|denied|negative)(?:\s+known)?\s*(?:[.;,]|$)",
    re.IGNORECASE,
)
_POSITIVE_AFTER = re.compile(
    r"^[\s:()-]{0,3}(?:test(?:ed)?\s+|was\s+|is\s+|came back\s+)?(positive|pos\b|\+ve\b|reactive|detected)",
    re.IGNORECASE,
)
_HISTORY = re.compile(
    r"\b(history of|had|was|were|used to|previously|in the past|ago|years back|last year|treated for|"
    r"cured|removed|resolved|recovered)\b",
    re.IGNORECASE,
)
_CURRENT = re.compile(r"\b(currently|now|at the moment|still|active|ongoing|am on|i'm on|taking|take)\b", re.I)
# "HBV, HCV, HIV and TB all negative": a result closing a list negates every item in it
_LIST_NEGATIVE = re.compile(r"^(?:(?!positive|\+)[\w\s,/&()-]){0,80}?\b(negative|neg)\b", re.I)
_BREAKER = re.compile(r"\b(but|and|or)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Clause:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class MentionContext:
    negated: bool
    family: bool
    hypothetical: bool
    historical: bool  # the clause speaks of the past at all ("had", "was", "history of")
    current: bool
    past: bool = False  # the mention is an event of the history ("an ectopic pregnancy at age 26")
    anchor: bool = False  # the mention only dates something else ("prior to her pregnancy")
    ended: bool = False  # the words right before it say it was had and is over ("former smoker", "quit smoking")

    @property
    def denied(self) -> bool:
        """Whether the mention is denied as a condition: negated, but not by words that say it ended ("stopped
        smoking" was smoking)."""
        return self.negated and not self.ended


def clauses(text: str) -> list[Clause]:
    out: list[Clause] = []
    for sentence in _SENTENCE.finditer(text):
        pos = sentence.start()
        end = sentence.end()
        for brk in _CLAUSE_BREAK.finditer(text, pos, end):
            if brk.start() > pos:
                out.append(Clause(pos, brk.start(), text[pos : brk.start()]))
            pos = brk.end()
        if end > pos and text[pos:end].strip():
            out.append(Clause(pos, end, text[pos:end]))
    return out


def sentence_end(text: str, pos: int, *, through_semicolons: bool = False) -> int:
    """Where the sentence holding `pos` ends (a decimal point "39.5" does not end one); a ';' ends it
    unless `through_semicolons` ("Fever began 10 days ago; afebrile for the past 3 days" is one)."""
    for m in _SENTENCE.finditer(text, pos):
        if through_semicolons and m.group(0).rstrip().endswith(";"):
            continue
        return m.end()
    return len(text)


_PIECE_BREAK = re.compile(r",\s*|\s+\band\b\s+|\s+\bthen\b\s+")
_COMMA_PIECE = re.compile(r"[^,;]+")


def comma_pieces(text: str) -> list[tuple[int, int]]:
    """Where the pieces of a text between its commas and semicolons lie ("Breast cancer diagnosed 2 years
    ago", " on letrozole.")."""
    return [m.span() for m in _COMMA_PIECE.finditer(text)]


def up_to_comma(text: str) -> str:
    """The text up to its first comma or semicolon."""
    first = _COMMA_PIECE.match(text)
    return first.group(0) if first else ""


_USE_PIECE_BREAK = re.compile(r"[,;!?\n]|\.(?!\d)|\b(?:and|then|but)\b", re.IGNORECASE)


def without_dated_uses(text: str, uses: list[tuple[int, int]], mentions: list[tuple[int, int]]) -> str:
    """The text with the piece that starts or stops each medicine (`uses`: where the text names them)
    blanked out, offsets kept, so that its time words date the medicine and not a condition beside it
    ("HTN, stopped lisinopril last year" does not place the hypertension a year ago; "RA diagnosed 2015
    and started methotrexate in 2016" keeps 2015 for the RA). A piece runs between commas, sentence ends,
    "and", "then" or "but", and never over a condition (`mentions`); a medicine named inside a condition's
    name ("steroid-induced diabetes") has no piece of its own."""
    if not uses:
        return text
    out = list(text)
    for start, end in uses:
        if any(a < end and start < b for a, b in mentions):
            continue
        lo = max((m.end() for m in _USE_PIECE_BREAK.finditer(text, 0, start)), default=0)
        lo = max([lo, *(b for a, b in mentions if b <= start)])
        nxt = _USE_PIECE_BREAK.search(text, end)
        hi = min([nxt.start() if nxt else len(text), *(a for a, _ in mentions if a >= end)])
        if cue("medicines", "use_changed").search(text, lo, hi):
            out[lo:hi] = " " * (hi - lo)
    return "".join(out)


def segment(clause: Clause, start: int, end: int, others: list[int]) -> Clause:
    """The comma- or 'and'-separated piece of a clause that holds a mention, when the clause
    names other things of the same sort (`others`: their offsets); else the whole clause."""
    if not any(clause.start <= o < clause.end and not start <= o < end for o in others):
        return clause
    cuts = [clause.start] + [clause.start + m.end() for m in _PIECE_BREAK.finditer(clause.text)] + [clause.end]
    for a, b in itertools.pairwise(cuts):
        if a <= start < b:
            stop = b
            for nxt in cuts:
                if nxt > start and not any(start < o < nxt for o in others if not start <= o < end):
                    stop = max(stop, nxt)
            return Clause(a, stop, clause.text[a - clause.start : stop - clause.start])
    return clause


def clause_at(parts: list[Clause], offset: int) -> Clause:
    for c in parts:
        if c.start <= offset < c.end:
            return c
    return parts[-1]


def negation_end(clause: Clause, start: int) -> int:
    """Where the last negation word before `start` in its clause ends ("denies" in "denies skin cancer");
    the clause's start when there is none."""
    cues = list(_NEGATION_BEFORE.finditer(clause.text, 0, max(0, start - clause.start)))
    return clause.start + cues[-1].end() if cues else clause.start


def context_of(clause: Clause, start: int, end: int) -> MentionContext:
    """Context of the mention at [start, end) (absolute offsets) inside its clause."""
    before = clause.text[: start - clause.start]
    after = clause.text[end - clause.start :]
    negated = False
    cues = list(_NEGATION_BEFORE.finditer(before))
    if cues:
        last = cues[-1]
        between = before[last.end() :]
        # "no fever but rash": a conjunction after the cue ends its scope; "no X or Y" keeps it
        # the verb may open the mention itself: "not breastfeeding, trying to conceive"
        opening = clause.text[start - clause.start : end - clause.start].split(" ", 1)[0]
        negated = not cue("negation", "scope_break").search(between) and not cue("negation", "scope_end").search(
            between + opening
        )
        if negated and _asserts_own_item(between, clause.text[start - clause.start : end - clause.start], after):
            negated = False
        if negated and cue("negation", "of_response").search(last.group(0) + between):
            negated = False  # "didn't respond to the corticosteroid inhaler": it was taken
        if negated and _closed_aside(before[: last.start()], between):
            negated = False  # "prior CVA (no residual deficits), HTN": the denial ends with its parenthesis
    if _POSITIVE_AFTER.match(after):
        negated = False
    elif _NEGATION_AFTER.match(after) or (
        _LIST_NEGATIVE.search(after) and not cue("negation", "asserted_before").search(before)
    ):
        negated = True  # a list closed by 'negative' ("HBV, HCV and HIV negative"), not "with lupus, HIV negative"
    anchor = bool(cue("context", "time_anchor").search(before))
    if anchor:
        negated = False  # "no UTI prior to her pregnancy": the pregnancy is not what is denied
    return MentionContext(
        negated=negated,
        family=_family(before, after),
        hypothetical=bool(cue("context", "hypothetical").search(clause.text))
        or bool(cue("context", "uncertain").search(before))
        or bool(cue("context", "unknown_after").match(after)),
        historical=bool(_HISTORY.search(clause.text)),
        current=bool(_CURRENT.search(clause.text)),
        past=bool(cue("context", "past_event").search(clause.text)),
        anchor=anchor,
        ended=bool(cue("context", "ended_before").search(before)),
    )


def _family(before: str, after: str) -> bool:
    """A relative named before the mention, with no return to the patient in between ("my mother had breast
    cancer", not "her mother had lupus and she has diabetes"), unless the relative only brings or comes
    with the person ("brought in by his daughter with poor memory", "comes with her mother, complaining of
    short stature") and what follows is not about them ("with his wife, who has diabetes"); one named
    after it in a list ("denies diabetes, or a family history of heart disease") does not make it family."""
    agent, own = cue("context", "family_agent"), cue("context", "family_own_clause")
    relatives = [
        r
        for r in cue("context", "family").finditer(before)
        if not agent.search(before[: r.start()]) or own.match(before[r.end() :])
    ]
    if relatives and not cue("context", "family_end").search(before[relatives[-1].end() :]):
        return True
    return bool(cue("context", "family_after").match(after))


def _closed_aside(lead: str, between: str) -> bool:
    """Whether a negation stands inside a parenthesis (`lead`: the words before it) that closes before
    the mention (`between`: the words from the negation to the mention)."""
    return lead.count("(") > lead.count(")") and ")" in between


def _asserts_own_item(between: str, mention: str, after: str) -> bool:
    """Whether the list item holding a mention states its own fact, ending the negation before it."""
    separator = cue("negation", "list_separator")
    seps = list(separator.finditer(between))
    if not seps:
        return False
    nxt = separator.search(after)
    item = cue("negation", "window_phrase").sub(
        " ", between[seps[-1].end() :] + mention + (after[: nxt.start()] if nxt else after)
    )
    if cue("negation", "own_assertion").search(item):
        return True
    joined = cue("negation", "joined_item").search(between)  # "COPD, or heart failure treated by ...": all denied
    return joined is None and (bool(cue("negation", "own_state").search(item)) or _on_a_drug(item))


def _on_a_drug(item: str) -> bool:
    """Whether a list item says the condition is treated by a drug the vocabulary knows ("HIV on Biktarvy",
    "RA on methotrexate"): it is had, whatever the denial before it."""
    on = cue("negation", "on_drug").search(item)
    return on is not None and bool(vocabulary().drugs_in(item[on.end() :], unknown=True))
