process QC_SUMMARY {
    tag "cohort"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ task.ext.tools_container }"

    input:
    path samplesheet
    path qc_files, stageAs: 'inputs/*'
    path sex            // sex.tsv (SEX_CHECK): given vs inferred sex, flagged when they disagree
    path target_summaries, stageAs: 'targets/*'  // mosdepth summaries over the capture targets (--intervals); [] without
    val targets_suffix  // their file name after the sample name; '' without --intervals (on-target rate NA)
    path fastq_checks, stageAs: 'fastq_checks/*'  // CHECK_FASTQ tables of every lane: pairs failing the instrument filter

    output:
    path "sample_qc.tsv"    , emit: tsv
    path "sample_qc_mqc.tsv", emit: multiqc
    path "sample_qc_general_mqc.tsv", emit: multiqc_general  // General Statistics: QC flag, % on target, % failed filter
    path "versions.yml"     , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    def targets = targets_suffix ? "--targets targets --targets-suffix ${targets_suffix}" : ''
    """
    qc_summary.py --samplesheet $samplesheet --inputs inputs --sex $sex $targets --fastq-checks fastq_checks $args

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen)
    END_VERSIONS
    """

    stub:
    """
    touch sample_qc.tsv sample_qc_mqc.tsv sample_qc_general_mqc.tsv
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen)
    END_VERSIONS
    """
}
