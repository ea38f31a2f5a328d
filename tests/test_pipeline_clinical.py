"""End-to-end, issue 13 parts 1 and 2 on the test cohort: sex, haploid males on chrX, hemizygous
carriers in the tests, and ClinVar evidence in every output (the session's one test-profile run,
plus one -resume rerun that changes only the screening options)."""

from __future__ import annotations

import csv
import gzip
import re
import subprocess
from html import escape
from pathlib import Path
from typing import Dict, List

import pytest

from nextflow_runner import run_nextflow
from vcf_records import read_vcf

REPO = Path(__file__).resolve().parents[1]
COHORT = REPO / "assets/test_cohort"
R55X = "chrX:124365786:C:T"
A64T = "chrX:124365813:G:A"
A91V = "chr10:70600631:G:A"
W374X = "chr10:70598599:C:T"
W374G = "chr10:70598601:A:C"
STX11_DEL = "chr6:144187026:TG:T"

pytestmark = pytest.mark.pipeline


def tsv(path: Path) -> List[Dict[str, str]]:
    with open(path) as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def expected_sexes() -> Dict[str, Dict[str, str]]:
    return {row["sample"]: row for row in tsv(COHORT / "truth_samples.tsv")}


@pytest.fixture(scope="module")
def results(test_profile_run) -> Path:
    launch_dir, _ = test_profile_run
    return launch_dir / "results"


def vcf_calls(path: Path) -> Dict[str, Dict[str, str]]:
    """variant id -> sample -> GT."""
    return {record["id"]: {sample: call["GT"] for sample, call in record["calls"].items()}
            for record in read_vcf(path)}


def test_sex_is_inferred_reconciled_and_flagged(results):
    expected = expected_sexes()
    rows = {row["sample"]: row for row in tsv(results / "qc/sex.tsv")}
    assert {s: r["sex"] for s, r in rows.items()} == {s: r["sex_expected"] for s, r in expected.items()}
    assert {s: r["sex_inferred"] for s, r in rows.items()} == {s: r["sex_of_reads"] for s, r in expected.items()}
    for sample, row in rows.items():
        ratio = float(row["x_autosome_ratio"])
        assert (0.4 < ratio < 0.6) if expected[sample]["sex_of_reads"] == "male" else (0.9 < ratio < 1.1), row
    qc = {row["sample"]: row for row in tsv(results / "qc/sample_qc.tsv")}
    flagged = {s for s, r in qc.items() if "sex_mismatch" in r["qc_flag"]}
    assert flagged == {s for s, r in expected.items() if r["sex_expected"] == "unknown" and r["sex_given"] != "NA"}
    males = {s for s, r in expected.items() if r["sex_expected"] == "male"}
    cnv = [line.split("\t") for line in (results / "qc/cnv_map.bed").read_text().splitlines()]
    assert {fields[3] for fields in cnv} == males and {fields[4] for fields in cnv} == {"1"}


def test_males_are_haploid_on_chrx_and_never_het(results):
    """Every male call outside the PARs is haploid (0/1 never appears); the hemizygous case is '1'."""
    expected = expected_sexes()
    calls = vcf_calls(results / "variants/cohort.grch38.vcf.gz")
    x_sites = [vid for vid in calls if vid.startswith("chrX:")]
    assert R55X in x_sites and A64T in x_sites
    for vid in x_sites:
        for sample, gt in calls[vid].items():
            if expected[sample]["sex_expected"] == "male":
                assert gt in ("0", "1", "."), (vid, sample, gt)
            else:
                assert "/" in gt or "|" in gt, (vid, sample, gt)
    assert calls[R55X]["case_01"] == "1" and calls[R55X]["ctrl_01"] == "0/1"


def test_the_artefact_male_is_het_for_a_diploid_caller_but_not_here(results, tmp_path):
    """ctrl_02's reads carry 40 % ALT at SH2D1A c.190: FreeBayes without the ploidy map calls 0/1
    (the test data can fail the test), with it the pipeline calls 0 and the screen drops the site."""
    artefact = tsv(COHORT / "truth_artefacts.tsv")[0]
    window = next(row for row in tsv(COHORT / "reference/windows.tsv") if row["chrom"] == "chrX")
    pos = int(artefact["variant_id"].split(":")[1]) - int(window["start"]) + 1
    bam = results / f"alignment/{artefact['sample']}.bam"
    diploid = subprocess.run(
        ["freebayes", "-f", str(COHORT / "reference/hlh_windows.synthetic.fa"), "-r",
         f"{window['contig']}:{pos - 1}-{pos + 1}", "--min-alternate-count", "3", "--min-alternate-fraction", "0.1", str(bam)],
        capture_output=True, text=True, check=True).stdout
    records = [line.split("\t") for line in diploid.splitlines() if not line.startswith("#")]
    assert [(r[1], r[9].split(":")[0]) for r in records] == [(str(pos), artefact["diploid_call"])]
    assert float(records[0][5]) > 20  # a confident het: the min-qual filter would not have caught it
    calls = vcf_calls(results / "variants/cohort.grch38.vcf.gz")
    assert calls[artefact["variant_id"]][artefact["sample"]] == artefact["expected_call"]
    variant = {row["variant_id"]: row for row in tsv(results / "screen/variants.tsv")}[artefact["variant_id"]]
    assert variant["decision"] == "dropped" and "no_assessable_carrier" in variant["reasons"]
    assert not any(row["variant_id"] == artefact["variant_id"] for row in tsv(results / "screen/carriers.tsv"))


def test_hemizygous_carrier_in_every_level_of_tests(results):
    carriers = {(r["sample"], r["variant_id"]): r for r in tsv(results / "screen/carriers.tsv")}
    assert (carriers[("case_01", R55X)]["state"], carriers[("case_01", R55X)]["genotype"]) == ("hemizygous", "1")
    assert carriers[("ctrl_01", R55X)]["state"] == "het"
    assert (carriers[("ctrl_03", R55X)]["state"], carriers[("ctrl_03", R55X)]["note"]) == ("not_assessable", "sex_unknown")
    status = {(r["sample"], r["gene"]): r["status"] for r in tsv(results / "screen/gene_status.tsv")}
    assert status[("case_01", "SH2D1A")] == "hemizygous" and status[("ctrl_01", "SH2D1A")] == "monoallelic"
    assert status[("ctrl_03", "SH2D1A")] == "not_assessable"
    expected = {  # (case carriers, case assessable, control carriers, control assessable): ctrl_03 left out
        "variant": (1, 4, 1, 3), "gene": (1, 4, 1, 3), "biallelic": (1, 4, 0, 3)}
    for level, counts in expected.items():
        test_id = R55X if level == "variant" else "SH2D1A"
        row = next(r for r in tsv(results / f"cohort/{level}_tests.tsv") if r["id"] == test_id)
        assert tuple(int(row[c]) for c in ("case_carriers", "case_assessable", "control_carriers",
                                           "control_assessable")) == counts, level
        assert "excluded_samples=1" in row["note"]
    power = {(r["level"], r["id"]): r for r in tsv(results / "cohort/power.tsv")}
    assert power[("biallelic", "SH2D1A")]["control_assessable"] == "3"


def test_clinvar_evidence_in_variants_carriers_and_kept_vcf(results):
    variants = {row["variant_id"]: row for row in tsv(results / "screen/variants.tsv")}
    w374x = variants[W374X]
    assert (w374x["clinvar_variation_id"], w374x["clinvar_clnsig"], w374x["clinvar_stars"]) == ("13709", "Pathogenic", "2")
    a91v = variants[A91V]
    assert a91v["clinvar_clnsig"] == "Conflicting_classifications_of_pathogenicity|risk_factor"
    assert a91v["clinvar_stars"] == "1" and "Familial_hemophagocytic_lymphohistiocytosis_2" in a91v["clinvar_disease"]
    assert a91v["risk_factor_candidate"] == "no"  # whitelisted
    # the derived ClinVar file has records on chr10 only: chrX was not looked up, chr10's W374G is absent
    assert variants[R55X]["clinvar_clnsig"] == "not_looked_up"
    assert variants[W374G]["clinvar_clnsig"] == "not_in_clinvar"
    carriers = {(r["sample"], r["variant_id"]): r for r in tsv(results / "screen/carriers.tsv")}
    assert (carriers[("case_01", W374X)]["clinvar_clnsig"], carriers[("case_01", W374X)]["clinvar_variation_id"]) == \
        ("Pathogenic", "13709")
    assert "Familial_hemophagocytic_lymphohistiocytosis_2" in carriers[("case_01", A91V)]["clinvar_disease"]
    with gzip.open(results / "screen/kept.vcf.gz", "rt") as handle:
        kept = handle.read()
    assert "CLINVAR_VARID=13709" in kept and '##hlhscreen_clinvar=<file="clinvar.derived.vcf.gz",fileDate="2026-12-01"' in kept


def test_report_shows_sex_clinvar_and_its_citation(results):
    page = (results / "report/hlhscreen_report.html").read_text()
    assert "Sex and the X-linked genes" in page and "Given and inferred sex disagree for ctrl_03" in page
    assert "case_01 (hemi)" in page
    assert escape("ClinVar-style file clinvar.derived.vcf.gz dated 2026-12-01") in page
    assert "not an NCBI ClinVar release" in page
    assert "variation ID 13709" in page and "\u2605\u2605\u2606\u2606 (2 of 4)" in page
    assert "Risk-factor candidates" in page
    assert "The file has no record on chr6, chr17, chr19, chrX: variants there were not looked up" in page
    assert "not looked up (the ClinVar file has no record on this chromosome)" in page
    methods = page[page.index('<section id="methods">'):]
    assert "haploid on chrX" in methods and "ClinVar classifications, review stars and conditions" in methods


@pytest.fixture(scope="module")
def rerun_without_whitelist(test_profile_run, tmp_path_factory) -> Path:
    """Same run, -resume, with an empty whitelist, only MODERATE impacts selected and the ClinVar rescue
    on: only SCREEN onward rerun. PRF1 W374X (stop_gained, HIGH; Pathogenic, 2 stars in the derived
    ClinVar file) then fails the impact rule and is kept by the rescue alone."""
    launch_dir, _ = test_profile_run
    empty = tmp_path_factory.mktemp("whitelist") / "risk_factors.tsv"
    empty.write_text((REPO / "panels/hlh/risk_factors.tsv").read_text().splitlines()[0] + "\n")
    run_nextflow(launch_dir, "-profile", "test", "--outdir", "results_no_whitelist", "-resume",
                 "--risk_factors", str(empty), "--impacts", "MODERATE", "--consequences", "none",
                 "--keep_clinvar_pathogenic", "--clinvar_min_stars", "2")
    return launch_dir / "results_no_whitelist"


def test_risk_factor_candidates_are_listed_not_kept(rerun_without_whitelist):
    variants = {row["variant_id"]: row for row in tsv(rerun_without_whitelist / "screen/variants.tsv")}
    a91v = variants[A91V]
    assert (a91v["decision"], a91v["reasons"], a91v["risk_factor_candidate"]) == \
        ("dropped", "common_not_risk_factor", "yes")
    assert [v for v, row in variants.items() if row["risk_factor_candidate"] == "yes"] == [A91V]
    page = (rerun_without_whitelist / "report/hlhscreen_report.html").read_text()
    part = page[page.index("<h3>Risk-factor candidates"):page.index("<h3>Not assessable per gene")]
    assert A91V in part and "Conflicting classifications of pathogenicity; risk factor" in part
    assert "Nothing is added automatically" in part
    assert "Pathogenic or Likely pathogenic with at least 2 review stars were kept" in page


def test_clinvar_rescue_keeps_a_pathogenic_variant_the_impact_rule_drops(rerun_without_whitelist):
    variants = {row["variant_id"]: row for row in tsv(rerun_without_whitelist / "screen/variants.tsv")}
    w374x = variants[W374X]
    assert (w374x["decision"], w374x["rescued_by"]) == ("kept", "clinvar_pathogenic")
    assert "clinvar_pathogenic" in w374x["reasons"].split(";")
    # HIGH-impact variants ClinVar does not classify P/LP are dropped by the impact rule, not rescued
    for vid in (R55X, STX11_DEL):
        assert (variants[vid]["decision"], variants[vid]["reasons"]) == ("dropped", "impact_not_selected"), vid
    kept = [vid for vid, row in variants.items() if row["rescued_by"] == "clinvar_pathogenic"]
    assert kept == [W374X]
    carriers = [r for r in tsv(rerun_without_whitelist / "screen/carriers.tsv") if r["variant_id"] == W374X]
    assert {r["kept_by"] for r in carriers} == {"clinvar_pathogenic"}
    assert next(r for r in carriers if r["sample"] == "case_01")["state"] == "het"
    page = (rerun_without_whitelist / "report/hlhscreen_report.html").read_text()
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", page, re.S) if "p.Trp374Ter" in r)
    assert "Kept by its ClinVar classification" in row
