#!/usr/bin/env bash
# Install the bioinformatics tools the pipeline can run from distribution packages (Debian/Ubuntu),
# for runs without containers or conda. Skips what is already on PATH.
# bwa-mem2 and Ensembl VEP are not packaged by Debian: those steps need -profile docker,
# singularity, apptainer or conda (see README).
set -euo pipefail

# command -> Debian package
declare -A packages=(
    [fastqc]=fastqc [bwa]=bwa [samtools]=samtools [bcftools]=bcftools [tabix]=tabix [bgzip]=tabix
    [freebayes]=freebayes [mosdepth]=mosdepth [snpEff]=snpeff [multiqc]=multiqc
    [java]=default-jre-headless [mvn]=maven
)
missing=()
for cmd in "${!packages[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("${packages[$cmd]}")
done
# mosdepth from Debian needs the htslib shared library package present
dpkg -s libhts-dev >/dev/null 2>&1 || missing+=(libhts-dev)
# R generates the statistics reference fixtures (tests/fixtures/r); the pipeline does not need it
if [[ "${WITH_R:-0}" == 1 ]] && ! command -v Rscript >/dev/null; then missing+=(r-base-core); fi

if ((${#missing[@]} == 0)); then
    echo "install_system_tools: all tools present"
    exit 0
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
command -v apt-get >/dev/null || {
    echo "install_system_tools: missing ${missing[*]} and no apt-get here; install them or use -profile conda/docker" >&2
    exit 1
}
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
echo "install_system_tools: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
