"""FreeBayes MNP/complex calls: atomised in BCFTOOLS_NORM so every piece can get its gnomAD frequency,
duplicate alleles merged sample by sample (hlhscreen/duplicates.py), and SCREEN's cis/trans rule
for the pieces (OLD_REC with the original ALT indexes; docs/design.md "Normalisation",
docs/screening.md "Gene status").

The BCFTOOLS_NORM tests run the module itself with Nextflow on hand-made FreeBayes-like chunks; the
screen tests use records written the way bcftools 1.16 writes them (checked by the module test).
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List, Sequence

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hlhscreen import decompose as DC
from hlhscreen import duplicates as D
from hlhscreen import screen as S
from hlhscreen.errors import UserInputError
from nextflow_runner import run_nextflow
from test_screen_inputs import run as run_screen_inputs
from test_screen_inputs import vcf_row, vep_entry, write_vcf

REPO = Path(__file__).resolve().parents[1]
BCFTOOLS = shutil.which("bcftools")
OLD_REC_HEADER = ('##INFO=<ID=OLD_REC,Number=1,Type=String,Description="Original variant. Format: '
                  'CHR|POS|REF|ALT|USED_ALT_IDX">')

# a made-up contig: positions 10-14 CGTAG, 19 C, 30-33 TAGC, 40 A; from 81 repeats: 90-101 a CA repeat
# (CACACACACACA, then G), 119-124 a T run (TTTTTT, then GACC)
SEQUENCE = ("ACGTACGTACGTAGCTAGCTGATCGTAGCTAGCTAGCTGACTGATCGATCGATGCTAGCTAGAGCATCGATCGATCGTAG"
            "GATTCGGATC" + "AC" * 6 + "GTTAGCTTAGGCATCG" + "TTTTTT" + "GACCGTAGCTAGGACT")


def base(pos: int) -> str:
    return SEQUENCE[pos - 1]


def records_of(text: str) -> List[List[str]]:
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


def info_of(record: Sequence[str]) -> Dict[str, str]:
    return dict(part.split("=", 1) if "=" in part else (part, "") for part in record[7].split(";"))


# =============================================================================================
# duplicate alleles: each sample's genotype merged on its own
# =============================================================================================

DUP_HEAD = ("##fileformat=VCFv4.2\n##contig=<ID=chr1,length=80>\n" + OLD_REC_HEADER + "\n"
            '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
            '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\tS3\tS4\tS5\n")


def merge(body: str) -> tuple:
    out = io.StringIO()
    counts = D.merge_duplicates(io.StringIO(DUP_HEAD + body), out, "in.vcf")
    return records_of(out.getvalue()), counts, out.getvalue()


def test_duplicate_allele_genotypes_are_merged_per_sample():
    """Before (bcftools norm -d exact): the second record's genotypes were dropped, so S2 and S4 (called
    only there) became non-carriers; bcftools norm -m +any would have made S3's two hets one hom."""
    records, counts, text = merge(
        "chr1\t10\t.\tC\tG\t50\t.\tOLD_REC=chr1|10|CGTAG|GGTAC|1\tGT:DP\t0/1:30\t0/0:30\t0/1:30\t./.:0\t0/1:30\n"
        "chr1\t10\t.\tC\tT\t30\t.\t.\tGT:DP\t0/0:30\t0/0:30\t0/0:30\t0/0:30\t0/0:30\n"
        "chr1\t10\t.\tC\tG\t70\t.\t.\tGT:DP\t0/0:31\t0/1:32\t0/1:33\t0/1:34\t1/1:35\n"
        "chr1\t14\t.\tG\tC\t50\t.\tOLD_REC=chr1|10|CGTAG|GGTAC|1\tGT:DP\t0/1:30\t0/0:30\t0/1:30\t./.:0\t0/1:30\n")
    assert [r[1:5] for r in records] == [["10", ".", "C", "G"], ["10", ".", "C", "T"], ["14", ".", "G", "C"]]
    merged = records[0]
    assert merged[9:] == ["0/1:30", "0/1:32", "0/1:30", "0/1:34", "./.:30"]
    assert merged[5] == "70"  # the calls of both records are used
    info = info_of(merged)
    assert info["DUP_CALLS"] == "2"
    assert "OLD_REC" not in info  # S2/S4's calls did not come from the MNP: phase unknown
    assert info_of(records[2])["OLD_REC"] == "chr1|10|CGTAG|GGTAC|1"
    assert (counts.alleles_merged, counts.calls_taken_from_later_records, counts.calls_set_missing,
            counts.old_rec_removed) == (1, 2, 1, 1)
    assert D.DUP_HEADER in text


def test_identical_duplicates_keep_the_first_record_and_its_origin():
    records, counts, _ = merge(
        "chr1\t30\t.\tT\tC\t50\t.\tOLD_REC=chr1|30|TAGC|CAGG,TAGG|1\tGT:DP\t1/0:30\t0/0:30\t0/0:30\t0/0:30\t./.:0\n"
        "chr1\t30\t.\tT\tC\t50\t.\tOLD_REC=chr1|30|TAGC|CAGG,TAGG|1\tGT:DP\t1/0:30\t0/0:30\t0/0:30\t0/0:30\t./.:0\n")
    assert len(records) == 1 and info_of(records[0])["OLD_REC"] == "chr1|30|TAGC|CAGG,TAGG|1"
    assert records[0][9:] == ["1/0:30", "0/0:30", "0/0:30", "0/0:30", "./.:0"]
    assert counts.calls_taken_from_later_records == counts.calls_set_missing == 0


def test_duplicate_with_another_format_is_rekeyed():
    records, _, _ = merge(
        "chr1\t10\t.\tC\tG\t50\t.\t.\tGT:DP\t0/0:30\t0/0:30\t0/0:30\t0/0:30\t0/0:30\n"
        "chr1\t10\t.\tC\tG\t50\t.\t.\tDP:GT\t30:0/0\t12:0/1\t30:0/0\t30:0/0\t30:0/0\n")
    assert records[0][8:10 + 1] == ["GT:DP", "0/0:30", "0/1:12"]


def test_unsorted_input_is_refused():
    with pytest.raises(UserInputError, match=r"in.vcf:8: POS: chr1:5 comes after chr1:10. Sort"):
        merge("chr1\t10\t.\tC\tG\t50\t.\t.\tGT:DP\t0/0:30\t0/0:30\t0/0:30\t0/0:30\t0/0:30\n"
              "chr1\t5\t.\tA\tG\t50\t.\t.\tGT:DP\t0/0:30\t0/0:30\t0/0:30\t0/0:30\t0/0:30\n")


def test_a_half_call_naming_the_alt_is_not_merged_into_a_reference_call():
    """Before: S1's `./1` (one ALT copy seen, the other allele not called) against `0/0` in the other
    record became `0/0`: a possible carrier turned into a confirmed non-carrier. Now the half call is
    kept (SCREEN: not_assessable, no_call); against a fully called carrying call, that call."""
    records, counts, _ = merge(
        "chr1\t10\t.\tC\tG\t50\t.\t.\tGT:DP\t./1:30\t.|1:30\t1/.:30\t0/.:30\t./1:30\n"
        "chr1\t10\t.\tC\tG\t60\t.\t.\tGT:DP\t0/0:31\t0/0:32\t1/1:33\t0/1:34\t./.:35\n")
    assert records[0][9:] == ["./1:30", ".|1:30", "1/1:33", "0/1:34", "./1:30"]
    assert counts.calls_set_missing == 0


GENOTYPES = st.sampled_from(["0/0", "0/1", "1/0", "1/1", "./.", "0/.", "./1", "0|1", "1|1"])


@settings(max_examples=150, deadline=None)
@given(calls=st.lists(st.lists(GENOTYPES, min_size=5, max_size=5), min_size=1, max_size=4))
def test_merged_call_is_one_of_the_inputs_or_missing(calls):
    """Property: one record per allele; a sample's merged genotype is one of its input calls, or
    missing exactly when its calls carry different numbers of ALT copies; it never adds copies up, and
    it is never a reference call when a record shows the ALT (a half call ./1 included)."""
    body = "".join("chr1\t10\t.\tC\tG\t50\t.\t.\tGT:DP\t" + "\t".join(f"{gt}:{r}" for gt in row) + "\n"
                   for r, row in enumerate(calls))
    records, _, _ = merge(body)
    assert len(records) == 1
    for s in range(5):
        column = records[0][9 + s]
        inputs = [f"{row[s]}:{r}" for r, row in enumerate(calls)]
        copies = {D.alt_copies(row[s]) for row in calls} - {None, 0}
        if len(copies) > 1:
            assert column.split(":")[0] == "./." and D.alt_copies(column.split(":")[0]) is None
        else:
            assert column in inputs
            if copies:
                assert D.alt_copies(column.split(":")[0]) == copies.pop()
        if any("1" in row[s] for row in calls):  # an ALT seen in any record: never a reference call
            assert D.alt_copies(column.split(":")[0]) != 0


# =============================================================================================
# BCFTOOLS_NORM (the module, run by Nextflow): atomised pieces, their origin, gnomAD on every piece
# =============================================================================================

FB_HEADER = ["##fileformat=VCFv4.2", f"##contig=<ID=chr1,length={len(SEQUENCE)}>",
             '##INFO=<ID=TYPE,Number=A,Type=String,Description="FreeBayes allele type">',
             '##INFO=<ID=CIGAR,Number=A,Type=String,Description="FreeBayes: the alignment of each ALT to REF">',
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
             '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allele depths">',
             "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", "S1", "S2", "S3"])]

# FreeBayes-like chunks. chunk_a: an MNP (10 C>G + 14 G>C on one haplotype) and a 1/2 complex site
# (30 TAGC>CAGG,TAGG: ALT 1 = 30 T>C + 33 C>G, ALT 2 = 33 C>G alone). chunk_b overlaps it: the
# complex site again (same record) and 10 C>G called on its own, carried by S2 (not by the MNP), and
# by S3 as hom where the MNP says het (the two calls disagree).
CHUNK_A = ["chr1\t10\t.\tCGTAG\tGGTAC\t60\t.\tTYPE=mnp\tGT:DP:AD\t0/1:30:15,15\t0/0:30:30,0\t0/1:30:15,15",
           "chr1\t30\t.\tTAGC\tCAGG,TAGG\t80\t.\tTYPE=complex,snp\tGT:DP:AD\t1/2:30:0,15,15\t0/2:30:15,0,15\t"
           "0/0:30:30,0,0"]
CHUNK_B = ["chr1\t10\t.\tC\tG\t40\t.\tTYPE=snp\tGT:DP:AD\t0/0:30:30,0\t0/1:30:15,15\t1/1:30:0,30",
           "chr1\t30\t.\tTAGC\tCAGG,TAGG\t80\t.\tTYPE=complex,snp\tGT:DP:AD\t1/2:30:0,15,15\t0/2:30:15,0,15\t"
           "0/0:30:30,0,0"]
# chunk_c: complex alleles with an indel, as FreeBayes writes them in repeats (INFO/CIGAR is its
# alignment of the ALT): 97 ACACACGTT>ACACGTA is a CA deletion in the CA repeat + 105 T>A;
# 119 TTTTTTGA>TTTTTGAT moves a T from the T run to after GA (same length: a deletion and an
# insertion); 124 TGACC>GACCTT has no CIGAR (a caller that writes none): atomised without alignment.
CHUNK_C = ["chr1\t97\t.\tACACACGTT\tACACGTA\t60\t.\tTYPE=complex;CIGAR=1M2D5M1X\tGT:DP:AD\t0/1:30:15,15\t"
           "0/0:30:30,0\t1/1:30:0,30",
           "chr1\t119\t.\tTTTTTTGA\tTTTTTGAT\t60\t.\tTYPE=complex;CIGAR=5M1D2M1I\tGT:DP:AD\t0/0:30:30,0\t"
           "0/1:30:15,15\t0/0:30:30,0",
           "chr1\t124\t.\tTGACC\tGACCTT\t60\t.\tTYPE=complex\tGT:DP:AD\t0/0:30:30,0\t0/0:30:30,0\t0/1:30:15,15"]
# gnomAD lists the SNVs and indels separately (as every gnomAD release does), indels left-aligned
GNOMAD_SITES = [("10", "C", "G", "0.25"), ("14", "G", "C", "0.25"), ("30", "T", "C", "0.001"), ("33", "C", "G", "0.4"),
                ("89", "TCA", "T", "0.05"), ("105", "T", "A", "0.002"), ("118", "GT", "G", "0.3"),
                ("126", "A", "AT", "0.3")]


def _bgzip_tabix(path: Path) -> Path:
    subprocess.run(["bgzip", "-f", str(path)], check=True)
    subprocess.run(["tabix", "-f", "-p", "vcf", f"{path}.gz"], check=True)
    return Path(f"{path}.gz")


def _norm_workspace(tmp: Path, chunks: Dict[str, List[str]], header: List[str]) -> None:
    (tmp / "ref.fa").write_text(">chr1\n" + SEQUENCE + "\n")
    subprocess.run(["samtools", "faidx", str(tmp / "ref.fa")], check=True)
    for name, rows in chunks.items():
        (tmp / f"{name}.vcf").write_text("\n".join(header + rows) + "\n")
        _bgzip_tabix(tmp / f"{name}.vcf")
    (tmp / "bin").symlink_to(REPO / "bin")  # the module calls merge_duplicate_alleles.py


def _run_norm(tmp: Path, with_gnomad: bool = False) -> None:
    annotate = ""
    if with_gnomad:
        annotate = f"""
    GNOMAD_ANNOTATE(UNZIP(BCFTOOLS_NORM.out.vcf),
                    Channel.of([file("{tmp}/gnomad.vcf.gz"), file("{tmp}/gnomad.vcf.gz.tbi")]).first())
    GNOMAD_ANNOTATE.out.vcf.subscribe {{ vcf, tbi -> vcf.copyTo("{tmp}/annotated.vcf.gz") }}"""
    (tmp / "main.nf").write_text(f"""
params.tools_container = 'hlhscreen-tools'
include {{ BCFTOOLS_NORM }} from '{REPO}/modules/local/bcftools_norm'
include {{ GNOMAD_ANNOTATE }} from '{REPO}/modules/local/gnomad_annotate'
process UNZIP {{
    input:
    path vcf
    output:
    path "norm.vcf"
    script:
    "bgzip -dc $vcf > norm.vcf"
}}
workflow {{
    BCFTOOLS_NORM(Channel.fromPath("{tmp}/chunk_*.vcf.gz").collect(),
                  Channel.fromPath("{tmp}/chunk_*.vcf.gz.tbi").collect(),
                  file("{tmp}/ref.fa"), file("{tmp}/ref.fa.fai"))
    BCFTOOLS_NORM.out.vcf.subscribe {{ f -> f.copyTo("{tmp}/norm.vcf.gz") }}{annotate}
}}
""")
    run_nextflow(tmp, "-c", str(tmp / "pipefail.config"), pipeline=str(tmp / "main.nf"), timeout=600)


def _decompressed(path: Path) -> str:
    return subprocess.run(["bgzip", "-dc", str(path)], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def norm_run(tmp_path_factory):
    """One Nextflow run of BCFTOOLS_NORM on the two chunks, then GNOMAD_ANNOTATE with a sites VCF
    that lists the SNVs separately."""
    tmp = tmp_path_factory.mktemp("norm")
    _norm_workspace(tmp, {"chunk_a": CHUNK_A, "chunk_b": CHUNK_B, "chunk_c": CHUNK_C}, FB_HEADER)
    gnomad = tmp / "gnomad.vcf"
    gnomad.write_text(f"##fileformat=VCFv4.2\n##contig=<ID=chr1,length={len(SEQUENCE)}>\n"
                      '##INFO=<ID=AF,Number=A,Type=Float,Description="Alternate allele frequency">\n'
                      "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
                      + "".join(f"chr1\t{p}\t.\t{r}\t{a}\t.\tPASS\tAF={af}\n" for p, r, a, af in GNOMAD_SITES))
    _bgzip_tabix(gnomad)
    (tmp / "pipefail.config").write_text("process.shell = ['/bin/bash', '-euo', 'pipefail']\n")
    _run_norm(tmp, with_gnomad=True)
    return tmp


@pytest.mark.pipeline
def test_norm_module_atomises_freebayes_mnp_and_complex_calls(norm_run):
    records = [r for r in records_of(_decompressed(norm_run / "norm.vcf.gz")) if int(r[1]) <= 80]  # chunks a, b
    by_key = {(r[1], r[3], r[4]): r for r in records}
    assert list(by_key) == [("10", "C", "G"), ("14", "G", "C"), ("30", "T", "C"), ("33", "C", "G")]
    assert all(r[4] != "*" for r in records)  # the overlap placeholders are dropped
    # the MNP's second piece: S1 and S3 carry the FreeBayes haplotype, OLD_REC names it
    mnp = by_key[("14", "G", "C")]
    assert info_of(mnp)["OLD_REC"] == "chr1|10|CGTAG|GGTAC|1"
    assert [c.split(":")[0] for c in mnp[9:]] == ["0/1", "0/0", "0/1"]
    # 10 C>G: the MNP piece and the lone SNV merged sample by sample (S2 from the SNV; S3 disagrees)
    merged = by_key[("10", "C", "G")]
    assert [c.split(":")[0] for c in merged[9:]] == ["0/1", "0/1", "./."]
    assert info_of(merged)["DUP_CALLS"] == "2" and "OLD_REC" not in info_of(merged)
    # the 1/2 complex site: 30 T>C is ALT 1 only (S1 1/0, in the GT order of the original 1/2);
    # 33 C>G is in both ALTs: hom for the 1/2 sample, het for the 0/2 sample
    first = by_key[("30", "T", "C")]
    shared = by_key[("33", "C", "G")]
    assert info_of(first)["OLD_REC"] == "chr1|30|TAGC|CAGG,TAGG|1"
    assert info_of(shared)["OLD_REC"] == "chr1|30|TAGC|CAGG,TAGG|1,2"
    assert [c.split(":")[0] for c in first[9:]] == ["1/0", "0/0", "0/0"]
    assert [c.split(":")[0] for c in shared[9:]] == ["1/1", "0/1", "0/0"]


@pytest.mark.pipeline
def test_every_atomised_piece_gets_its_gnomad_frequency(norm_run):
    """Before: the MNP CGTAG>GGTAC and the complex TAGC>CAGG,TAGG reached annotation whole, matched no
    gnomAD record (which lists the SNVs) and were screened as novel."""
    annotated = records_of(_decompressed(norm_run / "annotated.vcf.gz"))
    found = {(r[1], r[3], r[4]): info_of(r).get("gnomAD_AF") for r in annotated
             if DC.UNALIGNED_TAG not in info_of(r)}  # 124 TGACC>GACCTT: no alignment (next test)
    assert found == {(p, r, a): af for p, r, a, af in GNOMAD_SITES}
    if BCFTOOLS:  # the same annotation of the un-atomised chunk finds none of them
        raw = subprocess.run([BCFTOOLS, "annotate", "-a", str(norm_run / "gnomad.vcf.gz"), "-c",
                              "INFO/gnomAD_AF:=INFO/AF", "--pair-logic", "exact", str(norm_run / "chunk_a.vcf.gz")],
                             capture_output=True, text=True, check=True).stdout
        assert all("gnomAD_AF" not in info_of(r) for r in records_of(raw))


@pytest.mark.pipeline
def test_norm_module_decomposes_complex_alleles_along_the_freebayes_alignment(norm_run):
    """Before: `bcftools norm --atomize` compared the bases without aligning, so 97 ACACACGTT>ACACGTA
    (a CA deletion + an SNV) became 101 A>G, 102 C>T, 103 GTT>A and 119 TTTTTTGA>TTTTTGAT (a T moved
    along a run) became three SNVs: no database lists those, so they were screened as novel. Now they
    are the deletion, SNV and insertion of FreeBayes' own alignment (INFO/CIGAR), left-aligned, with
    OLD_REC naming the FreeBayes record; the allele without a CIGAR is flagged."""
    records = [r for r in records_of(_decompressed(norm_run / "norm.vcf.gz")) if int(r[1]) > 80]
    by_key = {(r[1], r[3], r[4]): r for r in records}
    assert list(by_key) == [("89", "TCA", "T"), ("105", "T", "A"), ("118", "GT", "G"), ("124", "T", "G"),
                            ("125", "G", "A"), ("126", "A", "AT"), ("126", "A", "C"), ("128", "C", "TT")]
    for key, origin, gts in ((("89", "TCA", "T"), "chr1|97|ACACACGTT|ACACGTA|1", ["0/1", "0/0", "1/1"]),
                             (("105", "T", "A"), "chr1|97|ACACACGTT|ACACGTA|1", ["0/1", "0/0", "1/1"]),
                             (("118", "GT", "G"), "chr1|119|TTTTTTGA|TTTTTGAT|1", ["0/0", "0/1", "0/0"]),
                             (("126", "A", "AT"), "chr1|119|TTTTTTGA|TTTTTGAT|1", ["0/0", "0/1", "0/0"])):
        record = by_key[key]
        assert info_of(record)["OLD_REC"] == origin, key
        assert [c.split(":")[0] for c in record[9:]] == gts, key
        assert record[8] == "GT:DP" and DC.UNALIGNED_TAG not in info_of(record)  # per-allele AD dropped
    # no CIGAR: bcftools' base-by-base pieces, each flagged (SCREEN: not_matchable without a frequency)
    for key in (("124", "T", "G"), ("125", "G", "A"), ("126", "A", "C"), ("128", "C", "TT")):
        assert DC.UNALIGNED_TAG in info_of(by_key[key]), key
    if BCFTOOLS:  # what atomising alone makes of the same chunk
        raw = subprocess.run([BCFTOOLS, "norm", "--atomize", "-f", str(norm_run / "ref.fa"),
                              str(norm_run / "chunk_c.vcf.gz")], capture_output=True, text=True, check=True).stdout
        assert {(r[1], r[3], r[4]) for r in records_of(raw)} >= {("101", "A", "G"), ("102", "C", "T"),
                                                                  ("124", "T", "G"), ("126", "A", "T")}


@pytest.mark.pipeline
def test_norm_module_removes_duplicates_and_tags_split_records(tmp_path):
    """The CALL step's BCFTOOLS_NORM process on two calling chunks: a record called in both
    overlapping chunks, and a multi-allelic site whose split allele equals a biallelic record, come
    out once; split records carry OLD_REC."""
    header = ["##fileformat=VCFv4.2", f"##contig=<ID=chr1,length={len(SEQUENCE)}>",
              '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
              "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", "S1", "S2"])]
    chunk_a = [f"chr1\t10\t.\t{base(10)}\tT\t50\t.\t.\tGT\t0/1\t0/0",
               f"chr1\t19\t.\t{base(19)}\tA,T\t50\t.\t.\tGT\t1/2\t0/1"]
    chunk_b = [f"chr1\t10\t.\t{base(10)}\tT\t50\t.\t.\tGT\t0/1\t0/0",
               f"chr1\t19\t.\t{base(19)}\tA\t50\t.\t.\tGT\t0/1\t0/1"]
    assert base(19) not in "AT" and base(10) != "T"
    _norm_workspace(tmp_path, {"chunk_a": chunk_a, "chunk_b": chunk_b}, header)
    (tmp_path / "pipefail.config").write_text("process.shell = ['/bin/bash', '-euo', 'pipefail']\n")
    _run_norm(tmp_path)
    text = _decompressed(tmp_path / "norm.vcf.gz")
    records = records_of(text)
    keys = [tuple(r[:2] + r[3:5]) for r in records]
    assert len(keys) == len(set(keys)) == 3, keys
    assert "##INFO=<ID=OLD_REC" in text
    split = {r[4]: r for r in records if r[1] == "19"}
    assert info_of(split["T"])["OLD_REC"] == "chr1|19|C|A,T|2"
    # the same dosage in both chunks: the split record leads (its OLD_REC and GT order are kept)
    assert [split["A"][9], split["A"][10]] == ["1/0", "0/1"]
    assert info_of(split["A"])["OLD_REC"] == "chr1|19|C|A,T|1" and info_of(split["A"])["DUP_CALLS"] == "2"


# =============================================================================================
# SCREEN on atomised input: pieces of one haplotype allele are in cis, of two ALTs in trans
# =============================================================================================

def _screen(tmp: Path, rows: List[str]) -> Dict[str, Dict[str, str]]:
    """gene_status rows of S1-S3 (PRF1) for records of PRF1 exon 3 written as bcftools writes pieces."""
    tmp.mkdir(parents=True, exist_ok=True)
    vcf = write_vcf(tmp / "in.vcf", rows, extra_header=[OLD_REC_HEADER], samples=("S1", "S2", "S3"))
    sheet = tmp / "sheet.csv"
    sheet.write_text("sample,group\nS1,case\nS2,control\nS3,case\n")
    out = run_screen_inputs(tmp, vcf, sheet=sheet)
    return {sample: row for (sample, gene), row in out.genes.items() if gene == "PRF1"}


def _row(pos: int, ref: str, alt: str, old_rec: str, gts: Sequence[str], hgvsp: str) -> str:
    info = (f"OLD_REC={old_rec};" if old_rec else "") + "CSQ=" + vep_entry(alt, hgvsp=hgvsp)
    return vcf_row(pos, ref, alt, info, [f"{g}:30:99" for g in gts])


def test_pieces_of_one_freebayes_haplotype_are_not_a_compound_het(tmp_path):
    """Before: the two pieces of one atomised MNP shared OLD_REC, which the screen read as 'two ALT
    alleles of one site, in trans': a single MNP carrier became compound_het (biallelic)."""
    mnp = "chr10|70598100|CAGGT|TAGGA"
    genes = _screen(tmp_path, [
        _row(70598100, "C", "T", f"{mnp}|1", ["0/1", "0/1", "0/0"], "p.Gly1Asp"),
        _row(70598104, "T", "A", f"{mnp}|1", ["0/1", "0/0", "0/0"], "p.Val2Glu"),
        _row(70598300, "G", "A", "", ["0/0", "0/1", "0/0"], "p.Ala5Val"),
    ])
    assert genes["S1"]["status"] == "monoallelic"  # one haplotype allele, two pieces
    assert genes["S2"]["status"] == "possible_compound_het"  # a piece and another site: phase unknown
    assert genes["S3"]["status"] == "none"


def test_pieces_of_the_two_alts_of_a_1_2_site_are_in_trans(tmp_path):
    """A 1/2 complex call atomised (bcftools keeps the GT order): pieces of ALT 1 only and of ALT 2 only
    are on the two haplotypes; a piece in both ALTs is hom for the 1/2 sample."""
    site = "chr10|70598100|CAGGT|TAGGA,CAGGA"
    genes = _screen(tmp_path, [
        _row(70598100, "C", "T", f"{site}|1", ["1/0", "0/0", "0/0"], "p.Gly1Asp"),
        _row(70598104, "T", "A", f"{site}|1,2", ["1/1", "0/1", "0/0"], "p.Val2Glu"),
    ])
    assert genes["S1"]["status"] == "biallelic_hom"  # 70598104 T>A on both haplotypes
    assert genes["S2"]["status"] == "monoallelic"
    site3 = "chr10|70598100|CAGGT|TAGGT,CAGGA"
    genes = _screen(tmp_path / "b", [
        _row(70598100, "C", "T", f"{site3}|1", ["1/0", "0/1", "0/0"], "p.Gly1Asp"),
        _row(70598104, "T", "A", f"{site3}|2", ["0/1", "0/0", "0/1"], "p.Val2Glu"),
    ])
    assert genes["S1"]["status"] == "compound_het"  # 1/2: one ALT on each haplotype
    assert genes["S2"]["status"] == "monoallelic"


def test_shared_piece_of_a_three_alt_site_uses_the_genotype_order(tmp_path):
    """61 AGAG>GGAC,AGAC,GGAT atomised by bcftools 1.16 (module docstring): A>G is in ALTs 1 and 3,
    G>C in 1 and 2, G>T in 3. S1 (2/3 in the original) carries A>G with ALT 3 (second GT slot) and
    G>C with ALT 2 (first slot): in trans, though both pieces share ALT 1. S2 (0/1) carries A>G and
    G>C on its one ALT 1 haplotype: in cis."""
    site = "chr10|70598101|AGAG|GGAC,AGAC,GGAT"
    rows = [
        _row(70598101, "A", "G", f"{site}|1,3", ["0/1", "0/1", "0/0"], "p.Gly1Asp"),
        _row(70598104, "G", "C", f"{site}|1,2", ["1/0", "0/1", "0/0"], "p.Val2Glu"),
    ]
    genes = _screen(tmp_path, rows)
    assert genes["S1"]["status"] == "compound_het"
    assert genes["S2"]["status"] == "monoallelic"


def test_phase_relation_rules():
    het = S._HET
    one = S.Origin("chr1|10|CGTAG|GGTAC", frozenset({1}), 1)
    a = S.CarriedCall("a", het, origin=one, slot=1)
    b = S.CarriedCall("b", het, origin=one, slot=0)  # slot ignored: a one-ALT record has one haplotype allele
    assert S.phase_relation(a, b) == "cis"
    assert S.gene_status([a, b]) == "monoallelic"
    two = "chr1|30|TAGC|CAGG,TAGG"
    first, second, both = (S.Origin(two, frozenset(x), 2) for x in ({1}, {2}, {1, 2}))
    assert S.phase_relation(S.CarriedCall("a", het, origin=first), S.CarriedCall("b", het, origin=second)) == "trans"
    # sharing an ALT of a several-ALT record without a GT order: unknown
    assert S.phase_relation(S.CarriedCall("a", het, origin=first), S.CarriedCall("b", het, origin=both)) is None
    assert S.gene_status([S.CarriedCall("a", het, origin=first),
                          S.CarriedCall("b", het, origin=both)]) == "possible_compound_het"
    # a phase block decides before the origin
    assert S.phase_relation(S.CarriedCall("a", het, 5, 0, origin=first),
                            S.CarriedCall("b", het, 5, 0, origin=second)) == "cis"
    # newer bcftools atomise A>GT into A>G and A>AT: one POS and REF, but one haplotype allele (the
    # origin decides before the same-site rule)
    delins = S.Origin("chr1|40|A|GT", frozenset({1}), 1)
    site = frozenset({("chr1", 40, "A")})
    assert S.gene_status([S.CarriedCall("snv", het, sites=site, span=(40, 40, False), origin=delins),
                          S.CarriedCall("ins", het, sites=site, span=(40, 41, True), origin=delins)]) == "monoallelic"
    assert S.gene_status([S.CarriedCall("snv", het, sites=site), S.CarriedCall("ins", het, sites=site)]) == "compound_het"
    # cis groups: three pieces of one haplotype and a fourth variant elsewhere
    pieces = [S.CarriedCall(str(i), het, origin=one) for i in range(3)]
    assert S.gene_status(pieces) == "monoallelic"
    assert S.gene_status(pieces + [S.CarriedCall("x", het)]) == "possible_compound_het"
    assert S.gene_status(pieces + [S.CarriedCall("y", het, 7, 1), S.CarriedCall("z", het, 7, 0)]) == "compound_het"


# =============================================================================================
# defence in depth: an un-atomised MNP/complex allele reaching SCREEN is never silently "novel"
# =============================================================================================


@pytest.mark.parametrize("ref, alt, expected", [
    ("C", "T", False), ("CA", "C", False), ("C", "CA", False), ("CAG", "C", False),
    ("CA", "TA", False),  # one base differs once the shared last base is trimmed: an SNV
    ("CACTG", "GACTC", True), ("CG", "TA", True), ("CGAT", "TGA", True), ("A", "GT", True),
    ("C", "<DEL>", False), ("C", "*", False), ("C", "C[chr2:100[", False),
])
def test_is_mnp_or_complex(ref, alt, expected):
    assert S.is_mnp_or_complex(ref, alt) is expected


def test_unatomised_mnp_without_frequency_is_not_matchable_and_warned(tmp_path):
    """Before: a FreeBayes MNP annotated without atomising (a user's own VEP/snpEff VCF) got no gnomAD
    AF, was screened as af_status novel / af_novel and kept with no warning: a common SNV phased with a
    neighbour became a 'rare novel' finding."""
    vcf = write_vcf(tmp_path / "mnp.vcf", [
        vcf_row(70598100, "CAGGT", "TAGGA", "CSQ=" + vep_entry("TAGGA", hgvsp="p.Gly1_Val2delinsAspGlu"),
                ["0/1:30:99", "0/0:30:99"]),
        vcf_row(70598300, "G", "A", "CSQ=" + vep_entry("A", hgvsp="p.Ala5Val"), ["0/1:30:99", "0/0:30:99"]),
        # gnomADe_AF is the entry's last field: this MNP has a frequency (a source that lists MNPs)
        vcf_row(70598400, "CG", "TA", "CSQ=" + vep_entry("TA", hgvsp="p.Arg9Ile") + "0.002",
                ["0/1:30:99", "0/0:30:99"]),
    ])
    out = run_screen_inputs(tmp_path, vcf)
    mnp = out.variants["chr10:70598100:CAGGT:TAGGA"]
    assert (mnp["af_status"], mnp["decision"]) == ("not_matchable", "kept")
    assert "af_not_matchable" in mnp["reasons"].split(";") and "af_novel" not in mnp["reasons"]
    assert out.variants["chr10:70598300:G:A"]["af_status"] == "novel"  # an SNV gnomAD could list
    assert out.variants["chr10:70598400:CG:TA"]["af_status"] == "observed"  # a frequency was found
    assert out.mqc["evaluated without population AF, MNP/complex allele gnomAD cannot list (not_matchable)"] == "1"
    assert out.mqc["evaluated with population AF novel"] == "1"
    warning = [w for w in out.summary.warnings if "MNP/complex" in w]
    assert len(warning) == 1 and "1 record(s)" in warning[0] and "--atomize" in warning[0]


def test_piece_of_an_allele_atomised_without_alignment_is_not_matchable(tmp_path):
    """A complex allele with an indel that had no usable INFO/CIGAR was split base by base by bcftools
    (flagged UNALIGNED_COMPLEX by the norm step): its SNV-looking pieces may be fragments of an indel
    gnomAD lists differently. Without a frequency they are not_matchable and warned about, never
    novel; with one, observed as usual."""
    flag = DC.UNALIGNED_TAG
    vcf = write_vcf(tmp_path / "unaligned.vcf", [
        vcf_row(70598100, "C", "T", f"OLD_REC=chr10|70598100|CAGG|TAGGA|1;{flag};CSQ=" + vep_entry("T"),
                ["0/1:30:99", "0/0:30:99"]),
        vcf_row(70598101, "A", "G", f"OLD_REC=chr10|70598100|CAGG|TAGGA|1;{flag};CSQ=" + vep_entry("G") + "0.3",
                ["0/1:30:99", "0/0:30:99"]),
        vcf_row(70598300, "G", "A", "CSQ=" + vep_entry("A", hgvsp="p.Ala5Val"), ["0/1:30:99", "0/0:30:99"]),
    ], extra_header=[OLD_REC_HEADER, DC.UNALIGNED_HEADER])
    out = run_screen_inputs(tmp_path, vcf)
    assert out.variants["chr10:70598100:C:T"]["af_status"] == "not_matchable"
    assert "af_not_matchable" in out.variants["chr10:70598100:C:T"]["reasons"]
    assert out.variants["chr10:70598101:A:G"]["af_status"] == "observed"
    assert out.variants["chr10:70598300:G:A"]["af_status"] == "novel"
    assert out.mqc["of those, pieces of a complex allele atomised without an alignment (UNALIGNED_COMPLEX)"] == "1"
    assert any(flag in warning and "not_matchable" in warning for warning in out.summary.warnings)


def test_report_says_a_not_matchable_frequency_is_unknown():
    from hlhscreen import report

    kept = report.KeptVariant("chr10:70598100:CAGGT:TAGGA", "PRF1", None, None, None, None, None,
                              "af_not_matchable", None, None, None, {"af_status": "not_matchable"})
    assert report.af_text(kept).startswith("unknown: an MNP/complex allele")
    assert "not known to be rare" in report.kept_reason_text("af_not_matchable")


@st.composite
def _atomised_site(draw):
    """A FreeBayes record with 1-3 ALTs, each a non-empty set of changed positions (its pieces), and a
    diploid sample genotype (a, b), 0 = REF."""
    n_alts = draw(st.integers(1, 3))
    alts = [frozenset(draw(st.sets(st.integers(0, 4), min_size=1, max_size=3))) for _ in range(n_alts)]
    a = draw(st.integers(0, n_alts))
    b = draw(st.integers(0, n_alts))
    return alts, a, b


@settings(max_examples=300, deadline=None)
@given(site=_atomised_site())
# a 1/2 sample whose two pieces both lie in ALT 3 too: only the GT order tells they are in trans
@example(site=([frozenset({0}), frozenset({1}), frozenset({0, 1})], 1, 2))
@example(site=([frozenset({0, 2}), frozenset({0})], 1, 0))  # 1/0 of a 2-ALT record: cis
def test_gene_status_of_atomised_pieces_matches_the_haplotypes(site):
    """Property: the pieces bcftools makes of one record (a piece's ALT indexes = the ALTs changing its
    position; each sample's GT in the original allele order) give the status the two haplotypes
    imply: hom when both carry a piece, compound het when each carries a piece the other does not,
    monoallelic when one haplotype carries every carried piece."""
    alts, a, b = site
    record = "chr1|10|ACGTA|" + ",".join(f"ALT{i}" for i in range(1, len(alts) + 1))
    haps = [alts[a - 1] if a else frozenset(), alts[b - 1] if b else frozenset()]
    carried = []
    for pos in sorted(frozenset().union(*alts)):
        indexes = frozenset(i + 1 for i, changed in enumerate(alts) if pos in changed)
        on = [pos in haps[0], pos in haps[1]]
        if not any(on):
            continue
        state = S._HOM if all(on) else S._HET
        gt = "/".join("1" if x else "0" for x in on)
        carried.append(S.CarriedCall(f"p{pos}", state, sites=frozenset({("chr1", 10 + pos, "N")}),
                                     span=(10 + pos, 10 + pos, False),
                                     origin=S.Origin(record, indexes, len(alts)),
                                     slot=S._het_slot(gt) if state == S._HET else None))
    if not carried:
        expected = "none"
    elif haps[0] & haps[1]:
        expected = "biallelic_hom"
    elif haps[0] and haps[1]:
        expected = "compound_het"
    else:
        expected = "monoallelic"
    assert S.gene_status(carried) == expected


# =============================================================================================
# pieces of one haplotype allele in one codon: their combined codon change is not assessed (said so)
# =============================================================================================


@pytest.mark.parametrize("hgvsc, codon", [
    ("c.272C>T", 90), ("c.1A>G", 0), ("c.3G>A", 0), ("c.4G>A", 1), ("ENST1.2:c.272C>T", 90),
    ("c.100_101del", 33), ("c.99_100del", None), ("c.100+1G>A", None), ("c.-5C>T", None), ("c.*10A>G", None),
    ("c.100_101insT", 33), ("n.50A>G", None), (None, None),
])
def test_coding_codon(hgvsc, codon):
    assert S.coding_codon(hgvsc) == codon


def _coding_entry(alt: str, hgvsc: str, consequence: str = "missense_variant", impact: str = "MODERATE") -> str:
    return "CSQ=" + vep_entry(alt, consequence, impact).replace("c.1A>G", hgvsc)


def test_atomised_pieces_in_one_codon_are_warned_about(tmp_path):
    """Atomising has a cost: VEP annotates each piece alone. Two pieces of one MNP in one codon (here
    c.271C>T and c.273G>A: each synonymous or missense alone, together maybe a stop) would have their
    joint codon change judged by nobody, silently; the summary counts such codons and a warning names
    them. Pieces in different codons, and the two ALTs of a 1/2 site (trans), are not reported."""
    mnp = "chr10|70598100|CAG|TAA"
    other = "chr10|70598300|GACTA|AACTG"
    site = "chr10|70598500|C|A,T"
    vcf = write_vcf(tmp_path / "codon.vcf", [
        vcf_row(70598100, "C", "T", f"OLD_REC={mnp}|1;" + _coding_entry("T", "c.273G>A", "synonymous_variant", "LOW"),
                ["0/1:30:99", "0/0:30:99"]),
        vcf_row(70598102, "G", "A", f"OLD_REC={mnp}|1;" + _coding_entry("A", "c.271C>T"), ["0/1:30:99", "0/0:30:99"]),
        vcf_row(70598300, "G", "A", f"OLD_REC={other}|1;" + _coding_entry("A", "c.100G>A"), ["0/1:30:99", "0/0:30:99"]),
        vcf_row(70598304, "A", "G", f"OLD_REC={other}|1;" + _coding_entry("G", "c.104A>G"), ["0/1:30:99", "0/0:30:99"]),
        vcf_row(70598500, "C", "A", f"OLD_REC={site}|1;" + _coding_entry("A", "c.50C>A"), ["1/0:30:99", "0/0:30:99"]),
        vcf_row(70598500, "C", "T", f"OLD_REC={site}|2;" + _coding_entry("T", "c.50C>T"), ["0/1:30:99", "0/0:30:99"]),
    ], extra_header=[OLD_REC_HEADER])
    out = run_screen_inputs(tmp_path, vcf)
    assert out.mqc["codons changed by several atomised pieces of one FreeBayes allele (combined change not "
                   "assessed)"] == "1"
    warning = [w for w in out.summary.warnings if "codon(s) are changed by several" in w]  # not the file name codon.vcf
    assert len(warning) == 1
    assert "chr10:70598100:C:T + chr10:70598102:G:A (codon 91 of ENST00000441259.2" in warning[0]
    assert "70598300" not in warning[0] and "70598500" not in warning[0]
