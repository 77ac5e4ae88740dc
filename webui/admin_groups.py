"""The admin's target-group mapping: how each wording of the projects is filed in the vocabulary,
and a correction by hand that is kept apart and survives re-ingests."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from kb.vocabulary import MAX_PHRASE_CHARS
from webui.admin import admin_post, is_logged_in
from webui.request_parsing import current_kb

bp = Blueprint("groups", __name__, url_prefix="/admin/zielgruppen")

METHOD_LABELS = {
    "rule": "nach Regeln",
    "model": "vom Sprachmodell",
    "manual": "von Hand korrigiert",
    "none": "keiner Gruppe zugeordnet",
    "pending": "noch nicht zugeordnet",
}


@bp.get("")
def overview():
    if not is_logged_in():
        flash("Bitte melden Sie sich zuerst an.")
        return redirect(url_for("admin.dashboard"))
    kb = current_kb()
    wording = request.args.get("wortlaut", "").strip()[:MAX_PHRASE_CHARS]
    table = kb.target_group_mappings()
    chosen = next((row for row in table if wording and row["text"].lower() == wording.lower()), None)
    return render_template(
        "admin/target_groups.html",
        table=table,
        groups=kb.target_groups(),
        chosen=chosen,
        method_labels=METHOD_LABELS,
    )


@bp.post("")
@admin_post
def correct():
    wording = request.form.get("wording", "").strip()
    if not wording:
        abort(400, description="Welcher Wortlaut soll zugeordnet werden?")
    try:
        current_kb().correct_target_group(wording, request.form.getlist("group"))
    except ValueError as error:
        abort(400, description=str(error))
    flash(f"„{wording}“ ist jetzt von Hand zugeordnet; das bleibt beim erneuten Einlesen erhalten.")
    return redirect(url_for("groups.overview"))


@bp.post("/zuruecksetzen")
@admin_post
def reset():
    wording = request.form.get("wording", "").strip()
    if current_kb().reset_target_group(wording):
        flash(f"„{wording}“ ist wieder automatisch zugeordnet.")
    else:
        flash(f"„{wording}“ war nicht von Hand zugeordnet.")
    return redirect(url_for("groups.overview"))
