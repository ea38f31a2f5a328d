process CLINVAR_ANNOTATE {
    tag "cohort"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ task.ext.tools_container }"

    input:
    tuple path(vcf), path(tbi)
    tuple path(clinvar), path(clinvar_tbi)
    tuple path(fasta), path(fai), path(gzi)   // the GRCh38-coordinate FASTA the cohort VCF is on (gzi: [] if plain)

    output:
    tuple path("*.clinvar.vcf.gz"), path("*.clinvar.vcf.gz.tbi"), emit: vcf
    path "clinvar_release.json"                                 , emit: release
    path "versions.yml"                                         , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def prefix = task.ext.prefix ?: 'cohort'
    // Allele match against NCBI's ClinVar VCF (contig names mapped: 10 <-> chr10; indels of both files
    // left-aligned on the FASTA): INFO/CLINVAR_* (variation ID, CLNSIG, CLNREVSTAT, stars, CLNDN); the
    // release date cited by the report.
    def gzi_arg = gzi ? "--fasta-gzi $gzi" : ''
    """
    clinvar_annotate.py \\
        --vcf $vcf \\
        --clinvar $clinvar \\
        --fasta $fasta \\
        --fasta-fai $fai \\
        $gzi_arg \\
        --out ${prefix}.clinvar.vcf.gz \\
        --release-json clinvar_release.json

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen pysam)
    END_VERSIONS
    """

    stub:
    def prefix = task.ext.prefix ?: 'cohort'
    """
    test -e $fasta && test -e $fai
    echo -n | gzip > ${prefix}.clinvar.vcf.gz
    touch ${prefix}.clinvar.vcf.gz.tbi
    echo '{}' > clinvar_release.json
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen pysam)
    END_VERSIONS
    """
}
