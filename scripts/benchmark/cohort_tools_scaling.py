#!/usr/bin/env python3
"""Memory and time of COHORT_STATS and REPORT by sample count, up to 1,000 samples and beyond.

The tables of N samples come from one of two sources:

- ``--synthetic RECORDS``: scripts/benchmark/screen_outputs.py screens a synthetic panel VCF of N
  samples and RECORDS records (~20 % kept: 1000 records give ~200 kept variants) with the real
  SCREEN, no pipeline run needed (cached under --work);
- ``--run DIR``: a finished pipeline run (a benchmark run's --outdir) whose samples are replicated
  k times (every per-sample row of carriers.tsv, gene_status.tsv, sample_qc.tsv and sex.tsv copied
  under the name <sample>_r<k>, groups kept), so N samples carry the same kept variants at the same
  carrier frequencies as the run. The per-variant sample lists of variants.tsv are left as they are.

Then runs bin/cohort_stats.py and bin/make_report.py on them as the modules do and prints each
tool's wall time, CPU time and peak RSS (from wait4), the size of the report and of its carrier
matrix SVG, and with ``--browser`` the time a headless Chromium takes to render the report.

    scripts/benchmark/cohort_tools_scaling.py --synthetic 1000 --samples 96,500,1000,5000 --browser chromium
    scripts/benchmark/cohort_tools_scaling.py --run /tmp/hlhscreen_benchmark/pipeline_48/out --samples 96,480,960

With ``--baseline CHECKOUT`` (another worktree or clone, e.g. ``git worktree add /tmp/base <commit>``) the
COHORT_STATS of that checkout runs on the same tables first: its figures are printed as "before" beside
this checkout's, with which of the five cohort tables differ byte for byte.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

REPO = Path(__file__).resolve().parents[2]
BIN = REPO / "bin"
sys.path.insert(0, str(Path(__file__).resolve().parent))

import screen_outputs  # noqa: E402

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


def run_inputs(run: Path, n: int, work: Path) -> Tuple[int, Dict[str, Path]]:
    """The run's tables replicated to n samples (per-sample tables) or as they are (the rest)."""
    made = replicate(run, n, work)
    paths = {"samples": work / "samples.csv", "qc": work / "sample_qc.tsv", "sex": work / "sex.tsv",
             "carriers": work / "carriers.tsv", "gene_status": work / "gene_status.tsv",
             "variants": run / "screen" / "variants.tsv", "versions": run / "pipeline_info" / "software_versions.yml",
             "params": run / "pipeline_info" / "params.json", "callability": run / "qc" / "panel_callability.tsv"}
    clinvar = run / "annotation" / "clinvar_release.json"
    if clinvar.exists():
        paths["clinvar"] = clinvar
    paths.update(run_panel_files(run))
    # ANNOTATION_SUMMARY's frequency_check.json is not in --outdir: a whole-genome gnomAD file's (every
    # chromosome looked up); the ALT-contig note is, in pipeline_info (empty when there was none to make)
    paths["frequency_check"] = work / "frequency_check.json"
    paths["frequency_check"].write_text(json.dumps(screen_outputs.FREQUENCY_CHECK) + "\n")
    notes = run / "pipeline_info" / "reference_notes.txt"
    paths["reference_notes"] = notes if notes.exists() else work / "reference_notes.txt"
    if not notes.exists():
        paths["reference_notes"].write_text("")
    return made, paths


def run_panel_files(run: Path) -> Dict[str, Path]:
    """The risk-factor whitelist and panel regions the run screened with (its params.json): REPORT reads both."""
    params = json.loads((run / "pipeline_info" / "params.json").read_text())
    if params.get("genes"):
        raise SystemExit(f"{run}: its panel was built from --genes (BUILD_PANEL, not in --outdir): use --synthetic")
    panel = REPO / "panels" / str(params.get("panel") or "hlh")
    panel = panel if panel.is_dir() else Path(str(params["panel"]))
    return {"risk_factors": Path(params.get("risk_factors") or panel / "risk_factors.tsv"),
            "regions": panel / "regions.bed"}


def stats_command(paths: Dict[str, Path], cohort: Path, bin_dir: Path = BIN) -> List[str]:
    """COHORT_STATS' command line, as the module runs it (``bin_dir``: the checkout's bin/)."""
    return [sys.executable, str(bin_dir / "cohort_stats.py"), "--carriers", str(paths["carriers"]),
             "--gene-status", str(paths["gene_status"]), "--samplesheet", str(paths["samples"]),
             "--callability", str(paths["callability"]), "--outdir", str(cohort), "--conf-level", "0.95"]


COHORT_TABLES = ("variant_tests.tsv", "gene_tests.tsv", "biallelic_tests.tsv", "association_summary.tsv", "power.tsv")


def differing_tables(before: Path, after: Path) -> List[str]:
    """The cohort tables whose bytes differ between two COHORT_STATS output folders."""
    return [name for name in COHORT_TABLES if (before / name).read_bytes() != (after / name).read_bytes()]


def commands(paths: Dict[str, Path], work: Path) -> Tuple[List[str], List[str]]:
    """COHORT_STATS' and REPORT's command lines, as the modules run them (every input REPORT's module gives,
    tests/test_benchmark_pipeline.py checks: without --risk-factors/--regions the report skipped its pass over
    variants.tsv for the whitelist)."""
    python = sys.executable
    cohort = work / "cohort"
    stats = stats_command(paths, cohort)
    report = [python, str(BIN / "make_report.py"), "--samples", str(paths["samples"]), "--qc", str(paths["qc"]),
              "--variants", str(paths["variants"]), "--carriers", str(paths["carriers"]),
              "--gene-status", str(paths["gene_status"]), "--variant-tests", str(cohort / "variant_tests.tsv"),
              "--gene-tests", str(cohort / "gene_tests.tsv"), "--biallelic-tests", str(cohort / "biallelic_tests.tsv"),
              "--power", str(cohort / "power.tsv"), "--sex", str(paths["sex"]), "--versions", str(paths["versions"]),
              "--params", str(paths["params"]), "--panel-callability", str(paths["callability"]),
              "--frequency-check", str(paths["frequency_check"]), "--risk-factors", str(paths["risk_factors"]),
              "--regions", str(paths["regions"]), "--reference-notes", str(paths["reference_notes"]),
              "--panel-genes", str(paths["panel_genes"]), "--gene-coverage", str(paths["gene_coverage"]),
              "--outdir", str(work / "report")]
    if "clinvar" in paths:
        report += ["--clinvar-release", str(paths["clinvar"])]
    return stats, report


def tree_rss_mb(root: int) -> float:
    """Summed RSS (MB) of ``root`` and its descendants now, from /proc (a browser runs several processes)."""
    parents: Dict[int, int] = {}
    rss: Dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            pages = int((entry / "statm").read_text().split()[1])
        except (OSError, ValueError, IndexError):
            continue  # the process ended meanwhile
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        rss[int(entry.name)] = pages
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return sum(rss.get(pid, 0) for pid in tree) * os.sysconf("SC_PAGE_SIZE") / 1e6


def screenshot(browser: str, html: Path, work: Path) -> Tuple[float, float, int]:
    """(wall s, peak summed RSS MB of the browser's processes, exit code) of a headless screenshot of html:
    the browser reads, parses and lays out the whole page before it draws the first 1400 x 4000 pixels."""
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1400,4000",
           f"--screenshot={work / 'report.png'}", html.as_uri()]
    start, peak = time.monotonic(), 0.0
    with open(work / "browser.log", "w") as handle:
        proc = subprocess.Popen(cmd, stdout=handle, stderr=subprocess.STDOUT)
        while proc.poll() is None:
            peak = max(peak, tree_rss_mb(proc.pid))
            time.sleep(0.2)
    return time.monotonic() - start, peak, proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--run", type=Path, help="--outdir of a finished pipeline run, its samples replicated")
    source.add_argument("--synthetic", type=int, metavar="RECORDS",
                        help="screen a synthetic panel VCF of RECORDS records per N instead (~20 %% kept; "
                             "scripts/benchmark/screen_outputs.py)")
    parser.add_argument("--samples", default="96,480,960")
    parser.add_argument("--work", type=Path, default=Path("/tmp/hlhscreen_benchmark/cohort_tools"))
    parser.add_argument("--baseline", type=Path, default=None,
                        help="another checkout whose COHORT_STATS runs first on the same tables (before/after)")
    parser.add_argument("--browser", default=None,
                        help="headless Chromium to time a screenshot of each report with (e.g. chromium)")
    args = parser.parse_args()
    print(f"{'samples':>7s} {'kept':>5s} {'tool':13s} {'wall s':>7s} {'CPU s':>7s} {'peak RSS MB':>11s}")
    for n in (int(x) for x in args.samples.split(",")):
        work = args.work / (f"synthetic{args.synthetic}_n{n}" if args.synthetic else f"n{n}")
        if args.synthetic:
            paths = screen_outputs.build(n, args.synthetic, work / "tables")
            made = n
        else:
            made, paths = run_inputs(args.run, n, work)
        kept = screen_outputs.kept_variants(paths["variants"])
        if args.baseline:
            before = stats_command(paths, work / "cohort_baseline", args.baseline.resolve() / "bin")
            wall, cpu, rss, code = measured(before, work / "COHORT_STATS_baseline.log")
            if code != 0:
                print(f"baseline COHORT_STATS failed at {made} samples: see {work}/COHORT_STATS_baseline.log",
                      file=sys.stderr)
                return 1
            print(f"{made:7d} {kept:5d} {'COHORT_STATS':13s} {wall:7.1f} {cpu:7.1f} {rss:11.1f}  before "
                  f"({args.baseline})", flush=True)
        for tool, cmd in zip(("COHORT_STATS", "REPORT"), commands(paths, work)):
            wall, cpu, rss, code = measured(cmd, work / f"{tool}.log")
            if code != 0:
                print(f"{tool} failed at {made} samples: see {work / (tool + '.log')}", file=sys.stderr)
                return 1
            print(f"{made:7d} {kept:5d} {tool:13s} {wall:7.1f} {cpu:7.1f} {rss:11.1f}"
                  + ("  after (this checkout)" if args.baseline and tool == "COHORT_STATS" else ""), flush=True)
            if args.baseline and tool == "COHORT_STATS":
                differ = differing_tables(work / "cohort_baseline", work / "cohort")
                print(f"{made:7d} {kept:5d} {'tables':13s} " + (f"differ: {', '.join(differ)}" if differ
                                                               else "byte-identical before and after"), flush=True)
        html = work / "report" / "hlhscreen_report.html"
        matrix = work / "report" / "figures" / "carrier_matrix.svg"
        print(f"{made:7d} {kept:5d} {'report size':13s} {html.stat().st_size / 1e6:.1f} MB HTML, "
              f"{matrix.stat().st_size / 1e6:.1f} MB carrier_matrix.svg", flush=True)
        if args.browser:
            wall, rss, code = screenshot(args.browser, html, work)
            print(f"{made:7d} {kept:5d} {'browser':13s} {wall:7.1f} {'':7s} {rss:11.1f}  exit {code}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
