#!/usr/bin/env bash
# Install smpc-kb (first start, or when pyproject.toml changed) and serve the bundled labels.
#   bash scripts/serve.sh [kb serve options, e.g. --port 8080]
# Environment: PYTHON (interpreter for the venv, default python3), KB_PORT / KB_HOST
# (what `kb serve` listens on), KB_STORE (store location; default the per-user data dir).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
. scripts/install-lib.sh
ensure_installed .
exec .venv/bin/kb serve "$@"
