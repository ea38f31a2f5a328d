process CAT_FASTQ {
    tag "$meta.id"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        'https://depot.galaxyproject.org/singularity/coreutils:8.31--h14c3975_0' :
        'quay.io/biocontainers/coreutils:8.31--h14c3975_0' }"

    input:
    tuple val(meta), path(reads_1, stageAs: 'r1/*'), path(reads_2, stageAs: 'r2/*')

    output:
    tuple val(meta), path("${prefix}_R{1,2}.merged.fastq.gz"), emit: reads
    path "versions.yml"                                       , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    prefix = task.ext.prefix ?: "${meta.id}"
    // lanes are concatenated in samplesheet order; gzip members concatenate into a valid gzip file
    """
    cat ${reads_1.join(' ')} > ${prefix}_R1.merged.fastq.gz
    cat ${reads_2.join(' ')} > ${prefix}_R2.merged.fastq.gz

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        cat: \$(cat --version 2>&1 | head -n 1 | sed 's/^.* //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    echo -n | gzip > ${prefix}_R1.merged.fastq.gz
    echo -n | gzip > ${prefix}_R2.merged.fastq.gz
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        cat: \$(cat --version 2>&1 | head -n 1 | sed 's/^.* //')
    END_VERSIONS
    """
}
