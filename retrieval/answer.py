"""Grounded answers to coordinators' questions, with quotes checked to be verbatim.

Without a language model (the default) the answer is extractive: one plain sentence per trial built
around the best passage, quoting the trial's own words. Structured questions (status, phase,
enrollment, sponsor, dates, dosing) answer from the parsed trial and cite where its text says so.
"Which trials ..." questions fan out over every trial. A question the texts cannot answer (a trial
that is not indexed, a fact no trial states) says so and cites nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from index.catalog import Catalog
from retrieval.citations import NOT_IN_TEXTS, Answer, Citation
from retrieval.computed import (
    Compiled,
    Computed,
    age_probe,
    asked_span,
    capped_at,
    dosed_drug,
    exclusion_probes,
    lab_probes,
    lowest_wanted,
    person_probes,
    state_probes,
    washed_out_drug,
)
from retrieval.dense import Filters
from retrieval.hybrid import HybridRetriever
from retrieval.language import Mention, blank, concept_keys, index_names, is_generic, mentions, respell, words
from retrieval.lexical import tokens
from retrieval.resolve import Resolution, named_phrases, resolve_trials
from trialscreen.errors import TrialscreenError
from trialscreen.model import Trial
from trialscreen.vocabulary import vocabulary


def _label(trial: Trial) -> str:
    title = trial.title if len(trial.title) <= 70 else trial.title[:67].rsplit(" ", 1)[0] + "…"
    return f"{title} ({trial.ref})"


def _quote(text: str) -> str:
    return "\u201c" + " ".join(text.split()) + "\u201d"


class _Hit(NamedTuple):
    """A candidate passage, in the order answers prefer them (each field sorts ascending)."""

    own: float  # minus the share of the anchors it speaks of in its own words
    silent: bool  # the question asks an amount and the passage states none
    cover: float  # minus the share it speaks of with its lead-in
    rank: int  # the hybrid retriever's rank
    ref: str
    chunk: Any


@dataclass(frozen=True)
class Anchor:
    """What a passage must speak of to answer the question: one of `words`, or (a concept of the
    shared vocabularies) a passage that names one of `concepts` in any of its names."""

    words: tuple[str, ...]
    concepts: tuple[str, ...] = ()
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or self.words[0]


def _anchors(question: str, resolution: Resolution, catalog: Catalog) -> list[Anchor]:
    """What the question asks about: the concepts it names ("CrCl", "positive PPD", "SELENA-SLEDAI"),
    then its other content words (each with its synonyms).

    Words that only served to find the trial ("the early SLE belimumab trial") are left out when the
    trial was found by its drugs or description; an NCT number or file stem leaves every word in."""
    found = mentions(question)
    out: list[Anchor] = []
    naming = (
        [m.span("name") for m in words().named_trial.finditer(question)]
        if resolution.by in ("drug", "description")
        else []
    )
    for group in _overlapping(found):
        if any(a <= group[0].start and max(m.end for m in group) <= b for a, b in naming):
            continue  # "the tacrolimus membranous nephritis trial": it names the trial, it is not asked about
        keys = tuple(dict.fromkeys(m.key for m in group))
        label = question[min(m.start for m in group) : max(m.end for m in group)]
        names = tuple(dict.fromkeys(w for m in group for w in tokens(m.label) if not is_generic(w)))
        out.append(Anchor(names or tuple(tokens(label)) or (label.lower(),), keys, label))
    said = tokens(blank(question, found))
    resolution_words: set[str] = set()
    if resolution.named_by:  # "HCQ dose in PLUS": only "plus" named the trial; HCQ is what is asked
        resolution_words.update(resolution.named_by)
    elif resolution.by in ("drug", "description") and len(resolution.trials) <= 3:
        for ref in resolution.trials:
            trial = catalog.trial(ref)
            resolution_words.update(tokens(" ".join([trial.title, *trial.interventions])))
            for d in vocabulary().drugs_in(" ".join([trial.title, *trial.interventions])):
                resolution_words.update(tokens(d.name))
    synonyms = words().synonyms
    for w in said:
        if is_generic(w) or w in resolution_words or w.isdigit() or len(w) < 2 or re.fullmatch(r"nct\d+", w):
            continue
        out.append(Anchor(synonyms.get(w, (w,))))
    return list(dict.fromkeys(out))


def _overlapping(found: tuple[Mention, ...]) -> list[list[Mention]]:
    """Mentions grouped where they overlap ("positive PPD": a tuberculin test and TB): one anchor."""
    groups: list[list[Mention]] = []
    for m in found:  # in text order
        if groups and m.start < max(g.end for g in groups[-1]):
            groups[-1].append(m)
        else:
            groups.append([m])
    return groups


def _coverage(chunk_text: str, anchors: list[Anchor]) -> float:
    if not anchors:
        return 0.0
    have = set(tokens(chunk_text, keep_stopwords=True))
    low = chunk_text.lower()
    named = concept_keys(chunk_text) if any(a.concepts for a in anchors) else frozenset()
    hit = sum(1 for a in anchors if _speaks_of(a, have, low, named))
    return hit / len(anchors)


def _speaks_of(a: Anchor, have: set[str], low: str, named: frozenset[str]) -> bool:
    """A concept by any of its names, or all the words of the name the question used; a word, by
    itself or one of its synonyms (as a word, or inside a longer one)."""
    if a.concepts:
        return not named.isdisjoint(a.concepts) or all(w in have for w in a.words)
    return any(w in have or (len(w) > 3 and w in low) for w in a.words)


class Answerer:
    """Answers from the trial texts. With a chat model, passage questions are phrased by the model and
    validated; a rejected reply falls back to the extractive answer (and is logged)."""

    def __init__(
        self,
        catalog: Catalog,
        retriever: HybridRetriever,
        model: Any = None,
        provider: str = "none",
        compiled: Compiled | None = None,
    ) -> None:
        self.catalog = catalog
        self.retriever = retriever
        if compiled is None:
            from eligibility.rulebook import RuleBook

            compiled = RuleBook(catalog).compiled
        self.computed = Computed(catalog.trials, compiled, lambda t, a, b: self._chunk_for(t, a, b))
        self.model = model
        self.provider = provider
        self.prompt = None
        self.rejections: list[str] = []
        self._concepts: tuple[object, frozenset[str]] | None = None
        self._trial_names: tuple[tuple[str, ...], frozenset[str]] | None = None
        self._surface: tuple[object, frozenset[str]] | None = None
        if model is not None:
            from prompts import load_prompt

            self.prompt = load_prompt("answer")

    # -- entry point ------------------------------------------------------------------------------
    def ask(self, question: str, trial: str | None = None) -> Answer:
        question = " ".join(question.split())
        if not question:
            raise TrialscreenError("the question is empty; ask about a trial, e.g. 'what is the prednisone cap?'")
        if len(question) > 2000:
            raise TrialscreenError("the question is over 2,000 characters; ask one thing at a time")
        question, respelled = respell(question, self._names(), self._vocabulary() | self._described(), self._written())
        answer = self._answer(question, trial)
        if respelled:
            read = "; ".join(f"\u201c{a}\u201d as \u201c{b}\u201d" for a, b in respelled)
            answer.answer = f"(Read {read}.) {answer.answer}"
        return answer

    def _answer(self, question: str, trial: str | None) -> Answer:
        resolution = (
            Resolution(trials=[self.catalog.resolve(trial)], by="stem")
            if trial
            else resolve_trials(question, self.catalog)
        )
        if resolution.unknown_refs and not resolution.trials:
            refs = ", ".join(resolution.unknown_refs)
            return Answer(
                f"{NOT_IN_TEXTS}: {refs} is not among the indexed trials, so nothing can be quoted about it.",
                intent="unknown_trial",
            )
        unnamed = [] if trial or resolution.by in ("nct", "stem") else self._unknown_names(question)
        if unnamed:
            what = " ".join(unnamed)
            return Answer(
                f"{NOT_IN_TEXTS}: no indexed trial is named or described by \u201c{what}\u201d, so nothing can be "
                "quoted about it.",
                intent="unknown_trial",
            )
        for intent, pattern, names in words().intents:
            if pattern.search(question) and (intent != "dosing" or not words().excludes.search(question)):
                answer = self._field(intent, names, resolution, question)
                if answer is not None:
                    return answer
        computed = self._computed(question, resolution)
        if computed is not None:
            return computed
        if resolution.fan_out:
            return self._fan_out(question, resolution)
        extractive = self._passages(question, resolution)
        if self.model is None or self.prompt is None or not extractive.citations:
            return extractive  # a refusal stands: a model may phrase what the texts say, never add to it
        return self._with_model(question, resolution, extractive)

    def _with_model(self, question: str, resolution: Resolution, extractive: Answer) -> Answer:
        import logging

        from retrieval.llm_answer import Rejection, llm_answer

        passages = []
        for ref in resolution.trials[:3]:
            for doc in self.retriever.search(question, Filters(trial=ref), k=4):
                passages.append(self.retriever.corpus.by_id[doc.metadata["chunk_id"]])
        for cite in extractive.citations:  # the extractive pick is always among the passages
            chunk = self.retriever.corpus.by_id.get(cite.chunk_id)
            if chunk is not None and chunk not in passages:
                passages.insert(0, chunk)
        result = llm_answer(self.model, self.prompt, question, passages[:8], self.provider)  # type: ignore[arg-type]
        if isinstance(result, Rejection):
            self.rejections.append(result.reason)
            logging.getLogger("trialscreen.llm").warning(
                "model answer rejected: %s; using the extractive answer", result.reason
            )
            return extractive
        return result

    # -- computed over every trial ----------------------------------------------------------------
    def _computed(self, question: str, resolution: Resolution) -> Answer | None:
        """Questions across trials that the typed readings answer: an age, the people a trial rules
        out, the highest or lowest daily dose of a drug."""
        across = resolution.fan_out or resolution.by == "all"
        if not across:
            return None
        given = self._giving(question)
        if given is not None:
            return given
        span = asked_span(question)
        if span is not None:
            return self.computed.ranges(span)
        washed = washed_out_drug(question)
        if washed is not None:
            return self.computed.washouts(washed)
        capped = capped_at(question)
        if capped is not None:
            return self.computed.caps_within(*capped)
        drug = dosed_drug(question)
        if drug is not None:
            return self.computed.dose_caps(drug, highest=not lowest_wanted(question))
        probe = age_probe(question)
        if probe is not None:
            return self.computed.age(probe)
        probes = state_probes(question) + person_probes(question) + lab_probes(question)
        if probes and resolution.fan_out and words().excludes.search(question):
            return self.computed.barred(probes)  # None: no rule reads them, and the passages answer
        return None

    def _giving(self, question: str) -> Answer | None:
        """ "Which trials give belimumab?": the trials whose interventions (or title) name the drug, each
        cited where its record names it."""
        if not words().gives.search(question) or words().excludes.search(question) or words().includes.search(question):
            return None
        drugs = vocabulary().drugs_in(question)
        if len(drugs) != 1:
            return None
        drug = drugs[0]
        cites: list[Citation] = []
        for trial in self.catalog.trials():
            if drug.name not in {d.name for d in vocabulary().drugs_in(" ".join([trial.title, *trial.interventions]))}:
                continue
            where = next(
                (
                    c
                    for c in (trial.cite_for("interventions"), trial.cite_for("title"))
                    if c and drug.found_in(trial.source_text[c.start : c.end])
                ),
                None,
            )
            if where is not None:
                start, end = where.start, where.end
            else:  # a record without a parsed interventions field: where its text first names the drug
                m = drug._joined().search(trial.source_text)
                if m is None:
                    continue
                start, end = m.start(), m.end()
            quote = trial.source_text[start:end]
            cites.append(Citation(trial.ref, self._chunk_for(trial, start, end), quote, start, end))
        if not cites:
            return Answer(f"{NOT_IN_TEXTS}: no indexed trial gives {drug.name}.", intent="interventions")
        items = "; ".join(f"{c.trial} ({_quote(c.quote)})" for c in cites)
        total = len(self.catalog.trials())
        return Answer(
            f"{len(cites)} of {total} trials give {drug.name}: {items}.",
            cites,
            [c.trial for c in cites],
            "interventions",
        )

    # -- the index's words ------------------------------------------------------------------------
    def _vocabulary(self) -> frozenset[str]:
        """Every word the indexed passages use (as the lexical index tokenizes them)."""
        return self.retriever.corpus.bm25.vocabulary

    def _names(self) -> frozenset[str]:
        """The words of the indexed trials' names (titles, interventions, sponsors), their drugs, and
        every drug the indexed passages name (the lexical index holds them under their names)."""
        trials = self.catalog.trials()
        key = tuple(t.ref for t in trials)
        if self._trial_names is None or self._trial_names[0] != key:
            texts = [" ".join([t.title, *t.interventions, t.sponsor or ""]) for t in trials]
            drugs = {w for w in self._vocabulary() if "-" not in w and vocabulary().drug(w) is not None}
            self._trial_names = (key, index_names(texts) | drugs)
        return self._trial_names[1]

    def _written(self) -> frozenset[str]:
        """The words of the indexed texts as written (lower case, 5 letters or more), worked out once."""
        corpus = self.retriever.corpus
        if self._surface is None or self._surface[0] is not corpus:
            texts = [c.text for c in corpus.chunks] + [t.title for t in self.catalog.trials()]
            found = frozenset(w.lower() for text in texts for w in re.findall(r"[A-Za-z]{5,}", text))
            self._surface = (corpus, found)
        return self._surface[1]

    def _described(self) -> frozenset[str]:
        """The words the trials are described by (titles, interventions, sponsors, summaries), which
        the passages' lexical index leaves out."""
        return frozenset(
            w
            for t in self.catalog.trials()
            for w in tokens(" ".join([t.title, *t.interventions, t.sponsor or "", t.summary]))
        )

    def _given(self) -> frozenset[str]:
        """The drugs the indexed trials give (their titles and interventions name them)."""
        return frozenset(
            d.name.replace(" ", "-")
            for t in self.catalog.trials()
            for d in vocabulary().drugs_in(" ".join([t.title, *t.interventions]))
        )

    def _unknown_names(self, question: str) -> list[str]:
        """Words that name the trial asked about ("the CD19 CAR-T trial") and that no indexed text uses."""
        vocab = self._vocabulary() | self._described()
        out: list[str] = []
        for name in named_phrases(question):
            for word in name.split():
                drugs = vocabulary().drugs_in(word)
                if drugs:  # a drug: unknown when no indexed trial gives it, even if a criterion names it
                    unknown = all(d.name.replace(" ", "-") not in self._given() for d in drugs)
                else:
                    parts = [s for p in tokens(word) for s in words().synonyms.get(p, (p,))]
                    unknown = bool(parts) and not any(p in vocab or is_generic(p) or p.isdigit() for p in parts)
                if unknown:
                    out.append(word.strip(".,;:?!()"))
        return list(dict.fromkeys(out))

    # -- structured fields ------------------------------------------------------------------------
    def _field(self, intent: str, names: tuple[str, ...], resolution: Resolution, question: str) -> Answer | None:
        if resolution.fan_out and intent in ("dosing",):
            return None
        named = resolution.by == "drug" and intent == "dosing"  # "the IL-2 trials": each of them
        refs = resolution.trials if (resolution.fan_out or len(resolution.trials) <= 3 or named) else []
        if not refs:
            return None
        sentences: list[str] = []
        cites: list[Citation] = []
        missing: list[str] = []
        for ref in refs:
            trial = self.catalog.trial(ref)
            found = [c for c in trial.field_cites if c.field in names]
            if intent == "dosing":
                found = found[:2]
                if not found:
                    arms = [s for s in trial.sections if s.name in ("arms", "design")]
                    found = []
                    if arms:
                        return self._passages(question, Resolution(trials=[ref], by="stem"), section="arms")
            if not found:
                missing.append(ref)
                continue
            cite = found[0]
            quote = trial.source_text[cite.start : cite.end]
            chunk = self._chunk_for(trial, cite.start, cite.end)
            cites.append(Citation(ref, chunk, quote, cite.start, cite.end))
            sentences.append(self._field_sentence(intent, trial, quote))
            extras = found[1:]
            end_cite = trial.cite_for("end_date")
            if intent == "status" and trial.status_note() and end_cite is not None:
                extras.append(end_cite)  # the stated end date that contradicts the stated status
            for extra in extras:
                q2 = trial.source_text[extra.start : extra.end]
                cites.append(Citation(ref, self._chunk_for(trial, extra.start, extra.end), q2, extra.start, extra.end))
        if not cites:
            what = {"end_date": "end date", "status": "recruitment status"}.get(intent, intent)
            names_ = ", ".join(missing)
            return Answer(
                f"{NOT_IN_TEXTS}: the text of {names_} does not state its {what}.", intent=intent, trials=missing
            )
        text = " ".join(sentences)
        if missing:
            text += f" No {intent} passage was found in the text of {', '.join(missing)}."
        return Answer(text, cites, [c.trial for c in cites], intent=intent)

    def _field_sentence(self, intent: str, trial: Trial, quote: str) -> str:
        label = _label(trial)
        if intent == "status":
            note = trial.status_note()
            if note:
                return f"{label}: {note}. Its text says {_quote(quote)}."
            state = (
                "is recruiting" if trial.recruiting else f"is not recruiting (status: {trial.status.replace('_', ' ')})"
            )
            return f"{label} {state}; its text says {_quote(quote)}."
        if intent == "phase":
            return f"{label} is {trial.phase or 'of an unstated phase'}: {_quote(quote)}."
        if intent == "enrollment":
            return f"{label} plans {trial.enrollment} participants: {_quote(quote)}."
        if intent == "sponsor":
            return f"{label} is sponsored by {trial.sponsor}: {_quote(quote)}."
        if intent == "dosing":
            return f"{label} doses as follows: {_quote(quote)}."
        return f"{label}: {_quote(quote)}."

    def _chunk_for(self, trial: Trial, start: int, end: int) -> str:
        best = None
        for c in self.retriever.corpus.chunks:
            if c.trial == trial.ref and c.start <= start and end <= c.end:
                best = c.id
                break
        return best or f"{trial.ref}:field"

    # -- passages ---------------------------------------------------------------------------------
    def _kind(self, question: str) -> str | None:
        if words().excludes.search(question):
            return "exclusion"
        if words().includes.search(question) and not words().capped.search(question):
            return "inclusion"
        return None

    def _known(self, anchors: list[Anchor]) -> list[Anchor]:
        """Anchors the trial texts use at all: words no trial uses (or injected instructions) cannot be
        matched and do not count; a question left with none is answered with a refusal."""
        vocab = self.retriever.corpus.bm25.vocabulary
        named = self._corpus_concepts()
        out = []
        for a in anchors:
            if not named.isdisjoint(a.concepts) or any(
                w in vocab or (len(w) > 4 and any(v.startswith(w) for v in vocab)) for w in a.words
            ):
                out.append(a)
        return out

    def _corpus_concepts(self) -> frozenset[str]:
        """The concepts (labs, conditions, scores) the indexed passages name, worked out once."""
        corpus = self.retriever.corpus
        if self._concepts is None or self._concepts[0] is not corpus:
            self._concepts = (corpus, frozenset(k for c in corpus.chunks for k in concept_keys(c.text)))
        return self._concepts[1]

    def _unnamed(self, question: str, asked: list[Anchor], known: list[Anchor]) -> list[Anchor]:
        """The anchors no indexed text uses that name something ("CAR-T", "CD19"): written with capitals
        inside or with digits among letters. The question is about them, so the rest cannot answer it."""
        out = []
        for a in asked:
            if a in known or a.concepts:
                continue
            written = re.search(rf"(?<![\w-]){re.escape(a.words[0])}(?![\w-])", question, re.IGNORECASE)
            said = written.group() if written else ""
            if words().name_like.search(said):
                out.append(a)
        return out

    def _passages(self, question: str, resolution: Resolution, section: str | None = None) -> Answer:
        asked = _anchors(question, resolution, self.catalog)
        anchors = self._known(asked)
        unnamed = self._unnamed(question, asked, anchors)
        if (asked and not anchors) or unnamed:
            about = " ".join(a.name for a in (unnamed or asked))
            return Answer(
                f"{NOT_IN_TEXTS}: the indexed trial texts never mention {about}.",
                intent="criteria",
                trials=resolution.trials,
            )
        refs = resolution.trials
        # synonyms and a concept's other names help the lexical half
        query = " ".join([question, *(w for a in anchors for w in (a.words if a.concepts else a.words[1:]))])
        hits: list[_Hit] = []
        amount = bool(words().amount.search(question))
        stated = words().dose_stated if words().asks_dose.search(question) else words().stated
        for ref in refs[:9]:
            docs = self.retriever.search(query, Filters(trial=ref, section=section), k=20)
            for rank, doc in enumerate(docs):
                chunk = self.retriever.corpus.by_id[doc.metadata["chunk_id"]]
                cover = _coverage(self.retriever.corpus.body(chunk.id), anchors)  # with its lead-in, not the title
                if anchors and cover < 0.5:
                    continue
                if not anchors and float(doc.metadata.get("bm25", 0.0)) <= 0:
                    continue
                own = _coverage(chunk.text, anchors) if anchors else 1.0  # in its own words, not via its lead-in
                silent = amount and not stated.search(chunk.text)  # asked an amount, states none
                hits.append(_Hit(-round(own, 3), silent, -round(cover, 3), rank, ref, chunk))
        if not hits:
            about = " ".join(a.name for a in anchors) or "that"
            where = "the indexed trial texts" if len(refs) != 1 else f"the text of {refs[0]}"
            verb = "say" if len(refs) != 1 else "says"
            return Answer(f"{NOT_IN_TEXTS}: {where} {verb} nothing about {about}.", intent="criteria", trials=refs)
        hits.sort(key=lambda h: (h.own, h.silent, h.cover, h.rank))
        if amount and len(refs) == 1 and all(h.silent for h in hits):
            spoken = [a for a in anchors if any(_coverage(self.retriever.corpus.body(h.chunk.id), [a]) for h in hits)]
            unsaid = [a for a in anchors if a not in spoken]
            said = (
                f"says nothing about {' '.join(a.name for a in unsaid)}"
                if unsaid
                else f"speaks of {' '.join(a.name for a in spoken) or 'that'} but states no amount for it"
            )
            return Answer(f"{NOT_IN_TEXTS}: the text of {refs[0]} {said}.", intent="criteria", trials=refs)
        named_several = resolution.by in ("drug", "description") and 1 < len(refs) <= 4 and not resolution.fan_out
        if named_several:  # the question names several trials alike: each answers, none is picked silently
            return self._each(refs, hits, anchors)
        best_trial = hits[0].ref
        text, cites = self._said(best_trial, hits)
        if len(refs) > 1 and not resolution.fan_out:
            text += f" (The question could fit {len(refs)} trials; this is the closest passage.)"
        return Answer(text, cites, [best_trial], intent="criteria")

    def _each(self, refs: list[str], hits: list[_Hit], anchors: list[Anchor]) -> Answer:
        texts: list[str] = []
        cites: list[Citation] = []
        silent: list[str] = []
        for ref in refs:
            if not any(h.ref == ref for h in hits):
                silent.append(ref)
                continue
            text, own = self._said(ref, hits)
            texts.append(text)
            cites += own
        about = " ".join(a.name for a in anchors) or "it"
        lead = f"The question fits {len(refs)} trials; each is answered."
        tail = f" No passage about {about} was found in the text of {', '.join(silent)}." if silent else ""
        return Answer(" ".join([lead, *texts]) + tail, cites, [c.trial for c in cites], intent="criteria")

    def _said(self, ref: str, hits: list[_Hit]) -> tuple[str, list[Citation]]:
        """What one trial says: its best passage (and a second as good), quoted, with any damage the
        index found in it."""
        same = [h for h in hits if h.ref == ref]
        chosen = same[:1] + [h for h in same[1:2] if h.own <= -1.0]
        trial = self.catalog.trial(ref)
        cites = [Citation(h.ref, h.chunk.id, h.chunk.text, h.chunk.start, h.chunk.end) for h in chosen]
        parts = []
        damage: list[str] = []
        for h in chosen:
            chunk = h.chunk
            criterion = next((c for c in trial.criteria if c.start == chunk.start and c.end == chunk.end), None)
            if criterion is not None:
                lead = f" (under {_quote(criterion.context)})" if criterion.context else ""
                parts.append(f"{criterion.kind} criterion {criterion.number}: {_quote(chunk.text)}{lead}")
                damage += criterion.warnings
            else:
                parts.append(f"the {chunk.section}: {_quote(chunk.text[:400])}")
        text = f"{_label(trial)} says, in " + "; and in ".join(parts) + "."
        if damage:
            text += f" The text looks damaged there ({'; '.join(damage)}): the study team has the exact limit."
        return text, cites

    def _fan_out(self, question: str, resolution: Resolution) -> Answer:
        asked = _anchors(question, resolution, self.catalog)
        anchors = self._known(asked)
        unnamed = self._unnamed(question, asked, anchors)
        if unnamed:
            about = " ".join(a.name for a in unnamed)
            return Answer(f"{NOT_IN_TEXTS}: the indexed trial texts never mention {about}.", intent="multi")
        if not anchors:
            return Answer(
                f"{NOT_IN_TEXTS}: ask what to look for, e.g. 'which trials exclude cataract?'", intent="multi"
            )
        kind = self._kind(question)
        found: list[tuple[Trial, Citation]] = []
        for ref in resolution.trials:
            trial = self.catalog.trial(ref)
            docs = self.retriever.search(question, Filters(trial=ref, section="criteria", kind=kind), k=20)
            for doc in docs:
                chunk = self.retriever.corpus.by_id[doc.metadata["chunk_id"]]
                if _coverage(self.retriever.corpus.body(chunk.id), anchors) == 1.0:
                    found.append((trial, Citation(ref, chunk.id, chunk.text, chunk.start, chunk.end)))
                    break
        if kind == "exclusion":  # what the rules rule out though the words differ ("other biologics")
            have = {t.ref for t, _ in found}
            for trial, criterion in self.computed.ruling_out(exclusion_probes(question)):
                if trial.ref not in have and trial.ref in resolution.trials:
                    have.add(trial.ref)
                    found.append((trial, self.computed.cite(trial, criterion)))
        about = " ".join(a.name for a in anchors)
        verb = {"exclusion": "exclude", "inclusion": "require"}.get(kind or "", "mention")
        if not found:
            return Answer(f"{NOT_IN_TEXTS}: no indexed trial's criteria {verb} {about}.", intent="multi")
        items = "; ".join(f"{t.ref} ({_quote(c.quote)})" for t, c in found)
        text = f"{len(found)} of {len(resolution.trials)} trials {verb} {about}: {items}."
        return Answer(text, [c for _, c in found], [t.ref for t, _ in found], intent="multi")
