process GNOMAD_ANNOTATE {
    tag "cohort"
    label 'process_single'

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
    // gnomAD sites VCF -> rsID into ID (only where empty) and, for every frequency field the file
    // has, INFO/gnomAD_<field>: AF (v2-v4), AF_joint/AF_exomes/AF_genomes (v4.1 joint), the maxima
    // AF_grpmax(_joint), AF_popmax, fafmax_faf95_max(_joint) with their group, and the group AFs
    // AF_<pop> / AF_joint_<pop>. Exact chrom/pos/ref/alt match; a variant absent from gnomAD gets no
    // gnomAD_* value (= missing, not 0). SCREEN reads them as the source info_gnomad.
    """
    fields=\$(bcftools view -h $gnomad | sed -n \\
        -e 's/^##INFO=<ID=\\(AF\\|AF_joint\\|AF_exomes\\|AF_genomes\\|AF_grpmax\\|AF_grpmax_joint\\|AF_popmax\\|fafmax_faf95_max\\|fafmax_faf95_max_joint\\|grpmax\\|grpmax_joint\\|popmax\\),.*/\\1/p' \\
        -e 's/^##INFO=<ID=\\(AF_\\(joint_\\)*\\(afr\\|amr\\|asj\\|eas\\|fin\\|mid\\|nfe\\|sas\\|ami\\|remaining\\|oth\\)\\),.*/\\1/p' \\
        | sort -u)
    columns="ID"
    for field in \$fields; do columns="\$columns,INFO/gnomAD_\${field}:=INFO/\${field}"; done
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
