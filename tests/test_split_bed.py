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


def test_auto_chunks_follow_target_size_and_sample_count():
    from hlhscreen.bed import SAMPLE_BASES_PER_CHUNK, auto_chunk_count
    many = [Interval("chr1", i * 1000, i * 1000 + 500, ()) for i in range(400)]  # 200 kb of targets
    # small cohorts: the minimum, so two cores both call
    assert auto_chunk_count(many, 1) == 2
    # 200 kb x 100 samples = 2e7 sample-bases -> 10 chunks of 2e6
    assert auto_chunk_count(many, 100) == 2e7 // SAMPLE_BASES_PER_CHUNK == 10
    # twice the samples, twice the chunks; never above the cap
    assert auto_chunk_count(many, 200) == 20
    assert auto_chunk_count(many, 100_000) == 256


@given(intervals_strategy, st.integers(1, 5000))
def test_auto_chunks_grow_with_samples_within_bounds(intervals, samples):
    from hlhscreen.bed import auto_chunk_count
    n = auto_chunk_count(intervals, samples)
    assert 2 <= n <= 256
    assert auto_chunk_count(intervals, samples + 1) >= n


def test_cli_auto_chunks(tmp_path):
    bed = tmp_path / "t.bed"
    bed.write_text("".join(f"chr1\t{i * 100000}\t{i * 100000 + 50000}\tr{i}\n" for i in range(10)))  # 500 kb
    result = subprocess.run([sys.executable, str(BIN / "split_bed.py"), str(bed), "--chunks", "auto", "--samples", "20",
                             "--outdir", str(tmp_path)], check=True, capture_output=True, text=True)
    # 500 kb x 20 samples = 1e7 sample-bases -> 5 chunks
    assert len(list(tmp_path.glob("chunk_*.bed"))) == 5
    assert "calling chunks: 5 (auto: 500000 bp of targets x 20 samples" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["--chunks", "auto"], "--samples: --chunks auto needs the number of samples"),
    (["--chunks", "0"], "--chunks: '0' is not a number >= 1 or auto"),
    (["--chunks", "many"], "--chunks: 'many' is not a number >= 1 or auto"),
])
def test_cli_bad_chunks(tmp_path, args, message):
    bed = tmp_path / "t.bed"
    bed.write_text("chr1\t0\t100\n")
    result = subprocess.run([sys.executable, str(BIN / "split_bed.py"), str(bed), *args, "--outdir", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    assert not list(tmp_path.glob("chunk_*.bed"))


def test_crlf_kit_bed_with_annotations_gives_clean_chunks(tmp_path):
    """A SureSelect-style BED saved with CRLF (read in text mode: universal newlines): clean chunk files."""
    bed = tmp_path / "kit.bed"
    bed.write_bytes(b'track name="S31285117_Covered"\r\nchr10\t100\t200\tref|PRF1,ens|ENST00000441259\r\n'
                    b"chr10\t300\t400\tref|PRF1\r\n")
    subprocess.run([sys.executable, str(BIN / "split_bed.py"), str(bed), "--chunks", "2", "--outdir", str(tmp_path / "out")],
                   check=True)
    chunks = sorted((tmp_path / "out").glob("chunk_*.bed"))
    assert [c.read_bytes() for c in chunks] == [b"chr10\t100\t200\tref|PRF1,ens|ENST00000441259\n",
                                                  b"chr10\t300\t400\tref|PRF1\n"]
