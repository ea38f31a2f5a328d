process FASTQC {
    tag "${meta.id}"
    label 'process_single'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        'https://depot.galaxyproject.org/singularity/fastqc:0.12.1--hdfd78af_0' :
        'quay.io/biocontainers/fastqc:0.12.1--hdfd78af_0' }"

    input:
    // every file of one sample (all its lanes), each in its own folder: equal names from different
    // folders stage without a clash and are refused below by name
    tuple val(meta), path(reads, stageAs: 'fastq?/*')

    output:
    tuple val(meta), path("*_fastqc.html"), emit: html
    tuple val(meta), path("*_fastqc.zip") , emit: zip
    path "versions.yml"                   , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    // One JVM per sample (its start costs ~2 s whatever the file size; one task per lane spent most of
    // a panel run there); --threads files at once. FastQC exits 0 when it cannot read a file: a
    // truncated gzip gives "Failed to process file", or, when the stream breaks while records are read,
    // a Java exception (java.io.EOFException) and yet "Analysis complete" with a report of the reads
    // before the break. Either fails the task, so a damaged FASTQ never passes with a missing or
    // partial report. The version is read from a report (no second JVM start).
    def names = reads.collect { it.toString().tokenize('/')[-1] }
    def clash = names.findAll { n -> names.count(n) > 1 }.unique()
    if (clash) {
        error("FASTQC ${meta.id}: several FASTQ files of this sample are named ${clash.join(', ')}; FastQC names its reports after the file, so they would overwrite each other. Give every lane's files distinct names in the samplesheet.")
    }
    """
    fastqc $args --threads $task.cpus --outdir . ${reads.join(' ')} 2> fastqc.log || { cat fastqc.log >&2; exit 1; }
    cat fastqc.log >&2
    if grep -qE 'Failed to process|Exception' fastqc.log; then
        echo "ERROR: FastQC could not read every file of ${meta.id} (see above)" >&2
        exit 1
    fi
    zips=\$(find . -maxdepth 1 -name '*_fastqc.zip' | wc -l)
    if [ "\$zips" -ne ${reads.size()} ]; then
        echo "ERROR: FastQC wrote \$zips reports for the ${reads.size()} files of ${meta.id}" >&2
        exit 1
    fi
    version=\$(grep -o -m 1 'FastQC</a> *(version [^)]*' \$(ls *_fastqc.html | head -n 1) | sed 's/.*version //')

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        fastqc: \${version:-unknown}
    END_VERSIONS
    """

    stub:
    """
    for r in ${reads.join(' ')}; do
        base=\$(basename "\$r" | sed -E 's/\\.(fastq|fq)\\.gz\$//')
        touch "\${base}_fastqc.html" "\${base}_fastqc.zip"
    done
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        fastqc: \$(fastqc --version | sed 's/^FastQC v//')
    END_VERSIONS
    """
}
