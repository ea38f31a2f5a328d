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
    // samtools faidx refuses lines of different widths within a sequence and indexes only the first of two
    // sequences of one name, with a warning and exit 0. Its messages name no fix, and a line wider than
    // the first is "Different line length in sequence '<name>'", but a sequence line after a shorter (or
    // blank) one is "Format error, unexpected "A" at line <n>" (htslib's fai_build_core).
    def widths = "the lines of a sequence must all have one width (all but its last line), with no blank line " +
        "inside it, as samtools faidx and every tool reading the FASTA through its index need. Rewrap it, e.g. " +
        "seqkit seq -w 60 ${fasta} > rewrapped.fa (or seqtk seq -l 60), and give that."
    """
    status=0
    samtools faidx $fasta 2> faidx.log || status=\$?
    cat faidx.log >&2
    if grep -q 'Different line length' faidx.log; then
        echo "ERROR ${fasta}: --fasta: \$(grep -o "Different line length in sequence '[^']*'" faidx.log | head -n 1): ${widths}" >&2
        exit 1
    fi
    if grep -q 'Format error, unexpected .* at line [0-9]' faidx.log; then
        line=\$(grep -o 'Format error, unexpected .* at line [0-9]*' faidx.log | head -n 1 | grep -o '[0-9]*\$')
        echo "ERROR ${fasta}:\$line: --fasta: sequence text after a shorter line or a blank line of the same sequence (or, at line 1, text before the first '>' header; samtools faidx: \$(grep -o 'Format error, unexpected .* at line [0-9]*' faidx.log | head -n 1)): ${widths}" >&2
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
