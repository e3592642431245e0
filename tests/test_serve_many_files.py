"""Regression: `kb serve` kept answering only while its file descriptors stayed below 1024.

waitress's default select() loop raised 'filedescriptor out of range in select()' once a
1,000-version search index had many segment files open; the server now polls instead."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

CODE = """
import resource, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
hold = [open("/dev/null") for _ in range(1100)]   # the way a large index pushes descriptors up
from cli import main
sys.argv = ["kb", "--store", sys.argv[1], "serve", "--port", sys.argv[2], "--no-ingest"]
main()
"""


def test_server_answers_with_descriptors_above_1024(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", CODE, str(tmp_path / "store"), str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/labels", timeout=5) as r:
                    status = r.status
                    break
            except OSError:
                time.sleep(0.3)
        assert status == 200, proc.stderr.read() if proc.poll() is not None else "no answer"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()
