process BCFTOOLS_NORM {
    tag "cohort"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ task.ext.tools_container }"

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
    // Chunks are concatenated (-a: overlaps at chunk edges allowed; their duplicates are merged at the
    // end), samples put in name order (FreeBayes orders them as it meets them) and sorted. Then
    // (docs/design.md, "Normalisation"): FreeBayes complex alleles that contain an indel (a repeat
    // shift, an indel next to an SNV) are decomposed along FreeBayes' own alignment (INFO/CIGAR) into
    // SNVs and indels (decompose_complex_alleles.py: `norm --atomize` compares bases without aligning
    // and would turn them into SNV runs no database lists); those pieces skip the atomising norm,
    // which would overwrite their OLD_REC, and rejoin the stream after it. The other MNP/complex
    // alleles are atomised into SNVs and indels, so each piece can match gnomAD exactly (INFO/OLD_REC
    // names the FreeBayes record and the ALT(s) a piece came from: SCREEN's cis/trans rule reads it;
    // an allele of another haplotype overlapping a piece becomes '*'); multi-allelics are split and
    // indels left-aligned (split records get OLD_REC too, an atomised piece keeps its own); the '*'
    // records are dropped (the real pieces carry every sample's ALT copies); last, an allele that
    // came out of several records is merged sample by sample (merge_duplicate_alleles.py: `norm -d
    // exact` would keep the first record's genotypes only). Atomising and splitting are two runs of
    // norm: bcftools 1.16 crashes on --atomize -m -any --old-rec-tag in one run.
    """
    mkdir ordered
    bcftools query -l \$(ls *.vcf.gz | head -n 1) | LC_ALL=C sort > samples.txt
    for chunk in \$(ls *.vcf.gz | sort); do
        bcftools view -S samples.txt -Oz -o ordered/\$chunk \$chunk
        tabix -p vcf ordered/\$chunk
    done
    ls ordered/*.vcf.gz > chunks.txt
    bcftools concat -a -f chunks.txt -Ou \\
        | bcftools sort -Ov -T ./sort_tmp \\
        | decompose_complex_alleles.py --decomposed decomposed.txt \\
        | bcftools norm $args --atomize --atom-overlaps '*' -f $fasta --old-rec-tag OLD_REC -Ov -o atomised.vcf
    cat atomised.vcf decomposed.txt \\
        | bcftools sort -Ou -T ./sort_tmp1 \\
        | bcftools norm -m -any -f $fasta --old-rec-tag OLD_REC -Ou \\
        | bcftools view -e 'ALT="*"' -Ou \\
        | bcftools sort -Ov -T ./sort_tmp2 \\
        | merge_duplicate_alleles.py \\
        | bgzip -c > ${prefix}.norm.vcf.gz
    tabix -p vcf ${prefix}.norm.vcf.gz

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen)
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
    \$(tool_versions.py python hlhscreen)
        bcftools: \$(bcftools --version | head -n 1 | sed 's/^bcftools //')
    END_VERSIONS
    """
}
