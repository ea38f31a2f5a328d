#!/usr/bin/env python3
"""Summarise an annotated VCF for MultiQC: variants by consequence and impact, population frequency observed vs novel.

Reads the annotation with the pipeline's one parser (hlhscreen.annotation), whichever annotator wrote it.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import List, Optional

from hlhscreen.annotation import iter_records
from hlhscreen.errors import run_cli
from hlhscreen.files import atomic_output


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("vcf", type=Path)
    parser.add_argument("--annotator", required=True, help="annotation mode, shown in the report")
    parser.add_argument("--out", type=Path, default=Path("annotation_summary_mqc.tsv"))
    args = parser.parse_args(argv)

    counts: Counter = Counter()
    for record in iter_records(args.vcf):
        summary = record.summary
        consequence = summary.most_severe_consequence if summary else "no_transcript"
        impact = summary.impact if summary and summary.impact else "NA"
        if record.gnomad.missing:
            frequency = "novel (no population frequency)"
        else:
            frequency = "observed in gnomAD" if record.gnomad.gnomad else f"observed ({record.gnomad.source})"
        counts[(consequence, impact, frequency)] += 1
    with atomic_output(args.out) as out:
        out.write(
            "# id: 'hlhscreen_annotation'\n"
            "# section_name: 'Annotation summary'\n"
            f"# description: 'Called variants by consequence (MANE Select, else canonical transcript), impact and gnomAD status; annotator: {args.annotator}.'\n"
            "# plot_type: 'table'\n"
        )
        out.write("category\tconsequence\timpact\tgnomad\tvariants\n")
        for (consequence, impact, frequency), n in sorted(counts.items()):
            out.write(f"{consequence}|{impact}|{frequency}\t{consequence}\t{impact}\t{frequency}\t{n}\n")
    return 0


if __name__ == "__main__":
    run_cli(main)
