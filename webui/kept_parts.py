"""Parts of the results page that do not depend on the query, rendered once and kept as HTML.

A results page renders ten cards; their facts (Träger, Ort, Themenfeld, Zielgruppe, Status), the
success line and the contact links were ~40% of its template time (cProfile over bench/web.py),
yet they change only with the project's data and the interface language. `kept_part(macro, item)`
in a template renders `macro(item)` once per language and per value of the fields that macro reads,
and keeps the HTML in a cache bounded in bytes (one per app). The key holds the field values
themselves, not a store generation: a corrected project has other values, so a card can never show
an old state, and nothing has to be told when the store changes. The filter fields above the
results (20-60 options each) are kept the same way, by all their arguments.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from flask import Flask
from jinja2.runtime import Macro
from markupsafe import Markup

from kb.bounded_cache import ByteBoundedCache
from webui.i18n import current_language

# A card's kept parts take ~0.5-1.5 KB per language, a filter field 1-3 KB: 1 MB holds ~1,000 projects.
KEPT_PARTS_BYTES = 1024 * 1024
# What the card macros read of their item (the only inputs besides the interface language); other
# macros are kept by all their arguments.
PART_FIELDS: dict[str, tuple[str, ...]] = {
    "facts": ("organisation", "town", "area", "groups", "target_groups", "status", "period"),
    "success_and_contact": ("success", "contact"),  # the contact links are read from the contact
}


def _field(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _frozen(value: Any) -> Hashable:
    """A hashable stand-in for an argument: lists as tuples, dicts as their items; markup apart
    from text (the same letters render differently escaped or not). Exact types: a subclass of
    str may render differently from its text."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is Markup:
        return (Markup, str(value))
    if kind is list or kind is tuple:
        return tuple(map(_frozen, value))
    if kind is dict:
        return tuple((key, _frozen(item)) for key, item in value.items())
    return (kind, value)


def init_app(app: Flask) -> None:
    kept = ByteBoundedCache(KEPT_PARTS_BYTES)

    def kept_part(macro: Macro, *args: Any) -> Markup:
        """macro(*args), rendered once per language and inputs (for a card's parts: the fields
        PART_FIELDS names)."""
        fields = PART_FIELDS.get(macro.name)
        if fields is None:
            inputs = _frozen(args)
        else:
            inputs = tuple(_frozen(_field(args[0], name)) for name in fields)
        key = (macro.name, current_language(), inputs)
        try:
            html = kept.get(key)
        except TypeError:  # an argument of a kind that cannot be a key: rendered every time
            return macro(*args)
        if html is None:
            html = macro(*args)
            kept.put(key, html)
        return html

    kept_part.cache = kept  # type: ignore[attr-defined]
    app.jinja_env.globals["kept_part"] = kept_part
