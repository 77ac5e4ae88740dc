"""The OpenAPI 3.1 description of the JSON API."""

from __future__ import annotations

from webui.request_parsing import MAX_RESULTS

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
NUMBER = {"type": "number"}
BOOLEAN = {"type": "boolean"}
STRING_OR_NULL = {"type": ["string", "null"]}
INT_OR_NULL = {"type": ["integer", "null"]}
STRINGS = {"type": "array", "items": STRING}
ROLE = {"type": "string", "enum": ["traeger", "partner"]}
STATUS = {
    "type": "string",
    "enum": ["laufend", "abgeschlossen", "unbekannt"],
    "description": "from the Laufzeit, on today's date",
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _described(schema: dict, description: str) -> dict:
    return {**schema, "description": description}


def _object(properties: dict, required: list[str] | None = None, **extra: object) -> dict:
    """An object schema; `extra` carries keys such as description or a nullable type."""
    schema: dict = {"type": "object", **extra}
    if required:
        schema["required"] = required
    schema["properties"] = properties
    return schema


def _array(items: dict, **extra: object) -> dict:
    return {"type": "array", **extra, "items": items}


def _query(name: str, description: str, required: bool = False, schema: dict | None = None) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema or STRING,
    }


def _ok(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return _ok(description, _ref("Error"))


FILTERS = [
    _query("area", "only projects of this area (Themenfeld), e.g. Bildung"),
    _query("town", "only projects in this town"),
    _query("target_group", "only projects for this target group"),
    _query("status", "laufend, abgeschlossen or unbekannt (from the Laufzeit, on today's date)"),
]
PROJECT_ID = {
    "name": "project_id",
    "in": "path",
    "required": True,
    "schema": STRING,
    "description": "the project's stable id (a slug)",
}
# Fields a search hit and a full project share.
PROJECT_FACTS = {
    "id": STRING,
    "title": STRING,
    "area": STRING_OR_NULL,
    "organisation": STRING_OR_NULL,
    "town": STRING_OR_NULL,
}

SCHEMAS = {
    "Error": _object(
        {"error": _object({"status": INTEGER, "message": STRING}, required=["status", "message"])},
        required=["error"],
    ),
    "SearchHit": _object(
        {
            "id": STRING,
            "title": STRING,
            "score": NUMBER,
            **{key: PROJECT_FACTS[key] for key in ("area", "organisation", "town")},
            "target_groups": _array(STRING, description="the target groups in the project's own words"),
            "groups": _array(
                _object({"id": STRING, "label": STRING}),
                description="the target groups of the vocabulary the project's wordings are filed under",
            ),
            "snippet": _described(STRING, "HTML-escaped text; matched words inside <mark>"),
            "matched_section": _described(STRING, "German name of the best-matching section"),
            "matched_kind": STRING,
            "source": STRING,
            "source_kind": STRING,
            "page_start": INT_OR_NULL,
            "page_end": INT_OR_NULL,
            "contact": STRING_OR_NULL,
            "summary": STRING_OR_NULL,
            "level": {"type": "string", "enum": ["sehr ähnlich", "ähnlich", "entfernt", "schwach", ""]},
            "relevance": _described(NUMBER, "0..1, calibrated against counter-passages"),
            "weak": _described(BOOLEAN, "below the relevance floor (listed only with all=1)"),
            "success": _described(STRING_OR_NULL, "one line of what made the project work"),
            "contact_links": _array(
                _object(
                    {"kind": {"type": "string", "enum": ["email", "phone"]}, "text": STRING, "href": STRING}
                )
            ),
            "period": STRING_OR_NULL,
            "status": STATUS,
        },
        required=["id", "title", "score", "snippet", "matched_section"],
    ),
    "PartnerHit": _object(
        {
            "id": STRING,
            "name": STRING,
            "score": NUMBER,
            "towns": STRINGS,
            "projects": _array(
                _object(
                    {
                        "id": STRING,
                        "title": STRING,
                        "town": STRING_OR_NULL,
                        "role": ROLE,
                        "fit": _described(NUMBER, "1.0 for the best-fitting project"),
                    }
                )
            ),
            "contact": {
                **_object(
                    {
                        "text": STRING,
                        "links": _array({"type": "object"}, description="mailto:/tel: links"),
                        "project_id": STRING,
                        "project_title": STRING,
                        "role": ROLE,
                    },
                    description="from a project the organisation runs; else through a project it supports",
                ),
                "type": ["object", "null"],
            },
        },
        required=["id", "name", "score", "towns", "projects"],
    ),
    "Project": _object(
        {
            **PROJECT_FACTS,
            "target_groups": _array(STRING, description="the target groups in the project's own words"),
            "groups": _array(
                _object({"id": STRING, "label": STRING}),
                description="the target groups of the vocabulary the project's wordings are filed under",
            ),
            "target_group_mapping": _array(
                {"type": "object"},
                description="each wording with its groups and how they were found (rule, model, manual)",
            ),
            "partners": STRINGS,
            "contact": STRING_OR_NULL,
            "period": STRING_OR_NULL,
            "summary": STRING_OR_NULL,
            "status": STATUS,
            "short_description": _described(
                STRING_OR_NULL,
                "Kurzbeschreibung: the source's own lead, or the approach's sentences saying what is done",
            ),
            "page_start": INT_OR_NULL,
            "page_end": INT_OR_NULL,
            "extra": {"type": "object"},
            "sections": _array(_object({"kind": STRING, "heading": STRING, "name": STRING, "text": STRING})),
            "source": {
                **_object(
                    {
                        "id": INTEGER,
                        "name": STRING,
                        "kind": STRING,
                        "ingested_at": STRING_OR_NULL,
                        "url": _described(
                            STRING_OR_NULL, "the document's own address, or the one given at upload"
                        ),
                        "document_date": _described(STRING_OR_NULL, "ISO day the document states"),
                        "edition": _described(STRING_OR_NULL, "edition as written, e.g. 'Stand: 03/2024'"),
                    }
                ),
                "type": ["object", "null"],
            },
            "organisations": _array(
                _object({"id": STRING, "name": STRING, "role": STRING, "n_projects": INTEGER})
            ),
        },
        required=["id", "title", "sections"],
    ),
    "FacetValue": _object({"name": STRING, "count": INTEGER}),
}


def _get(summary: str, operation: str, responses: dict, parameters: list | None = None) -> dict:
    operation_spec: dict = {"summary": summary, "operationId": operation}
    if parameters is not None:
        operation_spec["parameters"] = parameters
    operation_spec["responses"] = responses
    return {"get": operation_spec}


def _search_answer(hits: dict) -> dict:
    place = _object({"town": STRING, "count": INTEGER, "url": STRING})
    return _object(
        {
            "query": _described(STRING, "the query as used (cut)"),
            "topic": _described(STRING, "the query without its town names"),
            "truncated": BOOLEAN,
            "filters": {"type": "object"},
            "results": hits,
            "weak_hidden": _described(INTEGER, "nearest projects below the floor"),
            "places": _array(place, description="towns named in the query, offered as a filter"),
        }
    )


def _target_groups_answer() -> dict:
    group = _object(
        {
            "id": STRING,
            "label": STRING,
            "en": STRING,
            "parent": STRING_OR_NULL,
            "depth": INTEGER,
            "count": INTEGER,
        }
    )
    return _object({"target_groups": _array(group)})


def _paths() -> dict:
    count = _query(
        "k",
        f"how many results (1-{MAX_RESULTS})",
        schema={"type": "integer", "minimum": 1, "maximum": MAX_RESULTS, "default": 10},
    )
    hits = _array(_ref("SearchHit"))
    bad = _error("a parameter is missing or malformed")
    unknown = _error("no project with this id")
    partners = _object(
        {
            "query": STRING,
            "town": STRING_OR_NULL,
            "target_group": STRING_OR_NULL,
            "area": STRING_OR_NULL,
            "results": _array(_ref("PartnerHit")),
        }
    )
    facets = _object(
        {name: _array(_ref("FacetValue")) for name in ("area", "town", "target_group", "status")}
    )
    return {
        "/api/search": _get(
            "Projects ranked for an idea or question (any language)",
            "search",
            {
                "200": _ok(
                    "ranked projects above the relevance floor: [] for a question the collection cannot answer",
                    _search_answer(hits),
                ),
                "400": bad,
            },
            [
                _query("q", "the idea or question (the first 1,000 characters are used)", required=True),
                count,
                *FILTERS,
                _query("all", "1: also the nearest projects below the relevance floor, marked weak"),
            ],
        ),
        "/api/projects": _get(
            "Every project (or those passing the filters) with all fields and sections",
            "listProjects",
            {"200": _ok("all projects", _object({"projects": _array(_ref("Project"))}))},
            FILTERS,
        ),
        "/api/projects/{project_id}": _get(
            "One project",
            "getProject",
            {"200": _ok("the project", _ref("Project")), "404": unknown},
            [PROJECT_ID],
        ),
        "/api/projects/{project_id}/similar": _get(
            "Projects most like this one",
            "similarProjects",
            {
                "200": _ok("similar projects", _object({"project_id": STRING, "results": hits})),
                "400": bad,
                "404": unknown,
            },
            [PROJECT_ID, _query("k", "how many results", schema={"type": "integer", "default": 5})],
        ),
        "/api/partners": _get(
            "Organisations ranked by topical fit for partner matching",
            "partners",
            {"200": _ok("ranked organisations", partners), "400": bad},
            [
                _query("q", "a topic, an idea or a project id (optional with town or target_group)"),
                count,
                _query("town", "only organisations active in this town"),
                _query(
                    "target_group", "only projects for this target group (id or label, sub-groups included)"
                ),
                _query("area", "only projects of this area"),
            ],
        ),
        "/api/facets": _get(
            "Areas, towns, target groups and statuses with their project counts",
            "facets",
            {"200": _ok("counts", facets)},
        ),
        "/api/target-groups": _get(
            "The target-group vocabulary in tree order, with the projects each group's filter finds",
            "targetGroups",
            {"200": _ok("the vocabulary", _target_groups_answer())},
        ),
        "/api/openapi.json": _get(
            "This document",
            "openapi",
            {"200": {"description": "the OpenAPI document", "content": {"application/json": {}}}},
        ),
    }


def openapi_document(server_url: str) -> dict:
    """The API description; every error answers with the Error shape."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Praxisfinder API",
            "version": "1.0.0",
            "description": "Search the good-practice collection of integration projects. Every error, on every "
            'path, has the shape {"error": {"status": ..., "message": ...}} '
            "(400, 404, 405, 413, 500).",
        },
        "servers": [{"url": server_url}],
        "paths": _paths(),
        "components": {"schemas": SCHEMAS},
    }
