"""HTML and CSV for the app: trial cards with quoted criteria, trial text with highlighted criteria,
referral-screening tables. Everything shown is escaped; quotes are the trial's own words."""

from __future__ import annotations

import csv
import html
import io
from typing import Any

from trialscreen.model import Trial

BADGES = {
    "eligible": ("Possibly eligible", "#1b7f3b"),
    "needs_info": ("More information needed", "#8a5300"),
    "ineligible": ("Not eligible", "#b3261e"),
}
# Plain-text labels (emoji need a font that hospital desktops and headless browsers may lack), as
# the study team reads them, and as a patient does (an exclusion the person does not have "doesn't
# apply to you", never "met"). Colours keep white text at 4.5:1 contrast or more.
LABELS = {
    "met": ("met", "#1b7f3b"),
    "does not apply": ("not excluded", "#1b7f3b"),
    "disqualifying": ("rules out", "#b3261e"),
    "not mentioned": ("not mentioned", "#8a5300"),
    "unclear": ("unclear", "#8a5300"),
    "to confirm": ("study team", "#3558a8"),
    "not applicable": ("n/a", "#5f5f5f"),
}
PATIENT_LABELS = {
    "met": "you meet this",
    "does not apply": "doesn't apply to you",
    "disqualifying": "rules you out",
    "not mentioned": "not answered yet",
    "unclear": "unclear",
    "to confirm": "study team checks",
    "not applicable": "not for you",
}
ORDER = {
    "disqualifying": 0,
    "unclear": 1,
    "not mentioned": 1,
    "to confirm": 2,
    "met": 3,
    "does not apply": 3,
    "not applicable": 4,
}
STYLE = """
<style>
.ts-card{border:1px solid #ccc;border-radius:8px;padding:10px 14px;margin:8px 0}
.ts-badge{color:#fff;border-radius:6px;padding:2px 8px;font-weight:600;margin-right:8px}
.ts-headline{font-weight:600;margin:6px 0 2px}
.ts-caveat{color:#8a3b00;font-weight:600}
.ts-card ul{padding-left:0}
.ts-item{margin:4px 0;list-style:none}
.ts-tag{display:inline-block;min-width:76px;text-align:center;color:#fff;border-radius:4px;padding:0 4px;
font-size:85%;margin-right:6px}
.ts-quote{font-style:italic}
.ts-src{background:#f6f6f6;padding:6px;border-radius:4px;white-space:pre-wrap;font-size:90%}
mark.inclusion{background:#d8f3dc} mark.exclusion{background:#ffe0e0} mark.warn{outline:2px solid #e0a000}
</style>
"""


def _e(text: str) -> str:
    return html.escape(text or "", quote=True)


def highlight(text: str, start: int, end: int, pad: int = 240, cls: str = "inclusion") -> str:
    a, b = max(0, start - pad), min(len(text), end + pad)
    return f"{_e(text[a:start])}<mark class='{cls}'>{_e(text[start:end])}</mark>{_e(text[end:b])}"


def cards_html(cards: list[dict[str, Any]], sources: dict[str, str], patient: bool = True) -> str:
    """The trial cards. For a patient: a headline in plain words, the criterion that rules them out
    (quoted), the recruiting caveat, and every criterion folded away with the trial's own words, no
    internal keys, chunk ids or offsets. For the study team (`patient=False`): each criterion's
    reading and where it is in the index."""
    if not cards:
        return ""
    parts = [STYLE]
    for card in cards:
        label, color = BADGES[card["decision"]]
        note = card.get("status_note")
        state = note or ("recruiting" if card["recruiting"] else f"not recruiting ({card['status'].replace('_', ' ')})")
        parts.append(f"<div class='ts-card' data-trial='{_e(card['trial'])}' data-decision='{card['decision']}'>")
        parts.append(
            f"<div><span class='ts-badge' style='background:{color};color:#fff'>{label}</span>"
            f"<b>{_e(card['title'])}</b> ({_e(card['trial'])})</div>"
        )
        if patient:
            parts.append(f"<p class='ts-headline'>{_e(card.get('headline', ''))}</p>")
            for quote in card.get("ruled_out_by", [])[:1]:
                parts.append(f"<blockquote class='ts-quote'>\u201c{_e(quote)}\u201d</blockquote>")
            status_class = "ts-caveat" if note else "ts-status"
            parts.append(f"<p class='{status_class}'>Recruitment: {_e(state)}</p>")
            parts.append(f"<details class='ts-details'><summary>Each criterion ({len(card['items'])})</summary><ul>")
        else:
            parts.append(f"<div>{_e(state)}</div><ul>")
        for item in sorted(card["items"], key=lambda i: (ORDER[i["state"]], i["kind"], i["number"])):
            shown = not patient or item["state"] == "disqualifying"
            src = highlight(sources[card["trial"]], item["start"], item["end"], cls=item["kind"]) if shown else ""
            tag = PATIENT_LABELS[item["state"]] if patient else LABELS[item["state"]][0]
            parts.append(
                f"<li class='ts-item' data-state='{item['state']}'><span class='ts-tag' "
                f"style='background:{LABELS[item['state']][1]};color:#fff'>{_e(tag)}</span>"
                f"<span class='ts-quote'>\u201c{_e(item['text'])}\u201d</span> "
            )
            if patient:  # the quote is the trial's words; the text around it only where it rules the person out
                around = (
                    f"<details><summary>the trial's words around it</summary><div class='ts-src'>{src}</div></details>"
                    if item["state"] == "disqualifying"
                    else ""
                )
                parts.append(f"{around}</li>")
            else:
                parts.append(
                    f"<small>({item['kind']} {item['number']}; {_e(item['reason'])})</small>"
                    f"<details><summary>source passage · {_e(item['chunk_id'])} · "
                    f"chars {item['start']}–{item['end']}</summary>"
                    f"<div class='ts-src'>{src}</div></details></li>"
                )
        parts.append("</ul>")
        if patient:
            parts.append("</details>")
        else:
            parts.append(f"<div><small>{_e(card['explanation'])}</small></div>")
        parts.append("</div>")
    return "".join(parts)


def trial_text_html(trial: Trial, compiled: list[Any]) -> str:
    """The stored trial text with every criterion highlighted by kind, and its rule status."""
    text = trial.source_text
    spans = sorted(zip(trial.criteria, compiled, strict=True), key=lambda x: x[0].start)
    out, pos = [STYLE, "<div class='ts-src'>"], 0
    for criterion, cc in spans:
        out.append(_e(text[pos : criterion.start]))
        status = "to confirm" if cc.team else ("rule" if cc.rule is not None else "not understood")
        cls = criterion.kind + (" warn" if criterion.warnings else "")
        title = f"{criterion.kind} {criterion.number}: {status}" + (
            f" — warning: {'; '.join(criterion.warnings)}" if criterion.warnings else ""
        )
        out.append(f"<mark class='{cls}' title='{_e(title)}'>{_e(text[criterion.start : criterion.end])}</mark>")
        pos = criterion.end
    out.append(_e(text[pos:]))
    out.append("</div>")
    if trial.warnings:
        out.insert(1, "<p><b>Warnings:</b><br>" + "<br>".join(_e(w) for w in trial.warnings) + "</p>")
    return "".join(out)


def screening_rows(results: list[Any]) -> list[list[Any]]:
    rows = []
    for r in results:
        deciding = "; ".join(f"{v.criterion.kind} {v.criterion.number}: {v.criterion.text}" for v in r.deciding[:3])
        rows.append(
            [
                r.trial.ref,
                r.trial.title[:80],
                r.decision,
                ("stated, but " + r.status_note) if r.status_note else ("yes" if r.trial.recruiting else "no"),
                deciding,
                len(r.questions),
            ]
        )
    return rows


HEADERS = ["trial", "title", "decision", "recruiting", "deciding criteria", "open questions"]


def rows_csv(rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return buf.getvalue()
