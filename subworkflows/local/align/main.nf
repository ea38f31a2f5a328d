/*
 * Per sample: merge lanes, align (bwa-mem2 by default, bwa mem as a drop-in), sort, index, and
 * samtools stats in the aligner's task (one task start less per sample: docs/benchmarks.md).
 */

include { CAT_FASTQ      } from '../../../modules/local/cat_fastq'
include { BWA_MEM        } from '../../../modules/local/bwa_mem'
include { BWAMEM2_MEM    } from '../../../modules/local/bwamem2_mem'

workflow ALIGN {
    take:
    lanes   // [meta(id, group, lane), fastq_1, fastq_2]
    index
    fasta

    main:
    ch_versions = Channel.empty()

    ch_by_sample = lanes
        .map { meta, r1, r2 -> [meta.id, meta, r1, r2] }
        .groupTuple()
        .map { id, metas, r1s, r2s ->
            // lanes ordered by lane number so the merged FASTQ is reproducible
            def order = (0..<metas.size()).toList().sort(false) { metas[it].lane }
            def meta = [id: id, group: metas[0].group, lanes: metas.size()]
            [meta, order.collect { r1s[it] }, order.collect { r2s[it] }]
        }
        .branch { meta, r1s, r2s ->
            several: meta.lanes > 1
            single: true
        }

    CAT_FASTQ(ch_by_sample.several)
    ch_versions = ch_versions.mix(CAT_FASTQ.out.versions.first())
    ch_reads = ch_by_sample.single
        .map { meta, r1s, r2s -> [meta, [r1s[0], r2s[0]]] }
        .mix(CAT_FASTQ.out.reads)

    if (params.aligner == 'bwa') {
        BWA_MEM(ch_reads, index, fasta)
        ch_bam = BWA_MEM.out.bam
        ch_stats = BWA_MEM.out.stats
        ch_versions = ch_versions.mix(BWA_MEM.out.versions.first())
    } else {
        BWAMEM2_MEM(ch_reads, index, fasta)
        ch_bam = BWAMEM2_MEM.out.bam
        ch_stats = BWAMEM2_MEM.out.stats
        ch_versions = ch_versions.mix(BWAMEM2_MEM.out.versions.first())
    }

    emit:
    bam      = ch_bam                   // [meta, bam, bai]
    stats    = ch_stats                 // [meta, stats]
    versions = ch_versions
}
