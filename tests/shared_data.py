"""The project's shared data folder (shared/: realdata/, testdata/), wherever the checkout is.

CI runs in a fresh clone with a copy of shared/ beside it (in another folder than /work); developers work
in /work/main or a worktree under /work/wt. So the folder is looked for in this order: $HLHSCREEN_SHARED,
shared/ beside the checkout, beside its parent folder (a worktree), then /work/shared.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_roots(repo: Path = REPO) -> List[Path]:
    """The places a shared/ folder may be for the checkout ``repo``, in the order they are tried."""
    roots = [os.environ.get("HLHSCREEN_SHARED"), repo.parent / "shared", repo.parent.parent / "shared", "/work/shared"]
    return [Path(root) for root in roots if root]


def find_shared(*parts: str, repo: Path = REPO) -> Optional[Path]:
    """The first ``<root>/<parts>`` that exists, or None."""
    return next((root.joinpath(*parts) for root in shared_roots(repo) if root.joinpath(*parts).exists()), None)


def shared_file(*parts: str) -> Path:
    """``<shared>/<parts>``; the calling test is skipped, naming the places looked in, when none has it."""
    found = find_shared(*parts)
    if found is None:
        pytest.skip(f"shared/{'/'.join(parts)} is absent (looked in {', '.join(map(str, shared_roots()))}; "
                    "set HLHSCREEN_SHARED to the shared folder)")
    return found
