process SNPEFF_ANN {
    tag "cohort"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        'https://depot.galaxyproject.org/singularity/snpeff:5.1--hdfd78af_2' :
        'quay.io/biocontainers/snpeff:5.1--hdfd78af_2' }"

    input:
    tuple path(vcf), path(tbi)
    path db

    output:
    path "*.snpeff.vcf" , emit: vcf
    path "*.csv"        , emit: stats
    path "versions.yml" , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    def prefix = task.ext.prefix ?: 'cohort'
    def memory = task.memory ? "-Xmx${(task.memory.toMega() * 0.8).intValue()}m" : ''
    // Debian's snpEff wrapper echoes its arguments to stdout when -c is given: drop that line.
    // No -dataDir: the config's data.dir (./data/) is read relative to the config file, and an absolute
    // path would break on a work folder with a space (the Debian wrapper re-splits its arguments).
    """
    snpEff $memory ann $args -c $db/snpEff.config -nodownload \\
        -csvStats ${prefix}.snpeff.csv -noLog panel $vcf \\
        | sed '1{/^ /d}' > ${prefix}.snpeff.vcf

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        snpeff: \$(snpEff -version 2>&1 | grep -v '^ ' | head -n 1 | cut -f 2)
    END_VERSIONS
    """

    stub:
    def prefix = task.ext.prefix ?: 'cohort'
    """
    touch ${prefix}.snpeff.vcf ${prefix}.snpeff.csv
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        snpeff: \$(snpEff -version 2>&1 | grep -v '^ ' | head -n 1 | cut -f 2)
    END_VERSIONS
    """
}
