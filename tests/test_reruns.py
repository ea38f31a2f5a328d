"""Running again: --outdir holds one run's results (earlier runs' files moved aside, a manifest of
this run's: bin/hlhscreen/outdir.py, bin/finish_outdir.py), and -resume re-runs what an input changed
in place (pipeline runs at the end of this file)."""

from __future__ import annotations

import csv
import hashlib
import os
import subprocess
import time
from pathlib import Path
from typing import Dict

import pytest

from hlhscreen import outdir as O
from nextflow_runner import run_nextflow

REPO = Path(__file__).resolve().parents[1]
READS = REPO / "assets/test_cohort/reads"


def write(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def start_run(outdir: Path) -> None:
    """What a run does at its start: write the marker (pipeline_info/params.json), after a pause that
    lets the file system's clock tick past the earlier files' times."""
    time.sleep(0.05)
    write(outdir / O.MARKER, "{}\n")
    time.sleep(0.05)


def manifest(outdir: Path) -> Dict[str, Dict[str, str]]:
    with open(outdir / O.MANIFEST) as handle:
        return {row["path"]: row for row in csv.DictReader(handle, delimiter="\t")}


def test_an_earlier_runs_files_are_moved_aside_and_this_runs_listed(tmp_path):
    out = tmp_path / "results"
    write(out / O.MARKER, '{"old": true}\n')
    old = [write(out / rel) for rel in ("alignment/ctrl_02.bam", "alignment/case_01.bam", "qc/fastqc/ctrl_02/a.html",
                                        "report/hlhscreen_report.html", "pipeline_info/software_versions.yml",
                                        "pipeline_info/execution_trace_2026-12-01_09-00-00.txt")]
    start_run(out)
    write(out / "alignment/case_01.bam", "new bam")      # published again over the earlier file
    write(out / "qc/sample_qc.tsv", "sample\n")

    warnings = O.finish_outdir(out, "2026-12-02_10-00-00_run_b")

    moved = out / "earlier_runs/2026-12-02_10-00-00_run_b"
    for rel in ("alignment/ctrl_02.bam", "qc/fastqc/ctrl_02/a.html", "report/hlhscreen_report.html",
                "pipeline_info/software_versions.yml"):
        assert not (out / rel).exists() and (moved / rel).is_file(), rel
    # Nextflow's reports name their run: left in place, not listed
    assert (out / "pipeline_info/execution_trace_2026-12-01_09-00-00.txt").is_file()
    assert not (out / "qc/fastqc").exists() and not (out / "report").exists()   # emptied folders removed
    assert "an earlier hlhscreen run" in (moved / "README.txt").read_text()
    assert (out / "alignment/case_01.bam").read_text() == "new bam"
    rows = manifest(out)
    assert sorted(rows) == ["alignment/case_01.bam", O.MARKER, "qc/sample_qc.tsv"]
    assert rows["alignment/case_01.bam"]["sha256"] == hashlib.sha256(b"new bam").hexdigest()
    assert rows["alignment/case_01.bam"]["size_bytes"] == "7"
    assert len(warnings) == 1 and "held 4 file(s) of an earlier run that this run did not write again" in warnings[0]
    assert f"moved to {moved}" in warnings[0] and old


def test_nothing_is_moved_when_no_file_looks_written_by_this_run(tmp_path):
    # a file system whose status-change times do not move (or a run that published nothing): the
    # earlier files cannot be told from this run's, so none is moved and no manifest claims the folder
    out = tmp_path / "results"
    bam = write(out / "alignment/case_01.bam")
    start_run(out)
    warnings = O.finish_outdir(out, "run")
    assert bam.exists() and not (out / O.EARLIER_RUNS).exists() and not (out / O.MANIFEST).exists()
    assert len(warnings) == 1 and "no file counts as written by this run" in warnings[0]


def test_files_that_are_not_hlhscreen_results_are_left_and_named(tmp_path):
    out = tmp_path / "results"
    notes = write(out / "notes.txt")
    mine = write(out / "my_analysis/plot.png")
    start_run(out)
    write(out / "screen/variants.tsv")
    warnings = O.finish_outdir(out, "run")
    assert notes.exists() and mine.exists() and not (out / "earlier_runs").exists()
    assert warnings == [f"--outdir {out} also holds 2 file(s) that are not hlhscreen results "
                        "(my_analysis/plot.png, notes.txt): left in place, not in pipeline_info/manifest.tsv."]
    assert sorted(manifest(out)) == [O.MARKER, "screen/variants.tsv"]


def test_an_older_file_in_a_folder_this_run_wrote_into_is_an_earlier_runs(tmp_path):
    # a folder not in the fixed list (a new step's) counts as hlhscreen's once this run published into it
    out = tmp_path / "results"
    write(out / "newstep/old.tsv")
    start_run(out)
    write(out / "newstep/new.tsv")
    O.finish_outdir(out, "run")
    assert (out / "earlier_runs/run/newstep/old.tsv").is_file() and (out / "newstep/new.tsv").is_file()


def test_publish_modes_link_and_symlink_count_as_written_by_this_run(tmp_path):
    """-resume republishes cached tasks' files: a hard link to an old work file (mode 'link') and a
    symbolic link (mode 'symlink', also to a folder such as multiqc_data) are new entries."""
    work = tmp_path / "work"
    old_bam = write(work / "ab/case_01.bam", "bam")
    old_dir = work / "cd/multiqc_data"
    write(old_dir / "multiqc.log")
    out = tmp_path / "results"
    start_run(out)
    (out / "alignment").mkdir()
    os.link(old_bam, out / "alignment/case_01.bam")
    (out / "multiqc").mkdir()
    (out / "multiqc/multiqc_data").symlink_to(old_dir, target_is_directory=True)
    (out / "multiqc/gone.html").symlink_to(work / "missing.html")
    assert O.finish_outdir(out, "run") == []
    rows = manifest(out)
    assert rows["alignment/case_01.bam"]["sha256"] == hashlib.sha256(b"bam").hexdigest()
    assert (rows["multiqc/multiqc_data"]["sha256"], rows["multiqc/multiqc_data"]["note"]) == ("NA", "symbolic link to a folder")
    assert rows["multiqc/gone.html"]["note"] == "broken symbolic link"
    assert (out / "multiqc/multiqc_data/multiqc.log").exists()   # the link was not walked into nor moved


@pytest.mark.parametrize("mode", ["symlink", "rellink"])
def test_links_a_resume_did_not_recreate_are_not_moved(tmp_path, mode):
    """With --publish_dir_mode symlink/rellink, -resume leaves the link to a reused task's file as it
    was (Nextflow: same target, nothing to do), so its status-change time is the earlier run's: it
    must stay in place (it may be this run's result), listed with a note, and said in a warning."""
    work = tmp_path / "work"
    reused = write(work / "ab/case_01.bam", "bam")
    out = tmp_path / "results"
    (out / "alignment").mkdir(parents=True)
    (out / "alignment/case_01.bam").symlink_to(reused)
    start_run(out)
    write(out / "qc/sample_qc.tsv", "sample\n")
    warnings = O.finish_outdir(out, "run", publish_mode=mode)
    assert (out / "alignment/case_01.bam").is_symlink() and not (out / O.EARLIER_RUNS).exists()
    row = manifest(out)["alignment/case_01.bam"]
    assert row["sha256"] == hashlib.sha256(b"bam").hexdigest() and "not re-created by this run" in row["note"]
    assert len(warnings) == 1 and "1 symbolic link(s) older than this run" in warnings[0], warnings


def test_in_copy_mode_an_older_link_is_an_earlier_runs(tmp_path):
    out = tmp_path / "results"
    (out / "alignment").mkdir(parents=True)
    (out / "alignment/old.bam").symlink_to(write(tmp_path / "work/old.bam"))
    start_run(out)
    write(out / "qc/sample_qc.tsv", "sample\n")
    O.finish_outdir(out, "run", publish_mode="copy")
    assert (out / "earlier_runs/run/alignment/old.bam").is_symlink()


def test_the_work_dir_and_hidden_entries_inside_the_outdir_are_left_alone(tmp_path):
    """--outdir . (the launch folder) holds Nextflow's work/ and .nextflow/: a rerun writes new files
    there, but their older files (cached tasks, the resume cache) are not results to move or list."""
    out = tmp_path / "project"
    old_task = write(out / "work/ab/1234/case_01.bam")
    old_cache = write(out / ".nextflow/cache/uuid/db/000001.ldb")
    old_log = write(out / ".nextflow.log.1")
    start_run(out)
    write(out / "work/cd/5678/.command.sh")
    write(out / ".nextflow/history")
    write(out / "screen/variants.tsv")
    warnings = O.finish_outdir(out, "run", work_dir=out / "work")
    assert old_task.exists() and old_cache.exists() and old_log.exists()
    assert not (out / O.EARLIER_RUNS).exists() and warnings == []
    assert sorted(manifest(out)) == [O.MARKER, "screen/variants.tsv"]


def test_a_file_that_cannot_be_moved_is_named_and_the_rest_finished(tmp_path, monkeypatch):
    """One earlier file that cannot be moved (not the user's, another file system) must not leave the
    folder half-moved with no README, no manifest and only a traceback."""
    out = tmp_path / "results"
    write(out / "alignment/a.bam")
    stuck = write(out / "alignment/b.bam")
    start_run(out)
    write(out / "qc/sample_qc.tsv", "sample\n")
    real_rename = os.rename

    def rename(source, target):
        if Path(source) == stuck:
            raise PermissionError(13, "Permission denied", str(source))
        real_rename(source, target)

    monkeypatch.setattr(O.os, "rename", rename)
    warnings = O.finish_outdir(out, "run")
    moved = out / "earlier_runs/run"
    assert (moved / "alignment/a.bam").is_file() and (moved / "README.txt").is_file() and stuck.is_file()
    assert sorted(manifest(out)) == [O.MARKER, "qc/sample_qc.tsv"]
    assert any("could not be moved" in w and "alignment/b.bam" in w and "Permission denied" in w for w in warnings), warnings


def test_an_input_of_this_run_inside_the_outdir_is_left_in_place(tmp_path):
    """--panel results/panel (the panel an earlier --genes run built, used again): this run read it
    and did not write it; moving it would leave the results without it and break the same command."""
    out = tmp_path / "results"
    panel = write(out / "panel/regions.bed").parent
    whitelist = write(out / "panel/risk_factors.tsv")
    stale = write(out / "report/hlhscreen_report.html")
    start_run(out)
    write(out / "screen/variants.tsv")
    warnings = O.finish_outdir(out, "run", inputs=[panel, whitelist])
    assert (panel / "regions.bed").is_file() and whitelist.is_file()
    assert (out / "earlier_runs/run/report/hlhscreen_report.html").is_file() and not stale.exists()
    assert sorted(manifest(out)) == [O.MARKER, "screen/variants.tsv"]
    assert any("inputs of this run" in w and "panel/regions.bed" in w for w in warnings), warnings


def test_warnings_files_earlier_versions_published_at_the_top_level_are_an_earlier_runs(tmp_path):
    """Up to 0.1.0 SCREEN and BUILD_PANEL published screen_warnings.txt and warnings.txt at the top level
    of --outdir; now they go to screen/ and panel/. Left there, the old run's warnings read as this run's."""
    out = tmp_path / "results"
    write(out / "screen_warnings.txt", "old warnings")
    write(out / "warnings.txt", "old panel warnings")
    start_run(out)
    write(out / "screen/screen_warnings.txt", "new")
    warnings = O.finish_outdir(out, "run")
    assert not (out / "screen_warnings.txt").exists() and not (out / "warnings.txt").exists()
    assert (out / "earlier_runs/run/screen_warnings.txt").read_text() == "old warnings"
    assert not any("not hlhscreen results" in w for w in warnings), warnings


def test_files_above_the_hash_limit_get_their_size_only(tmp_path, monkeypatch):
    monkeypatch.setattr(O, "HASH_LIMIT_BYTES", 4)
    out = tmp_path / "results"
    start_run(out)
    write(out / "alignment/big.bam", "12345")
    O.finish_outdir(out, "run")
    row = manifest(out)["alignment/big.bam"]
    assert (row["size_bytes"], row["sha256"]) == ("5", "NA") and row["note"].startswith("not hashed")


def test_the_command_line_prints_warnings_for_the_run_log(tmp_path, capsys):
    import finish_outdir

    out = tmp_path / "results"
    write(out / "alignment/x.bam")
    start_run(out)
    write(out / "alignment/y.bam")
    assert finish_outdir.main(["--outdir", str(out), "--run", "r1"]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith("WARNING --outdir ") and "alignment/x.bam" in captured.err
    assert f"{out}/pipeline_info/manifest.tsv" in captured.out



def test_fastqs_and_the_index_beside_an_input_inside_the_outdir_are_left_in_place(tmp_path):
    """The samplesheet's FASTQs kept in a result-named folder of --outdir, and --gnomad_vcf inside it with
    its .tbi (read though not named by any parameter): the end of the run must not move them away."""
    out = tmp_path / "results"
    fastqs = [write(out / f"qc/raw/s1_R{n}.fastq.gz") for n in (1, 2)]
    gnomad = write(out / "annotation/gnomad.vcf.gz")
    index = write(out / "annotation/gnomad.vcf.gz.tbi")
    reference = write(out / "panel/ref.fa")
    companions = [write(out / "panel/ref.fa.fai"), write(out / "panel/ref.dict")]
    stale = write(out / "annotation/cohort.vep.vcf.gz")
    start_run(out)
    write(out / "annotation/cohort.annotated.vcf.gz")
    warnings = O.finish_outdir(out, "run", inputs=[*fastqs, gnomad, reference])
    for kept in (*fastqs, gnomad, index, reference, *companions):
        assert kept.is_file(), kept
    assert not stale.exists() and (out / "earlier_runs/run/annotation/cohort.vep.vcf.gz").is_file()
    assert any("inputs of this run" in w and "annotation/gnomad.vcf.gz.tbi" in w for w in warnings), warnings


def test_an_earlier_runs_file_sharing_only_a_name_start_with_an_input_is_moved(tmp_path):
    """Only an input's companions stay beside it (its index, bwa files, a .dict/.bai of the name without its
    extension): an earlier run's result that merely starts like the input's name is moved as any other.
    Before: every 'cohort.*' beside --vcf cohort.vcf.gz, and every 'hlh.*' beside hlh.whitelist.tsv, was
    taken for a companion and left among this run's results."""
    out = tmp_path / "results"
    vcf = write(out / "variants/cohort.vcf.gz")
    whitelist = write(out / "panel/hlh.whitelist.tsv")
    bam = write(out / "alignment/s1.bam")
    reference = write(out / "annotation/ref.fasta.gz")
    companions = [write(out / "variants/cohort.vcf.gz.csi"), write(out / "alignment/s1.bai"),
                  write(out / "alignment/s1.bam.bai"), write(out / "annotation/ref.dict"),
                  write(out / "annotation/ref.alt"),
                  write(out / "annotation/ref.fasta.gz.fai"), write(out / "annotation/ref.fasta.gz.gzi")]
    stale = [write(out / "variants/cohort.stats.txt"), write(out / "panel/hlh.genes.tsv"),
             write(out / "variants/cohort.vcf.gzip"), write(out / "annotation/ref.fasta.gz_old")]
    start_run(out)
    write(out / "screen/variants.tsv")
    O.finish_outdir(out, "run", inputs=[vcf, whitelist, bam, reference])
    for kept in (vcf, whitelist, bam, reference, *companions):
        assert kept.is_file(), kept
    for moved in stale:
        assert not moved.exists() and (out / "earlier_runs/run" / moved.relative_to(out)).is_file(), moved


def test_run_incomplete_is_removed_last_and_not_listed(tmp_path):
    out = tmp_path / "results"
    write(out / O.INCOMPLETE, "run: r1\n")
    start_run(out)
    write(out / "qc/sample_qc.tsv", "sample\n")
    assert O.finish_outdir(out, "r1") == []
    assert not (out / O.INCOMPLETE).exists()
    assert sorted(manifest(out)) == [O.MARKER, "qc/sample_qc.tsv"]


def test_a_finish_that_fails_exits_1_and_leaves_run_incomplete(tmp_path, monkeypatch, capsys):
    """A failed finish (here the manifest cannot be written) must not leave a folder that looks finished."""
    import finish_outdir

    out = tmp_path / "results"
    write(out / O.INCOMPLETE, "run: r1\n")
    start_run(out)
    write(out / "qc/sample_qc.tsv", "sample\n")

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device", str(out / O.MANIFEST))

    monkeypatch.setattr(O, "write_manifest", full_disk)
    assert finish_outdir.main(["--outdir", str(out), "--run", "r1"]) == 1
    assert (out / O.INCOMPLETE).is_file() and not (out / O.MANIFEST).exists()
    err = capsys.readouterr().err
    assert err.startswith("ERROR No space left on device (") and "RUN_INCOMPLETE.txt stays" in err, err


# ---- the pipeline: one folder, three runs -----------------------------------------------------------

def samplesheet(path: Path, samples) -> Path:
    path.write_text("sample,group,fastq_1,fastq_2\n" + "".join(
        f"{s},{'case' if s.startswith('case') else 'control'},{READS}/{s}_L001_R1.fastq.gz,{READS}/{s}_L001_R2.fastq.gz\n"
        for s in samples))
    return path


def tsv_rows(path: Path):
    with open(path) as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def trace_status(results: Path, before) -> Dict[str, str]:
    """process -> statuses of the trace file the last run added."""
    new = set((results / "pipeline_info").glob("execution_trace_*.txt")) - before
    assert len(new) == 1, new
    statuses: Dict[str, str] = {}
    for row in tsv_rows(new.pop()):
        statuses.setdefault(row["process"].split(":")[-1], set()).add(row["status"])
    return statuses


@pytest.mark.pipeline
def test_reruns_into_one_outdir_leave_only_the_last_runs_results(tmp_path):
    """Run A (3 samples, screening), run B (-resume after the whitelist was edited in place), run C
    (-resume, 2 samples, --skip_screening) into the same --outdir: each run's results are its own."""
    whitelist = tmp_path / "risk_factors.tsv"
    whitelist.write_text((REPO / "panels/hlh/risk_factors.tsv").read_text())
    sheet = samplesheet(tmp_path / "samplesheet.csv", ["case_02", "ctrl_01", "ctrl_02"])
    results = tmp_path / "results"
    common = ["-profile", "test", "--execution_reports", "true", "--outdir", "results", "--risk_factors", str(whitelist)]
    run_nextflow(tmp_path, *common, "--input", str(sheet))
    a91v = "chr10:70600631:G:A"
    variants = {r["variant_id"]: r for r in tsv_rows(results / "screen/variants.tsv")}
    assert variants[a91v]["rescued_by"] == "risk_factor_whitelist"
    first = manifest(results)
    assert "alignment/ctrl_02.bam" in first and "report/hlhscreen_report.html" in first

    # B: the whitelist edited in place (same path; its one row removed): the screen must not come from the cache
    whitelist.write_text(whitelist.read_text().splitlines()[0] + "\n")
    traces = set((results / "pipeline_info").glob("execution_trace_*.txt"))
    second = run_nextflow(tmp_path, *common, "--input", str(sheet), "-resume")
    assert "holds the results of an earlier run" in second.stdout + second.stderr
    # the same samples and steps: every file is written again, nothing is an earlier run's
    assert not (results / "earlier_runs").exists() and "did not write again" not in second.stdout + second.stderr
    assert trace_status(results, traces)["SCREEN"] == {"COMPLETED"}
    variants = {r["variant_id"]: r for r in tsv_rows(results / "screen/variants.tsv")}
    assert variants[a91v]["decision"] == "dropped" and variants[a91v]["rescued_by"] == "NA"

    # C: one sample fewer and no screening: ctrl_02's files and the screening results are an earlier run's
    samplesheet(sheet, ["case_02", "ctrl_01"])
    third = run_nextflow(tmp_path, *common, "--input", str(sheet), "-resume", "--skip_screening")
    log = third.stdout + third.stderr
    rows = manifest(results)
    # every file is listed but the manifest itself and Nextflow's reports (named by their run's time)
    left = sorted(p.relative_to(results).as_posix() for p in results.rglob("*")
                  if (p.is_file() or p.is_symlink()) and p.relative_to(results).parts[0] != "earlier_runs")
    listed = [rel for rel in left if not O.RUN_REPORT.fullmatch(rel) and rel != O.MANIFEST]
    assert listed == sorted(rows), set(listed) ^ set(rows)
    assert not [rel for rel in left if "/" not in rel], "a file published to the top level of --outdir"
    assert not any("ctrl_02" in rel for rel in rows), [rel for rel in rows if "ctrl_02" in rel]
    for folder in ("screen", "cohort", "report", "annotation"):
        assert not (results / folder).exists(), folder
    moved = list((results / "earlier_runs").iterdir())
    assert len(moved) == 1
    for rel in ("alignment/ctrl_02.bam", "qc/fastqc/ctrl_02", "report/hlhscreen_report.html", "screen/variants.tsv"):
        assert (moved[0] / rel).exists(), rel
    assert f"moved to {moved[0]}" in log and "of an earlier run that this run did not write again" in log
    bam = results / "alignment/case_02.bam"
    assert rows["alignment/case_02.bam"]["sha256"] == hashlib.sha256(bam.read_bytes()).hexdigest()
    assert rows["alignment/case_02.bam"]["size_bytes"] == str(bam.stat().st_size)
    qc = {r["sample"] for r in tsv_rows(results / "qc/sample_qc.tsv")}
    assert qc == {"case_02", "ctrl_01"}


@pytest.mark.pipeline
def test_an_aligner_index_rebuilt_in_place_is_not_taken_from_the_cache(tmp_path):
    """`bwa index` run again in a --bwa_index folder rewrites its files in place: the folder's own
    time does not change, and Nextflow hashes a folder input by that alone, so -resume reused the
    alignments made with the old index."""
    reference = REPO / "assets/test_cohort/reference/hlh_windows.synthetic.fa"
    index = tmp_path / "bwa_index"
    index.mkdir()

    def build() -> None:
        subprocess.run(["bwa", "index", "-p", str(index / reference.stem), str(reference)], check=True, capture_output=True)

    build()
    sheet = samplesheet(tmp_path / "samplesheet.csv", ["case_02", "ctrl_01"])
    args = ["-profile", "test", "--execution_reports", "true", "--outdir", "results", "--input", str(sheet),
            "--bwa_index", str(index), "--skip_screening"]
    run_nextflow(tmp_path, *args)
    folder_time = index.stat().st_mtime_ns
    build()
    assert index.stat().st_mtime_ns == folder_time, "bwa index no longer rewrites in place: the test proves nothing"
    traces = set((tmp_path / "results/pipeline_info").glob("execution_trace_*.txt"))
    run_nextflow(tmp_path, *args, "-resume")
    statuses = trace_status(tmp_path / "results", traces)
    assert statuses["BWA_MEM"] == {"COMPLETED"}, statuses
    assert statuses["CHECK_FASTQ"] == {"CACHED"}, statuses


@pytest.mark.pipeline
def test_a_preview_leaves_the_outdir_of_a_run_as_it_is(tmp_path):
    """`nextflow run -preview` builds the workflow and runs no task: it must not replace params.json,
    nor take the earlier run's files for leftovers."""
    results = tmp_path / "results"
    params = write(results / O.MARKER, '{"from": "the real run"}\n')
    bam = write(results / "alignment/case_01.bam", "bam")
    write(results / O.MANIFEST, "path\tsize_bytes\tsha256\tnote\n")
    run_nextflow(tmp_path, "-profile", "test", "--outdir", "results", "-preview")
    assert params.read_text() == '{"from": "the real run"}\n' and bam.read_text() == "bam"
    assert (results / O.MANIFEST).exists() and not (results / O.EARLIER_RUNS).exists()


@pytest.mark.pipeline
def test_a_vep_cache_changed_in_place_is_not_taken_from_the_cache(tmp_path):
    """A file replaced deep inside --vep_cache (a cache unpacked again) leaves the folder's own time
    as it was: -resume reused the annotation made with the old cache (stub run: the task hash only)."""
    version = tmp_path / "vep_cache/homo_sapiens/113_GRCh38"
    info = write(version / "info.txt", "version\t113\n")
    write(version / "10/70000001-71000000.gz", "old")
    folder_time = (tmp_path / "vep_cache").stat().st_mtime_ns
    args = ["-profile", "test", "-stub-run", "--execution_reports", "true", "--outdir", "results",
            "--annotator", "vep", "--vep_cache", str(tmp_path / "vep_cache")]
    run_nextflow(tmp_path, *args)
    time.sleep(0.05)
    (version / "10/70000001-71000000.gz").write_text("new")
    assert (tmp_path / "vep_cache").stat().st_mtime_ns == folder_time and info.exists()
    traces = set((tmp_path / "results/pipeline_info").glob("execution_trace_*.txt"))
    run_nextflow(tmp_path, *args, "-resume")
    statuses = trace_status(tmp_path / "results", traces)
    assert statuses["ENSEMBLVEP_VEP"] == {"COMPLETED"}, statuses
    assert statuses["BWA_MEM"] == {"CACHED"}, statuses


def failing_finish_python(folder: Path) -> Path:
    """A python3 first on PATH that fails bin/finish_outdir.py (a failed finish step) and runs the rest."""
    import shutil
    import sys

    folder.mkdir()
    shim = folder / "python3"
    real = shutil.which("python3") or sys.executable
    shim.write_text('#!/bin/sh\ncase "$*" in *finish_outdir.py*) echo "OSError: simulated failure" >&2; exit 1;; esac\n'
                    f'exec {real} "$@"\n')
    shim.chmod(0o755)
    return folder


@pytest.mark.pipeline
def test_a_failed_finish_step_fails_the_run_and_resume_finishes_it_without_moving_its_fastqs(tmp_path):
    """A run whose finish step fails exits non-zero and leaves RUN_INCOMPLETE.txt (before: exit 0, logged
    only); -resume reuses every task and finishes. The samplesheet's FASTQs kept in a result folder of
    --outdir (older than the run) stay where they are (before: moved to earlier_runs/)."""
    results = tmp_path / "results"
    raw = results / "qc/raw"
    raw.mkdir(parents=True)
    rows = []
    for sample in ("case_02", "ctrl_01"):
        for n in (1, 2):
            (raw / f"{sample}_L001_R{n}.fastq.gz").write_bytes((READS / f"{sample}_L001_R{n}.fastq.gz").read_bytes())
        group = "case" if sample.startswith("case") else "control"
        rows.append(f"{sample},{group},{raw}/{sample}_L001_R1.fastq.gz,{raw}/{sample}_L001_R2.fastq.gz\n")
    sheet = tmp_path / "samplesheet.csv"
    sheet.write_text("sample,group,fastq_1,fastq_2\n" + "".join(rows))
    args = ["-profile", "test", "-stub-run", "--outdir", "results", "--input", str(sheet)]
    shim = failing_finish_python(tmp_path / "shim")
    first = run_nextflow(tmp_path, *args, check=False, env={"PATH": f"{shim}:{os.environ['PATH']}"})
    log = first.stdout + first.stderr
    assert first.returncode != 0, log[-3000:]
    assert "every task finished, but the run's last step failed" in log and "simulated failure" in log, log[-3000:]
    marker = results / O.INCOMPLETE
    assert marker.is_file() and "run_name: " in marker.read_text() and not (results / O.MANIFEST).exists()

    second = run_nextflow(tmp_path, *args, "-resume")
    log = second.stdout + second.stderr
    assert "Submitted process" not in log, "a failed finish step must not cost -resume its cache"
    assert "the earlier run there did not finish" in log
    assert not marker.exists() and (results / O.MANIFEST).is_file()
    assert sorted(p.name for p in raw.iterdir()) == sorted(f"{s}_L001_R{n}.fastq.gz" for s in ("case_02", "ctrl_01") for n in (1, 2))
    assert not list(results.glob("earlier_runs/*/qc/raw")), "the run's FASTQs were moved away"


def process_start_ms(pid: int) -> int:
    """The start of a process in ms since the epoch, as Java's ProcessHandle reads it on Linux."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    boot = next(int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime"))
    return int((boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")) * 1000)


def unresolvable_host_name(tmp_path: Path) -> Dict[str, str]:
    """The environment of a host whose own name does not resolve (no /etc/hosts line, no DNS answer: the
    JVM reads an empty hosts file) and that does not export HOSTNAME (bash sets it without exporting)."""
    hosts = tmp_path / "empty_hosts"
    hosts.write_text("")
    return {"NXF_OPTS": f"{os.environ.get('NXF_OPTS', '')} -Djdk.net.hosts.file={hosts}".strip(), "HOSTNAME": ""}


@pytest.mark.pipeline
@pytest.mark.parametrize("host", ["resolvable", "unresolvable"])
def test_a_second_run_into_an_outdir_a_live_run_writes_is_refused(tmp_path, host):
    """Two runs at once into one --outdir: the later one's params.json would make the first run's results
    look older than its start, and the first run would move them to earlier_runs/. Refused at start, also
    on a host whose name does not resolve (before: Java's InetAddress.getLocalHost() failed there, the run
    named its host 'unknown', which is not the host a live run on it names, and the second run went ahead)."""
    import socket

    env = unresolvable_host_name(tmp_path) if host == "unresolvable" else None
    results = tmp_path / "results"
    results.mkdir()
    sleeper = subprocess.Popen(["sleep", "600"])
    try:
        (results / O.INCOMPLETE).write_text(
            f"run_name: busy_run\nstarted: 2026-12-02T10:00\nhost: {socket.gethostname()}\npid: {sleeper.pid}\n"
            f"process_start_ms: {process_start_ms(sleeper.pid)}\n")
        result = run_nextflow(tmp_path, "-profile", "test", "-stub-run", "--outdir", "results", check=False, env=env)
    finally:
        sleeper.kill()
    log = result.stdout + result.stderr
    assert result.returncode != 0 and "another run (busy_run, started 2026-12-02T10:00, process" in log, log[-3000:]
    assert "Submitted process" not in log and not (results / O.MARKER).exists()
