"""The search backends and the default one (declared here once; no search library is imported,
so the settings of the web app and the CLI can name them cheaply)."""
from __future__ import annotations

BACKENDS = ("whoosh", "tantivy")
DEFAULT_BACKEND = "tantivy"  # by measurement: README "Performance at many versions"
BACKEND_HELP = ("Search backend: whoosh or tantivy. Both index the same passages with the same analysis and "
                "answer alike; tantivy's search time does not grow with the stored versions (README "
                "'Performance at many versions' has both backends' figures). Each keeps its own index "
                "under the index directory, built from the store when missing.")
