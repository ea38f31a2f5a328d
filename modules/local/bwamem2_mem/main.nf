process BWAMEM2_MEM {
    tag "$meta.id"
    label 'process_high'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        'https://depot.galaxyproject.org/singularity/mulled-v2-e5d375990341c5aef3c9aff74f96f66f65375ef6:38aed4501da19db366dc7c8d52d31d94e760cfaf-0' :
        'biocontainers/mulled-v2-e5d375990341c5aef3c9aff74f96f66f65375ef6:38aed4501da19db366dc7c8d52d31d94e760cfaf-0' }"

    input:
    tuple val(meta), path(reads)
    path index

    output:
    tuple val(meta), path("*.bam"), path("*.bam.bai"), emit: bam
    path "versions.yml"                               , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    def prefix = task.ext.prefix ?: "${meta.id}"
    def read_group = "@RG\\tID:${meta.id}\\tSM:${meta.id}\\tLB:${meta.id}\\tPL:ILLUMINA"
    """
    INDEX=\$(find -L $index/ -name "*.amb" | sed 's/\\.amb\$//')
    bwa-mem2 mem \\
        $args \\
        -t $task.cpus \\
        -R "${read_group}" \\
        \$INDEX \\
        ${reads.join(' ')} \\
        | samtools sort -@ $task.cpus -T ${prefix}.tmp -o ${prefix}.bam -
    samtools index ${prefix}.bam

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        bwamem2: \$(bwa-mem2 version 2>&1 | tail -n 1)
        samtools: \$(samtools --version | head -n 1 | sed 's/^samtools //')
    END_VERSIONS
    """

    stub:
    def prefix = task.ext.prefix ?: "${meta.id}"
    def VERSION = '2.2.1' // bwa-mem2 pin of environment.yml; stubs do not run the tool
    """
    touch ${prefix}.bam ${prefix}.bam.bai
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        bwamem2: ${VERSION}
        samtools: \$(samtools --version | head -n 1 | sed 's/^samtools //')
    END_VERSIONS
    """
}
