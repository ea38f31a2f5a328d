"""Which human assembly a reference or a BED is for, from what each states or measures cheaply.

A BED holds coordinates only: a GRCh37 capture BED mostly lies within the GRCh38 contigs, so placing it
on a GRCh38 reference raises nothing (docs/usage.md, capture targets). Two cheap, honest signals:

- the reference's assembly from its primary chromosome lengths (the ``.fai``, or the windows table's
  GRCh38 lengths): every GRCh37 and GRCh38 chromosome differs in length;
- what the BED says about itself: a UCSC ``track ... db=hg19`` line, a ``#``/``browser`` header naming a
  build, or a file name such as ``S31285117_Covered.hg19.bed``.

A header naming another assembly than the reference's is an error; a file name only warns (a lifted
file may keep its old name). A BED that names nothing cannot be checked here: the capture-covers-the-
panel check (with a panel) and the coverage QC (near-zero target depth) are what show it then.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from .chromosomes import in_natural_order
from .errors import UserInputError
from .files import PathLike, text_lines

GRCH38 = "GRCh38"
GRCH37 = "GRCh37"
CHM13 = "T2T-CHM13"
NCBI36 = "NCBI36"

# Primary chromosome lengths: GRCh38.p14 (NCBI assembly report; the same table as tests/test_intervals.py),
# GRCh37/hg19 (UCSC hg19 chromInfo; chr20 = 63,025,520 as ../shared/realdata's hg19 chr20 .fai),
# T2T-CHM13v2.0 (GCA_009914755.4; UCSC hs1) and NCBI36/hg18 (chromosomes 1-3 and X). A reference of
# another human assembly given by mistake is told by these (a GRCh38 panel would place on it silently).
_LENGTHS: Dict[str, Dict[str, int]] = {
    GRCH38: {
        "1": 248956422, "2": 242193529, "3": 198295559, "4": 190214555, "5": 181538259, "6": 170805979,
        "7": 159345973, "8": 145138636, "9": 138394717, "10": 133797422, "11": 135086622, "12": 133275309,
        "13": 114364328, "14": 107043718, "15": 101991189, "16": 90338345, "17": 83257441, "18": 80373285,
        "19": 58617616, "20": 64444167, "21": 46709983, "22": 50818468, "X": 156040895, "Y": 57227415,
    },
    GRCH37: {
        "1": 249250621, "2": 243199373, "3": 198022430, "4": 191154276, "5": 180915260, "6": 171115067,
        "7": 159138663, "8": 146364022, "9": 141213431, "10": 135534747, "11": 135006516, "12": 133851895,
        "13": 115169878, "14": 107349540, "15": 102531392, "16": 90354753, "17": 81195210, "18": 78077248,
        "19": 59128983, "20": 63025520, "21": 48129895, "22": 51304566, "X": 155270560, "Y": 59373566,
    },
    CHM13: {
        "1": 248387328, "2": 242696752, "3": 201105948, "4": 193574945, "5": 182045439, "6": 172126628,
        "7": 160567428, "8": 146259331, "9": 150617247, "10": 134758134, "11": 135127769, "12": 133324548,
        "13": 113566686, "14": 101161492, "15": 99753195, "16": 96330374, "17": 84276897, "18": 80542538,
        "19": 61707364, "20": 66210255, "21": 45090682, "22": 51324926, "X": 154259566, "Y": 62460029,
    },
    NCBI36: {"1": 247249719, "2": 242951149, "3": 199501827, "X": 154913754},
}

# Words that name an assembly (not inside another word: "hg19" but not "chg190"); each build under its
# common names (b37/hs37d5 and b38/hs38DH are the Broad and bwakit names), so a header naming both builds
# ("lifted from b37 to b38") names none.
_NAMES = (
    (re.compile(r"(?<![A-Za-z0-9])(hg19|GRCh37|b37|hs37d5)(?![A-Za-z0-9])", re.IGNORECASE), GRCH37),
    (re.compile(r"(?<![A-Za-z0-9])(hg38|GRCh38|b38|hs38|hs38DH)(?![A-Za-z0-9])", re.IGNORECASE), GRCH38),
    (re.compile(r"(?<![A-Za-z0-9])(hg18|NCBI36)(?![A-Za-z0-9])", re.IGNORECASE), NCBI36),
    (re.compile(r"(?<![A-Za-z0-9])(CHM13|T2T|hs1)(?![A-Za-z0-9])", re.IGNORECASE), CHM13),
)
_HEADER_STARTS = ("#", "track", "browser")
# Chromosomes named by sequence accession: RefSeq (NC_000001.11, GCF_000001405.40_GRCh38.p14_genomic.fna),
# GenBank (CM000663.2, GCA_000001405.29), T2T's GenBank names (CP068277.2)
_ACCESSION = re.compile(r"^(NC_0000(0[1-9]|1[0-9]|2[0-4])|CM0006(6[3-9]|[78][0-9])|CP0682(7[7-9]|[89][0-9]))\.[0-9]+$")
_RENAME = ("Give the same assembly with chromosome names: NCBI's GCA_000001405.15_GRCh38_no_alt_analysis_set (UCSC "
           "names; recommended), or rename the FASTA's sequences to the UCSC-style names of its assembly report "
           "(*_assembly_report.txt) and index it again: docs/usage.md, 'Which GRCh38 FASTA', gives the commands")


def assembly_of_lengths(lengths: Dict[str, int]) -> Optional[Tuple[str, str]]:
    """(assembly, evidence) when every primary chromosome of known length is that assembly's length."""
    found: Dict[str, str] = {}
    for contig, length in lengths.items():
        key = contig[3:] if contig.lower().startswith("chr") else contig
        for assembly, table in _LENGTHS.items():
            if table.get(key) == length:
                found.setdefault(assembly, f"{contig} is {length:,} bp")
    if len(found) != 1:
        return None  # no primary chromosome (windows of a few kb, a synthetic genome), or a mixture
    return next(iter(found.items()))


def reference_assembly(layout) -> Optional[Tuple[str, str]]:
    """The assembly of a :class:`hlhscreen.callability.ReferenceLayout` from its chromosome lengths (a
    windows reference: the GRCh38 ones its table names), with the evidence; None when nothing tells."""
    if layout.windows is not None:
        return assembly_of_lengths({w.chrom: w.chrom_length for w in layout.windows.values()})
    return assembly_of_lengths({name: length for name, length in layout.contigs.items() if length is not None})


def accession_named(contigs: Iterable[str]) -> List[str]:
    """The reference's primary chromosomes named by sequence accession (NC_000001.11, CM000663.2), when
    none of them is named as a chromosome (chr1 or 1), in natural order; [] otherwise."""
    names = list(contigs)
    named = [name for name in names if _ACCESSION.match(name)]
    primary = [name for name in names if (name[3:] if name.lower().startswith("chr") else name) in _LENGTHS[GRCH38]]
    return [] if primary else in_natural_order(named)


def check_panel_build(regions: PathLike, layout) -> None:
    """Panels are GRCh38 (build_panel.py refuses other GTFs): on a reference of another build (an hg19
    FASTA) most panel regions still lie within the contigs and would be called and screened at other
    bases. Without a gnomAD file (REST annotation, --skip_screening) nothing else would say so. A
    reference naming its chromosomes by accession (RefSeq NC_000001.11) holds none of the panel's contigs:
    refused with the renaming it needs (the panel, gene models, gnomAD, ClinVar and VEP all name
    chromosomes, so one rename of the FASTA serves every step)."""
    accessions = accession_named(layout.contigs)
    if accessions:
        shown = ", ".join(accessions[:3]) + (", ..." if len(accessions) > 3 else "")
        raise UserInputError(layout.source, None, "--fasta",
                             f"the reference names its chromosomes by sequence accession ({shown}); the panel, the "
                             "gene models, gnomAD, ClinVar and VEP name them chr1, chr2, ...: no panel region would be "
                             "placed on it", _RENAME)
    reference = reference_assembly(layout)
    if reference is not None and reference[0] != GRCH38:
        raise UserInputError(regions, None, "genome-build",
                             f"the panel is {GRCH38} but the reference {layout.source} is {reference[0]} ({reference[1]}): "
                             "panel regions would be called and screened at other bases",
                             "Give a GRCh38 reference; for a validation on another build use --skip_screening with "
                             "--intervals (no panel).")


def named_assembly(text: str) -> Optional[Tuple[str, str]]:
    """(assembly, the word naming it) when ``text`` names exactly one assembly."""
    hits = {assembly: match.group(1) for pattern, assembly in _NAMES for match in [pattern.search(text)] if match}
    if len(hits) != 1:
        return None  # none, or both (e.g. "hg19 lifted to hg38")
    return next(iter(hits.items()))


def declared_assembly(bed: PathLike) -> Optional[Tuple[int, str, str, str]]:
    """(line, assembly, word, line text) of the first header line before the data naming one assembly."""
    for line_no, raw in text_lines(bed, "bed"):
        line = raw.strip()
        if line and not line.startswith(_HEADER_STARTS):
            return None
        named = named_assembly(line)
        if named:
            return line_no, named[0], named[1], line
    return None


def bed_build_problem(bed: PathLike, reference: Optional[Tuple[str, str]], what: str
                      ) -> Tuple[Optional[Tuple[Optional[int], str]], Optional[str]]:
    """((line, error text) for a header naming another assembly than the reference's, or None;
    warning text for a file name naming one, or None)."""
    if reference is None or not Path(bed).is_file():
        return None, None  # a missing file is named by the BED reader
    assembly, evidence = reference
    declared = declared_assembly(bed)
    if declared is not None and declared[1] != assembly:
        line, named, word, text = declared
        return (line, f"the {what} names assembly {word} ({named}: {text[:100]}) but the reference is {assembly} "
                      f"({evidence}): its coordinates would point at other bases"), None
    if declared is None:
        by_name = named_assembly(Path(bed).name)
        if by_name is not None and by_name[0] != assembly:
            return None, (f"{what} {Path(bed).name}: the file name says {by_name[1]} ({by_name[0]}) but the reference "
                          f"is {assembly} ({evidence}); if the BED is of that build, its targets point at other bases "
                          "(no error: a BED lifted over may keep its old name)")
    return None, None
