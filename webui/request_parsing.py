"""Request parsing: reaching the app's KnowledgeBase and turning request parameters into its arguments."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from urllib.parse import urlencode

from flask import current_app, request, url_for

from kb import KnowledgeBase
from kb.filters import Filters
from kb.input_limits import MAX_QUERY_CHARS, bounded_query

KB_EXTENSION = "praxisfinder_kb"
DEFAULT_RESULTS = 10
MAX_RESULTS = 50
MAX_ADDRESS_ARGS = 20  # more than any page's form has


def current_kb() -> KnowledgeBase:
    return current_app.extensions[KB_EXTENSION]


@dataclass(frozen=True)
class SearchRequest:
    """A search as it comes in through the query string; blank values mean 'not given'."""

    query: str
    filters: Filters = Filters()

    @classmethod
    def from_args(cls) -> SearchRequest:
        return cls(bounded_query(request.args.get("q", "")), Filters.from_lookup(request.args.get))

    @property
    def has_filter(self) -> bool:
        return bool(self.filters)

    def __getattr__(self, name: str) -> str | None:
        # templates read a filter's value as search.area, search.town, ...
        if name in Filters.names():
            return getattr(self.filters, name)
        raise AttributeError(name)


def wants_all() -> bool:
    """`all=1`: also list the nearest projects below the relevance floor, marked weak."""
    return request.args.get("all", "").strip().lower() in ("1", "true", "ja", "yes")


def public_url(endpoint: str, **values: object) -> str:
    """A link to one of our pages for text that leaves the site (an answer letter, an export):
    under the configured KB_BASE_URL, else relative. Never from the request's Host header, which
    the sender chooses."""
    path = url_for(endpoint, **values)
    base = current_kb().settings.base_url
    return base.rstrip("/") + path if base else path


def public_project(project: dict) -> dict:
    """A project as shown to visitors: without the server's file path of its source."""
    shown = dict(project)
    if shown.get("source"):
        shown["source"] = {key: value for key, value in shown["source"].items() if key != "path"}
    return shown


def browse(filters: Filters) -> list[dict]:
    """Project cards passing the filters, by title: what a filter without a query shows."""
    return current_kb().browse(filters)


def page_address(without: str = "", **replace: str) -> str:
    """This page's path and query, for links and forms that lead back to it (the language switch,
    the Merkliste's way back), with `without` dropped and `replace` set.

    Bounded: at most MAX_ADDRESS_ARGS parameters of at most MAX_QUERY_CHARS characters each (what a
    search reads of a query). Every page links itself once per language, so unbounded a
    100,000-character parameter came back five times, and 5,000 parameters made a 146 KB page."""
    dropped = {without, *replace}
    args = [
        (key[:MAX_QUERY_CHARS], value[:MAX_QUERY_CHARS])
        for key, value in islice(request.args.items(multi=True), MAX_ADDRESS_ARGS + len(dropped))
        if key not in dropped
    ]
    query = urlencode([*args[:MAX_ADDRESS_ARGS], *replace.items()])
    return request.path + ("?" + query if query else "")
