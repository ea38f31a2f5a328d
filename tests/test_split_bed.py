"""bin/split_bed.py: chunks keep every interval, whole and in order, none empty."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, strategies as st

from conftest import BIN
from hlhscreen.bed import Interval, read_intervals, split_balanced
from hlhscreen.errors import UserInputError

intervals_strategy = st.lists(st.integers(1, 5000), min_size=1, max_size=60).map(
    lambda lengths: [Interval("chr1", i * 10000, i * 10000 + n, (f"r{i}",)) for i, n in enumerate(lengths)])


@given(intervals_strategy, st.integers(1, 20))
def test_chunks_partition_the_intervals_in_order(intervals, n):
    chunks = split_balanced(intervals, n)
    assert [i for chunk in chunks for i in chunk] == intervals
    assert len(chunks) == min(n, len(intervals))
    assert all(chunks)


@given(st.lists(st.just(100), min_size=40, max_size=40), st.sampled_from([2, 4, 5, 8]))
def test_equal_intervals_split_evenly(lengths, n):
    intervals = [Interval("chr1", i * 1000, i * 1000 + length, ()) for i, length in enumerate(lengths)]
    sizes = [len(c) for c in split_balanced(intervals, n)]
    assert max(sizes) - min(sizes) <= 1


def test_cli_writes_chunk_files(tmp_path):
    bed = tmp_path / "t.bed"
    bed.write_text("".join(f"chr1\t{i * 100}\t{i * 100 + 50}\tr{i}\n" for i in range(10)))
    subprocess.run([sys.executable, str(BIN / "split_bed.py"), str(bed), "--chunks", "3", "--outdir", str(tmp_path)],
                   check=True)
    chunks = sorted(tmp_path.glob("chunk_*.bed"))
    assert [c.name for c in chunks] == ["chunk_001.bed", "chunk_002.bed", "chunk_003.bed"]
    assert "".join(c.read_text() for c in chunks) == bed.read_text()


@pytest.mark.parametrize("content, message", [
    ("", "t.bed: regions: the BED file has no intervals"),
    ("chr1\tx\t10\n", "t.bed:1: start/end: not a BED line"),
    ("chr1\t10\t5\n", "t.bed:1: start/end: need 0 <= start < end"),
])
def test_bad_bed(tmp_path, content, message):
    bed = tmp_path / "t.bed"
    bed.write_text(content)
    with pytest.raises(UserInputError, match=message):
        read_intervals(bed)
