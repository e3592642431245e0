"""The JSON API under /api: the twin of every page, plus the dose calculator."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import BadRequest, NotFound, UnsupportedMediaType

from kb import label_queries as label_data
from kb.adverse_query import FREQUENCY_NAMES
from web.app_kb import get_kb

bp = Blueprint("api", __name__, url_prefix="/api")


# -- shared with the pages ------------------------------------------------------------
def resolve(spec: str | None):
    return get_kb().resolve(spec)


def search_answer(args) -> dict:
    from kb.search.whoosh_index import index_for

    kb = get_kb()
    return index_for(kb).search(
        args.get("q"), label=args.get("label") or None, kind=args.get("kind") or None,
        section=args.get("section") or None, page=args.get("page", 1),
        pagesize=current_app.config["PAGE_SIZE"], all_versions=args.get("all_versions") in ("1", "true", "on"))


def section_answer(spec: str, number: str, all_sections: list[dict] | None = None) -> dict:
    ref = resolve(spec)
    secs = label_data.section(get_kb(), ref.iri, number, all_sections)
    if not secs:
        raise NotFound(f"{ref.name} has no section {number!r}")
    return {"label": ref.label_id, "version": ref.version, "label_version": ref.naming(), "number": number,
            "sections": secs}


FREQUENCY_ORDER = list(FREQUENCY_NAMES)
SORT_KEYS = {"term": lambda e: e["term"].lower(), "soc": lambda e: ((e["soc"] or "").lower(), e["term"].lower()),
             "frequency": lambda e: (FREQUENCY_ORDER.index(e["frequency"]) if e["frequency"] in FREQUENCY_ORDER else 99,
                                     e["term"].lower()),
             "incidence": lambda e: (-(e["incidence_percent"] or -1), e["term"].lower())}


def adverse_answer(spec: str, args) -> dict:
    from kb.adverse_query import all_entries, select

    ref = resolve(spec)
    soc, freq, sort = args.get("soc") or None, args.get("frequency") or None, args.get("sort") or "soc"
    if sort not in SORT_KEYS:
        raise BadRequest(f"unknown sort {sort!r} (use one of: {', '.join(SORT_KEYS)})")
    kb = get_kb()
    try:
        # read once per stored version; the entries are copied because the page adds to them
        every = kb.per_version(ref, "adverse-reactions", lambda: all_entries(kb.store, ref.iri))
        entries = [dict(e) for e in select(every, soc=soc, frequency=freq)]
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    if soc and not entries and not any((e["soc"] or "").lower() == soc.lower() for e in every):
        raise BadRequest(f"unknown organ class {soc!r} for {ref.name}")
    entries.sort(key=SORT_KEYS[sort], reverse=args.get("order") == "desc")
    socs = list(dict.fromkeys(e["soc"] or e.get("soc_as_printed") or "unclassified" for e in every))
    # settled bands in their order, then open ones ("common or uncommon": the text left it between two columns)
    freqs = [f for f in FREQUENCY_ORDER if any(e["frequency"] == f for e in every)]
    freqs += sorted({e["frequency"] for e in every} - set(FREQUENCY_ORDER))
    counts = {s: {f: 0 for f in freqs} for s in socs}
    for e in every:
        counts[e["soc"] or e.get("soc_as_printed") or "unclassified"][e["frequency"]] += 1
    return {"label": ref.label_id, "version": ref.version, "label_version": ref.naming(), "filters": {"soc": soc, "frequency": freq, "sort": sort},
            "total": len(entries), "entries": entries, "organ_classes": socs, "frequencies": freqs,
            "counts": counts}


def dosing_service():
    ext = current_app.extensions
    if "dosing" not in ext:
        from kb.dosing.engine import DosingService

        ext["dosing"] = DosingService(get_kb())
    return ext["dosing"]


JSON_TYPE = "application/json"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _params(question: str) -> dict:
    """The dose inputs: a repeated or unknown parameter, or a loosely written number, is a 422."""
    from kb.dosing.inputs import check_known, collect, json_object

    pairs = list(request.args.items(multi=True))
    if request.method == "POST" and request.is_json:
        pairs += list(json_object(request.get_data(cache=True)).items())
    elif request.method == "POST" and request.mimetype in FORM_TYPES:
        pairs += list(request.form.items(multi=True))
    elif request.method == "POST" and (request.mimetype or request.content_length):
        raise UnsupportedMediaType(f"the body must be JSON ({JSON_TYPE}) or a form ({FORM_TYPES[0]}), "
                                   f"not {request.mimetype or 'of no declared type'}")
    params = collect(pairs)
    check_known(params, question)
    return {k: v for k, v in params.items() if v is not None and v != ""}


# -- routes -------------------------------------------------------------------------------
@bp.get("")
@bp.get("/")
def index():
    return jsonify({"ok": True, "openapi": "/openapi.json", "endpoints": sorted(
        str(r.rule) for r in current_app.url_map.iter_rules() if str(r.rule).startswith("/api/"))})


@bp.get("/labels")
def labels():
    return jsonify({"labels": [r.as_dict() for r in get_kb().labels()]})


@bp.get("/labels/<spec>")
def label(spec):
    ref = resolve(spec)
    return jsonify({**label_data.summary(get_kb(), ref), "label_version": ref.naming()})


@bp.get("/labels/<spec>/sections/<number>")
def section(spec, number):
    return jsonify(section_answer(spec, number))


@bp.get("/labels/<spec>/indications")
def indications(spec):
    ref = resolve(spec)
    out = {"label": ref.label_id, "version": ref.version, "label_version": ref.naming(),
           "indications": label_data.indications(get_kb(), ref.iri),
           "dosing": dosing_service().indications(ref.name)}
    return jsonify(out)


@bp.get("/labels/<spec>/adverse-reactions")
def adverse(spec):
    return jsonify(adverse_answer(spec, request.args))


@bp.get("/search")
def search():
    return jsonify(search_answer(request.args))


@bp.get("/diff")
def diff():
    """The changes from one label version to another: the JSON of `kb diff --json`."""
    from .diff_views import diff_answer

    return jsonify(diff_answer(request.args)[0])


def _answer_response(question: str):
    """A dosing answer as prebuilt JSON bytes (kept per rules and inputs by the dosing service):
    the same body ``jsonify`` writes, without encoding it again for the same inputs."""
    body = dosing_service().answer_json(question, _params(question))
    return current_app.response_class(body + b"\n", mimetype="application/json")


@bp.route("/dose", methods=["GET", "POST"])
def dose():
    return _answer_response("dose")


@bp.route("/regimen", methods=["GET", "POST"])
def regimen():
    return _answer_response("regimen")


@bp.route("/dose-modification", methods=["GET", "POST"])
def dose_modification():
    return _answer_response("dose-modification")
