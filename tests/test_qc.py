"""Per-sample QC summary from samtools stats and mosdepth outputs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import BIN
from hlhscreen.errors import UserInputError
from hlhscreen.qc import read_mosdepth_fraction_at, read_mosdepth_mean, summarise


def write_inputs(folder, sample, total=1000, mapped=990, mean=35.5, frac20=0.93):
    (folder / f"{sample}.stats").write_text(
        f"# comment\nSN\traw total sequences:\t{total}\nSN\treads mapped:\t{mapped}\t# mapped\n")
    (folder / f"{sample}.mosdepth.summary.txt").write_text(
        "chrom\tlength\tbases\tmean\tmin\tmax\nchr1\t100\t5000\t50\t0\t80\nchr1_region\t10\t355\t35.5\t0\t40\n"
        f"total_region\t10\t355\t{mean}\t0\t40\n")
    (folder / f"{sample}.mosdepth.region.dist.txt").write_text(
        f"chr1\t20\t{frac20}\ntotal\t30\t0.5\ntotal\t20\t{frac20}\ntotal\t10\t1.00\n")
    return [folder / f"{sample}{s}" for s in (".stats", ".mosdepth.summary.txt", ".mosdepth.region.dist.txt")]


def test_summary_values_and_pass(tmp_path):
    qc = summarise("s1", "case", *write_inputs(tmp_path, "s1"), 20, 90, 90)
    assert (qc.total_reads, qc.mapped_reads, qc.pct_mapped, qc.mean_panel_depth, qc.pct_panel_20x, qc.flag) == \
        (1000, 990, 99.0, 35.5, 93.0, "pass")


def test_flags_name_each_failed_check(tmp_path):
    qc = summarise("s1", "case", *write_inputs(tmp_path, "s1", mapped=500, mean=12, frac20=0.4), 20, 90, 90)
    assert qc.flag == "mean_depth<20;pct_20x<90;pct_mapped<90"


def test_depth_never_reached_counts_as_zero(tmp_path):
    dist = tmp_path / "d.txt"
    dist.write_text("total\t10\t0.9\n")
    assert read_mosdepth_fraction_at(dist, 20) == 0.0


def test_mosdepth_without_regions_is_an_error(tmp_path):
    summary = tmp_path / "s.mosdepth.summary.txt"
    summary.write_text("chrom\tlength\tbases\tmean\tmin\tmax\nchr1\t100\t5000\t50\t0\t80\n")
    with pytest.raises(UserInputError, match="total_region: no panel summary row"):
        read_mosdepth_mean(summary)


def test_cli_table_and_multiqc_copy(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    write_inputs(inputs, "a")
    write_inputs(inputs, "b", mean=10)
    sheet = tmp_path / "samples.csv"
    sheet.write_text("sample,group\na,case\nb,control\n")
    subprocess.run([sys.executable, str(BIN / "qc_summary.py"), "--samplesheet", str(sheet), "--inputs", str(inputs),
                    "--out", str(tmp_path / "qc.tsv"), "--multiqc", str(tmp_path / "qc_mqc.tsv")], check=True)
    rows = (tmp_path / "qc.tsv").read_text().splitlines()
    assert rows[0].split("\t")[-1] == "qc_flag"
    assert rows[1].startswith("a\tcase\t") and rows[1].endswith("\tpass")
    assert rows[2].endswith("mean_depth<20")
    assert (tmp_path / "qc_mqc.tsv").read_text().startswith("# id: 'hlhscreen_sample_qc'")


def test_cli_missing_sample_file(tmp_path):
    sheet = tmp_path / "samples.csv"
    sheet.write_text("sample,group\nghost,case\n")
    result = subprocess.run([sys.executable, str(BIN / "qc_summary.py"), "--samplesheet", str(sheet), "--inputs",
                             str(tmp_path), "--out", str(tmp_path / "qc.tsv")], capture_output=True, text=True)
    assert result.returncode == 2 and "ghost.stats: sample: QC input for sample ghost is missing" in result.stderr
    assert not (tmp_path / "qc.tsv").exists()
