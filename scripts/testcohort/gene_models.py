"""Transcript models from a GTF and the c. <-> genomic coordinate mapping the generator needs."""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple

_ATTR = re.compile(r'(\S+) "([^"]*)"')


@dataclass
class Transcript:
    gene: str
    transcript_id: str
    chrom: str
    strand: str
    exons: List[Tuple[int, int]] = field(default_factory=list)  # 1-based inclusive, genomic order
    coding: List[Tuple[int, int]] = field(default_factory=list)  # CDS + stop codon segments

    def coding_positions(self) -> List[int]:
        """Genomic positions of c.1 .. c.N (stop codon included), in transcript order."""
        positions: List[int] = []
        for start, end in sorted(self.coding):
            positions.extend(range(start, end + 1))
        return positions if self.strand == "+" else positions[::-1]

    def exons_in_transcript_order(self) -> List[Tuple[int, int]]:
        ordered = sorted(self.exons)
        return ordered if self.strand == "+" else ordered[::-1]

    def intron_after_exon(self, exon_rank: int) -> Tuple[int, int]:
        """Genomic (start, end) of the intron that follows exon ``exon_rank`` (1-based, transcript order)."""
        exons = self.exons_in_transcript_order()
        this, nxt = exons[exon_rank - 1], exons[exon_rank]
        if self.strand == "+":
            return this[1] + 1, nxt[0] - 1
        return nxt[1] + 1, this[0] - 1

    def introns(self) -> List[Tuple[int, int]]:
        return [self.intron_after_exon(rank) for rank in range(1, len(self.exons))]


def read_transcripts(gtf: Path) -> Dict[str, Transcript]:
    """Transcripts keyed by gene symbol (one MANE transcript per gene expected)."""
    opener = gzip.open if str(gtf).endswith(".gz") else open
    models: Dict[str, Transcript] = {}
    with opener(gtf, "rt") as handle:
        for line in handle:
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            feature, start, end, strand = cols[2], int(cols[3]), int(cols[4]), cols[6]
            if feature not in ("exon", "CDS", "stop_codon"):
                continue
            attrs = dict(_ATTR.findall(cols[8]))
            gene = attrs["gene_name"]
            model = models.setdefault(
                gene, Transcript(gene, attrs["transcript_id"], cols[0], strand)
            )
            if feature == "exon":
                model.exons.append((start, end))
            else:
                model.coding.append((start, end))
    return models
