"""The HINT bench's quick run: the first N rows of the tables, as one table that indexes N trials."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bench.hint import report, slice_tables
from bench.run import _rows
from index.readers import read_trials
from index.textio import read_document
from tests.test_csv_trials import ASTHMA, GLIOMA, row, table


def test_a_slice_takes_the_first_rows_across_the_tables_in_order(tmp_path: Path) -> None:
    source = tmp_path / "hint"
    source.mkdir()
    (source / "a.csv").write_text(table([row(f"NCT0000000{i}", GLIOMA) for i in (1, 2, 3)]), "utf-8")
    (source / "b.csv").write_text(table([row(f"NCT0000001{i}", ASTHMA) for i in (1, 2, 3)]), "utf-8")
    sliced = slice_tables(source, 4, tmp_path / "out")
    refs = [t.ref for t in read_trials(read_document(sliced)).trials]
    assert refs == ["NCT00000001", "NCT00000002", "NCT00000003", "NCT00000011"]
    assert sliced.read_text("utf-8").count("nctid,") == 1  # one header
    everything = slice_tables(source, 100, tmp_path / "all")
    assert len(list(read_trials(read_document(everything)).trials)) == 6


def test_the_size_is_a_number_of_rows_or_all() -> None:
    assert _rows("300") == 300 and _rows("all") is None
    for bad in ("0", "many"):
        with pytest.raises(argparse.ArgumentTypeError):
            _rows(bad)


def test_the_report_states_time_throughput_ratio_and_memory() -> None:
    figures = {
        "rows": 300,
        "trials": 280,
        "rows_skipped": 20,
        "rejected_files": 0,
        "chunks": 6000,
        "index_s": 60.0,
        "index_chunks_per_s": 100.0,
        "embedding_s": 40.0,
        "other_s": 20.0,
        "encode_s": 40.0,
        "encode_chunks_per_s": 150.0,
        "index_over_encode": 1.5,
        "index_cpu_s": 100.0,
        "encode_cpu_s": 80.0,
        "index_over_encode_cpu": 1.25,
        "reindex_s": 0.5,
        "rss_model_mb": 600.0,
        "peak_rss_mb": 900.0,
    }
    text = report(figures)
    for part in ("280 trials indexed", "100.0 chunks/s", "150.0 chunks/s", "ratio 1.5", "peak memory (RSS) 900.0 MB"):
        assert part in text
