process SAMTOOLS_FAIDX {
    tag "$fasta.name"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        'https://depot.galaxyproject.org/singularity/samtools:1.20--h50ea8bc_0' :
        'quay.io/biocontainers/samtools:1.20--h50ea8bc_0' }"

    input:
    path fasta

    output:
    path "*.fai"       , emit: fai
    path "versions.yml", emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    // samtools faidx refuses lines of different widths within a sequence (its message names the sequence,
    // not the fix) and indexes only the first of two sequences of one name, with a warning and exit 0
    """
    status=0
    samtools faidx $fasta 2> faidx.log || status=\$?
    cat faidx.log >&2
    if grep -q 'Different line length' faidx.log; then
        echo "ERROR ${fasta}: --fasta: \$(grep -o "Different line length in sequence '[^']*'" faidx.log | head -n 1): the lines of a sequence must all have one width (all but its last line), as samtools faidx and every tool reading the FASTA through its index need. Rewrap it, e.g. seqkit seq -w 60 ${fasta} > rewrapped.fa (or seqtk seq -l 60), and give that." >&2
        exit 1
    fi
    if grep -q 'Ignoring duplicate sequence' faidx.log; then
        echo "ERROR ${fasta}: --fasta: \$(grep -o 'duplicate sequence "[^"]*"' faidx.log | head -n 1): a sequence name occurs twice; the index would keep only the first, the aligner both. Give a FASTA with one sequence per name." >&2
        exit 1
    fi
    [ \$status -eq 0 ] || exit \$status

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        samtools: \$(samtools --version | head -n 1 | sed 's/^samtools //')
    END_VERSIONS
    """

    stub:
    """
    touch ${fasta}.fai
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        samtools: \$(samtools --version | head -n 1 | sed 's/^samtools //')
    END_VERSIONS
    """
}
