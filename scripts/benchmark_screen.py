#!/usr/bin/env python3
"""Speed and memory benchmark of bin/screen_variants.py against bcftools on the same VCF.

Generates (once, cached) synthetic annotated joint VCFs: N records (default 1,000,000) over the
panel's contigs, 44 samples with GT:DP:GQ:AD, VEP-layout INFO/CSQ with 2-4 transcripts per record
and gnomAD INFO fields (``gnomAD_AF``, ``gnomAD_AF_<pop>``, as the offline path writes them),
bgzipped (``bgzip -@2``) and tabix-indexed. A share ``--panel-fractions`` of the records falls
inside the panel regions (default 1 % and 0.1 %), the rest anywhere on the same contigs.

Then times, in the same run, each command under ``/usr/bin/time`` (best wall time of
``--repeat`` runs; CPU time and peak RSS of that run):

1. streaming, on the first fraction's VCF: ``bcftools view -T regions.bed --targets-overlap 1
   -i 'INFO/gnomAD_AF<0.04'`` (reads every record, applies the panel and an AF filter on the INFO
   field, writes the kept records), the same with ``--threads 1`` (one extra decompression thread,
   as the screen's ``bgzip -dc`` pipe), and the same piped into ``bcftools +split-vep -c IMPACT -s
   worst -i 'IMPACT="HIGH" || IMPACT="MODERATE"'`` (also reads CSQ), against
   ``screen_variants.py --traversal stream`` (reads every record, writes variants.tsv for all of
   them, kept.vcf.gz, carriers, gene status);
2. index jumps, for every fraction: ``bcftools view -R regions.bed`` (same AF filter), and the same
   piped into ``+split-vep``, against ``screen_variants.py --traversal index``;
3. memory at two sizes: the streaming screen on a VCF of N/5 records and of N records.

Usage: scripts/benchmark_screen.py [--records 1000000] [--samples 44] [--cache-dir DIR]
       [--panel-fractions 0.01,0.001] [--repeat 2] [--json out.json]
The figures go to stdout (and, with --json, to a file); docs/benchmarks.md records a run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

REPO = Path(__file__).resolve().parents[1]
GENERATOR_VERSION = 4  # 4: no duplicate records (SCREEN refuses them)

# GRCh38 primary assembly chromosome lengths (header ##contig lines).
GRCH38_LENGTHS = {
    "chr1": 248956422, "chr2": 242193529, "chr3": 198295559, "chr4": 190214555, "chr5": 181538259,
    "chr6": 170805979, "chr7": 159345973, "chr8": 145138636, "chr9": 138394717, "chr10": 133797422,
    "chr11": 135086622, "chr12": 133275309, "chr13": 114364328, "chr14": 107043718, "chr15": 101991189,
    "chr16": 90338345, "chr17": 83257441, "chr18": 80373285, "chr19": 58617616, "chr20": 64444167,
    "chr21": 46709983, "chr22": 50818468, "chrX": 156040895, "chrY": 57227415,
}

CSQ_FIELDS = ("Allele", "Consequence", "IMPACT", "SYMBOL", "Gene", "Feature_type", "Feature", "BIOTYPE", "EXON",
              "INTRON", "HGVSc", "HGVSp", "Existing_variation", "DISTANCE", "STRAND", "CANONICAL", "MANE_SELECT",
              "HGNC_ID")
CONSEQUENCES = (  # (terms, impact, weight)
    ("missense_variant", "MODERATE", 30),
    ("synonymous_variant", "LOW", 25),
    ("intron_variant", "MODIFIER", 20),
    ("splice_region_variant&intron_variant", "LOW", 5),
    ("stop_gained", "HIGH", 3),
    ("3_prime_UTR_variant", "MODIFIER", 10),
    ("splice_donor_variant", "HIGH", 2),
    ("frameshift_variant", "HIGH", 2),
    ("downstream_gene_variant", "MODIFIER", 3),
)
POPULATIONS = ("afr", "amr", "eas", "fin", "nfe", "sas")


def read_bed(path: Path) -> List[Tuple[str, int, int, str]]:
    rows = []
    with open(path) as handle:
        for line in handle:
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            cols = line.rstrip("\n").split("\t")
            rows.append((cols[0], int(cols[1]), int(cols[2]), cols[3].split("|")[0] if len(cols) > 3 else "."))
    return rows


def header(contigs: Sequence[str], samples: Sequence[str]) -> str:
    lines = ["##fileformat=VCFv4.2", '##FILTER=<ID=PASS,Description="All filters passed">',
             "##source=hlhscreen scripts/benchmark_screen.py (synthetic)"]
    lines += [f"##contig=<ID={c},length={GRCH38_LENGTHS[c]},assembly=GRCh38>" for c in contigs]
    lines += [
        '##INFO=<ID=DP,Number=1,Type=Integer,Description="Total depth">',
        '##INFO=<ID=gnomAD_AF,Number=A,Type=Float,Description="gnomAD AF (synthetic)">',
    ]
    lines += [f'##INFO=<ID=gnomAD_AF_{p},Number=A,Type=Float,Description="gnomAD {p} AF (synthetic)">'
              for p in POPULATIONS]
    lines.append('##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
                 'Format: ' + "|".join(CSQ_FIELDS) + '">')
    lines += [
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
        '##FORMAT=<ID=GQ,Number=1,Type=Float,Description="Genotype quality">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allele depths">',
    ]
    lines.append("#" + "\t".join(["CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO", "FORMAT"]
                                 + list(samples)))
    return "\n".join(lines) + "\n"


def sample_names(n_samples: int) -> List[str]:
    """The VCF's sample columns: half cases, then controls."""
    return [f"case_{i + 1:02d}" for i in range(n_samples // 2)] + \
           [f"ctrl_{i + 1:02d}" for i in range(n_samples - n_samples // 2)]


def genotype_blocks(rng: random.Random, n_samples: int, n_blocks: int, frequent_share: float = 0.0) -> List[str]:
    """Sample columns of whole records: mostly 0/0, a few carriers, some low depth and no-calls.

    ``frequent_share``: share of blocks whose carriers are 0.5-4 % of the samples (a low-frequency variant
    such as a whitelisted risk factor) instead of 0-5 samples whatever the cohort size."""
    blocks = []
    for _ in range(n_blocks):
        n_carriers = rng.choice((0, 1, 1, 1, 2, 2, 3, 5))
        if frequent_share and rng.random() < frequent_share:  # no extra draw by default: same files as before
            n_carriers = min(n_samples, max(1, round(n_samples * rng.uniform(0.005, 0.04))))
        carriers = set(rng.sample(range(n_samples), n_carriers))
        cols = []
        for i in range(n_samples):
            dp = max(0, int(rng.gauss(35, 10)))
            if rng.random() < 0.02:
                cols.append("./.:.:.:.")
                continue
            if rng.random() < 0.03:
                dp = rng.randint(1, 9)
            if i in carriers:
                if rng.random() < 0.1:
                    cols.append(f"1/1:{dp}:{rng.randint(20, 99)}:0,{dp}")
                else:
                    alt = dp // 2
                    cols.append(f"0/1:{dp}:{rng.randint(5, 99)}:{dp - alt},{alt}")
            else:
                cols.append(f"0/0:{dp}:{rng.randint(10, 99)}:{dp},0")
        blocks.append("\t".join(cols))
    return blocks


def csq_entry(allele: str, terms: str, impact: str, gene: str, n: int, mane: bool, canonical: bool) -> str:
    values = {
        "Allele": allele, "Consequence": terms, "IMPACT": impact, "SYMBOL": gene, "Gene": f"ENSG{n:011d}",
        "Feature_type": "Transcript", "Feature": f"ENST{n:011d}.{1 + n % 3}", "BIOTYPE": "protein_coding",
        "EXON": "3/12", "INTRON": "", "HGVSc": f"ENST{n:011d}.1:c.{100 + n % 900}A>G",
        "HGVSp": f"ENSP{n:011d}.1:p.Lys{30 + n % 300}Glu" if impact in ("HIGH", "MODERATE") else "",
        "Existing_variation": "", "DISTANCE": "", "STRAND": "1", "CANONICAL": "YES" if canonical else "",
        "MANE_SELECT": f"NM_{n:06d}.1" if mane else "", "HGNC_ID": f"HGNC:{n % 50000}",
    }
    return "|".join(values[f] for f in CSQ_FIELDS)


def generate(path: Path, n_records: int, n_samples: int, bed: Path, panel_fraction: float, seed: int,
             n_blocks: int = 3000, frequent_share: float = 0.0) -> None:
    """``n_blocks`` distinct genotype columns are drawn and shared by the records; ``frequent_share``:
    see :func:`genotype_blocks`."""
    rng = random.Random(seed)
    regions = read_bed(bed)
    contigs = sorted({r[0] for r in regions}, key=lambda c: list(GRCH38_LENGTHS).index(c))
    samples = sample_names(n_samples)
    total_len = sum(GRCH38_LENGTHS[c] for c in contigs)
    weights = [r[2] - r[1] for r in regions]
    # Positions: (chrom, pos, panel gene or None).
    per_chrom: Dict[str, List[Tuple[int, str]]] = {c: [] for c in contigs}
    n_panel = int(round(n_records * panel_fraction))
    for region in rng.choices(regions, weights=weights, k=n_panel):
        per_chrom[region[0]].append((rng.randint(region[1] + 1, region[2]), region[3]))
    chrom_weights = [GRCH38_LENGTHS[c] / total_len for c in contigs]
    for chrom in rng.choices(contigs, weights=chrom_weights, k=n_records - n_panel):
        per_chrom[chrom].append((rng.randint(1, GRCH38_LENGTHS[chrom]), ""))
    blocks = genotype_blocks(rng, n_samples, n_blocks, frequent_share)
    terms_pool = [c for c in CONSEQUENCES for _ in range(c[2])]
    background_genes = [f"GENE{i:04d}" for i in range(400)]
    bases = "ACGT"
    proc = subprocess.Popen(["bgzip", "-@2", "-c"], stdin=subprocess.PIPE, stdout=open(path, "wb"))
    assert proc.stdin is not None
    out = proc.stdin
    out.write(header(contigs, samples).encode())
    n_transcript = 0
    chunk: List[str] = []
    for chrom in contigs:
        seen: set = set()  # (pos, REF, ALT) already written: the same variant twice is refused by SCREEN
        for pos, panel_gene in sorted(per_chrom[chrom]):
            ref = rng.choice(bases)
            if rng.random() < 0.05:
                ref2 = ref + rng.choice(bases)
                ref, alt, allele = ref2, ref, "-"
            else:
                alt = rng.choice([b for b in bases if b != ref])
                allele = alt
            if (pos, ref, alt) in seen:
                unused = [b for b in bases if b != ref[0] and (pos, ref, b) not in seen] if allele != "-" else []
                if not unused:
                    continue  # (rare) this position already has every variant drawn
                alt = allele = rng.choice(unused)
                ref = ref[0]
            seen.add((pos, ref, alt))
            gene = panel_gene or rng.choice(background_genes)
            entries = []
            for t in range(rng.randint(2, 4)):
                terms, impact, _ = rng.choice(terms_pool)
                n_transcript += 1
                entries.append(csq_entry(allele, terms, impact, gene if t < 2 else "OTHER" + gene,
                                         n_transcript, mane=(t == 0), canonical=(t == 0)))
            info = [f"DP={rng.randint(200, 2000)}"]
            if rng.random() < 0.75:
                af = rng.choice((rng.uniform(0, 0.0005), rng.uniform(0, 0.01), rng.uniform(0, 0.1), 0.0354))
                info.append(f"gnomAD_AF={af:.4g}")
                for p in POPULATIONS:
                    if rng.random() < 0.5:
                        info.append(f"gnomAD_AF_{p}={min(1.0, af * rng.uniform(0.2, 2.5)):.4g}")
            info.append("CSQ=" + ",".join(entries))
            qual = rng.uniform(25, 3000) if rng.random() > 0.05 else rng.uniform(1, 19)
            rsid = f"rs{rng.randint(1, 10**9)}" if rng.random() < 0.5 else "."
            chunk.append(f"{chrom}\t{pos}\t{rsid}\t{ref}\t{alt}\t{qual:.2f}\tPASS\t{';'.join(info)}\t"
                         f"GT:DP:GQ:AD\t{rng.choice(blocks)}\n")
            if len(chunk) >= 20000:
                out.write("".join(chunk).encode())
                chunk = []
    out.write("".join(chunk).encode())
    out.close()
    if proc.wait() != 0:
        raise SystemExit("bgzip failed")
    subprocess.run(["tabix", "-f", "-p", "vcf", str(path)], check=True)


def cached_vcf(cache: Path, n_records: int, n_samples: int, bed: Path, panel_fraction: float, seed: int) -> Path:
    cache.mkdir(parents=True, exist_ok=True)
    name = f"bench_v{GENERATOR_VERSION}_{n_records}r_{n_samples}s_{panel_fraction:g}p_{seed}.vcf.gz"
    path = cache / name
    if path.is_file() and Path(str(path) + ".tbi").is_file():
        print(f"# using cached {path}", flush=True)
        return path
    print(f"# generating {path} ...", flush=True)
    start = time.perf_counter()
    tmp = path.with_name(".partial." + name)
    generate(tmp, n_records, n_samples, bed, panel_fraction, seed)
    os.replace(Path(str(tmp) + ".tbi"), Path(str(path) + ".tbi"))
    os.replace(tmp, path)
    print(f"# generated in {time.perf_counter() - start:.1f} s ({path.stat().st_size / 1e6:.0f} MB)", flush=True)
    return path


def timed(command: str, label: str, repeat: int = 1) -> Dict[str, float]:
    """Run a shell command under /usr/bin/time ``repeat`` times; the fastest run's wall seconds, CPU
    seconds (user + sys, children included) and peak RSS (MB, largest process)."""
    best: Dict[str, float] = {}
    for _ in range(repeat):
        with tempfile.NamedTemporaryFile("r", suffix=".time") as stats:
            start = time.perf_counter()
            proc = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", stats.name, "bash", "-o", "pipefail",
                                   "-c", command], capture_output=True, text=True)
            wall = time.perf_counter() - start
            if proc.returncode != 0:
                raise SystemExit(f"{label} failed ({proc.returncode}):\n{command}\n{proc.stderr[-2000:]}")
            user, system, rss_kb = stats.read().split()[-3:]
        run = {"wall_s": round(wall, 3), "cpu_s": round(float(user) + float(system), 2),
               "peak_rss_mb": round(int(rss_kb) / 1024, 1)}
        if not best or run["wall_s"] < best["wall_s"]:
            best = run
    print(f"{label:<52} {best['wall_s']:7.2f} s wall {best['cpu_s']:7.2f} s CPU {best['peak_rss_mb']:7.1f} MB",
          flush=True)
    return best


def machine() -> Dict[str, str]:
    model = "unknown"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    bcftools = subprocess.run(["bcftools", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    return {"nproc": str(os.cpu_count()), "cpu": model, "ram_gb": f"{mem_kb / 1024 / 1024:.1f}",
            "python": platform.python_version(), "bcftools": bcftools,
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def main(argv: Sequence[str] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--small-records", type=int, default=None, help="second size for the memory check (N/5)")
    parser.add_argument("--samples", type=int, default=44)
    parser.add_argument("--panel-fractions", default="0.01,0.001",
                        help="shares of records inside the panel, comma-separated; streaming uses the first")
    parser.add_argument("--repeat", type=int, default=2, help="runs per command; the fastest is reported")
    parser.add_argument("--regions", type=Path, default=REPO / "panels/hlh/regions.bed")
    parser.add_argument("--risk-factors", type=Path, default=REPO / "panels/hlh/risk_factors.tsv")
    parser.add_argument("--cache-dir", type=Path,
                        default=Path(os.environ.get("TMPDIR", "/tmp")) / "hlhscreen_benchmark")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--python", default=sys.executable, help="interpreter for bin/screen_variants.py")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)

    for tool in ("bcftools", "bgzip", "tabix"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found on PATH")
    small = args.small_records or max(1, args.records // 5)
    fractions = [float(f) for f in args.panel_fractions.split(",") if f.strip()]
    info = machine()
    print("# machine: " + "; ".join(f"{k}={v}" for k, v in info.items()), flush=True)
    vcfs = {f: cached_vcf(args.cache_dir, args.records, args.samples, args.regions, f, args.seed) for f in fractions}
    big_vcf = vcfs[fractions[0]]
    small_vcf = cached_vcf(args.cache_dir, small, args.samples, args.regions, fractions[0], args.seed)

    work = Path(tempfile.mkdtemp(prefix="screen_bench.", dir=args.cache_dir))
    try:
        sheet = work / "samples.csv"
        with open(sheet, "w") as handle:
            handle.write("sample,group\n")
            for i in range(args.samples // 2):
                handle.write(f"case_{i + 1:02d},case\n")
            for i in range(args.samples - args.samples // 2):
                handle.write(f"ctrl_{i + 1:02d},control\n")
        screen = (f"{args.python} {REPO / 'bin/screen_variants.py'} --regions {args.regions} "
                  f"--risk-factors {args.risk_factors} --samplesheet {sheet}")
        af = "-i 'INFO/gnomAD_AF<0.04'"
        split_vep = "bcftools +split-vep -c IMPACT -s worst -i 'IMPACT=\"HIGH\" || IMPACT=\"MODERATE\"'"
        bed = args.regions
        runs: List[Tuple[str, str, str]] = [
            ("bcftools_stream", f"bcftools view -T (stream), {args.records} records",
             f"bcftools view -T {bed} --targets-overlap 1 {af} {big_vcf} -Oz -o {work / 'b1.vcf.gz'}"),
            ("bcftools_stream_t1", "bcftools view --threads 1 -T (stream)",
             f"bcftools view --threads 1 -T {bed} --targets-overlap 1 {af} {big_vcf} -Oz -o {work / 'b2.vcf.gz'}"),
            ("bcftools_stream_split_vep", "bcftools view -T | +split-vep (stream)",
             f"bcftools view -T {bed} --targets-overlap 1 {af} {big_vcf} -Ou | {split_vep} -Oz -o "
             f"{work / 'b3.vcf.gz'}"),
            ("screen_stream", "screen_variants --traversal stream",
             f"{screen} --vcf {big_vcf} --outdir {work / 'screen_stream'} --traversal stream"),
        ]
        for f in fractions:
            vcf = vcfs[f]
            runs += [
                (f"bcftools_index_{f:g}", f"bcftools view -R (index), {f:g} in panel",
                 f"bcftools view -R {bed} --regions-overlap 1 {af} {vcf} -Oz -o {work / 'b4.vcf.gz'}"),
                (f"bcftools_index_split_vep_{f:g}", f"bcftools view -R | +split-vep, {f:g} in panel",
                 f"bcftools view -R {bed} --regions-overlap 1 {af} {vcf} -Ou | {split_vep} -Oz -o "
                 f"{work / 'b5.vcf.gz'}"),
                (f"screen_index_{f:g}", f"screen_variants --traversal index, {f:g} in panel",
                 f"{screen} --vcf {vcf} --outdir {work / ('screen_index_' + str(f))} --traversal index"),
            ]
        runs.append(("screen_stream_small", f"screen_variants stream, {small} records",
                     f"{screen} --vcf {small_vcf} --outdir {work / 'screen_small'} --traversal stream"))
        results = {key: timed(command, label, args.repeat) for key, label, command in runs}
        commands = {key: command for key, _, command in runs}

        def count(path: Path) -> int:
            return int(subprocess.run(f"bcftools view -H {path} | wc -l", shell=True, capture_output=True,
                                      text=True).stdout)

        ratios = {
            "stream_vs_view_T": results["screen_stream"]["wall_s"] / results["bcftools_stream"]["wall_s"],
            "stream_vs_view_T_threads1": results["screen_stream"]["wall_s"] / results["bcftools_stream_t1"]["wall_s"],
            "stream_vs_view_T_split_vep":
                results["screen_stream"]["wall_s"] / results["bcftools_stream_split_vep"]["wall_s"],
        }
        for f in fractions:
            ratios[f"index_vs_view_R_{f:g}"] = results[f"screen_index_{f:g}"]["wall_s"] / \
                results[f"bcftools_index_{f:g}"]["wall_s"]
            ratios[f"index_vs_view_R_split_vep_{f:g}"] = results[f"screen_index_{f:g}"]["wall_s"] / \
                results[f"bcftools_index_split_vep_{f:g}"]["wall_s"]
        for key, value in ratios.items():
            print(f"ratio {key:<40} {value:6.2f}")
        print(f"peak RSS of the streaming screen: {small} records {results['screen_stream_small']['peak_rss_mb']} MB, "
              f"{args.records} records {results['screen_stream']['peak_rss_mb']} MB")
        kept = {"bcftools_view_T": count(work / "b1.vcf.gz"),
                "screen": count(work / "screen_stream" / "kept.vcf.gz")}
        print(f"records kept: bcftools view -T (panel + AF only) {kept['bcftools_view_T']}, "
              f"screen (all rules) {kept['screen']}")
        report = {"machine": info, "records": args.records, "small_records": small, "samples": args.samples,
                  "panel_fractions": fractions, "repeat": args.repeat,
                  "vcf_mb": {f"{f:g}": round(vcfs[f].stat().st_size / 1e6, 1) for f in fractions},
                  "commands": commands, "results": results, "ratios": {k: round(v, 3) for k, v in ratios.items()},
                  "kept": kept}
        if args.json:
            args.json.write_text(json.dumps(report, indent=2) + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
