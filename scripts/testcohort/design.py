"""The test cohort's design: windows, planted variants and the genotype of every sample.

Known variants take their coordinates, HGVS and frequencies from the cited table
(assets/test_cohort/source/hlh_known_variants.hg38.tsv). Synthetic variants are invented for the
test only (a frameshift, a splice donor, a synonymous, a multi-allelic and a deep-intronic site
that the known-variant table cannot provide) and are labelled `synthetic` everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

SEED = 20261126
WINDOW_FLANK = 1500  # bp of flank around each gene span
GENES = ("PRF1", "UNC13D", "STX11", "STXBP2", "SH2D1A")
# genes on chrX outside the PARs: one copy in males (their window and reads use their own random
# streams, so adding them left the autosomal windows and reads byte-identical)
X_GENES = ("SH2D1A",)

# group of each sample; case_01 is sequenced on two lanes to exercise lane merging
SAMPLES: Dict[str, str] = {
    "case_01": "case", "case_02": "case", "case_03": "case", "case_04": "case",
    "ctrl_01": "control", "ctrl_02": "control", "ctrl_03": "control", "ctrl_04": "control",
}
TWO_LANE_SAMPLES = ("case_01",)
# sex of the DNA the reads come from (one X for males: half the X depth of females)
READS_SEX: Dict[str, str] = {
    "case_01": "male", "case_02": "female", "case_03": "male", "case_04": "female",
    "ctrl_01": "female", "ctrl_02": "male", "ctrl_03": "male", "ctrl_04": "female",
}
# sex written in the samplesheet: case_03 left blank (the run infers male); ctrl_03 written female
# although its reads are male (a sample swap / data-entry error: the run flags it, uses "unknown")
GIVEN_SEX: Dict[str, str] = {
    "case_01": "male", "case_02": "female", "case_03": "", "case_04": "female",
    "ctrl_01": "female", "ctrl_02": "male", "ctrl_03": "female", "ctrl_04": "female",
}
# the sex the run must use: given if the reads agree or cannot tell, inferred if none is given,
# unknown when they disagree
EXPECTED_SEX: Dict[str, str] = {
    "case_01": "male", "case_02": "female", "case_03": "male", "case_04": "female",
    "ctrl_01": "female", "ctrl_02": "male", "ctrl_03": "unknown", "ctrl_04": "female",
}
COVERAGE_PER_HAPLOTYPE = 20  # 40x total
LOW_COVERAGE_PER_HAPLOTYPE = 1  # the one low-coverage site


@dataclass(frozen=True)
class CodingSpec:
    """A variant at a coding position: ``c.<cpos><ref>><alt>`` or a 1-base deletion."""

    cpos: int
    ref: str  # transcript-strand base(s) at cpos
    alt: str  # transcript-strand alt base, or "" for a deletion of ``ref``
    ref_codon: Optional[str] = None  # force the reference codon (synthetic sites)


@dataclass(frozen=True)
class IntronSpec:
    """A variant ``offset`` bases into the intron after exon ``exon_rank`` (transcript order): c.N+k."""

    exon_rank: int
    offset: int
    ref: str  # transcript-strand base
    alt: str


@dataclass(frozen=True)
class Planted:
    key: str
    gene: str
    origin: str  # "known" (cited table) or "synthetic"
    spec: object  # CodingSpec | IntronSpec
    hgvsc: str
    hgvsp: str
    consequence: str
    genotypes: Tuple[Tuple[str, str], ...]  # (sample, phased genotype "0|1", "1|0", "1|1"; "1" hemizygous)
    low_coverage_samples: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Artefact:
    """Reads carrying ``key``'s ALT in a sample that does not carry it: a share ``fraction`` of the
    sample's reads over that capture region (mis-mapping or contamination). A diploid caller calls
    it het; in a male on chrX a haploid caller cannot."""

    key: str
    sample: str
    fraction: float


PLANTED: List[Planted] = [
    Planted("PRF1_A91V", "PRF1", "known", CodingSpec(272, "C", "T"), "c.272C>T", "p.Ala91Val",
            "missense_variant",
            (("case_01", "1|0"), ("case_02", "0|1"), ("ctrl_01", "0|1"), ("ctrl_03", "0|1"),
             ("ctrl_04", "0|1")),
            low_coverage_samples=("ctrl_04",)),
    Planted("PRF1_W374X", "PRF1", "known", CodingSpec(1122, "G", "A"), "c.1122G>A", "p.Trp374Ter",
            "stop_gained", (("case_01", "0|1"),)),
    Planted("PRF1_W374G", "PRF1", "known", CodingSpec(1120, "T", "G"), "c.1120T>G", "p.Trp374Gly",
            "missense_variant", (("case_03", "1|1"),)),
    Planted("PRF1_N252S", "PRF1", "known", CodingSpec(755, "A", "G"), "c.755A>G", "p.Asn252Ser",
            "missense_variant", (("ctrl_02", "0|1"),)),
    Planted("PRF1_Y438C", "PRF1", "known", CodingSpec(1313, "A", "G"), "c.1313A>G", "p.Tyr438Cys",
            "missense_variant", (("case_04", "0|1"),)),
    Planted("UNC13D_A59T", "UNC13D", "known", CodingSpec(175, "G", "A"), "c.175G>A", "p.Ala59Thr",
            "missense_variant",
            (("case_02", "0|1"), ("case_04", "0|1"), ("ctrl_01", "0|1"), ("ctrl_02", "0|1"))),
    Planted("UNC13D_intronic", "UNC13D", "synthetic", IntronSpec(10, 20, "C", "T"), "", "",
            "intron_variant", (("ctrl_01", "0|1"),)),
    Planted("STX11_del", "STX11", "synthetic", CodingSpec(400, "G", "", ref_codon="GCA"),
            "c.400del", "p.Ala134fs", "frameshift_variant", (("case_04", "0|1"),)),
    Planted("STXBP2_R200Q", "STXBP2", "synthetic", CodingSpec(599, "G", "A", ref_codon="CGG"),
            "c.599G>A", "p.Arg200Gln", "missense_variant", (("ctrl_03", "0|1"),)),
    Planted("STXBP2_L310L", "STXBP2", "synthetic", CodingSpec(930, "G", "A", ref_codon="CTG"),
            "c.930G>A", "p.Leu310=", "synonymous_variant", (("case_03", "0|1"),)),
    Planted("STXBP2_G350G_A", "STXBP2", "synthetic", CodingSpec(1050, "C", "A", ref_codon="GGC"),
            "c.1050C>A", "p.Gly350=", "synonymous_variant", (("case_02", "0|1"),)),
    Planted("STXBP2_G350G_T", "STXBP2", "synthetic", CodingSpec(1050, "C", "T", ref_codon="GGC"),
            "c.1050C>T", "p.Gly350=", "synonymous_variant", (("ctrl_04", "0|1"),)),
    Planted("STXBP2_splice", "STXBP2", "synthetic", IntronSpec(7, 1, "G", "A"), "", "",
            "splice_donor_variant", (("ctrl_02", "0|1"),)),
    # X-linked (SYNTHETIC sites: no X-linked variant is in the cited table): a hemizygous male case,
    # a heterozygous female control; ctrl_03 (reads male, written female) is not a carrier
    Planted("SH2D1A_R55X", "SH2D1A", "synthetic", CodingSpec(163, "C", "T", ref_codon="CGA"),
            "c.163C>T", "p.Arg55Ter", "stop_gained", (("case_01", "1"), ("ctrl_01", "0|1"))),
    # carried by nobody: only ctrl_02's artefact reads (ARTEFACTS) show its ALT
    Planted("SH2D1A_A64T", "SH2D1A", "synthetic", CodingSpec(190, "G", "A", ref_codon="GCT"),
            "c.190G>A", "p.Ala64Thr", "missense_variant", ()),
]

ARTEFACTS: List[Artefact] = [Artefact("SH2D1A_A64T", "ctrl_02", 0.4)]
