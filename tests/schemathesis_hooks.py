"""Schemathesis hooks for tests/test_openapi_schemathesis.py (loaded through SCHEMATHESIS_HOOKS).

``application/sparql-query`` (a POST body that is the query itself, SPARQL 1.1 Protocol 2.1.3)
is sent as UTF-8 text, as ``text/plain`` is.
"""
import schemathesis

schemathesis.serializer.alias("application/sparql-query", "text/plain")
