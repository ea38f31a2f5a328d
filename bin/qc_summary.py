#!/usr/bin/env python3
"""Per-sample QC table from samtools stats + mosdepth (reads, % mapped, panel depth, % >= 20x, % on target, flag).

Inputs are found by sample name in the given folders: <sample>.stats, <sample>.mosdepth.summary.txt,
<sample>.mosdepth.region.dist.txt; with --targets, <targets>/<sample><--targets-suffix> (mosdepth summary
over the capture targets); with --fastq-checks, the CHECK_FASTQ tables of every lane (<sample>_L<lane>.fastq_check.tsv:
read pairs and pairs flagged as failing the instrument filter). Writes sample_qc.tsv and a MultiQC custom-content copy.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import List, Optional

from hlhscreen import qc
from hlhscreen.errors import UserInputError, run_cli
from hlhscreen.files import atomic_output
from hlhscreen.tables import read_sample_groups, read_tsv


def with_fastq_checks(results: List[qc.SampleQC], folder: Path, max_pct: float) -> List[qc.SampleQC]:
    """The rows with each sample's FASTQ check (its lanes summed); a sample without one is an error,
    not a silent NA."""
    paths = sorted(folder.glob(f"*{qc.FASTQ_CHECK_SUFFIX}"))
    checks = qc.read_fastq_checks(paths)
    missing = [r.sample for r in results if r.sample not in checks]
    if missing:
        raise UserInputError(folder, None, "sample", f"no FASTQ check (*{qc.FASTQ_CHECK_SUFFIX}) for sample(s) "
                             f"{', '.join(missing[:5])}", "Give the CHECK_FASTQ tables of the same run.")
    return [qc.with_fastq_check(r, *checks[r.sample], max_pct) for r in results]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samplesheet", type=Path, required=True, help="validated samplesheet (sample,group,...)")
    parser.add_argument("--inputs", type=Path, default=Path("."), help="folder with the per-sample files")
    parser.add_argument("--sex", type=Path, help="sex.tsv (bin/sex_check.py): sex columns and the sex_mismatch flag")
    parser.add_argument("--min-mean-depth", type=float, default=20.0)
    parser.add_argument("--min-pct-20x", type=float, default=90.0)
    parser.add_argument("--min-pct-mapped", type=float, default=90.0)
    parser.add_argument("--targets", type=Path,
                        help="folder with each sample's mosdepth summary over the capture targets (--intervals); "
                             "without it the on-target rate is NA (not assessed)")
    parser.add_argument("--targets-suffix", default=".mosdepth.summary.txt",
                        help="file name of a sample's targets summary after the sample name")
    parser.add_argument("--min-pct-on-target", type=float, default=30.0)
    parser.add_argument("--fastq-checks", type=Path,
                        help="folder with the CHECK_FASTQ tables (*.fastq_check.tsv) of every lane; without it "
                             "pairs_failed_filter is NA (not assessed)")
    parser.add_argument("--max-pct-failed-filter", type=float, default=5.0,
                        help="flag samples with more than this %% of read pairs flagged as failing the "
                             "sequencer's filter (1:Y:)")
    parser.add_argument("--out", type=Path, default=Path("sample_qc.tsv"))
    parser.add_argument("--multiqc", type=Path, default=Path("sample_qc_mqc.tsv"))
    parser.add_argument("--multiqc-general", type=Path,
                        help="MultiQC General Statistics columns (QC flag, %% on target); default: "
                             "sample_qc_general_mqc.tsv beside --multiqc")
    args = parser.parse_args(argv)

    samples = read_sample_groups(args.samplesheet, "--samplesheet", lanes=True)
    results = []
    for sample, (group, _) in samples.items():
        files = [args.inputs / f"{sample}{suffix}" for suffix in (".stats", ".mosdepth.summary.txt", ".mosdepth.region.dist.txt")]
        for path in files:
            if not path.exists():
                raise UserInputError(path, None, "sample", f"QC input for sample {sample} is missing")
        targets = args.targets / f"{sample}{args.targets_suffix}" if args.targets else None
        if targets and not targets.exists():
            raise UserInputError(targets, None, "sample", f"capture-target coverage of sample {sample} is missing")
        results.append(qc.summarise(sample, group, *files, args.min_mean_depth, args.min_pct_20x, args.min_pct_mapped,
                                    targets, args.min_pct_on_target))
    if args.sex:
        sexes = {row["sample"]: row for _, row in read_tsv(args.sex, ("sample", "sex_given", "sex_inferred", "sex",
                                                                      "x_autosome_ratio", "note"), "--sex")}
        missing = [r.sample for r in results if r.sample not in sexes]
        if missing:
            raise UserInputError(args.sex, None, "sample", f"no row for sample(s) {', '.join(missing[:5])}",
                                 "Give the sex.tsv of the same run.")
        results = [qc.with_sex(r, sexes[r.sample]) for r in results]
    if args.fastq_checks:
        results = with_fastq_checks(results, args.fastq_checks, args.max_pct_failed_filter)
    with atomic_output(args.out) as out:
        out.write("\t".join(qc.COLUMNS) + "\n")
        out.writelines(qc.row(r) for r in results)
    with atomic_output(args.multiqc) as out:
        out.write(qc.multiqc_header(args.min_mean_depth, args.min_pct_20x, args.min_pct_mapped,
                                    args.min_pct_on_target if args.targets else None,
                                    args.max_pct_failed_filter if args.fastq_checks else None,
                                    [r.sample for r in results if args.fastq_checks and r.pct_failed_filter is None]))
        out.write("\t".join(qc.COLUMNS) + "\n")
        out.writelines(qc.row(r) for r in results)
    with atomic_output(args.multiqc_general or args.multiqc.parent / "sample_qc_general_mqc.tsv") as out:
        out.write(qc.multiqc_general_stats(results, args.targets is not None,
                                           any(r.pct_failed_filter is not None for r in results)))
    return 0


if __name__ == "__main__":
    run_cli(main)
