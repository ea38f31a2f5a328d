process REPORT {
    tag "cohort"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ task.ext.tools_container }"

    input:
    path samples
    path qc
    path variants
    path carriers
    path gene_status
    path variant_tests
    path gene_tests
    path biallelic_tests
    path power
    path sex                 // sex.tsv (SEX_CHECK)
    path clinvar_release     // clinvar_release.json (CLINVAR_ANNOTATE), or [] without --clinvar_vcf
    path frequency_check     // frequency_check.json (ANNOTATION_SUMMARY): chromosomes gnomAD was not looked up on
    path versions_yml, stageAs: 'software_versions.yml'
    path params_json, stageAs: 'params.json'
    path panel_callability
    path risk_factors        // the run's whitelist (risk_factors.tsv): entries no variant matched are listed
    path regions             // the panel regions BED SCREEN screened: whitelist entries outside it were not screened
    path reference_notes     // reference_notes.txt (PANEL_TO_REFERENCE): run-level notes, e.g. ALT contigs aligned ALT-unaware
    path panel_genes, stageAs: 'panel_genes.tsv'  // the panel's genes.tsv: each gene's transcript, named in the methods
    path gene_coverage       // gene_coverage.tsv (SCREEN): every sample x panel gene, kept variant or not

    output:
    path "report/hlhscreen_report.html"  , emit: html
    path "report/figures/*"              , emit: figures
    path "report/report_summary_mqc.tsv" , emit: multiqc
    path "report/excluded_samples.tsv"   , emit: excluded
    path "versions.yml"                  , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def clinvar_arg = clinvar_release ? "--clinvar-release $clinvar_release" : ''
    """
    make_report.py \\
        --samples $samples --qc $qc \\
        --variants $variants --carriers $carriers --gene-status $gene_status \\
        --variant-tests $variant_tests --gene-tests $gene_tests --biallelic-tests $biallelic_tests \\
        --power $power --sex $sex $clinvar_arg --frequency-check $frequency_check \\
        --versions software_versions.yml --params params.json \\
        --panel-callability $panel_callability \\
        --risk-factors $risk_factors --regions $regions \\
        --reference-notes $reference_notes \\
        --panel-genes panel_genes.tsv \\
        --gene-coverage $gene_coverage \\
        --outdir report

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen matplotlib pandas)
    END_VERSIONS
    """

    stub:
    """
    mkdir -p report/figures
    touch report/hlhscreen_report.html report/report_summary_mqc.tsv report/excluded_samples.tsv
    touch report/figures/carrier_matrix.png report/figures/carrier_matrix.svg report/figures/gene_forest.png report/figures/gene_forest.svg
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen matplotlib pandas)
    END_VERSIONS
    """
}
