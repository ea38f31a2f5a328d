"""SCREEN on caller output other than FreeBayes and on what real snpEff writes when its database does
not fit the VCF (session 8 audit).

Fixtures (tests/fixtures/annotations/, see its README): `gatk_joint_snpeff51.vcf` is a GATK
GenotypeGVCFs + VariantFiltration style joint VCF split by bcftools 1.16 and annotated by the real
snpEff 5.1d with the pipeline's own panel database; `snpeff51_genome_mismatch.vcf` and
`snpeff51_chromosome_not_found.vcf` are real snpEff 5.1d output for records whose REF is not the
database genome's base and for a contig the database lacks; `snpeff51_transcript_warnings.vcf` is real
snpEff 5.1d output of a panel database whose PRF1 model lacks a start codon (transcript-level codes).
DeepVariant, bcftools call and gVCF records are written here with the header lines those tools write.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional, Sequence

import pytest

from hlhscreen import annotation as A
from hlhscreen import screen as S
from hlhscreen.errors import UserInputError
from test_screen_inputs import (FIXTURES, REGIONS, REPO, WHITELIST, Out, run, two_samples, vcf_row, vep_entry,
                                write_vcf)

GATK = FIXTURES / "gatk_joint_snpeff51.vcf"


def three_samples(tmp: Path) -> Path:
    sheet = tmp / "samples3.csv"
    sheet.write_text("sample,group\nS1,case\nS2,control\nS3,control\n")
    return sheet


def carrier(out: Out, variant: str, sample: str) -> dict:
    return next(r for r in out.carriers if r["variant_id"] == variant and r["sample"] == sample)


@pytest.fixture(scope="module")
def gatk(tmp_path_factory) -> Out:
    tmp = tmp_path_factory.mktemp("gatk")
    return run(tmp, GATK, sheet=three_samples(tmp))


# =============================================================================================
# GATK joint calls (split by bcftools, annotated by real snpEff)
# =============================================================================================


def test_spanning_deletion_allele_is_not_a_variant(gatk):
    """Before: the `*` record (no ANN: snpEff writes none for it) was `not_annotated` and made its
    carriers S1 and S3 not_assessable for PRF1, although S1's deletion is its own, kept record."""
    star = gatk.variants["chr10:70598102:G:*"]
    assert (star["decision"], star["reasons"]) == ("dropped", "not_a_variant_allele")
    assert star["unconfirmed"] == "no" and star["unconfirmed_samples"] == "NA"
    assert star["af_status"] == "NA"
    assert "chr10:70598102:G:*" not in gatk.genes[("S1", "PRF1")]["not_assessable_variants"]
    assert "chr10:70598100:GGGT:G" in gatk.genes[("S1", "PRF1")]["carried_variants"]
    assert gatk.mqc["dropped with reason not_a_variant_allele"] == "1"
    assert gatk.mqc["dropped with reason not_annotated"] == "0"


def test_genotype_failing_a_genotype_filter_is_not_a_carrier(gatk):
    """Before: S1's 0/1 with FT=GQ70 (VariantFiltration --genotype-filter-*) counted as a carrier."""
    call = carrier(gatk, "chr10:70598201:G:T", "S1")
    assert (call["state"], call["note"]) == ("not_assessable", "genotype_filtered")
    assert carrier(gatk, "chr10:70598201:G:T", "S3")["state"] == "het"  # FT=PASS
    status = gatk.genes[("S1", "PRF1")]
    assert "chr10:70598201:G:T" not in status["carried_variants"]
    assert "chr10:70598201:G:T" in status["not_assessable_variants"]


def test_gatk_genotype_fields(gatk):
    # 0/0 with AD 0,0 and DP 0: not a confirmed reference call
    assert (carrier(gatk, "chr10:70600631:G:A", "S3")["state"],
            carrier(gatk, "chr10:70600631:G:A", "S3")["note"]) == ("not_assessable", "low_depth")
    # ./. with a missing GQ: no call
    assert carrier(gatk, "chr10:70598100:GGGT:G", "S3")["note"] == "no_call"
    # the phased het (PGT/PID/PS) and the hom
    assert carrier(gatk, "chr10:70600631:G:A", "S1")["state"] == "het"
    assert carrier(gatk, "chr10:70600631:G:A", "S2")["state"] == "hom_alt"
    assert gatk.variants["chr10:70600631:G:A"]["rsid"] == "rs35947132"


def test_low_quality_site_with_calls_is_said(gatk):
    """A record failing only FILTER/QUAL with an ALT call is dropped (the site is not a finding), its
    ALT-called samples are not assessable for the gene (issue 9.1; before: non-carriers), and the run
    log and the summary say so."""
    low = gatk.variants["chr10:70600632:C:T"]
    assert (low["decision"], low["reasons"], low["filter"]) == ("dropped", "low_quality", "LowQual")
    # S3 0/1; S2 0/0 with 8 reads is not assessable but names no ALT: not listed
    assert (low["unconfirmed"], low["unconfirmed_samples"]) == ("yes", "S3")
    assert gatk.mqc["of those, at a low-quality site (low_quality: QUAL/FILTER; samples naming the ALT not assessable "
                    "for the gene)"] == "1"
    assert any("fail the quality rule" in w and "chr10:70600632:C:T" in w and "not non-carriers" in w
               for w in gatk.summary.warnings)


# =============================================================================================
# snpEff: a database that does not fit the VCF
# =============================================================================================


def test_snpeff_reference_mismatch_is_refused(tmp_path):
    """Before: exit 0, and the stop-gain snpEff computed from a base the VCF's reference does not have
    (WARNING_REF_DOES_NOT_MATCH_GENOME) was kept as a HIGH finding."""
    vcf = FIXTURES / "snpeff51_genome_mismatch.vcf"
    with pytest.raises(UserInputError) as caught:
        run(tmp_path, vcf)
    text = str(caught.value)
    assert text.startswith(f"ERROR {vcf}:")
    assert "INFO/ANN: chr10:70598100:C:A: snpEff flagged its annotation WARNING_REF_DOES_NOT_MATCH_GENOME" in text
    assert not (tmp_path / "out" / "variants.tsv").exists()  # no half-written result


def test_snpeff_chromosome_not_found_is_refused(tmp_path):
    """Before: every record was dropped as no_panel_gene_annotation and the run ended with exit 0
    and no finding."""
    regions = tmp_path / "regions.bed"
    regions.write_text("".join(line.replace("chr10", "NC_000010.11") + "\n"
                               for line in REGIONS.read_text().splitlines() if line.startswith("chr10\t")))
    empty = tmp_path / "none.tsv"
    empty.write_text(WHITELIST.read_text().splitlines()[0] + "\n")
    with pytest.raises(UserInputError, match=r"NC_000010\.11:70600631:G:A: snpEff flagged its annotation "
                                             r"ERROR_CHROMOSOME_NOT_FOUND"):
        run(tmp_path, FIXTURES / "snpeff51_chromosome_not_found.vcf", regions=regions, whitelist=empty)


def test_snpeff_errors_outside_the_panel_do_not_stop_the_run(tmp_path):
    """The pipeline's snpEff database holds only the panel chromosomes: records elsewhere legitimately
    carry ERROR_CHROMOSOME_NOT_FOUND, also when they are read (--evaluate-outside-panel)."""
    real = (FIXTURES / "snpeff51_genome_mismatch.vcf").read_text().splitlines()
    keep = [line for line in real if line.startswith("#") or line.startswith("chr1\t")
            or "p.Ala91Val" in line]
    vcf = tmp_path / "outside.vcf"
    vcf.write_text("\n".join(keep) + "\n")
    out = run(tmp_path, vcf, evaluate_outside_panel=True)
    assert out.variants["chr1:1000000:A:G"]["reasons"].startswith("outside_panel")
    # read as usual (its only carrier's genotype failed the FT filter LowGQ)
    assert out.variants["chr10:70600631:G:A"]["reasons"] == "no_assessable_carrier"
    assert out.variants["chr10:70600631:G:A"]["unconfirmed_samples"] == "S1"


SNPEFF43_HEADER = ('##SnpEffVersion="4.3t (build 2017-11-24 10:18), by Pablo Cingolani"\n'
                   '##INFO=<ID=ANN,Number=.,Type=String,Description="Functional annotations: \'Allele | Annotation | '
                   'Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | Transcript_BioType | Rank | '
                   'HGVS.c | HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length | AA.pos / AA.length | Distance | '
                   'ERRORS / WARNINGS / INFO\' ">\n')
PRF1_STOP = ("T|stop_gained|HIGH|PRF1|ENSG00000180644.8|transcript|ENST00000441259.2|protein_coding|3/3|c.1122G>A|"
             "p.Trp374*|1249/2500|1122/1668|374/555||{}")
# real snpEff 5.1d entries of the panel database (tests/fixtures/annotations/README.md)
DUP_ENTRY = ("<DUP>|duplication|LOW|PRF1|ENSG00000180644.8|transcript|ENST00000441259.2|protein_coding|1/3|"
             "c.-7386_*52dup||1847/2500||||{}")
BEYOND_END = "G||MODIFIER|||||||||||||ERROR_OUT_OF_CHROMOSOME_RANGE"


@pytest.mark.parametrize("header", [(FIXTURES / "snpeff51_genome_mismatch.vcf").read_text(),
                                    "##fileformat=VCFv4.2\n" + SNPEFF43_HEADER], ids=["snpEff5.1d", "snpEff4.3t"])
def test_snpeff_codes_by_scope(header):
    """Genome-level codes stop the run; transcript-level ones mark the entry; INFO ones are ignored.
    Before: every ERROR_* stopped the run (an ERROR_OUT_OF_EXON of one transcript, an
    ERROR_OUT_OF_CHROMOSOME_RANGE on a <DUP> within bounds), and no entry was marked."""
    layout = A.layout_from_header(header)

    def record(entries: str, ref: str = "C", alt: str = "T") -> A.VariantRecord:
        return A.parse_annotation(layout, chrom="chr10", pos=70598599, ref=ref, alts=[alt], vcf_id=".",
                                  annotation=entries, info=lambda key: None)

    def judged(messages: str) -> Sequence[str]:
        one = record(PRF1_STOP.format(messages))
        return A.snpeff_genome_mismatch(one), A.snpeff_entry_flags(one, one.transcripts[0])

    assert judged("") == ((), ())
    assert judged("INFO_REALIGN_3_PRIME&INFO_COMPOUND_ANNOTATION&INFO_NON_REFERENCE_ANNOTATION") == ((), ())
    assert judged("WARNING_TRANSCRIPT_NO_START_CODON&INFO_REALIGN_3_PRIME") == (
        (), ("WARNING_TRANSCRIPT_NO_START_CODON",))
    for code in ("ERROR_OUT_OF_EXON", "ERROR_MISSING_CDS_SEQUENCE", "WARNING_SEQUENCE_NOT_AVAILABLE",
                 "WARNING_TRANSCRIPT_INCOMPLETE", "WARNING_TRANSCRIPT_MULTIPLE_STOP_CODONS",
                 "WARNING_TRANSCRIPT_NO_STOP_CODON"):
        assert judged(code) == ((), (code,))
    assert judged("ERROR_MISSING_CDS_SEQUENCE&WARNING_TRANSCRIPT_INCOMPLETE&ERROR_MISSING_CDS_SEQUENCE") == (
        (), ("ERROR_MISSING_CDS_SEQUENCE", "WARNING_TRANSCRIPT_INCOMPLETE"))
    # the ANN specification's short codes are their names
    assert judged("W3&I1") == ((), ("WARNING_TRANSCRIPT_INCOMPLETE",))
    assert judged("W1")[0] == ("WARNING_REF_DOES_NOT_MATCH_GENOME",)
    # genome level, also among other codes
    assert judged("INFO_REALIGN_3_PRIME&WARNING_REF_DOES_NOT_MATCH_GENOME")[0] == ("WARNING_REF_DOES_NOT_MATCH_GENOME",)
    assert judged("WARNING_TRANSCRIPT_NO_START_CODON&WARNING_REF_DOES_NOT_MATCH_GENOME")[0] == (
        "WARNING_REF_DOES_NOT_MATCH_GENOME",)
    assert A.snpeff_genome_mismatch(record(BEYOND_END, ref="A", alt="G")) == ("ERROR_OUT_OF_CHROMOSOME_RANGE",)
    # out of range on a symbolic allele within bounds (SnpEff issue 582): that entry only
    dup = record(DUP_ENTRY.format("ERROR_OUT_OF_CHROMOSOME_RANGE") + "," + DUP_ENTRY.format(""), ref="N",
                 alt="<DUP>")
    assert A.snpeff_genome_mismatch(dup) == ()
    assert A.snpeff_entry_flags(dup, dup.transcripts[0]) == ("ERROR_OUT_OF_CHROMOSOME_RANGE",)
    assert A.snpeff_entry_flags(dup, dup.transcripts[1]) == ()


TRANSCRIPT_WARNINGS = FIXTURES / "snpeff51_transcript_warnings.vcf"


def test_snpeff_transcript_warning_marks_the_kept_variant(tmp_path):
    """Real snpEff 5.1d output of a database whose PRF1 model has no start codon
    (WARNING_TRANSCRIPT_NO_START_CODON on every PRF1 entry). Before: the stop-gain was kept HIGH with
    nothing in variants.tsv or the run log saying snpEff doubted its transcript model."""
    out = run(tmp_path, TRANSCRIPT_WARNINGS)
    stop = out.variants["chr10:70598599:C:T"]
    assert (stop["decision"], stop["impact"]) == ("kept", "HIGH")
    assert stop["annotation_flags"] == "WARNING_TRANSCRIPT_NO_START_CODON"
    assert any("kept variant(s) are judged by a snpEff entry snpEff marked unreliable" in w
               and "chr10:70598599:C:T (WARNING_TRANSCRIPT_NO_START_CODON)" in w for w in out.summary.warnings)
    assert out.variants["chr10:70600631:G:A"]["annotation_flags"] == "WARNING_TRANSCRIPT_NO_START_CODON"


def _snpeff_vcf(path: Path, ann: str, ref: str = "C", alt: str = "T", pos: int = 70598599) -> Path:
    header = [line for line in TRANSCRIPT_WARNINGS.read_text().splitlines() if line.startswith("#")]
    row = "\t".join(["chr10", str(pos), ".", ref, alt, "100.0", "PASS", f"DP=60;ANN={ann}", "GT:DP:GQ:AD",
                     "0/1:30:99:15,15", "0/0:30:99:30,0"])
    path.write_text("\n".join(header + [row]) + "\n")
    return path


OTHER_TRANSCRIPT = ("T|stop_gained|HIGH|PRF1|ENSG00000180644.8|transcript|ENST00000999999.1|protein_coding|3/3|"
                    "c.1122G>A|p.Trp374*|1249/2500|1122/1668|374/555||{}")


def test_snpeff_transcript_error_on_the_chosen_entry_is_visible(tmp_path):
    """Constructed from the real 5.1d layout: several codes joined by `&` on the MANE Select entry.
    Before: ERROR_MISSING_CDS_SEQUENCE stopped the whole run."""
    codes = "ERROR_MISSING_CDS_SEQUENCE&WARNING_TRANSCRIPT_INCOMPLETE&INFO_REALIGN_3_PRIME"
    out = run(tmp_path, _snpeff_vcf(tmp_path / "chosen.vcf", PRF1_STOP.format(codes)))
    row = out.variants["chr10:70598599:C:T"]
    assert (row["decision"], row["transcript"]) == ("kept", "ENST00000441259.2")
    assert row["annotation_flags"] == "ERROR_MISSING_CDS_SEQUENCE&WARNING_TRANSCRIPT_INCOMPLETE"
    assert any("ERROR_MISSING_CDS_SEQUENCE" in w for w in out.summary.warnings)


def test_snpeff_code_on_a_non_chosen_transcript_only(tmp_path):
    """The entry the variant is judged by is clean: no flag, no warning, the run goes on. Before: the
    other transcript's ERROR_OUT_OF_EXON stopped the run."""
    ann = PRF1_STOP.format("") + "," + OTHER_TRANSCRIPT.format("ERROR_OUT_OF_EXON&WARNING_TRANSCRIPT_NO_STOP_CODON")
    out = run(tmp_path, _snpeff_vcf(tmp_path / "other.vcf", ann))
    row = out.variants["chr10:70598599:C:T"]
    assert (row["decision"], row["transcript"], row["annotation_flags"]) == ("kept", "ENST00000441259.2", "NA")
    assert not any("snpEff marked unreliable" in w for w in out.summary.warnings)


def test_snpeff_out_of_range_on_a_panel_snv_is_refused(tmp_path):
    """A sequence allele beyond the chromosome's end in the database: another genome."""
    vcf = _snpeff_vcf(tmp_path / "range.vcf", "T||MODIFIER|||||||||||||ERROR_OUT_OF_CHROMOSOME_RANGE")
    with pytest.raises(UserInputError, match=r"chr10:70598599:C:T: snpEff flagged its annotation "
                                             r"ERROR_OUT_OF_CHROMOSOME_RANGE: the snpEff database's genome"):
        run(tmp_path, vcf)
    assert not (tmp_path / "out" / "variants.tsv").exists()


def test_old_snpeff_eff_field_is_refused_by_name(tmp_path):
    """Before: "the file is not annotated", which sends the user to annotate a file that is."""
    header = ('##INFO=<ID=EFF,Number=.,Type=String,Description="Predicted effects for this variant.Format: \'Effect '
              '( Effect_Impact | Functional_Class | Codon_Change | Amino_Acid_Change| Amino_Acid_Length | Gene_Name | '
              'Transcript_BioType | Gene_Coding | Transcript_ID | Exon_Rank  | Genotype_Number [ | ERRORS | '
              'WARNINGS ] )\' ">')
    text = "##fileformat=VCFv4.2\n" + header + "\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    with pytest.raises(UserInputError, match=r"INFO/EFF: the VCF carries snpEff's old INFO/EFF annotation"):
        A.layout_from_header(text, path="eff.vcf")


# =============================================================================================
# other callers, written with the header lines they write
# =============================================================================================


def test_genotype_naming_a_second_alt_is_refused(tmp_path):
    """Before: 0/2 in a one-ALT record counted as a het carrier of that ALT."""
    vcf = write_vcf(tmp_path / "gt2.vcf", [vcf_row(70598100, "C", "A", "CSQ=" + vep_entry("A"),
                                                   ["0/2:30:99", "0/0:30:99"])])
    with pytest.raises(UserInputError, match=r"in\.vcf|gt2\.vcf:\d+: FORMAT/GT: chr10:70598100:C:A: genotype '0/2' "
                                             r"names ALT allele 2, but the record has one ALT"):
        run(tmp_path, vcf)


BCFTOOLS_FORMATS = ['##FORMAT=<ID=PL,Number=G,Type=Integer,Description="List of Phred-scaled genotype likelihoods">',
                    '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths (high-quality bases)">']


def test_bcftools_call_without_gq_is_judged_on_depth_and_said(tmp_path):
    """bcftools call writes no FORMAT/GQ unless asked (-a FORMAT/GQ): before, --min-gq silently did
    nothing; now the run log and the summary say it could not be applied."""
    vcf = write_vcf(tmp_path / "bcftools.vcf", [
        vcf_row(70598100, "C", "A", "CSQ=" + vep_entry("A"), ["0/1:12:0,3,30", "0/0:30:0,90,255"], fmt="GT:DP:PL"),
        vcf_row(70598300, "G", "A", "CSQ=" + vep_entry("A"), ["0/1:4:0,3,30", "0/0:30:0,90,255"], fmt="GT:DP:PL"),
    ], formats=("GT", "DP"), extra_header=BCFTOOLS_FORMATS[:1])
    out = run(tmp_path, vcf)
    assert carrier(out, "chr10:70598100:C:A", "S1")["state"] == "het"
    assert carrier(out, "chr10:70598100:C:A", "S1")["gq"] == "NA"
    assert out.variants["chr10:70598300:G:A"]["reasons"] == "no_assessable_carrier"  # depth 4: not assessable
    assert out.mqc["records in the panel without FORMAT/GQ (genotypes judged on depth alone)"] == "2"
    assert any("have no FORMAT/GQ" in w and "--min-gq 20" in w for w in out.summary.warnings)
    # with --min-gq 0 the rule is off on purpose: nothing to say
    off = run(tmp_path, vcf, name="off", min_gq=0)
    assert not any("FORMAT/GQ" in w for w in off.summary.warnings)


DEEPVARIANT_HEADER = [
    '##FILTER=<ID=RefCall,Description="Genotyping model thinks this site is reference.">',
    '##FILTER=<ID=LowQual,Description="Confidence in this variant being real is below calling threshold.">',
    '##FORMAT=<ID=VAF,Number=A,Type=Float,Description="Variant allele fractions.">',
    '##FORMAT=<ID=PL,Number=G,Type=Integer,Description="Phred-scaled genotype likelihoods rounded to the closest '
    'integer">',
]


def test_deepvariant_refcall_and_gvcf_blocks(tmp_path):
    rows = [
        vcf_row(70598100, "C", "A", "CSQ=" + vep_entry("A"), ["./.:30:20:15,15:0.5:0,0,0", "0/0:30:50:30,0:0:0,50,99"],
                fmt="GT:DP:GQ:AD:VAF:PL").replace("\tPASS\t", "\tRefCall\t"),
        vcf_row(70598200, "G", "A", "CSQ=" + vep_entry("A"), ["0/1:30:45:14,16:0.53:45,0,50", "0/0:30:50:30,0:0:0,50,99"],
                fmt="GT:DP:GQ:AD:VAF:PL"),
        # a gVCF's reference block and GATK's non-ref allele, given by mistake as calls
        vcf_row(70598300, "G", "<*>", ".", ["0/0:30:50:30,0:0:0,50,99", "0/0:30:50:30,0:0:0,50,99"],
                fmt="GT:DP:GQ:AD:VAF:PL"),
        vcf_row(70598400, "G", "<NON_REF>", ".", ["0/1:30:50:10,20:0.6:50,0,99", "0/0:30:50:30,0:0:0,50,99"],
                fmt="GT:DP:GQ:AD:VAF:PL"),
    ]
    vcf = write_vcf(tmp_path / "dv.vcf", rows, formats=("GT", "DP", "GQ", "AD"), extra_header=DEEPVARIANT_HEADER)
    out = run(tmp_path, vcf)
    refcall = out.variants["chr10:70598100:C:A"]
    assert (refcall["reasons"], refcall["unconfirmed"]) == ("low_quality;no_assessable_carrier", "no")
    assert out.variants["chr10:70598200:G:A"]["decision"] == "kept"
    for vid in ("chr10:70598300:G:<*>", "chr10:70598400:G:<NON_REF>"):
        assert out.variants[vid]["reasons"] == "not_a_variant_allele"
        assert out.variants[vid]["unconfirmed"] == "no"
    assert out.genes[("S1", "PRF1")]["status"] == "monoallelic"


def test_cli_refuses_a_mismatched_snpeff_database_with_status_2(tmp_path):
    done = subprocess.run([sys.executable, str(REPO / "bin" / "screen_variants.py"), "--vcf",
                           str(FIXTURES / "snpeff51_genome_mismatch.vcf"), "--regions", str(REGIONS),
                           "--risk-factors", str(WHITELIST), "--samplesheet", str(two_samples(tmp_path)),
                           "--outdir", str(tmp_path / "out")], capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert "WARNING_REF_DOES_NOT_MATCH_GENOME" in done.stderr
    assert not (tmp_path / "out" / "variants.tsv").exists()


def test_reason_order_lists_not_a_variant_allele_second():
    assert S.REASONS[:3] == ("outside_panel", "not_a_variant_allele", "low_quality")
    assert not S.is_variant_allele("*") and S.is_variant_allele("<DEL>") and S.is_variant_allele("A")


# =============================================================================================
# VEP's synonymous HGVSp
# =============================================================================================

# VEP 95-style --everything CSQ layout (field names and order as VEP writes them)
VEP95_FIELDS = ("Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|HGVSp|"
                "cDNA_position|CDS_position|Protein_position|Amino_acids|Codons|Existing_variation|DISTANCE|STRAND|"
                "FLAGS|SYMBOL_SOURCE|HGNC_ID|CANONICAL|TSL|APPRIS|CCDS|ENSP|SWISSPROT|TREMBL|UNIPARC|SOURCE|"
                "GENE_PHENO|SIFT|PolyPhen|DOMAINS|HGVS_OFFSET|AF|gnomAD_AF|MAX_AF|MAX_AF_POPS|CLIN_SIG|SOMATIC|PHENO|"
                "PUBMED").split("|")
VEP95_HEADER = ('##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: '
                + "|".join(VEP95_FIELDS) + '">')


def vep95_entry(**values: str) -> str:
    return "|".join(values.get(name, "") for name in VEP95_FIELDS)


def test_vep_synonymous_hgvsp_gets_the_snpeff_label(tmp_path):
    """VEP writes a synonymous change as `ENST...:c.1245C>T(p.%3D)`. Before: hgvsp and label
    `c.1245C>T(p.=)` (snpEff: `p.Ala415=`); a synonymous splice-region variant is kept by the
    default --consequences, so its label names a test. Without Amino_acids/Protein_position the
    label falls back to HGVSc, never to a bare `p.=` many variants would share."""
    common = dict(Allele="T", Consequence="splice_region_variant&synonymous_variant", IMPACT="LOW", SYMBOL="PRF1",
                  Gene="ENSG00000180644", Feature_type="Transcript", Feature="ENST00000441259", CANONICAL="YES",
                  BIOTYPE="protein_coding", SIFT="", PolyPhen="", HGVSc="ENST00000441259.1:c.1245C>T",
                  HGVSp="ENST00000441259.1:c.1245C>T(p.%3D)")
    vcf = write_vcf(tmp_path / "vep95.vcf", [
        vcf_row(70598100, "C", "T", "CSQ=" + vep95_entry(**common, Protein_position="415", Amino_acids="A"),
                ["0/1:30:99", "0/0:30:99"]),
        vcf_row(70598200, "C", "T", "CSQ=" + vep95_entry(**dict(common, HGVSc="ENST00000441259.1:c.1145C>T",
                                                               HGVSp="ENST00000441259.1:c.1145C>T(p.%3D)")),
                ["0/1:30:99", "0/0:30:99"]),
    ], extra_header=[VEP95_HEADER])
    # write_vcf always declares its own minimal CSQ layout first: drop it, keep VEP 95's
    vcf.write_text(vcf.read_text().replace(
        [line for line in vcf.read_text().splitlines() if line.startswith("##INFO=<ID=CSQ")][0] + "\n", "", 1))
    out = run(tmp_path, vcf)
    first = out.variants["chr10:70598100:C:T"]
    assert (first["decision"], first["hgvsp"], first["label"]) == ("kept", "p.Ala415=", "p.Ala415=")
    second = out.variants["chr10:70598200:C:T"]
    assert (second["hgvsp"], second["label"]) == ("p.=", "c.1145C>T")


@pytest.mark.parametrize("given, expected", [
    ("c.1245C>T(p.=)", "p.Ala415="), ("p.Ala415=", "p.Ala415="), ("p.Ala415Val", "p.Ala415Val"), (None, None)])
def test_vep_synonymous_hgvsp(given, expected):
    assert A.vep_synonymous_hgvsp(given, "A", "415") == expected


def test_positionless_protein_changes_are_no_labels():
    assert A.protein_label("p.=") is None and A.protein_label("p.?") is None
    assert A.variant_label("p.?", "c.1A>G", "chr10:1:A:G") == "c.1A>G"


# =============================================================================================
# snpEff on a multi-allelic site, split afterwards (real snpEff 5.1d + bcftools norm 1.16)
# =============================================================================================

# the site chr10:70598302 TAA>TA,T,TAAA as snpEff annotated it (Allele = the ALT as written)
SITE_HGVSC = {"chr10:70598302:TA:T": "c.1417delT", "chr10:70598302:TAA:T": "c.1417_1418delTT",
              "chr10:70598302:T:TA": "c.1416_1417insT"}


def test_snpeff_site_split_with_old_rec_is_matched_by_the_original_alt(tmp_path):
    """Before: bcftools trimmed TAA>TA to TA>T, whose ALT `T` is the Allele of the site's ALT 2 (TAA>T):
    the 1-bp deletion got the 2-bp deletion's annotation and the insertion T>TA (ALT `TA`) the 1-bp
    deletion's, exit 0. OLD_REC gives each record its original ALT."""
    out = run(tmp_path, FIXTURES / "snpeff51_multiallelic_split_oldrec.vcf")
    for variant, hgvsc in SITE_HGVSC.items():
        row = out.variants[variant]
        assert (row["hgvsc"], row["annotation_match"]) == (hgvsc, "old_rec"), variant
    # an SNV site's alleles cannot be trimmed: matched as written
    assert out.variants["chr10:70598305:G:C"]["hgvsc"] == "c.1416C>G"
    assert out.variants["chr10:70598305:G:A"]["hgvsc"] == "c.1416C>T"


def test_snpeff_site_split_without_old_rec_is_not_guessed(tmp_path):
    """Without the tag the trimmed indels cannot be matched safely: not annotated (their carriers are
    not_assessable for the gene, and the run log says why) instead of another ALT's annotation. Each
    one's ALT is another ALT's Allele (TA>T: `T`, ALT 2's): allele_ambiguous, counted apart."""
    out = run(tmp_path, FIXTURES / "snpeff51_multiallelic_split_plain.vcf")
    for variant in SITE_HGVSC:
        row = out.variants[variant]
        assert (row["reasons"], row["annotation_match"], row["unconfirmed"]) == (
            "not_annotated", "allele_ambiguous", "yes"), variant
    assert out.variants["chr10:70598305:G:C"]["annotation_match"] == "allele"
    assert any("nothing tells which are their own" in w and "--old-rec-tag" in w for w in out.summary.warnings)
    assert out.mqc["records evaluated with CSQ/ANN entries of several ALTs, none attributable to the record's "
                   "(allele ambiguous; annotation lost)"] == "3"


BCFTOOLS = shutil.which("bcftools")


def _split_and_screen(tmp: Path, sequence: str, csq_header: str, record: str, tag: bool,
                      vep_command: str | None = None) -> Out:
    """`record` (two samples S1, S2; GT:DP:GQ) on chr1 = `sequence`, annotated as `csq_header` says, split and
    left-aligned by the real `bcftools norm -m -any -f` (with `--old-rec-tag OLD_REC` when `tag`), then screened
    with a region over the whole contig and an empty whitelist."""
    ref_fa = tmp / "ref.fa"
    ref_fa.write_text(">chr1\n" + sequence + "\n")
    subprocess.run(["samtools", "faidx", str(ref_fa)], check=True)
    command_line = [] if vep_command is None else \
        [f"##VEP-command-line='vep --vcf --cache --symbol --hgvs --canonical {vep_command}'"]
    raw = tmp / "raw.vcf"
    raw.write_text("\n".join([
        "##fileformat=VCFv4.2", f"##contig=<ID=chr1,length={len(sequence)}>", *command_line, csq_header,
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
        '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype quality">',
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2", record]) + "\n")
    split = tmp / "split.vcf"
    norm = [BCFTOOLS, "norm", "-m", "-any", "-f", str(ref_fa)] + (["--old-rec-tag", "OLD_REC"] if tag else [])
    with open(split, "w") as out_file:
        subprocess.run(norm + [str(raw)], check=True, stdout=out_file, stderr=subprocess.DEVNULL)
    regions = tmp / "regions.bed"
    regions.write_text(f"chr1\t10\t{len(sequence) - 10}\tGENEX|exon1\n")
    empty = tmp / "none.tsv"
    empty.write_text(WHITELIST.read_text().splitlines()[0] + "\n")
    return run(tmp, split, regions=regions, whitelist=empty)


@pytest.mark.skipif(BCFTOOLS is None, reason="bcftools not installed")
@pytest.mark.parametrize("tag", [True, False])
def test_vep_site_without_allele_number_split_afterwards(tmp_path, tag):
    """VEP (no --allele_number) on TAA>TA,T,TAAA writes Alleles A, -, AAA (the shared first base
    dropped). bcftools then splits and trims: TA>T, TAA>T, T>TA. Before: TA>T and TAA>T both took
    the `-` entry (the 2-bp deletion's) and the insertion T>TA the `A` entry (the 1-bp deletion's),
    exit 0. Now OLD_REC's original ALT, spelled as VEP spelled the site, selects the entries; without
    the tag none is guessed."""
    sequence = "ACGTACGTACGTAGCTAGCTGATCGTAGCTAGC" + "CTTAAGAGTTG" + "ATCGATCGATGCTAGCTAGAGCATCGATCGATCGTAG" * 2
    pos = sequence.index("CTTAAGAGTTG") + 3  # 1-based POS of its TAA
    common = dict(Consequence="frameshift_variant", IMPACT="HIGH", SYMBOL="GENEX", Gene="ENSG1",
                  Feature_type="Transcript", Feature="ENST1", CANONICAL="YES", BIOTYPE="protein_coding")
    csq = ",".join([vep95_entry(**common, Allele="A", HGVSc="ENST1:c.10del", HGVSp="ENSP1:p.Leu4fs"),
                    vep95_entry(**common, Allele="-", HGVSc="ENST1:c.10_11del", HGVSp="ENSP1:p.Leu4Ter"),
                    vep95_entry(**common, Allele="AAA", HGVSc="ENST1:c.9_10insT", HGVSp="ENSP1:p.Leu4PhefsTer2")])
    out = _split_and_screen(tmp_path, sequence, VEP95_HEADER,
                            f"chr1\t{pos}\t.\tTAA\tTA,T,TAAA\t100\tPASS\tCSQ={csq}\tGT:DP:GQ\t0/1:30:99\t2/3:30:99", tag)
    got = {(r["ref"], r["alt"]): (r["hgvsc"], r["annotation_match"]) for r in out.variants.values()}
    if tag:
        assert got == {("TA", "T"): ("c.10del", "old_rec"), ("TAA", "T"): ("c.10_11del", "old_rec"),
                       ("T", "TA"): ("c.9_10insT", "old_rec")}
    else:
        assert set(got.values()) == {("NA", "no_entry_for_alt")}


def test_vep_site_spellings():
    assert A._vep_site_spellings("TAA", ["TA", "T", "TAAA"], "T")[0] == "-"
    assert A._vep_site_spellings("TAA", ["TA", "T", "TAAA"], "TAAA")[0] == "AAA"
    assert A._vep_site_spellings("G", ["A", "GT"], "GT")[0] == "GT"  # no shared first base: as written


def test_frequency_with_several_values_for_one_alt_is_refused_with_why(tmp_path):
    """A Number=. gnomAD field filled on a multi-allelic site keeps every ALT's value after the split.
    Before: "'0.001,0.3' is not a number"."""
    header = ['##INFO=<ID=gnomAD_AF,Number=.,Type=Float,Description="gnomAD AF">']
    vcf = write_vcf(tmp_path / "two.vcf", [vcf_row(70598100, "C", "A", "gnomAD_AF=0.001,0.3;CSQ=" + vep_entry("A"),
                                                   ["0/1:30:99", "0/0:30:99"])], extra_header=header)
    with pytest.raises(UserInputError, match=r"two\.vcf:\d+: INFO/gnomAD_AF: chr10:70598100:C:A: '0.001,0.3' holds 2 "
                                             r"values for the record's one ALT.*Number=A"):
        run(tmp_path, vcf)


def test_snpeff_one_letter_hgvsp_gives_the_same_columns_and_labels(tmp_path, gatk):
    """snpEff -hgvs1LetterAa (real 5.1d output of the same VCF) writes p.A91V, p.T540del, p.P507H.
    Before: those spellings reached hgvsp and the labels (the same call named two ways, and the
    whitelist's HGVSp cross-check could not find p.Ala91Val)."""
    one = run(tmp_path, FIXTURES / "gatk_joint_snpeff51_1letter.vcf", sheet=three_samples(tmp_path))
    assert one.variants["chr10:70600631:G:A"]["hgvsp"] == "p.Ala91Val"
    for variant, row in gatk.variants.items():
        assert (one.variants[variant]["hgvsp"], one.variants[variant]["label"]) == (row["hgvsp"], row["label"])


@pytest.mark.parametrize("given, expected", [
    ("p.A91V", "p.Ala91Val"), ("p.T540_P542del", "p.Thr540_Pro542del"), ("p.L472L", "p.Leu472="),
    ("p.W374*", "p.Trp374Ter"), ("p.K5_L6insRS", "p.Lys5_Leu6insArgSer"), ("p.(A91V)", "p.(Ala91Val)"),
    ("p.Ala91Val", "p.Ala91Val"), ("p.*556Glnext*?", "p.*556Glnext*?"), ("p.=", "p.="), ("p.?", "p.?")])
def test_one_letter_protein_changes_in_three_letters(given, expected):
    assert A.normalise_hgvsp(given) == expected


# ---------------------------------------------------------------------------------------------
# Multi-allelic sites VEP annotated whole, split afterwards without bcftools' OLD_REC tag: an entry that
# cannot be attributed to exactly one ALT is not guessed (allele_ambiguous)
# ---------------------------------------------------------------------------------------------

_SITE_SEQUENCE = "ACGTACGTACGTAGCTAGCTGATCGTAGCTAGC" + "CATGTCGCGATGCCTGAGCTTAAGAGTTG" + "ATCGATCGATGCTAGCTAGAGCAT" * 2
_VEP_COMMON = dict(Consequence="frameshift_variant", IMPACT="HIGH", SYMBOL="GENEX", Gene="ENSG1",
                   Feature_type="Transcript", Feature="ENST1", CANONICAL="YES", BIOTYPE="protein_coding")


def _vep_site_split(tmp: Path, motif: str, ref: str, alts: Sequence[str], alleles: Sequence[str],
                    allele_num: bool, command: str, tag: bool = False, picked: Optional[int] = None,
                    gnomad_afs: Sequence[str] = ()) -> Out:
    """The site `ref`>`alts` at `motif` (`|` where REF starts; a real-format VEP 95 CSQ, one entry per ALT on one transcript,
    Allele as VEP wrote it, HGVSc `c.<i>ALT` naming the ALT, gnomAD_AF from `gnomad_afs`), split by
    `bcftools norm -m -any -f`, screened. `picked`: only that ALT's entry is written (VEP --pick on the whole site
    keeps one consequence per variant)."""
    before, after = motif.split("|")  # the site's context, `|` where REF starts
    assert _SITE_SEQUENCE.count(before + after) == 1 and after.startswith(ref)
    pos = _SITE_SEQUENCE.index(before + after) + len(before) + 1
    fields = VEP95_FIELDS + (["ALLELE_NUM"] if allele_num else [])
    entries = [dict(_VEP_COMMON, Allele=allele, HGVSc=f"ENST1:c.{i}ALT", HGVSp=f"ENSP1:p.Leu{i}fs",
                    ALLELE_NUM=str(i), gnomAD_AF=(list(gnomad_afs) + [""] * i)[i - 1])
               for i, allele in enumerate(alleles, 1) if picked in (None, i)]
    csq = ",".join("|".join(e.get(name, "") for name in fields) for e in entries)
    header = VEP95_HEADER.replace("|PUBMED", "|PUBMED|ALLELE_NUM") if allele_num else VEP95_HEADER
    return _split_and_screen(tmp, _SITE_SEQUENCE, header,
                             f"chr1\t{pos}\t.\t{ref}\t{','.join(alts)}\t100\tPASS\tCSQ={csq}\tGT:DP:GQ\t0/1:30:99\t0/2:30:99",
                             tag, vep_command=command)


_AMBIGUOUS_ROW = ("records evaluated with CSQ/ANN entries of several ALTs, none attributable to the record's "
                  "(allele ambiguous; annotation lost)")


@pytest.mark.skipif(BCFTOOLS is None, reason="bcftools not installed")
@pytest.mark.parametrize("tag", [False, True])
def test_vep_minimal_site_with_one_allele_spelling_for_two_alts(tmp_path, tag):
    """VEP --minimal on CT>C,T (GCTT: the deletion of T, and of C) spells both ALTs `-` (each ALT trimmed
    alone: C>-, T>-); bcftools splits them into CT>C and, left-aligned, GC>G. Before: both records
    matched `-` and took BOTH ALTs' entries (exit 0, each deletion judged by the other's consequence
    too). Now the transcript named twice shows the entries are two ALTs': not used, counted, warned."""
    out = _vep_site_split(tmp_path, "GAG|CTTAAG", "CT", ["C", "T"], ["-", "-"], allele_num=False,
                          command="--minimal", tag=tag)
    got = {(r["ref"], r["alt"]): (r["annotation_match"], r["reasons"], r["unconfirmed"]) for r in out.variants.values()}
    assert got == {("CT", "C"): ("allele_ambiguous", "not_annotated", "yes"),
                   ("GC", "G"): ("allele_ambiguous", "not_annotated", "yes")}
    assert out.mqc[_AMBIGUOUS_ROW] == "2"
    assert any("nothing tells which are their own" in w and "--allele_number" in w for w in out.summary.warnings)


@pytest.mark.skipif(BCFTOOLS is None, reason="bcftools not installed")
def test_vep_minimal_site_with_allele_number_and_tag_is_matched(tmp_path):
    """The fix the warning names: --allele_number and --old-rec-tag tell the two `-` apart."""
    out = _vep_site_split(tmp_path, "GAG|CTTAAG", "CT", ["C", "T"], ["-", "-"], allele_num=True,
                          command="--minimal --allele_number", tag=True)
    got = {(r["ref"], r["alt"]): (r["hgvsc"], r["annotation_match"]) for r in out.variants.values()}
    assert got == {("CT", "C"): ("c.1ALT", "allele_num"), ("GC", "G"): ("c.2ALT", "allele_num")}


@pytest.mark.skipif(BCFTOOLS is None, reason="bcftools not installed")
@pytest.mark.parametrize("tag", [True, False])
def test_vep_pick_on_a_whole_site_leaves_one_alts_entry_to_that_alt(tmp_path, tag):
    """VEP --pick --allele_number on GTA>GA,G keeps one consequence for the whole site: ALT 2's (the 2-bp deletion,
    Allele `-`, ALLELE_NUM 2, gnomAD_AF 0.2). bcftools trims ALT 1 to GT>G, whose VEP spelling is `-` too. Before:
    GT>G took ALT 2's entry (its consequence, and its gnomAD AF: a rare 1-bp deletion dropped as common, exit 0).
    An ALLELE_NUM above 1 names an ALT of the unsplit site: only the record of that ALT (OLD_REC) takes it; without
    the tag, as for entries of several ALLELE_NUMs, only an ALT written exactly as the Allele could."""
    out = _vep_site_split(tmp_path, "GATC|GTAGC", "GTA", ["GA", "G"], ["A", "-"], allele_num=True,
                          command="--pick --allele_number", tag=tag, picked=2, gnomad_afs=["", "0.2"])
    got = {(r["ref"], r["alt"]): (r["hgvsc"], r["annotation_match"], r["af_used"], r["reasons"])
           for r in out.variants.values()}
    assert got[("GT", "G")] == ("NA", "no_entry_for_alt", "NA", "not_annotated")
    assert out.genes[("S1", "GENEX")]["status"] == "not_assessable"  # the 1-bp deletion's carrier
    if tag:
        assert got[("GTA", "G")] == ("c.2ALT", "allele_num", "0.2", "af_above_max;common_not_risk_factor")
    else:  # GTA>G's `G` is not the entry's `-`: which ALT of the site it is cannot be told
        assert got[("GTA", "G")][:2] == ("NA", "no_entry_for_alt")


@pytest.mark.skipif(BCFTOOLS is None, reason="bcftools not installed")
@pytest.mark.parametrize("picked", [1, 2])
def test_vep_pick_on_a_whole_site_without_allele_number(tmp_path, picked):
    """The same site and --pick without --allele_number: the one entry names no ALT, but bcftools' OLD_REC names the
    site, and its Allele is how VEP spelled one ALT of it (`A` for GA, `-` for G). Before: GT>G (ALT 1 trimmed, VEP
    spelling `-`) took ALT 2's entry and gnomAD AF (exit 0). Now an entry spelled as another ALT of the record's site,
    and not as its own, is not used (allele_ambiguous: not_annotated, its carriers not assessable)."""
    out = _vep_site_split(tmp_path, "GATC|GTAGC", "GTA", ["GA", "G"], ["A", "-"], allele_num=False,
                          command="--pick", tag=True, picked=picked, gnomad_afs=["0.001", "0.2"])
    got = {(r["ref"], r["alt"]): (r["hgvsc"], r["annotation_match"]) for r in out.variants.values()}
    if picked == 2:
        assert got == {("GT", "G"): ("NA", "allele_ambiguous"), ("GTA", "G"): ("c.2ALT", "old_rec")}
        assert out.genes[("S1", "GENEX")]["status"] == "not_assessable"
    else:  # ALT 1's entry (`A`, as VEP spelled GA at the site; before: lost, GT>G spells `-`)
        assert got == {("GT", "G"): ("c.1ALT", "old_rec"), ("GTA", "G"): ("NA", "allele_ambiguous")}
        assert out.genes[("S2", "GENEX")]["status"] == "not_assessable"


@pytest.mark.parametrize("order, expected", [(("norm", "vep"), "allele"), (("vep", "norm"), "allele_ambiguous"),
                                             (("norm", "vep", "dedup"), "allele")])
def test_site_spellings_apply_only_when_vep_ran_before_the_split(order, expected):
    """The pipeline's order (bcftools norm with --old-rec-tag, then VEP): GT>G, split from GTA>GA,G, spells its own ALT
    `-`, which is also how VEP would spell ALT 2 at the site; with --pick it must keep its entry. Only a header whose
    VEP command line comes before a splitting norm (VEP ran on the unsplit site) makes the site's spellings decide;
    `norm -d exact` after VEP (the screen's advice for duplicate records) splits nothing."""
    lines = {"norm": "##bcftools_normCommand=norm -m -any -f ref.fa --old-rec-tag OLD_REC; Date=Thu Dec  3 2026",
             "vep": "##VEP-command-line='vep --cache --vcf --symbol --hgvs --pick'",
             "dedup": "##bcftools_normCommand=norm -d exact -Oz -o dedup.vcf.gz annotated.vcf.gz; Date=Thu Dec  3 2026"}
    header = "\n".join(['##INFO=<ID=OLD_REC,Number=1,Type=String,Description="Original variant. Format: '
                        'CHR|POS|REF|ALT|USED_ALT_IDX">', *(lines[name] for name in order), VEP95_HEADER])
    layout = A.layout_from_header(header)
    entries = [vep95_entry(Allele="-", Consequence="frameshift_variant", IMPACT="HIGH", SYMBOL="GENEX").split("|")]
    info = {"OLD_REC": "chr1|77|GTA|GA,G|1"}.get
    assert A._match_entries(layout, entries, "GT", "G", info)[1] == expected


def test_a_biallelic_indel_annotated_before_a_split_without_tag_keeps_its_entries():
    """VEP --allele_number, then bcftools norm without --old-rec-tag: a biallelic deletion (ALLELE_NUM 1, Allele `-`)
    was never part of a multi-allelic site the header could name; it keeps its entries."""
    header = "\n".join(["##VEP-command-line='vep --cache --vcf --symbol --hgvs --allele_number'",
                        "##bcftools_normCommand=norm -m -any -f ref.fa; Date=Thu Dec  3 2026",
                        VEP95_HEADER.replace("|PUBMED", "|PUBMED|ALLELE_NUM")])
    layout = A.layout_from_header(header)
    entry = vep95_entry(Allele="-", Consequence="frameshift_variant", IMPACT="HIGH", SYMBOL="GENEX") + "|1"
    assert A._match_entries(layout, [entry.split("|")], "GT", "G", {}.get)[1] == "allele"


@pytest.mark.skipif(BCFTOOLS is None, reason="bcftools not installed")
@pytest.mark.parametrize("allele_num", [False, True])
def test_vep_site_alt_trimmed_into_another_alts_allele(tmp_path, allele_num):
    """TGA>TG,G (first bases T,T,G: VEP keeps the Alleles as written, `TG` and `G`). bcftools trims ALT 1
    (the 1-bp deletion) to GA>G one base on, whose ALT `G` is ALT 2's Allele. Before: GA>G took ALT 2's
    entry (a 2-bp delins: another consequence, exit 0), with and without ALLELE_NUM. Now neither split
    record's entries are guessed (a record cannot tell whether bcftools trimmed it)."""
    out = _vep_site_split(tmp_path, "CC|TGAGCT", "TGA", ["TG", "G"], ["TG", "G"], allele_num=allele_num,
                          command="--allele_number" if allele_num else "")
    got = {(r["ref"], r["alt"]): (r["hgvsc"], r["annotation_match"]) for r in out.variants.values()}
    assert got == {("GA", "G"): ("NA", "allele_ambiguous"), ("TGA", "G"): ("NA", "allele_ambiguous")}
    assert out.mqc[_AMBIGUOUS_ROW] == "2"


@pytest.mark.skipif(BCFTOOLS is None, reason="bcftools not installed")
@pytest.mark.parametrize("site, alleles, expected", [
    # GT>GTT,G (shared first base: VEP writes TT and -): split G>GT and GT>G; no spelling is theirs
    (("CAT|GTCG", "GT", ["GTT", "G"]), ["TT", "-"], {("G", "GT"): "no_entry_for_alt", ("GT", "G"): "no_entry_for_alt"}),
    # A>AT,ATT (shared: T and TT): split A>AT and A>ATT; neither ALT is written as VEP wrote it
    (("GCG|ATGCC", "A", ["AT", "ATT"]), ["T", "TT"], {("A", "AT"): "no_entry_for_alt", ("A", "ATT"): "no_entry_for_alt"}),
    # A>G,AT (first bases A,G,A: as written, G and AT): each record's ALT is an Allele, but an SNV or an
    # insertion can be another ALT trimmed (AA>AT,T gives A>T one base on): not guessed
    (("GCG|ATGCC", "A", ["G", "AT"]), ["G", "AT"], {("A", "G"): "allele_ambiguous", ("A", "AT"): "allele_ambiguous"}),
    # an SNV site: nothing to trim, each ALT's Allele is its own
    (("GCG|ATGCC", "A", ["G", "C"]), ["G", "C"], {("A", "G"): "allele", ("A", "C"): "allele"}),
])
def test_vep_sites_split_without_tag(tmp_path, site, alleles, expected):
    motif, ref, alts = site
    out = _vep_site_split(tmp_path, motif, ref, alts, alleles, allele_num=False, command="")
    assert {(r["ref"], r["alt"]): r["annotation_match"] for r in out.variants.values()} == expected
