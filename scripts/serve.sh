#!/usr/bin/env bash
# Install smpc-kb and serve the bundled label: bash scripts/serve.sh [kb serve options]
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet -e .
exec .venv/bin/kb serve "$@"
