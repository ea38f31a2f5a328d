"""Score a sample's calls against a truth set (e.g. GIAB) inside confident regions.

Both VCFs go through the same normalisation (bcftools: the sample's column, multi-allelics split,
MNVs/complex alleles atomised into SNVs and indels, indels left-aligned against the reference,
records without an alternate allele in the genotype dropped, positions restricted to the confident
BED), then records are matched exactly on chrom:pos:ref:alt. A match is a TP; a query-only record a
FP; a truth-only record a FN. Genotype concordance is the share of TPs with the same zygosity
(one or two alternate copies). SNVs and indels are counted apart. This is a plain allele-level
comparison (the method of `bcftools isec -c none` on normalised files), not hap.py's haplotype
matching: equivalent representations that normalisation does not unify count as FP + FN.
"""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .errors import UserInputError
from .vcf_text import split_gt

Key = Tuple[str, int, str, str]  # chrom, pos, ref, alt

# atomise and split in one pass: one record per SNV/indel, and two alleles of a site that share a SNV
# give one 1/1 record (not two 0/1 records); an allele overlapping another haplotype's variant is
# written as '*', which splitting turns into 0 in the genotype (its '*' record is skipped below)
NORMALISE_ARGS = ("norm", "--atomize", "-m", "-any")


@dataclass(frozen=True)
class Call:
    key: Key
    genotype: str          # as written after normalisation, e.g. 0/1, 1|1, ./1
    alt_copies: int        # number of alleles equal to this record's ALT (1 = het, 2 = hom)
    qual: Optional[float]
    depth: Optional[int]

    @property
    def kind(self) -> str:
        return "SNV" if len(self.key[2]) == 1 and len(self.key[3]) == 1 else "INDEL"

    @property
    def zygosity(self) -> str:
        return "hom" if self.alt_copies >= 2 else "het"

    @property
    def variant_id(self) -> str:
        return ":".join(str(part) for part in self.key)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    gt_match: int = 0

    @property
    def precision(self) -> Optional[float]:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> Optional[float]:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> Optional[float]:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p and r else None

    @property
    def gt_concordance(self) -> Optional[float]:
        return self.gt_match / self.tp if self.tp else None


@dataclass
class Comparison:
    counts: Dict[str, Counts] = field(default_factory=lambda: {"SNV": Counts(), "INDEL": Counts()})
    rows: List[Tuple[str, str, str, str, str, str, str]] = field(default_factory=list)  # every FP, FN, GT mismatch


def samples_of(vcf: Path) -> List[str]:
    result = subprocess.run(["bcftools", "query", "-l", str(vcf)], capture_output=True, text=True)
    if result.returncode != 0:
        raise UserInputError(vcf, None, "vcf", f"not a readable VCF: {result.stderr.strip()[:300]}")
    return result.stdout.split()


def normalised_calls(vcf: Path, sample: Optional[str], fasta: Path, regions: Path,
                     min_qual: float = 0.0) -> Dict[Key, Call]:
    """The sample's alt-carrying calls, normalised, with POS inside ``regions`` (a BED)."""
    names = samples_of(vcf)
    if sample is None:
        if len(names) != 1:
            raise UserInputError(vcf, None, "sample", f"the VCF has {len(names)} samples ({', '.join(names[:5])})",
                                 "Name the one to score.")
        sample = names[0]
    if sample not in names:
        raise UserInputError(vcf, None, "sample", f"no sample {sample!r} (has {', '.join(names[:10])})",
                             "Give a sample the VCF contains.")
    q = shlex.quote
    pipeline = " | ".join([
        f"bcftools view -s {q(sample)} -Ou {q(str(vcf))}",
        f"bcftools {' '.join(NORMALISE_ARGS)} -f {q(str(fasta))} -Ou -",
        f"bcftools view -T {q(str(regions))} -Ou -",
        "bcftools query -f '%CHROM\\t%POS\\t%REF\\t%ALT\\t%QUAL\\t[%GT]\\t[%DP]\\n' -",
    ])
    # pipefail: a failure anywhere in the chain is an error, never a short list of calls
    result = subprocess.run(["bash", "-o", "pipefail", "-c", pipeline], capture_output=True, text=True)
    if result.returncode != 0:
        raise UserInputError(vcf, None, "vcf", f"normalising with bcftools failed: {result.stderr.strip()[-400:]}",
                             "Check the VCF, the FASTA (same contig names) and the BED.")
    calls: Dict[Key, Call] = {}
    for line in result.stdout.splitlines():
        chrom, pos, ref, alt, qual, gt, dp = line.split("\t")
        if alt in ("*", ".", "<*>", "<NON_REF>"):
            continue
        copies = sum(1 for allele in split_gt(gt).alleles if allele == "1")
        if copies == 0:
            continue  # no alternate allele in this sample
        quality = None if qual == "." else float(qual)
        if quality is not None and quality < min_qual:
            continue
        key = (chrom, int(pos), ref, alt)
        depth = int(dp) if dp.isdigit() else None
        previous = calls.get(key)
        if previous is not None:  # the same allele from two records: count its copies once each
            copies = min(2, copies + previous.alt_copies)
        calls[key] = Call(key, gt, copies, quality, depth)
    return calls


def compare(query: Dict[Key, Call], truth: Dict[Key, Call]) -> Comparison:
    result = Comparison()
    for key in sorted(set(query) | set(truth)):
        q, t = query.get(key), truth.get(key)
        kind = (q or t).kind
        counts = result.counts[kind]
        if q and t:
            counts.tp += 1
            if q.zygosity == t.zygosity:
                counts.gt_match += 1
            else:
                result.rows.append(("GT_MISMATCH", kind, q.variant_id, q.genotype, t.genotype, _fmt(q.qual), _fmt(q.depth)))
        elif q:
            counts.fp += 1
            result.rows.append(("FP", kind, q.variant_id, q.genotype, ".", _fmt(q.qual), _fmt(q.depth)))
        else:
            counts.fn += 1
            result.rows.append(("FN", kind, t.variant_id, ".", t.genotype, ".", "."))
    return result


def _fmt(value: Optional[float]) -> str:
    if value is None:
        return "NA"
    return f"{value:g}" if isinstance(value, float) else str(value)


SUMMARY_COLUMNS = ("type", "tp", "fp", "fn", "precision", "recall", "f1", "gt_concordance")
DETAIL_COLUMNS = ("class", "type", "variant_id", "query_gt", "truth_gt", "query_qual", "query_dp")


def summary_rows(comparison: Comparison) -> List[List[str]]:
    rows = []
    for kind in ("SNV", "INDEL"):
        c = comparison.counts[kind]
        rows.append([kind, str(c.tp), str(c.fp), str(c.fn)] +
                    ["NA" if v is None else f"{v:.4f}" for v in (c.precision, c.recall, c.f1, c.gt_concordance)])
    return rows
