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
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Mapping, Optional, Sequence, Union

from .errors import UserInputError
from .panel import region_genes
from .tables import open_input

PathLike = Union[str, os.PathLike]

SUFFIX = ".thresholds.bed.gz"
REASON = "low_gene_coverage"
_FIX = ("Give the <sample>.thresholds.bed.gz mosdepth wrote with --by <panel regions BED> and --thresholds "
        "including --min_dp.")


@dataclass(frozen=True)
class GeneCoverage:
    """Bases of a gene's panel regions (``total``) and how many of them reach the depth (``covered``)."""

    covered: int
    total: int

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


def _count(path: PathLike, line: int, column: str, text: str) -> int:
    value = text.strip()
    if not (value.isascii() and value.isdigit()):
        raise UserInputError(path, line, column, f"'{text}' is not a whole number >= 0", _FIX)
    return int(value)


def read_thresholds(path: PathLike, min_depth: int) -> Dict[str, GeneCoverage]:
    """Gene -> coverage at ``min_depth`` of one sample's thresholds file. With ``min_depth`` <= 0 every
    base counts as covered (no depth is asked of a call)."""
    column = f"{min_depth}X"
    tally: Dict[str, list] = {}
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
            for gene in region_genes(fields[3]):
                entry = tally.setdefault(gene, [0, 0])
                entry[0] += covered
                entry[1] += size
    return {gene: GeneCoverage(covered, total) for gene, (covered, total) in tally.items()}


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
