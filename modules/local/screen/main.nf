process SCREEN {
    tag "cohort"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ task.ext.tools_container }"

    input:
    tuple path(vcf), path(tbi)
    path regions
    path risk_factors
    path genes          // panel genes.tsv: its transcript_id column lists the MANE transcripts
    path samples
    path sex            // sex.tsv (SEX_CHECK): males hemizygous on chrX/chrY outside the PARs
    tuple path(fasta), path(fai), path(gzi)   // GRCh38-coordinate reference: whitelist REF check
    path frequency_check    // frequency_check.json (ANNOTATION_SUMMARY): chromosomes gnomAD has no record on, or []
    path gene_coverage      // every sample's <sample>.thresholds.bed.gz (MOSDEPTH over the panel regions)

    output:
    path "screen/variants.tsv"          , emit: variants
    path "screen/kept.vcf.gz"           , emit: kept_vcf
    path "screen/kept.vcf.gz.tbi"       , emit: kept_tbi
    path "screen/carriers.tsv"          , emit: carriers
    path "screen/gene_status.tsv"       , emit: gene_status
    path "screen/gene_coverage.tsv"     , emit: gene_coverage
    path "screen/screen_summary_mqc.tsv", emit: multiqc
    path "screen_warnings.txt"          , emit: warnings
    path "versions.yml"                 , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    def frequency_arg = frequency_check ? "--frequency-check ${frequency_check}" : ''
    """
    screen_variants.py \\
        --vcf $vcf \\
        --regions $regions \\
        --risk-factors $risk_factors \\
        --mane-transcripts $genes \\
        --samplesheet $samples \\
        --sex $sex \\
        --fasta $fasta \\
        --outdir screen \\
        --warnings-file screen_warnings.txt \\
        --gene-coverage ${gene_coverage} \\
        $frequency_arg \\
        $args

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen cyvcf2)
    END_VERSIONS
    """

    stub:
    """
    mkdir screen
    touch screen/variants.tsv screen/carriers.tsv screen/gene_status.tsv screen/gene_coverage.tsv screen/screen_summary_mqc.tsv screen/kept.vcf.gz.tbi
    touch screen_warnings.txt
    echo -n | gzip > screen/kept.vcf.gz
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen cyvcf2)
    END_VERSIONS
    """
}
