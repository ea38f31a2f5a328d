// The command is rendered by one function so the stub can record exactly what would run.
def bwamem2MemCommand(String args, int cpus, String readGroup, String index, List reads, String prefix, String fasta) {
    // lines joined with the script block's own indentation, so Nextflow strips it evenly
    return [
        "INDEX=\$(find -L ${index}/ -name '*.amb' | sed 's/\\.amb\$//')",
        "bwa-mem2 mem ${args} -t ${cpus} -R \"${readGroup}\" \$INDEX ${reads.join(' ')} \\",
        "    | samtools sort -@ ${cpus} -T ${prefix}.tmp -o ${prefix}.bam - \\",
        // the aligner killed for memory (137) must fail the task with 137 (retried with more memory),
        // not with the 1 of samtools sort on its cut input (pipefail reports the last failure)
        "    || { codes=\" \${PIPESTATUS[*]} \" status=\$?; [[ \$codes == *\" 137 \"* ]] && exit 137; exit \$status; }",
        "samtools index ${prefix}.bam",
        // alignment QC here rather than in a task of its own: one task start less per sample (issue 14)
        "samtools stats --reference ${fasta} ${prefix}.bam > ${prefix}.stats",
    ].join('\n    ')
}

process BWAMEM2_MEM {
    tag "$meta.id"
    label 'process_high'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        'https://depot.galaxyproject.org/singularity/mulled-v2-e5d375990341c5aef3c9aff74f96f66f65375ef6:38aed4501da19db366dc7c8d52d31d94e760cfaf-0' :
        'quay.io/biocontainers/mulled-v2-e5d375990341c5aef3c9aff74f96f66f65375ef6:38aed4501da19db366dc7c8d52d31d94e760cfaf-0' }"

    input:
    tuple val(meta), path(reads)
    path index, stageAs: 'index/*'   // a folder (BWA_INDEX) or the files of one index (--bwa_index)
    path fasta      // the reference the index was built from (samtools stats)

    output:
    tuple val(meta), path("*.bam"), path("*.bam.bai"), emit: bam
    tuple val(meta), path("*.stats")                 , emit: stats
    path "versions.yml"                               , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    def prefix = task.ext.prefix ?: "${meta.id}"
    def read_group = "@RG\\tID:${meta.id}\\tSM:${meta.id}\\tLB:${meta.id}\\tPL:ILLUMINA"
    """
    ${bwamem2MemCommand(args, task.cpus, read_group, 'index', reads, prefix, fasta.toString())}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        bwamem2: \$(bwa-mem2 version 2>&1 | tail -n 1)
        samtools: \$(samtools --version | head -n 1 | sed 's/^samtools //')
    END_VERSIONS
    """

    stub:
    def args = task.ext.args ?: ''
    def prefix = task.ext.prefix ?: "${meta.id}"
    def read_group = "@RG\\tID:${meta.id}\\tSM:${meta.id}\\tLB:${meta.id}\\tPL:ILLUMINA"
    def VERSION = '2.2.1' // bwa-mem2 pin of environment.yml; stubs do not run the tool
    """
    cat <<'END_COMMAND' > ${prefix}.bwamem2.command.txt
    ${bwamem2MemCommand(args, task.cpus, read_group, 'index', reads, prefix, fasta.toString())}
    END_COMMAND
    touch ${prefix}.bam ${prefix}.bam.bai ${prefix}.stats
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        bwamem2: ${VERSION}
        samtools: \$(samtools --version | head -n 1 | sed 's/^samtools //')
    END_VERSIONS
    """
}
