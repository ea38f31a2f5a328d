process MOSDEPTH {
    tag "$meta.id"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        'https://depot.galaxyproject.org/singularity/mosdepth:0.3.8--hd299d5a_0' :
        'quay.io/biocontainers/mosdepth:0.3.8--hd299d5a_0' }"

    input:
    tuple val(meta), path(bam), path(bai)
    path regions

    output:
    tuple val(meta), path("*.mosdepth.summary.txt")    , emit: summary
    tuple val(meta), path("*.mosdepth.region.dist.txt"), emit: region_dist
    tuple val(meta), path("*.mosdepth.global.dist.txt"), emit: global_dist
    tuple val(meta), path("*.regions.bed.gz")          , emit: regions
    tuple val(meta), path("*.thresholds.bed.gz")       , emit: thresholds
    path "versions.yml"                                , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    def prefix = task.ext.prefix ?: "${meta.id}"
    """
    mosdepth $args --threads $task.cpus --by $regions $prefix $bam

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        mosdepth: \$(mosdepth --version 2>&1 | sed 's/^mosdepth //')
    END_VERSIONS
    """

    stub:
    def prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.mosdepth.summary.txt ${prefix}.mosdepth.region.dist.txt ${prefix}.mosdepth.global.dist.txt
    echo -n | gzip > ${prefix}.regions.bed.gz
    echo -n | gzip > ${prefix}.thresholds.bed.gz
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        mosdepth: \$(mosdepth --version 2>&1 | sed 's/^mosdepth //')
    END_VERSIONS
    """
}
