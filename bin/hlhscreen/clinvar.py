"""ClinVar evidence: NCBI's GRCh38 ClinVar VCF read, matched to the cohort's variants, summarised.

The layout read (NCBI ``clinvar.vcf.gz``, GRCh38): ``##fileDate=`` (the release date cited by the
report), ``##source=ClinVar``, ``##reference=GRCh38``; ID = the ClinVar **variation ID**; INFO
``ALLELEID`` (allele ID), ``CLNSIG`` (aggregate germline classification; ``|`` separates further
non-germline terms such as ``risk_factor``, older releases wrote ``,_``), ``CLNREVSTAT`` (review
status, commas inside: ``criteria_provided,_multiple_submitters,_no_conflicts``) and ``CLNDN``
(preferred disease names, ``|``-separated). NCBI names contigs **without** ``chr`` (``1``..``22``,
``X``, ``Y``, ``MT``) and writes no ``##contig`` lines: the contigs are read from the tabix index
and mapped onto the cohort VCF's names explicitly (``10`` <-> ``chr10``, ``MT`` <-> ``chrM``).

Review stars follow ClinVar's documented mapping of the aggregate review status (:data:`STARS`);
a status not in the table gets no stars (``NA``), never a guess.
"""

from __future__ import annotations

import gzip
import os
import re
from dataclasses import dataclass
from typing import Callable, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from .chromosomes import in_natural_order
from .errors import UserInputError
from .vcf_text import minimal_allele

PathLike = Union[str, os.PathLike]

# ClinVar "Review status in ClinVar" (aggregate VCV records), old and current spellings.
STARS: Dict[str, int] = {
    "practice_guideline": 4,
    "reviewed_by_expert_panel": 3,
    "criteria_provided,_multiple_submitters,_no_conflicts": 2,
    "criteria_provided,_conflicting_classifications": 1,
    "criteria_provided,_conflicting_interpretations": 1,
    "criteria_provided,_single_submitter": 1,
    "no_assertion_criteria_provided": 0,
    "no_assertion_provided": 0,
    "no_classification_provided": 0,
    "no_assertion_for_the_individual_variant": 0,
    "no_classification_for_the_single_variant": 0,
    "no_interpretation_for_the_single_variant": 0,
    "no_classifications_from_unflagged_records": 0,
}

REQUIRED_INFO = ("CLNSIG", "CLNREVSTAT")
# Format 1.0 (before 2017) maps its per-allele, numeric CLNSIG codes to alleles with CLNALLE.
LEGACY_INFO = "CLNALLE"
_CURRENT_FORMAT_FIX = ("Give a current NCBI GRCh38 release as published (vcf_GRCh38/clinvar.vcf.gz: one allele per "
                       "record, CLNSIG in words).")
_NUMERIC_CLNSIG = re.compile(r"^[\d|,/]+$")
OPTIONAL_INFO = ("CLNDN", "ALLELEID")

# Germline classifications that make a variant "pathogenic or likely pathogenic" for the rescue.
PATHOGENIC_TERMS = frozenset({
    "pathogenic", "likely pathogenic", "pathogenic, low penetrance", "likely pathogenic, low penetrance",
})
# Terms that make a variant a risk-factor candidate (ClinVar's "risk factor" and the 2024 risk-allele terms;
# "uncertain risk allele" claims no risk, so it makes no candidate).
RISK_FACTOR_TERMS = frozenset({"risk factor", "established risk allele", "likely risk allele"})
# The 2024 risk-allele terms: ClinVar aggregates them beside P/LP with "/" and does not count them as a
# conflict ("Pathogenic/Likely_risk_allele", "Pathogenic/Uncertain_risk_allele"), so none of them makes
# a P/LP classification something else.
RISK_ALLELE_TERMS = frozenset({"established risk allele", "likely risk allele", "uncertain risk allele"})
# Terms outside the germline pathogenicity scale. Files before 2019 appended them to the germline
# classification with ",_" ("Pathogenic,_association_not_found"), current ones after "|".
_NON_GERMLINE = frozenset({"drug response", "association", "association not found", "protective", "affects",
                           "other", "confers sensitivity", "risk factor"})

# The INFO fields the annotation step writes into the cohort VCF (and the screen reads back).
INFO_FIELDS = (  # (name, Number, Type, Description)
    ("CLINVAR_VARID", "1", "String", "ClinVar variation ID (the ClinVar VCF's ID column)"),
    ("CLINVAR_ALLELEID", "1", "String", "ClinVar allele ID (ALLELEID)"),
    ("CLINVAR_CLNSIG", ".", "String", "ClinVar aggregate classification (CLNSIG, as written by ClinVar)"),
    ("CLINVAR_CLNREVSTAT", ".", "String", "ClinVar review status (CLNREVSTAT, as written by ClinVar)"),
    ("CLINVAR_STARS", "1", "Integer", "ClinVar review stars (0-4) from CLNREVSTAT by ClinVar's documented mapping"),
    ("CLINVAR_CLNDN", ".", "String", "ClinVar preferred disease name(s) (CLNDN, as written by ClinVar)"),
    ("CLINVAR_NOT_COVERED", "0", "Flag", "The ClinVar file has no record on this chromosome: not looked up "
                                         "(which is not the same as absent from ClinVar)"),
    ("CLINVAR_PART_OF", ".", "String", "Not in ClinVar itself, but a piece (atomised by bcftools norm) of a longer "
                                       "allele ClinVar lists: its variation ID and CLNSIG (ID:CLNSIG), the whole "
                                       "allele's classification, not this piece's"),
)
NOT_COVERED_INFO = "CLINVAR_NOT_COVERED"
PART_OF_INFO = "CLINVAR_PART_OF"
# clinvar_clnsig (SCREEN's tables) of a piece of a longer allele ClinVar lists (INFO/CLINVAR_PART_OF)
PART_OF_CLINVAR_ALLELE = "part_of_clinvar_allele"
# clinvar_clnsig (SCREEN's tables) of an allele ClinVar has a record of but no CLNSIG for: since 2024
# a record may carry only a somatic classification (INFO/ONC oncogenicity, INFO/SCI somatic impact)
NO_GERMLINE_CLASSIFICATION = "no_germline_classification"
INFO_NAMES = frozenset(field[0] for field in INFO_FIELDS)
_ENTRY_NAMES = INFO_NAMES - {NOT_COVERED_INFO, PART_OF_INFO}  # the fields of the record's own ClinVar entry
HEADER_KEY = "hlhscreen_clinvar"


def review_stars(status: Optional[str]) -> Optional[int]:
    """Stars of a CLNREVSTAT value (with or without its underscores); ``None`` if unknown or absent."""
    if not status or status == ".":
        return None
    key = status.strip().replace(" ", "_").lower()
    key = re.sub(r",(?!_)", ",_", key)
    return STARS.get(key)


def classification_terms(clnsig: Optional[str]) -> Tuple[str, ...]:
    """CLNSIG as lower-case terms with spaces: ``Pathogenic/Likely_pathogenic|risk_factor`` ->
    ``("pathogenic", "likely pathogenic", "risk factor")``. ``,_low_penetrance`` stays with its term."""
    if not clnsig or clnsig == ".":
        return ()
    text = clnsig.replace("_", " ").lower()
    terms: List[str] = []
    for part in re.split(r"[|/]", text):
        for piece in part.split(","):
            piece = piece.strip()
            if not piece:
                continue
            if piece == "low penetrance" and terms:
                terms[-1] = f"{terms[-1]}, low penetrance"
            else:
                terms.append(piece)
    return tuple(terms)


def germline_terms(clnsig: Optional[str]) -> Tuple[str, ...]:
    """The germline classification: the first ``|`` part (older files: the part before ``,_`` extras)."""
    if not clnsig or clnsig == ".":
        return ()
    return classification_terms(clnsig.split("|")[0])


def is_pathogenic(clnsig: Optional[str]) -> bool:
    """Pathogenic / Likely pathogenic (incl. low penetrance) as the germline classification, and
    nothing else in it (a conflicting aggregate is not); risk-allele terms beside it and non-germline
    terms (:data:`_NON_GERMLINE`, of any vintage) are not part of the judgement."""
    terms = [t for t in germline_terms(clnsig) if t not in RISK_ALLELE_TERMS and t not in _NON_GERMLINE]
    return bool(terms) and all(t in PATHOGENIC_TERMS for t in terms)


def is_risk_factor(clnsig: Optional[str]) -> bool:
    """ClinVar calls it a risk factor (alone, or with a conflicting/other classification)."""
    return any(t in RISK_FACTOR_TERMS for t in classification_terms(clnsig))


def rescues(entry: Optional["ClinvarEntry"], min_stars: int) -> bool:
    """The ClinVar rescue (``--keep_clinvar_pathogenic``): a germline P/LP (:func:`is_pathogenic`) with at
    least ``min_stars`` review stars; a status outside ClinVar's table (no stars) never qualifies."""
    return (entry is not None and is_pathogenic(entry.clnsig) and entry.stars is not None
            and entry.stars >= min_stars)


# ---------------------------------------------------------------------------------------------
# The file: header facts, contigs, naming
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClinvarRelease:
    """What the report cites: the file's own header facts."""

    path: str
    file_date: Optional[str]        # ##fileDate (YYYY-MM-DD in NCBI's files, YYYYMMDD tolerated)
    source: Optional[str]           # ##source (NCBI: ClinVar)
    reference: Optional[str]        # ##reference (NCBI: GRCh38)
    info: FrozenSet[str]

    @property
    def is_ncbi_release(self) -> bool:
        return (self.source or "").strip() == "ClinVar"

    def citation(self) -> str:
        date = self.file_date or "date not stated in the file header"
        name = os.path.basename(self.path)
        if self.is_ncbi_release:
            return f"ClinVar GRCh38 VCF release of {date} (file {name}, ##fileDate)"
        return (f"ClinVar-style file {name} dated {date}; its header says source '{self.source or 'not stated'}', "
                "so it is not an NCBI ClinVar release")

    def header_line(self) -> str:
        def quoted(value: Optional[str]) -> str:
            return '"' + (value or "NA").replace('"', "'") + '"'

        return (f"##{HEADER_KEY}=<file={quoted(os.path.basename(self.path))},fileDate={quoted(self.file_date)},"
                f"source={quoted(self.source)},reference={quoted(self.reference)}>")


_INFO_ID = re.compile(r"^##INFO=<ID=([^,>]+)")


def read_release(path: PathLike, flag: str = "--clinvar_vcf") -> ClinvarRelease:
    """Header facts of a (b)gzipped ClinVar VCF; refuses a file that is not one (standard library only)."""
    meta: Dict[str, str] = {}
    info = set()
    try:
        with gzip.open(path, "rt", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                if line.startswith("#CHROM"):
                    break
                if not line.startswith("##"):
                    raise UserInputError(path, number, flag, "no #CHROM header line before the records",
                                         "Give NCBI's ClinVar VCF (clinvar.vcf.gz) as published.")
                match = _INFO_ID.match(line)
                if match:
                    info.add(match.group(1))
                    continue
                key, sep, value = line[2:].rstrip("\r\n").partition("=")
                if sep and not value.startswith("<"):
                    meta.setdefault(key, value)
            else:
                raise UserInputError(path, None, flag, "no #CHROM header line", "Give a VCF file.")
    except FileNotFoundError:
        raise UserInputError(path, None, flag, "file not found", "Check the path given to --clinvar_vcf.") from None
    except (OSError, EOFError) as err:
        raise UserInputError(path, None, flag, f"not a readable bgzip-compressed VCF ({err})",
                             "Give NCBI's clinvar.vcf.gz (bgzipped, with its .tbi index).") from None
    if LEGACY_INFO in info:
        raise UserInputError(path, None, flag, f"a ClinVar VCF of the old format 1.0 (INFO/{LEGACY_INFO}, releases before "
                             "2017): its CLNSIG holds numeric codes (5 = Pathogenic) per allele, which this pipeline "
                             "does not read, so no variant would be classified", _CURRENT_FORMAT_FIX)
    missing = [f for f in REQUIRED_INFO if f not in info]
    if missing:
        raise UserInputError(path, None, flag, f"no INFO/{', INFO/'.join(missing)} definition in the header: not a "
                             "ClinVar VCF", "Give NCBI's GRCh38 ClinVar VCF (clinvar.vcf.gz).")
    reference = meta.get("reference")
    if reference is not None and not re.search(r"GRCh38|hg38", reference, re.IGNORECASE):
        raise UserInputError(path, None, flag, f"the file is for reference '{reference}', not GRCh38",
                             "Use the GRCh38 ClinVar VCF (NCBI: vcf_GRCh38/clinvar.vcf.gz).")
    return ClinvarRelease(str(path), meta.get("fileDate"), meta.get("source"), reference, frozenset(info))


@dataclass(frozen=True)
class ClinvarFile:
    """A ClinVar VCF that passed the file checks: header facts, index and the contigs with records."""

    release: ClinvarRelease
    index: str
    contigs: Tuple[str, ...]   # as the file names them (NCBI: 1..22, X, Y, MT), from the index


def open_clinvar(path: PathLike, flag: str = "--clinvar_vcf") -> ClinvarFile:
    """Check a ClinVar VCF the way the annotation step will read it (standard library only: the
    start-up check runs on the launch host): bgzip, an index (.tbi or .csi) beside it, the header
    (:func:`read_release`), and the contigs it has records on (from the index: NCBI's file has no
    ``##contig`` lines)."""
    from .resources import check_index_belongs, index_contigs, read_header, require_indexed_bgzf

    index = require_indexed_bgzf(path, flag, "clinvar.vcf.gz", " (NCBI also publishes clinvar.vcf.gz.tbi)")
    release = read_release(path, flag)
    contigs = index_contigs(index)
    check_index_belongs(path, index, read_header(path), contigs, flag)  # not an index left from another file
    return ClinvarFile(release, str(index), tuple(contigs))


def tabix_contigs(path: PathLike, flag: str = "--clinvar_vcf") -> Tuple[str, ...]:
    """Contigs with records, from the file's index (.tbi or .csi)."""
    return open_clinvar(path, flag).contigs


def contig_map(cohort_contigs: Iterable[str], clinvar_contigs: Iterable[str]) -> Dict[str, str]:
    """cohort contig -> ClinVar contig (same name, else ``chr``-less/``chr``-prefixed, ``MT``<->``chrM``)."""
    from .annotation import contig_aliases

    available = set(clinvar_contigs)
    mapping = {}
    for contig in cohort_contigs:
        alias = next((a for a in contig_aliases(contig) if a in available), None)
        if alias is not None:
            mapping[contig] = alias
    return mapping


def check_naming(path: PathLike, needed: Sequence[str], clinvar_contigs: Sequence[str],
                 flag: str = "--clinvar_vcf") -> Dict[str, str]:
    """The contig map for the chromosomes a run needs; refuses a file that covers none of them
    (nothing would be matched, every variant would read "not in ClinVar")."""
    mapping = contig_map(needed, clinvar_contigs)
    if needed and not mapping:
        shown = ", ".join(in_natural_order(clinvar_contigs)[:6]) or "none"
        raise UserInputError(path, None, flag,
                             f"none of the chromosomes to annotate ({', '.join(in_natural_order(needed)[:6])}) is in the file "
                             f"(its contigs: {shown})",
                             "Give NCBI's GRCh38 ClinVar VCF covering the panel's chromosomes.")
    return mapping


def uncovered(needed: Iterable[str], clinvar_contigs: Iterable[str]) -> List[str]:
    """The chromosomes of ``needed`` the file has no record on, even under another spelling: their
    variants cannot be looked up (they are not "not in ClinVar")."""
    mapping = contig_map(needed, clinvar_contigs)
    return [contig for contig in needed if contig not in mapping]


# ---------------------------------------------------------------------------------------------
# Matching records
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClinvarEntry:
    variation_id: Optional[str]     # None: the file gives none (ID ".")
    allele_id: Optional[str]
    clnsig: Optional[str]
    review_status: Optional[str]
    stars: Optional[int]
    disease: Optional[str]

    def info_items(self) -> List[str]:
        values = (self.variation_id, self.allele_id, self.clnsig, self.review_status,
                  None if self.stars is None else str(self.stars), self.disease)
        return [f"{field[0]}={value}" for field, value in zip(INFO_FIELDS, values) if value not in (None, "", ".")]


def entry_from_record(fields: Sequence[str]) -> ClinvarEntry:
    """A ClinVar VCF record (its tab-separated columns) as the evidence attached to a variant."""
    info: Dict[str, str] = {}
    for item in fields[7].split(";"):
        key, _, value = item.partition("=")
        info[key] = value
    status = info.get("CLNREVSTAT")
    return ClinvarEntry(None if fields[2] in ("", ".") else fields[2], info.get("ALLELEID"), info.get("CLNSIG"), status, review_stars(status),
                        info.get("CLNDN"))


# CLNSIG values that classify nothing (a haplotype's member, records without a classification)
_UNCLASSIFIED = frozenset({"not provided", "no classification for the single variant",
                           "no interpretation for the single variant", "no classifications from unflagged records"})


def classifies(clnsig: Optional[str]) -> bool:
    """CLNSIG holds a germline classification of this allele (not only ClinVar's 'no classification' terms)."""
    return any(term not in _UNCLASSIFIED for term in germline_terms(clnsig))


def best_entry(entries: Sequence[ClinvarEntry]) -> Optional[ClinvarEntry]:
    """One entry per allele: the best reviewed, then one that classifies the allele (:func:`classifies`),
    then the lowest variation ID (deterministic)."""
    if not entries:
        return None

    def key(entry: ClinvarEntry) -> Tuple[int, bool, int, str]:
        identifier = entry.variation_id or ""
        return (-(entry.stars if entry.stars is not None else -1), not classifies(entry.clnsig),
                int(identifier) if identifier.isdigit() else 1 << 62, identifier)

    return sorted(entries, key=key)[0]


Canonical = Callable[[int, str, str], Tuple[int, str, str]]  # POS, REF, ALT -> the allele to compare


def matching_entries(records: Iterable[Sequence[str]], wanted: Tuple[int, str, str],
                     path: Optional[PathLike] = None, canonical: Canonical = minimal_allele) -> List[ClinvarEntry]:
    """ClinVar records (columns) of the allele ``wanted`` (already made canonical): those whose allele,
    made canonical the same way, is the same POS, REF and ALT. With :func:`minimal_allele` (no
    reference) a padding base more on either side (``GC>GT`` for ``C>T``, ``CAGT>CT`` for ``CAG>C``) is
    the same variant; with a reference (:class:`hlhscreen.normalise.Normaliser`) an indel written at
    another position of its repeat is too. Refuses a matching record whose classification cannot be
    this allele's (:func:`check_record`)."""
    found = []
    for fields in records:
        start, clinvar_ref = int(fields[1]), fields[3].upper()
        alts = [a.upper() for a in fields[4].split(",") if a not in (".", "*") and not a.startswith("<")]
        if any(canonical(start, clinvar_ref, a) == wanted for a in alts):
            check_record(fields, path)
            found.append(entry_from_record(fields))
    return found


def check_record(fields: Sequence[str], path: Optional[PathLike] = None) -> None:
    """Refuse a record whose CLNSIG cannot be read as one allele's germline classification: several
    ALTs (NCBI writes one allele per record, and CLNSIG does not say which ALT it classifies) or
    numeric CLNSIG codes (format 1.0, written without its header)."""
    where = f"record {fields[0]}:{fields[1]} {fields[3]}>{fields[4]}"
    if "," in fields[4]:
        raise UserInputError(path, None, "ALT", f"{where} has {fields[4].count(',') + 1} ALT alleles in one record: "
                             "its CLNSIG does not say which allele it classifies, so it cannot be given to one of them",
                             "NCBI's ClinVar VCF has one allele per record: use it as published (not merged with "
                             "`bcftools norm -m +any`, not an old format 1.0 file).")
    clnsig = next((item[len("CLNSIG="):] for item in fields[7].split(";") if item.startswith("CLNSIG=")), "")
    if clnsig and _NUMERIC_CLNSIG.match(clnsig):
        raise UserInputError(path, None, "CLNSIG", f"{where}: CLNSIG={clnsig} is a numeric code of the old format 1.0 "
                             "(5 = Pathogenic), which this pipeline does not read", _CURRENT_FORMAT_FIX)


def parse_info_fields(info: Mapping[str, object]) -> Optional[ClinvarEntry]:
    """The CLINVAR_* INFO fields of an annotated cohort record back as an entry (``None``: not in
    ClinVar). Values may be text or, from pysam, tuples (``Number=.``)."""

    def text(name: str) -> Optional[str]:
        value = info.get(name)
        if isinstance(value, tuple):
            value = ",".join(str(v) for v in value)
        # "is True", not "in (True, ...)": pysam gives CLINVAR_STARS=1 as the int 1, which equals True
        return None if value is None or value is True or value in ("", ".") else str(value)

    if all(text(name) is None for name in _ENTRY_NAMES):
        return None
    stars = text("CLINVAR_STARS")
    return ClinvarEntry(text("CLINVAR_VARID"), text("CLINVAR_ALLELEID"), text("CLINVAR_CLNSIG"),
                        text("CLINVAR_CLNREVSTAT"), int(stars) if stars is not None else None, text("CLINVAR_CLNDN"))


def clnsig_column(entry: ClinvarEntry) -> str:
    """The ``clinvar_clnsig`` a table shows for an allele ClinVar has a record of: its CLNSIG, or
    :data:`NO_GERMLINE_CLASSIFICATION` (never ``NA``, which means "ClinVar not used")."""
    return entry.clnsig or NO_GERMLINE_CLASSIFICATION


def original_alleles(old_rec: str, pos: int, ref: str, alt: str) -> List[Tuple[int, str, str]]:
    """The alleles (trimmed) of the record an atomised record came from (``bcftools norm
    --old-rec-tag``: ``CHR|POS|REF|ALT|IDX``) that are longer than the record itself: the MNV or
    complex allele the caller wrote, which ClinVar may list whole. Empty for a record only split
    or realigned (its original allele is itself)."""
    from .vcf_text import parse_old_rec

    found = parse_old_rec(old_rec)
    parts = found.record.split("|")
    if len(parts) != 4 or not parts[1].isdigit():
        return []
    alts = parts[3].split(",")
    own = minimal_allele(pos, ref.upper(), alt.upper())
    out = []
    for index in found.alt_indexes:
        if 1 <= index <= len(alts) and alts[index - 1] not in (".", "*") and not alts[index - 1].startswith("<"):
            allele = minimal_allele(int(parts[1]), parts[2].upper(), alts[index - 1].upper())
            if allele != own:
                out.append(allele)
    return out


def part_of(info: Mapping[str, object]) -> Optional[str]:
    """INFO/CLINVAR_PART_OF (``ID:CLNSIG`` of the longer ClinVar allele the record is a piece of), or None."""
    value = info.get(PART_OF_INFO)
    if isinstance(value, tuple):
        value = ",".join(str(v) for v in value)
    return None if value in (None, True, False, "", ".") else str(value)


def not_covered(info: Mapping[str, object]) -> bool:
    """The annotation step could not look the record up: its chromosome is not in the ClinVar file."""
    return info.get(NOT_COVERED_INFO) not in (None, False)


def readable(value: Optional[str]) -> str:
    """ClinVar's underscores as spaces, ``|`` as ``; `` (for tables and the report)."""
    if not value:
        return "NA"
    return value.replace("_", " ").replace("|", "; ").replace(",  ", ", ").strip()
