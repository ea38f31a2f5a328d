"""What a finished run leaves in --outdir: this run's files only, and a manifest of them.

Nextflow publishes each result over the file of the same name, but never removes a file an earlier
run wrote and this run did not (the BAM of a sample since removed from the samplesheet, the
`annotation/cohort.vep.vcf.gz` of another annotator, the `screen/` and `report/` of a screening run
before a `--skip_screening` one). Left in place, they make the folder read as one run when it holds
two. So at the end of a successful run (standard library only, on the launch host):

- a file counts as written by this run when its status-change time (ctime) is not older than the
  marker file the run wrote into --outdir at its start (``pipeline_info/params.json``). Every
  publish mode (copy, move, link, symlink) creates or re-links the entry, which sets its ctime, and
  the marker lies on the same file system, so no clock of another host is compared;
- files older than the marker in hlhscreen's result folders (or in any folder this run wrote
  into) are moved, not deleted, to ``earlier_runs/<run>/`` under the same relative path;
- except with ``--publish_dir_mode symlink``/``rellink``: ``-resume`` leaves the link to a reused
  task's file as it was (Nextflow sees the same target), so an older link may be this run's result:
  it is left in place, listed with a note, and a warning says so;
- Nextflow's work folder and hidden entries (``.nextflow/``, ``.nextflow.log``) are never looked at:
  with ``--outdir .`` they lie inside --outdir, and their older files are the resume cache, not results;
- ``pipeline_info/manifest.tsv`` lists every file of this run with its size and SHA-256 (Nextflow's
  own timestamped run reports aside: each names its run);
- ``RUN_INCOMPLETE.txt``, which every run writes into --outdir before anything else, is removed last:
  a folder that still has it holds a run that is under way, failed, or whose finish step failed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

from hlhscreen.errors import first_few
from hlhscreen.files import PathLike, atomic_output, sha256_file

# The folders hlhscreen publishes into (docs/output.md). Older files in them are an earlier run's.
RESULT_FOLDERS = ("qc", "alignment", "variants", "annotation", "screen", "cohort", "report", "multiqc",
                  "panel", "pipeline_info")
EARLIER_RUNS = "earlier_runs"
# What hlhscreen 0.1.0 published at the top level of --outdir (SCREEN's and BUILD_PANEL's warnings; now in
# screen/ and panel/): older copies there are an earlier run's too.
FORMER_TOP_LEVEL = ("screen_warnings.txt", "warnings.txt")
MANIFEST = "pipeline_info/manifest.tsv"
MARKER = "pipeline_info/params.json"
# Written first by every run (subworkflows/local/utils_hlhscreen), removed by finish_outdir() last: while it
# is there, the folder is not one finished run's results.
INCOMPLETE = "RUN_INCOMPLETE.txt"
# Nextflow's own reports carry the time of the run that wrote them in their names: they are left in
# pipeline_info (one set per run, docs/output.md), neither moved nor listed.
RUN_REPORT = re.compile(r"pipeline_info/(execution_(trace|timeline|report)|pipeline_dag)_[0-9_-]+\.(txt|html)")
# Hashing a 10 GB exome BAM takes about half a minute on the launch host: larger files get their size only.
HASH_LIMIT_BYTES = 2 << 30


@dataclass
class OutdirFiles:
    """The entries under --outdir (relative POSIX paths), by who wrote them."""

    this_run: List[str] = field(default_factory=list)
    earlier_run: List[str] = field(default_factory=list)   # in hlhscreen's folders: moved away
    foreign: List[str] = field(default_factory=list)       # older, in folders hlhscreen does not write: left
    kept_links: List[str] = field(default_factory=list)    # older links of a symlink mode: left and listed
    inputs: List[str] = field(default_factory=list)        # older, under a path this run read: left


# Publish modes that leave an existing link to the same file as it is (-resume: its ctime stays old).
LINK_MODES = ("symlink", "rellink")


def iter_entries(outdir: Path, work_dir: Optional[Path] = None) -> Iterator[Path]:
    """Every file, symbolic link (also to a folder) and other non-folder entry under ``outdir``,
    except the earlier runs' folder, Nextflow's work folder and hidden top-level entries; links to
    folders are entries, never followed."""
    skip = Path(os.path.realpath(work_dir)) if work_dir else None
    for root, dirs, files in os.walk(outdir):
        here = Path(root)
        if here == outdir:
            dirs[:] = [d for d in dirs if d != EARLIER_RUNS and not d.startswith(".")]
            files = [f for f in files if not f.startswith(".")]
        dirs[:] = [d for d in dirs if Path(os.path.realpath(here / d)) != skip]
        for name in [d for d in dirs if (here / d).is_symlink()]:
            dirs.remove(name)
            yield here / name
        for name in files:
            yield here / name


def under_any(path: Path, roots: List[Path]) -> bool:
    """Whether ``path`` (links not followed) is one of ``roots`` or lies under one (real paths)."""
    real = Path(os.path.realpath(path.parent)) / path.name
    return any(real == root or root in real.parents for root in roots)


# Companions named after the input without its extension (Picard's ref.dict and bwa's ALT file ref.alt for
# ref.fa[.gz], samtools' x.bai for x.bam); every other companion appends to the whole name (x.vcf.gz.tbi,
# ref.fa.fai, ref.fa.bwt).
_STEM_COMPANIONS = (".dict", ".alt", ".bai", ".crai")
_COMPRESSION = (".gz", ".bgz")


def _name_stem(name: str) -> str:
    """The file name without its compression suffix and then its extension: ref.fasta.gz -> ref."""
    for suffix in _COMPRESSION:
        if name.endswith(suffix):
            name = name[:-len(suffix)]
            break
    return name.rsplit(".", 1)[0] if "." in name else name


def is_companion(name: str, input_name: str) -> bool:
    """``name`` is the file name of an index or dictionary of the file ``input_name``."""
    return name.startswith(input_name + ".") or name in (_name_stem(input_name) + ext for ext in _STEM_COMPANIONS)


def beside_input(path: Path, roots: List[Path]) -> bool:
    """Whether ``path`` is a companion of an input file in the same folder (:func:`is_companion`: its index
    or dictionary, ``x.vcf.gz.tbi``, ``ref.fa.fai``, ``ref.dict``, bwa's ``ref.fa.bwt``), read with it though
    not named. Another file that only starts like the input's name is not."""
    real = Path(os.path.realpath(path.parent)) / path.name
    return any(real.parent == root.parent and root.is_file() and is_companion(real.name, root.name) for root in roots)


def sort_entries(outdir: PathLike, marker: PathLike = None, work_dir: Optional[PathLike] = None,
                 publish_mode: str = "copy", inputs: Optional[List[PathLike]] = None) -> OutdirFiles:
    """Split the entries of ``outdir`` into this run's (ctime not older than ``marker``'s), an earlier
    run's (older, in a result folder or a folder this run wrote into), older links a link publish
    mode may have kept for this run, and foreign ones."""
    root = Path(outdir)
    since = os.lstat(Path(marker) if marker else root / MARKER).st_ctime_ns
    paths = list(iter_entries(root, Path(work_dir) if work_dir else None))
    entries = [(path.relative_to(root).as_posix(), os.lstat(path).st_ctime_ns >= since) for path in paths]
    links = {path.relative_to(root).as_posix() for path in paths if path.is_symlink()} if publish_mode in LINK_MODES else set()
    # what this run read (--panel results/panel from an earlier --genes run): never an earlier run's leftover
    input_roots = [Path(os.path.realpath(p)) for p in inputs or []]
    read = {path.relative_to(root).as_posix() for path in paths
            if input_roots and (under_any(path, input_roots) or beside_input(path, input_roots))}
    ours = set(RESULT_FOLDERS) | {rel.split("/")[0] for rel, new in entries if new and "/" in rel}
    sorted_files = OutdirFiles()
    for rel, new in sorted(entries):
        if RUN_REPORT.fullmatch(rel) or rel == INCOMPLETE:
            continue
        if new:
            sorted_files.this_run.append(rel)
        elif rel in read:
            sorted_files.inputs.append(rel)
        elif rel in links and rel.split("/")[0] in ours:
            sorted_files.kept_links.append(rel)
        elif ("/" in rel and rel.split("/")[0] in ours) or rel in FORMER_TOP_LEVEL:
            sorted_files.earlier_run.append(rel)
        else:
            sorted_files.foreign.append(rel)
    return sorted_files


def move_aside(outdir: PathLike, relative_paths: List[str], destination: PathLike) -> Dict[str, str]:
    """Move each entry to ``destination`` under the same relative path (a rename: the same file
    system), then remove the folders the moves left empty. Returns the entries that could not be
    moved, each with the reason: the others are moved all the same."""
    root, target = Path(outdir), Path(destination)
    emptied, failed = set(), {}
    for rel in relative_paths:
        try:
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            os.rename(root / rel, target / rel)
        except OSError as error:
            failed[rel] = str(error.strerror or error)
            continue
        emptied.update(parent for parent in (root / rel).parents if root in parent.parents)
    for folder in sorted(emptied, key=lambda p: len(p.parts), reverse=True):
        try:
            folder.rmdir()
        except OSError:
            pass  # still holds this run's files
    return failed


def manifest_row(outdir: Path, rel: str) -> Tuple[str, str, str, str]:
    """(path, size_bytes, sha256, note) of one entry; links are followed to the file they name."""
    path = outdir / rel
    if path.is_symlink() and not path.exists():
        return rel, "NA", "NA", "broken symbolic link"
    if path.is_dir():
        return rel, "NA", "NA", "symbolic link to a folder"
    size = path.stat().st_size
    if size >= HASH_LIMIT_BYTES:
        return rel, str(size), "NA", f"not hashed: {HASH_LIMIT_BYTES >> 30} GiB or larger"
    return rel, str(size), sha256_file(path), "NA"


KEPT_LINK_NOTE = "link not re-created by this run (a result -resume reused, or an earlier run's)"


def write_manifest(outdir: PathLike, relative_paths: List[str], kept_links: Tuple[str, ...] = ()) -> Path:
    """``pipeline_info/manifest.tsv``: path (relative to --outdir), size_bytes, sha256, note."""
    root = Path(outdir)
    target = root / MANIFEST
    with atomic_output(target) as handle:
        handle.write("path\tsize_bytes\tsha256\tnote\n")
        for rel in sorted(set(relative_paths) | set(kept_links)):
            if rel != MANIFEST:
                row = manifest_row(root, rel)
                if rel in kept_links:
                    row = row[:3] + ((KEPT_LINK_NOTE if row[3] == "NA" else f"{row[3]}; {KEPT_LINK_NOTE}"),)
                handle.write("\t".join(row) + "\n")
    return target


def finish_outdir(outdir: PathLike, run_label: str, marker: Optional[PathLike] = None,
                  work_dir: Optional[PathLike] = None, publish_mode: str = "copy",
                  inputs: Optional[List[PathLike]] = None) -> List[str]:
    """Move the earlier runs' files aside, write the manifest, then remove RUN_INCOMPLETE.txt (only
    when all that succeeded: an exception leaves it); the warnings for the run log."""
    warnings = _finish(Path(outdir), run_label, marker, work_dir, publish_mode, inputs)
    (Path(outdir) / INCOMPLETE).unlink(missing_ok=True)
    return warnings


def _finish(root: Path, run_label: str, marker: Optional[PathLike], work_dir: Optional[PathLike],
            publish_mode: str, inputs: Optional[List[PathLike]]) -> List[str]:
    files = sort_entries(root, marker, work_dir, publish_mode, inputs)
    warnings = []
    if files.earlier_run and not [rel for rel in files.this_run if rel != MARKER]:
        # every run publishes results (software_versions.yml at least): none newer than the marker means
        # this file system does not keep status-change times, and nothing can be told apart
        warnings.append(
            f"--outdir {root}: no file counts as written by this run (their status-change times are not newer "
            f"than {MARKER}: a file system that does not keep them?), so the {len(files.earlier_run)} older "
            "file(s) were left in place: the folder may hold files of earlier runs; no pipeline_info/manifest.tsv "
            "was written. Use a new --outdir for each run there.")
        return warnings
    if files.earlier_run:
        destination = root / EARLIER_RUNS / run_label
        destination.mkdir(parents=True, exist_ok=True)
        (destination / "README.txt").write_text(
            f"Files an earlier hlhscreen run wrote into {root} and the run {run_label} did not write again.\n"
            f"They were moved here when that run finished, so that {root} holds the results of one run only.\n"
            "They describe another run (other samples, panel, annotator or steps): delete this folder when not needed.\n")
        failed = move_aside(root, files.earlier_run, destination)
        if failed:
            warnings.append(
                f"--outdir {root}: {len(failed)} file(s) of an earlier run could not be moved to {destination} and are "
                f"still in place ({first_few([f'{rel} ({why})' for rel, why in failed.items()])}): the folder holds files of another run besides this run's "
                "(pipeline_info/manifest.tsv lists this run's only). Move or delete them by hand.")
        moved = [rel for rel in files.earlier_run if rel not in failed]
        if moved:
            warnings.append(
                f"--outdir {root} held {len(moved)} file(s) of an earlier run that this run did not write "
                f"again ({first_few(moved)}): moved to {destination}, so that {root} holds this run's results "
                "only (pipeline_info/manifest.tsv lists this run's). Delete that folder when it is not needed.")
    if files.foreign:
        warnings.append(
            f"--outdir {root} also holds {len(files.foreign)} file(s) that are not hlhscreen results "
            f"({first_few(files.foreign)}): left in place, not in pipeline_info/manifest.tsv.")
    if files.inputs:
        warnings.append(
            f"--outdir {root} holds {len(files.inputs)} older file(s) that are inputs of this run ({first_few(files.inputs)}): "
            "left in place, not in pipeline_info/manifest.tsv. Keep a run's inputs outside its --outdir.")
    if files.kept_links:
        warnings.append(
            f"--outdir {root} holds {len(files.kept_links)} symbolic link(s) older than this run "
            f"({first_few(files.kept_links)}): with --publish_dir_mode {publish_mode}, -resume does not re-create the link "
            "to a result it reused, so this run's links and an earlier run's cannot be told apart. They were left in "
            "place and listed in pipeline_info/manifest.tsv with a note; use --publish_dir_mode copy or a new --outdir "
            "for a folder that holds one run's results only.")
    write_manifest(root, files.this_run, tuple(files.kept_links))
    return warnings
