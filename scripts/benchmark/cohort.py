"""Synthetic cohorts of N samples for the pipeline benchmark, from the test cohort's own design.

Every sample copies the planted genotypes of one of the eight design samples (cases from the design
cases, controls from the design controls, in turn), with its own reads simulated by the test
cohort's generator (scripts/make_test_cohort.py) from a seed derived from its name. Samples whose
template is sequenced on two lanes (case_01) are too, so a cohort of 48 has 54 lanes, as in the
issue's measurements. The reference, windows and gnomAD file are the bundled test cohort's: the
generator rebuilds the windows from the same seed and the result is checked against the bundled
FASTA, so the reads fit the reference the pipeline aligns to.
"""

from __future__ import annotations

import csv
import functools
import multiprocessing
import random
import sys
from pathlib import Path
from typing import Dict, List, Tuple

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

import make_test_cohort as generator  # noqa: E402
from testcohort import design  # noqa: E402
from testcohort.gene_models import read_transcripts  # noqa: E402
from testcohort.genome import to_vcf, verify_protein_change  # noqa: E402
from testcohort.reads import ReadPair  # noqa: E402

TEST_COHORT = REPO / "assets" / "test_cohort"
# bump when the layout or the simulation of a benchmark cohort changes (cached cohorts are rebuilt)
COHORT_VERSION = "2"  # 2: the SH2D1A (chrX) window and male samples (issue 13)


def templates(n_samples: int) -> List[Tuple[str, str, str]]:
    """(sample, group, design template) for a cohort of n_samples (half cases, half controls)."""
    design_cases = [s for s, g in design.SAMPLES.items() if g == "case"]
    design_controls = [s for s, g in design.SAMPLES.items() if g == "control"]
    n_cases = n_samples // 2
    rows = [(f"case_{i + 1:03d}", "case", design_cases[i % len(design_cases)]) for i in range(n_cases)]
    rows += [(f"ctrl_{i + 1:03d}", "control", design_controls[i % len(design_controls)])
             for i in range(n_samples - n_cases)]
    return rows


@functools.lru_cache(maxsize=None)
def _design_model():
    """Windows, gene models and planted variants exactly as make_test_cohort.py builds them."""
    models = read_transcripts(REPO / "panels/hlh/gene_models.gtf.gz")
    windows = generator.build_windows(models, random.Random(design.SEED))
    variants = {}
    for planted in design.PLANTED:
        window, model = windows[planted.gene], models[planted.gene]
        verify_protein_change(window, model, planted)
        variants[planted.key] = to_vcf(window, model, planted)
    bundled = (TEST_COHORT / "reference" / "hlh_windows.synthetic.fa").read_text()
    rebuilt = "".join(f">{windows[g].contig}\n" + "".join(
        windows[g].sequence()[i:i + 60] + "\n" for i in range(0, len(windows[g].sequence()), 60))
        for g in design.GENES)
    if bundled != rebuilt:
        raise SystemExit("the generator no longer rebuilds the bundled reference: regenerate assets/test_cohort first")
    return models, windows, variants


def _simulate(job: Tuple[str, str, Path]) -> None:
    """Write the FASTQ of one sample (its own seed: the same files whatever the cohort size)."""
    sample, template, reads = job
    models, windows, variants = _design_model()
    rng = random.Random(f"{design.SEED}:benchmark:{sample}")
    pairs = generator.simulate_sample(template, windows, models, variants, rng)
    # the generator names reads after the template; give them the sample's name
    pairs = [ReadPair(p.name.replace(f":{template}:", f":{sample}:", 1), p.seq1, p.qual1, p.seq2, p.qual2)
             for p in pairs]
    lanes = _lanes(template)
    for lane in range(1, lanes + 1):
        for mate in (1, 2):
            part = reads / f"{sample}_L00{lane}_R{mate}.fastq.gz.part"
            generator.write_fastq(part, pairs[lane - 1::lanes], mate)
            part.rename(part.with_suffix(""))
    (reads / f"{sample}.v{COHORT_VERSION}.done").touch()


def _lanes(template: str) -> int:
    return 2 if template in design.TWO_LANE_SAMPLES else 1


def build_cohort(n_samples: int, cache: Path, jobs: int = 2) -> Path:
    """samplesheet.csv of n_samples; reads are simulated once into cache/reads and shared by every N."""
    reads = cache / "reads"
    reads.mkdir(parents=True, exist_ok=True)
    rows = templates(n_samples)
    todo = [(s, t, reads) for s, _, t in rows if not (reads / f"{s}.v{COHORT_VERSION}.done").exists()]
    if todo:
        print(f"simulating reads of {len(todo)} samples ({jobs} processes)", file=sys.stderr, flush=True)
        with multiprocessing.Pool(jobs) as pool:
            pool.map(_simulate, todo, chunksize=1)
    sheet = cache / f"cohort_{n_samples}" / "samplesheet.csv"
    sheet.parent.mkdir(parents=True, exist_ok=True)
    with open(sheet, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["sample", "group", "fastq_1", "fastq_2"])
        for sample, group, template in rows:
            for lane in range(1, _lanes(template) + 1):
                stem = reads / f"{sample}_L00{lane}"
                writer.writerow([sample, group, f"{stem}_R1.fastq.gz", f"{stem}_R2.fastq.gz"])
    return sheet


def lanes_by_sample(sheet: Path) -> Dict[str, List[Tuple[str, str]]]:
    """sample -> [(fastq_1, fastq_2)] in samplesheet order."""
    out: Dict[str, List[Tuple[str, str]]] = {}
    with open(sheet) as handle:
        for row in csv.DictReader(handle):
            out.setdefault(row["sample"], []).append(
                (row["fastq_1"], row["fastq_2"]))
    return out
