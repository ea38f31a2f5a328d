"""Reference windows: a reference made of windows cut from GRCh38, and the way back to GRCh38.

A windows reference (used by the synthetic test cohort, or by anyone aligning to a region subset)
has one contig per window. ``windows.tsv`` maps each contig to its place on the real chromosome:
``contig chrom start end chrom_length`` (1-based, inclusive). Alignment, calling and coverage run on
the window contigs; the panel BED is translated onto them (:mod:`hlhscreen.callability`), and the
called VCF is translated back,
so annotation and everything after it sees real GRCh38 coordinates.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, TextIO, Tuple

from .errors import UserInputError
from .fai import contig_lengths
from .files import open_text

COLUMNS = ("contig", "chrom", "start", "end", "chrom_length")
_CONTIG_LINE = re.compile(r"^##contig=<ID=([^,>]+)")
# bcftools norm --old-rec-tag in the pipeline's VCF: OLD_REC=CHR|POS|REF|ALT[|IDX] of the original record
_OLD_REC = re.compile(r"(?<=[\t;])OLD_REC=([^|;\t]+)\|(\d+)\|")


@dataclass(frozen=True)
class Window:
    contig: str
    chrom: str
    start: int  # 1-based, inclusive
    end: int
    chrom_length: int

    @property
    def offset(self) -> int:
        """Add to a 1-based window position to get the GRCh38 position."""
        return self.start - 1

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def read_windows(path: Path) -> Dict[str, Window]:
    with open(path, newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader, None)
        if header is None or tuple(header) != COLUMNS:
            raise UserInputError(path, 1, "header", f"expected columns {' '.join(COLUMNS)}")
        windows: Dict[str, Window] = {}
        for line_no, row in enumerate(reader, start=2):
            if len(row) != len(COLUMNS):
                raise UserInputError(path, line_no, "row", f"{len(row)} fields, expected {len(COLUMNS)}")
            try:
                window = Window(row[0], row[1], int(row[2]), int(row[3]), int(row[4]))
            except ValueError:
                raise UserInputError(path, line_no, "start/end/chrom_length", "not an integer") from None
            if not 1 <= window.start <= window.end <= window.chrom_length:
                raise UserInputError(path, line_no, "start/end", "need 1 <= start <= end <= chrom_length")
            if window.contig in windows:
                raise UserInputError(path, line_no, "contig", f"window {window.contig} listed twice")
            for other in windows.values():
                if other.chrom == window.chrom and other.start <= window.end and window.start <= other.end:
                    raise UserInputError(path, line_no, "start/end", f"overlaps window {other.contig}")
            windows[window.contig] = window
    if not windows:
        raise UserInputError(path, 2, "row", "no windows listed")
    return windows


def check_against_fai(windows: Dict[str, Window], fai: Path) -> None:
    """Every window contig must be in the FASTA index with the window's length."""
    check_against_contigs(windows, dict(contig_lengths(fai)), fai)


def check_against_contigs(windows: Dict[str, Window], lengths: Dict[str, Optional[int]], source: Path) -> None:
    """Every window contig must be a reference contig (name -> length, None when unknown) of the window's length."""
    for window in windows.values():
        if window.contig not in lengths:
            raise UserInputError(source, None, "contig", f"window contig {window.contig} is not in the reference",
                                 "Give the windows table made with this FASTA.")
        length = lengths[window.contig]
        if length is not None and length != window.length:
            raise UserInputError(source, None, "length",
                                 f"{window.contig} is {length} bp but its window spans {window.length} bp",
                                 "Give the windows table made with this FASTA.")


def window_pieces(windows: Iterable[Window], start: int, end: int) -> Iterator[Tuple[str, int, int]]:
    """The parts of a GRCh38 interval (0-based, half-open) inside ``windows`` (all on its chromosome), as
    (window contig, 0-based start, end) on window coordinates."""
    for window in sorted(windows, key=lambda w: w.start):
        lo, hi = max(start, window.start - 1), min(end, window.end)
        if lo < hi:
            yield window.contig, lo - window.offset, hi - window.offset


def vcf_to_genome(vcf: Path, windows: Dict[str, Window], out: TextIO) -> int:
    """Rewrite a VCF on window contigs onto GRCh38 chromosomes (header contigs included)."""
    declared: List[str] = []
    records = 0
    with open_text(vcf) as handle:
        for line_no, line in enumerate(handle, start=1):
            if line.startswith("##contig="):
                match = _CONTIG_LINE.match(line)
                window = windows.get(match.group(1)) if match else None
                if window is None:
                    raise UserInputError(vcf, line_no, "contig", f"{line.strip()} is not a window in the windows table")
                if window.chrom not in declared:
                    declared.append(window.chrom)
                    out.write(f"##contig=<ID={window.chrom},length={window.chrom_length},assembly=GRCh38>\n")
                continue
            if line.startswith("#"):
                out.write(line)
                continue
            chrom, pos, rest = line.split("\t", 2)
            window = windows.get(chrom)
            if window is None:
                raise UserInputError(vcf, line_no, "CHROM", f"{chrom} is not a window in the windows table")
            if "OLD_REC=" in rest:  # the original record's place on GRCh38 too (the screen names it)
                rest = _OLD_REC.sub(lambda m: _old_rec_on_genome(m, windows), rest)
            out.write(f"{window.chrom}\t{int(pos) + window.offset}\t{rest}")
            records += 1
    return records


def _old_rec_on_genome(match: "re.Match[str]", windows: Dict[str, Window]) -> str:
    window = windows.get(match.group(1))
    if window is None:  # not on a window contig: left as written
        return match.group(0)
    return f"OLD_REC={window.chrom}|{int(match.group(2)) + window.offset}|"


def write_genome_fasta(windows: Dict[str, Window], fasta: Path, out: TextIO, width: int = 60) -> None:
    """A GRCh38-coordinate FASTA: window sequence at its real place, N elsewhere.

    Each chromosome stops at the end of its last window (nothing after it is ever looked up),
    which keeps the file small; VCF headers still carry the real chromosome lengths.
    """
    sequences = dict(_read_fasta(fasta))
    chroms: Dict[str, List[Window]] = {}
    for window in windows.values():
        chroms.setdefault(window.chrom, []).append(window)
    block_line = "N" * width + "\n"
    for chrom, parts in chroms.items():
        parts.sort(key=lambda w: w.start)
        out.write(f">{chrom}\n")
        pending = ""  # bases not yet written as a full line
        cursor = 1
        for window in parts:
            seq = sequences.get(window.contig)
            if seq is None:
                raise UserInputError(fasta, None, "contig", f"window contig {window.contig} is not in the FASTA")
            pending = _write_lines(out, pending, _n_run(window.start - cursor), width, block_line)
            pending = _write_lines(out, pending, iter([seq]), width, block_line)
            cursor = window.end + 1
        if pending:
            out.write(pending + "\n")


def _n_run(length: int, chunk: int = 1 << 20) -> Iterator[str]:
    while length > 0:
        take = min(chunk, length)
        yield "N" * take
        length -= take


def _write_lines(out: TextIO, pending: str, pieces: Iterator[str], width: int, block_line: str) -> str:
    for piece in pieces:
        text = pending + piece
        full = len(text) - len(text) % width
        if piece and set(piece) == {"N"} and not pending:
            out.write(block_line * (full // width))
        else:
            out.write("".join(text[i:i + width] + "\n" for i in range(0, full, width)))
        pending = text[full:]
    return pending


def _read_fasta(path: Path) -> Iterator[Tuple[str, str]]:
    name: Optional[str] = None
    chunks: List[str] = []
    with open_text(path) as handle:
        for line in handle:
            if line.startswith(">"):
                if name is not None:
                    yield name, "".join(chunks)
                name, chunks = line[1:].split()[0], []
            else:
                chunks.append(line.strip())
    if name is not None:
        yield name, "".join(chunks)
