"""Did the annotation step attach the population frequencies it was given?

A gnomAD file whose contigs are named ``10`` instead of ``chr10`` (or a VEP ``--custom`` that matched
nothing) annotates nothing and says nothing: every variant then looks novel and passes the frequency
filters. After annotation, each called variant is looked up in the gnomAD sites VCF itself (exact
chrom/pos/ref/alt, the contig under any spelling, alleles compared once trimmed to their minimal
form so an ALT of a multi-allelic record is found): if gnomAD lists a variant with a frequency for its
allele but the annotated VCF carries none, the run stops (that variant would look novel to the
filters: a common variant kept as rare). bcftools annotate --pair-logic exact matches a record only
when all its ALTs are the variant's, so a gnomAD file with multi-allelic records loses exactly those
variants; the message says so. Chromosomes without gnomAD records, or no frequency attached at all
without a file to compare with (VEP cache, REST), are said loudly in the MultiQC summary.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple, Union

from .annotation import AnnotationLayout, VariantRecord, contig_aliases
from .chromosomes import in_natural_order
from .errors import UserInputError
from .field_origin import UNNAMED, copied_from
from .frequency import DEFAULT_AF_FIELDS, FrequencySetting, frequency_setting
from .tables import open_input
from .vcf_text import minimal_allele

#: FrequencySetting.fields_text of --af-fields none (no frequency read)
NO_FIELDS = "none"

PathLike = Union[str, os.PathLike]

OK, WARNING, ERROR = "ok", "warning", "error"
SHOWN = 5


@dataclass
class FrequencyCheck:
    variants: int = 0
    with_frequency: int = 0
    with_gnomad: int = 0                        # of those, from a gnomAD dataset (the study's rule)
    in_resource: Optional[int] = None           # called variants the resource lists (None: no resource file)
    lost: List[str] = field(default_factory=list)          # listed by the resource, no frequency attached
    lost_multiallelic: int = 0                              # of those, listed in a multi-allelic record
    uncovered: Counter = field(default_factory=Counter)    # chrom -> variants where the resource has no records
    # listed by several records with different AF (exomes and genomes concatenated, a file merged twice):
    # the annotation attached one of them, and which one decides rare or common
    conflicting: List[str] = field(default_factory=list)
    # gnomAD fields the annotation looked up in its own gnomAD, not the gnomAD file (annotation_gnomad_fields):
    # on a chromosome the file has no record on, the variants were still looked up in gnomAD
    annotation_gnomad: Tuple[str, ...] = ()
    # the run's --af-fields (as parsed): the fields SCREEN reads, and so the ones checked here
    af_fields: str = DEFAULT_AF_FIELDS
    # frequency-like fields the VCF declares that --af-fields does not read (named when nothing arrived)
    unread: Tuple[str, ...] = ()
    # the setting reads a gnomAD dataset or a field the user named (FrequencySetting.reads_gnomad); without one
    # (csq_max_af, csq_1000g alone) a frequency of the datasets it reads is what SCREEN judges by
    reads_gnomad: bool = True

    def _what(self, plural: bool) -> str:
        """What the check counts: gnomAD's frequencies, or those of the other datasets --af_fields reads."""
        noun = "frequencies" if plural else "frequency"
        return f"gnomAD {noun}" if self.reads_gnomad else f"{noun} of the fields --af_fields reads ({self.af_fields})"

    def _read_note(self) -> str:
        """Which fields were checked, when the VCF declares frequency fields they leave out."""
        if not self.unread:
            return ""
        return (f" (--af_fields reads {self.af_fields}; the VCF also declares {', '.join(self.unread[:SHOWN])}, "
                "which it does not read)")

    def verdict(self) -> Tuple[str, str]:
        """(ok | warning | error, one sentence)."""
        if self.variants == 0:
            return OK, "no variant was called, nothing to annotate"
        if self.af_fields == NO_FIELDS:
            return WARNING, (f"--af_fields none: no population frequency is read, so the frequency filters treat all "
                             f"{self.variants} variants as novel (the annotation's frequencies were not checked"
                             + ("" if self.in_resource is None else " against the gnomAD file") + ")")
        if self.in_resource is None:
            if self.with_frequency == 0:
                return WARNING, (f"no population frequency was attached to any of the {self.variants} variants"
                                 f"{self._read_note()}: every variant looks novel to the frequency filters; check the "
                                 "annotation source")
            if self.with_gnomad == 0:
                return WARNING, (f"no gnomAD frequency was attached to any of the {self.variants} variants: "
                                 f"{self.with_frequency} have only another dataset's (1000 Genomes, ESP, ...), so no "
                                 "variant is judged by gnomAD's AF (the study's rule); check the annotation source (a "
                                 "REST server whose answers name gnomAD otherwise, VEP without --af_gnomade)")
            return OK, f"{self.with_frequency} of {self.variants} variants have a population frequency"
        if self.in_resource and self.with_frequency == 0:
            return ERROR, (f"the annotation attached {self._what(plural=True)} to none of "
                           f"the {self.variants} called variants"
                           f"{self._read_note()}, although the gnomAD file lists {self.in_resource} of them (e.g. "
                           f"{', '.join(self.lost[:3])}); every variant would look novel to the frequency filters")
        if self.lost:
            why = (f"; {self.lost_multiallelic} of them are ALTs of multi-allelic gnomAD records, which the annotation "
                   "matches only when all their ALTs are the variant's" if self.lost_multiallelic else "")
            return ERROR, (f"{len(self.lost)} of the {self.variants} called variants got no "
                           f"{self._what(plural=False)}"
                           f"{self._read_note()} although "
                           f"the gnomAD file lists them with one ({', '.join(self.lost[:SHOWN])}){why}; they would "
                           "look novel to the frequency filters (a common variant kept as rare)")
        notes = []
        if self.conflicting:
            notes.append(f"{len(self.conflicting)} variant(s) are listed by several gnomAD records with different AF "
                         f"({', '.join(self.conflicting[:SHOWN])}): the annotation attached one of them, so their "
                         "rare/common verdict depends on record order (exomes and genomes concatenated into one file?). "
                         "Give one dataset per file, or gnomAD's joint frequencies")
        if self.uncovered:
            notes.append(self._uncovered_note())
        text = (f"{self.with_frequency} of {self.variants} variants have a {self._what(plural=False)}; "
                f"{self.in_resource} are listed in the gnomAD file")
        return (WARNING, text + "; " + "; ".join(notes)) if notes else (OK, text)

    def _uncovered_note(self) -> str:
        lacking = in_natural_order(self.uncovered)
        if not self.annotation_gnomad:
            return "the gnomAD file has no records on " + ", ".join(
                f"{chrom} ({self.uncovered[chrom]} variant(s), not looked up: treated as rare)" for chrom in lacking)
        return ("the gnomAD file has no records on " + ", ".join(f"{chrom} ({self.uncovered[chrom]} variant(s))"
                                                                for chrom in lacking)
                + "; the annotation's own gnomAD frequencies (" + ", ".join(self.annotation_gnomad)
                + ") were used there: a variant without one is absent from that gnomAD (novel)")

    def fix(self) -> str:
        """What to do about an ERROR verdict."""
        if self.unread:
            return (f"List the fields the annotation wrote in --af_fields (now {self.af_fields}), e.g. the default "
                    f"{DEFAULT_AF_FIELDS}; SCREEN reads the same setting.")
        if self.with_frequency and self.lost_multiallelic:
            return ("Split the gnomAD file's multi-allelic records and index it again: bcftools norm -m -any "
                    "gnomad.vcf.gz -Oz -o gnomad.split.vcf.gz && tabix -p vcf gnomad.split.vcf.gz; give that file.")
        if self.with_frequency:
            return ("Check that the annotation was given this gnomAD file and writes its AF for every allele (a "
                    "multi-allelic or duplicated record, another REF/ALT spelling).")
        return ("Check that the gnomAD file and the reference name contigs alike (chr10 vs 10) and describe the "
                "same build; the start-up check names the fix.")


# how far before a variant a multi-allelic record holding it may start (the longest shared prefix)
_REACH = 50


@dataclass(frozen=True)
class Listing:
    has_af: bool        # INFO/AF gives a value for the allele (AF=. where gnomAD called no genotype: none)
    multiallelic: bool  # the record has more than one ALT
    conflicting: bool = False  # several records list the allele with different AF values


def _af_value(info: str, index: int, n_alts: int) -> Optional[str]:
    """INFO/AF's text for ALT number ``index``, or None (no AF, or ``.``)."""
    for item in info.split(";"):
        if item.startswith("AF="):
            values = item[3:].split(",")
            value = values[index] if len(values) == n_alts else values[0]
            return None if value in ("", ".") else value
    return None


def _same_number(texts: List[str]) -> bool:
    """Whether the AF texts are one value (0.01 and 1.000e-02 are)."""
    try:
        return len({float(text) for text in texts}) <= 1
    except ValueError:
        return len(set(texts)) <= 1


class _Resource:
    """Exact-allele lookups in a bgzipped, indexed sites VCF (pysam), contig under any spelling."""

    def __init__(self, path: PathLike) -> None:
        import pysam

        self.tabix = pysam.TabixFile(str(path))
        self.contigs = set(self.tabix.contigs)

    def contig(self, chrom: str) -> Optional[str]:
        return next((name for name in contig_aliases(chrom) if name in self.contigs), None)

    def lookup(self, contig: str, pos: int, ref: str, alt: str) -> Optional["Listing"]:
        """How the resource lists the allele: None when it does not. Records starting up to
        ``_REACH`` bases before ``pos`` are read: a multi-allelic record's ALT may trim to a later
        position (CTT>C,CT holds the deletion CT>C one base on)."""
        wanted = minimal_allele(pos, ref, alt)
        found: List[Tuple[Optional[str], bool]] = []   # (AF text, multi-allelic) of each record listing it
        for line in self.tabix.fetch(contig, max(0, pos - 1 - _REACH), pos):
            fields = line.split("\t", 8)
            if len(fields) < 8:
                continue
            alts = fields[4].split(",")
            for index, other in enumerate(alts):
                if minimal_allele(int(fields[1]), fields[3], other) == wanted:
                    found.append((_af_value(fields[7], index, len(alts)), len(alts) > 1))
        if not found:
            return None
        values = [af for af, _ in found if af is not None]
        return Listing(bool(values), any(multi for _, multi in found), not _same_number(values))

    def close(self) -> None:
        self.tabix.close()


def check_frequencies(records: Iterable[VariantRecord], resource: Optional[PathLike] = None,
                      annotation_gnomad: Sequence[str] = (), setting: Optional[FrequencySetting] = None,
                      unread: Sequence[str] = ()) -> FrequencyCheck:
    """Compare what the annotation attached with the gnomAD file ``resource``; ``annotation_gnomad``: the gnomAD
    fields of the annotation's own gnomAD (:func:`annotation_gnomad_fields`), named in the verdict. ``records``
    must be read with ``setting``'s ``--af-fields`` (the run's, SCREEN's; default: the default setting): a
    gnomAD keyword's source counts as gnomAD, and so does a field the setting names explicitly (``CSQ/MYAF``:
    the user declared it the frequency to judge by). ``unread``: frequency-like fields the VCF declares that the
    setting leaves out, named in the verdict."""
    setting = setting or frequency_setting()
    explicit = frozenset(spec.text for spec in setting.specs if not spec.keyword)
    check = FrequencyCheck(in_resource=0 if resource else None, annotation_gnomad=tuple(annotation_gnomad),
                           af_fields=setting.fields_text, unread=tuple(unread), reads_gnomad=setting.reads_gnomad)
    lookup = _Resource(resource) if resource else None
    # any frequency counts without a gnomAD file, and with one when the setting reads no gnomAD dataset
    # (csq_max_af alone): those frequencies are then what SCREEN judges by
    any_frequency = lookup is None or not setting.reads_gnomad
    try:
        for record in records:
            check.variants += 1
            # with a gnomAD file to compare with, a frequency from another dataset (1000G, ESP) does not
            # count: the question is whether gnomAD's own frequencies arrived
            frequency = record.gnomad
            gnomad = not frequency.missing and (frequency.gnomad or frequency.source in explicit)
            attached = gnomad or (not frequency.missing and any_frequency)
            check.with_frequency += attached
            check.with_gnomad += gnomad
            if lookup is None:
                continue
            contig = lookup.contig(record.chrom)
            if contig is None:
                check.uncovered[record.chrom] += 1
                continue
            listing = lookup.lookup(contig, record.pos, record.ref, record.alt)
            if listing is not None:
                check.in_resource += 1
                if listing.conflicting:
                    check.conflicting.append(f"{record.chrom}:{record.pos} {record.ref}>{record.alt}")
                if not attached and listing.has_af:
                    check.lost.append(f"{record.chrom}:{record.pos} {record.ref}>{record.alt}")
                    check.lost_multiallelic += listing.multiallelic
    finally:
        if lookup is not None:
            lookup.close()
    return check


def multiqc_table(check: FrequencyCheck, annotator: str) -> str:
    """MultiQC custom content: the verdict first, in words."""
    level, text = check.verdict()
    title = {OK: "OK", WARNING: "WARNING", ERROR: "ERROR"}[level]
    rows: Dict[str, str] = {
        "verdict": f"{title}: {text}",
        "variants": str(check.variants),
        "with a population frequency": str(check.with_frequency),
        "with a gnomAD frequency": str(check.with_gnomad),
        "listed in the gnomAD file": "no gnomAD file given" if check.in_resource is None else str(check.in_resource),
        "frequency fields read (--af_fields, as SCREEN)": check.af_fields,
    }
    lines = ["# id: 'hlhscreen_frequency_check'",
             "# section_name: 'Population frequencies attached'",
             f"# description: 'Whether the annotation ({annotator}) attached the gnomAD frequencies: every called "
             "variant looked up in the gnomAD file itself.'",
             "# plot_type: 'table'",
             "check\tvalue"]
    lines += [f"{key}\t{value}" for key, value in rows.items()]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class FrequencyFacts:
    """``frequency_check.json`` (ANNOTATION_SUMMARY), as SCREEN and REPORT read it."""

    gnomad_file: Optional[str]          # the gnomAD file compared with (None: none was given)
    not_covered: Dict[str, int]         # chromosome it has no record on -> called variants there
    # gnomAD fields of the annotation's own gnomAD (VEP cache, REST, another file): empty when the variants on
    # those chromosomes were looked up nowhere
    annotation_gnomad: Tuple[str, ...] = ()
    af_fields: Optional[str] = None     # the --af-fields the check read (None: a file that does not say)


#: CSQ fields VEP writes from its own database (cache ``--af_gnomade`` -> ``gnomADe_AF``, ``gnomADe_NFE_AF``;
#: ``--af_gnomadg``; ``--af_gnomad`` of releases <= 106; ``--max_af``; the REST client the same names): undeclared
#: in the header, they were looked up in VEP's gnomAD when the header names that gnomAD (:data:`_DATASETS`).
#: Other undeclared names (a plugin's) were not.
_ANNOTATOR_FIELD = re.compile(r"^(?:gnomAD[eg]?_(?:[A-Z]+_)?AF|MAX_AF)$")
#: field prefix -> the ##VEP= keys (field_origin.annotator_gnomad) whose gnomAD fills it: gnomAD_* and gnomAD=
#: are the exomes of releases <= 106 (gnomADe from 107); MAX_AF covers every gnomAD group VEP has
_DATASETS = {"gnomADe_": frozenset({"gnomADe", "gnomAD"}), "gnomADg_": frozenset({"gnomADg"}),
             "gnomAD_": frozenset({"gnomAD", "gnomADe"}), "MAX_AF": frozenset({"gnomAD", "gnomADe", "gnomADg"})}


def _annotator_looked_up(name: str, annotator_gnomad: FrozenSet[str]) -> bool:
    """Whether the annotator's own field ``name`` (``gnomADe_AF``) comes from a gnomAD its header names: a VEP
    cache without gnomAD data fills no gnomAD field (issue 9: read as "looked up", so novel)."""
    return any(name.startswith(prefix) and keys & annotator_gnomad for prefix, keys in _DATASETS.items())


def _looked_up_elsewhere(layout: AnnotationLayout, label: str, gnomad_file: Optional[str]) -> bool:
    """Whether the field ``label`` holds a gnomAD look-up that was not the gnomAD file's (see
    :func:`annotation_gnomad_fields`)."""
    origins = copied_from(label, layout.copied_fields)
    if origins:
        # copied: from named files only, none of them the gnomAD file (a plugin's file is not named)
        return gnomad_file is not None and UNNAMED not in origins and gnomad_file not in origins
    location, _, name = label.partition("/")
    return (location == "CSQ" and layout.kind == "vep" and _ANNOTATOR_FIELD.match(name) is not None
            and _annotator_looked_up(name, layout.annotator_gnomad))


def annotation_gnomad_fields(layout: AnnotationLayout, gnomad_file: Optional[str]) -> Tuple[str, ...]:
    """The gnomAD frequency fields ``layout`` reads that were looked up in another gnomAD than the gnomAD file
    named ``gnomad_file`` (frequency_check.json's): CSQ fields VEP wrote from its cache or the REST client from
    Ensembl's answers (``gnomADe_*``, ``gnomADg_*``, ``gnomAD_*`` not declared as ``--custom``, and ``MAX_AF``,
    whose maximum covers VEP's gnomAD groups), and fields copied only from other named files. The header, not a
    record, decides (docs/screening.md): such a field empty for a record means gnomAD was consulted and does
    not list it (novel). A field that may have been copied from the gnomAD file itself, a VEP plugin's field
    (dbNSFP's ``gnomAD_exomes_AF``: missense SNVs only), or an INFO field whose file the header does not name
    (it may be that file's copy) does not count."""
    found: List[str] = []
    for source in layout.frequency_sources:
        # one field per source names it (its global AF when it has one)
        own = [item.label for item in source.fields if (source.gnomad or item.label == "CSQ/MAX_AF")
               and _looked_up_elsewhere(layout, item.label, gnomad_file)]
        if own and own[0] not in found:
            found.append(own[0])
    return tuple(found)


def read_frequency_check(path: PathLike) -> FrequencyFacts:
    """``frequency_check.json`` (ANNOTATION_SUMMARY): the gnomAD file compared with, per chromosome where it
    has no record the number of called variants there (looked up nowhere, unless the annotation carried its own
    gnomAD: ``annotation_gnomad``)."""
    fix = "Give the frequency_check.json ANNOTATION_SUMMARY wrote."
    with open_input(path, "--frequency-check") as handle:
        try:
            facts = json.load(handle)
        except json.JSONDecodeError as err:
            raise UserInputError(path, err.lineno, "--frequency-check", f"not JSON ({err.msg})", fix) from None
    lacking = facts.get("contigs_not_covered") if isinstance(facts, dict) else None
    if not isinstance(lacking, dict) or not all(isinstance(n, int) and not isinstance(n, bool)
                                                for n in lacking.values()):
        raise UserInputError(path, None, "contigs_not_covered", "missing or not an object of chromosome: count", fix)
    own = facts.get("annotation_gnomad_fields", [])
    if not isinstance(own, list) or not all(isinstance(label, str) for label in own):
        raise UserInputError(path, None, "annotation_gnomad_fields", "not a list of field names", fix)
    name = facts.get("gnomad_file")
    setting = facts.get("af_fields")
    if setting is not None and not isinstance(setting, str):
        raise UserInputError(path, None, "af_fields", "not a text (the --af-fields the check read)", fix)
    return FrequencyFacts(name if isinstance(name, str) else None, {str(chrom): n for chrom, n in lacking.items()},
                          tuple(own), setting)


def check_same_setting(facts: FrequencyFacts, setting: FrequencySetting, path: PathLike) -> None:
    """Refuse a ``frequency_check.json`` made with another ``--af-fields`` than ``setting`` (SCREEN's): its
    verdict and ``annotation_gnomad_fields`` would be about other fields than the ones judged (a run whose
    steps were given different settings, a check reused from another run)."""
    if facts.af_fields is None or facts.af_fields == setting.fields_text:
        return
    raise UserInputError(path, None, "af_fields",
                         f"the frequency check read --af-fields {facts.af_fields}, the screen reads "
                         f"{setting.fields_text}: they would judge different frequency fields",
                         "Give both steps the run's one --af_fields (the pipeline passes it to ANNOTATION_SUMMARY "
                         "and SCREEN); by hand, run annotation_summary.py again with the screen's --af-fields.")


def on_uncovered_chromosome(chrom: str, not_covered: Iterable[str]) -> bool:
    """Whether ``chrom`` (any spelling: chr10 / 10) is one of the chromosomes the gnomAD file has no record on."""
    lacking = set(not_covered)
    return any(alias in lacking for alias in contig_aliases(chrom))
