#!/usr/bin/env python3
"""Synthetic screening outputs of N samples: the inputs COHORT_STATS and REPORT take, made by the real tools.

No reads and no pipeline run: a panel-only annotated joint VCF of N samples is generated with
scripts/benchmark_screen.py's generator (VEP CSQ, gnomAD INFO fields, GT:DP:GQ:AD; a share of the
records has 0.5-4 % carriers, the rest 0-5 carriers whatever N), and SCREEN itself
(bin/screen_variants.py, the study's filters) turns it into ``variants.tsv``, ``carriers.tsv`` and
``gene_status.tsv``, so the tables are consistent with each other exactly as in a run. Around them:

- ``sex.tsv`` from hlhscreen.sex's own inference on made-up panel depths (one sample in four male);
- ``sample_qc.tsv`` rows built with hlhscreen.qc (about 3 % of samples below the depth minimums);
- ``panel_callability.tsv`` by bin/panel_to_reference.py against a GRCh38 index (every gene callable);
- ``samples.csv``, ``params.json`` (the schema's defaults) and ``software_versions.yml``.

About 20 % of the panel records are kept by the screen: ``--records 1000`` gives ~200 kept variants.

    scripts/benchmark/screen_outputs.py --samples 1000 --records 1000 --out /tmp/hlhscreen_benchmark/tables/n1000
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

REPO = Path(__file__).resolve().parents[2]
BIN = REPO / "bin"
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(BIN))

import benchmark_screen  # noqa: E402
from hlhscreen import qc, sex  # noqa: E402

PANEL = REPO / "panels" / "hlh"
FREQUENT_SHARE = 0.1   # records whose carriers grow with N (0.5-4 % of the samples)
MALE_SHARE = 0.25
QC_FAIL_SHARE = 0.03
TABLE_VERSION = "3"    # bump when the tables made for a given (samples, records, seed) change
# ANNOTATION_SUMMARY's frequency_check.json of a run with a whole-genome gnomAD file: no chromosome unlooked-up
FREQUENCY_CHECK = {"gnomad_file": "gnomad.genomes.v4.1.sites.vcf.bgz", "contigs_not_covered": {}}


def groups(samples: Sequence[str]) -> Dict[str, str]:
    return {s: "case" if s.startswith("case_") else "control" for s in samples}


def write_samples(path: Path, group_of: Dict[str, str]) -> None:
    path.write_text("sample,group\n" + "".join(f"{s},{g}\n" for s, g in group_of.items()))


def sex_rows(group_of: Dict[str, str], rng: random.Random) -> List[sex.SampleSex]:
    """One SampleSex per sample from panel depths: chrX (non-PAR) at half the autosomal depth in males."""
    rows = []
    for sample, group in group_of.items():
        male = rng.random() < MALE_SHARE
        depth = rng.uniform(25.0, 50.0)
        regions = [sex.DepthRegion("chr1", 0, 5000, depth),
                   sex.DepthRegion("chrX", 124_000_000, 124_002_000, depth * (0.5 if male else 1.0))]
        rows.append(sex.sample_sex(sample, group, "male" if male else "female", regions))
    return rows


def qc_rows(sex_table: Path, rng: random.Random) -> List[qc.SampleQC]:
    """A QC row per sex.tsv row, with its sex columns as QC_SUMMARY adds them."""
    with open(sex_table) as handle:
        sexes = list(csv.DictReader(handle, delimiter="\t"))
    rows = []
    for entry in sexes:
        total = rng.randint(300_000, 600_000)
        mapped = int(total * rng.uniform(0.97, 0.999))
        failing = rng.random() < QC_FAIL_SHARE
        depth = rng.uniform(8.0, 19.0) if failing else float(entry["autosomal_mean_depth"])
        pct_20x = rng.uniform(40.0, 89.0) if failing else rng.uniform(92.0, 100.0)
        flag = "mean_depth<20;pct_20x<90" if failing else "pass"
        row = qc.SampleQC(entry["sample"], entry["group"], total, mapped, round(100.0 * mapped / total, 2),
                          round(depth, 2), round(pct_20x, 2), flag)
        rows.append(qc.with_sex(row, entry))
    return rows


def write_provenance(out: Path) -> None:
    schema = json.loads((REPO / "nextflow_schema.json").read_text())
    params = {name: spec.get("default") for group in schema["$defs"].values()
              for name, spec in group["properties"].items()}
    (out / "params.json").write_text(json.dumps(params, indent=1) + "\n")
    (out / "software_versions.yml").write_text(
        "FREEBAYES:\n  freebayes: 1.3.6\nBCFTOOLS_NORM:\n  bcftools: '1.16'\nBWAMEM2_MEM:\n  bwamem2: 2.2.1\n"
        "SCREEN:\n  python: 3.11.7\nWorkflow:\n  Nextflow: 24.10.0\n  hlhscreen: 0.1.0\n")


def write_fai(path: Path) -> None:
    path.write_text("".join(f"{name}\t{length}\t0\t60\t61\n"
                            for name, length in benchmark_screen.GRCH38_LENGTHS.items()))


def run(cmd: List[str], log: Path) -> None:
    with open(log, "w") as handle:
        if subprocess.run(cmd, stdout=handle, stderr=subprocess.STDOUT).returncode != 0:
            raise SystemExit(f"{Path(cmd[1]).name} failed: see {log}")


def build(n_samples: int, n_records: int, out: Path, seed: int = 1) -> Dict[str, Path]:
    """Write the tables of ``n_samples`` samples into ``out`` (reused when already made); returns them by name."""
    done = out / f".done.v{TABLE_VERSION}"
    paths = {name: out / file for name, file in (
        ("samples", "samples.csv"), ("qc", "sample_qc.tsv"), ("sex", "sex.tsv"),
        ("variants", "screen/variants.tsv"), ("carriers", "screen/carriers.tsv"),
        ("gene_status", "screen/gene_status.tsv"), ("gene_coverage", "screen/gene_coverage.tsv"), ("callability", "panel/panel_callability.tsv"),
        ("params", "params.json"), ("versions", "software_versions.yml"),
        ("frequency_check", "frequency_check.json"), ("reference_notes", "panel/reference_notes.txt"))}
    # the panel files SCREEN screened with, which REPORT reads too (the whitelist entries seen or not)
    paths.update(risk_factors=PANEL / "risk_factors.tsv", regions=PANEL / "regions.bed",
                 panel_genes=PANEL / "genes.tsv")
    if done.exists():
        return paths
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{seed}:screen_outputs:{n_samples}")
    group_of = groups(benchmark_screen.sample_names(n_samples))
    write_samples(paths["samples"], group_of)
    with open(paths["sex"], "w") as handle:
        handle.write("\t".join(sex.COLUMNS) + "\n")
        handle.writelines(entry.row() for entry in sex_rows(group_of, rng))
    with open(paths["qc"], "w") as handle:
        handle.write("\t".join(qc.COLUMNS) + "\n")
        handle.writelines(qc.row(row) for row in qc_rows(paths["sex"], rng))
    write_provenance(out)
    paths["frequency_check"].write_text(json.dumps(FREQUENCY_CHECK) + "\n")
    vcf = out / "panel.vcf.gz"
    benchmark_screen.generate(vcf, n_records, n_samples, PANEL / "regions.bed", 1.0, seed,
                              n_blocks=min(n_records, 3000), frequent_share=FREQUENT_SHARE)
    python = sys.executable
    run([python, str(BIN / "screen_variants.py"), "--vcf", str(vcf), "--regions", str(PANEL / "regions.bed"),
         "--risk-factors", str(PANEL / "risk_factors.tsv"), "--samplesheet", str(paths["samples"]),
         "--sex", str(paths["sex"]), "--frequency-check", str(paths["frequency_check"]),
         "--outdir", str(out / "screen")], out / "screen.log")
    write_fai(out / "grch38.fa.fai")
    run([python, str(BIN / "panel_to_reference.py"), "--regions", str(PANEL / "regions.bed"),
         "--targets", str(PANEL / "targets.bed"), "--fai", str(out / "grch38.fa.fai"), "--outdir", str(out / "panel")],
        out / "panel.log")
    done.touch()
    return paths


def kept_variants(variants: Path) -> int:
    with open(variants) as handle:
        header = handle.readline().rstrip("\n").split("\t")
        column = header.index("decision")
        return sum(1 for line in handle if line.rstrip("\n").split("\t")[column] == "kept")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, required=True)
    parser.add_argument("--records", type=int, default=1000, help="panel records of the VCF (~20 %% are kept)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    paths = build(args.samples, args.records, args.out, args.seed)
    print(f"{args.samples} samples, {kept_variants(paths['variants'])} kept variants: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
