"""Catalogue of bad inputs and faults, each with the words the user must read (issue 11).

One row per bad input: how it is made from the bundled test cohort, which check meets it, and the
text that must appear. Add a row for every new fault handled; the count can only grow
(``test_the_catalogue_only_grows``).

- ``check`` rows run a checker exactly as the pipeline runs it: the launch-host checks
  (bin/check_samplesheet.py, bin/check_inputs.py) or the step's own tool (check_fastq.py,
  panel_to_reference.py, annotation_summary.py). Fast; part of ``pytest -m "not pipeline"``.
- ``pipeline`` rows run ``nextflow run . -profile test`` with the bad input and must fail before any
  task starts (marked ``pipeline``).

Faults that need a running pipeline (a damaged FASTQ stopping its lane, FastQC failing, a full disk,
provenance after -resume) are in tests/test_faults_pipeline.py and tests/test_pipeline.py.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional

import pysam
import pytest

from conftest import BIN
from nextflow_runner import run_nextflow
from quality_encodings import solexa_char

REPO = Path(__file__).resolve().parents[1]
TEST = REPO / "assets/test_cohort"
PANEL = REPO / "panels/hlh"
GNOMAD = TEST / "gnomad/gnomad_sites.derived.vcf.gz"
CLINVAR = TEST / "clinvar/clinvar.derived.vcf.gz"
READS = TEST / "reads"


# ---------------------------------------------------------------------------------------------- builders


def copy_panel(tmp: Path, edit_regions: Optional[Callable[[str], str]] = None,
               edit_whitelist: Optional[Callable[[str], str]] = None) -> Path:
    folder = tmp / "panel"
    shutil.copytree(PANEL, folder)
    if edit_regions:
        (folder / "regions.bed").write_text(edit_regions((PANEL / "regions.bed").read_text()))
    if edit_whitelist:
        (folder / "risk_factors.tsv").write_text(edit_whitelist((PANEL / "risk_factors.tsv").read_text()))
    return folder


def prf1_as_ensembl(text: str) -> str:
    """PRF1's regions named 10 instead of chr10 (the rest of the panel keeps chr...)."""
    return "".join(line.replace("chr10\t", "10\t", 1) if "PRF1|" in line else line for line in text.splitlines(True))


def all_ensembl(text: str) -> str:
    return "".join(line[3:] if line.startswith("chr") else line for line in text.splitlines(True))


def start_after_end(text: str) -> str:
    lines = text.splitlines(True)
    chrom, start, end, name = lines[107].rstrip("\n").split("\t")
    lines[107] = f"{chrom}\t{end}\t{start}\t{name}\n"
    return "".join(lines)


def renamed_gnomad(tmp: Path) -> Path:
    """The test gnomAD file with Ensembl contig names (10 instead of chr10), bgzipped and indexed."""
    text = pysam.BGZFile(str(GNOMAD)).read().decode()
    plain = tmp / "gnomad.ensembl.vcf"
    plain.write_text(text.replace("ID=chr", "ID=").replace("\nchr", "\n"))
    return Path(pysam.tabix_index(str(plain), preset="vcf", force=True))


def plain_gzip_gnomad(tmp: Path) -> Path:
    path = tmp / "gnomad.gzip.vcf.gz"
    path.write_bytes(gzip.compress(pysam.BGZFile(str(GNOMAD)).read()))
    shutil.copy(f"{GNOMAD}.tbi", f"{path}.tbi")
    return path


def edited_gnomad(tmp: Path, edit: Callable[[str], str]) -> Path:
    text = pysam.BGZFile(str(GNOMAD)).read().decode()
    edited = edit(text)
    assert edited != text, "the edit changed nothing"
    plain = tmp / "gnomad.edited.vcf"
    plain.write_text(edited)
    return Path(pysam.tabix_index(str(plain), preset="vcf", force=True))


def gnomad_without_af(tmp: Path) -> Path:
    text = pysam.BGZFile(str(GNOMAD)).read().decode()
    plain = tmp / "gnomad.noaf.vcf"
    plain.write_text(text.replace("ID=AF,", "ID=AF_joint,").replace("\tAF=", "\tAF_joint="))
    return Path(pysam.tabix_index(str(plain), preset="vcf", force=True))


def gnomad_of_other_chromosomes(tmp: Path) -> Path:
    plain = tmp / "gnomad.chr2.vcf"
    plain.write_text("##fileformat=VCFv4.2\n##contig=<ID=chr2>\n"
                     '##INFO=<ID=AF,Number=A,Type=Float,Description="AF">\n'
                     "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nchr2\t1000\t.\tA\tG\t.\tPASS\tAF=0.1\n")
    return Path(pysam.tabix_index(str(plain), preset="vcf", force=True))


def unindexed_gnomad(tmp: Path) -> Path:
    path = tmp / "gnomad.noindex.vcf.gz"
    shutil.copy(GNOMAD, path)
    return path


def edited_clinvar(tmp: Path, edit: Callable[[str], str], name: str = "clinvar.vcf.gz", index: bool = True) -> Path:
    """The derived test ClinVar file, edited, bgzipped (and indexed unless ``index`` is False)."""
    text = edit(pysam.BGZFile(str(CLINVAR)).read().decode())
    plain = tmp / name.removesuffix(".gz")
    plain.write_text(text)
    if index:
        return Path(pysam.tabix_index(str(plain), preset="vcf", force=True))
    path = tmp / name
    pysam.tabix_compress(str(plain), str(path), force=True)
    return path


def clinvar_of_chromosome_2(text: str) -> str:
    header = text.split("#CHROM")[0]
    return (header + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
            "2\t1000\t1\tA\tG\t.\t.\tCLNSIG=Benign;CLNREVSTAT=practice_guideline\n")


def plain_gzip_clinvar(tmp: Path) -> Path:
    path = tmp / "clinvar.gzip.vcf.gz"
    path.write_bytes(gzip.compress(pysam.BGZFile(str(CLINVAR)).read()))
    shutil.copy(f"{CLINVAR}.tbi", f"{path}.tbi")
    return path


def samplesheet_with_sex(tmp: Path, sex_case: str, sex_case_lane_2: Optional[str] = None) -> Path:
    """case_01 (two lanes) and ctrl_01 with a sex column."""
    lane_2 = sex_case if sex_case_lane_2 is None else sex_case_lane_2
    rows = [f"case_01,case,{sex_case},{READS}/case_01_L001_R1.fastq.gz,{READS}/case_01_L001_R2.fastq.gz",
            f"case_01,case,{lane_2},{READS}/case_01_L002_R1.fastq.gz,{READS}/case_01_L002_R2.fastq.gz",
            f"ctrl_01,control,female,{READS}/ctrl_01_L001_R1.fastq.gz,{READS}/ctrl_01_L001_R2.fastq.gz"]
    return samplesheet(tmp, rows, header="sample,group,sex,fastq_1,fastq_2")


def samplesheet(tmp: Path, rows: List[str], header: str = "sample,group,fastq_1,fastq_2", bom: bool = False,
                name: str = "samplesheet.csv") -> Path:
    path = tmp / name
    text = "\n".join([header, *rows]) + "\n"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    return path


def reads_link(tmp: Path, source: str, name: str) -> str:
    target = tmp / name
    target.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(READS / source, target)
    return name


def two_samples(tmp: Path, r2_of_case: str = "case_02_L001_R2.fastq.gz", name_of_case_r1: str = "case_02_L001_R1.fastq.gz"
                ) -> List[str]:
    return [f"case_02,case,{reads_link(tmp, 'case_02_L001_R1.fastq.gz', name_of_case_r1)},"
            f"{reads_link(tmp, r2_of_case, 'case_02_L001_R2.fastq.gz')}",
            f"ctrl_01,control,{reads_link(tmp, 'ctrl_01_L001_R1.fastq.gz', 'ctrl_01_L001_R1.fastq.gz')},"
            f"{reads_link(tmp, 'ctrl_01_L001_R2.fastq.gz', 'ctrl_01_L001_R2.fastq.gz')}"]


def damaged_pair(tmp: Path, damage: Callable[[bytes], bytes], mate: str = "R2", source: str = "case_02") -> List[str]:
    r1, r2 = tmp / f"{source}_R1.fastq.gz", tmp / f"{source}_R2.fastq.gz"
    shutil.copy(READS / f"{source}_L001_R1.fastq.gz", r1)
    shutil.copy(READS / f"{source}_L001_R2.fastq.gz", r2)
    target = r2 if mate == "R2" else r1
    target.write_bytes(damage(target.read_bytes()))
    return [str(r1), str(r2), "--sample", source, "--out", str(tmp / "summary.tsv")]


def recompress(edit: Callable[[str], str]) -> Callable[[bytes], bytes]:
    return lambda data: gzip.compress(edit(gzip.decompress(data).decode()).encode())


def drop_reads(text: str, keep: int) -> str:
    return "".join(text.splitlines(True)[: 4 * keep])


def to_solexa(text: str) -> str:
    """Every quality character as Solexa+64 (Illumina before 1.3)."""
    lines = text.splitlines(True)
    for i in range(3, len(lines), 4):
        lines[i] = "".join(solexa_char(c) for c in lines[i].rstrip("\n")) + "\n"
    return "".join(lines)


def to_phred64(text: str) -> str:
    """Every quality character moved up by 31 (as an Illumina 1.5 machine wrote them), capped at 'h'."""
    lines = text.splitlines(True)
    for i in range(3, len(lines), 4):
        lines[i] = "".join(chr(min(ord(c) + 31, ord("h"))) for c in lines[i].rstrip("\n")) + "\n"
    return "".join(lines)


def index_reads(text: str, length: int) -> str:
    """Every read cut to its first ``length`` bases, as an index read (I1) file holds them."""
    lines = text.splitlines(True)
    for i in range(len(lines)):
        if i % 4 in (1, 3):
            lines[i] = lines[i][:length] + "\n"
    return "".join(lines)


def shorten_quality(text: str, read: int) -> str:
    lines = text.splitlines(True)
    lines[4 * read - 1] = lines[4 * read - 1][1:]
    return "".join(lines)


# ---------------------------------------------------------------------------------------------- checkers


def check_inputs_args(**changes) -> List[str]:
    """bin/check_inputs.py as the pipeline calls it for -profile test, with some arguments changed."""
    args = {"--fasta": TEST / "reference/hlh_windows.synthetic.fa",
            "--fasta-fai": TEST / "reference/hlh_windows.synthetic.fa.fai",
            "--reference-windows": TEST / "reference/windows.tsv",
            "--regions": PANEL / "regions.bed", "--targets": PANEL / "targets.bed",
            "--risk-factors": PANEL / "risk_factors.tsv", "--impacts": "HIGH,MODERATE",
            "--consequences": "splice_region_variant,splice_donor_variant", "--gnomad-vcf": GNOMAD}
    flags = []
    for key, value in changes.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            flags.append(flag)
        else:
            args[flag] = value
    return [str(part) for key, value in args.items() for part in (key, value)] + flags


def panel_args(folder: Path, **changes) -> List[str]:
    return check_inputs_args(regions=folder / "regions.bed", targets=folder / "targets.bed",
                             risk_factors=folder / "risk_factors.tsv", **changes)


@dataclass(frozen=True)
class BadInput:
    id: str
    level: str                               # "check" (a tool, as the pipeline runs it) or "pipeline"
    tool: str                                # bin/ script, or "nextflow"
    make: Callable[[Path], List[str]]        # builds the bad input under a temp folder; returns the arguments
    expected: List[str]                      # texts the output must hold
    exit_zero: bool = False                  # accepted (a fixed crash), not refused
    env: Optional[Dict[str, str]] = None     # environment of the nextflow run (e.g. a locale)


CATALOGUE: List[BadInput] = [
    # ---- session 10: a RefSeq VEP cache read as the Ensembl one (VEP would stop only after calling)
    BadInput("vep_cache_of_another_flavour", "check", "check_inputs.py",
             lambda t: check_inputs_args(vep_cache=refseq_vep_cache(t)),
             ["--vep_cache: no VEP cache homo_sapiens/113_GRCh38 with its info.txt",
              "run with --vep_cache_type refseq (VEP --refseq)"]),
    # ---- issue 11, silent 1: gnomAD contig naming, checked at start; lost frequencies after annotation
    BadInput("gnomad_ensembl_contig_names", "check", "check_inputs.py",
             lambda t: check_inputs_args(gnomad_vcf=renamed_gnomad(t)),
             ["--gnomad_vcf: gnomAD names contigs differently from the reference: 10 (reference: chr10), 17 (reference: chr17)",
              "every variant would look novel", "bcftools annotate --rename-chrs"]),
    BadInput("gnomad_other_chromosomes_only", "check", "check_inputs.py",
             lambda t: check_inputs_args(gnomad_vcf=gnomad_of_other_chromosomes(t)),
             ["gnomAD has no records on chr6 (STX11); chr10 (PRF1); chr17 (UNC13D); chr19 (STXBP2)",
              "it covers none of the panel's chromosomes"]),
    BadInput("annotation_lost_the_frequencies", "check", "annotation_summary.py",
             lambda t: annotation_without_frequencies(t),
             ["gnomAD: the annotation attached gnomAD frequencies to none of the", "although the gnomAD file lists"]),
    # ---- round 2: a gnomAD file whose records were not split (bcftools annotate matches whole records)
    BadInput("gnomad_multiallelic_records", "check", "check_inputs.py",
             lambda t: check_inputs_args(gnomad_vcf=edited_gnomad(t, merge_two_alts), gnomad_exact_records=True),
             ["--gnomad_vcf: a multi-allelic record (chr10:70598411 G>A,C)", "each of them would get no frequency",
              "bcftools norm -m -any"]),
    BadInput("annotation_lost_a_multiallelic_frequency", "check", "annotation_summary.py",
             lambda t: annotation_without_frequencies(t, keep_first=True, gnomad=edited_gnomad(t, merge_two_alts_at_snv)),
             ["gnomAD: 1 of the 2 called variants got no gnomAD frequency although the gnomAD file lists them with one "
              "(chr10:70598966 T>C); 1 of them are ALTs of multi-allelic gnomAD records", "bcftools norm -m -any"]),
    # ---- round 2: panel regions named by an id or in lower case: their variants match no annotated gene
    BadInput("panel_region_named_by_a_transcript_id", "check", "check_inputs.py",
             lambda t: panel_args(copy_panel(t, edit_regions=lambda text: text.replace("\tPRF1|exon", "\tNM_005041.6|exon"))),
             ["regions.bed:108: name: the interval chr10:70597344-70599184 is named 'NM_005041.6', a transcript id, "
              "not a gene symbol", "no_panel_gene_annotation"]),
    BadInput("panel_region_named_by_an_hgnc_id", "check", "check_inputs.py",
             lambda t: panel_args(copy_panel(t, edit_regions=lambda text: text.replace("\tPRF1|exon", "\tHGNC:9360|exon"))),
             ["is named 'HGNC:9360', an HGNC id, not a gene symbol"]),
    BadInput("panel_region_symbol_in_lower_case", "check", "check_inputs.py",
             lambda t: panel_args(copy_panel(t, edit_regions=lambda text: text.replace("\tPRF1|exon", "\tprf1|exon"))),
             ["is named 'prf1', in lower case: HGNC gene symbols are upper case (PRF1)"]),
    # ---- round 2: a whitelist row whose gene is not the panel gene at its position
    BadInput("whitelist_row_of_another_gene", "check", "check_inputs.py",
             lambda t: panel_args(copy_panel(t, edit_whitelist=lambda s: s.replace("\nPRF1\tGRCh38\tchr10\t70600631",
                                                                                  "\nUNC13D\tGRCh38\tchr10\t70600631", 1))),
             ["risk_factors.tsv:2: gene: the row names UNC13D but chr10:70600631:G:A lies in the panel region of PRF1",
              "Correct the gene or the position"]),
    BadInput("whitelist_gene_in_lower_case", "check", "check_inputs.py",
             lambda t: panel_args(copy_panel(t, edit_whitelist=lambda s: s.replace("\nPRF1\tGRCh38\t", "\nprf1\tGRCh38\t", 1))),
             ["the row names prf1 but chr10:70600631:G:A lies in the panel region of PRF1 (gene symbols are "
              "case-sensitive: write PRF1)"]),
    # ---- round 2: a BED12 of transcripts as panel regions or capture (blocks = exons, not read)
    BadInput("panel_regions_as_bed12", "check", "check_inputs.py",
             lambda t: panel_args(copy_panel(t, edit_regions=lambda text: text.replace(
                 "chr10\t70597344\t70599184\tPRF1|exon3\n",
                 "chr10\t70597344\t70601184\tPRF1|exon3\t0\t-\t70597344\t70601184\t0\t2\t1840,575,\t0,3016,\n"))),
             ["regions.bed:108: blockCount: a BED12 line with 2 blocks (exons)", "bedtools bed12tobed6"]),
    BadInput("intervals_as_bed12", "check", "check_inputs.py",
             lambda t: check_inputs_args(intervals=write_bytes(t / "kit.bed", b"chr10\t70597000\t70602000\tNM_005041\t0\t-"
                                                                           b"\t70597000\t70602000\t0\t2\t2200,700,\t0,4300,\n")),
             ["kit.bed:1: blockCount: a BED12 line with 2 blocks (exons)"]),
    # ---- round 2: single-end reads (said as such, not as a bare empty field / missing column)
    BadInput("samplesheet_single_end_rows", "check", "check_samplesheet.py",
             lambda t: [str(samplesheet(t, [r.rsplit(",", 1)[0] + "," for r in two_samples(t)]))],
             ["samplesheet.csv:2: fastq_2: empty field: single-end reads are not supported. The pipeline aligns "
              "paired-end reads"]),
    BadInput("samplesheet_without_fastq_2_column", "check", "check_samplesheet.py",
             lambda t: [str(samplesheet(t, [r.rsplit(",", 1)[0] for r in two_samples(t)], header="sample,group,fastq_1"))],
             ["missing column(s) fastq_2; single-end reads are not supported"]),
    # ---- round 2: whitelist rows not as the normalised VCF writes them (they matched no record)
    BadInput("whitelist_row_not_trimmed", "check", "check_inputs.py",
             lambda t: panel_args(copy_panel(t, edit_whitelist=lambda s: s.replace("\tchr10\t70600631\tG\tA\t",
                                                                                  "\tchr10\t70600631\tGC\tAC\t", 1))),
             ["risk_factors.tsv:2: ref/alt: chr10:70600631 GC>AC is not trimmed: REF and ALT share bases a normalised "
              "record leaves out (it is 70600631 G>A)", "bcftools norm -f GRCh38.fa"]),
    BadInput("whitelist_indel_shifted_right", "check", "check_inputs.py",
             lambda t: panel_args(copy_panel(t, edit_whitelist=lambda s: s.replace("\tchr10\t70600631\tG\tA\t",
                                                                                  "\tchr10\t70600631\tG\tGG\t", 1))),
             ["chr10:70600631 G>GG is not left-aligned: REF and ALT end in the same base"]),
    # ---- silent 2: damaged FASTQ (the step before FastQC and alignment)
    BadInput("fastq_truncated_gzip", "check", "check_fastq.py",
             lambda t: damaged_pair(t, lambda data: data[: len(data) // 2]),
             ["case_02_R2.fastq.gz: gzip: the file is cut short: the gzip stream ends early, after read"]),
    BadInput("fastq_r2_fewer_reads", "check", "check_fastq.py",
             lambda t: damaged_pair(t, recompress(lambda text: drop_reads(text, 1500))),
             ["case_02_R2.fastq.gz: reads: R2 ends after 1500 reads but R1 (case_02_R1.fastq.gz) goes on"]),
    BadInput("fastq_broken_quality_line", "check", "check_fastq.py",
             lambda t: damaged_pair(t, recompress(lambda text: shorten_quality(text, 1001)), mate="R1"),
             ["case_02_R1.fastq.gz:4004: read 1001: 149 quality characters for 150 bases"]),
    BadInput("fastq_r2_of_another_sample", "check", "check_fastq.py",
             lambda t: damaged_pair(t, lambda data: (READS / "ctrl_01_L001_R2.fastq.gz").read_bytes()),
             ["case_02_R2.fastq.gz:1: read 1: read name 'SYN:ctrl_01:000001' is not the mate of R1's 'SYN:case_02:000001'"]),
    BadInput("fastq_gzip_of_garbage", "check", "check_fastq.py",
             lambda t: damaged_pair(t, lambda data: gzip.compress(os.urandom(5000)), mate="R1"),
             ["case_02_R1.fastq.gz:1: read 1: the header line does not start with '@'", "not a FASTQ file"]),
    # ---- silent 3: panel regions never dropped in silence
    BadInput("panel_mixed_naming_with_harmonise", "check", "check_inputs.py",
             lambda t: panel_args(copy_panel(t, edit_regions=prf1_as_ensembl), harmonise_contigs=True),
             ["regions.bed:108: chrom: contig 10 is named without chr but line 1 names chr1 with chr",
              "the file mixes contig naming styles"]),
    BadInput("panel_mixed_naming_in_a_built_panel", "check", "panel_to_reference.py",
             lambda t: ["--regions", str(copy_panel(t, edit_regions=prf1_as_ensembl) / "regions.bed"),
                        "--targets", str(PANEL / "targets.bed"), "--fai", str(TEST / "reference/hlh_windows.synthetic.fa.fai"),
                        "--windows", str(TEST / "reference/windows.tsv"), "--harmonise-contigs", "--outdir", str(t)],
             ["the file mixes contig naming styles"]),
    BadInput("panel_named_unlike_the_reference", "check", "check_inputs.py",
             lambda t: panel_args(copy_panel(t, edit_regions=all_ensembl)),
             ["chrom: the panel names contig 5 but the reference calls it chr5"[:0] + "but the reference calls it chr",
              "chrom: the panel names contig ", "--harmonise_contigs true"]),
    BadInput("panel_on_no_reference_contig", "check", "panel_to_reference.py",
             lambda t: ["--regions", str(PANEL / "regions.bed"), "--targets", str(PANEL / "targets.bed"),
                        "--fai", str(fai_of(t, "chr2\t1000\n")), "--outdir", str(t)],
             ["chrom: no panel region lies on the reference", "21 of 21 panel genes"]),
    # ---- late -> at start: whitelist, panel BED, --impacts/--consequences, gnomAD file
    BadInput("whitelist_malformed_alt", "check", "check_inputs.py",
             lambda t: panel_args(copy_panel(t, edit_whitelist=lambda s: s.replace("\tG\tA\t", "\tG\tZ\t", 1))),
             ["risk_factors.tsv:2: alt: alt 'Z' is not a sequence of A/C/G/T"]),
    BadInput("whitelist_missing_column", "check", "check_inputs.py",
             lambda t: panel_args(copy_panel(t, edit_whitelist=lambda s: s.replace("evidence", "citation", 1))),
             ["risk_factors.tsv:1: evidence: header lacks column(s) evidence"]),
    BadInput("panel_bed_with_a_column_header", "check", "check_inputs.py",
             lambda t: panel_args(copy_panel(t, edit_regions=lambda text: "chrom\tleft\tright\tname\n" + text)),
             ["regions.bed:1: start: 'left' is not an integer", "looks like a column header: a BED file has none"]),
    BadInput("panel_bed_start_after_end", "check", "check_inputs.py",
             lambda t: panel_args(copy_panel(t, edit_regions=start_after_end)),
             ["regions.bed:108: end: start 70599184 is not below end 70597344"]),
    BadInput("impacts_unknown_class", "check", "check_inputs.py",
             lambda t: check_inputs_args(impacts="HIGH,SEVERE"),
             ["--impacts: unknown impact(s) SEVERE. Use a comma-separated subset of: HIGH,MODERATE,LOW,MODIFIER"]),
    BadInput("consequences_unknown_term", "check", "check_inputs.py",
             lambda t: check_inputs_args(consequences="splice_site_variant"),
             ["--consequences: unknown consequence term(s) splice_site_variant"]),
    BadInput("impacts_and_consequences_both_none", "check", "check_inputs.py",
             lambda t: check_inputs_args(impacts="none", consequences="none"),
             ["--impacts: no impact class and no consequence selected: nothing could be kept"]),
    BadInput("af_fields_unknown_keyword", "check", "check_inputs.py",
             lambda t: check_inputs_args(af_fields="csq_gnomade,gnomad_exomes"),
             ["--af-fields: 'gnomad_exomes' is neither a frequency keyword nor a field such as INFO/gnomAD_AF"]),
    BadInput("panel_region_without_gene_name", "check", "check_inputs.py",
             lambda t: panel_args(copy_panel(t, edit_regions=lambda text: text.replace("\tPRF1|exon3", "", 1))),
             ["regions.bed:108: name: the interval chr10:70597344-70599184 has no gene name"]),
    BadInput("whitelist_ref_on_the_transcript_strand", "check", "check_inputs.py",
             lambda t: small_plain_reference_with_whitelist(t),
             ["risk_factors.tsv:2: ref: chr1:151:", "does not match the reference base(s)",
              "the reverse complement of the row's REF: written on the transcript strand?"]),
    BadInput("gnomad_plain_gzip", "check", "check_inputs.py",
             lambda t: check_inputs_args(gnomad_vcf=plain_gzip_gnomad(t)),
             ["--gnomad_vcf: compressed with plain gzip, not bgzip", "bgzip -c"]),
    BadInput("gnomad_without_index", "check", "check_inputs.py",
             lambda t: check_inputs_args(gnomad_vcf=unindexed_gnomad(t)),
             ["--gnomad_vcf: no index", "tabix -p vcf"]),
    BadInput("gnomad_without_info_af", "check", "check_inputs.py",
             lambda t: check_inputs_args(gnomad_vcf=gnomad_without_af(t)),
             ["--gnomad_vcf: the header declares no INFO/AF (allele frequency); AF-like fields: AF_joint"]),
    BadInput("windows_table_of_another_fasta", "check", "check_inputs.py",
             lambda t: check_inputs_args(fasta_fai=fai_of(t, "chr10_70595848_70604241\t8394\n")),
             ["contig: window contig chr17_75825725_75845904 is not in the reference"]),
    # ---- issue 13: the ClinVar file (--clinvar_vcf) and the samplesheet's sex column, checked at start
    BadInput("clinvar_other_chromosomes_only", "check", "check_inputs.py",
             lambda t: check_inputs_args(clinvar_vcf=edited_clinvar(t, clinvar_of_chromosome_2)),
             ["--clinvar_vcf: the file has records on none of the panel's chromosomes (chr6, chr10, chr17, chr19, chrX)",
              "(its contigs: 2)", "are mapped onto chr1.. automatically"]),
    BadInput("clinvar_grch37", "check", "check_inputs.py",
             lambda t: check_inputs_args(clinvar_vcf=edited_clinvar(
                 t, lambda text: text.replace("##reference=GRCh38", "##reference=GRCh37"))),
             ["--clinvar_vcf: the file is for reference 'GRCh37', not GRCh38", "vcf_GRCh38/clinvar.vcf.gz"]),
    BadInput("clinvar_not_a_clinvar_file", "check", "check_inputs.py",
             lambda t: check_inputs_args(clinvar_vcf=GNOMAD),
             ["--clinvar_vcf: no INFO/CLNSIG, INFO/CLNREVSTAT definition in the header: not a ClinVar VCF"]),
    BadInput("clinvar_plain_gzip", "check", "check_inputs.py",
             lambda t: check_inputs_args(clinvar_vcf=plain_gzip_clinvar(t)),
             ["--clinvar_vcf: compressed with plain gzip, not bgzip", "bgzip -c"]),
    BadInput("clinvar_without_index", "check", "check_inputs.py",
             lambda t: check_inputs_args(clinvar_vcf=edited_clinvar(t, lambda text: text, index=False)),
             ["--clinvar_vcf: no index", "tabix -p vcf"]),
    BadInput("clinvar_format_1_0", "check", "check_inputs.py",
             lambda t: check_inputs_args(clinvar_vcf=edited_clinvar(t, lambda text: text.replace(
                 "##INFO=<ID=CLNSIG,", '##INFO=<ID=CLNALLE,Number=.,Type=Integer,Description="Variant alleles from '
                 'REF or ALT columns">\n##INFO=<ID=CLNSIG,'))),
             ["--clinvar_vcf: a ClinVar VCF of the old format 1.0 (INFO/CLNALLE, releases before 2017)",
              "vcf_GRCh38/clinvar.vcf.gz"]),
    BadInput("samplesheet_unknown_sex", "check", "check_samplesheet.py",
             lambda t: [str(samplesheet_with_sex(t, "M"))],
             ["samplesheet.csv:2: sex: unknown sex 'M'. Use male, female or unknown (or leave the cell empty)."]),
    BadInput("samplesheet_lanes_disagree_on_sex", "check", "check_samplesheet.py",
             lambda t: [str(samplesheet_with_sex(t, "male", "female"))],
             ["samplesheet.csv:3: sex: sample 'case_01' is 'female' here but 'male' on line 2"]),
    BadInput("pipeline_clinvar_grch37", "pipeline", "nextflow",
             lambda t: ["--clinvar_vcf", str(edited_clinvar(
                 t, lambda text: text.replace("##reference=GRCh38", "##reference=GRCh37")))],
             ["Input check failed; nothing was run.", "--clinvar_vcf: the file is for reference 'GRCh37', not GRCh38"]),
    # ---- crashes and misleading messages
    BadInput("samplesheet_with_byte_order_mark", "check", "check_samplesheet.py",
             lambda t: [str(samplesheet(t, two_samples(t), bom=True))], ["samplesheet OK: 2 samples"], exit_zero=True),
    BadInput("fastq_path_with_commas", "check", "check_samplesheet.py",
             lambda t: [str(samplesheet(t, [
                 f'case_02,case,"{reads_link(t, "case_02_L001_R1.fastq.gz", "run 7, lane 1/case,02_R1.fastq.gz")}",'
                 f'"{reads_link(t, "case_02_L001_R2.fastq.gz", "run 7, lane 1/case,02_R2.fastq.gz")}"',
                 *two_samples(t)[1:]]))], ["samplesheet OK: 2 samples"], exit_zero=True),
    BadInput("fastq_name_with_a_space", "check", "check_samplesheet.py",
             lambda t: [str(samplesheet(t, two_samples(t, name_of_case_r1="case 02_R1.fastq.gz")))],
             ["fastq_1: the FASTQ file name 'case 02_R1.fastq.gz' contains space, which the tools' command lines cannot take",
              "ln -s"]),
    # ---- session 8: samplesheets as spreadsheets and sequencing cores write them
    BadInput("samplesheet_names_differ_only_in_capitals", "check", "check_samplesheet.py",
             lambda t: [str(samplesheet(t, [*two_samples(t), f"CASE_02,case,{reads_link(t, 'case_03_L001_R1.fastq.gz', 'c3_R1.fastq.gz')},"
                                                             f"{reads_link(t, 'case_03_L001_R2.fastq.gz', 'c3_R2.fastq.gz')}"]))],
             ["samplesheet.csv:4: sample: sample 'CASE_02' differs from 'case_02' (line 2) only in capitals"]),
    BadInput("samplesheet_windows_1252", "check", "check_samplesheet.py",
             lambda t: [str(latin1_samplesheet(t))],
             ["samplesheet.csv:3: encoding: the samplesheet is not UTF-8 text (byte 0xe9 at line 3", "iconv"]),
    BadInput("samplesheet_semicolons", "check", "check_samplesheet.py",
             lambda t: [str(samplesheet(t, [r.replace(",", ";") for r in two_samples(t)], header="sample;group;fastq_1;fastq_2"))],
             ["samplesheet.csv:1: header:", "the line is separated by semicolons, not commas"]),
    BadInput("samplesheet_header_in_capitals", "check", "check_samplesheet.py",
             lambda t: [str(samplesheet(t, two_samples(t), header="Sample,Group,Fastq_1,Fastq_2"))],
             ["samplesheet.csv:1: header:", "column names are lower case"]),
    BadInput("samplesheet_is_an_xlsx_workbook", "check", "check_samplesheet.py",
             lambda t: [str(write_bytes(t / "samplesheet.csv", b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml"))],
             ["samplesheet.csv: input: the samplesheet is a zip archive (an .xlsx or .ods workbook?), not a CSV text file",
              "save it as 'CSV UTF-8"]),
    BadInput("samplesheet_r2_is_a_link_to_r1", "check", "check_samplesheet.py",
             lambda t: [str(samplesheet(t, [f"case_02,case,{reads_link(t, 'case_02_L001_R1.fastq.gz', 'a_R1.fastq.gz')},"
                                            f"{reads_link(t, 'case_02_L001_R1.fastq.gz', 'a_R2.fastq.gz')}", two_samples(t)[1]]))],
             ["samplesheet.csv:2: fastq_2: FASTQ", "a_R2.fastq.gz is also given on line 2 (fastq_1) (the same file as",
              "through a link)"]),
    BadInput("samplesheet_fastq_without_reads", "check", "check_samplesheet.py",
             lambda t: [str(samplesheet(t, [f"case_02,case,{write_bytes(t / 'e_R1.fastq.gz', gzip.compress(b''))},"
                                            f"{write_bytes(t / 'e_R2.fastq.gz', gzip.compress(b''))}", two_samples(t)[1]]))],
             ["samplesheet.csv:2: fastq_1: FASTQ file", "e_R1.fastq.gz holds no reads (it is empty once decompressed)"]),
    BadInput("samplesheet_fastq_is_a_bam", "check", "check_samplesheet.py",
             lambda t: [str(samplesheet(t, [f"case_02,case,{write_bytes(t / 'b_R1.fastq.gz', BAM_AS_FASTQ)},"
                                            f"{reads_link(t, 'case_02_L001_R2.fastq.gz', 'b_R2.fastq.gz')}", two_samples(t)[1]]))],
             ["samplesheet.csv:2: fastq_1: ", "b_R1.fastq.gz is a BAM file, not a FASTQ file", "samtools fastq"]),
    BadInput("samplesheet_unclosed_quote", "check", "check_samplesheet.py",
             lambda t: [str(samplesheet(t, ['"' + row if i == 0 else row for i, row in enumerate(two_samples(t))]))],
             ["samplesheet.csv:2: row: a quote (\") opens a field that no quote closes"]),
    BadInput("samplesheet_path_with_tilde", "check", "check_samplesheet.py",
             lambda t: [str(samplesheet(t, [f"case_02,case,~/runs/case_02_R1.fastq.gz,~/runs/case_02_R2.fastq.gz",
                                            two_samples(t)[1]]))],
             ["samplesheet.csv:2: fastq_1: FASTQ file not found:", "'~' and $VARIABLES are not expanded in a samplesheet"]),
    BadInput("samplesheet_windows_path", "check", "check_samplesheet.py",
             lambda t: [str(samplesheet(t, ["case_02,case,D:\\runs\\case_02_R1.fastq.gz,D:\\runs\\case_02_R2.fastq.gz",
                                            two_samples(t)[1]]))],
             ["samplesheet.csv:2: fastq_1: 'D:\\runs\\case_02_R1.fastq.gz' looks like a Windows path"]),
    BadInput("fastq_phred64_qualities", "check", "check_fastq.py",
             lambda t: damaged_pair(t, recompress(to_phred64), mate="R1"),
             ["case_02_R1.fastq.gz:4: read 1: the qualities are Phred+64 (Illumina 1.3-1.7", "seqtk seq -Q64 -V"]),
    BadInput("samplesheet_header_repeated", "check", "check_samplesheet.py",
             lambda t: [str(samplesheet(t, [row for pair in zip(two_samples(t), ["sample,group,fastq_1,fastq_2", ""])
                                            for row in pair if row]))],
             ["samplesheet.csv:3: row: the header line again (two samplesheets joined?)"]),
    BadInput("samplesheet_sample_name_too_long", "check", "check_samplesheet.py",
             lambda t: [str(samplesheet(t, ["P" * 300 + row[len("case_02"):] if i == 0 else row
                                            for i, row in enumerate(two_samples(t))]))],
             ["samplesheet.csv:2: sample: the sample name is 300 characters long. Use at most 128 characters."]),
    BadInput("samplesheet_blank_lines_before_the_header", "check", "check_samplesheet.py",
             lambda t: [str(samplesheet(t, two_samples(t), header="\n\nsample,group,fastq_1,fastq_2"))],
             ["samplesheet OK: 2 samples"], exit_zero=True),
    BadInput("samplesheet_trailing_empty_column", "check", "check_samplesheet.py",
             lambda t: [str(samplesheet(t, [row + "," for row in two_samples(t)], header="sample,group,fastq_1,fastq_2,"))],
             ["samplesheet OK: 2 samples"], exit_zero=True),
    BadInput("samplesheet_one_lane_copied_into_two_samples", "check", "check_samplesheet.py",
             lambda t: [str(samplesheet(t, [*two_samples(t), f"case_09,case,{copy_of(t, 'case_02_L001_R1.fastq.gz', 'P9_R1.fastq.gz')},"
                                                             f"{copy_of(t, 'case_02_L001_R2.fastq.gz', 'P9_R2.fastq.gz')}"]))],
             ["samplesheet.csv:4: fastq_1: FASTQ", "P9_R1.fastq.gz starts with the same read as",
              "case_02_L001_R1.fastq.gz (line 2, fastq_1): a copy of the same reads"]),
    BadInput("fastq_r2_is_a_copy_of_r1", "check", "check_fastq.py",
             lambda t: damaged_pair(t, lambda data: (READS / "case_02_L001_R1.fastq.gz").read_bytes()),
             ["case_02_R2.fastq.gz: reads: R2 holds the same reads as R1 (case_02_R1.fastq.gz)"]),
    # ---- session 8: a prebuilt FASTA index or aligner index of another FASTA
    BadInput("bwa_index_of_another_fasta", "check", "check_inputs.py",
             lambda t: check_inputs_args(aligner="bwa", aligner_index=fake_index(t, "bwa", GRCH38_ANN)),
             ["hlh.ann: --bwa_index: the index was built from another FASTA than",
              "contig(s) chr10, chr17 are in the index but not in the reference",
              "reads would be aligned to another genome", "leave --bwa_index out and the pipeline builds it"]),
    BadInput("bwa_index_with_other_lengths", "check", "check_inputs.py",
             lambda t: check_inputs_args(aligner="bwa", aligner_index=fake_index(t, "bwa", windows_ann(longer=100))),
             ["--bwa_index: the index was built from another FASTA", "contig lengths differ (chr10_70595848_70604241 "
              "8494 bp in the index, 8394 bp in the reference"]),
    BadInput("bwa_index_given_as_bwamem2_index", "check", "check_inputs.py",
             lambda t: check_inputs_args(aligner="bwa-mem2", aligner_index=fake_index(t, "bwa", windows_ann())),
             ["--bwamem2_index: this is a bwa index (hlh.sa), not a bwa-mem2 index", "--aligner bwa --bwa_index"]),
    BadInput("aligner_index_folder_without_index", "check", "check_inputs.py",
             lambda t: check_inputs_args(aligner="bwa", aligner_index=folder_of(t, "GRCh38.fa")),
             ["--bwa_index: no aligner index in the folder (no <name>.amb file)"]),
    BadInput("aligner_index_folder_with_two_indexes", "check", "check_inputs.py",
             lambda t: check_inputs_args(aligner="bwa", aligner_index=fake_index(t, "bwa", windows_ann(), names=("a", "b"))),
             ["--bwa_index: the folder holds several indexes (a.amb, b.amb)"]),
    BadInput("fasta_fai_of_another_fasta", "check", "check_inputs.py",
             lambda t: check_inputs_args(fasta_fai=shifted_fai(t)),
             ["other.fa.fai:1: fai: the FASTA index does not belong to this FASTA: contig chr10_70595848_70604241 "
              "should start at byte 31", "samtools faidx"]),
    BadInput("gnomad_index_of_another_file", "check", "check_inputs.py",
             lambda t: check_inputs_args(gnomad_vcf=with_index_of(t, GNOMAD, f"{CLINVAR}.tbi")),
             ["gnomad.vcf.gz.tbi: --gnomad_vcf: the index does not belong to gnomad.vcf.gz: the first record is on chr10, "
              "which the index does not list", "tabix -f -p vcf"]),
    BadInput("clinvar_index_of_another_file", "check", "check_inputs.py",
             lambda t: check_inputs_args(clinvar_vcf=with_index_of(t, CLINVAR, f"{GNOMAD}.tbi", name="clinvar.vcf.gz")),
             ["clinvar.vcf.gz.tbi: --clinvar_vcf: the index does not belong to clinvar.vcf.gz: the first record is on 10"]),
    BadInput("gnomad_of_another_build_named_chr", "check", "check_inputs.py",
             lambda t: check_inputs_args(gnomad_vcf=edited_gnomad(t, lambda text: text.replace(
                 "##contig=<ID=chr10,length=133797422,assembly=GRCh38>", "##contig=<ID=chr10,length=135534747,assembly=hg19>"))),
             ["--gnomad_vcf: gnomAD is for another genome build: chr10 is 135534747 bp in gnomAD but 133797422 bp in the "
              "reference"]),
    # ---- pipeline level: nextflow stops before any task
    BadInput("pipeline_gnomad_ensembl_contig_names", "pipeline", "nextflow",
             lambda t: ["--gnomad_vcf", str(renamed_gnomad(t))],
             ["Input check failed; nothing was run.", "gnomAD names contigs differently from the reference"]),
    # the offline annotator (the test profile's) passes --gnomad-exact-records to the start-up check
    BadInput("pipeline_gnomad_multiallelic_records", "pipeline", "nextflow",
             lambda t: ["--gnomad_vcf", str(edited_gnomad(t, merge_two_alts))],
             ["Input check failed; nothing was run.", "a multi-allelic record (chr10:70598411 G>A,C)"]),
    BadInput("pipeline_late_checks_all_at_start", "pipeline", "nextflow",
             lambda t: ["--panel", str(copy_panel(t, edit_regions=start_after_end,
                                                  edit_whitelist=lambda s: s.replace("\tG\tA\t", "\tG\tZ\t", 1))),
                        "--impacts", "HIGH,SEVERE", "--consequences", "splice_site_variant", "--gnomad_vcf", str(plain_gzip_gnomad(t))],
             ["regions.bed:108: end: start 70599184 is not below end 70597344", "risk_factors.tsv:2: alt: alt 'Z'",
              "--impacts: unknown impact(s) SEVERE", "--gnomad_vcf: compressed with plain gzip, not bgzip"]),
    BadInput("pipeline_harmonise_with_mixed_panel_naming", "pipeline", "nextflow",
             lambda t: ["--panel", str(copy_panel(t, edit_regions=prf1_as_ensembl)), "--harmonise_contigs", "true"],
             ["Input check failed; nothing was run.", "the file mixes contig naming styles"]),
    BadInput("pipeline_input_empty", "pipeline", "nextflow", lambda t: ["--input", ""],
             ["--input: no value given. Give one after --input"]),
    # session 15: the lanes of a top-up run under the same file names in another folder were accepted at start,
    # then CAT_FASTQ failed mid-run on Nextflow's "input file name collision"
    BadInput("pipeline_top_up_lanes_with_the_same_file_names", "pipeline", "nextflow",
             lambda t: ["--input", str(samplesheet(t, [
                 *two_samples(t),
                 f"case_02,case,{reads_link(t, 'case_01_L001_R1.fastq.gz', 'run2/case_02_L001_R1.fastq.gz')},"
                 f"{reads_link(t, 'case_01_L001_R2.fastq.gz', 'run2/case_02_L001_R2.fastq.gz')}"]))],
             ["Samplesheet check failed; nothing was run.",
              "samplesheet.csv:4: fastq_1: sample 'case_02' has another FASTQ of the same name on line 2 (fastq_1: ",
              "FastQC names its report after the file (case_02_L001_R1_fastqc)"]),
    BadInput("pipeline_input_tsv", "pipeline", "nextflow",
             lambda t: ["--input", str(samplesheet(t, two_samples(t), name="my samples.tsv"))],
             ["is not a .csv file: the samplesheet is comma-separated"]),
    # Java names files in the locale's encoding: ASCII under LC_ALL=C (cron, bare batch jobs), where a path
    # with é or ü failed with "Malformed input or input contains unmappable characters" and no file named
    BadInput("pipeline_non_ascii_fastq_folder_under_the_c_locale", "pipeline", "nextflow",
             lambda t: ["--input", str(samplesheet(t, two_samples(t, name_of_case_r1="données ü/case_02_L001_R1.fastq.gz")))],
             ["Samplesheet check failed; nothing was run.", "samplesheet.csv:2: fastq_1: ",
              "données ü/case_02_L001_R1.fastq.gz: holds characters (é ü) that Java cannot put in a file name under this locale",
              "Start Nextflow under a UTF-8 locale (export LC_ALL=C.UTF-8)"],
             env={"LC_ALL": "C"}),
    BadInput("pipeline_non_ascii_parameter_path_under_the_c_locale", "pipeline", "nextflow",
             lambda t: ["--risk_factors", str(write_bytes(t / "listes é" / "risk_factors.tsv", (PANEL / "risk_factors.tsv").read_bytes()))],
             ["Invalid parameters:", "--risk_factors: ", "that Java cannot put in a file name under this locale",
              "export LC_ALL=C.UTF-8"],
             env={"LC_ALL": "C"}),
    BadInput("pipeline_non_ascii_outdir_under_the_c_locale", "pipeline", "nextflow",
             lambda t: ["--outdir", str(t / "résultats")],
             ["--outdir: ", "that Java cannot put in a file name under this locale", "export LC_ALL=C.UTF-8"],
             env={"LC_ALL": "C"}),
    # the shell expands ~ on a command line; a -params-file is read as written
    BadInput("pipeline_params_file_with_a_tilde_path", "pipeline", "nextflow",
             lambda t: ["-params-file", str(write_bytes(t / "params.yml", b"input: ~/hlhscreen/samplesheet.csv\n"))],
             ["--input: ~/hlhscreen/samplesheet.csv does not exist (~ and $VARIABLES are not expanded in a "
              "-params-file or in quotes: write the full path, e.g. " + str(Path.home()) + "/hlhscreen/samplesheet.csv)"]),
    # an empty value in a -params-file is null, which the steps read as the word null: before, the start checked
    # the default list instead and ANNOTATION_SUMMARY refused 'null' after the alignment
    BadInput("pipeline_params_file_with_an_empty_af_fields", "pipeline", "nextflow",
             lambda t: ["-params-file", str(write_bytes(t / "params.yml", b"af_fields:\n"))],
             ["Input check failed; nothing was run.",
              "--af-fields: 'null' is neither a frequency keyword nor a field such as INFO/gnomAD_AF"]),
    # a YAML list where one value (a gene-list file) is expected: before, a Groovy MissingMethodException
    BadInput("pipeline_params_file_with_a_list_value", "pipeline", "nextflow",
             lambda t: ["-params-file", str(write_bytes(t / "params.yml", b"genes: [PRF1, UNC13D]\n"))],
             ["--genes: a list ([PRF1, UNC13D]) where one value is expected", "write one value, e.g. genes: PRF1"]),
    # [ ] * ? in a path are names: before, the existence check globbed them and crashed on the empty match list
    BadInput("pipeline_missing_path_with_glob_characters", "pipeline", "nextflow",
             lambda t: ["--risk_factors", str(t / "lists[1]" / "risk_factors*.tsv")],
             ["Invalid parameters:", "lists[1]/risk_factors*.tsv does not exist"]),
    # "false" quoted in a JSON -params-file is text, which Groovy reads as true
    BadInput("pipeline_params_file_with_a_quoted_boolean", "pipeline", "nextflow",
             lambda t: ["-params-file", str(write_bytes(t / "params.json", b'{"skip_screening": "false"}\n'))],
             ["--skip_screening: 'false' is not true or false but text (quoted in a -params-file?): write false without quotes"]),
    # before: the results went to a folder named '~' in the launch folder, without a word
    BadInput("pipeline_outdir_with_a_tilde", "pipeline", "nextflow",
             lambda t: ["--outdir", "~/hlhscreen_results"],
             ["--outdir: ~/hlhscreen_results: ~ and $VARIABLES are not expanded",
              "write the full path, e.g. " + str(Path.home()) + "/hlhscreen_results"]),
    BadInput("pipeline_outdir_is_a_file", "pipeline", "nextflow",
             lambda t: ["--outdir", str(touch(t / "results.txt"))],
             ["--outdir: ", "results.txt is a file, not a folder"]),
    BadInput("pipeline_parameter_combinations", "pipeline", "nextflow",
             lambda t: ["--bwamem2_index", str(fake_index(t, "bwa-mem2", windows_ann())), "--common_af", "0.05",
                        "--min_dpp", "5", "-c", str(write_bytes(t / "site.config", b"params.common_afx = 0.02\n")),
                        "--min_qual", "--min_pct_20x", "0.9", "--min_pct_on_target", "0.3",
                        "--vep_cache_type", "refseq"],
             ["Invalid parameters:", "--bwamem2_index: used only with --aligner bwa-mem2 (now 'bwa')",
              "--min_dpp: unknown parameter (did you mean --min_dp?)",
              "--common_afx: unknown parameter (did you mean --common_af?)",
              "--common_af: 0.05 is above --max_af 0.04", "were the two swapped?", "--min_qual: no value given",
              "--min_pct_20x: 0.9 is a percentage (0-100), so it flags only samples below 0.9 %: did you mean 90?",
              "--min_pct_on_target: 0.3 is a percentage (0-100), so it flags only samples below 0.3 %: did you mean 30?",
              "--vep_cache_type refseq: only used with --annotator vep and --vep_cache"]),
    # --skip_screening: the QC percentages and the panel's --genes/--gtf pair are still read (QC and calling run),
    # but before they were not checked at all (0.9 % flagged no sample; --genes without --gtf crashed BUILD_PANEL);
    # screening-only values (--max_af, --clinvar_min_stars, the profile's --gnomad_vcf/--clinvar_vcf) were ignored
    # without a word, and are now named in a warning
    BadInput("pipeline_skip_screening_checks_what_runs_and_names_what_does_not", "pipeline", "nextflow",
             lambda t: ["--skip_screening", "--min_pct_20x", "0.9", "--genes", str(write_bytes(t / "genes.txt", b"PRF1\n")),
                        "--max_af", "0.5", "--clinvar_min_stars", "3", "--min_dp", "15"],
             ["Invalid parameters:",
              "--min_pct_20x: 0.9 is a percentage (0-100), so it flags only samples below 0.9 %: did you mean 90?",
              "--genes and --gtf: give both to build a custom panel",
              "--skip_screening: --gnomad_vcf, --clinvar_vcf, --max_af, --clinvar_min_stars set, but not used in this "
              "run: nothing is annotated, screened, tested or reported"]),
    BadInput("pipeline_skip_screening_with_intervals_and_a_panel", "pipeline", "nextflow",
             lambda t: ["--skip_screening", "--intervals", str(write_bytes(t / "t.bed", b"chr10\t1\t100\n")),
                        "--panel", "my_panel", "--gtf", str(write_bytes(t / "a.gtf", b""))],
             ["--gtf: not used with --skip_screening and --intervals",
              "--panel: not used with --skip_screening and --intervals"]),
    # ---- session 17: VEP's cache flavour given in ext.args (a -c config) bypassed --vep_cache_type: VEP read the
    # RefSeq cache while the start-up cache check, the report and the screening took the Ensembl one
    BadInput("pipeline_vep_refseq_in_ext_args", "pipeline", "nextflow",
             lambda t: ["--annotator", "vep", "--vep_cache", str(ensembl_and_refseq_vep_caches(t)), "-c",
                        str(write_bytes(t / "site.config",
                                        b"process { withName: '.*:ENSEMBLVEP_VEP' { ext.args = '--refseq --pick' } }\n"))],
             ["Invalid parameters:", "ext.args of withName: '.*:ENSEMBLVEP_VEP': passes VEP --refseq, but "
              "--vep_cache_type is ensembl", "give --vep_cache_type refseq", "drop --refseq from ext.args"]),
    BadInput("pipeline_vep_rest_refseq_in_ext_args", "pipeline", "nextflow",
             lambda t: ["--annotator", "vep_rest", "-c",
                        str(write_bytes(t / "site.config", b"process { withName: 'VEP_REST' { ext.args = "
                                                           b"{ \"--server ${params.vep_rest_server} -merged\" } } }\n"))],
             ["Invalid parameters:", "ext.args of withName: 'VEP_REST': passes --merged, which the REST client "
              "(vep_rest.py) does not take", "--annotator vep --vep_cache <folder> --vep_cache_type merged"]),
    BadInput("pipeline_bwa_index_of_another_fasta", "pipeline", "nextflow",
             lambda t: ["--bwa_index", str(fake_index(t, "bwa", GRCH38_ANN))],
             ["Input check failed; nothing was run.", "--bwa_index: the index was built from another FASTA"]),
    # ---- session 12: FASTQ as sequencers and archives write them
    # an index read file (I1, 8 bases) as R2: names and counts pair, the lane became single-end with exit 0
    BadInput("fastq_index_read_given_as_r2", "check", "check_fastq.py",
             lambda t: damaged_pair(t, recompress(lambda text: index_reads(text, 8))),
             ["case_02_R2.fastq.gz: reads: the first 4404 reads of R2 hold at most 8 bases (the length of an index "
              "or UMI read)", "(sample case_02, lane 1: its 1st row in the samplesheet)", "..._I1_001"]),
    # Phred+64 in R2 only (R1 alone was judged)
    BadInput("fastq_phred64_qualities_in_r2", "check", "check_fastq.py",
             lambda t: damaged_pair(t, recompress(to_phred64)),
             ["case_02_R2.fastq.gz:4: read 1: the qualities are Phred+64 (Illumina 1.3-1.7"]),
    # Solexa+64 (Illumina before 1.3): negative scores below '@' let it pass the Phred+64 rule (aligned 26-31 too high)
    BadInput("fastq_solexa_qualities", "check", "check_fastq.py",
             lambda t: damaged_pair(t, recompress(to_solexa)),
             ["case_02_R2.fastq.gz:4: read 1: the qualities are Solexa+64 (Illumina before 1.3", "'fastq-solexa'",
              "(sample case_02, lane 1: its 1st row in the samplesheet)"]),
    BadInput("fastq_bzip2_under_a_gz_name", "check", "check_fastq.py",
             lambda t: damaged_pair(t, lambda data: __import__("bz2").compress(gzip.decompress(data))),
             ["case_02_R2.fastq.gz: gzip: the file is bzip2-compressed (.bz2), not gzip-compressed",
              "Recompress it: bzcat in | gzip > out.fastq.gz."]),
    BadInput("samplesheet_plain_fastq_under_a_gz_name", "check", "check_samplesheet.py",
             lambda t: [str(samplesheet(t, [f"case_02,case,{write_bytes(t / 'p_R1.fastq.gz', b'@r1 1:N:0:1' + bytes(10))},"
                                            f"{reads_link(t, 'case_02_L001_R2.fastq.gz', 'p_R2.fastq.gz')}",
                                            two_samples(t)[1]]))],
             ["samplesheet.csv:2: fastq_1: FASTQ file ", "p_R1.fastq.gz: the file is a plain (uncompressed) FASTQ, "
              "not gzip-compressed. Recompress it: cat in | gzip > out.fastq.gz."]),
    # Nextflow keeps --max-af as max-af and maxAf, never as max_af: before, such names were skipped as
    # "aliases" and the run kept the defaults (max_af 0.01, min_dp 10) with exit 0, in silence
    BadInput("pipeline_kebab_and_camel_case_parameters", "pipeline", "nextflow",
             lambda t: ["--max-af", "0.5", "--skip-screening", "--min-dpp", "3", "-params-file",
                        str(write_bytes(t / "params.yml", b"minDp: 3\nrisk-factors: /data/rf.tsv\nmaxAff: 0.1\n"
                                                                  b"noSuchOption: 1\n"))],
             ["Invalid parameters:",
              "--max-af: not read as --max_af (this pipeline's parameters are written with '_'",
              "so the run would keep the default of --max_af): write --max_af",
              "--skip-screening: not read as --skip_screening", "--minDp: not read as --min_dp",
              "--risk-factors: not read as --risk_factors",
              "--min-dpp: unknown parameter (did you mean --min_dp?)",
              "--maxAff: unknown parameter (did you mean --max_af?) (see nextflow_schema.json",
              "--noSuchOption: unknown parameter (see nextflow_schema.json or docs/usage.md for the valid ones)"]),
    BadInput("pipeline_gnomad_not_a_vcf_name", "pipeline", "nextflow",
             lambda t: ["--gnomad_vcf", str(touch(t / "gnomad.tsv"))],
             ["--gnomad_vcf: ", "is not a bgzipped VCF name: give the sites VCF itself, named *.vcf.gz or *.vcf.bgz"]),
]


def small_plain_reference_with_whitelist(tmp: Path) -> List[str]:
    """A 1 kb plain FASTA (chr1) with its index, a one-gene panel, and a whitelist row whose REF is the
    complement of the reference base (written on the transcript strand)."""
    import random

    rng = random.Random(11)
    sequence = "".join(rng.choice("ACGT") for _ in range(1000))
    fasta = tmp / "ref.fa"
    fasta.write_text(">chr1\n" + "\n".join(sequence[i:i + 60] for i in range(0, 1000, 60)) + "\n")
    pysam.faidx(str(fasta))
    (tmp / "regions.bed").write_text("chr1\t100\t200\tGENE1|exon1\n")
    (tmp / "targets.bed").write_text("chr1\t50\t250\tGENE1\n")
    base = sequence[150]
    wrong = {"A": "T", "C": "G", "G": "C", "T": "A"}[base]
    alt = next(b for b in "ACGT" if b not in (base, wrong))
    header = (PANEL / "risk_factors.tsv").read_text().splitlines()[0]
    columns = header.split("\t")
    row = {c: "NA" for c in columns}
    row.update(gene="GENE1", build="GRCh38", chrom="chr1", pos="151", ref=wrong, alt=alt, evidence="PMID:1",
               reason="test row")
    whitelist = tmp / "risk_factors.tsv"
    whitelist.write_text(header + "\n" + "\t".join(row[c] for c in columns) + "\n")
    return ["--fasta", str(fasta), "--regions", str(tmp / "regions.bed"), "--targets", str(tmp / "targets.bed"),
            "--risk-factors", str(whitelist)]


BAM_AS_FASTQ = gzip.compress(b"BAM\x01" + bytes(60))  # a BAM (BGZF-compressed) named .fastq.gz


GRCH38_ANN = [("chr10", 133797422), ("chr17", 83257441)]  # an index of (part of) the whole GRCh38


def windows_ann(longer: int = 0) -> List[tuple]:
    fai = (TEST / "reference/hlh_windows.synthetic.fa.fai").read_text().splitlines()
    return [(line.split("\t")[0], int(line.split("\t")[1]) + (longer if i == 0 else 0)) for i, line in enumerate(fai)]


def fake_index(tmp: Path, aligner: str, contigs: List[tuple], names=("hlh",)) -> Path:
    """An aligner index folder: the .ann written as bwa writes it (name and length of every contig);
    the other files empty (only their presence is checked at start)."""
    folder = tmp / "index"
    folder.mkdir(exist_ok=True)
    suffixes = {"bwa": (".amb", ".bwt", ".pac", ".sa"), "bwa-mem2": (".amb", ".pac", ".0123", ".bwt.2bit.64")}[aligner]
    for name in names:
        lines, offset = [f"{sum(n for _, n in contigs)} {len(contigs)} 11"], 0
        for contig, length in contigs:
            lines += [f"0 {contig} (null)", f"{offset} {length} 0"]
            offset += length
        (folder / f"{name}.ann").write_text("\n".join(lines) + "\n")
        for suffix in suffixes:
            (folder / f"{name}{suffix}").write_bytes(b"")
    return folder


def folder_of(tmp: Path, *names: str) -> Path:
    folder = tmp / "index"
    folder.mkdir(exist_ok=True)
    for name in names:
        (folder / name).write_text("x\n")
    return folder


def shifted_fai(tmp: Path) -> Path:
    """The .fai of the test reference with its contig headers one character longer (another FASTA)."""
    fai = (TEST / "reference/hlh_windows.synthetic.fa.fai").read_text().splitlines()
    path = tmp / "other.fa.fai"
    path.write_text("".join("\t".join([f[0], f[1], str(int(f[2]) + 6 * (i + 1)), f[3], f[4]]) + "\n"
                            for i, f in enumerate(line.split("\t") for line in fai)))
    return path


def with_index_of(tmp: Path, vcf: Path, index: str, name: str = "gnomad.vcf.gz") -> Path:
    """``vcf`` with the index of another file beside it (the file replaced, its old index kept)."""
    path = tmp / name
    shutil.copy(vcf, path)
    shutil.copy(index, f"{path}.tbi")
    return path


def copy_of(tmp: Path, source: str, name: str) -> Path:
    return Path(shutil.copy(READS / source, tmp / name))


def write_bytes(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def latin1_samplesheet(tmp: Path) -> Path:
    """Saved by a spreadsheet in Windows-1252: a FASTQ folder named 'séquençage'."""
    rows = two_samples(tmp)
    path = tmp / "samplesheet.csv"
    path.write_bytes("\n".join(["sample,group,fastq_1,fastq_2", rows[0], rows[1].replace("ctrl_01,control,", "ctrl_01,control,./s\u00e9q/../")])
                     .encode("cp1252") + b"\n")
    return path


def refseq_vep_cache(tmp: Path) -> Path:
    """A folder into which homo_sapiens_refseq_vep_113_GRCh38.tar.gz was unpacked (its info.txt only)."""
    write_bytes(tmp / "vep/homo_sapiens_refseq/113_GRCh38/info.txt", b"species\thomo_sapiens\nsource_refseq\t2024-01\n")
    return tmp / "vep"


def ensembl_and_refseq_vep_caches(tmp: Path) -> Path:
    """A folder holding VEP's Ensembl and RefSeq caches of one release: the start-up check finds the Ensembl one."""
    write_bytes(tmp / "vep/homo_sapiens/113_GRCh38/info.txt", b"species\thomo_sapiens\n")
    return refseq_vep_cache(tmp)


def touch(path: Path) -> Path:
    path.write_text("x\n")
    return path


def fai_of(tmp: Path, text: str) -> Path:
    path = tmp / "other.fa.fai"
    path.write_text(text.replace("\n", "\t6\t60\t61\n"))
    return path


def merge_two_alts(text: str) -> str:
    """The gnomAD file's second record given a second ALT: a file whose records were not split."""
    return text.replace("\tG\tA\t.\tPASS\tAF=0.00108;", "\tG\tA,C\t.\tPASS\tAF=0.00108,0.0001;", 1)


def merge_two_alts_at_snv(text: str) -> str:
    """PRF1 p.Asn252Ser's gnomAD record (70598966 T>C) with a second ALT."""
    return text.replace("\tT\tC\t.\tPASS\tAF=0.00642;", "\tT\tC,G\t.\tPASS\tAF=0.00642,0.0001;", 1)


def annotation_without_frequencies(tmp: Path, keep_first: bool = False, gnomad: Path = GNOMAD) -> List[str]:
    """A snpEff-annotated VCF of two PRF1 sites gnomAD lists, without the gnomAD INFO fields (with
    ``keep_first``: p.Ala91Val's gnomAD_AF attached, p.Asn252Ser's lost)."""
    header = ('##fileformat=VCFv4.2\n##contig=<ID=chr10>\n##INFO=<ID=ANN,Number=.,Type=String,Description="Functional '
              "annotations: 'Allele | Annotation | Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | "
              "Transcript_BioType | Rank | HGVS.c | HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length | "
              "AA.pos / AA.length | Distance | ERRORS / WARNINGS / INFO' \">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
    if keep_first:
        header = header.replace("#CHROM", '##INFO=<ID=gnomAD_AF,Number=A,Type=Float,Description="gnomAD AF">\n#CHROM')
    rows = [f"chr10\t{pos}\t.\t{ref}\t{alt}\t50\tPASS\tANN={alt}|missense_variant|MODERATE|PRF1|ENSG00000180644|"
            f"transcript|ENST00000441259.2|protein_coding|2/3|c.1A>G|p.Met1Val|||||{af}\n"
            for pos, ref, alt, af in ((70598966, "T", "C", ""),
                                      (70600631, "G", "A", ";gnomAD_AF=0.0354" if keep_first else ""))]
    vcf = tmp / "cohort.annotated.vcf"
    vcf.write_text(header + "".join(rows))
    return [str(vcf), "--annotator", "offline", "--gnomad", str(gnomad), "--out", str(tmp / "a_mqc.tsv"),
            "--frequency-check", str(tmp / "f_mqc.tsv")]


# ---------------------------------------------------------------------------------------------- tests

MINIMUM_ROWS = 103  # raise it when you add rows; never lower it


def test_the_catalogue_only_grows():
    ids = [entry.id for entry in CATALOGUE]
    assert len(ids) == len(set(ids)), "catalogue ids must be unique"
    assert len(CATALOGUE) >= MINIMUM_ROWS


def test_every_parameter_pattern_is_explained_in_words():
    # the validator shows errorMessage, never the regular expression, when a value does not fit
    import json

    schema = json.loads((REPO / "nextflow_schema.json").read_text())
    for group in schema["$defs"].values():
        for name, spec in group["properties"].items():
            if "pattern" in spec:
                assert spec.get("errorMessage"), f"--{name}: a pattern without an errorMessage"


def check(entry: BadInput, tmp_path: Path) -> None:
    args = entry.make(tmp_path)
    if entry.tool == "nextflow":
        result = run_nextflow(tmp_path, "-profile", "test", "--outdir", str(tmp_path / "results"), *args, check=False,
                              env=entry.env)
    else:
        result = subprocess.run([sys.executable, str(BIN / entry.tool), *args], capture_output=True, text=True)
    output = result.stdout + result.stderr
    if entry.exit_zero:
        assert result.returncode == 0, output[-3000:]
    else:
        assert result.returncode != 0, f"{entry.id} was accepted:\n{output[-3000:]}"
    for text in entry.expected:
        assert text in output, f"{entry.id}: {text!r} not in:\n{output[-3000:]}"
    if entry.level == "pipeline":
        assert "Submitted process" not in output, f"{entry.id}: a task started before the input was refused"
        assert not (tmp_path / "work").exists() or not any((tmp_path / "work").iterdir())


@pytest.mark.parametrize("entry", [e for e in CATALOGUE if e.level == "check"], ids=lambda e: e.id)
def test_checker_refuses_with_the_expected_words(entry, tmp_path):
    check(entry, tmp_path)


@pytest.mark.pipeline
@pytest.mark.parametrize("entry", [e for e in CATALOGUE if e.level == "pipeline"], ids=lambda e: e.id)
def test_pipeline_refuses_before_any_task(entry, tmp_path):
    check(entry, tmp_path)
