"""End-to-end: the real pipeline on the synthetic test cohort (nextflow run . -profile test).

Slow (about a minute per run); marked `pipeline`. Needs nextflow and the packaged tools on PATH
(`make test` provides them).
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import time
from html import escape as html_escape, unescape as html_unescape
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest

from nextflow_runner import run_nextflow
from vcf_records import read_vcf

REPO = Path(__file__).resolve().parents[1]
TRUTH = REPO / "assets/test_cohort/truth.tsv"
MIN_DP = 10

pytestmark = pytest.mark.pipeline


def run(launch_dir: Path, *args: str) -> subprocess.CompletedProcess:
    # the checks read the execution trace, which the test profile leaves off when run locally
    return run_nextflow(launch_dir, "-profile", "test", "--execution_reports", "true", *args)


@pytest.fixture(scope="module")
def launch(test_profile_run):
    # the session's one test-profile run (conftest.py), also compared with the SLURM run
    return test_profile_run


def truth_rows() -> List[Dict[str, str]]:
    with open(TRUTH) as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def sex_used() -> Dict[str, str]:
    """The sex the run must use for each sample (assets/test_cohort/truth_samples.tsv)."""
    with open(REPO / "assets/test_cohort/truth_samples.tsv") as handle:
        return {r["sample"]: r["sex_expected"] for r in csv.DictReader(handle, delimiter="\t")}


def test_every_planted_variant_called_with_the_right_genotype(launch):
    launch_dir, _ = launch
    sexes = sex_used()
    records = {r["id"]: r for r in read_vcf(launch_dir / "results/variants/cohort.grch38.vcf.gz")}
    planted: Dict[str, Dict[str, Dict[str, str]]] = {}
    for row in truth_rows():
        planted.setdefault(row["variant_id"], {})[row["sample"]] = row
    assert set(planted) <= set(records), set(planted) - set(records)
    for variant_id, carriers in planted.items():
        calls = records[variant_id]["calls"]
        for sample, call in calls.items():
            if sample in carriers and carriers[sample]["coverage"] == "low":
                # too little coverage: must be a no-call or visibly below the depth threshold
                assert call["GT"] in ("./.", ".") or int(call["DP"]) < MIN_DP, (variant_id, sample, call)
            elif sample in carriers:
                assert call["GT"] == carriers[sample]["genotype"], (variant_id, sample, call["GT"])
            else:
                # males are called haploid on chrX outside the PARs
                haploid = variant_id.startswith("chrX:") and sexes[sample] == "male"
                assert call["GT"] == ("0" if haploid else "0/0"), (variant_id, sample, call["GT"])
            assert "GQ" in call and "DP" in call


def test_no_other_confident_call_in_the_panel(launch):
    launch_dir, _ = launch
    planted = {row["variant_id"] for row in truth_rows()}
    confident = {r["id"] for r in read_vcf(launch_dir / "results/variants/cohort.grch38.vcf.gz") if r["qual"] >= 20}
    assert confident - planted == set()


def test_multiqc_has_read_alignment_and_coverage_sections(launch):
    launch_dir, _ = launch
    report = launch_dir / "results/multiqc/multiqc_report.html"
    sources = (launch_dir / "results/multiqc/multiqc_data/multiqc_sources.txt").read_text()
    for module in ("FastQC", "Samtools", "mosdepth"):
        assert module in sources, module
    html = report.read_text()
    for section in ("hlhscreen_sample_qc", "hlhscreen_annotation", "software_versions", "hlhscreen_screen",
                    "hlhscreen_report_summary", "hlhscreen_panel_callability", "hlhscreen_frequency_check",
                    "hlhscreen_sex_check"):
        assert section in html, section


def test_without_capture_targets_the_on_target_rate_is_not_assessed(launch):
    """The test profile has no --intervals: pct_on_target is NA (not assessed), never a flag; MultiQC's
    General Statistics show each sample's QC flag (and no on-target column)."""
    launch_dir, _ = launch
    with open(launch_dir / "results/qc/sample_qc.tsv") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert rows and all(row["pct_on_target"] == "NA" and "on_target" not in row["qc_flag"] for row in rows), rows
    stats = (launch_dir / "results/multiqc/multiqc_data/multiqc_general_stats.txt").read_text().splitlines()
    columns = stats[0].split("\t")
    assert "pct_on_target" not in stats[0]
    at = next(i for i, column in enumerate(columns) if column.endswith("hlhscreen_qc_general-qc_flag"))
    flags = {line.split("\t")[0]: line.split("\t")[at] for line in stats[1:]}
    assert all(flags[row["sample"]] == row["qc_flag"] for row in rows), flags



def test_pairs_failed_filter_reach_sample_qc_and_general_stats(launch):
    """CHECK_FASTQ counts the pairs the sequencer flagged as failing its filter (1:Y:); sample_qc.tsv carries
    them per sample (its lanes summed) and MultiQC's General Statistics their share (before: only in
    qc/fastq_check/, where no one looks)."""
    launch_dir, _ = launch
    counted: Dict[str, List[int]] = {}
    for path in (launch_dir / "results/qc/fastq_check").glob("*.fastq_check.tsv"):
        with open(path) as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                pairs, failed = counted.setdefault(row["sample"], [0, 0])
                counted[row["sample"]] = [pairs + int(row["read_pairs"]), failed + int(row["pairs_failed_filter"])]
    with open(launch_dir / "results/qc/sample_qc.tsv") as handle:
        rows = {row["sample"]: row for row in csv.DictReader(handle, delimiter="\t")}
    assert counted and set(counted) == set(rows)
    for sample, (pairs, failed) in counted.items():
        assert rows[sample]["pairs_failed_filter"] == str(failed), sample
        assert float(rows[sample]["pct_failed_filter"]) == round(100 * failed / pairs, 2), sample
    stats = (launch_dir / "results/multiqc/multiqc_data/multiqc_general_stats.txt").read_text().splitlines()
    at = next(i for i, column in enumerate(stats[0].split("\t")) if column.endswith("hlhscreen_qc_general-pct_failed_filter"))
    shown = {line.split("\t")[0]: float(line.split("\t")[at]) for line in stats[1:] if line.split("\t")[at]}
    assert shown == {sample: float(row["pct_failed_filter"]) for sample, row in rows.items()}


def test_multiqc_tables_show_counts_as_whole_numbers(launch):
    """MultiQC shows a custom table's numbers with one decimal unless assets/multiqc_config.yml gives a format:
    the screening, annotation, frequency-check and panel-callability tables read "15.0" variants and "13,784.0" bp.
    No hlhscreen table cell of the test run's page shows a whole number with a decimal, and each table shows
    every column of its data (MultiQC hides the columns a config leaves out)."""
    launch_dir, _ = launch
    folder = launch_dir / "results/multiqc"
    page = (folder / "multiqc_report.html").read_text(encoding="utf-8")
    tables = dict(re.findall(r'<table id="(hlhscreen_[a-z_]+)-plot"(.*?)</table>', page, re.S))
    assert {"hlhscreen_screen", "hlhscreen_annotation", "hlhscreen_frequency_check",
            "hlhscreen_panel_callability", "hlhscreen_sample_qc"} <= set(tables), sorted(tables)
    for table, text in tables.items():
        with open(folder / f"multiqc_data/multiqc_{table}-plot.txt") as handle:
            data = list(csv.reader(handle, delimiter="\t"))
        shown = [re.sub(r"<[^>]+>", "", value) for value in re.findall(r'<span class="val">(.*?)</span></div></td>', text)]
        assert len(shown) == sum(len(row) - 1 for row in data[1:]), (table, data[0])  # every column shown
        decimal = [value for value in shown if re.fullmatch(r"-?[\d,]+\.0", value)]  # MultiQC's '{:,.1f}' of a count
        assert not decimal, (table, decimal[:5])

def test_versions_file_lists_every_tool(launch):
    launch_dir, _ = launch
    text = (launch_dir / "results/pipeline_info/software_versions.yml").read_text()
    for tool in ("fastqc:", "bwa:", "samtools:", "mosdepth:", "freebayes:", "bcftools:", "snpeff:", "multiqc:",
                 "python:", "hlhscreen:", "Nextflow:"):
        assert tool in text, tool


def test_resume_reruns_no_finished_task(launch):
    launch_dir, _ = launch
    before = set((launch_dir / "results/pipeline_info").glob("execution_trace_*.txt"))
    run(launch_dir, "--outdir", "results", "-resume")
    new = set((launch_dir / "results/pipeline_info").glob("execution_trace_*.txt")) - before
    assert len(new) == 1
    with open(new.pop()) as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert rows, "empty trace"
    assert {row["status"] for row in rows} == {"CACHED"}, [(r["process"], r["status"]) for r in rows if r["status"] != "CACHED"]


def test_resume_into_another_outdir_reruns_no_task(launch):
    """--outdir is where results go, not what they are: REPORT (which reads the run's parameters)
    must not re-run when only the output folder changes."""
    launch_dir, _ = launch
    run(launch_dir, "--outdir", "results_elsewhere", "-resume")
    traces = list((launch_dir / "results_elsewhere/pipeline_info").glob("execution_trace_*.txt"))
    assert len(traces) == 1
    with open(traces[0]) as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert rows and {row["status"] for row in rows} == {"CACHED"}, \
        [(r["process"], r["status"]) for r in rows if r["status"] != "CACHED"]
    assert (launch_dir / "results_elsewhere/report/hlhscreen_report.html").is_file()


# ---- screening (issue 4), statistics and report (issue 5) on the same run ----------------------

def tsv(path: Path) -> List[Dict[str, str]]:
    with open(path) as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_screening_decisions_on_the_planted_variants(launch):
    launch_dir, _ = launch
    variants = {r["variant_id"]: r for r in tsv(launch_dir / "results/screen/variants.tsv")}
    a91v = variants["chr10:70600631:G:A"]
    assert a91v["decision"] == "kept" and a91v["rescued_by"] == "risk_factor_whitelist"
    assert "PMID:12229880" in a91v["whitelist_evidence"]
    w374x = variants["chr10:70598599:C:T"]
    assert (w374x["decision"], w374x["impact"], w374x["hgvsp"]) == ("kept", "HIGH", "p.Trp374Ter")
    a59t = variants["chr17:75843245:C:T"]
    assert (a59t["decision"], a59t["reasons"], a59t["hgvsp"]) == ("dropped", "common_not_risk_factor", "p.Ala59Thr")
    assert variants["chr10:70598601:A:C"]["af_status"] == "novel"
    assert variants["chr17:75840205:G:A"]["reasons"].startswith("outside_panel")
    assert variants["chr19:7642793:G:A"]["reasons"] == "impact_not_selected"


def test_carrier_states_and_gene_status(launch):
    launch_dir, _ = launch
    carriers = {(r["sample"], r["variant_id"]): r for r in tsv(launch_dir / "results/screen/carriers.tsv")}
    for sample in ("case_01", "ctrl_01"):
        row = carriers[(sample, "chr10:70600631:G:A")]
        assert row["kept_by"] == "risk_factor_whitelist" and "PMID:12229880" in row["whitelist_evidence"]
    assert carriers[("case_01", "chr10:70598599:C:T")]["kept_by"] == "filters"
    low = carriers[("ctrl_04", "chr10:70600631:G:A")]
    assert low["state"] == "not_assessable" and low["note"] == "low_depth"
    assert carriers[("case_03", "chr10:70598601:A:C")]["state"] == "hom_alt"
    status = {(r["sample"], r["gene"]): r["status"] for r in tsv(launch_dir / "results/screen/gene_status.tsv")}
    assert status[("case_01", "PRF1")] == "possible_compound_het"
    assert status[("case_03", "PRF1")] == "biallelic_hom"
    # per-sample, per-gene coverage at >= --min_dp: the test cohort simulates ctrl_04 at ~2x over the whole
    # capture region of PRF1 A91V (exon 2, about a quarter of PRF1's panel bases): below --min_gene_callable
    # 0.9 there, and only there. ctrl_04 was already not assessable for PRF1 (its low-depth A91V call), so the
    # gene and biallelic counts of the truth table do not change; every other sample and gene stays assessable.
    rows = tsv(launch_dir / "results/screen/gene_status.tsv")
    low = {(r["sample"], r["gene"]): r for r in rows if r["coverage_reason"] != "NA"}
    assert set(low) == {("ctrl_04", "PRF1")}, low
    fraction = float(low[("ctrl_04", "PRF1")]["coverage_reason"].removeprefix("low_gene_coverage:"))
    assert 0.5 < fraction < 0.9 and low[("ctrl_04", "PRF1")]["status"] == "not_assessable"
    with gzip.open(launch_dir / "results/qc/mosdepth/case_01.thresholds.bed.gz", "rt") as handle:
        assert "10X" in handle.readline().split()  # --min_dp 10 is among mosdepth's thresholds
    scripts = [p.read_text() for p in launch_dir.glob("work/*/*/.command.sh") if "screen_variants.py" in p.read_text()]
    assert scripts and all(re.search(r"--gene-coverage( \S+\.thresholds\.bed\.gz){8} ", s) for s in scripts)


def test_variant_test_counts_match_the_truth_table(launch):
    launch_dir, _ = launch
    with open(REPO / "assets/test_cohort/samplesheet.csv") as handle:
        groups = {r["sample"]: r["group"] for r in csv.DictReader(handle)}
    truth = truth_rows()
    sexes = sex_used()
    for row in tsv(launch_dir / "results/cohort/variant_tests.tsv"):
        planted = [t for t in truth if t["variant_id"] == row["id"]]
        low = {t["sample"] for t in planted if t["coverage"] == "low"}
        if row["id"].startswith("chrX:"):  # a sample of unknown sex is not assessable on chrX
            low |= {sample for sample, sex in sexes.items() if sex == "unknown"}
        for group, prefix in (("case", "case"), ("control", "control")):
            carriers = sum(1 for t in planted if t["group"] == group and t["sample"] not in low)
            assessable = sum(1 for s, g in groups.items() if g == group and s not in low)
            assert int(row[f"{prefix}_carriers"]) == carriers, (row["id"], group)
            assert int(row[f"{prefix}_assessable"]) == assessable, (row["id"], group)
        p = float(row["p_value"])
        assert 0 <= p <= 1 and float(row["q_value"]) >= p


def test_report_renders_with_every_kept_variant_and_the_citation(launch):
    launch_dir, _ = launch
    html = (launch_dir / "results/report/hlhscreen_report.html").read_text()
    kept = [r for r in tsv(launch_dir / "results/screen/variants.tsv") if r["decision"] == "kept"]
    assert kept
    for row in kept:
        label = row["hgvsp"] if row["hgvsp"] != "NA" else row["hgvsc"]
        assert html_escape(label) in html, label
    assert "PMID:12229880" in html
    assert "<script src" not in html and 'href="http' not in html
    for name in ("carrier_matrix", "gene_forest"):
        png = launch_dir / f"results/report/figures/{name}.png"
        svg = launch_dir / f"results/report/figures/{name}.svg"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 1000
        assert svg.stat().st_size > 1000 and "<svg" in svg.read_text()[:2000]


def test_power_table_and_report_section(launch):
    """cohort/power.tsv: one row per test of the three tables, with their counts, alpha 1 - conf_level, powers
    in [0, 1] equal to the exact computation on those counts; the report says it per gene in words."""
    from hlhscreen.power import power_summary

    launch_dir, _ = launch
    power = tsv(launch_dir / "results/cohort/power.tsv")
    tests = [row for level in ("variant", "gene", "biallelic") for row in tsv(launch_dir / f"results/cohort/{level}_tests.tsv")]
    assert [(r["level"], r["id"]) for r in power] == [(r["level"], r["id"]) for r in tests]
    for row, test in zip(power, tests):
        assert row["alpha"] == "0.05"
        for column in ("case_assessable", "control_assessable", "control_carriers"):
            assert row[column] == test[column]
        if test["testable"] == "no":
            assert row["note"] == "not_testable"
            continue
        summary = power_summary(int(row["case_assessable"]), int(row["control_assessable"]),
                                int(row["control_carriers"]), 0.05)
        assert row["note"] == (summary.reason or "NA")
        for column, value in zip(("power_or_2", "power_or_5", "power_or_10"), summary.powers):
            assert (row[column] == "NA") if value is None else (0 <= float(row[column]) <= 1
                                                                and float(row[column]) == pytest.approx(value, rel=1e-12))
    assert any(r["power_or_10"] != "NA" for r in power if r["level"] == "gene")
    html = (launch_dir / "results/report/hlhscreen_report.html").read_text()
    assert '<section id="power">' in html
    for row in tsv(launch_dir / "results/cohort/gene_tests.tsv"):
        assert f"<li>{row['gene']}: " in html, row["gene"]


def test_offline_annotation_gives_true_protein_changes_and_gnomad_afs(launch):
    from hlhscreen.annotation import iter_records

    launch_dir, _ = launch
    cited = {}
    with open(REPO / "assets/test_cohort/source/hlh_known_variants.hg38.tsv") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            af = None if row["pop_af"] in ("", ".") else float(row["pop_af"])
            cited[f"{row['chrom']}:{row['pos_hg38']}:{row['ref']}:{row['alt']}"] = af
    expected = {row["variant_id"]: row for row in truth_rows()}
    annotated = {r.variant_id: r for r in iter_records(launch_dir / "results/annotation/cohort.annotated.vcf.gz")}
    for variant_id, truth in expected.items():
        record = annotated[variant_id]
        summary = record.summary_for_gene(truth["gene"])
        assert summary.hgvsc.replace("delG", "del") == truth["hgvsc"], variant_id
        if truth["hgvsp"] != "NA":
            assert summary.hgvsp == truth["hgvsp"], variant_id
        assert truth["consequence"] in summary.consequences, (variant_id, summary.consequences)
        if cited.get(variant_id) is not None:
            assert record.gnomad_af == pytest.approx(cited[variant_id], rel=1e-6), variant_id
        else:
            assert record.gnomad_af is None and record.gnomad_af_missing, variant_id


def test_screen_outputs_name_frequency_fields_labels_and_split_sites(launch):
    """Issue 9 in the real run: the offline path's gnomAD field is named for every observed AF, each
    call has one label, ctrl_04 (0/0 at 2 reads at A91V) is not_assessable for PRF1 rather than a
    non-carrier, and the normalised VCF has no duplicates and tags split records (OLD_REC)."""
    launch_dir, _ = launch
    variants = {r["variant_id"]: r for r in tsv(launch_dir / "results/screen/variants.tsv")}
    a91v = variants["chr10:70600631:G:A"]
    assert (a91v["af_field"], a91v["gnomad_af_source"], a91v["label"]) == ("INFO/gnomAD_AF", "info_gnomad", "p.Ala91Val")
    assert variants["chr6:144187026:TG:T"]["label"] == "p.Ala134fs"
    assert all(r["af_field"] == "NA" for r in variants.values() if r["af_status"] in ("novel", "not_looked_up"))
    status = {(r["sample"], r["gene"]): r for r in tsv(launch_dir / "results/screen/gene_status.tsv")}
    ctrl_04 = status[("ctrl_04", "PRF1")]
    assert (ctrl_04["status"], ctrl_04["not_assessable_variants"]) == ("not_assessable", "chr10:70600631:G:A")
    assert {gene for _, gene in status} <= {"PRF1", "UNC13D", "STX11", "STXBP2", "SH2D1A"}
    normalised = next((launch_dir / "results/variants").glob("*.norm.vcf.gz"))
    text = subprocess.run(["bgzip", "-dc", str(normalised)], capture_output=True, text=True, check=True).stdout
    keys = [tuple(line.split("\t")[:2] + line.split("\t")[3:5]) for line in text.splitlines() if line[:1] != "#"]
    assert len(keys) == len(set(keys))
    split = [line for line in text.splitlines() if line[:1] != "#" and "OLD_REC=" in line]
    assert any(line.split("\t")[4] == "A" and "|C|A,T|1" in line for line in split)  # the STXBP2 C>A,T site


# ---- no silent partial results (issue 11) on the same run -------------------------------------------

def test_every_panel_gene_is_accounted_for_in_outputs_report_and_log(launch):
    launch_dir, first = launch
    genes = {r["gene"]: r for r in tsv(launch_dir / "results/qc/panel_callability.tsv")}
    with open(REPO / "panels/hlh/genes.tsv") as handle:
        panel = {row["gene"] for row in csv.DictReader(handle, delimiter="\t")}
    assert set(genes) == panel and len(panel) == 21
    assert {g for g, r in genes.items() if r["status"] == "callable"} == {"PRF1", "UNC13D", "STX11", "STXBP2", "SH2D1A"}
    not_called = [r for r in genes.values() if r["status"] != "callable"]
    assert all(r["status"] == "not_callable" and r["reason"] != "NA" for r in not_called)
    assert genes["LYST"]["reason"] == "contig chr1 is not in the reference windows"
    assert genes["XIAP"]["reason"] == "outside the reference windows"  # chrX, but not in the SH2D1A window
    assert genes["IL2RA"]["reason"] == "outside the reference windows"  # chr10, but not in the PRF1 window
    html = (launch_dir / "results/report/hlhscreen_report.html").read_text()
    assert "16 of 21 panel genes could not be screened" in html and "Panel genes not screened" in html
    for row in not_called:
        assert f"<td>{row['gene']}</td>" in html, row["gene"]
    assert "16 of 21 panel genes cannot be (fully) called on this reference" in first.stdout + first.stderr


def test_gene_coverage_accounts_for_every_panel_gene_and_sample_and_flags_the_exon_dropout(launch):
    """gene_coverage.tsv: all 21 panel genes x 8 samples, kept variant or not. The 16 genes off the test reference
    are not measured (not_assessable, never "none"); of the 5 on it, only ctrl_04's PRF1 exon 2 (simulated at
    ~2x) is below --min_gene_callable, named with its exon; the report and MultiQC's summary say so."""
    launch_dir, _ = launch
    rows = tsv(launch_dir / "results/screen/gene_coverage.tsv")
    by_key = {(r["sample"], r["gene"]): r for r in rows}
    with open(REPO / "assets/test_cohort/samplesheet.csv") as handle:
        samples = {row["sample"] for row in csv.DictReader(handle)}
    with open(REPO / "panels/hlh/genes.tsv") as handle:
        panel = {row["gene"] for row in csv.DictReader(handle, delimiter="\t")}
    assert len(rows) == len(by_key) == len(panel) * len(samples) and {g for _, g in by_key} == panel
    on_reference = {"PRF1", "UNC13D", "STX11", "STXBP2", "SH2D1A"}
    for (sample, gene), row in by_key.items():
        if gene not in on_reference:
            assert (row["status"], row["coverage_reason"]) == ("not_assessable", "not_measured"), (sample, gene)
        else:
            assert row["panel_bases"] != "NA" and int(row["callable_bases"]) <= int(row["panel_bases"])
    flagged = {key: row["exon_flags"] for key, row in by_key.items() if row["exon_flags"] != "NA"}
    assert set(flagged) == {("ctrl_04", "PRF1")}, flagged
    assert re.fullmatch(r"low_exon_coverage:exon2:0\.\d\d", flagged[("ctrl_04", "PRF1")])
    status = {(r["sample"], r["gene"]): r for r in tsv(launch_dir / "results/screen/gene_status.tsv")}
    assert all((by_key[key]["status"], by_key[key]["in_gene_status"]) == (row["status"], "yes")
               for key, row in status.items())
    assert by_key[("ctrl_04", "PRF1")]["status"] == "not_assessable"
    report = html_unescape((launch_dir / "results/report/hlhscreen_report.html").read_text())
    gaps = report[report.index("Coverage gaps per gene"):]
    assert "PRF1 not assessable in ctrl_04: 0." in gaps and "PRF1 exon 2: 0." in gaps
    plot = launch_dir / "results/multiqc/multiqc_data/multiqc_hlhscreen_screen-plot.txt"
    counts = {row[0]: float(row[1]) for row in (line.split("\t") for line in plot.read_text().splitlines()[1:])}
    assert counts["sample x panel gene pairs (gene_coverage.tsv)"] == len(panel) * len(samples)
    assert counts["sample x panel gene pairs with an exon covered below --min-gene-callable (low_exon_coverage)"] == 1
    assert counts["sample x panel gene pairs not measured (no panel region of the gene in the sample's "
                  "coverage)"] == (len(panel) - len(on_reference)) * len(samples)


def test_every_lane_was_checked_before_alignment(launch):
    launch_dir, _ = launch
    rows = [r for path in sorted((launch_dir / "results/qc/fastq_check").glob("*.fastq_check.tsv")) for r in tsv(path)]
    assert len(rows) == 9
    for row in rows:
        with gzip.open(REPO / "assets/test_cohort/reads" / row["fastq_1"], "rt") as handle:
            assert int(row["read_pairs"]) == sum(1 for _ in handle) // 4, row["fastq_1"]


def test_frequency_check_reports_what_gnomad_lacks(launch):
    launch_dir, _ = launch
    assert (launch_dir / "results/multiqc/multiqc_data/multiqc_hlhscreen_frequency_check-plot.txt").exists()
    html = (launch_dir / "results/multiqc/multiqc_report.html").read_text()
    # the test gnomAD file has no chr6/chr19 records: the variants there are novel by necessity, and said so
    assert "the gnomAD file has no records on chr6 (" in html
    # and the report, where a clinician reads it: "not looked up", never "novel / not in gnomAD", there
    report = (launch_dir / "results/report/hlhscreen_report.html").read_text()
    assert "gnomAD frequencies were not looked up on chr6, chr19, chrX" in report
    stx11 = report[report.index("chr6:144187026:TG:T"):]
    assert stx11.index("not looked up: the gnomAD file has no record") < stx11.index("</tr>")
    # and variants.tsv / kept.vcf, read by scripts: not_looked_up there, never "novel"; still kept (no frequency
    # is rare: the study's rule), while chr10 (gnomAD has records) keeps "novel"
    variants = {r["variant_id"]: r for r in tsv(launch_dir / "results/screen/variants.tsv")}
    stx11_row = variants["chr6:144187026:TG:T"]
    assert (stx11_row["af_status"], stx11_row["decision"]) == ("not_looked_up", "kept")
    assert "af_not_looked_up" in stx11_row["reasons"].split(";")
    assert not [v for v, r in variants.items() if r["af_status"] == "novel" and v.split(":")[0] in ("chr6", "chr19", "chrX")]
    assert variants["chr10:70598601:A:C"]["af_status"] == "novel"
    with gzip.open(launch_dir / "results/screen/kept.vcf.gz", "rt") as handle:
        stx11_line = next(line for line in handle if line.startswith("chr6\t144187026\t"))
    assert "af_not_looked_up" in stx11_line.split("\t")[7]


# Last in this module: it reruns the pipeline with other parameters in the same folder (the results
# are those of the default parameters again when it ends).
def test_provenance_describes_each_resumed_run(launch):
    launch_dir, _ = launch
    info = launch_dir / "results/pipeline_info"
    report = launch_dir / "results/report/hlhscreen_report.html"
    for min_qual, extra in ((30, ["--min_qual", "30"]), (20, [])):
        started = time.time() - 1
        run(launch_dir, "--outdir", "results", "-resume", *extra)
        params = json.loads((info / "params.json").read_text())
        assert params["min_qual"] == min_qual, "params.json describes another run"
        assert f"QUAL at least {min_qual} " in report.read_text(), "the report shows another run's parameters"
        for path in (info / "params.json", info / "software_versions.yml", report,
                     launch_dir / "results/screen/variants.tsv"):
            assert path.stat().st_mtime >= started, f"{path.name} was left from an earlier run"
