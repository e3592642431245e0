"""A real Virtuoso (Debian's ``virtuoso-opensource``, installed by scripts/install-virtuoso.sh)
for the remote-store tests: the second SPARQL 1.1 server beside ``oxigraph serve``.

One server per test session (a fresh database takes ~10 s to initialise), in a
temporary directory, bound to loopback ports, stopped at exit. Each test gets a
clean store: the graphs of ours are dropped before and after it. The SPARQL
endpoint (``/sparql``) takes queries and updates (the anonymous ``SPARQL`` user
is granted ``SPARQL_UPDATE`` through ``isql-vt``, as Virtuoso's documentation
describes); the Graph Store Protocol is read at ``/sparql-graph-crud``.
"""
from __future__ import annotations

import atexit
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

try:  # tests/ as a package or as a plain directory
    from .conftest_store import free_port, start_server, stop_server
except ImportError:
    from conftest_store import free_port, start_server, stop_server

VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt") or shutil.which("isql")
MISSING = "virtuoso-t not installed: run scripts/install-virtuoso.sh (Debian package virtuoso-opensource)"

INI = """[Database]
DatabaseFile = {d}/v.db
ErrorLogFile = {d}/v.log
LockFile = {d}/v.lck
TransactionFile = {d}/v.trx
xa_persistent_file = {d}/v.pxa
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/v-temp.db
TransactionFile = {d}/v-temp.trx
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
MaxClientConnections = 8
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = .
NumberOfBuffers = 5000
MaxDirtyBuffers = 3000
ThreadsPerQuery = 1
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
ServerThreads = 4
MaxClientConnections = 4
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 4
"""

_LOCK = threading.Lock()
_SERVER: dict = {}


def virtuoso() -> dict:
    """``{"sparql": URL, "gsp": URL}`` of the session's Virtuoso (started on first use)."""
    with _LOCK:
        if _SERVER:
            return _SERVER
        folder = Path(tempfile.mkdtemp(prefix="smpc-virtuoso-"))
        sql, http = free_port(), free_port()
        (folder / "virtuoso.ini").write_text(INI.format(d=folder, sql=sql, http=http))
        proc = start_server([VIRTUOSO, "+foreground", "+configfile", str(folder / "virtuoso.ini")], http,
                            "virtuoso", wait_s=90, cwd=folder, log=folder / "v.log")

        def stop():
            stop_server(proc, wait_s=20)
            shutil.rmtree(folder, ignore_errors=True)

        atexit.register(stop)
        url = f"http://127.0.0.1:{http}"
        subprocess.run([ISQL, f"127.0.0.1:{sql}", "dba", "dba",
                        'exec=GRANT SPARQL_UPDATE TO "SPARQL";'],
                       check=True, timeout=60, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _SERVER.update(sparql=f"{url}/sparql", gsp=f"{url}/sparql-graph-crud")
        return _SERVER


def clear(store) -> None:
    """Drop every graph of ours (the server's own graphs stay)."""
    for g in store.graphs():
        store.remove_graph(g)
