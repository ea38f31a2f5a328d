"""Sex of each sample and the ploidy of the sex chromosomes: what calling and screening assume.

Why it matters: six panel genes are on chrX (BTK, IL2RG, MAGT1, SH2D1A, WAS, XIAP). A male has one
X outside the pseudo-autosomal regions (PARs), so a diploid caller can only be wrong there: a male
"het" is an artefact (mis-mapped reads, contamination), and a male carrier is hemizygous, which
the recessive (biallelic) model counts like a homozygous female.

**Inference** (:func:`infer_sex`): the mean depth over the panel regions on chrX outside the PARs
divided by the mean depth over the autosomal panel regions (mosdepth ``regions.bed.gz``). Two X
give about 1.0, one X about 0.5. A capture panel's per-target depth varies (GC, probe density), but
averaged over hundreds of bases of several exons the ratio stays within about 20-30 % of its
expected value, so:

- 0.35 <= ratio <= 0.65 (0.5 - 30 % .. 0.5 + 30 %): ``male``; ratio >= 0.80 (1.0 - 20 %): ``female``;
- ratio < 0.35: ``unknown`` (``low_x_ratio``): less than one X's depth is no sex at all (every
  sample has at least one X), but chrX targets that failed to capture or map in this sample; read
  as male it would make a female haploid on chrX, where her het calls turn hemizygous or reference;
- between (0.65, 0.80): ``unknown`` (``ambiguous_x_ratio``): mosaicism, contamination, a sample
  mix or an unusually captured X; a geometric midpoint (0.71) alone would force a guess;
- fewer than 500 bp of chrX non-PAR panel regions, or an autosomal mean depth below 10x:
  ``unknown`` (``insufficient_data``): too few reads for the ratio to mean anything.

chrY is not used: a panel has no chrY targets, and off-target chrY reads depend on the capture's
off-target rate, the mapping-quality filter and how the reference masks chrY, none of which can be
calibrated here. 47,XXY males look female and 45,X females look male: the given sex then
disagrees, which is exactly what the mismatch flag is for.

**The sex a run uses** (:func:`decide_sex`): the given sex when the inference agrees or cannot
tell; the inferred sex when none is given; ``unknown`` when the two disagree (``sex_mismatch``:
a sample swap or a data-entry error; the run refuses to guess which is right). ``unknown`` samples
are called diploid everywhere and are *not assessable* on chrX/chrY outside the PARs (the
screening's ``sex_unknown`` note): a het there could be a carrier female or an artefact in a male,
so such a sample leaves the X-linked tests instead of being counted either way.

**Ploidy** (:func:`ploidy`): 2 everywhere, except for males on chrX and chrY outside the PARs (1)
and females on chrY outside the PARs (0: no Y). FreeBayes reads the male haploid regions from a
``--cnv-map`` (:func:`cnv_map_lines`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from .errors import UserInputError
from .tables import open_input, read_tsv

PathLike = Union[str, os.PathLike]

SEXES = ("male", "female", "unknown")
# what a samplesheet cell may say (case-insensitive); an empty cell is "unknown"
SEX_SPELLINGS = {"male": "male", "female": "female", "unknown": "unknown", "": "unknown"}

# GRCh38 pseudo-autosomal regions, 1-based inclusive (Genome Reference Consortium, as Ensembl lists them).
PAR_GRCH38: Dict[str, Tuple[Tuple[int, int], ...]] = {
    "X": ((10_001, 2_781_479), (155_701_383, 156_030_895)),
    "Y": ((10_001, 2_781_479), (56_887_903, 57_217_415)),
}

MALE_MIN_RATIO = 0.35
MALE_MAX_RATIO = 0.65
FEMALE_MIN_RATIO = 0.80
MIN_X_BASES = 500
MIN_AUTOSOMAL_DEPTH = 10.0

NOTE_MISMATCH = "sex_mismatch"
NOTE_AMBIGUOUS = "ambiguous_x_ratio"
NOTE_LOW_X = "low_x_ratio"
NOTE_INSUFFICIENT = "insufficient_data"
NOTE_NO_X_REGIONS = "no_chrX_panel_regions"

COLUMNS = ("sample", "group", "sex_given", "sex_inferred", "sex", "x_mean_depth", "autosomal_mean_depth",
           "x_autosome_ratio", "x_panel_bases", "note")


def chromosome(name: str) -> str:
    """The chromosome a contig name stands for: ``1``..``22``, ``X``, ``Y``, ``MT``, or ``""`` for
    anything else (alt, random, unplaced, decoy contigs are none of these)."""
    base = name[3:] if name.lower().startswith("chr") else name
    base = base.upper()
    if base in ("X", "Y"):
        return base
    if base in ("M", "MT"):
        return "MT"
    if base.isdigit() and 1 <= int(base) <= 22 and not base.startswith("0"):
        return base
    return ""


def is_autosome(name: str) -> bool:
    return chromosome(name) not in ("", "X", "Y", "MT")


def in_par(chrom: str, pos: int) -> bool:
    """Is 1-based ``pos`` on ``chrom`` inside a GRCh38 pseudo-autosomal region?"""
    return any(start <= pos <= end for start, end in PAR_GRCH38.get(chromosome(chrom), ()))


def is_haploid_in_males(chrom: str, pos: int) -> bool:
    """chrX or chrY outside the PARs: one copy in a male."""
    return chromosome(chrom) in ("X", "Y") and not in_par(chrom, pos)


def ploidy(sex: str, chrom: str, pos: int) -> Optional[int]:
    """Copies of ``chrom:pos`` (1-based, GRCh38) a sample of ``sex`` has; ``None`` when it depends on
    a sex that is unknown (chrX/chrY outside the PARs)."""
    if not is_haploid_in_males(chrom, pos):
        return 2
    if sex == "male":
        return 1
    if sex == "female":
        return 2 if chromosome(chrom) == "X" else 0
    return None


def non_par_pieces(chrom: str, start0: int, end0: int) -> List[Tuple[int, int]]:
    """The parts of the 0-based half-open interval outside the PARs (all of it off chrX/chrY)."""
    pieces = [(start0, end0)]
    for par_start, par_end in PAR_GRCH38.get(chromosome(chrom), ()):
        par0, par1 = par_start - 1, par_end  # to 0-based half-open
        cut: List[Tuple[int, int]] = []
        for lo, hi in pieces:
            if hi <= par0 or lo >= par1:
                cut.append((lo, hi))
                continue
            if lo < par0:
                cut.append((lo, par0))
            if hi > par1:
                cut.append((par1, hi))
        pieces = cut
    return pieces


def normalise_given_sex(text: str) -> Optional[str]:
    """``male``/``female``/``unknown`` from a samplesheet cell, or ``None`` if it is none of them."""
    return SEX_SPELLINGS.get(text.strip().lower())


@dataclass(frozen=True)
class DepthRegion:
    """One panel region's mean depth, on GRCh38 coordinates (0-based half-open)."""

    chrom: str
    start: int
    end: int
    mean_depth: float


@dataclass(frozen=True)
class SexInference:
    inferred: str                       # male / female / unknown
    x_mean_depth: Optional[float]
    autosomal_mean_depth: Optional[float]
    ratio: Optional[float]
    x_bases: int
    reason: str                         # "" or one of the NOTE_* tokens (why unknown)


def infer_sex(regions: Iterable[DepthRegion]) -> SexInference:
    """Sex from the chrX non-PAR / autosomal mean panel depth (module docstring for the rules)."""
    x_bases = auto_bases = 0
    x_depth = auto_depth = 0.0
    for region in regions:
        kind = chromosome(region.chrom)
        if kind == "X":
            for lo, hi in non_par_pieces(region.chrom, region.start, region.end):
                x_bases += hi - lo
                x_depth += region.mean_depth * (hi - lo)
        elif is_autosome(region.chrom):
            auto_bases += region.end - region.start
            auto_depth += region.mean_depth * (region.end - region.start)
    x_mean = x_depth / x_bases if x_bases else None
    auto_mean = auto_depth / auto_bases if auto_bases else None
    if not x_bases:
        return SexInference("unknown", None, auto_mean, None, 0, NOTE_NO_X_REGIONS)
    if x_bases < MIN_X_BASES or auto_mean is None or auto_mean < MIN_AUTOSOMAL_DEPTH:
        return SexInference("unknown", x_mean, auto_mean, None, x_bases, NOTE_INSUFFICIENT)
    ratio = x_mean / auto_mean
    if ratio < MALE_MIN_RATIO:
        inferred, reason = "unknown", NOTE_LOW_X
    elif ratio <= MALE_MAX_RATIO:
        inferred, reason = "male", ""
    elif ratio >= FEMALE_MIN_RATIO:
        inferred, reason = "female", ""
    else:
        inferred, reason = "unknown", NOTE_AMBIGUOUS
    return SexInference(inferred, x_mean, auto_mean, ratio, x_bases, reason)


def decide_sex(given: str, inferred: str) -> Tuple[str, str]:
    """(the sex the run uses, note): given wins when the data agree or cannot tell, the inference
    fills a blank, and a disagreement is ``unknown`` with ``sex_mismatch``."""
    if given == "unknown":
        return inferred, ""
    if inferred in ("unknown", given):
        return given, ""
    return "unknown", NOTE_MISMATCH


@dataclass(frozen=True)
class SampleSex:
    sample: str
    group: str
    given: str
    inference: SexInference
    sex: str
    note: str  # ";"-joined tokens, "" for none

    def row(self) -> str:
        inf = self.inference
        values = (self.sample, self.group, self.given, inf.inferred, self.sex, _fmt(inf.x_mean_depth),
                  _fmt(inf.autosomal_mean_depth), _fmt(inf.ratio, 3), str(inf.x_bases), self.note or "NA")
        return "\t".join(values) + "\n"


def _fmt(value: Optional[float], digits: int = 2) -> str:
    return "NA" if value is None else f"{value:.{digits}f}"


def sample_sex(sample: str, group: str, given: str, regions: Iterable[DepthRegion]) -> SampleSex:
    inference = infer_sex(regions)
    sex, note = decide_sex(given, inference.inferred)
    notes = [n for n in (note, inference.reason) if n]
    return SampleSex(sample, group, given, inference, sex, ";".join(notes))


def read_mosdepth_regions(path: PathLike, to_genome: Optional[Mapping[str, Tuple[str, int]]] = None
                          ) -> Iterator[DepthRegion]:
    """Regions of a mosdepth ``<prefix>.regions.bed.gz`` (chrom start end [name] mean), moved onto
    GRCh38 with ``to_genome`` (window contig -> (chromosome, offset)) for a windows reference."""
    with open_input(path, "--mosdepth") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            cols = line.rstrip("\r\n").split("\t")
            try:
                start, end, mean = int(cols[1]), int(cols[2]), float(cols[-1])
            except (IndexError, ValueError):
                raise UserInputError(path, number, "regions", "not a mosdepth regions line (chrom start end [name] mean)",
                                     "Give the regions.bed.gz mosdepth wrote with --by.") from None
            chrom = cols[0]
            if to_genome is not None and chrom in to_genome:
                chrom, offset = to_genome[chrom]
                start, end = start + offset, end + offset
            yield DepthRegion(chrom, start, end, mean)


def cnv_map_lines(sexes: Sequence[SampleSex], contigs: Sequence[Tuple[str, int]],
                  to_genome: Optional[Mapping[str, Tuple[str, int]]] = None) -> List[str]:
    """FreeBayes ``--cnv-map`` lines (``contig start end sample copies``, BED coordinates on the
    reference's own contigs): every male is haploid on chrX and chrY outside the PARs. Everyone
    else keeps the default ploidy 2 (females on chrY are made not assessable by the screening, not
    by the caller: FreeBayes has no zero-copy genotype)."""
    lines: List[str] = []
    males = [s.sample for s in sexes if s.sex == "male"]
    for contig, length in contigs:
        chrom, offset = (to_genome or {}).get(contig, (contig, 0))
        if chromosome(chrom) not in ("X", "Y"):
            continue
        for lo, hi in non_par_pieces(chrom, offset, offset + length):
            for sample in males:
                lines.append(f"{contig}\t{lo - offset}\t{hi - offset}\t{sample}\t1\n")
    return lines


def read_sex_table(path: PathLike, flag: str = "--sex") -> Dict[str, str]:
    """sample -> the sex the run uses, from ``sex.tsv``."""
    sexes: Dict[str, str] = {}
    for number, row in read_tsv(path, ("sample", "sex"), flag):
        if row["sex"] not in SEXES:
            raise UserInputError(path, number, "sex", f"'{row['sex']}' is not one of {', '.join(SEXES)}",
                                 "Give the sex.tsv written by SEX_CHECK.")
        if row["sample"] in sexes:
            raise UserInputError(path, number, "sample", f"sample '{row['sample']}' is listed twice")
        sexes[row["sample"]] = row["sex"]
    return sexes


def read_given_sexes(path: PathLike, flag: str = "--samplesheet") -> Dict[str, str]:
    """sample -> given sex (``unknown`` when the CSV has no ``sex`` column or the cell is empty).

    The CSV is the run's ``samples.csv`` (sample,group[,sex]) or the samplesheet itself (one row
    per lane: the rows of a sample must agree)."""
    import csv

    given: Dict[str, Tuple[str, int]] = {}
    with open_input(path, flag) as handle:
        reader = csv.reader(handle)
        header = [name.strip().lstrip("\ufeff") for name in next(reader, [])]
        if "sample" not in header:
            raise UserInputError(path, 1, "sample", "missing column", "The header must name at least: sample,group.")
        at_sample = header.index("sample")
        at_sex = header.index("sex") if "sex" in header else None
        for fields in reader:
            number = reader.line_num
            if not any(value.strip() for value in fields):
                continue
            sample = fields[at_sample].strip()
            text = fields[at_sex] if at_sex is not None and at_sex < len(fields) else ""
            sex = normalise_given_sex(text)
            if sex is None:
                raise UserInputError(path, number, "sex", f"'{text.strip()}' is not a sex",
                                     "Use male, female or unknown (or leave the cell empty).")
            if sample in given and given[sample][0] != sex:
                raise UserInputError(path, number, "sex",
                                     f"sample '{sample}' is '{sex}' here but '{given[sample][0]}' on line {given[sample][1]}",
                                     "Give every row of a sample the same sex.")
            given.setdefault(sample, (sex, number))
    return {sample: sex for sample, (sex, _) in given.items()}


def multiqc_header() -> str:
    return (
        "# id: 'hlhscreen_sex_check'\n"
        "# section_name: 'Sex check'\n"
        f"# description: 'Sex given in the samplesheet and inferred from the chrX (outside the PARs) / autosome "
        f"panel depth ratio: male {MALE_MIN_RATIO:g}-{MALE_MAX_RATIO:g}, female >= {FEMALE_MIN_RATIO:g}, unknown between, "
        f"below {MALE_MIN_RATIO:g} (less than one X) or with too little data. A mismatch makes the sex unknown: the sample is called diploid and is not assessable on chrX.'\n"
        "# plot_type: 'table'\n"
    )
