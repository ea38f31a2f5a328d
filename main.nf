#!/usr/bin/env nextflow
/*
 * hlhscreen: germline screening of HLH-predisposition genes in CAR-T recipients, cases vs controls.
 * Usage and parameters: README.md and docs/usage.md.
 */

nextflow.enable.dsl = 2

include { PIPELINE_INITIALISATION; explainOutdirFailure; finishOutdir; helpMessage } from './subworkflows/local/utils_hlhscreen'
include { HLHSCREEN               } from './workflows/hlhscreen'

workflow {
    if (params.help) {
        // --help [parameter]: usage from nextflow_schema.json; nothing is checked or run
        log.info(helpMessage("${projectDir}/nextflow_schema.json", params.help))
        return
    }
    PIPELINE_INITIALISATION()
    HLHSCREEN(PIPELINE_INITIALISATION.out.lanes, PIPELINE_INITIALISATION.out.samples)
}

workflow.onError {
    explainOutdirFailure()
}

workflow.onComplete {
    finishOutdir()
}
