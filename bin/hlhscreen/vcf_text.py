"""Small readers of VCF text, shared by the steps that read VCFs as text (no htslib).

One place for what several steps need: a streaming reader of a VCF's lines (header, ``#CHROM``
line, records; BCFTOOLS_NORM's decomposition and duplicate merge), an INFO value from the INFO
column, the ``bcftools norm --old-rec-tag`` value (OLD_REC) naming the record a split or atomised
record came from, and the allele fields of a GT. Standard library only: BCFTOOLS_NORM runs
hlhscreen.decompose and hlhscreen.duplicates in the tools image.
"""

from __future__ import annotations

from typing import Iterable, Iterator, List, NamedTuple, Optional, Tuple

from .errors import UserInputError

_NOT_A_VCF_FIX = "Give a VCF (bcftools view -Ov)."


class RecordText(NamedTuple):
    """One record line of a VCF, as read."""

    number: int  # its line number in the file (1-based), for error messages
    line: str  # the text as read, line end included: a step that passes a record on unchanged writes it
    fields: List[str]  # its tab-separated columns, line end removed (at least 8)


class VcfTextReader:
    """A VCF read as text in one pass: first :meth:`header_lines`, then :meth:`records`.

    Streaming (a cohort VCF need not fit in memory), so a step writes each header line as it comes
    and adds its own ``##INFO`` lines just before the ``#CHROM`` line (:attr:`columns_line`).
    """

    def __init__(self, source: Iterable[str], path: str) -> None:
        self.path = path
        self._lines = enumerate(source, start=1)
        self.columns_line: Optional[str] = None  # the #CHROM line as read, once header_lines is consumed

    def header_lines(self) -> Iterator[str]:
        """The lines before ``#CHROM``, as read; the ``#CHROM`` line itself goes to
        :attr:`columns_line`. Refuses a file without one (raised once the lines run out, or at a
        record line before it)."""
        for number, line in self._lines:
            if line.startswith("#CHROM"):
                self.columns_line = line
                return
            if line.strip() and not line.startswith("#"):
                raise UserInputError(self.path, number, "header", "no #CHROM line before the first record: not a VCF",
                                     _NOT_A_VCF_FIX)
            yield line
        raise UserInputError(self.path, None, "header", "no #CHROM line: not a VCF", _NOT_A_VCF_FIX)

    def records(self) -> Iterator[RecordText]:
        """The record lines after the ``#CHROM`` line (blank lines skipped); refuses a line with
        fewer than the 8 fixed columns."""
        if self.columns_line is None:
            raise RuntimeError("VcfTextReader.records() before header_lines() was read to the #CHROM line")
        for number, line in self._lines:
            if not line.strip():
                continue
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) < 8:
                raise UserInputError(self.path, number, "columns", f"a record has {len(fields)} tab-separated "
                                     "columns, a VCF record needs at least 8",
                                     "Check that the file is a complete, tab-separated VCF.")
            yield RecordText(number, line, fields)


def info_value(info: str, key: str) -> Optional[str]:
    """The value of ``key`` in an INFO column (``A=1;B=x`` -> ``"x"`` for B), ``""`` for a flag, None
    when absent. The first occurrence wins."""
    for part in info.split(";"):
        name, _, value = part.partition("=")
        if name == key:
            return value
    return None


# how bcftools norm --old-rec-tag describes its INFO tag (the tag's name is the user's choice)
OLD_REC_FORMAT = "Format: CHR|POS|REF|ALT|USED_ALT_IDX"


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


def gt_names_alt(gt: str) -> bool:
    """The GT names an ALT allele, fully called or not (``0/1``, a half call ``./1``, haploid ``1``)."""
    return any(not is_missing_allele(allele) and allele != "0" for allele in split_gt(gt).alleles)


def minimal_allele(pos: int, ref: str, alt: str) -> Tuple[int, str, str]:
    """The allele trimmed of the bases REF and ALT share at the end, then at the start (one base
    kept), as bcftools norm writes a split record and ClinVar writes its alleles: AT>GT is A>G,
    CTT>CT is CT>C, FreeBayes' TCAG>TTGG at 100 is CA>TG at 101."""
    while len(ref) > 1 and len(alt) > 1 and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    while len(ref) > 1 and len(alt) > 1 and ref[0] == alt[0]:
        ref, alt, pos = ref[1:], alt[1:], pos + 1
    return pos, ref, alt
