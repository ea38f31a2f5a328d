process COHORT_STATS {
    tag "cohort"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ task.ext.tools_container }"

    input:
    path carriers
    path gene_status
    path samples
    path callability   // panel_callability.tsv, or []: genes not assessed in this run are not tested

    output:
    path "variant_tests.tsv"       , emit: variant_tests
    path "gene_tests.tsv"          , emit: gene_tests
    path "biallelic_tests.tsv"     , emit: biallelic_tests
    path "association_summary.tsv" , emit: summary
    path "power.tsv"               , emit: power
    path "versions.yml"            , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    def gaps = callability ? "--callability $callability" : ''
    """
    cohort_stats.py --carriers $carriers --gene-status $gene_status --samplesheet $samples $gaps --outdir . $args

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen numpy)
    END_VERSIONS
    """

    stub:
    """
    touch variant_tests.tsv gene_tests.tsv biallelic_tests.tsv association_summary.tsv power.tsv
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen numpy)
    END_VERSIONS
    """
}
