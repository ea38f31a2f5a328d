"""bin/check_samplesheet.py: every error names the file, the line and the field; exit status 2."""

from __future__ import annotations

import bz2
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BIN
from hlhscreen.errors import UserInputError
from hlhscreen.samplesheet import SamplesheetErrors, read_samplesheet, write_validated

HEADER = "sample,group,fastq_1,fastq_2"


def fastq(path: Path, compressed: bool = True) -> Path:
    # a read of its own per file, as real lanes have (copies of one file are refused)
    text = f"@{path.name}\nACGT\n+\nFFFF\n".encode()
    path.write_bytes(gzip.compress(text) if compressed else text)
    return path


@pytest.fixture
def reads(tmp_path: Path):
    names = ["a_R1", "a_R2", "b_R1", "b_R2", "c_R1", "c_R2"]
    return {n: fastq(tmp_path / f"{n}.fastq.gz") for n in names}


def sheet(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "samplesheet.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(UserInputError) as info:
        read_samplesheet(path)
    return str(info.value)


def test_valid_sheet_with_lanes_and_relative_paths(tmp_path, reads):
    path = sheet(tmp_path,
                 "A,case,a_R1.fastq.gz,a_R2.fastq.gz",
                 "A,case,c_R1.fastq.gz,c_R2.fastq.gz",
                 "B,control,b_R1.fastq.gz,b_R2.fastq.gz")
    lanes = read_samplesheet(path)
    assert [(l.sample, l.group, l.lane) for l in lanes] == [("A", "case", 1), ("A", "case", 2), ("B", "control", 1)]
    assert lanes[0].fastq_1 == (tmp_path / "a_R1.fastq.gz").resolve()
    out = tmp_path / "valid.json"
    write_validated(lanes, out)
    rows = json.loads(out.read_text())
    assert rows[0] == {"sample": "A", "group": "case", "sex": "unknown", "lane": 1, "fastq_1": str(lanes[0].fastq_1),
                       "fastq_2": str(lanes[0].fastq_2), "line": 2}
    assert {lane.sex for lane in lanes} == {"unknown"}


def test_optional_sex_column(tmp_path, reads):
    path = sheet(tmp_path,
                 "A,case,Male,a_R1.fastq.gz,a_R2.fastq.gz",
                 "A,case,male,c_R1.fastq.gz,c_R2.fastq.gz",
                 "B,control,,b_R1.fastq.gz,b_R2.fastq.gz",
                 header="sample,group,sex,fastq_1,fastq_2")
    assert [lane.sex for lane in read_samplesheet(path)] == ["male", "male", "unknown"]
    out = tmp_path / "valid.json"
    write_validated(read_samplesheet(path), out)
    assert json.loads(out.read_text())[0]["sex"] == "male"


@pytest.mark.parametrize("rows, expected", [
    (("A,case,M,a_R1.fastq.gz,a_R2.fastq.gz",), "samplesheet.csv:2: sex: unknown sex 'M'. Use male, female or unknown"),
    (("A,case,female,a_R1.fastq.gz,a_R2.fastq.gz", "A,case,male,c_R1.fastq.gz,c_R2.fastq.gz"),
     "samplesheet.csv:3: sex: sample 'A' is 'male' here but 'female' on line 2. Give every lane of a sample the same sex."),
])
def test_sex_errors(tmp_path, reads, rows, expected):
    path = sheet(tmp_path, *rows, "B,control,,b_R1.fastq.gz,b_R2.fastq.gz", header="sample,group,sex,fastq_1,fastq_2")
    assert expected in error_of(path)


@pytest.mark.parametrize("header, expected", [
    ("sample,group,fastq_1", "missing column(s) fastq_2"),
    ("sample,group,fastq_1,fastq_2,extra", "unexpected column(s) extra"),
    # were "unexpected column(s) ." (a nameless column), "a column is repeated" (which?), and a name
    # shown with its invisible character
    ("sample,,group,fastq_1,fastq_2", "column(s) 2 have no name."),
    ("sample,group,fastq_1,fastq_2,group", "column(s) group given more than once."),
    ("sample\u200b,group,fastq_1,fastq_2", "missing column(s) sample; unexpected column(s) 'sample\\u200b'."),
])
def test_missing_or_extra_column(tmp_path, reads, header, expected):
    message = error_of(sheet(tmp_path, "A,case,a_R1.fastq.gz,a_R2.fastq.gz", header=header))
    assert f"samplesheet.csv:1: header: {expected}" in message


def test_empty_field(tmp_path, reads):
    message = error_of(sheet(tmp_path, "A,case,a_R1.fastq.gz,", "B,control,b_R1.fastq.gz,b_R2.fastq.gz"))
    assert "samplesheet.csv:2: fastq_2: empty field" in message


def test_unknown_group(tmp_path, reads):
    message = error_of(sheet(tmp_path, "A,patient,a_R1.fastq.gz,a_R2.fastq.gz", "B,control,b_R1.fastq.gz,b_R2.fastq.gz"))
    assert "samplesheet.csv:2: group: unknown group 'patient'" in message


def test_sample_in_two_groups(tmp_path, reads):
    message = error_of(sheet(tmp_path,
                             "A,case,a_R1.fastq.gz,a_R2.fastq.gz",
                             "A,control,c_R1.fastq.gz,c_R2.fastq.gz",
                             "B,control,b_R1.fastq.gz,b_R2.fastq.gz"))
    assert "samplesheet.csv:3: group: sample 'A' is 'control' here but 'case' on line 2" in message


def test_duplicate_lane(tmp_path, reads):
    message = error_of(sheet(tmp_path,
                             "A,case,a_R1.fastq.gz,a_R2.fastq.gz",
                             "A,case,a_R1.fastq.gz,a_R2.fastq.gz",
                             "B,control,b_R1.fastq.gz,b_R2.fastq.gz"))
    assert "samplesheet.csv:3: fastq_1: duplicate lane" in message


def test_same_fastq_twice(tmp_path, reads):
    message = error_of(sheet(tmp_path, "A,case,a_R1.fastq.gz,a_R2.fastq.gz", "B,control,b_R1.fastq.gz,a_R2.fastq.gz"))
    assert "samplesheet.csv:3: fastq_2: FASTQ" in message and "is also given on line 2 (fastq_2)" in message


def test_fastq_missing(tmp_path, reads):
    message = error_of(sheet(tmp_path, "A,case,a_R1.fastq.gz,nothere.fastq.gz", "B,control,b_R1.fastq.gz,b_R2.fastq.gz"))
    assert "samplesheet.csv:2: fastq_2: FASTQ file not found" in message and "nothere.fastq.gz" in message


def test_fastq_unreadable_directory(tmp_path, reads):
    (tmp_path / "adir.fastq.gz").mkdir()
    message = error_of(sheet(tmp_path, "A,case,adir.fastq.gz,a_R2.fastq.gz", "B,control,b_R1.fastq.gz,b_R2.fastq.gz"))
    assert "samplesheet.csv:2: fastq_1: FASTQ file is not a readable file" in message


@pytest.mark.parametrize("data, expected", [
    (b"@r1\nACGT\n+\nFFFF\n", "plain.fastq.gz: the file is a plain (uncompressed) FASTQ, not gzip-compressed. "
                                "Recompress it: cat in | gzip > out.fastq.gz."),
    (bz2.compress(b"@r1\nACGT\n+\nFFFF\n"), "plain.fastq.gz: the file is bzip2-compressed (.bz2), not gzip-compressed. "
                                              "Recompress it: bzcat in | gzip"),
    (b"\x28\xb5\x2f\xfd\x00\x58", "the file is zstd-compressed (.zst), not gzip-compressed. Recompress it: zstdcat"),
    (b"", "plain.fastq.gz: the file is empty (0 bytes), not a gzip file. Copy it again from its source."),
    (b"ID\tseq\n", "the file is not gzip-compressed (it starts with b'ID\\ts')"),
    # '. ' in the bytes shown: the message was cut there ("(it starts with b'1" ... "'). Give ...")
    (b"1. Samples\n", "plain.fastq.gz: the file is not gzip-compressed (it starts with b'1. S'). Give the gzipped "
                      "FASTQ (.fastq.gz)."),
])
def test_fastq_not_gzip_names_what_it_is(tmp_path, reads, data, expected):
    # a plain, bzip2 or zstd FASTQ under a .fastq.gz name is said as such, with the command that converts it
    (tmp_path / "plain.fastq.gz").write_bytes(data)
    message = error_of(sheet(tmp_path, "A,case,plain.fastq.gz,a_R2.fastq.gz", "B,control,b_R1.fastq.gz,b_R2.fastq.gz"))
    assert "samplesheet.csv:2: fastq_1: FASTQ file " in message and expected in message


def test_a_small_fastq_cut_short_is_refused_at_start(tmp_path, reads):
    """The start check decompresses the first 128 KiB: a smaller file whose gzip stream is cut short is
    named there, before any task (larger ones are read to their end by CHECK_FASTQ)."""
    whole = gzip.compress(b"".join(f"@r{i}\nACGT\n+\nFFFF\n".encode() for i in range(500)))
    (tmp_path / "cut.fastq.gz").write_bytes(whole[: len(whole) // 2])
    message = error_of(sheet(tmp_path, "A,case,cut.fastq.gz,a_R2.fastq.gz", "B,control,b_R1.fastq.gz,b_R2.fastq.gz"))
    assert "samplesheet.csv:2: fastq_1: FASTQ file" in message
    assert "cut.fastq.gz is cut short: its gzip stream ends before its end marker" in message


def test_each_fastq_is_opened_once_at_start(tmp_path, reads, monkeypatch):
    """One open per file (name, gzip magic, first bytes and first read): samplesheets of many lanes on
    network storage."""
    import builtins
    opened: list = []
    real_open = builtins.open
    monkeypatch.setattr(builtins, "open", lambda file, *a, **k: (opened.append(str(file)), real_open(file, *a, **k))[1])
    read_samplesheet(sheet(tmp_path, "A,case,a_R1.fastq.gz,a_R2.fastq.gz", "B,control,b_R1.fastq.gz,b_R2.fastq.gz"))
    fastq_opens = [name for name in opened if name.endswith(".fastq.gz")]
    assert sorted(fastq_opens) == sorted(str(reads[n]) for n in ("a_R1", "a_R2", "b_R1", "b_R2")), fastq_opens


@pytest.mark.parametrize("name", ["patient 1", "site/patient1"])
def test_bad_sample_names(tmp_path, reads, name):
    message = error_of(sheet(tmp_path, f"{name},case,a_R1.fastq.gz,a_R2.fastq.gz", "B,control,b_R1.fastq.gz,b_R2.fastq.gz"))
    assert f"samplesheet.csv:2: sample: invalid sample name {name!r}" in message


@pytest.mark.parametrize("name", ["NA", "na", "NaN", "NULL"])
def test_sample_names_read_as_missing_values_are_refused(tmp_path, reads, name):
    """A sample named NA is 'no value' in carriers.tsv/gene_status.tsv and to R and pandas readers."""
    message = error_of(sheet(tmp_path, f"{name},case,a_R1.fastq.gz,a_R2.fastq.gz", "B,control,b_R1.fastq.gz,b_R2.fastq.gz"))
    assert f"samplesheet.csv:2: sample: the sample name {name!r} is the missing-value marker" in message


def test_wrong_number_of_fields(tmp_path, reads):
    message = error_of(sheet(tmp_path, "A,case,a_R1.fastq.gz,a_R2.fastq.gz,x", "B,control,b_R1.fastq.gz,b_R2.fastq.gz"))
    assert "samplesheet.csv:2: row: 5 fields, expected 4" in message


def test_a_group_without_samples(tmp_path, reads):
    message = error_of(sheet(tmp_path, "A,case,a_R1.fastq.gz,a_R2.fastq.gz"))
    assert "group: no control samples" in message


def test_every_problem_is_reported_at_once(tmp_path, reads):
    message = error_of(sheet(tmp_path, "A,patient,a_R1.fastq.gz,a_R2.fastq.gz", "B,control,,b_R2.fastq.gz"))
    assert ":2: group:" in message and ":3: fastq_1: empty field" in message


def test_cli_exit_status_and_no_output_on_error(tmp_path, reads):
    path = sheet(tmp_path, "A,patient,a_R1.fastq.gz,a_R2.fastq.gz", "B,control,b_R1.fastq.gz,b_R2.fastq.gz")
    out = tmp_path / "valid.csv"
    result = subprocess.run([sys.executable, str(BIN / "check_samplesheet.py"), str(path), "--out", str(out)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith(f"ERROR {path}:2: group:")
    assert not out.exists()


def test_header_with_a_byte_order_mark_is_accepted(tmp_path, reads):
    path = tmp_path / "samplesheet.csv"
    path.write_bytes("\ufeff".encode() + f"{HEADER}\nA,case,a_R1.fastq.gz,a_R2.fastq.gz\n"
                     "B,control,b_R1.fastq.gz,b_R2.fastq.gz\n".encode())
    assert [lane.sample for lane in read_samplesheet(path)] == ["A", "B"]


def test_paths_with_commas_survive_the_handoff_to_the_pipeline(tmp_path):
    folder = tmp_path / "run 7, lane 1"
    folder.mkdir()
    for name in ("a,1_R1.fastq.gz", "a,1_R2.fastq.gz", "b_R1.fastq.gz", "b_R2.fastq.gz"):
        fastq(folder / name)
    path = sheet(tmp_path, '"A",case,"run 7, lane 1/a,1_R1.fastq.gz","run 7, lane 1/a,1_R2.fastq.gz"',
                 'B,control,"run 7, lane 1/b_R1.fastq.gz","run 7, lane 1/b_R2.fastq.gz"')
    out = tmp_path / "valid.json"
    write_validated(read_samplesheet(path), out)
    rows = json.loads(out.read_text())
    assert rows[0]["fastq_1"] == str(folder.resolve() / "a,1_R1.fastq.gz")
    assert rows[1]["fastq_2"] == str(folder.resolve() / "b_R2.fastq.gz")


@pytest.mark.parametrize("name, shown", [("a 1_R1.fastq.gz", "space"), ("a$1_R1.fastq.gz", "'$'"),
                                         ("a(1)_R1.fastq.gz", "'(' ')'"), ("a'1_R1.fastq.gz", '"\'"')])
def test_fastq_file_names_the_tools_cannot_take_are_refused_with_the_fix(tmp_path, reads, name, shown):
    fastq(tmp_path / name)
    message = error_of(sheet(tmp_path, f'A,case,"{name}",a_R2.fastq.gz', "B,control,b_R1.fastq.gz,b_R2.fastq.gz"))
    assert f"samplesheet.csv:2: fastq_1: the FASTQ file name {name!r} contains {shown}" in message
    assert "ln -s" in message


def test_fastq_urls_are_kept_and_relative_paths_of_a_remote_sheet_become_urls(tmp_path):
    path = sheet(tmp_path,
                 "A,case,https://data.example.org/run1/a_R1.fastq.gz,s3://bucket/run1/a_R2.fastq.gz",
                 "B,control,../fastq/b_R1.fastq.gz,fastq/b_R2.fastq.gz")
    lanes = read_samplesheet(path, base_url="http://127.0.0.1:8000/sheets/", display_name="http://127.0.0.1:8000/sheets/s.csv")
    assert [(l.fastq_1, l.fastq_2) for l in lanes] == [
        ("https://data.example.org/run1/a_R1.fastq.gz", "s3://bucket/run1/a_R2.fastq.gz"),
        ("http://127.0.0.1:8000/fastq/b_R1.fastq.gz", "http://127.0.0.1:8000/sheets/fastq/b_R2.fastq.gz")]
    out = tmp_path / "valid.json"
    write_validated(lanes, out)
    assert json.loads(out.read_text())[1]["fastq_1"] == "http://127.0.0.1:8000/fastq/b_R1.fastq.gz"


def test_a_remote_fastq_must_name_a_gzip_file_and_errors_name_the_sheet_url(tmp_path):
    path = sheet(tmp_path, "A,case,https://x.org/a_R1.fastq,https://x.org/",
                 "B,control,https://x.org/b_R1.fastq.gz,https://x.org/b_R2.fastq.gz")
    with pytest.raises(SamplesheetErrors) as err:
        read_samplesheet(path, display_name="https://x.org/s.csv")
    message = str(err.value)
    assert "ERROR https://x.org/s.csv:2: fastq_1: remote FASTQ https://x.org/a_R1.fastq does not end in .gz" in message
    assert "ERROR https://x.org/s.csv:2: fastq_2: the URL https://x.org/ names no file" in message


def test_one_group_is_enough_when_there_is_no_cohort_comparison(tmp_path, reads):
    path = sheet(tmp_path, "A,case,a_R1.fastq.gz,a_R2.fastq.gz")
    with pytest.raises(SamplesheetErrors, match="no control samples"):
        read_samplesheet(path)
    assert [lane.sample for lane in read_samplesheet(path, require_both_groups=False)] == ["A"]


# ---- real-world samplesheets and FASTQ names (session 15 review) ------------------------------------

@pytest.mark.parametrize("name", ["a_R1.fq", "a_R1.fastq", "a_R1.fastq.bgz"])
def test_a_gzipped_fastq_not_named_gz_is_refused_at_start(tmp_path, reads, name):
    """FastQC decides from the name whether to decompress: a gzip file named .fq/.fastq reaches it as
    text and fails ("ID line didn't start with '@'") only after CHECK_FASTQ has read every file."""
    (tmp_path / name).write_bytes(reads["a_R1"].read_bytes())
    message = error_of(sheet(tmp_path, f"A,case,{name},a_R2.fastq.gz", "B,control,b_R1.fastq.gz,b_R2.fastq.gz"))
    assert f"samplesheet.csv:2: fastq_1: FASTQ file {tmp_path / name} is gzip-compressed but its name does not " \
           "end in .gz" in message
    assert f"ln -s '{tmp_path / name}' '{tmp_path / name}.gz'" in message


def test_fq_gz_names_are_accepted(tmp_path, reads):
    for n in ("a_R1", "a_R2"):
        (tmp_path / f"{n}.fq.gz").write_bytes(reads[n].read_bytes())
        reads[n].unlink()
    path = sheet(tmp_path, "A,case,a_R1.fq.gz,a_R2.fq.gz", "B,control,b_R1.fastq.gz,b_R2.fastq.gz")
    assert [lane.fastq_1.name for lane in read_samplesheet(path)] == ["a_R1.fq.gz", "b_R1.fastq.gz"]


def test_upper_case_gz_names_are_accepted(tmp_path, reads):
    """A_R1.FASTQ.GZ (names from Windows tools, some LIMS exports): FastQC decompresses a name ending in .gz in
    any case (its report is A_R1.FASTQ.GZ_fastqc), so it was refused at start for a name FastQC reads."""
    for n in ("a_R1", "a_R2"):
        (tmp_path / f"{n}.FASTQ.GZ").write_bytes(reads[n].read_bytes())
        reads[n].unlink()
    path = sheet(tmp_path, "A,case,a_R1.FASTQ.GZ,a_R2.FASTQ.GZ", "B,control,https://x.org/b_R1.FQ.GZ,b_R2.fastq.gz")
    assert [str(lane.fastq_1).rsplit("/", 1)[-1] for lane in read_samplesheet(path)] == ["a_R1.FASTQ.GZ", "b_R1.FQ.GZ"]


@pytest.mark.parametrize("encoding, bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"), ("utf-16-le", b"")])
@pytest.mark.parametrize("separator", [",", "\t"])
def test_a_utf16_samplesheet_is_named_as_such(tmp_path, reads, encoding, bom, separator):
    """Excel's 'Unicode Text' and Windows PowerShell write UTF-16: it was called 'Latin-1/Windows-1252?'
    with an iconv -f WINDOWS-1252 fix that makes it worse (or, without a byte-order mark, a header of
    letters with zero bytes between)."""
    text = f"{HEADER}\nA,case,a_R1.fastq.gz,a_R2.fastq.gz\nB,control,b_R1.fastq.gz,b_R2.fastq.gz\n"
    path = tmp_path / "samplesheet.csv"
    path.write_bytes(bom + text.replace(",", separator).encode(encoding))
    message = error_of(path)
    assert "samplesheet.csv: encoding: the samplesheet is UTF-16 text" in message
    assert "iconv -f UTF-16 -t UTF-8 in.csv > out.csv" in message and "WINDOWS-1252" not in message


def test_a_second_byte_order_mark_is_accepted(tmp_path, reads):
    path = tmp_path / "samplesheet.csv"
    path.write_bytes(b"\xef\xbb\xbf\xef\xbb\xbf" + f"{HEADER}\nA,case,a_R1.fastq.gz,a_R2.fastq.gz\n"
                     "B,control,b_R1.fastq.gz,b_R2.fastq.gz\n".encode())
    assert [lane.sample for lane in read_samplesheet(path)] == ["A", "B"]


def test_a_sample_name_starting_with_a_dash_says_why(tmp_path, reads):
    message = error_of(sheet(tmp_path, "-A,case,a_R1.fastq.gz,a_R2.fastq.gz", "B,control,b_R1.fastq.gz,b_R2.fastq.gz"))
    assert "samplesheet.csv:2: sample: invalid sample name '-A'. Use letters, digits, '.', '_' or '-', starting " \
           "with a letter or digit" in message


def test_a_group_alone_names_skip_screening(tmp_path, reads):
    message = error_of(sheet(tmp_path, "A,case,a_R1.fastq.gz,a_R2.fastq.gz"))
    assert "group: no control samples" in message and "--skip_screening" in message


def _linked_sheet(tmp_path: Path, beside_link: bool, beside_target: bool) -> Path:
    """A samplesheet in template/ linked into run/, with relative FASTQ paths; its FASTQs beside either."""
    rows = "\n".join([HEADER, "A,case,fastq/a_R1.fastq.gz,fastq/a_R2.fastq.gz",
                      "B,control,fastq/b_R1.fastq.gz,fastq/b_R2.fastq.gz"]) + "\n"
    for folder, wanted in (("template", beside_target), ("run", beside_link)):
        (tmp_path / folder).mkdir()
        if wanted:
            (tmp_path / folder / "fastq").mkdir()
            for n in ("a_R1", "a_R2", "b_R1", "b_R2"):
                fastq(tmp_path / folder / "fastq" / f"{n}.{folder}.fastq.gz").rename(
                    tmp_path / folder / "fastq" / f"{n}.fastq.gz")
    (tmp_path / "template" / "samplesheet.csv").write_text(rows)
    link = tmp_path / "run" / "samplesheet.csv"
    link.symlink_to(Path("..") / "template" / "samplesheet.csv")
    return link


def test_a_linked_samplesheet_whose_relative_paths_name_two_files_is_refused(tmp_path):
    """Both folders hold fastq/a_R1.fastq.gz: the run read the template's reads in silence."""
    link = _linked_sheet(tmp_path, beside_link=True, beside_target=True)
    message = error_of(link)
    assert f"{link}:2: fastq_1: the samplesheet is reached through a symbolic link (its file is in " \
           f"{tmp_path / 'template'}) and the relative path 'fastq/a_R1.fastq.gz' is ambiguous: it names " \
           f"{tmp_path / 'template/fastq/a_R1.fastq.gz'} there, and {tmp_path / 'run/fastq/a_R1.fastq.gz'} beside " \
           "the link" in message
    assert f"{link}:3: fastq_2:" in message


def test_a_linked_samplesheet_with_files_beside_the_link_only_says_so(tmp_path):
    message = error_of(_linked_sheet(tmp_path, beside_link=True, beside_target=False))
    assert f"fastq/a_R1.fastq.gz' is ambiguous: it names {tmp_path / 'template/fastq/a_R1.fastq.gz'} (not found) " \
           "there" in message


def test_a_linked_samplesheet_reads_relative_paths_beside_its_file(tmp_path):
    lanes = read_samplesheet(_linked_sheet(tmp_path, beside_link=False, beside_target=True))
    assert lanes[0].fastq_1 == tmp_path / "template" / "fastq" / "a_R1.fastq.gz"


def test_a_samplesheet_in_a_linked_folder_is_not_ambiguous(tmp_path, reads):
    """The folder reached through a link is the same folder: no second file to choose from."""
    (tmp_path.parent / f"{tmp_path.name}_link").symlink_to(tmp_path)
    path = sheet(tmp_path, "A,case,a_R1.fastq.gz,a_R2.fastq.gz", "B,control,b_R1.fastq.gz,b_R2.fastq.gz")
    via_link = tmp_path.parent / f"{tmp_path.name}_link" / path.name
    assert [lane.sample for lane in read_samplesheet(via_link)] == ["A", "B"]


def _top_up_lanes(tmp_path: Path, second: str) -> Path:
    """Sample A sequenced twice, each run's files in its own folder."""
    for run, name in (("run1", "A_R1.fastq.gz"), ("run2", second)):
        (tmp_path / run).mkdir()
        fastq(tmp_path / run / name)
        fastq(tmp_path / run / f"{run}_other_R2.fastq.gz")
    return sheet(tmp_path, "A,case,run1/A_R1.fastq.gz,run1/run1_other_R2.fastq.gz",
                 f"A,case,run2/{second},run2/run2_other_R2.fastq.gz", "B,control,b_R1.fastq.gz,b_R2.fastq.gz")


@pytest.mark.parametrize("second", ["A_R1.fastq.gz", "A_R1.fq.gz"])
def test_two_fastqs_of_a_sample_with_one_report_name_are_refused_at_start(tmp_path, reads, second):
    """Lanes of a top-up run with the same file names in another folder: accepted at start, then
    CAT_FASTQ failed with Nextflow's 'input file name collision' (and FASTQC refused them) mid-run."""
    message = error_of(_top_up_lanes(tmp_path, second))
    assert f"samplesheet.csv:3: fastq_1: sample 'A' has another FASTQ of the same name on line 2 (fastq_1: " \
           f"{tmp_path / 'run1/A_R1.fastq.gz'}): FastQC names its report after the file (A_R1_fastqc)" in message
    assert f"ln -s '{tmp_path / 'run2' / second}' '{tmp_path / 'run2'}/A_R1_line3{second[4:]}'" in message


def test_the_same_file_name_in_two_samples_is_fine(tmp_path):
    """FastQC runs per sample and its reports are published per sample: only one sample's names clash."""
    for run in ("run1", "run2"):
        (tmp_path / run).mkdir()
        for n in ("R1", "R2"):
            # reads of their own (fastq() names the read after the file: copies are refused)
            (tmp_path / run / f"reads_{n}.fastq.gz").write_bytes(gzip.compress(f"@{run}{n}\nACGT\n+\nFFFF\n".encode()))
    path = sheet(tmp_path, "A,case,run1/reads_R1.fastq.gz,run1/reads_R2.fastq.gz",
                 "B,control,run2/reads_R1.fastq.gz,run2/reads_R2.fastq.gz")
    assert [lane.sample for lane in read_samplesheet(path)] == ["A", "B"]


@pytest.mark.parametrize("name, report", [("a_R1.fastq.gz", "a_R1_fastqc"), ("a_R1.fq.gz", "a_R1_fastqc"),
                                          ("a.R1.gz", "a.R1_fastqc"), ("https://x.org/r/a_R1.fastq.gz", "a_R1_fastqc")])
def test_fastqc_report_names(name, report):
    from hlhscreen.samplesheet import fastqc_report_name
    assert fastqc_report_name(name) == report


@pytest.mark.parametrize("first", ["sep=,", '"sep=,"', "SEP=,"])
def test_excels_separator_line_is_accepted(tmp_path, reads, first):
    """Excel writes (and reads) a "sep=," line before the header: it says the file is comma-separated."""
    path = sheet(tmp_path, HEADER, "A,case,a_R1.fastq.gz,a_R2.fastq.gz", "B,control,b_R1.fastq.gz,b_R2.fastq.gz",
                 header=first)
    assert [(lane.sample, lane.line) for lane in read_samplesheet(path)] == [("A", 3), ("B", 4)]


def test_excels_separator_line_for_semicolons_is_named(tmp_path, reads):
    message = error_of(sheet(tmp_path, "sample;group;fastq_1;fastq_2", "A;case;a_R1.fastq.gz;a_R2.fastq.gz",
                             header="sep=;"))
    assert "samplesheet.csv:1: header: the file starts with Excel's separator line 'sep=;': its fields are not " \
           "separated by commas" in message


def test_a_fastq_link_to_a_missing_file_says_where_it_points(tmp_path, reads):
    """A link into storage not mounted here: "not found" for a file the user sees in ls."""
    (tmp_path / "gone_R1.fastq.gz").symlink_to("/nonexistent/store/gone_R1.fastq.gz")
    message = error_of(sheet(tmp_path, "A,case,gone_R1.fastq.gz,a_R2.fastq.gz", "B,control,b_R1.fastq.gz,b_R2.fastq.gz"))
    assert f"samplesheet.csv:2: fastq_1: FASTQ file not found: {tmp_path / 'gone_R1.fastq.gz'} is a symbolic link " \
           "to /nonexistent/store/gone_R1.fastq.gz, which does not exist" in message


def test_a_second_sheet_joined_with_its_byte_order_mark_is_named_as_a_repeated_header(tmp_path, reads):
    """cat a.csv b.csv of two spreadsheet exports: the second header starts with a BOM. It was read as a
    sample named '\ufeffsample' in a group 'group'."""
    path = tmp_path / "samplesheet.csv"
    path.write_bytes(b"\xef\xbb\xbf" + f"{HEADER}\nA,case,a_R1.fastq.gz,a_R2.fastq.gz\n".encode()
                     + b"\xef\xbb\xbf" + f"{HEADER}\nB,control,b_R1.fastq.gz,b_R2.fastq.gz\n".encode())
    message = error_of(path)
    assert "samplesheet.csv:3: row: the header line again (two samplesheets joined?)" in message
    assert "invalid sample name" not in message


def test_dot_dot_after_a_linked_folder_naming_two_files_is_refused(tmp_path, reads):
    """links/../x is read as x beside the samplesheet (the '..' removed as text), but ls and the shell go up
    from the folder the link points to: there another x lay, and the run read the first in silence."""
    store = tmp_path / "store"
    (store / "fq").mkdir(parents=True)
    fastq(store / "a_R1.fastq.gz")  # what ls shows for links/../a_R1.fastq.gz
    (tmp_path / "links").symlink_to(store / "fq")
    message = error_of(sheet(tmp_path, "A,case,links/../a_R1.fastq.gz,a_R2.fastq.gz",
                             "B,control,b_R1.fastq.gz,b_R2.fastq.gz"))
    assert f"samplesheet.csv:2: fastq_1: the path 'links/../a_R1.fastq.gz' goes up ('..') from a folder that is a " \
           f"symbolic link: it is read as {tmp_path / 'a_R1.fastq.gz'}, but ls and the shell read it as " \
           f"{store / 'a_R1.fastq.gz'}" in message


def test_dot_dot_through_plain_folders_is_fine(tmp_path, reads):
    (tmp_path / "sub").mkdir()
    path = sheet(tmp_path, "A,case,sub/../a_R1.fastq.gz,./a_R2.fastq.gz", "B,control,b_R1.fastq.gz,b_R2.fastq.gz")
    assert read_samplesheet(path)[0].fastq_1 == tmp_path / "a_R1.fastq.gz"


@pytest.mark.parametrize("group, fix", [
    ("Case", "Write 'case' (lower case, singular)"), ("CONTROL", "Write 'control' (lower case, singular)"),
    ("cases", "Write 'case' (lower case, singular)"), ("1", "Use 'case' or 'control' (a numeric code such as 1/0 is not read"),
    ("patient", "Use 'case' or 'control'."),
])
def test_a_group_spelled_otherwise_says_how_to_write_it(tmp_path, reads, group, fix):
    message = error_of(sheet(tmp_path, f"A,{group},a_R1.fastq.gz,a_R2.fastq.gz", "B,control,b_R1.fastq.gz,b_R2.fastq.gz"))
    assert f"samplesheet.csv:2: group: unknown group {group!r}. {fix}" in message


def test_sra_mates_whose_first_spot_reads_alike_are_accepted(tmp_path, reads):
    """fasterq-dump names both mates of a spot alike (@SRR1.1 1 length=10), and a spot can read all N on both
    mates: R2 'started with the same read as R1' and the lane was refused as a copy. A lane's mates are compared
    read by read by CHECK_FASTQ; a copy in another row is still refused."""
    first = b"@SRR1.1 1 length=10\nNNNNNNNNNN\n+\n##########\n"
    for mate, second in (("1", b"ACGTTGCAAC"), ("2", b"GGGTTGCAAC")):
        (tmp_path / f"SRR1_{mate}.fastq.gz").write_bytes(
            gzip.compress(first + b"@SRR1.2 2 length=10\n" + second + b"\n+\nIIIIIIIIII\n"))
    rows = ["A,case,SRR1_1.fastq.gz,SRR1_2.fastq.gz", "B,control,b_R1.fastq.gz,b_R2.fastq.gz"]
    assert [lane.sample for lane in read_samplesheet(sheet(tmp_path, *rows))] == ["A", "B"]
    (tmp_path / "copy_R1.fastq.gz").write_bytes((tmp_path / "SRR1_1.fastq.gz").read_bytes())
    message = error_of(sheet(tmp_path, *rows, "C,control,copy_R1.fastq.gz,c_R2.fastq.gz"))
    assert f"samplesheet.csv:4: fastq_1: FASTQ {tmp_path / 'copy_R1.fastq.gz'} starts with the same read as" in message
