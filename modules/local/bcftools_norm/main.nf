process BCFTOOLS_NORM {
    tag "cohort"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        'https://depot.galaxyproject.org/singularity/bcftools:1.20--h8b25389_0' :
        'quay.io/biocontainers/bcftools:1.20--h8b25389_0' }"

    input:
    path vcfs
    path tbis
    path fasta
    path fai

    output:
    path "*.norm.vcf.gz"    , emit: vcf
    path "*.norm.vcf.gz.tbi", emit: tbi
    path "versions.yml"     , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    def prefix = task.ext.prefix ?: 'cohort'
    // Chunks are concatenated (-a: allow overlaps at chunk edges, -D: drop exact duplicates),
    // samples put in name order (FreeBayes orders them as it meets them), sorted, then
    // multi-allelics split and indels left-aligned against the reference (OLD_REC names the record
    // a split allele came from: two ALTs of one site are in trans for SCREEN); splitting and
    // left-aligning can make two records one variant, so exact duplicates are removed last.
    """
    mkdir ordered
    bcftools query -l \$(ls *.vcf.gz | head -n 1) | LC_ALL=C sort > samples.txt
    for chunk in \$(ls *.vcf.gz | sort); do
        bcftools view -S samples.txt -Oz -o ordered/\$chunk \$chunk
        tabix -p vcf ordered/\$chunk
    done
    ls ordered/*.vcf.gz > chunks.txt
    bcftools concat -a -D -f chunks.txt -Ou \\
        | bcftools sort -Ou -T ./sort_tmp \\
        | bcftools norm $args -m -any -f $fasta --old-rec-tag OLD_REC -Ou \\
        | bcftools norm -d exact -Oz -o ${prefix}.norm.vcf.gz
    tabix -p vcf ${prefix}.norm.vcf.gz

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        bcftools: \$(bcftools --version | head -n 1 | sed 's/^bcftools //')
    END_VERSIONS
    """

    stub:
    def prefix = task.ext.prefix ?: 'cohort'
    """
    echo -n | gzip > ${prefix}.norm.vcf.gz
    touch ${prefix}.norm.vcf.gz.tbi
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        bcftools: \$(bcftools --version | head -n 1 | sed 's/^bcftools //')
    END_VERSIONS
    """
}
