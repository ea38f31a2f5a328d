// One rendering of the command for the script and the stub: -stub-run records it, so tests check that the
// run's frequency setting (--af_fields/--af_source, ext.args) reaches this step as it reaches SCREEN.
def annotationSummaryCommand(vcf, annotator, gnomad, args) {
    // with the gnomAD file: fails when the annotation attached none of the frequencies gnomAD lists
    def check = gnomad ? "--gnomad $gnomad" : ''
    return ("annotation_summary.py $vcf --annotator '$annotator' $check --out annotation_summary_mqc.tsv " +
        "--frequency-check frequency_check_mqc.tsv --frequency-json frequency_check.json $args").replaceAll(/ +/, ' ').trim()
}

process ANNOTATION_SUMMARY {
    tag "cohort"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ task.ext.tools_container }"

    input:
    tuple path(vcf), path(tbi)
    val annotator
    tuple path(gnomad), path(gnomad_index)   // the gnomAD file the annotation used, or [[], []]

    output:
    path "annotation_summary_mqc.tsv", emit: multiqc
    path "frequency_check_mqc.tsv"   , emit: frequency_check
    path "frequency_check.json"      , emit: frequency_json
    path "versions.yml"              , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // ext.args: the run's --af-fields/--af-source (conf/modules.config), the ones SCREEN reads
    def command = annotationSummaryCommand(vcf, annotator, gnomad, task.ext.args ?: '')
    """
    $command

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen cyvcf2)
    END_VERSIONS
    """

    stub:
    def command = annotationSummaryCommand(vcf, annotator, gnomad, task.ext.args ?: '')
    """
    cat <<'END_COMMAND' > annotation_summary.command.txt
    $command
    END_COMMAND
    touch annotation_summary_mqc.tsv frequency_check_mqc.tsv frequency_check.json
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen cyvcf2)
    END_VERSIONS
    """
}
