"""Per sample and panel gene: the share of the gene's panel region bases covered at the screen's depth.

Read from mosdepth's ``<sample>.thresholds.bed.gz`` (``mosdepth --by <panel regions> --thresholds ...``):
a header ``#chrom start end region <t>X ...`` and per BED line the bases covered at >= each threshold.
The pipeline runs mosdepth on ``regions.reference.bed`` (the panel regions placed on the reference:
canonical exons + 3 bp into the introns, names ``GENE|exonN``), so a gene is found by the region name,
never by coordinates; a region cut into pieces (a ``--reference_windows`` window boundary) is several
lines with one name and adds up. A line named for several genes (overlapping exons merged, names joined
with ``,``) counts whole for each of them: mosdepth counts its bases once, not per gene.

A sample with a gene below ``--min_gene_callable`` (and no carried kept variant of it) is
``not_assessable`` for the gene (reason ``low_gene_coverage:<fraction>``, SCREEN's gene_status.tsv).

Per region name (``GENE|exonN``, one exon), the same share: an exon below ``--min_gene_callable`` is flagged
``low_exon_coverage:<exon>:<fraction>`` (a small exon's dropout that the whole gene's share hides), but does
not by itself make the gene not_assessable (docs/screening.md says why).

SCREEN's ``gene_coverage.tsv`` (:data:`TABLE_COLUMNS`) has one row per sample per panel gene, kept variant or
not: the sample's status in the gene, its coverage and these flags; :func:`read_table` reads it back.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

from .errors import UserInputError
from .panel import region_genes
from .tables import check_every_sample, check_sample, open_input, read_tsv

PathLike = Union[str, os.PathLike]

SUFFIX = ".thresholds.bed.gz"
REASON = "low_gene_coverage"
EXON_REASON = "low_exon_coverage"
#: coverage_reason in gene_coverage.tsv of a gene the sample's thresholds file has no panel region of
NOT_MEASURED = "not_measured"
_FIX = ("Give the <sample>.thresholds.bed.gz mosdepth wrote with --by <panel regions BED> and --thresholds "
        "including --min_dp.")


@dataclass(frozen=True)
class ExonCoverage:
    """One panel region (an exon: the part of the region name after ``GENE|``) of a gene: bases, covered."""

    name: str
    covered: int
    total: int

    @property
    def fraction(self) -> float:
        return self.covered / self.total if self.total else 1.0


@dataclass(frozen=True)
class GeneCoverage:
    """Bases of a gene's panel regions (``total``) and how many of them reach the depth (``covered``);
    ``exons``: the same per region name, in file order."""

    covered: int
    total: int
    exons: Tuple[ExonCoverage, ...] = field(default=(), compare=False)

    @property
    def fraction(self) -> float:
        return self.covered / self.total if self.total else 1.0


def sample_name(path: PathLike) -> str:
    """The sample a mosdepth thresholds file is of: its name without ``.thresholds.bed.gz``."""
    name = Path(path).name
    if not name.endswith(SUFFIX) or name == SUFFIX:
        raise UserInputError(path, None, "--gene-coverage", f"the name does not end in {SUFFIX} after a sample name",
                             "Name each file <sample>.thresholds.bed.gz, as mosdepth does with the sample as prefix.")
    return name[: -len(SUFFIX)]


def region_exons(name: str) -> Sequence[Tuple[str, str]]:
    """(gene, exon) pairs of a region name, genes as :func:`hlhscreen.panel.region_genes` reads them:
    ``PRF1|exon2`` -> (PRF1, exon2); ``A|exon3,B|exon1`` -> (A, exon3), (B, exon1); ``GENE|ENSE..|exon5`` ->
    (GENE, exon5); a bare ``GENE`` is its own exon name."""
    pairs = []
    for part in name.split(","):
        genes = region_genes(part)
        if genes:
            pairs.append((genes[0], part.rsplit("|", 1)[-1].strip()))
    return tuple(dict.fromkeys(pairs))


def _count(path: PathLike, line: int, column: str, text: str) -> int:
    value = text.strip()
    if not (value.isascii() and value.isdigit()):
        raise UserInputError(path, line, column, f"'{text}' is not a whole number >= 0", _FIX)
    return int(value)


def read_thresholds(path: PathLike, min_depth: int) -> Dict[str, GeneCoverage]:
    """Gene -> coverage at ``min_depth`` of one sample's thresholds file. With ``min_depth`` <= 0 every
    base counts as covered (no depth is asked of a call)."""
    column = f"{min_depth}X"
    tally: Dict[str, Dict[str, List[int]]] = {}  # gene -> exon -> [covered, total]
    with open_input(path, "--gene-coverage") as handle:
        header = handle.readline().rstrip("\r\n").split("\t")
        if header[:4] != ["#chrom", "start", "end", "region"]:
            raise UserInputError(path, 1, "#chrom", "not a mosdepth thresholds file (the header must start "
                                 "#chrom, start, end, region)", _FIX)
        at = header.index(column) if column in header else None
        if at is None and min_depth > 0:
            raise UserInputError(path, 1, column, f"no column for depth {min_depth} (--min_dp): mosdepth counted "
                                 f"bases at {', '.join(header[4:]) or 'no threshold'}", _FIX)
        for number, line in enumerate(handle, start=2):
            fields = line.rstrip("\r\n").split("\t")
            if not line.strip():
                continue
            if len(fields) != len(header):
                raise UserInputError(path, number, None, f"{len(fields)} tab-separated fields but the header has "
                                     f"{len(header)}", _FIX)
            start, end = _count(path, number, "start", fields[1]), _count(path, number, "end", fields[2])
            if end < start:
                raise UserInputError(path, number, "end", f"end {end} is before start {start}", _FIX)
            size = end - start
            covered = size if at is None else _count(path, number, column, fields[at])
            if covered > size:
                raise UserInputError(path, number, column, f"{covered} bases covered in a region of {size}", _FIX)
            for gene, exon in region_exons(fields[3]):
                entry = tally.setdefault(gene, {}).setdefault(exon, [0, 0])
                entry[0] += covered
                entry[1] += size
    return {gene: _gene_coverage(exons) for gene, exons in tally.items()}


def _gene_coverage(exons: Mapping[str, List[int]]) -> GeneCoverage:
    parts = tuple(ExonCoverage(name, covered, total) for name, (covered, total) in exons.items())
    return GeneCoverage(sum(e.covered for e in parts), sum(e.total for e in parts), parts)


def read_gene_coverage(paths: Sequence[PathLike], min_depth: int) -> Dict[str, Dict[str, GeneCoverage]]:
    """Sample -> gene -> coverage, one thresholds file per sample."""
    coverage: Dict[str, Dict[str, GeneCoverage]] = {}
    for path in paths:
        sample = sample_name(path)
        if sample in coverage:
            raise UserInputError(path, None, "--gene-coverage", f"a second thresholds file for sample '{sample}'",
                                 "Give one <sample>.thresholds.bed.gz per sample.")
        coverage[sample] = read_thresholds(path, min_depth)
    return coverage


def fraction_text(fraction: float) -> str:
    """Two decimals rounded down: a fraction below the minimum never reads as the minimum (0.899 -> 0.89)."""
    return f"{math.floor(fraction * 100) / 100:.2f}"


def low_coverage_reason(genes: Optional[Mapping[str, GeneCoverage]], gene: str, min_fraction: float) -> Optional[str]:
    """``low_gene_coverage:<fraction>`` when the sample's coverage of ``gene`` is below ``min_fraction``;
    None when it is not, or the gene has no panel region in the file (nothing was measured)."""
    coverage = genes.get(gene) if genes is not None else None
    if coverage is None or coverage.total == 0 or coverage.fraction >= min_fraction:
        return None
    return f"{REASON}:{fraction_text(coverage.fraction)}"


def low_exon_flags(coverage: Optional[GeneCoverage], min_fraction: float) -> Tuple[str, ...]:
    """``low_exon_coverage:<exon>:<fraction>`` for each exon of the gene below ``min_fraction`` (none with
    ``min_fraction`` 0, the check off, or nothing measured)."""
    if coverage is None:
        return ()
    return tuple(f"{EXON_REASON}:{exon.name}:{fraction_text(exon.fraction)}" for exon in coverage.exons
                 if exon.total and exon.fraction < min_fraction)


def parse_reason(path: PathLike, line: int, column: str, text: str) -> Optional[str]:
    """A gene_status.tsv coverage reason: NA (none) or ``low_gene_coverage:<fraction 0-1>``."""
    value = text.strip()
    if value in ("", "NA"):
        return None
    label, _, number = value.partition(":")
    try:
        fraction = float(number)
    except ValueError:
        fraction = math.nan
    if label != REASON or not 0 <= fraction < 1:
        raise UserInputError(path, line, column, f"'{text}' is not NA or {REASON}:<fraction below 1>",
                             "Use the gene_status.tsv SCREEN wrote.")
    return value


# ------------------------------------------------------------------ gene_coverage.tsv (SCREEN output)

TABLE_FILE = "gene_coverage.tsv"
#: Binding (docs/contracts.md): one row per sample per panel gene.
TABLE_COLUMNS: Tuple[str, ...] = (
    "sample", "group", "gene", "status", "in_gene_status", "panel_bases", "callable_bases", "callable_fraction",
    "coverage_reason", "exon_flags",
)
_TABLE_FIX = "Use the gene_coverage.tsv SCREEN wrote."


@dataclass(frozen=True)
class CoverageRow:
    """One gene_coverage.tsv row. ``coverage`` None: not measured (no thresholds given, or none for the gene)."""

    sample: str
    group: str
    gene: str
    status: str
    in_gene_status: bool
    coverage: Optional[GeneCoverage]
    coverage_reason: Optional[str] = None
    exon_flags: Tuple[str, ...] = ()
    line: int = 0

    @property
    def low_gene_coverage(self) -> bool:
        return bool(self.coverage_reason and self.coverage_reason.startswith(REASON + ":"))

    def text(self) -> str:
        """The row as SCREEN writes it (no newline)."""
        measured = self.coverage
        fields = [self.sample, self.group, self.gene, self.status, "yes" if self.in_gene_status else "no",
                  str(measured.total) if measured else "NA", str(measured.covered) if measured else "NA",
                  fraction_text(measured.fraction) if measured else "NA",
                  self.coverage_reason or "NA", ";".join(self.exon_flags) or "NA"]
        return "\t".join(fields)


def table_reason(coverage: Optional[GeneCoverage], checked: bool, status_reason: Optional[str]) -> Optional[str]:
    """gene_coverage.tsv's coverage_reason: gene_status's ``low_gene_coverage:<fraction>`` (``status_reason``),
    ``not_measured`` when thresholds were given (``checked``) but none is of the gene, else None."""
    if status_reason:
        return status_reason
    return NOT_MEASURED if checked and (coverage is None or coverage.total == 0) else None


def parse_exon_flags(path: PathLike, line: int, text: str) -> Tuple[str, ...]:
    """``NA`` or ``;``-joined ``low_exon_coverage:<exon>:<fraction below 1>``."""
    value = text.strip()
    if value in ("", "NA"):
        return ()
    flags = tuple(value.split(";"))
    for flag in flags:
        label, _, rest = flag.partition(":")
        exon, _, number = rest.rpartition(":")
        try:
            fraction = float(number)
        except ValueError:
            fraction = math.nan
        if label != EXON_REASON or not exon or not 0 <= fraction < 1:
            raise UserInputError(path, line, "exon_flags", f"'{flag}' is not {EXON_REASON}:<exon>:<fraction below 1>",
                                 _TABLE_FIX)
    return flags


def _optional_count(path: PathLike, line: int, column: str, text: str) -> Optional[int]:
    return None if text.strip() == "NA" else _count(path, line, column, text)


def _parse_row(path: PathLike, line: int, row: Mapping[str, str], statuses: Sequence[str]) -> CoverageRow:
    status, flag = row["status"], row["in_gene_status"]
    if status not in statuses:
        raise UserInputError(path, line, "status", f"unknown status '{status}'", f"Use one of: {', '.join(statuses)}.")
    if flag not in ("yes", "no"):
        raise UserInputError(path, line, "in_gene_status", f"'{flag}' is not yes or no", _TABLE_FIX)
    total = _optional_count(path, line, "panel_bases", row["panel_bases"])
    covered = _optional_count(path, line, "callable_bases", row["callable_bases"])
    if (total is None) != (covered is None) or (total is not None and covered is not None and covered > total):
        raise UserInputError(path, line, "callable_bases", f"{row['callable_bases']} callable of "
                             f"{row['panel_bases']} panel bases", _TABLE_FIX)
    text = row["coverage_reason"].strip()
    reason = NOT_MEASURED if text == NOT_MEASURED else parse_reason(path, line, "coverage_reason", text)
    if flag == "no" and status not in ("none", "not_assessable"):
        raise UserInputError(path, line, "status", f"status {status} in a gene without gene_status.tsv rows (no kept "
                             "variant)", "Only none or not_assessable: a carrier status needs a kept variant.")
    if flag == "no" and (status == "not_assessable") != (reason is not None):
        raise UserInputError(path, line, "coverage_reason", f"status {status} with coverage_reason {text} in a gene "
                             "without a kept variant", "Without a kept variant a sample is not_assessable exactly when "
                             "its coverage is low or not measured; " + _TABLE_FIX)
    coverage = GeneCoverage(covered, total) if total is not None and covered is not None else None
    return CoverageRow(row["sample"], row["group"], row["gene"].strip(), status, flag == "yes", coverage, reason,
                       parse_exon_flags(path, line, row["exon_flags"]), line)


def read_table(path: PathLike, samples: Mapping[str, str], samples_path: PathLike,
               statuses: Sequence[str]) -> List[CoverageRow]:
    """gene_coverage.tsv; every gene must have exactly one row per sample of the samplesheet."""
    rows: List[CoverageRow] = []
    seen: Dict[str, Dict[str, int]] = {}
    for line, row in read_tsv(path, TABLE_COLUMNS, "--gene-coverage"):
        check_sample(path, line, row["sample"], row["group"], samples, samples_path)
        parsed = _parse_row(path, line, row, statuses)
        lines = seen.setdefault(parsed.gene, {})
        if parsed.sample in lines:
            raise UserInputError(path, line, "sample", f"second row for sample '{parsed.sample}' in gene "
                                 f"'{parsed.gene}' (first on line {lines[parsed.sample]})", _TABLE_FIX)
        lines[parsed.sample] = line
        rows.append(parsed)
    check_every_sample(path, seen.items(), samples, "gene")
    return rows
