"""Shared pytest setup: make the bin/ library importable and expose common paths."""

from __future__ import annotations

import sys
from pathlib import Path

# No __pycache__ in bin/: Nextflow hashes the bin/ entries a task names, so a folder changed by a test
# import between two pipeline runs would defeat -resume.
sys.dont_write_bytecode = True

REPO = Path(__file__).resolve().parents[1]
BIN = REPO / "bin"
if str(BIN) not in sys.path:
    sys.path.insert(0, str(BIN))


# Property tests draw the same examples on every run (reproducible CI); set
# HYPOTHESIS_PROFILE=explore for fresh random examples while developing. No wall-clock limits: Hypothesis
# fails an example that took over 200 ms ("Unreliable test timings" when its replay is fast), and a
# data generation it finds slow (too_slow); on a busy CI machine the test process is sometimes not scheduled
# for that long, so a correct test failed (tests/test_ci_setup.py).
from hypothesis import HealthCheck, settings  # noqa: E402

NO_TIMING = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", derandomize=True, **NO_TIMING)
settings.register_profile("explore", derandomize=False, **NO_TIMING)
settings.load_profile(__import__("os").environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_configure(config):
    config.addinivalue_line("markers", "pipeline: runs Nextflow end to end (slow)")


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def test_profile_run(tmp_path_factory):
    """One `nextflow run . -profile test` for the whole session: the end-to-end checks
    (test_pipeline.py) and the comparisons with other executors (test_slurm.py) read the same run."""
    from nextflow_runner import run_nextflow

    # a space in the launch folder puts one in every task folder and in --outdir: quoting is tested by
    # the real run (SNPEFF_ANN's absolute -dataDir once broke on it: the Debian wrapper re-splits)
    launch_dir = tmp_path_factory.mktemp("pipeline run")
    # the test profile run locally leaves Nextflow's execution reports off (conf/test.config); the
    # checks read the execution trace (cached tasks on -resume, executors, resources), so it is on here
    return launch_dir, run_nextflow(launch_dir, "-profile", "test", "--execution_reports", "true", "--outdir", "results")
