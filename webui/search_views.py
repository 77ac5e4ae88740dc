"""The pages for finding things: the start page search and the partner finder."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from kb.input_limits import MAX_QUERY_CHARS, was_cut
from webui.answer_views import picked_ids, remember_list_address
from webui.request_parsing import DEFAULT_RESULTS, SearchRequest, browse, current_kb, wants_all

bp = Blueprint("search", __name__)

# (query, language): the last shows that ideas may be written in another language.
EXAMPLE_QUERIES = [
    ("Sprachcafé, in dem Geflüchtete ohne Anmeldung Deutsch sprechen üben", "de"),
    ("Gesundheitsinformationen in mehreren Sprachen für neu zugewanderte Familien", "de"),
    ("Hausaufgabenhilfe und Elternarbeit an der Grundschule", "de"),
    ("Kadınlar için çocuk bakımlı Almanca kursu", "tr"),
]


@bp.get("/")
def start():
    search = SearchRequest.from_args()
    kb = current_kb()
    show_all = wants_all()
    outcome = (
        kb.find(search.query, k=DEFAULT_RESULTS, filters=search.filters, include_weak=show_all)
        if search.query
        else None
    )
    listed = browse(search.filters) if not search.query and search.has_filter else []
    if search.query or search.has_filter:
        remember_list_address()
    return render_template(
        "search/start.html",
        search=search,
        outcome=outcome,
        hits=outcome.hits if outcome else [],
        show_all=show_all,
        max_query_chars=MAX_QUERY_CHARS,
        truncated=was_cut(request.args.get("q", "")),
        listed=listed,
        facets=kb.facets(),
        groups=kb.target_groups(),
        examples=EXAMPLE_QUERIES,
        project_count=kb.project_count(),
        picked=set(picked_ids()),
    )


@bp.get("/partner")
def partner_finder():
    wanted = SearchRequest.from_args()
    kb = current_kb()
    asked = bool(wanted.query or wanted.has_filter)
    hits = kb.partners(wanted.query, DEFAULT_RESULTS, wanted.filters) if asked else []
    return render_template(
        "search/partner.html",
        query=wanted.query,
        town=wanted.town,
        target_group=wanted.target_group,
        asked=asked,
        hits=hits,
        facets=kb.facets(),
        groups=kb.target_groups(),
    )
