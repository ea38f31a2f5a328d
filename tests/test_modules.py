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
    # nf-core modules' environment.yml carry no name: conda names the environment from its hash
    assert set(env) == {"channels", "dependencies"}, f"{module.name}: environment.yml keys {sorted(env)}"
    # modules read no params (as nf-core modules): values come as inputs or task.ext.* (conf/modules.config)
    code = re.sub(r"//.*", "", text)
    read = re.findall(r"\bparams\.(?!json\b)\w+", code)  # (params.json is REPORT's input file)
    assert not read, f"{module.name}: reads {read}"


# ---- meta.yml in the nf-core module layout --------------------------------------------------------
# `nf-core modules lint` validates meta.yml against nf-core/modules' meta-schema.json, which it clones
# from GitHub (no network here). These are the schema's rules as written in that layout (tools/input/
# output structure, required keys), plus lint's check that meta.yml names the channels main.nf declares.

ELEMENT_TYPES = {"map", "file", "directory", "string", "integer", "float", "boolean", "list"}


def meta_problems(meta: dict, name: str) -> list:
    problems = []
    for key in ("name", "description", "keywords", "authors", "output", "tools"):
        if key not in meta:
            problems.append(f"no {key}")
    if meta.get("name") != name:
        problems.append(f"name {meta.get('name')!r} is not the folder name {name!r}")
    keywords = meta.get("keywords") or []
    if len(keywords) < 3 or len(set(keywords)) != len(keywords) or not all(isinstance(k, str) for k in keywords):
        problems.append(f"keywords must be 3 or more distinct strings: {keywords}")
    for key in ("authors", "maintainers"):
        if not isinstance(meta.get(key, []), list) or not all(isinstance(a, str) for a in meta.get(key, [])):
            problems.append(f"{key} must be a list of strings")
    for entry in meta.get("tools") or []:
        if not isinstance(entry, dict) or len(entry) != 1:
            problems.append(f"tool entry {entry!r} is not one name: {{...}}")
            continue
        (tool, spec), = entry.items()
        if not isinstance(spec, dict) or not spec.get("description"):
            problems.append(f"tool {tool}: no description")
            continue
        if not any(spec.get(k) for k in ("homepage", "documentation", "tool_dev_url", "doi")):
            problems.append(f"tool {tool}: none of homepage, documentation, tool_dev_url, doi")
        for k in ("homepage", "tool_dev_url"):
            if k in spec and not re.match(r"^https?://", spec[k]):
                problems.append(f"tool {tool}: {k} is not an http(s) address")
        if "doi" in spec and not (re.match(r"^10\.\d{4,9}/[^,]+$", spec["doi"]) or spec["doi"] == "no DOI available"):
            problems.append(f"tool {tool}: doi {spec['doi']!r} is not a DOI")
        licence = spec.get("licence")
        if licence is not None and (not isinstance(licence, list) or not licence or len(set(licence)) != len(licence)):
            problems.append(f"tool {tool}: licence must be a list of one or more distinct entries")

    def element_problems(element, where):
        if not isinstance(element, dict) or len(element) != 1:
            return [f"{where}: {element!r} is not one name: {{type, description}}"]
        (ename, spec), = element.items()
        out = []
        if not isinstance(spec, dict) or spec.get("type") not in ELEMENT_TYPES:
            out.append(f"{where} {ename}: type must be one of {sorted(ELEMENT_TYPES)}")
        elif not spec.get("description"):
            out.append(f"{where} {ename}: no description")
        return out

    for number, channel in enumerate(meta.get("input") or [], 1):
        if not isinstance(channel, list):
            problems.append(f"input channel {number} is not a list of elements (the old flat layout?)")
            continue
        for element in channel:
            problems += element_problems(element, f"input {number}")
    for channel in meta.get("output") or []:
        if not isinstance(channel, dict) or len(channel) != 1 or not isinstance(next(iter(channel.values())), list):
            problems.append(f"output {channel!r} is not emit: [elements]")
            continue
        (emit, elements), = channel.items()
        for element in elements:
            problems += element_problems(element, f"output {emit}")
    return problems


def declared_channels(main_nf: str, block: str) -> list:
    """The input channels (element names) or output emits of a module's main.nf."""
    lines, inside = [], False
    for line in main_nf.splitlines():
        stripped = re.sub(r"\s*//.*$", "", line).strip()
        if stripped in ("input:", "output:", "when:", "script:", "stub:", "exec:"):
            inside = stripped == f"{block}:"
            continue
        if inside and stripped:
            lines.append(stripped)
    if block == "output":
        return [re.search(r"emit:\s*(\w+)", line).group(1) for line in lines]
    channels = []
    for line in lines:
        line = re.sub(r",\s*stageAs:\s*['\"][^'\"]*['\"]\s*$", "", line)
        names = re.findall(r"\b(?:val|path|env)(?:\s*\(\s*([^,)]+)[^)]*\)|\s+(\S+))", line)
        channels.append([(a or b).strip() for a, b in names])
    return channels


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_meta_yml_follows_the_nf_core_module_schema_and_main_nf(module):
    meta = yaml.safe_load((module / "meta.yml").read_text())
    assert not meta_problems(meta, module.name), meta_problems(meta, module.name)
    main_nf = (module / "main.nf").read_text()
    inputs = [[next(iter(element)) for element in channel] for channel in meta.get("input") or []]
    assert inputs == declared_channels(main_nf, "input"), "meta.yml input differs from main.nf's input block"
    emits = [next(iter(channel)) for channel in meta["output"]]
    assert emits == declared_channels(main_nf, "output"), "meta.yml output differs from main.nf's emits"
    assert emits[-1] == "versions"


def test_meta_checks_find_the_old_flat_layout_and_missing_parts():
    old = {"name": "x", "description": "d", "keywords": ["a", "b"],
           "tools": [{"bwa": {"homepage": "https://github.com/lh3/bwa"}}],
           "input": [{"reads": {"type": "file", "description": "r"}}],
           "output": [{"bam": {"type": "file", "description": "b"}}]}
    problems = "\n".join(meta_problems(old, "x"))
    for expected in ("no authors", "keywords must be 3", "tool bwa: no description",
                     "input channel 1 is not a list", "is not emit: [elements]"):
        assert expected in problems, problems
    assert declared_channels("input:\n    tuple val(meta), path(reads, stageAs: 'r/*')\n    path index\n"
                             "output:\n    path 'x', emit: x\n", "input") == [["meta", "reads"], ["index"]]


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
