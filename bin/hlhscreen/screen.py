"""SCREEN: decide, for every record of an annotated joint VCF, whether it is kept, and why.

Input: an annotated (VEP ``INFO/CSQ`` or snpEff ``INFO/ANN``), normalised (multi-allelics split),
sorted, multi-sample VCF; the panel regions BED; the risk-factor whitelist; the samplesheet
(``sample,group``). Output folder (formats: docs/contracts.md, columns: docs/screening.md):

- ``variants.tsv``      one row per VCF record: annotation summary, decision, every reason
- ``kept.vcf.gz`` (+ ``.tbi``)  the kept records, all samples, with ``HLH_*`` INFO tags
- ``carriers.tsv``      one row per sample per kept variant: genotype state
- ``gene_status.tsv``   one row per sample per gene with a kept variant
- ``gene_coverage.tsv`` one row per sample per panel gene, kept variant or not: status, coverage, exon flags
- ``screen_summary_mqc.tsv``  MultiQC custom-content table of the counts

The rules (docs/screening.md):

1. ``outside_panel``: the record's REF span overlaps no interval of the regions BED.
2. ``low_quality``: QUAL < ``min_qual`` or FILTER neither PASS nor ``.``.
3. ``af_above_max``: the AF used (gnomAD global, or the larger of global and popmax with
   ``af_source="popmax"``) is >= ``max_af`` (the study keeps MAF < 0.04).
4. ``common_not_risk_factor``: AF used > ``common_af`` (the study excludes > 1 %) and the variant
   is not on the whitelist.
5. ``impact_not_selected``: the summary transcript's IMPACT is not in ``impacts`` and none of its
   consequences is in ``consequences``.
6. ``no_assessable_carrier``: no sample carries the ALT with an assessable genotype
   (``require_carrier``; on by default).

The whitelist only ever waives ``common_not_risk_factor`` (and ``af_above_max`` with
``whitelist_overrides_max_af``); it never adds a reason and never waives the others. A missing
gnomAD AF is ``af_status=novel`` and never fails a frequency rule (``not_looked_up`` instead when the
gnomAD file has no record on the variant's chromosome, ``gnomad_not_covered``, and the annotation carries
no gnomAD of its own: never looked up, not known to be absent; also never fails a frequency rule); for an
MNP/complex allele, which
gnomAD cannot list (it lists SNVs and indels), it is ``af_status=not_matchable`` (also never fails a
frequency rule, but flagged and warned about: its frequency is unknown, not low).

Speed and memory: the header (samples, contigs, FORMAT ids; the annotation layout from its text)
is read with pysam without loading the index, and cyvcf2/numpy are not imported. Record lines are
then streamed as text (bgzip -dc in a pipe) and split only up to FILTER. The panel and quality
rules are decided from those columns; INFO (annotation through
:func:`hlhscreen.annotation.parse_annotation`, the one parser) and the sample columns are read only
for records inside the panel. Memory does not grow with the number of records (bounded caches; the
gene accumulators hold genes x samples plus the carried kept calls). With ``traversal="index"`` only
the panel intervals are read, through the tabix/CSI index (pysam), nearby intervals with one query.
"""

from __future__ import annotations

import bisect
import contextlib
import gzip
import io
import math
import operator
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, Iterator, List, Mapping, NamedTuple, Optional, Sequence, Set, Tuple, Union

from hlhscreen import __version__
from hlhscreen.annotation import (
    ALLELE_AMBIGUOUS,
    IMPACT_ORDER,
    REST_NOT_ANNOTATED_TAG,
    SO_CONSEQUENCE_ORDER,
    TranscriptAnnotation,
    VariantRecord,
    consequence_rank,
    contig_aliases,
    is_known_consequence,
    lacks_hgvs,
    count_header_lines,
    read_header_text,
    layout_from_header,
    old_record_alleles,
    parse_annotation,
    require_biallelic,
    resolve_contigs,
    snpeff_command_options,
    snpeff_entry_flags,
    snpeff_genome_mismatch,
    protein_label,
    select_summary,
    strip_version,
    variant_label,
    vep_frequency_fields_missing,
)
from hlhscreen import clinvar
from hlhscreen.decompose import UNALIGNED_TAG
from hlhscreen.frequency_check import annotation_gnomad_fields, on_uncovered_chromosome
from hlhscreen import sex as sexlib
from hlhscreen.errors import UserInputError
from hlhscreen.files import is_gzipped, open_text
from hlhscreen.gene_coverage import (
    TABLE_COLUMNS as GENE_COVERAGE_COLUMNS,
    TABLE_FILE as GENE_COVERAGE_TSV,
    CoverageRow,
    NOT_MEASURED,
    GeneCoverage,
    low_coverage_reason,
    low_exon_flags,
    read_gene_coverage,
    table_reason,
)
from hlhscreen.gtf import is_transcript_accession
from hlhscreen.frequency import DEFAULT_AF_FIELDS, DEFAULT_AF_SOURCE, Frequency, frequency_setting
from hlhscreen.panel import RegionIndex, RiskFactor, load_regions
from hlhscreen.risk_factors import (
    WhitelistCrossCheck, check_genes_in_panel, place_in_panel, validate_risk_factors,
)
from hlhscreen.tables import optional_number, read_sample_groups
from hlhscreen.vcf_text import gt_names_alt, is_missing_allele, minimal_allele, split_gt

PathLike = Union[str, os.PathLike]

# ---------------------------------------------------------------------------------------------
# Defaults (reproduce the study) and vocabularies
# ---------------------------------------------------------------------------------------------

DEFAULT_MAX_AF = 0.04
DEFAULT_COMMON_AF = 0.01
DEFAULT_IMPACTS: Tuple[str, ...] = ("HIGH", "MODERATE")
DEFAULT_CONSEQUENCES: Tuple[str, ...] = (
    "splice_region_variant",
    "splice_donor_variant",
    "splice_acceptor_variant",
    "splice_donor_5th_base_variant",
    "splice_donor_region_variant",
)
DEFAULT_MIN_QUAL = 20.0
DEFAULT_MIN_DP = 10
#: the share of a gene's panel region bases a sample must have at >= --min-dp to be a non-carrier of it
DEFAULT_MIN_GENE_CALLABLE = 0.9
DEFAULT_MIN_GQ = 20.0
TRAVERSALS = ("stream", "index", "auto")
#: ``auto`` uses the index when the panel covers at most this share of the VCF's contigs' length.
AUTO_INDEX_MAX_FRACTION = 0.01
#: Index traversal: panel intervals closer than this (bp) are read with one index query.
INDEX_QUERY_GAP = 10_000

#: Drop reasons, in the fixed order they are listed.
REASONS: Tuple[str, ...] = (
    "outside_panel",
    "not_a_variant_allele",
    "low_quality",
    "af_above_max",
    "common_not_risk_factor",
    "not_annotated",
    "no_panel_gene_annotation",
    "impact_not_selected",
    "no_assessable_carrier",
)
KEPT, DROPPED = "kept", "dropped"
RESCUED_BY_WHITELIST = "risk_factor_whitelist"
RESCUED_BY_CLINVAR = "clinvar_pathogenic"
DEFAULT_CLINVAR_MIN_STARS = 2

STATES = ("het", "hom_alt", "hemizygous", "ref", "not_assessable")
NOTES = ("no_call", "genotype_filtered", "low_depth", "low_gq", "sex_unknown", "het_call_in_male", "female_chrY",
         "ploidy_mismatch")
STATUSES = ("none", "monoallelic", "biallelic_hom", "possible_compound_het", "compound_het", "hemizygous",
            "not_assessable")

VARIANTS_TSV = "variants.tsv"
KEPT_VCF = "kept.vcf.gz"
KEPT_TBI = "kept.vcf.gz.tbi"
CARRIERS_TSV = "carriers.tsv"
GENE_STATUS_TSV = "gene_status.tsv"
SUMMARY_MQC = "screen_summary_mqc.tsv"
OUTPUT_FILES = (VARIANTS_TSV, KEPT_VCF, KEPT_TBI, CARRIERS_TSV, GENE_STATUS_TSV, GENE_COVERAGE_TSV, SUMMARY_MQC)

VARIANT_COLUMNS: Tuple[str, ...] = (
    "variant_id", "chrom", "pos", "ref", "alt", "gene", "transcript", "mane_select",
    "summary_basis", "hgvsc", "hgvsp", "consequence", "impact", "label", "annotation_match", "rsid",
    "existing_ids", "gnomad_af", "gnomad_af_source", "popmax_af", "popmax_population", "af_status", "af_used",
    "af_field", "clinvar_variation_id", "clinvar_clnsig", "clinvar_review_status", "clinvar_stars",
    "clinvar_disease", "qual", "filter", "decision", "reasons", "rescued_by", "whitelisted", "whitelist_rsid",
    "whitelist_hgvsp", "whitelist_evidence", "whitelist_reason", "n_het", "n_hom_alt", "n_hemizygous", "n_ref",
    "n_not_assessable", "not_assessable_samples", "unconfirmed", "risk_factor_candidate", "unconfirmed_samples",
    "annotation_flags",
)
#: Binding (docs/contracts.md).
CARRIER_COLUMNS: Tuple[str, ...] = (
    "sample", "group", "variant_id", "gene", "hgvsc", "hgvsp", "genotype", "state", "depth", "gq",
    "note", "kept_by", "whitelist_evidence", "label", "clinvar_clnsig", "clinvar_stars", "clinvar_variation_id",
    "clinvar_disease",
)
#: Binding (docs/contracts.md).
GENE_STATUS_COLUMNS: Tuple[str, ...] = (
    "sample", "group", "gene", "status", "carried_variants", "n_kept_variants", "n_not_assessable",
    "not_assessable_variants", "coverage_reason",
)

NA = "NA"
NOT_IN_CLINVAR = "not_in_clinvar"  # clinvar_clnsig of a variant the ClinVar file has no record of
# clinvar_clnsig of a variant on a chromosome the ClinVar file has no record on (INFO/CLINVAR_NOT_COVERED):
# it was not looked up, which must not read as "not in ClinVar"
CLINVAR_NOT_LOOKED_UP = "not_looked_up"
_INT_MISSING = -2147483648  # htslib's missing int32 (cyvcf2 hands it over unchanged)

# State and note codes of SampleCall. _HEMI: a male's ALT call on chrX/chrY outside the PARs.
_REF, _HET, _HOM, _NA_STATE, _HEMI = 0, 1, 2, 3, 4
_STATE_NAMES = ("ref", "het", "hom_alt", "not_assessable", "hemizygous")
_NOTE_NONE, _NOTE_NO_CALL, _NOTE_LOW_DP, _NOTE_LOW_GQ = 0, 1, 2, 3
_NOTE_SEX_UNKNOWN, _NOTE_HET_HAPLOID, _NOTE_NO_Y, _NOTE_FILTERED, _NOTE_PLOIDY = 4, 5, 6, 7, 8
_NOTE_NAMES = (NA, "no_call", "low_depth", "low_gq", "sex_unknown", "het_call_in_male", "female_chrY",
               "genotype_filtered", "ploidy_mismatch")


# ---------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScreenConfig:
    """Filter settings. Defaults reproduce the study (docs/screening.md)."""

    max_af: float = DEFAULT_MAX_AF
    common_af: float = DEFAULT_COMMON_AF
    af_source: str = DEFAULT_AF_SOURCE
    af_fields: str = DEFAULT_AF_FIELDS
    impacts: FrozenSet[str] = frozenset(DEFAULT_IMPACTS)
    consequences: FrozenSet[str] = frozenset(DEFAULT_CONSEQUENCES)
    min_qual: float = DEFAULT_MIN_QUAL
    min_dp: int = DEFAULT_MIN_DP
    min_gq: float = DEFAULT_MIN_GQ
    require_carrier: bool = True
    whitelist_overrides_max_af: bool = False
    keep_clinvar_pathogenic: bool = False
    clinvar_min_stars: int = DEFAULT_CLINVAR_MIN_STARS
    min_gene_callable: float = DEFAULT_MIN_GENE_CALLABLE
    evaluate_outside_panel: bool = False
    harmonise_contigs: bool = False
    traversal: str = "stream"
    threads: int = 1

    def validate(self) -> "ScreenConfig":
        for option, value in (("--max-af", self.max_af), ("--common-af", self.common_af)):
            if not isinstance(value, (int, float)) or math.isnan(value) or not 0 <= value <= 1:
                raise UserInputError(None, None, option, f"{value!r} is not a frequency between 0 and 1",
                                     "Give a number such as 0.04.")
        value = self.min_gene_callable
        if not isinstance(value, (int, float)) or math.isnan(value) or not 0 <= value <= 1:
            raise UserInputError(None, None, "--min-gene-callable", f"{value!r} is not a share between 0 and 1",
                                 "Give a number such as 0.9 (0 switches the per-gene coverage check off).")
        frequency_setting(self.af_fields, self.af_source)
        unknown = sorted(i for i in self.impacts if i not in IMPACT_ORDER)
        if unknown:
            raise UserInputError(None, None, "--impacts", f"unknown impact(s) {', '.join(unknown)}",
                                 f"Use a comma-separated subset of: {','.join(IMPACT_ORDER)}.")
        unknown = sorted(t for t in self.consequences if consequence_rank(t) >= len(SO_CONSEQUENCE_ORDER))
        if unknown:
            raise UserInputError(None, None, "--consequences", f"unknown consequence term(s) {', '.join(unknown)}",
                                 "Use Sequence Ontology terms as VEP/snpEff write them, e.g. "
                                 "splice_region_variant,splice_donor_variant.")
        for option, value in (("--min-qual", self.min_qual), ("--min-dp", self.min_dp), ("--min-gq", self.min_gq)):
            if not isinstance(value, (int, float)) or math.isnan(value) or value < 0:
                raise UserInputError(None, None, option, f"{value!r} must be a number >= 0", "Use 0 to switch the check off.")
        if self.traversal not in TRAVERSALS:
            raise UserInputError(None, None, "--traversal", f"unknown traversal {self.traversal!r}",
                                 f"Use one of: {', '.join(TRAVERSALS)}.")
        if not isinstance(self.clinvar_min_stars, int) or not 0 <= self.clinvar_min_stars <= 4:
            raise UserInputError(None, None, "--clinvar-min-stars", f"{self.clinvar_min_stars!r} is not 0 to 4",
                                 "ClinVar review stars run from 0 to 4; e.g. 2 (multiple submitters, no conflicts).")
        if not isinstance(self.threads, int) or self.threads < 1:
            raise UserInputError(None, None, "--threads", f"{self.threads!r} must be a whole number >= 1", "E.g. --threads 2.")
        return self

    def describe(self) -> str:
        """One line for reports: the thresholds in force."""
        parts = [
            f"AF ({self.af_source}; fields {self.af_fields}) < {self.max_af:g}",
            f"AF <= {self.common_af:g} unless whitelisted",
            f"impact in {','.join(i for i in IMPACT_ORDER if i in self.impacts) or 'none'}"
            + (f" or consequence in {','.join(sorted(self.consequences))}" if self.consequences else ""),
            f"QUAL >= {self.min_qual:g} and FILTER PASS",
            f"genotypes need DP >= {self.min_dp:g} and GQ >= {self.min_gq:g}",
        ]
        if self.require_carrier:
            parts.append("at least one assessable carrier")
        if self.whitelist_overrides_max_af:
            parts.append("whitelist overrides the AF maximum")
        if self.keep_clinvar_pathogenic:
            parts.append(f"ClinVar Pathogenic/Likely pathogenic with >= {self.clinvar_min_stars} review stars kept "
                         "whatever their impact")
        return "; ".join(parts)


# ---------------------------------------------------------------------------------------------
# The decision rule (pure; the record loop feeds it)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    decision: str  # "kept" or "dropped"
    reasons: Tuple[str, ...]  # drop reasons (REASONS order) or, for kept, why it passed
    rescued: bool  # kept only because the whitelist waived a frequency rule
    clinvar_rescued: bool = False  # kept only because ClinVar's P/LP classification waived impact_not_selected

    @property
    def rescued_by(self) -> Optional[str]:
        """``risk_factor_whitelist``, ``clinvar_pathogenic``, both ``;``-joined, or None."""
        names = [name for name, on in ((RESCUED_BY_WHITELIST, self.rescued), (RESCUED_BY_CLINVAR, self.clinvar_rescued))
                 if on]
        return ";".join(names) or None


def decide(
    config: ScreenConfig,
    *,
    in_panel: bool,
    quality_ok: bool,
    af_used: Optional[float],
    whitelisted: bool,
    impact_label: Optional[str],
    has_assessable_carrier: Optional[bool],
    annotated: bool = True,
    panel_gene: bool = True,
    af_not_matchable: bool = False,
    clinvar_pathogenic: bool = False,
    variant_allele: bool = True,
    af_not_looked_up: bool = False,
) -> Decision:
    """Apply the rules in order. ``impact_label`` is ``impact:X``/``consequence:Y`` when the
    summary transcript is selected, else None; ``has_assessable_carrier`` None = not evaluated.
    ``annotated``: the record has CSQ/ANN entries for its ALT (else ``not_annotated``: its impact
    is unknown, so ``impact_not_selected`` is not claimed); ``panel_gene``: one of them belongs to
    a panel gene whose region the variant is in (else ``no_panel_gene_annotation``; only asked of
    records inside the panel). ``af_not_matchable``: no frequency and an MNP/complex allele
    (:func:`is_mnp_or_complex`), passed as ``af_not_matchable`` instead of ``af_novel``;
    ``af_not_looked_up``: no frequency and the gnomAD file has no record on the chromosome, passed as
    ``af_not_looked_up`` (treated as rare like a novel variant: the study's rule).
    ``clinvar_pathogenic``: ClinVar classifies it Pathogenic/Likely pathogenic with enough review
    stars and ``keep_clinvar_pathogenic`` is on; it then waives ``impact_not_selected`` (nothing else).
    ``variant_allele`` False: the ALT is no allele of its own (:func:`is_variant_allele`); the record
    is dropped as ``not_a_variant_allele`` (with ``outside_panel``/``low_quality`` when they apply)
    and no frequency, annotation or carrier rule is asked of it.
    """
    reasons: List[str] = []
    passed: List[str] = []
    waived = clinvar_waived = False
    if not in_panel:
        reasons.append("outside_panel")
    else:
        passed.append("in_panel")
    if not variant_allele:
        reasons.append("not_a_variant_allele")
        if not quality_ok:
            reasons.append("low_quality")
        return Decision(DROPPED, tuple(reasons), False)
    if not quality_ok:
        reasons.append("low_quality")
    else:
        passed.append("quality_pass")
    if af_used is None:
        passed.append("af_not_matchable" if af_not_matchable else
                      "af_not_looked_up" if af_not_looked_up else "af_novel")
    else:
        above_max = af_used >= config.max_af
        common = af_used > config.common_af
        if above_max:
            if whitelisted and config.whitelist_overrides_max_af:
                waived = True
            else:
                reasons.append("af_above_max")
        if common:
            if whitelisted:
                waived = True
            else:
                reasons.append("common_not_risk_factor")
        if waived:
            passed.append(RESCUED_BY_WHITELIST)
        elif not common:
            passed.append("af_below_common")
    if not annotated:
        reasons.append("not_annotated")
    elif not panel_gene:
        reasons.append("no_panel_gene_annotation")
    elif impact_label is None and clinvar_pathogenic:
        clinvar_waived = True
        passed.append(RESCUED_BY_CLINVAR)
    elif impact_label is None:
        reasons.append("impact_not_selected")
    else:
        passed.append(impact_label)
    if config.require_carrier and has_assessable_carrier is not None:
        if has_assessable_carrier:
            passed.append("assessable_carrier")
        else:
            reasons.append("no_assessable_carrier")
    if reasons:
        return Decision(DROPPED, tuple(reasons), False)
    return Decision(KEPT, tuple(passed), waived, clinvar_waived)


#: ALTs that are no allele of their own: GATK's spanning deletion ``*`` (the deletion is its own
#: record) and the gVCF reference-block alleles ``<*>`` (bcftools) and ``<NON_REF>`` (GATK).
NON_VARIANT_ALLELES = frozenset({"*", "<*>", "<NON_REF>"})


def is_variant_allele(alt: str) -> bool:
    """False for an ALT that names no variant of its own (:data:`NON_VARIANT_ALLELES`)."""
    return alt not in NON_VARIANT_ALLELES


def impact_label(config: ScreenConfig, transcript: Optional[TranscriptAnnotation]) -> Optional[str]:
    """``impact:HIGH`` when the transcript's IMPACT is selected, else ``consequence:<term>`` for
    the first selected consequence, else None."""
    if transcript is None:
        return None
    impact = (transcript.impact or "").upper()
    if impact in config.impacts:
        return f"impact:{impact}"
    for term in transcript.consequences:
        if term in config.consequences:
            return f"consequence:{term}"
    return None


def af_for_decision(config: ScreenConfig, frequency: Frequency) -> Tuple[Optional[float], Optional[str]]:
    """``(AF, field)`` compared with the thresholds (None = novel): ``global`` takes the source's
    global AF, ``popmax`` the larger of global and popmax, so ``popmax`` is never more permissive
    than ``global``; a source lacking the asked kind is judged by what it has
    (:meth:`hlhscreen.frequency.Frequency.for_decision`)."""
    return frequency.for_decision(config.af_source)


# ---------------------------------------------------------------------------------------------
# Inputs: MANE list, panel genes (the samplesheet: hlhscreen.tables.read_sample_groups)
# ---------------------------------------------------------------------------------------------


#: columns of a --mane-transcripts TSV read as MANE Select ids (Ensembl, and RefSeq when given)
MANE_COLUMNS: Tuple[str, ...] = ("transcript_id", "refseq_transcript")


def read_mane_transcripts(path: PathLike) -> FrozenSet[str]:
    """MANE Select transcript ids: one per line (``#`` comments), or a TSV whose header has a
    ``transcript_id`` column (e.g. the panel's ``genes.tsv``; its ``refseq_transcript`` column, the
    RefSeq twins, is read too). Versions are ignored."""
    path = Path(path)
    if not path.is_file():
        raise UserInputError(path, None, "--mane-transcripts", "file not found", "Check the path.")
    ids: List[str] = []
    columns: Optional[List[int]] = None
    with open_text(path) as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.rstrip("\r\n")
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if columns is None and "transcript_id" in cols:
                # the panel's genes.tsv also names the RefSeq twin of each MANE transcript: a RefSeq
                # annotation (snpEff RefSeq database, VEP --refseq) is then judged by it too
                columns = [cols.index(name) for name in MANE_COLUMNS if name in cols]
                continue
            for index in columns if columns is not None else [0]:
                value = cols[index].strip() if len(cols) > index else ""
                if not value or value == NA:
                    continue
                if any(c.isspace() for c in value):
                    raise UserInputError(path, number, "transcript_id", f"{value!r} is not a transcript id",
                                         "Give one transcript id per line (e.g. ENST00000441259.2).")
                ids.append(strip_version(value))
    if not ids:
        raise UserInputError(path, None, "--mane-transcripts", "no transcript ids found",
                             "Give one transcript id per line, or a TSV with a transcript_id column.")
    return frozenset(ids)


def load_panel_regions(path: PathLike) -> RegionIndex:
    """The panel regions BED, checked for the screen: valid BED intervals
    (:func:`hlhscreen.panel.load_regions`), each named with its gene's HGNC symbol (``GENE|exonN``,
    as build_panel writes them; a transcript, gene or HGNC id, or a lower-case name, is refused).
    The name is how the screen knows which gene a region belongs to: only those genes can be
    findings (a record whose annotation names only another gene is dropped as
    ``no_panel_gene_annotation``)."""
    regions = load_regions(path)
    unnamed = next((r for r in regions if not r.genes), None)
    if unnamed is not None:
        raise UserInputError(path, _bed_line(path, unnamed), "name",
                             f"the interval {unnamed.chrom}:{unnamed.start}-{unnamed.end} has no gene name",
                             "Name every interval with its gene symbol in the 4th column (GENE|exonN, as "
                             "bin/build_panel.py writes it): the screen keeps only variants annotated in a panel gene.")
    for region in regions:
        for gene in region.genes:
            what = _not_a_symbol(gene)
            if what:
                raise UserInputError(path, _bed_line(path, region), "name",
                                     f"the interval {region.chrom}:{region.start}-{region.end} is named {gene!r}, {what}",
                                     "Name every interval with its gene's HGNC symbol (e.g. PRF1|exon3), as the "
                                     "annotation names genes (VEP SYMBOL, snpEff Gene_Name): under another name every "
                                     "variant of the gene would match no panel gene (no_panel_gene_annotation) and none "
                                     "could be a finding.")
    return regions


def check_screen_settings(*, impacts: str = ",".join(DEFAULT_IMPACTS),
                          consequences: str = ",".join(DEFAULT_CONSEQUENCES),
                          af_fields: str = DEFAULT_AF_FIELDS, af_source: str = DEFAULT_AF_SOURCE) -> ScreenConfig:
    """The screen's list settings as the command line takes them (``--impacts``,
    ``--consequences``, ``--af-fields``, ``--af-source``), checked without any input file: for the
    pipeline's start-up check. Returns the validated config; raises UserInputError."""
    config = ScreenConfig(impacts=frozenset(i.upper() for i in parse_list(impacts)),
                          consequences=parse_list(consequences), af_fields=af_fields, af_source=af_source)
    config.validate()
    if not config.impacts and not config.consequences:
        raise UserInputError(None, None, "--impacts", "no impact class and no consequence selected: nothing could be kept",
                             "Give --impacts (e.g. HIGH,MODERATE) or --consequences.")
    return config


_GENE_ID = re.compile(r"^(ENSG\d{11}(\.\d+)?|HGNC:\d+|\d+)$", re.IGNORECASE)


def _not_a_symbol(gene: str) -> Optional[str]:
    """Why a panel BED gene name cannot be an HGNC symbol (an id, lower case), or None."""
    if is_transcript_accession(gene):
        return "a transcript id, not a gene symbol"
    if _GENE_ID.match(gene):
        kind = "an HGNC id" if gene.upper().startswith("HGNC:") else "a gene id"
        return f"{kind}, not a gene symbol"
    if not any(c.isalpha() for c in gene):
        return "not a gene symbol (a BED score, strand or '.' placeholder in the name column?)"
    if not any(c.isupper() for c in gene):
        return f"in lower case: HGNC gene symbols are upper case ({gene.upper()})"
    return None


def _bed_line(path: PathLike, region: Any) -> Optional[int]:
    """The line of the BED file holding the interval (for messages): the reader's own count (a search for
    the tab-joined fields missed space-separated lines)."""
    return region.line or None


def choose_transcript(record: VariantRecord, panel_genes: Sequence[str], *, in_panel: bool = True
                      ) -> Tuple[Optional[str], Optional[TranscriptAnnotation], Optional[str]]:
    """The gene and summary transcript a record is judged by: ``(gene, transcript, basis)``.

    Among the record's genes that own a panel interval at the record, the parser's summary rule
    (MANE Select, else canonical, else most severe) is applied within each gene and the most
    severe of those summaries wins (ties: first gene in interval order). A record inside the panel
    whose annotation names none of them gets ``(None, None, None)``: a gene outside the panel is
    never a finding (reason ``no_panel_gene_annotation``). Records outside the panel (read with
    ``evaluate_outside_panel``) show the parser's summary over all transcripts.
    """
    if not in_panel:
        summary = record.summary
        return (summary.gene_symbol if summary else None), summary, record.summary_basis
    best: Optional[Tuple[Tuple[int, int, int], str, TranscriptAnnotation, Optional[str]]] = None
    if panel_genes and record.transcripts:
        genes = record.genes
        if len(genes) == 1 and genes[0] in panel_genes and all(t.gene_symbol for t in record.transcripts):
            # every transcript belongs to the one panel gene: the parser's summary is that gene's
            return genes[0], record.summary, record.summary_basis
        for order, gene in enumerate(panel_genes):
            # the basis select_summary gives is the tier (MANE, canonical, any) of the gene's transcripts
            transcript, basis = select_summary(record.transcripts_for_gene(gene))
            if transcript is None:
                continue
            key = (transcript.impact_rank, transcript.severity_rank, order)
            if best is None or key < best[0]:
                best = (key, gene, transcript, basis)
    if best is not None:
        return best[1], best[2], best[3]
    return None, None, None


# ---------------------------------------------------------------------------------------------
# Where a variant is: the reference bases it changes
# ---------------------------------------------------------------------------------------------


def _info_int(info_text: str, key: str) -> Optional[int]:
    """An integer INFO value (``END``, ``SVLEN``; the first of a list) from the INFO text, or None."""
    at = info_text.find(key + "=")
    while at > 0 and info_text[at - 1] != ";":
        at = info_text.find(key + "=", at + 1)
    if at < 0:
        return None
    value = info_text[at + len(key) + 1:].split(";", 1)[0].split(",", 1)[0]
    try:
        return int(value)
    except ValueError:
        return None


def is_mnp_or_complex(ref: str, alt: str) -> bool:
    """REF and ALT still differ in more than one base once their shared first and last bases are
    trimmed, and neither is empty: an MNP (``CACTG>GACTC``) or a deletion-insertion (``CGAT>TGA``,
    ``A>GT``), not an SNV or a pure insertion/deletion. Population databases (gnomAD) list the SNVs
    and indels of such an allele separately, so an exact-allele frequency lookup cannot find it.
    Symbolic, breakend and ``*`` alleles are not judged (False)."""
    if len(ref) == 1 and len(alt) == 1:
        return False
    if not ref or not alt or alt == "*" or alt.startswith("<") or "[" in alt or "]" in alt:
        return False
    prefix, suffix = _shared_ends(ref, alt)
    left, right = len(ref) - prefix - suffix, len(alt) - prefix - suffix
    return left > 0 and right > 0 and max(left, right) > 1


def _shared_ends(ref: str, alt: str) -> Tuple[int, int]:
    """Bases REF and ALT share at their start, then (of the rest) at their end."""
    n = min(len(ref), len(alt))
    prefix = 0
    while prefix < n and ref[prefix] == alt[prefix]:
        prefix += 1
    suffix = 0
    while suffix < n - prefix and ref[-1 - suffix] == alt[-1 - suffix]:
        suffix += 1
    return prefix, suffix


def variant_span(pos: int, ref: str, alt: str, info_text: str = "") -> Tuple[int, int, bool]:
    """``(first, last, junction)``: the 1-based reference bases a record changes.

    The bases REF and ALT share at their ends are not changed (a deletion's padding base, an
    indel written with extra context): they are trimmed, the shared first bases first (the VCF
    padding convention: in ``AA>A`` the second A is the deleted one), then the shared last bases.
    A pure insertion changes no base: it sits at the junction between ``first`` and ``last``
    (= first + 1), ``junction`` True. A symbolic ALT (``<DEL>``, ``<DUP>``, ...) covers
    ``POS+1..END`` (INFO/END, else POS+|SVLEN|); ``<INS>`` is a junction after POS. Breakends and
    ``*`` keep their REF span."""
    if len(ref) == 1 and len(alt) == 1:
        return pos, pos, False
    if alt.startswith("<"):
        kind = alt[1:-1].split(":", 1)[0]
        if kind == "INS":
            return pos, pos + 1, True
        end = _info_int(info_text, "END")
        if end is None:
            svlen = _info_int(info_text, "SVLEN")
            end = pos + abs(svlen) if svlen else None
        if end is not None and end > pos:
            return pos + 1, end, False
        return pos, pos + len(ref) - 1, False
    if alt == "*" or "[" in alt or "]" in alt or not ref or not alt:
        return pos, pos + max(len(ref), 1) - 1, False
    prefix, suffix = _shared_ends(ref, alt)
    r_end = len(ref) - suffix
    if prefix == r_end:  # no REF base changes: bases inserted after pos + prefix - 1
        return pos + prefix - 1, pos + prefix, True
    return pos + prefix, pos + r_end - 1, False


def _span_in_merged(starts: Sequence[int], ends: Sequence[int], first: int, last: int, junction: bool) -> bool:
    """Whether a variant span is in the panel (merged 0-based half-open intervals): a changed base
    inside an interval; for an insertion, both bases around the junction inside one interval."""
    idx = bisect.bisect_left(starts, last) - 1
    if idx < 0:
        return False
    if junction:
        return starts[idx] < first and ends[idx] >= last
    return ends[idx] >= first


# ---------------------------------------------------------------------------------------------
# Genotypes (parsed from the VCF text of records inside the panel)
# ---------------------------------------------------------------------------------------------


class SampleCall(NamedTuple):
    """One sample at one record (a tuple: the parser makes one per distinct sample field)."""

    genotype: str  # the GT text as written ("0/1", "1|0", "./.", "1")
    state: int  # _REF, _HET, _HOM or _NA_STATE
    note: int  # _NOTE_*
    depth: Optional[float]  # FORMAT/DP, else the sum of FORMAT/AD; None = missing
    gq: Optional[float]  # FORMAT/GQ; None = missing
    phased: bool  # phased ("|") diploid genotype
    hap: Optional[int]  # for a phased het: 0 when the ALT is the first allele, 1 when the second
    phase_set: Optional[int]  # FORMAT/PS of a phased genotype (None: missing or absent)
    carrier_text: str = ""  # the carriers.tsv columns genotype..note, tab-joined, with newline
    ploidy: int = 2  # allele fields in the GT (1 for a haploid "1", 3 for "0/0/1")

    @property
    def state_name(self) -> str:
        return _STATE_NAMES[self.state]

    @property
    def note_name(self) -> str:
        return _NOTE_NAMES[self.note]

    def phase_block(self) -> Tuple[Optional[Any], Optional[int]]:
        """(phase block, haplotype carrying the ALT) of a phased het, else (None, None).

        The block is the PS value; a phased genotype without PS belongs to one default block (the
        VCF specification's reading of phased genotypes without PS)."""
        if not self.phased or self.state != _HET or self.hap is None:
            return None, None
        return (self.phase_set if self.phase_set is not None else "phased-without-PS"), self.hap


_call_state = operator.attrgetter("state")


class GenotypeParser:
    """Classify samples from FORMAT text. Results are cached per (FORMAT, column) text, which
    repeats a lot in joint VCFs; the cache is cleared when it grows past a fixed size (memory
    stays bounded).

    A sample is ``not_assessable`` when its genotype is not fully called (``./.``, ``0/.``, ``.``)
    [no_call], when the caller or a filter step failed the genotype (FORMAT/FT neither ``PASS`` nor
    missing: GATK VariantFiltration ``--genotype-filter-*``, bcftools ``filter -S``-style tags)
    [genotype_filtered], when its depth is below ``min_dp`` or unknown [low_depth], or when its GQ is below
    ``min_gq`` [low_gq]. Depth is FORMAT/DP, or the sum of FORMAT/AD when DP is missing. A missing
    GQ is not checked (FreeBayes writes GQ only with --genotype-qualities). ``min_dp``/``min_gq``
    of 0 switch their check off. An all-ALT genotype (``1/1``, haploid ``1``) is ``hom_alt`` here;
    :func:`apply_ploidy` then reads haploid and polyploid calls with the sample's copies of the site.
    """

    CACHE_LIMIT = 50_000  # entries (a few MB at most)

    def __init__(self, min_dp: float, min_gq: float, path: PathLike) -> None:
        self.min_dp = min_dp
        self.min_gq = min_gq
        self.path = str(path)
        self._cache: Dict[str, Dict[str, SampleCall]] = {}
        self._size = 0
        self._formats: Dict[str, Tuple[Optional[int], ...]] = {}
        # GT text -> (state, no call, phased, haplotype of the ALT if a phased het, allele fields); few distinct texts
        self._genotypes: Dict[str, Tuple[int, bool, bool, Optional[int], int]] = {}

    def _format_index(self, fmt: str) -> Tuple[Optional[int], ...]:
        found = self._formats.get(fmt)
        if found is None:
            keys = fmt.split(":")
            found = tuple(keys.index(k) if k in keys else None for k in ("GT", "DP", "GQ", "AD", "PS", "FT"))
            self._formats[fmt] = found
        return found

    def calls(self, fmt: str, columns: Sequence[str], line: Optional[int], locus: str
              ) -> Tuple[List[SampleCall], List[int]]:
        """The calls of every sample column of one record (FORMAT text ``fmt``), and the number of
        samples in each state (indexed by the state codes _REF, _HET, _HOM, _NA_STATE)."""
        if self._size > self.CACHE_LIMIT:
            self._cache.clear()
            self._size = 0
        cache = self._cache.get(fmt)
        if cache is None:
            cache = self._cache[fmt] = {}
        try:
            out = list(map(cache.__getitem__, columns))
        except KeyError:  # some column not seen before with this FORMAT
            out = []
            for column in columns:
                call = cache.get(column)
                if call is None:
                    call = cache[column] = self._parse(fmt, column, line, locus)
                    self._size += 1
                out.append(call)
        states = list(map(_call_state, out))
        return out, [states.count(_REF), states.count(_HET), states.count(_HOM), states.count(_NA_STATE)]

    def _parse(self, fmt: str, column: str, line: Optional[int], locus: str) -> SampleCall:
        i_gt, i_dp, i_gq, i_ad, i_ps, i_ft = self._format_index(fmt)
        if i_gt is None:
            raise UserInputError(self.path, line, "FORMAT", f"{locus}: the record's FORMAT ({fmt or 'empty'}) has no GT, "
                                 "so no sample's genotype can be read",
                                 "Screen the joint VCF as the caller wrote it (FORMAT starting with GT).")
        fields = column.split(":")
        n = len(fields)
        gt = fields[i_gt] if i_gt is not None and i_gt < n else "."
        genotype = self._genotypes.get(gt)
        if genotype is None:
            if len(self._genotypes) > self.CACHE_LIMIT:
                self._genotypes.clear()
            genotype = self._genotypes[gt] = self._parse_gt(gt, line, locus)
        state, no_call, phased, het_hap, ploidy = genotype

        depth = optional_number(fields[i_dp]) if i_dp is not None and i_dp < n else None
        if depth is None and i_ad is not None and i_ad < n:
            values = [optional_number(v) for v in fields[i_ad].split(",")]
            if values and all(v is not None for v in values):
                depth = float(sum(values))  # type: ignore[arg-type]
        gq = optional_number(fields[i_gq]) if i_gq is not None and i_gq < n else None
        phase_set = None
        if phased and i_ps is not None:
            ps = optional_number(fields[i_ps]) if i_ps < n else None
            if ps is None:
                # FORMAT has PS but this call's is missing: its block is unknown, not the default
                # block of phased calls without a PS field (docs/screening.md, "Gene status")
                phased = False
            else:
                phase_set = int(ps)

        # FORMAT/FT: "PASS" or missing passes; anything else names the filters the genotype failed
        ft = fields[i_ft] if i_ft is not None and i_ft < n else "."
        note = _NOTE_NONE
        if no_call:
            note = _NOTE_NO_CALL
        elif ft not in ("PASS", ".", ""):
            note = _NOTE_FILTERED
        elif self.min_dp > 0 and (depth is None or depth < self.min_dp):
            note = _NOTE_LOW_DP
        elif self.min_gq > 0 and gq is not None and gq < self.min_gq:
            note = _NOTE_LOW_GQ
        if note != _NOTE_NONE:
            state = _NA_STATE
        hap = het_hap if state == _HET else None
        text = (f"{_clean(gt)}\t{_STATE_NAMES[state]}\t{_fmt_number(depth)}\t{_fmt_number(gq)}\t"
                f"{_NOTE_NAMES[note]}\n")
        return SampleCall(gt, state, note, depth, gq, phased, hap, phase_set, text, ploidy)

    def _parse_gt(self, gt: str, line: Optional[int], locus: str) -> Tuple[int, bool, bool, Optional[int], int]:
        """(state before the depth/GQ checks, no call, phased, haplotype of the ALT if a phased het,
        number of allele fields)."""
        parts, phased = split_gt(gt)
        no_call = False
        alleles: List[int] = []
        for part in parts:
            if is_missing_allele(part):
                no_call = True
                continue
            if not part.isdigit():
                raise UserInputError(self.path, line, "FORMAT/GT", f"{locus}: genotype {gt!r} is not a VCF genotype",
                                     "Genotypes look like 0/1, 1|0, ./. or 1.")
            alleles.append(int(part))
        if any(a > 1 for a in alleles):
            # the screen reads split records (one ALT): allele 2+ belongs to a record that was not
            # split, or split without recoding the genotypes; counting it as this ALT would be a guess
            raise UserInputError(self.path, line, "FORMAT/GT",
                                 f"{locus}: genotype {gt!r} names ALT allele {max(alleles)}, but the record has one ALT",
                                 "Split multi-allelic records with `bcftools norm -m -any` (it recodes the genotypes) "
                                 "rather than editing the ALT column.")
        n_alt = sum(1 for a in alleles if a > 0)
        if no_call:
            state = _NA_STATE
        elif n_alt == 0:
            state = _REF
        elif n_alt == len(alleles):
            state = _HOM
        else:
            state = _HET
        het_hap = (0 if alleles[0] > 0 else 1) if phased and state == _HET else None
        return state, no_call, phased, het_hap, len(parts)


def needs_ploidy_check(calls: Sequence[SampleCall], chrom: str, pos: int) -> bool:
    """The calls must be read with the samples' copy numbers (:func:`apply_ploidy`): the site is on
    chrX/chrY outside the PARs, or a call is not diploid on a chromosome of known copy number."""
    if sexlib.is_haploid_in_males(chrom, pos):
        return True
    return sexlib.chromosome(chrom) not in ("MT", "") and any(call.ploidy != 2 for call in calls)


def _ploidy_fits(alleles: int, copies: int) -> bool:
    """A called genotype of ``alleles`` fields fits a sample with ``copies`` of the site: two copies
    need a diploid call; one copy (a male's chrX/chrY) a haploid call, or a diploid one from a
    caller that ignored the ploidy (read below)."""
    return alleles == 2 if copies == 2 else alleles in (1, 2)


def apply_ploidy(calls: Sequence[SampleCall], sexes: Sequence[str], chrom: str, pos: int) -> List[SampleCall]:
    """Calls read with each sample's copies of the site (hlhscreen.sex):

    - a called genotype whose number of alleles does not fit the copies (a haploid ``1`` or ``0`` on
      an autosome, in a PAR or in a female's chrX; a polyploid ``0/0/1`` anywhere) is
      ``not_assessable`` (``ploidy_mismatch``): the caller assumed another copy number, so it could not
      tell a het from a hom or from the reference (a het read as haploid is called ``0`` or ``1``);
      mitochondrial and unplaced contigs are read as written;
    - male (one copy, chrX/chrY outside the PARs): an ALT call is ``hemizygous``; a het call cannot be
      right (mis-mapped reads, contamination, or a caller that ignored the ploidy) and is
      ``not_assessable`` (``het_call_in_male``); ref and not-assessable calls stay;
    - sex unknown (blank and not inferable, or given and inferred disagree): ``not_assessable``
      (``sex_unknown``): a het could be a carrier female or a male artefact, so the sample is left
      out rather than counted either way;
    - female on chrY: ``not_assessable`` (``female_chrY``);
    - female on chrX: a diploid call unchanged (two copies).
    """
    out = []
    checked = sexlib.chromosome(chrom) not in ("MT", "")
    for call, sex in zip(calls, sexes):
        copies = sexlib.ploidy(sex, chrom, pos)
        state, note = call.state, call.note
        if checked and state != _NA_STATE and copies and not _ploidy_fits(call.ploidy, copies):
            state, note = _NA_STATE, _NOTE_PLOIDY
        elif copies == 1:
            if state == _HOM:
                state = _HEMI
            elif state == _HET:
                state, note = _NA_STATE, _NOTE_HET_HAPLOID
        elif copies is None and state != _NA_STATE:
            state, note = _NA_STATE, _NOTE_SEX_UNKNOWN
        elif copies == 0 and state != _NA_STATE:
            state, note = _NA_STATE, _NOTE_NO_Y
        if (state, note) == (call.state, call.note):
            out.append(call)
            continue
        text = (f"{_clean(call.genotype)}\t{_STATE_NAMES[state]}\t{_fmt_number(call.depth)}\t{_fmt_number(call.gq)}\t"
                f"{_NOTE_NAMES[note]}\n")
        out.append(call._replace(state=state, note=note, hap=None, carrier_text=text))
    return out


#: The only drop reasons an unconfirmed variant may have (besides ``low_quality``, see
#: :func:`unconfirmed_samples`): everything else (panel, frequency, panel gene, impact) already rules it
#: out whatever its carriers are.
_UNCONFIRMED_REASONS = frozenset({"not_annotated", "no_panel_gene_annotation", "no_assessable_carrier"})
_LOW_QUALITY = "low_quality"


_CARRIER_STATES = frozenset({_HET, _HOM, _HEMI})
_LOWER_CASE_BASE = re.compile(r"[acgtn]")  # a lower-case base in REF or a sequence ALT


def names_alt(call: SampleCall) -> bool:
    """The call names the record's ALT: a carrier state, or a not-assessable GT with an ALT allele
    (a low-depth ``0/1``, a half call ``./1``, a male's ``0/1`` on chrX)."""
    return call.state in _CARRIER_STATES or (call.state == _NA_STATE and gt_names_alt(call.genotype))


def unconfirmed_samples(reasons: Sequence[str], annotated: bool, calls: Sequence[SampleCall]) -> List[int]:
    """The samples (indices) a dropped record makes not assessable for its gene(s), or [].
    ``annotated``: the record's impact on its gene is known (False for ``not_annotated`` and
    ``no_panel_gene_annotation`` records).

    - a qualifying variant dropped only as ``no_assessable_carrier``: its ``not_assessable`` calls
      (they may carry it);
    - a record with no CSQ/ANN entry for its ALT (``not_annotated``), or one annotated only with
      other genes than the panel gene(s) it is in (``no_panel_gene_annotation``): its impact is unknown, that
      fails no other rule (in the panel, quality, frequency rare by ``max_af``/``common_af`` or
      unknown): its carriers *and* its ``not_assessable`` calls, since any of them may carry a
      qualifying variant. A sample that carries a kept variant of the gene stays a carrier
      (:func:`sample_gene_status`);
    - either of the above, or a qualifying variant, at a site failing the quality rule
      (``low_quality``: QUAL or FILTER): the samples whose genotype names the ALT (:func:`names_alt`),
      whose call the site's quality leaves unconfirmed. The site's QUAL/FILTER judge the ALT, not a
      sample's reference call: a ``0/0`` (or ``./.``, e.g. DeepVariant's RefCall) stays as it is.
    Records failing any other rule change nothing (their frequency or impact excludes them)."""
    rest = tuple(reason for reason in reasons if reason != _LOW_QUALITY)
    if not reasons or not set(rest) <= _UNCONFIRMED_REASONS:
        return []
    if annotated and rest not in ((), ("no_assessable_carrier",)):
        return []
    if len(rest) < len(reasons):
        return [i for i, call in enumerate(calls) if names_alt(call)]
    if annotated:
        return [i for i, call in enumerate(calls) if call.state == _NA_STATE]
    return [i for i, call in enumerate(calls) if call.state != _REF]


def sample_gene_status(carried: Sequence[Tuple[Any, ...]], n_not_assessable: int, low_coverage: bool = False) -> str:
    """A sample's status in a gene: :func:`gene_status` of its assessable carried variants, except
    that a sample with no carried variant and at least one not-assessable call (at a kept or an
    unconfirmed qualifying variant of the gene), or with the gene's regions below --min-gene-callable
    at --min-dp (``low_coverage``), is ``not_assessable``, never ``none``. A carrier stays a carrier."""
    status = gene_status(carried)
    if status == "none" and (n_not_assessable > 0 or low_coverage):
        return "not_assessable"
    return status


class CarriedCall(NamedTuple):
    """A sample's assessable carried call at a kept variant, as gene status needs it."""

    variant_id: str
    state: int  # _HET, _HOM or _HEMI
    block: Optional[Any] = None  # phase block of a phased het
    hap: Optional[int] = None  # haplotype carrying the ALT in that block
    sites: FrozenSet[Any] = frozenset()  # the site(s) the record is an allele of (see _site_keys)
    span: Optional[Tuple[int, int, bool]] = None  # variant_span() of the record (same contig)
    origin: Optional["Origin"] = None  # the record it was split/atomised from (OLD_REC), see _origin
    slot: Optional[int] = None  # unphased het: the GT slot holding the ALT ("1/0" -> 0, "0/1" -> 1)


class Origin(NamedTuple):
    """The record a split or atomised record came from (``bcftools norm --old-rec-tag``)."""

    record: str  # CHR|POS|REF|ALT of the original record
    alts: FrozenSet[int]  # the original ALT indexes this record is part of (an atomised piece: 1+)
    n_alts: int  # number of ALTs of the original record

    @property
    def atomised(self) -> bool:
        """Some ALT of the original record is an MNP/complex allele (so its records are pieces)."""
        fields = self.record.split("|")
        return len(fields) > 3 and any(is_mnp_or_complex(fields[2], alt) for alt in fields[3].split(","))


def _field(call: Tuple[Any, ...], index: int) -> Any:
    """Field ``index`` of a CarriedCall or of a shorter plain tuple (None when absent)."""
    return call[index] if len(call) > index else None


def _origin_relation(a: Origin, b: Origin, slot_a: Optional[int], slot_b: Optional[int]) -> Optional[str]:
    """``"cis"``, ``"trans"`` or None (unknown) for two het calls from one original record.

    Different original ALTs (disjoint index sets): two haplotype alleles of the site, so in trans
    (the halves of a split ``1/2``). Sharing an ALT: pieces of one haplotype allele of a
    one-ALT record (an atomised MNP) are in cis. For a several-ALT record a sample with two
    different ALTs may carry pieces they share on either haplotype; ``bcftools norm --atomize``
    keeps each sample's GT in the original allele order, so the GT slot holding the ALT tells the
    haplotype (same slot: cis)."""
    if not a.alts & b.alts:
        return "trans"
    if a.n_alts == 1:
        return "cis"
    if slot_a is not None and slot_b is not None:
        return "cis" if slot_a == slot_b else "trans"
    return None


def phase_relation(a: Tuple[Any, ...], b: Tuple[Any, ...]) -> Optional[str]:
    """``"cis"`` (one haplotype), ``"trans"`` (the two haplotypes) or None (unknown) for two het
    calls (:class:`CarriedCall` or plain ``(variant_id, state, block, hap, ...)`` tuples):

    1. phased in one block: the haplotypes decide;
    2. split or atomised from one original record (OLD_REC): :func:`_origin_relation`;
    3. otherwise trans when one haplotype cannot carry both (:func:`_in_trans`), else unknown."""
    if a[2] is not None and a[2] == b[2]:
        return "cis" if a[3] == b[3] else "trans"
    origin_a, origin_b = _field(a, 6), _field(b, 6)
    if origin_a is not None and origin_b is not None and origin_a.record == origin_b.record:
        found = _origin_relation(origin_a, origin_b, _field(a, 7), _field(b, 7))
        if found is not None:
            return found
    return "trans" if _in_trans(a, b) else None


def _in_trans(a: Tuple[Any, ...], b: Tuple[Any, ...]) -> bool:
    """Two het calls that cannot be on one haplotype: alleles of one site (the same POS and
    REF), or changing a common reference base."""
    sites_a = a[4] if len(a) > 4 else frozenset()
    sites_b = b[4] if len(b) > 4 else frozenset()
    if sites_a & sites_b:
        return True
    span_a = a[5] if len(a) > 5 else None
    span_b = b[5] if len(b) > 5 else None
    if span_a is None or span_b is None or span_a[2] or span_b[2]:
        return False
    return span_a[0] <= span_b[1] and span_b[0] <= span_a[1]


def gene_status(carried: Sequence[Tuple[Any, ...]]) -> str:
    """Status of one sample in one gene from its assessable carried variants
    (:class:`CarriedCall`, or plain ``(variant_id, state, phase block, haplotype)`` tuples).

    ``hemizygous`` if any is a male's ALT call on chrX/chrY outside the PARs (his one copy
    carries it: the recessive model counts him like a biallelic carrier); ``biallelic_hom`` if any
    is hom_alt; ``compound_het`` when two hets are certainly in trans (:func:`phase_relation`:
    phased in one block on different haplotypes, two ALT alleles of one site - a ``1/2`` genotype
    split into ``1/0`` and ``0/1`` - or of overlapping changed bases); ``monoallelic`` for one het,
    or several hets all certainly in cis (phased in one block on the same haplotype, or atomised
    pieces of one FreeBayes haplotype allele); ``possible_compound_het`` otherwise (2+ hets, phase
    unknown); ``none`` without carried variants.
    """
    if not carried:
        return "none"
    if any(c[1] == _HEMI for c in carried):
        return "hemizygous"
    if any(c[1] == _HOM for c in carried):
        return "biallelic_hom"
    if len(carried) == 1:
        return "monoallelic"
    # hets joined into haplotype groups by the cis pairs; any trans pair makes a compound het
    group = list(range(len(carried)))

    def root(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    for i, a in enumerate(carried):
        for j in range(i + 1, len(carried)):
            relation = phase_relation(a, carried[j])
            if relation == "trans":
                return "compound_het"
            if relation == "cis":
                group[root(j)] = root(i)
    if len({root(i) for i in range(len(carried))}) == 1:
        return "monoallelic"
    return "possible_compound_het"


# ---------------------------------------------------------------------------------------------
# Output helpers
# ---------------------------------------------------------------------------------------------


def _na(value: Any) -> str:
    if value is None or value == "":
        return NA
    return str(value)


def _fmt_number(value: Optional[float]) -> str:
    if value is None:
        return NA
    if isinstance(value, float) and math.isnan(value):
        return NA
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _clean(value: str) -> str:
    """TSV-safe text: tabs and newlines become spaces."""
    if "\t" in value or "\n" in value or "\r" in value:
        return value.replace("\t", " ").replace("\r", " ").replace("\n", " ")
    return value


# variants.tsv columns transcript..impact of a record without a summary transcript, and
# whitelisted..whitelist_reason of a record not on the whitelist
_NO_TRANSCRIPT_COLUMNS = "\t".join([NA] * (VARIANT_COLUMNS.index("impact") - VARIANT_COLUMNS.index("transcript") + 1))
_NOT_WHITELISTED_COLUMNS = "\t".join(["no"] + [NA] * (VARIANT_COLUMNS.index("whitelist_reason")
                                                      - VARIANT_COLUMNS.index("whitelisted")))


def _whitelist_tail(factor: RiskFactor) -> str:
    """The variants.tsv columns from ``whitelisted`` on, for a whitelisted record outside the panel."""
    values = ["yes", _na(factor.rsid), _na(factor.hgvsp), _na(factor.evidence), _na(factor.reason)]
    n_counts = len(VARIANT_COLUMNS) - VARIANT_COLUMNS.index("whitelist_reason") - 1
    return "\t" + "\t".join(_clean(v) for v in values) + "\t" + "\t".join([NA] * n_counts)


class _Staging:
    """Write every output into a hidden folder inside ``outdir``; move them into place only when
    all are complete (a failure leaves no output that looks finished)."""

    def __init__(self, outdir: Path) -> None:
        self.outdir = outdir
        outdir.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix=".screen.", suffix=".partial", dir=outdir))

    def path(self, name: str) -> Path:
        return self.tmp / name

    def publish(self, names: Sequence[str]) -> None:
        for name in names:
            os.replace(self.tmp / name, self.outdir / name)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def discard(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


@dataclass
class _GeneAccumulator:
    gene: str
    n_kept: int = 0
    # sample index -> ids of the gene's kept and unconfirmed variants at which it is not assessable
    not_assessable: Dict[int, List[str]] = field(default_factory=dict)
    carried: Dict[int, List[CarriedCall]] = field(default_factory=dict)


@dataclass
class ScreenSummary:
    """Counts of one run (also written to screen_summary_mqc.tsv)."""

    records: int = 0
    records_without_alt: int = 0
    in_panel: int = 0
    kept: int = 0
    dropped: int = 0
    rescued: int = 0
    clinvar_rescued: int = 0
    unconfirmed: int = 0
    unconfirmed_not_annotated: int = 0  # of those, records without annotation for their ALT (impact unknown)
    unaligned_pieces: int = 0  # not_matchable: pieces of a complex allele atomised without an alignment
    traversal: str = "stream"
    skipped_by_index: Optional[int] = None
    reasons: Counter = field(default_factory=Counter)
    kept_per_gene: Counter = field(default_factory=Counter)
    af_status: Counter = field(default_factory=Counter)
    af_fields: Counter = field(default_factory=Counter)  # field that gave the AF compared -> records
    annotation: Counter = field(default_factory=Counter)  # how records' annotation was found
    unmatched_entries: int = 0  # CSQ/ANN entries of other ALT alleles
    # gene_coverage.tsv: sample x panel gene pairs; of those below --min-gene-callable (and of those in a gene
    # without gene_status.tsv rows), not measured, and with an exon below it
    sample_genes: int = 0
    low_coverage_genes: int = 0
    low_coverage_without_variant: int = 0
    not_measured_genes: int = 0
    low_exon_genes: int = 0
    shared_codons: int = 0  # codons changed by 2+ atomised pieces of one haplotype allele
    no_gq_records: int = 0  # panel records whose FORMAT has no GQ (--min-gq could not be applied)
    most_severe_basis: int = 0  # panel records judged by the most severe transcript (no MANE/canonical one)
    mane_basis: int = 0  # panel records judged by a MANE Select transcript
    canonical_basis: int = 0  # panel records judged by a canonical (not MANE) transcript
    no_hgvs: int = 0  # panel records judged by a transcript without HGVSc/HGVSp (VEP without --hgvs)
    rest_not_annotated: List[str] = field(default_factory=list)  # panel records the REST server gave no CSQ
    #: kept variants judged by a snpEff entry with a transcript-level ERROR/WARNING code: 'id (codes)'
    kept_flagged_entry: List[str] = field(default_factory=list)
    unknown_terms: Counter = field(default_factory=Counter)  # VEP consequence terms of no known SO term -> records
    #: panel records annotated only with other genes: (panel gene(s), the genes named instead) -> records
    other_gene_only: Counter = field(default_factory=Counter)
    low_quality_called: List[str] = field(default_factory=list)  # qualifying but for quality, with calls
    whitelist_entries: int = 0  # whitelist rows that could be screened (in the panel regions)
    whitelist_unseen: List[str] = field(default_factory=list)  # of those, rows no VCF record matched
    warnings: List[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Reading record lines
# ---------------------------------------------------------------------------------------------


class _LineStream:
    """Body lines of a plain or bgzipped VCF, with their 1-based line numbers.

    A bgzipped VCF is decompressed by ``bgzip -dc`` in a pipe when bgzip is on PATH (htslib's
    decompressor, running beside the Python loop), else by Python's gzip module.
    """

    def __init__(self, path: Path, threads: int) -> None:
        self.path = path
        self.proc: Optional[subprocess.Popen] = None
        gzipped = is_gzipped(path)
        bgzip = shutil.which("bgzip") if gzipped else None
        if bgzip:
            command = [bgzip, "-dc"] + (["-@", str(threads)] if threads > 1 else []) + [str(path)]
            self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=1 << 20)
            assert self.proc.stdout is not None
            self.handle = io.TextIOWrapper(self.proc.stdout, encoding="utf-8", errors="replace")
        elif gzipped:
            self.handle = gzip.open(path, "rt", encoding="utf-8", errors="replace")
        else:
            self.handle = open(path, "rt", encoding="utf-8", errors="replace")

    def __iter__(self) -> Iterator[Tuple[str, Optional[int]]]:
        number = 0
        for line in self.handle:
            number += 1
            if line.startswith("#"):
                continue
            yield line, number

    def finish(self) -> None:
        """Close; raise when the decompressor failed (truncated or corrupt file)."""
        if self.proc is None:
            self.handle.close()
            return
        self.handle.close()
        stderr = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
        code = self.proc.wait()
        if code != 0:
            raise UserInputError(self.path, None, "--vcf", f"the file could not be decompressed ({stderr.strip()[:200]})",
                                 "Check that the VCF is complete (bgzip -t) and re-create it if not.")

    def abort(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        with contextlib.suppress(Exception):
            self.handle.close()


def _plain_span(parts: Sequence[str]) -> bool:
    """Whether htslib's index span of a record (``line.split("\\t", 5)``) is its REF span: no
    INFO/END or SVLEN, no symbolic ALT. The index traversal decides these records itself."""
    return len(parts) < 6 or (bool(parts[3]) and "<" not in parts[4] and "END=" not in parts[5]
                              and "SVLEN=" not in parts[5])


def _info_map(text: str) -> Dict[str, Any]:
    if text in (".", ""):
        return {}
    out: Dict[str, Any] = {}
    for item in text.split(";"):
        key, sep, value = item.partition("=")
        out[key] = value if sep else True
    return out


@dataclass(frozen=True)
class _VcfHeader:
    text: str  # as htslib writes it (the kept VCF starts from it)
    samples: Tuple[str, ...]
    contigs: Tuple[Tuple[str, Optional[int]], ...]  # ##contig lines: (name, length or None)
    formats: FrozenSet[str]


def _refuse_bad_sample_columns(vcf: Path) -> None:
    """Stop with the ``#CHROM`` line when it names a sample twice or has a FORMAT column and no
    sample (which htslib refuses with a message about the file only). Nothing is said when the
    header cannot be read as text either."""
    try:
        text, n_lines = read_header_text(vcf)
    except (OSError, UnicodeDecodeError, EOFError):
        return
    columns = text.splitlines()[-1].split("\t") if text else []
    if not columns or not columns[0].startswith("#CHROM"):
        return
    if len(columns) == 9:
        raise UserInputError(vcf, n_lines, "samples", "the #CHROM line has a FORMAT column but no sample columns",
                             "Screen the joint multi-sample VCF from the CALL step.")
    first: Dict[str, int] = {}
    for number, name in enumerate(columns[9:], start=10):
        if name in first:
            raise UserInputError(vcf, n_lines, "samples", f"sample '{name}' has two columns ({first[name]} and "
                                 f"{number})", "Give every sample one column (rename one with `bcftools reheader "
                                 "--samples`, or merge the files with `bcftools merge --force-samples`).")
        first[name] = number


def _read_header(vcf: Path) -> _VcfHeader:
    """The VCF header as htslib reads it. The file is opened by descriptor, so htslib does not load
    the index (the index traversal opens it once, for the queries)."""
    import pysam

    fd = os.open(vcf, os.O_RDONLY)
    try:
        # pysam duplicates the descriptor. A truncated body is reported by the traversal, as for any
        # VCF, so pysam's warning about a missing end-of-file marker is not shown here.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            verbosity = pysam.set_verbosity(0)  # htslib's header lint (e.g. a Float GQ) is not our message
            try:
                reader = pysam.VariantFile(fd, ignore_truncation=True)
            finally:
                pysam.set_verbosity(verbosity)
    except Exception as err:  # noqa: BLE001 - pysam raises ValueError/OSError for a bad header
        _refuse_bad_sample_columns(vcf)  # htslib's message names neither the sample nor the line
        raise UserInputError(vcf, None, "--vcf", f"cannot be read as a VCF ({err})",
                             "Give a complete VCF or bgzipped VCF (.vcf.gz); check a .gz with `bgzip -t`.") from None
    finally:
        os.close(fd)
    try:
        header = reader.header
        return _VcfHeader(str(header), tuple(header.samples),
                          tuple((contig.name, contig.length) for contig in header.contigs.values()),
                          frozenset(header.formats.keys()))
    finally:
        reader.close()


# ---------------------------------------------------------------------------------------------
# The screen
# ---------------------------------------------------------------------------------------------

def _first(items: Sequence[str], n: int) -> str:
    """The first ``n`` items, comma-separated, with ``, ...`` when there are more (warning examples)."""
    return ", ".join(items[:n]) + (", ..." if len(items) > n else "")


#: VEP options that keep only some consequences of a variant (one per variant, allele or gene)
_VEP_PICK_OPTIONS = frozenset({"pick", "pick_allele", "per_gene", "pick_allele_gene"})


class _Screen:
    def __init__(self, vcf: Path, regions_path: Path, risk_factors_path: Path, samplesheet: Path,
                 outdir: Path, config: ScreenConfig, mane_transcripts: Optional[PathLike],
                 fasta: Optional[PathLike] = None, sex_table: Optional[PathLike] = None,
                 gnomad_not_covered: Iterable[str] = (), gnomad_file: Optional[str] = None,
                 gene_coverage: Optional[Sequence[PathLike]] = None) -> None:
        self.config = config.validate()
        # chromosomes the gnomAD file has no record on (frequency_check.json): no frequency there is not 'novel',
        # unless the annotation carries its own gnomAD (self.annotation_gnomad, from the header below)
        self.gnomad_not_covered = frozenset(gnomad_not_covered)
        self.vcf_path = vcf
        self.warnings: List[str] = []
        if not vcf.is_file():
            raise UserInputError(vcf, None, "--vcf", "VCF file not found", "Check the path.")
        self.regions = load_panel_regions(regions_path)
        self.panel_chroms = set(self.regions.chroms)
        self.samplesheet_path = samplesheet
        self.samples = read_sample_groups(samplesheet, "--samplesheet", lanes=True)
        mane = read_mane_transcripts(mane_transcripts) if mane_transcripts else None
        header = _read_header(vcf)
        self.raw_header = header.text
        self.layout = layout_from_header(header.text, mane_transcripts=mane, path=vcf,
                                         header_lines=count_header_lines(vcf), af_fields=config.af_fields)
        # gnomAD fields the annotator looked up in its own gnomAD (VEP cache, REST), per file: an empty one is novel
        self.annotation_gnomad = annotation_gnomad_fields(self.layout, gnomad_file) if self.gnomad_not_covered else ()
        for label in self.layout.missing_af_fields:
            self._warn(f"WARNING {vcf}: --af-fields: {label} is not declared in the VCF header; it gives no frequency.")
        for label in self.layout.unread_frequency_fields:
            if label == "INFO/AF":
                continue  # the caller's cohort AF (FreeBayes, GATK): never a population frequency
            self._warn(f"WARNING {vcf}: {label} looks like an allele frequency but is not read (not among "
                       f"--af-fields); list it there if it is a population frequency the filters should use.")
        if not self.layout.frequency_sources:
            self._warn(f"WARNING {vcf}: no population-frequency field of --af-fields is in the VCF header: every "
                       "variant is judged novel (no frequency filter applies). Annotate gnomAD frequencies first.")
        left_out = vep_frequency_fields_missing(self.layout.vep_options, self.layout.fields) \
            if self.layout.kind == "vep" else ()
        if left_out:
            asked = ", ".join(f"--{option} ({column})" for option, column in left_out)
            self._warn(f"WARNING {vcf}: VEP was run with {asked} (##VEP-command-line) but its "
                       f"INFO/{self.layout.info_tag} has no such column: --fields left them out, so no record is judged "
                       "by those frequencies (variants.tsv af_field names the field each one was judged by). Re-run VEP "
                       "with those columns in --fields, or without --fields.")
        self._warn_transcript_choice(vcf, mane)
        self.mane_listed = bool(mane)
        self.formats = header.formats
        if "GT" not in self.formats:
            raise UserInputError(vcf, None, "FORMAT", "the VCF header declares no FORMAT/GT, so no sample's genotype "
                                 "can be read", "Screen the joint VCF with genotypes from the CALL step "
                                 "(FORMAT/GT, FORMAT/DP, FORMAT/GQ).")
        self.vcf_contigs: List[str] = [name for name, _ in header.contigs]
        self.vcf_contig_lengths: List[int] = [length or 0 for _, length in header.contigs]
        self.vcf_samples = list(header.samples)
        if config.min_dp > 0 and not ({"DP", "AD"} & self.formats):
            raise UserInputError(vcf, None, "FORMAT", "the VCF declares neither FORMAT/DP nor FORMAT/AD, so no "
                                 "genotype's depth can be judged",
                                 "Call with a caller that writes FORMAT/DP (FreeBayes, GATK), or pass --min-dp 0.")
        self._check_samples()
        self.gene_coverage = self._load_gene_coverage(gene_coverage)
        # (sample, gene) -> status and coverage reason of its gene_status.tsv row (filled by _write_genes)
        self.gene_statuses: Dict[Tuple[str, str], Tuple[str, Optional[str]]] = {}
        self.groups = [self.samples[s].group for s in self.vcf_samples]
        self.sexes = self._load_sexes(sex_table)
        self._sex_warned = sex_table is not None
        # ClinVar evidence is in INFO/CLINVAR_* when the annotation step matched a ClinVar file
        self.clinvar_annotated = f"##{clinvar.HEADER_KEY}=" in self.raw_header
        if config.keep_clinvar_pathogenic and not self.clinvar_annotated:
            raise UserInputError(vcf, None, "--keep-clinvar-pathogenic",
                                 "the VCF carries no ClinVar annotation (no ##hlhscreen_clinvar header line), so no "
                                 "variant could be kept for its ClinVar classification",
                                 "Annotate with ClinVar first (the pipeline's --clinvar_vcf; bin/clinvar_annotate.py).")
        self.sample_prefixes = [f"{s}\t{g}\t" for s, g in zip(self.vcf_samples, self.groups)]
        self.contigs = resolve_contigs(self.vcf_contigs, self.regions.chroms,
                                       harmonise=config.harmonise_contigs, vcf_path=vcf)
        self.to_panel: Dict[str, str] = dict(self.contigs.vcf_to_panel)
        self.whitelist = self._load_whitelist(risk_factors_path, fasta)
        # each row by its allele trimmed of the bases REF and ALT share (vcf_text.minimal_allele): a record written
        # with other padding (a split without -f: CGC>CAC for G>A) is the row's variant, as for the duplicate check
        self.whitelist_trimmed: Dict[Tuple[str, int, str, str], Tuple[str, int, str, str]] = {
            (key[0], *minimal_allele(*key[1:])): key for key in self.whitelist}
        self.cross_check = WhitelistCrossCheck(risk_factors_path, self.whitelist, str(vcf))
        self.genotypes = GenotypeParser(config.min_dp, config.min_gq, vcf)
        self.outdir = outdir
        self.summary = ScreenSummary(traversal=config.traversal)
        # (original record, ALT index, transcript, codon) -> pieces changing that codon (see _note_codon)
        self.codons: Dict[Tuple[str, int, str, int], List[str]] = {}
        # merged panel intervals per panel contig: (0-based starts, ends), for the hot-path check
        merged: Dict[str, Tuple[List[int], List[int]]] = {}
        for region in self.regions:
            starts, ends = merged.setdefault(region.chrom, ([], []))
            starts.append(region.start)
            ends.append(region.end)
        self.merged: Dict[str, Tuple[List[int], List[int]]] = {}
        for chrom, (starts, ends) in merged.items():
            spans: List[Tuple[int, int]] = []
            for start, end in sorted(zip(starts, ends)):
                if spans and start <= spans[-1][1]:
                    spans[-1] = (spans[-1][0], max(spans[-1][1], end))
                else:
                    spans.append((start, end))
            self.merged[chrom] = ([s for s, _ in spans], [e for _, e in spans])

    # -- input checks ---------------------------------------------------------------------

    def _warn_transcript_choice(self, vcf: Path, mane: Optional[FrozenSet[str]]) -> None:
        """Say in the run log when the annotation cannot give the transcript the rule prefers: no MANE
        Select or canonical flag (VEP without --mane/--canonical, snpEff) and no --mane-transcripts list,
        so every variant is judged by its gene's most severe transcript; or VEP kept only some
        consequences (--pick and kin), so a variant whose kept one is an overlapping gene's is lost."""
        layout = self.layout
        if not layout.transcript_flags and not mane:
            what = ("its CSQ has no MANE_SELECT, MANE or CANONICAL field (VEP run without --mane and --canonical)"
                    if layout.kind == "vep" else "snpEff flags no MANE Select or canonical transcript")
            self._warn(f"WARNING {vcf}: {what} and no --mane-transcripts list was given: every variant is judged by "
                       "the most severe transcript of its gene, whichever it is (variants.tsv summary_basis "
                       "most_severe), not by the MANE Select transcript. Pass --mane-transcripts (the panel's "
                       "genes.tsv), or annotate with VEP --mane --canonical.")
        picked = sorted(layout.vep_options & _VEP_PICK_OPTIONS)
        if picked:
            self._warn(f"WARNING {vcf}: VEP was run with {', '.join('--' + o for o in picked)} "
                       "(##VEP-command-line): it kept one consequence per variant (or per gene) and dropped the "
                       "others, so a panel variant whose kept consequence is an overlapping gene's (UNC13D and WBP2) "
                       "is dropped as no_panel_gene_annotation. Annotate without it (--flag_pick keeps every "
                       "consequence and marks the picked one).")

    def _check_samples(self) -> None:
        line = self.layout.header_lines or None
        if not self.vcf_samples:
            raise UserInputError(self.vcf_path, line, "samples", "the VCF has no sample columns",
                                 "Screen the joint multi-sample VCF from the CALL step.")
        seen = set()
        for sample in self.vcf_samples:
            if sample in seen:
                raise UserInputError(self.vcf_path, line, "samples", f"sample '{sample}' has two columns",
                                     "Give every sample one column.")
            seen.add(sample)
            if sample not in self.samples:
                raise UserInputError(self.vcf_path, line, "samples",
                                     f"VCF sample '{sample}' is not in the samplesheet {self.samplesheet_path}",
                                     "Use the samplesheet the VCF was made from, or add the sample to it.")
        for sample, info in self.samples.items():
            if sample not in seen:
                raise UserInputError(self.samplesheet_path, info.line, "sample",
                                     f"sample '{sample}' has no column in the VCF {self.vcf_path}",
                                     "Every samplesheet sample must be genotyped in the joint VCF; "
                                     "remove the sample or call it.")

    def _load_gene_coverage(self, paths: Optional[Sequence[PathLike]]) -> Optional[Dict[str, Dict[str, GeneCoverage]]]:
        """Per VCF sample, its genes' coverage at --min-dp (None: not given); every sample needs its file."""
        if paths is None:
            return None
        coverage = read_gene_coverage(paths, int(self.config.min_dp))
        missing = [s for s in self.vcf_samples if s not in coverage]
        if missing:
            raise UserInputError(paths[0] if paths else None, None, "--gene-coverage",
                                 f"no thresholds file for sample(s) {', '.join(missing)}",
                                 "Give every sample's <sample>.thresholds.bed.gz (mosdepth over the panel regions).")
        return coverage

    def _load_sexes(self, path: Optional[PathLike]) -> List[str]:
        """Each VCF sample's sex (``unknown`` for all without a table: calls on chrX/chrY outside the
        PARs are then not assessable)."""
        if path is None:
            return ["unknown"] * len(self.vcf_samples)
        table = sexlib.read_sex_table(path)
        missing = [s for s in self.vcf_samples if s not in table]
        if missing:
            raise UserInputError(path, None, "sample", f"no sex for sample(s) {', '.join(missing[:5])}",
                                 "Give the sex.tsv of the same run (SEX_CHECK).")
        return [table[s] for s in self.vcf_samples]

    def _warn(self, message: str) -> None:
        """A warning: printed on stderr now, and kept for the summary and the run log."""
        print(message, file=sys.stderr)
        self.warnings.append(message)

    def _load_whitelist(self, path: Path, fasta: Optional[PathLike]) -> Dict[Tuple[str, int, str, str], RiskFactor]:
        factors = validate_risk_factors(path, fasta=fasta, warn=self._warn)
        check_genes_in_panel(path, factors, self.regions)
        out: Dict[Tuple[str, int, str, str], RiskFactor] = {}
        self.whitelist_outside: Set[Tuple[str, int, str, str]] = set()  # rows outside the panel regions
        for factor in factors.values():
            place = place_in_panel(factor, self.regions)
            chrom = place.chrom
            if chrom is None:
                self._warn(f"WARNING {path}:{factor.line}: {factor.variant_id} is on a contig the panel does not "
                           "cover; it can never be screened.")
                continue
            if chrom != factor.chrom and not self.config.harmonise_contigs:
                raise UserInputError(path, factor.line, "chrom",
                                     f"the whitelist names contig {factor.chrom} but the panel calls it {chrom}",
                                     "Use the panel's contig names in the whitelist, or switch contig "
                                     "harmonisation on (--harmonise-contigs).")
            if not place.inside:
                self.whitelist_outside.add((chrom, factor.pos, factor.ref, factor.alt))
                self._warn(f"WARNING {path}:{factor.line}: {factor.variant_id} lies outside the panel regions; "
                           "it can never be kept.")
            out[(chrom, factor.pos, factor.ref, factor.alt)] = factor
        return out

    def _whitelist_key(self, chrom: str, pos: int, ref: str, alt: str) -> Tuple[str, int, str, str]:
        """The whitelist key of a record: its own, or the row's whose trimmed allele it is (``CGC>CAC`` at 630 for a
        row ``G>A`` at 631)."""
        key = (chrom, pos, ref, alt)
        if key in self.whitelist or (len(ref) == 1 and len(alt) == 1) or not self.whitelist:
            return key
        return self.whitelist_trimmed.get((chrom, *minimal_allele(pos, ref, alt)), key)

    def _panel_chrom(self, chrom: str, line: Optional[int]) -> str:
        """Panel name of a VCF contig (checked once per contig)."""
        mapped = self.to_panel.get(chrom)
        if mapped is not None:
            return mapped
        if chrom in self.panel_chroms:
            mapped = chrom
        else:
            alias = next((a for a in contig_aliases(chrom) if a in self.panel_chroms), None)
            if alias is not None and not self.config.harmonise_contigs:
                raise UserInputError(
                    self.vcf_path, line, "CHROM",
                    f"the VCF and the panel name contigs differently: VCF has {chrom} (panel: {alias})",
                    f"Rename the VCF's contigs to the panel's names (`printf '{chrom}\\t{alias}\\n' > rename_chrs.txt "
                    "&& bcftools annotate --rename-chrs rename_chrs.txt input.vcf.gz -Oz -o renamed.vcf.gz`), or "
                    "switch contig harmonisation on (--harmonise-contigs).")
            mapped = alias if alias is not None else chrom
        self.to_panel[chrom] = mapped
        return mapped

    # -- traversal --------------------------------------------------------------------------

    def _index_path(self) -> Optional[Path]:
        for ext in (".tbi", ".csi"):
            candidate = Path(str(self.vcf_path) + ext)
            if candidate.is_file():
                return candidate
        return None

    def _choose_traversal(self) -> str:
        wanted = self.config.traversal
        if wanted == "stream":
            return "stream"
        indexed = self._index_path() is not None
        if wanted == "index":
            if not indexed:
                raise UserInputError(self.vcf_path, None, "--traversal",
                                     "index traversal needs a tabix (.tbi) or CSI (.csi) index next to the VCF",
                                     "Index it with `tabix -p vcf` (bgzipped VCF), or use --traversal stream.")
            return "index"
        genome = sum(v for v in self.vcf_contig_lengths if v and v > 0)
        if not indexed or genome <= 0:
            return "stream"
        return "index" if self.regions.total_bp() <= AUTO_INDEX_MAX_FRACTION * genome else "stream"

    def _indexed_lines(self, tabix: Any) -> Iterator[Tuple[str, Optional[int]]]:
        """Lines overlapping the merged panel intervals, each once, in file order: the records an
        index query per interval returns.

        Intervals less than ``INDEX_QUERY_GAP`` apart are read with one query (a query costs about
        as much as reading a hundred records) and the records between them are skipped here, by
        their REF span. Where htslib's span can be longer (INFO/END, SVLEN, a symbolic ALT), the
        query's intervals are asked one by one, as htslib decides which records they overlap."""
        available = set(tabix.contigs)
        order = {c: i for i, c in enumerate(self.vcf_contigs)}
        contigs = []
        for panel_chrom, (starts, ends) in self.merged.items():
            vcf_chrom = self.contigs.to_vcf(panel_chrom)
            if vcf_chrom not in available:
                alias = next((a for a in contig_aliases(panel_chrom) if a in available), None)
                if alias is None:
                    continue
                vcf_chrom = alias  # naming is checked on the first record read
            contigs.append((order.get(vcf_chrom, len(order)), vcf_chrom, starts, ends))
        contigs.sort()
        bisect_right = bisect.bisect_right
        for _, vcf_chrom, starts, ends in contigs:
            first = 0
            previous_end = 0  # end of the previous query's last interval
            while first < len(starts):
                last = first
                while last + 1 < len(starts) and starts[last + 1] - ends[last] < INDEX_QUERY_GAP:
                    last += 1
                long_spans: Optional[FrozenSet[str]] = None
                for line in tabix.fetch(vcf_chrom, starts[first], ends[last]):
                    parts = line.split("\t", 5)
                    if len(parts) < 6:
                        yield line, None  # not a VCF record: the record loop says what is wrong
                        continue
                    beg = int(parts[1]) - 1  # 0-based, as the index
                    if beg < previous_end:
                        continue  # it also overlaps the previous query's last interval: read there
                    if _plain_span(parts):
                        at = bisect_right(ends, beg, first, last + 1)  # first interval ending after beg
                        if at <= last and starts[at] < beg + len(parts[3]):
                            yield line, None
                        continue
                    if long_spans is None:  # (a second iterator needs its own file handle)
                        long_spans = frozenset(
                            candidate for i in range(first, last + 1)
                            for candidate in tabix.fetch(vcf_chrom, starts[i], ends[i], multiple_iterators=True)
                            if not _plain_span(candidate.split("\t", 5)))
                    if line in long_spans:
                        yield line, None
                previous_end = ends[last]
                first = last + 1

    def _indexed_total(self) -> Optional[int]:
        """Records in the whole VCF according to its index (None without an index or counts)."""
        if self._index_path() is None:
            return None
        import pysam.bcftools
        import pysam.utils

        try:  # htslib's own count, in-process
            text = pysam.bcftools.index("--nrecords", str(self.vcf_path))
        except pysam.utils.SamtoolsError:
            return None
        try:
            total = int(text.strip())
        except ValueError:
            return None
        return total if total >= 0 else None

    # -- main loop ----------------------------------------------------------------------------

    def run(self) -> ScreenSummary:
        traversal = self._choose_traversal()
        self.summary.traversal = traversal
        staging = _Staging(self.outdir)
        try:
            self._run(staging, traversal)
            staging.publish((VARIANTS_TSV, CARRIERS_TSV, GENE_STATUS_TSV, GENE_COVERAGE_TSV, KEPT_VCF, KEPT_TBI,
                             SUMMARY_MQC))
        except BaseException:
            staging.discard()
            raise
        return self.summary

    def _kept_header(self) -> str:
        lines = self.raw_header.rstrip("\n").split("\n")
        added = [
            '##INFO=<ID=HLH_GENE,Number=1,Type=String,Description="hlhscreen SCREEN: gene the variant was judged in">',
            '##INFO=<ID=HLH_REASONS,Number=.,Type=String,Description="hlhscreen SCREEN: why the variant was kept, '
            '|-separated (docs/screening.md)">',
            '##INFO=<ID=HLH_RISK_FACTOR,Number=0,Type=Flag,Description="hlhscreen SCREEN: on the risk-factor '
            'whitelist (evidence and citation in variants.tsv)">',
            f"##hlhscreen_screen_version={__version__}",
            f"##hlhscreen_screen_settings={self.config.describe()}",
        ]
        existing = {l.split(",", 1)[0] for l in lines if l.startswith("##INFO=<ID=HLH_")}
        added = [a for a in added if a.split(",", 1)[0] not in existing and not a.startswith("##hlhscreen")] + \
                [a for a in added if a.startswith("##hlhscreen")]
        lines = [l for l in lines if not l.startswith("##hlhscreen_screen_")]
        return "\n".join(lines[:-1] + added + lines[-1:]) + "\n"

    def _run(self, staging: _Staging, traversal: str) -> None:
        import pysam

        config = self.config
        summary = self.summary
        kept_path = staging.path(KEPT_VCF)
        kept_out = pysam.BGZFile(str(kept_path), "wb")
        variants_out = open(staging.path(VARIANTS_TSV), "w")
        carriers_out = open(staging.path(CARRIERS_TSV), "w")
        genes_out = open(staging.path(GENE_STATUS_TSV), "w")
        stream: Optional[_LineStream] = None
        tabix = None
        try:
            kept_out.write(self._kept_header().encode())
            variants_out.write("\t".join(VARIANT_COLUMNS) + "\n")
            carriers_out.write("\t".join(CARRIER_COLUMNS) + "\n")
            genes_out.write("\t".join(GENE_STATUS_COLUMNS) + "\n")
            if traversal == "index":
                tabix = pysam.TabixFile(str(self.vcf_path), index=str(self._index_path()))
                lines: Iterable[Tuple[str, Optional[int]]] = self._indexed_lines(tabix)
            else:
                stream = _LineStream(self.vcf_path, config.threads)
                lines = stream
            self._loop(lines, variants_out, kept_out, carriers_out, genes_out)
            if stream is not None:
                stream.finish()
                stream = None
        finally:
            if stream is not None:
                stream.abort()
            if tabix is not None:
                tabix.close()
            kept_out.close()
            variants_out.close()
            carriers_out.close()
            genes_out.close()
        indexed_total = self._indexed_total() if traversal == "index" else None
        if indexed_total is not None:
            summary.skipped_by_index = max(0, indexed_total - summary.records - summary.records_without_alt)
        pysam.tabix_index(str(kept_path), preset="vcf", force=True)
        self._write_coverage_table(staging.path(GENE_COVERAGE_TSV))
        self._write_summary(staging.path(SUMMARY_MQC))

    def _loop(self, lines: Iterable[Tuple[str, Optional[int]]], variants_out: Any, kept_out: Any,
              carriers_out: Any, genes_out: Any) -> None:
        """The record loop. Records outside the panel are decided from CHROM..FILTER alone."""
        config = self.config
        summary = self.summary
        write_variant = variants_out.write
        # Outside-panel rows are assembled from constant pieces (the hot path of a large VCF).
        mid_na = "\t" + "\t".join([NA] * (VARIANT_COLUMNS.index("qual") - VARIANT_COLUMNS.index("alt") - 1))
        tail_plain = "\tno\t" + "\t".join([NA] * (len(VARIANT_COLUMNS) - VARIANT_COLUMNS.index("whitelisted") - 1))
        whitelist = self.whitelist
        evaluate_all = config.evaluate_outside_panel
        min_qual = config.min_qual
        reasons_counter = summary.reasons
        bisect_left = bisect.bisect_left
        # Gene accumulators live to the end: a gene's rows need all its kept variants. Their size is
        # bounded by the genes with kept variants x samples plus the carried kept calls, not by the
        # number of records.
        accumulators: Dict[str, _GeneAccumulator] = {}
        current_chrom: Optional[str] = None
        panel_chrom = ""
        m_starts: List[int] = []
        m_ends: List[int] = []
        last_pos = 0
        # records at last_pos: _ONE while there is one (prev_key, prev_seen), then allele -> (line, REF, ALT);
        # an allele is (POS, REF, ALT) trimmed of the bases REF and ALT share (vcf_text.minimal_allele)
        at_pos: Any = None
        prev_key: Tuple[int, str, str] = (0, "", "")
        prev_seen: Tuple[int, str, str] = (0, "", "")
        # alleles whose trimmed POS lies ahead of their record's (GC>GA at 99 is C>A at 100): checked
        # against the records at that later POS
        ahead: Dict[Tuple[int, str, str], Tuple[int, str, str]] = {}
        seen_chroms = set()
        n_records = 0
        n_dropped_outside = 0
        n_low_quality_outside = 0
        try:
            for line, number in lines:
                parts = line.split("\t", 8)
                if len(parts) < 8:
                    if not line.strip():
                        continue
                    raise UserInputError(self.vcf_path, number, "columns",
                                         f"a record has {len(parts)} tab-separated columns, a VCF record needs at least 8",
                                         "Check that the file is a complete, tab-separated VCF.")
                chrom = parts[0]
                try:
                    pos = int(parts[1])
                except ValueError:
                    raise UserInputError(self.vcf_path, number, "POS", f"{parts[1]!r} is not a position",
                                         "POS must be a whole number.") from None
                if chrom != current_chrom:
                    if chrom in seen_chroms:
                        raise UserInputError(self.vcf_path, number, "CHROM",
                                             f"contig {chrom} appears again after other contigs: the VCF is not sorted",
                                             "Sort it: `bcftools sort input.vcf.gz -Oz -o sorted.vcf.gz`.")
                    seen_chroms.add(chrom)
                    current_chrom = chrom
                    panel_chrom = self._panel_chrom(chrom, number)
                    m_starts, m_ends = self.merged.get(panel_chrom, ([], []))
                    last_pos = 0
                    ahead = {}
                elif pos < last_pos:
                    raise UserInputError(self.vcf_path, number, "POS",
                                         f"{chrom}:{pos} comes after {chrom}:{last_pos}: the VCF is not sorted",
                                         "Sort it: `bcftools sort input.vcf.gz -Oz -o sorted.vcf.gz`.")
                if pos != last_pos:
                    at_pos = None
                    if ahead:
                        ahead = {k: v for k, v in ahead.items() if k[0] >= pos}
                last_pos = pos
                alt = parts[4]
                if "," in alt:
                    require_biallelic(self.vcf_path, number, chrom, pos, alt.split(","))
                if alt in (".", ""):
                    summary.records_without_alt += 1
                    continue
                ref = parts[3]
                # the same variant twice (overlapping calling chunks, a merge, one caller's MNP
                # padding: CT>AT for C>A) would count each carrier twice and make one het look like
                # two. Records of one position are adjacent (sorted VCF); a dict is made only when a
                # position has several.
                key = (pos, ref, alt) if len(ref) == 1 or len(alt) == 1 else minimal_allele(pos, ref, alt)
                seen = (number if number is not None else -1, ref, alt)
                if ahead and key in ahead:
                    self._refuse_duplicate(chrom, pos, ref, alt, number, ahead[key])
                if key[0] != pos:
                    ahead[key] = seen
                if at_pos is not None:
                    if at_pos is _ONE:
                        at_pos = {prev_key: prev_seen}
                    if key in at_pos:
                        self._refuse_duplicate(chrom, pos, ref, alt, number, at_pos[key])
                    at_pos[key] = seen
                else:
                    at_pos = _ONE
                    prev_key, prev_seen = key, seen
                if len(ref) == 1 and len(alt) == 1:
                    idx = bisect_left(m_starts, pos) - 1
                    in_panel = idx >= 0 and m_ends[idx] >= pos
                else:  # the bases it changes, not a deletion's padding base (docs/screening.md)
                    first, last, junction = variant_span(pos, ref, alt, parts[7])
                    in_panel = _span_in_merged(m_starts, m_ends, first, last, junction)
                n_records += 1
                qual_text = parts[5]
                filt = parts[6]
                filter_ok = filt == "PASS" or filt == "."
                if qual_text == ".":
                    quality_ok = filter_ok
                else:
                    try:
                        qual = float(qual_text)
                    except ValueError:
                        raise UserInputError(self.vcf_path, number, "QUAL", f"{qual_text!r} is not a number",
                                             "QUAL must be a number or '.'.") from None
                    quality_ok = filter_ok and qual >= min_qual
                if not in_panel and not evaluate_all:
                    n_dropped_outside += 1
                    if quality_ok:
                        reasons = "outside_panel"
                    else:
                        reasons = "outside_panel;low_quality"
                        n_low_quality_outside += 1
                    factor = whitelist.get(self._whitelist_key(panel_chrom, pos, ref, alt)) if whitelist else None
                    tail = tail_plain if factor is None else _whitelist_tail(factor)
                    write_variant(
                        f"{panel_chrom}:{pos}:{ref}:{alt}\t{panel_chrom}\t{pos}\t{ref}\t{alt}{mid_na}\t"
                        f"{NA if qual_text == '.' else qual_text}\t{filt}\t{DROPPED}\t{reasons}\t{NA}{tail}\n"
                    )
                    continue
                self._full_record(parts, number, panel_chrom, pos, ref, alt, in_panel, quality_ok,
                                  write_variant, kept_out, carriers_out, accumulators)
            self.cross_check.finish()
            # rows outside the panel were warned at the start; their records are not screened
            summary.whitelist_entries = len(self.whitelist) - len(self.whitelist_outside)
            summary.whitelist_unseen = [f"{f.variant_id} ({' '.join(v for v in (f.gene, f.hgvsp) if v and v != NA)}, "
                                        f"line {f.line})" for f in self.cross_check.unseen(self.whitelist_outside)]
            self._write_genes(accumulators, genes_out)
        finally:
            summary.records += n_records
            summary.dropped += n_dropped_outside
            reasons_counter["outside_panel"] += n_dropped_outside
            reasons_counter["low_quality"] += n_low_quality_outside

    def _refuse_duplicate(self, chrom: str, pos: int, ref: str, alt: str, line: Optional[int],
                          first: Tuple[int, str, str]) -> None:
        """Stop on a record whose allele an earlier record (``first``: its line, REF, ALT) already has."""
        first_line, first_ref, first_alt = first
        where = f" (first on line {first_line})" if first_line > 0 else ""
        if (first_ref, first_alt) == (ref, alt):
            raise UserInputError(
                self.vcf_path, line, "POS", f"{chrom}:{pos} {ref}>{alt} appears twice{where}",
                "Remove duplicate records after normalising: `bcftools norm -d exact input.vcf.gz -Oz "
                "-o dedup.vcf.gz` (keeps the first of each), then check why the caller wrote it twice.")
        raise UserInputError(
            self.vcf_path, line, "REF/ALT", f"{chrom}:{pos} {ref}>{alt} is the variant of an earlier record{where}, "
            f"{first_ref}>{first_alt}, written with other bases that REF and ALT share: the same variant twice",
            "Normalise and remove duplicates: `bcftools norm -f reference.fa -m -any input.vcf.gz | "
            "bcftools norm -d exact -Oz -o dedup.vcf.gz`.")

    def _full_record(self, parts: List[str], line: Optional[int], panel_chrom: str, pos: int, ref: str, alt: str,
                     in_panel: bool, quality_ok: bool, write_variant: Any, kept_out: Any, carriers_out: Any,
                     accumulators: Dict[str, _GeneAccumulator]) -> None:
        config = self.config
        summary = self.summary
        chrom = parts[0]
        rest = parts[8].rstrip("\r\n") if len(parts) > 8 else ""
        info_text = parts[7].rstrip("\r\n") if len(parts) == 8 else parts[7]
        info = _info_map(info_text)
        record = parse_annotation(self.layout, chrom=chrom, pos=pos, ref=ref, alts=[alt], vcf_id=parts[2],
                                  annotation=info.get(self.layout.info_tag), info=info.get, line=line)
        assert record is not None  # ALT is known to be present
        variant_id = f"{panel_chrom}:{pos}:{ref}:{alt}"
        if in_panel:
            self._refuse_lower_case(ref, alt, variant_id, line)
            self._refuse_untrusted_annotation(record, variant_id, line)
        columns = rest.split("\t") if rest else []
        fmt = columns[0] if columns else ""
        sample_columns = columns[1:]
        if len(sample_columns) != len(self.vcf_samples):
            raise UserInputError(self.vcf_path, line, "samples",
                                 f"{variant_id}: {len(sample_columns)} sample columns but the header names "
                                 f"{len(self.vcf_samples)}", "Check that the file is a complete VCF.")
        calls, counts = self.genotypes.calls(fmt, sample_columns, line, variant_id)
        if in_panel and config.min_gq > 0 and "GQ" not in fmt.split(":"):
            summary.no_gq_records += 1  # bcftools call without -a FORMAT/GQ, FreeBayes without -=
        n_hemi = 0
        if needs_ploidy_check(calls, panel_chrom, pos):
            # one copy in males, or a haploid/polyploid call: the calls are read with each sample's
            # copies of the site (apply_ploidy)
            if (not self._sex_warned and sexlib.is_haploid_in_males(panel_chrom, pos)
                    and all(sex == "unknown" for sex in self.sexes)):
                self._sex_warned = True
                self._warn(f"WARNING {self.vcf_path}: {variant_id} is on chrX/chrY outside the pseudo-autosomal "
                           "regions and no sample's sex is known (--sex): every call there is not_assessable "
                           "(sex_unknown).")
            calls = apply_ploidy(calls, self.sexes, panel_chrom, pos)
            states = [call.state for call in calls]
            counts = [states.count(_REF), states.count(_HET), states.count(_HOM), states.count(_NA_STATE)]
            n_hemi = states.count(_HEMI)
        span = variant_span(pos, ref, alt, info_text)
        if in_panel:
            summary.in_panel += 1
        # annotation: counted for every record read, so the summary says what was lost
        if record.n_entries == 0:
            summary.annotation["no CSQ/ANN entry"] += 1
        elif record.unmatched_reason == ALLELE_AMBIGUOUS:
            summary.annotation[_AMBIGUOUS_ROW] += 1
        elif not record.annotated:
            summary.annotation["CSQ/ANN entries, none for the record's ALT (annotation lost)"] += 1
        elif record.matched_by in ("allele_num", "old_rec"):
            summary.annotation["entries matched by ALLELE_NUM (split after annotation)"] += 1
        summary.unmatched_entries += record.n_unmatched_entries
        panel_genes = self.regions.genes_in(panel_chrom, span[0], span[1]) if in_panel else []
        gene, transcript, basis = choose_transcript(record, panel_genes, in_panel=in_panel)
        if in_panel and not record.annotated and REST_NOT_ANNOTATED_TAG in info:
            summary.rest_not_annotated.append(f"{variant_id} ({info[REST_NOT_ANNOTATED_TAG]})")
        if in_panel and transcript is None and record.annotated and panel_genes:
            summary.other_gene_only[("/".join(panel_genes), "/".join(record.genes) or "none")] += 1
        if in_panel and transcript is not None and self.layout.kind == "vep":
            summary.unknown_terms.update(t for t in transcript.consequences if not is_known_consequence(t))
        if in_panel and transcript is not None:
            summary.most_severe_basis += basis == "most_severe"
            summary.mane_basis += basis == "mane_select"
            summary.canonical_basis += basis == "canonical"
            summary.no_hgvs += lacks_hgvs(transcript)
        frequency = record.gnomad
        af_used, af_field = af_for_decision(config, frequency)
        # no frequency for an MNP/complex allele is not evidence of rarity: gnomAD lists its SNVs and
        # indels separately (the pipeline atomises; a VCF annotated elsewhere may not be). Nor for a
        # piece of a complex allele the norm step had to atomise without an alignment (decompose.py):
        # it may be a fragment of an indel no database lists that way.
        unaligned_piece = af_used is None and UNALIGNED_TAG in info and not is_mnp_or_complex(ref, alt)
        not_matchable = af_used is None and (unaligned_piece or is_mnp_or_complex(ref, alt))
        if unaligned_piece:
            summary.unaligned_pieces += 1
        unlooked = (af_used is None and not not_matchable and not self.annotation_gnomad
                    and on_uncovered_chromosome(panel_chrom, self.gnomad_not_covered))
        af_status = ("observed" if af_used is not None else "not_matchable" if not_matchable
                     else "not_looked_up" if unlooked else "novel")
        if is_variant_allele(alt):
            summary.af_status[af_status] += 1
            summary.af_fields[af_field or f"none ({af_status})"] += 1
        else:  # a spanning deletion / reference block has no frequency of its own to judge
            af_status = NA
        whitelist_key = self._whitelist_key(panel_chrom, pos, ref, alt)
        factor = self.whitelist.get(whitelist_key)
        label = impact_label(config, transcript)
        n_ref, n_het, n_hom, n_na = counts
        evidence = clinvar.parse_info_fields(info) if self.clinvar_annotated else None
        clinvar_keep = config.keep_clinvar_pathogenic and clinvar.rescues(evidence, config.clinvar_min_stars)
        verdict = decide(config, in_panel=in_panel, quality_ok=quality_ok, af_used=af_used,
                         whitelisted=factor is not None, impact_label=label,
                         has_assessable_carrier=(n_het + n_hom + n_hemi) > 0,
                         annotated=record.annotated, panel_gene=transcript is not None or not in_panel,
                         af_not_matchable=not_matchable, clinvar_pathogenic=clinvar_keep,
                         variant_allele=is_variant_allele(alt), af_not_looked_up=unlooked)
        # above --common_af, a ClinVar risk factor, not on the whitelist: listed for the user to decide
        candidate = (in_panel and gene is not None and af_used is not None and af_used > config.common_af
                     and factor is None and evidence is not None and clinvar.is_risk_factor(evidence.clnsig))
        # An unconfirmed variant makes samples not assessable for its gene(s) instead of confirmed
        # non-carriers: a qualifying variant none of whose calls is trustworthy, or one at a site failing
        # QUAL/FILTER (its calls naming the ALT), or a record whose impact is unknown (not_annotated) that
        # fails no other rule (see unconfirmed_samples).
        # ... or one annotated only with other genes (no_panel_gene_annotation: VEP --pick left an
        # overlapping gene's consequence, the annotation names the gene otherwise): its impact on the
        # panel gene is unknown too
        impact_known = record.annotated and (transcript is not None or not in_panel)
        unconfirmed_genes = [gene] if impact_known else panel_genes
        unconfirmed_at = unconfirmed_samples(verdict.reasons, impact_known, calls) if unconfirmed_genes else []
        unconfirmed = bool(unconfirmed_at)
        if unconfirmed:
            summary.unconfirmed += 1
            if not record.annotated:
                summary.unconfirmed_not_annotated += 1
        if unconfirmed and _LOW_QUALITY in verdict.reasons:
            # not a finding (the caller or a filter failed the site), but its calls naming the ALT are not
            # non-carriers either: the run log and the summary say which sites
            summary.low_quality_called.append(variant_id)
        if verdict.decision == KEPT:
            summary.kept += 1
            summary.kept_per_gene[gene or NA] += 1
            if verdict.rescued:
                summary.rescued += 1
            if verdict.clinvar_rescued:
                summary.clinvar_rescued += 1
        else:
            summary.dropped += 1
            for reason in verdict.reasons:
                summary.reasons[reason] += 1
        qual_text = parts[5]
        flags = snpeff_entry_flags(record, transcript)
        if flags and verdict.decision == KEPT:
            summary.kept_flagged_entry.append(f"{variant_id} ({'&'.join(flags)})")
        if transcript is None:
            hgvsc = hgvsp = NA
            transcript_columns = _NO_TRANSCRIPT_COLUMNS
            name = variant_id
        else:
            hgvsc = _clean(_na(transcript.hgvsc))
            hgvsp = _clean(_na(transcript.hgvsp))
            transcript_columns = "\t".join((
                _na(transcript.transcript_id), "yes" if transcript.mane_select else "no", _na(basis), hgvsc, hgvsp,
                _na("&".join(transcript.consequences)), _na(transcript.impact)))
            name = _clean(variant_label(transcript.hgvsp, transcript.hgvsc, variant_id, transcript.consequences))
        self.cross_check.see(whitelist_key, record.rsids, gene,
                             protein_label(transcript.hgvsp) if transcript is not None else None, line,
                             record_id=variant_id)
        if factor is None:
            whitelist_columns = _NOT_WHITELISTED_COLUMNS
        else:
            whitelist_columns = "\t".join(("yes", _clean(_na(factor.rsid)), _clean(_na(factor.hgvsp)),
                                           _clean(_na(factor.evidence)), _clean(_na(factor.reason))))
        gnomad_af = _fmt_number(frequency.gnomad_af)
        if evidence is not None:
            clinvar_columns = "\t".join((_na(evidence.variation_id), _clean(clinvar.clnsig_column(evidence)),
                                         _clean(_na(evidence.review_status)), _fmt_number(evidence.stars),
                                         _clean(_na(evidence.disease))))
        elif self.clinvar_annotated:
            clinvar_columns = "\t".join((*self._clinvar_absence(info), NA, NA, NA))
        else:
            clinvar_columns = "\t".join([NA] * 5)
        # a record without annotation (or only another gene's) has no gene of its own: the panel gene(s)
        # whose interval it is in
        gene_text = _na(gene) if impact_known else _na(";".join(panel_genes))
        row = [
            variant_id, panel_chrom, str(pos), ref, alt, gene_text, transcript_columns, name,
            _annotation_match(record), _na(";".join(record.rsids)), _na(";".join(record.existing_ids)),
            gnomad_af, _na(frequency.source), _fmt_number(frequency.popmax_af),
            _na(frequency.popmax_population), af_status, _fmt_number(af_used), _na(af_field), clinvar_columns,
            NA if qual_text == "." else qual_text, parts[6], verdict.decision, ";".join(verdict.reasons),
            _na(verdict.rescued_by), whitelist_columns,
            str(n_het), str(n_hom), str(n_hemi), str(n_ref), str(n_na),
            ";".join([s for s, call in zip(self.vcf_samples, calls) if call.state == _NA_STATE]) or NA,
            "yes" if unconfirmed else "no", "yes" if candidate else "no",
            ";".join(self.vcf_samples[i] for i in unconfirmed_at) or NA,
            _na("&".join(flags)),
        ]
        write_variant("\t".join(row) + "\n")
        sites = _site_keys(panel_chrom, pos, ref)
        origin = _origin(self.layout, info.get)
        if origin is not None and in_panel and transcript is not None:
            self._note_codon(origin, transcript, variant_id)
        if unconfirmed:
            for unconfirmed_gene in unconfirmed_genes:
                self._accumulate_unconfirmed(accumulators, unconfirmed_gene, variant_id, unconfirmed_at)
        if verdict.decision != KEPT:
            return

        # kept: the VCF line with HLH_* INFO tags, the carriers rows, the gene accumulator
        tags = f"HLH_GENE={_info_safe(gene or '.')};HLH_REASONS={'|'.join(verdict.reasons)}"
        if factor is not None:
            tags += ";HLH_RISK_FACTOR"
        new_info = tags if info_text in (".", "") else f"{info_text};{tags}"
        kept_line = "\t".join(parts[:7] + [new_info] + ([rest] if rest else [])) + "\n"
        kept_out.write(kept_line.encode())

        gene_key = gene or NA
        self._accumulate(accumulators, gene, variant_id, calls, sites=sites, span=span, origin=origin)
        middle = f"{variant_id}\t{_clean(gene_key)}\t{hgvsc}\t{hgvsp}\t"
        # why the variant is in this table, on every row: a reader of carriers.tsv alone sees the
        # whitelist citation of a rescued risk factor
        evidence_text = _clean(factor.evidence) if verdict.rescued and factor is not None else NA
        if evidence is not None:
            clinvar_tail = (f"{_clean(clinvar.clnsig_column(evidence))}\t{_fmt_number(evidence.stars)}\t"
                            f"{_na(evidence.variation_id)}\t{_clean(_na(evidence.disease))}")
        else:
            varid, absence = self._clinvar_absence(info) if self.clinvar_annotated else (NA, NA)
            clinvar_tail = f"{absence}\t{NA}\t{varid}\t{NA}"
        suffix = f"\t{verdict.rescued_by or 'filters'}\t{evidence_text}\t{name}\t{clinvar_tail}\n"
        carriers_out.write("".join([prefix + middle + call.carrier_text[:-1] + suffix
                                    for prefix, call in zip(self.sample_prefixes, calls)]))

    def _refuse_lower_case(self, ref: str, alt: str, variant_id: str, line: Optional[int]) -> None:
        """Stop on a panel record with lower-case bases (a soft-masked reference copied into the VCF):
        the whitelist, the annotation's alleles and the duplicate check compare alleles as written, so
        `g>a` would miss the whitelist row and the annotation written `G>A`."""
        bases = ref + ("" if alt.startswith("<") or "[" in alt or "]" in alt else alt)
        if _LOWER_CASE_BASE.search(bases):
            raise UserInputError(self.vcf_path, line, "REF/ALT", f"{variant_id}: lower-case bases; the screen compares "
                                 "alleles with the whitelist, the annotation and gnomAD as written",
                                 "Write the bases in upper case, e.g. `bcftools view in.vcf.gz | awk 'BEGIN{OFS=\"\\t\"} "
                                 "/^#/{print; next} {$4=toupper($4); $5=toupper($5); print}'`, then annotate again.")

    def _refuse_untrusted_annotation(self, record: VariantRecord, variant_id: str, line: Optional[int]) -> None:
        """Stop on a panel record snpEff annotated against another genome than the VCF's: its
        consequences (a stop-gain computed from a base the sample's reference does not have, or an
        intergenic entry for a chromosome the database lacks) would decide silently and wrongly."""
        codes = snpeff_genome_mismatch(record)
        if codes:
            raise UserInputError(
                self.vcf_path, line, f"INFO/{self.layout.info_tag}",
                f"{variant_id}: snpEff flagged its annotation {'&'.join(codes)}: the snpEff database's genome is not "
                "the one the VCF was called on (another build or reference, or contigs named otherwise), so its "
                "consequences cannot be trusted",
                "Annotate with a snpEff database built from the reference the reads were aligned to, with the same "
                "contig names (the pipeline's SNPEFF_BUILD does; `snpEff -v <db>` lists the database's chromosomes).")
        if record.transcripts and not any(t.gene_symbol for t in record.transcripts):
            self._refuse_nameless_genes(record, variant_id, line)

    def _refuse_nameless_genes(self, record: VariantRecord, variant_id: str, line: Optional[int]) -> None:
        """Stop on a panel record none of whose own entries names a gene. VEP writes the SYMBOL column
        whatever its options but fills it only with --symbol, and --most_severe/--summary leave every
        transcript column empty: the record could not be placed in its panel gene and would be dropped as
        no_panel_gene_annotation (its carriers not assessable for the gene): every variant of such an annotation
        would be unconfirmed, so the run stops and names the fix instead."""
        tag = f"INFO/{self.layout.info_tag}"
        n = len(record.transcripts)
        if not any(t.transcript_id for t in record.transcripts):
            terms = sorted({term for t in record.transcripts for term in t.consequences}) or ["none"]
            raise UserInputError(
                self.vcf_path, line, tag,
                f"{variant_id}: none of its {n} entries names a transcript or a gene (consequence "
                f"{'&'.join(terms)} only), although the variant is in a panel gene's region: the annotation was made "
                "without transcript columns (VEP --most_severe or --summary) or with gene models that lack the gene "
                "here (another genome build, or a GTF without it), and the variant would be dropped as "
                "no_panel_gene_annotation",
                "Annotate with per-transcript output on the reads' genome build: VEP --symbol --hgvs --canonical "
                "--mane without --most_severe/--summary (the pipeline's --annotator vep), or snpEff with the "
                "pipeline's database.")
        gene_ids = sorted({t.gene_id for t in record.transcripts if t.gene_id})
        held = f" (Gene holds {', '.join(gene_ids[:3])})" if gene_ids else ""
        if self.layout.kind == "vep":
            raise UserInputError(
                self.vcf_path, line, tag,
                f"{variant_id}: none of its {n} entries names a gene: SYMBOL is empty{held}. VEP fills SYMBOL only "
                "with --symbol, so the variant cannot be placed in its panel gene and would be dropped as "
                "no_panel_gene_annotation",
                "Re-run VEP with --symbol --hgvs (and --canonical --mane), as the pipeline's --annotator vep does.")
        raise UserInputError(
            self.vcf_path, line, tag,
            f"{variant_id}: none of its {n} entries names a gene (Gene_Name is empty{held}), so the variant cannot "
            "be placed in its panel gene and would be dropped as no_panel_gene_annotation",
            "Annotate with a snpEff database whose gene models carry gene names (the pipeline's SNPEFF_BUILD does).")

    def _note_codon(self, origin: Origin, transcript: TranscriptAnnotation, variant_id: str) -> None:
        """Remember which codon an atomised piece changes. Pieces of one haplotype allele in one codon
        were each annotated alone: the codon change they make together (a stop from two missense
        changes, a missense from two synonymous ones) is not what any record's annotation says."""
        if not origin.atomised:
            return
        codon = coding_codon(transcript.hgvsc)
        if codon is None or not transcript.transcript_id:
            return
        for alt in origin.alts:
            pieces = self.codons.setdefault((origin.record, alt, transcript.transcript_id, codon), [])
            if variant_id not in pieces:
                pieces.append(variant_id)

    def _warn_shared_codons(self) -> None:
        groups = {tuple(pieces): key for key, pieces in self.codons.items() if len(pieces) > 1}
        self.summary.shared_codons = len(groups)
        if not groups:
            return
        examples = "; ".join(f"{' + '.join(pieces)} (codon {key[3] + 1} of {key[2]}, from {key[0]})"
                             for pieces, key in list(groups.items())[:5])
        self._warn(f"WARNING {self.vcf_path}: {len(groups)} codon(s) are changed by several atomised pieces of one "
                   f"FreeBayes haplotype allele: {examples}{' ...' if len(groups) > 5 else ''}. Each piece was "
                   "annotated and judged on its own, so the codon change they make together on one haplotype was "
                   "not assessed (two missense changes can make a stop, two synonymous ones a missense): check "
                   "these by hand in the original record (OLD_REC).")

    @staticmethod
    def _clinvar_absence(info: Mapping[str, Any]) -> Tuple[str, str]:
        """(clinvar_variation_id, clinvar_clnsig) of a variant without ClinVar evidence of its own: not
        looked up, a piece of a longer allele ClinVar lists (that allele's variation ID), or not in the file."""
        if clinvar.not_covered(info):
            return NA, CLINVAR_NOT_LOOKED_UP
        whole = clinvar.part_of(info)
        if whole is not None:
            return _clean(whole.split(":")[0]), clinvar.PART_OF_CLINVAR_ALLELE
        return NA, NOT_IN_CLINVAR

    @staticmethod
    def _gene_accumulator(accumulators: Dict[str, _GeneAccumulator], gene: Optional[str]) -> _GeneAccumulator:
        gene_key = gene or NA
        acc = accumulators.get(gene_key)
        if acc is None:
            acc = accumulators[gene_key] = _GeneAccumulator(gene_key)
        return acc

    @classmethod
    def _accumulate_unconfirmed(cls, accumulators: Dict[str, _GeneAccumulator], gene: Optional[str],
                                variant_id: str, samples: Sequence[int]) -> None:
        """An unconfirmed variant: the samples it makes not assessable for the gene."""
        acc = cls._gene_accumulator(accumulators, gene)
        for i in samples:
            acc.not_assessable.setdefault(i, []).append(variant_id)

    @classmethod
    def _accumulate(cls, accumulators: Dict[str, _GeneAccumulator], gene: Optional[str], variant_id: str,
                    calls: Sequence[SampleCall], *, sites: FrozenSet[Any] = frozenset(),
                    span: Optional[Tuple[int, int, bool]] = None, origin: Optional[Origin] = None) -> None:
        """Add a kept variant (carried calls and not-assessable samples) to its gene's accumulator."""
        acc = cls._gene_accumulator(accumulators, gene)
        acc.n_kept += 1
        for i, call in enumerate(calls):
            state = call.state
            if state == _NA_STATE:
                acc.not_assessable.setdefault(i, []).append(variant_id)
            elif state != _REF:
                block, hap = call.phase_block()
                slot = _het_slot(call.genotype) if origin is not None and state == _HET else None
                acc.carried.setdefault(i, []).append(CarriedCall(variant_id, state, block, hap, sites, span,
                                                                 origin, slot))


    def _write_genes(self, accumulators: Dict[str, _GeneAccumulator], out: Any) -> None:
        """gene_status.tsv rows: genes in order of their first kept or unconfirmed variant, samples in
        VCF order. Each row's status and coverage reason is kept for gene_coverage.tsv."""
        for gene, acc in accumulators.items():
            rows = []
            for i, sample in enumerate(self.vcf_samples):
                carried = acc.carried.get(i, [])
                missing = acc.not_assessable.get(i, [])
                low = low_coverage_reason(self.gene_coverage.get(sample), gene, self.config.min_gene_callable) \
                    if self.gene_coverage is not None else None
                status = sample_gene_status(carried, len(missing), low is not None)
                self.gene_statuses[(sample, gene)] = (status, low)
                ids = ";".join(c[0] for c in carried) or NA
                rows.append(f"{sample}\t{self.groups[i]}\t{gene}\t{status}\t{ids}\t{acc.n_kept}\t"
                            f"{len(missing)}\t{';'.join(missing) or NA}\t{low or NA}\n")
            out.write("".join(rows))

    def _coverage_rows(self) -> Iterator[CoverageRow]:
        """Every panel gene (BED order; then any other gene with gene_status.tsv rows) x every VCF sample."""
        genes = list(dict.fromkeys([g for region in self.regions for g in region.genes] +
                                   [gene for _, gene in self.gene_statuses]))
        for gene in genes:
            for sample, group in zip(self.vcf_samples, self.groups):
                yield self._coverage_row(sample, group, gene)

    def _coverage_row(self, sample: str, group: str, gene: str) -> CoverageRow:
        """The sample's gene_status.tsv status in the gene, else ``none``, or ``not_assessable`` when the gene's
        coverage is below --min-gene-callable or was not measured (thresholds given, none of the gene); exon flags
        whenever coverage was measured."""
        threshold = self.config.min_gene_callable
        coverage = self.gene_coverage.get(sample, {}).get(gene) if self.gene_coverage is not None else None
        listed = self.gene_statuses.get((sample, gene))
        if listed is not None:
            status, low = listed
        else:
            low = low_coverage_reason({gene: coverage} if coverage else None, gene, threshold)
        reason = table_reason(coverage, self.gene_coverage is not None, low)
        if listed is None:
            status = "not_assessable" if reason else "none"
        return CoverageRow(sample, group, gene, status, listed is not None, coverage, reason,
                           low_exon_flags(coverage, threshold))

    def _write_coverage_table(self, path: Path) -> None:
        """gene_coverage.tsv (after gene_status.tsv); counts its gaps for screen_summary_mqc.tsv."""
        s = self.summary
        with open(path, "w") as out:
            out.write("\t".join(GENE_COVERAGE_COLUMNS) + "\n")
            for row in self._coverage_rows():
                out.write(row.text() + "\n")
                s.sample_genes += 1
                s.low_coverage_genes += row.low_gene_coverage
                s.low_coverage_without_variant += row.low_gene_coverage and not row.in_gene_status
                s.not_measured_genes += row.coverage_reason == NOT_MEASURED
                s.low_exon_genes += bool(row.exon_flags)

    def _write_summary(self, path: Path) -> None:
        s = self.summary
        self._warn_shared_codons()
        lost = s.annotation.get("CSQ/ANN entries, none for the record's ALT (annotation lost)", 0)
        if lost:
            self._warn(f"WARNING {self.vcf_path}: {lost} record(s) carry CSQ/ANN entries but none for their own ALT "
                       "(reason not_annotated): typically a multi-allelic site annotated before it was split. Split "
                       "with `bcftools norm -m -any --old-rec-tag OLD_REC` (VEP with --allele_number) so entries are "
                       "matched by ALLELE_NUM, or annotate after splitting.")
        ambiguous = s.annotation.get(_AMBIGUOUS_ROW, 0)
        if ambiguous:
            self._warn(f"WARNING {self.vcf_path}: {ambiguous} record(s) carry CSQ/ANN entries of several ALTs of the "
                       "multi-allelic site they were split from, and nothing tells which are their own (reason "
                       "not_annotated, annotation_match allele_ambiguous): after bcftools has split and trimmed the "
                       "site, an ALT can equal another ALT's Allele (VEP --minimal spells CT>C,T's two deletions "
                       "both '-'). Annotate after splitting, as the pipeline does, or split with `bcftools norm -m "
                       "-any --old-rec-tag OLD_REC` (VEP: annotate with --allele_number).")
        if s.unconfirmed_not_annotated:
            self._warn(f"WARNING {self.vcf_path}: {s.unconfirmed_not_annotated} record(s) in the panel have no CSQ/ANN "
                       "entry for their ALT (reason not_annotated) and fail no other rule (or only the quality rule, see "
                       "below): their impact is unknown, so "
                       "their carriers (and samples with a not-assessable call there) are not_assessable for the panel "
                       "gene(s), not non-carriers (variants.tsv unconfirmed = yes, unconfirmed_samples). Annotate "
                       "every record (after splitting) so these can be judged.")
        if s.unaligned_pieces:
            self._warn(f"WARNING {self.vcf_path}: {s.unaligned_pieces} record(s) without any population frequency are "
                       f"pieces of a complex allele that was atomised without an alignment (INFO/{UNALIGNED_TAG}: "
                       "the caller wrote no usable INFO/CIGAR): they may be fragments of an indel that gnomAD lists "
                       "differently, so they are not known to be rare (af_status not_matchable; not dropped for "
                       "frequency). Check the original record (INFO/OLD_REC) by hand.")
        unmatchable = s.af_status.get("not_matchable", 0) - s.unaligned_pieces
        if unmatchable:
            self._warn(f"WARNING {self.vcf_path}: {unmatchable} record(s) in the panel are MNP/complex alleles (REF and "
                       "ALT differ in more than one base) without any population frequency: gnomAD lists their SNVs "
                       "and indels separately, so no exact-allele lookup can find them, and they are not known to be "
                       "rare (af_status not_matchable in variants.tsv; not dropped for frequency). Atomise before "
                       "annotating: `bcftools norm --atomize -f ref.fa --old-rec-tag OLD_REC`, then `bcftools norm "
                       "-m -any -f ref.fa --old-rec-tag OLD_REC` (the pipeline does).")
        if s.no_gq_records:
            self._warn(f"WARNING {self.vcf_path}: {s.no_gq_records} record(s) in the panel have no FORMAT/GQ (bcftools "
                       "call writes it only with `-a FORMAT/GQ`, FreeBayes only with --genotype-qualities): "
                       f"--min-gq {_fmt_number(self.config.min_gq)} could not be applied there, their genotypes were "
                       "judged on depth alone. Re-call with genotype qualities for the GQ rule.")
        if s.rest_not_annotated:
            shown = _first(s.rest_not_annotated, 5)
            self._warn(f"WARNING {self.vcf_path}: the Ensembl REST server gave no consequence for "
                       f"{len(s.rest_not_annotated)} record(s) in the panel (INFO/{REST_NOT_ANNOTATED_TAG}: "
                       f"{shown}): they are not_annotated, and their carriers not assessable for the gene. Rerun the "
                       "annotation (answers are cached; these are asked again), or annotate with VEP and a local "
                       "cache.")
        if s.kept_flagged_entry:
            self._warn(f"WARNING {self.vcf_path}: {len(s.kept_flagged_entry)} kept variant(s) are judged by a snpEff "
                       f"entry snpEff marked unreliable ({_first(s.kept_flagged_entry, 5)}; variants.tsv "
                       "annotation_flags): the transcript model is incomplete or its consequence could not be computed "
                       "(docs/annotation.md). Check the consequence on the transcript before reporting it.")
        mane_expected = self.mane_listed or {"MANE_SELECT", "MANE"} & set(self.layout.transcript_flags)
        fallback = s.most_severe_basis + s.canonical_basis
        if mane_expected and fallback and not s.mane_basis:
            self._warn(f"WARNING {self.vcf_path}: none of the {fallback} panel record(s) judged by a transcript was "
                       "judged by a MANE Select one: the annotation flags none (VEP's MANE_SELECT column empty, as "
                       "with VEP 103's RefSeq cache or a GTF without MANE tags) and the --mane-transcripts list, if "
                       "any, names none of the annotated transcripts (e.g. Ensembl ENST ids for a RefSeq NM_ "
                       "annotation, or another release). They were judged by the canonical or the most severe "
                       "transcript of their gene (summary_basis). List the annotation's own ids (the panel's genes.tsv "
                       "names both Ensembl and RefSeq ids), or annotate with VEP --mane.")
        if s.most_severe_basis and self.layout.kind == "snpeff" and "-canon" in snpeff_command_options(self.raw_header):
            self._warn(f"WARNING {self.vcf_path}: snpEff was run with -canon (##SnpEffCmd): it annotated one transcript "
                       "per gene, its own canonical one (the longest CDS, unless -canonList names others), and "
                       f"{s.most_severe_basis} panel record(s) had no MANE Select transcript among their entries, so they "
                       "were judged by that other transcript (summary_basis most_severe), not by the MANE Select one. "
                       "Annotate without -canon, or with -canonList naming the MANE Select transcripts (the panel's "
                       "genes.tsv).")
        if s.other_gene_only:
            shown = _first([f"{n} in {panel} annotated as {other}" for (panel, other), n in s.other_gene_only.most_common()], 5)
            self._warn(f"WARNING {self.vcf_path}: {sum(s.other_gene_only.values())} record(s) inside panel gene "
                       f"intervals carry annotation only for other genes ({shown}) and are dropped as "
                       "no_panel_gene_annotation: their impact on the panel gene is unknown, so unless they fail another "
                       "rule their carriers are not assessable for it (variants.tsv unconfirmed = yes), not "
                       "non-carriers. Expected for a gene overlapping a panel gene when VEP kept one consequence "
                       "(--pick); otherwise check that the annotation and the panel name the gene alike (another HGNC "
                       "symbol, another gene model release).")
        if s.unknown_terms:
            terms = ", ".join(f"{term} ({n})" for term, n in s.unknown_terms.most_common(10))
            self._warn(f"WARNING {self.vcf_path}: consequence term(s) the screen does not know decided panel records: "
                       f"{terms}. They are ranked after every Ensembl SO term and match no --consequences entry "
                       "(only their IMPACT can keep a variant): check that VEP wrote Sequence Ontology terms (no "
                       "--terms) and list a new term in --consequences if it should keep variants.")
        if s.no_hgvs:
            self._warn(f"WARNING {self.vcf_path}: {s.no_hgvs} record(s) in the panel were judged by a transcript "
                       "without HGVSc/HGVSp (VEP fills them only with --hgvs; snpEff -noHgvs): their consequence and "
                       "impact decide as usual, but their labels are the variant id, and neither the whitelist's "
                       "HGVSp cross-check nor the codon check of atomised pieces could be applied to them. Annotate "
                       "with VEP --hgvs (the pipeline does).")
        if s.low_quality_called:
            shown = _first(s.low_quality_called, 10)
            self._warn(f"WARNING {self.vcf_path}: {len(s.low_quality_called)} record(s) in the panel fail the quality "
                       f"rule (QUAL < {_fmt_number(self.config.min_qual)} or FILTER not PASS) but would otherwise "
                       f"qualify (or are of unknown impact: not_annotated), with samples whose genotype names the ALT: "
                       f"{shown}. They are dropped as low_quality "
                       "(not findings, not tested), and those samples are not_assessable for the gene, not "
                       "non-carriers (variants.tsv unconfirmed = yes, unconfirmed_samples; gene_status.tsv). "
                       "Re-call or review these sites if a gene's result depends on them.")
        if s.whitelist_unseen:
            self._warn(f"WARNING {self.vcf_path}: {len(s.whitelist_unseen)} of the {s.whitelist_entries} risk-factor "
                       f"whitelist entries in the panel match no record of the VCF (not seen): "
                       f"{'; '.join(s.whitelist_unseen)}. No sample was called with that allele, or the row is not "
                       "written as the VCF record is (position, REF, ALT after normalisation): they rescued nothing "
                       "in this run.")
        s.warnings = list(self.warnings)
        rows: List[Tuple[str, int]] = [("records screened", s.records)]
        if s.skipped_by_index is not None:
            rows.append(("records not read (outside the panel, skipped through the index)", s.skipped_by_index))
        if s.records_without_alt:
            rows.append(("records without ALT (skipped)", s.records_without_alt))
        rows += [("in panel", s.in_panel), ("kept", s.kept), ("dropped", s.dropped),
                 ("kept thanks to the risk-factor whitelist", s.rescued),
                 ("risk-factor whitelist entries in the panel", s.whitelist_entries),
                 ("of those, matching no record of the VCF (not seen)", len(s.whitelist_unseen)),
                 ("kept thanks to a ClinVar Pathogenic/Likely pathogenic classification", s.clinvar_rescued),
                 ("unconfirmed (no assessable carrier, low site quality, or impact unknown; their possible "
                  "carriers count as not assessable for the gene)", s.unconfirmed),
                 ("of those, without annotation for their ALT (not_annotated; impact unknown: carriers not assessable "
                  "for the gene)", s.unconfirmed_not_annotated),
                 ("of those, at a low-quality site (low_quality: QUAL/FILTER; samples naming the ALT not assessable "
                  "for the gene)", len(s.low_quality_called))]
        for reason in REASONS:
            rows.append((f"dropped with reason {reason}", s.reasons.get(reason, 0)))
        for status in ("observed", "novel"):
            rows.append((f"evaluated with population AF {status}", s.af_status.get(status, 0)))
        rows.append(("evaluated without population AF, on a chromosome the gnomAD file has no record on "
                     "(not_looked_up; treated as rare like novel)", s.af_status.get("not_looked_up", 0)))
        rows.append(("evaluated without population AF, MNP/complex allele gnomAD cannot list (not_matchable)",
                     s.af_status.get("not_matchable", 0)))
        rows.append(("of those, pieces of a complex allele atomised without an alignment (UNALIGNED_COMPLEX)",
                     s.unaligned_pieces))
        for name, n in sorted(s.af_fields.items()):
            rows.append((f"AF compared taken from {name}", n))
        for name in ("no CSQ/ANN entry", "CSQ/ANN entries, none for the record's ALT (annotation lost)",
                     _AMBIGUOUS_ROW, "entries matched by ALLELE_NUM (split after annotation)"):
            rows.append((f"records evaluated with {name}", s.annotation.get(name, 0)))
        rows.append(("CSQ/ANN entries of other ALT alleles (split multi-allelic records), not used", s.unmatched_entries))
        rows.append(("records in the panel without FORMAT/GQ (genotypes judged on depth alone)", s.no_gq_records))
        rows.append(("records in the panel judged by the most severe transcript (no MANE Select or canonical one "
                     "annotated)", s.most_severe_basis))
        rows.append(("records in the panel judged by a transcript without HGVSc/HGVSp", s.no_hgvs))
        rows.append(("codons changed by several atomised pieces of one FreeBayes allele (combined change not assessed)",
                     s.shared_codons))
        for gene, n in sorted(s.kept_per_gene.items()):
            rows.append((f"kept in {gene}", n))
        rows += [("sample x panel gene pairs (gene_coverage.tsv)", s.sample_genes),
                 ("of those, gene covered below --min-gene-callable (low_gene_coverage: not assessable unless a "
                  "carrier)",
                  s.low_coverage_genes),
                 ("of those, in a gene without any kept or unconfirmed variant (no gene_status.tsv row)",
                  s.low_coverage_without_variant),
                 ("sample x panel gene pairs not measured (no panel region of the gene in the sample's coverage)",
                  s.not_measured_genes),
                 ("sample x panel gene pairs with an exon covered below --min-gene-callable (low_exon_coverage)",
                  s.low_exon_genes)]
        rows.append(("warnings (listed in the run log)", len(s.warnings)))
        description = (f"Variants screened ({s.traversal} traversal) and why they were kept or dropped. "
                       f"Rules: {self.config.describe()}. A variant can be dropped for several reasons.")
        with open(path, "w") as out:
            out.write("# id: 'hlhscreen_screen'\n")
            out.write("# section_name: 'Variant screening'\n")
            out.write(f"# description: '{description.replace(chr(39), '')}'\n")
            out.write("# plot_type: 'table'\n")
            out.write("category\tvariants\n")
            for label, n in rows:
                out.write(f"{label}\t{n}\n")


#: MultiQC row (summary.annotation key) of records whose entries cannot be told apart (annotation.ALLELE_AMBIGUOUS)
_AMBIGUOUS_ROW = "CSQ/ANN entries of several ALTs, none attributable to the record's (allele ambiguous; annotation lost)"


def _annotation_match(record: VariantRecord) -> str:
    """variants.tsv ``annotation_match``: how the record's CSQ/ANN entries were found."""
    if record.matched_by:
        return record.matched_by
    if record.unmatched_reason:
        return record.unmatched_reason
    return "no_entry_for_alt" if record.n_entries else "no_annotation"


def _site_keys(chrom: str, pos: int, ref: str) -> FrozenSet[Any]:
    """The site a record is an allele of: its POS and REF. Two het ALTs of one site are in trans."""
    return frozenset([(chrom, pos, ref)])


def _origin(layout: Any, info: Any) -> Optional[Origin]:
    """The original record of a split or atomised record (``bcftools norm --old-rec-tag``), or None."""
    found = old_record_alleles(layout, info)
    if found is None:
        return None
    record, alts = found
    fields = record.split("|")
    n_alts = len(fields[3].split(",")) if len(fields) > 3 else 1
    return Origin(record, alts, n_alts)


_CODING_POSITION = re.compile(r"^c\.(\d+)(?:_(\d+))?(?:[ACGTN]+>|del|ins|dup|inv)")


def coding_codon(hgvsc: Optional[str]) -> Optional[int]:
    """0-based codon of a change inside the coding sequence (``c.272C>T`` -> 90), None for an intronic
    (``c.100+1G>A``), UTR (``c.-5``, ``c.*10``) or unparsable HGVSc, or a change over two codons."""
    if not hgvsc:
        return None
    text = hgvsc.split(":", 1)[1] if ":" in hgvsc else hgvsc
    match = _CODING_POSITION.match(text)
    if match is None:
        return None
    first = int(match.group(1))
    last = int(match.group(2)) if match.group(2) else first
    if first < 1 or (first - 1) // 3 != (last - 1) // 3:
        return None
    return (first - 1) // 3


def _het_slot(genotype: str) -> Optional[int]:
    """The GT slot holding the ALT of an unphased diploid het (``1/0`` -> 0, ``0/1`` -> 1), else None."""
    alleles, phased = split_gt(genotype)
    if phased or len(alleles) != 2 or "." in alleles:
        return None
    carrying = [i for i, allele in enumerate(alleles) if allele not in ("0", "")]
    return carrying[0] if len(carrying) == 1 else None


_ONE = object()  # the duplicate check's marker: one record seen at this position so far


def _info_safe(value: str) -> str:
    """An INFO value without the characters VCF forbids there."""
    return "".join("_" if c in ";=, \t" else c for c in value)


def run_screen(
    vcf: PathLike,
    regions: PathLike,
    risk_factors: PathLike,
    samplesheet: PathLike,
    outdir: PathLike,
    config: Optional[ScreenConfig] = None,
    *,
    mane_transcripts: Optional[PathLike] = None,
    fasta: Optional[PathLike] = None,
    sex: Optional[PathLike] = None,
    gnomad_not_covered: Iterable[str] = (),
    gnomad_file: Optional[str] = None,
    gene_coverage: Optional[Sequence[PathLike]] = None,
) -> ScreenSummary:
    """Screen ``vcf`` and write the outputs into ``outdir`` (see the module docstring).
    ``fasta``: the GRCh38 reference, to check the whitelist's REF alleles. ``sex``: the run's
    sex.tsv (SEX_CHECK); without it every sample's sex is unknown. ``gnomad_not_covered``: the
    chromosomes the gnomAD file has no record on (frequency_check.json): a variant there without a
    frequency is ``af_status=not_looked_up``, not ``novel``, unless the VCF's header declares gnomAD fields
    looked up elsewhere than in that file (``gnomad_file``, its name: VEP cache, REST; see
    :func:`hlhscreen.frequency_check.annotation_gnomad_fields`). ``gene_coverage``: each sample's mosdepth
    ``<sample>.thresholds.bed.gz`` over the panel regions: a sample with a gene below
    ``config.min_gene_callable`` at ``config.min_dp`` and no carried variant of it is not_assessable there
    (None: not checked)."""
    screen = _Screen(Path(vcf), Path(regions), Path(risk_factors), Path(samplesheet), Path(outdir),
                     config or ScreenConfig(), mane_transcripts, fasta, sex, gnomad_not_covered, gnomad_file,
                     gene_coverage)
    return screen.run()


def parse_list(text: str) -> FrozenSet[str]:
    """Comma-separated CLI list; empty text or ``none`` gives the empty set."""
    if text.strip().lower() in ("", "none"):
        return frozenset()
    return frozenset(part.strip() for part in text.split(",") if part.strip())

