"""SCREEN on genotype shapes real joint VCFs carry beyond FreeBayes' diploid calls (session 11 audit,
issues 9 and 11): calls whose ploidy does not fit the sample, phase sets with a missing PS, lower-case
alleles, one variant written with other padding, and sample columns named twice or missing. The rule of issue 9.1 throughout: what cannot be assessed is
``not_assessable``, never a non-carrier, and never a carrier status it does not support.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Sequence

import pytest

from test_screen_callers import carrier
from test_screen_inputs import Out, run, vcf_row, vep_entry, write_vcf
from hlhscreen import screen as S
from hlhscreen.errors import UserInputError

CSQ = "CSQ=" + vep_entry("A")
TWO_CONTIGS = (("chr10", 133797422), ("chrX", 156040895))
PS_HEADER = ['##FORMAT=<ID=PS,Number=1,Type=Integer,Description="Phase set">']


def sexed(tmp: Path, rows: Sequence[str], samples: Dict[str, str]) -> Out:
    """A run with a chrX gene (SH2D1A, outside the PARs), a PAR gene and PRF1, samples of given sex."""
    regions = tmp / "regions.bed"
    regions.write_text("chr10\t70597344\t70601000\tPRF1|exon3\nchrX\t1499000\t1501000\tPARGENE|exon1\n"
                       "chrX\t124365757\t124365827\tSH2D1A|exon2\n")
    sheet = tmp / "sheet.csv"
    sheet.write_text("sample,group\n" + "".join(f"{s},{'case' if i % 2 == 0 else 'control'}\n"
                                                 for i, s in enumerate(samples)))
    sex = tmp / "sex.tsv"
    sex.write_text("sample\tsex\n" + "".join(f"{s}\t{x}\n" for s, x in samples.items()))
    vcf = write_vcf(tmp / "in.vcf", rows, samples=tuple(samples), contigs=TWO_CONTIGS)
    out = tmp / "out"
    summary = S.run_screen(vcf, regions, _empty_whitelist(tmp), sheet, out, S.ScreenConfig(), sex=sex)
    return Out(out, summary)


def _empty_whitelist(tmp: Path) -> Path:
    path = tmp / "whitelist.tsv"
    path.write_text("gene\tbuild\tchrom\tpos\tref\talt\trsid\ttranscript\thgvsc\thgvsp\tevidence\treason\n")
    return path


def state(out: Out, variant: str, sample: str) -> tuple:
    row = carrier(out, variant, sample)
    return row["state"], row["note"]


# =============================================================================================
# ploidy: a call must have as many alleles as the sample has copies of the site
# =============================================================================================


def test_haploid_and_polyploid_calls_on_an_autosome_are_not_assessable(tmp_path):
    """Before: a haploid `1` on PRF1 was hom_alt (biallelic_hom: a recessive carrier), a haploid `0` a
    confirmed non-carrier, `0/0/1` a het and `1/1/1` hom_alt. A caller that assumed one copy calls a
    het `0` or `1`; none of these says what the sample's two copies carry."""
    sheet = tmp_path / "five.csv"
    sheet.write_text("sample,group\nS1,case\nS2,control\nS3,case\nS4,control\nS5,case\n")
    vcf = write_vcf(tmp_path / "ploidy.vcf", [
        vcf_row(70598100, "C", "A", CSQ, ["1:30:99", "0:30:99", "0/0/1:30:99", "1/1/1:30:99", "0/1:30:99"]),
    ], samples=("S1", "S2", "S3", "S4", "S5"))
    out = run(tmp_path, vcf, sheet=sheet)
    for sample in ("S1", "S2", "S3", "S4"):
        assert state(out, "chr10:70598100:C:A", sample) == ("not_assessable", "ploidy_mismatch")
        assert out.genes[(sample, "PRF1")]["status"] == "not_assessable"
    assert state(out, "chr10:70598100:C:A", "S5") == ("het", "NA")
    assert out.variants["chr10:70598100:C:A"]["not_assessable_samples"] == "S1;S2;S3;S4"


def test_ploidy_on_chrx_follows_the_sex(tmp_path):
    """A female called haploid on chrX (the caller took her for a male) and a male called haploid in a
    PAR were hom_alt/ref; a male's `0/0/1` was het_call_in_male. A male's haploid and diploid calls
    outside the PARs are read as before (hemizygous, ref)."""
    x = "chrX"
    rows = [
        vcf_row(1500000, "C", "A", "CSQ=" + vep_entry("A", gene="PARGENE"),
                ["1:30:99", "0/1:30:99", "0/0:30:99", "0/1:30:99", "0/0:30:99"], chrom=x),
        vcf_row(124365786, "C", "A", "CSQ=" + vep_entry("A", gene="SH2D1A"),
                ["1:30:99", "1/1:30:99", "0/0/1:30:99", "1:30:99", "0:30:99"], chrom=x),
    ]
    out = sexed(tmp_path, rows, {"M1": "male", "M2": "male", "M3": "male", "F1": "female", "F2": "female"})
    xlinked, par = "chrX:124365786:C:A", "chrX:1500000:C:A"
    assert state(out, xlinked, "M1") == ("hemizygous", "NA")
    assert state(out, xlinked, "M2") == ("hemizygous", "NA")
    assert state(out, xlinked, "M3") == ("not_assessable", "ploidy_mismatch")
    assert state(out, xlinked, "F1") == ("not_assessable", "ploidy_mismatch")
    assert state(out, xlinked, "F2") == ("not_assessable", "ploidy_mismatch")
    assert state(out, par, "M1") == ("not_assessable", "ploidy_mismatch")
    assert state(out, par, "M2") == ("het", "NA")
    assert out.genes[("F2", "SH2D1A")]["status"] == "not_assessable"
    assert out.genes[("M1", "PARGENE")]["status"] == "not_assessable"


def test_haploid_calls_on_the_mitochondrial_genome_are_read_as_written():
    call = S.SampleCall("1", S._HOM, S._NOTE_NONE, 30.0, 99.0, False, None, None, "", 1)
    assert not S.needs_ploidy_check([call], "chrM", 100)
    assert S.apply_ploidy([call], ["female"], "chrM", 100)[0].state == S._HOM
    assert S.needs_ploidy_check([call], "chr10", 100)


@pytest.mark.parametrize("column, fmt, expected", [
    ("./1:30:99", "GT:DP:GQ", ("not_assessable", "no_call")),  # half calls naming the ALT: never ref
    (".|1:30:99", "GT:DP:GQ", ("not_assessable", "no_call")),
    ("1/.:30:99", "GT:DP:GQ", ("not_assessable", "no_call")),
    (":30:99", "GT:DP:GQ", ("not_assessable", "no_call")),  # an empty GT
    (".", "GT:DP:GQ", ("not_assessable", "no_call")),  # the whole column missing
    ("0/1", "GT:DP:GQ", ("not_assessable", "low_depth")),  # trailing fields dropped: depth unknown
    ("0/1:30:19.5", "GT:DP:GQ", ("not_assessable", "low_gq")),  # FreeBayes' Float GQ
    ("0/1:30:132.5", "GT:DP:GQ", ("het", "NA")),
    ("0/1:-1:99", "GT:DP:GQ", ("not_assessable", "low_depth")),  # a negative depth is no depth
    ("0/1:.:99:12,18", "GT:DP:GQ:AD", ("het", "NA")),  # DP missing: the AD sum (30)
    ("0/1:.:99:.", "GT:DP:GQ:AD", ("not_assessable", "low_depth")),
])
def test_genotype_shapes_other_callers_write(tmp_path, column, fmt, expected):
    """Shapes that were already read right (session 11 audit), kept so: none of them is a carrier or a
    confirmed non-carrier unless its call and depth say so."""
    vcf = write_vcf(tmp_path / "shape.vcf", [vcf_row(70598100, "C", "A", CSQ, [column, _het(fmt)], fmt=fmt)],
                    formats=("GT", "DP", "GQ", "AD"))
    assert state(run(tmp_path, vcf), "chr10:70598100:C:A", "S1") == expected


def _het(fmt: str) -> str:
    """S2: a well-covered het under ``fmt``, so the record is kept."""
    values = {"GT": "0/1", "DP": "30", "GQ": "99", "AD": "15,15"}
    return ":".join(values[key] for key in fmt.split(":"))


# =============================================================================================
# phase: a phased genotype whose phase set is missing is not known to share a block
# =============================================================================================


@pytest.mark.parametrize("ps_a, ps_b", [(".", "."), ("", ""), ("7", ".")])
def test_phased_hets_with_a_missing_phase_set_are_of_unknown_phase(tmp_path, ps_a, ps_b):
    """Before: two `0|1` hets whose FORMAT/PS is `.` (or dropped as a trailing field) were read as one
    phase block, so S1 was `monoallelic` (in cis: out of the biallelic test) and S2 `compound_het`.
    The VCF rule puts phased genotypes *without a PS field* in one set; a PS field left missing says
    the block is unknown (a merge of phased and unphased files), so the phase is unknown."""
    def column(gt: str, ps: str) -> str:
        return f"{gt}:30:99" + (f":{ps}" if ps else "")
    vcf = write_vcf(tmp_path / "ps.vcf", [
        vcf_row(70598100, "C", "A", CSQ, [column("0|1", ps_a), column("0|1", ps_a)], fmt="GT:DP:GQ:PS"),
        vcf_row(70598300, "G", "A", CSQ, [column("0|1", ps_b), column("1|0", ps_b)], fmt="GT:DP:GQ:PS"),
    ], extra_header=PS_HEADER)
    out = run(tmp_path, vcf)
    assert out.genes[("S1", "PRF1")]["status"] == "possible_compound_het"
    assert out.genes[("S2", "PRF1")]["status"] == "possible_compound_het"


@pytest.mark.parametrize("fmt, ps", [("GT:DP:GQ:PS", ":7"), ("GT:DP:GQ", "")])
def test_phased_hets_in_one_phase_set_or_without_ps_keep_their_phase(tmp_path, fmt, ps):
    """One PS value, or no PS field at all (the VCF rule: one phase set), keeps the phase."""
    vcf = write_vcf(tmp_path / "ps.vcf", [
        vcf_row(70598100, "C", "A", CSQ, [f"0|1:30:99{ps}", f"0|1:30:99{ps}"], fmt=fmt),
        vcf_row(70598300, "G", "A", CSQ, [f"0|1:30:99{ps}", f"1|0:30:99{ps}"], fmt=fmt),
    ], extra_header=PS_HEADER)
    out = run(tmp_path, vcf)
    assert out.genes[("S1", "PRF1")]["status"] == "monoallelic"  # same haplotype: cis
    assert out.genes[("S2", "PRF1")]["status"] == "compound_het"


# =============================================================================================
# header
# =============================================================================================


def test_a_sample_named_twice_in_the_header_is_named_in_the_error(tmp_path):
    """Before: htslib refused the header and the message said the VCF could not be read ("file `3`
    does not have valid header"), naming neither the sample nor the line."""
    vcf = write_vcf(tmp_path / "twice.vcf", [vcf_row(70598100, "C", "A", CSQ, ["0/1:30:99", "0/0:30:99"])],
                    samples=("S1", "S1"))
    with pytest.raises(UserInputError, match=r"twice\.vcf:7: samples: sample 'S1' has two columns \(10 and 11\)"):
        run(tmp_path, vcf)


# =============================================================================================
# alleles
# =============================================================================================


@pytest.mark.parametrize("ref, alt", [("g", "a"), ("G", "a"), ("Gc", "G")])
def test_lower_case_bases_in_a_panel_record_are_refused(tmp_path, ref, alt):
    """VCF bases are case-insensitive, but the whitelist, the annotation's alleles, gnomAD and the
    duplicate check compare them as written. Before: PRF1 A91V written `g>a` missed its whitelist row
    and was dropped as common_not_risk_factor (a warning only said the row matched no record)."""
    info = "CSQ=" + vep_entry(alt.upper() if len(alt) == len(ref) else "-")
    vcf = write_vcf(tmp_path / "lower.vcf", [vcf_row(70600631, ref, alt, info, ["0/1:30:99", "0/0:30:99"])])
    with pytest.raises(UserInputError, match=r"lower\.vcf:8: REF/ALT: chr10:70600631:" + ref + ":" + alt
                       + ": lower-case bases"):
        run(tmp_path, vcf)


def test_breakend_alts_with_lower_case_contig_names_are_not_refused(tmp_path):
    vcf = write_vcf(tmp_path / "bnd.vcf", [vcf_row(70598100, "C", "C[chr10:70599000[", ".", ["0/1:30:99", "0/0:30:99"])])
    assert "chr10:70598100:C:C[chr10:70599000[" in run(tmp_path, vcf).variants


@pytest.mark.parametrize("first, second", [
    ((70598100, "C", "A"), (70598100, "CT", "AT")),  # an MNP-style right padding
    ((70598099, "GC", "GA"), (70598100, "C", "A")),  # a left padding: the allele lies one base ahead
    ((70598100, "CAG", "C"), (70598100, "CAGT", "CT")),  # a deletion with a trailing shared base
])
def test_one_variant_written_with_other_padding_is_a_duplicate(tmp_path, first, second):
    """Before: `C>A` and `CT>AT` (one het written twice, e.g. a merge of two callers' VCFs) were two kept
    variants changing one base, so the sample was `compound_het` (certain trans) from a single het."""
    vcf = write_vcf(tmp_path / "pad.vcf", [vcf_row(pos, ref, alt, CSQ, ["0/1:30:99", "0/0:30:99"])
                                           for pos, ref, alt in (first, second)])
    pos, ref, alt = second
    with pytest.raises(UserInputError, match=rf"pad\.vcf:9: REF/ALT: chr10:{pos} {ref}>{alt} is the variant of an "
                       rf"earlier record \(first on line 8\), {first[1]}>{first[2]}, written with other bases"):
        run(tmp_path, vcf)


def test_neighbouring_padded_alleles_that_differ_are_not_duplicates(tmp_path):
    vcf = write_vcf(tmp_path / "near.vcf", [
        vcf_row(70598099, "GC", "GA", CSQ, ["0/1:30:99", "0/0:30:99"]),
        vcf_row(70598100, "C", "T", CSQ, ["0/1:30:99", "0/0:30:99"]),
        vcf_row(70598100, "CT", "AG", CSQ, ["0/1:30:99", "0/0:30:99"]),
        vcf_row(70598101, "T", "A", CSQ, ["0/1:30:99", "0/0:30:99"]),
    ])
    assert len(run(tmp_path, vcf).variants) == 4


def test_a_format_column_without_samples_is_named(tmp_path):
    """Before: htslib's 'does not have valid header'; a VCF without FORMAT and samples was already named."""
    vcf = write_vcf(tmp_path / "none.vcf", [vcf_row(70598100, "C", "A", CSQ, [])], samples=())
    with pytest.raises(UserInputError, match=r"none\.vcf:7: samples: the #CHROM line has a FORMAT column but no "
                                             r"sample columns"):
        run(tmp_path, vcf)
