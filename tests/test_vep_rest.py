"""Tests of the Ensembl REST VEP client against a local HTTP server answering in the documented
JSON shape of POST /vep/homo_sapiens/region."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import List

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from hlhscreen import annotation as A
from hlhscreen import vep_rest as V
from hlhscreen.errors import UserInputError

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def server():
    srv = HTTPServer(threaded=True)  # threaded: a slow (timed-out) answer must not block retries
    srv.start()
    yield srv
    srv.clear()
    srv.stop()


@pytest.fixture(autouse=True)
def _clean(server):
    server.clear()
    yield
    server.clear()


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


# --- a fake Ensembl REST VEP ------------------------------------------------------------------------


def fake_result(line: str) -> dict:
    """A result object in the shape the Ensembl REST VEP endpoint returns for one input line."""
    chrom, pos, vid, ref, alt = line.split()[:5]
    pos = int(pos)
    allele = A.vep_allele(ref, alt)
    start = pos + 1 if allele != alt else pos
    # protein fields as the REST VEP writes them: a synonymous HGVSp is the HGVSc with "(p.=)", its "=" URI-encoded
    # as VEP's OutputFactory does in every output format unless --no_escape ("(p.%3D)")
    if len(ref) != len(alt):
        terms, impact, hgvsp = ["frameshift_variant"], "HIGH", "ENSP00000398568.2:p.Leu5fs"
        protein = {"amino_acids": "L/X", "protein_start": 5, "protein_end": 6}
    elif alt == "T":
        terms, impact, hgvsp = ["synonymous_variant"], "LOW", f"ENST00000441259.2:c.{pos % 1000}{ref}>{alt}(p.%3D)"
        protein = {"amino_acids": "L", "protein_start": 5, "protein_end": 5}
    else:
        terms, impact, hgvsp = ["missense_variant"], "MODERATE", "ENSP00000398568.2:p.Ala91Val"
        protein = {"amino_acids": "A/V", "protein_start": 91, "protein_end": 91}
    return {
        "input": line,
        "id": vid,
        "seq_region_name": chrom,
        "start": start,
        "end": start + max(len(ref), 1) - 1,
        "strand": 1,
        "allele_string": f"{A.vep_allele(alt, ref) if allele != alt else ref}/{allele}",
        "assembly_name": "GRCh38",
        "most_severe_consequence": terms[0],
        "transcript_consequences": [
            {
                "variant_allele": allele,
                "gene_id": "ENSG00000180644",
                "gene_symbol": "PRF1",
                "gene_symbol_source": "HGNC",
                "hgnc_id": "HGNC:9360",
                "transcript_id": "ENST00000441259",
                "biotype": "protein_coding",
                "consequence_terms": terms,
                "impact": impact,
                "canonical": 1,
                "mane_select": "NM_001083116.3",
                "mane": ["MANE_Select"],
                "exon": "2/3",
                "hgvsc": f"ENST00000441259.2:c.{pos % 1000}{ref}>{alt}",
                "hgvsp": hgvsp,
                **protein,
                "strand": -1,
            },
            {
                "variant_allele": allele,
                "gene_id": "ENSG00000180644",
                "gene_symbol": "PRF1",
                "hgnc_id": 9360,  # older servers: a bare number
                "transcript_id": "ENST00000373209",
                "biotype": "protein_coding",
                "consequence_terms": ["intron_variant", "NMD_transcript_variant"],
                "impact": "MODIFIER",
                "intron": "1/2",
                "hgvsc": f"ENST00000373209.7:c.10+{pos % 100}{ref}>{alt}",
                "strand": -1,
            },
        ],
        "colocated_variants": [
            {
                "id": f"rs{pos}",
                "allele_string": f"{ref}/{alt}" if allele == alt else f"{ref[1:] or '-'}/{allele}",
                "seq_region_name": chrom,
                "start": start,
                "end": start,
                "strand": 1,
                "frequencies": {
                    allele: {
                        "gnomade": 0.001,
                        "gnomade_nfe": 0.002,
                        "gnomade_fin": 0.05,
                        "gnomade_afr": 0.0001,
                        "gnomadg": 0.003,
                        "gnomadg_ami": 0.2,
                        "af": 0.01,
                    }
                },
            },
            {"id": f"rs{pos + 1}", "allele_string": f"{ref}/GGGG", "start": start, "end": start,
             "strand": 1, "seq_region_name": chrom},  # another allele: not ours
            {"id": f"COSV{pos}", "allele_string": "COSMIC_MUTATION", "start": start,
             "end": start, "strand": 1, "seq_region_name": chrom, "somatic": 1},
        ],
    }


class FakeVep:
    """Answers with fake_result per submitted line; records every request body. Lines containing a
    ``skip`` string are left out of the answer; a batch holding a ``reject`` line is refused whole with
    HTTP 400 naming it (the endpoint's answer to one variant it cannot read); ``empty`` lines get a
    result without any consequence list."""

    def __init__(self, skip: tuple = (), reject: tuple = (), empty: tuple = ()) -> None:
        self.bodies: List[dict] = []
        self.skip = skip
        self.reject = reject
        self.empty = empty
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        body = json.loads(request.get_data())
        with self.lock:
            self.bodies.append(body)
        bad = [line for line in body["variants"] if any(r in line for r in self.reject)]
        if bad:
            return Response(json.dumps({"error": f"Unable to parse variant input line: '{bad[0]}'"}), status=400,
                            content_type="application/json")
        results = [fake_result(line) if not any(e in line for e in self.empty)
                   else {"input": line, "id": line.split()[2], "seq_region_name": line.split()[0]}
                   for line in body["variants"]
                   if not any(s in line for s in self.skip)]
        results.reverse()  # the server does not promise input order
        return Response(json.dumps(results), status=200, content_type="application/json")


def expect_vep(server: HTTPServer, handler) -> None:
    server.expect_request(V.ENDPOINT, method="POST").respond_with_handler(handler)


def write_vcf(path: Path, records: List[tuple], extra_header: tuple = ()) -> Path:
    lines = ["##fileformat=VCFv4.2", "##contig=<ID=chr10,length=133797422>", *extra_header,
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    for chrom, pos, ref, alt in records:
        lines.append(f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t50\tPASS\t.")
    path.write_text("\n".join(lines) + "\n")
    return path


def make_client(server: HTTPServer, tmp_path: Path, sleeps: Sleeps, **kw) -> V.VepRestClient:
    retry = kw.pop("retry", V.RetryPolicy(base_delay=0.5, max_delay=4.0))
    cache = V.ResponseCache(kw.pop("cache_dir", tmp_path / "cache"))
    return V.VepRestClient(server.url_for("/"), cache=cache, retry=retry, sleep=sleeps,
                           log=lambda msg: None, **kw)


def many_snvs(n: int) -> List[tuple]:
    return [("chr10", 70600000 + 3 * i, "G", "A") for i in range(n)]


# --- batching, request shape, output ---------------------------------------------------------------


def test_450_variants_go_in_three_batches_of_200_200_50(server, tmp_path):
    fake = FakeVep()
    expect_vep(server, fake)
    vcf = write_vcf(tmp_path / "in.vcf", many_snvs(450))
    client = make_client(server, tmp_path, Sleeps())
    stats = V.annotate_vcf(vcf, tmp_path / "out.vcf.gz", client)
    assert [len(b["variants"]) for b in fake.bodies] == [200, 200, 50]
    assert stats.fetched == 450 and stats.requests == 3 and stats.cached == 0
    body = fake.bodies[0]
    for option in ("hgvs", "canonical", "mane", "af_gnomade", "af_gnomadg"):
        assert body[option] == 1
    # Ensembl contig names, VCF-like input lines
    assert body["variants"][0] == "10 70600000 10:70600000:G:A G A . . ."
    assert (tmp_path / "out.vcf.gz.tbi").exists()
    assert sum(1 for _ in A.iter_records(tmp_path / "out.vcf.gz")) == 450


def test_batch_size_is_configurable_but_never_above_200(server, tmp_path):
    fake = FakeVep()
    expect_vep(server, fake)
    vcf = write_vcf(tmp_path / "in.vcf", many_snvs(7))
    client = make_client(server, tmp_path, Sleeps(), batch_size=3)
    V.annotate_vcf(vcf, tmp_path / "out.vcf", client)
    assert [len(b["variants"]) for b in fake.bodies] == [3, 3, 1]
    with pytest.raises(UserInputError, match="1 to 200"):
        make_client(server, tmp_path, Sleeps(), batch_size=201)


def test_output_is_parsed_by_annotation_module(server, tmp_path):
    expect_vep(server, FakeVep())
    vcf = write_vcf(tmp_path / "in.vcf", [
        ("chr10", 70600631, "G", "A"),      # missense
        ("chr10", 70600700, "C", "T"),      # synonymous: p.= percent-encoded in the file
        ("chr10", 70600800, "CAG", "C"),    # deletion: VEP allele '-'
    ])
    out = tmp_path / "out.vcf"
    V.annotate_vcf(vcf, out, make_client(server, tmp_path, Sleeps()))
    text = out.read_text()
    assert "Format: " + "|".join(V.CSQ_FIELDS) in text
    written = re.search(r'Format: ([^"]+)"', text).group(1).split("|")
    assert len(written) == len(set(written)), "a CSQ field named twice in the Format"
    assert "(p.%3D)|5|L|" in text  # escaped as VEP does; Protein_position and Amino_acids follow HGVSp
    mis, syn, dele = A.iter_records(out)

    assert mis.variant_id == "chr10:70600631:G:A"
    assert mis.summary_basis == "mane_select"
    s = mis.summary
    assert (s.gene_symbol, s.hgnc_id, s.gene_id, s.transcript_id) == (
        "PRF1", "HGNC:9360", "ENSG00000180644", "ENST00000441259")
    assert s.mane_select_id == "NM_001083116.3" and s.canonical
    assert s.consequences == ("missense_variant",) and s.impact == "MODERATE"
    assert s.hgvsc == "c.631G>A" and s.hgvsc_reference == "ENST00000441259.2"
    assert s.hgvsp == "p.Ala91Val" and s.exon == "2/3"
    other = mis.transcripts[1]
    assert other.hgnc_id == "HGNC:9360" and other.intron == "1/2" and not other.canonical
    assert other.consequences == ("intron_variant", "NMD_transcript_variant")
    # rsID of our allele (not rs70600632 of another allele), COSMIC position-level id kept
    assert mis.existing_ids == ("rs70600631", "COSV70600631")
    assert mis.vcf_ids == ("rs70600631",)
    g = mis.gnomad
    assert g.source == "csq_gnomade" and g.af == 0.001 and not g.missing
    assert g.popmax_population == "nfe" and g.popmax_af == 0.002  # fin excluded

    assert syn.summary.hgvsp == "p.Leu5="  # named from Amino_acids and Protein_position, as snpEff names it
    assert dele.summary.allele == "-" and dele.summary.consequences == ("frameshift_variant",)
    assert dele.gnomad_af == 0.001 and dele.rsids == ("rs70600800",)


def test_variant_not_returned_is_written_without_csq(server, tmp_path):
    expect_vep(server, FakeVep(skip=("70600003",)))
    vcf = write_vcf(tmp_path / "in.vcf", many_snvs(3))
    out = tmp_path / "out.vcf"
    stats = V.annotate_vcf(vcf, out, make_client(server, tmp_path, Sleeps()))
    assert stats.not_returned == 1 and stats.not_returned_examples == ["10:70600003:G:A"]
    recs = list(A.iter_records(out))
    assert [len(r.transcripts) for r in recs] == [2, 0, 2]
    assert recs[1].gnomad_af_missing
    # said on the record, so no later step takes it for an input nobody annotated
    assert [_not_annotated(line) for line in _body(out)] == [None, "not_returned", None]


def _body(path: Path) -> List[str]:
    return [line for line in path.read_text().splitlines() if not line.startswith("#")]


def _not_annotated(line: str) -> str | None:
    tags = dict(t.split("=", 1) for t in line.split("\t")[7].split(";") if "=" in t)
    return tags.get(V.NOT_ANNOTATED_TAG)


def test_one_variant_the_server_refuses_is_asked_alone_and_marked(server, tmp_path):
    """The endpoint refuses a whole batch (HTTP 400) for one variant it cannot read. Before: the run
    stopped, none of the 200 variants of the batch annotated. Now the halves are asked apart down to the
    refused variant, which is written without CSQ and marked; the others are annotated."""
    fake = FakeVep(reject=("70600009",))
    expect_vep(server, fake)
    vcf = write_vcf(tmp_path / "in.vcf", many_snvs(8))
    out = tmp_path / "out.vcf"
    stats = V.annotate_vcf(vcf, out, make_client(server, tmp_path, Sleeps()))
    assert (stats.rejected, stats.fetched) == (1, 7)
    assert len(fake.bodies) <= 1 + 2 * 3  # a bisection, not one request per variant
    marks = [_not_annotated(line) for line in _body(out)]
    assert marks[3] == "rejected:Unable_to_parse_variant_input_line:_'10_70600009_10:70600009:G:A_G_A_._._.'"
    assert marks[:3] + marks[4:] == [None] * 7
    recs = list(A.iter_records(out))
    assert [bool(r.transcripts) for r in recs] == [True, True, True, False, True, True, True, True]
    # the refusal is not cached: a rerun asks for that variant again
    V.annotate_vcf(vcf, tmp_path / "again.vcf", make_client(server, tmp_path, Sleeps()))
    assert fake.bodies[-1]["variants"] == ["10 70600009 10:70600009:G:A G A . . ."]


def test_a_refusal_of_the_request_itself_still_stops_the_run(server, tmp_path):
    """Both halves refused with the same message: an option or the species is wrong, not a variant."""
    handler, calls = sequence_handler([
        lambda r: Response(json.dumps({"error": "Could not find species"}), status=400,
                           content_type="application/json"),
    ])
    expect_vep(server, handler)
    out = tmp_path / "out.vcf"
    with pytest.raises(UserInputError, match="HTTP 400: Could not find species"):
        V.annotate_vcf(write_vcf(tmp_path / "in.vcf", many_snvs(8)), out, make_client(server, tmp_path, Sleeps()))
    assert calls["n"] == 3 and not out.exists()


def test_a_result_without_any_consequence_is_marked(server, tmp_path):
    expect_vep(server, FakeVep(empty=("70600003",)))
    out = tmp_path / "out.vcf"
    stats = V.annotate_vcf(write_vcf(tmp_path / "in.vcf", many_snvs(2)), out, make_client(server, tmp_path, Sleeps()))
    assert stats.empty == 1
    assert [_not_annotated(line) for line in _body(out)] == [None, "no_consequence"]
    assert f"##INFO=<ID={V.NOT_ANNOTATED_TAG}," in out.read_text()


# --- retries ------------------------------------------------------------------------------------------


def sequence_handler(responses):
    """Answer with the given callables in turn, then keep using the last one."""
    calls = {"n": 0}

    def handler(request: Request) -> Response:
        i = min(calls["n"], len(responses) - 1)
        calls["n"] += 1
        return responses[i](request)

    return handler, calls


def test_429_honours_retry_after(server, tmp_path):
    handler, calls = sequence_handler([
        lambda r: Response("slow down", status=429, headers={"Retry-After": "7"}),
        FakeVep(),
    ])
    expect_vep(server, handler)
    sleeps = Sleeps()
    vcf = write_vcf(tmp_path / "in.vcf", many_snvs(2))
    stats = V.annotate_vcf(vcf, tmp_path / "out.vcf", make_client(server, tmp_path, sleeps))
    assert sleeps == [7.0]
    assert calls["n"] == 2 and stats.fetched == 2


def test_429_asking_for_too_long_a_wait_stops(server, tmp_path):
    expect_vep(server, lambda r: Response("", status=429, headers={"Retry-After": "3600"}))
    sleeps = Sleeps()
    vcf = write_vcf(tmp_path / "in.vcf", many_snvs(1))
    with pytest.raises(UserInputError, match="3600 s"):
        V.annotate_vcf(vcf, tmp_path / "out.vcf", make_client(server, tmp_path, sleeps))
    assert sleeps == []


def test_500_then_success(server, tmp_path):
    handler, calls = sequence_handler([
        lambda r: Response('{"error":"internal"}', status=500),
        lambda r: Response("bad gateway", status=502),
        FakeVep(),
    ])
    expect_vep(server, handler)
    sleeps = Sleeps()
    vcf = write_vcf(tmp_path / "in.vcf", many_snvs(2))
    out = tmp_path / "out.vcf"
    V.annotate_vcf(vcf, out, make_client(server, tmp_path, sleeps))
    assert sleeps == [0.5, 1.0]  # exponential backoff
    assert calls["n"] == 3
    assert all(r.transcripts for r in A.iter_records(out))


def test_backoff_is_capped_and_attempts_are_limited(server, tmp_path):
    handler, calls = sequence_handler([lambda r: Response("unavailable", status=503)])
    expect_vep(server, handler)
    sleeps = Sleeps()
    retry = V.RetryPolicy(max_attempts=4, base_delay=1.0, max_delay=1.5)
    vcf = write_vcf(tmp_path / "in.vcf", many_snvs(1))
    out = tmp_path / "out.vcf"
    with pytest.raises(UserInputError) as err:
        V.annotate_vcf(vcf, out, make_client(server, tmp_path, sleeps, retry=retry))
    assert "after 4 attempts" in str(err.value) and "HTTP 503" in str(err.value)
    assert calls["n"] == 4
    assert sleeps == [1.0, 1.5, 1.5]
    assert not out.exists()


def test_timeout_then_success(server, tmp_path):
    """The first answer never comes within the read timeout (held until the test ends), the second comes
    after a delay a busy machine could add: one timeout, one wait, then success. The read timeout is wide
    (before: 0.3 s for the second answer, which a loaded 2-core machine could miss: two timeouts)."""
    fake = FakeVep()
    release = threading.Event()

    def never_in_time(request: Request) -> Response:
        release.wait(30)
        return fake(request)

    def late(request: Request) -> Response:
        time.sleep(0.5)
        return fake(request)

    handler, calls = sequence_handler([never_in_time, late])
    expect_vep(server, handler)
    sleeps, logged = Sleeps(), []
    retry = V.RetryPolicy(base_delay=0.25, read_timeout=2.0, connect_timeout=2)
    vcf = write_vcf(tmp_path / "in.vcf", many_snvs(2))
    out = tmp_path / "out.vcf"
    client = V.VepRestClient(server.url_for("/"), cache=V.ResponseCache(tmp_path / "cache"), retry=retry,
                             sleep=sleeps, log=logged.append)
    try:
        stats = V.annotate_vcf(vcf, out, client)
    finally:
        release.set()
    assert sleeps == [0.25] and calls["n"] == 2
    assert len(logged) == 1 and "timed out (ReadTimeout)" in logged[0], logged
    assert stats.fetched == 2 and stats.requests == 2
    assert all(r.transcripts for r in A.iter_records(out))


def test_client_4xx_is_reported_not_retried(server, tmp_path):
    handler, calls = sequence_handler([
        lambda r: Response(json.dumps({"error": "Could not find species"}), status=400,
                           content_type="application/json"),
    ])
    expect_vep(server, handler)
    sleeps = Sleeps()
    vcf = write_vcf(tmp_path / "in.vcf", many_snvs(1))
    with pytest.raises(UserInputError, match="HTTP 400: Could not find species"):
        V.annotate_vcf(vcf, tmp_path / "out.vcf", make_client(server, tmp_path, sleeps))
    assert calls["n"] == 1 and sleeps == []


# --- cache ------------------------------------------------------------------------------------------


def test_cache_uses_the_rollback_journal_not_wal(tmp_path):
    """The cache sits on the shared file system of HPC runs (NFS/Lustre/GPFS), where WAL's shared-memory
    index is not safe across hosts: SQLite's rollback journal. Before: WAL, kept in the file."""
    import sqlite3

    cache = V.ResponseCache(tmp_path / "cache")
    cache.put_many([("k1", {"input": "x"})])
    other = sqlite3.connect(str(cache.path))  # the mode another process sees (WAL would persist in the file)
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    other.close()
    assert cache.journal_mode() == "delete"
    cache.close()
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["vep_rest_cache.sqlite"]


def test_an_older_wal_cache_is_turned_to_the_rollback_journal_with_its_answers(tmp_path):
    import sqlite3

    (tmp_path / "cache").mkdir()
    old = sqlite3.connect(str(tmp_path / "cache/vep_rest_cache.sqlite"))
    assert old.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
    old.execute("CREATE TABLE results (key TEXT PRIMARY KEY, result TEXT NOT NULL, fetched TEXT NOT NULL)")
    old.execute("INSERT INTO results VALUES ('k1', '{\"input\": \"x\"}', '2026-01-01T00:00:00+00:00')")
    old.commit()
    old.close()
    cache = V.ResponseCache(tmp_path / "cache")
    assert cache.journal_mode() == "delete" and cache.get("k1") == {"input": "x"}
    cache.close()


def test_a_wal_cache_held_open_elsewhere_is_refused_clearly(tmp_path):
    """An older client still has the WAL cache open: it cannot be turned to the rollback journal now, so
    the run stops naming the cache instead of writing to it in WAL mode."""
    import sqlite3

    (tmp_path / "cache").mkdir()
    path = tmp_path / "cache/vep_rest_cache.sqlite"
    holder = sqlite3.connect(str(path))
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("CREATE TABLE results (key TEXT PRIMARY KEY, result TEXT NOT NULL, fetched TEXT NOT NULL)")
    holder.commit()
    try:
        with pytest.raises(UserInputError) as err:
            V.ResponseCache(tmp_path / "cache")
    finally:
        holder.close()
    assert err.value.path == str(path) and err.value.field == "--cache-dir"
    assert "cache" in err.value.problem and "POSIX file locks" in err.value.fix


def test_disk_cache_prevents_second_request(server, tmp_path):
    fake = FakeVep()
    expect_vep(server, fake)
    vcf = write_vcf(tmp_path / "in.vcf", many_snvs(5))
    first = tmp_path / "first.vcf"
    s1 = V.annotate_vcf(vcf, first, make_client(server, tmp_path, Sleeps()))
    assert s1.requests == 1 and len(fake.bodies) == 1

    # a new client (a rerun) with the same cache directory asks nothing
    second = tmp_path / "second.vcf"
    s2 = V.annotate_vcf(vcf, second, make_client(server, tmp_path, Sleeps()))
    assert len(fake.bodies) == 1 and s2.requests == 0 and s2.cached == 5
    assert first.read_text() == second.read_text()

    # one new variant: only it is asked for
    vcf2 = write_vcf(tmp_path / "in2.vcf", many_snvs(6))
    V.annotate_vcf(vcf2, tmp_path / "third.vcf", make_client(server, tmp_path, Sleeps()))
    assert len(fake.bodies) == 2 and fake.bodies[1]["variants"] == [
        "10 70600015 10:70600015:G:A G A . . ."]


def test_cache_key_covers_server_options_and_assembly(tmp_path):
    q = V.QueryVariant("10", 5, "G", "A")
    key = V.cache_key("https://rest.ensembl.org/", "GRCh38", {"hgvs": 1, "mane": 1}, q)
    assert key == 'GRCh38|https://rest.ensembl.org|{"hgvs":1,"mane":1}|10:5:G:A'
    assert key != V.cache_key("https://rest.ensembl.org", "GRCh38", {"hgvs": 1}, q)
    assert key != V.cache_key("https://other.org", "GRCh38", {"hgvs": 1, "mane": 1}, q)
    assert key == V.cache_key("https://rest.ensembl.org", "GRCh38", {"mane": 1, "hgvs": 1}, q)


# --- malformed answers ------------------------------------------------------------------------------


@pytest.mark.parametrize("body, message", [
    ("<html>Service maintenance</html>", "not JSON"),
    (json.dumps({"variants": []}), "expected a JSON list"),
    (json.dumps([{"id": "x", "transcript_consequences": []}]), "lacks the 'input' echo"),
    (json.dumps([{"input": "10 1 x G A . . .", "transcript_consequences": "oops"}]),
     "not a list of objects"),
    (json.dumps([{"input": "something else entirely"}]), "does not echo any submitted variant"),
])
def test_malformed_response_gives_clear_error(server, tmp_path, body, message):
    expect_vep(server, lambda r: Response(body, status=200, content_type="application/json"))
    vcf = write_vcf(tmp_path / "in.vcf", many_snvs(1))
    out = tmp_path / "out.vcf"
    with pytest.raises(UserInputError) as err:
        V.annotate_vcf(vcf, out, make_client(server, tmp_path, Sleeps()))
    assert message in str(err.value)
    assert "--server" in str(err.value)
    assert not out.exists()


# --- unreachable server ---------------------------------------------------------------------------


def closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_unreachable_server_fails_fast_with_clear_message(tmp_path):
    sleeps = Sleeps()
    cache = V.ResponseCache(tmp_path / "cache")
    client = V.VepRestClient(f"http://127.0.0.1:{closed_port()}", cache=cache, sleep=sleeps,
                             log=lambda m: None)
    vcf = write_vcf(tmp_path / "in.vcf", many_snvs(3))
    out = tmp_path / "out.vcf"
    started = time.monotonic()
    with pytest.raises(UserInputError) as err:
        V.annotate_vcf(vcf, out, client)
    assert time.monotonic() - started < 5
    msg = str(err.value)
    assert "could not be reached" in msg and "--annotator offline" in msg and "VEP" in msg
    assert sleeps == [] and client.stats.requests == 1
    assert not out.exists()


def test_unresolvable_host_fails_fast(tmp_path):
    sleeps = Sleeps()
    client = V.VepRestClient("http://hlhscreen-no-such-host.invalid", sleep=sleeps,
                             cache=V.ResponseCache(tmp_path / "cache"), log=lambda m: None,
                             retry=V.RetryPolicy(connect_timeout=3))
    vcf = write_vcf(tmp_path / "in.vcf", many_snvs(1))
    started = time.monotonic()
    with pytest.raises(UserInputError, match="could not be reached"):
        V.annotate_vcf(vcf, tmp_path / "out.vcf", client)
    assert time.monotonic() - started < 15 and sleeps == []


# --- input checks ------------------------------------------------------------------------------------


def test_multiallelic_input_is_rejected_before_any_request(server, tmp_path):
    fake = FakeVep()
    expect_vep(server, fake)
    vcf = write_vcf(tmp_path / "in.vcf", [("chr10", 100, "G", "A,T")])
    with pytest.raises(UserInputError) as err:
        V.annotate_vcf(vcf, tmp_path / "out.vcf", make_client(server, tmp_path, Sleeps()))
    assert f"{vcf}:4" in str(err.value) and "bcftools norm -m -any" in str(err.value)
    assert fake.bodies == []


def test_input_already_annotated_is_rejected(server, tmp_path):
    vcf = write_vcf(tmp_path / "in.vcf", many_snvs(1), extra_header=(
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Format: Allele|Consequence">',))
    with pytest.raises(UserInputError, match="already carries INFO/CSQ"):
        V.annotate_vcf(vcf, tmp_path / "out.vcf", make_client(server, tmp_path, Sleeps()))


def test_sites_without_alt_or_symbolic_are_passed_through(server, tmp_path):
    fake = FakeVep()
    expect_vep(server, fake)
    vcf = write_vcf(tmp_path / "in.vcf", [("chr10", 100, "G", "."), ("chr10", 101, "G", "*"),
                                          ("chr10", 102, "G", "A")])
    out = tmp_path / "out.vcf"
    stats = V.annotate_vcf(vcf, out, make_client(server, tmp_path, Sleeps()))
    assert fake.bodies[0]["variants"] == ["10 102 10:102:G:A G A . . ."]
    assert stats.skipped == 2
    assert len([l for l in out.read_text().splitlines() if not l.startswith("#")]) == 3


def test_escape_round_trip():
    raw = "ENSP1:p.[Leu5=;Arg6Ter],x|y&z 100%"
    escaped = V.escape_value(raw)
    assert not any(c in escaped for c in ";=,| &")
    assert A.decode_hgvs(escaped) == ("ENSP1", "p.[Leu5=;Arg6Ter],x|y&z 100%")


# --- command line -----------------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "bin" / "vep_rest.py"), *args],
                          capture_output=True, text=True, timeout=60)


def test_cli_end_to_end_and_unreachable(server, tmp_path):
    fake = FakeVep()
    expect_vep(server, fake)
    vcf = write_vcf(tmp_path / "in.vcf", many_snvs(3))
    out = tmp_path / "out.vcf.gz"
    done = run_cli("--input", str(vcf), "--output", str(out), "--server", server.url_for("/"),
                   "--cache-dir", str(tmp_path / "cache"))
    assert done.returncode == 0, done.stderr
    assert "3 fetched in 1 request(s)" in done.stderr
    assert [r.summary.gene_symbol for r in A.iter_records(out)] == ["PRF1"] * 3

    failed = run_cli("--input", str(vcf), "--output", str(tmp_path / "x.vcf"), "--server",
                     f"http://127.0.0.1:{closed_port()}", "--cache-dir", str(tmp_path / "c2"))
    assert failed.returncode == 2
    assert failed.stderr.startswith("ERROR http://127.0.0.1:")
    assert "could not be reached" in failed.stderr and "Traceback" not in failed.stderr
    assert not (tmp_path / "x.vcf").exists()


# --- the VEP_REST module, as the pipeline configures it ----------------------------------------------


@pytest.mark.pipeline
def test_vep_rest_module_takes_server_and_cache_from_the_pipeline_config(server, tmp_path):
    """The module reads no params: --vep_rest_server reaches it as ext.args (conf/modules.config) and
    the cache folder as an input (made absolute by ANNOTATE), so a relative --vep_rest_cache lands in
    the launch folder and is kept between runs."""
    from nextflow_runner import run_nextflow

    fake = FakeVep()
    expect_vep(server, fake)
    vcf = write_vcf(tmp_path / "cohort.vcf", many_snvs(2))
    subprocess.run(["bgzip", "-f", str(vcf)], check=True)
    subprocess.run(["tabix", "-p", "vcf", f"{vcf}.gz"], check=True)
    (tmp_path / "bin").symlink_to(REPO / "bin")  # the tools, as in the pipeline's projectDir
    (tmp_path / "main.nf").write_text(f"""
include {{ VEP_REST }} from '{REPO}/modules/local/vep_rest'
workflow {{
    VEP_REST(Channel.of([file('{vcf}.gz'), file('{vcf}.gz.tbi')]), file(params.vep_rest_cache).toAbsolutePath().toString())
}}
""")
    run_nextflow(tmp_path, "-c", str(REPO / "conf/modules.config"), "--outdir", "results", "--publish_dir_mode", "copy",
                 "--tools_container", "unused", "--vep_rest_server", server.url_for("/"),
                 "--vep_rest_cache", "rest_cache", pipeline=str(tmp_path / "main.nf"),
                 env={"PYTHONDONTWRITEBYTECODE": "1"})  # no __pycache__ in bin/ (it would defeat -resume)
    out = tmp_path / "results/annotation/cohort.vep_rest.vcf.gz"
    assert [r.summary.gene_symbol for r in A.iter_records(out)] == ["PRF1"] * 2
    assert len(fake.bodies) == 1
    assert any((tmp_path / "rest_cache").iterdir()), "the answers were not cached in the launch folder"


def test_protein_position_as_vep_writes_it():
    assert V.protein_position({"protein_start": 91, "protein_end": 91}) == "91"
    assert V.protein_position({"protein_start": 5, "protein_end": 6}) == "5-6"
    assert V.protein_position({"protein_end": 92}) == "?-92"
    assert V.protein_position({"protein_start": 91}) == "91-?"
    assert V.protein_position({}) == ""


def test_a_server_of_another_assembly_is_refused(server, tmp_path):
    """grch37.rest.ensembl.org answers GRCh38 positions on GRCh37 (assembly_name): before, its
    consequences (other genes' bases) were written as if they were the variant's."""
    fake = FakeVep()

    def grch37(request: Request) -> Response:
        answer = fake(request)
        results = json.loads(answer.get_data())
        for result in results:
            result["assembly_name"] = "GRCh37"
        return Response(json.dumps(results), status=200, content_type="application/json")

    expect_vep(server, grch37)
    out = tmp_path / "out.vcf"
    with pytest.raises(UserInputError) as caught:
        V.annotate_vcf(write_vcf(tmp_path / "in.vcf", many_snvs(2)), out, make_client(server, tmp_path, Sleeps()))
    assert "annotates on GRCh37" in str(caught.value) and "grch37.rest.ensembl.org is GRCh37" in str(caught.value)
    assert not out.exists() and not V.ResponseCache(tmp_path / "cache").get(
        V.cache_key(server.url_for("/"), "GRCh38", V.DEFAULT_OPTIONS, V.QueryVariant("10", 70600000, "G", "A")))


def test_batches_that_always_time_out_say_to_ask_fewer_variants(server, tmp_path):
    def slow(request: Request) -> Response:
        time.sleep(0.6)
        return FakeVep()(request)

    expect_vep(server, slow)
    retry = V.RetryPolicy(max_attempts=2, base_delay=0, read_timeout=0.2, connect_timeout=2)
    with pytest.raises(UserInputError) as caught:
        V.annotate_vcf(write_vcf(tmp_path / "in.vcf", many_snvs(3)), tmp_path / "out.vcf",
                       make_client(server, tmp_path, Sleeps(), retry=retry))
    assert "timed out" in str(caught.value) and "--batch-size below 3" in str(caught.value)


def test_a_cached_answer_of_another_assembly_is_refused(server, tmp_path):
    """A cache filled from a GRCh37 server before answers were checked is not trusted either."""
    expect_vep(server, FakeVep())
    client = make_client(server, tmp_path, Sleeps())
    variant = V.QueryVariant("10", 70600000, "G", "A")
    client.cache.put_many([(client.key(variant), dict(fake_result(variant.input_line), assembly_name="GRCh37"))])
    with pytest.raises(UserInputError, match="annotates on GRCh37"):
        V.annotate_vcf(write_vcf(tmp_path / "in.vcf", many_snvs(1)), tmp_path / "out.vcf", client)


# --- every frequency the REST answer carries (session 10 audit) -------------------------------------
#
# The JSON writer of VEP (OutputFactory::JSON) always adds 1000 Genomes continental AFs ("afr", "amr",
# "eas", "eur", "sas") and NHLBI-ESP ("aa", "ea") to colocated_variants[].frequencies[<allele>], next to
# gnomAD ("gnomade*"/"gnomadg*" since release 107; "gnomad*", gnomAD exomes r2.1, in releases 94-106).
# minor_allele_freq is 1000 Genomes' global frequency of minor_allele, whichever allele that is.


def _frequency_answer(freqs_by_pos: dict):
    """A FakeVep whose co-located entry carries, per position, the given frequencies and extra keys."""
    def handler(request: Request) -> Response:
        results = []
        for line in json.loads(request.get_data())["variants"]:
            result = fake_result(line)
            frequencies, extra = freqs_by_pos[int(line.split()[1])]
            colocated = result["colocated_variants"][0]
            allele = next(iter(colocated["frequencies"]))
            colocated["frequencies"] = {allele: frequencies} if frequencies else {}
            colocated.update(extra)
            results.append(result)
        return Response(json.dumps(results), status=200, content_type="application/json")
    return handler


def test_1000_genomes_esp_and_older_gnomad_frequencies_are_written_and_count(server, tmp_path):
    """Before: only gnomade*/gnomadg* were copied into CSQ, so a variant the answer gives 1000 Genomes (or
    ESP, or a release 94-106 server's gnomad) frequencies for, and no gnomADe/g value, was written without
    any frequency and screened novel (kept as rare)."""
    answers = {
        70600631: ({"afr": 0.01, "amr": 0.0, "eas": 0.02, "eur": 0.31, "sas": 0.05}, {}),  # 1000G only
        70600634: ({"aa": 0.2, "ea": 0.0}, {}),  # ESP only
        70600637: ({"gnomad": 0.12, "gnomad_nfe": 0.2, "gnomad_oth": 0.4}, {}),  # release 94-106
        70600640: ({}, {"minor_allele": "A", "minor_allele_freq": 0.144}),  # the ALT is the minor allele
        70600643: ({}, {"minor_allele": "G", "minor_allele_freq": 0.02}),  # REF is: not the ALT's AF
        70600646: ({"gnomade": 0.001, "eur": 0.3}, {"minor_allele": "A", "minor_allele_freq": 0.25}),
    }
    expect_vep(server, _frequency_answer(answers))
    vcf = write_vcf(tmp_path / "in.vcf", [("chr10", pos, "G", "A") for pos in answers])
    out = tmp_path / "out.vcf"
    V.annotate_vcf(vcf, out, make_client(server, tmp_path, Sleeps()))
    recs = {r.pos: r.gnomad for r in A.iter_records(out)}
    assert (recs[70600631].source, recs[70600631].popmax_af, recs[70600631].popmax_population) == (
        "csq_1000g", 0.31, "eur")
    assert recs[70600631].for_decision("global") == (0.31, "CSQ/EUR_AF")
    assert (recs[70600634].source, recs[70600634].popmax_af) == ("csq_esp", 0.2)
    assert (recs[70600637].source, recs[70600637].af, recs[70600637].af_field) == ("csq_gnomad", 0.12, "CSQ/gnomAD_AF")
    assert recs[70600637].population_afs == {"nfe": 0.2, "oth": 0.4}
    assert (recs[70600640].source, recs[70600640].af, recs[70600640].af_field) == ("csq_1000g", 0.144, "CSQ/AF")
    assert recs[70600643].missing  # 0.02 is REF's frequency: no frequency of the ALT
    # gnomAD exomes first (the study's field); the 1000 Genomes values are kept in CSQ
    assert (recs[70600646].source, recs[70600646].af) == ("csq_gnomade", 0.001)
    text = out.read_text()
    assert "|0.25|" in text and "|0.3|" in text


def test_colocated_entries_of_one_allele_give_the_highest_frequency(server, tmp_path):
    """Two co-located entries of the same allele (VEP's cache writes both values, &-joined, and the screen
    takes the highest): before, the REST client kept the first entry's value only."""
    def handler(request: Request) -> Response:
        results = []
        for line in json.loads(request.get_data())["variants"]:
            result = fake_result(line)
            first = result["colocated_variants"][0]
            second = dict(first, id="rs999", frequencies={"A": {"gnomade": 0.02}})
            first["frequencies"] = {"A": {"gnomade": 0.001}}
            result["colocated_variants"].insert(1, second)
            results.append(result)
        return Response(json.dumps(results), status=200, content_type="application/json")

    expect_vep(server, handler)
    vcf = write_vcf(tmp_path / "in.vcf", [("chr10", 70600631, "G", "A")])
    out = tmp_path / "out.vcf"
    V.annotate_vcf(vcf, out, make_client(server, tmp_path, Sleeps()))
    (rec,) = A.iter_records(out)
    assert rec.gnomad.af == 0.02 and rec.rsids == ("rs70600631", "rs999")


def test_ids_and_minor_allele_freq_of_another_variant_at_the_position_are_not_the_alts(server, tmp_path):
    """minor_allele_freq belongs to the co-located entry's own alleles. For the deletion CAG>C (VEP: AG/-)
    neither an SNV A/C at its first deleted base (C is the VCF ALT's spelling, not VEP's) nor the 1-bp
    deletion A/- (same '-' allele, another REF) gives the ALT's 1000 Genomes AF; the same deletion AG/- does."""
    def handler(request: Request) -> Response:
        results = []
        for line in json.loads(request.get_data())["variants"]:
            result = fake_result(line)
            start = result["start"]
            snv = {"id": "rs1", "allele_string": "A/C", "start": start, "end": start, "strand": 1,
                   "minor_allele": "C", "minor_allele_freq": 0.3}
            other = {"id": "rs2", "allele_string": "A/-", "start": start, "end": start, "strand": 1,
                     "minor_allele": "-", "minor_allele_freq": 0.2}
            same = {"id": "rs3", "allele_string": "AG/-", "start": start, "end": start + 1, "strand": 1,
                    "minor_allele": "-", "minor_allele_freq": 0.001}
            result["colocated_variants"] = [snv, other] + ([same] if line.split()[1] == "70600900" else [])
            results.append(result)
        return Response(json.dumps(results), status=200, content_type="application/json")

    expect_vep(server, handler)
    vcf = write_vcf(tmp_path / "in.vcf", [("chr10", 70600800, "CAG", "C"), ("chr10", 70600900, "CAG", "C")])
    out = tmp_path / "out.vcf"
    V.annotate_vcf(vcf, out, make_client(server, tmp_path, Sleeps()))
    lookalikes, same = A.iter_records(out)
    assert lookalikes.gnomad.missing
    assert (same.gnomad.af, same.gnomad.af_field) == (0.001, "CSQ/AF")
    # nor are their rsIDs the deletion's (before: rs1 and rs2 filled its ID column and Existing_variation)
    assert (lookalikes.rsids, lookalikes.vcf_ids) == ((), ())
    assert (same.rsids, same.vcf_ids) == (("rs3",), ("rs3",))


def test_frequency_keys_the_client_does_not_know_are_counted_and_said(server, tmp_path):
    """gnomAD's keys changed names across releases (gnomad -> gnomade/gnomadg at 107). A key this client does
    not know is not written; before, nothing said so (the variant looked novel, or judged by 1000 Genomes)."""
    answers = {70600631: ({"gnomade_v5": 0.3, "eur": 0.01}, {}), 70600634: ({"gnomade_v5": 0.2}, {})}
    expect_vep(server, _frequency_answer(answers))
    vcf = write_vcf(tmp_path / "in.vcf", [("chr10", pos, "G", "A") for pos in answers])
    stats = V.annotate_vcf(vcf, tmp_path / "out.vcf", make_client(server, tmp_path, Sleeps()))
    assert stats.unknown_frequency_keys == {"gnomade_v5": 2}
    assert "gnomade_v5 (2 variant(s))" in V.unknown_keys_warning(stats)


def test_an_answer_with_both_gnomad_releases_is_judged_by_the_newer(server, tmp_path):
    """VEP's JSON writer has named gnomAD exomes r2.1 'gnomad' (releases 94-106) and 'gnomad-v2'; an answer
    holding those next to gnomade (v4) keeps only gnomade, the study's field: the screen reads CSQ gnomAD_* before
    gnomADe_* (the --custom short_name=gnomAD convention), so an older release would otherwise win."""
    answers = {70600631: ({"gnomad": 0.3, "gnomad_nfe": 0.4, "gnomade": 0.001}, {}),
               70600634: ({"gnomad-v2": 0.05, "gnomad-v2_afr": 0.1}, {})}
    expect_vep(server, _frequency_answer(answers))
    vcf = write_vcf(tmp_path / "in.vcf", [("chr10", pos, "G", "A") for pos in answers])
    out = tmp_path / "out.vcf"
    stats = V.annotate_vcf(vcf, out, make_client(server, tmp_path, Sleeps()))
    both, v2 = A.iter_records(out)
    assert (both.gnomad.source, both.gnomad.af) == ("csq_gnomade", 0.001)
    assert (v2.gnomad.source, v2.gnomad.af, v2.gnomad.population_afs) == ("csq_gnomad", 0.05, {"afr": 0.1})
    assert not stats.unknown_frequency_keys


def test_hgvs_the_server_encoded_is_not_encoded_twice():
    """VEP's OutputFactory writes HGVSp's "=" as %3D in JSON too: before, the client encoded its "%" again
    (c.207G>A(p.%253D) in CSQ), so the screen could not read the synonymous or stop-retained change."""
    assert V.escape_value(V.server_hgvs("ENST00000441259.2:c.207G>A(p.%3D)")) == "ENST00000441259.2:c.207G>A(p.%3D)"
    assert V.escape_value(V.server_hgvs("ENSP00000398568.1:p.Ter556%3D")) == "ENSP00000398568.1:p.Ter556%3D"
    assert V.server_hgvs("ENSP00000398568.1:p.Ala91Val") == "ENSP00000398568.1:p.Ala91Val"
    assert V.escape_value(V.server_hgvs("c.15G>T(p.=)")) == "c.15G>T(p.%3D)"  # a server run with no_escape
    assert V.server_hgvs(None) is None


# --- answers in the shape real servers give, by release (tests/fixtures/vep_rest/README.md) -------------------

FIXTURES = REPO / "tests/fixtures/vep_rest"


def saved_answers(name: str):
    """A server answering from a saved-shape fixture: the results whose ``input`` is asked, in reverse order;
    lines the fixture has no result for are left out (the server did not answer them)."""
    by_input = {result["input"]: result for result in json.loads((FIXTURES / name).read_text())}

    def handler(request: Request) -> Response:
        asked = json.loads(request.get_data())["variants"]
        results = [by_input[line] for line in reversed(asked) if line in by_input]
        return Response(json.dumps(results), status=200, content_type="application/json")
    return handler


def test_a_release_112_answer_gives_each_allele_its_own_frequency_transcript_and_label(server, tmp_path):
    """Release 107-112 answers (gnomAD exomes r2.1.1, genomes v3.1.2) carry the groups' 'oth' keys
    (gnomade_oth, gnomadg_oth; 113 renamed them 'remaining'). Before, the client took them for keys of a renamed
    dataset: not written, and the run told the user to extend FREQUENCY_KEYS for every such variant."""
    expect_vep(server, saved_answers("release112_region.json"))
    vcf = write_vcf(tmp_path / "in.vcf", [
        ("chr10", 70600631, "G", "A"), ("chr10", 70600631, "G", "T"),  # the two ALTs of one multi-allelic rs
        ("chr10", 70600700, "C", "T"), ("chr10", 70600800, "CAG", "C"), ("chr10", 70700000, "A", "G"),
        ("chr10", 70600900, "T", "C"),  # the server gives no result for it
    ])
    out = tmp_path / "out.vcf"
    stats = V.annotate_vcf(vcf, out, make_client(server, tmp_path, Sleeps()))
    assert not stats.unknown_frequency_keys and V.unknown_keys_warning(stats) == ""
    a, t, syn, dele, intergenic, unanswered = A.iter_records(out)

    # A: the MANE Select transcript, not the more severe stop_gained of another one; HGVSp without ENSP
    assert (a.summary_basis, a.summary.transcript_id, a.summary.hgvsp) == ("mane_select", "ENST00000441259",
                                                                           "p.Ala91Val")
    assert a.gnomad.source == "csq_gnomade" and a.gnomad.af == 0.00061
    assert a.gnomad.popmax_population == "afr" and a.gnomad.popmax_af == 0.0062  # oth is no popmax group
    assert a.existing_ids == ("rs1000000101", "COSV100000101", "CM1000101") and a.vcf_ids == ("rs1000000101",)
    csq_a = _body(out)[0]
    assert "|0.0091|" in csq_a and "|0.0048|" in csq_a  # gnomADe_OTH_AF, gnomADg_OTH_AF written
    # T, the same rs entry: no frequency of its own in the answer, and A's values (0.0042 as minor allele,
    # the gnomAD ones) are not T's
    assert t.gnomad.missing and t.rsids == ("rs1000000101",) and t.summary.hgvsp == "p.Ala91Asp"
    assert syn.summary.hgvsp == "p.Leu68=" and syn.summary.consequences == ("synonymous_variant",)
    assert dele.summary.allele == "-" and dele.gnomad.af == 1.2e-05 and dele.rsids == ("rs1000000103",)
    # intergenic only: annotated (not marked), its frequency and rsID kept
    assert _not_annotated(_body(out)[4]) is None
    assert intergenic.summary.consequences == ("intergenic_variant",) and intergenic.gnomad.af == 0.31
    assert (intergenic.gnomad.source, intergenic.rsids) == ("csq_gnomadg", ("rs1000000104",))
    assert not unanswered.transcripts and _not_annotated(_body(out)[5]) == "not_returned"
    assert stats.not_returned == 1 and stats.fetched == 5


def test_a_release_96_to_101_answer_names_mane_select_in_mane(server, tmp_path):
    """Releases 96-101 wrote the MANE Select transcript's RefSeq id in 'mane' (a string; 102 split it into
    mane_select and mane_plus_clinical). Before, only a list holding 'MANE_Select' counted: the variant was
    judged by the most severe transcript. Frequencies of other alleles (the raw 'gnomAD_NFE': 'A:...' strings an
    answer of those releases still holds on a multi-allelic entry) are not the ALT's."""
    expect_vep(server, saved_answers("release101_region.json"))
    vcf = write_vcf(tmp_path / "in.vcf", [("chr10", 70600631, "G", "T"), ("chr10", 70600640, "C", "G")])
    out = tmp_path / "out.vcf"
    stats = V.annotate_vcf(vcf, out, make_client(server, tmp_path, Sleeps()))
    t, g = A.iter_records(out)
    assert (t.summary_basis, t.summary.transcript_id, t.summary.mane_select_id) == (
        "mane_select", "ENST00000441259", "NM_001083116.3")
    assert (t.gnomad.source, t.gnomad.af, t.gnomad.population_afs) == ("csq_gnomad", 4e-06, {"nfe": 8.9e-06})
    assert g.gnomad.missing and g.rsids == ("rs1000000105",)  # 0.11/0.15 and minor_allele_freq are A's
    assert not stats.unknown_frequency_keys


def test_error_answers_in_the_shapes_ensembl_gives(server, tmp_path):
    """Ensembl's rate limiter answers 429 with a decimal Retry-After (seconds); its proxies answer 503/504 with an
    HTML page, not JSON; one allele the endpoint cannot read gets the whole batch a JSON {"error": ...} 400. The
    waits are the server's (then the backoff), the pages are never parsed, and only the unreadable variant stays
    unannotated, marked with the server's words."""
    html = "<html><head><title>504 Gateway Time-out</title></head><body>504</body></html>"
    fake = FakeVep(reject=("70600006",))
    handler, calls = sequence_handler([
        lambda r: Response("", status=429, headers={"Retry-After": "1.25", "X-RateLimit-Reset": "1"}),
        lambda r: Response(html.replace("504 Gateway Time-out", "503 Service Unavailable"), status=503,
                           content_type="text/html"),
        lambda r: Response(html, status=504, content_type="text/html"),
        fake,
    ])
    expect_vep(server, handler)
    sleeps = Sleeps()
    out = tmp_path / "out.vcf"
    stats = V.annotate_vcf(write_vcf(tmp_path / "in.vcf", many_snvs(4)), out, make_client(server, tmp_path, sleeps))
    assert sleeps == [1.25, 1.0, 2.0]  # Retry-After, then the backoff of attempts 2 and 3
    assert (stats.fetched, stats.rejected, stats.not_returned) == (3, 1, 0)
    assert [_not_annotated(line) for line in _body(out)][2].startswith("rejected:Unable_to_parse_variant_input_line")
