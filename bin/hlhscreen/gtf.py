"""What differs between the GTF flavours a user may give build_panel.py, in one place.

GENCODE and Ensembl GTFs name the gene in ``gene_name`` and tag the chosen transcripts
``MANE_Select`` / ``Ensembl_canonical``; the NCBI RefSeq GTF (``GCF_000001405.40_GRCh38.p14_genomic.gtf``)
and the MANE release GTFs name it in ``gene`` and spell the tags with a space (``MANE Select``,
``RefSeq Select``), and RefSeq names contigs by accession (``NC_000010.11``). UCSC-exported GTFs
(genePredToGtf) put the transcript id in ``gene_id`` and carry no tags; a GFF3 file has
``key=value`` attributes. Standard library only.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional

# RefSeq accessions of the GRCh38 primary assembly (GRCh38.p14 assembly report, GCF_000001405.40):
# chr1..chr22 = NC_000001..NC_000022, chrX = NC_000023, chrY = NC_000024, chrM = NC_012920.1.
# The version tells the assembly: GRCh37 has e.g. NC_000010.10 where GRCh38 has NC_000010.11.
GRCH38_ACCESSIONS: Dict[str, str] = {
    f"NC_0000{number:02d}.{version}": f"chr{name}"
    for number, version, name in (
        (1, 11, "1"), (2, 12, "2"), (3, 12, "3"), (4, 12, "4"), (5, 10, "5"), (6, 12, "6"), (7, 14, "7"),
        (8, 11, "8"), (9, 12, "9"), (10, 11, "10"), (11, 10, "11"), (12, 12, "12"), (13, 11, "13"),
        (14, 9, "14"), (15, 10, "15"), (16, 10, "16"), (17, 11, "17"), (18, 10, "18"), (19, 10, "19"),
        (20, 11, "20"), (21, 9, "21"), (22, 11, "22"), (23, 11, "X"), (24, 10, "Y"),
    )
}
GRCH38_ACCESSIONS["NC_012920.1"] = "chrM"
_CHROMOSOME_ACCESSION_RE = re.compile(r"^NC_0000(0[1-9]|1[0-9]|2[0-4])\.(\d+)$")

# tag spellings -> one name; the order of CHOICE_TAGS is the transcript choice (docs/panels.md)
_TAG_SPELLINGS = {
    "MANE Select": "MANE_Select",
    "MANE_Select": "MANE_Select",
    "Ensembl_canonical": "Ensembl_canonical",
    "RefSeq Select": "RefSeq_Select",
    "RefSeq_Select": "RefSeq_Select",
    "MANE Plus Clinical": "MANE_Plus_Clinical",
}
CHOICE_TAGS = ("MANE_Select", "Ensembl_canonical", "RefSeq_Select")
_CHOICE_TAG_RE = re.compile(r'tag\s+"(MANE[ _]Select|Ensembl_canonical|RefSeq[ _]Select)"')

_GFF3_ATTR_RE = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_.]*=[^;]*(;|$)")
_TRANSCRIPT_ACCESSION_RE = re.compile(r"^(ENST\d{11}|[NX][MR]_\d+|uc\d{3}[a-z]{3})(\.\d+)?$")
#: RefSeq transcript accessions (NM_/NR_ curated, XM_/XR_ predicted): VEP --refseq/--merged Feature ids
_REFSEQ_TRANSCRIPT_RE = re.compile(r"^[NX][MR]_\d")


def normalise_tags(tags: List[str]) -> List[str]:
    """Tags with RefSeq/MANE spellings mapped to the GENCODE ones ('MANE Select' -> 'MANE_Select')."""
    return [_TAG_SPELLINGS.get(tag, tag) for tag in tags]


def has_choice_tag(attributes: str) -> bool:
    """Does a GTF attribute column carry a tag that chooses a transcript (any spelling)?"""
    return bool(_CHOICE_TAG_RE.search(attributes))


def looks_like_gff3(attributes: str) -> bool:
    """GFF3 attributes are ``key=value`` pairs separated by ';' (GTF: ``key "value";``)."""
    return bool(_GFF3_ATTR_RE.match(attributes)) and '"' not in attributes.split(";", 1)[0]


def is_transcript_accession(identifier: str) -> bool:
    """ENST..., NM_/NR_/XM_/XR_... or a UCSC uc... id: a transcript id, not a gene id."""
    return bool(_TRANSCRIPT_ACCESSION_RE.match(identifier))


def is_refseq_transcript(identifier: Optional[str]) -> bool:
    """NM_/NR_/XM_/XR_...: a RefSeq transcript id (None or an Ensembl id: False)."""
    return bool(identifier and _REFSEQ_TRANSCRIPT_RE.match(identifier))


def accession_chromosome(contig: str) -> Optional[str]:
    """UCSC name of a GRCh38 RefSeq chromosome accession ('NC_000010.11' -> 'chr10'), else None."""
    return GRCH38_ACCESSIONS.get(contig)


def other_assembly_accession(contig: str) -> Optional[str]:
    """For a RefSeq chromosome accession of ANOTHER assembly version (GRCh37's NC_000010.10), the
    GRCh38 accession of the same chromosome; None for anything else."""
    match = _CHROMOSOME_ACCESSION_RE.match(contig)
    if not match or contig in GRCH38_ACCESSIONS:
        return None
    prefix = f"NC_0000{match.group(1)}."
    return next(acc for acc in GRCH38_ACCESSIONS if acc.startswith(prefix))
