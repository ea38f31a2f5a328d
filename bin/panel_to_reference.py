#!/usr/bin/env python3
"""Place the panel BEDs (GRCh38) on the reference the reads are aligned to, and account for every gene.

Writes, into --outdir:
  regions.reference.bed, targets.reference.bed   the callable parts, on the reference's contigs
  panel_callability.tsv                           one row per panel gene: callable, partly_callable
                                                  or not_callable, with the reason
  panel_callability_mqc.tsv                       the same for MultiQC (genes not called)
  reference_notes.txt                             run-level notes on the reference for the report, one a
                                                  line (empty when none): ALT contigs aligned ALT-unaware
A gene the reference lacks, bases that are N or IUPAC codes in the reference (--fasta), or (with --intervals) the capture kit does not cover, is reported, not
dropped in silence; a naming mismatch (10 vs chr10) is an error unless --harmonise-contigs; no callable
gene at all is an error (hlhscreen/callability.py, hlhscreen/intervals.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from hlhscreen import callability as C
from hlhscreen.assembly import check_panel_build
from hlhscreen.errors import UserInputError, run_cli
from hlhscreen.files import atomic_output
from hlhscreen.intervals import capture_error, place_intervals, restrict_to_capture
from hlhscreen.reference_bases import ReferenceBases
from hlhscreen.reference_checks import REFERENCE_NOTES, reference_notes, write_reference_notes


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--regions", type=Path, required=True, help="panel regions BED (exons + padding)")
    parser.add_argument("--targets", type=Path, required=True, help="panel calling targets BED")
    parser.add_argument("--fai", type=Path, required=True, help="index of the reference FASTA (samtools faidx)")
    parser.add_argument("--fasta", type=Path,
                        help="the reference FASTA (uncompressed, indexed by --fai): panel bases that are N or IUPAC "
                             "codes in it are not callable and are named so (without it, bases are not checked)")
    parser.add_argument("--windows", type=Path, help="windows table when the FASTA holds windows cut from GRCh38")
    parser.add_argument("--harmonise-contigs", action="store_true",
                        help="map the panel's contig names onto the reference's (10 <-> chr10) instead of failing")
    parser.add_argument("--intervals", type=Path,
                        help="capture targets BED (--intervals): panel bases outside them are not assessed")
    parser.add_argument("--alt-file", type=Path,
                        help="the bwa ALT file the aligner read (<index prefix>.alt); without it, ALT contigs of the "
                             "reference were aligned ALT-unaware, which the outputs then say")
    parser.add_argument("--outdir", type=Path, default=Path("."))
    args = parser.parse_args(argv)

    layout = C.reference_layout(None, args.fai, args.windows)
    check_panel_build(args.regions, layout)
    regions = C.place_bed(args.regions, layout, args.harmonise_contigs)
    targets = C.place_bed(args.targets, layout, args.harmonise_contigs)
    if args.fasta is not None:
        with ReferenceBases(args.fasta, args.fai) as bases:
            regions = C.exclude_uncallable_bases(regions, bases)
            targets = C.exclude_uncallable_bases(targets, bases)
    genes = C.gene_callability(regions)
    if all(gene.status == C.NOT_CALLABLE for gene in genes):
        raise UserInputError(args.regions, None, "chrom",
                             f"no panel region lies on the reference {layout.source} "
                             f"({C.summary_line(genes)})",
                             "Check that the panel and the reference are both GRCh38 and name contigs alike.")
    if args.intervals is not None:
        capture = place_intervals(args.intervals, layout, args.harmonise_contigs)
        on_reference, genes = genes, C.gene_callability(restrict_to_capture(regions, capture, args.intervals.name))
        problem = capture_error(on_reference, genes, args.intervals.name)
        if problem:
            raise UserInputError(args.intervals, None, "--intervals", problem,
                                 "Give the capture kit's GRCh38 target BED (e.g. SureSelect Covered/Regions BED for "
                                 "hg38), or run without --intervals.")
    with atomic_output(args.outdir / "regions.reference.bed") as out:
        C.write_reference_bed(regions, out)
    with atomic_output(args.outdir / "targets.reference.bed") as out:
        C.write_reference_bed(targets, out)
    notes = reference_notes(layout.contigs, args.alt_file, layout.windows is not None)
    with atomic_output(args.outdir / "panel_callability_mqc.tsv") as out:
        C.write_callability_mqc(genes, out, notes)
    with atomic_output(args.outdir / REFERENCE_NOTES) as out:
        write_reference_notes(notes, out)
    with atomic_output(args.outdir / "panel_callability.tsv") as out:
        C.write_callability(genes, out)
    warning = C.summary_line(genes, capture=args.intervals is not None)
    if warning:
        print(f"WARNING {warning}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    run_cli(main)
