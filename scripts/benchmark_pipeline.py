#!/usr/bin/env python3
"""The pipeline at cohort scale against its own tools run bare (issue 14; docs/benchmarks.md).

For each cohort size N: build a synthetic cohort of N samples from the test cohort's design
(scripts/benchmark/cohort.py; reads cached under --work), run the pipeline with the test profile,
then scripts/benchmark/bare_pipeline.sh (the same tool commands, samples --jobs wide, no Nextflow),
and print wall time, CPU time (user + sys of every process of the run), per-process totals, and the
ratio pipeline / bare. The pipeline runs as the test profile runs (locally: no execution trace, whose
per-task metrics cost ~12 % on these seconds-long tasks): per-process totals are then the tasks' wall
times read from their work folders. --trace adds a raw trace for per-process CPU and peak RSS too, at
that cost (use it to attribute time, not for the ratio). The screening and cohort tables of the two runs must
be byte-identical; the script says so per table and exits 1 when they are not.

    scripts/benchmark_pipeline.py --samples 8,24,48,96 --json bench.json
    scripts/benchmark_pipeline.py --samples 24 -c lever.config     # A/B of a configuration

Measure on a quiet machine: the load average before and after each run is printed with it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts" / "benchmark"))

import cohort  # noqa: E402
from nextflow_tasks import task_process_name  # noqa: E402

# the results that must not change with any speed-up (relative to --outdir and to the bare folder)
TABLES = (
    "screen/variants.tsv", "screen/carriers.tsv", "screen/gene_status.tsv", "screen/gene_coverage.tsv",
    "cohort/variant_tests.tsv", "cohort/gene_tests.tsv", "cohort/biallelic_tests.tsv",
    "cohort/association_summary.tsv", "cohort/power.tsv",
)
# raw trace: milliseconds and bytes instead of "1m 2s" and "45 MB"
TRACE_CONFIG = """trace {{
    enabled = true
    raw     = true
    file    = '{path}'
    fields  = 'task_id,process,tag,status,exit,cpus,submit,start,complete,realtime,%cpu,peak_rss'
    overwrite = true
}}
"""


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    max_rss_mb: float
    load_before: float
    load_after: float
    exit_code: int
    tables: Dict[str, str] = field(default_factory=dict)


@dataclass
class ProcessTotal:
    tasks: int = 0
    realtime_s: float = 0.0
    cpu_s: float = 0.0
    peak_rss_mb: float = 0.0


def timed(cmd: List[str], cwd: Path, log: Path, env: Dict[str, str]) -> Run:
    """Run cmd; wall time, and user + sys CPU of it and every descendant it waited for."""
    load_before = os.getloadavg()[0]
    start = time.monotonic()
    with open(log, "w") as handle:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(round(wall, 1), round(usage.ru_utime + usage.ru_stime, 1), round(usage.ru_maxrss / 1024, 1),
               round(load_before, 2), round(os.getloadavg()[0], 2), proc.returncode)


def table_hashes(folder: Path) -> Dict[str, str]:
    return {t: hashlib.sha256((folder / t).read_bytes()).hexdigest()[:16] if (folder / t).exists() else "missing"
            for t in TABLES}


def process_totals(trace: Path) -> Dict[str, ProcessTotal]:
    totals: Dict[str, ProcessTotal] = {}
    lines = trace.read_text().splitlines()
    header = lines[0].split("\t")
    for line in lines[1:]:
        row = dict(zip(header, line.split("\t")))
        name = row["process"].split(":")[-1]
        total = totals.setdefault(name, ProcessTotal())
        realtime = float(row["realtime"]) / 1000 if row["realtime"] not in ("", "-") else 0.0
        cpu_pct = float(row["%cpu"]) if row["%cpu"] not in ("", "-") else 0.0
        rss = float(row["peak_rss"]) / 2**20 if row["peak_rss"] not in ("", "-") else 0.0
        total.tasks += 1
        total.realtime_s += realtime
        total.cpu_s += realtime * cpu_pct / 100
        total.peak_rss_mb = max(total.peak_rss_mb, rss)
    return totals


def folder_totals(work: Path) -> Dict[str, ProcessTotal]:
    """Per-process task count and wall time from the task folders, without a trace: a task's wall time
    runs from its .command.begin (written as it starts) to its .exitcode (written as it ends); its
    process name is in the first '### name:' line of .command.run. CPU and peak RSS stay 0 (unknown)."""
    totals: Dict[str, ProcessTotal] = {}
    for task in sorted(work.glob("*/*/")):
        begin, end = task / ".command.begin", task / ".exitcode"
        if not (begin.exists() and end.exists()):
            continue  # not run (cached, failed to start) or still running when the run was stopped
        name = task_process_name(task)
        if name is None:
            continue
        total = totals.setdefault(name, ProcessTotal())
        total.tasks += 1
        total.realtime_s += max(0.0, end.stat().st_mtime - begin.stat().st_mtime)
    return totals


def run_pipeline(sheet: Path, folder: Path, configs: List[Path], extra: List[str], env: Dict[str, str],
                 trace_metrics: bool = False):
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    trace = folder / "trace.tsv"
    cmd = [shutil.which("nextflow") or "nextflow", "run", str(REPO), "-profile", "test", "-ansi-log", "false",
           "--input", str(sheet), "--outdir", str(folder / "out")]
    if trace_metrics:
        # a raw trace of our own for per-process CPU and peak RSS; it switches the per-task metrics on
        trace_config = folder / "trace.config"
        trace_config.write_text(TRACE_CONFIG.format(path=trace))
        cmd += ["-c", str(trace_config)]
    for config in configs:
        cmd += ["-c", str(config.resolve())]
    run = timed(cmd + extra, folder, folder / "nextflow.out", env)
    run.tables = table_hashes(folder / "out")
    totals = process_totals(trace) if trace.exists() else folder_totals(folder / "work")
    shutil.rmtree(folder / "work", ignore_errors=True)  # keep the outputs and logs, not the task folders
    return run, totals


def run_bare(sheet: Path, folder: Path, jobs: int, chunks: int, env: Dict[str, str]) -> Run:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    cmd = ["bash", str(REPO / "scripts" / "benchmark" / "bare_pipeline.sh"), str(sheet), str(folder / "out"),
           str(jobs), str(chunks)]
    run = timed(cmd, folder, folder / "bare.out", env)
    run.tables = table_hashes(folder / "out")
    shutil.rmtree(folder / "out" / "samples", ignore_errors=True)
    return run


def print_size(n: int, lanes: int, pipe: Optional[Run], bare: Optional[Run], totals: Dict[str, ProcessTotal]) -> None:
    print(f"\n== {n} samples, {lanes} lanes")
    for name, run in (("pipeline", pipe), ("bare", bare)):
        if run:
            print(f"{name:9s} wall {run.wall_s:7.1f} s  CPU {run.cpu_s:7.1f} s  exit {run.exit_code}  "
                  f"load {run.load_before:.2f} -> {run.load_after:.2f}")
    if pipe and bare:
        print(f"ratio     wall {pipe.wall_s / bare.wall_s:.2f}x  CPU {pipe.cpu_s / bare.cpu_s:.2f}x")
        same = [t for t in TABLES if pipe.tables[t] == bare.tables[t] != "missing"]
        print(f"tables    {len(same)}/{len(TABLES)} byte-identical"
              + "".join(f"\n          DIFFERENT: {t}" for t in TABLES if t not in same))
    if totals:
        print(f"{'process':22s} {'tasks':>5s} {'real s':>8s} {'CPU s':>8s} {'peak RSS MB':>11s}")
        metrics = any(t.cpu_s or t.peak_rss_mb for t in totals.values())  # none without a trace (--trace)
        for name, t in sorted(totals.items(), key=lambda kv: -kv[1].realtime_s):
            cpu, rss = (f"{t.cpu_s:8.1f}", f"{t.peak_rss_mb:11.1f}") if metrics else (f"{'-':>8s}", f"{'-':>11s}")
            print(f"{name:22s} {t.tasks:5d} {t.realtime_s:8.1f} {cpu} {rss}")
        cpu_sum = f"{sum(t.cpu_s for t in totals.values()):8.1f}" if metrics else f"{'-':>8s}"
        print(f"{'(sum of tasks)':22s} {sum(t.tasks for t in totals.values()):5d} "
              f"{sum(t.realtime_s for t in totals.values()):8.1f} {cpu_sum}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", default="8,24,48,96", help="cohort sizes, comma-separated (default: %(default)s)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/hlhscreen_benchmark"),
                        help="cohorts (cached) and runs (default: %(default)s)")
    parser.add_argument("--cohorts", type=Path, help="where cohorts are built and cached (default: WORK/cohorts)")
    parser.add_argument("--jobs", type=int, default=2, help="samples the bare script runs at once (default: 2)")
    parser.add_argument("--chunks", type=int, default=3,
                        help="calling chunks of the bare script; give the pipeline the same with "
                             "--nextflow-args '--calling_chunks N' (default: 3, the test profile's)")
    parser.add_argument("-c", "--config", type=Path, action="append", default=[],
                        help="extra Nextflow config for the pipeline runs (repeatable), e.g. a lever to measure")
    parser.add_argument("--nextflow-args", default="", help="extra arguments of `nextflow run`, one string")
    parser.add_argument("--trace", action="store_true",
                        help="add a raw Nextflow trace: per-process CPU and peak RSS, at the cost of its per-task "
                             "metrics (~12 %% on these tasks); without it, per-process wall times from the task folders")
    parser.add_argument("--skip-bare", action="store_true")
    parser.add_argument("--skip-pipeline", action="store_true")
    parser.add_argument("--label", default="", help="name of this configuration in --json")
    parser.add_argument("--json", type=Path, help="append the figures to this JSON list")
    args = parser.parse_args()

    env = dict(os.environ, NXF_OFFLINE="true", PYTHONDONTWRITEBYTECODE="1",
               PATH=f"{REPO}/.venv/bin:{REPO}/.tools/bin:{os.environ['PATH']}")
    print(f"machine: {os.cpu_count()} CPUs, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GB; "
          f"commit {subprocess.run(['git', '-C', str(REPO), 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()}; "
          f"configs {[str(c) for c in args.config]} {args.nextflow_args}; NXF_OPTS={os.environ.get('NXF_OPTS', '')!r}; "
          f"load {os.getloadavg()[0]:.2f}", flush=True)
    failed = False
    records = []
    for n in [int(x) for x in args.samples.split(",")]:
        sheet = cohort.build_cohort(n, args.cohorts or args.work / "cohorts")
        lanes = len(sheet.read_text().splitlines()) - 1
        pipe = bare = None
        totals: Dict[str, ProcessTotal] = {}
        if not args.skip_pipeline:
            pipe, totals = run_pipeline(sheet, args.work / f"pipeline_{n}", args.config, args.nextflow_args.split(), env,
                                        trace_metrics=args.trace)
            failed |= pipe.exit_code != 0
        if not args.skip_bare:
            bare = run_bare(sheet, args.work / f"bare_{n}", args.jobs, args.chunks, env)
            failed |= bare.exit_code != 0
        if pipe and bare:
            failed |= pipe.tables != bare.tables
        print_size(n, lanes, pipe, bare, totals)
        records.append({"label": args.label, "samples": n, "trace": args.trace, "nxf_opts": os.environ.get("NXF_OPTS", ""), "lanes": lanes, "configs": [str(c) for c in args.config],
                        "nextflow_args": args.nextflow_args, "time": time.strftime("%Y-%m-%d %H:%M:%S"),
                        "pipeline": asdict(pipe) if pipe else None, "bare": asdict(bare) if bare else None,
                        "processes": {k: asdict(v) for k, v in totals.items()}})
        sys.stdout.flush()
    if args.json:
        old = json.loads(args.json.read_text()) if args.json.exists() else []
        args.json.write_text(json.dumps(old + records, indent=1) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
