"""Take the network away from a query worker process (defence in depth against SERVICE).

pyoxigraph 0.5 evaluates ``SERVICE <url>`` by sending an HTTP request and offers
no option to switch that off (``Store.query`` has no service handler or HTTP
setting).  :mod:`kb.sparql.safety` refuses SERVICE before a query reaches the engine;
in addition, each query worker moves itself into a new, empty network namespace
at start (Linux ``unshare``), where not even loopback is up, so a query that got
past the check could still not connect anywhere.  Where the kernel does not allow
it (no user namespaces, not Linux) the worker runs as before and says so once on
stderr; the check in kb.sparql.safety is the guarantee, this is the backstop.
"""
from __future__ import annotations

import os
import sys

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


def no_network() -> bool:
    """Leave every network of this (still single-threaded) process; True when done."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        uid, gid = os.getuid(), os.getgid()
        for flags in (CLONE_NEWNET, CLONE_NEWUSER | CLONE_NEWNET):  # root: the first; others: the second
            if libc.unshare(flags) == 0:
                if flags & CLONE_NEWUSER:
                    _map_self(uid, gid)
                return True
    except (OSError, AttributeError):
        pass
    print("smpc-kb query worker: no network namespace available; relying on the SERVICE check",
          file=sys.stderr)
    return False


def _map_self(uid: int, gid: int) -> None:
    """In the new user namespace, stay the same user (files are read and created as before)."""
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        try:
            with open(f"/proc/self/{name}", "w") as f:
                f.write(text)
        except OSError:
            pass
