"""The app in a real browser: Playwright driving Debian's Chromium headless (/usr/bin/chromium).

Plays one full patient interview ending in a result card with quotes, one coordinator question and
one referral-note screening. Screenshots go to test-artifacts/. Waits are for elements and text,
never for network idle (Gradio keeps a connection open). In CI the browser must be there (.ci/run
installs it); elsewhere the tests skip with the reason.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from chatbot.app import build_app, launch_options
from index.builder import Indexer
from index.catalog import Catalog
from retrieval.answer import Answerer
from retrieval.hybrid import ChunkCorpus, HybridRetriever
from tests.conftest import BUNDLED, FakeEmbeddings, free_port
from trialscreen.config import Settings
from trialscreen.services import Services

CHROMIUM = os.environ.get("TRIALSCREEN_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not Path(CHROMIUM).exists() and os.environ.get("CI"):
    pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run installs Debian's chromium package", pytrace=False)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and not shutil.which("chromium"),
        reason="Debian's chromium is not installed (apt-get install chromium; .ci/run does it)",
    ),
]


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings.resolve(data_dir=tmp_path_factory.mktemp("browser") / "data")
    Indexer(settings, FakeEmbeddings(), progress=False).run([BUNDLED])
    catalog = Catalog(settings)
    answerer = Answerer(catalog, HybridRetriever(corpus=ChunkCorpus(catalog)))
    app: Any = build_app(Services(settings, model=None), answerer=answerer, today=date(2026, 11, 1))
    port = free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **launch_options())
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()


@pytest.fixture(scope="module")
def page(url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 1600})
        pg = context.new_page()
        pg.set_default_timeout(20_000)
        pg.goto(url, wait_until="domcontentloaded")
        pg.wait_for_selector("#patient-input textarea")
        yield pg
        context.close()
        browser.close()


def _chat_text(page: Any) -> str:
    return str(page.locator("#patient-chat").inner_text())


def _send(page: Any, text: str) -> None:
    before = page.locator("#patient-chat .message").count()
    page.fill("#patient-input textarea", text)
    page.click("#patient-send")
    page.wait_for_function(
        "n => document.querySelectorAll('#patient-chat .message').length > n + 1", arg=before
    )  # the message and the reply


def test_full_patient_interview_ends_in_a_card_with_quotes(page: Any) -> None:
    page.screenshot(path=str(ARTIFACTS / "patient-00-start.png"), full_page=True)
    _send(page, "could I join a lupus IL-2 trial? I'm a 40 year old man with lupus, HIV negative")
    page.wait_for_function("() => document.querySelector('#patient-chat').innerText.includes('I found 5')")
    first = page.locator("#patient-chat .message").last.inner_text()
    assert not re.search(r"liver|ALT|haemoglobin|platelet|creatinine", first), first  # tests and labs come last
    assert "diagnosed you with" not in first  # a man with lupus is not asked whether he has lupus
    page.screenshot(path=str(ARTIFACTS / "patient-01-first-question.png"), full_page=True)
    _send(page, "banana")  # nonsense gets a clear message, nothing breaks
    noes, noted, checklists = 0, False, 0
    for step in range(90):
        if "I have no more questions" in _chat_text(page):
            break
        before = page.locator("#patient-chat .message").count()
        asked = page.locator("#patient-chat .message").last.inner_text()
        if not noted and "Have you had" in asked:  # an answer stating something else: taken, said back, asked again
            noted = True
            _send(page, "I weigh 70 kg")
            page.wait_for_function(
                "() => document.querySelector('#patient-chat').innerText.includes('Noted: weight 70 kg.')"
            )
            assert page.locator("#patient-chat .message").last.inner_text() == asked
            page.screenshot(path=str(ARTIFACTS / "patient-noted.png"), full_page=True)
            continue
        if page.locator("#patient-ticks").is_visible():  # a checklist: tick what applies, then send
            assert not page.locator("#quick-yes").is_visible()  # no bare 'yes' to a list
            hep = page.locator("#patient-ticks label").filter(has_text="hepatitis C")
            if hep.count():
                assert _axe_violations(page) == []  # the tick boxes are labelled and readable
                hep.first.click()  # rules the person out of the trials that exclude it
                page.screenshot(path=str(ARTIFACTS / "patient-checklist.png"), full_page=True)
                page.click("#ticks-send")
                checklists += 1
            else:
                page.click("#quick-unsure")
        elif "hepatitis C" in asked:
            page.click("#quick-yes")  # rules the person out of the trials that exclude it
        elif noes < 3 and asked.rstrip().endswith("(yes / no / not sure)"):
            noes += 1
            page.click("#quick-no")  # an exclusion the person does not have
        else:
            page.click("#quick-unsure")
        page.wait_for_function(
            "n => document.querySelectorAll('#patient-chat .message').length > n + 1", arg=before
        )  # the answer and the reply
        if step % 10 == 9:
            page.screenshot(path=str(ARTIFACTS / f"patient-{step // 10 + 2:02d}-interview.png"), full_page=True)
    assert "I have no more questions" in _chat_text(page)
    assert checklists == 1, "hepatitis C was asked in a checklist of related conditions"
    page.wait_for_selector("#trial-cards .ts-card")
    cards = page.locator("#trial-cards")
    assert cards.locator(".ts-card").count() == 5
    page.wait_for_function(_SETTLED)
    shown = cards.inner_text()
    assert "One thing rules you out:" in shown and "hepatitis C" in shown  # a headline, with the quote
    assert cards.locator(".ts-card .ts-headline").count() == 5  # one per trial
    assert "Recruitment: status stated as Recruiting; end date" in shown  # the caveat of a past end date
    assert not re.search(r"\b(?:lab|cond|prior|med):|:(?:inc|exc)-\d|chars \d", cards.inner_html())
    page.screenshot(path=str(ARTIFACTS / "patient.png"), full_page=True)  # the result, folded (README)
    assert "doesn't apply to you" not in cards.inner_text()  # the checklist folds away ...
    for summary in cards.locator(".ts-details > summary").all():
        summary.click()  # ... and opens
    assert "doesn't apply to you" in cards.inner_text() and "\u201c" in cards.inner_text()
    page.locator("#trial-cards .ts-details .ts-item[data-state='disqualifying'] details summary").first.click()
    page.wait_for_selector("#trial-cards .ts-src mark")  # the trial's words around what rules the person out
    bring = page.locator("#bring-list").inner_text()
    assert "Records for" not in bring and not re.search(r"\b(?:lab|cond|prior|med):", bring)
    assert "pregnan" not in _chat_text(page).lower()
    page.screenshot(path=str(ARTIFACTS / "patient-details.png"), full_page=True)


_SETTLED = """() => [...document.querySelectorAll('#trial-cards, #bring-list, #patient-chat')].every(el => {
  for (let e = el; e; e = e.parentElement) { if (getComputedStyle(e).opacity !== '1') return false; }
  return !document.querySelector('.pending, .generating');
})"""


def _axe_violations(page: Any) -> list[str]:
    """axe-core's findings on the page once Gradio has finished updating it (outputs fade while an event
    runs, which would read as low contrast); axe-playwright-python ships axe-core, nothing is fetched."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_function(_SETTLED)

    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]}" for v in found]


def test_the_patient_page_passes_an_axe_scan_with_its_results(page: Any) -> None:
    page.get_by_role("tab", name="Patient").click()
    page.wait_for_selector("#trial-cards .ts-card")  # after the interview: cards, quotes, the bring-list
    assert _axe_violations(page) == []


def test_the_patient_page_fits_a_phone(page: Any, url: str) -> None:
    context = page.context.browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.set_default_timeout(20_000)
    phone.goto(url, wait_until="domcontentloaded")
    phone.wait_for_selector("#patient-input textarea")
    phone.focus("#patient-input textarea")  # by keyboard alone: type, Enter sends
    phone.keyboard.type("could I join a lupus IL-2 trial?")
    phone.keyboard.press("Enter")
    phone.wait_for_function("() => document.querySelector('#patient-chat').innerText.includes('I found 5')")
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    phone.screenshot(path=str(ARTIFACTS / "patient-mobile.png"), full_page=True)
    visible = phone.locator("#patient-send").is_visible() and phone.locator("#quick-unsure").is_visible()
    violations = _axe_violations(phone)
    context.close()
    assert width <= 390, f"the page is {width} px wide on a 390 px screen"
    assert visible and violations == []


def test_a_question_with_few_answers_offers_them_as_chips(page: Any, url: str) -> None:
    context = page.context.browser.new_context()
    chat = context.new_page()
    chat.set_default_timeout(20_000)
    chat.goto(url, wait_until="domcontentloaded")
    chat.wait_for_selector("#patient-input textarea")
    _send(chat, "could I join a lupus IL-2 trial? I have lupus")
    for _ in range(12):  # not sure, until the chat asks the person's sex
        chat.wait_for_function(_SETTLED)
        if "(female / male)" in chat.locator("#patient-chat .message").last.inner_text():
            break
        before = chat.locator("#patient-chat .message").count()
        chat.click("#quick-unsure")
        chat.wait_for_function("n => document.querySelectorAll('#patient-chat .message').length > n", arg=before)
    chat.wait_for_selector("#patient-options", state="visible")
    assert chat.locator("#patient-options").is_visible() and not chat.locator("#quick-yes").is_visible()
    chat.screenshot(path=str(ARTIFACTS / "patient-chips.png"), full_page=True)
    assert _axe_violations(chat) == []  # the chips are a labelled radio group
    before = chat.locator("#patient-chat .message").count()
    chat.locator("#patient-options label").filter(has_text="female").click()
    chat.wait_for_function("n => document.querySelectorAll('#patient-chat .message').length > n + 1", arg=before)
    said = chat.locator("#patient-chat .message").nth(before).inner_text()
    chat.wait_for_function(
        "() => !document.querySelector('#patient-options') || "
        "document.querySelector('#patient-options').offsetParent === null"
    )
    context.close()
    assert said.strip() == "female"


def test_coordinator_question_with_citation(page: Any) -> None:
    page.get_by_role("tab", name="Coordinator").click()
    page.wait_for_selector("#ask-input textarea")
    page.fill("#ask-input textarea", "what's the prednisone cap in the telitacicept study?")
    page.click("#ask-send")
    page.wait_for_function("() => document.querySelector('#ask-answer').innerText.includes('10 mg/day')")
    page.locator("#ask-answer details summary").first.click()
    page.wait_for_selector("#ask-answer mark")
    page.screenshot(path=str(ARTIFACTS / "coordinator.png"), full_page=True)


def test_referral_note_screening(page: Any) -> None:
    page.get_by_role("tab", name="Coordinator").click()
    page.get_by_text("Screen a referral note").click()
    page.wait_for_selector("#note-input textarea")
    page.fill(
        "#note-input textarea",
        "Referral: 41 yo man with SLE, SLEDAI 10, had rituximab 2 months ago. No cancer. HIV negative.",
    )
    page.click("#note-screen")
    page.wait_for_function("() => document.querySelector('#note-summary').innerText.includes('Screened against 9')")
    assert "ineligible" in page.locator("#note-results").inner_text()
    page.screenshot(path=str(ARTIFACTS / "referral.png"), full_page=True)


def test_eval_report_plots_render_in_chromium(page: Any, tmp_path: Path) -> None:
    from evals.report import write_report
    from evals.runner import run_files

    settings = Settings.resolve(data_dir=tmp_path / "data")
    Indexer(settings, FakeEmbeddings(), progress=False).run([BUNDLED])
    cases = Path(__file__).resolve().parent.parent / "evals" / "cases" / "screening.jsonl"
    page_path = write_report(run_files([cases], Services(settings), progress=False), tmp_path / "report")
    report = page.context.new_page()  # the same browser, a new tab
    report.goto(page_path.as_uri(), wait_until="load")
    sizes = report.eval_on_selector_all("img", "imgs => imgs.map(i => [i.complete, i.naturalWidth])")
    report.screenshot(path=str(ARTIFACTS / "eval-report.png"), full_page=True)
    report.close()
    assert len(sizes) == 3 and all(done and width > 100 for done, width in sizes)
