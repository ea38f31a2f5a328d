/*
 * Pipeline start-up and completion helpers: parameter validation against nextflow_schema.json
 * (our own small validator: the nf-schema plugin cannot be downloaded offline), samplesheet
 * validation by bin/check_samplesheet.py before any task starts, and the software versions file.
 */

import groovy.json.JsonSlurper
import org.yaml.snakeyaml.Yaml

// Flatten the schema's groups ($defs / definitions referenced by allOf) into name -> property.
def schemaProperties(schemaFile) {
    def schema = new JsonSlurper().parse(file(schemaFile).toFile())
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
    def camelToSnake = { String s -> s.replaceAll(/([A-Z])/, '_$1').toLowerCase() }
    params.each { String name, value ->
        if (name.contains('-') || (name =~ /[A-Z]/ && schema.properties.containsKey(camelToSnake(name)))) {
            return  // Nextflow's kebab/camel-case aliases of a declared parameter
        }
        def spec = schema.properties[name]
        if (spec == null && name in ['max_cpus', 'max_memory', 'max_time']) {
            errors << "--${name}: no longer a parameter; set the caps of any task with process.resourceLimits in a config given with -c, e.g. process.resourceLimits = [cpus: 16, memory: 64.GB, time: 24.h] (docs/usage.md, Resources)"
            return
        }
        if (spec == null) {
            errors << "--${name}: unknown parameter (see nextflow_schema.json or docs/usage.md for the valid ones)"
            return
        }
        if (value == null || value == '') {
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
                    errors << "--${name}: '${value}' is not true or false"
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
            errors << "--${name}: '${value}' does not match ${spec.pattern}"
        }
        if (spec.exists && spec.format in ['file-path', 'directory-path', 'path']) {
            if (!file(value.toString()).exists()) {
                errors << "--${name}: ${value} does not exist"
            }
        }
    }
    schema.required.each { name ->
        if (params[name] == null || params[name] == '') {
            errors << "--${name}: required parameter is missing"
        }
    }
    errors.addAll(combinationErrors())
    if (errors) {
        error("Invalid parameters:\n  " + errors.join('\n  '))
    }
}

// Rules that involve several parameters at once.
def combinationErrors() {
    def errors = []
    if (params.annotator == 'offline' && !params.gnomad_vcf) {
        errors << "--gnomad_vcf: required with --annotator offline (the screening filters on gnomAD frequencies; without them every variant would look novel)"
    }
    if (params.annotator == 'vep' && !params.vep_cache && !params.gnomad_vcf) {
        errors << "--gnomad_vcf: required with --annotator vep when no --vep_cache is given (the GTF mode has no frequencies of its own)"
    }
    if (params.vep_cache && params.annotator != 'vep') {
        errors << "--vep_cache: only used with --annotator vep (now '${params.annotator}')"
    }
    if ((params.genes && !params.gtf) || (params.gtf && !params.genes)) {
        errors << "--genes and --gtf: give both to build a custom panel (or neither, and use --panel)"
    }
    if (params.genes && params.panel != 'hlh') {
        errors << "--panel: not used when a panel is built from --genes/--gtf; drop one of them"
    }
    if (params.gnomad_vcf && !file("${params.gnomad_vcf}.tbi").exists()) {
        errors << "--gnomad_vcf: index ${params.gnomad_vcf}.tbi not found (tabix -p vcf ${params.gnomad_vcf})"
    }
    return errors
}

// Run bin/check_samplesheet.py on the launch host; return the validated lanes as maps.
def validatedLanes(samplesheet) {
    def checker = "${projectDir}/bin/check_samplesheet.py"
    def python = ['python3', 'python'].find { cmd ->
        try { return [cmd, '--version'].execute().waitFor() == 0 } catch (IOException e) { return false }
    }
    if (!python) {
        error("python3 is needed on the launch host to validate the samplesheet (standard library only)")
    }
    def out = File.createTempFile('hlhscreen_samplesheet', '.csv')
    try {
        def proc = [python, checker, samplesheet.toString(), '--out', out.toString()].execute()
        def stdout = new StringBuffer(), stderr = new StringBuffer()
        proc.waitForProcessOutput(stdout, stderr)
        if (proc.exitValue() != 0) {
            error("Samplesheet check failed; nothing was run.\n${stderr.toString().trim()}")
        }
        log.info(stdout.toString().trim())
        def lines = out.readLines()
        def header = lines[0].split(',') as List
        return lines.drop(1).collect { line ->
            def cells = line.split(',', -1) as List
            [header, cells].transpose().collectEntries { it }
        }
    } finally {
        out.delete()
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
    return yaml.dumpAsMap(merged)
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

workflow PIPELINE_INITIALISATION {
    main:
    validateParameters("${projectDir}/nextflow_schema.json")
    def laneRows = validatedLanes(file(params.input, checkIfExists: true))

    ch_lanes = Channel.fromList(laneRows).map { row ->
        def meta = [id: row.sample, group: row.group, lane: row.lane as Integer]
        [meta, file(row.fastq_1), file(row.fastq_2)]
    }
    // one row per sample: its group and the sex given in the samplesheet (unknown when blank)
    ch_samples = Channel.fromList(laneRows.collect { "${it.sample},${it.group},${it.sex}" }.unique().sort())
        .collectFile(name: 'samples.csv', seed: 'sample,group,sex', newLine: true, sort: false)

    emit:
    lanes   = ch_lanes      // [meta(id, group, lane), fastq_1, fastq_2]
    samples = ch_samples    // samples.csv: sample,group,sex
}
