process CHECK_FASTQ {
    tag "${meta.id}_L${meta.lane}"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ task.ext.tools_container }"

    input:
    tuple val(meta), path(fastq_1), path(fastq_2)

    output:
    tuple val(meta), path("*.fastq_check.tsv"), emit: summary
    path "versions.yml"                        , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // before FastQC and alignment: a damaged pair fails this lane's task with the file and read number
    def prefix = task.ext.prefix ?: "${meta.id}_L${meta.lane}"
    """
    check_fastq.py $fastq_1 $fastq_2 --sample ${meta.id} --lane ${meta.lane} --out ${prefix}.fastq_check.tsv

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen)
    END_VERSIONS
    """

    stub:
    def prefix = task.ext.prefix ?: "${meta.id}_L${meta.lane}"
    """
    printf 'sample\\tlane\\tfastq_1\\tfastq_2\\tread_pairs\\tbases_r1\\tbases_r2\\tpairs_failed_filter\\n' > ${prefix}.fastq_check.tsv
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen)
    END_VERSIONS
    """
}
