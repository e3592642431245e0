"""A static cost class for a SPARQL query: "heavy" when its text alone shows a likely runaway.

The query workers (:mod:`kb.sparql.workers`) run heavy queries in a lane of their own that never
takes the last free worker, so a burst of runaways cannot make a cheap query wait or be shed.
The estimate reads the tokens of the (escape-decoded) text, no parse, and looks only at shapes
that make an engine enumerate the whole store:

* two or more *unanchored* triple patterns (subject, predicate and object all variables or
  blank nodes, e.g. ``?a ?b ?c . ?d ?e ?f``; a ``*``/``+`` path between two variables counts
  as one);
* a group whose triple patterns fall apart into sets sharing no variable: a cross product,
  whose size is the product of the sets' sizes (the variable of an enclosing ``GRAPH ?g``
  joins every pattern inside it).

It errs towards "light": a text it cannot read is light, and a light query that turns out to be
a runaway is stopped by the time limit and preemption as before (the pool then remembers the
text as heavy). Being heavy is not a refusal; it only bounds how many such queries run at once.
"""
from __future__ import annotations

import re

HEAVY = "heavy"
LIGHT = "light"

_TOKEN_KINDS = (  # every token kind but white space and comments
    r'(?P<long>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\')'
    r'|(?P<string>"(?:[^"\\\n\r]|\\.)*"|\'(?:[^\'\\\n\r]|\\.)*\')'
    r'|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'
    r'|(?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)'
    r'|(?P<word>[\w:.%\-\u00B7-\U0010FFFF]+)'
    r'|(?P<quote>["\'])'
    r'|(?P<other>.)')
TOKEN = re.compile(r'(?P<ws>\s+)|(?P<comment>#[^\n\r]*)|' + _TOKEN_KINDS, re.S)


# TOKEN with the white space and comments before each token taken in the same match (one match per
# token, not two; ``\Z``: only white space and comments were left); the same tokens as TOKEN gives
_SKIP_TO_TOKEN = re.compile(r'(?:\s+|#[^\n\r]*)*(?:' + _TOKEN_KINDS + r'|\Z)', re.S)


def tokens(decoded: str) -> list[tuple[str, str]] | None:
    """(kind, text) of every token but white space and comments; None for an unclosed quote."""
    out = []
    for m in _SKIP_TO_TOKEN.finditer(decoded):
        kind = m.lastgroup
        if kind is None:  # the end
            break
        if kind == "quote":
            return None
        out.append((kind, m.group(kind)))
    return out


def blank_lateral(decoded: str) -> str:
    """``decoded`` with each bare ``LATERAL`` keyword (SPARQL 1.2, which Oxigraph runs and rdflib's
    grammar does not know) replaced by as many spaces, for rdflib's parse only: ``LATERAL { P }``
    reads as the group ``{ P }``, whose content rdflib checks like any other (SERVICE inside is
    still refused), and every other character keeps its line and column. Only a word that is
    exactly LATERAL is blanked, so no other keyword can be made or unmade."""
    if "lateral" not in decoded.lower():
        return decoded
    out, last = [], 0
    for m in TOKEN.finditer(decoded):
        if m.lastgroup == "word" and m.group().lower() == "lateral":
            out.append(decoded[last:m.start()] + " " * len(m.group()))
            last = m.end()
    out.append(decoded[last:])
    return "".join(out)


# a statement of a group that starts with one of these is not a triple pattern
_NOT_TRIPLES = {"optional", "filter", "bind", "values", "graph", "minus", "union", "service", "select",
                "construct", "describe", "ask", "where", "from", "prefix", "base", "order", "group",
                "having", "limit", "offset", "not", "exists", "lateral"}


def _is_node_var(tok: tuple[str, str]) -> bool:
    kind, text = tok
    return kind == "var" or (kind == "word" and text.startswith("_:"))


class _Group:
    def __init__(self, graph_var: str | None):
        self.graph_var = graph_var
        self.statements: list[list[tuple[str, str]]] = [[]]


def _separated(toks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The tokens with a statement's closing "." on its own (the word pattern takes "x:p." whole;
    a prefixed name cannot end with a dot, so a trailing dot is always the separator)."""
    out: list[tuple[str, str]] = []
    for kind, text in toks:
        if kind == "word" and text.endswith(".") and text != ".":
            out += [("word", text.rstrip(".")), ("other", ".")]
        elif kind == "word" and text == ".":
            out.append(("other", "."))
        else:
            out.append((kind, text))
    return out


def _groups(toks: list[tuple[str, str]]) -> list[_Group]:
    """The ``{ ... }`` groups, each as its statements at its own depth (nested groups left out)."""
    done: list[_Group] = []
    stack: list[_Group] = []
    toks = _separated(toks)
    for i, tok in enumerate(toks):
        kind, text = tok
        if kind == "other" and text == "{":
            graph_var = None
            if i >= 2 and toks[i - 2][0] == "word" and toks[i - 2][1].lower() == "graph" and toks[i - 1][0] == "var":
                graph_var = toks[i - 1][1]
            elif stack:
                graph_var = stack[-1].graph_var
            if stack:
                stack[-1].statements.append([])  # what follows a nested group is a new statement
            stack.append(_Group(graph_var))
        elif kind == "other" and text == "}":
            if stack:
                done.append(stack.pop())
        elif stack:
            group = stack[-1]
            if kind == "other" and text == ".":
                group.statements.append([])
                continue
            current = group.statements[-1]
            current.append(tok)
            if text == ")" and current[0][0] == "word" and current[0][1].lower() in ("filter", "bind"):
                depth = sum(t == ("other", "(") for t in current) - sum(t == ("other", ")") for t in current)
                if depth == 0:  # FILTER (...) and BIND (...) end at their parenthesis, "." or not
                    group.statements.append([])
    return done


def _triples(statement: list[tuple[str, str]]) -> bool:
    return bool(statement) and not (statement[0][0] == "word" and statement[0][1].lower() in _NOT_TRIPLES)


def _unanchored(statement: list[tuple[str, str]]) -> int:
    """Patterns of one statement with nothing but variables (subject, predicate, object)."""
    n = 1 if len(statement) >= 3 and all(_is_node_var(t) for t in statement[:3]) else 0
    for j in range(2, len(statement) - 1):  # a closure path between variables: ?a x:p* ?b
        if statement[j] in (("other", "*"), ("other", "+")) and statement[j - 1][0] in ("word", "iri") \
                and _is_node_var(statement[j - 2]) and _is_node_var(statement[j + 1]):
            n += 1
    return n


def _components(statements: list[list[tuple[str, str]]], graph_var: str | None) -> int:
    """How many sets of statements share no variable (union-find over variables)."""
    parent = list(range(len(statements)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, statement in enumerate(statements):
        names = {t[1] for t in statement if _is_node_var(t)} | ({graph_var} if graph_var else set())
        for name in names:
            if name in owner:
                parent[find(i)] = find(owner[name])
            else:
                owner[name] = i
    return len({find(i) for i in range(len(statements))})


def estimate(decoded: str, toks: list[tuple[str, str]] | None = None) -> str:
    """HEAVY or LIGHT for an escape-decoded query text (``toks``: its :func:`tokens`, if at hand)."""
    try:
        toks = tokens(decoded) if toks is None else toks
        if toks is None:
            return LIGHT
        unanchored = 0
        for group in _groups(toks):
            # a statement without a variable (a fixed triple, a keyword before a group) multiplies nothing
            patterns = [s for s in group.statements if _triples(s) and any(_is_node_var(t) for t in s)]
            unanchored += sum(_unanchored(s) for s in patterns)
            if unanchored >= 2 or (len(patterns) >= 2 and _components(patterns, group.graph_var) >= 2):
                return HEAVY
    except Exception:  # an unusual text: do not guess heavy
        return LIGHT
    return LIGHT
