#!/usr/bin/env python3
"""Print `    name: version` YAML lines for the Python side of a task (used in versions.yml)."""

from __future__ import annotations

import importlib
import importlib.metadata
import platform
import sys

import hlhscreen


def version_of(name: str) -> str:
    if name == "python":
        return platform.python_version()
    if name == "hlhscreen":
        return hlhscreen.__version__
    # the installed distribution's version, without importing it (matplotlib + pandas took ~1 s to import)
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        pass
    try:
        module = importlib.import_module(name)
    except ImportError:
        return "not installed"
    return str(getattr(module, "__version__", "unknown"))


if __name__ == "__main__":
    for package in sys.argv[1:] or ["python", "hlhscreen"]:
        print(f"    {package}: {version_of(package)}")
