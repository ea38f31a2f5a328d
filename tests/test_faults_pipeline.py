"""Faults that only show while the pipeline runs (issue 11): each stops the run at the first step that
meets it, names the file, and leaves no result that looks finished.

Bad inputs refused at start are in the catalogue, tests/test_bad_inputs.py. These runs are short: a
two-sample cohort (or one module) that fails in its first steps.
"""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from nextflow_runner import run_nextflow

REPO = Path(__file__).resolve().parents[1]
READS = REPO / "assets/test_cohort/reads"

pytestmark = pytest.mark.pipeline


def run(launch_dir: Path, *args: str, script: str = str(REPO)) -> subprocess.CompletedProcess:
    return run_nextflow(launch_dir, *args, check=False, pipeline=script)


def trace_rows(results: Path):
    """The execution trace's rows; a run without a trace fails the test (no trace = no task ran?)."""
    rows = []
    paths = list((results / "pipeline_info").glob("execution_trace_*.txt"))
    assert paths, f"no execution trace in {results}/pipeline_info (run with --execution_reports true)"
    for path in paths:
        with open(path) as handle:
            rows += list(csv.DictReader(handle, delimiter="\t"))
    return rows


def test_a_truncated_fastq_stops_its_lane_before_fastqc_and_alignment(tmp_path):
    damaged = tmp_path / "ctrl_01_L001_R2.fastq.gz"
    data = (READS / "ctrl_01_L001_R2.fastq.gz").read_bytes()
    damaged.write_bytes(data[: len(data) // 2])  # half the reads lost, as a broken copy leaves it
    sheet = tmp_path / "samplesheet.csv"
    sheet.write_text("sample,group,fastq_1,fastq_2\n"
                     f"case_02,case,{READS}/case_02_L001_R1.fastq.gz,{READS}/case_02_L001_R2.fastq.gz\n"
                     f"ctrl_01,control,{READS}/ctrl_01_L001_R1.fastq.gz,{damaged}\n")
    result = run(tmp_path, "-profile", "test", "--execution_reports", "true", "--input", str(sheet), "--outdir", "results")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "CHECK_FASTQ (ctrl_01_L1)" in output
    assert f"ERROR {damaged.name}: gzip: the file is cut short: the gzip stream ends early, after read" in output \
        or f"{damaged.name}: gzip: the file is cut short" in output, output[-3000:]
    tasks = {(row["process"].split(":")[-1], row["tag"]) for row in trace_rows(tmp_path / "results")}
    for process in ("FASTQC", "BWA_MEM"):
        assert not any(p == process and tag.startswith("ctrl_01") for p, tag in tasks), (process, tasks)
    assert not (tmp_path / "results/screen/variants.tsv").exists()
    assert not (tmp_path / "results/report/hlhscreen_report.html").exists()


# FastQC 0.11.9 exits 0 on a truncated gzip, in two ways depending on where the cut falls (both seen
# on this file): "Failed to process file" (cut at 1/4), or a java.io.EOFException followed by
# "Analysis complete" and a report of the reads before the cut (cut at 1/2). The module must not.
@pytest.mark.parametrize("keep", [4, 2], ids=["failed_to_process", "eof_exception_then_complete"])
def test_fastqc_that_cannot_read_a_file_fails_its_task(tmp_path, keep):
    truncated = tmp_path / "x_R1.fastq.gz"
    data = (READS / "ctrl_01_L001_R1.fastq.gz").read_bytes()
    truncated.write_bytes(data[: len(data) // keep])
    shutil.copy(READS / "ctrl_01_L001_R2.fastq.gz", tmp_path / "x_R2.fastq.gz")
    script = tmp_path / "fastqc_only.nf"
    script.write_text(f"""
include {{ FASTQC }} from '{REPO}/modules/local/fastqc'
workflow {{
    FASTQC(Channel.of([[id: 'x'], [file('{truncated}'), file('{tmp_path / "x_R2.fastq.gz"}')]]))
}}
""")
    config = tmp_path / "local.config"
    config.write_text("process.publishDir = [enabled: false]\nparams.outdir = 'results'\n")
    result = run(tmp_path, "-c", str(config), script=str(script))
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "FastQC could not read every file of x" in output, output[-3000:]


def test_fastqc_refuses_two_files_of_a_sample_with_one_name(tmp_path):
    # FastQC runs once per sample on every lane's files and names each report after its file: two lanes
    # in different folders with equal file names would overwrite each other's report
    for lane in ("L1", "L2"):
        (tmp_path / lane).mkdir()
        for mate in ("R1", "R2"):
            shutil.copy(READS / f"ctrl_01_L001_{mate}.fastq.gz", tmp_path / lane / f"x_{mate}.fastq.gz")
    files = ", ".join(f"file('{tmp_path / lane / f'x_{mate}.fastq.gz'}')" for lane in ("L1", "L2") for mate in ("R1", "R2"))
    script = tmp_path / "fastqc_only.nf"
    script.write_text(f"""
include {{ FASTQC }} from '{REPO}/modules/local/fastqc'
workflow {{
    FASTQC(Channel.of([[id: 'x'], [{files}]]))
}}
""")
    config = tmp_path / "local.config"
    config.write_text("process.publishDir = [enabled: false]\nparams.outdir = 'results'\n")
    result = run(tmp_path, "-c", str(config), script=str(script))
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "several FASTQ files of this sample are named x_R1.fastq.gz, x_R2.fastq.gz" in output, output[-3000:]


@contextlib.contextmanager
def small_tmpfs(mount: Path, options: str, why: str) -> Iterator[Path]:
    """A tmpfs mounted at ``mount`` for the test (a full or read-only disk); skips without root."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip(f"needs root to mount {why}")
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_full_disk_while_publishing_says_so_and_where(tmp_path):
    with small_tmpfs(tmp_path / "small_disk", "size=160k", "a small tmpfs as a full disk") as mount:
        sheet = tmp_path / "samplesheet.csv"
        sheet.write_text("sample,group,fastq_1,fastq_2\n"
                         f"case_02,case,{READS}/case_02_L001_R1.fastq.gz,{READS}/case_02_L001_R2.fastq.gz\n"
                         f"ctrl_01,control,{READS}/ctrl_01_L001_R1.fastq.gz,{READS}/ctrl_01_L001_R2.fastq.gz\n")
        outdir = mount / "results"
        result = run(tmp_path, "-profile", "test", "--input", str(sheet), "--outdir", str(outdir))
        output = result.stdout + result.stderr
        assert result.returncode != 0, output[-3000:]
        assert "--outdir: no space left on device while writing" in output, output[-3000:]
        assert f"({outdir}: " in output and "kB free there)" in output
        assert "Free space there or give another --outdir, then run again with -resume" in output


def test_a_read_only_outdir_is_refused_in_words_before_any_task(tmp_path):
    with small_tmpfs(tmp_path / "read_only", "ro,size=64k", "a read-only tmpfs") as mount:
        result = run(tmp_path, "-profile", "test", "--outdir", str(mount / "results"))
        output = result.stdout + result.stderr
        assert result.returncode != 0, output[-3000:]
        # Java names only the path ("cannot write X (X)"): the reason must be said
        assert f"--outdir: cannot write {mount}/results/RUN_INCOMPLETE.txt (" in output, output[-3000:]
        assert f"({mount} is on a read-only file system). Give a folder you can write to." in output, output[-3000:]
        assert "Submitted process" not in output


def test_hard_link_publishing_across_file_systems_is_refused_at_start(tmp_path):
    """--publish_dir_mode link with --outdir on another file system than the work folder: before, every
    task's publish failed after it ran ("Failed to publish file ... [link]"), the cause only in the log."""
    with small_tmpfs(tmp_path / "other_fs", "size=1m", "a second file system") as mount:
        result = run(tmp_path, "-profile", "test", "-stub-run", "--publish_dir_mode", "link",
                     "--outdir", str(mount / "results"))
        output = result.stdout + result.stderr
        assert result.returncode != 0, output[-3000:]
        assert "--publish_dir_mode link: hard links cannot cross file systems" in output, output[-3000:]
        assert "Use --publish_dir_mode copy (or symlink)" in output and "Submitted process" not in output


@pytest.mark.parametrize("profile", ["conda", "singularity"])
def test_a_software_profile_whose_program_is_missing_is_refused_at_start(tmp_path, profile):
    """-profile test,conda without conda: before, 'OverlappingFileLockException' and a 'Join mismatch' dump;
    -profile test,singularity without singularity: every task failed with 'command not found'."""
    if shutil.which(profile):
        pytest.skip(f"{profile} is installed here")
    result = run(tmp_path, "-profile", f"test,{profile}", "-stub-run", "--outdir", "results")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert f"-profile test,{profile}: {profile} is not on this host's PATH" in output, output[-3000:]
    assert "Submitted process" not in output and "Creating env" not in output
