"""Start-up checks: every input file of a run (besides the samplesheet) before any task starts.

``bin/check_inputs.py`` runs this on the launch host from the pipeline's initialisation
(subworkflows/local/utils_hlhscreen), like the samplesheet check; standard library only. Each check
calls the reader the pipeline step uses later, so the rules and the messages are the same, only
20 tasks earlier:

- reference: contig names (``--fasta_fai``, ``<fasta>.fai`` or the FASTA's headers; a name twice is an
  error) and the windows table against them (:func:`hlhscreen.callability.reference_layout`); the
  ``.fai`` of a plain FASTA against the file (every contig where it says, no sequence it leaves out: a
  second sequence of one name), Windows line ends (FreeBayes stops on them), and a prebuilt
  ``--bwa_index``/``--bwamem2_index`` (one complete index of the chosen aligner, with the reference's
  contigs and lengths) (:mod:`hlhscreen.reference_checks`);
  ALT contigs (``*_alt``) without a bwa ALT file where the aligner reads it: a warning (reads at those
  loci get MAPQ 0 and count as not covered; :func:`hlhscreen.reference_checks.alt_warning`);
- panel regions and targets BEDs: every line (:func:`hlhscreen.panel.load_regions`: columns,
  start < end, one contig naming style; regions named with their gene, as SCREEN needs:
  :func:`hlhscreen.screen.load_panel_regions`) and their place on the reference
  (:mod:`hlhscreen.callability`: naming mismatches unless harmonised; genes the reference lacks
  are warned about and accounted for in the outputs);
- capture targets (``--intervals``): every line and their place on the reference
  (:func:`hlhscreen.intervals.place_intervals`; intervals off the reference are warned about), and with a
  panel the panel genes they miss (not assessed: a warning; no panel gene captured: an error);
- risk-factor whitelist: :func:`hlhscreen.risk_factors.validate_risk_factors` (syntax; with a plain,
  indexed GRCh38 FASTA also every row's REF against the reference);
- ``--impacts``/``--consequences``/``--af_fields``/``--af_source``:
  :func:`hlhscreen.screen.check_screen_settings`;
- gnomAD sites VCF: bgzip, index, ``INFO/AF`` (:mod:`hlhscreen.resources`); contig names as the
  reference's (``10`` vs ``chr10`` is an error: nothing would be annotated); records on at least one
  chromosome of the callable panel genes (error), and on each of them (warning: the variants of a
  chromosome gnomAD lacks look novel).
- ClinVar VCF (``--clinvar_vcf``): bgzip, index, a GRCh38 ClinVar header (``INFO/CLNSIG``,
  ``INFO/CLNREVSTAT``; :func:`hlhscreen.clinvar.open_clinvar`, the reader CLINVAR_ANNOTATE uses);
  its contigs, read from the index (NCBI writes ``10``, ``X`` and no ``##contig`` lines), mapped
  onto the reference's names explicitly (``10`` -> ``chr10``); an error when none of the panel's
  chromosomes is in it, a warning for each one it lacks (variants there are not looked up), for a
  file that is not an NCBI release (``##source``) and for a file without ``##fileDate`` (the report
  cannot cite the release).

Every problem found is reported (independent checks all run); warnings are printed but do not stop.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple, Union

from . import clinvar
from .annotation import contig_aliases
from .assembly import check_panel_build
from .callability import NOT_CALLABLE, Placement, ReferenceLayout, gene_callability, place_bed, reference_layout, summary_line
from .chromosomes import in_natural_order
from .errors import UserInputError, first_few
from .files import is_gzipped
from .frequency import DEFAULT_AF_FIELDS, DEFAULT_AF_SOURCE
from .intervals import PlacedIntervals, capture_error, place_intervals, restrict_to_capture
from .panel import load_regions
from .reference_checks import alt_warning, check_fai_matches_fasta, check_index_matches, check_line_ends
from .resources import check_gnomad_build, check_sites_vcf, first_multiallelic
from .risk_factors import check_genes_in_panel, validate_risk_factors
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
    af_fields: str = DEFAULT_AF_FIELDS           # as SCREEN reads them (hlhscreen.frequency)
    af_source: str = DEFAULT_AF_SOURCE
    gnomad_vcf: Optional[PathLike] = None
    gnomad_required: bool = True                # the only frequency source (offline; VEP without a cache)
    gnomad_exact_records: bool = False          # attached by bcftools annotate (offline): records match whole
    clinvar_vcf: Optional[PathLike] = None
    harmonise_contigs: bool = False
    intervals: Optional[PathLike] = None        # capture targets BED (--intervals)
    aligner: str = "bwa-mem2"
    aligner_index: Optional[PathLike] = None    # prebuilt --bwa_index / --bwamem2_index folder of the aligner
    reference_alt: Optional[PathLike] = None    # bwa ALT file found beside the FASTA (<fasta>.alt, <fasta>.64.alt)
    vep_cache: Optional[PathLike] = None        # --vep_cache folder (with --annotator vep)
    vep_species: str = "homo_sapiens"
    vep_cache_version: str = "113"
    vep_assembly: str = "GRCh38"
    vep_cache_type: str = "ensembl"             # --vep_cache_type: ensembl, refseq (VEP --refseq) or merged


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
        fai = _plain_fasta_index(inputs)
        if layout is not None and fai is not None:
            report.attempt("FASTA index", lambda: check_fai_matches_fasta(inputs.fasta, fai))
        if layout is not None:
            report.attempt("FASTA line ends", lambda: check_line_ends(inputs.fasta, fai))
        index_ok = True
        if layout is not None and inputs.aligner_index is not None:
            index_ok = report.attempt(f"{inputs.aligner} index", lambda: check_index_matches(
                inputs.aligner_index, inputs.aligner, layout.contigs, str(inputs.fasta)) or True) is not None
        if layout is not None and layout.windows is None and index_ok:
            warning = alt_warning(layout.contigs, str(inputs.fasta), inputs.aligner, inputs.reference_alt,
                                  inputs.aligner_index)
            if warning:
                report.warnings.append(warning)
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
            report.attempt("--intervals", lambda: load_regions(inputs.intervals, zero_length=True))
        else:
            placed = report.attempt("--intervals", lambda: place_intervals(inputs.intervals, layout,
                                                                           inputs.harmonise_contigs))
            if placed is not None and placed.incomplete:
                report.warnings.append(f"--intervals {Path(inputs.intervals).name}: {placed.summary()}")
            if placed is not None and placed.build_warning:
                report.warnings.append(placed.build_warning)
            if placed is not None and placements is not None:
                _check_capture_covers_panel(inputs.intervals, placements, placed, report)
    if inputs.risk_factors is not None:
        factors = report.attempt("risk-factor whitelist", lambda: validate_risk_factors(
            inputs.risk_factors, fasta=_fasta_for_whitelist(inputs, layout)))
        regions_ok = inputs.regions is not None and not any(str(e.path) == str(inputs.regions) for e in report.errors)
        if factors and regions_ok:
            try:  # a row's gene against the panel genes at its position (SCREEN checks it again)
                check_genes_in_panel(inputs.risk_factors, factors, load_panel_regions(inputs.regions))
            except UserInputError as err:
                report.errors.append(err)
    report.attempt("--impacts/--consequences/--af_fields", lambda: check_screen_settings(
        impacts=inputs.impacts, consequences=inputs.consequences, af_fields=inputs.af_fields,
        af_source=inputs.af_source))
    if inputs.gnomad_vcf is not None:
        report.attempt("gnomAD sites VCF", lambda: _check_gnomad(inputs, layout, placements, report))
    if inputs.clinvar_vcf is not None:
        report.attempt("ClinVar VCF", lambda: _check_clinvar(inputs.clinvar_vcf, layout, placements, report))
    if inputs.vep_cache is not None:
        report.attempt("--vep_cache", lambda: check_vep_cache(inputs.vep_cache, inputs.vep_species,
                                                               inputs.vep_cache_version, inputs.vep_assembly,
                                                               inputs.vep_cache_type))
    return report


#: VEP's cache flavours: the folder suffix VEP reads with each, and the VEP flag that selects it
VEP_CACHE_TYPES: Dict[str, Tuple[str, str]] = {
    "ensembl": ("", ""),
    "refseq": ("_refseq", "--refseq"),
    "merged": ("_merged", "--merged"),
}


def vep_cache_species_folder(species: str, cache_type: str) -> str:
    """The species folder VEP reads: <species>, <species>_refseq (--refseq) or <species>_merged (--merged)."""
    if cache_type not in VEP_CACHE_TYPES:
        raise UserInputError(None, None, "--vep_cache_type", f"'{cache_type}' is not a VEP cache type",
                             f"Give one of {', '.join(VEP_CACHE_TYPES)}.")
    suffix, flag = VEP_CACHE_TYPES[cache_type]
    named = next((s for s, _ in VEP_CACHE_TYPES.values() if s and species.endswith(s)), None)
    if suffix and named:
        # VEP appends the suffix whatever the species is called (homo_sapiens_refseq_refseq/)
        raise UserInputError(None, None, "--vep_species",
                             f"'{species}' already names a cache flavour: with --vep_cache_type {cache_type} VEP "
                             f"({flag}) would read the folder {species}{suffix}/",
                             f"Give --vep_species {species[: -len(named)]} with --vep_cache_type {cache_type}.")
    return species + suffix


def check_vep_cache(folder: PathLike, species: str, version: str, assembly: str, cache_type: str = "ensembl") -> None:
    """VEP reads <folder>/<species>[_refseq|_merged]/<version>_<assembly>/ (with its info.txt) and stops only
    when it starts, after alignment and calling (hours on real data): a folder one level too deep, a cache of
    another release, assembly or flavour is named here, with what it holds (and the --vep_cache_type that
    reads a flavour the folder holds)."""
    folder = Path(folder)
    species_folder = vep_cache_species_folder(species, cache_type)
    wanted = f"{species_folder}/{version}_{assembly}"
    if (folder / species_folder / f"{version}_{assembly}" / "info.txt").is_file():
        return
    if not folder.is_dir():
        raise UserInputError(folder, None, "--vep_cache", "not a folder", "Give the VEP cache folder (VEP's --dir_cache).")
    held = sorted(f"{s.name}/{v.name}" for s in folder.iterdir() if s.is_dir() for v in s.iterdir() if v.is_dir())
    if folder.name in (species, species_folder, f"{version}_{assembly}"):
        hint = f"this looks like a folder inside the cache: give the folder that holds {species_folder}/"
    else:
        hint = f"it holds {first_few(held)}" if held else "it holds no <species>/<version>_<assembly> folder"
    other = _other_vep_cache_type(folder, species, version, assembly, cache_type)
    fix = (f"This folder holds VEP's {other} cache for this release: run with --vep_cache_type {other}"
           f"{'' if other == 'ensembl' else f' (VEP {VEP_CACHE_TYPES[other][1]})'}." if other else
           f"Give the folder into which {species_folder}_vep_{version}_{assembly}.tar.gz was unpacked, or set "
           "--vep_species/--vep_cache_version/--vep_assembly to the cache it holds (a RefSeq or merged cache, "
           "homo_sapiens_refseq/homo_sapiens_merged, is read with --vep_cache_type refseq/merged).")
    raise UserInputError(folder, None, "--vep_cache",
                         f"no VEP cache {wanted} with its info.txt (--vep_species {species}, --vep_cache_type "
                         f"{cache_type}, --vep_cache_version {version}, --vep_assembly {assembly}); {hint}", fix)


def _other_vep_cache_type(folder: Path, species: str, version: str, assembly: str, cache_type: str) -> Optional[str]:
    """The other cache flavour the folder holds for this species, release and assembly, if any."""
    base = species
    for suffix, _ in VEP_CACHE_TYPES.values():
        if suffix and base.endswith(suffix):
            base = base[: -len(suffix)]
    for name, (suffix, _) in VEP_CACHE_TYPES.items():
        if name != cache_type and (folder / f"{base}{suffix}" / f"{version}_{assembly}" / "info.txt").is_file():
            return name
    return None


def _plain_fasta_index(inputs: StartupInputs) -> Optional[Path]:
    """The .fai the run reads for a plain (not gzipped) FASTA, when there is one to compare."""
    index = Path(inputs.fasta_fai) if inputs.fasta_fai else Path(f"{inputs.fasta}.fai")
    if not index.is_file() or not Path(inputs.fasta).is_file() or is_gzipped(Path(inputs.fasta)):
        return None
    return index


def _check_capture_covers_panel(intervals: PathLike, placements: List[Placement], placed: PlacedIntervals,
                                report: StartupReport) -> None:
    """Panel genes the capture kit misses are not assessed: a warning naming them; none captured is an error."""
    name = Path(intervals).name
    captured = gene_callability(restrict_to_capture(placements, placed, name))
    problem = capture_error(gene_callability(placements), captured, name)
    if problem:
        report.errors.append(UserInputError(intervals, None, "--intervals", problem,
                                            "Give the capture kit's GRCh38 target BED, or run without --intervals."))
    elif any("capture targets" in gene.reason for gene in captured):
        report.warnings.append(summary_line(captured, capture=True))


def _place_regions(inputs: StartupInputs, layout: ReferenceLayout) -> List[Placement]:
    check_panel_build(inputs.regions, layout)  # a GRCh38 panel on an hg19 FASTA would place, at other bases
    load_panel_regions(inputs.regions)  # every interval named with its gene, as SCREEN requires
    return place_bed(inputs.regions, layout, inputs.harmonise_contigs)


def _fasta_for_whitelist(inputs: StartupInputs, layout: Optional[ReferenceLayout]) -> Optional[PathLike]:
    """The FASTA whose bases the whitelist's REFs are checked against here: a plain GRCh38 FASTA
    with its .fai. A windows reference is not on GRCh38 coordinates, and a bgzipped one needs
    pysam, which the launch host may lack; SCREEN checks those against the GRCh38 FASTA it gets."""
    if layout is None or layout.windows is not None or inputs.fasta is None:
        return None
    fasta = Path(inputs.fasta)
    return fasta if not is_gzipped(fasta) and Path(f"{fasta}.fai").is_file() else None


def _refuse_multiallelic_gnomad(gnomad: PathLike) -> None:
    """bcftools annotate --pair-logic exact copies a record's AF only to a variant with all of its
    ALTs: each ALT of a multi-allelic record would get no frequency and look novel."""
    found = first_multiallelic(gnomad)
    if found is not None:
        line, record = found
        raise UserInputError(gnomad, line, "--gnomad_vcf",
                             f"a multi-allelic record ({record}): the offline annotation matches a gnomAD record "
                             "only when all its ALTs are the variant's, so each of them would get no frequency and "
                             "look novel",
                             f"Split the records and index the result: bcftools norm -m -any {gnomad} -Oz -o "
                             "gnomad.split.vcf.gz && tabix -p vcf gnomad.split.vcf.gz; give that file.")


def _check_gnomad(inputs: StartupInputs, layout: Optional[ReferenceLayout],
                  placements: Optional[List[Placement]], report: StartupReport) -> None:
    gnomad = inputs.gnomad_vcf
    sites = check_sites_vcf(gnomad, "--gnomad_vcf")
    if inputs.gnomad_exact_records:
        _refuse_multiallelic_gnomad(gnomad)
    if sites.index_older:
        report.warnings.append(f"{sites.index} is older than {gnomad}; if the file changed since it was indexed, "
                               f"reindex it (tabix -f -p vcf {gnomad}).")
    if layout is None:
        return  # the reference's own error is reported already
    have = set(sites.contigs)
    needed = _panel_chromosomes(layout, placements)
    renamed = {contig: next((a for a in contig_aliases(contig) if a in have), None) for contig in needed if contig not in have}
    mismatched = {contig: alias for contig, alias in renamed.items() if alias is not None}
    if mismatched:
        shown = ", ".join(f"{alias} (reference: {contig})" for contig, alias in list(mismatched.items())[:5])
        mapping = "\\n".join(f"{alias}\\t{contig}" for contig, alias in mismatched.items())
        raise UserInputError(
            gnomad, None, "--gnomad_vcf",
            f"gnomAD names contigs differently from the reference: {shown}; its frequencies would be attached to "
            "no variant and every variant would look novel",
            f"Rename its contigs: printf '{mapping}\\n' > rename.txt && bcftools annotate --rename-chrs rename.txt "
            f"{gnomad} -Oz -o gnomad.renamed.vcf.gz && tabix -p vcf gnomad.renamed.vcf.gz.")
    _check_gnomad_build(gnomad, sites.header.contig_lengths, layout, needed)
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
        # not "novel": SCREEN marks them af_status not_looked_up (frequency_check.json), unless the annotation
        # looked gnomAD up itself (the REST client's fields; field_origin.py)
        effect = ("variants there get no gnomAD frequency from it and are treated as rare by the frequency filters "
                  "(af_status 'not_looked_up', not 'novel', unless the annotation looked gnomAD up itself)"
                  if inputs.gnomad_required else
                  "variants there get frequencies from the VEP cache only")
        report.warnings.append(f"{gnomad}: {text}; {effect} (give a gnomAD file covering every panel chromosome).")


def _check_gnomad_build(gnomad: PathLike, lengths: Dict[str, int], layout: ReferenceLayout,
                        needed: Dict[str, List[str]]) -> None:
    """gnomAD's ##contig lengths against the reference's chromosomes (a windows reference: the GRCh38
    lengths of its table)."""
    if layout.windows is not None:
        genome = {window.chrom: window.chrom_length for window in layout.windows.values()}
    else:
        genome = {name: length for name, length in layout.contigs.items() if length is not None}
    check_gnomad_build(gnomad, lengths, genome, needed)


def _panel_chromosomes(layout: ReferenceLayout, placements: Optional[List[Placement]]) -> Dict[str, List[str]]:
    """The chromosomes of the callable panel genes, as the called (and annotated) VCF names them,
    with their genes; every reference contig when the panel could not be placed. In natural order
    (whatever the panel BED's or the reference's order), as the warnings and errors list them."""
    if placements is None:
        return {contig: [] for contig in in_natural_order(layout.genome_contigs)}
    needed: Dict[str, List[str]] = {}
    for placement in placements:
        if placement.pieces and placement.genome_contig:
            genes = needed.setdefault(placement.genome_contig, [])
            genes.extend(g for g in placement.region.genes if g not in genes)
    return {contig: needed[contig] for contig in in_natural_order(needed)}


def _check_clinvar(path: PathLike, layout: Optional[ReferenceLayout], placements: Optional[List[Placement]],
                   report: StartupReport) -> None:
    source = clinvar.open_clinvar(path)
    release = source.release
    if not release.is_ncbi_release:
        said = release.source or "not stated"
        shown = said if len(said) <= 60 else said[:57] + "..."
        report.warnings.append(f"{path}: ##source is '{shown}', not ClinVar: not an NCBI ClinVar release; the report "
                               "shows and cites it as such.")
    if not release.file_date:
        report.warnings.append(f"{path}: no ##fileDate in the header: the report cannot cite the ClinVar release "
                               "date (give the file as NCBI publishes it).")
    if layout is None:
        return  # the reference's own error is reported already
    needed = _panel_chromosomes(layout, placements)
    if not needed:
        return
    mapping = clinvar.contig_map(needed, source.contigs)
    if not mapping:
        shown = ", ".join(in_natural_order(source.contigs)[:8]) or "none"
        raise UserInputError(
            path, None, "--clinvar_vcf",
            f"the file has records on none of the panel's chromosomes ({', '.join(list(needed)[:6])}), under any "
            f"spelling (its contigs: {shown}); no variant could be looked up",
            "Give NCBI's GRCh38 ClinVar VCF (vcf_GRCh38/clinvar.vcf.gz; its contigs 1..22, X, Y, MT are mapped "
            "onto chr1.. automatically).")
    lacking = clinvar.uncovered(needed, source.contigs)
    if lacking:
        report.warnings.append(f"{path}: the ClinVar file has no records on {_clinvar_gap(lacking, needed, placements)}; "
                               "variants there are not looked up (clinvar_clnsig 'not_looked_up' in the outputs, not "
                               "'not_in_clinvar'). Give the whole NCBI file to look them up.")


def _clinvar_gap(lacking: List[str], needed: Dict[str, List[str]], placements: Optional[List[Placement]]) -> str:
    """The contigs ClinVar lacks, with their panel genes; without placements (a --genes panel, built by the
    run) only the reference's contigs are known, and the words must not say panel genes lie there."""
    if placements is None:
        return (f"the reference contigs {'; '.join(lacking)} (the panel is built by this run (--genes), so which "
                "of them hold its genes is not known yet)")
    shown = "; ".join(f"{contig} ({', '.join(needed[contig][:6])})" if needed[contig] else contig for contig in lacking)
    return f"{shown}, where panel genes lie"


def describe(report: StartupReport) -> str:
    return "inputs OK: " + ", ".join(report.checked) if report.checked else "inputs: nothing to check"

