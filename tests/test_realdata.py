"""Real Illumina reads of GIAB samples through the pipeline (../shared/realdata; README.md there).

1. NA12878 (HG001), 2x101 bp HiSeq reads over chr20:10.0-10.1 Mb, on a plain full-length chr20
   reference (GRCh37, bgzipped, indexed by the pipeline), as a capture user would run a validation:
   --intervals (the 100 kb as the target) and --skip_screening. The joint VCF is scored against the
   GIAB/NIST truth inside the confident BED with bin/compare_to_truth.py (docs/benchmarks.md).
2. HG001 + HG002 NovaSeq reads on a 10 kb GRCh38 window of chr2 (a windows reference) with capture
   targets in GRCh38 coordinates: alignment, coverage and calling, with sane QC.

Skipped, with the reason, when ../shared/realdata is not there.
"""

from __future__ import annotations

import csv
import gzip
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from nextflow_runner import REPO, run_nextflow
from shared_data import shared_roots


def find_realdata() -> Optional[Path]:
    candidates = [os.environ.get("HLHSCREEN_REALDATA")] + [root / "realdata" for root in shared_roots()]
    for candidate in candidates:
        if candidate and (Path(candidate) / "giab_na12878_chr20_grch37").is_dir():
            return Path(candidate)
    return None


REALDATA = find_realdata()
pytestmark = [
    pytest.mark.pipeline,
    pytest.mark.skipif(REALDATA is None, reason="../shared/realdata is absent (real GIAB reads, truth VCF and "
                                                "confident BED); set HLHSCREEN_REALDATA to its folder to run these"),
]

# Measured on this pipeline (docs/benchmarks.md): every truth record inside the confident BED found
# with the right genotype, no false positive. The margins allow one SNV error in 45, no indel error
# in 4 (the run is deterministic: fixed bwa batch size, single-threaded FreeBayes per chunk).
MEASURED = {"SNV": {"tp": 45, "precision": 1.0, "recall": 1.0, "gt_concordance": 1.0},
            "INDEL": {"tp": 4, "precision": 1.0, "recall": 1.0, "gt_concordance": 1.0}}
MARGIN = {"SNV": 0.03, "INDEL": 0.0}


def tsv(path: Path) -> List[Dict[str, str]]:
    with open(path) as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def samtools_sn(path: Path) -> Dict[str, float]:
    numbers = {}
    for line in path.read_text().splitlines():
        if line.startswith("SN\t"):
            _, key, value = line.split("\t")[:3]
            numbers[key.rstrip(":")] = float(value)
    return numbers


# ---- NA12878 on a plain GRCh37 chr20 ------------------------------------------------------------

@pytest.fixture(scope="module")
def na12878(tmp_path_factory):
    data = REALDATA / "giab_na12878_chr20_grch37"
    launch = tmp_path_factory.mktemp("na12878")
    (launch / "samplesheet.csv").write_text(
        "sample,group,fastq_1,fastq_2\n"
        f"NA12878,case,{data}/NA12878_S1.chr20.10_10p1mb_R1.fastq.gz,{data}/NA12878_S1.chr20.10_10p1mb_R2.fastq.gz\n")
    (launch / "targets.bed").write_text("chr20\t10000000\t10100000\n")
    run_nextflow(launch, "--input", "samplesheet.csv", "--fasta", str(data / "ucsc.hg19.chr20.unittest.fasta.gz"),
                 "--intervals", "targets.bed", "--skip_screening", "--aligner", "bwa", "--outdir", "results")
    return launch, data


def test_na12878_scores_at_least_as_measured_against_the_giab_truth(na12878):
    launch, data = na12878
    vcf = next((launch / "results/variants").glob("*.vcf.gz"))
    subprocess.run([sys.executable, str(REPO / "bin/compare_to_truth.py"), "--query", str(vcf),
                    "--query-sample", "NA12878", "--truth", str(data / "test_nist.b37_chr20_100kbp_at_10mb.vcf.gz"),
                    "--regions", str(data / "test_nist.b37_chr20_100kbp_at_10mb.bed"),
                    "--fasta", str(data / "ucsc.hg19.chr20.unittest.fasta.gz"), "--prefix", str(launch / "giab")],
                   check=True, capture_output=True, env=dict(os.environ, PYTHONPATH=str(REPO / "bin")))
    summary = {row["type"]: row for row in tsv(launch / "giab.summary.tsv")}
    details = (launch / "giab.details.tsv").read_text()
    for kind, measured in MEASURED.items():
        row = summary[kind]
        assert int(row["tp"]) >= measured["tp"] - round(MARGIN[kind] * measured["tp"]), (kind, row, details)
        for metric in ("precision", "recall", "gt_concordance"):
            assert float(row[metric]) >= measured[metric] - MARGIN[kind], (kind, metric, row, details)


def test_na12878_freebayes_mnp_and_complex_calls_reach_annotation_atomised(na12878):
    """FreeBayes writes chr20:10,002,138 C>G + 10,002,142 G>C as one MNP CACTG>GACTC and two 1/2 complex
    sites (TTCT>CTCC,TTCC; TCAC>CCAT,CCAC). Before: they reached annotation whole, so no gnomAD record
    (which lists the SNVs) could match them. Now the pipeline's VCF has the truth's SNVs and
    zygosities, each piece naming its FreeBayes record and ALT(s) in OLD_REC (docs/benchmarks.md)."""
    launch, _ = na12878
    vcf = launch / "results/variants/cohort.norm.vcf.gz"
    text = subprocess.run(["bgzip", "-dc", str(vcf)], capture_output=True, text=True, check=True).stdout
    found = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        fields = line.split("\t")
        info = dict(part.split("=", 1) for part in fields[7].split(";") if "=" in part)
        found[(int(fields[1]), fields[3], fields[4])] = (fields[9].split(":")[0], info.get("OLD_REC"))
    assert found[(10002138, "C", "G")] == ("1/1", "chr20|10002138|CACTG|GACTC|1")
    assert found[(10002142, "G", "C")] == ("1/1", "chr20|10002138|CACTG|GACTC|1")
    assert found[(10012384, "T", "C")] == ("1/0", "chr20|10012384|TTCT|CTCC,TTCC|1")
    assert found[(10012387, "T", "C")] == ("1/1", "chr20|10012384|TTCT|CTCC,TTCC|1,2")
    assert found[(10012518, "T", "C")] == ("1/1", "chr20|10012518|TCAC|CCAT,CCAC|1,2")
    assert found[(10012521, "C", "T")] == ("1/0", "chr20|10012518|TCAC|CCAT,CCAC|1")
    assert not any(alt == "*" for _, _, alt in found)
    assert len(found) == len(text.splitlines()) - sum(1 for line in text.splitlines() if line.startswith("#"))


def test_na12878_alignment_and_coverage_on_the_target(na12878):
    launch, _ = na12878
    sn = samtools_sn(launch / "results/qc/samtools_stats/NA12878.stats")
    assert sn["reads mapped"] / sn["raw total sequences"] > 0.99
    assert sn["reads properly paired"] / sn["raw total sequences"] > 0.98
    qc = tsv(launch / "results/qc/sample_qc.tsv")[0]
    assert 40 < float(qc["mean_panel_depth"]) < 80, qc  # ~52x: 25,839 pairs x 2 x 101 bp over 100 kb
    # the reads were cut from the 100 kb target: nearly all aligned bases on it (mates hang over its ends)
    assert 95 < float(qc["pct_on_target"]) <= 100 and "on_target" not in qc["qc_flag"], qc
    # the reads' names carry no CASAVA comment (no 1:N:/1:Y: filter flag): not assessed, never "0 failed"
    assert (qc["pairs_failed_filter"], qc["pct_failed_filter"]) == ("NA", "NA") and "failed" not in qc["qc_flag"], qc
    # the validation run needs no panel: nothing was annotated or screened
    assert not (launch / "results/screen").exists() and not (launch / "results/annotation").exists()
    assert not (launch / "results/report").exists()


# ---- HG001 + HG002 on a GRCh38 window of chr2 ---------------------------------------------------

# Capture targets around the four read pile-ups of the slice (the data source gives no capture BED):
# slice positions 1-500, 2301-2650, 4101-4450, 6151-6560, in GRCh38 coordinates (slice 1 = 47,410,000).
CHR2_TARGETS = [(1, 500), (2301, 2650), (4101, 4450), (6151, 6560)]
SLICE_START = 47_410_000


@pytest.fixture(scope="module")
def chr2_window(tmp_path_factory):
    data = REALDATA / "giab_hg001_hg002_chr2_grch38"
    launch = tmp_path_factory.mktemp("chr2_window")
    (launch / "samplesheet.csv").write_text(
        "sample,group,fastq_1,fastq_2\n"
        f"HG001,case,{data}/HG001_R1.fastq.gz,{data}/HG001_R2.fastq.gz\n"
        f"HG002,control,{data}/HG002_R1.fastq.gz,{data}/HG002_R2.fastq.gz\n")
    (launch / "windows.tsv").write_text("contig\tchrom\tstart\tend\tchrom_length\n"
                                        f"chr2_47410000_47420000\tchr2\t{SLICE_START}\t{SLICE_START + 10_000}\t242193529\n")
    (launch / "targets.grch38.bed").write_text("".join(
        f"chr2\t{SLICE_START + lo - 2}\t{SLICE_START + hi - 1}\n" for lo, hi in CHR2_TARGETS))
    run_nextflow(launch, "--input", "samplesheet.csv", "--fasta", str(data / "chr2_47410000_47420000.fa"),
                 "--reference_windows", "windows.tsv", "--intervals", "targets.grch38.bed", "--skip_screening",
                 "--aligner", "bwa", "--calling_chunks", "2", "--outdir", "results")
    return launch


def test_chr2_window_alignment_and_capture_qc(chr2_window):
    results = chr2_window / "results"
    for sample in ("HG001", "HG002"):
        sn = samtools_sn(results / f"qc/samtools_stats/{sample}.stats")
        assert sn["reads mapped"] / sn["raw total sequences"] > 0.99, sample
        assert sn["reads properly paired"] / sn["raw total sequences"] > 0.98, sample
    qc = {row["sample"]: row for row in tsv(results / "qc/sample_qc.tsv")}
    for sample in ("HG001", "HG002"):
        # depth over the capture targets, not over the whole 10 kb (mean 11-12x there)
        assert float(qc[sample]["mean_panel_depth"]) > 30, qc[sample]
        assert float(qc[sample]["pct_panel_20x"]) > 60, qc[sample]
        # no panel: the on-target rate is read from the coverage run over the targets (MOSDEPTH itself);
        # the slice's reads pile up around the four targets, but real reads also hang over their edges
        assert 50 < float(qc[sample]["pct_on_target"]) < 100 and "on_target" not in qc[sample]["qc_flag"], qc[sample]
    regions = gzip.open(next(results.glob("qc/mosdepth/HG001.regions.bed.gz")), "rt").read().splitlines()
    assert len(regions) == len(CHR2_TARGETS)
    assert all(line.startswith("chr2_47410000_47420000\t") for line in regions)


def test_chr2_window_calls_are_moved_back_to_grch38(chr2_window):
    """The joint VCF is on GRCh38 (chromosome chr2 at its real length), both samples genotyped at
    every record, nothing outside the slice. FreeBayes makes no call in these targets: the one
    variant bcftools finds (a 3-4 A deletion in an (A)27 run at slice position 4,421, QUAL 0.13 for
    FreeBayes) has too few reads spanning the homopolymer (docs/benchmarks.md)."""
    vcf = chr2_window / "results/variants/cohort.grch38.vcf.gz"
    header, records = [], []
    with gzip.open(vcf, "rt") as handle:
        for line in handle:
            if line.startswith("#"):
                header.append(line.rstrip("\n"))
            else:
                records.append(line.rstrip("\n").split("\t"))
    assert "##contig=<ID=chr2,length=242193529,assembly=GRCh38>" in header
    assert not any(h.startswith("##contig=<ID=chr2_47410000_47420000") for h in header)
    assert header[-1].split("\t")[9:] == ["HG001", "HG002"]
    for cols in records:
        assert cols[0] == "chr2" and SLICE_START <= int(cols[1]) <= SLICE_START + 10_000, cols[:5]
        assert len(cols) == 11 and all(value.split(":")[0] for value in cols[9:]), cols  # GT for both samples
