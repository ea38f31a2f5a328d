"""Small readers of VCF record text, shared by the steps that read records as text (no htslib).

One place for three things several steps need: an INFO value from the INFO column, the
``bcftools norm --old-rec-tag`` value (OLD_REC) naming the record a split or atomised record came
from, and the allele fields of a GT. Standard library only: BCFTOOLS_NORM's duplicate merge
(hlhscreen.duplicates) imports it in the tools image.
"""

from __future__ import annotations

from typing import NamedTuple, Optional, Tuple


def info_value(info: str, key: str) -> Optional[str]:
    """The value of ``key`` in an INFO column (``A=1;B=x`` -> ``"x"`` for B), ``""`` for a flag, None
    when absent. The first occurrence wins."""
    for part in info.split(";"):
        name, _, value = part.partition("=")
        if name == key:
            return value
    return None


class OldRec(NamedTuple):
    """The record a normalised record came from (``bcftools norm --old-rec-tag``)."""

    record: str  # CHR|POS|REF|ALT of the original record
    alt_indexes: Tuple[int, ...]  # its ALT(s) this record is part of (1-based; several for a shared piece)

    def names(self, chrom: str, pos: str, ref: str, alt: str) -> bool:
        """The tag names the record ``chrom pos ref alt`` itself (norm tags records it only
        realigned or rewrote with themselves)."""
        return self.record == "|".join((chrom, pos, ref, alt))


def parse_old_rec(text: str) -> OldRec:
    """``CHR|POS|REF|ALT|USED_ALT_IDX`` for a split or atomised record, where an atomised piece that
    several ALTs share lists them all (``...|1,2``); ``CHR|POS|REF|ALT`` for one only realigned
    (its site had this one ALT, index 1)."""
    parts = text.split("|")
    if len(parts) >= 5:
        indexes = tuple(int(p) for p in parts[4].split(",") if p.strip().isdigit())
        if indexes:
            return OldRec("|".join(parts[:4]), indexes)
    return OldRec("|".join(parts[:4]), (1,))


class Genotype(NamedTuple):
    """The allele fields of a GT text, as written (``"0"``, ``"1"``, ``"."``, ``""``)."""

    alleles: Tuple[str, ...]
    phased: bool  # a phased diploid call: ``|`` its only separator, two alleles (``0|1``)


def split_gt(gt: str) -> Genotype:
    """``0/1`` -> ((0, 1), unphased); ``1|0`` -> phased; ``1`` (haploid) and ``./.`` as written.
    A GT mixing ``/`` and ``|`` is unphased."""
    if "/" in gt:
        return Genotype(tuple(gt.replace("|", "/").split("/")), False)
    if "|" in gt:
        alleles = tuple(gt.split("|"))
        return Genotype(alleles, len(alleles) == 2)
    return Genotype((gt,), False)


def is_missing_allele(allele: str) -> bool:
    """An allele field that is not called (``.``, or empty in a truncated GT)."""
    return allele in (".", "")
