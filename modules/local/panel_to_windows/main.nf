process PANEL_TO_WINDOWS {
    tag "$windows.name"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ params.tools_container }"

    input:
    path regions
    path targets
    path windows
    path fai

    output:
    path "regions.reference.bed", emit: regions
    path "targets.reference.bed", emit: targets
    path "versions.yml"         , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    """
    reference_windows.py bed-to-windows --windows $windows --fai $fai --bed $regions --out regions.reference.bed
    reference_windows.py bed-to-windows --windows $windows --fai $fai --bed $targets --out targets.reference.bed

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen)
    END_VERSIONS
    """

    stub:
    """
    touch regions.reference.bed targets.reference.bed
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen)
    END_VERSIONS
    """
}
