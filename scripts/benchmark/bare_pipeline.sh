#!/usr/bin/env bash
# The measuring stick of scripts/benchmark_pipeline.py: the tool commands of the pipeline with the
# test profile's settings (windows reference, bwa, offline annotation, --calling_chunks 3), run by
# a plain script, samples JOBS-wide. NOT a way to run hlhscreen: no Nextflow, no retries, no
# provenance, no resume, no containers, no per-task isolation, no version collection. It keeps the
# checks that decide results (FASTQ pairs, start-up inputs, frequency check) so the work compared is
# the same. When a module's command changes, change it here too (docs/benchmarks.md).
#
# Usage: bare_pipeline.sh SAMPLESHEET OUTDIR [JOBS] [CHUNKS]
set -euo pipefail

sheet=$(realpath "$1")
out=$2
jobs=${3:-2}
chunks=${4:-3}
repo=$(cd "$(dirname "$0")/../.." && pwd)
export PATH="$repo/bin:$PATH"
cohort=$repo/assets/test_cohort
fasta=$cohort/reference/hlh_windows.synthetic.fa
windows=$cohort/reference/windows.tsv
gnomad=$cohort/gnomad/gnomad_sites.derived.vcf.gz
clinvar=$cohort/clinvar/clinvar.derived.vcf.gz
panel=$repo/panels/hlh
# the modules' ext.args (conf/modules.config; tests/test_benchmark_pipeline.py keeps them equal)
freebayes_args='--genotype-qualities --min-alternate-count 3 --min-alternate-fraction 0.1 --min-mapping-quality 1 --min-base-quality 10'

mkdir -p "$out"
out=$(realpath "$out")
cd "$out"
mkdir -p ref lanes samples calls annotation screen cohort qc report multiqc_in

stamp() { printf '%s\t%s\n' "$1" "$(date +%s.%N)" >> "$out/stages.tsv"; }
: > "$out/stages.tsv"

# --- start-up checks (launch host) ---
stamp start
check_samplesheet.py "$sheet" --out lanes.json > /dev/null
# samples.csv as PIPELINE_INITIALISATION writes it (one sorted "sample,group,sex" row per sample),
# and the checked lanes with absolute paths (sample, lane, fastq_1, fastq_2)
python3 -c 'import json, sys; rows = json.load(open(sys.argv[1]))
open("samples.csv", "w").write("sample,group,sex\n" + "".join(sorted({"%s,%s,%s\n" % (r["sample"], r["group"], r["sex"]) for r in rows})))
open("lanes.tsv", "w").write("".join("%s\t%s\t%s\t%s\n" % (r["sample"], r["lane"], r["fastq_1"], r["fastq_2"]) for r in rows))' \
    lanes.json
check_inputs.py --fasta "$fasta" --fasta-fai "$fasta.fai" --reference-windows "$windows" \
    --impacts 'HIGH,MODERATE' \
    --consequences 'splice_region_variant,splice_donor_variant,splice_acceptor_variant,splice_donor_5th_base_variant,splice_donor_region_variant' \
    --af-fields 'info_gnomad,csq_gnomad,csq_gnomade,csq_gnomadg,csq_custom,info_gnomad_sites,csq_1000g,csq_esp,csq_max_af' \
    --af-source global --regions "$panel/regions.bed" --targets "$panel/targets.bed" \
    --risk-factors "$panel/risk_factors.tsv" --gnomad-vcf "$gnomad" --clinvar-vcf "$clinvar" > /dev/null

# --- reference (PANEL_TO_REFERENCE, BWA_INDEX, GENOME_FASTA, SNPEFF_BUILD), 2 at a time ---
stamp reference
(
    cd ref
    panel_to_reference.py --regions "$panel/regions.bed" --targets "$panel/targets.bed" --fai "$fasta.fai" \
        --windows "$windows" --outdir . > /dev/null &
    mkdir -p index && ln -sf "$fasta" index/ && (cd index && bwa index -a is -p hlh_windows.synthetic "$(basename "$fasta")" 2> /dev/null) &
    wait
    reference_windows.py genome-fasta --windows "$windows" --fasta "$fasta" --out genome.fa
    bgzip -f genome.fa && samtools faidx genome.fa.gz
    mkdir -p snpeff_db/data/panel
    cut -f 1 genome.fa.gz.fai > contigs.txt
    zcat -f "$panel/gene_models.gtf.gz" | awk -F '\t' 'NR == FNR { keep[$1] = 1; next } /^#/ || ($1 in keep)' contigs.txt - > snpeff_db/data/panel/genes.gtf
    awk -F '\t' '!/^#/ { print $1 }' snpeff_db/data/panel/genes.gtf | sort -u > gene_contigs.txt
    zcat -f genome.fa.gz | awk 'NR == FNR { keep[$1] = 1; next } /^>/ { p = (substr($1, 2) in keep) } p' gene_contigs.txt - \
        > snpeff_db/data/panel/sequences.fa
    printf 'data.dir = ./data/\npanel.genome : hlhscreen panel\n' > snpeff_db/snpEff.config
    (cd snpeff_db && snpEff -Xmx3276m build -gtf22 -c snpEff.config -noCheckCds -noCheckProtein -v panel > ../snpeff_build.log 2>&1)
    rm snpeff_db/data/panel/sequences.fa
)

# --- per sample, JOBS-wide: FASTQ check per lane, FastQC of all its files in one JVM, lanes merged,
# bwa mem | samtools sort, index, samtools stats, mosdepth ---
stamp samples
per_sample() {
    local sample=$1
    local dir=$out/samples/$sample
    mkdir -p "$dir/fastqc"
    cd "$dir"
    local r1s=() r2s=() s lane f1 f2
    while IFS=$'\t' read -r s lane f1 f2; do
        [ "$s" = "$sample" ] || continue
        check_fastq.py "$f1" "$f2" --sample "$sample" --lane "$lane" --out "${sample}_L${lane}.fastq_check.tsv"
        r1s+=("$f1"); r2s+=("$f2")
    done < "$out/lanes.tsv"
    fastqc --threads 1 --outdir fastqc "${r1s[@]}" "${r2s[@]}" 2> fastqc.log
    if [ ${#r1s[@]} -gt 1 ]; then
        cat "${r1s[@]}" > R1.fastq.gz; cat "${r2s[@]}" > R2.fastq.gz
        reads=(R1.fastq.gz R2.fastq.gz)
    else
        reads=("${r1s[0]}" "${r2s[0]}")
    fi
    bwa mem -K 100000000 -Y -t 1 -R "@RG\tID:${sample}\tSM:${sample}\tLB:${sample}\tPL:ILLUMINA" \
        "$out/ref/index/hlh_windows.synthetic" "${reads[@]}" 2> bwa.log \
        | samtools sort -@ 1 -T "$sample.tmp" -o "$sample.bam" -
    samtools index "$sample.bam"
    samtools stats --reference "$fasta" "$sample.bam" > "$sample.stats"
    mosdepth --no-per-base --thresholds 1,10,20,30 --mapq 1 --threads 1 --by "$out/ref/regions.reference.bed" \
        "$sample" "$sample.bam"
}
export -f per_sample
export out sheet fasta
cut -f 1 lanes.tsv | sort -u | xargs -P "$jobs" -I{} bash -euo pipefail -c 'per_sample "$1"' _ {}

# --- sex from the panel depth, and the ploidy map of the males for FreeBayes (SEX_CHECK) ---
stamp sex
mkdir -p sex/mosdepth
ln -sf "$out"/samples/*/*.regions.bed.gz sex/mosdepth/
(cd sex && sex_check.py --samplesheet "$out/samples.csv" --mosdepth mosdepth --fai "$fasta.fai" --windows "$windows")

# --- joint calling over CHUNKS chunks (JOBS-wide), gathered and normalised, lifted to GRCh38 ---
stamp calling
(
    cd calls
    split_bed.py "$out/ref/targets.reference.bed" --chunks "$chunks" --prefix chunk > /dev/null
    # BAMs by bare name in the working folder, as FREEBAYES stages them: FreeBayes' sample order, and
    # with it the last digits of GQ, follows the names it is given
    ln -sf "$out"/samples/*/*.bam "$out"/samples/*/*.bam.bai "$fasta" "$fasta.fai" .
    ls *.bam | sort > bams.txt
    ls chunk_*.bed | xargs -P "$jobs" -I{} bash -euo pipefail -c '
        c=$(basename "$1" .bed)
        freebayes $3 --fasta-reference "$2" --targets "$1" --cnv-map "$4" --bam-list bams.txt > "$c.vcf"
        bgzip -f "$c.vcf" && tabix -f -p vcf "$c.vcf.gz"' _ {} "$(basename "$fasta")" "$freebayes_args" "$out/sex/cnv_map.bed"
    mkdir -p ordered
    bcftools query -l "$(ls chunk_*.vcf.gz | head -n 1)" | LC_ALL=C sort > samples.txt
    for chunk in $(ls chunk_*.vcf.gz | sort); do
        bcftools view -S samples.txt -Oz -o "ordered/$chunk" "$chunk"
        tabix -p vcf "ordered/$chunk"
    done
    ls ordered/*.vcf.gz > chunks.txt
    bcftools concat -a -f chunks.txt -Ou \
        | bcftools sort -Ov -T ./sort_tmp \
        | decompose_complex_alleles.py --decomposed decomposed.txt \
        | bcftools norm --atomize --atom-overlaps '*' -f "$fasta" --old-rec-tag OLD_REC -Ov -o atomised.vcf
    cat atomised.vcf decomposed.txt \
        | bcftools sort -Ou -T ./sort_tmp1 \
        | bcftools norm -m -any -f "$fasta" --old-rec-tag OLD_REC -Ou \
        | bcftools view -e 'ALT="*"' -Ou \
        | bcftools sort -Ov -T ./sort_tmp3 \
        | merge_duplicate_alleles.py \
        | bgzip -c > cohort.norm.vcf.gz
    tabix -p vcf cohort.norm.vcf.gz
    reference_windows.py vcf-to-genome --windows "$windows" --vcf cohort.norm.vcf.gz --out lifted.vcf
    bcftools sort -Oz -o cohort.grch38.vcf.gz -T ./sort_tmp2 lifted.vcf 2> /dev/null
    tabix -p vcf cohort.grch38.vcf.gz
)

# --- annotation: snpEff, gnomAD, frequency check ---
stamp annotation
(
    cd annotation
    snpEff -Xmx3276m ann -hgvs -c "$out/ref/snpeff_db/snpEff.config" -dataDir "$out/ref/snpeff_db/data" -nodownload \
        -csvStats cohort.snpeff.csv -noLog panel "$out/calls/cohort.grch38.vcf.gz" | sed '1{/^ /d}' > cohort.snpeff.vcf
    fields=$(bcftools view -h "$gnomad" | sed -n \
        -e 's/^##INFO=<ID=\(AF\|AF_joint\|AF_exomes\|AF_genomes\|AF_grpmax\|AF_grpmax_joint\|AF_popmax\|fafmax_faf95_max\|fafmax_faf95_max_joint\|grpmax\|grpmax_joint\|popmax\),.*/\1/p' \
        -e 's/^##INFO=<ID=\(AF_\(joint_\)*\(afr\|amr\|asj\|eas\|fin\|mid\|nfe\|sas\|ami\|remaining\|oth\)\),.*/\1/p' \
        | sort -u)
    columns="ID"
    for field in $fields; do columns="$columns,INFO/gnomAD_${field}:=INFO/${field}"; done
    bgzip -c cohort.snpeff.vcf > input.vcf.gz && tabix -p vcf input.vcf.gz
    bcftools annotate --annotations "$gnomad" --columns "$columns" --pair-logic exact -Oz -o cohort.annotated.vcf.gz input.vcf.gz
    tabix -p vcf cohort.annotated.vcf.gz
    clinvar_annotate.py --vcf cohort.annotated.vcf.gz --clinvar "$clinvar" --out cohort.clinvar.vcf.gz \
        --release-json clinvar_release.json
    annotation_summary.py cohort.clinvar.vcf.gz --annotator offline --gnomad "$gnomad" --out annotation_summary_mqc.tsv \
        --frequency-check frequency_check_mqc.tsv
)

# --- QC summary, screening, statistics, report, MultiQC ---
stamp cohort
mkdir -p qc/inputs qc/fastq_checks
ln -sf "$out"/samples/*/*.fastq_check.tsv qc/fastq_checks/
ln -sf "$out"/samples/*/*.stats "$out"/samples/*/*.mosdepth.summary.txt "$out"/samples/*/*.mosdepth.region.dist.txt qc/inputs/
(cd qc && qc_summary.py --samplesheet "$out/samples.csv" --inputs inputs --sex "$out/sex/sex.tsv" --min-mean-depth 20 --min-pct-20x 90 --min-pct-mapped 90 \
    --fastq-checks fastq_checks --max-pct-failed-filter 5)
screen_variants.py --vcf annotation/cohort.clinvar.vcf.gz --regions "$panel/regions.bed" \
    --risk-factors "$panel/risk_factors.tsv" --mane-transcripts "$panel/genes.tsv" --samplesheet samples.csv \
    --sex sex/sex.tsv \
    --fasta ref/genome.fa.gz --outdir screen --warnings-file screen_warnings.txt \
    --frequency-check annotation/frequency_check.json \
    --max-af 0.04 --common-af 0.01 --af-source global \
    --af-fields 'info_gnomad,csq_gnomad,csq_gnomade,csq_gnomadg,csq_custom,info_gnomad_sites,csq_1000g,csq_esp,csq_max_af' \
    --impacts 'HIGH,MODERATE' \
    --consequences 'splice_region_variant,splice_donor_variant,splice_acceptor_variant,splice_donor_5th_base_variant,splice_donor_region_variant' \
    --min-qual 20 --min-dp 10 --min-gq 20 --evaluate-outside-panel \
    --min-gene-callable 0.9 --gene-coverage "$out"/samples/*/*.thresholds.bed.gz
cohort_stats.py --carriers screen/carriers.tsv --gene-status screen/gene_status.tsv --samplesheet samples.csv \
    --outdir cohort --conf-level 0.95
printf 'BARE:\n    note: bare benchmark script\n' > versions.yml
printf '{"note": "bare benchmark script"}\n' > params.json
make_report.py --samples samples.csv --qc qc/sample_qc.tsv --variants screen/variants.tsv --carriers screen/carriers.tsv \
    --gene-status screen/gene_status.tsv --variant-tests cohort/variant_tests.tsv --gene-tests cohort/gene_tests.tsv \
    --biallelic-tests cohort/biallelic_tests.tsv --power cohort/power.tsv --sex sex/sex.tsv \
    --clinvar-release annotation/clinvar_release.json --versions versions.yml --params params.json \
    --panel-callability ref/panel_callability.tsv --frequency-check annotation/frequency_check.json \
    --risk-factors "$panel/risk_factors.tsv" --regions "$panel/regions.bed" --reference-notes ref/reference_notes.txt \
    --panel-genes "$panel/genes.tsv" --gene-coverage screen/gene_coverage.tsv --outdir report > /dev/null
ln -sf "$out"/samples/*/fastqc/*.zip "$out"/samples/*/*.stats "$out"/samples/*/*.mosdepth.*.txt \
    "$out"/ref/panel_callability_mqc.tsv "$out"/annotation/*_mqc.tsv "$out"/annotation/cohort.snpeff.csv \
    "$out"/qc/sample_qc_mqc.tsv "$out"/sex/sex_check_mqc.tsv "$out"/screen/screen_summary_mqc.tsv "$out"/report/report_summary_mqc.tsv multiqc_in/
(cd multiqc_in && multiqc --force --quiet --config "$repo/assets/multiqc_config.yml" . > /dev/null 2>&1)
stamp end
