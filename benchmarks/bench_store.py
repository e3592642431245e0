"""Store benchmark: load N label versions into a LocalStore and time competency queries.

    .venv/bin/python benchmarks/bench_store.py --versions 1000 [--rdflib-versions 50]

Prints load time, disk size, median/p95 of two competency queries in Oxigraph
(and the same queries in rdflib's in-memory engine over fewer versions), and the
overhead of the timeout worker path against in-process for a small query.
The label graph is synthetic (~1,500 triples, shaped like kb/rdf/base.py output).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from rdflib import Dataset, Graph, Literal, URIRef  # noqa: E402
from rdflib.namespace import PROV, RDF, XSD  # noqa: E402

from kb.rdf.base import SCHEMA, SMPC, label_iri  # noqa: E402
from kb.store.local import LocalStore  # noqa: E402

PH = ["Philadelphia chromosome-positive", "Philadelphia chromosome-negative", None]
WARN = ["neurological events", "cytokine release syndrome", "infections", "tumour lysis syndrome",
        "neutropenia", "elevated liver enzymes", "pancreatitis", "leukoencephalopathy"]


def label_version(n: int) -> tuple[str, Graph]:
    label, version = f"drug-{n // 4}", f"{n % 4 + 1}.0"
    root = label_iri(label, version)
    g = Graph(identifier=root)
    add = g.add
    add((root, RDF.type, SMPC.LabelVersion))
    add((root, SMPC.version, Literal(version)))
    span_no = 0

    def span(node, section, text):
        nonlocal span_no
        span_no += 1
        sp = URIRef(f"{root}/span/{span_no}")
        add((sp, RDF.type, SMPC.TextSpan))
        add((sp, SMPC.inSection, URIRef(f"{root}/section/{section}")))
        add((sp, SMPC.startLine, Literal(span_no * 3, datatype=XSD.integer)))
        add((sp, SMPC.endLine, Literal(span_no * 3 + 2, datatype=XSD.integer)))
        add((sp, SMPC.startChar, Literal(span_no * 100, datatype=XSD.integer)))
        add((sp, SMPC.endChar, Literal(span_no * 100 + 80, datatype=XSD.integer)))
        add((sp, SMPC.quote, Literal(text)))
        add((sp, SMPC.derivation, Literal("stated")))
        add((node, PROV.wasDerivedFrom, sp))

    def quantity(node, prop, name, value=None, low=None, high=None, unit="a"):
        q = URIRef(f"{node}/q/{name}")
        add((node, prop, q))
        add((q, RDF.type, SMPC.Quantity))
        for p, v in ((SCHEMA.value, value), (SCHEMA.minValue, low), (SCHEMA.maxValue, high)):
            if v is not None:
                add((q, p, Literal(str(v), datatype=XSD.decimal)))
        add((q, SCHEMA.unitCode, Literal(unit)))

    for key in ["1", "2", "4.1", "4.2", "4.3", "4.4", "4.5", "4.8", "5.1", "6.1"]:
        sec = URIRef(f"{root}/section/{key}")
        add((sec, RDF.type, SMPC.Section))
        add((sec, SMPC.sectionNumber, Literal(key)))
        add((root, SMPC.hasSection, sec))
    for i in range(12):  # indications with populations
        ind = URIRef(f"{root}/indication/{i}")
        pop = URIRef(f"{ind}/population")
        add((root, SMPC.hasIndication, ind))
        add((ind, RDF.type, SMPC.Indication))
        add((ind, SMPC.population, pop))
        add((pop, RDF.type, SMPC.Population))
        ph = PH[(n + i) % 3]
        if ph:
            add((pop, SMPC.phStatus, Literal(ph)))
        quantity(pop, SMPC.minAge, "min-age", value=(n * 7 + i) % 18 + 1)
        add((ind, SMPC.text, Literal(f"treatment of {ph or 'B-cell'} precursor ALL, line {i}")))
        span(ind, "4.1", f"indicated for patients with {ph or 'relapsed'} disease {i}")
    for i in range(60):  # warnings with text
        w = URIRef(f"{root}/warning/{i}")
        add((root, SMPC.hasWarning, w))
        add((w, RDF.type, SMPC.Warning))
        topic = WARN[(n + i) % len(WARN)]
        add((w, SMPC.text, Literal(f"Cases of {topic} have been reported (version {version}, item {i}).")))
        span(w, "4.4", f"{topic} warning {i}")
    for i in range(20):  # dosing steps with quantities
        d = URIRef(f"{root}/dose/{i}")
        add((root, SMPC.hasDosing, d))
        add((d, RDF.type, SMPC.DosingStep))
        quantity(d, SMPC.dose, "dose", value=9 + i, unit="ug/d")
        quantity(d, SMPC.duration, "duration", low=1, high=28, unit="d")
        span(d, "4.2", f"dose step {i}")
    return str(root), g


Q_INDICATION = """
PREFIX smpc: <https://w3id.org/smpc-kb/ontology#>
PREFIX schema: <https://schema.org/>
SELECT ?g ?ind ?age WHERE { GRAPH ?g {
  ?ind a smpc:Indication ; smpc:population ?pop .
  ?pop smpc:phStatus "Philadelphia chromosome-positive" ; smpc:minAge/schema:value ?age .
  FILTER(?age <= 5)
} }"""
Q_WARNING = """
PREFIX smpc: <https://w3id.org/smpc-kb/ontology#>
SELECT ?g ?w ?t WHERE { GRAPH ?g { ?w a smpc:Warning ; smpc:text ?t .
  FILTER(CONTAINS(LCASE(?t), "cytokine release")) } }"""
Q_SMALL = """PREFIX smpc: <https://w3id.org/smpc-kb/ontology#>
SELECT ?v WHERE { <%s> smpc:version ?v }"""


def timed(fn, repeat: int) -> tuple[float, float, int]:
    times, n = [], 0
    for _ in range(repeat):
        t = time.perf_counter()
        n = fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))], n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--versions", type=int, default=1000)
    ap.add_argument("--rdflib-versions", type=int, default=50,
                    help="rdflib's engine is far slower: compare on this many versions")
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--dir", help="store directory (default: a temporary one, removed)")
    a = ap.parse_args()

    root = a.dir or tempfile.mkdtemp(prefix="bench-store-")
    os.makedirs(root, exist_ok=True)
    path = os.path.join(root, "store")
    graphs = [label_version(i) for i in range(a.versions)]
    per = sum(len(g) for _, g in graphs) / len(graphs)
    print(f"{a.versions} versions, {per:.0f} triples each, {per * a.versions:,.0f} triples", flush=True)

    store = LocalStore(path)
    t = time.perf_counter()
    for iri, g in graphs:
        store.replace_graph(iri, g)
    load = time.perf_counter() - t
    print(f"load (replace_graph per version): {load:.1f} s = {load / a.versions * 1000:.1f} ms/version", flush=True)
    t = time.perf_counter()
    store.replace_graph(*graphs[0])
    print(f"re-ingest one version at {a.versions} versions: {(time.perf_counter() - t) * 1000:.1f} ms", flush=True)
    store.close()
    size = sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path))
    print(f"disk: {size / 1e6:.1f} MB", flush=True)

    t = time.perf_counter()
    store = LocalStore(path)
    print(f"open (read-write) at {a.versions} versions: {(time.perf_counter() - t) * 1000:.1f} ms", flush=True)
    for name, q in (("indications Ph+ & minAge<=5", Q_INDICATION), ("warnings CONTAINS", Q_WARNING)):
        med, p95, n = timed(lambda: len(store.query(q).rows), a.repeat)
        print(f"oxigraph  {name:30s} median {med:7.1f} ms  p95 {p95:7.1f} ms  rows {n}", flush=True)

    k = min(a.rdflib_versions, a.versions)
    ds = Dataset()
    for iri, g in graphs[:k]:
        ctx = ds.graph(URIRef(iri))
        for tr in g:
            ctx.add(tr)
    sub = LocalStore(os.path.join(root, "sub"))
    for iri, g in graphs[:k]:
        sub.replace_graph(iri, g)
    for name, q in (("indications Ph+ & minAge<=5", Q_INDICATION), ("warnings CONTAINS", Q_WARNING)):
        med_r, p95_r, n_r = timed(lambda: len(list(ds.query(q))), max(3, a.repeat // 4))
        med_o, p95_o, n_o = timed(lambda: len(sub.query(q).rows), a.repeat)
        print(f"at {k} versions: rdflib {name:30s} median {med_r:8.1f} ms p95 {p95_r:8.1f} ms rows {n_r}"
              f" | oxigraph median {med_o:6.1f} ms rows {n_o}")
    sub.close()

    small = Q_SMALL % graphs[0][0]
    med_in, p95_in, _ = timed(lambda: len(store.query(small).rows), a.repeat * 5)
    t = time.perf_counter()
    store.query(small, timeout_s=10)
    first = (time.perf_counter() - t) * 1000
    med_w, p95_w, _ = timed(lambda: len(store.query(small, timeout_s=10).rows), a.repeat * 5)
    print(f"small query in-process median {med_in:.2f} ms p95 {p95_in:.2f} ms; "
          f"timeout worker median {med_w:.2f} ms p95 {p95_w:.2f} ms (first call, worker start: {first:.0f} ms)")
    t = time.perf_counter()
    try:
        store.query("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", timeout_s=1)
    except Exception as e:
        print(f"runaway cross join stopped after {time.perf_counter() - t:.2f} s: {type(e).__name__}", flush=True)
    t = time.perf_counter()
    store.query(small, timeout_s=10)
    print(f"next timed query after a kill: {(time.perf_counter() - t) * 1000:.0f} ms", flush=True)
    store.close()

    shared = LocalStore(path, hold=False)
    med_s, _, _ = timed(lambda: len(shared.query(small).rows), a.repeat)
    print(f"hold=False (open per operation) small query median {med_s:.1f} ms", flush=True)
    shared.close()
    if not a.dir:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
