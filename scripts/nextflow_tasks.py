"""Reading Nextflow task folders (work/xx/yyyy...) without a trace: which process a task belongs to.

Used by the benchmark (per-process wall times from the task folders) and by the tests that look at
the command a task ran.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

# Nextflow writes the task's full name near the top of .command.run:
#   ### name: 'HLHSCREEN:CALL_VARIANTS:SPLIT_TARGETS (targets.bed)'
NAME_LINE_PREFIX = "### name:"
HEADER_LINES = 20  # the name line is within the wrapper's first few lines


def task_process_name(task: Path) -> Optional[str]:
    """The simple process name of a task folder (``SPLIT_TARGETS``), without the workflow path and
    the tag; None when the folder has no .command.run or its header names no task."""
    wrapper = task / ".command.run"
    if not wrapper.exists():
        return None
    with open(wrapper, errors="replace") as handle:
        for _, line in zip(range(HEADER_LINES), handle):
            if line.startswith(NAME_LINE_PREFIX):
                full_name = line[len(NAME_LINE_PREFIX):].strip().strip("'")
                return full_name.split(" (")[0].split(":")[-1]
    return None
