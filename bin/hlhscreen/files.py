"""File helpers shared by the tools: atomic outputs and tolerant text opening."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import tempfile
from pathlib import Path
import zlib
from typing import IO, Iterator, Tuple, Union

from .errors import UserInputError

PathLike = Union[str, os.PathLike]
#: the first two bytes of every gzip member, bgzip's (BGZF) included (RFC 1952): the one definition the
#: readers test a file's compression with
GZIP_MAGIC = b"\x1f\x8b"
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # little- and big-endian
# compressed or archived files text_lines cannot read (gzip/bgzip it can): magic bytes -> what they are
_ARCHIVES = ((b"PK\x03\x04", "a zip archive"), (b"BZh", "a bzip2-compressed file"),
             (b"\xfd7zXZ\x00", "an xz-compressed file"), (b"\x28\xb5\x2f\xfd", "a zstd-compressed file"),
             (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"))


@contextlib.contextmanager
def atomic_output(path: PathLike, mode: str = "w") -> Iterator[IO]:
    """Write to a temporary file beside ``path`` and rename it into place only on success.

    A failed step therefore never leaves a file that looks finished.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(fd)
    os.chmod(tmp_name, 0o666 & ~current_umask())  # mkstemp creates 0600; behave like open()
    try:
        with open(tmp_name, mode) as handle:
            yield handle
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


@contextlib.contextmanager
def atomic_path(path: PathLike) -> Iterator[Path]:
    """Yield a temporary path for tools that open files themselves (pysam, bgzip)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.partial")
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def current_umask() -> int:
    """The process's umask (read by setting and restoring it; the restrictive 0o077 is what any file
    created meanwhile by another thread would get)."""
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def is_gzipped(path: PathLike) -> bool:
    """Whether the file is gzip- or bgzip-compressed (starts with :data:`GZIP_MAGIC`), whatever its name."""
    with open(path, "rb") as probe:
        return probe.read(len(GZIP_MAGIC)) == GZIP_MAGIC


def open_text(path: PathLike) -> IO[str]:
    """Open a plain or gzip/bgzip-compressed text file for reading."""
    if is_gzipped(path):
        return gzip.open(path, "rt")
    return open(path, "rt")


def _decoded(raw: bytes, path: PathLike, line_no: int, field: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise UserInputError(path, line_no, field,
                             f"byte 0x{raw[err.start:err.start + 1].hex()} at column {err.start + 1} is not UTF-8 text",
                             "Save the file as UTF-8 (or plain ASCII) text, e.g. iconv -f WINDOWS-1252 -t UTF-8 "
                             "in.bed > out.bed.") from None


def text_lines(path: PathLike, field: str) -> Iterator[Tuple[int, str]]:
    """(line number, text without its line end) of a plain or gzip-compressed text file. A line that is
    not UTF-8 (a Windows-1252 dash in a vendor's track line) or a damaged gzip stream is a UserInputError
    naming the file and line, not a traceback: text mode decodes whole chunks and loses the line. A UTF-8
    byte-order mark at the start (Notepad, Excel's "CSV UTF-8") is dropped: it would glue itself to the
    first field (a contig named '\\ufeffchr1', a 'track' line not seen as one)."""
    with open(path, "rb") as probe:
        magic = probe.read(6)
    gzipped = magic.startswith(GZIP_MAGIC)
    archive = next((name for start, name in _ARCHIVES if magic.startswith(start)), None)
    if archive is not None:
        raise UserInputError(path, None, field, f"{archive}, not a text file (plain or gzip)",
                             "Unpack it (unzip, bunzip2, unxz, zstd -d) and give the text file inside (a kit's "
                             "zip holds several BEDs: give e.g. its *_Covered.bed).")
    if magic.startswith(_UTF16_BOMS):
        raise UserInputError(path, 1, field, "the file is UTF-16 text (it starts with a UTF-16 byte-order mark, as "
                             "Excel's 'Unicode Text' and Notepad's 'Unicode' save), not UTF-8",
                             "Save it as UTF-8 (or plain ASCII) text, or convert it: iconv -f UTF-16 -t UTF-8 in.txt "
                             "> out.txt.")
    line_no = 0
    try:
        with (gzip.open(path, "rb") if gzipped else open(path, "rb")) as handle:
            for chunk in handle:
                # line ends as text mode reads them: \n, \r\n, and a lone \r (Excel for Mac's text export)
                body = chunk[:-1] if chunk.endswith(b"\n") else chunk
                if body.endswith(b"\r"):
                    body = body[:-1]
                for raw in body.split(b"\r") if b"\r" in body else (body,):  # (a GTF has millions of lines)
                    line_no += 1
                    if line_no == 1 and raw.startswith(_UTF8_BOM):  # Windows editors' byte-order mark: no text
                        raw = raw[len(_UTF8_BOM):]
                    yield line_no, _decoded(raw, path, line_no, field)
    except (EOFError, OSError, zlib.error) as err:
        raise UserInputError(path, line_no + 1, field, f"the file cannot be read after line {line_no} ({err})",
                             "Give the intact file (gzip -t names a damaged gzip file).") from None


def sha256_file(path: PathLike) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
