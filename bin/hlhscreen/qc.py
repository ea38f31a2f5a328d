"""Per-sample QC figures from samtools stats and mosdepth outputs, with a flag below thresholds."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from .errors import UserInputError
from .sex import NOTE_LOW_X
from .tables import read_tsv


@dataclass(frozen=True)
class SampleQC:
    """One row of sample_qc.tsv (written by QC_SUMMARY, read back by the report)."""

    sample: str
    group: str
    total_reads: int
    mapped_reads: int
    pct_mapped: float
    mean_panel_depth: float
    pct_panel_20x: float
    flag: str  # column qc_flag: "pass" or a ";"-joined list of the failed checks
    sex_given: str = "NA"
    sex_inferred: str = "NA"
    sex: str = "NA"
    x_autosome_ratio: str = "NA"
    # share of aligned bases on the capture targets (--intervals); None: not assessed (no --intervals)
    pct_on_target: Optional[float] = None
    # read pairs whose R1 header flags them as failing Illumina's chastity filter (1:Y:), summed over the
    # sample's lanes (CHECK_FASTQ), and their share of its read pairs; None: not assessed (no FASTQ checks)
    pairs_failed_filter: Optional[int] = None
    pct_failed_filter: Optional[float] = None


def read_samtools_stats(path: Path) -> Dict[str, float]:
    """The SN (summary numbers) section: 'raw total sequences' -> value."""
    numbers: Dict[str, float] = {}
    with open(path) as handle:
        for line in handle:
            if line.startswith("SN\t"):
                _, key, value = line.rstrip("\n").split("\t")[:3]
                numbers[key.rstrip(":")] = float(value)
    for key in ("raw total sequences", "reads mapped"):
        if key not in numbers:
            raise UserInputError(path, None, key, "not found in the samtools stats SN section")
    return numbers


def read_mosdepth_mean(summary: Path) -> float:
    """Mean depth over the panel: mosdepth's 'total_region' row."""
    with open(summary) as handle:
        header = handle.readline().rstrip("\n").split("\t")
        for line in handle:
            cols = line.rstrip("\n").split("\t")
            if cols[0] == "total_region":
                return float(cols[header.index("mean")])
    raise UserInputError(summary, None, "total_region", "no panel summary row (was mosdepth run with --by?)")


def read_mosdepth_on_target(summary: Path) -> float:
    """Percentage of the aligned bases that lie on the regions mosdepth was run --by (the capture targets):
    'total_region' bases / 'total' bases, both counted by mosdepth with its read filters (MAPQ, flags),
    as Picard HsMetrics counts ON_TARGET_BASES of the aligned bases (base level, no padding)."""
    bases: Dict[str, int] = {}
    with open(summary) as handle:
        header = handle.readline().rstrip("\n").split("\t")
        if "bases" not in header:
            raise UserInputError(summary, 1, "bases", "no 'bases' column in the mosdepth summary header")
        for number, line in enumerate(handle, start=2):
            cols = line.rstrip("\n").split("\t")
            if cols[0] in ("total", "total_region"):
                try:
                    bases[cols[0]] = int(cols[header.index("bases")])
                except (ValueError, IndexError):
                    raise UserInputError(summary, number, "bases",
                                         f"'{line.strip()}' has no whole number of bases") from None
    for key in ("total", "total_region"):
        if key not in bases:
            raise UserInputError(summary, None, key,
                                 "no such row in the mosdepth summary (was mosdepth run with --by?)")
    if bases["total_region"] > bases["total"]:
        # only overlapping target intervals (counted twice) give this; INTERVALS_TO_REFERENCE merges them
        raise UserInputError(summary, None, "total_region", f"{bases['total_region']} target bases exceed the "
                             f"{bases['total']} aligned bases: were the targets merged?")
    return 100.0 * bases["total_region"] / bases["total"] if bases["total"] else 0.0


def read_mosdepth_fraction_at(dist: Path, depth: int) -> float:
    """Share of panel bases covered at >= ``depth`` (mosdepth region.dist 'total' rows)."""
    with open(dist) as handle:
        for line in handle:
            chrom, at, fraction = line.rstrip("\n").split("\t")
            if chrom == "total" and int(at) == depth:
                return float(fraction)
    return 0.0  # mosdepth omits depths above the maximum observed: no base reaches them


def summarise(sample: str, group: str, stats: Path, summary: Path, dist: Path,
              min_mean_depth: float, min_pct_20x: float, min_pct_mapped: float,
              targets_summary: Optional[Path] = None, min_pct_on_target: float = 0.0) -> SampleQC:
    """The QC row of one sample; ``targets_summary`` is the mosdepth summary over the capture targets
    (None without --intervals: on-target rate not assessed)."""
    numbers = read_samtools_stats(stats)
    total, mapped = int(numbers["raw total sequences"]), int(numbers["reads mapped"])
    pct_mapped = 100.0 * mapped / total if total else 0.0
    mean_depth = read_mosdepth_mean(summary)
    pct_20x = 100.0 * read_mosdepth_fraction_at(dist, 20)
    failed = []
    if mean_depth < min_mean_depth:
        failed.append(f"mean_depth<{min_mean_depth:g}")
    if pct_20x < min_pct_20x:
        failed.append(f"pct_20x<{min_pct_20x:g}")
    if pct_mapped < min_pct_mapped:
        failed.append(f"pct_mapped<{min_pct_mapped:g}")
    pct_on_target = read_mosdepth_on_target(targets_summary) if targets_summary else None
    if pct_on_target is not None and pct_on_target < min_pct_on_target:
        failed.append(f"pct_on_target<{min_pct_on_target:g}")
    return SampleQC(sample, group, total, mapped, round(pct_mapped, 2), round(mean_depth, 2), round(pct_20x, 2),
                    ";".join(failed) or "pass",
                    pct_on_target=None if pct_on_target is None else round(pct_on_target, 2))


COLUMNS = ("sample", "group", "total_reads", "mapped_reads", "pct_mapped", "mean_panel_depth", "pct_panel_20x",
           "pct_on_target", "pairs_failed_filter", "pct_failed_filter", "sex_given", "sex_inferred", "sex", "x_autosome_ratio", "qc_flag")
SEX_MISMATCH_FLAG = "sex_mismatch"
# SEX_CHECK's note for a chrX depth below one X copy: chrX targets that failed in the sample
LOW_X_FLAG = NOTE_LOW_X
FASTQ_CHECK_SUFFIX = ".fastq_check.tsv"


def read_fastq_checks(paths: Sequence[Path]) -> Dict[str, Tuple[int, Optional[int]]]:
    """Sample -> (read pairs, pairs failing the instrument filter), summed over the CHECK_FASTQ tables
    of its lanes (one row per lane: sample, lane, ..., read_pairs, pairs_failed_filter). The failing
    pairs are None (not assessed) when a lane's are NA: its read names carry no filter flag."""
    totals: Dict[str, Tuple[int, Optional[int]]] = {}
    seen: Dict[Tuple[str, str], Path] = {}
    for path in paths:
        for line, fields in read_tsv(path, ("sample", "lane", "read_pairs", "pairs_failed_filter"), "--fastq-checks"):
            key = (fields["sample"], fields["lane"])
            if key in seen:
                raise UserInputError(path, line, "lane", f"lane {key[1]} of sample {key[0]} is also in {seen[key]}",
                                     "Give each lane's check once.")
            seen[key] = path
            pairs = _count(path, line, fields, "read_pairs")
            failed = None if fields["pairs_failed_filter"] == "NA" else _count(path, line, fields, "pairs_failed_filter")
            total_pairs, total_failed = totals.get(key[0], (0, 0))
            totals[key[0]] = (total_pairs + pairs,
                              None if total_failed is None or failed is None else total_failed + failed)
    return totals


def _count(path: Path, line: int, fields: Dict[str, str], column: str) -> int:
    if not fields[column].isdigit():
        raise UserInputError(path, line, column, f"'{fields[column]}' is not a whole number")
    return int(fields[column])


def with_fastq_check(qc: SampleQC, read_pairs: int, failed: Optional[int], max_pct_failed_filter: float) -> SampleQC:
    """The QC row with the pairs flagged as failing the instrument filter (1:Y:); above
    ``max_pct_failed_filter`` % of the pairs it is a QC flag: demultiplexers leave such pairs out
    unless told to keep them, so their share says the FASTQs hold unfiltered (poor) clusters.
    ``failed`` None (read names without the filter flag): not assessed, NA and no flag."""
    if failed is None:
        return replace(qc, pairs_failed_filter=None, pct_failed_filter=None)
    pct = 100.0 * failed / read_pairs if read_pairs else 0.0
    flags = [] if qc.flag == "pass" else qc.flag.split(";")
    if pct > max_pct_failed_filter:
        flags.append(f"pct_failed_filter>{max_pct_failed_filter:g}")
    return replace(qc, flag=";".join(flags) or "pass", pairs_failed_filter=failed, pct_failed_filter=round(pct, 2))


def with_sex(qc: SampleQC, sex_row: Dict[str, str]) -> SampleQC:
    """The QC row with the sample's sex.tsv values (SEX_CHECK); a given sex the reads contradict
    (a sample swap or a data-entry error) and a chrX depth below one X copy (the chrX targets failed in
    this sample) are QC flags."""
    flags = [] if qc.flag == "pass" else qc.flag.split(";")
    notes = sex_row.get("note", "").split(";")
    flags.extend(flag for flag in (SEX_MISMATCH_FLAG, LOW_X_FLAG) if flag in notes)
    return replace(qc, flag=";".join(flags) or "pass", sex_given=sex_row["sex_given"],
                   sex_inferred=sex_row["sex_inferred"], sex=sex_row["sex"], x_autosome_ratio=sex_row["x_autosome_ratio"])


def row(qc: SampleQC) -> str:
    assessed = ("NA" if value is None else value for value in (qc.pct_on_target, qc.pairs_failed_filter,
                                                                 qc.pct_failed_filter))
    return "\t".join(str(v) for v in (qc.sample, qc.group, qc.total_reads, qc.mapped_reads, qc.pct_mapped,
                                      qc.mean_panel_depth, qc.pct_panel_20x, *assessed, qc.sex_given, qc.sex_inferred,
                                      qc.sex, qc.x_autosome_ratio, qc.flag)) + "\n"


def multiqc_header(min_mean_depth: float, min_pct_20x: float, min_pct_mapped: float,
                   min_pct_on_target: Optional[float], max_pct_failed_filter: Optional[float] = None,
                   failed_filter_unflagged: Sequence[str] = ()) -> str:
    """``min_pct_on_target`` None: no capture targets, the on-target rate was not assessed;
    ``max_pct_failed_filter`` None: no FASTQ checks, the failed-filter share was not assessed;
    ``failed_filter_unflagged``: the samples whose read names carry no filter flag (NA there)."""
    on_target = (f", < {min_pct_on_target:g}% of aligned bases on the capture targets" if min_pct_on_target is not None
                 else "; pct_on_target NA: not assessed (no --intervals)")
    failed = (f", > {max_pct_failed_filter:g}% of read pairs flagged by the sequencer as failing its filter (1:Y: "
              "in the read name; usually left out of FASTQs)" if max_pct_failed_filter is not None
              else "; pairs_failed_filter NA: not assessed (no FASTQ checks)")
    if max_pct_failed_filter is not None and failed_filter_unflagged:
        shown = ", ".join(failed_filter_unflagged[:5]) + (", ..." if len(failed_filter_unflagged) > 5 else "")
        failed += (f"; pairs_failed_filter NA (not assessed) for {shown}: their read names carry no Illumina "
                   "filter flag (1:N: or 1:Y:, e.g. SRA or ENA names)")
    return (
        "# id: 'hlhscreen_sample_qc'\n"
        "# section_name: 'Sample QC summary'\n"
        f"# description: 'Reads, mapping, panel coverage, on-target rate and sex per sample; flagged when mean panel depth < {min_mean_depth:g}x, < {min_pct_20x:g}% of panel bases reach 20x, < {min_pct_mapped:g}% of reads mapped{on_target}{failed}, the given sex disagrees with the chrX depth (sex_mismatch), or the chrX depth is below one X copy (low_x_ratio: chrX targets failed).'\n"
        "# plot_type: 'table'\n"
    )


PERCENT = "\n#         min: 0\n#         max: 100\n#         suffix: '%'"


def multiqc_general_stats(results: List[SampleQC], on_target_assessed: bool, failed_filter_assessed: bool = False) -> str:
    """MultiQC General Statistics columns: the QC flag of each sample and, with capture targets, its
    on-target rate, with FASTQ checks its share of pairs failing the instrument filter (a column not
    assessed is left out: NA would read as a number there)."""
    columns = (("pct_on_target", "% on target", "Share of the aligned bases on the capture targets (--intervals)",
                PERCENT),) if on_target_assessed else ()
    columns += (("pct_failed_filter", "% failed filter", "Share of the read pairs flagged by the sequencer as "
                 "failing its filter (1:Y: in the R1 name; pairs_failed_filter in sample_qc.tsv)",
                 PERCENT + "\n#         format: '{:,.2f}'"),) if failed_filter_assessed else ()
    columns += (("qc_flag", "QC flag", "pass, or the failed checks (sample_qc.tsv)", ""),)
    header = ["# id: 'hlhscreen_qc_general'", "# plot_type: 'generalstats'", "# pconfig:"]
    # (YAML single-quoted: a "'" in a title or description would make MultiQC drop the whole file)
    for key, title, description, extra in columns:
        header.append(f"#     {key}:\n#         title: '{title}'\n#         description: '{description}'{extra}")
    lines = ["\t".join(["sample", *(key for key, *_ in columns)])]
    for qc in results:
        values = (([str(qc.pct_on_target)] if on_target_assessed else [])
                  + ([_cell(qc.pct_failed_filter)] if failed_filter_assessed else []) + [qc.flag])
        lines.append("\t".join([qc.sample, *values]))
    return "\n".join(header + lines) + "\n"


def _cell(value: Optional[float]) -> str:
    """A General Statistics cell: empty when not assessed (MultiQC shows no value, where NA would be text)."""
    return "" if value is None else str(value)
