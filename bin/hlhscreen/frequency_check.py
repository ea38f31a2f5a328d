"""Did the annotation step attach the population frequencies it was given?

A gnomAD file whose contigs are named ``10`` instead of ``chr10`` (or a VEP ``--custom`` that matched
nothing) annotates nothing and says nothing: every variant then looks novel and passes the frequency
filters. After annotation, each called variant is looked up in the gnomAD sites VCF itself (exact
chrom/pos/ref/alt, the contig under any spelling): if gnomAD lists some of them but the annotated VCF
carries a frequency for none, the run stops; if some frequencies are missing, or no frequency was
attached at all without a file to compare with (VEP cache, REST), the MultiQC summary says so loudly.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple, Union

from .annotation import VariantRecord, contig_aliases

PathLike = Union[str, os.PathLike]

OK, WARNING, ERROR = "ok", "warning", "error"
SHOWN = 5


@dataclass
class FrequencyCheck:
    variants: int = 0
    with_frequency: int = 0
    in_resource: Optional[int] = None           # called variants the resource lists (None: no resource file)
    lost: List[str] = field(default_factory=list)          # listed by the resource, no frequency attached
    uncovered: Counter = field(default_factory=Counter)    # chrom -> variants where the resource has no records

    def verdict(self) -> Tuple[str, str]:
        """(ok | warning | error, one sentence)."""
        if self.variants == 0:
            return OK, "no variant was called, nothing to annotate"
        if self.in_resource is None:
            if self.with_frequency == 0:
                return WARNING, (f"no population frequency was attached to any of the {self.variants} variants: "
                                 "every variant looks novel to the frequency filters; check the annotation source")
            return OK, f"{self.with_frequency} of {self.variants} variants have a population frequency"
        if self.in_resource and self.with_frequency == 0:
            return ERROR, (f"the annotation attached gnomAD frequencies to none of the {self.variants} called variants, "
                           f"although the gnomAD file lists {self.in_resource} of them (e.g. {', '.join(self.lost[:3])}); "
                           "every variant would look novel to the frequency filters")
        notes = []
        if self.lost:
            notes.append(f"{len(self.lost)} variant(s) listed in the gnomAD file got no frequency "
                         f"({', '.join(self.lost[:SHOWN])})")
        if self.uncovered:
            notes.append("the gnomAD file has no records on " + ", ".join(
                f"{chrom} ({n} variant(s), treated as novel)" for chrom, n in sorted(self.uncovered.items())))
        text = (f"{self.with_frequency} of {self.variants} variants have a gnomAD frequency; "
                f"{self.in_resource} are listed in the gnomAD file")
        return (WARNING, text + "; " + "; ".join(notes)) if notes else (OK, text)


class _Resource:
    """Exact-allele lookups in a bgzipped, indexed sites VCF (pysam), contig under any spelling."""

    def __init__(self, path: PathLike) -> None:
        import pysam

        self.tabix = pysam.TabixFile(str(path))
        self.contigs = set(self.tabix.contigs)

    def contig(self, chrom: str) -> Optional[str]:
        return next((name for name in contig_aliases(chrom) if name in self.contigs), None)

    def lists(self, contig: str, pos: int, ref: str, alt: str) -> bool:
        for line in self.tabix.fetch(contig, pos - 1, pos):
            fields = line.split("\t", 5)
            if int(fields[1]) == pos and fields[3] == ref and alt in fields[4].split(","):
                return True
        return False

    def close(self) -> None:
        self.tabix.close()


def check_frequencies(records: Iterable[VariantRecord], resource: Optional[PathLike] = None) -> FrequencyCheck:
    check = FrequencyCheck(in_resource=0 if resource else None)
    lookup = _Resource(resource) if resource else None
    try:
        for record in records:
            check.variants += 1
            # with a gnomAD file to compare with, a frequency from another dataset (1000G, ESP) does not
            # count: the question is whether gnomAD's own frequencies arrived
            frequency = record.gnomad
            attached = not frequency.missing and (frequency.gnomad or lookup is None)
            check.with_frequency += attached
            if lookup is None:
                continue
            contig = lookup.contig(record.chrom)
            if contig is None:
                check.uncovered[record.chrom] += 1
                continue
            if lookup.lists(contig, record.pos, record.ref, record.alt):
                check.in_resource += 1
                if not attached:
                    check.lost.append(f"{record.chrom}:{record.pos} {record.ref}>{record.alt}")
    finally:
        if lookup is not None:
            lookup.close()
    return check


def multiqc_table(check: FrequencyCheck, annotator: str) -> str:
    """MultiQC custom content: the verdict first, in words."""
    level, text = check.verdict()
    title = {OK: "OK", WARNING: "WARNING", ERROR: "ERROR"}[level]
    rows: Dict[str, str] = {
        "verdict": f"{title}: {text}",
        "variants": str(check.variants),
        "with a population frequency": str(check.with_frequency),
        "listed in the gnomAD file": "no gnomAD file given" if check.in_resource is None else str(check.in_resource),
    }
    lines = ["# id: 'hlhscreen_frequency_check'",
             "# section_name: 'Population frequencies attached'",
             f"# description: 'Whether the annotation ({annotator}) attached the gnomAD frequencies: every called "
             "variant looked up in the gnomAD file itself.'",
             "# plot_type: 'table'",
             "check\tvalue"]
    lines += [f"{key}\t{value}" for key, value in rows.items()]
    return "\n".join(lines) + "\n"
