"""The plain-reference path a user with a whole-genome FASTA takes: no --reference_windows, the
reference indexed by the pipeline, a custom panel built from --genes/--gtf, capture targets
(--intervals) beside the panel.

Data: scripts/make_plain_genome.py writes a SYNTHETIC mini-genome (contigs chr21/chr22 of a few kb,
invented genes SYNA1/SYNB1 with their own GENCODE-style models, a synthetic sites VCF, 2 cases and
2 controls with planted SNVs). Not the test profile: the run uses this machine's default resources.
"""

from __future__ import annotations

import csv
import gzip
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

from nextflow_runner import REPO, run_nextflow

pytestmark = pytest.mark.pipeline


@pytest.fixture(scope="module")
def genome(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("mini_genome")
    subprocess.run([sys.executable, str(REPO / "scripts/make_plain_genome.py"), "--out", str(out)], check=True,
                   capture_output=True)
    return out


def plain_args(genome: Path) -> List[str]:
    return ["--input", str(genome / "samplesheet.csv"), "--fasta", str(genome / "mini_genome.synthetic.fa"),
            "--genes", str(genome / "genes.txt"), "--gtf", str(genome / "gene_models.synthetic.gtf"),
            "--gnomad_vcf", str(genome / "sites.synthetic.vcf.gz"), "--calling_chunks", "2", "--outdir", "results"]


# Capture targets of the offline run (BED, 0-based): each exon +/- 50 bp; the second chr21 interval
# overlaps the first (merged into one); one on a contig the mini-genome lacks (warned about, left out).
# SYNB1's exon 1 (chr22:5001-5200) is NOT captured, as a kit may miss a panel exon: the gene is partly
# assessed, which the outputs must say.
CAPTURE = [("chr21", 950, 1250), ("chr21", 1200, 1300), ("chr21", 2950, 3200), ("chr21", 4950, 5350),
           ("chr22", 950, 1350), ("chr22", 2950, 3250), ("chrUn_synthetic", 0, 500)]
MERGED_ON_REFERENCE = 5


@pytest.fixture(scope="module")
def offline_launch(genome, tmp_path_factory):
    """The whole chain on the plain reference with a panel AND capture targets (--intervals): calling
    stays on the panel, the capture gets its own coverage QC."""
    launch = tmp_path_factory.mktemp("plain_offline")
    # as a kit BED saved on Windows may come: byte-order mark, track line, CRLF, one line space-separated
    lines = ['track name="capture" description="synthetic kit"'] + [f"{c}\t{s}\t{e}\tref|kit" for c, s, e in CAPTURE]
    lines[2] = " ".join(lines[2].split("\t"))
    (launch / "capture.bed").write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    result = run_nextflow(launch, *plain_args(genome), "--aligner", "bwa", "--annotator", "offline",
                          "--intervals", "capture.bed")
    return launch / "results", result.stdout


@pytest.fixture(scope="module")
def offline_run(offline_launch) -> Path:
    return offline_launch[0]


def tsv(path: Path) -> List[Dict[str, str]]:
    with open(path) as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def truth(genome: Path) -> List[Dict[str, str]]:
    return tsv(genome / "truth.tsv")


def test_the_called_vcf_is_on_the_plain_contigs_with_every_planted_genotype(genome, offline_run):
    vcfs = list((offline_run / "variants").glob("*.vcf.gz"))
    assert len(vcfs) == 1 and "grch38" not in vcfs[0].name  # no lift back: the reference is plain
    calls: Dict[str, Dict[str, str]] = {}
    with gzip.open(vcfs[0], "rt") as handle:
        for line in handle:
            if line.startswith("##contig"):
                assert "chr21" in line or "chr22" in line, line
            if line.startswith("#CHROM"):
                samples = line.rstrip("\n").split("\t")[9:]
            elif not line.startswith("#"):
                cols = line.rstrip("\n").split("\t")
                gts = [v.split(":")[0] for v in cols[9:]]
                calls[f"{cols[0]}:{cols[1]}:{cols[3]}:{cols[4]}"] = dict(zip(samples, gts))
    for row in truth(genome):
        assert calls[row["variant_id"]][row["sample"]] == row["genotype"], row


def test_the_custom_panel_was_built_and_screened(genome, offline_run):
    genes = {row["gene"] for row in tsv(offline_run / "panel/genes.tsv")}
    assert genes == {"SYNA1", "SYNB1"}
    variants = {row["variant_id"]: row for row in tsv(offline_run / "screen/variants.tsv")}
    expected = {row["variant_id"]: row for row in truth(genome)}
    for variant_id, row in expected.items():
        got = variants[variant_id]
        assert got["gene"] == row["gene"] and got["hgvsp"] == row["hgvsp"], (got, row)
        if row["gnomad_af"] == "NA":
            assert got["decision"] == "kept", got
            assert got["impact"] == ("HIGH" if row["kind"] == "stop_gained" else "MODERATE"), got
        else:
            assert got["decision"] == "dropped" and "af_above_max" in got["reasons"], got
    carriers = {(r["sample"], r["variant_id"]): r["state"] for r in tsv(offline_run / "screen/carriers.tsv")}
    for row in truth(genome):
        if row["gnomad_af"] == "NA":
            state = {"0/1": "het", "1/1": "hom_alt", "0/0": "ref"}[row["genotype"]]
            assert carriers[(row["sample"], row["variant_id"])] == state, row
    assert (offline_run / "report/hlhscreen_report.html").stat().st_size > 1000


def test_stub_run_with_vep_on_the_plain_reference_and_default_resources(genome, tmp_path):
    run_nextflow(tmp_path, *plain_args(genome), "--aligner", "bwa-mem2", "--annotator", "vep", "-stub-run")
    commands = sorted((tmp_path / "work").rglob("cohort.vep.command.txt"))
    assert commands, "VEP did not run"
    vep = commands[0].read_text()
    assert "--gtf gene_models.gtf.gz" in vep and "--fasta mini_genome.synthetic.fa" in vep, vep
    assert "--custom file=sites.synthetic.vcf.gz" in vep
    index = sorted((tmp_path / "work").rglob("bwamem2_index.command.txt"))[0].read_text()
    assert "bwa-mem2 index -p mini_genome.synthetic mini_genome.synthetic.fa" in index
    trace = next((tmp_path / "results/pipeline_info").glob("execution_trace_*.txt"))
    with open(trace) as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert {r["status"] for r in rows} == {"COMPLETED"}
    # default caps are this machine: no task asks for more CPUs than it has (a 2-core laptop runs it)
    assert max(int(r["cpus"]) for r in rows) <= (os.cpu_count() or 1)
    by_process = {r["process"].split(":")[-1]: r for r in rows}
    assert by_process["BWAMEM2_INDEX"]["memory"] == "2 GB"  # 28 B/base of a 17 kb FASTA: the 2 GB floor
    assert by_process["FREEBAYES"]["cpus"] == "1"


def test_capture_targets_beside_a_panel_get_their_own_coverage_qc(offline_launch):
    results, log = offline_launch
    summary = (results / "qc/intervals/intervals_summary.txt").read_text()
    assert f"{len(CAPTURE)} intervals" in summary and f"as {MERGED_ON_REFERENCE} merged intervals" in summary, summary
    assert "not on the reference: 500 bp" in summary, summary
    assert "--intervals capture.bed" in log and "not on the reference: 500 bp" in log, log[-3000:]
    placed = (results / "qc/intervals/intervals.reference.bed").read_text().splitlines()
    assert placed[0].split("\t")[:3] == ["chr21", "950", "1300"] and len(placed) == MERGED_ON_REFERENCE
    qc = {row["sample"]: row for row in tsv(results / "qc/sample_qc.tsv")}
    for sample in ("case_1", "case_2", "ctrl_1", "ctrl_2"):
        regions = gzip.open(results / f"qc/mosdepth_targets/{sample}.targets.regions.bed.gz", "rt").read().splitlines()
        assert len(regions) == MERGED_ON_REFERENCE, regions
        # reads were simulated over every exon +/- 100 bp at ~40x: every capture interval is covered
        assert all(float(line.split("\t")[3]) > 15 for line in regions), (sample, regions)
        total = next(line for line in (results / f"qc/mosdepth_targets/{sample}.targets.mosdepth.summary.txt")
                     .read_text().splitlines() if line.startswith("total_region"))
        assert float(total.split("\t")[3]) > 20, total
        # the QC table stays on the panel's regions (its own mosdepth run)
        assert float(qc[sample]["mean_panel_depth"]) > 20, qc[sample]
        # on-target rate from the targets' summary: reads were simulated over the exons +/- 100 bp and the
        # captures are the exons +/- 50 bp (SYNB1 exon 1 not captured), so most but not all bases are on
        # target (synthetic: a real capture has far more off-target reads)
        summary = {line.split("\t")[0]: line.split("\t") for line in
                   (results / f"qc/mosdepth_targets/{sample}.targets.mosdepth.summary.txt").read_text().splitlines()}
        expected = 100 * int(summary["total_region"][2]) / int(summary["total"][2])
        assert abs(float(qc[sample]["pct_on_target"]) - expected) < 0.01 and 30 < expected < 100, qc[sample]
        assert "pct_on_target" not in qc[sample]["qc_flag"], qc[sample]
    assert (results / "qc/mosdepth/case_1.regions.bed.gz").is_file()


def test_a_panel_exon_the_capture_misses_is_reported_as_not_assessed(offline_launch):
    results, log = offline_launch
    genes = {row["gene"]: row for row in tsv(results / "qc/panel_callability.tsv")}
    assert genes["SYNA1"]["status"] == "callable", genes
    # SYNB1 exon 1 + 3 bp each side (206 bp) of 718 panel bp lies outside the capture
    assert (genes["SYNB1"]["status"], genes["SYNB1"]["callable_bp"], genes["SYNB1"]["region_bp"],
            genes["SYNB1"]["reason"]) == ("partly_callable", "512", "718", "outside the capture targets (capture.bed)")
    report = (results / "report/hlhscreen_report.html").read_text()
    assert "Panel genes not screened" in report and "outside the capture targets (capture.bed)" in report
    assert "only partly assessed: outside the capture targets (capture.bed) (section 2)" in report


def genome_with_alt_contig(genome: Path, folder: Path) -> Path:
    """The mini-genome plus an ALT contig (a copy of chr22's first 2 kb), as UCSC/GATK GRCh38 FASTAs have."""
    fasta = folder / "alt_genome.synthetic.fa"
    text = (genome / "mini_genome.synthetic.fa").read_text()
    chr22 = "".join(text.split(">chr22")[1].splitlines()[1:])
    fasta.write_text(text + ">chr22_KI270879v1_alt\n" + "".join(chr22[i:i + 60] + "\n" for i in range(0, 2000, 60)))
    return fasta


ALT_LINE = "chr22_KI270879v1_alt\t0\tchr22\t1\t255\t2000M\t*\t0\t0\t*\t*\n"


def test_an_alt_file_beside_the_fasta_goes_into_the_bwamem2_index_the_pipeline_builds(genome, tmp_path):
    fasta = genome_with_alt_contig(genome, tmp_path)
    Path(f"{fasta}.alt").write_text("@SQ\tSN:chr22\tLN:6000\n" + ALT_LINE)
    args = [a if a != str(genome / "mini_genome.synthetic.fa") else str(fasta) for a in plain_args(genome)]
    result = run_nextflow(tmp_path, *args, "--aligner", "bwa-mem2", "--annotator", "vep", "-stub-run")
    assert "ALT contig" not in result.stdout  # the ALT file was found beside the FASTA
    index = sorted((tmp_path / "work").rglob("bwamem2_index.command.txt"))[0].read_text()
    assert "rm alt_genome.synthetic.fa && cp -L ../alt_genome.synthetic.fa.alt alt_genome.synthetic.alt && cd .." in index
    # bwa-mem2 mem finds <prefix>.alt beside <prefix>.amb in the index it is given
    mem_tasks = [p.parent for p in (tmp_path / "work").rglob("*.bwamem2.command.txt")]
    assert mem_tasks
    for task in mem_tasks:
        [amb] = [Path(d) / f for d, _, files in os.walk(task / "index", followlinks=True) for f in files
                 if f.endswith(".amb")]
        assert amb.with_suffix(".alt").read_text().endswith(ALT_LINE)


@pytest.mark.skipif(shutil.which("bwa") is None, reason="bwa builds the prebuilt index")
def test_alt_contigs_without_an_alt_file_warn_and_a_prebuilt_index_brings_its_own(genome, tmp_path):
    fasta = genome_with_alt_contig(genome, tmp_path)
    index = tmp_path / "bwa_index"
    index.mkdir()
    subprocess.run(["bwa", "index", "-p", str(index / "alt_genome"), str(fasta)], check=True, capture_output=True)
    args = [a if a != str(genome / "mini_genome.synthetic.fa") else str(fasta) for a in plain_args(genome)]
    args += ["--aligner", "bwa", "--bwa_index", str(index), "--annotator", "vep", "-stub-run"]
    # without the ALT file the run starts with a warning saying what it means (the run is not stopped)
    result = run_nextflow(tmp_path, *args, "-preview")
    assert "1 ALT contig(s) (chr22_KI270879v1_alt)" in result.stdout and "MAPQ 0" in result.stdout
    assert f"put the ALT file of this index into that folder as alt_genome.alt" in result.stdout
    # <prefix>.alt in the --bwa_index folder is staged beside the index for bwa mem
    (index / "alt_genome.alt").write_text(ALT_LINE)
    result = run_nextflow(tmp_path, *args)
    assert "ALT contig" not in result.stdout
    staged = [p for p in (tmp_path / "work").rglob("index/alt_genome.alt")]
    assert staged and all(p.read_text() == ALT_LINE for p in staged)


def test_alt_contigs_aligned_alt_unaware_are_said_in_the_report_and_multiqc(genome, tmp_path):
    """A real run on the mini-genome with an ALT contig and no ALT file: the start-up warning was the only
    trace; the report (section 2) and MultiQC ('Panel genes not called') now say it too."""
    fasta = genome_with_alt_contig(genome, tmp_path)
    args = [a if a != str(genome / "mini_genome.synthetic.fa") else str(fasta) for a in plain_args(genome)]
    result = run_nextflow(tmp_path, *args, "--aligner", "bwa", "--annotator", "offline")
    assert "1 ALT contig(s) (chr22_KI270879v1_alt)" in result.stdout
    said = ("he reference has 1 ALT haplotype or patch contig(s) (chr22_KI270879v1_alt) and the alignment was not "
            "ALT-aware for 1 of them (there was no bwa ALT file)")
    report = (tmp_path / "results/report/hlhscreen_report.html").read_text()
    assert f"<strong>Reference:</strong> T{said}" in report
    multiqc = next((tmp_path / "results/multiqc").rglob("multiqc_report.html")).read_text()
    assert f"Note: t{said}" in multiqc
    assert (tmp_path / "results/pipeline_info/reference_notes.txt").read_text().startswith(f"t{said}")


def test_alt_contigs_aligned_alt_unaware_are_said_without_screening_too(genome, tmp_path):
    """--skip_screening --intervals (alignment and calling only, as a GIAB validation): no panel, no
    PANEL_TO_REFERENCE and no report, so the ALT note was only in the start-up log. It now reaches
    pipeline_info/reference_notes.txt and a 'Reference notes' section of MultiQC."""
    fasta = genome_with_alt_contig(genome, tmp_path)
    (tmp_path / "capture.bed").write_text("".join(f"{c}\t{s}\t{e}\n" for c, s, e in CAPTURE[:6]))
    result = run_nextflow(tmp_path, "--input", str(genome / "samplesheet.csv"), "--fasta", str(fasta),
                          "--intervals", "capture.bed", "--skip_screening", "--aligner", "bwa", "--calling_chunks", "2",
                          "--outdir", "results")
    assert "1 ALT contig(s) (chr22_KI270879v1_alt)" in result.stdout
    said = ("he reference has 1 ALT haplotype or patch contig(s) (chr22_KI270879v1_alt) and the alignment was not "
            "ALT-aware for 1 of them (there was no bwa ALT file)")
    assert (tmp_path / "results/pipeline_info/reference_notes.txt").read_text().startswith(f"t{said}")
    assert not (tmp_path / "results/report").exists()
    multiqc = (tmp_path / "results/multiqc/multiqc_report.html").read_text()
    assert "mqc-section-hlhscreen_reference_notes" in multiqc and f"<strong>Note:</strong> T{said}" in multiqc


# samtools faidx words the two cases differently: a line wider than the sequence's first is "Different line
# length in sequence 'chr21'"; a line after a shorter one is "Format error, unexpected "A" at line 10" (600
# bases at 80 a line: lines 2-8 of 80, line 9 of 40, then line 10 of 60), which named neither the cause nor the fix
MIXED_WIDTHS = [
    ((60, 80), "ERROR mixed.synthetic.fa: --fasta: Different line length in sequence 'chr21': the lines of a "
               "sequence must all have one width"),
    ((80, 60), "ERROR mixed.synthetic.fa:10: --fasta: sequence text after a shorter line or a blank line of the "
               "same sequence"),
]


@pytest.mark.parametrize("widths, said", MIXED_WIDTHS, ids=["wider-line", "line-after-a-shorter-one"])
def test_a_fasta_with_mixed_line_widths_stops_at_its_index_with_the_fix(genome, tmp_path, widths, said):
    """samtools faidx refuses a sequence whose lines differ in width; its messages named no fix. The
    start-up check reads only the '>' lines, so the run stops at SAMTOOLS_FAIDX, before any alignment."""
    text = (genome / "mini_genome.synthetic.fa").read_text()
    head, rest = text.split(">chr22", 1)
    name, *lines = head.splitlines()
    bases = "".join(lines)
    first, then = widths
    rewrapped = [bases[:600][i:i + first] for i in range(0, 600, first)] + [bases[600:][i:i + then]
                                                                            for i in range(0, len(bases) - 600, then)]
    fasta = tmp_path / "mixed.synthetic.fa"
    fasta.write_text("\n".join([name] + rewrapped) + "\n>chr22" + rest)
    args = [a if a != str(genome / "mini_genome.synthetic.fa") else str(fasta) for a in plain_args(genome)]
    result = run_nextflow(tmp_path, *args, "--aligner", "bwa", "--annotator", "offline", check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "SAMTOOLS_FAIDX" in output
    assert said in output and "with no blank line inside it" in output and "seqkit seq -w 60" in output, output[-3000:]
    assert not list((tmp_path / "work").rglob("*.bam"))
