"""The docs tell the truth about the parameters: every parameter of nextflow_schema.json has a row in a
`| parameter | default | meaning |` table of docs/usage.md, with the schema's default, and no such row
names a parameter the pipeline does not have."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest

REPO = Path(__file__).resolve().parents[1]

# cells that say "no default value" in words (the schema has none)
NO_VALUE = {"none", "required", "built", "panel's"}
# defaults the table describes rather than spells out: the words, and what they stand for
DESCRIBED = {
    "consequences": "splice region/donor/acceptor terms",
    "vep_rest_cache": "`vep_rest_cache/` in the launch folder",
}


def schema_parameters() -> Dict[str, dict]:
    schema = json.loads((REPO / "nextflow_schema.json").read_text())
    return {name: spec for group in schema["$defs"].values() for name, spec in group["properties"].items()}


def parameter_rows(text: str) -> Iterator[Tuple[List[str], str]]:
    """(parameter names, default cell) of every row of the docs' parameter/default tables."""
    in_table = False
    for line in text.splitlines():
        if not line.startswith("|"):
            in_table = False
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if [c.lower() for c in cells[:2]] == ["parameter", "default"]:
            in_table = True
        elif in_table and not set(cells[0]) <= set("-: "):
            yield re.findall(r"`--([a-z0-9_]+)`", cells[0]), cells[1]


def documented_defaults() -> Dict[str, str]:
    """Parameter -> its default cell (a row naming several takes a comma-separated default per name)."""
    defaults: Dict[str, str] = {}
    for names, cell in parameter_rows((REPO / "docs/usage.md").read_text()):
        parts = [part.strip() for part in cell.split(",")] if len(names) > 1 else [cell]
        for i, name in enumerate(names):
            assert name not in defaults, f"docs/usage.md: --{name} has two rows in the parameter tables"
            defaults[name] = parts[i] if len(parts) == len(names) else cell
    return defaults


def same_default(cell: str, value) -> bool:
    word = cell.strip("`")
    if value is None:
        return word in NO_VALUE
    if isinstance(value, bool):
        return word == str(value).lower()
    if isinstance(value, (int, float)):
        try:
            return float(word) == float(value)
        except ValueError:
            return False
    return word == str(value)


def test_every_parameter_has_a_row_with_its_real_default():
    documented = documented_defaults()
    wrong = []
    for name, spec in schema_parameters().items():
        if spec.get("hidden"):
            continue
        if name not in documented:
            wrong.append(f"--{name}: no row in docs/usage.md's parameter tables")
        elif name in DESCRIBED:
            if documented[name] != DESCRIBED[name]:
                wrong.append(f"--{name}: documented default {documented[name]!r}, expected {DESCRIBED[name]!r}")
        elif not same_default(documented[name], spec.get("default")):
            wrong.append(f"--{name}: documented default {documented[name]!r}, schema {spec.get('default')!r}")
    assert not wrong, "\n".join(wrong)


def test_no_row_names_a_parameter_the_pipeline_lacks():
    assert sorted(set(documented_defaults()) - set(schema_parameters())) == []


def test_the_described_defaults_match_what_they_describe():
    params = schema_parameters()
    assert params["consequences"]["default"].split(",") and all(
        term.startswith("splice_") for term in params["consequences"]["default"].split(","))
    assert params["vep_rest_cache"].get("default") is None  # the task's launch folder decides (bin/vep_rest.py)
    assert "vep_rest_cache/ in the launch folder" in params["vep_rest_cache"]["description"]


def test_the_checker_sees_a_wrong_default(monkeypatch, tmp_path):
    """The comparison itself: a row with another default, or a parameter without a row, is caught."""
    text = "| parameter | default | meaning |\n|---|---|---|\n| `--max_af` | 0.05 | x |\n| `--min_dp`, `--min_gq` | 10, 20 | y |\n"
    rows = dict((tuple(names), cell) for names, cell in parameter_rows(text))
    assert rows == {("max_af",): "0.05", ("min_dp", "min_gq"): "10, 20"}
    assert not same_default("0.05", 0.04) and same_default("0.04", 0.04)
    assert same_default("`copy`", "copy") and same_default("false", False) and not same_default("true", False)
    assert same_default("none", None) and not same_default("0", None)


# ---- the published files and their columns, against a real test-profile run --------------------

COLUMN_WORDS = re.compile(r"`([a-z0-9_]+(?:\s+[a-zA-Z0-9_]+){2,})`")


def inline_columns(doc: str, marker: str) -> List[str]:
    """The first backticked list of three or more column names after ``marker`` in ``doc``."""
    text = (REPO / "docs" / doc).read_text()
    start = text.index(marker) + len(marker)
    return COLUMN_WORDS.search(text, start).group(1).split()


def table_columns(doc: str, marker: str) -> List[str]:
    """The backticked names in the first column of the first table after ``marker``."""
    lines = (REPO / "docs" / doc).read_text()
    lines = lines[lines.index(marker):].splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("|"))
    names: List[str] = []
    for line in lines[first + 2:]:
        if not line.startswith("|"):
            break
        names += re.findall(r"`([a-z0-9_]+)`", line.strip("|").split("|")[0])
    return names


# published file -> where the docs list its columns (each place must match the header, in order for
# the inline lists; the tables may group columns, so they are compared as sets)
INLINE = [
    ("qc/panel_callability.tsv", "output.md", "- `qc/panel_callability.tsv`"),
    ("qc/sample_qc.tsv", "output.md", "- `qc/sample_qc.tsv`"),
    ("qc/sex.tsv", "output.md", "- `qc/sex.tsv`"),
    ("qc/fastq_check/*.fastq_check.tsv", "output.md", "- `qc/fastq_check/<sample>_L<lane>.fastq_check.tsv`"),
    ("pipeline_info/manifest.tsv", "output.md", "`manifest.tsv` ("),
    ("report/excluded_samples.tsv", "output.md", "`excluded_samples.tsv` ("),
    ("screen/carriers.tsv", "screening.md", "### `carriers.tsv`"),
    ("screen/carriers.tsv", "contracts.md", "- `carriers.tsv`: one row"),
    ("screen/gene_status.tsv", "screening.md", "### `gene_status.tsv`"),
    ("screen/gene_status.tsv", "contracts.md", "- `gene_status.tsv`: one row"),
    ("cohort/variant_tests.tsv", "contracts.md", "`variant_tests.tsv`, `gene_tests.tsv`, `biallelic_tests.tsv`, each"),
    ("cohort/power.tsv", "contracts.md", "`power.tsv` (issue 13)"),
    ("cohort/association_summary.tsv", "statistics.md", "`association_summary.tsv` (one header line"),
]
TABLES = [
    ("screen/variants.tsv", "screening.md", "### `variants.tsv`"),
    ("cohort/variant_tests.tsv", "statistics.md", "## Output columns"),
    ("cohort/gene_tests.tsv", "statistics.md", "## Output columns"),
    ("cohort/biallelic_tests.tsv", "statistics.md", "## Output columns"),
    ("cohort/power.tsv", "statistics.md", "`power.tsv`: one row per test"),
]


def header(path: Path) -> List[str]:
    """The header of the published file ``path`` (a glob pattern: its first match, e.g. one sample's)."""
    path = min(path.parent.glob(path.name), default=path)
    with open(path) as handle:
        return handle.readline().rstrip("\n").split("\t")


@pytest.fixture(scope="module")
def results(test_profile_run) -> Path:
    launch_dir, _ = test_profile_run
    return launch_dir / "results"


@pytest.mark.pipeline
def test_documented_column_lists_are_the_real_headers(results):
    wrong = []
    for name, doc, marker in INLINE:
        if inline_columns(doc, marker) != header(results / name):
            wrong.append(f"{doc} ({marker}): {inline_columns(doc, marker)} but {name} has {header(results / name)}")
    for name, doc, marker in TABLES:
        if sorted(table_columns(doc, marker)) != sorted(header(results / name)):
            wrong.append(f"{doc} ({marker}): {table_columns(doc, marker)} but {name} has {header(results / name)}")
    keys = inline_columns("contracts.md", "`clinvar_release.json` (")
    if sorted(keys) != sorted(json.loads((results / "annotation/clinvar_release.json").read_text())):
        wrong.append(f"contracts.md: clinvar_release.json keys {keys}")
    assert not wrong, "\n".join(wrong)


def expand_braces(text: str) -> str:
    """`figures/{a,b}.{png,svg}` also as figures/a.png, figures/b.svg, ... (the tree's shorthand)."""
    words = []
    for token in re.findall(r"[\w./-]*\{[^}\s]+\}[\w./{},<>-]*", text):
        expanded = [token]
        while any("{" in word for word in expanded):
            word = next(w for w in expanded if "{" in w)
            head, rest = word.split("{", 1)
            choices, tail = rest.split("}", 1)
            expanded.remove(word)
            expanded += [head + choice + tail for choice in choices.split(",")]
        words += expanded
    return text + "\n" + "\n".join(words)


@pytest.mark.pipeline
def test_every_published_file_is_named_in_output_md(results):
    """Every file the run publishes at the top of its folder and in the QC tools' folders (`qc/mosdepth/`,
    `qc/fastq_check/`, ...; not FastQC's per-FASTQ files) is named in docs/output.md, a sample's files as
    `<sample>.<suffix>` (`<sample>_L<lane>.` for a lane's); the folders themselves too."""
    text = expand_braces((REPO / "docs/output.md").read_text())
    samples = [row.split("\t")[0] for row in (results / "qc/sample_qc.tsv").read_text().splitlines()[1:]]
    missing = [f"{folder.name}/" for folder in results.iterdir() if folder.is_dir() and f"{folder.name}/" not in text]
    published = [results.glob(pattern) for pattern in ("*/*", "report/figures/*", "qc/*/*")]
    for path in [path for paths in published for path in sorted(paths)]:
        name = re.sub(r"\.(tbi|bai)$", "", path.name)
        name = re.sub(r"_\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d\.", "_<date>.", name)  # Nextflow's report stamps
        name = re.sub(r"_L\d+\.", "_L<lane>.", name)  # a lane's file (qc/fastq_check/)
        sample = next((s for s in samples if name.startswith((f"{s}.", f"{s}_L<lane>."))), None)
        if sample:  # a file per sample: the docs write <sample>.bam
            name = "<sample>" + name[len(sample):]
        if path.is_file() and name not in text:
            missing.append(str(path.relative_to(results)))
    assert not missing, missing


@pytest.mark.skipif(not (shutil.which("bcftools") and shutil.which("tabix") and shutil.which("bgzip")),
                    reason="needs bcftools, tabix and bgzip")
def test_the_documented_gnomad_panel_cut_keeps_every_chromosome_file(tmp_path):
    """usage.md's command that cuts gnomAD's per-chromosome files to the panel. It was `bcftools view -R
    targets.bed gnomad...chr*.vcf.bgz`: bcftools view reads one file and ignored the others in silence,
    so every chromosome but the first would have looked novel."""
    usage = (REPO / "docs/usage.md").read_text()
    start = usage.index("restricted to the panel is enough")
    block = usage[usage.index("```bash\n", start) + len("```bash\n"):]
    commands = block[:block.index("```")]
    assert "gnomad.exomes.v4.1.sites.chr*.vcf.bgz" in commands and "panels/hlh/" in commands
    source = REPO / "assets/test_cohort/gnomad/gnomad_sites.derived.vcf.gz"
    lines = subprocess.run(["bgzip", "-dc", str(source)], check=True, capture_output=True, text=True).stdout.splitlines()
    header = [line for line in lines if line.startswith("#")]
    records = [line for line in lines if not line.startswith("#")]
    chroms = sorted({line.split("\t")[0] for line in records})
    assert len(chroms) >= 2, chroms
    for chrom in chroms:
        name = tmp_path / f"gnomad.exomes.v4.1.sites.{chrom}.vcf"
        name.write_text("\n".join(header + [line for line in records if line.split("\t")[0] == chrom]) + "\n")
        subprocess.run(["bgzip", str(name)], check=True)
        Path(f"{name}.gz").rename(f"{name}.bgz")
        subprocess.run(["tabix", "-p", "vcf", f"{name}.bgz"], check=True)
    (tmp_path / "panels").symlink_to(REPO / "panels")
    subprocess.run(["bash", "-euo", "pipefail", "-c", commands], cwd=tmp_path, check=True)
    out = subprocess.run(["bcftools", "query", "-f", "%CHROM\\n", str(tmp_path / "gnomad.exomes.v4.1.panel.vcf.gz")],
                         check=True, capture_output=True, text=True).stdout.split()
    assert sorted(set(out)) == chroms and len(out) == len(records)
    assert (tmp_path / "gnomad.exomes.v4.1.panel.vcf.gz.tbi").is_file()


# ---- the codes SCREEN writes, from the code itself, against the docs that list them --------------

def doc_section(doc: str, start: str, end: str) -> str:
    """The text of ``doc`` from ``start`` up to the next ``end`` after it."""
    text = (REPO / "docs" / doc).read_text()
    first = text.index(start)
    return text[first:text.index(end, first + len(start))]


def table_row(doc: str, section: str, column: str) -> str:
    """The row of the table under ``section`` whose first cell names ``column``."""
    lines = doc_section(doc, section, "\n#").splitlines()
    return next(line for line in lines if line.startswith(f"| `{column}`"))


def backticked(text: str) -> set:
    """The backticked words of ``text``; a `;`-joined example (`in_panel;quality_pass;...`) names each."""
    return {code for quoted in re.findall(r"`([^`]+)`", text) for code in quoted.split(";")}


def decision_codes() -> Tuple[set, set]:
    """(drop reasons, kept codes) that hlhscreen.screen.decide gives over every combination of its
    inputs (impact/consequence labels as the docs write them: ``impact:<IMPACT>``, ``consequence:<term>``)."""
    import itertools

    from hlhscreen import screen

    dropped, kept = set(), set()
    flags = ["in_panel", "quality_ok", "whitelisted", "annotated", "panel_gene", "af_not_matchable",
             "clinvar_pathogenic", "variant_allele", "af_not_looked_up"]
    configs = [screen.ScreenConfig(), screen.ScreenConfig(whitelist_overrides_max_af=True)]
    for config, values, af_used, label, carrier in itertools.product(
            configs, itertools.product([False, True], repeat=len(flags)), [None, 0.0001, 0.03, 0.5],
            [None, "impact:HIGH", "consequence:splice_region_variant"], [None, False, True]):
        decision = screen.decide(config, af_used=af_used, impact_label=label, has_assessable_carrier=carrier,
                                 **dict(zip(flags, values)))
        (kept if decision.decision == screen.KEPT else dropped).update(decision.reasons)
    kept = {re.sub(r"^impact:.*", "impact:<IMPACT>", re.sub(r"^consequence:.*", "consequence:<term>", code))
            for code in kept}
    return dropped, kept


def test_every_reason_screen_gives_is_documented():
    dropped, kept = decision_codes()
    assert {"outside_panel", "low_quality", "af_above_max"} <= dropped and {"in_panel", "af_novel"} <= kept
    places = {
        "screening.md, the decision table": (doc_section("screening.md", "## The decision", "Choices and why"),
                                             dropped),
        "output.md, variants.tsv": (doc_section("output.md", "- `variants.tsv`", "- `kept.vcf.gz`"), dropped),
        "screening.md, variants.tsv's reasons": (table_row("screening.md", "### `variants.tsv`", "reasons"), kept),
        "report.md, Why kept": (next(line for line in (REPO / "docs/report.md").read_text().splitlines()
                                     if line.startswith("| Why kept |")), kept),
    }
    missing = [f"{place}: {sorted(codes - backticked(text))}" for place, (text, codes) in places.items()
               if codes - backticked(text)]
    assert not missing, "\n".join(missing)


def assigned_strings(module: Path, name: str) -> set:
    """Every string a module assigns to the variable ``name`` (constants, and ``NA`` for the name NA)."""
    import ast

    values = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            for leaf in ast.walk(node.value):
                if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str):
                    values.add(leaf.value)
                elif isinstance(leaf, ast.Name) and leaf.id == "NA":
                    values.add("NA")
    return values


def test_every_af_status_and_call_code_screen_writes_is_documented():
    from hlhscreen import screen

    af_status = assigned_strings(REPO / "bin/hlhscreen/screen.py", "af_status")
    assert {"observed", "novel", "not_looked_up", "not_matchable", "NA"} <= af_status
    carriers = set(screen._STATE_NAMES) | set(screen._NOTE_NAMES) - {"NA"}
    places = {
        "output.md, variants.tsv's af_status": (doc_section("output.md", "`af_status` (", "for whitelisted"),
                                                af_status),
        "screening.md, variants.tsv's af_status": (table_row("screening.md", "### `variants.tsv`", "af_status"),
                                                   af_status),
        "output.md, carriers.tsv": (doc_section("output.md", "- `carriers.tsv`", "- `gene_status.tsv`"), carriers),
        "screening.md, Genotype states and carriers.tsv": (
            doc_section("screening.md", "## Genotype states", "## Gene status")
            + doc_section("screening.md", "### `carriers.tsv`", "###"), carriers),
        "output.md, gene_status.tsv": (doc_section("output.md", "- `gene_status.tsv`", "- An *unconfirmed*"),
                                       set(screen.STATUSES)),
        "screening.md, Gene status": (doc_section("screening.md", "## Gene status", "### Not assessable"),
                                      set(screen.STATUSES)),
    }
    missing = [f"{place}: {sorted(codes - backticked(text))}" for place, (text, codes) in places.items()
               if codes - backticked(text)]
    assert not missing, "\n".join(missing)


def test_every_qc_flag_and_note_the_report_translates_is_in_report_md():
    """report.md's section 1 lists each QC flag and not-assessable note with the words the report shows
    (hlhscreen.report's tables of them, not a copy)."""
    from hlhscreen import report

    section = doc_section("report.md", "### 1. Cohort", "### 2.")
    missing = [f"{check}<N / {check}>N" for check in report.QC_CHECKS if not re.search(rf"`{check}[<>]", section)]
    missing += [code for code in (*report.QC_PLAIN_FLAGS, *report.NOTE_TEXT) if f"`{code}`" not in section]
    assert not missing, f"report.md, section 1 does not translate: {missing}"
