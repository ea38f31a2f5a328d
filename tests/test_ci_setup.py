"""The test suite's own set-up holds on a busy or differently laid-out CI machine (tests/conftest.py)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nextflow_runner import jvm_machine, run_nextflow
from shared_data import REPO, find_shared


def test_property_tests_have_no_wall_clock_limits():
    assert settings.default.deadline is None
    assert HealthCheck.too_slow in settings.default.suppress_health_check


@settings(max_examples=2)
@given(st.integers())
def test_an_example_paused_as_long_as_a_busy_machine_can_is_not_a_failure(number):
    """Before: DeadlineExceeded (Hypothesis' default 200 ms deadline; 'Unreliable test timings' when the
    replay ran at full speed), seen with the test process paused 0.3 s now and then."""
    time.sleep(0.3)


def test_shared_data_is_found_beside_a_clone_outside_work(tmp_path, monkeypatch):
    """CI clones the project into another folder, with a copy of shared/ beside the clone."""
    monkeypatch.delenv("HLHSCREEN_SHARED", raising=False)
    exons = tmp_path / "shared/testdata/hlh21_mane_exons.gencode44.hg38.bed"
    exons.parent.mkdir(parents=True)
    exons.write_text("chr10\t1\t2\n")
    clone = tmp_path / "clone"
    assert find_shared("testdata", exons.name, repo=clone) == exons
    assert find_shared("testdata", exons.name, repo=tmp_path / "wt/branch") == exons  # a worktree
    assert find_shared("testdata", "no_such_file", repo=clone) is None


def test_shared_data_folder_named_by_the_environment(tmp_path, monkeypatch):
    (tmp_path / "realdata").mkdir()
    monkeypatch.setenv("HLHSCREEN_SHARED", str(tmp_path))
    assert find_shared("realdata", repo=tmp_path / "elsewhere/clone") == tmp_path / "realdata"


def test_no_test_looks_for_shared_data_at_a_fixed_path_only():
    """Before: test_intervals.py and test_panel.py read the testdata of the developers' fixed shared folder
    only (about 30 tests), which a clone outside /work with shared/ beside it does not have."""
    fixed_place = "/work/" + "shared"
    fixed = [path.name for path in (REPO / "tests").glob("*.py")
             if path.name != "shared_data.py" and fixed_place in path.read_text()]
    assert fixed == []


@pytest.mark.skipif(shutil.which("taskset") is None or len(os.sched_getaffinity(0)) < 2,
                    reason="needs taskset and 2 CPUs to give the tests fewer CPUs than the machine has")
def test_caps_tests_hold_on_a_runner_given_fewer_cpus_than_the_machine_has():
    """A CI runner may be held to some of the host's CPUs (affinity, a cgroup quota): Nextflow's JVM then
    sees fewer than os.cpu_count(). Before: test_resources' caps tests failed under taskset -c 0."""
    result = subprocess.run(["taskset", "-c", "0", sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             str(REPO / "tests/test_resources.py"), "-k", "default_caps or test_profile_caps"],
                            capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0 and "2 passed" in result.stdout, result.stdout[-3000:] + result.stderr[-2000:]


@pytest.mark.pipeline
def test_test_runs_without_the_test_profile_are_not_gated_by_the_racy_local_counters(tmp_path):
    """Nextflow 24.10's local executor can lose an update of its free-CPU counter (conf/test.config), and a
    task asking for all the host's CPUs then waits for ever: a test run without the test profile (a plain
    reference, the real data) hung until its time limit. Such runs get the test profile's guard; a test's
    own -c config is still read."""
    (tmp_path / "main.nf").write_text("process ONE {\n    cpus 1\n    output: stdout\n    script: 'echo one'\n}\n"
                                      "workflow { ONE() | view }\n")
    (tmp_path / "own.config").write_text("params.greeting = 'own config read'\n"
                                         "workflow.onComplete = { println params.greeting }\n")
    result = run_nextflow(tmp_path, "-c", "own.config", pipeline=str(tmp_path / "main.nf"), timeout=600)
    assert "own config read" in result.stdout, result.stdout
    log = (tmp_path / ".nextflow.log").read_text()
    monitor = re.search(r"Creating local task monitor for executor 'local' > cpus=(\d+); memory=([^;]+); "
                        r"capacity=(\d+)", log)
    assert monitor, "the run's log does not describe its local executor"
    assert int(monitor.group(1)) >= 1024 and int(monitor.group(3)) == jvm_machine()[0], monitor.group(0)


def test_local_http_server_binds_its_own_port_and_serves(tmp_path):
    """tests/test_remote_inputs.py's server: before, a port was picked, released, then handed to the server
    (another process could take it in between). Two servers started at once get two ports and both serve."""
    import urllib.request

    from local_http import start_http_server, stop_http_server

    urls, procs = [], []
    try:
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            (tmp_path / name / "file.txt").write_text(f"served from {name}\n")
            proc, url = start_http_server(tmp_path / name, tmp_path / f"{name}.log")
            procs.append(proc)
            urls.append(url)
        assert len(set(urls)) == 2 and not any(url.endswith(":0") for url in urls)
        for name, url in zip(("a", "b"), urls):
            with urllib.request.urlopen(f"{url}/file.txt", timeout=10) as response:
                assert response.read().decode() == f"served from {name}\n"
        assert '"GET /file.txt' in (tmp_path / "a.log").read_text()
    finally:
        for proc in procs:
            stop_http_server(proc)


def test_local_http_server_that_never_serves_fails_clearly_within_the_wait(tmp_path):
    """Before, the wait loop gave up silently (100 tries) and the tests ran against a URL nothing served."""
    from local_http import start_http_server

    silent = (sys.executable, "-c", "import time; print('starting', flush=True); time.sleep(60)")
    started = time.monotonic()
    with pytest.raises(pytest.fail.Exception, match=r"(?s)was not serving within 1 s.*never.log:\nstarting"):
        start_http_server(tmp_path, tmp_path / "never.log", wait=1.0, command=silent)
    assert time.monotonic() - started < 20
    with pytest.raises(pytest.fail.Exception, match="exited with code 3 before serving"):
        start_http_server(tmp_path, tmp_path / "exits.log", wait=30, command=(sys.executable, "-c", "raise SystemExit(3)"))
