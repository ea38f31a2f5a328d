"""Tests for hlhscreen.panel, bin/build_panel.py and the shipped HLH panel (panels/hlh)."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pysam
import pytest

from hlhscreen import panel as P
from hlhscreen.chromosomes import chrom_sort_key
from hlhscreen.errors import UserInputError
from shared_data import shared_file

REPO = Path(__file__).resolve().parents[1]
HLH = REPO / "panels" / "hlh"
SOURCE_GTF = HLH / "source" / "hlh21_mane.gencode44.hg38.gtf.gz"

EXPECTED_AA = {"PRF1": 555, "UNC13D": 1090, "STX11": 287, "STXBP2": 593}
HLH21 = ["PRF1", "UNC13D", "STX11", "STXBP2", "RAB27A", "LYST", "AP3B1", "BLOC1S6", "SH2D1A", "XIAP", "MAGT1",
         "ITK", "CD27", "SLC7A7", "ADA", "BTK", "IL2RA", "IL2RG", "MVK", "PNP", "WAS"]


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------


def read_gtf(path):
    """Independent minimal GTF reader: list of (chrom, feature, start, end, strand, frame, attrs)."""
    opener = gzip.open if str(path).endswith(".gz") else open
    rows = []
    with opener(path, "rt") as handle:
        for line in handle:
            if line.startswith("#"):
                continue
            f = line.rstrip("\n").split("\t")
            attrs = dict(re.findall(r'(\w+) "([^"]*)"', f[8]))
            rows.append((f[0], f[2], int(f[3]), int(f[4]), f[6], f[7], attrs))
    return rows


def read_bed(path):
    return [tuple(int(x) if i in (1, 2) else x for i, x in enumerate(line.rstrip("\n").split("\t")))
            for line in open(path)]


def attrs(**kv):
    tags = kv.pop("tags", [])
    text = " ".join(f'{k} "{v}";' for k, v in kv.items())
    return text + "".join(f' tag "{t}";' for t in tags)


def gtf_gene(chrom, gene_id, name, tx_id, exons, strand="+", tags=("MANE_Select",), gene_line=True):
    """Minimal GENCODE-like lines for one gene with one transcript."""
    start, end = exons[0][0], exons[-1][1]
    lines = []
    if gene_line:
        lines.append([chrom, "TEST", "gene", start, end, ".", strand, ".", attrs(gene_id=gene_id, gene_name=name, gene_type="protein_coding")])
    lines.append([chrom, "TEST", "transcript", start, end, ".", strand, ".",
                  attrs(gene_id=gene_id, transcript_id=tx_id, gene_name=name, tags=list(tags))])
    for number, (s, e) in enumerate(exons if strand == "+" else list(reversed(exons)), start=1):
        lines.append([chrom, "TEST", "exon", s, e, ".", strand, ".",
                      attrs(gene_id=gene_id, transcript_id=tx_id, gene_name=name, exon_number=number, tags=list(tags))])
    return ["\t".join(str(x) for x in line) for line in lines]


def write(path, lines):
    path.write_text("".join(line + "\n" for line in lines))
    return path


def assert_where(err, path, line, field):
    text = str(err.value)
    where = f"{path}:{line}" if line is not None else f"{path}"
    assert text.startswith(f"ERROR {where}: {field}: "), text


@pytest.fixture
def small_gtf(tmp_path):
    lines = ["##description: test annotation (GRCh38)"]
    lines += gtf_gene("chr1", "ENSG00000000001.3", "AAA1", "ENST00000000001.1", [(1000, 1100), (2000, 2100), (2104, 2200)])
    lines += gtf_gene("chr2", "ENSG00000000002.1", "BBB2", "ENST00000000002.2", [(5000, 5050)], strand="-",
                      tags=("basic", "Ensembl_canonical"))
    return write(tmp_path / "small.gtf", lines)


def genes_file(tmp_path, *names, name="genes.txt"):
    return write(tmp_path / name, list(names))


# ------------------------------------------------------------------------------------------------
# the shipped HLH panel
# ------------------------------------------------------------------------------------------------


def test_shipped_panel_has_the_21_genes_with_mane_transcripts():
    panel = P.load_panel(HLH)
    assert panel.gene_symbols == HLH21
    assert {g["transcript_choice"] for g in panel.genes} == {"MANE_Select"}
    assert panel.manifest["build"] == "GRCh38"
    assert panel.manifest["padding"] == {"regions_bp": 3, "targets_bp": 50}


@pytest.mark.parametrize("gene", sorted(EXPECTED_AA))
def test_shipped_gtf_and_regions_reproduce_coding_lengths(gene):
    rows = [r for r in read_gtf(HLH / "gene_models.gtf.gz") if r[6].get("gene_name") == gene]
    cds = [r for r in rows if r[1] == "CDS"]
    stop = [r for r in rows if r[1] == "stop_codon"]
    start = [r for r in rows if r[1] == "start_codon"]
    coding_nt = sum(r[3] - r[2] + 1 for r in cds) + sum(r[3] - r[2] + 1 for r in stop)
    assert coding_nt % 3 == 0
    assert coding_nt // 3 - 1 == EXPECTED_AA[gene]
    assert sum(r[3] - r[2] + 1 for r in start) == 3
    # phases are consistent with the CDS lengths in transcript order
    strand = cds[0][4]
    ordered = sorted(cds, key=lambda r: r[2], reverse=(strand == "-"))
    done = 0
    for r in ordered:
        assert int(r[5]) == (3 - done % 3) % 3
        done += r[3] - r[2] + 1
    # every coding base is inside the screened regions
    regions = P.load_regions(HLH / "regions.bed")
    for r in cds + stop:
        for pos in range(r[2], r[3] + 1):
            assert regions.contains(r[0], pos), (gene, r[0], pos)
    genes = {g["gene"]: g for g in P.load_panel(HLH).genes}
    assert int(genes[gene]["protein_aa"]) == EXPECTED_AA[gene]
    assert int(genes[gene]["cds_nt"]) == coding_nt


def test_shipped_regions_are_exons_plus_3bp_merged_and_sorted():
    exons = [r for r in read_gtf(HLH / "gene_models.gtf.gz") if r[1] == "exon"]
    bed = read_bed(HLH / "regions.bed")
    keys = [(chrom_sort_key(c), s) for c, s, e, n in bed]
    assert keys == sorted(keys)
    index = P.load_regions(HLH / "regions.bed")
    for chrom, _f, start, end, _s, _fr, a in exons:
        assert index.contains(chrom, start - 3) and index.contains(chrom, end + 3)
        names = index.names_at(chrom, start)
        assert any(n.startswith(a["gene_name"] + "|exon") for n in names)
    # the padded exon set equals the merged BED exactly (bases)
    padded = set()
    for chrom, _f, start, end, *_ in exons:
        padded.update((chrom, p) for p in range(start - 3, end + 4))
    covered = {(c, p) for c, s, e, n in bed for p in range(s + 1, e + 1)}
    assert padded == covered
    for c, s, e, n in bed:
        assert re.fullmatch(r"[A-Z0-9]+\|exon\d+(-\d+)?", n), n


def test_whitelist_has_prf1_a91v_and_every_entry_is_in_regions():
    factors = P.load_risk_factors(HLH / "risk_factors.tsv")
    a91v = factors[("chr10", 70600631, "G", "A")]
    assert (a91v.gene, a91v.rsid, a91v.hgvsc, a91v.hgvsp, a91v.build) == ("PRF1", "rs35947132", "c.272C>T", "p.Ala91Val", "GRCh38")
    assert "PMID:12229880" in a91v.evidence and "risk factor" in a91v.evidence
    regions = P.load_regions(HLH / "regions.bed")
    for factor in factors.values():
        assert regions.overlaps(factor.chrom, factor.pos, factor.pos + len(factor.ref) - 1), factor
        assert factor.gene in regions.genes_at(factor.chrom, factor.pos)


def test_shipped_core4_models_equal_the_shared_core4_gtf():
    feats = {"exon", "CDS", "UTR", "start_codon", "stop_codon"}
    shipped = {(r[0], r[1], r[2], r[3], r[4], r[5], r[6]["transcript_id"]) for r in read_gtf(HLH / "gene_models.gtf.gz") if r[1] in feats}
    shared = {(r[0], r[1], r[2], r[3], r[4], r[5], r[6]["transcript_id"]) for r in read_gtf(core4_gtf()) if r[1] in feats}
    assert shared <= shipped


def _rebuild_args(out):
    manifest = json.loads((HLH / "panel.json").read_text())
    src = HLH / "source"
    return dict(
        genes=src / manifest["sources"]["gene_list"]["name"], gtf=src / manifest["sources"]["gtf"]["name"], out=out,
        pad=manifest["padding"]["regions_bp"], target_pad=manifest["padding"]["targets_bp"], name=manifest["name"],
        annotations=src / manifest["sources"]["annotations"]["name"],
        risk_factors=src / manifest["sources"]["risk_factors"]["name"], contig_style=manifest["contig_style"],
    )


def test_rebuilding_from_committed_source_is_byte_identical(tmp_path):
    out = tmp_path / "somewhere" / "else"
    P.build_panel(**_rebuild_args(out))
    for name in P.PANEL_FILES:
        assert (out / name).read_bytes() == (HLH / name).read_bytes(), name


def test_manifest_is_deterministic_and_has_no_paths_or_times():
    manifest = json.loads((HLH / "panel.json").read_text())
    text = json.dumps(manifest)
    assert "/" not in text.replace("hlhscreen-panel", "")
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
    for name, digest in manifest["files"].items():
        assert P.sha256_file(HLH / name) == digest, name
    assert manifest["sources"]["gtf"]["sha256"] == P.sha256_file(SOURCE_GTF)


# ------------------------------------------------------------------------------------------------
# builder behaviour
# ------------------------------------------------------------------------------------------------


def test_build_from_small_gtf_choices_names_and_merging(tmp_path, small_gtf):
    res = P.build_panel(genes_file(tmp_path, "AAA1", "ENSG00000000002"), small_gtf, tmp_path / "p", pad=3, target_pad=10)
    genes = {g.gene_name: g for g in res.genes}
    assert genes["AAA1"].reason == "MANE_Select" and genes["BBB2"].reason == "Ensembl_canonical"
    bed = read_bed(tmp_path / "p" / "regions.bed")
    # exons 2 and 3 of AAA1 are 3 bp apart, so +3 bp padding merges them
    assert bed == [("chr1", 996, 1103, "AAA1|exon1"), ("chr1", 1996, 2203, "AAA1|exon2-3"), ("chr2", 4996, 5053, "BBB2|exon1")]
    targets = read_bed(tmp_path / "p" / "targets.bed")
    assert targets == [("chr1", 989, 1110, "AAA1"), ("chr1", 1989, 2210, "AAA1"), ("chr2", 4989, 5060, "BBB2")]
    tsv = (tmp_path / "p" / "genes.tsv").read_text().splitlines()
    assert tsv[0].split("\t") == list(P.GENES_COLUMNS)
    assert tsv[1].split("\t")[:4] == ["AAA1", "NA", "ENSG00000000001.3", "ENST00000000001.1"]
    assert P.load_risk_factors(tmp_path / "p" / "risk_factors.tsv") == {}
    with pysam.TabixFile(str(tmp_path / "p" / "gene_models.gtf.gz")) as tbx:
        features = [line.split("\t")[2] for line in tbx.fetch("chr1", 2049, 2050)]
    assert features == ["gene", "transcript", "exon"]  # exon 2 only


@pytest.mark.parametrize("pad", [0, 1, 10])
def test_padding_changes_interval_widths(tmp_path, pad):
    out = tmp_path / f"p{pad}"
    P.build_panel(genes_file(tmp_path, "PRF1"), SOURCE_GTF, out, pad=pad, target_pad=max(pad, 50))
    exons = sorted((r[2], r[3]) for r in read_gtf(out / "gene_models.gtf.gz") if r[1] == "exon")
    bed = read_bed(out / "regions.bed")
    assert [(s, e) for _c, s, e, _n in bed] == [(s - 1 - pad, e + pad) for s, e in exons]
    assert [e - s for _c, s, e, _n in bed] == [e - s + 1 + 2 * pad for s, e in exons]
    targets = read_bed(out / "targets.bed")
    assert [e - s for _c, s, e, _n in targets] == [e - s + 1 + 2 * max(pad, 50) for s, e in exons]


def test_gene_list_accepts_ensembl_ids_with_and_without_version_and_plain_gtf(tmp_path):
    plain = tmp_path / "source.gtf"
    plain.write_bytes(gzip.decompress(SOURCE_GTF.read_bytes()))
    res = P.build_panel(genes_file(tmp_path, "ENSG00000180644.999", "ENSG00000092929", "STX11"), plain, tmp_path / "p")
    assert [g.gene_name for g in res.genes] == ["PRF1", "UNC13D", "STX11"]


def test_ensembl_contig_names_become_ucsc_or_are_kept(tmp_path):
    lines = gtf_gene("10", "ENSG00000000010.1", "CCC", "ENST00000000010.1", [(100, 200)])
    gtf = write(tmp_path / "ens.gtf", lines)
    P.build_panel(genes_file(tmp_path, "CCC"), gtf, tmp_path / "u")
    assert read_bed(tmp_path / "u" / "regions.bed")[0][0] == "chr10"
    P.build_panel(genes_file(tmp_path, "CCC"), gtf, tmp_path / "k", contig_style="keep")
    assert read_bed(tmp_path / "k" / "regions.bed")[0][0] == "10"


def test_alt_copies_are_ignored_when_a_primary_copy_exists(tmp_path):
    lines = gtf_gene("chr6", "ENSG00000000006.1", "HLAX", "ENST00000000006.1", [(100, 200)])
    lines += gtf_gene("chr6_GL000250v2_alt", "ENSG00000000007.1", "HLAX", "ENST00000000007.1", [(100, 200)])
    res = P.build_panel(genes_file(tmp_path, "HLAX"), write(tmp_path / "a.gtf", lines), tmp_path / "p")
    assert res.genes[0].gene_id == "ENSG00000000006.1"


def test_par_y_copy_is_the_same_gene(tmp_path):
    lines = gtf_gene("chrX", "ENSG00000000040.5", "PARG", "ENST00000000040.5", [(300000, 300100)])
    lines += gtf_gene("chrY", "ENSG00000000040.5_PAR_Y", "PARG", "ENST00000000040.5_PAR_Y", [(300000, 300100)])
    gtf = write(tmp_path / "par.gtf", lines)
    for query in ("PARG", "ENSG00000000040"):
        res = P.build_panel(genes_file(tmp_path, query), gtf, tmp_path / query)
        assert (res.genes[0].gene_id, res.genes[0].chrom) == ("ENSG00000000040.5", "chrX")


def test_failed_build_leaves_no_folder(tmp_path, small_gtf, monkeypatch):
    def boom(*_a, **_k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(P, "_write_gene_models", boom)
    with pytest.raises(RuntimeError):
        P.build_panel(genes_file(tmp_path, "AAA1"), small_gtf, tmp_path / "out" / "p")
    assert list((tmp_path / "out").iterdir()) == []


def test_panel_folder_and_atomic_files_follow_the_umask_through_one_shared_reader(tmp_path, small_gtf):
    """The panel folder (made by mkdtemp, 0700) and atomic_output's files (mkstemp, 0600) get the modes
    an ordinary mkdir/open would give, read through files.current_umask: panel.py had its own copy."""
    import os
    import stat

    from hlhscreen import files

    assert not hasattr(P, "_current_umask") and P.current_umask is files.current_umask
    old = os.umask(0o027)
    try:
        P.build_panel(genes_file(tmp_path, "AAA1"), small_gtf, tmp_path / "p")
        with files.atomic_output(tmp_path / "out.txt") as handle:
            handle.write("x\n")
        assert files.current_umask() == 0o027
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "p").stat().st_mode) == 0o750
    assert stat.S_IMODE((tmp_path / "out.txt").stat().st_mode) == 0o640


def test_existing_output_needs_force(tmp_path, small_gtf):
    out = tmp_path / "p"
    P.build_panel(genes_file(tmp_path, "AAA1"), small_gtf, out)
    with pytest.raises(UserInputError) as err:
        P.build_panel(genes_file(tmp_path, "BBB2"), small_gtf, out)
    assert_where(err, out, None, "--out")
    P.build_panel(genes_file(tmp_path, "BBB2"), small_gtf, out, force=True)
    assert json.loads((out / "panel.json").read_text())["genes"] == ["BBB2"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_cli_reports_user_errors_with_exit_2(tmp_path, small_gtf):
    genes = genes_file(tmp_path, "AAA1", "NOPE")
    proc = subprocess.run([sys.executable, str(REPO / "bin" / "build_panel.py"), "--genes", str(genes), "--gtf",
                           str(small_gtf), "--out", str(tmp_path / "p")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"ERROR {genes}:2: gene: NOPE is not in small.gtf")
    assert not (tmp_path / "p").exists()
    ok = subprocess.run([sys.executable, str(REPO / "bin" / "build_panel.py"), "--genes", str(genes_file(tmp_path, "AAA1")),
                         "--gtf", str(small_gtf), "--out", str(tmp_path / "q")], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "q" / "panel.json").is_file()


# ------------------------------------------------------------------------------------------------
# builder errors: each names file, line and field
# ------------------------------------------------------------------------------------------------


def test_error_gene_not_found_with_case_hint(tmp_path, small_gtf):
    genes = genes_file(tmp_path, "AAA1", "# comment", "aaa1x", "bbb2")
    with pytest.raises(UserInputError) as err:
        P.build_panel(genes, small_gtf, tmp_path / "p")
    assert_where(err, genes, 3, "gene")
    genes = genes_file(tmp_path, "bbb2")
    with pytest.raises(UserInputError) as err:
        P.build_panel(genes, small_gtf, tmp_path / "p")
    assert_where(err, genes, 1, "gene")
    assert "BBB2" in str(err.value) and "case-sensitive" in str(err.value)


def test_error_ambiguous_symbol(tmp_path):
    lines = gtf_gene("chr1", "ENSG00000000011.1", "DUP", "ENST00000000011.1", [(100, 200)])
    lines += gtf_gene("chr3", "ENSG00000000012.1", "DUP", "ENST00000000012.1", [(100, 200)])
    genes = genes_file(tmp_path, "DUP")
    with pytest.raises(UserInputError) as err:
        P.build_panel(genes, write(tmp_path / "d.gtf", lines), tmp_path / "p")
    assert_where(err, genes, 1, "gene")
    assert "ENSG00000000011.1" in str(err.value) and "ENSG00000000012.1" in str(err.value)
    # the Ensembl id resolves it
    P.build_panel(genes_file(tmp_path, "ENSG00000000012"), tmp_path / "d.gtf", tmp_path / "q")


def test_error_gene_only_on_alt_contigs(tmp_path):
    lines = gtf_gene("chr6_GL000250v2_alt", "ENSG00000000020.1", "ALTONLY", "ENST00000000020.1", [(100, 200)])
    lines += gtf_gene("chr1", "ENSG00000000021.1", "OK1", "ENST00000000021.1", [(100, 200)])
    genes = genes_file(tmp_path, "OK1", "ALTONLY")
    with pytest.raises(UserInputError) as err:
        P.build_panel(genes, write(tmp_path / "alt.gtf", lines), tmp_path / "p")
    assert_where(err, genes, 2, "gene")
    assert "alt/patch/unplaced" in str(err.value)


def test_the_alt_contigs_of_a_gene_are_named_in_natural_order(tmp_path):
    lines = gtf_gene("chr10_GL383545v1_alt", "ENSG00000000020.1", "ALTONLY", "ENST00000000020.1", [(100, 200)])
    lines += gtf_gene("chr6_GL000250v2_alt", "ENSG00000000020.1", "ALTONLY", "ENST00000000022.1", [(100, 200)])
    with pytest.raises(UserInputError, match=r"alt/patch/unplaced contigs in alt.gtf \(chr6_GL000250v2_alt, "
                                             r"chr10_GL383545v1_alt\)"):
        P.build_panel(genes_file(tmp_path, "ALTONLY"), write(tmp_path / "alt.gtf", lines), tmp_path / "p")


def test_error_no_mane_or_canonical_transcript(tmp_path):
    lines = gtf_gene("chr1", "ENSG00000000030.1", "NOTAG", "ENST00000000030.1", [(100, 200)], tags=("basic",))
    gtf = write(tmp_path / "nt.gtf", ["#!genome-build GRCh38.p14"] + lines)
    with pytest.raises(UserInputError) as err:
        P.build_panel(genes_file(tmp_path, "NOTAG"), gtf, tmp_path / "p")
    assert_where(err, gtf, 2, "tag")
    assert "MANE_Select" in str(err.value) and "Ensembl_canonical" in str(err.value)


@pytest.mark.parametrize("header", ["##genome-build GRCh37", "##description: evidence-based annotation of the human genome (GRCh37), version 19",
                                    "#!genome-build GRCh37.p13"])
def test_error_wrong_build_header(tmp_path, small_gtf, header):
    gtf = write(tmp_path / "b37.gtf", ["##format: gtf", header] + small_gtf.read_text().splitlines()[1:])
    with pytest.raises(UserInputError) as err:
        P.build_panel(genes_file(tmp_path, "AAA1"), gtf, tmp_path / "p")
    assert_where(err, gtf, 2, "genome-build")


def test_error_wrong_build_by_mane_coordinates(tmp_path, small_gtf):
    # PRF1 MANE transcript at its GRCh37 position (NCBI Gene 5551: 72357104..72362497), no build header
    prf1 = gtf_gene("chr10", "ENSG00000180644.7", "PRF1", "ENST00000441259.1", [(72357104, 72362497)])
    gtf = write(tmp_path / "b37.gtf", small_gtf.read_text().splitlines()[1:] + prf1)
    with pytest.raises(UserInputError) as err:
        P.build_panel(genes_file(tmp_path, "AAA1"), gtf, tmp_path / "p")
    n = small_gtf.read_text().count("\n") - 1 + 2  # the PRF1 transcript line
    assert_where(err, gtf, n, "coordinates")
    assert "GRCh37" in str(err.value)


def test_error_empty_gene_list(tmp_path, small_gtf):
    genes = write(tmp_path / "genes.txt", ["# nothing here", ""])
    with pytest.raises(UserInputError) as err:
        P.build_panel(genes, small_gtf, tmp_path / "p")
    assert_where(err, genes, 2, "genes")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(UserInputError) as err:
        P.read_gene_list(empty)
    assert_where(err, empty, 1, "genes")


def test_error_gene_listed_twice_or_two_per_line(tmp_path):
    genes = genes_file(tmp_path, "PRF1", "STX11", "PRF1")
    with pytest.raises(UserInputError) as err:
        P.read_gene_list(genes)
    assert_where(err, genes, 3, "gene")
    genes = genes_file(tmp_path, "PRF1 STX11")
    with pytest.raises(UserInputError) as err:
        P.read_gene_list(genes)
    assert_where(err, genes, 1, "gene")


@pytest.mark.parametrize("mutate,field", [
    (lambda f: f[:8], "columns"),
    (lambda f: f[:3] + ["12x"] + f[4:], "start"),
    (lambda f: f[:4] + ["5"] + f[5:], "start"),  # start > end
    (lambda f: f[:6] + ["*"] + f[7:], "strand"),
    (lambda f: f[:8] + ['transcript_id "X";'], "gene_id"),
    (lambda f: f[:8] + [f[8] + ' broken "unterminated'], "attributes"),
])
def test_error_malformed_gtf_line(tmp_path, small_gtf, mutate, field):
    lines = small_gtf.read_text().splitlines()
    fields = lines[3].split("\t")  # an AAA1 exon line
    lines[3] = "\t".join(mutate(fields))
    gtf = write(tmp_path / "bad.gtf", lines)
    with pytest.raises(UserInputError) as err:
        P.build_panel(genes_file(tmp_path, "AAA1"), gtf, tmp_path / "p")
    assert_where(err, gtf, 4, field)
    assert not (tmp_path / "p").exists()


def test_error_options(tmp_path, small_gtf):
    with pytest.raises(UserInputError) as err:
        P.build_panel(genes_file(tmp_path, "AAA1"), small_gtf, tmp_path / "p", pad=10, target_pad=5)
    assert_where(err, "-", None, "--target-pad")
    with pytest.raises(UserInputError) as err:
        P.build_panel(genes_file(tmp_path, "AAA1"), tmp_path / "missing.gtf", tmp_path / "p")
    assert_where(err, tmp_path / "missing.gtf", None, "--gtf")


def test_error_risk_factor_outside_regions(tmp_path, small_gtf):
    rf = write(tmp_path / "rf.tsv", ["\t".join(P.RISK_FACTOR_COLUMNS),
                                     "\t".join(["AAA1", "GRCh38", "chr1", "1050", "A", "G", "NA", "NA", "NA", "NA", "PMID:1", "test"]),
                                     "\t".join(["AAA1", "GRCh38", "chr1", "1500", "A", "G", "NA", "NA", "NA", "NA", "PMID:1", "test"])])
    with pytest.raises(UserInputError) as err:
        P.build_panel(genes_file(tmp_path, "AAA1"), small_gtf, tmp_path / "p", risk_factors=rf)
    assert_where(err, rf, 3, "pos")


# ------------------------------------------------------------------------------------------------
# risk-factor loader
# ------------------------------------------------------------------------------------------------

GOOD_RF = ["PRF1", "GRCh38", "chr10", "70600631", "G", "A", "rs35947132", "NM_001083116.3", "c.272C>T", "p.Ala91Val",
           "PMID:12229880", "hypomorphic allele"]


def test_risk_factor_loader_reads_good_rows(tmp_path):
    second = list(GOOD_RF)
    second[3], second[4], second[5], second[6] = "70598599", "C", "T", "NA"
    rf = write(tmp_path / "rf.tsv", ["# comment", "\t".join(P.RISK_FACTOR_COLUMNS), "\t".join(GOOD_RF), "\t".join(second)])
    factors = P.load_risk_factors(rf)
    assert list(factors) == [("chr10", 70600631, "G", "A"), ("chr10", 70598599, "C", "T")]
    assert factors[("chr10", 70600631, "G", "A")].variant_id == "chr10:70600631:G:A"
    assert factors[("chr10", 70600631, "G", "A")].line == 3


@pytest.mark.parametrize("column,value", [
    ("evidence", ""), ("reason", "NA"), ("gene", ""), ("build", "GRCh37"), ("build", "hg19"),
    ("chrom", "chr23"), ("chrom", "chr6_GL000250v2_alt"), ("pos", "abc"), ("pos", "0"),
    ("ref", "X"), ("ref", "g"), ("alt", "<DEL>"), ("alt", "A,T"), ("alt", "G"),
])
def test_risk_factor_loader_rejects_bad_values(tmp_path, column, value):
    row = list(GOOD_RF)
    row[P.RISK_FACTOR_COLUMNS.index(column)] = value
    rf = write(tmp_path / "rf.tsv", ["\t".join(P.RISK_FACTOR_COLUMNS), "\t".join(GOOD_RF).replace("70600631", "70600632"), "\t".join(row)])
    with pytest.raises(UserInputError) as err:
        P.load_risk_factors(rf)
    assert_where(err, rf, 3, column)


def test_risk_factor_loader_structure_errors(tmp_path):
    header = [c for c in P.RISK_FACTOR_COLUMNS if c != "evidence"]
    rf = write(tmp_path / "rf.tsv", ["\t".join(header)])
    with pytest.raises(UserInputError) as err:
        P.load_risk_factors(rf)
    assert_where(err, rf, 1, "evidence")
    rf = write(tmp_path / "rf.tsv", ["\t".join(P.RISK_FACTOR_COLUMNS), "\t".join(GOOD_RF[:-1])])
    with pytest.raises(UserInputError) as err:
        P.load_risk_factors(rf)
    assert_where(err, rf, 2, "columns")
    rf = write(tmp_path / "rf.tsv", ["\t".join(P.RISK_FACTOR_COLUMNS), "\t".join(GOOD_RF), "\t".join(GOOD_RF)])
    with pytest.raises(UserInputError) as err:
        P.load_risk_factors(rf)
    assert_where(err, rf, 3, "pos")
    empty = write(tmp_path / "empty.tsv", [])
    with pytest.raises(UserInputError) as err:
        P.load_risk_factors(empty)
    assert_where(err, empty, None, "header")


# ------------------------------------------------------------------------------------------------
# BED loader and RegionIndex
# ------------------------------------------------------------------------------------------------


def test_region_index_queries_are_1_based():
    index = P.RegionIndex([P.Region("chr1", 10, 20, "A|exon1"), P.Region("chr1", 15, 30, "B|exon2"), P.Region("chr2", 0, 5, "C|exon1")])
    assert not index.contains("chr1", 10) and index.contains("chr1", 11) and index.contains("chr1", 30)
    assert not index.contains("chr1", 31) and not index.contains("chrX", 11)
    assert index.names_at("chr1", 18) == ["A|exon1", "B|exon2"]
    assert index.names_at("chr1", 25) == ["B|exon2"] and index.genes_at("chr1", 25) == ["B"]
    assert not index.overlaps("chr1", 5, 10) and index.overlaps("chr1", 5, 11) and index.overlaps("chr1", 30, 40)
    assert not index.overlaps("chr1", 31, 40)
    assert index.total_bp() == 25 and len(index) == 3


# Names as the panel writes them (_region_name), as other tools write them (an exon id, a bare symbol) and with
# blanks a tab-separated name may hold: every reader of a BED name must find the same genes in it.
BED_NAMES = [
    ("PRF1|exon2", ("PRF1",)),
    ("UNC13D|exon3,STXBP2|exon1", ("UNC13D", "STXBP2")),
    ("LYST|ENSE00001|exon5", ("LYST",)),
    ("STX11", ("STX11",)),
    (" RAB27A |exon2, STXBP2|exon1-2", ("RAB27A", "STXBP2")),
    ("PRF1|exon1,PRF1|exon2", ("PRF1",)),
]


@pytest.mark.parametrize("name, genes", BED_NAMES)
def test_every_reader_of_a_bed_name_finds_the_same_genes(tmp_path, name, genes):
    from hlhscreen import gene_coverage

    region = P.Region("chr1", 10, 20, name)
    assert P.region_genes(name) == region.genes == genes
    assert P.RegionIndex([region]).genes_at("chr1", 15) == list(genes)
    assert P.RegionIndex([region]).genes_in("chr1", 5, 11) == list(genes)  # SCREEN's genes of a record's span
    thresholds = tmp_path / "s1.thresholds.bed.gz"
    with gzip.open(thresholds, "wt") as out:
        out.write(f"#chrom\tstart\tend\tregion\t10X\nchr1\t10\t20\t{name}\t4\n")
    assert tuple(gene_coverage.read_thresholds(thresholds, 10)) == genes


def test_region_index_matches_brute_force_on_shipped_bed():
    index = P.load_regions(HLH / "regions.bed")
    bed = read_bed(HLH / "regions.bed")
    chrom, s, e, _ = bed[5]
    for pos in range(s - 5, e + 6):
        truth = any(c == chrom and bs < pos <= be for c, bs, be, _n in bed)
        assert index.contains(chrom, pos) == truth


def test_the_intervals_a_span_overlaps_match_brute_force():
    """RegionIndex.overlapping (SCREEN's panel genes of a record's span, names_at, genes_at): every interval
    with a base in the 1-based span, in start order, over nested, overlapping, touching and distant ones."""
    import random

    rng = random.Random(7)
    regions = []
    for i in range(60):
        start = rng.randint(0, 400)
        regions.append(P.Region(rng.choice(("chr1", "chr2")), start, start + rng.randint(1, 60), f"G{i % 9}|exon{i}"))
    index = P.RegionIndex(regions)
    ordered = sorted(regions, key=lambda r: (r.start, r.end, r.name))
    for chrom in ("chr1", "chr2", "chr3"):
        for start in range(0, 480, 3):
            for length in (0, 1, 7, 40):
                end = start + length
                truth = [r for r in ordered if r.chrom == chrom and r.start < end and r.end >= start]
                assert index.overlapping(chrom, start, end) == truth, (chrom, start, end)
                assert index.genes_in(chrom, start, end) == list(dict.fromkeys(r.genes[0] for r in truth))
                assert index.names_at(chrom, start) == [r.name for r in ordered
                                                        if r.chrom == chrom and r.start < start <= r.end]


@pytest.mark.parametrize("lines,line,field", [
    (["chr1\t10"], 1, "columns"),
    (["chr1\t10\t20", "chr1\tx\t20"], 2, "start"),
    (["chr1\t10\t20.5"], 1, "end"),
    (["chr1\t20\t20"], 1, "end"),
    (["track name=x", "chr1\t30\t20"], 2, "end"),
    (["chr1\t-1\t20"], 1, "start"),
])
def test_bed_loader_errors(tmp_path, lines, line, field):
    bed = write(tmp_path / "r.bed", lines)
    with pytest.raises(UserInputError) as err:
        P.load_regions(bed)
    assert_where(err, bed, line, field)


def test_bed_loader_empty_file(tmp_path):
    bed = write(tmp_path / "r.bed", ["# only a comment"])
    with pytest.raises(UserInputError) as err:
        P.load_regions(bed)
    assert_where(err, bed, None, "bed")


def test_load_panel_reports_missing_file(tmp_path):
    copy = tmp_path / "hlh"
    shutil.copytree(HLH, copy)
    (copy / "targets.bed").unlink()
    with pytest.raises(UserInputError) as err:
        P.load_panel(copy)
    assert_where(err, copy / "targets.bed", None, "--panel")


# ------------------------------------------------------------------------------------------------
# real GTF flavours: the shared GENCODE v44 MANE records of PRF1/UNC13D/STX11/STXBP2 rewritten into
# each layout users download (Ensembl, NCBI RefSeq, MANE release, UCSC export, GFF3 by mistake).
# Each must give the same screened regions as GENCODE, or be refused with a message naming the cause.
# ------------------------------------------------------------------------------------------------

def core4_gtf() -> Path:
    """The shared GENCODE v44 MANE GTF of PRF1/UNC13D/STX11/STXBP2 (the test is skipped without it)."""
    return shared_file("testdata", "hlh_core4.mane.gencode44.hg38.gtf")


CORE4 = ["PRF1", "UNC13D", "STX11", "STXBP2"]
_GRCH38_NC = {"chr6": "NC_000006.12", "chr10": "NC_000010.11", "chr17": "NC_000017.11", "chr19": "NC_000019.10",
              "chrX": "NC_000023.11", "chrY": "NC_000024.10"}
_GENE_IDS = {"PRF1": "5551", "UNC13D": "201294", "STX11": "8676", "STXBP2": "6813"}


def core4_records():
    """(columns 1-8, attributes dict, tags) of the shared GENCODE GTF, in file order."""
    rows = []
    for line in core4_gtf().read_text().splitlines():
        if line.startswith("#"):
            continue
        cols = line.split("\t")
        rows.append((cols[:8], dict(re.findall(r'(\w+) "([^"]*)"', cols[8])), re.findall(r'tag "([^"]*)"', cols[8])))
    return rows


def gtf_line(cols, pairs):
    """A GTF line from columns 1-8 and (key, value) attribute pairs (repeated keys allowed)."""
    return "\t".join(cols + [" ".join(f'{k} "{v}";' for k, v in pairs)])


def ensembl_flavour():
    """Homo_sapiens.GRCh38.113.gtf: '#!' headers, contigs without chr, unversioned ids + *_version,
    *_biotype, five/three_prime_utr, tags basic + Ensembl_canonical + MANE_Select; plus an untagged
    second PRF1 transcript (exon 3 only) that must not be chosen."""
    lines = ["#!genome-build GRCh38.p14", "#!genome-version GRCh38", "#!genome-date 2013-12",
             "#!genome-build-accession GCA_000001405.29", "#!genebuild-last-updated 2024-03"]
    recs = core4_records()
    cds = {}
    for cols, a, _ in recs:
        if cols[2] == "CDS":
            lo, hi = cds.get(a["transcript_id"], (10**10, 0))
            cds[a["transcript_id"]] = (min(lo, int(cols[3])), max(hi, int(cols[4])))
    for cols, a, _ in recs:
        cols = [cols[0][3:], "ensembl_havana"] + cols[2:]
        gid, gver = a["gene_id"].split(".")
        pairs = [("gene_id", gid), ("gene_version", gver)]
        if "transcript_id" in a:
            tid, tver = a["transcript_id"].split(".")
            pairs += [("transcript_id", tid), ("transcript_version", tver)]
        if "exon_number" in a:
            pairs.append(("exon_number", a["exon_number"]))
        pairs += [("gene_name", a["gene_name"]), ("gene_source", "ensembl_havana"), ("gene_biotype", "protein_coding")]
        if "transcript_id" in a:
            pairs += [("transcript_name", a["transcript_name"]), ("transcript_source", "ensembl_havana"),
                      ("transcript_biotype", "protein_coding"), ("tag", "CCDS"), ("tag", "basic"),
                      ("tag", "Ensembl_canonical"), ("tag", "MANE_Select")]
        if cols[2] == "UTR":
            lo, _ = cds[a["transcript_id"]]
            before = int(cols[4]) < lo
            cols[2] = "five_prime_utr" if before == (cols[6] == "+") else "three_prime_utr"
        lines.append(gtf_line(cols, pairs))
        if cols[2] == "exon" and a["gene_name"] == "PRF1" and a["exon_number"] == "3":
            other = [("gene_id", gid), ("gene_version", gver), ("transcript_id", "ENST00000373209"),
                     ("transcript_version", "3"), ("gene_name", "PRF1"), ("gene_biotype", "protein_coding"),
                     ("transcript_biotype", "protein_coding"), ("tag", "basic")]
            lines.append(gtf_line(cols[:2] + ["transcript"] + cols[3:], other))
            lines.append(gtf_line(cols, other + [("exon_number", "1")]))
    return lines


def refseq_flavour(accessions=None):
    """GCF_000001405.40_GRCh38.p14_genomic.gtf: contigs NC_..., gene_id = symbol, the symbol in 'gene',
    transcript_id NM_..., gene lines with transcript_id "", db_xref, tag "MANE Select" (with a space),
    no UTR features."""
    accessions = accessions or _GRCH38_NC
    lines = ["#gtf-version 2.2", "#!genome-build GRCh38.p14", "#!genome-build-accession NCBI_Assembly:GCF_000001405.40",
             "#!annotation-source NCBI RefSeq GCF_000001405.40-RS_2023_10"]
    for cols, a, _ in core4_records():
        if cols[2] == "UTR":
            continue
        cols = [accessions[cols[0]], "BestRefSeq"] + cols[2:]
        symbol = a["gene_name"]
        if cols[2] == "gene":
            pairs = [("gene_id", symbol), ("transcript_id", ""), ("db_xref", f"GeneID:{_GENE_IDS[symbol]}"),
                     ("description", "test"), ("gbkey", "Gene"), ("gene", symbol), ("gene_biotype", "protein_coding")]
        else:
            pairs = [("gene_id", symbol), ("transcript_id", a["mane_refseq"]), ("db_xref", f"GeneID:{_GENE_IDS[symbol]}"),
                     ("db_xref", f"Ensembl:{a['transcript_id']}"), ("gbkey", "mRNA"), ("gene", symbol),
                     ("tag", "MANE Select"), ("transcript_biotype", "mRNA")]
            if "exon_number" in a:
                pairs.append(("exon_number", a["exon_number"]))
        lines.append(gtf_line(cols, pairs))
    return lines


def mane_flavour():
    """MANE.GRCh38.v1.3.ensembl_genomic.gtf: UCSC contigs, versioned Ensembl ids, gene_name, and the
    NCBI spelling of the tag ('MANE Select')."""
    lines = []
    for cols, a, tags in core4_records():
        pairs = [(k, v) for k, v in a.items() if k != "tag"] + [("tag", "MANE Select") for t in tags if t == "MANE_Select"]
        lines.append(gtf_line(["chr" + cols[0][3:], "BestRefSeq"] + cols[2:], pairs))
    return lines


def ucsc_known_gene_flavour():
    """hg38.knownGene.gtf (genePredToGtf): no gene lines, gene_id = transcript id, no tags."""
    lines = []
    for cols, a, _ in core4_records():
        if cols[2] == "gene":
            continue
        tid = a["transcript_id"]
        lines.append(gtf_line([cols[0], "knownGene"] + cols[2:],
                              [("gene_id", tid), ("transcript_id", tid), ("gene_name", a["gene_name"])]))
    return lines


def ucsc_ncbi_refseq_flavour():
    """hg38.ncbiRefSeq.gtf (genePredToGtf): no gene lines, gene_id = symbol, no tags."""
    lines = []
    for cols, a, _ in core4_records():
        if cols[2] == "gene":
            continue
        lines.append(gtf_line([cols[0], "ncbiRefSeq"] + cols[2:],
                              [("gene_id", a["gene_name"]), ("transcript_id", a["mane_refseq"]),
                               ("gene_name", a["gene_name"])]))
    return lines


def gff3_flavour():
    """Homo_sapiens.GRCh38.113.gff3 given as --gtf."""
    lines = ["##gff-version 3", "##sequence-region   10 1 133797422"]
    for cols, a, _ in core4_records():
        gid = a["gene_id"].split(".")[0]
        attributes = f"ID=gene:{gid};Name={a['gene_name']};biotype=protein_coding;gene_id={gid}"
        lines.append("\t".join([cols[0][3:], "ensembl_havana"] + cols[2:] + [attributes]))
    return lines


@pytest.fixture(scope="module")
def gencode_core4(tmp_path_factory):
    """The panel built from the shared GENCODE GTF itself: what every flavour must reproduce."""
    tmp = tmp_path_factory.mktemp("gencode")
    P.build_panel(write(tmp / "genes.txt", CORE4), core4_gtf(), tmp / "panel")
    return tmp / "panel"


def regions_without_names(folder):
    return [row[:3] for row in read_bed(folder / "regions.bed")]


def test_gencode_core4_panel_is_the_shared_mane_exons_plus_3bp(gencode_core4):
    """The reference the flavours are compared with is itself right: shared exons + 3 bp, merged."""
    shared = sorted((c, s, e) for c, s, e, n in read_bed(shared_file("testdata", "hlh21_mane_exons_pad3.hg38.bed"))
                    if n.split("|")[0] in CORE4)
    built = sorted(regions_without_names(gencode_core4))
    merged = []
    for c, s, e in shared:
        if merged and merged[-1][0] == c and s <= merged[-1][2]:
            merged[-1] = (c, merged[-1][1], max(e, merged[-1][2]))
        else:
            merged.append((c, s, e))
    assert built == merged


@pytest.mark.parametrize("flavour, choice", [
    (ensembl_flavour, "MANE_Select"),
    (refseq_flavour, "MANE_Select"),
    (mane_flavour, "MANE_Select"),
])
def test_real_gtf_flavours_build_the_same_panel_as_gencode(tmp_path, gencode_core4, flavour, choice):
    gtf = write(tmp_path / "annotation.gtf", flavour())
    res = P.build_panel(write(tmp_path / "genes.txt", CORE4), gtf, tmp_path / "panel")
    assert [g.gene_name for g in res.genes] == CORE4
    assert regions_without_names(tmp_path / "panel") == regions_without_names(gencode_core4)
    assert read_bed(tmp_path / "panel" / "targets.bed") == read_bed(gencode_core4 / "targets.bed")
    genes = {g["gene"]: g for g in P.load_panel(tmp_path / "panel").genes}
    for gene, aa in EXPECTED_AA.items():
        assert (genes[gene]["protein_aa"], genes[gene]["transcript_choice"]) == (str(aa), choice)
    assert all(not g.notes for g in res.genes)


def test_refseq_gtf_keeps_accession_contigs_with_contig_style_keep(tmp_path):
    gtf = write(tmp_path / "GCF_000001405.40_GRCh38.p14_genomic.gtf", refseq_flavour())
    P.build_panel(write(tmp_path / "genes.txt", ["PRF1"]), gtf, tmp_path / "panel", contig_style="keep")
    assert {row[0] for row in read_bed(tmp_path / "panel" / "regions.bed")} == {"NC_000010.11"}


def test_refseq_gtf_of_grch37_is_refused(tmp_path):
    grch37 = dict(_GRCH38_NC, chr10="NC_000010.10")
    gtf = write(tmp_path / "GCF_000001405.25_GRCh37.p13_genomic.gtf", refseq_flavour(grch37))
    with pytest.raises(UserInputError, match=r"contig NC_000010\.10 is not a GRCh38 chromosome \(GRCh38 names it NC_000010\.11\)"):
        P.build_panel(write(tmp_path / "genes.txt", ["STX11"]), gtf, tmp_path / "panel")
    assert not (tmp_path / "panel").exists()


@pytest.mark.parametrize("flavour, message, field", [
    (ucsc_known_gene_flavour, "gene_id holds transcript ids", "gene_id"),
    (ucsc_ncbi_refseq_flavour, "no transcript in annotation.gtf is tagged MANE_Select", "tag"),
    (gff3_flavour, "this is a GFF3 file", "--gtf"),
])
def test_gtf_flavours_without_a_transcript_choice_are_refused(tmp_path, flavour, message, field):
    gtf = write(tmp_path / "annotation.gtf", flavour())
    with pytest.raises(UserInputError, match=message) as err:
        P.build_panel(write(tmp_path / "genes.txt", ["PRF1"]), gtf, tmp_path / "panel")
    assert f": {field}: " in str(err.value)
    assert not (tmp_path / "panel").exists()


def test_gff3_without_its_header_is_named_as_gff3(tmp_path):
    gtf = write(tmp_path / "annotation.gtf", gff3_flavour()[2:])
    with pytest.raises(UserInputError, match="GFF3 key=value attributes") as err:
        P.build_panel(write(tmp_path / "genes.txt", ["PRF1"]), gtf, tmp_path / "panel")
    assert_where(err, gtf, 1, "attributes")


def test_par_gene_with_its_own_chry_id_is_screened_on_chrx_and_said(tmp_path, capsys):
    """GENCODE >= 44 gives the chrY PAR copy its own ENSG id; RefSeq calls it 'SYMBOL_1'."""
    import build_panel

    lines = gtf_gene("chrX", "ENSG00000000040.5", "PARG", "ENST00000000040.5", [(300000, 300100)])
    lines += gtf_gene("chrY", "ENSG00000000041.1", "PARG", "ENST00000000041.1", [(300000, 300100)])
    gtf = write(tmp_path / "par.gtf", lines)
    res = P.build_panel(genes_file(tmp_path, "PARG"), gtf, tmp_path / "p")
    assert (res.genes[0].gene_id, res.genes[0].chrom) == ("ENSG00000000040.5", "chrX")
    assert "also annotated on chrY (ENSG00000000041.1" in res.genes[0].notes[0]
    with pytest.raises(SystemExit) as done:
        from hlhscreen.errors import run_cli
        run_cli(build_panel.main, ["--genes", str(genes_file(tmp_path, "PARG")), "--gtf", str(gtf),
                                   "--out", str(tmp_path / "cli")])
    assert done.value.code == 0
    assert "WARNING genes.txt:1: PARG: also annotated on chrY" in capsys.readouterr().err
    # a symbol on two autosomes stays ambiguous
    lines += gtf_gene("chr3", "ENSG00000000042.1", "PARG", "ENST00000000042.1", [(500, 600)])
    with pytest.raises(UserInputError, match="ambiguous"):
        P.build_panel(genes_file(tmp_path, "PARG"), write(tmp_path / "par3.gtf", lines), tmp_path / "p3")


def test_refseq_gene_ids_are_accepted_in_the_gene_list(tmp_path):
    gtf = write(tmp_path / "refseq.gtf", refseq_flavour())
    res = P.build_panel(genes_file(tmp_path, "STXBP2"), gtf, tmp_path / "p")
    assert (res.genes[0].gene_id, res.genes[0].transcript_id, res.genes[0].chrom) == ("STXBP2", "NM_006949.4", "chr19")
    assert P.load_panel(tmp_path / "p").genes[0]["refseq_transcript"] == "NM_006949.4"


def test_non_coding_chosen_transcript_is_said(tmp_path):
    lines = gtf_gene("chr5", "ENSG00000000050.1", "LNC1", "ENST00000000050.1", [(1000, 1200)], tags=("Ensembl_canonical",))
    res = P.build_panel(genes_file(tmp_path, "LNC1"), write(tmp_path / "l.gtf", lines), tmp_path / "p")
    assert res.genes[0].notes and "is non-coding" in res.genes[0].notes[0]


def _coding_gene(chrom, gene_id, name, tx_id, tags, start=1000):
    """GENCODE-like lines of a one-exon coding transcript (exon, CDS with its frame)."""
    lines = gtf_gene(chrom, gene_id, name, tx_id, [(start, start + 302)], tags=tags)
    lines.append("\t".join(str(x) for x in [chrom, "TEST", "CDS", start + 1, start + 300, ".", "+", "0",
                                              attrs(gene_id=gene_id, transcript_id=tx_id, gene_name=name, tags=list(tags))]))
    return lines


@pytest.mark.parametrize("tags, reason", [(("basic", "Ensembl_canonical"), "Ensembl_canonical"),
                                          (("RefSeq Select",), "RefSeq_Select")])
def test_a_coding_gene_screened_on_a_transcript_other_than_mane_select_is_said(tmp_path, capsys, tags, reason):
    """A coding gene without a MANE Select transcript in the GTF is screened on its Ensembl canonical (or RefSeq
    Select) one: built, and now said, with the transcript (before: only genes.tsv's transcript_choice told it)."""
    import build_panel
    from hlhscreen.errors import run_cli

    lines = _coding_gene("chr1", "ENSG00000000061.2", "MANE1", "ENST00000000061.1", ("basic", "MANE_Select"))
    lines += _coding_gene("chr2", "ENSG00000000062.2", "CANON2", "ENST00000000062.4", tags, start=5000)
    gtf = write(tmp_path / "gencode.v37.annotation.gtf", lines)
    res = P.build_panel(genes_file(tmp_path, "MANE1", "CANON2"), gtf, tmp_path / "p")
    mane, other = res.genes
    assert mane.notes == [] and other.reason == reason
    assert other.notes == [f"no transcript of CANON2 is tagged MANE Select in gencode.v37.annotation.gtf: its {reason} "
                           "transcript ENST00000000062.4 is screened instead (genes.tsv transcript_choice); exon numbers "
                           "and HGVS names follow it and may differ from those of a report on the MANE Select transcript"]
    with pytest.raises(SystemExit) as done:
        run_cli(build_panel.main, ["--genes", str(tmp_path / "genes.txt"), "--gtf", str(gtf), "--out", str(tmp_path / "cli")])
    assert done.value.code == 0
    assert "WARNING genes.txt:2: CANON2: no transcript of CANON2 is tagged MANE Select" in capsys.readouterr().err


def test_alias_symbol_is_refused_with_the_hgnc_hint(tmp_path):
    with pytest.raises(UserInputError, match="MUNC13-4 is not in .*alias or previous symbol") as err:
        P.build_panel(genes_file(tmp_path, "MUNC13-4"), core4_gtf(), tmp_path / "p")
    assert_where(err, tmp_path / "genes.txt", 1, "gene")


def test_grch37_refseq_mane_transcript_is_refused_by_position(tmp_path):
    """A RefSeq GTF whose contigs are renamed to chr... but whose positions are GRCh37 (PRF1 at 72.36 Mb)."""
    lines = [line for line in refseq_flavour() if not line.startswith("#")]
    shifted = []
    for line in lines:
        cols = line.split("\t")
        cols[0] = "chr10" if cols[0] == "NC_000010.11" else cols[0]
        if cols[0] == "chr10":
            cols[3], cols[4] = str(int(cols[3]) + 1_760_000), str(int(cols[4]) + 1_760_000)
        shifted.append("\t".join(cols))
    with pytest.raises(UserInputError, match="PRF1 MANE transcript NM_001083116.3 lies at chr10"):
        P.build_panel(genes_file(tmp_path, "PRF1"), write(tmp_path / "g.gtf", shifted), tmp_path / "p")


def test_refseq_gene_id_shared_with_alt_locus_and_chry_copies(tmp_path):
    """A RefSeq-style gene id that also names the gene's copy on an alt locus (NT_ contig, same
    transcript id) and on chrY: built from the primary chrX copy, the chrY copy said."""
    def refseq_gene(contig, start):
        exons = [(start, start + 100), (start + 300, start + 400)]
        return [line.replace('gene_name "PARR"', 'gene "PARR"') for line in
                gtf_gene(contig, "PARR", "PARR", "NM_000999.2", exons, tags=("MANE Select",))]
    lines = refseq_gene("NC_000023.11", 1000) + refseq_gene("NT_187517.1", 5000) + refseq_gene("NC_000024.10", 2000)
    res = P.build_panel(genes_file(tmp_path, "PARR"), write(tmp_path / "refseq.gtf", lines), tmp_path / "p")
    gene = res.genes[0]
    assert (gene.gene_id, gene.chrom, gene.transcript_id, gene.reason) == ("PARR", "chrX", "NM_000999.2", "MANE_Select")
    assert [r[:3] for r in read_bed(tmp_path / "p" / "regions.bed")] == [("chrX", 996, 1103), ("chrX", 1296, 1403)]
    assert "also annotated on chrY (PARR at chrY:2000" in gene.notes[0]


@pytest.mark.pipeline
def test_build_panel_module_passes_warnings_on_and_fails_with_the_error(tmp_path):
    """BUILD_PANEL keeps the builder's WARNING lines (the workflow logs them: a task's stderr is not
    shown on success) and still fails with the builder's exit status and ERROR line. The warnings are
    published as panel/build_warnings.txt with the pipeline's own publishDir (conf/modules.config): they
    are part of the panel folder (published as warnings.txt renamed into panel/, they raced with the
    folder's own publication and were lost in about half the runs)."""
    from nextflow_runner import run_nextflow

    lines = gtf_gene("chrX", "ENSG00000000040.5", "PARG", "ENST00000000040.5", [(300000, 300100)])
    lines += gtf_gene("chrY", "ENSG00000000041.1", "PARG", "ENST00000000041.1", [(300000, 300100)])
    write(tmp_path / "par.gtf", lines)
    write(tmp_path / "good.txt", ["PARG"])
    write(tmp_path / "bad.txt", ["NOPE1"])
    (tmp_path / "bin").symlink_to(REPO / "bin")
    (tmp_path / "pipefail.config").write_text(
        "process.shell = ['/bin/bash', '-euo', 'pipefail']\n"
        f"params {{ outdir = '{tmp_path}/out'; publish_dir_mode = 'copy'; tools_container = 'hlhscreen-tools' }}\n"
        f"includeConfig '{REPO}/conf/modules.config'\n")
    (tmp_path / "main.nf").write_text(f"""
params.tools_container = 'hlhscreen-tools'
params.genes = 'good.txt'
include {{ BUILD_PANEL }} from '{REPO}/modules/local/build_panel'
workflow {{
    BUILD_PANEL(file("{tmp_path}/${{params.genes}}"), file("{tmp_path}/par.gtf"), [])
    BUILD_PANEL.out.warnings.subscribe {{ f -> f.copyTo("{tmp_path}/warnings.txt") }}
    BUILD_PANEL.out.panel.subscribe {{ d -> d.resolve('genes.tsv').copyTo("{tmp_path}/genes.tsv") }}
    BUILD_PANEL.out.panel.subscribe {{ d -> d.resolve('build_warnings.txt').copyTo("{tmp_path}/in_panel.txt") }}
}}
""")
    run_nextflow(tmp_path, "-c", str(tmp_path / "pipefail.config"), pipeline=str(tmp_path / "main.nf"), timeout=600)
    assert (tmp_path / "warnings.txt").read_text().startswith("WARNING good.txt:1: PARG: also annotated on chrY")
    assert "\tchrX\t" in (tmp_path / "genes.tsv").read_text()
    assert (tmp_path / "in_panel.txt").read_text() == (tmp_path / "warnings.txt").read_text()
    published = tmp_path / "out" / "panel"
    assert (published / "build_warnings.txt").read_text() == (tmp_path / "warnings.txt").read_text()
    assert (published / "genes.tsv").is_file() and not (tmp_path / "out" / "warnings.txt").exists()
    failed = run_nextflow(tmp_path, "-c", str(tmp_path / "pipefail.config"), "--genes", "bad.txt",
                          pipeline=str(tmp_path / "main.nf"), check=False, timeout=600)
    assert failed.returncode != 0
    log = failed.stdout + failed.stderr + (tmp_path / ".nextflow.log").read_text()
    assert "exit status (2)" in log and "gene: NOPE1 is not in par.gtf" in log, log[-3000:]


def test_ensembl_versions_are_joined_to_the_ids_in_genes_tsv(tmp_path):
    P.build_panel(write(tmp_path / "genes.txt", ["PRF1"]), write(tmp_path / "e.gtf", ensembl_flavour()), tmp_path / "p")
    gene = P.load_panel(tmp_path / "p").genes[0]
    assert (gene["gene_id"], gene["transcript_id"]) == ("ENSG00000180644.10", "ENST00000441259.2")


def test_gene_list_saved_with_a_bom_and_crlf(tmp_path):
    (tmp_path / "genes.txt").write_bytes("\ufeffPRF1\r\nSTX11\r\n".encode())
    assert [r.query for r in P.read_gene_list(tmp_path / "genes.txt")] == ["PRF1", "STX11"]


# ------------------------------------------------------------------------------------------------
# names users write for genes: several unknown at once, HGNC ids, aliases, familial HLH subtypes
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pack, what", [
    (lambda data: __import__("bz2").compress(data), "a bzip2-compressed file"),
    (lambda data: __import__("lzma").compress(data), "an xz-compressed file"),
    (None, "a zip archive"),
], ids=["bz2", "xz", "zip"])
def test_a_gtf_packed_other_than_gzip_is_named_not_a_traceback(tmp_path, small_gtf, pack, what):
    """GENCODE and Ensembl ship .gtf.gz, but a GTF recompressed (.bz2, .xz) or zipped for a transfer went
    to a UnicodeDecodeError traceback (exit 1) before."""
    packed = tmp_path / "annotation.gtf.packed"
    if pack is None:
        import zipfile
        with zipfile.ZipFile(packed, "w") as archive:
            archive.write(small_gtf, "small.gtf")
    else:
        packed.write_bytes(pack(small_gtf.read_bytes()))
    with pytest.raises(UserInputError, match=f"{what}, not a text file \\(plain or gzip\\)") as err:
        P.build_panel(genes_file(tmp_path, "AAA1"), packed, tmp_path / "p")
    assert_where(err, packed, None, "--gtf")
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize("data, line, problem", [
    (b"AAA1\nBBB2\xa0\n", 2, "byte 0xa0 at column 5 is not UTF-8 text"),  # Windows-1252 no-break space
    ("AAA1\r\nBBB2\r\n".encode("utf-16"), 1, "the file is UTF-16 text"),     # Excel's 'Unicode Text'
], ids=["windows_1252", "utf16"])
def test_a_gene_list_that_is_not_utf8_is_named_with_its_line(tmp_path, small_gtf, data, line, problem):
    """A gene list saved by Excel as 'Unicode Text' (UTF-16) or in Windows-1252: a traceback before."""
    genes = tmp_path / "genes.txt"
    genes.write_bytes(data)
    with pytest.raises(UserInputError, match=problem) as err:
        P.build_panel(genes, small_gtf, tmp_path / "p")
    assert_where(err, genes, line, "gene")


def test_a_gtf_line_that_is_not_utf8_is_named_with_its_line(tmp_path, small_gtf):
    gtf = tmp_path / "latin1.gtf"
    gtf.write_bytes(small_gtf.read_bytes().replace(b'gene_name "BBB2";', b'gene_name "BBB2"; note "\xe9";', 1))
    with pytest.raises(UserInputError, match="byte 0xe9 at column") as err:
        P.build_panel(genes_file(tmp_path, "AAA1"), gtf, tmp_path / "p")
    line = next(n for n, text in enumerate(gtf.read_bytes().split(b"\n"), 1) if b"\xe9" in text)
    assert_where(err, gtf, line, "--gtf")


def test_a_whitelist_or_annotation_table_edited_in_excel_is_named_not_a_traceback(tmp_path, small_gtf):
    """The whitelist's reason column written in Excel with a Windows-1252 dash (0x96), or an annotation table saved
    as 'Unicode Text': a UnicodeDecodeError traceback before (at the start-up check, for --risk_factors). A UTF-8
    byte-order mark before the header is read as no text."""
    header = "\t".join(P.RISK_FACTOR_COLUMNS)
    row = "AAA1\tGRCh38\tchr1\t1050\tA\tG\trs1\tNA\tNA\tNA\tPMID:1\thypomorphic \u2013 reduced function"
    whitelist = tmp_path / "risk_factors.tsv"
    whitelist.write_bytes(f"{header}\r\n{row}\r\n".encode("cp1252"))
    with pytest.raises(UserInputError, match="byte 0x96 at column") as err:
        P.load_risk_factors(whitelist)
    assert_where(err, whitelist, 2, "risk_factors")
    whitelist.write_bytes(f"\ufeff{header}\n".encode("utf-8"))
    assert P.load_risk_factors(whitelist) == {}
    table = tmp_path / "annotations.tsv"
    table.write_bytes("gene\tdisease\nAAA1\tFHL\n".encode("utf-16"))
    with pytest.raises(UserInputError, match="the file is UTF-16 text") as err:
        P.build_panel(genes_file(tmp_path, "AAA1"), small_gtf, tmp_path / "p", annotations=table)
    assert_where(err, table, 1, "annotations")


def test_every_unknown_gene_is_named_in_one_error(tmp_path, small_gtf):
    """A list with several aliases or misspellings is fixed in one go, not one error per run."""
    genes = genes_file(tmp_path, "AAA1", "MUNC13-4", "bbb2", "NOPE")
    with pytest.raises(UserInputError) as err:
        P.build_panel(genes, small_gtf, tmp_path / "p")
    assert_where(err, genes, 2, "gene")
    assert ("3 genes are not in small.gtf: MUNC13-4 (line 2), bbb2 (line 3; the GTF has BBB2: symbols are "
            "case-sensitive), NOPE (line 4).") in str(err.value)
    assert "alias or previous symbol" in str(err.value)
    assert not (tmp_path / "p").exists()


def with_hgnc_ids(lines, ids):
    """GENCODE writes hgnc_id "HGNC:n" on every line of a gene (test GTFs here have none)."""
    out = []
    for line in lines:
        name = re.search(r'gene_name "([^"]+)"', line)
        out.append(line + (f' hgnc_id "{ids[name.group(1)]}";' if name and name.group(1) in ids else ""))
    return out


def test_hgnc_ids_are_matched_in_a_gencode_gtf(tmp_path):
    gtf = write(tmp_path / "gencode.gtf", with_hgnc_ids(core4_gtf().read_text().splitlines(),
                                                         {"PRF1": "HGNC:9360", "UNC13D": "HGNC:23147"}))
    result = P.build_panel(genes_file(tmp_path, "HGNC:9360", "hgnc:23147"), gtf, tmp_path / "p")
    assert [g.gene_name for g in result.genes] == ["PRF1", "UNC13D"]
    genes = P.load_panel(tmp_path / "p").genes
    assert [(g["gene"], g["hgnc_id"]) for g in genes] == [("PRF1", "HGNC:9360"), ("UNC13D", "HGNC:23147")]


def test_hgnc_id_and_symbol_of_the_same_gene_are_refused_as_listed_twice(tmp_path):
    gtf = write(tmp_path / "gencode.gtf", with_hgnc_ids(core4_gtf().read_text().splitlines(), {"PRF1": "HGNC:9360"}))
    with pytest.raises(UserInputError, match="HGNC:9360 is the same gene as PRF1 \\(line 1\\)"):
        P.build_panel(genes_file(tmp_path, "PRF1", "HGNC:9360"), gtf, tmp_path / "p")


def test_hgnc_ids_are_matched_in_a_refseq_gtf_db_xref(tmp_path):
    lines = [line.replace('db_xref "GeneID:5551";', 'db_xref "GeneID:5551"; db_xref "HGNC:HGNC:9360";')
             if "\tgene\t" in line else line for line in refseq_flavour()]
    result = P.build_panel(genes_file(tmp_path, "HGNC:9360"), write(tmp_path / "refseq.gtf", lines), tmp_path / "p")
    assert [(g.gene_name, g.transcript_id) for g in result.genes] == [("PRF1", "NM_001083116.3")]


def test_an_hgnc_id_with_a_gtf_without_hgnc_ids_says_so(tmp_path):
    """Ensembl's GTF has no HGNC ids: the id is not 'missing from the GTF', it cannot be looked up there."""
    with pytest.raises(UserInputError) as err:
        P.build_panel(genes_file(tmp_path, "PRF1", "HGNC:23147"), write(tmp_path / "e.gtf", ensembl_flavour()),
                      tmp_path / "p")
    assert_where(err, tmp_path / "genes.txt", 2, "gene")
    assert "HGNC:23147 is not in e.gtf (the GTF carries no HGNC ids" in str(err.value)


@pytest.mark.parametrize("subtype, gene", [("FHL3", "UNC13D"), ("fhl2", "PRF1")])
def test_a_familial_hlh_subtype_name_not_in_the_gtf_names_its_gene(tmp_path, subtype, gene):
    with pytest.raises(UserInputError) as err:
        P.build_panel(genes_file(tmp_path, subtype), core4_gtf(), tmp_path / "p")
    assert f"familial HLH subtype {subtype.upper()} is the gene {gene}" in str(err.value)


def test_a_familial_hlh_subtype_name_that_is_also_a_gene_symbol_is_built_with_a_warning(tmp_path):
    """FHL2 is also the symbol of a LIM-domain gene on chr2: a full GTF has it, so a list meant as
    'familial HLH type 2' would screen that gene with no error. Built (it may be wanted), with a warning."""
    lines = gtf_gene("chr2", "ENSG00000115641.20", "FHL2", "ENST00000000099.1", [(105360000, 105360500)])
    result = P.build_panel(genes_file(tmp_path, "FHL2"), write(tmp_path / "g.gtf", lines), tmp_path / "p")
    assert result.genes[0].notes[0] == (
        "FHL2 is the HGNC symbol of a gene of its own (ENSG00000115641.20, chr2), not the familial HLH subtype FHL2, "
        "whose gene is PRF1: list PRF1 if that is the gene you meant")
    proc = subprocess.run([sys.executable, str(REPO / "bin" / "build_panel.py"), "--genes", str(tmp_path / "genes.txt"),
                           "--gtf", str(tmp_path / "g.gtf"), "--out", str(tmp_path / "q")], capture_output=True, text=True)
    assert proc.returncode == 0 and "WARNING genes.txt:1: FHL2: FHL2 is the HGNC symbol of a gene" in proc.stderr


def test_the_subtype_table_agrees_with_the_shipped_panel():
    """FHL_SUBTYPE_GENES and panels/hlh/genes.tsv (derived from testdata/hlh_gene_panel.tsv) say the same."""
    shipped = {}
    for row in P.load_panel(REPO / "panels/hlh").genes:
        found = re.search(r"\b(FHL\d)\b", row.get("disease") or "")
        if found:
            shipped[found.group(1)] = row["gene"]
    assert shipped == P.FHL_SUBTYPE_GENES


def test_bed_with_extra_columns_that_are_not_bed12_blocks_is_read(tmp_path):
    # 12+ columns whose 10th is a number but whose 11th/12th are not BED12 block lists (a hand-made
    # panel with annotation columns, or bedtools intersect -wa -wb output): not a BED12 transcript
    bed = write(tmp_path / "r.bed", ["chr1\t10\t20\tA|exon3\t0\t+\t10\t20\t0\t3\tNM_000001.2\tENST00000000001"])
    regions = P.load_regions(bed)
    assert [(r.chrom, r.start, r.end, r.name) for r in regions] == [("chr1", 10, 20, "A|exon3")]


def test_bed12_line_with_several_blocks_is_still_refused(tmp_path):
    bed = write(tmp_path / "r.bed", ["chr1\t100\t900\tNM_1\t0\t-\t100\t900\t0\t2\t100,50,\t0,750,"])
    with pytest.raises(UserInputError) as err:
        P.load_regions(bed)
    assert_where(err, bed, 1, "blockCount")


@pytest.mark.parametrize("end", [b"\r", b"\r\n", b"\n"])
def test_bed_line_ends_of_any_platform_are_read(tmp_path, end):
    # a lone CR is what Excel for Mac's text export writes; read as before the line-numbered reader
    bed = tmp_path / "r.bed"
    bed.write_bytes(end.join([b"track name=x", b"chr1\t10\t20\tA|exon1", b"chr1\t30\t40\tA|exon2"]) + end)
    regions = P.load_regions(bed)
    assert [(r.start, r.end, r.name, r.line) for r in regions] == [(10, 20, "A|exon1", 2), (30, 40, "A|exon2", 3)]


def test_bed_damaged_gzip_is_named(tmp_path):
    import gzip

    data = gzip.compress(b"".join(b"chr1\t%d\t%d\tA|exon1\n" % (i * 10, i * 10 + 5) for i in range(1, 20000)))
    bed = tmp_path / "r.bed.gz"
    bed.write_bytes(data[: len(data) // 2])
    with pytest.raises(UserInputError) as err:
        P.load_regions(bed)
    assert "bed: the file cannot be read after line" in str(err.value)
