#!/usr/bin/env python3
"""FreeBayes joint calling at cohort scale: time and memory by sample count and --calling_chunks.

Replicates the BAMs of a finished benchmark run (each copy gets its own read group and sample name,
so FreeBayes sees N distinct samples at the test cohort's depth), splits the padded targets into
CHUNKS pieces with the pipeline's own split_bed.py, and runs the FREEBAYES module's command on every
chunk, --jobs at a time, as the pipeline's local executor would. Prints, per (samples, chunks):
wall time of the calling stage, summed CPU, the longest chunk, and the largest peak RSS of a chunk.

    scripts/benchmark/freebayes_scaling.py --bams /tmp/hlhscreen_benchmark/pipeline_8/out/alignment \\
        --targets targets.reference.bed --fasta assets/test_cohort/reference/hlh_windows.synthetic.fa \\
        --samples 48,96 --chunks 1,2,4,8
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Tuple

REPO = Path(__file__).resolve().parents[2]
# the FREEBAYES module's ext.args (conf/modules.config)
FREEBAYES_ARGS = ["--genotype-qualities", "--min-alternate-count", "3", "--min-alternate-fraction", "0.1",
                  "--min-mapping-quality", "1", "--min-base-quality", "10"]


def replicate(bams: List[Path], n: int, out: Path) -> List[Path]:
    """n BAMs named rep_00001.bam..., each a copy of bams[i % len] with its own read group / sample."""
    out.mkdir(parents=True, exist_ok=True)
    made = []
    for i in range(n):
        target = out / f"rep_{i + 1:05d}.bam"
        if not (target.exists() and Path(f"{target}.bai").exists()):
            name = target.stem
            subprocess.run(["samtools", "addreplacerg", "-m", "overwrite_all", "-r", f"@RG\\tID:{name}\\tSM:{name}",
                            "-o", str(target), str(bams[i % len(bams)])], check=True)
            subprocess.run(["samtools", "index", str(target)], check=True)
        made.append(target)
    return made


def call_chunk(chunk: Path, bam_list: Path, fasta: Path, cwd: Path) -> Tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of FreeBayes on one chunk (output kept: its size is printed)."""
    start = time.monotonic()
    with open(cwd / f"{chunk.stem}.vcf", "w") as vcf:
        proc = subprocess.Popen(["freebayes", *FREEBAYES_ARGS, "--fasta-reference", str(fasta), "--targets", str(chunk),
                                 "--bam-list", str(bam_list)], stdout=vcf, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"freebayes failed on {chunk}")
    return time.monotonic() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def measure(bams: List[Path], targets: Path, fasta: Path, chunks: int, jobs: int, work: Path) -> Dict[str, float]:
    work.mkdir(parents=True, exist_ok=True)
    for old in work.glob("chunk_*"):
        old.unlink()
    subprocess.run([sys.executable, str(REPO / "bin" / "split_bed.py"), str(targets), "--chunks", str(chunks),
                    "--outdir", str(work), "--prefix", "chunk"], check=True, stdout=subprocess.DEVNULL)
    bam_list = work / "bams.txt"
    bam_list.write_text("".join(f"{b}\n" for b in sorted(bams)))
    pieces = sorted(work.glob("chunk_*.bed"))
    load = os.getloadavg()[0]
    start = time.monotonic()
    with ThreadPoolExecutor(jobs) as pool:
        results = list(pool.map(lambda c: call_chunk(c, bam_list, fasta, work), pieces))
    wall = time.monotonic() - start
    return {"samples": len(bams), "chunks": chunks, "chunk_files": len(pieces), "wall_s": round(wall, 1),
            "cpu_s": round(sum(r[1] for r in results), 1), "longest_chunk_s": round(max(r[0] for r in results), 1),
            "peak_rss_mb": round(max(r[2] for r in results), 1), "load_before": round(load, 2),
            "load_after": round(os.getloadavg()[0], 2),
            "vcf_mb": round(sum((work / f"{c.stem}.vcf").stat().st_size for c in pieces) / 2**20, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bams", type=Path, required=True, help="folder with the BAMs (+ .bai) of a finished run")
    parser.add_argument("--targets", type=Path, required=True, help="padded targets on the BAMs' contigs")
    parser.add_argument("--fasta", type=Path, required=True)
    parser.add_argument("--samples", default="48,96")
    parser.add_argument("--chunks", default="1,2,4,8")
    parser.add_argument("--jobs", type=int, default=2, help="chunks called at once (default: 2 = the cores)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/hlhscreen_benchmark/freebayes"))
    parser.add_argument("--json", type=Path, help="append the figures to this JSON list")
    args = parser.parse_args()

    sources = sorted(args.bams.glob("*.bam"))
    if not sources:
        raise SystemExit(f"no BAM in {args.bams}")
    rows = []
    print(f"{'samples':>7s} {'chunks':>6s} {'wall s':>7s} {'CPU s':>7s} {'longest':>7s} {'RSS MB':>7s} {'VCF MB':>7s}  load")
    for n in [int(x) for x in args.samples.split(",")]:
        bams = replicate(sources, n, args.work / "bams")
        for chunks in [int(x) for x in args.chunks.split(",")]:
            row = measure(bams, args.targets, args.fasta, chunks, args.jobs, args.work / f"run_{n}_{chunks}")
            rows.append(row)
            print(f"{row['samples']:7d} {row['chunk_files']:6d} {row['wall_s']:7.1f} {row['cpu_s']:7.1f} "
                  f"{row['longest_chunk_s']:7.1f} {row['peak_rss_mb']:7.1f} {row['vcf_mb']:7.1f}  "
                  f"{row['load_before']:.1f}->{row['load_after']:.1f}", flush=True)
    if args.json:
        old = json.loads(args.json.read_text()) if args.json.exists() else []
        args.json.write_text(json.dumps(old + rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
