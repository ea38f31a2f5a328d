"""End-to-end: the real pipeline on the synthetic test cohort (nextflow run . -profile test).

Slow (about a minute per run); marked `pipeline`. Needs nextflow and the packaged tools on PATH
(`make test` provides them).
"""

from __future__ import annotations

import csv
import gzip
import os
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest

REPO = Path(__file__).resolve().parents[1]
TRUTH = REPO / "assets/test_cohort/truth.tsv"
MIN_DP = 10

pytestmark = pytest.mark.pipeline


def nextflow() -> str:
    found = shutil.which("nextflow") or str(REPO / ".tools/bin/nextflow")
    if not Path(found).exists():
        pytest.fail("nextflow not found: run `make setup` (scripts/install_nextflow.sh)")
    return found


def run(launch_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, NXF_OFFLINE="true", NXF_ANSI_LOG="false")
    result = subprocess.run([nextflow(), "run", str(REPO), "-profile", "test", *args], cwd=launch_dir, env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"nextflow failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result


@pytest.fixture(scope="module")
def launch(tmp_path_factory):
    launch_dir = tmp_path_factory.mktemp("pipeline")
    first = run(launch_dir, "--outdir", "results")
    return launch_dir, first


def read_vcf(path: Path) -> List[Dict[str, object]]:
    records = []
    with gzip.open(path, "rt") as handle:
        for line in handle:
            if line.startswith("##"):
                continue
            cols = line.rstrip("\n").split("\t")
            if line.startswith("#"):
                samples = cols[9:]
                continue
            keys = cols[8].split(":")
            calls = {s: dict(zip(keys, v.split(":"))) for s, v in zip(samples, cols[9:])}
            records.append({"id": ":".join([cols[0], cols[1], cols[3], cols[4]]), "qual": float(cols[5]),
                            "calls": calls})
    return records


def truth_rows() -> List[Dict[str, str]]:
    with open(TRUTH) as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_every_planted_variant_called_with_the_right_genotype(launch):
    launch_dir, _ = launch
    records = {r["id"]: r for r in read_vcf(launch_dir / "results/variants/cohort.grch38.vcf.gz")}
    planted: Dict[str, Dict[str, Dict[str, str]]] = {}
    for row in truth_rows():
        planted.setdefault(row["variant_id"], {})[row["sample"]] = row
    assert set(planted) <= set(records), set(planted) - set(records)
    for variant_id, carriers in planted.items():
        calls = records[variant_id]["calls"]
        for sample, call in calls.items():
            if sample in carriers and carriers[sample]["coverage"] == "low":
                # too little coverage: must be a no-call or visibly below the depth threshold
                assert call["GT"] in ("./.", ".") or int(call["DP"]) < MIN_DP, (variant_id, sample, call)
            elif sample in carriers:
                assert call["GT"] == carriers[sample]["genotype"], (variant_id, sample, call["GT"])
            else:
                assert call["GT"] == "0/0", (variant_id, sample, call["GT"])
            assert "GQ" in call and "DP" in call


def test_no_other_confident_call_in_the_panel(launch):
    launch_dir, _ = launch
    planted = {row["variant_id"] for row in truth_rows()}
    confident = {r["id"] for r in read_vcf(launch_dir / "results/variants/cohort.grch38.vcf.gz") if r["qual"] >= 20}
    assert confident - planted == set()


def test_multiqc_has_read_alignment_and_coverage_sections(launch):
    launch_dir, _ = launch
    report = launch_dir / "results/multiqc/multiqc_report.html"
    sources = (launch_dir / "results/multiqc/multiqc_data/multiqc_sources.txt").read_text()
    for module in ("FastQC", "Samtools", "mosdepth"):
        assert module in sources, module
    html = report.read_text()
    for section in ("hlhscreen_sample_qc", "hlhscreen_annotation", "software_versions"):
        assert section in html, section


def test_versions_file_lists_every_tool(launch):
    launch_dir, _ = launch
    text = (launch_dir / "results/pipeline_info/software_versions.yml").read_text()
    for tool in ("fastqc:", "bwa:", "samtools:", "mosdepth:", "freebayes:", "bcftools:", "snpeff:", "multiqc:",
                 "python:", "hlhscreen:", "Nextflow:"):
        assert tool in text, tool


def test_resume_reruns_no_finished_task(launch):
    launch_dir, _ = launch
    before = set((launch_dir / "results/pipeline_info").glob("execution_trace_*.txt"))
    run(launch_dir, "--outdir", "results", "-resume")
    new = set((launch_dir / "results/pipeline_info").glob("execution_trace_*.txt")) - before
    assert len(new) == 1
    with open(new.pop()) as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert rows, "empty trace"
    assert {row["status"] for row in rows} == {"CACHED"}, [(r["process"], r["status"]) for r in rows if r["status"] != "CACHED"]
