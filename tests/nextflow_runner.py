"""Running Nextflow from tests: one place for the launcher lookup and the environment."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Dict, Optional

import pytest

REPO = Path(__file__).resolve().parents[1]


def nextflow() -> str:
    found = shutil.which("nextflow") or str(REPO / ".tools/bin/nextflow")
    if not Path(found).exists():
        pytest.fail("nextflow not found: run `make setup` (scripts/install_nextflow.sh)")
    return found


def run_nextflow(launch_dir: Path, *args: str, check: bool = True, env: Optional[Dict[str, str]] = None,
                 pipeline: Optional[str] = None, timeout: Optional[float] = None) -> subprocess.CompletedProcess:
    """`nextflow run <repo> args...` in ``launch_dir``; fail the test with the log tail unless it
    ends as ``check`` expects (True: exit 0), or when it has not ended after ``timeout`` seconds."""
    full_env = dict(os.environ, NXF_OFFLINE="true", NXF_ANSI_LOG="false")
    full_env.update(env or {})
    try:
        result = subprocess.run([nextflow(), "run", pipeline or str(REPO), *args], cwd=launch_dir, env=full_env,
                                capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as expired:
        output = expired.stdout.decode() if isinstance(expired.stdout, bytes) else (expired.stdout or "")
        pytest.fail(f"nextflow did not end within {timeout} s:\n{output[-5000:]}")
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
