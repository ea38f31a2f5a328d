process VEP_REST {
    tag "cohort"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ params.tools_container }"
    // the on-disk cache lives outside the task so reruns and -resume never re-ask the server
    containerOptions { workflow.containerEngine == 'docker' ? "-v ${params.vep_rest_cache}:${params.vep_rest_cache}" :
        (workflow.containerEngine in ['singularity', 'apptainer'] ? "-B ${params.vep_rest_cache}" : '') }

    input:
    tuple path(vcf), path(tbi)

    output:
    tuple path("*.vep_rest.vcf.gz"), path("*.vep_rest.vcf.gz.tbi"), emit: vcf
    path "versions.yml"                                            , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    def prefix = task.ext.prefix ?: 'cohort'
    """
    mkdir -p ${params.vep_rest_cache}
    vep_rest.py --input $vcf --output ${prefix}.vep_rest.vcf.gz \\
        --server ${params.vep_rest_server} --cache-dir ${params.vep_rest_cache} $args

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen requests)
    END_VERSIONS
    """

    stub:
    def prefix = task.ext.prefix ?: 'cohort'
    """
    echo -n | gzip > ${prefix}.vep_rest.vcf.gz
    touch ${prefix}.vep_rest.vcf.gz.tbi
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen requests)
    END_VERSIONS
    """
}
