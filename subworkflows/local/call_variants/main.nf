/*
 * Joint calling of the whole cohort with FreeBayes, scattered over chunks of the padded panel
 * targets, gathered, sorted and normalised (multi-allelics split, indels left-aligned). With a
 * windows reference the result is moved back onto GRCh38 coordinates.
 * Contract: one bgzipped, indexed, normalised multi-sample VCF on GRCh38, every sample genotyped
 * at every site (no reads -> ./.), FORMAT/DP and GQ present; males haploid on chrX/chrY outside the
 * pseudo-autosomal regions (GT 0 / 1).
 */

include { SPLIT_TARGETS  } from '../../../modules/local/split_targets'
include { FREEBAYES      } from '../../../modules/local/freebayes'
include { BCFTOOLS_NORM  } from '../../../modules/local/bcftools_norm'
include { LIFT_TO_GENOME } from '../../../modules/local/lift_to_genome'

workflow CALL_VARIANTS {
    take:
    bams        // [meta, bam, bai] per sample
    targets     // padded targets on the reference's contigs
    fasta
    fai
    cnv_map     // FreeBayes --cnv-map (SEX_CHECK): males haploid on chrX/chrY outside the PARs
    n_samples   // value: how many samples are called jointly (--calling_chunks auto)

    main:
    ch_versions = Channel.empty()

    SPLIT_TARGETS(targets, params.calling_chunks, n_samples)
    ch_versions = ch_versions.mix(SPLIT_TARGETS.out.versions)

    ch_cohort = bams
        .toSortedList { a, b -> a[0].id <=> b[0].id }
        .map { rows -> [rows.collect { it[1] }, rows.collect { it[2] }] }
    ch_jobs = SPLIT_TARGETS.out.chunks
        .flatten()
        .combine(ch_cohort)
        .map { chunk, bam_list, bai_list -> [chunk, bam_list, bai_list] }

    FREEBAYES(ch_jobs, fasta, fai, cnv_map)
    ch_versions = ch_versions.mix(FREEBAYES.out.versions.first())

    BCFTOOLS_NORM(FREEBAYES.out.vcf.collect(), FREEBAYES.out.tbi.collect(), fasta, fai)
    ch_versions = ch_versions.mix(BCFTOOLS_NORM.out.versions)

    if (params.reference_windows) {
        LIFT_TO_GENOME(BCFTOOLS_NORM.out.vcf, BCFTOOLS_NORM.out.tbi, file(params.reference_windows, glob: false))
        ch_vcf = LIFT_TO_GENOME.out.vcf.combine(LIFT_TO_GENOME.out.tbi)
        ch_versions = ch_versions.mix(LIFT_TO_GENOME.out.versions)
    } else {
        ch_vcf = BCFTOOLS_NORM.out.vcf.combine(BCFTOOLS_NORM.out.tbi)
    }

    emit:
    vcf      = ch_vcf        // [vcf.gz, tbi] on GRCh38
    versions = ch_versions
}
