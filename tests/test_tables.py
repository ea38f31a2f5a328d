"""The shared input readers (hlhscreen.tables) used by SCREEN, COHORT_STATS, REPORT and QC_SUMMARY."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from hlhscreen.errors import UserInputError
from hlhscreen.tables import SampleInfo, open_input, optional_number, read_sample_groups, read_tsv

BIN = Path(__file__).resolve().parents[1] / "bin"


def _error(call, *args, **kwargs) -> UserInputError:
    with pytest.raises(UserInputError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_open_input_missing_and_folder(tmp_path):
    error = _error(open_input, tmp_path / "nope.tsv", "--carriers")
    assert str(error) == f"ERROR {tmp_path / 'nope.tsv'}: --carriers: file not found. Check the path given to --carriers."
    assert str(_error(open_input, tmp_path)).startswith(f"ERROR {tmp_path}: -: is a directory, not a file.")


def test_read_tsv_rows_gzip_and_errors(tmp_path):
    plain = tmp_path / "t.tsv"
    plain.write_text("a\tb\textra\n1\t2\t3\n\n4\t5\t6\n")
    rows = list(read_tsv(plain, ("a", "b")))
    assert rows == [(2, {"a": "1", "b": "2", "extra": "3"}), (4, {"a": "4", "b": "5", "extra": "6"})]
    packed = tmp_path / "t.tsv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert list(read_tsv(packed, ("a",))) == rows
    plain.write_text("a\tc\n1\t2\n")
    assert (_error(list, read_tsv(plain, ("a", "b"), "--x")).line, _error(list, read_tsv(plain, ("a", "b"))).field) \
        == (1, "b")
    plain.write_text("a\tb\n1\n")
    error = _error(list, read_tsv(plain, ("a",)))
    assert (error.line, error.problem) == (2, "1 tab-separated fields but the header has 2")
    plain.write_text("")
    assert _error(list, read_tsv(plain, ("a",), "--x")).field == "--x"


SHEET = "\ufeffsample,group,fastq_1\nA,case,a1.fq.gz\nA,case,a2.fq.gz\n\nB,control,b.fq.gz\n"


def test_sample_groups_lanes_and_once(tmp_path):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(SHEET)
    assert read_sample_groups(sheet, lanes=True) == {"A": SampleInfo("case", 2), "B": SampleInfo("control", 5)}
    error = _error(read_sample_groups, sheet, "--samples")
    assert str(error) == (f"ERROR {sheet}:3: sample: sample 'A' is listed twice (first on line 2). "
                          "List each sample once.")
    sheet.write_text(SHEET.replace("A,case,a2", "A,control,a2"))
    error = _error(read_sample_groups, sheet, lanes=True)
    assert (error.line, error.field) == (3, "group") and "'control' here but 'case' on line 2" in error.problem


@pytest.mark.parametrize("text, line, field", [
    ("", 1, "--samplesheet"),
    ("\nsample,group\nA,case\n", 1, "--samplesheet"),
    ("sample,cohort\nA,case\n", 1, "group"),
    ("sample,group\nA,case,extra\n", 2, "-"),
    ("sample,group\n ,case\n", 2, "sample"),
    ("sample,group\nA,ctrl\n", 2, "group"),
    ("sample,group\n", None, "sample"),
], ids=["empty", "blank header", "missing column", "field count", "empty sample", "unknown group", "no samples"])
def test_sample_groups_errors(tmp_path, text, line, field):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(text)
    error = _error(read_sample_groups, sheet, "--samplesheet", lanes=True)
    assert (error.line, error.field) == (line, field)


def test_sample_groups_both_groups(tmp_path):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("sample,group\nA,case\n")
    assert read_sample_groups(sheet) == {"A": SampleInfo("case", 2)}
    assert str(_error(read_sample_groups, sheet, both_groups=True)).startswith(
        f"ERROR {sheet}: group: no samples in group 'control'.")


def test_qc_summary_reads_the_samplesheet(tmp_path):
    """QC_SUMMARY gets the validated samplesheet: lanes of a sample are one sample; groups are checked."""
    sheet = tmp_path / "sheet.csv"

    def run(text: str) -> str:
        sheet.write_text(text)
        result = subprocess.run([sys.executable, str(BIN / "qc_summary.py"), "--samplesheet", str(sheet), "--inputs",
                                 str(tmp_path), "--out", str(tmp_path / "qc.tsv")], capture_output=True, text=True)
        assert result.returncode == 2
        return result.stderr

    assert "ghost.stats: sample: QC input for sample ghost is missing" in run(
        "sample,group,fastq_1,fastq_2\nghost,case,a,b\nghost,case,c,d\n")
    assert f"{sheet}:3: group: unknown group 'ctrl'" in run("sample,group\nghost,case\nK1,ctrl\n")


@pytest.mark.parametrize("text, number", [
    ("12", 12.0), (" 0.004 ", 0.004), ("1e-5", 1e-5), ("Inf", float("inf")),
    ("", None), (".", None), ("NA", None), ("nan", None), ("NaN", None), ("12,3", None), ("n/a", None),
])
def test_optional_number_is_a_number_or_none(text, number):
    """One reading of a cell that may hold no number: SCREEN's FORMAT DP/AD/GQ/PS and the report's extra
    variants.tsv columns (popmax_af, af_used) each had a copy."""
    assert optional_number(text) == number
