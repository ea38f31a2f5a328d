process LIFT_TO_GENOME {
    tag "cohort"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ task.ext.tools_container }"

    input:
    path vcf
    path tbi
    path windows

    output:
    path "*.grch38.vcf.gz"    , emit: vcf
    path "*.grch38.vcf.gz.tbi", emit: tbi
    path "versions.yml"       , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def prefix = task.ext.prefix ?: 'cohort'
    """
    reference_windows.py vcf-to-genome --windows $windows --vcf $vcf --out lifted.vcf
    bcftools sort -Oz -o ${prefix}.grch38.vcf.gz -T ./sort_tmp lifted.vcf
    tabix -p vcf ${prefix}.grch38.vcf.gz

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen)
        bcftools: \$(bcftools --version | head -n 1 | sed 's/^bcftools //')
    END_VERSIONS
    """

    stub:
    def prefix = task.ext.prefix ?: 'cohort'
    """
    echo -n | gzip > ${prefix}.grch38.vcf.gz
    touch ${prefix}.grch38.vcf.gz.tbi
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen)
        bcftools: \$(bcftools --version | head -n 1 | sed 's/^bcftools //')
    END_VERSIONS
    """
}
