process VEP_REST {
    tag "cohort"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ task.ext.tools_container }"
    // the on-disk cache lives outside the task so reruns and -resume never re-ask the server
    containerOptions { workflow.containerEngine == 'docker' ? "-v ${cache_dir}:${cache_dir}" :
        (workflow.containerEngine in ['singularity', 'apptainer'] ? "-B ${cache_dir}" : '') }

    input:
    tuple path(vcf), path(tbi)
    val cache_dir       // absolute folder of the REST answers' cache, kept between runs (--vep_rest_cache)

    output:
    tuple path("*.vep_rest.vcf.gz"), path("*.vep_rest.vcf.gz.tbi"), emit: vcf
    path "versions.yml"                                            , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    def prefix = task.ext.prefix ?: 'cohort'
    """
    mkdir -p ${cache_dir}
    vep_rest.py --input $vcf --output ${prefix}.vep_rest.vcf.gz \\
        --cache-dir ${cache_dir} $args

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
