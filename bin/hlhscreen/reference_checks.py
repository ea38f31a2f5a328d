"""Start-up checks that a prebuilt FASTA index and aligner index belong to ``--fasta``.

A ``.fai`` or a bwa / bwa-mem2 index built from another FASTA (another build, another release of the
analysis set, an older copy beside a replaced file) is not an error any tool reports: samtools reads
the wrong bases through a stale ``.fai``, and bwa aligns every read to the genome its index was built
from, whatever ``--fasta`` says. Both are cheap to compare on the launch host (standard library
only): the ``.fai`` offsets must point just after each contig's header line, and a bwa index's
``.ann`` file lists every contig's name and length in plain text (bwa-mem2 writes the same file).
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, TextIO, Union

from .chromosomes import in_natural_order
from .errors import UserInputError, first_few
from .files import is_gzipped
from .fai import read_fai

PathLike = Union[str, os.PathLike]

# files besides <prefix>.amb and <prefix>.ann that each aligner reads (bwa index; bwa-mem2 index)
INDEX_FILES = {
    "bwa": (".bwt", ".pac", ".sa"),
    "bwa-mem2": (".pac", ".0123", ".bwt.2bit.64"),
}
_PARAMETER = {"bwa": "--bwa_index", "bwa-mem2": "--bwamem2_index"}
_BUILD = {"bwa": "bwa index -p <name> <fasta>", "bwa-mem2": "bwa-mem2 index -p <name> <fasta>"}
_HEADER_WINDOW = 4096  # bytes read before a .fai offset to find the contig's header line


def index_prefix(folder: PathLike, aligner: str) -> Path:
    """The one ``<prefix>`` of the aligner index in ``folder``, found as the alignment step finds it
    (``find -L <folder> -name '*.amb'``), with every file the aligner needs beside it."""
    parameter = _PARAMETER[aligner]
    root = Path(folder)
    if not root.is_dir():
        raise UserInputError(folder, None, parameter, "not a folder",
                             f"Give the folder that holds the index files (<name>.amb, <name>.ann, ...).")
    ambs = sorted(p for p in _walk(root) if p.name.endswith(".amb"))
    if not ambs:
        raise UserInputError(folder, None, parameter, "no aligner index in the folder (no <name>.amb file)",
                             f"Give the folder of a {aligner} index ({_BUILD[aligner]}), or leave {parameter} out "
                             "and the pipeline builds it.")
    if len(ambs) > 1:
        shown = ", ".join(str(p.relative_to(root)) for p in ambs[:4])
        raise UserInputError(folder, None, parameter, f"the folder holds several indexes ({shown})",
                             "Give a folder with the index of --fasta only.")
    prefix = Path(str(ambs[0])[: -len(".amb")])
    needed = (".ann",) + INDEX_FILES[aligner]
    missing = [suffix for suffix in needed if not Path(f"{prefix}{suffix}").is_file()]
    if missing:
        other = next((a for a, files in INDEX_FILES.items()
                      if a != aligner and all(Path(f"{prefix}{s}").is_file() for s in files)), None)
        if other is not None:
            raise UserInputError(folder, None, parameter,
                                 f"this is a {other} index ({prefix.name}{INDEX_FILES[other][-1]}), not a {aligner} "
                                 "index",
                                 f"Run with --aligner {other} {_PARAMETER[other]} {folder}, or give a {aligner} index "
                                 f"({_BUILD[aligner]}).")
        raise UserInputError(folder, None, parameter,
                             f"the index {prefix.name} lacks {', '.join(prefix.name + s for s in missing)}",
                             f"Build it again completely ({_BUILD[aligner]}) or copy every file of it.")
    return prefix


def _walk(root: Path) -> List[Path]:
    found = []
    for folder, _dirs, files in os.walk(root, followlinks=True):
        found.extend(Path(folder) / name for name in files)
    return found


def read_ann(path: PathLike) -> Dict[str, int]:
    """Contig -> length from a bwa ``.ann`` file: a line ``<total length> <contigs> <seed>``, then two
    lines per contig: ``<gi> <name> <comment>`` and ``<offset> <length> <ambiguous runs>``."""
    with open(path, errors="replace") as handle:
        lines = handle.read().splitlines()
    contigs: Dict[str, int] = {}
    try:
        count = int(lines[0].split()[1])
        for i in range(count):
            name = lines[1 + 2 * i].split()[1]
            contigs[name] = int(lines[2 + 2 * i].split()[1])
    except (IndexError, ValueError):
        raise UserInputError(path, None, "index", "not a bwa .ann file (contig names and lengths)",
                             "Build the index again from --fasta.") from None
    return contigs


def check_index_matches(folder: PathLike, aligner: str, reference: Dict[str, Optional[int]], source: str) -> None:
    """The aligner index in ``folder`` lists the reference's contigs with their lengths (lengths are
    compared when the reference's are known, i.e. from a .fai)."""
    prefix = index_prefix(folder, aligner)
    indexed = read_ann(f"{prefix}.ann")
    problems: List[str] = []
    only_index = in_natural_order(name for name in indexed if name not in reference)
    only_reference = in_natural_order(name for name in reference if name not in indexed)
    if only_index:
        problems.append(f"contig(s) {first_few(only_index)} are in the index but not in the reference")
    if only_reference:
        problems.append(f"contig(s) {first_few(only_reference)} of the reference are not in the index")
    lengths = [(name, indexed[name], length) for name, length in reference.items()
               if length is not None and name in indexed and indexed[name] != length]
    if lengths:
        shown = ", ".join(f"{name} {got} bp in the index, {want} bp in the reference" for name, got, want in lengths[:3])
        problems.append(f"contig lengths differ ({shown}{', ...' if len(lengths) > 3 else ''})")
    if problems:
        raise UserInputError(f"{prefix}.ann", None, _PARAMETER[aligner],
                             f"the index was built from another FASTA than {source}: " + "; ".join(problems) +
                             "; reads would be aligned to another genome",
                             f"Give the index of --fasta ({_BUILD[aligner]}), or leave {_PARAMETER[aligner]} out "
                             "and the pipeline builds it.")



def check_fai_matches_fasta(fasta: PathLike, fai: PathLike) -> None:
    """Every contig of a plain FASTA's ``.fai`` starts where the index says: the line before its
    offset is the contig's ``>`` header, and the sequence fits in the file. A ``.fai`` of another FASTA
    (or of an older copy) fails here; a bgzipped FASTA is left to samtools (offsets are uncompressed)."""
    size = os.path.getsize(fasta)
    entries = read_fai(fai, layout=True)
    with open(fasta, "rb") as data:
        for name, entry in entries.items():
            number, offset = entry.line, entry.offset
            header = _header_before(data, offset)
            end = offset + _stored_bytes(entry.length, entry.line_bases, entry.line_bytes)
            if header != name or end > size + 1:
                found = f"'>{header}'" if header is not None else "no header line"
                problem = (f"contig {name} should start at byte {offset} of {Path(fasta).name}, but "
                           + (f"the file ends at byte {size}" if header == name else f"{found} is there"))
                raise UserInputError(fai, number, "fai",
                                     f"the FASTA index does not belong to this FASTA: {problem} (an index of another or an "
                                     "older FASTA)",
                                     f"Rebuild it: samtools faidx {fasta} (or give the .fai made from this file).")
    check_fasta_layout(fasta, fai)


def check_fasta_layout(fasta: PathLike, fai: PathLike) -> None:
    """Every byte of a plain FASTA belongs to a contig its ``.fai`` lists: after a contig's last base
    only a line end and the next listed contig's header line (the last: only line ends). A sequence the
    index leaves out is a second sequence of one name (samtools faidx keeps the first and only warns;
    bwa indexes both, and the alignment stops at its SAM header) or an index of a shorter FASTA."""
    entries = sorted(read_fai(fai, layout=True).values(), key=lambda entry: entry.offset)
    names = {entry.name for entry in entries}
    size = os.path.getsize(fasta)
    with open(fasta, "rb") as data:
        for here, after in zip(entries, entries[1:] + [None]):
            end = here.offset + _stored_bytes(here.length, here.line_bases, here.line_bytes)
            data.seek(end)
            gap = data.read(min(max(0, (after.offset if after else size) - end), _GAP_LIMIT + 1))
            extra = _unlisted_sequence(gap, after is not None)
            if extra is None:
                continue
            if extra in names:
                raise UserInputError(fai, here.line, "fai",
                                     f"a second sequence named {extra} follows {here.name} in {Path(fasta).name}: "
                                     "samtools faidx indexed only the first, the aligner would index both",
                                     "Give a FASTA with one sequence per name (a concatenation of two FASTAs "
                                     "repeats names).")
            raise UserInputError(fai, here.line, "fai",
                                 f"the FASTA index does not belong to this FASTA: after {here.name} the file holds "
                                 f"{'>' + extra if extra else 'bases'} (byte {end}), which the index does not list "
                                 "(an index of another or an older FASTA)",
                                 f"Rebuild it: samtools faidx {fasta} (or give the .fai made from this file).")


_GAP_LIMIT = 1 << 20  # longest header line (with its line ends) accepted between two contigs


def _unlisted_sequence(gap: bytes, before_next: bool) -> Optional[str]:
    """None when ``gap`` (the bytes after a contig's last base, up to the next contig's first) holds no
    bases: line ends and, before a next contig, its header line (header lines of empty sequences, which
    samtools faidx leaves out, may come first); else the name of the first sequence with bases there
    ('' for bases without a header)."""
    lines = gap.replace(b"\r", b"").split(b"\n")
    bases = [i for i, line in enumerate(lines) if line.strip() and not line.startswith(b">")]
    headers = [line for line in lines if line.startswith(b">")]
    if len(gap) <= _GAP_LIMIT and not bases and (headers or not before_next):
        return None
    named = [line for line in lines[:bases[0]] if line.startswith(b">")] if bases else headers
    words = named[-1][1:].split() if named else []
    return words[0].decode(errors="replace") if words else ""


def check_line_ends(fasta: PathLike, fai: Optional[PathLike]) -> None:
    """Windows line ends (CR LF): samtools and bwa read them, but FreeBayes stops at the first line end of
    the reference it reads ('Found non-DNA character'), after the alignment (hours on GRCh38)."""
    crlf = False
    if fai is not None:
        crlf = any(entry.line_bytes == (entry.line_bases or 0) + 2 and entry.length > 0
                   for entry in read_fai(fai, layout=True).values())
    if not crlf:
        with (gzip.open(fasta, "rb") if is_gzipped(fasta) else open(fasta, "rb")) as handle:
            crlf = b"\r\n" in handle.read(1 << 16)
    if crlf:
        raise UserInputError(fasta, None, "--fasta",
                             "the FASTA has Windows line ends (CR LF): FreeBayes stops on them ('Found non-DNA "
                             "character') after the alignment",
                             f"Convert the line ends and index it again: sed 's/\\r$//' {Path(fasta).name} > "
                             "unix.fa && samtools faidx unix.fa (or dos2unix); give unix.fa.")


def _header_before(data, offset: int) -> Optional[str]:
    """The first word of the ``>`` line that ends just before ``offset``, or None."""
    window = _HEADER_WINDOW
    while True:
        start = max(0, offset - window)
        data.seek(start)
        before = data.read(offset - start)
        if not before.endswith(b"\n"):
            return None
        if b"\n" in before[:-1] or start == 0:
            break
        window *= 4  # a header line longer than the window (long descriptions)
    line = before[:-1].rsplit(b"\n", 1)[-1].rstrip(b"\r")
    if not line.startswith(b">"):
        return None
    words = line[1:].split()
    return words[0].decode(errors="replace") if words else ""


def _stored_bytes(length: int, line_bases: int, line_bytes: int) -> int:
    """Bytes the sequence of ``length`` bases takes in the file, without its last newline."""
    if line_bases <= 0:
        return length
    full, rest = divmod(length, line_bases)
    return full * line_bytes + rest - (line_bytes - line_bases if rest == 0 and full else 0)


# --- ALT contigs (GRCh38 with ALT haplotypes) -------------------------------------------------------
# bwa mem and bwa-mem2 are ALT-aware only when <index prefix>.alt lists the ALT contigs (bwa's
# README-alt): without it a read at a locus that also has an ALT haplotype aligns equally well to
# both, gets MAPQ 0, and the caller (--min-mapping-quality 1) and mosdepth (--mapq 1) ignore it.
# ALT contigs are told by their names: UCSC/GATK/bwakit ALTs (chr6_GL000250v2_alt), UCSC fix patches
# of the patched releases (chr1_KN196472v1_fix: a corrected copy of a primary locus, the same effect)
# and Ensembl's haplotypes and patches of its toplevel FASTA (CHR_HSCHR6_MHC_COX_CTG1, CHR_HG2266_PATCH).
# GenBank-style names (KI270758.1) are not: ALT, unplaced and unlocalised scaffolds look alike.
# HLA-* and *_decoy contigs and chrEBV are not ALTs of a primary locus.
ALT_CONTIG_SUFFIXES = ("_alt", "_fix")
ENSEMBL_ALT_PREFIX = "CHR_"


def alt_contigs(names) -> List[str]:
    """The reference's ALT haplotype and patch contigs (names ending ``_alt`` or ``_fix``, Ensembl's
    ``CHR_*``), in natural order (as the messages list them)."""
    return in_natural_order(name for name in names if name.endswith(ALT_CONTIG_SUFFIXES) or name.startswith(ENSEMBL_ALT_PREFIX))


def read_alt_names(path: PathLike) -> List[str]:
    """The contigs a bwa ``.alt`` file marks as ALT: the first column of its SAM records (``@`` lines
    are its header)."""
    names: List[str] = []
    with open(path, errors="replace") as handle:
        for line in handle:
            if line.strip() and not line.startswith("@"):
                names.append(line.split("\t", 1)[0].split()[0])
    return names


def _alt_effect(count: int, shown: str) -> str:
    return (f"it has {count} ALT contig(s) ({shown}): ALT haplotypes or patches, further copies of primary loci; "
            "bwa/bwa-mem2 is ALT-aware only with an ALT file "
            "(<index prefix>.alt): without it, reads at loci that also have an ALT haplotype align equally well "
            "to both, get MAPQ 0 and are ignored by the caller (--min-mapping-quality 1) and the coverage "
            "(mosdepth --mapq 1), so panel regions there read as not covered and their variants are not called")


def _ensembl_advice(alts: List[str]) -> str:
    if not any(name.startswith(ENSEMBL_ALT_PREFIX) for name in alts):
        return ""
    return (" (Ensembl: Homo_sapiens.GRCh38.dna.primary_assembly.fa, not dna.toplevel.fa, which adds the "
            "haplotypes and patches CHR_*)")


def alt_warning(contigs: Dict[str, Optional[int]], source: str, aligner: str,
                reference_alt: Optional[PathLike], aligner_index: Optional[PathLike]) -> Optional[str]:
    """A warning when the reference has ALT contigs that the alignment will not treat as ALTs: no
    ALT file where the aligner reads it, or one that lists none of them. ``reference_alt`` is the ALT file
    found beside the FASTA (the pipeline copies it into the index it builds); with a prebuilt index
    ``aligner_index``, bwa reads only ``<prefix>.alt`` in that folder."""
    alts = alt_contigs(contigs)
    if not alts:
        return None
    shown = first_few(alts)
    if aligner_index is not None:
        prefix = index_prefix(aligner_index, aligner)
        used: Optional[Path] = Path(f"{prefix}.alt") if Path(f"{prefix}.alt").is_file() else None
        where = f"{_PARAMETER[aligner]} {aligner_index}"
        beside = (f"copy {reference_alt} into that folder as {prefix.name}.alt" if reference_alt
                  else f"put the ALT file of this index into that folder as {prefix.name}.alt")
    else:
        used = Path(reference_alt) if reference_alt else None
        where = f"the index the pipeline builds from {source}"
        beside = f"put the bwa ALT file beside the FASTA as {source}.alt (or <fasta>.64.alt, the GATK bundle's name)"
    fix = (f"To align ALT-aware, {beside}; or use a GRCh38 analysis set without ALT contigs (e.g. "
           f"GCA_000001405.15_GRCh38_no_alt_analysis_set){_ensembl_advice(alts)}. docs/usage.md, 'Which GRCh38 FASTA'.")
    if used is None:
        return f"reference {source}: no bwa ALT file for {where}: {_alt_effect(len(alts), shown)}. {fix}"
    listed = set(read_alt_names(used))
    missing = [name for name in alts if name not in listed]
    if len(missing) == len(alts):
        return (f"reference {source}: the ALT file {used} lists none of the reference's ALT contigs: "
                f"{_alt_effect(len(alts), shown)}. Give the ALT file made for this reference. {fix}")
    if missing:
        return (f"reference {source}: the ALT file {used} does not list {len(missing)} of the reference's "
                f"{len(alts)} ALT contigs ({first_few(missing)}): reads at their loci get MAPQ 0 and are not "
                "counted (not covered, not called). Give the ALT file made for this reference.")
    return None


def alt_note(contigs: Iterable[str], alt_names: Optional[Sequence[str]]) -> Optional[str]:
    """For the outputs (report, MultiQC): the reference's ALT contigs the alignment did not treat as ALTs,
    ``alt_names`` being the contigs of the bwa ALT file the aligner read (None: no ALT file). Which panel
    genes lie at the loci they copy cannot be told from the names (an ALT contig's name gives its
    chromosome only; its place is what the ALT file holds), so the note is for the whole run."""
    alts = alt_contigs(contigs)
    listed = set(alt_names or ())
    unlisted = [name for name in alts if name not in listed]
    if not unlisted:
        return None
    how = ("there was no bwa ALT file" if alt_names is None else
           f"the bwa ALT file lists {len(alts) - len(unlisted)} of them")
    return (f"the reference has {len(alts)} ALT haplotype or patch contig(s) ({first_few(alts)}) and the alignment "
            f"was not ALT-aware for {len(unlisted)} of them ({how}): reads at the primary loci they copy got MAPQ 0 "
            "and were not counted, so panel regions at those loci may show low depth (QC) and variants there may not "
            "be called (no carrier there means not assessed). Which panel genes lie at such loci cannot be told from "
            "the contig names. Use an analysis set without ALT contigs, or give the bwa ALT file "
            "(docs/usage.md, Which GRCh38 FASTA).")


REFERENCE_NOTES = "reference_notes.txt"


def reference_notes(contigs: Iterable[str], alt_file: Optional[PathLike], windows: bool) -> List[str]:
    """The run-level notes on the reference for the outputs (reference_notes.txt): the ALT contigs the
    alignment did not treat as ALTs (``alt_file``: the bwa ALT file the aligner read, None without one). A
    windows reference is cut from the primary chromosomes: no ALT contigs, no note."""
    note = None if windows else alt_note(contigs, read_alt_names(alt_file) if alt_file else None)
    return [note] if note else []


def write_reference_notes(notes: Sequence[str], out: TextIO) -> None:
    """reference_notes.txt: one note a line, empty when there is none."""
    out.write("".join(f"{line}\n" for line in notes))


def reference_notes_multiqc(notes: Sequence[str]) -> str:
    """A MultiQC custom-content section (``*_mqc.html``) with the notes, for runs without a panel (with one,
    the notes follow the 'Panel genes not called' description)."""
    from html import escape

    return ("<!--\nid: 'hlhscreen_reference_notes'\nsection_name: 'Reference notes'\n"
            "description: 'Run-level notes on the reference the reads were aligned to "
            "(pipeline_info/reference_notes.txt).'\n"
            "-->\n" + "".join(f"<p><strong>Note:</strong> {escape(note[:1].upper() + note[1:])}</p>\n" for note in notes))
