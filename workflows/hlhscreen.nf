/*
 * hlhscreen: germline screening of HLH-predisposition genes, cases vs controls.
 * One hop from main.nf; each capital name is a subworkflow or a module (docs/design.md).
 */

include { PREPARE_REFERENCE     } from '../subworkflows/local/prepare_reference'
include { ALIGN                 } from '../subworkflows/local/align'
include { CALL_VARIANTS         } from '../subworkflows/local/call_variants'
include { ANNOTATE              } from '../subworkflows/local/annotate'
include { CHECK_FASTQ           } from '../modules/local/check_fastq'
include { FASTQC                } from '../modules/local/fastqc'
include { MOSDEPTH              } from '../modules/local/mosdepth'
include { MOSDEPTH as MOSDEPTH_TARGETS } from '../modules/local/mosdepth'
include { QC_SUMMARY            } from '../modules/local/qc_summary'
include { SEX_CHECK             } from '../modules/local/sex_check'
include { MULTIQC               } from '../modules/local/multiqc'
include { BUILD_PANEL           } from '../modules/local/build_panel'
include { SCREEN                } from '../modules/local/screen'
include { COHORT_STATS          } from '../modules/local/cohort_stats'
include { REPORT                } from '../modules/local/report'
include { collateVersions; softwareVersionsToMultiQC; resolvePanel; panelFileNames; paramsJsonText; panelInUse } from '../subworkflows/local/utils_hlhscreen'

// Where a run writes, not what it computes: left out of the parameters REPORT hashes, so moving
// --outdir (or the launch folder) does not re-run it on -resume.
RUN_LOCATION_PARAMS = ['outdir', 'publish_dir_mode', 'vep_rest_cache']

workflow HLHSCREEN {
    take:
    lanes      // [meta(id, group, lane), fastq_1, fastq_2]
    samples    // samples.csv (sample,group)

    main:
    ch_versions = Channel.empty()
    ch_multiqc = Channel.empty()
    // --skip_screening stops after calling (validation runs); with --intervals it needs no panel at all
    def screening = !params.skip_screening
    def use_panel = panelInUse()
    // the panel is one shape whichever way it comes: a map of value channels, one per panel file
    panel = [:]
    if (use_panel && params.genes) {
        // a custom panel built from --genes and --gtf by the same tool that built panels/hlh
        BUILD_PANEL(file(params.genes, checkIfExists: true, glob: false), file(params.gtf, checkIfExists: true, glob: false),
                    params.risk_factors ? file(params.risk_factors, checkIfExists: true, glob: false) : [])
        ch_versions = ch_versions.mix(BUILD_PANEL.out.versions)
        // built, but the user must know (a PAR gene's chrY copy, a non-coding transcript): to the run log
        BUILD_PANEL.out.warnings.splitText().map { it.trim() }.filter { it }.subscribe { log.warn("BUILD_PANEL: ${it}") }
        panel = panelFileNames().collectEntries { key, name -> [key, BUILD_PANEL.out.panel.map { dir -> dir.resolve(name) }] }
    } else if (use_panel) {
        panel = resolvePanel(params.panel).collectEntries { key, path -> [key, Channel.value(path)] }
    }

    PREPARE_REFERENCE(panel, params.intervals ? file(params.intervals, checkIfExists: true, glob: false) : [])
    ch_versions = ch_versions.mix(PREPARE_REFERENCE.out.versions)
    ch_multiqc = ch_multiqc.mix(PREPARE_REFERENCE.out.multiqc)
    // the notes on the reference (ALT contigs aligned ALT-unaware; empty: none) reach --outdir in every run
    // mode, not only through the report (copied by every run, like software_versions.yml)
    PREPARE_REFERENCE.out.notes.subscribe { notes ->
        notes.copyTo(file("${params.outdir}/pipeline_info/reference_notes.txt", glob: false)) }

    // every FASTQ pair is verified first; FastQC and alignment only see lanes that passed
    CHECK_FASTQ(lanes)
    ch_versions = ch_versions.mix(CHECK_FASTQ.out.versions.first())
    ch_lanes = lanes.join(CHECK_FASTQ.out.summary, failOnMismatch: true).map { meta, r1, r2, summary -> [meta, r1, r2] }

    // one FastQC task per sample with the files of all its lanes (lane order): one JVM start per sample
    ch_fastqc = ch_lanes
        .map { meta, r1, r2 -> [meta.id, meta, r1, r2] }
        .groupTuple()
        .map { id, metas, r1s, r2s ->
            def order = (0..<metas.size()).toList().sort(false) { metas[it].lane }
            [[id: id, group: metas[0].group], order.collectMany { [r1s[it], r2s[it]] }]
        }
    FASTQC(ch_fastqc)
    ch_versions = ch_versions.mix(FASTQC.out.versions.first())
    ch_multiqc = ch_multiqc.mix(FASTQC.out.zip.map { meta, zip -> zip })

    ALIGN(ch_lanes, PREPARE_REFERENCE.out.index, PREPARE_REFERENCE.out.fasta)
    ch_versions = ch_versions.mix(ALIGN.out.versions)
    ch_multiqc = ch_multiqc.mix(ALIGN.out.stats.map { meta, stats -> stats })

    // coverage QC: the panel regions, or the capture targets when they replace the panel; with both,
    // the capture targets get their own mosdepth run (qc/mosdepth_targets, MultiQC)
    ch_coverage_bed = use_panel ? PREPARE_REFERENCE.out.regions : PREPARE_REFERENCE.out.intervals
    ch_calling_bed = use_panel ? PREPARE_REFERENCE.out.targets : PREPARE_REFERENCE.out.intervals
    MOSDEPTH(ALIGN.out.bam, ch_coverage_bed)
    ch_versions = ch_versions.mix(MOSDEPTH.out.versions.first())
    ch_multiqc = ch_multiqc.mix(
        MOSDEPTH.out.summary.map { it[1] },
        MOSDEPTH.out.region_dist.map { it[1] },
        MOSDEPTH.out.global_dist.map { it[1] },
    )

    if (params.intervals && use_panel) {
        MOSDEPTH_TARGETS(ALIGN.out.bam, PREPARE_REFERENCE.out.intervals)
        ch_multiqc = ch_multiqc.mix(
            MOSDEPTH_TARGETS.out.summary.map { it[1] },
            MOSDEPTH_TARGETS.out.region_dist.map { it[1] },
        )
    }

    // Sex given vs inferred from the chrX/autosome depth of the coverage regions (the panel's, or the
    // capture targets without a panel); males are called haploid on chrX/chrY outside the PARs
    // (FreeBayes --cnv-map) and are hemizygous carriers there (SCREEN).
    SEX_CHECK(
        samples,
        MOSDEPTH.out.regions.map { it[1] }.collect(),
        PREPARE_REFERENCE.out.fai,
        params.reference_windows ? file(params.reference_windows, checkIfExists: true, glob: false) : []
    )
    ch_versions = ch_versions.mix(SEX_CHECK.out.versions)
    ch_multiqc = ch_multiqc.mix(SEX_CHECK.out.multiqc)

    // on-target rate: aligned bases on the capture targets (the targets' mosdepth summary); without
    // --intervals it is not assessed (NA): the panel regions are no capture design
    ch_target_summaries = !params.intervals ? Channel.value([])
        : (use_panel ? MOSDEPTH_TARGETS.out.summary : MOSDEPTH.out.summary).map { it[1] }.collect()
    QC_SUMMARY(
        samples,
        ALIGN.out.stats.map { it[1] }
            .mix(MOSDEPTH.out.summary.map { it[1] }, MOSDEPTH.out.region_dist.map { it[1] })
            .collect(),
        SEX_CHECK.out.tsv,
        ch_target_summaries,
        !params.intervals ? '' : (use_panel ? '.targets.mosdepth.summary.txt' : '.mosdepth.summary.txt'),
        CHECK_FASTQ.out.summary.map { it[1] }.collect()
    )
    ch_versions = ch_versions.mix(QC_SUMMARY.out.versions)
    ch_multiqc = ch_multiqc.mix(QC_SUMMARY.out.multiqc, QC_SUMMARY.out.multiqc_general)

    // a value channel: every calling chunk reads the same map
    // the sample count comes from the samplesheet's lanes, known at start (not from the last BAM)
    ch_n_samples = lanes.map { meta, r1, r2 -> meta.id }.unique().count()
    CALL_VARIANTS(ALIGN.out.bam, ch_calling_bed, PREPARE_REFERENCE.out.fasta, PREPARE_REFERENCE.out.fai,
                  SEX_CHECK.out.cnv_map.first(), ch_n_samples)
    ch_versions = ch_versions.mix(CALL_VARIANTS.out.versions)

    ch_annotated = Channel.empty()
    ch_screened = Channel.empty()
    ch_report = Channel.empty()
    if (screening) {
        ANNOTATE(CALL_VARIANTS.out.vcf, PREPARE_REFERENCE.out.genome_fasta, panel)
        ch_versions = ch_versions.mix(ANNOTATE.out.versions)
        ch_multiqc = ch_multiqc.mix(ANNOTATE.out.multiqc)

        // each sample's mosdepth thresholds over the panel regions (they include --min_dp): a sample covering
        // less than --min_gene_callable of a gene is not assessable for it unless it carries a kept variant
        SCREEN(ANNOTATE.out.vcf, panel.regions, panel.risk_factors, panel.genes, samples, SEX_CHECK.out.tsv,
               PREPARE_REFERENCE.out.genome_fasta, ANNOTATE.out.frequency_check,
               MOSDEPTH.out.thresholds.map { it[1] }.collect())
        ch_versions = ch_versions.mix(SCREEN.out.versions)
        ch_multiqc = ch_multiqc.mix(SCREEN.out.multiqc)
        // what the screen could not use (lost annotation, frequency fields it does not read, ...) goes to the run log
        SCREEN.out.warnings.splitText().map { it.trim() }.filter { it }.subscribe { log.warn("SCREEN: ${it}") }

        COHORT_STATS(SCREEN.out.carriers, SCREEN.out.gene_status, samples, PREPARE_REFERENCE.out.callability)
        ch_versions = ch_versions.mix(COHORT_STATS.out.versions)

        // The report's methods are filled from the run's parameters and the versions of every step
        // before it; the file in pipeline_info also lists the report and MultiQC.
        // (pipeline_info/params.json itself is written at start by PIPELINE_INITIALISATION)
        ch_params_json = Channel.of(paramsJsonText(RUN_LOCATION_PARAMS))
            .collectFile(name: 'params.json', newLine: true, cache: false)
        ch_versions_before_report = collateVersions(ch_versions).collectFile(name: 'software_versions.yml', newLine: true)

        REPORT(
            samples, QC_SUMMARY.out.tsv,
            SCREEN.out.variants, SCREEN.out.carriers, SCREEN.out.gene_status,
            COHORT_STATS.out.variant_tests, COHORT_STATS.out.gene_tests, COHORT_STATS.out.biallelic_tests,
            COHORT_STATS.out.power, SEX_CHECK.out.tsv, ANNOTATE.out.clinvar_release, ANNOTATE.out.frequency_check,
            ch_versions_before_report, ch_params_json, PREPARE_REFERENCE.out.callability, panel.risk_factors,
            panel.regions, PREPARE_REFERENCE.out.notes, panel.genes, SCREEN.out.gene_coverage
        )
        ch_versions = ch_versions.mix(REPORT.out.versions)
        ch_multiqc = ch_multiqc.mix(REPORT.out.multiqc)
        ch_annotated = ANNOTATE.out.vcf
        ch_screened = SCREEN.out.variants
        ch_report = REPORT.out.html
    }

    ch_versions_mqc = collateVersions(ch_versions)
        .map { yml -> softwareVersionsToMultiQC(yml) }
        .collectFile(name: 'software_versions_mqc.yml')

    MULTIQC(
        ch_multiqc.mix(ch_versions_mqc).collect(),
        file("${projectDir}/assets/multiqc_config.yml", checkIfExists: true, glob: false)
    )

    ch_versions_yml = collateVersions(ch_versions.mix(MULTIQC.out.versions))
        .collectFile(name: 'software_versions.yml', newLine: true, cache: false)
    // copied by every run, never left from an earlier one (collectFile(storeDir:) is skipped on -resume)
    ch_versions_yml.subscribe { yml -> yml.copyTo(file("${params.outdir}/pipeline_info/software_versions.yml", glob: false)) }

    emit:
    vcf          = CALL_VARIANTS.out.vcf
    annotated    = ch_annotated
    screened     = ch_screened
    report       = ch_report
    qc           = QC_SUMMARY.out.tsv
    multiqc      = MULTIQC.out.report
    versions     = ch_versions_yml
}
