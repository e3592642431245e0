"""Every setting of the web app, declared once: name, default, type and help.

Precedence: the defaults below -> the instance file (``<instance>/settings.json``
or the ``instance_file`` path given to :func:`load`) -> ``KB_<NAME>`` environment
variables -> ``test_config`` passed to :func:`web.create_app`.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from kb.search.backends import BACKEND_HELP, BACKENDS, DEFAULT_BACKEND


def _bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    return str(v).strip().lower() in ("1", "true", "yes", "on")


def _opt_str(v: Any) -> str | None:
    return None if v in (None, "") else str(v)


def _choice(v: Any, allowed: tuple[str, ...]) -> str:
    v = str(v).strip().lower()
    if v not in allowed:
        raise ValueError(f"{v!r} is not one of: {', '.join(allowed)}")
    return v


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    parse: Callable[[Any], Any]
    help: str

    @property
    def env(self) -> str:
        return f"KB_{self.name}"


SETTINGS: tuple[Setting, ...] = (
    Setting("STORE", None, _opt_str, "Store location: a directory (embedded Oxigraph) or an http(s) SPARQL endpoint. "
            "Default: the per-user data directory, as for the CLI."),
    Setting("STORE_UPDATE", None, _opt_str, "A remote store's SPARQL update endpoint when it is not STORE "
            "(STORE http://host:port = Oxigraph's layout; STORE http://host/sparql = one URL for both)."),
    Setting("STORE_GRAPHS", None, _opt_str, "A remote store's Graph Store Protocol endpoint (optional)."),
    Setting("STORE_TIMEOUT_S", 60.0, float, "Give up on a remote store that has not answered within this time."),
    Setting("INDEX_DIR", None, _opt_str, "Search index directory (default: <store>/search-index)."),
    Setting("INGEST_DEFAULT", True, _bool, "Ingest the bundled default label when the store holds no label."),
    Setting("STORE_HOLD", True, _bool, "Keep the store directory open while serving (fast: ~1 ms per store read). "
            "Set 0 to open it per request and release it when idle, so `kb ingest` in another process can write "
            "(each request then pays ~50 ms to reopen it)."),
    Setting("QUERY_TIMEOUT_S", 10.0, float, "Time limit of one SPARQL query on /sparql, in seconds."),
    Setting("QUERY_WORKERS", 2, int, "Worker processes that run /sparql queries (each can be stopped at its time "
            "or memory limit)."),
    Setting("QUERY_WAIT_S", 2.0, float, "Longest wait, in seconds, for a free query worker; then /sparql answers 503 "
            "with Retry-After (at most QUERY_WORKERS requests wait at once; more get the 503 at once)."),
    Setting("QUERY_MEMORY_MB", 512.0, float, "Memory a query worker may use, in MB; a query that needs more is "
            "stopped with 413 and the worker is replaced."),
    Setting("MAX_ROWS", 10000, int, "Largest SPARQL result (rows or triples) /sparql returns; larger ones are refused."),
    Setting("MAX_QUERY_CHARS", 20000, int, "Longest SPARQL query text accepted on /sparql."),
    Setting("PAGE_SIZE", 10, int, "Search results per page."),
    Setting("SEARCH_BACKEND", DEFAULT_BACKEND, lambda v: _choice(v, BACKENDS), BACKEND_HELP),
    Setting("CORS_ORIGINS", "*", str, "Origins allowed to call /sparql and /api from a browser (comma-separated, or *)."),
    Setting("LOG_REQUESTS", True, _bool, "Log one line per request (method, path, status, bytes, milliseconds)."),
    Setting("QUERIES_DIR", None, _opt_str, "Directory of example SPARQL queries (*.rq) for the SPARQL page "
            "(default: the project's docs/queries)."),
)


def defaults() -> dict[str, Any]:
    return {s.name: s.default for s in SETTINGS}


def load(instance_path: str | Path | None, environ: dict | None = None, instance_file: str | Path | None = None) -> dict:
    """Settings from defaults, then the instance JSON file, then KB_* environment variables."""
    env = os.environ if environ is None else environ
    out = defaults()
    path = Path(instance_file) if instance_file else (Path(instance_path) / "settings.json" if instance_path else None)
    if path is not None and path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
        for s in SETTINGS:
            if s.name in data:
                out[s.name] = s.parse(data[s.name])
    for s in SETTINGS:
        if s.env in env:
            out[s.name] = s.parse(env[s.env])
    return out


def describe() -> str:
    """Help text of every setting (for docs and ``kb serve --help``)."""
    return "\n".join(f"{s.env} (default {s.default!r}): {s.help}" for s in SETTINGS)
