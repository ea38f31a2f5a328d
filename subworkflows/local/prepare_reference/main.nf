/*
 * Reference, aligner index, panel regions and capture targets, ready for alignment, coverage and calling.
 * A gzipped FASTA is unpacked once (FreeBayes reads only plain FASTA). The panel BEDs are placed on
 * the reference's contigs (PANEL_TO_REFERENCE), which also accounts for every panel gene the
 * reference cannot call; --intervals (capture targets) are placed the same way, sorted and merged
 * (INTERVALS_TO_REFERENCE). With --reference_windows the reference is a set of windows cut from
 * GRCh38: BEDs go onto the window contigs, and a GRCh38-coordinate FASTA is built for annotation.
 */

include { UNPACK_FASTA           } from '../../../modules/local/unpack_fasta'
include { SAMTOOLS_FAIDX         } from '../../../modules/local/samtools_faidx'
include { BWA_INDEX              } from '../../../modules/local/bwa_index'
include { BWAMEM2_INDEX          } from '../../../modules/local/bwamem2_index'
include { PANEL_TO_REFERENCE     } from '../../../modules/local/panel_to_reference'
include { INTERVALS_TO_REFERENCE } from '../../../modules/local/intervals_to_reference'
include { GENOME_FASTA           } from '../../../modules/local/genome_fasta'
include { launchHostPath; referenceAltFile } from '../utils_hlhscreen'

// A prebuilt --bwa_index / --bwamem2_index folder as the files of its one index (<prefix>.amb and the
// files beside it with that prefix; the start-up check makes sure there is one). Nextflow hashes a
// folder input by the folder's own size and time, which do not change when `bwa index` is run again
// in it (the files are rewritten in place): -resume would reuse alignments made with the old index.
// Each file is hashed by its own size and time.
def alignerIndexFiles(String folder) {
    def dir = file(folder, checkIfExists: true, glob: false)
    def amb = dir.listFiles().find { it.name.endsWith('.amb') }
    if (amb == null) {
        // http(s)/ftp folders cannot be listed (no directory listing in the protocol): the index may be there
        def remote = dir.scheme in ['http', 'https', 'ftp'] ?
            "; a ${dir.scheme}:// folder cannot be listed: give a local or cloud-storage (s3://, gs://, az://) folder, " +
            "or leave the parameter out and the pipeline builds the index" : ''
        error("${folder}: no aligner index (<name>.amb) in this folder${remote}")
    }
    def prefix = amb.name[0..-5]
    return dir.listFiles().findAll { it.name.startsWith("${prefix}.") && !it.isDirectory() }.sort { it.name }
}

// The ALT file among a prebuilt index's files (<prefix>.alt, <prefix> as in <prefix>.amb), or null.
def alignerAltFile(files) {
    def amb = files.find { it.name.endsWith('.amb') }
    return files.find { it.name == amb.name[0..-5] + '.alt' }
}

workflow PREPARE_REFERENCE {
    take:
    panel       // map of value channels: regions, targets, ...; [:] when the run uses no panel
    intervals   // capture targets BED (--intervals), or []

    main:
    ch_versions = Channel.empty()
    fasta_given = file(params.fasta, checkIfExists: true, glob: false)

    if (fasta_given.name.endsWith('.gz')) {
        UNPACK_FASTA(fasta_given)
        ch_fasta = UNPACK_FASTA.out.fasta
        ch_versions = ch_versions.mix(UNPACK_FASTA.out.versions)
    } else {
        ch_fasta = Channel.value(fasta_given)
    }

    // A given .fai is checked against its FASTA at start (an index of another or an older FASTA makes
    // FreeBayes read other bases). That check reads both on the launch host: with a remote FASTA or
    // index it cannot run, and a compressed FASTA cannot be read at the .fai's offsets (plain gzip: not
    // at all; the run unpacks it anyway), so the index is built from the (unpacked) FASTA instead
    // (seconds to a minute).
    def remote = launchHostPath(params.fasta) == null || launchHostPath(params.fasta_fai) == null
    def fai_checked = params.fasta_fai && !remote && !fasta_given.name.endsWith('.gz')
    if (params.fasta_fai && !fai_checked) {
        def why = remote ? 'a remote FASTA or index cannot be checked against each other before the tasks run' :
            'the index of a compressed FASTA cannot be checked against it before the tasks run (an index of another ' +
            'or an older FASTA would make the run read other bases)'
        log.warn "--fasta_fai ${params.fasta_fai} is not used: ${why}, so the index is built from the FASTA (SAMTOOLS_FAIDX)"
    }
    if (fai_checked) {
        ch_fai = Channel.value(file(params.fasta_fai, checkIfExists: true, glob: false))
    } else {
        SAMTOOLS_FAIDX(ch_fasta)
        ch_fai = SAMTOOLS_FAIDX.out.fai
        ch_versions = ch_versions.mix(SAMTOOLS_FAIDX.out.versions)
    }

    // the bwa ALT file beside the FASTA goes into the index built here (a prebuilt index holds its own)
    def alt = referenceAltFile() ?: []
    def prebuilt = params.aligner == 'bwa' ? params.bwa_index : params.bwamem2_index
    def prebuilt_files = prebuilt ? alignerIndexFiles(prebuilt) : null
    // the ALT file the aligner reads: <prefix>.alt of a prebuilt index, else the one copied into the index built here
    def alignment_alt = prebuilt_files != null ? (alignerAltFile(prebuilt_files) ?: []) : alt
    if (params.aligner == 'bwa') {
        if (params.bwa_index) {
            ch_index = Channel.value(prebuilt_files)
        } else {
            BWA_INDEX(ch_fasta, alt)
            ch_index = BWA_INDEX.out.index
            ch_versions = ch_versions.mix(BWA_INDEX.out.versions)
        }
    } else {
        if (params.bwamem2_index) {
            ch_index = Channel.value(prebuilt_files)
        } else {
            BWAMEM2_INDEX(ch_fasta, alt)
            ch_index = BWAMEM2_INDEX.out.index
            ch_versions = ch_versions.mix(BWAMEM2_INDEX.out.versions)
        }
    }

    windows = params.reference_windows ? file(params.reference_windows, checkIfExists: true, glob: false) : []
    ch_regions = Channel.empty()
    ch_targets = Channel.empty()
    ch_callability = Channel.empty()
    ch_multiqc = Channel.empty()
    ch_notes = Channel.empty()
    if (panel) {
        // the capture targets also decide which panel genes are assessed at all (panel_callability.tsv)
        PANEL_TO_REFERENCE(panel.regions, panel.targets, ch_fasta, ch_fai, windows, intervals, alignment_alt)
        ch_regions = PANEL_TO_REFERENCE.out.regions
        ch_targets = PANEL_TO_REFERENCE.out.targets
        ch_callability = PANEL_TO_REFERENCE.out.callability
        ch_multiqc = PANEL_TO_REFERENCE.out.multiqc
        ch_notes = PANEL_TO_REFERENCE.out.notes
        ch_versions = ch_versions.mix(PANEL_TO_REFERENCE.out.versions)
    }
    ch_intervals = Channel.empty()
    if (intervals) {
        INTERVALS_TO_REFERENCE(intervals, ch_fai, windows, alignment_alt)
        ch_intervals = INTERVALS_TO_REFERENCE.out.bed
        ch_versions = ch_versions.mix(INTERVALS_TO_REFERENCE.out.versions)
        if (!panel) {
            // no panel (--skip_screening --intervals): the notes on the reference come from here, and MultiQC
            // gets them as a section of their own (with a panel they follow 'Panel genes not called')
            ch_notes = INTERVALS_TO_REFERENCE.out.notes
            ch_multiqc = ch_multiqc.mix(INTERVALS_TO_REFERENCE.out.multiqc)
        }
    }

    if (params.reference_windows) {
        GENOME_FASTA(ch_fasta, windows)
        ch_genome_fasta = GENOME_FASTA.out.fasta
        ch_versions = ch_versions.mix(GENOME_FASTA.out.versions)
    } else {
        ch_genome_fasta = ch_fasta.combine(ch_fai).map { fasta, fai -> [fasta, fai, []] }
    }

    emit:
    fasta        = ch_fasta
    fai          = ch_fai
    index        = ch_index
    regions      = ch_regions        // panel regions on the reference's contigs (coverage)
    targets      = ch_targets        // padded calling targets on the reference's contigs
    intervals    = ch_intervals      // capture targets on the reference's contigs, sorted and merged
    callability  = ch_callability    // panel_callability.tsv: every panel gene, callable or why not
    notes        = ch_notes          // reference_notes.txt: run-level notes (ALT contigs aligned ALT-unaware), every run
    multiqc      = ch_multiqc
    genome_fasta = ch_genome_fasta   // [fasta, fai, gzi or []] on GRCh38 coordinates (annotation)
    versions     = ch_versions
}
