#!/usr/bin/env python3
"""Summarise an annotated VCF for MultiQC, and check that the population frequencies were attached.

Writes annotation_summary_mqc.tsv (variants by consequence, impact and population frequency observed
vs novel), frequency_check_mqc.tsv (hlhscreen/frequency_check.py) and frequency_check.json (the same facts
for the report: the gnomAD file, the chromosomes it has no record on, whose variants were not looked up
(SCREEN's af_status not_looked_up, treated as rare), unless the annotation carried its own gnomAD fields, also listed). Reads the annotation with the
pipeline's one parser (hlhscreen.annotation), whichever annotator wrote it. With --gnomad, every
called variant is looked up in the gnomAD file itself: when gnomAD lists a variant with a frequency but
the annotation attached none (contig names; a multi-allelic gnomAD record), this step fails (exit
status 2) before screening. The frequencies are read with the run's --af-fields / --af-source, the ones
SCREEN judges by (frequency_check.json records them; SCREEN refuses a check made with other fields).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

from hlhscreen.annotation import VariantRecord, iter_records, read_layout
from hlhscreen.chromosomes import in_natural_order
from hlhscreen.errors import UserInputError, run_cli
from hlhscreen.files import atomic_output
from hlhscreen.frequency import FrequencySetting, add_frequency_arguments, frequency_setting
from hlhscreen.frequency_check import (ERROR, WARNING, FrequencyCheck, annotation_gnomad_fields, check_frequencies,
                                       multiqc_table)
from hlhscreen.resources import check_gnomad_build, check_sites_vcf, read_header


def check_gnomad_file(gnomad: Path, vcf: Path) -> None:
    """The start-up checks of --gnomad_vcf that need no reference, on the file the annotation read: a
    remote gnomAD file (https://, s3://) is first seen here, staged (bgzip, its index belongs to it, AF
    declared, and its ##contig lengths against the called VCF's: another build is an error)."""
    sites = check_sites_vcf(gnomad, "--gnomad_vcf")
    genome = read_header(vcf).contig_lengths
    check_gnomad_build(gnomad, sites.header.contig_lengths, genome, genome, f"the called VCF ({vcf.name})")


def frequency_facts(check: FrequencyCheck, gnomad: Optional[Path], setting: FrequencySetting) -> Dict[str, Any]:
    """What the report needs of the check: the gnomAD file (None: none was given to compare with), per
    chromosome where it has no record how many called variants lie there, and the gnomAD fields of the
    annotation's own gnomAD (none: the variants there were looked up nowhere)."""
    return {"gnomad_file": gnomad.name if gnomad is not None else None, "variants": check.variants,
            "with_gnomad_frequency": check.with_gnomad, "listed_in_gnomad_file": check.in_resource,
            "contigs_not_covered": {chrom: check.uncovered[chrom] for chrom in in_natural_order(check.uncovered)},
            "annotation_gnomad_fields": list(check.annotation_gnomad),
            "af_fields": setting.fields_text, "af_source": setting.af_source}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("vcf", type=Path)
    parser.add_argument("--annotator", required=True, help="annotation mode, shown in the report")
    parser.add_argument("--gnomad", type=Path, default=None,
                        help="the gnomAD sites VCF the annotation used (bgzipped, indexed), to check against")
    parser.add_argument("--out", type=Path, default=Path("annotation_summary_mqc.tsv"))
    parser.add_argument("--frequency-check", type=Path, default=Path("frequency_check_mqc.tsv"))
    parser.add_argument("--frequency-json", type=Path, default=Path("frequency_check.json"),
                        help="the check's facts for the report (make_report.py --frequency-check)")
    add_frequency_arguments(parser.add_argument_group("frequencies (the run's, as SCREEN reads them)"))
    args = parser.parse_args(argv)
    setting = frequency_setting(args.af_fields, args.af_source)

    counts: Counter = Counter()

    def counted(records: Iterator[VariantRecord]) -> Iterator[VariantRecord]:
        for record in records:
            summary = record.summary
            consequence = summary.most_severe_consequence if summary else "no_transcript"
            impact = summary.impact if summary and summary.impact else "NA"
            if record.gnomad.missing:
                frequency = "novel (no population frequency)"
            else:
                frequency = "observed in gnomAD" if record.gnomad.gnomad else f"observed ({record.gnomad.source})"
            counts[(consequence, impact, frequency)] += 1
            yield record

    if args.gnomad is not None:
        check_gnomad_file(args.gnomad, args.vcf)
    # gnomAD fields the annotator looked up in its own gnomAD (VEP cache, REST): where the gnomAD file has no
    # record, the variants were still looked up there
    layout = read_layout(args.vcf, af_fields=setting.specs)
    own = annotation_gnomad_fields(layout, args.gnomad.name if args.gnomad is not None else None)
    # INFO/AF: the caller's cohort AF (FreeBayes, GATK), never named as a population frequency left out
    unread = [label for label in layout.unread_frequency_fields if label != "INFO/AF"]
    check = check_frequencies(counted(iter_records(args.vcf, af_fields=setting.specs)), args.gnomad, own, setting,
                              unread)
    level, text = check.verdict()
    if level == ERROR:
        raise UserInputError(args.vcf, None, "gnomAD", text, check.fix())
    if level == WARNING:
        print(f"WARNING {args.vcf}: {text}", file=sys.stderr)
    with atomic_output(args.frequency_check) as out:
        out.write(multiqc_table(check, args.annotator))
    with atomic_output(args.frequency_json) as out:
        json.dump(frequency_facts(check, args.gnomad, setting), out, indent=1)
        out.write("\n")
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
