"""Annotation the pipeline did not write, as users bring it (session 9 audit): VEP run with other
options than the pipeline's, and annotators whose output this screen does not read.

Layouts follow Ensembl VEP's VCF writer (OutputFactory::VCF): the CSQ `Format:` list always starts
with the same 18 columns, `Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|
INTRON|HGVSc|HGVSp|cDNA_position|CDS_position|Protein_position|Amino_acids|Codons|Existing_variation`,
whatever the options, then the fields of the options given (CANONICAL with --canonical, MANE_SELECT
with --mane, SYMBOL_SOURCE|HGNC_ID with --symbol, ...). So a run without --symbol or --hgvs has the
SYMBOL/HGVS columns, empty in every entry; --most_severe/--summary (which VEP refuses together with
--symbol) leave every transcript column empty. VEP writes its options in `##VEP-command-line`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional, Sequence

import pytest

from hlhscreen import annotation as A
from hlhscreen.errors import UserInputError
from test_screen_inputs import run

VCF_COLS = ("Allele", "Consequence", "IMPACT", "SYMBOL", "Gene", "Feature_type", "Feature", "BIOTYPE", "EXON",
            "INTRON", "HGVSc", "HGVSp", "cDNA_position", "CDS_position", "Protein_position", "Amino_acids", "Codons",
            "Existing_variation")
#: the columns of `vep --vcf --cache --offline --canonical --mane --hgvs` (no --symbol)
NO_SYMBOL = VCF_COLS + ("DISTANCE", "STRAND", "FLAGS", "CANONICAL", "MANE_SELECT", "MANE_PLUS_CLINICAL")
#: ... with --symbol but neither --canonical nor --mane (no transcript flag)
NO_FLAGS = VCF_COLS + ("DISTANCE", "STRAND", "FLAGS", "SYMBOL_SOURCE", "HGNC_ID")
#: the full pipeline set
FULL = VCF_COLS + ("DISTANCE", "STRAND", "FLAGS", "SYMBOL_SOURCE", "HGNC_ID", "CANONICAL", "MANE_SELECT",
                   "MANE_PLUS_CLINICAL")

VEP_VERSION = ('##VEP="v113" time="2024-11-20 14:02:11" cache="/opt/vep/.vep/homo_sapiens/113_GRCh38" '
               'ensembl=113.b7a3b0d ensembl-variation=113.5b18ad4 ensembl-io=113.0a9aa03 assembly="GRCh38.p14"')

# PRF1 stop-gain (chr10:70598010 G>A, c.1384C>T p.Gln462Ter on the MANE transcript) and its second,
# non-MANE transcript (intronic there)
MANE_ENTRY = dict(Allele="A", Consequence="stop_gained", IMPACT="HIGH", SYMBOL="PRF1", Gene="ENSG00000180644",
                  Feature_type="Transcript", Feature="ENST00000441259.2", BIOTYPE="protein_coding", EXON="3/3",
                  HGVSc="ENST00000441259.2:c.1384C>T", HGVSp="ENSP00000398568.1:p.Gln462Ter", STRAND="-1",
                  SYMBOL_SOURCE="HGNC", HGNC_ID="HGNC:9360", CANONICAL="YES", MANE_SELECT="NM_001083116.3")
OTHER_ENTRY = dict(Allele="A", Consequence="intron_variant", IMPACT="MODIFIER", SYMBOL="PRF1",
                   Gene="ENSG00000180644", Feature_type="Transcript", Feature="ENST00000373209.7",
                   BIOTYPE="protein_coding", INTRON="2/2", HGVSc="ENST00000373209.7:c.1000-20C>T", STRAND="-1",
                   SYMBOL_SOURCE="HGNC", HGNC_ID="HGNC:9360")


def csq(fields: Sequence[str], *entries: Dict[str, str], drop: Sequence[str] = ()) -> str:
    """The CSQ value of ``entries`` in the layout ``fields``; columns named in ``drop`` left empty (as
    VEP leaves the columns of options it was not given)."""
    return ",".join("|".join("" if name in drop else e.get(name, "") for name in fields) for e in entries)


def vep_vcf(path: Path, fields: Sequence[str], info: str, *, command: Optional[str] = None,
            tag: str = "CSQ", site: str = "chr10\t70598010\t.\tG\tA") -> Path:
    lines = ["##fileformat=VCFv4.2", "##contig=<ID=chr10,length=133797422>",
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read Depth">',
             '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype Quality">', VEP_VERSION,
             f'##INFO=<ID={tag},Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
             f'Format: {"|".join(fields)}">']
    if command is not None:
        lines.append(f"##VEP-command-line='{command}'")
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2")
    lines.append(f"{site}\t100\tPASS\t{tag}={info}\tGT:DP:GQ\t0/1:30:99\t0/0:30:99")
    path.write_text("\n".join(lines) + "\n")
    return path


# --- VEP without --symbol: SYMBOL present in the header, empty in every entry ----------------------------


@pytest.mark.parametrize("command", ["vep --cache --canonical --hgvs --mane --offline --vcf", None])
def test_vep_without_symbol_is_refused_not_dropped(tmp_path, command):
    """Before: the PRF1 stop-gain carried by a case was dropped as no_panel_gene_annotation (no entry named
    PRF1), no carrier, exit 0."""
    info = csq(NO_SYMBOL, MANE_ENTRY, OTHER_ENTRY, drop=("SYMBOL",))
    vcf = vep_vcf(tmp_path / "nosymbol.vcf", NO_SYMBOL, info, command=command)
    with pytest.raises(UserInputError) as caught:
        run(tmp_path, vcf)
    message = str(caught.value)
    line = 10 if command else 9
    assert message.startswith(f"ERROR {vcf}:{line}: INFO/CSQ: chr10:70598010:G:A: none of its 2 entries names a gene")
    assert "ENSG00000180644" in message and "--symbol" in message
    assert not list((tmp_path / "out").glob("*.tsv")), "no result may be left that looks complete"


def test_vep_most_severe_is_refused_at_the_header(tmp_path):
    """--most_severe (or --summary) writes one consequence per variant with every transcript column empty.
    Before: every panel variant was dropped as no_panel_gene_annotation."""
    info = csq(VCF_COLS, dict(Allele="A", Consequence="stop_gained", IMPACT="HIGH"))
    vcf = vep_vcf(tmp_path / "most_severe.vcf", VCF_COLS, info, command="vep --cache --most_severe --offline --vcf")
    with pytest.raises(UserInputError) as caught:
        A.read_layout(vcf)
    assert "--most_severe" in str(caught.value) and "Re-run VEP without --most_severe/--summary" in str(caught.value)
    with pytest.raises(UserInputError, match="--most_severe"):
        run(tmp_path, vcf)


def test_vep_most_severe_without_the_command_line_is_refused_at_the_record(tmp_path):
    """The same output with its ##VEP-command-line line gone (an older VEP, or a header rewritten by another
    tool): the record has one entry naming neither transcript nor gene."""
    info = csq(VCF_COLS, dict(Allele="A", Consequence="stop_gained", IMPACT="HIGH"))
    vcf = vep_vcf(tmp_path / "most_severe.vcf", VCF_COLS, info)
    with pytest.raises(UserInputError) as caught:
        run(tmp_path, vcf)
    message = str(caught.value)
    assert f"{vcf}:9: INFO/CSQ: chr10:70598010:G:A: none of its 1 entries names a transcript or a gene" in message
    assert "consequence stop_gained only" in message and "--most_severe" in message


def test_vep_command_line_options():
    header = (VEP_VERSION + "\n##VEP-command-line='vep --af_gnomade --cache --custom file=g.vcf.gz,short_name=gnomAD,"
              "fields=AF --pick --offline --vcf'\n")
    assert A.vep_command_options(header) == {"af_gnomade", "cache", "custom", "pick", "offline", "vcf"}
    assert A.vep_command_options(VEP_VERSION) == frozenset()


# --- transcript flags: no MANE/canonical; --pick -----------------------------------------------------------


def _screen_warnings(out) -> str:
    return "\n".join(out.summary.warnings)


def test_vep_without_mane_and_canonical_says_the_transcript_is_the_most_severe(tmp_path):
    """Before: every variant was judged by the most severe of its gene's transcripts with nothing in the run
    log (only each row's summary_basis said so)."""
    info = csq(NO_FLAGS, MANE_ENTRY, OTHER_ENTRY)
    vcf = vep_vcf(tmp_path / "noflags.vcf", NO_FLAGS, info, command="vep --cache --hgvs --offline --symbol --vcf")
    out = run(tmp_path, vcf, name="with_list")  # the tests' run() passes the panel's MANE list
    assert "most severe transcript of its gene" not in _screen_warnings(out)
    assert out.variants["chr10:70598010:G:A"]["summary_basis"] == "mane_select"

    import hlhscreen.screen as S
    from test_screen_inputs import REGIONS, WHITELIST, Out, two_samples
    summary = S.run_screen(vcf, REGIONS, WHITELIST, two_samples(tmp_path), tmp_path / "no_list", S.ScreenConfig())
    bare = Out(tmp_path / "no_list", summary)
    warnings = _screen_warnings(bare)
    assert "no MANE_SELECT, MANE or CANONICAL field" in warnings and "--mane-transcripts" in warnings
    assert bare.variants["chr10:70598010:G:A"]["summary_basis"] == "most_severe"
    assert bare.mqc["records in the panel judged by the most severe transcript (no MANE Select or canonical one "
                    "annotated)"] == "1"


@pytest.mark.parametrize("option", ["pick", "per_gene", "pick_allele_gene"])
def test_vep_pick_is_said_in_the_run_log(tmp_path, option):
    info = csq(FULL, MANE_ENTRY)
    vcf = vep_vcf(tmp_path / "pick.vcf", FULL, info,
                  command=f"vep --cache --canonical --hgvs --mane --offline --{option} --symbol --vcf")
    out = run(tmp_path, vcf)
    assert f"VEP was run with --{option}" in _screen_warnings(out)
    assert out.variants["chr10:70598010:G:A"]["decision"] == "kept"


def test_vep_flag_pick_keeps_every_consequence_and_is_not_warned(tmp_path):
    fields = FULL + ("PICK",)
    info = csq(fields, dict(MANE_ENTRY, PICK="1"), OTHER_ENTRY)
    vcf = vep_vcf(tmp_path / "flag_pick.vcf", fields, info,
                  command="vep --cache --canonical --flag_pick --hgvs --mane --offline --symbol --vcf")
    out = run(tmp_path, vcf)
    assert "VEP was run with" not in _screen_warnings(out)


# --- VEP without --hgvs -----------------------------------------------------------------------------------


def test_vep_without_hgvs_decides_the_same_and_says_what_was_not_checked(tmp_path):
    """Before: HGVSc/HGVSp empty everywhere with nothing said (labels fell back to the variant id, the
    whitelist's HGVSp cross-check and the codon check of atomised pieces silently did nothing)."""
    with_hgvs = run(tmp_path, vep_vcf(tmp_path / "hgvs.vcf", FULL, csq(FULL, MANE_ENTRY, OTHER_ENTRY)),
                    name="hgvs")
    info = csq(FULL, MANE_ENTRY, OTHER_ENTRY, drop=("HGVSc", "HGVSp"))
    out = run(tmp_path, vep_vcf(tmp_path / "nohgvs.vcf", FULL, info,
                                command="vep --cache --canonical --mane --offline --symbol --vcf"), name="nohgvs")
    row, before = out.variants["chr10:70598010:G:A"], with_hgvs.variants["chr10:70598010:G:A"]
    assert (row["decision"], row["reasons"], row["gene"]) == (before["decision"], before["reasons"], "PRF1")
    assert (row["hgvsp"], row["label"]) == ("NA", "chr10:70598010:G:A")
    assert "without HGVSc/HGVSp" in _screen_warnings(out) and "--hgvs" in _screen_warnings(out)
    assert out.mqc["records in the panel judged by a transcript without HGVSc/HGVSp"] == "1"
    assert "without HGVSc/HGVSp" not in _screen_warnings(with_hgvs)


def test_vep_with_hgvs_upstream_of_the_transcript_is_not_warned(tmp_path):
    """VEP writes HGVSc only for variants that overlap the transcript (or its introns): an upstream or
    downstream entry has none even with --hgvs. PRF1 is on the minus strand and its MANE transcript starts
    at 70602741; the panel's exon1 interval (3 bp padding) reaches 70602744, so 70602743 is a panel record
    judged by an upstream_gene_variant entry. Before: counted and warned as 'VEP without --hgvs'."""
    upstream = dict(MANE_ENTRY, Allele="T", Consequence="upstream_gene_variant", IMPACT="MODIFIER", EXON="",
                    HGVSc="", HGVSp="", DISTANCE="2")
    out = run(tmp_path, vep_vcf(tmp_path / "upstream.vcf", FULL, csq(FULL, upstream),
                                command="vep --cache --canonical --hgvs --mane --offline --symbol --vcf",
                                site="chr10\t70602743\t.\tC\tT"))
    row = out.variants["chr10:70602743:C:T"]
    assert (row["gene"], row["consequence"], row["summary_basis"]) == ("PRF1", "upstream_gene_variant", "mane_select")
    assert "without HGVSc/HGVSp" not in _screen_warnings(out)
    assert out.mqc["records in the panel judged by a transcript without HGVSc/HGVSp"] == "0"


# --- annotators this screen does not read ---------------------------------------------------------------


@pytest.mark.parametrize("header, named", [
    ('##INFO=<ID=BCSQ,Number=.,Type=String,Description="Haplotype-aware consequence annotation from BCFtools/csq, '
     'see http://samtools.github.io/bcftools/howtos/csq-calling.html for details. Format: Consequence|gene|'
     'transcript|biotype|strand|amino_acid_change|dna_change">', "bcftools csq"),
    ('##INFO=<ID=FUNCOTATION,Number=A,Type=String,Description="Functional annotation from the Funcotator tool.  '
     'Funcotation fields are: Gencode_34_hugoSymbol|Gencode_34_ncbiBuild">', "Funcotator"),
    ('##INFO=<ID=ANNOVAR_DATE,Number=1,Type=String,Description="Flag the start of ANNOVAR annotation for one '
     'alternative allele">\n##INFO=<ID=Func.refGene,Number=.,Type=String,Description="Func.refGene annotation '
     'provided by ANNOVAR">', "ANNOVAR"),
    ('##INFO=<ID=SYMBOL,Number=.,Type=String,Description="The SYMBOL field from INFO/CSQ">\n'
     '##INFO=<ID=Consequence,Number=.,Type=String,Description="The Consequence field from INFO/CSQ">',
     "bcftools +split-vep"),
])
def test_other_annotators_are_named_not_called_unannotated(tmp_path, header, named):
    """Before: 'declares neither INFO/CSQ nor INFO/ANN: the file is not annotated' for a file that is."""
    vcf = tmp_path / "other.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n" + header + "\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
    with pytest.raises(UserInputError) as caught:
        A.read_layout(vcf)
    message = str(caught.value)
    assert named in message and "does not read" in message and "not annotated" not in message


# --- Ensembl REST: a record the server gave no consequence for -------------------------------------------


def test_a_panel_record_the_rest_server_left_out_is_named_in_the_run_log(tmp_path):
    """bin/vep_rest.py marks such a record INFO/VEP_REST_NOT_ANNOTATED (test_vep_rest.py); the screen
    keeps it not_annotated (carriers not assessable) and says which records the server left out."""
    from hlhscreen import vep_rest as V

    lines = ["##fileformat=VCFv4.2", "##contig=<ID=chr10,length=133797422>",
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read Depth">',
             '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype Quality">',
             f'##INFO=<ID=CSQ,Number=.,Type=String,Description="{V.csq_header_description("https://rest.ensembl.org")}">',
             f'##INFO=<ID={V.NOT_ANNOTATED_TAG},Number=1,Type=String,Description="{V.NOT_ANNOTATED_DESCRIPTION}">',
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2",
             f"chr10\t70598010\t.\tG\tA\t100\tPASS\t{V.NOT_ANNOTATED_TAG}=not_returned\tGT:DP:GQ\t0/1:30:99\t0/0:30:99"]
    vcf = tmp_path / "rest.vcf"
    vcf.write_text("\n".join(lines) + "\n")
    out = run(tmp_path, vcf)
    row = out.variants["chr10:70598010:G:A"]
    assert (row["reasons"], row["unconfirmed"]) == ("not_annotated", "yes")
    assert "the Ensembl REST server gave no consequence for 1 record(s) in the panel" in _screen_warnings(out)
    assert "chr10:70598010:G:A (not_returned)" in _screen_warnings(out)


# --- consequence terms --------------------------------------------------------------------------------------


def test_vep_terms_display_is_refused_at_the_header(tmp_path):
    """VEP --terms display writes STOP_GAINED, SPLICE_SITE...: before, a LOW splice-region variant no
    --consequences entry matched was dropped as impact_not_selected, and severities were not ranked."""
    entry = dict(MANE_ENTRY, Consequence="STOP_GAINED")
    vcf = vep_vcf(tmp_path / "display.vcf", FULL, csq(FULL, entry),
                  command="vep --cache --canonical --hgvs --mane --offline --symbol --terms display --vcf")
    with pytest.raises(UserInputError, match="VEP was run with --terms"):
        A.read_layout(vcf)


@pytest.mark.parametrize("value", ["SO", "so"])
def test_vep_terms_so_given_explicitly_is_read(tmp_path, value):
    """--terms SO is VEP's default, written into ##VEP-command-line when given: SO terms as the screen
    reads them. Before: refused as if it were --terms display."""
    vcf = vep_vcf(tmp_path / "so.vcf", FULL, csq(FULL, MANE_ENTRY, OTHER_ENTRY),
                  command=f"vep --cache --canonical --hgvs --mane --offline --symbol --terms {value} --vcf")
    assert "terms" in A.read_layout(vcf).vep_options
    assert run(tmp_path, vcf).variants["chr10:70598010:G:A"]["decision"] == "kept"


def test_unknown_consequence_terms_that_decide_are_named(tmp_path):
    """The same output without its command line, or a term of a newer VEP: named in the run log."""
    entry = dict(MANE_ENTRY, Consequence="SPLICE_SITE&SYNONYMOUS_CODING", IMPACT="LOW")
    out = run(tmp_path, vep_vcf(tmp_path / "display.vcf", FULL, csq(FULL, entry, OTHER_ENTRY)))
    assert out.variants["chr10:70598010:G:A"]["reasons"] == "impact_not_selected"
    warnings = _screen_warnings(out)
    assert "SPLICE_SITE (1), SYNONYMOUS_CODING (1)" in warnings and "--terms" in warnings
    assert "does not know" not in _screen_warnings(run(tmp_path, vep_vcf(tmp_path / "so.vcf", FULL,
                                                                        csq(FULL, MANE_ENTRY)), name="so"))


# --- VEP asked for frequencies that --fields left out of CSQ ------------------------------------------------

#: `--fields` as a user restricts the CSQ: the pipeline's columns plus 1000 Genomes' AF, without gnomADe_AF/gnomADg_AF
FIELDS_WITHOUT_GNOMAD = FULL + ("AF",)
FREQUENCY_COMMAND = ("vep --cache --offline --vcf --symbol --hgvs --mane --canonical --af --af_gnomade --af_gnomadg "
                     "--fields " + ",".join(FIELDS_WITHOUT_GNOMAD))


def test_vep_frequencies_left_out_by_fields_are_said(tmp_path):
    """VEP computes every frequency option given but writes only the --fields columns. Before: with
    --af_gnomade --af_gnomadg in ##VEP-command-line and no gnomAD column, the stop-gain was judged by 1000
    Genomes' AF (0.0002, kept) with nothing in the run log: the study's field (gnomAD exomes) was never read."""
    vcf = vep_vcf(tmp_path / "fields.vcf", FIELDS_WITHOUT_GNOMAD,
                  csq(FIELDS_WITHOUT_GNOMAD, dict(MANE_ENTRY, AF="0.0002")), command=FREQUENCY_COMMAND)
    out = run(tmp_path, vcf)
    assert out.variants["chr10:70598010:G:A"]["af_field"] == "CSQ/AF"
    warnings = _screen_warnings(out)
    assert "--af_gnomade (gnomADe_AF), --af_gnomadg (gnomADg_AF)" in warnings and "--fields" in warnings
    # every asked-for column present: nothing said
    full = FULL + ("AF", "gnomADe_AF", "gnomADg_AF")
    command = FREQUENCY_COMMAND.replace(",AF", ",AF,gnomADe_AF,gnomADg_AF")
    ok = run(tmp_path, vep_vcf(tmp_path / "all.vcf", full, csq(full, MANE_ENTRY), command=command), name="all")
    assert "--fields" not in _screen_warnings(ok)


def test_vep_frequency_options_and_their_columns():
    header = "##VEP-command-line='vep --af_gnomad --max_af --af_1kg --af_esp --custom file=x.vcf.gz,short_name=g'"
    options = A.vep_command_options(header)
    assert A.vep_frequency_fields_missing(options, ("gnomAD_AF", "MAX_AF", "EUR_AF")) == (("af_esp", "AA_AF"),)
    # VEP <= 106 wrote gnomAD exomes as gnomAD_AF, >= 107 as gnomADe_AF: either satisfies either option
    assert A.vep_frequency_fields_missing(frozenset({"af_gnomade"}), ("gnomAD_AF",)) == ()
    assert A.vep_frequency_fields_missing(frozenset({"af_gnomad"}), ("gnomADe_AF",)) == ()
    assert A.vep_frequency_fields_missing(frozenset(), ()) == ()
    # --everything switches on --af, --af_1kg, --af_gnomade (--af_gnomad before 107) and --max_af
    assert A.vep_frequency_fields_missing(frozenset({"everything", "fields"}), ("AF", "MAX_AF")) == (
        ("af_gnomade", "gnomADe_AF"), ("af_1kg", "AFR_AF"))
    assert A.vep_frequency_fields_missing(frozenset({"everything"}), ("AF", "EUR_AF", "gnomAD_AF", "MAX_AF")) == ()


# --- bcftools annotate: frequency fields of other declared Types and Numbers (session 10 audit: read right) ---


@pytest.mark.parametrize("number, type_, value, expected", [
    (".", "String", "0.3", ("dropped", "0.3")),  # a String copy (-c gnomAD_AF:=INFO/AF from a String source)
    (".", "Float", "0.3", ("dropped", "0.3")),
    ("1", "Float", "3e-01", ("dropped", "0.3")),  # exponent form
    ("A", "Float", ".", ("kept", "NA")),  # missing: novel, never 0
    ("A", "Float", "0.001&0.3", ("dropped", "0.3")),  # &-joined (several co-located records): the highest
])
def test_bcftools_annotate_frequency_types_are_read(tmp_path, number, type_, value, expected):
    vcf = vep_vcf(tmp_path / "typed.vcf", FULL, csq(FULL, MANE_ENTRY) + f";gnomAD_AF={value}")
    text = vcf.read_text().replace("#CHROM", f'##INFO=<ID=gnomAD_AF,Number={number},Type={type_},Description="Alternate '
                                   'allele frequency in samples">\n#CHROM')
    vcf.write_text(text)
    row = run(tmp_path, vcf).variants["chr10:70598010:G:A"]
    assert (row["decision"], row["af_used"]) == expected


def test_a_number_r_frequency_field_gives_the_alts_value(tmp_path):
    """A field declared Number=R holds REF's value first (bcftools norm -m splits it into REF,ALT per record).
    Before: '0.7,0.3' stopped the run as 'two values for the record's one ALT ... filled on a multi-allelic site'."""
    vcf = vep_vcf(tmp_path / "r.vcf", FULL, csq(FULL, MANE_ENTRY) + ";gnomAD_AF=0.7,0.3")
    vcf.write_text(vcf.read_text().replace("#CHROM", '##INFO=<ID=gnomAD_AF,Number=R,Type=Float,Description="Allele '
                                           'frequencies, REF first">\n#CHROM'))
    row = run(tmp_path, vcf).variants["chr10:70598010:G:A"]
    assert (row["decision"], row["af_used"]) == ("dropped", "0.3")


def test_several_values_in_a_number_dot_field_name_the_ref_first_case(tmp_path):
    """dbSNP's CAF/TOPMED (Number=., REF's frequency first) given as --af-fields: the error says that case too."""
    vcf = vep_vcf(tmp_path / "caf.vcf", FULL, csq(FULL, MANE_ENTRY) + ";CAF=0.7,0.3")
    vcf.write_text(vcf.read_text().replace("#CHROM", '##INFO=<ID=CAF,Number=.,Type=String,Description="An ordered, '
                                           'comma delimited list of allele frequencies based on 1000Genomes, starting '
                                           'with the reference allele followed by alternate alleles">\n#CHROM'))
    with pytest.raises(UserInputError) as err:
        run(tmp_path, vcf, af_fields="INFO/CAF")
    assert "holds 2 values" in str(err.value) and "starts with REF's" in str(err.value)


# --- a RefSeq annotation (snpEff RefSeq database) -----------------------------------------------------------

SNPEFF_43T = ('##SnpEffVersion="4.3t (build 2017-11-24 10:18), by Pablo Cingolani"\n'
              '##SnpEffCmd="SnpEff  GRCh38.p7.RefSeq calls.vcf "\n'
              '##INFO=<ID=ANN,Number=.,Type=String,Description="Functional annotations: \'Allele | Annotation | '
              'Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | Transcript_BioType | Rank | '
              'HGVS.c | HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length | AA.pos / AA.length | Distance | '
              'ERRORS / WARNINGS / INFO\' ">\n'
              '##INFO=<ID=LOF,Number=.,Type=String,Description="Predicted loss of function effects for this variant. '
              'Format: \'Gene_Name | Gene_ID | Number_of_transcripts_in_gene | Percent_of_transcripts_affected\'">\n'
              '##INFO=<ID=NMD,Number=.,Type=String,Description="Predicted nonsense mediated decay effects for this '
              'variant. Format: \'Gene_Name | Gene_ID | Number_of_transcripts_in_gene | '
              'Percent_of_transcripts_affected\'">')


# --- snpEff's protein-structure entries (Feature_Type interaction) --------------------------------------------

SNPEFF_52 = ('##SnpEffVersion="5.2 (build 2023-09-29 06:17), by Pablo Cingolani"\n'
             '##SnpEffCmd="SnpEff  GRCh38.105 calls.vcf "\n' + SNPEFF_43T.split("\n", 2)[2])


def _snpeff_interaction_vcf(path: Path) -> Path:
    """snpEff's human databases carry PDB contacts: besides the transcript entries, a variant at a residue in
    a contact gets `structural_interaction_variant` HIGH entries whose Feature_Type is `interaction` and whose
    Feature_ID names the PDB entry, the residues and the transcript (layout as snpEff writes it: no HGVS.p)."""
    ann = ("A|synonymous_variant|LOW|PRF1|ENSG00000180644|transcript|ENST00000441259.2|protein_coding|3/3|c.1383C>T|"
           "p.Leu461Leu|1500/2500|1383/1668|461/555||,"
           "A|structural_interaction_variant|HIGH|PRF1|ENSG00000180644|interaction|4Y1T:A_461-A_480:ENST00000441259|"
           "protein_coding|3/3|c.1383C>T||||||,"
           "A|structural_interaction_variant|HIGH|PRF1|ENSG00000180644|interaction|4Y1S:A_461-A_502:ENST00000441259|"
           "protein_coding|3/3|c.1383C>T||||||")
    return snpeff_vcf(path, SNPEFF_52, ann)


def snpeff_vcf(path: Path, header: str, info: str) -> Path:
    """A two-sample VCF with snpEff's header lines ``header`` and one PRF1 record (chr10:70598010 G>A) whose
    INFO is ``ANN=<info>``."""
    lines = ["##fileformat=VCFv4.2", "##contig=<ID=chr10,length=133797422>",
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read Depth">',
             '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype Quality">', header,
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2",
             f"chr10\t70598010\t.\tG\tA\t100\tPASS\tANN={info}\tGT:DP:GQ\t0/1:30:99\t0/0:30:99"]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_snpeff_protein_contact_entries_are_not_transcripts(tmp_path):
    """Before: the `interaction` entries were read as transcripts, so without a MANE transcript to judge by
    (snpEff, no --mane-transcripts list, or a list naming none of the annotation's ids) this synonymous
    variant was judged by its most severe 'transcript', a HIGH structural_interaction_variant, and kept; VEP
    has no such entry and drops it. Judged by the synonymous transcript entry now, with or without a list."""
    import hlhscreen.screen as S
    from test_screen_inputs import REGIONS, WHITELIST, Out, two_samples

    vcf = _snpeff_interaction_vcf(tmp_path / "interaction.vcf")
    (record,) = A.iter_records(vcf)
    assert [t.transcript_id for t in record.transcripts] == ["ENST00000441259.2"]
    summary = S.run_screen(vcf, REGIONS, WHITELIST, two_samples(tmp_path), tmp_path / "no_list", S.ScreenConfig())
    row = Out(tmp_path / "no_list", summary).variants["chr10:70598010:G:A"]
    assert (row["decision"], row["reasons"], row["consequence"]) == (
        "dropped", "impact_not_selected", "synonymous_variant")
    assert "does not know" not in "\n".join(summary.warnings)
    row = run(tmp_path, vcf).variants["chr10:70598010:G:A"]
    assert (row["decision"], row["summary_basis"], row["consequence"]) == (
        "dropped", "mane_select", "synonymous_variant")


def test_snpeff_nextprot_sequence_features_are_not_the_transcripts_consequence(tmp_path):
    """snpEff's human databases add NextProt features as `sequence_feature` entries, LOW or MODERATE, under the
    transcript's own id with Feature_Type naming the feature (real snpEff output in Hartwig's tests:
    `T|sequence_feature|MODERATE|SPATA19|...|modified-residue:Phosphoserine|ENST00000299140|...` next to the
    transcript's `splice_region_variant&synonymous_variant|LOW`). Before: with the MANE list, a synonymous
    variant's MANE tier held both and the MODERATE feature decided: kept as MODERATE."""
    ann = ("A|sequence_feature|MODERATE|PRF1|ENSG00000180644|modified-residue:Phosphoserine|ENST00000441259.2|"
           "protein_coding|3/3|c.1383C>T||||||,"
           "A|sequence_feature|LOW|PRF1|ENSG00000180644|topological_domain:Extracellular|ENST00000441259.2|"
           "protein_coding|3/3|c.1383C>T||||||,"
           "A|synonymous_variant|LOW|PRF1|ENSG00000180644|transcript|ENST00000441259.2|"
           "protein_coding|3/3|c.1383C>T|p.Leu461Leu|1500/2500|1383/1668|461/555||")
    out = run(tmp_path, snpeff_vcf(tmp_path / "nextprot.vcf", SNPEFF_52, ann))
    row = out.variants["chr10:70598010:G:A"]
    assert (row["decision"], row["summary_basis"], row["consequence"], row["impact"]) == (
        "dropped", "mane_select", "synonymous_variant", "LOW")
    assert "does not know" not in _screen_warnings(out)


def test_snpeff_protein_contact_under_the_transcript_itself_is_not_its_consequence():
    """Older snpEff (geneimpacts' test data) wrote protein_protein_contact HIGH with Feature_Type transcript and
    the transcript's own id: before, in the MANE tier it outranked the transcript's real (LOW) entry."""
    layout = A.layout_from_header("##fileformat=VCFv4.2\n" + SNPEFF_52 + "\n", mane_transcripts=["ENST00000441259"])
    ann = ("A|synonymous_variant|LOW|PRF1|ENSG00000180644|transcript|ENST00000441259.2|protein_coding|3/3|c.1383C>T|"
           "p.Leu461Leu|||||,"
           "A|protein_protein_contact|HIGH|PRF1|ENSG00000180644|transcript|ENST00000441259.2|protein_coding|3/3|"
           "c.1383C>T|p.Leu461Leu|||||")
    record = A.parse_annotation(layout, chrom="chr10", pos=70598010, ref="G", alts=["A"], vcf_id=".", annotation=ann,
                                info=lambda key: None)
    assert (record.summary.consequences, record.summary.impact, record.summary_basis) == (
        ("synonymous_variant",), "LOW", "mane_select")


def _snpeff_refseq_vcf(path: Path) -> Path:
    # the MANE twin NM_001083116.3 is synonymous here, another RefSeq transcript missense
    ann = ("A|synonymous_variant|LOW|PRF1|5551|transcript|NM_001083116.3|protein_coding|3/3|c.1383C>T|p.Leu461Leu|"
           "1500/2500|1383/1668|461/555||,"
           "A|missense_variant|MODERATE|PRF1|5551|transcript|NM_005041.6|protein_coding|3/3|c.1490C>T|p.Ala497Val|"
           "1600/2600|1490/1775|497/590||")
    return snpeff_vcf(path, SNPEFF_43T, ann + ";LOF=(PRF1|5551|2|0.50)")


@pytest.mark.parametrize("ann, tags, expected", [
    # a stop-gain snpEff gave no LOF tag (its LOF criteria are narrower than HIGH): kept, as with VEP
    ("A|stop_gained|HIGH|PRF1|ENSG00000180644|transcript|ENST00000441259.2|protein_coding|3/3|c.1384C>T|"
     "p.Gln462*|||||", "", ("kept", "stop_gained")),
    # LOF/NMD for PRF1 from another transcript; the MANE one is intronic: judged by MANE, dropped
    ("A|intron_variant|MODIFIER|PRF1|ENSG00000180644|transcript|ENST00000441259.2|protein_coding|2/2|"
     "c.1000-20C>T||||||,A|stop_gained|HIGH|PRF1|ENSG00000180644|transcript|ENST00000373209.7|protein_coding|"
     "3/3|c.1384C>T|p.Gln462*|||||", ";LOF=(PRF1|ENSG00000180644|2|0.50);NMD=(PRF1|ENSG00000180644|2|0.50)",
     ("dropped", "intron_variant")),
])
def test_snpeff_lof_and_nmd_tags_do_not_change_decisions(tmp_path, ann, tags, expected):
    """Decision of session 10 (docs/annotation.md): INFO/LOF and INFO/NMD neither keep nor drop a variant;
    the summary transcript's consequence decides, as for VEP output of the same call."""
    header = SNPEFF_43T  # declares LOF and NMD
    row = run(tmp_path, snpeff_vcf(tmp_path / "lof.vcf", header, ann + tags)).variants["chr10:70598010:G:A"]
    assert (row["decision"], row["consequence"]) == expected
    assert row["transcript"] == "ENST00000441259.2"


def test_snpeff_canon_without_the_mane_transcript_is_said(tmp_path):
    """snpEff -canon annotates one transcript per gene, its own canonical (the longest CDS), not always the MANE
    Select one. Before: a record whose only entry was that other transcript was judged by it (summary_basis
    most_severe) with only a MultiQC count to show; the run log now names -canon and the fix."""
    other_only = ("A|missense_variant|MODERATE|PRF1|ENSG00000180644|transcript|ENST00000373209.7|protein_coding|3/3|"
                  "c.1490C>T|p.Ala497Val|||||")
    canon = SNPEFF_52.replace("SnpEff  GRCh38.105", "SnpEff  -canon -noStats GRCh38.105")
    out = run(tmp_path, snpeff_vcf(tmp_path / "canon.vcf", canon, other_only))
    assert out.variants["chr10:70598010:G:A"]["summary_basis"] == "most_severe"
    warnings = _screen_warnings(out)
    assert "snpEff was run with -canon (##SnpEffCmd)" in warnings and "1 panel record(s)" in warnings
    # without -canon, or when the MANE transcript was annotated, nothing is said
    plain = run(tmp_path, snpeff_vcf(tmp_path / "plain.vcf", SNPEFF_52, other_only), name="plain")
    assert "-canon" not in _screen_warnings(plain)
    mane = ("A|synonymous_variant|LOW|PRF1|ENSG00000180644|transcript|ENST00000441259.2|protein_coding|3/3|c.1383C>T|"
            "p.Leu461Leu|||||")
    assert "-canon" not in _screen_warnings(run(tmp_path, snpeff_vcf(tmp_path / "m.vcf", canon, mane), name="m"))


def test_snpeff_refseq_annotation_is_judged_by_the_mane_refseq_twin(tmp_path):
    """The panel's genes.tsv names each MANE transcript's RefSeq twin (refseq_transcript). Before: only its
    Ensembl ids were read, no RefSeq transcript was MANE, and this variant (synonymous on MANE, missense on
    another transcript) was kept as missense with summary_basis most_severe."""
    out = run(tmp_path, _snpeff_refseq_vcf(tmp_path / "refseq.vcf"))
    row = out.variants["chr10:70598010:G:A"]
    assert (row["transcript"], row["summary_basis"], row["hgvsp"]) == ("NM_001083116.3", "mane_select", "p.Leu461=")
    assert (row["decision"], row["reasons"]) == ("dropped", "impact_not_selected")


def test_a_mane_list_matching_no_annotated_transcript_is_said(tmp_path):
    import hlhscreen.screen as S
    from test_screen_inputs import REGIONS, WHITELIST, Out, two_samples

    listed = tmp_path / "mane.txt"
    listed.write_text("ENST00000441259.2\n")  # Ensembl ids only, for a RefSeq annotation
    vcf = _snpeff_refseq_vcf(tmp_path / "refseq.vcf")
    summary = S.run_screen(vcf, REGIONS, WHITELIST, two_samples(tmp_path), tmp_path / "out", S.ScreenConfig(),
                           mane_transcripts=listed)
    out = Out(tmp_path / "out", summary)
    assert out.variants["chr10:70598010:G:A"]["summary_basis"] == "most_severe"
    assert "none of the 1 panel record(s) judged by a transcript was judged by a MANE Select one" in \
        _screen_warnings(out)


def test_vep_mane_column_empty_everywhere_is_said(tmp_path):
    """VEP 103 with a RefSeq cache (ensembl-vep issue 955), or a GTF without MANE tags: MANE_SELECT is in
    the header and empty in every entry; the variant is judged by the canonical transcript."""
    import hlhscreen.screen as S
    from test_screen_inputs import REGIONS, WHITELIST, Out, two_samples

    info = csq(FULL, MANE_ENTRY, OTHER_ENTRY, drop=("MANE_SELECT",))
    vcf = vep_vcf(tmp_path / "empty_mane.vcf", FULL, info)
    summary = S.run_screen(vcf, REGIONS, WHITELIST, two_samples(tmp_path), tmp_path / "out", S.ScreenConfig())
    out = Out(tmp_path / "out", summary)
    assert out.variants["chr10:70598010:G:A"]["summary_basis"] == "canonical"
    assert "was judged by a MANE Select one" in _screen_warnings(out)
    assert "was judged by a MANE Select one" not in _screen_warnings(run(tmp_path, vep_vcf(
        tmp_path / "mane.vcf", FULL, csq(FULL, MANE_ENTRY, OTHER_ENTRY)), name="mane"))


def test_panel_records_annotated_only_with_other_genes_are_said(tmp_path):
    """A panel gene under another symbol in the annotation (an older HGNC name, another release): before,
    every variant of the gene was dropped as no_panel_gene_annotation with only a count."""
    renamed = [dict(e, SYMBOL="PRF1_OLD") for e in (MANE_ENTRY, OTHER_ENTRY)]
    out = run(tmp_path, vep_vcf(tmp_path / "renamed.vcf", FULL, csq(FULL, *renamed)))
    row = out.variants["chr10:70598010:G:A"]
    assert (row["reasons"], row["unconfirmed"], row["unconfirmed_samples"]) == ("no_panel_gene_annotation", "yes", "S1")
    assert "1 record(s) inside panel gene intervals carry annotation only for other genes (1 in PRF1 annotated " \
           "as PRF1_OLD)" in _screen_warnings(out)
    # the case S1 carries it: not assessable for PRF1 (its impact there is unknown), not a non-carrier
    assert out.genes[("S1", "PRF1")]["status"] == "not_assessable"
    assert out.genes[("S2", "PRF1")]["status"] == "none"
    from hlhscreen.report import read_variants
    _, _, unconfirmed = read_variants(tmp_path / "out" / "variants.tsv")
    assert [(u.variant_id, u.gene, u.why) for u in unconfirmed] == [
        ("chr10:70598010:G:A", "PRF1", "annotated only for another gene: impact unknown")]


# --- layouts that are read right (checked in the session 9 audit; kept as regressions) ----------------------


@pytest.mark.parametrize("fields, entry, basis, tag", [
    # --fields Allele,Consequence,IMPACT,SYMBOL,Feature,HGVSc,HGVSp: no Gene, Feature_type, flags
    (("Allele", "Consequence", "IMPACT", "SYMBOL", "Feature", "HGVSc", "HGVSp"), MANE_ENTRY, "mane_select", "CSQ"),
    # VEP 97-102: --mane wrote one MANE column holding the RefSeq twin's id
    (VCF_COLS + ("CANONICAL", "MANE"), dict(MANE_ENTRY, MANE="NM_001083116.3"), "mane_select", "CSQ"),
    # --vcf_info_field ANN with --allele_number --minimal
    (FULL + ("ALLELE_NUM", "MINIMISED"), dict(MANE_ENTRY, ALLELE_NUM="1", MINIMISED="1"), "mane_select", "ANN"),
])
def test_other_vep_layouts_are_read(tmp_path, fields, entry, basis, tag):
    out = run(tmp_path, vep_vcf(tmp_path / "layout.vcf", fields, csq(fields, entry, OTHER_ENTRY), tag=tag))
    row = out.variants["chr10:70598010:G:A"]
    assert (row["gene"], row["transcript"], row["summary_basis"], row["hgvsp"], row["decision"]) == \
        ("PRF1", "ENST00000441259.2", basis, "p.Gln462Ter", "kept")
    annotation_warnings = ("most severe", "MANE Select one", "HGVSc/HGVSp", "other genes", "does not know",
                           "VEP was run")
    assert not [w for w in out.summary.warnings if any(text in w for text in annotation_warnings)]


def test_snpeff_43t_header_with_lof_and_nmd_is_read():
    header = "##fileformat=VCFv4.2\n" + SNPEFF_43T + "\n"
    layout = A.layout_from_header(header)
    assert (layout.kind, layout.info_tag, len(layout.fields)) == ("snpeff", "ANN", 16)


# --- VEP dbNSFP plugin: other datasets' frequencies under gnomAD-like field names ---------------------------

#: `--plugin dbNSFP,<file>,1000Gp3_AF,...` columns, in dbNSFP's column order (1000 Genomes before gnomAD)
DBNSFP = ("1000Gp3_AF", "1000Gp3_AFR_AF", "1000Gp3_EUR_AF", "UK10K_AF", "gnomAD_exomes_AF", "gnomAD_exomes_NFE_AF",
          "gnomAD_exomes_POPMAX_AF", "ExAC_AF", "ESP6500_AA_AF", "ESP6500_EA_AF", "ALFA_African_AF", "ALFA_Total_AF",
          "REVEL_score")


def test_dbnsfp_plugin_other_datasets_are_not_read_as_gnomad(tmp_path):
    """Before: every CSQ `<prefix>_AF` was a `csq_custom` gnomAD source in header order, so dbNSFP's 1000 Genomes
    AF (0.02, listed first) judged this PRF1 stop-gain gnomAD exomes calls rare (0.0002): dropped as common,
    `gnomad_af` 0.02; ESP6500_AA_AF or ALFA_African_AF (one group) would have been read as a global AF."""
    fields = FULL + DBNSFP
    entry = dict(MANE_ENTRY, **{"1000Gp3_AF": "0.02", "1000Gp3_AFR_AF": "0.09", "ESP6500_AA_AF": "0.05",
                                "ALFA_African_AF": "0.2", "gnomAD_exomes_AF": "0.0002", "gnomAD_exomes_NFE_AF": "0.0001",
                                "gnomAD_exomes_POPMAX_AF": "0.0003", "REVEL_score": "0.9"})
    vcf = vep_vcf(tmp_path / "dbnsfp.vcf", fields, csq(fields, entry, OTHER_ENTRY),
                  command="vep --cache --offline --vcf --symbol --hgvs --canonical --mane --plugin dbNSFP,"
                          "dbNSFP4.4a_grch38.gz," + ",".join(DBNSFP))
    layout = A.read_layout(vcf)
    assert [s.name for s in layout.frequency_sources] == ["csq_custom:gnomAD_exomes"]
    out = run(tmp_path, vcf)
    row = out.variants["chr10:70598010:G:A"]
    assert (row["decision"], row["af_used"], row["af_field"], row["gnomad_af"], row["popmax_af"]) == \
        ("kept", "0.0002", "CSQ/gnomAD_exomes_AF", "0.0002", "0.0003")
    warnings = _screen_warnings(out)
    for name in ("1000Gp3_AF", "UK10K_AF", "ExAC_AF", "ESP6500_AA_AF", "ALFA_Total_AF"):
        assert f"CSQ/{name} looks like an allele frequency but is not read" in warnings


def test_dbnsfp_1000_genomes_af_is_read_when_listed():
    """Named in --af-fields, another dataset's field is read (as a global AF of a non-keyword source)."""
    layout = A.layout_from_header(
        "##INFO=<ID=CSQ,Number=.,Type=String,Description=\"Consequence annotations from Ensembl VEP. Format: "
        + "|".join(FULL + DBNSFP) + "\">\n", af_fields="csq_custom,CSQ/1000Gp3_AF")
    assert [s.name for s in layout.frequency_sources] == ["csq_custom:gnomAD_exomes", "CSQ/1000Gp3_AF"]
