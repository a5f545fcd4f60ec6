"""Reading trial pages saved as HTML: the visible text, block by block, without scripts or navigation."""

from __future__ import annotations

from html.parser import HTMLParser

from index.textio import RawDocument
from trialscreen.model import Trial

_BLOCK = {
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "br",
    "tr",
    "td",
    "th",
    "section",
    "article",
    "dt",
    "dd",
    "table",
    "pre",
    "blockquote",
}
_SKIP = {
    "head",
    "title",
    "script",
    "style",
    "nav",
    "header",
    "footer",
    "noscript",
    "svg",
    "form",
    "button",
    "select",
}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag in _BLOCK:
            self.out.append("\n")
            if tag == "li" and not self.skip:
                self.out.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self.skip:
            self.skip -= 1
        elif tag in _BLOCK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(" ".join(data.split()) if "\n" in data else data)


def html_to_text(html: str) -> str:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = [line.strip() if not line.startswith("- ") else line for line in "".join(parser.out).split("\n")]
    text: list[str] = []
    for line in lines:
        if not line.strip() and text and not text[-1].strip():
            continue
        text.append(line)
    return "\n".join(text).strip() + "\n"


def read_html(doc: RawDocument) -> Trial:
    from index.readers.text import read_text

    as_text = RawDocument(path=doc.path, text=html_to_text(doc.text), sha256=doc.sha256)
    return read_text(as_text, source_format="html")
