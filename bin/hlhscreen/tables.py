"""Readers of the tab- and comma-separated inputs the tools share, with one set of error messages.

- :func:`open_input`: a plain or gzip-compressed text file; a missing file or a folder is a
  :class:`~hlhscreen.errors.UserInputError`.
- :func:`read_tsv`: ``(line number, row)`` of a TSV with one header line; :func:`optional_number`: a cell's
  number, None when it holds none.
- :func:`read_sample_groups`: sample -> group from a ``sample,group`` CSV (the samplesheet);
  :func:`check_sample` and :func:`check_every_sample`: rows of a per-sample table against it.

``flag`` is the command-line option that named the file; it is the field of file-level errors.
"""

from __future__ import annotations

import csv
import math
import os
from typing import IO, Dict, Iterable, Iterator, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from .errors import UserInputError, first_few
from .files import open_text

PathLike = Union[str, os.PathLike]

GROUPS = ("case", "control")
SAMPLE_COLUMNS = ("sample", "group")


def optional_number(text: str) -> Optional[float]:
    """The number a cell or FORMAT value holds, or None when it holds none: empty, ``.``, ``NA``, any other
    text that is not a number, or NaN (``Inf`` stays infinite)."""
    try:
        value = float(text)
    except ValueError:
        return None
    return None if math.isnan(value) else value


def open_input(path: PathLike, flag: Optional[str] = None) -> IO[str]:
    """Open an input for reading as text (gzip or plain)."""
    try:
        return open_text(path)
    except FileNotFoundError:
        fix = f"Check the path given to {flag}." if flag else "Check the path."
        raise UserInputError(path, None, flag, "file not found", fix) from None
    except IsADirectoryError:
        raise UserInputError(path, None, flag, "is a directory, not a file", "Give the file itself.") from None


def read_tsv(path: PathLike, required: Sequence[str],
             flag: Optional[str] = None) -> Iterator[Tuple[int, Dict[str, str]]]:
    """Yield ``(line number, row)`` of a tab-separated file with one header line and no comments.

    The header must name every ``required`` column; blank lines are skipped; every other line
    needs one field per header column."""
    with open_input(path, flag) as handle:
        header_line = handle.readline()
        if not header_line.strip():
            raise UserInputError(path, 1, flag, "file is empty, expected a header line",
                                 f"The header must name: {' '.join(required)}.")
        header = header_line.rstrip("\r\n").split("\t")
        for column in required:
            if column not in header:
                raise UserInputError(path, 1, column, "missing column",
                                     f"The header must name: {' '.join(required)}.")
        for number, line in enumerate(handle, start=2):
            text = line.rstrip("\r\n")
            if not text.strip():
                continue
            fields = text.split("\t")
            if len(fields) != len(header):
                raise UserInputError(path, number, None,
                                     f"{len(fields)} tab-separated fields but the header has {len(header)}",
                                     "Every row needs one value per column (NA for missing).")
            yield number, dict(zip(header, fields))


class SampleInfo(NamedTuple):
    group: str
    line: int  # the sample's first line in the CSV


def read_sample_groups(path: PathLike, flag: Optional[str] = None, *, lanes: bool = False,
                       both_groups: bool = False) -> Dict[str, SampleInfo]:
    """Sample -> group (and first line), in file order, from a CSV whose header names ``sample``
    and ``group`` (other columns are ignored).

    ``lanes``: a sample may have several rows (the samplesheet's lanes) if they agree on the
    group; otherwise each sample must be listed once. ``both_groups``: at least one case and one
    control are required (the comparisons need both); otherwise at least one sample.
    """
    samples: Dict[str, SampleInfo] = {}
    with open_input(path, flag) as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or not any(name.strip() for name in header):
            raise UserInputError(path, 1, flag, "no header line",
                                 "The first line must name the columns, at least: sample,group.")
        header = [name.strip().lstrip("\ufeff") for name in header]
        for column in SAMPLE_COLUMNS:
            if column not in header:
                raise UserInputError(path, 1, column, "missing column", "The header must name at least: sample,group.")
        at_sample, at_group = header.index("sample"), header.index("group")
        for fields in reader:
            number = reader.line_num
            if not any(value.strip() for value in fields):
                continue
            if len(fields) != len(header):
                raise UserInputError(path, number, None,
                                     f"{len(fields)} comma-separated fields but the header has {len(header)}",
                                     "Give every row one value per column.")
            sample, group = fields[at_sample].strip(), fields[at_group].strip()
            if not sample:
                raise UserInputError(path, number, "sample", "empty sample name", "Name every sample.")
            if group not in GROUPS:
                raise UserInputError(path, number, "group", f"unknown group '{group}'", "Use case or control.")
            known = samples.get(sample)
            if known is None:
                samples[sample] = SampleInfo(group, number)
            elif not lanes:
                raise UserInputError(path, number, "sample",
                                     f"sample '{sample}' is listed twice (first on line {known.line})",
                                     "List each sample once.")
            elif known.group != group:
                raise UserInputError(path, number, "group",
                                     f"sample '{sample}' is '{group}' here but '{known.group}' on line {known.line}",
                                     "Give every row of a sample the same group.")
    if both_groups:
        for group in GROUPS:
            if all(info.group != group for info in samples.values()):
                raise UserInputError(path, None, "group", f"no samples in group '{group}'",
                                     "The comparison needs at least one case and one control.")
    if not samples:
        raise UserInputError(path, None, "sample", "no samples listed", "Add one row per sample.")
    return samples


def check_sample(path: PathLike, line: int, sample: str, group: str, samples: Mapping[str, str],
                 samples_path: PathLike) -> None:
    """A row naming a sample and its group must agree with the samplesheet (sample -> group)."""
    if sample not in samples:
        raise UserInputError(path, line, "sample", f"sample '{sample}' is not in the samplesheet {samples_path}",
                             "Give the samplesheet of the run that made this file.")
    if group != samples[sample]:
        raise UserInputError(path, line, "group",
                             f"sample '{sample}' is '{group}' here but '{samples[sample]}' in {samples_path}",
                             "Give the samplesheet of the run that made this file.")


def check_every_sample(path: PathLike, seen: Iterable[Tuple[str, Mapping[str, int]]], samples: Iterable[str],
                       what: str) -> None:
    """Every ``what`` (variant, gene) must have a row for every sample; ``seen`` holds, per ``what``,
    its name and sample -> line of its rows (the carrier denominators rely on it)."""
    samples = list(samples)
    for name, rows in seen:
        missing = [sample for sample in samples if sample not in rows]
        if missing:
            raise UserInputError(path, min(rows.values()), "sample",
                                 f"{what} '{name}' has no row for sample(s) {first_few(missing)}",
                                 f"The file must have one row per sample per {what}.")
