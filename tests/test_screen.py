"""Tests of SCREEN (hlhscreen.screen, bin/screen_variants.py).

Three parts:

1. Property tests (Hypothesis) on small generated VEP-CSQ VCFs, against an oracle written here in
   plain Python from the generated data (it does not use hlhscreen).
2. The test cohort's annotated VCF (tests/fixtures/screen/example.vcf, snpEff ANN + gnomAD INFO;
   see the README there): the planted findings.
3. Bad input: each a UserInputError naming the file (and the line where there is one).
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import cyvcf2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hlhscreen import screen as S
from hlhscreen.errors import UserInputError

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "screen"
EXAMPLE = FIXTURES / "example.vcf"
REGIONS = FIXTURES / "regions.bed"
WHITELIST = FIXTURES / "risk_factors.tsv"
SAMPLES = ("case_01", "case_02", "case_03", "case_04", "ctrl_01", "ctrl_02", "ctrl_03", "ctrl_04")

A91V = "chr10:70600631:G:A"
W374X = "chr10:70598599:C:T"
W374G = "chr10:70598601:A:C"
N252S = "chr10:70598966:T:C"
A59T = "chr17:75843245:C:T"
UNC13D_INTRONIC = "chr17:75840205:G:A"

# =============================================================================================
# helpers
# =============================================================================================


def read_tsv(path: Path) -> List[Dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def write_samplesheet(path: Path, samples: Sequence[Tuple[str, str]], fastq: bool = True) -> Path:
    with open(path, "w") as out:
        out.write("sample,group,fastq_1,fastq_2\n" if fastq else "sample,group\n")
        for sample, group in samples:
            out.write(f"{sample},{group},r/{sample}_1.fq.gz,r/{sample}_2.fq.gz\n" if fastq else f"{sample},{group}\n")
    return path


def cohort_sheet(tmp: Path) -> Path:
    return write_samplesheet(tmp / "samplesheet.csv", [(s, "case" if s.startswith("case") else "control")
                                                        for s in SAMPLES])


@dataclass
class Outputs:
    folder: Path

    @property
    def variants(self) -> Dict[str, Dict[str, str]]:
        return {row["variant_id"]: row for row in read_tsv(self.folder / "variants.tsv")}

    @property
    def carriers(self) -> Dict[Tuple[str, str], Dict[str, str]]:
        return {(row["sample"], row["variant_id"]): row for row in read_tsv(self.folder / "carriers.tsv")}

    @property
    def genes(self) -> Dict[Tuple[str, str], Dict[str, str]]:
        return {(row["sample"], row["gene"]): row for row in read_tsv(self.folder / "gene_status.tsv")}

    def kept_ids(self) -> List[str]:
        out = []
        for v in cyvcf2.VCF(str(self.folder / "kept.vcf.gz")):
            out.append(f"{v.CHROM}:{v.POS}:{v.REF}:{v.ALT[0]}")
        return out


def screen(tmp: Path, vcf: Path = EXAMPLE, *, regions: Path = REGIONS, whitelist: Path = WHITELIST,
           sheet: Optional[Path] = None, name: str = "out", **options) -> Outputs:
    out = tmp / name
    S.run_screen(vcf, regions, whitelist, sheet or cohort_sheet(tmp), out, S.ScreenConfig(**options))
    return Outputs(out)


def edit_vcf(tmp: Path, name: str, edit) -> Path:
    """Copy the example VCF with ``edit(lines) -> lines`` applied."""
    lines = EXAMPLE.read_text().splitlines(keepends=True)
    path = tmp / name
    path.write_text("".join(edit(lines)))
    return path


def set_genotype(lines: List[str], variant: str, sample: str, genotype: str, extra: Optional[Dict[str, str]] = None
                 ) -> List[str]:
    """Set one sample's GT (and other FORMAT values) at one record of the example."""
    chrom, pos, ref, alt = variant.split(":")
    header = next(l for l in lines if l.startswith("#CHROM")).rstrip("\n").split("\t")
    column = header.index(sample)
    out = []
    for line in lines:
        cols = line.rstrip("\n").split("\t")
        if not line.startswith("#") and cols[0] == chrom and cols[1] == pos and cols[3] == ref and cols[4] == alt:
            keys = cols[8].split(":")
            for key in (extra or {}):
                if key not in keys:
                    keys.append(key)
                    cols[9:] = [c + ":." for c in cols[9:]]
            cols[8] = ":".join(keys)
            values = cols[column].split(":")
            values[keys.index("GT")] = genotype
            for key, value in (extra or {}).items():
                values[keys.index(key)] = value
            cols[column] = ":".join(values)
            line = "\t".join(cols) + "\n"
        out.append(line)
    return out


# =============================================================================================
# 1. property tests on generated VCFs, against an independent oracle
# =============================================================================================

CSQ_FIELDS = ("Allele", "Consequence", "IMPACT", "SYMBOL", "Gene", "Feature_type", "Feature", "BIOTYPE", "HGVSc",
              "HGVSp", "CANONICAL", "MANE_SELECT", "gnomADe_AF", "gnomADe_AFR_AF", "gnomADe_NFE_AF",
              "gnomADe_FIN_AF")
# (0-based start, end, gene): genes far apart, so a short deletion never touches two genes
BED = (("chr1", 100, 200, "GENEA"), ("chr1", 300, 350, "GENEA"), ("chr1", 1000, 1100, "GENEB"),
       ("chr2", 500, 600, "GENEC"))
GEN_SAMPLES = (("s1", "case"), ("s2", "case"), ("s3", "control"), ("s4", "control"))
# consequence terms used, most severe first (Ensembl's order), with their impact
TERMS = {
    "stop_gained": "HIGH", "frameshift_variant": "HIGH", "missense_variant": "MODERATE",
    "splice_donor_5th_base_variant": "LOW", "splice_region_variant": "LOW", "synonymous_variant": "LOW",
    "3_prime_UTR_variant": "MODIFIER", "intron_variant": "MODIFIER",
}
TERM_ORDER = list(TERMS)
IMPACT_RANK = {"HIGH": 0, "MODERATE": 1, "LOW": 2, "MODIFIER": 3}
CONSEQUENCE_SETS = (
    ("missense_variant",), ("stop_gained",), ("synonymous_variant",),
    ("splice_region_variant", "synonymous_variant"), ("intron_variant",),
    ("splice_donor_5th_base_variant", "intron_variant"), ("frameshift_variant",), ("3_prime_UTR_variant",),
)
AF_CHOICES = (None, 0.0, 0.0004, 0.005, 0.01, 0.0101, 0.02, 0.0354, 0.04, 0.0401, 0.2)
POS_CHOICES = {
    "chr1": (50, 99, 100, 101, 150, 199, 200, 201, 250, 299, 300, 301, 350, 351, 700, 999, 1000, 1001, 1100, 1101,
             1150),
    "chr2": (400, 499, 500, 501, 600, 601, 650),
}


@dataclass
class GenEntry:
    symbol: str
    terms: Tuple[str, ...]
    mane: bool
    canonical: bool
    matches: bool  # False: an entry of another allele (must be ignored)


@dataclass
class GenRecord:
    chrom: str
    pos: int
    ref: str
    alt: str
    qual: Optional[float]
    filt: str
    af: Optional[float]
    afr: Optional[float]
    nfe: Optional[float]
    fin: Optional[float]
    entries: List[GenEntry]
    genotypes: List[Tuple[str, Optional[int], Optional[int], Optional[Tuple[int, int]], Optional[int]]]
    whitelisted: bool = False

    @property
    def key(self) -> str:
        return f"{self.chrom}:{self.pos}:{self.ref}:{self.alt}"


def vep_allele(ref: str, alt: str) -> str:
    if len(ref) != len(alt) and ref[0] == alt[0]:
        return alt[1:] or "-"
    return alt


def fmt(value) -> str:
    return "." if value is None else str(value)


def record_line(rec: GenRecord) -> str:
    entries = []
    allele = vep_allele(rec.ref, rec.alt)
    for n, e in enumerate(rec.entries):
        values = {
            "Allele": allele if e.matches else "N", "Consequence": "&".join(e.terms),
            "IMPACT": min((TERMS[t] for t in e.terms), key=IMPACT_RANK.get), "SYMBOL": e.symbol,
            "Gene": f"ENSG{n:011d}", "Feature_type": "Transcript", "Feature": f"ENST{rec.pos:08d}{n:03d}.1",
            "BIOTYPE": "protein_coding", "HGVSc": f"ENST{rec.pos:08d}{n:03d}.1:c.{rec.pos}A>G",
            "HGVSp": f"ENSP{rec.pos:08d}{n:03d}.1:p.Lys{n + 1}Glu", "CANONICAL": "YES" if e.canonical else "",
            "MANE_SELECT": f"NM_{n:06d}.1" if e.mane else "",
            "gnomADe_AF": "" if rec.af is None else str(rec.af),
            "gnomADe_AFR_AF": "" if rec.afr is None else str(rec.afr),
            "gnomADe_NFE_AF": "" if rec.nfe is None else str(rec.nfe),
            "gnomADe_FIN_AF": "" if rec.fin is None else str(rec.fin),
        }
        entries.append("|".join(values[f] for f in CSQ_FIELDS))
    info = "CSQ=" + ",".join(entries) if entries else "."
    samples = []
    for gt, dp, gq, ad, ps in rec.genotypes:
        samples.append(":".join([gt, fmt(dp), fmt(gq), "." if ad is None else f"{ad[0]},{ad[1]}", fmt(ps)]))
    return "\t".join([rec.chrom, str(rec.pos), ".", rec.ref, rec.alt, fmt(rec.qual), rec.filt, info,
                      "GT:DP:GQ:AD:PS"] + samples) + "\n"


def write_generated(folder: Path, records: Sequence[GenRecord]) -> Tuple[Path, Path, Path, Path]:
    vcf = folder / "gen.vcf"
    with open(vcf, "w") as out:
        out.write("##fileformat=VCFv4.2\n##contig=<ID=chr1,length=5000>\n##contig=<ID=chr2,length=5000>\n")
        out.write('##FILTER=<ID=PASS,Description="All filters passed">\n')
        out.write('##FILTER=<ID=LowQual,Description="Low quality">\n')
        out.write('##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
                  'Format: ' + "|".join(CSQ_FIELDS) + '">\n')
        out.write('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n')
        out.write('##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">\n')
        out.write('##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Genotype quality">\n')
        out.write('##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allele depths">\n')
        out.write('##FORMAT=<ID=PS,Number=1,Type=Integer,Description="Phase set">\n')
        out.write("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(s for s, _ in GEN_SAMPLES)
                  + "\n")
        for rec in records:
            out.write(record_line(rec))
    bed = folder / "regions.bed"
    bed.write_text("".join(f"{c}\t{s}\t{e}\t{g}|exon{i + 1}\n" for i, (c, s, e, g) in enumerate(BED)))
    whitelist = folder / "risk_factors.tsv"
    with open(whitelist, "w") as out:
        out.write("gene\tbuild\tchrom\tpos\tref\talt\trsid\ttranscript\thgvsc\thgvsp\tevidence\treason\n")
        for rec in records:
            if rec.whitelisted:
                # the row names the panel gene at its position (another gene there is refused)
                out.write(f"{panel_gene_at(rec.chrom, rec.pos, rec.ref)}\tGRCh38\t{rec.chrom}\t{rec.pos}\t{rec.ref}\t"
                          f"{rec.alt}\trs1\tNA\tNA\tNA\t"
                          f"PMID:{rec.pos}\ttest risk factor\n")
    sheet = write_samplesheet(folder / "samples.csv", GEN_SAMPLES, fastq=False)
    return vcf, bed, whitelist, sheet


def panel_gene_at(chrom: str, pos: int, ref: str) -> str:
    """The BED gene whose interval the REF span overlaps (GENEA outside the panel)."""
    return next((g for c, s, e, g in BED if c == chrom and pos <= e and pos + len(ref) - 1 >= s + 1), "GENEA")


genotype_st = st.tuples(
    st.sampled_from(("0/0", "0/0", "0/1", "0/1", "1/1", "./.", "0/.", "0|1", "1|0", "1|1", ".")),
    st.sampled_from((None, 3, 9, 10, 30, 30)),
    st.sampled_from((None, None, 5, 19, 20, 60)),
    st.sampled_from((None, (4, 3), (10, 12))),
    st.sampled_from((None, 1, 2)),
)
entry_st = st.builds(
    GenEntry,
    symbol=st.sampled_from(("PANEL", "PANEL", "OTHERGENE")),
    terms=st.sampled_from(CONSEQUENCE_SETS),
    mane=st.booleans(),
    canonical=st.booleans(),
    matches=st.sampled_from((True, True, True, False)),
)


@st.composite
def record_st(draw) -> GenRecord:
    chrom = draw(st.sampled_from(("chr1", "chr1", "chr1", "chr2")))
    pos = draw(st.one_of(st.sampled_from(POS_CHOICES[chrom]), st.integers(40, 1200 if chrom == "chr1" else 700)))
    base = draw(st.sampled_from("ACGT"))
    if draw(st.booleans()) and draw(st.booleans()):
        # a deletion as bcftools norm writes it: its last base is not the padding base (else it would be
        # left-aligned further), as the whitelist requires of its rows
        ref = base + draw(st.text("ACGT", min_size=0, max_size=2)) + draw(st.sampled_from([b for b in "ACGT" if b != base]))
        alt = base
    else:
        ref = base
        alt = draw(st.sampled_from([b for b in "ACGT" if b != base]))
    gene = panel_gene_at(chrom, pos, ref)
    entries = draw(st.lists(entry_st, min_size=0, max_size=3))
    for e in entries:
        if e.symbol == "PANEL":
            e.symbol = gene
    return GenRecord(
        chrom=chrom, pos=pos, ref=ref, alt=alt,
        qual=draw(st.sampled_from((None, 5.0, 19.9, 20.0, 50.0, 50.0, 50.0))),
        filt=draw(st.sampled_from(("PASS", "PASS", ".", "LowQual"))),
        af=draw(st.sampled_from(AF_CHOICES)), afr=draw(st.sampled_from(AF_CHOICES)),
        nfe=draw(st.sampled_from(AF_CHOICES)), fin=draw(st.sampled_from(AF_CHOICES)),
        entries=entries,
        genotypes=[draw(genotype_st) for _ in GEN_SAMPLES],
        whitelisted=draw(st.sampled_from((False, False, True))),
    )


@st.composite
def records_st(draw) -> List[GenRecord]:
    records = draw(st.lists(record_st(), min_size=1, max_size=25))
    unique: Dict[Tuple[str, int, str, str], GenRecord] = {}
    for rec in records:
        unique.setdefault((rec.chrom, rec.pos, rec.ref, rec.alt), rec)
    return sorted(unique.values(), key=lambda r: (r.chrom, r.pos, r.ref, r.alt))


config_st = st.fixed_dictionaries({
    "max_af": st.sampled_from((0.04, 0.04, 0.02, 0.05, 1.0)),
    "common_af": st.sampled_from((0.01, 0.01, 0.005, 0.02)),
    "af_source": st.sampled_from(("global", "popmax")),
    "require_carrier": st.booleans(),
    "whitelist_overrides_max_af": st.booleans(),
    "evaluate_outside_panel": st.booleans(),
    "min_dp": st.sampled_from((10, 10, 0)),
    "min_gq": st.sampled_from((20, 20, 0)),
})

# ---- the oracle (plain Python over the generated data) --------------------------------------


def oracle_state(genotype, min_dp: int, min_gq: int) -> Tuple[str, str]:
    gt, dp, gq, ad, _ = genotype
    alleles = re.split(r"[/|]", gt)
    if "." in alleles:
        return "not_assessable", "no_call"
    depth = dp if dp is not None else (sum(ad) if ad is not None else None)
    if min_dp > 0 and (depth is None or depth < min_dp):
        return "not_assessable", "low_depth"
    if min_gq > 0 and gq is not None and gq < min_gq:
        return "not_assessable", "low_gq"
    n_alt = alleles.count("1")
    if n_alt == 0:
        return "ref", "NA"
    return ("hom_alt" if n_alt == len(alleles) else "het"), "NA"


def oracle_span(rec: GenRecord) -> Tuple[int, int]:
    """The reference bases the record changes: the SNV's base, or a deletion's deleted bases (the
    generated deletions are written base+X > base: the first base is padding)."""
    if len(rec.ref) == 1:
        return rec.pos, rec.pos
    return rec.pos + 1, rec.pos + len(rec.ref) - 1


def oracle_panel_genes(rec: GenRecord) -> set:
    first, last = oracle_span(rec)
    return {g for c, s, e, g in BED if c == rec.chrom and first <= e and last >= s + 1}


def own_entries(rec: GenRecord) -> List[int]:
    """Indexes of the record's own entries. Entries of other alleles ("N") mean the record was split
    from a multi-allelic site after annotation; without ALLELE_NUM (this layout has none) or OLD_REC,
    a trimmed spelling might be another ALT's, so only the ALT exactly as written is trusted then
    (docs/annotation.md, "Matching entries", 4.)."""
    matched = [i for i, e in enumerate(rec.entries) if e.matches]
    several_alleles = matched and len(matched) < len(rec.entries)
    if several_alleles and vep_allele(rec.ref, rec.alt) != rec.alt:
        return []
    return matched


def oracle_choice(rec: GenRecord) -> Tuple[Optional[int], Optional[str]]:
    """(index of the summary entry in rec.entries, basis) or (None, None). Inside the panel only
    entries of a panel gene at the record count; outside, any matched entry (shown, not judged)."""
    matched = own_entries(rec)
    if not matched:
        return None, None
    panel = oracle_panel_genes(rec)
    pool = [i for i in matched if rec.entries[i].symbol in panel] if panel else matched
    for basis, tier in (("mane_select", [i for i in pool if rec.entries[i].mane]),
                        ("canonical", [i for i in pool if rec.entries[i].canonical]), ("most_severe", pool)):
        if tier:
            return min(tier, key=lambda i: severity(rec.entries[i])), basis  # first of equals wins
    return None, None


def severity(e: GenEntry) -> Tuple[int, int]:
    impact = min((TERMS[t] for t in e.terms), key=IMPACT_RANK.get)
    return (IMPACT_RANK[impact], min(TERM_ORDER.index(t) for t in e.terms))


def oracle_summary(rec: GenRecord) -> Optional[GenEntry]:
    index, _ = oracle_choice(rec)
    return None if index is None else rec.entries[index]


def oracle_decision(rec: GenRecord, cfg: dict, whitelist: bool = True) -> List[str]:
    """The drop reasons (empty = kept), in the documented order."""
    in_panel = bool(oracle_panel_genes(rec))
    quality = rec.filt in ("PASS", ".") and (rec.qual is None or rec.qual >= 20)
    reasons = []
    if not in_panel:
        reasons.append("outside_panel")
    if not quality:
        reasons.append("low_quality")
    if not in_panel and not cfg["evaluate_outside_panel"]:
        return reasons
    matched = bool(own_entries(rec))
    af = oracle_af(rec, cfg) if matched else None  # CSQ frequencies come with the record's own entries
    listed = whitelist and rec.whitelisted
    if af is not None:
        if af >= cfg["max_af"] and not (listed and cfg["whitelist_overrides_max_af"]):
            reasons.append("af_above_max")
        if af > cfg["common_af"] and not listed:
            reasons.append("common_not_risk_factor")
    summary = oracle_summary(rec)
    if not matched:
        reasons.append("not_annotated")
    elif in_panel and summary is None:
        reasons.append("no_panel_gene_annotation")
    impacts = {"HIGH", "MODERATE"}
    consequences = {"splice_region_variant", "splice_donor_variant", "splice_acceptor_variant",
                    "splice_donor_5th_base_variant", "splice_donor_region_variant"}
    selected = summary is not None and (
        min((TERMS[t] for t in summary.terms), key=IMPACT_RANK.get) in impacts or set(summary.terms) & consequences)
    if matched and summary is not None and not selected:
        reasons.append("impact_not_selected")
    if cfg["require_carrier"]:
        states = [oracle_state(g, cfg["min_dp"], cfg["min_gq"])[0] for g in rec.genotypes]
        if not any(s in ("het", "hom_alt") for s in states):
            reasons.append("no_assessable_carrier")
    return reasons


def oracle_af(rec: GenRecord, cfg: dict) -> Optional[float]:
    """The AF compared: global -> gnomADe_AF, else the popmax groups' (afr, nfe) highest, else fin;
    popmax -> the larger of AF and the popmax groups' highest, else fin. None only with no value."""
    popmax = max([v for v in (rec.afr, rec.nfe) if v is not None], default=None)
    if cfg["af_source"] == "global":
        value = rec.af if rec.af is not None else popmax
    else:
        value = max([v for v in (rec.af, popmax) if v is not None], default=None)
    return value if value is not None else rec.fin


def run_generated(folder: Path, records: Sequence[GenRecord], cfg: dict, *, whitelist: bool = True,
                  name: str = "out") -> Outputs:
    vcf, bed, wl, sheet = write_generated(folder, records)
    if not whitelist:
        wl.write_text("gene\tbuild\tchrom\tpos\tref\talt\trsid\ttranscript\thgvsc\thgvsp\tevidence\treason\n")
    S.run_screen(vcf, bed, wl, sheet, folder / name, S.ScreenConfig(**cfg))
    return Outputs(folder / name)


PROPERTY_SETTINGS = settings(max_examples=70, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@PROPERTY_SETTINGS
@given(records=records_st(), cfg=config_st)
def test_decisions_match_the_oracle(records, cfg):
    with tempfile.TemporaryDirectory() as tmp:
        out = run_generated(Path(tmp), records, cfg)
        rows = read_tsv(out.folder / "variants.tsv")
        # every record: exactly one row and one decision
        assert [r["variant_id"] for r in rows] == [rec.key for rec in records]
        by_id = {r["variant_id"]: r for r in rows}
        for rec in records:
            row = by_id[rec.key]
            expected = oracle_decision(rec, cfg)
            assert row["decision"] == ("dropped" if expected else "kept"), (rec, row)
            if expected:
                assert row["reasons"].split(";") == expected, (rec, row)
            else:
                assert not set(row["reasons"].split(";")) & set(S.REASONS)
            # the whitelist rescue is recorded exactly when the whitelist changed the decision
            without = oracle_decision(rec, cfg, whitelist=False)
            assert (row["rescued_by"] == "risk_factor_whitelist") == (not expected and bool(without)), (rec, row)
            assert row["af_status"] in ("novel", "observed", "NA")
            # the transcript the record was judged by (annotation columns are read inside the panel,
            # or everywhere with evaluate_outside_panel)
            if row["reasons"] not in ("outside_panel", "outside_panel;low_quality") or cfg["evaluate_outside_panel"]:
                index, basis = oracle_choice(rec)
                expected_tx = "NA" if index is None else f"ENST{rec.pos:08d}{index:03d}.1"
                assert (row["transcript"], row["summary_basis"]) == (expected_tx, basis or "NA"), (rec, row)
                if index is not None:
                    assert row["gene"] == rec.entries[index].symbol
                elif oracle_panel_genes(rec):
                    # no annotation for the ALT, or only another gene's: the panel gene whose interval it is in
                    assert row["gene"] == ";".join(sorted(oracle_panel_genes(rec))), (rec, row)
        kept = [rec for rec in records if not oracle_decision(rec, cfg)]
        assert out.kept_ids() == [rec.key for rec in kept]
        # genotype states of every sample at every kept variant
        carriers = out.carriers
        assert len(carriers) == len(kept) * len(GEN_SAMPLES)
        for rec in kept:
            for (sample, _), genotype in zip(GEN_SAMPLES, rec.genotypes):
                state, note = oracle_state(genotype, cfg["min_dp"], cfg["min_gq"])
                row = carriers[(sample, rec.key)]
                assert (row["state"], row["note"], row["genotype"]) == (state, note, genotype[0]), (rec, row)
        # unconfirmed variants and the samples they make not assessable for the gene
        unconfirmed = {rec.key: oracle_unconfirmed(rec, cfg) for rec in records}
        unconfirmed = {key: samples for key, samples in unconfirmed.items() if samples}
        for rec in records:
            row = by_id[rec.key]
            evaluated = row["n_het"] != "NA"  # records outside the panel are not read (unless asked)
            assert row["unconfirmed"] == ("yes" if rec.key in unconfirmed else "no" if evaluated else "NA"), (rec, row)
            assert row["unconfirmed_samples"] == (";".join(unconfirmed.get(rec.key, ())) or "NA"), (rec, row)
            if evaluated:
                missing = [s for (s, _), g in zip(GEN_SAMPLES, rec.genotypes)
                           if oracle_state(g, cfg["min_dp"], cfg["min_gq"])[0] == "not_assessable"]
                assert row["not_assessable_samples"] == (";".join(missing) or "NA"), (rec, row)
        # gene status: one row per sample per gene with a kept or unconfirmed variant, consistent with
        # the carriers; not assessable at any of them and carrying none -> not_assessable
        genes = out.genes
        gene_of = {rec.key: by_id[rec.key]["gene"] for rec in kept}
        gene_of.update((key, by_id[key]["gene"]) for key in unconfirmed)
        assert {g for _, g in genes} == set(gene_of.values())
        for (sample, gene), row in genes.items():
            index = [s for s, _ in GEN_SAMPLES].index(sample)
            in_gene = [rec for rec in kept if gene_of[rec.key] == gene]
            states = [carriers[(sample, rec.key)]["state"] for rec in in_gene]
            carried = [rec.key for rec, st_ in zip(in_gene, states) if st_ in ("het", "hom_alt")]
            missing = [rec.key for rec in records if gene_of.get(rec.key) == gene and (
                sample in unconfirmed.get(rec.key, ()) or (rec in kept and oracle_state(
                    rec.genotypes[index], cfg["min_dp"], cfg["min_gq"])[0] == "not_assessable"))]
            assert row["n_kept_variants"] == str(len(in_gene))
            assert row["n_not_assessable"] == str(len(missing))
            assert row["not_assessable_variants"] == (";".join(missing) or "NA")
            assert row["carried_variants"] == (";".join(carried) or "NA")
            expected = oracle_status(sample, in_gene, cfg)
            if expected == "none" and missing:
                expected = "not_assessable"
            assert row["status"] == expected, (sample, gene, row, in_gene)


def oracle_unconfirmed(rec: GenRecord, cfg: dict) -> List[str]:
    """The samples a dropped record makes not assessable for its gene: at a qualifying variant with no
    assessable carrier, the not-assessable samples; at a record without annotation for its ALT that
    fails no other rule (impact unknown), or one annotated only with another gene, every sample whose call is
    not a confident 0/0; at a site failing only the quality rule besides those, the samples whose GT names
    the ALT."""
    reasons = oracle_decision(rec, cfg)
    states = [oracle_state(g, cfg["min_dp"], cfg["min_gq"])[0] for g in rec.genotypes]
    if "low_quality" in reasons:
        # a site failing QUAL/FILTER that would otherwise qualify (or is of unknown impact): the samples
        # whose GT names the ALT, never a 0/0 or ./. call
        rest = set(reasons) - {"low_quality"}
        if rest <= {"no_assessable_carrier", "not_annotated", "no_panel_gene_annotation"}:
            return [s for (s, _), state, genotype in zip(GEN_SAMPLES, states, rec.genotypes)
                    if state != "ref" and any(a not in ("0", ".") for a in re.split(r"[/|]", genotype[0]))]
        return []
    if reasons == ["no_assessable_carrier"]:
        return [s for (s, _), state in zip(GEN_SAMPLES, states) if state == "not_assessable"]
    unknown_impact = {"not_annotated", "no_panel_gene_annotation"}
    if reasons and unknown_impact & set(reasons) and set(reasons) <= unknown_impact | {"no_assessable_carrier"}:
        return [s for (s, _), state in zip(GEN_SAMPLES, states) if state != "ref"]
    return []


def oracle_status(sample: str, in_gene: Sequence[GenRecord], cfg: dict) -> str:
    index = [s for s, _ in GEN_SAMPLES].index(sample)
    hets = []
    for rec in in_gene:
        genotype = rec.genotypes[index]
        state, _ = oracle_state(genotype, cfg["min_dp"], cfg["min_gq"])
        if state == "hom_alt":
            return "biallelic_hom"
        if state == "het":
            gt, _, _, _, ps = genotype
            if "|" in gt:
                hets.append((("ps", ps) if ps is not None else "default", 0 if gt.split("|")[0] == "1" else 1, rec))
            else:
                hets.append((None, None, rec))
    if not hets:
        return "none"
    if len(hets) == 1:
        return "monoallelic"
    blocks: Dict[object, set] = {}
    for block, hap, _ in hets:
        if block is not None:
            blocks.setdefault(block, set()).add(hap)
    if any(len(h) == 2 for h in blocks.values()):
        return "compound_het"
    # two ALTs of one site (same POS and REF), or changing a common base, cannot share a haplotype
    for i, (_, _, a) in enumerate(hets):
        for _, _, b in hets[i + 1:]:
            span_a, span_b = oracle_span(a), oracle_span(b)
            if (a.pos, a.ref) == (b.pos, b.ref) or (span_a[0] <= span_b[1] and span_b[0] <= span_a[1]):
                return "compound_het"
    if all(block is not None for block, _, _ in hets) and len(blocks) == 1:
        return "monoallelic"
    return "possible_compound_het"


@PROPERTY_SETTINGS
@given(records=records_st(), cfg=config_st, lower=st.sampled_from((0.0, 0.005, 0.01, 0.02, 0.0354, 0.04)))
def test_lowering_max_af_never_adds_kept_variants(records, cfg, lower):
    with tempfile.TemporaryDirectory() as tmp:
        high = dict(cfg, max_af=max(cfg["max_af"], lower))
        low = dict(cfg, max_af=min(cfg["max_af"], lower))
        kept_high = set(run_generated(Path(tmp), records, high, name="high").kept_ids())
        kept_low = set(run_generated(Path(tmp), records, low, name="low").kept_ids())
        assert kept_low <= kept_high


@PROPERTY_SETTINGS
@given(records=records_st(), cfg=config_st)
def test_whitelist_only_rescues(records, cfg):
    with tempfile.TemporaryDirectory() as tmp:
        with_list = run_generated(Path(tmp), records, cfg, name="with")
        without = run_generated(Path(tmp), records, cfg, whitelist=False, name="without")
        kept_with, kept_without = set(with_list.kept_ids()), set(without.kept_ids())
        assert kept_without <= kept_with
        rows = with_list.variants
        for variant in kept_with - kept_without:
            assert rows[variant]["rescued_by"] == "risk_factor_whitelist"
            assert rows[variant]["whitelisted"] == "yes"
            assert rows[variant]["whitelist_evidence"].startswith("PMID:")
        # never rescued from anything but frequency
        for variant, row in rows.items():
            if row["rescued_by"] != "NA":
                assert without.variants[variant]["reasons"].split(";") and set(
                    without.variants[variant]["reasons"].split(";")) <= {"af_above_max", "common_not_risk_factor"}


@PROPERTY_SETTINGS
@given(records=records_st(), cfg=config_st)
def test_index_traversal_agrees_with_streaming(records, cfg):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        vcf, bed, wl, sheet = write_generated(folder, records)
        subprocess.run(["bgzip", "-f", str(vcf)], check=True)
        subprocess.run(["tabix", "-p", "vcf", str(vcf) + ".gz"], check=True)
        cfg = dict(cfg, evaluate_outside_panel=False)
        S.run_screen(str(vcf) + ".gz", bed, wl, sheet, folder / "stream", S.ScreenConfig(**cfg))
        S.run_screen(str(vcf) + ".gz", bed, wl, sheet, folder / "index", S.ScreenConfig(traversal="index", **cfg))
        def in_panel(rows):  # the index also lists what a query returns by REF span (a deletion's padding base)
            return [r for r in rows if r["reasons"] != "outside_panel" and not r["reasons"].startswith("outside_panel;")]

        stream_rows = in_panel(read_tsv(folder / "stream" / "variants.tsv"))
        assert in_panel(read_tsv(folder / "index" / "variants.tsv")) == stream_rows
        for name in ("carriers.tsv", "gene_status.tsv"):
            assert (folder / "index" / name).read_text() == (folder / "stream" / name).read_text()


def per_interval_reads(vcf_gz: Path, bed: Sequence[Tuple[str, int, int, str]]) -> List[str]:
    """What the index traversal must read: one tabix query per merged panel interval, a record
    overlapping several intervals once (tabix overlap: the REF span, or up to INFO/END)."""
    import pysam

    merged: Dict[str, List[List[int]]] = {}
    for chrom, start, end, _ in sorted(bed):
        spans = merged.setdefault(chrom, [])
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    ids = []
    with pysam.TabixFile(str(vcf_gz)) as tabix:
        for chrom, spans in merged.items():
            if chrom not in tabix.contigs:
                continue
            read = set()
            for start, end in spans:
                for line in tabix.fetch(chrom, start, end):
                    fields = line.split("\t")
                    key = ":".join([fields[0], fields[1], fields[3], fields[4]])
                    if key not in read:
                        read.add(key)
                        ids.append(key)
    return ids


@PROPERTY_SETTINGS
@given(records=records_st(), ends=st.lists(st.sampled_from((None, None, -1, 0, 2, 60, 400)), min_size=25,
                                           max_size=25),
       gap=st.sampled_from((0, 120, S.INDEX_QUERY_GAP)))
def test_index_queries_of_nearby_intervals_read_what_one_query_per_interval_reads(records, ends, gap):
    """Nearby panel intervals are read with one index query; the records between them are skipped,
    those reaching into an interval only through INFO/END are kept (as tabix reports them)."""
    from unittest import mock

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        vcf, bed, wl, sheet = write_generated(folder, records)
        lines = vcf.read_text().splitlines(keepends=True)
        body = [i for i, line in enumerate(lines) if not line.startswith("#")]
        for i, extra in zip(body, ends):
            if extra is not None:  # INFO/END = POS + extra (-1, 0: before or at POS, which tabix ignores)
                fields = lines[i].split("\t")
                fields[7] = f"END={int(fields[1]) + extra}" + ("" if fields[7] == "." else ";" + fields[7])
                lines[i] = "\t".join(fields)
        vcf.write_text("".join(lines))
        subprocess.run(["bgzip", "-f", str(vcf)], check=True)
        subprocess.run(["tabix", "-p", "vcf", str(vcf) + ".gz"], check=True)
        with mock.patch.object(S, "INDEX_QUERY_GAP", gap):
            S.run_screen(str(vcf) + ".gz", bed, wl, sheet, folder / "index",
                         S.ScreenConfig(traversal="index", evaluate_outside_panel=False))
        read = [row["variant_id"] for row in read_tsv(folder / "index" / "variants.tsv")]
        assert read == per_interval_reads(Path(str(vcf) + ".gz"), BED)


def test_kept_vcf_header_is_the_input_header_as_htslib_writes_it(tmp_path):
    """The header is read with pysam (no cyvcf2); htslib normalises it as before (here: the PASS
    filter line it adds when a header lacks it)."""
    vcf = edit_vcf(tmp_path, "nopass.vcf", lambda lines: [l for l in lines if not l.startswith("##FILTER=<ID=PASS")])
    out = screen(tmp_path, vcf)
    with subprocess.Popen(["bgzip", "-dc", str(out.folder / "kept.vcf.gz")], stdout=subprocess.PIPE, text=True) as proc:
        kept = [line for line in proc.stdout if line.startswith("#")]
    expected = cyvcf2.VCF(str(vcf)).raw_header.splitlines(keepends=True)
    assert '##FILTER=<ID=PASS,Description="All filters passed">\n' in expected
    assert [l for l in kept if not l.startswith(("##INFO=<ID=HLH_", "##hlhscreen_screen_"))] == expected


def test_overlapping_panel_genes_judged_by_the_most_severe(tmp_path):
    """Where two panel genes overlap (like UNC13D and WBP2), the gene whose own summary transcript
    is the most severe is chosen; a gene outside the panel never is; ties go to interval order."""
    bed = tmp_path / "overlap.bed"
    bed.write_text("chr1\t100\t200\tGENEX|exon1\nchr1\t150\t300\tGENEY|exon4\n")

    def entry(symbol, terms, n, mane=True):
        return GenEntry(symbol, terms, mane, False, True)

    genotypes = [("0/1", 30, 60, None, None)] + [("0/0", 30, 60, None, None)] * 3
    base = dict(ref="A", alt="G", qual=50.0, filt="PASS", af=None, afr=None, nfe=None, fin=None,
                genotypes=genotypes)
    records = [
        # both genes: GENEY's MANE transcript is HIGH, GENEX's MODERATE -> GENEY
        GenRecord(chrom="chr1", pos=160, entries=[entry("GENEX", ("missense_variant",), 0),
                                                  entry("GENEY", ("stop_gained",), 1)], **base),
        # a non-panel gene with a HIGH transcript does not win over the panel gene
        GenRecord(chrom="chr1", pos=170, entries=[entry("OTHERGENE", ("stop_gained",), 0),
                                                  entry("GENEX", ("synonymous_variant",), 1)], **base),
        # equal severity: the first gene in interval order (GENEX)
        GenRecord(chrom="chr1", pos=180, entries=[entry("GENEY", ("missense_variant",), 0),
                                                  entry("GENEX", ("missense_variant",), 1)], **base),
    ]
    vcf, _, wl, sheet = write_generated(tmp_path, records)
    S.run_screen(vcf, bed, wl, sheet, tmp_path / "out")
    rows = Outputs(tmp_path / "out").variants
    assert (rows["chr1:160:A:G"]["gene"], rows["chr1:160:A:G"]["impact"]) == ("GENEY", "HIGH")
    assert (rows["chr1:170:A:G"]["gene"], rows["chr1:170:A:G"]["reasons"]) == ("GENEX", "impact_not_selected")
    assert rows["chr1:180:A:G"]["gene"] == "GENEX"
    genes = Outputs(tmp_path / "out").genes
    assert genes[("s1", "GENEY")]["carried_variants"] == "chr1:160:A:G"
    assert genes[("s1", "GENEX")]["carried_variants"] == "chr1:180:A:G"


# =============================================================================================
# 2. the test cohort's annotated VCF
# =============================================================================================


@pytest.fixture(scope="module")
def default_run(tmp_path_factory) -> Outputs:
    return screen(tmp_path_factory.mktemp("default"))


def test_every_record_has_one_decision(default_run):
    rows = read_tsv(default_run.folder / "variants.tsv")
    body = [l for l in EXAMPLE.read_text().splitlines() if not l.startswith("#")]
    assert len(rows) == len(body) == 13
    assert {r["decision"] for r in rows} <= {"kept", "dropped"}
    assert list(rows[0]) == list(S.VARIANT_COLUMNS)


def test_a91v_kept_by_the_whitelist_with_its_citation(default_run):
    row = default_run.variants[A91V]
    assert row["decision"] == "kept"
    assert row["rescued_by"] == "risk_factor_whitelist"
    assert row["reasons"] == "in_panel;quality_pass;risk_factor_whitelist;impact:MODERATE;assessable_carrier"
    assert row["gnomad_af"] == "0.0354" and row["af_used"] == "0.0354" and row["af_status"] == "observed"
    assert row["whitelisted"] == "yes" and row["whitelist_rsid"] == "rs35947132"
    assert row["whitelist_hgvsp"] == "p.Ala91Val" and row["hgvsp"] == "p.Ala91Val"
    assert "PMID:12229880" in row["whitelist_evidence"]
    assert "risk factor" in row["whitelist_reason"]
    # carriers.tsv carries the variant for every sample (contract columns; the citation is joined
    # through variant_id), and kept.vcf.gz flags it
    carriers = default_run.carriers
    assert {carriers[(s, A91V)]["state"] for s in ("case_01", "case_02", "ctrl_01", "ctrl_03")} == {"het"}
    assert carriers[("case_01", A91V)]["hgvsp"] == "p.Ala91Val"
    flagged = [v for v in cyvcf2.VCF(str(default_run.folder / "kept.vcf.gz")) if v.INFO.get("HLH_RISK_FACTOR")]
    assert [(v.POS, v.INFO.get("HLH_GENE")) for v in flagged] == [(70600631, "PRF1")]


def test_a91v_without_the_whitelist_is_common(tmp_path):
    empty = tmp_path / "empty.tsv"
    empty.write_text(WHITELIST.read_text().splitlines()[0] + "\n")
    row = screen(tmp_path, whitelist=empty).variants[A91V]
    assert (row["decision"], row["reasons"], row["rescued_by"], row["whitelisted"]) == \
        ("dropped", "common_not_risk_factor", "NA", "no")


def test_w374x_kept_high_impact(default_run):
    row = default_run.variants[W374X]
    assert row["decision"] == "kept" and row["impact"] == "HIGH" and row["hgvsp"] == "p.Trp374Ter"
    assert "impact:HIGH" in row["reasons"].split(";")
    assert row["rescued_by"] == "NA"


def test_a59t_dropped_as_common_not_risk_factor(default_run):
    row = default_run.variants[A59T]
    assert (row["decision"], row["reasons"], row["gnomad_af"]) == ("dropped", "common_not_risk_factor", "0.017")
    assert ("case_02", A59T) not in default_run.carriers


def test_novel_variant_kept_with_af_status_novel(default_run):
    row = default_run.variants[W374G]
    assert (row["decision"], row["af_status"], row["gnomad_af"], row["af_used"]) == ("kept", "novel", "NA", "NA")
    assert "af_novel" in row["reasons"].split(";")


def test_no_frequency_where_gnomad_has_no_record_is_not_looked_up_not_novel(tmp_path, default_run):
    """A gnomAD file without records on a chromosome (frequency_check.json, ANNOTATION_SUMMARY) was never
    consulted there: a variant without a frequency on it is af_status not_looked_up (kept reason
    af_not_looked_up, also in kept.vcf's HLH_REASONS), not novel. Which variants are kept does not change
    (no frequency is rare: the study's rule), and chromosomes gnomAD covers keep 'novel'."""
    facts = tmp_path / "frequency_check.json"
    # spelled as the gnomAD file and the called VCF may differ (10 vs chr10): any spelling matches
    facts.write_text('{"gnomad_file": "gnomad.vcf.gz", "contigs_not_covered": {"10": 4}}')
    command = [sys.executable, str(REPO / "bin" / "screen_variants.py"), "--vcf", str(EXAMPLE),
               "--regions", str(REGIONS), "--risk-factors", str(WHITELIST),
               "--samplesheet", str(cohort_sheet(tmp_path)), "--outdir", str(tmp_path / "out"),
               "--frequency-check", str(facts)]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    out = Outputs(tmp_path / "out")
    row = out.variants[W374G]
    assert (row["decision"], row["af_status"], row["af_used"]) == ("kept", "not_looked_up", "NA")
    reasons = row["reasons"].split(";")
    assert "af_not_looked_up" in reasons and "af_novel" not in reasons
    kept = {f"{v.CHROM}:{v.POS}:{v.REF}:{v.ALT[0]}": v.INFO.get("HLH_REASONS")
            for v in cyvcf2.VCF(str(out.folder / "kept.vcf.gz"))}
    assert "af_not_looked_up" in kept[W374G].split("|")
    before = default_run.variants
    assert {k: r["decision"] for k, r in out.variants.items()} == {k: r["decision"] for k, r in before.items()}
    for variant_id, old in before.items():
        if old["af_status"] == "novel":
            expected = "not_looked_up" if variant_id.startswith("chr10:") else "novel"
            assert out.variants[variant_id]["af_status"] == expected, variant_id
    assert any(r["af_status"] == "novel" for r in out.variants.values())  # another chromosome: still novel
    unlooked = sum(r["af_status"] == "not_looked_up" for r in out.variants.values())
    summary = dict(line.split("\t") for line in (out.folder / "screen_summary_mqc.tsv").read_text().splitlines()
                   if "\t" in line and not line.startswith("#"))
    assert unlooked and summary[next(k for k in summary if "(not_looked_up;" in k)] == str(unlooked)


def test_outside_panel_and_low_impact(default_run):
    variants = default_run.variants
    assert (variants[UNC13D_INTRONIC]["decision"], variants[UNC13D_INTRONIC]["reasons"]) == ("dropped", "outside_panel")
    assert variants[UNC13D_INTRONIC]["gene"] == "NA"  # annotation is not read outside the panel
    assert variants["chr19:7643188:C:A"]["reasons"] == "impact_not_selected"
    splice = variants["chr19:7642534:G:A"]  # LOW impact, but splice_region_variant
    assert (splice["decision"], splice["impact"]) == ("kept", "LOW")
    assert "consequence:splice_region_variant" in splice["reasons"].split(";")


def test_evaluate_outside_panel_lists_every_reason(tmp_path):
    row = screen(tmp_path, evaluate_outside_panel=True).variants[UNC13D_INTRONIC]
    assert row["reasons"] == "outside_panel;impact_not_selected"
    assert (row["gene"], row["consequence"]) == ("UNC13D", "intron_variant")


def test_case_01_possible_compound_het_and_case_03_biallelic_hom(default_run):
    genes = default_run.genes
    case_01 = genes[("case_01", "PRF1")]
    assert case_01["status"] == "possible_compound_het"
    assert case_01["carried_variants"] == f"{W374X};{A91V}"
    assert genes[("case_03", "PRF1")]["status"] == "biallelic_hom"
    assert genes[("ctrl_02", "PRF1")]["status"] == "monoallelic"
    assert genes[("ctrl_04", "PRF1")]["status"] == "not_assessable"  # 0/0 at 2 reads at A91V, carries nothing
    assert {row["n_kept_variants"] for (s, g), row in genes.items() if g == "PRF1"} == {"5"}
    assert len(genes) == len(SAMPLES) * 3  # PRF1, STX11, STXBP2; every sample in each
    assert list(read_tsv(default_run.folder / "gene_status.tsv")[0]) == list(S.GENE_STATUS_COLUMNS)


def test_ctrl_04_low_depth_at_a91v_is_not_assessable(default_run):
    row = default_run.carriers[("ctrl_04", A91V)]
    assert (row["genotype"], row["state"], row["depth"], row["note"], row["gq"]) == \
        ("0/0", "not_assessable", "2", "low_depth", "NA")
    assert default_run.genes[("ctrl_04", "PRF1")]["n_not_assessable"] == "1"
    assert default_run.variants[A91V]["n_not_assessable"] == "1"
    assert default_run.carriers[("ctrl_01", A91V)]["state"] == "het"
    assert list(read_tsv(default_run.folder / "carriers.tsv")[0]) == list(S.CARRIER_COLUMNS)


def test_popmax_makes_n252s_common(tmp_path, default_run):
    assert default_run.variants[N252S]["decision"] == "kept"
    row = screen(tmp_path, af_source="popmax").variants[N252S]
    assert (row["decision"], row["reasons"]) == ("dropped", "common_not_risk_factor")
    assert (row["gnomad_af"], row["popmax_af"], row["popmax_population"], row["af_used"]) == \
        ("0.00642", "0.0121", "nfe", "0.0121")
    # A91V has no population AFs: popmax falls back to the global AF, still rescued
    assert screen(tmp_path, af_source="popmax", name="o2").variants[A91V]["rescued_by"] == "risk_factor_whitelist"


def test_max_af_is_strict_and_not_overridden_by_default(tmp_path):
    at_af = screen(tmp_path, max_af=0.0354, name="a").variants[A91V]
    assert (at_af["decision"], at_af["reasons"]) == ("dropped", "af_above_max")  # AF must be < max_af
    assert screen(tmp_path, max_af=0.0355, name="b").variants[A91V]["decision"] == "kept"
    over = screen(tmp_path, max_af=0.03, whitelist_overrides_max_af=True, name="c").variants[A91V]
    assert (over["decision"], over["rescued_by"]) == ("kept", "risk_factor_whitelist")
    # common_af is strict too: AF = common_af is not common
    assert screen(tmp_path, common_af=0.017, name="d").variants[A59T]["decision"] == "kept"


def test_phased_genotypes_in_trans_are_compound_het(tmp_path):
    def phase(a91v: str, w374x: str, extra_a: Optional[Dict[str, str]] = None,
              extra_w: Optional[Dict[str, str]] = None):
        def edit(lines):
            lines = set_genotype(lines, A91V, "case_01", a91v, extra_a)
            return set_genotype(lines, W374X, "case_01", w374x, extra_w)
        return edit

    cases = {
        "trans": (phase("0|1", "1|0"), "compound_het"),
        "cis": (phase("0|1", "0|1"), "monoallelic"),
        "trans_same_ps": (phase("1|0", "0|1", {"PS": "7"}, {"PS": "7"}), "compound_het"),
        "different_ps": (phase("1|0", "0|1", {"PS": "7"}, {"PS": "8"}), "possible_compound_het"),
        "one_unphased": (phase("0|1", "0/1"), "possible_compound_het"),
    }
    for name, (edit, expected) in cases.items():
        vcf = edit_vcf(tmp_path, f"{name}.vcf", edit)
        out = screen(tmp_path, vcf, name=name)
        assert out.genes[("case_01", "PRF1")]["status"] == expected, name


def test_genotype_quality_and_depth_rules(tmp_path):
    def edit(lines):
        lines = set_genotype(lines, A91V, "case_02", "0/1", {"GQ": "12"})          # low GQ
        lines = set_genotype(lines, A91V, "ctrl_01", "0/1", {"DP": ".", "GQ": "."})  # DP from AD 18+11
        lines = set_genotype(lines, A91V, "ctrl_03", "./.")                          # no call
        return set_genotype(lines, A91V, "case_01", "0/.")                           # half call
    out = screen(tmp_path, edit_vcf(tmp_path, "gq.vcf", edit))
    carriers = out.carriers
    assert (carriers[("case_02", A91V)]["state"], carriers[("case_02", A91V)]["note"],
            carriers[("case_02", A91V)]["gq"]) == ("not_assessable", "low_gq", "12")
    assert (carriers[("ctrl_01", A91V)]["state"], carriers[("ctrl_01", A91V)]["depth"]) == ("het", "29")
    assert carriers[("ctrl_03", A91V)]["note"] == "no_call"
    assert (carriers[("case_01", A91V)]["state"], carriers[("case_01", A91V)]["note"]) == ("not_assessable", "no_call")
    # a missing GQ is not a failure; min_gq=0 and min_dp=0 switch the checks off
    off = screen(tmp_path, edit_vcf(tmp_path, "gq.vcf", edit), min_gq=0, min_dp=0, name="off").carriers
    assert off[("case_02", A91V)]["state"] == "het" and off[("ctrl_04", A91V)]["state"] == "ref"


def test_no_assessable_carrier(tmp_path):
    # Y438C is carried only by case_04; at depth 5 nobody carries it assessably
    variant = "chr10:70598408:T:C"
    vcf = edit_vcf(tmp_path, "lowdp.vcf", lambda lines: set_genotype(lines, variant, "case_04", "0/1", {"DP": "5"}))
    row = screen(tmp_path, vcf).variants[variant]
    assert (row["decision"], row["reasons"], row["n_het"], row["n_not_assessable"]) == \
        ("dropped", "no_assessable_carrier", "0", "1")
    kept = screen(tmp_path, vcf, require_carrier=False, name="o2").variants[variant]
    assert kept["decision"] == "kept" and "assessable_carrier" not in kept["reasons"]


def test_low_quality_only_carrier_makes_the_sample_not_assessable_for_the_gene(tmp_path):
    """Issue 9 item 1: the only carrier of an otherwise qualifying variant has low depth. The variant
    is not kept, but the sample is not a confirmed non-carrier of the gene: it is not_assessable,
    with the variant named, and COHORT_STATS leaves it out of the gene and biallelic tests."""
    variant = "chr10:70598408:T:C"  # PRF1 Y438C, carried only by case_04
    vcf = edit_vcf(tmp_path, "lowdp.vcf", lambda lines: set_genotype(lines, variant, "case_04", "0/1", {"DP": "5"}))
    out = screen(tmp_path, vcf)
    row = out.variants[variant]
    assert (row["decision"], row["reasons"], row["unconfirmed"], row["not_assessable_samples"]) == \
        ("dropped", "no_assessable_carrier", "yes", "case_04")
    status = out.genes[("case_04", "PRF1")]
    assert (status["status"], status["carried_variants"], status["n_not_assessable"],
            status["not_assessable_variants"]) == ("not_assessable", "NA", "1", variant)
    assert out.genes[("case_03", "PRF1")]["status"] == "biallelic_hom"  # others unchanged
    assert (variant not in {vid for _, vid in out.carriers})  # not a kept variant: no carriers rows
    from hlhscreen import cohort
    written = cohort.run_cohort_stats(out.folder / "carriers.tsv", out.folder / "gene_status.tsv",
                                      cohort_sheet(tmp_path), tmp_path / "cohort")
    gene = {r["id"]: r for r in read_tsv(written["gene"])}["PRF1"]
    # 4 cases: case_04 excluded (3 assessable); before the fix it counted as a non-carrier (4)
    assert gene["case_assessable"] == "3" and "excluded_samples=" in gene["note"]


Y438C = "chr10:70598408:T:C"  # PRF1 p.Tyr438Cys, gnomAD 6.2e-06, carried only by case_04 (0/1, DP 42)


def set_info(lines: List[str], variant: str, edit) -> List[str]:
    """Apply ``edit(items) -> items`` to the ``;``-split INFO of one record of the example."""
    chrom, pos, ref, alt = variant.split(":")
    out = []
    for line in lines:
        cols = line.split("\t")
        if not line.startswith("#") and cols[:2] == [chrom, pos] and cols[3:5] == [ref, alt]:
            cols[7] = ";".join(edit(cols[7].split(";"))) or "."
            line = "\t".join(cols)
        out.append(line)
    return out


def without_ann(items: List[str]) -> List[str]:
    return [item for item in items if not item.startswith("ANN=")]


def summary_rows(out: Outputs) -> Dict[str, str]:
    lines = (out.folder / "screen_summary_mqc.tsv").read_text().splitlines()
    return dict(line.split("\t") for line in lines if not line.startswith("#"))


def test_carrier_of_a_record_without_annotation_is_not_assessable_for_the_gene(tmp_path):
    """A rare record in PRF1 with no ANN entry (impact unknown): before, it was dropped as
    not_annotated and its well-covered carrier case_04 became a confirmed non-carrier of PRF1
    ('none'). It is not assessable for PRF1, with the variant named, and left out of the gene test;
    a sample that carries a kept PRF1 variant as well stays a carrier."""
    def edit(lines):
        lines = set_info(lines, Y438C, without_ann)
        return set_genotype(lines, Y438C, "case_01", "0/1")  # case_01 also carries A91V + W374X (kept)
    out = screen(tmp_path, edit_vcf(tmp_path, "noann.vcf", edit))
    row = out.variants[Y438C]
    assert (row["decision"], row["reasons"], row["annotation_match"], row["gene"]) == \
        ("dropped", "not_annotated", "no_annotation", "PRF1")
    assert (row["unconfirmed"], row["unconfirmed_samples"], row["not_assessable_samples"]) == \
        ("yes", "case_04;case_01", "NA")  # VCF sample order
    status = out.genes[("case_04", "PRF1")]
    assert (status["status"], status["carried_variants"], status["n_not_assessable"],
            status["not_assessable_variants"]) == ("not_assessable", "NA", "1", Y438C)
    both = out.genes[("case_01", "PRF1")]
    assert (both["status"], both["carried_variants"], both["not_assessable_variants"]) == \
        ("possible_compound_het", f"{W374X};{A91V}", Y438C)
    # a confident 0/0 there changes nothing: ctrl_02 (N252S) is monoallelic with nothing unassessed
    assert (out.genes[("ctrl_02", "PRF1")]["status"], out.genes[("ctrl_02", "PRF1")]["n_not_assessable"]) == \
        ("monoallelic", "0")
    assert Y438C not in {vid for _, vid in out.carriers}  # not a finding: no carriers rows
    assert summary_rows(out)["of those, without annotation for their ALT (not_annotated; impact unknown: carriers "
                             "not assessable for the gene)"] == "1"
    from hlhscreen import cohort
    written = cohort.run_cohort_stats(out.folder / "carriers.tsv", out.folder / "gene_status.tsv",
                                      cohort_sheet(tmp_path), tmp_path / "cohort")
    gene = {r["id"]: r for r in read_tsv(written["gene"])}["PRF1"]
    # case_04 left out (before: counted as a non-carrier, 4 assessable cases); ctrl_04 as before (A91V, DP 2)
    assert (gene["case_assessable"], gene["control_assessable"]) == ("3", "3") and "excluded_samples=2" in gene["note"]


def test_low_depth_call_of_a_record_without_annotation_is_not_assessable(tmp_path):
    """No assessable carrier and no annotation: the low-depth sample may carry it."""
    def edit(lines):
        lines = set_info(lines, Y438C, without_ann)
        return set_genotype(lines, Y438C, "case_04", "0/1", {"DP": "5"})
    out = screen(tmp_path, edit_vcf(tmp_path, "noann_lowdp.vcf", edit))
    row = out.variants[Y438C]
    assert (row["reasons"], row["unconfirmed"], row["unconfirmed_samples"]) == \
        ("not_annotated;no_assessable_carrier", "yes", "case_04")
    assert out.genes[("case_04", "PRF1")]["status"] == "not_assessable"


def _gnomad(value: str):
    return lambda items: [item if not item.startswith("gnomAD_AF=") else f"gnomAD_AF={value}" for item in items]


@pytest.mark.parametrize("name, info_edit, qual, reasons", [
    # a frequency that excludes it whatever its impact: at/above --max-af, or common and not whitelisted
    ("common", _gnomad("0.2"), None, "af_above_max;common_not_risk_factor;not_annotated"),
    ("above_common_af", _gnomad("0.02"), None, "common_not_risk_factor;not_annotated"),
])
def test_record_without_annotation_excluded_otherwise_changes_nothing(tmp_path, name, info_edit, qual, reasons):
    def edit(lines):
        lines = set_info(lines, Y438C, lambda items: without_ann(info_edit(items) if info_edit else items))
        if qual:
            lines = ["\t".join(line.split("\t")[:5] + [qual] + line.split("\t")[6:])
                     if line.startswith("chr10\t70598408\t") else line for line in lines]
        return lines
    out = screen(tmp_path, edit_vcf(tmp_path, f"{name}.vcf", edit))
    row = out.variants[Y438C]
    assert (row["reasons"], row["unconfirmed"], row["unconfirmed_samples"]) == (reasons, "no", "NA")
    assert out.genes[("case_04", "PRF1")]["status"] == "none"  # the frequency rules settle it


def test_carrier_of_a_record_without_annotation_at_a_low_quality_site_is_not_assessable(tmp_path):
    """Impact unknown and QUAL below --min-qual: before, case_04 (0/1, DP 42) was a confirmed non-carrier
    of PRF1 ('none'). Neither rule says the variant does not qualify: case_04 is not assessable."""
    def edit(lines):
        return set_site_quality(set_info(lines, Y438C, without_ann), Y438C, "3.5")
    out = screen(tmp_path, edit_vcf(tmp_path, "noann_lq.vcf", edit))
    row = out.variants[Y438C]
    assert (row["reasons"], row["unconfirmed"], row["unconfirmed_samples"]) == \
        ("low_quality;not_annotated", "yes", "case_04")
    assert out.genes[("case_04", "PRF1")]["status"] == "not_assessable"


def test_record_without_annotation_outside_the_panel_changes_nothing(tmp_path):
    out = screen(tmp_path, edit_vcf(tmp_path, "intronic.vcf", lambda lines: set_info(lines, UNC13D_INTRONIC, without_ann)),
                 evaluate_outside_panel=True)
    row = out.variants[UNC13D_INTRONIC]
    assert row["reasons"].startswith("outside_panel") and (row["unconfirmed"], row["gene"]) == ("no", "NA")
    assert summary_rows(out)["of those, without annotation for their ALT (not_annotated; impact unknown: carriers "
                             "not assessable for the gene)"] == "0"


def test_unconfirmed_samples_rule():
    def calls(*states):
        return [S.SampleCall("0/1", state, 0, None, None, False, None, None) for state in states]
    ref, het, hom, na, hemi = S._REF, S._HET, S._HOM, S._NA_STATE, S._HEMI
    mixed = calls(ref, het, hom, na, hemi)
    assert S.unconfirmed_samples(("not_annotated",), False, mixed) == [1, 2, 3, 4]
    assert S.unconfirmed_samples(("not_annotated", "no_assessable_carrier"), False, calls(ref, na)) == [1]
    assert S.unconfirmed_samples(("no_assessable_carrier",), True, calls(ref, na, na)) == [1, 2]
    assert S.unconfirmed_samples(("not_annotated",), False, calls(ref, ref)) == []
    for other in ("outside_panel", "af_above_max", "common_not_risk_factor"):
        assert S.unconfirmed_samples((other, "not_annotated"), False, mixed) == []
        assert S.unconfirmed_samples((other, "no_assessable_carrier"), True, mixed) == []
        assert S.unconfirmed_samples(("low_quality", other), True, mixed) == []
    # a low-quality site: only the calls naming the ALT (carriers, and not-assessable 0/1, ./1), never 0/0 or ./.
    site = [S.SampleCall(gt, state, 0, None, None, False, None, None) for gt, state in (
        ("0/0", ref), ("0/1", het), ("1/1", hom), ("./1", na), ("./.", na), ("0/0", na), ("1", hemi), ("0/1", na))]
    for annotated, reasons in ((True, ("low_quality",)), (True, ("low_quality", "no_assessable_carrier")),
                               (False, ("low_quality", "not_annotated")),
                               (False, ("low_quality", "no_panel_gene_annotation", "no_assessable_carrier"))):
        assert S.unconfirmed_samples(reasons, annotated, site) == [1, 2, 3, 6, 7], reasons
    assert S.unconfirmed_samples(("low_quality", "impact_not_selected"), True, site) == []
    assert S.unconfirmed_samples(("impact_not_selected", "no_assessable_carrier"), True, mixed) == []
    assert S.unconfirmed_samples((), True, mixed) == []  # kept: its own calls count


def test_low_quality_record(tmp_path):
    def edit(lines):
        out = []
        for line in lines:
            cols = line.split("\t")
            if not line.startswith("#") and cols[1] in ("70598599", "70598601"):
                cols[5] = "12.5" if cols[1] == "70598599" else cols[5]
                cols[6] = "LowQual" if cols[1] == "70598601" else cols[6]
                line = "\t".join(cols)
            out.append(line)
        return out
    variants = screen(tmp_path, edit_vcf(tmp_path, "q.vcf", edit)).variants
    assert (variants[W374X]["reasons"], variants[W374X]["qual"]) == ("low_quality", "12.5")
    assert (variants[W374G]["reasons"], variants[W374G]["filter"]) == ("low_quality", "LowQual")


def set_site_quality(lines: List[str], variant: str, qual: Optional[str] = None, filt: Optional[str] = None
                     ) -> List[str]:
    """Set QUAL and/or FILTER of one record of the example."""
    chrom, pos, ref, alt = variant.split(":")
    out = []
    for line in lines:
        cols = line.split("\t")
        if not line.startswith("#") and cols[:2] == [chrom, pos] and cols[3:5] == [ref, alt]:
            cols[5] = qual if qual is not None else cols[5]
            cols[6] = filt if filt is not None else cols[6]
            line = "\t".join(cols)
        out.append(line)
    return out


STXBP2_SYNONYMOUS = "chr19:7643188:C:A"  # LOW impact (impact_not_selected), carried by case_02


@pytest.mark.parametrize("qual, filt", [
    ("12.5", None),                         # QUAL below --min-qual (20)
    (None, "LowQual"),                      # GATK's QUAL filter
    (None, "VQSRTrancheSNP99.90to100.00"),  # a VQSR tranche
])
def test_low_quality_site_of_a_qualifying_variant_makes_its_carrier_not_assessable(tmp_path, qual, filt):
    """Issue 9.1: Y438C (rare, missense, in PRF1) carried only by case_04 (0/1, DP 42) at a site failing
    QUAL/FILTER. Before: dropped as low_quality, only warned about, and case_04 was a confirmed non-carrier
    of PRF1 ('none', counted in the gene test). Now case_04 is not_assessable with Y438C named; the
    confident 0/0 samples stay as they were."""
    out = screen(tmp_path, edit_vcf(tmp_path, "lq.vcf", lambda lines: set_site_quality(lines, Y438C, qual, filt)))
    row = out.variants[Y438C]
    assert (row["decision"], row["reasons"], row["unconfirmed"], row["unconfirmed_samples"]) == \
        ("dropped", "low_quality", "yes", "case_04")
    status = out.genes[("case_04", "PRF1")]
    assert (status["status"], status["carried_variants"], status["n_not_assessable"],
            status["not_assessable_variants"]) == ("not_assessable", "NA", "1", Y438C)
    # 0/0 at the site: the site's QUAL/FILTER is about the ALT, a confident reference call stays one
    assert (out.genes[("ctrl_02", "PRF1")]["status"], out.genes[("ctrl_02", "PRF1")]["n_not_assessable"]) == \
        ("monoallelic", "0")
    assert out.genes[("case_02", "PRF1")]["not_assessable_variants"] == "NA"
    assert Y438C not in {vid for _, vid in out.carriers}  # not a kept variant: no variant test
    table = summary_rows(out)
    assert table["of those, at a low-quality site (low_quality: QUAL/FILTER; samples naming the ALT not assessable "
                 "for the gene)"] == "1"
    from hlhscreen import cohort
    written = cohort.run_cohort_stats(out.folder / "carriers.tsv", out.folder / "gene_status.tsv",
                                      cohort_sheet(tmp_path), tmp_path / "cohort")
    gene = {r["id"]: r for r in read_tsv(written["gene"])}["PRF1"]
    assert gene["case_assessable"] == "3" and "excluded_samples=" in gene["note"]  # before: 4 (case_04 a non-carrier)
    assert Y438C not in {r["id"] for r in read_tsv(written["variant"])}


def test_low_quality_site_with_only_unassessable_calls_names_the_half_call(tmp_path):
    """A low-QUAL site whose only ALT calls are a low-depth het and a half call ./1: both samples are
    not assessable (reasons low_quality;no_assessable_carrier); a ./. sample there is not."""
    def edit(lines):
        lines = set_site_quality(lines, Y438C, "8")
        lines = set_genotype(lines, Y438C, "case_04", "0/1", {"DP": "4"})
        lines = set_genotype(lines, Y438C, "ctrl_01", "./1")
        return set_genotype(lines, Y438C, "ctrl_03", "./.")
    out = screen(tmp_path, edit_vcf(tmp_path, "lq_na.vcf", edit))
    row = out.variants[Y438C]
    assert (row["reasons"], row["unconfirmed"], row["unconfirmed_samples"]) == \
        ("low_quality;no_assessable_carrier", "yes", "ctrl_01;case_04")  # VCF sample order
    assert out.genes[("ctrl_01", "PRF1")]["not_assessable_variants"] == Y438C
    assert out.genes[("ctrl_03", "PRF1")]["not_assessable_variants"] == "NA"


def test_low_quality_second_hit_excludes_the_sample_from_the_biallelic_test(tmp_path):
    """case_01 carries A91V and W374X (both PRF1, kept: possible compound het). With W374X at a LowQual
    site, case_01 is monoallelic for PRF1 with W374X not assessed: still a carrier in the gene test, but
    left out of the biallelic test (before: a confirmed biallelic non-carrier)."""
    out = screen(tmp_path, edit_vcf(tmp_path, "lq_w374x.vcf", lambda lines: set_site_quality(lines, W374X, None, "LowQual")))
    assert (out.variants[W374X]["reasons"], out.variants[W374X]["unconfirmed_samples"]) == ("low_quality", "case_01")
    status = out.genes[("case_01", "PRF1")]
    assert (status["status"], status["carried_variants"], status["not_assessable_variants"]) == \
        ("monoallelic", A91V, W374X)
    from hlhscreen import cohort
    written = cohort.run_cohort_stats(out.folder / "carriers.tsv", out.folder / "gene_status.tsv",
                                      cohort_sheet(tmp_path), tmp_path / "cohort")
    assert cohort.biallelic_outcome("monoallelic", 1) == cohort.EXCLUDED
    biallelic = {r["id"]: r for r in read_tsv(written["biallelic"])}["PRF1"]
    assert biallelic["case_assessable"] == "3"  # case_01 left out; before: 4
    gene = {r["id"]: r for r in read_tsv(written["gene"])}["PRF1"]
    assert (gene["case_carriers"], gene["case_assessable"]) == ("4", "4")  # case_01 still carries A91V


@pytest.mark.parametrize("variant, carrier, reasons", [
    (A59T, "case_04", "low_quality;common_not_risk_factor"),          # common, not whitelisted
    (STXBP2_SYNONYMOUS, "case_02", "low_quality;impact_not_selected"),  # synonymous, LOW
])
def test_low_quality_site_of_a_variant_excluded_otherwise_changes_nothing(tmp_path, variant, carrier, reasons):
    out = screen(tmp_path, edit_vcf(tmp_path, "lq_other.vcf", lambda lines: set_site_quality(lines, variant, "3")))
    row = out.variants[variant]
    assert (row["reasons"], row["unconfirmed"], row["unconfirmed_samples"]) == (reasons, "no", "NA")
    gene = "UNC13D" if variant == A59T else "STXBP2"
    assert out.genes.get((carrier, gene), {}).get("not_assessable_variants", "NA") == "NA"


def test_low_quality_site_outside_the_panel_changes_nothing(tmp_path):
    out = screen(tmp_path, edit_vcf(tmp_path, "lq_out.vcf", lambda lines: set_site_quality(lines, UNC13D_INTRONIC, "3")),
                 evaluate_outside_panel=True)
    row = out.variants[UNC13D_INTRONIC]
    assert (row["reasons"].split(";")[:2], row["unconfirmed"]) == (["outside_panel", "low_quality"], "no")


def test_mane_transcripts_for_snpeff(tmp_path):
    mane = tmp_path / "mane.txt"
    mane.write_text("# MANE Select\nENST00000441259\n")
    out = tmp_path / "o"
    S.run_screen(EXAMPLE, REGIONS, WHITELIST, cohort_sheet(tmp_path), out, mane_transcripts=mane)
    rows = Outputs(out).variants
    assert (rows[A91V]["mane_select"], rows[A91V]["summary_basis"]) == ("yes", "mane_select")
    assert (rows[A59T]["mane_select"], rows[A59T]["summary_basis"]) == ("no", "most_severe")


def test_index_traversal_on_the_example(tmp_path, default_run):
    gz = tmp_path / "example.vcf.gz"
    subprocess.run(f"bgzip -c {EXAMPLE} > {gz} && tabix -p vcf {gz}", shell=True, check=True)
    out = screen(tmp_path, gz, traversal="index", name="index")
    assert set(out.variants) == set(default_run.variants) - {UNC13D_INTRONIC}
    assert (out.folder / "carriers.tsv").read_text() == (default_run.folder / "carriers.tsv").read_text()
    summary = (out.folder / "screen_summary_mqc.tsv").read_text()
    assert "records not read (outside the panel, skipped through the index)\t1" in summary


def test_outputs_are_complete_and_readable(default_run):
    folder = default_run.folder
    assert sorted(p.name for p in folder.iterdir()) == sorted(S.OUTPUT_FILES)
    kept = default_run.kept_ids()
    assert kept == [v for v, row in default_run.variants.items() if row["decision"] == "kept"]
    reader = cyvcf2.VCF(str(folder / "kept.vcf.gz"))
    assert list(reader.samples) == ["ctrl_03", "ctrl_02", "ctrl_01", "case_04", "case_03", "case_02", "ctrl_04",
                                    "case_01"]
    assert len(list(reader("chr10:70600000-70601000"))) == 1  # the index works
    summary = (folder / "screen_summary_mqc.tsv").read_text().splitlines()
    assert summary[:4] == ["# id: 'hlhscreen_screen'", "# section_name: 'Variant screening'",
                           summary[2], "# plot_type: 'table'"]
    assert summary[2].startswith("# description: '")
    table = dict(line.split("\t") for line in summary[4:])
    assert (table["records screened"], table["kept"], table["dropped"]) == ("13", "9", "4")
    assert table["dropped with reason common_not_risk_factor"] == "1"
    assert table["kept in PRF1"] == "5"
    assert table["kept thanks to the risk-factor whitelist"] == "1"


def test_nothing_kept_still_gives_complete_outputs(tmp_path):
    out = screen(tmp_path, min_qual=1e9)
    rows = out.variants.values()
    assert all(r["decision"] == "dropped" and "low_quality" in r["reasons"].split(";") for r in rows)
    assert out.variants[A59T]["reasons"] == "low_quality;common_not_risk_factor"
    assert out.kept_ids() == []
    assert (out.folder / "carriers.tsv").read_text() == "\t".join(S.CARRIER_COLUMNS) + "\n"
    # every site fails QUAL: the otherwise qualifying ones leave their carriers not assessable (issue 9.1),
    # no sample is a confirmed carrier or non-carrier of those genes
    genes = out.genes
    assert {row["status"] for row in genes.values()} == {"not_assessable", "none"}
    assert {row["n_kept_variants"] for row in genes.values()} == {"0"}
    assert (genes[("case_04", "PRF1")]["status"], genes[("case_04", "PRF1")]["not_assessable_variants"]) == \
        ("not_assessable", "chr10:70598408:T:C")
    assert genes[("ctrl_02", "PRF1")]["status"] == "not_assessable"  # N252S carrier
    assert (out.folder / "kept.vcf.gz.tbi").stat().st_size > 0


def test_outputs_feed_cohort_stats(tmp_path, default_run):
    from hlhscreen.cohort import run_cohort_stats

    run_cohort_stats(default_run.folder / "carriers.tsv", default_run.folder / "gene_status.tsv",
                     cohort_sheet(tmp_path), tmp_path / "cohort")
    tests = read_tsv(tmp_path / "cohort" / "variant_tests.tsv")
    a91v = next(t for t in tests if t["id"] == A91V)
    # ctrl_04 (not assessable) is left out of the control denominator
    assert (a91v["case_carriers"], a91v["case_assessable"], a91v["control_carriers"],
            a91v["control_assessable"]) == ("2", "4", "2", "3")


def test_failure_leaves_no_output(tmp_path):
    def edit(lines):
        return lines + ["chr19\t7643300\t.\tG\tA\tabc\tPASS\t.\tGT\t0/0\t0/0\t0/0\t0/0\t0/0\t0/0\t0/0\t0/0\n"]
    out = tmp_path / "out"
    with pytest.raises(UserInputError) as err:
        S.run_screen(edit_vcf(tmp_path, "bad.vcf", edit), REGIONS, WHITELIST, cohort_sheet(tmp_path), out)
    assert "bad.vcf:90: QUAL: 'abc' is not a number" in str(err.value)
    assert list(out.iterdir()) == []  # no file, no staging folder


def test_cli(tmp_path):
    sheet = cohort_sheet(tmp_path)
    command = [sys.executable, str(REPO / "bin" / "screen_variants.py"), "--vcf", str(EXAMPLE),
               "--regions", str(REGIONS), "--risk-factors", str(WHITELIST), "--samplesheet", str(sheet),
               "--outdir", str(tmp_path / "cli"), "--af-source", "popmax", "--impacts", "HIGH",
               "--consequences", "none"]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    rows = Outputs(tmp_path / "cli").variants
    assert rows[A91V]["reasons"] == "impact_not_selected"  # MODERATE is not selected any more
    assert rows["chr19:7642534:G:A"]["reasons"] == "impact_not_selected"
    assert rows[W374X]["decision"] == "kept"
    # a bgzipped VCF decompressed with threads gives the same tables
    gz = tmp_path / "example.vcf.gz"
    subprocess.run(f"bgzip -c {EXAMPLE} > {gz}", shell=True, check=True)
    threaded = [c if c != str(EXAMPLE) else str(gz) for c in command]
    threaded[threaded.index("--outdir") + 1] = str(tmp_path / "cli_gz")
    done = subprocess.run(threaded + ["--threads", "2"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for name in ("variants.tsv", "carriers.tsv", "gene_status.tsv"):
        assert (tmp_path / "cli_gz" / name).read_text() == (tmp_path / "cli" / name).read_text()
    bad = subprocess.run(command[:-4] + ["--impacts", "SEVERE"], capture_output=True, text=True)
    assert bad.returncode == 2
    assert bad.stderr.strip() == ("ERROR -: --impacts: unknown impact(s) SEVERE. Use a comma-separated subset "
                                  "of: HIGH,MODERATE,LOW,MODIFIER.")


# =============================================================================================
# 3. bad input
# =============================================================================================


def expect_error(tmp_path, *, vcf: Path = EXAMPLE, regions: Path = REGIONS, whitelist: Path = WHITELIST,
                 sheet: Optional[Path] = None, **options) -> str:
    with pytest.raises(UserInputError) as err:
        screen(tmp_path, vcf, regions=regions, whitelist=whitelist, sheet=sheet, **options)
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
    return str(err.value)


def test_error_not_annotated(tmp_path):
    vcf = edit_vcf(tmp_path, "plain.vcf", lambda lines: [l for l in lines if not l.startswith("##INFO=<ID=ANN")])
    message = expect_error(tmp_path, vcf=vcf)
    assert message.startswith(f"ERROR {vcf}: INFO: the VCF header declares neither INFO/CSQ (VEP) nor INFO/ANN")


def test_error_unsplit_multiallelic(tmp_path):
    def edit(lines):
        out = []
        for line in lines:
            cols = line.split("\t")
            if not line.startswith("#") and cols[1] == "7643188":
                if cols[4] == "T":
                    continue
                cols[4] = "A,T"
                line = "\t".join(cols)
            out.append(line)
        return out
    vcf = edit_vcf(tmp_path, "multi.vcf", edit)
    message = expect_error(tmp_path, vcf=vcf)
    assert message.startswith(f"ERROR {vcf}:88: ALT: record chr19:7643188 has 2 ALT alleles (A,T); unsplit")
    # with -f: split records left-aligned and trimmed (GC>GA of a haplotype allele is C>A), as the pipeline writes them
    assert "bcftools norm -m -any -f reference.fa" in message


def test_error_empty_or_malformed_bed(tmp_path):
    empty = tmp_path / "empty.bed"
    empty.write_text("# nothing\n")
    assert expect_error(tmp_path, regions=empty) == \
        f"ERROR {empty}: bed: the BED file has no intervals. Give at least one interval."
    bad = tmp_path / "bad.bed"
    bad.write_text("chr10\t100\t200\tPRF1|exon1\nchr10\t300\tabc\tPRF1|exon2\n")
    assert expect_error(tmp_path, regions=bad).startswith(f"ERROR {bad}:2: end: 'abc' is not an integer.")
    reversed_ = tmp_path / "reversed.bed"
    reversed_.write_text("chr10\t300\t200\n")
    assert expect_error(tmp_path, regions=reversed_).startswith(f"ERROR {reversed_}:1: end: start 300 is not below end 200")


def test_error_whitelist_rows(tmp_path):
    header, row = WHITELIST.read_text().splitlines()[:2]
    cols = row.split("\t")
    missing = tmp_path / "missing.tsv"
    missing.write_text(header + "\n" + "\t".join(cols[:10] + [""] + cols[11:]) + "\n")
    assert expect_error(tmp_path, whitelist=missing).startswith(f"ERROR {missing}:2: evidence: evidence is empty.")
    build = tmp_path / "build.tsv"
    build.write_text(header + "\n" + "\t".join(cols[:1] + ["hg19"] + cols[2:]) + "\n")
    assert expect_error(tmp_path, whitelist=build).startswith(f"ERROR {build}:2: build: unknown build 'hg19'.")
    short = tmp_path / "short.tsv"
    short.write_text(header + "\n" + "\t".join(cols[:5]) + "\n")
    assert expect_error(tmp_path, whitelist=short).startswith(f"ERROR {short}:2: columns: expected 15 tab-separated")


def test_error_contig_naming(tmp_path):
    def rename(lines):
        out = []
        for line in lines:
            if line.startswith("##contig=<ID=chr"):
                line = line.replace("ID=chr", "ID=", 1)
            elif not line.startswith("#"):
                line = line[3:]
            out.append(line)
        return out
    vcf = edit_vcf(tmp_path, "nochr.vcf", rename)
    message = expect_error(tmp_path, vcf=vcf)
    assert message.startswith(f"ERROR {vcf}: contig: the VCF and the panel name contigs differently: VCF has 6 "
                              "(panel: chr6), 10 (panel: chr10), 17 (panel: chr17), 19 (panel: chr19).")  # natural order
    assert "bcftools annotate --rename-chrs" in message
    # without ##contig lines the first record names the problem
    bare = edit_vcf(tmp_path, "bare.vcf", lambda lines: [l for l in rename(lines) if not l.startswith("##contig")])
    message = expect_error(tmp_path, vcf=bare)
    assert message.startswith(f"ERROR {bare}:73: CHROM: the VCF and the panel name contigs differently: VCF has 10 "
                              "(panel: chr10)")
    # harmonised: the outputs use the panel's names
    out = screen(tmp_path, vcf, harmonise_contigs=True, name="harmonised")
    assert out.variants[A91V]["rescued_by"] == "risk_factor_whitelist"
    assert out.kept_ids()[0].startswith("10:")  # kept.vcf.gz keeps the VCF's own names


def test_error_samples(tmp_path):
    sheet = write_samplesheet(tmp_path / "seven.csv", [(s, "case" if s.startswith("case") else "control")
                                                       for s in SAMPLES if s != "ctrl_04"])
    message = expect_error(tmp_path, sheet=sheet)
    assert message == (f"ERROR {EXAMPLE}:76: samples: VCF sample 'ctrl_04' is not in the samplesheet {sheet}. "
                       "Use the samplesheet the VCF was made from, or add the sample to it.")
    nine = write_samplesheet(tmp_path / "nine.csv", [(s, "case" if s.startswith("case") else "control")
                                                     for s in SAMPLES] + [("case_09", "case")])
    message = expect_error(tmp_path, sheet=nine)
    assert message.startswith(f"ERROR {nine}:10: sample: sample 'case_09' has no column in the VCF {EXAMPLE}.")
    groups = tmp_path / "groups.csv"
    groups.write_text("sample,group\ncase_01,case\ncase_01,control\n")
    assert expect_error(tmp_path, sheet=groups).startswith(
        f"ERROR {groups}:3: group: sample 'case_01' is 'control' here but 'case' on line 2.")


def test_error_unsorted(tmp_path):
    def edit(lines):
        body = [l for l in lines if not l.startswith("#")]
        head = [l for l in lines if l.startswith("#")]
        return head + [body[1], body[0]] + body[2:]
    vcf = edit_vcf(tmp_path, "unsorted.vcf", edit)
    assert expect_error(tmp_path, vcf=vcf).startswith(
        f"ERROR {vcf}:78: POS: chr10:70598408 comes after chr10:70598599: the VCF is not sorted.")


def test_error_bad_settings(tmp_path):
    assert expect_error(tmp_path, max_af=1.5).startswith("ERROR -: --max-af: 1.5 is not a frequency")
    assert expect_error(tmp_path, consequences=frozenset({"splice_thing"})).startswith(
        "ERROR -: --consequences: unknown consequence term(s) splice_thing.")
    assert expect_error(tmp_path, traversal="index").startswith(
        f"ERROR {EXAMPLE}: --traversal: index traversal needs a tabix (.tbi) or CSI (.csi) index")


def test_truncated_bgzip_is_an_error(tmp_path):
    # header and body in separate BGZF blocks; the body block is cut short
    gz = tmp_path / "cut.vcf.gz"
    subprocess.run(f"(grep '^#' {EXAMPLE} | bgzip -c; grep -v '^#' {EXAMPLE} | bgzip -c) > {gz}", shell=True,
                   check=True)
    data = gz.read_bytes()
    gz.write_bytes(data[: len(data) - 600])
    with pytest.raises(UserInputError) as err:
        screen(tmp_path, gz)
    assert str(err.value).startswith(f"ERROR {gz}: --vcf: the file could not be decompressed")
    assert list((tmp_path / "out").iterdir()) == []
    # a file cut inside its header
    whole = tmp_path / "whole.vcf.gz"
    subprocess.run(f"bgzip -c {EXAMPLE} > {whole}", shell=True, check=True)
    whole.write_bytes(whole.read_bytes()[:3000])
    with pytest.raises(UserInputError) as err:
        screen(tmp_path, whole, name="out2")
    assert str(err.value).startswith(f"ERROR {whole}: --vcf: cannot be read as a VCF")


# =============================================================================================
# unit tests of the pure rules
# =============================================================================================


def test_decide_rules():
    config = S.ScreenConfig()
    kw = dict(in_panel=True, quality_ok=True, whitelisted=False, impact_label="impact:HIGH",
              has_assessable_carrier=True)
    assert S.decide(config, af_used=None, **kw).reasons == (
        "in_panel", "quality_pass", "af_novel", "impact:HIGH", "assessable_carrier")
    assert S.decide(config, af_used=0.04, **kw).reasons == ("af_above_max", "common_not_risk_factor")
    assert S.decide(config, af_used=0.0399, **kw).reasons == ("common_not_risk_factor",)
    assert S.decide(config, af_used=0.01, **kw).decision == "kept"
    listed = dict(kw, whitelisted=True)
    assert S.decide(config, af_used=0.0399, **listed) == S.Decision(
        "kept", ("in_panel", "quality_pass", "risk_factor_whitelist", "impact:HIGH", "assessable_carrier"), True)
    assert S.decide(config, af_used=0.05, **listed).reasons == ("af_above_max",)
    assert S.decide(config, af_used=0.005, **listed).rescued is False  # no rescue needed
    every = S.decide(config, af_used=0.5, in_panel=False, quality_ok=False, whitelisted=False, impact_label=None,
                     has_assessable_carrier=False)
    # not_annotated, no_panel_gene_annotation and impact_not_selected exclude each other: an
    # impact is judged only on an annotation of a panel gene
    # (not_a_variant_allele: a spanning deletion or reference block is judged by nothing else)
    assert every.reasons == tuple(r for r in S.REASONS
                                  if r not in ("not_annotated", "no_panel_gene_annotation", "not_a_variant_allele"))
    assert S.decide(config, af_used=0.5, in_panel=False, quality_ok=False, whitelisted=False, impact_label=None,
                    has_assessable_carrier=False, variant_allele=False).reasons == (
        "outside_panel", "not_a_variant_allele", "low_quality")
    bare = dict(af_used=0.5, in_panel=False, quality_ok=False, whitelisted=False, impact_label=None,
                has_assessable_carrier=False)
    assert S.decide(config, annotated=False, **bare).reasons == (
        "outside_panel", "low_quality", "af_above_max", "common_not_risk_factor", "not_annotated",
        "no_assessable_carrier")
    assert S.decide(config, panel_gene=False, **dict(bare, in_panel=True)).reasons == (
        "low_quality", "af_above_max", "common_not_risk_factor", "no_panel_gene_annotation", "no_assessable_carrier")


def test_gene_status_rules():
    het, hom = S._HET, S._HOM
    assert S.gene_status([]) == "none"
    assert S.gene_status([("a", het, None, None)]) == "monoallelic"
    assert S.gene_status([("a", het, None, None), ("b", hom, None, None)]) == "biallelic_hom"
    assert S.gene_status([("a", het, None, None), ("b", het, None, None)]) == "possible_compound_het"
    assert S.gene_status([("a", het, 5, 0), ("b", het, 5, 1)]) == "compound_het"
    assert S.gene_status([("a", het, 5, 0), ("b", het, 5, 0)]) == "monoallelic"
    assert S.gene_status([("a", het, 5, 0), ("b", het, 6, 1)]) == "possible_compound_het"
