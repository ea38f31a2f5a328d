"""hlhscreen.resources: a gnomAD sites VCF checked without htslib (bgzip, index, INFO/AF, contigs with records)."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

import pysam
import pytest

from hlhscreen.errors import UserInputError
from hlhscreen.resources import check_gnomad_build, check_sites_vcf, index_contigs, is_bgzf

REPO = Path(__file__).resolve().parents[1]
GNOMAD = REPO / "assets/test_cohort/gnomad/gnomad_sites.derived.vcf.gz"

HEADER = ("##fileformat=VCFv4.2\n##contig=<ID=chr6>\n##contig=<ID=chr10>\n##contig=<ID=chr17>\n"
          '##INFO=<ID={af},Number=A,Type=Float,Description="frequency">\n'
          "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")


def sites(tmp_path: Path, records=("chr10\t100\t.\tA\tG\t.\tPASS\t{af}=0.1", "chr17\t200\t.\tC\tT\t.\tPASS\t{af}=0.2"),
          af: str = "AF", name: str = "gnomad.vcf") -> Path:
    text = HEADER.format(af=af) + "".join(r.format(af=af) + "\n" for r in records)
    path = tmp_path / name
    path.write_text(text)
    return path


def bgzipped(path: Path, index: str = "tbi") -> Path:
    out = Path(pysam.tabix_compress(str(path), str(path) + ".gz", force=True) or str(path) + ".gz")
    if index == "tbi":
        pysam.tabix_index(str(out), preset="vcf", force=True)
    elif index == "csi":
        subprocess.run(["bcftools", "index", "--csi", str(out)], check=True)
    return out


def message(path: Path) -> str:
    with pytest.raises(UserInputError) as info:
        check_sites_vcf(path, "--gnomad_vcf")
    return str(info.value)


def test_the_bundled_test_gnomad_file_passes_and_lists_its_contigs_with_records():
    result = check_sites_vcf(GNOMAD, "--gnomad_vcf")
    assert result.contigs == ["chr10", "chr17"]  # chr6 and chr19 are declared but hold no record
    assert "AF" in result.header.info and not result.index_older


def test_tbi_and_csi_indexes_give_the_contigs_with_records(tmp_path):
    tbi = bgzipped(sites(tmp_path))
    assert index_contigs(Path(f"{tbi}.tbi")) == ["chr10", "chr17"]
    other = tmp_path / "csi"
    other.mkdir()
    csi = bgzipped(sites(other), index="csi")
    assert check_sites_vcf(csi, "--gnomad_vcf").contigs == ["chr10", "chr17"]


def test_plain_gzip_is_refused_with_the_recompress_command(tmp_path):
    good = bgzipped(sites(tmp_path))
    plain = tmp_path / "plain.vcf.gz"
    plain.write_bytes(gzip.compress(gzip.decompress(good.read_bytes())))
    shutil.copy(f"{good}.tbi", f"{plain}.tbi")
    assert not is_bgzf(plain)
    text = message(plain)
    assert "plain.vcf.gz: --gnomad_vcf: compressed with plain gzip, not bgzip" in text and "bgzip -c" in text


def test_uncompressed_and_unindexed_files_are_refused(tmp_path):
    assert "not compressed: the file must be bgzipped" in message(sites(tmp_path))
    unindexed = bgzipped(sites(tmp_path), index="none")
    assert f"no index {unindexed}.tbi (or .csi) beside the file. Index it: tabix -p vcf" in message(unindexed)


def test_a_missing_file_or_a_folder_is_refused_by_name(tmp_path):
    """Before: FileNotFoundError / IsADirectoryError tracebacks from bin/check_inputs.py --gnomad-vcf and
    ANNOTATION_SUMMARY (the ClinVar check already said 'file not found')."""
    assert message(tmp_path / "gnomad.vcf.gz") == (f"ERROR {tmp_path / 'gnomad.vcf.gz'}: --gnomad_vcf: file not found. "
                                                     "Check the path given to --gnomad_vcf.")
    folder = tmp_path / "gnomad"
    folder.mkdir()
    assert message(folder) == f"ERROR {folder}: --gnomad_vcf: is a directory, not a file. Give the file itself."


def _damaged_vcfs(tmp_path: Path):
    """(what is wrong, file) for each problem the bgzip/index check names."""
    good = bgzipped(sites(tmp_path))
    plain = tmp_path / "plain.vcf.gz"
    plain.write_bytes(gzip.compress(gzip.decompress(good.read_bytes())))
    unindexed = tmp_path / "unindexed.vcf.gz"
    shutil.copy(good, unindexed)
    return [("missing", tmp_path / "missing.vcf.gz"), ("uncompressed", sites(tmp_path, name="text.vcf.gz")),
            ("plain gzip", plain), ("no index", unindexed)]


def test_gnomad_and_clinvar_files_are_refused_in_the_same_words(tmp_path):
    """One check of a VCF read by position (resources.require_indexed_bgzf) for both: the same problem
    gets the same message, but for the parameter and the name of the suggested copy."""
    from hlhscreen.clinvar import open_clinvar

    for what, path in _damaged_vcfs(tmp_path):
        with pytest.raises(UserInputError) as clinvar_error:
            open_clinvar(path, "--gnomad_vcf")
        gnomad = message(path).replace("sites.vcf.gz", "clinvar.vcf.gz")
        assert str(clinvar_error.value).replace(" (NCBI also publishes clinvar.vcf.gz.tbi)", "") == gnomad, what


def test_a_file_without_info_af_is_refused_naming_the_af_like_fields(tmp_path):
    text = message(bgzipped(sites(tmp_path, af="AF_joint")))
    assert "the header declares no INFO/AF (allele frequency); AF-like fields: AF_joint" in text


def test_an_index_older_than_the_file_is_reported(tmp_path):
    path = bgzipped(sites(tmp_path))
    import os

    stamp = os.path.getmtime(path)
    os.utime(f"{path}.tbi", (stamp - 100, stamp - 100))
    assert check_sites_vcf(path, "--gnomad_vcf").index_older


@pytest.mark.parametrize("index", ["tbi", "csi"])
def test_an_index_of_the_file_before_it_was_rewritten_is_refused(tmp_path, index):
    # the records rewritten longer (an INFO field added) and bgzipped again under the same name, the
    # old index kept: same contigs, so the contig check passed, but its offsets point into the middle
    # of records (htslib then returned part of chr10 and failed on chr17; only a warning before)
    records = [f"chr10\t{100 + i}\t.\tA\tG\t.\tPASS\tAF=0.1" for i in range(3)] + ["chr17\t200\t.\tC\tT\t.\tPASS\tAF=0.2"]
    path = bgzipped(sites(tmp_path, records), index=index)
    assert check_sites_vcf(path, "--gnomad_vcf").contigs == ["chr10", "chr17"]
    saved = tmp_path / "saved_index"
    shutil.copy(f"{path}.{index}", saved)
    bgzipped(sites(tmp_path, [r + ";AC=1;AN=1000000" for r in records]), index="none")
    shutil.copy(saved, f"{path}.{index}")
    text = message(path)
    assert f"gnomad.vcf.gz.{index}: --gnomad_vcf: the index does not belong to gnomad.vcf.gz: where it says the " \
           "records of chr17 start, the file holds no record of it" in text and "tabix -f -p vcf" in text


@pytest.mark.parametrize("index", ["tbi", "csi"])
def test_an_index_over_many_bgzf_blocks_passes(tmp_path, index):
    records = [f"{chrom}\t{10 * i}\t.\tA\tG\t.\tPASS\tAF=0.{i % 997 + 1}" for chrom in ("chr6", "chr10", "chr17")
               for i in range(1, 12000)]
    path = bgzipped(sites(tmp_path, records), index=index)
    assert check_sites_vcf(path, "--gnomad_vcf").contigs == ["chr6", "chr10", "chr17"]


BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")


def bgzf_block(data: bytes) -> bytes:
    """One BGZF block (SAMv1 spec section 4.1) holding ``data``: cut where the test wants, as bgzip cuts
    every 0xff00 bytes wherever a line is."""
    import struct
    import zlib

    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    deflated = compressor.compress(data) + compressor.flush()
    header = (b"\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\xff" + struct.pack("<H", 6) + b"BC"
              + struct.pack("<HH", 2, 18 + len(deflated) + 8 - 1))
    return header + deflated + struct.pack("<II", zlib.crc32(data), len(data))


@pytest.mark.parametrize("cut", [1, 3, 6])
def test_a_contig_whose_first_record_starts_at_the_end_of_a_bgzf_block_passes(tmp_path, cut):
    # bgzip cuts blocks at a fixed size, not at line ends: chr17's first record may start a few bytes
    # before a block ends, its contig name continuing in the next block (a valid file and index)
    text = sites(tmp_path).read_bytes()
    at = text.index(b"chr17\t200") + cut
    path = tmp_path / "cut.vcf.gz"
    path.write_bytes(bgzf_block(text[:at]) + bgzf_block(text[at:]) + BGZF_EOF)
    pysam.tabix_index(str(path), preset="vcf", force=True)
    assert check_sites_vcf(path, "--gnomad_vcf").contigs == ["chr10", "chr17"]


def test_a_gnomad_file_of_another_build_names_the_contigs_in_natural_order():
    """The contigs the called VCF lists in text order (chr10 before chr6): the message names chr6 first."""
    hg19 = {"chr6": 171115067, "chr10": 135534747, "chr17": 81195210, "chr19": 59128983}
    grch38 = {"chr10": 133797422, "chr17": 83257441, "chr19": 58617616, "chr6": 170805979}
    with pytest.raises(UserInputError, match="another genome build: chr6 is 171115067 bp in gnomAD but 170805979 bp "
                                             "in the reference, chr10 is"):
        check_gnomad_build("gnomad.vcf.gz", hg19, grch38, grch38)


def test_an_index_of_another_file_names_its_foreign_contigs_in_natural_order(tmp_path):
    """The other file sorted in text order (chr11 before chr2): the message names chr2 first."""
    records = [f"{chrom}\t100\t.\tA\tG\t.\tPASS\tAF=0.1" for chrom in ("chr10", "chr11", "chr2")]
    other = tmp_path / "other.vcf"
    other.write_text(HEADER.format(af="AF").replace("#CHROM", "##contig=<ID=chr11>\n##contig=<ID=chr2>\n#CHROM")
                     + "".join(record + "\n" for record in records))
    mine = bgzipped(sites(tmp_path, [records[0]]))
    shutil.copy(f"{bgzipped(other)}.tbi", f"{mine}.tbi")
    assert "the index lists contig(s) chr2, chr11 that the file's header does not declare" in message(mine)
