"""Reading the pipeline's output VCFs in tests: one reader for every pipeline test."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Dict, List


def read_vcf(path: Path) -> List[Dict[str, object]]:
    records = []
    with gzip.open(path, "rt") as handle:
        for line in handle:
            if line.startswith("##"):
                continue
            cols = line.rstrip("\n").split("\t")
            if line.startswith("#"):
                samples = cols[9:]
                continue
            keys = cols[8].split(":")
            calls = {s: dict(zip(keys, v.split(":"))) for s, v in zip(samples, cols[9:])}
            records.append({"id": ":".join([cols[0], cols[1], cols[3], cols[4]]), "qual": float(cols[5]),
                            "calls": calls})
    return records
