"""scripts/install_nextflow.sh writes a launcher that still works after the checkout is moved."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
VERSION = "24.10.0"


def test_the_generated_launcher_survives_moving_the_checkout(tmp_path):
    jars = (REPO / ".tools/nextflow" / VERSION / "lib").resolve()
    if not (jars / f"nextflow-{VERSION}.jar").exists():
        pytest.skip(f"no Maven-installed Nextflow jars in {jars} (nextflow came from PATH)")
    checkout = tmp_path / "checkout"
    (checkout / "scripts").mkdir(parents=True)
    shutil.copy2(REPO / "scripts/install_nextflow.sh", checkout / "scripts")
    (checkout / ".tools/nextflow" / VERSION).mkdir(parents=True)
    (checkout / ".tools/nextflow" / VERSION / "lib").symlink_to(jars)  # jars present: no Maven download
    env = dict(os.environ, NXF_FORCE_MAVEN="1", NXF_OFFLINE="true")
    subprocess.run(["bash", str(checkout / "scripts/install_nextflow.sh")], check=True, env=env, capture_output=True)
    launcher_text = (checkout / ".tools/bin/nextflow").read_text()
    assert str(tmp_path) not in launcher_text, "the launcher names the checkout's absolute path"

    moved = tmp_path / "moved elsewhere"
    checkout.rename(moved)
    result = subprocess.run([str(moved / ".tools/bin/nextflow"), "-version"], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert VERSION in result.stdout

    (moved / ".tools/nextflow" / VERSION / "lib").unlink()
    broken = subprocess.run([str(moved / ".tools/bin/nextflow"), "-version"], env=env, capture_output=True, text=True)
    assert broken.returncode != 0 and "run scripts/install_nextflow.sh again" in broken.stderr
