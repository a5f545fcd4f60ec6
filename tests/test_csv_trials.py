"""Tables of trials (the HINT benchmark's CSV): one file, many trials, each cited in its own text."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from index.builder import Indexer
from index.catalog import Catalog
from index.criteria import display_text
from index.readers import detect_format, read_trials
from index.readers.csv_trials import HINT_COLUMNS
from index.store import ChunkStore
from index.textio import DocumentError, RawDocument
from tests.conftest import FakeEmbeddings
from trialscreen.config import Settings
from trialscreen.errors import UnknownTrialError

COLUMNS = HINT_COLUMNS.split(",")
HINT = Path("/work/shared/data/external/hint")

GLIOMA = """
        Inclusion Criteria:

          -  Male or female patients ≥ 18 years of age

          -  Patients must have a radiographically suspected progressive or recurrent primary
             malignant glioma and must have failed standard therapy

        Exclusion Criteria:

          -  Women who are pregnant or lactating

          -  Creatinine > 2.0 mg/dL
"""

ASTHMA = """
        Inclusion Criteria:

          -  Asthma for at least 6 months

               -  FEV1 of 40 to 80 percent of predicted

        Exclusion Criteria:

          -  Current smoker
"""


def row(nct: str, criteria: str, **cells: str) -> dict[str, str]:
    out = {c: "" for c in COLUMNS}
    out.update(
        nctid=nct,
        status="completed",
        phase="phase 2",
        diseases="['glioma', 'glioblastoma']",
        drugs="['ap23573']",
        label="1",
        criteria=criteria,
    )
    out.update(cells)
    return out


def table(rows: list[dict[str, str]], columns: list[str] = COLUMNS) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def doc(text: str, name: str = "trials.csv") -> RawDocument:
    return RawDocument(Path(name), text, "0" * 64)


def test_each_row_is_a_trial_cited_in_its_own_text() -> None:
    read = read_trials(
        doc(table([row("NCT00087451", GLIOMA), row("NCT00000378", ASTHMA, diseases="['asthma']", drugs="salbutamol")]))
    )
    trials = list(read.trials)
    assert [t.ref for t in trials] == ["NCT00087451", "NCT00000378"]
    glioma = trials[0]
    assert glioma.status == "completed" and glioma.phase == "Phase 2"
    assert glioma.conditions == ["glioma", "glioblastoma"] and "ap23573" in glioma.interventions
    assert glioma.title == "glioma; glioblastoma"
    assert "NCT number: NCT00087451\n" in glioma.source_text
    assert "ap23573" not in trials[1].source_text and "glioma" not in trials[1].source_text  # its own row only
    assert trials[1].interventions[0] == "salbutamol"
    # the eligibility block is the cell as it was, indentation kept
    assert GLIOMA.strip("\n") in glioma.source_text
    listed = glioma.criteria_of("inclusion") + glioma.criteria_of("exclusion")
    assert [c.text for c in listed] == [
        "Male or female patients ≥ 18 years of age",
        "Patients must have a radiographically suspected progressive or recurrent primary malignant glioma and "
        "must have failed standard therapy",
        "Women who are pregnant or lactating",
        "Creatinine > 2.0 mg/dL",
    ]
    for trial in trials:
        for c in trial.criteria:
            assert display_text(trial.source_text[c.start : c.end]) == c.text
        for cite in trial.field_cites:
            assert trial.source_text[cite.start : cite.end].strip()
    assert read.rows == 2 and not read.skipped and read.summary() == ""


def test_a_table_is_known_by_its_header_whatever_its_name() -> None:
    text = table([row("NCT00087451", GLIOMA)])
    assert detect_format(doc(text, "export.txt")) == "table"
    assert [t.ref for t in read_trials(doc(text, "export")).trials] == ["NCT00087451"]
    tsv = "nctid\tstatus\tcriteria\nNCT00087451\tcompleted\tInclusion Criteria:\n"
    assert detect_format(doc(tsv, "a.tsv")) == "table"
    # a trial page that merely starts with commas is still a page
    assert (
        detect_format(doc("Lupus, rituximab and kidneys: a trial\n\nInclusion Criteria:\n- SLE\n", "a.txt")) == "text"
    )


def test_a_csv_with_other_columns_gets_one_clear_error() -> None:
    text = "id,name,score\n1,a,2\n"
    with pytest.raises(DocumentError) as err:
        read_trials(doc(text, "scores.csv"))
    message = str(err.value)
    assert "scores.csv" in message and "nctid and criteria" in message and "id, name, score" in message


def test_rows_without_criteria_are_skipped_and_counted_not_a_failure() -> None:
    rows = [
        row("NCT00000001", GLIOMA),
        row("NCT00000002", ""),  # an empty cell
        row("NCT00000003", "Patients are selected by the study doctor."),  # no criteria in it
        row("not-an-nct", GLIOMA),
        row("NCT00000001", ASTHMA),  # the same trial again: the first row wins
        row("NCT00000004", ASTHMA),
    ]
    read = read_trials(doc(table(rows)))
    trials = list(read.trials)
    assert [t.ref for t in trials] == ["NCT00000001", "NCT00000004"]
    assert "glioma" in trials[0].criteria[1].text  # the first row's, not the repeat's
    assert read.rows == 6
    assert sum(read.skipped.values()) == 4
    assert read.summary().startswith("trials.csv: 4 of 6 row(s) not indexed (")
    for why in ("empty criteria cell", "no criteria found", "no NCT number", "same NCT number"):
        assert why in read.summary()


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=9)
_ITEM = st.lists(_WORD, min_size=2, max_size=8).map(lambda ws: " ".join(ws).capitalize())
_INDENT = st.sampled_from(["", " ", "  ", "    ", "        ", "\t", "          ", "\t  "])
_BULLET = st.sampled_from(["-  ", "- ", "* ", "• ", "1. ", "2) "])


@st.composite
def criteria_cell(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A criteria block as registries write it: headings and items at any indentation, wrapped lines."""
    items: list[str] = []
    lines = [""]
    for heading in ("Inclusion Criteria:", "Exclusion Criteria:"):
        lines += [draw(_INDENT) + heading, ""]
        for _ in range(draw(st.integers(1, 4))):
            item = draw(_ITEM)
            indent = draw(_INDENT)
            bullet = draw(_BULLET)
            words = item.split()
            if len(words) > 3 and draw(st.booleans()):  # wrapped onto a continuation line, deeper
                cut = len(words) // 2
                lines.append(indent + bullet + " ".join(words[:cut]))
                lines.append(indent + " " * (len(bullet) + 1) + " ".join(words[cut:]))
            else:
                lines.append(indent + bullet + item)
            lines.append("")
            items.append(item)
    return "\n".join(lines), items


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cell=criteria_cell())
def test_criterion_spans_are_exact_whatever_the_indentation(cell: tuple[str, list[str]]) -> None:
    text, items = cell
    trial = next(read_trials(doc(table([row("NCT01234567", text)]))).trials)
    listed = trial.criteria_of("inclusion") + trial.criteria_of("exclusion")
    for c in trial.criteria:
        quoted = trial.source_text[c.start : c.end]
        assert display_text(quoted) == c.text
        assert quoted == quoted.strip()
    # nothing is lost: every item is a criterion, or the lead-in of the deeper items under it
    read = " | ".join([c.text for c in listed] + [c.context for c in listed])
    for item in items:
        assert item in read
    assert text.strip("\n") in trial.source_text  # the block as the cell had it, indentation kept


# -- indexing: one file, many trials -------------------------------------------------------------


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text(table(rows), "utf-8")
    return path


def test_a_table_indexes_every_row_and_an_unchanged_table_does_no_work(
    settings: Settings, fake_embedder: FakeEmbeddings, tmp_path: Path
) -> None:
    folder = tmp_path / "hint"
    folder.mkdir()
    rows = [row(f"NCT0000000{i}", GLIOMA if i % 2 else ASTHMA) for i in range(1, 7)]
    rows.insert(2, row("NCT00000099", ""))
    write(folder / "phase_I.csv", rows)
    (folder / "readme.txt").write_text("not a trial", "utf-8")
    first = Indexer(settings, fake_embedder, progress=False).run([folder])
    assert sorted(first.indexed) == [f"NCT0000000{i}" for i in range(1, 7)]
    assert first.rejected == [] and first.skipped_rows == 1
    assert first.skipped == ["phase_I.csv: 1 of 7 row(s) not indexed (1 an empty criteria cell)"]
    assert "1 table row(s) skipped" in first.summary()
    catalog = Catalog(settings)
    store = ChunkStore(settings, fake_embedder.name, catalog)
    assert store.count() == first.chunks == catalog.committed_chunks()
    for ref in first.indexed:  # each trial cites its own text
        trial = catalog.trial(ref)
        assert trial.source_text.startswith(f"NCT number: {ref}\n")
        for c in trial.criteria:
            assert display_text(trial.source_text[c.start : c.end]) == c.text
    data = store.get()
    for text, meta in zip(data["documents"], data["metadatas"], strict=True):
        assert display_text(catalog.trial(meta["trial"]).source_text[meta["start"] : meta["end"]]) in text
    calls = fake_embedder.calls
    second = Indexer(settings, fake_embedder, progress=False).run([folder])
    assert second.indexed == [] and sorted(second.unchanged) == sorted(first.indexed) and second.chunks == 0
    assert fake_embedder.calls == calls


def test_a_changed_table_re_embeds_only_its_changed_rows_and_drops_its_gone_rows(
    settings: Settings, fake_embedder: FakeEmbeddings, tmp_path: Path
) -> None:
    path = tmp_path / "trials.csv"
    rows = [row(f"NCT0000000{i}", GLIOMA) for i in range(1, 5)]
    write(path, rows)
    Indexer(settings, fake_embedder, progress=False).run([path])
    before = dict(Catalog(settings).entries)
    rows[1] = row("NCT00000002", ASTHMA)  # changed
    del rows[3]  # gone
    write(path, rows)
    report = Indexer(settings, fake_embedder, progress=False).run([path])
    assert report.indexed == ["NCT00000002"]
    assert sorted(report.unchanged) == ["NCT00000001", "NCT00000003"]
    assert report.removed == ["NCT00000004"]
    catalog = Catalog(settings)
    assert sorted(catalog.entries) == ["NCT00000001", "NCT00000002", "NCT00000003"]
    assert catalog.entries["NCT00000001"].version == before["NCT00000001"].version  # not re-embedded
    assert ChunkStore(settings, fake_embedder.name, catalog).count() == catalog.committed_chunks()
    assert "Asthma" in catalog.trial("NCT00000002").criteria[0].text
    again = Indexer(settings, fake_embedder, progress=False).run([path])  # the new bytes are known now
    assert again.indexed == [] and len(again.unchanged) == 3


def test_a_trial_in_two_tables_is_read_from_the_first_and_counted(
    settings: Settings, fake_embedder: FakeEmbeddings, tmp_path: Path
) -> None:
    folder = tmp_path / "tables"
    folder.mkdir()
    write(folder / "a.csv", [row("NCT00000001", GLIOMA), row("NCT00000002", GLIOMA)])
    write(folder / "b.csv", [row("NCT00000002", ASTHMA), row("NCT00000003", ASTHMA)])
    report = Indexer(settings, fake_embedder, progress=False).run([folder])
    assert sorted(report.indexed) == ["NCT00000001", "NCT00000002", "NCT00000003"]
    assert report.rejected == []
    assert report.skipped == [
        "b.csv: 1 of 2 row(s) not indexed (1 the same trial as an earlier row or file (the first is kept))"
    ]
    catalog = Catalog(settings)
    assert catalog.entries["NCT00000002"].source == "a.csv"
    assert "glioma" in catalog.trial("NCT00000002").criteria[1].text
    with pytest.raises(UnknownTrialError, match="a file of 2 indexed trials"):
        catalog.resolve("a")  # a table's name does not pick one of its trials
    assert catalog.resolve("b") == "NCT00000003"
    assert catalog.resolve("nct00000002") == "NCT00000002"
    catalog.commit({f"NCT1{i:07d}": replace(catalog.entries["NCT00000001"], ref=f"NCT1{i:07d}") for i in range(40)})
    with pytest.raises(UnknownTrialError) as err:
        catalog.resolve("NCT99999999")
    assert "(43 in all: `trialscreen trials` lists them)" in str(err.value) and "NCT10000039" not in str(err.value)


def test_a_csv_with_other_columns_is_rejected_with_one_line(
    settings: Settings, fake_embedder: FakeEmbeddings, tmp_path: Path
) -> None:
    bad = tmp_path / "scores.csv"
    bad.write_text("id,name\n1,a\n2,b\n", "utf-8")
    report = Indexer(settings, fake_embedder, progress=False).run([bad])
    assert report.indexed == [] and len(report.rejected) == 1 and "nctid and criteria" in report.rejected[0]


@pytest.mark.skipif(not HINT.is_dir(), reason="the HINT CSVs are not on this machine")
def test_the_hint_tables_read_as_trials() -> None:
    from index.textio import read_document

    read = read_trials(read_document(HINT / "phase_I_valid.csv"))
    trials = list(read.trials)
    assert read.rows == 117 and len(trials) + sum(read.skipped.values()) == 117
    assert len(trials) > 90 and all(t.ref.startswith("NCT") and t.criteria for t in trials)
    for trial in trials:
        for c in trial.criteria:
            assert display_text(trial.source_text[c.start : c.end]) == c.text
