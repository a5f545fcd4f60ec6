"""The services every interface uses (the CLI, the Gradio app, the evals, the bench), built from settings.

- indexing: read + compile + store (`index.builder` with the engine's rule compiler);
- screening and matching: a trial's compiled rules against a patient profile (`eligibility`);
- answering: hybrid retrieval over the index, and the language model when one is set.

Interfaces get everything from one `Services`; nothing else wires these parts together. Tests give it
exact fakes through the registries (an embedder registered by name, `tests/conftest.py`) or as
arguments (a fake chat model), never by patching module globals. Heavy libraries (torch, chromadb)
load only when a service that needs them is first used.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trialscreen.config import Settings
from trialscreen.errors import TrialscreenError

if TYPE_CHECKING:
    from eligibility.compiler import CompiledCriterion
    from eligibility.engine import Screening
    from eligibility.facts import Profile
    from eligibility.rulebook import RuleBook
    from index.builder import IndexReport
    from index.catalog import Catalog

_UNSET: Any = object()


class Services:
    def __init__(self, settings: Settings, embedder: Any = None, model: Any = _UNSET) -> None:
        self.settings = settings
        self._embedder = embedder
        self._model = model  # _UNSET: built from the settings on first use (None: no model)
        self._catalog: Catalog | None = None
        self._rules: RuleBook | None = None
        self._answerer: Any = None
        self._reader: Any = _UNSET
        self._fact_reader: Any = _UNSET

    # -- the index --------------------------------------------------------------------------------
    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            from index.catalog import Catalog

            self._catalog = Catalog(self.settings)
        return self._catalog

    def reload(self) -> None:
        """Read the index again (after an index run), keeping the embedder and the model."""
        self._catalog, self._rules, self._answerer = None, None, None

    @property
    def embedder(self) -> Any:
        if self._embedder is None:
            from index.embeddings import make_embedder

            self._embedder = make_embedder(self.settings.embedder)
        return self._embedder

    def require_trials(self) -> None:
        catalog = self.catalog
        if catalog.outdated:
            raise TrialscreenError(
                f"the index in {self.settings.data_dir} was written by an older trialscreen; "
                "run `trialscreen index PATH...` (or `make chat`) to rebuild it"
            )
        if catalog.is_empty():
            raise TrialscreenError("the index is empty; run `trialscreen index PATH` (or `make chat`) first")

    def index(
        self, paths: Sequence[Path], progress: bool = True, replace: bool = False, batch_chunks: int | None = None
    ) -> IndexReport:
        """Read, compile and store trial documents (files or folders); `batch_chunks`: chunks per commit."""
        from eligibility.compiler import RULES
        from index.builder import Indexer

        extra = {"batch_chunks": batch_chunks} if batch_chunks else {}
        indexer = Indexer(self.settings, self.embedder, progress=progress, replace=replace, compiler=RULES, **extra)
        report = indexer.run(list(paths))
        self.reload()
        return report

    def ensure_trials(self) -> IndexReport | None:
        """Index the bundled trials when the index is empty (what `make chat` relies on)."""
        from eligibility.compiler import RULES
        from index.builder import ensure_bundled_index

        if not self.catalog.is_empty():
            return None
        report = ensure_bundled_index(self.settings, self.embedder, compiler=RULES)
        self.reload()
        return report

    # -- screening ---------------------------------------------------------------------------------
    @property
    def rules(self) -> RuleBook:
        if self._rules is None:
            from eligibility.rulebook import RuleBook

            self._rules = RuleBook(self.catalog)
        return self._rules

    def compiled(self, ref: str) -> list[CompiledCriterion]:
        """A trial's compiled criteria; with a model, those the grammar leaves unread as the model reads them."""
        compiled = self.rules.compiled(ref)
        reader = self.criterion_reader
        return compiled if reader is None else reader.apply(self.catalog.trial(ref), compiled)

    @property
    def criterion_reader(self) -> Any:
        """With a model (`--llm`): the checked model reading of criteria (`retrieval.model_reading`), else None."""
        if self._reader is _UNSET:
            self._reader = None
            if self.model is not None:
                from retrieval.model_reading import ModelReader, model_name
                from retrieval.reading_cache import ReadingCache

                s = self.settings
                name = model_name(s.llm_model, s.llm_model_path, self.model, s.llm)
                self._reader = ModelReader(self.model, name, ReadingCache(s.data_dir))
        return self._reader

    @property
    def fact_reader(self) -> Any:
        """With a model (`--llm`): the checked reading of a patient's note (`retrieval.model_facts`), else None."""
        if self._fact_reader is _UNSET:
            self._fact_reader = None
            if self.model is not None:
                from retrieval.model_facts import FactReader
                from retrieval.model_reading import model_name

                s = self.settings
                self._fact_reader = FactReader(self.model, model_name(s.llm_model, s.llm_model_path, self.model, s.llm))
        return self._fact_reader

    def read_note(self, profile: Profile, screenings: Sequence[Screening]) -> Profile:
        """With a model: the profile plus the checked facts the model reads in its note for what these
        screenings still ask (never replacing the reader's); without one, the profile itself."""
        reader = self.fact_reader
        if reader is None or not profile.text.strip():
            return profile
        from eligibility.engine import rank_questions

        result: Profile = reader.complete(profile, rank_questions([s.verdicts for s in screenings]))
        return result

    def screen(self, ref: str, profile: Profile, today: date | None = None, read_note: bool = False) -> Screening:
        """One trial against the profile; with `read_note` and a model, the note is read again by the
        model for what the screening still asks, and the trial screened with what it adds."""
        from eligibility.engine import screen

        trial = self.catalog.trial(self.catalog.resolve(ref))
        compiled = self.compiled(trial.ref)
        result = screen(trial, compiled, profile, today)
        if read_note:
            more = self.read_note(profile, [result])
            if more is not profile:
                result = screen(trial, compiled, more, today)
        return result

    def screen_all(self, profile: Profile, today: date | None = None, refs: Sequence[str] | None = None) -> list[Any]:
        """Screenings of every indexed trial (or of `refs`), in index order."""
        return [self.screen(ref, profile, today) for ref in (refs or [t.ref for t in self.catalog.trials()])]

    def match(self, profile: Profile, today: date | None = None, read_note: bool = False) -> list[Screening]:
        """Every indexed trial, best first (eligible, needs_info, ineligible); with `read_note`, as `screen`."""
        from eligibility.engine import match

        results = self.screen_all(profile, today)
        if read_note:
            more = self.read_note(profile, results)
            if more is not profile:
                results = self.screen_all(more, today)
        return match(results)

    # -- answering ----------------------------------------------------------------------------------
    @property
    def model(self) -> Any:
        """The chat model the settings name (None for `--llm none`), built once; prompts are checked first."""
        if self._model is _UNSET:
            from trialscreen.llm import LLMSettings, chat_model

            s = self.settings
            if s.llm != "none":
                from prompts import validate_all

                validate_all()  # a broken prompt file fails here, at start-up
            llm = LLMSettings.resolve(s.llm, model=s.llm_model, base_url=s.llm_base_url, model_path=s.llm_model_path)
            self._model = chat_model(llm)
        return self._model

    def answerer(self) -> Any:
        """The grounded answerer: hybrid retrieval (the vector store + BM25), and the model if one is set."""
        if self._answerer is None:
            from retrieval.answer import Answerer
            from retrieval.hybrid import ChunkCorpus, HybridRetriever, chroma_vectorstore

            vectorstore = chroma_vectorstore(self.catalog, self.embedder)
            retriever = HybridRetriever(corpus=ChunkCorpus(self.catalog), vectorstore=vectorstore)
            self._answerer = Answerer(self.catalog, retriever, model=self.model, provider=self.settings.llm)
        return self._answerer
