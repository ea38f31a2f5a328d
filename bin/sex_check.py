#!/usr/bin/env python3
"""Sex of every sample (given vs inferred from chrX/autosome panel depth) and FreeBayes' ploidy map.

Reads the run's samples.csv (sample,group[,sex]) and each sample's mosdepth regions
(<dir>/<sample>.regions.bed.gz); writes sex.tsv (docs/output.md), the --cnv-map for FreeBayes
(males haploid on chrX/chrY outside the GRCh38 PARs, on the reference's own contigs) and a MultiQC
table. The rules and thresholds: bin/hlhscreen/sex.py.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from hlhscreen import sex as sexlib
from hlhscreen.errors import UserInputError, run_cli
from hlhscreen.fai import contig_lengths
from hlhscreen.files import atomic_output
from hlhscreen.tables import read_sample_groups


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samplesheet", type=Path, required=True, help="samples.csv: sample,group[,sex]")
    parser.add_argument("--mosdepth", type=Path, default=Path("."), help="folder with <sample>.regions.bed.gz")
    parser.add_argument("--fai", type=Path, required=True, help="the reference's .fai (contigs of the ploidy map)")
    parser.add_argument("--windows", type=Path, help="windows table of a windows reference (windows.tsv)")
    parser.add_argument("--out", type=Path, default=Path("sex.tsv"))
    parser.add_argument("--cnv-map", type=Path, default=Path("cnv_map.bed"))
    parser.add_argument("--multiqc", type=Path, default=Path("sex_check_mqc.tsv"))
    args = parser.parse_args(argv)

    groups = read_sample_groups(args.samplesheet, "--samplesheet", lanes=True)
    given = sexlib.read_given_sexes(args.samplesheet)
    to_genome: Optional[Dict[str, Tuple[str, int]]] = None
    if args.windows:
        from hlhscreen.windows import read_windows

        to_genome = {w.contig: (w.chrom, w.offset) for w in read_windows(args.windows).values()}
    results = []
    for sample, info in groups.items():
        regions = args.mosdepth / f"{sample}.regions.bed.gz"
        if not regions.exists():
            raise UserInputError(regions, None, "sample", f"mosdepth regions of sample {sample} are missing")
        results.append(sexlib.sample_sex(sample, info.group, given.get(sample, "unknown"),
                                         list(sexlib.read_mosdepth_regions(regions, to_genome))))
    with atomic_output(args.out) as out:
        out.write("\t".join(sexlib.COLUMNS) + "\n")
        out.writelines(r.row() for r in results)
    with atomic_output(args.cnv_map) as out:
        out.writelines(sexlib.cnv_map_lines(results, list(contig_lengths(args.fai).items()), to_genome))
    with atomic_output(args.multiqc) as out:
        out.write(sexlib.multiqc_header())
        out.write("\t".join(sexlib.COLUMNS) + "\n")
        out.writelines(r.row() for r in results)
    counts = {s: sum(r.sex == s for r in results) for s in sexlib.SEXES}
    mismatches = [r.sample for r in results if sexlib.NOTE_MISMATCH in r.note.split(";")]
    print(f"sex: {counts['male']} male, {counts['female']} female, {counts['unknown']} unknown"
          + (f"; given and inferred sex disagree for {', '.join(mismatches)} (called diploid, not assessable on chrX)"
             if mismatches else ""))
    return 0


if __name__ == "__main__":
    run_cli(main)
