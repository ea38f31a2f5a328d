"""hlhscreen.files: the helpers the readers share (one definition each)."""

from __future__ import annotations

import gzip
import re

from conftest import BIN
from hlhscreen.files import GZIP_MAGIC, is_gzipped

# b"\x1f\x8b" as Python source spells it (any case of the hex digits), or its octal / integer forms
_MAGIC_SPELLED = re.compile(r"\\x1f\\x8b|\\037\\213|0x1f8b|0x8b1f", re.IGNORECASE)


def test_is_gzipped_goes_by_the_bytes_not_the_name(tmp_path):
    packed = tmp_path / "plain.txt"
    packed.write_bytes(gzip.compress(b"chr1\t0\t10\n"))
    plain = tmp_path / "looks.gz"
    plain.write_text("chr1\t0\t10\n")
    empty = tmp_path / "empty.gz"
    empty.write_bytes(b"")
    one_byte = tmp_path / "one.gz"
    one_byte.write_bytes(GZIP_MAGIC[:1])
    assert is_gzipped(packed) and not is_gzipped(plain) and not is_gzipped(empty) and not is_gzipped(one_byte)


def test_the_gzip_magic_bytes_are_written_down_once():
    """Every reader tests compression through files.GZIP_MAGIC / is_gzipped: the samplesheet check, CHECK_FASTQ,
    the screen, the reference and resource readers each had their own copy of the bytes."""
    copies = [f"{path.relative_to(BIN)}:{number}" for path in sorted(BIN.rglob("*.py")) if path.name != "files.py"
              for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
              if _MAGIC_SPELLED.search(line)]
    assert copies == []
