/*
 * Annotation, whichever way a site can run it (--annotator):
 *   offline   snpEff database built from the panel GTF + reference, gnomAD AFs by bcftools annotate
 *   vep       Ensembl VEP with --vep_cache (offline cache), or with the panel GTF when no cache is given;
 *             gnomAD AFs from the cache and/or --custom with --gnomad_vcf
 *   vep_rest  the Ensembl REST VEP endpoint (as the study), gnomAD AFs from its colocated variants
 * Contract: the cohort VCF plus VEP-layout INFO/CSQ or snpEff INFO/ANN and gnomAD AFs the one
 * parser (bin/hlhscreen/annotation.py) reads; with --clinvar_vcf also INFO/CLINVAR_* (clinvar.py).
 */

include { SNPEFF_BUILD       } from '../../../modules/local/snpeff_build'
include { SNPEFF_ANN         } from '../../../modules/local/snpeff_ann'
include { GNOMAD_ANNOTATE    } from '../../../modules/local/gnomad_annotate'
include { ENSEMBLVEP_VEP     } from '../../../modules/local/ensemblvep_vep'
include { VEP_REST           } from '../../../modules/local/vep_rest'
include { ANNOTATION_SUMMARY } from '../../../modules/local/annotation_summary'
include { gnomadIndex; siteIndex } from '../utils_hlhscreen'
include { CLINVAR_ANNOTATE   } from '../../../modules/local/clinvar_annotate'

// Nextflow hashes a folder input by the folder's own size and time, which do not change when files
// deeper inside are replaced (a VEP cache unpacked again, a species added): -resume would reuse the
// annotation made with the old cache. This digest of the relative path, size and modification time of
// every file under the folder (metadata only: a second or so for a full cache) goes into the task hash.
def folderFingerprint(folder) {
    if (folder.scheme != 'file') {
        return folder.toUriString()   // remote: staged by Nextflow, hashed by its own rules
    }
    def digest = java.security.MessageDigest.getInstance('SHA-256')
    def stream = java.nio.file.Files.walk(folder, java.nio.file.FileVisitOption.FOLLOW_LINKS)
    try {
        stream.filter { java.nio.file.Files.isRegularFile(it) }.map { path ->
            "${folder.relativize(path)}\t${java.nio.file.Files.size(path)}\t${java.nio.file.Files.getLastModifiedTime(path).toMillis()}\n"
        }.sorted().forEach { line -> digest.update(line.toString().getBytes('UTF-8')) }
    } finally {
        stream.close()
    }
    return digest.digest().encodeHex().toString()
}

workflow ANNOTATE {
    take:
    vcf            // [vcf.gz, tbi] on GRCh38
    genome_fasta   // [fasta, fai, gzi or []] on GRCh38
    panel          // map of value channels, one per panel file (gene_models, gene_models_tbi, ...)

    main:
    ch_versions = Channel.empty()
    ch_multiqc = Channel.empty()
    gnomad = params.gnomad_vcf ?
        [file(params.gnomad_vcf, checkIfExists: true, glob: false), gnomadIndex(params.gnomad_vcf)] : [[], []]

    if (params.annotator == 'offline') {
        SNPEFF_BUILD(panel.gene_models, genome_fasta)
        SNPEFF_ANN(vcf, SNPEFF_BUILD.out.db)
        GNOMAD_ANNOTATE(SNPEFF_ANN.out.vcf, gnomad)
        ch_annotated = GNOMAD_ANNOTATE.out.vcf
        ch_multiqc = ch_multiqc.mix(SNPEFF_ANN.out.stats)
        ch_versions = ch_versions.mix(SNPEFF_BUILD.out.versions, SNPEFF_ANN.out.versions, GNOMAD_ANNOTATE.out.versions)
    } else if (params.annotator == 'vep') {
        def cache = params.vep_cache ? file(params.vep_cache, checkIfExists: true, glob: false) : []
        def gtf = params.vep_cache ? [[], []] : panel.gene_models.combine(panel.gene_models_tbi)
        ENSEMBLVEP_VEP(vcf, genome_fasta, cache, gtf, gnomad, params.gnomad_fields,
            [params.vep_species, params.vep_assembly, params.vep_cache_version, params.vep_cache_type,
             cache ? folderFingerprint(cache) : ''])
        ch_annotated = ENSEMBLVEP_VEP.out.vcf
        ch_versions = ch_versions.mix(ENSEMBLVEP_VEP.out.versions)
    } else {
        VEP_REST(vcf, file(params.vep_rest_cache, glob: false).toAbsolutePath().toString())
        ch_annotated = VEP_REST.out.vcf
        ch_versions = ch_versions.mix(VEP_REST.out.versions)
    }

    // ClinVar evidence (optional): INFO/CLINVAR_* by allele (indels normalised on both sides), whatever the annotator
    ch_clinvar_release = Channel.value([])
    if (params.clinvar_vcf) {
        // the FASTA: indels of both files are compared left-aligned on it (with --reference_windows it is the
        // windows' sequence in place and N elsewhere: a ClinVar indel there is compared as written)
        CLINVAR_ANNOTATE(ch_annotated, [file(params.clinvar_vcf, checkIfExists: true, glob: false), siteIndex(params.clinvar_vcf)],
            genome_fasta)
        ch_annotated = CLINVAR_ANNOTATE.out.vcf
        ch_clinvar_release = CLINVAR_ANNOTATE.out.release
        ch_versions = ch_versions.mix(CLINVAR_ANNOTATE.out.versions)
    }

    def mode = params.annotator == 'vep' ? (params.vep_cache ? 'vep (offline cache)' : 'vep (panel GTF)') : params.annotator
    // the REST annotator does not read --gnomad_vcf: nothing to check its frequencies against
    ANNOTATION_SUMMARY(ch_annotated, mode, params.annotator == 'vep_rest' ? [[], []] : gnomad)
    ch_multiqc = ch_multiqc.mix(ANNOTATION_SUMMARY.out.multiqc, ANNOTATION_SUMMARY.out.frequency_check)
    ch_versions = ch_versions.mix(ANNOTATION_SUMMARY.out.versions)
    // screening waits for the frequency check: lost frequencies stop the run before any result
    ch_checked = ch_annotated.combine(ANNOTATION_SUMMARY.out.frequency_check).map { vcf, tbi, check -> [vcf, tbi] }

    emit:
    vcf             = ch_checked           // [vcf.gz, tbi], after the frequency check
    clinvar_release = ch_clinvar_release   // clinvar_release.json, or [] without --clinvar_vcf
    frequency_check = ANNOTATION_SUMMARY.out.frequency_json   // gnomAD file and chromosomes it has no record on
    multiqc  = ch_multiqc
    versions = ch_versions
}
