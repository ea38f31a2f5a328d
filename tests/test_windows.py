"""Reference windows: BED onto windows, VCF back to GRCh38, GRCh38-coordinate FASTA."""

from __future__ import annotations

import io
from pathlib import Path

import pysam
import pytest
from hypothesis import given, settings, strategies as st

from hlhscreen.errors import UserInputError
from hlhscreen.callability import ReferenceLayout, place_bed, write_reference_bed
from hlhscreen.windows import Window, check_against_fai, read_windows, vcf_to_genome, write_genome_fasta

REPO = Path(__file__).resolve().parents[1]
TEST_REF = REPO / "assets/test_cohort/reference"


def windows_file(tmp_path: Path, rows) -> Path:
    path = tmp_path / "windows.tsv"
    path.write_text("contig\tchrom\tstart\tend\tchrom_length\n" + "".join("\t".join(map(str, r)) + "\n" for r in rows))
    return path


def test_read_windows_and_offsets(tmp_path):
    windows = read_windows(windows_file(tmp_path, [("w1", "chr1", 101, 200, 1000), ("w2", "chr1", 301, 400, 1000)]))
    assert windows["w1"].offset == 100 and windows["w2"].length == 100


@pytest.mark.parametrize("rows, message", [
    ([("w1", "chr1", 101, 200, 1000), ("w2", "chr1", 150, 250, 1000)], "windows.tsv:3: start/end: overlaps window w1"),
    ([("w1", "chr1", 201, 200, 1000)], "windows.tsv:2: start/end: need 1 <= start <= end <= chrom_length"),
    ([("w1", "chr1", "x", 200, 1000)], "windows.tsv:2: start/end/chrom_length: not an integer"),
    ([("w1", "chr1", 1, 2, 10), ("w1", "chr2", 1, 2, 10)], "windows.tsv:3: contig: window w1 listed twice"),
])
def test_bad_windows_tables(tmp_path, rows, message):
    with pytest.raises(UserInputError, match=message.replace("(", r"\(")):
        read_windows(windows_file(tmp_path, rows))


def test_bed_is_clipped_and_shifted_onto_windows(tmp_path):
    windows = read_windows(windows_file(tmp_path, [("w1", "chr1", 101, 200, 1000)]))
    bed = tmp_path / "panel.bed"
    bed.write_text("chr1\t90\t110\tA|exon1\nchr1\t150\t160\tA|exon2\nchr1\t500\t600\tB|exon1\nchr2\t0\t10\tC\n")
    out = io.StringIO()
    layout = ReferenceLayout({"w1": 100}, windows, "ref.fa.fai")
    assert write_reference_bed(place_bed(bed, layout), out) == 2
    # chr1:90-110 (0-based) keeps its part inside the window (100-110) -> window 0-10
    # chr1:150-160 (0-based) = 1-based 151-160 = window 51-60 = window BED 50-60
    assert out.getvalue() == "w1\t0\t10\tA|exon1\nw1\t50\t60\tA|exon2\n"


def test_vcf_back_to_genome_rewrites_contigs_and_positions(tmp_path):
    windows = read_windows(windows_file(tmp_path, [("w1", "chr1", 101, 200, 1000)]))
    vcf = tmp_path / "in.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n##contig=<ID=w1,length=100>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                   "w1\t5\t.\tA\tG\t50\t.\t.\n")
    out = io.StringIO()
    assert vcf_to_genome(vcf, windows, out) == 1
    lines = out.getvalue().splitlines()
    assert "##contig=<ID=chr1,length=1000,assembly=GRCh38>" in lines
    assert lines[-1] == "chr1\t105\t.\tA\tG\t50\t.\t."


def test_vcf_back_to_genome_moves_the_original_record_of_a_piece_too(tmp_path):
    """OLD_REC (the FreeBayes record an atomised or split record came from) named the window: the
    screen's warnings quote it, so it is moved onto GRCh38 like the record."""
    windows = read_windows(windows_file(tmp_path, [("w1", "chr1", 101, 200, 1000)]))
    vcf = tmp_path / "in.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n##contig=<ID=w1,length=100>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                   "w1\t7\t.\tG\tC\t50\t.\tTYPE=mnp;OLD_REC=w1|3|CAGTG|GAGTC|1\tGT\t0/1\n"
                   "w1\t8\t.\tA\tT\t50\t.\tOLD_REC=other|8|A|T,C|1,2\tGT\t0/1\n")
    out = io.StringIO()
    assert vcf_to_genome(vcf, windows, out) == 2
    lines = out.getvalue().splitlines()
    assert lines[-2] == "chr1\t107\t.\tG\tC\t50\t.\tTYPE=mnp;OLD_REC=chr1|103|CAGTG|GAGTC|1\tGT\t0/1"
    assert lines[-1].endswith("OLD_REC=other|8|A|T,C|1,2\tGT\t0/1")


def test_vcf_on_an_unknown_contig_is_an_error(tmp_path):
    windows = read_windows(windows_file(tmp_path, [("w1", "chr1", 101, 200, 1000)]))
    vcf = tmp_path / "in.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nw9\t5\t.\tA\tG\t50\t.\t.\n")
    with pytest.raises(UserInputError, match=r"in.vcf:3: CHROM: w9 is not a window"):
        vcf_to_genome(vcf, windows, io.StringIO())


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 400), st.integers(1, 300)), min_size=1, max_size=3, unique_by=lambda t: t[0]),
       st.integers(1, 120))
def test_genome_fasta_places_each_window_at_its_coordinates(tmp_path_factory, layout, width):
    tmp = tmp_path_factory.mktemp("fa")
    rows, cursor, seqs = [], 1, {}
    for index, (gap, length) in enumerate(sorted(layout)):
        start = cursor + gap
        end = start + length - 1
        cursor = end + 1
        name = f"w{index}"
        rows.append((name, "chrZ", start, end, cursor + 1000))
        seqs[name] = "".join("ACGT"[(i * 7 + index) % 4] for i in range(length))
    wins = read_windows(windows_file(tmp, rows))
    fasta = tmp / "w.fa"
    fasta.write_text("".join(f">{n}\n{s}\n" for n, s in seqs.items()))
    out = tmp / "genome.fa"
    with open(out, "w") as handle:
        write_genome_fasta(wins, fasta, handle, width=width)
    pysam.faidx(str(out))  # also validates equal line lengths
    genome = pysam.FastaFile(str(out))
    for name, chrom, start, end, _ in rows:
        assert genome.fetch("chrZ", start - 1, end) == seqs[name]
    first_start = rows[0][2]
    assert set(genome.fetch("chrZ", 0, first_start - 1)) <= {"N"}
    assert genome.get_reference_length("chrZ") == rows[-1][3]


def test_committed_test_reference_matches_its_windows_table():
    windows = read_windows(TEST_REF / "windows.tsv")
    check_against_fai(windows, TEST_REF / "hlh_windows.synthetic.fa.fai")
    assert {w.chrom for w in windows.values()} == {"chr6", "chr10", "chr17", "chr19", "chrX"}


def test_window_length_mismatch_is_reported(tmp_path):
    windows = {"w1": Window("w1", "chr1", 1, 10, 100)}
    fai = tmp_path / "ref.fa.fai"
    fai.write_text("w1\t12\t4\t60\t61\n")
    with pytest.raises(UserInputError, match="w1 is 12 bp but its window spans 10 bp"):
        check_against_fai(windows, fai)
