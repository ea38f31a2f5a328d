"""Scoring calls against a truth set (bin/compare_to_truth.py): normalisation of both sides, counts,
genotype concordance, the confident regions, and errors."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path
from typing import List

import pytest

from hlhscreen.errors import UserInputError
from hlhscreen.truth_compare import compare, normalised_calls

import compare_to_truth

HEADER = "##fileformat=VCFv4.2\n##contig=<ID=chrT,length=400>\n" \
         '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n' \
         '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    rng = random.Random(7)
    seq = [rng.choice("ACGT") for _ in range(400)]
    seq[97:105] = list("TGCACACA")  # a CA repeat at 100-105 (1-based): a CA deletion has 3 places
    seq[299:303] = list("GATC")  # 300-303: a deletion of AT and a SNV at the A, on two haplotypes
    folder = tmp_path_factory.mktemp("ref")
    fasta = folder / "t.fa"
    fasta.write_text(">chrT\n" + "".join(seq) + "\n")
    subprocess.run(["samtools", "faidx", str(fasta)], check=True)
    return fasta


def base(fasta: Path, pos: int, length: int = 1) -> str:
    seq = fasta.read_text().split("\n")[1]
    return seq[pos - 1:pos - 1 + length]


def other(b: str) -> str:
    return "A" if b != "A" else "C"


def vcf(folder: Path, name: str, sample: str, rows: List[str]) -> Path:
    path = folder / f"{name}.vcf"
    path.write_text(HEADER + f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}\n" +
                    "".join(r + "\n" for r in rows))
    subprocess.run(["bgzip", "-f", str(path)], check=True)
    subprocess.run(["tabix", "-f", "-p", "vcf", f"{path}.gz"], check=True)
    return Path(f"{path}.gz")


def bed(folder: Path, lines: str) -> Path:
    path = folder / "confident.bed"
    path.write_text(lines)
    return path


def rec(pos: int, ref: str, alt: str, gt: str, qual: str = "50", dp: str = "30") -> str:
    return f"chrT\t{pos}\t.\t{ref}\t{alt}\t{qual}\tPASS\t.\tGT:DP\t{gt}:{dp}"


def test_both_sides_are_normalised_the_same_way(reference, tmp_path):
    r = lambda p, n=1: base(reference, p, n)  # noqa: E731
    # truth: two SNVs 1 bp apart (an MNV in the query), a CA deletion written at the left end of the
    # repeat, a het SNV that the query calls hom, a SNV the query misses, one outside the regions
    truth = vcf(tmp_path, "truth", "TRUTH", [
        rec(20, r(20), other(r(20)), "0|1"), rec(21, r(21), other(r(21)), "0|1"),
        rec(99, "GCA", "G", "1|1"),
        rec(150, r(150), other(r(150)), "0/1"),
        rec(200, r(200), other(r(200)), "1/1"),
        rec(350, r(350), other(r(350)), "0/1"),
    ])
    # query: the MNV, the same deletion written right-shifted in the repeat, a FP, a ref call, a
    # multi-allelic site whose second allele is the FP, and a low-QUAL record
    mnv_alt = other(r(20)) + other(r(21))
    query = vcf(tmp_path, "query", "S1", [
        rec(20, r(20, 2), mnv_alt, "0/1"),
        rec(103, "ACA", "A", "1/1"),
        rec(150, r(150), other(r(150)), "1/1"),
        rec(250, r(250), ",".join(b for b in "ACGT" if b != r(250))[:3], "0/1"),
        rec(260, r(260), other(r(260)), "0/0"),
        rec(270, r(270), other(r(270)), "0/1", qual="3"),
        rec(350, r(350), other(r(350)), "0/1"),
    ])
    regions = bed(tmp_path, "chrT\t0\t300\n")
    q = normalised_calls(query, None, reference, regions, min_qual=10)
    t = normalised_calls(truth, None, reference, regions)
    assert all(key[1] < 300 for key in list(q) + list(t))
    result = compare(q, t)
    snv, indel = result.counts["SNV"], result.counts["INDEL"]
    assert (snv.tp, snv.fp, snv.fn, snv.gt_match) == (3, 1, 1, 2)
    assert (indel.tp, indel.fp, indel.fn, indel.gt_match) == (1, 0, 0, 1)
    assert snv.precision == pytest.approx(3 / 4) and snv.recall == pytest.approx(3 / 4)
    assert snv.gt_concordance == pytest.approx(2 / 3)
    classes = sorted((row[0], row[2].split(":")[1]) for row in result.rows)
    assert classes == [("FN", "200"), ("FP", "250"), ("GT_MISMATCH", "150")]


def test_a_multi_allelic_query_site_is_split_and_genotyped_per_allele(reference, tmp_path):
    r = base(reference, 60)
    alts = [b for b in "ACGT" if b != r][:2]
    truth = vcf(tmp_path, "truth", "T", [rec(60, r, alts[0], "0/1"), rec(60, r, alts[1], "0/1")])
    query = vcf(tmp_path, "query", "Q", [rec(60, r, ",".join(alts), "1/2")])
    regions = bed(tmp_path, "chrT\t0\t400\n")
    result = compare(normalised_calls(query, None, reference, regions), normalised_calls(truth, None, reference, regions))
    assert (result.counts["SNV"].tp, result.counts["SNV"].gt_match, result.counts["SNV"].fp) == (2, 2, 0)


def test_a_complex_site_with_two_overlapping_alleles_gives_one_het_per_allele(reference, tmp_path):
    # FreeBayes style: GATC -> GC (deletion of AT) on one haplotype, GCTC (A>C) on the other
    query = vcf(tmp_path, "query", "Q", [rec(300, "GATC", "GC,GCTC", "1/2")])
    truth = vcf(tmp_path, "truth", "T", [rec(300, "GAT", "G", "0|1"), rec(301, "A", "C", "1|0")])
    regions = bed(tmp_path, "chrT\t0\t400\n")
    q = normalised_calls(query, None, reference, regions)
    assert {c.variant_id: c.zygosity for c in q.values()} == {"chrT:300:GAT:G": "het", "chrT:301:A:C": "het"}
    result = compare(q, normalised_calls(truth, None, reference, regions))
    assert [(c.tp, c.fp, c.fn, c.gt_match) for c in result.counts.values()] == [(1, 0, 0, 1), (1, 0, 0, 1)]


def test_the_cli_writes_summary_and_details(reference, tmp_path, capsys):
    r = base(reference, 40)
    truth = vcf(tmp_path, "truth", "T", [rec(40, r, other(r), "0/1")])
    query = vcf(tmp_path, "query", "A", [rec(40, r, other(r), "0/1")])
    regions = bed(tmp_path, "chrT\t0\t400\n")
    code = compare_to_truth.main(["--query", str(query), "--truth", str(truth), "--regions", str(regions),
                                  "--fasta", str(reference), "--prefix", str(tmp_path / "out")])
    assert code == 0
    summary = (tmp_path / "out.summary.tsv").read_text().splitlines()
    assert summary[0].split("\t") == ["type", "tp", "fp", "fn", "precision", "recall", "f1", "gt_concordance"]
    assert summary[1].split("\t")[:4] == ["SNV", "1", "0", "0"]
    assert summary[2].split("\t")[4:] == ["NA", "NA", "NA", "NA"]  # no indels at all
    assert (tmp_path / "out.details.tsv").read_text().count("\n") == 1


def test_a_sample_must_be_named_when_there_are_several(reference, tmp_path):
    path = tmp_path / "two.vcf"
    path.write_text(HEADER + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\n")
    subprocess.run(["bgzip", "-f", str(path)], check=True)
    with pytest.raises(UserInputError, match="the VCF has 2 samples"):
        normalised_calls(Path(f"{path}.gz"), None, reference, bed(tmp_path, "chrT\t0\t10\n"))
    with pytest.raises(UserInputError, match="no sample 'C'"):
        normalised_calls(Path(f"{path}.gz"), "C", reference, bed(tmp_path, "chrT\t0\t10\n"))


def test_a_reference_that_does_not_match_is_an_error_not_an_empty_score(reference, tmp_path):
    wrong = tmp_path / "wrong.fa"
    wrong.write_text(">chrT\n" + "N" * 400 + "\n")
    subprocess.run(["samtools", "faidx", str(wrong)], check=True)
    query = vcf(tmp_path, "query", "A", [rec(40, "G" if base(reference, 40) != "G" else "T", "C", "0/1")])
    with pytest.raises(UserInputError, match="normalising with bcftools failed"):
        normalised_calls(query, None, wrong, bed(tmp_path, "chrT\t0\t400\n"))
