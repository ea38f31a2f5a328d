// VEP's cache-flavour options in ext.args (--refseq, --merged; Getopt::Long also reads them with one dash)
def vepFlavourOptions(args) {
    return (args ?: '').toString().trim().split(/\s+/).findAll { it ==~ /--?(refseq|merged)/ }
        .collect { it.replaceFirst(/^-+/, '') }.unique()
}

// Why ext.args' --refseq/--merged cannot run with --vep_cache_type (null when they can: none, or the same one).
// They choose the cache VEP reads and so its transcripts, but the start-up cache check, the report and the
// screening know the flavour from --vep_cache_type only: given in ext.args they would bypass all three.
def vepFlavourProblem(args, cacheType, String where) {
    def type = (cacheType ?: 'ensembl').toString()
    def others = vepFlavourOptions(args).findAll { it != type }
    if (!others) {
        return null
    }
    def fix = others.size() == 1 ?
        "give --vep_cache_type ${others[0]} (its cache, <species>_${others[0]}/, in the --vep_cache folder) and drop --${others[0]} from ext.args" :
        "VEP reads one cache: give --vep_cache_type refseq or merged and drop both from ext.args"
    return "${where}: passes VEP ${others.collect { '--' + it }.join(' ')}, but --vep_cache_type is ${type}: VEP would read " +
        "another cache (other transcripts) than the one the start-up check, the report and the screening take; ${fix}"
}

// ext.args without the flavour option --vep_cache_type already renders (a repeated --refseq changes nothing)
def vepArgsWithoutFlavour(args, cacheType) {
    def type = (cacheType ?: 'ensembl').toString()
    return (args ?: '').toString().replaceAll(/(^|\s)--?${type}(?=\s|$)/, '$1')
}

// The VEP command is rendered by one function so that -stub-run records exactly what would run
// (VEP is not installable on every machine; tests check the rendered command).
def vepCommand(Map opt) {
    // VEP reads <species>_refseq with --refseq, <species>_merged with --merged (start-up check: same folders)
    def flavour = [ensembl: '', refseq: '--refseq', merged: '--merged'][opt.cache_type ?: 'ensembl']
    // the start-up check refuses these too; an ext.args closure is only known here
    def problem = vepFlavourProblem(opt.args, opt.cache_type, 'ext.args of ENSEMBLVEP_VEP')
    if (problem) {
        throw new IllegalArgumentException(problem.toString())
    }
    def args = vepArgsWithoutFlavour(opt.args, opt.cache_type)
    def source = opt.cache ?
        "--offline --cache ${flavour} --dir_cache ${opt.cache} --cache_version ${opt.cache_version} --species ${opt.species} --assembly ${opt.assembly} --mane --check_existing --af_gnomade --af_gnomadg" :
        "--gtf ${opt.gtf}"
    def custom = opt.gnomad ?
        "--custom file=${opt.gnomad},short_name=gnomAD,format=vcf,type=exact,coords=0,fields=${opt.gnomad_fields}" : ''
    return [
        "vep --input_file ${opt.vcf} --output_file ${opt.prefix}.vep.vcf.gz --format vcf --vcf --compress_output bgzip",
        "--fasta ${opt.fasta} ${source} ${custom}",
        "--hgvs --symbol --canonical --numbers --biotype --variant_class --allele_number",
        "--fork ${opt.cpus} --stats_file ${opt.prefix}.vep_summary.html ${args}",
    ].collect { it.replaceAll(/ +/, ' ').trim() }.join(' \\\n    ')  // continuation lines keep the block's indentation
}

process ENSEMBLVEP_VEP {
    tag "cohort"
    label 'process_medium'

    conda "${moduleDir}/environment.yml"
    container "${ workflow.containerEngine in ['singularity', 'apptainer'] && !task.ext.singularity_pull_docker_container ?
        'https://depot.galaxyproject.org/singularity/ensembl-vep:113.0--pl5321h2a3209d_0' :
        'quay.io/biocontainers/ensembl-vep:113.0--pl5321h2a3209d_0' }"

    input:
    tuple path(vcf), path(tbi)
    tuple path(fasta), path(fai), path(gzi)
    path cache          // VEP cache folder, or [] for --gtf mode
    tuple path(gtf), path(gtf_tbi)    // panel gene models for --gtf mode, or [] with a cache
    tuple path(gnomad), path(gnomad_tbi)  // gnomAD sites VCF for --custom, or []
    val gnomad_fields   // e.g. AF%AF_afr%AF_nfe (fields of --custom)
    // of the cache (cache mode only); cache_files: a digest of every cache file's path, size and time, so
    // that -resume sees a cache changed in place (Nextflow hashes a folder by its own time only)
    tuple val(species), val(assembly), val(cache_version), val(cache_type), val(cache_files)

    output:
    tuple path("*.vep.vcf.gz"), path("*.vep.vcf.gz.tbi"), emit: vcf
    path "*.vep_summary.html"                           , emit: report
    path "versions.yml"                                 , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def prefix = task.ext.prefix ?: 'cohort'
    def command = vepCommand(vcf: vcf, fasta: fasta, cache: cache ?: null, gtf: gtf ?: null,
        gnomad: gnomad ?: null, gnomad_fields: gnomad_fields, cache_version: cache_version,
        species: species, assembly: assembly, cache_type: cache_type, cpus: task.cpus, prefix: prefix,
        args: task.ext.args ?: '')
    """
    $command
    tabix -p vcf ${prefix}.vep.vcf.gz

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        ensemblvep: \$(vep --help 2>&1 | sed -n 's/^ *ensembl-vep *: *//p')
    END_VERSIONS
    """

    stub:
    def prefix = task.ext.prefix ?: 'cohort'
    def command = vepCommand(vcf: vcf, fasta: fasta, cache: cache ?: null, gtf: gtf ?: null,
        gnomad: gnomad ?: null, gnomad_fields: gnomad_fields, cache_version: cache_version,
        species: species, assembly: assembly, cache_type: cache_type, cpus: task.cpus, prefix: prefix,
        args: task.ext.args ?: '')
    def VERSION = '113.0' // ensembl-vep pin of environment.yml; stubs do not run the tool
    """
    cat <<'END_COMMAND' > ${prefix}.vep.command.txt
    $command
    END_COMMAND
    echo -n | gzip > ${prefix}.vep.vcf.gz
    touch ${prefix}.vep.vcf.gz.tbi ${prefix}.vep_summary.html
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        ensemblvep: ${VERSION}
    END_VERSIONS
    """
}
