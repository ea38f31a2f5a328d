process INTERVALS_TO_REFERENCE {
    tag "$intervals.name"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ task.ext.tools_container }"

    input:
    path intervals   // capture targets BED (GRCh38 with a windows reference, else the reference's contigs)
    path fai
    path windows     // [] for a plain reference

    output:
    path "intervals.reference.bed", emit: bed
    path "intervals_summary.txt"  , emit: summary
    path "versions.yml"           , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    def window_table = windows ? "--windows $windows" : ''
    """
    intervals_to_reference.py $args --bed $intervals --fai $fai $window_table --out intervals.reference.bed > intervals_summary.txt

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen)
    END_VERSIONS
    """

    stub:
    """
    touch intervals.reference.bed intervals_summary.txt
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen)
    END_VERSIONS
    """
}
