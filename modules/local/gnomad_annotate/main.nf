process GNOMAD_ANNOTATE {
    tag "cohort"
    label 'process_low'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        'https://depot.galaxyproject.org/singularity/bcftools:1.20--h8b25389_0' :
        'quay.io/biocontainers/bcftools:1.20--h8b25389_0' }"

    input:
    path vcf
    tuple path(gnomad), path(gnomad_tbi)

    output:
    tuple path("*.annotated.vcf.gz"), path("*.annotated.vcf.gz.tbi"), emit: vcf
    path "versions.yml"                                              , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def prefix = task.ext.prefix ?: 'cohort'
    // gnomAD sites VCF -> rsID into ID (only where empty) and INFO/gnomAD_AF plus one
    // INFO/gnomAD_AF_<pop> per population field the file has (AF_afr, AF_nfe, ...). Exact
    // chrom/pos/ref/alt match; a variant absent from gnomAD gets no gnomAD_AF (= missing, not 0).
    """
    pops=\$(bcftools view -h $gnomad | sed -n 's/^##INFO=<ID=AF_\\(afr\\|amr\\|asj\\|eas\\|fin\\|mid\\|nfe\\|sas\\|ami\\|remaining\\|oth\\),.*/\\1/p' | sort -u)
    columns="ID,INFO/gnomAD_AF:=INFO/AF"
    for pop in \$pops; do columns="\$columns,INFO/gnomAD_AF_\${pop}:=INFO/AF_\${pop}"; done
    bgzip -c $vcf > input.vcf.gz
    tabix -p vcf input.vcf.gz
    bcftools annotate --annotations $gnomad --columns "\$columns" --pair-logic exact \\
        -Oz -o ${prefix}.annotated.vcf.gz input.vcf.gz
    tabix -p vcf ${prefix}.annotated.vcf.gz

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        bcftools: \$(bcftools --version | head -n 1 | sed 's/^bcftools //')
    END_VERSIONS
    """

    stub:
    def prefix = task.ext.prefix ?: 'cohort'
    """
    echo -n | gzip > ${prefix}.annotated.vcf.gz
    touch ${prefix}.annotated.vcf.gz.tbi
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        bcftools: \$(bcftools --version | head -n 1 | sed 's/^bcftools //')
    END_VERSIONS
    """
}
