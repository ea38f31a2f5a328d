process UNPACK_FASTA {
    tag "$fasta.name"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        'https://depot.galaxyproject.org/singularity/samtools:1.20--h50ea8bc_0' :
        'quay.io/biocontainers/samtools:1.20--h50ea8bc_0' }"

    input:
    path fasta      // gzip or bgzip FASTA

    output:
    path "${fasta.baseName}", emit: fasta
    path "versions.yml"     , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // FreeBayes reads only an uncompressed FASTA; the aligners' indexes and samtools take it as well
    """
    bgzip -d -c $fasta > ${fasta.baseName}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        bgzip: \$(bgzip --version | head -n 1 | sed 's/^bgzip (htslib) //')
    END_VERSIONS
    """

    stub:
    """
    touch ${fasta.baseName}
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        bgzip: \$(bgzip --version | head -n 1 | sed 's/^bgzip (htslib) //')
    END_VERSIONS
    """
}
