"""The risk-factor whitelist, checked before it is trusted.

A whitelist row rescues a common variant, so a wrong row silently changes a finding: written on the
transcript strand (PRF1 c.272C>T is chr10:70600631 G>A on the genome, not C>T), the row matches no
record and PRF1 A91V is dropped as common. Checks:

- :func:`validate_risk_factors` (no VCF needed; the pipeline's start-up check calls it): the file's
  syntax (:func:`hlhscreen.panel.load_risk_factors`) and, with a reference FASTA, each row's REF
  against the reference bases at its position.
- :func:`place_in_panel`: the row's panel contig and whether it overlaps a panel region (SCREEN screens
  only those rows; the report's "not seen" list leaves the others out, as SCREEN's does).
- :class:`WhitelistCrossCheck` (the screen feeds it every record it reads): a row whose rsID or
  HGVSp names a record of the VCF but whose alleles (or position) differ from that record's is an
  error, unless another record matches the row exactly.

Errors: ``ERROR <whitelist>:<line>: <column>: <what is wrong>. <fix>`` (UserInputError).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import AbstractSet, Any, BinaryIO, Callable, Dict, List, Optional, Tuple, Union

from hlhscreen.annotation import contig_aliases, decode_hgvs, normalise_hgvsp, protein_label
from hlhscreen.errors import UserInputError
from hlhscreen.files import is_gzipped
from hlhscreen.panel import RegionIndex, RiskFactor, load_risk_factors

PathLike = Union[str, os.PathLike]


@dataclass(frozen=True)
class PanelPlace:
    """Where a whitelist row falls on the panel: ``chrom`` is the panel's name of its contig (``chr10``
    for a row written ``10``; None when the panel has no such contig) and ``inside`` says whether the
    row's REF span overlaps a panel region. Only rows inside are screened: the others are warned
    'can never be kept' and are neither seen nor unseen."""

    chrom: Optional[str]
    inside: bool


def place_in_panel(factor: RiskFactor, regions: RegionIndex) -> PanelPlace:
    """The panel contig and region overlap of one whitelist row (SCREEN and the report share it)."""
    chroms = set(regions.chroms)
    chrom = next((alias for alias in contig_aliases(factor.chrom) if alias in chroms), None)
    if chrom is None:
        return PanelPlace(None, False)
    return PanelPlace(chrom, regions.overlaps(chrom, factor.pos, factor.pos + len(factor.ref) - 1))


def check_genes_in_panel(path: PathLike, factors: Dict[Any, RiskFactor], regions: RegionIndex) -> None:
    """A row inside the panel whose gene column names none of the panel genes at its position: the
    gene or the position is wrong, and the row would rescue a variant of another gene than the
    curator meant (its HGVSp cross-check, by gene, would never fire either). Raises UserInputError."""
    for factor in sorted(factors.values(), key=lambda f: f.line or 0):
        place = place_in_panel(factor, regions)
        if not place.inside or place.chrom is None:
            continue  # SCREEN warns about rows outside the panel
        end = factor.pos + len(factor.ref) - 1
        genes = list(dict.fromkeys(regions.genes_at(place.chrom, factor.pos) + regions.genes_at(place.chrom, end)))
        if not genes or factor.gene in genes:
            continue
        same = [g for g in genes if g.upper() == factor.gene.upper()]
        hint = f" (gene symbols are case-sensitive: write {same[0]})" if same else ""
        raise UserInputError(path, factor.line, "gene",
                             f"the row names {factor.gene} but {factor.variant_id} lies in the panel region of "
                             f"{', '.join(genes)}{hint}",
                             "Correct the gene or the position (the row rescues whichever variant is at chrom:pos "
                             "with these REF/ALT).")


Key = Tuple[str, int, str, str]

_STRAND_FIX = ("Write whitelist rows in VCF terms: the genomic (forward-strand) REF and ALT at the 1-based VCF "
               "position on GRCh38, as the VCF record shows them - not the transcript's c. bases.")


def _aliases(name: str) -> Tuple[str, ...]:
    base = name[3:] if name.lower().startswith("chr") else name
    if base.upper() in ("M", "MT"):
        return (name, "chrM", "MT", "M")
    return (name, base, f"chr{base}")


class ReferenceGenome:
    """Bases of an indexed FASTA, with ``chr10``/``10`` spellings mapped. A plain FASTA is read
    through its ``.fai`` with the standard library (the pipeline's start-up check runs on the
    launch host, where pysam may be missing); a bgzipped one (``.gzi``) needs pysam."""

    def __init__(self, path: PathLike) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise UserInputError(self.path, None, "--fasta", "reference FASTA not found", "Check the path.")
        compressed = is_gzipped(self.path)
        self._handle: Optional[BinaryIO] = None
        self._fasta: Any = None
        self._index: Dict[str, Tuple[int, int, int, int]] = {}
        if compressed:
            try:
                import pysam
            except ImportError:
                raise UserInputError(self.path, None, "--fasta", "a bgzipped FASTA needs pysam to be read",
                                     "Use an uncompressed, samtools-indexed FASTA, or install pysam.") from None
            try:
                self._fasta = pysam.FastaFile(str(self.path))
            except (OSError, ValueError) as err:
                raise UserInputError(self.path, None, "--fasta", f"cannot be read as an indexed FASTA ({err})",
                                     "Index it with `samtools faidx` (a gzipped FASTA must be bgzipped).") from None
            self._names = set(self._fasta.references)
            return
        fai = Path(str(self.path) + ".fai")
        if not fai.is_file():
            raise UserInputError(self.path, None, "--fasta", f"no index {fai.name} next to the FASTA",
                                 f"Index it: `samtools faidx {self.path}`.")
        with open(fai) as handle:
            for number, line in enumerate(handle, start=1):
                cols = line.rstrip("\r\n").split("\t")
                try:
                    self._index[cols[0]] = (int(cols[1]), int(cols[2]), int(cols[3]), int(cols[4]))
                except (IndexError, ValueError):
                    raise UserInputError(fai, number, "fai", "not a samtools FASTA index line",
                                         f"Re-create it: `samtools faidx {self.path}`.") from None
        self._names = set(self._index)
        self._handle = open(self.path, "rb")

    def contig(self, chrom: str) -> Optional[str]:
        """The FASTA's name for ``chrom`` (``chr10`` or ``10``), or None."""
        return next((a for a in _aliases(chrom) if a in self._names), None)

    def bases(self, chrom: str, pos: int, length: int) -> Optional[str]:
        """Upper-case reference bases at 1-based ``pos`` (None: contig absent; shorter at its end)."""
        name = self.contig(chrom)
        if name is None:
            return None
        if self._fasta is not None:
            return self._fasta.fetch(name, pos - 1, pos - 1 + length).upper()
        size, offset, line_bases, line_width = self._index[name]
        start, end = pos - 1, min(pos - 1 + length, size)
        if start >= end:
            return ""
        assert self._handle is not None
        first = offset + (start // line_bases) * line_width + start % line_bases
        last = offset + ((end - 1) // line_bases) * line_width + (end - 1) % line_bases
        self._handle.seek(first)
        raw = self._handle.read(last - first + 1).decode("ascii", "replace")
        return raw.replace("\n", "").replace("\r", "").upper()

    def close(self) -> None:
        if self._fasta is not None:
            self._fasta.close()
        if self._handle is not None:
            self._handle.close()


def check_against_reference(path: PathLike, factors: Dict[Key, RiskFactor], genome: ReferenceGenome) -> List[str]:
    """Check each row's REF against the reference; returns warnings (rows that could not be
    checked: reference bases ``N``). A mismatch or an unknown contig is an error."""
    warnings: List[str] = []
    for factor in factors.values():
        found = genome.bases(factor.chrom, factor.pos, len(factor.ref))
        if found is None:
            raise UserInputError(path, factor.line, "chrom",
                                 f"contig {factor.chrom} is not in the reference FASTA {genome.path}",
                                 "Use the reference's contig names (GRCh38: chr1-chr22, chrX, chrY, chrM).")
        if len(found) < len(factor.ref):
            raise UserInputError(path, factor.line, "pos",
                                 f"{factor.variant_id} runs past the end of {factor.chrom} in {genome.path}",
                                 "pos is the 1-based VCF position on GRCh38.")
        if "N" in found:
            warnings.append(f"WARNING {path}:{factor.line}: {factor.variant_id}: the reference has N at this "
                            f"position ({genome.path}); its REF could not be checked.")
            continue
        if found != factor.ref.upper():
            complement = factor.ref.upper().translate(str.maketrans("ACGT", "TGCA"))[::-1]
            strand = " (the reverse complement of the row's REF: written on the transcript strand?)" \
                if complement == found else ""
            raise UserInputError(path, factor.line, "ref",
                                 f"{factor.variant_id}: REF {factor.ref} does not match the reference base(s) "
                                 f"{found} at {factor.chrom}:{factor.pos}{strand}", _STRAND_FIX)
    return warnings


def _print_warning(message: str) -> None:
    print(message, file=sys.stderr)


def validate_risk_factors(path: PathLike, *, fasta: Optional[PathLike] = None,
                          warn: Callable[[str], None] = _print_warning) -> Dict[Key, RiskFactor]:
    """Read the whitelist and check what can be checked without the VCF: the file's syntax and,
    when ``fasta`` is given, every row's REF against the reference. Returns the rows by
    ``(chrom, pos, ref, alt)``; raises UserInputError on the first problem. Rows at reference
    ``N`` bases cannot be checked: each gets a warning, given to ``warn`` (default: printed on stderr;
    SCREEN also keeps it for its summary)."""
    factors = load_risk_factors(path)
    if fasta is not None and factors:
        genome = ReferenceGenome(fasta)
        try:
            for message in check_against_reference(path, factors, genome):
                warn(message)
        finally:
            genome.close()
    return factors


def whitelist_protein_label(hgvsp: Optional[str]) -> Optional[str]:
    """A row's HGVSp as the screen labels a record's: ``p.A91V``, ``NP_005032.2:p.A91V`` and
    ``p.(Ala91Val)`` all give ``p.Ala91Val`` (annotators' protein changes are put in three-letter
    codes, so a one-letter row would otherwise never meet its record); None if not a protein change."""
    _, notation = decode_hgvs(hgvsp if hgvsp and hgvsp != "NA" else None)
    if not notation or not notation.startswith("p."):
        return None
    return protein_label(normalise_hgvsp(notation))


@dataclass
class _Suspect:
    factor: RiskFactor
    record: str  # the VCF record's id
    via: str  # "rsID rs35947132" or "HGVSp p.Ala91Val"
    line: Optional[int]


@dataclass
class WhitelistCrossCheck:
    """Rows whose rsID/HGVSp names a VCF record with other alleles (see the module docstring).

    ``factors`` are keyed in the screen's contig naming. Feed every record read with :meth:`see`;
    :meth:`finish` raises for the first row that matched no record exactly but whose rsID or
    HGVSp names a record with a different position or REF (rsID) or different alleles (HGVSp).
    The same rsID at the same position and REF with another ALT is a different allele of a
    multi-allelic dbSNP entry, not a mistake."""

    path: Path
    factors: Dict[Key, RiskFactor]
    vcf_path: str = "-"
    _by_rsid: Dict[str, List[RiskFactor]] = field(default_factory=dict)
    _by_hgvsp: Dict[Tuple[str, str], List[RiskFactor]] = field(default_factory=dict)
    _exact: set = field(default_factory=set)
    _suspects: Dict[Key, _Suspect] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key, factor in self.factors.items():
            if factor.rsid and factor.rsid.startswith("rs"):
                self._by_rsid.setdefault(factor.rsid, []).append(factor)
            label = whitelist_protein_label(factor.hgvsp)
            if label:
                self._by_hgvsp.setdefault((factor.gene, label), []).append(factor)

    def see(self, key: Key, rsids: Tuple[str, ...], gene: Optional[str], hgvsp_label: Optional[str],
            line: Optional[int], record_id: Optional[str] = None) -> None:
        """One record: its key ``(chrom, pos, ref, alt)`` (a row's key when the record is that row's variant written
        with other padding), rsIDs, judged gene and protein label; ``record_id`` names it in messages."""
        if key in self.factors:
            self._exact.add(key)
        chrom, pos, ref, _ = key
        record = record_id or f"{chrom}:{pos}:{key[2]}:{key[3]}"
        for rsid in rsids:
            for factor in self._by_rsid.get(rsid, ()):
                if factor.key != key and (factor.chrom, factor.pos, factor.ref) != (chrom, pos, ref):
                    self._suspects.setdefault(factor.key, _Suspect(factor, record, f"rsID {rsid}", line))
        if gene and hgvsp_label:
            for factor in self._by_hgvsp.get((gene, hgvsp_label), ()):
                if factor.key != key:
                    self._suspects.setdefault(factor.key, _Suspect(factor, record, f"{gene} {hgvsp_label}", line))

    def unseen(self, skip: AbstractSet[Key] = frozenset()) -> List[RiskFactor]:
        """The rows no record of the VCF matched exactly (in file order): nobody was called with
        that allele, or the row is not written as the VCF writes the variant. Rows keyed in ``skip``
        (outside the panel: their records are not screened, so never seen here) are left out."""
        return sorted((f for key, f in self.factors.items() if key not in self._exact and key not in skip),
                      key=lambda f: f.line)

    def finish(self) -> None:
        for key, suspect in sorted(self._suspects.items(), key=lambda item: item[1].factor.line):
            if key in self._exact:
                continue
            factor = suspect.factor
            where = f"{self.vcf_path}:{suspect.line}" if suspect.line else self.vcf_path
            raise UserInputError(
                self.path, factor.line, "ref/alt",
                f"the row says {factor.variant_id}, but its {suspect.via} names the VCF record {suspect.record} "
                f"({where}), and no record matches the row",
                f"Correct the row to the record's position and alleles if it is the same variant. {_STRAND_FIX}")
