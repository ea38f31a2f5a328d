#!/usr/bin/env python3
"""Annotate a split, normalised GRCh38 VCF with the Ensembl REST VEP endpoint.

Writes the VCF with a VEP-style INFO/CSQ (read by hlhscreen.annotation) and rsIDs in the ID
column. Answers are cached on disk, so a rerun asks the server nothing it asked before.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional

from hlhscreen.errors import UserInputError, run_cli
from hlhscreen.vep_rest import (
    DEFAULT_SERVER,
    MAX_BATCH,
    NOT_ANNOTATED_TAG,
    ResponseCache,
    RetryPolicy,
    VepRestClient,
    annotate_vcf,
    default_cache_dir,
    unknown_keys_warning,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vep_rest.py",
        description="Annotate a VCF through the Ensembl REST VEP endpoint "
        "(POST /vep/homo_sapiens/region, GRCh38).",
    )
    parser.add_argument("--input", "-i", required=True, help="input VCF (multi-allelics split)")
    parser.add_argument("--output", "-o", required=True,
                        help="output VCF; a name ending in .gz is bgzipped and tabix-indexed")
    parser.add_argument("--server", default=DEFAULT_SERVER,
                        help=f"Ensembl REST server (default {DEFAULT_SERVER})")
    parser.add_argument("--cache-dir", default=None,
                        help="directory of the response cache (default $HLHSCREEN_CACHE_DIR/"
                        "vep_rest, else ~/.cache/hlhscreen/vep_rest)")
    parser.add_argument("--batch-size", type=int, default=MAX_BATCH,
                        help=f"variants per request, at most {MAX_BATCH} (default {MAX_BATCH})")
    parser.add_argument("--max-attempts", type=int, default=5,
                        help="attempts per batch before giving up (default 5)")
    parser.add_argument("--base-delay", type=float, default=1.0,
                        help="first backoff delay in seconds, doubled each retry (default 1)")
    parser.add_argument("--max-delay", type=float, default=60.0,
                        help="cap on the backoff delay in seconds (default 60)")
    parser.add_argument("--max-retry-after", type=float, default=600.0,
                        help="longest HTTP 429 Retry-After wait accepted, seconds (default 600)")
    parser.add_argument("--connect-timeout", type=float, default=10.0,
                        help="seconds to wait for a connection (default 10)")
    parser.add_argument("--read-timeout", type=float, default=120.0,
                        help="seconds to wait for an answer (default 120)")
    return parser


def main(argv: Optional[list] = None) -> int:
    args = build_parser().parse_args(argv)
    if not os.path.exists(args.input):
        raise UserInputError(args.input, None, "--input", "file not found",
                             "Give the path of the VCF to annotate.")
    retry = RetryPolicy(
        max_attempts=args.max_attempts,
        base_delay=args.base_delay,
        max_delay=args.max_delay,
        max_retry_after=args.max_retry_after,
        connect_timeout=args.connect_timeout,
        read_timeout=args.read_timeout,
    )
    cache = ResponseCache(args.cache_dir or default_cache_dir())
    try:
        client = VepRestClient(args.server, cache=cache, batch_size=args.batch_size, retry=retry)
        stats = annotate_vcf(args.input, args.output, client)
    finally:
        cache.close()
    print(
        f"vep_rest: {stats.variants} variants: {stats.cached} from cache "
        f"({cache.path}), {stats.fetched} fetched in {stats.requests} request(s), "
        f"{stats.not_returned} not returned by the server, {stats.skipped} records not sent "
        "(no ALT, '*' or symbolic)",
        file=sys.stderr,
    )
    for count, prefix, what in (
        (stats.not_returned, "not_returned", "the server returned no result for"),
        (stats.rejected, "rejected", "the server refused (HTTP 400, asked alone)"),
        (stats.empty, "no_consequence", "the server returned no consequence for"),
    ):
        if count:
            print(
                f"vep_rest: WARNING: {what} {count} variant(s) (e.g. {', '.join(stats.examples(prefix))}); "
                f"they are written without CSQ, marked INFO/{NOT_ANNOTATED_TAG}={prefix}, and SCREEN treats them "
                "as not_annotated (their carriers not assessable for the gene); the first two are asked again on "
                "a rerun",
                file=sys.stderr,
            )
    warning = unknown_keys_warning(stats)
    if warning:
        print(warning, file=sys.stderr)
    return 0


if __name__ == "__main__":
    run_cli(main)
