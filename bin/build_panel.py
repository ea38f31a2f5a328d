#!/usr/bin/env python3
"""Build a gene-panel folder from a gene list and a GTF (GRCh38: GENCODE, Ensembl, NCBI RefSeq, MANE).

Per gene the MANE Select transcript is used (tag "MANE_Select" or "MANE Select"), else the Ensembl
canonical one (tag "Ensembl_canonical"), else the RefSeq Select one; UCSC exports and GFF3 are refused. Writes genes.tsv, regions.bed (exons + --pad bp, merged, named
GENE|exonN), targets.bed (exons + --target-pad bp, for calling), gene_models.gtf.gz(.tbi),
risk_factors.tsv and panel.json into --out, atomically. See docs/panels.md.

Errors are reported as `ERROR <file>:<line>: <field>: <problem>. <fix>`; exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

from hlhscreen.errors import run_cli
from hlhscreen.panel import DEFAULT_PAD, DEFAULT_TARGET_PAD, build_panel


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--genes", required=True, type=Path,
                        help="text file, one gene symbol, Ensembl gene id (version optional) or HGNC id (HGNC:9360, with a "
                             "GENCODE or RefSeq GTF) per line; '#' comments")
    parser.add_argument("--gtf", required=True, type=Path, help="GENCODE/Ensembl/RefSeq/MANE GTF on GRCh38 (plain or .gz)")
    parser.add_argument("--out", required=True, type=Path, help="panel folder to create")
    parser.add_argument("--pad", type=int, default=DEFAULT_PAD,
                        help="bp added on each side of every exon for regions.bed, the screened regions "
                             "(default %(default)s: exons plus 3 bp into the introns)")
    parser.add_argument("--target-pad", type=int, default=DEFAULT_TARGET_PAD,
                        help="bp added on each side of every exon for targets.bed, the calling regions "
                             "(default %(default)s; must be >= --pad)")
    parser.add_argument("--name", help="panel name recorded in panel.json (default: the --out folder name)")
    parser.add_argument("--annotations", type=Path,
                        help="optional TSV with a 'gene' column; its other columns are appended to genes.tsv")
    parser.add_argument("--risk-factors", type=Path,
                        help="optional risk-factor whitelist TSV (validated, must fall inside regions.bed); "
                             "default: an empty whitelist")
    parser.add_argument("--contig-style", choices=("ucsc", "keep"), default="ucsc",
                        help="'ucsc' renames Ensembl/RefSeq contigs (10, NC_000010.11 -> chr10; MT -> chrM); 'keep' leaves them (default %(default)s)")
    parser.add_argument("--force", action="store_true", help="replace --out if it exists")
    args = parser.parse_args(argv)
    result = build_panel(
        genes=args.genes, gtf=args.gtf, out=args.out, pad=args.pad, target_pad=args.target_pad, name=args.name,
        annotations=args.annotations, risk_factors=args.risk_factors, contig_style=args.contig_style, force=args.force,
    )
    for gene in result.genes:
        print(f"{gene.gene_name}\t{gene.gene_id}\t{gene.transcript_id}\t{gene.reason}")
        for note in gene.notes:  # built, but the user must know (a PAR gene's chrY copy, a non-coding choice)
            print(f"WARNING {args.genes.name}:{gene.request.line}: {gene.gene_name}: {note}", file=sys.stderr)
    print(f"panel written: {result.out} ({len(result.genes)} genes)")
    return 0


if __name__ == "__main__":
    run_cli(main)
