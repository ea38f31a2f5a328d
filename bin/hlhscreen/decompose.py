"""Decompose FreeBayes complex alleles that contain an indel by their alignment (INFO/CIGAR), before
``bcftools norm --atomize`` (BCFTOOLS_NORM; docs/design.md, "Normalisation").

``bcftools norm --atomize`` (1.16 and later) does no alignment: it compares REF and ALT base by
base from the left. That is right for an SNV, an MNP and an allele that is a pure insertion or
deletion once the bases REF and ALT share are trimmed (norm left-aligns it). It is wrong for a
complex allele that contains an indel next to other changes, which FreeBayes writes whenever
variants lie within ``--haplotype-length`` of each other, typically in a repeat:

- ``ACACACGTT>ACACGTA`` (a CA deletion and a T>A SNV) becomes ``A>G``, ``C>T``, ``GTT>A``;
- ``TTTTTTGA>TTTTTGAT`` (a T deleted from a run and inserted after ``GA``: same length) becomes
  three SNVs.

Such pieces are not the SNVs and indels a population database lists, so no frequency attaches and
they would be screened as ``novel`` (and their consequences would be wrong). FreeBayes writes the
alignment of every ALT against REF in ``INFO/CIGAR`` (e.g. ``1M2D5M1X``, ``4M1D7M1I41M``). For
such records this module writes one record per primitive of that alignment instead: an SNV per
mismatched base, one deletion or insertion per gap (anchored on the base before it, or on the base
after it at the very start of the allele, where ``bcftools norm -f`` re-anchors it), an adjacent
deletion+insertion as one delins. Per-primitive records carry:

- ``INFO/OLD_REC=CHR|POS|REF|ALT|IDX`` naming the FreeBayes record and the original ALT(s) whose
  alignment contains the primitive, exactly as ``bcftools norm --old-rec-tag`` writes it (SCREEN's
  cis/trans rule reads it); those records must not pass through ``norm --atomize --old-rec-tag``
  again, which would overwrite it (it does with an existing tag), so they are written to a separate
  file and joined after the atomising step;
- each sample's GT with every allele index mapped to 1 when that ALT contains the primitive, else
  0 (``1/2`` gives ``1/0`` for a primitive of ALT 1 only, ``1/1`` for one both ALTs share), as
  bcftools does for its pieces once ``*`` records are dropped;
- the INFO and FORMAT fields that do not depend on the alleles (``Number`` other than ``A``,
  ``R``, ``G``); per-allele fields (``AD``, ``AO``, ``GL``, ``AF``, ``CIGAR``, ...) are dropped, as
  their values describe the original alleles.

A record that needs an alignment but has none usable (no ``INFO/CIGAR``, or one that does not
span its REF and ALT) is passed on unchanged and flagged ``INFO/UNALIGNED_COMPLEX``; its pieces
keep the flag, and SCREEN reports a piece without a frequency ``not_matchable`` rather than
``novel``. Every other record is passed on unchanged.

Text in, text out (standard library only: BCFTOOLS_NORM runs it in the tools image).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, TextIO, Tuple

from .vcf_text import VcfTextReader, info_value, split_gt

OLD_REC_HEADER = ('##INFO=<ID=OLD_REC,Number=1,Type=String,Description="Original variant. Format: '
                  'CHR|POS|REF|ALT|USED_ALT_IDX">')
UNALIGNED_TAG = "UNALIGNED_COMPLEX"
UNALIGNED_HEADER = (f'##INFO=<ID={UNALIGNED_TAG},Number=0,Type=Flag,Description="A complex allele with an indel '
                    'that had no usable alignment (INFO/CIGAR), so bcftools norm --atomize split it base by base: '
                    'its pieces may not be the SNVs/indels a population database lists (hlhscreen)">')
PER_ALLELE_NUMBERS = frozenset({"A", "R", "G"})
_CIGAR_OP = re.compile(r"(\d+)([MIDX=])")

Primitive = Tuple[int, str, str]  # (POS, REF, ALT) of one SNV, insertion, deletion or delins


@dataclass
class DecomposeCounts:
    """What the step did (printed to the task log)."""

    records_in: int = 0
    records_decomposed: int = 0
    primitives_out: int = 0
    records_unaligned: int = 0  # needed an alignment, had none usable: flagged, left to bcftools


def pure_indel(ref: str, alt: str) -> bool:
    """REF and ALT differ by one inserted or deleted stretch once shared last and first bases are
    trimmed (``ACACACG>ACACG``): bcftools atomises and left-aligns it correctly."""
    end = 0
    while end < min(len(ref), len(alt)) and ref[-1 - end] == alt[-1 - end]:
        end += 1
    ref, alt = ref[:len(ref) - end], alt[:len(alt) - end]
    start = 0
    while start < min(len(ref), len(alt)) and ref[start] == alt[start]:
        start += 1
    return (len(ref) == start) != (len(alt) == start)


def parse_cigar(cigar: str) -> Optional[List[Tuple[int, str]]]:
    """``4M1D7M1I41M`` -> [(4, 'M'), (1, 'D'), ...]; None when the text is not a CIGAR."""
    ops = [(int(n), op) for n, op in _CIGAR_OP.findall(cigar)]
    if not ops or "".join(f"{n}{op}" for n, op in ops) != cigar or any(n == 0 for n, _ in ops):
        return None
    return ops


def has_gap(cigar: Optional[List[Tuple[int, str]]]) -> bool:
    return cigar is not None and any(op in "ID" for _, op in cigar)


def fits(cigar: Optional[List[Tuple[int, str]]], ref: str, alt: str) -> bool:
    """The CIGAR spans REF and ALT exactly."""
    if cigar is None:
        return False
    ref_length = sum(n for n, op in cigar if op in "M=XD")
    alt_length = sum(n for n, op in cigar if op in "M=XI")
    return ref_length == len(ref) and alt_length == len(alt)


def primitives(pos: int, ref: str, alt: str, cigar: Sequence[Tuple[int, str]]) -> Optional[List[Primitive]]:
    """The SNVs and indels of one ALT along its alignment to REF, or None when the CIGAR does not
    span REF and ALT exactly. A deletion directly followed by an insertion (or the reverse) is one
    delins: as two records the insertion would be anchored on a deleted base."""
    out: List[Primitive] = []
    r = a = 0
    gap_ref, gap_alt, gap_at = "", "", -1  # a pending run of D/I ops starting at REF offset gap_at

    def flush() -> None:
        nonlocal gap_ref, gap_alt, gap_at
        if gap_at < 0:
            return
        g_ref, g_alt, at = gap_ref, gap_alt, gap_at
        gap_ref, gap_alt, gap_at = "", "", -1
        # a deletion next to an insertion: the bases they share are unchanged
        while g_ref and g_alt and g_ref[-1] == g_alt[-1]:
            g_ref, g_alt = g_ref[:-1], g_alt[:-1]
        while g_ref and g_alt and g_ref[0] == g_alt[0]:
            g_ref, g_alt, at = g_ref[1:], g_alt[1:], at + 1
        if len(g_ref) == len(g_alt):  # substitutions (or no change at all)
            out.extend((pos + at + k, g_ref[k], g_alt[k]) for k in range(len(g_ref)) if g_ref[k] != g_alt[k])
        elif at > 0:  # anchored on the base before the gap
            anchor = ref[at - 1]
            out.append((pos + at - 1, anchor + g_ref, anchor + g_alt))
        else:  # at the start of the allele: anchored on the base after it (norm -f re-anchors)
            anchor = ref[len(g_ref)]
            out.append((pos, g_ref + anchor, g_alt + anchor))

    for n, op in cigar:
        if op in "M=X":
            if r + n > len(ref) or a + n > len(alt):
                return None
            flush()
            out.extend((pos + r + k, ref[r + k], alt[a + k]) for k in range(n) if ref[r + k] != alt[a + k])
            r += n
            a += n
        elif op == "D":
            if r + n > len(ref):
                return None
            gap_at = r if gap_at < 0 else gap_at
            gap_ref += ref[r:r + n]
            r += n
        else:  # I
            if a + n > len(alt):
                return None
            gap_at = r if gap_at < 0 else gap_at
            gap_alt += alt[a:a + n]
            a += n
    if r != len(ref) or a != len(alt):
        return None
    if gap_at == 0 and r == len(gap_ref):  # the whole REF is one gap: nothing to anchor on
        return None
    flush()
    return out


class _Header:
    """The ``Number`` of every INFO and FORMAT field the header declares."""

    def __init__(self) -> None:
        self.info: Dict[str, str] = {}
        self.format: Dict[str, str] = {}

    def read(self, line: str) -> None:
        for prefix, table in (("##INFO=<", self.info), ("##FORMAT=<", self.format)):
            if line.startswith(prefix):
                found_id = re.search(r"[<,]ID=([^,>]+)", line)
                number = re.search(r",Number=([^,>]+)", line)
                if found_id:
                    table[found_id.group(1)] = number.group(1) if number else "."

    def per_allele_info(self, key: str) -> bool:
        return self.info.get(key) in PER_ALLELE_NUMBERS

    def per_allele_format(self, key: str) -> bool:
        return self.format.get(key) in PER_ALLELE_NUMBERS


def _gt_for(gt: str, alts: frozenset) -> str:
    """A sample's GT for a primitive: allele k -> 1 when ALT k contains it, else 0; '.' stays."""
    alleles, _ = split_gt(gt)
    separator = "|" if "|" in gt and "/" not in gt else "/"
    mapped = []
    for allele in alleles:
        if allele in (".", ""):
            mapped.append(".")
        elif allele.isdigit():
            mapped.append("1" if int(allele) in alts else "0")
        else:
            mapped.append(allele)
    return separator.join(mapped)


def decompose_record(fields: List[str], header: _Header) -> Tuple[Optional[List[List[str]]], bool]:
    """(primitive records, unaligned) for one record: (None, False) when it is left to bcftools
    as it is; (None, True) when it needed an alignment and had none usable."""
    ref, alts = fields[3], fields[4].split(",")
    cigar_text = info_value(fields[7], "CIGAR")
    cigars = cigar_text.split(",") if cigar_text else []
    parsed = [parse_cigar(c) for c in cigars] if len(cigars) == len(alts) else [None] * len(alts)
    parsed = [cig if fits(cig, ref, alt) else None for cig, alt in zip(parsed, alts)]
    symbolic = any(not re.fullmatch(r"[ACGTNacgtn]+", a) for a in alts) or not re.fullmatch(r"[ACGTNacgtn]+", ref)
    if symbolic:
        return None, False
    # an allele bcftools gets wrong: a gap in its alignment, and not one indel once trimmed. Without an
    # alignment, an allele whose length changes and is not one indel is one too.
    needs = [not pure_indel(ref, alt) and (has_gap(cig) or (cig is None and len(ref) != len(alt)))
             for alt, cig in zip(alts, parsed)]
    if not any(needs):
        return None, False
    pieces_by_alt: List[List[Primitive]] = []
    for alt, cig in zip(alts, parsed):
        found = primitives(int(fields[1]), ref, alt, cig) if cig is not None else None
        if found is None:
            return None, True
        pieces_by_alt.append(found)
    owners: Dict[Primitive, List[int]] = {}
    for index, pieces in enumerate(pieces_by_alt, start=1):
        for piece in pieces:
            owners.setdefault(piece, []).append(index)
    old_rec = "|".join((fields[0], fields[1], ref, fields[4]))
    info = [part for part in fields[7].split(";")
            if part and part != "." and not header.per_allele_info(part.split("=", 1)[0])
            and part.split("=", 1)[0] not in ("OLD_REC", UNALIGNED_TAG)]
    records = []
    fmt = fields[8].split(":") if len(fields) > 8 else []
    keep = [i for i, key in enumerate(fmt) if key == "GT" or not header.per_allele_format(key)]
    gt_index = fmt.index("GT") if "GT" in fmt else None
    for (piece_pos, piece_ref, piece_alt), indexes in sorted(owners.items(), key=lambda item: (item[0][0], item[0])):
        own = frozenset(indexes)
        piece_info = ";".join(info + [f"OLD_REC={old_rec}|{','.join(map(str, indexes))}"])
        record = [fields[0], str(piece_pos), ".", piece_ref, piece_alt, fields[5], fields[6], piece_info]
        if fmt:
            record.append(":".join(fmt[i] for i in keep))
            for column in fields[9:]:
                values = column.split(":")
                if gt_index is not None and gt_index < len(values):
                    values[gt_index] = _gt_for(values[gt_index], own)
                record.append(":".join(values[i] if i < len(values) else "." for i in keep))
        records.append(record)
    return records, False


def decompose(source: Iterable[str], out: TextIO, decomposed: TextIO, path: str = "-") -> DecomposeCounts:
    """Copy a VCF from ``source`` to ``out``, except that records this module decomposes go, as
    their primitives (unsorted), to ``decomposed`` (body lines only: join them under ``out``'s
    header after the atomising step). ``out``'s header gains OLD_REC and UNALIGNED_COMPLEX."""
    counts = DecomposeCounts()
    header = _Header()
    reader = VcfTextReader(source, path)
    for line in reader.header_lines():
        if line.startswith(("##INFO=<", "##FORMAT=<")):
            header.read(line)
        out.write(line)
    for tag, text in (("OLD_REC", OLD_REC_HEADER), (UNALIGNED_TAG, UNALIGNED_HEADER)):
        if tag not in header.info:
            out.write(text + "\n")
    out.write(reader.columns_line)
    for record in reader.records():
        fields = record.fields
        counts.records_in += 1
        pieces, unaligned = decompose_record(fields, header)
        if pieces is not None:
            counts.records_decomposed += 1
            counts.primitives_out += len(pieces)
            for piece in pieces:
                decomposed.write("\t".join(piece) + "\n")
            continue
        line = record.line
        if unaligned:
            counts.records_unaligned += 1
            fields[7] = UNALIGNED_TAG if fields[7] in (".", "") else f"{fields[7]};{UNALIGNED_TAG}"
            line = "\t".join(fields) + "\n"
        out.write(line if line.endswith("\n") else line + "\n")
    return counts


def describe(counts: DecomposeCounts) -> str:
    """One line for the task log."""
    return (f"complex alleles: {counts.records_in} records in; {counts.records_decomposed} complex record(s) with "
            f"an indel decomposed along their INFO/CIGAR into {counts.primitives_out} SNV/indel record(s); "
            f"{counts.records_unaligned} record(s) without a usable alignment left to bcftools and flagged "
            f"{UNALIGNED_TAG}")
