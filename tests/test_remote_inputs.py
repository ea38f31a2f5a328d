"""Remote inputs: `--input https://...` and FASTQ URLs in the samplesheet, staged by Nextflow.

A local HTTP server on 127.0.0.1 (python -m http.server, started by the test) serves a samplesheet
and FASTQs from the synthetic test cohort: one sample listed by absolute URL, one by a path relative
to the samplesheet's URL. The rest of the run is the test profile, stopped after calling.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from local_http import start_http_server, stop_http_server
from nextflow_runner import REPO, run_nextflow

pytestmark = pytest.mark.pipeline
COHORT = REPO / "assets/test_cohort"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Tuple[str, Path, Path]]:
    root = tmp_path_factory.mktemp("http_root")
    (root / "sheets").mkdir()
    (root / "fastq").mkdir()
    for sample in ("case_02", "ctrl_02"):
        for mate in (1, 2):
            shutil.copy2(COHORT / f"reads/{sample}_L001_R{mate}.fastq.gz", root / "fastq")
    log = root.parent / "http_server.log"
    proc, url = start_http_server(root, log)  # binds port 0 itself; fails the tests if it is not serving
    yield url, root, log
    stop_http_server(proc)


def requested(log: Path) -> List[str]:
    return [line.split('"GET ')[1].split(" ")[0] for line in log.read_text().splitlines() if '"GET ' in line]


def test_samplesheet_and_fastqs_over_http(server, tmp_path):
    url, root, log = server
    (root / "sheets/remote.csv").write_text(
        "sample,group,fastq_1,fastq_2\n"
        f"case_02,case,{url}/fastq/case_02_L001_R1.fastq.gz,{url}/fastq/case_02_L001_R2.fastq.gz\n"
        "ctrl_02,control,../fastq/ctrl_02_L001_R1.fastq.gz,../fastq/ctrl_02_L001_R2.fastq.gz\n")
    # staging is what is tested here: the run stops after calling (the rest is the usual local path)
    run_nextflow(tmp_path, "-profile", "test", "--input", f"{url}/sheets/remote.csv", "--skip_screening",
                 "--outdir", "results")
    got = requested(log)
    assert "/sheets/remote.csv" in got
    for sample in ("case_02", "ctrl_02"):
        for mate in (1, 2):
            assert f"/fastq/{sample}_L001_R{mate}.fastq.gz" in got, got
    # the reads were really aligned: every read of the served files is in the BAM's statistics
    for sample in ("case_02", "ctrl_02"):
        stats = (tmp_path / f"results/qc/samtools_stats/{sample}.stats").read_text()
        total = next(int(l.split("\t")[2]) for l in stats.splitlines() if l.startswith("SN\traw total sequences:"))
        with subprocess.Popen(["gzip", "-dc", str(root / f"fastq/{sample}_L001_R1.fastq.gz")], stdout=subprocess.PIPE) as p:
            reads = sum(1 for _ in p.stdout) // 4
        assert total == 2 * reads, (sample, total, reads)
    with open(tmp_path / "results/qc/sample_qc.tsv") as handle:
        assert [row["sample"] for row in csv.DictReader(handle, delimiter="\t")] == ["case_02", "ctrl_02"]


def test_a_missing_remote_fastq_is_named_before_anything_runs(server, tmp_path):
    url, root, _ = server
    (root / "sheets/missing.csv").write_text(
        "sample,group,fastq_1,fastq_2\n"
        f"case_02,case,{url}/fastq/case_02_L001_R1.fastq.gz,{url}/fastq/nope_R2.fastq.gz\n"
        f"ctrl_02,control,{url}/fastq/ctrl_02_L001_R1.fastq.gz,{url}/fastq/ctrl_02_L001_R2.fastq.gz\n")
    result = run_nextflow(tmp_path, "-profile", "test", "--input", f"{url}/sheets/missing.csv", "--outdir", "results",
                          check=False)
    assert result.returncode != 0
    assert f"{url}/sheets/missing.csv:2: fastq_2" in result.stdout and "nope_R2.fastq.gz" in result.stdout
    assert not (tmp_path / "work").exists() or not any((tmp_path / "work").glob("??/*"))


def test_a_remote_reference_index_and_gnomad_file_are_checked_in_the_run(server, tmp_path):
    """Remote --fasta/--fasta_fai/--gnomad_vcf are not on the launch host, so the start-up checks cannot
    read them. The .fai (here one of another FASTA: every offset shifted) is not used but built from the
    staged FASTA, and the gnomAD file (here a GRCh37 one named chr10) is checked on its staged copy by
    ANNOTATION_SUMMARY, before SCREEN. Before: the wrong .fai was used and the GRCh37 frequencies were
    attached at other positions, exit 0."""
    import pysam

    url, root, log = server
    ref = root / "ref"
    ref.mkdir(exist_ok=True)
    reference = REPO / "assets/test_cohort/reference"
    shutil.copy2(reference / "hlh_windows.synthetic.fa", ref)
    shifted = []
    for line in (reference / "hlh_windows.synthetic.fa.fai").read_text().splitlines():
        cols = line.split("\t")
        cols[2] = str(int(cols[2]) + 7)
        shifted.append("\t".join(cols))
    (ref / "hlh_windows.synthetic.fa.fai").write_text("\n".join(shifted) + "\n")
    text = pysam.BGZFile(str(COHORT / "gnomad/gnomad_sites.derived.vcf.gz")).read().decode()
    (ref / "gnomad.hg19.vcf").write_text(text.replace("ID=chr10,length=133797422", "ID=chr10,length=135534747"))
    pysam.tabix_index(str(ref / "gnomad.hg19.vcf"), preset="vcf", force=True)
    result = run_nextflow(tmp_path, "-profile", "test", "--fasta", f"{url}/ref/hlh_windows.synthetic.fa",
                          "--fasta_fai", f"{url}/ref/hlh_windows.synthetic.fa.fai",
                          "--gnomad_vcf", f"{url}/ref/gnomad.hg19.vcf.gz", "--outdir", "results", check=False)
    output = result.stdout + result.stderr + (tmp_path / ".nextflow.log").read_text()
    assert result.returncode != 0
    assert f"--fasta_fai {url}/ref/hlh_windows.synthetic.fa.fai is not used" in output
    assert "SAMTOOLS_FAIDX" in result.stdout
    assert ("--gnomad_vcf: gnomAD is for another genome build: chr10 is 135534747 bp in gnomAD but 133797422 bp in "
            "the called VCF") in output, output[-3000:]
    assert "/ref/gnomad.hg19.vcf.gz.tbi" in requested(log)
    assert not (tmp_path / "results/screen").exists()


def test_a_remote_aligner_index_folder_over_http_is_refused_with_the_reason(server, tmp_path):
    """An https:// folder cannot be listed: before, the message said the folder held no index."""
    url, root, _ = server
    (root / "bwa_index").mkdir(exist_ok=True)
    (root / "bwa_index/ref.amb").write_text("")
    result = run_nextflow(tmp_path, "-profile", "test", "-stub-run", "--bwa_index", f"{url}/bwa_index",
                          "--outdir", "results", check=False)
    assert result.returncode != 0
    assert f"{url}/bwa_index: no aligner index (<name>.amb) in this folder; a http:// folder cannot be listed" in (
        result.stdout + result.stderr)
