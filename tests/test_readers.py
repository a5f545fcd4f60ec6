"""Reading the bundled trials: references, fields, criteria with exact spans, furniture, defects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.criteria import display_text
from index.readers import read_trial
from index.textio import DocumentError
from tests.conftest import BUNDLED, DATA
from trialscreen.model import Trial

# What each bundled text states, read off the texts by hand.
EXPECTED = {
    "000_968ebb916c252d26.txt": dict(
        ref="000_968ebb916c252d26",
        status="recruiting",
        phase="Phase 3",
        min_age=18,
        max_age=None,
        inc=6,
        exc=9,
    ),
    "001_b91bb8497050bd59.txt": dict(
        ref="001_b91bb8497050bd59", status="unknown", phase=None, min_age=18, max_age=None, inc=6, exc=9
    ),
    "002_11a1eb4b2c3c5646.txt": dict(
        ref="NCT04077684", status="recruiting", phase=None, min_age=18, max_age=75, inc=6, exc=14
    ),
    "003_ba37d9a6fe48724f.txt": dict(
        ref="003_ba37d9a6fe48724f", status="unknown", phase=None, min_age=18, max_age=None, inc=3, exc=13
    ),
    "004_416868aadf8bdbdd.txt": dict(
        ref="NCT04956484", status="completed", phase="Phase 4", min_age=18, max_age=75, inc=7, exc=13
    ),
    "NCT00071487.json": dict(
        ref="NCT00071487", status="completed", phase="Phase 2", min_age=18, max_age=65, inc=4, exc=8
    ),
    "NCT01632241.json": dict(
        ref="NCT01632241", status="completed", phase="Phase 4", min_age=18, max_age=None, inc=19, exc=38
    ),
    "NCT02084238.json": dict(
        ref="NCT02084238", status="completed", phase="Not applicable", min_age=18, max_age=65, inc=9, exc=8
    ),
    "NCT02465580.json": dict(
        ref="NCT02465580", status="unknown", phase="Phase 2", min_age=18, max_age=65, inc=10, exc=8
    ),
}


@pytest.fixture(scope="module")
def trials() -> dict[str, Trial]:
    return {name: read_trial(BUNDLED / name) for name in EXPECTED}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fields_as_the_text_states_them(trials: dict[str, Trial], name: str) -> None:
    trial, want = trials[name], EXPECTED[name]
    assert trial.ref == want["ref"]
    assert trial.status == want["status"]
    assert trial.phase == want["phase"]
    assert (trial.min_age, trial.max_age) == (want["min_age"], want["max_age"])
    assert len(trial.criteria_of("inclusion")) == want["inc"]
    assert len(trial.criteria_of("exclusion")) == want["exc"]
    assert trial.title and "Loading" not in trial.title


def test_titles_sponsors_and_interventions(trials: dict[str, Trial]) -> None:
    assert trials["002_11a1eb4b2c3c5646.txt"].title.startswith("Efficacy and Safety of Low-dose IL-2")
    assert trials["004_416868aadf8bdbdd.txt"].title == "Belimumab In Early Systemic Lupus Erythematosus"
    assert trials["000_968ebb916c252d26.txt"].sponsor == "Peking University People's Hospital"
    assert trials["004_416868aadf8bdbdd.txt"].sponsor.startswith("Chinese Academy of Medical Sciences")
    assert trials["004_416868aadf8bdbdd.txt"].enrollment == 16
    assert trials["002_11a1eb4b2c3c5646.txt"].enrollment == 500
    assert "telitacicept" in trials["001_b91bb8497050bd59.txt"].interventions
    # 001 has no title line: one is derived from its summary, and that is said.
    t001 = trials["001_b91bb8497050bd59.txt"]
    assert "Telitacicept" in t001.title
    assert any("no title" in w for w in t001.warnings)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_criterion_span_is_exact(trials: dict[str, Trial], name: str) -> None:
    trial = trials[name]
    for c in trial.criteria:
        raw = trial.source_text[c.start : c.end]
        assert raw == raw.strip(), c
        assert display_text(raw) == c.text
        assert not raw.startswith(("- ", "* ", "• ")), f"list marker inside the span: {raw[:20]!r}"


@pytest.mark.parametrize("name", ["002_11a1eb4b2c3c5646.txt", "004_416868aadf8bdbdd.txt"])
def test_page_furniture_is_gone(trials: dict[str, Trial], name: str) -> None:
    text = trials[name].source_text
    for furniture in (
        "Lorem ipsum",
        "Sign up as volunteer",
        "Loading...",
        "Copyright",
        "Menu\n",
        "Clear my responses",
        "Yes No Not Sure",
        "Add a private note",
        "ClinicalTrials.Veeva",
    ):
        assert furniture not in text
    # ...while the trial text is all there.
    assert (
        "participate in other clinical trial within 4 weeks" in trials["002_11a1eb4b2c3c5646.txt"].source_text
        or name != "002_11a1eb4b2c3c5646.txt"
    )


def test_numbered_run_inside_one_line_is_split(trials: dict[str, Trial]) -> None:
    texts = [c.text for c in trials["000_968ebb916c252d26.txt"].criteria_of("inclusion")]
    assert texts[0] == "Male or female >18 years of age at screening visits"
    assert texts[1].startswith("Patients meet the American-European Consensus Group 2002")
    assert texts[2].startswith("The patient must be informed in writing")


def test_dose_caps_keep_their_lead_in(trials: dict[str, Trial]) -> None:
    for name in ("000_968ebb916c252d26.txt", "001_b91bb8497050bd59.txt"):
        caps = [c for c in trials[name].criteria_of("inclusion") if c.text.startswith("Prednisone")]
        assert len(caps) == 1
        assert caps[0].context.startswith("Dosing of antimalarials, prednisone or equivalent")


def test_inline_bullets_become_criteria_under_their_lead_in(trials: dict[str, Trial]) -> None:
    exc = trials["000_968ebb916c252d26.txt"].criteria_of("exclusion")
    assert exc[0].text == "Hb≤9 g/dl"
    assert "Laboratory abnormality:" in exc[0].context
    assert exc[0].context.startswith("Any subject meeting any of the following criteria")


def test_nested_sub_bullets_keep_the_parent_lead_in(trials: dict[str, Trial]) -> None:
    exc = trials["NCT01632241.json"].criteria_of("exclusion")
    plasma = next(c for c in exc if c.text == "Plasmapheresis.")
    assert plasma.context == "Have received any of the following within 90 days of Day 0:"
    # The lead-in itself is not a criterion of its own.
    assert not any(c.text.startswith("Have received any of the following within 90 days") for c in exc)


def test_markdown_escapes_shown_unescaped_spans_exact(trials: dict[str, Trial]) -> None:
    trial = trials["NCT00071487.json"]
    c = next(c for c in trial.criteria if "high-dose prednisone" in c.text)
    assert "(> 100 mg/day)" in c.text
    assert "(\\> 100 mg/day)" in trial.source_text[c.start : c.end]


def test_note_block_is_not_a_criterion(trials: dict[str, Trial]) -> None:
    inc = trials["NCT01632241.json"].criteria_of("inclusion")
    assert not any(c.text.rstrip(":") == "Note" for c in inc)
    stable = next(c for c in inc if c.text.startswith("Pre-existing SLE medications must be stable"))
    assert stable.context == "Note:"


def test_defects_are_reported(trials: dict[str, Trial]) -> None:
    w000 = " | ".join(trials["000_968ebb916c252d26.txt"].warnings)
    assert "American-European Consensus Group" in w000 and "Sjögren" in w000
    assert "tofacitinib" in w000
    assert "Neutrophil 10 mg/d)" in w000
    w001 = " | ".join(trials["001_b91bb8497050bd59.txt"].warnings)
    assert "tofacitinib" in w001 and "Sjögren" in w001
    w002 = " | ".join(trials["002_11a1eb4b2c3c5646.txt"].warnings)
    assert "SLEDAI) 8" in w002
    assert "2 times of the upper limit" in w002
    damaged = next(c for c in trials["002_11a1eb4b2c3c5646.txt"].criteria if "SLEDAI) 8" in c.text)
    assert damaged.warnings
    # Clean criteria carry no warnings: 004 and 003 have none.
    assert trials["004_416868aadf8bdbdd.txt"].warnings == []
    assert trials["003_ba37d9a6fe48724f.txt"].warnings == []


def test_ctgov_api_v2_study() -> None:
    trial = read_trial(DATA / "ctgov_v2_study.json")
    assert trial.ref == "NCT09999991"
    assert trial.status == "recruiting" and trial.phase == "Phase 2"
    assert trial.sponsor == "Example University Hospital"
    assert trial.enrollment == 60 and (trial.min_age, trial.max_age) == (18, 65)
    assert [c.text for c in trial.criteria_of("exclusion")] == ["Rituximab", "Plasmapheresis", "Pregnancy"]
    assert trial.criteria_of("exclusion")[0].context == "Have received any of the following within 90 days:"
    assert trial.criteria_of("inclusion")[0].text == "SLEDAI-2K >= 8"
    assert trial.arms and "1 MIU" in trial.arms[0].description


def test_html_page() -> None:
    trial = read_trial(DATA / "trial_page.html")
    assert trial.title == "Telitacicept in Lupus Nephritis (HTML sample)"
    assert trial.status == "recruiting" and trial.phase == "Phase 2"
    assert [c.text for c in trial.criteria_of("exclusion")] == [
        "eGFR < 30 mL/min",
        "Rituximab within 6 months",
    ]
    assert "tracking" not in trial.source_text and "Find trials" not in trial.source_text
    assert "Copyright" not in trial.source_text


def test_format_is_detected_by_content(tmp_path: Path) -> None:
    disguised = tmp_path / "study.txt"
    disguised.write_text((BUNDLED / "NCT02084238.json").read_text("utf-8"), "utf-8")
    assert read_trial(disguised).ref == "NCT02084238"
    page = tmp_path / "page.txt"
    page.write_text((DATA / "trial_page.html").read_text("utf-8"), "utf-8")
    assert read_trial(page).source_format == "html"


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"   \n\n  ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("Inclusion Criteria:\n- caf\u00e9 au lait\n".encode("latin-1"), "not UTF-8"),
        (b"Just a page about lupus with no eligibility section at all.\n", "no eligibility criteria"),
        (b'{"hello": "world"}', "not a trial record"),
        (b'{"nctid": "NCT1", ', "does not parse"),
    ],
)
def test_bad_documents_get_one_clear_message(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(DocumentError) as err:
        read_trial(path)
    assert message in str(err.value)
    assert "bad.txt" in str(err.value)
    assert "\n" not in str(err.value)


def test_oversized_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALSCREEN_MAX_FILE_MB", "0.001")
    path = tmp_path / "huge.txt"
    path.write_text("Inclusion Criteria:\n" + "- adults\n" * 500, "utf-8")
    with pytest.raises(DocumentError, match=r"over the .* limit"):
        read_trial(path)


def test_trial_record_round_trips_through_json(trials: dict[str, Trial]) -> None:
    trial = trials["NCT01632241.json"]
    again = Trial.from_dict(json.loads(json.dumps(trial.to_dict())))
    assert again == trial
