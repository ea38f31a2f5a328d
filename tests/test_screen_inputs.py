"""SCREEN on real annotator layouts and on the input classes of issue 9 (items 2-7) and issue 11 (item 5).

Fixtures: tests/fixtures/annotations/ (see its README: VEP 110 with 1000 Genomes / MAX_AF / gnomAD
cache / --custom fields, the same under INFO/ANN, snpEff with gnomAD v4.1 INFO fields), the test
cohort's example VCF, and VCFs built here where a case needs its own record (multi-allelic splits
are made by running bcftools itself).
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import pytest

from hlhscreen import annotation as A
from hlhscreen import frequency as F
from hlhscreen import risk_factors as R
from hlhscreen import screen as S
from hlhscreen.errors import UserInputError

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "annotations"
SCREEN_FIXTURES = REPO / "tests" / "fixtures" / "screen"
REGIONS = SCREEN_FIXTURES / "regions.bed"
WHITELIST = SCREEN_FIXTURES / "risk_factors.tsv"
EXAMPLE = SCREEN_FIXTURES / "example.vcf"
MANE = REPO / "panels" / "hlh" / "genes.tsv"
WHITELIST_HEADER = "gene\tbuild\tchrom\tpos\tref\talt\trsid\ttranscript\thgvsc\thgvsp\tevidence\treason\n"

A91V = "chr10:70600631:G:A"


def read_tsv(path: Path) -> List[Dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


class Out:
    def __init__(self, folder: Path, summary: S.ScreenSummary) -> None:
        self.folder = folder
        self.summary = summary
        self.variants = {r["variant_id"]: r for r in read_tsv(folder / "variants.tsv")}
        self.carriers = read_tsv(folder / "carriers.tsv")
        self.genes = {(r["sample"], r["gene"]): r for r in read_tsv(folder / "gene_status.tsv")}
        self.mqc = {line.split("\t")[0]: line.rstrip("\n").split("\t")[1]
                    for line in (folder / "screen_summary_mqc.tsv").read_text().splitlines()
                    if not line.startswith("#") and "\t" in line}


def two_samples(tmp: Path) -> Path:
    sheet = tmp / "samples.csv"
    sheet.write_text("sample,group\nS1,case\nS2,control\n")
    return sheet


def run(tmp: Path, vcf: Path, *, sheet: Optional[Path] = None, regions: Path = REGIONS, whitelist: Path = WHITELIST,
        name: str = "out", fasta: Optional[Path] = None, **options) -> Out:
    out = tmp / name
    summary = S.run_screen(vcf, regions, whitelist, sheet or two_samples(tmp), out, S.ScreenConfig(**options),
                           mane_transcripts=MANE, fasta=fasta)
    return Out(out, summary)


def cohort_sheet(tmp: Path) -> Path:
    sheet = tmp / "cohort.csv"
    sheet.write_text("sample,group\n" + "".join(f"{s},{'case' if s.startswith('case') else 'control'}\n" for s in (
        "case_01", "case_02", "case_03", "case_04", "ctrl_01", "ctrl_02", "ctrl_03", "ctrl_04")))
    return sheet


# =============================================================================================
# item 3: every frequency a real annotator writes counts; configurable precedence
# =============================================================================================


@pytest.fixture(scope="module")
def vep_run(tmp_path_factory) -> Out:
    tmp = tmp_path_factory.mktemp("vep")
    return run(tmp, FIXTURES / "vep110_frequencies.vcf")


def test_vep_1000_genomes_and_max_af_make_a_stop_gain_common(vep_run):
    """Before: only gnomAD fields were read, so this stop-gain (1000G AF 0.144, MAX_AF 0.268) was
    'novel' and kept."""
    row = vep_run.variants["chr10:70598010:G:A"]
    assert (row["decision"], row["reasons"]) == ("dropped", "af_above_max;common_not_risk_factor")
    assert (row["af_status"], row["af_used"], row["af_field"], row["gnomad_af_source"]) == \
        ("observed", "0.144", "CSQ/AF", "csq_1000g")
    assert row["gnomad_af"] == "NA"  # a 1000 Genomes AF is not reported as a gnomAD AF
    assert (row["popmax_af"], row["popmax_population"]) == ("0.268", "afr")


def test_vep_custom_gnomad_popmax_counts(vep_run):
    row = vep_run.variants["chr17:75832965:C:T"]
    assert (row["decision"], row["af_used"], row["af_field"]) == \
        ("dropped", "0.318", "CSQ/gnomAD2.1_AF_popmax")
    assert row["gnomad_af_source"] == "csq_custom:gnomAD2.1"


def test_gnomad_exomes_global_af_is_the_study_rule(vep_run):
    row = vep_run.variants["chr10:70598200:C:T"]
    assert (row["decision"], row["af_used"], row["af_field"], row["gnomad_af"]) == \
        ("kept", "0.0005", "CSQ/gnomADe_AF", "0.0005")
    assert (row["popmax_af"], row["popmax_population"]) == ("0.0009", "nfe")  # fin is not a popmax group


def test_novel_only_without_any_frequency(vep_run):
    row = vep_run.variants["chr10:70598300:A:G"]
    assert (row["decision"], row["af_status"], row["af_used"], row["af_field"]) == ("kept", "novel", "NA", "NA")
    # this record, the STX11 frameshift, and the two records without a panel-gene entry
    assert vep_run.mqc["AF compared taken from none (novel)"] == "4"


@pytest.mark.parametrize("mode, expected", [("global", "0.144"), ("popmax", "0.268")])
def test_popmax_takes_the_larger_of_global_and_group_maximum(tmp_path, mode, expected):
    row = run(tmp_path, FIXTURES / "vep110_frequencies.vcf", af_source=mode).variants["chr10:70598010:G:A"]
    assert row["af_used"] == expected


def test_gnomad_v4_info_fields_count_and_the_callers_af_does_not(tmp_path):
    out = run(tmp_path, FIXTURES / "snpeff_gnomad_v4_info.vcf")
    joint = out.variants["chr10:70598050:C:T"]
    assert (joint["decision"], joint["reasons"], joint["af_used"], joint["af_field"]) == \
        ("dropped", "common_not_risk_factor", "0.02", "INFO/AF_joint")
    assert (joint["gnomad_af"], joint["popmax_af"], joint["popmax_population"]) == ("0.02", "0.025", "nfe")
    grpmax = out.variants["chr10:70598150:G:A"]
    assert (grpmax["reasons"], grpmax["af_used"], grpmax["af_field"]) == \
        ("af_above_max;common_not_risk_factor", "0.05", "INFO/AF_grpmax")
    novel = out.variants["chr10:70598250:T:C"]  # INFO/AF=0.5 is FreeBayes' cohort AF
    assert (novel["decision"], novel["af_status"]) == ("kept", "novel")
    assert not any("INFO/AF " in w for w in out.summary.warnings)  # the caller's AF is no warning either


def test_af_fields_choose_the_fields_and_their_precedence(tmp_path):
    # only gnomAD exomes: the 1000 Genomes-common stop-gain is novel (and kept) again
    only_exomes = run(tmp_path, FIXTURES / "vep110_frequencies.vcf", af_fields="csq_gnomade", name="exomes")
    assert only_exomes.variants["chr10:70598010:G:A"]["decision"] == "kept"
    # MAX_AF before 1000 Genomes: the maximum is compared
    max_first = run(tmp_path, FIXTURES / "vep110_frequencies.vcf", af_fields="csq_max_af,csq_1000g", name="max")
    assert max_first.variants["chr10:70598010:G:A"]["af_field"] == "CSQ/MAX_AF"
    # an explicit field: the caller's INFO/AF, read only because it is named
    explicit = run(tmp_path, FIXTURES / "snpeff_gnomad_v4_info.vcf", af_fields="info_gnomad_sites,INFO/AF",
                   name="explicit")
    row = explicit.variants["chr10:70598250:T:C"]
    assert (row["af_used"], row["af_field"], row["decision"]) == ("0.5", "INFO/AF", "dropped")


def test_af_fields_errors_and_warnings(tmp_path, capsys):
    for bad in ("gnomad", "INFO/", "CSQ/x:min", "VEP/AF", "csq_gnomade,csq_gnomade", ""):
        with pytest.raises(UserInputError) as caught:
            S.check_screen_settings(af_fields=bad)
        assert "--af-fields" in str(caught.value), bad
    out = run(tmp_path, FIXTURES / "vep110_frequencies.vcf", af_fields="csq_gnomade,CSQ/not_there")
    assert any("CSQ/not_there is not declared" in w for w in out.summary.warnings)
    # frequency-like fields nobody reads are named (here the 1000 Genomes and MAX_AF fields)
    assert any("CSQ/MAX_AF looks like an allele frequency" in w for w in out.summary.warnings)
    assert out.mqc["warnings (listed in the run log)"] == str(len(out.summary.warnings))


def test_sources_recognised_in_real_header_names():
    """Field names of real releases and annotators, and what each becomes."""
    csq = ("Allele", "Consequence", "AF", "EUR_AF", "MAX_AF", "MAX_AF_POPS", "gnomADe_AF", "gnomADe_NFE_AF",
           "gnomADe_REMAINING_AF", "gnomADg_AMI_AF", "gnomAD_AF", "gnomAD_NFE_AF", "gnomAD41_AF_joint",
           "gnomAD41_AF_grpmax_joint", "gnomAD41_grpmax_joint", "gnomAD41", "gnomAD_exomes_AF",
           "gnomAD_exomes_POPMAX_AF", "ClinVar_CLNSIG", "SpliceAI_pred_DS_AG")
    info = ("AF", "AC", "MLEAF", "gnomAD_AF", "gnomAD_AF_nfe", "gnomAD_AF_nfe_XX", "AF_popmax", "faf95_popmax",
            "AF_nfe", "AF_raw", "dbNSFP_gnomAD_exomes_AF")
    sources = {s.name: s for s in F.resolve_sources(F.parse_af_fields(F.DEFAULT_AF_FIELDS), info, csq)}
    assert list(sources) == ["info_gnomad", "info_gnomad:dbNSFP_gnomAD_exomes", "csq_gnomad", "csq_gnomade",
                             "csq_gnomadg", "csq_custom:gnomAD41", "csq_custom:gnomAD_exomes", "info_gnomad_sites",
                             "csq_1000g", "csq_max_af"]
    names = lambda fields: [f.name for f in fields]  # noqa: E731
    assert names(sources["info_gnomad"].population_fields) == ["gnomAD_AF_nfe"]  # not the XX stratum
    assert names(sources["csq_custom:gnomAD41"].global_fields) == ["gnomAD41_AF_joint"]
    assert names(sources["csq_custom:gnomAD41"].max_fields) == ["gnomAD41_AF_grpmax_joint"]
    assert sources["csq_custom:gnomAD41"].max_group_field == "gnomAD41_grpmax_joint"
    assert names(sources["csq_custom:gnomAD_exomes"].max_fields) == ["gnomAD_exomes_POPMAX_AF"]
    sites = sources["info_gnomad_sites"]
    assert names(sites.global_fields) == [] and names(sites.max_fields) == ["AF_popmax", "faf95_popmax"]
    assert names(sites.population_fields) == ["AF_nfe"]  # AF_raw is not a group; bare INFO/AF is the caller's
    assert sources["csq_max_af"].max_group_field == "MAX_AF_POPS"
    assert names(sources["csq_1000g"].global_fields) == ["AF"] and names(sources["csq_1000g"].population_fields) == [
        "EUR_AF"]


def test_gnomad_2_0_upper_case_names_are_read(tmp_path):
    """gnomAD r2.0 sites VCFs name groups and the maximum in capitals (AF_AFR, ..., AF_POPMAX, POPMAX; r2.1 later wrote
    AF_afr, AF_popmax, popmax), and real VEP --custom runs copy them as such (CSQ gnomADg_AF_AFR ... gnomADg_AF_POPMAX,
    gnomADe_AF_POPMAX, without a global AF). Before: none was read, so a variant with a genome popmax of 0.3 was
    novel and kept (only a run-log line listed the fields as unread)."""
    custom = ["gnomADg_AF_AFR", "gnomADg_AF_NFE", "gnomADg_AF_POPMAX", "gnomADe_AF_POPMAX"]
    header = CSQ_HEADER.replace("|gnomADe_AF", "|" + "|".join(custom))
    entry = vep_entry("A", hgvsp="p.Gly1Val").rsplit("|", 1)[0] + "|0.12|0.3|0.3|"
    vcf = write_vcf(tmp_path / "v20.vcf", [vcf_row(70598100, "C", "A", "CSQ=" + entry, ["0/1:30:99", "0/0:30:99"])])
    vcf.write_text(vcf.read_text().replace(CSQ_HEADER, header))
    row = run(tmp_path, vcf).variants["chr10:70598100:C:A"]
    assert (row["decision"], row["af_status"], row["af_used"], row["af_field"]) == \
        ("dropped", "observed", "0.3", "CSQ/gnomADg_AF_POPMAX")
    assert (row["popmax_population"], row["gnomad_af_source"]) == ("nfe", "csq_gnomadg")
    sources = {s.name: s for s in F.resolve_sources(F.parse_af_fields(F.DEFAULT_AF_FIELDS),
                                                      ("GNOMAD_AF", "AF_POPMAX", "POPMAX", "AF_NFE"), ())}
    assert [f.name for f in sources["info_gnomad:GNOMAD"].global_fields] == ["GNOMAD_AF"]
    assert [f.name for f in sources["info_gnomad_sites"].max_fields] == ["AF_POPMAX"]
    assert sources["info_gnomad_sites"].max_group_field == "POPMAX"


def documented_af_keywords() -> List[Tuple[str, str]]:
    """(keyword, dataset) of each row of docs/annotation.md's table of the default --af-fields, in its order."""
    text = (REPO / "docs" / "annotation.md").read_text()
    lines = text[text.index("Default `--af-fields`, in this order:"):].splitlines()[1:]
    rows: List[Tuple[str, str]] = []
    for line in lines:
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0] != "Keyword" and not set(cells[0]) <= set("-: "):
            rows.append((cells[0].strip("`"), cells[1]))
    return rows


def test_the_af_keywords_and_their_datasets_are_the_documented_ones():
    """frequency.KEYWORDS is the one place the code says which --af-fields keywords there are, in which default
    order, and which of them are gnomAD datasets; docs/annotation.md's table says it to users (its Dataset
    column) and screening.md's option table gives the default. Each keyword must be the documented one, with
    the documented dataset, as the screen reads it (Frequency.gnomad: gnomAD AF columns) and as the frequency
    check counts it (FrequencySetting.reads_gnomad): a keyword added, dropped, moved or reclassified in one
    place only fails here. A new keyword must be given real field names here to be checked."""
    csq = ("Allele", "AF", "AFR_AF", "EUR_AF", "AA_AF", "EA_AF", "MAX_AF", "MAX_AF_POPS", "gnomAD_AF", "gnomADe_AF",
           "gnomADe_NFE_AF", "gnomADg_AF", "gnomAD41_AF_joint")
    info = ("gnomAD_AF", "gnomAD_AF_nfe", "AF_joint", "AF_grpmax_joint")
    documented = documented_af_keywords()
    assert [keyword for keyword, _ in documented] == list(F.SOURCE_KEYWORDS)
    screen_options = (REPO / "docs" / "screening.md").read_text()
    assert f"| `--af-fields` | `{F.DEFAULT_AF_FIELDS}` |" in screen_options
    for keyword, dataset in documented:
        gnomad = dataset == "gnomAD"
        found = F.resolve_sources(F.parse_af_fields(keyword), info, csq)
        assert found, f"{keyword}: no source in the test header; add the fields it reads"
        assert {source.gnomad for source in found} == {gnomad}, f"{keyword}: documented dataset {dataset}"
        assert F.frequency_setting(keyword).reads_gnomad == gnomad, f"{keyword}: documented dataset {dataset}"
    assert F.OTHER_DATASET_KEYWORDS == {keyword for keyword, dataset in documented if dataset != "gnomAD"}


def test_default_af_fields_are_the_pipeline_default():
    config = (REPO / "nextflow.config").read_text()
    assert f"af_fields                  = '{F.DEFAULT_AF_FIELDS}'" in config


# =============================================================================================
# item 2: only panel genes are findings; issue 11 item 5: records without annotation
# =============================================================================================


def test_record_annotated_only_with_another_gene_is_not_a_finding(vep_run):
    """Before: kept under the other gene, which got its own gene test."""
    row = vep_run.variants["chr10:70598400:G:T"]
    assert (row["decision"], row["reasons"], row["gene"]) == ("dropped", "no_panel_gene_annotation", "PRF1")
    genes = {gene for _, gene in vep_run.genes}
    assert genes == {"PRF1", "STX11"} and {r["gene"] for r in vep_run.carriers} <= {"PRF1", "STX11"}


def test_record_without_annotation_has_its_own_reason_and_count(vep_run):
    """Before: dropped as impact_not_selected, as if its impact were known."""
    row = vep_run.variants["chr10:70598500:T:C"]
    assert (row["decision"], row["reasons"], row["annotation_match"]) == ("dropped", "not_annotated", "no_annotation")
    assert vep_run.mqc["dropped with reason not_annotated"] == "1"
    assert vep_run.mqc["records evaluated with no CSQ/ANN entry"] == "1"


def test_unnamed_panel_bed_is_refused(tmp_path):
    bed = tmp_path / "regions.bed"
    bed.write_text("chr10\t70597344\t70599184\tPRF1|exon3\nchr10\t70600360\t70600935\n")
    with pytest.raises(UserInputError) as caught:
        S.load_panel_regions(bed)
    assert str(caught.value).startswith(f"ERROR {bed}:2: name: ")


@pytest.mark.parametrize("lines,line,why", [
    # a BED6 with '.' as name (score and strand after it), space-separated: the message had no line number
    ("chr10 70597344 70599184 PRF1|exon3\nchr10 70600360 70600935 . 0 +\n", 2,
     "is named '.', not a gene symbol (a BED score, strand or '.' placeholder in the name column?)"),
    ("# made by hand\nchr10\t70597344\t70599184\tPRF1|exon3\nchr10 70600360 70600935 prf1|exon2\n", 3,
     "is named 'prf1', in lower case"),
])
def test_a_badly_named_panel_line_is_named_by_its_line(tmp_path, lines, line, why):
    bed = tmp_path / "regions.bed"
    bed.write_text(lines)
    with pytest.raises(UserInputError) as caught:
        S.load_panel_regions(bed)
    assert str(caught.value).startswith(f"ERROR {bed}:{line}: name: ") and why in str(caught.value), str(caught.value)


# =============================================================================================
# item 7: VEP under INFO/ANN, rsIDs, one label whatever the annotator
# =============================================================================================


def test_vep_layout_under_info_ann_is_read(tmp_path, vep_run):
    """Before: refused with the snpEff 'ANN header lacks required fields' message."""
    layout = A.read_layout(FIXTURES / "vep110_info_ann.vcf")
    assert (layout.kind, layout.info_tag) == ("vep", "ANN")
    out = run(tmp_path, FIXTURES / "vep110_info_ann.vcf")
    columns = ("decision", "reasons", "gene", "hgvsp", "af_used", "af_field")
    assert {k: tuple(v[c] for c in columns) for k, v in out.variants.items()} == \
        {k: tuple(v[c] for c in columns) for k, v in vep_run.variants.items()}


def test_rsids_from_existing_variation_and_the_custom_gnomad_id(vep_run):
    row = vep_run.variants["chr10:70598200:C:T"]
    assert row["rsid"] == "rs1000000003;rs1000000004"  # Existing_variation's rs, then the gnomAD2.1 ID field
    assert row["existing_ids"] == "COSV57161000;rs1000000003;rs1000000004"


def test_frameshift_has_one_label_whatever_the_annotator(tmp_path, vep_run):
    """Before: p.Ala134fs with snpEff, p.Ala134GlnfsTer7 with VEP, so the tests and plots named one call
    two ways."""
    snpeff = run(tmp_path, FIXTURES / "snpeff_gnomad_v4_info.vcf")
    vep_row, snpeff_row = vep_run.variants["chr6:144187026:TG:T"], snpeff.variants["chr6:144187026:TG:T"]
    assert vep_row["label"] == snpeff_row["label"] == "p.Ala134fs"
    assert (vep_row["hgvsp"], snpeff_row["hgvsp"]) == ("p.Ala134GlnfsTer7", "p.Ala134fs")  # full HGVSp kept
    labels = {r["label"] for r in vep_run.carriers if r["variant_id"] == "chr6:144187026:TG:T"}
    assert labels == {"p.Ala134fs"}
    from hlhscreen import cohort

    sheet = two_samples(tmp_path)
    written = cohort.run_cohort_stats(vep_run.folder / "carriers.tsv", vep_run.folder / "gene_status.tsv", sheet,
                                      tmp_path / "cohort")
    assert {r["id"]: r["label"] for r in read_tsv(written["variant"])}["chr6:144187026:TG:T"] == "p.Ala134fs"


SNPEFF_ANN_HEADER = ("##INFO=<ID=ANN,Number=.,Type=String,Description=\"Functional annotations: 'Allele | Annotation | "
                     "Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | Transcript_BioType | Rank | "
                     "HGVS.c | HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length | AA.pos / AA.length | Distance | "
                     "ERRORS / WARNINGS / INFO' \">")


def test_frameshift_to_an_immediate_stop_has_one_label_whatever_the_annotator(tmp_path):
    """An insertion whose new frame stops at once: VEP writes HGVS's nonsense form (p.Cys101Ter, consequence
    frameshift_variant; ensembl-vep issue 654), snpEff its frameshift form (p.Cys101fs, frameshift_variant&stop_gained;
    SnpEff issue 426). Before: the one call was labelled p.Cys101Ter with VEP and p.Cys101fs with snpEff."""
    vep = write_vcf(tmp_path / "vep.vcf", [vcf_row(70598100, "C", "CA", "CSQ=" + vep_entry(
        "A", "frameshift_variant", "HIGH", hgvsp="ENSP00000398568.2:p.Cys101Ter"), ["0/1:30:99", "0/0:30:99"])])
    ann = "|".join(["CA", "frameshift_variant&stop_gained", "HIGH", "PRF1", "ENSG00000180644", "transcript",
                    "ENST00000441259.2", "protein_coding", "2/3", "c.301_302insT", "p.Cys101fs", "", "", "", "", ""])
    snpeff = tmp_path / "snpeff.vcf"
    snpeff.write_text(vep.read_text().replace(CSQ_HEADER, SNPEFF_ANN_HEADER).replace(
        vep.read_text().splitlines()[-1].split("\t")[7], "ANN=" + ann))
    labels = [run(tmp_path, vcf, name=vcf.stem).variants["chr10:70598100:C:CA"] for vcf in (vep, snpeff)]
    assert [row["label"] for row in labels] == ["p.Cys101fs", "p.Cys101fs"]
    assert [row["hgvsp"] for row in labels] == ["p.Cys101Ter", "p.Cys101fs"]  # the annotators' own HGVSp kept
    assert A.variant_label("p.Cys101Ter", None, "x") == "p.Cys101Ter"  # a stop gain without frameshift stays one


@pytest.mark.parametrize("given, label", [
    ("p.Ala134GlnfsTer7", "p.Ala134fs"), ("p.(Ala134Glnfs*7)", "p.Ala134fs"), ("p.Trp374*", "p.Trp374Ter"),
    ("p.(Arg97Gly)", "p.Arg97Gly"), ("p.Ter556GlnextTer?", "p.Ter556GlnextTer?"), ("p.Leu310=", "p.Leu310=")])
def test_protein_labels(given, label):
    assert A.protein_label(given) == label


def test_coding_labels_drop_the_bases_after_del_and_dup():
    assert A.variant_label(None, "c.401delG", "x") == A.variant_label(None, "c.401del", "x") == "c.401del"
    assert A.coding_label("c.12_13delinsAT") == "c.12_13delinsAT"
    assert A.variant_label(None, None, "chr1:1:A:G") == "chr1:1:A:G"


# =============================================================================================
# item 7: 1/2 genotypes, padding bases; issue 11 item 5: symbolic <DEL>
# =============================================================================================

VEP_MIN = ("Allele", "Consequence", "IMPACT", "SYMBOL", "Gene", "Feature_type", "Feature", "HGVSc", "HGVSp",
           "CANONICAL", "ALLELE_NUM", "gnomADe_AF")
CSQ_HEADER = ('##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
              'Format: ' + "|".join(VEP_MIN) + '">')


def vep_entry(allele: str, consequence: str = "missense_variant", impact: str = "MODERATE", gene: str = "PRF1",
              hgvsp: str = "p.Ala1Val", allele_num: str = "1") -> str:
    values = dict(Allele=allele, Consequence=consequence, IMPACT=impact, SYMBOL=gene, Gene="ENSG1",
                  Feature_type="Transcript", Feature="ENST00000441259.2", HGVSc="c.1A>G", HGVSp=hgvsp,
                  CANONICAL="YES", ALLELE_NUM=allele_num, gnomADe_AF="")
    return "|".join(values[f] for f in VEP_MIN)


def write_vcf(path: Path, rows: Sequence[str], *, extra_header: Sequence[str] = (), samples=("S1", "S2"),
              contigs=(("chr10", 133797422),), formats=("GT", "DP", "GQ")) -> Path:
    lines = ["##fileformat=VCFv4.2"] + [f"##contig=<ID={c},length={n}>" for c, n in contigs]
    lines += [CSQ_HEADER, *extra_header]
    descriptions = {"GT": ("1", "String"), "DP": ("1", "Integer"), "GQ": ("1", "Integer"), "AD": ("R", "Integer")}
    lines += [f'##FORMAT=<ID={f},Number={descriptions[f][0]},Type={descriptions[f][1]},Description="{f}">'
              for f in formats]
    lines.append("\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT", *samples]))
    path.write_text("\n".join(lines + list(rows)) + "\n")
    return path


def vcf_row(pos: int, ref: str, alt: str, info: str, gts: Sequence[str], chrom: str = "chr10",
            fmt: str = "GT:DP:GQ") -> str:
    return "\t".join([chrom, str(pos), ".", ref, alt, "100", "PASS", info, fmt, *gts])


def test_split_1_2_genotype_is_compound_het(tmp_path):
    """Before: the two halves of a 1/2 call (bcftools norm -m: 1/0 and 0/1) were possible_compound_het,
    although one haplotype cannot carry two different ALTs at one base."""
    vcf = write_vcf(tmp_path / "split.vcf", [
        vcf_row(70598100, "C", "A", "CSQ=" + vep_entry("A", hgvsp="p.Gly1Val"), ["1/0:30:99", "0/1:30:99"]),
        vcf_row(70598100, "C", "T", "CSQ=" + vep_entry("T", hgvsp="p.Gly1Asp"), ["0/1:30:99", "0/0:30:99"]),
        vcf_row(70598300, "G", "A", "CSQ=" + vep_entry("A", hgvsp="p.Ala5Val"), ["0/0:30:99", "0/1:30:99"]),
    ])
    out = run(tmp_path, vcf)
    assert out.genes[("S1", "PRF1")]["status"] == "compound_het"
    assert out.genes[("S2", "PRF1")]["status"] == "possible_compound_het"  # two sites, phase unknown


def test_alleles_of_one_split_record_are_in_trans(tmp_path):
    """bcftools norm --old-rec-tag names the original record: its alleles are alternatives at one site
    even when trimming gave them different POS/REF."""
    old = '##INFO=<ID=OLD_REC,Number=1,Type=String,Description="Original variant. Format: CHR|POS|REF|ALT|USED_ALT_IDX">'
    vcf = write_vcf(tmp_path / "old.vcf", [
        vcf_row(70598100, "CAG", "C", "OLD_REC=chr10|70598100|CAGG|CG,CAGGG|1;CSQ=" + vep_entry("-", "frameshift_variant",
                "HIGH", hgvsp="p.Leu1fs"), ["0/1:30:99", "0/0:30:99"]),
        vcf_row(70598103, "G", "GG", "OLD_REC=chr10|70598100|CAGG|CG,CAGGG|2;CSQ=" + vep_entry(
            "G", "frameshift_variant", "HIGH", hgvsp="p.Leu2fs"), ["0/1:30:99", "0/0:30:99"]),
    ], extra_header=[old])
    assert run(tmp_path, vcf).genes[("S1", "PRF1")]["status"] == "compound_het"


def test_gene_status_trans_rules():
    het = S._HET
    site = frozenset({("chr1", 5, "C")})
    assert S.gene_status([S.CarriedCall("a", het, sites=site), S.CarriedCall("b", het, sites=site)]) == "compound_het"
    # overlapping changed bases: a deletion of 101-103 and an SNV at 102
    assert S.gene_status([S.CarriedCall("a", het, span=(101, 103, False)),
                          S.CarriedCall("b", het, span=(102, 102, False))]) == "compound_het"
    # an SNV on a deletion's padding base may be in cis
    assert S.gene_status([S.CarriedCall("a", het, span=(101, 103, False)),
                          S.CarriedCall("b", het, span=(100, 100, False))]) == "possible_compound_het"
    # insertions change no base: only one site makes them alternatives
    assert S.gene_status([S.CarriedCall("a", het, span=(100, 101, True)),
                          S.CarriedCall("b", het, span=(100, 101, True))]) == "possible_compound_het"


def test_deletion_whose_only_panel_base_is_its_padding_base_is_outside(tmp_path):
    """PRF1 exon-3 region ends at 70599184 (BED end). Before: a deletion starting there was in the panel
    through its padding base alone."""
    vcf = write_vcf(tmp_path / "edge.vcf", [
        vcf_row(70599183, "GAT", "G", "CSQ=" + vep_entry("-", "frameshift_variant", "HIGH", hgvsp="p.Met1fs"),
                ["0/1:30:99", "0/0:30:99"]),
        vcf_row(70599184, "GAT", "G", "CSQ=" + vep_entry("-", "intron_variant", "MODIFIER"), ["0/1:30:99", "0/0:30:99"]),
        vcf_row(70599184, "G", "GT", "CSQ=" + vep_entry("T", "intron_variant", "MODIFIER"), ["0/1:30:99", "0/0:30:99"]),
    ])
    out = run(tmp_path, vcf)
    assert out.variants["chr10:70599184:GAT:G"]["reasons"] == "outside_panel"
    assert out.variants["chr10:70599183:GAT:G"]["decision"] == "kept"  # deletes 70599184, in the panel
    assert out.variants["chr10:70599184:G:GT"]["reasons"] == "outside_panel"  # inserted after the last base


@pytest.mark.parametrize("span", ["END=70598000", "SVLEN=-2000", "SVTYPE=DEL;END=70601000"])
def test_symbolic_deletion_spanning_a_panel_exon_is_in_the_panel(tmp_path, span):
    """PRF1 exon 3's region starts at 70597345. Before: a <DEL> at 70596000 was outside_panel whatever
    its END."""
    vcf = write_vcf(tmp_path / "sv.vcf", [
        vcf_row(70596000, "A", "<DEL>", span + ";CSQ=" + vep_entry("deletion", "feature_truncation", "HIGH",
                                                                     hgvsp=""), ["0/1:30:99", "0/0:30:99"]),
    ], extra_header=['##ALT=<ID=DEL,Description="Deletion">',
                     '##INFO=<ID=END,Number=1,Type=Integer,Description="End">',
                     '##INFO=<ID=SVLEN,Number=.,Type=Integer,Description="Length">',
                     '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type">'])
    row = run(tmp_path, vcf).variants["chr10:70596000:A:<DEL>"]
    assert (row["decision"], row["gene"], row["annotation_match"]) == ("kept", "PRF1", "allele")


def test_variant_span():
    assert S.variant_span(10, "GT", "G") == (11, 11, False)
    assert S.variant_span(10, "AA", "A") == (11, 11, False)  # VCF convention: the first base pads
    assert S.variant_span(10, "G", "GT") == (10, 11, True)
    assert S.variant_span(10, "A", "TA") == (9, 10, True)
    assert S.variant_span(10, "ACG", "ATG") == (11, 11, False)
    assert S.variant_span(10, "G", "<DUP>", "SVTYPE=DUP;CIEND=-5,5;END=90") == (11, 90, False)
    assert S.variant_span(10, "G", "<INS>", "SVLEN=300") == (10, 11, True)


# =============================================================================================
# item 4: ALLELE_NUM, with multi-allelic sites split by bcftools itself
# =============================================================================================

BCFTOOLS = shutil.which("bcftools")


def _split_site(tmp: Path, tag: bool) -> Path:
    """A site VEP annotated before it was split (GT>GTT,G: Allele TT and -, ALLELE_NUM 1 and 2), then
    `bcftools norm -m -any -f ref.fa` (trimming GT>GTT to G>GT)."""
    ref = tmp / "ref.fa"
    sequence = "ACGTACGTACGTAGCTAGCTGATCGTAGCTAGCTAGCTGACTGATCGATCGATGCTAGCTAGAGCATCGATCGATCGTAG" * 3
    at = sequence.index("GT", 40) + 1  # 1-based position of a GT
    ref.write_text(">chr1\n" + sequence + "\n")
    subprocess.run(["samtools", "faidx", str(ref)], check=True)
    entries = ",".join([vep_entry("TT", "frameshift_variant", "HIGH", "GENEX", "p.Val10fs", "1"),
                        vep_entry("-", "frameshift_variant", "HIGH", "GENEX", "p.Val10del", "2")])
    raw = write_vcf(tmp / "raw.vcf", [vcf_row(at, "GT", "GTT,G", "CSQ=" + entries, ["1/2:40:99", "0/1:40:99"],
                                              chrom="chr1")], contigs=(("chr1", len(sequence)),))
    command = [BCFTOOLS, "norm", "-m", "-any", "-f", str(ref)] + (["--old-rec-tag", "OLD_REC"] if tag else [])
    split = tmp / ("split_tag.vcf" if tag else "split.vcf")
    with open(split, "w") as out:
        subprocess.run(command + [str(raw)], check=True, stdout=out, stderr=subprocess.DEVNULL)
    (tmp / "regions.bed").write_text(f"chr1\t10\t{len(sequence) - 10}\tGENEX|exon1\n")
    return split


@pytest.mark.skipif(BCFTOOLS is None, reason="bcftools not installed")
def test_allele_num_matches_trimmed_split_alleles(tmp_path):
    """Before: G>GT (split from GT>GTT,G) found no entry for its ALT (VEP wrote TT) and lost its
    annotation silently."""
    split = _split_site(tmp_path, tag=True)
    records = [line.split("\t")[3:5] for line in split.read_text().splitlines() if not line.startswith("#")]
    assert records == [["G", "GT"], ["GT", "G"]]  # bcftools trimmed the first allele
    out = run(tmp_path, split, regions=tmp_path / "regions.bed", whitelist=_empty_whitelist(tmp_path))
    rows = list(out.variants.values())
    assert [(r["annotation_match"], r["hgvsp"]) for r in rows] == [("allele_num", "p.Val10fs"),
                                                                   ("allele_num", "p.Val10del")]
    assert all(r["decision"] == "kept" for r in rows)
    assert out.genes[("S1", "GENEX")]["status"] == "compound_het"  # the 1/2 call
    assert out.mqc["records evaluated with entries matched by ALLELE_NUM (split after annotation)"] == "2"
    assert out.mqc["CSQ/ANN entries of other ALT alleles (split multi-allelic records), not used"] == "2"


@pytest.mark.skipif(BCFTOOLS is None, reason="bcftools not installed")
def test_without_the_split_tag_lost_annotation_is_counted_and_warned(tmp_path):
    split = _split_site(tmp_path, tag=False)
    out = run(tmp_path, split, regions=tmp_path / "regions.bed", whitelist=_empty_whitelist(tmp_path))
    lost = next(r for r in out.variants.values() if r["alt"] == "GT")
    assert (lost["decision"], lost["reasons"], lost["annotation_match"]) == \
        ("dropped", "not_annotated", "no_entry_for_alt")
    # the other half is matched only by its exact ALT: VEP's '-' could be either allele once trimmed
    other = next(r for r in out.variants.values() if r["alt"] == "G")
    assert other["annotation_match"] == "no_entry_for_alt"
    assert out.mqc["records evaluated with CSQ/ANN entries, none for the record's ALT (annotation lost)"] == "2"
    assert any("--old-rec-tag" in w for w in out.summary.warnings)


def _empty_whitelist(tmp: Path) -> Path:
    path = tmp / "empty_whitelist.tsv"
    path.write_text(WHITELIST_HEADER)
    return path


def test_old_rec_tag_values():
    header = CSQ_HEADER + ('\n##INFO=<ID=ORIG,Number=1,Type=String,Description="Original variant. Format: '
                           'CHR|POS|REF|ALT|USED_ALT_IDX">')
    layout = A.layout_from_header(header)
    assert layout.old_rec_tag == "ORIG"
    split = {"ORIG": "chr1|20|GT|GTT,G|2"}.get
    realigned = {"ORIG": "chr6_1_9|38010|TGC|TC"}.get  # bcftools writes no index for a record it only moved
    assert (A.original_alt_index(layout, split), A.old_record(layout, split)) == (2, "chr1|20|GT|GTT,G")
    assert (A.original_alt_index(layout, realigned), A.old_record(layout, realigned)) == (1, "chr6_1_9|38010|TGC|TC")
    assert (A.original_alt_index(layout, {}.get), A.old_record(layout, {}.get)) == (1, None)
    assert A.original_alt_index(A.layout_from_header(CSQ_HEADER), split) is None


def test_vep_allele_forms_still_match_records_split_before_annotation():
    layout = A.layout_from_header(CSQ_HEADER)
    entries = [vep_entry("T", allele_num="1").split("|")]
    matched, how = A._match_entries(layout, entries, "G", "GT", lambda key: None)
    assert how == "allele" and matched == entries


# =============================================================================================
# item 5: whitelist rows checked
# =============================================================================================


def strand_whitelist(tmp: Path, row: str) -> Path:
    path = tmp / "risk_factors.tsv"
    path.write_text(WHITELIST_HEADER + row + "\n")
    return path


def test_whitelist_row_on_the_transcript_strand_is_an_error(tmp_path):
    """Before: chr10:70600631 C>T (c.272C>T as on the transcript) was accepted silently and PRF1 A91V was
    dropped as common."""
    wl = strand_whitelist(tmp_path, "PRF1\tGRCh38\tchr10\t70600631\tC\tT\trs35947132\tNM_001083116.3\tc.272C>T\t"
                                    "p.Ala91Val\tPMID:12229880\trisk factor")
    with pytest.raises(UserInputError) as caught:
        run(tmp_path, EXAMPLE, sheet=cohort_sheet(tmp_path), whitelist=wl)
    message = str(caught.value)
    assert message.startswith(f"ERROR {wl}:2: ref/alt: the row says chr10:70600631:C:T")
    assert A91V in message and "forward-strand" in message
    assert not (tmp_path / "out" / "variants.tsv").exists()


def test_whitelist_row_found_by_hgvsp_at_another_position_is_an_error(tmp_path):
    wl = strand_whitelist(tmp_path, "PRF1\tGRCh38\tchr10\t70600632\tG\tA\tNA\tNA\tNA\tp.Ala91Val\tPMID:1\tx")
    with pytest.raises(UserInputError) as caught:
        run(tmp_path, EXAMPLE, sheet=cohort_sheet(tmp_path), whitelist=wl)
    assert "PRF1 p.Ala91Val" in str(caught.value) and str(caught.value).startswith(f"ERROR {wl}:2:")


@pytest.mark.parametrize("hgvsp", ["p.A91V", "NP_005032.2:p.A91V", "p.(Ala91Val)"])
def test_whitelist_row_on_the_transcript_strand_is_found_by_any_hgvsp_spelling(tmp_path, hgvsp):
    """A row without rsID, its HGVSp in one-letter codes or with its protein accession. Before: its
    label (p.A91V) never met the record's (p.Ala91Val), the cross-check was blind, the row matched
    nothing and A91V was dropped as common, silently."""
    wl = strand_whitelist(tmp_path, f"PRF1\tGRCh38\tchr10\t70600631\tC\tT\tNA\tNA\tc.272C>T\t{hgvsp}\tPMID:1\tx")
    with pytest.raises(UserInputError) as caught:
        run(tmp_path, EXAMPLE, sheet=cohort_sheet(tmp_path), whitelist=wl)
    assert str(caught.value).startswith(f"ERROR {wl}:2: ref/alt: the row says chr10:70600631:C:T, but its PRF1 "
                                        f"p.Ala91Val names the VCF record {A91V}")


def test_whitelist_rows_of_one_variant_in_both_namings_are_a_duplicate(tmp_path):
    """chr10 and 10 for the same variant: before, the second silently replaced the first under
    --harmonise-contigs (its evidence and reason shown instead of the first row's)."""
    wl = strand_whitelist(tmp_path, "PRF1\tGRCh38\tchr10\t70600631\tG\tA\tNA\tNA\tNA\tp.Ala91Val\tPMID:1\tx\n"
                                    "PRF1\tGRCh38\t10\t70600631\tG\tA\tNA\tNA\tNA\tp.Ala91Val\tPMID:2\ty")
    with pytest.raises(UserInputError) as caught:
        run(tmp_path, EXAMPLE, sheet=cohort_sheet(tmp_path), whitelist=wl, harmonise_contigs=True)
    assert str(caught.value).startswith(f"ERROR {wl}:3: pos: 10:70600631:G:A is listed twice (first at line 2 as "
                                        f"{A91V})")


def test_a_whitelist_row_matching_no_record_is_reported_not_seen(tmp_path, capsys):
    """A row no record matches (nobody carries it, or written otherwise than the VCF) rescued nothing.
    Before: nothing said so."""
    wl = strand_whitelist(tmp_path, "PRF1\tGRCh38\tchr10\t70600631\tG\tA\trs35947132\tNA\tNA\tp.Ala91Val\tPMID:1\tx\n"
                                    "PRF1\tGRCh38\tchr10\t70598700\tG\tT\tNA\tNA\tNA\tNA\tPMID:2\ty")
    out = run(tmp_path, EXAMPLE, sheet=cohort_sheet(tmp_path), whitelist=wl)
    assert out.variants[A91V]["rescued_by"] == "risk_factor_whitelist"
    assert out.summary.whitelist_unseen == ["chr10:70598700:G:T (PRF1, line 3)"]
    warning = next(w for w in out.summary.warnings if "whitelist" in w)
    assert "1 of the 2 risk-factor whitelist entries in the panel match no record of the VCF (not seen): " \
        "chr10:70598700:G:T (PRF1, line 3)" in warning and "rescued nothing" in warning
    assert out.mqc["risk-factor whitelist entries in the panel"] == "2"
    assert out.mqc["of those, matching no record of the VCF (not seen)"] == "1"


def test_a_whitelist_row_outside_the_panel_is_not_counted_as_unseen(tmp_path):
    """A row outside the panel regions is warned as such at the start (it can never be kept); records
    there are not screened, so it is neither an entry 'in the panel' nor 'not seen'. Before: counted in
    the panel and listed as matching no record of the VCF, although the VCF has chr17:75840205 G>A."""
    wl = strand_whitelist(tmp_path, "PRF1\tGRCh38\tchr10\t70600631\tG\tA\trs35947132\tNA\tNA\tp.Ala91Val\tPMID:1\tx\n"
                                    "UNC13D\tGRCh38\tchr17\t75840205\tG\tA\tNA\tNA\tNA\tNA\tPMID:2\ty")
    out = run(tmp_path, EXAMPLE, sheet=cohort_sheet(tmp_path), whitelist=wl)
    assert "chr17:75840205:G:A lies outside the panel regions" in "\n".join(out.summary.warnings)
    assert out.summary.whitelist_unseen == []
    assert not any("not seen" in w for w in out.summary.warnings)
    assert out.mqc["risk-factor whitelist entries in the panel"] == "1"
    assert out.mqc["of those, matching no record of the VCF (not seen)"] == "0"


def test_whitelist_row_matches_its_variant_written_with_other_padding(tmp_path):
    """A FreeBayes VCF split by hand as the screen's own message says (`bcftools norm -m -any`, no -f: nothing is
    trimmed) keeps PRF1 A91V inside a haplotype allele's padding, CGC>CAC at 70600630. Before: the row G>A at
    70600631 matched no record, and its rsID stopped the screen telling to 'correct the row' (which was right);
    without rsID/HGVSp the risk factor was dropped as common. The row's variant is compared trimmed of the bases
    REF and ALT share, as duplicate records are."""
    entry = vep_entry("CAC", hgvsp="ENSP00000398568.2:p.Ala91Val") + "0.0354"
    vcf = write_vcf(tmp_path / "padded.vcf", [vcf_row(70600630, "CGC", "CAC", "CSQ=" + entry, ["0/1:30:99", "0/0:30:99"])])
    vcf.write_text(vcf.read_text().replace("\t.\tCGC", "\trs35947132\tCGC"))
    row = run(tmp_path, vcf).variants["chr10:70600630:CGC:CAC"]
    assert (row["decision"], row["whitelisted"], row["rescued_by"]) == ("kept", "yes", "risk_factor_whitelist")
    assert row["whitelist_rsid"] == "rs35947132"


def test_whitelist_rsid_of_another_allele_at_the_site_is_fine(tmp_path):
    # dbSNP gives one rsID to every allele at a site: a G>T row with A91V's rsID is not a mistake
    wl = strand_whitelist(tmp_path, "PRF1\tGRCh38\tchr10\t70600631\tG\tT\trs35947132\tNA\tNA\tNA\tPMID:1\tx")
    out = run(tmp_path, EXAMPLE, sheet=cohort_sheet(tmp_path), whitelist=wl)
    assert out.variants[A91V]["reasons"] == "common_not_risk_factor"


def chr1_fasta(tmp_path: Path, sequence: str) -> Path:
    """A one-contig (chr1) FASTA with its .fai."""
    fasta = tmp_path / "ref.fa"
    fasta.write_text(f">chr1\n{sequence}\n")
    subprocess.run(["samtools", "faidx", str(fasta)], check=True)
    return fasta


def test_whitelist_ref_is_checked_against_the_reference(tmp_path):
    fasta = chr1_fasta(tmp_path, "ACGTACGTAC")
    good = strand_whitelist(tmp_path, "G1\tGRCh38\tchr1\t3\tG\tA\trs1\tNA\tNA\tNA\tPMID:1\tx")
    assert list(R.validate_risk_factors(good, fasta=fasta)) == [("chr1", 3, "G", "A")]
    reverse = strand_whitelist(tmp_path, "G1\tGRCh38\tchr1\t3\tC\tT\trs1\tNA\tNA\tNA\tPMID:1\tx")
    with pytest.raises(UserInputError) as caught:
        R.validate_risk_factors(reverse, fasta=fasta)
    assert str(caught.value).startswith(f"ERROR {reverse}:2: ref: chr1:3:C:T: REF C does not match the reference "
                                        "base(s) G at chr1:3 (the reverse complement")
    other = strand_whitelist(tmp_path, "G1\tGRCh38\tchr2\t3\tG\tA\trs1\tNA\tNA\tNA\tPMID:1\tx")
    with pytest.raises(UserInputError, match="contig chr2 is not in the reference FASTA"):
        R.validate_risk_factors(other, fasta=fasta)


def test_a_whitelist_row_at_a_reference_n_is_a_warning_given_to_the_caller(tmp_path, capsys):
    """SCREEN keeps the warning for its summary and warnings file, the start-up check prints it: both through
    validate_risk_factors (SCREEN had its own copy of the reference check loop)."""
    fasta = chr1_fasta(tmp_path, "ACNTACGTAC")
    at_n = strand_whitelist(tmp_path, "G1\tGRCh38\tchr1\t3\tG\tA\trs1\tNA\tNA\tNA\tPMID:1\tx")
    seen: List[str] = []
    assert list(R.validate_risk_factors(at_n, fasta=fasta, warn=seen.append)) == [("chr1", 3, "G", "A")]
    assert len(seen) == 1 and seen[0].startswith(f"WARNING {at_n}:2: chr1:3:G:A: the reference has N")
    assert capsys.readouterr().err == ""
    R.validate_risk_factors(at_n, fasta=fasta)
    assert capsys.readouterr().err == seen[0] + "\n"


@pytest.mark.parametrize("compressed", [False, True])
def test_reference_reader_agrees_with_htslib(tmp_path, compressed):
    """The start-up check reads a plain FASTA through its .fai without pysam; bgzipped needs pysam."""
    import random

    import pysam

    rng = random.Random(7)
    sequences = {"chr1": "".join(rng.choice("ACGTNacgt") for _ in range(1000)), "10": "ACGT" * 30}
    fasta = tmp_path / "ref.fa"
    with open(fasta, "w") as out:
        for name, seq in sequences.items():
            out.write(f">{name} a description\n" + "".join(seq[i:i + 61] + "\n" for i in range(0, len(seq), 61)))
    if compressed:
        subprocess.run(["bgzip", "-f", str(fasta)], check=True)
        fasta = tmp_path / "ref.fa.gz"
    subprocess.run(["samtools", "faidx", str(fasta)], check=True)
    genome, htslib = R.ReferenceGenome(fasta), pysam.FastaFile(str(fasta))
    for _ in range(500):
        name = rng.choice(list(sequences))
        pos, length = rng.randint(1, len(sequences[name]) + 3), rng.randint(1, 130)
        assert genome.bases(name, pos, length) == htslib.fetch(name, pos - 1, pos - 1 + length).upper()
    assert genome.bases("chr10", 1, 4) == "ACGT" and genome.bases("chr2", 1, 1) is None
    genome.close()


def test_whitelist_at_reference_n_is_warned_not_checked(tmp_path, capsys):
    fasta = tmp_path / "ref.fa"
    fasta.write_text(">chr1\nACNNNCGTAC\n")
    subprocess.run(["samtools", "faidx", str(fasta)], check=True)
    wl = strand_whitelist(tmp_path, "G1\tGRCh38\tchr1\t4\tG\tA\trs1\tNA\tNA\tNA\tPMID:1\tx")
    R.validate_risk_factors(wl, fasta=fasta)
    assert "could not be checked" in capsys.readouterr().err


def test_screen_checks_the_whitelist_against_the_fasta(tmp_path):
    fasta = tmp_path / "genome.fa"
    fasta.write_text(">chr1\nACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTACGTAC\n")
    subprocess.run(["samtools", "faidx", str(fasta)], check=True)
    bed = tmp_path / "regions.bed"
    bed.write_text("chr1\t0\t50\tGENEX|exon1\n")
    vcf = write_vcf(tmp_path / "one.vcf", [vcf_row(3, "G", "A", "CSQ=" + vep_entry("A", gene="GENEX").replace(
        "|YES|1|", "|YES|1|0.02"), ["0/1:30:99", "0/0:30:99"], chrom="chr1")], contigs=(("chr1", 50),))
    good = strand_whitelist(tmp_path, "GENEX\tGRCh38\tchr1\t3\tG\tA\trs1\tNA\tNA\tNA\tPMID:1\tx")
    out = run(tmp_path, vcf, regions=bed, whitelist=good, fasta=fasta)
    assert (out.variants["chr1:3:G:A"]["rescued_by"], out.variants["chr1:3:G:A"]["af_used"]) == \
        ("risk_factor_whitelist", "0.02")
    reverse = strand_whitelist(tmp_path, "GENEX\tGRCh38\tchr1\t3\tC\tT\trs1\tNA\tNA\tNA\tPMID:1\tx")
    with pytest.raises(UserInputError, match="REF C does not match the reference base"):
        run(tmp_path, vcf, regions=bed, whitelist=reverse, fasta=fasta, name="o2")


# =============================================================================================
# item 6: duplicates; issue 11 item 5: FORMAT without GT
# =============================================================================================


def test_duplicate_records_are_refused(tmp_path):
    """Before: the same het twice looked like a compound het and crashed COHORT_STATS."""
    lines = EXAMPLE.read_text().splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.startswith("chr10\t70598599\t"))
    path = tmp_path / "dup.vcf"
    path.write_text("".join(lines[:first + 1] + [lines[first]] + lines[first + 1:]))
    with pytest.raises(UserInputError) as caught:
        run(tmp_path, path, sheet=cohort_sheet(tmp_path))
    message = str(caught.value)
    assert message.startswith(f"ERROR {path}:{first + 2}: POS: chr10:70598599 C>T appears twice (first on line "
                              f"{first + 1})")
    assert "bcftools norm -d exact" in message


def test_same_alleles_at_neighbouring_positions_are_not_duplicates(tmp_path):
    vcf = write_vcf(tmp_path / "near.vcf", [
        vcf_row(70598100, "C", "A", "CSQ=" + vep_entry("A"), ["0/1:30:99", "0/0:30:99"]),
        vcf_row(70598101, "C", ".", ".", ["0/0:30:99", "0/0:30:99"]),
        vcf_row(70598101, "C", "A", "CSQ=" + vep_entry("A"), ["0/1:30:99", "0/0:30:99"]),
        vcf_row(70598101, "C", "T", "CSQ=" + vep_entry("T"), ["0/0:30:99", "0/1:30:99"]),
    ])
    assert len(run(tmp_path, vcf).variants) == 3


def test_vcf_without_genotypes_is_refused(tmp_path):
    """Before: accepted, and every sample became no_call."""
    no_gt = write_vcf(tmp_path / "nogt.vcf", [vcf_row(70598100, "C", "A", "CSQ=" + vep_entry("A"), ["30:99", "30:99"],
                                                      fmt="DP:GQ")], formats=("DP", "GQ"))
    with pytest.raises(UserInputError, match=r"FORMAT: the VCF header declares no FORMAT/GT"):
        run(tmp_path, no_gt)
    record = write_vcf(tmp_path / "recgt.vcf", [vcf_row(70598100, "C", "A", "CSQ=" + vep_entry("A"),
                                                        ["30:99", "30:99"], fmt="DP:GQ")])
    with pytest.raises(UserInputError) as caught:
        run(tmp_path, record, name="o2")
    assert str(caught.value).startswith(f"ERROR {record}:8: FORMAT: chr10:70598100:C:A: the record's FORMAT (DP:GQ) "
                                        "has no GT")


# =============================================================================================
# validators for the pipeline's start-up check
# =============================================================================================


def test_start_up_validators_need_no_vcf(tmp_path):
    config = S.check_screen_settings(impacts="high,MODERATE", consequences="none", af_fields="csq_gnomade")
    assert config.impacts == frozenset({"HIGH", "MODERATE"})
    with pytest.raises(UserInputError, match="--impacts: unknown impact"):
        S.check_screen_settings(impacts="SEVERE")
    with pytest.raises(UserInputError, match="--consequences: unknown consequence"):
        S.check_screen_settings(consequences="splice_thing")
    with pytest.raises(UserInputError, match="nothing could be kept"):
        S.check_screen_settings(impacts="none", consequences="none")
    assert len(S.load_panel_regions(REGIONS)) > 0
    assert R.validate_risk_factors(WHITELIST)


def test_cli_writes_warnings_file(tmp_path):
    warnings = tmp_path / "warnings.txt"
    done = subprocess.run([sys.executable, str(REPO / "bin" / "screen_variants.py"), "--vcf",
                           str(FIXTURES / "vep110_frequencies.vcf"), "--regions", str(REGIONS), "--risk-factors",
                           str(WHITELIST), "--samplesheet", str(two_samples(tmp_path)), "--outdir",
                           str(tmp_path / "out"), "--af-fields", "csq_gnomade", "--warnings-file", str(warnings)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lines = warnings.read_text().splitlines()
    assert lines and all(line.startswith("WARNING ") for line in lines)
    assert any("CSQ/AF looks like an allele frequency" in line for line in lines)


# item 6 in the pipeline (BCFTOOLS_NORM removes and merges duplicates): tests/test_atomise.py
