"""The committed synthetic test cohort: reproducible from its generator, and faithful to MANE models."""

from __future__ import annotations

import csv
import gzip
import subprocess
import sys
from pathlib import Path

import pysam
import pytest

REPO = Path(__file__).resolve().parents[1]
COHORT = REPO / "assets/test_cohort"
sys.path.insert(0, str(REPO / "scripts"))

from testcohort.gene_models import read_transcripts  # noqa: E402
from testcohort.genome import CODON_TO_AA, COMPLEMENT  # noqa: E402

GTF = REPO / "panels/hlh/gene_models.gtf.gz"
PROTEIN_LENGTHS = {"PRF1": 555, "UNC13D": 1090, "STX11": 287, "STXBP2": 593, "SH2D1A": 128}


def genome_sequence():
    """GRCh38 position -> base, read from the committed windows FASTA and windows table."""
    fasta = pysam.FastaFile(str(COHORT / "reference/hlh_windows.synthetic.fa"))
    with open(COHORT / "reference/windows.tsv") as handle:
        windows = list(csv.DictReader(handle, delimiter="\t"))

    def base(chrom: str, pos: int) -> str:
        for w in windows:
            if w["chrom"] == chrom and int(w["start"]) <= pos <= int(w["end"]):
                return fasta.fetch(w["contig"], pos - int(w["start"]), pos - int(w["start"]) + 1)
        raise KeyError(f"{chrom}:{pos} outside the windows")

    return base


@pytest.mark.parametrize("gene", sorted(PROTEIN_LENGTHS))
def test_synthetic_genome_honours_the_mane_model(gene):
    model = read_transcripts(GTF)[gene]
    base = genome_sequence()
    cds = "".join(base(model.chrom, p) for p in model.coding_positions())
    if model.strand == "-":
        cds = cds.translate(COMPLEMENT)
    protein = [CODON_TO_AA[cds[i:i + 3]] for i in range(0, len(cds), 3)]
    assert protein[0] == "Met" and protein[-1] == "Ter"
    assert "Ter" not in protein[:-1]
    assert len(protein) - 1 == PROTEIN_LENGTHS[gene]


def test_known_variants_sit_on_their_real_reference_base():
    base = genome_sequence()
    with open(COHORT / "truth.tsv") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            chrom, pos, ref, _ = row["variant_id"].split(":")
            assert "".join(base(chrom, int(pos) + i) for i in range(len(ref))) == ref, row["key"]


def test_truth_table_covers_the_required_scenarios():
    with open(COHORT / "truth.tsv") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    by_key = {}
    for row in rows:
        by_key.setdefault(row["key"], []).append(row)
    a91v_groups = {r["group"] for r in by_key["PRF1_A91V"]}
    assert a91v_groups == {"case", "control"}
    assert {r["sample"] for r in by_key["PRF1_A91V"]} & {r["sample"] for r in by_key["PRF1_W374X"]} == {"case_01"}
    assert any(r["genotype"] == "1/1" for r in rows)
    assert len(by_key["UNC13D_A59T"]) >= 3
    assert any(len(r["variant_id"].split(":")[2]) > len(r["variant_id"].split(":")[3]) for r in rows)
    assert any(r["coverage"] == "low" for r in rows)
    with open(COHORT / "samplesheet.csv") as handle:
        groups = {r["sample"]: r["group"] for r in csv.DictReader(handle)}
    assert sum(g == "case" for g in groups.values()) >= 3 and sum(g == "control" for g in groups.values()) >= 3


def test_generator_reproduces_the_committed_cohort_byte_for_byte(tmp_path):
    subprocess.run([sys.executable, str(REPO / "scripts/make_test_cohort.py"), "--out", str(tmp_path)], check=True,
                   capture_output=True)
    committed = sorted(p.relative_to(COHORT) for p in COHORT.rglob("*") if p.is_file() and "source" not in p.parts)
    regenerated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert committed == regenerated
    for relative in committed:
        assert (tmp_path / relative).read_bytes() == (COHORT / relative).read_bytes(), relative


def test_test_inputs_stay_small():
    total = sum(p.stat().st_size for p in COHORT.rglob("*") if p.is_file())
    assert total < 5 * 1000 * 1000


def test_x_linked_scenarios():
    """A hemizygous male case, a heterozygous female control, a male whose reads a diploid caller
    calls het, a sex inferred from a blank cell and a given sex the reads contradict."""
    with open(COHORT / "truth.tsv") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r["variant_id"].startswith("chrX:")]
    with open(COHORT / "truth_samples.tsv") as handle:
        sexes = {r["sample"]: r for r in csv.DictReader(handle, delimiter="\t")}
    with open(COHORT / "samplesheet.csv") as handle:
        sheet = {r["sample"]: r for r in csv.DictReader(handle)}
    assert any(r["genotype"] == "1" and r["group"] == "case" and sexes[r["sample"]]["sex_of_reads"] == "male"
               for r in rows)
    assert any(r["genotype"] == "0/1" and r["group"] == "control" and sexes[r["sample"]]["sex_of_reads"] == "female"
               for r in rows)
    assert all(r["genotype"] != "0/1" for r in rows if sexes[r["sample"]]["sex_of_reads"] == "male")
    with open(COHORT / "truth_artefacts.tsv") as handle:
        artefacts = list(csv.DictReader(handle, delimiter="\t"))
    assert any(a["diploid_call"] == "0/1" and a["expected_call"] == "0" and sexes[a["sample"]]["sex_of_reads"] == "male"
               for a in artefacts)
    for sample, row in sexes.items():
        assert (sheet[sample]["sex"] or "NA") == row["sex_given"]
    assert any(r["sex_given"] == "NA" and r["sex_expected"] == r["sex_of_reads"] for r in sexes.values())
    assert any(r["sex_given"] not in ("NA", r["sex_of_reads"]) and r["sex_expected"] == "unknown" for r in sexes.values())


def test_derived_clinvar_file_follows_the_cited_table():
    """Only ClinVar classifications of the cited table, in NCBI's layout (no chr, fileDate), labelled derived."""
    from hlhscreen.clinvar import read_release, review_stars, tabix_contigs

    release = read_release(COHORT / "clinvar/clinvar.derived.vcf.gz")
    assert "DERIVED" in release.source and "NOT a ClinVar release" in release.source
    assert not release.is_ncbi_release and "not an NCBI ClinVar release" in release.citation()
    assert release.file_date == "2026-12-01"
    assert tabix_contigs(COHORT / "clinvar/clinvar.derived.vcf.gz") == ("10",)
    with open(COHORT / "source/hlh_known_variants.hg38.tsv") as handle:
        known = {(r["chrom"][3:], r["pos_hg38"], r["ref"], r["alt"]): r for r in csv.DictReader(handle, delimiter="\t")}
    with gzip.open(COHORT / "clinvar/clinvar.derived.vcf.gz", "rt") as handle:
        records = [line.rstrip("\n").split("\t") for line in handle if not line.startswith("#")]
    assert len(records) == 5
    for chrom, pos, _, ref, alt, _, _, info in records:
        row = known[(chrom, pos, ref, alt)]
        fields = dict(item.split("=", 1) for item in info.split(";"))
        cited = row["clinical_significance"]
        assert fields["CLNSIG"].split("|")[0].replace("_", " ") in cited
        assert ("risk_factor" in fields["CLNSIG"]) == ("risk factor" in cited)
        stars = review_stars(fields["CLNREVSTAT"])
        if "star" in cited:
            assert f"({stars} star" in cited
        else:
            assert fields["CLNREVSTAT"] == "criteria_provided,_conflicting_classifications"
    assert all("PATHOGENIC (phenopacket" not in known[(r[0], r[1], r[3], r[4])]["clinical_significance"] for r in records)
