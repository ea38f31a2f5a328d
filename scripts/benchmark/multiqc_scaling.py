#!/usr/bin/env python3
"""Time, peak RSS and HTML size of MULTIQC at N samples, from one run's MultiQC inputs replicated.

Takes the folder of a finished MULTIQC task (its work directory: the staged inputs in ``?/`` folders,
e.g. of ``make demo`` or ``nextflow run . -profile test``) and copies every per-sample input to N
samples named ``<sample>_r<k>``: FastQC zips (member paths and the ``Filename`` line of
``fastqc_data.txt`` renamed), samtools stats and mosdepth files (renamed, the sample name inside
replaced), and the rows of the per-sample custom-content tables (``sample_qc_mqc.tsv``,
``sex_check_mqc.tsv``); cohort-level tables are copied as they are. Then runs the module's command
(``multiqc --force --config assets/multiqc_config.yml .``) and prints wall time, CPU time and peak
RSS (wait4) and the size of ``multiqc_report.html``; with ``--browser``, how long a headless Chromium
takes to open it.

    scripts/benchmark/multiqc_scaling.py --task /tmp/hlhscreen_benchmark/multiqc_run/work --samples 96,192
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Dict, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cohort_tools_scaling import measured, screenshot  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
PER_SAMPLE_TABLES = ("sample_qc_mqc.tsv", "sex_check_mqc.tsv")
# per-sample files: (pattern with the sample as group 1)
PER_SAMPLE_FILE = re.compile(r"^(.+?)(_L\d{3}_R[12]_fastqc\.zip|\.stats|\.mosdepth\.[a-z.]+\.txt)$")


def find_task(folder: Path) -> Path:
    """The MULTIQC task folder: ``folder`` itself, or the one task under a Nextflow work directory that ran it."""
    if (folder / ".command.sh").exists():
        return folder
    tasks = [script.parent for script in sorted(folder.glob("*/*/.command.sh"))
             if "multiqc --force" in script.read_text() and (script.parent / ".exitcode").exists()]
    if not tasks:
        raise SystemExit(f"no finished MULTIQC task under {folder}")
    return tasks[-1]


def staged_inputs(task: Path) -> List[Path]:
    """The files Nextflow staged into the task's ``?/`` folders (stageAs: "?/*")."""
    return sorted(f for folder in task.iterdir() if folder.is_dir() and folder.name.isdigit() for f in folder.iterdir())


def copies_of(samples: List[str], n: int) -> List[Tuple[str, str]]:
    """(original, copy) for n samples, the originals in turn."""
    return [(samples[i % len(samples)], f"{samples[i % len(samples)]}_r{i // len(samples)}") for i in range(n)]


def renamed(content: bytes, old: str, new: str) -> bytes:
    """The sample name replaced where it stands as a name (start of a file name: case_01_L001, case_01.bam),
    never inside another word."""
    pattern = rb"(?<![A-Za-z0-9_])" + re.escape(old.encode()) + rb"(?=[._])"
    return re.sub(pattern, new.encode().replace(b"\\", b"\\\\"), content)


def rename_zip(source: Path, target: Path, old: str, new: str) -> None:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            content = zin.read(item.filename)
            if item.filename.endswith((".txt", ".fo")):
                content = renamed(content, old, new)
            zout.writestr(item.filename.replace(old, new, 1), content)


def replicate_table(source: Path, target: Path, copies: List[Tuple[str, str]]) -> None:
    """Custom-content table: comment lines and header kept, each sample's row once per copy."""
    lines = source.read_text().splitlines(keepends=True)
    head = [line for line in lines if line.startswith("#")]
    body = [line for line in lines if not line.startswith("#")]
    rows: Dict[str, str] = {line.split("\t", 1)[0]: line for line in body[1:]}
    target.write_text("".join(head + body[:1] + [new + rows[old][len(old):] for old, new in copies if old in rows]))


def build(task: Path, n: int, out: Path) -> int:
    """The MultiQC inputs of n samples in out/<k>/ folders; returns the number of samples."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    files = staged_inputs(task)
    samples = sorted({m.group(1) for f in files for m in [PER_SAMPLE_FILE.match(f.name)] if m})
    copies = copies_of(samples, n)
    slot = 0

    def place(name: str) -> Path:
        nonlocal slot
        slot += 1
        (out / str(slot)).mkdir()
        return out / str(slot) / name

    for f in files:
        match = PER_SAMPLE_FILE.match(f.name)
        if match:
            for old, new in copies:
                if old != match.group(1):
                    continue
                target = place(new + match.group(2))
                if f.name.endswith(".zip"):
                    rename_zip(f, target, old, new)
                else:
                    target.write_bytes(renamed(f.read_bytes(), old, new))
        elif f.name in PER_SAMPLE_TABLES:
            replicate_table(f, place(f.name), copies)
        elif f.is_file():
            shutil.copyfile(f, place(f.name))
    return len(copies)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", type=Path, required=True,
                        help="work directory of a finished MULTIQC task, or the Nextflow work directory of its run")
    parser.add_argument("--samples", default="96,192")
    parser.add_argument("--work", type=Path, default=Path("/tmp/hlhscreen_benchmark/multiqc"))
    parser.add_argument("--multiqc", default="multiqc", help="the MultiQC to run (default: the one on PATH)")
    parser.add_argument("--browser", default=None,
                        help="headless Chromium to time the opening of each MultiQC report with (e.g. chromium)")
    args = parser.parse_args()
    print(f"{'samples':>7s} {'wall s':>7s} {'CPU s':>7s} {'peak RSS MB':>11s} {'HTML MB':>8s}")
    for n in (int(x) for x in args.samples.split(",")):
        folder = args.work / f"n{n}"
        made = build(find_task(args.task), n, folder)
        report = args.work / f"n{n}_report"
        cmd = [args.multiqc, "--force", "--config", str(REPO / "assets" / "multiqc_config.yml"), "-o", str(report),
               str(folder)]
        wall, cpu, rss, code = measured(cmd, args.work / f"n{n}.log")
        if code != 0:
            print(f"MultiQC failed at {made} samples: see {args.work / f'n{n}.log'}", file=sys.stderr)
            return 1
        size = (report / "multiqc_report.html").stat().st_size / 1e6
        print(f"{made:7d} {wall:7.1f} {cpu:7.1f} {rss:11.1f} {size:8.1f}", flush=True)
        if args.browser:
            wall, rss, code = screenshot(args.browser, report / "multiqc_report.html", report)
            print(f"{made:7d} browser {wall:.1f} s, summed RSS {rss:.1f} MB, exit {code}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
