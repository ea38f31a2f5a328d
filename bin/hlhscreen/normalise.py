"""One representation of an allele: trimmed and left-aligned against the reference sequence.

An insertion or deletion in a repeat can be written at any position of the repeat, and with more
context than it needs: ``chr10:100 ACAG>A`` in ``...ACAGCAGCAGT...`` is also ``103 GCAG>G``, ``106
GCAGT>GT`` or, padded, ``100 ACAGCAG>ACAG``. VCF writers and ``bcftools norm -f`` put it at its
left-most position with one padding base; NCBI's ClinVar VCF does not always (UCSC's ClinVar track
notes that its variants "may be right-aligned or may contain additional context"). Two files agree
on an indel only once both are normalised the same way, which needs the reference bases.

The algorithm is the one of Tan, Abecasis & Kang (2015, "Unified representation of genetic
variants"): drop a base both alleles end in, extend both by the reference base on the left when
one becomes empty, repeat; then drop the bases both start with while both keep at least one.
Standard library only: the sequence comes from a ``fetch(contig, start, end)`` callable (0-based,
end excluded), e.g. a ``pysam.FastaFile``'s.
"""

from __future__ import annotations

from typing import Callable, Optional, Tuple

from .vcf_text import minimal_allele

Allele = Tuple[int, str, str]                 # POS (1-based), REF, ALT
Fetch = Callable[[str, int, int], str]        # contig, 0-based start, end (excluded) -> bases

_BASES = frozenset("ACGT")
_CHUNK = 256  # bases read at a time while walking along a repeat


def is_indel(ref: str, alt: str) -> bool:
    """REF and ALT differ in length: only such an allele can move along a repeat."""
    return len(ref) != len(alt)


class Reference:
    """Reference bases of one FASTA (upper case); a contig it lacks reads as no sequence."""

    def __init__(self, fetch: Fetch) -> None:
        self._fetch = fetch

    def bases(self, contig: str, start: int, end: int) -> str:
        if end <= start or start < 0:
            return ""
        try:
            return self._fetch(contig, start, end).upper()
        except (KeyError, ValueError, IndexError):  # pysam: unknown contig, or a region outside it
            return ""

    def matches(self, contig: str, pos: int, ref: str) -> bool:
        """REF is what the reference has at POS (and is plain A/C/G/T: no N to shift through)."""
        return bool(ref) and set(ref) <= _BASES and self.bases(contig, pos - 1, pos - 1 + len(ref)) == ref


def left_align(reference: Reference, contig: str, pos: int, ref: str, alt: str) -> Optional[Allele]:
    """The allele trimmed and left-aligned (one padding base for an indel), or None when it cannot
    be: REF differs from the reference there, or the walk reaches the contig's start or a base that
    is not A/C/G/T (an N gap)."""
    ref, alt = ref.upper(), alt.upper()
    if not reference.matches(contig, pos, ref) or not set(alt) <= _BASES:
        return None
    while True:
        changed = False
        if ref and alt and ref[-1] == alt[-1]:
            ref, alt, changed = ref[:-1], alt[:-1], True
        if not ref or not alt:
            base = reference.bases(contig, pos - 2, pos - 1)
            if base not in _BASES:
                return None
            ref, alt, pos, changed = base + ref, base + alt, pos - 1, True
        if not changed:
            break
    return minimal_allele(pos, ref, alt)  # REF and ALT now end differently: only shared first bases go


def right_shift(reference: Reference, contig: str, allele: Allele) -> int:
    """How far a left-aligned indel (one padding base) can move right along its repeat: 0 outside a
    repeat, 3 for a CAG deletion at the start of a run of two more CAGs."""
    pos, ref, alt = allele
    if not is_indel(ref, alt) or min(len(ref), len(alt)) != 1:
        return 0
    inserted = alt[1:] if len(alt) > len(ref) else ""
    size = abs(len(ref) - len(alt))
    # the sequence after the padding base, with the event in place: it moves by one while the base
    # leaving it on the left comes back on its right
    text, start, shift = inserted, pos, 0
    while True:
        if shift + size >= len(text):
            more = reference.bases(contig, start, start + _CHUNK)
            if not more:
                return shift
            text, start = text + more, start + len(more)
            continue
        if text[shift] != text[shift + size]:
            return shift
        shift += 1


class Normaliser:
    """Canonical alleles of one reference (or, without one, the trimmed alleles as written)."""

    def __init__(self, reference: Optional[Reference]) -> None:
        self.reference = reference

    def canonical(self, contig: str, pos: int, ref: str, alt: str) -> Tuple[Allele, bool]:
        """The allele to compare, and whether it is normalised against the reference. An indel whose
        REF the reference does not have there (another reference, or the N outside the test
        profile's windows) is compared as trimmed only (False); a SNV or MNV needs no reference."""
        ref, alt = ref.upper(), alt.upper()
        if not is_indel(ref, alt) or self.reference is None:
            return minimal_allele(pos, ref, alt), not is_indel(ref, alt)
        aligned = left_align(self.reference, contig, pos, ref, alt)
        return (aligned, True) if aligned is not None else (minimal_allele(pos, ref, alt), False)

    def span(self, contig: str, allele: Allele, normalised: bool, written_pos: int,
             written_ref: str) -> Tuple[int, int]:
        """0-based region holding every way of writing the allele: from its left-aligned position to
        the end of the repeat it can move along (when normalised), and at least the record as written."""
        pos, ref, _ = allele
        shift = right_shift(self.reference, contig, allele) if normalised and self.reference is not None else 0
        start = min(pos, written_pos) - 1
        end = max(pos + shift + len(ref), written_pos + max(len(written_ref), 1)) - 1
        return start, end
