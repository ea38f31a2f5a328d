"""hlhscreen.vcf_text: the one streaming VCF text reader (BCFTOOLS_NORM's decomposition and duplicate
merge) and INFO-value, OLD_REC and GT reader of the text-reading steps (SCREEN, the duplicate merge of
BCFTOOLS_NORM, the GIAB truth comparison)."""

from __future__ import annotations

import io
from typing import Callable, List

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hlhscreen import decompose, duplicates, vcf_text
from hlhscreen.errors import UserInputError
from hlhscreen.vcf_text import Genotype, OldRec, RecordText, VcfTextReader

COLUMNS = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"


def test_reader_streams_header_then_records():
    text = ("##fileformat=VCFv4.2\n#a comment\n" + COLUMNS + "chr1\t5\t.\tA\tC\t.\t.\t.\r\n\n"
            "chr1\t7\t.\tG\tT\t9\tPASS\tDP=3\n")
    reader = VcfTextReader(io.StringIO(text), "in.vcf")
    assert list(reader.header_lines()) == ["##fileformat=VCFv4.2\n", "#a comment\n"]
    assert reader.columns_line == COLUMNS
    assert list(reader.records()) == [  # line numbers as in the file; the blank line 5 skipped
        RecordText(4, "chr1\t5\t.\tA\tC\t.\t.\t.\r\n", ["chr1", "5", ".", "A", "C", ".", ".", "."]),
        RecordText(6, "chr1\t7\t.\tG\tT\t9\tPASS\tDP=3\n", ["chr1", "7", ".", "G", "T", "9", "PASS", "DP=3"])]


def test_reader_streams():
    """One pass over the source, line by line: a header line is given out before the next is read."""
    read: List[int] = []

    def source():
        for number, line in enumerate(["##a\n", "##b\n", COLUMNS, "chr1\t1\t.\tA\tC\t.\t.\t.\n"], start=1):
            read.append(number)
            yield line

    reader = VcfTextReader(source(), "in.vcf")
    header = reader.header_lines()
    assert next(header) == "##a\n" and read == [1]
    assert list(header) == ["##b\n"] and read == [1, 2, 3]
    assert [r.number for r in reader.records()] == [4]


@pytest.mark.parametrize("text, expected", [
    ("", "ERROR in.vcf: header: no #CHROM line: not a VCF. Give a VCF (bcftools view -Ov)."),
    ("##fileformat=VCFv4.2\n##contig=<ID=chr1>\n", "ERROR in.vcf: header: no #CHROM line: not a VCF."),
    ("##fileformat=VCFv4.2\nchr1\t1\t.\tA\tC\t.\t.\t.\n",
     "ERROR in.vcf:2: header: no #CHROM line before the first record: not a VCF. Give a VCF"),
    ("##x\n" + COLUMNS + "chr1\t1\t.\tA\tC\n",
     "ERROR in.vcf:3: columns: a record has 5 tab-separated columns, a VCF record needs at least 8. Check"),
])
def test_reader_refuses_what_is_not_a_vcf(text, expected):
    reader = VcfTextReader(io.StringIO(text), "in.vcf")
    with pytest.raises(UserInputError) as caught:
        list(reader.header_lines())
        list(reader.records())
    assert str(caught.value).startswith(expected)


def test_reader_records_need_the_header_read_first():
    with pytest.raises(RuntimeError):
        next(VcfTextReader(io.StringIO(COLUMNS), "in.vcf").records())


STEPS: List[Callable[[str], object]] = [
    lambda text: decompose.decompose(io.StringIO(text), io.StringIO(), io.StringIO(), "in.vcf"),
    lambda text: duplicates.merge_duplicates(io.StringIO(text), io.StringIO(), "in.vcf"),
]


@pytest.mark.parametrize("step", STEPS, ids=["decompose", "duplicates"])
@pytest.mark.parametrize("text, expected", [
    ("##x\n", "ERROR in.vcf: header: no #CHROM line: not a VCF."),
    ("chr1\t1\t.\tA\tC\t.\t.\t.\n", "ERROR in.vcf:1: header: no #CHROM line before the first record"),
    ("##x\n" + COLUMNS + "\nchr1\t1\n", "ERROR in.vcf:4: columns: a record has 2 tab-separated columns"),
])
def test_norm_steps_refuse_through_the_reader(step, text, expected):
    with pytest.raises(UserInputError) as caught:
        step(text)
    assert str(caught.value).startswith(expected)


def test_info_value():
    info = "AC=1;OLD_REC=chr1|10|CAT|GAC|1;DB;X=a=b"
    assert vcf_text.info_value(info, "OLD_REC") == "chr1|10|CAT|GAC|1"
    assert vcf_text.info_value(info, "DB") == ""  # a flag
    assert vcf_text.info_value(info, "X") == "a=b"
    assert vcf_text.info_value(info, "A") is None  # no prefix matches
    assert vcf_text.info_value(".", "AC") is None
    assert vcf_text.info_value("AC=1;AC=2", "AC") == "1"


def test_parse_old_rec():
    assert vcf_text.parse_old_rec("chr1|10|CAT|GAC|1") == OldRec("chr1|10|CAT|GAC", (1,))
    assert vcf_text.parse_old_rec("chr1|10|TTCT|CTCC,TTCC|1,2") == OldRec("chr1|10|TTCT|CTCC,TTCC", (1, 2))
    assert vcf_text.parse_old_rec("chr1|10|C|T") == OldRec("chr1|10|C|T", (1,))  # only realigned
    assert vcf_text.parse_old_rec("chr1|10|C|T|x") == OldRec("chr1|10|C|T", (1,))  # no index: the one ALT
    assert vcf_text.parse_old_rec("chr1|10|C|T").names("chr1", "10", "C", "T")
    assert not vcf_text.parse_old_rec("chr1|10|CAT|GAC|1").names("chr1", "10", "C", "G")


def test_split_gt():
    assert vcf_text.split_gt("0/1") == Genotype(("0", "1"), False)
    assert vcf_text.split_gt("1|0") == Genotype(("1", "0"), True)
    assert vcf_text.split_gt("1") == Genotype(("1",), False)
    assert vcf_text.split_gt("./.") == Genotype((".", "."), False)
    assert vcf_text.split_gt("0|1|1") == Genotype(("0", "1", "1"), False)  # phased only as a diploid
    assert vcf_text.split_gt("0/1|1") == Genotype(("0", "1", "1"), False)  # mixed separators: unphased
    assert vcf_text.split_gt("") == Genotype(("",), False)


@given(st.lists(st.sampled_from(["0", "1", "2", "."]), min_size=1, max_size=3), st.sampled_from(["/", "|"]))
def test_split_gt_round_trips(alleles, separator):
    genotype = vcf_text.split_gt(separator.join(alleles))
    assert list(genotype.alleles) == alleles
    assert genotype.phased == (separator == "|" and len(alleles) == 2)


def test_duplicate_merge_reads_genotypes_through_it():
    assert [duplicates.alt_copies(gt) for gt in ("0/1", "1|1", "0", "./.", "0/.", "1/2")] == [1, 2, 0, None, None, 2]


def test_gt_names_alt_is_any_called_non_reference_allele():
    """One reading for the duplicate merge (a half call ./1 kept) and the screen (a low-quality site's calls)."""
    named = ("0/1", "1", "./1", "1|.", "0/0/1", "0/2", "0/10", "1/1")
    unnamed = ("0/0", "0", ".", "./.", "", "0|0", "./0", "0/0/0")
    assert [vcf_text.gt_names_alt(gt) for gt in named] == [True] * len(named)
    assert [vcf_text.gt_names_alt(gt) for gt in unnamed] == [False] * len(unnamed)
