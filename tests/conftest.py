"""Shared pytest setup: make the bin/ library importable and expose common paths."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = REPO / "bin"
if str(BIN) not in sys.path:
    sys.path.insert(0, str(BIN))


def pytest_configure(config):
    config.addinivalue_line("markers", "pipeline: runs Nextflow end to end (slow)")
