process BWA_MEM {
    tag "$meta.id"
    label 'process_high'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        'https://depot.galaxyproject.org/singularity/mulled-v2-fe8faa35dbf6dc65a0f7f5d4ea12e31a79f73e40:1bd8542a8a0b42e0981337910954371d0230828e-0' :
        'quay.io/biocontainers/mulled-v2-fe8faa35dbf6dc65a0f7f5d4ea12e31a79f73e40:1bd8542a8a0b42e0981337910954371d0230828e-0' }"

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
    // The out-of-memory killer stops the largest process, the aligner: samtools sort then exits 1 on its
    // cut input, and pipefail reports that 1, which is not retried. A member killed by SIGKILL (137)
    // makes the task exit 137, so it is retried with twice the memory (conf/base.config).
    def args = task.ext.args ?: ''
    def prefix = task.ext.prefix ?: "${meta.id}"
    def read_group = "@RG\\tID:${meta.id}\\tSM:${meta.id}\\tLB:${meta.id}\\tPL:ILLUMINA"
    """
    INDEX=\$(find -L index/ -name "*.amb" | sed 's/\\.amb\$//')
    bwa mem \\
        $args \\
        -t $task.cpus \\
        -R "${read_group}" \\
        \$INDEX \\
        ${reads.join(' ')} \\
        | samtools sort -@ $task.cpus -T ${prefix}.tmp -o ${prefix}.bam - \\
        || { codes=" \${PIPESTATUS[*]} " status=\$?; [[ \$codes == *" 137 "* ]] && exit 137; exit \$status; }
    samtools index ${prefix}.bam
    # alignment QC here rather than in a task of its own: one task start less per sample (issue 14)
    samtools stats --reference $fasta ${prefix}.bam > ${prefix}.stats

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        bwa: \$(bwa 2>&1 | sed -n 's/^Version: //p')
        samtools: \$(samtools --version | head -n 1 | sed 's/^samtools //')
    END_VERSIONS
    """

    stub:
    def prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.bam ${prefix}.bam.bai ${prefix}.stats
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        bwa: \$(bwa 2>&1 | sed -n 's/^Version: //p')
        samtools: \$(samtools --version | head -n 1 | sed 's/^samtools //')
    END_VERSIONS
    """
}
