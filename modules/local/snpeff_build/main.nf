process SNPEFF_BUILD {
    tag "$gtf.name"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        'https://depot.galaxyproject.org/singularity/snpeff:5.1--hdfd78af_2' :
        'quay.io/biocontainers/snpeff:5.1--hdfd78af_2' }"

    input:
    path gtf                             // panel gene models (GENCODE-style GTF, bgzipped)
    tuple path(fasta), path(fai), path(gzi)  // GRCh38-coordinate FASTA

    output:
    path "snpeff_db"   , emit: db
    path "versions.yml", emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def memory = task.memory ? "-Xmx${(task.memory.toMega() * 0.8).intValue()}m" : ''
    // A database named "panel" built from the panel's own GTF and the reference: no download.
    // CDS/protein checks need transcript FASTAs we do not have; the GTF is already checked
    // against MANE protein lengths when the panel is built (docs/panels.md). Genes on contigs the
    // reference lacks (a region-subset reference) cannot be annotated and are left out, listed in the log.
    """
    mkdir -p snpeff_db/data/panel
    cut -f 1 $fai > contigs.txt
    zcat -f $gtf | awk -F '\t' 'NR == FNR { keep[\$1] = 1; next } /^#/ || (\$1 in keep)' contigs.txt - > snpeff_db/data/panel/genes.gtf
    zcat -f $gtf | awk -F '\t' 'NR == FNR { keep[\$1] = 1; next } !/^#/ && !(\$1 in keep) && \$3 == "gene"' contigs.txt - \\
        | grep -o 'gene_name "[^"]*"' | sed 's/^/left out, contig not in the reference: /' > snpeff_build.log || true
    # only the chromosomes that carry panel genes: a whole GRCh38 would be copied for nothing
    awk -F '\t' '!/^#/ { print \$1 }' snpeff_db/data/panel/genes.gtf | sort -u > gene_contigs.txt
    zcat -f $fasta | awk 'NR == FNR { keep[\$1] = 1; next } /^>/ { p = (substr(\$1, 2) in keep) } p' gene_contigs.txt - \\
        > snpeff_db/data/panel/sequences.fa
    printf 'data.dir = ./data/\\npanel.genome : hlhscreen panel\\n' > snpeff_db/snpEff.config
    cd snpeff_db
    snpEff $memory build -gtf22 -c snpEff.config -noCheckCds -noCheckProtein -v panel >> ../snpeff_build.log 2>&1
    rm data/panel/sequences.fa
    cd ..

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        snpeff: \$(snpEff -version 2>&1 | grep -v '^ ' | head -n 1 | cut -f 2)
    END_VERSIONS
    """

    stub:
    """
    mkdir -p snpeff_db/data/panel
    touch snpeff_db/snpEff.config snpeff_db/data/panel/snpEffectPredictor.bin
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        snpeff: \$(snpEff -version 2>&1 | grep -v '^ ' | head -n 1 | cut -f 2)
    END_VERSIONS
    """
}
