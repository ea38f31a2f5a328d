#!/usr/bin/env python3
"""Memory and time of COHORT_STATS and REPORT by sample count, up to 1,000 samples and beyond.

Takes the outputs of a finished pipeline run (a benchmark run's --outdir) and replicates its samples
k times (every per-sample row of carriers.tsv, gene_status.tsv, sample_qc.tsv and sex.tsv copied
under the name <sample>_r<k>, groups kept), so N samples carry the same kept variants at the same
carrier frequencies as the run; then runs bin/cohort_stats.py and bin/make_report.py on them as the
modules do and prints each tool's wall time, CPU time and peak RSS (from wait4). The per-variant
sample lists of variants.tsv are left as they are (they name the original samples only).

    scripts/benchmark/cohort_tools_scaling.py --run /tmp/hlhscreen_benchmark/pipeline_48/out --samples 96,480,960
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

REPO = Path(__file__).resolve().parents[2]
BIN = REPO / "bin"
PER_SAMPLE_TABLES = {"carriers.tsv": "screen", "gene_status.tsv": "screen", "sample_qc.tsv": "qc", "sex.tsv": "qc"}


def read_tsv(path: Path) -> Tuple[List[str], List[Dict[str, str]]]:
    with open(path) as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        return list(reader.fieldnames or []), list(reader)


def write_tsv(path: Path, fields: List[str], rows: List[Dict[str, str]]) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def replicate(run: Path, n: int, out: Path) -> int:
    """Tables of n samples (the run's samples copied in turn); returns the number of samples made."""
    out.mkdir(parents=True, exist_ok=True)
    _, qc_rows = read_tsv(run / "qc" / "sample_qc.tsv")
    originals = [r["sample"] for r in qc_rows]
    copies = [(originals[i % len(originals)], f"{originals[i % len(originals)]}_r{i // len(originals)}")
              for i in range(n)]
    for name, folder in PER_SAMPLE_TABLES.items():
        fields, rows = read_tsv(run / folder / name)
        by_sample: Dict[str, List[Dict[str, str]]] = {}
        for row in rows:
            by_sample.setdefault(row["sample"], []).append(row)
        write_tsv(out / name, fields, [dict(row, sample=copy) for original, copy in copies
                                       for row in by_sample.get(original, [])])
    groups = {r["sample"]: r["group"] for r in qc_rows}
    sexes = {r["sample"]: r["sex"] for r in read_tsv(run / "qc" / "sex.tsv")[1]}
    with open(out / "samples.csv", "w") as handle:
        handle.write("sample,group,sex\n")
        handle.writelines(f"{copy},{groups[original]},{sexes.get(original, 'unknown')}\n" for original, copy in copies)
    return len(copies)


def measured(cmd: List[str], log: Path) -> Tuple[float, float, float, int]:
    """(wall s, CPU s, peak RSS MB, exit code) of cmd."""
    start = time.monotonic()
    with open(log, "w") as handle:
        proc = subprocess.Popen(cmd, stdout=handle, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    return (time.monotonic() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
            os.waitstatus_to_exitcode(status))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, required=True, help="--outdir of a finished pipeline run")
    parser.add_argument("--samples", default="96,480,960")
    parser.add_argument("--work", type=Path, default=Path("/tmp/hlhscreen_benchmark/cohort_tools"))
    args = parser.parse_args()
    run = args.run
    python = sys.executable
    print(f"{'samples':>7s} {'tool':13s} {'wall s':>7s} {'CPU s':>7s} {'peak RSS MB':>11s}")
    for n in (int(x) for x in args.samples.split(",")):
        work = args.work / f"n{n}"
        made = replicate(run, n, work)
        stats = [python, str(BIN / "cohort_stats.py"), "--carriers", str(work / "carriers.tsv"),
                 "--gene-status", str(work / "gene_status.tsv"), "--samplesheet", str(work / "samples.csv"),
                 "--outdir", str(work / "cohort"), "--conf-level", "0.95"]
        cohort = work / "cohort"
        report = [python, str(BIN / "make_report.py"), "--samples", str(work / "samples.csv"),
                  "--qc", str(work / "sample_qc.tsv"), "--variants", str(run / "screen" / "variants.tsv"),
                  "--carriers", str(work / "carriers.tsv"), "--gene-status", str(work / "gene_status.tsv"),
                  "--variant-tests", str(cohort / "variant_tests.tsv"), "--gene-tests", str(cohort / "gene_tests.tsv"),
                  "--biallelic-tests", str(cohort / "biallelic_tests.tsv"), "--power", str(cohort / "power.tsv"),
                  "--sex", str(work / "sex.tsv"), "--versions", str(run / "pipeline_info" / "software_versions.yml"),
                  "--params", str(run / "pipeline_info" / "params.json"),
                  "--panel-callability", str(run / "qc" / "panel_callability.tsv"), "--outdir", str(work / "report")]
        clinvar = run / "annotation" / "clinvar_release.json"
        if clinvar.exists():
            report += ["--clinvar-release", str(clinvar)]
        for tool, cmd in (("COHORT_STATS", stats), ("REPORT", report)):
            wall, cpu, rss, code = measured(cmd, work / f"{tool}.log")
            if code != 0:
                print(f"{tool} failed at {made} samples: see {work / (tool + '.log')}", file=sys.stderr)
                return 1
            print(f"{made:7d} {tool:13s} {wall:7.1f} {cpu:7.1f} {rss:11.1f}", flush=True)
        html = work / "report" / "hlhscreen_report.html"
        if html.exists():
            print(f"{made:7d} {'report size':13s} {html.stat().st_size / 1e6:.1f} MB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
