#!/bin/sh
# Install the second SPARQL 1.1 server the remote-store tests run against
# (tests/virtuoso_support.py): Debian's OpenLink Virtuoso (package
# virtuoso-opensource, ~60 MB, about 20 s). Nothing is started or enabled:
# the tests start their own server on loopback ports in a temporary directory.
# Usage (as root, or with sudo): scripts/install-virtuoso.sh
set -eu
if ! command -v virtuoso-t >/dev/null 2>&1 || ! command -v isql-vt >/dev/null 2>&1; then
    if ! apt-cache policy virtuoso-opensource 2>/dev/null | grep -q 'Candidate: [0-9]'; then
        apt-get update
    fi
    # policy-rc.d: the package must not start a system-wide server on port 8890 (101 = action not allowed)
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.smpc-kb
    chmod +x /usr/sbin/policy-rc.d.smpc-kb
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        cp /usr/sbin/policy-rc.d.smpc-kb /usr/sbin/policy-rc.d
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    rm -f /usr/sbin/policy-rc.d.smpc-kb
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends virtuoso-opensource
fi
virtuoso-t -? 2>&1 | head -n 2 || true
