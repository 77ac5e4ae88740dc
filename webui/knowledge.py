"""Reaching the app's KnowledgeBase and turning request parameters into its arguments."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request

from kb import KnowledgeBase

KB_EXTENSION = "praxisfinder_kb"
FILTER_NAMES = ("area", "town", "target_group")
FILTER_LABELS = {"area": "Themenfeld", "town": "Ort", "target_group": "Zielgruppe"}
ROLE_LABELS = {"traeger": "Träger", "partner": "Partner"}
DEFAULT_RESULTS = 10
MAX_RESULTS = 50


def current_kb() -> KnowledgeBase:
    return current_app.extensions[KB_EXTENSION]


@dataclass(frozen=True)
class SearchRequest:
    """A search as it comes in through the query string; blank values mean 'not given'."""

    query: str
    area: str | None = None
    town: str | None = None
    target_group: str | None = None

    @classmethod
    def from_args(cls) -> SearchRequest:
        def value(name: str) -> str | None:
            return request.args.get(name, "").strip() or None

        return cls(request.args.get("q", "").strip(), value("area"), value("town"), value("target_group"))

    @property
    def filters(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in FILTER_NAMES}

    @property
    def has_filter(self) -> bool:
        return any(self.filters.values())


def public_project(project: dict) -> dict:
    """A project as shown to visitors: without the server's file path of its source."""
    shown = dict(project)
    if shown.get("source"):
        shown["source"] = {key: value for key, value in shown["source"].items() if key != "path"}
    return shown


def browse(area: str | None, town: str | None, target_group: str | None) -> list[dict]:
    """Project cards passing the filters, by title: what a filter without a query shows."""
    return current_kb().browse(area, town, target_group)
