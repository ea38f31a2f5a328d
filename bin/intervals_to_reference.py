#!/usr/bin/env python3
"""Place capture targets (--intervals BED) on the reference: reference contigs (or windows), sorted,
overlaps merged. Writes --out (BED) and prints a one-line summary; a summary naming what is not on the
reference goes to stderr as a WARNING. With --notes, the run-level notes on the reference (ALT contigs
aligned ALT-unaware, as PANEL_TO_REFERENCE writes them) for runs without a panel, and with --notes-multiqc
a MultiQC section of them when there is one. See hlhscreen/intervals.py and docs/usage.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from hlhscreen.callability import reference_layout
from hlhscreen.errors import run_cli
from hlhscreen.files import atomic_output
from hlhscreen.intervals import place_intervals, write_bed
from hlhscreen.reference_checks import reference_notes, reference_notes_multiqc, write_reference_notes


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bed", type=Path, required=True, help="targets BED (plain or .gz)")
    parser.add_argument("--fai", type=Path, required=True, help="index of the reference FASTA")
    parser.add_argument("--windows", type=Path, help="windows table when the FASTA holds windows cut from GRCh38")
    parser.add_argument("--harmonise-contigs", action="store_true", help="map 10 <-> chr10 instead of failing")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--alt-file", type=Path,
                        help="the bwa ALT file the aligner read (<index prefix>.alt); without it, ALT contigs of the "
                             "reference were aligned ALT-unaware, which --notes then says")
    parser.add_argument("--notes", type=Path, help="reference_notes.txt to write (one note a line, empty when none)")
    parser.add_argument("--notes-multiqc", type=Path,
                        help="MultiQC section of the notes (*_mqc.html), written only when there is a note")
    args = parser.parse_args(argv)
    layout = reference_layout(None, args.fai, args.windows)
    placed = place_intervals(args.bed, layout, args.harmonise_contigs)
    with atomic_output(args.out) as out:
        write_bed(placed.pieces, out)
    notes = reference_notes(layout.contigs, args.alt_file, layout.windows is not None)
    if args.notes:
        with atomic_output(args.notes) as out:
            write_reference_notes(notes, out)
    if args.notes_multiqc and notes:
        with atomic_output(args.notes_multiqc) as out:
            out.write(reference_notes_multiqc(notes))
    print(placed.summary())
    if placed.incomplete:
        print(f"WARNING --intervals {args.bed.name}: {placed.summary()}", file=sys.stderr)
    if placed.build_warning:
        print(f"WARNING {placed.build_warning}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    run_cli(main)
