// The command is rendered by one function so the stub records exactly what the script runs.
def splitTargetsCommand(String targets, chunks, samples) {
    return "split_bed.py ${targets} --chunks ${chunks} --samples ${samples} --prefix chunk"
}

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
    ${splitTargetsCommand(targets.toString(), chunks, samples)}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen)
    END_VERSIONS
    """

    stub:
    """
    cat <<'END_COMMAND' > split_targets.command.txt
    ${splitTargetsCommand(targets.toString(), chunks, samples)}
    END_COMMAND
    touch chunk_001.bed
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen)
    END_VERSIONS
    """
}
