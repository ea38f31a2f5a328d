"""SCREEN on VEP output made with the RefSeq cache (--refseq: NM_/XM_ transcripts) or the merged cache
(--merged: Ensembl and RefSeq transcripts, CSQ column SOURCE), as --vep_cache_type refseq/merged runs it.

The CSQ lines are modelled on VEP's own output (ensembl-vep issues #955, #1415, #1981; the VEP cache
documentation): with --refseq, Feature is the NM_/XM_ id, Gene the NCBI GeneID, SYMBOL_SOURCE EntrezGene,
CANONICAL empty, and (VEP 104 and later) MANE_SELECT of the RefSeq MANE transcript names its Ensembl twin;
with --merged, the Ensembl MANE transcript names its RefSeq twin and the RefSeq one its Ensembl twin, so
one variant carries two MANE Select entries of one transcript. VEP 103's RefSeq cache left MANE_SELECT
empty: the panel's genes.tsv (refseq_transcript column, --mane-transcripts) then names the MANE one.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Dict, List, Sequence

import pytest

from hlhscreen import screen as S

FIELDS = (
    "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|HGVSp|cDNA_position|"
    "CDS_position|Protein_position|Amino_acids|Codons|Existing_variation|ALLELE_NUM|DISTANCE|STRAND|FLAGS|"
    "VARIANT_CLASS|SYMBOL_SOURCE|HGNC_ID|CANONICAL|MANE|MANE_SELECT|MANE_PLUS_CLINICAL|SOURCE|REFSEQ_MATCH|"
    "REFSEQ_OFFSET|GIVEN_REF|USED_REF|BAM_EDIT|gnomADe_AF|gnomADg_AF"
).split("|")
SAMPLES = (("case1", "case"), ("case2", "case"), ("ctrl1", "control"), ("ctrl2", "control"))
A91V = "chr10:70600631:G:A"     # PRF1 c.272C>T p.Ala91Val (minus strand)
W374X = "chr10:70598599:C:T"    # PRF1 c.1122G>A p.Trp374Ter

ENSEMBL_GENE = dict(SYMBOL="PRF1", Gene="ENSG00000180644", Feature_type="Transcript", SYMBOL_SOURCE="HGNC",
                    HGNC_ID="HGNC:9360", STRAND="-1", SOURCE="Ensembl", ALLELE_NUM="1", VARIANT_CLASS="SNV")
REFSEQ_GENE = dict(ENSEMBL_GENE, Gene="5551", SYMBOL_SOURCE="EntrezGene", SOURCE="RefSeq",
                   REFSEQ_MATCH="rseq_mrna_match", USED_REF="G", GIVEN_REF="G")


def entries(change: Dict[str, str], *, refseq: bool, ensembl: bool, source: bool = True,
            mane_flags: bool = True) -> List[Dict[str, str]]:
    """The CSQ entries of one PRF1 variant: its MANE transcript, another coding one and a predicted (XM_)
    retained-intron model whose consequence is more severe, for each cache flavour asked for."""
    def entry(gene: Dict[str, str], feature: str, protein: str = "", **overrides: str) -> Dict[str, str]:
        hgvs = dict(HGVSc=f"{feature}:{change['HGVSc']}", HGVSp=f"{protein}:{change['HGVSp']}" if protein else "")
        return {**gene, **change, "Feature": feature, "BIOTYPE": "protein_coding", **hgvs, **overrides}

    out = []
    if ensembl:
        out += [entry(ENSEMBL_GENE, "ENST00000441259.2", "ENSP00000398568.1", CANONICAL="YES", MANE="MANE_Select",
                      MANE_SELECT="NM_001083116.3"),
                entry(ENSEMBL_GENE, "ENST00000373209.7", "ENSP00000362305.3")]
    if refseq:
        mane = dict(MANE="MANE_Select", MANE_SELECT="ENST00000441259.2") if mane_flags else {}
        out += [entry(REFSEQ_GENE, "NM_001083116.3", "NP_001076585.1", **mane),
                entry(REFSEQ_GENE, "NM_005041.6", "NP_005032.2"),
                # a predicted model on which the variant hits a splice acceptor: more severe, never MANE
                entry(REFSEQ_GENE, "XM_017016190.2", EXON="", INTRON="1/2", Consequence="splice_acceptor_variant",
                      IMPACT="HIGH", HGVSc="XM_017016190.2:c.-5-1C>T", Protein_position="", Amino_acids="",
                      Codons="")]
    if not source:
        for e in out:
            e.pop("SOURCE", None)
    return out


CHANGES = {
    A91V: dict(Allele="A", Consequence="missense_variant", IMPACT="MODERATE", EXON="2/3", HGVSc="c.272C>T",
               HGVSp="p.Ala91Val", Protein_position="91", Amino_acids="A/V", Codons="gCc/gTc",
               Existing_variation="rs35947132", gnomADe_AF="0.0354", gnomADg_AF="0.03"),
    W374X: dict(Allele="T", Consequence="stop_gained", IMPACT="HIGH", EXON="3/3", HGVSc="c.1122G>A",
                HGVSp="p.Trp374Ter", Protein_position="374", Amino_acids="W/*", Codons="tgG/tgA",
                Existing_variation="rs104894176", gnomADe_AF="1.55e-05", gnomADg_AF=""),
}
GENOTYPES = {A91V: ("0/1", "1/1", "0/1", "0/0"), W374X: ("0/1", "0/0", "0/0", "0/0")}


def write_inputs(tmp: Path, *, refseq: bool, ensembl: bool, reverse: bool = False, source: bool = True,
                 mane_flags: bool = True) -> Dict[str, Path]:
    fields = [f for f in FIELDS if source or f != "SOURCE"]
    header = ["##fileformat=VCFv4.2", "##contig=<ID=chr10,length=133797422>",
              '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
              '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
              '##FORMAT=<ID=GQ,Number=1,Type=Float,Description="GQ">',
              '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: '
              + "|".join(fields) + '">',
              "##VEP-command-line='vep --offline --cache " + ("--merged " if refseq and ensembl else
                                                            "--refseq " if refseq else "")
              + "--mane --canonical --hgvs --symbol --af_gnomade --af_gnomadg --check_existing'",
              "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT"]
                        + [s for s, _ in SAMPLES])]
    lines = []
    for variant in (W374X, A91V):
        chrom, pos, ref, alt = variant.split(":")
        csq = entries(CHANGES[variant], refseq=refseq, ensembl=ensembl, source=source, mane_flags=mane_flags)
        if reverse:
            csq.reverse()
        info = "CSQ=" + ",".join("|".join(e.get(f, "") for f in fields) for e in csq)
        lines.append("\t".join([chrom, pos, ".", ref, alt, "500", "PASS", info, "GT:DP:GQ"]
                               + [f"{gt}:30:99" for gt in GENOTYPES[variant]]))
    paths = {"vcf": tmp / "in.vcf", "regions": tmp / "regions.bed", "whitelist": tmp / "wl.tsv",
             "sheet": tmp / "samples.csv", "genes": tmp / "genes.tsv"}
    paths["vcf"].write_text("\n".join(header + lines) + "\n")
    paths["regions"].write_text("chr10\t70597344\t70601000\tPRF1|exon2-3\n")
    paths["whitelist"].write_text("gene\tbuild\tchrom\tpos\tref\talt\trsid\ttranscript\thgvsc\thgvsp\tevidence\t"
                                  "reason\n")
    paths["sheet"].write_text("sample,group\n" + "".join(f"{s},{g}\n" for s, g in SAMPLES))
    # the panel's genes.tsv columns the screen reads (--mane-transcripts): the Ensembl id and its RefSeq twin
    paths["genes"].write_text("gene\ttranscript_id\trefseq_transcript\nPRF1\tENST00000441259.2\tNM_001083116.3\n")
    return paths


def rows(out: Path, name: str) -> List[dict]:
    with open(out / name) as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def screen(tmp: Path, name: str, **flavour) -> Dict[str, List[dict]]:
    (tmp / name).mkdir()
    paths = write_inputs(tmp / name, **flavour)
    out = tmp / name / "out"
    S.run_screen(paths["vcf"], paths["regions"], paths["whitelist"], paths["sheet"], out, S.ScreenConfig(max_af=0.04),
                 mane_transcripts=paths["genes"])
    return {file: rows(out, file) for file in ("variants.tsv", "carriers.tsv", "gene_status.tsv")}


def by_variant(table: Sequence[dict]) -> Dict[str, dict]:
    return {r["variant_id"]: r for r in table}


def judged(result: Dict[str, List[dict]]) -> Dict[str, tuple]:
    """What decides each variant: decision, consequence, basis, and its carrier counts."""
    return {v: (r["decision"], r["consequence"], r["summary_basis"], r["n_het"], r["n_hom_alt"])
            for v, r in by_variant(result["variants.tsv"]).items()}


def test_a_refseq_annotation_is_judged_by_its_mane_transcript(tmp_path):
    result = screen(tmp_path, "refseq", refseq=True, ensembl=False, source=False)
    variants = by_variant(result["variants.tsv"])
    assert set(variants) == {A91V, W374X}
    for variant in (A91V, W374X):
        # the XM_ model's splice_acceptor (HIGH) does not decide: the MANE NM_ transcript does
        assert variants[variant]["transcript"] == "NM_001083116.3", variants[variant]
        assert variants[variant]["summary_basis"] == "mane_select"
    assert variants[W374X]["decision"] == "kept" and variants[W374X]["consequence"] == "stop_gained"
    assert variants[A91V]["hgvsp"].endswith("p.Ala91Val")


def test_a_refseq_annotation_without_mane_flags_is_judged_by_the_panel_refseq_list(tmp_path):
    """VEP 103's RefSeq cache wrote MANE_SELECT empty: genes.tsv's refseq_transcript names the MANE one."""
    flagged = screen(tmp_path, "flagged", refseq=True, ensembl=False, source=False)
    unflagged = screen(tmp_path, "unflagged", refseq=True, ensembl=False, source=False, mane_flags=False)
    assert judged(unflagged) == judged(flagged)
    assert {r["transcript"] for r in unflagged["variants.tsv"]} == {"NM_001083116.3"}


def test_a_merged_annotation_counts_each_variant_once_whatever_the_entry_order(tmp_path):
    """--merged: the Ensembl and the RefSeq entry of the one MANE transcript are both MANE Select; the variant
    is one row, its carriers counted once, and the decision the same as on either cache alone."""
    ensembl = screen(tmp_path, "ensembl", refseq=False, ensembl=True, source=False)
    refseq = screen(tmp_path, "refseq", refseq=True, ensembl=False, source=False)
    merged = screen(tmp_path, "merged", refseq=True, ensembl=True)
    merged_reversed = screen(tmp_path, "merged_reversed", refseq=True, ensembl=True, reverse=True)
    assert judged(merged) == judged(ensembl) == judged(refseq) == judged(merged_reversed)
    assert judged(merged)[A91V][3:] == ("2", "1") and judged(merged)[W374X][3:] == ("1", "0")
    for result in (merged, merged_reversed):
        assert len(result["variants.tsv"]) == 2
        carriers = [(r["sample"], r["variant_id"]) for r in result["carriers.tsv"]]
        assert len(carriers) == len(set(carriers))
        genes = [(r["sample"], r["gene"]) for r in result["gene_status.tsv"]]
        assert len(genes) == len(set(genes)) == len(SAMPLES)
    assert {r["sample"]: r["status"] for r in merged["gene_status.tsv"]} == \
        {r["sample"]: r["status"] for r in ensembl["gene_status.tsv"]}


@pytest.mark.parametrize("reverse", [False, True])
def test_a_merged_annotation_labels_every_variant_by_the_refseq_twin_whatever_the_entry_order(tmp_path, reverse):
    """Before, the first of the two equally severe MANE entries labelled the variant: ENST for one variant,
    NM_ for the next, as VEP happened to write them. The RefSeq twin (what a lab choosing the merged cache
    reports, and what its whitelist names) now labels every variant."""
    merged = screen(tmp_path, f"merged{reverse}", refseq=True, ensembl=True, reverse=reverse)
    assert {r["transcript"] for r in merged["variants.tsv"]} == {"NM_001083116.3"}
    assert {r["variant_id"]: r["hgvsp"] for r in merged["variants.tsv"]} == {A91V: "p.Ala91Val", W374X: "p.Trp374Ter"}


def test_a_more_severe_ensembl_twin_still_decides(tmp_path):
    """The RefSeq preference only breaks ties: a MANE pair that disagrees (another cache release of one twin)
    is judged by the more severe entry, as any two transcripts of one tier are."""
    paths = write_inputs(tmp_path, refseq=True, ensembl=True)
    lines = paths["vcf"].read_text().splitlines()
    # the NM_ twin of W374X says synonymous (LOW): the Ensembl twin's stop_gained decides
    lines[-2] = lines[-2].replace("T|stop_gained|HIGH|PRF1|5551|Transcript|NM_001083116.3",
                                  "T|synonymous_variant|LOW|PRF1|5551|Transcript|NM_001083116.3")
    assert "synonymous_variant|LOW|PRF1|5551|Transcript|NM_001083116.3" in lines[-2]
    paths["vcf"].write_text("\n".join(lines) + "\n")
    S.run_screen(paths["vcf"], paths["regions"], paths["whitelist"], paths["sheet"], tmp_path / "out",
                 S.ScreenConfig(max_af=0.04), mane_transcripts=paths["genes"])
    row = by_variant(rows(tmp_path / "out", "variants.tsv"))[W374X]
    assert (row["transcript"], row["consequence"], row["decision"]) == ("ENST00000441259.2", "stop_gained", "kept")
