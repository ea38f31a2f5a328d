process PANEL_TO_REFERENCE {
    tag "$fai.name"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ task.ext.tools_container }"

    input:
    path regions
    path targets
    path fasta       // uncompressed: its N and IUPAC-coded bases under the panel cannot be called
    path fai
    path windows     // [] for a plain reference
    path intervals   // capture targets BED (--intervals), or []: panel genes outside them are not assessed
    path alt         // the bwa ALT file the aligner reads (<index prefix>.alt), or []: ALT contigs then aligned ALT-unaware

    output:
    path "regions.reference.bed"    , emit: regions
    path "targets.reference.bed"    , emit: targets
    path "panel_callability.tsv"    , emit: callability
    path "panel_callability_mqc.tsv", emit: multiqc
    path "reference_notes.txt"      , emit: notes
    path "versions.yml"             , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    def window_table = windows ? "--windows $windows" : ''
    def capture = intervals ? "--intervals $intervals" : ''
    def alt_arg = alt ? "--alt-file $alt" : ''
    """
    panel_to_reference.py $args --regions $regions --targets $targets --fasta $fasta --fai $fai $window_table $capture $alt_arg --outdir .

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen)
    END_VERSIONS
    """

    stub:
    """
    touch regions.reference.bed targets.reference.bed panel_callability_mqc.tsv reference_notes.txt
    printf 'gene\\tchrom\\tregions\\tregion_bp\\tcallable_bp\\tpct_callable\\tstatus\\treason\\n' > panel_callability.tsv
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen)
    END_VERSIONS
    """
}
