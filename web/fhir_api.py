"""``GET /api/labels/<spec>/fhir``: one label version as a FHIR R5 document Bundle (kb.fhir_export)."""
from __future__ import annotations

from flask import Blueprint, Response

from web.app_kb import get_kb

bp = Blueprint("fhir_api", __name__)

FHIR_JSON = "application/fhir+json; charset=utf-8"


@bp.get("/api/labels/<spec>/fhir")
def label_fhir(spec):
    kb = get_kb()
    ref = kb.resolve(spec)  # unknown label: 404 in the JSON error shape
    body = kb.export("fhir", ref.name)
    return Response(body, content_type=FHIR_JSON,
                    headers={"Content-Disposition": f'inline; filename="{ref.name.replace("@", "_")}.fhir.json"'})
