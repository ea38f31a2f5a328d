"""nf-core conventions of every local module, and containers resolved per profile (nextflow inspect)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
MODULES = sorted(p.parent for p in (REPO / "modules/local").glob("*/main.nf"))


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_module_has_the_conventional_parts(module):
    text = (module / "main.nf").read_text()
    for directive in ("tag ", "label ", "conda ", "container ", "stub:", "versions.yml", "task.ext.when"):
        assert directive in text, f"{module.name}: no {directive.strip()}"
    env = yaml.safe_load((module / "environment.yml").read_text())
    assert env["dependencies"] and all("=" in d for d in env["dependencies"]), f"{module.name}: unpinned conda deps"
    meta = yaml.safe_load((module / "meta.yml").read_text())
    assert meta["name"] == module.name and meta["description"] and "versions" in {
        key for entry in meta["output"] for key in entry}


def test_schema_is_generated_from_its_source_and_covers_every_parameter():
    generated = subprocess.run(["python3", str(REPO / "scripts/schema_source.py")], capture_output=True, text=True,
                               check=True).stdout
    assert json.loads(generated) == json.loads((REPO / "nextflow_schema.json").read_text())
    schema = json.loads(generated)
    declared = {name for group in schema["$defs"].values() for name in group["properties"]}
    config = (REPO / "nextflow.config").read_text()
    params_block = config[config.index("params {"):config.index("\n}\n", config.index("params {"))]
    in_config = set(re.findall(r"^\s{4}(\w+)\s+=", params_block, re.M))
    assert in_config <= declared, in_config - declared


@pytest.mark.pipeline
@pytest.mark.parametrize("profile, prefix", [("docker", "quay.io/"), ("singularity", "https://depot.galaxyproject.org/")])
def test_every_process_has_a_container_for_the_profile(profile, prefix, tmp_path):
    nextflow = shutil.which("nextflow") or str(REPO / ".tools/bin/nextflow")
    # launched from a temp folder: inspect starts the run's trace/report and work/, which would
    # otherwise land in the checkout (results/pipeline_info, work/tmp)
    result = subprocess.run([nextflow, "inspect", "-profile", f"test,{profile}", str(REPO)], capture_output=True,
                            text=True, env=dict(os.environ, NXF_OFFLINE="true"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    processes = json.loads(result.stdout[result.stdout.index("{"):])["processes"]
    assert len(processes) >= 20
    tools_image = re.search(r"^\s*tools_container\s*=\s*'([^']+)'", (REPO / "nextflow.config").read_text(), re.M).group(1)
    for process in processes:
        image = process["container"]
        assert image.startswith(prefix) or image == tools_image, process


def publish_dir_settings(config_text: str) -> list:
    """The text of each `publishDir = [...]` in a config (bracket-matched: closures hold brackets)."""
    settings = []
    for match in re.finditer(r"publishDir\s*=\s*\[", config_text):
        depth, end = 0, match.end() - 1
        for end in range(match.end() - 1, len(config_text)):
            depth += {"[": 1, "]": -1}.get(config_text[end], 0)
            if depth == 0:
                break
        settings.append(config_text[match.start():end + 1])
    return settings


def test_every_enabled_publish_dir_overwrites():
    """A resumed run re-publishes the outputs of cached tasks; without overwrite: true the files of an
    intermediate run (other parameters) would stay in --outdir (conf/modules.config header)."""
    settings = publish_dir_settings((REPO / "conf/modules.config").read_text())
    assert len(settings) > 10
    not_overwriting = [s for s in settings if "enabled: false" not in s and "overwrite: true" not in s]
    assert not not_overwriting, not_overwriting
