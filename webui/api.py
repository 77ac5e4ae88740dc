"""The JSON API: the same searches and records as the pages, for other programs."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request, url_for

from kb.input_limits import bounded_query, was_cut, whole_number
from webui.openapi import openapi_document
from webui.request_parsing import (
    DEFAULT_RESULTS,
    MAX_RESULTS,
    SearchRequest,
    current_kb,
    public_project,
    wants_all,
)

bp = Blueprint("api", __name__, url_prefix="/api")


def _required_query() -> str:
    query = bounded_query(request.args.get("q", ""))
    if not query:
        abort(400, description="parameter 'q' is required: the idea or question to search for")
    return query


def _result_count(default: int = DEFAULT_RESULTS) -> int:
    raw = request.args.get("k", "").strip()
    if not raw:
        return default
    k = whole_number(raw)
    if k is None or not 1 <= k <= MAX_RESULTS:
        abort(400, description=f"parameter 'k' must be a whole number from 1 to {MAX_RESULTS}")
    return k


@bp.get("/search")
def search():
    query = _required_query()
    k = _result_count()
    wanted = SearchRequest.from_args()
    outcome = current_kb().find(query, k=k, filters=wanted.filters, include_weak=wants_all())
    return jsonify(
        {
            "query": outcome.query,
            "topic": outcome.topic,
            "truncated": outcome.truncated or was_cut(request.args.get("q", "")),
            "filters": wanted.filters.as_dict(),
            "results": [hit.to_dict() for hit in outcome.hits],
            "weak_hidden": outcome.weak_hidden,
            "places": [
                {
                    "town": offer.town,
                    "count": offer.count,
                    "url": url_for(
                        "search.start", q=query, **{**wanted.filters.as_dict(), "town": offer.town}
                    ),
                }
                for offer in outcome.places
            ],
        }
    )


@bp.get("/projects")
def projects():
    filters = SearchRequest.from_args().filters
    return jsonify({"projects": [public_project(p) for p in current_kb().projects(filters)]})


@bp.get("/projects/<project_id>")
def project(project_id: str):
    found = current_kb().project(project_id)
    if found is None:
        abort(404, description=f"no project with id '{project_id}'")
    return jsonify(public_project(found))


@bp.get("/projects/<project_id>/similar")
def similar(project_id: str):
    k = _result_count(default=5)
    kb = current_kb()
    if kb.project(project_id) is None:
        abort(404, description=f"no project with id '{project_id}'")
    return jsonify(
        {"project_id": project_id, "results": [hit.to_dict() for hit in kb.similar(project_id, k=k)]}
    )


@bp.get("/partners")
def partners():
    wanted = SearchRequest.from_args()
    if not (wanted.query or wanted.has_filter):
        abort(
            400,
            description="parameter 'q' is required unless a filter such as 'town' or 'target_group' is given",
        )
    k = _result_count()
    hits = current_kb().partners(wanted.query, k, wanted.filters)
    return jsonify(
        {"query": wanted.query, **wanted.filters.as_dict(), "results": [hit.to_dict() for hit in hits]}
    )


@bp.get("/target-groups")
def target_groups():
    return jsonify({"target_groups": current_kb().target_groups()})


@bp.get("/facets")
def facets():
    counted = current_kb().facets()
    return jsonify(
        {
            name: [{"name": value, "count": count} for value, count in values]
            for name, values in counted.items()
        }
    )


@bp.get("/openapi.json")
def openapi():
    # The configured address, else the API's own root relative to this document: never the Host header.
    base = current_kb().settings.base_url
    return jsonify(openapi_document(base.rstrip("/") if base else "/"))
