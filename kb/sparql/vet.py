"""The quick check of a query text on the request path: no second parser for most queries.

:func:`kb.sparql.safety.check_query` parses every new text with rdflib's grammar (10-30 ms, under a
lock), and Oxigraph parses it again to run it. :func:`vet_query` gives the same verdict for
what must be refused without that parse, so that Oxigraph's parse, when it runs the text, is
the only one:

1. the codepoint escapes are decoded once over the whole text and every line end made a LF
   (:func:`kb.sparql.safety.readable_text`,
   which refuses a text that would decode further); that decoded text is the one checked here
   and the one Oxigraph runs, and it holds no escape any more;
2. **SERVICE**: Oxigraph matches keywords by their ASCII letters in any case, with no word
   boundary (``FROM:g`` and ``SELECTDISTINCT`` are read as keywords), so a SERVICE clause needs
   the letters ``service`` somewhere in the decoded text. A text whose case-folded form holds
   them anywhere (in a string, an IRI or a comment too) gets the full rdflib check: the refusal
   is exact by construction, and only texts naming "service" pay for the parse;
3. the **query form** is the first keyword after the prologue (BASE and PREFIX declarations,
   which hold nothing but IRIs, prefix names and comments); a text whose prologue does not read
   plainly, or whose first keyword is not SELECT, CONSTRUCT, DESCRIBE or ASK (every update form
   and LOAD among them) gets the full check, which refuses updates with 403;
4. **FROM** (dataset selection, not a safety matter: nothing is fetched) is a bare word ``FROM``
   outside strings, IRIs and comments; a text without the letters ``from`` has none. A word that
   only starts with ``from`` (which Oxigraph may read as FROM), ``from`` inside an IRI or a
   long string, or an IRI after the prologue holding ``#`` or ``'`` (a ``<`` that Oxigraph reads
   as less-than would start a comment or a string there, shifting what is text) in a text with
   the letters ``from`` gets the full check.

Syntax errors are found by Oxigraph when the text runs; :func:`explain_syntax_error` then asks
rdflib for its wording (line, column, and 403 for an update), so the client sees what
``check_query`` would have said. Verdicts are remembered per text, like check_query's.
"""
from __future__ import annotations

import re
from functools import lru_cache

from kb.sparql import cost
from kb.sparql.safety import ParsedQuery, QueryRefused, QuerySyntaxError, check_query, readable_text

_FORMS = ("select", "construct", "describe", "ask")
# the statistics of the last texts vetted: how many went the quick way, how many to rdflib
counts = {"quick": 0, "full": 0}


def vet_query(text: str) -> ParsedQuery:
    """What :func:`kb.sparql.safety.check_query` would answer about ``text`` (a refusal exactly so),
    without rdflib's parse unless the text names "service", is not plainly a query, or leaves
    its FROM clauses unclear. Syntax errors surface when Oxigraph runs the text."""
    if not isinstance(text, str) or not text.strip():
        raise QuerySyntaxError("empty query")
    return _vet_cached(text)


@lru_cache(maxsize=1024)
def _vet_cached(text: str) -> ParsedQuery:
    decoded = readable_text(text)
    quick = quick_verdict(decoded)
    if quick is None:
        counts["full"] += 1
        return check_query(text)
    counts["quick"] += 1
    return quick


def _form(tokens: list[tuple[str, str]]) -> tuple[str, int] | None:
    """(query form, index of its keyword) after a plain prologue, or None."""
    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        low = value.lower()
        if kind == "word" and low == "base" and i + 1 < len(tokens) and tokens[i + 1][0] == "iri":
            i += 2
        elif (kind == "word" and low == "prefix" and i + 2 < len(tokens) and tokens[i + 1][0] == "word"
              and tokens[i + 1][1].endswith(":") and tokens[i + 1][1].count(":") == 1 and tokens[i + 2][0] == "iri"):
            i += 3
        elif kind == "word":
            found = [f for f in _FORMS if low.startswith(f)]
            return (found[0], i) if found else None
        else:
            return None
    return None


def quick_verdict(decoded: str) -> ParsedQuery | None:
    """The verdict on an escape-decoded text without a parse, or None when only the full check can say."""
    folded = decoded.casefold()
    if "service" in folded:
        return None
    tokens = cost.tokens(decoded)
    if tokens is None:
        return None
    form = _form(tokens)
    if form is None:
        return None
    kind, start = form
    has_dataset = False
    if "from" in folded:
        for tkind, value in tokens[start:]:
            low = value.lower()
            if "from" not in low:
                continue
            if tkind == "word" and low == "from":
                has_dataset = True
            elif tkind == "word" and low.startswith("from"):
                return None
            elif tkind in ("iri", "long"):
                return None
        if any(t == "iri" and ("#" in v or "'" in v) for t, v in tokens[start:]):
            return None  # read as "<" and a comment or string by Oxigraph, it could hide or show a FROM
    return ParsedQuery(text=decoded, kind=kind, has_dataset_clause=has_dataset, cost=cost.estimate(decoded, tokens))


_POSITION = re.compile(r"error at (\d+):(\d+)")


def explain_syntax_error(text: str, error: QuerySyntaxError) -> QuerySyntaxError | QueryRefused:
    """The error to give for a text Oxigraph could not parse: rdflib's wording when rdflib also
    refuses it (its line and column; 403 for an update), else Oxigraph's own with its position."""
    try:
        check_query(text)
    except (QuerySyntaxError, QueryRefused) as exc:
        return exc
    m = _POSITION.search(error.message)
    line, column = (int(m.group(1)), int(m.group(2))) if m else (error.line, error.column)
    where = f" at line {line}, column {column}" if line is not None else ""
    undeclared = _undeclared_prefixes(readable_text(text))  # rdflib lets these pass; Oxigraph's words do not say it
    if undeclared:
        names = ", ".join(f"'{p}'" for p in undeclared)
        return QuerySyntaxError(f"SPARQL syntax error{where}: undeclared prefix {names} (declare it: PREFIX "
                                f"{undeclared[0]} <...>)", line, column)
    first = error.message.splitlines()[0]
    if len(first) > 200 or first != error.message:  # Oxigraph's list of expected characters: one line, short
        first = first[:160].rsplit(" ", 1)[0] + " ..."
    return QuerySyntaxError(first, line, column)


def _undeclared_prefixes(decoded: str) -> list[str]:
    """Prefixes used in prefixed names (``foo:bar``) that no PREFIX declares."""
    toks = cost.tokens(decoded) or []
    declared, used = set(), []
    for i, (kind, value) in enumerate(toks):
        if kind != "word" or ":" not in value or value.startswith("_:"):
            continue
        prefix = value.split(":", 1)[0] + ":"
        if i and toks[i - 1][0] == "word" and toks[i - 1][1].lower() == "prefix":
            declared.add(prefix)
        elif prefix not in used:
            used.append(prefix)
    return [p for p in used if p not in declared]
