"""Per-sample, per-gene callable fraction (hlhscreen.gene_coverage) from mosdepth's thresholds.bed.gz, and
SCREEN/COHORT_STATS making a sample with a coverage dropout in a gene not assessable there (not a non-carrier).

The thresholds layout is mosdepth's (README, "thresholds"): a header ``#chrom start end region 1X 10X ...`` and
one row per --by BED line with the bases covered at >= each threshold; ``region`` is the BED's name column.
"""

from __future__ import annotations

import csv
import gzip
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Tuple

import pytest

from hlhscreen import cohort
from hlhscreen import gene_coverage as G
from hlhscreen.errors import UserInputError

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "screen"
SAMPLES = ("case_01", "case_02", "case_03", "case_04", "ctrl_01", "ctrl_02", "ctrl_03", "ctrl_04")


def write_thresholds(path: Path, rows: Iterable[Tuple[str, int, int, str, Tuple[int, ...]]],
                     depths: Tuple[int, ...] = (1, 10, 20, 30)) -> Path:
    with gzip.open(path, "wt") as out:
        out.write("\t".join(["#chrom", "start", "end", "region", *(f"{d}X" for d in depths)]) + "\n")
        for chrom, start, end, name, counts in rows:
            out.write("\t".join([chrom, str(start), str(end), name, *map(str, counts)]) + "\n")
    return path


def read_tsv(path: Path) -> List[Dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


# ------------------------------------------------------------------------------------ the fraction


def test_fraction_per_gene_sums_pieces_and_counts_a_shared_region_for_each_gene(tmp_path):
    path = write_thresholds(tmp_path / "s1.thresholds.bed.gz", [
        ("chr10", 100, 200, "PRF1|exon1", (100, 90, 50, 0)),
        # one exon cut at a --reference_windows window boundary: two lines, one name
        ("win1", 0, 50, "PRF1|exon2", (50, 10, 0, 0)),
        ("win2", 0, 50, "PRF1|exon2", (50, 0, 0, 0)),
        # overlapping exons of two genes merged into one line: counts whole for each
        ("chr17", 10, 30, "UNC13D|exon3,STXBP2|exon1", (20, 20, 20, 20)),
    ])
    genes = G.read_thresholds(path, 10)
    assert genes["PRF1"] == G.GeneCoverage(100, 200)
    assert genes["UNC13D"] == genes["STXBP2"] == G.GeneCoverage(20, 20)
    assert G.read_thresholds(path, 20)["PRF1"] == G.GeneCoverage(50, 200)
    # no depth asked of a call (--min_dp 0): every base counts, no column needed
    assert G.read_thresholds(path, 0)["PRF1"] == G.GeneCoverage(200, 200)
    assert G.low_coverage_reason(genes, "PRF1", 0.9) == "low_gene_coverage:0.50"
    assert G.low_coverage_reason(genes, "UNC13D", 0.9) is None
    assert G.low_coverage_reason(genes, "LYST", 0.9) is None  # not measured: no rule applied


def test_fraction_text_rounds_down_so_a_dropout_never_reads_as_the_minimum():
    assert G.fraction_text(0.899) == "0.89"
    assert G.fraction_text(0.0) == "0.00"


@pytest.mark.parametrize("text, line, column, message", [
    ("#chrom\tstart\tend\tregion\t1X\t20X\nchr1\t0\t10\tA|exon1\t10\t5\n", 1, "10X", "no column for depth 10"),
    ("chrom\tstart\tend\n", 1, "#chrom", "not a mosdepth thresholds file"),
    ("#chrom\tstart\tend\tregion\t10X\nchr1\t0\t10\tA|exon1\tx\n", 2, "10X", "'x' is not a whole number"),
    ("#chrom\tstart\tend\tregion\t10X\nchr1\t0\t10\tA|exon1\t11\n", 2, "10X", "11 bases covered in a region of 10"),
    ("#chrom\tstart\tend\tregion\t10X\nchr1\t0\t10\tA|exon1\n", 2, "-", "4 tab-separated fields"),
])
def test_bad_thresholds_file_names_file_line_field(tmp_path, text, line, column, message):
    path = tmp_path / "s1.thresholds.bed.gz"
    with gzip.open(path, "wt") as out:
        out.write(text)
    with pytest.raises(UserInputError) as error:
        G.read_thresholds(path, 10)
    assert (error.value.line, error.value.field) == (line, column) and message in str(error.value)
    assert str(path) in str(error.value)


def test_sample_names_come_from_the_file_names(tmp_path):
    one = write_thresholds(tmp_path / "case.01.thresholds.bed.gz", [("chr1", 0, 10, "A|exon1", (10, 10, 10, 10))])
    assert set(G.read_gene_coverage([one], 10)) == {"case.01"}
    with pytest.raises(UserInputError, match="does not end in .thresholds.bed.gz"):
        G.sample_name(tmp_path / "case.regions.bed.gz")


@pytest.mark.skipif(subprocess.run(["which", "mosdepth"], capture_output=True).returncode != 0,
                    reason="mosdepth not on PATH")
def test_fraction_from_a_real_mosdepth_run_with_the_pipelines_arguments(tmp_path):
    """mosdepth with conf/modules.config's MOSDEPTH args at --min_dp 8 (a depth the QC thresholds lack): 8 reads
    over the first 100 bases of GENEA's exon; GENEB's exon has none (a dropout)."""
    from test_qc import bam_with_reads, mosdepth_args
    bam_with_reads(tmp_path / "s.bam", [(0, 1000, 60, 0)] * 8 + [(0, 1050, 60, 0)] * 2)
    (tmp_path / "r.bed").write_text("chr1\t1000\t1200\tGENEA|exon1\nchr1\t3000\t3100\tGENEB|exon1\n")
    subprocess.run(["mosdepth", *mosdepth_args("MOSDEPTH", min_dp=8), "--by", "r.bed", "s", "s.bam"],
                   cwd=tmp_path, check=True)
    genes = G.read_thresholds(tmp_path / "s.thresholds.bed.gz", 8)
    # >= 8x: bases 1000-1100 (8 reads, 10 over 1050-1100); 1100-1150 has only 2
    assert genes["GENEA"] == G.GeneCoverage(100, 200)
    assert genes["GENEB"] == G.GeneCoverage(0, 100)
    assert G.low_coverage_reason(genes, "GENEB", 0.9) == "low_gene_coverage:0.00"


# ------------------------------------------------------------------------------------ SCREEN + COHORT_STATS


def thresholds_for_every_sample(folder: Path, dropouts: Mapping[Tuple[str, str], float]) -> List[Path]:
    """One thresholds file per sample over the screen fixture's regions, every base at >= 10x except the
    genes in ``dropouts`` ((sample, gene) -> share of each region covered)."""
    regions = [line.split("\t")[:4] for line in (FIXTURES / "regions.bed").read_text().splitlines() if line.strip()]
    paths = []
    for sample in SAMPLES:
        rows = []
        for chrom, start, end, name in regions:
            size = int(end) - int(start)
            share = dropouts.get((sample, name.split("|")[0]), 1.0)
            rows.append((chrom, int(start), int(end), name, (size, int(size * share), 0, 0)))
        paths.append(write_thresholds(folder / f"{sample}.thresholds.bed.gz", rows))
    return paths


def run_screen_cli(tmp_path: Path, coverage: List[Path], *extra: str) -> subprocess.CompletedProcess:
    sheet = tmp_path / "samplesheet.csv"
    sheet.write_text("sample,group\n" + "".join(f"{s},{'case' if s.startswith('case') else 'control'}\n"
                                                  for s in SAMPLES))
    return subprocess.run([sys.executable, str(REPO / "bin" / "screen_variants.py"), "--vcf",
                           str(FIXTURES / "example.vcf"), "--regions", str(FIXTURES / "regions.bed"),
                           "--risk-factors", str(FIXTURES / "risk_factors.tsv"), "--samplesheet", str(sheet),
                           "--outdir", str(tmp_path / "screen"), *extra, "--gene-coverage", *map(str, coverage)],
                          capture_output=True, text=True)


def test_a_sample_with_a_gene_dropout_is_not_assessable_there_not_a_non_carrier(tmp_path):
    """case_01 has no read over STX11 (0x: a capture dropout) and carries none of its kept variants: before,
    it was a confirmed non-carrier (status none) in the STX11 gene test. ctrl_02 carries one STXBP2 variant
    but covers 42% of the gene: a carrier still, but a second hit is not ruled out (out of the biallelic test)."""
    coverage = thresholds_for_every_sample(tmp_path, {("case_01", "STX11"): 0.0, ("ctrl_02", "STXBP2"): 0.42})
    result = run_screen_cli(tmp_path, coverage)
    assert result.returncode == 0, result.stderr
    genes = {(r["sample"], r["gene"]): r for r in read_tsv(tmp_path / "screen" / "gene_status.tsv")}
    dropped = genes[("case_01", "STX11")]
    assert (dropped["status"], dropped["n_not_assessable"], dropped["coverage_reason"]) == \
        ("not_assessable", "0", "low_gene_coverage:0.00")
    carrier = genes[("ctrl_02", "STXBP2")]
    # each region 42% covered, rounded down per region (a fraction below 0.42 is never written as 0.42)
    assert (carrier["status"], carrier["coverage_reason"]) == ("monoallelic", "low_gene_coverage:0.41")
    assert all(row["coverage_reason"] == "NA" for key, row in genes.items()
               if key not in {("case_01", "STX11"), ("ctrl_02", "STXBP2")})
    written = cohort.run_cohort_stats(tmp_path / "screen" / "carriers.tsv", tmp_path / "screen" / "gene_status.tsv",
                                      tmp_path / "samplesheet.csv", tmp_path / "cohort")
    gene = {r["id"]: r for r in read_tsv(written["gene"])}
    assert (gene["STX11"]["case_assessable"], gene["STX11"]["control_assessable"]) == ("3", "4")
    assert (gene["STXBP2"]["control_carriers"], gene["STXBP2"]["control_assessable"]) == ("2", "4")
    biallelic = {r["id"]: r for r in read_tsv(written["biallelic"])}
    assert biallelic["STXBP2"]["control_assessable"] == "3"


def test_a_just_below_minimum_share_and_the_minimum_itself(tmp_path):
    coverage = thresholds_for_every_sample(tmp_path, {("case_01", "STX11"): 0.95})
    result = run_screen_cli(tmp_path, coverage, "--min-gene-callable", "0.96")
    assert result.returncode == 0, result.stderr
    row = next(r for r in read_tsv(tmp_path / "screen" / "gene_status.tsv")
               if (r["sample"], r["gene"]) == ("case_01", "STX11"))
    assert row["status"] == "not_assessable" and row["coverage_reason"].startswith("low_gene_coverage:0.9")
    result = run_screen_cli(tmp_path, coverage, "--min-gene-callable", "0.9")
    row = next(r for r in read_tsv(tmp_path / "screen" / "gene_status.tsv")
               if (r["sample"], r["gene"]) == ("case_01", "STX11"))
    assert result.returncode == 0 and (row["status"], row["coverage_reason"]) == ("none", "NA")


def test_a_sample_without_its_thresholds_file_is_refused(tmp_path):
    coverage = thresholds_for_every_sample(tmp_path, {})
    result = run_screen_cli(tmp_path, coverage[:-1])
    assert result.returncode != 0 and "no thresholds file for sample(s) ctrl_04" in result.stderr
    assert not (tmp_path / "screen" / "gene_status.tsv").exists()


def test_min_gene_callable_outside_0_1_is_refused(tmp_path):
    result = run_screen_cli(tmp_path, thresholds_for_every_sample(tmp_path, {}), "--min-gene-callable", "1.5")
    assert result.returncode != 0 and "--min-gene-callable" in result.stderr


@pytest.mark.parametrize("status, reason, message", [
    ("none", "low_gene_coverage:0.10", r"status none \(a non-carrier\) with coverage_reason"),
    ("none", "low_coverage", "is not NA or low_gene_coverage"),
])
def test_cohort_stats_refuses_a_non_carrier_with_a_coverage_reason(tmp_path, status, reason, message):
    coverage = thresholds_for_every_sample(tmp_path, {("case_01", "STX11"): 0.0})
    assert run_screen_cli(tmp_path, coverage).returncode == 0
    path = tmp_path / "screen" / "gene_status.tsv"
    lines = path.read_text().splitlines(keepends=True)
    lines = [line.replace("\tnot_assessable\t", f"\t{status}\t").replace("low_gene_coverage:0.00", reason)
             if line.startswith("case_01\tcase\tSTX11\t") else line for line in lines]
    path.write_text("".join(lines))
    with pytest.raises(UserInputError, match=message):
        cohort.run_cohort_stats(tmp_path / "screen" / "carriers.tsv", path, tmp_path / "samplesheet.csv",
                                tmp_path / "cohort")


# ------------------------------------------------------------------------------------ every panel gene, every exon


def test_exon_coverage_sums_a_cut_exon_and_flags_an_exon_below_the_minimum(tmp_path):
    """PRF1: exon 1 (100 bases) fully covered, exon 2 cut at a window boundary (2 x 50 bases, 10 covered),
    exon 3 (1000 bases) fully covered: the gene's share is 0.92 (passes 0.9), exon 2's is 0.10."""
    path = write_thresholds(tmp_path / "s1.thresholds.bed.gz", [
        ("chr10", 0, 100, "PRF1|exon1", (100, 100, 0, 0)),
        ("win1", 0, 50, "PRF1|exon2", (50, 10, 0, 0)),
        ("win2", 0, 50, "PRF1|exon2", (50, 0, 0, 0)),
        ("chr10", 200, 1200, "PRF1|exon3", (1000, 1000, 0, 0)),
        ("chr17", 10, 30, "UNC13D|exon3,STXBP2|exon1", (20, 0, 0, 0)),
    ])
    genes = G.read_thresholds(path, 10)
    prf1 = genes["PRF1"]
    assert (prf1.covered, prf1.total) == (1110, 1200)
    assert [(e.name, e.covered, e.total) for e in prf1.exons] == [("exon1", 100, 100), ("exon2", 10, 100),
                                                                  ("exon3", 1000, 1000)]
    assert G.low_coverage_reason(genes, "PRF1", 0.9) is None
    assert G.low_exon_flags(prf1, 0.9) == ("low_exon_coverage:exon2:0.10",)
    assert G.low_exon_flags(prf1, 0.0) == ()  # --min_gene_callable 0: the check is off
    # a merged line names each gene's own exon
    assert G.low_exon_flags(genes["STXBP2"], 0.9) == ("low_exon_coverage:exon1:0.00",)
    assert G.low_exon_flags(genes["UNC13D"], 0.9) == ("low_exon_coverage:exon3:0.00",)
    assert G.region_exons("GENE|ENSE00001|exon5") == (("GENE", "exon5"),)
    assert G.region_exons(" RAB27A |exon2,LYST") == (("RAB27A", "exon2"), ("LYST", "LYST"))


def regions_with_a_gene_without_variants(folder: Path) -> Path:
    """The screen fixture's regions plus SRGN (chr10, no record of example.vcf there: nothing can be kept)."""
    path = folder / "regions.bed"
    path.write_text((FIXTURES / "regions.bed").read_text() + "chr10\t69100000\t69100300\tSRGN|exon2\n"
                    "chr10\t69101000\t69101100\tSRGN|exon3\n")
    return path


def run_screen_with_regions(tmp_path: Path, coverage: List[Path], regions: Path, *extra: str
                            ) -> subprocess.CompletedProcess:
    sheet = tmp_path / "samplesheet.csv"
    sheet.write_text("sample,group\n" + "".join(f"{s},{'case' if s.startswith('case') else 'control'}\n"
                                                  for s in SAMPLES))
    return subprocess.run([sys.executable, str(REPO / "bin" / "screen_variants.py"), "--vcf",
                           str(FIXTURES / "example.vcf"), "--regions", str(regions),
                           "--risk-factors", str(FIXTURES / "risk_factors.tsv"), "--samplesheet", str(sheet),
                           "--outdir", str(tmp_path / "screen"), *extra, "--gene-coverage", *map(str, coverage)],
                          capture_output=True, text=True)


def thresholds_over(folder: Path, regions: Path, share: Mapping[Tuple[str, str], float]) -> List[Path]:
    """One thresholds file per sample over ``regions``; ``share``: (sample, region name) -> covered share (else 1)."""
    names = [line.split("\t")[:4] for line in regions.read_text().splitlines() if line.strip()]
    return [write_thresholds(folder / f"{sample}.thresholds.bed.gz",
                             [(chrom, int(start), int(end), name,
                               (int(end) - int(start), int((int(end) - int(start)) * share.get((sample, name), 1.0)),
                                0, 0)) for chrom, start, end, name in names])
            for sample in SAMPLES]


@pytest.fixture(scope="module")
def screened_with_gaps(tmp_path_factory):
    """SCREEN over the fixture plus SRGN: case_01 covers none of SRGN (a capture dropout in a gene where nothing
    was kept), ctrl_03 none of PRF1 exon 1 (103 of PRF1's 2518 panel bases: the gene still passes 0.9)."""
    tmp_path = tmp_path_factory.mktemp("gaps")
    regions = regions_with_a_gene_without_variants(tmp_path)
    coverage = thresholds_over(tmp_path, regions, {("case_01", "SRGN|exon2"): 0.0, ("case_01", "SRGN|exon3"): 0.0,
                                                   ("ctrl_03", "PRF1|exon1"): 0.0})
    result = run_screen_with_regions(tmp_path, coverage, regions)
    assert result.returncode == 0, result.stderr
    return tmp_path


def test_every_panel_gene_and_sample_has_a_gene_coverage_row_even_without_a_kept_variant(screened_with_gaps):
    rows = read_tsv(screened_with_gaps / "screen" / "gene_coverage.tsv")
    assert list(rows[0]) == list(G.TABLE_COLUMNS)
    by_key = {(r["sample"], r["gene"]): r for r in rows}
    assert len(rows) == len(by_key) == 5 * len(SAMPLES)
    assert {gene for _, gene in by_key} == {"STX11", "PRF1", "UNC13D", "STXBP2", "SRGN"}
    srgn = by_key[("case_01", "SRGN")]
    assert (srgn["status"], srgn["in_gene_status"], srgn["coverage_reason"], srgn["panel_bases"],
            srgn["callable_bases"], srgn["callable_fraction"]) == \
        ("not_assessable", "no", "low_gene_coverage:0.00", "400", "0", "0.00")
    assert srgn["exon_flags"] == "low_exon_coverage:exon2:0.00;low_exon_coverage:exon3:0.00"
    assert all(by_key[(s, "SRGN")]["status"] == "none" for s in SAMPLES if s != "case_01")
    # gene_status.tsv (and so the gene tests) still has only the genes with a kept or unconfirmed variant
    status = {(r["sample"], r["gene"]): r for r in read_tsv(screened_with_gaps / "screen" / "gene_status.tsv")}
    assert "SRGN" not in {gene for _, gene in status}
    for key, row in status.items():
        assert (by_key[key]["status"], by_key[key]["in_gene_status"], by_key[key]["coverage_reason"]) == \
            (row["status"], "yes", row["coverage_reason"]), key


def test_an_exon_dropout_is_flagged_but_leaves_the_gene_assessable(screened_with_gaps):
    rows = {(r["sample"], r["gene"]): r for r in read_tsv(screened_with_gaps / "screen" / "gene_coverage.tsv")}
    prf1 = rows[("ctrl_03", "PRF1")]
    assert prf1["exon_flags"] == "low_exon_coverage:exon1:0.00"
    assert prf1["coverage_reason"] == "NA" and float(prf1["callable_fraction"]) >= 0.9
    status = {(r["sample"], r["gene"]): r for r in read_tsv(screened_with_gaps / "screen" / "gene_status.tsv")}
    assert status[("ctrl_03", "PRF1")]["status"] == prf1["status"] != "not_assessable"
    flagged = {key for key, row in rows.items() if row["exon_flags"] != "NA"}
    assert flagged == {("ctrl_03", "PRF1"), ("case_01", "SRGN")}


def test_multiqc_summary_counts_the_coverage_gaps(screened_with_gaps):
    lines = (screened_with_gaps / "screen" / "screen_summary_mqc.tsv").read_text().splitlines()
    counts = dict(line.split("\t") for line in lines if not line.startswith("#"))
    assert counts["sample x panel gene pairs (gene_coverage.tsv)"] == str(5 * len(SAMPLES))
    assert counts["of those, gene covered below --min-gene-callable (low_gene_coverage: not assessable unless a "
                  "carrier)"] == "1"
    assert counts["of those, in a gene without any kept or unconfirmed variant (no gene_status.tsv row)"] == "1"
    assert counts["sample x panel gene pairs with an exon covered below --min-gene-callable "
                  "(low_exon_coverage)"] == "2"


def test_cohort_statistics_do_not_change_and_grow_no_test_for_a_gene_without_a_kept_variant(screened_with_gaps,
                                                                                            tmp_path):
    """The same screen without SRGN's dropout and without the exon dropout gives the same test tables."""
    screen = screened_with_gaps / "screen"
    gaps = cohort.run_cohort_stats(screen / "carriers.tsv", screen / "gene_status.tsv",
                                   screened_with_gaps / "samplesheet.csv", tmp_path / "gaps")
    regions = regions_with_a_gene_without_variants(tmp_path)
    result = run_screen_with_regions(tmp_path, thresholds_over(tmp_path, regions, {}), regions)
    assert result.returncode == 0, result.stderr
    plain = cohort.run_cohort_stats(tmp_path / "screen" / "carriers.tsv", tmp_path / "screen" / "gene_status.tsv",
                                    tmp_path / "samplesheet.csv", tmp_path / "plain")
    for level in ("variant", "gene", "biallelic"):
        assert gaps[level].read_text() == plain[level].read_text(), level
    assert "SRGN" not in {row["gene"] for row in read_tsv(gaps["gene"])}


def test_a_gene_the_coverage_files_do_not_measure_is_not_assessable_not_none(tmp_path):
    """A panel gene without any line in the thresholds files (not placed on the reference) is not_measured."""
    regions = regions_with_a_gene_without_variants(tmp_path)
    coverage = thresholds_for_every_sample(tmp_path, {})  # the fixture's regions only: no SRGN line
    result = run_screen_with_regions(tmp_path, coverage, regions)
    assert result.returncode == 0, result.stderr
    rows = [r for r in read_tsv(tmp_path / "screen" / "gene_coverage.tsv") if r["gene"] == "SRGN"]
    assert len(rows) == len(SAMPLES)
    assert all((r["status"], r["coverage_reason"], r["panel_bases"], r["exon_flags"]) ==
               ("not_assessable", "not_measured", "NA", "NA") for r in rows)


@pytest.mark.parametrize("edit, column, message", [
    (("\tnot_assessable\tno\t", "\tnone\tno\t"), "coverage_reason", "status none with coverage_reason"),
    (("\tnot_assessable\tno\t", "\tmonoallelic\tno\t"), "status", "status monoallelic in a gene without"),
    (("low_exon_coverage:exon2:0.00", "low_exon:exon2"), "exon_flags", "is not low_exon_coverage:<exon>:<fraction"),
    (("\t400\t0\t", "\t400\t401\t"), "callable_bases", "401 callable of 400 panel bases"),
    (("\tno\t400", "\tmaybe\t400"), "in_gene_status", "'maybe' is not yes or no"),
])
def test_a_bad_gene_coverage_row_is_refused_with_its_line_and_column(screened_with_gaps, tmp_path, edit, column,
                                                                     message):
    source = (screened_with_gaps / "screen" / "gene_coverage.tsv").read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(source) if line.startswith("case_01\tcase\tSRGN\t"))
    source[at] = source[at].replace(*edit)
    path = tmp_path / "gene_coverage.tsv"
    path.write_text("".join(source))
    groups = {s: "case" if s.startswith("case") else "control" for s in SAMPLES}
    with pytest.raises(UserInputError, match=message) as error:
        G.read_table(path, groups, screened_with_gaps / "samplesheet.csv", cohort.STATUSES)
    assert (error.value.line, error.value.field) == (at + 1, column)
