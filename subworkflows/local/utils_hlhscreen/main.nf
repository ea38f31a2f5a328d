/*
 * Pipeline start-up and completion helpers: parameter validation against nextflow_schema.json
 * (our own small validator: the nf-schema plugin cannot be downloaded offline); the samplesheet
 * (bin/check_samplesheet.py) and every other input file (bin/check_inputs.py: reference, panel,
 * whitelist, --impacts/--consequences, gnomAD) checked on the launch host before any task starts;
 * the run's parameters written to pipeline_info; and the software versions file.
 */

import groovy.json.JsonOutput
import groovy.transform.Field
import groovy.json.JsonSlurper
import org.yaml.snakeyaml.Yaml

include { vepFlavourOptions; vepFlavourProblem } from '../../../modules/local/ensemblvep_vep'

// The samplesheet's local FASTQs (set at start): the end of the run never moves them (finishOutdir).
@Field List<String> laneFastqs = []
// Written into --outdir before anything else, removed as the run's very last step (bin/finish_outdir.py).
@Field String RUN_INCOMPLETE = 'RUN_INCOMPLETE.txt'

// Flatten the schema's groups ($defs / definitions referenced by allOf) into name -> property.
def schemaProperties(schemaFile) {
    def schema = new JsonSlurper().parse(file(schemaFile, glob: false).toFile())
    def groups = (schema['$defs'] ?: schema.definitions ?: [:]) as Map
    def properties = [:]
    def required = []
    groups.each { name, group ->
        properties.putAll(group.properties ?: [:])
        required.addAll(group.required ?: [])
    }
    properties.putAll(schema.properties ?: [:])
    required.addAll(schema.required ?: [])
    return [properties: properties, required: required]
}

// Every problem is collected, then reported together, before anything runs.
def validateParameters(schemaFile) {
    def schema = schemaProperties(schemaFile)
    def errors = []
    def aliasesSeen = [] as Set
    params.each { String name, value ->
        if (name.contains('-') || name =~ /[A-Z]/) {
            // Nextflow turns --max-af into max-af and maxAf, never into max_af: the run would keep the default
            def problem = parameterSpellingProblem(name, schema.properties.keySet(), aliasesSeen)
            if (problem) {
                errors << problem
            }
            return
        }
        def spec = schema.properties[name]
        if (spec == null && name in ['max_cpus', 'max_memory', 'max_time']) {
            errors << "--${name}: no longer a parameter; set the caps of any task with process.resourceLimits in a config given with -c, e.g. process.resourceLimits = [cpus: 16, memory: 64.GB, time: 24.h] (docs/usage.md, Resources)"
            return
        }
        if (spec == null) {
            errors << unknownParameterProblem(name, name, schema.properties.keySet())
            return
        }
        if (value == null || value == '') {
            return
        }
        if ((value instanceof Collection || value instanceof Map) && !(spec.type in ['array', 'object'])) {
            // a YAML/JSON list in a -params-file (genes: [PRF1, UNC13D]) where one value is expected
            errors << "--${name}: a ${value instanceof Map ? 'mapping' : 'list'} (${value}) where one value is expected" +
                (spec.description ? " (${spec.description})" : '') + "; in a -params-file write one value, e.g. ${name}: ${value instanceof Map ? 'value' : (value ? value[0] : 'value')}"
            return
        }
        if (value instanceof Boolean && !(spec.type == 'boolean' || (spec.type instanceof List && 'boolean' in spec.type))) {
            // `--input ''` or a bare `--max_af` reaches us as true
            errors << "--${name}: no value given. Give one after --${name}" + (spec.description ? " (${spec.description})" : '')
            return
        }
        switch (spec.type) {
            case 'integer':
                if (!(value instanceof Integer || value instanceof Long) && !(value.toString() ==~ /-?\d+/)) {
                    errors << "--${name}: '${value}' is not an integer"
                }
                break
            case 'number':
                if (!(value instanceof Number) && !(value.toString().isBigDecimal())) {
                    errors << "--${name}: '${value}' is not a number"
                }
                break
            case 'boolean':
                if (!(value instanceof Boolean)) {
                    // "false" in quotes in a -params-file is text, and any text counts as true
                    errors << "--${name}: '${value}' is not true or false" +
                        (value.toString().toLowerCase() in ['true', 'false'] ? " but text (quoted in a -params-file?): write ${value.toString().toLowerCase()} without quotes" : '')
                }
                break
        }
        if (spec.enum && !(value.toString() in spec.enum*.toString())) {
            errors << "--${name}: '${value}' is not one of ${spec.enum.join(', ')}"
        }
        if (spec.minimum != null && value.toString().isBigDecimal() && value.toString().toBigDecimal() < (spec.minimum as BigDecimal)) {
            errors << "--${name}: ${value} is below the minimum ${spec.minimum}"
        }
        if (spec.maximum != null && value.toString().isBigDecimal() && value.toString().toBigDecimal() > (spec.maximum as BigDecimal)) {
            errors << "--${name}: ${value} is above the maximum ${spec.maximum}"
        }
        if (spec.pattern && !(value.toString() ==~ spec.pattern)) {
            // the schema says in words what the pattern wants (errorMessage); the pattern is for tools
            errors << "--${name}: '${value}' " + (spec.errorMessage ?: "is not in the expected form (${spec.pattern})")
        }
        def unnameable = spec.format in ['file-path', 'directory-path', 'path'] ? pathEncodingProblem(value.toString()) : null
        if (unnameable) {
            errors << "--${name}: ${value}: ${unnameable}"
            return
        }
        if (spec.exists && spec.format in ['file-path', 'directory-path', 'path']) {
            if (!file(value.toString(), glob: false).exists()) {  // [ ] * ? in a path are names, not a pattern
                // the shell expands ~ and $HOME on a command line, but not in a -params-file or quotes
                def unexpanded = value.toString() ==~ /^~.*|.*\$\{?[A-Za-z_].*/ ?
                    " (~ and \$VARIABLES are not expanded in a -params-file or in quotes: write the full path, e.g. ${value.toString().replaceFirst(/^~(?=\/|$)/, System.getProperty('user.home'))})" : ''
                errors << "--${name}: ${value} does not exist" + unexpanded
            }
        }
        // --outdir is written by Nextflow itself, never staged into a task
        def pattern = name != 'outdir' && spec.format in ['file-path', 'directory-path', 'path'] &&
            !(spec.exists && !file(value.toString(), glob: false).exists()) ? stagingPatternProblem(value.toString()) : null
        if (pattern) {
            errors << "--${name}: ${value}: ${pattern}"
        }
    }
    schema.required.each { name ->
        if (params[name] == null || params[name] == '') {
            def spec = schema.properties[name] ?: [:]
            errors << "--${name}: required parameter is missing" + (spec.description ? " (${spec.description})" : '')
        }
    }
    errors.addAll(combinationErrors())
    def unused = unusedScreeningParameters(schema.properties)
    if (unused) {
        log.warn("--skip_screening: ${unused.collect { "--${it}" }.join(', ')} set, but not used in this run: nothing is " +
            "annotated, screened, tested or reported (alignment, coverage QC and calling only). Drop them, or drop " +
            "--skip_screening to screen with them (values set in a profile or -params-file count too)")
    }
    def linkProblem = hardLinkProblem()
    if (linkProblem) {
        errors << linkProblem
    }
    if (errors) {
        error("Invalid parameters:\n  " + errors.join('\n  '))
    }
}

// Java names files in the encoding of the locale Nextflow was started under (sun.jnu.encoding). Under
// the C/POSIX locale (LANG and LC_ALL unset: cron, a bare batch job, many container images) that is
// ASCII, and a path with é or ü cannot even be looked at ("Malformed input or input contains
// unmappable characters", with no file named). Null when the path can be named.
def pathEncodingProblem(String path) {
    def encoding = System.getProperty('sun.jnu.encoding') ?: 'UTF-8'
    def encoder = java.nio.charset.Charset.forName(encoding).newEncoder()
    if (encoder.canEncode(path)) {
        return null
    }
    def odd = path.toList().findAll { !encoder.canEncode(it) }.unique().join(' ')
    return "holds characters (${odd}) that Java cannot put in a file name under this locale (file names in " +
        "${encoding}: LANG/LC_ALL unset or C). Start Nextflow under a UTF-8 locale (export LC_ALL=C.UTF-8) or use plain folder names"
}

// Nextflow links each input file into its task folder with an unquoted shell command (ln -s <path>; its
// escaping leaves * ? [ ] { } as they are), so the shell reads them as a pattern: win[1]/windows.tsv
// stages win1/windows.tsv when that exists, another file without a word. Null for a remote path
// (downloaded first) or one without them.
def stagingPatternProblem(String path) {
    if (!(path =~ /[*?\[\]{}]/) || launchHostPath(path) == null) {
        return null
    }
    return "holds one of * ? [ ] { }, which the shell command that links input files into each task reads as a " +
        "pattern (win[1]/x.tsv would stage win1/x.tsv if that exists: another file, without a word). Rename the " +
        "file or folder, or give a link with a plain name (ln -s '<path>' plain_name)"
}

// A parameter written in kebab-case or camelCase (--max-af, maxAf in a -params-file): all the pipeline's
// parameters are snake_case and Nextflow does not map the one onto the other, so such a value would be
// ignored in silence. Named once per parameter (Nextflow keeps both max-af and maxAf of one --max-af).
def parameterSpellingProblem(String name, Collection<String> known, Set<String> seen) {
    def snake = name.replace('-', '_').replaceAll(/([A-Z])/, '_$1').toLowerCase()
    if (!seen.add(snake)) {
        return null
    }
    if (snake in known) {
        return "--${name}: not read as --${snake} (this pipeline's parameters are written with '_', and Nextflow " +
            "does not turn '-' or camelCase into '_', so the run would keep the default of --${snake}): write --${snake}"
    }
    return unknownParameterProblem(name, snake, known)
}

// The one message for a parameter the pipeline does not have, as written (--min-dpp, minDpp or min_dpp),
// with the known one nearest its snake_case form when one is close.
def unknownParameterProblem(String written, String snake, Collection<String> known) {
    def near = closestParameter(snake, known)
    return "--${written}: unknown parameter" + (near ? " (did you mean --${near}?)" : '') +
        " (see nextflow_schema.json or docs/usage.md for the valid ones)"
}

// The declared parameter a typo most likely meant: the one at most 2 edits (Levenshtein) from the snake_case
// name, or null.
def closestParameter(String snake, Collection<String> known) {
    def distance = { String a, String b ->
        def previous = (0..b.length()).toList()
        a.eachWithIndex { ca, i ->
            def current = [i + 1]
            b.eachWithIndex { cb, j ->
                current << [previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1)].min()
            }
            previous = current
        }
        previous[b.length()]
    }
    def best = known.collect { [it, distance(snake, it)] }.min { it[1] }
    return best && best[1] <= 2 ? best[0] : null
}

// `--help`: the parameters by group from nextflow_schema.json (the schema is the one description of
// them); `--help <name>`: everything the schema says of one parameter. Hidden parameters are left out
// of the list (they are shown by name).
def helpMessage(schemaFile, topic) {
    def schema = new JsonSlurper().parse(file(schemaFile, glob: false).toFile())
    def groups = (schema['$defs'] ?: schema.definitions ?: [:]) as Map
    def properties = schemaProperties(schemaFile).properties
    def shown = { value -> value instanceof List ? value.join(', ') : value.toString() }
    if (topic instanceof CharSequence && topic.toString()) {
        def name = topic.toString().replaceFirst(/^--/, '')
        def spec = properties[name]
        if (spec == null) {
            error("--help ${name}: no such parameter. Run with --help alone to list them.")
        }
        def lines = ["--${name}", "    ${spec.description ?: ''}"]
        ['type', 'default', 'enum', 'minimum', 'maximum', 'format', 'pattern', 'mimetype', 'schema'].each { key ->
            if (spec[key] != null) {
                lines << "    ${key}: ${shown(spec[key])}"
            }
        }
        if (spec.errorMessage) {
            lines << "    when invalid: ${spec.errorMessage}"
        }
        return lines.join('\n')
    }
    def lines = [
        "${workflow.manifest.name} ${workflow.manifest.version}: ${workflow.manifest.description}",
        '',
        'Usage:',
        '    nextflow run hlhscreen -profile <docker|singularity|apptainer|conda>[,slurm] \\',
        '        --input samplesheet.csv --fasta GRCh38.fa --gnomad_vcf gnomad.sites.vcf.gz --outdir results',
        '',
        '`--help <parameter>` shows one parameter in full; docs/usage.md explains them all.',
    ]
    groups.each { key, group ->
        def visible = (group.properties ?: [:]).findAll { name, spec -> !spec.hidden }
        if (!visible) {
            return
        }
        lines << '' << "${group.title}:"
        visible.each { name, spec ->
            def notes = []
            if (name in (group.required ?: [])) {
                notes << 'required'
            }
            if (spec.default != null && spec.default != '') {
                notes << "default: ${shown(spec.default)}"
            }
            if (spec.enum) {
                notes << "one of: ${shown(spec.enum)}"
            }
            lines << "    --${name.padRight(28)} ${spec.description ?: ''}${notes ? ' [' + notes.join('; ') + ']' : ''}"
        }
    }
    return lines.join('\n')
}

def isNumber(value) {
    return value != null && !(value instanceof Boolean) && value.toString().isBigDecimal()
}

// Rules that involve several parameters at once.
def combinationErrors() {
    def errors = []
    // an index of the other aligner would be ignored without a word, and the index rebuilt (hours on GRCh38)
    if (params.bwa_index && params.aligner != 'bwa') {
        errors << "--bwa_index: used only with --aligner bwa (now '${params.aligner}'); add --aligner bwa to align with it, or give --bwamem2_index"
    }
    if (params.bwamem2_index && params.aligner != 'bwa-mem2') {
        errors << "--bwamem2_index: used only with --aligner bwa-mem2 (now '${params.aligner}'); drop --aligner ${params.aligner} to align with it, or give --bwa_index"
    }
    // the QC thresholds are percentages: 0.9 meant as 90 % would flag no sample at all (QC runs with
    // --skip_screening too)
    ['min_pct_20x', 'min_pct_mapped', 'min_pct_on_target'].each { name ->
        def value = params[name]?.toString()
        if (value?.isBigDecimal() && value.toBigDecimal() > 0 && value.toBigDecimal() < 1) {
            errors << "--${name}: ${value} is a percentage (0-100), so it flags only samples below ${value} %: did you mean ${(value.toBigDecimal() * 100).stripTrailingZeros().toPlainString()}? (0 switches the flag off)"
        }
    }
    if (panelInUse()) {
        // a panel is used (screening, or calling on its targets with --skip_screening and no --intervals)
        if ((params.genes && !params.gtf) || (params.gtf && !params.genes)) {
            errors << "--genes and --gtf: give both to build a custom panel (or neither, and use --panel)"
        }
        if (params.genes && params.panel != 'hlh') {
            errors << "--panel: not used when a panel is built from --genes/--gtf; drop one of them"
        }
    } else {
        // --skip_screening --intervals: calling and coverage use the intervals, no panel at all
        ['genes', 'gtf'].findAll { params[it] }.each { name ->
            errors << "--${name}: not used with --skip_screening and --intervals (calling and coverage use the intervals); drop one of them"
        }
        if (params.panel != 'hlh') {
            errors << "--panel: not used with --skip_screening and --intervals (calling and coverage use the intervals); drop one of them"
        }
    }
    if (params.skip_screening) {
        // nothing is annotated or screened: the annotation and screening parameters are not used (a warning)
        return errors
    }
    if (isNumber(params.max_af) && isNumber(params.common_af) &&
            params.common_af.toString().toBigDecimal() > params.max_af.toString().toBigDecimal()) {
        // variants above --max_af are dropped first, so the common-variant rule would never apply (swapped values?)
        errors << "--common_af: ${params.common_af} is above --max_af ${params.max_af}: the whitelist-only band between them would be empty and --common_af would have no effect; were the two swapped? (the study: --max_af 0.04 --common_af 0.01)"
    }
    if (params.annotator == 'offline' && !params.gnomad_vcf) {
        errors << "--gnomad_vcf: required with --annotator offline (the screening filters on gnomAD frequencies; without them every variant would look novel)"
    }
    if (params.annotator == 'vep' && !params.vep_cache && !params.gnomad_vcf) {
        errors << "--gnomad_vcf: required with --annotator vep when no --vep_cache is given (the GTF mode has no frequencies of its own)"
    }
    if (params.vep_cache_type != 'ensembl' && !(params.annotator == 'vep' && params.vep_cache)) {
        // VEP's --refseq/--merged choose a cache folder: without a cache they would change nothing, silently
        errors << "--vep_cache_type ${params.vep_cache_type}: only used with --annotator vep and --vep_cache (the RefSeq/merged cache folder)"
    }
    if (params.vep_cache && params.annotator != 'vep') {
        errors << "--vep_cache: only used with --annotator vep (now '${params.annotator}')"
    }
    errors.addAll(vepExtArgsErrors())
    if (params.keep_clinvar_pathogenic && !params.clinvar_vcf) {
        errors << "--keep_clinvar_pathogenic: needs --clinvar_vcf (the classifications come from the ClinVar VCF)"
    }
    return errors
}

// Parameters read only by annotation, screening, the statistics or the report (and --risk_factors, the
// screening whitelist): with --skip_screening none of those steps runs. --min_dp stays out (MOSDEPTH's
// thresholds), as do the panel and QC parameters, and --vep_rest_cache (a cache folder, whose default is set
// in nextflow.config from the launch folder, not in the schema).
def screeningOnlyParameters() {
    return [
        'annotator', 'gnomad_vcf', 'gnomad_fields', 'vep_cache', 'vep_cache_version', 'vep_cache_type', 'vep_species',
        'vep_assembly', 'vep_rest_server', 'clinvar_vcf', 'risk_factors',
        'max_af', 'common_af', 'af_source', 'af_fields', 'impacts', 'consequences', 'whitelist_overrides_max_af',
        'keep_clinvar_pathogenic', 'clinvar_min_stars', 'min_qual', 'min_gq', 'min_gene_callable', 'conf_level',
    ]
}

// With --skip_screening: the screening-only parameters set to other than their default (schema), else [].
def unusedScreeningParameters(Map properties) {
    if (!params.skip_screening) {
        return []
    }
    return screeningOnlyParameters().findAll { name ->
        def value = params[name]
        def fallback = properties[name]?.default
        value != null && value != '' && value.toString() != (fallback == null ? '' : fallback.toString()) &&
            !(isNumber(value) && isNumber(fallback) && value.toString().toBigDecimal() == fallback.toString().toBigDecimal())
    }
}

// VEP --refseq/--merged given in ext.args (a -c config) instead of --vep_cache_type: refused at start, as they
// would bypass the cache check, the report and the screening (ENSEMBLVEP_VEP's vepFlavourProblem). The REST
// client has no such option: it annotates with Ensembl transcripts (the study's).
def vepExtArgsErrors() {
    def errors = []
    if (params.annotator == 'vep') {
        configuredExtArgs('ENSEMBLVEP_VEP').each { where, args ->
            def problem = vepFlavourProblem(args, params.vep_cache_type, where)
            if (problem) {
                errors << problem
            }
        }
    } else if (params.annotator == 'vep_rest') {
        configuredExtArgs('VEP_REST').each { where, args ->
            def named = vepFlavourOptions(args)
            if (named) {
                errors << "${where}: passes ${named.collect { '--' + it }.join(' ')}, which the REST client (vep_rest.py) does not take: it annotates with Ensembl transcripts. For RefSeq transcripts use --annotator vep --vep_cache <folder> --vep_cache_type ${named[0]}"
            }
        }
    }
    return errors
}

// The ext.args a config gives a process (by its simple name, or qualified HLHSCREEN:ANNOTATE:<name>), as
// [where, text]: process.ext.args and every withName selector that matches (a regular expression; '!' negates).
// A closure is evaluated when it needs no task; one that does is checked when the task renders its command.
def configuredExtArgs(String name) {
    def process = workflow.session.config.process
    def found = []
    if (!(process instanceof Map)) {
        return found
    }
    def names = [name, "HLHSCREEN:ANNOTATE:${name}".toString()]
    def add = { where, value ->
        def text = value
        if (value instanceof Closure) {
            try {
                text = value.call()
            } catch (Throwable ignored) {
                text = null
            }
        }
        if (text != null) {
            found << [where, text.toString()]
        }
    }
    if (process.ext instanceof Map && process.ext.args != null) {
        add('process.ext.args', process.ext.args)
    }
    process.each { key, value ->
        def selector = key.toString()
        if (selector.startsWith('withName:') && value instanceof Map && value.ext instanceof Map && value.ext.args != null) {
            def pattern = selector.substring('withName:'.length())
            def negated = pattern.startsWith('!')
            def regex = negated ? pattern.substring(1) : pattern
            def matched = false
            try {
                matched = names.any { it ==~ regex }
            } catch (java.util.regex.PatternSyntaxException ignored) {
                matched = false
            }
            if (matched != negated) {
                add("ext.args of withName: '${pattern}'", value.ext.args)
            }
        }
    }
    return found
}

// Run one of bin/'s standard-library checks on the launch host, before any task: the python3 on PATH
// (no container). Its WARNING lines are passed on; a failure stops the run with its ERROR lines.
def runLaunchHostCheck(String script, List<String> args, String failure) {
    def python = launchHostPython()
    if (!python) {
        error("python3 is needed on the launch host to check the inputs before the run (standard library only)")
    }
    def proc = ([python, "${projectDir}/bin/${script}".toString()] + args).execute()
    def stdout = new StringBuffer(), stderr = new StringBuffer()
    proc.waitForProcessOutput(stdout, stderr)
    def problems = stderr.toString().readLines()
    problems.findAll { it.startsWith('WARNING') }.each { log.warn(it - ~/^WARNING\s*/) }
    if (proc.exitValue() != 0) {
        error("${failure}; nothing was run.\n" + problems.findAll { !it.startsWith('WARNING') }.join('\n').trim())
    }
    return stdout.toString().trim()
}

// The python3 (or python) on the launch host's PATH, or null.
def launchHostPython() {
    return ['python3', 'python'].find { cmd ->
        try { return [cmd, '--version'].execute().waitFor() == 0 } catch (IOException e) { return false }
    }
}

// A local path for the launch-host checks, or null for a remote file (s3://, https://: staged later).
def launchHostPath(value) {
    if (!value) {
        return null
    }
    def path = file(value.toString(), glob: false)
    return path.scheme == 'file' ? path.toString() : null
}

// bin/check_samplesheet.py on the launch host; the validated lanes as maps. A remote samplesheet
// (https://, s3://, ...) is read through Nextflow into a local copy: its relative FASTQ paths are
// URLs beside it, and messages name its URL. FASTQ URLs are staged by Nextflow for the tasks; each
// must exist before anything runs.
def validatedLanes(samplesheet) {
    def out = File.createTempFile('hlhscreen_samplesheet', '.json')
    def copy = null
    def name = samplesheet.scheme == 'file' ? samplesheet.toString() : samplesheet.toUriString()
    try {
        def args = [samplesheet.toString(), '--out', out.toString()]
        if (samplesheet.scheme != 'file') {
            copy = File.createTempFile('hlhscreen_input', '.csv')
            copy.bytes = samplesheet.bytes
            args = [copy.toString(), '--out', out.toString(), '--display-name', name,
                    '--base-url', name.substring(0, name.lastIndexOf('/') + 1)]
        }
        if (params.skip_screening) {
            args << '--single-group'  // no cohort comparison: cases alone (or controls alone) are fine
        }
        log.info(runLaunchHostCheck('check_samplesheet.py', args.collect { it.toString() }, 'Samplesheet check failed'))
        // JSON, not CSV: a FASTQ path may hold a comma
        def lanes = new JsonSlurper().parse(out) as List<Map>
        def missing = []
        lanes.each { row ->
            ['fastq_1', 'fastq_2'].each { field ->
                def unnameable = pathEncodingProblem(row[field].toString()) ?: stagingPatternProblem(row[field].toString())
                if (unnameable) {
                    missing << "ERROR ${name}:${row.line}: ${field}: ${row[field]}: ${unnameable}."
                    return
                }
                def fastq = file(row[field], glob: false)
                if (fastq.scheme != 'file' && !fastq.exists()) {
                    missing << "ERROR ${name}:${row.line}: ${field}: FASTQ file not found: ${row[field]}. Check the URL and your access to it."
                }
            }
        }
        if (missing) {
            error("Samplesheet check failed; nothing was run.\n" + missing.join('\n'))
        }
        return lanes
    } finally {
        out.delete()
        copy?.delete()
    }
}

// Whether the run uses a gene panel: always when it screens; a run stopped after calling
// (--skip_screening) with capture targets (--intervals) calls and measures coverage on those instead.
def panelInUse() {
    return !params.skip_screening || !params.intervals
}

// The files of a panel folder (docs/panels.md), by role.
def panelFileNames() {
    return [
        regions: 'regions.bed', targets: 'targets.bed', genes: 'genes.tsv', risk_factors: 'risk_factors.tsv',
        gene_models: 'gene_models.gtf.gz', gene_models_tbi: 'gene_models.gtf.gz.tbi',
    ]
}

// --panel is a name under panels/ (default 'hlh') or a path to a panel folder.
def resolvePanel(String panel) {
    def dir = (panel ==~ /[A-Za-z0-9_.-]+/ && file("${projectDir}/panels/${panel}").isDirectory()) ?
        file("${projectDir}/panels/${panel}") : file(panel, glob: false)
    if (!dir.isDirectory()) {
        error("--panel ${panel}: neither a panel name under ${projectDir}/panels nor a folder")
    }
    def files = panelFileNames().collectEntries { key, name -> [key, dir.resolve(name)] }
    def missing = files.findAll { key, path -> !path.exists() }.collect { key, path -> path.name }
    if (missing) {
        error("--panel ${panel}: the panel folder ${dir} lacks ${missing.join(', ')} (see docs/panels.md)")
    }
    if (params.risk_factors) {
        files.risk_factors = file(params.risk_factors, checkIfExists: true, glob: false)
    }
    return files
}

// The index beside a sites VCF (--gnomad_vcf, --clinvar_vcf): .tbi, else .csi (the start-up check requires one).
def siteIndex(String vcf) {
    def tbi = file("${vcf}.tbi", glob: false)
    return tbi.exists() ? tbi : file("${vcf}.csi", glob: false)
}

def gnomadIndex(String vcf) {
    return siteIndex(vcf)
}

// bin/check_inputs.py on the launch host: reference, panel BEDs, whitelist, --impacts/--consequences and
// the gnomAD and ClinVar files, with the same readers (and messages) the steps use later (docs/usage.md).
def checkInputs() {
    def args = []
    def optional = [
        '--fasta': params.fasta, '--fasta-fai': params.fasta_fai, '--reference-windows': params.reference_windows,
        '--impacts': params.impacts, '--consequences': params.consequences,
        '--af-fields': params.af_fields, '--af-source': params.af_source,
    ]
    if (launchHostPath(params.fasta) == null) {
        // a remote reference: its contigs (and the panel's place on it) are checked by PANEL_TO_REFERENCE
        optional.remove('--fasta-fai')
        optional.remove('--reference-windows')
    }
    if (!panelInUse()) {
        // a validation run on --intervals uses no panel (nothing to check)
    } else if (!params.genes) {
        // a --genes panel is built by a task; its BEDs are checked by PANEL_TO_REFERENCE
        def panel = resolvePanel(params.panel)
        optional += ['--regions': panel.regions, '--targets': panel.targets, '--risk-factors': panel.risk_factors]
    } else if (params.risk_factors) {
        optional['--risk-factors'] = params.risk_factors
    }
    if (params.gnomad_vcf && params.annotator != 'vep_rest' && !params.skip_screening) {
        optional['--gnomad-vcf'] = params.gnomad_vcf
    }
    if (params.intervals) {
        optional['--intervals'] = params.intervals
    }
    if (params.clinvar_vcf && !params.skip_screening) {
        // ClinVar is read by ANNOTATE, which --skip_screening does not run
        optional['--clinvar-vcf'] = params.clinvar_vcf
    }
    optional.each { flag, value ->
        // settings, not files: checked as the steps get them from conf/modules.config ("${value}"), '' (a choice
        // for --impacts) and an empty value in a -params-file too (null, which the steps read as the word null:
        // before, the start checked the default instead and ANNOTATION_SUMMARY failed after the alignment)
        def text = flag in ['--impacts', '--consequences', '--af-fields', '--af-source']
        if (!text && (value == null || value == '')) {
            return
        }
        def local = text ? "${value}".toString() : launchHostPath(value)
        if (local != null) {
            args += [flag, local]
        }
    }
    if (params.annotator == 'vep' && params.vep_cache) {
        args << '--gnomad-optional'
        // VEP reads <cache>/<species>/<version>_<assembly>: a wrong folder would stop VEP only after calling
        def cache = launchHostPath(params.vep_cache)
        if (cache != null) {
            args += ['--vep-cache', cache, '--vep-species', params.vep_species.toString(),
                     '--vep-cache-version', params.vep_cache_version.toString(), '--vep-assembly', params.vep_assembly.toString(),
                     '--vep-cache-type', params.vep_cache_type.toString()]
        }
    }
    if (params.annotator == 'offline') {
        // bcftools annotate matches whole gnomAD records: a multi-allelic one would attach to no variant
        args << '--gnomad-exact-records'
    }
    if (params.harmonise_contigs) {
        args << '--harmonise-contigs'
    }
    // a prebuilt aligner index is compared with the reference's contigs (bwa would align to its own genome)
    def alignerIndex = launchHostPath(params.aligner == 'bwa' ? params.bwa_index : params.bwamem2_index)
    if (launchHostPath(params.fasta) != null) {
        args += ['--aligner', params.aligner.toString()]
    }
    if (alignerIndex != null && launchHostPath(params.fasta) != null) {
        args += ['--aligner-index', alignerIndex]
    }
    // ALT contigs without a bwa ALT file are warned about (reads there get MAPQ 0: not covered)
    def alt = referenceAltFile()
    if (alt != null && launchHostPath(alt.toString()) != null) {
        args += ['--reference-alt', alt.toString()]
    }
    log.info(runLaunchHostCheck('check_inputs.py', args, 'Input check failed'))
}

// The bwa ALT file beside --fasta, or null: <fasta>.alt (bwakit: hs38DH.fa.alt), <fasta>.64.alt (the GATK
// bundle: Homo_sapiens_assembly38.fasta.64.alt), the same without .gz, or <name without .fa/.fasta/.fna>.alt.
// The index the pipeline builds gets it as <prefix>.alt, which makes bwa mem / bwa-mem2 ALT-aware.
def referenceAltFile() {
    if (!params.fasta || params.reference_windows) {
        return null  // windows are cut from the primary chromosomes: no ALT contigs
    }
    def fasta = params.fasta.toString()
    def plain = fasta.replaceAll(/\.gz$/, '')
    def stem = plain.replaceAll(/\.(fa|fasta|fna)$/, '')
    def names = [fasta + '.alt', fasta + '.64.alt', plain + '.alt', plain + '.64.alt', stem + '.alt'].unique()
    return names.collect { file(it, glob: false) }.find { it.exists() && !it.isDirectory() }
}

// The run's parameters as JSON (aliases such as kebab-case copies left out; keys sorted).
def paramsJsonText(List<String> exclude = []) {
    return JsonOutput.prettyPrint(JsonOutput.toJson(new TreeMap(params.findAll { k, v -> !k.contains('-') && !(k in exclude) })))
}

// pipeline_info/params.json, written by every run at its start: provenance always describes the run
// that wrote it, also after -resume with other parameters (a cached collectFile(storeDir:) did not).
// It also marks the run's start in --outdir: files older than it are an earlier run's (finishOutdir).
def writeParamsJson() {
    if (workflow.preview) {
        return  // -preview runs no task and publishes nothing: --outdir is left as it is
    }
    def target = file("${params.outdir}/pipeline_info/params.json", glob: false)
    writeRunIncomplete()
    if (target.exists()) {
        log.warn("--outdir ${params.outdir} holds the results of an earlier run: files this run writes replace " +
            "theirs, and the earlier files it does not write again (other samples, panel, annotator, steps) are " +
            "moved to ${params.outdir}/earlier_runs/ when this run finishes, so that the folder holds " +
            "one run's results (docs/output.md)")
    }
    try {
        target.parent.mkdirs()
        // the manifest says a run finished and lists its files: until this one does, there is none
        file("${params.outdir}/pipeline_info/manifest.tsv", glob: false).delete()
        target.text = paramsJsonText() + '\n'
    } catch (IOException e) {
        error(outdirProblem(target, unwritableReason(target.parent) ?: ioCause(e)))
    }
}

// <outdir>/RUN_INCOMPLETE.txt, written before anything else and removed only when the run has finished
// every step, its last included: a folder that has it is not one finished run's results. It names the
// run, so a second run into the same --outdir while this one is under way is refused (it would take
// this run's results for an earlier run's and move them away when it finishes).
def writeRunIncomplete() {
    def marker = file("${params.outdir}/${RUN_INCOMPLETE}", glob: false)
    if (marker.exists()) {
        def other = runUnderWay(marker)
        if (other) {
            error("--outdir ${params.outdir}: another run (${other.run_name}, started ${other.started}, process ${other.pid} " +
                "on this host) is writing into it now. Two runs into one --outdir would move each other's results " +
                "away; wait until that run ends or give another --outdir. (If no such run is under way, delete ${marker}.)")
        }
        log.warn("--outdir ${params.outdir}: the earlier run there did not finish (${marker} is left: " +
            marker.text.readLines().findAll { it.startsWith('run_name: ') || it.startsWith('host: ') }.join(', ') +
            "). If that run is still under way on another host, stop this one: two runs into one --outdir move each other's results away.")
    }
    def started = ProcessHandle.current().info().startInstant()
    def text = """        This folder does NOT hold the finished results of one run: the hlhscreen run below is under way, failed,
        or could not do its last step (moving earlier runs' files to earlier_runs/, writing pipeline_info/manifest.tsv).
        A run removes this file as its very last step, once it has finished. See the run's log (.nextflow.log in
        its launch folder); rerun with -resume to finish it.
        run_name: ${workflow.runName}
        started: ${workflow.start}
        host: ${launchHostName()}
        pid: ${ProcessHandle.current().pid()}
        process_start_ms: ${started.present ? started.get().toEpochMilli() : 'NA'}
        launch_dir: ${workflow.launchDir}
        command: ${workflow.commandLine}
        """.stripIndent()
    try {
        marker.parent.mkdirs()
        marker.text = text
    } catch (IOException e) {
        error(outdirProblem(marker, unwritableReason(marker.parent) ?: ioCause(e)))
    }
}

// The kernel's name of this host (what `hostname` and Python's socket.gethostname() say), read without a
// name-service look-up: InetAddress.getLocalHost() throws on a host whose own name does not resolve (no
// /etc/hosts line, no DNS answer), and HOSTNAME is a shell variable that is often not exported, so two runs
// on one host could name it differently (and a second run into a live run's --outdir was not refused).
def launchHostName() {
    try {
        def kernel = new File('/proc/sys/kernel/hostname')
        def name = kernel.canRead() ? kernel.text.trim() : ''
        if (name) {
            return name
        }
        return java.net.InetAddress.getLocalHost().getHostName()
    } catch (Exception e) {
        return System.getenv('HOSTNAME') ?: 'unknown'
    }
}

// The fields of a RUN_INCOMPLETE.txt whose run is still alive on this host (same process id and start
// time: a reused id is another process), or null.
def runUnderWay(marker) {
    def fields = marker.text.readLines().findAll { it ==~ /[a-z_]+: .*/ }.collectEntries { line ->
        def parts = line.split(': ', 2)
        [parts[0], parts[1]]
    }
    if (!(fields.pid ==~ /\d+/) || !(fields.process_start_ms ==~ /\d+/) || fields.host != launchHostName()) {
        return null
    }
    def handle = ProcessHandle.of(fields.pid as long)
    if (!handle.present || handle.get().pid() == ProcessHandle.current().pid()) {
        return null
    }
    def started = handle.get().info().startInstant()
    return started.present && Math.abs(started.get().toEpochMilli() - (fields.process_start_ms as long)) < 2000 ? fields : null
}

// Nextflow exits 0 whatever a workflow.onComplete handler does (an exception there is only logged, and
// System.exit leaves the -resume cache unclosed). It exits 1 when the session is not successful, which it
// checks after closing the cache: marking the session cancelled fails the run and keeps -resume working.
def markRunFailed() {
    try {
        workflow.session.@cancelled = true
    } catch (Exception e) {
        log.error("(this Nextflow version does not let the run's exit status be set: it may exit 0 all the same)")
    }
}

// workflow.onComplete: a finished run moves the files of earlier runs it did not write again out of
// --outdir's result folders (to earlier_runs/<start>_<run name>/) and lists its own files with their
// SHA-256 in pipeline_info/manifest.tsv (bin/finish_outdir.py; Nextflow has finished publishing by
// then). An unfinished run says what its folder holds.
def finishOutdir() {
    def outdir = file(params.outdir, glob: false)
    def marker = file("${params.outdir}/pipeline_info/params.json", glob: false)
    if (params.help || workflow.preview || !marker.exists()) {
        return
    }
    if (!workflow.success) {
        if (workflow.stats.succeededCount + workflow.stats.cachedCount > 0) {
            log.warn("--outdir ${params.outdir}: this run did not finish, so the folder holds its partial results and " +
                "possibly files of an earlier run; it has no pipeline_info/manifest.tsv (written only when a run " +
                "finishes) and keeps ${RUN_INCOMPLETE}. Fix the cause and rerun with -resume.")
        }
        return
    }
    if (outdir.scheme != 'file') {
        log.info("--outdir ${params.outdir} is not a local folder: files of earlier runs are not looked for, and no pipeline_info/manifest.tsv is written")
        file("${params.outdir}/${RUN_INCOMPLETE}", glob: false).delete()
        return
    }
    def label = workflow.start.format(java.time.format.DateTimeFormatter.ofPattern('yyyy-MM-dd_HH-mm-ss')) + "_${workflow.runName}"
    def command = [launchHostPython() ?: 'python3', "${projectDir}/bin/finish_outdir.py".toString(), '--outdir', outdir.toString(), '--run', label,
                '--work-dir', workflow.workDir.toString(), '--publish-mode', params.publish_dir_mode.toString()] +
        inputPathsInside(outdir).collectMany { ['--input-path', it] }
    def stdout = new StringBuffer(), stderr = new StringBuffer()
    def failure = null
    try {
        def proc = command.execute()
        proc.waitForProcessOutput(stdout, stderr)
        stderr.toString().readLines().findAll { it.startsWith('WARNING') }.each { log.warn(it - ~/^WARNING\s*/) }
        failure = proc.exitValue() != 0 ? (stderr.toString().readLines().findAll { !it.startsWith('WARNING') }.join('\n').trim() ?: "exit status ${proc.exitValue()}") : null
    } catch (Exception e) {
        failure = "${command[0]}: ${e.message}"
    }
    if (failure) {
        log.error("--outdir ${params.outdir}: every task finished, but the run's last step failed (bin/finish_outdir.py: " +
            "moving earlier runs' files to earlier_runs/, writing pipeline_info/manifest.tsv):\n${failure}\n" +
            "The folder is NOT a finished run's results: it keeps ${RUN_INCOMPLETE} and has no pipeline_info/manifest.tsv. " +
            "Fix the cause and rerun the same command with -resume (every task is reused).")
        markRunFailed()
    } else if (stdout.toString().trim()) {
        log.info(stdout.toString().trim())
    }
}

// The local files and folders named by parameters (--panel results/panel, a whitelist, an index)
// that lie inside --outdir: this run read them, so the end of the run must not move them away.
def inputPathsInside(outdir) {
    def root = outdir.toFile().canonicalPath
    def named = params.findAll { name, value -> name != 'outdir' && value instanceof CharSequence && value.toString() }
        .collect { name, value -> value }
    return (named + laneFastqs)
        .collect { value -> launchHostPath(value) }
        .findAll { it && new File(it).exists() && new File(it).canonicalPath.startsWith(root + File.separator) }
        .unique()
}

// `path` itself when it exists, else its nearest existing parent folder (null when none).
def nearestExisting(path) {
    def existing = path
    while (existing != null && !existing.exists()) {
        existing = existing.parent
    }
    return existing
}

// --publish_dir_mode link makes hard links, which cannot cross file systems: every publish would fail
// after its task ("Failed to publish file ... [link]"; the cause, "Invalid cross-device link", only in
// .nextflow.log). Said at start; null when the mode is another or both folders share a file system.
def hardLinkProblem() {
    if (params.publish_dir_mode != 'link') {
        return null
    }
    def work = nearestExisting(workflow.workDir)
    def out = nearestExisting(file(params.outdir, glob: false).toAbsolutePath())
    if (work == null || out == null || work.scheme != 'file' || out.scheme != 'file') {
        return null
    }
    def workStore = java.nio.file.Files.getFileStore(work)
    def outStore = java.nio.file.Files.getFileStore(out)
    if (workStore == outStore) {
        return null
    }
    return "--publish_dir_mode link: hard links cannot cross file systems, and Nextflow's work folder ${workflow.workDir} " +
        "(on ${workStore}) and --outdir ${params.outdir} (on ${outStore}) are on different ones: every result would fail to " +
        "publish. Use --publish_dir_mode copy (or symlink), or a work folder (-w / NXF_WORK) on the file system of --outdir"
}

// Why nothing can be written under `folder`: its nearest existing folder is on a read-only file
// system or not writable for this user (mkdirs() fails without saying so); null when neither.
def unwritableReason(folder) {
    def existing = nearestExisting(folder)
    if (existing == null || existing.scheme != 'file') {
        return null
    }
    if (java.nio.file.Files.getFileStore(existing).isReadOnly()) {
        return "${existing} is on a read-only file system"
    }
    if (!java.nio.file.Files.isWritable(existing)) {
        return "no permission to write in ${existing}"
    }
    return null
}

// Java names only the path in most file-system exceptions: say why in words.
def ioCause(IOException e) {
    if (e instanceof java.nio.file.FileSystemException && e.reason) {
        return e.reason   // e.g. "Read-only file system", "No space left on device"
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
        return 'permission denied, or a read-only file system'
    }
    return "${e.class.simpleName}: ${e.message}"
}

// A write into --outdir failed: say which parameter, where, and (for a full disk) how much room is left.
def outdirProblem(target, String cause) {
    if (cause?.contains('No space left on device')) {
        def root = file(params.outdir, glob: false).toFile()
        def free = root.exists() ? "${(root.getUsableSpace() / 1024).longValue()} kB free there" : 'its disk is full'
        return "--outdir: no space left on device while writing ${target} (${params.outdir}: ${free}). " +
            "Free space there or give another --outdir, then run again with -resume (finished tasks are kept)."
    }
    return "--outdir: cannot write ${target} (${cause}). Give a folder you can write to."
}

// workflow.onError: a failed publish into --outdir says why in words (Nextflow says "Failed to publish file").
def explainOutdirFailure() {
    def message = workflow.errorMessage ?: ''
    if (message.contains('No space left on device') || message.contains('Failed to publish')) {
        def target = (message =~ /-> (\S+):/) ? (message =~ /-> (\S+):/)[0][1] : params.outdir
        log.error(outdirProblem(target, message.contains('No space left on device') ? 'No space left on device' : message))
    }
}

// Merge the versions.yml of every task into {process: {tool: version}} plus the workflow itself.
def softwareVersionsToYAML(versionFiles) {
    def yaml = new Yaml()
    def merged = new TreeMap()
    versionFiles.each { f ->
        def content = yaml.load(f.text) as Map
        content.each { process, tools ->
            merged[process.toString().tokenize(':').last()] = new TreeMap(tools as Map)
        }
    }
    merged['Workflow'] = [Nextflow: workflow.nextflow.version.toString(), hlhscreen: workflow.manifest.version.toString()]
    if (workflow.stubRun) {
        // the stubs declare versions of tools that never ran: provenance must not read as a real run's
        merged['Workflow'].stub_run = 'true: -stub-run, no tool ran; the versions above are those the stubs declare'
    }
    return yaml.dumpAsMap(merged)
}

// The one collation of versions: the versions.yml of the given tasks (each once, in a stable order)
// merged into software_versions.yml text, as a value channel. Called where a snapshot is needed:
// before REPORT (its methods), before MULTIQC (its table) and at the end (pipeline_info).
def collateVersions(ch_versions) {
    return ch_versions.unique().collect(sort: true).map { files -> softwareVersionsToYAML(files) }
}

// The same versions as MultiQC custom content (an HTML table section).
def softwareVersionsToMultiQC(String versionsYaml) {
    def versions = new Yaml().load(versionsYaml) as Map
    def rows = versions.collect { process, tools ->
        (tools as Map).collect { tool, version -> "<tr><td>${process}</td><td>${tool}</td><td>${version}</td></tr>" }
    }.flatten().join('\n')
    return """id: 'software_versions'
section_name: 'Software versions'
description: 'Tool versions reported by every step of this run (pipeline_info/software_versions.yml).'
plot_type: 'html'
data: |
    <table class="table table-condensed"><thead><tr><th>Step</th><th>Tool</th><th>Version</th></tr></thead><tbody>
${rows.readLines().collect { '    ' + it }.join('\n')}
    </tbody></table>
"""
}

// -profile slurm caps every request at the largest node of the jobs' partitions (conf/slurm.config). Caps
// of a -c config are read after the profile and win: above that node, a task asking for more CPUs than
// the node has waits in the queue for ever (squeue reason PartitionConfig, no error anywhere) and one
// asking for more memory is refused at submission. Said at start, with the node's size.
def checkSlurmCaps() {
    def config = workflow.session.config
    def limits = config.navigate('process.resourceLimits')
    if (config.navigate('process.executor') != 'slurm' || !(limits instanceof Map)) {
        return
    }
    def queue = config.navigate('process.queue')
    if (queue != null && !(queue instanceof CharSequence)) {
        return  // a closure (partition per task) names no partition before the tasks exist: nothing to compare
    }
    def command = ['bash', "${projectDir}/bin/slurm_node_caps.sh".toString()]
    if (queue) {
        command << queue.toString()
    }
    def out = new StringBuilder()
    def err = new StringBuilder()
    def node = null
    try {
        def proc = command.execute()
        // wait for the reading threads as well as the process (conf/slurm.config says why)
        def readers = [proc.consumeProcessOutputStream(out), proc.consumeProcessErrorStream(err)]
        proc.waitForOrKill(60000)
        readers*.join(10000)
        node = proc.exitValue() == 0 ? out.toString().trim().tokenize(' ') : null
    } catch (Exception e) {
        node = null  // the profile has warned that SLURM could not be asked
    }
    if (node == null || node.size() != 3) {
        return
    }
    def over = []
    if (limits.cpus != null && (limits.cpus as int) > (node[0] as int)) {
        over << "cpus ${limits.cpus} (the node has ${node[0]})"
    }
    if (limits.memory != null && new nextflow.util.MemoryUnit(limits.memory.toString()).toMega() > (node[1] as long)) {
        over << "memory ${limits.memory} (the node has ${node[1]} MB)"
    }
    if (over) {
        def where = queue ? "partition(s) ${queue}" : 'the default partition'
        log.warn "process.resourceLimits is above the largest node of ${where}: ${over.join(', ')}. A task asking " +
            "for more CPUs than that node has waits in the queue for ever (squeue reason PartitionConfig, no error), " +
            "one asking for more memory is refused at submission. Lower the caps in your -c config to the node's " +
            "size (docs/usage.md, Running on a SLURM cluster)."
    }
}

// Whether `command` is an executable on the launch host's PATH.
def onPath(String command) {
    return (System.getenv('PATH') ?: '').tokenize(File.pathSeparator).any { new File(it, command).canExecute() }
}

// The software profile's program must be there before any task: Nextflow creates conda environments
// on the launch host (without conda: "OverlappingFileLockException" and a "Join mismatch" dump), and
// with the local executor the tasks run `singularity`/`apptainer`/`docker` here (without it: every
// task fails with "command not found"). With a cluster executor only conda is looked for here.
def checkSoftwareProfile() {
    if (workflow.preview) {
        return  // -preview and `nextflow inspect` run no task (inspect lists the containers of any profile)
    }
    def config = workflow.session.config
    def executor = config.navigate('process.executor') ?: 'local'
    def needed = []
    if (config.navigate('conda.enabled')) {
        needed << (config.navigate('conda.useMicromamba') ? 'micromamba' : config.navigate('conda.useMamba') ? 'mamba' : 'conda')
    }
    if (executor == 'local') {
        ['singularity', 'apptainer', 'docker'].findAll { config.navigate("${it}.enabled") }.each { needed << it }
    }
    def missing = needed.findAll { !onPath(it) }
    if (missing) {
        error("-profile ${workflow.profile}: ${missing.join(', ')} is not on this host's PATH, and the run needs it here " +
            "(${missing.contains('conda') || missing.contains('mamba') || missing.contains('micromamba') ? 'Nextflow creates the conda environments on the launch host' : 'the local executor runs the tasks here'}). " +
            "Install it or load its module, or choose another software profile (docker, singularity, apptainer, conda; docs/usage.md); nothing was run.")
    }
}

workflow PIPELINE_INITIALISATION {
    main:
    checkSoftwareProfile()
    checkSlurmCaps()
    validateParameters("${projectDir}/nextflow_schema.json")
    def laneRows = validatedLanes(file(params.input, checkIfExists: true, glob: false))
    laneFastqs.addAll(laneRows.collectMany { [it.fastq_1.toString(), it.fastq_2.toString()] })
    checkInputs()
    writeParamsJson()

    ch_lanes = Channel.fromList(laneRows).map { row ->
        def meta = [id: row.sample, group: row.group, lane: row.lane as Integer]
        // glob: false: a path with [ ] * ? is a name, not a pattern
        [meta, file(row.fastq_1, glob: false), file(row.fastq_2, glob: false)]
    }
    // one row per sample: its group and the sex given in the samplesheet (unknown when blank)
    ch_samples = Channel.fromList(laneRows.collect { "${it.sample},${it.group},${it.sex}" }.unique().sort())
        .collectFile(name: 'samples.csv', seed: 'sample,group,sex', newLine: true, sort: false)

    emit:
    lanes   = ch_lanes      // [meta(id, group, lane), fastq_1, fastq_2]
    samples = ch_samples    // samples.csv: sample,group,sex
}
