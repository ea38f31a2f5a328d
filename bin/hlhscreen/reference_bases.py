"""Reference bases under the panel that cannot be called: N and IUPAC ambiguity codes.

A reference base that is not A, C, G or T (either case: lower case is soft-masking and is called as
usual) cannot be screened:

- ``N``: an assembly gap, or a hard-masked FASTA (Ensembl's ``dna_rm``, UCSC's ``hg38.fa.masked``
  put N over every repeat, so exons in Alus and other repeats vanish). Reads do not align there, no
  variant is called and every sample would read as a non-carrier.
- an IUPAC ambiguity code (``R``, ``Y``, ``M``, ``K``, ``S``, ``W``, ``B``, ``D``, ``H``, ``V``; GRCh38
  holds a few): FreeBayes writes ``N`` as the REF there and calls the reference allele as an ALT.

These bases are taken out of the panel's callable pieces and named as the reason (see
:mod:`hlhscreen.callability`). Standard library only: sequence is read through the FASTA's ``.fai``
(``samtools faidx`` layout: contig, length, offset, bases per line, bytes per line).
"""

from __future__ import annotations

import os
from typing import BinaryIO, List, Tuple, Union

from .errors import UserInputError
from .files import is_gzipped
from .fai import FaiEntry, read_fai

PathLike = Union[str, os.PathLike]

REASON_N = ("the reference has N bases here (an assembly gap, or a hard-masked FASTA such as Ensembl's "
            "dna_rm: use the unmasked or soft-masked primary assembly)")
REASON_IUPAC = ("the reference has IUPAC ambiguity codes here (R, Y, ...): the reference allele is unknown, "
                "so these bases are not called")
_CALLABLE = frozenset(b"ACGTacgt")


def fetch(handle: BinaryIO, entry: FaiEntry, start: int, end: int) -> bytes:
    """Bases [start, end) (0-based) of a contig, line endings removed."""
    start, end = max(0, start), min(end, entry.length)
    if start >= end:
        return b""
    assert entry.offset is not None and entry.line_bases and entry.line_bytes, "read with layout=True"
    first_line, last_line = start // entry.line_bases, (end - 1) // entry.line_bases
    handle.seek(entry.offset + first_line * entry.line_bytes + start % entry.line_bases)
    raw = handle.read((last_line - first_line + 1) * entry.line_bytes)
    return raw.replace(b"\r", b"").replace(b"\n", b"")[: end - start]


def uncallable_runs(bases: bytes, start: int) -> List[Tuple[int, int, str]]:
    """(start, end, reason) of each run of N or of other non-ACGT bases, in reference coordinates."""
    runs: List[Tuple[int, int, str]] = []
    for i, base in enumerate(bases):
        if base in _CALLABLE:
            continue
        reason = REASON_N if base in b"Nn" else REASON_IUPAC
        position = start + i
        if runs and runs[-1][1] == position and runs[-1][2] == reason:
            runs[-1] = (runs[-1][0], position + 1, reason)
        else:
            runs.append((position, position + 1, reason))
    return runs


class ReferenceBases:
    """Random access to a plain (uncompressed) FASTA through its ``.fai``."""

    def __init__(self, fasta: PathLike, fai: PathLike) -> None:
        self.fasta = fasta
        self.entries = read_fai(fai, layout=True)
        if is_gzipped(fasta):
            raise UserInputError(fasta, None, "--fasta", "the FASTA is compressed; bases are read from the "
                                 "uncompressed FASTA the pipeline prepares", "Give the uncompressed FASTA.")
        self._handle = open(fasta, "rb")

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> "ReferenceBases":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def uncallable(self, contig: str, start: int, end: int) -> List[Tuple[int, int, str]]:
        entry = self.entries.get(contig)
        if entry is None:
            raise UserInputError(self.fasta, None, "--fasta", f"contig {contig} is not in the FASTA's index",
                                 "Give the FASTA and its own .fai.")
        bases = fetch(self._handle, entry, start, end)
        if len(bases) != min(end, entry.length) - max(0, start) or b">" in bases:
            raise UserInputError(self.fasta, None, "--fasta", f"{contig}:{start + 1}-{end} cannot be read through "
                                 "the .fai (an index of another FASTA, or a file cut short)",
                                 "Rebuild the index with samtools faidx.")
        return uncallable_runs(bases, start)
