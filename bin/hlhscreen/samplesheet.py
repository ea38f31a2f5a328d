"""Samplesheet validation: every problem named by file, line and field before any task runs.

Standard library only: the pipeline runs this on the launch host, outside any container.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union
from urllib.parse import urljoin, urlsplit

from .errors import UserInputError
from .files import GZIP_MAGIC
from .fastq import not_gzip

COLUMNS = ("sample", "group", "fastq_1", "fastq_2")
OPTIONAL_COLUMNS = ("sex",)  # male / female / unknown (empty = unknown); see hlhscreen/sex.py
GROUPS = ("case", "control")
SEXES = ("male", "female", "unknown")
_SAMPLE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
MAX_SAMPLE_NAME = 128
# names that tables and their readers take for a missing value (NA in our TSVs; R and pandas also NAN, NULL)
MISSING_VALUE_NAMES = frozenset({"NA", "NAN", "NULL", "NONE"})
# Characters a FASTQ *file name* may hold. Tasks see each FASTQ under its own name (folders do not
# matter: Nextflow links the file into the task folder), and tool command lines name it unquoted;
# anything else (space, quote, $, ;, *, brackets...) would be read by the shell.
_SAFE_FILE_NAME = re.compile(r"^[A-Za-z0-9._+,=@%:-]+$")
# decompressed bytes read at start: the first record (a header and a sequence line of long reads fit)
_HEAD_BYTES = 131072
# what a spreadsheet program saves when the user forgets "Save as CSV" (zip: .xlsx/.ods; OLE2: .xls)
_WORKBOOK_MAGIC = {b"PK\x03\x04": "a zip archive (an .xlsx or .ods workbook?)",
                   b"\xd0\xcf\x11\xe0": "an Excel 97-2003 workbook (.xls)"}
# a FASTQ given as a URL (https://, s3://, gs://, az://, ftp://...): Nextflow stages it for the tasks
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
Fastq = Union[Path, str]  # a local path, or a URL kept as text
_PAIRED_FIX = ("The pipeline aligns paired-end reads: give each lane's R1 and R2 files (an interleaved FASTQ can be "
               "split with: seqtk seq -1 in.fastq.gz | gzip > R1.fastq.gz; seqtk seq -2 in.fastq.gz | gzip > R2.fastq.gz).")


def is_url(text: str) -> bool:
    return bool(_URL.match(text))


@dataclass(frozen=True)
class Lane:
    sample: str
    group: str
    lane: int
    fastq_1: Fastq
    fastq_2: Fastq
    line: int
    sex: str = "unknown"


class SamplesheetErrors(UserInputError):
    """Several problems at once; str() lists each on its own line."""

    def __init__(self, errors: List[UserInputError]) -> None:
        self.errors = errors
        first = errors[0]
        super().__init__(first.path, first.line, first.field, first.problem, first.fix)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


def _check_remote_fastq(url: str, sheet: str, line: int, field: str) -> List[UserInputError]:
    """What can be checked of a URL without fetching it (Nextflow stages it; CHECK_FASTQ reads it).
    Whether it exists is checked by the pipeline before any task runs (it can ask every storage)."""
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    if not name:
        return [UserInputError(sheet, line, field, f"the URL {url} names no file", "Give the URL of a .fastq.gz file.")]
    if not _SAFE_FILE_NAME.match(name):
        return _check_fastq(Path(name), sheet, line, field)
    if not name.lower().endswith(".gz"):
        return [UserInputError(sheet, line, field, f"remote FASTQ {url} does not end in .gz",
                               "FASTQs must be gzip-compressed (.fastq.gz).")]
    return []


def _check_fastq(path: Path, sheet: str, line: int, field: str,
                 first_reads: Optional[Dict[Path, bytes]] = None) -> List[UserInputError]:
    """The file's name, existence and first bytes; with `first_reads`, also keeps its first read for
    the copied-lane check (one open per file: samplesheets of a thousand lanes on network storage)."""
    if not _SAFE_FILE_NAME.match(path.name):
        odd = sorted({c for c in path.name if not _SAFE_FILE_NAME.match(c)})
        shown = " ".join("space" if c == " " else repr(c) for c in odd)
        return [UserInputError(sheet, line, field,
                               f"the FASTQ file name {path.name!r} contains {shown}, which the tools' command lines "
                               "cannot take",
                               "Rename the file, or link it under a plain name (letters, digits and . _ - + , = @ % :), "
                               f"e.g. ln -s '{path}' '{path.parent / _plain_name(path.name)}', and list the link.")]
    if not path.exists():
        if path.is_symlink():
            # a link into storage that is not mounted here (or was moved): the link itself is there
            return [UserInputError(sheet, line, field, f"FASTQ file not found: {path} is a symbolic link to "
                                   f"{os.readlink(path)}, which does not exist",
                                   "Check that the storage it points to is mounted on this machine, or list the "
                                   "file's real path.")]
        return [UserInputError(sheet, line, field, f"FASTQ file not found: {path}",
                               "Relative paths are read from the samplesheet's folder.")]
    if not path.is_file() or not os.access(path, os.R_OK):
        return [UserInputError(sheet, line, field, f"FASTQ file is not a readable file: {path}")]
    with open(path, "rb") as handle:
        why = not_gzip(handle.read(6))
        if why is not None:
            return [UserInputError(sheet, line, field, f"FASTQ file {path}: {why[0]}", why[1])]
        handle.seek(0)
        try:
            head = gzip.GzipFile(fileobj=handle, mode="rb").read(_HEAD_BYTES)
        except EOFError:
            # a small file cut short (a larger one is read to its end by CHECK_FASTQ)
            return [UserInputError(sheet, line, field, f"FASTQ file {path} is cut short: its gzip stream ends "
                                   "before its end marker (a broken or unfinished copy)",
                                   "Copy the file again from its source (gzip -t tests it).")]
        except (OSError, zlib.error) as err:
            return [UserInputError(sheet, line, field, f"FASTQ file {path} cannot be decompressed ({err})",
                                   "Copy the file again from its source (gzip -t tests it).")]
    errors = _check_fastq_start(path, head[:4], sheet, line, field) or _check_gz_name(path, sheet, line, field)
    read = _first_read(head)
    if not errors and read is not None and first_reads is not None:
        first_reads[path] = read
    return errors


def _check_gz_name(path: Path, sheet: str, line: int, field: str) -> List[UserInputError]:
    """A gzipped FASTQ named .fq or .fastq: FastQC decides by the name alone whether to decompress,
    reads the gzip bytes as text and fails, after CHECK_FASTQ has read every file of the cohort. Its test
    ignores case (``A_R1.FASTQ.GZ`` is decompressed, as FastQC 0.11.9 shows)."""
    if path.name.lower().endswith(".gz"):
        return []
    return [UserInputError(sheet, line, field, f"FASTQ file {path} is gzip-compressed but its name does not end in "
                           ".gz (FastQC decides from the name whether to decompress, and would fail on it)",
                           f"Rename it, or link it under a .gz name, e.g. ln -s '{path}' '{path}.gz', and list "
                           "the link.")]


def _check_fastq_start(path: Path, start: bytes, sheet: str, line: int, field: str) -> List[UserInputError]:
    """The first bytes of the reads: a file with no reads, a BAM or other data named .fastq.gz is
    refused here, before any task (CHECK_FASTQ reads every file to the end later)."""
    if not start.strip():
        return [UserInputError(sheet, line, field, f"FASTQ file {path} holds no reads (it is empty once decompressed)",
                               "Give the lane's real FASTQ files; an empty file usually means a failed copy or "
                               "demultiplexing (or remove the row).")]
    if start == b"BAM\x01":
        return [UserInputError(sheet, line, field, f"{path} is a BAM file, not a FASTQ file",
                               "Convert it to FASTQ first (samtools collate -u -O in.bam | samtools fastq -1 R1.fastq.gz "
                               "-2 R2.fastq.gz -0 /dev/null -s /dev/null -n -).")]
    if not start.startswith(b"@"):
        return [UserInputError(sheet, line, field, f"FASTQ file {path} does not start with '@' (it starts with "
                               f"{start[:4]!r}): not a FASTQ file",
                               "Give the lane's gzipped FASTQ files (FASTA, SAM or other files are not read).")]
    return []


def _with_path_hint(errors: List[UserInputError], text: str) -> List[UserInputError]:
    """A path written for a shell or for Windows is not found as written: say why."""
    if not errors:
        return errors
    first = errors[0]
    if "\\" in text or re.match(r"^[A-Za-z]:", text):
        return [UserInputError(first.path, first.line, first.field, f"'{text}' looks like a Windows path",
                               "Write the path as the machine running the pipeline sees it (/data/..., with '/').")]
    if "not found" in first.problem and (text.startswith("~") or "$" in text):
        return [UserInputError(first.path, first.line, first.field, first.problem,
                               "'~' and $VARIABLES are not expanded in a samplesheet: write the full path "
                               "(e.g. /home/me/...).")]
    return errors


def _beside_the_link(text: str, fastq: Path, base: Path, link_base: Path, sheet: str, line: int,
                     field: str) -> Optional[UserInputError]:
    """A samplesheet reached through a symbolic link (a template linked into run folders): a relative
    path is read beside the file the link points to. When the same relative path names another file
    (or the only one) beside the link, which was meant cannot be told: refused, with both."""
    if Path(text).is_absolute() or link_base == base:
        return None
    other = Path(os.path.normpath(link_base / text))
    if not other.exists() or _file_identity(other) == _file_identity(fastq):
        return None
    found = f"it names {fastq}" + ("" if fastq.exists() else " (not found)")
    return UserInputError(sheet, line, field,
                          f"the samplesheet is reached through a symbolic link (its file is in {base}) and the "
                          f"relative path {text!r} is ambiguous: {found} there, and {other} beside the link",
                          "Relative paths are read from the folder of the samplesheet file itself (after following "
                          "the link): write absolute paths, or copy the samplesheet instead of linking it.")


def _up_from_a_link(text: str, written: Path, fastq: Path, sheet: str, line: int,
                    field: str) -> Optional[UserInputError]:
    """'..' after a folder that is a symbolic link: the path is read as written with '..' removed
    (links/../x.fastq.gz is x.fastq.gz beside the samplesheet), but the system (ls, a shell) goes up
    from the folder the link points to. When the two name different files, refused with both."""
    if ".." not in Path(text).parts:
        return None
    system = Path(os.path.realpath(written))
    if system == Path(os.path.realpath(fastq)) or not (system.exists() or fastq.exists()):
        return None
    return UserInputError(sheet, line, field,
                          f"the path {text!r} goes up ('..') from a folder that is a symbolic link: it is read as "
                          f"{fastq}" + ("" if fastq.exists() else " (not found)") + f", but ls and the shell read it "
                          f"as {system}" + ("" if system.exists() else " (not found)"),
                          "Write the path without '..' (or as an absolute path).")


def fastqc_report_name(fastq: Fastq) -> str:
    """The name FastQC gives a file's report: its name without .gz, .bz2, .txt, .fastq and .fq at its
    end, stripped in that order."""
    name = str(fastq).rsplit("/", 1)[-1]
    for suffix in (".gz", ".bz2", ".txt", ".fastq", ".fq"):
        name = name[: -len(suffix)] if name.endswith(suffix) else name
    return f"{name}_fastqc"


def _same_report_name(seen: Dict[Tuple[str, str], Tuple[int, str, Fastq]], sample: str, fastq: Fastq, sheet: str,
                      line: int, field: str) -> List[UserInputError]:
    """Two files of one sample with the same name (or names FastQC reports alike: a_R1.fastq.gz and
    a_R1.fq.gz), e.g. the lanes of a top-up run in another folder: the sample's FASTQC task would fail
    on them after every lane was checked, and CAT_FASTQ cannot stage them together."""
    key = (sample, fastqc_report_name(fastq))
    if key not in seen:
        seen[key] = (line, field, fastq)
        return []
    other_line, other_field, other = seen[key]
    if other == fastq:
        return []  # the same file twice: named by the duplicate checks
    name = str(fastq).rsplit("/", 1)[-1]
    stem = key[1][: -len("_fastqc")]
    fix = f"e.g. ln -s '{fastq}' '{str(fastq)[: -len(name)]}{stem}_line{line}{name[len(stem):]}', and list the link" \
        if isinstance(fastq, Path) else "e.g. a link or copy under another name"
    return [UserInputError(sheet, line, field,
                           f"sample {sample!r} has another FASTQ of the same name on line {other_line} ({other_field}: "
                           f"{other}): FastQC names its report after the file ({key[1]}), so the two would overwrite "
                           "each other",
                           f"Give every FASTQ of a sample its own file name ({fix}).")]


def _plain_name(name: str) -> str:
    return "".join(c if _SAFE_FILE_NAME.match(c) else "_" for c in name)


def read_samplesheet(path: Path, base_url: Optional[str] = None, display_name: Optional[str] = None,
                     require_both_groups: bool = True) -> List[Lane]:
    """Validate the samplesheet and return its lanes; raise SamplesheetErrors listing every problem.

    ``base_url``: the samplesheet was fetched from this folder URL (``--input https://...``), so its
    relative FASTQ paths are URLs in that folder. ``display_name`` names the samplesheet in messages
    (its URL). ``require_both_groups``: off for runs that stop after calling (no cohort comparison)."""
    sheet = display_name or str(path)
    if not path.is_file():
        raise UserInputError(sheet, None, "input", "samplesheet not found", "Give --input a CSV file.")
    rows = _read_rows(path, sheet)
    # blank lines before the header are skipped (line numbers stay the file's)
    header_line = next((i for i, row in enumerate(rows) if any(cell.strip() for cell in row)), None)
    if header_line is not None and _excel_separator_line(rows[header_line], sheet, header_line + 1):
        # Excel's "sep=," line before the header: it only says what the file is
        header_line = next((i for i, row in enumerate(rows) if i > header_line and any(c.strip() for c in row)), None)
    if header_line is None:
        raise UserInputError(sheet, 1, "header", "samplesheet is empty",
                             f"The first line must be: {','.join(COLUMNS)}.")
    header = _drop_empty_tail([cell.strip() for cell in rows[header_line]])
    missing = [c for c in COLUMNS if c not in header]
    extra = [c for c in header if c and c not in COLUMNS + OPTIONAL_COLUMNS]
    unnamed = [str(i + 1) for i, c in enumerate(header) if not c]
    repeated = sorted({c for c in header if c and header.count(c) > 1})
    if missing or extra or unnamed or repeated:
        problems = []
        if missing:
            problems.append(f"missing column(s) {', '.join(missing)}")
        if extra:
            problems.append(f"unexpected column(s) {', '.join(_shown(c) for c in extra)}")
        if unnamed:
            problems.append(f"column(s) {', '.join(unnamed)} have no name")
        if repeated:
            problems.append(f"column(s) {', '.join(repeated)} given more than once")
        problems.extend(_header_hints(header))
        if missing == ["fastq_2"]:
            problems.append("single-end reads are not supported")
        raise UserInputError(sheet, header_line + 1, "header", "; ".join(problems),
                             f"The header must be exactly: {','.join(COLUMNS)} (optionally also: "
                             f"{','.join(OPTIONAL_COLUMNS)}).")
    index = {name: header.index(name) for name in COLUMNS + OPTIONAL_COLUMNS if name in header}
    base = path.resolve().parent
    # the samplesheet given through a symbolic link: relative paths are read beside the file it points to
    link_base = Path(os.path.abspath(path)).parent
    errors: List[UserInputError] = []
    groups: Dict[str, Tuple[str, int]] = {}
    sexes: Dict[str, Tuple[str, int]] = {}
    seen_fastq: Dict[object, Tuple[int, str, Fastq]] = {}
    spellings: Dict[str, Tuple[str, int]] = {}
    seen_reads: Dict[bytes, Tuple[int, str, Fastq]] = {}
    first_reads: Dict[Path, bytes] = {}  # the first read of each local FASTQ, kept by _check_fastq
    seen_pairs: Dict[Tuple[str, Fastq, Fastq], int] = {}
    report_names: Dict[Tuple[str, str], Tuple[int, str, Fastq]] = {}  # (sample, FastQC report name) -> first
    lane_count: Dict[str, int] = {}
    lanes: List[Lane] = []
    for line_no, row in enumerate(rows[header_line + 1:], start=header_line + 2):
        if not any(cell.strip() for cell in row):
            continue  # blank lines are harmless
        if len(row) > len(header) and not any(cell.strip() for cell in row[len(header):]):
            row = row[:len(header)]  # empty trailing cells (a spreadsheet's empty last column)
        if any("\n" in cell for cell in row):
            # a quote opened and never closed: the csv reader ran on over the following lines
            errors.append(UserInputError(sheet, line_no, "row", "a quote (\") opens a field that no quote closes, so the "
                                         "following lines were read as part of it",
                                         "Close the quote, or remove it (quotes are needed only around a field "
                                         "holding a comma)."))
            break
        if len(row) != len(header):
            errors.append(UserInputError(sheet, line_no, "row", f"{len(row)} fields, expected {len(header)}",
                                         "Check for a missing or extra comma."))
            continue
        values = {name: row[i].strip() for name, i in index.items()}
        if [cell.replace("\ufeff", "").strip() for cell in row] == header:  # a BOM: cat of two exported sheets
            errors.append(UserInputError(sheet, line_no, "row", "the header line again (two samplesheets joined?)",
                                         "Remove the repeated header line."))
            continue
        sex = values.get("sex", "").lower() or "unknown"
        if sex not in SEXES:
            errors.append(UserInputError(sheet, line_no, "sex", f"unknown sex {values['sex']!r}",
                                         "Use male, female or unknown (or leave the cell empty)."))
        elif sample_sex_conflict(sexes, values["sample"], sex, line_no):
            first_sex, first_line = sexes[values["sample"]]
            errors.append(UserInputError(sheet, line_no, "sex",
                                         f"sample {values['sample']!r} is {sex!r} here but {first_sex!r} on line {first_line}",
                                         "Give every lane of a sample the same sex."))
        empty = [name for name in COLUMNS if not values[name]]
        for name in empty:
            if name == "fastq_2" and values["fastq_1"]:
                errors.append(UserInputError(sheet, line_no, name, "empty field: single-end reads are not supported",
                                             _PAIRED_FIX))
            else:
                errors.append(UserInputError(sheet, line_no, name, "empty field"))
        if empty:
            continue
        sample, group = values["sample"], values["group"]
        if not _SAMPLE_NAME.match(sample):
            errors.append(UserInputError(sheet, line_no, "sample", f"invalid sample name {sample!r}",
                                         "Use letters, digits, '.', '_' or '-', starting with a letter or digit "
                                         "(no spaces or '/')."))
        elif sample.upper() in MISSING_VALUE_NAMES:
            # the output tables write NA for a missing value: a sample of that name would read as no sample
            errors.append(UserInputError(sheet, line_no, "sample", f"the sample name {sample!r} is the missing-value marker",
                                         "Output tables (carriers.tsv, gene_status.tsv, R's read.table, pandas) read NA as "
                                         "'no value': give the sample another name (e.g. its study id)."))
        elif len(sample) > MAX_SAMPLE_NAME:
            # file names are built from it (<sample>_R1.merged.fastq.gz, reports): file systems stop at 255 bytes
            errors.append(UserInputError(sheet, line_no, "sample", f"the sample name is {len(sample)} characters long",
                                         f"Use at most {MAX_SAMPLE_NAME} characters."))
        other, other_line = spellings.setdefault(sample.lower(), (sample, line_no))
        if other != sample:
            # case_01 and CASE_01: one typo, and their output files overwrite each other on macOS/Windows disks
            errors.append(UserInputError(sheet, line_no, "sample",
                                         f"sample {sample!r} differs from {other!r} (line {other_line}) only in capitals",
                                         "Spell the lanes of one sample alike, and give different samples names that "
                                         "differ in more than capitals (their output files would overwrite each other "
                                         "on case-insensitive disks)."))
        if group not in GROUPS:
            errors.append(UserInputError(sheet, line_no, "group", f"unknown group {group!r}", _group_fix(group)))
        elif sample in groups and groups[sample][0] != group:
            first_group, first_line = groups[sample]
            errors.append(UserInputError(sheet, line_no, "group",
                                         f"sample {sample!r} is {group!r} here but {first_group!r} on line {first_line}",
                                         "A sample belongs to one group."))
        else:
            groups.setdefault(sample, (group, line_no))
        fastqs = {}
        for field in ("fastq_1", "fastq_2"):
            text = values[field]
            if base_url is not None and not is_url(text) and not text.startswith("/"):
                text = urljoin(base_url, text)  # relative to a remote samplesheet: a URL beside it
            if is_url(text):
                fastqs[field] = text
                errors.extend(_check_remote_fastq(text, sheet, line_no, field))
                continue
            fastq = Path(text)
            fastq = fastq if fastq.is_absolute() else base / fastq
            fastqs[field] = Path(os.path.normpath(fastq))
            ambiguous = _beside_the_link(text, fastqs[field], base, link_base, sheet, line_no, field) or \
                _up_from_a_link(text, fastq, fastqs[field], sheet, line_no, field)
            if ambiguous:
                errors.append(ambiguous)
                continue
            errors.extend(_with_path_hint(_check_fastq(fastqs[field], sheet, line_no, field, first_reads), text))
        pair = (sample, fastqs["fastq_1"], fastqs["fastq_2"])
        if pair in seen_pairs:
            errors.append(UserInputError(sheet, line_no, "fastq_1",
                                         f"duplicate lane: the same FASTQ pair is listed for {sample!r} on line {seen_pairs[pair]}",
                                         "List each lane once."))
            continue
        seen_pairs[pair] = line_no
        for field, fastq in fastqs.items():
            errors.extend(_same_report_name(report_names, sample, fastq, sheet, line_no, field))
            key = _file_identity(fastq)
            if key in seen_fastq:
                other_line, other_field, other = seen_fastq[key]
                alias = "" if other == fastq else f" (the same file as {other}, through a link)"
                errors.append(UserInputError(sheet, line_no, field,
                                             f"FASTQ {fastq} is also given on line {other_line} ({other_field}){alias}",
                                             "Each FASTQ file may appear once."))
                continue
            seen_fastq[key] = (line_no, field, fastq)
            read = first_reads.get(fastq) if isinstance(fastq, Path) else None
            # a lane's own mates may start alike: SRA names both mates of a spot alike (fasterq-dump), and a spot
            # can read all N (or poly-G) on both; CHECK_FASTQ compares R1 and R2 read by read (R2 a copy of R1)
            if read is not None and read in seen_reads and seen_reads[read][0] != line_no:
                # a copy: the reads of a lane are unique (names carry the tile and position)
                other_line, other_field, other = seen_reads[read]
                errors.append(UserInputError(sheet, line_no, field,
                                             f"FASTQ {fastq} starts with the same read as {other} (line {other_line}, "
                                             f"{other_field}): a copy of the same reads",
                                             "Each lane's reads may appear once: check which file this row should "
                                             "name (a sample listed twice?)."))
            elif read is not None:
                seen_reads[read] = (line_no, field, fastq)
        lane_count[sample] = lane_count.get(sample, 0) + 1
        lanes.append(Lane(sample, group, lane_count[sample], fastqs["fastq_1"], fastqs["fastq_2"], line_no, sex))
    if not lanes and not errors:
        errors.append(UserInputError(sheet, 2, "row", "no samples listed"))
    present = {g for g, _ in groups.values()}
    for group in GROUPS if require_both_groups else ():
        if lanes and group not in present and not errors:
            errors.append(UserInputError(sheet, None, "group", f"no {group} samples",
                                         "The cohort comparison needs at least one case and one control "
                                         "(--skip_screening runs alignment, QC and calling on one group alone)."))
    if errors:
        raise SamplesheetErrors(errors)
    return lanes


def _first_read(head: bytes) -> Optional[bytes]:
    """The first record's header and sequence lines from the decompressed start of a file, or None
    when they are not there (the start checks name that problem)."""
    lines = head.split(b"\n", 2)
    if len(lines) < 3:
        return None  # no complete header and sequence line within the head (or no reads at all)
    header, sequence = lines[0] + b"\n", lines[1] + b"\n"
    return header + sequence if header.startswith(b"@") and sequence.strip() else None


def _group_fix(group: str) -> str:
    """How to write an unknown group: the spelling a LIMS export or a spreadsheet left, when it is one."""
    word = group.lower().rstrip("s")
    if word in GROUPS:
        return f"Write {word!r} (lower case, singular): a group is 'case' or 'control'."
    if group.isdigit():
        return "Use 'case' or 'control' (a numeric code such as 1/0 is not read: which is which cannot be told)."
    return "Use 'case' or 'control'."


def _excel_separator_line(row: List[str], sheet: str, line: int) -> bool:
    """True for Excel's "sep=," line (a hint to Excel, not data); another separator is refused there."""
    text = ",".join(row).strip()
    if not text.lower().startswith("sep="):
        return False
    if text.lower() in ("sep=,", "sep=,,"):
        return True  # the csv reader splits "sep=," into two cells
    raise UserInputError(sheet, line, "header", f"the file starts with Excel's separator line {text!r}: its fields "
                         "are not separated by commas",
                         "Save it as 'CSV UTF-8 (comma delimited)', or delete that line and make the separators "
                         f"commas. The header must be: {','.join(COLUMNS)}.")


def _drop_empty_tail(header: List[str]) -> List[str]:
    """A spreadsheet exports an empty column after the last one as a trailing comma: not a column."""
    while len(header) > 1 and not header[-1]:
        header = header[:-1]
    return header


def _file_identity(fastq: Fastq) -> object:
    """What makes two FASTQ entries the same file: device and inode for a local file (a symbolic or
    hard link to a file listed elsewhere is that file), the text of a URL."""
    if isinstance(fastq, Path):
        try:
            stat = fastq.stat()
        except OSError:
            return fastq
        return (stat.st_dev, stat.st_ino)
    return fastq


def _read_rows(path: Path, sheet: str) -> List[List[str]]:
    """The CSV rows; a workbook saved under a .csv name or a file that is not UTF-8 is named as such."""
    data = path.read_bytes()
    for magic, what in _WORKBOOK_MAGIC.items():
        if data.startswith(magic):
            raise UserInputError(sheet, None, "input", f"the samplesheet is {what}, not a CSV text file",
                                 "Open it in the spreadsheet program and save it as 'CSV UTF-8 (comma delimited)'.")
    if data.startswith(GZIP_MAGIC):
        raise UserInputError(sheet, None, "input", "the samplesheet is gzip-compressed",
                             "Give the plain CSV file (gunzip it first).")
    if _is_utf16(data):
        raise UserInputError(sheet, None, "encoding",
                             "the samplesheet is UTF-16 text (Excel's 'Unicode Text' or Windows PowerShell output), "
                             "not UTF-8",
                             "Save it as 'CSV UTF-8' (comma delimited), or convert it: iconv -f UTF-16 -t UTF-8 in.csv "
                             "> out.csv (and make tabs commas if it is tab-separated).")
    try:
        # utf-8-sig: spreadsheet programs save a byte-order mark before the header (some tools add a second)
        text = data.decode("utf-8-sig").lstrip("\ufeff")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise UserInputError(sheet, line, "encoding",
                             f"the samplesheet is not UTF-8 text (byte 0x{data[err.start]:02x} at line {line}; saved as "
                             "Latin-1/Windows-1252?)",
                             "Save it as 'CSV UTF-8', or convert it: iconv -f WINDOWS-1252 -t UTF-8 in.csv > out.csv "
                             "(sample names must be plain letters, digits, '.', '_' or '-' anyway).") from None
    # newline="" semantics: csv handles \r\n and quoted fields itself
    return list(csv.reader(io.StringIO(text, newline="")))


def _shown(name: str) -> str:
    """A column name as written, quoted with escapes when it holds what cannot be seen (a second
    byte-order mark, a zero-width or non-breaking space, a control character)."""
    return name if name.isascii() and name.isprintable() else repr(name)


def _is_utf16(data: bytes) -> bool:
    """UTF-16 text: its byte-order mark, or (without one) a zero byte beside each ASCII letter of the
    first line. Decoded as UTF-8 it fails on the mark, or reads as letters with zero bytes between."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    first = data[:200]
    return len(first) >= 4 and (first[1::2].count(0) > len(first) // 4 or first[0::2].count(0) > len(first) // 4)


def _header_hints(header: List[str]) -> List[str]:
    """Why a header that fails probably fails: another separator, or capitals."""
    hints = []
    if len(header) == 1:
        for separator, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "'|'")):
            if separator in header[0]:
                hints.append(f"the line is separated by {name}, not commas (a spreadsheet in a locale that "
                             "uses ';', or a TSV?)")
                break
    if not hints and all(c in [h.lower() for h in header] for c in COLUMNS) and any(h != h.lower() for h in header):
        hints.append("column names are lower case")
    return hints


def sample_sex_conflict(sexes: Dict[str, Tuple[str, int]], sample: str, sex: str, line: int) -> bool:
    """Record a sample's sex at its first lane; True when a later lane says otherwise."""
    if sample in sexes:
        return sexes[sample][0] != sex
    sexes[sample] = (sex, line)
    return False


def write_validated(lanes: List[Lane], out: Path) -> None:
    """The validated samplesheet as JSON: one object per lane with absolute paths and a lane number.

    JSON, not CSV: the pipeline reads it back in Groovy, and a path may hold a comma."""
    import json

    from .files import atomic_output

    with atomic_output(out) as handle:
        json.dump([{"sample": lane.sample, "group": lane.group, "sex": lane.sex, "lane": lane.lane,
                    "fastq_1": str(lane.fastq_1), "fastq_2": str(lane.fastq_2), "line": lane.line}
                   for lane in lanes], handle, indent=1)
        handle.write("\n")
