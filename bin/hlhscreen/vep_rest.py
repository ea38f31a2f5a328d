"""Annotate a VCF through the Ensembl REST VEP endpoint (``POST /vep/homo_sapiens/region``).

The output is the input VCF plus a VEP-style ``INFO/CSQ`` (layout in :data:`CSQ_FIELDS`,
declared in the header as ``Format: Allele|Consequence|...``) that
:mod:`hlhscreen.annotation` parses like VEP's own output, and rsIDs in the ID column.

Behaviour (see docs/annotation.md):

* variants are sent in batches of at most 200 (the endpoint's limit) as
  ``{"variants": ["chrom pos id ref alt . . .", ...], <options>}``;
* ``429`` waits for ``Retry-After``; ``5xx``, timeouts and dropped connections are retried with
  capped exponential backoff; a server that cannot be reached at all (DNS failure, connection
  refused) fails at once with a clear message;
* every answer is stored in an on-disk sqlite cache keyed by
  ``assembly|server|options|chrom:pos:ref:alt`` so a rerun never asks again;
* the output is written atomically.
"""

from __future__ import annotations

from collections import Counter
import email.utils
import json
import os
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import quote, unquote

import requests

from hlhscreen import __version__
from hlhscreen.annotation import (  # noqa: F401 - NOT_ANNOTATED_TAG re-exported for bin/vep_rest.py
    REST_NOT_ANNOTATED_TAG as NOT_ANNOTATED_TAG,
    count_header_lines,
    vep_minimal_alleles,
    normalise_hgnc,
    require_biallelic,
    vep_allele,
    vep_ref_allele,
)
from hlhscreen.errors import UserInputError
from hlhscreen.field_origin import REST_CLIENT_MARK
from hlhscreen.files import atomic_path

DEFAULT_SERVER = "https://rest.ensembl.org"
ENDPOINT = "/vep/homo_sapiens/region"
ASSEMBLY = "GRCh38"
MAX_BATCH = 200  # the endpoint accepts at most 200 variants per POST

#: Options sent with every batch: the study's annotation (VEP --hgvs --canonical --mane
#: --numbers --af_gnomade --af_gnomadg). Co-located variants (rsIDs) come by default.
DEFAULT_OPTIONS: Mapping[str, int] = {
    "hgvs": 1,
    "canonical": 1,
    "mane": 1,
    "numbers": 1,
    "af_gnomade": 1,
    "af_gnomadg": 1,
}

#: gnomAD groups of the ``gnomade*``/``gnomadg*`` keys: v4 (release 113 on: REMAINING, and MID for exomes too) and the
#: r2.1.1 exomes / v3.1.2 genomes of releases 107-112, whose "other" group is OTH (VEP's cache fields gnomADe_OTH,
#: gnomADg_OTH, renamed _REMAINING in 113)
GNOMADE_POPULATIONS: Tuple[str, ...] = ("AFR", "AMR", "ASJ", "EAS", "FIN", "MID", "NFE", "REMAINING", "OTH", "SAS")
GNOMADG_POPULATIONS: Tuple[str, ...] = ("AFR", "AMI", "AMR", "ASJ", "EAS", "FIN", "MID", "NFE", "REMAINING", "OTH",
                                        "SAS")
#: gnomAD exomes r2.1 groups of the ``gnomad*`` keys servers of releases 94-106 answer with
GNOMAD_R2_POPULATIONS: Tuple[str, ...] = ("AFR", "AMR", "ASJ", "EAS", "FIN", "NFE", "OTH", "SAS")
#: 1000 Genomes phase 3 super-populations and NHLBI-ESP groups: VEP's JSON writer always adds them
THOUSAND_GENOMES_POPULATIONS: Tuple[str, ...] = ("AFR", "AMR", "EAS", "EUR", "SAS")
ESP_POPULATIONS: Tuple[str, ...] = ("AA", "EA")


def _gnomad_keys(key: str, label: str, pops: Sequence[str]) -> List[Tuple[str, str]]:
    return [(key, f"{label}_AF")] + [(f"{key}_{p.lower()}", f"{label}_{p}_AF") for p in pops]


#: ``frequencies[<allele>]`` key of the REST answer -> the CSQ field VEP's cache writes for it
FREQUENCY_KEYS: Tuple[Tuple[str, str], ...] = (
    *_gnomad_keys("gnomade", "gnomADe", GNOMADE_POPULATIONS),
    *_gnomad_keys("gnomadg", "gnomADg", GNOMADG_POPULATIONS),
    *_gnomad_keys("gnomad", "gnomAD", GNOMAD_R2_POPULATIONS),
    *_gnomad_keys("gnomad-v2", "gnomAD", GNOMAD_R2_POPULATIONS),  # another spelling of VEP's JSON writer
    ("af", "AF"),
    *((p.lower(), f"{p}_AF") for p in THOUSAND_GENOMES_POPULATIONS + ESP_POPULATIONS),
)

#: The CSQ layout written by this client, in order. Each name once: ``gnomad`` and ``gnomad-v2`` write the
#: same fields, and a Format naming a field twice is ambiguous to other readers (bcftools +split-vep).
CSQ_FIELDS: Tuple[str, ...] = tuple(dict.fromkeys((
    "Allele", "Consequence", "IMPACT", "SYMBOL", "Gene", "Feature_type", "Feature", "BIOTYPE",
    "EXON", "INTRON", "HGVSc", "HGVSp", "Protein_position", "Amino_acids", "Existing_variation", "DISTANCE", "STRAND", "CANONICAL",
    "MANE_SELECT", "MANE_PLUS_CLINICAL", "HGNC_ID",
    *(name for _, name in FREQUENCY_KEYS),
)))

NOT_ANNOTATED_DESCRIPTION = (
    "Why the Ensembl REST VEP gave this record no CSQ (hlhscreen vep_rest): not_returned (left out of the "
    "answer), rejected:<the server's error> (HTTP 400 for this variant alone), no_consequence (answered without "
    "any consequence)"
)

UNREACHABLE_FIX = (
    "Check the network and --server, or annotate without the REST API: `--annotator offline` "
    "(gnomAD sites VCF via bcftools annotate) or VEP with a local cache."
)

# Characters VEP percent-encodes in CSQ values (plus the CSQ delimiters themselves).
_ESCAPE_SAFE = "".join(
    c for c in (chr(i) for i in range(33, 127)) if c not in "%;=,|& \t"
)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. Delays in seconds; ``sleep`` is injectable so tests never wait."""

    max_attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0
    max_retry_after: float = 600.0
    connect_timeout: float = 10.0
    read_timeout: float = 120.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise UserInputError(None, None, "--max-attempts", "must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0:
            raise UserInputError(None, None, "--max-delay", "delays cannot be negative")
        if self.connect_timeout <= 0 or self.read_timeout <= 0:
            raise UserInputError(None, None, "--connect-timeout", "timeouts must be positive")

    def backoff(self, attempt: int) -> float:
        """Delay before retry number ``attempt`` (1-based): base * 2^(attempt-1), capped."""
        return min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))


@dataclass(frozen=True)
class QueryVariant:
    """One biallelic variant as sent to the server (Ensembl contig names: ``10``, ``MT``)."""

    chrom: str
    pos: int
    ref: str
    alt: str

    @property
    def key(self) -> str:
        return f"{self.chrom}:{self.pos}:{self.ref}:{self.alt}"

    @property
    def input_line(self) -> str:
        # VCF-like region input: chrom pos id ref alt qual filter info
        return f"{self.chrom} {self.pos} {self.key} {self.ref} {self.alt} . . ."


def ensembl_contig(chrom: str) -> str:
    """The REST server's name for a contig: ``chr10`` -> ``10``, ``chrM`` -> ``MT``."""
    base = chrom[3:] if chrom.lower().startswith("chr") else chrom
    return "MT" if base.upper() in ("M", "MT") else base


def cache_key(server: str, assembly: str, options: Mapping[str, Any], variant: QueryVariant) -> str:
    opts = json.dumps(dict(sorted(options.items())), separators=(",", ":"))
    return f"{assembly}|{server.rstrip('/')}|{opts}|{variant.key}"


def default_cache_dir() -> Path:
    env = os.environ.get("HLHSCREEN_CACHE_DIR")
    if env:
        return Path(env) / "vep_rest"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg if xdg else Path.home() / ".cache") / "hlhscreen" / "vep_rest"


#: SQLite's rollback journal, not WAL. The cache (--vep_rest_cache, by default in the launch folder) sits on the
#: shared file system of an HPC run (NFS, Lustre, GPFS) and is opened from other nodes, by later and concurrent
#: runs; WAL's shared-memory index works only when every process is on one host (sqlite.org/wal.html), the
#: rollback journal needs only the file system's POSIX locks. WAL mode is kept in the file: an older cache in
#: WAL mode is turned back when opened.
JOURNAL_MODE = "delete"
CACHE_FIX = ("Put --vep_rest_cache (vep_rest.py --cache-dir) on a file system with working POSIX file locks (a local "
             "disk; NFS with locking; Lustre mounted with flock), or run again when no other run uses this cache.")


class ResponseCache:
    """sqlite store of one REST result (JSON) per cache key; safe for concurrent tasks, also on other hosts."""

    def __init__(self, directory: os.PathLike | str) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / "vep_rest_cache.sqlite"
        self._db = sqlite3.connect(str(self.path), timeout=60)
        try:
            mode = str(self._db.execute(f"PRAGMA journal_mode={JOURNAL_MODE}").fetchone()[0]).lower()
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, result TEXT NOT NULL, "
                "fetched TEXT NOT NULL)"
            )
            self._db.commit()
        except sqlite3.Error as err:
            self._db.close()
            raise UserInputError(self.path, None, "--cache-dir", f"the response cache cannot be opened ({err})",
                                 CACHE_FIX) from None
        if mode != JOURNAL_MODE:
            self._db.close()
            raise UserInputError(self.path, None, "--cache-dir",
                                 f"the response cache stays in SQLite's {mode} journal mode, not the rollback "
                                 f"journal ({JOURNAL_MODE}) that a shared file system needs", CACHE_FIX)

    def journal_mode(self) -> str:
        """The journal mode of the open cache (``delete``: the rollback journal)."""
        return str(self._db.execute("PRAGMA journal_mode").fetchone()[0]).lower()

    def get(self, key: str) -> Optional[dict]:
        row = self._db.execute("SELECT result FROM results WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def __contains__(self, key: str) -> bool:
        return self._db.execute("SELECT 1 FROM results WHERE key = ?", (key,)).fetchone() is not None

    def put_many(self, items: Iterable[Tuple[str, dict]]) -> None:
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO results (key, result, fetched) VALUES (?, ?, ?)",
                [(k, json.dumps(v, separators=(",", ":")), now) for k, v in items],
            )

    def close(self) -> None:
        self._db.close()


@dataclass
class FetchStats:
    variants: int = 0
    cached: int = 0
    fetched: int = 0
    not_returned: int = 0
    requests: int = 0
    skipped: int = 0
    not_returned_examples: List[str] = field(default_factory=list)
    rejected: int = 0  # refused one by one by the server (HTTP 400 naming the variant)
    empty: int = 0  # returned without any consequence (no transcript, intergenic or co-located entry)
    #: variant key -> why it has no CSQ (written to INFO/VEP_REST_NOT_ANNOTATED)
    missing: Dict[str, str] = field(default_factory=dict)
    #: frequencies[<allele>] keys of the answers this client does not write -> number of variants
    unknown_frequency_keys: Counter = field(default_factory=Counter)

    def examples(self, reason_prefix: str, limit: int = 5) -> List[str]:
        """Up to ``limit`` variant keys whose reason starts with ``reason_prefix``."""
        return [k for k, r in self.missing.items() if r.startswith(reason_prefix)][:limit]


def _is_unreachable(err: requests.exceptions.ConnectionError) -> bool:
    """DNS failure or refused connection (as opposed to a dropped or timed-out one)."""
    import urllib3

    if isinstance(err, requests.exceptions.ConnectTimeout):
        return False
    reason = getattr(err.args[0], "reason", None) if err.args else None
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        return True
    text = str(err)
    return any(s in text for s in (
        "Failed to resolve", "Name or service not known", "Connection refused",
        "Failed to establish a new connection", "nodename nor servname",
    ))


def _retry_after_seconds(value: Optional[str]) -> Optional[float]:
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class VepRestClient:
    """Batches, retries and caches POST /vep/homo_sapiens/region calls."""

    def __init__(
        self,
        server: str = DEFAULT_SERVER,
        *,
        cache: ResponseCache,
        batch_size: int = MAX_BATCH,
        options: Optional[Mapping[str, Any]] = None,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        session: Optional[requests.Session] = None,
        assembly: str = ASSEMBLY,
        log: Callable[[str], None] = lambda msg: print(msg, file=sys.stderr),
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH:
            raise UserInputError(
                None, None, "--batch-size",
                f"{batch_size} is out of range: the endpoint takes 1 to {MAX_BATCH} variants",
                f"Use a value from 1 to {MAX_BATCH}.",
            )
        if not server.startswith(("http://", "https://")):
            raise UserInputError(None, None, "--server", f"'{server}' is not an http(s) URL",
                                 f"Use e.g. {DEFAULT_SERVER}.")
        self.server = server.rstrip("/")
        self.url = self.server + ENDPOINT
        self.cache = cache
        self.batch_size = batch_size
        self.options = dict(DEFAULT_OPTIONS if options is None else options)
        self.retry = retry
        self.sleep = sleep
        self.session = session or requests.Session()
        self.assembly = assembly
        self.log = log
        self.stats = FetchStats()

    # -- cache --------------------------------------------------------------------------------
    def key(self, variant: QueryVariant) -> str:
        return cache_key(self.server, self.assembly, self.options, variant)

    def cached(self, variant: QueryVariant) -> Optional[dict]:
        element = self.cache.get(self.key(variant))
        if element is not None:  # a cache filled before answers were checked for their assembly
            self._check_assembly([element])
        return element

    # -- fetching ------------------------------------------------------------------------------
    def fetch(self, variants: Iterable[QueryVariant]) -> FetchStats:
        """Make sure every variant's result is in the cache, asking only for missing ones."""
        pending: Dict[str, QueryVariant] = {}
        for variant in variants:
            self.stats.variants += 1
            key = self.key(variant)
            if key in pending:
                continue
            if key in self.cache:
                self.stats.cached += 1
                continue
            pending[key] = variant
            if len(pending) >= self.batch_size:
                self._fetch_batch(pending)
                pending = {}
        if pending:
            self._fetch_batch(pending)
        if self.stats.rejected and not (self.stats.fetched or self.stats.cached):
            # nothing the server accepted: the request is wrong, not some variants
            first = next(r for r in self.stats.missing.values() if r.startswith("rejected:"))
            raise RequestRefused(self.url, 400, first[len("rejected:"):]).as_error()
        return self.stats

    def _fetch_batch(self, pending: Mapping[str, QueryVariant]) -> None:
        refused = self._post_batch(pending)
        if refused is not None:
            self._bisect(pending, refused)

    def _bisect(self, pending: Mapping[str, QueryVariant], refused: "RequestRefused") -> None:
        """A batch the server refused with HTTP 400. The Ensembl endpoint refuses a whole batch for one
        variant it cannot read (or leaves such a variant out), so the halves are asked apart, down to
        the variant refused alone, which is marked (``rejected``) instead of failing the run. When both
        halves of a batch are refused with the same message, the request itself is wrong (an option,
        the species): that stops the run."""
        if len(pending) == 1:
            variant = next(iter(pending.values()))
            self.stats.rejected += 1
            self.stats.missing[variant.key] = f"rejected:{refused.error}"
            self.log(f"vep_rest: the server refused {variant.key} (HTTP {refused.status}: {refused.error}); "
                     "it is written without CSQ")
            return
        items = list(pending.items())
        halves = (dict(items[:len(items) // 2]), dict(items[len(items) // 2:]))
        answers = [self._post_batch(half) for half in halves]
        if all(a is not None and a.error == refused.error for a in answers) and all(len(h) > 1 for h in halves):
            raise refused.as_error()
        for half, answer in zip(halves, answers):
            if answer is not None:
                self._bisect(half, answer)

    def _post_batch(self, pending: Mapping[str, QueryVariant]) -> Optional["RequestRefused"]:
        """POST one batch and cache what it returns; the refusal when the server answers HTTP 400."""
        by_input = {v.input_line: (k, v) for k, v in pending.items()}
        body: Dict[str, Any] = {"variants": list(by_input)}
        body.update(self.options)
        try:
            results = self.post(body)
        except RequestRefused as refused:
            if refused.status != 400:
                raise refused.as_error() from None
            return refused
        self._check_assembly(results)
        found: List[Tuple[str, dict]] = []
        for element in results:
            echoed = " ".join(str(element["input"]).split())
            hit = by_input.get(echoed)
            if hit is not None:
                found.append((hit[0], element))
        if results and not found:
            raise UserInputError(
                self.url, None, "response",
                "the server's answer does not echo any submitted variant in 'input'",
                "Check that --server is an Ensembl REST server.",
            )
        self.cache.put_many(found)
        self.stats.fetched += len(found)
        returned = {k for k, _ in found}
        for key, variant in pending.items():
            if key not in returned:
                self.stats.not_returned += 1
                self.stats.missing[variant.key] = "not_returned"
                if len(self.stats.not_returned_examples) < 5:
                    self.stats.not_returned_examples.append(variant.key)
        return None

    def _check_assembly(self, results: Sequence[Mapping[str, Any]]) -> None:
        """Stop when the server annotated on another assembly (``assembly_name`` of each result): the
        positions sent are GRCh38, and e.g. grch37.rest.ensembl.org would annotate them on GRCh37,
        giving other genes' consequences without any error."""
        for element in results:
            named = element.get("assembly_name")
            if named is not None and str(named) != self.assembly:
                raise UserInputError(
                    self.server, None, "--server",
                    f"the server annotates on {named} (assembly_name of its answer for "
                    f"'{' '.join(str(element.get('input', '')).split())}'), but the VCF's positions are {self.assembly}",
                    f"Use an Ensembl REST server for {self.assembly} (e.g. {DEFAULT_SERVER}; "
                    "grch37.rest.ensembl.org is GRCh37).",
                )

    def post(self, body: Mapping[str, Any]) -> List[dict]:
        """POST one batch with retries; return the validated list of result objects."""
        last_problem = ""
        for attempt in range(1, self.retry.max_attempts + 1):
            final = attempt == self.retry.max_attempts
            try:
                self.stats.requests += 1
                response = self.session.post(
                    self.url,
                    json=body,
                    headers={"Content-Type": "application/json", "Accept": "application/json",
                             "User-Agent": f"hlhscreen/{__version__}"},
                    timeout=(self.retry.connect_timeout, self.retry.read_timeout),
                )
            except requests.exceptions.Timeout as err:
                last_problem = f"timed out ({type(err).__name__})"
                if not final:
                    self._wait(self.retry.backoff(attempt), last_problem, attempt)
                continue
            except requests.exceptions.ConnectionError as err:
                if _is_unreachable(err):
                    raise UserInputError(
                        self.server, None, "--server",
                        f"the Ensembl REST server {self.server} could not be reached "
                        f"({_short_reason(err)})",
                        UNREACHABLE_FIX,
                    ) from None
                last_problem = f"connection failed ({_short_reason(err)})"
                if not final:
                    self._wait(self.retry.backoff(attempt), last_problem, attempt)
                continue

            status = response.status_code
            if status == 200:
                return _validate(response, self.url)
            if status == 429:
                delay = _retry_after_seconds(response.headers.get("Retry-After"))
                if delay is None:
                    delay = self.retry.backoff(attempt)
                if delay > self.retry.max_retry_after:
                    raise UserInputError(
                        self.server, None, "--server",
                        f"the server asks to wait {delay:.0f} s (HTTP 429 Retry-After), more "
                        f"than the {self.retry.max_retry_after:.0f} s allowed",
                        "Try again later; finished batches are cached and will not be asked again.",
                    )
                last_problem = "rate limited (HTTP 429)"
                if not final:
                    self._wait(delay, last_problem, attempt)
                continue
            if status >= 500:
                last_problem = f"HTTP {status}"
                if not final:
                    self._wait(self.retry.backoff(attempt), last_problem, attempt)
                continue
            raise RequestRefused(self.url, status, _error_text(response))
        smaller = (f", ask fewer variants per request (--batch-size below {len(body.get('variants', ()))})"
                   if last_problem.startswith("timed out") and len(body.get("variants", ())) > 1 else "")
        raise UserInputError(
            self.url, None, "response",
            f"no usable answer after {self.retry.max_attempts} attempts (last: {last_problem})",
            f"Try again later (finished batches are cached), raise --max-attempts{smaller}, or use "
            "`--annotator offline`.",
        )

    def _wait(self, delay: float, problem: str, attempt: int) -> None:
        self.log(f"vep_rest: {problem}; attempt {attempt}/{self.retry.max_attempts}, "
                 f"retrying in {delay:g} s")
        self.sleep(delay)


class RequestRefused(Exception):
    """The server answered a batch with a 4xx other than 429: ``status`` and its ``error`` text."""

    def __init__(self, url: str, status: int, error: str) -> None:
        super().__init__(f"HTTP {status}: {error}")
        self.url = url
        self.status = status
        self.error = error

    def as_error(self) -> UserInputError:
        return UserInputError(
            self.url, None, "response",
            f"the server refused the request: HTTP {self.status}: {self.error}",
            "Check --server (an Ensembl REST server, GRCh38) and that the VCF is normalised "
            "with REF matching GRCh38.",
        )


def _short_reason(err: Exception) -> str:
    reason = getattr(err.args[0], "reason", None) if getattr(err, "args", None) else None
    text = str(reason if reason is not None else err)
    return text if len(text) <= 200 else text[:200] + "..."


def _error_text(response: requests.Response) -> str:
    try:
        payload = response.json()
        if isinstance(payload, dict) and "error" in payload:
            return str(payload["error"])[:300]
    except ValueError:
        pass
    return response.text[:300].strip() or "(empty body)"


def _validate(response: requests.Response, url: str) -> List[dict]:
    try:
        payload = response.json()
    except ValueError:
        snippet = response.text[:120].replace("\n", " ")
        raise UserInputError(
            url, None, "response", f"the server's answer is not JSON (starts: '{snippet}')",
            "Check that --server is an Ensembl REST server (e.g. https://rest.ensembl.org).",
        ) from None
    if not isinstance(payload, list):
        raise UserInputError(
            url, None, "response",
            f"expected a JSON list of results, got {type(payload).__name__}",
            "Check that --server is an Ensembl REST server.",
        )
    for i, element in enumerate(payload):
        if not isinstance(element, dict):
            raise UserInputError(url, None, "response", f"result {i} is not a JSON object",
                                 "Check that --server is an Ensembl REST server.")
        if "input" not in element:
            raise UserInputError(url, None, "response",
                                 f"result {i} lacks the 'input' echo of the submitted variant",
                                 "Check that --server is an Ensembl REST server.")
        for list_key in ("transcript_consequences", "colocated_variants",
                         "intergenic_consequences"):
            value = element.get(list_key)
            if value is not None and not (
                isinstance(value, list) and all(isinstance(x, dict) for x in value)
            ):
                raise UserInputError(url, None, "response",
                                     f"result {i}: '{list_key}' is not a list of objects",
                                     "Check that --server is an Ensembl REST server.")
    return payload


# ---------------------------------------------------------------------------------------------
# REST result -> CSQ
# ---------------------------------------------------------------------------------------------


def escape_value(value: Any) -> str:
    """A CSQ value: None -> empty; VCF/CSQ delimiters percent-encoded (as VEP does)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, (list, tuple)):
        return "&".join(escape_value(v) for v in value)
    return quote(str(value), safe=_ESCAPE_SAFE)


def server_hgvs(value: Any) -> Any:
    """An HGVS string of the answer as VEP wrote it, decoded: VEP's output code percent-encodes ``=`` in every
    format, JSON included (``c.207G>A(p.%3D)``, ``p.Ter463%3D``; not with ``--no_escape``), so
    :func:`escape_value` would otherwise encode the ``%`` again (``%253D``: the synonymous change no longer
    read). HGVS has no ``%`` of its own, so a value the server did not encode is unchanged."""
    return unquote(value) if isinstance(value, str) and "%" in value else value


def _allele_forms(ref: str, alt: str) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """The REF and ALT spellings of a record in VEP's answers: VEP's own (the shared padding base of an
    indel dropped, ``-`` for nothing), then the minimal one. The VCF's untrimmed indel ALT is not one
    (``CAG>C``'s ``C`` is the spelling of an SNV's ALT)."""
    minimal_ref, minimal_alt = vep_minimal_alleles(ref, alt)
    return (tuple(dict.fromkeys((vep_ref_allele(ref, alt), minimal_ref))),
            tuple(dict.fromkeys((vep_allele(ref, alt), minimal_alt))))


_COMPLEMENT = str.maketrans("ACGTNacgtn", "TGCANtgcan")


def _colocated_matches(colocated: Mapping[str, Any], refs: Sequence[str], alts: Sequence[str]) -> bool:
    """A co-located entry of this very variant: VEP gave it frequencies of the ALT (its own allele
    matching), or its allele string has the record's REF first and the ALT among the others. An entry
    without an allele string (COSMIC_MUTATION and other position-level ids) is reported, as VEP does.
    Another variant at the position (an SNV under a deletion, a shorter deletion with the same ``-``)
    is not: its id and minor_allele_freq are not the record's."""
    freqs = colocated.get("frequencies")
    if isinstance(freqs, dict) and any(c in freqs for c in alts):
        return True
    allele_string = colocated.get("allele_string")
    if not isinstance(allele_string, str) or "/" not in allele_string:
        return True  # position-level entries (e.g. COSMIC_MUTATION): VEP reports them too
    alleles = allele_string.split("/")
    if colocated.get("strand") == -1:
        alleles = [a.translate(_COMPLEMENT)[::-1] for a in alleles]
    return alleles[0] in refs and any(a in alleles[1:] for a in alts)


def _own_entries(element: Mapping[str, Any], ref: str, alt: str
                 ) -> Iterator[Tuple[Mapping[str, Any], Mapping[str, Any], Tuple[str, ...]]]:
    """``(co-located entry, its frequencies of the ALT or {}, the ALT's spellings)`` for each co-located
    entry of the record itself (:func:`_colocated_matches`)."""
    refs, alts = _allele_forms(ref, alt)
    for colocated in element.get("colocated_variants") or []:
        if not _colocated_matches(colocated, refs, alts):
            continue
        allele_freqs = colocated.get("frequencies")
        values = next((allele_freqs[c] for c in alts if c in allele_freqs), None) \
            if isinstance(allele_freqs, dict) else None
        yield colocated, values if isinstance(values, dict) else {}, alts


def existing_and_frequencies(element: Mapping[str, Any], ref: str, alt: str
                             ) -> Tuple[List[str], Dict[str, Optional[float]]]:
    """Co-located ids of this ALT allele and its frequency CSQ fields (:data:`FREQUENCY_KEYS`): every
    dataset the answer gives (gnomAD of any release, 1000 Genomes, ESP), the highest value when several
    co-located entries of the allele have one (as the screen reads VEP's ``&``-joined values). 1000
    Genomes' global ``AF`` is ``minor_allele_freq`` when ``minor_allele`` is this ALT (else it is
    another allele's frequency)."""
    ids: Dict[str, None] = {}
    freqs: Dict[str, Optional[float]] = {}

    def note(name: str, value: Any) -> None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            freqs[name] = max(float(value), freqs.get(name, float(value)))

    for colocated, values, alts in _own_entries(element, ref, alt):
        ident = colocated.get("id")
        if ident:
            ids.setdefault(str(ident))
        if colocated.get("minor_allele") in alts:
            note("AF", colocated.get("minor_allele_freq"))
        for key, csq_name in FREQUENCY_KEYS:
            note(csq_name, values.get(key))
    if any(name.startswith("gnomADe_") for name in freqs):
        # gnomAD exomes of two releases: keep the newer (gnomade, v4). The screen reads CSQ gnomAD_* first
        # (VEP --custom short_name=gnomAD), so the older r2.1 values would otherwise decide.
        freqs = {name: value for name, value in freqs.items() if not name.startswith("gnomAD_")}
    return list(ids), freqs


_KNOWN_FREQUENCY_KEYS = frozenset(key for key, _ in FREQUENCY_KEYS)


def unknown_frequency_keys(element: Mapping[str, Any], ref: str, alt: str) -> List[str]:
    """Keys of the record's ``frequencies[<allele>]`` that :data:`FREQUENCY_KEYS` does not map (a
    dataset renamed in a newer release): they are not written, and the run says so."""
    return list(dict.fromkeys(key for _, values, _ in _own_entries(element, ref, alt)
                              for key in values if key not in _KNOWN_FREQUENCY_KEYS))


def unknown_keys_warning(stats: FetchStats) -> str:
    """The run-log warning about frequency keys that were not written ('' when there are none)."""
    if not stats.unknown_frequency_keys:
        return ""
    keys = ", ".join(f"{key} ({n} variant(s))" for key, n in stats.unknown_frequency_keys.most_common())
    return (f"vep_rest: WARNING: the answers hold frequency keys this client does not know: {keys}; they were not "
            "written to CSQ, so those variants are judged by the other frequencies (or novel). A newer Ensembl "
            "release may have renamed a dataset: extend FREQUENCY_KEYS in hlhscreen/vep_rest.py.")


def protein_position(consequence: Mapping[str, Any]) -> str:
    """VEP's CSQ Protein_position from the REST fields: ``91``, ``91-92`` for a span, ``?-92`` or
    ``91-?`` when one end is unknown, empty outside a protein."""
    start, end = consequence.get("protein_start"), consequence.get("protein_end")
    if start is None and end is None:
        return ""
    if start == end:
        return str(start)
    return f"{'?' if start is None else start}-{'?' if end is None else end}"


def _older_mane_select(consequence: Mapping[str, Any]) -> Optional[str]:
    """MANE Select from the ``mane`` key of a transcript consequence without ``mane_select``: releases 96-101
    wrote the MANE Select transcript's RefSeq id there (a string; 102 split it into ``mane_select`` and
    ``mane_plus_clinical``), later ones may write the list of its MANE statuses (``["MANE_Select"]``)."""
    mane = consequence.get("mane")
    if isinstance(mane, str):
        return mane if mane.strip() and mane != "MANE_Plus_Clinical" else None
    if isinstance(mane, (list, tuple)) and "MANE_Select" in mane:
        return consequence.get("transcript_id") or "MANE_Select"
    return None


def csq_entries(element: Mapping[str, Any], ref: str, alt: str) -> List[str]:
    """The CSQ entries (``|``-joined, in :data:`CSQ_FIELDS` order) for one REST result."""
    existing, freqs = existing_and_frequencies(element, ref, alt)
    default_allele = vep_allele(ref, alt)
    shared = {"Existing_variation": "&".join(escape_value(i) for i in existing)}
    for name, value in freqs.items():
        shared[name] = "" if value is None else repr(value)

    rows: List[Dict[str, str]] = []
    for tc in element.get("transcript_consequences") or []:
        mane_select = tc.get("mane_select") or _older_mane_select(tc)
        rows.append({
            "Allele": escape_value(tc.get("variant_allele") or default_allele),
            "Consequence": "&".join(tc.get("consequence_terms") or []),
            "IMPACT": escape_value(tc.get("impact")),
            "SYMBOL": escape_value(tc.get("gene_symbol")),
            "Gene": escape_value(tc.get("gene_id")),
            "Feature_type": "Transcript",
            "Feature": escape_value(tc.get("transcript_id")),
            "BIOTYPE": escape_value(tc.get("biotype")),
            "EXON": escape_value(tc.get("exon")),
            "INTRON": escape_value(tc.get("intron")),
            "HGVSc": escape_value(server_hgvs(tc.get("hgvsc"))),
            "HGVSp": escape_value(server_hgvs(tc.get("hgvsp"))),
            # the synonymous HGVSp is c.N>M(p.=): the screen names the residue from these two
            "Protein_position": escape_value(protein_position(tc)),
            "Amino_acids": escape_value(tc.get("amino_acids")),
            "DISTANCE": escape_value(tc.get("distance")),
            "STRAND": escape_value(tc.get("strand")),
            "CANONICAL": "YES" if tc.get("canonical") in (1, True, "1") else "",
            "MANE_SELECT": escape_value(mane_select),
            "MANE_PLUS_CLINICAL": escape_value(tc.get("mane_plus_clinical")),
            "HGNC_ID": escape_value(normalise_hgnc(tc.get("hgnc_id"))),
        })
    if not rows:
        for ic in element.get("intergenic_consequences") or []:
            rows.append({
                "Allele": escape_value(ic.get("variant_allele") or default_allele),
                "Consequence": "&".join(ic.get("consequence_terms") or ["intergenic_variant"]),
                "IMPACT": escape_value(ic.get("impact") or "MODIFIER"),
            })
    if not rows and (existing or freqs):
        # Nothing overlapping was reported, but frequencies/ids must not be lost.
        rows.append({"Allele": escape_value(default_allele),
                     "Consequence": escape_value(element.get("most_severe_consequence")
                                                 or "intergenic_variant"),
                     "IMPACT": "MODIFIER"})
    out = []
    for row in rows:
        row.update(shared)
        out.append("|".join(row.get(name, "") for name in CSQ_FIELDS))
    return out


def rsids_of(element: Mapping[str, Any], ref: str, alt: str) -> List[str]:
    ids, _ = existing_and_frequencies(element, ref, alt)
    return [i for i in ids if i.startswith("rs") and i[2:].isdigit()]


# ---------------------------------------------------------------------------------------------
# VCF in, VCF out
# ---------------------------------------------------------------------------------------------


def _annotatable(alt: str) -> bool:
    return bool(alt) and alt not in (".", "*") and not alt.startswith("<") and "[" not in alt \
        and "]" not in alt


def _query_variants(path: str) -> Iterator[QueryVariant]:
    import cyvcf2

    header_lines = count_header_lines(path)
    reader = cyvcf2.VCF(path)
    try:
        for ordinal, v in enumerate(reader, start=1):
            alts = [a for a in v.ALT if a not in ("", ".")]
            require_biallelic(path, header_lines + ordinal, v.CHROM, v.POS, alts)
            if alts and _annotatable(alts[0]):
                yield QueryVariant(ensembl_contig(v.CHROM), v.POS, v.REF.upper(), alts[0].upper())
    finally:
        reader.close()


def csq_header_description(server: str) -> str:
    return (f"Consequence annotations from Ensembl VEP via the REST API ({server}{ENDPOINT}, "
            f"{ASSEMBLY}; {REST_CLIENT_MARK}). Format: " + "|".join(CSQ_FIELDS))


def annotate_vcf(input_path: os.PathLike | str, output_path: os.PathLike | str,
                 client: VepRestClient) -> FetchStats:
    """Annotate ``input_path`` into ``output_path`` (``.gz`` -> bgzip + tabix index).

    Pass 1 streams the input and fetches whatever the cache lacks; pass 2 streams it again and
    writes each record with its CSQ from the cache. Memory stays bounded by one batch.
    """
    import cyvcf2
    import pysam

    src = str(input_path)
    probe = cyvcf2.VCF(src)
    try:
        declared = {h.info().get("ID") for h in probe.header_iter()
                    if h.info().get("HeaderType") == "INFO"}
    finally:
        probe.close()
    if "CSQ" in declared:
        raise UserInputError(src, None, "INFO/CSQ", "the input already carries INFO/CSQ",
                             "Give the un-annotated VCF (or drop it: `bcftools annotate -x INFO/CSQ`).")

    stats = client.fetch(_query_variants(src))

    out = Path(output_path)
    compressed = out.name.endswith(".gz")
    index_tmp: Optional[Path] = None
    try:
        with atomic_path(out) as tmp:
            reader = cyvcf2.VCF(src)
            try:
                reader.add_info_to_header({
                    "ID": "CSQ", "Number": ".", "Type": "String",
                    "Description": csq_header_description(client.server),
                })
                reader.add_info_to_header({
                    "ID": NOT_ANNOTATED_TAG, "Number": "1", "Type": "String",
                    "Description": NOT_ANNOTATED_DESCRIPTION,
                })
                options = ",".join(f"{k}={v}" for k, v in sorted(client.options.items()))
                reader.add_to_header(
                    f"##hlhscreen_vep_rest=<server={client.server},endpoint={ENDPOINT},"
                    f"assembly={client.assembly},options=\"{options}\">"
                )
                writer = cyvcf2.Writer(str(tmp), reader, mode="wz" if compressed else "w")
                try:
                    for v in reader:
                        alts = [a for a in v.ALT if a not in ("", ".")]
                        if alts and _annotatable(alts[0]):
                            q = QueryVariant(ensembl_contig(v.CHROM), v.POS, v.REF.upper(),
                                             alts[0].upper())
                            element = client.cached(q)
                            entries = csq_entries(element, q.ref, q.alt) if element is not None else []
                            if element is not None:
                                stats.unknown_frequency_keys.update(unknown_frequency_keys(element, q.ref, q.alt))
                            if entries:
                                v.INFO["CSQ"] = ",".join(entries)
                            else:  # said on the record, so no step takes it for an unannotated input
                                reason = stats.missing.get(q.key, "not_returned")
                                if element is not None:
                                    reason = "no_consequence"
                                    stats.empty += 1
                                    stats.missing[q.key] = reason
                                # whitespace as '_' (as VEP writes it in CSQ), delimiters percent-encoded
                                v.INFO[NOT_ANNOTATED_TAG] = escape_value("_".join(reason.split()))
                            rs = rsids_of(element, q.ref, q.alt) if element is not None else []
                            if rs and not v.ID:
                                v.ID = ";".join(rs)
                        else:
                            stats.skipped += 1
                        writer.write_record(v)
                finally:
                    writer.close()
            finally:
                reader.close()
            if compressed:
                index_tmp = Path(str(tmp) + ".tbi")
                pysam.tabix_index(str(tmp), preset="vcf", force=True, keep_original=True)
        if index_tmp is not None:
            os.replace(index_tmp, Path(str(out) + ".tbi"))
    finally:
        if index_tmp is not None and index_tmp.exists():
            index_tmp.unlink()
    return stats
