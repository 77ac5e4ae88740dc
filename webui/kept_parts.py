"""Parts of a result card that do not depend on the query, rendered once and kept as HTML.

A results page renders ten cards; their facts (Träger, Ort, Themenfeld, Zielgruppe, Status), the
success line and the contact links were ~40% of its template time (cProfile over bench/web.py),
yet they change only with the project's data and the interface language. `kept_part(macro, item)`
in a template renders `macro(item)` once per language and per value of the fields that macro reads,
and keeps the HTML in a cache bounded in bytes (one per app). The key holds the field values
themselves, not a store generation: a corrected project has other values, so a card can never show
an old state, and nothing has to be told when the store changes.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from flask import Flask
from jinja2.runtime import Macro
from markupsafe import Markup

from kb.bounded_cache import ByteBoundedCache
from webui.i18n import current_language

# A card's kept parts take ~0.5-1.5 KB per language: 1 MB holds ~1,000 projects in one language.
KEPT_PARTS_BYTES = 1024 * 1024
# What each kept macro reads of its item (the only inputs besides the interface language).
PART_FIELDS: dict[str, tuple[str, ...]] = {
    "facts": ("organisation", "town", "area", "groups", "target_groups", "status", "period"),
    "success_and_contact": ("success", "contact"),  # the contact links are read from the contact
}


def _field(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def _frozen(value: Any) -> Hashable:
    """A hashable stand-in for a field value: lists as tuples, the vocabulary's groups (dicts) by
    their labels, the only part of them a card shows."""
    if isinstance(value, list | tuple):
        return tuple(item["label"] if isinstance(item, dict) else item for item in value)
    return value


def init_app(app: Flask) -> None:
    kept = ByteBoundedCache(KEPT_PARTS_BYTES)

    def kept_part(macro: Macro, item: Any) -> Markup:
        """macro(item), rendered once per language and field values (PART_FIELDS names them)."""
        fields = PART_FIELDS[macro.name]
        key = (macro.name, current_language(), tuple(_frozen(_field(item, name)) for name in fields))
        html = kept.get(key)
        if html is None:
            html = macro(item)
            kept.put(key, html)
        return html

    kept_part.cache = kept  # type: ignore[attr-defined]
    app.jinja_env.globals["kept_part"] = kept_part
