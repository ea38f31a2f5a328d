# hlhscreen developer and demo entry points.
#   make demo   install what is missing, then run the pipeline on the bundled synthetic test cohort
#   make test   install what is missing, then run every test (pytest: tools and pipeline; as root on
#               Debian/Ubuntu this includes a run on a one-node SLURM cluster the tests start and stop)
#   make lint   nf-core pipelines lint, offline (nf-core/tools pinned in requirements-lint.txt, own venv)
#   make tools-image   build the image of hlhscreen's own tools (containers/tools) under the name
#               --tools_container defaults to, so -profile docker uses the local build
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
NEXTFLOW := .tools/bin/nextflow
export NXF_OFFLINE := true
export PYTHONDONTWRITEBYTECODE := 1
# Nextflow's own JVM: its optimising JIT compiler and parallel GC took ~40 % of the CPU of a short run
# on 2 cores (docs/benchmarks.md); the client compiler and serial GC are plenty for a launcher that
# mostly waits. Set NXF_OPTS yourself to override.
export NXF_OPTS ?= -XX:TieredStopAtLevel=1 -XX:+UseSerialGC
export PATH := $(CURDIR)/$(VENV)/bin:$(CURDIR)/.tools/bin:$(PATH)

.PHONY: setup system-tools python-env nextflow demo test test-tools test-pipeline testdata benchmark benchmark-screen benchmark-pipeline benchmark-cohort-tools benchmark-multiqc clean tools-env tools-image lint

setup: system-tools python-env nextflow

system-tools:
	bash scripts/install_system_tools.sh

python-env: $(VENV)/.installed
$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $@

nextflow: $(NEXTFLOW)
$(NEXTFLOW):
	bash scripts/install_nextflow.sh

demo: setup
	$(NEXTFLOW) run . -profile test --outdir results

test: setup
	$(VENV)/bin/pytest -q tests --durations=25

# nf-core/tools' lint, offline (.nf-core.yml says which template-only checks are skipped, and why)
lint: nextflow
	NFCORE_NO_VERSION_CHECK=1 "$$(bash scripts/install_nfcore.sh)" pipelines lint --dir .

# Only the bin/ tool tests (fast, no Nextflow)
test-tools: python-env
	$(VENV)/bin/pytest -q tests -m "not pipeline"

testdata: setup
	$(VENV)/bin/python scripts/make_test_cohort.py

# The screen against bcftools, then the pipeline against its own tools run bare at N samples
# (docs/benchmarks.md; ~1 h on 2 cores for the default sizes: BENCH_SAMPLES=8 for a quick look)
BENCH_SAMPLES ?= 8,24,48,96
# COHORT_STATS and REPORT at N samples on synthetic screening tables (scripts/benchmark/screen_outputs.py: a
# panel VCF of BENCH_RECORDS records screened by SCREEN, ~20 % kept), the report opened in headless Chromium
# when installed (~10 min on 2 cores; docs/benchmarks.md)
BENCH_COHORT_SAMPLES ?= 96,500,1000,5000
BENCH_RECORDS ?= 1000
# MULTIQC on the test profile's MultiQC inputs replicated to N samples (the test profile is run once if needed)
BENCH_MULTIQC_SAMPLES ?= 96,192
BENCH_MULTIQC_RUN ?= /tmp/hlhscreen_benchmark/multiqc_run
benchmark: benchmark-screen benchmark-pipeline benchmark-cohort-tools benchmark-multiqc

benchmark-screen: setup
	$(VENV)/bin/python scripts/benchmark_screen.py

benchmark-pipeline: setup
	$(VENV)/bin/python scripts/benchmark_pipeline.py --samples $(BENCH_SAMPLES)

benchmark-cohort-tools: setup
	$(VENV)/bin/python scripts/benchmark/cohort_tools_scaling.py --synthetic $(BENCH_RECORDS) \
		--samples $(BENCH_COHORT_SAMPLES) $$(command -v chromium >/dev/null && echo --browser chromium)

benchmark-multiqc: setup
	test -d $(BENCH_MULTIQC_RUN)/work || $(NEXTFLOW) run . -profile test --outdir $(BENCH_MULTIQC_RUN)/out \
		-w $(BENCH_MULTIQC_RUN)/work
	$(VENV)/bin/python scripts/benchmark/multiqc_scaling.py --task $(BENCH_MULTIQC_RUN)/work \
		--samples $(BENCH_MULTIQC_SAMPLES) $$(command -v chromium >/dev/null && echo --browser chromium)

# The tools' conda environment files, regenerated from requirements.txt (the one source of the pins)
tools-env: python-env
	$(VENV)/bin/python scripts/tools_env.py --write

# Image name and version from nextflow.config's tools_container default (what the pipeline pulls)
TOOLS_IMAGE = $(shell sed -n "s/^ *tools_container *= *'\(.*\)'.*/\1/p" nextflow.config)
tools-image:
	@command -v docker >/dev/null || { echo "make tools-image: docker is not installed"; exit 1; }
	docker build -t $(TOOLS_IMAGE) containers/tools
	@echo "built $(TOOLS_IMAGE); Singularity/Apptainer: singularity build hlhscreen-tools.sif docker-daemon://$(TOOLS_IMAGE)"

clean:
	rm -rf work results .nextflow .nextflow.log*
