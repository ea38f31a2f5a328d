"""hlhscreen.callability and bin/panel_to_reference.py: the panel placed on the reference, every gene accounted for."""

from __future__ import annotations

import gzip
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from conftest import BIN
from hlhscreen import callability as C
from hlhscreen.errors import UserInputError
from hlhscreen.panel import load_regions

REPO = Path(__file__).resolve().parents[1]
TEST_REF = REPO / "assets/test_cohort/reference"


def bed(tmp_path: Path, *lines: str, name: str = "regions.bed") -> Path:
    path = tmp_path / name
    path.write_text("".join(line + "\n" for line in lines))
    return path


def plain(contigs) -> C.ReferenceLayout:
    return C.ReferenceLayout(dict(contigs), None, "ref.fa.fai")


def test_mixed_contig_naming_in_a_bed_is_refused_at_the_line(tmp_path):
    path = bed(tmp_path, "chr10\t100\t200\tPRF1|exon1", "chr17\t100\t200\tUNC13D|exon1", "10\t300\t400\tPRF1|exon2")
    with pytest.raises(UserInputError) as info:
        load_regions(path)
    message = str(info.value)
    assert "regions.bed:3: chrom: contig 10 is named without chr but line 1 names chr10 with chr" in message
    assert "mixes contig naming styles" in message


def test_other_contigs_do_not_count_as_a_naming_style(tmp_path):
    path = bed(tmp_path, "chr10\t100\t200\tA", "KI270733.1\t1\t50\tB", "chrUn_GL000220v1\t1\t50\tC")
    assert len(load_regions(path)) == 3


def test_exact_names_are_placed_unchanged(tmp_path):
    placements = C.place_bed(bed(tmp_path, "chr10\t100\t200\tPRF1|exon1\textra"), plain({"chr10": 1000}))
    out = io.StringIO()
    C.write_reference_bed(placements, out)
    assert out.getvalue() == "chr10\t100\t200\tPRF1|exon1\textra\n"
    assert placements[0].genome_contig == "chr10" and placements[0].reason is None


def test_another_spelling_is_an_error_without_harmonisation(tmp_path):
    path = bed(tmp_path, "chr10\t100\t200\tPRF1|exon1")
    with pytest.raises(UserInputError) as info:
        C.place_bed(path, plain({"10": 1000}))
    message = str(info.value)
    assert "regions.bed:1: chrom: the panel names contig chr10 but the reference calls it 10" in message
    assert "--harmonise_contigs true" in message


def test_harmonisation_renames_onto_the_reference(tmp_path):
    placements = C.place_bed(bed(tmp_path, "chr10\t100\t200\tPRF1|exon1", "chrM\t1\t20\tMT-CO1"),
                             plain({"10": 1000, "MT": 16569}), harmonise=True)
    out = io.StringIO()
    C.write_reference_bed(placements, out)
    assert out.getvalue() == "10\t100\t200\tPRF1|exon1\nMT\t1\t20\tMT-CO1\n"
    assert all(gene.status == C.CALLABLE for gene in C.gene_callability(placements))


def test_a_contig_the_reference_lacks_makes_the_gene_not_callable_with_the_reason(tmp_path):
    placements = C.place_bed(bed(tmp_path, "chr10\t100\t200\tPRF1|exon1", "chrX\t500\t600\tSH2D1A|exon1"),
                             plain({"chr10": 1000}))
    genes = {g.gene: g for g in C.gene_callability(placements)}
    assert genes["PRF1"].status == C.CALLABLE
    assert (genes["SH2D1A"].status, genes["SH2D1A"].reason) == (C.NOT_CALLABLE, "contig chrX is not in the reference")
    out = io.StringIO()
    C.write_reference_bed(placements, out)
    assert "chrX" not in out.getvalue()  # nothing sent to the caller for it ...
    warning = C.summary_line(list(genes.values()))
    assert warning.startswith("1 of 2 panel genes") and "SH2D1A: contig chrX is not in the reference" in warning


def test_overlapping_and_repeated_regions_count_their_bases_once(tmp_path):
    # a hand-made panel listing the exons of two transcripts (overlapping), one line twice: the gene's
    # bases were summed per line (PRF1 400 bp for 150), and a gene half on a window counted its overlap twice
    placements = C.place_bed(bed(tmp_path, "chr10\t100\t200\tPRF1|exon1", "chr10\t150\t250\tPRF1|exon1",
                                 "chr10\t100\t200\tPRF1|exon1"), plain({"chr10": 1000}))
    (prf1,) = C.gene_callability(placements)
    assert (prf1.regions, prf1.region_bp, prf1.callable_bp, prf1.status) == (2, 150, 150, C.CALLABLE)
    from hlhscreen.windows import Window

    layout = C.ReferenceLayout({"w1": 100}, {"w1": Window("w1", "chr1", 101, 200, 1000)}, "ref.fa.fai")
    path = bed(tmp_path, "chr1\t90\t110\tA|exon1", "chr1\t95\t110\tA|exon1", name="windows.bed")
    (gene,) = C.gene_callability(C.place_bed(path, layout))
    assert (gene.region_bp, gene.callable_bp, gene.status) == (20, 10, C.PARTLY)


def test_overlapping_panel_lines_are_one_line_of_the_coverage_and_calling_beds(tmp_path):
    """A hand-made panel with the exons of two transcripts and a line twice: regions.reference.bed had
    every line, and mosdepth (which sums its regions) counted the shared bases twice in the panel's mean
    depth and % at 20x; touching and separate lines stay apart, a merged line names every name once."""
    regions = bed(tmp_path, "chr10\t300\t400\tB|exon1", "chr10\t100\t200\tPRF1|exon1\tx",
                  "chr10\t150\t250\tPRF1|exon2", "chr10\t100\t200\tPRF1|exon1\tx", "chr10\t250\t260\tPRF1|exon3",
                  "chr10\t390\t420\tA|exon2,B|exon1", "chr10\t600\t700\tC|exon1\tx")
    placements = C.place_bed(regions, plain({"chr10": 1000}))
    out = io.StringIO()
    assert C.write_reference_bed(placements, out) == 4
    assert out.getvalue() == ("chr10\t100\t250\tPRF1|exon1,PRF1|exon2\nchr10\t250\t260\tPRF1|exon3\n"
                              "chr10\t300\t420\tB|exon1,A|exon2\nchr10\t600\t700\tC|exon1\tx\n")
    covered = {(c, p) for placement in placements for c, s, e in placement.pieces for p in range(s, e)}
    lines = [line.split("\t") for line in out.getvalue().splitlines()]
    assert sum(int(end) - int(start) for _, start, end, *_ in lines) == len(covered)


@pytest.mark.skipif(shutil.which("mosdepth") is None, reason="mosdepth not on PATH")
def test_the_panel_mean_depth_counts_a_shared_base_once(tmp_path):
    from test_qc import bam_with_reads, mosdepth_args
    from hlhscreen.qc import read_mosdepth_fraction_at, read_mosdepth_mean

    (tmp_path / "ref.fa.fai").write_text("chr1\t10000\t6\t60\t61\nchr2\t5000\t10000\t60\t61\n")
    regions = bed(tmp_path, "chr1\t1000\t1100\tA|exon1", "chr1\t1000\t1100\tA|exon1", "chr1\t1050\t1200\tA|exon2",
                  "chr1\t3000\t3100\tA|exon3")
    subprocess.run([sys.executable, str(BIN / "panel_to_reference.py"), "--regions", str(regions), "--targets",
                    str(regions), "--fai", str(tmp_path / "ref.fa.fai"), "--outdir", str(tmp_path)], check=True)
    bam_with_reads(tmp_path / "s.bam", [(0, 1000, 60, 0)] * 25)  # 25x on chr1:1000-1100, nothing elsewhere
    subprocess.run(["mosdepth", *mosdepth_args("MOSDEPTH"), "--by", "regions.reference.bed", "s", "s.bam"],
                   cwd=tmp_path, check=True)
    # 300 panel bases, 100 of them at 25x: mean 8.33, 33.3 % at 20x (the lines as given: 450 bases, 14.4x, 44 %)
    assert read_mosdepth_mean(tmp_path / "s.mosdepth.summary.txt") == pytest.approx(25 * 100 / 300, abs=0.01)
    assert read_mosdepth_fraction_at(tmp_path / "s.mosdepth.region.dist.txt", 20) == pytest.approx(100 / 300, abs=0.01)


def test_a_region_beyond_the_contig_end_is_a_build_mismatch(tmp_path):
    with pytest.raises(UserInputError, match=r"regions.bed:1: end: chr10:900-1200 ends beyond chr10 \(1000 bp"):
        C.place_bed(bed(tmp_path, "chr10\t900\t1200\tA"), plain({"chr10": 1000}))


def test_windows_reference_partial_and_missing_genes(tmp_path):
    from hlhscreen.windows import Window

    windows = {"w1": Window("w1", "chr1", 101, 200, 1000)}
    layout = C.ReferenceLayout({"w1": 100}, windows, "ref.fa.fai")
    path = bed(tmp_path, "chr1\t90\t110\tA|exon1", "chr1\t150\t160\tA|exon2", "chr1\t500\t600\tB|exon1",
               "chr2\t0\t10\tC|exon1")
    genes = {g.gene: g for g in C.gene_callability(C.place_bed(path, layout))}
    assert (genes["A"].status, genes["A"].callable_bp, genes["A"].region_bp) == (C.PARTLY, 20, 30)
    assert genes["A"].reason == "outside the reference windows"
    assert (genes["B"].status, genes["B"].reason) == (C.NOT_CALLABLE, "outside the reference windows")
    assert (genes["C"].status, genes["C"].reason) == (C.NOT_CALLABLE, "contig chr2 is not in the reference windows")


def test_the_shipped_panel_on_the_test_windows_accounts_for_all_21_genes():
    layout = C.reference_layout(TEST_REF / "hlh_windows.synthetic.fa", TEST_REF / "hlh_windows.synthetic.fa.fai",
                                TEST_REF / "windows.tsv")
    genes = C.gene_callability(C.place_bed(REPO / "panels/hlh/regions.bed", layout))
    assert len(genes) == 21
    assert {g.gene for g in genes if g.status == C.CALLABLE} == {"PRF1", "UNC13D", "STX11", "STXBP2", "SH2D1A"}
    assert all(g.reason != "NA" for g in genes if g.status != C.CALLABLE)


@given(st.lists(st.sampled_from(["chr1", "chr10", "chrX", "chr22"]), min_size=1, max_size=12),
       st.sets(st.sampled_from(["chr1", "chr10", "chrX", "chr22"]), min_size=1))
def test_every_panel_base_is_either_placed_or_accounted_for(tmp_path_factory, chroms, present):
    tmp_path = tmp_path_factory.mktemp("bed")
    lines = [f"{chrom}\t{100 * i}\t{100 * i + 50}\tG{i}|exon1" for i, chrom in enumerate(chroms)]
    placements = C.place_bed(bed(tmp_path, *lines), plain({c: 10_000 for c in present}))
    genes = C.gene_callability(placements)
    assert len(genes) == len(chroms)
    for gene in genes:
        assert gene.region_bp == 50
        assert (gene.status == C.CALLABLE) == (gene.chrom in present)
        assert gene.status == C.CALLABLE or gene.reason.startswith("contig ")


@pytest.mark.parametrize("compressed", [False, True])
def test_fasta_contig_names_without_an_index(tmp_path, monkeypatch, compressed):
    monkeypatch.setattr(C, "_SCAN_BLOCK", 7)  # header lines straddle the read blocks
    text = b">chr10 AC:CM000672.2 gi|568336014\nACGTACGTAC\nACGT\n>chr17\nAAAA\n>chrUn_KI270302v1\nCC\n"
    path = tmp_path / ("ref.fa.gz" if compressed else "ref.fa")
    path.write_bytes(gzip.compress(text) if compressed else text)
    assert C.fasta_contig_names(path) == ["chr10", "chr17", "chrUn_KI270302v1"]


def test_a_fasta_without_headers_is_refused(tmp_path):
    path = tmp_path / "ref.fa"
    path.write_text("ACGT\n")
    with pytest.raises(UserInputError, match="no '>' header line: not a FASTA file"):
        C.fasta_contig_names(path)


def run_tool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BIN / "panel_to_reference.py"), *args], capture_output=True, text=True)


def test_cli_writes_the_reference_beds_and_the_gene_table(tmp_path):
    result = run_tool("--regions", str(REPO / "panels/hlh/regions.bed"), "--targets", str(REPO / "panels/hlh/targets.bed"),
                      "--fai", str(TEST_REF / "hlh_windows.synthetic.fa.fai"), "--windows", str(TEST_REF / "windows.tsv"),
                      "--outdir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "WARNING 16 of 21 panel genes" in result.stderr
    rows = (tmp_path / "panel_callability.tsv").read_text().splitlines()
    assert rows[0].split("\t") == list(C.COLUMNS) and len(rows) == 22
    mqc = (tmp_path / "panel_callability_mqc.tsv").read_text()
    assert "16 of 21 panel genes cannot be called" in mqc and "LYST\tchr1" in mqc
    assert (tmp_path / "regions.reference.bed").read_text().startswith("chr6_144149017_144193439\t")


def test_cli_fails_when_no_panel_gene_lies_on_the_reference(tmp_path):
    fai = tmp_path / "other.fa.fai"
    fai.write_text("chr2\t1000\t6\t60\t61\n")
    regions = bed(tmp_path, "chr10\t100\t200\tPRF1|exon1")
    result = run_tool("--regions", str(regions), "--targets", str(regions), "--fai", str(fai), "--outdir", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "chrom: no panel region lies on the reference" in result.stderr
    assert not (tmp_path / "out/panel_callability.tsv").exists()
