"""The one parser of variant annotation (VEP ``INFO/CSQ`` or snpEff ``INFO/ANN``).

Every later step reads annotation through this module and nothing else (docs/contracts.md).
It turns one VCF record (one ALT allele; multi-allelic records must be split first) into a
:class:`VariantRecord`: the variant, every transcript annotation of that ALT allele
(:class:`TranscriptAnnotation`), a summary transcript (MANE Select, else canonical, else the most
severe consequence), existing ids and gnomAD frequencies (:class:`GnomadFrequency`).

Two entry points:

* :func:`iter_records` streams the records of a VCF file (constant memory).
* :func:`read_layout` (a path or a cyvcf2 reader) or :func:`layout_from_header` (the header
  text; neither needs cyvcf2) + :func:`parse_record` (cyvcf2 variants) or :func:`parse_annotation`
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
from functools import cached_property
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

from hlhscreen.chromosomes import in_natural_order
from hlhscreen.errors import UserInputError
from hlhscreen import field_origin
from hlhscreen.files import open_text
from hlhscreen.gtf import is_refseq_transcript
from hlhscreen.vcf_text import OLD_REC_FORMAT, OldRec, parse_old_rec
from hlhscreen.frequency import (  # noqa: F401 - GNOMAD_POPULATIONS, POPMAX_POPULATIONS re-exported
    DEFAULT_AF_FIELDS,
    GNOMAD_POPULATIONS,
    NO_FREQUENCY,
    POPMAX_POPULATIONS,
    FieldSpec,
    Frequency,
    FrequencyField,
    FrequencySource,
    combine,
    missing_explicit_fields,
    parse_af_fields,
    resolve_sources,
    unread_frequency_fields,
)

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


def is_known_consequence(term: str) -> bool:
    """An Ensembl SO term of :data:`SO_CONSEQUENCES`, or a snpEff/older term ranked as one."""
    return term in _RANK or term in _TERM_ALIASES


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

# Feature types that are not transcripts (regulatory/motif annotations are dropped). snpEff's human
# databases add PDB protein contacts: `structural_interaction_variant` (HIGH) and `protein_protein_contact`
# entries of Feature_Type `interaction` (Feature_ID `4Y1T:A_461-A_480:ENST...`), for any change at a contact
# residue, synonymous ones included: a protein-structure annotation with no Ensembl/VEP equivalent, never the
# transcript consequence the rules judge. Older snpEff wrote `protein_protein_contact` under the transcript
# itself (Feature_Type `transcript`), and NextProt features are `sequence_feature` entries (LOW or MODERATE)
# under the transcript's own id, Feature_Type naming the feature (`modified-residue:Phosphoserine`): an entry
# whose only terms are these is dropped too.
_NON_TRANSCRIPT_FEATURES = frozenset({"regulatoryfeature", "motiffeature", "motif", "interaction"})
_PROTEIN_FEATURE_TERMS = frozenset({"structural_interaction_variant", "protein_protein_contact", "sequence_feature"})

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

# Consequences of a variant outside the transcript itself: VEP writes HGVSc only for variants that
# overlap the transcript or its introns, so such an entry has none even with --hgvs.
_OUTSIDE_TRANSCRIPT_TERMS = frozenset({
    "upstream_gene_variant", "downstream_gene_variant", "intergenic_variant", "intergenic_region",
    "conserved_intergenic_variant", "TFBS_ablation", "TFBS_amplification", "TF_binding_site_variant",
    "regulatory_region_ablation", "regulatory_region_amplification", "regulatory_region_variant",
})


def lacks_hgvs(transcript: "TranscriptAnnotation") -> bool:
    """A transcript entry without HGVSc/HGVSp where the annotator writes them when asked (VEP --hgvs):
    one that overlaps its transcript; an upstream/downstream entry never has any."""
    if not transcript.transcript_id or transcript.hgvsc or transcript.hgvsp:
        return False
    return not set(transcript.consequences) <= _OUTSIDE_TRANSCRIPT_TERMS


_RSID = re.compile(r"^rs\d+$")
_VERSION = re.compile(r"\.\d+$")
# bcftools norm --old-rec-tag: the header Description of the tag it writes

#: INFO tag bin/vep_rest.py puts on a record the Ensembl REST server gave no consequence for, with why
REST_NOT_ANNOTATED_TAG = "VEP_REST_NOT_ANNOTATED"

ANNOTATE_FIX = (
    "Annotate it first: the pipeline's ANNOTATE step (VEP with --vcf, bin/vep_rest.py, or "
    "snpEff) writes INFO/CSQ or INFO/ANN."
)
SPLIT_FIX = (
    "Split multi-allelic records first: "
    "`bcftools norm -m -any -f reference.fa input.vcf.gz -Oz -o split.vcf.gz && tabix -p vcf split.vcf.gz` "
    "(-f: the split records left-aligned and trimmed, as the pipeline writes them)."
)


@dataclass(frozen=True)
class AnnotationLayout:
    """What the header says about annotation: parse it once, reuse it for every record."""

    path: str
    kind: str  # "vep" or "snpeff"
    info_tag: str  # "CSQ" or "ANN" (or the tag VEP --vcf_info_field named)
    fields: Tuple[str, ...]
    header_lines: int
    mane_transcripts: FrozenSet[str] = frozenset()
    #: frequency sources in order of precedence (hlhscreen.frequency)
    frequency_sources: Tuple[FrequencySource, ...] = ()
    #: CSQ fields holding the ID of a VEP --custom record (field named as the custom short_name)
    custom_id_fields: Tuple[str, ...] = ()
    #: INFO tag of ``bcftools norm --old-rec-tag`` (the original record of a split/realigned one)
    old_rec_tag: Optional[str] = None
    #: frequency-like fields no source reads, and explicit --af-fields the header lacks (warnings)
    unread_frequency_fields: Tuple[str, ...] = ()
    missing_af_fields: Tuple[str, ...] = ()
    #: VEP options from the header's ``##VEP-command-line`` (``pick``, ``symbol``, ...); empty without it
    vep_options: FrozenSet[str] = frozenset()
    #: INFO fields declared Number=R (REF's value first): a split record's ALT value is the second
    info_number_r: FrozenSet[str] = frozenset()
    #: field label -> the files it was copied from, as the header says (hlhscreen.field_origin: VEP --custom,
    #: bcftools annotate, VEP plugins); fields the annotator wrote from its own database (VEP cache, REST) are absent
    copied_fields: Mapping[str, Tuple[str, ...]] = field(default_factory=dict, compare=False)
    #: gnomAD datasets of the annotator's own database, as the header names them (field_origin.annotator_gnomad:
    #: VEP's ##VEP= line, the REST client's mark); empty: its gnomAD-named fields were looked up nowhere
    annotator_gnomad: FrozenSet[str] = frozenset()
    #: VEP annotated the file before bcftools norm split it (the header's lines say so: vep_ran_before_split)
    vep_before_split: bool = False
    index: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def column(self, name: str) -> Optional[int]:
        """Index of a CSQ/ANN field by its header name, or None when absent."""
        return self.index.get(name)

    @property
    def transcript_flags(self) -> Tuple[str, ...]:
        """The fields that flag a preferred transcript (MANE Select, canonical) this layout carries;
        without any, and without a MANE transcript list, the summary transcript is the most severe."""
        if self.kind != "vep":
            return ()
        return tuple(name for name in ("MANE_SELECT", "MANE", "CANONICAL") if name in self.index)

    @cached_property
    def _columns(self) -> Tuple[Optional[int], ...]:
        """Indexes of the fields the transcript builder of this layout's kind reads (computed
        once per layout, not per entry)."""
        names = _VEP_COLUMNS if self.kind == "vep" else _SNPEFF_COLUMNS
        return tuple(self.index.get(name) for name in names)


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


class _EntryFields(Mapping):
    """``TranscriptAnnotation.fields``: field name -> raw value of one entry, as
    ``dict(zip(names, values))`` but built only when first read (the screen never reads it)."""

    __slots__ = ("_names", "_values", "_dict")

    def __init__(self, names: Sequence[str], values: Sequence[str]) -> None:
        self._names = names
        self._values = values
        self._dict: Optional[Dict[str, str]] = None

    def _as_dict(self) -> Dict[str, str]:
        if self._dict is None:
            self._dict = dict(zip(self._names, self._values))
        return self._dict

    def __getitem__(self, name: str) -> str:
        return self._as_dict()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._as_dict())

    def __len__(self) -> int:
        return len(self._as_dict())

    def __repr__(self) -> str:
        return repr(self._as_dict())


def _new(cls: Any, *values: Any) -> Any:
    """``cls(*values)`` for a frozen dataclass, every field given in order, without the dataclass
    ``__init__`` (which sets each field through ``object.__setattr__``: slow for the objects the
    parser makes per record and per CSQ/ANN entry). The result is an ordinary, equal, frozen
    instance (none of these classes has ``__post_init__``)."""
    names = cls.__dataclass_fields__
    assert len(values) == len(names), (cls, len(values))
    obj = object.__new__(cls)
    obj.__dict__.update(zip(names, values))
    return obj


#: The frequencies of a record (hlhscreen.frequency.Frequency); the old name is kept for callers.
GnomadFrequency = Frequency


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
    gnomad: Frequency  # population frequencies from the first source with a value (any dataset)
    transcripts: Tuple[TranscriptAnnotation, ...]
    summary: Optional[TranscriptAnnotation]
    summary_basis: Optional[str]  # "mane_select", "canonical", "most_severe" or None
    annotation_source: str  # "vep" or "snpeff"
    line: Optional[int] = None
    n_unmatched_entries: int = 0  # CSQ/ANN entries of other ALT alleles (split multi-allelic records)
    n_entries: int = 0  # CSQ/ANN entries of the record, its own and others'
    matched_by: Optional[str] = None  # "allele", "allele_num" or "old_rec" (None: no entry matched)
    #: why a record with entries has none of its own: ``allele_ambiguous`` (entries of several ALTs of the
    #: site it was split from match it, and nothing says which are its own), else None
    unmatched_reason: Optional[str] = None

    @property
    def annotated(self) -> bool:
        """The record has at least one CSQ/ANN entry for its ALT allele."""
        return self.matched_by is not None

    @property
    def frequency(self) -> Frequency:
        return self.gnomad

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


def vep_minimal_alleles(ref: str, alt: str) -> Tuple[str, str]:
    """REF and ALT as VEP ``--minimal`` writes them (its ``trim_sequences``): the shared prefix removed,
    then the shared suffix, down to nothing, ``-`` when empty (CT>T gives ``C``/``-``; CT>C ``T``/``-``)."""
    r, a = ref, alt
    while r and a and r[0] == a[0]:
        r, a = r[1:], a[1:]
    while r and a and r[-1] == a[-1]:
        r, a = r[:-1], a[:-1]
    return r or "-", a or "-"


def vep_minimal_allele(ref: str, alt: str) -> str:
    """ALT as VEP ``--minimal`` writes it (:func:`vep_minimal_alleles`)."""
    return vep_minimal_alleles(ref, alt)[1]


def vep_ref_allele(ref: str, alt: str) -> str:
    """The REF VEP writes in its allele string for a biallelic VCF record (the counterpart of
    :func:`vep_allele`): without the shared padding base of an indel, ``-`` for nothing."""
    if len(ref) != len(alt) and ref and alt and ref[0] == alt[0]:
        return ref[1:] or "-"
    return ref


def decode_hgvs(value: Optional[str]) -> Tuple[Optional[str], Optional[str]]:
    """Percent-decode an HGVS string and split off its reference: ``(reference, notation)``.

    ``ENSP00000363:p.Leu10%3D`` -> ``("ENSP00000363", "p.Leu10=")``; ``c.1A>G`` -> ``(None, "c.1A>G")``.
    """
    if not value:
        return None, None
    text = unquote(value) if "%" in value else value
    head, sep, tail = text.partition(":")
    if sep and tail:
        return head or None, tail
    return None, text


_HGVSP_STOP = re.compile(r"^p\.\(?([A-Z][a-z]{2})(\d+)\*\)?$")
_HGVSP_SAME = re.compile(r"^p\.\(?([A-Z][a-z]{2})(\d+)\1\)?$")


# a one-letter protein change: capitals (residues), positions and HGVS's lower-case keywords only
_ONE_LETTER_HGVSP = re.compile(r"^\(?(?:[A-Z*?=_]|\d|del|ins|dup|fs|ext)+\)?$")
_ONE_LETTER_RESIDUE = re.compile(r"[A-Z]\d|\d[A-Z]")


def three_letter_hgvsp(value: Optional[str]) -> Optional[str]:
    """A one-letter protein change (snpEff ``-hgvs1LetterAa``: ``p.A91V``, ``p.T540del``,
    ``p.L473fs``, ``p.W374*``) in three-letter codes (``p.Ala91Val``, ...); three-letter and
    other notations are returned unchanged. In one-letter HGVS every capital is a residue (the
    keywords del/ins/dup/fs/ext are lower case)."""
    if not value or not value.startswith("p."):
        return value
    body = value[2:]
    if not _ONE_LETTER_HGVSP.match(body) or not _ONE_LETTER_RESIDUE.search(body):
        return value
    return "p." + "".join(_AMINO_ACIDS_3.get(ch, ch) if ch.isupper() else ch for ch in body)


def normalise_hgvsp(value: Optional[str]) -> Optional[str]:
    """One spelling of a protein change whichever tool wrote it (VEP's, HGVS 3-letter).

    snpEff writes ``p.Trp374*`` and ``p.Leu310Leu`` (with ``-hgvs1LetterAa`` ``p.W374*`` and
    ``p.L310L``: first put in three-letter codes); VEP ``p.Trp374Ter`` and ``p.Leu310=``.
    Only these whole-notation forms are rewritten; anything else is returned unchanged.
    """
    value = three_letter_hgvsp(value)
    if not value:
        return value
    if value.endswith(("*", "*)")):
        stop = _HGVSP_STOP.match(value)
        if stop:
            return f"p.{stop.group(1)}{stop.group(2)}Ter"
        return value
    # p.Leu310Leu: the same residue at both ends (each optionally inside parentheses)
    first = value[3:6] if value[2:3] == "(" else value[2:5]
    last = value[-4:-1] if value.endswith(")") else value[-3:]
    if first == last:
        same = _HGVSP_SAME.match(value)
        if same:
            return f"p.{same.group(1)}{same.group(2)}="
    return value


# VEP writes a synonymous change as the coding change with an empty protein change:
# HGVSp ``ENST...:c.1245C>T(p.=)`` (``(p.%3D)`` in a VCF)
_VEP_SYNONYMOUS = re.compile(r"^[cn]\.[^()]*\(p\.=\)$")
_AMINO_ACIDS_3 = {
    "A": "Ala", "R": "Arg", "N": "Asn", "D": "Asp", "C": "Cys", "Q": "Gln", "E": "Glu", "G": "Gly", "H": "His",
    "I": "Ile", "L": "Leu", "K": "Lys", "M": "Met", "F": "Phe", "P": "Pro", "S": "Ser", "T": "Thr", "W": "Trp",
    "Y": "Tyr", "V": "Val", "U": "Sec", "O": "Pyl", "*": "Ter", "X": "Ter",
}


def vep_synonymous_hgvsp(hgvsp: Optional[str], amino_acids: Optional[str],
                         protein_position: Optional[str]) -> Optional[str]:
    """VEP's synonymous HGVSp ``c.1245C>T(p.=)`` as a protein change, ``p.Ala415=`` (snpEff's
    ``p.Ala415Ala`` gives the same), from VEP's Amino_acids (``A``) and Protein_position (``415``);
    ``p.=`` when those fields are absent. Anything else is returned unchanged."""
    if not hgvsp or not _VEP_SYNONYMOUS.match(hgvsp):
        return hgvsp
    residue = _AMINO_ACIDS_3.get((amino_acids or "").split("/")[0])
    position = (protein_position or "").split("-")[0]
    if residue and position.isdigit():
        return f"p.{residue}{position}="
    return "p.="


_FRAMESHIFT = re.compile(r"^p\.\(?([A-Z][a-z]{2}\d+)(?:[A-Z][a-z]{2})?fs")
_IMMEDIATE_STOP = re.compile(r"^p\.\(?([A-Z][a-z]{2}\d+)(?:Ter|\*)\)?$")  # a nonsense form: p.Cys101Ter
_CODING_TRAILING_BASES = re.compile(r"(del|dup)[ACGTN]+$")


def protein_label(hgvsp: Optional[str], consequences: Sequence[str] = ()) -> Optional[str]:
    """One short spelling of a protein change for labels, whichever annotator wrote it.

    Frameshifts use HGVS's short form (VEP ``p.Ala134GlnfsTer7`` and snpEff ``p.Ala134fs`` both give
    ``p.Ala134fs``: the new reading frame's length depends on the transcript model), also one whose new
    frame stops at once, which VEP writes in HGVS's nonsense form (``p.Cys101Ter`` with the consequence
    ``frameshift_variant``: give ``consequences``) and snpEff as ``p.Cys101fs``; ``*`` is written ``Ter``;
    wrapping parentheses (predicted) are dropped. Other changes are unchanged."""
    if not hgvsp:
        return hgvsp
    if not hgvsp.startswith("p.") or not any(ch.isdigit() for ch in hgvsp):
        # not a protein change, or one without a position (p.=, p.?) that many variants share:
        # the label falls back to HGVSc
        return None
    frameshift = _FRAMESHIFT.match(hgvsp) or (
        _IMMEDIATE_STOP.match(hgvsp) if "frameshift_variant" in consequences else None)
    if frameshift:
        return f"p.{frameshift.group(1)}fs"
    text = hgvsp
    if text.startswith("p.(") and text.endswith(")"):
        text = "p." + text[3:-1]
    return text.replace("*", "Ter")


def coding_label(hgvsc: Optional[str]) -> Optional[str]:
    """HGVSc for labels: the deleted/duplicated bases some annotators append are dropped
    (snpEff/older VEP ``c.123delA``, current VEP ``c.123del``: both ``c.123del``)."""
    if not hgvsc:
        return hgvsc
    return _CODING_TRAILING_BASES.sub(r"\1", hgvsc)


def variant_label(hgvsp: Optional[str], hgvsc: Optional[str], fallback: str, consequences: Sequence[str] = ()) -> str:
    """The label of a variant in tables and plots: :func:`protein_label` (with the transcript's ``consequences``),
    else :func:`coding_label`, else ``fallback`` (the variant id). The same call gets the same label with VEP and
    snpEff."""
    return protein_label(hgvsp, consequences) or coding_label(hgvsc) or fallback


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


#: snpEff's ANN messages (field 16, ``ERRORS / WARNINGS / INFO``), each given a deliberate treatment
#: (docs/annotation.md, "snpEff's ERRORS / WARNINGS / INFO field"). The ANN specification also allows
#: the short codes; they are read as the names they stand for.
SNPEFF_MESSAGES_FIELD = "ERRORS / WARNINGS / INFO"
SNPEFF_SHORT_CODES: Dict[str, str] = {
    "E1": "ERROR_CHROMOSOME_NOT_FOUND", "E2": "ERROR_OUT_OF_CHROMOSOME_RANGE",
    "W1": "WARNING_REF_DOES_NOT_MATCH_GENOME", "W2": "WARNING_SEQUENCE_NOT_AVAILABLE",
    "W3": "WARNING_TRANSCRIPT_INCOMPLETE", "W4": "WARNING_TRANSCRIPT_MULTIPLE_STOP_CODONS",
    "W5": "WARNING_TRANSCRIPT_NO_START_CODON",
    "I1": "INFO_REALIGN_3_PRIME", "I2": "INFO_COMPOUND_ANNOTATION", "I3": "INFO_NON_REFERENCE_ANNOTATION",
}
#: the database is not the VCF's genome: the run stops on a panel record carrying one. The chromosome is
#: missing (an empty MODIFIER entry), or the VCF's REF is not the database genome's base.
SNPEFF_GENOME_MISMATCH = frozenset({"ERROR_CHROMOSOME_NOT_FOUND", "WARNING_REF_DOES_NOT_MATCH_GENOME"})
#: a position beyond the chromosome's end: a genome mismatch for a sequence allele (an SNV or indel
#: there cannot exist on the VCF's genome); on a symbolic allele (``<DUP>``...) snpEff also writes it on one
#: transcript's entry of an SV within bounds (SnpEff issue 582), so there it marks that entry only
SNPEFF_OUT_OF_RANGE = "ERROR_OUT_OF_CHROMOSOME_RANGE"
#: informative only (HGVS 3' shifting, compound or non-reference annotation): ignored
SNPEFF_INFO_ONLY = frozenset({"INFO_REALIGN_3_PRIME", "INFO_COMPOUND_ANNOTATION", "INFO_NON_REFERENCE_ANNOTATION"})
#: every other code (ERROR_OUT_OF_EXON, ERROR_MISSING_CDS_SEQUENCE, WARNING_SEQUENCE_NOT_AVAILABLE,
#: WARNING_TRANSCRIPT_*, and any code snpEff documents later) describes one transcript's entry: it is
#: marked (variants.tsv ``annotation_flags`` when the entry is the one the variant is judged by).


def snpeff_codes(transcript: TranscriptAnnotation) -> Tuple[str, ...]:
    """The ``&``-joined codes of a snpEff entry's ERRORS / WARNINGS / INFO field, short codes named, in order."""
    text = transcript.fields.get(SNPEFF_MESSAGES_FIELD) or ""
    codes = (code.strip() for code in text.split("&"))
    return tuple(SNPEFF_SHORT_CODES.get(code, code) for code in codes if code)


def _symbolic(alt: str) -> bool:
    """A symbolic or breakend ALT (``<DUP>``, ``N[chr1:5[``): no sequence of its own."""
    return alt.startswith("<") or "[" in alt or "]" in alt


def snpeff_genome_mismatch(record: "VariantRecord") -> Tuple[str, ...]:
    """The codes of the record's own snpEff entries that say the database is not the VCF's genome
    (:data:`SNPEFF_GENOME_MISMATCH`, and :data:`SNPEFF_OUT_OF_RANGE` on a sequence allele), without
    repeats; ``()`` for VEP and for entries without such a code."""
    if record.annotation_source != "snpeff":
        return ()
    genome_level = SNPEFF_GENOME_MISMATCH if _symbolic(record.alt) else SNPEFF_GENOME_MISMATCH | {SNPEFF_OUT_OF_RANGE}
    found: Dict[str, None] = {}
    for t in record.transcripts:
        for code in snpeff_codes(t):
            if code in genome_level:
                found.setdefault(code)
    return tuple(found)


def snpeff_entry_flags(record: "VariantRecord", transcript: Optional[TranscriptAnnotation]) -> Tuple[str, ...]:
    """The codes that make one snpEff entry of the record less reliable: all but the INFO ones
    (:data:`SNPEFF_INFO_ONLY`), without repeats; ``()`` for VEP or no entry. In a panel record the
    genome-level ones never get here (:func:`snpeff_genome_mismatch` stops the run first)."""
    if record.annotation_source != "snpeff" or transcript is None:
        return ()
    return tuple(dict.fromkeys(code for code in snpeff_codes(transcript) if code not in SNPEFF_INFO_ONLY))


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
    return read_header_text(path)[1]


_HEADER_ITEM = re.compile(r'\s*([^=,]+)=("(?:[^"\\]|\\.)*"|[^,]*),?')


def _header_record(line: str) -> Optional[Tuple[str, Dict[str, str]]]:
    """``##INFO=<ID=X,Description="a, b">`` -> ``("INFO", {"ID": "X", "Description": '"a, b"'})``;
    None for a line that is not a structured ``##KEY=<...>`` line."""
    key, sep, rest = line.rstrip("\r\n")[2:].partition("=")
    if not sep or not rest.startswith("<") or not rest.endswith(">"):
        return None
    values: Dict[str, str] = {}
    body = rest[1:-1]
    at = 0
    while at < len(body):
        item = _HEADER_ITEM.match(body, at)
        if item is None or item.end() == at:
            break
        values.setdefault(item.group(1).strip(), item.group(2))
        at = item.end()
    return key, values


def _info_headers(header_text: str) -> Dict[str, Dict[str, str]]:
    """INFO ID -> the attributes of its header line (values as written, quotes kept); the first
    definition of an ID wins, as in htslib."""
    out: Dict[str, Dict[str, str]] = {}
    for line in header_text.split("\n"):
        if not line.startswith("##INFO=<"):
            continue
        parsed = _header_record(line)
        if parsed is not None and "ID" in parsed[1]:
            out.setdefault(parsed[1]["ID"], parsed[1])
    return out


def read_header_text(path: PathLike) -> Tuple[str, int]:
    """The header of a plain or bgzipped VCF as written (the ``#`` lines) and its number of lines."""
    lines: List[str] = []
    with open_text(path) as handle:
        for line in handle:
            if not line.startswith("#"):
                break
            lines.append(line)
    return "".join(lines), len(lines)


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


AfFields = Union[str, Sequence[FieldSpec], None]


def read_layout(
    vcf: Union[PathLike, Any],
    *,
    mane_transcripts: Optional[Iterable[str]] = None,
    path: Optional[PathLike] = None,
    af_fields: AfFields = None,
) -> AnnotationLayout:
    """Read the annotation layout from a VCF header.

    ``vcf`` is a path (its header is read as text; cyvcf2 is not needed) or an open
    ``cyvcf2.VCF`` (then pass ``path`` for messages and line numbers). ``mane_transcripts`` are
    MANE Select transcript ids (with or without version) used for snpEff, and for VEP output
    lacking MANE fields. CSQ is preferred when both CSQ and ANN are declared. ``af_fields``: the
    frequency sources and their precedence (``--af-fields``; default
    :data:`hlhscreen.frequency.DEFAULT_AF_FIELDS`).
    """
    if isinstance(vcf, (str, os.PathLike)):
        text, n_lines = read_header_text(vcf)
        return layout_from_header(text, mane_transcripts=mane_transcripts, path=vcf, header_lines=n_lines,
                                  af_fields=af_fields)
    n_lines = count_header_lines(path) if path is not None and os.path.exists(path) else 0
    return layout_from_header(vcf.raw_header, mane_transcripts=mane_transcripts, path=path, header_lines=n_lines,
                              af_fields=af_fields)


def _is_vep_description(description: str) -> bool:
    """A VEP annotation field, whatever its INFO tag (``--vcf_info_field``): VEP's description
    has a ``Format: Allele|Consequence|...`` list."""
    fields = _csq_fields_from_description(description)
    return bool(fields) and "Allele" in fields and "Consequence" in fields


def _annotation_tag(infos: Mapping[str, Mapping[str, str]]) -> Optional[Tuple[str, str]]:
    """``(INFO tag, "vep"|"snpeff")`` of the annotation: CSQ (VEP) first, then ANN (VEP layout
    when its description is VEP's, as with ``--vcf_info_field ANN``; else snpEff), then any other
    tag carrying VEP's description (``--vcf_info_field <name>``)."""
    if "CSQ" in infos:
        return "CSQ", "vep"
    if "ANN" in infos:
        return "ANN", "vep" if _is_vep_description(infos["ANN"].get("Description", "")) else "snpeff"
    for tag, attributes in infos.items():
        description = attributes.get("Description", "")
        if "Ensembl VEP" in description and _is_vep_description(description):
            return tag, "vep"
    return None


_VEP_COMMAND_LINE = re.compile(r"^##VEP-command-line='?(.*?)'?\s*$", re.MULTILINE)


def vep_command_options(header_text: str) -> FrozenSet[str]:
    """The options of the VEP run, from the ``##VEP-command-line='vep --cache --pick ...'`` line VEP
    writes into its VCF header (option names without dashes); empty when there is no such line."""
    options: set = set()
    for found in _VEP_COMMAND_LINE.finditer(header_text):
        options.update(token[2:] for token in found.group(1).split() if token.startswith("--") and len(token) > 2)
    return frozenset(options)


_NORM_SPLIT = re.compile(r"^##bcftools_normCommand=.*?(?:^|[\s=])(?:-m|--multiallelics)(?:\s+|=)?-", re.MULTILINE)


def vep_ran_before_split(header_text: str) -> bool:
    """The header's ``##VEP-command-line`` comes before a ``##bcftools_normCommand`` line that split multi-allelic
    records (``-m -any``, ``--multiallelics -both``): VEP annotated the sites whole and bcftools norm split them
    afterwards (each tool appends its lines to the header it read). A later norm that did not split (``norm -d
    exact``, as the screen's duplicate message suggests) does not count. False when either line is missing (VEP or
    norm without its command line: cannot be told)."""
    vep = header_text.find("##VEP-command-line")
    return vep >= 0 and any(found.start() > vep for found in _NORM_SPLIT.finditer(header_text))


def vep_option_value(header_text: str, name: str) -> Optional[str]:
    """The value given to VEP option ``--name`` in ``##VEP-command-line`` (the token after it), or
    None when the option is absent or has no value."""
    for found in _VEP_COMMAND_LINE.finditer(header_text):
        tokens = found.group(1).split()
        for at, token in enumerate(tokens[:-1]):
            if token == f"--{name}" and not tokens[at + 1].startswith("--"):
                return tokens[at + 1]
    return None


#: VEP frequency options and the CSQ columns each writes (any one of them: VEP <= 106 wrote gnomAD exomes
#: as gnomAD_*, >= 107 as gnomADe_*). ``--fields`` can leave them out although VEP computed them.
VEP_FREQUENCY_OPTIONS: Tuple[Tuple[str, Tuple[str, ...]], ...] = (
    ("af_gnomade", ("gnomADe_AF", "gnomAD_AF")),
    ("af_gnomad", ("gnomAD_AF", "gnomADe_AF")),
    ("af_gnomadg", ("gnomADg_AF",)),
    ("af", ("AF",)),
    ("af_1kg", ("AFR_AF", "AMR_AF", "EAS_AF", "EUR_AF", "SAS_AF")),
    ("af_esp", ("AA_AF", "EA_AF")),
    ("max_af", ("MAX_AF",)),
)


#: the frequency options ``--everything`` has switched on in every release since 95 (``--af_gnomadg``
#: only since 105 and ``--af_esp`` only before 107: left out)
VEP_EVERYTHING_FREQUENCY_OPTIONS: FrozenSet[str] = frozenset({"af", "af_1kg", "af_gnomade", "max_af"})


def vep_frequency_fields_missing(options: FrozenSet[str], fields: Sequence[str]) -> Tuple[Tuple[str, str], ...]:
    """``(option, column)`` for each frequency option of the VEP run (:func:`vep_command_options`; with
    ``--everything``, :data:`VEP_EVERYTHING_FREQUENCY_OPTIONS` too) none of whose columns is in the CSQ
    ``Format:`` list (:data:`VEP_FREQUENCY_OPTIONS`): VEP computed those frequencies and ``--fields`` left
    them out of the file, so no record can be judged by them."""
    present = set(fields)
    if "everything" in options:
        options = options | VEP_EVERYTHING_FREQUENCY_OPTIONS
    return tuple((option, columns[0]) for option, columns in VEP_FREQUENCY_OPTIONS
                 if option in options and not present & set(columns))


_SNPEFF_COMMAND_LINE = re.compile(r'^##SnpEffCmd="?(.*?)"?\s*$', re.MULTILINE)


def snpeff_command_options(header_text: str) -> FrozenSet[str]:
    """The options of the snpEff run, from the ``##SnpEffCmd="SnpEff  -canon GRCh38.105 in.vcf "`` line snpEff
    writes into its VCF header (with their dash: ``-canon``); empty when there is no such line."""
    return frozenset(token for found in _SNPEFF_COMMAND_LINE.finditer(header_text)
                     for token in found.group(1).split() if token.startswith("-") and len(token) > 1)


#: VEP options that leave every transcript column empty (one consequence per variant, no gene):
#: a panel variant cannot be placed in its gene, so such output is refused.
VEP_SUMMARY_OPTIONS: Tuple[str, ...] = ("most_severe", "summary")

# Annotations this parser does not read, by the INFO tags their tools write: named in the error
# instead of "not annotated" (the tool ran, its output has another layout).
_UNSUPPORTED_ANNOTATIONS: Tuple[Tuple[str, str], ...] = (
    ("BCSQ", "bcftools csq's INFO/BCSQ (haplotype-aware consequences; another layout, no IMPACT and no HGVS)"),
    ("FUNCOTATION", "GATK Funcotator's INFO/FUNCOTATION (another layout)"),
    ("ANNOVAR_DATE", "ANNOVAR's table_annovar INFO fields (Func.refGene, ExonicFunc.refGene, ...; another layout)"),
)


def _unsupported_annotation(infos: Mapping[str, Mapping[str, str]]) -> Optional[str]:
    """What an annotation this parser does not read is, when the header declares one; else None."""
    for tag, what in _UNSUPPORTED_ANNOTATIONS:
        if tag in infos:
            return what
    if any(tag.startswith("Func.") or tag.startswith("ExonicFunc.") for tag in infos):
        return _UNSUPPORTED_ANNOTATIONS[-1][1]
    split = sorted(tag for tag, attributes in infos.items()
                   if _SPLIT_VEP_DESCRIPTION.match(attributes.get("Description", "").strip('"')))
    if split:
        return (f"bcftools +split-vep's per-field INFO tags ({', '.join(split[:4])}{', ...' if len(split) > 4 else ''}) "
                "without the INFO/CSQ or INFO/ANN they were split from (removed with -x, so the per-transcript entries "
                "are gone)")
    return None


# bcftools +split-vep describes each INFO tag it writes as "The <field> field from INFO/CSQ"
_SPLIT_VEP_DESCRIPTION = re.compile(r"^The \S+ field from INFO/\w+")


def _af_specs(af_fields: AfFields) -> Tuple[FieldSpec, ...]:
    if af_fields is None:
        return parse_af_fields(DEFAULT_AF_FIELDS)
    if isinstance(af_fields, str):
        return parse_af_fields(af_fields)
    return tuple(af_fields)


# (source name, CSQ field) pairs whose field holds the --custom record's ID (rsIDs for gnomAD)
_CUSTOM_ID_NAMES = frozenset({("csq_gnomad", "gnomAD"), ("csq_gnomade", "gnomADe"), ("csq_gnomadg", "gnomADg")})


def _custom_id_fields(sources: Sequence[FrequencySource], fields: Sequence[str]) -> Tuple[str, ...]:
    """CSQ fields named as a --custom short_name whose frequency fields are read: VEP writes the
    matching custom record's ID there (gnomAD's ID column holds rsIDs)."""
    present = set(fields)
    out: List[str] = []
    for source in sources:
        if source.location != "CSQ":
            continue
        if source.name.startswith("csq_custom:"):
            name = source.name.split(":", 1)[1]
        else:
            name = next((f for s, f in _CUSTOM_ID_NAMES if s == source.name), "")
        if name in present and name not in out:
            out.append(name)
    return tuple(out)


def layout_from_header(
    header_text: str,
    *,
    mane_transcripts: Optional[Iterable[str]] = None,
    path: Optional[PathLike] = None,
    header_lines: int = 0,
    af_fields: AfFields = None,
) -> AnnotationLayout:
    """The annotation layout from the text of a VCF header (its ``#`` lines).

    ``header_lines`` is the number of header lines in the file (record line numbers in messages
    count from it); ``path`` names the file in messages; ``af_fields`` as in :func:`read_layout`."""
    where = str(path) if path is not None else "-"
    infos = _info_headers(header_text)
    mane = frozenset(strip_version(t) for t in (mane_transcripts or ()) if t)
    specs = _af_specs(af_fields)
    old_rec = next((tag for tag, attributes in infos.items()
                    if OLD_REC_FORMAT in attributes.get("Description", "")), None)
    found = _annotation_tag(infos)
    if found is None and "EFF" in infos:
        # snpEff < 4.1, or a newer one run with -formatEff / -classic: a different layout
        # (Effect(Impact|Class|Codon|AA|...)) without HGVS; reading it as "not annotated" would hide it
        raise UserInputError(
            where, None, "INFO/EFF",
            "the VCF carries snpEff's old INFO/EFF annotation (snpEff < 4.1, or -formatEff/-classic), which this "
            "screen does not read (no HGVS, another layout)",
            "Re-annotate with snpEff 4.1 or later without -formatEff/-classic (INFO/ANN), or with VEP (INFO/CSQ).",
        )
    unsupported = _unsupported_annotation(infos) if found is None else None
    if unsupported is not None:
        raise UserInputError(
            where, None, "INFO",
            f"the VCF carries {unsupported}, which this screen does not read: it reads only VEP's INFO/CSQ and "
            "snpEff's INFO/ANN",
            "Annotate with VEP (--vcf --symbol --hgvs --canonical --mane) or snpEff 4.1 or later (INFO/ANN), e.g. "
            "the pipeline's --annotator vep or offline.",
        )
    if found is None:
        raise UserInputError(
            where, None, "INFO",
            "the VCF header declares neither INFO/CSQ (VEP) nor INFO/ANN (snpEff): the file is not "
            "annotated",
            ANNOTATE_FIX,
        )
    tag, kind = found
    info_ids = tuple(i for i in infos if i != tag)
    number_r = frozenset(i for i in info_ids if infos[i].get("Number") == "R")

    if kind == "vep":
        fields = _csq_fields_from_description(infos[tag].get("Description", ""))
        if not fields:
            raise UserInputError(
                where, None, f"INFO/{tag}",
                f"the {tag} header has no 'Format: Allele|Consequence|...' field list",
                "Use the header VEP wrote (vep --vcf); do not edit the CSQ description.",
            )
        vep_options = vep_command_options(header_text)
        summary_only = [name for name in VEP_SUMMARY_OPTIONS if name in vep_options]
        if summary_only:
            raise UserInputError(
                where, None, f"INFO/{tag}",
                f"VEP was run with --{summary_only[0]} (##VEP-command-line), which writes one consequence per variant "
                "and leaves every transcript column (SYMBOL, Feature, HGVS) empty: no variant can be placed in its "
                "panel gene or judged by a transcript",
                "Re-run VEP without --most_severe/--summary, with --symbol --hgvs --canonical --mane (the pipeline's "
                "--annotator vep does).",
            )
        # --terms SO (the default) writes SO terms; display and NCBI write other names
        if "terms" in vep_options and (vep_option_value(header_text, "terms") or "").upper() != "SO":
            raise UserInputError(
                where, None, f"INFO/{tag}",
                "VEP was run with --terms (##VEP-command-line): its Consequence column holds Ensembl display or NCBI "
                "terms (STOP_GAINED, missense), not the Sequence Ontology terms the screen's rules and --consequences "
                "name, so splice-region variants would be dropped and severities not ranked",
                "Re-run VEP without --terms (SO terms are its default).",
            )
        missing = [name for name in REQUIRED_CSQ_FIELDS if name not in fields]
        if missing:
            raise UserInputError(
                where, None, f"INFO/{tag}",
                f"the {tag} header lacks required field(s) {', '.join(missing)}",
                "Re-run VEP with --symbol --hgvs (and --vcf) so that CSQ carries "
                + ", ".join(REQUIRED_CSQ_FIELDS) + ".",
            )
        sources = resolve_sources(specs, info_ids, fields)
        return AnnotationLayout(
            path=where, kind="vep", info_tag=tag, fields=fields, header_lines=header_lines,
            mane_transcripts=mane, frequency_sources=sources, custom_id_fields=_custom_id_fields(sources, fields),
            old_rec_tag=old_rec,
            unread_frequency_fields=tuple(unread_frequency_fields(sources, info_ids, fields)),
            missing_af_fields=tuple(missing_explicit_fields(specs, info_ids, fields)),
            vep_options=vep_options, info_number_r=number_r, copied_fields=field_origin.copied_fields(header_text),
            annotator_gnomad=field_origin.annotator_gnomad(header_text),
            vep_before_split=vep_ran_before_split(header_text),
            index={name: i for i, name in reversed(list(enumerate(fields)))},
        )

    declared = _ann_fields_from_description(infos[tag].get("Description", ""))
    fields = declared or SNPEFF_ANN_FIELDS
    # Map header spellings onto the standard names so lookups do not depend on spacing.
    standard = {_norm_name(n): n for n in SNPEFF_ANN_FIELDS}
    canonical_names = tuple(standard.get(_norm_name(n), n) for n in fields)
    missing = [name for name in REQUIRED_ANN_FIELDS if name not in canonical_names]
    if missing:
        raise UserInputError(
            where, None, "INFO/ANN",
            f"the ANN header lacks required field(s) {', '.join(missing)}",
            "Use the header snpEff wrote (standard ANN layout 'Allele | Annotation | ...'), or, for VEP "
            "output under INFO/ANN, the header VEP wrote ('Format: Allele|Consequence|...').",
        )
    sources = resolve_sources(specs, info_ids, ())
    return AnnotationLayout(
        path=where, kind="snpeff", info_tag=tag, fields=canonical_names,
        header_lines=header_lines, mane_transcripts=mane, frequency_sources=sources, old_rec_tag=old_rec,
        unread_frequency_fields=tuple(unread_frequency_fields(sources, info_ids, ())),
        missing_af_fields=tuple(missing_explicit_fields(specs, info_ids, ())), info_number_r=number_r,
        copied_fields=field_origin.copied_fields(header_text),
        index={name: i for i, name in reversed(list(enumerate(canonical_names)))},
    )


# ---------------------------------------------------------------------------------------------
# Parsing one record
# ---------------------------------------------------------------------------------------------


def _parse_number(text: str, layout: AnnotationLayout, line: Optional[int], name: str,
                  locus: str) -> Optional[float]:
    """A frequency from text; ``&``-joined values (several co-located variants) give the max."""
    if "&" not in text:  # one value: the common case
        try:
            value = float(text)
        except ValueError:
            pass  # empty, "." or not a number: the general path below says which
        else:
            return None if math.isnan(value) else value
    if "," in text:
        # one value per ALT of a site that was not split when it was annotated, under a field
        # declared Number=. or 1 (bcftools split a Number=A field's values, but cannot split these)
        raise UserInputError(
            layout.path, line, name,
            f"{locus}: '{text}' holds {text.count(',') + 1} values for the record's one ALT: the field was "
            "filled on a multi-allelic site and not split with it, or it is a list that starts with REF's "
            "frequency (dbSNP's CAF and TOPMED), so which value is this ALT's is unknown",
            "Declare the field Number=A (Number=R for a REF-first list) in the header before splitting (bcftools "
            "norm -m -any splits both), or annotate frequencies after splitting.",
        )
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
    if type(value) is str:
        return _parse_number(value, layout, line, name, locus)
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


def _alt_value_of_number_r(raw: Any) -> Any:
    """The ALT's value of a Number=R INFO value of a split record (``REF,ALT``); anything else unchanged
    (more values: the site was not split, which the number parser reports)."""
    if isinstance(raw, bytes):
        raw = raw.decode()
    if isinstance(raw, str) and raw.count(",") == 1:
        return raw.split(",")[1]
    if isinstance(raw, (tuple, list)) and len(raw) == 2:
        return raw[1]
    return raw


def _frequency_of(layout: AnnotationLayout, info: Callable[[str], Any], entries: Sequence[Sequence[str]],
                  line: Optional[int], locus: str) -> Frequency:
    """Frequencies from the first source (in the layout's order) with any value for the record.
    CSQ values come from the record's own entries (the first non-empty one: they describe the same
    co-located variants)."""
    for source in layout.frequency_sources:
        values: Dict[FrequencyField, float] = {}
        for f in source.fields:
            if f.location == "INFO":
                raw = info(f.name)
                if f.name in layout.info_number_r:
                    raw = _alt_value_of_number_r(raw)
                value = None if raw is None else _info_number(raw, layout, line, f"INFO/{f.name}", locus)
            else:
                value = None
                idx = layout.index.get(f.name)
                if idx is not None:
                    for parts in entries:
                        value = _parse_number(parts[idx], layout, line, f"INFO/{layout.info_tag}/{f.name}", locus)
                        if value is not None:
                            break
            if value is not None:
                values[f] = value
        if values:
            group = None
            if source.max_group_field:
                if source.location == "INFO":
                    raw_group = info(source.max_group_field)
                    group = raw_group.decode() if isinstance(raw_group, bytes) else raw_group
                    group = group if isinstance(group, str) and group not in ("", ".") else None
                else:
                    idx = layout.index.get(source.max_group_field)
                    group = next((p[idx] for p in entries if idx is not None and p[idx] not in ("", ".")), None)
            return combine(source, values, group)
    return NO_FREQUENCY


def _get(parts: Sequence[str], idx: Optional[int]) -> Optional[str]:
    """The field at ``idx`` (None when the layout has no such field); empty and ``.`` are None."""
    if idx is None:
        return None
    value = parts[idx]
    return value if value and value != "." else None


def _terms(value: Optional[str]) -> Tuple[str, ...]:
    """``a&b`` -> ``("a", "b")`` without empty terms; None -> ``()``."""
    if not value:
        return ()
    terms = value.split("&")
    return tuple(terms) if "" not in terms else tuple(t for t in terms if t)


# The fields each builder reads, in the order of AnnotationLayout._columns.
_VEP_COLUMNS: Tuple[str, ...] = (
    "Feature_type", "Feature", "MANE_SELECT", "MANE", "HGVSc", "HGVSp", "Existing_variation", "Consequence",
    "SYMBOL", "HGNC_ID", "Gene", "BIOTYPE", "CANONICAL", "IMPACT", "EXON", "INTRON", "Amino_acids",
    "Protein_position",
)
_SNPEFF_COLUMNS: Tuple[str, ...] = (
    "Feature_Type", "Feature_ID", "Annotation", "Rank", "HGVS.c", "HGVS.p", "Gene_Name", "Gene_ID",
    "Transcript_BioType", "Annotation_Impact",
)


def _vep_transcript(parts: List[str], layout: AnnotationLayout) -> Optional[TranscriptAnnotation]:
    (i_feature_type, i_feature, i_mane_select, i_mane, i_hgvsc, i_hgvsp, i_existing, i_consequence,
     i_symbol, i_hgnc, i_gene, i_biotype, i_canonical, i_impact, i_exon, i_intron, i_amino_acids,
     i_protein_position) = layout._columns
    feature_type = _get(parts, i_feature_type)
    if feature_type and feature_type.lower() in _NON_TRANSCRIPT_FEATURES:
        return None
    transcript_id = _get(parts, i_feature)
    mane_id = _get(parts, i_mane_select)
    mane = mane_id is not None
    if not mane:
        legacy = _get(parts, i_mane)
        if legacy and "plus_clinical" not in legacy.lower():
            mane, mane_id = True, legacy
    if not mane and transcript_id and layout.mane_transcripts:
        mane = strip_version(transcript_id) in layout.mane_transcripts
    hgvsc_ref, hgvsc = decode_hgvs(_get(parts, i_hgvsc))
    hgvsp_ref, hgvsp = decode_hgvs(_get(parts, i_hgvsp))
    hgvsp = normalise_hgvsp(vep_synonymous_hgvsp(hgvsp, _get(parts, i_amino_acids), _get(parts, i_protein_position)))
    existing = _get(parts, i_existing)
    consequence = _get(parts, i_consequence)
    canonical = _get(parts, i_canonical)
    return _new(
        TranscriptAnnotation,
        parts[layout.index["Allele"]],  # allele
        _get(parts, i_symbol),  # gene_symbol
        normalise_hgnc(_get(parts, i_hgnc)),  # hgnc_id
        _get(parts, i_gene),  # gene_id
        transcript_id,
        feature_type,
        _get(parts, i_biotype),  # biotype
        mane,  # mane_select
        mane_id,  # mane_select_id
        canonical is not None and canonical.upper() == "YES",  # canonical
        _terms(consequence),  # consequences
        _get(parts, i_impact),  # impact
        hgvsc,
        hgvsc_ref,  # hgvsc_reference
        hgvsp,
        hgvsp_ref,  # hgvsp_reference
        _get(parts, i_exon),  # exon
        _get(parts, i_intron),  # intron
        _terms(existing),  # existing_ids
        _EntryFields(layout.fields, parts),  # fields
    )


def _snpeff_transcript(parts: List[str], layout: AnnotationLayout) -> Optional[TranscriptAnnotation]:
    (i_feature_type, i_feature, i_annotation, i_rank, i_hgvsc, i_hgvsp, i_gene_name, i_gene_id, i_biotype,
     i_impact) = layout._columns
    feature_type = _get(parts, i_feature_type)
    if feature_type and feature_type.lower() in _NON_TRANSCRIPT_FEATURES:
        return None
    transcript_id = _get(parts, i_feature)
    terms = _terms(_get(parts, i_annotation))
    if terms and _PROTEIN_FEATURE_TERMS.issuperset(terms):
        return None
    rank = _get(parts, i_rank)
    exon = intron = None
    if rank:
        term_set = set(terms)
        if term_set & _INTRONIC_TERMS and not term_set & _EXONIC_TERMS:
            intron = rank
        else:
            exon = rank
    hgvsc_ref, hgvsc = decode_hgvs(_get(parts, i_hgvsc))
    hgvsp_ref, hgvsp = decode_hgvs(_get(parts, i_hgvsp))
    hgvsp = normalise_hgvsp(hgvsp)
    mane = bool(transcript_id and strip_version(transcript_id) in layout.mane_transcripts)
    return _new(
        TranscriptAnnotation,
        parts[layout.index["Allele"]],  # allele
        _get(parts, i_gene_name),  # gene_symbol
        None,  # hgnc_id
        _get(parts, i_gene_id),  # gene_id
        transcript_id,
        feature_type,
        _get(parts, i_biotype),  # biotype
        mane,  # mane_select
        transcript_id if mane else None,  # mane_select_id
        False,  # canonical
        terms,  # consequences
        _get(parts, i_impact),  # impact
        hgvsc,
        hgvsc_ref,  # hgvsc_reference
        hgvsp,
        hgvsp_ref,  # hgvsp_reference
        exon,
        intron,
        (),  # existing_ids
        _EntryFields(layout.fields, parts),  # fields
    )


def _severity_key(t: TranscriptAnnotation) -> Tuple[int, int]:
    return (t.impact_rank, t.severity_rank)


def _summary_key(t: TranscriptAnnotation) -> Tuple[int, int, bool]:
    # VEP --merged writes the Ensembl and the RefSeq twin of a MANE transcript as two entries, in no fixed
    # order: between equally severe ones the RefSeq id labels the variant (what a lab choosing the merged
    # cache reports), so every variant of a run is labelled alike whatever the entry order
    return (*_severity_key(t), not is_refseq_transcript(t.transcript_id))


def select_summary(
    transcripts: Sequence[TranscriptAnnotation],
) -> Tuple[Optional[TranscriptAnnotation], Optional[str]]:
    """Pick the summary transcript: MANE Select, else canonical, else the most severe.

    Within each tier the most severe wins (impact, then Ensembl consequence order, then a RefSeq
    id before an Ensembl one (VEP --merged), then annotation order). Returns ``(transcript, basis)``;
    ``(None, None)`` when there is none.
    """
    if not transcripts:
        return None, None
    for basis, members in (
        ("mane_select", [t for t in transcripts if t.mane_select]),
        ("canonical", [t for t in transcripts if t.canonical]),
        ("most_severe", list(transcripts)),
    ):
        if members:
            return min(members, key=_summary_key), basis
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

    build = _vep_transcript if layout.kind == "vep" else _snpeff_transcript
    matched, matched_by = _match_entries(layout, entries, ref, alt, info)
    unmatched_reason = None
    if matched_by == ALLELE_AMBIGUOUS:
        matched, matched_by, unmatched_reason = [], None, ALLELE_AMBIGUOUS
    unmatched = len(entries) - len(matched)

    transcripts = tuple(t for t in (build(p, layout) for p in matched) if t is not None)

    frequency = _frequency_of(layout, info, matched, line, locus)

    vcf_ids = tuple(i for i in (vcf_id or "").split(";") if i and i != ".")
    existing: Dict[str, None] = {}
    for t in transcripts:
        for i in t.existing_ids:
            existing.setdefault(i)
    for name in layout.custom_id_fields:  # VEP --custom: the ID of the matching gnomAD record
        idx = layout.index[name]
        for parts in matched:
            for i in re.split(r"[&;]", parts[idx]):
                if _RSID.match(i):
                    existing.setdefault(i)
    for i in vcf_ids:
        if _RSID.match(i):
            existing.setdefault(i)

    summary, basis = select_summary(transcripts)
    return _new(
        VariantRecord,
        chrom, pos, ref, alt,
        locus,  # variant_id
        vcf_ids,
        tuple(existing),  # existing_ids
        frequency, transcripts, summary,
        basis,  # summary_basis
        layout.kind,  # annotation_source
        line,
        unmatched,  # n_unmatched_entries
        len(entries),  # n_entries
        matched_by,
        unmatched_reason,
    )


# VEP's Allele for symbolic structural-variant ALTs is the variant class
_SV_CLASSES = {"DEL": "deletion", "DUP": "duplication", "INS": "insertion", "INV": "inversion",
               "CNV": "copy_number_variation", "DUP:TANDEM": "tandem_duplication"}


def _allele_forms(layout: AnnotationLayout, ref: str, alt: str) -> Iterable[str]:
    """The spellings an annotator may use for the record's ALT, most specific first."""
    if layout.kind != "vep":
        return (alt,)
    if alt.startswith("<") and alt.endswith(">"):
        inner = alt[1:-1]
        return tuple(dict.fromkeys((alt, inner, _SV_CLASSES.get(inner, inner),
                                    _SV_CLASSES.get(inner.split(":")[0], inner))))
    if len(ref) == 1 and len(alt) == 1 and ref != alt:
        return (alt,)  # an SNV: the VEP forms are the ALT itself
    return tuple(dict.fromkeys((alt, vep_allele(ref, alt), vep_minimal_allele(ref, alt))))


def _old_rec(layout: AnnotationLayout, info: Callable[[str], Any]) -> Optional[OldRec]:
    """The record this one came from and its ALT indexes (``bcftools norm --old-rec-tag``; the
    format: :func:`hlhscreen.vcf_text.parse_old_rec`). None without the tag on the record."""
    if layout.old_rec_tag is None:
        return None
    value = info(layout.old_rec_tag)
    if value is None or value is True:
        return None
    return parse_old_rec(value.decode() if isinstance(value, bytes) else str(value))


def original_alt_index(layout: AnnotationLayout, info: Callable[[str], Any]) -> Optional[int]:
    """The record's ALT index in the record it was split from (``bcftools norm --old-rec-tag``);
    1 for a record norm did not touch or only realigned; None without the tag in the header, and
    for an atomised piece several ALTs share (no one ALLELE_NUM is its own)."""
    if layout.old_rec_tag is None:
        return None
    found = _old_rec(layout, info)
    if found is None:
        return 1  # norm tags every record it splits or moves
    return found.alt_indexes[0] if len(found.alt_indexes) == 1 else None


def old_record(layout: AnnotationLayout, info: Callable[[str], Any]) -> Optional[str]:
    """``CHR|POS|REF|ALT`` of the record a split, atomised or realigned record came from, or None."""
    found = _old_rec(layout, info)
    return None if found is None else found.record


def old_record_alleles(layout: AnnotationLayout, info: Callable[[str], Any]
                       ) -> Optional[Tuple[str, FrozenSet[int]]]:
    """``(CHR|POS|REF|ALT, the original ALT indexes this record is part of)``, or None without the
    tag on the record (see :func:`_old_rec`)."""
    found = _old_rec(layout, info)
    return None if found is None else (found.record, frozenset(found.alt_indexes))


#: ``_match_entries``' answer (and ``VariantRecord.unmatched_reason``) when entries of several ALTs of the
#: site a record was split from match it and nothing says which are its own: none is used
ALLELE_AMBIGUOUS = "allele_ambiguous"


def _match_entries(layout: AnnotationLayout, entries: List[List[str]], ref: str, alt: str,
                   info: Callable[[str], Any]) -> Tuple[List[List[str]], Optional[str]]:
    """The record's own CSQ/ANN entries and how they were found (docs/annotation.md):

    - The entries name several ALLELE_NUMs, or one above 1 (VEP --pick on the unsplit site), or the header says VEP
      ran before the split (:func:`vep_ran_before_split`): VEP saw the multi-allelic site whole, before it was
      split, and VEP's trimmed Allele spellings of one ALT can equal another ALT's once the split
      records are trimmed (GTA>GA,G: ALT 2 is ``-``, and split ALT 1 GTA>GA becomes GT>G, whose own
      trimmed spelling is also ``-``). The ALT index from ``bcftools norm --old-rec-tag`` selects
      the entries (``allele_num``); without the tag see :func:`_match_untagged_site`.
    - One Allele throughout, VEP run before the split, OLD_REC on the record: the site's spellings decide
      (:func:`_site_entries_owner`: ``old_rec``, or :data:`ALLELE_AMBIGUOUS` for another ALT's).
    - Otherwise (one ALLELE_NUM, or none): the first spelling of the ALT (as written, VEP's trimmed
      form, the minimal form) that some entry's Allele equals (``allele``); with one ALLELE_NUM, once
      an entry spells the ALT, every entry (VEP numbered them all as that ALT's: ``--shift_3prime 1``
      spells it differently on the transcripts it shifted).

    VEP writes one entry per ALT and feature: entries found for one ALT that name a feature twice
    are several ALTs' (VEP ``--minimal`` spells CT>C,T's two deletions both ``-``), and none is used
    (:data:`ALLELE_AMBIGUOUS`), unless their ALLELE_NUM says they are one ALT's (VEP ``--allele_number``,
    as the pipeline runs it): a feature named twice is then VEP's own (a RefSeq transcript aligned twice
    over the variant), not another ALT's, and the record keeps its annotation.
    """
    own, how = _find_entries(layout, entries, ref, alt, info)
    if (how not in (None, ALLELE_AMBIGUOUS) and layout.kind == "vep" and not _one_allele_num(layout, own)
            and _names_a_feature_twice(layout, own)):
        return [], ALLELE_AMBIGUOUS
    return own, how


def _one_allele_num(layout: AnnotationLayout, entries: List[List[str]]) -> bool:
    """The entries carry VEP's ALLELE_NUM and all name the same one: VEP says they are one ALT's."""
    num_idx = layout.index.get("ALLELE_NUM")
    return num_idx is not None and len({parts[num_idx] for parts in entries}) == 1 and entries[0][num_idx] != ""


def _names_a_feature_twice(layout: AnnotationLayout, entries: List[List[str]]) -> bool:
    """Several VEP entries for one feature (Feature_type and Feature; intergenic entries have neither)."""
    columns = [layout.index[name] for name in ("Feature_type", "Feature") if name in layout.index]
    keys = [tuple(parts[i] for i in columns) for parts in entries]
    return len(set(keys)) < len(keys)


def _find_entries(layout: AnnotationLayout, entries: List[List[str]], ref: str, alt: str,
                  info: Callable[[str], Any]) -> Tuple[List[List[str]], Optional[str]]:
    """The entries :func:`_match_entries` describes, before its check of features named twice."""
    if not entries:
        return [], None
    allele_idx = layout.index["Allele"]
    num_idx = layout.index.get("ALLELE_NUM") if layout.kind == "vep" else None
    numbers = {parts[num_idx] for parts in entries} if num_idx is not None else set()
    if len(numbers) > 1 or numbers - {"", "1"} or (layout.vep_before_split and layout.old_rec_tag and numbers - {""}):
        # several ALLELE_NUMs, or one above 1 (VEP --pick on the unsplit site kept one ALT's entry only; a record
        # annotated after the split is numbered 1), or the header says VEP ran before a split that tagged the
        # records (OLD_REC): VEP saw the multi-allelic site whole
        index = original_alt_index(layout, info)
        if index is not None:
            own = [parts for parts in entries if parts[num_idx] == str(index)]  # type: ignore[index]
            return own, ("allele_num" if own else None)
        return _match_untagged_site(entries, allele_idx, ref, alt)
    if (layout.kind == "snpeff" or num_idx is None) and len({parts[allele_idx] for parts in entries}) > 1:
        return _match_site_entries(layout, entries, ref, alt, info)
    owner = _site_entries_owner(layout, entries, info)
    if owner is not None:
        return (list(entries), "old_rec") if owner else ([], ALLELE_AMBIGUOUS)
    for candidate in _allele_forms(layout, ref, alt):  # the first form that matches any entry wins
        own = [parts for parts in entries if parts[allele_idx] == candidate]
        if own and num_idx is not None and entries[0][num_idx]:
            # one ALLELE_NUM throughout, and an entry spells this ALT: VEP numbered every entry as that ALT's,
            # whatever the spelling (--shift_3prime 1 writes a repeat insertion's 3'-shifted, rotated allele on the
            # transcripts it shifted, CGGGC, and the unshifted one, GGGCC, on the others: matching one spelling
            # dropped the rest). Not without a spelling of its own: VEP --pick on a whole site writes one ALT's
            # entry only, and the other record split from it must not take it.
            return list(entries), "allele"
        if own:
            return own, "allele"
    return [], None


def _site_entries_owner(layout: AnnotationLayout, entries: List[List[str]], info: Callable[[str], Any]
                        ) -> Optional[bool]:
    """Whether entries that all spell one Allele (no ALLELE_NUM tells the ALTs apart) are the record's, when VEP
    annotated the multi-allelic site whole before bcftools split it (:func:`vep_ran_before_split`) and the record
    carries the site in its OLD_REC tag. VEP then spelled each ALT from the site (:func:`_vep_site_spelling`), and
    ``--pick``/``--per_gene`` kept one ALT's consequence for the whole site: ``GTA>GA,G`` keeps ALT 2's ``-``, and
    ALT 1, trimmed to ``GT>G``, spells ``-`` too. True: the record's ALT's spelling, no other ALT's; False: another
    ALT's spelling (or one the record's ALT shares); None: cannot be told (no such header or tag, or an Allele
    that is no ALT's site spelling)."""
    if layout.kind != "vep" or not layout.vep_before_split:
        return None
    found = _old_rec(layout, info)
    fields = found.record.split("|") if found is not None else []
    if found is None or len(found.alt_indexes) != 1 or len(fields) < 4:
        return None
    site_alts, index = fields[3].split(","), found.alt_indexes[0]
    if len(site_alts) < 2 or not 1 <= index <= len(site_alts):
        return None
    minimal = "minimal" in layout.vep_options
    own = _vep_site_spelling(fields[2], site_alts, site_alts[index - 1], minimal)
    others = {_vep_site_spelling(fields[2], site_alts, target, minimal)
              for i, target in enumerate(site_alts, 1) if i != index}
    alleles = {parts[layout.index["Allele"]] for parts in entries}
    if alleles == {own} and own not in others:
        return True
    return False if alleles & (others | {own}) else None


def _vep_site_spelling(site_ref: str, site_alts: Sequence[str], target: str, minimal: bool) -> str:
    """How VEP spelled ALT ``target`` of the multi-allelic site it saw whole: the ``--minimal`` form, else the first
    of :func:`_vep_site_spellings` (without the first base when every allele shares it)."""
    return vep_minimal_allele(site_ref, target) if minimal else _vep_site_spellings(site_ref, site_alts, target)[0]


def _match_untagged_site(entries: List[List[str]], allele_idx: int, ref: str, alt: str
                         ) -> Tuple[List[List[str]], Optional[str]]:
    """Entries of a multi-allelic site for a record split from it without bcftools' OLD_REC tag: only
    the ALT exactly as written can be looked for, and only a site where every allele has REF's length
    (SNVs/MNPs: nothing for bcftools to trim, nothing for VEP to drop) tells it from another ALT. With
    an indel, a split and trimmed record's ALT can be another ALT's Allele: TGA>TG,G (VEP writes
    ``TG`` and ``G``) gives GA>G for ALT 1, whose ``G`` is ALT 2's; and AC>A,AA (VEP ``-`` and ``A``)
    gives AC>A, whose ``A`` is ALT 2's. Such a match is :data:`ALLELE_AMBIGUOUS`, none is used."""
    own = [parts for parts in entries if parts[allele_idx] == alt]
    if not own:
        return [], None
    if len(alt) == len(ref) and all(_allele_length(parts[allele_idx]) == len(ref) for parts in entries):
        return own, "allele"
    return [], ALLELE_AMBIGUOUS


def _allele_length(allele: str) -> int:
    """Bases in an entry's Allele: VEP's ``-`` stands for none."""
    return 0 if allele == "-" else len(allele)


def _vep_site_spellings(site_ref: str, site_alts: Sequence[str], target: str) -> Tuple[str, ...]:
    """How VEP spelled ALT ``target`` of the multi-allelic site ``site_ref``/``site_alts`` it saw
    whole: without the first base when every allele shares it (``-`` when nothing is left), else as
    written; then the ``--minimal`` form."""
    alleles = [site_ref, *site_alts]
    shared = all(a and not a.startswith("<") and a != "*" and a[0] == site_ref[0] for a in alleles)
    first = (target[1:] or "-") if shared else target
    return tuple(dict.fromkeys((first, target, vep_minimal_allele(site_ref, target))))


def _match_site_entries(layout: AnnotationLayout, entries: List[List[str]], ref: str, alt: str,
                        info: Callable[[str], Any]) -> Tuple[List[List[str]], Optional[str]]:
    """The entries of a record annotated as part of a multi-allelic site, when no ALLELE_NUM tells
    the ALTs apart (snpEff; VEP without --allele_number): the entries name several Alleles, each
    spelled from the site's alleles. Once bcftools has split and trimmed the site, the record's own
    spelling may be another ALT's (TAA>TA,T,TAAA: ALT 1 becomes TA>T, whose snpEff Allele ``T`` is
    ALT 2's, and whose VEP form ``-`` is ALT 2's too). The ALT written in bcftools' OLD_REC tag at
    the record's index, spelled as the annotator spelled the site, selects the entries
    (``old_rec``). Without the tag, entries are matched as written only when no allele could have
    been trimmed (:func:`_match_untagged_site`); otherwise none (not annotated, counted and warned)."""
    allele_idx = layout.index["Allele"]
    found = _old_rec(layout, info)
    if found is not None and len(found.alt_indexes) == 1:
        fields = found.record.split("|")
        site_alts = fields[3].split(",") if len(fields) >= 4 else []
        index = found.alt_indexes[0]
        if 1 <= index <= len(site_alts):
            target = site_alts[index - 1]
            spellings = (target,) if layout.kind == "snpeff" else _vep_site_spellings(fields[2], site_alts, target)
            for spelling in spellings:
                own = [parts for parts in entries if parts[allele_idx] == spelling]
                if own:
                    return own, "old_rec"
            return [], None
    return _match_untagged_site(entries, allele_idx, ref, alt)


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
    af_fields: AfFields = None,
) -> Iterator[VariantRecord]:
    """Stream the annotated ALT alleles of a VCF (plain or bgzipped), one record at a time.

    Sites without ALT are skipped. ``region`` (``chr10:1-100``) needs a tabix/CSI index; line
    numbers in messages are then unknown and only positions are named. ``af_fields``: the frequency
    sources read, as in :func:`read_layout` (the run's ``--af-fields``).
    """
    import cyvcf2

    reader = cyvcf2.VCF(str(path))
    try:
        layout = read_layout(reader, mane_transcripts=mane_transcripts, path=path, af_fields=af_fields)
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
    panel = in_natural_order(set(panel_contigs))  # natural order: the messages list them
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
        pairs = list(renames.items())  # in the panel's (natural) order
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
        vcf_shown = ", ".join(in_natural_order(vcf_set)[:5])
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
