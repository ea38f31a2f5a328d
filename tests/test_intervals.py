"""Capture targets placed on the reference (bin/intervals_to_reference.py, hlhscreen.intervals), real kit BED
layouts, and the panel genes a kit misses (not assessed: hlhscreen.intervals.restrict_to_capture)."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import intervals_to_reference
from hlhscreen.callability import CALLABLE, NOT_CALLABLE, PARTLY, gene_callability, place_bed, reference_layout
from hlhscreen.errors import UserInputError
from hlhscreen.intervals import merge_pieces, place_intervals, restrict_to_capture
from shared_data import find_shared, shared_file


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
    (tmp_path / "ref.fa.fai").write_text("chr20\t200\t7\t200\t201\n")  # the start-up check compares it with the FASTA
    partly = check_inputs(StartupInputs(fasta=reference, intervals=bed(tmp_path, "chr20\t0\t100\nchr1\t0\t50\n")))
    assert not partly.errors and "--intervals" in partly.checked
    assert any("--intervals targets.bed: 2 intervals (150 bp): 100 bp on the reference" in w for w in partly.warnings)
    none = check_inputs(StartupInputs(fasta=reference, intervals=bed(tmp_path, "chr1\t0\t50\n", "off.bed")))
    assert [e.field for e in none.errors] == ["chrom"] and "no interval lies on the reference" in str(none.errors[0])


# ------------------------------------------------------------------------------------------------
# real capture-kit BED layouts, and what a kit that misses panel genes means for the screen
# ------------------------------------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[1]
PANEL = REPO / "panels" / "hlh"
# GRCh38 primary chromosome lengths (GRCh38.p14 assembly report)
GRCH38 = [("chr1", 248956422), ("chr2", 242193529), ("chr3", 198295559), ("chr4", 190214555), ("chr5", 181538259),
          ("chr6", 170805979), ("chr7", 159345973), ("chr8", 145138636), ("chr9", 138394717), ("chr10", 133797422),
          ("chr11", 135086622), ("chr12", 133275309), ("chr13", 114364328), ("chr14", 107043718),
          ("chr15", 101991189), ("chr16", 90338345), ("chr17", 83257441), ("chr18", 80373285), ("chr19", 58617616),
          ("chr20", 64444167), ("chr21", 46709983), ("chr22", 50818468), ("chrX", 156040895), ("chrY", 57227415),
          ("chrM", 16569)]


def shared_exons():
    """(chrom, start, end, gene, exon) of the shared GENCODE v44 MANE exons of the 21 HLH genes."""
    rows = []
    for line in shared_file("testdata", "hlh21_mane_exons.gencode44.hg38.bed").read_text().splitlines():
        if line.startswith("#"):
            continue
        chrom, start, end, _, gene, exon = line.split("\t")[:6]
        rows.append((chrom, int(start), int(end), gene, f"exon{exon}"))
    return rows


def sureselect_bed(tmp_path, drop_genes=(), drop_exons=(), shift=0, name="S31285117_Covered.bed"):
    """An Agilent SureSelect Covered BED of the shared exons +/- 10 bp: browser/track header lines, the
    4th column 'ref|GENE,ens|GENE', CRLF line ends, not sorted (reverse order), one interval split in two
    overlapping halves."""
    lines = ["browser position chr10:70597348-70602741",
             'track name="S31285117_Covered" description="Agilent SureSelect Human All Exon V7 Covered" color=0,0,128']
    for chrom, start, end, gene, exon in reversed(shared_exons()):
        if gene in drop_genes or (gene, exon) in drop_exons:
            continue
        start, end = start - 10 + shift, end + 10 + shift
        middle = (start + end) // 2
        for low, high in ((start, middle + 5), (middle - 5, end)):
            lines.append(f"{chrom}\t{low}\t{high}\tref|{gene},ens|{gene}")
    path = tmp_path / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return path


def test_sureselect_covered_bed_with_headers_annotations_crlf_unsorted_overlaps(tmp_path):
    layout = reference_layout(None, fai(tmp_path, GRCH38))
    kit = sureselect_bed(tmp_path)
    placed = place_intervals(kit, layout)
    exons = sorted({(c, s - 10, e + 10) for c, s, e, _, _ in shared_exons()},
                   key=lambda p: ([n for n, _ in GRCH38].index(p[0]), p[1]))
    assert placed.pieces == merge_pieces(exons, {n: i for i, (n, _) in enumerate(GRCH38)})
    assert not placed.not_placed and placed.n_intervals == 2 * len(exons)
    out = tmp_path / "placed.bed"
    assert intervals_to_reference.main(["--bed", str(kit), "--fai", str(tmp_path / "ref.fa.fai"), "--out", str(out)]) == 0
    assert "\r" not in out.read_text() and all(len(line.split("\t")) == 3 for line in out.read_text().splitlines())


def test_twist_three_column_bed(tmp_path):
    layout = reference_layout(None, fai(tmp_path, GRCH38))
    twist = bed(tmp_path, "".join(f"{c}\t{s}\t{e}\n" for c, s, e, _, _ in shared_exons()), "Twist_Exome_RefSeq_targets_hg38.bed")
    assert place_intervals(twist, layout).placed_bp == sum(e - s for c, s, e in
                                                           merge_pieces([(c, s, e) for c, s, e, _, _ in shared_exons()],
                                                                        {n: i for i, (n, _) in enumerate(GRCH38)}))


@pytest.mark.parametrize("text", [
    "chr10 100 200\nchr10  300   400  ref|PRF1 0 +\n",           # BED fields separated by spaces (UCSC, BEDv1)
    "chr10\t100 200\nchr10 300\t400\n",                          # tabs and spaces mixed
    "chrom\tstart\tend\tname\nchr10\t100\t200\tPRF1\nchr10\t300\t400\tPRF1\n",  # a column header without '#'
    "Chromosome\tStart\tStop\tGene\nchr10\t100\t200\tPRF1\nchr10\t300\t400\tPRF1\n",
    "#chrom\tchromStart\tchromEnd\nchr10\t100\t200\nchr10\t300\t400\n",
    "\ufefftrack name=kit\nchr10\t100\t200\nchr10\t300\t400\n",  # a byte-order mark before the track line
    "\ufeffchr10\t100\t200\nchr10\t300\t400\n",                  # ... or before the first interval
])
def test_kit_beds_as_vendors_and_spreadsheets_write_them_are_read_whole(tmp_path, text):
    """Refused before (a header line or spaces: at the first line; a BOM'd track line as a 1-column line), or
    the first interval lost to a contig named '\\ufeffchr10' that the reference lacks (a warning only)."""
    placed = place_intervals(bed(tmp_path, text), reference_layout(None, fai(tmp_path, GRCH38)))
    assert placed.pieces == [("chr10", 100, 200), ("chr10", 300, 400)] and not placed.incomplete


def test_a_byte_order_mark_does_not_hide_a_track_line_naming_another_build(tmp_path):
    kit = tmp_path / "kit.bed"
    kit.write_bytes("\ufefftrack name=kit db=hg19\r\nchr10\t100\t200\r\n".encode("utf-8"))
    with pytest.raises(UserInputError, match=r"kit\.bed:1: genome-build: the --intervals BED names assembly hg19"):
        place_intervals(kit, reference_layout(None, fai(tmp_path, GRCH38)))


def test_a_word_in_place_of_a_number_is_still_refused_with_the_line(tmp_path):
    layout = reference_layout(None, fai(tmp_path, GRCH38))
    # a first line of other words is no column header we know: refused, with the hint
    with pytest.raises(UserInputError, match=r"headed\.bed:1: start: 'left' is not an integer.*looks like a column "
                                             r"header: a BED file has none\. Delete the line or start it with '#'"):
        place_intervals(bed(tmp_path, "chrom\tleft\tright\nchr10\t1\t2\n", "headed.bed"), layout)
    # a header-like line after data is a broken line, not a header
    with pytest.raises(UserInputError, match=r"late\.bed:2: start: 'start' is not an integer\. BED start/end are "
                                             r"0-based integers\.$"):
        place_intervals(bed(tmp_path, "chr10\t1\t2\nchrom\tstart\tend\n", "late.bed"), layout)
    with pytest.raises(UserInputError, match=r"broken\.bed:2: end: 'x' is not an integer\. BED start/end are 0-based "
                                             r"integers\.$"):
        place_intervals(bed(tmp_path, "chr10\t1\t2\nchr10\t5\tx\n", "broken.bed"), layout)
    with pytest.raises(UserInputError, match=r"short\.bed:1: columns: expected at least 3 columns, found 2"):
        place_intervals(bed(tmp_path, "chr10 1\n", "short.bed"), layout)


@pytest.mark.parametrize("text,message", [
    ("@HD\tVN:1.6\n@SQ\tSN:chr10\tLN:133797422\nchr10\t101\t200\t+\tt1\n",
     r"kit\.bed:1: bed: a SAM-style header line \('@'\): a Picard/GATK interval_list \(1-based.*IntervalListToBed"),
    ("chr10:101-200\nchr10:301-400\n", r"kit\.bed:1: bed: 'chr10:101-200' is a GATK interval \(chrom:start-end, "
                                       r"1-based, inclusive\), not a BED line"),
    # a GATK .list naming whole contigs (before: 'columns: expected at least 3 columns, found 1')
    ("chr10\nchr17\n", r"kit\.bed:1: bed: 'chr10' names a whole contig, as a GATK interval list \(\.list/\.intervals\) "
                       r"line does, not a BED line \(chrom, start, end\)\. Give a BED with the contig's span"),
    # a spreadsheet's CSV export, with its header and a name holding a space (before: 'expected at least 3 columns,
    # found 1' at the header, or 'found 2')
    ("chrom,start,end,name\r\nchr10,100,200,PRF1 exon 2\r\n",
     r"kit\.bed:1: bed: 'chrom,start,end,name' is comma-separated \(a spreadsheet's CSV export\), not a BED line: BED "
     r"fields are separated by tabs \(or spaces\)\. Save the sheet as tab-separated text, or convert it: tr ',' '\\t'"),
    ("chr10,100,200,PRF1 exon 2\n", r"kit\.bed:1: bed: 'chr10,100,200,PRF1 exon 2' is comma-separated"),
], ids=["interval_list", "gatk_intervals", "gatk_whole_contigs", "csv_with_header", "csv"])
def test_gatk_and_picard_interval_files_are_named_for_what_they_are(tmp_path, text, message):
    """nf-core pipelines take interval_list files for their intervals; their coordinates are 1-based: said so,
    with the conversion (before: 'expected at least 3 tab-separated columns, found 2'). A CSV export and a GATK
    list of whole contigs are named too."""
    with pytest.raises(UserInputError, match=message):
        place_intervals(bed(tmp_path, text, "kit.bed"), reference_layout(None, fai(tmp_path, GRCH38)))


def test_gzip_and_bgzip_kit_beds(tmp_path):
    text = b"track name=kit\nchr10\t300\t400\nchr10\t100\t200\n"
    layout = reference_layout(None, fai(tmp_path, GRCH38))
    plain_gzip = tmp_path / "kit.bed.gz"
    plain_gzip.write_bytes(gzip.compress(text))
    two_members = tmp_path / "bgzf_like.bed.gz"  # bgzip writes a series of gzip members
    two_members.write_bytes(gzip.compress(text[:30]) + gzip.compress(text[30:]))
    for path in (plain_gzip, two_members):
        assert place_intervals(path, layout).pieces == [("chr10", 100, 200), ("chr10", 300, 400)]


@pytest.mark.parametrize("packer,what", [
    (lambda data: __import__("bz2").compress(data), "a bzip2-compressed file"),
    (lambda data: __import__("lzma").compress(data), "an xz-compressed file"),
])
def test_compressed_or_zipped_kit_beds_are_named_for_what_they_are(tmp_path, packer, what):
    """Kit BEDs come zipped (several BEDs in one archive): 'byte 0x.. is not UTF-8 text. Save the file as UTF-8
    (iconv)' sent the user the wrong way."""
    import zipfile

    layout = reference_layout(None, fai(tmp_path, GRCH38))
    archive = tmp_path / "S31285117_hs_hg38.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("S31285117_Covered.bed", "chr10\t100\t200\n")
        out.writestr("S31285117_Padded.bed", "chr10\t0\t300\n")
    with pytest.raises(UserInputError, match=r"S31285117_hs_hg38\.zip: bed: a zip archive, not a text file \(plain or "
                                             r"gzip\)\. Unpack it.*give e\.g\. its \*_Covered\.bed"):
        place_intervals(archive, layout)
    packed = tmp_path / "kit.bed.x"
    packed.write_bytes(packer(b"chr10\t100\t200\n"))
    with pytest.raises(UserInputError, match=f"kit.bed.x: bed: {what}, not a text file"):
        place_intervals(packed, layout)


def test_zero_length_intervals_are_ignored_and_named_not_refused(tmp_path, capsys):
    """BEDv1 allows start == end (no base, e.g. an insertion point): a kit BED with one was refused whole. It
    is ignored, and said so (a list of 1-based positions written as P P would lose every base)."""
    reference = fai(tmp_path, GRCH38)
    kit = bed(tmp_path, "chr10\t100\t200\nchr10\t150\t150\nchr10\t500\t500\nchr10\t300\t400\n")
    placed = place_intervals(kit, reference_layout(None, reference))
    assert placed.pieces == [("chr10", 100, 200), ("chr10", 300, 400)] and placed.zero_length == 2
    assert placed.incomplete and not placed.not_placed
    out = tmp_path / "placed.bed"
    assert intervals_to_reference.main(["--bed", str(kit), "--fai", str(reference), "--out", str(out)]) == 0
    assert out.read_text() == "chr10\t100\t200\nchr10\t300\t400\n"
    assert "2 zero-length intervals (start = end: no base" in capsys.readouterr().err
    with pytest.raises(UserInputError, match="no interval lies on the reference"):
        place_intervals(bed(tmp_path, "chr10\t100\t100\n", "empty.bed"), reference_layout(None, reference))


def test_a_panel_region_of_zero_length_is_still_refused(tmp_path):
    from hlhscreen.panel import load_regions

    with pytest.raises(UserInputError, match=r"regions\.bed:2: end: start 5 is not below end 5"):
        load_regions(bed(tmp_path, "chr10\t1\t2\tPRF1|exon1\nchr10\t5\t5\tPRF1|exon2\n", "regions.bed"))


def test_an_agilent_alltracks_bed_is_refused_not_read_as_one_set(tmp_path):
    """SureDesign's *_AllTracks.bed holds the Target Regions, Covered, Missed and Probes tracks: read as one
    BED, the targets were the union of all four (probes and missed regions counted as on target)."""
    kit = tmp_path / "S31285117_AllTracks.bed"
    kit.write_text('track name="Target Regions" description="S31285117 Target Regions"\n'
                   "chr10\t100\t200\tref|PRF1\n"
                   'track name="Covered" description="S31285117 Covered"\n'
                   "chr10\t110\t190\tref|PRF1\n"
                   'track name="Probes" description="S31285117 Probes"\n'
                   "chr10\t60\t280\n")
    with pytest.raises(UserInputError, match=r"AllTracks\.bed:3: track: a second track starts here, after 1 data line: "
                                             r"a multi-track BED.*Give a single-track BED, e.g\. the design's "
                                             r"\*_Covered\.bed"):
        place_intervals(kit, reference_layout(None, fai(tmp_path, GRCH38)))
    # browser lines, comments and blank lines between the intervals are no second track
    placed = place_intervals(bed(tmp_path, "track name=x\nchr10\t100\t200\n\n# note\nbrowser hide all\n"
                                           "chr10\t300\t400\n\n"), reference_layout(None, fai(tmp_path, GRCH38)))
    assert placed.pieces == [("chr10", 100, 200), ("chr10", 300, 400)]


def test_beds_joined_on_purpose_are_refused_with_the_command_that_joins_them(tmp_path):
    """An exome kit's BED and a spike-in panel's, each with its track line, joined with cat: refused as a
    multi-track BED (it cannot be told from an AllTracks file), so the message gives the command that makes it
    one set; the command's output is read whole."""
    layout = reference_layout(None, fai(tmp_path, GRCH38))
    joined = bed(tmp_path, 'track name="Exome v2"\nchr10\t100\t200\ntrack name="HLH spike-in"\nchr10\t300\t400\n',
                 "in.bed")
    with pytest.raises(UserInputError) as caught:
        place_intervals(joined, layout)
    command = str(caught.value).split("drop the track lines: ", 1)[1].rstrip(".")
    assert command == "grep -v '^track' in.bed > joined.bed"
    subprocess.run(["sh", "-c", command], cwd=tmp_path, check=True)
    assert place_intervals(tmp_path / "joined.bed", layout).pieces == [("chr10", 100, 200), ("chr10", 300, 400)]


@pytest.mark.skipif(shutil.which("mosdepth") is None, reason="mosdepth not on PATH")
def test_on_target_bases_of_an_unsorted_overlapping_adjacent_kit_are_counted_once(tmp_path):
    """The placed BED (merged) through mosdepth with the pipeline's options: total_region bases equal the
    reads' bases on the union of the kit's intervals, counted base by base; the kit as given would count
    the overlaps twice (mosdepth sums its regions)."""
    from test_qc import bam_with_reads, mosdepth_args
    from hlhscreen.qc import read_mosdepth_on_target

    reference = fai(tmp_path, [("chr1", 10000), ("chr2", 5000)])
    kit = bed(tmp_path, "chr1\t1100\t1300\tb\nchr1\t1000\t1200\ta\nchr1\t1300\t1350\tadjacent\n"
                        "chr1\t1000\t1200\ttwice\nchr1\t1220\t1220\tzero\n")
    out = tmp_path / "t.bed"
    assert intervals_to_reference.main(["--bed", str(kit), "--fai", str(reference), "--out", str(out)]) == 0
    assert out.read_text() == "chr1\t1000\t1350\n"
    reads = [(0, 950, 60, 0), (0, 1100, 60, 0), (0, 1290, 60, 0), (0, 5000, 60, 0)]
    bam_with_reads(tmp_path / "s.bam", reads)
    subprocess.run(["mosdepth", *mosdepth_args("MOSDEPTH_TARGETS"), "--by", "t.bed", "s.targets", "s.bam"],
                   cwd=tmp_path, check=True)
    union = set(range(1000, 1350))
    on_target = sum(len(union & set(range(start, start + 100))) for _, start, _, _ in reads)
    assert read_mosdepth_on_target(tmp_path / "s.targets.mosdepth.summary.txt") == 100.0 * on_target / 400


def test_panel_genes_the_capture_misses_are_not_assessed(tmp_path):
    layout = reference_layout(None, fai(tmp_path, GRCH38))
    kit = sureselect_bed(tmp_path, drop_genes=("PRF1",), drop_exons=(("UNC13D", "exon5"),))
    placements = place_bed(PANEL / "regions.bed", layout)
    genes = {g.gene: g for g in gene_callability(restrict_to_capture(placements, place_intervals(kit, layout), kit.name))}
    assert len(genes) == 21
    assert genes["PRF1"].status == NOT_CALLABLE and genes["PRF1"].callable_bp == 0
    assert genes["PRF1"].reason == "outside the capture targets (S31285117_Covered.bed)"
    assert genes["UNC13D"].status == PARTLY and genes["UNC13D"].reason == "outside the capture targets (S31285117_Covered.bed)"
    assert {g.status for name, g in genes.items() if name not in ("PRF1", "UNC13D")} == {CALLABLE}


def test_restrict_to_capture_matches_a_base_by_base_count(tmp_path):
    layout = reference_layout(None, fai(tmp_path, [("chr1", 1000)]))
    regions = bed(tmp_path, "chr1\t10\t100\tA|exon1\nchr1\t200\t300\tB|exon1\nchr1\t400\t500\tB|exon2\n", "regions.bed")
    kit = bed(tmp_path, "chr1\t0\t20\nchr1\t50\t60\nchr1\t95\t250\nchr1\t480\t481\nchr1\t700\t800\n", "kit.bed")
    placed = place_intervals(kit, layout)
    restricted = restrict_to_capture(place_bed(regions, layout), placed, "kit.bed")
    captured = {p for _, s, e in placed.pieces for p in range(s, e)}
    for placement in restricted:
        r = placement.region
        assert placement.callable_bp == len(captured & set(range(r.start, r.end)))


def run_panel_to_reference(tmp_path, kit):
    (tmp_path / "ref.fa.fai").exists() or fai(tmp_path, GRCH38)
    return subprocess.run([sys.executable, str(REPO / "bin" / "panel_to_reference.py"), "--regions",
                           str(PANEL / "regions.bed"), "--targets", str(PANEL / "targets.bed"),
                           "--fai", str(tmp_path / "ref.fa.fai"), "--intervals", str(kit), "--outdir", str(tmp_path / "out")],
                          capture_output=True, text=True)


def test_panel_to_reference_lists_the_genes_the_capture_misses(tmp_path):
    result = run_panel_to_reference(tmp_path, sureselect_bed(tmp_path, drop_genes=("PRF1",)))
    assert result.returncode == 0, result.stderr
    assert ("WARNING 1 of 21 panel genes cannot be (fully) called on this reference and its capture targets and are "
            "not screened there: PRF1: outside the capture targets (S31285117_Covered.bed)") in result.stderr
    rows = [line.split("\t") for line in (tmp_path / "out/panel_callability.tsv").read_text().splitlines()]
    prf1 = next(row for row in rows if row[0] == "PRF1")
    assert prf1[6:] == [NOT_CALLABLE, "outside the capture targets (S31285117_Covered.bed)"]
    assert "PRF1\tchr10\t0\t" in (tmp_path / "out/panel_callability_mqc.tsv").read_text()
    # the calling and coverage BEDs stay the panel's: the report, not a shorter BED, says what was missed
    assert (tmp_path / "out/regions.reference.bed").read_text() == (PANEL / "regions.bed").read_text()


def test_a_grch37_capture_bed_on_a_grch38_run_is_refused(tmp_path):
    """GRCh37 targets mostly lie within the GRCh38 contig lengths, so only the panel shows the mistake:
    not one panel gene is captured."""
    kit = sureselect_bed(tmp_path, shift=1_760_000, name="S31285117_Covered.hg19.bed")
    layout = reference_layout(None, fai(tmp_path, GRCH38))
    placements = place_bed(PANEL / "regions.bed", layout)
    assert not any(p.callable_bp for p in restrict_to_capture(placements, place_intervals(kit, layout), kit.name))
    result = run_panel_to_reference(tmp_path, kit)
    assert result.returncode == 2
    assert result.stderr.startswith(f"ERROR {kit}: --intervals: no panel region lies in the capture targets "
                                     "S31285117_Covered.hg19.bed: not one of the 21 panel genes would be assessed")
    assert not (tmp_path / "out/panel_callability.tsv").exists()


def test_the_start_up_check_names_panel_genes_outside_the_capture(tmp_path):
    from hlhscreen.startup import StartupInputs, check_inputs

    # a gzipped FASTA: its .fai (GRCh38 contig lengths, no sequence here) is not compared with it at start
    reference = tmp_path / "ref.fa.gz"
    reference.write_bytes(gzip.compress(b">chr1\nACGT\n"))
    fai(tmp_path, GRCH38)
    inputs = dict(fasta=reference, fasta_fai=tmp_path / "ref.fa.fai", regions=PANEL / "regions.bed",
                  targets=PANEL / "targets.bed")
    partly = check_inputs(StartupInputs(**inputs, intervals=sureselect_bed(tmp_path, drop_genes=("PRF1", "STX11"))))
    assert not partly.errors
    assert any(w.startswith("2 of 21 panel genes cannot be (fully) called on this reference and its capture targets")
               and "STX11, PRF1: outside the capture targets" in w for w in partly.warnings), partly.warnings
    wrong_build = check_inputs(StartupInputs(**inputs, intervals=sureselect_bed(tmp_path, shift=1_760_000, name="hg19.bed")))
    assert [e.field for e in wrong_build.errors] == ["--intervals"]
    assert "no panel region lies in the capture targets hg19.bed" in str(wrong_build.errors[0])


# ------------------------------------------------------------------------------------------------
# the build a capture BED says it is for, against the reference's (hlhscreen.assembly)
# ------------------------------------------------------------------------------------------------

GRCH37 = [("chr1", 249250621), ("chr2", 243199373), ("chr10", 135534747), ("chr20", 63025520), ("chrX", 155270560)]
REALDATA_HG19_FAI = find_shared("realdata", "giab_na12878_chr20_grch37", "ucsc.hg19.chr20.unittest.fasta.gz.fai")
HG19_TRACK = 'browser position chr10:72357000-72362000\ntrack name="S31285117_Covered" db=hg19 description="Covered"\n'


def test_a_bed_whose_header_names_grch37_is_refused_on_a_grch38_reference(tmp_path):
    """Before: placed without a word (its targets lie within the GRCh38 contigs), the coverage QC then
    measured other bases than the kit captured."""
    kit = bed(tmp_path, HG19_TRACK + "chr10\t72357000\t72357200\n", "S31285117_Covered.bed")
    with pytest.raises(UserInputError) as err:
        place_intervals(kit, reference_layout(None, fai(tmp_path, GRCH38)))
    assert str(err.value).startswith(
        f"ERROR {kit}:2: genome-build: the --intervals BED names assembly hg19 (GRCh37: track name=")
    assert "but the reference is GRCh38 (chr1 is 248,956,422 bp)" in str(err.value)


@pytest.mark.parametrize("header", ["# Genome build: GRCh37\n", "#hs37d5 targets\n", "track name=x db=hg19\n"])
def test_a_grch37_bed_on_a_grch37_reference_is_placed(tmp_path, header):
    """The GIAB validation: an hg19 reference with the kit's hg19 BED."""
    placed = place_intervals(bed(tmp_path, header + "chr20\t10000000\t10000500\n"),
                             reference_layout(None, fai(tmp_path, GRCH37)))
    assert placed.pieces == [("chr20", 10000000, 10000500)] and placed.build_warning is None


def test_a_bed_naming_grch38_on_a_grch37_reference_is_refused(tmp_path):
    kit = bed(tmp_path, "track name=kit db=hg38\nchr20\t10000000\t10000500\n")
    with pytest.raises(UserInputError, match="names assembly hg38 \\(GRCh38.*reference is GRCh37 \\(chr1 is 249,250,621 bp\\)"):
        place_intervals(kit, reference_layout(None, fai(tmp_path, GRCH37)))


def test_a_windows_reference_is_grch38_by_its_table(tmp_path):
    reference = fai(tmp_path, [("chr2_47410000_47420000", 10001)])
    windows = tmp_path / "windows.tsv"
    windows.write_text("contig\tchrom\tstart\tend\tchrom_length\n"
                       "chr2_47410000_47420000\tchr2\t47410000\t47420000\t242193529\n")
    with pytest.raises(UserInputError, match="genome-build: .*reference is GRCh38 \\(chr2 is 242,193,529 bp\\)"):
        place_intervals(bed(tmp_path, "# hg19\nchr2\t47409999\t47410499\n"), reference_layout(None, reference, windows))


@pytest.mark.parametrize("header", ["", "# hg19 lifted over to hg38 with liftOver\n", "#chrom\tstart\tend\n"])
def test_nothing_or_both_builds_named_or_a_reference_of_unknown_build_is_not_judged(tmp_path, header):
    hg38 = place_intervals(bed(tmp_path, header + "chr10\t100\t200\n"), reference_layout(None, fai(tmp_path, GRCH38)))
    assert hg38.pieces == [("chr10", 100, 200)] and hg38.build_warning is None
    synthetic = place_intervals(bed(tmp_path, "track db=hg19\nchr21\t100\t200\n", "s.bed"),
                                reference_layout(None, fai(tmp_path, [("chr21", 6000)])))
    assert synthetic.pieces == [("chr21", 100, 200)]


def test_a_file_name_naming_another_build_is_a_warning(tmp_path):
    """A name is weaker evidence than a header (a lifted file may keep its name): warned, at start and
    by the step."""
    from hlhscreen.startup import StartupInputs, check_inputs

    kit = bed(tmp_path, "chr20\t100\t200\n", "S31285117_Covered.hg19.bed")
    placed = place_intervals(kit, reference_layout(None, fai(tmp_path, GRCH38)))
    assert placed.pieces == [("chr20", 100, 200)]
    assert placed.build_warning.startswith("--intervals BED S31285117_Covered.hg19.bed: the file name says hg19 "
                                           "(GRCh37) but the reference is GRCh38")
    reference = tmp_path / "ref.fa.gz"  # gzipped: its .fai (GRCh38 lengths) is not compared with it at start
    reference.write_bytes(gzip.compress(b">chr1\nACGT\n"))
    report = check_inputs(StartupInputs(fasta=reference, fasta_fai=tmp_path / "ref.fa.fai", intervals=kit))
    assert not report.errors and any("the file name says hg19" in w for w in report.warnings), report.warnings
    out = tmp_path / "targets.reference.bed"
    cli = subprocess.run([sys.executable, intervals_to_reference.__file__, "--bed", str(kit), "--fai",
                          str(tmp_path / "ref.fa.fai"), "--out", str(out)], capture_output=True, text=True)
    assert cli.returncode == 0 and "WARNING --intervals BED S31285117_Covered.hg19.bed: the file name says hg19" in cli.stderr


@pytest.mark.skipif(REALDATA_HG19_FAI is None, reason="../shared/realdata (GIAB hg19 chr20) is absent")
def test_the_grch37_length_table_agrees_with_the_real_hg19_chr20():
    from hlhscreen.assembly import assembly_of_lengths
    from hlhscreen.fai import contig_lengths

    assert assembly_of_lengths(dict(contig_lengths(REALDATA_HG19_FAI))) == ("GRCh37", "chr20 is 63,025,520 bp")


def test_the_grch38_panel_on_a_grch37_reference_is_refused(tmp_path):
    """An hg19 FASTA with the (GRCh38) panel: the regions lie within the hg19 contigs and were placed,
    called and screened at other bases; only the gnomAD length check said anything, and without gnomAD
    (REST annotation, --skip_screening) nothing did."""
    from hlhscreen.startup import StartupInputs, check_inputs

    grch37_fai = fai(tmp_path, GRCH37)
    result = subprocess.run([sys.executable, str(REPO / "bin" / "panel_to_reference.py"), "--regions",
                             str(PANEL / "regions.bed"), "--targets", str(PANEL / "targets.bed"),
                             "--fai", str(grch37_fai), "--outdir", str(tmp_path / "out")], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith(f"ERROR {PANEL / 'regions.bed'}: genome-build: the panel is GRCh38 but the reference "
                                    f"{grch37_fai} is GRCh37 (chr1 is 249,250,621 bp)")
    assert not (tmp_path / "out/regions.reference.bed").exists()
    reference = tmp_path / "ref.fa.gz"  # gzipped: its .fai is not compared with it at start
    reference.write_bytes(gzip.compress(b">chr1\nACGT\n"))
    report = check_inputs(StartupInputs(fasta=reference, fasta_fai=grch37_fai, regions=PANEL / "regions.bed",
                                        targets=PANEL / "targets.bed"))
    assert [e.field for e in report.errors] == ["genome-build"]
    grch38 = check_inputs(StartupInputs(fasta=reference, fasta_fai=fai(tmp_path, GRCH38), regions=PANEL / "regions.bed",
                                        targets=PANEL / "targets.bed"))
    assert not grch38.errors


def test_a_missing_bed_on_a_reference_of_known_build_is_named_not_a_traceback(tmp_path):
    # the build check reads the BED's header before the BED reader: a missing file was a FileNotFoundError
    with pytest.raises(UserInputError, match="bed: BED file not found"):
        place_intervals(tmp_path / "missing.bed", reference_layout(None, fai(tmp_path, GRCH38)))


@pytest.mark.parametrize("text,line", [
    ("chr10\t100\t200\tna\xefve\n", 1),
    ('track name="kit" description="Exome \u2013 hg38"\nchr10\t100\t200\n', 1),
    ("chr10\t1\t50\tok\nchr10\t100\t200\tna\xefve\n", 2),
])
def test_a_bed_that_is_not_utf8_text_is_named_with_its_line(tmp_path, text, line):
    # a Windows-1252 dash in a vendor's track line, or a name: a UnicodeDecodeError traceback before
    kit = tmp_path / "kit.bed"
    kit.write_bytes(text.encode("cp1252"))
    with pytest.raises(UserInputError) as err:
        place_intervals(kit, reference_layout(None, fai(tmp_path, GRCH38)))
    assert str(err.value).startswith(f"ERROR {kit}:{line}: bed: byte 0x"), str(err.value)
    assert "is not UTF-8 text" in str(err.value)


def test_a_utf16_bed_is_named_with_the_conversion(tmp_path):
    """A BED saved by Excel as 'Unicode Text' (UTF-16 with its byte-order mark): before, 'byte 0xff at column 1 is not
    UTF-8 text' with a Windows-1252 conversion, which would garble it."""
    kit = tmp_path / "kit.bed"
    kit.write_bytes("chr10\t100\t200\r\n".encode("utf-16"))
    with pytest.raises(UserInputError, match=r"kit\.bed:1: bed: the file is UTF-16 text .* iconv -f UTF-16 -t UTF-8"):
        place_intervals(kit, reference_layout(None, fai(tmp_path, GRCH38)))


@pytest.mark.parametrize("header", ["# targets lifted from b37 to b38 (CrossMap)\n", "#hs37d5 design, hs38DH coordinates\n"])
def test_a_header_naming_grch38_by_its_b38_or_hs38_names_is_not_taken_for_grch37(tmp_path, header):
    # b38/hs38/hs38DH are GRCh38's names as b37/hs37d5 are GRCh37's: a header naming both says nothing
    placed = place_intervals(bed(tmp_path, header + "chr10\t100\t200\n"), reference_layout(None, fai(tmp_path, GRCH38)))
    assert placed.pieces == [("chr10", 100, 200)] and placed.build_warning is None


def test_contigs_the_reference_lacks_are_named_in_natural_order(tmp_path):
    """A kit BED sorted in text order (chr10 before chr2) on a one-chromosome reference: the summary
    names the missing contigs chr2, chr10, chrX, as in every other message."""
    layout = reference_layout(None, fai(tmp_path, [("chr20", 1000)]))
    placed = place_intervals(bed(tmp_path, "chr10\t0\t10\nchr2\t0\t20\nchr20\t0\t100\nchrX\t0\t30\n"), layout)
    assert placed.summary().endswith("not on the reference: 20 bp (contig chr2 is not in the reference); 10 bp "
                                     "(contig chr10 is not in the reference); 30 bp (contig chrX is not in the "
                                     "reference)")
    with pytest.raises(UserInputError, match=r"\(contig chr2 is not in the reference; contig chr10 is not in"):
        place_intervals(bed(tmp_path, "chr10\t0\t10\nchr2\t0\t20\n", "other.bed"), layout)
