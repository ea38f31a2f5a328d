"""Which file an annotation field was copied from, as the annotated VCF's header declares it.

Frequencies reach a VCF two ways: copied from a sites file (VEP ``--custom``, ``bcftools annotate``), or
written by the annotator from its own database (VEP's cache with ``--af_gnomade``/``--af_gnomadg``/
``--max_af``, the Ensembl REST answers ``bin/vep_rest.py`` writes). Whether a variant "was looked up in
gnomAD" on a chromosome the pipeline's gnomAD file has no record on depends on which: a field copied from
that very file was looked up nowhere there; a field of the annotator's own gnomAD was (docs/screening.md,
"Not looked up is not novel"). The header says where copied fields came from:

- VEP ``--custom`` (every release): a header line per custom field, ``##<short>_<field>=<field> field from
  <file>`` (older releases) or ``##INFO=<ID=<short>_<field>,...,Description="<field> field from <file>">``
  (newer ones); and the ``--custom`` option itself in ``##VEP-command-line`` (``file=...,short_name=...,
  fields=A%B`` or the older positional ``file,short_name,format,type,coords,A,B``).
- ``bcftools annotate`` (without ``--no-version``): ``##bcftools_annotateCommand=annotate ... --annotations
  <file> --columns INFO/gnomAD_AF:=INFO/AF,...``; the INFO fields of ``--columns`` came from that file
  (``INFO`` alone: every INFO field).

Only file names are compared (a Nextflow task sees the file under its own name, without folders).
A field can have several origins (VEP or ``bcftools annotate`` run more than once, each leaving its header
lines); each is kept. A CSQ field a VEP plugin declares (``##<field>=<description>``, e.g. dbNSFP's
``gnomAD_exomes_AF``, which it fills for missense SNVs only) has the origin :data:`UNNAMED`: a file the header
does not name. ``bcftools annotate --columns INFO`` names no field (``INFO/*``): the file's own INFO fields,
which the header does not list, so it never tells where a given field came from.

Which gnomAD the annotator's own database holds, the header says too (:func:`annotator_gnomad`): VEP writes
into its ``##VEP=`` line one ``key="version"`` item per data source its cache declares (the cache's
``info.txt`` ``source_*`` entries; ensembl-vep ``CacheDir::read_cache_info_file`` and
``OutputFactory::VCF::headers``), e.g. ``gnomAD="r2.1"`` (releases <= 106, exomes), ``gnomADe="v4.1"
gnomADg="v4.1"`` (107 on). A cache without gnomAD data names none: ``--af_gnomade`` then leaves the fields
empty for every variant, which says nothing about gnomAD. ``bin/vep_rest.py`` marks its CSQ description
(:data:`REST_CLIENT_MARK`): Ensembl's REST answers hold gnomAD.
"""

from __future__ import annotations

import os
import re
import shlex
from typing import Dict, FrozenSet, Iterable, List, Tuple

#: label of a field (``CSQ/gnomAD_AF``, ``INFO/gnomAD_AF``) -> the files it was copied from; the label
#: ``INFO/*`` stands for every INFO field of a ``bcftools annotate --columns INFO``
ALL_INFO = "INFO/*"
#: the origin of a field the header declares without naming its file (a VEP plugin's)
UNNAMED = ""
Origins = Dict[str, Tuple[str, ...]]

_FIELD_FROM = re.compile(r'^"?\s*\S+ field from (.+?)\s*"?$')
_PLAIN_LINE = re.compile(r"^##([^=<]+)=([^<].*)$")
_INFO_LINE = re.compile(r'^##INFO=<ID=([^,>]+),.*Description="([^"]*)"')
_VEP_COMMAND = re.compile(r"^##VEP-command-line='?(.*?)'?\s*$")
_BCFTOOLS_ANNOTATE = re.compile(r"^##bcftools_annotateCommand=(.*?)(?:;\s*Date=.*)?$")
# bcftools --columns items that are not INFO fields
_NOT_INFO = frozenset({"ID", "CHROM", "POS", "REF", "ALT", "QUAL", "FILTER", "-"})


#: in the CSQ description bin/vep_rest.py writes (vep_rest.csq_header_description)
REST_CLIENT_MARK = "hlhscreen vep_rest"
#: :func:`annotator_gnomad` of the REST client's output: Ensembl's answers hold gnomAD exomes and genomes
REST_GNOMAD = frozenset({"gnomADe", "gnomADg"})
_VEP_VERSION_LINE = re.compile(r"^##VEP=(.*)$")
_VERSION_ITEM = re.compile(r'([A-Za-z0-9_.\-]+)=(?:"([^"]*)"|(\S+))')
# the keys VEP's ##VEP= line gives the cache's gnomAD (releases <= 106: gnomAD, the exomes; 107 on: gnomADe, gnomADg)
_GNOMAD_KEYS = frozenset({"gnomAD", "gnomADe", "gnomADg"})


def annotator_gnomad(header_text: str) -> FrozenSet[str]:
    """The gnomAD datasets the annotator's own database holds, as the header names them (module docstring):
    the ``##VEP=`` keys ``gnomAD``, ``gnomADe``, ``gnomADg`` with a release, or :data:`REST_GNOMAD` for
    bin/vep_rest.py's output; empty without either (no ``##VEP=`` line, a cache without gnomAD data)."""
    if REST_CLIENT_MARK in header_text:
        return REST_GNOMAD
    found: set = set()
    for line in header_text.splitlines():
        match = _VEP_VERSION_LINE.match(line)
        if match is None:
            continue
        for key, quoted, bare in _VERSION_ITEM.findall(match.group(1)):
            if key in _GNOMAD_KEYS and (quoted or bare).strip():
                found.add(key)
    return frozenset(found)


def file_name(path: str) -> str:
    """The file's own name: ``/data/gnomad.vcf.gz`` -> ``gnomad.vcf.gz`` (URLs too)."""
    return os.path.basename(path.rstrip("/"))


def _custom_from_option(value: str) -> Dict[str, str]:
    """CSQ field -> file of one VEP ``--custom`` value, in either syntax; {} without a short name."""
    items = value.split(",")
    if any("=" in item for item in items):
        options = dict(item.split("=", 1) for item in items if "=" in item)
        short, path, fields = options.get("short_name"), options.get("file"), options.get("fields", "")
        names = [name for name in fields.split("%") if name]
    else:  # file,short_name,format,type,coords,field,field...
        path, short = items[0], (items[1] if len(items) > 1 else None)
        names = [name for name in items[5:] if name]
    if not short or not path:
        return {}
    return {f"CSQ/{short}_{name}": file_name(path) for name in names}


def _vep_command_custom(command: str) -> Dict[str, str]:
    tokens = command.split()
    out: Dict[str, str] = {}
    for at, token in enumerate(tokens[:-1]):
        if token == "--custom":
            out.update(_custom_from_option(tokens[at + 1]))
    return out


def _option_values(tokens: List[str], short: str, long: str) -> List[str]:
    values = []
    for at, token in enumerate(tokens):
        if token in (short, long) and at + 1 < len(tokens):
            values.append(tokens[at + 1])
        elif token.startswith(long + "="):
            values.append(token[len(long) + 1:])
    return values


def _info_destinations(columns: Iterable[str]) -> List[str]:
    """The INFO fields a ``bcftools annotate --columns`` list writes (``INFO/*`` for every one)."""
    out = []
    for column in ",".join(columns).split(","):
        target = column.split(":=", 1)[0].strip()
        if target.startswith("^"):  # ^INFO/TAG: every INFO field except TAG; TAG is not copied
            continue
        target = target.lstrip("+-=.").strip()
        if target.startswith("FORMAT/") or target.upper() in _NOT_INFO or not target:
            continue
        if target in ("INFO", "INFO/"):
            out.append(ALL_INFO)
        else:
            out.append("INFO/" + (target[len("INFO/"):] if target.startswith("INFO/") else target))
    return out


def _bcftools_annotate(command: str) -> Dict[str, str]:
    try:
        tokens = shlex.split(command)
    except ValueError:
        tokens = command.split()
    files = _option_values(tokens, "-a", "--annotations")
    if len(files) != 1:
        return {}
    columns = _option_values(tokens, "-c", "--columns")
    return {label: file_name(files[0]) for label in (_info_destinations(columns) if columns else [ALL_INFO])}


def _annotation_columns(header_text: str) -> FrozenSet[str]:
    """The field names of VEP's CSQ-like INFO field (``Description="... Format: Allele|Consequence|..."``)."""
    names: set = set()
    for line in header_text.splitlines():
        info = _INFO_LINE.match(line)
        if info is not None and "Format: " in info.group(2):
            names.update(name.strip() for name in info.group(2).split("Format: ", 1)[1].split("|"))
    return frozenset(names)


def _add(out: Origins, label: str, path: str) -> None:
    if path not in out.get(label, ()):
        out[label] = out.get(label, ()) + (path,)


def copied_fields(header_text: str) -> Origins:
    """Field label -> names of the files it was copied from (:data:`UNNAMED` for a VEP plugin's field), for
    every field the header says was copied (module docstring). Fields the header says nothing about are
    absent."""
    out: Origins = {}
    columns = _annotation_columns(header_text)
    for line in header_text.splitlines():
        info = _INFO_LINE.match(line)
        plain = _PLAIN_LINE.match(line) if info is None else None
        if info is not None or plain is not None:
            name, text = info.groups() if info is not None else plain.groups()  # type: ignore[union-attr]
            found = _FIELD_FROM.match(text)
            if found is not None:
                _add(out, f"CSQ/{name}", file_name(found.group(1)))
            elif plain is not None and name in columns:  # a VEP plugin's column
                _add(out, f"CSQ/{name}", UNNAMED)
        command = _VEP_COMMAND.match(line)
        if command is not None:
            for label, path in _vep_command_custom(command.group(1)).items():
                _add(out, label, path)
        annotate = _BCFTOOLS_ANNOTATE.match(line)
        if annotate is not None:
            for label, path in _bcftools_annotate(annotate.group(1)).items():
                _add(out, label, path)
    return out


def copied_from(label: str, copied: Origins) -> Tuple[str, ...]:
    """The files a field (``INFO/gnomAD_AF``) may have been copied from, as the header names them: its own
    origins, and for an INFO field those of every ``--columns INFO`` copy (it may have overwritten the field);
    () when the header names no origin of the field itself (a ``--columns INFO`` copy alone does not: the
    field may be older)."""
    own = copied.get(label, ())
    if not own:
        return ()
    return own + (copied.get(ALL_INFO, ()) if label.startswith("INFO/") else ())
