/*
 * Reference, aligner index and panel regions, ready for alignment, coverage and calling.
 * The panel BEDs are placed on the reference's contigs (PANEL_TO_REFERENCE), which also accounts for
 * every panel gene the reference cannot call. With --reference_windows the reference is a set of
 * windows cut from GRCh38: the panel goes onto the window contigs, and a GRCh38-coordinate FASTA is
 * built for annotation.
 */

include { SAMTOOLS_FAIDX   } from '../../../modules/local/samtools_faidx'
include { BWA_INDEX        } from '../../../modules/local/bwa_index'
include { BWAMEM2_INDEX    } from '../../../modules/local/bwamem2_index'
include { PANEL_TO_REFERENCE } from '../../../modules/local/panel_to_reference'
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

    windows = params.reference_windows ? file(params.reference_windows, checkIfExists: true) : []
    PANEL_TO_REFERENCE(panel.regions, panel.targets, ch_fai, windows)
    ch_versions = ch_versions.mix(PANEL_TO_REFERENCE.out.versions)
    if (params.reference_windows) {
        GENOME_FASTA(fasta, windows)
        ch_genome_fasta = GENOME_FASTA.out.fasta
        ch_versions = ch_versions.mix(GENOME_FASTA.out.versions)
    } else {
        ch_genome_fasta = ch_fai.map { fai -> [fasta, fai, []] }
    }

    emit:
    fasta        = Channel.value(fasta)
    fai          = ch_fai
    index        = ch_index
    regions      = PANEL_TO_REFERENCE.out.regions       // panel regions on the reference's contigs (coverage)
    targets      = PANEL_TO_REFERENCE.out.targets       // padded calling targets on the reference's contigs
    callability  = PANEL_TO_REFERENCE.out.callability   // panel_callability.tsv: every panel gene, callable or why not
    multiqc      = PANEL_TO_REFERENCE.out.multiqc
    genome_fasta = ch_genome_fasta   // [fasta, fai, gzi or []] on GRCh38 coordinates (annotation)
    versions     = ch_versions
}
