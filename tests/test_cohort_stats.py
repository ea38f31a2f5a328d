"""COHORT_STATS (bin/cohort_stats.py, hlhscreen.cohort) on small hand-made cohorts.

Expected statistics below were printed by R 4.2.2 with
``sprintf("%.17g", c(fisher.test(m)$p.value, fisher.test(m)$estimate, fisher.test(m)$conf.int))``
and ``p.adjust(p, "BH")`` for the tables named in each comment.
"""

from __future__ import annotations

import csv
import math
import subprocess
import sys
from pathlib import Path

import pytest

from hlhscreen import cohort
from hlhscreen.errors import UserInputError

BIN = Path(__file__).resolve().parents[1] / "bin"

SAMPLESHEET = """sample,group,fastq_1,fastq_2
C1,case,C1_L1_R1.fq.gz,C1_L1_R2.fq.gz
C1,case,C1_L2_R1.fq.gz,C1_L2_R2.fq.gz
C2,case,C2_R1.fq.gz,C2_R2.fq.gz
C3,case,C3_R1.fq.gz,C3_R2.fq.gz
K1,control,K1_R1.fq.gz,K1_R2.fq.gz
K2,control,K2_R1.fq.gz,K2_R2.fq.gz
K3,control,K3_R1.fq.gz,K3_R2.fq.gz
K4,control,K4_R1.fq.gz,K4_R2.fq.gz
"""
GROUP = {"C1": "case", "C2": "case", "C3": "case", "K1": "control", "K2": "control", "K3": "control", "K4": "control"}
SAMPLES = list(GROUP)

# variant -> (gene, hgvsc, hgvsp, state per sample in SAMPLES order)
VARIANTS = {
    # case 2 carriers / 2 assessable (C3 low depth), control 1 / 4
    "chr10:70600631:G:A": ("PRF1", "c.1122G>A", "p.Trp374Ter", ["het", "hom_alt", "not_assessable", "ref", "het", "ref", "ref"]),
    # case 0/3, control 1/4 (K4 homozygous)
    "chr10:70600800:A:T": ("PRF1", "c.1000A>T", "p.Lys334Ter", ["ref"] * 6 + ["hom_alt"]),
    # no case assessable
    "chr1:235800700:C:T": ("LYST", "c.1053G>A", "p.Met351Ile", ["not_assessable"] * 3 + ["ref", "het", "ref", "ref"]),
    # nobody assessable
    "chr1:235831000:A:G": ("LYST", "c.118-308C>T", "NA", ["not_assessable"] * 7),
    # case 1/3, control 0/4; no protein change -> label is HGVSc
    "chr17:75832000:G:C": ("UNC13D", "c.754-1G>C", "NA", ["het", "ref", "ref", "ref", "ref", "ref", "ref"]),
    # nobody carries: an ordinary test with p = 1 (as R gives)
    "chr6:31000000:T:A": ("STX11", "c.369_376del", "p.Val124fs", ["ref"] * 7),
    # no control assessable
    "chr6:31000100:G:T": ("STX11", "c.100G>T", "NA", ["het", "ref", "ref"] + ["not_assessable"] * 4),
}

# Unconfirmed variants (no carriers.tsv rows) at which a sample is not assessable: (sample, gene) -> ids
UNCONFIRMED = {("K2", "PRF1"): ["chr10:70600900:C:A"]}
GENE_ORDER = ("PRF1", "UNC13D", "STX11", "LYST")


def derive_status(calls: list, unconfirmed=()) -> tuple:
    """(status, carried, not assessable) of one sample in one gene from its ``(variant, state)`` calls, as
    SCREEN derives them: gene_status.tsv agrees with carriers.tsv (COHORT_STATS refuses files that do not)."""
    carried = [vid for vid, state in calls if state in ("het", "hom_alt")]
    missing = [vid for vid, state in calls if state == "not_assessable"] + list(unconfirmed)
    status = ("biallelic_hom" if any(state == "hom_alt" for _, state in calls) else "monoallelic" if len(carried) == 1
              else "possible_compound_het" if carried else "not_assessable" if missing else "none")
    return status, carried, missing


def gene_status_line(sample: str, group: str, gene: str, n_kept: int, calls: list, unconfirmed=()) -> str:
    status, carried, missing = derive_status(calls, unconfirmed)
    return "\t".join([sample, group, gene, status, ";".join(carried) or "NA", str(n_kept), str(len(missing)),
                      ";".join(missing) or "NA"])


CARRIERS_HEADER = "sample\tgroup\tvariant_id\tgene\thgvsc\thgvsp\tgenotype\tstate\tdepth\tgq\tnote"
GENE_STATUS_HEADER = ("sample\tgroup\tgene\tstatus\tcarried_variants\tn_kept_variants\tn_not_assessable\t"
                      "not_assessable_variants")
GENOTYPE = {"het": "0/1", "hom_alt": "1/1", "ref": "0/0", "not_assessable": "./."}


def carriers_lines() -> list:
    lines = [CARRIERS_HEADER]
    for variant, (gene, hgvsc, hgvsp, states) in VARIANTS.items():
        for sample, state in zip(SAMPLES, states):
            note = "no_call" if state == "not_assessable" else "NA"
            depth = "NA" if state == "not_assessable" else "30"
            lines.append("\t".join([sample, GROUP[sample], variant, gene, hgvsc, hgvsp, GENOTYPE[state], state,
                                    depth, "99" if depth != "NA" else "NA", note]))
    return lines


def gene_status_lines() -> list:
    lines = [GENE_STATUS_HEADER]
    for gene in GENE_ORDER:
        variants = [(vid, states) for vid, (g, _, _, states) in VARIANTS.items() if g == gene]
        for index, sample in enumerate(SAMPLES):
            calls = [(vid, states[index]) for vid, states in variants]
            lines.append(gene_status_line(sample, GROUP[sample], gene, len(variants), calls,
                                          UNCONFIRMED.get((sample, gene), ())))
    return lines


def write_inputs(tmp_path: Path, carriers=None, gene_status=None, samplesheet=None):
    paths = tmp_path / "carriers.tsv", tmp_path / "gene_status.tsv", tmp_path / "samplesheet.csv"
    paths[0].write_text("\n".join(carriers if carriers is not None else carriers_lines()) + "\n")
    paths[1].write_text("\n".join(gene_status if gene_status is not None else gene_status_lines()) + "\n")
    paths[2].write_text(samplesheet if samplesheet is not None else SAMPLESHEET)
    return paths


def read_out(path: Path) -> list:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.fixture()
def results(tmp_path):
    carriers, gene_status, samplesheet = write_inputs(tmp_path)
    written = cohort.run_cohort_stats(carriers, gene_status, samplesheet, tmp_path / "out")
    return {name: read_out(path) for name, path in written.items()}, written


def by_id(rows: list) -> dict:
    return {row["id"]: row for row in rows}


def num(text: str) -> float:
    return float(text)  # "Inf" reads as inf; "NA" must not appear where a number is expected


def test_output_files_and_columns(results):
    tables, written = results
    assert sorted(p.name for p in written["variant"].parent.iterdir()) == sorted(
        ["variant_tests.tsv", "gene_tests.tsv", "biallelic_tests.tsv", "association_summary.tsv", "power.tsv"]
    )
    for level in cohort.LEVELS:
        header = written[level].read_text().splitlines()[0].split("\t")
        assert header == ("level id gene label case_carriers case_assessable control_carriers control_assessable "
                          "case_freq control_freq p_value odds_ratio ci_low ci_high q_value testable note").split()
        assert all(row["level"] == level for row in tables[level])
    assert [row["id"] for row in tables["variant"]] == list(VARIANTS)  # input order kept
    assert [row["id"] for row in tables["gene"]] == ["PRF1", "UNC13D", "STX11", "LYST"]


def test_variant_counts_and_r_statistics(results):
    rows = by_id(results[0]["variant"])
    row = rows["chr10:70600631:G:A"]
    assert (row["gene"], row["label"]) == ("PRF1", "p.Trp374Ter")
    assert [int(row[k]) for k in ("case_carriers", "case_assessable", "control_carriers", "control_assessable")] == [2, 2, 1, 4]
    assert num(row["case_freq"]) == 1.0 and num(row["control_freq"]) == 0.25
    # R: fisher.test(matrix(c(2, 1, 0, 3), 2))
    assert num(row["p_value"]) == pytest.approx(0.39999999999999986, rel=1e-9)
    assert num(row["odds_ratio"]) == math.inf
    assert num(row["ci_low"]) == pytest.approx(0.20312883952614824, rel=1e-9)
    assert num(row["ci_high"]) == math.inf
    # every assessable case carries: R's OR is Inf, flagged for the report
    assert row["testable"] == "yes" and row["note"] == "or_not_estimable=all_cases_carry;excluded_samples=1"

    row = rows["chr17:75832000:G:C"]
    assert row["label"] == "c.754-1G>C"
    assert [int(row[k]) for k in ("case_carriers", "case_assessable", "control_carriers", "control_assessable")] == [1, 3, 0, 4]
    # R: fisher.test(matrix(c(1, 0, 2, 4), 2))
    assert num(row["p_value"]) == pytest.approx(0.42857142857142866, rel=1e-9)
    assert num(row["ci_low"]) == pytest.approx(0.034187767740885465, rel=1e-9)

    row = rows["chr6:31000000:T:A"]  # nobody carries: R gives p 1, estimate 0, CI [0, Inf]
    assert row["testable"] == "yes"
    assert (num(row["p_value"]), num(row["odds_ratio"]), num(row["ci_low"]), num(row["ci_high"])) == (1, 0, 0, math.inf)
    assert row["note"] == "or_not_estimable=no_carriers"

    row = rows["chr10:70600800:A:T"]  # R: fisher.test(matrix(c(0, 1, 3, 3), 2))
    assert (num(row["p_value"]), num(row["odds_ratio"]), num(row["ci_low"])) == (1, 0, 0)
    assert num(row["ci_high"]) == pytest.approx(51.958595494215487, rel=1e-9)

    # R: p.adjust(c(0.39999999999999986, 1, 0.42857142857142866, 1), "BH")
    assert num(rows["chr10:70600631:G:A"]["q_value"]) == pytest.approx(0.85714285714285732, rel=1e-9)
    assert num(rows["chr17:75832000:G:C"]["q_value"]) == pytest.approx(0.85714285714285732, rel=1e-9)
    assert num(rows["chr6:31000000:T:A"]["q_value"]) == 1.0


@pytest.mark.parametrize(
    "variant, note, counts",
    [
        ("chr1:235800700:C:T", "no_assessable_case;excluded_samples=3", [0, 0, 1, 4]),
        ("chr1:235831000:A:G", "no_assessable_samples;excluded_samples=7", [0, 0, 0, 0]),
        ("chr6:31000100:G:T", "no_assessable_control;excluded_samples=4", [1, 3, 0, 0]),
    ],
)
def test_untestable_variants_have_na_statistics(results, variant, note, counts):
    row = by_id(results[0]["variant"])[variant]
    assert row["testable"] == "no"
    assert row["note"] == note
    assert [int(row[k]) for k in ("case_carriers", "case_assessable", "control_carriers", "control_assessable")] == counts
    for column in ("p_value", "odds_ratio", "ci_low", "ci_high", "q_value"):
        assert row[column] == "NA"
    assert (row["case_freq"] == "NA") == (counts[1] == 0)
    assert (row["control_freq"] == "NA") == (counts[3] == 0)


def test_gene_level_rules(results):
    rows = by_id(results[0]["gene"])
    prf1 = rows["PRF1"]
    # cases: C1 mono, C2 hom carry, C3 not assessable excluded; controls: K2 mono (carrier even though
    # not assessable at an unconfirmed variant), K4 hom carry, K1 and K3 none
    assert [int(prf1[k]) for k in ("case_carriers", "case_assessable", "control_carriers", "control_assessable")] == [2, 2, 2, 4]
    assert prf1["label"] == "PRF1" and prf1["gene"] == "PRF1"
    # R: fisher.test(matrix(c(2, 2, 0, 2), 2)); p.adjust(c(0.46666666666666667, 0.42857142857142866), "BH")
    assert num(prf1["p_value"]) == pytest.approx(0.46666666666666667, rel=1e-9)
    assert num(prf1["ci_low"]) == pytest.approx(0.084663327978571817, rel=1e-9)
    assert num(prf1["q_value"]) == pytest.approx(0.46666666666666667, rel=1e-9)
    unc = rows["UNC13D"]  # C1 carries c.754-1G>C
    assert [int(unc[k]) for k in ("case_carriers", "case_assessable", "control_carriers", "control_assessable")] == [1, 3, 0, 4]
    assert num(unc["q_value"]) == pytest.approx(0.46666666666666667, rel=1e-9)
    # STX11: every control not assessable at c.100G>T; LYST: every case not assessable
    assert (rows["STX11"]["testable"], rows["STX11"]["note"]) == ("no", "no_assessable_control;excluded_samples=4")
    assert (rows["LYST"]["testable"], rows["LYST"]["note"]) == ("no", "no_assessable_case;excluded_samples=6")


def test_biallelic_level_rules(results):
    prf1 = by_id(results[0]["biallelic"])["PRF1"]
    # cases: C2 hom carries, C1 mono (fully assessable) does not, C3 excluded;
    # controls: K4 hom carries, K1 K3 do not, K2 mono with 1 not assessable excluded
    assert [int(prf1[k]) for k in ("case_carriers", "case_assessable", "control_carriers", "control_assessable")] == [1, 2, 1, 3]
    # R: fisher.test(matrix(c(1, 1, 1, 2), 2))
    assert num(prf1["p_value"]) == pytest.approx(0.99999999999999989, rel=1e-9)
    assert num(prf1["odds_ratio"]) == pytest.approx(1.7321009894495725, rel=1e-9)
    assert num(prf1["ci_low"]) == pytest.approx(0.012805286081464541, rel=1e-9)
    assert num(prf1["ci_high"]) == pytest.approx(233.82060312306439, rel=1e-9)
    assert prf1["note"] == "excluded_samples=2"


@pytest.mark.parametrize(
    "status, n_na, gene, biallelic",
    [
        ("none", 0, "non_carrier", "non_carrier"),
        ("none", 2, "excluded", "excluded"),
        ("monoallelic", 0, "carrier", "non_carrier"),
        ("monoallelic", 1, "carrier", "excluded"),
        ("biallelic_hom", 3, "carrier", "carrier"),
        ("compound_het", 0, "carrier", "carrier"),
        ("possible_compound_het", 1, "carrier", "carrier"),
        ("not_assessable", 1, "excluded", "excluded"),   # issue 9 item 1: never a non-carrier
        ("not_assessable", 3, "excluded", "excluded"),
    ],
)
def test_outcome_rules(status, n_na, gene, biallelic):
    assert cohort.gene_outcome(status, n_na) == gene
    assert cohort.biallelic_outcome(status, n_na) == biallelic


@pytest.mark.parametrize("cells, reason", [
    ((0, 12, 0, 32), "no_carriers"),            # nobody carries: one possible table, R: p 1, OR 0, CI [0, Inf]
    ((12, 12, 32, 32), "all_carriers"),         # everybody carries: the same
    ((0, 12, 3, 32), "no_case_carrier"),        # R: OR 0, CI [0, finite]
    ((2, 12, 0, 32), "no_control_carrier"),     # R: OR Inf, CI [finite, Inf]
    ((12, 12, 5, 32), "all_cases_carry"),       # R: OR Inf
    ((4, 12, 32, 32), "all_controls_carry"),    # R: OR 0
    ((0, 12, 32, 32), "no_case_carrier"),       # two zero cells: the first reason in NOT_ESTIMABLE order
    ((12, 12, 0, 32), "no_control_carrier"),
    ((1, 12, 1, 32), None),
    ((11, 12, 31, 32), None),
])
def test_not_estimable_reason(cells, reason):
    assert cohort.not_estimable_reason(*cells) == reason


def test_not_estimable_exactly_when_r_gives_zero_or_inf():
    """On every table of the 12 x 32 design: flagged iff R's estimate is 0 or Inf; single-table
    reasons iff R returns p 1, OR 0 and CI [0, Inf]."""
    from rfixtures import grid_tables

    design = [t for t in grid_tables() if t.set == "design_12x32"]
    assert len(design) == 429
    for t in design:
        reason = cohort.not_estimable_reason(t.case_carriers, t.n_cases, t.control_carriers, t.n_controls)
        assert (reason is None) == (0 < t.estimate < math.inf), t
        single = (t.p_value, t.estimate, t.ci_low, t.ci_high) == (1.0, 0.0, 0.0, math.inf)
        assert (reason in cohort.SINGLE_TABLE) == single, t


def test_summary(results):
    summary = by_id([dict(row, id=row["level"]) for row in results[0]["summary"]])
    assert [row["level"] for row in results[0]["summary"]] == ["variant", "gene", "biallelic"]
    assert (summary["variant"]["n_tests"], summary["variant"]["n_testable"]) == ("7", "4")
    assert num(summary["variant"]["min_q_value"]) == pytest.approx(0.85714285714285732, rel=1e-9)
    assert (summary["gene"]["n_tests"], summary["gene"]["n_testable"]) == ("4", "2")
    assert num(summary["biallelic"]["min_q_value"]) == 1.0


def test_numbers_round_trip_exactly(results):
    from hlhscreen.stats import fisher_test

    row = by_id(results[0]["biallelic"])["PRF1"]
    expected = fisher_test([[1, 1], [1, 2]])
    assert float(row["odds_ratio"]) == expected.odds_ratio
    assert float(row["ci_high"]) == expected.ci_high
    assert cohort.format_number(0.1) == "0.1"
    assert cohort.format_number(math.inf) == "Inf" and cohort.format_number(math.nan) == "NA"
    assert cohort.format_number(None) == "NA" and cohort.format_number(3) == "3"


def test_rerun_is_byte_identical(tmp_path):
    carriers, gene_status, samplesheet = write_inputs(tmp_path)
    first = cohort.run_cohort_stats(carriers, gene_status, samplesheet, tmp_path / "a")
    second = cohort.run_cohort_stats(carriers, gene_status, samplesheet, tmp_path / "b")
    for key in first:
        assert first[key].read_bytes() == second[key].read_bytes()


def test_empty_screen_gives_header_only_tables(tmp_path):
    carriers, gene_status, samplesheet = write_inputs(tmp_path, [CARRIERS_HEADER], [GENE_STATUS_HEADER])
    written = cohort.run_cohort_stats(carriers, gene_status, samplesheet, tmp_path / "out")
    assert len(written["variant"].read_text().splitlines()) == 1
    summary = read_out(written["summary"])
    assert [(r["n_tests"], r["n_testable"], r["min_q_value"]) for r in summary] == [("0", "0", "NA")] * 3


# ---------------------------------------------------------------- input errors


def _replace_line(lines: list, index: int, column: int, value: str) -> list:
    lines = list(lines)
    fields = lines[index].split("\t")
    fields[column] = value
    lines[index] = "\t".join(fields)
    return lines


def _drop_column(lines: list, name: str) -> list:
    at = lines[0].split("\t").index(name)
    return ["\t".join(f for i, f in enumerate(line.split("\t")) if i != at) for line in lines]


CARRIER_ERRORS = [
    # (description, edit of the carriers lines, line number in message, field)
    ("unknown sample", lambda l: _replace_line(l, 3, 0, "X9"), 4, "sample"),
    ("group disagrees", lambda l: _replace_line(l, 5, 1, "case"), 6, "group"),
    ("unknown state", lambda l: _replace_line(l, 2, 7, "heterozygous"), 3, "state"),
    ("missing column", lambda l: _drop_column(l, "state"), 1, "state"),
    ("duplicate row", lambda l: l[:2] + l[1:2] + l[3:], 3, "sample"),
    ("missing sample row", lambda l: l[:2] + l[3:], 2, "sample"),
    ("field count", lambda l: l[:4] + [l[4] + "\textra"] + l[5:], 5, "-"),
    ("gene differs between rows of a variant", lambda l: _replace_line(l, 4, 3, "UNC13D"), 5, "gene"),
]


@pytest.mark.parametrize("what, edit, line, field", CARRIER_ERRORS, ids=[c[0] for c in CARRIER_ERRORS])
def test_carriers_errors(tmp_path, what, edit, line, field):
    carriers, gene_status, samplesheet = write_inputs(tmp_path, carriers=edit(carriers_lines()))
    with pytest.raises(UserInputError) as caught:
        cohort.run_cohort_stats(carriers, gene_status, samplesheet, tmp_path / "out")
    message = str(caught.value)
    assert f"{carriers}:{line}: {field}:" in message
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


GENE_STATUS_ERRORS = [
    ("unknown status", lambda l: _replace_line(l, 4, 3, "het"), 5, "status"),
    ("unknown sample", lambda l: _replace_line(l, 1, 0, "nobody"), 2, "sample"),
    ("group disagrees", lambda l: _replace_line(l, 1, 1, "control"), 2, "group"),
    ("not a count", lambda l: _replace_line(l, 2, 6, "-1"), 3, "n_not_assessable"),
    ("missing column", lambda l: _drop_column(l, "n_not_assessable"), 1, "n_not_assessable"),
    ("missing sample row", lambda l: l[:8] + l[9:], 9, "sample"),  # UNC13D now starts on line 9
    ("exact duplicate row", lambda l: l[:3] + l[2:3] + l[3:], 4, "sample"),
    ("conflicting second row", lambda l: l + [l[10].replace("\tnone\t", "\tmonoallelic\t")], 30, "sample"),
    ("list disagrees with count", lambda l: _replace_line(l, 3, 7, "NA"), 4, "not_assessable_variants"),
    ("not_assessable without a variant", lambda l: _replace_line(_replace_line(l, 3, 6, "0"), 3, 7, "NA"), 4,
     "status"),
    ("missing not_assessable_variants", lambda l: _drop_column(l, "not_assessable_variants"), 1,
     "not_assessable_variants"),
]


@pytest.mark.parametrize("what, edit, line, field", GENE_STATUS_ERRORS, ids=[c[0] for c in GENE_STATUS_ERRORS])
def test_gene_status_errors(tmp_path, what, edit, line, field):
    carriers, gene_status, samplesheet = write_inputs(tmp_path, gene_status=edit(gene_status_lines()))
    with pytest.raises(UserInputError) as caught:
        cohort.run_cohort_stats(carriers, gene_status, samplesheet, tmp_path / "out")
    assert f"{gene_status}:{line}: {field}:" in str(caught.value)


def _gene_line(lines: list, sample: str, gene: str) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(f"{sample}\t") and f"\t{gene}\t" in line)


def _edit_gene(lines: list, sample: str, gene: str, column: str, value: str) -> list:
    return _replace_line(lines, _gene_line(lines, sample, gene), lines[0].split("\t").index(column), value)


INCONSISTENT = [
    # (description, edit of (carriers, gene_status) lines, file, line in message, field, text in message)
    ("carrying call not listed",
     lambda c, g: (c, _edit_gene(_edit_gene(g, "C1", "UNC13D", "carried_variants", "NA"), "C1", "UNC13D", "status",
                                 "none")),
     "gene_status", 9, "carried_variants", "carriers.tsv has carrying call(s) at chr17:75832000:G:C not listed here"),
    ("listed but not carried",
     lambda c, g: (c, _edit_gene(_edit_gene(g, "K1", "PRF1", "carried_variants", "chr10:70600631:G:A"), "K1", "PRF1",
                                 "status", "monoallelic")),
     "gene_status", 5, "carried_variants", "lists chr10:70600631:G:A, which carriers.tsv does not show as carried"),
    ("homozygous call, monoallelic status", lambda c, g: (c, _edit_gene(g, "C2", "PRF1", "status", "monoallelic")),
     "gene_status", 3, "status", "is 'monoallelic', but carriers.tsv has chr10:70600631:G:A hom_alt"),
    ("not-assessable call not listed",
     lambda c, g: (c, _edit_gene(_edit_gene(_edit_gene(g, "C3", "PRF1", "not_assessable_variants", "NA"), "C3", "PRF1",
                                            "n_not_assessable", "0"), "C3", "PRF1", "status", "none")),
     "gene_status", 4, "not_assessable_variants", "carriers.tsv has the call not_assessable at chr10:70600631:G:A"),
    ("readable call listed as not assessable",
     lambda c, g: (c, _edit_gene(_edit_gene(g, "K1", "PRF1", "not_assessable_variants", "chr10:70600800:A:T"), "K1",
                                 "PRF1", "n_not_assessable", "1")),
     "gene_status", 5, "not_assessable_variants", "lists chr10:70600800:A:T, at which carriers.tsv has a readable call"),
    ("kept variant count", lambda c, g: (c, _edit_gene(g, "K3", "PRF1", "n_kept_variants", "3")),
     "gene_status", 7, "n_kept_variants", "gene 'PRF1' has 3 kept variant(s) here but 2 in carriers.tsv"),
    ("gene without rows", lambda c, g: (c, [line for line in g if "\tSTX11\t" not in line]),
     "carriers", 44, "gene", "sample 'C1' carries chr6:31000100:G:T of gene 'STX11', but"),
    ("gene without rows, nobody carries",
     lambda c, g: ([line.replace("\tSTX11\t", "\tSTX11B\t") if line.split("\t")[2] == "chr6:31000000:T:A" else line
                    for line in c], [line.replace("\t2\t", "\t1\t", 1) if "\tSTX11\t" in line else line for line in g]),
     "carriers", 37, "gene", "gene 'STX11B' (variant chr6:31000000:T:A) has no rows in"),
]


@pytest.mark.parametrize("what, edit, which, line, field, text", INCONSISTENT, ids=[c[0] for c in INCONSISTENT])
def test_cli_refuses_carriers_and_gene_status_that_disagree(tmp_path, what, edit, which, line, field, text):
    """The variant tests count carriers.tsv, the gene and biallelic tests gene_status.tsv: files that disagree
    (of two runs, edited by hand) are refused with the file, line and field, exit 2 and no output. Before:
    COHORT_STATS run standalone counted both as given (only the report cross-checked them)."""
    carriers, genes = edit(carriers_lines(), gene_status_lines())
    paths = write_inputs(tmp_path, carriers, genes)
    done = _run_cli("--carriers", str(paths[0]), "--gene-status", str(paths[1]), "--samplesheet", str(paths[2]),
                    "--outdir", str(tmp_path / "cli"))
    path = paths[0] if which == "carriers" else paths[1]
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith(f"ERROR {path}:{line}: {field}: "), done.stderr
    assert text in done.stderr and "Use the carriers.tsv and gene_status.tsv of one SCREEN run" in done.stderr
    assert not (tmp_path / "cli").exists() or not any((tmp_path / "cli").iterdir())


def test_hand_made_gene_status_agrees_with_its_carriers(tmp_path):
    """The module's own fixture is consistent (as SCREEN writes it): checked by the same function."""
    carriers, genes, sheet = write_inputs(tmp_path)
    groups = {sample: info.group for sample, info in cohort.read_sample_groups(sheet, lanes=True).items()}
    cohort.check_statuses_match_calls(cohort.read_calls(carriers, groups, sheet),
                                      cohort.read_gene_status(genes, groups, sheet), genes, carriers)


@pytest.mark.parametrize("which", ["carriers", "gene_status"])
def test_cli_refuses_duplicate_records(tmp_path, which):
    """A variant listed twice (the same VCF record twice) stops the step with the line and the fix, no traceback."""
    carriers, genes = carriers_lines(), gene_status_lines()
    if which == "carriers":
        carriers = carriers + carriers[1:8]  # the first variant's 7 rows once more
    else:
        genes = genes + genes[1:8]
    paths = write_inputs(tmp_path, carriers, genes)
    done = _run_cli("--carriers", str(paths[0]), "--gene-status", str(paths[1]), "--samplesheet", str(paths[2]),
                    "--outdir", str(tmp_path / "cli"))
    path = paths[0] if which == "carriers" else paths[1]
    first_copy = len(carriers if which == "carriers" else genes) - 6
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"ERROR {path}:{first_copy}: sample: second row for sample 'C1'")
    assert "(first on line 2)" in done.stderr and "bcftools norm --rm-dup exact" in done.stderr
    assert not (tmp_path / "cli").exists() or not any((tmp_path / "cli").iterdir())


def test_samplesheet_group_without_samples(tmp_path):
    sheet = "sample,group,fastq_1,fastq_2\nC1,case,a.fq.gz,b.fq.gz\nC2,case,c.fq.gz,d.fq.gz\n"
    carriers, gene_status, samplesheet = write_inputs(tmp_path, [CARRIERS_HEADER], [GENE_STATUS_HEADER], sheet)
    with pytest.raises(UserInputError) as caught:
        cohort.run_cohort_stats(carriers, gene_status, samplesheet, tmp_path / "out")
    assert str(caught.value).startswith(f"ERROR {samplesheet}: group: no samples in group 'control'")


@pytest.mark.parametrize(
    "sheet, line, field",
    [
        (SAMPLESHEET + "C2,control,x.fq.gz,y.fq.gz\n", 10, "group"),
        (SAMPLESHEET.replace("K3,control", "K3,ctrl"), 8, "group"),
        (SAMPLESHEET.replace("sample,group", "sample,cohort"), 1, "group"),
        (SAMPLESHEET.replace("C2,case", ",case"), 4, "sample"),
    ],
    ids=["group conflict", "unknown group", "missing column", "empty sample"],
)
def test_samplesheet_errors(tmp_path, sheet, line, field):
    carriers, gene_status, samplesheet = write_inputs(tmp_path, samplesheet=sheet)
    with pytest.raises(UserInputError) as caught:
        cohort.run_cohort_stats(carriers, gene_status, samplesheet, tmp_path / "out")
    assert f"{samplesheet}:{line}: {field}:" in str(caught.value)


def test_missing_file(tmp_path):
    carriers, gene_status, samplesheet = write_inputs(tmp_path)
    with pytest.raises(UserInputError) as caught:
        cohort.run_cohort_stats(tmp_path / "nope.tsv", gene_status, samplesheet, tmp_path / "out")
    assert "nope.tsv" in str(caught.value)


# ---------------------------------------------------------------- command line


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BIN / "cohort_stats.py"), *args], capture_output=True, text=True)


def test_cli_writes_outputs(tmp_path):
    carriers, gene_status, samplesheet = write_inputs(tmp_path)
    done = _run_cli("--carriers", str(carriers), "--gene-status", str(gene_status), "--samplesheet", str(samplesheet),
                    "--outdir", str(tmp_path / "cli"), "--conf-level", "0.9")
    assert done.returncode == 0, done.stderr
    row = by_id(read_out(tmp_path / "cli" / "biallelic_tests.tsv"))["PRF1"]
    from hlhscreen.stats import fisher_test

    assert float(row["ci_low"]) == fisher_test([[1, 1], [1, 2]], conf_level=0.9).ci_low


def test_cli_user_error_exit_2(tmp_path):
    carriers, gene_status, samplesheet = write_inputs(tmp_path, carriers=_replace_line(carriers_lines(), 2, 7, "weird"))
    done = _run_cli("--carriers", str(carriers), "--gene-status", str(gene_status), "--samplesheet", str(samplesheet),
                    "--outdir", str(tmp_path / "cli"))
    assert done.returncode == 2
    assert done.stderr.startswith(f"ERROR {carriers}:3: state: unknown state 'weird'.")
    assert "Traceback" not in done.stderr


def test_cli_bad_conf_level(tmp_path):
    carriers, gene_status, samplesheet = write_inputs(tmp_path)
    done = _run_cli("--carriers", str(carriers), "--gene-status", str(gene_status), "--samplesheet", str(samplesheet),
                    "--conf-level", "1.5")
    assert done.returncode == 2 and "--conf-level" in done.stderr


# ---------------------------------------------------------------- every study-sized table through the CLI (issue 9)
#
# The tables of tests/fixtures/r/fisher_grid_reference.tsv (R's own values, make_grid_fixtures.R) are
# written as carriers.tsv / gene_status.tsv of one cohort and run through bin/cohort_stats.py: the whole
# 12 cases x 32 controls design (429 tables) at all three levels, and every smaller-group table of the
# fixture (other group sizes come from marking the surplus samples not_assessable), then a second cohort
# with hundreds of samples per group for the large tables. No table may stop the step; every p and q is in
# [0, 1] and equals R (p.adjust(BH) of R's p-values for q).

from rfixtures import grid_tables, same  # noqa: E402

from hlhscreen.stats import R_UNIROOT_TOL, p_adjust_bh  # noqa: E402

GRID = grid_tables()


def _cohort(n_cases: int, n_controls: int) -> tuple:
    cases = [f"C{i:04d}" for i in range(1, n_cases + 1)]
    controls = [f"K{i:04d}" for i in range(1, n_controls + 1)]
    sheet = "sample,group,fastq_1,fastq_2\n" + "".join(
        f"{s},{g},{s}_R1.fq.gz,{s}_R2.fq.gz\n" for g, names in (("case", cases), ("control", controls)) for s in names)
    return cases, controls, sheet


def _grid_states(table, n_cases: int, n_controls: int, hom: int = 0) -> list:
    """(group, index, state) per sample: carriers first (the first ``hom`` of each group homozygous), then
    non-carriers, then not_assessable (the group's surplus samples: smaller groups by exclusion)."""
    out = []
    for group, size, n, carriers in (("case", n_cases, table.n_cases, table.case_carriers),
                                     ("control", n_controls, table.n_controls, table.control_carriers)):
        for i in range(size):
            half = carriers // 2 if hom else 0
            out.append((group, i, "hom_alt" if i < half else "het" if i < carriers else "ref" if i < n
                        else "not_assessable"))
    return out


def _carrier_row(sample: str, group: str, variant_id: str, gene: str, state: str) -> str:
    note = "low_depth" if state == "not_assessable" else "NA"
    return "\t".join([sample, group, variant_id, gene, "NA", "NA", GENOTYPE[state], state,
                      "5" if note != "NA" else "40", "99", note])


def _run_grid_cohort(tmp_path: Path, tables, n_cases: int, n_controls: int, genes=()) -> dict:
    """Variant tables as variants of one gene GRID; gene tables as genes G_<case>_<control> of one variant each,
    carried homozygously by half the carriers of each group (rounded down), so the biallelic table is the gene
    table with halved carrier counts. gene_status.tsv is derived from the calls, as SCREEN writes it. Results:
    the GRID variants' rows at variant level, the G_ genes' rows at gene and biallelic level (BH q-values
    run over every test of the level: give tables or genes, not both, to compare q with R)."""
    cases, controls, sheet = _cohort(n_cases, n_controls)
    names = {"case": cases, "control": controls}
    carriers = [CARRIERS_HEADER]
    calls: dict = {sample: [] for sample in cases + controls}
    for index, table in enumerate(tables):
        variant_id = f"chr1:{index + 1}:A:G"
        for group, i, state in _grid_states(table, n_cases, n_controls):
            carriers.append(_carrier_row(names[group][i], group, variant_id, "GRID", state))
            calls[names[group][i]].append((variant_id, state))
    gene_status = [GENE_STATUS_HEADER]
    if tables:
        gene_status += [gene_status_line(sample, "case" if sample in cases else "control", "GRID", len(tables), held)
                        for sample, held in calls.items()]
    for index, table in enumerate(genes):
        gene, variant_id = f"G_{table.case_carriers}_{table.control_carriers}", f"chr2:{index + 1}:A:G"
        for group, i, state in _grid_states(table, n_cases, n_controls, hom=1):
            carriers.append(_carrier_row(names[group][i], group, variant_id, gene, state))
            gene_status.append(gene_status_line(names[group][i], group, gene, 1, [(variant_id, state)]))
    paths = write_inputs(tmp_path, carriers, gene_status, sheet)
    done = _run_cli("--carriers", str(paths[0]), "--gene-status", str(paths[1]), "--samplesheet", str(paths[2]),
                    "--outdir", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr[-2000:]
    results = {level: read_out(tmp_path / "out" / cohort.OUTPUT_FILES[level]) for level in cohort.LEVELS}
    results["variant"] = [row for row in results["variant"] if row["gene"] == "GRID"]
    for level in ("gene", "biallelic"):
        results[level] = [row for row in results[level] if row["id"] != "GRID"]
    results["power"] = read_out(tmp_path / "out" / cohort.POWER_FILE)
    return results


def _fold(value: float) -> float:
    return 0.0 if value == 0 or math.isinf(value) else min(value, 1 / value)


def _check_against_r(rows: list, tables: list) -> None:
    """Counts, p, estimate, CI and q of each output row against R; p and q in [0, 1]."""
    assert len(rows) == len(tables)
    failures = []
    r_p = [min(1.0, table.p_value) for table in tables]
    for row, table, q_want in zip(rows, tables, p_adjust_bh(r_p)):
        counts = [int(row[k]) for k in ("case_carriers", "case_assessable", "control_carriers", "control_assessable")]
        assert counts == [table.case_carriers, table.n_cases, table.control_carriers, table.n_controls], row["id"]
        assert row["testable"] == "yes"
        p, q = num(row["p_value"]), num(row["q_value"])
        assert 0.0 <= p <= 1.0 and 0.0 <= q <= 1.0, row
        checks = [("p_value", p, min(1.0, table.p_value), same), ("q_value", q, q_want, same)]
        for column, want in (("odds_ratio", table.estimate), ("ci_low", table.ci_low), ("ci_high", table.ci_high)):
            if table.set == "root_tolerance":
                checks.append((column, num(row[column]), want,
                               lambda got, w: abs(_fold(got) - _fold(w)) <= 2 * R_UNIROOT_TOL))
            else:
                checks.append((column, num(row[column]), want, same))
        failures += [f"{table.set} {table.counts} {column}: {got!r} vs R {want!r}"
                     for column, got, want, rule in checks if not rule(got, want)]
    assert not failures, "\n".join(failures[:20]) + f"\n({len(failures)} in all)"


@pytest.fixture(scope="module")
def study_grid(tmp_path_factory):
    small = [t for t in GRID if t.set != "large_sample"]
    design = [t for t in GRID if t.set == "design_12x32"]
    # two cohorts, so BH at each level runs over the grid's tables only (each run's other level has
    # the tests that keep gene_status.tsv and carriers.tsv in agreement)
    variants = _run_grid_cohort(tmp_path_factory.mktemp("grid"), small, 12, 32)
    genes = _run_grid_cohort(tmp_path_factory.mktemp("grid_genes"), [], 12, 32, genes=design)
    results = {"variant": variants["variant"], "gene": genes["gene"], "biallelic": genes["biallelic"],
               "power": genes["power"]}
    return small, design, results


def test_cli_every_study_table_variant_level(study_grid):
    small, _, results = study_grid
    assert len(small) >= 429 + 86 + 800
    _check_against_r(results["variant"], small)
    # the smaller groups really came from excluded samples
    for row, table in zip(results["variant"], small):
        excluded = 44 - table.n_cases - table.n_controls
        reason = cohort.not_estimable_reason(table.case_carriers, table.n_cases, table.control_carriers, table.n_controls)
        tokens = ([f"or_not_estimable={reason}"] if reason else []) + ([f"excluded_samples={excluded}"] if excluded else [])
        assert row["note"] == (";".join(tokens) or "NA")


def test_cli_every_study_table_gene_and_biallelic_level(study_grid):
    _, design, results = study_grid
    by_counts = {(t.case_carriers, t.control_carriers): t for t in design}
    _check_against_r(results["gene"], design)
    _check_against_r(results["biallelic"], [by_counts[(t.case_carriers // 2, t.control_carriers // 2)] for t in design])


def test_cli_large_cohort_tables(tmp_path):
    large = [t for t in GRID if t.set == "large_sample"]
    n_cases, n_controls = max(t.n_cases for t in large), max(t.n_controls for t in large)
    results = _run_grid_cohort(tmp_path, large, n_cases, n_controls)
    _check_against_r(results["variant"], large)


# ---------------------------------------------------------------- power.tsv (issue 13, part 3)


def test_power_table_rows_and_columns(results):
    tables, written = results
    rows = tables["power"]
    header = written["power"].read_text().splitlines()[0].split("\t")
    assert header == list(cohort.POWER_COLUMNS) == (
        "level id gene label case_assessable control_assessable control_carriers control_freq alpha power_or_2 "
        "power_or_5 power_or_10 min_detectable_or_power_80 case_freq_at_min_detectable_or "
        "min_significant_case_carriers note").split()
    expected_ids = [(level, row["id"]) for level in cohort.LEVELS for row in tables[level]]
    assert [(row["level"], row["id"]) for row in rows] == expected_ids
    from hlhscreen.power import power_summary

    for row in rows:
        assert row["alpha"] == "0.05"
        test = by_id(tables[row["level"]])[row["id"]]
        if test["testable"] == "no":
            assert row["note"] == "not_testable" and row["power_or_2"] == "NA"
            continue
        n1, n2, c = int(row["case_assessable"]), int(row["control_assessable"]), int(row["control_carriers"])
        assert (n1, n2, c) == (int(test["case_assessable"]), int(test["control_assessable"]), int(test["control_carriers"]))
        summary = power_summary(n1, n2, c, 0.05)
        assert row["note"] == (summary.reason or "NA")
        for column, value in zip(("power_or_2", "power_or_5", "power_or_10"), summary.powers):
            assert row[column] == cohort.format_number(value)
            if value is not None:
                assert 0.0 <= value <= 1.0


def test_power_alpha_follows_conf_level_or_alpha(tmp_path):
    carriers, gene_status, samplesheet = write_inputs(tmp_path)
    done = _run_cli("--carriers", str(carriers), "--gene-status", str(gene_status), "--samplesheet", str(samplesheet),
                    "--outdir", str(tmp_path / "a"), "--conf-level", "0.9")
    assert done.returncode == 0, done.stderr
    assert {row["alpha"] for row in read_out(tmp_path / "a" / "power.tsv")} == {"0.1"}
    done = _run_cli("--carriers", str(carriers), "--gene-status", str(gene_status), "--samplesheet", str(samplesheet),
                    "--outdir", str(tmp_path / "b"), "--alpha", "0.01")
    assert done.returncode == 0, done.stderr
    assert {row["alpha"] for row in read_out(tmp_path / "b" / "power.tsv")} == {"0.01"}
    done = _run_cli("--carriers", str(carriers), "--gene-status", str(gene_status), "--samplesheet", str(samplesheet),
                    "--outdir", str(tmp_path / "c"), "--alpha", "1")
    assert done.returncode == 2 and "--alpha" in done.stderr


def test_cli_power_of_the_study_design_equals_r(study_grid):
    """power.tsv of the 12 x 32 design (gene level of the grid cohort) against R's exact enumeration."""
    from rfixtures import R_FIXTURES, read_tsv

    _, _, results = study_grid
    power_rows = {row["id"]: row for row in results["power"] if row["level"] == "gene"}
    reference = [row for row in read_tsv(R_FIXTURES / "power_reference.tsv")
                 if (row["n_cases"], row["n_controls"], row["alpha"]) == ("12", "32", "0.050000000000000003")]
    checked = 0
    for ref in reference:
        row = power_rows[f"G_3_{ref['control_carriers']}"]  # 3 case carriers; the power depends on controls only
        column = {"2": "power_or_2", "5": "power_or_5", "10": "power_or_10", "min80": "min_detectable_or_power_80",
                  "min_case_carriers": "min_significant_case_carriers"}.get(ref["odds_ratio"])
        if column is None:
            continue
        want, got = ref["value"], row[column]
        if want == "NA" or row["note"] in ("no_control_carrier", "all_controls_carry") and column.startswith(("power", "min_d")):
            assert got == "NA"
        else:
            assert float(got) == pytest.approx(float(want), rel=1e-9)
        checked += 1
    assert checked >= 30


def test_cli_extreme_tables_of_a_1000_by_1000_cohort(tmp_path):
    """R's values for 200 x 800 and 1000 x 1000 designs, p-values from 1e-35 down to subnormal and R's
    underflow 0, OR 0 / Inf (make_extreme_fixtures.R), through bin/cohort_stats.py on one cohort of 1000 cases
    and 1000 controls (smaller groups by exclusion): p, OR, CI and BH q equal R's; the TSV keeps tiny p-values
    with their exponent and writes 0 only where R gives 0."""
    from rfixtures import GridTable, R_FIXTURES, num as rnum, read_tsv as rread

    tables = [GridTable(row["set"], int(row["n_cases"]), int(row["n_controls"]), int(row["case_carriers"]),
                        int(row["control_carriers"]), rnum(row["p_value"]), rnum(row["estimate"]),
                        rnum(row["ci_low"]), rnum(row["ci_high"]))
              for row in rread(R_FIXTURES / "fisher_extreme_reference.tsv") if row["conf_level"] == "0.95"]
    assert any(t.p_value == 0 for t in tables) and any(0 < t.p_value < 1e-300 for t in tables)
    results = _run_grid_cohort(tmp_path, tables, 1000, 1000)
    _check_against_r(results["variant"], tables)
    for row, table in zip(results["variant"], tables):
        if table.p_value == 0:
            assert row["p_value"] == "0.0"
        else:
            assert float(row["p_value"]) > 0 and row["p_value"] != "0.0"


CALLABILITY_HEADER = "gene\tchrom\tregions\tregion_bp\tcallable_bp\tpct_callable\tstatus\treason"


def test_genes_not_assessed_in_the_run_exclude_every_sample(tmp_path):
    # UNC13D lies outside the capture kit: its calls come from stray reads, and a sample without a call
    # there was never sequenced, so nobody is a non-carrier; PRF1 is captured only in part
    carriers, gene_status, samplesheet = write_inputs(tmp_path)
    callability = tmp_path / "panel_callability.tsv"
    callability.write_text("\n".join([
        CALLABILITY_HEADER,
        "PRF1\tchr10\t3\t1840\t1500\t81.5\tpartly_callable\toutside the capture targets (kit.bed)",
        "UNC13D\tchr17\t32\t4000\t0\t0.0\tnot_callable\toutside the capture targets (kit.bed); other reason",
        "STX11\tchr6\t2\t5516\t5516\t100.0\tcallable\tNA",
    ]) + "\n")
    subprocess.run([sys.executable, str(BIN / "cohort_stats.py"), "--carriers", str(carriers), "--gene-status",
                    str(gene_status), "--samplesheet", str(samplesheet), "--callability", str(callability),
                    "--outdir", str(tmp_path / "out")], check=True, capture_output=True, text=True)
    plain = cohort.run_cohort_stats(carriers, gene_status, samplesheet, tmp_path / "plain")
    out = {level: by_id(read_out(tmp_path / "out" / name)) for level, name in cohort.OUTPUT_FILES.items()}
    before = {level: by_id(read_out(plain[level])) for level in cohort.LEVELS}
    unc13d = [out["variant"]["chr17:75832000:G:C"], out["gene"]["UNC13D"], out["biallelic"]["UNC13D"]]
    assert before["gene"]["UNC13D"]["testable"] == "yes"  # without the table: 1/3 vs 0/4
    for row in unc13d:
        assert (row["testable"], row["p_value"], row["q_value"]) == ("no", "NA", "NA"), row
        assert (row["case_assessable"], row["control_assessable"]) == ("0", "0")
        assert row["note"].startswith("gene_not_assessed=outside the capture targets (kit.bed), other reason;"), row
        assert "excluded_samples=7" in row["note"].split(";")
    # PRF1 keeps its counts and statistics and says it was assessed only in part
    for level in ("gene", "biallelic"):
        assert {k: v for k, v in out[level]["PRF1"].items() if k not in ("note", "q_value")} == \
            {k: v for k, v in before[level]["PRF1"].items() if k not in ("note", "q_value")}
        assert out[level]["PRF1"]["note"].startswith(
            "gene_partly_assessed=81.5% of its panel bases callable (outside the capture targets (kit.bed))")
    # BH runs over the tests that remain: the gene level has PRF1 alone now, so q = p
    assert out["gene"]["PRF1"]["q_value"] == out["gene"]["PRF1"]["p_value"]
    assert [row["testable"] for row in out["gene"].values()].count("yes") == 1
    assert [row["testable"] for row in before["gene"].values()].count("yes") == 2


def test_calls_share_their_repeated_texts(tmp_path):
    """carriers.tsv holds samples x kept variants rows (925,000 at 5,000 samples x 185 variants): each call's
    repeated texts (sample, variant, gene, labels, state) are one object each, and calls carry no __dict__,
    so COHORT_STATS and REPORT hold ~100 bytes per call instead of ~1 KB (docs/benchmarks.md)."""
    carriers, _, samplesheet = write_inputs(tmp_path)
    groups = {row["sample"]: row["group"] for row in csv.DictReader(open(samplesheet))}
    calls = cohort.read_calls(carriers, groups, samplesheet)
    assert not hasattr(calls[0], "__dict__")
    first = {}
    for call in calls:
        for value in (call.sample, call.variant_id, call.gene, call.hgvsp, call.state, call.genotype):
            assert first.setdefault(value, value) is value
    assert len({id(call.variant_id) for call in calls}) == len({call.variant_id for call in calls})


# ---------------------------------------------------------------- random cohorts against R (issues 9 and 13)
#
# tests/fixtures/r/make_cohort_fixtures.R draws 60 small cohorts (1..12 cases, 1..32 controls, every 6th the
# study's 12 x 32) with sexes, two autosomal genes and one chrX gene, random genotypes and not-assessable
# calls, writes them as SCREEN would (hemizygous males on chrX, unknown sex not assessable there) and
# computes every test from the documented carrier rules with R's fisher.test and p.adjust.


def _random_cohorts() -> dict:
    from rfixtures import R_FIXTURES, read_tsv as rread

    cohorts: dict = {}
    for kind in ("calls", "genes", "reference"):
        for row in rread(R_FIXTURES / f"cohort_random_{kind}.tsv"):
            cohorts.setdefault(row["cohort"], {"calls": [], "genes": [], "reference": []})[kind].append(row)
    return cohorts


RANDOM_COHORTS = _random_cohorts()


def _write_random_cohort(tmp_path: Path, cohort: dict) -> tuple:
    samples = dict.fromkeys((row["sample"], row["group"]) for row in cohort["calls"])
    sheet = "sample,group,fastq_1,fastq_2\n" + "".join(f"{s},{g},{s}_R1.fq.gz,{s}_R2.fq.gz\n" for s, g in samples)
    genotype = {"het": "0/1", "hom_alt": "1/1", "hemizygous": "1", "ref": "0/0", "not_assessable": "./."}
    carriers = [CARRIERS_HEADER] + [
        "\t".join([r["sample"], r["group"], r["variant_id"], r["gene"], "NA", "NA", genotype[r["state"]], r["state"],
                   "30", "99", "sex_unknown" if r["state"] == "not_assessable" and r["sex"] == "unknown" else "NA"])
        for r in cohort["calls"]]
    columns = GENE_STATUS_HEADER.split("\t")
    genes = [GENE_STATUS_HEADER] + ["\t".join(r[c] for c in columns) for r in cohort["genes"]]
    return write_inputs(tmp_path, carriers, genes, sheet)


@pytest.mark.parametrize("name", sorted(RANDOM_COHORTS))
def test_random_cohort_equals_r(tmp_path, name):
    """Counts (hemizygous males, unknown sex on chrX and not-assessable samples excluded as documented),
    testability, Fisher p, conditional MLE odds ratio and CI (0 and Inf included) and BH q per level equal R's;
    the notes say 'or_not_estimable' exactly where R's estimate is 0 or Inf, and count the excluded samples."""
    from rfixtures import num as rnum, same

    fixture = RANDOM_COHORTS[name]
    written = cohort.run_cohort_stats(*_write_random_cohort(tmp_path, fixture), tmp_path / "out")
    got = {(level, row["id"]): row for level in cohort.LEVELS for row in read_out(written[level])}
    assert len(got) == len(fixture["reference"])
    n_samples = len({row["sample"] for row in fixture["calls"]})
    failures = []
    for ref in fixture["reference"]:
        row = got[(ref["level"], ref["id"])]
        columns = ("case_carriers", "case_assessable", "control_carriers", "control_assessable", "testable")
        assert [row[c] for c in columns] == [ref[c] for c in columns], (ref["level"], ref["id"])
        excluded = n_samples - int(ref["case_assessable"]) - int(ref["control_assessable"])
        tokens = row["note"].split(";")
        assert (f"excluded_samples={excluded}" in tokens) == (excluded > 0), (ref, row["note"])
        if ref["testable"] == "no":
            assert [row[c] for c in ("p_value", "odds_ratio", "ci_low", "ci_high", "q_value")] == ["NA"] * 5
            continue
        estimate = rnum(ref["odds_ratio"])
        assert any(t.startswith("or_not_estimable=") for t in tokens) == (estimate == 0 or math.isinf(estimate)), \
            (ref, row["note"])
        for column in ("p_value", "q_value", "odds_ratio", "ci_low", "ci_high"):
            want = rnum(ref[column])
            want = min(1.0, want) if column == "p_value" else want  # R's 2x2 branch does not clamp (docs)
            have = num(row[column])
            if not same(have, want):
                near = column not in ("p_value", "q_value") and abs(_fold(have) - _fold(want)) <= 2 * R_UNIROOT_TOL
                if not near:
                    failures.append(f"{name} {ref['level']} {ref['id']} {column}: {have!r} vs R {want!r}")
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------- cohorts at the edges (session 11)

def _edge_sets() -> dict:
    from rfixtures import R_FIXTURES, GridTable, num as rnum, read_tsv as rread

    sets: dict = {}
    for row in rread(R_FIXTURES / "edge_reference.tsv"):
        size = (int(row["cohort_cases"]), int(row["cohort_controls"]))
        table = GridTable(row["set"], int(row["n_cases"]), int(row["n_controls"]), int(row["case_carriers"]),
                          int(row["control_carriers"]), rnum(row["p_value"]), rnum(row["estimate"]),
                          rnum(row["ci_low"]), rnum(row["ci_high"]))
        sets.setdefault(row["set"], (size, []))[1].append((table, rnum(row["q_value"])))
    return sets


EDGE_SETS = _edge_sets()


@pytest.mark.parametrize("name", list(EDGE_SETS))
def test_cli_cohorts_at_the_edges_equal_r(tmp_path, name):
    """One case vs one control, 1 vs 5,000 and 5,000 vs 1, every sample or none a carrier at 2,500 x 2,500,
    OR 0 / Inf, p below 1e-300 and R's underflow 0, tied p-values, untestable tests inside BH (left out of n
    as R's p.adjust does), one testable test, none (make_edge_fixtures.R): through bin/cohort_stats.py, every
    p, OR, CI and q equals R's, untestable tests are NA with a reason, and nothing stops the step."""
    (n_cases, n_controls), expected = EDGE_SETS[name]
    results = _run_grid_cohort(tmp_path, [table for table, _ in expected], n_cases, n_controls)
    rows = results["variant"]
    assert len(rows) == len(expected)
    failures = []
    for row, (table, q_want) in zip(rows, expected):
        testable = table.n_cases > 0 and table.n_controls > 0
        assert row["testable"] == ("yes" if testable else "no"), row
        if not testable:
            assert [row[k] for k in ("p_value", "odds_ratio", "ci_low", "ci_high", "q_value")] == ["NA"] * 5
            reason = ("no_assessable_samples" if table.n_cases == table.n_controls == 0 else
                      "no_assessable_case" if table.n_cases == 0 else "no_assessable_control")
            assert row["note"].split(";")[0] == reason
            continue
        for column, want in (("p_value", table.p_value), ("odds_ratio", table.estimate), ("ci_low", table.ci_low),
                             ("ci_high", table.ci_high), ("q_value", q_want)):
            got = num(row[column])
            if not same(got, want):
                failures.append(f"{name} {table.counts} {column}: {got!r} vs R {want!r}")
        if table.p_value == 0:
            assert row["p_value"] == "0.0"
    assert not failures, "\n".join(failures)
    summary = {row["level"]: row for row in read_out(tmp_path / "out" / cohort.SUMMARY_FILE)}["variant"]
    testable_q = [q for table, q in expected if table.n_cases and table.n_controls]
    assert summary["n_testable"] == str(len(testable_q))
    if testable_q:
        assert same(num(summary["min_q_value"]), min(testable_q))
    else:
        assert summary["min_q_value"] == "NA"


def test_cli_power_rows_at_the_edges_equal_r(tmp_path):
    """power.tsv of the 1-vs-5,000 cohort (50 control carriers: R's exact power, make_power_large_fixtures.R)
    and of the 5,000-vs-1 cohort (no control carrier: the 4,751 of 5,000 cases R needs for p <= 0.05)."""
    from rfixtures import R_FIXTURES, read_tsv as rread

    reference = {(row["n_cases"], row["n_controls"], row["control_carriers"], row["odds_ratio"]): row["value"]
                 for row in rread(R_FIXTURES / "power_large_reference.tsv")}
    for name, carriers, column_of in (("one_vs_5000", "50", {"2": "power_or_2", "5": "power_or_5", "10": "power_or_10",
                                                              "min80": "min_detectable_or_power_80",
                                                              "min_case_carriers": "min_significant_case_carriers"}),
                                      ("5000_vs_one", "0", {"min_case_carriers": "min_significant_case_carriers"})):
        (n_cases, n_controls), expected = EDGE_SETS[name]
        (tmp_path / name).mkdir()
        results = _run_grid_cohort(tmp_path / name, [table for table, _ in expected], n_cases, n_controls)
        row = next(r for r in results["power"] if r["level"] == "variant" and r["control_carriers"] == carriers
                   and r["case_assessable"] == str(n_cases) and r["control_assessable"] == str(n_controls))
        for odds, column in column_of.items():
            want = reference[(str(n_cases), str(n_controls), carriers, odds)]
            assert float(row[column]) == pytest.approx(float(want), rel=1e-9), (name, column)
