"""Gene panels: build a panel folder from a GTF + gene list, and load/validate panel files.

A panel folder holds (see docs/panels.md):

- ``genes.tsv``          one row per gene: ids, chosen transcript, span, CDS/protein length, why chosen
- ``regions.bed``        exons of the chosen transcripts padded by ``pad`` bp (default 3: "exonic regions
                         plus 3 base pairs into the intronic regions"), merged, named ``GENE|exonN[-M]``
- ``targets.bed``        the same exons padded by ``target_pad`` bp (default 50) for variant calling
- ``gene_models.gtf.gz`` (+ ``.tbi``) the chosen transcripts' GTF lines, sorted, bgzipped, tabix -p gff
- ``risk_factors.tsv``   whitelist of variants kept whatever their population frequency (may be empty)
- ``panel.json``         manifest: build, genes, paddings, input names + sha256, tool version, file sha256

Everything written is a pure function of the inputs' contents (no times, no absolute paths), so
rebuilding from the same inputs gives byte-identical files.

Public API (used by bin/build_panel.py and by the screening step):

- :func:`build_panel` - build a folder (written atomically: temp dir, then rename)
- :func:`read_gene_list` - parse and validate a gene list
- :func:`load_regions` -> :class:`RegionIndex` with ``contains``/``overlaps``/``names_at``
- :func:`load_risk_factors` -> ``{(chrom, pos, ref, alt): RiskFactor}``
- :func:`load_panel` -> :class:`Panel` (validates a panel folder)
"""

from __future__ import annotations

import bisect
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from hlhscreen import __version__
from hlhscreen.chromosomes import chrom_sort_key, in_natural_order
from hlhscreen.errors import UserInputError
from hlhscreen.files import current_umask, sha256_file, text_lines
from hlhscreen.gtf import (
    CHOICE_TAGS, accession_chromosome, has_choice_tag, is_transcript_accession, looks_like_gff3, normalise_tags,
    other_assembly_accession,
)
from hlhscreen.vcf_text import minimal_allele

PathLike = Union[str, os.PathLike]

BUILD = "GRCh38"
DEFAULT_PAD = 3
DEFAULT_TARGET_PAD = 50
PANEL_FORMAT_VERSION = 1

GENES_TSV = "genes.tsv"
REGIONS_BED = "regions.bed"
TARGETS_BED = "targets.bed"
GENE_MODELS = "gene_models.gtf.gz"
GENE_MODELS_TBI = "gene_models.gtf.gz.tbi"
RISK_FACTORS_TSV = "risk_factors.tsv"
MANIFEST = "panel.json"
PANEL_FILES = (GENES_TSV, REGIONS_BED, TARGETS_BED, GENE_MODELS, GENE_MODELS_TBI, RISK_FACTORS_TSV, MANIFEST)

GENES_COLUMNS = (
    "gene", "hgnc_id", "gene_id", "transcript_id", "refseq_transcript", "protein_id",
    "chrom", "start", "end", "strand", "n_exons", "cds_nt", "protein_aa", "transcript_choice", "source",
)
RISK_FACTOR_COLUMNS = (
    "gene", "build", "chrom", "pos", "ref", "alt", "rsid", "transcript", "hgvsc", "hgvsp", "evidence", "reason",
)
_RISK_REQUIRED_VALUES = ("gene", "build", "chrom", "pos", "ref", "alt", "evidence", "reason")
_MISSING = ("", "NA", ".")

# GTF features copied into gene_models.gtf.gz (GENCODE names + Ensembl's UTR spellings).
MODEL_FEATURES = (
    "gene", "transcript", "exon", "CDS", "UTR", "five_prime_utr", "three_prime_utr", "start_codon", "stop_codon",
)
_FEATURE_RANK = {name: rank for rank, name in enumerate(MODEL_FEATURES)}

_PRIMARY_RE = re.compile(r"^(chr)?([1-9]|1[0-9]|2[0-2]|X|Y|M|MT)$")
_ENSG_RE = re.compile(r"^(ENSG\d{11})(\.\d+)?(_PAR_Y)?$", re.IGNORECASE)
_HGNC_REQUEST_RE = re.compile(r"^HGNC:(\d+)$", re.IGNORECASE)
# GENCODE: hgnc_id "HGNC:9360"; NCBI RefSeq: db_xref "HGNC:HGNC:9360" (Ensembl's GTF carries none)
_HGNC_ATTR_RE = re.compile(r'(?:^|;)\s*(?:hgnc_id\s+"?|db_xref\s+"HGNC:)HGNC:(\d+)')
# The familial HLH subtypes and their genes (testdata/hlh_gene_panel.tsv familial_hlh_subtype, OMIM numbers
# there; the same as the disease column of panels/hlh/genes.tsv, which a test compares). FHL2, FHL3 and
# FHL5 are also HGNC symbols of other genes (four and a half LIM domains): a list naming the subtype
# would build a panel of a LIM-domain gene from a full GTF without any error.
FHL_SUBTYPE_GENES = {"FHL2": "PRF1", "FHL3": "UNC13D", "FHL4": "STX11", "FHL5": "STXBP2"}
_GENE_ID_RE = re.compile(r'(?:^|;)\s*gene_id\s+"?([^";\s]+)"?')
_GENE_NAME_RE = re.compile(r'(?:^|;)\s*gene_name\s+"?([^";\s]+)"?')
_GENE_SYMBOL_RE = re.compile(r'(?:^|;)\s*gene\s+"?([^";\s]+)"?')  # RefSeq/MANE GTFs: gene "PRF1";
_TRANSCRIPT_ID_RE = re.compile(r'(?:^|;)\s*transcript_id\s+"?([^";\s]+)"?')
_ATTR_RE = re.compile(r'\s*([A-Za-z0-9_.\-]+)\s+(?:"((?:[^"\\]|\\.)*)"|([^;\s"]+))\s*(?:;|$)')
_OTHER_BUILD_RE = re.compile(r"GRCh37|hg19|NCBI36|hg18|CHM13|T2T|GRCm\d+|mm10|mm39", re.IGNORECASE)
_BASES_RE = re.compile(r"^[ACGTN]+$")
_ALT_RE = re.compile(r"^[ACGT]+$")
_BUILD_ALIASES = {"grch38": BUILD, "hg38": BUILD}

# GRCh38 spans (1-based, inclusive) of four MANE Select v1.5 transcripts (Ensembl and RefSeq ids), from
# the NCBI/EMBL-EBI MANE v1.5 summary (testdata/MANE.GRCh38.v1.5.summary.hlh21.tsv). A GTF that has one
# of these transcripts somewhere not overlapping its GRCh38 span is on another assembly (e.g. GRCh37:
# PRF1 at 72.36 Mb).
_GRCH38_ANCHORS = {
    "ENST00000441259": ("PRF1", "10", 70597348, 70602741),
    "ENST00000207549": ("UNC13D", "17", 75827225, 75844404),
    "ENST00000367568": ("STX11", "6", 144150517, 144191939),
    "ENST00000221283": ("STXBP2", "19", 7637110, 7647873),
    "NM_001083116": ("PRF1", "10", 70597348, 70602741),
    "NM_199242": ("UNC13D", "17", 75827225, 75844404),
    "NM_003764": ("STX11", "6", 144150517, 144191939),
    "NM_006949": ("STXBP2", "19", 7637110, 7647873),
}


# ----------------------------------------------------------------------------------------------
# small helpers
# ----------------------------------------------------------------------------------------------


def is_primary_contig(chrom: str) -> bool:
    """True for the GRCh38 primary chromosomes (chr1-22, X, Y, M; with or without 'chr')."""
    return bool(_PRIMARY_RE.match(chrom))


def _naming_style(chrom: str) -> Optional[str]:
    """How a primary chromosome is spelt: 'with chr' (UCSC) or 'without chr' (Ensembl); None for others."""
    if not is_primary_contig(chrom):
        return None
    return "with chr" if chrom.startswith("chr") else "without chr"


def _strip_chr(chrom: str) -> str:
    base = chrom[3:] if chrom.startswith("chr") else chrom
    return "M" if base == "MT" else base


def _ucsc_name(chrom: str) -> str:
    """Ensembl/RefSeq primary contig names to UCSC style ('10', 'NC_000010.11' -> 'chr10', 'MT' -> 'chrM');
    others unchanged."""
    accession = accession_chromosome(chrom)
    if accession is not None:
        return accession
    if chrom.startswith("chr") or not is_primary_contig(chrom):
        return chrom
    return "chrM" if chrom == "MT" else "chr" + chrom


def _primary_name(chrom: str) -> Optional[str]:
    """The primary chromosome a contig name stands for ('chr10', '10', 'NC_000010.11' -> '10'), else None."""
    chrom = accession_chromosome(chrom) or chrom
    return _strip_chr(chrom) if is_primary_contig(chrom) else None


def _unversioned(identifier: str) -> str:
    return identifier.split(".", 1)[0]


def _is_missing(value: Optional[str]) -> bool:
    return value is None or value.strip() in _MISSING


def parse_gtf_attributes(text: str, path: PathLike = "-", line: Optional[int] = None) -> Tuple[Dict[str, str], List[str]]:
    """Parse a GTF column 9. Returns (first value per key, all ``tag`` values)."""
    attrs: Dict[str, str] = {}
    tags: List[str] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _ATTR_RE.match(text, pos)
        if not match or match.end() == pos:
            raise UserInputError(
                path, line, "attributes", f"cannot parse GTF attributes near {text[pos:pos + 40]!r}",
                'Attributes must look like: gene_id "ENSG..."; transcript_id "ENST...";',
            )
        key = match.group(1)
        value = match.group(2) if match.group(2) is not None else match.group(3)
        if key == "tag":
            tags.append(value)
        attrs.setdefault(key, value)
        pos = match.end()
    return attrs, tags


# ----------------------------------------------------------------------------------------------
# gene list
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneRequest:
    """One line of a gene list: a symbol, an Ensembl gene id (version ignored for matching) or an HGNC id."""

    query: str
    line: int
    is_ensembl: bool

    @property
    def is_hgnc(self) -> bool:
        return bool(_HGNC_REQUEST_RE.match(self.query))

    @property
    def key(self) -> str:
        if self.is_ensembl:
            match = _ENSG_RE.match(self.query)
            assert match
            return match.group(1).upper()
        if self.is_hgnc:
            return self.query.upper()
        return self.query


def read_gene_list(path: PathLike) -> List[GeneRequest]:
    """One gene per line (symbol or ENSG id, with or without version); '#' starts a comment."""
    path = Path(path)
    if not path.is_file():
        raise UserInputError(path, None, "--genes", "gene list file not found", "Give a text file with one gene per line.")
    requests: List[GeneRequest] = []
    seen: Dict[str, int] = {}
    n_lines = 0
    for n_lines, raw in text_lines(path, "gene"):  # plain or gzip; a BOM dropped, non-UTF-8 named
        text = raw.lstrip("\ufeff").split("#", 1)[0].strip()  # a BOM: lists saved by Excel/Notepad
        if not text:
            continue
        if re.search(r"[\s,;]", text):
            raise UserInputError(path, n_lines, "gene", f"{text!r} holds more than one name",
                                 "Write one gene symbol or Ensembl gene id per line.")
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._\-@/]*$", text) and not _HGNC_REQUEST_RE.match(text):
            raise UserInputError(path, n_lines, "gene", f"{text!r} is not a gene symbol, Ensembl gene id or HGNC id",
                                 "Use an HGNC symbol (e.g. PRF1), an id like ENSG00000180644 or HGNC:9360.")
        is_ensembl = bool(_ENSG_RE.match(text))
        request = GeneRequest(text, n_lines, is_ensembl)
        if request.key in seen:
            raise UserInputError(path, n_lines, "gene", f"{text} is listed twice (first at line {seen[request.key]})",
                                 "List each gene once.")
        seen[request.key] = n_lines
        requests.append(request)
    if not requests:
        raise UserInputError(path, max(n_lines, 1), "genes", "the gene list is empty",
                             "Write one gene symbol or Ensembl gene id per line.")
    return requests


# ----------------------------------------------------------------------------------------------
# GTF scan
# ----------------------------------------------------------------------------------------------


@dataclass
class GtfRecord:
    line: int
    fields: List[str]  # the 9 columns, column 1 already renamed to the output contig style
    start: int
    end: int
    attrs: Dict[str, str]
    tags: List[str]

    @property
    def chrom(self) -> str:
        return self.fields[0]

    @property
    def feature(self) -> str:
        return self.fields[2]

    @property
    def strand(self) -> str:
        return self.fields[6]

    @property
    def gene_id(self) -> str:
        return self.attrs["gene_id"]

    @property
    def transcript_id(self) -> Optional[str]:
        return self.attrs.get("transcript_id") or None  # RefSeq gene lines carry transcript_id ""

    def text(self) -> str:
        return "\t".join(self.fields)


@dataclass
class _Scan:
    records: List[GtfRecord] = field(default_factory=list)
    all_names: set = field(default_factory=set)
    has_hgnc: bool = False     # does any line carry an HGNC id (GENCODE hgnc_id, RefSeq db_xref)?
    hgnc_genes: Dict[str, set] = field(default_factory=dict)  # wanted HGNC id -> gene ids carrying it
    choice_tags: bool = False  # does any transcript line carry MANE Select / Ensembl canonical / RefSeq Select?


def _check_header(path: PathLike, line_no: int, text: str) -> None:
    match = _OTHER_BUILD_RE.search(text)
    if match:
        raise UserInputError(
            path, line_no, "genome-build", f"the GTF header names assembly {match.group(0)}, not {BUILD}: {text.strip()[:120]}",
            f"Use a {BUILD} annotation (e.g. GENCODE 'gencode.vNN.annotation.gtf.gz' or Ensembl 'Homo_sapiens.GRCh38.NNN.gtf.gz').",
        )


def _check_anchor(path: PathLike, line_no: int, chrom: str, start: int, end: int, transcript_id: str) -> None:
    anchor = _GRCH38_ANCHORS.get(_unversioned(transcript_id))
    if anchor is None:
        return
    gene, a_chrom, a_start, a_end = anchor
    if _primary_name(chrom) != a_chrom or end < a_start or start > a_end:
        raise UserInputError(
            path, line_no, "coordinates",
            f"{gene} MANE transcript {transcript_id} lies at {chrom}:{start}-{end}, but on {BUILD} it is at "
            f"chr{a_chrom}:{a_start}-{a_end}; this GTF is for another assembly (GRCh37?)",
            f"Use a {BUILD} annotation.",
        )


_GFF3_FIX = ("Give the GTF of the same release instead (GENCODE 'gencode.vNN.annotation.gtf.gz', Ensembl "
             "'Homo_sapiens.GRCh38.NNN.gtf.gz' or NCBI 'GCF_000001405.40_GRCh38.p14_genomic.gtf.gz').")


def _check_contig_assembly(path: PathLike, line_no: int, contig: str) -> None:
    """A RefSeq chromosome accession of another assembly version (GRCh37: NC_000010.10) is refused."""
    grch38 = other_assembly_accession(contig)
    if grch38 is not None:
        raise UserInputError(path, line_no, "chrom",
                             f"contig {contig} is not a {BUILD} chromosome ({BUILD} names it {grch38}): "
                             "this GTF is for another assembly (GRCh37?)",
                             f"Use a {BUILD} annotation (NCBI: GCF_000001405.40_GRCh38.p14_genomic.gtf.gz).")


def _scan_gtf(path: Path, wanted_names: set, wanted_ids: set, contig_style: str,
              wanted_hgnc: Optional[set] = None) -> _Scan:
    """Stream the GTF once; keep full records only for the wanted genes; validate what is kept."""
    scan = _Scan()
    rename = _ucsc_name if contig_style == "ucsc" else (lambda c: c)
    checked_contigs: set = set()
    n_features = 0
    for line_no, line in text_lines(path, "--gtf"):  # a zip/bzip2/xz GTF or a non-UTF-8 line: named
        if not line.strip():
            continue
        if line.startswith("#"):
            if line.startswith("##gff-version"):
                raise UserInputError(path, line_no, "--gtf", f"this is a GFF3 file ({line.strip()}), not a GTF",
                                     _GFF3_FIX)
            _check_header(path, line_no, line)
            continue
        fields = line.split("\t")
        if len(fields) != 9:
            raise UserInputError(path, line_no, "columns", f"expected 9 tab-separated GTF columns, found {len(fields)}",
                                 "Check the file is a GTF (not GFF3/BED) and is not truncated.")
        n_features += 1
        feature = fields[2]
        attr_text = fields[8]
        match = _GENE_ID_RE.search(attr_text)
        if not match:
            if looks_like_gff3(attr_text):
                raise UserInputError(path, line_no, "attributes",
                                     f"GFF3 key=value attributes ({attr_text[:40]}...): this is a GFF3 file, not a GTF",
                                     _GFF3_FIX)
            raise UserInputError(path, line_no, "gene_id", "the attributes column has no gene_id",
                                 "Every GTF line needs gene_id \"...\";")
        gene_id = match.group(1)
        name_match = _GENE_NAME_RE.search(attr_text) or _GENE_SYMBOL_RE.search(attr_text)
        gene_name = name_match.group(1) if name_match else gene_id
        scan.all_names.add(gene_name)
        if fields[0] not in checked_contigs:
            _check_contig_assembly(path, line_no, fields[0])
            checked_contigs.add(fields[0])
        if feature == "transcript":
            scan.choice_tags = scan.choice_tags or has_choice_tag(attr_text)
            tmatch = _TRANSCRIPT_ID_RE.search(attr_text)
            if tmatch and _unversioned(tmatch.group(1)) in _GRCH38_ANCHORS:
                start, end = _parse_coords(path, line_no, fields)
                _check_anchor(path, line_no, fields[0], start, end, tmatch.group(1))
        if feature not in _FEATURE_RANK:
            continue
        base_id = gene_id.split(".", 1)[0].upper()
        hgnc = _HGNC_ATTR_RE.search(attr_text)
        if hgnc:
            scan.has_hgnc = True
            if wanted_hgnc and f"HGNC:{hgnc.group(1)}" in wanted_hgnc:
                scan.hgnc_genes.setdefault(f"HGNC:{hgnc.group(1)}", set()).add(gene_id)
        if (gene_name not in wanted_names and gene_id not in wanted_names and base_id not in wanted_ids
                and not any(gene_id in ids for ids in scan.hgnc_genes.values())):
            continue
        start, end = _parse_coords(path, line_no, fields)
        if fields[6] not in ("+", "-"):
            raise UserInputError(path, line_no, "strand", f"strand is {fields[6]!r}", "Use '+' or '-'.")
        if feature in ("CDS", "start_codon", "stop_codon") and fields[7] not in ("0", "1", "2"):
            raise UserInputError(path, line_no, "frame", f"{feature} frame is {fields[7]!r}", "Use 0, 1 or 2.")
        attrs, tags = parse_gtf_attributes(attr_text, path, line_no)
        tags = normalise_tags(tags)
        attrs["gene_name"] = gene_name
        if feature != "gene" and "transcript_id" not in attrs:
            raise UserInputError(path, line_no, "transcript_id", f"{feature} line has no transcript_id",
                                 "Every non-gene GTF line needs transcript_id \"...\";")
        fields[0] = rename(fields[0])
        scan.records.append(GtfRecord(line_no, fields, start, end, attrs, tags))
    if n_features == 0:
        raise UserInputError(path, None, "--gtf", "the GTF has no feature lines", "Give a GENCODE/Ensembl GTF.")
    return scan


def _parse_coords(path: PathLike, line_no: int, fields: List[str]) -> Tuple[int, int]:
    values = []
    for column, index in (("start", 3), ("end", 4)):
        try:
            value = int(fields[index])
        except ValueError:
            raise UserInputError(path, line_no, column, f"{fields[index]!r} is not an integer",
                                 "GTF columns 4 and 5 are 1-based integer positions.") from None
        if value < 1:
            raise UserInputError(path, line_no, column, f"{value} is below 1", "GTF positions are 1-based.")
        values.append(value)
    if values[0] > values[1]:
        raise UserInputError(path, line_no, "start", f"start {values[0]} is after end {values[1]}",
                             "GTF start must be <= end.")
    return values[0], values[1]


# ----------------------------------------------------------------------------------------------
# gene resolution and transcript choice
# ----------------------------------------------------------------------------------------------


@dataclass
class ChosenGene:
    request: GeneRequest
    gene_id: str
    gene_name: str
    chrom: str
    strand: str
    gene_record: Optional[GtfRecord]
    transcript_id: str
    reason: str
    transcript_records: List[GtfRecord]
    notes: List[str] = field(default_factory=list)  # what the user must know (printed as WARNINGs)

    @property
    def transcript_record(self) -> Optional[GtfRecord]:
        for rec in self.transcript_records:
            if rec.feature == "transcript":
                return rec
        return None

    def exons(self) -> List[GtfRecord]:
        return sorted((r for r in self.transcript_records if r.feature == "exon"), key=lambda r: r.start)

    def attr(self, key: str) -> Optional[str]:
        for rec in [self.transcript_record] + self.transcript_records + [self.gene_record]:
            if rec is not None and key in rec.attrs:
                return rec.attrs[key]
        return None

    def versioned(self, key: str) -> Optional[str]:
        """``gene_id``/``transcript_id`` with its version: Ensembl GTFs give it apart (``gene_version``)."""
        identifier = self.gene_id if key == "gene_id" else self.transcript_id
        version = self.attr(key.replace("_id", "_version"))
        if version and version.isdigit() and re.match(r"^ENS[GT]\d{11}$", identifier):
            return f"{identifier}.{version}"
        return identifier

    def refseq_transcript(self) -> Optional[str]:
        """The RefSeq id: GENCODE's ``mane_refseq``, or the transcript itself in a RefSeq GTF."""
        if re.match(r"^[NX][MR]_\d", self.transcript_id):
            return self.transcript_id
        return self.attr("mane_refseq")

    def span(self) -> Tuple[int, int]:
        rec = self.transcript_record
        if rec is not None:
            return rec.start, rec.end
        exons = self.exons()
        return exons[0].start, max(e.end for e in exons)

    def exon_numbers(self) -> List[Tuple[GtfRecord, int]]:
        """Exons in genomic order with their number (GTF exon_number, else counted 5'->3')."""
        exons = self.exons()
        ordered = exons if self.strand == "+" else list(reversed(exons))
        numbered = []
        for index, exon in enumerate(ordered, start=1):
            value = exon.attrs.get("exon_number")
            numbered.append((exon, int(value) if value and value.isdigit() else index))
        return sorted(numbered, key=lambda pair: pair[0].start)

    def coding_lengths(self) -> Tuple[Optional[int], Optional[int]]:
        """(CDS nt including the stop codon, protein length in aa excluding the stop); None if unknown."""
        cds = [r for r in self.transcript_records if r.feature == "CDS"]
        if not cds:
            return None, None
        stops = [r for r in self.transcript_records if r.feature == "stop_codon"]
        total = sum(r.end - r.start + 1 for r in cds)
        for stop in stops:
            inside = any(c.start <= stop.start and stop.end <= c.end for c in cds)
            if not inside:
                total += stop.end - stop.start + 1
        if not stops or total % 3:
            return total, None
        return total, total // 3 - 1


def _resolve(requests: Sequence[GeneRequest], scan: _Scan, gtf: Path, gene_list: Path) -> List[ChosenGene]:
    by_gene: Dict[str, List[GtfRecord]] = {}
    for rec in scan.records:
        by_gene.setdefault(rec.gene_id, []).append(rec)
    matches = {request: _matching(request, by_gene, scan) for request in requests}
    _refuse_unknown_genes([r for r in requests if not matches[r]], scan, gtf, gene_list)
    chosen: List[ChosenGene] = []
    used_ids: Dict[str, GeneRequest] = {}
    for request in requests:
        matching = matches[request]
        _refuse_transcript_ids_as_genes(request, matching, gtf, gene_list)
        # one locus per gene id and primary chromosome: a RefSeq gene id may also name the gene's copies on
        # alt loci (NT_/NW_ contigs, ignored) or on both chrX and chrY (PAR)
        primary: Dict[Tuple[str, str], List[GtfRecord]] = {}
        for gid, recs in matching.items():
            for rec in recs:
                chrom = _primary_name(rec.chrom)
                if chrom is not None:
                    primary.setdefault((gid, chrom), []).append(rec)
        if not primary:
            contigs = in_natural_order({r.chrom for recs in matching.values() for r in recs})
            raise UserInputError(gene_list, request.line, "gene",
                                 f"{request.query} is only on alt/patch/unplaced contigs in {gtf.name} ({', '.join(contigs[:5])})",
                                 "Screen genes on the primary chromosomes (chr1-22, X, Y, M) only.")
        # PAR copies on chrY (GENCODE '..._PAR_Y' ids) are the same gene: keep the chrX copy.
        loci = sorted(primary, key=lambda locus: primary[locus][0].line)
        non_par = [locus for locus in loci if not locus[0].upper().endswith("_PAR_Y")]
        if non_par:
            loci = non_par
        notes: List[str] = []
        loci, par_note = _x_copy_of_par_gene(loci, primary)
        if par_note:
            notes.append(par_note)
        if len(loci) > 1:
            where = "; ".join(f"{gid} (line {primary[(gid, c)][0].line}, {primary[(gid, c)][0].chrom})" for gid, c in loci)
            raise UserInputError(gene_list, request.line, "gene",
                                 f"symbol {request.query} is ambiguous in {gtf.name}: {where}",
                                 "List the gene id you mean (one of those named) instead of the symbol.")
        gene_id = loci[0][0]
        if gene_id in used_ids:
            other = used_ids[gene_id]
            raise UserInputError(gene_list, request.line, "gene",
                                 f"{request.query} is the same gene as {other.query} (line {other.line}): {gene_id}",
                                 "List each gene once.")
        used_ids[gene_id] = request
        gene = _choose_transcript(request, gene_id, primary[loci[0]], gtf, scan.choice_tags)
        subtype_gene = FHL_SUBTYPE_GENES.get(gene.gene_name)
        if subtype_gene:
            notes.append(f"{gene.gene_name} is the HGNC symbol of a gene of its own ({gene_id}, {gene.chrom}), not the "
                         f"familial HLH subtype {gene.gene_name}, whose gene is {subtype_gene}: list {subtype_gene} "
                         "if that is the gene you meant")
        gene.notes[:0] = notes
        chosen.append(gene)
    return chosen


def _matching(request: GeneRequest, by_gene: Dict[str, List[GtfRecord]], scan: _Scan) -> Dict[str, List[GtfRecord]]:
    """The GTF genes (gene id -> records) a request names."""
    if request.is_ensembl:
        return {gid: recs for gid, recs in by_gene.items() if gid.split(".", 1)[0].upper() == request.key}
    if request.is_hgnc:
        ids = scan.hgnc_genes.get(request.key, set())
        return {gid: recs for gid, recs in by_gene.items() if gid in ids}
    # the symbol, or a gene id that is not an Ensembl one (RefSeq GTFs: gene_id "PRF1", "CSF2RA_1")
    return {gid: recs for gid, recs in by_gene.items() if recs[0].attrs.get("gene_name") == request.key or gid == request.key}


def _unknown_hint(request: GeneRequest, scan: _Scan) -> str:
    """Why a request may have matched nothing: a symbol in other capitals, an HLH subtype name, a GTF
    without HGNC ids."""
    if request.is_ensembl:
        return ""
    if request.is_hgnc:
        return "" if scan.has_hgnc else ("the GTF carries no HGNC ids (Ensembl GTFs do not; GENCODE's hgnc_id and "
                                         "RefSeq's db_xref do): list the symbol or the Ensembl gene id")
    hints = []
    similar = sorted(n for n in scan.all_names if n.upper() == request.query.upper())
    if similar:
        hints.append(f"the GTF has {', '.join(similar)}: symbols are case-sensitive")
    subtype_gene = FHL_SUBTYPE_GENES.get(request.query.upper())
    if subtype_gene:
        hints.append(f"familial HLH subtype {request.query.upper()} is the gene {subtype_gene}")
    return "; ".join(hints)


def _refuse_unknown_genes(unknown: Sequence[GeneRequest], scan: _Scan, gtf: Path, gene_list: Path) -> None:
    """Every request that matched no gene, named together (a long list is fixed in one go)."""
    if not unknown:
        return
    fix = ("Check the spelling, that it is the current HGNC symbol (not an alias or previous symbol, e.g. UNC13D "
           "not MUNC13-4: look it up at genenames.org) and that the GTF covers this gene; or list the Ensembl gene id "
           "(or the HGNC id, with a GENCODE or RefSeq GTF).")
    hints = [_unknown_hint(request, scan) for request in unknown]
    if len(unknown) == 1:
        problem = f"{unknown[0].query} is not in {gtf.name}" + (f" ({hints[0]})" if hints[0] else "")
    else:
        named = [f"{r.query} (line {r.line}{'; ' + hint if hint else ''})" for r, hint in zip(unknown, hints)]
        problem = f"{len(unknown)} genes are not in {gtf.name}: {', '.join(named)}"
    raise UserInputError(gene_list, unknown[0].line, "gene", problem, fix)


def _refuse_transcript_ids_as_genes(request: GeneRequest, matching: Dict[str, List[GtfRecord]], gtf: Path,
                                    gene_list: Path) -> None:
    """UCSC-exported GTFs (genePredToGtf, e.g. hg38.knownGene.gtf) put each transcript's id in gene_id:
    one "gene" per transcript, no gene lines, no tags. No gene-level choice is possible from them."""
    if all(is_transcript_accession(gid) and all(r.transcript_id in (None, gid) for r in recs)
           for gid, recs in matching.items()) and any(r.transcript_id == gid for gid, recs in matching.items() for r in recs):
        raise UserInputError(gtf, min(r.line for recs in matching.values() for r in recs), "gene_id",
                             f"gene_id holds transcript ids ({', '.join(sorted(matching)[:3])}) for {request.query}: "
                             "a UCSC-style GTF (genePredToGtf) without genes or MANE/canonical tags",
                             "Give a GENCODE, Ensembl or NCBI RefSeq GTF, which have gene ids and tag the MANE Select "
                             "transcript.")


def _x_copy_of_par_gene(loci: List[Tuple[str, str]], primary: Dict[Tuple[str, str], List[GtfRecord]]
                        ) -> Tuple[List[Tuple[str, str]], Optional[str]]:
    """A gene annotated on chrX and chrY (pseudo-autosomal: distinct ids since GENCODE 44, RefSeq 'SYMBOL_1'
    or the same id) is one gene: keep the chrX copy, and say so (GRCh38 analysis sets mask the chrY
    PARs, so the reads of both copies map to chrX). ``loci`` are (gene id, primary chromosome) pairs."""
    x_loci = [locus for locus in loci if locus[1] == "X"]
    if len(loci) < 2 or len(x_loci) != 1 or any(chrom not in ("X", "Y") for _, chrom in loci):
        return loci, None
    y_copies = ", ".join(f"{gid} at {primary[(gid, chrom)][0].chrom}:{min(r.start for r in primary[(gid, chrom)])}"
                         for gid, chrom in loci if chrom == "Y")
    return x_loci, (f"also annotated on chrY ({y_copies}: a pseudo-autosomal copy); screened on chrX only, "
                    "where reads of both copies align on a GRCh38 reference with masked chrY PARs")


def _choose_transcript(request: GeneRequest, gene_id: str, records: List[GtfRecord], gtf: Path,
                       gtf_has_tags: bool = True) -> ChosenGene:
    gene_records = [r for r in records if r.feature == "gene"]
    gene_record = gene_records[0] if gene_records else None
    by_tx: Dict[str, List[GtfRecord]] = {}
    for rec in records:
        if rec.transcript_id is not None:
            by_tx.setdefault(rec.transcript_id, []).append(rec)
    first_line = (gene_record or records[0]).line
    gene_name = records[0].attrs.get("gene_name", gene_id)
    chosen_tx = None
    reason = ""
    for tag in CHOICE_TAGS:
        tagged = sorted(tx for tx, recs in by_tx.items() if any(tag in r.tags for r in recs))
        if len(tagged) > 1:
            raise UserInputError(gtf, first_line, "tag", f"{gene_name} has {len(tagged)} transcripts tagged {tag}: {', '.join(tagged)}",
                                 "A gene should have one such transcript; check the GTF.")
        if tagged:
            chosen_tx, reason = tagged[0], tag
            break
    if chosen_tx is None:
        if not gtf_has_tags:
            raise UserInputError(gtf, first_line, "tag",
                                 f"no transcript in {gtf.name} is tagged MANE_Select (or 'MANE Select'), Ensembl_canonical or RefSeq Select "
                                 "(UCSC-exported GTFs and GENCODE < 38 / Ensembl < 104 releases carry no such tags), "
                                 f"so no transcript of {gene_name} can be chosen",
                                 "Use a GENCODE >= v38, Ensembl >= 104, NCBI RefSeq or MANE release GTF.")
        raise UserInputError(gtf, first_line, "tag",
                             f"{gene_name} ({gene_id}) has no transcript tagged MANE_Select, Ensembl_canonical or "
                             f"RefSeq Select in {gtf.name}",
                             "Check that this is the gene you mean (a readthrough or non-coding gene may have none); "
                             "list its Ensembl gene id, or use a GENCODE >= v38 / Ensembl >= 104 GTF.")
    tx_records = by_tx[chosen_tx]
    if not any(r.feature == "exon" for r in tx_records):
        raise UserInputError(gtf, tx_records[0].line, "exon", f"transcript {chosen_tx} of {gene_name} has no exon lines",
                             "Use a complete GTF (gene, transcript, exon, CDS lines).")
    strands = {r.strand for r in tx_records}
    chroms = {r.chrom for r in tx_records}
    if len(strands) != 1 or len(chroms) != 1:
        raise UserInputError(gtf, tx_records[0].line, "strand", f"transcript {chosen_tx} mixes contigs/strands {sorted(chroms)} {sorted(strands)}",
                             "Check the GTF.")
    notes = []
    if not any(r.feature == "CDS" for r in tx_records):
        biotype = next((r.attrs[k] for r in tx_records for k in ("transcript_type", "transcript_biotype") if k in r.attrs),
                       "no CDS lines")
        notes.append(f"the chosen transcript {chosen_tx} ({reason}) is non-coding ({biotype}): no protein change can "
                     "be predicted from it; check that this is the gene and transcript you mean")
    elif reason != "MANE_Select":
        # a coding gene without a MANE Select transcript in this GTF (an older release, or a gene MANE has not
        # reached): screened on another transcript, which a MANE-based clinical report does not name
        notes.append(f"no transcript of {gene_name} is tagged MANE Select in {gtf.name}: its {reason} transcript "
                     f"{chosen_tx} is screened instead (genes.tsv transcript_choice); exon numbers and HGVS names "
                     "follow it and may differ from those of a report on the MANE Select transcript")
    return ChosenGene(request, gene_id, gene_name, tx_records[0].chrom, tx_records[0].strand, gene_record,
                      chosen_tx, reason, tx_records, notes)


# ----------------------------------------------------------------------------------------------
# intervals
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Region:
    """A BED interval: 0-based start, exclusive end."""

    chrom: str
    start: int
    end: int
    name: str = ""
    line: int = field(default=0, compare=False)  # line in its BED file (0: not from a file)
    extra: Tuple[str, ...] = field(default=(), compare=False)  # BED columns after the name

    @property
    def genes(self) -> Tuple[str, ...]:
        """Gene symbols of the name (see ``region_genes``)."""
        return region_genes(self.name)


def region_genes(name: str) -> Tuple[str, ...]:
    """The gene symbols a panel BED name stands for, each once in name order: ``PRF1|exon2`` -> PRF1,
    ``A|exon3,B|exon1`` (overlapping exons merged, ``_region_name``) -> A, B, ``GENE|ENSE..|exon5`` or a
    bare ``GENE`` -> GENE. Blanks around a symbol are dropped (a tab-separated name may hold spaces)."""
    genes = (part.split("|", 1)[0].strip() for part in name.split(","))
    return tuple(dict.fromkeys(gene for gene in genes if gene))


def _merge_labelled(intervals: Iterable[Tuple[str, int, int, str, int]]) -> List[Tuple[str, int, int, Dict[str, List[int]]]]:
    """Merge overlapping or touching (chrom, start0, end, gene, exon_no) intervals; keep labels."""
    ordered = sorted(intervals, key=lambda iv: (chrom_sort_key(iv[0]), iv[1], iv[2], iv[3], iv[4]))
    merged: List[Tuple[str, int, int, Dict[str, List[int]]]] = []
    for chrom, start, end, gene, exon in ordered:
        if merged and merged[-1][0] == chrom and start <= merged[-1][2]:
            last = merged[-1]
            last[3].setdefault(gene, []).append(exon)
            merged[-1] = (chrom, last[1], max(last[2], end), last[3])
        else:
            merged.append((chrom, start, end, {gene: [exon]}))
    return merged


def _region_name(labels: Dict[str, List[int]]) -> str:
    parts = []
    for gene, exons in labels.items():
        low, high = min(exons), max(exons)
        parts.append(f"{gene}|exon{low}" if low == high else f"{gene}|exon{low}-{high}")
    return ",".join(parts)


def padded_exons(genes: Sequence[ChosenGene], pad: int) -> List[Tuple[str, int, int, str, int]]:
    """(chrom, 0-based start, end, gene, exon number) for each exon padded by ``pad`` bp each side."""
    out = []
    for gene in genes:
        for exon, number in gene.exon_numbers():
            out.append((gene.chrom, max(0, exon.start - 1 - pad), exon.end + pad, gene.gene_name, number))
    return out


class RegionIndex:
    """Fast point/interval queries over BED intervals (overlapping intervals allowed).

    Query positions are 1-based like VCF: ``contains(chrom, pos)`` is true when a BED interval
    [start, end) (0-based) has ``start < pos <= end``; ``overlaps(chrom, start, end)`` takes a
    1-based inclusive span (e.g. ``pos, pos + len(ref) - 1``).
    """

    def __init__(self, regions: Iterable[Region], path: PathLike = "-") -> None:
        self.path = str(path)
        self._by_chrom: Dict[str, List[Region]] = {}
        for region in regions:
            self._by_chrom.setdefault(region.chrom, []).append(region)
        self._starts: Dict[str, List[int]] = {}
        self._max_end: Dict[str, List[int]] = {}
        self._merged: Dict[str, Tuple[List[int], List[int]]] = {}
        for chrom, items in self._by_chrom.items():
            items.sort(key=lambda r: (r.start, r.end, r.name))
            self._starts[chrom] = [r.start for r in items]
            running, max_end = 0, []
            for r in items:
                running = max(running, r.end)
                max_end.append(running)
            self._max_end[chrom] = max_end
            m_starts: List[int] = []
            m_ends: List[int] = []
            for r in items:
                if m_ends and r.start <= m_ends[-1]:
                    m_ends[-1] = max(m_ends[-1], r.end)
                else:
                    m_starts.append(r.start)
                    m_ends.append(r.end)
            self._merged[chrom] = (m_starts, m_ends)

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_chrom.values())

    def __iter__(self) -> Iterator[Region]:
        for chrom in sorted(self._by_chrom, key=chrom_sort_key):
            yield from self._by_chrom[chrom]

    @property
    def chroms(self) -> List[str]:
        return sorted(self._by_chrom, key=chrom_sort_key)

    def total_bp(self) -> int:
        """Bases covered (overlaps counted once)."""
        return sum(e - s for starts, ends in self._merged.values() for s, e in zip(starts, ends))

    def contains(self, chrom: str, pos: int) -> bool:
        """Is 1-based position ``pos`` inside an interval?"""
        return self.overlaps(chrom, pos, pos)

    def overlaps(self, chrom: str, start: int, end: int) -> bool:
        """Does the 1-based inclusive span [start, end] overlap an interval?"""
        merged = self._merged.get(chrom)
        if merged is None:
            return False
        m_starts, m_ends = merged
        # last merged interval whose 0-based start is < end (i.e. 1-based start <= end)
        idx = bisect.bisect_left(m_starts, end) - 1
        return idx >= 0 and m_ends[idx] >= start

    def overlapping(self, chrom: str, start: int, end: int) -> List[Region]:
        """The intervals overlapping the 1-based inclusive span [start, end], in index order (start, end, name)."""
        items = self._by_chrom.get(chrom)
        if not items:
            return []
        # intervals whose 0-based start is < end (1-based start <= end), walked back while one may reach start
        idx = bisect.bisect_left(self._starts[chrom], end) - 1
        max_end = self._max_end[chrom]
        found = []
        while idx >= 0 and max_end[idx] >= start:
            if items[idx].end >= start:
                found.append(items[idx])
            idx -= 1
        return found[::-1]

    def names_at(self, chrom: str, pos: int) -> List[str]:
        """Names of the intervals containing 1-based ``pos`` (in index order)."""
        return [region.name for region in self.overlapping(chrom, pos, pos)]

    def genes_in(self, chrom: str, start: int, end: int) -> List[str]:
        """Gene symbols (``region_genes``) of the intervals overlapping the 1-based inclusive span, each once,
        in index order."""
        return list(dict.fromkeys(gene for region in self.overlapping(chrom, start, end) for gene in region.genes))

    def genes_at(self, chrom: str, pos: int) -> List[str]:
        """Gene symbols of the intervals at ``pos`` (names like ``GENE|exon3`` or ``A|exon1,B|exon2``)."""
        return self.genes_in(chrom, pos, pos)


def _header_hint(regions_so_far: Sequence[Region], cols: Sequence[str]) -> str:
    """A hint when the first data line is a column header (``chrom start end``, as spreadsheets write)."""
    if regions_so_far or any(ch.isdigit() for ch in cols[1] + cols[2]):
        return ""
    return (" This line looks like a column header: a BED file has none. Delete the line or start it with '#'.")


# A column-header line without '#' (some vendors' and spreadsheets' BEDs): chrom/start/end under their
# usual names. Only such a line, before any data, is skipped; any other word in place of a number is an error.
_HEADER_CHROM = re.compile(r"#?\s*(chrom|chr|chromosome|contig|seqname|seqnames|seqid|sequence)(_?name)?", re.I)
_HEADER_START = re.compile(r"(chrom|tx|target|region|interval)?_?(start|begin)(_?pos(ition)?)?", re.I)
_HEADER_END = re.compile(r"(chrom|tx|target|region|interval)?_?(end|stop)(_?pos(ition)?)?", re.I)


def _is_column_header(cols: Sequence[str]) -> bool:
    return (len(cols) >= 3 and bool(_HEADER_CHROM.fullmatch(cols[0].strip()))
            and bool(_HEADER_START.fullmatch(cols[1].strip())) and bool(_HEADER_END.fullmatch(cols[2].strip())))


def bed_fields(line: str) -> List[str]:
    """The fields of a BED data line. BED (UCSC, BEDv1) separates fields by tabs or by runs of spaces: a
    line with 3+ tab-separated fields is split at tabs only (a name may hold spaces), any other at
    whitespace."""
    if "\t" in line:
        cols = line.split("\t")
        if len(cols) >= 3:
            return cols
    return line.split()


def _not_normalised(pos: int, ref: str, alt: str) -> Optional[str]:
    """Why a REF/ALT pair is not as ``bcftools norm`` writes it (trimmed, left-aligned), or None."""
    if len(ref) == 1 and len(alt) == 1:
        return None
    if ref[-1] == alt[-1] or (len(ref) > 1 and len(alt) > 1 and ref[0] == alt[0]):
        trimmed_pos, trimmed_ref, trimmed_alt = minimal_allele(pos, ref, alt)
        if trimmed_ref[-1] != trimmed_alt[-1]:
            return (f"is not trimmed: REF and ALT share bases a normalised record leaves out (it is "
                    f"{trimmed_pos} {trimmed_ref}>{trimmed_alt})")
        return ("is not left-aligned: REF and ALT end in the same base, so the insertion or deletion can be "
                "shifted left (VCF records are left-aligned; HGVS shifts 3')")
    return None


def _bed12_block_count(cols: Sequence[str]) -> int:
    """blockCount of a BED12 line, 1 for any other line. Columns 11 and 12 must be the block sizes and
    starts (comma lists of blockCount integers): a 12-column file with other extra columns (annotation,
    bedtools intersect -wa -wb output) is not a BED12 of transcripts."""
    if len(cols) < 12 or not cols[9].strip().isdigit():
        return 1
    count = int(cols[9])
    blocks = [[part.strip() for part in col.strip().rstrip(",").split(",")] for col in (cols[10], cols[11])]
    if any(len(parts) != count or not all(part.isdigit() for part in parts) for parts in blocks):
        return 1
    return count


def load_regions(path: PathLike, zero_length: bool = False) -> RegionIndex:
    """Read and validate a BED file (plain or gz). Errors name the file, line and column.

    ``zero_length``: keep intervals with start == end (BEDv1 allows them; they hold no base) instead of
    refusing them: a capture BED may have some, a panel region must hold bases."""
    path = Path(path)
    if not path.is_file():
        raise UserInputError(path, None, "bed", "BED file not found", "Check the path.")
    regions: List[Region] = []
    first_style: Optional[Tuple[str, str, int]] = None  # naming style, contig, line of the first primary contig
    track_after_data: Optional[int] = None  # line of a 'track' line that follows data lines
    for line_no, line in text_lines(path, "bed"):
        if line.startswith("track") and regions and track_after_data is None:
            track_after_data = line_no
        if not line.strip() or line.startswith(("#", "track", "browser")):
            continue
        cols = bed_fields(line)
        if not regions and _is_column_header(cols):
            continue
        _refuse_other_interval_formats(path, line_no, line, cols)
        if track_after_data is not None:
            lines = f"{len(regions)} data line{'' if len(regions) == 1 else 's'}"
            raise UserInputError(path, track_after_data, "track",
                                 f"a second track starts here, after {lines}: a multi-track BED "
                                 "(e.g. Agilent's *_AllTracks.bed: target regions, covered, missed and probes "
                                 "tracks); its tracks would be read as one set of intervals",
                                 "Give a single-track BED, e.g. the design's *_Covered.bed or *_Regions.bed. If "
                                 "the tracks are BEDs joined on purpose (an exome kit and a spike-in panel), drop the "
                                 "track lines: grep -v '^track' in.bed > joined.bed.")
        region = _bed_region(path, line_no, cols, regions, zero_length)
        first_style = _check_naming_style(path, line_no, region.chrom, first_style)
        regions.append(region)
    if not regions:
        raise UserInputError(path, None, "bed", "the BED file has no intervals", "Give at least one interval.")
    return RegionIndex(regions, path)


_GATK_INTERVAL = re.compile(r"[^\s:]+:[\d,]+(-[\d,]+)?")
# a line (without tabs) that starts with three comma-separated fields: contig, start, end (or a header's words)
_CSV_LINE = re.compile(r"\s*[^,\s]+,[^,\s]+,[^,\s]+")
# GATK interval lists may name a whole contig: one word, a contig name without ':' or ','
_CONTIG_NAME = re.compile(r"(chr)?([1-9]|1[0-9]|2[0-2]|X|Y|M|MT)|chr\w+|[A-Z]{1,2}_?\d+\.\d+")


def _refuse_other_interval_formats(path: Path, line_no: int, line: str, cols: Sequence[str]) -> None:
    """GATK/Picard interval files given for a BED: their coordinates are 1-based, inclusive."""
    if line.startswith("@"):
        raise UserInputError(path, line_no, "bed", "a SAM-style header line ('@'): a Picard/GATK interval_list "
                             "(1-based, inclusive coordinates), not a BED",
                             "Convert it: picard IntervalListToBed -I in.interval_list -O out.bed (or gatk "
                             "IntervalListToBed).")
    if len(cols) == 1 and _GATK_INTERVAL.fullmatch(cols[0]):
        raise UserInputError(path, line_no, "bed", f"'{cols[0]}' is a GATK interval (chrom:start-end, 1-based, "
                             "inclusive), not a BED line",
                             "Give a BED (chrom<TAB>start-1<TAB>end), e.g. gatk IntervalListToBed after "
                             "converting the list, or awk.")
    if "\t" not in line and _CSV_LINE.match(line):
        raise UserInputError(path, line_no, "bed", f"'{line[:60]}' is comma-separated (a spreadsheet's CSV "
                             "export), not a BED line: BED fields are separated by tabs (or spaces)",
                             "Save the sheet as tab-separated text, or convert it: tr ',' '\\t' < in.csv > out.bed.")
    if len(cols) == 1 and _CONTIG_NAME.fullmatch(cols[0]):
        raise UserInputError(path, line_no, "bed", f"'{cols[0]}' names a whole contig, as a GATK interval list "
                             "(.list/.intervals) line does, not a BED line (chrom, start, end)",
                             "Give a BED with the contig's span (chrom<TAB>0<TAB>length, from the reference's .fai).")


def _bed_region(path: Path, line_no: int, cols: Sequence[str], regions_so_far: Sequence[Region],
                zero_length: bool) -> Region:
    """One validated BED data line."""
    if len(cols) < 3:
        raise UserInputError(path, line_no, "columns", f"expected at least 3 columns, found {len(cols)}",
                             "BED lines are: chrom<TAB>start<TAB>end[<TAB>name] (tabs, or spaces).")
    chrom = cols[0]
    if not chrom or chrom != chrom.strip():
        raise UserInputError(path, line_no, "chrom", f"bad contig name {chrom!r}", "Use e.g. chr10.")
    values = []
    for column, text in (("start", cols[1]), ("end", cols[2])):
        try:
            values.append(int(text))
        except ValueError:
            raise UserInputError(path, line_no, column, f"{text!r} is not an integer",
                                 "BED start/end are 0-based integers." + _header_hint(regions_so_far, cols)) from None
    start, end = values
    if start < 0:
        raise UserInputError(path, line_no, "start", f"start {start} is negative", "BED starts are >= 0.")
    if start > end or (start == end and not zero_length):
        raise UserInputError(path, line_no, "end", f"start {start} is not below end {end}",
                             "BED intervals are 0-based, half-open: start < end.")
    if _bed12_block_count(cols) > 1:
        # BED12 (UCSC transcripts): the line spans the whole transcript; its exons are the blocks
        raise UserInputError(path, line_no, "blockCount",
                             f"a BED12 line with {cols[9]} blocks (exons): its interval {chrom}:{start}-{end} "
                             "spans the introns too, and the blocks are not read",
                             "Give one line per exon: bedtools bed12tobed6 -i in.bed > exons.bed (and name "
                             "each GENE|exonN for a panel).")
    return Region(chrom, start, end, cols[3] if len(cols) > 3 else "", line_no, tuple(cols[4:]))


def _check_naming_style(path: Path, line_no: int, chrom: str, first_style: Optional[Tuple[str, str, int]]
                        ) -> Optional[Tuple[str, str, int]]:
    """The file's first contig naming style; a line naming a contig in another style is an error."""
    style = _naming_style(chrom)
    if style is None:
        return first_style
    if first_style is None:
        return (style, chrom, line_no)
    if style != first_style[0]:
        raise UserInputError(path, line_no, "chrom",
                             f"contig {chrom} is named {style} but line {first_style[2]} names "
                             f"{first_style[1]} {first_style[0]}: the file mixes contig naming styles",
                             "Name every contig one way, as the reference does (GRCh38 UCSC style: "
                             "chr1..chr22, chrX, chrY, chrM).")
    return first_style


# ----------------------------------------------------------------------------------------------
# risk-factor whitelist
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskFactor:
    gene: str
    build: str
    chrom: str
    pos: int
    ref: str
    alt: str
    rsid: str
    transcript: str
    hgvsc: str
    hgvsp: str
    evidence: str
    reason: str
    line: int = 0

    @property
    def key(self) -> Tuple[str, int, str, str]:
        return (self.chrom, self.pos, self.ref, self.alt)

    @property
    def variant_id(self) -> str:
        return f"{self.chrom}:{self.pos}:{self.ref}:{self.alt}"


def load_risk_factors(path: PathLike) -> Dict[Tuple[str, int, str, str], RiskFactor]:
    """Read and validate a risk-factor whitelist TSV; key = (chrom, pos, ref, alt).

    Lines starting with '#' are comments; the first other line is the header and must hold every
    column of :data:`RISK_FACTOR_COLUMNS` (extra columns are allowed). A header-only file is a
    valid, empty whitelist.
    """
    path = Path(path)
    if not path.is_file():
        raise UserInputError(path, None, "risk_factors", "whitelist file not found", "Check the path.")
    header: Optional[List[str]] = None
    factors: Dict[Tuple[str, int, str, str], RiskFactor] = {}
    by_site: Dict[Tuple[str, int, str, str], RiskFactor] = {}  # the key with chr10/10 spelt one way
    for line_no, line in text_lines(path, "risk_factors"):  # a non-UTF-8 byte (Excel's Windows-1252): named
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if header is None:
            header = [c.strip() for c in cols]
            missing = [c for c in RISK_FACTOR_COLUMNS if c not in header]
            if missing:
                raise UserInputError(path, line_no, missing[0], f"header lacks column(s) {', '.join(missing)}",
                                     f"The header must contain: {', '.join(RISK_FACTOR_COLUMNS)}.")
            dupes = sorted({c for c in header if header.count(c) > 1})
            if dupes:
                raise UserInputError(path, line_no, dupes[0], "column appears twice in the header", "Name each column once.")
            continue
        if len(cols) != len(header):
            raise UserInputError(path, line_no, "columns", f"expected {len(header)} tab-separated fields, found {len(cols)}",
                                 "Every row needs one value per header column (NA if unknown).")
        row = dict(zip(header, (c.strip() for c in cols)))
        for column in _RISK_REQUIRED_VALUES:
            if _is_missing(row[column]):
                raise UserInputError(path, line_no, column, f"{column} is empty",
                                     "gene, build, chrom, pos, ref, alt, evidence and reason are required.")
        build = _BUILD_ALIASES.get(row["build"].lower())
        if build is None:
            raise UserInputError(path, line_no, "build", f"unknown build {row['build']!r}", f"Only {BUILD} coordinates are supported.")
        chrom = row["chrom"]
        if not is_primary_contig(chrom):
            raise UserInputError(path, line_no, "chrom", f"{chrom!r} is not a {BUILD} primary chromosome",
                                 "Use chr1-chr22, chrX, chrY or chrM.")
        try:
            pos = int(row["pos"])
        except ValueError:
            raise UserInputError(path, line_no, "pos", f"{row['pos']!r} is not an integer", "pos is the 1-based VCF POS.") from None
        if pos < 1:
            raise UserInputError(path, line_no, "pos", f"pos {pos} is below 1", "pos is the 1-based VCF POS.")
        ref, alt = row["ref"], row["alt"]
        if not _BASES_RE.match(ref):
            raise UserInputError(path, line_no, "ref", f"ref {ref!r} is not a sequence of A/C/G/T/N", "Use upper-case VCF REF bases.")
        if not _ALT_RE.match(alt):
            raise UserInputError(path, line_no, "alt", f"alt {alt!r} is not a sequence of A/C/G/T",
                                 "Use one upper-case VCF ALT allele per row (no symbolic or multi-allelic alts).")
        if ref == alt:
            raise UserInputError(path, line_no, "alt", "alt equals ref", "Give the variant allele.")
        problem = _not_normalised(pos, ref, alt)
        if problem:
            # the called VCF is normalised (bcftools norm): such a row matches no record, and the common
            # variant it should rescue is dropped
            raise UserInputError(path, line_no, "ref/alt", f"{chrom}:{pos} {ref}>{alt} {problem}",
                                 "Write the row as the normalised VCF record (bcftools norm -f GRCh38.fa writes "
                                 "it): the pipeline's variants are normalised, so this row would match none.")
        factor = RiskFactor(row["gene"], build, chrom, pos, ref, alt, row["rsid"], row["transcript"], row["hgvsc"],
                            row["hgvsp"], row["evidence"], row["reason"], line_no)
        site = (_strip_chr(chrom), pos, ref, alt)
        if site in by_site:  # also chr10 and 10 for the same variant: one would silently replace the other
            first = by_site[site]
            raise UserInputError(path, line_no, "pos", f"{factor.variant_id} is listed twice (first at line "
                                 f"{first.line}{'' if first.chrom == chrom else f' as {first.variant_id}'})",
                                 "List each variant once.")
        by_site[site] = factor
        factors[factor.key] = factor
    if header is None:
        raise UserInputError(path, None, "header", "the whitelist is empty (no header line)",
                             f"Start with a header: {chr(9).join(RISK_FACTOR_COLUMNS)}")
    return factors


# ----------------------------------------------------------------------------------------------
# annotations (extra genes.tsv columns)
# ----------------------------------------------------------------------------------------------


def _read_annotations(path: Path, genes: Sequence[str]) -> Tuple[List[str], Dict[str, List[str]]]:
    columns: List[str] = []
    rows: Dict[str, List[str]] = {}
    lines = list(text_lines(path, "annotations"))
    lines = [(n, l) for n, l in lines if l.strip() and not l.startswith("#")]
    if not lines:
        raise UserInputError(path, None, "header", "the annotation file is empty", "Give a TSV with a 'gene' column.")
    header_no, header_line = lines[0]
    header = header_line.split("\t")
    if "gene" not in header:
        raise UserInputError(path, header_no, "gene", "the header has no 'gene' column", "Name the gene symbol column 'gene'.")
    columns = [c for c in header if c != "gene"]
    clash = [c for c in columns if c in GENES_COLUMNS or header.count(c) > 1]
    if clash:
        raise UserInputError(path, header_no, clash[0], "column name is used by genes.tsv already or repeated", "Rename it.")
    gene_index = header.index("gene")
    for line_no, line in lines[1:]:
        cols = line.split("\t")
        if len(cols) != len(header):
            raise UserInputError(path, line_no, "columns", f"expected {len(header)} fields, found {len(cols)}", "One value per column.")
        gene = cols[gene_index]
        if gene not in genes:
            raise UserInputError(path, line_no, "gene", f"{gene} is not in the panel's gene list", "Annotate panel genes only.")
        if gene in rows:
            raise UserInputError(path, line_no, "gene", f"{gene} is annotated twice", "One row per gene.")
        rows[gene] = [c if c.strip() else "NA" for i, c in enumerate(cols) if i != gene_index]
    return columns, rows


# ----------------------------------------------------------------------------------------------
# build
# ----------------------------------------------------------------------------------------------


@dataclass
class BuildResult:
    out: Path
    genes: List[ChosenGene]
    manifest: dict


def build_panel(
    genes: PathLike,
    gtf: PathLike,
    out: PathLike,
    pad: int = DEFAULT_PAD,
    target_pad: int = DEFAULT_TARGET_PAD,
    name: Optional[str] = None,
    annotations: Optional[PathLike] = None,
    risk_factors: Optional[PathLike] = None,
    contig_style: str = "ucsc",
    build: str = BUILD,
    force: bool = False,
) -> BuildResult:
    """Build a panel folder at ``out`` from a gene list and a GENCODE/Ensembl GTF (plain or gz).

    Per gene the MANE Select transcript (``tag "MANE_Select"``) is used, else the Ensembl canonical
    one (``tag "Ensembl_canonical"``). ``contig_style='ucsc'`` renames Ensembl primary contigs
    ('10' -> 'chr10'); ``'keep'`` leaves names as in the GTF. The folder is assembled in a temporary
    sibling directory and renamed into place only when complete.
    """
    gene_list, gtf, out = Path(genes), Path(gtf), Path(out)
    _check_options(gene_list, gtf, out, pad, target_pad, contig_style, build, force, annotations, risk_factors)
    name = name or out.name
    requests = read_gene_list(gene_list)
    wanted_names = {r.key for r in requests if not r.is_ensembl}
    wanted_ids = {r.key for r in requests if r.is_ensembl}
    wanted_hgnc = {r.key for r in requests if r.is_hgnc}
    scan = _scan_gtf(gtf, wanted_names - wanted_hgnc, wanted_ids, contig_style, wanted_hgnc)
    chosen = _resolve(requests, scan, gtf, gene_list)
    symbols = [g.gene_name for g in chosen]
    ann_columns, ann_rows = ([], {})
    if annotations is not None:
        ann_columns, ann_rows = _read_annotations(Path(annotations), symbols)

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        tmp.chmod(0o777 & ~current_umask())  # mkdtemp makes 0700; a panel folder is an ordinary folder
        _write_genes_tsv(tmp / GENES_TSV, chosen, gtf.name, ann_columns, ann_rows)
        _write_bed(tmp / REGIONS_BED, [(c, s, e, _region_name(l)) for c, s, e, l in _merge_labelled(padded_exons(chosen, pad))])
        _write_bed(tmp / TARGETS_BED, [(c, s, e, ",".join(l)) for c, s, e, l in _merge_labelled(padded_exons(chosen, target_pad))])
        _write_gene_models(tmp / GENE_MODELS, chosen, gtf.name)
        regions = load_regions(tmp / REGIONS_BED)
        if risk_factors is not None:
            _check_risk_factors(Path(risk_factors), regions, symbols)
            shutil.copyfile(risk_factors, tmp / RISK_FACTORS_TSV)
        else:
            (tmp / RISK_FACTORS_TSV).write_text("\t".join(RISK_FACTOR_COLUMNS) + "\n")
        sources = {
            "gtf": {"name": gtf.name, "sha256": sha256_file(gtf)},
            "gene_list": {"name": gene_list.name, "sha256": sha256_file(gene_list)},
            "annotations": ({"name": Path(annotations).name, "sha256": sha256_file(annotations)} if annotations else None),
            "risk_factors": ({"name": Path(risk_factors).name, "sha256": sha256_file(risk_factors)} if risk_factors else None),
        }
        manifest = {
            "format": "hlhscreen-panel",
            "format_version": PANEL_FORMAT_VERSION,
            "name": name,
            "build": BUILD,
            "genes": symbols,
            "transcripts": {g.gene_name: g.transcript_id for g in chosen},
            "padding": {"regions_bp": pad, "targets_bp": target_pad},
            "contig_style": contig_style,
            "sources": sources,
            "tool": {"name": "build_panel", "version": __version__},
            "files": {f: sha256_file(tmp / f) for f in (GENES_TSV, REGIONS_BED, TARGETS_BED, GENE_MODELS, GENE_MODELS_TBI, RISK_FACTORS_TSV)},
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        _publish(tmp, out, force)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return BuildResult(out, chosen, manifest)


def _check_options(gene_list: Path, gtf: Path, out: Path, pad: int, target_pad: int, contig_style: str, build: str,
                   force: bool, annotations: Optional[PathLike], risk_factors: Optional[PathLike]) -> None:
    if build not in (BUILD,) and _BUILD_ALIASES.get(str(build).lower()) != BUILD:
        raise UserInputError(None, None, "--build", f"unsupported build {build!r}", f"Only {BUILD} is supported.")
    if not isinstance(pad, int) or pad < 0:
        raise UserInputError(None, None, "--pad", f"padding {pad!r} must be a whole number >= 0", "E.g. --pad 3.")
    if not isinstance(target_pad, int) or target_pad < pad:
        raise UserInputError(None, None, "--target-pad", f"calling padding {target_pad!r} must be a whole number >= --pad ({pad})",
                             "Calling targets must cover the screened regions, e.g. --target-pad 50.")
    if contig_style not in ("ucsc", "keep"):
        raise UserInputError(None, None, "--contig-style", f"unknown style {contig_style!r}", "Use 'ucsc' or 'keep'.")
    if not gtf.is_file():
        raise UserInputError(gtf, None, "--gtf", "GTF file not found", "Give a GENCODE/Ensembl GTF (plain or .gz).")
    for option, value in (("--annotations", annotations), ("--risk-factors", risk_factors)):
        if value is not None and not Path(value).is_file():
            raise UserInputError(value, None, option, "file not found", "Check the path.")
    if out.exists():
        if not out.is_dir():
            raise UserInputError(out, None, "--out", "exists and is not a folder", "Choose a new folder name.")
        if any(out.iterdir()) and not force:
            raise UserInputError(out, None, "--out", "folder exists and is not empty", "Choose a new folder or pass --force to replace it.")


def _check_risk_factors(path: Path, regions: RegionIndex, symbols: Sequence[str]) -> None:
    for factor in load_risk_factors(path).values():
        if factor.gene not in symbols:
            raise UserInputError(path, factor.line, "gene", f"{factor.gene} is not a panel gene", "Whitelist variants in panel genes only.")
        if not regions.overlaps(factor.chrom, factor.pos, factor.pos + len(factor.ref) - 1):
            raise UserInputError(path, factor.line, "pos", f"{factor.variant_id} lies outside the panel regions",
                                 "Whitelisted variants must fall in regions.bed (exons + padding), or they are never screened.")


def _publish(tmp: Path, out: Path, force: bool) -> None:
    """Move the finished temp folder to ``out``; an existing ``out`` is replaced only with force."""
    if out.exists():
        if any(out.iterdir()) and not force:
            raise UserInputError(out, None, "--out", "folder exists and is not empty", "Pass --force to replace it.")
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
        os.replace(out, old / "panel")
        try:
            os.replace(tmp, out)
        except BaseException:
            os.replace(old / "panel", out)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out)


def _na(value: Optional[Union[str, int]]) -> str:
    return "NA" if value is None or value == "" else str(value)


def _write_genes_tsv(path: Path, genes: Sequence[ChosenGene], source: str, ann_columns: List[str],
                     ann_rows: Dict[str, List[str]]) -> None:
    with open(path, "w") as handle:
        handle.write("\t".join(list(GENES_COLUMNS) + ann_columns) + "\n")
        for gene in genes:
            start, end = gene.span()
            cds_nt, protein_aa = gene.coding_lengths()
            row = [
                gene.gene_name, gene.attr("hgnc_id"), gene.versioned("gene_id"), gene.versioned("transcript_id"),
                gene.refseq_transcript(),
                gene.attr("protein_id"), gene.chrom, start, end, gene.strand, len(gene.exons()), cds_nt, protein_aa,
                gene.reason, source,
            ]
            row += ann_rows.get(gene.gene_name, ["NA"] * len(ann_columns))
            handle.write("\t".join(_na(v) for v in row) + "\n")


def _write_bed(path: Path, rows: Sequence[Tuple[str, int, int, str]]) -> None:
    with open(path, "w") as handle:
        for chrom, start, end, name in rows:
            handle.write(f"{chrom}\t{start}\t{end}\t{name}\n")


def _write_gene_models(path: Path, genes: Sequence[ChosenGene], source: str) -> None:
    import pysam  # pipeline dependency; imported here so the loaders work without it

    records: List[GtfRecord] = []
    for gene in genes:
        records.extend(r for r in gene.transcript_records if r.feature in _FEATURE_RANK and r.feature != "gene")
        if gene.gene_record is not None:
            records.append(gene.gene_record)
        else:
            start, end = gene.span()
            attrs = f'gene_id "{gene.gene_id}"; gene_name "{gene.gene_name}";'
            gene_type = gene.attr("gene_type") or gene.attr("gene_biotype")
            if gene_type:
                attrs += f' gene_type "{gene_type}";'
            fields = [gene.chrom, "hlhscreen", "gene", str(start), str(end), ".", gene.strand, ".", attrs]
            records.append(GtfRecord(0, fields, start, end, {"gene_id": gene.gene_id}, []))
    records.sort(key=lambda r: (chrom_sort_key(r.chrom), r.start, _FEATURE_RANK[r.feature], r.end, r.line))
    plain = path.with_name(path.name[: -len(".gz")])
    with open(plain, "w") as handle:
        handle.write(f"##description: hlhscreen panel gene models: {len(genes)} genes, chosen transcripts only, from {source}\n")
        handle.write(f"##provider: hlhscreen build_panel {__version__}\n")
        handle.write("##format: gtf\n")
        for rec in records:
            handle.write(rec.text() + "\n")
    pysam.tabix_compress(str(plain), str(path), force=True)
    os.unlink(plain)
    pysam.tabix_index(str(path), preset="gff", force=True)


# ----------------------------------------------------------------------------------------------
# load a panel folder
# ----------------------------------------------------------------------------------------------


@dataclass
class Panel:
    path: Path
    manifest: dict
    genes: List[Dict[str, str]]
    regions: RegionIndex
    targets: RegionIndex
    risk_factors: Dict[Tuple[str, int, str, str], RiskFactor]

    @property
    def gene_models(self) -> Path:
        return self.path / GENE_MODELS

    @property
    def regions_bed(self) -> Path:
        return self.path / REGIONS_BED

    @property
    def targets_bed(self) -> Path:
        return self.path / TARGETS_BED

    @property
    def gene_symbols(self) -> List[str]:
        return [g["gene"] for g in self.genes]


def load_panel(folder: PathLike) -> Panel:
    """Validate and load a panel folder (``--panel``)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserInputError(folder, None, "--panel", "panel folder not found", "Give a folder made by build_panel.py (e.g. panels/hlh).")
    for name in PANEL_FILES:
        if not (folder / name).is_file():
            raise UserInputError(folder / name, None, "--panel", "panel file missing",
                                 "Rebuild the panel with bin/build_panel.py (see docs/panels.md).")
    manifest_path = folder / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text())
    except json.JSONDecodeError as err:
        raise UserInputError(manifest_path, err.lineno, "json", f"not valid JSON: {err.msg}", "Rebuild the panel.") from None
    if manifest.get("format") != "hlhscreen-panel" or manifest.get("build") != BUILD:
        raise UserInputError(manifest_path, None, "build", f"not a {BUILD} hlhscreen panel manifest", "Rebuild the panel.")
    genes = read_genes_tsv(folder / GENES_TSV, GENES_COLUMNS)
    return Panel(folder, manifest, genes, load_regions(folder / REGIONS_BED), load_regions(folder / TARGETS_BED),
                 load_risk_factors(folder / RISK_FACTORS_TSV))


def read_genes_tsv(path: PathLike, required: Sequence[str]) -> List[Dict[str, str]]:
    """A panel's genes.tsv as rows (column -> value); ``required`` columns must be in the header."""
    lines = text_lines(path, "genes.tsv")
    header = next(lines, (1, ""))[1].split("\t")
    missing = [c for c in required if c not in header]
    if missing:
        raise UserInputError(path, 1, missing[0], "column missing from genes.tsv header", "Rebuild the panel.")
    genes = []
    for line_no, line in lines:
        cols = line.split("\t")
        if len(cols) != len(header):
            raise UserInputError(path, line_no, "columns", f"expected {len(header)} fields, found {len(cols)}",
                                 "Rebuild the panel.")
        genes.append(dict(zip(header, cols)))
    if not genes:
        raise UserInputError(path, None, "gene", "no genes in genes.tsv", "Rebuild the panel.")
    return genes


@dataclass(frozen=True)
class PanelDesign:
    """What a panel screens, for a report's methods: the chosen transcript of each gene and the bp its exons
    were padded by into the introns (read back from regions.bed against each transcript's span)."""

    transcripts: Dict[str, Tuple[str, str]]  # gene -> (transcript id, transcript_choice), genes.tsv order
    padding: Optional[int]                   # the same for every gene's outer exon ends; None: not one value

    def genes_by_choice(self) -> Dict[str, List[str]]:
        by_choice: Dict[str, List[str]] = {}
        for gene, (_, choice) in self.transcripts.items():
            by_choice.setdefault(choice, []).append(gene)
        return by_choice


DESIGN_COLUMNS = ("gene", "transcript_id", "transcript_choice", "chrom", "start", "end")


def panel_design(genes_tsv: PathLike, regions_bed: PathLike) -> Optional[PanelDesign]:
    """The panel's transcripts (genes.tsv) and padding: for each gene, its regions' outermost bases against its
    transcript's 1-based span (regions merged across two genes can only widen one gene's ends: padding None).
    None for a hand-made panel's genes.tsv without the columns build_panel.py writes (SCREEN needs only
    transcript_id)."""
    rows = read_genes_tsv(genes_tsv, ())
    if any(column not in rows[0] for column in DESIGN_COLUMNS):
        return None
    regions = load_regions(regions_bed)
    by_gene: Dict[str, List[Region]] = {}
    for region in regions:
        for gene in region.genes:
            by_gene.setdefault(gene, []).append(region)
    pads = set()
    for row in rows:
        mine = [r for r in by_gene.get(row["gene"], []) if _strip_chr(r.chrom) == _strip_chr(row["chrom"])]
        if not mine or not (row["start"].isdigit() and row["end"].isdigit()):
            pads.add(None)
            continue
        pads.add(int(row["start"]) - 1 - min(r.start for r in mine))
        pads.add(max(r.end for r in mine) - int(row["end"]))
    padding = pads.pop() if len(pads) == 1 else None
    return PanelDesign({row["gene"]: (row["transcript_id"], row["transcript_choice"]) for row in rows}, padding)
