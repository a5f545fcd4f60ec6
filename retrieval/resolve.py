"""Which trials a question is about: NCT numbers, file stems, drug names, titles and descriptions.

"the telitacicept study" -> the trial that gives telitacicept; "the belimumab plus IL-2 trial" -> the
one that gives both; "the early SLE belimumab trial" -> belimumab trials, narrowed by the words of
their titles and summaries ("early"). "which trials ..." fans out over every trial. An NCT number
that is not indexed is reported, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from index.catalog import Catalog
from retrieval.language import is_generic
from retrieval.language import words as question_words
from retrieval.lexical import tokens
from trialscreen.model import Trial
from trialscreen.vocabulary import vocabulary

_NCT = re.compile(r"\bNCT\d{8}\b", re.IGNORECASE)
_DESCRIPTOR_NOISE = frozenset(
    "lupus sle systemic erythematosus efficacy safety treatment dose low low-dose trial study patient "
    "evaluation immunological clinical".split()
)


@dataclass
class Resolution:
    trials: list[str] = field(default_factory=list)  # refs, best first
    fan_out: bool = False
    unknown_refs: list[str] = field(default_factory=list)  # NCT numbers named but not indexed
    by: str = ""  # how they were found: nct, stem, drug, description, all
    named_by: tuple[str, ...] = ()  # the question's words that named the trial ("plus", "yoga"), when known

    @property
    def single(self) -> str | None:
        return self.trials[0] if len(self.trials) == 1 and not self.fan_out else None


def named_phrases(question: str) -> list[str]:
    """The words a question names its trial with ("the hrIL-2 pilot study" -> "hrIL-2 pilot")."""
    return [m.group("name").strip() for m in question_words().named_trial.finditer(question)]


def _acronyms(trials: list[Trial]) -> dict[str, set[str]]:
    """Each trial's title acronyms ("MRBS", "MiSLE") that no other indexed trial's title uses."""
    shape = question_words().acronym
    found = {t.ref: {m.group() for m in shape.finditer(t.title) if _capitals(m.group())} for t in trials}
    seen: dict[str, int] = {}
    for names in found.values():
        for a in {n.lower() for n in names}:
            seen[a] = seen.get(a, 0) + 1
    return {ref: {a for a in names if seen[a.lower()] == 1} for ref, names in found.items()}


def _capitals(word: str) -> bool:
    """Mostly capitals: an acronym ("MiSLE"), not a word set in odd capitals ("CArdiovascular", "STudy")."""
    return sum(c.isupper() for c in word) >= sum(c.islower() for c in word)


def _asked_acronyms(question: str, names: set[str]) -> set[str]:
    """The acronyms the question uses. One in capitals ("LIST", "PLUS", "APPLE") counts only written in
    capitals, so the words "list", "plus" and "apple" name no trial; a mixed one ("MiSLE") in any case."""
    out = set()
    for name in names:
        flags = 0 if name.isupper() else re.IGNORECASE
        if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", question, flags):
            out.add(name)
    return out


def _naming_words(question: str) -> set[str]:
    """The words (of 4 letters or more) a question names its trial with, and what a shorter word stands
    for ("the vit D trial" -> "vitamin")."""
    synonyms = question_words().synonyms
    out: set[str] = set()
    for name in named_phrases(question):
        for word in name.lower().split():
            word = word.strip(".,;:?!()'\"")
            said = (word,) if len(word) >= 4 else synonyms.get(word, ())
            out |= {w for w in said if len(w) >= 4 and not is_generic(w)}
    return out - _DESCRIPTOR_NOISE


def _named_in_title(question: str, candidates: list[Trial]) -> str | None:
    """The one candidate whose title has, as written, a word the question names the trial with."""
    chosen = set()
    for word in _naming_words(question):
        having = [t.ref for t in candidates if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", t.title.lower())]
        if len(having) == 1:
            chosen.add(having[0])
    return chosen.pop() if len(chosen) == 1 else None


def _named_in_text(question: str, candidates: list[Trial]) -> str | None:
    """The one candidate whose record alone uses a word the question names the trial with ("the 23andMe
    study": a word only that trial's text has)."""
    chosen = set()
    for word in _naming_words(question):
        pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
        having = [t.ref for t in candidates if pattern.search(t.source_text)]
        if len(having) == 1:
            chosen.add(having[0])
    return chosen.pop() if len(chosen) == 1 else None


def _trial_drugs(trial: Trial) -> set[str]:
    text = " ".join([trial.title, *trial.interventions])
    return {d.name for d in vocabulary().drugs_in(text)}


def _description_tokens(trial: Trial) -> set[str]:
    return _with_parts(tokens(f"{trial.title} {trial.summary[:400]} {trial.sponsor or ''}")) - _DESCRIPTOR_NOISE


def _with_parts(words: list[str]) -> set[str]:
    """Words, and the parts of hyphenated ones ("pilot-study" is also "pilot" and "study")."""
    return set(words) | {p for w in words if "-" in w for p in w.split("-") if len(p) > 2}


def resolve_trials(question: str, catalog: Catalog) -> Resolution:
    trials = catalog.trials()
    refs = {t.ref for t in trials}
    named = [m.upper() for m in _NCT.findall(question)]
    if named:
        known = [r for r in dict.fromkeys(named) if r in refs]
        unknown = [r for r in dict.fromkeys(named) if r not in refs]
        return Resolution(trials=known, unknown_refs=unknown, by="nct")
    lowered = question.lower()
    stems = [t.ref for t in trials if t.stem.lower() in lowered or t.stem.split("_")[0] + "_" in lowered]
    if stems:
        return Resolution(trials=stems, by="stem")
    fan_out = bool(question_words().fan_out.search(question))
    acronyms = {ref: found for ref, names in _acronyms(trials).items() if (found := _asked_acronyms(question, names))}
    if len(acronyms) == 1 and not fan_out:  # "is MRBS recruiting?": the one trial with that acronym
        said = tuple(a.lower() for names in acronyms.values() for a in names)
        said += tuple(t for name in named_phrases(question) for t in tokens(name))  # "the MiSLE stem cell trial"
        return Resolution(trials=list(acronyms), by="description", named_by=said)
    if not fan_out:  # "the yoga study": a word naming the trial that one title has, else one record
        one = _named_in_title(question, trials) or _named_in_text(question, trials)
        if one is not None:
            said = tuple(t for name in named_phrases(question) for t in tokens(name))
            return Resolution(trials=[one], by="description", named_by=said)
    given = {d for t in trials for d in _trial_drugs(t)}
    asked_drugs = {d.name for d in vocabulary().drugs_in(question)} & given  # drugs some trial gives
    candidates = [t for t in trials if asked_drugs and asked_drugs <= _trial_drugs(t)]
    if candidates and not fan_out:
        titled = _named_in_title(question, candidates)
        if titled is not None:  # "the LymphoStat-B study": a name only one candidate's title has
            return Resolution(trials=[titled], by="drug")
        # what tells the candidates apart: the words naming the trial ("the hrIL-2 pilot study"), else
        # the whole question
        naming = " ".join(named_phrases(question)) or question
        drug_words = _with_parts([t for d in asked_drugs for t in tokens(d)])
        words = _with_parts(tokens(naming)) - _DESCRIPTOR_NOISE - drug_words
        scored = sorted(
            ((len(words & _description_tokens(t)), t.recruiting, t.ref) for t in candidates),
            key=lambda x: (-x[0], not x[1], x[2]),
        )
        best = scored[0][0]
        chosen = [ref for score, _, ref in scored if score == best]
        exclusive = [
            t.ref for t in candidates if t.ref in chosen and _trial_drugs(t) == asked_drugs
        ]  # "the telitacicept study": the trial whose drugs are exactly those named wins a tie
        if best == 0 and exclusive:
            chosen = exclusive
        return Resolution(trials=chosen, by="drug")
    if fan_out:
        return Resolution(trials=[t.ref for t in trials], fan_out=True, by="all")
    # No drug named: a description such as "the multicenter placebo-controlled trial".
    words = set(tokens(question)) - _DESCRIPTOR_NOISE
    ranked = sorted(((len(words & _description_tokens(t)), t.ref) for t in trials), key=lambda x: (-x[0], x[1]))
    if ranked and ranked[0][0] >= 2 and (len(ranked) == 1 or ranked[0][0] > ranked[1][0]):
        return Resolution(trials=[ranked[0][1]], by="description")
    return Resolution(trials=[t.ref for t in trials], fan_out=False, by="all")
