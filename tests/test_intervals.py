"""Capture targets placed on the reference (bin/intervals_to_reference.py, hlhscreen.intervals)."""

from __future__ import annotations

from pathlib import Path

import pytest

import intervals_to_reference
from hlhscreen.callability import reference_layout
from hlhscreen.errors import UserInputError
from hlhscreen.intervals import merge_pieces, place_intervals


def fai(tmp_path: Path, contigs) -> Path:
    path = tmp_path / "ref.fa.fai"
    path.write_text("".join(f"{name}\t{length}\t0\t60\t61\n" for name, length in contigs))
    return path


def bed(tmp_path: Path, text: str, name: str = "targets.bed") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_sorted_in_reference_order_and_overlaps_merged(tmp_path):
    layout = reference_layout(None, fai(tmp_path, [("chr2", 1000), ("chr1", 1000)]))
    placed = place_intervals(bed(tmp_path, "chr1\t500\t600\nchr2\t10\t20\nchr1\t100\t200\nchr1\t150\t300\n"
                                           "chr1\t300\t310\n"), layout)
    assert placed.pieces == [("chr2", 10, 20), ("chr1", 100, 310), ("chr1", 500, 600)]
    assert (placed.n_intervals, placed.total_bp, placed.placed_bp, placed.not_placed) == (5, 370, 320, {})


def test_intervals_on_contigs_the_reference_lacks_are_counted_not_dropped_silently(tmp_path, capsys):
    reference = fai(tmp_path, [("chr20", 63025520)])
    targets = bed(tmp_path, "chr1\t0\t100\nchr20\t10000000\t10100000\nchrX\t5\t10\n")
    out = tmp_path / "placed.bed"
    assert intervals_to_reference.main(["--bed", str(targets), "--fai", str(reference), "--out", str(out)]) == 0
    assert out.read_text() == "chr20\t10000000\t10100000\n"
    err = capsys.readouterr().err
    assert "WARNING --intervals targets.bed: 3 intervals (100105 bp): 100000 bp on the reference" in err
    assert "105 bp (contig chr1 is not in the reference" not in err  # per reason, not per contig
    assert "contig chr1 is not in the reference" in err and "contig chrX is not in the reference" in err


def test_nothing_on_the_reference_is_an_error(tmp_path):
    layout = reference_layout(None, fai(tmp_path, [("chr20", 1000)]))
    with pytest.raises(UserInputError, match="no interval lies on the reference"):
        place_intervals(bed(tmp_path, "chr1\t0\t100\n"), layout)


def test_another_contig_spelling_is_an_error_unless_harmonised(tmp_path):
    layout = reference_layout(None, fai(tmp_path, [("chr20", 1000)]))
    targets = bed(tmp_path, "20\t0\t100\n")
    with pytest.raises(UserInputError, match="the --intervals BED names contig 20 but the reference calls it chr20"):
        place_intervals(targets, layout)
    assert place_intervals(targets, layout, harmonise=True).pieces == [("chr20", 0, 100)]


def test_an_interval_beyond_the_contig_end_is_an_error(tmp_path):
    layout = reference_layout(None, fai(tmp_path, [("chr20", 1000)]))
    with pytest.raises(UserInputError, match="ends beyond chr20"):
        place_intervals(bed(tmp_path, "chr20\t900\t1100\n"), layout)


def test_windows_reference_targets_in_grch38_coordinates(tmp_path):
    reference = fai(tmp_path, [("chr2_47410000_47420000", 10001)])
    windows = tmp_path / "windows.tsv"
    windows.write_text("contig\tchrom\tstart\tend\tchrom_length\n"
                       "chr2_47410000_47420000\tchr2\t47410000\t47420000\t242193529\n")
    layout = reference_layout(None, reference, windows)
    placed = place_intervals(bed(tmp_path, "chr2\t47409999\t47410499\nchr2\t47419900\t47420100\n"), layout)
    assert placed.pieces == [("chr2_47410000_47420000", 0, 500), ("chr2_47410000_47420000", 9901, 10001)]
    assert placed.not_placed == {"outside the reference windows": 100}


def test_merge_keeps_separate_contigs_apart():
    assert merge_pieces([("b", 0, 10), ("a", 5, 10), ("a", 0, 5)], {"a": 0, "b": 1}) == [("a", 0, 10), ("b", 0, 10)]


def test_the_start_up_check_places_the_intervals_before_any_task(tmp_path):
    from hlhscreen.startup import StartupInputs, check_inputs

    reference = tmp_path / "ref.fa"
    reference.write_text(">chr20\n" + "ACGT" * 50 + "\n")
    fai(tmp_path, [("chr20", 200)]).rename(tmp_path / "ref.fa.fai")
    partly = check_inputs(StartupInputs(fasta=reference, intervals=bed(tmp_path, "chr20\t0\t100\nchr1\t0\t50\n")))
    assert not partly.errors and "--intervals" in partly.checked
    assert any("--intervals targets.bed: 2 intervals (150 bp): 100 bp on the reference" in w for w in partly.warnings)
    none = check_inputs(StartupInputs(fasta=reference, intervals=bed(tmp_path, "chr1\t0\t50\n", "off.bed")))
    assert [e.field for e in none.errors] == ["chrom"] and "no interval lies on the reference" in str(none.errors[0])
