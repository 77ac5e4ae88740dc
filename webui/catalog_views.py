"""The pages for reading: a project, an organisation, topics to browse, the about page, source files."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, render_template, send_file
from flask_babel import gettext

from webui.request_parsing import current_kb, public_project

bp = Blueprint("catalog", __name__)

SIMILAR_COUNT = 5
SERVABLE_KINDS = {"pdf": "application/pdf"}


@bp.app_template_filter("german_date")
def german_date(value: str | None) -> str:
    """ "2024-03-15" or "2024-03-15T10:00:00+00:00" as 15.03.2024; anything else as it is."""
    text = str(value or "")
    if len(text) >= 10 and text[4] == "-" and text[7] == "-" and text[:4].isdigit():
        return f"{text[8:10]}.{text[5:7]}.{text[:4]}"
    return text


@bp.get("/projekte/<project_id>")
def project(project_id: str):
    kb = current_kb()
    found = kb.project(project_id)
    if found is None:
        abort(
            404,
            description=gettext(
                "Dieses Projekt gibt es nicht (mehr). Vielleicht wurde es umbenannt — suchen Sie es auf der Startseite."
            ),
        )
    source = found.get("source") or {}
    return render_template(
        "catalog/project.html",
        project=public_project(found),
        similar=kb.similar(project_id, k=SIMILAR_COUNT),
        source_file_available=_servable_path(source) is not None,
    )


@bp.get("/organisationen/<organisation_id>")
def organisation(organisation_id: str):
    found = current_kb().organisation(organisation_id)
    if found is None:
        abort(404, description=gettext("Diese Organisation ist nicht (mehr) in der Sammlung."))
    return render_template("catalog/organisation.html", organisation=found)


@bp.get("/themen")
def topics():
    kb = current_kb()
    return render_template("catalog/topics.html", facets=kb.facets(), groups=kb.target_groups())


@bp.get("/ueber")
def about():
    kb = current_kb()
    return render_template("catalog/about.html", sources=kb.sources(), model=kb.settings.model)


@bp.get("/quellen/<int:source_id>/datei")
def source_file(source_id: int):
    """The original document of a registered source (PDF only); nothing else on disk is reachable."""
    source = current_kb().source(source_id)
    path = _servable_path(source or {})
    if path is None:
        abort(404, description=gettext("Das Originaldokument liegt hier nicht vor."))
    return send_file(
        path, mimetype=SERVABLE_KINDS[source["kind"]], download_name=source["name"], max_age=3600
    )


def _servable_path(source: dict) -> Path | None:
    if source.get("kind") not in SERVABLE_KINDS or not source.get("path"):
        return None
    path = Path(source["path"])
    return path if path.is_file() else None
