# hlhscreen developer and demo entry points.
#   make demo   install what is missing, then run the pipeline on the bundled synthetic test cohort
#   make test   install what is missing, then run every test (pytest: tools and pipeline)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
NEXTFLOW := .tools/bin/nextflow
export NXF_OFFLINE := true
export PYTHONDONTWRITEBYTECODE := 1
export PATH := $(CURDIR)/$(VENV)/bin:$(CURDIR)/.tools/bin:$(PATH)

.PHONY: setup system-tools python-env nextflow demo test test-tools test-pipeline testdata benchmark clean

setup: system-tools python-env nextflow

system-tools:
	bash scripts/install_system_tools.sh

python-env: $(VENV)/.installed
$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

nextflow: $(NEXTFLOW)
$(NEXTFLOW):
	bash scripts/install_nextflow.sh

demo: setup
	$(NEXTFLOW) run . -profile test --outdir results

test: setup
	$(VENV)/bin/pytest -q tests

# Only the bin/ tool tests (fast, no Nextflow)
test-tools: python-env
	$(VENV)/bin/pytest -q tests -m "not pipeline"

testdata: setup
	$(VENV)/bin/python scripts/make_test_cohort.py

benchmark: setup
	$(VENV)/bin/python scripts/benchmark_screen.py

clean:
	rm -rf work results .nextflow .nextflow.log*
