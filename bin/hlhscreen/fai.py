"""The one reader of FASTA indexes (``.fai``, as ``samtools faidx`` writes them).

A line is ``name length offset line_bases line_bytes``. Most checks need only names and lengths (a
two-column index is accepted for them); reading bases needs the whole layout (``layout=True``).
Standard library only: the start-up checks run on the launch host.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, Optional, Union

from .errors import UserInputError

PathLike = Union[str, os.PathLike]

_REBUILD = "Rebuild the index with samtools faidx <fasta> (or give the .fai made from this FASTA)."


@dataclass(frozen=True)
class FaiEntry:
    name: str
    length: int
    line: int                       # line of the .fai, for messages
    offset: Optional[int] = None    # byte offset of the contig's first base
    line_bases: Optional[int] = None  # bases per full line
    line_bytes: Optional[int] = None  # bytes per full line (bases + line ending)


def read_fai(path: PathLike, layout: bool = False) -> Dict[str, FaiEntry]:
    """Contig -> its entry, in index order; blank lines are skipped. With ``layout`` every line must
    give the offset and line layout; an index listing no contig is refused."""
    entries: Dict[str, FaiEntry] = {}
    with open(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            fields = line.rstrip("\r\n").split("\t")
            entries[fields[0]] = _entry(path, number, fields, layout)
    if not entries:
        raise UserInputError(path, None, "--fasta_fai", "the FASTA index lists no contigs", _REBUILD)
    return entries


def _entry(path: PathLike, number: int, fields: list, layout: bool) -> FaiEntry:
    what = "name, length, offset, line bases, line bytes" if layout else "name, length, ..."
    try:
        length = int(fields[1])
        extra = [int(v) for v in fields[2:5]] if len(fields) >= 5 else []
    except (IndexError, ValueError):
        raise UserInputError(path, number, "fai", f"not a FASTA index line ({what})", _REBUILD) from None
    if not extra:
        if layout:
            raise UserInputError(path, number, "fai", f"not a FASTA index line ({what})", _REBUILD)
        return FaiEntry(fields[0], length, number)
    offset, line_bases, line_bytes = extra
    if layout and (line_bases < 0 or line_bytes < line_bases or (line_bases == 0 and length > 0)):
        raise UserInputError(path, number, "fai", f"line layout {line_bases}/{line_bytes} is impossible", _REBUILD)
    return FaiEntry(fields[0], length, number, offset, line_bases, line_bytes)


def contig_lengths(path: PathLike) -> Dict[str, int]:
    """Contig -> length, in index order."""
    return {name: entry.length for name, entry in read_fai(path).items()}
