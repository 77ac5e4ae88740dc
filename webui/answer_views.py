"""The enquiry answer: a Merkliste of chosen projects kept in the session, and the letter built from it.

Everything works without JavaScript: the lists post their checkboxes to /merkliste (with the ids the
page showed, so unticking removes), the letter's text area posts to the print view and the .docx
download, so what staff edited is what gets printed or downloaded.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, session, url_for

from kb.answer_letter import MAX_LETTER_CHARS, SUBJECT, compose_letter, letter_docx
from webui.request_parsing import current_kb, page_address, public_url
from webui.security import check_csrf

bp = Blueprint("answer", __name__)

MERKLISTE = "merkliste"
LAST_LIST = "letzte_liste"
MAX_PICKED = 20
MAX_IDS_PER_POST = 200
MAX_ID_CHARS = 200


def picked_ids() -> list[str]:
    return list(session.get(MERKLISTE, []))


@bp.app_context_processor
def _merkliste_count() -> dict:
    """The count in every page's header."""
    return {"merkliste_count": len(session.get(MERKLISTE, []))}


# The session lives in a cookie (browsers drop cookies over 4 KB): a longer list address, a pasted
# page as the query, is not remembered.
MAX_LIST_ADDRESS_CHARS = 2000


def remember_list_address() -> None:
    """Called by the list pages: where 'Zurück zur Liste' leads, filters and search included."""
    address = page_address()
    if len(address) <= MAX_LIST_ADDRESS_CHARS and session.get(LAST_LIST) != address:
        session[LAST_LIST] = address


def _ids(name: str) -> list[str]:
    values = request.form.getlist(name)[:MAX_IDS_PER_POST]
    return [v.strip() for v in values if v.strip() and len(v) <= MAX_ID_CHARS]


def _safe_next(target: str) -> str:
    """Only an address on this site: a path, never another host."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("answer.letter")


@bp.post("/merkliste")
def update_selection():
    """Ticked ids join the Merkliste; ids the page showed but are no longer ticked leave it."""
    check_csrf()
    shown, ticked = set(_ids("shown")), _ids("ids")
    kept = [i for i in picked_ids() if i not in shown]
    session[MERKLISTE] = list(dict.fromkeys(kept + ticked))[:MAX_PICKED]
    if request.form.get("go") == "antwort":
        return redirect(url_for("answer.letter"))
    return redirect(_safe_next(request.form.get("next", "")))


@bp.post("/merkliste/leeren")
def clear_selection():
    check_csrf()
    session.pop(MERKLISTE, None)
    return redirect(url_for("answer.letter"))


def _chosen() -> tuple[list[dict], int, list[str]]:
    """The projects of the letter: ?ids= when a link names them, else the Merkliste."""
    wanted = [i for i in request.args.getlist("ids") if i.strip()] or picked_ids()
    wanted = list(dict.fromkeys(wanted))[:MAX_PICKED]
    kb = current_kb()
    projects = [p for p in (kb.project(project_id) for project_id in wanted) if p is not None]
    return projects, len(wanted) - len(projects), wanted


def _letter(projects: list[dict]) -> str:
    return compose_letter(projects, lambda pid: public_url("catalog.project", project_id=pid))


@bp.get("/antwort")
def letter():
    projects, missing, ids = _chosen()
    text = _letter(projects) if projects else ""
    template = "search/answer_print.html" if request.args.get("druck") else "search/answer.html"
    return render_template(
        template,
        projects=projects,
        text=text,
        missing=missing,
        ids=ids,
        subject=SUBJECT,
        from_link=bool(request.args.getlist("ids")),
        back=session.get(LAST_LIST) or url_for("search.start"),
    )


def _posted_text() -> str:
    return request.form.get("text", "")[:MAX_LETTER_CHARS]


@bp.post("/antwort/druck")
def print_view():
    """The print view of the letter as staff edited it."""
    check_csrf()
    text = _posted_text()
    return render_template("search/answer_print.html", text=text, edited=True)


@bp.post("/antwort/docx")
def download_docx():
    """The letter as staff edited it, as a Word document."""
    check_csrf()
    return Response(
        letter_docx(_posted_text()),
        mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        headers={"Content-Disposition": 'attachment; filename="antwort.docx"', "Cache-Control": "no-store"},
    )
