"""GRCh38 references with ALT contigs (UCSC hg38.fa, GATK's Homo_sapiens_assembly38.fasta, hs38DH).

bwa mem / bwa-mem2 are ALT-aware only with ``<index prefix>.alt``: without it a read at a locus with an
ALT haplotype gets MAPQ 0 and is ignored by the caller and the coverage. The start-up check warns when
the reference has ``*_alt`` contigs and no ALT file is where the aligner reads it; the pipeline copies an
ALT file found beside the FASTA into the index it builds (tests/test_stub_run.py for the modules).
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

from conftest import BIN
from hlhscreen.reference_checks import alt_contigs, alt_warning, read_alt_names
from hlhscreen.startup import StartupInputs, check_inputs

ALT = "chr1_KI270706v1_alt"


def synthetic_reference(folder: Path, seed: int = 7) -> Path:
    """A SYNTHETIC primary contig (6 kb of random bases) and an ALT contig that copies 3 kb of it with
    three SNVs near its ends (as an ALT haplotype differs from the primary assembly), plus a decoy and
    an HLA contig, which are not ALTs. Indexed with samtools faidx."""
    rng = random.Random(seed)
    primary = "".join(rng.choice("ACGT") for _ in range(6000))
    alt = list(primary[1000:4000])
    for pos in (50, 100, 2950):
        alt[pos] = "A" if alt[pos] != "A" else "C"
    decoy = "".join(rng.choice("ACGT") for _ in range(500))
    hla = "".join(rng.choice("ACGT") for _ in range(500))
    fasta = folder / "ref.fa"
    fasta.write_text("".join(f">{name}\n" + "".join(seq[i:i + 60] + "\n" for i in range(0, len(seq), 60))
                             for name, seq in (("chr1", primary), (ALT, "".join(alt)),
                                               ("chrUn_JTFH01000001v1_decoy", decoy), ("HLA-A*01:01:01:01", hla))))
    subprocess.run(["samtools", "faidx", str(fasta)], check=True)
    return fasta


def write_alt_file(path: Path, names: List[str]) -> Path:
    """A bwa .alt file: a SAM header and each ALT contig's alignment to the primary assembly."""
    lines = ["@SQ\tSN:chr1\tLN:6000"] + [f"{name}\t0\tchr1\t1001\t255\t3000M\t*\t0\t0\t*\t*\tNM:i:3" for name in names]
    path.write_text("\n".join(lines) + "\n")
    return path


def fai_contigs(fasta: Path) -> Dict[str, int]:
    return {row.split("\t")[0]: int(row.split("\t")[1]) for row in Path(f"{fasta}.fai").read_text().splitlines()}


def test_alt_contigs_are_the_names_ending_in_alt_not_decoys_hla_or_ebv():
    names = ["chr1", "chr6_GL000250v2_alt", "chrUn_JTFH01000001v1_decoy", "HLA-A*01:01:01:01", "chrEBV",
             "chr1_KI270706v1_random", "chrUn_KI270302v1", "KI270758.1", "chr19_KI270938v1_alt"]
    assert alt_contigs(names) == ["chr6_GL000250v2_alt", "chr19_KI270938v1_alt"]


def test_alt_contigs_are_named_in_natural_order_whatever_the_reference_order():
    names = ["chr19_KI270938v1_alt", "chr10_GL383545v1_alt", "chr2_KI270770v1_alt", "chr1", "chr2_KI270767v1_alt"]
    assert alt_contigs(names) == ["chr2_KI270767v1_alt", "chr2_KI270770v1_alt", "chr10_GL383545v1_alt",
                                  "chr19_KI270938v1_alt"]
    assert "4 ALT contig(s) (chr2_KI270767v1_alt, chr2_KI270770v1_alt, chr10_GL383545v1_alt, chr19_KI270938v1_alt)" \
        in alt_warning(dict.fromkeys(names, 1000), "ref.fa", "bwa", None, None)


def test_read_alt_names_skips_the_header(tmp_path):
    alt = write_alt_file(tmp_path / "x.alt", [ALT, "chr6_GL000250v2_alt"])
    assert read_alt_names(alt) == [ALT, "chr6_GL000250v2_alt"]


needs_samtools = pytest.mark.skipif(shutil.which("samtools") is None, reason="samtools builds the .fai")


@needs_samtools
def test_alt_contigs_without_an_alt_file_warn_what_it_means_and_how_to_fix(tmp_path):
    fasta = synthetic_reference(tmp_path)
    report = check_inputs(StartupInputs(fasta=fasta, aligner="bwa"))
    assert report.errors == []
    [warning] = report.warnings
    assert f"1 ALT contig(s) ({ALT})" in warning
    assert "MAPQ 0" in warning and "not covered" in warning and "not called" in warning
    assert f"{fasta}.alt" in warning and "no_alt_analysis_set" in warning


@needs_samtools
def test_an_alt_file_beside_the_fasta_is_enough_when_the_pipeline_builds_the_index(tmp_path):
    fasta = synthetic_reference(tmp_path)
    alt = write_alt_file(tmp_path / "ref.fa.alt", [ALT])
    assert check_inputs(StartupInputs(fasta=fasta, reference_alt=alt)).warnings == []


@needs_samtools
def test_an_alt_file_of_another_reference_warns(tmp_path):
    fasta = synthetic_reference(tmp_path)
    alt = write_alt_file(tmp_path / "ref.fa.alt", ["chr6_GL000250v2_alt"])
    [warning] = check_inputs(StartupInputs(fasta=fasta, reference_alt=alt)).warnings
    assert "lists none of the reference's ALT contigs" in warning and "MAPQ 0" in warning


def test_a_reference_without_alt_contigs_gives_no_warning():
    contigs = {"chr1": 100, "chrUn_JTFH01000001v1_decoy": 10, "HLA-A*01:01:01:01": 10, "chrEBV": 10}
    assert alt_warning(contigs, "ref.fa", "bwa", None, None) is None


needs_bwa = pytest.mark.skipif(shutil.which("bwa") is None or shutil.which("samtools") is None,
                               reason="bwa and samtools align the synthetic reads")


@needs_bwa
def test_a_prebuilt_index_is_alt_aware_only_with_prefix_alt_in_its_folder(tmp_path):
    fasta = synthetic_reference(tmp_path)
    index = tmp_path / "index"
    index.mkdir()
    subprocess.run(["bwa", "index", "-p", str(index / "ref"), str(fasta)], check=True, capture_output=True)
    beside = write_alt_file(tmp_path / "ref.fa.alt", [ALT])
    inputs = dict(fasta=fasta, aligner="bwa", aligner_index=index, reference_alt=beside)
    [warning] = check_inputs(StartupInputs(**inputs)).warnings
    # bwa reads <prefix>.alt only: the file beside the FASTA does not reach a prebuilt index
    assert f"--bwa_index {index}" in warning and f"copy {beside} into that folder as ref.alt" in warning
    shutil.copy(beside, index / "ref.alt")
    assert check_inputs(StartupInputs(**inputs)).warnings == []


@needs_bwa
def test_the_cli_passes_the_alt_file_found_beside_the_fasta(tmp_path):
    fasta = synthetic_reference(tmp_path)
    command = [str(BIN / "check_inputs.py"), "--fasta", str(fasta), "--aligner", "bwa"]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0 and "WARNING reference" in result.stderr and "ALT contig" in result.stderr
    alt = write_alt_file(tmp_path / "ref.fa.alt", [ALT])
    result = subprocess.run(command + ["--reference-alt", str(alt)], capture_output=True, text=True)
    assert result.returncode == 0 and "WARNING" not in result.stderr


def align(prefix: Path, reads: Path) -> List[List[str]]:
    sam = subprocess.run(["bwa", "mem", str(prefix), str(reads)], check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in sam.splitlines() if not line.startswith("@")]


@needs_bwa
def test_bwa_mem_gives_reads_at_an_alt_locus_mapq_0_without_the_alt_file_and_mapq_above_0_with_it(tmp_path):
    """What the warning says, measured: reads from the part of chr1 the ALT contig copies exactly."""
    fasta = synthetic_reference(tmp_path)
    primary = "".join(fasta.read_text().split(">")[1].splitlines()[1:])
    reads = tmp_path / "reads.fq"
    reads.write_text("".join(f"@r{start}\n{primary[start:start + 100]}\n+\n{'I' * 100}\n"
                             for start in range(1500, 3500, 250)))
    index = tmp_path / "index"
    index.mkdir()
    subprocess.run(["bwa", "index", "-p", str(index / "ref"), str(fasta)], check=True, capture_output=True)
    plain = align(index / "ref", reads)
    assert plain and all(int(rec[4]) == 0 for rec in plain), [rec[:5] for rec in plain]
    write_alt_file(index / "ref.alt", [ALT])
    aware = align(index / "ref", reads)
    primary_hits = [rec for rec in aware if rec[2] == "chr1" and not int(rec[1]) & 0x900]
    assert len(primary_hits) == len(plain)
    assert all(int(rec[4]) > 0 for rec in primary_hits), [rec[:5] for rec in primary_hits]
    assert all(any(tag.startswith("XA:Z:" + ALT) for tag in rec[11:]) for rec in primary_hits)


# --- in the outputs: the run's reader learns that ALT loci were aligned ALT-unaware --------------------------

def panel_to_reference(folder: Path, fasta: Path, *extra: str) -> Dict[str, str]:
    """PANEL_TO_REFERENCE's tool with a one-gene panel on chr1 of the synthetic reference; its notes and
    MultiQC section."""
    (folder / "regions.bed").write_text("chr1\t1500\t1700\tSYN1|exon1\n")
    (folder / "targets.bed").write_text("chr1\t1450\t1750\tSYN1\n")
    out = folder / "out"
    result = subprocess.run([sys.executable, str(BIN / "panel_to_reference.py"), "--regions", str(folder / "regions.bed"),
                             "--targets", str(folder / "targets.bed"), "--fasta", str(fasta), "--fai", f"{fasta}.fai",
                             "--outdir", str(out), *extra], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return {"notes": (out / "reference_notes.txt").read_text(), "mqc": (out / "panel_callability_mqc.tsv").read_text()}


@needs_samtools
def test_alt_contigs_aligned_alt_unaware_are_noted_for_the_report_and_multiqc(tmp_path):
    """Before, only the start-up log said so: the QC table, report and MultiQC were silent, so a reader could
    not tell that panel regions at ALT loci may read as not covered."""
    fasta = synthetic_reference(tmp_path)
    written = panel_to_reference(tmp_path, fasta)
    [note] = written["notes"].splitlines()
    assert note.startswith(f"the reference has 1 ALT haplotype or patch contig(s) ({ALT}) and the alignment was not "
                           "ALT-aware for 1 of them (there was no bwa ALT file)")
    assert "MAPQ 0" in note and "cannot be told from the contig names" in note
    description = next(line for line in written["mqc"].splitlines() if line.startswith("# description:"))
    assert f"Note: {note}" in description and description.endswith("'")
    # the ALT file the aligner reads lists it: nothing to say
    alt = write_alt_file(tmp_path / "ref.alt", [ALT])
    assert panel_to_reference(tmp_path, fasta, "--alt-file", str(alt))["notes"] == ""
    # one of another reference: the note says how many it lists
    other = write_alt_file(tmp_path / "other.alt", ["chr6_GL000250v2_alt"])
    assert "(the bwa ALT file lists 0 of them)" in panel_to_reference(tmp_path, fasta, "--alt-file", str(other))["notes"]


@needs_samtools
def test_without_a_panel_the_capture_targets_step_writes_the_notes_and_a_multiqc_section(tmp_path):
    """--skip_screening --intervals runs no PANEL_TO_REFERENCE: the ALT note was in the start-up log only.
    INTERVALS_TO_REFERENCE's tool now writes the same notes, and a MultiQC section when there is one."""
    fasta = synthetic_reference(tmp_path)
    (tmp_path / "capture.bed").write_text("chr1\t1400\t1800\n")
    command = [sys.executable, str(BIN / "intervals_to_reference.py"), "--bed", str(tmp_path / "capture.bed"),
               "--fai", f"{fasta}.fai", "--out", str(tmp_path / "intervals.bed"),
               "--notes", str(tmp_path / "reference_notes.txt"), "--notes-multiqc", str(tmp_path / "notes_mqc.html")]
    subprocess.run(command, check=True, capture_output=True)
    [note] = (tmp_path / "reference_notes.txt").read_text().splitlines()
    (tmp_path / "panel").mkdir()
    assert note == panel_to_reference(tmp_path / "panel", fasta)["notes"].strip()  # PANEL_TO_REFERENCE's words
    html = (tmp_path / "notes_mqc.html").read_text()
    assert html.startswith("<!--\nid: 'hlhscreen_reference_notes'\nsection_name: 'Reference notes'")
    assert f"<strong>Note:</strong> T{note[1:]}" in html.replace("&#x27;", "'")
    # the aligner read an ALT file listing it: empty notes, no MultiQC section
    (tmp_path / "notes_mqc.html").unlink()
    alt = write_alt_file(tmp_path / "ref.alt", [ALT])
    subprocess.run(command + ["--alt-file", str(alt)], check=True, capture_output=True)
    assert (tmp_path / "reference_notes.txt").read_text() == ""
    assert not (tmp_path / "notes_mqc.html").exists()
