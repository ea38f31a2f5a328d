process BUILD_PANEL {
    tag "$genes.name"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ task.ext.tools_container }"

    input:
    path genes           // gene symbols or Ensembl gene ids, one per line
    path gtf             // GENCODE/Ensembl GTF on GRCh38
    path risk_factors    // whitelist to validate into the panel, or []

    output:
    path "panel"       , emit: panel
    path "versions.yml", emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    def whitelist = risk_factors ? "--risk-factors $risk_factors" : ''
    """
    build_panel.py --genes $genes --gtf $gtf --out panel $whitelist $args

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen pysam)
    END_VERSIONS
    """

    stub:
    """
    mkdir panel
    touch panel/regions.bed panel/targets.bed panel/genes.tsv panel/risk_factors.tsv panel/panel.json
    echo -n | gzip > panel/gene_models.gtf.gz
    touch panel/gene_models.gtf.gz.tbi
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen pysam)
    END_VERSIONS
    """
}
