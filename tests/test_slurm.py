"""The `slurm` profile: node-size caps read from SLURM, and the test profile run for real on a one-node
SLURM cluster (scripts/slurm_cluster.sh), every task a SLURM job, results equal to the local run.

The real run needs root on Debian/Ubuntu (the cluster is installed from Debian packages and started
by the fixture, then stopped); elsewhere it is skipped with the reason. CI runs as root on Debian.
"""

from __future__ import annotations

import csv
import gzip
import os
import re
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest

from fake_slurm import fake_sinfo
from nextflow_runner import nextflow, run_nextflow

REPO = Path(__file__).resolve().parents[1]
CAPS = REPO / "bin/slurm_node_caps.sh"
CLUSTER = REPO / "scripts/slurm_cluster.sh"


# ---- bin/slurm_node_caps.sh with a stand-in sinfo ----------------------------------------------

def caps(env: Dict[str, str], *queue: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(CAPS), *queue], env=env, capture_output=True, text=True)


CLUSTER_LISTING = """\
16|64000|1-00:00:00|short*
16|64000|1-00:00:00|short*
64|512000+|7-00:00:00|long
128|384000|7-00:00:00|long
8|32000|infinite|debug
"""


def test_caps_are_the_largest_node_of_the_default_partition(tmp_path):
    result = caps(fake_sinfo(tmp_path, CLUSTER_LISTING))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["16", "64000", str(86400)]


def test_caps_are_one_node_that_has_both_the_most_cpus_x_memory(tmp_path):
    # 128 CPUs x 384 GB beats 64 CPUs x 512 GB; a 128-CPU 512-GB request would fit on neither node
    result = caps(fake_sinfo(tmp_path, CLUSTER_LISTING), "long")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["128", "384000", str(7 * 86400)]
    assert "--partition=long" in (tmp_path / "fakebin/args").read_text()


@pytest.mark.parametrize("limit, seconds", [("infinite", "none"), ("UNLIMITED", "none"), ("30", "1800"),
                                            ("30:15", "1815"), ("12:00:00", "43200"), ("2-12", str(2 * 86400 + 43200)),
                                            ("1-00:30", str(86400 + 1800)), ("0-00:00:45", "45")])
def test_time_limit_formats(tmp_path, limit, seconds):
    result = caps(fake_sinfo(tmp_path, f"4|8000|{limit}|batch*\n"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[2] == seconds


@pytest.mark.parametrize("listing, status, message", [
    ("", 0, "lists no node in partition (default)"),
    ("4|8000|infinite|batch\n", 0, "lists no node"),          # no default partition marked
    ("4|8000|infinite|batch*\n", 1, "sinfo --noheader"),       # sinfo fails (controller down)
])
def test_caps_fail_loudly_when_slurm_gives_no_node(tmp_path, listing, status, message):
    result = caps(fake_sinfo(tmp_path, listing, status))
    assert result.returncode == 1 and message in result.stderr, (result.stdout, result.stderr)


# ---- what the profile makes of them (nextflow config) ------------------------------------------

def resolved_limits(tmp_path: Path, profile: str, env: Dict[str, str]) -> str:
    result = subprocess.run([nextflow(), "config", str(REPO), "-profile", profile], cwd=tmp_path, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    found = re.search(r"resourceLimits = (\[.*\])", result.stdout)
    assert found, result.stdout
    return found.group(1) + "\n" + result.stderr


@pytest.mark.pipeline
def test_slurm_profile_caps_requests_at_the_largest_node(tmp_path):
    env = fake_sinfo(tmp_path, CLUSTER_LISTING)
    env["NXF_OFFLINE"] = "true"
    limits = resolved_limits(tmp_path, "slurm", env)
    assert "cpus:16" in limits and "memory:'62.5 GB'" in limits and "time:'1d'" in limits, limits
    # the test profile's small caps still apply on top of the cluster's
    limits = resolved_limits(tmp_path, "test,slurm", env)
    assert "cpus:2" in limits and "memory:'6 GB'" in limits and "time:'1h'" in limits, limits


@pytest.mark.pipeline
def test_slurm_profile_warns_when_slurm_cannot_be_asked(tmp_path):
    env = fake_sinfo(tmp_path, "", status=1)
    env["NXF_OFFLINE"] = "true"
    limits = resolved_limits(tmp_path, "slurm", env)
    assert "WARN: -profile slurm: could not read the node sizes from SLURM" in limits
    # a -c config's caps win (read after the profile): the warning must not say the launch host's apply
    assert "unless a config given with -c sets process.resourceLimits" in limits, limits


@pytest.mark.pipeline
def test_slurm_caps_are_read_on_a_busy_machine(tmp_path):
    # the caps script's answer was read by threads nobody waited for: on a loaded machine the script
    # ended before its output was read and the run silently kept the launch host's caps (1 of 8
    # parallel `nextflow config` calls here; CI's capped-run tests failed on it). Several at once load
    # the machine as CI does.
    env = fake_sinfo(tmp_path, CLUSTER_LISTING)
    env["NXF_OFFLINE"] = "true"
    runs = []
    for index in range(6):
        cwd = tmp_path / f"run{index}"
        cwd.mkdir()
        runs.append(subprocess.Popen([nextflow(), "config", str(REPO), "-flat", "-profile", "slurm"], cwd=cwd,
                                     env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    for run in runs:
        output = run.communicate(timeout=600)[0]
        assert run.returncode == 0 and "could not read the node sizes" not in output, output
        assert "process.resourceLimits = [cpus:16, memory:'62.5 GB', time:'1d']" in output, output


def test_launch_code_waits_for_the_output_of_the_commands_it_runs():
    # Groovy's consumeProcessOutput(out, err) returns before its reading threads have read everything:
    # code run at config time or launch must wait for them (consumeProcess*Stream(...).join) or use
    # waitForProcessOutput
    for path in [REPO / "nextflow.config", REPO / "main.nf", *REPO.glob("conf/*.config"),
                 *REPO.glob("subworkflows/**/*.nf"), *REPO.glob("workflows/**/*.nf")]:
        text = path.read_text()
        assert ".consumeProcessOutput(" not in text, path
        if "consumeProcessOutputStream(" in text or "consumeProcessErrorStream(" in text:
            assert ".join(" in text, path


# ---- the test profile on a real one-node SLURM cluster --------------------------------------------

@pytest.fixture(scope="module")
def slurm_cluster():
    """A SLURM cluster accepting jobs: scripts/slurm_cluster.sh starts the one-node cluster (or joins the
    one it already runs, or uses a real cluster it finds) and stops it after the tests unless another
    test session still uses it."""
    up = subprocess.run(["bash", str(CLUSTER), "up"], capture_output=True, text=True)
    if up.returncode == 3:  # not root / not Debian-like: the script says which
        if subprocess.run(["bash", str(CLUSTER), "status"], capture_output=True).returncode == 0:
            yield  # a cluster this user can submit to anyway
            return
        pytest.skip(f"no one-node SLURM test cluster here: {up.stderr.strip()}")
    if up.returncode != 0:
        pytest.fail(f"scripts/slurm_cluster.sh up failed:\n{up.stdout}\n{up.stderr}")
    yield
    subprocess.run(["bash", str(CLUSTER), "down"], capture_output=True)


FAST_POLLING = """
// the test cohort's jobs last seconds: look for them often (the site config's intervals suit real clusters)
executor {
    pollInterval      = '1 sec'
    queueStatInterval = '2 sec'
    submitRateLimit   = '100/1sec'
}
trace.fields = 'task_id,hash,native_id,process,tag,status,exit,workdir'
"""

def usage_site_config() -> str:
    """The site config example of docs/usage.md ("Running on a SLURM cluster"), as written."""
    usage = (REPO / "docs/usage.md").read_text()
    example = re.search(r"A site config, given with `-c hpc.config`.*?```groovy\n(.*?)```", usage, re.S)
    assert example, "docs/usage.md: the site config example is gone"
    return example.group(1)


def site_setting(config: str, name: str) -> str:
    """The first quoted value of `name = '...'` in the example."""
    found = re.search(rf"^\s*{name}\s*=\s*'([^']*)'", config, re.M)
    assert found, f"the site config example sets no {name}"
    return found.group(1)


@pytest.fixture(scope="module")
def slurm_run(slurm_cluster, tmp_path_factory):
    """-profile test,slurm with the usage docs' site config (its caps replaced by the test node's), then
    faster polling."""
    launch_dir = tmp_path_factory.mktemp("slurm")
    # the test profile's caps, within the node: tasks of the test cohort run side by side
    node = node_size()
    caps = f"resourceLimits = [cpus: {min(2, node['cpus'])}, memory: {min(6 * 1024, node['memory_mb'])}.MB, time: 1.h]"
    site, replaced = re.subn(r"resourceLimits\s*=\s*\[[^\]]*\]", caps, usage_site_config())
    assert replaced == 1, "the site config example sets no process.resourceLimits"
    (launch_dir / "hpc.config").write_text(site)
    (launch_dir / "fast_polling.config").write_text(FAST_POLLING)
    run_nextflow(launch_dir, "-profile", "test,slurm", "--outdir", "results", "-c", "hpc.config,fast_polling.config",
                 timeout=1800)
    return launch_dir


def trace_rows(launch_dir: Path) -> List[Dict[str, str]]:
    traces = sorted((launch_dir / "results/pipeline_info").glob("execution_trace_*.txt"))
    assert traces, "no trace"
    with open(traces[0]) as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def node_size() -> Dict[str, int]:
    out = subprocess.run(["sinfo", "--noheader", "--Node", "--format=%c %m"], capture_output=True, text=True,
                         check=True).stdout.split()
    return {"cpus": int(out[0]), "memory_mb": int(out[1].rstrip("+"))}


@pytest.mark.pipeline
def test_every_task_ran_as_a_slurm_job(slurm_run, test_profile_run):
    rows = trace_rows(slurm_run)
    local_rows = trace_rows(test_profile_run[0])
    assert sorted(r["process"] for r in rows) == sorted(r["process"] for r in local_rows)
    assert all(r["status"] == "COMPLETED" for r in rows), [(r["process"], r["status"]) for r in rows]
    job_ids = [r["native_id"] for r in rows]
    assert all(job_id.isdigit() for job_id in job_ids), job_ids  # SLURM job ids, not local pids
    assert len(set(job_ids)) == len(job_ids)
    for row in rows:
        wrapper = (Path(row["workdir"]) / ".command.run").read_text()
        assert "#SBATCH -J nf-" in wrapper, row["process"]


def slurm_job(job_id: str) -> Dict[str, str]:
    """What slurmctld holds about a job (the test cluster keeps finished jobs for an hour)."""
    shown = subprocess.run(["scontrol", "show", "job", job_id], capture_output=True, text=True)
    assert shown.returncode == 0, f"scontrol show job {job_id}: {shown.stderr}"
    return dict(re.findall(r"(\w+)=(\S*)", shown.stdout))


@pytest.mark.pipeline
def test_slurm_received_the_site_config(slurm_run):
    site = usage_site_config()
    default_queue, long_queue = site_setting(site, "queue"), re.search(
        r"withName: 'BWA_MEM\|BWAMEM2_MEM' \{\s*queue\s*=\s*'([^']+)'", site).group(1)
    account, options = site_setting(site, "account"), site_setting(site, "clusterOptions")
    assert default_queue != long_queue
    partitions = set()
    for row in trace_rows(slurm_run):
        job = slurm_job(row["native_id"])
        expected = long_queue if row["process"].endswith(":BWA_MEM") else default_queue
        assert (job["Partition"], job["Account"], job["JobState"]) == (expected, account, "COMPLETED"), (row, job)
        partitions.add(job["Partition"])
        wrapper = (Path(row["workdir"]) / ".command.run").read_text()
        assert f"#SBATCH {options}" in wrapper, row["process"]  # clusterOptions (QOS is not kept without accounting)
        assert "NXF_SCRATCH=" in wrapper, row["process"]        # scratch = '$TMPDIR'
    assert partitions == {default_queue, long_queue}


@pytest.mark.pipeline
def test_no_job_asked_for_more_than_the_node_or_the_caps(slurm_run):
    node = node_size()
    capped = []
    for row in trace_rows(slurm_run):
        wrapper = (Path(row["workdir"]) / ".command.run").read_text()
        cpus_line = re.search(r"^#SBATCH -c (\d+)$", wrapper, re.M)  # no -c line: 1 CPU
        cpus = int(cpus_line.group(1)) if cpus_line else 1
        memory_mb = int(re.search(r"^#SBATCH --mem (\d+)M$", wrapper, re.M).group(1))
        assert cpus <= min(2, node["cpus"]), (row["process"], cpus)                 # test profile: 2 CPUs
        assert memory_mb <= min(6 * 1024, node["memory_mb"]), (row["process"], memory_mb)  # and 6 GB
        capped.append((row["process"], cpus, memory_mb))
    # BWA_MEM's threads scale with its input (1 per 200 MB of reads, conf/base.config): the test
    # cohort's lanes are tiny, so each job must ask for exactly 1 CPU, not its label's 12
    bwa_jobs = [(cpus, memory_mb) for process, cpus, memory_mb in capped if process.endswith(":BWA_MEM")]
    assert bwa_jobs and all(cpus == 1 for cpus, _ in bwa_jobs), capped
    # and its label asks for 72 GB, more than the node has: the caps, not luck, kept it within the node
    assert all(memory_mb == min(6 * 1024, node["memory_mb"]) for _, memory_mb in bwa_jobs), capped


def vcf_records(path: Path) -> List[str]:
    with gzip.open(path, "rt") as handle:
        return [line for line in handle if not line.startswith("##")]


@pytest.mark.pipeline
@pytest.mark.parametrize("table", ["screen/variants.tsv", "screen/carriers.tsv", "screen/gene_status.tsv",
                                   "cohort/variant_tests.tsv", "cohort/gene_tests.tsv", "cohort/biallelic_tests.tsv",
                                   "cohort/association_summary.tsv", "cohort/power.tsv", "qc/sample_qc.tsv"])
def test_slurm_results_equal_the_local_run(slurm_run, test_profile_run, table):
    local = (test_profile_run[0] / "results" / table).read_text()
    assert local.count("\n") > 1, f"{table}: local run wrote no rows"
    assert (slurm_run / "results" / table).read_text() == local


@pytest.mark.pipeline
def test_slurm_calls_equal_the_local_calls(slurm_run, test_profile_run):
    local = vcf_records(test_profile_run[0] / "results/variants/cohort.grch38.vcf.gz")
    assert len(local) > 10
    assert vcf_records(slurm_run / "results/variants/cohort.grch38.vcf.gz") == local


@pytest.mark.pipeline
def test_site_config_example_of_the_usage_docs_wins_over_the_profile(tmp_path):
    (tmp_path / "hpc.config").write_text(usage_site_config())
    env = fake_sinfo(tmp_path, CLUSTER_LISTING)  # the cluster says 16 CPUs, 62.5 GB; the site config says more
    env["NXF_OFFLINE"] = "true"
    # -c is an option of nextflow itself, before the command (`nextflow run` also takes it after)
    result = subprocess.run([nextflow(), "-c", "hpc.config", "config", str(REPO), "-profile", "slurm"], cwd=tmp_path,
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "resourceLimits = [cpus:32, memory:'180 GB', time:'1d']" in result.stdout, result.stdout
    bwa = result.stdout.split("withName:'BWA_MEM|BWAMEM2_MEM' {")[1].split("withName:")[0]
    assert "queue = 'long'" in bwa, bwa
    assert "queueSize = 100" in result.stdout and "cacheDir = '/shared/containers/singularity'" in result.stdout
    # over the profile's --slurm_* and intervals
    for setting in ("queue = 'short'", "clusterOptions = '--qos=normal'", "account = 'hlh_project'",
                    "pollInterval = '1 min'", "queueStatInterval = '5 min'", "submitRateLimit = '20/1min'"):
        assert setting in result.stdout, setting


# ---- scripts/slurm_cluster.sh refuses machines it cannot set up, with the reason -------------------

def test_cluster_script_needs_root():
    if os.geteuid() != 0:
        result = subprocess.run(["bash", str(CLUSTER), "up"], capture_output=True, text=True)
    else:
        if subprocess.run(["id", "nobody"], capture_output=True).returncode != 0:
            pytest.skip("no 'nobody' user to run the script as")
        # a copy 'nobody' can read wherever the checkout is (pytest's tmp folders are private to root)
        script = Path("/tmp") / f"slurm_cluster_{os.getpid()}.sh"
        script.write_text(CLUSTER.read_text())
        script.chmod(0o755)
        try:
            result = subprocess.run(["runuser", "-u", "nobody", "--", "bash", str(script), "up"], cwd="/tmp",
                                    capture_output=True, text=True)
        finally:
            script.unlink()
    assert result.returncode == 3 and "needs root" in result.stderr, result.stderr


def test_cluster_script_needs_debian_or_ubuntu(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("the distribution is checked after root")
    (tmp_path / "os-release").write_text('ID=fedora\nID_LIKE="rhel centos"\n')
    result = subprocess.run(["bash", str(CLUSTER), "up"], capture_output=True, text=True,
                            env=dict(os.environ, HLHSCREEN_OS_RELEASE=str(tmp_path / "os-release")))
    assert result.returncode == 3 and "not Debian/Ubuntu (ID=fedora)" in result.stderr, result.stderr
    (tmp_path / "os-release").write_text('ID=linuxmint\nID_LIKE="ubuntu debian"\n')
    status = subprocess.run(["bash", "-c", f'source <(sed -n "/^check_machine()/,/^}}/p" {CLUSTER}); '
                             'unsupported() { echo "$*"; exit 3; }; check_machine && echo accepted'],
                            capture_output=True, text=True,
                            env=dict(os.environ, HLHSCREEN_OS_RELEASE=str(tmp_path / "os-release")))
    assert status.stdout.strip().endswith("accepted"), status.stdout + status.stderr


@pytest.mark.pipeline
def test_caps_of_a_site_config_above_the_largest_node_are_warned_about_at_start(tmp_path):
    """A -c config's caps win over the profile's: above the node, a job asking for more CPUs pends for
    ever with no error (squeue reason PartitionConfig, seen on the one-node cluster), so the start says so.
    The run stops at the parameter check (no --input): nothing is submitted."""
    env = fake_sinfo(tmp_path, CLUSTER_LISTING)
    (tmp_path / "big.config").write_text("process.resourceLimits = [cpus: 64, memory: 500.GB, time: 24.h]\n")
    result = run_nextflow(tmp_path, "-profile", "slurm", "-c", "big.config", "--outdir", "results", env=env,
                          check=False)
    assert result.returncode != 0
    assert ("process.resourceLimits is above the largest node of the default partition: cpus 64 (the node has 16), "
            "memory 500 GB (the node has 64000 MB)") in result.stdout, result.stdout[-2000:]
    (tmp_path / "fits.config").write_text("process.resourceLimits = [cpus: 16, memory: 60.GB, time: 24.h]\n")
    fits = run_nextflow(tmp_path, "-profile", "slurm", "-c", "fits.config", "--outdir", "results", env=env,
                        check=False)
    assert "Invalid parameters:" in fits.stdout and "above the largest node" not in fits.stdout, fits.stdout[-2000:]
    # a partition chosen per task (a closure) is not known at start: no comparison (before: the check
    # called the closure outside a task and the run stopped with 'Cannot compare groovy.util.ConfigObject')
    (tmp_path / "per_task.config").write_text("process.resourceLimits = [cpus: 64, memory: 500.GB, time: 24.h]\n"
                                              "process.queue = { task.attempt > 1 ? 'long' : 'short' }\n")
    per_task = run_nextflow(tmp_path, "-profile", "slurm", "-c", "per_task.config", "--outdir", "results", env=env,
                            check=False)
    assert "Invalid parameters:\n  --input: required parameter is missing" in per_task.stdout, per_task.stdout[-2000:]
    assert "above the largest node" not in per_task.stdout, per_task.stdout[-2000:]
