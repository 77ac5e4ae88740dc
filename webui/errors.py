"""Error answers in one place: a JSON shape for every /api/ error, a page in the interface language for everything else."""

from __future__ import annotations

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import gettext, lazy_gettext
from werkzeug.exceptions import HTTPException

from kb.long_queries import QueryBusyError
from webui.request_parsing import current_kb

PAGE_TEXTS = {
    400: (
        lazy_gettext("Anfrage nicht verständlich"),
        lazy_gettext(
            "Die Anfrage war unvollständig. Bitte gehen Sie zurück und versuchen Sie es noch einmal."
        ),
    ),
    403: (lazy_gettext("Kein Zugriff"), lazy_gettext("Diese Aktion ist hier nicht erlaubt.")),
    404: (
        lazy_gettext("Seite nicht gefunden"),
        lazy_gettext(
            "Diese Seite gibt es nicht (mehr). Vielleicht hilft die Suche auf der Startseite weiter."
        ),
    ),
    405: (
        lazy_gettext("Aktion nicht möglich"),
        lazy_gettext("Diese Adresse kann so nicht aufgerufen werden."),
    ),
    413: (lazy_gettext("Zu groß"), lazy_gettext("Die gesendeten Daten sind zu groß.")),
    500: (
        lazy_gettext("Ein Fehler ist aufgetreten"),
        lazy_gettext("Das hat nicht geklappt. Bitte versuchen Sie es später noch einmal."),
    ),
}
BUSY_TITLE = lazy_gettext("Gerade sehr viele lange Anfragen")
BUSY_TEXT = lazy_gettext(
    "Gerade werden sehr viele lange Suchanfragen bearbeitet. Bitte versuchen Sie es in ein paar "
    "Sekunden noch einmal, oder fassen Sie Ihre Frage in ein bis zwei Sätzen zusammen: kurze "
    "Anfragen werden immer sofort bearbeitet."
)
CSRF_TEXT = lazy_gettext(
    "Das Formular war abgelaufen. Bitte laden Sie die Seite neu und senden Sie es noch einmal."
)


def api_error(status: int, message: str) -> Response:
    """The one JSON error shape of the API."""
    response = jsonify({"error": {"status": status, "message": message}})
    response.status_code = status
    return response


def _custom_description(error: HTTPException) -> str | None:
    """The text a view passed to abort(), if it passed one."""
    default = type(error).description
    return error.description if error.description and error.description != default else None


def _page_text(error: HTTPException) -> tuple[str, str]:
    status = error.code or 500
    title, text = PAGE_TEXTS.get(status, (error.name, PAGE_TEXTS[400][1]))
    title, text = str(title), str(text)
    custom = _custom_description(error)
    if custom == "csrf":
        text = str(CSRF_TEXT)
    elif custom:
        text = custom
    if status == 413:
        limit_mb = f"{current_kb().settings.max_upload_mb:g}"
        text = gettext(
            "Die gesendeten Daten sind zu groß: höchstens %(mb)s MB auf einmal. "
            "Laden Sie große Dateien bitte einzeln hoch.",
            mb=limit_mb,
        )
    return title, text


def handle_http_error(error: HTTPException) -> tuple[str, int] | Response:
    status = error.code or 500
    if request.path.startswith("/api/"):
        custom = _custom_description(error)
        return api_error(status, custom if custom and custom != "csrf" else error.description or error.name)
    title, text = _page_text(error)
    return render_template("errors/error.html", title=title, text=text, status=status), status


def handle_busy(error: QueryBusyError) -> Response:
    """503 with Retry-After: a long query found no free slot (kb.long_queries); short ones are never refused."""
    if request.path.startswith("/api/"):
        response = api_error(503, str(BUSY_TEXT))
    else:
        page = render_template("errors/error.html", title=str(BUSY_TITLE), text=str(BUSY_TEXT), status=503)
        response = make_response(page, 503)
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def busy_answers(app: Flask) -> tuple[str, str]:
    """The German 503 page and API message, for refusals in front of the app (webui/long_query_shedding.py)."""
    with app.test_request_context("/"):
        page = render_template("errors/error.html", title=str(BUSY_TITLE), text=str(BUSY_TEXT), status=503)
        return page, str(BUSY_TEXT)


def init_app(app: Flask) -> None:
    # An unexpected exception reaches this handler as InternalServerError after Flask has logged
    # its traceback; the visitor sees no internals.
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(QueryBusyError, handle_busy)
