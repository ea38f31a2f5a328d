process GENOME_FASTA {
    tag "$fasta.name"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ task.ext.tools_container }"

    input:
    path fasta
    path windows

    output:
    tuple path("genome.fa.gz"), path("genome.fa.gz.fai"), path("genome.fa.gz.gzi"), emit: fasta
    path "versions.yml"                                                          , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // GRCh38-coordinate FASTA (window sequence in place, N elsewhere) for annotation tools.
    """
    reference_windows.py genome-fasta --windows $windows --fasta $fasta --out genome.fa
    bgzip -@ $task.cpus genome.fa
    samtools faidx genome.fa.gz

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen)
        samtools: \$(samtools --version | head -n 1 | sed 's/^samtools //')
    END_VERSIONS
    """

    stub:
    """
    echo -n | gzip > genome.fa.gz
    touch genome.fa.gz.fai genome.fa.gz.gzi
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen)
        samtools: \$(samtools --version | head -n 1 | sed 's/^samtools //')
    END_VERSIONS
    """
}
