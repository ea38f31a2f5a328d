"""`nextflow run . -profile test -stub-run` for the steps this machine cannot run for real.

bwa-mem2 and Ensembl VEP are not packaged by Debian; their modules render their command with one
function used by both the script and the stub, and the stub records it, so the exact command
lines are checked here without the tools. SPLIT_TARGETS does the same; it also runs for real, so its
record is compared with the command its real task ran.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest
import yaml
from nextflow_runner import run_nextflow

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
from nextflow_tasks import task_process_name  # noqa: E402

pytestmark = pytest.mark.pipeline


def stub_run(launch_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return run_nextflow(launch_dir, "-profile", "test", "-stub-run", "--outdir", "results", *args)


def recorded(launch_dir: Path, pattern: str) -> str:
    files = sorted((launch_dir / "work").rglob(pattern))
    assert files, f"no {pattern} recorded"
    return files[0].read_text()


def task_scripts(launch_dir: Path, process: str) -> List[str]:
    """The .command.sh of every task of ``process`` in a launch folder (named in its .command.run
    header: ``### name: 'HLHSCREEN:CALL_VARIANTS:SPLIT_TARGETS (targets.bed)'``)."""
    found = [task.joinpath(".command.sh").read_text() for task in sorted((launch_dir / "work").glob("*/*/"))
             if task_process_name(task) == process]
    assert found, f"no {process} task in {launch_dir}"
    return found


def test_stub_run_of_the_test_profile_as_is(tmp_path, test_profile_run):
    result = stub_run(tmp_path)
    assert "SCREEN" in result.stdout and "REPORT" in result.stdout and "MULTIQC" in result.stdout
    assert (tmp_path / "results/report/hlhscreen_report.html").exists()
    # SPLIT_TARGETS runs here for real too (the session's test-profile run): what its stub records is
    # the command line its script ran, with the same inputs
    stub_command = recorded(tmp_path, "split_targets.command.txt").strip()
    assert stub_command.startswith("split_bed.py ") and "--chunks 3 --samples 8 " in stub_command
    real_run, _ = test_profile_run  # other tests -resume it: same inputs, so the same (cached) task
    assert any(stub_command in script.splitlines() for script in task_scripts(real_run, "SPLIT_TARGETS"))


def test_auto_calling_chunks_and_no_execution_reports(tmp_path):
    # the default --calling_chunks (auto) gets the sample count from the samplesheet (8 samples)
    stub_run(tmp_path, "--calling_chunks", "auto", "--execution_reports", "false")
    assert "--chunks auto --samples 8 " in recorded(tmp_path, "split_targets.command.txt")
    info = {p.name.split("_20")[0] for p in (tmp_path / "results/pipeline_info").iterdir()}
    # trace, timeline and report off (their per-task metrics cost time); the rest of the provenance stays
    assert not info & {"execution_trace", "execution_timeline", "execution_report"}, info
    assert {"pipeline_dag", "params.json", "software_versions.yml"} <= info, info


def test_samplesheet_with_a_byte_order_mark_and_commas_in_fastq_paths(tmp_path):
    # the checked samplesheet used to be re-split on commas in Groovy, breaking FASTQC's command
    reads = REPO / "assets/test_cohort/reads"
    folder = tmp_path / "run 7, lane 1"
    folder.mkdir()
    for mate in ("R1", "R2"):
        (folder / f"case,02_{mate}.fastq.gz").symlink_to(reads / f"case_02_L001_{mate}.fastq.gz")
    sheet = tmp_path / "samplesheet.csv"
    sheet.write_bytes("\ufeffsample,group,fastq_1,fastq_2\n"
                      'case_02,case,"run 7, lane 1/case,02_R1.fastq.gz","run 7, lane 1/case,02_R2.fastq.gz"\n'
                      f"ctrl_01,control,{reads}/ctrl_01_L001_R1.fastq.gz,{reads}/ctrl_01_L001_R2.fastq.gz\n".encode())
    result = stub_run(tmp_path, "--input", str(sheet))
    assert "samplesheet OK: 2 samples (1 case, 1 control), 2 lanes" in result.stdout
    assert (tmp_path / "results/qc/fastqc/case_02/case,02_R1_fastqc.html").exists()
    assert (tmp_path / "results/qc/fastqc/case_02/case,02_R2_fastqc.zip").exists()


def test_stub_run_with_bwamem2_and_vep_gtf_mode(tmp_path):
    stub_run(tmp_path, "--aligner", "bwa-mem2", "--annotator", "vep")
    index = recorded(tmp_path, "bwamem2_index.command.txt")
    assert "bwa-mem2 index -p hlh_windows.synthetic hlh_windows.synthetic.fa" in index
    mem = recorded(tmp_path, "case_01.bwamem2.command.txt")
    assert "bwa-mem2 mem -K 100000000 -Y -t" in mem
    assert '-R "@RG\\tID:case_01\\tSM:case_01' in mem
    assert "case_01_R1.merged.fastq.gz case_01_R2.merged.fastq.gz" in mem  # two lanes merged first
    assert "| samtools sort" in mem
    assert "samtools stats --reference hlh_windows.synthetic.fa case_01.bam > case_01.stats" in mem
    vep = recorded(tmp_path, "cohort.vep.command.txt")
    assert "--gtf gene_models.gtf.gz" in vep and "--cache" not in vep
    assert "--fasta genome.fa.gz" in vep and "--hgvs" in vep and "--canonical" in vep and "--symbol" in vep
    assert "--custom file=gnomad_sites.derived.vcf.gz,short_name=gnomAD,format=vcf,type=exact,coords=0,fields=AF%AF_afr" in vep
    assert not list((tmp_path / "work").rglob("*.snpeff.vcf")), "the offline annotator must not run in vep mode"
    # no tool ran: the provenance says so (before, software_versions.yml listed ensemblvep 113.0 and
    # bwa-mem2 as if they had run, and nothing in pipeline_info told a stub run from a real one)
    versions = yaml.safe_load((tmp_path / "results/pipeline_info/software_versions.yml").read_text())
    assert "ensemblvep" in versions["ENSEMBLVEP_VEP"]
    assert versions["Workflow"]["stub_run"].startswith("true: -stub-run, no tool ran")


def test_a_vep_cache_of_another_release_stops_the_run_before_any_task(tmp_path):
    """VEP itself would stop only when it starts, after alignment and calling."""
    cache = tmp_path / "vep_cache"
    (cache / "homo_sapiens/112_GRCh38").mkdir(parents=True)
    (cache / "homo_sapiens/112_GRCh38/info.txt").write_text("species\thomo_sapiens\n")
    result = run_nextflow(tmp_path, "-profile", "test", "-stub-run", "--outdir", "results", "--annotator", "vep",
                          "--vep_cache", str(cache), check=False)
    assert result.returncode != 0
    assert "Input check failed; nothing was run." in result.stdout
    assert "--vep_cache: no VEP cache homo_sapiens/113_GRCh38 with its info.txt" in result.stdout
    assert "it holds homo_sapiens/112_GRCh38" in result.stdout
    assert not list((tmp_path / "work").glob("??/*")) if (tmp_path / "work").exists() else True


def test_stub_run_with_vep_cache_mode(tmp_path):
    cache = tmp_path / "vep_cache"
    (cache / "homo_sapiens/113_GRCh38").mkdir(parents=True)
    (cache / "homo_sapiens/113_GRCh38/info.txt").write_text("species\thomo_sapiens\nassembly\tGRCh38\n")
    # a non-default frequency setting: ANNOTATION_SUMMARY's check reads the fields SCREEN reads (before, it
    # was given neither option and read the default list)
    stub_run(tmp_path, "--annotator", "vep", "--vep_cache", str(cache),
             "--af_fields", "csq_gnomadg,INFO/MYAF", "--af_source", "popmax")
    vep = recorded(tmp_path, "cohort.vep.command.txt")
    for option in ("--offline --cache --dir_cache vep_cache", "--cache_version 113", "--species homo_sapiens",
                   "--assembly GRCh38", "--mane", "--check_existing", "--af_gnomade", "--af_gnomadg", "--hgvs"):
        assert option in vep, option
    assert "--gtf" not in vep
    check = recorded(tmp_path, "annotation_summary.command.txt")
    assert check.startswith("annotation_summary.py ") and "--annotator 'vep (offline cache)'" in check
    assert "--gnomad gnomad_sites.derived.vcf.gz" in check
    assert check.strip().endswith("--af-source 'popmax' --af-fields 'csq_gnomadg,INFO/MYAF'")


@pytest.mark.parametrize("cache_type", ["refseq", "merged"])
def test_stub_run_with_a_refseq_or_merged_vep_cache(tmp_path, cache_type):
    """Before, a homo_sapiens_refseq/_merged cache was refused at start and VEP never got --refseq/--merged."""
    cache = tmp_path / "vep_cache"
    (cache / f"homo_sapiens_{cache_type}/113_GRCh38").mkdir(parents=True)
    (cache / f"homo_sapiens_{cache_type}/113_GRCh38/info.txt").write_text("species\thomo_sapiens\nassembly\tGRCh38\n")
    stub_run(tmp_path, "--annotator", "vep", "--vep_cache", str(cache), "--vep_cache_type", cache_type)
    vep = recorded(tmp_path, "cohort.vep.command.txt")
    assert f"--offline --cache --{cache_type} --dir_cache vep_cache" in vep and "--species homo_sapiens " in vep
    assert ("--refseq" in vep) == (cache_type == "refseq") and ("--merged" in vep) == (cache_type == "merged")


def test_stub_run_with_vep_rest_mode(tmp_path):
    stub_run(tmp_path, "--annotator", "vep_rest", "--vep_rest_cache", str(tmp_path / "rest_cache"))
    script = next((tmp_path / "work").rglob(".command.sh"), None)
    assert script is not None
    assert any("vep_rest" in p.read_text() for p in (tmp_path / "work").rglob(".command.sh"))


def test_a_path_the_shell_would_read_as_a_pattern_is_refused_at_start(tmp_path):
    """Nextflow links each input into its task with an unquoted `ln -s <path>`, so [ ] * ? are a shell
    pattern there: --reference_windows win[1]/windows.tsv beside a win1/windows.tsv staged win1's file
    into every step that reads it (reference, lift, sex check), without a word. Such a local path, a
    parameter's or a samplesheet FASTQ's, is refused at start; a missing one is still named missing."""
    windows = (REPO / "assets/test_cohort/reference/windows.tsv").read_text()
    for name in ("win[1]", "win1"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "windows.tsv").write_text(windows)
    failed = run_nextflow(tmp_path, "-profile", "test", "-stub-run", "--outdir", "results", check=False,
                          *["--reference_windows", str(tmp_path / "win[1]" / "windows.tsv"),
                            "--risk_factors", str(tmp_path / "win[1]" / "absent*.tsv")])
    assert failed.returncode != 0
    out = failed.stdout + failed.stderr
    assert "--reference_windows: " + str(tmp_path / "win[1]" / "windows.tsv") + ": holds one of * ? [ ] { }" in out
    assert "win[1]/absent*.tsv does not exist" in out
    assert not list((tmp_path / "work").glob("*/*/")) if (tmp_path / "work").exists() else True

    reads = REPO / "assets/test_cohort/reads"
    (tmp_path / "reads[1]").mkdir()
    sheet = (REPO / "assets/test_cohort/samplesheet.csv").read_text().splitlines()
    for name in {field for line in sheet[1:] for field in line.split(",")[3:]}:
        os.symlink(reads / Path(name).name, tmp_path / "reads[1]" / Path(name).name)
    rows = [sheet[0]] + [line.replace("reads/", str(tmp_path / "reads[1]") + "/") for line in sheet[1:]]
    (tmp_path / "samples.csv").write_text("\n".join(rows) + "\n")
    failed = run_nextflow(tmp_path, "-profile", "test", "-stub-run", "--outdir", "results", "--input",
                          str(tmp_path / "samples.csv"), check=False)
    assert failed.returncode != 0
    out = failed.stdout + failed.stderr
    assert "samples.csv:2: fastq_1: " + str(tmp_path / "reads[1]") in out and "holds one of * ? [ ] { }" in out
