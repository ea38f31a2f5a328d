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
    // what the user must know (a PAR gene's chrY copy, a non-coding choice); inside the panel folder, so it
    // is published with it (a file published into a folder that is published as a whole was lost at random)
    path "panel/build_warnings.txt", emit: warnings
    path "versions.yml", emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    def whitelist = risk_factors ? "--risk-factors $risk_factors" : ''
    """
    # stderr is kept to pass its WARNING lines to the run log (a task's stderr is not shown on success)
    status=0
    build_panel.py --genes $genes --gtf $gtf --out panel $whitelist $args 2> build_panel.err || status=\$?
    cat build_panel.err >&2
    [ "\$status" -eq 0 ] || exit "\$status"
    grep '^WARNING' build_panel.err > panel/build_warnings.txt || true

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
    touch panel/gene_models.gtf.gz.tbi panel/build_warnings.txt
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen pysam)
    END_VERSIONS
    """
}
