#!/bin/sh
# Install what the browser tests (tests/test_browser*.py, marker `browser`) need:
# Debian's Chromium and its driver (no download by Selenium Manager), and the
# selenium client library into the project's virtual environment.
# Usage (as root, or with sudo): scripts/install-browser.sh [path/to/venv]
set -eu
VENV="${1:-.venv}"
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver
fi
"$VENV/bin/pip" install "selenium>=4.20"
chromium --version
chromedriver --version
