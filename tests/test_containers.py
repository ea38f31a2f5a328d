"""Container and conda pins that are true: each module's image is built from exactly what its
environment.yml pins (scripts/container_pins.py), and hlhscreen's own tools have one source of pins
(requirements.txt -> scripts/tools_env.py -> containers/tools/environment.yml + module copies)."""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, strategies as st

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

import container_pins  # noqa: E402
import tools_env  # noqa: E402

MODULES = sorted(p.parent for p in (REPO / "modules/local").glob("*/main.nf"))


# ---- the BioContainers naming rule -----------------------------------------------------------

def test_mulled_v2_names_of_published_images():
    # the mulled tooling's own doctest, and images in use on quay.io
    assert (container_pins.mulled_v2_name([("samtools", "1.3.1"), ("bwa", "0.7.13")], build=0)
            == "mulled-v2-fe8faa35dbf6dc65a0f7f5d4ea12e31a79f73e40:4d0535c94ef45be8459f429561f0894c3fe0ebcf-0")
    assert (container_pins.mulled_v2_name([("bwa", "0.7.18"), ("samtools", "1.20")])
            == "mulled-v2-fe8faa35dbf6dc65a0f7f5d4ea12e31a79f73e40:1bd8542a8a0b42e0981337910954371d0230828e-0")
    # the tag the BWA_MEM module carried before: bwa 0.7.17 + samtools 1.12, not its conda pins
    assert (container_pins.mulled_v2_name([("bwa", "0.7.17"), ("samtools", "1.12")])
            == "mulled-v2-fe8faa35dbf6dc65a0f7f5d4ea12e31a79f73e40:66ed1b38d280722529bb8a0167b0cf02f8a0b488-0")
    assert (container_pins.mulled_v2_name([("bwa-mem2", "2.2.1"), ("samtools", "1.15.1")])
            == "mulled-v2-e5d375990341c5aef3c9aff74f96f66f65375ef6:38aed4501da19db366dc7c8d52d31d94e760cfaf-0")
    assert container_pins.mulled_v2_name([("fastqc", "0.12.1")]) == "fastqc:0.12.1"


package = st.tuples(st.from_regex(r"[a-z][a-z0-9\-]{0,12}", fullmatch=True),
                    st.from_regex(r"[0-9]{1,2}(\.[0-9]{1,2}){0,2}", fullmatch=True))


@given(st.lists(package, min_size=2, max_size=5, unique_by=lambda p: p[0]), st.randoms())
def test_mulled_name_ignores_order_and_case_but_not_versions(packages, rng):
    shuffled = list(packages)
    rng.shuffle(shuffled)
    name = container_pins.mulled_v2_name(packages)
    assert container_pins.mulled_v2_name(shuffled) == name
    assert container_pins.mulled_v2_name([(n.upper(), v) for n, v in packages]) == name
    bumped = [(packages[0][0], packages[0][1] + ".1")] + list(packages[1:])
    other = container_pins.mulled_v2_name(bumped)
    assert other != name and other.split(":")[0] == name.split(":")[0]  # same package set, other tag


# ---- every module's image and environment.yml -------------------------------------------------

@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_module_image_is_built_from_its_conda_pins(module):
    assert container_pins.check_module(module) == []


def write_module(root: Path, singularity: str, docker: str, dependencies) -> Path:
    module = root / "mod"
    module.mkdir()
    (module / "main.nf").write_text(
        "process MOD {\n    conda \"${moduleDir}/environment.yml\"\n"
        "    container \"${ workflow.containerEngine in ['singularity', 'apptainer'] ?\n"
        f"        '{singularity}' :\n        '{docker}' }}\"\n}}\n")
    (module / "environment.yml").write_text(yaml.safe_dump({"channels": ["conda-forge", "bioconda"],
                                                             "dependencies": dependencies}))
    return module


@pytest.mark.parametrize("image, dependencies, complaint", [
    # the two wrong pins this check was written for
    ("mulled-v2-fe8faa35dbf6dc65a0f7f5d4ea12e31a79f73e40:66ed1b38d280722529bb8a0167b0cf02f8a0b488-0",
     ["bioconda::bwa=0.7.18", "bioconda::samtools=1.20"], "1bd8542a8a0b42e0981337910954371d0230828e"),
    ("ubuntu:22.04", ["conda-forge::coreutils=9.5"], "cannot be checked"),
    ("bcftools:1.20--h8b25389_0", ["bioconda::bcftools=1.21"], "does not carry bcftools:1.21"),
    ("bcftools:1.20--h8b25389_0", ["bioconda::bcftools=1.20", "bioconda::htslib=1.20"], "pins 2 packages"),
    ("samtools:1.20--h50ea8bc_0", ["bioconda::bcftools=1.20"], "does not carry bcftools:1.20"),
    ("mulled-v2-fe8faa35dbf6dc65a0f7f5d4ea12e31a79f73e40:1bd8542a8a0b42e0981337910954371d0230828e-0",
     ["bioconda::bwa=0.7.18", "bioconda::samtools=1.20", "bioconda::htslib=1.20"], "is not the one"),
])
def test_a_mismatched_module_is_reported(tmp_path, image, dependencies, complaint):
    if image.startswith("ubuntu"):
        module = write_module(tmp_path, f"https://depot.galaxyproject.org/singularity/{image}",
                              f"quay.io/nf-core/{image}", dependencies)
    else:
        module = write_module(tmp_path, f"https://depot.galaxyproject.org/singularity/{image}",
                              f"quay.io/biocontainers/{image}", dependencies)
    problems = container_pins.check_module(module)
    assert len(problems) == 1 and complaint in problems[0], problems


def test_docker_and_singularity_must_name_the_same_image(tmp_path):
    module = write_module(tmp_path, "https://depot.galaxyproject.org/singularity/fastqc:0.12.1--hdfd78af_0",
                          "quay.io/biocontainers/fastqc:0.11.9--0", ["bioconda::fastqc=0.12.1"])
    assert "differ" in container_pins.check_module(module)[0]


def test_unpinned_conda_dependency_is_refused(tmp_path):
    module = write_module(tmp_path, "https://depot.galaxyproject.org/singularity/fastqc:0.12.1--hdfd78af_0",
                          "quay.io/biocontainers/fastqc:0.12.1--hdfd78af_0", ["bioconda::fastqc>=0.12"])
    with pytest.raises(ValueError, match="not pinned"):
        container_pins.check_module(module)


def test_checker_command_line_passes_on_the_repository():
    result = subprocess.run([sys.executable, str(REPO / "scripts/container_pins.py")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\tOK") == len(MODULES)


# ---- hlhscreen's own tools: requirements.txt is the one source -----------------------------------

@pytest.mark.parametrize("path", tools_env.targets(), ids=lambda p: str(p.relative_to(REPO)))
def test_tools_environment_files_are_generated_from_requirements(path):
    expected = tools_env.environment_yml(tools_env.read_requirements())
    assert path.read_text() == expected, f"{path} is out of date: run scripts/tools_env.py --write"


def test_tools_environment_pins_the_requirements_versions():
    pins = dict(tools_env.read_requirements())
    conda = dict(container_pins.conda_packages(tools_env.TOOLS_ENV))
    assert conda["pysam"] == pins["pysam"] and conda["cyvcf2"] == pins["cyvcf2"]
    assert conda["pandas"] == pins["pandas"] and conda["numpy"] == pins["numpy"]
    assert conda["matplotlib-base"] == pins["matplotlib"] and conda["pyyaml"] == pins["PyYAML"]
    assert len(tools_env.targets()) >= 10  # the image's file + every module running on the tools image


def test_htslib_tools_match_the_htslib_of_the_pinned_pysam():
    import pysam.version

    assert importlib.metadata.version("pysam") == dict(tools_env.read_requirements())["pysam"]
    assert pysam.version.__htslib_version__ == tools_env.HTSLIB


def test_the_venv_runs_the_pinned_versions():
    for name, version in tools_env.read_requirements():
        assert importlib.metadata.version(name) == version, f"{name}: run `make setup` (pip install -r requirements-dev.txt)"


def test_requirement_without_a_conda_name_is_refused(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("pysam==0.24.1\nrich==13.0.0\n")
    with pytest.raises(ValueError, match="no conda name for rich"):
        tools_env.environment_yml(tools_env.read_requirements(requirements))
    requirements.write_text("pysam>=0.24\n")
    with pytest.raises(ValueError, match="requirements.txt:1: 'pysam>=0.24' is not pinned"):
        tools_env.read_requirements(requirements)


def test_dev_requirements_add_only_test_packages():
    lines = [l.split("#")[0].strip() for l in (REPO / "requirements-dev.txt").read_text().splitlines()]
    lines = [l for l in lines if l]
    assert lines[0] == "-r requirements.txt"
    runtime = {name.lower() for name, _ in tools_env.read_requirements()}
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-]+==\S+", l) and l.split("==")[0].lower() not in runtime for l in lines[1:])


# ---- the published tools image -----------------------------------------------------------------

def config_value(key: str) -> str:
    match = re.search(rf"^\s*{key}\s*=\s*'([^']*)'", (REPO / "nextflow.config").read_text(), re.M)
    assert match, key
    return match.group(1)


def test_default_tools_container_is_the_published_image_of_this_version():
    image = config_value("tools_container")
    assert image == f"ghcr.io/hlhscreen/hlhscreen-tools:{config_value('version')}"
    schema = (REPO / "nextflow_schema.json").read_text()
    assert f'"default": "{image}"' in schema
    workflow = yaml.safe_load((REPO / ".github/workflows/tools-image.yml").read_text())
    assert workflow[True]["release"]["types"] == ["published"]  # YAML reads the key `on` as True
    steps = workflow["jobs"]["image"]["steps"]
    text = yaml.safe_dump(steps)
    assert "hlhscreen-tools:${version}" in text and "docker push" in text and "containers/tools" in text


def test_make_tools_image_builds_under_the_default_name():
    if not shutil.which("make"):
        pytest.skip("make not installed")
    result = subprocess.run(["make", "-n", "tools-image"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert f"docker build -t {config_value('tools_container')} containers/tools" in result.stdout
