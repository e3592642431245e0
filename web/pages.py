"""HTML pages: home, search, label, section, adverse reactions, dosing (the SPARQL page is in sparql_endpoint)."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from kb import label_queries as label_data
from web import api, charts
from web.app_kb import get_kb

from .downloads import BY_MEDIA, rdf_response

bp = Blueprint("pages", __name__)


@bp.app_context_processor
def _common():
    return {"kinds": ["indication", "contraindication", "warning", "adverse reaction", "dosing", "other"],
            "versions_of": versions_of}


def versions_of(ref) -> list:
    """Every stored version of ``ref``'s label, oldest first (the last is the default)."""
    return [r for r in get_kb().labels() if r.label_id == ref.label_id]


@bp.app_template_filter("amount")
def _amount(q) -> str:
    from kb.dosing.words import amount_text

    return amount_text(q)


@bp.app_template_filter("unitword")
def _unitword(code) -> str:
    from kb.dosing.words import unit_words

    return unit_words(code)


PAGES_WITH_VERSION = {"pages.label", "pages.adverse", "pages.dosing", "pages.section"}


@bp.get("/version")
def choose_version():
    """The version picker's target: the same page for the chosen version."""
    from werkzeug.exceptions import BadRequest

    spec, page = request.args.get("spec", ""), request.args.get("page", "pages.label")
    ref = get_kb().resolve(spec)
    if page not in PAGES_WITH_VERSION:
        raise BadRequest(f"unknown page {page!r}")
    extra = {"number": request.args.get("number", "4.1")} if page == "pages.section" else {}
    return redirect(url_for(page, spec=ref.name, **extra))


@bp.get("/")
def home():
    return render_template("home.html", labels=get_kb().labels())


@bp.get("/search")
def search():
    q = request.args.get("q", "")
    if not q.strip():
        return render_template("search.html", q="", answer=None, groups=[], args=request.args)
    answer = api.search_answer(request.args)
    groups: list[dict] = []
    index: dict[tuple, dict] = {}
    for r in answer["results"]:
        key = (r["label"], r["version"], r["section"])
        if key not in index:
            index[key] = {"label": r["label"], "version": r["version"], "label_title": r.get("label_title"),
                          "section": r["section"], "title": r["title"], "hits": []}
            groups.append(index[key])
        index[key]["hits"].append(r)
    return render_template("search.html", q=q, answer=answer, groups=groups, args=request.args)


def _rdf_requested() -> str | None:
    fmt = request.args.get("format")
    if fmt:
        return fmt if fmt in ("ttl", "jsonld", "nq", "trig", "nt") else None
    best = request.accept_mimetypes.best_match(["text/html", *BY_MEDIA])
    return BY_MEDIA.get(best) if best and best != "text/html" else None


@bp.get("/labels/<spec>")
def label(spec):
    kb = get_kb()
    ref = kb.resolve(spec)
    fmt = _rdf_requested()
    if fmt:
        return rdf_response(ref.name, fmt, ref.name.replace("@", "_"))
    return _page(ref, lambda: render_template("label.html", label=label_data.summary(kb, ref), ref=ref,
                                              population=label_data.population(kb, ref.iri)))


def _page(ref, render) -> str:
    """A page of one stored version, rendered once per version and request (path and query): it
    depends on nothing else, and the version cache forgets it at the next write."""
    return get_kb().per_version(ref, ("page", request.full_path), render)


@bp.app_template_filter("popname")
def _popname(prop: str) -> str:
    """``minAge`` -> ``min age``, ``mrdThreshold`` -> ``MRD threshold`` (property names as words)."""
    import re

    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", prop).lower().split()
    words = [w for w in words if w != "has"]
    return " ".join(w.upper() if w in ("mrd",) else w for w in words)


@bp.get("/labels/<spec>/sections/<number>")
def section(spec, number):
    ref = get_kb().resolve(spec)
    every = label_data.sections(get_kb(), ref.iri)  # once: for the section asked for and the navigation
    data = api.section_answer(spec, number, every)
    nav = [s for s in every if not s["sub"]]
    return render_template("section.html", data=data, ref=ref, nav=nav)


@bp.get("/labels/<spec>/adverse-reactions")
def adverse(spec):
    ref = get_kb().resolve(spec)
    return _page(ref, lambda: _adverse_page(spec, ref))


def _adverse_page(spec, ref) -> str:
    data = api.adverse_answer(spec, request.args)
    chart = charts.stacked_bars(data["counts"], data["frequencies"])
    kb = get_kb()
    for e in data["entries"]:
        e["anchor"] = _anchor(ref, e["source"]["section"], e["source"]["lines"][0], e["source"]["quote"])
    footnotes = label_data.footnotes(kb, ref.iri)
    # unresolved: a frequency the reader could not settle, or a term that may stand for several
    open_entries = [e for e in data["entries"] if e.get("frequency_basis") == "open"
                    or (e.get("frequency_rule") or "").startswith("unsettled") or e.get("may_represent")]
    return render_template("adverse.html", data=data, ref=ref, chart=chart, args=request.args, footnotes=footnotes,
                           open_entries=open_entries)


def _anchor(ref, section: str, line: int, quote: str | None) -> str:
    """The anchor of the passage holding a fact (label_data.anchor_at), found once per version and place."""
    kb = get_kb()
    found = kb.per_version(ref, "anchors", dict)  # (section, line, quote) -> anchor, filled as pages ask
    key = (section, line, quote)
    if key not in found:
        index = kb.per_version(ref, "passages", lambda: label_data.passage_index(kb, ref.iri))
        found[key] = label_data.anchor_at(index, section, line, quote)
    return found[key]


@bp.app_template_filter("band_colour")
def _band_colour(name) -> str:
    return charts.band_colour(name)


@bp.get("/labels/<spec>/dosing")
def dosing(spec):
    ref = get_kb().resolve(spec)
    from kb.dosing.engine import DoseInputError

    svc = api.dosing_service()
    indications = svc.indications(ref.name)
    chosen = next((i for i in indications if i["id"] == request.args.get("indication")), None)
    current = chosen or (indications[0] if indications else None)
    needs = set(current["needs"]) if current else set()
    # only the inputs the chosen rule uses are sent (a prose rule has no cycle or day)
    params = {k: v for k, v in request.args.items() if v != "" and (k in needs or k == "indication" or k == "bsa_formula")}
    params["label"] = ref.name
    dose = plan = error = None
    status = 200
    if chosen is None and request.args.get("indication"):
        error, status = {"field": "indication", "error": f"unknown indication {request.args['indication']!r}"}, 422
    elif chosen is not None:
        try:
            if chosen["kind"] == "dose-rule":
                dose = svc.dose(params)
            else:
                if params.get("cycle") and params.get("day"):
                    dose = svc.dose(params)
                plan = svc.regimen(params)
        except DoseInputError as exc:
            error, status = exc.as_dict(), exc.status
    selected = (int(request.args["cycle"]), int(request.args["day"])) if dose and dose.get("cycle") else None
    chart = charts.timeline(plan["days"], selected=selected) if plan else None
    return render_template("dosing.html", ref=ref, indications=indications, args=request.args, dose=dose,
                           plan=plan, chart=chart, error=error, current=current, needs=needs), status


@bp.get("/diff")
def diff():
    from .diff_views import default_pair, diff_answer, grouped

    refs = get_kb().labels()
    args = dict(request.args)
    if not args.get("from") and not args.get("to"):
        pair = default_pair(refs)
        if pair:
            args.update({"from": pair[0], "to": pair[1]})
    answer = ref_a = ref_b = None
    if args.get("from") and args.get("to"):
        answer, ref_a, ref_b = diff_answer(args)
        side = {"before": ref_a, "after": ref_b}
        answer = {**answer, "changes": [{**c, "sources": [
            {**src, "anchor": _anchor(side[src["side"]], src["section"], src["lines"][0], src.get("quote"))}
            for src in c["sources"]]} for c in answer["changes"]]}
    return render_template("diff.html", refs=refs, args=args, answer=answer, groups=grouped(answer) if answer else [],
                           ref_a=ref_a, ref_b=ref_b)


@bp.get("/labels")
def labels():
    return redirect(url_for("pages.home"))
