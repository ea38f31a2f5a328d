"""REPORT (bin/make_report.py, hlhscreen.report, hlhscreen.figures) on a small hand-made cohort.

The cohort: 3 cases, 4 controls, genes PRF1 / UNC13D / STX11.
- PRF1 p.Ala91Val (whitelisted risk factor, gnomAD 0.0354): case_01 het, ctrl_01 het, ctrl_04 not assessable.
- PRF1 p.Trp374Ter: case_01 het, case_02 hom  -> variant and biallelic OR = Inf.
- UNC13D p.Gly34Ser (novel): ctrl_02 het, ctrl_03 het -> OR = 0.
- STX11 p.Asp17Gly: every case not assessable, ctrl_01 het -> variant and gene not testable.
- UNC13D p.Arg100Gln: dropped as an unconfirmed qualifying variant (its only possible carrier, case_03, has
  a not-assessable call), so case_03 is not_assessable for UNC13D and left out of the UNC13D gene tests.
- one dropped variant that must not appear.
The test tables are made from these files by COHORT_STATS itself, so the inputs are consistent.
"""

from __future__ import annotations

import base64
import csv
import html
import json
import math
import random
import re
import shutil
import subprocess
import sys
import types
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Dict, List

import pytest

import yaml

from conftest import BIN, REPO
from hlhscreen import cohort, figures, gene_coverage, qc, report, screen
from hlhscreen import sex as sex_lib
from hlhscreen.errors import UserInputError, run_cli
from hlhscreen.power_text import percent

sys.path.insert(0, str(BIN))
import make_report  # noqa: E402

RUN_DATE = "2025-03-14"
CASES = ["case_01", "case_02", "case_03"]
CONTROLS = ["ctrl_01", "ctrl_02", "ctrl_03", "ctrl_04"]
SAMPLES = CASES + CONTROLS
GROUP = {**{s: "case" for s in CASES}, **{s: "control" for s in CONTROLS}}

A91V, W374X, G34S, D17G, DROPPED = ("chr10:70600631:G:A", "chr10:70598599:C:T", "chr17:75830000:C:T",
                                    "chr6:144186000:A:G", "chr17:75831000:G:A")
R100Q = "chr17:75832100:C:T"
UNCONFIRMED = {R100Q: ["case_03"]}  # unconfirmed qualifying variant -> samples with a not-assessable call
EVIDENCE = ("PMID:12229880; ClinVar: Conflicting classifications of pathogenicity; risk factor (P:1 U:3 B:9 O:2); "
            "Munarriz et al. ref. 20 & <perforin> activity")
WL_REASON = "ClinVar risk factor; impairs perforin activity <script>alert(1)</script>"

# One dict per variants.tsv row (columns not given are NA); the header is SCREEN's own column list.
VARIANTS = [
    dict(variant_id=A91V, gene="PRF1", transcript="ENST00000441259.2", hgvsc="c.272C>T", hgvsp="p.Ala91Val",
         consequence="missense_variant", impact="MODERATE", rsid="rs35947132", gnomad_af="0.0354",
         gnomad_af_source="info", popmax_af="0.041", popmax_population="nfe", af_status="observed", af_used="0.041",
         decision="kept", reasons="in_panel;quality_pass;risk_factor_whitelist;impact:MODERATE;assessable_carrier",
         rescued_by="risk_factor_whitelist", whitelisted="yes", whitelist_evidence=EVIDENCE, whitelist_reason=WL_REASON),
    dict(variant_id=W374X, gene="PRF1", transcript="ENST00000441259.2", hgvsc="c.1122G>A", hgvsp="p.Trp374Ter",
         consequence="stop_gained", impact="HIGH", gnomad_af="1.55e-05", gnomad_af_source="info", popmax_af="2e-05",
         popmax_population="afr", af_status="observed", af_used="2e-05", decision="kept",
         reasons="in_panel;quality_pass;af_below_common;impact:HIGH;assessable_carrier", whitelisted="no"),
    dict(variant_id=G34S, gene="UNC13D", transcript="ENST00000207549.9", hgvsc="c.100G>A", hgvsp="p.Gly34Ser",
         consequence="missense_variant&splice_region_variant", impact="MODERATE", af_status="novel", decision="kept",
         reasons="in_panel;quality_pass;af_novel;impact:MODERATE;assessable_carrier", whitelisted="no"),
    dict(variant_id=D17G, gene="STX11", transcript="ENST00000367568.5", hgvsc="c.50A>G", hgvsp="p.Asp17Gly",
         consequence="missense_variant", impact="MODERATE", gnomad_af="0.0002", gnomad_af_source="info",
         popmax_af="0.0003", popmax_population="sas", af_status="observed", af_used="0.0003", decision="kept",
         reasons="in_panel;quality_pass;af_below_common;impact:MODERATE;assessable_carrier", whitelisted="no"),
    dict(variant_id=R100Q, gene="UNC13D", transcript="ENST00000207549.9", hgvsc="c.299G>A", hgvsp="p.Arg100Gln",
         consequence="missense_variant", impact="MODERATE", af_status="novel", decision="dropped",
         reasons="no_assessable_carrier", whitelisted="no", n_het="0", n_ref="6", n_not_assessable="1",
         not_assessable_samples="case_03", unconfirmed="yes", unconfirmed_samples="case_03"),
    dict(variant_id=DROPPED, gene="UNC13D", transcript="ENST00000207549.9", hgvsc="c.200C>T", hgvsp="p.Pro67Leu",
         consequence="missense_variant", impact="MODERATE", rsid="rs1", gnomad_af="0.2", popmax_af="0.3",
         popmax_population="eas", af_status="observed", af_used="0.3", decision="dropped",
         reasons="af_above_max;common_not_risk_factor", whitelisted="no"),
]
VARIANT_HEADER = list(screen.VARIANT_COLUMNS)

# state per sample (SAMPLES order) and note for not-assessable ones
STATES = {
    A91V: ["het", "ref", "ref", "het", "ref", "ref", "not_assessable"],
    W374X: ["het", "hom_alt", "ref", "ref", "ref", "ref", "ref"],
    G34S: ["ref", "ref", "ref", "ref", "het", "het", "ref"],
    D17G: ["not_assessable", "not_assessable", "not_assessable", "het", "ref", "ref", "ref"],
}
NOTES = {(A91V, "ctrl_04"): "low_depth", (D17G, "case_01"): "no_call", (D17G, "case_02"): "low_gq",
         (D17G, "case_03"): "low_depth"}
GENOTYPE = {"het": "0/1", "hom_alt": "1/1", "ref": "0/0", "not_assessable": "./."}
GENE_OF = {row["variant_id"]: row["gene"] for row in VARIANTS}
HGVS = {row["variant_id"]: (row["hgvsc"], row["hgvsp"]) for row in VARIANTS}

PARAMS = {
    "annotator": "offline", "aligner": "bwa-mem2", "max_af": 0.04, "common_af": 0.01, "af_source": "popmax",
    "impacts": ["HIGH", "MODERATE"], "consequences": "splice_region_variant", "min_qual": 20, "min_dp": 10,
    "min_gq": 20, "panel": "hlh", "gnomad_vcf": "/data/gnomad.v4.1.sites.vcf.gz", "risk_factors": None,
    "min_mean_depth": 20, "min_pct_20x": 90, "min_pct_mapped": 90,
    "some_future_option": {"nested": True, "list": [1, 2]},
}
VERSIONS = """BCFTOOLS_NORM:
  bcftools: 1.16
BWAMEM2_MEM:
  bwamem2: 2.2.1
  samtools: 1.16.1
FREEBAYES:
  freebayes: 1.3.6
GNOMAD_ANNOTATE:
  bcftools: '1.10'
SNPEFF_ANN:
  snpeff: 5.2
Workflow:
  Nextflow: 24.10.0
  hlhscreen: 0.1.0
"""


def _gene_status_rows(variants: List[Dict[str, str]], unconfirmed_samples: Dict[str, List[str]]) -> List[List[str]]:
    gene_of = {row["variant_id"]: row["gene"] for row in variants}
    rows = []
    for gene in ("PRF1", "UNC13D", "STX11"):
        ids = [vid for vid in STATES if gene_of[vid] == gene]
        unconfirmed = [vid for vid in unconfirmed_samples if gene_of[vid] == gene]
        for index, sample in enumerate(SAMPLES):
            states = {vid: STATES[vid][index] for vid in ids}
            carried = [vid for vid in ids if states[vid] in ("het", "hom_alt")]
            missing = ([vid for vid in ids if states[vid] == "not_assessable"]
                       + [vid for vid in unconfirmed if sample in unconfirmed_samples[vid]])
            n_na = len(missing)
            if not carried:
                status = "not_assessable" if missing else "none"
            elif any(states[vid] == "hom_alt" for vid in carried):
                status = "biallelic_hom"
            elif len(carried) > 1:
                status = "possible_compound_het"
            else:
                status = "monoallelic"
            rows.append([sample, GROUP[sample], gene, status, ";".join(carried) or "NA", str(len(ids)), str(n_na),
                         ";".join(missing) or "NA"])
    return rows


QC_BASE_COLUMNS = [c for c in report.QC_COLUMNS if c not in report.QC_OPTIONAL_COLUMNS]


def _write_tsv(path: Path, header: List[str], rows: List[List[str]]) -> Path:
    path.write_text("\n".join("\t".join(row) for row in [header, *rows]) + "\n")
    return path


def with_stats_and_provenance(paths: Dict[str, Path], folder: Path, **stats_options) -> Dict[str, Path]:
    """Add COHORT_STATS' test tables (made from ``paths``' SCREEN tables), the versions and params files."""
    written = cohort.run_cohort_stats(paths["carriers"], paths["gene_status"], paths["samples"], folder / "cohort",
                                      **stats_options)
    paths["variant_tests"], paths["gene_tests"], paths["biallelic_tests"], paths["power"] = (
        written["variant"], written["gene"], written["biallelic"], written["power"])
    paths["versions"] = folder / "software_versions.yml"
    paths["versions"].write_text(VERSIONS)
    paths["params"] = folder / "params.json"
    paths["params"].write_text(json.dumps(PARAMS))
    return paths


def make_inputs(folder: Path, variants: List[Dict[str, str]] = VARIANTS,
                unconfirmed: Dict[str, List[str]] = UNCONFIRMED) -> Dict[str, Path]:
    """Write a consistent set of report inputs (test tables by COHORT_STATS) into ``folder``: the variants.tsv
    rows ``variants``; ``unconfirmed``: unconfirmed variant -> the samples it makes not assessable."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: Dict[str, Path] = {}
    paths["samples"] = folder / "samples.csv"
    paths["samples"].write_text("sample,group\n" + "".join(f"{s},{GROUP[s]}\n" for s in SAMPLES))
    qc_rows = []
    for sample in SAMPLES:
        if sample == "ctrl_04":
            qc_rows.append([sample, GROUP[sample], "7540", "7400", "98.14", "15.2", "80.5", "mean_depth<20;pct_20x<90"])
        else:
            qc_rows.append([sample, GROUP[sample], "7788", "7788", "100.0", "39.88", "100.0", "pass"])
    # sample_qc.tsv without the sex columns (optional for the report; issue 13)
    paths["qc"] = _write_tsv(folder / "sample_qc.tsv", QC_BASE_COLUMNS, qc_rows)
    variant_rows = []
    for given in variants:
        vid = given["variant_id"]
        chrom, pos, ref, alt = vid.split(":")
        states = STATES.get(vid, ["ref"] * len(SAMPLES))
        row = {column: "NA" for column in VARIANT_HEADER}
        row.update(chrom=chrom, pos=pos, ref=ref, alt=alt, mane_select="yes", summary_basis="mane_select", qual="123.4",
                   filter="PASS", n_het=str(states.count("het")), n_hom_alt=str(states.count("hom_alt")),
                   n_ref=str(states.count("ref")), n_not_assessable=str(states.count("not_assessable")))
        row.update(given)
        variant_rows.append([row[column] for column in VARIANT_HEADER])
    paths["variants"] = _write_tsv(folder / "variants.tsv", VARIANT_HEADER, variant_rows)
    carrier_rows = []
    for vid, states in STATES.items():
        hgvsc, hgvsp = HGVS[vid]
        for sample, state in zip(SAMPLES, states):
            note = NOTES.get((vid, sample), "NA")
            depth = "4" if note == "low_depth" else ("." if note == "no_call" else "35")
            carrier_rows.append([sample, GROUP[sample], vid, GENE_OF[vid], hgvsc, hgvsp, GENOTYPE[state], state,
                                 depth, "12" if note == "low_gq" else "99", note])
    paths["carriers"] = _write_tsv(folder / "carriers.tsv", list(cohort.CARRIERS_COLUMNS), carrier_rows)
    paths["gene_status"] = _write_tsv(folder / "gene_status.tsv", list(cohort.GENE_STATUS_COLUMNS),
                                     _gene_status_rows(variants, unconfirmed))
    return with_stats_and_provenance(paths, folder)


def run(paths: Dict[str, Path], outdir: Path) -> Dict[str, Path]:
    return report.run_report(paths["samples"], paths["qc"], paths["variants"], paths["carriers"],
                             paths["gene_status"], paths["variant_tests"], paths["gene_tests"],
                             paths["biallelic_tests"], paths["power"], paths["versions"], paths["params"], outdir,
                             RUN_DATE)


def cli_args(paths: Dict[str, Path], outdir: Path) -> List[str]:
    return ["--samples", str(paths["samples"]), "--qc", str(paths["qc"]), "--variants", str(paths["variants"]),
            "--carriers", str(paths["carriers"]), "--gene-status", str(paths["gene_status"]),
            "--variant-tests", str(paths["variant_tests"]), "--gene-tests", str(paths["gene_tests"]),
            "--biallelic-tests", str(paths["biallelic_tests"]), "--power", str(paths["power"]),
            "--versions", str(paths["versions"]),
            "--params", str(paths["params"]), "--outdir", str(outdir), "--run-date", RUN_DATE]


def read_tests(path: Path) -> List[Dict[str, str]]:
    with open(path) as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    paths = make_inputs(folder / "inputs")
    written = run(paths, folder / "out")
    return paths, written, written["html"].read_text(encoding="utf-8")


def section_text(page: str, anchor: str) -> str:
    match = re.search(rf'<section id="{anchor}">(.*?)</section>', page, re.S)
    assert match, anchor
    return match.group(1)


# ------------------------------------------------------------------ the fixture itself


def test_fixture_has_zero_inf_and_untestable(built):
    paths = built[0]
    variant = {row["id"]: row for row in read_tests(paths["variant_tests"])}
    gene = {row["id"]: row for row in read_tests(paths["gene_tests"])}
    biallelic = {row["id"]: row for row in read_tests(paths["biallelic_tests"])}
    assert variant[W374X]["odds_ratio"] == "Inf" and variant[W374X]["ci_high"] == "Inf"
    assert variant[G34S]["odds_ratio"] == "0.0" and variant[G34S]["ci_low"] == "0.0"
    assert variant[D17G]["testable"] == "no" and gene["STX11"]["testable"] == "no"
    assert gene["UNC13D"]["odds_ratio"] == "0.0"
    assert biallelic["PRF1"]["odds_ratio"] == "Inf"


# ------------------------------------------------------------------ HTML


def test_outputs_exist(built):
    _, written, page = built
    out = written["html"].parent
    assert written["html"] == out / "hlhscreen_report.html"
    for name in ("carrier_matrix", "gene_forest"):
        for suffix in ("png", "svg"):
            assert (out / "figures" / f"{name}.{suffix}").stat().st_size > 1000
    assert (out / "report_summary_mqc.tsv").exists()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert not list(out.rglob("*.partial"))


def test_html_is_self_contained(built):
    page = built[2]
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not re.search(r"<script\b", page, re.I)
    assert not re.search(r"<link\b", page, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?(?:https?:)?//", page, re.I)
    sources = re.findall(r'<img src="([^"]+)"', page)
    assert len(sources) == 2 and all(src.startswith("data:image/svg+xml;base64,") for src in sources)
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(href.startswith("#") for href in hrefs)


def test_embedded_figures_are_the_written_svgs(built):
    _, written, page = built
    embedded = [base64.b64decode(src.split(",", 1)[1]) for src in re.findall(r'<img src="([^"]+)"', page)]
    assert embedded == [written["carrier_matrix_svg"].read_bytes(), written["gene_forest_svg"].read_bytes()]


def test_sections_in_order_with_lead_sentences(built):
    page = built[2]
    anchors = ["cohort", "qc", "variants", "matrix", "forest", "tests", "power", "methods"]
    positions = [page.index(f'<section id="{anchor}">') for anchor in anchors]
    assert positions == sorted(positions)
    assert page.index("<footer>") > positions[-1]
    for anchor in anchors:
        assert '<p class="lead">' in section_text(page, anchor)


def test_every_kept_variant_listed_and_dropped_one_not(built):
    page = built[2]
    text = section_text(page, "variants")
    for row in VARIANTS:
        vid, hgvsc, hgvsp, decision = row["variant_id"], row["hgvsc"], row["hgvsp"], row["decision"]
        if decision == "kept":
            assert html.escape(hgvsp) in text and html.escape(hgvsc) in text and vid in text
        elif vid in UNCONFIRMED:
            assert vid in text  # listed as unconfirmed, not as kept (test_unconfirmed_and_not_assessable_per_gene)
        else:
            assert hgvsp not in page and vid not in page
    assert "6 variant(s) were screened; 4 passed the filters and are listed here (1 kept only because of the risk-factor whitelist)." in text


def test_unconfirmed_and_not_assessable_per_gene(built):
    """Issue 9 item 1: a sample not assessable at a kept or unconfirmed variant is 'not assessable' for the gene,
    shown per gene with the variants concerned, and left out of the gene and biallelic tests."""
    paths, _, page = built
    text = html.unescape(section_text(page, "variants"))
    kept_part, _, rest = text.partition("Unconfirmed qualifying variants (not kept)")
    assert R100Q not in kept_part and R100Q in rest
    unconfirmed_table, _, per_gene = rest.partition("Not assessable per gene")
    assert "p.Arg100Gln" in unconfirmed_table and "case_03 (case)" in unconfirmed_table
    rows = re.findall(r"<tr><td><strong>(\w+)</strong></td><td>([^<]+)</td><td>([^<]+)</td></tr>", per_gene)
    shown = {(gene, sample): variants for gene, sample, variants in rows}
    assert set(shown) == {("PRF1", "ctrl_04 (control)"), ("UNC13D", "case_03 (case)"), ("STX11", "case_01 (case)"),
                          ("STX11", "case_02 (case)"), ("STX11", "case_03 (case)")}
    assert shown[("PRF1", "ctrl_04 (control)")] == f"p.Ala91Val ({A91V}; kept; read depth below 10, DP 4, GQ 99)"
    assert shown[("UNC13D", "case_03 (case)")] == f"p.Arg100Gln ({R100Q}; unconfirmed qualifying variant, no assessable carrier)"
    assert "no genotype called" in shown[("STX11", "case_01 (case)")]
    # the same in the cohort section's list of samples left out, for the any-carrier and the biallelic test
    cohort_text = html.unescape(section_text(page, "cohort"))
    assert "gene UNC13D (any carrier)" in cohort_text and "gene UNC13D (biallelic)" in cohort_text
    assert "not assessable for UNC13D: p.Arg100Gln" in cohort_text
    # and the tests left case_03 out of UNC13D: 0/2 cases (not 0/3) at gene and biallelic level
    for level in ("gene", "biallelic"):
        unc13d = {row["id"]: row for row in read_tests(paths[f"{level}_tests"])}["UNC13D"]
        assert (unc13d["case_assessable"], unc13d["control_assessable"]) == ("2", "4"), level
        assert "excluded_samples=1" in unc13d["note"]


def test_variant_annotated_only_for_another_gene_is_listed_as_impact_unknown(tmp_path):
    """A record in STX11 whose entries name only another gene (SCREEN: no_panel_gene_annotation,
    unconfirmed): impact unknown like not_annotated. Before: listed under 'Unconfirmed qualifying
    variants', whose text says it passed every filter but had no trustworthy genotype, which is false."""
    other = "chr6:144186100:C:T"
    variants = VARIANTS + [dict(variant_id=other, gene="STX11", af_status="novel", decision="dropped",
                                reasons="no_panel_gene_annotation", whitelisted="no", n_het="1", n_ref="6",
                                n_not_assessable="0", annotation_match="alt", unconfirmed="yes",
                                unconfirmed_samples="ctrl_02")]
    paths = make_inputs(tmp_path / "in", variants, {**UNCONFIRMED, other: ["ctrl_02"]})
    page = html.unescape(section_text(run(paths, tmp_path / "out")["html"].read_text(encoding="utf-8"), "variants"))
    before, _, rest = page.partition("Variants of unknown impact (not kept)")
    assert other not in before.partition("Unconfirmed qualifying variants (not kept)")[2]  # not a qualifying one
    table = rest.partition("Not assessable per gene")[0]
    assert other in table and "ctrl_02 (control)" in table and "another gene" in table


@pytest.mark.parametrize("qual, filt, shown", [
    ("12.5", "PASS", "QUAL 12.5"),
    ("48.2", "VQSRTrancheSNP99.90to100.00", "QUAL 48.2, FILTER VQSRTrancheSNP99.90to100.00"),
])
def test_variant_at_a_low_quality_site_makes_its_carrier_not_assessable(tmp_path, qual, filt, shown):
    """Issue 9.1: a qualifying STX11 variant at a site failing QUAL/FILTER (SCREEN: low_quality, unconfirmed,
    carried by ctrl_02): its own table says the site failed and how, the per-gene table names it with the
    QUAL/FILTER, and ctrl_02 is left out of the STX11 tests. Before: no reason text of its own (listed as
    'no assessable carrier', which is false)."""
    low = "chr6:144186100:C:T"
    variants = VARIANTS + [dict(variant_id=low, gene="STX11", hgvsp="p.Arg10Trp", impact="MODERATE",
                                consequence="missense_variant", af_status="novel", decision="dropped",
                                reasons="low_quality", qual=qual, filter=filt, whitelisted="no", n_het="1", n_ref="6",
                                n_not_assessable="0", annotation_match="alt", unconfirmed="yes",
                                unconfirmed_samples="ctrl_02")]
    paths = make_inputs(tmp_path / "in", variants, {**UNCONFIRMED, low: ["ctrl_02"]})
    page = html.unescape(section_text(run(paths, tmp_path / "out")["html"].read_text(encoding="utf-8"), "variants"))
    before, _, rest = page.partition("Variants at low-quality sites (not kept)")
    assert low not in before.partition("Unconfirmed qualifying variants (not kept)")[2]  # not a no-carrier one
    table, _, per_gene = rest.partition("Not assessable per gene")
    assert low in table and "ctrl_02 (control)" in table and "never as non-carriers" in table
    rows = dict(((gene, sample), text) for gene, sample, text in
                re.findall(r"<tr><td><strong>(\w+)</strong></td><td>([^<]+)</td><td>([^<]+)</td></tr>", per_gene))
    assert rows[("STX11", "ctrl_02 (control)")] == \
        f"p.Arg10Trp ({low}; low site quality ({shown}): a call naming the ALT, unconfirmed)"
    stx11 = {row["id"]: row for row in read_tests(paths["gene_tests"])}["STX11"]
    assert stx11["control_assessable"] == "3" and "excluded_samples=4" in stx11["note"]


def test_low_quality_site_of_unknown_impact_says_both():
    variant = report.UnconfirmedVariant("chr6:1:C:T", "STX11", None, None, None, None, ("ctrl_02",), not_annotated=True,
                                   low_quality=report.site_quality_text("3.5", "LowQual"))
    assert variant.why == ("low site quality (QUAL 3.5, FILTER LowQual): a call naming the ALT, unconfirmed; "
                           "not annotated: impact unknown")
    assert report.site_quality_text(None, "PASS") == "QUAL/FILTER"
    assert any("passed every rule but quality (its impact qualifying or unknown)" in sentence
               and "not as a non-carrier" in sentence for sentence in report.filter_sentences({"min_qual": 20}))


def test_variant_without_annotation_makes_its_carriers_not_assessable(tmp_path):
    """A record in STX11 without annotation for its ALT (SCREEN: not_annotated, unconfirmed, carried by
    ctrl_02 with a good call): listed in its own table as impact unknown, named for ctrl_02 in the
    per-gene table, and ctrl_02 is left out of the STX11 tests."""
    no_ann = "chr6:144186100:C:T"
    variants = VARIANTS + [dict(variant_id=no_ann, gene="STX11", af_status="novel", decision="dropped",
                                reasons="not_annotated", whitelisted="no", n_het="1", n_ref="6", n_not_assessable="0",
                                annotation_match="no_annotation", unconfirmed="yes", unconfirmed_samples="ctrl_02")]
    paths = make_inputs(tmp_path / "in", variants, {**UNCONFIRMED, no_ann: ["ctrl_02"]})
    page = html.unescape(section_text(run(paths, tmp_path / "out")["html"].read_text(encoding="utf-8"), "variants"))
    before, _, rest = page.partition("Variants of unknown impact (not kept)")
    assert no_ann not in before.partition("Unconfirmed qualifying variants (not kept)")[2]  # not a qualifying one
    table, _, per_gene = rest.partition("Not assessable per gene")
    assert no_ann in table and "ctrl_02 (control)" in table
    rows = dict(((gene, sample), text) for gene, sample, text in
                re.findall(r"<tr><td><strong>(\w+)</strong></td><td>([^<]+)</td><td>([^<]+)</td></tr>", per_gene))
    assert rows[("STX11", "ctrl_02 (control)")] == f"{no_ann} ({no_ann}; not annotated: impact unknown)"
    stx11 = {row["id"]: row for row in read_tests(paths["gene_tests"])}["STX11"]
    assert stx11["control_assessable"] == "3" and "excluded_samples=4" in stx11["note"]


def test_not_assessable_variant_of_another_run_is_refused(tmp_path):
    paths = make_inputs(tmp_path / "in")
    text = paths["gene_status"].read_text().replace(R100Q, "chr17:1:A:G")
    paths["gene_status"].write_text(text)
    error = _expect_error(paths, tmp_path / "out")
    assert error.path == str(paths["gene_status"]) and error.field == "not_assessable_variants"
    assert "chr17:1:A:G" in str(error) and "neither kept nor unconfirmed" in str(error)


def test_gnomad_af_and_novel(built):
    text = section_text(built[2], "variants")
    assert "novel / not in gnomAD" in text                      # G34S
    assert "0.0354; popmax 0.0410 (nfe); AF used by the filters 0.0410" in text      # A91V
    assert "1.55e-05; popmax 2.00e-05 (afr); AF used by the filters 2.00e-05" in text  # W374X
    assert "MODERATE / missense_variant, splice_region_variant" in text


def test_novel_on_a_chromosome_gnomad_has_no_record_on_is_not_looked_up(tmp_path):
    """The test profile's gnomAD file has records on chr10 and chr17 only: the STX11, STXBP2 and SH2D1A variants were
    shown as "novel / not in gnomAD" (evidence of rarity for a clinician) although gnomAD was never consulted there.
    With ANNOTATION_SUMMARY's frequency_check.json the report says "not looked up" in the row, above the table, in
    the opening paragraph and in the methods; variants elsewhere keep their gnomAD text."""
    paths = make_inputs(tmp_path / "in")
    facts = tmp_path / "frequency_check.json"
    facts.write_text(json.dumps({"gnomad_file": "gnomad.chr10.vcf.gz", "variants": 6, "with_gnomad_frequency": 3,
                                 "listed_in_gnomad_file": 3, "contigs_not_covered": {"17": 3}}))
    result = subprocess.run([sys.executable, str(BIN / "make_report.py"), *cli_args(paths, tmp_path / "out"),
                             "--frequency-check", str(facts)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "out" / "hlhscreen_report.html").read_text(encoding="utf-8")
    rows = {row[0] + " " + row[2]: row for row in page_tables(page)["variants"][0][1:]}
    g34s = rows["UNC13D c.100G>Ap.Gly34Ser"]
    assert g34s[3] == report.GNOMAD_NOT_LOOKED_UP and "novel / not in gnomAD" not in page
    assert "no gnomAD frequency (not looked up: the gnomAD file has no record on this chromosome)" in g34s[5]
    assert rows["PRF1 c.272C>Tp.Ala91Val"][3].startswith("0.0354; popmax 0.0410")  # chr10: looked up
    sentence = ("gnomAD frequencies were not looked up on 17: the gnomAD file (gnomad.chr10.vcf.gz) has no record "
                "there (3 called variant(s) there); 1 kept variant(s) there have no frequency from any source, so the "
                "filters treated them as novel (rare).")
    opening = page[page.index("<h1>"):page.index("<nav>")]
    assert sentence in html.unescape(opening) and sentence in html.unescape(section_text(page, "variants"))
    assert ("so did every variant without a frequency on 17, where the gnomAD file has no record"
            in section_text(page, "methods"))
    # without the file (or with every chromosome covered) nothing changes
    assert "novel / not in gnomAD" in run(paths, tmp_path / "plain")["html"].read_text(encoding="utf-8")
    facts.write_text(json.dumps({"gnomad_file": None, "contigs_not_covered": {}}))
    assert report.load(*_load_args(paths), frequency_check=facts).gnomad_not_covered == {}
    for bad, field in (("[1]", "contigs_not_covered"), ('{"contigs_not_covered": {"chr6": "x"}}', "contigs_not_covered"),
                       ("{", "--frequency-check")):
        facts.write_text(bad)
        with pytest.raises(UserInputError, match=field):
            report.load(*_load_args(paths), frequency_check=facts)


def test_where_the_annotation_carried_its_own_gnomad_nothing_claims_not_looked_up(tmp_path):
    """VEP with its cache (--af_gnomade) looked every variant up in its own gnomAD, also on chr17 where the gnomAD
    file has no record: the report said "not looked up" in G34S's row, its kept reason, above the table, in the
    opening paragraph and in the methods. frequency_check.json now names the annotation's gnomAD fields: the row says
    novel (SCREEN's af_status), the sentence says the annotation's gnomAD was used there."""
    paths = make_inputs(tmp_path / "in")
    facts = tmp_path / "frequency_check.json"
    facts.write_text(json.dumps({"gnomad_file": "gnomad.chr10.vcf.gz", "contigs_not_covered": {"17": 3},
                                 "annotation_gnomad_fields": ["CSQ/gnomADe_AF", "CSQ/MAX_AF"]}))
    result = subprocess.run([sys.executable, str(BIN / "make_report.py"), *cli_args(paths, tmp_path / "out"),
                             "--frequency-check", str(facts)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    page = html.unescape((tmp_path / "out" / "hlhscreen_report.html").read_text(encoding="utf-8"))
    rows = {row[0] + " " + row[2]: row for row in page_tables(page)["variants"][0][1:]}
    g34s = rows["UNC13D c.100G>Ap.Gly34Ser"]
    assert g34s[3] == "novel / not in gnomAD" and "not in gnomAD (novel)" in g34s[5]
    assert "not looked up: the gnomAD file" not in page and "gnomAD was not looked up" not in page
    assert "gnomAD frequencies were not looked up" not in page
    sentence = ("The gnomAD file (gnomad.chr10.vcf.gz) has no record on 17 (3 called variant(s) there); there the "
                "annotation's own gnomAD frequencies (CSQ/gnomADe_AF, CSQ/MAX_AF) were used, and a variant without one "
                "is absent from that gnomAD (novel).")
    opening = page[page.index("<h1>"):page.index("<nav>")]
    assert sentence in opening and sentence in section_text(page, "variants")
    # SCREEN's own verdict still shows when it read none of those fields (--af_fields): not looked up, said so
    edit_variant(paths["variants"], G34S, af_status="not_looked_up")
    data = report.load(*_load_args(paths), frequency_check=facts)
    assert report.gnomad_gap_sentence(data).endswith(
        "; 1 kept variant(s) were not looked up all the same (the screen read none of those fields: --af_fields), so "
        "the filters treated them as novel (rare). ")
    shown = {variant.variant_id: report.af_text(variant, report.gnomad_not_looked_up(data, variant.variant_id))
             for variant in data.variants}
    assert shown[G34S] == report.GNOMAD_NOT_LOOKED_UP
    facts.write_text(json.dumps({"gnomad_file": None, "contigs_not_covered": {}, "annotation_gnomad_fields": "x"}))
    with pytest.raises(UserInputError, match="annotation_gnomad_fields"):
        report.load(*_load_args(paths), frequency_check=facts)


def test_variants_with_a_frequency_of_another_source_are_not_counted_as_not_looked_up(tmp_path):
    """With a VEP cache (--af_gnomade/--af_gnomadg) and a gnomAD file of some chromosomes, a variant on another
    chromosome still has the cache's gnomAD frequency: the sentence counted every kept variant there as having
    no frequency and being treated as novel (here PRF1's A91V and W374X, AF 0.0354 and 1.55e-05)."""
    paths = make_inputs(tmp_path / "in")
    facts = tmp_path / "frequency_check.json"
    facts.write_text(json.dumps({"gnomad_file": "gnomad.chr19.vcf.gz", "contigs_not_covered": {"chr10": 4, "chr17": 3}}))
    data = report.load(*_load_args(paths), frequency_check=facts)
    assert report.gnomad_gap_sentence(data) == (
        "gnomAD frequencies were not looked up on chr10, chr17: the gnomAD file (gnomad.chr19.vcf.gz) has no record "
        "there (7 called variant(s) there); 1 kept variant(s) there have no frequency from any source, so the filters "
        "treated them as novel (rare). ")  # G34S only
    shown = {variant.variant_id: report.af_text(variant, report.gnomad_not_looked_up(data, variant.variant_id))
             for variant in data.variants}
    assert shown[A91V].startswith("0.0354") and shown[G34S] == report.GNOMAD_NOT_LOOKED_UP


def test_the_gnomad_sentence_names_the_chromosomes_in_natural_order(tmp_path):
    """chr6, chr19, chrX as the run log names them, not text order (chr19, chr6, chrX)."""
    paths = make_inputs(tmp_path / "in")
    facts = tmp_path / "frequency_check.json"
    facts.write_text(json.dumps({"gnomad_file": None, "contigs_not_covered": {"chr19": 1, "chr6": 2, "chrX": 3}}))
    data = report.load(*_load_args(paths), frequency_check=facts)
    assert report.gnomad_gap_sentence(data).startswith("gnomAD frequencies were not looked up on chr6, chr19, chrX: ")


def _load_args(paths: Dict[str, Path]) -> List[Path]:
    return [paths[key] for key in ("samples", "qc", "variants", "carriers", "gene_status", "variant_tests",
                                   "gene_tests", "biallelic_tests", "power", "versions", "params")]


def test_whitelist_reason_and_evidence_verbatim_and_escaped(built):
    page = built[2]
    text = section_text(page, "variants")
    assert html.escape(EVIDENCE) in text
    assert html.escape(WL_REASON) in text
    assert "<script>alert(1)</script>" not in page
    assert "<perforin>" not in page
    assert "Kept by the risk-factor whitelist" in text
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", text, re.S) if "p.Ala91Val" in r)
    assert ("in the panel regions; call quality passed; gnomAD AF above the common-variant limit, kept by the "
            "risk-factor whitelist; predicted impact MODERATE; at least one assessable carrier") in row
    assert "<code>risk_factor_whitelist</code>" in row
    other = next(r for r in re.findall(r"<tr>(.*?)</tr>", text, re.S) if "p.Gly34Ser" in r)
    assert "not in gnomAD (novel)" in other and "whitelist" not in other


def test_whitelisted_variant_not_needing_rescue(tmp_path):
    paths = make_inputs(tmp_path / "in")
    lines = paths["variants"].read_text().splitlines()
    header = lines[0].split("\t")
    fields = lines[2].split("\t")                      # W374X: on the whitelist, frequency fine
    fields[header.index("whitelisted")] = "yes"
    fields[header.index("whitelist_evidence")] = "PMID:12229880"
    fields[header.index("whitelist_reason")] = "pathogenic truncating allele"
    lines[2] = "\t".join(fields)
    paths["variants"].write_text("\n".join(lines) + "\n")
    text = section_text(run(paths, tmp_path / "out")["html"].read_text(encoding="utf-8"), "variants")
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", text, re.S) if "p.Trp374Ter" in r)
    assert "On the risk-factor whitelist (passes the frequency rules without it)" in row
    assert "PMID:12229880" in row and "pathogenic truncating allele" in row


def test_carriers_grouped_by_case_and_control(built):
    text = section_text(built[2], "variants")
    rows = re.findall(r"<tr>(.*?)</tr>", text, re.S)
    w374x = next(row for row in rows if "p.Trp374Ter" in row)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", w374x, re.S)
    assert cells[-3] == "case_01 (het), case_02 (hom)" and cells[-2] == "none" and cells[-1] == "none"
    a91v = next(row for row in rows if "p.Ala91Val" in row)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", a91v, re.S)
    assert cells[-3] == "case_01 (het)" and cells[-2] == "ctrl_01 (het)"
    assert cells[-1] == "ctrl_04 (control: read depth below 10)"


def test_cohort_section(built):
    text = section_text(built[2], "cohort")
    assert "Cases (MAS-/HLH-like toxicity after CAR-T): 3" in text
    assert "Controls (no such toxicity): 4" in text
    assert "ctrl_04" in text and "mean panel depth below 20x" in text and "fewer than 90% of panel bases" in text
    # not assessable samples and the tests they were left out of
    assert "variant PRF1 p.Ala91Val" in text and "read depth below 10 (DP 4, GQ 99)" in text
    assert "gene PRF1 (any carrier)" in text
    assert text.count("variant STX11 p.Asp17Gly") == 3
    assert "no genotype called" in text and "genotype quality below 20" in text
    # untestable tests
    assert "gene level, STX11: no assessable case" in text
    assert "variant level, STX11 p.Asp17Gly: no assessable case" in text


def test_qc_table_highlights_values_below_threshold(built):
    text = section_text(built[2], "qc")
    row = next(r for r in re.findall(r"<tr[^>]*>.*?</tr>", text, re.S) if "ctrl_04" in r)
    assert 'class="flagged"' in row
    below = re.findall(r'<td class="num below">(.*?)</td>', row)
    assert below == ["15.20 \u25bc below", "80.50 \u25bc below"]
    assert "98.14" in row and "7,540" in row
    other = next(r for r in re.findall(r"<tr[^>]*>.*?</tr>", text, re.S) if "case_01" in r)
    assert "below" not in other
    assert "mean panel depth &gt;= 20x; panel bases at &gt;= 20x &gt;= 90%" in text


def test_without_capture_targets_the_on_target_rate_is_not_assessed(built):
    """sample_qc.tsv without pct_on_target (earlier versions, or every value NA): shown as not assessed."""
    text = section_text(built[2], "qc")
    assert "% on target: not assessed (no capture targets were given with --intervals)." in text
    assert "capture targets &gt;=" not in text


def with_qc_columns(paths: Dict[str, Path], columns: Dict[str, Dict[str, str]],
                    flags: Dict[str, str]) -> Dict[str, Path]:
    """The fixture's sample_qc.tsv with more columns after pct_panel_20x (name -> value by sample) and the given
    flags."""
    lines = paths["qc"].read_text().splitlines()
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"))) for line in lines[1:]]
    for row in rows:
        row.update({name: values[row["sample"]] for name, values in columns.items()})
        row["qc_flag"] = flags.get(row["sample"], row["qc_flag"])
    at = header.index("pct_panel_20x") + 1
    header[at:at] = list(columns)
    paths["qc"].write_text("\n".join("\t".join(row[c] for c in header) for row in [dict(zip(header, header))] + rows)
                           + "\n")
    return paths


def with_on_target(paths: Dict[str, Path], values: Dict[str, str], flags: Dict[str, str]) -> Dict[str, Path]:
    """The fixture's sample_qc.tsv with a pct_on_target column (``values`` by sample) and the given flags."""
    return with_qc_columns(paths, {"pct_on_target": values}, flags)


def test_a_failed_capture_is_flagged_in_the_report(tmp_path):
    paths = with_on_target(make_inputs(tmp_path / "in"), {s: "8.5" if s == "case_02" else "71.25" for s in SAMPLES},
                           {"case_02": "pct_on_target<30"})
    params = json.loads(paths["params"].read_text())
    paths["params"].write_text(json.dumps({**params, "min_pct_on_target": 30}))
    page = run(paths, tmp_path / "out")["html"].read_text(encoding="utf-8")
    text = section_text(page, "qc")
    row = next(r for r in re.findall(r"<tr[^>]*>.*?</tr>", text, re.S) if "case_02" in r)
    assert 'class="flagged"' in row and re.findall(r'<td class="num below">(.*?)</td>', row) == ["8.50 \u25bc below"]
    assert "fewer than 30% of aligned bases on the capture targets (failed capture?)" in row
    assert "71.25" in next(r for r in re.findall(r"<tr[^>]*>.*?</tr>", text, re.S) if "case_01" in r)
    assert "aligned bases on the capture targets &gt;= 30%" in text
    assert "fewer than 30% of aligned bases on the capture targets" in section_text(page, "cohort")


def test_the_failed_filter_share_is_a_column_of_the_qc_table(tmp_path):
    """sample_qc.tsv's pairs_failed_filter / pct_failed_filter (CHECK_FASTQ) and its flag pct_failed_filter>5:
    the table had no such column, so the flagged value was nowhere; NA (no FASTQ check counts) reads 'NA' with a
    line saying it was not assessed."""
    pairs = {s: "NA" if s == "ctrl_02" else ("1234" if s == "case_02" else "12") for s in SAMPLES}
    pct = {s: "NA" if s == "ctrl_02" else ("8.25" if s == "case_02" else "0.01") for s in SAMPLES}
    paths = with_qc_columns(make_inputs(tmp_path / "in"), {"pairs_failed_filter": pairs, "pct_failed_filter": pct},
                            {"case_02": "pct_failed_filter>5"})
    params = json.loads(paths["params"].read_text())
    paths["params"].write_text(json.dumps({**params, "max_pct_failed_filter": 5}))
    text = section_text(run(paths, tmp_path / "out")["html"].read_text(encoding="utf-8"), "qc")
    assert ">% read pairs failing filter</th>" in text
    rows = re.findall(r"<tr[^>]*>.*?</tr>", text, re.S)
    flagged = next(r for r in rows if "case_02" in r)
    assert re.findall(r'<td class="num below">(.*?)</td>', flagged) == ["8.25 (1,234 pairs) \u25b2 above"]
    assert "0.01 (12 pairs)" in next(r for r in rows if "case_01" in r)
    assert '<td class="num">NA</td>' in next(r for r in rows if "ctrl_02" in r)
    assert ("Not assessed (NA) for ctrl_02 (sample_qc.tsv has no FASTQ check counts for them: no FASTQ checks, or read "
            "names without a filter flag (1:N: or 1:Y:), e.g. SRA names).") in text


def test_without_fastq_check_counts_the_failed_filter_share_is_not_assessed(built):
    text = section_text(built[2], "qc")
    assert ("% read pairs failing filter: not assessed (sample_qc.tsv has no FASTQ check counts: no FASTQ checks, "
            "or read names without a filter flag (1:N: or 1:Y:), e.g. SRA names).") in text


def test_a_failed_filter_threshold_is_not_listed_when_no_sample_was_assessed(tmp_path):
    """Read names without the filter flag (SRA, ENA, the GIAB reads): every sample NA. The run's thresholds
    listed 'read pairs failing the sequencer's filter <= 5%' although no sample was held to it (as the on-target
    threshold is not listed without --intervals); the note says it was not assessed."""
    paths = with_qc_columns(make_inputs(tmp_path / "in"), {"pairs_failed_filter": {s: "NA" for s in SAMPLES},
                                                           "pct_failed_filter": {s: "NA" for s in SAMPLES}}, {})
    params = json.loads(paths["params"].read_text())
    paths["params"].write_text(json.dumps({**params, "max_pct_failed_filter": 5}))
    text = section_text(run(paths, tmp_path / "out")["html"].read_text(encoding="utf-8"), "qc")
    assert "Thresholds of this run: " in text and "failing the sequencer" not in text
    assert "% read pairs failing filter: not assessed" in text


def test_a_failed_filter_count_that_is_no_number_is_named(tmp_path):
    paths = with_qc_columns(make_inputs(tmp_path / "in"),
                            {"pairs_failed_filter": {s: "many" for s in SAMPLES},
                             "pct_failed_filter": {s: "1.0" for s in SAMPLES}}, {})
    error = _expect_error(paths, tmp_path / "out")
    assert error.field == "pairs_failed_filter" and "'many' is not a count" in str(error)


def test_an_on_target_rate_that_is_no_number_is_named(tmp_path):
    paths = with_on_target(make_inputs(tmp_path / "in"), {s: "high" if s == "case_02" else "71.25" for s in SAMPLES},
                           {})
    error = _expect_error(paths, tmp_path / "out")
    assert error.field == "pct_on_target" and "'high' is not a number" in str(error)


def test_test_tables_counts_and_numbers(built):
    paths, _, page = built
    text = section_text(page, "tests")
    for level in ("variant", "gene", "biallelic"):
        for row in read_tests(paths[f"{level}_tests"]):
            case = report.fraction_text(int(row["case_carriers"]), int(row["case_assessable"]))
            control = report.fraction_text(int(row["control_carriers"]), int(row["control_assessable"]))
            assert case in text and control in text
            if row["testable"] == "yes":
                p = report.sig3(float(row["p_value"]))
                ci = f"{report.sig3(float(row['ci_low']))}\u2013{report.sig3(float(row['ci_high']))}"
                if row["odds_ratio"] in ("0.0", "Inf"):  # a zero cell: R's 0 / Inf shown as not estimable
                    assert re.search(r'<td class="estimate">not estimable \([^)]+\)(; CI ' + re.escape(ci)
                                     + r')?</td><td class="num">' + re.escape(p) + "</td>", text), row
                else:
                    orci = f"{report.sig3(float(row['odds_ratio']))} ({ci})"
                    assert f'<td class="num">{orci}</td><td class="num">{p}</td>' in text
    assert "2/3 (66.7%)" in text                  # W374X cases
    # W374X: 2/3 cases vs 0/4 controls, R's OR Inf; UNC13D: 0/3 vs 2/4, R's OR 0 -- neither is an estimate
    assert "not estimable (no carrier among the assessable controls); CI " in text
    assert "not estimable (no carrier among the assessable cases); CI 0\u2013" in text
    assert '<td class="num">0 (0\u2013' not in text and "Inf (" not in text
    assert "not testable: no assessable case" in text
    assert "<0.0" not in text and "&lt;0.0" not in text


def test_methods_filled_from_parameters_and_versions(built):
    text = section_text(built[2], "methods")
    for expected in ("BWA-MEM2 2.2.1", "samtools 1.16.1", "FreeBayes 1.3.6", "bcftools 1.16", "snpEff 5.2",
                     "bcftools 1.10", "gnomad.v4.1.sites.vcf.gz",
                     "the frequency compared (the larger of the global gnomAD allele frequency and that of the gnomAD "
                     "population where it is highest (popmax)) was below 0.04, and at most 0.01 unless the variant was "
                     "on the risk-factor whitelist (the panel&#x27;s risk_factors.tsv)",
                     "impact was one of HIGH, MODERATE", "one of splice_region_variant", "read depth at least 10",
                     "genotype quality at least 20", "QUAL at least 20 and FILTER PASS", "hlhscreen 0.1.0",
                     "at least one sample carried it with an assessable genotype",
                     "two-sided Fisher&#x27;s exact test; conditional maximum-likelihood odds ratio with exact 95% CI "
                     "as R&#x27;s fisher.test; Benjamini-Hochberg FDR per level",
                     "PRF1 p.Ala91Val (chr10:70600631:G:A)",
                     "Power: exact power of the two-sided Fisher test at \u03b1 = 0.05, summing over every possible "
                     "outcome", "at odds ratios 2, 5, 10; and the smallest odds ratio reaching 80% power"):
        assert expected in text, expected
    # unknown parameters are shown, escaped
    assert "some_future_option" in text and html.escape('{"list": [1, 2], "nested": true}') in text


def test_power_section_sentence_per_gene_and_numbers(built):
    """Section 7: one plain-language sentence per gene-level test and the power.tsv numbers, per gene and
    per variant. Fixture: PRF1 2/3 cases vs 1/3 controls; UNC13D 0/3 vs 2/4; STX11 not testable."""
    paths, _, page = built
    text = html.unescape(section_text(page, "power"))
    power_rows = {(row["level"], row["id"]): row for row in read_tests(paths["power"])}
    prf1 = power_rows[("gene", "PRF1")]
    assert (prf1["case_assessable"], prf1["control_assessable"], prf1["control_carriers"]) == ("3", "3", "1")
    p2, p5, p10 = (float(prf1[f"power_or_{x}"]) for x in (2, 5, 10))
    assert ("PRF1: 1 of 3 assessable controls (33.3%) carries a kept variant. With 3 assessable cases, a two-sided "
            "Fisher test at "
            f"\u03b1 = 0.05 would detect an odds ratio of 2 with {percent(p2)} probability, of 5 with {percent(p5)} "
            f"and of 10 with {percent(p10)}") in text
    # 3 vs 3 can never reach p <= 0.05 with a control carrier: 80% power is not reached
    assert prf1["note"] == "target_power_not_reached"
    assert ("80% power is not reached at any odds ratio (even if all 3 assessable cases carried a kept variant, "
            "p would stay above 0.05)") in text
    assert "UNC13D: 2 of 4 assessable controls (50.0%) carry a kept variant." in text
    assert "STX11: not testable (no assessable case or no assessable control)" in text
    # one sentence per gene-level test, in gene_tests.tsv order
    sentences = re.findall(r"<li>([A-Z0-9]+): ", section_text(page, "power"))
    assert sentences == [row["id"] for row in read_tests(paths["gene_tests"])]
    # the tables: every gene and variant with its powers as whole percents
    for (level, test_id), row in power_rows.items():
        if level == "biallelic" or row["power_or_2"] == "NA":
            continue
        assert percent(float(row["power_or_10"])) in text
    assert "p.Trp374Ter" in text and "The same numbers for the biallelic tests" in text
    # the power is of one test's own p; the tables' q-values correct for every testable test of a level
    testable = {level: sum(row["testable"] == "yes" for row in read_tests(paths[f"{level}_tests"]))
                for level in ("gene", "variant")}
    assert (testable["gene"], testable["variant"]) == (2, 3)
    assert ("These figures are the power of one test's own p-value, before the Benjamini-Hochberg correction: "
            "q \u2264 0.05 over the 2 testable gene-level tests (or the 3 testable variant-level tests) needs a smaller "
            "p, so the power to reach it is lower.") in text


@pytest.mark.parametrize("genes, variants, expected", [
    ((True,), (True, False), ""),  # one testable test per level: q = p, nothing to add
    ((True, True, False), (True,), "q \u2264 0.05 over the 2 testable gene-level tests needs a smaller p"),
    ((True, True), (True, True, True), "over the 2 testable gene-level tests (or the 3 testable variant-level tests) "
                                       "needs"),
])
def test_power_caveat_names_the_bh_correction(genes, variants, expected):
    from types import SimpleNamespace

    from hlhscreen.report import correction_caveat

    tests = {"gene": [SimpleNamespace(testable=t) for t in genes],
             "variant": [SimpleNamespace(testable=t) for t in variants]}
    text = correction_caveat(SimpleNamespace(tests=tests), "\u03b1 = 0.05")
    assert (expected in text) if expected else text == ""


def test_power_sentences_for_every_class():
    from hlhscreen.power import power_summary
    from hlhscreen.power_text import PowerRow, power_sentence

    def sentence(n1, n2, c):
        s = power_summary(n1, n2, c, 0.05)
        return power_sentence(PowerRow("gene", "G", "G", n1, n2, c, 0.05, s.powers, s.min_detectable_or,
                                       s.case_freq_at_min_or, s.min_significant_case_carriers, s.reason, 2))

    study = sentence(12, 32, 4)
    assert study.startswith("G: 4 of 32 assessable controls (12.5%) carry a kept variant. With 12 assessable cases, "
                            "a two-sided Fisher "
                            "test at \u03b1 = 0.05 would detect an odds ratio of 2 with 10% probability, of 5 with 48% "
                            "and of 10 with 83%; 80% power would need an odds ratio of at least 9.2 (about 57% of "
                            "cases carrying).")
    assert study.endswith("A non-significant result does not rule out a smaller effect.")
    assert sentence(12, 32, 0) == ("G: none of the 32 assessable controls carries a kept variant, so there is no "
                                   "control frequency to scale an odds ratio from; at least 3 of the 12 assessable "
                                   "cases would have to carry a kept variant for p \u2264 0.05 (with 0 of 32 "
                                   "controls).")
    assert "cases cannot carry it more often" in sentence(12, 32, 32)
    # not "all 1 controls"
    assert sentence(3, 1, 1).startswith("G: the one assessable control carries a kept variant, so")
    assert "even if the one assessable case carried" in sentence(1, 32, 4)
    assert "With 1 assessable case," in sentence(1, 32, 4)
    assert "1 of 32 assessable controls (3.1%) carries" in sentence(12, 32, 1)
    assert ("so there is no control frequency to scale an odds ratio from; all 4 assessable cases would have to "
            "carry") in sentence(4, 4, 0)
    assert percent(0.001) == "<1%" and percent(0.999) == ">99%" and percent(0.0) == "0%" and percent(1.0) == "100%"


@pytest.mark.parametrize("edit, line, field", [
    (lambda lines: lines[:1] + lines[2:], None, "id"),                                     # a test without power
    (lambda lines: lines + [lines[1]], "last", "id"),                                      # listed twice
    (lambda lines: [lines[0], lines[1].replace("\t3\t3\t", "\t4\t3\t", 1)] + lines[2:], 2, "case_assessable"),
    (lambda lines: [lines[0], _set_column(lines, 1, "power_or_2", "1.5")] + lines[2:], 2, "power_or_2"),
    (lambda lines: [lines[0], _set_column(lines, 1, "note", "maybe")] + lines[2:], 2, "note"),
])
def test_power_table_from_another_run_is_refused(tmp_path, edit, line, field):
    paths = make_inputs(tmp_path / "in")
    lines = paths["power"].read_text().splitlines()
    changed = edit(lines)
    paths["power"].write_text("\n".join(changed) + "\n")
    error = _expect_error(paths, tmp_path / "out")
    assert error.path == str(paths["power"]) and error.field == field
    assert error.line == (len(changed) if line == "last" else line)


def _set_column(lines, index, column, value):
    header = lines[0].split("\t")
    fields = lines[index].split("\t")
    fields[header.index(column)] = value
    return "\t".join(fields)


def test_methods_say_not_recorded_when_missing(tmp_path):
    paths = make_inputs(tmp_path / "in")
    paths["params"].write_text("{}")
    paths["versions"].write_text("Workflow:\n  hlhscreen: 0.1.0\n")
    page = run(paths, tmp_path / "out")["html"].read_text(encoding="utf-8")
    text = section_text(page, "methods")
    assert "FreeBayes (version not recorded)" in text
    assert "was below not recorded" in text
    assert "whitelisted variants exempt" not in text
    assert "No parameters were recorded." in text


def test_methods_follow_whitelist_and_carrier_switches(tmp_path):
    paths = make_inputs(tmp_path / "in")
    paths["params"].write_text(json.dumps({**PARAMS, "whitelist_overrides_max_af": True, "require_carrier": "false",
                                           "risk_factors": "my_whitelist.tsv", "af_source": "global",
                                           "conf_level": 0.9}))
    page = run(paths, tmp_path / "out")["html"].read_text(encoding="utf-8")
    text = section_text(page, "methods")
    assert "(the global gnomAD allele frequency) was below 0.04 (whitelisted variants exempt), and at most 0.01" in text
    assert "risk-factor whitelist (my_whitelist.tsv)" in text
    assert "assessable genotype;" not in text and "carried it with" not in text
    assert "exact 90% CI" in text and "OR (90% CI)" in section_text(page, "tests")


def test_footer_has_version_and_date(built):
    footer = re.search(r"<footer>(.*?)</footer>", built[2], re.S).group(1)
    assert "hlhscreen 0.1.0" in footer and "Nextflow 24.10.0" in footer and RUN_DATE in footer


def test_rerun_is_byte_identical(built, tmp_path):
    paths, written, _ = built
    again = run(paths, tmp_path / "again")
    for key in ("html", "multiqc", "carrier_matrix_png", "carrier_matrix_svg", "gene_forest_png", "gene_forest_svg"):
        assert again[key].read_bytes() == written[key].read_bytes(), key


# ------------------------------------------------------------------ figures


def test_figure_files_are_valid(built):
    out = built[1]["html"].parent / "figures"
    for name in ("carrier_matrix", "gene_forest"):
        png = (out / f"{name}.png").read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        root = ET.fromstring((out / f"{name}.svg").read_bytes())
        assert root.tag.endswith("svg")


def test_carrier_matrix_shows_hemizygous_only_when_present():
    samples = [("c1", "case"), ("k1", "control")]
    variants = [("x1", "SH2D1A p.Arg55Ter")]
    result = figures.carrier_matrix(samples, variants, {("c1", "x1"): "hemizygous", ("k1", "x1"): "het"})
    assert "hemizygous (male, chrX outside the PARs)" in result.legend_labels
    assert result.counts["hemizygous"] == 1 and result.markers["hemizygous"] not in (
        result.markers["het"], result.markers["hom_alt"])


def test_carrier_matrix_distinguishes_states():
    samples = [("c1", "case"), ("c2", "case"), ("k1", "control"), ("k2", "control")]
    variants = [("v1", "PRF1 p.Ala91Val"), ("v2", "UNC13D p.Gly34Ser")]
    grid = {("c1", "v1"): "het", ("c2", "v1"): "hom_alt", ("k1", "v1"): "not_assessable", ("k2", "v1"): "ref",
            ("c1", "v2"): "ref", ("c2", "v2"): "ref", ("k1", "v2"): "het", ("k2", "v2"): "ref"}
    result = figures.carrier_matrix(samples, variants, grid)
    assert len(result.legend_labels) == 4 and len(set(result.legend_labels)) == 4
    assert any("het" in label for label in result.legend_labels)
    assert any("hom_alt" in label for label in result.legend_labels)
    assert any("not assessable" in label for label in result.legend_labels)
    assert any("reference" in label for label in result.legend_labels)
    # shapes, not only colours, differ between the states (hemizygous included)
    assert len(set(result.markers.values())) == 5
    assert result.counts == {"het": 2, "hom_alt": 1, "hemizygous": 0, "not_assessable": 1, "ref": 4}
    texts = [text.get_text() for text in result.figure.axes[0].texts]
    assert "Cases\nn=2" in texts and "Controls\nn=2" in texts
    png, svg = figures.render(result.figure)
    assert png.startswith(b"\x89PNG") and ET.fromstring(svg) is not None


def test_carrier_matrix_of_report_counts_every_cell(built):
    paths = built[0]
    data = report.load(paths["samples"], paths["qc"], paths["variants"], paths["carriers"], paths["gene_status"],
                       paths["variant_tests"], paths["gene_tests"], paths["biallelic_tests"], paths["power"],
                       paths["versions"], paths["params"])
    result = figures.carrier_matrix(report.ordered_samples(data),
                                    [(v.variant_id, report.variant_display(v)) for v in data.variants],
                                    {(c.sample, c.variant_id): c.state for c in data.calls})
    flat = [state for states in STATES.values() for state in states]
    assert result.counts == {state: flat.count(state) for state in figures.STATE_ORDER}
    assert [s for s, _ in report.ordered_samples(data)] == CASES + CONTROLS


def test_forest_handles_zero_inf_and_untestable():
    inf = math.inf
    rows = [
        figures.ForestRow("FINITE", True, 1.4, 0.2, 9.8, "x"),
        figures.ForestRow("INF", True, inf, 0.5, inf, "x"),
        figures.ForestRow("ZERO", True, 0.0, 0.0, 3.2, "x"),
        figures.ForestRow("EMPTY", True, 0.0, 0.0, inf, "x"),          # nobody carries: CI [0, Inf]
        figures.ForestRow("HUGE", True, 4503599627370496.0, 2.0, inf, "x"),  # R's 1/eps
        figures.ForestRow("NOTEST", False, None, None, None, "not testable", "no assessable case"),
    ]
    result = figures.gene_forest(rows)
    lo, hi = result.limits
    assert figures.AXIS_FLOOR <= lo <= 0.1 and 10 <= hi <= figures.AXIS_CEILING
    place = dict(result.clipped)
    assert place["FINITE"] == figures.Clipped(1.4, 0.2, 9.8, "", False, False)
    assert place["INF"].point == hi and place["INF"].point_off == "high" and place["INF"].high_open
    assert not place["INF"].low_open and place["INF"].low == 0.5
    assert place["ZERO"].point == lo and place["ZERO"].point_off == "low" and place["ZERO"].low_open
    assert place["EMPTY"].low_open and place["EMPTY"].high_open
    assert place["HUGE"].point_off == "high"
    assert result.not_testable == ("NOTEST",)
    assert all(lo <= p.low <= p.high <= hi for p in place.values())
    ax = result.figure.axes[0]
    assert ax.get_xscale() == "log"
    assert any("not testable: no assessable case" == t.get_text() for t in ax.texts)
    assert any(t.get_text().startswith("Arrow heads at an axis edge") for t in result.figure.texts)
    png, svg = figures.render(result.figure)
    assert png.startswith(b"\x89PNG") and ET.fromstring(svg) is not None


def test_forest_does_not_draw_zero_or_inf_estimates_of_zero_cell_tables():
    inf = math.inf
    rows = [
        figures.ForestRow("FINITE", True, 1.4, 0.2, 9.8, "x"),
        figures.ForestRow("NOBODY", True, 0.0, 0.0, inf, "x", "", "no carrier in either group", True),
        figures.ForestRow("NOCASE", True, 0.0, 0.0, 3.2, "x", "", "no carrier among the cases"),
        figures.ForestRow("NOCONTROL", True, inf, 0.61, inf, "x", "", "no carrier among the controls"),
    ]
    result = figures.gene_forest(rows)
    assert result.not_estimable == ("NOBODY", "NOCASE", "NOCONTROL")
    place = dict(result.clipped)
    assert "NOBODY" not in place                      # nothing compared: no line, no marker
    assert place["NOCASE"].point is None and place["NOCASE"].low_open and place["NOCASE"].high == 3.2
    assert place["NOCONTROL"].point is None and place["NOCONTROL"].high_open and place["NOCONTROL"].low == 0.61
    texts = [t.get_text() for t in result.figure.axes[0].texts]
    for wanted in ("OR not estimable: no carrier in either group", "OR not estimable: no carrier among the cases",
                   "OR not estimable: no carrier among the controls"):
        assert wanted in texts
    # no estimate marker at the axis edges: only FINITE's diamond is drawn
    markers = [line for line in result.figure.axes[0].lines if line.get_marker() in ("D", "<", ">")
               and line.get_markersize() >= 7 and line.get_markerfacecolor() in ("#0072B2", "white")]
    assert len([m for m in markers if m.get_marker() == "D"]) == 1
    assert not [m for m in markers if m.get_markerfacecolor() == "white"]


def _test_row(a: int, n1: int, c: int, n2: int) -> report.TestRow:
    """A testable gene test with R's statistics (hlhscreen.stats reproduces them)."""
    from hlhscreen.stats import fisher_test

    result = fisher_test([[a, n1 - a], [c, n2 - c]])
    return report.TestRow("gene", "G", "G", "G", a, n1, c, n2, a / n1, c / n2, result.p_value, result.odds_ratio,
                          result.ci_low, result.ci_high, result.p_value, True, None, 2)


@pytest.mark.parametrize("cells, text", [
    ((0, 12, 0, 32), "not estimable (no carrier among the assessable samples of either group)"),
    ((12, 12, 32, 32), "not estimable (every assessable sample carries)"),
    ((0, 12, 3, 32), "not estimable (no carrier among the assessable cases); CI 0\u2013"),
    ((2, 12, 0, 32), "not estimable (no carrier among the assessable controls); CI "),
    ((12, 12, 5, 32), "not estimable (every assessable case carries); CI "),
    ((4, 12, 32, 32), "not estimable (every assessable control carries); CI 0\u2013"),
])
def test_every_degenerate_class_is_not_estimable_in_words(cells, text):
    row = _test_row(*cells)
    assert row.odds_ratio in (0.0, math.inf)          # what R reports (kept in the TSV)
    shown = report.odds_ratio_text(row)
    assert shown.startswith(text)
    if "CI" in text:
        assert shown.endswith("Inf") == math.isinf(row.ci_high)
    html_table = report.tests_table([row], "gene")
    assert html.escape(shown) in html_table
    single = cells in ((0, 12, 0, 32), (12, 12, 32, 32))
    assert ("nothing to compare: p = 1 by construction" in html_table) == single
    assert ('class="degenerate"' in html_table) == single


def test_finite_odds_ratio_is_shown_as_a_number():
    assert report.odds_ratio_text(_test_row(2, 12, 4, 32)) == "1.39 (0.110\u201311.6)"


def test_forest_of_report_uses_gene_tests(built):
    paths = built[0]
    data = report.load(paths["samples"], paths["qc"], paths["variants"], paths["carriers"], paths["gene_status"],
                       paths["variant_tests"], paths["gene_tests"], paths["biallelic_tests"], paths["power"],
                       paths["versions"], paths["params"])
    result = figures.gene_forest(report.forest_rows(data))
    assert [label for label, _ in result.clipped] == ["PRF1", "UNC13D"]
    assert result.not_testable == ("STX11",)
    # UNC13D: no case carrier, R's OR 0: the interval is drawn, the estimate is not (no "protective" diamond)
    assert result.not_estimable == ("UNC13D",)
    unc13d = dict(result.clipped)["UNC13D"]
    assert unc13d.point is None and unc13d.low_open and not unc13d.high_open
    texts = [t.get_text() for t in result.figure.axes[0].texts]
    assert "OR not estimable: no carrier among the assessable cases" in texts
    assert not any(t.startswith("0/3 vs 2/4") and "0 (0" in t for t in texts)
    forest = section_text(built[2], "forest")
    assert "Not testable (no assessable case or control): STX11." in forest
    assert "Odds ratio not estimable (a group without assessable carriers, or with carriers only; not evidence " \
           "of protection or of risk): UNC13D." in forest


def test_axis_limits_without_finite_values():
    rows = [figures.ForestRow("A", True, 0.0, 0.0, math.inf)]
    assert figures.axis_limits(rows) == (0.01, 100)


def test_empty_figures_when_nothing_kept():
    assert figures.carrier_matrix([("a", "case")], [], {}).legend_labels == ()
    assert figures.gene_forest([]).clipped == ()


# ------------------------------------------------------------------ number formatting


def _kept(**extra) -> report.KeptVariant:
    gnomad_af = extra.pop("gnomad_af", None)
    return report.KeptVariant("chr1:1:A:G", "PRF1", None, None, None, None, gnomad_af, None, None, None, None, extra)


def test_af_text_cases():
    assert report.af_text(_kept(af_status="novel")) == "novel / not in gnomAD"
    assert report.af_text(_kept()) == "novel / not in gnomAD"
    assert report.af_text(_kept(gnomad_af=0.5, af_status="observed", af_used="0.5")) == "0.500"
    # global AF missing but a population AF present, filters on the global AF: not called "not in gnomAD"
    assert (report.af_text(_kept(af_status="novel", popmax_af="0.002", popmax_population="fin"))
            == "no global AF in gnomAD; popmax 0.00200 (fin); treated as novel by the filters")


def test_af_text_reads_not_looked_up_from_variants_tsv():
    """SCREEN's af_status not_looked_up (the gnomAD file has no record on the chromosome) is never shown as
    'novel / not in gnomAD', even without --frequency-check; its kept reason says so in words."""
    assert report.af_text(_kept(af_status="not_looked_up")) == report.GNOMAD_NOT_LOOKED_UP
    assert "not looked up" in report.kept_reason_text("af_not_looked_up")
    assert report.kept_reason_text("af_not_looked_up") == report.kept_reason_text("af_novel", not_looked_up=True)


@pytest.mark.parametrize("value, text", [
    (0.5, "0.500"), (1.0, "1.00"), (2.3727164271994053e-10, "2.37e-10"), (0.000123456, "0.000123"),
    (123.4, "123"), (1234.5, "1.23e+03"), (0.0, "0"), (math.inf, "Inf"), (None, "NA"), (math.nan, "NA"),
    (0.99949, "0.999"), (0.9996, "1.00"), (4503599627370496.0, "4.50e+15"), (0.0412, "0.0412"),
])
def test_sig3(value, text):
    assert report.sig3(value) == text


def test_fraction_text():
    assert report.fraction_text(2, 12) == "2/12 (16.7%)"
    assert report.fraction_text(0, 0) == "0/0"


# ------------------------------------------------------------------ MultiQC


def test_multiqc_table(built):
    paths, written, _ = built
    lines = written["multiqc"].read_text().splitlines()
    assert lines[0] == "# id: 'hlhscreen_report_summary'"
    assert lines[1].startswith("# section_name: ")
    assert lines[2].startswith("# description: ")
    assert lines[3] == "# plot_type: 'table'"
    header = lines[4].split("\t")
    assert header == list(report.MQC_COLUMNS)
    rows = {line.split("\t")[0]: dict(zip(header, line.split("\t"))) for line in lines[5:]}
    tests = {row["id"]: row for row in read_tests(paths["gene_tests"])}
    assert set(rows) == set(tests) == {"PRF1", "UNC13D", "STX11"}
    assert rows["PRF1"]["kept_variants"] == "2" and rows["UNC13D"]["kept_variants"] == "1"
    for gene, row in rows.items():
        for column in ("case_carriers", "case_assessable", "control_carriers", "control_assessable", "testable"):
            assert row[column] == tests[gene][column]
        for column in ("odds_ratio", "ci_low", "ci_high", "p_value", "q_value"):
            value = tests[gene][column]
            if column == "odds_ratio" and value in ("0.0", "Inf"):
                assert row[column] == "not estimable"
            else:
                assert row[column] == ("NA" if value == "NA" else report.sig3(float(value)))
    assert rows["UNC13D"]["odds_ratio"] == "not estimable" and rows["UNC13D"]["ci_low"] == "0"
    assert rows["STX11"]["p_value"] == "NA" and rows["PRF1"]["odds_ratio"] not in ("0", "Inf", "not estimable")


# ------------------------------------------------------------------ reading inputs


def test_versions_stay_text(tmp_path):
    path = tmp_path / "v.yml"
    path.write_text("STEP:\n  bcftools: 1.10\n  tool: 2.0\n")
    assert report.read_versions(path) == {"STEP": {"bcftools": "1.10", "tool": "2.0"}}


def test_params_must_be_a_json_object(tmp_path):
    path = tmp_path / "p.json"
    path.write_text("{\n  \"a\": 1,\n  oops\n}")
    with pytest.raises(UserInputError) as err:
        report.read_params(path)
    assert f"{path}:3" in str(err.value)
    path.write_text("[1, 2]")
    with pytest.raises(UserInputError, match="JSON object"):
        report.read_params(path)


# ------------------------------------------------------------------ bad input


def _expect_error(paths: Dict[str, Path], outdir: Path) -> UserInputError:
    with pytest.raises(UserInputError) as err:
        run(paths, outdir)
    assert not outdir.exists() or not any(outdir.rglob("*")), "a failed run must not write anything"
    return err.value


def test_carrier_of_unknown_sample(tmp_path):
    paths = make_inputs(tmp_path / "in")
    text = paths["carriers"].read_text().splitlines()
    text[3] = text[3].replace("case_03", "case_99", 1)
    paths["carriers"].write_text("\n".join(text) + "\n")
    error = _expect_error(paths, tmp_path / "out")
    assert error.path == str(paths["carriers"]) and error.line == 4 and error.field == "sample"
    assert "case_99" in str(error) and str(error).startswith(f"ERROR {paths['carriers']}:4: sample: ")


def test_carrier_with_wrong_group(tmp_path):
    paths = make_inputs(tmp_path / "in")
    text = paths["carriers"].read_text().splitlines()
    text[1] = text[1].replace("\tcase\t", "\tcontrol\t", 1)
    paths["carriers"].write_text("\n".join(text) + "\n")
    error = _expect_error(paths, tmp_path / "out")
    assert (error.line, error.field) == (2, "group")


@pytest.mark.parametrize("key", ["samples", "qc", "variants", "carriers", "gene_status", "variant_tests",
                                 "gene_tests", "biallelic_tests", "versions", "params"])
def test_missing_input_file(tmp_path, key):
    paths = make_inputs(tmp_path / "in")
    paths[key].unlink()
    error = _expect_error(paths, tmp_path / "out")
    assert error.path == str(paths[key]) and "file not found" in str(error)
    assert error.field.startswith("--")


@pytest.mark.parametrize("key, column", [("variants", "whitelist_evidence"), ("carriers", "state"),
                                         ("qc", "pct_panel_20x"), ("gene_tests", "ci_high"),
                                         ("gene_status", "n_not_assessable")])
def test_missing_column(tmp_path, key, column):
    paths = make_inputs(tmp_path / "in")
    lines = paths[key].read_text().splitlines()
    header = lines[0].split("\t")
    at = header.index(column)
    paths[key].write_text("\n".join("\t".join(f for i, f in enumerate(line.split("\t")) if i != at)
                                    for line in lines) + "\n")
    error = _expect_error(paths, tmp_path / "out")
    assert (error.path, error.line, error.field) == (str(paths[key]), 1, column)
    assert str(error).startswith(f"ERROR {paths[key]}:1: {column}: missing column.")


def test_bad_number_names_line_and_field(tmp_path):
    paths = make_inputs(tmp_path / "in")
    lines = paths["qc"].read_text().splitlines()
    lines[2] = lines[2].replace("39.88", "deep")
    paths["qc"].write_text("\n".join(lines) + "\n")
    error = _expect_error(paths, tmp_path / "out")
    assert (error.line, error.field) == (3, "mean_panel_depth")


def test_test_table_from_another_run(tmp_path):
    paths = make_inputs(tmp_path / "in")
    lines = paths["gene_tests"].read_text().splitlines()
    header = lines[0].split("\t")
    fields = lines[1].split("\t")
    fields[header.index("case_carriers")] = str(int(fields[header.index("case_carriers")]) + 1)
    lines[1] = "\t".join(fields)
    paths["gene_tests"].write_text("\n".join(lines) + "\n")
    error = _expect_error(paths, tmp_path / "out")
    assert (error.path, error.line, error.field) == (str(paths["gene_tests"]), 2, "case_carriers")
    assert str(paths["gene_status"]) in str(error)


@pytest.mark.parametrize("key", ["carriers", "gene_status"])
def test_duplicate_rows_are_refused(tmp_path, key):
    paths = make_inputs(tmp_path / "in")
    lines = paths[key].read_text().splitlines()
    paths[key].write_text("\n".join(lines + [lines[1]]) + "\n")
    error = _expect_error(paths, tmp_path / "out")
    assert (error.path, error.line, error.field) == (str(paths[key]), len(lines) + 1, "sample")
    assert "second row for sample 'case_01'" in str(error) and "(first on line 2)" in str(error)


def test_kept_variant_without_carrier_rows(tmp_path):
    paths = make_inputs(tmp_path / "in")
    lines = [line for line in paths["carriers"].read_text().splitlines() if G34S not in line]
    paths["carriers"].write_text("\n".join(lines) + "\n")
    error = _expect_error(paths, tmp_path / "out")
    assert error.path == str(paths["variants"]) and G34S in str(error)


def test_sample_missing_from_qc(tmp_path):
    paths = make_inputs(tmp_path / "in")
    lines = [line for line in paths["qc"].read_text().splitlines() if not line.startswith("ctrl_02")]
    paths["qc"].write_text("\n".join(lines) + "\n")
    error = _expect_error(paths, tmp_path / "out")
    assert error.path == str(paths["qc"]) and "ctrl_02" in str(error)


def test_whitelisted_variant_needs_evidence(tmp_path):
    paths = make_inputs(tmp_path / "in")
    text = paths["variants"].read_text().replace(EVIDENCE, "NA")
    paths["variants"].write_text(text)
    error = _expect_error(paths, tmp_path / "out")
    assert (error.line, error.field) == (2, "whitelist_evidence")


def test_no_half_written_report_when_writing_fails(tmp_path, monkeypatch):
    paths = make_inputs(tmp_path / "in")
    real = report.atomic_output

    def failing(path, mode="w"):
        if Path(path).name == report.REPORT_FILE:
            class Broken:
                def __enter__(inner):
                    inner.context = real(path, mode)
                    handle = inner.context.__enter__()
                    handle.write(b"<!DOCTYPE html><html><body>half")
                    return handle

                def __exit__(inner, *exc):
                    inner.context.__exit__(OSError, OSError("disk full"), None)
                    raise OSError("disk full")
            return Broken()
        return real(path, mode)

    monkeypatch.setattr(report, "atomic_output", failing)
    out = tmp_path / "out"
    with pytest.raises(OSError):
        run(paths, out)
    assert not (out / report.REPORT_FILE).exists()
    assert not list(out.rglob("*.partial"))


def test_no_output_when_rendering_fails(tmp_path, monkeypatch):
    paths = make_inputs(tmp_path / "in")

    def boom(*args, **kwargs):
        raise RuntimeError("rendering failed")

    monkeypatch.setattr(report, "assemble_html", boom)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError):
        run(paths, out)
    assert not out.exists() or not any(out.rglob("*"))


# ------------------------------------------------------------------ nothing kept


def test_report_when_no_variant_is_kept(tmp_path):
    paths = make_inputs(tmp_path / "in")
    lines = paths["variants"].read_text().splitlines()
    paths["variants"].write_text("\n".join([lines[0]] + [line.replace("\tkept\t", "\tdropped\t") for line in lines[1:]]) + "\n")
    for key in ("carriers", "gene_status"):
        paths[key].write_text(paths[key].read_text().splitlines()[0] + "\n")
    written = cohort.run_cohort_stats(paths["carriers"], paths["gene_status"], paths["samples"], tmp_path / "c2")
    paths["variant_tests"], paths["gene_tests"], paths["biallelic_tests"], paths["power"] = (
        written["variant"], written["gene"], written["biallelic"], written["power"])
    out = run(paths, tmp_path / "out")
    page = out["html"].read_text(encoding="utf-8")
    assert "No variant passed the screen." in page
    assert "No variant kept: no variant passed the screen, so no carrier was found" in page.split("<nav>")[0]
    # said in words, not as images of an empty plot (the figure files are still written)
    for anchor in ("matrix", "forest"):
        assert "<img" not in section_text(page, anchor) and "No variant kept: " in section_text(page, anchor)
    # no test at all: "every sample was assessable for every test" would be vacuous; and the headline's
    # sentences read as sentences ("...controls. No variant kept", not "controls; No variant kept")
    assert "Every sample was assessable" not in page
    assert "No test was made (no variant passed the screen), so no sample was left out of one." in page
    assert "3 cases and 4 controls. No variant kept: " in page.split("<nav>")[0]
    assert "No gene was tested." in section_text(page, "power")
    assert len(out["multiqc"].read_text().splitlines()) == 5
    assert out["gene_forest_png"].read_bytes().startswith(b"\x89PNG")


# ------------------------------------------------------------------ command line


def test_cli_writes_report(tmp_path):
    paths = make_inputs(tmp_path / "in")
    result = subprocess.run([sys.executable, str(BIN / "make_report.py"), *cli_args(paths, tmp_path / "out")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "hlhscreen_report.html").exists()
    # with the run's whitelist (the pipeline passes the panel's): the entry no variant matched is listed
    whitelist = tmp_path / "risk_factors.tsv"
    whitelist.write_text("gene\tbuild\tchrom\tpos\tref\talt\trsid\ttranscript\thgvsc\thgvsp\tevidence\treason\n"
                         "PRF1\tGRCh38\tchr10\t70600631\tG\tA\trs35947132\tNA\tNA\tp.Ala91Val\tPMID:1\tx\n"
                         "PRF1\tGRCh38\tchr10\t70598700\tG\tT\tNA\tNA\tNA\tNA\tPMID:2\ty\n")
    result = subprocess.run([sys.executable, str(BIN / "make_report.py"), *cli_args(paths, tmp_path / "wl"),
                             "--risk-factors", str(whitelist), "--regions", str(Path(__file__).resolve().parent / "fixtures" / "screen" / "regions.bed")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    text = section_text((tmp_path / "wl" / "hlhscreen_report.html").read_text(encoding="utf-8"), "variants")
    assert "Risk-factor whitelist entries not seen" in text and "1 of the 2 whitelist entries" in text
    assert "chr10:70598700:G:T" in text


def test_cli_user_error_exit_2(tmp_path, capsys):
    paths = make_inputs(tmp_path / "in")
    paths["gene_status"].unlink()
    with pytest.raises(SystemExit) as exit_info:
        run_cli(make_report.main, cli_args(paths, tmp_path / "out"))
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.startswith(f"ERROR {paths['gene_status']}: --gene-status: file not found.")


def test_cli_rejects_bad_run_date(tmp_path, capsys):
    paths = make_inputs(tmp_path / "in")
    args = cli_args(paths, tmp_path / "out")
    args[-1] = "14/03/2025"
    with pytest.raises(SystemExit) as exit_info:
        run_cli(make_report.main, args)
    assert exit_info.value.code == 2
    assert "--run-date" in capsys.readouterr().err


# ------------------------------------------------------------------ the real producers


def example_samplesheet(tmp_path: Path, vcf: Path) -> Path:
    """samples.csv (sample,group) for the samples of a screen fixture VCF: case* are cases."""
    vcf_samples = next(line for line in vcf.read_text().splitlines() if line.startswith("#CHROM")).split("\t")[9:]
    samples = tmp_path / "samples.csv"
    samples.write_text("sample,group\n" + "".join(f"{s},{'case' if s.startswith('case') else 'control'}\n"
                                                   for s in vcf_samples))
    return samples


def test_whitelist_entries_no_variant_matched_are_listed(tmp_path):
    """SCREEN on its example VCF with a whitelist row no record matches (nobody called with it, or
    written otherwise): the report lists it as not seen. Before: the report could not tell, the row
    was simply absent from the kept table, like a variant nobody carries."""
    fixtures = Path(__file__).resolve().parent / "fixtures" / "screen"
    whitelist = tmp_path / "risk_factors.tsv"
    whitelist.write_text((fixtures / "risk_factors.tsv").read_text()
                         + "PRF1\tGRCh38\t10\t70598700\tG\tT\tNA\tNA\tNA\tp.Gly340Val\tPMID:2\tnever called\tNA\tNA\tNA\n")
    samples = example_samplesheet(tmp_path, fixtures / "example.vcf")
    screen.run_screen(fixtures / "example.vcf", fixtures / "regions.bed", whitelist, samples, tmp_path / "screen",
                      screen.ScreenConfig(harmonise_contigs=True))
    seen = report.read_whitelist_seen(whitelist, tmp_path / "screen" / "variants.tsv", fixtures / "regions.bed")
    assert [(factor.variant_id, decision) for factor, decision in seen.rows] == [
        (A91V, "kept"), ("10:70598700:G:T", None)]  # 10 vs the panel's chr10: compared as one chromosome
    assert seen.outside == []
    data = types.SimpleNamespace(whitelist=seen)
    text = str(report.whitelist_unseen_part(data))
    assert "1 of the 2 whitelist entries in the panel matched no variant called in this run" in text
    assert "10:70598700:G:T" in text and "p.Gly340Val" in text and A91V not in text
    assert "The one whitelist entry in the panel matched a variant called" in str(report.whitelist_unseen_part(
        types.SimpleNamespace(whitelist=report.WhitelistSeen(seen.rows[:1], []))))
    assert "The whitelist is empty." in str(report.whitelist_unseen_part(
        types.SimpleNamespace(whitelist=report.WhitelistSeen([], []))))
    assert str(report.whitelist_unseen_part(types.SimpleNamespace(whitelist=None))) == ""


def test_whitelist_rows_outside_the_panel_are_not_listed_as_not_seen(tmp_path):
    """Whitelist rows outside the panel regions, or on a contig the panel does not cover, are not
    screened: SCREEN warns 'can never be kept' and leaves them out of its not-seen list and count. The
    report agrees: they are named once as not screened, never as 'matched no variant called in this
    run' (before: listed as not seen, 3 of 3, although the VCF has chr17:75840205 G>A)."""
    fixtures = Path(__file__).resolve().parent / "fixtures" / "screen"
    whitelist = tmp_path / "risk_factors.tsv"
    whitelist.write_text((fixtures / "risk_factors.tsv").read_text()
                         + "UNC13D\tGRCh38\tchr17\t75840205\tG\tA\tNA\tNA\tNA\tNA\tPMID:2\toutside\tNA\tNA\tNA\n"
                         + "XIAP\tGRCh38\tchrX\t123859812\tC\tT\tNA\tNA\tNA\tNA\tPMID:3\tno contig\tNA\tNA\tNA\n")
    samples = example_samplesheet(tmp_path, fixtures / "example.vcf")
    result = screen.run_screen(fixtures / "example.vcf", fixtures / "regions.bed", whitelist, samples,
                               tmp_path / "screen")
    assert result.whitelist_unseen == [] and result.whitelist_entries == 1
    seen = report.read_whitelist_seen(whitelist, tmp_path / "screen" / "variants.tsv", fixtures / "regions.bed")
    assert [(factor.variant_id, decision) for factor, decision in seen.rows] == [(A91V, "kept")]
    assert [factor.variant_id for factor in seen.outside] == ["chr17:75840205:G:A", "chrX:123859812:C:T"]
    text = str(report.whitelist_unseen_part(types.SimpleNamespace(whitelist=seen)))
    assert "matched no variant" not in text
    assert "The one whitelist entry in the panel matched a variant called in this run" in text
    assert ("2 whitelist entries lie outside the panel regions and were not screened (SCREEN warns that they can "
            "never be kept): chr17:75840205:G:A (UNC13D), chrX:123859812:C:T (XIAP).") in text


def test_report_on_real_screen_and_cohort_outputs(tmp_path):
    """SCREEN on its example VCF, then COHORT_STATS, then the report: the seams fit."""
    fixtures = Path(__file__).resolve().parent / "fixtures" / "screen"
    samples = tmp_path / "samples.csv"
    vcf_samples = next(line for line in (fixtures / "example.vcf").read_text().splitlines()
                       if line.startswith("#CHROM")).split("\t")[9:]
    samples.write_text("sample,group\n" + "".join(f"{s},{'case' if s.startswith('case') else 'control'}\n"
                                                   for s in vcf_samples))
    screen.run_screen(fixtures / "example.vcf", fixtures / "regions.bed", fixtures / "risk_factors.tsv", samples,
                      tmp_path / "screen")
    written = cohort.run_cohort_stats(tmp_path / "screen" / "carriers.tsv", tmp_path / "screen" / "gene_status.tsv",
                                      samples, tmp_path / "cohort")
    qc = tmp_path / "sample_qc.tsv"
    qc.write_text("\t".join(QC_BASE_COLUMNS) + "\n" + "".join(
        f"{s}\t{'case' if s.startswith('case') else 'control'}\t1000\t990\t99.0\t40.0\t99.0\tpass\n" for s in vcf_samples))
    versions = tmp_path / "versions.yml"
    versions.write_text(VERSIONS)
    params = tmp_path / "params.json"
    params.write_text(json.dumps(PARAMS))
    out = report.run_report(samples, qc, tmp_path / "screen" / "variants.tsv", tmp_path / "screen" / "carriers.tsv",
                            tmp_path / "screen" / "gene_status.tsv", written["variant"], written["gene"],
                            written["biallelic"], written["power"], versions, params, tmp_path / "out", RUN_DATE)
    page = out["html"].read_text(encoding="utf-8")
    text = section_text(page, "variants")
    with open(tmp_path / "screen" / "variants.tsv") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    kept = [row for row in rows if row["decision"] == "kept"]
    assert kept and f"{len(rows)} variant(s) were screened; {len(kept)} passed" in text
    for row in kept:
        assert row["variant_id"] in text
        shown = row["hgvsp"] if row["hgvsp"] != "NA" else row["hgvsc"]
        assert html.escape(shown) in text
        if row["rescued_by"] == "risk_factor_whitelist":
            assert html.escape(row["whitelist_evidence"]) in text
    assert any(row["rescued_by"] == "risk_factor_whitelist" for row in kept)
    assert len(out["multiqc"].read_text().splitlines()) == 5 + len(read_tests(written["gene"]))


# ------------------------------------------------------------------ issue 13: sex, hemizygous, ClinVar

def edit_variant(variants: Path, variant_id: str, **values: str) -> None:
    """Set columns of one variants.tsv row."""
    lines = variants.read_text().splitlines()
    header = lines[0].split("\t")
    for i, line in enumerate(lines[1:], start=1):
        fields = line.split("\t")
        if fields[0] == variant_id:
            for column, value in values.items():
                fields[header.index(column)] = value
            lines[i] = "\t".join(fields)
    variants.write_text("\n".join(lines) + "\n")


def with_clinical_inputs(tmp_path: Path) -> Dict[str, Path]:
    """The fixture with sex.tsv (ctrl_03: given female, reads male), ClinVar columns on the variants
    (W374X Pathogenic 2 stars; the dropped P67L a ClinVar risk factor above common_af) and a release file."""
    paths = make_inputs(tmp_path / "in")
    lines = paths["variants"].read_text().splitlines()
    header = lines[0].split("\t")
    rows = [line.split("\t") for line in lines[1:]]
    for fields in rows:
        vid = fields[header.index("variant_id")]
        values = {"clinvar_clnsig": "not_in_clinvar", "risk_factor_candidate": "no"}
        if vid == W374X:
            values = dict(clinvar_variation_id="13709", clinvar_clnsig="Pathogenic", clinvar_stars="2",
                          clinvar_review_status="criteria_provided,_multiple_submitters,_no_conflicts",
                          clinvar_disease="Familial_hemophagocytic_lymphohistiocytosis_2|not_provided",
                          risk_factor_candidate="no")
        if vid == DROPPED:
            values = dict(clinvar_clnsig="Conflicting_classifications_of_pathogenicity|risk_factor", clinvar_stars="1",
                          clinvar_variation_id="NA", risk_factor_candidate="yes")
        for column, value in values.items():
            fields[header.index(column)] = value
    paths["variants"].write_text("\n".join("\t".join(r) for r in [header, *rows]) + "\n")
    paths["sex"] = tmp_path / "sex.tsv"
    sexes = {"case_01": ("male", "male", "male", "0.51", "NA"), "ctrl_03": ("female", "male", "unknown", "0.49",
                                                                             "sex_mismatch")}
    paths["sex"].write_text("\t".join(report.SEX_COLUMNS) + "\n" + "".join(
        "\t".join([s, GROUP[s], *sexes.get(s, ("female", "female", "female", "1.01", "NA"))]) + "\n"
        for s in SAMPLES))
    paths["clinvar"] = tmp_path / "clinvar_release.json"
    paths["clinvar"].write_text(json.dumps({"citation": "ClinVar GRCh38 VCF release of 2024-05-12 (file clinvar.vcf.gz, "
                                                        "##fileDate)", "ncbi_release": True, "records": 6,
                                            "records_in_clinvar": 2}))
    return paths


def run_clinical(paths: Dict[str, Path], outdir: Path) -> str:
    written = report.run_report(paths["samples"], paths["qc"], paths["variants"], paths["carriers"],
                                paths["gene_status"], paths["variant_tests"], paths["gene_tests"],
                                paths["biallelic_tests"], paths["power"], paths["versions"], paths["params"], outdir,
                                RUN_DATE, sex=paths["sex"], clinvar_release=paths["clinvar"])
    return written["html"].read_text(encoding="utf-8")


def test_sex_part_of_the_qc_section(tmp_path):
    page = run_clinical(with_clinical_inputs(tmp_path), tmp_path / "out")
    text = section_text(page, "qc")
    assert "Sex and the X-linked genes" in text
    assert "1 male, 5 female, 1 unknown." in text
    assert "Given and inferred sex disagree for ctrl_03" in text and "Not assessed on chrX (sex unknown): ctrl_03" in text
    # a disagreement is not only a swap: 47,XXY has two X (reads female), 45,X one (reads male)
    assert ("check the sample identity and the samplesheet; a sex-chromosome aneuploidy (47,XXY reads as female, "
            "45,X as male) gives the same disagreement.") in text
    assert "0.35 to 0.65 is read as male, &gt;= 0.8 as female" in text
    assert "below 0.35 (less than one X: chrX targets that failed, not a sex)" in text
    row = next(r for r in re.findall(r"<tr[^>]*>(.*?)</tr>", text, re.S) if "ctrl_03" in r and "disagree" in r)
    assert "unknown" in row


def test_without_sex_the_report_says_so(built):
    assert "The sex of the samples was not given to the report" in section_text(built[2], "qc")


def test_sex_mismatch_qc_flag_in_words(tmp_path):
    paths = with_clinical_inputs(tmp_path)
    lines = paths["qc"].read_text().splitlines()
    lines = [line.replace("\tpass", "\tsex_mismatch") if line.startswith("ctrl_03\t") else line for line in lines]
    paths["qc"].write_text("\n".join(lines) + "\n")
    text = section_text(run_clinical(paths, tmp_path / "out"), "cohort")
    assert "disagrees with the sex its chrX depth shows" in text and "sex_mismatch" in text
    assert "sample swap, data-entry error, or a sex-chromosome aneuploidy such as 47,XXY or 45,X?" in text


def test_a_sex_table_of_another_run_is_refused(tmp_path):
    paths = with_clinical_inputs(tmp_path)
    paths["sex"].write_text("\n".join(paths["sex"].read_text().splitlines()[:-1]) + "\n")
    with pytest.raises(UserInputError, match=r"no sex row for sample\(s\) ctrl_04"):
        run_clinical(paths, tmp_path / "out")
    paths["sex"].write_text(paths["sex"].read_text().replace("\tmale\tmale\tmale\t", "\tmale\tXY\tmale\t"))
    with pytest.raises(UserInputError, match="sex_inferred: 'XY' is not one of male, female, unknown"):
        run_clinical(paths, tmp_path / "out")


def test_clinvar_column_citation_and_candidates(tmp_path):
    page = run_clinical(with_clinical_inputs(tmp_path), tmp_path / "out")
    text = section_text(page, "variants")
    assert "<th scope=\"col\">ClinVar</th>" in text
    assert "ClinVar GRCh38 VCF release of 2024-05-12 (file clinvar.vcf.gz, ##fileDate)." in text
    assert "2 of the 6 variants called are in it" in text and "not an NCBI ClinVar release" not in text
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", text, re.S) if "p.Trp374Ter" in r)
    assert "<strong>Pathogenic</strong>" in row and "\u2605\u2605\u2606\u2606 (2 of 4)" in row
    assert "variation ID 13709" in row and "Familial hemophagocytic lymphohistiocytosis 2; not provided" in row
    assert "not in ClinVar" in text
    candidates = text[text.index("Risk-factor candidates"):text.index("Unconfirmed qualifying")]
    assert DROPPED in candidates and "Conflicting classifications of pathogenicity; risk factor" in candidates
    assert "Nothing is added automatically" in candidates
    methods = section_text(page, "methods")
    assert "attached by exact allele from the ClinVar GRCh38 VCF release of 2024-05-12" in methods
    assert "haploid on chrX and chrY outside the pseudo-autosomal regions" in methods


def test_without_clinvar_no_column_and_said(built):
    text = section_text(built[2], "variants")
    assert "ClinVar was not used in this run" in text and "<th scope=\"col\">ClinVar</th>" not in text
    assert "Not assessed: ClinVar was not used in this run" in text
    assert "ClinVar was not consulted." in section_text(built[2], "methods")


def test_clinvar_rescued_variant_says_why(tmp_path):
    paths = with_clinical_inputs(tmp_path)
    text = paths["variants"].read_text().replace(
        "in_panel;quality_pass;af_novel;impact:MODERATE;assessable_carrier",
        "in_panel;quality_pass;af_novel;clinvar_pathogenic;assessable_carrier", 1)
    paths["variants"].write_text(text)
    edit_variant(paths["variants"], G34S, rescued_by="clinvar_pathogenic", clinvar_clnsig="Likely_pathogenic",
                 clinvar_stars="3")
    text = section_text(run_clinical(paths, tmp_path / "out"), "variants")
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", text, re.S) if "p.Gly34Ser" in r)
    assert "Kept by its ClinVar classification" in row and "Likely pathogenic" in row
    assert "1 kept only because of their ClinVar classification" in text


def test_hemizygous_carrier_shown_as_hemi():
    calls = [cohort.Call("case_01", "case", "x", "SH2D1A", None, None, "1", "hemizygous", "14", "99", None)]
    assert str(report.carriers_cell(calls, "case")) == "case_01 (hemi)"


def test_a_somatic_only_clinvar_record_is_said_so(tmp_path):
    """SCREEN's no_germline_classification (a ClinVar record with ONC/SCI only): in ClinVar, no
    germline classification and no germline review stars, rather than a bare 'no_germline_...'."""
    paths = with_clinical_inputs(tmp_path)
    edit_variant(paths["variants"], G34S, clinvar_clnsig="no_germline_classification", clinvar_variation_id="3024011")
    text = section_text(run_clinical(paths, tmp_path / "out"), "variants")
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", text, re.S) if "p.Gly34Ser" in r)
    assert "in ClinVar without a germline classification (somatic only)" in row and "variation ID 3024011" in row
    assert "review stars" not in row and "not in ClinVar" not in row


def test_a_piece_of_a_longer_clinvar_allele_is_said_so(tmp_path):
    """SCREEN's part_of_clinvar_allele: the cell names the longer allele's variation ID and says its
    classification is not the piece's; the ClinVar note counts such pieces."""
    paths = with_clinical_inputs(tmp_path)
    edit_variant(paths["variants"], G34S, clinvar_clnsig="part_of_clinvar_allele", clinvar_variation_id="424242")
    release = json.loads(paths["clinvar"].read_text())
    release.update(records_part_of_clinvar_allele=1)
    paths["clinvar"].write_text(json.dumps(release))
    text = section_text(run_clinical(paths, tmp_path / "out"), "variants")
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", text, re.S) if "p.Gly34Ser" in r)
    assert "not in ClinVar as such" in row and "part of a longer allele ClinVar lists (variation ID 424242)" in row
    assert "1 more is a piece of a longer allele (MNV or complex) it lists" in text


def test_a_variant_clinvar_could_not_look_up_is_said_so(tmp_path):
    """A ClinVar file without records on a chromosome: its variants read 'not looked up', and the
    citation names the chromosome, instead of 'not in ClinVar'."""
    paths = with_clinical_inputs(tmp_path)
    edit_variant(paths["variants"], G34S, clinvar_clnsig="not_looked_up")
    release = json.loads(paths["clinvar"].read_text())
    release.update(contigs_not_covered=["chr17"], records_not_covered=1)
    paths["clinvar"].write_text(json.dumps(release))
    text = section_text(run_clinical(paths, tmp_path / "out"), "variants")
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", text, re.S) if "p.Gly34Ser" in r)
    assert "not looked up (the ClinVar file has no record on this chromosome)" in row and "not in ClinVar" not in row
    assert "The file has no record on chr17: variants there were not looked up" in text


def test_clinvar_matching_of_indels_is_said(tmp_path):
    """clinvar_release.json names the FASTA the indels were left-aligned on (both files) and counts the
    indels it could not normalise: the note and the methods say how alleles were matched, and warn
    about those. Before: 'matched by exact allele' whatever the step did."""
    paths = with_clinical_inputs(tmp_path)
    release = json.loads(paths["clinvar"].read_text())
    release.update(normalised_against="genome.fa.gz", indels_not_normalised=0, clinvar_indels_not_normalised=2)
    paths["clinvar"].write_text(json.dumps(release))
    page = run_clinical(paths, tmp_path / "out")
    text = section_text(page, "variants")
    assert "matched by allele, indels of both files left-aligned on the reference (genome.fa.gz)." in text
    assert "2 ClinVar indel record(s) did not have the reference" in text and "called indel(s)" not in text
    assert "bases at their position and were compared as written" in text
    assert ("attached by allele, indels of both files left-aligned on the reference (genome.fa.gz) from the ClinVar "
            "GRCh38 VCF release of 2024-05-12") in section_text(page, "methods")


def test_a_clinvar_file_that_is_no_ncbi_release_is_said_so_once_with_a_warning(tmp_path):
    paths = with_clinical_inputs(tmp_path)
    release = json.loads(paths["clinvar"].read_text())
    release.update(ncbi_release=False, citation="ClinVar-style file c.vcf.gz dated 2026-12-01; its header says source "
                                                "'lab', so it is not an NCBI ClinVar release")
    paths["clinvar"].write_text(json.dumps(release))
    text = section_text(run_clinical(paths, tmp_path / "out"), "variants")
    assert text.count("not an NCBI ClinVar release") == 1
    assert "Do not use these classifications for patients without checking them in an NCBI ClinVar release." in text


def test_a_candidate_says_what_whitelisting_would_not_change():
    def why(reasons: str, **params) -> str:
        candidate = report.RiskFactorCandidate("chr10:1:G:A", "PRF1", "p.X", 0.2, "risk_factor", "1", None, reasons)
        return str(report.candidate_why(candidate, {"max_af": 0.04, **params}))

    assert "div" not in why("common_not_risk_factor")
    assert "also at or above --max_af (0.04): whitelisting keeps it only with --whitelist_overrides_max_af" in \
        why("af_above_max;common_not_risk_factor")
    assert "--max_af" not in why("af_above_max;common_not_risk_factor", whitelist_overrides_max_af=True)
    assert "whitelisting does not waive the other reason(s): impact_not_selected" in \
        why("common_not_risk_factor;impact_not_selected")


# ------------------------------------------------------------------ a generated cohort: report == TSVs
#
# A seeded random cohort with what real studies produce: HTML special characters in sample names and
# labels, an X-linked gene with hemizygous males and heterozygous females, homozygous and compound
# heterozygous carriers, not-assessable calls, a variant every sample carries, a gene nobody can be
# assessed in, variants nobody in one group carries. The report's tables are parsed back and compared
# cell by cell with the TSVs they come from (nothing is taken from the report code's own formatting).


GEN_GENES = ("PRF1", "UNC13D", "SH2D1A", "STX11", "LYST")
GEN_X_GENE = "SH2D1A"


def _gen_name(rng: random.Random, prefix: str, index: int) -> str:
    specials = ["<b>", "&amp;", '"q"', "'s", "<script>x</script>", "&", "a>b"]
    return f"{prefix}{index:02d}" + (rng.choice(specials) if index % 3 == 0 else "")


def generated_cohort(folder: Path, n_cases: int = 9, n_controls: int = 14, n_variants: int = 18,
                     seed: int = 20261202, alpha: float = 0.05) -> Dict[str, Path]:
    """Write samples, QC, variants.tsv, carriers.tsv and gene_status.tsv of a random cohort (rules as SCREEN's)
    and run COHORT_STATS on them; returns the paths as :func:`make_inputs` does."""
    rng = random.Random(seed)
    cases = [_gen_name(rng, "case", i) for i in range(n_cases)]
    controls = [_gen_name(rng, "ctrl", i) for i in range(n_controls)]
    samples = [(s, "case") for s in cases] + [(s, "control") for s in controls]
    male = {sample: rng.random() < 0.5 for sample, _ in samples}
    variants = []
    for index in range(n_variants):
        gene = GEN_GENES[index % len(GEN_GENES)]
        chrom = "chrX" if gene == GEN_X_GENE else "chr10"
        vid = f"{chrom}:{1000 + index}:C:T"
        label = f"p.Arg{index}Ter" + ("<&>\"'" if index == 4 else "")
        freq = rng.choice([0.0, 0.05, 0.2, 0.5])
        states = {}
        for sample, group in samples:
            draw = rng.random()
            if gene == "STX11":
                state = "not_assessable"  # a gene nobody can be assessed in
            elif index == 0:
                state = "het"  # a variant every sample carries
            elif draw < 0.06:
                state = "not_assessable"
            elif draw < 0.06 + freq * (1.5 if group == "case" else 1.0):
                if gene == GEN_X_GENE:
                    state = "hemizygous" if male[sample] else "het"
                else:
                    state = "hom_alt" if rng.random() < 0.15 else "het"
            else:
                state = "ref"
            states[sample] = state
        variants.append((vid, gene, label, states))
    folder.mkdir(parents=True, exist_ok=True)
    paths: Dict[str, Path] = {}
    with open(folder / "samples.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sample", "group"])
        writer.writerows(samples)
    paths["samples"] = folder / "samples.csv"
    paths["qc"] = _write_tsv(folder / "sample_qc.tsv", QC_BASE_COLUMNS,
                             [[s, g, "7788", "7788", "100.0", "39.88", "100.0", "pass"] for s, g in samples])
    genotype = {"het": "0/1", "hom_alt": "1/1", "ref": "0/0", "not_assessable": "./.", "hemizygous": "1"}
    variant_rows, carrier_rows = [], []
    for vid, gene, label, states in variants:
        chrom, pos, ref, alt = vid.split(":")
        counts = [list(states.values()).count(state) for state in ("het", "hom_alt", "hemizygous", "ref",
                                                                    "not_assessable")]
        row = {column: "NA" for column in VARIANT_HEADER}
        row.update(variant_id=vid, chrom=chrom, pos=pos, ref=ref, alt=alt, gene=gene, hgvsc=f"c.{pos}C>T",
                   hgvsp=label, label=label, consequence="stop_gained", impact="HIGH", af_status="novel",
                   decision="kept", reasons="in_panel;quality_pass;af_novel;impact:HIGH;assessable_carrier",
                   whitelisted="no", qual="100", filter="PASS", mane_select="yes", summary_basis="mane_select",
                   n_het=str(counts[0]), n_hom_alt=str(counts[1]), n_hemizygous=str(counts[2]), n_ref=str(counts[3]),
                   n_not_assessable=str(counts[4]))
        variant_rows.append([row[column] for column in VARIANT_HEADER])
        for sample, group in samples:
            state = states[sample]
            carrier_rows.append([sample, group, vid, gene, f"c.{pos}C>T", label, genotype[state], state, "30",
                                 "99", "low_depth" if state == "not_assessable" else "NA"])
    paths["variants"] = _write_tsv(folder / "variants.tsv", VARIANT_HEADER, variant_rows)
    paths["carriers"] = _write_tsv(folder / "carriers.tsv", list(cohort.CARRIERS_COLUMNS), carrier_rows)
    status_rows = []
    for gene in GEN_GENES:
        in_gene = [(vid, states) for vid, g, _, states in variants if g == gene]
        for sample, group in samples:
            states = {vid: s[sample] for vid, s in in_gene}
            carried = [vid for vid, state in states.items() if state in ("het", "hom_alt", "hemizygous")]
            missing = [vid for vid, state in states.items() if state == "not_assessable"]
            if not carried:
                status = "not_assessable" if missing else "none"
            elif "hemizygous" in (states[vid] for vid in carried):
                status = "hemizygous"
            elif "hom_alt" in (states[vid] for vid in carried):
                status = "biallelic_hom"
            elif len(carried) > 1:
                status = "possible_compound_het"
            else:
                status = "monoallelic"
            status_rows.append([sample, group, gene, status, ";".join(carried) or "NA", str(len(in_gene)),
                                str(len(missing)), ";".join(missing) or "NA"])
    paths["gene_status"] = _write_tsv(folder / "gene_status.tsv", list(cohort.GENE_STATUS_COLUMNS), status_rows)
    return with_stats_and_provenance(paths, folder, alpha=alpha)


class _Tables(HTMLParser):
    """Every <table> of a page as rows of cell texts (entities decoded), grouped by the enclosing section id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: Dict[str, List[List[List[str]]]] = {}
        self._section = ""
        self._row: List[str] = []
        self._cell: List[str] = []
        self._in_cell = False

    def handle_starttag(self, name, attrs):
        if name == "section":
            self._section = dict(attrs).get("id", "")
        elif name == "table":
            self.tables.setdefault(self._section, []).append([])
        elif name == "tr":
            self._row = []
        elif name in ("td", "th"):
            self._cell, self._in_cell = [], True

    def handle_endtag(self, name):
        if name in ("td", "th"):
            self._row.append("".join(self._cell).strip())
            self._in_cell = False
        elif name == "tr":
            self.tables[self._section][-1].append(self._row)

    def handle_data(self, data):
        if self._in_cell:
            self._cell.append(data)


def page_tables(page: str) -> Dict[str, List[List[List[str]]]]:
    parser = _Tables()
    parser.feed(page)
    return parser.tables


def _shown_equals(shown: str, value: str) -> bool:
    """A report number (3 significant digits) is the TSV's value: same 0 / Inf / NA, else within half a unit
    of the third significant digit (read back from the text, not re-formatted with the report's code)."""
    if value == "NA":
        return shown == "NA"
    number = float(value)
    if number == 0 or math.isinf(number):
        return shown == {0.0: "0", math.inf: "Inf"}[number] or (number == 0 and shown.startswith("<"))
    if shown in ("NA", "Inf", "0"):
        return False
    got = float(shown)
    unit = 10 ** (math.floor(math.log10(abs(number))) - 2)
    return abs(got - number) <= 0.5 * unit * (1 + 1e-9) and len(shown.replace(".", "").lstrip("0").split("e")[0]) == 3


def _fraction(carriers: str, assessable: str) -> str:
    k, n = int(carriers), int(assessable)
    return f"{k}/{n}" if n == 0 else f"{k}/{n} ({round(100 * k / n, 1):.1f}%)"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("generated")
    paths = generated_cohort(folder / "inputs", alpha=0.1)
    written = run(paths, folder / "out")
    return paths, written, written["html"].read_text(encoding="utf-8")


def test_generated_cohort_has_the_edge_cases(generated):
    paths = generated[0]
    variant = read_tests(paths["variant_tests"])
    gene = {row["id"]: row for row in read_tests(paths["gene_tests"])}
    states = {row["state"] for row in read_tests(paths["carriers"])}
    assert states == {"het", "hom_alt", "hemizygous", "ref", "not_assessable"}
    assert gene["STX11"]["testable"] == "no"
    assert variant[0]["note"] == "or_not_estimable=all_carriers"
    assert any(row["odds_ratio"] in ("0.0", "Inf") and row["note"].startswith("or_not_estimable=no_")
               for row in variant)
    assert any(row["testable"] == "yes" and row["odds_ratio"] not in ("0.0", "Inf") for row in variant)


def test_generated_report_test_tables_equal_the_tsvs(generated):
    """Every row of the three test tables, cell by cell, against variant/gene/biallelic_tests.tsv, in order."""
    paths, _, page = generated
    tables = page_tables(page)["tests"]
    assert len(tables) == 3
    for table_rows, level in zip(tables, ("variant", "gene", "biallelic")):
        header, *body = table_rows
        assert header[:6] == ["Variant" if level == "variant" else "Gene", "Cases: carriers/assessable (%)",
                              "Controls: carriers/assessable (%)", "OR (95% CI)", "p", "q (BH)"]
        tsv = read_tests(paths[f"{level}_tests"])
        assert len(body) == len(tsv), level
        for shown, row in zip(body, tsv):
            name, cases, controls, odds, p, q, note = shown
            assert name == (f"{row['gene']} {row['label']}" if level == "variant" else row["gene"])
            assert cases == _fraction(row["case_carriers"], row["case_assessable"])
            assert controls == _fraction(row["control_carriers"], row["control_assessable"])
            assert _shown_equals(p, row["p_value"]) and _shown_equals(q, row["q_value"]), (level, row["id"], p, q)
            if row["testable"] == "no":
                assert odds == "NA" and note.startswith("not testable")
            elif row["note"].startswith("or_not_estimable="):
                assert odds.startswith("not estimable (") and row["odds_ratio"] in ("0.0", "Inf")
                limits = re.search(r"; CI (\S+)\u2013(\S+)$", odds)
                if row["note"].split(";")[0] in ("or_not_estimable=no_carriers", "or_not_estimable=all_carriers"):
                    assert limits is None
                else:
                    assert _shown_equals(limits.group(1), row["ci_low"]) and _shown_equals(limits.group(2),
                                                                                           row["ci_high"])
            else:
                match = re.fullmatch(r"(\S+) \((\S+)\u2013(\S+)\)", odds)
                assert match, odds
                for text, column in zip(match.groups(), ("odds_ratio", "ci_low", "ci_high")):
                    assert _shown_equals(text, row[column]), (level, row["id"], column, text, row[column])
            excluded = re.search(r"excluded_samples=(\d+)", row["note"])
            if excluded:
                assert f"{excluded.group(1)} sample(s) not assessable, left out" in note
            else:
                assert "left out" not in note


def _page_text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment)))


def test_generated_report_says_what_reached_significance(generated):
    """Section 6 gave p and q but never said which tests were significant at the run's alpha, nor what 'not
    significant' means; the first paragraph did not say whether anything was found. Both now count, per level, the
    testable tests with q <= alpha (named, with q) and p <= alpha, as recomputed here from the test tables."""
    paths, _, page = generated
    alpha = 0.1
    found = []
    text = _page_text(section_text(page, "tests"))
    for level, name in (("variant", "per variant"), ("gene", "per gene"), ("biallelic", "per gene, biallelic")):
        testable = [row for row in read_tests(paths[f"{level}_tests"]) if row["testable"] == "yes"]
        significant = [row for row in testable if float(row["q_value"]) <= alpha]
        nominal = sum(float(row["p_value"]) <= alpha for row in testable)
        names = [f"{row['gene']} {row['label']}" if level == "variant" else row["gene"] for row in significant]
        expected = f"{name}, {len(significant)} of {len(testable)} testable test(s)"
        if names:
            expected += ": " + ", ".join(f"{n} (q = {float(r['q_value']):.3g})" for n, r in zip(names, significant))
        assert expected + f" ({nominal} with p \u2264 0.1 before the correction)" in text, (level, expected)
        found += [(name, n) for n in names]
    assert found  # the generated cohort has a variant with q <= 0.1
    assert "it is not evidence that there is none" in text
    opening = _page_text(page[page.index("<h1>"):page.index("<nav>")])
    assert "Tests with q \u2264 0.1 (section 6): " + ", ".join(f"{level} {n}" for level, n in found) in opening


def test_report_says_when_no_test_reached_significance(built):
    opening = _page_text(built[2][built[2].index("<h1>"):built[2].index("<nav>")])
    assert all(float(row["q_value"]) > 0.05 for level in ("variant", "gene", "biallelic")
               for row in read_tests(built[0][f"{level}_tests"]) if row["testable"] == "yes")
    assert "No case/control test reached q \u2264 0.05 (section 6)." in opening


def test_generated_report_power_tables_equal_power_tsv(generated):
    paths, _, page = generated
    tables = page_tables(page)["power"]
    power = read_tests(paths["power"])
    assert {row["alpha"] for row in power} == {"0.1"}
    assert "\u03b1 = 0.1" in html.unescape(section_text(page, "power"))
    for table_rows, level in zip(tables, ("gene", "variant")):
        header, *body = table_rows
        rows = [row for row in power if row["level"] == level]
        assert len(body) == len(rows)
        for shown, row in zip(body, rows):
            assert shown[1] == _fraction(row["control_carriers"], row["control_assessable"])
            assert shown[2] == row["case_assessable"]
            for text, column in zip(shown[3:6], ("power_or_2", "power_or_5", "power_or_10")):
                if row[column] == "NA":
                    assert text == "NA"
                else:
                    value = float(row[column])
                    assert text == ("<1%" if 0 < value < 0.005 else ">99%" if 0.995 <= value < 1
                                    else f"{round(100 * value)}%"), (row["id"], column, text, value)
            need = row["min_significant_case_carriers"]
            assert shown[7] == ("NA" if need == "NA" else f"{need}/{row['case_assessable']}")


def test_generated_report_power_smallest_odds_ratio_equals_power_tsv(generated):
    """The 'Smallest OR with 80% power' column (with the case carrier share it implies) read back against power.tsv."""
    paths, _, page = generated
    power = read_tests(paths["power"])
    checked = 0
    for table_rows, level in zip(page_tables(page)["power"], ("gene", "variant")):
        rows = [row for row in power if row["level"] == level]
        for shown, row in zip(table_rows[1:], rows):
            value = row["min_detectable_or_power_80"]
            if value == "NA":
                assert shown[6] == "NA", (row["id"], shown[6])
                continue
            match = re.fullmatch(r"(\S+) \((\S+)% of cases\)", shown[6])
            assert match, shown[6]
            assert abs(float(match.group(1)) - float(value)) <= 0.05 * float(value), (row["id"], shown[6], value)
            assert abs(float(match.group(2)) - 100 * float(row["case_freq_at_min_detectable_or"])) <= 0.5
            checked += 1
    assert checked  # the generated cohort has tests with enough power somewhere


def test_qc_table_equals_sample_qc_tsv(built):
    """Section 2, cell by cell, against sample_qc.tsv: read counts with thousands separators, percentages and depth
    with two decimals, a value below its threshold marked, the flag in words."""
    paths, _, page = built
    header, *body = page_tables(page)["qc"][0]
    qc = read_tests(paths["qc"])
    assert [row[0] for row in body] == [row["sample"] for row in qc]
    for shown, row in zip(body, qc):
        cell = dict(zip(header, shown))
        assert cell["Group"] == row["group"]
        assert cell["Reads"] == f"{int(row['total_reads']):,}" and cell["Mapped reads"] == f"{int(row['mapped_reads']):,}"
        for title, column, flag in (("% mapped", "pct_mapped", "pct_mapped<"),
                                    ("Mean panel depth (x)", "mean_panel_depth", "mean_depth<"),
                                    ("% panel bases >= 20x", "pct_panel_20x", "pct_20x<")):
            below = flag in row["qc_flag"]
            assert cell[title] == f"{float(row[column]):.2f}" + (" \u25bc below" if below else ""), (row["sample"], title)
        assert (cell["QC flag"] == "pass") == (row["qc_flag"] == "pass")


def test_generated_report_carriers_equal_carriers_tsv(generated):
    """Section 3 lists each kept variant's carriers per group with het/hom/hemi as carriers.tsv has them."""
    paths, _, page = generated
    (table_rows,) = page_tables(page)["variants"][:1]
    header, *body = table_rows
    column = {name: index for index, name in enumerate(header)}
    calls = read_tests(paths["carriers"])
    short = {"het": "het", "hom_alt": "hom", "hemizygous": "hemi"}
    variants = read_tests(paths["variants"])
    assert len(body) == len(variants)
    for shown, variant in zip(body, variants):
        for group, title in (("case", "Carriers: cases"), ("control", "Carriers: controls")):
            want = [f"{c['sample']} ({short[c['state']]})" for c in calls
                    if c["variant_id"] == variant["variant_id"] and c["group"] == group and c["state"] in short]
            group_calls = [c for c in calls if c["variant_id"] == variant["variant_id"] and c["group"] == group]
            assessable = sum(c["state"] != "not_assessable" for c in group_calls)
            # no carrier: "none" only when every call of the group could be read
            none = ("none" if assessable == len(group_calls) else
                    f"none of the {assessable} assessable" if assessable else "none assessable")
            assert shown[column[title]] == (", ".join(want) or none)


def _carriers_per_patient(page: str) -> List[List[str]]:
    variants = section_text(page, "variants")
    start = variants.index("Carriers per patient and gene")
    return page_tables(f'<section id="x">{variants[start:]}</section>')["x"][0]


@pytest.mark.parametrize("fixture", ["built", "generated"])
def test_carriers_per_patient_equal_gene_status_and_carriers(fixture, request):
    """A clinician looking for one patient had to piece together from the per-variant rows whether two variants of a
    gene made the patient (possibly) biallelic: gene_status.tsv's conclusion was in no table. Section 3 now lists,
    per patient and gene, the status and the variants carried with their genotype, read back here from the TSVs."""
    paths, _, page = request.getfixturevalue(fixture)
    header, *body = _carriers_per_patient(page)
    assert header == ["Patient (group)", "Gene", "Status", "Kept variants carried (genotype)"]
    order = {row["sample"]: n for n, row in enumerate(csv.DictReader(open(paths["samples"])))}
    statuses = sorted((row for row in read_tests(paths["gene_status"]) if row["status"] not in ("none", "not_assessable")),
                      key=lambda row: order[row["sample"]])
    calls = {(row["sample"], row["variant_id"]): row for row in read_tests(paths["carriers"])}
    labels = {row["variant_id"]: row["label"] if row["label"] != "NA" else row["hgvsp"]
              for row in read_tests(paths["variants"])}
    flags = {row["sample"]: row["qc_flag"] for row in read_tests(paths["qc"]) if row["qc_flag"] != "pass"}
    short = {"het": "het", "hom_alt": "hom", "hemizygous": "hemi"}
    assert len(body) == len(statuses)
    for shown, row in zip(body, statuses):
        patient = f"{row['sample']} ({row['group']})" + (f"; QC flag: {flags[row['sample']]}" if row["sample"] in flags
                                                          else "")
        assert shown[0] == patient and shown[1] == row["gene"]
        carried = row["carried_variants"].split(";")
        if row["status"] == "monoallelic" and row["n_not_assessable"] != "0":
            # a second hit not ruled out: COHORT_STATS leaves the patient out of the biallelic test
            assert "not biallelic" not in shown[2] and "biallelic or not is UNKNOWN" in shown[2]
            assert f"({row['not_assessable_variants'].replace(';', ', ')})" in shown[2]
        elif row["status"] != "monoallelic" or len(carried) == 1:
            assert shown[2] == report.GENE_STATUS_TEXT[row["status"]]
        assert shown[3] == "; ".join(f"{labels[v]} ({short[calls[(row['sample'], v)]['state']]})" for v in carried)
    if fixture == "built":
        assert {row["status"] for row in statuses} >= {"possible_compound_het", "biallelic_hom", "monoallelic"}


def test_a_monoallelic_carrier_with_a_variant_not_assessable_is_not_called_not_biallelic(tmp_path):
    """ctrl_01 carries STX11 D17G (het) and a second STX11 record that could not be assessed in them (no
    annotation for its ALT): SCREEN says monoallelic, COHORT_STATS leaves ctrl_01 out of the biallelic test
    (a second hit is not ruled out), but the carrier table said '(a carrier; not biallelic)'. Two hets in cis
    read 'one kept variant'."""
    no_ann = "chr6:144186100:C:T"
    variants = VARIANTS + [dict(variant_id=no_ann, gene="STX11", af_status="novel", decision="dropped",
                                reasons="not_annotated", whitelisted="no", n_het="1", n_ref="6", n_not_assessable="0",
                                annotation_match="no_annotation", unconfirmed="yes", unconfirmed_samples="ctrl_01")]
    paths = make_inputs(tmp_path / "in", variants, {**UNCONFIRMED, no_ann: ["ctrl_01"]})
    rows = {(row[0], row[1]): row for row in _carriers_per_patient(run(paths, tmp_path / "out")["html"].read_text(
        encoding="utf-8"))[1:]}
    status = html.unescape(rows[("ctrl_01 (control)", "STX11")][2])
    assert "not biallelic" not in status and status == (
        f"one kept variant, heterozygous (a carrier); biallelic or not is UNKNOWN: 1 other variant(s) of the gene "
        f"could not be assessed in this patient ({no_ann}), so a second hit is not ruled out (left out of the "
        "biallelic test)")
    stx11 = {row["id"]: row for row in read_tests(paths["biallelic_tests"])}["STX11"]
    assert "excluded_samples" in stx11["note"]  # the statistics agree: not a biallelic non-carrier
    # PRF1's plain monoallelic carrier keeps the plain words
    assert html.unescape(rows[("ctrl_01 (control)", "PRF1")][2]) == report.GENE_STATUS_TEXT["monoallelic"]
    cis = cohort.GeneStatus("s", "case", "PRF1", "monoallelic", 2, 0, (), (A91V, W374X))
    assert report.gene_status_text(cis).startswith("heterozygous variants all on one copy (in cis")


def test_generated_report_hemizygous_counts_agree(generated):
    """A hemizygous male carries at variant, gene and biallelic level: the counts of the X-linked gene in the
    gene and biallelic tables equal the carriers recomputed from carriers.tsv."""
    paths, _, _ = generated
    calls = [c for c in read_tests(paths["carriers"]) if c["gene"] == GEN_X_GENE]
    hemi = {c["sample"] for c in calls if c["state"] == "hemizygous"}
    assert hemi
    status = {(row["sample"]): row["status"] for row in read_tests(paths["gene_status"]) if row["gene"] == GEN_X_GENE}
    assert all(status[sample] == "hemizygous" for sample in hemi)
    biallelic = {row["id"]: row for row in read_tests(paths["biallelic_tests"])}[GEN_X_GENE]
    for group in ("case", "control"):
        want = sum(1 for s, st in status.items()
                   if st in ("hemizygous", "biallelic_hom", "possible_compound_het", "compound_het")
                   and next(c["group"] for c in calls if c["sample"] == s) == group)
        assert int(biallelic[f"{group}_carriers"]) == want


def test_generated_multiqc_equals_gene_tests(generated):
    paths, written, _ = generated
    lines = [line for line in written["multiqc"].read_text().splitlines() if not line.startswith("#")]
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"))) for line in lines[1:]]
    tests = read_tests(paths["gene_tests"])
    assert [row["gene"] for row in rows] == [row["gene"] for row in tests]
    for row, test in zip(rows, tests):
        for column in ("case_carriers", "case_assessable", "control_carriers", "control_assessable", "testable"):
            assert row[column] == test[column]
        for column in ("ci_low", "ci_high", "p_value", "q_value"):
            assert _shown_equals(row[column], test[column]), (test["id"], column)


MQC_TABLE_COLUMNS = {"hlhscreen_sample_qc": qc.COLUMNS, "hlhscreen_report_summary": report.MQC_COLUMNS,
                     "hlhscreen_sex_check": sex_lib.COLUMNS}


def test_multiqc_config_lists_every_column_of_the_numeric_tables_in_order():
    """MultiQC shows a custom table's numbers with one decimal unless its config gives a format, and then shows only
    the columns listed: each table's headers are exactly the tool's columns (the first is the row name), in order."""
    config = yaml.safe_load((REPO / "assets/multiqc_config.yml").read_text())["custom_data"]
    for table, columns in MQC_TABLE_COLUMNS.items():
        headers = config[table]["headers"]
        assert list(headers) == list(columns[1:]), table
        placements = [header["placement"] for header in headers.values()]
        assert placements == sorted(placements) and len(set(placements)) == len(placements), table


@pytest.mark.skipif(shutil.which("multiqc") is None, reason="MultiQC is not installed")
def test_multiqc_shows_the_gene_tests_with_their_digits(generated, tmp_path):
    """MultiQC's default '{:,.1f}' showed a CI limit of 0.0064 as "0.0" and p = 0.429 as "0.4" in the gene table
    (report_summary_mqc.tsv); with the config's formats each cell shows the TSV's value."""
    _, written, _ = generated
    (tmp_path / "in").mkdir()
    shutil.copy(written["multiqc"], tmp_path / "in")
    subprocess.run(["multiqc", "--force", "--config", str(REPO / "assets/multiqc_config.yml"), "-o", str(tmp_path / "out"),
                    str(tmp_path / "in")], check=True, capture_output=True)
    page = (tmp_path / "out/multiqc_report.html").read_text(encoding="utf-8")
    cells = re.findall(r'<td class="data-coloured (\w+) [^"]*"><div class="wrapper">.*?<span class="val">(.*?)</span>',
                       page)
    lines = [line.split("\t") for line in written["multiqc"].read_text().splitlines() if not line.startswith("#")]
    rows = [dict(zip(lines[0], line)) for line in lines[1:]]
    shown: Dict[str, List[str]] = {}
    for column, text in cells:
        shown.setdefault(column, []).append(re.sub(r"<[^>]+>", "", text))
    assert shown, "no MultiQC table cells found"
    for column in ("ci_low", "ci_high", "p_value", "q_value", "case_carriers", "control_assessable"):
        want = []
        for row in rows:
            value = row[column]
            number = float(value) if value not in ("NA", "not estimable") else None
            want.append(value if number is None else "inf" if math.isinf(number) else f"{number:g}")
        assert shown[column] == want, (column, shown[column], want)
    assert shown["testable"] == [row["testable"] for row in rows]


def test_generated_report_escapes_names_and_is_self_contained(generated):
    paths, _, page = generated
    names = [row["sample"] for row in read_tests(paths["carriers"])] + [row["label"] for row in
                                                                     read_tests(paths["variants"])]
    raw = [name for name in set(names) if re.search(r"[<>&\"']", name)]
    assert raw
    body = page.split("<body>", 1)[1]
    assert "<script" not in page.lower() and "<b>" not in body
    text = html.unescape(re.sub(r"<[^>]+>", "", body))
    for name in raw:
        assert name in text  # shown as written, not dropped or mangled
        assert html.escape(name) in body  # escaped (quotes too) ...
        if re.search(r"[<>\"']", name):
            assert name not in body  # ... never as raw markup
    assert not re.search(r"https?://", page.replace("http://www.w3.org/2000/svg", ""))
    for source in re.findall(r'<img src="([^"]+)"', page):
        svg = base64.b64decode(source.split(",", 1)[1]).decode("utf-8")
        assert not re.search(r"(?:href|src)\s*=\s*[\"']?(?:https?:)?//", svg)


@pytest.mark.parametrize("cells, p_text", [((60, 60, 0, 60), "2.07e-35"), ((500, 500, 0, 500), "7.40e-300"),
                                           ((535, 535, 0, 535), "6.48e-321"), ((600, 600, 0, 600), "0")])
def test_tiny_p_values_keep_their_exponent_and_a_zero_is_explained(cells, p_text):
    """R's values (fisher_extreme_reference.tsv): 2.07e-35, 7.40e-300, 6.48e-321 (subnormal) and 0 (R underflows
    too). The report shows them as such, and explains a 0 instead of leaving a bare 'p = 0'."""
    row = _test_row(*cells)
    data = types.SimpleNamespace(params={}, panel=None, power={}, tests={"variant": [], "gene": [row], "biallelic": []})
    text = html.unescape(report.tests_section(data))
    assert f'<td class="num">{p_text}</td>' in report.tests_section(data)
    assert ("p = 0 (and q = 0): the probability is below the smallest number" in text) == (p_text == "0")


def _matrix_inputs(n_samples: int, n_variants: int):
    samples = [(f"s{i:04d}", "case" if i < n_samples // 4 else "control") for i in range(n_samples)]
    variants = [(f"chr1:{i}:A:G", f"GENE p.Xaa{i}Yaa") for i in range(n_variants)]
    cycle = ("het", "hom_alt", "ref", "not_assessable", "ref", "ref")
    states = {(s, v): cycle[(i + j) % len(cycle)] for i, (s, _) in enumerate(samples) for j, (v, _) in enumerate(variants)}
    return samples, variants, states


def test_carrier_matrix_of_many_samples_stays_readable():
    """1,000 samples: 9-pt shapes in 2.6-pt columns overlapped into black smears and 1,000 rotated names were
    unreadable. Now: one coloured square per call, no sample names (the axis says why), counts unchanged."""
    samples, variants, states = _matrix_inputs(1000, 25)
    drawn = figures.carrier_matrix(samples, variants, states)
    assert drawn.compact and set(drawn.markers.values()) == {"s"}
    ax = drawn.figure.axes[0]
    assert not [t for t in ax.get_xticklabels() if t.get_text()] and "1000" in ax.get_xlabel()
    assert sum(drawn.counts.values()) == 25 * 1000
    sizes = {line.get_markersize() for line in ax.get_lines() if line.get_label() in drawn.legend_labels}
    width_pt = drawn.figure.get_figwidth() * 72 * ax.get_position().width
    assert max(sizes) <= width_pt / 1000 * 1.5  # a mark no wider than about its column
    # the markers go into the SVG as one bitmap: a vector mark per cell would make the report tens of MB
    png, svg = figures.render(drawn.figure)
    assert b"<image" in svg and len(svg) < 2_000_000


def test_carrier_matrix_of_a_study_keeps_shapes_and_names():
    samples, variants, states = _matrix_inputs(44, 10)
    drawn = figures.carrier_matrix(samples, variants, states)
    assert not drawn.compact and len(set(drawn.markers.values())) == len(drawn.markers)
    assert [t.get_text() for t in drawn.figure.axes[0].get_xticklabels()] == [s for s, _ in samples]
    assert b"<image" not in figures.render(drawn.figure)[1]


def test_large_matrix_is_shown_full_size_in_a_scrolling_frame(tmp_path):
    paths = generated_cohort(tmp_path / "in", n_cases=130, n_controls=400, n_variants=8, seed=3)
    page = run(paths, tmp_path / "out")["html"].read_text(encoding="utf-8")
    matrix = section_text(page, "matrix")
    assert '<div class="scroll"><img src="data:image/svg+xml;base64,' in matrix
    assert "too many samples for a shape per call" in matrix and "scroll inside its frame" in matrix
    assert '<div class="scroll">' not in section_text(page, "forest")


def test_many_exclusions_are_counted_per_test_and_listed_in_full_below(generated):
    """A large cohort leaves thousands of (sample, test) pairs out; section 1 shows a count per test, with
    the full sample-by-sample list folded under it (<details>, no script). Counts equal the test tables'
    excluded_samples notes."""
    paths, _, page = generated
    cohort_html = section_text(page, "cohort")
    counts_table, full_table = page_tables(page)["cohort"][:2]
    assert counts_table[0] == ["Left out of", "Cases left out", "Controls left out"]
    assert "<details><summary>All " in cohort_html
    assert len(full_table) - 1 > report.MAX_LISTED_EXCLUSIONS
    shown = {row[0]: int(row[1]) + int(row[2]) for row in counts_table[1:]}
    assert sum(shown.values()) == len(full_table) - 1
    expected = {}
    for level in ("variant", "gene", "biallelic"):
        for row in read_tests(paths[f"{level}_tests"]):
            match = re.search(r"excluded_samples=(\d+)", row["note"])
            if match:
                name = (f"variant {row['gene']} {row['label']}" if level == "variant"
                        else f"gene {row['gene']} ({'any carrier' if level == 'gene' else 'biallelic'})")
                expected[name] = int(match.group(1))
    assert shown == expected
    assert list(shown) == [name for name in expected]  # in the order of the test tables


def _excluded_rows(path: Path) -> List[List[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == list(report.EXCLUDED_COLUMNS)
    return [line.split("\t") for line in lines[1:]]


def test_excluded_samples_file_holds_the_listed_exclusions(generated):
    """excluded_samples.tsv is written for every run and holds exactly the rows section 1 lists."""
    _, written, page = generated
    full_table = page_tables(page)["cohort"][1]
    assert _excluded_rows(written["excluded"]) == [row for row in full_table[1:]]
    assert report.EXCLUDED_FILE not in section_text(page, "cohort")  # listed in the page: no pointer needed


def test_too_many_exclusions_for_the_page_are_counted_and_named_in_the_file(tmp_path, monkeypatch):
    """Thousands of samples: section 1 listed ~290,000 (sample, test) rows at 5,000 samples (105 MB of HTML).
    Above MAX_HTML_EXCLUSIONS the page keeps counts (section 1 per test, section 3 per variant and gene) and
    points to excluded_samples.tsv, which names every one; the counts still equal the test tables' notes."""
    paths = generated_cohort(tmp_path / "in", alpha=0.1)
    listed = run(paths, tmp_path / "listed")
    listed_rows = _excluded_rows(listed["excluded"])
    monkeypatch.setattr(report, "MAX_HTML_EXCLUSIONS", len(listed_rows) - 1)
    written = run(paths, tmp_path / "counted")
    page = written["html"].read_text(encoding="utf-8")
    assert _excluded_rows(written["excluded"]) == listed_rows  # the same exclusions, every one
    cohort_html = section_text(page, "cohort")
    assert "<details>" not in cohort_html and report.EXCLUDED_FILE in cohort_html
    counts_table = page_tables(page)["cohort"][0]
    assert counts_table[0] == ["Left out of", "Cases left out", "Controls left out"]
    assert sum(int(row[1]) + int(row[2]) for row in counts_table[1:]) == len(listed_rows)
    sample_names = {row[0] for row in listed_rows}
    variants_html = html.unescape(re.sub(r"<[^>]+>", " ", section_text(page, "variants")))
    # section 3: not-assessable samples counted per variant and per gene, nobody named for being left out
    carriers = {row["sample"] for row in read_tests(paths["carriers"]) if row["state"] in ("het", "hom_alt", "hemizygous")}
    assert not [name for name in sample_names - carriers if f"{name} (" in variants_html]
    by_variant = {}
    for row in read_tests(paths["carriers"]):
        if row["state"] == "not_assessable":
            by_variant.setdefault(row["variant_id"], {"case": 0, "control": 0})[row["group"]] += 1
    for variant_id, count in by_variant.items():
        total = count["case"] + count["control"]
        assert f"{total} samples ({count['case']} cases, {count['control']} controls): " in variants_html, variant_id
    gene_table = next(t for t in page_tables(page)["variants"] if t[0][0] == "Gene" and len(t[0]) == 3)
    assert gene_table[0] == ["Gene", "Cases not assessable", "Controls not assessable"]
    statuses = read_tests(paths["gene_status"])
    for gene, cases, controls in gene_table[1:]:
        assert int(cases) == sum(1 for r in statuses if r["gene"] == gene and r["group"] == "case"
                                 and r["status"] == "not_assessable")
        assert int(controls) == sum(1 for r in statuses if r["gene"] == gene and r["group"] == "control"
                                    and r["status"] == "not_assessable")


def test_carrier_figure_above_the_sample_limit_sums_each_group():
    """5,000 samples drew a call as one pixel: lone carriers vanished. Above MAX_MATRIX_SAMPLES the figure shows
    per variant and group the carriers among the assessable samples, with the numbers printed."""
    n = figures.MAX_MATRIX_SAMPLES
    samples, variants, states = _matrix_inputs(n + 1, 4)
    drawn = figures.carrier_figure(samples, variants, states)
    assert drawn.aggregated and not drawn.compact
    assert drawn.counts == {state: sum(1 for value in states.values() if value == state) for state in figures.STATE_ORDER}
    texts = [t.get_text() for ax in drawn.figure.axes for t in ax.texts]
    group_of = dict(samples)
    for group in ("case", "control"):
        for variant_id, _ in variants:
            calls = [value for (sample, vid), value in states.items() if vid == variant_id and group_of[sample] == group]
            carriers = sum(value in ("het", "hom_alt", "hemizygous") for value in calls)
            missing = calls.count("not_assessable")
            assert f"{carriers}/{len(calls) - missing} ({missing} n.a.)" in texts
    assert [ax.get_title() for ax in drawn.figure.axes] == [f"Cases (n={(n + 1) // 4})",
                                                            f"Controls (n={n + 1 - (n + 1) // 4})"]
    assert not figures.carrier_figure(*_matrix_inputs(44, 4)).aggregated  # a study keeps its matrix


def test_report_above_the_sample_limit_says_the_matrix_is_summed(tmp_path, monkeypatch):
    monkeypatch.setattr(figures, "MAX_MATRIX_SAMPLES", 20)
    paths = generated_cohort(tmp_path / "in")  # 23 samples
    page = run(paths, tmp_path / "out")["html"].read_text(encoding="utf-8")
    matrix = html.unescape(section_text(page, "matrix"))
    assert "summed per group" in matrix and 'alt="Carriers of each kept variant per group"' in matrix


def test_report_refuses_a_cohort_of_one_group(tmp_path):
    """All samples one group is refused at start; if the report gets such a samples CSV anyway it stops with
    the fix instead of printing a comparison without controls."""
    paths = make_inputs(tmp_path / "in")
    paths["samples"].write_text("sample,group\n" + "".join(f"{s},case\n" for s in SAMPLES))
    with pytest.raises(UserInputError) as caught:
        run(paths, tmp_path / "out")
    assert "no samples in group 'control'" in str(caught.value)
    assert not (tmp_path / "out" / "hlhscreen_report.html").exists()


@pytest.mark.parametrize("sample, gene, status, carried, field, words", [
    # case_02 is hom_alt at W374X: as 'monoallelic' it would count as a biallelic non-carrier
    ("case_02", "PRF1", "monoallelic", W374X, "status", "is 'monoallelic', but carriers.tsv has"),
    # ctrl_02 carries G34S: a gene_status row without it would hide a variant-level carrier from the gene test
    ("ctrl_02", "UNC13D", "none", "NA", "carried_variants", "not listed here"),
])
def test_gene_status_that_contradicts_carriers_is_refused(tmp_path, sample, gene, status, carried, field, words):
    """carriers.tsv and gene_status.tsv of different runs (or edited): the variant-level and gene-level counts
    would disagree silently (e.g. a homozygote missing from the biallelic test); the report refuses them."""
    paths = make_inputs(tmp_path / "in")
    lines = [line.split("\t") for line in paths["gene_status"].read_text().splitlines()]
    for row in lines[1:]:
        if row[0] == sample and row[2] == gene:
            row[3], row[4] = status, carried
    paths["gene_status"].write_text("\n".join("\t".join(row) for row in lines) + "\n")
    with pytest.raises(UserInputError) as caught:
        run(paths, tmp_path / "out")
    message = str(caught.value)
    assert "gene_status.tsv:" in message and f": {field}: " in message and words in message, message
    assert "of one SCREEN run" in message


def test_statuses_allowed_by_carried_calls():
    assert cohort.allowed_statuses([]) == ("none", "not_assessable")
    assert cohort.allowed_statuses(["het", "hemizygous"]) == ("hemizygous",)
    assert cohort.allowed_statuses(["het", "hom_alt"]) == ("biallelic_hom",)
    assert cohort.allowed_statuses(["het"]) == ("monoallelic",)
    assert set(cohort.allowed_statuses(["het", "het"])) == {"monoallelic", "compound_het", "possible_compound_het"}


def test_power_alpha_without_any_test_comes_from_conf_level():
    empty = types.SimpleNamespace(power={}, params={"conf_level": 0.9})
    assert report.power_alpha(empty) == 0.1
    assert report.power_alpha(types.SimpleNamespace(power={}, params={})) is None
    assert report.power_alpha(types.SimpleNamespace(power={}, params={"conf_level": "x"})) is None


def test_dollar_signs_in_names_are_drawn_as_written():
    """matplotlib reads $...$ as math: 'pt$2$x' was drawn as 'pt2x' and 'x$\\frac$' crashed the report."""
    samples = [("x$\\frac$", "case"), ("pt$2$x", "case"), ("k$^1$", "control")]
    variants = [("v1", "PRF1$x$ p.A$1$V")]
    states = {(s, "v1"): "het" for s, _ in samples}
    drawn = figures.carrier_matrix(samples, variants, states)
    png, svg = figures.render(drawn.figure)  # no ParseSyntaxException
    ax = drawn.figure.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == [s for s, _ in samples]
    assert all(not t.get_parse_math() for t in ax.get_xticklabels() + ax.get_yticklabels())
    forest = figures.gene_forest([figures.ForestRow("G$1$", True, 2.0, 1.0, 4.0, "1/2 vs 1/4  $x$")])
    figures.render(forest.figure)
    assert all(not t.get_parse_math() for t in forest.figure.axes[0].get_yticklabels())


def test_a_gene_off_the_reference_or_capture_is_not_reported_as_no_carriers():
    """panel_callability says the gene was not (fully) assessed: its 0-carrier test row says so."""
    row = _test_row(0, 12, 0, 32)
    gaps = {"G": {"gene": "G", "status": "not_callable", "reason": "outside the capture targets (kit.bed)"}}
    shown = report.tests_table([row], "gene", not_called=gaps)
    assert "NOT ASSESSED: outside the capture targets (kit.bed) (section 2)" in shown
    assert 'class="untestable"' in shown
    partly = {"G": {"gene": "G", "status": "partly_callable", "reason": "contig chrX is not in the reference"}}
    assert "only partly assessed: contig chrX is not in the reference (section 2)" in report.tests_table(
        [row], "gene", not_called=partly)
    assert "NOT ASSESSED" not in report.tests_table([row], "gene")


def test_a_gene_not_assessed_in_the_run_is_excluded_from_its_tests_in_the_tables_and_the_report(tmp_path):
    """COHORT_STATS given panel_callability excludes every sample of a not_callable gene; the report checks
    the test counts by the same rule, lists the samples as left out and names the reason once per row."""
    paths = make_inputs(tmp_path / "inputs")
    callability = tmp_path / "panel_callability.tsv"
    callability.write_text("gene\tchrom\tregions\tregion_bp\tcallable_bp\tpct_callable\tstatus\treason\n"
                           "PRF1\tchr10\t3\t1840\t1840\t100.0\tcallable\tNA\n"
                           "STX11\tchr6\t2\t5516\t0\t0.0\tnot_callable\toutside the capture targets (kit.bed)\n")
    written = cohort.run_cohort_stats(paths["carriers"], paths["gene_status"], paths["samples"], tmp_path / "cohort",
                                      callability=callability)
    stats = dict(paths, variant_tests=written["variant"], gene_tests=written["gene"],
                 biallelic_tests=written["biallelic"], power=written["power"])
    stx11 = next(row for row in read_tests(written["gene"]) if row["gene"] == "STX11")
    assert (stx11["testable"], stx11["case_assessable"], stx11["control_assessable"]) == ("no", "0", "0")
    out = report.run_report(stats["samples"], stats["qc"], stats["variants"], stats["carriers"], stats["gene_status"],
                            stats["variant_tests"], stats["gene_tests"], stats["biallelic_tests"], stats["power"],
                            stats["versions"], stats["params"], tmp_path / "out", RUN_DATE,
                            panel_callability=callability)
    page = out["html"].read_text(encoding="utf-8")
    tests = section_text(page, "tests")
    assert "NOT ASSESSED: outside the capture targets (kit.bed) (section 2)" in tests
    assert "STX11 was not assessed in this run (outside the capture targets (kit.bed))" in page
    # the same test tables without the callability table break the report's count check: one rule, both steps
    with pytest.raises(UserInputError):
        run(stats, tmp_path / "out2")


def run_with_callability(paths: Dict[str, Path], folder: Path, *rows: str) -> Dict[str, Path]:
    """The report with a panel_callability.tsv of ``rows`` (its lines after the header), into ``folder``/out."""
    callability = folder / "panel_callability.tsv"
    callability.write_text("gene\tchrom\tregions\tregion_bp\tcallable_bp\tpct_callable\tstatus\treason\n" + "".join(rows))
    return report.run_report(paths["samples"], paths["qc"], paths["variants"], paths["carriers"], paths["gene_status"],
                             paths["variant_tests"], paths["gene_tests"], paths["biallelic_tests"], paths["power"],
                             paths["versions"], paths["params"], folder / "out", RUN_DATE, panel_callability=callability)


def test_panel_genes_without_any_test_are_named_screened_with_no_carrier_or_not_assessed(tmp_path):
    """A panel gene with no kept (or unconfirmed) variant has no row in gene_status.tsv and so no test. The report
    says which of those were screened with no carrier at all (0 of n in both groups, nothing to compare) and which
    were not assessed, in the summary and in sections 5, 6 and 7. Before: a screened gene with 0 carriers appeared
    nowhere in the report, so a reader could not tell it from a gene that was never looked at."""
    paths = make_inputs(tmp_path / "inputs")
    out = run_with_callability(paths, tmp_path, "PRF1\tchr10\t3\t1840\t1840\t100.0\tcallable\tNA\n",
                               "UNC13D\tchr17\t32\t4272\t4272\t100.0\tcallable\tNA\n",
                               "STX11\tchr6\t2\t5516\t5516\t100.0\tcallable\tNA\n",
                               "STXBP2\tchr19\t19\t1999\t1999\t100.0\tcallable\tNA\n",
                               "LYST\tchr1\t52\t13784\t6000\t43.5\tpartly_callable\toutside the capture targets (kit.bed)\n",
                               "XIAP\tchrX\t7\t8600\t0\t0.0\tnot_callable\toutside the capture targets (kit.bed)\n")
    page = out["html"].read_text(encoding="utf-8")
    screened = ("Screened, but no variant of these genes passed the screen in any sample: no carrier among the 3 "
                "cases and 4 controls, so there is nothing to compare and no test: STXBP2; LYST (in its called part "
                "only, 43.5% of its panel bases: outside the capture targets (kit.bed); section 2).")
    unassessed = ("Not assessed in this run, so no test and no conclusion about carriers (section 2): XIAP (outside "
                  "the capture targets (kit.bed)).")
    text = " ".join(section_text(page, "tests").split())
    assert screened in text and unassessed in text
    brief = ("Panel genes with no test (screened, no carrier in any sample: STXBP2, LYST; not assessed in this run: "
             "XIAP): see section 6.")
    for anchor in ("forest", "power"):  # named in one sentence, pointing to section 6
        assert brief in " ".join(section_text(page, anchor).split()), anchor
    top = page[:page.index("<nav")] if "<nav" in page else page[:3000]
    assert "2 panel genes screened with no carrier (no kept variant): STXBP2, LYST." in " ".join(top.split())
    # without the panel's gene list the report cannot tell, and says so
    plain = html.unescape(" ".join(section_text(run(paths, tmp_path / "plain")["html"].read_text(encoding="utf-8"),
                                                "tests").split()))
    assert ("Panel genes without any kept variant are not listed (the report was not given the panel's gene list, "
            "panel_callability.tsv).") in plain


def test_kept_variants_say_beside_them_what_was_not_assessed(tmp_path):
    """Section 3, the findings, did not say that genes off the reference or the capture were never screened (only
    section 2 and the first paragraph did), nor which carriers were flagged by QC, nor what 'novel' and 'Not
    assessable' mean: a patient without a row could be read as carrying nothing in a gene nobody looked at."""
    paths = make_inputs(tmp_path / "inputs")
    out = run_with_callability(paths, tmp_path, "PRF1\tchr10\t3\t1840\t1840\t100.0\tcallable\tNA\n",
                               "LYST\tchr1\t52\t13784\t6000\t43.5\tpartly_callable\toutside the capture targets (kit.bed)\n",
                               "XIAP\tchrX\t7\t8600\t0\t0.0\tnot_callable\toutside the capture targets (kit.bed)\n",
                               "RAB27A\tchr15\t5\t3489\t0\t0.0\tnot_callable\tcontig chr15 is not in the reference\n")
    variants = _page_text(section_text(out["html"].read_text(encoding="utf-8"), "variants"))
    table_start = variants.index("Gene Variant (GRCh38)")
    for sentence in ("Not screened in this run, so no row there means not assessed, not absent (section 2 says why): "
                     "XIAP, RAB27A.", "Screened only in part (section 2): LYST.",
                     "Flagged by QC (section 1; their genotypes still had to pass the depth and quality minimums): "
                     "ctrl_04 (mean_depth<20;pct_20x<90).",
                     "novel = absent from the gnomAD data used (it says nothing about the literature or ClinVar)",
                     "Not assessable = the sample's genotype at this variant could not be trusted"):
        assert 0 <= variants.find(sentence) < table_start, sentence
    plain = _page_text(section_text(run(paths, tmp_path / "plain")["html"].read_text(encoding="utf-8"), "variants"))
    assert "a gene without a row may not have been assessed" in plain


def test_power_lead_sentence_is_complete(built):
    """The power section's lead ended 'only large odds ratios can be.' (a clause cut short), and said so whatever
    the cohort's size; it now names the level and says what holds for a small cohort."""
    _, _, page = built
    lead = html.unescape(re.search(r'<section id="power">.*?<p class="lead">(.*?)</p>', page, re.S).group(1))
    assert lead.endswith("(tested at \u03b1 = 0.05); a small cohort can detect only large odds ratios.")
    assert "can be." not in lead


def test_the_methods_name_a_refseq_or_merged_vep_cache():
    """--vep_cache_type decides which transcripts the consequences are given on: the methods text says so."""
    from hlhscreen.report import annotator_text

    versions = {"ENSEMBLVEP_VEP": {"ensemblvep": "113.0"}}
    params = {"annotator": "vep", "vep_cache": "/data/vep", "vep_cache_version": 113}
    assert annotator_text(params, versions) == "Ensembl VEP 113.0 (offline cache, version 113)"
    assert annotator_text({**params, "vep_cache_type": "refseq"}, versions) == \
        "Ensembl VEP 113.0 (offline RefSeq cache, version 113)"
    assert "merged Ensembl/RefSeq cache" in annotator_text({**params, "vep_cache_type": "merged"}, versions)


# ------------------------------------------------------------------ printed (headless Chromium, pdftotext)

BROWSER = next((shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome") if shutil.which(name)),
               None)
needs_printing = pytest.mark.skipif(BROWSER is None or shutil.which("pdftotext") is None,
                                    reason="printing the report needs headless Chromium and pdftotext (poppler-utils)")


def printed_words(page: str, folder: Path) -> List[str]:
    """The words of the page printed to PDF by headless Chromium (A4/Letter default), as pdftotext reads them."""
    folder.mkdir(parents=True, exist_ok=True)
    source, pdf = folder / "page.html", folder / "page.pdf"
    source.write_text(page, encoding="utf-8")
    subprocess.run([BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", source.as_uri()], check=True, capture_output=True, timeout=180)
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return re.findall(r"\w+", text)


def _cell_words(tables: List[List[List[str]]]) -> List[str]:
    """The letters-and-digits runs of every cell (pdftotext splits a line's words at other characters too)."""
    return [word for table in tables for row in table for cell in row for word in re.findall(r"\w+", cell)]


def _printed_tables(page: str, section: str) -> List[List[List[str]]]:
    """The section's tables with a line break or block read as a space (a cell's lines are separate words on
    paper)."""
    return page_tables(re.sub(r"<(/?(?:br|div|p|li)\b)", r" <\1", page))[section]


@needs_printing
def test_printed_variant_table_keeps_every_column(tmp_path):
    """Printed (Chromium, A4), section 3's 10-column table with ClinVar ran off the right edge of the page: the
    'Not assessable' column and the control carriers were cut, so a printed report showed no reason why a
    sample was left out. Every word of every cell must be on paper."""
    paths = with_clinical_inputs(tmp_path)
    facts = tmp_path / "frequency_check.json"  # the longest gnomAD text: "not looked up: ..." on chr17 (G34S)
    facts.write_text(json.dumps({"gnomad_file": "g.vcf.gz", "contigs_not_covered": {"chr17": 3}}))
    written = report.run_report(paths["samples"], paths["qc"], paths["variants"], paths["carriers"],
                                paths["gene_status"], paths["variant_tests"], paths["gene_tests"],
                                paths["biallelic_tests"], paths["power"], paths["versions"], paths["params"],
                                tmp_path / "out", RUN_DATE, sex=paths["sex"], clinvar_release=paths["clinvar"],
                                frequency_check=facts)
    page = written["html"].read_text(encoding="utf-8")
    tables = _printed_tables(page, "variants")
    assert "Not assessable" in tables[0][0] and "ctrl_04 (control: read depth below 10)" in tables[0][1]
    assert any(row[3] == report.GNOMAD_NOT_LOOKED_UP for row in tables[0][1:])
    printed = set(printed_words(page, tmp_path / "print"))
    missing = [word for word in _cell_words(tables) if word not in printed]
    assert not missing, missing[:20]


@needs_printing
def test_printed_report_unfolds_the_folded_exclusion_list(generated, tmp_path):
    """Section 1 folds a long exclusion list in <details>; printed, a closed <details> showed its summary line
    only: the list the page says is complete was not on paper."""
    _, _, page = generated
    full_table = _printed_tables(page, "cohort")[1]
    assert "<details><summary>" in section_text(page, "cohort") and len(full_table) > report.MAX_LISTED_EXCLUSIONS
    printed = set(printed_words(page, tmp_path))
    missing = [word for word in _cell_words([full_table]) if word not in printed]
    assert not missing, missing[:20]


@needs_printing
def test_printed_scrolling_figure_is_whole(tmp_path):
    """A large carrier matrix is shown in a scrolling frame (at most 85% of the window high); printed, the frame
    clipped the figure to its first rows. The whole figure (its first and last label) must be on paper."""
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="2400" height="6000" viewBox="0 0 2400 6000">'
           '<text x="10" y="40" font-size="40">FIRSTROW</text><text x="10" y="5980" font-size="40">LASTROW</text>'
           '</svg>').encode()
    page = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>{report.CSS}</style></head><body>"
            f"{report.figure_html(svg, 'matrix', 'caption', scroll=True)}</body></html>")
    printed = printed_words(page, tmp_path)
    assert "FIRSTROW" in printed and "LASTROW" in printed


def test_a_reference_note_is_shown_with_the_panel_genes(tmp_path):
    """reference_notes.txt (PANEL_TO_REFERENCE): ALT contigs aligned ALT-unaware. Before, only the start-up log
    said so."""
    paths = make_inputs(tmp_path / "inputs")
    callability = tmp_path / "panel_callability.tsv"
    callability.write_text("gene\tchrom\tregions\tregion_bp\tcallable_bp\tpct_callable\tstatus\treason\n"
                           "PRF1\tchr10\t3\t1840\t1840\t100.0\tcallable\tNA\n")
    notes = tmp_path / "reference_notes.txt"
    notes.write_text("the reference has 2 ALT haplotype or patch contig(s) (chr6_GL000250v2_alt, ...) and the "
                     "alignment was not ALT-aware for 2 of them\n")
    args = cli_args(paths, tmp_path / "out") + ["--panel-callability", str(callability)]
    subprocess.run([sys.executable, str(BIN / "make_report.py"), *args, "--reference-notes", str(notes)], check=True)
    page = html.unescape((tmp_path / "out" / report.REPORT_FILE).read_text(encoding="utf-8"))
    assert ("<strong>Reference:</strong> The reference has 2 ALT haplotype or patch contig(s) (chr6_GL000250v2_alt, "
            "...) and the alignment was not ALT-aware for 2 of them") in page
    notes.write_text("")
    subprocess.run([sys.executable, str(BIN / "make_report.py"), *args, "--reference-notes", str(notes),
                    "--outdir", str(tmp_path / "quiet")], check=True)
    assert "Reference:" not in (tmp_path / "quiet" / report.REPORT_FILE).read_text(encoding="utf-8")
    # a path that is not there: the usual 'file not found' error naming the option, not a traceback
    missing = subprocess.run([sys.executable, str(BIN / "make_report.py"), *args, "--reference-notes",
                              str(tmp_path / "nowhere.txt"), "--outdir", str(tmp_path / "none")],
                             capture_output=True, text=True)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr, missing.stderr
    assert f"ERROR {tmp_path / 'nowhere.txt'}: --reference-notes: file not found" in missing.stderr


def test_a_failed_filter_flag_is_said_in_words():
    """QC_SUMMARY's 'pct_failed_filter>5' (more than 5 % of the pairs flagged 1:Y: by the sequencer) is explained
    like the '<' flags, not shown as the raw token."""
    assert report.qc_failures("mean_depth<20;pct_failed_filter>5") == [
        ("mean_panel_depth", "mean panel depth below 20x"),
        ("pct_failed_filter", "more than 5% of read pairs flagged by the sequencer as failing its filter (1:Y:; "
                              "FASTQs exported with the unfiltered clusters?)")]


def test_a_low_chrx_depth_flag_is_said_in_words():
    """QC_SUMMARY's 'low_x_ratio' (chrX depth below one X copy: SEX_CHECK could not read a sex, and the chrX
    genes are barely covered in this sample) is explained, not shown as the raw token."""
    assert report.qc_failures("low_x_ratio") == [
        ("x_autosome_ratio", "chrX depth below one X copy (chrX / autosome ratio < 0.35): the chrX targets failed in "
                             "this sample, so no sex could be read and its X-linked genes are barely covered")]


def test_a_coverage_dropout_is_named_per_gene_in_the_left_out_list_and_the_carrier_table(tmp_path):
    """gene_status.tsv's coverage_reason (a gene below --min_gene_callable at --min_dp in one sample): case_03,
    a non-carrier of PRF1 by its calls, covers 42% of PRF1 and is not assessable; ctrl_01, a PRF1 carrier with
    half the gene covered, stays a carrier but out of the biallelic test. The report says so by sample and gene."""
    paths = make_inputs(tmp_path / "in")
    lines = paths["gene_status"].read_text().splitlines()
    edited = [lines[0] + "\tcoverage_reason"]
    for line in lines[1:]:
        reason = {"case_03\tcase\tPRF1\t": "low_gene_coverage:0.42",
                  "ctrl_01\tcontrol\tPRF1\t": "low_gene_coverage:0.50"}.get(line[:line.index("PRF1\t") + 5]
                                                                          if "\tPRF1\t" in line else "", "NA")
        if reason == "low_gene_coverage:0.42":
            line = line.replace("\tnone\t", "\tnot_assessable\t")
        edited.append(f"{line}\t{reason}")
    paths["gene_status"].write_text("\n".join(edited) + "\n")
    with_stats_and_provenance(paths, tmp_path / "in")
    params = {**PARAMS, "min_gene_callable": 0.9}
    paths["params"].write_text(json.dumps(params))
    page = run(paths, tmp_path / "out")["html"].read_text(encoding="utf-8")
    per_gene = html.unescape(section_text(page, "variants")).partition("Not assessable per gene")[2]
    rows = re.findall(r"<tr><td><strong>(\w+)</strong></td><td>([^<]+)</td><td>([^<]+)</td></tr>", per_gene)
    shown = {(gene, sample): why for gene, sample, why in rows}
    assert shown[("PRF1", "case_03 (case)")] == ("only 42% of the gene's panel bases at >= 10x (a coverage dropout; "
                                                 "--min_gene_callable 0.9)")
    cohort_text = html.unescape(section_text(page, "cohort"))
    assert "not assessable for PRF1: only 42% of the gene's panel bases" in cohort_text
    assert "not assessable at only 50% of the gene's panel bases" in cohort_text  # ctrl_01, biallelic test
    carriers = {(row[0], row[1]): row for row in _carriers_per_patient(page)[1:]}
    assert "coverage is low in this patient (low_gene_coverage:0.50)" in html.unescape(
        carriers[("ctrl_01 (control)", "PRF1")][2])
    methods = html.unescape(page)
    assert "covered less than 0.9 of a gene's panel bases at read depth 10 or more" in methods
    for level, cases, controls in (("gene", "2", "3"), ("biallelic", "2", "2")):
        prf1 = {row["id"]: row for row in read_tests(paths[f"{level}_tests"])}["PRF1"]
        assert (prf1["case_assessable"], prf1["control_assessable"]) == (cases, controls), level


def test_the_methods_name_each_genes_transcript_and_the_padding_into_the_introns(tmp_path):
    """The methods said the variants were called 'over the panel targets' but not what was screened: now the exons
    of each gene's transcript (MANE Select for the shipped panel; another choice named per gene, as a --genes
    panel may make) and the bp into the introns, read back from regions.bed against genes.tsv's spans."""
    paths = make_inputs(tmp_path / "inputs")
    panel = REPO / "panels" / "hlh"
    args = cli_args(paths, tmp_path / "out") + ["--regions", str(panel / "regions.bed")]
    subprocess.run([sys.executable, str(BIN / "make_report.py"), *args, "--panel-genes", str(panel / "genes.tsv")],
                   check=True)
    page = html.unescape((tmp_path / "out" / report.REPORT_FILE).read_text(encoding="utf-8"))
    assert ("Each panel gene was screened over the exons of the MANE Select transcript of each of the 21 genes, plus "
            "3 bp into the introns.") in section_text(page, "methods")
    # a gene screened on its Ensembl canonical transcript is named with it
    rows = (panel / "genes.tsv").read_text().splitlines()
    header = rows[0].split("\t")
    cells = rows[1].split("\t")
    cells[header.index("transcript_choice")] = "Ensembl_canonical"
    genes = tmp_path / "genes.tsv"
    genes.write_text("\n".join([rows[0], "\t".join(cells)] + rows[2:]) + "\n")
    subprocess.run([sys.executable, str(BIN / "make_report.py"), *args, "--panel-genes", str(genes),
                    "--outdir", str(tmp_path / "canonical")], check=True)
    page = html.unescape((tmp_path / "canonical" / report.REPORT_FILE).read_text(encoding="utf-8"))
    tx = cells[header.index("transcript_id")]
    assert (f"over the exons of one transcript per gene (Ensembl canonical for {cells[0]} ({tx}); MANE Select for 20 "
            "genes), plus 3 bp into the introns.") in section_text(page, "methods")
    # without the panel's genes.tsv the methods say nothing of it (as before)
    subprocess.run([sys.executable, str(BIN / "make_report.py"), *args, "--outdir", str(tmp_path / "none")], check=True)
    assert "Each panel gene was screened" not in (tmp_path / "none" / report.REPORT_FILE).read_text(encoding="utf-8")


def test_the_panel_padding_is_none_when_the_genes_are_not_padded_alike(tmp_path):
    from hlhscreen.panel import panel_design

    genes = tmp_path / "genes.tsv"
    genes.write_text("gene\ttranscript_id\ttranscript_choice\tchrom\tstart\tend\n"
                     "AAA1\tENST1\tMANE_Select\tchr1\t1001\t2000\nBBB2\tENST2\tMANE_Select\tchr2\t5001\t6000\n")
    regions = tmp_path / "regions.bed"
    regions.write_text("chr1\t997\t1400\tAAA1|exon1\nchr1\t1800\t2003\tAAA1|exon2\nchr2\t4997\t6003\tBBB2|exon1\n")
    assert panel_design(genes, regions).padding == 3
    regions.write_text("chr1\t997\t1400\tAAA1|exon1\nchr1\t1800\t2003\tAAA1|exon2\nchr2\t4950\t6050\tBBB2|exon1\n")
    design = panel_design(genes, regions)
    assert design.padding is None and design.transcripts == {"AAA1": ("ENST1", "MANE_Select"),
                                                              "BBB2": ("ENST2", "MANE_Select")}
    # a hand-made panel's genes.tsv with only the transcript ids SCREEN reads: nothing said, no error
    genes.write_text("gene\ttranscript_id\nAAA1\tENST1\n")
    assert panel_design(genes, regions) is None
    assert report.panel_methods_sentences(design) == [
        "Each panel gene was screened over the exons of the MANE Select transcript of each of the 2 genes, padded into "
        "the introns as the panel's regions.bed defines."]
def with_gene_coverage(paths: Dict[str, Path], gaps: Dict[tuple, str], exon_flags: Dict[tuple, str]) -> Path:
    """A gene_coverage.tsv for ``paths``' gene_status.tsv plus SRGN (a panel gene without any kept variant):
    every row fully covered except ``gaps`` ((sample, gene) -> callable share, below 0.9: SRGN rows only) and
    ``exon_flags`` ((sample, gene) -> flags)."""
    rows = []
    for status in read_tests(paths["gene_status"]):
        key = (status["sample"], status["gene"])
        rows.append([status["sample"], status["group"], status["gene"], status["status"], "yes", "1000", "1000", "1.00", "NA",
                     exon_flags.get(key, "NA")])
    for sample in SAMPLES:
        share = gaps.get((sample, "SRGN"))
        covered = str(int(1000 * share)) if share is not None else "1000"
        rows.append([sample, GROUP[sample], "SRGN", "not_assessable" if share is not None else "none", "no", "1000",
                     covered, f"{share:.2f}" if share is not None else "1.00",
                     f"low_gene_coverage:{share:.2f}" if share is not None else "NA",
                     exon_flags.get((sample, "SRGN"), "NA")])
    paths["gene_coverage"] = _write_tsv(paths["gene_status"].parent / "gene_coverage.tsv",
                                        list(gene_coverage.TABLE_COLUMNS), rows)
    return paths["gene_coverage"]


def run_with_coverage(paths: Dict[str, Path], outdir: Path) -> Dict[str, Path]:
    return report.run_report(paths["samples"], paths["qc"], paths["variants"], paths["carriers"],
                             paths["gene_status"], paths["variant_tests"], paths["gene_tests"],
                             paths["biallelic_tests"], paths["power"], paths["versions"], paths["params"], outdir,
                             RUN_DATE, gene_coverage=paths["gene_coverage"])


def test_a_dropout_in_a_gene_without_a_kept_variant_and_an_exon_dropout_are_named_per_gene(tmp_path):
    """ctrl_04 covers 42% of SRGN, where nobody carries a kept variant (no gene_status.tsv row, no gene test): the
    report must not let it read as "no qualifying variant". case_02 covers none of PRF1 exon 2 (gene passes)."""
    paths = make_inputs(tmp_path / "in")
    with_gene_coverage(paths, {("ctrl_04", "SRGN"): 0.42}, {("case_02", "PRF1"): "low_exon_coverage:exon2:0.00"})
    page = run_with_coverage(paths, tmp_path / "out")["html"].read_text(encoding="utf-8")
    gaps = html.unescape(section_text(page, "variants")).partition("Coverage gaps per gene")[2]
    rows = re.findall(r"<tr><td><strong>(\w+)</strong></td><td>([^<]+)</td><td>([^<]+)</td></tr>", gaps)
    shown = {(gene, sample): why for gene, sample, why in rows}
    assert set(shown) == {("SRGN", "ctrl_04 (control)"), ("PRF1", "case_02 (case)")}
    assert shown[("SRGN", "ctrl_04 (control)")].startswith(
        "SRGN not assessable in ctrl_04: 0.42 of panel bases at >= 10x (no variant kept in SRGN")
    assert "PRF1 exon 2: 0.00 of its bases at >= 10x" in shown[("PRF1", "case_02 (case)")]
    assert "the gene as a whole passes" in shown[("PRF1", "case_02 (case)")]
    # the statistics are COHORT_STATS' from gene_status.tsv: no SRGN test appears
    assert "SRGN" not in {row["id"] for row in read_tests(paths["gene_tests"])}


def test_without_gene_coverage_the_report_says_genes_without_a_kept_variant_were_not_checked(built):
    assert "was not given SCREEN's gene_coverage.tsv" in html.unescape(built[2])


@pytest.mark.parametrize("edit, message", [
    (("case_01\tcase\tPRF1\tpossible_compound_het\tyes", "case_01\tcase\tPRF1\tnone\tyes"),
     "possible_compound_het \\(NA\\) on line"),
    (("case_03\tcase\tPRF1\tnone\tyes", "case_03\tcase\tPRF1\tnone\tno"), "no, but .* has a row for it"),
])
def test_a_gene_coverage_table_of_another_run_is_refused(tmp_path, edit, message):
    paths = make_inputs(tmp_path / "in")
    path = with_gene_coverage(paths, {}, {})
    text = path.read_text()
    assert edit[0] in text
    path.write_text(text.replace(*edit))
    with pytest.raises(UserInputError, match=message):
        run_with_coverage(paths, tmp_path / "out")


def test_coverage_gaps_are_counted_per_gene_when_too_many_to_list():
    """With more exclusions than the page lists, the coverage gaps are counted per gene (gene_coverage.tsv names
    them); a gene measured in no sample is named once, not per sample."""
    full = gene_coverage.GeneCoverage(100, 100)
    rows = [gene_coverage.CoverageRow("case_01", "case", "STX11", "not_assessable", False,
                                      gene_coverage.GeneCoverage(42, 100), "low_gene_coverage:0.42"),
            gene_coverage.CoverageRow("ctrl_01", "control", "STX11", "none", False, full, None,
                                      ("low_exon_coverage:exon2:0.10",)),
            gene_coverage.CoverageRow("case_01", "case", "LYST", "not_assessable", False, None, "not_measured"),
            gene_coverage.CoverageRow("ctrl_01", "control", "LYST", "not_assessable", False, None, "not_measured")]
    data = types.SimpleNamespace(gene_coverage=rows, params=PARAMS)
    text = html.unescape(report.coverage_gaps_part(data, listed=False))
    assert re.search(r"<strong>STX11</strong></td><td class=\"num\">1</td><td class=\"num\">1</td>", text), text
    assert "Not measured in any sample (no panel region on the reference; see the panel genes): LYST." in text
    assert "LYST</strong>" not in text
