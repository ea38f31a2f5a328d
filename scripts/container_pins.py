#!/usr/bin/env python3
"""Check that every module's container image is built from exactly the packages its environment.yml pins.

    scripts/container_pins.py            one line per module: OK, or what does not match
    scripts/container_pins.py --expect   the BioContainers image name each environment.yml implies

Why: the conda profile installs a module's environment.yml while the docker/singularity profiles pull
its image; when the two disagree the same pipeline version runs different tool versions depending on
the profile (the bug this replaces: bwa 0.7.18 + samtools 1.20 pinned for conda, an image of bwa
0.7.17 + samtools 1.12 pulled by docker).

How BioContainers names images (read from the mulled tooling's documentation and doctests; no
registry access is needed to check a name):
- one package:  ``<name>:<version>--<conda build string>``. The build string is the package's
  conda build hash, which cannot be derived here: only the name and version are checked.
- several packages ("mulled-v2"): ``mulled-v2-<sha1 of the sorted lower-case package names joined by
  a newline>:<sha1 of their versions in the same order, joined by a newline>-<image build number>``.
- hlhscreen's own tools image: built from containers/tools/environment.yml, so a module using it must
  carry that file unchanged (scripts/tools_env.py writes both).
Whether a derived tag was actually published can only be checked against quay.io (not reachable from
the test machines): the test checks the pairing, not the existence of the image.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import yaml

REPO = Path(__file__).resolve().parents[1]
MODULES = REPO / "modules/local"
TOOLS_ENV = REPO / "containers/tools/environment.yml"

QUAY = "quay.io/biocontainers/"
DEPOT = "https://depot.galaxyproject.org/singularity/"
TOOLS_CONTAINER = "${ task.ext.tools_container }"

Package = Tuple[str, str]  # (name, version)


def mulled_v2_name(packages: Sequence[Package], build: int = 0) -> str:
    """BioContainers image name (without registry) for a set of conda packages."""
    if len(packages) == 1:
        name, version = packages[0]
        return f"{name.lower()}:{version}"  # + "--<conda build string>", not derivable
    ordered = sorted((name.lower(), version) for name, version in packages)
    names = hashlib.sha1("\n".join(name for name, _ in ordered).encode()).hexdigest()
    versions = hashlib.sha1("\n".join(version for _, version in ordered).encode()).hexdigest()
    return f"mulled-v2-{names}:{versions}-{build}"


def conda_packages(environment: Path) -> List[Package]:
    """(name, version) of every dependency; 'channel::name=version' with an exact '=' pin."""
    packages = []
    for dep in yaml.safe_load(environment.read_text())["dependencies"]:
        if not isinstance(dep, str):
            raise ValueError(f"{environment}: only conda packages are expected, found {dep!r}")
        spec = dep.split("::", 1)[-1]
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)=([^=<>*\s]+)", spec)
        if not match:
            raise ValueError(f"{environment}: '{dep}' is not pinned as name=version")
        packages.append((match.group(1), match.group(2)))
    return packages


@dataclass
class ModuleImages:
    singularity: Optional[str]  # image name after the depot URL prefix
    docker: Optional[str]       # image name after quay.io/biocontainers/
    tools: bool                 # runs on the tools image (task.ext.tools_container = --tools_container)


def module_images(main_nf: str) -> ModuleImages:
    tools = TOOLS_CONTAINER in main_nf
    singularity = re.findall(r"'" + re.escape(DEPOT) + r"([^']+)'", main_nf)
    docker = re.findall(r"'" + re.escape(QUAY) + r"([^']+)'", main_nf)
    return ModuleImages(singularity[0] if singularity else None, docker[0] if docker else None, tools)


def check_module(module: Path) -> List[str]:
    """Problems of one module folder; an empty list when image and environment.yml agree."""
    main_nf = (module / "main.nf").read_text()
    environment = module / "environment.yml"
    images = module_images(main_nf)
    if images.tools:
        if environment.read_text() != TOOLS_ENV.read_text():
            return [f"{module.name}: environment.yml differs from {TOOLS_ENV.relative_to(REPO)}, from which the "
                    f"tools image is built (run scripts/tools_env.py --write)"]
        return []
    if not images.docker or not images.singularity:
        return [f"{module.name}: container is neither BioContainers ('{QUAY}...' and '{DEPOT}...') nor "
                f"--tools_container (task.ext.tools_container); its pairing with environment.yml cannot be checked"]
    if images.docker != images.singularity:
        return [f"{module.name}: docker image {images.docker} and singularity image {images.singularity} differ"]
    packages = conda_packages(environment)
    image = images.docker
    if image.startswith("mulled-v2-"):
        build = re.fullmatch(r"mulled-v2-[0-9a-f]{40}:[0-9a-f]{40}-(\d+)", image)
        if not build:
            return [f"{module.name}: {image} is not a mulled-v2 name"]
        expected = mulled_v2_name(packages, int(build.group(1)))
        if image != expected or len(packages) < 2:
            return [f"{module.name}: image {image} is not the one of environment.yml "
                    f"{sorted(packages)}: that would be {expected}"]
        return []
    if len(packages) != 1:
        return [f"{module.name}: single-tool image {image} but environment.yml pins {len(packages)} packages "
                f"{sorted(packages)}; pin only the tool (its dependencies come with it) or use the mulled-v2 "
                f"image {mulled_v2_name(packages)}"]
    expected = mulled_v2_name(packages)
    if not image.startswith(expected + "--"):
        return [f"{module.name}: image {image} does not carry {expected} pinned in environment.yml"]
    return []


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--expect", action="store_true", help="print the image name each environment.yml implies")
    args = parser.parse_args(argv)
    modules = sorted(p.parent for p in MODULES.glob("*/main.nf"))
    if args.expect:
        for module in modules:
            if TOOLS_CONTAINER in (module / "main.nf").read_text():
                print(f"{module.name}\ttools_container")
            else:
                print(f"{module.name}\t{QUAY}{mulled_v2_name(conda_packages(module / 'environment.yml'))}")
        return 0
    problems = [problem for module in modules for problem in check_module(module)]
    for module in modules:
        if not any(p.startswith(module.name + ":") for p in problems):
            print(f"{module.name}\tOK")
    for problem in problems:
        print(f"ERROR {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
