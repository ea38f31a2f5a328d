"""hlhscreen.reference_bases and panel_to_reference.py --fasta: N and IUPAC-coded reference bases under the
panel are not callable, and say so (a hard-masked FASTA would otherwise make every sample a non-carrier)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from hypothesis import given, settings, strategies as st

from conftest import BIN
from hlhscreen import callability as C
from hlhscreen import reference_bases as RB
from hlhscreen.errors import UserInputError
from hlhscreen.fai import read_fai

REPO = Path(__file__).resolve().parents[1]
TEST_REF = REPO / "assets/test_cohort/reference"
PRF1_WINDOW = "chr10_70595848_70604241"   # window index i (0-based) holds GRCh38 position (1-based) 70595848 + i


def write_fasta(path: Path, contigs: Dict[str, str], width: int = 60, ending: str = "\n") -> Path:
    """A FASTA and its .fai (samtools faidx layout), written here so the layout is known exactly."""
    fai: List[str] = []
    offset = 0
    with open(path, "wb") as out:
        for name, seq in contigs.items():
            header = f">{name} test\n".encode()
            out.write(header)
            offset += len(header)
            fai.append(f"{name}\t{len(seq)}\t{offset}\t{width}\t{width + len(ending)}")
            for i in range(0, len(seq), width):
                line = (seq[i:i + width] + ending).encode()
                out.write(line)
                offset += len(line)
    Path(f"{path}.fai").write_text("\n".join(fai) + "\n")
    return path


def read_fasta(path: Path) -> Dict[str, str]:
    contigs: Dict[str, List[str]] = {}
    name = ""
    for line in path.read_text().splitlines():
        if line.startswith(">"):
            name = line[1:].split()[0]
            contigs[name] = []
        else:
            contigs[name].append(line)
    return {n: "".join(parts) for n, parts in contigs.items()}


@settings(max_examples=200, deadline=None)
@given(seq=st.text(alphabet="ACGTNacgtRY", min_size=1, max_size=300), width=st.integers(1, 80),
       crlf=st.booleans(), data=st.data())
def test_fetch_returns_exactly_the_bases_whatever_the_line_layout(tmp_path_factory, seq, width, crlf, data):
    folder = tmp_path_factory.mktemp("fa")
    fasta = write_fasta(folder / "r.fa", {"a": "ACGT", "c": seq}, width, "\r\n" if crlf else "\n")
    start = data.draw(st.integers(0, len(seq) - 1))
    end = data.draw(st.integers(start + 1, len(seq)))
    entry = read_fai(f"{fasta}.fai", layout=True)["c"]
    with open(fasta, "rb") as handle:
        assert RB.fetch(handle, entry, start, end) == seq[start:end].encode()


def test_runs_of_n_and_of_iupac_codes_are_named_apart_and_soft_masking_is_callable():
    runs = RB.uncallable_runs(b"ACgtNNnRYacNT", 100)
    assert runs == [(104, 107, RB.REASON_N), (107, 109, RB.REASON_IUPAC), (111, 112, RB.REASON_N)]
    assert RB.uncallable_runs(b"acgtACGT", 0) == []


def test_a_fai_of_another_fasta_is_refused_not_read_as_bases(tmp_path):
    fasta = write_fasta(tmp_path / "r.fa", {"a": "ACGT" * 30, "b": "GGCC" * 30})
    other = write_fasta(tmp_path / "other.fa", {"a": "ACGT" * 10, "b": "GGCC" * 60})
    with RB.ReferenceBases(fasta, f"{other}.fai") as bases, pytest.raises(UserInputError, match="cannot be read through"):
        bases.uncallable("b", 0, 200)


def panel_inputs(tmp_path: Path, edits: List[Tuple[int, int, str]]) -> Path:
    """The test cohort's windows FASTA with `edits` (window index start, end, replacement or
    "lower" for soft-masking) in PRF1's window."""
    contigs = read_fasta(TEST_REF / "hlh_windows.synthetic.fa")
    seq = contigs[PRF1_WINDOW]
    for start, end, text in edits:
        text = seq[start:end].lower() if text == "lower" else text  # soft-masking
        assert len(text) == end - start
        seq = seq[:start] + text + seq[end:]
    contigs[PRF1_WINDOW] = seq
    return write_fasta(tmp_path / "ref.fa", contigs)


def run_tool(tmp_path: Path, fasta: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BIN / "panel_to_reference.py"),
                           "--regions", str(REPO / "panels/hlh/regions.bed"),
                           "--targets", str(REPO / "panels/hlh/targets.bed"), "--fasta", str(fasta),
                           "--fai", f"{fasta}.fai", "--windows", str(TEST_REF / "windows.tsv"),
                           "--outdir", str(tmp_path)], capture_output=True, text=True)


def gene_row(tmp_path: Path, gene: str) -> Dict[str, str]:
    rows = [line.split("\t") for line in (tmp_path / "panel_callability.tsv").read_text().splitlines()]
    return next(dict(zip(rows[0], row)) for row in rows[1:] if row[0] == gene)


def test_n_and_iupac_bases_in_a_panel_exon_are_cut_out_and_named(tmp_path):
    # PRF1 exon 2 is GRCh38 70600361-70600935: window pieces 4513-5088 (0-based, end excluded)
    fasta = panel_inputs(tmp_path, [(4600, 4610, "N" * 10), (4700, 4701, "R"), (4800, 4850, "lower")])
    result = run_tool(tmp_path, fasta)
    assert result.returncode == 0, result.stderr
    row = gene_row(tmp_path, "PRF1")
    assert row["status"] == C.PARTLY
    assert int(row["region_bp"]) - int(row["callable_bp"]) == 11  # soft-masked lower case stays callable
    assert RB.REASON_N in row["reason"] and RB.REASON_IUPAC in row["reason"]
    assert "PRF1 (part)" in result.stderr and "N bases here" in result.stderr
    pieces = [line.split("\t")[:3] for line in (tmp_path / "regions.reference.bed").read_text().splitlines()
              if line.startswith(PRF1_WINDOW)]
    assert [PRF1_WINDOW, "4513", "4600"] in pieces and [PRF1_WINDOW, "4610", "4700"] in pieces
    assert [PRF1_WINDOW, "4701", "5088"] in pieces
    targets = (tmp_path / "targets.reference.bed").read_text()
    assert f"{PRF1_WINDOW}\t4610\t4700" in targets  # FreeBayes is not asked to call the R base either


def test_an_untouched_reference_changes_nothing(tmp_path):
    plain = panel_inputs(tmp_path, [])
    with_bases = tmp_path / "with"
    without = tmp_path / "without"
    assert run_tool(with_bases, plain).returncode == 0
    result = subprocess.run([sys.executable, str(BIN / "panel_to_reference.py"),
                             "--regions", str(REPO / "panels/hlh/regions.bed"),
                             "--targets", str(REPO / "panels/hlh/targets.bed"), "--fai", f"{plain}.fai",
                             "--windows", str(TEST_REF / "windows.tsv"), "--outdir", str(without)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for name in ("regions.reference.bed", "targets.reference.bed", "panel_callability.tsv"):
        assert (with_bases / name).read_bytes() == (without / name).read_bytes(), name


def test_a_hard_masked_gene_is_not_callable_and_a_fully_masked_panel_is_an_error(tmp_path):
    contigs = read_fasta(TEST_REF / "hlh_windows.synthetic.fa")
    masked = {name: ("N" * len(seq) if name == PRF1_WINDOW else seq) for name, seq in contigs.items()}
    fasta = write_fasta(tmp_path / "masked.fa", masked)
    result = run_tool(tmp_path / "one", fasta)
    assert result.returncode == 0, result.stderr
    row = gene_row(tmp_path / "one", "PRF1")
    assert row["status"] == C.NOT_CALLABLE and row["callable_bp"] == "0" and "hard-masked" in row["reason"]
    everything = write_fasta(tmp_path / "all.fa", {name: "N" * len(seq) for name, seq in contigs.items()})
    result = run_tool(tmp_path / "all", everything)
    assert result.returncode != 0
    assert "no panel region lies on the reference" in result.stderr and "hard-masked" in result.stderr
    assert not (tmp_path / "all" / "panel_callability.tsv").exists()
