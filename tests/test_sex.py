"""Sex inference from chrX/autosome panel depth, the sex a run uses, ploidy and FreeBayes' CNV map."""

from __future__ import annotations

import gzip
import subprocess
import sys

import pytest
from hypothesis import given, strategies as st

from conftest import BIN
from hlhscreen import sex as sexlib
from hlhscreen.errors import UserInputError
from hlhscreen.sex import DepthRegion, cnv_map_lines, decide_sex, in_par, infer_sex, ploidy

AUTOSOMAL = [DepthRegion("chr10", 70_597_000, 70_598_000, 40.0), DepthRegion("chr17", 75_843_000, 75_844_000, 40.0)]


def x_regions(depth, bases=1000):
    return [DepthRegion("chrX", 124_346_000, 124_346_000 + bases, depth)]


@pytest.mark.parametrize("name,expected", [
    ("chrX", "X"), ("X", "X"), ("chrY", "Y"), ("chr10", "10"), ("10", "10"), ("chrM", "MT"), ("MT", "MT"),
    ("chrX_KI270880v1_alt", ""), ("chrUn_KI270302v1", ""), ("chr23", ""), ("chr01", ""), ("HLA-A*01:01:01:01", ""),
])
def test_contig_names_map_to_chromosomes(name, expected):
    assert sexlib.chromosome(name) == expected


@pytest.mark.parametrize("chrom,pos,par", [
    ("chrX", 10_000, False), ("chrX", 10_001, True), ("chrX", 2_781_479, True), ("chrX", 2_781_480, False),
    ("chrX", 155_701_382, False), ("chrX", 155_701_383, True), ("chrX", 156_030_895, True),
    ("chrX", 156_030_896, False), ("X", 124_346_600, False), ("chrY", 56_887_903, True), ("chrY", 56_887_902, False),
    ("chr1", 20_000, False),
])
def test_grch38_par_boundaries_are_inclusive(chrom, pos, par):
    assert in_par(chrom, pos) is par


def test_ploidy_by_sex_and_region():
    sh2d1a, par1 = 124_346_600, 1_000_000
    assert [ploidy(s, "chrX", sh2d1a) for s in ("male", "female", "unknown")] == [1, 2, None]
    assert [ploidy(s, "chrX", par1) for s in ("male", "female", "unknown")] == [2, 2, 2]
    assert [ploidy(s, "chrY", 20_000_000) for s in ("male", "female", "unknown")] == [1, 0, None]
    assert [ploidy(s, "chr10", 70_600_631) for s in ("male", "female", "unknown")] == [2, 2, 2]


def test_non_par_pieces_cut_both_pars():
    assert sexlib.non_par_pieces("chrX", 0, 156_040_895) == [(0, 10_000), (2_781_479, 155_701_382),
                                                             (156_030_895, 156_040_895)]
    assert sexlib.non_par_pieces("chrX", 2_000_000, 2_000_100) == []
    assert sexlib.non_par_pieces("chr1", 5, 10) == [(5, 10)]


@pytest.mark.parametrize("x_depth,expected,reason", [
    (20.0, "male", ""), (26.0, "male", ""), (26.4, "unknown", sexlib.NOTE_AMBIGUOUS),
    (31.9, "unknown", sexlib.NOTE_AMBIGUOUS), (32.0, "female", ""), (40.0, "female", ""), (55.0, "female", ""),
])
def test_inference_thresholds(x_depth, expected, reason):
    result = infer_sex(AUTOSOMAL + x_regions(x_depth))
    assert (result.inferred, result.reason) == (expected, reason)
    assert result.ratio == pytest.approx(x_depth / 40.0)


@pytest.mark.parametrize("x_depth,expected,reason", [
    (0.0, "unknown", "low_x_ratio"), (4.0, "unknown", "low_x_ratio"), (13.9, "unknown", "low_x_ratio"),
    (14.0, "male", ""),
])
def test_less_than_one_x_is_not_read_as_male(x_depth, expected, reason):
    # every sample has at least one X: a chrX/autosome ratio far below 0.5 (chrX targets that failed to
    # capture or map) says nothing about sex; read as male, a female would be called haploid on chrX
    result = infer_sex(AUTOSOMAL + x_regions(x_depth))
    assert (result.inferred, result.reason) == (expected, reason)
    assert result.ratio == pytest.approx(x_depth / 40.0)
    assert decide_sex("unknown", result.inferred)[0] == expected


def test_too_little_data_is_unknown_and_says_why():
    assert infer_sex(AUTOSOMAL + x_regions(20.0, bases=499)).reason == sexlib.NOTE_INSUFFICIENT
    low = [DepthRegion(r.chrom, r.start, r.end, 9.0) for r in AUTOSOMAL]
    result = infer_sex(low + x_regions(4.5))
    assert (result.inferred, result.reason, result.ratio) == ("unknown", sexlib.NOTE_INSUFFICIENT, None)
    result = infer_sex(AUTOSOMAL)
    assert (result.inferred, result.reason, result.x_bases) == ("unknown", sexlib.NOTE_NO_X_REGIONS, 0)


def test_par_regions_and_other_contigs_do_not_count():
    # a PAR1 target at autosomal depth and an alt contig at any depth change nothing
    extra = [DepthRegion("chrX", 1_000_000, 1_010_000, 40.0), DepthRegion("chrX_KI270880v1_alt", 0, 5000, 40.0),
             DepthRegion("chrY", 20_000_000, 20_001_000, 0.0)]
    result = infer_sex(AUTOSOMAL + x_regions(20.0) + extra)
    assert (result.inferred, result.x_bases) == ("male", 1000)


@given(st.floats(min_value=10.0, max_value=2000.0), st.floats(min_value=0.0, max_value=1.5))
def test_inference_depends_only_on_the_ratio(auto_depth, ratio):
    regions = [DepthRegion(r.chrom, r.start, r.end, auto_depth) for r in AUTOSOMAL] + x_regions(auto_depth * ratio)
    result = infer_sex(regions)
    expected = "male" if 0.35 - 1e-9 <= ratio <= 0.65 + 1e-9 else "female" if ratio >= 0.80 - 1e-9 else "unknown"
    if all(abs(ratio - edge) > 1e-6 for edge in (0.35, 0.65, 0.80)):
        assert result.inferred == expected


@pytest.mark.parametrize("given_sex,inferred,expected", [
    ("male", "male", ("male", "")), ("male", "unknown", ("male", "")), ("unknown", "female", ("female", "")),
    ("unknown", "unknown", ("unknown", "")), ("female", "male", ("unknown", sexlib.NOTE_MISMATCH)),
    ("male", "female", ("unknown", sexlib.NOTE_MISMATCH)),
])
def test_the_sex_a_run_uses(given_sex, inferred, expected):
    assert decide_sex(given_sex, inferred) == expected


def _sample(name, sex):
    return sexlib.SampleSex(name, "case", sex, infer_sex(AUTOSOMAL), sex, "")


def test_cnv_map_makes_males_haploid_outside_the_pars_only():
    contigs = [("chr1", 248_956_422), ("chrX", 156_040_895), ("chrY", 57_227_415), ("chrX_KI270880v1_alt", 284_869)]
    lines = cnv_map_lines([_sample("m1", "male"), _sample("f1", "female"), _sample("u1", "unknown")], contigs)
    assert lines == [
        "chrX\t0\t10000\tm1\t1\n", "chrX\t2781479\t155701382\tm1\t1\n", "chrX\t156030895\t156040895\tm1\t1\n",
        "chrY\t0\t10000\tm1\t1\n", "chrY\t2781479\t56887902\tm1\t1\n", "chrY\t57217415\t57227415\tm1\t1\n",
    ]


def test_cnv_map_on_window_contigs():
    window = "chrX_124343063_124376160"
    to_genome = {window: ("chrX", 124_343_062), "chr10_70595848_70604241": ("chr10", 70_595_847)}
    lines = cnv_map_lines([_sample("m1", "male")], [(window, 33_098), ("chr10_70595848_70604241", 8394)], to_genome)
    assert lines == [f"{window}\t0\t33098\tm1\t1\n"]


def test_given_sex_column_is_optional_and_checked(tmp_path):
    sheet = tmp_path / "s.csv"
    sheet.write_text("sample,group\na,case\n")
    assert sexlib.read_given_sexes(sheet) == {"a": "unknown"}
    sheet.write_text("sample,group,sex\na,case,Male\nb,control,\nc,control,female\n")
    assert sexlib.read_given_sexes(sheet) == {"a": "male", "b": "unknown", "c": "female"}
    sheet.write_text("sample,group,sex\na,case,M\n")
    with pytest.raises(UserInputError, match=r"s.csv:2: sex: 'M' is not a sex"):
        sexlib.read_given_sexes(sheet)
    sheet.write_text("sample,group,sex\na,case,male\na,case,female\n")
    with pytest.raises(UserInputError, match=r":3: sex: sample 'a' is 'female' here but 'male' on line 2"):
        sexlib.read_given_sexes(sheet)


def _mosdepth(path, rows):
    with gzip.open(path, "wt") as handle:
        for row in rows:
            handle.write("\t".join(str(v) for v in row) + "\n")


def test_cli_writes_table_cnv_map_and_flags_a_mismatch(tmp_path):
    sheet = tmp_path / "samples.csv"
    sheet.write_text("sample,group,sex\nm1,case,male\nf1,control,female\nswap,control,female\nblank,case,\n")
    depth = tmp_path / "mosdepth"
    depth.mkdir()
    for sample, x in (("m1", 19.5), ("f1", 41.0), ("swap", 20.0), ("blank", 18.0)):
        _mosdepth(depth / f"{sample}.regions.bed.gz", [
            ("chr10", 70597000, 70598000, "PRF1|exon1", 40.0), ("chrX", 124346562, 124347562, "SH2D1A|exon1", x)])
    fai = tmp_path / "ref.fa.fai"
    fai.write_text("chr10\t133797422\t7\t60\t61\nchrX\t156040895\t9\t60\t61\n")
    result = subprocess.run([sys.executable, str(BIN / "sex_check.py"), "--samplesheet", str(sheet), "--mosdepth",
                             str(depth), "--fai", str(fai), "--out", str(tmp_path / "sex.tsv"),
                             "--cnv-map", str(tmp_path / "cnv.bed"), "--multiqc", str(tmp_path / "mqc.tsv")],
                            check=True, capture_output=True, text=True)
    assert "given and inferred sex disagree for swap" in result.stdout
    rows = [line.split("\t") for line in (tmp_path / "sex.tsv").read_text().splitlines()]
    assert tuple(rows[0]) == sexlib.COLUMNS
    table = {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert [table[s]["sex"] for s in ("m1", "f1", "swap", "blank")] == ["male", "female", "unknown", "male"]
    assert table["swap"]["note"] == "sex_mismatch" and table["swap"]["sex_inferred"] == "male"
    assert table["m1"]["x_autosome_ratio"] == "0.487"
    cnv = (tmp_path / "cnv.bed").read_text().splitlines()
    assert {line.split("\t")[3] for line in cnv} == {"m1", "blank"}
    assert (tmp_path / "mqc.tsv").read_text().startswith("# id: 'hlhscreen_sex_check'")


def test_cli_zero_chrx_depth_is_unknown_not_a_haploid_male(tmp_path):
    # blank sex and chrX targets with no reads at all (a failed capture): the old rule read ratio 0 as
    # male and put the sample in FreeBayes' haploid map, where a carrier female's het becomes hemi or ref
    sheet = tmp_path / "samples.csv"
    sheet.write_text("sample,group,sex\nm1,case,\nnox,control,\n")
    depth = tmp_path / "mosdepth"
    depth.mkdir()
    for sample, x in (("m1", 19.5), ("nox", 0.0)):
        _mosdepth(depth / f"{sample}.regions.bed.gz", [
            ("chr10", 70597000, 70598000, "PRF1|exon1", 40.0), ("chrX", 124346562, 124347562, "SH2D1A|exon1", x)])
    fai = tmp_path / "ref.fa.fai"
    fai.write_text("chr10\t133797422\t7\t60\t61\nchrX\t156040895\t9\t60\t61\n")
    subprocess.run([sys.executable, str(BIN / "sex_check.py"), "--samplesheet", str(sheet), "--mosdepth", str(depth),
                    "--fai", str(fai), "--out", str(tmp_path / "sex.tsv"), "--cnv-map", str(tmp_path / "cnv.bed"),
                    "--multiqc", str(tmp_path / "mqc.tsv")], check=True, capture_output=True, text=True)
    rows = [line.split("\t") for line in (tmp_path / "sex.tsv").read_text().splitlines()]
    table = {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert (table["nox"]["sex_inferred"], table["nox"]["sex"], table["nox"]["note"]) == ("unknown", "unknown",
                                                                                          "low_x_ratio")
    assert table["nox"]["x_autosome_ratio"] == "0.000"
    assert {line.split("\t")[3] for line in (tmp_path / "cnv.bed").read_text().splitlines()} == {"m1"}


def test_cli_refuses_a_missing_sample(tmp_path):
    sheet = tmp_path / "samples.csv"
    sheet.write_text("sample,group\nm1,case\n")
    fai = tmp_path / "ref.fa.fai"
    fai.write_text("chr10\t133797422\t7\t60\t61\n")
    result = subprocess.run([sys.executable, str(BIN / "sex_check.py"), "--samplesheet", str(sheet), "--mosdepth",
                             str(tmp_path), "--fai", str(fai), "--out", str(tmp_path / "sex.tsv")],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "m1.regions.bed.gz: sample: mosdepth regions of sample m1 are missing" in result.stderr
    assert not (tmp_path / "sex.tsv").exists()
