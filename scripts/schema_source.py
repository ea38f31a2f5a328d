"""Source of nextflow_schema.json (run: python scripts/schema_source.py > nextflow_schema.json).

Kept as Python so groups and descriptions stay readable; tests check the JSON is up to date and
that every parameter in nextflow.config is declared here.
"""

import json

GROUPS = {
    "input_output_options": ("Input/output options", ["input"], {
        "input": {"type": "string", "format": "file-path", "exists": True, "mimetype": "text/csv",
                  "schema": "assets/schema_input.json", "pattern": r"^.+\.[cC][sS][vV]$",
                  "errorMessage": "is not a .csv file: the samplesheet is comma-separated (sample,group,fastq_1,fastq_2) "
                                  "and its name ends in .csv (save a spreadsheet as CSV; a .tsv needs its tabs made commas)",
                  "description": "Samplesheet CSV: sample,group,fastq_1,fastq_2 (group case or control; one row per lane), "
                                 "optionally a sex column (male, female, unknown or empty)."},
        "outdir": {"type": "string", "format": "directory-path", "default": "results",
                   "description": "Where results are written."},
        "publish_dir_mode": {"type": "string", "default": "copy",
                             "enum": ["symlink", "rellink", "link", "copy", "copyNoFollow", "move"],
                             "description": "How results are published into --outdir."},
    }),
    "reference_options": ("Reference genome options", ["fasta"], {
        "fasta": {"type": "string", "format": "file-path", "exists": True,
                  "description": "GRCh38 reference FASTA (UCSC-style chr names), or a windows reference with --reference_windows."},
        "fasta_fai": {"type": "string", "format": "file-path", "exists": True,
                      "description": "FASTA index; built when not given."},
        "bwa_index": {"type": "string", "format": "directory-path", "exists": True,
                      "description": "Folder with a bwa index of --fasta; built when not given."},
        "bwamem2_index": {"type": "string", "format": "directory-path", "exists": True,
                          "description": "Folder with a bwa-mem2 index of --fasta; built when not given."},
        "reference_windows": {"type": "string", "format": "file-path", "exists": True,
                              "description": "Windows table (contig chrom start end chrom_length) when --fasta holds windows cut from GRCh38; results are moved back to GRCh38 coordinates."},
        "aligner": {"type": "string", "default": "bwa-mem2", "enum": ["bwa-mem2", "bwa"],
                    "description": "bwa-mem2 (as the study) or bwa mem (same alignments; packaged by Debian)."},
        "intervals": {"type": "string", "format": "file-path", "exists": True,
                      "description": "Capture targets BED (e.g. the kit's SureSelect targets): coverage QC on them (qc/mosdepth_targets); with --skip_screening, calling and coverage on them instead of the panel. GRCh38 coordinates with --reference_windows, else the reference's contigs."},
    }),
    "step_options": ("Steps", [], {
        "skip_screening": {"type": "boolean", "default": False,
                           "description": "Stop after alignment, coverage QC and calling: no annotation, screening, statistics or report (validation runs, e.g. GIAB). With --intervals no gene panel is used."},
    }),
    "panel_options": ("Panel options", [], {
        "panel": {"type": "string", "default": "hlh",
                  "description": "Panel name under panels/ or a path to a panel folder (docs/panels.md)."},
        "genes": {"type": "string", "format": "file-path", "exists": True,
                  "description": "Gene list (symbols or Ensembl ids, one per line): build a custom panel from --gtf instead of --panel."},
        "gtf": {"type": "string", "format": "file-path", "exists": True,
                "description": "GENCODE/Ensembl GTF on GRCh38 used with --genes (MANE Select, else Ensembl canonical transcripts)."},
        "risk_factors": {"type": "string", "format": "file-path", "exists": True,
                         "description": "Risk-factor whitelist replacing the panel's risk_factors.tsv."},
        "calling_chunks": {"type": "string", "default": "auto", "pattern": r"^(auto|[1-9][0-9]*)$",
                           "errorMessage": "is not a number >= 1 or auto",
                           "description": "Parallel FreeBayes tasks over the targets: a number, or auto (by target size and sample count: about 2e6 sample-bases per chunk, 2 to 256; docs/usage.md)."},
    }),
    "annotation_options": ("Annotation options", [], {
        "annotator": {"type": "string", "default": "offline", "enum": ["offline", "vep", "vep_rest"],
                      "description": "offline: snpEff + bcftools (packaged tools only); vep: Ensembl VEP with --vep_cache, or with the panel GTF when no cache; vep_rest: Ensembl REST API (needs internet)."},
        "gnomad_vcf": {"type": "string", "format": "file-path", "exists": True, "pattern": r"^(.*/)?[^/\s]+\.vcf\.b?gz$",
                       "errorMessage": "is not a bgzipped VCF name: give the sites VCF itself, named *.vcf.gz or *.vcf.bgz "
                                       "(as gnomAD ships it), with no spaces in the file name",
                       "description": "gnomAD sites VCF (bgzipped + .tbi; INFO AF and AF_<pop>). Required for --annotator offline and for vep without a cache."},
        "gnomad_fields": {"type": "string", "default": "AF%AF_afr%AF_amr%AF_asj%AF_eas%AF_fin%AF_mid%AF_nfe%AF_sas%AF_remaining",
                          "description": "gnomAD INFO fields VEP --custom copies into CSQ (as gnomAD_<field>)."},
        "vep_cache": {"type": "string", "format": "directory-path", "exists": True,
                      "description": "VEP cache folder (offline cache mode)."},
        "vep_cache_version": {"type": "integer", "default": 113, "description": "VEP cache version."},
        "vep_cache_type": {"type": "string", "default": "ensembl", "enum": ["ensembl", "refseq", "merged"],
                           "description": "VEP cache flavour: ensembl (<species>/), refseq (<species>_refseq/, VEP --refseq: NM_/XM_ transcripts) or merged (<species>_merged/, VEP --merged: both, with SOURCE)."},
        "vep_species": {"type": "string", "default": "homo_sapiens", "description": "VEP species."},
        "vep_assembly": {"type": "string", "default": "GRCh38", "enum": ["GRCh38"], "description": "VEP assembly."},
        "vep_rest_server": {"type": "string", "default": "https://rest.ensembl.org", "pattern": r"^https?://\S+$",
                            "errorMessage": "is not a web address: give the server as http:// or https://, e.g. https://rest.ensembl.org",
                            "description": "Ensembl REST server for --annotator vep_rest."},
        "vep_rest_cache": {"type": "string", "format": "directory-path",
                           "description": "On-disk cache of REST answers, kept between runs (default: vep_rest_cache/ in the launch folder)."},
        "clinvar_vcf": {"type": "string", "format": "file-path", "exists": True, "pattern": r"^(.*/)?[^/\s]+\.vcf\.gz$",
                        "errorMessage": "is not a bgzipped VCF: give NCBI's clinvar.vcf.gz (bgzipped, with its .tbi beside it), "
                                        "e.g. clinvar_20250106.vcf.gz",
                        "description": "NCBI's GRCh38 ClinVar VCF (clinvar.vcf.gz with its .tbi; contigs without chr are mapped): CLNSIG, review stars, CLNDN and the variation ID for every screened variant, cited by its ##fileDate."},
    }),
    "screening_options": ("Screening options (defaults reproduce the study)", [], {
        "max_af": {"type": "number", "default": 0.04, "minimum": 0, "maximum": 1,
                   "description": "Drop variants with gnomAD AF >= this (study: MAF < 0.04, to keep risk-factor polymorphisms)."},
        "common_af": {"type": "number", "default": 0.01, "minimum": 0, "maximum": 1,
                      "description": "Above this AF only variants on the risk-factor whitelist are kept (study: > 1 %)."},
        "af_source": {"type": "string", "default": "global", "enum": ["global", "popmax"],
                      "description": "AF compared with the thresholds: gnomAD global, or the larger of global and popmax."},
        "af_fields": {"type": "string",
                      "default": "info_gnomad,csq_gnomad,csq_gnomade,csq_gnomadg,csq_custom,info_gnomad_sites,csq_1000g,csq_esp,csq_max_af",
                      "description": "Where population frequencies are read, in order of precedence: keywords and/or "
                                     "INFO/<name>, CSQ/<name>[:max] fields (docs/annotation.md)."},
        "impacts": {"type": "string", "default": "HIGH,MODERATE",
                    "description": "Impact classes counted as affecting the protein (comma-separated, or 'none')."},
        "consequences": {"type": "string",
                         "default": "splice_region_variant,splice_donor_variant,splice_acceptor_variant,splice_donor_5th_base_variant,splice_donor_region_variant",
                         "description": "SO consequences kept whatever their impact (comma-separated, or 'none')."},
        "whitelist_overrides_max_af": {"type": "boolean", "default": False,
                                       "description": "Let whitelisted risk factors through --max_af too (off: the study applied AF < 0.04 to all)."},
        "keep_clinvar_pathogenic": {"type": "boolean", "default": False,
                                    "description": "Keep variants ClinVar classifies Pathogenic/Likely pathogenic with >= --clinvar_min_stars review stars whatever their predicted impact (needs --clinvar_vcf; off: the study's rules)."},
        "clinvar_min_stars": {"type": "integer", "default": 2, "minimum": 0, "maximum": 4,
                              "description": "Review stars --keep_clinvar_pathogenic needs (2: multiple submitters, no conflicts)."},
        "min_qual": {"type": "number", "default": 20, "minimum": 0, "description": "Minimum variant QUAL."},
        "min_dp": {"type": "integer", "default": 10, "minimum": 0,
                   "description": "Minimum genotype depth; below it a sample is not assessable at that variant."},
        "min_gq": {"type": "number", "default": 20, "minimum": 0,
                   "description": "Minimum genotype quality; below it a sample is not assessable at that variant."},
        "min_gene_callable": {"type": "number", "default": 0.9, "minimum": 0, "maximum": 1,
                              "description": "Share of a gene's panel region bases a sample must have at >= --min_dp "
                                             "(mosdepth) to count as a non-carrier of the gene; below it (a coverage "
                                             "dropout) a sample without a carried variant is not assessable for the gene."},
        "harmonise_contigs": {"type": "boolean", "default": False,
                              "description": "Map contig names between the VCF and the panel (10 <-> chr10) instead of failing."},
    }),
    "statistics_options": ("Statistics options", [], {
        "conf_level": {"type": "number", "default": 0.95, "minimum": 0.5, "maximum": 0.999,
                       "description": "Confidence level of the odds-ratio intervals."},
    }),
    "qc_options": ("QC thresholds", [], {
        "min_mean_depth": {"type": "number", "default": 20, "minimum": 0,
                           "description": "Flag samples whose mean panel depth is below this."},
        "min_pct_20x": {"type": "number", "default": 90, "minimum": 0, "maximum": 100,
                        "description": "Flag samples with fewer panel bases at >= 20x (percent)."},
        "min_pct_mapped": {"type": "number", "default": 90, "minimum": 0, "maximum": 100,
                           "description": "Flag samples with fewer reads mapped (percent)."},
        "min_pct_on_target": {"type": "number", "default": 30, "minimum": 0, "maximum": 100,
                              "description": "Flag samples with fewer aligned bases on the capture targets "
                                             "(--intervals; percent). Not assessed without --intervals."},
        "max_pct_failed_filter": {"type": "number", "default": 5, "minimum": 0, "maximum": 100,
                                  "description": "Flag samples with more of their read pairs flagged by the "
                                                 "sequencer as failing its filter (1:Y: in the read name; percent)."},
    }),
    "slurm_options": ("SLURM options (-profile slurm)", [], {
        "slurm_queue": {"type": "string", "pattern": r"^[A-Za-z0-9_.\-]+(,[A-Za-z0-9_.\-]+)*$",
                        "errorMessage": "is not a list of partition names: give one or more names (letters, digits, "
                                        "'.', '_', '-') separated by commas without spaces, e.g. short or short,long",
                        "description": "SLURM partition(s) for the jobs (sbatch -p), e.g. short or short,long; default: the cluster's default partition."},
        "slurm_account": {"type": "string", "description": "SLURM account charged for the jobs (sbatch -A)."},
        "slurm_options": {"type": "string", "description": "Other sbatch options for every job, e.g. '--qos=normal --constraint=avx2'."},
    }),
    "resource_options": ("Resources and containers", [], {
        "tools_container": {"type": "string", "default": "ghcr.io/hlhscreen/hlhscreen-tools:0.1.0",
                            "description": "Container image for hlhscreen's own bin/ tools: published for each release from containers/tools (.github/workflows/tools-image.yml); `make tools-image` builds it locally under this name."},
        "config_profile_name": {"type": "string", "hidden": True, "description": "Name of the config profile."},
        "config_profile_description": {"type": "string", "hidden": True, "description": "Description of the config profile."},
    }),
    "generic_options": ("Generic options", [], {
        "help": {"type": ["boolean", "string"], "default": False,
                 "description": "Print the parameters and exit (--help <parameter>: that parameter in full)."},
        "execution_reports": {"type": "boolean", "default": True,
                              "description": "Nextflow's execution trace, timeline and report in pipeline_info/. Their per-task CPU/memory metrics are sampled inside every task; on many second-long tasks (small panel samples on a laptop) that costs ~13 % of the wall time (24 samples on 2 cores: 165 -> 187 s): false switches the three off (docs/benchmarks.md). The test profile run locally defaults to false."},
    }),
}


def schema() -> dict:
    defs = {}
    for key, (title, required, properties) in GROUPS.items():
        group = {"title": title, "type": "object", "properties": properties}
        if required:
            group["required"] = required
        defs[key] = group
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://raw.githubusercontent.com/hlhscreen/hlhscreen/main/nextflow_schema.json",
        "title": "hlhscreen/hlhscreen pipeline parameters",
        "description": "Germline screening of HLH-predisposition genes in CAR-T recipients, cases vs controls",
        "type": "object",
        "$defs": defs,
        "allOf": [{"$ref": f"#/$defs/{key}"} for key in GROUPS],
    }


if __name__ == "__main__":
    print(json.dumps(schema(), indent=4))
