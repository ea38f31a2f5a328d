"""Population allele frequencies: which annotation fields hold them, and which one a record is judged by.

Real annotators write frequencies under many names: the pipeline's offline path writes INFO
``gnomAD_AF``/``gnomAD_AF_<pop>``; VEP writes ``gnomADe_AF``/``gnomADg_AF`` and their population
fields (cache or REST), ``MAX_AF`` (``--max_af``), 1000 Genomes ``AF`` and ``<POP>_AF`` (``--af``,
``--af_1kg``), and one field per ``--custom`` file field named ``<short_name>_<field>``; a gnomAD
sites VCF copied into INFO (bcftools annotate, SnpSift) brings ``AF_joint``, ``AF_grpmax``,
``AF_popmax``, ``fafmax_faf95_max``, ``AF_<pop>`` ... (gnomAD v2, v3, v4, v4.1 joint).

A **source** is one dataset's fields in one place (e.g. the VEP cache's gnomAD exomes in CSQ): a
global AF, precomputed maxima over groups (grpmax/popmax/faf), and per-group AFs. Sources are
found from the header by the keywords of :data:`SOURCE_KEYWORDS` (or named exactly:
``INFO/<name>`` / ``CSQ/<name>``, optionally ``:max``), tried in the configured order
(:data:`DEFAULT_AF_FIELDS`); a record takes its frequencies from the **first source that has any
value for it**, and the sources are never mixed (exomes and genomes stay apart). A record with no
value in any source is novel.

Bare ``INFO/AF`` is never read by a keyword: variant callers (FreeBayes, GATK, bcftools) write
their own cohort AF under that name, and ``bcftools annotate -c INFO/AF`` leaves the caller's
value on every record gnomAD lacks. Name it explicitly (``INFO/AF``) only for a VCF whose INFO/AF
is known to be a population frequency.

docs/annotation.md describes the keywords and the default order for users.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, field, replace
from typing import Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Tuple

from hlhscreen.errors import UserInputError

#: gnomAD genetic-ancestry group codes recognised in field names (lower case). Sex strata
#: (``XX``/``XY``), ``raw``, sub-populations etc. are not groups.
GNOMAD_POPULATIONS: FrozenSet[str] = frozenset(
    {"afr", "ami", "amr", "asj", "eas", "fin", "mid", "nfe", "remaining", "oth", "sas"}
)
#: Groups eligible for a popmax computed from gnomAD group AFs: gnomAD's own grpmax/popmax set.
#: Excluded: founder/bottlenecked groups (Amish, Ashkenazi Jewish, Finnish), where drift makes
#: pathogenic founder alleles common, and small or unlabelled groups (Middle Eastern,
#: remaining/other) whose frequencies are too noisy to drive a rarity filter.
POPMAX_POPULATIONS: FrozenSet[str] = frozenset({"afr", "amr", "eas", "nfe", "sas"})
#: 1000 Genomes super-populations (VEP --af_1kg: AFR_AF, AMR_AF, EAS_AF, EUR_AF, SAS_AF).
THOUSAND_GENOMES_POPULATIONS: Tuple[str, ...] = ("afr", "amr", "eas", "eur", "sas")
#: NHLBI ESP groups (VEP --af_esp: AA_AF, EA_AF).
ESP_POPULATIONS: Tuple[str, ...] = ("aa", "ea")

GLOBAL, MAX, POPULATION = "global", "max", "population"

@dataclass(frozen=True)
class SourceKeyword:
    """A keyword of ``--af-fields`` and the dataset its sources hold: ``gnomad`` False for another dataset
    (1000 Genomes, ESP, VEP's MAX_AF). Every source found by the keyword takes its ``gnomad`` from here."""

    name: str
    gnomad: bool


#: Keywords of recognised sources, in the default order (docs/annotation.md, "Frequencies"): the one
#: place in the code that says which of them are gnomAD datasets (the docs' table, Dataset column, says it
#: to users; tests/test_screen_inputs.py compares the two).
KEYWORDS: Tuple[SourceKeyword, ...] = (
    # INFO <prefix containing gnomAD>_<gnomAD field>: the pipeline's offline path
    SourceKeyword("info_gnomad", gnomad=True),
    # CSQ gnomAD_*: VEP --custom short_name=gnomAD; VEP cache <= 106
    SourceKeyword("csq_gnomad", gnomad=True),
    # CSQ gnomADe_*: VEP cache / REST gnomAD exomes (or --custom short_name=gnomADe)
    SourceKeyword("csq_gnomade", gnomad=True),
    # CSQ gnomADg_*: gnomAD genomes
    SourceKeyword("csq_gnomadg", gnomad=True),
    # CSQ <short_name>_<gnomAD field> of any other VEP --custom file naming gnomAD
    SourceKeyword("csq_custom", gnomad=True),
    # INFO gnomAD sites names copied as they are: AF_joint, AF_grpmax, AF_<pop>, ...
    SourceKeyword("info_gnomad_sites", gnomad=True),
    # CSQ AF + <POP>_AF (VEP --af / --af_1kg): 1000 Genomes
    SourceKeyword("csq_1000g", gnomad=False),
    # CSQ AA_AF, EA_AF (VEP --af_esp): NHLBI ESP
    SourceKeyword("csq_esp", gnomad=False),
    # CSQ MAX_AF (VEP --max_af): highest AF of any 1000 Genomes/ESP/gnomAD group, so not gnomAD's own
    SourceKeyword("csq_max_af", gnomad=False),
)
SOURCE_KEYWORDS: Tuple[str, ...] = tuple(keyword.name for keyword in KEYWORDS)
DEFAULT_AF_FIELDS: str = ",".join(SOURCE_KEYWORDS)
#: the keywords whose sources are not gnomAD datasets (derived from :data:`KEYWORDS`)
OTHER_DATASET_KEYWORDS: FrozenSet[str] = frozenset(keyword.name for keyword in KEYWORDS if not keyword.gnomad)
_KEYWORD_IS_GNOMAD: Mapping[str, bool] = {keyword.name: keyword.gnomad for keyword in KEYWORDS}

# gnomAD field names (after any prefix). Within each kind the first present field wins.
_GNOMAD_GLOBAL = ("AF_joint", "AF", "AF_exomes", "AF_genomes")
_GNOMAD_MAX = ("AF_grpmax_joint", "AF_grpmax", "AF_popmax", "POPMAX_AF", "fafmax_faf95_max_joint",
               "fafmax_faf95_max", "faf95_popmax")
_GNOMAD_MAX_GROUP = ("grpmax_joint", "grpmax", "popmax")  # String fields naming the group of the maximum
_POP_JOINT = re.compile(r"^AF_joint_([a-z]+)$")
_POP_PLAIN = re.compile(r"^AF_([a-z]+)$")
_POP_LEGACY = re.compile(r"^([A-Z]+)_AF$")  # VEP cache: gnomADe_NFE_AF
_FIELD_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")


@dataclass(frozen=True)
class FrequencyField:
    """One numeric field: where (``INFO`` or ``CSQ``), its header name, and what it measures."""

    location: str
    name: str
    kind: str  # GLOBAL, MAX or POPULATION
    population: Optional[str] = None

    @property
    def label(self) -> str:
        """``CSQ/gnomADe_AF``: how outputs name the field."""
        return f"{self.location}/{self.name}"


@dataclass(frozen=True)
class FrequencySource:
    """One dataset's frequency fields in one place (see the module docstring)."""

    name: str  # keyword (``csq_gnomade``), ``csq_custom:<short_name>``, or the explicit spec
    location: str
    global_fields: Tuple[FrequencyField, ...] = ()
    max_fields: Tuple[FrequencyField, ...] = ()
    population_fields: Tuple[FrequencyField, ...] = ()
    max_group_field: Optional[str] = None  # String field naming the group of the maximum
    popmax_groups: FrozenSet[str] = POPMAX_POPULATIONS
    gnomad: bool = True

    @property
    def fields(self) -> Tuple[FrequencyField, ...]:
        return self.global_fields + self.max_fields + self.population_fields

    @property
    def empty(self) -> bool:
        return not self.fields


@dataclass(frozen=True)
class Frequency:
    """The frequencies of one ALT allele from the first source with any value.

    ``missing`` is True when no source had any value (the variant is novel); a missing AF is
    None, never 0. ``af`` is the source's global AF; ``popmax_af`` its precomputed maximum over
    groups, else the highest AF among its eligible groups."""

    af: Optional[float]
    popmax_af: Optional[float]
    popmax_population: Optional[str]
    population_afs: Mapping[str, float]
    source: Optional[str]
    missing: bool
    af_field: Optional[str] = None  # label of the field that gave ``af``
    popmax_field: Optional[str] = None  # label of the field that gave ``popmax_af``
    gnomad: bool = False  # the source is a gnomAD dataset
    population_fields: Mapping[str, str] = field(default_factory=dict)  # group -> field label

    @property
    def gnomad_af(self) -> Optional[float]:
        """The global AF when it comes from gnomAD, else None."""
        return self.af if self.gnomad else None

    def for_decision(self, mode: str) -> Tuple[Optional[float], Optional[str]]:
        """``(AF, field label)`` the frequency rules compare, or ``(None, None)`` (novel).

        ``global``: the global AF; a source without one is judged by its maximum over groups.
        ``popmax``: the larger of the global AF and the maximum (ties: the global AF), so it is
        never more permissive than ``global``. Either way, a source with only group AFs outside
        the popmax set (e.g. only Finnish) is judged by the highest of them: a frequency of any
        kind counts, and only a record without any is novel."""
        options = [(v, f) for v, f in ((self.af, self.af_field), (self.popmax_af, self.popmax_field)) if v is not None]
        if mode == "global" and options:
            return options[0]
        if options:
            return max(options, key=lambda option: option[0])  # max keeps the first of equal values
        if self.population_afs:
            group = max(sorted(self.population_afs), key=lambda g: self.population_afs[g])
            return self.population_afs[group], self.population_fields.get(group)
        return None, None


NO_FREQUENCY = Frequency(None, None, None, {}, None, True)


# ---------------------------------------------------------------------------------------------
# Recognising sources in a header
# ---------------------------------------------------------------------------------------------


def _gnomad_source(name: str, location: str, fields: Mapping[str, str], *,
                   allow_bare_af: bool = True) -> Optional[FrequencySource]:
    """A source from ``{gnomAD field name: header name}`` (the names after any prefix)."""
    global_fields = tuple(FrequencyField(location, fields[f], GLOBAL) for f in _GNOMAD_GLOBAL
                          if f in fields and (allow_bare_af or f != "AF"))
    max_fields = tuple(FrequencyField(location, fields[f], MAX) for f in _GNOMAD_MAX if f in fields)
    families: List[List[FrequencyField]] = [[], [], []]
    for suffix, full in fields.items():
        for rank, pattern in enumerate((_POP_JOINT, _POP_PLAIN, _POP_LEGACY)):
            match = pattern.match(suffix)
            if match and match.group(1).lower() in GNOMAD_POPULATIONS:
                families[rank].append(FrequencyField(location, full, POPULATION, match.group(1).lower()))
                break
    # joint group AFs go with the joint AF; one family only, so datasets are never mixed
    populations = tuple(next((family for family in families if family), []))
    group_field = next((fields[f] for f in _GNOMAD_MAX_GROUP if f in fields), None)
    source = FrequencySource(name, location, global_fields, max_fields, populations, group_field)
    return None if source.empty else source


def _split_prefix(field: str) -> Optional[Tuple[str, str]]:
    """``gnomAD2.1_AF_popmax`` -> ``("gnomAD2.1", "AF_popmax")`` when the part after the first
    ``_`` that leaves a known gnomAD field name is one (the name as :func:`gnomad_field_name` spells it:
    ``gnomADg_AF_POPMAX`` -> ``("gnomADg", "AF_popmax")``); else None."""
    for at in (i for i, c in enumerate(field) if c == "_"):
        prefix, suffix = field[:at], gnomad_field_name(field[at + 1:])
        if prefix and suffix:
            return prefix, suffix
    return None


def gnomad_field_name(name: str) -> Optional[str]:
    """A gnomAD INFO field name as this module spells it, or None for another field. gnomAD r2.0 wrote the groups and
    the maximum in capitals (``AF_AFR``, ``AF_POPMAX``, ``POPMAX``), later releases in lower case (``AF_afr``,
    ``AF_popmax``, ``popmax``): both are read, as the later spelling."""
    if _is_gnomad_field(name):
        return name
    if name.startswith("AF_") and name[3:].isupper():
        lowered = "AF_" + name[3:].lower()
        return lowered if _is_gnomad_field(lowered) else None
    return name.lower() if name.isupper() and name.lower() in _GNOMAD_MAX_GROUP else None


def _is_gnomad_field(suffix: str) -> bool:
    if suffix in _GNOMAD_GLOBAL or suffix in _GNOMAD_MAX or suffix in _GNOMAD_MAX_GROUP:
        return True
    for pattern in (_POP_JOINT, _POP_PLAIN, _POP_LEGACY):
        match = pattern.match(suffix)
        if match and match.group(1).lower() in GNOMAD_POPULATIONS:
            return True
    return False


def _prefixed(names: Iterable[str]) -> Dict[str, Dict[str, str]]:
    """prefix -> {gnomAD field name: header name}, prefixes in header order."""
    out: Dict[str, Dict[str, str]] = {}
    for name in names:
        split = _split_prefix(name)
        if split is not None:
            out.setdefault(split[0], {}).setdefault(split[1], name)
    return out


def _names_gnomad(prefix: str) -> bool:
    """A field prefix that names a gnomAD dataset (``gnomAD2.1``, ``gnomad_v4``, dbNSFP's ``gnomAD_exomes``).
    Other prefixes with gnomAD-like field names are other datasets (dbNSFP's ``1000Gp3_AF``, ``UK10K_AF``,
    ``ExAC_AF``, ``ESP6500_AA_AF``, ``ALFA_African_AF``; VEP's own ``MAX_AF``, ``EUR_AF``): read as gnomAD,
    a 1000 Genomes AF listed first judged a variant gnomAD calls rare, and a one-group AF passed as global."""
    return "gnomad" in prefix.lower()


def _keyword_sources(keyword: str, info_ids: Sequence[str], csq_fields: Sequence[str]) -> List[FrequencySource]:
    """The sources ``keyword`` finds in a header, marked gnomAD or not as :data:`KEYWORDS` says."""
    return [replace(source, gnomad=_KEYWORD_IS_GNOMAD[keyword])
            for source in _keyword_fields(keyword, info_ids, csq_fields)]


def _keyword_fields(keyword: str, info_ids: Sequence[str], csq_fields: Sequence[str]) -> List[FrequencySource]:
    csq = set(csq_fields)
    if keyword == "info_gnomad":
        prefixed = _prefixed(info_ids)
        order = sorted((p for p in prefixed if _names_gnomad(p)), key=lambda p: p != "gnomAD")
        found = [_gnomad_source("info_gnomad" if p == "gnomAD" else f"info_gnomad:{p}", "INFO", prefixed[p])
                 for p in order]
        return [s for s in found if s is not None]
    if keyword in ("csq_gnomad", "csq_gnomade", "csq_gnomadg"):
        prefix = {"csq_gnomad": "gnomAD", "csq_gnomade": "gnomADe", "csq_gnomadg": "gnomADg"}[keyword]
        fields = _prefixed(csq_fields).get(prefix)
        source = _gnomad_source(keyword, "CSQ", fields) if fields else None
        return [source] if source is not None else []
    if keyword == "csq_custom":
        prefixed = _prefixed(csq_fields)
        found = [_gnomad_source(f"csq_custom:{p}", "CSQ", fields) for p, fields in prefixed.items()
                 if p not in ("gnomAD", "gnomADe", "gnomADg") and _names_gnomad(p)]
        return [s for s in found if s is not None]
    if keyword == "info_gnomad_sites":
        bare: Dict[str, str] = {}
        for name in info_ids:
            spelled = gnomad_field_name(name)
            if spelled:
                bare.setdefault(spelled, name)
        source = _gnomad_source("info_gnomad_sites", "INFO", bare, allow_bare_af=False)
        return [source] if source is not None else []
    if keyword == "csq_max_af":
        if "MAX_AF" not in csq:
            return []
        return [FrequencySource("csq_max_af", "CSQ", (), (FrequencyField("CSQ", "MAX_AF", MAX),), (),
                                "MAX_AF_POPS" if "MAX_AF_POPS" in csq else None, frozenset())]
    if keyword in ("csq_1000g", "csq_esp"):
        groups = THOUSAND_GENOMES_POPULATIONS if keyword == "csq_1000g" else ESP_POPULATIONS
        pops = tuple(FrequencyField("CSQ", f"{g.upper()}_AF", POPULATION, g) for g in groups
                     if f"{g.upper()}_AF" in csq)
        glob = (FrequencyField("CSQ", "AF", GLOBAL),) if keyword == "csq_1000g" and "AF" in csq else ()
        if not pops and not glob:
            return []
        return [FrequencySource(keyword, "CSQ", glob, (), pops, None, frozenset(groups))]
    raise AssertionError(keyword)  # pragma: no cover - parse_af_fields checked it


@dataclass(frozen=True)
class FieldSpec:
    """One item of ``--af-fields``: a keyword, or an explicit ``INFO/<name>``/``CSQ/<name>``."""

    keyword: Optional[str] = None
    location: Optional[str] = None
    name: Optional[str] = None
    kind: str = GLOBAL

    @property
    def text(self) -> str:
        if self.keyword:
            return self.keyword
        return f"{self.location}/{self.name}" + (":max" if self.kind == MAX else "")


def parse_af_fields(text: str, option: str = "--af-fields") -> Tuple[FieldSpec, ...]:
    """Parse ``--af-fields``: comma-separated keywords (:data:`SOURCE_KEYWORDS`) and explicit
    fields ``INFO/<name>`` or ``CSQ/<name>`` (``:max`` for a maximum over groups, ``:global``
    the default), in order of precedence. ``none`` reads no frequency at all (every variant novel)."""
    items = [part.strip() for part in (text or "").split(",") if part.strip()]
    if not items:
        raise UserInputError(None, None, option, "no frequency field given",
                             f"Give keywords and/or INFO/<name>, CSQ/<name> fields, e.g. the default {DEFAULT_AF_FIELDS}.")
    if items == ["none"]:
        return ()
    specs: List[FieldSpec] = []
    for item in items:
        if item in SOURCE_KEYWORDS:
            spec = FieldSpec(keyword=item)
        else:
            where, slash, rest = item.partition("/")
            name, colon, kind = rest.partition(":")
            kind = kind or GLOBAL
            if not slash or where not in ("INFO", "CSQ") or not _FIELD_NAME.match(name or "") or \
                    kind not in (GLOBAL, MAX) or (colon and not kind):
                raise UserInputError(
                    None, None, option, f"'{item}' is neither a frequency keyword nor a field such as INFO/gnomAD_AF",
                    f"Use keywords ({', '.join(SOURCE_KEYWORDS)}) or fields written INFO/<name> or CSQ/<name>, "
                    "optionally with :max for a maximum over groups (e.g. CSQ/MAX_AF:max).")
            spec = FieldSpec(location=where, name=name, kind=kind)
        if spec in specs:
            raise UserInputError(None, None, option, f"'{item}' is listed twice", "List each field or keyword once.")
        specs.append(spec)
    return tuple(specs)


#: ``--af-source``: the AF compared with the thresholds (:meth:`Frequency.for_decision`).
AF_SOURCES: Tuple[str, ...] = ("global", "popmax")
DEFAULT_AF_SOURCE: str = "global"


@dataclass(frozen=True)
class FrequencySetting:
    """The run's frequency setting (``--af-fields``, ``--af-source``), checked: every step that reads
    frequencies (ANNOTATION_SUMMARY's check, SCREEN) takes it from :func:`frequency_setting`."""

    af_fields: str
    af_source: str
    specs: Tuple[FieldSpec, ...]

    @property
    def fields_text(self) -> str:
        """The precedence list as parsed (spacing dropped): how outputs name it and steps compare it."""
        return ",".join(spec.text for spec in self.specs) or "none"

    @property
    def reads_gnomad(self) -> bool:
        """Whether a source read is a gnomAD dataset (a gnomAD keyword) or the user's own field (``INFO/<name>``,
        ``CSQ/<name>``); False for ``none`` and for settings of other datasets alone (``csq_max_af``,
        ``csq_1000g``): every frequency those read is another dataset's."""
        return any(not spec.keyword or spec.keyword not in OTHER_DATASET_KEYWORDS for spec in self.specs)


def frequency_setting(af_fields: str = DEFAULT_AF_FIELDS, af_source: str = DEFAULT_AF_SOURCE) -> FrequencySetting:
    """``--af-fields`` and ``--af-source`` checked (UserInputError naming the option)."""
    if af_source not in AF_SOURCES:
        raise UserInputError(None, None, "--af-source", f"unknown AF source {af_source!r}",
                             f"Use one of: {', '.join(AF_SOURCES)}.")
    return FrequencySetting(af_fields, af_source, parse_af_fields(af_fields))


def add_frequency_arguments(parser: "argparse._ActionsContainer") -> None:
    """``--af-source`` and ``--af-fields`` for a command-line tool that reads frequencies (one definition: the
    screen, ANNOTATION_SUMMARY's check and the start-of-run check). Their values are checked by
    :func:`frequency_setting`, not by argparse, so that every tool refuses a bad value with the same message in
    the common ``ERROR`` form (the start-of-run check lists it with the run's other problems)."""
    parser.add_argument("--af-source", metavar="{" + ",".join(AF_SOURCES) + "}", default=DEFAULT_AF_SOURCE,
                        help="AF compared with the thresholds: the global AF, or the larger of global and popmax "
                             "(gnomAD: afr, amr, eas, nfe, sas) (default: %(default)s)")
    parser.add_argument("--af-fields", default=DEFAULT_AF_FIELDS,
                        help="where population frequencies are read, in order of precedence: keywords for the fields "
                             "real annotators write and/or explicit INFO/<name>, CSQ/<name>[:max] fields; a record "
                             "takes its frequencies from the first source with a value (docs/annotation.md) "
                             "(default: %(default)s)")


def resolve_sources(specs: Sequence[FieldSpec], info_ids: Sequence[str], csq_fields: Sequence[str]
                    ) -> Tuple[FrequencySource, ...]:
    """The sources a header offers, in the order of ``specs``. A field claimed by an earlier
    source is not read again by a later one. Explicit fields absent from the header are left out
    (:func:`missing_explicit_fields` names them)."""
    sources: List[FrequencySource] = []
    claimed: set = set()
    for spec in specs:
        if spec.keyword:
            found = _keyword_sources(spec.keyword, info_ids, csq_fields)
        else:
            present = spec.name in (info_ids if spec.location == "INFO" else csq_fields)
            single = FrequencyField(spec.location or "", spec.name or "", spec.kind)
            found = [FrequencySource(spec.text, spec.location or "", (single,) if spec.kind == GLOBAL else (),
                                     (single,) if spec.kind == MAX else (), (), None, frozenset(), gnomad=False)
                     ] if present else []
        for source in found:
            keep = tuple(f for f in source.fields if f.label not in claimed)
            if not keep:
                continue
            claimed.update(f.label for f in keep)
            if len(keep) != len(source.fields):
                source = FrequencySource(source.name, source.location,
                                         tuple(f for f in source.global_fields if f in keep),
                                         tuple(f for f in source.max_fields if f in keep),
                                         tuple(f for f in source.population_fields if f in keep),
                                         source.max_group_field, source.popmax_groups, source.gnomad)
            sources.append(source)
    return tuple(sources)


def missing_explicit_fields(specs: Sequence[FieldSpec], info_ids: Sequence[str], csq_fields: Sequence[str]
                            ) -> List[str]:
    """Explicit ``INFO/``/``CSQ/`` fields of ``specs`` that the header does not declare."""
    return [spec.text for spec in specs if not spec.keyword
            and spec.name not in (info_ids if spec.location == "INFO" else csq_fields)]


_FREQUENCY_LIKE = re.compile(r"(^|_)(AF|MAF|af|maf|freq|Freq|FREQ)(_|$)")


def unread_frequency_fields(sources: Sequence[FrequencySource], info_ids: Sequence[str],
                            csq_fields: Sequence[str]) -> List[str]:
    """Fields whose name looks like a frequency (``*_AF``, ``AF_*``, ``*MAF*``) that no source
    reads: the screen warns about them, so that a frequency under an unexpected name is not
    silently ignored."""
    read = {f.label for s in sources for f in s.fields}
    out = []
    for location, names in (("INFO", info_ids), ("CSQ", csq_fields)):
        for name in names:
            label = f"{location}/{name}"
            if label in read or not _FREQUENCY_LIKE.search(name) or name.endswith("_POPS"):
                continue
            if location == "INFO" and name.startswith("HLH_"):
                continue
            out.append(label)
    return out


# ---------------------------------------------------------------------------------------------
# Combining one source's values
# ---------------------------------------------------------------------------------------------


def combine(source: FrequencySource, values: Mapping[FrequencyField, float],
            max_group: Optional[str] = None) -> Frequency:
    """The :class:`Frequency` of a record from one source's values (fields without a value are
    absent from ``values``). ``max_group``: the value of the source's group-name field."""
    af_field = next((f for f in source.global_fields if f in values), None)
    pops = {f.population: values[f] for f in source.population_fields if f in values and f.population}
    computed: Optional[float] = None
    computed_group: Optional[str] = None
    computed_field: Optional[FrequencyField] = None
    for f in source.population_fields:
        if f not in values or f.population not in source.popmax_groups:
            continue
        value = values[f]
        # highest AF among the eligible groups; ties go to the alphabetically first group
        if computed is None or value > computed or (value == computed and f.population < (computed_group or "")):
            computed, computed_group, computed_field = value, f.population, f
    max_field = next((f for f in source.max_fields if f in values), None)
    if max_field is not None:
        popmax: Optional[float] = values[max_field]
        popmax_field: Optional[FrequencyField] = max_field
        # the group of a precomputed maximum: the annotator's own field, else the group whose AF it is
        group = max_group or (computed_group if computed is not None and computed == popmax else None)
    else:
        popmax, popmax_field, group = computed, computed_field, computed_group
    af = values[af_field] if af_field is not None else None
    return Frequency(
        af=af, popmax_af=popmax, popmax_population=group, population_afs=dict(sorted(pops.items())),
        source=source.name, missing=af is None and popmax is None and not pops,
        af_field=af_field.label if af_field is not None else None,
        popmax_field=popmax_field.label if popmax_field is not None else None,
        gnomad=source.gnomad,
        population_fields={f.population: f.label for f in source.population_fields if f.population in pops},
    )
