process INTERVALS_TO_REFERENCE {
    tag "$intervals.name"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ task.ext.tools_container }"

    input:
    path intervals   // capture targets BED (GRCh38 with a windows reference, else the reference's contigs)
    path fai
    path windows     // [] for a plain reference
    path alt         // the bwa ALT file the aligner reads (<index prefix>.alt), or []: ALT contigs then aligned ALT-unaware

    output:
    path "intervals.reference.bed", emit: bed
    path "intervals_summary.txt"  , emit: summary
    path "reference_notes.txt"    , emit: notes        // run-level notes (ALT contigs aligned ALT-unaware), for runs without a panel
    path "reference_notes_mqc.html", emit: multiqc, optional: true  // the same for MultiQC, when there is a note
    path "versions.yml"           , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    def window_table = windows ? "--windows $windows" : ''
    def alt_arg = alt ? "--alt-file $alt" : ''
    """
    intervals_to_reference.py $args --bed $intervals --fai $fai $window_table $alt_arg --out intervals.reference.bed \
        --notes reference_notes.txt --notes-multiqc reference_notes_mqc.html > intervals_summary.txt

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen)
    END_VERSIONS
    """

    stub:
    """
    touch intervals.reference.bed intervals_summary.txt reference_notes.txt
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen)
    END_VERSIONS
    """
}
