"""The admin area: log in with the configured password, upload documents, delete sources, re-index."""

from __future__ import annotations

import hashlib
import hmac
from functools import wraps
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext, lazy_gettext, ngettext

from ingest import SUFFIX_KINDS
from kb.knowledge_base import safe_filename
from webui.admin_sessions import SESSIONS_FILE, AdminSessions
from webui.login_throttle import LoginThrottle
from webui.request_parsing import KB_EXTENSION, current_kb
from webui.security import check_csrf
from webui.upload_messages import german_message

bp = Blueprint("admin", __name__, url_prefix="/admin")

THROTTLE_EXTENSION = "praxisfinder_login_throttle"
SESSIONS_EXTENSION = "praxisfinder_admin_sessions"
STATUS_LABELS = {
    "ok": lazy_gettext("eingelesen"),
    "partial": lazy_gettext("teilweise eingelesen"),
    "unchanged": lazy_gettext("unverändert, war schon vorhanden"),
    "failed": lazy_gettext("nicht eingelesen"),
    "skipped": lazy_gettext("übersprungen"),
}
MIN_PASSWORD_LENGTH = 12
ACCEPTED_SUFFIXES = ",".join(SUFFIX_KINDS)  # what the file picker offers: what ingest reads


@bp.record_once
def _create_throttle(state) -> None:
    config = state.app.config
    data_dir = state.app.extensions[KB_EXTENSION].settings.data_dir
    state.app.extensions[THROTTLE_EXTENSION] = LoginThrottle(
        data_dir / SESSIONS_FILE,  # shared by the worker processes, like the sessions
        max_failures=config["ADMIN_MAX_FAILURES"],
        lockout_seconds=config["ADMIN_LOCKOUT_SECONDS"],
        pause_seconds=config["ADMIN_FAILURE_DELAY_SECONDS"],
    )
    state.app.extensions[SESSIONS_EXTENSION] = AdminSessions(data_dir, config["PERMANENT_SESSION_LIFETIME"])


def _password() -> str | None:
    return current_app.config.get("ADMIN_PASSWORD") or None


def password_problem(password: str | None) -> str | None:
    """Why a configured admin password does not switch the admin area on; None when it does (or is unset)."""
    if password is None or password == "":
        return None
    if len(password.strip()) < MIN_PASSWORD_LENGTH:
        return (
            f"KB_ADMIN_PASSWORD is blank or shorter than {MIN_PASSWORD_LENGTH} characters: "
            "the admin area stays switched off; set a longer password to switch it on"
        )
    return None


def _admin_mark(password: str) -> str:
    """What the session holds once logged in; changing the password logs every session out."""
    key = (
        current_app.secret_key
        if isinstance(current_app.secret_key, bytes)
        else str(current_app.secret_key).encode()
    )
    return hmac.new(key, password.encode(), hashlib.sha256).hexdigest()


def is_logged_in() -> bool:
    password = _password()
    mark = session.get("admin")
    if not (password and mark and hmac.compare_digest(mark, _admin_mark(password))):
        return False
    return _sessions().is_open(session.get("admin_session"))


def _sessions() -> AdminSessions:
    return current_app.extensions[SESSIONS_EXTENSION]


def admin_post(view):
    """An admin action: only with a password configured, a logged-in session and a valid CSRF token."""

    @wraps(view)
    def guarded(*args, **kwargs):
        if _password() is None:
            abort(404, description=gettext("Der Verwaltungsbereich ist ausgeschaltet."))
        if not is_logged_in():
            abort(403, description=gettext("Bitte melden Sie sich zuerst im Verwaltungsbereich an."))
        check_csrf()
        return view(*args, **kwargs)

    return guarded


@bp.get("")
def dashboard():
    if _password() is None:
        return render_template(
            "admin/disabled.html",
            password_refused=current_app.config.get("ADMIN_PASSWORD_REFUSED", False),
            min_length=MIN_PASSWORD_LENGTH,
        )
    if not is_logged_in():
        return render_template("admin/login.html")
    return _render_dashboard()


def _render_dashboard(outcomes: list | None = None) -> str:
    kb = current_kb()
    return render_template(
        "admin/dashboard.html",
        sources=kb.sources(),
        outcomes=outcomes,
        status_labels=STATUS_LABELS,
        accepted=ACCEPTED_SUFFIXES,
        limit_mb=kb.settings.max_upload_mb,
    )


@bp.post("/login")
def login():
    password = _password()
    if password is None:
        abort(404, description=gettext("Der Verwaltungsbereich ist ausgeschaltet."))
    check_csrf()
    throttle: LoginThrottle = current_app.extensions[THROTTLE_EXTENSION]
    client = request.remote_addr or "unknown"
    verdict, seconds = throttle.begin_attempt(client)
    if verdict == "locked":
        return render_template("admin/login.html", locked_minutes=_minutes(seconds)), 429
    if verdict == "pause":
        return render_template("admin/login.html", too_soon=True), 429
    given = request.form.get("password", "")
    if not hmac.compare_digest(given.encode(), password.encode()):
        waiting = throttle.seconds_locked(client)
        if waiting:
            return render_template("admin/login.html", locked_minutes=_minutes(waiting)), 429
        return render_template("admin/login.html", wrong_password=True), 401
    throttle.record_success(client)
    session.clear()  # a fresh session (and CSRF token) after login
    session.permanent = True
    session["admin"] = _admin_mark(password)
    session["admin_session"] = _sessions().open()
    return redirect(url_for("admin.dashboard"))


def _minutes(seconds: float) -> int:
    return max(1, round(seconds / 60))


@bp.post("/logout")
def logout():
    check_csrf()
    _sessions().close(session.get("admin_session"))
    session.clear()
    flash(gettext("Sie sind abgemeldet."))
    return redirect(url_for("admin.dashboard"))


@bp.post("/upload")
@admin_post
def upload():
    files = [f for f in request.files.getlist("file") if f and f.filename]
    if not files:
        flash(gettext("Bitte wählen Sie mindestens eine Datei aus."))
        return redirect(url_for("admin.dashboard"))
    url = request.form.get("url", "").strip() or None
    if url and len(files) > 1:
        flash(
            gettext(
                "Eine Adresse im Netz gehört zu einer einzelnen Datei: bitte laden Sie die Datei allein hoch."
            )
        )
        return redirect(url_for("admin.dashboard"))
    kb = current_kb()
    outcomes = []
    for file in files:
        outcome, index_report = kb.ingest_upload(file.filename, file.read(), url=url)
        source = next((s for s in kb.sources() if s["path"] == str(Path(outcome.path).resolve())), None)
        outcomes.append(
            {
                "name": file.filename,
                "outcome": outcome,
                "messages": [german_message(error, safe_filename(file.filename)) for error in outcome.errors],
                "index": index_report,
                "projects": [p for p in (kb.project(i) for i in outcome.counts.project_ids) if p],
                "source_id": source["id"] if source and source["report"] else None,
            }
        )
    return _render_dashboard(outcomes)


@bp.get("/quellen/<int:source_id>")
def source_report(source_id: int):
    """The parse report of one source, to reopen after the upload: what was read, and warnings."""
    if _password() is None:
        return render_template("admin/disabled.html")
    if not is_logged_in():
        return render_template("admin/login.html"), 403
    try:
        source, report = current_kb().source_report(source_id)
    except KeyError:
        abort(404, description="Diese Quelle gibt es nicht (mehr).")
    return render_template(
        "admin/source_report.html", source=source, report=report, status_labels=STATUS_LABELS
    )


@bp.post("/quellen/<int:source_id>/loeschen")
@admin_post
def delete_source(source_id: int):
    kb = current_kb()
    source = kb.source(source_id)
    if source is None:
        abort(404, description=gettext("Diese Quelle gibt es nicht (mehr)."))
    removed = kb.delete_source(source_id)
    flash(
        ngettext(
            "„%(name)s“ wurde gelöscht, mit %(num)d Projekt.",
            "„%(name)s“ wurde gelöscht, mit %(num)d Projekten.",
            removed,
            name=source["name"],
        )
    )
    return redirect(url_for("admin.dashboard"))


@bp.post("/index")
@admin_post
def rebuild_index():
    report = current_kb().index(rebuild=True)
    # The notes come from the knowledge base and stay German.
    flash(
        gettext(
            "Suchindex neu aufgebaut: %(added)d Textabschnitte aufgenommen, %(embedded)d davon neu berechnet.",
            added=report.added,
            embedded=report.embedded,
        )
        + "".join(f" {note}" for note in report.notes)
    )
    return redirect(url_for("admin.dashboard"))
