"""CITATIONS.md lists every tool and resource; the report's Methods paragraph cites them (bin/hlhscreen/citations.py)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
import yaml

from hlhscreen import citations
from test_report import PARAMS, make_inputs, run, section_text

REPO = Path(__file__).resolve().parents[1]
CITATIONS_MD = (REPO / "CITATIONS.md").read_text(encoding="utf-8")


def title_words(text: str) -> str:
    """The title part of a short reference ('Authors. Title. Journal...'): its first words."""
    return " ".join(text.split(". ")[1].split()[:5])


@pytest.mark.parametrize("key", sorted(citations.REFERENCES))
def test_every_reference_of_the_report_is_in_citations_md(key):
    reference = citations.REFERENCES[key]
    if reference.doi:
        assert f"doi: {reference.doi}" in CITATIONS_MD, key
    # the same work: its title as CITATIONS.md gives it (case and line breaks aside)
    flat = " ".join(CITATIONS_MD.replace("\n  > ", " ").split()).lower()
    assert title_words(reference.text).lower() in flat, (key, title_words(reference.text))


def test_every_module_tool_is_in_citations_md():
    """Each tool a module names in its meta.yml (hlhscreen's own bin/ scripts aside) has its reference."""
    missing = []
    for meta_yml in sorted((REPO / "modules/local").glob("*/meta.yml")):
        for entry in yaml.safe_load(meta_yml.read_text())["tools"]:
            (tool, spec), = entry.items()
            if spec.get("homepage") == "https://github.com/hlhscreen/hlhscreen":
                continue
            if not (spec.get("doi") and f"doi: {spec['doi']}" in CITATIONS_MD) and spec["homepage"] not in CITATIONS_MD:
                missing.append(f"{meta_yml.parent.name}: {tool}")
    assert not missing, missing


def test_citations_md_names_the_resources():
    for resource in ("GRCh38", "MANE", "GENCODE", "gnomAD", "ClinVar", "Genome in a Bottle", "Bioconda",
                     "BioContainers", "Nextflow", "Benjamini", "Fisher"):
        assert resource in CITATIONS_MD, resource


def test_citations_number_in_order_of_first_use():
    book = citations.Citations()
    assert book.cite("nextflow") == " [1]"
    assert book.cite("samtools", "nextflow") == " [2, 1]"
    assert [r.doi for r in book.cited()] == ["10.1038/nbt.3820", "10.1093/gigascience/giab008"]
    with pytest.raises(KeyError):
        book.cite("no_such_tool")


def methods_of(tmp_path: Path, **params) -> str:
    paths = make_inputs(tmp_path / "in")
    paths["params"].write_text(json.dumps({**PARAMS, **params}))
    page = run(paths, tmp_path / "out")["html"].read_text(encoding="utf-8")
    return html.unescape(section_text(page, "methods"))


def cited_numbers(paragraph: str) -> list:
    return [int(n) for group in re.findall(r" \[([\d, ]+)\]", paragraph) for n in group.split(", ")]


def test_report_methods_cite_each_tool_and_list_the_references(tmp_path):
    text = methods_of(tmp_path)
    paragraph = re.search(r"<p>(.*?)</p>", text, re.S).group(1)
    references = re.findall(r"<li>(.*?)</li>", text[text.index("<h3>References</h3>"):], re.S)
    numbers = cited_numbers(paragraph)
    # numbered in reading order, every number has its reference and every reference is cited
    first_uses = list(dict.fromkeys(numbers))
    assert first_uses == list(range(1, len(references) + 1))
    for tool, doi in (("BWA-MEM2 2.2.1", "10.1109/IPDPS.2019.00041"), ("FreeBayes 1.3.6", None),
                      ("snpEff 5.2", "10.4161/fly.19695"), ("Nextflow 24.10.0", "10.1038/nbt.3820")):
        number = int(re.search(re.escape(tool) + r"[^\[]*? \[(\d+)", paragraph).group(1))
        assert (doi or "Haplotype-based variant detection") in references[number - 1], tool
    assert "Fisher RA" in text and "Benjamini Y" in text and "R Core Team" in text
    assert "doi: 10.1093/gigascience/giab008" in text  # as text: the report links nowhere outside itself
    assert "Landrum MJ" not in text  # ClinVar was not used in this run: not cited
    assert text.count("Twelve years of SAMtools and BCFtools") == 1  # samtools and bcftools: one reference


def test_report_methods_cite_the_tools_the_run_chose(tmp_path):
    text = methods_of(tmp_path, aligner="bwa", annotator="vep_rest")
    assert "Li H, Durbin R" in text and "Vasimuddin" not in text
    assert "The Ensembl Variant Effect Predictor" in text and "The Ensembl REST API" in text
    assert "SnpEff" not in text.split("<h3>References</h3>")[1].split("<h3>")[0]
