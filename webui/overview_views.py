"""The pages for coordinators and initiatives: the Überblick, the organisation network, the Ideen-Check."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from markupsafe import Markup

from kb.county import map_layout
from kb.fund_rules import OUTSIDE_COUNTY, euros
from kb.idea_check import Idea
from webui.request_parsing import SearchRequest, current_kb

bp = Blueprint("overview", __name__)

HEAT_LEVELS = 5
MAP_WIDTH = 460  # drawn at about this size, so the town names keep their 13 px


def heat_level(count: int, most: int) -> int:
    """0 for none, else 1..HEAT_LEVELS by the share of the largest cell (a class picks the colour)."""
    if count <= 0 or most <= 0:
        return 0
    return max(1, min(HEAT_LEVELS, -(-count * HEAT_LEVELS // most)))


bp.add_app_template_filter(euros, "euros")


@bp.app_template_filter("de_text")
def de_text(value: object) -> Markup:
    """A name from the collection or the configuration inside translated text: marked German, escaped."""
    return Markup('<span lang="de" dir="auto">{}</span>').format(value)


@bp.get("/ueberblick")
def overview():
    kb = current_kb()
    cover = kb.coverage()
    towns = [(town, cover.town_totals.get(town.name, 0)) for town in kb.county.towns]
    points, height = map_layout(towns, width=MAP_WIDTH, margin=60)
    return render_template(
        "overview/overview.html",
        cover=cover,
        county=kb.county,
        points=points,
        map_height=height,
        map_width=MAP_WIDTH,
        heat_level=heat_level,
    )


@bp.get("/netzwerk")
def network():
    search = SearchRequest.from_args()
    kb = current_kb()
    return render_template(
        "overview/network.html", search=search, network=kb.network(search.filters), facets=kb.facets()
    )


@bp.get("/ideen-check")
def idea_check():
    args = request.args
    idea = Idea.typed(
        text=args.get("q"),
        town=args.get("town"),
        target_group=args.get("target_group"),
        amount=args.get("betrag"),
        months=args.get("monate"),
        organisation=args.get("traeger"),
    )
    kb = current_kb()
    submitted = any(args.get(name, "").strip() for name in ("q", "town", "betrag", "monate", "traeger"))
    report = kb.idea_check(idea) if submitted else None
    return render_template(
        "overview/idea_check.html",
        idea=idea,
        report=report,
        county=kb.county,
        rules=kb.fund_rules,
        facets=kb.facets(),
        outside_county=OUTSIDE_COUNTY,
    )
