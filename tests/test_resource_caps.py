"""No task ever asks for more than the caps (process.resourceLimits) of the profile it runs under.

A request above the caps is what breaks a cluster run: more CPUs than any node has pends for ever
without a message, more memory than a node has is refused at submission, more time than the partition
allows pends (docs/usage.md, "Resources"). The caps come from the host (default), the test profile,
the cluster (-profile slurm reads the largest node from sinfo) or a -c site config.

The run test: the test profile under -profile test,slurm with a stand-in `sinfo` describing a small
node (2 CPUs, 3 GB, partition limit 30 min), run as -stub-run on the local executor, with the first
task of every process failing once with exit 137 so that its retry (twice the request) is traced too.
Two runs (bwa + snpEff/gnomAD; bwa-mem2 + VEP with the FASTA index built) exercise every label the
modules use and every withName that sets resources. Each traced attempt must fit the caps.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
from pathlib import Path
from typing import Dict, List, Set

import pytest

from fake_slurm import fake_sinfo
from nextflow_runner import REPO, nextflow, run_nextflow

GIB = 1024 ** 3
NODE_CPUS = 2
NODE_MEMORY_MB = 3072
PARTITION_MINUTES = 30
# the caps the profiles must arrive at: the node's CPUs and memory, the partition's time limit (< the test profile's 1 h)
CAPS = {"cpus": NODE_CPUS, "memory": NODE_MEMORY_MB * 1024 ** 2, "time": PARTITION_MINUTES * 60 * 1000}

RESOURCES = ("cpus", "memory", "time")


def small_cluster(tmp_path: Path) -> Dict[str, str]:
    return fake_sinfo(tmp_path, f"{NODE_CPUS}|{NODE_MEMORY_MB}|{PARTITION_MINUTES}:00|short*\n")


def flat_config(env: Dict[str, str], cwd: Path, *args: str) -> str:
    result = subprocess.run([nextflow(), "config", str(REPO), "-flat", *args], cwd=cwd, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def module_labels() -> Dict[str, List[str]]:
    """Process name -> its labels, for every module."""
    labels = {}
    for main in sorted(REPO.glob("modules/**/main.nf")):
        text = main.read_text()
        for name in re.findall(r"^process\s+(\w+)\s*\{", text, re.M):
            labels[name] = re.findall(r"^\s*label\s+'([^']+)'", text, re.M)
    assert labels, "no modules found"
    return labels


def resource_selectors(flat: str, kind: str) -> Set[str]:
    """withLabel/withName selectors of the resolved configuration that set cpus, memory or time."""
    return set(re.findall(rf"^process\.'{kind}:([^']+)'\.(?:cpus|memory|time) = ", flat, re.M))


# ---- static: the label scheme and the caps each profile resolves to ----------------------------

@pytest.fixture(scope="module")
def test_slurm_config(tmp_path_factory) -> str:
    """The resolved configuration of -profile test,slurm on the small cluster."""
    cwd = tmp_path_factory.mktemp("caps_config")
    return flat_config(small_cluster(cwd), cwd, "-profile", "test,slurm")


def test_every_module_has_exactly_one_label_of_conf_base(test_slurm_config):
    labels = resource_selectors(test_slurm_config, "withLabel")
    for process, declared in module_labels().items():
        assert len(declared) == 1 and declared[0] in labels, (process, declared, labels)


def test_test_profile_on_a_cluster_keeps_the_partition_time_limit(test_slurm_config):
    # a job asking for more time than its partition allows pends for ever: the test profile's 1 h cap
    # must not replace a shorter limit read from the cluster
    limits = f"process.resourceLimits = [cpus:{NODE_CPUS}, memory:'3 GB', time:'{PARTITION_MINUTES}m']"
    assert limits in test_slurm_config, test_slurm_config


# ---- the run: every traced request within the caps --------------------------------------------

CAPS_RUN_CONFIG = """
// the slurm profile's caps, but run here: no sbatch on this machine
process.executor     = 'local'
// stub tasks do nothing: no need to hold them to the host's CPUs. Nextflow 24.10's local executor can
// also lose a CPU from its count when tasks end as fast as these (two threads update it; see
// conf/test.config) and would then never start a 2-CPU retry; and the profile's 30 s poll would only
// slow the run.
executor {
    cpus         = 64
    memory       = 1.TB
    pollInterval = '1 sec'
}
// the first task of every process fails once as if killed (137), so its retry is traced too
process.beforeScript = { task.attempt == 1 && task.index == 1 ? 'exit 137' : '' }
trace.raw    = true
trace.fields = 'task_id,process,tag,attempt,status,exit,cpus,memory,time'
"""

MODES = {
    "bwa_offline": [],
    "bwamem2_vep_faidx": ["--aligner", "bwa-mem2", "--annotator", "vep", "-params-file", "no_fai.yml"],
}


def two_sample_sheet(path: Path) -> Path:
    reads = REPO / "assets/test_cohort/reads"
    rows = [f"case_01,case,{reads}/case_01_L001_R1.fastq.gz,{reads}/case_01_L001_R2.fastq.gz",
            f"case_01,case,{reads}/case_01_L002_R1.fastq.gz,{reads}/case_01_L002_R2.fastq.gz",
            f"ctrl_01,control,{reads}/ctrl_01_L001_R1.fastq.gz,{reads}/ctrl_01_L001_R2.fastq.gz"]
    path.write_text("sample,group,fastq_1,fastq_2\n" + "\n".join(rows) + "\n")
    return path


@pytest.fixture(scope="module")
def capped_runs(tmp_path_factory) -> Dict[str, List[Dict[str, str]]]:
    traces = {}
    for mode, args in MODES.items():
        launch = tmp_path_factory.mktemp(f"caps_{mode}")
        (launch / "caps_run.config").write_text(CAPS_RUN_CONFIG)
        (launch / "no_fai.yml").write_text("fasta_fai: null\n")   # SAMTOOLS_FAIDX runs
        sheet = two_sample_sheet(launch / "samplesheet.csv")
        run_nextflow(launch, "-profile", "test,slurm", "-stub-run", "-c", "caps_run.config", "--input", str(sheet),
                     "--outdir", "results", *args, env=small_cluster(launch), timeout=900)
        trace = sorted((launch / "results/pipeline_info").glob("execution_trace_*.txt"))
        assert len(trace) == 1, trace
        with open(trace[0]) as handle:
            traces[mode] = list(csv.DictReader(handle, delimiter="\t"))
    return traces


def simple_name(process: str) -> str:
    return process.split(":")[-1]


def all_rows(capped_runs) -> List[Dict[str, str]]:
    return [row for rows in capped_runs.values() for row in rows]


@pytest.mark.pipeline
def test_every_attempt_of_every_task_is_within_the_caps(capped_runs):
    rows = all_rows(capped_runs)
    assert rows
    over = [(row["process"], row["attempt"], resource, row[resource]) for row in rows for resource in RESOURCES
            if int(row[resource]) > CAPS[resource]]
    assert not over, f"requests above the caps {CAPS}: {over}"


@pytest.mark.pipeline
def test_the_caps_lowered_requests_above_them(capped_runs):
    # the test can fail: process_medium asks for 6 CPUs and 36 GB, process_high for 72 GB (the aligners'
    # CPUs follow the FASTQ size: 1 for these reads), every step for >= 2 h; all must arrive at the caps
    by_process = {}
    for row in all_rows(capped_runs):
        by_process.setdefault(simple_name(row["process"]), []).append(row)
    for process, capped in (("ENSEMBLVEP_VEP", RESOURCES), ("BWA_MEM", ("memory", "time")),
                            ("BWAMEM2_MEM", ("memory", "time"))):
        assert process in by_process, sorted(by_process)
        for row in by_process[process]:
            assert all(int(row[r]) == CAPS[r] for r in capped), row
    assert all(int(row["time"]) == CAPS["time"] for row in all_rows(capped_runs))


@pytest.mark.pipeline
def test_every_process_was_retried_and_the_retry_stays_within_the_caps(capped_runs):
    for mode, rows in capped_runs.items():
        failed = {simple_name(r["process"]) for r in rows if r["attempt"] == "1" and r["exit"] == "137"}
        retried = {simple_name(r["process"]) for r in rows if r["attempt"] == "2" and r["status"] == "COMPLETED"}
        ran = {simple_name(r["process"]) for r in rows}
        assert failed == ran and retried == ran, (mode, ran - failed, ran - retried)
        for row in rows:
            if row["attempt"] == "2":
                first = next(r for r in rows if r["process"] == row["process"] and r["tag"] == row["tag"]
                             and r["attempt"] == "1")
                # twice the request, cut to the caps: never less than the first attempt
                assert all(int(first[r]) <= int(row[r]) <= CAPS[r] for r in RESOURCES), (first, row)
        # process_single asks for 2 GB, its retry for 4 GB: the retry arrives at the 3 GB cap
        screen = sorted((r for r in rows if simple_name(r["process"]) == "SCREEN"), key=lambda r: r["attempt"])
        assert [int(r["memory"]) for r in screen] == [2 * GIB, CAPS["memory"]], (mode, screen)


@pytest.mark.pipeline
def test_the_runs_cover_every_label_and_every_resource_withname(capped_runs, test_slurm_config):
    flat = test_slurm_config
    ran = {simple_name(row["process"]) for row in all_rows(capped_runs)}
    labels = module_labels()
    # every label a module uses (conf/base.config may define more: the nf-core set)
    ran_labels = {label for process in ran for label in labels[process]}
    assert ran_labels == {label for declared in labels.values() for label in declared}, ran_labels
    for selector in resource_selectors(flat, "withName"):
        assert any(re.fullmatch(selector, process) for process in ran), f"withName:{selector} sets resources but no run used it"


def test_the_caps_example_of_the_usage_docs_is_a_valid_config(tmp_path):
    usage = (REPO / "docs/usage.md").read_text()
    section = usage.split("\n## Resources\n")[1].split("\n## ")[0]
    example = re.search(r"```groovy\n(.*?)```", section, re.S)
    assert example, "docs/usage.md, Resources: the caps example is gone"
    (tmp_path / "site.config").write_text(example.group(1))
    result = subprocess.run([nextflow(), "-c", "site.config", "config", str(REPO), "-flat"], cwd=tmp_path,
                            env=dict(os.environ, NXF_OFFLINE="true"), capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "process.resourceLimits = [cpus:32, memory:'256 GB', time:'3d']" in result.stdout, result.stdout
    assert "process.'withName:BWA_MEM|BWAMEM2_MEM'.cpus = 16" in result.stdout, result.stdout
