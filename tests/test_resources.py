"""Process resources and shell: caps from process.resourceLimits (default: this machine), a site
config that changes them, and bash with pipefail so a tool dying inside a pipe fails its task."""

from __future__ import annotations

import csv
import os
import re
import stat
from pathlib import Path

import pytest

from nextflow_runner import REPO, jvm_machine, nextflow_config, run_nextflow

GB = 1024 ** 3


def resource_limits(flat_config: str) -> dict:
    line = next(l for l in flat_config.splitlines() if l.startswith("process.resourceLimits"))
    cpus = int(re.search(r"cpus:(\d+)", line).group(1))
    value, unit = re.search(r"memory:'([\d.]+) (\w+)'", line).groups()
    memory = float(value) * {"MB": 1024 ** 2, "GB": GB, "TB": 1024 ** 4}[unit]
    time = re.search(r"time:'([^']+)'", line).group(1)
    return {"cpus": cpus, "memory": memory, "time": time}


def host_memory() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def test_default_caps_are_the_machine_nextflow_runs_on():
    """The machine as Java sees it: the CPUs Nextflow may use (affinity, cgroup quota), not all the host's."""
    limits = resource_limits(nextflow_config())
    cpus, memory = jvm_machine()
    assert limits["cpus"] == cpus
    assert 0.5 * memory <= limits["memory"] <= memory * 1.01 and memory <= host_memory()


def test_test_profile_caps_are_small_and_never_above_the_machine():
    limits = resource_limits(nextflow_config("-profile", "test"))
    assert limits["cpus"] == min(2, jvm_machine()[0])
    assert limits["memory"] <= min(6 * GB, jvm_machine()[1])
    assert limits["time"] == "1h"


@pytest.mark.pipeline
def test_test_profile_run_is_bounded_by_its_queue_not_by_racy_cpu_counters(test_profile_run):
    # conf/test.config: Nextflow 24.10's local CPU/memory counters can lose an update when tasks end
    # as fast as the test profile's, and a 2-CPU step then never starts; the counters must not gate,
    # and the queue (a count Nextflow keeps safely) holds the run to the host's CPUs
    launch_dir, _ = test_profile_run
    log = (launch_dir / ".nextflow.log").read_text()
    monitor = re.search(r"Creating local task monitor for executor 'local' > cpus=(\d+); memory=([^;]+); "
                        r"capacity=(\d+)", log)
    assert monitor, "the run's log does not describe its local executor"
    cpus, memory, capacity = monitor.groups()
    assert int(cpus) >= 1024 and memory.endswith(("TB", "PB")), monitor.group(0)
    assert int(capacity) == jvm_machine()[0], monitor.group(0)


def execution_reports_enabled(flat: str) -> dict:
    return {scope: f"{scope}.enabled = true" in flat.splitlines() for scope in ("trace", "timeline", "report")}


def test_execution_reports_are_on_by_default_and_on_a_cluster_off_for_the_local_test_profile():
    """Nextflow's per-task metrics cost ~12 % on the test profile's seconds-long tasks (docs/benchmarks.md):
    off there when run locally; on for real runs and under a cluster executor, where the trace is how
    resource requests are checked."""
    assert execution_reports_enabled(nextflow_config()) == {"trace": True, "timeline": True, "report": True}
    assert execution_reports_enabled(nextflow_config("-profile", "test")) == \
        {"trace": False, "timeline": False, "report": False}
    assert execution_reports_enabled(nextflow_config("-profile", "test,slurm")) == \
        {"trace": True, "timeline": True, "report": True}


def test_a_site_config_given_with_c_sets_the_caps(tmp_path):
    site = tmp_path / "site.config"
    site.write_text("process.resourceLimits = [cpus: 48, memory: 384.GB, time: 72.h]\n")
    limits = resource_limits(nextflow_config(site_config=site))
    assert limits == {"cpus": 48, "memory": 384 * GB, "time": "3d"}


def test_every_process_runs_bash_with_pipefail():
    flat = nextflow_config()
    assert "process.shell = ['/bin/bash', '-euo', 'pipefail']" in flat


def test_retry_codes_include_the_nf_core_set():
    flat = nextflow_config()
    assert "((130..145) + 104 + 175)" in flat


@pytest.mark.pipeline
def test_a_tool_failing_inside_a_pipe_fails_its_task(tmp_path):
    """bwa mem | samtools sort: a bwa that writes a SAM header and dies must fail BWA_MEM (without
    pipefail, samtools sort turns the header into an empty BAM and the task 'succeeds')."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    real_bwa = next(p for p in os.environ["PATH"].split(os.pathsep) if (Path(p) / "bwa").exists())
    bwa = fake_bin / "bwa"
    bwa.write_text("#!/bin/bash\n"
                   "if [[ \"$1\" == mem ]]; then printf '@HD\\tVN:1.6\\tSO:unsorted\\n'; "
                   "echo 'simulated crash' >&2; exit 1; fi\n"
                   f"exec {real_bwa}/bwa \"$@\"\n")
    bwa.chmod(bwa.stat().st_mode | stat.S_IXUSR)
    result = run_nextflow(tmp_path, "-profile", "test", "--execution_reports", "true", "--input", str(two_samples(tmp_path)),
                          "--outdir", "results", check=False,
                          env={"PATH": f"{fake_bin}{os.pathsep}{os.environ['PATH']}"})
    assert result.returncode != 0, "the run succeeded although bwa mem crashed"
    rows = bwa_mem_trace(tmp_path / "results")
    assert rows and all(r["status"] == "FAILED" and r["exit"] == "1" for r in rows), rows
    assert not (tmp_path / "results/alignment").exists()


def two_samples(tmp_path: Path) -> Path:
    cohort = REPO / "assets/test_cohort"
    sheet = tmp_path / "two_samples.csv"
    sheet.write_text("sample,group,fastq_1,fastq_2\n"
                     f"case_02,case,{cohort}/reads/case_02_L001_R1.fastq.gz,{cohort}/reads/case_02_L001_R2.fastq.gz\n"
                     f"ctrl_02,control,{cohort}/reads/ctrl_02_L001_R1.fastq.gz,{cohort}/reads/ctrl_02_L001_R2.fastq.gz\n")
    return sheet


def bwa_mem_trace(results: Path):
    traces = list((results / "pipeline_info").glob("execution_trace_*.txt"))
    with open(traces[0]) as handle:
        return [r for r in csv.DictReader(handle, delimiter="\t") if r["process"].endswith("BWA_MEM")]


@pytest.mark.pipeline
def test_a_task_killed_again_after_its_retry_fails_the_run(tmp_path):
    """Exit 137 (killed: out of memory; 140: SLURM's time limit) is retried once with twice the
    request; killed again, the task fails the run (never ignored), and nothing looks finished."""
    config = tmp_path / "killed.config"
    config.write_text("process { withName: 'BWA_MEM' { beforeScript = 'exit 137' } }\n")
    result = run_nextflow(tmp_path, "-profile", "test", "--execution_reports", "true", "--input", str(two_samples(tmp_path)),
                          "--outdir", "results", "-c", str(config), check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    rows = bwa_mem_trace(tmp_path / "results")
    for sample in ("case_02", "ctrl_02"):
        # the trace has no attempt column: a sample's second row is its retry (the test profile caps memory
        # at 6 GB, below BWA_MEM's request, so the doubling shows in its CPUs: 1, then 2)
        attempts = sorted((int(r["task_id"]), r["status"], r["exit"], r["cpus"]) for r in rows if r["tag"] == sample)
        assert [a[1:] for a in attempts] == [("FAILED", "137", "1"), ("FAILED", "137", "2")], attempts
    assert not (tmp_path / "results/alignment").exists()
    assert not (tmp_path / "results/pipeline_info/manifest.tsv").exists()
    assert "this run did not finish" in output


@pytest.mark.pipeline
def test_the_old_max_parameters_are_refused_with_the_replacement(tmp_path):
    result = run_nextflow(tmp_path, "-profile", "test", "--max_memory", "8.GB", "--outdir", "results", check=False)
    assert result.returncode != 0
    assert "--max_memory: no longer a parameter; set the caps of any task with process.resourceLimits" in result.stdout
    assert not (tmp_path / "work").exists() or not any((tmp_path / "work").iterdir())


@pytest.mark.pipeline
def test_an_aligner_killed_for_memory_inside_its_pipe_is_retried(tmp_path):
    """The out-of-memory killer stops bwa (the largest process) inside `bwa mem | samtools sort`:
    samtools then exits 1 on its cut input, and pipefail made the task exit 1, which is not retried
    with more memory. The task must exit 137 and its retry align the sample."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    real_bwa = next(p for p in os.environ["PATH"].split(os.pathsep) if (Path(p) / "bwa").exists())
    killed = tmp_path / "killed_once"
    bwa = fake_bin / "bwa"
    bwa.write_text("#!/bin/bash\n"
                   f"if [[ \"$1\" == mem && ! -e {killed} ]]; then touch {killed}; kill -9 $$; fi\n"
                   f"exec {real_bwa}/bwa \"$@\"\n")
    bwa.chmod(bwa.stat().st_mode | stat.S_IXUSR)
    result = run_nextflow(tmp_path, "-profile", "test", "--execution_reports", "true", "--input", str(two_samples(tmp_path)),
                          "--outdir", "results", "--skip_screening", check=False,
                          env={"PATH": f"{fake_bin}{os.pathsep}{os.environ['PATH']}"})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    rows = sorted((int(r["task_id"]), r["tag"], r["status"], r["exit"]) for r in bwa_mem_trace(tmp_path / "results"))
    failed = [r for r in rows if r[2] == "FAILED"]
    assert [r[3] for r in failed] == ["137"], rows
    assert [r[2] for r in rows if r[1] == failed[0][1]] == ["FAILED", "COMPLETED"], rows
    assert (tmp_path / f"results/alignment/{failed[0][1]}.bam").is_file()


SOFTWARE = {"docker": "docker.enabled", "singularity": "singularity.enabled", "apptainer": "apptainer.enabled",
            "conda": "conda.enabled"}


@pytest.mark.parametrize("profiles", ["docker", "singularity", "apptainer", "conda", "slurm", "test", "debug",
                                      "test,slurm", "singularity,slurm", "apptainer,slurm", "conda,slurm",
                                      "docker,test", "test,docker"])
def test_every_profile_and_the_documented_combinations_resolve(profiles):
    """`nextflow config -profile X` parses (nextflow_config fails the test otherwise), a software profile
    enables its engine and no other, and every profile keeps the retry-then-stop error strategy."""
    flat = dict(line.split(" = ", 1) for line in nextflow_config("-profile", profiles).splitlines() if " = " in line)
    chosen = [name for name in profiles.split(",") if name in SOFTWARE]
    enabled = sorted(name for name, key in SOFTWARE.items() if flat.get(key) == "true")
    assert enabled == chosen, (profiles, enabled)
    assert "'retry' : 'finish'" in flat["process.errorStrategy"] and flat["process.maxRetries"] == "1"
    if "slurm" in profiles:
        assert flat["process.executor"] == "'slurm'"
