"""A static cost class for a SPARQL query: "heavy" when its text alone shows a likely runaway.

The query workers (:mod:`kb.sparql_worker`) run heavy queries in a lane of their own that never
takes the last free worker, so a burst of runaways cannot make a cheap query wait or be shed.
The estimate reads the parse tree the safety check already built (no second parse) and
looks only at shapes that make an engine enumerate the whole store:

* two or more *unanchored* triple patterns (subject, predicate and object all variables or
  blank nodes; a ``*``/``+`` path between two variables counts as one), e.g. ``?a ?b ?c . ?d ?e ?f``;
* a block of triple patterns that falls apart into groups sharing no variable: a cross product,
  whose size is the product of the groups' sizes.

It errs towards "light": a query it cannot read is light, and a light query that turns out to
be a runaway is stopped by the time limit and preemption as before (the pool then remembers the
text as heavy). Being heavy is not a refusal; it only bounds how many such queries run at once.
"""
from __future__ import annotations

from rdflib.term import BNode, Variable

HEAVY = "heavy"
LIGHT = "light"


def _is_var(term) -> bool:
    return isinstance(term, (Variable, BNode))


def _path_mods(node) -> set[str]:
    """The ``*``/``+``/``?`` modifiers anywhere in a property path parse node."""
    mods: set[str] = set()
    todo = [node]
    while todo:
        n = todo.pop()
        name = getattr(n, "name", None)
        if name is None:
            if isinstance(n, (list, tuple)) or type(n).__name__ == "ParseResults":
                todo.extend(n)
            continue
        mod = dict.get(n, "mod")
        if isinstance(mod, str):
            mods.add(mod)
        todo.extend(v for v in n.values())
    return mods


def _unanchored(s, p, o) -> bool:
    if not (_is_var(s) and _is_var(o)):
        return False
    if _is_var(p):
        return True
    return bool(getattr(p, "name", None)) and bool(_path_mods(p) & {"*", "+"})


def _patterns(block) -> list[tuple]:
    out: list[tuple] = []
    for same_subject in dict.get(block, "triples") or []:
        terms = list(same_subject)
        out.extend(tuple(terms[i:i + 3]) for i in range(0, len(terms) - 2, 3))
    return out


def _subtree_blocks(node) -> list:
    """The TriplesBlock nodes anywhere below ``node``."""
    out, todo, seen = [], [node], set()
    while todo:
        n = todo.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if getattr(n, "name", None) == "TriplesBlock":
            out.append(n)
        if isinstance(n, dict):
            todo.extend(n.values())
        elif isinstance(n, (list, tuple)) or type(n).__name__ == "ParseResults":
            todo.extend(n)
    return out


def _graph_vars(nodes) -> dict[int, set]:
    """For each TriplesBlock inside ``GRAPH ?g { ... }``: the graph variables that join its patterns."""
    out: dict[int, set] = {}
    for node in nodes:
        if node.name == "GraphGraphPattern" and _is_var(dict.get(node, "term")):
            for block in _subtree_blocks(dict.get(node, "graph")):
                out.setdefault(id(block), set()).add(node["term"])
    return out


def _components(patterns: list[tuple], shared: set) -> int:
    """How many groups of patterns share no variable with each other (union-find over variables);
    the ``shared`` variables (an enclosing GRAPH's name) are in every pattern."""
    parent = list(range(len(patterns)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict = {}
    for i, pattern in enumerate(patterns):
        for term in (*pattern, *shared):
            if _is_var(term):
                if term in owner:
                    parent[find(i)] = find(owner[term])
                else:
                    owner[term] = i
    return len({find(i) for i in range(len(patterns))})


def estimate(nodes) -> str:
    """HEAVY or LIGHT for a query, from the parse-tree nodes (``CompValue``s) of its text."""
    unanchored = 0
    try:
        nodes = list(nodes)
        in_graph = _graph_vars(nodes)
        for node in nodes:
            if node.name != "TriplesBlock":
                continue
            patterns = _patterns(node)
            unanchored += sum(_unanchored(*p) for p in patterns)
            if unanchored >= 2 or _components(patterns, in_graph.get(id(node), set())) >= 2:
                return HEAVY
    except Exception:  # an unusual tree: do not guess heavy
        return LIGHT
    return LIGHT
