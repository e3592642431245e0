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
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def virtuoso() -> dict:
    """``{"sparql": URL, "gsp": URL}`` of the session's Virtuoso (started on first use)."""
    with _LOCK:
        if _SERVER:
            return _SERVER
        folder = Path(tempfile.mkdtemp(prefix="smpc-virtuoso-"))
        sql, http = _free_port(), _free_port()
        (folder / "virtuoso.ini").write_text(INI.format(d=folder, sql=sql, http=http))
        proc = subprocess.Popen([VIRTUOSO, "+foreground", "+configfile", str(folder / "virtuoso.ini")],
                                cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)

        def stop():
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
            shutil.rmtree(folder, ignore_errors=True)

        atexit.register(stop)
        deadline = time.monotonic() + 90
        url = f"http://127.0.0.1:{http}"
        while True:
            try:
                socket.create_connection(("127.0.0.1", http), 0.3).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log = (folder / "v.log").read_text(errors="replace")[-500:] if (folder / "v.log").exists() else ""
                    raise RuntimeError(f"virtuoso did not start: {log}")
                time.sleep(0.2)
        subprocess.run([ISQL, f"127.0.0.1:{sql}", "dba", "dba",
                        'exec=GRANT SPARQL_UPDATE TO "SPARQL";'],
                       check=True, timeout=60, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _SERVER.update(sparql=f"{url}/sparql", gsp=f"{url}/sparql-graph-crud")
        return _SERVER


def clear(store) -> None:
    """Drop every graph of ours (the server's own graphs stay)."""
    for g in store.graphs():
        store.remove_graph(g)
