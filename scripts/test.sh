#!/usr/bin/env bash
# Install everything the tests need on a fresh machine and run them.
#   bash scripts/test.sh [pytest args...]
# Creates .venv (if absent), installs smpc-kb with its test extras, installs
# Debian's Chromium + ChromeDriver for the browser tests (scripts/install-browser.sh;
# needs root or sudo), then runs the whole suite. The oxigraph server used by the
# remote-store tests comes from the `oxigraph` PyPI package, installed with the project;
# the second SPARQL server they run against, Virtuoso, from Debian (scripts/install-virtuoso.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
. scripts/install-lib.sh
ensure_installed '.[test]'
if [ "$(id -u)" = "0" ]; then
    sh scripts/install-browser.sh .venv
    sh scripts/install-virtuoso.sh
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo sh scripts/install-browser.sh .venv
    sudo sh scripts/install-virtuoso.sh
else
    echo "note: not root; browser tests need Debian's chromium and chromium-driver (scripts/install-browser.sh)" >&2
    echo "note: not root; the Virtuoso store tests need Debian's virtuoso-opensource (scripts/install-virtuoso.sh)" >&2
fi
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"
