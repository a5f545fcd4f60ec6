"""The Gradio app: a patient interview and a coordinator workspace.

Patient mode: what it is, what the person looks for, the candidate trials, then one question at a
time (quick answers: yes / no / not sure; free text always accepted), trial cards with the criteria
checklist and the trial's own words, go back / start over. Coordinator mode: questions answered
with quotes, a trial browser with criteria highlighted, and referral-note screening with CSV export.

Each browser session has its own state (gr.State); no patient text is written to disk unless the
operator turns on an audit log. Errors become a message, never a traceback. Referral CSVs are the
app's own temporary files: one folder per browser session, removed when the session ends and all of
it when the app closes. The app is offline: Gradio's analytics and version check are off.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
import weakref
from datetime import date
from pathlib import Path
from typing import Any

from chatbot.session import INTRO, PatientSession
from chatbot.views import HEADERS, cards_html, rows_csv, screening_rows, trial_text_html
from eligibility.extract import read_patient
from eligibility.questions import CHECKLIST, Question
from index.catalog import Catalog
from retrieval.answer import Answerer
from trialscreen.errors import TrialscreenError
from trialscreen.services import Services

log = logging.getLogger("trialscreen.chat")
SHOWN_OPEN = 5  # open questions listed in the closing message; the cards list them all
HINTS = {
    "yes_no": "(yes / no / not sure)",
    "months_ago": "(yes or no, and when: e.g. 'yes, 8 months ago'; or 'not sure')",
    "text": "(type your answer, or 'not sure')",
    "duration": "(how long: e.g. '6 months', or when a dose last changed: '2 weeks ago'; or 'not sure')",
    "several": "(tick the ones that apply below and send, or type their names or numbers; or 'none of these', "
    "'not sure')",
}


class AuditLog:
    """Appends each patient turn as a JSON line, only when the operator asked for it (--audit-log)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()

    def write(self, session: str, role: str, text: str) -> None:
        if self.path is None:
            return
        line = json.dumps({"time": time.time(), "session": session, "role": role, "text": text})
        with self._lock, self.path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


class Downloads:
    """The app's own temporary files (referral CSVs): a folder per browser session under one folder of
    the app's, removed when the session ends (`end`), and entirely when the app closes or exits."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="trialscreen-app-"))
        self._remove = weakref.finalize(self, shutil.rmtree, self.root, ignore_errors=True)

    def _folder(self, session: str) -> Path:
        return self.root / (re.sub(r"[^A-Za-z0-9_-]", "", session)[:64] or "local")

    def file(self, session: str, name: str) -> Path:
        folder = self._folder(session)
        folder.mkdir(exist_ok=True)
        return folder / name

    def end(self, session: str) -> None:
        shutil.rmtree(self._folder(session), ignore_errors=True)

    def close(self) -> None:
        self._remove()


def controls(question: Question | None) -> dict[str, Any]:
    """Which quick answers fit the question being asked: yes / no where they make sense (a checklist's
    'no' is 'none of these'; a lab's 'no' is 'never tested'), the items of a checklist, the options of a
    choice (choice chips). Not sure always fits."""
    kind = question.input if question is not None else ""
    options = kind.split(":", 1)[1].split(",") if kind.startswith("choice:") else []
    lab = question is not None and question.key.startswith(("lab:", "score:"))  # 'no' is 'never tested'
    return {
        "yes": kind in ("yes_no", "months_ago", "text"),  # "Was your bilirubin normal?": yes
        "no": kind in ("yes_no", "months_ago", "text", CHECKLIST) or lab,
        "unsure": question is not None,  # nothing asked (not started, or the end): nothing to be unsure of
        "checklist": list(question.choices) if question is not None and question.members else [],
        "options": options,
    }


def _hint(input_kind: str) -> str:
    if input_kind.startswith("number"):
        unit = input_kind.split(":", 1)[1] if ":" in input_kind else ""
        return f"(a number{(' in ' + unit) if unit else ''}, or 'not sure')"
    if input_kind.startswith("choice"):
        return "(" + " / ".join(input_kind.split(":", 1)[1].split(",")) + ")"
    return HINTS.get(input_kind, "")


class ChatApp:
    """The app's behaviour, independent of Gradio widgets (each handler returns what the widgets show)."""

    def __init__(
        self,
        services: Services,
        answerer: Answerer | None = None,
        audit: AuditLog | None = None,
        today: date | None = None,
        model: Any = None,
    ) -> None:
        self.services = services
        self.answerer = answerer  # None: the coordinator's questions say the index is not available
        self.audit = audit or AuditLog(None)
        self.today = today
        self.model = model  # optional: phrases questions and reads free-text replies, checked
        self.downloads = Downloads()

    @property
    def catalog(self) -> Catalog:
        return self.services.catalog

    # -- patient ----------------------------------------------------------------------------------
    def new_state(self) -> dict[str, Any]:
        return {
            "session": PatientSession(self.services, self.today or date.today()),
            "history": [{"role": "assistant", "content": INTRO}],
            "id": hashlib.sha256(str(time.time_ns()).encode()).hexdigest()[:12],
        }

    def _ask_next(self, state: dict[str, Any]) -> None:
        session: PatientSession = state["session"]
        q = session.next_question()
        if q is None:
            still = session.still_open()
            if still:
                done = (
                    "I have no more questions I can ask. Still open, for the study team (you were not sure, or "
                    "the answer did not settle it): "
                    + " ".join(f"({i}) {q}" for i, q in enumerate(still[:SHOWN_OPEN], 1))
                    + (
                        f" ... and {len(still) - SHOWN_OPEN} more, listed on the cards."
                        if len(still) > SHOWN_OPEN
                        else ""
                    )
                    + " See the cards below, and bring the list to the study team."
                )
            else:
                done = (
                    "I have no more questions: every candidate trial is decided, or only the study team can "
                    "settle what is left. See the cards below, and bring the list to the study team."
                )
            state["history"].append({"role": "assistant", "content": done})
        else:
            text = q.text
            if self.model is not None:
                from chatbot.llm_chat import phrase_question

                text = phrase_question(self.model, q)
            items = "".join(f"\n{n}. {c}" for n, c in enumerate(q.choices, 1))  # also read by screen readers
            state["history"].append({"role": "assistant", "content": f"{text} {_hint(q.input)}{items}"})

    def _view(self, state: dict[str, Any]) -> tuple[list[dict[str, str]], str, dict[str, Any], str, str]:
        session: PatientSession = state["session"]
        if not session.candidates:
            return state["history"], "", state, "", ""
        cards = session.cards()
        sources = {c["trial"]: self.catalog.trial(c["trial"]).source_text for c in cards}
        bring = "**To bring to the study team**\n\n" + "\n".join(f"- {b}" for b in session.bring())
        return state["history"], "", state, cards_html(cards, sources), bring

    def patient_send(self, message: str, state: dict[str, Any] | None) -> tuple[Any, ...]:
        state = state or self.new_state()
        session: PatientSession = state["session"]
        message = (message or "").strip()
        if not message:
            return self._view(state)
        state["history"].append({"role": "user", "content": message})
        self.audit.write(state["id"], "patient", message)
        try:
            if not session.candidates:
                state["history"].append({"role": "assistant", "content": session.start(message)})
                self._ask_next(state)
            else:
                error = session.reply(message)
                if error and self.model is not None and session.asked:
                    error = self._model_reading(session, message) or error
                    error = None if error == "ok" else error
                if error:
                    state["history"].append({"role": "assistant", "content": error})
                else:
                    if session.noted:
                        state["history"].append({"role": "assistant", "content": session.noted})
                    self._ask_next(state)
        except TrialscreenError as err:
            state["history"].append({"role": "assistant", "content": str(err)})
        except Exception:  # never a traceback in the chat
            log.exception("patient turn failed")
            state["history"].append(
                {
                    "role": "assistant",
                    "content": "Sorry, something went wrong on our side; please try again or start over.",
                }
            )
        return self._view(state)

    def _model_reading(self, session: PatientSession, message: str) -> str | None:
        """When the rules cannot read a reply, a model may: its facts are checked before use."""
        from chatbot.llm_chat import read_reply
        from chatbot.replies import Parsed
        from chatbot.session import Turn

        assert session.asked is not None
        question = session.asked_question or session.question(session.asked)
        facts = read_reply(self.model, question, message)
        if not facts:
            return None
        # the model's yes/no covers only the window the question asked about, as a typed answer would
        window = question.answer_window()
        for key, value in list(facts.items()):
            if window and isinstance(value, bool):
                facts[key] = {"value": value, **window}
            elif window and isinstance(value, dict) and "within_months" not in value and "months_ago" not in value:
                facts[key] = {**value, **window}
        session.turns.append(Turn(session.asked, message, Parsed(facts=facts)))
        session.asked, session.asked_question = None, None
        return "ok"

    def patient_controls(self, state: dict[str, Any] | None) -> dict[str, Any]:
        """The quick answers that fit the question now asked (see `controls`)."""
        session: PatientSession | None = (state or {}).get("session")
        asked = session.asked_question if session is not None and session.candidates else None
        return controls(asked)

    def patient_back(self, state: dict[str, Any] | None) -> tuple[Any, ...]:
        state = state or self.new_state()
        session: PatientSession = state["session"]
        if session.turns:
            last = session.back()
            taken = f" (\u201c{last.reply}\u201d)" if last is not None else ""
            state["history"].append({"role": "assistant", "content": f"I took back your last answer{taken}."})
            self._ask_next(state)
        else:
            state["history"].append({"role": "assistant", "content": "There is no answer to take back yet."})
        return self._view(state)

    def patient_restart(self, state: dict[str, Any] | None) -> tuple[Any, ...]:
        return self._view(self.new_state())

    # -- coordinator --------------------------------------------------------------------------------
    def ask(self, question: str) -> str:
        if self.answerer is None:
            return "Questions need the search index; it is not available right now."
        try:
            answer = self.answerer.ask(question)
        except TrialscreenError as err:
            return str(err)
        except Exception:
            log.exception("ask failed")
            return "Sorry, the question could not be answered right now (is the index or the Chroma server up?)."
        out = [answer.answer.replace("<", "&lt;")]
        for c in answer.citations:
            trial = self.catalog.trial(c.trial)
            from chatbot.views import highlight

            out.append(
                f"<details><summary>{c.chunk_id} · chars {c.start}–{c.end}</summary>"
                f"<div class='ts-src'>{highlight(trial.source_text, c.start, c.end)}</div></details>"
            )
        return "\n\n".join(out)

    def browse(self, status: str, phase: str, intervention: str, condition: str) -> list[list[Any]]:
        rows = []
        for t in self.catalog.trials():
            if status and status != "any" and t.status != status:
                continue
            if phase and phase != "any" and (t.phase or "") != phase:
                continue
            if intervention and not any(intervention.lower() in i.lower() for i in t.interventions):
                continue
            if condition and not any(condition.lower() in c.lower() for c in t.conditions):
                continue
            compiled = self.services.compiled(t.ref)
            rows.append(
                [
                    t.ref,
                    t.title[:90],
                    t.status,
                    t.phase or "",
                    ", ".join(t.interventions)[:60],
                    sum(1 for c in compiled if c.rule is not None),
                    len(t.warnings),
                ]
            )
        return rows

    def trial_text(self, ref: str) -> str:
        if not ref:
            return ""
        try:
            key = self.catalog.resolve(ref)
        except TrialscreenError as err:
            return str(err)
        return trial_text_html(self.catalog.trial(key), self.services.compiled(key))

    def screen_note(
        self, note: str, upload: Any = None, session: str = "local"
    ) -> tuple[list[list[Any]], str | None, str]:
        text = note or ""
        if upload is not None:
            path = Path(upload if isinstance(upload, str) else upload.name)
            try:
                text = path.read_text("utf-8")
            except (OSError, UnicodeDecodeError):
                return [], None, "That file could not be read as UTF-8 text."
            finally:
                path.unlink(missing_ok=True)  # the note is not kept on disk
        if not text.strip():
            return [], None, "Paste a referral note or upload a text file."
        profile = read_patient(text, self.today or date.today())
        results = self.services.match(profile, self.today)
        rows = screening_rows(results)
        path = self.downloads.file(session, "screening.csv")  # Gradio serves a copy from its own cache
        path.write_text(rows_csv(rows), "utf-8")
        summary = ", ".join(
            f"{sum(1 for r in results if r.decision == d)} {d}" for d in ("eligible", "needs_info", "ineligible")
        )
        return rows, str(path), f"Screened against {len(results)} trials: {summary}."


def build_app(
    services: Services,
    audit_log: Path | None = None,
    answerer: Answerer | None = None,
    today: date | None = None,
    model: Any = None,
) -> Any:
    import gradio as gr

    if answerer is None:
        answerer = services.answerer()
        model = model if model is not None else answerer.model
    core = ChatApp(services, answerer, AuditLog(audit_log), today, model=model)
    catalog = services.catalog
    statuses = ["any", *sorted({t.status for t in catalog.trials()})]
    phases = ["any", *sorted({t.phase for t in catalog.trials() if t.phase})]

    def screen_note(note: str, upload: Any, request: Any) -> tuple[list[list[Any]], str | None, str]:
        return core.screen_note(note, upload, session=request.session_hash or "local")

    def end_session(request: Any) -> None:
        core.downloads.end(request.session_hash or "local")

    for fn in (screen_note, end_session):  # Gradio passes the request to a parameter typed gr.Request
        fn.__annotations__["request"] = gr.Request

    # Gradio keeps uploads and downloads in its cache: purge them after 10 minutes. No analytics, and
    # no version check (it goes with analytics): the app makes no call outside this machine.
    with gr.Blocks(title="trialscreen", delete_cache=(600, 600), analytics_enabled=False) as app:
        gr.Markdown(
            "# trialscreen — lupus trial pre-screening\nA pre-screen grounded in the trials' own words. "
            "**Not medical advice**: the study team decides who can take part."
        )
        with gr.Tabs():
            with gr.Tab("Patient", elem_id="tab-patient"):
                state = gr.State(None)
                chat = gr.Chatbot(
                    buttons=["copy"],  # a copy button per message, each labelled; no share, no unlabelled ones
                    value=[{"role": "assistant", "content": INTRO}],
                    elem_id="patient-chat",
                    height=420,
                    label="Pre-screening chat",
                )
                with gr.Row():
                    msg = gr.Textbox(placeholder="Type here…", show_label=False, elem_id="patient-input", scale=5)
                    send = gr.Button("Send", variant="primary", elem_id="patient-send", scale=1)
                options = gr.Radio([], label="Choose one", visible=False, elem_id="patient-options")
                with gr.Group(visible=False, elem_id="patient-checklist") as checklist_box:
                    ticks = gr.CheckboxGroup([], label="Choose all that apply", elem_id="patient-ticks")
                    send_ticks = gr.Button("Send my choices", variant="primary", elem_id="ticks-send")
                with gr.Row():
                    yes = gr.Button("Yes", elem_id="quick-yes", min_width=70)
                    no = gr.Button("No", elem_id="quick-no", min_width=70)
                    unsure = gr.Button("Not sure", elem_id="quick-unsure", min_width=90)
                with gr.Row():
                    back = gr.Button("Go back", elem_id="patient-back", min_width=90)
                    restart = gr.Button("Start over", elem_id="patient-restart", min_width=90)
                cards = gr.HTML(elem_id="trial-cards")
                bring = gr.Markdown(elem_id="bring-list")
                outputs = [chat, msg, state, cards, bring]

                def fit_controls(state: Any) -> tuple[Any, ...]:
                    fit = core.patient_controls(state)
                    none = "None of these" if fit["checklist"] else "No"
                    return (
                        gr.update(visible=fit["yes"]),
                        gr.update(visible=fit["no"], value=none),
                        gr.update(visible=fit["unsure"]),
                        gr.update(visible=bool(fit["options"]), choices=fit["options"], value=None),
                        gr.update(visible=bool(fit["checklist"])),
                        gr.update(choices=fit["checklist"], value=[]),
                    )

                fitted = [yes, no, unsure, options, checklist_box, ticks]
                private: dict[str, Any] = {"api_visibility": "private"}
                # the quick answers that fit the next question: a light update, outside the queue (it
                # reads what the turn worked out and waits behind no one's screening)
                quick: dict[str, Any] = {"api_visibility": "private", "queue": False}
                send.click(core.patient_send, [msg, state], outputs, api_name="patient_send").then(
                    fit_controls, [state], fitted, **quick
                )
                msg.submit(core.patient_send, [msg, state], outputs, **private).then(
                    fit_controls, [state], fitted, **quick
                )
                for button, word in ((yes, "yes"), (no, "no"), (unsure, "not sure")):
                    button.click(lambda s, w=word: core.patient_send(w, s), [state], outputs, **private).then(
                        fit_controls, [state], fitted, **quick
                    )
                options.input(core.patient_send, [options, state], outputs, **private).then(
                    fit_controls, [state], fitted, **quick
                )
                send_ticks.click(
                    lambda picked, s: core.patient_send("; ".join(picked) if picked else "none of these", s),
                    [ticks, state],
                    outputs,
                    **private,
                ).then(fit_controls, [state], fitted, **quick)
                back.click(core.patient_back, [state], outputs, api_name="patient_back").then(
                    fit_controls, [state], fitted, **quick
                )
                restart.click(core.patient_restart, [state], outputs, api_name="patient_restart").then(
                    fit_controls, [state], fitted, **quick
                )
            with gr.Tab("Coordinator", elem_id="tab-coordinator"):
                with gr.Accordion("Ask about the trials", open=True):
                    question = gr.Textbox(
                        label="Question",
                        placeholder="what's the prednisone cap in the telitacicept study?",
                        elem_id="ask-input",
                    )
                    ask_btn = gr.Button("Ask", variant="primary", elem_id="ask-send")
                    answer = gr.Markdown(elem_id="ask-answer")
                    ask_btn.click(core.ask, question, answer, api_name="ask")
                    question.submit(core.ask, question, answer, api_visibility="private")
                with gr.Accordion("Trial browser", open=False):
                    with gr.Row():
                        f_status = gr.Dropdown(statuses, value="any", label="Status")
                        f_phase = gr.Dropdown(phases, value="any", label="Phase")
                        f_int = gr.Textbox(label="Intervention contains")
                        f_cond = gr.Textbox(label="Condition contains")
                    table = gr.Dataframe(
                        value=core.browse("any", "any", "", ""),
                        interactive=False,
                        headers=["trial", "title", "status", "phase", "interventions", "rules", "warnings"],
                        elem_id="trial-table",
                    )
                    filt = gr.Button("Filter", elem_id="trial-filter")
                    filt.click(core.browse, [f_status, f_phase, f_int, f_cond], table, api_name="browse")
                    pick = gr.Dropdown([t.ref for t in catalog.trials()], label="Show trial text", elem_id="trial-pick")
                    text = gr.HTML(elem_id="trial-text")
                    pick.change(core.trial_text, pick, text, api_name="trial_text")
                with gr.Accordion("Screen a referral note", open=False):
                    note = gr.Textbox(label="Referral note", lines=6, elem_id="note-input")
                    upload = gr.File(label="…or upload a text file", file_types=[".txt", ".md"], elem_id="note-upload")
                    screen_btn = gr.Button("Screen against every trial", variant="primary", elem_id="note-screen")
                    summary = gr.Markdown(elem_id="note-summary")
                    results = gr.Dataframe(headers=HEADERS, interactive=False, elem_id="note-results")
                    csv_file = gr.File(label="Download CSV", elem_id="note-csv")
                    screen_btn.click(screen_note, [note, upload], [results, csv_file, summary], api_name="screen_note")
        app.unload(end_session)
    app.downloads = core.downloads
    return app


def launch_options() -> dict[str, Any]:
    """How the app is launched (Gradio 6 takes the theme at launch): system fonts (nothing fetched
    from outside this machine), a primary colour with white text at 4.5:1 contrast or more, and a
    footer without the links an offline app does not need."""
    import gradio as gr

    theme = gr.themes.Default(
        primary_hue=gr.themes.colors.blue,
        font=["ui-sans-serif", "system-ui", "sans-serif"],
        font_mono=["ui-monospace", "monospace"],
    ).set(
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        button_primary_text_color="white",
        color_accent="*primary_700",  # the selected tab and other accents, as text on white
    )
    return {"theme": theme, "footer_links": []}


def serve(services: Services, host: str = "127.0.0.1", port: int = 7860, audit_log: Path | None = None) -> None:
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # also for what Gradio does outside our Blocks
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    report = services.ensure_trials()
    if report is not None:
        print(f"first run: indexed the bundled trials ({report.summary()})")
    app = build_app(services, audit_log=audit_log)
    app.queue(default_concurrency_limit=8)
    try:
        app.launch(server_name=host, server_port=port, show_error=False, **launch_options())
    finally:
        app.downloads.close()
