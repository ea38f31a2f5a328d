"""hlhscreen.startup / bin/check_inputs.py: every input file checked on the launch host before any task.

The catalogue of bad inputs with their messages is tests/test_bad_inputs.py; this module tests the
checker's behaviour (all problems at once, warnings, standard library only).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BIN
from hlhscreen.startup import StartupInputs, check_inputs

REPO = Path(__file__).resolve().parents[1]
TEST = REPO / "assets/test_cohort"
PANEL = REPO / "panels/hlh"
CLINVAR = TEST / "clinvar/clinvar.derived.vcf.gz"


def startup_inputs(**changes) -> StartupInputs:
    base = dict(fasta=TEST / "reference/hlh_windows.synthetic.fa", fasta_fai=TEST / "reference/hlh_windows.synthetic.fa.fai",
                reference_windows=TEST / "reference/windows.tsv", regions=PANEL / "regions.bed",
                targets=PANEL / "targets.bed", risk_factors=PANEL / "risk_factors.tsv",
                gnomad_vcf=TEST / "gnomad/gnomad_sites.derived.vcf.gz", clinvar_vcf=CLINVAR)
    base.update(changes)
    return StartupInputs(**base)


def test_the_test_profile_inputs_pass_with_four_warnings():
    report = check_inputs(startup_inputs())
    assert report.errors == []
    assert report.checked == ["reference", "FASTA index", "FASTA line ends", "panel regions", "panel targets", "risk-factor whitelist",
                              "--impacts/--consequences/--af_fields", "gnomAD sites VCF", "ClinVar VCF"]
    assert len(report.warnings) == 4
    assert report.warnings[0].startswith("16 of 21 panel genes cannot be (fully) called")
    assert "gnomAD has no records on chr6 (STX11); chr19 (STXBP2); chrX (SH2D1A)" in report.warnings[1]
    # SCREEN writes af_status not_looked_up there (0e9eeb1): the warning said they "count as novel"
    assert "'not_looked_up', not 'novel'" in report.warnings[1] and "count as novel" not in report.warnings[1]
    # the derived test file: said to be no NCBI release, and cut to chr10 (PRF1)
    assert "not ClinVar: not an NCBI ClinVar release" in report.warnings[2]
    assert ("the ClinVar file has no records on chr6 (STX11); chr17 (UNC13D); chr19 (STXBP2); chrX (SH2D1A)"
            in report.warnings[3]) and "'not_looked_up'" in report.warnings[3]


def test_ncbi_clinvar_contigs_without_chr_are_mapped_not_refused(tmp_path):
    """NCBI writes 10, X (no chr, no ##contig lines); the reference says chr10: mapped, no error."""
    import pysam

    text = pysam.BGZFile(str(CLINVAR)).read().decode().replace(
        "##source=hlhscreen", "##source=ClinVar\n##comment=hlhscreen", 1)
    plain = tmp_path / "clinvar.vcf"
    plain.write_text(text)
    ncbi_like = pysam.tabix_index(str(plain), preset="vcf", force=True)
    report = check_inputs(startup_inputs(clinvar_vcf=ncbi_like))
    assert report.errors == [] and "ClinVar VCF" in report.checked
    assert not any("not an NCBI ClinVar release" in warning for warning in report.warnings)


def test_a_clinvar_of_other_chromosomes_or_builds_is_refused(tmp_path):
    import pysam

    header = pysam.BGZFile(str(CLINVAR)).read().decode().split("#CHROM")[0]
    text = (header + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
            "2\t1000\t1\tA\tG\t.\t.\tCLNSIG=Benign;CLNREVSTAT=practice_guideline\n")
    plain = tmp_path / "other.vcf"
    plain.write_text(text)
    other = pysam.tabix_index(str(plain), preset="vcf", force=True)
    report = check_inputs(startup_inputs(clinvar_vcf=other))
    assert [err.field for err in report.errors] == ["--clinvar_vcf"]
    assert "records on none of the panel's chromosomes" in str(report.errors[0]) and "(its contigs: 2)" in str(report.errors[0])
    plain37 = tmp_path / "grch37.vcf"
    plain37.write_text(text.replace("##reference=GRCh38", "##reference=GRCh37"))
    report = check_inputs(startup_inputs(clinvar_vcf=pysam.tabix_index(str(plain37), preset="vcf", force=True)))
    assert "is for reference 'GRCh37', not GRCh38" in str(report.errors[0])


def test_independent_problems_are_all_reported(tmp_path):
    whitelist = tmp_path / "risk_factors.tsv"
    whitelist.write_text((PANEL / "risk_factors.tsv").read_text().replace("\tG\tA\t", "\tG\tZ\t", 1))
    report = check_inputs(startup_inputs(risk_factors=whitelist, impacts="HIGH,SEVERE"))
    fields = [err.field for err in report.errors]
    assert fields == ["alt", "--impacts"]


def test_a_panel_built_during_the_run_still_gets_the_gnomad_and_reference_checks():
    report = check_inputs(startup_inputs(regions=None, targets=None))
    assert report.errors == [] and "panel regions" not in report.checked and "gnomAD sites VCF" in report.checked


def test_a_clinvar_gap_before_the_panel_is_built_does_not_claim_panel_genes_lie_there():
    # --genes PRF1,UNC13D: the panel is built by the run, so the start knows only the reference's contigs;
    # before, the warning said chr6, chr19 and chrX were "where panel genes lie" (none of these genes did)
    report = check_inputs(startup_inputs(regions=None, targets=None))
    gap = [w for w in report.warnings if "the ClinVar file has no records on" in w]
    assert len(gap) == 1 and "where panel genes lie" not in gap[0]
    assert "no records on the reference contigs chr6; chr17; chr19; chrX" in gap[0]
    assert "the panel is built by this run (--genes), so which of them hold its genes is not known yet" in gap[0]
    assert "'not_looked_up'" in gap[0]


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
            "--gnomad-vcf", str(TEST / "gnomad/gnomad_sites.derived.vcf.gz"), "--clinvar-vcf", str(CLINVAR)]
    result = subprocess.run([system, "-S", str(BIN / "check_inputs.py"), *args], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("inputs OK: reference, FASTA index, FASTA line ends, panel regions")
    assert result.stderr.count("WARNING ") == 4 and "ClinVar VCF" in result.stdout


def test_the_samplesheet_check_needs_only_the_standard_library_too(tmp_path):
    system = shutil.which("python3", path="/usr/bin:/bin")
    if system is None:
        pytest.skip("no system python3 in /usr/bin or /bin")
    out = tmp_path / "lanes.json"
    result = subprocess.run([system, "-S", str(BIN / "check_samplesheet.py"), str(TEST / "samplesheet.csv"),
                             "--out", str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert out.read_text().startswith("[")


# --vep_cache: VEP reads <cache>/<species>/<version>_<assembly>/; before, a wrong folder stopped the run
# only when VEP started, after alignment and calling.

def vep_cache(root: Path, *versions: str) -> Path:
    for version in versions:
        (root / version).mkdir(parents=True)
        (root / version / "info.txt").write_text("species\thomo_sapiens\n")
    return root


def vep_errors(cache: Path, **settings) -> list:
    from hlhscreen.startup import check_vep_cache

    try:
        check_vep_cache(cache, settings.get("species", "homo_sapiens"), settings.get("version", "113"),
                        settings.get("assembly", "GRCh38"), settings.get("cache_type", "ensembl"))
    except Exception as err:  # noqa: BLE001 - the message is what is tested
        return [str(err)]
    return []


def test_a_vep_cache_of_the_release_and_assembly_asked_for_is_accepted(tmp_path):
    assert vep_errors(vep_cache(tmp_path / "vep", "homo_sapiens/113_GRCh38")) == []
    assert vep_errors(vep_cache(tmp_path / "vep2", "homo_sapiens_refseq/113_GRCh38"), species="homo_sapiens_refseq") == []


def test_a_vep_cache_of_another_release_assembly_or_flavour_is_named_with_what_it_holds(tmp_path):
    cache = vep_cache(tmp_path / "vep", "homo_sapiens/112_GRCh38", "homo_sapiens_merged/113_GRCh38",
                      "homo_sapiens/113_GRCh37")
    errors = vep_errors(cache)
    assert errors == [f"ERROR {cache}: --vep_cache: no VEP cache homo_sapiens/113_GRCh38 with its info.txt "
                      "(--vep_species homo_sapiens, --vep_cache_type ensembl, --vep_cache_version 113, --vep_assembly GRCh38); it holds "
                      "homo_sapiens/112_GRCh38, homo_sapiens/113_GRCh37, homo_sapiens_merged/113_GRCh38. This folder "
                      "holds VEP's merged cache for this release: run with --vep_cache_type merged (VEP --merged)."]


def test_a_refseq_or_merged_cache_is_read_with_its_cache_type(tmp_path):
    """Before, --vep_cache always meant <species>/ (the Ensembl cache): a RefSeq or merged cache was refused."""
    refseq = vep_cache(tmp_path / "refseq", "homo_sapiens_refseq/113_GRCh38")
    merged = vep_cache(tmp_path / "merged", "homo_sapiens_merged/113_GRCh38")
    assert vep_errors(refseq, cache_type="refseq") == []
    assert vep_errors(merged, cache_type="merged") == []


def test_a_cache_of_another_flavour_names_the_cache_type_that_reads_it(tmp_path):
    refseq = vep_cache(tmp_path / "refseq", "homo_sapiens_refseq/113_GRCh38")
    ensembl = vep_cache(tmp_path / "ensembl", "homo_sapiens/113_GRCh38")
    wrong = vep_errors(refseq, cache_type="merged")[0]
    assert "no VEP cache homo_sapiens_merged/113_GRCh38 with its info.txt" in wrong
    assert "--vep_cache_type merged" in wrong and "run with --vep_cache_type refseq (VEP --refseq)" in wrong
    assert "run with --vep_cache_type refseq" in vep_errors(refseq)[0]
    assert "run with --vep_cache_type ensembl." in vep_errors(ensembl, cache_type="refseq")[0]
    # a RefSeq cache of another release only: the release is what to change, not the flavour
    other = vep_errors(vep_cache(tmp_path / "old", "homo_sapiens_refseq/112_GRCh38"), cache_type="refseq")[0]
    assert "it holds homo_sapiens_refseq/112_GRCh38" in other and "run with" not in other


def test_a_species_naming_the_flavour_with_a_cache_type_is_refused(tmp_path):
    """VEP appends _refseq to --species with --refseq: homo_sapiens_refseq would be read as
    homo_sapiens_refseq_refseq/, which no cache has (the check used to accept it)."""
    refseq = vep_cache(tmp_path / "refseq", "homo_sapiens_refseq/113_GRCh38")
    error = vep_errors(refseq, species="homo_sapiens_refseq", cache_type="refseq")[0]
    assert "--vep_species: 'homo_sapiens_refseq' already names a cache flavour" in error
    assert "would read the folder homo_sapiens_refseq_refseq/" in error
    assert "Give --vep_species homo_sapiens with --vep_cache_type refseq" in error


def test_an_unknown_cache_type_is_refused():
    from hlhscreen.startup import vep_cache_species_folder

    with pytest.raises(Exception, match="--vep_cache_type: 'gencode' is not a VEP cache type"):
        vep_cache_species_folder("homo_sapiens", "gencode")


def test_a_vep_cache_given_one_level_too_deep_or_empty_is_named(tmp_path):
    cache = vep_cache(tmp_path / "vep", "homo_sapiens/113_GRCh38")
    assert "looks like a folder inside the cache: give the folder that holds homo_sapiens/" in vep_errors(cache / "homo_sapiens")[0]
    (tmp_path / "empty").mkdir()
    assert "it holds no <species>/<version>_<assembly> folder" in vep_errors(tmp_path / "empty")[0]
    half = tmp_path / "half/homo_sapiens/113_GRCh38"
    half.mkdir(parents=True)  # unpacking stopped before info.txt
    assert "no VEP cache homo_sapiens/113_GRCh38 with its info.txt" in vep_errors(tmp_path / "half")[0]


def test_check_inputs_cli_checks_the_vep_cache(tmp_path):
    (tmp_path / "vep").mkdir()
    result = subprocess.run(["python3", str(BIN / "check_inputs.py"), "--vep-cache", str(tmp_path / "vep"),
                             "--vep-cache-version", "112"], capture_output=True, text=True)
    assert result.returncode == 2 and "--vep_cache: no VEP cache homo_sapiens/112_GRCh38" in result.stderr
    vep_cache(tmp_path / "refseq", "homo_sapiens_refseq/113_GRCh38")
    result = subprocess.run(["python3", str(BIN / "check_inputs.py"), "--vep-cache", str(tmp_path / "refseq"),
                             "--vep-cache-type", "refseq"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def text_ordered_panel(tmp_path: Path) -> dict:
    """The HLH panel's regions and targets sorted as `sort -k1,1 -k2,2n` leaves them (chr10 before chr6)."""
    beds = {}
    for name in ("regions", "targets"):
        lines = (PANEL / f"{name}.bed").read_text().splitlines(keepends=True)
        beds[name] = tmp_path / f"{name}.bed"
        beds[name].write_text("".join(sorted(lines, key=lambda line: (line.split("\t")[0], int(line.split("\t")[1])))))
    return beds


def test_the_gnomad_and_clinvar_gaps_are_named_in_natural_order_whatever_the_panel_order(tmp_path):
    report = check_inputs(startup_inputs(**text_ordered_panel(tmp_path)))
    assert report.errors == []
    assert "gnomAD has no records on chr6 (STX11); chr19 (STXBP2); chrX (SH2D1A)" in report.warnings[1]
    assert "the ClinVar file has no records on chr6 (STX11); chr17 (UNC13D); chr19 (STXBP2); chrX (SH2D1A)" \
        in report.warnings[3]


def test_gnomad_contigs_without_chr_are_refused_with_the_renames_in_natural_order(tmp_path):
    import pysam

    text = pysam.BGZFile(str(TEST / "gnomad/gnomad_sites.derived.vcf.gz")).read().decode()
    text = text.replace("ID=chr", "ID=").replace("\nchr", "\n") + "6\t144150000\t.\tA\tG\t.\tPASS\tAF=0.001;AN=100\n"
    plain = tmp_path / "gnomad.vcf"
    plain.write_text(text)
    report = check_inputs(startup_inputs(gnomad_vcf=pysam.tabix_index(str(plain), preset="vcf", force=True)))
    message = str(report.errors[0])
    assert "differently from the reference: 6 (reference: chr6), 10 (reference: chr10), 17 (reference: chr17);" in message
    assert "printf '6\\tchr6\\n10\\tchr10\\n17\\tchr17\\n'" in message


def test_a_clinvar_of_other_chromosomes_names_both_lists_in_natural_order(tmp_path):
    import pysam

    header = pysam.BGZFile(str(CLINVAR)).read().decode().split("#CHROM")[0]
    records = "".join(f"{chrom}\t1000\t1\tA\tG\t.\t.\tCLNSIG=Benign;CLNREVSTAT=practice_guideline\n"
                      for chrom in ("11", "2", "3"))  # text order, as `sort -k1,1` leaves a file
    plain = tmp_path / "other.vcf"
    plain.write_text(header + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" + records)
    other = pysam.tabix_index(str(plain), preset="vcf", force=True)
    report = check_inputs(startup_inputs(clinvar_vcf=other, **text_ordered_panel(tmp_path)))
    assert "panel's chromosomes (chr6, chr10, chr17, chr19, chrX)" in str(report.errors[0])
    assert "(its contigs: 2, 3, 11)" in str(report.errors[0])


@pytest.mark.parametrize("option, value", [("--af-source", "bogus"), ("--af-source", ""), ("--af-source", "null"),
                                           ("--af-fields", "gnomad_exomes"), ("--af-fields", ""),
                                           ("--af-fields", "null"), ("--af-fields", "csq_gnomade,csq_gnomade")])
def test_a_bad_frequency_setting_is_refused_at_start_in_the_words_of_the_steps(tmp_path, option, value):
    """check_inputs.py, ANNOTATION_SUMMARY and SCREEN take --af-source/--af-fields from one definition
    (frequency.add_frequency_arguments) and check them with frequency_setting: the start names a bad value as the
    steps would. Before, SCREEN's argparse refused a bad --af-source in its own words ('invalid choice'), and
    check_inputs.py had options of its own. 'null' is what the steps get from an empty value in a -params-file."""
    vcf = tmp_path / "x.vcf"
    runs = {"check_inputs.py": [option, value],
            "screen_variants.py": ["--vcf", str(vcf), "--regions", str(vcf), "--risk-factors", str(vcf),
                                   "--samplesheet", str(vcf), "--outdir", str(tmp_path / "out"), option, value],
            "annotation_summary.py": [str(vcf), "--annotator", "offline", "--out", str(tmp_path / "a.tsv"), option, value]}
    errors = {}
    for script, args in runs.items():
        result = subprocess.run([sys.executable, str(BIN / script), *args], capture_output=True, text=True)
        assert result.returncode == 2, (script, result.stderr)
        errors[script] = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
    assert errors["check_inputs.py"] == errors["screen_variants.py"] == errors["annotation_summary.py"]
    assert len(errors["check_inputs.py"]) == 1 and f": {option}: " in errors["check_inputs.py"][0]
    assert not (tmp_path / "out").exists() and not (tmp_path / "a.tsv").exists()
