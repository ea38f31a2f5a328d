"""ClinVar evidence: review stars, classifications, the NCBI layout (no chr, no ##contig), matching."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import pysam
import pytest

from conftest import BIN
from hlhscreen import clinvar
from hlhscreen.errors import UserInputError


NCBI_HEADER = """##fileformat=VCFv4.1
##fileDate=2024-05-12
##source=ClinVar
##reference=GRCh38
##ID=<Description="ClinVar Variation ID">
##INFO=<ID=ALLELEID,Number=1,Type=Integer,Description="the ClinVar Allele ID">
##INFO=<ID=CLNDN,Number=.,Type=String,Description="ClinVar's preferred disease name">
##INFO=<ID=CLNREVSTAT,Number=.,Type=String,Description="ClinVar review status for the Variation ID">
##INFO=<ID=CLNSIG,Number=.,Type=String,Description="Aggregate germline classification for this single variant">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO
"""


def bgzip_vcf(path: Path, text: str) -> Path:
    plain = path.with_suffix("")
    plain.write_text(text)
    pysam.tabix_compress(str(plain), str(path), force=True)
    pysam.tabix_index(str(path), preset="vcf", force=True)
    return path


@pytest.fixture
def ncbi(tmp_path):
    records = [
        "10\t70598599\t13709\tC\tT\t.\t.\tALLELEID=28748;CLNDN=Familial_hemophagocytic_lymphohistiocytosis_2|not_provided;"
        "CLNREVSTAT=criteria_provided,_multiple_submitters,_no_conflicts;CLNSIG=Pathogenic",
        "10\t70600631\t16474\tG\tC\t.\t.\tALLELEID=31513;CLNDN=not_provided;"
        "CLNREVSTAT=criteria_provided,_conflicting_classifications;CLNSIG=Conflicting_classifications_of_pathogenicity|risk_factor",
        "10\t70600640\t99\tG\tT\t.\t.\tCLNREVSTAT=some_new_status;CLNSIG=Likely_pathogenic",
        "X\t124365786\t11111\tC\tT\t.\t.\tALLELEID=5;CLNDN=Lymphoproliferative_syndrome_1,_X-linked;"
        "CLNREVSTAT=reviewed_by_expert_panel;CLNSIG=Pathogenic",
    ]
    return bgzip_vcf(tmp_path / "clinvar.vcf.gz", NCBI_HEADER + "\n".join(records) + "\n")


@pytest.mark.parametrize("status,stars", [
    ("practice_guideline", 4), ("reviewed_by_expert_panel", 3),
    ("criteria_provided,_multiple_submitters,_no_conflicts", 2),
    ("criteria_provided,_conflicting_classifications", 1), ("criteria_provided,_conflicting_interpretations", 1),
    ("criteria_provided,_single_submitter", 1), ("no_assertion_criteria_provided", 0),
    ("no_classification_provided", 0), ("no_assertion_provided", 0), ("no_classifications_from_unflagged_records", 0),
    ("criteria provided, single submitter", 1), ("criteria_provided,single_submitter", 1),
    ("something_new", None), (".", None), (None, None),
])
def test_review_stars_follow_clinvars_table(status, stars):
    assert clinvar.review_stars(status) == stars


@pytest.mark.parametrize("clnsig,pathogenic,risk", [
    ("Pathogenic", True, False), ("Likely_pathogenic", True, False), ("Pathogenic/Likely_pathogenic", True, False),
    ("Pathogenic/Likely_pathogenic/Pathogenic,_low_penetrance", True, False),
    ("Pathogenic|risk_factor", True, True), ("Pathogenic,_risk_factor", True, True),
    ("Conflicting_classifications_of_pathogenicity|risk_factor", False, True),
    ("Conflicting_interpretations_of_pathogenicity,_risk_factor", False, True),
    ("Conflicting_classifications_of_pathogenicity", False, False), ("Uncertain_significance", False, False),
    ("risk_factor", False, True), ("Likely_risk_allele", False, True), ("Uncertain_risk_allele", False, False),
    ("Benign/Likely_benign", False, False), ("drug_response", False, False), ("Pathogenic|drug_response", True, False),
    (".", False, False), (None, False, False),
])
def test_pathogenic_and_risk_factor_classes(clnsig, pathogenic, risk):
    assert clinvar.is_pathogenic(clnsig) is pathogenic
    assert clinvar.is_risk_factor(clnsig) is risk


@pytest.mark.parametrize("clnsig,pathogenic,risk", [
    # real 2024+ aggregates: a risk-allele term beside P/LP is not a conflict, whichever risk-allele term it is
    ("Pathogenic/Likely_pathogenic/Likely_risk_allele", True, True), ("Pathogenic/Likely_risk_allele", True, True),
    ("Pathogenic/Likely_pathogenic/Established_risk_allele", True, True),
    ("Pathogenic/Uncertain_risk_allele", True, False), ("Likely_pathogenic/Uncertain_risk_allele", True, False),
    ("Uncertain_significance/Uncertain_risk_allele", False, False), ("Uncertain_risk_allele|risk_factor", False, True),
    # pre-2019 files joined the non-germline terms with ",_" (association_not_found is one of them)
    ("Pathogenic,_association_not_found", True, False), ("Pathogenic,_Affects", True, False),
    ("Pathogenic,_confers_sensitivity", True, False), ("Uncertain_significance|_Affects", False, False),
    # only risk-allele or non-germline terms: no germline P/LP at all
    ("Established_risk_allele", False, True), ("association_not_found", False, False), ("Affects", False, False),
    ("no_classification_for_the_single_variant", False, False), ("no_interpretation_for_the_single_variant", False, False),
])
def test_risk_allele_and_non_germline_terms_in_any_vintage(clnsig, pathogenic, risk):
    """Before: "Pathogenic/Uncertain_risk_allele" and an old "Pathogenic,_association_not_found" were not
    Pathogenic for the rescue, while "Pathogenic/Likely_risk_allele" and "Pathogenic,_Affects" were."""
    assert clinvar.is_pathogenic(clnsig) is pathogenic
    assert clinvar.is_risk_factor(clnsig) is risk


def test_low_penetrance_stays_one_term():
    assert clinvar.classification_terms("Pathogenic/Likely_pathogenic/Pathogenic,_low_penetrance|other") == (
        "pathogenic", "likely pathogenic", "pathogenic, low penetrance", "other")


def test_release_header_and_citation(ncbi):
    release = clinvar.read_release(ncbi)
    assert (release.file_date, release.source, release.reference, release.is_ncbi_release) == \
        ("2024-05-12", "ClinVar", "GRCh38", True)
    assert release.citation() == "ClinVar GRCh38 VCF release of 2024-05-12 (file clinvar.vcf.gz, ##fileDate)"


def test_ncbi_contigs_come_from_the_index_and_map_onto_chr_names(ncbi):
    assert clinvar.tabix_contigs(ncbi) == ("10", "X")
    assert clinvar.contig_map(["chr10", "chrX", "chr6"], ["10", "X"]) == {"chr10": "10", "chrX": "X"}
    assert clinvar.contig_map(["chrM"], ["MT"]) == {"chrM": "MT"}
    with pytest.raises(UserInputError, match=r"none of the chromosomes to annotate \(chr6\) is in the file"):
        clinvar.check_naming(ncbi, ["chr6"], ["10", "X"])
    with pytest.raises(UserInputError, match=r"annotate \(chr6, chr19, chrX\) is in the file \(its contigs: 2, 3, 11\)"):
        clinvar.check_naming(ncbi, ["chrX", "chr19", "chr6"], ["11", "2", "3"])  # natural order, not the files'


@pytest.mark.parametrize("change,message", [
    (("##reference=GRCh38", "##reference=GRCh37"), "is for reference 'GRCh37', not GRCh38"),
    (("##INFO=<ID=CLNREVSTAT", "##INFO=<ID=REVSTAT"), "no INFO/CLNREVSTAT definition in the header"),
])
def test_a_file_that_is_not_grch38_clinvar_is_refused(tmp_path, change, message):
    path = bgzip_vcf(tmp_path / "c.vcf.gz", NCBI_HEADER.replace(*change))
    with pytest.raises(UserInputError, match=message):
        clinvar.read_release(path)


def test_missing_index_and_plain_text_are_refused(tmp_path):
    plain = tmp_path / "c.vcf.gz"
    plain.write_text(NCBI_HEADER)
    with pytest.raises(UserInputError, match="not a readable bgzip-compressed VCF"):
        clinvar.read_release(plain)
    with pytest.raises(UserInputError, match=r"c.vcf.gz: --clinvar_vcf: not compressed: the file must be bgzipped"):
        clinvar.open_clinvar(plain)
    gzipped = tmp_path / "g.vcf.gz"
    gzipped.write_bytes(gzip.compress(NCBI_HEADER.encode()))
    with pytest.raises(UserInputError, match="compressed with plain gzip, not bgzip"):
        clinvar.open_clinvar(gzipped)
    unindexed = tmp_path / "u.vcf.gz"
    pysam.tabix_compress(str(tmp_path / "c.vcf.gz"), str(unindexed), force=True)
    with pytest.raises(UserInputError, match=r"u.vcf.gz: --clinvar_vcf: no index .*u.vcf.gz.tbi \(or .csi\)"):
        clinvar.tabix_contigs(unindexed)


def test_a_csi_index_is_read_like_a_tbi(tmp_path, ncbi):
    """bcftools index writes .csi by default; its contigs come from the index like a .tbi's."""
    copy = tmp_path / "csi" / "clinvar.vcf.gz"
    copy.parent.mkdir()
    copy.write_bytes(ncbi.read_bytes())
    pysam.tabix_index(str(copy), preset="vcf", csi=True, force=True)
    assert Path(f"{copy}.csi").exists() and not Path(f"{copy}.tbi").exists()
    assert clinvar.open_clinvar(copy).contigs == ("10", "X")


def test_uncovered_chromosomes_are_those_missing_under_every_spelling():
    assert clinvar.uncovered(["chr10", "chrX", "chr6"], ["10", "X"]) == ["chr6"]
    assert clinvar.uncovered(["chr10"], ["chr10"]) == []


def cohort_vcf(tmp_path: Path) -> Path:
    text = (
        "##fileformat=VCFv4.2\n##contig=<ID=chr10,length=133797422>\n##contig=<ID=chrX,length=156040895>\n"
        "##INFO=<ID=CLINVAR_STARS,Number=.,Type=Integer,Description=\"stale\">\n"
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ts1\n"
        "chr10\t70598599\t.\tC\tT\t50\t.\tDP=30\tGT\t0/1\n"
        "chr10\t70598599\t.\tC\tG\t50\t.\tDP=30\tGT\t0/1\n"
        "chr10\t70600631\trs35947132\tG\tC\t50\t.\tCLINVAR_STARS=4\tGT\t0/1\n"
        "chr10\t70600640\t.\tG\tT\t50\t.\t.\tGT\t0/1\n"
        "chrX\t124365786\t.\tC\tT\t50\t.\tDP=14\tGT\t1\n"
    )
    return bgzip_vcf(tmp_path / "cohort.vcf.gz", text)


def chr10_cohort(tmp_path: Path, records, extra_header: str = "") -> Path:
    """A one-sample chr10 cohort VCF; each record is "POS ID REF ALT" or "POS ID REF ALT QUAL FILTER INFO"."""
    def line(record: str) -> str:
        cols = record.split("\t")
        cols += ["50", ".", "."][len(cols) - 4:] if len(cols) < 7 else []
        return "\t".join(["chr10", *cols, "GT", "0/1"]) + "\n"

    return bgzip_vcf(tmp_path / "cohort.vcf.gz", "##fileformat=VCFv4.2\n##contig=<ID=chr10,length=133797422>\n"
                     + extra_header + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ts1\n"
                     + "".join(line(record) for record in records))


def annotated_infos(out: Path):
    with pysam.VariantFile(str(out)) as vcf:
        return [dict(record.info) for record in vcf]


def run_annotate(tmp_path, cohort, clinvar_vcf, fasta=None):
    out = tmp_path / "out.vcf.gz"
    extra = ["--fasta", str(fasta)] if fasta else []
    result = subprocess.run([sys.executable, str(BIN / "clinvar_annotate.py"), "--vcf", str(cohort), "--clinvar",
                             str(clinvar_vcf), "--out", str(out), "--release-json", str(tmp_path / "release.json"),
                             *extra], capture_output=True, text=True)
    return result, out


def annotate_records(tmp_path, clinvar_records, cohort_records, fasta=None):
    """clinvar_annotate.py on a ClinVar file of these records (NCBI layout) and a chr10 cohort of those."""
    clinvar_vcf = bgzip_vcf(tmp_path / "c.vcf.gz", NCBI_HEADER + "\n".join(clinvar_records) + "\n")
    return run_annotate(tmp_path, chr10_cohort(tmp_path, cohort_records), clinvar_vcf, fasta)


def test_annotation_matches_exact_alleles_across_naming(tmp_path, ncbi):
    result, out = run_annotate(tmp_path, cohort_vcf(tmp_path), ncbi)
    assert result.returncode == 0, result.stderr
    assert "4 of 5 records matched" in result.stdout
    with gzip.open(out, "rt") as handle:
        lines = handle.read().splitlines()
    header = [line for line in lines if line.startswith("##")]
    assert '##hlhscreen_clinvar=<file="clinvar.vcf.gz",fileDate="2024-05-12",source="ClinVar",reference="GRCh38">' in header
    assert sum(line.startswith("##INFO=<ID=CLINVAR_STARS,") for line in header) == 1  # the stale one replaced
    records = [line.split("\t") for line in lines if not line.startswith("#")]
    info = [dict(item.partition("=")[::2] for item in r[7].split(";")) for r in records]
    assert info[0]["CLINVAR_VARID"] == "13709" and info[0]["CLINVAR_STARS"] == "2"
    assert info[0]["CLINVAR_CLNREVSTAT"] == "criteria_provided,_multiple_submitters,_no_conflicts"
    assert info[0]["DP"] == "30"
    assert "CLINVAR_VARID" not in info[1]  # same position, other ALT: not this variant
    assert info[2]["CLINVAR_VARID"] == "16474" and info[2]["CLINVAR_STARS"] == "1"
    assert "risk_factor" in info[2]["CLINVAR_CLNSIG"]
    assert "CLINVAR_STARS" not in info[3] and info[3]["CLINVAR_CLNSIG"] == "Likely_pathogenic"  # unknown status
    assert info[4]["CLINVAR_STARS"] == "3" and records[4][9] == "1"
    release = json.loads((tmp_path / "release.json").read_text())
    assert release["records_in_clinvar"] == 4 and release["ncbi_release"] is True
    assert pysam.TabixFile(str(out)).contigs == ["chr10", "chrX"]


def test_an_allele_clinvar_writes_with_other_padding_is_matched(tmp_path):
    """The same allele with a padding base more (a SNV written with its left neighbour, a deletion with
    a shared base at its end) is the same variant: trimmed alike, both sides meet. Before: 'not in
    ClinVar'. A record that only overlaps (a deletion of the base, another ALT, ALT '.') still is not."""
    records = [
        "10\t70598598\t1001\tGC\tGT\t.\t.\tCLNREVSTAT=criteria_provided,_single_submitter;CLNSIG=Pathogenic",
        "10\t70598598\t1002\tGC\tG\t.\t.\tCLNREVSTAT=practice_guideline;CLNSIG=Benign",
        "10\t70598599\t1003\tC\t.\t.\t.\tCLNREVSTAT=practice_guideline;CLNSIG=Benign",
        "10\t70600700\t1004\tCAGT\tCT\t.\t.\tCLNREVSTAT=reviewed_by_expert_panel;CLNSIG=Likely_pathogenic",
        "10\t70600800\t1005\tA\tAT\t.\t.\tCLNREVSTAT=reviewed_by_expert_panel;CLNSIG=Pathogenic",
    ]
    result, out = annotate_records(tmp_path, records, ["70598599\t.\tC\tT", "70598599\t.\tC\tA",
                                                       "70600700\t.\tCAG\tC", "70600800\t.\tAC\tATC"])
    assert result.returncode == 0, result.stderr
    entries = [clinvar.parse_info_fields(info) for info in annotated_infos(out)]
    assert [entry and entry.variation_id for entry in entries] == ["1001", None, "1004", "1005"]
    assert "3 of 4 records matched" in result.stdout


def test_a_chromosome_the_file_lacks_is_not_looked_up_rather_than_absent(tmp_path):
    """A ClinVar file cut to chr10: the chrX record is flagged CLINVAR_NOT_COVERED, never "not in ClinVar"."""
    only_10 = bgzip_vcf(tmp_path / "c10.vcf.gz", NCBI_HEADER + "10\t70598599\t13709\tC\tT\t.\t.\t"
                        "CLNREVSTAT=criteria_provided,_single_submitter;CLNSIG=Pathogenic\n")
    result, out = run_annotate(tmp_path, cohort_vcf(tmp_path), only_10)
    assert result.returncode == 0, result.stderr
    assert "not looked up (chromosome not in the file): chrX" in result.stdout
    with pysam.VariantFile(str(out)) as vcf:
        records = list(vcf)
    assert [clinvar.not_covered(dict(r.info)) for r in records] == [False, False, False, False, True]
    assert clinvar.parse_info_fields(dict(records[4].info)) is None
    release = json.loads((tmp_path / "release.json").read_text())
    assert (release["records_not_covered"], release["contigs_not_covered"]) == (1, ["chrX"])


def test_annotated_fields_read_back(tmp_path, ncbi):
    _, out = run_annotate(tmp_path, cohort_vcf(tmp_path), ncbi)
    with pysam.VariantFile(str(out)) as vcf:
        records = list(vcf)
    entries = [clinvar.parse_info_fields(dict(r.info)) for r in records]
    assert entries[1] is None
    assert entries[0].stars == 2 and entries[0].variation_id == "13709"
    assert clinvar.readable(entries[0].disease) == "Familial hemophagocytic lymphohistiocytosis 2; not provided"


def test_annotation_refuses_a_clinvar_without_the_panel_chromosomes(tmp_path):
    other = bgzip_vcf(tmp_path / "c.vcf.gz", NCBI_HEADER + "1\t100\t5\tA\tG\t.\t.\tCLNSIG=Benign;CLNREVSTAT=practice_guideline\n")
    result, out = run_annotate(tmp_path, cohort_vcf(tmp_path), other)
    assert result.returncode == 2
    assert "none of the chromosomes to annotate (chr10, chrX) is in the file (its contigs: 1)" in result.stderr
    assert not out.exists()


def test_a_format_1_clinvar_is_refused(tmp_path):
    """ClinVar's old VCF format (before 2017): CLNALLE maps numeric CLNSIG codes (5 = Pathogenic) to
    alleles. Read as words, no code is Pathogenic: the rescue and the risk-factor candidates would
    silently never fire."""
    header = NCBI_HEADER.replace("##source=ClinVar", "##source=dbSNP").replace(
        "##INFO=<ID=CLNSIG,Number=.,Type=String,Description=\"Aggregate germline classification for this single variant\">",
        '##INFO=<ID=CLNALLE,Number=.,Type=Integer,Description="Variant alleles from REF or ALT columns.  0 is REF, 1 '
        'is the first ALT allele, etc.">\n##INFO=<ID=CLNSIG,Number=.,Type=String,Description="Variant Clinical '
        'Significance, 0 - Uncertain significance, 1 - not provided, 2 - Benign, 3 - Likely benign, 4 - Likely '
        'pathogenic, 5 - Pathogenic, 6 - drug response, 7 - histocompatibility, 255 - other">')
    old = bgzip_vcf(tmp_path / "clinvar_20160705.vcf.gz", header + "10\t70598599\trs104894176\tC\tT\t.\t.\t"
                    "CLNALLE=1;CLNSIG=5;CLNREVSTAT=mult\n")
    with pytest.raises(UserInputError, match=r"old format 1.0 \(INFO/CLNALLE.*numeric codes \(5 = Pathogenic\)"):
        clinvar.open_clinvar(old)
    result, out = run_annotate(tmp_path, cohort_vcf(tmp_path), old)
    assert result.returncode == 2 and "vcf_GRCh38/clinvar.vcf.gz" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("record,message", [
    # one record for two alleles (a merged file): whose classification is "Pathogenic"?
    ("10\t70598599\t13709\tC\tT,G\t.\t.\tCLNREVSTAT=practice_guideline;CLNSIG=Pathogenic",
     r"record 10:70598599 C>T,G has 2 ALT alleles in one record: its CLNSIG does not say which allele"),
    # format 1.0 codes under a current header
    ("10\t70598599\t13709\tC\tT\t.\t.\tCLNREVSTAT=mult;CLNSIG=5|4",
     r"record 10:70598599 C>T: CLNSIG=5\|4 is a numeric code of the old format 1.0"),
])
def test_a_record_whose_clnsig_is_not_this_alleles_is_refused(tmp_path, record, message):
    """Before: the multi-ALT record's Pathogenic was given to both T and G (the rescue could keep
    the wrong allele); the numeric code was shown as '5|4' and never counted Pathogenic."""
    path = bgzip_vcf(tmp_path / "c.vcf.gz", NCBI_HEADER + record + "\n")
    result, out = run_annotate(tmp_path, cohort_vcf(tmp_path), path)
    assert result.returncode == 2, result.stdout
    assert re.search(r"c\.vcf\.gz: ALT: |c\.vcf\.gz: CLNSIG: ", result.stderr), result.stderr
    assert re.search(message, result.stderr), result.stderr
    assert not out.exists()


def test_a_somatic_only_record_gives_its_ids_and_no_germline_classification(tmp_path):
    """A 2024+ record with only an oncogenicity classification (ONC, ONCREVSTAT) and no CLNSIG: the
    allele is in ClinVar (IDs attached), with no germline classification and no stars (ONCREVSTAT is
    not the germline review)."""
    header = NCBI_HEADER.replace("#CHROM", '##INFO=<ID=ONC,Number=.,Type=String,Description="Aggregate oncogenicity '
                                 'classification for this single variant">\n##INFO=<ID=ONCREVSTAT,Number=.,Type=String,'
                                 'Description="ClinVar review status of oncogenicity classification">\n#CHROM')
    path = bgzip_vcf(tmp_path / "c.vcf.gz", header + "10\t70598599\t3024011\tC\tT\t.\t.\tALLELEID=3187000;"
                     "ONC=Oncogenic;ONCREVSTAT=criteria_provided,_single_submitter\n")
    result, out = run_annotate(tmp_path, cohort_vcf(tmp_path), path)
    assert result.returncode == 0, result.stderr
    with pysam.VariantFile(str(out)) as vcf:
        entry = clinvar.parse_info_fields(dict(next(iter(vcf)).info))
    assert (entry.variation_id, entry.allele_id, entry.clnsig, entry.stars) == ("3024011", "3187000", None, None)
    assert clinvar.clnsig_column(entry) == "no_germline_classification" and not clinvar.is_pathogenic(entry.clnsig)


def test_an_unsplit_cohort_record_is_refused(tmp_path, ncbi):
    """clinvar_annotate.py on a VCF not split by allele: C>T,G matches no ClinVar allele whole.
    Before: it read 'not in ClinVar' although ClinVar classifies C>T Pathogenic."""
    text = gzip.open(cohort_vcf(tmp_path), "rt").read().replace("\tC\tT\t50\t.\tDP=30", "\tC\tT,G\t50\t.\tDP=30", 1)
    cohort = bgzip_vcf(tmp_path / "unsplit.vcf.gz", text)
    result, out = run_annotate(tmp_path, cohort, ncbi)
    assert result.returncode == 2
    assert re.search(r"unsplit\.vcf\.gz:\d+: ALT: record chr10:70598599 has 2 ALT alleles \(T,G\)", result.stderr), \
        result.stderr
    assert not out.exists()


def test_a_piece_of_an_mnv_clinvar_lists_says_so(tmp_path):
    """The caller wrote GCAG>GTGG (an MNV in its haplotype context); bcftools norm --atomize made two
    SNVs with OLD_REC. ClinVar lists the MNV CA>TG, not the SNVs. Before: both pieces read 'not in
    ClinVar'. Now they carry the MNV's variation ID and CLNSIG in INFO/CLINVAR_PART_OF, never as
    their own classification (no CLINVAR_CLNSIG: the rescue cannot keep a piece for it)."""
    clinvar_vcf = bgzip_vcf(tmp_path / "c.vcf.gz", NCBI_HEADER + "10\t70598600\t424242\tCA\tTG\t.\t.\t"
                            "CLNREVSTAT=criteria_provided,_single_submitter;CLNSIG=Pathogenic\n"
                            "10\t70598610\t5\tC\tT\t.\t.\tCLNREVSTAT=practice_guideline;CLNSIG=Benign\n"
                            "10\t70598610\t6\tCTA\tTTC\t.\t.\tCLNREVSTAT=practice_guideline;CLNSIG=Pathogenic\n")
    old_rec = ('##INFO=<ID=OLD_REC,Number=1,Type=String,Description="Original variant. Format: '
               'CHR|POS|REF|ALT|USED_ALT_IDX">\n')
    cohort = chr10_cohort(tmp_path, [
        "70598600\t.\tC\tT\t50\t.\tOLD_REC=chr10|70598599|GCAG|GTGG|1",
        "70598601\t.\tA\tG\t50\t.\tOLD_REC=chr10|70598599|GCAG|GTGG|1",
        # a piece that is in ClinVar itself keeps its own entry (Benign), whatever the whole allele's
        "70598610\t.\tC\tT\t50\t.\tOLD_REC=chr10|70598610|CTA|TTC|1",
        # only split (its original is itself): nothing longer to look up
        "70598620\t.\tG\tA\t50\t.\tOLD_REC=chr10|70598620|G|A,C|1"], old_rec)
    result, out = run_annotate(tmp_path, cohort, clinvar_vcf)
    assert result.returncode == 0, result.stderr
    assert "1 of 4 records matched; 2 record(s) not in ClinVar themselves are pieces of a longer allele" in result.stdout
    infos = annotated_infos(out)
    assert [clinvar.part_of(info) for info in infos] == ["424242:Pathogenic", "424242:Pathogenic", None, None]
    assert [clinvar.parse_info_fields(info) for info in infos[:2]] == [None, None]
    assert clinvar.parse_info_fields(infos[2]).clnsig == "Benign"
    assert json.loads((tmp_path / "release.json").read_text())["records_part_of_clinvar_allele"] == 2


@pytest.mark.parametrize("allele,trimmed", [
    ((100, "GCAG", "GTGG"), (101, "CA", "TG")), ((100, "AT", "A"), (100, "AT", "A")),
    ((100, "ACTG", "AG"), (100, "ACT", "A")), ((100, "C", "T"), (100, "C", "T")),
])
def test_trimmed_allele_is_clinvars_spelling(allele, trimmed):
    assert clinvar.minimal_allele(*allele) == trimmed


def test_best_entry_prefers_review_then_lowest_id():
    a = clinvar.ClinvarEntry("20", None, "Pathogenic", None, 1, None)
    b = clinvar.ClinvarEntry("10", None, "Benign", None, 1, None)
    c = clinvar.ClinvarEntry("30", None, "Benign", None, 2, None)
    assert clinvar.best_entry([a, b]) is b
    assert clinvar.best_entry([a, b, c]) is c
    assert clinvar.best_entry([]) is None


def test_best_entry_prefers_a_classification_over_none_at_equal_review():
    """Two records of one allele with 0 stars: the one that classifies it wins over one without a germline
    classification (no CLNSIG, or ClinVar's 'no classification ...' terms), whatever their IDs. Before:
    the lower ID, so a Pathogenic record could be hidden by a no-classification one."""
    classified = clinvar.ClinvarEntry("20", None, "Pathogenic", "no_assertion_criteria_provided", 0, None)
    haplotype_only = clinvar.ClinvarEntry("10", None, "no_classification_for_the_single_variant",
                                          "no_classification_for_the_single_variant", 0, None)
    somatic_only = clinvar.ClinvarEntry("5", None, None, None, None, None)
    assert clinvar.best_entry([haplotype_only, classified]) is classified
    assert clinvar.best_entry([somatic_only, haplotype_only]) is haplotype_only
    better = clinvar.ClinvarEntry("30", None, "Benign", "criteria_provided,_single_submitter", 1, None)
    assert clinvar.best_entry([classified, better, haplotype_only]) is better  # stars still come first


# ---------------------------------------------------------------------------------------------
# Indels in repeats: both sides normalised against the reference
# ---------------------------------------------------------------------------------------------

# chr10 positions 1-20 unique, 21-32 four CAG repeats, then unique again
REPEAT_SEQ = "GATTACAGTCCTGAGTTAGC" + "CAG" * 4 + "TTGACCGTAAGCTTGACTAGGATCCATTGCA"


def chr10_fasta(tmp_path: Path, sequence: str = REPEAT_SEQ) -> Path:
    fasta = tmp_path / "genome.fa"
    fasta.write_text(">chr10\n" + "\n".join(sequence[i:i + 60] for i in range(0, len(sequence), 60)) + "\n")
    pysam.faidx(str(fasta))
    return fasta


def repeat_reference(tmp_path):
    from hlhscreen import normalise

    handle = pysam.FastaFile(str(chr10_fasta(tmp_path)))
    return normalise.Reference(handle.fetch)


@pytest.mark.parametrize("written,aligned", [
    ((29, "GCAG", "G"), (20, "CCAG", "C")),            # right-aligned in the repeat (HGVS-like 3' placement)
    ((19, "GCCAGCAG", "GCCAG"), (20, "CCAG", "C")),    # padded: more context on both sides
    ((23, "GCAGC", "GC"), (20, "CCAG", "C")),           # padded at the end, mid-repeat
    ((32, "G", "GCAG"), (20, "C", "CCAG")),            # an insertion of one more CAG, written last
    ((20, "CCAG", "C"), (20, "CCAG", "C")),            # already normalised
    ((33, "T", "C"), (33, "T", "C")),                  # a SNV stays
])
def test_left_align_puts_an_indel_first_in_its_repeat(tmp_path, written, aligned):
    from hlhscreen import normalise

    assert normalise.left_align(repeat_reference(tmp_path), "chr10", *written) == aligned


def _random_alleles(sequence: str, count: int, seed: int = 11):
    """(pos, REF, ALT) with REF the reference's: SNVs, MNVs, complex changes and indels, many of them in the
    CAG repeat, written with or without padding and context."""
    import random

    rng = random.Random(seed)
    while count:
        pos = rng.randint(8, len(sequence) - 8)  # away from the contig start, where a walk left ends
        ref = sequence[pos - 1:pos - 1 + rng.randint(1, 7)]
        kind = rng.choice(("delete", "insert", "replace"))
        cut = rng.randint(0, len(ref))
        if kind == "delete":
            alt = ref[:cut] + ref[cut + rng.randint(1, 3):]
        elif kind == "insert":
            start = rng.randint(0, len(sequence) - 4)
            alt = ref[:cut] + (sequence[start:start + rng.randint(1, 4)] if rng.random() < 0.5 else "CAG") + ref[cut:]
        else:
            alt = ref[:cut] + "".join(rng.choice("ACGT") for _ in range(rng.randint(1, 3))) + ref[cut + 1:]
        if alt and alt != ref:
            count -= 1
            yield pos, ref, alt


def test_left_align_trims_as_minimal_allele_does(tmp_path):
    """normalise.left_align and vcf_text.minimal_allele must agree on what a trimmed allele is: ClinVar
    matching compares an allele left-aligned against the reference with one only trimmed (no --fasta, or a
    REF the reference lacks). An allele that cannot move left comes out as minimal_allele writes it; one that
    can is further left, spells the same sequence and is already minimal."""
    from hlhscreen import normalise
    from hlhscreen.vcf_text import minimal_allele

    reference = normalise.Reference(lambda contig, start, end: REPEAT_SEQ[start:end])

    def spelled(pos: int, ref: str, alt: str) -> str:
        assert REPEAT_SEQ[pos - 1:pos - 1 + len(ref)] == ref
        return REPEAT_SEQ[:pos - 1] + alt + REPEAT_SEQ[pos - 1 + len(ref):]

    shifted = 0
    for written in _random_alleles(REPEAT_SEQ, 3000):
        aligned = normalise.left_align(reference, "chr10", *written)
        trimmed = minimal_allele(*written)
        assert aligned is not None, written
        assert minimal_allele(*aligned) == aligned, written
        assert spelled(*aligned) == spelled(*written), written
        if trimmed[1][-1] != trimmed[2][-1]:
            assert aligned == trimmed, written
        else:
            assert aligned[0] < trimmed[0] and normalise.is_indel(*aligned[1:]), written
            shifted += 1
    assert shifted > 100  # the repeat is walked often enough to mean something


def test_left_align_refuses_a_ref_the_reference_lacks_and_right_shift_spans_the_repeat(tmp_path):
    from hlhscreen import normalise

    reference = repeat_reference(tmp_path)
    assert normalise.left_align(reference, "chr10", 29, "GCAT", "G") is None      # REF not the reference's
    assert normalise.left_align(reference, "chr2", 29, "GCAG", "G") is None       # contig not in the FASTA
    assert normalise.right_shift(reference, "chr10", (20, "CCAG", "C")) == 9      # to POS 29
    assert normalise.right_shift(reference, "chr10", (20, "C", "CCAG")) == 12     # to POS 32
    assert normalise.right_shift(reference, "chr10", (40, "TA", "T")) == 1       # AA: to POS 41
    assert normalise.right_shift(reference, "chr10", (42, "AG", "A")) == 0       # no repeat


def test_a_repeat_indel_clinvar_writes_elsewhere_in_the_repeat_is_matched(tmp_path):
    """NCBI's file does not always left-align: a CAG deletion it writes at the end of the repeat
    (POS 29 GCAG>G) and the cohort's left-aligned call (POS 20 CCAG>C), or the padded form a caller
    writes (POS 19 GCCAGCAG>GCCAG), are one variant. Before: 'not in ClinVar' (and --fasta refused).
    A two-CAG deletion in the same repeat does not match it, and a three-CAG deletion matches nothing.
    A record whose REF is not the reference's (GTA at 41, where the reference has ATA) is compared as
    written, and counted on each side."""
    records = [
        "10\t20\t1006\tCCAGCAG\tC\t.\t.\tCLNREVSTAT=practice_guideline;CLNSIG=Benign",
        "10\t29\t1007\tGCAG\tG\t.\t.\tCLNREVSTAT=criteria_provided,_multiple_submitters,_no_conflicts;CLNSIG=Pathogenic",
        "10\t32\t1008\tG\tGCAG\t.\t.\tCLNREVSTAT=reviewed_by_expert_panel;CLNSIG=Likely_pathogenic",
        "10\t41\t1009\tGTA\tG\t.\t.\tCLNREVSTAT=reviewed_by_expert_panel;CLNSIG=Pathogenic",
    ]
    cohort = ["19\t.\tGCCAGCAG\tGCCAG", "20\t.\tCCAG\tC", "20\t.\tC\tCCAG", "20\t.\tCCAGCAGCAG\tC", "41\t.\tGTA\tG"]
    result, out = annotate_records(tmp_path, records, cohort, chr10_fasta(tmp_path))
    assert result.returncode == 0, result.stderr
    entries = [clinvar.parse_info_fields(info) for info in annotated_infos(out)]
    assert [entry and entry.variation_id for entry in entries] == ["1007", "1007", "1008", None, "1009"]
    assert "indels compared left-aligned on genome.fa (1 cohort and 1 ClinVar indel record(s)" in result.stdout
    release = json.loads((tmp_path / "release.json").read_text())
    assert (release["normalised_against"], release["indels_not_normalised"],
            release["clinvar_indels_not_normalised"]) == ("genome.fa", 1, 1)
    # without the FASTA only the padding is trimmed: the right-aligned record is missed, as the docs say
    result, out = annotate_records(tmp_path, records, cohort)
    assert result.returncode == 0, result.stderr
    entries = [clinvar.parse_info_fields(info) for info in annotated_infos(out)]
    assert [entry and entry.variation_id for entry in entries] == [None, None, None, None, "1009"]
    assert "no --fasta" in result.stdout
    assert json.loads((tmp_path / "release.json").read_text())["normalised_against"] is None


def test_an_unreadable_fasta_is_refused_before_any_output(tmp_path, ncbi):
    result, out = run_annotate(tmp_path, cohort_vcf(tmp_path), ncbi, tmp_path / "missing.fa")
    assert result.returncode == 2
    assert "missing.fa: --fasta: file not found" in result.stderr, result.stderr
    assert not out.exists()


# ---------------------------------------------------------------------------------------------
# Real layouts of NCBI releases, old and current
# ---------------------------------------------------------------------------------------------

def info_line(name: str, description: str, number: str = ".", kind: str = "String") -> str:
    return f'##INFO=<ID={name},Number={number},Type={kind},Description="{description}">\n'


# The header of a current GRCh38 release (2024+): germline CLNSIG/CLNREVSTAT/CLNSIGCONF/CLNSIGINCL
# beside the oncogenicity (ONC*) and somatic clinical impact (SCI*) fields NCBI added with somatic
# classifications (the INFO definitions as NCBI describes them, in its order).
CURRENT_HEADER = "".join([
    "##fileformat=VCFv4.1\n##fileDate=2025-01-27\n##source=ClinVar\n##reference=GRCh38\n",
    '##ID=<Description="ClinVar Variation ID">\n',
    info_line("AF_EXAC", "allele frequencies from ExAC", "1", "Float"),
    info_line("ALLELEID", "the ClinVar Allele ID", "1", "Integer"),
    info_line("CLNDN", "ClinVar's preferred disease name for the concept specified by disease identifiers in CLNDISDB"),
    info_line("CLNDNINCL", "For included Variant : ClinVar's preferred disease name for the concept specified by "
                           "disease identifiers in CLNDISDB"),
    info_line("CLNDISDB", "Tag-value pairs of disease database name and identifier submitted for germline "
                          "classifications, e.g. OMIM:NNNNNN"),
    info_line("CLNHGVS", "Top-level (primary assembly, alt, or patch) HGVS expression."),
    info_line("CLNREVSTAT", "ClinVar review status of germline classification for the Variation ID"),
    info_line("CLNSIG", "Aggregate germline classification for this single variant; multiple values are separated "
                        "by a vertical bar"),
    info_line("CLNSIGCONF", "Conflicting germline classification for this single variant; multiple values are "
                            "separated by a vertical bar"),
    info_line("CLNSIGINCL", "Germline classification for a haplotype or genotype that includes this variant. "
                            "Reported as pairs of VariationID:classification; multiple values are separated by a "
                            "vertical bar"),
    info_line("CLNVC", "Variant type", "1"),
    info_line("GENEINFO", "Gene(s) for the variant reported as gene symbol:gene id", "1"),
    info_line("ONCDN", "ClinVar's preferred disease name for the concept specified by disease identifiers in ONCDISDB"),
    info_line("ONC", "Aggregate oncogenicity classification for this single variant; multiple values are separated "
                     "by a vertical bar"),
    info_line("ONCINCL", "Oncogenicity classification for a haplotype or genotype that includes this variant. "
                         "Reported as pairs of VariationID:classification"),
    info_line("ONCREVSTAT", "ClinVar review status of oncogenicity classification for the Variation ID"),
    info_line("ONCCONF", "Conflicting oncogenicity classification for this single variant"),
    info_line("ORIGIN", "Allele origin"),
    info_line("RS", "dbSNP ID (i.e. rs number)"),
    info_line("SCIDN", "ClinVar's preferred disease name for the concept specified by disease identifiers in SCIDISDB"),
    info_line("SCIREVSTAT", "ClinVar review status of somatic clinical impact for the Variation ID"),
    info_line("SCI", "Aggregate somatic clinical impact for this single variant; multiple values are separated by a "
                     "vertical bar"),
    info_line("SCIINCL", "Somatic clinical impact classification for a haplotype or genotype that includes this "
                         "variant. Reported as pairs of VariationID:classification"),
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n",
])

# A release of 2019-2023 (VCF format 2.0 before somatic classifications): "Clinical significance",
# "interpretations", no ONC/SCI fields.
OLD_HEADER = "".join([
    "##fileformat=VCFv4.1\n##fileDate=2021-06-13\n##source=ClinVar\n##reference=GRCh38\n",
    '##ID=<Description="ClinVar Variation ID">\n',
    info_line("ALLELEID", "the ClinVar Allele ID", "1", "Integer"),
    info_line("CLNDN", "ClinVar's preferred disease name for the concept specified by disease identifiers in CLNDISDB"),
    info_line("CLNREVSTAT", "ClinVar review status for the Variation ID"),
    info_line("CLNSIG", "Clinical significance for this single variant"),
    info_line("CLNSIGCONF", "Conflicting clinical significance for this single variant"),
    info_line("CLNSIGINCL", "Clinical significance for a haplotype or genotype that includes this variant. Reported "
                            "as pairs of VariationID:clinical significance."),
    info_line("GENEINFO", "Gene(s) for the variant reported as gene symbol:gene id", "1"),
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n",
])

# (INFO of the record, stars, classification column, rescued at 2 stars, rescued at 0 stars, risk-factor candidate)
CURRENT_RECORDS = [
    ("ALLELEID=1;CLNDN=Familial_hemophagocytic_lymphohistiocytosis_2;CLNREVSTAT=criteria_provided,_multiple_"
     "submitters,_no_conflicts;CLNSIG=Pathogenic/Likely_pathogenic;CLNVC=single_nucleotide_variant;GENEINFO=PRF1:5551",
     2, "Pathogenic/Likely_pathogenic", True, True, False),
    ("ALLELEID=2;CLNDN=not_provided;CLNREVSTAT=criteria_provided,_conflicting_classifications;CLNSIG=Conflicting_"
     "classifications_of_pathogenicity|_risk_factor;CLNSIGCONF=Pathogenic(1)|Uncertain_significance(2)|Benign(1);"
     "GENEINFO=PRF1:5551", 1, "Conflicting_classifications_of_pathogenicity|_risk_factor", False, False, True),
    ("ALLELEID=3;CLNDN=Familial_hemophagocytic_lymphohistiocytosis_2;CLNREVSTAT=reviewed_by_expert_panel;"
     "CLNSIG=Pathogenic|_risk_factor;GENEINFO=PRF1:5551", 3, "Pathogenic|_risk_factor", True, True, True),
    # a member of a haplotype only: its pathogenic classification is the haplotype's (CLNSIGINCL)
    ("ALLELEID=4;CLNDNINCL=Familial_hemophagocytic_lymphohistiocytosis_2;CLNREVSTAT=no_classification_for_the_"
     "single_variant;CLNSIG=no_classification_for_the_single_variant;CLNSIGINCL=431013:Pathogenic;GENEINFO=PRF1:5551",
     0, "no_classification_for_the_single_variant", False, False, False),
    # only somatic classifications, both expert-reviewed: in ClinVar, but no germline classification at all
    ("ALLELEID=5;GENEINFO=PRF1:5551;ONC=Oncogenic;ONCDN=Colorectal_cancer;ONCREVSTAT=reviewed_by_expert_panel;"
     "ORIGIN=2;SCI=Tier_I_-_Strong;SCIDN=Colorectal_cancer;SCIREVSTAT=criteria_provided,_multiple_submitters;"
     "CLNSIGINCL=431013:Pathogenic;ONCINCL=431013:Likely_oncogenic;SCIINCL=431013:Tier_III_-_Uncertain",
     None, "no_germline_classification", False, False, False),
    # germline VUS beside a somatic Oncogenic: the germline classification is the one read
    ("ALLELEID=6;CLNREVSTAT=criteria_provided,_single_submitter;CLNSIG=Uncertain_significance;ONC=Oncogenic;"
     "ONCREVSTAT=practice_guideline", 1, "Uncertain_significance", False, False, False),
    ("ALLELEID=7;CLNREVSTAT=practice_guideline;CLNSIG=Pathogenic", 4, "Pathogenic", True, True, False),
    ("ALLELEID=8;CLNREVSTAT=criteria_provided,_single_submitter;CLNSIG=Likely_pathogenic,_low_penetrance",
     1, "Likely_pathogenic,_low_penetrance", False, True, False),
    ("ALLELEID=9;CLNREVSTAT=no_assertion_criteria_provided;CLNSIG=Pathogenic", 0, "Pathogenic", False, True, False),
    ("ALLELEID=10;CLNREVSTAT=no_classification_provided;CLNSIG=not_provided", 0, "not_provided", False, False, False),
    ("ALLELEID=11;CLNREVSTAT=criteria_provided,_multiple_submitters,_no_conflicts;"
     "CLNSIG=Pathogenic/Likely_pathogenic/Established_risk_allele", 2,
     "Pathogenic/Likely_pathogenic/Established_risk_allele", True, True, True),
    ("ALLELEID=12;CLNREVSTAT=no_classifications_from_unflagged_records;CLNSIG=no_classifications_from_unflagged_"
     "records", 0, "no_classifications_from_unflagged_records", False, False, False),
]
OLD_RECORDS = [
    ("ALLELEID=21;CLNREVSTAT=criteria_provided,_conflicting_interpretations;CLNSIG=Conflicting_interpretations_of_"
     "pathogenicity|_risk_factor;CLNSIGCONF=Pathogenic(1)|Uncertain_significance(1)", 1,
     "Conflicting_interpretations_of_pathogenicity|_risk_factor", False, False, True),
    ("ALLELEID=22;CLNREVSTAT=criteria_provided,_multiple_submitters,_no_conflicts;CLNSIG=Pathogenic|_drug_response|"
     "_other", 2, "Pathogenic|_drug_response|_other", True, True, False),
    ("ALLELEID=23;CLNREVSTAT=no_interpretation_for_the_single_variant;CLNSIG=no_interpretation_for_the_single_variant;"
     "CLNSIGINCL=16474:Pathogenic", 0, "no_interpretation_for_the_single_variant", False, False, False),
    ("ALLELEID=24;CLNREVSTAT=no_assertion_provided;CLNSIG=not_provided", 0, "not_provided", False, False, False),
    # before 2019 the non-germline terms followed a comma
    ("ALLELEID=25;CLNREVSTAT=criteria_provided,_single_submitter;CLNSIG=Pathogenic,_risk_factor", 1,
     "Pathogenic,_risk_factor", False, True, True),
]


@pytest.mark.parametrize("header,rows", [(CURRENT_HEADER, CURRENT_RECORDS), (OLD_HEADER, OLD_RECORDS)],
                         ids=["release_2025", "release_2021"])
def test_release_layouts_map_to_stars_and_categories(tmp_path, header, rows):
    """Each record of a real release layout through the annotation step and back as the screen reads it
    (clinvar.parse_info_fields): its stars, its classification column, the rescue at 2 and at 0 stars,
    and the risk-factor candidacy. ONC/SCI classifications and CLNSIGINCL (a haplotype's) never count
    as the allele's germline classification, nor ONCREVSTAT/SCIREVSTAT as its review."""
    start = 70598600
    lines = [f"10\t{start + 2 * i}\t{900 + i}\tC\tT\t.\t.\t{info}" for i, (info, *_) in enumerate(rows)]
    clinvar_vcf = bgzip_vcf(tmp_path / "c.vcf.gz", header + "\n".join(lines) + "\n")
    cohort = chr10_cohort(tmp_path, [f"{start + 2 * i}\t.\tC\tT" for i in range(len(rows))])
    result, out = run_annotate(tmp_path, cohort, clinvar_vcf)
    assert result.returncode == 0, result.stderr
    entries = [clinvar.parse_info_fields(info) for info in annotated_infos(out)]
    got = [(e.variation_id, e.stars, clinvar.clnsig_column(e), clinvar.rescues(e, 2), clinvar.rescues(e, 0),
            clinvar.is_risk_factor(e.clnsig)) for e in entries]
    assert got == [(str(900 + i), *row[1:]) for i, row in enumerate(rows)]
    somatic = [e for e in entries if e.clnsig is None]
    assert all(e.disease is None and e.review_status is None for e in somatic)  # ONCDN/SCIDN are not CLNDN
