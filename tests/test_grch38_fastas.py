"""The GRCh38 FASTAs users download, imitated by small fixtures (their names, headers and layout; no
real sequence), through the start-up check (bin/check_inputs.py, hlhscreen.startup):

- Ensembl ``Homo_sapiens.GRCh38.dna.primary_assembly.fa`` (``1``, ``X``, ``MT``; ``dna_sm`` soft-masked,
  ``dna_rm`` hard-masked) and ``dna.toplevel.fa`` (adds haplotypes and patches ``CHR_*``);
- NCBI ``GCA_000001405.15_GRCh38_no_alt_analysis_set.fna`` (``chrEBV``, ``chrUn_*``, ``*_decoy``), RefSeq
  ``GCF_000001405.40_GRCh38.p14_genomic.fna`` (``NC_000001.11``), GenBank (``CM000663.2``);
- GATK ``Homo_sapiens_assembly38.fasta`` (``chrM``, ``HLA-*``, ``*_alt`` with ``.64.alt``), UCSC ``hg38.fa``
  (``*_alt``; the patched release adds ``*_fix``);
- T2T-CHM13 or GRCh37 given by mistake (told by chromosome lengths);
- a stale or foreign ``.fai``, Windows line ends, a sequence name twice.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import pytest

from conftest import BIN
from hlhscreen.assembly import accession_named
from hlhscreen.errors import UserInputError
from hlhscreen.reference_checks import alt_contigs, check_fai_matches_fasta
from hlhscreen.startup import StartupInputs, check_inputs

REPO = Path(__file__).resolve().parents[1]
PANEL = REPO / "panels" / "hlh"
needs_samtools = pytest.mark.skipif(shutil.which("samtools") is None, reason="samtools builds the .fai")

# primary chromosome lengths: GRCh38.p14 and T2T-CHM13v2.0 (NCBI assembly reports)
GRCH38 = {"1": 248956422, "5": 181538259, "6": 170805979, "10": 133797422, "12": 133275309, "14": 107043718,
          "15": 101991189, "17": 83257441, "19": 58617616, "20": 64444167, "X": 156040895, "Y": 57227415}
CHM13 = {"1": 248387328, "5": 182045439, "6": 172126628, "10": 134758134, "12": 133324548, "14": 101161492,
         "15": 99753195, "17": 84276897, "19": 61707364, "20": 66210255, "X": 154259566, "Y": 62460029}
NCBI36 = {"1": 247249719, "2": 242951149, "3": 199501827, "X": 154913754}


def names_only_reference(folder: Path, contigs: Sequence[Tuple[str, int]], name: str = "ref.fa.gz") -> Dict[str, Path]:
    """A gzipped stand-in FASTA with an index of real names and lengths (a gzipped FASTA's .fai is
    read for names and lengths only; its bases are not needed for these checks)."""
    fasta = folder / name
    fasta.write_bytes(gzip.compress(b"".join(f">{c}\nACGT\n".encode() for c, _ in contigs)))
    fai = folder / f"{name}.fai"
    fai.write_text("".join(f"{c}\t{n}\t0\t60\t61\n" for c, n in contigs))
    return {"fasta": fasta, "fasta_fai": fai}


def with_panel(**inputs) -> StartupInputs:
    return StartupInputs(regions=PANEL / "regions.bed", targets=PANEL / "targets.bed", **inputs)


def fasta_file(path: Path, records: Sequence[Tuple[str, str]], newline: str = "\n", width: int = 60) -> Path:
    """Records (header line without '>', sequence), indexed with samtools faidx."""
    path.write_bytes("".join(f">{header}{newline}" + "".join(seq[i:i + width] + newline for i in range(0, len(seq), width))
                             for header, seq in records).encode())
    subprocess.run(["samtools", "faidx", str(path)], check=True, capture_output=True)
    return path


SEQ = "ACGTTGCAAC" * 30


# --- another assembly given by mistake -----------------------------------------------------------------

@pytest.mark.parametrize("lengths,assembly", [(CHM13, "T2T-CHM13"), (NCBI36, "NCBI36")])
def test_a_t2t_chm13_or_hg18_reference_is_refused_by_its_chromosome_lengths(tmp_path, lengths, assembly):
    """The GRCh38 panel lies within CHM13's (mostly longer) chromosomes: it was placed, called and
    screened at other bases without a word."""
    reference = names_only_reference(tmp_path, [(f"chr{c}", n) for c, n in lengths.items()])
    report = check_inputs(with_panel(**reference))
    [error] = report.errors
    assert error.field == "genome-build" and f"is {assembly} (chr1 is {lengths['1']:,} bp)" in str(error)


def test_a_grch38_reference_of_the_same_names_passes_the_build_check(tmp_path):
    reference = names_only_reference(tmp_path, [(f"chr{c}", n) for c, n in GRCH38.items()])
    assert check_inputs(with_panel(**reference)).errors == []


def test_an_ensembl_primary_assembly_is_refused_with_the_harmonise_advice_and_passes_with_it(tmp_path):
    """Ensembl names chromosomes 1, X, MT: the panel's chr1 is not there under that name."""
    reference = names_only_reference(tmp_path, [(c, n) for c, n in GRCH38.items()] + [("MT", 16569)],
                                     "Homo_sapiens.GRCh38.dna.primary_assembly.fa.gz")
    errors = check_inputs(with_panel(**reference)).errors
    assert errors and all("the panel names contig chr1 but the reference calls it 1" in str(e) and
                          "--harmonise_contigs true" in str(e) for e in errors)
    assert check_inputs(with_panel(harmonise_contigs=True, **reference)).errors == []


# --- NCBI RefSeq / GenBank accessions -------------------------------------------------------------------

@pytest.mark.parametrize("names", [
    ["NC_000001.11", "NC_000010.11", "NC_000023.11", "NC_000024.10", "NC_012920.1", "NT_187361.1"],  # RefSeq
    ["CM000663.2", "CM000672.2", "CM000685.2", "J01415.2", "KI270706.1"],                          # GenBank
])
def test_a_reference_naming_chromosomes_by_accession_is_refused_with_the_renaming_route(tmp_path, names):
    """The panel, GTF, gnomAD, ClinVar and VEP name chromosomes; before, the run stopped with 'no panel
    region lies on the reference' and no word on why or how to fix it."""
    reference = names_only_reference(tmp_path, [(name, 1000) for name in names], "GCF_000001405.40_genomic.fna.gz")
    report = check_inputs(with_panel(**reference))
    [error] = report.errors
    assert error.field == "--fasta" and f"by sequence accession ({names[0]}, {names[1]}, {names[2]}" in str(error)
    assert "GCA_000001405.15_GRCh38_no_alt_analysis_set" in str(error) and "Which GRCh38 FASTA" in str(error)


def test_accession_names_are_shown_in_natural_order_not_the_references():
    assert accession_named(["NC_000010.11", "NC_000002.12", "NT_187361.1", "NC_000001.11"]) == \
        ["NC_000001.11", "NC_000002.12", "NC_000010.11"]


def test_the_documented_renaming_turns_refseq_names_into_ucsc_names(tmp_path):
    """docs/usage.md's commands, on an assembly-report excerpt and RefSeq headers. NCBI publishes the report
    with CR LF line ends (gffread's gb2chrnames.pl strips them: "stupid DOS file"); read as is, the last
    column is 'chr1\\r' and 'na\\r', so every name got a CR and a sequence without a UCSC name was renamed 'na'."""
    usage = (REPO / "docs/usage.md").read_text()
    block = usage[usage.index("```bash\n# RefSeq/GenBank names -> UCSC names"):]
    commands = block[len("```bash\n"):block.index("```", 8)]
    (tmp_path / "GCF_000001405.40_GRCh38.p14_assembly_report.txt").write_bytes((
        "# Assembly name:  GRCh38.p14\n# Sequence-Name\tSequence-Role\tAssigned-Molecule\tAssigned-Molecule-Location/Type"
        "\tGenBank-Accn\tRelationship\tRefSeq-Accn\tAssembly-Unit\tSequence-Length\tUCSC-style-name\n"
        "1\tassembled-molecule\t1\tChromosome\tCM000663.2\t=\tNC_000001.11\tPrimary Assembly\t248956422\tchr1\n"
        "HG1_PATCH\tfix-patch\t1\tChromosome\tKZ000001.1\t=\tNW_000000001.1\tPATCHES\t1000\tna\n"
        "HG2_PATCH\tfix-patch\t1\tChromosome\tKZ000002.1\t=\tNW_000000002.1\tPATCHES\t1000\tna\n"
        "MT\tassembled-molecule\tMT\tMitochondrion\tJ01415.2\t=\tNC_012920.1\tnon-nuclear\t16569\tchrM\n"
    ).replace("\n", "\r\n").encode())
    (tmp_path / "GCF_000001405.40_GRCh38.p14_genomic.fna").write_text(
        ">NC_000001.11 Homo sapiens chromosome 1, GRCh38.p14 Primary Assembly\nACGT\n"
        ">NW_000000001.1 Homo sapiens chromosome 1 genomic patch\nAAAA\n"
        ">NW_000000002.1 Homo sapiens chromosome 1 genomic patch\nCCCC\n"
        ">NC_012920.1 Homo sapiens mitochondrion, complete genome\nGATC\n")
    subprocess.run(["bash", "-euo", "pipefail", "-c", commands.replace("samtools faidx", "true")], cwd=tmp_path,
                   check=True)
    assert (tmp_path / "GRCh38.ucsc_names.fa").read_text() == (
        ">chr1\nACGT\n>NW_000000001.1 Homo sapiens chromosome 1 genomic patch\nAAAA\n"
        ">NW_000000002.1 Homo sapiens chromosome 1 genomic patch\nCCCC\n>chrM\nGATC\n")


# --- ALT haplotypes and patches ------------------------------------------------------------------------

def test_ucsc_fix_patches_and_ensembl_toplevel_haplotypes_count_as_alt_copies():
    """hg38.p14 (UCSC 'latest') adds *_fix patches; Ensembl's toplevel FASTA adds haplotypes and patches
    named CHR_*: each copies a primary locus, and reads there got MAPQ 0 without any warning."""
    names = ["chr1", "chr1_KN196472v1_fix", "chr6_GL000250v2_alt", "1", "CHR_HSCHR6_MHC_COX_CTG1",
             "CHR_HG2266_PATCH", "KI270728.1", "chrUn_JTFH01000001v1_decoy", "HLA-A*01:01:01:01", "chrEBV", "MT"]
    assert alt_contigs(names) == ["chr1_KN196472v1_fix", "chr6_GL000250v2_alt", "CHR_HG2266_PATCH",
                                  "CHR_HSCHR6_MHC_COX_CTG1"]  # natural order, case aside


@needs_samtools
def test_an_ensembl_toplevel_fasta_warns_and_names_the_primary_assembly(tmp_path):
    fasta = fasta_file(tmp_path / "Homo_sapiens.GRCh38.dna.toplevel.fa", [
        ("1 dna:chromosome chromosome:GRCh38:1:1:248956422:1 REF", SEQ),
        ("KI270728.1 dna:scaffold scaffold:GRCh38:KI270728.1:1:1872759:1 REF", SEQ),
        ("CHR_HSCHR6_MHC_COX_CTG1 dna:chromosome chromosome:GRCh38:CHR_HSCHR6_MHC_COX_CTG1:28510128:33480000:1 HAP",
         SEQ)])
    [warning] = check_inputs(StartupInputs(fasta=fasta, aligner="bwa")).warnings
    assert "1 ALT contig(s) (CHR_HSCHR6_MHC_COX_CTG1)" in warning and "MAPQ 0" in warning
    assert "Homo_sapiens.GRCh38.dna.primary_assembly.fa, not dna.toplevel.fa" in warning


# --- the FASTAs that pass as they come -----------------------------------------------------------------

@needs_samtools
@pytest.mark.parametrize("name,records", [
    ("Homo_sapiens.GRCh38.dna_sm.primary_assembly.fa",      # Ensembl, soft-masked (lower case)
     [("1 dna_sm:chromosome chromosome:GRCh38:1:1:248956422:1 REF", SEQ.lower()),
      ("KI270728.1 dna_sm:scaffold scaffold:GRCh38:KI270728.1:1:1872759:1 REF", SEQ),
      ("MT dna_sm:chromosome chromosome:GRCh38:MT:1:16569:1 REF", SEQ)]),
    ("GCA_000001405.15_GRCh38_no_alt_analysis_set.fna",   # NCBI analysis set with the hs38d1 decoys
     [("chr1  AC:CM000663.2  gi:568336023  LN:248956422  rl:Chromosome  M5:6aef897c3d6ff0c78aff06ac189178dd  "
       "AS:GRCh38", SEQ),
      ("chr1_KI270706v1_random  AC:KI270706.1  gi:568335776  LN:175055  rl:unlocalized  M5:62def  AS:GRCh38", SEQ),
      ("chrUn_KI270302v1  AC:KI270302.1  gi:568335913  LN:2274  rl:unplaced  M5:78135  AS:GRCh38", SEQ),
      ("chrEBV  AC:V01555.2  gi:9625578  LN:171823  rl:decoy  M5:6743bd  AS:chrEBV", SEQ),
      ("chrUn_JTFH01000001v1_decoy  AC:JTFH01000001.1  gi:725020707  LN:182896  rl:decoy  M5:6f85  AS:hs38d1", SEQ)]),
])
def test_fastas_without_alt_contigs_pass_without_warning(tmp_path, name, records):
    fasta = fasta_file(tmp_path / name, records)
    report = check_inputs(StartupInputs(fasta=fasta, aligner="bwa"))
    assert report.errors == [] and report.warnings == [], (report.errors, report.warnings)


@needs_samtools
def test_the_gatk_bundle_with_its_64_alt_file_passes_without_warning(tmp_path):
    fasta = fasta_file(tmp_path / "Homo_sapiens_assembly38.fasta", [
        ("chr1  AC:CM000663.2  gi:568336023  LN:248956422  rl:Chromosome  M5:6aef897c3d6ff0c78aff06ac189178dd  "
         "AS:GRCh38", SEQ),
        ("chrM  AC:J01415.2  gi:113200490  LN:16569  rl:Mitochondrion  M5:c68f52674c9fb33aef52dcf399755519  AS:GRCh38", SEQ),
        ("chr6_GL000250v2_alt  AC:GL000250.2  gi:568335496  LN:4672374  rl:alt-scaffold  M5:1b6e  AS:GRCh38", SEQ),
        ("HLA-A*01:01:01:01", SEQ), ("chrEBV", SEQ)])
    alt = tmp_path / "Homo_sapiens_assembly38.fasta.64.alt"
    alt.write_text("@SQ\tSN:chr6\tLN:170805979\nchr6_GL000250v2_alt\t0\tchr6\t29723340\t255\t300M\t*\t0\t0\t*\t*\n")
    report = check_inputs(StartupInputs(fasta=fasta, aligner="bwa", reference_alt=alt))
    assert report.errors == [] and report.warnings == [], (report.errors, report.warnings)


# --- Windows line ends ---------------------------------------------------------------------------------

@needs_samtools
def test_windows_line_ends_are_refused_at_start_with_the_conversion(tmp_path):
    """samtools and bwa read CR LF, FreeBayes does not ('Found non-DNA character'): the run stopped at
    calling, after the alignment."""
    fasta = fasta_file(tmp_path / "hg38.fa", [("chr1", SEQ), ("chr2", SEQ)], newline="\r\n")
    [error] = check_inputs(StartupInputs(fasta=fasta)).errors
    assert error.field == "--fasta" and "Windows line ends (CR LF)" in str(error) and "sed 's/\\r$//'" in str(error)
    unindexed = tmp_path / "gz"
    unindexed.mkdir()
    packed = unindexed / "hg38.fa.gz"  # plain gzip, no .fai: read from its first lines
    packed.write_bytes(gzip.compress(fasta.read_bytes()))
    [error] = check_inputs(StartupInputs(fasta=packed)).errors
    assert "Windows line ends (CR LF)" in str(error)


# --- the .fai against the FASTA, a sequence name twice ---------------------------------------------------

@needs_samtools
def test_a_sequence_name_twice_is_refused_with_or_without_an_index(tmp_path):
    """samtools faidx keeps the first and only warns; bwa indexes both and the alignment stopped at its
    SAM header ('Duplicate entry chr1'), after building the index."""
    records = [("chr1", SEQ), ("chr2", SEQ[:100]), ("chr1 second copy", SEQ[:200])]
    fasta = fasta_file(tmp_path / "concatenated.fa", records)
    assert [line.split("\t")[0] for line in Path(f"{fasta}.fai").read_text().splitlines()] == ["chr1", "chr2"]
    [error] = check_inputs(StartupInputs(fasta=fasta)).errors
    assert str(error).startswith(f"ERROR {fasta}.fai:2: fai: a second sequence named chr1 follows chr2")
    Path(f"{fasta}.fai").unlink()
    [error] = check_inputs(StartupInputs(fasta=fasta)).errors
    assert "sequence name(s) chr1 occur more than once" in str(error)


@needs_samtools
@pytest.mark.parametrize("change", ["longer_last_contig", "contig_added"])
def test_an_index_of_an_older_shorter_fasta_is_refused(tmp_path, change):
    """Every listed contig still starts where the index says, but the FASTA holds more: the last contig
    grew (its tail was never read) or a contig was appended (never indexed)."""
    fasta = fasta_file(tmp_path / "ref.fa", [("chr1", SEQ), ("chr2", SEQ[:130])])
    old_fai = Path(f"{fasta}.fai").read_text()
    extra = [("chr2", SEQ)] if change == "longer_last_contig" else [("chr2", SEQ[:130]), ("chrM", SEQ[:50])]
    fasta_file(fasta, [("chr1", SEQ)] + extra)
    Path(f"{fasta}.fai").write_text(old_fai)
    with pytest.raises(UserInputError, match="the FASTA index does not belong to this FASTA: after chr2 the file holds"):
        check_fai_matches_fasta(fasta, f"{fasta}.fai")


@needs_samtools
def test_empty_sequences_blank_lines_and_no_last_newline_pass_the_layout_check(tmp_path):
    """What samtools faidx indexes without complaint: an empty sequence (left out of the .fai), blank
    lines after a sequence, a last line without a line end."""
    fasta = tmp_path / "ref.fa"
    fasta.write_text(">a\nACGT\nAC\n>empty\n>b desc\nACGTACGT\n\n\n>c\nAC")
    subprocess.run(["samtools", "faidx", str(fasta)], check=True, capture_output=True)
    check_fai_matches_fasta(fasta, f"{fasta}.fai")


@needs_samtools
def test_the_cli_refuses_a_duplicate_name_before_anything_runs(tmp_path):
    fasta = fasta_file(tmp_path / "ref.fa", [("chr1", SEQ), ("chr1", SEQ)])
    result = subprocess.run([str(BIN / "check_inputs.py"), "--fasta", str(fasta)], capture_output=True, text=True)
    assert result.returncode == 2 and "a second sequence named chr1 follows chr1" in result.stderr


@pytest.mark.pipeline
def test_the_index_given_with_a_compressed_fasta_is_not_used_but_built_from_the_unpacked_fasta(tmp_path):
    """A compressed FASTA's .fai cannot be compared with it at start (plain gzip cannot be read at its
    offsets at all). Before, a given --fasta_fai was used as it was: one of another or an older FASTA
    made every step read other bases, exit 0."""
    from nextflow_runner import run_nextflow

    reference = REPO / "assets/test_cohort/reference"
    packed = tmp_path / "hlh_windows.synthetic.fa.gz"
    packed.write_bytes(gzip.compress((reference / "hlh_windows.synthetic.fa").read_bytes()))
    stale = tmp_path / "hlh_windows.synthetic.fa.gz.fai"  # an older FASTA's: every offset 7 bytes off
    stale.write_text("".join("\t".join(cols[:2] + [str(int(cols[2]) + 7)] + cols[3:]) + "\n" for cols in
                             (line.split("\t") for line in (reference / "hlh_windows.synthetic.fa.fai").read_text()
                              .splitlines())))
    result = run_nextflow(tmp_path, "-profile", "test", "-stub-run", "--outdir", "results",
                          "--fasta", str(packed), "--fasta_fai", str(stale))
    assert f"--fasta_fai {stale} is not used: the index of a compressed FASTA cannot be checked" in result.stdout
    assert "SAMTOOLS_FAIDX" in result.stdout and "UNPACK_FASTA" in result.stdout
