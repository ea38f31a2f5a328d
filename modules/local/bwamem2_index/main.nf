// The command is rendered by one function so the stub can record exactly what would run.
// A bwa ALT file (alt: its staged name, or '') is copied as <prefix>.alt: bwa-mem2 mem is then ALT-aware.
def bwamem2IndexCommand(String fasta, String alt) {
    def prefix = fasta.replaceAll(/\.[^.]+$/, '')
    def copyAlt = alt ? " && cp -L ../${alt} ${prefix}.alt" : ''
    return "mkdir index && cd index && ln -s ../${fasta} . && bwa-mem2 index -p ${prefix} ${fasta} && rm ${fasta}${copyAlt} && cd .."
}

process BWAMEM2_INDEX {
    tag "$fasta.name"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        'https://depot.galaxyproject.org/singularity/bwa-mem2:2.2.1--he513fc3_0' :
        'quay.io/biocontainers/bwa-mem2:2.2.1--he513fc3_0' }"

    input:
    path fasta
    path alt    // bwa ALT file of the reference, or []

    output:
    path "index/"      , emit: index
    path "versions.yml", emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    """
    ${bwamem2IndexCommand(fasta.name, alt ? alt.name : '')}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        bwamem2: \$(bwa-mem2 version 2>&1 | tail -n 1)
    END_VERSIONS
    """

    stub:
    def VERSION = '2.2.1' // bwa-mem2 pin of environment.yml; stubs do not run the tool
    """
    echo '${bwamem2IndexCommand(fasta.name, alt ? alt.name : '')}' > bwamem2_index.command.txt
    mkdir index
    cd index && touch ${fasta.baseName}.{0123,amb,ann,bwt.2bit.64,pac} && cd ..
    ${alt ? "cp -L ${alt} index/${fasta.baseName}.alt" : ''}
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        bwamem2: ${VERSION}
    END_VERSIONS
    """
}
