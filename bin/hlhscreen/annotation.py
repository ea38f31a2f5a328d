"""The one parser of variant annotation (VEP ``INFO/CSQ`` or snpEff ``INFO/ANN``).

Every later step reads annotation through this module and nothing else (docs/contracts.md).
It turns one VCF record (one ALT allele; multi-allelic records must be split first) into a
:class:`VariantRecord`: the variant, every transcript annotation of that ALT allele
(:class:`TranscriptAnnotation`), a summary transcript (MANE Select, else canonical, else the most
severe consequence), existing ids and gnomAD frequencies (:class:`GnomadFrequency`).

Two entry points:

* :func:`iter_records` streams the records of a VCF file (constant memory).
* :func:`read_layout` + :func:`parse_record` (cyvcf2 variants) or :func:`parse_annotation`
  (any VCF reader) parse one record at a time from a header layout read once, for fast loops.

Field order is always taken from the header (VEP ``Format: A|B|...``; snpEff's quoted
``'Allele | Annotation | ...'`` list, defaulting to the standard 16 fields), never assumed.
The user-facing description of the fields, the gnomAD precedence and the popmax rule is in
docs/annotation.md.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from typing import (
    Any,
    Callable,
    Dict,
    FrozenSet,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)
from urllib.parse import unquote

from hlhscreen.errors import UserInputError
from hlhscreen.files import open_text

PathLike = Union[str, os.PathLike]

# ---------------------------------------------------------------------------------------------
# Consequence severity
# ---------------------------------------------------------------------------------------------

#: Ensembl's SO consequence terms, most severe first, with their IMPACT, as in the table of
#: https://www.ensembl.org/info/genome/variation/prediction/predicted_data.html
SO_CONSEQUENCES: Tuple[Tuple[str, str], ...] = (
    ("transcript_ablation", "HIGH"),
    ("splice_acceptor_variant", "HIGH"),
    ("splice_donor_variant", "HIGH"),
    ("stop_gained", "HIGH"),
    ("frameshift_variant", "HIGH"),
    ("stop_lost", "HIGH"),
    ("start_lost", "HIGH"),
    ("transcript_amplification", "HIGH"),
    ("feature_elongation", "HIGH"),
    ("feature_truncation", "HIGH"),
    ("inframe_insertion", "MODERATE"),
    ("inframe_deletion", "MODERATE"),
    ("missense_variant", "MODERATE"),
    ("protein_altering_variant", "MODERATE"),
    ("splice_donor_5th_base_variant", "LOW"),
    ("splice_region_variant", "LOW"),
    ("splice_donor_region_variant", "LOW"),
    ("splice_polypyrimidine_tract_variant", "LOW"),
    ("incomplete_terminal_codon_variant", "LOW"),
    ("start_retained_variant", "LOW"),
    ("stop_retained_variant", "LOW"),
    ("synonymous_variant", "LOW"),
    ("coding_sequence_variant", "MODIFIER"),
    ("mature_miRNA_variant", "MODIFIER"),
    ("5_prime_UTR_variant", "MODIFIER"),
    ("3_prime_UTR_variant", "MODIFIER"),
    ("non_coding_transcript_exon_variant", "MODIFIER"),
    ("intron_variant", "MODIFIER"),
    ("NMD_transcript_variant", "MODIFIER"),
    ("non_coding_transcript_variant", "MODIFIER"),
    ("coding_transcript_variant", "MODIFIER"),
    ("upstream_gene_variant", "MODIFIER"),
    ("downstream_gene_variant", "MODIFIER"),
    ("TFBS_ablation", "MODIFIER"),
    ("TFBS_amplification", "MODIFIER"),
    ("TF_binding_site_variant", "MODIFIER"),
    ("regulatory_region_ablation", "MODIFIER"),
    ("regulatory_region_amplification", "MODIFIER"),
    ("regulatory_region_variant", "MODIFIER"),
    ("intergenic_variant", "MODIFIER"),
    ("sequence_variant", "MODIFIER"),
)

#: The terms alone, most severe first.
SO_CONSEQUENCE_ORDER: Tuple[str, ...] = tuple(term for term, _ in SO_CONSEQUENCES)
#: IMPACT of each Ensembl term.
SO_IMPACT: Mapping[str, str] = dict(SO_CONSEQUENCES)
#: VEP/snpEff impact classes, most severe first.
IMPACT_ORDER: Tuple[str, ...] = ("HIGH", "MODERATE", "LOW", "MODIFIER")

# snpEff (and older Ensembl) terms that are not in the Ensembl table, ranked as the Ensembl term
# they correspond to. Only the ranking uses this; records keep the annotator's own terms.
_TERM_ALIASES: Mapping[str, str] = {
    "exon_loss_variant": "feature_truncation",
    "gene_fusion": "feature_truncation",
    "bidirectional_gene_fusion": "feature_truncation",
    "conservative_inframe_insertion": "inframe_insertion",
    "disruptive_inframe_insertion": "inframe_insertion",
    "conservative_inframe_deletion": "inframe_deletion",
    "disruptive_inframe_deletion": "inframe_deletion",
    "rare_amino_acid_variant": "protein_altering_variant",
    "initiator_codon_variant": "start_retained_variant",
    "5_prime_UTR_premature_start_codon_gain_variant": "5_prime_UTR_variant",
    "5_prime_UTR_truncation": "5_prime_UTR_variant",
    "3_prime_UTR_truncation": "3_prime_UTR_variant",
    "non_coding_exon_variant": "non_coding_transcript_exon_variant",
    "nc_transcript_variant": "non_coding_transcript_variant",
    "conserved_intron_variant": "intron_variant",
    "intragenic_variant": "non_coding_transcript_variant",
    "miRNA": "mature_miRNA_variant",
    "intergenic_region": "intergenic_variant",
    "conserved_intergenic_variant": "intergenic_variant",
}

_RANK: Dict[str, int] = {term: i for i, term in enumerate(SO_CONSEQUENCE_ORDER)}
_UNKNOWN_RANK = len(SO_CONSEQUENCE_ORDER)
_IMPACT_RANK: Dict[str, int] = {imp: i for i, imp in enumerate(IMPACT_ORDER)}


def consequence_rank(term: str) -> int:
    """0 for the most severe Ensembl term; unknown terms rank after every known one."""
    rank = _RANK.get(term)
    if rank is None:
        alias = _TERM_ALIASES.get(term)
        rank = _RANK.get(alias, _UNKNOWN_RANK) if alias else _UNKNOWN_RANK
    return rank


def impact_rank(impact: Optional[str]) -> int:
    """0 for HIGH ... 3 for MODIFIER; missing or unknown impacts rank last."""
    if not impact:
        return len(IMPACT_ORDER)
    return _IMPACT_RANK.get(impact.upper(), len(IMPACT_ORDER))


def most_severe(terms: Iterable[str]) -> Optional[str]:
    """The most severe of ``terms`` by the Ensembl order (first one wins ties), or None."""
    best: Optional[str] = None
    best_rank = _UNKNOWN_RANK + 1
    for term in terms:
        rank = consequence_rank(term)
        if rank < best_rank:
            best, best_rank = term, rank
    return best


# ---------------------------------------------------------------------------------------------
# gnomAD populations
# ---------------------------------------------------------------------------------------------

#: gnomAD genetic-ancestry group codes recognised in field names (lower case). Sex strata
#: (``XX``/``XY``), ``raw``, ``popmax``/``grpmax``, sub-populations etc. are not populations.
GNOMAD_POPULATIONS: FrozenSet[str] = frozenset(
    {"afr", "ami", "amr", "asj", "eas", "fin", "mid", "nfe", "remaining", "oth", "sas"}
)
#: Groups eligible for popmax: gnomAD's own grpmax/popmax set. Excluded: founder/bottlenecked
#: groups (Amish ``ami``, Ashkenazi Jewish ``asj``, Finnish ``fin``), where drift makes
#: pathogenic founder alleles common, and small or unlabelled groups (Middle Eastern ``mid``,
#: ``remaining``/``oth``) whose frequencies are too noisy to drive a rarity filter.
POPMAX_POPULATIONS: FrozenSet[str] = frozenset({"afr", "amr", "eas", "nfe", "sas"})

# ---------------------------------------------------------------------------------------------
# Header layouts
# ---------------------------------------------------------------------------------------------

#: CSQ fields this parser needs; a VEP header lacking any of them is rejected.
REQUIRED_CSQ_FIELDS: Tuple[str, ...] = (
    "Allele", "Consequence", "IMPACT", "SYMBOL", "Feature", "HGVSc", "HGVSp",
)
#: The standard snpEff ANN layout (used when the header does not list the fields).
SNPEFF_ANN_FIELDS: Tuple[str, ...] = (
    "Allele", "Annotation", "Annotation_Impact", "Gene_Name", "Gene_ID", "Feature_Type",
    "Feature_ID", "Transcript_BioType", "Rank", "HGVS.c", "HGVS.p", "cDNA.pos / cDNA.length",
    "CDS.pos / CDS.length", "AA.pos / AA.length", "Distance", "ERRORS / WARNINGS / INFO",
)
REQUIRED_ANN_FIELDS: Tuple[str, ...] = (
    "Allele", "Annotation", "Annotation_Impact", "Gene_Name", "Feature_ID", "HGVS.c", "HGVS.p",
)

# Feature types that are not transcripts (regulatory/motif annotations are dropped).
_NON_TRANSCRIPT_FEATURES = frozenset({"regulatoryfeature", "motiffeature", "motif"})

# snpEff Rank is an exon or an intron number; it is an intron when the terms say so.
_INTRONIC_TERMS = frozenset({
    "intron_variant", "conserved_intron_variant", "splice_donor_variant",
    "splice_acceptor_variant", "splice_donor_5th_base_variant", "splice_donor_region_variant",
    "splice_polypyrimidine_tract_variant",
})
_EXONIC_TERMS = frozenset({
    "stop_gained", "frameshift_variant", "stop_lost", "start_lost", "inframe_insertion",
    "inframe_deletion", "conservative_inframe_insertion", "disruptive_inframe_insertion",
    "conservative_inframe_deletion", "disruptive_inframe_deletion", "missense_variant",
    "protein_altering_variant", "synonymous_variant", "stop_retained_variant",
    "start_retained_variant", "initiator_codon_variant", "coding_sequence_variant",
    "5_prime_UTR_variant", "3_prime_UTR_variant", "non_coding_transcript_exon_variant",
    "non_coding_exon_variant", "exon_loss_variant", "5_prime_UTR_premature_start_codon_gain_variant",
    "incomplete_terminal_codon_variant", "rare_amino_acid_variant",
})

_RSID = re.compile(r"^rs\d+$")
_VERSION = re.compile(r"\.\d+$")
_INFO_GNOMAD_AF = "gnomAD_AF"
_INFO_GNOMAD_POP = re.compile(r"^gnomAD_AF_([A-Za-z]+)$")
# CSQ: --custom short_name=gnomAD -> gnomAD_AF, gnomAD_AF_<pop>; legacy VEP cache (<=106)
# -> gnomAD_AF, gnomAD_<POP>_AF (exomes). Both land in the "csq_custom" group.
_CSQ_CUSTOM_POP = (re.compile(r"^gnomAD_AF_([A-Za-z]+)$"), re.compile(r"^gnomAD_([A-Za-z]+)_AF$"))
_CSQ_EXOME_POP = re.compile(r"^gnomADe_([A-Za-z]+)_AF$")
_CSQ_GENOME_POP = re.compile(r"^gnomADg_([A-Za-z]+)_AF$")

ANNOTATE_FIX = (
    "Annotate it first: the pipeline's ANNOTATE step (VEP with --vcf, bin/vep_rest.py, or "
    "snpEff) writes INFO/CSQ or INFO/ANN."
)
SPLIT_FIX = (
    "Split multi-allelic records first: "
    "`bcftools norm -m -any input.vcf.gz -Oz -o split.vcf.gz && tabix -p vcf split.vcf.gz`."
)


@dataclass(frozen=True)
class GnomadFieldGroup:
    """Where one gnomAD source lives: the global AF field and population fields (pop -> field)."""

    source: str
    af_field: Optional[str]
    population_fields: Tuple[Tuple[str, str], ...]

    @property
    def empty(self) -> bool:
        return self.af_field is None and not self.population_fields


@dataclass(frozen=True)
class AnnotationLayout:
    """What the header says about annotation: parse it once, reuse it for every record."""

    path: str
    kind: str  # "vep" or "snpeff"
    info_tag: str  # "CSQ" or "ANN"
    fields: Tuple[str, ...]
    header_lines: int
    mane_transcripts: FrozenSet[str] = frozenset()
    info_gnomad: GnomadFieldGroup = GnomadFieldGroup("info", None, ())
    csq_gnomad: Tuple[GnomadFieldGroup, ...] = ()
    index: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def column(self, name: str) -> Optional[int]:
        """Index of a CSQ/ANN field by its header name, or None when absent."""
        return self.index.get(name)


# ---------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TranscriptAnnotation:
    """One CSQ/ANN entry for the record's ALT allele (a transcript, or an intergenic entry)."""

    allele: str
    gene_symbol: Optional[str]
    hgnc_id: Optional[str]
    gene_id: Optional[str]
    transcript_id: Optional[str]
    feature_type: Optional[str]
    biotype: Optional[str]
    mane_select: bool
    mane_select_id: Optional[str]
    canonical: bool
    consequences: Tuple[str, ...]
    impact: Optional[str]
    hgvsc: Optional[str]
    hgvsc_reference: Optional[str]
    hgvsp: Optional[str]
    hgvsp_reference: Optional[str]
    exon: Optional[str]
    intron: Optional[str]
    existing_ids: Tuple[str, ...] = ()
    fields: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def hgvsc_full(self) -> Optional[str]:
        """HGVSc with its reference sequence prefix, e.g. ``ENST00000373209.7:c.1A>G``."""
        return _join_hgvs(self.hgvsc_reference, self.hgvsc)

    @property
    def hgvsp_full(self) -> Optional[str]:
        return _join_hgvs(self.hgvsp_reference, self.hgvsp)

    @property
    def most_severe_consequence(self) -> Optional[str]:
        return most_severe(self.consequences)

    @property
    def severity_rank(self) -> int:
        """Rank of the most severe consequence (0 = transcript_ablation)."""
        return min((consequence_rank(t) for t in self.consequences), default=_UNKNOWN_RANK)

    @property
    def impact_rank(self) -> int:
        return impact_rank(self.impact)


@dataclass(frozen=True)
class GnomadFrequency:
    """gnomAD allele frequencies of one ALT allele. ``missing`` is True when there is no global
    AF (no gnomAD record); a missing AF is None, never 0."""

    af: Optional[float]
    popmax_af: Optional[float]
    popmax_population: Optional[str]
    population_afs: Mapping[str, float]
    source: Optional[str]  # "info", "csq_custom", "vep_exomes", "vep_genomes" or None
    missing: bool


_NO_GNOMAD = GnomadFrequency(None, None, None, {}, None, True)


@dataclass(frozen=True)
class VariantRecord:
    """One ALT allele of one VCF record with its normalised annotation."""

    chrom: str
    pos: int
    ref: str
    alt: str
    variant_id: str
    vcf_ids: Tuple[str, ...]
    existing_ids: Tuple[str, ...]
    gnomad: GnomadFrequency
    transcripts: Tuple[TranscriptAnnotation, ...]
    summary: Optional[TranscriptAnnotation]
    summary_basis: Optional[str]  # "mane_select", "canonical", "most_severe" or None
    annotation_source: str  # "vep" or "snpeff"
    line: Optional[int] = None
    n_unmatched_entries: int = 0

    @property
    def rsids(self) -> Tuple[str, ...]:
        return tuple(i for i in self.existing_ids if _RSID.match(i))

    @property
    def gnomad_af(self) -> Optional[float]:
        return self.gnomad.af

    @property
    def gnomad_af_missing(self) -> bool:
        return self.gnomad.missing

    @property
    def gnomad_popmax_af(self) -> Optional[float]:
        return self.gnomad.popmax_af

    @property
    def gnomad_popmax_population(self) -> Optional[str]:
        return self.gnomad.popmax_population

    @property
    def genes(self) -> Tuple[str, ...]:
        """Gene symbols of the transcripts, in annotation order, without repeats."""
        return tuple(dict.fromkeys(t.gene_symbol for t in self.transcripts if t.gene_symbol))

    def transcripts_for_gene(self, gene: str) -> Tuple[TranscriptAnnotation, ...]:
        """Transcripts of ``gene`` (matched against symbol, gene id or HGNC id)."""
        return tuple(
            t for t in self.transcripts if gene in (t.gene_symbol, t.gene_id, t.hgnc_id)
        )

    def summary_for_gene(self, gene: str) -> Optional[TranscriptAnnotation]:
        """The summary transcript among ``gene``'s transcripts (same MANE/canonical/severity rule)."""
        return select_summary(self.transcripts_for_gene(gene))[0]


# ---------------------------------------------------------------------------------------------
# Small helpers (public: the REST client and the screen use them)
# ---------------------------------------------------------------------------------------------


def variant_id(chrom: str, pos: int, ref: str, alt: str) -> str:
    return f"{chrom}:{pos}:{ref}:{alt}"


def vep_allele(ref: str, alt: str) -> str:
    """The ``Allele`` VEP writes for a biallelic VCF record: for indels whose alleles share the
    first (padding) base VEP drops it, ``-`` standing for nothing (CAG>C -> ``-``, C>CAG -> ``AG``);
    SNVs and MNVs are unchanged."""
    if len(ref) != len(alt) and ref and alt and ref[0] == alt[0]:
        return alt[1:] or "-"
    return alt


def minimal_allele(ref: str, alt: str) -> str:
    """ALT with the shared suffix then prefix removed (VEP ``--minimal``), ``-`` when empty."""
    r, a = ref, alt
    while len(r) > 1 and len(a) > 1 and r[-1] == a[-1]:
        r, a = r[:-1], a[:-1]
    while r and a and r[0] == a[0]:
        r, a = r[1:], a[1:]
    return a or "-"


def decode_hgvs(value: Optional[str]) -> Tuple[Optional[str], Optional[str]]:
    """Percent-decode an HGVS string and split off its reference: ``(reference, notation)``.

    ``ENSP00000363:p.Leu10%3D`` -> ``("ENSP00000363", "p.Leu10=")``; ``c.1A>G`` -> ``(None, "c.1A>G")``.
    """
    if not value:
        return None, None
    text = unquote(value)
    head, sep, tail = text.partition(":")
    if sep and tail:
        return head or None, tail
    return None, text


_HGVSP_STOP = re.compile(r"^p\.\(?([A-Z][a-z]{2})(\d+)\*\)?$")
_HGVSP_SAME = re.compile(r"^p\.\(?([A-Z][a-z]{2})(\d+)\1\)?$")


def normalise_hgvsp(value: Optional[str]) -> Optional[str]:
    """One spelling of a protein change whichever tool wrote it (VEP's, HGVS 3-letter).

    snpEff writes ``p.Trp374*`` and ``p.Leu310Leu``; VEP ``p.Trp374Ter`` and ``p.Leu310=``.
    Only these two whole-notation forms are rewritten; anything else is returned unchanged.
    """
    if not value:
        return value
    stop = _HGVSP_STOP.match(value)
    if stop:
        return f"p.{stop.group(1)}{stop.group(2)}Ter"
    same = _HGVSP_SAME.match(value)
    if same:
        return f"p.{same.group(1)}{same.group(2)}="
    return value


def normalise_hgnc(value: Union[str, int, None]) -> Optional[str]:
    """``HGNC:9360`` stays; ``9360`` (older VEP, REST) becomes ``HGNC:9360``."""
    if value is None or value == "":
        return None
    text = str(value)
    if text.isdigit():
        return f"HGNC:{text}"
    return text


def strip_version(identifier: str) -> str:
    """``ENST00000373209.7`` -> ``ENST00000373209``."""
    return _VERSION.sub("", identifier)


def require_biallelic(
    path: Union[PathLike, None], line: Optional[int], chrom: str, pos: int, alts: Sequence[str]
) -> None:
    """Raise the standard error for a record with more than one ALT allele."""
    if len(alts) > 1:
        raise UserInputError(
            path,
            line,
            "ALT",
            f"record {chrom}:{pos} has {len(alts)} ALT alleles ({','.join(alts)}); "
            "unsplit multi-allelic records are not supported",
            SPLIT_FIX,
        )


def _join_hgvs(reference: Optional[str], notation: Optional[str]) -> Optional[str]:
    if notation is None:
        return None
    return f"{reference}:{notation}" if reference else notation


# ---------------------------------------------------------------------------------------------
# Reading the header
# ---------------------------------------------------------------------------------------------


def count_header_lines(path: PathLike) -> int:
    """Number of header lines (starting with #) of a plain or bgzipped VCF."""
    count = 0
    with open_text(path) as handle:
        for line in handle:
            if not line.startswith("#"):
                break
            count += 1
    return count


def _info_headers(vcf: Any) -> Dict[str, Dict[str, str]]:
    out: Dict[str, Dict[str, str]] = {}
    for rec in vcf.header_iter():
        info = rec.info()
        if info.get("HeaderType") == "INFO" and "ID" in info:
            out[info["ID"]] = info
    return out


def _csq_fields_from_description(description: str) -> Optional[Tuple[str, ...]]:
    text = description.strip().strip('"')
    marker = text.find("Format:")
    if marker < 0:
        return None
    names = tuple(part.strip() for part in text[marker + len("Format:"):].strip().split("|"))
    return names if any(names) else None


def _ann_fields_from_description(description: str) -> Optional[Tuple[str, ...]]:
    text = description.strip().strip('"')
    first, last = text.find("'"), text.rfind("'")
    body = text[first + 1:last] if 0 <= first < last else text.partition(":")[2]
    if "|" not in body:
        return None
    return tuple(part.strip() for part in body.split("|"))


def _norm_name(name: str) -> str:
    return re.sub(r"\s+", "", name).lower()


def _gnomad_group(source: str, names: Iterable[str], af_name: str,
                  pop_patterns: Sequence["re.Pattern[str]"]) -> GnomadFieldGroup:
    af_field = None
    pops: Dict[str, str] = {}
    for name in names:
        if name == af_name:
            af_field = name
            continue
        for pattern in pop_patterns:
            match = pattern.match(name)
            if match and match.group(1).lower() in GNOMAD_POPULATIONS:
                pops.setdefault(match.group(1).lower(), name)
                break
    return GnomadFieldGroup(source, af_field, tuple(sorted(pops.items())))


def read_layout(
    vcf: Union[PathLike, Any],
    *,
    mane_transcripts: Optional[Iterable[str]] = None,
    path: Optional[PathLike] = None,
) -> AnnotationLayout:
    """Read the annotation layout from a VCF header.

    ``vcf`` is a path or an open ``cyvcf2.VCF`` (then pass ``path`` for messages and line
    numbers). ``mane_transcripts`` are MANE Select transcript ids (with or without version) used
    for snpEff, and for VEP output lacking MANE fields. CSQ is preferred when both CSQ and ANN
    are declared.
    """
    import cyvcf2  # local import: the module stays importable for helpers without cyvcf2

    if isinstance(vcf, (str, os.PathLike)):
        path = vcf
        reader = cyvcf2.VCF(str(vcf))
        try:
            return _layout_from_reader(reader, path, mane_transcripts)
        finally:
            reader.close()
    return _layout_from_reader(vcf, path, mane_transcripts)


def _layout_from_reader(reader: Any, path: Optional[PathLike],
                        mane_transcripts: Optional[Iterable[str]]) -> AnnotationLayout:
    where = str(path) if path is not None else "-"
    infos = _info_headers(reader)
    header_lines = count_header_lines(path) if path is not None and os.path.exists(path) else 0
    mane = frozenset(strip_version(t) for t in (mane_transcripts or ()) if t)
    info_gnomad = _gnomad_group("info", infos, _INFO_GNOMAD_AF, (_INFO_GNOMAD_POP,))

    if "CSQ" in infos:
        fields = _csq_fields_from_description(infos["CSQ"].get("Description", ""))
        if not fields:
            raise UserInputError(
                where, None, "INFO/CSQ",
                "the CSQ header has no 'Format: Allele|Consequence|...' field list",
                "Use the header VEP wrote (vep --vcf); do not edit the CSQ description.",
            )
        missing = [name for name in REQUIRED_CSQ_FIELDS if name not in fields]
        if missing:
            raise UserInputError(
                where, None, "INFO/CSQ",
                f"the CSQ header lacks required field(s) {', '.join(missing)}",
                "Re-run VEP with --symbol --hgvs (and --vcf) so that CSQ carries "
                + ", ".join(REQUIRED_CSQ_FIELDS) + ".",
            )
        csq_gnomad = (
            _gnomad_group("csq_custom", fields, "gnomAD_AF", _CSQ_CUSTOM_POP),
            _gnomad_group("vep_exomes", fields, "gnomADe_AF", (_CSQ_EXOME_POP,)),
            _gnomad_group("vep_genomes", fields, "gnomADg_AF", (_CSQ_GENOME_POP,)),
        )
        return AnnotationLayout(
            path=where, kind="vep", info_tag="CSQ", fields=fields, header_lines=header_lines,
            mane_transcripts=mane, info_gnomad=info_gnomad,
            csq_gnomad=tuple(g for g in csq_gnomad if not g.empty),
            index={name: i for i, name in reversed(list(enumerate(fields)))},
        )

    if "ANN" in infos:
        declared = _ann_fields_from_description(infos["ANN"].get("Description", ""))
        fields = declared or SNPEFF_ANN_FIELDS
        # Map header spellings onto the standard names so lookups do not depend on spacing.
        standard = {_norm_name(n): n for n in SNPEFF_ANN_FIELDS}
        canonical_names = tuple(standard.get(_norm_name(n), n) for n in fields)
        missing = [name for name in REQUIRED_ANN_FIELDS if name not in canonical_names]
        if missing:
            raise UserInputError(
                where, None, "INFO/ANN",
                f"the ANN header lacks required field(s) {', '.join(missing)}",
                "Use the header snpEff wrote (standard ANN layout 'Allele | Annotation | ...').",
            )
        return AnnotationLayout(
            path=where, kind="snpeff", info_tag="ANN", fields=canonical_names,
            header_lines=header_lines, mane_transcripts=mane, info_gnomad=info_gnomad,
            csq_gnomad=(),
            index={name: i for i, name in reversed(list(enumerate(canonical_names)))},
        )

    raise UserInputError(
        where, None, "INFO",
        "the VCF header declares neither INFO/CSQ (VEP) nor INFO/ANN (snpEff): the file is not "
        "annotated",
        ANNOTATE_FIX,
    )


# ---------------------------------------------------------------------------------------------
# Parsing one record
# ---------------------------------------------------------------------------------------------


def _empty(value: Optional[str]) -> Optional[str]:
    return value if value not in (None, "", ".") else None


def _parse_number(text: str, layout: AnnotationLayout, line: Optional[int], name: str,
                  locus: str) -> Optional[float]:
    """A frequency from text; ``&``-joined values (several co-located variants) give the max."""
    best: Optional[float] = None
    for part in text.split("&"):
        part = part.strip()
        if part in ("", "."):
            continue
        try:
            value = float(part)
        except ValueError:
            raise UserInputError(
                layout.path, line, name, f"{locus}: '{text}' is not a number",
                "Check how the annotation was produced; frequencies must be numeric or empty.",
            ) from None
        if math.isnan(value):
            continue
        best = value if best is None else max(best, value)
    return best


def _info_number(value: Any, layout: AnnotationLayout, line: Optional[int], name: str,
                 locus: str) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, (tuple, list)):
        numbers = [_info_number(v, layout, line, name, locus) for v in value]
        numbers = [n for n in numbers if n is not None]
        return max(numbers) if numbers else None
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, str):
        return _parse_number(value, layout, line, name, locus)
    if isinstance(value, bool):
        return None
    number = float(value)
    if math.isnan(number):
        return None
    # cyvcf2 hands Float INFO values over as float32; use the shortest decimal that round-trips
    # float32 (what the writer printed), so 0.01 stays 0.01 and threshold tests are exact.
    try:
        import numpy as np

        return float(str(np.float32(number)))
    except ImportError:  # pragma: no cover - numpy comes with cyvcf2
        return number


def _frequency(source: str, af: Optional[float], pops: Dict[str, float]) -> GnomadFrequency:
    # Highest AF among the eligible groups; ties go to the alphabetically first group.
    eligible = sorted((-v, p) for p, v in pops.items() if p in POPMAX_POPULATIONS)
    popmax_af: Optional[float] = -eligible[0][0] if eligible else None
    popmax_pop: Optional[str] = eligible[0][1] if eligible else None
    return GnomadFrequency(af, popmax_af, popmax_pop, dict(sorted(pops.items())), source, af is None)


def _gnomad_from_info(layout: AnnotationLayout, info: Callable[[str], Any],
                      line: Optional[int], locus: str) -> Optional[GnomadFrequency]:
    group = layout.info_gnomad
    if group.empty:
        return None
    af = (_info_number(info(group.af_field), layout, line, f"INFO/{group.af_field}", locus)
          if group.af_field else None)
    pops: Dict[str, float] = {}
    for pop, name in group.population_fields:
        value = _info_number(info(name), layout, line, f"INFO/{name}", locus)
        if value is not None:
            pops[pop] = value
    if af is None and not pops:
        return None
    return _frequency("info", af, pops)


def _gnomad_from_csq(layout: AnnotationLayout, entries: Sequence[Sequence[str]],
                     line: Optional[int], locus: str) -> Optional[GnomadFrequency]:
    for group in layout.csq_gnomad:

        def first_value(name: str) -> Optional[float]:
            idx = layout.index[name]
            for parts in entries:
                value = _parse_number(parts[idx], layout, line, f"INFO/CSQ/{name}", locus)
                if value is not None:
                    return value
            return None

        af = first_value(group.af_field) if group.af_field else None
        pops: Dict[str, float] = {}
        for pop, name in group.population_fields:
            value = first_value(name)
            if value is not None:
                pops[pop] = value
        if af is not None or pops:
            return _frequency(group.source, af, pops)
    return None


def _matching_entries(entries: List[List[str]], allele_idx: int, candidates: Sequence[str]
                      ) -> Tuple[List[List[str]], int]:
    for candidate in candidates:
        matched = [parts for parts in entries if parts[allele_idx] == candidate]
        if matched:
            return matched, len(entries) - len(matched)
    return [], len(entries)


def _get(parts: Sequence[str], idx: Optional[int]) -> Optional[str]:
    if idx is None:
        return None
    return _empty(parts[idx])


def _vep_transcript(parts: List[str], layout: AnnotationLayout) -> Optional[TranscriptAnnotation]:
    col = layout.index.get
    feature_type = _get(parts, col("Feature_type"))
    if feature_type and feature_type.lower() in _NON_TRANSCRIPT_FEATURES:
        return None
    transcript_id = _get(parts, col("Feature"))
    mane_id = _get(parts, col("MANE_SELECT"))
    mane = mane_id is not None
    if not mane:
        legacy = _get(parts, col("MANE"))
        if legacy and "plus_clinical" not in legacy.lower():
            mane, mane_id = True, legacy
    if not mane and transcript_id and layout.mane_transcripts:
        mane = strip_version(transcript_id) in layout.mane_transcripts
    hgvsc_ref, hgvsc = decode_hgvs(_get(parts, col("HGVSc")))
    hgvsp_ref, hgvsp = decode_hgvs(_get(parts, col("HGVSp")))
    hgvsp = normalise_hgvsp(hgvsp)
    existing = _get(parts, col("Existing_variation"))
    consequence = _get(parts, col("Consequence"))
    return TranscriptAnnotation(
        allele=parts[layout.index["Allele"]],
        gene_symbol=_get(parts, col("SYMBOL")),
        hgnc_id=normalise_hgnc(_get(parts, col("HGNC_ID"))),
        gene_id=_get(parts, col("Gene")),
        transcript_id=transcript_id,
        feature_type=feature_type,
        biotype=_get(parts, col("BIOTYPE")),
        mane_select=mane,
        mane_select_id=mane_id,
        canonical=(_get(parts, col("CANONICAL")) or "").upper() == "YES",
        consequences=tuple(t for t in consequence.split("&") if t) if consequence else (),
        impact=_get(parts, col("IMPACT")),
        hgvsc=hgvsc,
        hgvsc_reference=hgvsc_ref,
        hgvsp=hgvsp,
        hgvsp_reference=hgvsp_ref,
        exon=_get(parts, col("EXON")),
        intron=_get(parts, col("INTRON")),
        existing_ids=tuple(i for i in existing.split("&") if i) if existing else (),
        fields=dict(zip(layout.fields, parts)),
    )


def _snpeff_transcript(parts: List[str], layout: AnnotationLayout) -> Optional[TranscriptAnnotation]:
    col = layout.index.get
    feature_type = _get(parts, col("Feature_Type"))
    if feature_type and feature_type.lower() in _NON_TRANSCRIPT_FEATURES:
        return None
    transcript_id = _get(parts, col("Feature_ID"))
    consequence = _get(parts, col("Annotation"))
    terms = tuple(t for t in consequence.split("&") if t) if consequence else ()
    rank = _get(parts, col("Rank"))
    exon = intron = None
    if rank:
        term_set = set(terms)
        if term_set & _INTRONIC_TERMS and not term_set & _EXONIC_TERMS:
            intron = rank
        else:
            exon = rank
    hgvsc_ref, hgvsc = decode_hgvs(_get(parts, col("HGVS.c")))
    hgvsp_ref, hgvsp = decode_hgvs(_get(parts, col("HGVS.p")))
    hgvsp = normalise_hgvsp(hgvsp)
    mane = bool(transcript_id and strip_version(transcript_id) in layout.mane_transcripts)
    return TranscriptAnnotation(
        allele=parts[layout.index["Allele"]],
        gene_symbol=_get(parts, col("Gene_Name")),
        hgnc_id=None,
        gene_id=_get(parts, col("Gene_ID")),
        transcript_id=transcript_id,
        feature_type=feature_type,
        biotype=_get(parts, col("Transcript_BioType")),
        mane_select=mane,
        mane_select_id=transcript_id if mane else None,
        canonical=False,
        consequences=terms,
        impact=_get(parts, col("Annotation_Impact")),
        hgvsc=hgvsc,
        hgvsc_reference=hgvsc_ref,
        hgvsp=hgvsp,
        hgvsp_reference=hgvsp_ref,
        exon=exon,
        intron=intron,
        existing_ids=(),
        fields=dict(zip(layout.fields, parts)),
    )


def _severity_key(t: TranscriptAnnotation) -> Tuple[int, int]:
    return (t.impact_rank, t.severity_rank)


def select_summary(
    transcripts: Sequence[TranscriptAnnotation],
) -> Tuple[Optional[TranscriptAnnotation], Optional[str]]:
    """Pick the summary transcript: MANE Select, else canonical, else the most severe.

    Within each tier the most severe wins (impact, then Ensembl consequence order, then
    annotation order). Returns ``(transcript, basis)``; ``(None, None)`` when there is none.
    """
    if not transcripts:
        return None, None
    for basis, members in (
        ("mane_select", [t for t in transcripts if t.mane_select]),
        ("canonical", [t for t in transcripts if t.canonical]),
        ("most_severe", list(transcripts)),
    ):
        if members:
            return min(members, key=_severity_key), basis
    return None, None  # pragma: no cover - the last tier is never empty


def parse_annotation(
    layout: AnnotationLayout,
    *,
    chrom: str,
    pos: int,
    ref: str,
    alts: Sequence[str],
    vcf_id: Optional[str],
    annotation: Optional[str],
    info: Callable[[str], Any],
    line: Optional[int] = None,
) -> Optional[VariantRecord]:
    """Parse one record given its parts (any VCF reader). ``info(key)`` returns an INFO value
    or None. Returns None for a site without ALT allele (``ALT=.``)."""
    alts = [a for a in alts if a not in ("", ".")]
    if not alts:
        return None
    require_biallelic(layout.path, line, chrom, pos, alts)
    alt = alts[0]
    locus = variant_id(chrom, pos, ref, alt)

    entries: List[List[str]] = []
    if annotation:
        n_fields = len(layout.fields)
        for raw in annotation.split(","):
            parts = raw.split("|")
            if len(parts) != n_fields:
                raise UserInputError(
                    layout.path, line, f"INFO/{layout.info_tag}",
                    f"{locus}: an entry has {len(parts)} fields but the header declares "
                    f"{n_fields}",
                    "Re-run the annotator rather than editing its header or output.",
                )
            entries.append(parts)

    allele_idx = layout.index["Allele"]
    if layout.kind == "vep":
        candidates = list(dict.fromkeys((alt, vep_allele(ref, alt), minimal_allele(ref, alt))))
        build = _vep_transcript
    else:
        candidates = [alt]
        build = _snpeff_transcript
    matched, unmatched = _matching_entries(entries, allele_idx, candidates)

    transcripts = tuple(t for t in (build(p, layout) for p in matched) if t is not None)

    gnomad = _gnomad_from_info(layout, info, line, locus)
    if gnomad is None and matched and layout.csq_gnomad:
        gnomad = _gnomad_from_csq(layout, matched, line, locus)
    if gnomad is None:
        gnomad = _NO_GNOMAD

    vcf_ids = tuple(i for i in (vcf_id or "").split(";") if i and i != ".")
    existing: Dict[str, None] = {}
    for t in transcripts:
        for i in t.existing_ids:
            existing.setdefault(i)
    for i in vcf_ids:
        if _RSID.match(i):
            existing.setdefault(i)

    summary, basis = select_summary(transcripts)
    return VariantRecord(
        chrom=chrom, pos=pos, ref=ref, alt=alt, variant_id=locus, vcf_ids=vcf_ids,
        existing_ids=tuple(existing), gnomad=gnomad, transcripts=transcripts,
        summary=summary, summary_basis=basis, annotation_source=layout.kind, line=line,
        n_unmatched_entries=unmatched,
    )


def parse_record(variant: Any, layout: AnnotationLayout, *, line: Optional[int] = None
                 ) -> Optional[VariantRecord]:
    """Parse one ``cyvcf2.Variant`` with a layout from :func:`read_layout`.

    ``line`` (1-based line in the file) is used in error messages; the position is always named.
    Returns None for a site without ALT allele.
    """
    info = variant.INFO
    annotation = info.get(layout.info_tag)
    if isinstance(annotation, bytes):
        annotation = annotation.decode()
    return parse_annotation(
        layout,
        chrom=variant.CHROM,
        pos=variant.POS,
        ref=variant.REF,
        alts=variant.ALT,
        vcf_id=variant.ID,
        annotation=annotation,
        info=info.get,
        line=line,
    )


def iter_records(
    path: PathLike,
    *,
    mane_transcripts: Optional[Iterable[str]] = None,
    region: Optional[str] = None,
) -> Iterator[VariantRecord]:
    """Stream the annotated ALT alleles of a VCF (plain or bgzipped), one record at a time.

    Sites without ALT are skipped. ``region`` (``chr10:1-100``) needs a tabix/CSI index; line
    numbers in messages are then unknown and only positions are named.
    """
    import cyvcf2

    reader = cyvcf2.VCF(str(path))
    try:
        layout = read_layout(reader, mane_transcripts=mane_transcripts, path=path)
        source = reader(region) if region else reader
        for ordinal, variant in enumerate(source, start=1):
            line = None if region else layout.header_lines + ordinal
            record = parse_record(variant, layout, line=line)
            if record is not None:
                yield record
    finally:
        reader.close()


# ---------------------------------------------------------------------------------------------
# Contig naming
# ---------------------------------------------------------------------------------------------


def contig_aliases(name: str) -> Tuple[str, ...]:
    """Other spellings of a contig: with/without ``chr``; ``MT``/``chrM``/``M`` for mitochondria."""
    base = name[3:] if name.lower().startswith("chr") else name
    if base.upper() in ("M", "MT"):
        options = [name, "chrM", "MT", "M", "chrMT"]
    else:
        options = [name, base, f"chr{base}"]
    return tuple(dict.fromkeys(options))


@dataclass(frozen=True)
class ContigMap:
    """How panel contig names map onto the VCF's (identity unless harmonised)."""

    panel_to_vcf: Mapping[str, str]
    vcf_to_panel: Mapping[str, str]
    renamed: bool

    def to_vcf(self, panel_contig: str) -> str:
        return self.panel_to_vcf.get(panel_contig, panel_contig)

    def to_panel(self, vcf_contig: str) -> str:
        return self.vcf_to_panel.get(vcf_contig, vcf_contig)


def resolve_contigs(
    vcf_contigs: Iterable[str],
    panel_contigs: Iterable[str],
    *,
    harmonise: bool = False,
    vcf_path: Optional[PathLike] = None,
) -> ContigMap:
    """Check the VCF and the panel name contigs alike (``chr10`` vs ``10``, ``chrM`` vs ``MT``).

    Without ``harmonise`` a naming mismatch raises UserInputError with the exact bcftools fix;
    with it, names are mapped. Panel contigs absent from the VCF under any spelling are left out
    of the map; if none is found at all that is an error. An empty ``vcf_contigs`` (a VCF
    without ``##contig`` lines) cannot be checked and gives the identity map.
    """
    vcf_set = set(vcf_contigs)
    panel = list(dict.fromkeys(panel_contigs))
    where = str(vcf_path) if vcf_path is not None else "-"
    if not vcf_set or not panel:
        return ContigMap({}, {}, False)
    direct: Dict[str, str] = {}
    renames: Dict[str, str] = {}
    for contig in panel:
        if contig in vcf_set:
            direct[contig] = contig
            continue
        alias = next((a for a in contig_aliases(contig) if a in vcf_set), None)
        if alias is not None:
            renames[contig] = alias
    if renames and not harmonise:
        pairs = sorted(renames.items())
        shown = ", ".join(f"{v} (panel: {p})" for p, v in pairs[:5])
        mapping = "\\n".join(f"{v}\\t{p}" for p, v in pairs)
        raise UserInputError(
            where, None, "contig",
            f"the VCF and the panel name contigs differently: VCF has {shown}",
            "Rename the VCF's contigs to the panel's names: "
            f"`printf '{mapping}\\n' > rename_chrs.txt && bcftools annotate --rename-chrs "
            "rename_chrs.txt input.vcf.gz -Oz -o renamed.vcf.gz && tabix -p vcf renamed.vcf.gz`, "
            "or switch contig harmonisation on to map the names automatically.",
        )
    panel_to_vcf = {**direct, **renames}
    if not panel_to_vcf:
        vcf_shown = ", ".join(sorted(vcf_set)[:5])
        raise UserInputError(
            where, None, "contig",
            f"none of the panel's contigs ({', '.join(panel[:5])}) is in the VCF (which has "
            f"{vcf_shown}{', ...' if len(vcf_set) > 5 else ''})",
            "Check that the VCF and the panel are both on GRCh38 and describe the same genome.",
        )
    return ContigMap(
        panel_to_vcf=panel_to_vcf,
        vcf_to_panel={v: p for p, v in panel_to_vcf.items()},
        renamed=bool(renames),
    )
