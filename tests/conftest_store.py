"""Helpers for the store tests (imported by test_store*.py; not a pytest conftest).

``oxigraph_server`` starts a real ``oxigraph serve`` on a free loopback port,
using the executable next to ``sys.executable``, and always stops it;
``start_server``/``stop_server`` are the one way a test starts a server process
(tests/virtuoso_support.py uses them for Virtuoso).
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from kb.rdf.base import SMPC, label_iri

OXIGRAPH = os.path.join(os.path.dirname(sys.executable), "oxigraph")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """Linux: the server gets SIGKILL if the test process dies before its teardown runs."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def start_server(argv: list[str], port: int, what: str, wait_s: float = 20, cwd=None, log=None) -> subprocess.Popen:
    """Start a server process and wait until ``port`` on loopback accepts connections.

    The process dies with the test process (Linux); if it exits or the port stays closed for
    ``wait_s`` it is stopped and RuntimeError names ``what`` (with the tail of ``log``, a path, if any).
    """
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 0.3).close()
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop_server(proc)
                tail = ""
                if log is not None and os.path.exists(log):
                    with open(log, errors="replace") as f:
                        tail = f.read()[-500:]
                raise RuntimeError(f"{what} did not start{': ' + tail if tail else ''}")
            time.sleep(0.05)


def stop_server(proc: subprocess.Popen, wait_s: float = 10) -> None:
    proc.terminate()
    try:
        proc.wait(wait_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


@contextlib.contextmanager
def oxigraph_server(location, *extra: str):
    port = free_port()
    proc = start_server([OXIGRAPH, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}", *extra],
                        port, "oxigraph serve")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(proc)


def label_graph(label: str, version: str, n: int = 5, tag: str = "") -> tuple[str, Graph]:
    """A small label-like graph: ``n`` warnings with text and an age, under its version IRI."""
    root = label_iri(label, version)
    g = Graph(identifier=root)
    g.add((root, RDF.type, SMPC.LabelVersion))
    g.add((root, SMPC.version, Literal(version)))
    for i in range(n):
        w = URIRef(f"{root}/warning/{i}")
        g.add((root, SMPC.hasWarning, w))
        g.add((w, RDF.type, SMPC.Warning))
        g.add((w, SMPC.text, Literal(f"{tag}warning {i} of {label} {version}: monitor liver function")))
        g.add((w, SMPC.minAge, Literal(i, datatype=XSD.integer)))
    return str(root), g


def count(store, where: str = "?s ?p ?o", **kw) -> int:
    r = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}", **kw)
    return int(r.rows[0]["n"])
