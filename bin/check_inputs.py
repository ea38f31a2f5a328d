#!/usr/bin/env python3
"""Check every input file of a run besides the samplesheet, before any task starts (hlhscreen/startup.py).

The pipeline runs this on the launch host (standard library only). Problems are printed as
`ERROR <file>:<line>: <field>: <problem>. <fix>`, all of them, with exit status 2; warnings (e.g. panel
genes the reference lacks) as `WARNING ...` with exit status 0.
"""

from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from hlhscreen.errors import USER_ERROR_EXIT
from hlhscreen.frequency import add_frequency_arguments
from hlhscreen.startup import StartupInputs, check_inputs, describe


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fasta", help="reference FASTA (not given when it is remote: the steps check it)")
    parser.add_argument("--fasta-fai", help="its index (default: <fasta>.fai when present, else the FASTA is scanned)")
    parser.add_argument("--reference-windows", help="windows table of a windows reference")
    parser.add_argument("--regions", help="panel regions BED (not given when the panel is built during the run)")
    parser.add_argument("--targets", help="panel calling targets BED")
    parser.add_argument("--risk-factors", help="risk-factor whitelist TSV")
    parser.add_argument("--impacts", default="HIGH,MODERATE")
    parser.add_argument("--consequences", default="")
    add_frequency_arguments(parser.add_argument_group("frequencies (the run's, as SCREEN reads them)"))
    parser.add_argument("--gnomad-vcf", help="gnomAD sites VCF")
    parser.add_argument("--intervals", help="capture targets BED (--intervals)")
    parser.add_argument("--gnomad-optional", action="store_true",
                        help="gnomAD is not the only frequency source (VEP cache): a chromosome it lacks is a warning")
    parser.add_argument("--gnomad-exact-records", action="store_true",
                        help="gnomAD is attached by bcftools annotate (--annotator offline), which matches whole "
                             "records: multi-allelic records are refused")
    parser.add_argument("--clinvar-vcf", help="ClinVar GRCh38 VCF (NCBI layout)")
    parser.add_argument("--harmonise-contigs", action="store_true")
    parser.add_argument("--aligner", default="bwa-mem2", choices=["bwa", "bwa-mem2"])
    parser.add_argument("--aligner-index", help="prebuilt index folder of --aligner (--bwa_index / --bwamem2_index)")
    parser.add_argument("--reference-alt", help="bwa ALT file found beside the FASTA (<fasta>.alt, <fasta>.64.alt)")
    parser.add_argument("--vep-cache", help="VEP cache folder (--vep_cache)")
    parser.add_argument("--vep-species", default="homo_sapiens")
    parser.add_argument("--vep-cache-version", default="113")
    parser.add_argument("--vep-assembly", default="GRCh38")
    parser.add_argument("--vep-cache-type", default="ensembl", choices=["ensembl", "refseq", "merged"],
                        help="VEP cache flavour (--vep_cache_type): VEP reads <species>, <species>_refseq or <species>_merged")
    args = parser.parse_args(argv)
    if (args.regions is None) != (args.targets is None):
        parser.error("give --regions and --targets together")
    report = check_inputs(StartupInputs(
        fasta=args.fasta, fasta_fai=args.fasta_fai, reference_windows=args.reference_windows,
        regions=args.regions, targets=args.targets, risk_factors=args.risk_factors, impacts=args.impacts,
        consequences=args.consequences, af_fields=args.af_fields, af_source=args.af_source,
        gnomad_vcf=args.gnomad_vcf, gnomad_required=not args.gnomad_optional,
        gnomad_exact_records=args.gnomad_exact_records,
        harmonise_contigs=args.harmonise_contigs, intervals=args.intervals,
        clinvar_vcf=args.clinvar_vcf, aligner=args.aligner, aligner_index=args.aligner_index,
        reference_alt=args.reference_alt,
        vep_cache=args.vep_cache, vep_species=args.vep_species, vep_cache_version=args.vep_cache_version,
        vep_assembly=args.vep_assembly, vep_cache_type=args.vep_cache_type,
    ))
    for warning in report.warnings:
        print(f"WARNING {warning}", file=sys.stderr)
    if report.errors:
        for error in report.errors:
            print(str(error), file=sys.stderr)
        return USER_ERROR_EXIT
    print(describe(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
