"""hlhscreen.decompose: FreeBayes complex alleles with an indel decomposed along INFO/CIGAR before
`bcftools norm --atomize` (which compares bases without aligning). The module run with real bcftools
and Nextflow is in tests/test_atomise.py."""

from __future__ import annotations

import io
import random
from typing import List, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hlhscreen import decompose as DC

HEAD = ("##fileformat=VCFv4.2\n##contig=<ID=chr1,length=200>\n"
        '##INFO=<ID=TYPE,Number=A,Type=String,Description="type">\n'
        '##INFO=<ID=CIGAR,Number=A,Type=String,Description="cigar">\n'
        '##INFO=<ID=DP,Number=1,Type=Integer,Description="depth">\n'
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allele depths">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\n")


def run(body: str) -> Tuple[str, List[List[str]], DC.DecomposeCounts]:
    out, pieces = io.StringIO(), io.StringIO()
    counts = DC.decompose(io.StringIO(HEAD + body), out, pieces, "in.vcf")
    return out.getvalue(), [line.split("\t") for line in pieces.getvalue().splitlines()], counts


@pytest.mark.parametrize("ref, alt, expected", [
    ("ACACACG", "ACACG", True), ("ACACG", "ACACACG", True), ("C", "CA", True), ("CA", "C", True),
    ("ACACACGTT", "ACACGTA", False), ("TTTTTTGA", "TTTTTGAT", False), ("CACTG", "GACTC", False),
    ("C", "T", False), ("CA", "TG", False),
])
def test_pure_indel(ref, alt, expected):
    assert DC.pure_indel(ref, alt) is expected


@pytest.mark.parametrize("pos, ref, alt, cigar, expected", [
    # a CA deletion in a CA repeat and an SNV (bcftools 1.16 -a: A>G, C>T, GTT>A)
    (17, "ACACACGTT", "ACACGTA", "1M2D5M1X", [(17, "ACA", "A"), (25, "T", "A")]),
    # an AC insertion and an SNV
    (21, "ACGTTAG", "ACACGTTTG", "1M2I4M1X1M", [(21, "A", "ACA"), (26, "A", "T")]),
    # a T moved from a T run to after GA: same length (bcftools: three SNVs)
    (39, "TTTTTTGA", "TTTTTGAT", "5M1D2M1I", [(43, "TT", "T"), (46, "A", "AT")]),
    # the real FreeBayes records of the GIAB set (chr20:10,002,458 and 10,037,133)
    (10002458, "GTTTTTTTTTTTCTTTTTTTAAGA", "GTTTTTTTTTTTTTTTTTTTTTAAGA", "1M2I11M1X11M",
     [(10002458, "G", "GTT"), (10002470, "C", "T")]),
    (10037133, "AGATAGATAGATGATAGATAGATAGATAGATAGATAGATAGATAGATAGATAG",
     "AGATGATAGATAGATAGATAGATAGATAGATAGATAGATAGATAGATAGATAG", "4M1D7M1I41M",
     [(10037136, "TA", "T"), (10037144, "T", "TA")]),
    # a gap at the very start: anchored on the base after it (bcftools norm -f re-anchors)
    (30, "GACT", "ACTT", "1D3M1I", [(30, "GA", "A"), (33, "T", "TT")]),
    (30, "ACT", "GGACT", "2I3M", [(30, "A", "GGA")]),
    # a deletion next to an insertion: one delins; of the same length, substitutions; shared bases unchanged
    (50, "ACGT", "ATT", "1M2D1I1M", [(50, "ACG", "AT")]),
    (50, "ACGT", "ATTT", "1M2D2I1M", [(51, "C", "T"), (52, "G", "T")]),
    (50, "TTAGT", "TTAGT", "4M1D1I", []),
    # an MNP written with M for mismatches is still split into SNVs
    (60, "CACTG", "GACTC", "5M", [(60, "C", "G"), (64, "G", "C")]),
])
def test_primitives(pos, ref, alt, cigar, expected):
    assert DC.primitives(pos, ref, alt, DC.parse_cigar(cigar)) == expected


@pytest.mark.parametrize("ref, alt, cigar", [
    ("ACGT", "ACG", "4M"),  # does not span the ALT
    ("ACGT", "ACGT", "3M"),  # nor the REF
    ("AC", "", "2D"),  # nothing left to anchor on
])
def test_primitives_refuse_a_cigar_that_does_not_fit(ref, alt, cigar):
    assert DC.primitives(1, ref, alt, DC.parse_cigar(cigar)) is None


def test_parse_cigar():
    assert DC.parse_cigar("4M1D7M1I41M") == [(4, "M"), (1, "D"), (7, "M"), (1, "I"), (41, "M")]
    for bad in ("", "M", "4M1", "4Q", "0M", "4M,1X"):
        assert DC.parse_cigar(bad) is None


def _apply(pos: int, ref: str, pieces) -> str:
    """ALT rebuilt from REF and the pieces: each replaces its changed bases (shared leading bases
    trimmed); the changed intervals must be disjoint."""
    edits = []
    for p, r, a in pieces:
        assert r != a
        k = 0
        while k < min(len(r), len(a)) and r[k] == a[k]:
            k += 1
        edits.append((p - pos + k, p - pos + len(r), a[k:]))
        assert ref[p - pos:p - pos + len(r)] == r  # REF matches the reference
    edits.sort()
    out, at = [], 0
    for start, end, text in edits:
        assert start >= at, edits  # disjoint
        out.append(ref[at:start] + text)
        at = end
    return "".join(out) + ref[at:]


@st.composite
def aligned_alleles(draw):
    """A random REF and an ALT made from it by random CIGAR operations (the first one a match or
    mismatch, as an alignment anchored on its first base), with the CIGAR."""
    ops = draw(st.lists(st.tuples(st.sampled_from("MXDI"), st.integers(1, 3)), min_size=1, max_size=6))
    ops = [("M", draw(st.integers(1, 2)))] + ops
    rng = random.Random(draw(st.integers(0, 10_000)))
    ref, alt, cigar = [], [], []
    for op, n in ops:
        if op == "M":
            bases = [rng.choice("ACGT") for _ in range(n)]
            ref += bases
            alt += bases
        elif op == "X":
            for _ in range(n):
                base = rng.choice("ACGT")
                ref.append(base)
                alt.append(rng.choice([b for b in "ACGT" if b != base]))
        elif op == "D":
            ref += [rng.choice("ACGT") for _ in range(n)]
        else:
            alt += [rng.choice("ACGT") for _ in range(n)]
        if cigar and cigar[-1][1] == op:
            cigar[-1] = (cigar[-1][0] + n, op)
        else:
            cigar.append((n, op))
    return "".join(ref), "".join(alt), cigar


@settings(max_examples=300, deadline=None)
@given(aligned_alleles())
def test_primitives_rebuild_the_allele(case):
    ref, alt, cigar = case
    pieces = DC.primitives(100, ref, alt, cigar)
    assert pieces is not None
    assert _apply(100, ref, pieces) == alt
    assert len(set(pieces)) == len(pieces)


def test_records_bcftools_gets_right_pass_through_unchanged():
    body = ("chr1\t10\t.\tC\tT\t50\t.\tTYPE=snp;CIGAR=1X\tGT:DP:AD\t0/1:20:10,10\t0/0:20:20,0\n"
            "chr1\t17\t.\tACACACG\tACACG\t50\t.\tTYPE=del;CIGAR=1M2D4M\tGT:DP:AD\t0/1:20:10,10\t0/0:20:20,0\n"
            "chr1\t30\t.\tCACTG\tGACTC\t50\t.\tTYPE=mnp;CIGAR=1X3M1X\tGT:DP:AD\t0/1:20:10,10\t0/0:20:20,0\n"
            "chr1\t40\t.\tTAGC\tCAGG\t50\t.\tTYPE=complex\tGT:DP:AD\t0/1:20:10,10\t0/0:20:20,0\n"  # no CIGAR, same length
            "chr1\t50\t.\tA\t<DEL>\t50\t.\t.\tGT\t0/1\t0/0\n")
    out, pieces, counts = run(body)
    assert out.endswith(body) and pieces == [] and counts.records_decomposed == counts.records_unaligned == 0
    assert DC.OLD_REC_HEADER in out and DC.UNALIGNED_HEADER in out


def test_multiallelic_complex_record_genotypes_and_origin():
    """TTTTTTGACC>TTTTTGACCT,TTTTTTGTCC: ALT 1 a T moved along the run, ALT 2 an SNV. Each primitive
    is a record of its own; a sample's GT maps each ALT to 1 when it contains the primitive."""
    out, pieces, counts = run(
        "chr1\t39\t.\tTTTTTTGACC\tTTTTTGACCT,TTTTTTGTCC\t50\tPASS\tTYPE=complex,snp;CIGAR=5M1D4M1I,7M1X2M;DP=40"
        "\tGT:DP:AD\t1/2:20:0,10,10\t0|2:20:10,0,10\n")
    assert counts.records_decomposed == 1 and counts.primitives_out == 3
    origin = "chr1|39|TTTTTTGACC|TTTTTGACCT,TTTTTTGTCC"
    assert [p[:8] for p in pieces] == [
        ["chr1", "43", ".", "TT", "T", "50", "PASS", f"DP=40;OLD_REC={origin}|1"],
        ["chr1", "46", ".", "A", "T", "50", "PASS", f"DP=40;OLD_REC={origin}|2"],
        ["chr1", "48", ".", "C", "CT", "50", "PASS", f"DP=40;OLD_REC={origin}|1"],
    ]
    # per-allele fields (TYPE, CIGAR, AD) are dropped; GT mapped, phasing kept
    assert [p[8:] for p in pieces] == [["GT:DP", "1/0:20", "0|0:20"], ["GT:DP", "0/1:20", "0|1:20"],
                                       ["GT:DP", "1/0:20", "0|0:20"]]
    assert "TTTTTTGACC" not in out.split("#CHROM")[1]  # the original record is not passed on


def test_primitive_shared_by_two_alts_is_one_record():
    _, pieces, _ = run("chr1\t17\t.\tACACACGTT\tACACGTA,ACACACGTA\t50\t.\tCIGAR=1M2D5M1X,8M1X\t"
                       "GT\t1/2\t0/2\n")
    snv = [p for p in pieces if p[1] == "25"]
    assert len(snv) == 1 and snv[0][7].endswith("|1,2") and snv[0][9:] == ["1/1", "0/1"]


@pytest.mark.parametrize("info", ["TYPE=complex", "TYPE=complex;CIGAR=3M", "TYPE=complex;CIGAR=5M1D,2M"])
def test_complex_allele_without_a_usable_alignment_is_flagged(info):
    """No CIGAR (or one that does not fit): left to bcftools, which will split it base by base, but
    flagged so SCREEN never calls its pieces novel."""
    out, pieces, counts = run(f"chr1\t44\t.\tTGACC\tGACCTT\t50\t.\t{info}\tGT\t0/1\t0/0\n")
    record = out.splitlines()[-1].split("\t")
    assert pieces == [] and counts.records_unaligned == 1
    assert record[7] == f"{info};{DC.UNALIGNED_TAG}"


def test_not_a_vcf_is_refused():
    from hlhscreen.errors import UserInputError
    with pytest.raises(UserInputError):
        DC.decompose(io.StringIO("chr1\t1\t.\tA\tC\n"), io.StringIO(), io.StringIO(), "x.vcf")
