"""Every list as a download: CSV (UTF-8 with BOM, so Excel reads the umlauts) or XLSX."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, request
from flask_babel import gettext

from kb import export
from webui.request_parsing import DEFAULT_RESULTS, MAX_RESULTS, SearchRequest, current_kb, public_url

bp = Blueprint("exports", __name__)

MIME = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.get("/export/<name>.<fmt>")
def download(name: str, fmt: str):
    """/export/projekte.csv?q=&area=&town=&target_group=&k=, organisationen, partner, abdeckung-orte, abdeckung-zielgruppen."""
    if fmt not in export.FORMATS:
        abort(404, description=gettext("Diese Datei gibt es als CSV oder XLSX."))
    makers = {
        "projekte": _projects,
        "organisationen": _organisations,
        "partner": _partners,
        "abdeckung-orte": lambda: export.coverage_tables(current_kb().coverage(), "town"),
        "abdeckung-zielgruppen": lambda: export.coverage_tables(current_kb().coverage(), "target_group"),
    }
    if name not in makers:
        abort(404, description=gettext("Diese Liste gibt es nicht zum Herunterladen."))
    tables = makers[name]()
    filename = f"praxisfinder-{name}-{date.today().isoformat()}.{fmt}"
    if fmt == "csv":
        body: bytes = ("\ufeff" + export.to_csv(tables[0])).encode("utf-8")
    else:
        body = export.to_xlsx(tables)
    return Response(
        body,
        mimetype=MIME[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def _project_url(project_id: str) -> str:
    return public_url("catalog.project", project_id=project_id)


def _projects() -> list[export.Table]:
    """The search results (with q), the filtered list (filters only), or every project."""
    search = SearchRequest.from_args()
    kb = current_kb()
    if search.query:
        k = min(max(request.args.get("k", DEFAULT_RESULTS, type=int) or DEFAULT_RESULTS, 1), MAX_RESULTS)
        hits = kb.search(search.query, k=k, filters=search.filters)
        projects = {hit.id: kb.project(hit.id) for hit in hits}
        return [export.search_table(hits, {i: p for i, p in projects.items() if p}, _project_url)]
    if search.has_filter:
        ids = [card["id"] for card in kb.browse(search.filters)]
    else:
        ids = kb.catalog.project_ids()
    projects = [p for p in (kb.project(project_id) for project_id in ids) if p]
    return [export.project_table(projects, _project_url)]


def _organisations() -> list[export.Table]:
    search = SearchRequest.from_args()
    network = current_kb().network(search.filters)
    return [
        export.organisation_table(
            network, lambda oid: public_url("catalog.organisation", organisation_id=oid)
        )
    ]


def _partners() -> list[export.Table]:
    wanted = SearchRequest.from_args()
    asked = bool(wanted.query or wanted.has_filter)
    hits = current_kb().partners(wanted.query, DEFAULT_RESULTS, wanted.filters) if asked else []
    return [export.partner_table(hits)]
