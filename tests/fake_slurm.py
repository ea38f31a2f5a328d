"""A stand-in `sinfo` for tests of the `slurm` profile's caps (bin/slurm_node_caps.sh asks it for the
nodes of a partition) on machines without SLURM."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict


def fake_sinfo(tmp_path: Path, listing: str, status: int = 0) -> Dict[str, str]:
    """Environment whose PATH has an `sinfo` printing `listing` ("cpus|memory_mb|timelimit|partition"
    lines, as `sinfo --noheader --Node --format=%c|%m|%l|%P` does) after checking the options it is
    called with, and exiting with `status`. The options are recorded in <tmp_path>/fakebin/args."""
    bindir = tmp_path / "fakebin"
    bindir.mkdir(exist_ok=True)
    (bindir / "listing").write_text(listing)
    sinfo = bindir / "sinfo"
    sinfo.write_text(f"""#!/usr/bin/env bash
echo "$@" > {bindir}/args
[[ " $* " == *" --noheader "* && " $* " == *" --Node "* ]] || {{ echo "unexpected options: $*" >&2; exit 2; }}
cat {bindir}/listing
exit {status}
""")
    sinfo.chmod(0o755)
    return dict(os.environ, PATH=f"{bindir}:{os.environ['PATH']}", NXF_OFFLINE="true")
