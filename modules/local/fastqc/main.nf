process FASTQC {
    tag "${meta.id}_L${meta.lane}"
    label 'process_low'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        'https://depot.galaxyproject.org/singularity/fastqc:0.12.1--hdfd78af_0' :
        'quay.io/biocontainers/fastqc:0.12.1--hdfd78af_0' }"

    input:
    tuple val(meta), path(reads)

    output:
    tuple val(meta), path("*_fastqc.html"), emit: html
    tuple val(meta), path("*_fastqc.zip") , emit: zip
    path "versions.yml"                   , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    // FastQC exits 0 when it cannot read a file (a truncated gzip: "Failed to process file"): fail the
    // task instead, so a damaged FASTQ never passes with a missing report
    """
    fastqc $args --threads $task.cpus ${reads.join(' ')} 2> fastqc.log || { cat fastqc.log >&2; exit 1; }
    cat fastqc.log >&2
    if grep -q 'Failed to process' fastqc.log; then
        echo "ERROR: FastQC could not read every file of ${meta.id} lane ${meta.lane} (see above)" >&2
        exit 1
    fi
    zips=\$(find . -maxdepth 1 -name '*_fastqc.zip' | wc -l)
    if [ "\$zips" -ne ${reads.size()} ]; then
        echo "ERROR: FastQC wrote \$zips reports for the ${reads.size()} files of ${meta.id} lane ${meta.lane}" >&2
        exit 1
    fi

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        fastqc: \$(fastqc --version | sed 's/^FastQC v//')
    END_VERSIONS
    """

    stub:
    """
    for r in ${reads.join(' ')}; do
        base=\$(basename "\$r" | sed -E 's/\\.(fastq|fq)\\.gz\$//')
        touch "\${base}_fastqc.html" "\${base}_fastqc.zip"
    done
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        fastqc: \$(fastqc --version | sed 's/^FastQC v//')
    END_VERSIONS
    """
}
