"""Per-sample QC summary from samtools stats and mosdepth outputs."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from dataclasses import replace
from typing import Dict, List, Tuple

import pytest

from conftest import BIN, REPO
from hlhscreen.errors import UserInputError
from hlhscreen.qc import (COLUMNS, read_fastq_checks, read_mosdepth_fraction_at, read_mosdepth_mean,
                          read_mosdepth_on_target, row,
                          summarise)


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


# ----------------------------------------------------------------- on-target rate (issue 10)

def write_targets_summary(folder, sample, total_bases=5000, target_bases=4000):
    path = folder / f"{sample}.targets.mosdepth.summary.txt"
    path.write_text("chrom\tlength\tbases\tmean\tmin\tmax\n"
                    f"chr1\t100\t{total_bases}\t50\t0\t80\nchr1_region\t10\t{target_bases}\t40\t0\t40\n"
                    f"total\t100\t{total_bases}\t50\t0\t80\ntotal_region\t10\t{target_bases}\t40\t0\t40\n")
    return path


def test_on_target_rate_from_the_targets_summary(tmp_path):
    targets = write_targets_summary(tmp_path, "s1", 5000, 4000)
    qc = summarise("s1", "case", *write_inputs(tmp_path, "s1"), 20, 90, 90, targets, 30)
    assert (qc.pct_on_target, qc.flag) == (80.0, "pass")


def test_a_failed_capture_is_flagged(tmp_path):
    """Depth and mapping fine, but most bases off the targets: flagged like the other QC fails."""
    targets = write_targets_summary(tmp_path, "s1", 50000, 4000)
    qc = summarise("s1", "case", *write_inputs(tmp_path, "s1"), 20, 90, 90, targets, 30)
    assert (qc.pct_on_target, qc.flag) == (8.0, "pct_on_target<30")


def test_without_targets_the_on_target_rate_is_not_assessed(tmp_path):
    qc = summarise("s1", "case", *write_inputs(tmp_path, "s1"), 20, 90, 90)
    assert qc.pct_on_target is None and qc.flag == "pass"
    assert row(qc).split("\t")[COLUMNS.index("pct_on_target")] == "NA"


def test_no_aligned_bases_is_zero_on_target(tmp_path):
    assert read_mosdepth_on_target(write_targets_summary(tmp_path, "s1", 0, 0)) == 0.0


@pytest.mark.parametrize("text, message", [
    ("chrom\tlength\tbases\tmean\tmin\tmax\ntotal\t100\t5000\t50\t0\t80\n", "total_region: no such row"),
    ("chrom\tlength\tmean\nchr1\t100\t5\n", "no 'bases' column"),
    ("chrom\tlength\tbases\tmean\tmin\tmax\ntotal\t100\t50\t0.5\t0\t1\ntotal_region\t10\t80\t8\t0\t9\n",
     "80 target bases exceed the 50 aligned bases"),
    ("chrom\tlength\tbases\tmean\tmin\tmax\ntotal\t100\tx\t0.5\t0\t1\ntotal_region\t10\t8\t8\t0\t9\n",
     "no whole number of bases"),
])
def test_bad_targets_summary_is_named(tmp_path, text, message):
    path = tmp_path / "s.mosdepth.summary.txt"
    path.write_text(text)
    with pytest.raises(UserInputError, match=message):
        read_mosdepth_on_target(path)


def bam_with_reads(path, reads):
    """A coordinate-sorted, indexed BAM on chr1 (10 kb) and chr2 (5 kb): reads = (contig index, start, mapq, flag)."""
    pysam = pytest.importorskip("pysam")
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "chr1", "LN": 10000}, {"SN": "chr2", "LN": 5000}]}
    with pysam.AlignmentFile(str(path), "wb", header=header) as out:
        for number, (contig, start, mapq, flag) in enumerate(sorted(reads)):
            read = pysam.AlignedSegment(out.header)
            read.query_name, read.reference_id, read.reference_start = f"r{number}", contig, start
            read.mapping_quality, read.flag, read.cigarstring = mapq, flag, "100M"
            read.query_sequence = "A" * 100
            read.query_qualities = pysam.qualitystring_to_array("I" * 100)
            out.write(read)
    pysam.index(str(path))


def mosdepth_args(process: str, min_dp: int = 10) -> List[str]:
    """The ext.args conf/modules.config gives a mosdepth process: a plain string, or a closure whose
    ``${...}`` (the --thresholds list: the QC depths plus --min_dp) is evaluated here as Groovy would."""
    config = (REPO / "conf/modules.config").read_text()
    line = re.search(rf"withName: '{process}' \{{.*?ext\.args\s*=\s*([^\n]*)", config, re.S).group(1).strip()
    if line.startswith("'"):
        return line.strip("'").split()
    text = re.fullmatch(r'\{ "(.*)" \}', line).group(1)
    depths = ",".join(str(d) for d in sorted({1, 10, 20, 30, min_dp} - {0}))
    return re.sub(r"\$\{.*\}(?= )", depths, text).split()


@pytest.mark.skipif(shutil.which("mosdepth") is None, reason="mosdepth not on PATH")
@pytest.mark.parametrize("process", ["MOSDEPTH", "MOSDEPTH_TARGETS"])
def test_on_target_rate_of_a_real_mosdepth_run(tmp_path, process):
    """mosdepth with the pipeline's options: the MAPQ-0 and secondary reads count nowhere (MAPQ >= 1, as
    FreeBayes); a read half on the target counts half its bases; the read on chr2, a contig without a target,
    counts in the aligned bases (mosdepth 0.3 skips such contigs unless --thresholds is given: without it the
    rate would read 62.5, too high)."""
    bam = tmp_path / "s.bam"
    bam_with_reads(bam, [(0, 1000, 60, 0), (0, 1050, 60, 0), (0, 1150, 60, 0), (0, 1000, 0, 0), (0, 1000, 60, 256),
                         (0, 5000, 60, 0), (1, 100, 60, 0)])
    (tmp_path / "t.bed").write_text("chr1\t1000\t1200\n")
    subprocess.run(["mosdepth", *mosdepth_args(process), "--by", "t.bed", "s.targets", "s.bam"], cwd=tmp_path,
                   check=True)
    # on target: 100 + 100 + 50 of the 500 bases of five reads with MAPQ >= 1
    assert read_mosdepth_on_target(tmp_path / "s.targets.mosdepth.summary.txt") == 50.0


def test_cli_on_target_column_flag_and_missing_targets_file(tmp_path):
    inputs, targets = tmp_path / "in", tmp_path / "targets"
    inputs.mkdir()
    targets.mkdir()
    for sample in ("a", "b"):
        write_inputs(inputs, sample)
    write_targets_summary(targets, "a", 5000, 4000)
    write_targets_summary(targets, "b", 5000, 100)
    sheet = tmp_path / "samples.csv"
    sheet.write_text("sample,group\na,case\nb,control\n")
    command = [sys.executable, str(BIN / "qc_summary.py"), "--samplesheet", str(sheet), "--inputs", str(inputs),
               "--targets", str(targets), "--targets-suffix", ".targets.mosdepth.summary.txt",
               "--min-pct-on-target", "25", "--out", str(tmp_path / "qc.tsv"), "--multiqc", str(tmp_path / "qc_mqc.tsv"),
               "--multiqc-general", str(tmp_path / "sample_qc_general_mqc.tsv")]
    subprocess.run(command, check=True)
    rows = [line.split("\t") for line in (tmp_path / "qc.tsv").read_text().splitlines()]
    at = rows[0].index("pct_on_target")
    assert (rows[1][at], rows[1][-1]) == ("80.0", "pass")
    assert (rows[2][at], rows[2][-1]) == ("2.0", "pct_on_target<25")
    assert "< 25% of aligned bases on the capture targets" in (tmp_path / "qc_mqc.tsv").read_text()
    general = (tmp_path / "sample_qc_general_mqc.tsv").read_text().splitlines()
    assert "# plot_type: 'generalstats'" in general
    assert general[-3:] == ["sample\tpct_on_target\tqc_flag", "a\t80.0\tpass", "b\t2.0\tpct_on_target<25"]
    if shutil.which("multiqc"):
        # MultiQC shows both in its General Statistics table
        (tmp_path / "mqc").mkdir()
        shutil.copy(tmp_path / "sample_qc_general_mqc.tsv", tmp_path / "mqc")
        subprocess.run(["multiqc", "--force", "--config", str(REPO / "assets/multiqc_config.yml"), "."],
                       cwd=tmp_path / "mqc", check=True, capture_output=True)
        stats = (tmp_path / "mqc/multiqc_data/multiqc_general_stats.txt").read_text().splitlines()
        assert stats[0].endswith("pct_on_target\thlhscreen_qc_general_mqc-generalstats-hlhscreen_qc_general-qc_flag")
        assert stats[2] == "b\t2.0\tpct_on_target<25", stats
    (targets / "b.targets.mosdepth.summary.txt").unlink()
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 2 and "b.targets.mosdepth.summary.txt: sample: capture-target coverage of sample b" \
        in result.stderr


def run_without_optional_inputs(tmp_path: Path) -> None:
    """qc_summary.py on one sample with neither capture-target coverage (--targets) nor FASTQ checks."""
    write_inputs(tmp_path, "a")
    sheet = tmp_path / "samples.csv"
    sheet.write_text("sample,group\na,case\n")
    subprocess.run([sys.executable, str(BIN / "qc_summary.py"), "--samplesheet", str(sheet), "--inputs", str(tmp_path),
                    "--out", str(tmp_path / "qc.tsv"), "--multiqc", str(tmp_path / "qc_mqc.tsv"),
                    "--multiqc-general", str(tmp_path / "general_mqc.tsv")], check=True)


def test_cli_without_targets_says_not_assessed(tmp_path):
    run_without_optional_inputs(tmp_path)
    rows = [line.split("\t") for line in (tmp_path / "qc.tsv").read_text().splitlines()]
    assert rows[1][rows[0].index("pct_on_target")] == "NA" and rows[1][-1] == "pass"
    # General Statistics: the flag only (an NA column would read as a number there)
    assert (tmp_path / "general_mqc.tsv").read_text().splitlines()[-2:] == ["sample\tqc_flag", "a\tpass"]
    assert "pct_on_target NA: not assessed (no --intervals)" in (tmp_path / "qc_mqc.tsv").read_text()


def write_fastq_check(folder, sample, lane, pairs, failed):
    """A CHECK_FASTQ table of one lane (bin/check_fastq.py's columns)."""
    (folder / f"{sample}_L{lane}.fastq_check.tsv").write_text(
        "sample\tlane\tfastq_1\tfastq_2\tread_pairs\tbases_r1\tbases_r2\tpairs_failed_filter\n"
        f"{sample}\t{lane}\tr1.fq.gz\tr2.fq.gz\t{pairs}\t{pairs * 100}\t{pairs * 100}\t{failed}\n")


def run_with_fastq_checks(tmp_path, lanes) -> Tuple[List[str], Dict[str, Dict[str, str]]]:
    """qc_summary.py on samples a (case) and b (control) with CHECK_FASTQ tables of ``lanes`` ((sample, lane,
    pairs, failed) each; failed may be NA) and --max-pct-failed-filter 5: its command and sample_qc.tsv's rows."""
    inputs, checks = tmp_path / "in", tmp_path / "checks"
    inputs.mkdir(exist_ok=True)
    checks.mkdir(exist_ok=True)
    for sample in ("a", "b"):
        write_inputs(inputs, sample)
    for lane in lanes:
        write_fastq_check(checks, *lane)
    sheet = tmp_path / "samples.csv"
    sheet.write_text("sample,group\na,case\nb,control\n")
    command = [sys.executable, str(BIN / "qc_summary.py"), "--samplesheet", str(sheet), "--inputs", str(inputs),
               "--fastq-checks", str(checks), "--max-pct-failed-filter", "5", "--out", str(tmp_path / "qc.tsv"),
               "--multiqc", str(tmp_path / "qc_mqc.tsv"), "--multiqc-general", str(tmp_path / "general_mqc.tsv")]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lines = [line.split("\t") for line in (tmp_path / "qc.tsv").read_text().splitlines()]
    return command, {line[0]: dict(zip(lines[0], line)) for line in lines[1:]}


def multiqc_general_stats_of(tmp_path) -> List[str]:
    """MultiQC's General Statistics data of the run's general_mqc.tsv (MultiQC reads the file's YAML header:
    a stray quote in it made MultiQC drop the file)."""
    (tmp_path / "mqc").mkdir()
    shutil.copy(tmp_path / "general_mqc.tsv", tmp_path / "mqc" / "sample_qc_general_mqc.tsv")
    subprocess.run(["multiqc", "--force", "--config", str(REPO / "assets/multiqc_config.yml"), "."],
                   cwd=tmp_path / "mqc", check=True, capture_output=True)
    stats = (tmp_path / "mqc/multiqc_data/multiqc_general_stats.txt").read_text().splitlines()
    assert stats[0].split("\t")[1].endswith("hlhscreen_qc_general-pct_failed_filter"), stats[0]
    return stats


def test_cli_pairs_failed_filter_summed_over_lanes_and_flagged(tmp_path):
    """check_fastq's pairs_failed_filter (1:Y: reads) was counted but shown nowhere a user looks: sample_qc.tsv,
    the MultiQC sample table and General Statistics now carry it, per sample over its lanes, and above
    --max-pct-failed-filter % of the pairs the sample is flagged."""
    command, rows = run_with_fastq_checks(tmp_path, [("a", 1, 600, 10), ("a", 2, 400, 20),  # a: 30 of 1000 (3 %)
                                                     ("b", 1, 1000, 80)])                   # b: 8 %
    assert [(rows[s]["pairs_failed_filter"], rows[s]["pct_failed_filter"], rows[s]["qc_flag"]) for s in "ab"] == \
        [("30", "3.0", "pass"), ("80", "8.0", "pct_failed_filter>5")]
    mqc = (tmp_path / "qc_mqc.tsv").read_text()
    assert "> 5% of read pairs flagged by the sequencer as failing its filter" in mqc
    assert mqc.splitlines()[-1].split("\t")[list(rows["a"]).index("pairs_failed_filter")] == "80"
    general = (tmp_path / "general_mqc.tsv").read_text().splitlines()
    assert general[-3:] == ["sample\tpct_failed_filter\tqc_flag", "a\t3.0\tpass", "b\t8.0\tpct_failed_filter>5"]
    if shutil.which("multiqc"):
        assert multiqc_general_stats_of(tmp_path)[2] == "b\t8.0\tpct_failed_filter>5"
    # a sample without its FASTQ check is refused, not shown as 0
    (tmp_path / "checks/b_L1.fastq_check.tsv").unlink()
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 2 and "no FASTQ check (*.fastq_check.tsv) for sample(s) b" in result.stderr


def test_without_fastq_checks_failed_filter_is_not_assessed(tmp_path):
    run_without_optional_inputs(tmp_path)
    lines = [line.split("\t") for line in (tmp_path / "qc.tsv").read_text().splitlines()]
    row = dict(zip(*lines))
    assert (row["pairs_failed_filter"], row["pct_failed_filter"]) == ("NA", "NA")
    assert "pairs_failed_filter NA: not assessed" in (tmp_path / "qc_mqc.tsv").read_text()


def test_a_lane_checked_twice_is_refused(tmp_path):
    write_fastq_check(tmp_path, "a", 1, 10, 0)
    (tmp_path / "copy.fastq_check.tsv").write_text((tmp_path / "a_L1.fastq_check.tsv").read_text())
    with pytest.raises(UserInputError, match="lane 1 of sample a is also in"):
        read_fastq_checks(sorted(tmp_path.glob("*.fastq_check.tsv")))


def test_cli_lane_without_filter_flags_is_not_assessed_not_zero(tmp_path):
    """A lane whose read names carry no filter flag (CHECK_FASTQ writes NA: SRA/ENA names, names stripped of
    their comment) leaves its sample's pairs_failed_filter NA (not assessed: neither 0 nor a partial sum),
    unflagged, named in the MultiQC table's description, and empty in General Statistics. Before: CHECK_FASTQ
    wrote 0 for such a lane, read here as "no pair failed" (and an NA would have stopped the table)."""
    command, rows = run_with_fastq_checks(tmp_path, [("a", 1, 600, 60), ("a", 2, 400, "NA"),  # a: NA, not 60 of 1000
                                                     ("b", 1, 1000, 80)])
    assert [(rows[s]["pairs_failed_filter"], rows[s]["pct_failed_filter"], rows[s]["qc_flag"]) for s in "ab"] == \
        [("NA", "NA", "pass"), ("80", "8.0", "pct_failed_filter>5")]
    assert "pairs_failed_filter NA (not assessed) for a: their read names carry no Illumina filter flag" in \
        (tmp_path / "qc_mqc.tsv").read_text()
    general = (tmp_path / "general_mqc.tsv").read_text().splitlines()
    assert general[-3:] == ["sample\tpct_failed_filter\tqc_flag", "a\t\tpass", "b\t8.0\tpct_failed_filter>5"]
    if shutil.which("multiqc"):  # MultiQC takes the empty cell (no value for a), the other as a number
        stats = multiqc_general_stats_of(tmp_path)
        assert stats[2] == "b\t8.0\tpct_failed_filter>5" and stats[1].split("\t")[1] == "", stats
    # every sample without flags: no General Statistics column (nothing was assessed)
    write_fastq_check(tmp_path / "checks", "b", 1, 1000, "NA")
    subprocess.run(command, check=True, capture_output=True)
    assert (tmp_path / "general_mqc.tsv").read_text().splitlines()[-3:] == ["sample\tqc_flag", "a\tpass", "b\tpass"]


@pytest.mark.parametrize("note,flag", [
    ("NA", "pass"), ("sex_mismatch", "sex_mismatch"), ("low_x_ratio", "low_x_ratio"),
    ("sex_mismatch;ambiguous_x_ratio", "sex_mismatch"),
])
def test_sex_notes_that_are_qc_flags(note, flag):
    """A given sex the reads contradict, and chrX depth below one X copy (chrX targets that failed in this
    sample: its X-linked genes are barely read, whatever its sex), are QC flags; other notes are not."""
    from hlhscreen import qc

    row = qc.SampleQC("s1", "case", 100, 100, 100.0, 40.0, 100.0, "pass")
    sex_row = {"sex_given": "unknown", "sex_inferred": "unknown", "sex": "unknown", "x_autosome_ratio": "0.000",
               "note": note}
    assert qc.with_sex(row, sex_row).flag == flag
    assert qc.with_sex(replace(row, flag="mean_depth<20"), sex_row).flag == (
        "mean_depth<20" + ("" if flag == "pass" else f";{flag}"))
