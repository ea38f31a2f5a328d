"""hlhscreen.startup / bin/check_inputs.py: every input file checked on the launch host before any task.

The catalogue of bad inputs with their messages is tests/test_bad_inputs.py; this module tests the
checker's behaviour (all problems at once, warnings, standard library only).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import BIN
from hlhscreen.startup import StartupInputs, check_inputs

REPO = Path(__file__).resolve().parents[1]
TEST = REPO / "assets/test_cohort"
PANEL = REPO / "panels/hlh"


def startup_inputs(**changes) -> StartupInputs:
    base = dict(fasta=TEST / "reference/hlh_windows.synthetic.fa", fasta_fai=TEST / "reference/hlh_windows.synthetic.fa.fai",
                reference_windows=TEST / "reference/windows.tsv", regions=PANEL / "regions.bed",
                targets=PANEL / "targets.bed", risk_factors=PANEL / "risk_factors.tsv",
                gnomad_vcf=TEST / "gnomad/gnomad_sites.derived.vcf.gz")
    base.update(changes)
    return StartupInputs(**base)


def test_the_test_profile_inputs_pass_with_two_warnings():
    report = check_inputs(startup_inputs())
    assert report.errors == []
    assert report.checked == ["reference", "panel regions", "panel targets", "risk-factor whitelist",
                              "--impacts/--consequences/--af_fields", "gnomAD sites VCF"]
    assert len(report.warnings) == 2
    assert report.warnings[0].startswith("17 of 21 panel genes cannot be (fully) called")
    assert "gnomAD has no records on chr6 (STX11); chr19 (STXBP2)" in report.warnings[1]


def test_independent_problems_are_all_reported(tmp_path):
    whitelist = tmp_path / "risk_factors.tsv"
    whitelist.write_text((PANEL / "risk_factors.tsv").read_text().replace("\tG\tA\t", "\tG\tZ\t", 1))
    report = check_inputs(startup_inputs(risk_factors=whitelist, impacts="HIGH,SEVERE"))
    fields = [err.field for err in report.errors]
    assert fields == ["alt", "--impacts"]


def test_a_panel_built_during_the_run_still_gets_the_gnomad_and_reference_checks():
    report = check_inputs(startup_inputs(regions=None, targets=None))
    assert report.errors == [] and "panel regions" not in report.checked and "gnomAD sites VCF" in report.checked


def test_a_fasta_without_index_is_scanned(tmp_path):
    fasta = tmp_path / "ref.fa"
    shutil.copy(TEST / "reference/hlh_windows.synthetic.fa", fasta)
    report = check_inputs(startup_inputs(fasta=fasta, fasta_fai=None))
    assert report.errors == [] and report.checked[0] == "reference"


def test_gnomad_is_optional_beside_a_vep_cache_so_missing_chromosomes_stay_warnings(tmp_path):
    report = check_inputs(startup_inputs(gnomad_required=False))
    assert "frequencies from the VEP cache only" in report.warnings[1]


def test_the_check_needs_only_the_standard_library():
    # the pipeline runs it with whatever python3 the launch host has: no pysam, cyvcf2, numpy
    system = shutil.which("python3", path="/usr/bin:/bin")
    if system is None:
        pytest.skip("no system python3 in /usr/bin or /bin")
    args = ["--fasta", str(TEST / "reference/hlh_windows.synthetic.fa"),
            "--reference-windows", str(TEST / "reference/windows.tsv"),
            "--regions", str(PANEL / "regions.bed"), "--targets", str(PANEL / "targets.bed"),
            "--risk-factors", str(PANEL / "risk_factors.tsv"),
            "--gnomad-vcf", str(TEST / "gnomad/gnomad_sites.derived.vcf.gz")]
    result = subprocess.run([system, "-S", str(BIN / "check_inputs.py"), *args], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("inputs OK: reference, panel regions")
    assert result.stderr.count("WARNING ") == 2


def test_the_samplesheet_check_needs_only_the_standard_library_too(tmp_path):
    system = shutil.which("python3", path="/usr/bin:/bin")
    if system is None:
        pytest.skip("no system python3 in /usr/bin or /bin")
    out = tmp_path / "lanes.json"
    result = subprocess.run([system, "-S", str(BIN / "check_samplesheet.py"), str(TEST / "samplesheet.csv"),
                             "--out", str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert out.read_text().startswith("[")
