"""References the report's Methods paragraph cites, numbered in the order they are first cited.

The full list of tools and resources, with these same references, is CITATIONS.md at the top of the
repository (tests/test_citations.py keeps the two in agreement). Only the short form is kept here: the
report is made inside a task, where CITATIONS.md is not available.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional


@dataclass(frozen=True)
class Reference:
    text: str            # authors, title, journal, year;volume:pages
    doi: Optional[str]   # None for a reference without a DOI (then cited by its text alone)


REFERENCES: Dict[str, Reference] = {
    "nextflow": Reference("Di Tommaso P, et al. Nextflow enables reproducible computational workflows. "
                          "Nat Biotechnol. 2017;35(4):316-319.", "10.1038/nbt.3820"),
    "fastqc": Reference("Andrews S. FastQC: a quality control tool for high throughput sequence data. 2010. "
                        "Babraham Bioinformatics.", None),
    "mosdepth": Reference("Pedersen BS, Quinlan AR. Mosdepth: quick coverage calculation for genomes and exomes. "
                          "Bioinformatics. 2018;34(5):867-868.", "10.1093/bioinformatics/btx699"),
    "bwa-mem2": Reference("Vasimuddin M, Misra S, Li H, Aluru S. Efficient architecture-aware acceleration of BWA-MEM "
                          "for multicore systems. IEEE IPDPS. 2019:314-324.", "10.1109/IPDPS.2019.00041"),
    "bwa": Reference("Li H, Durbin R. Fast and accurate short read alignment with Burrows-Wheeler transform. "
                     "Bioinformatics. 2009;25(14):1754-1760.", "10.1093/bioinformatics/btp324"),
    "samtools": Reference("Danecek P, et al. Twelve years of SAMtools and BCFtools. GigaScience. "
                          "2021;10(2):giab008.", "10.1093/gigascience/giab008"),
    "freebayes": Reference("Garrison E, Marth G. Haplotype-based variant detection from short-read sequencing. "
                           "arXiv. 2012;1207.3907.", None),
    "snpeff": Reference("Cingolani P, et al. A program for annotating and predicting the effects of single "
                        "nucleotide polymorphisms, SnpEff. Fly (Austin). 2012;6(2):80-92.", "10.4161/fly.19695"),
    "vep": Reference("McLaren W, et al. The Ensembl Variant Effect Predictor. Genome Biol. 2016;17(1):122.",
                     "10.1186/s13059-016-0974-4"),
    "ensembl_rest": Reference("Yates A, et al. The Ensembl REST API: Ensembl data for any language. Bioinformatics. "
                              "2015;31(1):143-145.", "10.1093/bioinformatics/btu613"),
    "gnomad": Reference("Karczewski KJ, et al. The mutational constraint spectrum quantified from variation in "
                        "141,456 humans. Nature. 2020;581(7809):434-443.", "10.1038/s41586-020-2308-7"),
    "clinvar": Reference("Landrum MJ, et al. ClinVar: improving access to variant interpretations and supporting "
                         "evidence. Nucleic Acids Res. 2018;46(D1):D1062-D1067.", "10.1093/nar/gkx1153"),
    "mane": Reference("Morales J, et al. A joint NCBI and EMBL-EBI transcript set for clinical genomics and research. "
                      "Nature. 2022;604(7905):310-315.", "10.1038/s41586-022-04558-8"),
    "fisher": Reference("Fisher RA. On the interpretation of \u03c7\u00b2 from contingency tables, and the calculation "
                        "of P. J R Stat Soc. 1922;85(1):87-94.", "10.2307/2340521"),
    "bh": Reference("Benjamini Y, Hochberg Y. Controlling the false discovery rate: a practical and powerful approach "
                    "to multiple testing. J R Stat Soc Series B Stat Methodol. 1995;57(1):289-300.",
                    "10.1111/j.2517-6161.1995.tb02031.x"),
    "r": Reference("R Core Team. R: A language and environment for statistical computing. R Foundation for "
                   "Statistical Computing, Vienna, Austria.", None),
}


class Citations:
    """Hands out reference numbers in order of first citation (a reference cited twice keeps its number)."""

    def __init__(self) -> None:
        self._order: List[str] = []

    def cite(self, *keys: str) -> str:
        """' [1]' or ' [2, 3]' for ``keys`` (unknown keys are a programming error: KeyError)."""
        numbers = []
        for key in keys:
            REFERENCES[key]  # noqa: B018  (raises for a key without a reference)
            if key not in self._order:
                self._order.append(key)
            numbers.append(self._order.index(key) + 1)
        return " [" + ", ".join(str(n) for n in numbers) + "]"

    def cited(self) -> List[Reference]:
        """The references cited so far, in their numbering order."""
        return [REFERENCES[key] for key in self._order]
