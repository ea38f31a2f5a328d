"""Merge exact duplicate alleles of a normalised multi-sample VCF (the last step of BCFTOOLS_NORM).

After atomising and splitting, one allele (CHROM, POS, REF, ALT) can come out of two records: a
FreeBayes MNP/complex record and an SNV FreeBayes also called on its own (another calling chunk,
another haplotype window), or two overlapping chunks. ``bcftools norm -d exact`` keeps the first
record and drops the other's genotypes: a sample called only in the second record would silently
become a non-carrier. ``bcftools norm -m +any`` instead adds the two calls up (0/1 and 0/1 -> 1/1),
which makes one het look homozygous. Here each sample's genotype is merged on its own
(docs/design.md, "Duplicate alleles"):

- the same number of ALT copies in every record that calls the sample (or only one call): that call;
- no ALT copy in some records, the same number in the others: the carrying call (a record whose
  haplotype alleles did not include this allele alone says nothing against it);
- different numbers of ALT copies (0/1 and 1/1): the genotype becomes missing, so the screen reports
  the sample ``not_assessable`` there instead of guessing;
- a half call naming the ALT (``./1``: one copy seen, the other allele not called) and otherwise only
  reference calls: the half call (SCREEN: not assessable), never the reference call, which says
  nothing against the copy seen; beside a fully called carrying call, that call;
- no call anywhere: the first record's column.

The merged record is the first one (the first split or atomised piece, if any), with QUAL the highest QUAL
of the records whose calls were used and INFO/DUP_CALLS = the number of records merged. Its OLD_REC (the FreeBayes record a piece
came from, which SCREEN reads for cis/trans) is kept only while it is true for every sample's call:
when calls come from records with different OLD_REC values it is removed (phase unknown).

Text in, text out (no htslib): the input must be sorted by position (``bcftools sort``); records
of one position need not be adjacent by allele.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, TextIO, Tuple

from .errors import UserInputError
from .vcf_text import RecordText, VcfTextReader, gt_names_alt, info_value, is_missing_allele, parse_old_rec, split_gt

DUP_TAG = "DUP_CALLS"
DUP_HEADER = (f'##INFO=<ID={DUP_TAG},Number=1,Type=Integer,Description="Number of records of this allele '
              'merged by hlhscreen (duplicate calls after atomising; per-sample genotypes merged, see '
              'docs/design.md)">')


@dataclass
class MergeCounts:
    """What the merge did (printed to the task log)."""

    records_in: int = 0
    records_out: int = 0
    alleles_merged: int = 0  # alleles that had more than one record
    calls_taken_from_later_records: int = 0  # samples whose call came from a record other than the first
    calls_set_missing: int = 0  # samples whose calls disagreed on the number of ALT copies
    old_rec_removed: int = 0


@dataclass
class _Record:
    fields: List[str]
    line: int

    @property
    def key(self) -> Tuple[str, str]:
        return self.fields[3], self.fields[4]


def alt_copies(gt: str) -> Optional[int]:
    """ALT copies in a GT text (``0/1`` -> 1, ``1|1`` -> 2, ``0`` -> 0); None when any allele is
    missing (``./.``, ``0/.``): not fully called."""
    alleles = split_gt(gt).alleles
    if any(is_missing_allele(a) for a in alleles):
        return None
    return sum(1 for a in alleles if a != "0")


def _missing_like(gt: str) -> str:
    """A missing genotype of the same ploidy (``0/1`` -> ``./.``)."""
    return "/".join(["."] * len(split_gt(gt).alleles))


def _column_in(fmt_from: List[str], fmt_to: List[str], column: str) -> str:
    """A sample column written under FORMAT ``fmt_from``, re-keyed to ``fmt_to`` (missing keys: ``.``)."""
    if fmt_from == fmt_to:
        return column
    values = dict(zip(fmt_from, column.split(":")))
    return ":".join(values.get(key, ".") for key in fmt_to)


def _info_without(info: str, tag: str) -> str:
    parts = [p for p in info.split(";") if p and p.split("=", 1)[0] != tag and p != "."]
    return ";".join(parts) or "."


def _is_piece(fields: Sequence[str], old_rec_tag: str) -> bool:
    """The record's OLD_REC names a record other than itself."""
    origin = info_value(fields[7], old_rec_tag)
    return origin is not None and not parse_old_rec(origin).names(fields[0], fields[1], fields[3], fields[4])


def _qual(text: str) -> Optional[float]:
    try:
        return float(text)
    except ValueError:
        return None


def merge_group(records: Sequence[_Record], path: str, counts: MergeCounts, old_rec_tag: str) -> List[str]:
    """One output record (as fields) from the records of one allele."""
    if len(records) == 1:
        return records[0].fields
    # the leading record gives INFO and the calls it agrees with: a split or atomised piece first (its
    # OLD_REC names another record; bcftools also tags records it only rewrote with themselves), so
    # that its provenance is kept where it holds for every call
    records = sorted(records, key=lambda r: not _is_piece(r.fields, old_rec_tag))
    first = records[0]
    counts.alleles_merged += 1
    out = list(first.fields)
    if len(out) < 10:  # no samples: nothing to merge
        out[7] = _info_add(out[7], f"{DUP_TAG}={len(records)}")
        return out
    fmt = out[8].split(":")
    if "GT" not in fmt:
        raise UserInputError(path, first.line, "FORMAT", f"{out[0]}:{out[1]} {out[3]}>{out[4]} appears in "
                             f"{len(records)} records without FORMAT/GT, so their genotypes cannot be merged",
                             "Give a VCF with genotypes (FORMAT starting with GT).")
    gt_index = fmt.index("GT")
    formats = []
    for record in records:
        record_fmt = record.fields[8].split(":") if len(record.fields) > 8 else []
        if "GT" not in record_fmt or len(record.fields) != len(out):
            raise UserInputError(path, record.line, "FORMAT", f"{out[0]}:{out[1]} {out[3]}>{out[4]}: this duplicate "
                                 "record has no GT or another number of samples than the first",
                                 "Normalise one joint-called VCF of all samples.")
        formats.append(record_fmt)
    used = {0}
    for s in range(9, len(out)):
        calls = []  # (record index, ALT copies or None, column)
        half_carrying = []  # half calls naming the ALT (./1): a copy seen, the count unknown
        for r, record in enumerate(records):
            column = record.fields[s]
            gt = column.split(":")[formats[r].index("GT")] if column else "."
            calls.append((r, alt_copies(gt), column))
            if calls[-1][1] is None and gt_names_alt(gt):
                half_carrying.append(calls[-1])
        called = [c for c in calls if c[1] is not None]
        carrying = {c[1] for c in called if c[1] > 0}
        if not carrying and half_carrying:
            called = half_carrying[:1]  # not a reference call: that record saw a copy
        if not called:
            continue  # the first record's column (all no-call)
        if len(carrying) > 1:
            values = out[s].split(":")
            values += ["."] * (len(fmt) - len(values))
            values[gt_index] = _missing_like(values[gt_index])
            out[s] = ":".join(values)
            counts.calls_set_missing += 1
            continue
        chosen = next(c for c in called if c[1] > 0) if carrying else called[0]
        if chosen[0] != 0:
            out[s] = _column_in(formats[chosen[0]], fmt, chosen[2])
            counts.calls_taken_from_later_records += 1
            used.add(chosen[0])
    quals = [q for q in (_qual(records[r].fields[5]) for r in sorted(used)) if q is not None]
    if quals:
        best = max(quals)
        out[5] = str(int(best)) if best.is_integer() else repr(best)
    info = out[7]
    origins = {info_value(records[r].fields[7], old_rec_tag) for r in used}
    if len(origins) > 1:
        info = _info_without(info, old_rec_tag)
        counts.old_rec_removed += 1
    out[7] = _info_add(info, f"{DUP_TAG}={len(records)}")
    return out


def _info_add(info: str, item: str) -> str:
    return item if info in (".", "") else f"{info};{item}"


def _groups(records: Iterable[RecordText], path: str) -> Iterator[List[_Record]]:
    """Records grouped by allele, one position at a time, in first-seen order."""
    chrom: Optional[str] = None
    pos = -1
    at_pos: Dict[Tuple[str, str], List[_Record]] = {}
    seen_chroms = set()
    for number, _, fields in records:
        try:
            record_pos = int(fields[1])
        except ValueError:
            raise UserInputError(path, number, "POS", f"{fields[1]!r} is not a position",
                                 "POS must be a whole number.") from None
        if fields[0] != chrom or record_pos != pos:
            if fields[0] != chrom:
                if fields[0] in seen_chroms:
                    raise UserInputError(path, number, "CHROM", f"contig {fields[0]} appears again after other contigs",
                                         "Sort the VCF first (bcftools sort).")
                seen_chroms.add(fields[0])
            elif record_pos < pos:
                raise UserInputError(path, number, "POS", f"{fields[0]}:{record_pos} comes after {chrom}:{pos}",
                                     "Sort the VCF first (bcftools sort).")
            yield from at_pos.values()
            at_pos = {}
            chrom, pos = fields[0], record_pos
        record = _Record(fields, number)
        at_pos.setdefault(record.key, []).append(record)
    yield from at_pos.values()


def merge_duplicates(source: TextIO, out: TextIO, path: str = "-", old_rec_tag: str = "OLD_REC") -> MergeCounts:
    """Copy a VCF from ``source`` to ``out`` with duplicate alleles merged (module docstring)."""
    counts = MergeCounts()
    reader = VcfTextReader(source, path)
    for line in reader.header_lines():
        if not line.startswith("##INFO=<ID=" + DUP_TAG + ","):  # a re-run's own header line: written again below
            out.write(line)
    out.write(DUP_HEADER + "\n")
    out.write(reader.columns_line)

    def counted(records: Iterable[RecordText]) -> Iterator[RecordText]:
        for record in records:
            counts.records_in += 1
            yield record

    for group in _groups(counted(reader.records()), path):
        out.write("\t".join(merge_group(group, path, counts, old_rec_tag)) + "\n")
        counts.records_out += 1
    return counts


def describe(counts: MergeCounts) -> str:
    """One line for the task log."""
    return (f"duplicate alleles: {counts.records_in} records in, {counts.records_out} out; "
            f"{counts.alleles_merged} allele(s) merged from several records; "
            f"{counts.calls_taken_from_later_records} sample call(s) taken from a later record; "
            f"{counts.calls_set_missing} sample call(s) set missing (the records disagree on the number of ALT "
            f"copies); OLD_REC removed from {counts.old_rec_removed} merged record(s) (calls from different "
            "original records)")
