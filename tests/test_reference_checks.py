"""hlhscreen.reference_checks: a .fai or an aligner index of another FASTA is refused at start."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest

from hlhscreen.errors import UserInputError
from hlhscreen.reference_checks import check_fai_matches_fasta, check_index_matches, read_ann

pytestmark = pytest.mark.skipif(shutil.which("samtools") is None, reason="samtools builds the .fai")


def random_fasta(path: Path, rng: random.Random) -> Path:
    """Contigs of random lengths, line widths, header descriptions (some longer than 4 kB), LF or CRLF."""
    newline = rng.choice(["\n", "\r\n"])
    parts = []
    for contig in range(rng.randint(1, 5)):
        width, length = rng.choice([1, 7, 60, 80]), rng.randint(1, 300)
        sequence = "".join(rng.choice("ACGTNacgt") for _ in range(length))
        description = " x" * rng.choice([0, 3, 3000])
        parts.append(f">c{contig}{description}{newline}" +
                     "".join(sequence[i:i + width] + newline for i in range(0, length, width)))
    path.write_text("".join(parts), newline="")
    subprocess.run(["samtools", "faidx", str(path)], check=True)
    return path


@pytest.mark.parametrize("seed", range(25))
def test_a_fai_built_from_the_fasta_passes_and_one_from_another_fails(tmp_path, seed):
    rng = random.Random(seed)
    fasta = random_fasta(tmp_path / "a.fa", rng)
    check_fai_matches_fasta(fasta, f"{fasta}.fai")
    other = random_fasta(tmp_path / "b.fa", rng)
    if other.read_bytes() == fasta.read_bytes() or Path(f"{other}.fai").read_text() == Path(f"{fasta}.fai").read_text():
        return  # the same layout: nothing to tell apart
    try:
        check_fai_matches_fasta(fasta, f"{other}.fai")
    except UserInputError as err:
        assert "the FASTA index does not belong to this FASTA" in str(err)
    else:
        # only an index whose every contig starts where a.fa's header of that name ends may pass
        rows = [line.split("\t") for line in Path(f"{other}.fai").read_text().splitlines()]
        mine = {line.split("\t")[0]: line.split("\t")[2] for line in Path(f"{fasta}.fai").read_text().splitlines()}
        assert all(mine.get(row[0]) == row[2] for row in rows)


def test_the_ann_of_a_real_bwa_index_is_read(tmp_path):
    if shutil.which("bwa") is None:
        pytest.skip("bwa not installed")
    fasta = random_fasta(tmp_path / "ref.fa", random.Random(1))
    subprocess.run(["bwa", "index", "-p", str(tmp_path / "ref"), str(fasta)], check=True, capture_output=True)
    fai = {line.split("\t")[0]: int(line.split("\t")[1]) for line in Path(f"{fasta}.fai").read_text().splitlines()}
    assert read_ann(tmp_path / "ref.ann") == fai
    check_index_matches(tmp_path, "bwa", fai, str(fasta))
    with pytest.raises(UserInputError, match="contig lengths differ"):
        check_index_matches(tmp_path, "bwa", {name: length + 1 for name, length in fai.items()}, str(fasta))


def test_contigs_of_the_index_or_the_reference_alone_are_named_in_natural_order(tmp_path):
    """A hand-made bwa index (.ann and empty companions) of chr1, chr11, chr10, chr2; the reference has
    chr1, chrX, chr22, chr3: each list in natural order, not the files' order."""
    indexed = ["chr1", "chr11", "chr10", "chr2"]
    ann = [f"{len(indexed) * 100} {len(indexed)} 11"]
    for offset, name in enumerate(indexed):
        ann += [f"0 {name} (null)", f"{offset * 100} 100 0"]
    (tmp_path / "ref.ann").write_text("\n".join(ann) + "\n")
    for suffix in (".amb", ".bwt", ".pac", ".sa"):
        (tmp_path / f"ref{suffix}").write_text("")
    reference = {"chr1": 100, "chrX": 100, "chr22": 100, "chr3": 100}
    with pytest.raises(UserInputError) as err:
        check_index_matches(tmp_path, "bwa", reference, "ref.fa")
    assert "contig(s) chr2, chr10, chr11 are in the index but not in the reference" in str(err.value)
    assert "contig(s) chr3, chr22, chrX of the reference are not in the index" in str(err.value)
