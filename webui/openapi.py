"""The OpenAPI 3.1 description of the JSON API."""

from __future__ import annotations

from webui.request_parsing import MAX_RESULTS


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _query(name: str, description: str, required: bool = False, schema: dict | None = None) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema or {"type": "string"},
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
    "schema": {"type": "string"},
    "description": "the project's stable id (a slug)",
}
STRING_OR_NULL = {"type": ["string", "null"]}
INT_OR_NULL = {"type": ["integer", "null"]}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "message"],
                "properties": {"status": {"type": "integer"}, "message": {"type": "string"}},
            }
        },
    },
    "SearchHit": {
        "type": "object",
        "required": ["id", "title", "score", "snippet", "matched_section"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "score": {"type": "number"},
            "area": STRING_OR_NULL,
            "organisation": STRING_OR_NULL,
            "town": STRING_OR_NULL,
            "target_groups": {"type": "array", "items": {"type": "string"}},
            "snippet": {"type": "string", "description": "HTML-escaped text; matched words inside <mark>"},
            "matched_section": {"type": "string", "description": "German name of the best-matching section"},
            "matched_kind": {"type": "string"},
            "source": {"type": "string"},
            "source_kind": {"type": "string"},
            "page_start": INT_OR_NULL,
            "page_end": INT_OR_NULL,
            "contact": STRING_OR_NULL,
            "summary": STRING_OR_NULL,
            "level": {"type": "string", "enum": ["sehr ähnlich", "ähnlich", "entfernt", "schwach", ""]},
            "relevance": {"type": "number", "description": "0..1, calibrated against counter-passages"},
            "weak": {"type": "boolean", "description": "below the relevance floor (listed only with all=1)"},
            "success": {**STRING_OR_NULL, "description": "one line of what made the project work"},
            "contact_links": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "kind": {"type": "string", "enum": ["email", "phone"]},
                        "text": {"type": "string"},
                        "href": {"type": "string"},
                    },
                },
            },
            "period": STRING_OR_NULL,
            "status": {
                "type": "string",
                "enum": ["laufend", "abgeschlossen", "unbekannt"],
                "description": "from the Laufzeit, on today's date",
            },
        },
    },
    "PartnerHit": {
        "type": "object",
        "required": ["id", "name", "score", "towns", "projects"],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "score": {"type": "number"},
            "towns": {"type": "array", "items": {"type": "string"}},
            "projects": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "title": {"type": "string"},
                        "town": STRING_OR_NULL,
                        "role": {"type": "string", "enum": ["traeger", "partner"]},
                        "fit": {"type": "number", "description": "1.0 for the best-fitting project"},
                    },
                },
            },
            "contact": {
                "type": ["object", "null"],
                "description": "from a project the organisation runs; else through a project it supports",
                "properties": {
                    "text": {"type": "string"},
                    "links": {
                        "type": "array",
                        "items": {"type": "object"},
                        "description": "mailto:/tel: links",
                    },
                    "project_id": {"type": "string"},
                    "project_title": {"type": "string"},
                    "role": {"type": "string", "enum": ["traeger", "partner"]},
                },
            },
        },
    },
    "Project": {
        "type": "object",
        "required": ["id", "title", "sections"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "area": STRING_OR_NULL,
            "organisation": STRING_OR_NULL,
            "town": STRING_OR_NULL,
            "target_groups": {
                "type": "array",
                "items": {"type": "string"},
                "description": "the target groups in the project's own words",
            },
            "groups": {
                "type": "array",
                "description": "the target groups of the vocabulary the project's wordings are filed under",
                "items": {
                    "type": "object",
                    "properties": {"id": {"type": "string"}, "label": {"type": "string"}},
                },
            },
            "target_group_mapping": {
                "type": "array",
                "description": "each wording with its groups and how they were found (rule, model, manual)",
                "items": {"type": "object"},
            },
            "partners": {"type": "array", "items": {"type": "string"}},
            "contact": STRING_OR_NULL,
            "period": STRING_OR_NULL,
            "summary": STRING_OR_NULL,
            "status": {
                "type": "string",
                "enum": ["laufend", "abgeschlossen", "unbekannt"],
                "description": "from the Laufzeit, on today's date",
            },
            "short_description": {
                **STRING_OR_NULL,
                "description": "Kurzbeschreibung: the source's own lead, or the approach's sentences saying what is done",
            },
            "page_start": INT_OR_NULL,
            "page_end": INT_OR_NULL,
            "extra": {"type": "object"},
            "sections": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "kind": {"type": "string"},
                        "heading": {"type": "string"},
                        "name": {"type": "string"},
                        "text": {"type": "string"},
                    },
                },
            },
            "source": {
                "type": ["object", "null"],
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "kind": {"type": "string"},
                    "ingested_at": STRING_OR_NULL,
                    "url": {
                        **STRING_OR_NULL,
                        "description": "the document's own address, or the one given at upload",
                    },
                    "document_date": {**STRING_OR_NULL, "description": "ISO day the document states"},
                    "edition": {**STRING_OR_NULL, "description": "edition as written, e.g. 'Stand: 03/2024'"},
                },
            },
            "organisations": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "name": {"type": "string"},
                        "role": {"type": "string"},
                        "n_projects": {"type": "integer"},
                    },
                },
            },
        },
    },
    "FacetValue": {
        "type": "object",
        "properties": {"name": {"type": "string"}, "count": {"type": "integer"}},
    },
}


def _paths() -> dict:
    count = _query(
        "k",
        f"how many results (1-{MAX_RESULTS})",
        schema={"type": "integer", "minimum": 1, "maximum": MAX_RESULTS, "default": 10},
    )
    hits = {"type": "array", "items": _ref("SearchHit")}
    bad = _error("a parameter is missing or malformed")
    unknown = _error("no project with this id")
    return {
        "/api/search": {
            "get": {
                "summary": "Projects ranked for an idea or question (any language)",
                "operationId": "search",
                "parameters": [
                    _query("q", "the idea or question (the first 1,000 characters are used)", required=True),
                    count,
                    *FILTERS,
                    _query("all", "1: also the nearest projects below the relevance floor, marked weak"),
                ],
                "responses": {
                    "200": _ok(
                        "ranked projects above the relevance floor: [] for a question the collection cannot answer",
                        {
                            "type": "object",
                            "properties": {
                                "query": {"type": "string", "description": "the query as used (cut)"},
                                "topic": {
                                    "type": "string",
                                    "description": "the query without its town names",
                                },
                                "truncated": {"type": "boolean"},
                                "filters": {"type": "object"},
                                "results": hits,
                                "weak_hidden": {
                                    "type": "integer",
                                    "description": "nearest projects below the floor",
                                },
                                "places": {
                                    "type": "array",
                                    "description": "towns named in the query, offered as a filter",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "town": {"type": "string"},
                                            "count": {"type": "integer"},
                                            "url": {"type": "string"},
                                        },
                                    },
                                },
                            },
                        },
                    ),
                    "400": bad,
                },
            }
        },
        "/api/projects": {
            "get": {
                "summary": "Every project (or those passing the filters) with all fields and sections",
                "operationId": "listProjects",
                "parameters": FILTERS,
                "responses": {
                    "200": _ok(
                        "all projects",
                        {
                            "type": "object",
                            "properties": {"projects": {"type": "array", "items": _ref("Project")}},
                        },
                    )
                },
            }
        },
        "/api/projects/{project_id}": {
            "get": {
                "summary": "One project",
                "operationId": "getProject",
                "parameters": [PROJECT_ID],
                "responses": {"200": _ok("the project", _ref("Project")), "404": unknown},
            }
        },
        "/api/projects/{project_id}/similar": {
            "get": {
                "summary": "Projects most like this one",
                "operationId": "similarProjects",
                "parameters": [
                    PROJECT_ID,
                    _query("k", "how many results", schema={"type": "integer", "default": 5}),
                ],
                "responses": {
                    "200": _ok(
                        "similar projects",
                        {"type": "object", "properties": {"project_id": {"type": "string"}, "results": hits}},
                    ),
                    "400": bad,
                    "404": unknown,
                },
            }
        },
        "/api/partners": {
            "get": {
                "summary": "Organisations ranked by topical fit for partner matching",
                "operationId": "partners",
                "parameters": [
                    _query("q", "a topic, an idea or a project id (optional with town or target_group)"),
                    count,
                    _query("town", "only organisations active in this town"),
                    _query(
                        "target_group",
                        "only projects for this target group (id or label, sub-groups included)",
                    ),
                    _query("area", "only projects of this area"),
                ],
                "responses": {
                    "200": _ok(
                        "ranked organisations",
                        {
                            "type": "object",
                            "properties": {
                                "query": {"type": "string"},
                                "town": STRING_OR_NULL,
                                "target_group": STRING_OR_NULL,
                                "area": STRING_OR_NULL,
                                "results": {"type": "array", "items": _ref("PartnerHit")},
                            },
                        },
                    ),
                    "400": bad,
                },
            }
        },
        "/api/facets": {
            "get": {
                "summary": "Areas, towns, target groups and statuses with their project counts",
                "operationId": "facets",
                "responses": {
                    "200": _ok(
                        "counts",
                        {
                            "type": "object",
                            "properties": {
                                name: {"type": "array", "items": _ref("FacetValue")}
                                for name in ("area", "town", "target_group", "status")
                            },
                        },
                    )
                },
            }
        },
        "/api/target-groups": {
            "get": {
                "summary": "The target-group vocabulary in tree order, with the projects each group's filter finds",
                "operationId": "targetGroups",
                "responses": {
                    "200": _ok(
                        "the vocabulary",
                        {
                            "type": "object",
                            "properties": {
                                "target_groups": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "id": {"type": "string"},
                                            "label": {"type": "string"},
                                            "en": {"type": "string"},
                                            "parent": STRING_OR_NULL,
                                            "depth": {"type": "integer"},
                                            "count": {"type": "integer"},
                                        },
                                    },
                                }
                            },
                        },
                    )
                },
            }
        },
        "/api/openapi.json": {
            "get": {
                "summary": "This document",
                "operationId": "openapi",
                "responses": {
                    "200": {"description": "the OpenAPI document", "content": {"application/json": {}}}
                },
            }
        },
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
