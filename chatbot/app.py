"""The Gradio app. For now: the indexed trials and a passage search with verbatim citations.

The patient interview and the coordinator workspace build on this (issue 5).
"""

from __future__ import annotations

from typing import Any

from index.builder import ensure_bundled_index
from index.catalog import Catalog
from index.embeddings import MiniLMEmbeddings
from index.store import ChunkStore
from retrieval.dense import DenseSearcher
from trialscreen.config import Settings

INTRO = (
    "## trialscreen\n"
    "A pre-screen for lupus (SLE) clinical trials, grounded in the trials' own words. "
    "**Not medical advice**: the study team decides who can join."
)


def build_app(settings: Settings, embedder: Any = None) -> Any:
    import gradio as gr

    embedder = embedder or MiniLMEmbeddings()
    catalog = Catalog(settings)
    searcher = DenseSearcher(ChunkStore(settings, embedder.name), catalog, embedder)
    rows = [[t.ref, t.title, t.status, t.phase or "", len(t.criteria), len(t.warnings)] for t in catalog.trials()]

    def search(query: str) -> str:
        if not query or not query.strip():
            return "Type a question or a few words to search the trial texts."
        hits = searcher.search(query.strip(), k=5)
        if not hits:
            return "Nothing in the trial texts matches that."
        lines = []
        for hit in hits:
            meta = hit.metadata
            trial = catalog.trial(str(meta["trial"]))
            quote = " ".join(trial.quote(int(meta["start"]), int(meta["end"])).split())
            lines.append(f"**{trial.ref}** · `{meta['chunk_id']}` · chars {meta['start']}–{meta['end']}\n> {quote}")
        return "\n\n".join(lines)

    with gr.Blocks(title="trialscreen") as app:
        gr.Markdown(INTRO)
        gr.Dataframe(
            value=rows,
            headers=["trial", "title", "status", "phase", "criteria", "warnings"],
            label="Indexed trials",
            interactive=False,
        )
        query = gr.Textbox(label="Search the trial texts", placeholder="e.g. prednisone dose limit")
        button = gr.Button("Search", variant="primary")
        results = gr.Markdown(elem_id="search-results")
        button.click(search, inputs=query, outputs=results, api_name="search")
        query.submit(search, inputs=query, outputs=results, api_visibility="private")
    return app


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    embedder = MiniLMEmbeddings()
    report = ensure_bundled_index(settings, embedder)
    if report is not None:
        print(f"first run: indexed the bundled trials ({report.summary()})")
    app = build_app(settings, embedder)
    app.launch(server_name=host, server_port=port, show_error=False)
