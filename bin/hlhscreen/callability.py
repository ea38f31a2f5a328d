"""Where the panel lies on the reference the reads are aligned to, and which panel genes can be called.

The panel (regions and targets BEDs) is on GRCh38. The reference is a plain FASTA (contigs from its
``.fai``) or a windows reference (``windows.tsv``, see :mod:`hlhscreen.windows`). Each panel region
is placed on the reference:

- its contig must be a reference contig (windows: a windows chromosome) under the same name. Another
  spelling of it (``10`` for ``chr10``) is used only with contig harmonisation, and is an error
  without it, because a panel region on a contig the aligner has never heard of is silently not
  called;
- a region on a contig the reference lacks, or the part of it outside every window, cannot be called.

Nothing is dropped without a word: :func:`gene_callability` accounts for every panel gene
(``callable``, ``partly_callable`` or ``not_callable``, with the reason), written as
``panel_callability.tsv`` for the outputs and the report. Standard library only: the start-up check
runs this on the launch host.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Dict, Iterable, List, Optional, Sequence, Set, Tuple, Union

from .annotation import contig_aliases
from .chromosomes import chrom_sort_key
from .errors import UserInputError
from .files import is_gzipped
from .fai import contig_lengths
from .panel import Region, load_regions
from .reference_bases import ReferenceBases
from .windows import Window, check_against_contigs, read_windows, window_pieces

PathLike = Union[str, os.PathLike]

CALLABLE, PARTLY, NOT_CALLABLE = "callable", "partly_callable", "not_callable"
_SCAN_BLOCK = 1 << 24  # bytes read at a time when a FASTA's headers are scanned
COLUMNS = ("gene", "chrom", "regions", "region_bp", "callable_bp", "pct_callable", "status", "reason")


# ------------------------------------------------------------------------------------------ reference


def fasta_contig_names(path: PathLike) -> List[str]:
    """Contig names of a FASTA (plain or gzip) from its '>' lines, without an index.

    Reads the file in large blocks and looks only for line starts with '>', so a 3 GB GRCh38 FASTA
    takes seconds (lengths are not needed for the start-up checks)."""
    names: List[str] = []
    opener = gzip.open if is_gzipped(path) else open
    tail = b"\n"  # the last byte of the previous block ("\n" before the start of the file)
    with opener(path, "rb") as handle:
        while True:
            block = handle.read(_SCAN_BLOCK)
            if not block:
                break
            text = tail[-1:] + block
            at = text.find(b"\n>")
            while at != -1:
                end = text.find(b"\n", at + 1)
                while end == -1:  # header line continues into the next block
                    more = handle.read(_SCAN_BLOCK)
                    if not more:
                        end = len(text)
                        break
                    text += more
                    end = text.find(b"\n", at + 1)
                header = text[at + 2:end].decode(errors="replace").split()
                if header:
                    names.append(header[0])
                at = text.find(b"\n>", end)
            tail = text[-1:]
    if not names:
        raise UserInputError(path, 1, "--fasta", "no '>' header line: not a FASTA file",
                             "Give the reference genome in FASTA format.")
    check_unique_names(path, names)
    return names


def check_unique_names(path: PathLike, names: List[str]) -> None:
    """Two sequences of one name: samtools faidx indexes the first only (a warning), bwa indexes both and
    the alignment stops at its SAM header ('Duplicate entry'), hours later on GRCh38."""
    seen: Set[str] = set()
    duplicates = [name for name in names if name in seen or seen.add(name)]
    if duplicates:
        shown = ", ".join(dict.fromkeys(duplicates[:5]))
        raise UserInputError(path, None, "--fasta",
                             f"sequence name(s) {shown} occur more than once (the first word of a '>' line names the "
                             "sequence): the index keeps only the first, the aligner both",
                             "Give a FASTA with one sequence per name (e.g. a concatenation of two FASTAs repeats "
                             "names).")


@dataclass(frozen=True)
class ReferenceLayout:
    """The reference the reads are aligned to, as the panel and the annotation see it."""

    contigs: Dict[str, Optional[int]]        # FASTA contig -> length (None when read without an index)
    windows: Optional[Dict[str, Window]]     # windows reference: window contig -> window
    source: str                              # FASTA (or index) path, for messages

    @property
    def genome_contigs(self) -> List[str]:
        """GRCh38-side contig names: what the called and annotated VCF uses."""
        if self.windows is not None:
            return list(dict.fromkeys(w.chrom for w in self.windows.values()))
        return list(self.contigs)


def reference_layout(fasta: Optional[PathLike], fai: Optional[PathLike] = None,
                     windows: Optional[PathLike] = None) -> ReferenceLayout:
    """Read the reference's contigs (``fai``, else ``<fasta>.fai``, else the FASTA's headers) and windows."""
    index = Path(fai) if fai else Path(f"{fasta}.fai")
    if fai or index.is_file():
        contigs: Dict[str, Optional[int]] = dict(contig_lengths(index))
        source = str(index)
    else:
        contigs = {name: None for name in fasta_contig_names(fasta)}
        source = str(fasta)
    table = None
    if windows is not None:
        table = read_windows(Path(windows))
        check_against_contigs(table, contigs, Path(source))
    return ReferenceLayout(contigs, table, source)


# ------------------------------------------------------------------------------------------ placing


@dataclass(frozen=True)
class Placement:
    """One panel region on the reference."""

    region: Region
    genome_contig: Optional[str]              # the reference's name of the region's chromosome (None: absent)
    pieces: Tuple[Tuple[str, int, int], ...]  # (reference contig, 0-based start, end)
    reason: Optional[str]                     # why (part of) the region cannot be called

    @property
    def callable_bp(self) -> int:
        return sum(end - start for _, start, end in self.pieces)


class Placer:
    """Places panel regions on a reference; one contig-name decision per panel contig."""

    def __init__(self, layout: ReferenceLayout, harmonise: bool, bed: PathLike, what: str = "panel") -> None:
        self.what = what  # how messages name the BED ("panel", "--intervals BED")
        self.layout = layout
        self.harmonise = harmonise
        self.bed = str(bed)
        self.genome = set(layout.genome_contigs)
        self._names: Dict[str, Optional[str]] = {}
        self._by_chrom: Dict[str, List[Window]] = {}
        for window in (layout.windows or {}).values():
            self._by_chrom.setdefault(window.chrom, []).append(window)

    def genome_name(self, region: Region) -> Optional[str]:
        """The reference's name of the region's contig, or None when the reference lacks it."""
        chrom = region.chrom
        if chrom not in self._names:
            name = chrom if chrom in self.genome else None
            if name is None:
                alias = next((a for a in contig_aliases(chrom) if a in self.genome), None)
                if alias is not None and not self.harmonise:
                    raise UserInputError(
                        self.bed, region.line or None, "chrom",
                        f"the {self.what} names contig {chrom} but the reference calls it {alias}",
                        f"Use the reference's contig names in the {self.what}, or switch contig harmonisation on "
                        "(--harmonise_contigs true) to map them.")
                name = alias
            self._names[chrom] = name
        return self._names[chrom]

    def place(self, region: Region) -> Placement:
        name = self.genome_name(region)
        if name is None:
            where = "reference windows" if self.layout.windows is not None else "reference"
            return Placement(region, None, (), f"contig {region.chrom} is not in the {where}")
        if self.layout.windows is None:
            length = self.layout.contigs.get(name)
            if length is not None and region.end > length:
                raise UserInputError(self.bed, region.line or None, "end",
                                     f"{region.chrom}:{region.start}-{region.end} ends beyond {name} "
                                     f"({length} bp in {self.layout.source})",
                                     f"Use a {self.what} and a reference of the same build.")
            return Placement(region, name, ((name, region.start, region.end),), None)
        pieces = tuple(window_pieces(self._by_chrom.get(name, []), region.start, region.end))
        covered = sum(end - start for _, start, end in pieces)
        reason = None if covered == region.end - region.start else "outside the reference windows"
        return Placement(region, name, pieces, reason)


def place_bed(bed: PathLike, layout: ReferenceLayout, harmonise: bool = False, what: str = "panel",
              zero_length: bool = False) -> List[Placement]:
    """Validate a panel BED (:func:`hlhscreen.panel.load_regions`; ``zero_length``: start == end lines
    allowed) and place every region."""
    placer = Placer(layout, harmonise, bed, what)
    return [placer.place(region) for region in _in_file_order(load_regions(bed, zero_length))]


def exclude_uncallable_bases(placements: Sequence[Placement], bases: ReferenceBases) -> List[Placement]:
    """The placements without the reference's N and IUPAC-coded bases (:mod:`hlhscreen.reference_bases`),
    each such cut named as a reason of its region."""
    result: List[Placement] = []
    for placement in placements:
        pieces: List[Tuple[str, int, int]] = []
        reasons = [placement.reason] if placement.reason else []
        for contig, start, end in placement.pieces:
            at = start
            for run_start, run_end, reason in bases.uncallable(contig, start, end):
                if run_start > at:
                    pieces.append((contig, at, run_start))
                at = run_end
                if reason not in reasons:
                    reasons.append(reason)
            if end > at:
                pieces.append((contig, at, end))
        result.append(Placement(placement.region, placement.genome_contig, tuple(pieces),
                                "; ".join(reasons) if reasons else None))
    return result


def _in_file_order(regions: Iterable[Region]) -> List[Region]:
    return sorted(regions, key=lambda r: r.line)


def write_reference_bed(placements: Sequence[Placement], out: IO[str]) -> int:
    """The callable pieces, on the reference's contigs, with the panel's name and other columns; returns
    the lines written.

    Pieces that overlap are written as one line (their names joined with ',', as build_panel.py names
    merged exons): mosdepth sums its regions, so a hand-made panel listing the exons of two transcripts,
    or a line twice, counted the shared bases twice in the panel's mean depth and % at 20x (and FreeBayes
    called them twice). Lines are in contig order of first appearance, then position."""
    first_seen: Dict[str, int] = {}
    entries = []
    for placement in placements:
        region = placement.region
        tail = ([region.name] if region.name or region.extra else []) + list(region.extra)
        for contig, start, end in placement.pieces:
            first_seen.setdefault(contig, len(first_seen))
            entries.append((contig, start, end, tail))
    entries.sort(key=lambda e: (first_seen[e[0]], e[1], e[2]))
    groups: List[List[Tuple[str, int, int, List[str]]]] = []
    for entry in entries:
        if groups and groups[-1][0][0] == entry[0] and entry[1] < max(e[2] for e in groups[-1]):
            groups[-1].append(entry)
        else:
            groups.append([entry])
    for group in groups:
        out.write("\t".join([group[0][0], str(group[0][1]), str(max(e[2] for e in group)), *_merged_tail(group)])
                  + "\n")
    return len(groups)


def _merged_tail(group: Sequence[Tuple[str, int, int, List[str]]]) -> List[str]:
    """The name and other columns of a line standing for overlapping pieces: a single piece's own; else
    the distinct names joined with ',' (other columns dropped: they belong to one line each)."""
    tails = list(dict.fromkeys(tuple(e[3]) for e in group))
    if len(tails) == 1:
        return list(tails[0])
    names = list(dict.fromkeys(name for tail in tails for part in tail[:1] for name in part.split(",") if name))
    return [",".join(names)] if names else []


# ------------------------------------------------------------------------------------------ per gene


@dataclass(frozen=True)
class GeneCallability:
    gene: str
    chrom: str
    regions: int
    region_bp: int
    callable_bp: int
    reasons: Tuple[str, ...]

    @property
    def status(self) -> str:
        if self.callable_bp == 0:
            return NOT_CALLABLE
        return CALLABLE if self.callable_bp == self.region_bp else PARTLY

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons) if self.status != CALLABLE else "NA"

    def row(self) -> List[str]:
        pct = 100.0 * self.callable_bp / self.region_bp if self.region_bp else 0.0
        return [self.gene, self.chrom, str(self.regions), str(self.region_bp), str(self.callable_bp),
                f"{pct:.1f}", self.status, self.reason]


def gene_callability(placements: Sequence[Placement]) -> List[GeneCallability]:
    """One row per panel gene (a region named for several genes counts for each), in contig order.
    Bases are counted once: a hand-made panel may list overlapping exons of several transcripts, or a
    line twice."""
    tally: Dict[str, List] = {}
    for placement in placements:
        region = placement.region
        for gene in region.genes or (f"{region.chrom}:{region.start + 1}-{region.end}",):
            # chrom, regions, region spans, callable pieces, reasons, first start
            entry = tally.setdefault(gene, [region.chrom, set(), [], [], [], region.start])
            entry[1].add((region.chrom, region.start, region.end))
            entry[2].append((region.chrom, region.start, region.end))
            entry[3].extend(placement.pieces)
            for reason in placement.reason.split("; ") if placement.reason else ():
                if reason not in entry[4]:
                    entry[4].append(reason)
    rows = [GeneCallability(gene, chrom, len(regions), _union_bp(spans), _union_bp(pieces), tuple(reasons))
            for gene, (chrom, regions, spans, pieces, reasons, _) in tally.items()]
    order = {gene: (chrom_sort_key(entry[0]), entry[5]) for gene, entry in tally.items()}
    return sorted(rows, key=lambda row: order[row.gene])


def _union_bp(spans: Sequence[Tuple[str, int, int]]) -> int:
    """Bases covered by (contig, start, end) spans, overlaps counted once."""
    total, last = 0, None  # last: (contig, end) of the merged run
    for contig, start, end in sorted(spans):
        if last is not None and last[0] == contig and start < last[1]:
            if end > last[1]:
                total += end - last[1]
                last = (contig, end)
            continue
        total += end - start
        last = (contig, end)
    return total


def write_callability(rows: Sequence[GeneCallability], out: IO[str]) -> None:
    out.write("\t".join(COLUMNS) + "\n")
    for row in rows:
        out.write("\t".join(row.row()) + "\n")


def write_callability_mqc(rows: Sequence[GeneCallability], out: IO[str], notes: Sequence[str] = ()) -> None:
    """MultiQC custom-content table: the genes that cannot (all) be called, or one line saying none;
    ``notes`` (run-level, e.g. ALT contigs aligned ALT-unaware) follow the description."""
    missing = [row for row in rows if row.status != CALLABLE]
    description = (f"{len(missing)} of {len(rows)} panel genes cannot be called on this reference or capture "
                   "(whole or part); they are not (fully) assessed and are listed in qc/panel_callability.tsv "
                   "and the report."
                   if missing else f"All {len(rows)} panel genes lie on the reference and are called.")
    description += "".join(f" Note: {note}" for note in notes).replace("'", "''")  # YAML single-quoted
    out.write("# id: 'hlhscreen_panel_callability'\n"
              "# section_name: 'Panel genes not called'\n"
              f"# description: '{description}'\n"
              "# plot_type: 'table'\n")
    out.write("gene\tchrom\tcallable_bp\tregion_bp\tstatus\treason\n")
    for row in missing or rows[:0]:
        out.write(f"{row.gene}\t{row.chrom}\t{row.callable_bp}\t{row.region_bp}\t{row.status}\t{row.reason}\n")
    if not missing:
        out.write(f"all genes\tNA\tNA\tNA\t{CALLABLE}\tNA\n")


def read_callability(path: PathLike) -> List[Dict[str, str]]:
    """``panel_callability.tsv`` rows (used by the report)."""
    from .tables import read_tsv

    rows = []
    for line, row in read_tsv(path, COLUMNS, "--panel-callability"):
        if row["status"] not in (CALLABLE, PARTLY, NOT_CALLABLE):
            raise UserInputError(path, line, "status", f"unknown status '{row['status']}'",
                                 f"Use {CALLABLE}, {PARTLY} or {NOT_CALLABLE}.")
        rows.append(row)
    return rows


def summary_line(rows: Sequence[GeneCallability], capture: bool = False) -> Optional[str]:
    """A warning naming the genes that cannot (all) be called (on the reference, and with ``capture``
    within the capture targets), or None."""
    missing = [row for row in rows if row.status != CALLABLE]
    if not missing:
        return None
    by_reason: Dict[str, List[str]] = {}
    for row in missing:
        label = row.gene if row.status == NOT_CALLABLE else f"{row.gene} (part)"
        by_reason.setdefault(row.reason, []).append(label)
    parts = [f"{', '.join(genes)}: {reason}" for reason, genes in by_reason.items()]
    where = "this reference and its capture targets" if capture else "this reference"
    return (f"{len(missing)} of {len(rows)} panel genes cannot be (fully) called on {where} and are not "
            f"screened there: " + " | ".join(parts))
