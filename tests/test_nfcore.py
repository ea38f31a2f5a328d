"""nf-core standing: `nf-core pipelines lint` offline, the .nf-core.yml ignores, --help, the samplesheet schema.

Lint runs from nf-core/tools pinned in requirements-lint.txt, installed into .tools/nf-core by
scripts/install_nfcore.sh (PyPI; the same script `make lint` uses). What lint cannot check offline is
skipped in .nf-core.yml with its reason (module lint and the GitHub Actions schema need the network):
the modules' meta.yml and environment.yml are checked in tests/test_modules.py instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest
import yaml

from hlhscreen import samplesheet
from nextflow_runner import REPO, nextflow, run_nextflow


@pytest.fixture(scope="module")
def nf_core() -> str:
    result = subprocess.run(["bash", str(REPO / "scripts/install_nfcore.sh")], capture_output=True, text=True)
    assert result.returncode == 0, f"installing nf-core/tools failed:\n{result.stderr[-3000:]}"
    return result.stdout.strip().splitlines()[-1]


def lint(nf_core: str, pipeline: Path, tmp_path: Path, *args: str) -> Dict:
    """`nf-core pipelines lint` on ``pipeline``, offline; its JSON results."""
    out = tmp_path / "lint.json"
    # nf-core caches `nextflow config` under $NXF_HOME/nf-core keyed on nextflow.config + main.nf only:
    # an empty NXF_HOME per run, so a change in conf/ is never hidden by an older run's cache (within
    # the run the cache saves repeating `nextflow config` for every check that reads the config)
    (tmp_path / "nxf_home").mkdir()
    env = dict(os.environ, NXF_OFFLINE="true", NFCORE_NO_VERSION_CHECK="1", HIDE_PROGRESS="1",
               NXF_HOME=str(tmp_path / "nxf_home"))
    env["PATH"] = f"{Path(nextflow()).parent}{os.pathsep}{env['PATH']}"
    result = subprocess.run([nf_core, "pipelines", "lint", "--dir", str(pipeline), "--plain-text", "--json", str(out),
                             *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=900)
    assert out.exists(), f"lint did not finish (exit {result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    report = json.loads(out.read_text())
    report["exit"] = result.returncode
    return report


def test_lint_passes_offline(nf_core, tmp_path):
    report = lint(nf_core, REPO, tmp_path)
    assert report["num_tests_failed"] == 0, "\n".join(f"{test}: {msg}" for test, msg in report["tests_failed"])
    assert report["exit"] == 0
    assert report["num_tests_pass"] > 100  # lint really ran its checks
    passed = {test for test, _ in report["tests_pass"]}
    assert {"files_exist", "nextflow_config", "schema_lint", "schema_params", "readme"} <= passed


def copy_of_repository(target: Path) -> Path:
    """The tracked files (plus this change's new ones) of the checkout, without work folders."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    for name in listed:
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name, follow_symlinks=False)
    return target


def test_lint_fails_when_a_required_file_or_setting_is_missing(nf_core, tmp_path):
    """The check above can fail: a copy without LICENSE and with max_* params fails lint."""
    copy = copy_of_repository(tmp_path / "pipeline")
    (copy / "LICENSE").unlink()
    config = (copy / "nextflow.config").read_text()
    (copy / "nextflow.config").write_text(config.replace("params {\n", "params {\n    max_cpus = 16\n", 1))
    (tmp_path / "run").mkdir()
    report = lint(nf_core, copy, tmp_path / "run", "-k", "files_exist", "-k", "nextflow_config")
    failures = "\n".join(msg for _, msg in report["tests_failed"])
    assert report["exit"] != 0
    assert "LICENSE" in failures and "params.max_cpus" in failures, failures


def lint_ignores(text: str) -> List[str]:
    """Each ignore of .nf-core.yml's lint block with the comment line above it: 'entry<TAB>comment'."""
    lines = text.splitlines()
    start = lines.index("lint:")
    found = []
    for number in range(start + 1, len(lines)):
        line = lines[number]
        if line and not line.startswith(" "):
            break
        entry = re.match(r"^\s+(?:- (\S+)|(\w+): false)\s*$", line)
        if entry:
            found.append(f"{entry.group(1) or entry.group(2)}\t{lines[number - 1].strip()}")
    return found


def test_every_lint_ignore_has_a_reason():
    text = (REPO / ".nf-core.yml").read_text()
    ignores = lint_ignores(text)
    assert len(ignores) >= 10
    without = [entry for entry in ignores if not re.match(r"^\S+\t# reason: \S.{10,}", entry)]
    assert not without, f"ignored lint checks without a '# reason:' line above them: {without}"
    config = yaml.safe_load(text)
    # the ignores the parser saw are all there is (no entry slipped past the comment check)
    listed = sum(len(v) if isinstance(v, list) else 1 for v in config["lint"].values())
    assert listed == len(ignores)
    # never ignored: the checks of what the issue asked to fix
    for kept in ("schema_lint", "schema_params", "nextflow_config", "files_exist", "modules_json", "readme"):
        assert config["lint"].get(kept) is not False, kept
    for required in ("LICENSE", "CHANGELOG.md", "CITATIONS.md"):
        assert required not in config["lint"]["files_exist"]


def test_ignore_parser_notices_an_entry_without_reason():
    text = "lint:\n  # reason: network\n  a: false\n  b: false\n  files_exist:\n    - x\n"
    assert lint_ignores(text) == ["a\t# reason: network", "b\ta: false", "x\tfiles_exist:"]


def test_lint_pin_is_exact():
    pins = [l.split("#")[0].strip() for l in (REPO / "requirements-lint.txt").read_text().splitlines()]
    pins = [p for p in pins if p]
    assert pins and all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][\w.]*", p) for p in pins), pins
    version = dict(p.split("==") for p in pins)["nf-core"]
    assert yaml.safe_load((REPO / ".nf-core.yml").read_text())["nf_core_version"] == version


# ---- the samplesheet schema -------------------------------------------------------------------

def test_samplesheet_schema_agrees_with_the_samplesheet_check():
    schema = json.loads((REPO / "assets/schema_input.json").read_text())
    items = schema["items"]
    assert tuple(items["required"]) == samplesheet.COLUMNS
    assert set(items["properties"]) == set(samplesheet.COLUMNS + samplesheet.OPTIONAL_COLUMNS)
    assert tuple(items["properties"]["group"]["enum"]) == samplesheet.GROUPS
    assert set(items["properties"]["sex"]["enum"]) == set(samplesheet.SEXES) | {""}  # empty = unknown
    assert items["properties"]["sample"]["pattern"] == samplesheet._SAMPLE_NAME.pattern
    name_chars = samplesheet._SAFE_FILE_NAME.pattern.strip("^$")
    for fastq in ("fastq_1", "fastq_2"):
        assert items["properties"][fastq]["pattern"] == f"^(.*/)?{name_chars}$"
    nf_schema = json.loads((REPO / "nextflow_schema.json").read_text())
    spec = nf_schema["$defs"]["input_output_options"]["properties"]["input"]
    assert spec["schema"] == "assets/schema_input.json" and spec["mimetype"] == "text/csv"


def test_samplesheet_schema_patterns_accept_the_test_cohort_and_refuse_bad_names():
    items = json.loads((REPO / "assets/schema_input.json").read_text())["items"]["properties"]
    rows = (REPO / "assets/test_cohort/samplesheet.csv").read_text().splitlines()
    header = rows[0].split(",")
    for row in rows[1:]:
        for column, value in zip(header, row.split(",")):
            spec = items[column]
            assert "pattern" not in spec or re.match(spec["pattern"], value), (column, value)
            assert "enum" not in spec or value in spec["enum"], (column, value)
    assert not re.match(items["sample"]["pattern"], "case 01")
    assert not re.match(items["fastq_1"]["pattern"], "reads/case 01_R1.fastq.gz")


# ---- --help --------------------------------------------------------------------------------

@pytest.mark.pipeline
def test_help_lists_every_visible_parameter_and_runs_nothing(tmp_path):
    result = run_nextflow(tmp_path, "--help")
    schema = json.loads((REPO / "nextflow_schema.json").read_text())
    for group in schema["$defs"].values():
        assert f"{group['title']}:" in result.stdout or all(s.get("hidden") for s in group["properties"].values())
        for name, spec in group["properties"].items():
            shown = re.search(rf"^\s+--{name}\s", result.stdout, re.M)
            assert bool(shown) != bool(spec.get("hidden")), name
    assert "Usage:" in result.stdout and "[required]" in result.stdout
    assert not (tmp_path / "work").exists() or not any((tmp_path / "work").iterdir())


@pytest.mark.pipeline
def test_help_on_one_parameter_and_on_an_unknown_one(tmp_path):
    result = run_nextflow(tmp_path, "--help", "input")
    assert "--input" in result.stdout and "mimetype: text/csv" in result.stdout
    assert "schema: assets/schema_input.json" in result.stdout
    assert "--fasta" not in result.stdout
    wrong = run_nextflow(tmp_path, "--help", "inptu", check=False)
    assert wrong.returncode != 0
    assert "--help inptu: no such parameter" in wrong.stdout + wrong.stderr
