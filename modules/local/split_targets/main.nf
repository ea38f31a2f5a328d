process SPLIT_TARGETS {
    tag "$targets.name"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ task.ext.tools_container }"

    input:
    path targets
    val chunks      // a number, or 'auto': by target size and sample count (bin/split_bed.py)
    val samples     // how many samples are called jointly

    output:
    path "chunk_*.bed" , emit: chunks
    path "versions.yml", emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    """
    split_bed.py $targets --chunks $chunks --samples $samples --prefix chunk

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen)
    END_VERSIONS
    """

    stub:
    """
    # the command the script would run, for the stub-run tests
    echo "split_bed.py $targets --chunks $chunks --samples $samples --prefix chunk" > split_targets.command.txt
    touch chunk_001.bed
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen)
    END_VERSIONS
    """
}
