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
"""

from __future__ import annotations

import os
import re
import shlex
from typing import Dict, Iterable, List, Optional

#: label of a field (``CSQ/gnomAD_AF``, ``INFO/gnomAD_AF``) -> the file it was copied from; the label
#: ``INFO/*`` stands for every INFO field of a ``bcftools annotate --columns INFO``
ALL_INFO = "INFO/*"

_FIELD_FROM = re.compile(r'^"?\s*\S+ field from (.+?)\s*"?$')
_PLAIN_LINE = re.compile(r"^##([^=<]+)=([^<].*)$")
_INFO_LINE = re.compile(r'^##INFO=<ID=([^,>]+),.*Description="([^"]*)"')
_VEP_COMMAND = re.compile(r"^##VEP-command-line='?(.*?)'?\s*$")
_BCFTOOLS_ANNOTATE = re.compile(r"^##bcftools_annotateCommand=(.*?)(?:;\s*Date=.*)?$")
# bcftools --columns items that are not INFO fields
_NOT_INFO = frozenset({"ID", "CHROM", "POS", "REF", "ALT", "QUAL", "FILTER", "-"})


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
        target = column.split(":=", 1)[0].lstrip("+-=.^").strip()
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


def copied_fields(header_text: str) -> Dict[str, str]:
    """Field label -> name of the file it was copied from, for every field the header says was copied
    (module docstring). Fields the header says nothing about are absent."""
    out: Dict[str, str] = {}
    for line in header_text.splitlines():
        info = _INFO_LINE.match(line)
        plain = _PLAIN_LINE.match(line) if info is None else None
        if info is not None or plain is not None:
            name, text = info.groups() if info is not None else plain.groups()  # type: ignore[union-attr]
            found = _FIELD_FROM.match(text)
            if found is not None:
                out.setdefault(f"CSQ/{name}", file_name(found.group(1)))
        command = _VEP_COMMAND.match(line)
        if command is not None:
            for label, path in _vep_command_custom(command.group(1)).items():
                out.setdefault(label, path)
        annotate = _BCFTOOLS_ANNOTATE.match(line)
        if annotate is not None:
            out.update(_bcftools_annotate(annotate.group(1)))
    return out


def copied_from(label: str, copied: Dict[str, str]) -> Optional[str]:
    """The file a field (``INFO/gnomAD_AF``) was copied from, or None when the header does not say."""
    if label in copied:
        return copied[label]
    return copied.get(ALL_INFO) if label.startswith("INFO/") else None
