process BWA_INDEX {
    tag "$fasta.name"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        'https://depot.galaxyproject.org/singularity/bwa:0.7.18--he4a0461_0' :
        'quay.io/biocontainers/bwa:0.7.18--he4a0461_0' }"

    input:
    path fasta
    path alt    // bwa ALT file of the reference, or []: copied as <prefix>.alt, which makes bwa mem ALT-aware

    output:
    path "index/"      , emit: index
    path "versions.yml", emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    """
    mkdir index && cd index && ln -s ../$fasta .
    bwa index $args -p ${fasta.baseName} $fasta
    rm $fasta
    ${alt ? "cp -L ../${alt} ${fasta.baseName}.alt" : ''}
    cd ..

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        bwa: \$(bwa 2>&1 | sed -n 's/^Version: //p')
    END_VERSIONS
    """

    stub:
    """
    mkdir index
    cd index && touch ${fasta.baseName}.{amb,ann,bwt,pac,sa} && cd ..
    ${alt ? "cp -L ${alt} index/${fasta.baseName}.alt" : ''}
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        bwa: \$(bwa 2>&1 | sed -n 's/^Version: //p')
    END_VERSIONS
    """
}
