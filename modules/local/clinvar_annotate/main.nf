process CLINVAR_ANNOTATE {
    tag "cohort"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ task.ext.tools_container }"

    input:
    tuple path(vcf), path(tbi)
    tuple path(clinvar), path(clinvar_tbi)

    output:
    tuple path("*.clinvar.vcf.gz"), path("*.clinvar.vcf.gz.tbi"), emit: vcf
    path "clinvar_release.json"                                 , emit: release
    path "versions.yml"                                         , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def prefix = task.ext.prefix ?: 'cohort'
    // Exact-allele match against NCBI's ClinVar VCF (contig names mapped: 10 <-> chr10): INFO/CLINVAR_*
    // (variation ID, CLNSIG, CLNREVSTAT, stars, CLNDN); the release date cited by the report.
    """
    clinvar_annotate.py \\
        --vcf $vcf \\
        --clinvar $clinvar \\
        --out ${prefix}.clinvar.vcf.gz \\
        --release-json clinvar_release.json

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen pysam)
    END_VERSIONS
    """

    stub:
    def prefix = task.ext.prefix ?: 'cohort'
    """
    echo -n | gzip > ${prefix}.clinvar.vcf.gz
    touch ${prefix}.clinvar.vcf.gz.tbi
    echo '{}' > clinvar_release.json
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen pysam)
    END_VERSIONS
    """
}
