"""hlhscreen.vcf_text: the one INFO-value, OLD_REC and GT reader of the text-reading steps
(SCREEN, the duplicate merge of BCFTOOLS_NORM, the GIAB truth comparison)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hlhscreen import duplicates, vcf_text
from hlhscreen.vcf_text import Genotype, OldRec


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
