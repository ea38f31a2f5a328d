process ANNOTATION_SUMMARY {
    tag "cohort"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ params.tools_container }"

    input:
    tuple path(vcf), path(tbi)
    val annotator

    output:
    path "annotation_summary_mqc.tsv", emit: multiqc
    path "versions.yml"              , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    """
    annotation_summary.py $vcf --annotator '$annotator' --out annotation_summary_mqc.tsv

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen cyvcf2)
    END_VERSIONS
    """

    stub:
    """
    touch annotation_summary_mqc.tsv
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen cyvcf2)
    END_VERSIONS
    """
}
