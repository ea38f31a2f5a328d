"""Verify a pair of gzipped FASTQ files before alignment: a damaged pair must fail, never shrink.

bwa reads a truncated gzip up to the damage, loses mate sync on a broken record, and pairs reads of
two different samples without a word; FastQC exits 0 on a file it could not read. Each of those
ends in a BAM with fewer reads (or none) and a run that looks finished. This check reads both files
to the end, in step, and stops at the first problem with the file and the read number:

- gzip integrity: the whole stream decompresses (a cut-short file or a CRC error is caught);
- FASTQ records: ``@`` header with a read name, sequence, ``+`` line, quality of the sequence's length; sequence
  letters (IUPAC, ``.``), quality characters ``!``..``~``; no record cut in the middle;
- the pair: the same number of reads in R1 and R2, and read *n* of R2 is the mate of read *n* of
  R1 (same name once ``/1``, ``/2`` and the comment after the first space are dropped); R2 not a
  copy of R1 (same bases and qualities);
- qualities Phred+33, not offset 64 (Illumina 1.3-1.7 Phred+64, Solexa+64 before 1.3; judged on the first batch
  of each file, naming a read that shows it);
- reads long enough to align: a file whose first batch holds no read of ``MIN_ALIGNABLE`` bases is an
  index (I1/I2) or UMI read file given as R1 or R2 (or reads trimmed to nothing);
- a gzip file: a plain, bzip2, zstd or xz FASTQ is named as such.

Fast enough to run on every lane: records are checked in batches with byte-level operations
(``bytes.translate``), not character by character.
"""

from __future__ import annotations

import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Optional, Tuple, Union

from .errors import UserInputError
from .files import GZIP_MAGIC

PathLike = Union[str, os.PathLike]

BATCH_READS = 20_000
_BLOCK = 1 << 22
_SEQUENCE_LETTERS = b"ACGTNURYSWKMBDHVacgtnuryswkmbdhv."
_QUALITY_CHARS = bytes(range(33, 127))
# bwa mem's minimum seed length (-k 19): a shorter read cannot be aligned at all
MIN_ALIGNABLE = 19
# quality encodings (_refuse_offset64): no offset-64 file holds a character below ';' (Solexa -5). Illumina 1.8+
# Phred+33 writes at most 'J' (Q41), but Element AVITI (bases2fastq: up to Q56, 'Y') and other newer instruments
# write Phred+33 up to the mid-50s, so only a character above ']' (Phred+33 Q60, which no base caller writes;
# Phred+64 Q29, which most bases of an offset-64 lane exceed) is offset-64 data; fewer qualities are not judged
_PHRED33_ONLY_BELOW = ord(";")
_HIGHEST_PHRED33 = ord("]")
_MIN_QUALITIES_JUDGED = 1000
# the first bytes of the compressed files a FASTQ is found in besides gzip (and of an uncompressed one)
_OTHER_FORMATS = ((b"BZh", "bzip2-compressed (.bz2)", "bzcat"),
                  (b"\x28\xb5\x2f\xfd", "zstd-compressed (.zst)", "zstdcat"),
                  (b"\xfd7zXZ\x00", "xz-compressed (.xz)", "xzcat"),
                  (b"@", "a plain (uncompressed) FASTQ", "cat"))
# CASAVA 1.8+ comment after the name '<read>:<is filtered>:<control>:<index>' (the index may be missing):
# Y = failed the chastity filter, N = passed; one match per header line of the joined headers
_FILTER_FLAG = re.compile(rb"^@\S*[ \t]+\d+:([YN]):\d+(?=[:\s]|$)", re.MULTILINE)


@dataclass(frozen=True)
class PairSummary:
    reads: int          # read pairs
    bases_r1: int
    bases_r2: int
    # pairs whose R1 header says Illumina's chastity filter failed them (1:Y:); None: not assessed, some R1
    # header carries no filter flag (SRA/ENA names, names stripped of their comment): 0 would claim none failed
    failed_filter: Optional[int] = 0


def not_gzip(start: bytes) -> Optional[Tuple[str, str]]:
    """Why a file whose first bytes are ``start`` is not a gzip file and the command that turns it into one
    (problem, fix); None for a gzip (or BGZF) file."""
    if start.startswith(GZIP_MAGIC):
        return None
    if not start:
        return "the file is empty (0 bytes), not a gzip file", "Copy it again from its source."
    for magic, what, reader in _OTHER_FORMATS:
        if start.startswith(magic):
            return f"the file is {what}, not gzip-compressed", f"Recompress it: {reader} in | gzip > out.fastq.gz."
    return f"the file is not gzip-compressed (it starts with {start[:4]!r})", "Give the gzipped FASTQ (.fastq.gz)."


def _refuse_not_gzip(path: Path) -> None:
    with open(path, "rb") as handle:
        start = handle.read(6)
    why = not_gzip(start)
    if why is not None:
        raise UserInputError(path, None, "gzip", *why)


class _GzipCutShort(Exception):
    """The gzip stream ends before its end-of-member marker."""


def _inflate(path: Path) -> Iterator[bytes]:
    """Decompressed chunks (at most ``_BLOCK`` bytes each) of a (multi-member) gzip file. Unlike the
    gzip module, every byte before a cut or a damaged block is handed out first, so the error can
    name the last complete read."""
    with open(path, "rb") as raw:
        inflater = zlib.decompressobj(31)
        in_member = False
        while True:
            data = raw.read(_BLOCK)
            if not data:
                if in_member:
                    raise _GzipCutShort()
                return
            while data or in_member:
                in_member = True
                # bounded output: a highly compressed block cannot fill memory
                out = inflater.decompress(data, _BLOCK)
                if out:
                    yield out
                if inflater.eof:  # end of a gzip member; another may follow
                    data = inflater.unused_data
                    inflater = zlib.decompressobj(31)
                    in_member = False
                    continue
                data = inflater.unconsumed_tail
                if not data and len(out) < _BLOCK:
                    break  # all input used and nothing held back: read more


class _Reader:
    """Batches of whole records (4 lines each) from a gzipped FASTQ, with gzip errors named."""

    def __init__(self, path: PathLike, mate: str) -> None:
        self.path = Path(path)
        self.mate = mate
        self.records_done = 0       # records handed out so far
        self._pending: List[bytes] = []
        self._tail = b""
        self._eof = False
        self._chunks = _inflate(self.path)

    def close(self) -> None:
        self._chunks.close()

    def _complete_reads(self) -> int:
        return self.records_done + len(self._pending) // 4

    def _read_block(self) -> bytes:
        try:
            return next(self._chunks, b"")
        except _GzipCutShort:
            raise UserInputError(self.path, None, "gzip",
                                 f"the file is cut short: the gzip stream ends early, after read "
                                 f"{self._complete_reads()} (the reads after it are lost)",
                                 "The copy or download is incomplete: copy the file again and compare its size or "
                                 "checksum with the source (gzip -t tests it).") from None
        except zlib.error as err:
            raise UserInputError(self.path, None, "gzip",
                                 f"the gzip data is damaged ({err}) after read {self._complete_reads()}",
                                 "Copy the file again from its source (gzip -t tests it).") from None

    def batch(self, size: int) -> List[bytes]:
        """The next ``size`` records as a flat list of lines (fewer at the end of the file)."""
        want = 4 * size
        while len(self._pending) < want and not self._eof:
            block = self._read_block()
            if not block:
                self._eof = True
                if self._tail:
                    self._pending.append(self._tail)
                    self._tail = b""
                break
            lines = (self._tail + block).split(b"\n")
            self._tail = lines.pop()
            self._pending.extend(lines)
        if self._eof:
            # blank lines after the last record are harmless; a last record of a read trimmed to
            # length 0 ends in an empty sequence and quality line, which stay (whole records)
            while self._pending and not self._pending[-1].strip() and not self._ends_in_record():
                self._pending.pop()
            want = min(want, len(self._pending) - len(self._pending) % 4)  # a cut record stays for finish()
        lines, self._pending = self._pending[:want], self._pending[want:]
        self.records_done += len(lines) // 4
        return lines

    def _ends_in_record(self) -> bool:
        """The pending lines end in a whole record (``@`` header, ``+`` line), e.g. an empty read."""
        p = self._pending
        return len(p) >= 4 and len(p) % 4 == 0 and p[-4][:1] == b"@" and p[-2][:1] == b"+"

    def finish(self) -> None:
        """At the end of the file: a record cut in the middle is an error (the whole records came first,
        so a file that is not FASTQ at all is named as such)."""
        if self._eof and self._pending:
            number = self.records_done + 1
            raise UserInputError(self.path, 4 * (number - 1) + 1, f"read {number}",
                                 f"the file ends in the middle of read {number} ({len(self._pending)} of its 4 lines)",
                                 "The file is incomplete or was cut: copy it again from its source.")


def _mate_name(header: bytes) -> bytes:
    name = header[1:].split(None, 1)[0] if len(header) > 1 else b""
    if name.endswith((b"/1", b"/2")):
        name = name[:-2]
    return name


def _not_mates(r1: _Reader, r2: _Reader, number: int, name_1: bytes, name_2: bytes) -> UserInputError:
    shown_1, shown_2 = name_1.decode(errors="replace"), name_2.decode(errors="replace")
    problem = f"read name {shown_2!r} is not the mate of R1's {shown_1!r} ({r1.path.name})"
    if name_1.endswith(b".1") and name_2.endswith(b".2") and name_1[:-2] == name_2[:-2]:
        # fastq-dump --readids: bwa stops at the first such pair ("paired reads have different names")
        return UserInputError(r2.path, 4 * (number - 1) + 1, f"read {number}",
                              problem + ": the names end in the SRA read number (.1/.2, written by fastq-dump "
                              "--readids), which bwa does not strip",
                              "Download the run again without --readids (fasterq-dump writes the same name in both "
                              "files), or drop the suffix: zcat in.fastq.gz | sed '1~4s/^\\(@[^ ]*\\)\\.[12]\\b/\\1/' "
                              "| gzip > out.fastq.gz.")
    return UserInputError(r2.path, 4 * (number - 1) + 1, f"read {number}", problem,
                          "R1 and R2 must be the two files of the same lane of the same sample, in the same order: "
                          "check the samplesheet row.")


def _check_records(reader: _Reader, lines: List[bytes], first: int) -> int:
    """Check a batch of records; ``first`` is the 1-based number of its first read. Returns its bases."""
    headers, seqs, plus, quals = lines[0::4], lines[1::4], lines[2::4], lines[3::4]

    def fail(index: int, offset: int, field: str, problem: str, fix: str) -> UserInputError:
        number = first + index
        return UserInputError(reader.path, 4 * (number - 1) + offset + 1, f"read {number}", problem, fix)

    if not all(h[:1] == b"@" for h in headers):
        index = next(i for i, h in enumerate(headers) if h[:1] != b"@")
        shown = headers[index][:40].decode(errors="replace")
        what = "not a FASTQ file" if first + index == 1 else "the records are out of step (a line is missing or extra)"
        raise fail(index, 0, "header", f"the header line does not start with '@' ({shown!r}): {what}",
                   "Give the gzipped FASTQ as it came from the sequencer, unmodified.")
    if not all(h[1:2] not in (b"", b" ", b"\t") for h in headers):
        # bwa writes the read with an empty QNAME, which samtools refuses: the alignment task fails late
        index = next(i for i, h in enumerate(headers) if h[1:2] in (b"", b" ", b"\t"))
        raise fail(index, 0, "header", "the header line holds no read name (nothing right after '@')",
                   "Give the FASTQ as it came from the sequencer or demultiplexer: every read needs a name, the "
                   "same in R1 and R2.")
    if not all(p[:1] == b"+" for p in plus):
        index = next(i for i, p in enumerate(plus) if p[:1] != b"+")
        raise fail(index, 2, "separator", "the third line of the record is not '+': the records are out of step "
                   "(a line is missing or extra)", "Give the FASTQ as it came from the sequencer, unmodified.")
    if any(len(s) != len(q) for s, q in zip(seqs, quals)):
        index = next(i for i, (s, q) in enumerate(zip(seqs, quals)) if len(s) != len(q))
        raise fail(index, 3, "quality", f"{len(quals[index])} quality characters for {len(seqs[index])} bases",
                   "The record is damaged: copy the file again from its source.")
    joined_seq = b"".join(seqs)
    if joined_seq.translate(None, _SEQUENCE_LETTERS):
        index = next(i for i, s in enumerate(seqs) if s.translate(None, _SEQUENCE_LETTERS))
        bad = seqs[index].translate(None, _SEQUENCE_LETTERS)[:1]
        if bad == b"\r":
            raise fail(index, 1, "sequence", "the line ends in a carriage return (Windows line endings)",
                       "Convert the file to Unix line endings (zcat in.fastq.gz | tr -d '\\r' | gzip > out.fastq.gz).")
        raise fail(index, 1, "sequence", f"the sequence holds {bad.decode(errors='replace')!r}, not a base letter",
                   "The record is damaged: copy the file again from its source.")
    if b"".join(quals).translate(None, _QUALITY_CHARS):
        index = next(i for i, q in enumerate(quals) if q.translate(None, _QUALITY_CHARS))
        raise fail(index, 3, "quality", "the quality line holds characters outside '!'..'~' (Phred+33)",
                   "The record is damaged: copy the file again from its source.")
    return len(joined_seq)


def _refuse_same_reads(r1: _Reader, r2: _Reader, lines_1: List[bytes], lines_2: List[bytes]) -> None:
    """R2 that repeats R1 base for base (one file copied, or listed twice under two names): the names
    pair, so the mate check passes, and bwa would align every read against itself as its own mate.
    The two reads of a real pair never agree in sequence and quality over a whole batch."""
    n = min(len(lines_1), len(lines_2)) // 4
    if n and all(lines_1[4 * i + 1] == lines_2[4 * i + 1] and lines_1[4 * i + 3] == lines_2[4 * i + 3]
                 for i in range(n)):
        raise UserInputError(r2.path, None, "reads",
                             f"R2 holds the same reads as R1 ({r1.path.name}): its first {n} reads repeat R1's "
                             "sequences and qualities exactly",
                             "Give the lane's R2 file (the same file, or a copy of it, was given as R1 and R2): "
                             "check the samplesheet row.")


def _refuse_short_reads(reader: _Reader, lines: List[bytes]) -> None:
    """An index read (I1/I2, 6-12 bases) or a UMI read file given as R1 or R2: its names pair with the
    other file's and the counts agree, so bwa aligns the pairs with one mate that cannot align and the
    lane silently becomes single-end. No exome lane has a whole batch of reads shorter than bwa's seed."""
    longest = max((len(s) for s in lines[1::4]), default=0)
    if lines and longest < MIN_ALIGNABLE:
        what = "no bases at all" if longest == 0 else f"at most {longest} bases (the length of an index or UMI read)"
        raise UserInputError(reader.path, None, "reads",
                             f"the first {len(lines) // 4} reads of {reader.mate} hold {what}: bwa mem cannot align "
                             f"a read shorter than {MIN_ALIGNABLE} bases, so the lane would be aligned as "
                             "single-end",
                             "Give the lane's two read files (..._R1_001 and ..._R2_001), not its index files "
                             "(..._I1_001, ..._I2_001); with a UMI read in a file of its own (R1, R2=UMI, R3), give "
                             "R1 and R3: check the samplesheet row.")


def _offset64_encoding(qualities: bytes) -> Optional[str]:
    """``"Solexa+64"`` or ``"Phred+64"`` when the quality characters of the reads scanned show ASCII offset 64,
    else None (Phred+33, or too few to judge):

    - a character below ``;`` proves Phred+33: no offset-64 encoding writes one (Phred+64's lowest is ``@``, Q0;
      Solexa+64's ``;``, Solexa -5). Real Phred+33 lanes have them (N bases ``#``, read ends; NovaSeq's bins
      ``#`` ``,`` ``:``);
    - otherwise a character above ``]`` (Phred+33 Q60: Illumina 1.8+ writes at most ``J``, Q41, Element AVITI up to
      ``Y``, Q56; as Phred+64 it is Q29, and most bases of an offset-64 lane are higher) means offset 64;
      one in ``;``..``?`` (a negative score) makes it Solexa+64 (Illumina before 1.3), else Phred+64 (1.3-1.7).

    All-high-quality Phred+33 reads (only ``F``, up to ``J``, or AVITI's Q30-Q56 ``?``..``Y``) pass: nothing above
    ``]``. An offset-64 lane whose first batch holds no quality above Phred+64 Q29 passes too (none is known)."""
    if len(qualities) < _MIN_QUALITIES_JUDGED or min(qualities) < _PHRED33_ONLY_BELOW or max(qualities) <= _HIGHEST_PHRED33:
        return None
    return "Solexa+64" if min(qualities) < ord("@") else "Phred+64"


_OFFSET64_TEXT = {
    "Solexa+64": ("Solexa+64 (Illumina before 1.3: {low!r} is a negative Solexa score)",
                  "Convert both files to Phred+33 with a converter that knows Solexa scores, e.g. Biopython: zcat "
                  "in.fastq.gz > in.fastq; python3 -c \"from Bio import SeqIO; SeqIO.convert('in.fastq', 'fastq-solexa', "
                  "'out.fastq', 'fastq')\"; gzip out.fastq (a plain shift, seqtk seq -Q64 -V, turns negative scores "
                  "into characters below '!')."),
    "Phred+64": ("Phred+64 (Illumina 1.3-1.7, or Solexa+64 without a negative score; lowest {low!r})",
                 "Convert both files to Phred+33 first: seqtk seq -Q64 -V in.fastq.gz | gzip > out.fastq.gz (or "
                 "reformat.sh in=in.fastq.gz out=out.fastq.gz qin=64 qout=33)."),
}


def _refuse_offset64(reader: _Reader, lines: List[bytes]) -> None:
    """Qualities written with ASCII offset 64 (:func:`_offset64_encoding`) are read by bwa and FreeBayes as
    Phred+33, 31 points too high: every base looks near-certain. Judged on the first batch of each file (each
    file converted or not by itself); the error names the first read with a character above ``]``."""
    quals = lines[3::4]
    qualities = b"".join(quals)
    encoding = _offset64_encoding(qualities)
    if encoding is None:
        return
    index = next(i for i, q in enumerate(quals) if max(q, default=0) > _HIGHEST_PHRED33)
    number = reader.records_done - len(quals) + index + 1
    what, fix = _OFFSET64_TEXT[encoding]
    raise UserInputError(reader.path, 4 * number, f"read {number}",
                         f"the qualities are {what.format(low=chr(min(qualities)))}: no character below ';' in the "
                         f"first {len(quals)} reads (Phred+33 lanes have them: N bases, read ends), and read {number} "
                         f"has {chr(max(quals[index]))!r}, above the ']' (Q60) of any Phred+33 base caller (Illumina 1.8+: 'J', "
                         "Q41; Element AVITI: 'Y', Q56); bwa and FreeBayes would read every quality 31 points too high",
                         fix)


def _filter_flags(lines: List[bytes]) -> Tuple[int, int]:
    """(reads whose header carries Illumina's filter flag, reads flagged as failing it). Failing reads
    (bcl2fastq --with-failed-reads keeps them) are valid reads that bwa aligns and the caller uses like
    any other, so they are counted for the QC table."""
    flags = _FILTER_FLAG.findall(b"\n".join(lines[0::4]))
    return len(flags), flags.count(b"Y")


def check_pair(fastq_1: PathLike, fastq_2: PathLike, batch_reads: int = BATCH_READS) -> PairSummary:
    """Read both files to the end in step; raise UserInputError at the first problem."""
    for path in (fastq_1, fastq_2):
        _refuse_not_gzip(Path(path))
    r1, r2 = _Reader(fastq_1, "R1"), _Reader(fastq_2, "R2")
    reads = bases_1 = bases_2 = failed = flagged = 0
    try:
        while True:
            lines_1, lines_2 = r1.batch(batch_reads), r2.batch(batch_reads)
            first = reads + 1
            if lines_1:
                bases_1 += _check_records(r1, lines_1, first)
                with_flag, failing = _filter_flags(lines_1)
                flagged, failed = flagged + with_flag, failed + failing
            if lines_2:
                bases_2 += _check_records(r2, lines_2, first)
            # names first: R2 of another sample shows as a name mismatch at read 1, not as a count
            for index, (h1, h2) in enumerate(zip(lines_1[0::4], lines_2[0::4])):
                if _mate_name(h1) != _mate_name(h2):
                    raise _not_mates(r1, r2, first + index, _mate_name(h1), _mate_name(h2))
            if first == 1:
                for reader, lines in ((r1, lines_1), (r2, lines_2)):
                    _refuse_short_reads(reader, lines)
                    _refuse_offset64(reader, lines)
                _refuse_same_reads(r1, r2, lines_1, lines_2)
            n1, n2 = len(lines_1) // 4, len(lines_2) // 4
            if n1 != n2 or n1 < batch_reads:
                r1.finish()
                r2.finish()
            if n1 != n2:
                short, long_, n_short = (r2, r1, n2) if n2 < n1 else (r1, r2, n1)
                total_short = reads + n_short
                raise UserInputError(short.path, None, "reads",
                                     f"{short.mate} ends after {total_short} reads but {long_.mate} ({long_.path.name}) "
                                     f"goes on: read {total_short + 1} of {long_.mate} has no mate",
                                     "R1 and R2 must hold the same reads in the same order: one of them is "
                                     "incomplete, or they come from different runs; copy both again.")
            reads += n1
            if n1 < batch_reads:
                break
    finally:
        r1.close()
        r2.close()
    if reads == 0:
        raise UserInputError(fastq_1, None, "reads", "the FASTQ files hold no reads",
                             "Give the FASTQ files of the lane (an empty file usually means a failed copy or demultiplexing).")
    return PairSummary(reads, bases_1, bases_2, failed if flagged == reads else None)


def summary_tsv(sample: str, lane: str, fastq_1: PathLike, fastq_2: PathLike, summary: PairSummary) -> str:
    return ("sample\tlane\tfastq_1\tfastq_2\tread_pairs\tbases_r1\tbases_r2\tpairs_failed_filter\n"
            f"{sample}\t{lane}\t{Path(fastq_1).name}\t{Path(fastq_2).name}\t{summary.reads}\t"
            f"{summary.bases_r1}\t{summary.bases_r2}\t{'NA' if summary.failed_filter is None else summary.failed_filter}\n")
