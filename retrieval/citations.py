"""What an answer is: its sentence, and citations of verbatim trial text (trial, chunk, span).

Both the extractive answerer (`retrieval.answer`) and the language-model path (`retrieval.llm_answer`)
build these, and both check quotes with `verbatim`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from index.criteria import display_text, unescape_markdown
from trialscreen.model import Trial

NOT_IN_TEXTS = "That is not in the trial texts"


@dataclass(frozen=True)
class Citation:
    trial: str
    chunk_id: str
    quote: str
    start: int
    end: int

    def to_json(self) -> dict[str, Any]:
        return {
            "trial": self.trial,
            "chunk_id": self.chunk_id,
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
        }


@dataclass
class Answer:
    answer: str
    citations: list[Citation] = field(default_factory=list)
    trials: list[str] = field(default_factory=list)
    intent: str = "criteria"
    source: str = "extractive"  # or the language model provider that phrased it

    def to_json(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "citations": [c.to_json() for c in self.citations],
            "intent": self.intent,
            "source": self.source,
        }


def verbatim(trial: Trial, quote: str) -> bool:
    """A quote is verbatim when it stands in the trial's stored text (white space and Markdown escapes aside)."""
    if not quote.strip():
        return False
    if quote in trial.source_text:
        return True
    return display_text(quote) in display_text(trial.source_text) or display_text(
        unescape_markdown(quote)
    ) in display_text(unescape_markdown(trial.source_text))
