process SEX_CHECK {
    tag "cohort"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ task.ext.tools_container }"

    input:
    path samples                                   // samples.csv: sample,group,sex (given)
    path regions, stageAs: 'mosdepth/*'            // <sample>.regions.bed.gz of every sample
    path fai                                       // the reference's contigs (for the ploidy map)
    path windows                                   // windows.tsv of a windows reference, or []

    output:
    path "sex.tsv"          , emit: tsv
    path "cnv_map.bed"      , emit: cnv_map
    path "sex_check_mqc.tsv", emit: multiqc
    path "versions.yml"     , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    def window_arg = windows ? "--windows $windows" : ''
    // Sex from the chrX (outside the PARs) / autosome panel depth ratio, reconciled with the sex
    // given in the samplesheet; FreeBayes' --cnv-map makes the males haploid there (hlhscreen/sex.py).
    """
    sex_check.py \\
        --samplesheet $samples \\
        --mosdepth mosdepth \\
        --fai $fai \\
        $window_arg \\
        $args

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen)
    END_VERSIONS
    """

    stub:
    """
    touch sex.tsv cnv_map.bed sex_check_mqc.tsv
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
    \$(tool_versions.py python hlhscreen)
    END_VERSIONS
    """
}
