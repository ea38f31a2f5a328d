"""hlhscreen.frequency_check / bin/annotation_summary.py: annotation that lost the gnomAD frequencies stops the run."""

from __future__ import annotations

import json
from collections import Counter
import subprocess
import sys
from pathlib import Path
from typing import Sequence

import pysam

from conftest import BIN
from hlhscreen.annotation import iter_records
from hlhscreen.frequency import DEFAULT_AF_FIELDS, frequency_setting
from hlhscreen.frequency_check import ERROR, OK, WARNING, FrequencyCheck, check_frequencies, multiqc_table

REPO = Path(__file__).resolve().parents[1]
GNOMAD = REPO / "assets/test_cohort/gnomad/gnomad_sites.derived.vcf.gz"

ANN_HEADER = ('##INFO=<ID=ANN,Number=.,Type=String,Description="Functional annotations: \'Allele | Annotation | '
              "Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | Transcript_BioType | Rank | "
              "HGVS.c | HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length | AA.pos / AA.length | Distance | "
              "ERRORS / WARNINGS / INFO' \">")
AF_HEADER = '##INFO=<ID=gnomAD_AF,Number=A,Type=Float,Description="gnomAD AF">'

# chr10 sites of the test gnomAD file (PRF1 p.Ala91Val and p.Asn252Ser), one novel site, one on chr19
SITES = [("chr10", 70600631, "G", "A", 0.0354), ("chr10", 70598966, "T", "C", 0.00642),
         ("chr10", 70598601, "A", "C", None), ("chr19", 7642793, "G", "A", None)]


def annotated(tmp_path: Path, attach: bool, name: str = "annotated.vcf") -> Path:
    lines = ["##fileformat=VCFv4.2", "##contig=<ID=chr10>", "##contig=<ID=chr19>", ANN_HEADER, AF_HEADER,
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    for chrom, pos, ref, alt, af in SITES:
        ann = f"ANN={alt}|missense_variant|MODERATE|PRF1|ENSG00000180644|transcript|ENST00000441259.2|protein_coding|2/3|c.1A>G|p.Met1Val|||||"
        info = ann + (f";gnomAD_AF={af}" if attach and af is not None else "")
        lines.append(f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t50\tPASS\t{info}")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def renamed_gnomad(tmp_path: Path) -> Path:
    """The test gnomAD file with Ensembl contig names (10 instead of chr10)."""
    text = pysam.BGZFile(str(GNOMAD)).read().decode()
    plain = tmp_path / "gnomad.ensembl.vcf"
    plain.write_text(text.replace("ID=chr", "ID=").replace("\nchr", "\n"))
    out = pysam.tabix_index(str(plain), preset="vcf", force=True)
    return Path(out)


def test_frequencies_attached_as_gnomad_lists_them_pass(tmp_path):
    check = check_frequencies(iter_records(annotated(tmp_path, attach=True)), GNOMAD)
    assert (check.variants, check.with_frequency, check.in_resource) == (4, 2, 2)
    level, text = check.verdict()
    # the test gnomAD file has no chr19 records: said, not hidden
    assert level == WARNING and "no records on chr19 (1 variant(s), not looked up: treated as rare)" in text


def test_no_frequency_attached_although_gnomad_lists_them_is_an_error(tmp_path):
    check = check_frequencies(iter_records(annotated(tmp_path, attach=False)), GNOMAD)
    level, text = check.verdict()
    assert level == ERROR
    assert "attached gnomAD frequencies to none of the 4 called variants, although the gnomAD file lists 2" in text
    assert "chr10:70600631 G>A" in text


def test_a_gnomad_file_with_other_contig_names_is_still_looked_up(tmp_path):
    # the silent case of issue 11: annotated against a '10'-named gnomAD, nothing attached
    check = check_frequencies(iter_records(annotated(tmp_path, attach=False)), renamed_gnomad(tmp_path))
    assert check.verdict()[0] == ERROR and check.in_resource == 2


def test_without_a_gnomad_file_no_frequency_at_all_is_a_warning(tmp_path):
    level, text = check_frequencies(iter_records(annotated(tmp_path, attach=False))).verdict()
    assert level == WARNING and "no population frequency was attached to any of the 4 variants" in text
    assert check_frequencies(iter_records(annotated(tmp_path, attach=True))).verdict()[0] == OK


def test_without_a_gnomad_file_frequencies_of_other_datasets_only_are_a_warning(tmp_path):
    """The REST client writes 1000 Genomes and ESP frequencies too (VEP's JSON always carries them). A server
    whose answers hold no gnomAD key this client knows (another release's key names) leaves only those: before,
    'N of M variants have a population frequency' (OK), while no record could be judged by gnomAD's AF."""
    fields = ("Allele", "Consequence", "IMPACT", "SYMBOL", "Feature", "HGVSc", "HGVSp", "gnomADe_AF", "AF", "EUR_AF")
    lines = ["##fileformat=VCFv4.2", "##contig=<ID=chr10>",
             '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP via the REST '
             'API. Format: ' + "|".join(fields) + '">', "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    for pos, gnomad in ((70600631, ""), (70598966, "")):
        lines.append(f"chr10\t{pos}\t.\tG\tA\t50\tPASS\tCSQ=A|missense_variant|MODERATE|PRF1|ENST00000441259.2|"
                     f"c.1A>G|p.Met1Val|{gnomad}|0.01|0.02")
    path = tmp_path / "rest.vcf"
    path.write_text("\n".join(lines) + "\n")
    check = check_frequencies(iter_records(path))
    level, text = check.verdict()
    assert level == WARNING and "no gnomAD frequency was attached to any of the 2 variants" in text
    assert "2 have only another dataset's" in text
    assert "with a gnomAD frequency\t0" in multiqc_table(check, "vep_rest")


def test_multiqc_table_leads_with_the_verdict(tmp_path):
    table = multiqc_table(check_frequencies(iter_records(annotated(tmp_path, attach=True)), GNOMAD), "offline")
    assert "# id: 'hlhscreen_frequency_check'" in table
    assert "verdict\tWARNING: 2 of 4 variants have a gnomAD frequency; 2 are listed in the gnomAD file" in table


def run_summary(tmp_path: Path, vcf: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BIN / "annotation_summary.py"), str(vcf), "--annotator", "offline",
                           "--out", str(tmp_path / "a_mqc.tsv"), "--frequency-check", str(tmp_path / "f_mqc.tsv"),
                           "--frequency-json", str(tmp_path / "f.json"), *args], capture_output=True, text=True)


def test_cli_fails_before_screening_and_writes_nothing(tmp_path):
    result = run_summary(tmp_path, annotated(tmp_path, attach=False), "--gnomad", str(GNOMAD))
    assert result.returncode == 2
    assert result.stderr.startswith(f"ERROR {tmp_path / 'annotated.vcf'}: gnomAD: the annotation attached gnomAD")
    assert not (tmp_path / "a_mqc.tsv").exists() and not (tmp_path / "f_mqc.tsv").exists()


def test_cli_writes_both_tables_and_warns_on_stderr(tmp_path):
    result = run_summary(tmp_path, annotated(tmp_path, attach=True), "--gnomad", str(GNOMAD))
    assert result.returncode == 0, result.stderr
    assert "WARNING" in result.stderr and "chr19" in result.stderr
    assert "observed in gnomAD\t2" in (tmp_path / "a_mqc.tsv").read_text()
    assert "hlhscreen_frequency_check" in (tmp_path / "f_mqc.tsv").read_text()


def test_cli_writes_the_uncovered_chromosomes_for_the_report(tmp_path):
    """The report said "novel / not in gnomAD" for variants on chromosomes the gnomAD file has no record on (never
    looked up): the JSON names those chromosomes and how many called variants lie there."""
    result = run_summary(tmp_path, annotated(tmp_path, attach=True), "--gnomad", str(GNOMAD))
    assert result.returncode == 0, result.stderr
    facts = json.loads((tmp_path / "f.json").read_text())
    assert facts == {"gnomad_file": GNOMAD.name, "variants": 4, "with_gnomad_frequency": 2, "listed_in_gnomad_file": 2,
                     "contigs_not_covered": {"chr19": 1}, "annotation_gnomad_fields": [],
                     "af_fields": DEFAULT_AF_FIELDS, "af_source": "global"}
    assert run_summary(tmp_path, annotated(tmp_path, attach=True)).returncode == 0
    assert json.loads((tmp_path / "f.json").read_text())["gnomad_file"] is None


VEP_CORE = ("Allele", "Consequence", "IMPACT", "SYMBOL", "Gene", "Feature_type", "Feature", "BIOTYPE", "EXON", "INTRON",
            "HGVSc", "HGVSp", "Existing_variation", "ALLELE_NUM", "CANONICAL")


# VEP 113's line for its GRCh38 cache: one key="version" per data source of the cache (info.txt's source_*)
VEP_113 = ('##VEP="v113.0" API="v113" time="2025-01-20 10:00:00" cache="/opt/vep/.vep/homo_sapiens/113_GRCh38" '
           'ensembl=113.58650ec ensembl-variation=113.5a9059e 1000genomes="phase3" COSMIC="99" ClinVar="202404" '
           'assembly="GRCh38.p14" dbSNP="156" gencode="GENCODE 47" gnomADe="v4.1" gnomADg="v4.1" polyphen="2.2.3"')


def vep_annotated(tmp_path: Path, filled: Sequence[str], empty: Sequence[str] = (),
                  options: str = "--offline --cache --check_existing --af_gnomade", name: str = "vep.vcf",
                  vep_line: str = VEP_113) -> Path:
    """SITES annotated by VEP: the CSQ fields ``filled`` hold the gnomAD file's AF where it lists the variant,
    the fields ``empty`` are declared (after them) and empty; ``vep_line``: the ##VEP= line."""
    fields = VEP_CORE + tuple(filled) + tuple(empty)
    lines = ["##fileformat=VCFv4.2", "##contig=<ID=chr10>", "##contig=<ID=chr19>", vep_line,
             '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: '
             + "|".join(fields) + '">',
             f"##VEP-command-line='vep {options} --vcf --symbol --hgvs'",
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    for chrom, pos, ref, alt, af in SITES:
        values = [alt, "missense_variant", "MODERATE", "PRF1", "ENSG00000180644", "Transcript", "ENST00000441259.2",
                  "protein_coding", "2/3", "", "c.1A>G", "p.Met1Val", "", "", "YES"]
        values += ["" if af is None else str(af)] * len(filled) + [""] * len(empty)
        lines.append(f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t50\tPASS\tCSQ={'|'.join(values)}")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def vep_cache_annotated(tmp_path: Path) -> Path:
    """SITES annotated by VEP with its cache (--af_gnomade): gnomAD exomes' AF where gnomAD lists the variant."""
    return vep_annotated(tmp_path, ["gnomADe_AF"])


def test_where_the_gnomad_file_has_no_record_the_annotations_own_gnomad_is_named(tmp_path):
    """VEP with its cache looked the chr19 variant up in its own gnomAD (exomes), which lacks it: the run log and
    MultiQC said "treated as novel" for a chromosome "not looked up", and the report said "not looked up" there.
    The JSON names the annotation's gnomAD fields; the verdict says they were used there."""
    result = run_summary(tmp_path, vep_cache_annotated(tmp_path), "--gnomad", str(GNOMAD))
    assert result.returncode == 0, result.stderr
    facts = json.loads((tmp_path / "f.json").read_text())
    assert (facts["contigs_not_covered"], facts["annotation_gnomad_fields"]) == ({"chr19": 1}, ["CSQ/gnomADe_AF"])
    said = ("the gnomAD file has no records on chr19 (1 variant(s)); the annotation's own gnomAD frequencies "
            "(CSQ/gnomADe_AF) were used there: a variant without one is absent from that gnomAD (novel)")
    assert said in result.stderr
    assert "treated as novel" not in result.stderr
    assert "were used there" in (tmp_path / "f_mqc.tsv").read_text()


def multiallelic_gnomad(tmp_path: Path) -> Path:
    """A gnomAD file that was not split: PRF1 p.Asn252Ser's site as T>C,G (its C allele common), the
    p.Ala91Val site as GCC>ACC,G (the SNP trims to G>A), and a site whose ALT has AF=. (AN=0)."""
    header = ["##fileformat=VCFv4.2", "##contig=<ID=chr10,length=133797422>",
              '##INFO=<ID=AF,Number=A,Type=Float,Description="AF">', "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    records = ["chr10\t70598601\t.\tA\tC\t.\tPASS\tAF=.",
               "chr10\t70598966\t.\tT\tC,G\t.\tPASS\tAF=0.2,0.0001",
               "chr10\t70600631\t.\tGCC\tACC,G\t.\tPASS\tAF=0.0354,0.001"]
    plain = tmp_path / "gnomad.multiallelic.vcf"
    plain.write_text("\n".join(header + records) + "\n")
    return Path(pysam.tabix_index(str(plain), preset="vcf", force=True))


def test_a_variant_lost_from_a_multiallelic_gnomad_record_is_an_error(tmp_path):
    # bcftools annotate --pair-logic exact attached p.Ala91Val's AF but not p.Asn252Ser's (its record is
    # T>C,G): before, a MultiQC warning only, and the common variant looked novel to the screen
    vcf = annotated(tmp_path, attach=True).read_text().replace(";gnomAD_AF=0.00642", "")
    (tmp_path / "partly.vcf").write_text(vcf)
    check = check_frequencies(iter_records(tmp_path / "partly.vcf"), multiallelic_gnomad(tmp_path))
    level, text = check.verdict()
    assert level == ERROR, text
    assert "1 of the 4 called variants got no gnomAD frequency although the gnomAD file lists them with one " \
           "(chr10:70598966 T>C)" in text
    assert "1 of them are ALTs of multi-allelic gnomAD records" in text
    assert "bcftools norm -m -any" in check.fix()
    # found after trimming (GCC>ACC is G>A); AF=. is not a lost frequency (gnomAD has none to give)
    assert check.in_resource == 3


def test_cli_stops_on_a_partly_lost_frequency(tmp_path):
    vcf = annotated(tmp_path, attach=True).read_text().replace(";gnomAD_AF=0.00642", "")
    (tmp_path / "partly.vcf").write_text(vcf)
    result = run_summary(tmp_path, tmp_path / "partly.vcf", "--gnomad", str(GNOMAD))
    assert result.returncode == 2
    assert "got no gnomAD frequency although the gnomAD file lists them with one (chr10:70598966 T>C)" in result.stderr
    assert not (tmp_path / "f_mqc.tsv").exists()


# A remote --gnomad_vcf (https://, s3://) is not on the launch host: the start-up checks that need no
# reference run here, on the staged file, before SCREEN (before: none ran, and a GRCh37 file named
# chr10 attached its frequencies at other positions without a word).

def with_lengths(vcf: Path) -> Path:
    """The annotated VCF with GRCh38 ##contig lengths, as the pipeline's called VCF has them."""
    vcf.write_text(vcf.read_text().replace("##contig=<ID=chr10>", "##contig=<ID=chr10,length=133797422>")
                   .replace("##contig=<ID=chr19>", "##contig=<ID=chr19,length=58617616>"))
    return vcf


def grch37_gnomad(tmp_path: Path) -> Path:
    """The test gnomAD file with GRCh37 chr10/chr19 lengths in its header (a UCSC hg19-style file)."""
    text = pysam.BGZFile(str(GNOMAD)).read().decode()
    text = text.replace("ID=chr10,length=133797422", "ID=chr10,length=135534747").replace(
        "ID=chr19,length=58617616", "ID=chr19,length=59128983")
    plain = tmp_path / "gnomad.hg19.vcf"
    plain.write_text(text)
    return Path(pysam.tabix_index(str(plain), preset="vcf", force=True))


def test_cli_refuses_a_gnomad_file_of_another_build(tmp_path):
    result = run_summary(tmp_path, with_lengths(annotated(tmp_path, attach=True)), "--gnomad", str(grch37_gnomad(tmp_path)))
    assert result.returncode == 2
    assert result.stderr.startswith(f"ERROR {tmp_path / 'gnomad.hg19.vcf.gz'}: --gnomad_vcf: gnomAD is for another genome "
                                    "build: chr10 is 135534747 bp in gnomAD but 133797422 bp in the called VCF "
                                    "(annotated.vcf)")
    assert not (tmp_path / "a_mqc.tsv").exists() and not (tmp_path / "f_mqc.tsv").exists()


def test_cli_refuses_a_gnomad_file_without_its_index(tmp_path):
    staged = tmp_path / "gnomad.vcf.gz"
    staged.write_bytes(GNOMAD.read_bytes())  # the index was not staged beside it
    result = run_summary(tmp_path, with_lengths(annotated(tmp_path, attach=True)), "--gnomad", str(staged))
    assert result.returncode == 2 and f"ERROR {staged}: --gnomad_vcf: no index" in result.stderr


def test_cli_accepts_the_gnomad_file_of_the_same_build(tmp_path):
    result = run_summary(tmp_path, with_lengths(annotated(tmp_path, attach=True)), "--gnomad", str(GNOMAD))
    assert result.returncode == 0, result.stderr


def duplicated_gnomad(tmp_path: Path, second_af: str) -> Path:
    """gnomAD exomes and genomes concatenated into one file: PRF1 p.Ala91Val's site listed twice."""
    header = ["##fileformat=VCFv4.2", "##contig=<ID=chr10,length=133797422>",
              '##INFO=<ID=AF,Number=A,Type=Float,Description="AF">', "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    records = ["chr10\t70598966\t.\tT\tC\t.\tPASS\tAF=0.00642",
               "chr10\t70600631\t.\tG\tA\t.\tPASS\tAF=0.0354",
               f"chr10\t70600631\t.\tG\tA\t.\tPASS\tAF={second_af}"]
    plain = tmp_path / "gnomad.duplicated.vcf"
    plain.write_text("\n".join(header + records) + "\n")
    return Path(pysam.tabix_index(str(plain), preset="vcf", force=True))


def test_a_variant_listed_twice_with_different_frequencies_is_said(tmp_path):
    # before: the annotation attached the first record's AF and nothing said a second one existed
    check = check_frequencies(iter_records(annotated(tmp_path, attach=True)), duplicated_gnomad(tmp_path, "0.0011"))
    level, text = check.verdict()
    assert level == WARNING, text
    assert ("1 variant(s) are listed by several gnomAD records with different AF (chr10:70600631 G>A): the "
            "annotation attached one of them") in text
    assert check.in_resource == 2


def test_a_variant_listed_twice_with_the_same_frequency_is_not_a_conflict(tmp_path):
    check = check_frequencies(iter_records(annotated(tmp_path, attach=True)), duplicated_gnomad(tmp_path, "3.54e-02"))
    assert check.conflicting == []
    assert "several gnomAD records" not in check.verdict()[1]


def test_the_uncovered_chromosomes_are_named_in_natural_order():
    """The run log's warning lists chr6 before chr19 (as the ClinVar line does), not in text order."""
    check = FrequencyCheck(variants=6, with_frequency=0, with_gnomad=0, in_resource=0,
                           uncovered=Counter({"chrX": 1, "chr19": 2, "chr6": 3}))
    level, text = check.verdict()
    assert level == WARNING
    assert ("no records on chr6 (3 variant(s), not looked up: treated as rare), chr19 (2 variant(s), not looked up: treated as rare), "
            "chrX (1 variant(s), not looked up: treated as rare)") in text


def test_the_json_for_the_report_lists_the_uncovered_chromosomes_in_natural_order():
    import annotation_summary

    check = FrequencyCheck(variants=6, with_frequency=0, with_gnomad=0, in_resource=0,
                           uncovered=Counter({"chrX": 1, "chr19": 2, "chr6": 3}))
    assert list(annotation_summary.frequency_facts(check, GNOMAD, frequency_setting())["contigs_not_covered"]) == ["chr6", "chr19", "chrX"]


# ---------------------------------------------------------------------------------------------------------------
# the run's --af_fields drives the check as it drives SCREEN (before: the check always read the default list)
# ---------------------------------------------------------------------------------------------------------------


def test_the_check_fails_when_the_fields_the_screen_reads_are_empty(tmp_path):
    """--af_fields csq_gnomadg on a VCF whose gnomAD frequencies are in CSQ/gnomADe_AF only: SCREEN reads no
    frequency (every variant novel, exit 0), while the check, reading the default list, found gnomADe_AF full and
    passed. Now the check reads the screen's fields, stops the run and names the fields left out."""
    vcf = vep_annotated(tmp_path, ["gnomADe_AF"], ["gnomADg_AF"])
    assert run_summary(tmp_path, vcf, "--gnomad", str(GNOMAD)).returncode == 0  # the default list reads gnomADe_AF
    result = run_summary(tmp_path, vcf, "--gnomad", str(GNOMAD), "--af-fields", "csq_gnomadg")
    assert result.returncode == 2, result.stderr
    assert "attached gnomAD frequencies to none of the 4 called variants (--af_fields reads csq_gnomadg; the VCF " \
           "also declares CSQ/gnomADe_AF, which it does not read)" in result.stderr
    assert "List the fields the annotation wrote in --af_fields (now csq_gnomadg)" in result.stderr


def test_the_check_passes_when_an_explicit_field_the_screen_reads_is_full(tmp_path):
    """--af_fields CSQ/MYAF (a VEP --custom field under the user's own name): SCREEN judges every variant by it, but
    the check, reading the default list, found no frequency and stopped the run (exit 2). A field the setting names
    explicitly is the frequency the user declared: it counts as attached."""
    vcf = vep_annotated(tmp_path, ["MYAF"], options="--gtf genes.gtf.gz --custom file=my.vcf.gz,short_name=MYAF")
    assert run_summary(tmp_path, vcf, "--gnomad", str(GNOMAD)).returncode == 2  # the default list reads none
    result = run_summary(tmp_path, vcf, "--gnomad", str(GNOMAD), "--af-fields", "CSQ/MYAF", "--af-source", "popmax")
    assert result.returncode == 0, result.stderr
    facts = json.loads((tmp_path / "f.json").read_text())
    assert (facts["with_gnomad_frequency"], facts["listed_in_gnomad_file"]) == (2, 2)
    assert (facts["af_fields"], facts["af_source"]) == ("CSQ/MYAF", "popmax")
    assert "frequency fields read (--af_fields, as SCREEN)\tCSQ/MYAF" in (tmp_path / "f_mqc.tsv").read_text()
    assert "observed (CSQ/MYAF)\t2" in (tmp_path / "a_mqc.tsv").read_text()


def test_the_annotations_own_gnomad_fields_are_the_ones_the_screen_reads(tmp_path):
    """VEP's cache gnomADe_AF and gnomADg_AF, --af_fields csq_gnomadg: annotation_gnomad_fields named
    CSQ/gnomADe_AF too, a field SCREEN does not read; with csq_gnomad (the gnomAD file's --custom copy only) it
    named gnomADe_AF, so the run log said the chr19 variant was looked up (novel) where SCREEN said not_looked_up."""
    vcf = vep_annotated(tmp_path, ["gnomADe_AF", "gnomADg_AF"], options="--offline --cache --af_gnomade --af_gnomadg")
    assert run_summary(tmp_path, vcf, "--gnomad", str(GNOMAD), "--af-fields", "csq_gnomadg").returncode == 0
    assert json.loads((tmp_path / "f.json").read_text())["annotation_gnomad_fields"] == ["CSQ/gnomADg_AF"]
    custom = f"--offline --cache --af_gnomade --custom file={GNOMAD.name},short_name=gnomAD,format=vcf,fields=AF"
    both = vep_annotated(tmp_path, ["gnomAD_AF"], ["gnomADe_AF"], options=custom, name="both.vcf")
    result = run_summary(tmp_path, both, "--gnomad", str(GNOMAD), "--af-fields", "csq_gnomad")
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "f.json").read_text())["annotation_gnomad_fields"] == []
    assert "chr19 (1 variant(s), not looked up: treated as rare)" in result.stderr


def test_a_bad_setting_is_refused_before_reading(tmp_path):
    result = run_summary(tmp_path, vep_cache_annotated(tmp_path), "--af-fields", "gnomad")
    assert result.returncode == 2
    assert "--af-fields: 'gnomad' is neither a frequency keyword" in result.stderr
    assert not (tmp_path / "f.json").exists()


def test_a_setting_of_other_datasets_alone_is_checked_by_their_frequencies(tmp_path):
    """--af_fields csq_max_af (VEP's MAX_AF, the strictest maximum) or csq_1000g: SCREEN judges every variant by
    those fields, but the check counted only gnomAD datasets once a gnomAD file was given and stopped the run
    ("every variant would look novel", exit 2) although each variant gnomAD lists had a MAX_AF. Such a setting's
    own frequencies count; one still lost where gnomAD lists the variant stops the run."""
    vcf = vep_annotated(tmp_path, ["gnomADe_AF", "MAX_AF", "AF"], options="--offline --cache --af_gnomade --max_af --af")
    for setting in ("csq_max_af", "csq_1000g", "csq_esp,csq_max_af"):
        result = run_summary(tmp_path, vcf, "--gnomad", str(GNOMAD), "--af-fields", setting)
        assert result.returncode == 0, (setting, result.stderr)
        assert f"2 of 4 variants have a frequency of the fields --af_fields reads ({setting})" in result.stderr
    empty = vep_annotated(tmp_path, ["gnomADe_AF"], ["MAX_AF"], options="--offline --cache --af_gnomade --max_af",
                          name="empty.vcf")
    result = run_summary(tmp_path, empty, "--gnomad", str(GNOMAD), "--af-fields", "csq_max_af")
    assert result.returncode == 2
    assert "attached frequencies of the fields --af_fields reads (csq_max_af) to none of the 4" in result.stderr


def test_af_fields_none_is_said_not_refused(tmp_path):
    """--af_fields none (docs/annotation.md: no frequency is read, every variant novel) with a gnomAD file stopped
    the run, naming the fields it chose not to read. It is the user's setting: said in a warning, the tables written."""
    result = run_summary(tmp_path, annotated(tmp_path, attach=True), "--gnomad", str(GNOMAD), "--af-fields", "none")
    assert result.returncode == 0, result.stderr
    assert "--af_fields none: no population frequency is read, so the frequency filters treat all 4 variants as " \
           "novel (the annotation's frequencies were not checked against the gnomAD file)" in result.stderr
    assert json.loads((tmp_path / "f.json").read_text())["af_fields"] == "none"
    assert "WARNING" in (tmp_path / "f_mqc.tsv").read_text()
