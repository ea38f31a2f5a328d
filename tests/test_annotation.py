"""Tests of hlhscreen.annotation on hand-written VEP (CSQ) and snpEff (ANN) VCFs."""

from __future__ import annotations

import subprocess
import tracemalloc
import types
from pathlib import Path
from typing import Iterable, Sequence

import cyvcf2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hlhscreen import annotation as A
from hlhscreen.errors import UserInputError

# --- building VCFs ------------------------------------------------------------------------------

VEP_FIELDS_112 = (
    "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|HGVSp|"
    "cDNA_position|CDS_position|Protein_position|Amino_acids|Codons|Existing_variation|DISTANCE|"
    "STRAND|FLAGS|SYMBOL_SOURCE|HGNC_ID|CANONICAL|MANE_SELECT|MANE_PLUS_CLINICAL|gnomADe_AF|"
    "gnomADe_AFR_AF|gnomADe_AMR_AF|gnomADe_ASJ_AF|gnomADe_EAS_AF|gnomADe_FIN_AF|gnomADe_MID_AF|"
    "gnomADe_NFE_AF|gnomADe_REMAINING_AF|gnomADe_SAS_AF|gnomADg_AF|gnomADg_AFR_AF|gnomADg_AMI_AF|"
    "gnomADg_AMR_AF|gnomADg_ASJ_AF|gnomADg_EAS_AF|gnomADg_FIN_AF|gnomADg_MID_AF|gnomADg_NFE_AF|"
    "gnomADg_REMAINING_AF|gnomADg_SAS_AF"
).split("|")

# Same information, a different order (VEP orders fields by the options given).
VEP_FIELDS_SHUFFLED = [
    "Feature", "SYMBOL", "Allele", "gnomADg_NFE_AF", "HGVSp", "CANONICAL", "Consequence",
    "gnomADe_AF", "Existing_variation", "IMPACT", "HGVSc", "Gene", "MANE_SELECT", "EXON", "INTRON",
    "BIOTYPE", "HGNC_ID", "Feature_type", "gnomADe_NFE_AF", "gnomADe_FIN_AF", "gnomADe_AFR_AF",
    "gnomADe_ASJ_AF", "gnomADe_AMR_AF", "gnomADe_EAS_AF", "gnomADe_SAS_AF", "gnomADe_MID_AF",
    "gnomADe_REMAINING_AF", "gnomADg_AF", "gnomADg_AFR_AF", "gnomADg_FIN_AF",
]

SNPEFF_HEADER = (
    '##INFO=<ID=ANN,Number=.,Type=String,Description="Functional annotations: \'Allele | '
    "Annotation | Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | "
    "Transcript_BioType | Rank | HGVS.c | HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length | "
    "AA.pos / AA.length | Distance | ERRORS / WARNINGS / INFO' \">"
)


def csq_header(fields: Sequence[str]) -> str:
    return (
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl '
        'VEP. Format: ' + "|".join(fields) + '">'
    )


def entry(fields: Sequence[str], **values: str) -> str:
    unknown = set(values) - set(fields)
    assert not unknown or all(values[k] == "" for k in unknown), unknown
    return "|".join(values.get(name, "") for name in fields)


def write_vcf(path: Path, header: Iterable[str], rows: Iterable[str], contigs=("chr10", "chr17")
              ) -> Path:
    lines = ["##fileformat=VCFv4.2"]
    lines += [f"##contig=<ID={c}>" for c in contigs]
    lines += list(header)
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO")
    lines += list(rows)
    path.write_text("\n".join(lines) + "\n")
    return path


def row(chrom: str, pos: int, vid: str, ref: str, alt: str, info: str) -> str:
    return f"{chrom}\t{pos}\t{vid}\t{ref}\t{alt}\t50\tPASS\t{info}"


# PRF1 missense with three transcripts: MANE Select (missense), a canonical-but-not-MANE
# (hypothetical) and a non-coding one with a more severe consequence.
PRF1_MANE = dict(
    Allele="A", Consequence="missense_variant", IMPACT="MODERATE", SYMBOL="PRF1",
    Gene="ENSG00000180644", Feature_type="Transcript", Feature="ENST00000441259.2",
    BIOTYPE="protein_coding", EXON="2/3", HGVSc="ENST00000441259.2:c.272C>T",
    HGVSp="ENSP00000398568.2:p.Ala91Val", Existing_variation="rs35947132&COSV64881391",
    STRAND="-1", SYMBOL_SOURCE="HGNC", HGNC_ID="HGNC:9360", MANE_SELECT="NM_001083116.3",
    gnomADe_AF="0.03", gnomADe_AFR_AF="0.005", gnomADe_NFE_AF="0.04", gnomADe_FIN_AF="0.09",
    gnomADe_ASJ_AF="0.06", gnomADe_AMR_AF="0.02", gnomADe_EAS_AF="0", gnomADe_SAS_AF="0.01",
    gnomADe_MID_AF="0.08", gnomADe_REMAINING_AF="0.07", gnomADg_AF="0.025", gnomADg_AFR_AF="0.3",
)
PRF1_CANONICAL = dict(
    PRF1_MANE, Feature="ENST00000373209.7", MANE_SELECT="", CANONICAL="YES",
    HGVSc="ENST00000373209.7:c.272C>T", HGVSp="ENSP00000362305.2:p.Ala91Val",
)
PRF1_OTHER = dict(
    PRF1_MANE, Feature="ENST00000999999.1", MANE_SELECT="", BIOTYPE="retained_intron",
    Consequence="splice_acceptor_variant&non_coding_transcript_variant", IMPACT="HIGH",
    EXON="", INTRON="1/2", HGVSc="ENST00000999999.1:n.100-1C>T", HGVSp="",
)


def prf1_vcf(tmp_path: Path, fields: Sequence[str], name="vep.vcf", vid="rs35947132;rs999") -> Path:
    info = "CSQ=" + ",".join(entry(fields, **{k: v for k, v in e.items() if k in fields})
                             for e in (PRF1_OTHER, PRF1_MANE, PRF1_CANONICAL))
    return write_vcf(tmp_path / name, [csq_header(fields)],
                     [row("chr10", 70600631, vid, "G", "A", info)])


# --- VEP ------------------------------------------------------------------------------------------


def test_vep_record_is_normalised(tmp_path):
    (rec,) = list(A.iter_records(prf1_vcf(tmp_path, VEP_FIELDS_112)))
    assert (rec.chrom, rec.pos, rec.ref, rec.alt) == ("chr10", 70600631, "G", "A")
    assert rec.variant_id == "chr10:70600631:G:A"
    assert rec.annotation_source == "vep"
    assert len(rec.transcripts) == 3
    assert rec.summary_basis == "mane_select"
    s = rec.summary
    assert s.transcript_id == "ENST00000441259.2"
    assert s.mane_select and s.mane_select_id == "NM_001083116.3" and not s.canonical
    assert s.gene_symbol == "PRF1" and s.hgnc_id == "HGNC:9360" and s.gene_id == "ENSG00000180644"
    assert s.biotype == "protein_coding" and s.exon == "2/3" and s.intron is None
    assert s.hgvsc == "c.272C>T" and s.hgvsc_reference == "ENST00000441259.2"
    assert s.hgvsc_full == "ENST00000441259.2:c.272C>T"
    assert s.hgvsp == "p.Ala91Val" and s.hgvsp_reference == "ENSP00000398568.2"
    assert s.consequences == ("missense_variant",) and s.impact == "MODERATE"
    other = next(t for t in rec.transcripts if t.transcript_id == "ENST00000999999.1")
    assert other.consequences == ("splice_acceptor_variant", "non_coding_transcript_variant")
    assert other.hgvsp is None and other.intron == "1/2" and other.exon is None
    canonical = next(t for t in rec.transcripts if t.transcript_id == "ENST00000373209.7")
    assert canonical.canonical and not canonical.mane_select
    # Existing_variation split on & plus the rsIDs of the ID column, no repeats
    assert rec.existing_ids == ("rs35947132", "COSV64881391", "rs999")
    assert rec.rsids == ("rs35947132", "rs999")
    assert rec.vcf_ids == ("rs35947132", "rs999")
    # built without the dataclass __init__ (speed): still equal to, and hashed like, a constructed one
    values = {name: getattr(s, name) for name in A.TranscriptAnnotation.__dataclass_fields__}
    assert A.TranscriptAnnotation(**values) == s and hash(A.TranscriptAnnotation(**values)) == hash(s)
    assert A.VariantRecord(**{n: getattr(rec, n) for n in A.VariantRecord.__dataclass_fields__}) == rec
    # every raw field by name (read lazily)
    assert dict(s.fields) == dict(zip(VEP_FIELDS_112, entry(VEP_FIELDS_112, **PRF1_MANE).split("|")))
    assert s.fields["SYMBOL"] == "PRF1" and len(s.fields) == len(VEP_FIELDS_112) and "HGVSp" in s.fields


def test_vep_gnomad_exomes_preferred_and_popmax_excludes_founder_groups(tmp_path):
    (rec,) = list(A.iter_records(prf1_vcf(tmp_path, VEP_FIELDS_112)))
    g = rec.gnomad
    assert g.source == "csq_gnomade"
    assert rec.gnomad_af == pytest.approx(0.03) and rec.gnomad_af_missing is False
    # fin 0.09, mid 0.08, remaining 0.07, asj 0.06 are higher but not popmax-eligible
    assert rec.gnomad_popmax_population == "nfe"
    assert rec.gnomad_popmax_af == pytest.approx(0.04)
    assert g.population_afs["fin"] == pytest.approx(0.09)
    assert g.population_afs["eas"] == 0.0
    # the genome AFR 0.3 was not mixed in: exome data were present
    assert g.population_afs["afr"] == pytest.approx(0.005)


def test_field_order_comes_from_the_header(tmp_path):
    (a,) = list(A.iter_records(prf1_vcf(tmp_path, VEP_FIELDS_112, "a.vcf")))
    (b,) = list(A.iter_records(prf1_vcf(tmp_path, VEP_FIELDS_SHUFFLED, "b.vcf")))
    assert a.summary == b.summary
    assert a.transcripts == b.transcripts
    assert a.gnomad.af == b.gnomad.af and a.gnomad.popmax_population == b.gnomad.popmax_population
    assert a.existing_ids == b.existing_ids


def test_minimal_csq_layout_without_optional_fields(tmp_path):
    fields = list(A.REQUIRED_CSQ_FIELDS)
    vcf = write_vcf(tmp_path / "min.vcf", [csq_header(fields)], [
        row("chr10", 70600631, ".", "G", "A", "CSQ=" + entry(
            fields, Allele="A", Consequence="missense_variant", IMPACT="MODERATE", SYMBOL="PRF1",
            Feature="ENST00000441259", HGVSc="ENST00000441259.2:c.272C>T", HGVSp="")),
    ])
    (rec,) = list(A.iter_records(vcf))
    t = rec.summary
    assert rec.summary_basis == "most_severe"
    assert (t.hgnc_id, t.gene_id, t.biotype, t.exon, t.canonical, t.mane_select) == (
        None, None, None, None, False, False)
    assert t.hgvsp is None and t.hgvsp_full is None
    assert rec.gnomad_af is None and rec.gnomad_af_missing is True
    assert rec.gnomad.popmax_af is None and rec.gnomad.source is None
    assert rec.existing_ids == () and rec.vcf_ids == ()


def test_canonical_then_most_severe_fallbacks(tmp_path):
    fields = [f for f in VEP_FIELDS_112 if f not in ("MANE_SELECT", "MANE_PLUS_CLINICAL")]
    (rec,) = list(A.iter_records(prf1_vcf(tmp_path, fields, "nomane.vcf")))
    assert rec.summary_basis == "canonical"
    assert rec.summary.transcript_id == "ENST00000373209.7"
    # A caller-supplied MANE set works for VEP output without MANE fields (version-agnostic)
    (rec2,) = list(A.iter_records(tmp_path / "nomane.vcf", mane_transcripts={"ENST00000441259.9"}))
    assert rec2.summary_basis == "mane_select"
    assert rec2.summary.transcript_id == "ENST00000441259.2"

    fields3 = [f for f in fields if f != "CANONICAL"]
    (rec3,) = list(A.iter_records(prf1_vcf(tmp_path, fields3, "plain.vcf")))
    assert rec3.summary_basis == "most_severe"
    assert rec3.summary.transcript_id == "ENST00000999999.1"  # splice_acceptor (HIGH)
    assert rec3.summary.most_severe_consequence == "splice_acceptor_variant"
    assert len(rec3.transcripts) == 3  # the others are kept


def test_most_severe_uses_ensembl_order_within_an_impact(tmp_path):
    fields = list(A.REQUIRED_CSQ_FIELDS)
    entries = [
        entry(fields, Allele="T", Consequence="stop_gained", IMPACT="HIGH", SYMBOL="STX11",
              Feature="ENST1", HGVSc="ENST1:c.1C>T", HGVSp="ENSP1:p.Gln1Ter"),
        entry(fields, Allele="T", Consequence="splice_donor_variant&intron_variant", IMPACT="HIGH",
              SYMBOL="STX11", Feature="ENST2", HGVSc="ENST2:c.10+1G>T", HGVSp=""),
        entry(fields, Allele="T", Consequence="missense_variant", IMPACT="MODERATE",
              SYMBOL="STX11", Feature="ENST3", HGVSc="ENST3:c.5C>T", HGVSp="ENSP3:p.Ala2Val"),
    ]
    vcf = write_vcf(tmp_path / "sev.vcf", [csq_header(fields)],
                    [row("chr6", 144186000, ".", "C", "T", "CSQ=" + ",".join(entries))],
                    contigs=("chr6",))
    (rec,) = list(A.iter_records(vcf))
    # splice_donor_variant ranks above stop_gained in Ensembl's table
    assert rec.summary.transcript_id == "ENST2"
    assert rec.summary.hgvsc == "c.10+1G>T"  # '+' is not percent-decoding's business


def test_percent_encoded_hgvs_is_decoded(tmp_path):
    fields = list(A.REQUIRED_CSQ_FIELDS) + ["CANONICAL"]
    entries = [
        entry(fields, Allele="T", Consequence="synonymous_variant", IMPACT="LOW", SYMBOL="STXBP2",
              Feature="ENST00000221283.10", CANONICAL="YES",
              HGVSc="ENST00000221283.10:c.795C>T", HGVSp="ENSP00000221283.4:p.Leu265%3D"),
        entry(fields, Allele="T", Consequence="missense_variant", IMPACT="MODERATE",
              SYMBOL="STXBP2", Feature="ENST00000441779.6",
              HGVSc="ENST00000441779.6:c.[794A>G%3B795C>T]",
              HGVSp="ENSP00000414977.2:p.%5BLeu265Pro%2CLeu266Phe%5D"),
    ]
    vcf = write_vcf(tmp_path / "pct.vcf", [csq_header(fields)],
                    [row("chr19", 7645000, ".", "C", "T", "CSQ=" + ",".join(entries))],
                    contigs=("chr19",))
    (rec,) = list(A.iter_records(vcf))
    syn, mis = rec.transcripts
    assert syn.hgvsp == "p.Leu265=" and syn.hgvsp_full == "ENSP00000221283.4:p.Leu265="
    assert mis.hgvsc == "c.[794A>G;795C>T]"
    assert mis.hgvsp == "p.[Leu265Pro,Leu266Phe]"
    assert rec.summary is syn or rec.summary == syn  # canonical wins over more severe missense


def test_indel_alleles_match_vep_trimmed_allele(tmp_path):
    fields = list(A.REQUIRED_CSQ_FIELDS)

    def tx(allele, csq, hgvsc):
        return entry(fields, Allele=allele, Consequence=csq, IMPACT="HIGH", SYMBOL="UNC13D",
                     Feature="ENST00000207549.9", HGVSc=hgvsc, HGVSp="")

    rows = [
        # deletion CAG>C: VEP drops the padding base, Allele '-'
        row("chr17", 75830000, ".", "CAG", "C", "CSQ=" + tx("-", "frameshift_variant",
                                                            "ENST00000207549.9:c.10_11del")),
        # insertion C>CAG: Allele 'AG'
        row("chr17", 75830100, ".", "C", "CAG", "CSQ=" + tx("AG", "frameshift_variant",
                                                            "ENST00000207549.9:c.20_21insCT")),
        # split from A -> AT,T (alleles do not share a first base, so VEP kept them whole): both split
        # records carry both entries, and without ALLELE_NUM + OLD_REC neither can tell which is its
        # own: a split and trimmed record's ALT can be another ALT's Allele (AA>AT,T: ALT 1 becomes
        # A>T one base on, whose 'T' is ALT 2's). Before, each took the entry spelled as its ALT.
        row("chr17", 75830200, ".", "A", "AT", "CSQ=" + tx("AT", "frameshift_variant", "c.ins") +
            "," + tx("T", "missense_variant", "c.snv")),
        row("chr17", 75830200, ".", "A", "T", "CSQ=" + tx("AT", "frameshift_variant", "c.ins") +
            "," + tx("T", "missense_variant", "c.snv")),
        # split from CAG -> C,CA (shared first base, VEP trimmed: '-' and 'A'). Without ALLELE_NUM
        # or bcftools' OLD_REC tag the records cannot tell which is theirs: `bcftools norm -f`
        # trims split records (CAGT>CT,C: CT becomes CAG>C, whose '-' is the other ALT's), so
        # only the ALT as written is trusted and these two are left without entries.
        row("chr17", 75830300, ".", "CAG", "C", "CSQ=" + tx("-", "frameshift_variant", "c.del2") +
            "," + tx("A", "frameshift_variant", "c.del1")),
        row("chr17", 75830300, ".", "CAG", "CA", "CSQ=" + tx("-", "frameshift_variant", "c.del2")
            + "," + tx("A", "frameshift_variant", "c.del1")),
    ]
    vcf = write_vcf(tmp_path / "indel.vcf", [csq_header(fields)], rows)
    recs = list(A.iter_records(vcf))
    got = [(r.alt, [t.hgvsc for t in r.transcripts], r.n_unmatched_entries) for r in recs]
    assert got == [
        ("C", ["c.10_11del"], 0),
        ("CAG", ["c.20_21insCT"], 0),
        ("AT", [], 2),
        ("T", [], 2),
        ("C", [], 2),
        ("CA", [], 2),
    ]
    assert recs[0].transcripts[0].allele == "-"


def test_vep_allele_helpers():
    assert A.vep_allele("CAG", "C") == "-"
    assert A.vep_allele("C", "CAG") == "AG"
    assert A.vep_allele("G", "A") == "A"
    assert A.vep_allele("AG", "AT") == "AT"  # MNV: not trimmed
    assert A.vep_allele("A", "T") == "T"
    assert A.vep_minimal_allele("CAGT", "CT") == "-"
    assert A.vep_minimal_allele("AG", "AT") == "T"
    # VEP's trim_sequences: the shared prefix off, then the suffix, down to nothing. Before: the suffix
    # first and never to nothing, so CT>T gave `T` and A>TA gave `TA`, where VEP --minimal writes `-` and `T`
    assert A.vep_minimal_alleles("CT", "T") == ("C", "-")
    assert A.vep_minimal_alleles("CT", "C") == ("T", "-")
    assert A.vep_minimal_alleles("A", "TA") == ("-", "T")


def test_vep_minimal_entry_of_a_right_anchored_deletion(tmp_path):
    """CT>T as a caller (or bcftools norm without -f, splitting CT>C,T) writes it, then VEP --minimal:
    Allele `-`. Before: no spelling of the record's matched it, and the record was not annotated."""
    fields = list(A.REQUIRED_CSQ_FIELDS)
    csq = entry(fields, Allele="-", Consequence="frameshift_variant", IMPACT="HIGH", SYMBOL="UNC13D",
                Feature="ENST00000207549.9", HGVSc="ENST00000207549.9:c.10del", HGVSp="")
    vcf = write_vcf(tmp_path / "min.vcf", [csq_header(fields)], [row("chr17", 75830000, ".", "CT", "T", "CSQ=" + csq)])
    (rec,) = list(A.iter_records(vcf))
    assert (rec.matched_by, [t.hgvsc for t in rec.transcripts]) == ("allele", ["c.10del"])


def test_feature_named_twice_with_one_allele_num_keeps_its_entries(tmp_path):
    """VEP --allele_number (the pipeline's VEP) numbers each ALT's entries: a biallelic record whose entries
    name one RefSeq transcript twice (aligned twice over the variant) with ALLELE_NUM 1 throughout are one
    ALT's, not several ALTs' (allele_ambiguous is for entries nothing tells apart). Before: the record lost its
    annotation (not_annotated). Without ALLELE_NUM the same entries stay allele_ambiguous."""
    def entries(fields):
        base = dict(Allele="A", Consequence="missense_variant", IMPACT="MODERATE", SYMBOL="PRF1",
                    Feature_type="Transcript", Feature="NM_001083116.3", HGVSp="NP_001076585.1:p.Ala91Val",
                    ALLELE_NUM="1")
        return ",".join(entry(fields, **{k: v for k, v in dict(base, **extra).items() if k in fields})
                        for extra in ({"HGVSc": "NM_001083116.3:c.272C>T"}, {"HGVSc": "NM_001083116.3:c.158C>T"},
                                      {"Feature": "NM_005041.6", "HGVSc": "NM_005041.6:c.272C>T"}))
    results = {}
    for name, fields in (("allele_num", list(A.REQUIRED_CSQ_FIELDS) + ["Feature_type", "ALLELE_NUM"]),
                         ("none", list(A.REQUIRED_CSQ_FIELDS) + ["Feature_type"])):
        vcf = write_vcf(tmp_path / f"{name}.vcf", [csq_header(fields)],
                        [row("chr10", 70600631, ".", "G", "A", "CSQ=" + entries(fields))])
        (rec,) = list(A.iter_records(vcf))
        results[name] = (rec.matched_by, rec.unmatched_reason, len(rec.transcripts))
    assert results == {"allele_num": ("allele", None, 3), "none": (None, "allele_ambiguous", 0)}


def test_one_allele_num_keeps_entries_spelled_3prime_shifted(tmp_path):
    """VEP --shift_3prime 1 writes a repeat insertion's 3'-shifted (rotated) allele on the transcripts it shifted
    and the unshifted one on the others (ensembl-vep PR 2038: CGGGC vs GGGCC for C>CGGGCC). With --allele_number
    every entry says it is the one ALT's (ALLELE_NUM 1). Before: only the entries spelled GGGCC (the first
    spelling matched) were the record's, the frameshift of the coding transcript was dropped as another ALT's
    and the summary was the intron entry."""
    fields = list(A.REQUIRED_CSQ_FIELDS) + ["Feature_type", "CANONICAL", "ALLELE_NUM"]
    coding = entry(fields, Allele="CGGGC", Consequence="frameshift_variant", IMPACT="HIGH", SYMBOL="UNC13D",
                   Feature_type="Transcript", Feature="ENST00000207549.9", CANONICAL="YES",
                   HGVSc="ENST00000207549.9:c.10_14dup", HGVSp="ENSP00000207549.4:p.Ala6fs", ALLELE_NUM="1")
    other = entry(fields, Allele="GGGCC", Consequence="intron_variant", IMPACT="MODIFIER", SYMBOL="UNC13D",
                  Feature_type="Transcript", Feature="ENST00000412096.5", ALLELE_NUM="1")
    vcf = write_vcf(tmp_path / "shift.vcf", [csq_header(fields)],
                    [row("chr17", 75830000, ".", "C", "CGGGCC", f"CSQ={other},{coding}")])
    (rec,) = list(A.iter_records(vcf))
    assert (rec.matched_by, rec.n_unmatched_entries) == ("allele", 0)
    assert sorted(t.transcript_id for t in rec.transcripts) == ["ENST00000207549.9", "ENST00000412096.5"]
    assert rec.summary_for_gene("UNC13D").consequences == ("frameshift_variant",)
    # ...but only once an entry spells the record's ALT: VEP --pick on the whole site C>CGGGCC,CA wrote ALT 1's
    # entry alone (ALLELE_NUM 1), and the record split off as C>CA must not take it
    vcf = write_vcf(tmp_path / "pick.vcf", [csq_header(fields)],
                    [row("chr17", 75830000, ".", "C", "CA", f"CSQ={coding}")])
    (rec,) = list(A.iter_records(vcf))
    assert (rec.matched_by, rec.transcripts, rec.n_unmatched_entries) == (None, (), 1)


def test_regulatory_entries_are_not_transcripts(tmp_path):
    fields = list(A.REQUIRED_CSQ_FIELDS) + ["Feature_type"]
    entries = [
        entry(fields, Allele="A", Consequence="regulatory_region_variant", IMPACT="MODIFIER",
              Feature_type="RegulatoryFeature", Feature="ENSR00000030111"),
        entry(fields, Allele="A", Consequence="upstream_gene_variant", IMPACT="MODIFIER",
              SYMBOL="PRF1", Feature_type="Transcript", Feature="ENST00000441259.2"),
    ]
    vcf = write_vcf(tmp_path / "reg.vcf", [csq_header(fields)],
                    [row("chr10", 70605000, ".", "G", "A", "CSQ=" + ",".join(entries))])
    (rec,) = list(A.iter_records(vcf))
    assert [t.transcript_id for t in rec.transcripts] == ["ENST00000441259.2"]


def test_overlapping_genes_summary_per_gene(tmp_path):
    fields = list(A.REQUIRED_CSQ_FIELDS) + ["CANONICAL", "MANE_SELECT", "HGNC_ID", "Gene"]
    entries = [
        entry(fields, Allele="T", Consequence="3_prime_UTR_variant", IMPACT="MODIFIER",
              SYMBOL="WBP2", Gene="ENSG00000132471", Feature="ENST00000254806.8",
              MANE_SELECT="NM_012478.4", CANONICAL="YES", HGVSc="ENST00000254806.8:c.*10G>A"),
        entry(fields, Allele="T", Consequence="stop_gained", IMPACT="HIGH", SYMBOL="UNC13D",
              Gene="ENSG00000092929", HGNC_ID="23147", Feature="ENST00000207549.9",
              MANE_SELECT="NM_199242.3", CANONICAL="YES", HGVSc="ENST00000207549.9:c.3193C>T",
              HGVSp="ENSP00000207549.4:p.Arg1065Ter"),
        entry(fields, Allele="T", Consequence="intron_variant", IMPACT="MODIFIER", SYMBOL="UNC13D",
              Gene="ENSG00000092929", HGNC_ID="23147", Feature="ENST00000412096.6",
              HGVSc="ENST00000412096.6:c.100+5C>T"),
    ]
    vcf = write_vcf(tmp_path / "ovl.vcf", [csq_header(fields)],
                    [row("chr17", 75829000, ".", "C", "T", "CSQ=" + ",".join(entries))])
    (rec,) = list(A.iter_records(vcf))
    assert rec.genes == ("WBP2", "UNC13D")
    assert rec.summary.gene_symbol == "UNC13D"  # both MANE: the more severe wins
    assert rec.summary_for_gene("WBP2").transcript_id == "ENST00000254806.8"
    assert rec.summary_for_gene("HGNC:23147").hgvsp == "p.Arg1065Ter"  # '23147' normalised
    assert len(rec.transcripts_for_gene("UNC13D")) == 2
    assert rec.summary_for_gene("PRF1") is None


# --- gnomAD sources and precedence --------------------------------------------------------------

INFO_GNOMAD_HEADERS = [
    '##INFO=<ID=gnomAD_AF,Number=A,Type=Float,Description="gnomAD AF">',
    '##INFO=<ID=gnomAD_AF_nfe,Number=A,Type=Float,Description="gnomAD AF nfe">',
    '##INFO=<ID=gnomAD_AF_afr,Number=A,Type=Float,Description="gnomAD AF afr">',
    '##INFO=<ID=gnomAD_AF_fin,Number=A,Type=Float,Description="gnomAD AF fin">',
    '##INFO=<ID=gnomAD_AF_XX,Number=A,Type=Float,Description="gnomAD AF XX (not a population)">',
]


def test_info_gnomad_takes_precedence_then_csq_per_record(tmp_path):
    fields = list(A.REQUIRED_CSQ_FIELDS) + ["gnomADe_AF", "gnomADe_NFE_AF"]
    csq = "CSQ=" + entry(fields, Allele="A", Consequence="missense_variant", IMPACT="MODERATE",
                         SYMBOL="PRF1", Feature="ENST1", gnomADe_AF="0.5", gnomADe_NFE_AF="0.6")
    vcf = write_vcf(tmp_path / "g.vcf", [csq_header(fields)] + INFO_GNOMAD_HEADERS, [
        row("chr10", 100, ".", "G", "A",
            csq + ";gnomAD_AF=0.01;gnomAD_AF_nfe=0.002;gnomAD_AF_afr=0.0001;gnomAD_AF_fin=0.2;"
            "gnomAD_AF_XX=0.9"),
        row("chr10", 200, ".", "G", "A", csq),  # no gnomAD record in the sites VCF -> CSQ
    ])
    first, second = A.iter_records(vcf)
    assert first.gnomad.source == "info_gnomad"
    assert first.gnomad_af == 0.01  # exact, not float32 0.009999999776
    assert first.gnomad_popmax_population == "nfe" and first.gnomad_popmax_af == 0.002
    assert set(first.gnomad.population_afs) == {"nfe", "afr", "fin"}  # XX is not a population
    assert second.gnomad.source == "csq_gnomade" and second.gnomad_af == 0.5


def test_info_gnomad_absent_is_missing_not_zero(tmp_path):
    fields = list(A.REQUIRED_CSQ_FIELDS)
    csq = "CSQ=" + entry(fields, Allele="A", Consequence="missense_variant", IMPACT="MODERATE",
                         SYMBOL="PRF1", Feature="ENST1")
    vcf = write_vcf(tmp_path / "g0.vcf", [csq_header(fields)] + INFO_GNOMAD_HEADERS, [
        row("chr10", 100, ".", "G", "A", csq),
        row("chr10", 300, ".", "G", "A", csq + ";gnomAD_AF=0"),
    ])
    absent, zero = A.iter_records(vcf)
    assert absent.gnomad_af is None and absent.gnomad_af_missing is True
    assert zero.gnomad_af == 0.0 and zero.gnomad_af_missing is False


def test_csq_custom_before_cache_and_genomes_when_no_exomes(tmp_path):
    fields = list(A.REQUIRED_CSQ_FIELDS) + [
        "gnomAD_AF", "gnomAD_AF_afr", "gnomAD_AF_amr", "gnomADe_AF", "gnomADe_AMR_AF",
        "gnomADg_AF", "gnomADg_AFR_AF", "gnomADg_AMI_AF", "gnomADg_SAS_AF",
    ]
    base = dict(Allele="A", Consequence="missense_variant", IMPACT="MODERATE", SYMBOL="PRF1",
                Feature="ENST1")
    vcf = write_vcf(tmp_path / "c.vcf", [csq_header(fields)], [
        row("chr10", 1, ".", "G", "A", "CSQ=" + entry(
            fields, **base, gnomAD_AF="0.001", gnomAD_AF_afr="0.004", gnomAD_AF_amr="0.002",
            gnomADe_AF="0.3", gnomADe_AMR_AF="0.4")),
        row("chr10", 2, ".", "G", "A", "CSQ=" + entry(
            fields, **base, gnomADg_AF="0.0002", gnomADg_AFR_AF="0.0001", gnomADg_AMI_AF="0.05",
            gnomADg_SAS_AF="0.0007")),
        # several co-located variants: VEP joins their values with '&' -> the highest counts
        row("chr10", 3, ".", "G", "A", "CSQ=" + entry(
            fields, **base, gnomADe_AF="0.0001&.&0.0003", gnomADe_AMR_AF="&0.0004")),
    ])
    custom, genome, joined = A.iter_records(vcf)
    assert custom.gnomad.source == "csq_gnomad" and custom.gnomad_af == 0.001
    assert custom.gnomad_popmax_population == "afr" and custom.gnomad_popmax_af == 0.004
    assert genome.gnomad.source == "csq_gnomadg" and genome.gnomad_af == 0.0002
    assert genome.gnomad_popmax_population == "sas"  # ami (0.05) is not eligible
    assert joined.gnomad_af == 0.0003 and joined.gnomad_popmax_af == 0.0004


def test_non_numeric_frequency_is_a_user_error(tmp_path):
    fields = list(A.REQUIRED_CSQ_FIELDS) + ["gnomADe_AF"]
    vcf = write_vcf(tmp_path / "bad.vcf", [csq_header(fields)], [
        row("chr10", 1, ".", "G", "A", "CSQ=" + entry(
            fields, Allele="A", Consequence="missense_variant", IMPACT="MODERATE",
            Feature="ENST1", gnomADe_AF="abc")),
    ])
    with pytest.raises(UserInputError) as err:
        list(A.iter_records(vcf))
    assert "gnomADe_AF" in str(err.value) and f"{vcf}:6:" in str(err.value)


# --- snpEff ----------------------------------------------------------------------------------------


def ann(allele, effect, impact, gene, gene_id, tx, biotype, rank, hgvsc, hgvsp, feature="transcript"):
    return "|".join([allele, effect, impact, gene, gene_id, feature, tx, biotype, rank, hgvsc,
                     hgvsp, "", "", "", "", ""])


def test_snpeff_ann(tmp_path):
    entries = [
        ann("T", "stop_gained", "HIGH", "UNC13D", "ENSG00000092929", "ENST00000412096.6",
            "protein_coding", "5/32", "c.300C>A", "p.Tyr100*"),
        ann("T", "missense_variant&splice_region_variant", "MODERATE", "UNC13D",
            "ENSG00000092929", "ENST00000207549.9", "protein_coding", "6/32", "c.322C>T",
            "p.Arg108Trp"),
        ann("T", "intron_variant", "MODIFIER", "UNC13D", "ENSG00000092929", "ENST00000000001.1",
            "protein_coding", "5/31", "c.200+20C>T", ""),
        # entry of another ALT at the same site (record split after annotation)
        ann("G", "missense_variant", "MODERATE", "UNC13D", "ENSG00000092929",
            "ENST00000207549.9", "protein_coding", "6/32", "c.322C>G", "p.Arg108Gly"),
    ]
    vcf = write_vcf(tmp_path / "snpeff.vcf", [SNPEFF_HEADER],
                    [row("chr17", 75831000, "rs1234", "C", "T", "ANN=" + ",".join(entries))])
    (rec,) = list(A.iter_records(vcf, mane_transcripts={"ENST00000207549"}))
    assert rec.annotation_source == "snpeff"
    assert len(rec.transcripts) == 3 and rec.n_unmatched_entries == 1
    assert rec.summary_basis == "mane_select"
    s = rec.summary
    assert s.transcript_id == "ENST00000207549.9" and s.mane_select
    assert s.consequences == ("missense_variant", "splice_region_variant")
    assert s.impact == "MODERATE" and s.hgvsc == "c.322C>T" and s.hgvsc_reference is None
    assert s.hgvsp == "p.Arg108Trp" and s.exon == "6/32" and s.intron is None
    assert s.gene_id == "ENSG00000092929" and s.biotype == "protein_coding"
    intronic = rec.transcripts[2]
    assert intronic.intron == "5/31" and intronic.exon is None and intronic.hgvsp is None
    assert rec.existing_ids == ("rs1234",)
    assert rec.gnomad_af_missing

    # MANE ids given with a version match unversioned/versioned feature ids alike
    (rec2,) = list(A.iter_records(vcf, mane_transcripts={"ENST00000207549.12"}))
    assert rec2.summary.transcript_id == "ENST00000207549.9"
    # without a MANE set: no canonical flag in ANN -> most severe
    (rec3,) = list(A.iter_records(vcf))
    assert rec3.summary_basis == "most_severe"
    assert rec3.summary.transcript_id == "ENST00000412096.6"


def test_snpeff_field_order_read_from_header(tmp_path):
    header = (
        '##INFO=<ID=ANN,Number=.,Type=String,Description="Functional annotations: \'Gene_Name | '
        "Allele | Annotation_Impact | Annotation | Feature_ID | HGVS.c | HGVS.p | Rank' \">"
    )
    vcf = write_vcf(tmp_path / "ann2.vcf", [header], [
        row("chr17", 75831000, ".", "C", "T",
            "ANN=UNC13D|T|MODERATE|missense_variant|ENST00000207549.9|c.322C>T|p.Arg108Trp|6/32"),
    ])
    (rec,) = list(A.iter_records(vcf))
    s = rec.summary
    assert (s.gene_symbol, s.impact, s.consequences, s.hgvsp, s.exon) == (
        "UNC13D", "MODERATE", ("missense_variant",), "p.Arg108Trp", "6/32")


def test_snpeff_header_missing_fields(tmp_path):
    header = ('##INFO=<ID=ANN,Number=.,Type=String,Description="Functional annotations: '
              "'Allele | Annotation | Gene_Name' \">")
    vcf = write_vcf(tmp_path / "ann3.vcf", [header], [])
    with pytest.raises(UserInputError) as err:
        A.read_layout(vcf)
    msg = str(err.value)
    assert "Annotation_Impact" in msg and "HGVS.p" in msg and "Feature_ID" in msg


# --- user errors -------------------------------------------------------------------------------------


def test_two_alts_is_an_error_naming_file_line_and_fix(tmp_path):
    fields = list(A.REQUIRED_CSQ_FIELDS)
    csq = "CSQ=" + entry(fields, Allele="A", Consequence="missense_variant", IMPACT="MODERATE",
                         Feature="ENST1")
    vcf = write_vcf(tmp_path / "multi.vcf", [csq_header(fields)], [
        row("chr10", 100, ".", "G", "A", csq),
        row("chr10", 200, ".", "G", "A,T", csq),
    ])
    # header: fileformat + 2 contigs + CSQ + #CHROM = 5 lines; second record is line 7
    it = A.iter_records(vcf)
    assert next(it).pos == 100
    with pytest.raises(UserInputError) as err:
        next(it)
    msg = str(err.value)
    assert msg.startswith(f"ERROR {vcf}:7: ALT:")
    assert "chr10:200" in msg and "bcftools norm -m -any" in msg


def test_no_csq_or_ann_is_an_error(tmp_path):
    vcf = write_vcf(tmp_path / "plain.vcf", [], [row("chr10", 1, ".", "G", "A", ".")])
    with pytest.raises(UserInputError) as err:
        list(A.iter_records(vcf))
    msg = str(err.value)
    assert str(vcf) in msg and "CSQ" in msg and "ANN" in msg and "not annotated" in msg


def test_csq_header_missing_required_fields_lists_them(tmp_path):
    fields = ["Allele", "Consequence", "IMPACT", "SYMBOL", "Feature"]
    vcf = write_vcf(tmp_path / "short.vcf", [csq_header(fields)], [])
    with pytest.raises(UserInputError) as err:
        A.read_layout(vcf)
    msg = str(err.value)
    assert str(vcf) in msg and "HGVSc, HGVSp" in msg and "--hgvs" in msg


def test_csq_without_format_is_an_error(tmp_path):
    header = '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequences">'
    vcf = write_vcf(tmp_path / "nofmt.vcf", [header], [])
    with pytest.raises(UserInputError, match="Format"):
        A.read_layout(vcf)


def test_entry_with_wrong_field_count_is_an_error(tmp_path):
    fields = list(A.REQUIRED_CSQ_FIELDS)
    vcf = write_vcf(tmp_path / "count.vcf", [csq_header(fields)],
                    [row("chr10", 5, ".", "G", "A", "CSQ=A|missense_variant|MODERATE")])
    with pytest.raises(UserInputError) as err:
        list(A.iter_records(vcf))
    assert "has 3 fields" in str(err.value) and "declares 7" in str(err.value)


# --- streaming API --------------------------------------------------------------------------------


def test_layout_from_header_text_matches_cyvcf2(tmp_path):
    """read_layout(path) reads the header as text (no cyvcf2); its INFO attributes are cyvcf2's."""
    vcf = write_vcf(tmp_path / "tricky.vcf", [
        csq_header(VEP_FIELDS_112),
        '##INFO=<ID=gnomAD_AF,Number=A,Type=Float,Description="AF, from gnomAD \\"v4\\" (a=b)">',
        '##INFO=<ID=gnomAD_AF_nfe,Number=A,Type=Float,Description="NFE AF",Source="gnomAD",Version="4.1">',
        '##INFO=<ID=gnomAD_AF_afr, Number=A,Type=Float,Description="AFR AF">',
        '##INFO=<ID=gnomAD_AF_nfe,Number=A,Type=Float,Description="a second definition: ignored">',
        "##source=a tool, with=commas",
    ], [row("chr10", 5, ".", "G", "A", "gnomAD_AF=0.1")])
    reader = cyvcf2.VCF(str(vcf))
    from_cyvcf2 = {h.info()["ID"]: h.info() for h in reader.header_iter() if h.info().get("HeaderType") == "INFO"}
    from_text = A._info_headers(vcf.read_text())
    assert list(from_text) == list(from_cyvcf2)
    for name, attributes in from_cyvcf2.items():
        assert from_text[name]["Description"] == attributes["Description"], name
    layout = A.read_layout(vcf)
    assert layout == A.read_layout(reader, path=vcf) and layout.header_lines == 10
    info = next(s for s in layout.frequency_sources if s.name == "info_gnomad")
    assert {(f.population, f.name) for f in info.population_fields} == {("afr", "gnomAD_AF_afr"), ("nfe", "gnomAD_AF_nfe")}
    reader.close()


def test_layout_and_parse_record_match_iter_records(tmp_path):
    vcf = prf1_vcf(tmp_path, VEP_FIELDS_112)
    reader = cyvcf2.VCF(str(vcf))
    layout = A.read_layout(reader, path=vcf)
    assert layout.kind == "vep" and layout.fields == tuple(VEP_FIELDS_112)
    assert layout.column("HGVSp") == VEP_FIELDS_112.index("HGVSp")
    fast = [A.parse_record(v, layout, line=6) for v in reader]
    reader.close()
    assert fast == list(A.iter_records(vcf))
    assert fast[0].line == 6 and fast[0].summary.transcript_id == "ENST00000441259.2"


def test_sites_without_alt_are_skipped_and_region_queries_work(tmp_path):
    fields = list(A.REQUIRED_CSQ_FIELDS)
    csq = "CSQ=" + entry(fields, Allele="A", Consequence="missense_variant", IMPACT="MODERATE",
                         Feature="ENST1")
    vcf = write_vcf(tmp_path / "r.vcf", [csq_header(fields)], [
        row("chr10", 100, ".", "G", "A", csq),
        row("chr10", 150, ".", "G", ".", "."),
        row("chr17", 100, ".", "G", "A", csq),
    ])
    assert [r.variant_id for r in A.iter_records(vcf)] == ["chr10:100:G:A", "chr17:100:G:A"]
    gz = tmp_path / "r.vcf.gz"
    subprocess.run(["bgzip", "-c", str(vcf)], check=True, stdout=gz.open("wb"))
    subprocess.run(["tabix", "-p", "vcf", str(gz)], check=True)
    assert [r.variant_id for r in A.iter_records(gz, region="chr17")] == ["chr17:100:G:A"]
    assert [r.line for r in A.iter_records(gz)] == [6, 8]


def test_iter_records_streams_with_constant_memory(tmp_path):
    fields = list(A.REQUIRED_CSQ_FIELDS)
    csq = "CSQ=" + ",".join(
        entry(fields, Allele="A", Consequence="missense_variant", IMPACT="MODERATE",
              SYMBOL="PRF1", Feature=f"ENST{i}", HGVSc=f"ENST{i}:c.1G>A") for i in range(5))

    def peak(n: int) -> int:
        vcf = write_vcf(tmp_path / f"big{n}.vcf", [csq_header(fields)],
                        (row("chr10", 1000 + i, ".", "G", "A", csq) for i in range(n)))
        it = A.iter_records(vcf)
        assert isinstance(it, types.GeneratorType)
        tracemalloc.start()
        count = sum(1 for _ in it)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert count == n
        return top

    small, large = peak(500), peak(10000)
    assert large < small * 3, (small, large)  # 20x the records, not 20x the memory


# --- consequence order --------------------------------------------------------------------------


def test_consequence_ranking():
    order = A.SO_CONSEQUENCE_ORDER
    assert order[0] == "transcript_ablation" and order[-1] == "sequence_variant"
    assert len(set(order)) == len(order) == 41
    assert A.consequence_rank("splice_acceptor_variant") < A.consequence_rank("stop_gained")
    assert A.consequence_rank("frameshift_variant") < A.consequence_rank("missense_variant")
    assert A.consequence_rank("missense_variant") < A.consequence_rank("splice_region_variant")
    assert A.consequence_rank("synonymous_variant") < A.consequence_rank("intron_variant")
    # impacts follow the order (HIGH block, MODERATE, LOW, MODIFIER)
    ranks = [A.impact_rank(A.SO_IMPACT[t]) for t in order]
    assert ranks == sorted(ranks)
    # snpEff terms rank as their Ensembl equivalents; unknown terms last
    assert A.consequence_rank("disruptive_inframe_deletion") == A.consequence_rank("inframe_deletion")
    assert A.consequence_rank("made_up_term") > A.consequence_rank("sequence_variant")
    assert A.most_severe(["intron_variant", "stop_lost", "missense_variant"]) == "stop_lost"
    assert A.most_severe([]) is None


def test_decode_hgvs_and_hgnc():
    assert A.decode_hgvs("ENSP00000221283.4:p.Leu265%3D") == ("ENSP00000221283.4", "p.Leu265=")
    assert A.decode_hgvs("c.1A>G") == (None, "c.1A>G")
    assert A.decode_hgvs("") == (None, None)
    assert A.normalise_hgnc("9360") == "HGNC:9360" and A.normalise_hgnc(9360) == "HGNC:9360"
    assert A.normalise_hgnc("HGNC:9360") == "HGNC:9360" and A.normalise_hgnc("") is None


# --- contig naming --------------------------------------------------------------------------------


def test_contig_mismatch_error_says_how_to_fix():
    with pytest.raises(UserInputError) as err:
        A.resolve_contigs(["10", "17", "MT"], ["chr10", "chr17", "chrM"], vcf_path="calls.vcf.gz")
    msg = str(err.value)
    assert msg.startswith("ERROR calls.vcf.gz: contig:")
    assert "10 (panel: chr10)" in msg
    assert "bcftools annotate --rename-chrs" in msg
    assert "10\\tchr10" in msg and "MT\\tchrM" in msg


def test_contig_mismatch_error_lists_the_contigs_in_natural_order():
    """Was text order (chr10 before chr6) whatever the panel's order."""
    with pytest.raises(UserInputError) as err:
        A.resolve_contigs(["6", "10", "X"], ["chrX", "chr10", "chr6"], vcf_path="calls.vcf.gz")
    assert "VCF has 6 (panel: chr6), 10 (panel: chr10), X (panel: chrX)" in str(err.value)
    assert "printf '6\\tchr6\\n10\\tchr10\\nX\\tchrX\\n'" in str(err.value)
    with pytest.raises(UserInputError) as err:
        A.resolve_contigs(["chr11", "chr3", "chr2", "chr10"], ["chrX", "chr19", "chr6"])
    assert "none of the panel's contigs (chr6, chr19, chrX) is in the VCF (which has chr2, chr3, chr10, chr11)" \
        in str(err.value)


def test_contig_harmonise_maps_names():
    m = A.resolve_contigs(["10", "17", "MT", "X"], ["chr10", "chr17", "chrM", "chr6"],
                          harmonise=True)
    assert m.renamed
    assert m.panel_to_vcf == {"chr10": "10", "chr17": "17", "chrM": "MT"}
    assert m.to_panel("10") == "chr10" and m.to_vcf("chrM") == "MT"
    assert m.to_vcf("chr6") == "chr6"  # not in the VCF: left alone
    m2 = A.resolve_contigs(["chr10", "chrM"], ["10", "MT"], harmonise=True)
    assert m2.panel_to_vcf == {"10": "chr10", "MT": "chrM"}


def test_contig_same_naming_and_no_overlap():
    same = A.resolve_contigs(["chr10", "chr17", "chr6"], ["chr10", "chr17"])
    assert not same.renamed and same.to_vcf("chr10") == "chr10"
    assert A.resolve_contigs([], ["chr10"]).panel_to_vcf == {}
    with pytest.raises(UserInputError, match="none of the panel's contigs"):
        A.resolve_contigs(["chr1", "chr2"], ["chr10"], harmonise=True)
    assert A.contig_aliases("chr10") == ("chr10", "10")
    assert set(A.contig_aliases("MT")) >= {"MT", "chrM"}


def _normalise_hgvsp_by_regex(value):
    """normalise_hgvsp as first written (both patterns tried on every value, after the one-letter
    codes are put in three letters): the reference for its cheap pre-checks."""
    value = A.three_letter_hgvsp(value)
    if not value:
        return value
    stop = A._HGVSP_STOP.match(value)
    if stop:
        return f"p.{stop.group(1)}{stop.group(2)}Ter"
    same = A._HGVSP_SAME.match(value)
    if same:
        return f"p.{same.group(1)}{same.group(2)}="
    return value


@given(st.builds(lambda open_, a, number, b, end, close: f"p.{open_}{a}{number}{b}{end}{close}",
                 st.sampled_from(("", "(")), st.sampled_from(("Leu", "Trp", "Ala", "leu", "L")),
                 st.sampled_from(("310", "1", "")), st.sampled_from(("Leu", "Trp", "", "*", "=", "Ter", "L")),
                 st.sampled_from(("", "fs*2", "*", "Leu")), st.sampled_from(("", ")")))
       | st.text("pLeuTrp0123456789.()*=fs", max_size=14))
def test_normalise_hgvsp_shortcuts_change_nothing(value):
    assert A.normalise_hgvsp(value) == _normalise_hgvsp_by_regex(value)


def test_normalise_hgvsp_gives_one_spelling_for_snpeff_and_vep():
    from hlhscreen.annotation import normalise_hgvsp

    assert normalise_hgvsp("p.Trp374*") == "p.Trp374Ter"
    assert normalise_hgvsp("p.Leu310Leu") == "p.Leu310="
    assert normalise_hgvsp("p.Trp374Ter") == "p.Trp374Ter"
    assert normalise_hgvsp("p.Ala91Val") == "p.Ala91Val"
    assert normalise_hgvsp("p.Ala134fs") == "p.Ala134fs"
    assert normalise_hgvsp("p.Leu310Leufs*2") == "p.Leu310Leufs*2"
    assert normalise_hgvsp(None) is None
