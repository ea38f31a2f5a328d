#!/usr/bin/env bash
# Install nf-core/tools (version pinned in requirements-lint.txt) into its own venv, .tools/nf-core,
# and print the path of its nf-core command. Idempotent: an existing venv with the pinned version is
# kept. PyPI is the only network access (lint itself runs offline: .nf-core.yml, tests/test_nfcore.py).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="$repo/.tools/nf-core"
pin="$(sed -n 's/^nf-core==\([^ #]*\).*/\1/p' "$repo/requirements-lint.txt")"
[[ -n "$pin" ]] || { echo "install_nfcore.sh: requirements-lint.txt pins no nf-core==<version>" >&2; exit 1; }
if [[ ! -x "$venv/bin/nf-core" ]] || [[ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("nf-core"))' 2>/dev/null)" != "$pin" ]]; then
    "${PYTHON:-python3}" -m venv --clear "$venv" >&2
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$repo/requirements-lint.txt" >&2
fi
echo "$venv/bin/nf-core"
