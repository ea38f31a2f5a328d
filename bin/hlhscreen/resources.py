"""Checks of an external sites VCF (gnomAD) without htslib: bgzip, index, header, contigs with records.

Standard library only: the start-up check runs on the launch host. The rules:

- the file must be BGZF (bgzip), not plain gzip: tabix, bcftools and VEP read it by random access;
- it needs an index (``.tbi`` or ``.csi``) beside it;
- its header must declare the INFO field the annotation copies (``AF``);
- the contigs it has records on are read from the index (TBI: the names; CSI: the header's contig
  order and the bins of each), so a ``10``-vs-``chr10`` naming mismatch or a file of the wrong
  chromosomes is seen before anything runs.
"""

from __future__ import annotations

import gzip
import os
import re
import struct
import zlib
from dataclasses import dataclass, field as dataclass_field
from pathlib import Path
from typing import BinaryIO, Dict, Iterable, List, Optional, Tuple, Union

from .chromosomes import in_natural_order
from .errors import UserInputError
from .files import GZIP_MAGIC, is_gzipped

PathLike = Union[str, os.PathLike]

_INFO_ID = re.compile(r"^##INFO=<ID=([^,>]+)")
_CONTIG_ID = re.compile(r"^##contig=<ID=([^,>]+)")
_CONTIG_LENGTH = re.compile(r"[<,]length=(\d+)")


def is_bgzf(path: PathLike) -> bool:
    """True when the file starts with a BGZF block (gzip with the 'BC' extra subfield)."""
    with open(path, "rb") as handle:
        head = handle.read(18)
    return (len(head) == 18 and head.startswith(GZIP_MAGIC + b"\x08") and head[3] & 4 != 0
            and head[12:14] == b"BC")


def find_index(path: PathLike) -> Optional[Path]:
    """``<file>.tbi`` or ``<file>.csi``, whichever exists (tbi first)."""
    for suffix in (".tbi", ".csi"):
        candidate = Path(f"{path}{suffix}")
        if candidate.is_file():
            return candidate
    return None


@dataclass(frozen=True)
class VcfHeader:
    info: List[str]      # INFO ids, in header order
    contigs: List[str]   # ##contig ids, in header order
    first_chrom: Optional[str] = None  # CHROM of the first record (None: no records)
    contig_lengths: Dict[str, int] = dataclass_field(default_factory=dict)  # ##contig lengths, where given


def read_header(path: PathLike) -> VcfHeader:
    """INFO and contig ids of a (b)gzipped (or plain) VCF's header."""
    info: List[str] = []
    contigs: List[str] = []
    lengths: Dict[str, int] = {}
    try:
        opened = gzip.open(path, "rt", errors="replace") if is_gzipped(path) else open(path, "rt", errors="replace")
        with opened as handle:
            for number, line in enumerate(handle, start=1):
                if line.startswith("##"):
                    match = _INFO_ID.match(line)
                    if match:
                        info.append(match.group(1))
                    match = _CONTIG_ID.match(line)
                    if match:
                        contigs.append(match.group(1))
                        length = _CONTIG_LENGTH.search(line)
                        if length:
                            lengths[match.group(1)] = int(length.group(1))
                    continue
                if not line.startswith("#CHROM"):
                    raise UserInputError(path, number, "header", "no #CHROM line before the first record: not a VCF",
                                         "Give a VCF file (bgzipped, with its .tbi index).")
                record = handle.readline()
                first = record.split("\t", 1)[0].strip() if record.strip() else None
                return VcfHeader(info, contigs, first, lengths)
    except (OSError, EOFError) as err:
        raise UserInputError(path, None, "gzip", f"cannot be decompressed ({err})",
                             "Give an intact bgzipped VCF.") from None
    raise UserInputError(path, None, "header", "ends before the #CHROM line: not a VCF or cut short",
                         "Give an intact bgzipped VCF.")


# decompressed bytes of records read at start for the multi-allelic check: a few thousand gnomAD records
# (their INFO is long), read in well under a second; a file that was not split has such records every
# few dozen sites
MULTIALLELIC_SCAN_BYTES = 8 << 20


def first_multiallelic(path: PathLike, max_bytes: int = MULTIALLELIC_SCAN_BYTES) -> Optional[Tuple[int, str]]:
    """(line number, 'chrom:pos REF>ALT1,ALT2') of the first record with more than one ALT within the
    first ``max_bytes`` decompressed bytes, or None."""
    read = 0
    with gzip.open(path, "rt", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            read += len(line)
            if read > max_bytes:
                return None
            if line.startswith("#"):
                continue
            fields = line.split("\t", 5)
            if len(fields) > 4 and "," in fields[4]:
                return number, f"{fields[0]}:{fields[1]} {fields[3]}>{fields[4]}"
    return None


def _read_exact(handle: BinaryIO, size: int, path: PathLike) -> bytes:
    data = handle.read(size)
    if len(data) != size:
        raise UserInputError(path, None, "index", "the index is cut short", "Rebuild it: tabix -p vcf <file>.")
    return data


def _int32(handle: BinaryIO, path: PathLike) -> int:
    return struct.unpack("<i", _read_exact(handle, 4, path))[0]


def _names(blob: bytes) -> List[str]:
    return [name.decode(errors="replace") for name in blob.split(b"\0") if name]


def index_contigs(index: PathLike, header_contigs: Optional[List[str]] = None) -> List[str]:
    """Contigs that have records, from a tabix ``.tbi`` or a ``.csi`` index.

    A TBI names exactly the sequences with data. A CSI made by ``bcftools index`` holds no names: its
    references are the header's ``##contig`` lines in order, and one has records when it has bins."""
    try:
        with gzip.open(index, "rb") as handle:
            magic = _read_exact(handle, 4, index)
            if magic == b"TBI\x01":
                _int32(handle, index)                      # n_ref
                _read_exact(handle, 24, index)             # format, col_seq, col_beg, col_end, meta, skip
                return _names(_read_exact(handle, _int32(handle, index), index))
            if magic != b"CSI\x01":
                raise UserInputError(index, None, "index", "not a tabix (.tbi) or CSI (.csi) index",
                                     "Rebuild it: tabix -p vcf <file>.")
            _read_exact(handle, 8, index)                  # min_shift, depth
            aux = _read_exact(handle, _int32(handle, index), index)
            names = _names(aux[28:]) if len(aux) >= 28 else list(header_contigs or [])
            with_data = []
            for ref in range(_int32(handle, index)):
                n_bin = _int32(handle, index)
                for _ in range(n_bin):
                    _read_exact(handle, 12, index)         # bin, loffset
                    _read_exact(handle, 16 * _int32(handle, index), index)
                if n_bin and ref < len(names):
                    with_data.append(names[ref])
            return with_data
    except (OSError, EOFError) as err:
        raise UserInputError(index, None, "index", f"cannot be read ({err})",
                             "Rebuild it: tabix -p vcf <file>.") from None


def af_like_fields(info: List[str]) -> List[str]:
    """INFO ids that look like allele frequencies (for the message when ``AF`` itself is missing)."""
    return [name for name in info if name.upper().startswith("AF") or "_AF" in name.upper()][:8]


def require_indexed_bgzf(path: PathLike, field: str, copy_name: str, index_note: str = "") -> Path:
    """The index of a VCF read by position (given as ``field``, a parameter name): the file must exist, be
    bgzipped (not plain gzip) and have a ``.tbi``/``.csi`` beside it; else UserInputError with the command that
    mends it (``copy_name``: the name suggested for a recompressed copy; ``index_note`` follows the index fix)."""
    shown = os.fspath(path)
    if os.path.isdir(path):  # the words of tables.open_input
        raise UserInputError(path, None, field, "is a directory, not a file", "Give the file itself.")
    if not os.path.isfile(path):
        raise UserInputError(path, None, field, "file not found", f"Check the path given to {field}.")
    if not is_gzipped(path):
        raise UserInputError(path, None, field, "not compressed: the file must be bgzipped",
                             f"Compress and index it: bgzip {shown} && tabix -p vcf {shown}.gz.")
    if not is_bgzf(path):
        raise UserInputError(path, None, field,
                             "compressed with plain gzip, not bgzip, so it cannot be read by position",
                             f"Recompress it: zcat {shown} | bgzip -c > {copy_name} && tabix -p vcf {copy_name}.")
    index = find_index(path)
    if index is None:
        raise UserInputError(path, None, field, f"no index {shown}.tbi (or .csi) beside the file",
                             f"Index it: tabix -p vcf {shown}{index_note}.")
    return index


def check_sites_vcf(path: PathLike, field: str, required_info: str = "AF") -> "SitesVcf":
    """bgzip, index and header of a sites VCF given as ``field`` (a parameter name); raises UserInputError."""
    index = require_indexed_bgzf(path, field, "sites.vcf.gz")
    header = read_header(path)
    if required_info not in header.info:
        shown = ", ".join(af_like_fields(header.info)) or "none"
        raise UserInputError(path, None, field,
                             f"the header declares no INFO/{required_info} (allele frequency); AF-like fields: {shown}",
                             "Give a gnomAD exomes or genomes sites VCF, or rename the frequency field to AF "
                             f"(bcftools annotate --rename-annots).")
    contigs = index_contigs(index, header.contigs)
    stale = os.path.getmtime(index) < os.path.getmtime(path)
    check_index_belongs(path, index, header, contigs, field)
    return SitesVcf(Path(path), index, header, contigs, stale)


GNOMAD_BUILD_FIX = "Give the GRCh38 gnomAD release (v3/v4 sites VCFs; v2 exomes are GRCh37 unless lifted over)."


def check_gnomad_build(gnomad: PathLike, lengths: Dict[str, int], genome: Dict[str, int], needed: Iterable[str],
                       genome_source: str = "the reference") -> None:
    """gnomAD's ##contig lengths against the genome's (the reference's chromosomes, or the called VCF's
    ##contig lines): a file of another build named chr10 (a lifted or UCSC hg19 file) would attach
    frequencies at the wrong positions."""
    differ = [(contig, lengths[contig], genome[contig]) for contig in in_natural_order(needed)
              if contig in lengths and contig in genome and lengths[contig] != genome[contig]]
    if differ:
        shown = ", ".join(f"{contig} is {got} bp in gnomAD but {want} bp in {genome_source}"
                          for contig, got, want in differ[:3])
        raise UserInputError(gnomad, None, "--gnomad_vcf",
                             f"gnomAD is for another genome build: {shown}; its frequencies would be attached at the "
                             "wrong positions", GNOMAD_BUILD_FIX)


def check_index_belongs(path: PathLike, index: Path, header: VcfHeader, contigs: List[str], field: str) -> None:
    """An index left from another file (the VCF replaced, the index kept) makes every lookup read the
    wrong blocks or find nothing. Its contigs must hold the first record's, and (a TBI names them)
    be among the header's ##contig lines when the header has any."""
    foreign = [c for c in contigs if c not in header.contigs] if header.contigs and index.suffix == ".tbi" else []
    missing_first = header.first_chrom is not None and header.first_chrom not in contigs
    if foreign or missing_first:
        what = (f"the first record is on {header.first_chrom}, which the index does not list" if missing_first else
                f"the index lists contig(s) {', '.join(in_natural_order(foreign)[:5])} that the file's header does not declare")
        raise UserInputError(index, None, field,
                             f"the index does not belong to {Path(path).name}: {what} (an index of another or an "
                             "older file)",
                             f"Rebuild it: tabix -f -p vcf {path}.")
    stray = next((contig for contig, offset in first_offsets(index, header.contigs)
                  if not _starts_record(path, offset, contig)), None)
    if stray is not None:
        raise UserInputError(index, None, field,
                             f"the index does not belong to {Path(path).name}: where it says the records of {stray} "
                             "start, the file holds no record of it (the file was rewritten after it was indexed; "
                             "lookups would miss records or fail)",
                             f"Rebuild it: tabix -f -p vcf {path}.")


_TBI_PSEUDO_BIN = 37450


def first_offsets(index: PathLike, header_contigs: Optional[List[str]] = None) -> List[Tuple[str, int]]:
    """(contig, virtual offset of its first record) from a TBI or CSI index: the smallest chunk start
    of each contig's bins (the pseudo-bin, which holds counts, left out)."""
    out: List[Tuple[str, int]] = []
    try:
        with gzip.open(index, "rb") as handle:
            magic = _read_exact(handle, 4, index)
            if magic == b"TBI\x01":
                n_ref = _int32(handle, index)
                _read_exact(handle, 24, index)
                names = _names(_read_exact(handle, _int32(handle, index), index))
                pseudo, csi = _TBI_PSEUDO_BIN, False
            elif magic == b"CSI\x01":
                _min_shift, depth = struct.unpack("<ii", _read_exact(handle, 8, index))
                aux = _read_exact(handle, _int32(handle, index), index)
                names = _names(aux[28:]) if len(aux) >= 28 else list(header_contigs or [])
                n_ref = _int32(handle, index)
                pseudo, csi = ((1 << (3 * depth + 3)) - 1) // 7 + 1, True
            else:
                return []
            for ref in range(n_ref):
                starts = []
                for _ in range(_int32(handle, index)):
                    bin_id = struct.unpack("<I", _read_exact(handle, 4, index))[0]
                    if csi:
                        _read_exact(handle, 8, index)  # loffset
                    n_chunk = _int32(handle, index)
                    chunks = _read_exact(handle, 16 * n_chunk, index)
                    if bin_id != pseudo and n_chunk:
                        starts.append(min(struct.unpack_from("<Q", chunks, 16 * i)[0] for i in range(n_chunk)))
                if not csi:
                    _read_exact(handle, 8 * _int32(handle, index), index)  # linear index
                if starts and ref < len(names):
                    out.append((names[ref], min(starts)))
    except (OSError, EOFError, struct.error):
        return []  # an unreadable index is named by index_contigs
    return out


def _bgzf_block(handle: BinaryIO) -> Optional[bytes]:
    """The decompressed data of the BGZF block at the handle's position; None when there is none."""
    head = handle.read(18)
    if len(head) < 18 or head[:4] != GZIP_MAGIC + b"\x08\x04" or head[12:14] != b"BC":
        return None  # not a BGZF block start (htslib reads only this header layout)
    size = struct.unpack("<H", head[16:18])[0] + 1
    return zlib.decompress(head + handle.read(size - 18), 31)


def _starts_record(path: PathLike, offset: int, contig: str) -> bool:
    """Does the BGZF virtual offset point at the start of a record on ``contig``? (True when it
    cannot be judged here: the record starts in the next block.) bgzip cuts blocks at a fixed size,
    not at line ends, so the contig name may continue in the next block."""
    block_start, within = offset >> 16, offset & 0xFFFF
    wanted = contig.encode() + b"\t"
    try:
        with open(path, "rb") as handle:
            handle.seek(block_start)
            data = _bgzf_block(handle)
            if data is None:
                return False
            if within >= len(data):
                return True
            if within and data[within - 1:within] != b"\n":
                return False
            text = data[within:within + len(wanted)]
            while len(text) < len(wanted):
                more = _bgzf_block(handle)
                if not more:  # the end of the file (the empty EOF block) or not a block
                    return False
                text += more[:len(wanted) - len(text)]
    except (OSError, zlib.error):
        return False
    return text == wanted


@dataclass(frozen=True)
class SitesVcf:
    path: Path
    index: Path
    header: VcfHeader
    contigs: List[str]   # contigs with records
    index_older: bool    # the index is older than the file (htslib warns; it may not match)

