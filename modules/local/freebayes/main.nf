process FREEBAYES {
    tag "$chunk.baseName"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        'https://depot.galaxyproject.org/singularity/freebayes:1.3.6--hbfe0e7f_2' :
        'quay.io/biocontainers/freebayes:1.3.6--hbfe0e7f_2' }"

    input:
    tuple path(chunk), path(bams), path(bais)
    path fasta
    path fai
    path cnv_map    // per-sample ploidy (males haploid on chrX/chrY outside the PARs; SEX_CHECK)

    output:
    path "*.vcf.gz"    , emit: vcf
    path "*.vcf.gz.tbi", emit: tbi
    path "versions.yml", emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    def prefix = task.ext.prefix ?: "${chunk.baseName}"
    // Joint calling: every BAM in one run, so every sample is genotyped at every site
    // (no reads -> "./."), restricted to this chunk of the padded panel targets. The CNV map makes
    // males haploid outside the PARs of chrX/chrY: a male never gets a het call there.
    """
    ls *.bam | sort > bams.txt
    freebayes \\
        $args \\
        --fasta-reference $fasta \\
        --targets $chunk \\
        --cnv-map $cnv_map \\
        --bam-list bams.txt \\
        > ${prefix}.vcf
    bgzip ${prefix}.vcf
    tabix -p vcf ${prefix}.vcf.gz

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        freebayes: \$(freebayes --version 2>&1 | sed 's/version:\\s*v//')
    END_VERSIONS
    """

    stub:
    def prefix = task.ext.prefix ?: "${chunk.baseName}"
    """
    echo -n | gzip > ${prefix}.vcf.gz
    touch ${prefix}.vcf.gz.tbi
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        freebayes: \$(freebayes --version 2>&1 | sed 's/version:\\s*v//')
    END_VERSIONS
    """
}
