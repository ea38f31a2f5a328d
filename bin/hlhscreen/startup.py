"""Start-up checks: every input file of a run (besides the samplesheet) before any task starts.

``bin/check_inputs.py`` runs this on the launch host from the pipeline's initialisation
(subworkflows/local/utils_hlhscreen), like the samplesheet check; standard library only. Each check
calls the reader the pipeline step uses later, so the rules and the messages are the same, only
20 tasks earlier:

- reference: contig names (``--fasta_fai``, ``<fasta>.fai`` or the FASTA's headers) and the windows
  table against them (:func:`hlhscreen.callability.reference_layout`);
- panel regions and targets BEDs: every line (:func:`hlhscreen.panel.load_regions`: columns,
  start < end, one contig naming style; regions named with their gene, as SCREEN needs:
  :func:`hlhscreen.screen.load_panel_regions`) and their place on the reference
  (:mod:`hlhscreen.callability`: naming mismatches unless harmonised; genes the reference lacks
  are warned about and accounted for in the outputs);
- capture targets (``--intervals``): every line and their place on the reference
  (:func:`hlhscreen.intervals.place_intervals`; intervals off the reference are warned about);
- risk-factor whitelist: :func:`hlhscreen.risk_factors.validate_risk_factors` (syntax; with a plain,
  indexed GRCh38 FASTA also every row's REF against the reference);
- ``--impacts``/``--consequences``/``--af_fields``/``--af_source``:
  :func:`hlhscreen.screen.check_screen_settings`;
- gnomAD sites VCF: bgzip, index, ``INFO/AF`` (:mod:`hlhscreen.resources`); contig names as the
  reference's (``10`` vs ``chr10`` is an error: nothing would be annotated); records on at least one
  chromosome of the callable panel genes (error), and on each of them (warning: the variants of a
  chromosome gnomAD lacks look novel).

Every problem found is reported (independent checks all run); warnings are printed but do not stop.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Union

from .annotation import contig_aliases
from .callability import NOT_CALLABLE, Placement, ReferenceLayout, gene_callability, place_bed, reference_layout, summary_line
from .errors import UserInputError
from .intervals import place_intervals
from .panel import load_regions
from .resources import check_sites_vcf, is_gzip
from .risk_factors import validate_risk_factors
from .screen import check_screen_settings, load_panel_regions

PathLike = Union[str, os.PathLike]


@dataclass
class StartupInputs:
    fasta: Optional[PathLike] = None            # None: a remote reference, checked by the steps
    fasta_fai: Optional[PathLike] = None
    reference_windows: Optional[PathLike] = None
    regions: Optional[PathLike] = None          # None when the panel is built during the run (--genes)
    targets: Optional[PathLike] = None
    risk_factors: Optional[PathLike] = None
    impacts: str = "HIGH,MODERATE"
    consequences: str = ""
    af_fields: Optional[str] = None             # None: the screen's default
    af_source: Optional[str] = None
    gnomad_vcf: Optional[PathLike] = None
    gnomad_required: bool = True                # the only frequency source (offline; VEP without a cache)
    harmonise_contigs: bool = False
    intervals: Optional[PathLike] = None        # capture targets BED (--intervals)


@dataclass
class StartupReport:
    errors: List[UserInputError] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    checked: List[str] = field(default_factory=list)

    def attempt(self, what: str, check: Callable[[], object]) -> object:
        try:
            result = check()
        except UserInputError as err:
            self.errors.append(err)
            return None
        self.checked.append(what)
        return result


def check_inputs(inputs: StartupInputs) -> StartupReport:
    report = StartupReport()
    layout = None
    if inputs.fasta is not None:
        layout = report.attempt("reference", lambda: reference_layout(inputs.fasta, inputs.fasta_fai,
                                                                       inputs.reference_windows))
    placements: Optional[List[Placement]] = None
    if inputs.regions is not None and (layout is None or inputs.fasta is None):
        # no reference to place the panel on: its lines are still checked
        report.attempt("panel regions", lambda: load_panel_regions(inputs.regions))
        report.attempt("panel targets", lambda: load_regions(inputs.targets))
    elif inputs.regions is not None:
        placements = report.attempt("panel regions", lambda: _place_regions(inputs, layout))
        report.attempt("panel targets", lambda: place_bed(inputs.targets, layout, inputs.harmonise_contigs))
        if placements is not None:
            genes = gene_callability(placements)
            if all(gene.status == NOT_CALLABLE for gene in genes):
                report.errors.append(UserInputError(
                    inputs.regions, None, "chrom", f"no panel region lies on the reference {layout.source} "
                    f"({summary_line(genes)})",
                    "Check that the panel and the reference are both GRCh38 and name contigs alike."))
            elif summary_line(genes):
                report.warnings.append(summary_line(genes))
    if inputs.intervals is not None:
        if layout is None:
            report.attempt("--intervals", lambda: load_regions(inputs.intervals))
        else:
            placed = report.attempt("--intervals", lambda: place_intervals(inputs.intervals, layout,
                                                                           inputs.harmonise_contigs))
            if placed is not None and placed.not_placed:
                report.warnings.append(f"--intervals {Path(inputs.intervals).name}: {placed.summary()}")
    if inputs.risk_factors is not None:
        report.attempt("risk-factor whitelist", lambda: validate_risk_factors(
            inputs.risk_factors, fasta=_fasta_for_whitelist(inputs, layout)))
    settings = {key: value for key, value in (("af_fields", inputs.af_fields), ("af_source", inputs.af_source))
                if value is not None}
    report.attempt("--impacts/--consequences/--af_fields", lambda: check_screen_settings(
        impacts=inputs.impacts, consequences=inputs.consequences, **settings))
    if inputs.gnomad_vcf is not None:
        report.attempt("gnomAD sites VCF", lambda: _check_gnomad(inputs, layout, placements, report))
    return report


def _place_regions(inputs: StartupInputs, layout: ReferenceLayout) -> List[Placement]:
    load_panel_regions(inputs.regions)  # every interval named with its gene, as SCREEN requires
    return place_bed(inputs.regions, layout, inputs.harmonise_contigs)


def _fasta_for_whitelist(inputs: StartupInputs, layout: Optional[ReferenceLayout]) -> Optional[PathLike]:
    """The FASTA whose bases the whitelist's REFs are checked against here: a plain GRCh38 FASTA
    with its .fai. A windows reference is not on GRCh38 coordinates, and a bgzipped one needs
    pysam, which the launch host may lack; SCREEN checks those against the GRCh38 FASTA it gets."""
    if layout is None or layout.windows is not None or inputs.fasta is None:
        return None
    fasta = Path(inputs.fasta)
    return fasta if not is_gzip(fasta) and Path(f"{fasta}.fai").is_file() else None


def _check_gnomad(inputs: StartupInputs, layout: Optional[ReferenceLayout],
                  placements: Optional[List[Placement]], report: StartupReport) -> None:
    gnomad = inputs.gnomad_vcf
    sites = check_sites_vcf(gnomad, "--gnomad_vcf")
    if sites.index_older:
        report.warnings.append(f"{sites.index} is older than {gnomad}; if the file changed since it was indexed, "
                               f"reindex it (tabix -f -p vcf {gnomad}).")
    if layout is None:
        return  # the reference's own error is reported already
    have = set(sites.contigs)
    if placements is not None:
        # the chromosomes of the callable panel genes, as the called (and annotated) VCF names them
        needed: Dict[str, List[str]] = {}
        for placement in placements:
            if placement.pieces and placement.genome_contig:
                genes = needed.setdefault(placement.genome_contig, [])
                genes.extend(g for g in placement.region.genes if g not in genes)
    else:
        needed = {contig: [] for contig in layout.genome_contigs}
    renamed = {contig: next((a for a in contig_aliases(contig) if a in have), None) for contig in needed if contig not in have}
    mismatched = {contig: alias for contig, alias in renamed.items() if alias is not None}
    if mismatched:
        shown = ", ".join(f"{alias} (reference: {contig})" for contig, alias in sorted(mismatched.items())[:5])
        mapping = "\\n".join(f"{alias}\\t{contig}" for contig, alias in sorted(mismatched.items()))
        raise UserInputError(
            gnomad, None, "--gnomad_vcf",
            f"gnomAD names contigs differently from the reference: {shown}; its frequencies would be attached to "
            "no variant and every variant would look novel",
            f"Rename its contigs: printf '{mapping}\\n' > rename.txt && bcftools annotate --rename-chrs rename.txt "
            f"{gnomad} -Oz -o gnomad.renamed.vcf.gz && tabix -p vcf gnomad.renamed.vcf.gz.")
    absent = [contig for contig in needed if contig not in have]
    if placements is None:
        if len(absent) == len(needed):
            raise UserInputError(gnomad, None, "--gnomad_vcf",
                                 f"gnomAD has records on none of the reference's contigs ({', '.join(list(needed)[:5])})",
                                 "Give a GRCh38 gnomAD sites VCF that covers the panel's chromosomes.")
        return
    if absent:
        shown = "; ".join(f"{contig} ({', '.join(needed[contig][:6])})" for contig in absent)
        text = f"gnomAD has no records on {shown}, where panel genes lie"
        if inputs.gnomad_required and len(absent) == len(needed):
            raise UserInputError(gnomad, None, "--gnomad_vcf",
                                 f"{text}: it covers none of the panel's chromosomes, so every variant would look "
                                 "novel to the frequency filters",
                                 "Give a GRCh38 gnomAD sites VCF covering the panel's chromosomes (e.g. bcftools "
                                 "concat of the per-chromosome files, restricted with bcftools view -R targets.bed).")
        effect = ("variants there get no gnomAD frequency and count as novel" if inputs.gnomad_required else
                  "variants there get frequencies from the VEP cache only")
        report.warnings.append(f"{gnomad}: {text}; {effect} (give a gnomAD file covering every panel chromosome).")


def describe(report: StartupReport) -> str:
    return "inputs OK: " + ", ".join(report.checked) if report.checked else "inputs: nothing to check"

