"""'not looked up' (the gnomAD file has no record on the chromosome) vs an annotation that carried its own gnomAD.

Session 14: a variant without a frequency on a chromosome the --gnomad_vcf file has no record on was
``af_status=not_looked_up`` whatever the annotation, although VEP with its cache (``--af_gnomade``,
``--af_gnomadg``, ``--max_af``) or the REST client had looked it up in gnomAD there: absent from that gnomAD,
it is ``novel``. The VCF header decides, per file (hlhscreen.field_origin, frequency_check.annotation_gnomad_fields).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Dict, Sequence

import pytest

from conftest import BIN
from hlhscreen import vep_rest
from hlhscreen.annotation import layout_from_header, read_layout
from hlhscreen.field_origin import REST_GNOMAD, annotator_gnomad, copied_fields
from hlhscreen.frequency_check import annotation_gnomad_fields

REPO = Path(__file__).resolve().parents[1]
SCREEN_FIXTURES = REPO / "tests" / "fixtures" / "screen"
MANE = REPO / "panels" / "hlh" / "genes.tsv"

STX11_FS = "chr6:144187026:TG:T"     # STX11 frameshift, no frequency: chr6 is where the gnomAD file has no record
PRF1_NOVEL = "chr10:70598300:A:G"    # PRF1 missense, no frequency, on a chromosome the gnomAD file covers
PRF1_A91V = "chr10:70600631:G:A"     # PRF1 p.Ala91Val, gnomAD AF 0.0354

CORE = ("Allele", "Consequence", "IMPACT", "SYMBOL", "Gene", "Feature_type", "Feature", "BIOTYPE", "EXON", "INTRON",
        "HGVSc", "HGVSp", "cDNA_position", "CDS_position", "Protein_position", "Amino_acids", "Codons",
        "Existing_variation", "ALLELE_NUM", "DISTANCE", "STRAND", "FLAGS", "SYMBOL_SOURCE", "HGNC_ID", "CANONICAL",
        "MANE_SELECT")
RECORDS = (
    ("chr6", 144187026, "TG", "T", dict(
        Allele="-", Consequence="frameshift_variant", IMPACT="HIGH", SYMBOL="STX11", Gene="ENSG00000135604",
        Feature_type="Transcript", Feature="ENST00000367568.5", BIOTYPE="protein_coding", EXON="2/2",
        HGVSc="ENST00000367568.5:c.401del", HGVSp="ENSP00000356540.4:p.Ala134GlnfsTer7", ALLELE_NUM="1",
        STRAND="1", SYMBOL_SOURCE="HGNC", HGNC_ID="HGNC:11429", CANONICAL="YES", MANE_SELECT="NM_003764.4")),
    ("chr10", 70598300, "A", "G", dict(
        Allele="G", Consequence="missense_variant", IMPACT="MODERATE", SYMBOL="PRF1", Gene="ENSG00000180644",
        Feature_type="Transcript", Feature="ENST00000441259.2", BIOTYPE="protein_coding", EXON="3/3",
        HGVSc="ENST00000441259.2:c.1022T>C", HGVSp="ENSP00000398568.1:p.Val341Ala", ALLELE_NUM="1", STRAND="-1",
        SYMBOL_SOURCE="HGNC", HGNC_ID="HGNC:9360", CANONICAL="YES", MANE_SELECT="NM_001083116.3")),
    ("chr10", 70600631, "G", "A", dict(
        Allele="A", Consequence="missense_variant", IMPACT="MODERATE", SYMBOL="PRF1", Gene="ENSG00000180644",
        Feature_type="Transcript", Feature="ENST00000441259.2", BIOTYPE="protein_coding", EXON="2/3",
        HGVSc="ENST00000441259.2:c.272C>T", HGVSp="ENSP00000398568.1:p.Ala91Val", ALLELE_NUM="1", STRAND="-1",
        SYMBOL_SOURCE="HGNC", HGNC_ID="HGNC:9360", CANONICAL="YES", MANE_SELECT="NM_001083116.3",
        gnomADe_AF="0.0354", gnomAD_AF="0.0354", MAX_AF="0.041")),
)
CUSTOM = "file=gnomad.vcf.gz,short_name=gnomAD,format=vcf,type=exact,coords=0,fields=AF"
# VEP's --custom header lines (newer releases write them as INFO lines; older ones as ##gnomAD_AF=...)
CUSTOM_HEADER = ('##INFO=<ID=gnomAD,Number=.,Type=String,Description="gnomad.vcf.gz (exact)">',
                 '##INFO=<ID=gnomAD_AF,Number=.,Type=String,Description="AF field from gnomad.vcf.gz">')


VEP_113_LINE = ('##VEP="v113" time="2025-01-20 10:00:00" cache="/opt/vep/.vep/homo_sapiens/113_GRCh38" '
                'ensembl=113.1 gnomADe="v4.1" gnomADg="v4.1"')


def vep_vcf(path: Path, options: str, frequency_fields: Sequence[str], extra_header: Sequence[str] = (),
            vep_line: str = VEP_113_LINE) -> Path:
    """A VEP 113 --vcf output of the three records: ``options`` in ##VEP-command-line, the CSQ Format list
    the core fields plus ``frequency_fields`` (what VEP declares for those options); ``vep_line``: the ##VEP=
    line (the cache's data sources)."""
    fields = CORE + tuple(frequency_fields)
    lines = ["##fileformat=VCFv4.2", "##contig=<ID=chr6,length=170805979>", "##contig=<ID=chr10,length=133797422>",
             '##INFO=<ID=DP,Number=1,Type=Integer,Description="Total read depth at the locus">',
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read Depth">',
             '##FORMAT=<ID=GQ,Number=1,Type=Float,Description="Genotype Quality">',
             vep_line,
             '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: '
             + "|".join(fields) + '">', *extra_header,
             f"##VEP-command-line='vep --input_file cohort.vcf.gz --output_file cohort.vep.vcf.gz --format vcf "
             f"--vcf {options} --hgvs --symbol --canonical --numbers --biotype --allele_number'",
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2"]
    for chrom, pos, ref, alt, values in RECORDS:
        entry = "|".join(values.get(name, "") for name in fields)
        lines.append(f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t500\tPASS\tDP=60;CSQ={entry}\tGT:DP:GQ\t0/1:33:99\t0/0:30:99")
    path.write_text("\n".join(lines) + "\n")
    return path


def run_screen(tmp: Path, vcf: Path, facts: Dict[str, object], name: str, *args: str) -> subprocess.CompletedProcess:
    """bin/screen_variants.py on ``vcf`` with ``facts`` as ANNOTATION_SUMMARY's frequency_check.json."""
    check = tmp / f"{name}.json"
    check.write_text(json.dumps(facts))
    sheet = tmp / "samples.csv"
    sheet.write_text("sample,group\nS1,case\nS2,control\n")
    return subprocess.run([sys.executable, str(BIN / "screen_variants.py"), "--vcf", str(vcf),
                           "--regions", str(SCREEN_FIXTURES / "regions.bed"),
                           "--risk-factors", str(SCREEN_FIXTURES / "risk_factors.tsv"), "--samplesheet", str(sheet),
                           "--mane-transcripts", str(MANE), "--outdir", str(tmp / name), "--frequency-check", str(check),
                           *args], capture_output=True, text=True)


def screen(tmp: Path, vcf: Path, facts: Dict[str, object], name: str, *args: str) -> Dict[str, Dict[str, str]]:
    """variants.tsv of :func:`run_screen`, by variant id."""
    done = run_screen(tmp, vcf, facts, name, *args)
    assert done.returncode == 0, done.stderr
    with open(tmp / name / "variants.tsv", newline="") as handle:
        return {row["variant_id"]: row for row in csv.DictReader(handle, delimiter="\t")}


CHR6_LACKING = {"gnomad_file": "gnomad.vcf.gz", "contigs_not_covered": {"chr6": 1}}


def test_vep_cache_gnomad_fields_empty_on_an_uncovered_chromosome_mean_novel(tmp_path):
    """VEP with its cache (--af_gnomade) and the pipeline's --custom gnomAD file: the cache's gnomAD was consulted
    on chr6 although the --custom file has no record there, and has no frequency for the frameshift: novel."""
    cache = vep_vcf(tmp_path / "cache.vcf", f"--offline --cache --check_existing --af_gnomade --custom {CUSTOM}",
                    ("gnomADe_AF", "gnomAD", "gnomAD_AF"), CUSTOM_HEADER)
    rows = screen(tmp_path, cache, CHR6_LACKING, "cache")
    assert (rows[STX11_FS]["af_status"], rows[STX11_FS]["decision"]) == ("novel", "kept")
    assert "af_novel" in rows[STX11_FS]["reasons"].split(";")
    assert rows[PRF1_NOVEL]["af_status"] == "novel"
    assert (rows[PRF1_A91V]["af_status"], rows[PRF1_A91V]["af_field"]) == ("observed", "CSQ/gnomAD_AF")


def test_only_the_gnomad_files_own_fields_mean_not_looked_up(tmp_path):
    """VEP with the panel GTF (no cache): its only gnomAD fields are the --custom copy of the very gnomAD file that
    has no record on chr6, so the frameshift was looked up nowhere: not_looked_up, as before; kept all the same."""
    gtf = vep_vcf(tmp_path / "gtf.vcf", f"--gtf genes.gtf.gz --custom {CUSTOM}", ("gnomAD", "gnomAD_AF"),
                  CUSTOM_HEADER)
    rows = screen(tmp_path, gtf, CHR6_LACKING, "gtf")
    assert (rows[STX11_FS]["af_status"], rows[STX11_FS]["decision"]) == ("not_looked_up", "kept")
    assert "af_not_looked_up" in rows[STX11_FS]["reasons"].split(";")
    assert rows[PRF1_NOVEL]["af_status"] == "novel"
    # the same --custom fields copied from ANOTHER gnomAD file than the one lacking chr6: looked up there
    other = dict(CHR6_LACKING, gnomad_file="gnomad.chr10.vcf.gz")
    assert screen(tmp_path, gtf, other, "other")[STX11_FS]["af_status"] == "novel"


def test_max_af_alone_is_a_gnomad_lookup(tmp_path):
    """--max_af: the highest AF of VEP's 1000 Genomes, ESP and gnomAD groups (its gnomAD included)."""
    vcf = vep_vcf(tmp_path / "max.vcf", f"--offline --cache --max_af --custom {CUSTOM}", ("MAX_AF", "gnomAD",
                                                                                          "gnomAD_AF"), CUSTOM_HEADER)
    assert screen(tmp_path, vcf, CHR6_LACKING, "max")[STX11_FS]["af_status"] == "novel"


# ---------------------------------------------------------------------------------------------------------------
# which fields the header says were copied from a file, and which gnomAD the annotator had of its own
# ---------------------------------------------------------------------------------------------------------------

def _layout(header: str, af_fields=None):
    return layout_from_header(header, af_fields=af_fields)


SNPEFF_ANN = ('##INFO=<ID=ANN,Number=.,Type=String,Description="Functional annotations: \'Allele | Annotation | '
              "Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | Transcript_BioType | Rank | "
              "HGVS.c | HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length | AA.pos / AA.length | Distance | "
              "ERRORS / WARNINGS / INFO' \">")
GNOMAD_INFO = '##INFO=<ID=gnomAD_AF,Number=A,Type=Float,Description="Alternate allele frequency in samples">'


def offline_header(annotations: str) -> str:
    """The pipeline's offline path: snpEff, then GNOMAD_ANNOTATE's bcftools annotate (its command line kept)."""
    return "\n".join(["##fileformat=VCFv4.2", SNPEFF_ANN, GNOMAD_INFO,
                      f"##bcftools_annotateVersion=1.20+htslib-1.20",
                      f"##bcftools_annotateCommand=annotate --annotations {annotations} --columns "
                      "ID,INFO/gnomAD_AF:=INFO/AF --pair-logic exact -Oz -o cohort.annotated.vcf.gz input.vcf.gz; "
                      "Date=Thu Dec  3 04:00:00 2026", "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]) + "\n"


def test_bcftools_annotate_from_the_gnomad_file_itself_is_not_a_lookup_elsewhere():
    layout = _layout(offline_header("gnomad.vcf.gz"))
    assert copied_fields(offline_header("gnomad.vcf.gz")) == {"INFO/gnomAD_AF": ("gnomad.vcf.gz",)}
    assert annotation_gnomad_fields(layout, "gnomad.vcf.gz") == ()
    # copied from another file (a folder in the path is not part of the name compared)
    assert annotation_gnomad_fields(_layout(offline_header("/data/gnomad.exomes.v4.1.vcf.bgz")),
                                    "gnomad.vcf.gz") == ("INFO/gnomAD_AF",)
    # no command line (bcftools --no-version, SnpSift): the file is unknown, it may be the gnomAD file itself
    plain = "\n".join(["##fileformat=VCFv4.2", SNPEFF_ANN, GNOMAD_INFO, "#CHROM"]) + "\n"
    assert annotation_gnomad_fields(_layout(plain), "gnomad.vcf.gz") == ()


@pytest.mark.parametrize("lines, expected", [
    # VEP's INFO-line form, its older ##<field>= form, and the command line alone (key=value and positional)
    (CUSTOM_HEADER, {"CSQ/gnomAD_AF": ("gnomad.vcf.gz",)}),
    (("##gnomAD2.1_AF_popmax=AF_popmax field from /ref/gnomad.genomes.r2.1.1.vcf.bgz",),
     {"CSQ/gnomAD2.1_AF_popmax": ("gnomad.genomes.r2.1.1.vcf.bgz",)}),
    (("##VEP-command-line='vep --custom file=/x/g.vcf.gz,short_name=gnomAD,format=vcf,fields=AF%AF_grpmax'",),
     {"CSQ/gnomAD_AF": ("g.vcf.gz",), "CSQ/gnomAD_AF_grpmax": ("g.vcf.gz",)}),
    (("##VEP-command-line='vep --custom g.vcf.gz,gnomADx,vcf,exact,0,AF'",), {"CSQ/gnomADx_AF": ("g.vcf.gz",)}),
    # bcftools +split-vep's descriptions are not VEP --custom ones
    (('##INFO=<ID=SYMBOL,Number=.,Type=String,Description="The SYMBOL field from INFO/CSQ">',), {}),
])
def test_copied_fields_as_the_header_declares_them(lines, expected):
    assert copied_fields("\n".join(lines) + "\n") == expected


def test_the_rest_clients_gnomad_is_its_own():
    """bin/vep_rest.py writes gnomAD_*/gnomADe_*/gnomADg_* from Ensembl's answers: gnomAD was consulted for every
    variant."""
    header = "\n".join(["##fileformat=VCFv4.2", '##INFO=<ID=CSQ,Number=.,Type=String,Description="'
                        + vep_rest.csq_header_description("https://rest.ensembl.org") + '">', "#CHROM"]) + "\n"
    own = annotation_gnomad_fields(_layout(header), "gnomad.vcf.gz")
    assert {"CSQ/gnomAD_AF", "CSQ/gnomADe_AF", "CSQ/gnomADg_AF"} <= set(own)  # gnomAD_*: releases 94-106
    # --af-fields decides which fields count: with none of the REST client's gnomAD fields read, nothing does
    assert annotation_gnomad_fields(_layout(header, af_fields="csq_1000g"), "gnomad.vcf.gz") == ()


# ---------------------------------------------------------------------------------------------------------------
# review_j: headers where the field's origin is not (only) another named file: not looked up elsewhere
# ---------------------------------------------------------------------------------------------------------------

def annotate_line(annotations: str, columns: str) -> str:
    """One ``bcftools annotate`` run's command line as bcftools 1.10-1.21 write it."""
    return (f"##bcftools_annotateCommand=annotate -a {annotations} -c {columns} -Oz -o out.vcf.gz in.vcf.gz; "
            "Date=Thu Dec  3 04:00:00 2026")


def info_header(*lines: str) -> str:
    return "\n".join(["##fileformat=VCFv4.2", SNPEFF_ANN, GNOMAD_INFO, "##bcftools_annotateVersion=1.20+htslib-1.20",
                      *lines, "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]) + "\n"


@pytest.mark.parametrize("lines", [
    # gnomAD_AF copied without a command line (--no-version, vcfanno), then all INFO of ClinVar: ClinVar has no
    # gnomAD_AF, and '-c INFO' does not say which fields it wrote
    (annotate_line("/refs/clinvar.vcf.gz", "INFO"),),
    # copied from the gnomAD file, then again from another file (both left their command line): the value may
    # be the gnomAD file's
    (annotate_line("gnomad.vcf.gz", "INFO/gnomAD_AF:=INFO/AF"), annotate_line("other.vcf.gz", "INFO/gnomAD_AF")),
    (annotate_line("other.vcf.gz", "INFO/gnomAD_AF"), annotate_line("gnomad.vcf.gz", "INFO/gnomAD_AF:=INFO/AF")),
    # copied from another file, then every INFO field of the gnomAD file
    (annotate_line("other.vcf.gz", "INFO/gnomAD_AF"), annotate_line("gnomad.vcf.gz", "INFO")),
    # '^INFO/gnomAD_AF': every INFO field of other.vcf.gz except gnomAD_AF
    (annotate_line("other.vcf.gz", "INFO,^INFO/gnomAD_AF"),),
])
def test_info_fields_that_may_not_come_from_another_file_are_not_looked_up_elsewhere(lines):
    assert annotation_gnomad_fields(_layout(info_header(*lines)), "gnomad.vcf.gz") == ()


def test_info_field_copied_only_from_another_file_is_looked_up_there():
    header = info_header(annotate_line("other.vcf.gz", "INFO/gnomAD_AF"), annotate_line("clinvar.vcf.gz", "INFO"))
    assert annotation_gnomad_fields(_layout(header), "gnomad.vcf.gz") == ("INFO/gnomAD_AF",)


def test_vep_run_twice_keeps_both_custom_origins(tmp_path):
    """VEP keeps the input's INFO lines (it drops only ##VEP* and CSQ's): a VCF annotated again with the gnomAD
    file as --custom still declares the first run's file for gnomAD_AF too."""
    old = '##INFO=<ID=gnomAD_AF,Number=.,Type=String,Description="AF field from /data/other.vcf.gz">'
    vcf = vep_vcf(tmp_path / "twice.vcf", f"--gtf genes.gtf.gz --custom {CUSTOM}", ("gnomAD", "gnomAD_AF"),
                  (old,) + CUSTOM_HEADER)
    assert set(copied_fields(vcf.read_text())["CSQ/gnomAD_AF"]) == {"other.vcf.gz", "gnomad.vcf.gz"}
    assert annotation_gnomad_fields(read_layout(vcf), "gnomad.vcf.gz") == ()


DBNSFP_HEADER = ("##gnomAD_exomes_AF=gnomAD_exomes_AF from dbNSFP file",)


def test_a_vep_plugins_gnomad_field_is_not_a_lookup(tmp_path):
    """dbNSFP's gnomAD_exomes_AF (VEP --plugin dbNSFP) is filled for missense SNVs only: empty for the frameshift
    on chr6, which nothing looked up there (the --custom gnomAD file has no record on chr6): not_looked_up."""
    gtf = vep_vcf(tmp_path / "dbnsfp.vcf", f"--gtf genes.gtf.gz --custom {CUSTOM} --plugin dbNSFP,dbNSFP4.3a.gz,"
                  "gnomAD_exomes_AF", ("gnomAD", "gnomAD_AF", "gnomAD_exomes_AF"), CUSTOM_HEADER + DBNSFP_HEADER)
    assert screen(tmp_path, gtf, CHR6_LACKING, "dbnsfp")[STX11_FS]["af_status"] == "not_looked_up"
    assert copied_fields(gtf.read_text())["CSQ/gnomAD_exomes_AF"] == ("",)
    # a field of that name the header does not declare is no VEP cache field either
    bare = vep_vcf(tmp_path / "bare.vcf", "--gtf genes.gtf.gz", ("gnomAD_exomes_AF",))
    assert annotation_gnomad_fields(read_layout(bare), "gnomad.vcf.gz") == ()


# ---------------------------------------------------------------------------------------------------------------
# ANNOTATION_SUMMARY and SCREEN read the run's one --af_fields
# ---------------------------------------------------------------------------------------------------------------

GNOMAD_FILE = REPO / "assets/test_cohort/gnomad/gnomad_sites.derived.vcf.gz"   # no record on chr6


def checked(tmp: Path, vcf: Path, name: str, *args: str) -> Dict[str, object]:
    """frequency_check.json of bin/annotation_summary.py on ``vcf`` against the test gnomAD file."""
    done = subprocess.run([sys.executable, str(BIN / "annotation_summary.py"), str(vcf), "--annotator", "vep",
                           "--gnomad", str(GNOMAD_FILE), "--out", str(tmp / f"{name}.a.tsv"),
                           "--frequency-check", str(tmp / f"{name}.f.tsv"), "--frequency-json", str(tmp / f"{name}.json"),
                           *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads((tmp / f"{name}.json").read_text())


def cache_and_custom(tmp: Path) -> Path:
    """VEP with its cache (gnomADe_AF) and the --custom copy of the test gnomAD file (gnomAD_AF)."""
    custom = CUSTOM.replace("gnomad.vcf.gz", GNOMAD_FILE.name)
    header = tuple(line.replace("gnomad.vcf.gz", GNOMAD_FILE.name) for line in CUSTOM_HEADER)
    return vep_vcf(tmp / "both.vcf", f"--offline --cache --check_existing --af_gnomade --custom {custom}",
                   ("gnomADe_AF", "gnomAD", "gnomAD_AF"), header)


def test_the_check_and_the_screen_agree_on_not_looked_up_with_the_runs_af_fields(tmp_path):
    """--af_fields csq_gnomad (the gnomAD file's --custom copy only) beside the cache's gnomADe_AF: the check read
    the default list and wrote annotation_gnomad_fields [CSQ/gnomADe_AF] (the run log and report: the STX11
    frameshift on chr6 was looked up in the cache's gnomAD, novel), while SCREEN, reading csq_gnomad, said
    not_looked_up. Now both read csq_gnomad: [] and not_looked_up; with the default list both say novel."""
    vcf = cache_and_custom(tmp_path)
    facts = checked(tmp_path, vcf, "custom", "--af-fields", "csq_gnomad")
    assert (facts["annotation_gnomad_fields"], facts["af_fields"]) == ([], "csq_gnomad")
    rows = screen(tmp_path, vcf, facts, "custom", "--af-fields", "csq_gnomad")
    assert rows[STX11_FS]["af_status"] == "not_looked_up"
    assert (rows[PRF1_A91V]["af_status"], rows[PRF1_A91V]["af_field"]) == ("observed", "CSQ/gnomAD_AF")
    default = checked(tmp_path, vcf, "default")
    assert default["annotation_gnomad_fields"] == ["CSQ/gnomADe_AF"]
    assert screen(tmp_path, vcf, default, "default")[STX11_FS]["af_status"] == "novel"


def test_the_screen_refuses_a_check_made_with_other_fields(tmp_path):
    """A frequency_check.json the check wrote with the default list, given to a screen reading csq_gnomad (steps
    given different settings, a check reused by hand): its verdict was about other fields. Refused, nothing
    written; a check that does not say which fields it read (older, hand-made) is taken as before."""
    vcf = cache_and_custom(tmp_path)
    facts = checked(tmp_path, vcf, "default")
    done = run_screen(tmp_path, vcf, facts, "mixed", "--af-fields", " csq_gnomad ")
    assert done.returncode == 2
    assert ("af_fields: the frequency check read --af-fields info_gnomad,csq_gnomad,csq_gnomade" in done.stderr
            and "the screen reads csq_gnomad: they would judge different frequency fields" in done.stderr)
    assert not (tmp_path / "mixed" / "variants.tsv").exists()
    # the same fields spelled with spaces are the same setting
    same = checked(tmp_path, vcf, "spaced", "--af-fields", "csq_gnomad, csq_gnomade")
    assert screen(tmp_path, vcf, same, "spaced", "--af-fields", "csq_gnomad,csq_gnomade")
    older = {key: value for key, value in facts.items() if key not in ("af_fields", "af_source")}
    assert screen(tmp_path, vcf, older, "older", "--af-fields", "csq_gnomad")


# ---------------------------------------------------------------------------------------------------------------
# issue 9: a VEP cache is a gnomAD look-up only when its ##VEP= line names a gnomAD release
# ---------------------------------------------------------------------------------------------------------------

# ##VEP= lines as VEP wrote them (public files; paths shortened): one key="version" per data source of the cache
# (info.txt source_*; ensembl-vep OutputFactory::VCF::headers). Releases <= 106 name the exomes gnomAD=, later
# ones gnomADe= and gnomADg=; VEP 83 (before gnomAD) wrote the items unquoted.
REAL_VEP_LINES = {
    "v83 GRCh37": ("##VEP=v83 cache=/vep/homo_sapiens/83_GRCh37 db=. polyphen=2.2.2 sift=sift5.2.2 COSMIC=71 "
                   "ESP=20141103 gencode=GENCODE 19 HGMD-PUBLIC=20152 genebuild=2011-04 regbuild=13 "
                   "assembly=GRCh37.p13 dbSNP=144 ClinVar=201507"),
    "v100 refseq GRCh37": ('##VEP="v100" time="2021-10-13 10:10:15" cache="/root/.vep/homo_sapiens_refseq/100_GRCh37" '
                           'ensembl-io=100 ensembl=100 ensembl-funcgen=100 ensembl-variation=100 1000genomes="phase3" '
                           'COSMIC="90" ClinVar="201912" ESP="20141103" HGMD-PUBLIC="20194" assembly="GRCh37.p13" '
                           'dbSNP="153" gencode="GENCODE 19" genebuild="2011-04" gnomAD="r2.1" polyphen="2.2.2" '
                           'refseq="01_2015" regbuild="1.0" sift="sift5.2.2"'),
    "v113 refseq GRCh38": ('##VEP="v113.0" API="v113" time="2025-04-24 15:57:47" '
                           'cache="/vep_data_113/homo_sapiens_refseq/113_GRCh38" ensembl=113.58650ec '
                           'ensembl-compara=113.d7a53c5 ensembl-funcgen=113.e30608c ensembl-io=113.bee6816 '
                           'ensembl-variation=113.5a9059e 1000genomes="phase3" COSMIC="99" ClinVar="202404" '
                           'HGMD-PUBLIC="20204" assembly="GRCh38.p14" dbSNP="156" gencode="GENCODE 47" '
                           'genebuild="GENCODE47" gnomADe="v4.1" gnomADg="v4.1" polyphen="2.2.3" '
                           'refseq="GCF_000001405.40-RS_2023_10 - GCF_000001405.40_GRCh38.p14_genomic.gff" '
                           'regbuild="1.0" sift="6.2.1"'),
}


def test_the_vep_line_names_the_caches_gnomad():
    assert annotator_gnomad(REAL_VEP_LINES["v83 GRCh37"]) == frozenset()
    assert annotator_gnomad(REAL_VEP_LINES["v100 refseq GRCh37"]) == {"gnomAD"}
    assert annotator_gnomad(REAL_VEP_LINES["v113 refseq GRCh38"]) == {"gnomADe", "gnomADg"}
    assert annotator_gnomad("##fileformat=VCFv4.2\n") == frozenset()  # no ##VEP= line: nothing is claimed
    rest = '##INFO=<ID=CSQ,Number=.,Type=String,Description="' + vep_rest.csq_header_description("x") + '">'
    assert annotator_gnomad(rest) == REST_GNOMAD


# the v113 line of a cache without gnomAD data (its info.txt has no source_gnomADe/source_gnomADg)
NO_GNOMAD_LINE = REAL_VEP_LINES["v113 refseq GRCh38"].replace(' gnomADe="v4.1" gnomADg="v4.1"', "")


def test_a_cache_without_gnomad_data_is_no_gnomad_lookup(tmp_path):
    """Issue 9: VEP with --af_gnomade --af_gnomadg on a cache WITHOUT gnomAD data declares gnomADe_AF/gnomADg_AF
    and leaves them empty for every variant; they were read as "looked up in VEP's gnomAD", so the STX11
    frameshift on chr6 (where the --custom gnomAD file has no record) was novel. Its ##VEP= line names no gnomAD
    release: looked up nowhere, not_looked_up (kept all the same)."""
    options = f"--offline --cache --check_existing --af_gnomade --af_gnomadg --custom {CUSTOM}"
    fields = ("gnomADe_AF", "gnomADg_AF", "gnomAD", "gnomAD_AF")
    bare = vep_vcf(tmp_path / "bare.vcf", options, fields, CUSTOM_HEADER, vep_line=NO_GNOMAD_LINE)
    assert annotation_gnomad_fields(read_layout(bare), "gnomad.vcf.gz") == ()
    rows = screen(tmp_path, bare, CHR6_LACKING, "bare")
    assert (rows[STX11_FS]["af_status"], rows[STX11_FS]["decision"]) == ("not_looked_up", "kept")
    # the same run on the cache VEP 113 ships (both gnomAD datasets named): looked up there, novel
    full = vep_vcf(tmp_path / "full.vcf", options, fields, CUSTOM_HEADER,
                   vep_line=REAL_VEP_LINES["v113 refseq GRCh38"])
    assert annotation_gnomad_fields(read_layout(full), "gnomad.vcf.gz") == ("CSQ/gnomADe_AF", "CSQ/gnomADg_AF")
    assert screen(tmp_path, full, CHR6_LACKING, "full")[STX11_FS]["af_status"] == "novel"


def test_each_vep_field_needs_its_own_gnomad_named(tmp_path):
    """A cache naming only the exomes (releases <= 106: gnomAD="r2.1") fills no gnomADg_* field; MAX_AF covers
    whatever gnomAD the cache has, so it counts when any is named."""
    old = vep_vcf(tmp_path / "old.vcf", "--offline --cache --af_gnomade --af_gnomadg --max_af",
                  ("gnomADe_AF", "gnomADg_AF", "MAX_AF"), vep_line=REAL_VEP_LINES["v100 refseq GRCh37"])
    assert annotation_gnomad_fields(read_layout(old), "gnomad.vcf.gz") == ("CSQ/gnomADe_AF", "CSQ/MAX_AF")
    genomes = vep_vcf(tmp_path / "genomes.vcf", "--offline --cache --af_gnomadg --max_af", ("gnomADg_AF", "MAX_AF"),
                      vep_line=REAL_VEP_LINES["v83 GRCh37"])
    assert annotation_gnomad_fields(read_layout(genomes), "gnomad.vcf.gz") == ()
