"""SCREEN with sex and ClinVar (issue 13): hemizygous males, unknown sex on chrX, ClinVar columns,
the ClinVar rescue and risk-factor candidates, on a small hand-written annotated VCF."""

from __future__ import annotations

import csv
import gzip
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from conftest import BIN
from hlhscreen import screen as S
from hlhscreen.errors import UserInputError

SAMPLES = (("m1", "case", "male"), ("f1", "control", "female"), ("m2", "control", "male"),
           ("u1", "case", "unknown"), ("f2", "control", "female"))
ANN_HEADER = ('##INFO=<ID=ANN,Number=.,Type=String,Description="Functional annotations: \'Allele | Annotation | '
              'Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | Transcript_BioType | Rank | HGVS.c | '
              'HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length | AA.pos / AA.length | Distance | ERRORS / '
              'WARNINGS / INFO\'">')
CLINVAR_HEADER = [
    '##INFO=<ID=CLINVAR_VARID,Number=1,Type=String,Description="x">',
    '##INFO=<ID=CLINVAR_CLNSIG,Number=.,Type=String,Description="x">',
    '##INFO=<ID=CLINVAR_CLNREVSTAT,Number=.,Type=String,Description="x">',
    '##INFO=<ID=CLINVAR_STARS,Number=1,Type=Integer,Description="x">',
    '##INFO=<ID=CLINVAR_CLNDN,Number=.,Type=String,Description="x">',
    '##INFO=<ID=CLINVAR_NOT_COVERED,Number=0,Type=Flag,Description="x">',
    '##hlhscreen_clinvar=<file="clinvar.vcf.gz",fileDate="2024-05-12",source="ClinVar",reference="GRCh38">',
]
SH2D1A_R55X = "chrX:124365786:C:T"
SH2D1A_A64T = "chrX:124365813:G:A"
PAR_SITE = "chrX:1500000:A:G"
W374X = "chr10:70598599:C:T"
SYNONYMOUS = "chr10:70598700:G:A"
A91V = "chr10:70600631:G:A"


def ann(alt: str, effect: str, impact: str, gene: str, hgvsc: str, hgvsp: str) -> str:
    return f"ANN={alt}|{effect}|{impact}|{gene}|ENSG0|transcript|ENST_{gene}|protein_coding|1/1|{hgvsc}|{hgvsp}|||||"


def clinvar_info(varid: str, clnsig: str, status: str, stars: int) -> str:
    return f"CLINVAR_VARID={varid};CLINVAR_CLNSIG={clnsig};CLINVAR_CLNREVSTAT={status};CLINVAR_STARS={stars}"


RECORDS: List[Tuple[str, str, str]] = [
    # (variant, INFO, genotypes of m1 f1 m2 u1 f2)
    (W374X, ann("T", "stop_gained", "HIGH", "PRF1", "c.1122G>A", "p.Trp374*") + ";gnomAD_AF=1.55e-05;"
     + clinvar_info("13709", "Pathogenic", "criteria_provided,_multiple_submitters,_no_conflicts", 2)
     + ";CLINVAR_CLNDN=Familial_hemophagocytic_lymphohistiocytosis_2|not_provided",
     "0/1 0/0 0/0 0/0 0/0"),
    (SYNONYMOUS, ann("A", "synonymous_variant", "LOW", "PRF1", "c.1020C>T", "p.Leu340=") + ";"
     + clinvar_info("999", "Likely_pathogenic", "criteria_provided,_multiple_submitters,_no_conflicts", 2),
     "0/0 0/1 0/0 0/0 0/0"),
    (A91V, ann("A", "missense_variant", "MODERATE", "PRF1", "c.272C>T", "p.Ala91Val") + ";gnomAD_AF=0.0354;"
     "CLINVAR_CLNSIG=Conflicting_classifications_of_pathogenicity|risk_factor;"
     "CLINVAR_CLNREVSTAT=criteria_provided,_conflicting_classifications;CLINVAR_STARS=1",
     "0/1 0/1 0/0 0/0 0/0"),
    # a chromosome the ClinVar file had no record on (CLINVAR_ANNOTATE's flag): not looked up
    (PAR_SITE, ann("G", "missense_variant", "MODERATE", "PARGENE", "c.10A>G", "p.Lys4Glu") + ";CLINVAR_NOT_COVERED",
     "0/1 0/0 0/0 0/1 0/0"),
    (SH2D1A_R55X, ann("T", "stop_gained", "HIGH", "SH2D1A", "c.163C>T", "p.Arg55*"), "1 0/1 0/1 0/1 0/0"),
    (SH2D1A_A64T, ann("A", "missense_variant", "MODERATE", "SH2D1A", "c.190G>A", "p.Ala64Thr"), "0 0/0 0 ./. 0/0"),
]


def write_inputs(tmp: Path, *, clinvar: bool = True, whitelist_a91v: bool = False, sexes: bool = True
                 ) -> Dict[str, Path]:
    header = ["##fileformat=VCFv4.2", "##contig=<ID=chr10,length=133797422>", "##contig=<ID=chrX,length=156040895>",
              '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
              '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
              '##FORMAT=<ID=GQ,Number=1,Type=Float,Description="GQ">',
              '##INFO=<ID=gnomAD_AF,Number=A,Type=Float,Description="gnomAD AF">', ANN_HEADER]
    if clinvar:
        header += CLINVAR_HEADER
    header.append("\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT"]
                            + [s for s, _, _ in SAMPLES]))
    lines = []
    for variant, info, genotypes in RECORDS:
        chrom, pos, ref, alt = variant.split(":")
        if not clinvar:
            info = ";".join(item for item in info.split(";") if not item.startswith("CLINVAR_"))
        calls = [f"{gt}:30:99" for gt in genotypes.split()]
        lines.append("\t".join([chrom, pos, ".", ref, alt, "500", ".", info, "GT:DP:GQ"] + calls))
    paths = {"vcf": tmp / "in.vcf", "regions": tmp / "regions.bed", "whitelist": tmp / "wl.tsv",
             "sheet": tmp / "samples.csv", "sex": tmp / "sex.tsv"}
    paths["vcf"].write_text("\n".join(header + lines) + "\n")
    paths["regions"].write_text("chr10\t70597344\t70601000\tPRF1|exon3\nchrX\t1499000\t1501000\tPARGENE|exon1\n"
                                "chrX\t124365757\t124365827\tSH2D1A|exon2\n")
    columns = ("gene\tbuild\tchrom\tpos\tref\talt\trsid\ttranscript\thgvsc\thgvsp\tevidence\treason\tpop_af\t"
               "pop_af_source\tclinical_significance\n")
    row = ("PRF1\tGRCh38\tchr10\t70600631\tG\tA\trs35947132\tNM_001083116.3\tc.272C>T\tp.Ala91Val\tPMID:12229880\t"
           "risk factor\t0.0354\tgnomAD\tconflicting\n") if whitelist_a91v else ""
    paths["whitelist"].write_text(columns + row)
    paths["sheet"].write_text("sample,group\n" + "".join(f"{s},{g}\n" for s, g, _ in SAMPLES))
    paths["sex"].write_text("sample\tgroup\tsex\n" + "".join(f"{s}\t{g}\t{x}\n" for s, g, x in SAMPLES))
    if not sexes:
        paths["sex"] = None
    return paths


def run(tmp: Path, name: str = "out", **kwargs) -> Tuple[Dict[str, dict], Dict[tuple, dict], Dict[tuple, dict], Path]:
    options = {k: kwargs.pop(k) for k in list(kwargs) if k in ("keep_clinvar_pathogenic", "clinvar_min_stars")}
    paths = write_inputs(tmp, **kwargs)
    out = tmp / name
    S.run_screen(paths["vcf"], paths["regions"], paths["whitelist"], paths["sheet"], out, S.ScreenConfig(**options),
                 sex=paths["sex"])

    def rows(file: str) -> List[dict]:
        with open(out / file) as handle:
            return list(csv.DictReader(handle, delimiter="\t"))

    variants = {r["variant_id"]: r for r in rows("variants.tsv")}
    carriers = {(r["sample"], r["variant_id"]): r for r in rows("carriers.tsv")}
    genes = {(r["sample"], r["gene"]): r for r in rows("gene_status.tsv")}
    return variants, carriers, genes, out


def test_males_are_hemizygous_and_never_het_outside_the_pars(tmp_path):
    variants, carriers, genes, _ = run(tmp_path)
    r55x = variants[SH2D1A_R55X]
    assert (r55x["decision"], r55x["n_het"], r55x["n_hemizygous"], r55x["n_not_assessable"]) == ("kept", "1", "1", "2")
    assert r55x["not_assessable_samples"] == "m2;u1"
    assert carriers[("m1", SH2D1A_R55X)]["state"] == "hemizygous" and carriers[("m1", SH2D1A_R55X)]["genotype"] == "1"
    assert carriers[("f1", SH2D1A_R55X)]["state"] == "het"
    assert (carriers[("m2", SH2D1A_R55X)]["state"], carriers[("m2", SH2D1A_R55X)]["note"]) == \
        ("not_assessable", "het_call_in_male")
    assert (carriers[("u1", SH2D1A_R55X)]["state"], carriers[("u1", SH2D1A_R55X)]["note"]) == \
        ("not_assessable", "sex_unknown")
    assert carriers[("f2", SH2D1A_R55X)]["state"] == "ref"
    status = {sample: genes[(sample, "SH2D1A")]["status"] for sample, _, _ in SAMPLES}
    assert status == {"m1": "hemizygous", "f1": "monoallelic", "m2": "not_assessable", "u1": "not_assessable",
                      "f2": "none"}


def test_haploid_reference_calls_and_the_pars(tmp_path):
    variants, carriers, genes, _ = run(tmp_path)
    # nobody carries A64T: the male haploid "0" calls are ref, unknown-sex u1 stays a no-call
    a64t = variants[SH2D1A_A64T]
    assert (a64t["decision"], a64t["reasons"], a64t["n_ref"]) == ("dropped", "no_assessable_carrier", "4")
    # PAR1: diploid in everyone, a male het is a het and unknown sex does not matter
    par = variants[PAR_SITE]
    assert (par["decision"], par["n_het"], par["n_hemizygous"], par["n_not_assessable"]) == ("kept", "2", "0", "0")
    assert carriers[("m1", PAR_SITE)]["state"] == "het" and carriers[("u1", PAR_SITE)]["state"] == "het"


def test_without_sexes_chrx_calls_are_not_assessable_and_a_warning_says_so(tmp_path, capsys):
    variants, carriers, genes, _ = run(tmp_path, sexes=False)
    r55x = variants[SH2D1A_R55X]
    assert (r55x["decision"], r55x["reasons"], r55x["unconfirmed"], r55x["n_not_assessable"]) == \
        ("dropped", "no_assessable_carrier", "yes", "5")
    assert {genes[(s, "SH2D1A")]["status"] for s, _, _ in SAMPLES} == {"not_assessable"}
    assert variants[W374X]["decision"] == "kept"  # autosomes do not depend on sex
    assert "no sample's sex is known (--sex)" in capsys.readouterr().err


def test_clinvar_columns_in_variants_and_carriers(tmp_path):
    variants, carriers, _, out = run(tmp_path)
    w374x = variants[W374X]
    assert (w374x["clinvar_variation_id"], w374x["clinvar_clnsig"], w374x["clinvar_stars"]) == ("13709", "Pathogenic", "2")
    assert w374x["clinvar_review_status"] == "criteria_provided,_multiple_submitters,_no_conflicts"
    assert w374x["clinvar_disease"] == "Familial_hemophagocytic_lymphohistiocytosis_2|not_provided"
    assert variants[SH2D1A_R55X]["clinvar_clnsig"] == "not_in_clinvar"
    assert variants[A91V]["clinvar_variation_id"] == "NA" and variants[A91V]["clinvar_stars"] == "1"
    row = carriers[("m1", W374X)]
    assert (row["clinvar_clnsig"], row["clinvar_stars"], row["clinvar_variation_id"], row["kept_by"]) == \
        ("Pathogenic", "2", "13709", "filters")
    assert row["clinvar_disease"] == "Familial_hemophagocytic_lymphohistiocytosis_2|not_provided"
    with gzip.open(out / "kept.vcf.gz", "rt") as handle:
        kept = handle.read()
    assert "CLINVAR_VARID=13709" in kept and "##hlhscreen_clinvar=" in kept


def test_a_somatic_only_clinvar_record_is_not_shown_as_na(tmp_path, monkeypatch):
    """Since 2024 a ClinVar record may carry only ONC/SCI (somatic) and no CLNSIG: the allele is in
    ClinVar without a germline classification. Before: clinvar_clnsig NA, which the docs reserve for
    a run without ClinVar."""
    somatic = "CLINVAR_VARID=3024011;CLINVAR_ALLELEID=3187000"
    records = [(v, ";".join(i for i in info.split(";") if not i.startswith("CLINVAR_")) + ";" + somatic
                if v == W374X else info, gt) for v, info, gt in RECORDS]
    monkeypatch.setattr(sys.modules[__name__], "RECORDS", records)
    variants, carriers, _, _ = run(tmp_path, keep_clinvar_pathogenic=True)
    w374x = variants[W374X]
    assert (w374x["clinvar_variation_id"], w374x["clinvar_clnsig"], w374x["clinvar_stars"]) == \
        ("3024011", "no_germline_classification", "NA")
    assert w374x["rescued_by"] == "NA"  # kept by its impact, never by ClinVar
    assert carriers[("m1", W374X)]["clinvar_clnsig"] == "no_germline_classification"


def test_a_piece_of_a_longer_clinvar_allele_is_not_called_absent(tmp_path, monkeypatch):
    """A record atomised from an MNV ClinVar lists (INFO/CLINVAR_PART_OF from CLINVAR_ANNOTATE): the
    tables say part_of_clinvar_allele with that allele's variation ID, not not_in_clinvar, and the
    whole allele's Pathogenic never rescues the piece."""
    records = [(v, ";".join(i for i in info.split(";") if not i.startswith("CLINVAR_"))
                + ";CLINVAR_PART_OF=424242:Pathogenic" if v == SYNONYMOUS else info, gt) for v, info, gt in RECORDS]
    monkeypatch.setattr(sys.modules[__name__], "RECORDS", records)
    variants, carriers, _, _ = run(tmp_path, keep_clinvar_pathogenic=True, clinvar_min_stars=0)
    row = variants[SYNONYMOUS]
    assert (row["clinvar_variation_id"], row["clinvar_clnsig"], row["clinvar_stars"]) == \
        ("424242", "part_of_clinvar_allele", "NA")
    assert row["decision"] == "dropped" and "impact_not_selected" in row["reasons"]


def test_a_variant_clinvar_could_not_look_up_is_not_called_absent(tmp_path):
    variants, carriers, _, _ = run(tmp_path)
    assert variants[PAR_SITE]["clinvar_clnsig"] == "not_looked_up" and variants[PAR_SITE]["clinvar_stars"] == "NA"
    assert carriers[("m1", PAR_SITE)]["clinvar_clnsig"] == "not_looked_up"


def test_without_clinvar_the_columns_are_na(tmp_path):
    variants, carriers, _, _ = run(tmp_path, clinvar=False)
    assert {variants[W374X][c] for c in ("clinvar_variation_id", "clinvar_clnsig", "clinvar_stars")} == {"NA"}
    assert carriers[("m1", W374X)]["clinvar_clnsig"] == "NA"


def test_clinvar_rescue_is_off_by_default_and_needs_the_stars(tmp_path):
    variants, _, _, _ = run(tmp_path, name="default")
    assert (variants[SYNONYMOUS]["decision"], variants[SYNONYMOUS]["reasons"]) == ("dropped", "impact_not_selected")
    variants, carriers, _, _ = run(tmp_path, name="rescue", keep_clinvar_pathogenic=True, clinvar_min_stars=2)
    syn = variants[SYNONYMOUS]
    assert (syn["decision"], syn["rescued_by"]) == ("kept", "clinvar_pathogenic")
    assert "clinvar_pathogenic" in syn["reasons"]
    assert carriers[("f1", SYNONYMOUS)]["kept_by"] == "clinvar_pathogenic"
    assert variants[W374X]["rescued_by"] == "NA"  # kept by the filters anyway
    variants, _, _, _ = run(tmp_path, name="strict", keep_clinvar_pathogenic=True, clinvar_min_stars=3)
    assert variants[SYNONYMOUS]["decision"] == "dropped"


def test_the_rescue_needs_clinvar_annotation(tmp_path):
    with pytest.raises(UserInputError, match="the VCF carries no ClinVar annotation"):
        run(tmp_path, clinvar=False, keep_clinvar_pathogenic=True)


def test_risk_factor_candidates(tmp_path):
    variants, _, _, _ = run(tmp_path, name="plain")
    a91v = variants[A91V]
    assert (a91v["decision"], a91v["reasons"], a91v["risk_factor_candidate"]) == \
        ("dropped", "common_not_risk_factor", "yes")
    assert variants[W374X]["risk_factor_candidate"] == "no"
    variants, _, _, _ = run(tmp_path, name="whitelisted", whitelist_a91v=True)
    assert (variants[A91V]["decision"], variants[A91V]["risk_factor_candidate"]) == ("kept", "no")


def test_cli_options(tmp_path):
    paths = write_inputs(tmp_path)
    out = tmp_path / "cli"
    result = subprocess.run([sys.executable, str(BIN / "screen_variants.py"), "--vcf", str(paths["vcf"]),
                             "--regions", str(paths["regions"]), "--risk-factors", str(paths["whitelist"]),
                             "--samplesheet", str(paths["sheet"]), "--outdir", str(out), "--sex", str(paths["sex"]),
                             "--keep-clinvar-pathogenic", "--clinvar-min-stars", "2"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "1 by ClinVar" in result.stderr
    bad = subprocess.run([sys.executable, str(BIN / "screen_variants.py"), "--vcf", str(paths["vcf"]), "--regions",
                          str(paths["regions"]), "--risk-factors", str(paths["whitelist"]), "--samplesheet",
                          str(paths["sheet"]), "--outdir", str(out), "--clinvar-min-stars", "5"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "--clinvar-min-stars: 5 is not 0 to 4" in bad.stderr


def test_a_sex_table_missing_a_sample_is_refused(tmp_path):
    paths = write_inputs(tmp_path)
    paths["sex"].write_text("sample\tsex\nm1\tmale\n")
    with pytest.raises(UserInputError, match=r"no sex for sample\(s\) f1, m2, u1, f2"):
        S.run_screen(paths["vcf"], paths["regions"], paths["whitelist"], paths["sheet"], tmp_path / "o",
                     S.ScreenConfig(), sex=paths["sex"])
