"""hlhscreen.chromosomes: the one natural chromosome order of the outputs and messages."""

from __future__ import annotations

from hypothesis import given, strategies as st

from hlhscreen.chromosomes import chrom_sort_key, in_natural_order

UCSC = [f"chr{n}" for n in range(1, 23)] + ["chrX", "chrY", "chrM"]
ENSEMBL = [str(n) for n in range(1, 23)] + ["X", "Y", "MT"]
# GRCh38 analysis-set, Ensembl and RefSeq names of contigs that are not primary chromosomes, in natural
# order (case aside: Ensembl's CHR_ patches among UCSC's chr names)
OTHERS = ["chr1_KI270706v1_random", "chr2_KI270715v1_random", "chr10_GL383545v1_alt", "CHR_HSCHR1_1_CTG3",
          "CHR_HSCHR10_1_CTG1", "chrEBV", "chrUn_GL000195v1", "chrUn_JTFH01000001v1_decoy", "HLA-A*01:01:01:01",
          "KI270728.1", "NC_000002.12", "NC_000010.11"]


def test_ucsc_and_ensembl_names_in_natural_order_then_other_contigs():
    assert in_natural_order(reversed(UCSC + OTHERS)) == UCSC + OTHERS
    assert in_natural_order(sorted(ENSEMBL + OTHERS)) == ENSEMBL + OTHERS
    assert sorted(UCSC) != UCSC  # text order puts chr10 before chr2: what the key must not do


def test_both_spellings_and_any_case_of_chr_rank_alike():
    assert in_natural_order(["chrX", "10", "chr2", "MT", "Y", "chrM"]) == ["chr2", "10", "chrX", "Y", "MT", "chrM"]
    assert in_natural_order(["Chr10", "CHR2", "chrx"]) == ["CHR2", "Chr10", "chrx"]
    assert in_natural_order(["chr23", "chrY", "chr0", "chr22"]) == ["chr22", "chrY", "chr0", "chr23"]  # not human


names = st.one_of(st.sampled_from(UCSC + ENSEMBL + OTHERS),
                  st.text(alphabet="chrUnKIv_0123456789XYM.", max_size=14))


@given(st.lists(names, max_size=30))
def test_any_list_sorts_to_one_order_primary_chromosomes_first(contigs):
    ordered = in_natural_order(contigs)
    assert ordered == in_natural_order(reversed(contigs))  # a total order: input order does not matter
    ranks = [chrom_sort_key(name)[0] for name in ordered]
    assert ranks == sorted(ranks)  # primary chromosomes (0) before every other contig (1)
    primary = [name for name in ordered if chrom_sort_key(name)[0] == 0]
    assert [chrom_sort_key(name)[1] for name in primary] == sorted(chrom_sort_key(name)[1] for name in primary)


@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=20))
def test_numbers_in_other_contig_names_compare_as_numbers(numbers):
    contigs = [f"chrUn_KI{n}v1" for n in numbers]
    assert in_natural_order(contigs) == [f"chrUn_KI{n}v1" for n in sorted(numbers)]
