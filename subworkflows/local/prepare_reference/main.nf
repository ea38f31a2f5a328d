/*
 * Reference, aligner index and panel regions, ready for alignment, coverage and calling.
 * With --reference_windows the reference is a set of windows cut from GRCh38: the panel BEDs are
 * translated onto the window contigs, and a GRCh38-coordinate FASTA is built for annotation.
 */

include { SAMTOOLS_FAIDX   } from '../../../modules/local/samtools_faidx'
include { BWA_INDEX        } from '../../../modules/local/bwa_index'
include { BWAMEM2_INDEX    } from '../../../modules/local/bwamem2_index'
include { PANEL_TO_WINDOWS } from '../../../modules/local/panel_to_windows'
include { GENOME_FASTA     } from '../../../modules/local/genome_fasta'

workflow PREPARE_REFERENCE {
    take:
    panel       // map: regions, targets, gene_models, gene_models_tbi, risk_factors, genes

    main:
    ch_versions = Channel.empty()
    fasta = file(params.fasta, checkIfExists: true)

    if (params.fasta_fai) {
        ch_fai = Channel.value(file(params.fasta_fai, checkIfExists: true))
    } else {
        SAMTOOLS_FAIDX(fasta)
        ch_fai = SAMTOOLS_FAIDX.out.fai
        ch_versions = ch_versions.mix(SAMTOOLS_FAIDX.out.versions)
    }

    if (params.aligner == 'bwa') {
        if (params.bwa_index) {
            ch_index = Channel.value(file(params.bwa_index, checkIfExists: true))
        } else {
            BWA_INDEX(fasta)
            ch_index = BWA_INDEX.out.index
            ch_versions = ch_versions.mix(BWA_INDEX.out.versions)
        }
    } else {
        if (params.bwamem2_index) {
            ch_index = Channel.value(file(params.bwamem2_index, checkIfExists: true))
        } else {
            BWAMEM2_INDEX(fasta)
            ch_index = BWAMEM2_INDEX.out.index
            ch_versions = ch_versions.mix(BWAMEM2_INDEX.out.versions)
        }
    }

    if (params.reference_windows) {
        windows = file(params.reference_windows, checkIfExists: true)
        PANEL_TO_WINDOWS(panel.regions, panel.targets, windows, ch_fai)
        ch_regions = PANEL_TO_WINDOWS.out.regions
        ch_targets = PANEL_TO_WINDOWS.out.targets
        GENOME_FASTA(fasta, windows)
        ch_genome_fasta = GENOME_FASTA.out.fasta
        ch_versions = ch_versions.mix(PANEL_TO_WINDOWS.out.versions, GENOME_FASTA.out.versions)
    } else {
        ch_regions = Channel.value(panel.regions)
        ch_targets = Channel.value(panel.targets)
        ch_genome_fasta = ch_fai.map { fai -> [fasta, fai, []] }
    }

    emit:
    fasta        = Channel.value(fasta)
    fai          = ch_fai
    index        = ch_index
    regions      = ch_regions        // panel regions on the reference's contigs (coverage)
    targets      = ch_targets        // padded calling targets on the reference's contigs
    genome_fasta = ch_genome_fasta   // [fasta, fai, gzi or []] on GRCh38 coordinates (annotation)
    versions     = ch_versions
}
