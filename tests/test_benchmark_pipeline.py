"""The pipeline benchmark's own parts (scripts/benchmark_pipeline.py, scripts/benchmark/): cohort
layout, trace totals, and that the bare measuring stick still runs the modules' tool settings."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "scripts" / "benchmark"))

import benchmark_pipeline  # noqa: E402
import cohort  # noqa: E402
import freebayes_scaling  # noqa: E402
import nextflow_tasks  # noqa: E402

BARE = (REPO / "scripts" / "benchmark" / "bare_pipeline.sh").read_text()
MODULES_CONFIG = (REPO / "conf" / "modules.config").read_text()


def ext_args(process: str) -> str:
    block = MODULES_CONFIG[MODULES_CONFIG.index(f"withName: '{process}'"):]
    return re.search(r"ext\.args\s*=\s*'([^']*)'", block).group(1)


def test_cohort_halves_and_design_templates():
    rows = cohort.templates(48)
    assert len(rows) == 48 and len({s for s, _, _ in rows}) == 48
    assert sum(g == "case" for _, g, _ in rows) == 24
    # cases copy design cases, controls design controls, in turn
    assert all(t.startswith("case") == (g == "case") for _, g, t in rows)
    assert [t for _, _, t in rows[:5]] == ["case_01", "case_02", "case_03", "case_04", "case_01"]
    # case_01 is the two-lane template: 6 of 48 samples have two lanes -> 54 lanes
    assert sum(cohort._lanes(t) for _, _, t in rows) == 54


def test_odd_cohort_gives_the_extra_sample_to_controls():
    rows = cohort.templates(5)
    assert [g for _, g, _ in rows] == ["case", "case", "control", "control", "control"]


def test_process_totals_from_a_raw_trace(tmp_path):
    trace = tmp_path / "trace.tsv"
    trace.write_text(
        "task_id\tprocess\ttag\tstatus\texit\tcpus\trealtime\t%cpu\tpeak_rss\n"
        "1\tHLHSCREEN:FASTQC\ta\tCOMPLETED\t0\t1\t2000\t150.0\t104857600\n"
        "2\tHLHSCREEN:FASTQC\tb\tCOMPLETED\t0\t1\t1000\t50.0\t209715200\n"
        "3\tHLHSCREEN:ALIGN:BWA_MEM\ta\tCOMPLETED\t0\t1\t500\t-\t-\n")
    totals = benchmark_pipeline.process_totals(trace)
    assert totals["FASTQC"].tasks == 2
    assert totals["FASTQC"].realtime_s == 3.0
    assert totals["FASTQC"].cpu_s == 3.0 + 0.5
    assert totals["FASTQC"].peak_rss_mb == 200.0
    assert totals["BWA_MEM"].cpu_s == 0.0


def test_folder_totals_from_task_folders_without_a_trace(tmp_path):
    def task(folder: str, name: str, begin: float, end: float, finished: bool = True) -> None:
        path = tmp_path / "work" / folder
        path.mkdir(parents=True)
        (path / ".command.run").write_text(f"#!/bin/bash\n### ---\n### name: '{name}'\n### ...\n")
        (path / ".command.begin").touch()
        os.utime(path / ".command.begin", (begin, begin))
        if finished:
            (path / ".exitcode").write_text("0")
            os.utime(path / ".exitcode", (end, end))

    task("ab/0001", "HLHSCREEN:FASTQC (case_01)", 1000.0, 1004.5)
    task("ab/0002", "HLHSCREEN:FASTQC (ctrl_01)", 1000.0, 1002.0)
    task("cd/0003", "HLHSCREEN:ALIGN:BWA_MEM (case_01)", 1005.0, 1006.0)
    task("cd/0004", "HLHSCREEN:ALIGN:BWA_MEM (ctrl_01)", 1005.0, 0.0, finished=False)  # never ended: left out
    totals = benchmark_pipeline.folder_totals(tmp_path / "work")
    assert set(totals) == {"FASTQC", "BWA_MEM"}
    assert (totals["FASTQC"].tasks, totals["FASTQC"].realtime_s) == (2, 6.5)
    assert (totals["BWA_MEM"].tasks, totals["BWA_MEM"].realtime_s) == (1, 1.0)
    assert totals["FASTQC"].cpu_s == 0.0 and totals["FASTQC"].peak_rss_mb == 0.0


def test_task_process_name_from_the_wrapper_header(tmp_path):
    def task(folder: str, header: str) -> Path:
        path = tmp_path / folder
        path.mkdir()
        (path / ".command.run").write_text(f"#!/bin/bash\n### ---\n{header}\n### ---\nset -e\n")
        return path

    assert nextflow_tasks.task_process_name(task("a", "### name: 'HLHSCREEN:CALL_VARIANTS:SPLIT_TARGETS (targets.bed)'")) == "SPLIT_TARGETS"
    assert nextflow_tasks.task_process_name(task("b", "### name: 'MULTIQC'")) == "MULTIQC"
    assert nextflow_tasks.task_process_name(task("c", "### cpus: 1")) is None
    (tmp_path / "d").mkdir()
    assert nextflow_tasks.task_process_name(tmp_path / "d") is None  # no wrapper


def test_bare_script_uses_the_modules_tool_settings():
    for process in ("FREEBAYES", "MOSDEPTH"):
        assert ext_args(process) in BARE, process
    assert shlex.split(ext_args("FREEBAYES")) == freebayes_scaling.FREEBAYES_ARGS
    assert f"bwa mem {ext_args('BWA_MEM|BWAMEM2_MEM')} " in BARE
    assert "snpEff" in BARE and "-hgvs" in BARE


# the modules the test profile runs (offline annotation, windows reference, bwa); a step added to
# them must be added to the measuring stick too, or the comparison measures less work than the pipeline
TEST_PROFILE_MODULES = ["check_fastq", "fastqc", "panel_to_reference", "bwa_index", "genome_fasta", "snpeff_build",
                        "bwa_mem", "mosdepth", "sex_check", "qc_summary", "split_targets", "freebayes",
                        "bcftools_norm", "lift_to_genome", "snpeff_ann", "gnomad_annotate", "clinvar_annotate",
                        "annotation_summary", "screen", "cohort_stats", "report", "multiqc"]


def script_block(module: str) -> str:
    text = (REPO / "modules" / "local" / module / "main.nf").read_text()
    block = text[text.index("script:"):text.index("stub:")]
    return "\n".join(line for line in block.splitlines() if not line.strip().startswith("//"))  # code, not comments


def test_bare_script_runs_every_tool_of_the_test_profile_modules():
    for module in TEST_PROFILE_MODULES:
        script = script_block(module)
        tools = set(re.findall(r"\b([a-z_]+\.py)\b", script))
        tools |= {t for t in ("fastqc", "bwa mem", "samtools stats", "mosdepth", "freebayes", "snpEff",
                              "multiqc", "bcftools norm", "bcftools annotate", "bcftools concat") if t in script}
        tools.discard("tool_versions.py")  # versions are not collected by the stick
        missing = {t for t in tools if t not in BARE}
        assert not missing, f"{module}: {missing} not in scripts/benchmark/bare_pipeline.sh"


def test_bare_script_calls_with_the_ploidy_map_and_the_module_norm_steps():
    assert "--cnv-map" in BARE  # males haploid on chrX, as FREEBAYES
    norm = script_block("bcftools_norm")
    for step in ("decompose_complex_alleles.py --decomposed decomposed.txt",
                 "--atomize --atom-overlaps '*'", "norm -m -any", "view -e 'ALT=\"*\"'", "merge_duplicate_alleles.py"):
        assert step in norm and step in BARE, step


def test_cohort_tools_scaling_replicates_every_per_sample_table(tmp_path):
    import cohort_tools_scaling
    run = tmp_path / "run"
    (run / "screen").mkdir(parents=True)
    (run / "qc").mkdir()
    (run / "qc" / "sample_qc.tsv").write_text("sample\tgroup\tqc_flag\na\tcase\tpass\nb\tcontrol\tpass\n")
    (run / "qc" / "sex.tsv").write_text("sample\tgroup\tsex\na\tcase\tmale\nb\tcontrol\tfemale\n")
    (run / "screen" / "carriers.tsv").write_text("sample\tgroup\tvariant_id\tstate\n"
                                                 "a\tcase\tv1\thet\nb\tcontrol\tv1\tref\n")
    (run / "screen" / "gene_status.tsv").write_text("sample\tgroup\tgene\tstatus\na\tcase\tPRF1\tmonoallelic\n"
                                                    "b\tcontrol\tPRF1\tnone\n")
    made = cohort_tools_scaling.replicate(run, 5, tmp_path / "out")
    assert made == 5
    samples = (tmp_path / "out" / "samples.csv").read_text().splitlines()
    assert samples == ["sample,group,sex", "a_r0,case,male", "b_r0,control,female", "a_r1,case,male",
                       "b_r1,control,female", "a_r2,case,male"]
    carriers = (tmp_path / "out" / "carriers.tsv").read_text().splitlines()
    assert len(carriers) == 6 and carriers[5] == "a_r2\tcase\tv1\thet"


def test_synthetic_screen_outputs_feed_cohort_stats_and_the_report(tmp_path):
    """scripts/benchmark/screen_outputs.py: SCREEN's own tables of a synthetic VCF of N samples, with the QC,
    sex, callability and provenance files around them, are accepted by COHORT_STATS and REPORT as a run's."""
    import cohort_tools_scaling
    import screen_outputs
    paths = screen_outputs.build(12, 80, tmp_path / "tables")
    assert screen_outputs.kept_variants(paths["variants"]) > 0
    samples = paths["samples"].read_text().splitlines()
    assert samples[0] == "sample,group" and len(samples) == 13
    assert all(path.exists() for path in paths.values())
    stats, report = cohort_tools_scaling.commands(paths, tmp_path / "work")
    for cmd in (stats, report):
        assert cohort_tools_scaling.measured(cmd, tmp_path / "log.txt")[3] == 0, (tmp_path / "log.txt").read_text()
    assert (tmp_path / "work" / "report" / "hlhscreen_report.html").exists()
    assert screen_outputs.build(12, 80, tmp_path / "tables") == paths  # made once, then reused


def test_multiqc_scaling_renames_each_sample_everywhere(tmp_path):
    import zipfile

    import multiqc_scaling
    task = tmp_path / "task"
    for slot, name in enumerate(["a_L001_R1_fastqc.zip", "a.stats", "a.mosdepth.summary.txt", "sample_qc_mqc.tsv",
                                 "screen_summary_mqc.tsv"], start=1):
        (task / str(slot)).mkdir(parents=True)
    with zipfile.ZipFile(task / "1" / "a_L001_R1_fastqc.zip", "w") as zout:
        zout.writestr("a_L001_R1_fastqc/fastqc_data.txt", "##FastQC\t0.11.9\nFilename\ta_L001_R1.fastq.gz\n")
    (task / "2" / "a.stats").write_text("# stats a.bam\nSN\traw total sequences:\t10\n")
    (task / "3" / "a.mosdepth.summary.txt").write_text("chrom\tmean\ntotal_region\t30\n")
    (task / "4" / "sample_qc_mqc.tsv").write_text("# id: 'x'\nsample\tgroup\na\tcase\n")
    (task / "5" / "screen_summary_mqc.tsv").write_text("category\tvariants\nkept\t3\n")
    assert multiqc_scaling.build(task, 3, tmp_path / "out") == 3
    names = sorted(path.name for path in (tmp_path / "out").glob("*/*"))
    assert names == sorted(["a_r0_L001_R1_fastqc.zip", "a_r1_L001_R1_fastqc.zip", "a_r2_L001_R1_fastqc.zip",
                            "a_r0.stats", "a_r1.stats", "a_r2.stats", "a_r0.mosdepth.summary.txt",
                            "a_r1.mosdepth.summary.txt", "a_r2.mosdepth.summary.txt", "sample_qc_mqc.tsv",
                            "screen_summary_mqc.tsv"])
    zipped = next((tmp_path / "out").glob("*/a_r2_L001_R1_fastqc.zip"))
    with zipfile.ZipFile(zipped) as zin:
        assert zin.read("a_r2_L001_R1_fastqc/fastqc_data.txt").decode().endswith("Filename\ta_r2_L001_R1.fastq.gz\n")
    table = next((tmp_path / "out").glob("*/sample_qc_mqc.tsv")).read_text()
    assert table == "# id: 'x'\nsample\tgroup\na_r0\tcase\na_r1\tcase\na_r2\tcase\n"


@pytest.mark.skipif(shutil.which("multiqc") is None, reason="MultiQC not installed")
def test_multiqc_keeps_the_sample_qc_table_of_a_large_cohort(tmp_path):
    """MultiQC draws a table of more than 500 rows as a beeswarm plot by default, which drops the qc_flag text:
    the pipeline's config keeps 600 samples' QC table a table."""
    rows = "".join(f"s{i:04d}\tcase\t{30 + i % 7}.5\t{'pass' if i % 9 else 'mean_depth<20'}\n" for i in range(600))
    (tmp_path / "sample_qc_mqc.tsv").write_text("# id: 'hlhscreen_sample_qc'\n# plot_type: 'table'\n"
                                                "sample\tgroup\tmean_panel_depth\tqc_flag\n" + rows)
    done = subprocess.run(["multiqc", "--force", "--config", str(REPO / "assets" / "multiqc_config.yml"),
                           "-o", str(tmp_path / "out"), str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    log = (tmp_path / "out" / "multiqc_data" / "multiqc.log").read_text()
    assert "hlhscreen_sample_qc: Found 600 samples (table)" in log
    assert "beeswarm instead of table" not in log
    page = (tmp_path / "out" / "multiqc_report.html").read_text()
    assert page.count("mean_depth<20</span>") == sum(1 for i in range(600) if i % 9 == 0)  # every flag in a cell


def report_module_options() -> set:
    """The make_report.py options REPORT's module gives (modules/local/report/main.nf's script)."""
    script = (REPO / "modules/local/report/main.nf").read_text().split("script:", 1)[1].split("stub:", 1)[0]
    command = script.split("make_report.py", 1)[1].split("cat <<-END_VERSIONS", 1)[0]
    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", command))


def test_benchmarks_time_the_report_with_every_input_the_module_gives(tmp_path):
    """REPORT's timing in the benchmarks ran make_report.py without --frequency-check, --risk-factors, --regions
    and --reference-notes (the whitelist pass over variants.tsv was skipped): each benchmark's command now has
    every option of the module's, so a new REPORT input cannot be left out of the timing unnoticed."""
    import cohort_tools_scaling
    import screen_outputs
    wanted = report_module_options()
    assert {"--frequency-check", "--risk-factors", "--regions", "--reference-notes", "--qc"} <= wanted
    paths = screen_outputs.build(12, 80, tmp_path / "tables")
    _, report = cohort_tools_scaling.commands(paths, tmp_path / "work")
    assert wanted - set(report) == set()  # (test_synthetic_screen_outputs_feed_... runs it)
    bare = (REPO / "scripts/benchmark/bare_pipeline.sh").read_text()
    bare_report = bare.split("\nmake_report.py", 1)[1].split("> /dev/null", 1)[0]
    assert wanted - set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", bare_report)) == set()
