#!/usr/bin/env python3
"""End of a successful run: leave --outdir with this run's results only, and list them (hlhscreen/outdir.py).

Files of an earlier run that this run did not write again are moved to <outdir>/earlier_runs/<run>/;
pipeline_info/manifest.tsv lists every file of this run with its size and SHA-256. The pipeline runs
this on the launch host (standard library only) from workflow.onComplete. Warnings are printed as
`WARNING ...` lines on stderr. When it cannot finish (a file system error), it says so in an `ERROR ...`
line, leaves <outdir>/RUN_INCOMPLETE.txt in place and exits 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from hlhscreen.outdir import INCOMPLETE, MANIFEST, finish_outdir


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--outdir", required=True)
    parser.add_argument("--run", required=True, help="name of the folder under earlier_runs/ (start time and run name)")
    parser.add_argument("--work-dir", help="Nextflow's work folder: never looked at when it lies inside --outdir")
    parser.add_argument("--publish-mode", default="copy", help="--publish_dir_mode of the run (symlink/rellink: older links are kept)")
    parser.add_argument("--input-path", action="append", default=[],
                        help="a file or folder this run read (repeatable): never moved when it lies inside --outdir")
    args = parser.parse_args(argv)
    try:
        warnings = finish_outdir(args.outdir, args.run, work_dir=args.work_dir, publish_mode=args.publish_mode,
                                 inputs=args.input_path)
    except OSError as error:
        where = f" ({error.filename})" if error.filename else ""
        print(f"ERROR {error.strerror or error}{where}: the earlier runs' files may be only partly moved and "
              f"{MANIFEST} was not written; {args.outdir}/{INCOMPLETE} stays", file=sys.stderr)
        return 1
    for warning in warnings:
        print(f"WARNING {warning}", file=sys.stderr)
    if (Path(args.outdir) / MANIFEST).exists():
        print(f"{args.outdir}/{MANIFEST}: every file of this run, with its size and SHA-256")
    return 0


if __name__ == "__main__":
    sys.exit(main())
