"""hlhscreen.fastq / bin/check_fastq.py: a damaged FASTQ pair fails with the file and the read number."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path
from typing import Callable, List, Optional, Tuple

import pytest
from hypothesis import given, settings, strategies as st

from conftest import BIN
from hlhscreen.errors import UserInputError
from hlhscreen.fastq import check_pair
from quality_encodings import solexa_char
from shared_data import find_shared

REPO = Path(__file__).resolve().parents[1]
READS = REPO / "assets/test_cohort/reads"


def records(n: int, mate: int, sample: str = "S1", length: int = 20) -> List[str]:
    # the two mates read different bases, as real pairs do (identical mates are refused)
    bases = "ACGTN" if mate == 1 else "TGCAN"
    return [f"@{sample}:{i} {mate}:N:0:1\n{bases * (length // 5)}\n+\n{'F' * length}\n" for i in range(1, n + 1)]


def write(path: Path, chunks: List[str]) -> Path:
    path.write_bytes(gzip.compress("".join(chunks).encode()))
    return path


def pair(tmp_path: Path, n: int = 50) -> Tuple[Path, Path]:
    return write(tmp_path / "x_R1.fastq.gz", records(n, 1)), write(tmp_path / "x_R2.fastq.gz", records(n, 2))


def error(r1: Path, r2: Path, batch: int = 7) -> str:
    with pytest.raises(UserInputError) as info:
        check_pair(r1, r2, batch_reads=batch)
    return str(info.value)


def test_the_test_cohort_lanes_pass_with_their_read_counts():
    summary = check_pair(READS / "case_01_L001_R1.fastq.gz", READS / "case_01_L001_R2.fastq.gz")
    assert summary.reads == 2075 and summary.bases_r1 == summary.bases_r2 == 2075 * 150


def test_a_truncated_gzip_names_the_last_complete_read(tmp_path):
    r1, r2 = pair(tmp_path, 2000)
    data = r1.read_bytes()
    r1.write_bytes(data[: len(data) // 2])
    text = error(r1, r2)
    assert "x_R1.fastq.gz: gzip: the file is cut short: the gzip stream ends early, after read" in text
    assert "(the reads after it are lost)" in text


def test_r2_with_fewer_reads(tmp_path):
    r1 = write(tmp_path / "x_R1.fastq.gz", records(30, 1))
    r2 = write(tmp_path / "x_R2.fastq.gz", records(22, 2))
    assert "x_R2.fastq.gz: reads: R2 ends after 22 reads but R1 (x_R1.fastq.gz) goes on: read 23 of R1 has no mate" \
        in error(r1, r2)


def test_a_broken_quality_line_names_file_line_and_read(tmp_path):
    chunks = records(30, 1)
    chunks[11] = chunks[11].replace("F" * 20, "F" * 19)
    r1 = write(tmp_path / "x_R1.fastq.gz", chunks)
    r2 = write(tmp_path / "x_R2.fastq.gz", records(30, 2))
    assert "x_R1.fastq.gz:48: read 12: 19 quality characters for 20 bases" in error(r1, r2)


def test_a_missing_line_puts_the_records_out_of_step(tmp_path):
    chunks = records(30, 1)
    chunks[4] = chunks[4].split("\n", 1)[1]  # read 5 loses its header line
    r1 = write(tmp_path / "x_R1.fastq.gz", chunks)
    r2 = write(tmp_path / "x_R2.fastq.gz", records(30, 2))
    assert "x_R1.fastq.gz:17: read 5: the header line does not start with '@'" in error(r1, r2)


def test_r2_from_another_sample(tmp_path):
    r1 = write(tmp_path / "x_R1.fastq.gz", records(30, 1, sample="S1"))
    r2 = write(tmp_path / "x_R2.fastq.gz", records(30, 2, sample="S2"))
    assert "x_R2.fastq.gz:1: read 1: read name 'S2:1' is not the mate of R1's 'S1:1' (x_R1.fastq.gz)" in error(r1, r2)


def test_gzip_of_garbage_is_not_a_fastq(tmp_path):
    r1 = tmp_path / "x_R1.fastq.gz"
    r1.write_bytes(gzip.compress(bytes(range(256)) * 40))
    r2 = write(tmp_path / "x_R2.fastq.gz", records(5, 2))
    assert "x_R1.fastq.gz:1: read 1: the header line does not start with '@'" in error(r1, r2)
    assert "not a FASTQ file" in error(r1, r2)


@pytest.mark.parametrize("damage, expected", [
    (lambda text: text.replace("ACGTN", "ACG!N", 1), "read 1: the sequence holds '!', not a base letter"),
    (lambda text: text.replace("FFFF", "FF\x7fF", 1), "read 1: the quality line holds characters outside"),
    (lambda text: text.replace("\n", "\r\n"), "Windows line endings"),
    (lambda text: text[: text.rindex("+")], "the file ends in the middle of read 30 (2 of its 4 lines)"),
    (lambda text: "", "the FASTQ files hold no reads"),
])
def test_record_damage(tmp_path, damage, expected):
    r1 = tmp_path / "x_R1.fastq.gz"
    r1.write_bytes(gzip.compress(damage("".join(records(30, 1))).encode()))
    r2 = write(tmp_path / "x_R2.fastq.gz", records(30 if "no reads" not in expected else 0, 2))
    assert expected in error(r1, r2)


def test_mate_suffixes_and_comments_and_multi_member_gzip_are_accepted(tmp_path):
    long_1, long_2 = "ACGT" * 8, "TGCA" * 8
    r1 = tmp_path / "x_R1.fastq.gz"
    r1.write_bytes(gzip.compress(f"@a/1\n{long_1}\n+\n{'F' * 32}\n".encode()) + gzip.compress("@b/1 x\nAC\n+\nFF\n\n".encode()))
    r2 = write(tmp_path / "x_R2.fastq.gz", [f"@a/2\n{long_2}\n+\n{'F' * 32}\n", "@b/2 y\nAC\n+\nFF\n"])
    assert check_pair(r1, r2).reads == 2


def test_r2_repeating_r1_is_refused(tmp_path):
    # a copy of R1 given as R2: the names pair, so only the reads themselves show it
    r1, _ = pair(tmp_path, 30)
    r2 = tmp_path / "copy_R2.fastq.gz"
    r2.write_bytes(r1.read_bytes())
    assert "copy_R2.fastq.gz: reads: R2 holds the same reads as R1 (x_R1.fastq.gz): its first 7 reads" in error(r1, r2)
    # one mate pair that happens to agree is not enough
    r2 = write(tmp_path / "y_R2.fastq.gz", records(1, 2) + records(30, 2)[1:])
    r1 = write(tmp_path / "y_R1.fastq.gz", [records(1, 2)[0].replace(" 2:", " 1:")] + records(30, 1)[1:])
    assert check_pair(r1, r2, batch_reads=7).reads == 30


def test_trailing_garbage_after_the_gzip_stream_is_damage(tmp_path):
    r1, r2 = pair(tmp_path, 10)
    r2.write_bytes(r2.read_bytes() + b"\0\0\0\0garbage")
    assert "x_R2.fastq.gz: gzip: the gzip data is damaged" in error(r1, r2)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 60), batch=st.integers(1, 25), cut=st.floats(0.05, 0.95))
def test_any_cut_of_r2_fails_and_the_intact_pair_passes(tmp_path_factory, n, batch, cut):
    tmp_path = tmp_path_factory.mktemp("fq")
    r1, r2 = pair(tmp_path, n)
    assert check_pair(r1, r2, batch_reads=batch).reads == n
    text = "".join(records(n, 2))
    r2.write_bytes(gzip.compress(text[: max(1, int(len(text) * cut))].encode()))
    with pytest.raises(UserInputError) as info:
        check_pair(r1, r2, batch_reads=batch)
    assert "x_R2.fastq.gz" in str(info.value) or "x_R1.fastq.gz" in str(info.value)


def test_cli_exit_status_message_and_no_summary_on_error(tmp_path):
    r1 = write(tmp_path / "x_R1.fastq.gz", records(10, 1))
    r2 = write(tmp_path / "x_R2.fastq.gz", records(9, 2))
    out = tmp_path / "x.fastq_check.tsv"
    result = subprocess.run([sys.executable, str(BIN / "check_fastq.py"), str(r1), str(r2), "--sample", "x",
                             "--out", str(out)], capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr.startswith(f"ERROR {r2}: reads: R2 ends after 9 reads")
    assert not out.exists()
    r2 = write(tmp_path / "x_R2.fastq.gz", records(10, 2))
    ok = subprocess.run([sys.executable, str(BIN / "check_fastq.py"), str(r1), str(r2),
                         "--sample", "x", "--out", str(out)], capture_output=True, text=True)
    assert ok.returncode == 0 and out.read_text().splitlines()[1].split("\t")[4] == "10"


@settings(max_examples=30, deadline=None)
@given(members=st.lists(st.binary(min_size=0, max_size=3000), min_size=1, max_size=4), block=st.integers(1, 700))
def test_inflate_gives_every_byte_whatever_the_block_size(members, block):
    # bounded decompression must neither lose nor repeat output, across gzip members
    import tempfile

    from hlhscreen import fastq as F

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.gz"
        path.write_bytes(b"".join(gzip.compress(member) for member in members))
        old, F._BLOCK = F._BLOCK, block
        try:
            assert b"".join(F._inflate(path)) == b"".join(members)
        finally:
            F._BLOCK = old


def test_a_last_read_trimmed_to_nothing_is_a_whole_record(tmp_path):
    # cutadapt without --minimum-length writes reads of length 0 (an empty sequence and quality line);
    # as the file's last record it was taken for blank lines at the end and named a cut file
    r1 = write(tmp_path / "t_R1.fastq.gz", records(9, 1) + ["@S1:10 1:N:0:1\n\n+\n\n"])
    r2 = write(tmp_path / "t_R2.fastq.gz", records(10, 2))
    assert check_pair(r1, r2, batch_reads=4).reads == 10
    # blank lines after the last record stay harmless, after an empty read too
    r1.write_bytes(gzip.compress(gzip.decompress(r1.read_bytes()) + b"\n\n\n\n\n"))
    assert check_pair(r1, r2, batch_reads=4).reads == 10


def test_a_read_without_a_name_is_refused_with_its_number(tmp_path):
    # bwa writes an empty QNAME, samtools sort then fails the alignment task with "empty query name"
    r1, r2 = pair(tmp_path, 10)
    lines_1 = records(10, 1)
    lines_1[4] = lines_1[4].replace("@S1:5 1:N:0:1", "@ 1:N:0:1")
    write(r1, lines_1)
    assert "x_R1.fastq.gz:17: read 5: the header line holds no read name" in error(r1, r2)


def named_pair(tmp_path: Path, names_1: List[str], names_2: List[str], length: int = 30) -> Tuple[Path, Path]:
    """Reads under the given header lines (without '@'); R2's bases differ from R1's."""
    def text(names: List[str], bases: str) -> List[str]:
        return [f"@{name}\n{bases * (length // 5)}\n+\n{'F' * (length // 5 * 5)}\n" for name in names]
    return (write(tmp_path / "n_R1.fastq.gz", text(names_1, "ACGTN")),
            write(tmp_path / "n_R2.fastq.gz", text(names_2, "TGCAN")))


@pytest.mark.parametrize("name_1, name_2", [
    ("M0:1:FC:1:1101:{i}:2000 1:N:0:ACGT+TGCA", "M0:1:FC:1:1101:{i}:2000 2:N:0:ACGT+TGCA"),   # CASAVA 1.8 / BCL Convert
    ("M0:1:FC:1:1101:{i}:2000:ACGTACGT 1:N:0:ACGT", "M0:1:FC:1:1101:{i}:2000:ACGTACGT 2:N:0:ACGT"),  # UMI in the name
    ("M0:1:FC:1:1101:{i}:2000 1:Y:0:ACGT", "M0:1:FC:1:1101:{i}:2000 2:Y:0:ACGT"),           # failed chastity filter
    ("HWI-ST1:8:FC:1:1:{i}:1000#0/1", "HWI-ST1:8:FC:1:1:{i}:1000#0/2"),                      # Illumina 1.3-1.7
    ("SRR123.{i} {i} length=30", "SRR123.{i} {i} length=30"),                                # fastq-dump --split-files
    ("SRR123.{i} M0:1:FC:1:1101:{i}:2000 length=30", "SRR123.{i} M0:1:FC:1:1101:{i}:2000 length=30"),  # fasterq-dump
    ("ERR123.{i} M0:1:FC:1:1101:{i}:2000/1", "ERR123.{i} M0:1:FC:1:1101:{i}:2000/2"),        # ENA
    ("V300012345L1C001R00100000{i}/1", "V300012345L1C001R00100000{i}/2"),                    # MGI / BGI
    ("AV1:RUN1:FC:1:10102:{i}:456 1:N:0:ACGT+TGCA", "AV1:RUN1:FC:1:10102:{i}:456 2:N:0:ACGT+TGCA"),  # Element AVITI
    ("r{i}\t1:N:0 ", "r{i}\t2:N:0   "),                                                     # a tab, trailing spaces
])
def test_read_names_as_sequencers_and_archives_write_them_pair(tmp_path, name_1, name_2):
    r1, r2 = named_pair(tmp_path, [name_1.format(i=i) for i in range(1, 31)], [name_2.format(i=i) for i in range(1, 31)])
    assert check_pair(r1, r2, batch_reads=7).reads == 30


def test_sra_read_numbers_in_the_names_are_named_with_the_fix(tmp_path):
    # fastq-dump --readids: SRR123.1.1 / SRR123.1.2; bwa stops on them ("paired reads have different names")
    r1, r2 = named_pair(tmp_path, [f"SRR123.{i}.1 {i} length=30" for i in range(1, 11)],
                        [f"SRR123.{i}.2 {i} length=30" for i in range(1, 11)])
    text = error(r1, r2)
    assert "n_R2.fastq.gz:1: read 1: read name 'SRR123.1.2' is not the mate of R1's 'SRR123.1.1'" in text
    assert "the SRA read number (.1/.2, written by fastq-dump --readids)" in text and "fasterq-dump" in text
    # the sed command given drops the suffix
    fix = text.split("drop the suffix: ", 1)[1].split(" | gzip")[0].split("| ", 1)[1]
    fixed = subprocess.run(["sh", "-c", fix], input="@SRR123.7.1 7 length=30\nACGT\n+\nFFFF\n", text=True,
                           capture_output=True, check=True).stdout
    assert fixed.splitlines()[0] == "@SRR123.7 7 length=30" and fixed.splitlines()[3] == "FFFF"


@pytest.mark.parametrize("length", [0, 8, 10, 18])
def test_an_index_read_file_given_as_r2_is_refused(tmp_path, length):
    # I1 (8-10 bases) under R2: the names pair and the counts agree, but every pair would have a mate
    # bwa cannot align, and the lane would silently be aligned as single-end
    r1 = write(tmp_path / "x_R1.fastq.gz", records(40, 1, length=150))
    i1 = write(tmp_path / "x_I1.fastq.gz", [f"@S1:{i} 1:N:0:1\n{('ACGTACGTAC' * 2)[:length]}\n+\n{'F' * length}\n"
                                            for i in range(1, 41)])
    text = error(r1, i1, batch=20)
    assert "x_I1.fastq.gz: reads: the first 20 reads of R2 hold " in text
    assert ("no bases at all" if length == 0 else f"at most {length} bases") in text
    assert "bwa mem cannot align a read shorter than 19 bases" in text and "..._I1_001" in text
    # given as R1 too
    assert "x_I1.fastq.gz: reads: the first 20 reads of R1 hold" in error(i1, r1, batch=20)


def test_mates_of_very_different_lengths_and_some_empty_reads_pass(tmp_path):
    # 151 + 51 cycles, and reads trimmed to nothing among others: bwa aligns the other mate alone
    r1 = write(tmp_path / "x_R1.fastq.gz", records(20, 1, length=150) + ["@S1:21 1:N:0:1\n\n+\n\n"])
    r2 = write(tmp_path / "x_R2.fastq.gz", records(21, 2, length=50))
    summary = check_pair(r1, r2, batch_reads=8)
    assert (summary.reads, summary.bases_r1, summary.bases_r2) == (21, 3000, 1050)


def to_phred64(chunks: List[str]) -> List[str]:
    return ["".join(line if n % 4 != 3 else "".join(chr(ord(c) + 31) for c in line.rstrip("\n")) + "\n"
                    for n, line in enumerate(chunk.splitlines(True))) for chunk in chunks]


def test_phred64_in_r2_only_is_refused(tmp_path):
    # judged on each file: one file converted (or not) by itself
    low = [f"@S1:{i} 1:N:0:1\n{'ACGTN' * 10}\n+\n{'#5F' * 16}FF\n" for i in range(1, 41)]
    r1 = write(tmp_path / "x_R1.fastq.gz", low)
    r2 = write(tmp_path / "x_R2.fastq.gz", to_phred64([c.replace(" 1:", " 2:").replace("ACGTN", "TGCAN") for c in low]))
    assert "x_R2.fastq.gz:4: read 1: the qualities are Phred+64 (Illumina 1.3-1.7" in error(r1, r2, batch=40)
    assert check_pair(r1, write(tmp_path / "y_R2.fastq.gz", [c.replace(" 1:", " 2:").replace("ACGTN", "TGCAN")
                                                             for c in low])).reads == 40


def cohort_lane(n: int, mate: int) -> List[Tuple[str, str, str]]:
    """The first ``n`` reads of a test-cohort lane (NovaSeq-binned qualities '#', '-', '8', 'F') as (header, bases,
    qualities)."""
    with gzip.open(READS / f"case_01_L001_R{mate}.fastq.gz", "rt") as handle:
        lines = [next(handle).rstrip("\n") for _ in range(4 * n)]
    return list(zip(lines[0::4], lines[1::4], lines[3::4]))


def lane_files(tmp_path: Path, n: int, encode: Callable[[str], str] = lambda c: c,
               qualities: Optional[Callable[[int, str], str]] = None) -> Tuple[Path, Path]:
    """R1 and R2 of a cohort lane, their quality characters re-encoded by ``encode`` (or replaced by
    ``qualities(read number, qualities)``)."""
    paths = []
    for mate in (1, 2):
        reads = cohort_lane(n, mate)
        text = "".join(f"{header}\n{bases}\n+\n{''.join(encode(c) for c in (qualities(i, qual) if qualities else qual))}\n"
                       for i, (header, bases, qual) in enumerate(reads, 1))
        paths.append(write(tmp_path / f"c_R{mate}.fastq.gz", [text]))
    return paths[0], paths[1]


def test_phred64_names_the_read_and_the_conversion(tmp_path):
    """Illumina 1.3-1.7 qualities (offset 64): bwa and FreeBayes read them as Phred+33, 31 points too high. The
    first reads of the lane happen to hold nothing above ']' once shifted; the error names read 3, the first that
    does (before: the file, no read)."""
    low = lambda number, qual: "#" * len(qual) if number < 3 else qual  # noqa: E731
    r1, r2 = lane_files(tmp_path, 200, lambda c: chr(ord(c) + 31), low)
    text = error(r1, r2, batch=200)
    assert "c_R1.fastq.gz:12: read 3: the qualities are Phred+64 (Illumina 1.3-1.7, or Solexa+64 without a negative " \
           "score; lowest 'B')" in text
    assert "no character below ';' in the first 200 reads" in text and "read 3 has 'e', above the ']' (Q60) of any Phred+33 base caller" in text
    assert "seqtk seq -Q64 -V in.fastq.gz | gzip > out.fastq.gz" in text and "qin=64 qout=33" in text


def test_solexa_qualities_are_refused_as_solexa(tmp_path):
    """Solexa+64 (Illumina before 1.3) writes negative scores as ';'..'?': below '@', so the Phred+64 rule let them
    pass and the lane was aligned with qualities 26-31 points too high (before: accepted)."""
    r1, r2 = lane_files(tmp_path, 200, solexa_char)
    assert {solexa_char(c) for c in "#-8F"} == {">", "L", "W", "e"}  # Q2 is Solexa -2
    text = error(r1, r2, batch=200)
    assert "c_R1.fastq.gz:4: read 1: the qualities are Solexa+64 (Illumina before 1.3: '>' is a negative Solexa " \
           "score)" in text
    assert "'fastq-solexa'" in text and "seqtk seq -Q64 -V, turns negative scores into characters below '!'" in text
    # with check_fastq.py: exit 2, the sample and lane named, no summary written
    result = subprocess.run([sys.executable, str(BIN / "check_fastq.py"), str(r1), str(r2), "--sample", "P1",
                             "--out", str(tmp_path / "x.tsv")], capture_output=True, text=True)
    assert result.returncode == 2 and not (tmp_path / "x.tsv").exists()
    assert "c_R1.fastq.gz:4: read 1: the qualities are Solexa+64" in result.stderr and "(sample P1, lane 1" in result.stderr


@pytest.mark.parametrize("qualities", [
    None,                                                  # NovaSeq bins '#', '-', '8', 'F' (the cohort's)
    lambda number, qual: qual.replace("#", "F"),           # no N base: ':' (Q25) or lower still proves Phred+33
    lambda number, qual: qual.replace("#", ":").replace("-", ":").replace("8", ":"),  # NovaSeq bins ':' and 'F'
    lambda number, qual: "F" * len(qual),                  # all-high-quality reads, one bin
    lambda number, qual: "AJ"[number % 2] * len(qual),     # HiSeq-era highs up to 'J' (Q41)
    lambda number, qual: "?K"[number % 2] * len(qual),     # Q30 and Q42, nothing below ';'
], ids=["novaseq_bins", "no_n_bases", "bins_colon_and_f", "all_f", "up_to_j", "up_to_k"])
def test_modern_phred33_qualities_are_never_taken_for_offset_64(tmp_path, qualities):
    r1, r2 = lane_files(tmp_path, 300, qualities=qualities)
    assert check_pair(r1, r2, batch_reads=300).reads == 300


# Element AVITI (bases2fastq) writes Phred+33 up to Q56 ('Y'): its quality table maps each score to ASCII 33+Q;
# a lane of high-quality reads (or one quality-filtered, e.g. fastp -q 30) holds nothing below Q30 ('?')
_AVITI = {"#": "?", "-": "I", "8": "N", "F": "S"}  # the cohort's NovaSeq bins moved to Q30, Q40, Q45, Q50


@pytest.mark.parametrize("qualities", [
    lambda number, qual: "".join(_AVITI[c] for c in qual),                       # Q30-Q50, nothing below ';'
    lambda number, qual: "".join(_AVITI[c] for c in qual[:-1]) + "Y",           # a Q56 base, the highest AVITI writes
    lambda number, qual: "?" * (len(qual) // 2) + "T" * (len(qual) - len(qual) // 2),  # Q30 then Q51
], ids=["q30_to_q50", "up_to_q56", "q30_and_q51"])
def test_avitis_phred33_above_q41_is_not_taken_for_offset_64(tmp_path, qualities):
    """Element AVITI Phred+33 of Q30-Q56 with no quality below Q26: read as Solexa+64 ('?' taken for a negative
    Solexa score) and the lane refused (before: any character above 'K' with none below ';' was offset 64)."""
    r1, r2 = lane_files(tmp_path, 300, qualities=qualities)
    assert check_pair(r1, r2, batch_reads=300).reads == 300


def test_phred64_whose_highest_quality_is_q30_is_still_refused(tmp_path):
    """The new threshold (above ']', Phred+64 Q29) still catches an offset-64 lane whose best bases are Q30 ('^')."""
    r1, r2 = lane_files(tmp_path, 300, lambda c: chr(ord(c) + 31),
                        lambda number, qual: qual.replace("F", "?"))  # Q2, Q12, Q23, Q30 as Phred+64
    assert "the qualities are Phred+64" in error(r1, r2, batch=300) and "has '^', above the ']' (Q60)" in error(r1, r2, batch=300)


def test_too_few_qualities_are_not_judged(tmp_path):
    # 5 reads x 150 bases: fewer than 1000 quality characters, too few to tell an encoding by
    r1, r2 = lane_files(tmp_path, 5, lambda c: chr(ord(c) + 31))
    assert check_pair(r1, r2).reads == 5


@pytest.mark.parametrize("data, expected", [
    (b"@S1:1 1:N:0:1\nACGT\n", "the file is a plain (uncompressed) FASTQ, not gzip-compressed. Recompress it: cat in | gzip"),
    (__import__("bz2").compress(b"@S1:1\n"), "the file is bzip2-compressed (.bz2), not gzip-compressed"),
    (b"\x28\xb5\x2f\xfd\x04\x00", "the file is zstd-compressed (.zst), not gzip-compressed. Recompress it: zstdcat"),
    (b"", "the file is empty (0 bytes), not a gzip file"),
    (b"1. Samples\n", "the file is not gzip-compressed (it starts with b'1. S'). Give the gzipped FASTQ (.fastq.gz)."),
])
def test_a_file_that_is_not_gzip_is_named_as_what_it_is(tmp_path, data, expected):
    # remote FASTQs reach this check without the samplesheet's look at their first bytes
    r1, r2 = pair(tmp_path, 10)
    r2.write_bytes(data)
    assert f"x_R2.fastq.gz: gzip: {expected}" in error(r1, r2)


def test_the_not_gzip_message_stays_whole_with_the_sample_and_lane(tmp_path):
    """check_fastq.py adds the sample and lane to the problem: the problem and the fix were told apart by
    cutting the text at its first '. ', which may lie in the bytes shown, so the lane landed inside them."""
    r1, r2 = pair(tmp_path, 10)
    r2.write_bytes(b"1. Samples\n")
    result = subprocess.run([sys.executable, str(BIN / "check_fastq.py"), str(r1), str(r2), "--sample", "P1", "--lane",
                             "2", "--out", str(tmp_path / "x.tsv")], capture_output=True, text=True)
    assert result.returncode == 2 and not (tmp_path / "x.tsv").exists()
    assert ("x_R2.fastq.gz: gzip: the file is not gzip-compressed (it starts with b'1. S') (sample P1, lane 2: its "
            "2nd row in the samplesheet). Give the gzipped FASTQ (.fastq.gz).") in result.stderr, result.stderr


def test_bgzf_crlf_free_unterminated_lower_case_and_dot_pass(tmp_path):
    # BGZF (bgzip: many gzip members and an empty end member), no newline after the last quality line,
    # lower-case bases and '.' for a no-call (older Illumina pipelines)
    pysam = pytest.importorskip("pysam")
    text = "".join(records(30, 1, length=30)).lower().replace("@s1", "@S1").replace(":n:", ":N:")
    text = text.replace("acgtn", "acg.n", 3).rstrip("\n")
    r1 = tmp_path / "x_R1.fastq.gz"
    with pysam.BGZFile(str(r1), "wb") as out:
        out.write(text.encode())
    r2 = write(tmp_path / "x_R2.fastq.gz", records(30, 2, length=30))
    assert check_pair(r1, r2, batch_reads=7).reads == 30


def test_the_error_names_the_sample_and_the_lane(tmp_path):
    # a sample's lanes often come as files of one name in two run folders: the file name alone is not enough
    lane_1, lane_2 = tmp_path / "run1", tmp_path / "run2"
    for folder, n_r2 in ((lane_1, 10), (lane_2, 9)):
        folder.mkdir()
        write(folder / "P1_R1.fastq.gz", records(10, 1))
        write(folder / "P1_R2.fastq.gz", records(n_r2, 2))
    runs = [subprocess.run([sys.executable, str(BIN / "check_fastq.py"), str(folder / "P1_R1.fastq.gz"),
                            str(folder / "P1_R2.fastq.gz"), "--sample", "P1", "--lane", lane, "--out",
                            str(folder / "x.tsv")], capture_output=True, text=True)
            for folder, lane in ((lane_1, "1"), (lane_2, "2"))]
    assert runs[0].returncode == 0 and runs[1].returncode == 2
    assert "R2 ends after 9 reads but R1 (P1_R1.fastq.gz) goes on: read 10 of R1 has no mate (sample P1, lane 2: " \
           "its 2nd row in the samplesheet). R1 and R2 must hold" in runs[1].stderr


def test_reads_that_failed_the_chastity_filter_are_counted(tmp_path):
    # bcl2fastq --with-failed-reads keeps them, flagged 1:Y:; valid reads, aligned and called like the
    # others: counted in the lane's summary, not refused. ':Y:' elsewhere in a header is not the flag.
    flag = ["Y" if i % 3 == 0 else "N" for i in range(1, 31)]
    r1, r2 = named_pair(tmp_path, [f"M0:1:FC:1:1:{i}:9:AC:Y:GT 1:{flag[i - 1]}:0:ACGT" for i in range(1, 31)],
                        [f"M0:1:FC:1:1:{i}:9:AC:Y:GT 2:{flag[i - 1]}:0:ACGT" for i in range(1, 31)])
    assert check_pair(r1, r2, batch_reads=7).failed_filter == 10
    out = tmp_path / "x.tsv"
    subprocess.run([sys.executable, str(BIN / "check_fastq.py"), str(r1), str(r2), "--sample", "x", "--out", str(out)],
                   check=True, capture_output=True)
    header, row = out.read_text().splitlines()
    assert dict(zip(header.split("\t"), row.split("\t")))["pairs_failed_filter"] == "10"
    r1, r2 = named_pair(tmp_path, [f"M0:1:FC:1:1:{i}:9 1:N:0:ACGT" for i in range(1, 31)],
                        [f"M0:1:FC:1:1:{i}:9 2:N:0:ACGT" for i in range(1, 31)])
    assert check_pair(r1, r2).failed_filter == 0


@pytest.mark.parametrize("name_1, name_2, failed", [
    ("A00785:986:HWLHTDSX7:2:1242:{i}:13182 1:N:0:ATCACG", "A00785:986:HWLHTDSX7:2:1242:{i}:13182 2:N:0:ATCACG", 0),
    ("M0:1:FC:1:1:{i}:9 1:{f}:0:1", "M0:1:FC:1:1:{i}:9 2:{f}:0:1", 10),              # sample number, no index
    ("M0:1:FC:1:1:{i}:9 1:{f}:0:", "M0:1:FC:1:1:{i}:9 2:{f}:0:", 10),                # empty index field
    ("M0:1:FC:1:1:{i}:9\t1:{f}:0", "M0:1:FC:1:1:{i}:9\t2:{f}:0", 10),                # index dropped, a tab
    ("M0:1:FC:1:1:{i}:9 1:{f}:18:ACGT+TG", "M0:1:FC:1:1:{i}:9 2:{f}:18:ACGT+TG", 10),  # control bits set
    # no filter flag in the names: not assessed (None, NA in the table), not 0
    ("HSQ1004:134:C0D8DACXX:1:1304:{i}:18692", "HSQ1004:134:C0D8DACXX:1:1304:{i}:18692", None),  # comment stripped
    ("SRR001666.{i} 071112_SLXA-EAS1_s_7:5:1:817:{i} length=30", "SRR001666.{i} 071112_SLXA-EAS1_s_7:5:1:817:{i} "
     "length=30", None),                                                                      # fasterq-dump
    ("HWI-ST1:8:1101:1:{i}#0/1", "HWI-ST1:8:1101:1:{i}#0/2", None),                         # pre-CASAVA 1.8
    ("M0:1:FC:1:1:{i}:9 BX:Z:ACGT 1:N:0:1", "M0:1:FC:1:1:{i}:9 BX:Z:ACGT 2:N:0:1", None),   # flag not the comment
])
def test_pairs_failed_filter_assessed_only_where_every_r1_name_carries_the_flag(tmp_path, name_1, name_2, failed):
    """The failed-filter count is read from the CASAVA 1.8 comment (1:Y:0:<index>, the index optional); names
    without it (SRA, ENA, stripped) say nothing about the filter: None, written NA, where it was 0, a count the
    QC table read as 'no pair failed'. A lane where only some R1 names carry it is not assessed either."""
    flag = ["Y" if i % 3 == 0 else "N" for i in range(1, 31)]
    names = [[name.format(i=i, f=flag[i - 1]) for i in range(1, 31)] for name in (name_1, name_2)]
    r1, r2 = named_pair(tmp_path, *names)
    assert check_pair(r1, r2, batch_reads=7).failed_filter == failed
    out = tmp_path / "x.tsv"
    subprocess.run([sys.executable, str(BIN / "check_fastq.py"), str(r1), str(r2), "--sample", "x", "--out", str(out)],
                   check=True, capture_output=True)
    header, row = out.read_text().splitlines()
    assert dict(zip(header.split("\t"), row.split("\t")))["pairs_failed_filter"] == ("NA" if failed is None else str(failed))
    if failed is not None:  # one R1 name without the flag, in the last batch: the lane is not assessed
        names[0][-1] = names[0][-1].split()[0]
        names[1][-1] = names[1][-1].split()[0]
        r1, r2 = named_pair(tmp_path, *names)
        assert check_pair(r1, r2, batch_reads=7).failed_filter is None


REALDATA = find_shared("realdata")


@pytest.mark.skipif(REALDATA is None, reason="../shared/realdata is absent")
def test_real_reads_without_comments_leave_failed_filter_not_assessed():
    """The real GIAB reads (HiSeq and NovaSeq names without the CASAVA comment): not assessed, not 0."""
    for r1 in (REALDATA / "giab_hg001_hg002_chr2_grch38/HG001_R1.fastq.gz",
               REALDATA / "giab_na12878_chr20_grch37/NA12878_S1.chr20.10_10p1mb_R1.fastq.gz"):
        summary = check_pair(r1, Path(str(r1).replace("_R1.", "_R2.")))
        assert summary.reads > 400 and summary.failed_filter is None, r1
