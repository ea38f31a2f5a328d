process SPLIT_TARGETS {
    tag "$targets.name"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ task.ext.tools_container }"

    input:
    path targets
    val chunks

    output:
    path "chunk_*.bed" , emit: chunks
    path "versions.yml", emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    """
    split_bed.py $targets --chunks $chunks --prefix chunk

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen)
    END_VERSIONS
    """

    stub:
    """
    touch chunk_001.bed
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen)
    END_VERSIONS
    """
}
