"""Running Nextflow from tests: one place for the launcher lookup and the environment."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import pytest

REPO = Path(__file__).resolve().parents[1]


def nextflow() -> str:
    found = shutil.which("nextflow") or str(REPO / ".tools/bin/nextflow")
    if not Path(found).exists():
        pytest.fail("nextflow not found: run `make setup` (scripts/install_nextflow.sh)")
    return found


# A run that has not ended by then has hung (the longest test run takes ~2 min on 2 quiet cores): it is
# killed and the test fails with the log, instead of the whole suite waiting for CI's time limit.
DEFAULT_TIMEOUT = float(os.environ.get("HLHSCREEN_TEST_NEXTFLOW_TIMEOUT", "1200"))


def log_tail(launch_dir: Path, lines: int = 60) -> str:
    log = launch_dir / ".nextflow.log"
    if not log.exists():
        return "(no .nextflow.log)"
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


# conf/test.config's guard against Nextflow 24.10's racy local CPU/memory counters (a lost update hangs the
# run), for the test runs made without the test profile (a plain reference, the real data, small pipelines)
LOCAL_EXECUTOR_CONFIG = REPO / "tests/local_executor.config"


def uses_test_profile(args: Sequence[str]) -> bool:
    return any(flag == "-profile" and "test" in value.split(",") for flag, value in zip(args, args[1:]))


def local_executor_guard(args: Sequence[str]) -> List[str]:
    """``-c tests/local_executor.config`` unless the run uses the test profile, whose own guard is tested."""
    return [] if uses_test_profile(args) else ["-c", str(LOCAL_EXECUTOR_CONFIG)]


def run_nextflow(launch_dir: Path, *args: str, check: bool = True, env: Optional[Dict[str, str]] = None,
                 pipeline: Optional[str] = None, timeout: Optional[float] = None) -> subprocess.CompletedProcess:
    """`nextflow run <repo> args...` in ``launch_dir``; fail the test with the log tail unless it
    ends as ``check`` expects (True: exit 0), or when it has not ended after ``timeout`` seconds
    (default DEFAULT_TIMEOUT; Nextflow and every task it started are then killed)."""
    full_env = dict(os.environ, NXF_OFFLINE="true", NXF_ANSI_LOG="false")
    full_env.update(env or {})
    limit = timeout or DEFAULT_TIMEOUT
    command = [nextflow(), "run", pipeline or str(REPO), *local_executor_guard(args), *args]
    # its own process group, so a kill reaches the tasks' processes too
    process = subprocess.Popen(command, cwd=launch_dir, env=full_env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, _ = process.communicate()
        pytest.fail(f"nextflow did not end within {limit:.0f} s (killed): {' '.join(command[1:])}\n"
                    f"{stdout[-3000:]}\n--- .nextflow.log ---\n{log_tail(launch_dir)}")
    result = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    if check and result.returncode != 0:
        pytest.fail(f"nextflow failed ({result.returncode}):\n{result.stdout[-5000:]}\n{result.stderr[-3000:]}")
    return result


def nextflow_config(*args: str, site_config: Optional[Path] = None, cwd: Path = REPO) -> str:
    """`nextflow [-c site_config] config <repo> -flat args...` (the resolved configuration, one
    setting a line)."""
    extra = ["-c", str(site_config)] if site_config else []
    result = subprocess.run([nextflow(), *extra, "config", str(REPO), "-flat", *args], cwd=cwd, capture_output=True,
                            text=True, env=dict(os.environ, NXF_OFFLINE="true"))
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


_JVM_PROBE = """public class Probe { public static void main(String[] args) {
    com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    System.out.println(Runtime.getRuntime().availableProcessors() + " " + os.getTotalMemorySize()); } }
"""


@lru_cache(maxsize=None)
def jvm_machine() -> Tuple[int, int]:
    """(CPUs, memory in bytes) of this machine as the JVM that runs Nextflow sees it (conf/base.config's
    default caps): CPUs this process may run on and a cgroup's CPU quota or memory limit count, which
    Python's os.cpu_count() and the physical memory do not (a CI runner limited to 2 of 4 cores)."""
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin/java") if java_home and (Path(java_home) / "bin/java").exists() else shutil.which("java")
    if java is None:
        pytest.fail("java not found: run `make setup`")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "Probe.java"
        source.write_text(_JVM_PROBE)
        result = subprocess.run([java, str(source)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    cpus, memory = result.stdout.split()
    return int(cpus), int(memory)
