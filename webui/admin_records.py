"""The admin's project records: correct a project's fields and sections, settle corrections the
source has changed under, add a project by form, and read each project's history of changes."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext

from ingest import AREAS
from kb.corrections import FIELD_LABELS, FIELDS, LIST_FIELDS, SECTION_PREFIX, CorrectionError
from webui.admin import admin_post, is_logged_in
from webui.request_parsing import current_kb

bp = Blueprint("records", __name__, url_prefix="/admin/projekte")

ACTION_LABELS = {
    "created": lazy_gettext("von Hand angelegt"),
    "corrected": lazy_gettext("korrigiert"),
    "reverted": lazy_gettext("auf den Wert der Quelle zurückgesetzt"),
    "flagged": lazy_gettext("Quelle hat sich geändert – zu prüfen"),
    "kept": lazy_gettext("Korrektur trotz geänderter Quelle behalten"),
    "source_taken": lazy_gettext("Wert der Quelle übernommen"),
    "source_removed": lazy_gettext("Projekt fehlt in der neu eingelesenen Quelle – zu prüfen"),
    "source_agrees": lazy_gettext("Quelle sagt jetzt dasselbe – Korrektur nicht mehr nötig"),
    "deleted": lazy_gettext("von Hand angelegtes Projekt gelöscht"),
}
SECTION_FIELDS = [f for f in FIELDS if f.startswith(SECTION_PREFIX)]
PLAIN_FIELDS = [f for f in FIELDS if not f.startswith(SECTION_PREFIX)]


def _login_first():
    if not is_logged_in():
        flash(gettext("Bitte melden Sie sich zuerst an."))
        return redirect(url_for("admin.dashboard"))
    return None


def _form_values() -> dict[str, str]:
    """The record fields posted by the edit or add form; fields not in the form are not touched."""
    return {field: request.form[field] for field in FIELDS if field in request.form}


def _shown_value(value) -> str:
    """A field's value as the form shows it: lists one item per line."""
    if isinstance(value, list):
        return "\n".join(value)
    return value or ""


@bp.app_context_processor
def _admin_links() -> dict:
    """Pages offer staff a link to correct what they show, once logged in."""
    return {"admin_logged_in": is_logged_in, "corrections_to_review": _review_count}


def _review_count() -> int:
    return len(current_kb().corrections.in_review())


@bp.get("")
def overview():
    if (refused := _login_first()) is not None:
        return refused
    kb = current_kb()
    return render_template(
        "admin/projects.html",
        projects=kb.catalog.project_list(),
        corrected=kb.corrections.counts(),
        review=kb.corrections.in_review(),
        labels=FIELD_LABELS,
    )


@bp.get("/neu")
def new_project():
    if (refused := _login_first()) is not None:
        return refused
    return _render_form(None, {}, [], [])


@bp.post("/neu")
@admin_post
def create_project():
    values = _form_values()
    try:
        project_id = current_kb().add_project(values)
    except CorrectionError as error:
        return _render_form(None, values, [], [], error=str(error)), 400
    flash(gettext("Das Projekt wurde angelegt und ist sofort in der Suche zu finden."))
    return redirect(url_for("records.edit_project", project_id=project_id))


@bp.get("/<project_id>")
def edit_project(project_id: str):
    if (refused := _login_first()) is not None:
        return refused
    kb = current_kb()
    project = kb.project(project_id)
    if project is None:
        abort(404, description=gettext("Dieses Projekt gibt es nicht (mehr)."))
    corrections = kb.corrections
    parsed = corrections.parsed_record(project_id)
    values = {field: _shown_value(_value_of(project, field)) for field in FIELDS}
    source_values = {field: _shown_value(_parsed_value(parsed, field)) for field in FIELDS}
    return _render_form(
        project,
        values,
        corrections.of(project_id),
        corrections.history(project_id),
        source_values=source_values,
    )


@bp.post("/<project_id>")
@admin_post
def save_project(project_id: str):
    kb = current_kb()
    if kb.project(project_id) is None:
        abort(404, description=gettext("Dieses Projekt gibt es nicht (mehr)."))
    try:
        changed = kb.correct_project(project_id, _form_values())
    except CorrectionError as error:
        flash(gettext("Nicht gespeichert: %(reason)s", reason=error))
        return redirect(url_for("records.edit_project", project_id=project_id))
    if changed:
        names = ", ".join(FIELD_LABELS[field] for field in changed)
        flash(
            gettext(
                "Gespeichert: %(fields)s. Suche, ähnliche Projekte und Antworten zeigen die Änderung sofort.",
                fields=names,
            )
        )
    else:
        flash(gettext("Keine Änderung."))
    return redirect(url_for("records.edit_project", project_id=project_id))


@bp.post("/<project_id>/loeschen")
@admin_post
def delete_project(project_id: str):
    try:
        current_kb().delete_manual_project(project_id)
    except KeyError:
        abort(404, description=gettext("Dieses Projekt gibt es nicht (mehr)."))
    except CorrectionError as error:
        abort(400, description=str(error))
    flash(gettext("Das von Hand angelegte Projekt wurde gelöscht."))
    return redirect(url_for("records.overview"))


@bp.post("/<project_id>/pruefen")
@admin_post
def resolve(project_id: str):
    field = request.form.get("field", "")
    decision = request.form.get("decision", "")
    if field not in FIELDS or decision not in ("keep", "source"):
        abort(400, description=gettext("Unbekanntes Feld oder unbekannte Entscheidung."))
    try:
        current_kb().resolve_correction(project_id, field, keep=decision == "keep")
    except KeyError:
        abort(404, description=gettext("Diese Korrektur gibt es nicht (mehr)."))
    flash(gettext("Korrektur behalten.") if decision == "keep" else gettext("Wert der Quelle übernommen."))
    target = request.form.get("next")
    if target == "overview":
        return redirect(url_for("records.overview"))
    return redirect(url_for("records.edit_project", project_id=project_id))


def _value_of(project: dict, field: str):
    if field.startswith(SECTION_PREFIX):
        kind = field.removeprefix(SECTION_PREFIX)
        return next((s["text"] for s in project["sections"] if s["kind"] == kind), None)
    return project.get(field)


def _parsed_value(parsed, field: str):
    if parsed is None:
        return None
    if field.startswith(SECTION_PREFIX):
        kind = field.removeprefix(SECTION_PREFIX)
        return next((s.text for s in parsed.sections if s.kind == kind), None)
    return getattr(parsed, field)


def _render_form(project, values, corrections, history, source_values=None, error=None):
    return render_template(
        "admin/project_edit.html",
        project=project,
        values=values,
        source_values=source_values or {},
        corrections={c["field"]: c for c in corrections},
        history=history,
        plain_fields=PLAIN_FIELDS,
        section_fields=SECTION_FIELDS,
        list_fields=LIST_FIELDS,
        labels=FIELD_LABELS,
        action_labels=ACTION_LABELS,
        areas=AREAS,
        error=error,
    )
