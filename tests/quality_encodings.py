"""FASTQ quality characters in the old encodings, for tests of CHECK_FASTQ (hlhscreen/fastq.py)."""

from __future__ import annotations

import math


def solexa_char(char: str) -> str:
    """A Phred+33 quality character as Solexa+64 (Illumina before 1.3; Cock et al. 2010:
    Q_solexa = 10 log10(10^(Q/10) - 1), at least -5)."""
    phred = ord(char) - 33
    score = -5 if phred == 0 else max(-5, round(10 * math.log10(10 ** (phred / 10) - 1)))
    return chr(score + 64)
