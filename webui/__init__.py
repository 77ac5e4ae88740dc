"""The web UI: German server-rendered pages, a JSON API and an admin area over one KnowledgeBase."""

from __future__ import annotations

from typing import Any

from flask import Flask

from kb import KnowledgeBase, Settings
from kb.catalog import ROLE_LABELS
from webui import (
    admin,
    admin_records,
    api,
    catalog_views,
    errors,
    export_views,
    overview_views,
    search_views,
    security,
)
from webui.request_parsing import KB_EXTENSION

# Room for the multipart framing around a file of the largest allowed size, so that a file
# just at the limit reaches the knowledge base (which reports it per file) instead of a 413.
FORM_OVERHEAD_BYTES = 64 * 1024


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The Flask app. config may hold KB (a ready KnowledgeBase), KB_SETTINGS, and Flask settings."""
    config = dict(config or {})
    knowledge_base: KnowledgeBase | None = config.pop("KB", None)
    settings: Settings | None = config.pop("KB_SETTINGS", None)
    if knowledge_base is None:
        knowledge_base = KnowledgeBase(settings or Settings.from_env(), threads=1)
    settings = knowledge_base.settings

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=security.load_or_create_secret_key(settings.data_dir),
        DEBUG=False,  # not taken from FLASK_DEBUG: the debugger would show internals to anyone
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="praxisfinder_session",
        PERMANENT_SESSION_LIFETIME=8 * 3600,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + FORM_OVERHEAD_BYTES,
        ADMIN_PASSWORD=settings.admin_password,
        ADMIN_MAX_FAILURES=5,
        ADMIN_LOCKOUT_SECONDS=15 * 60,
        ADMIN_FAILURE_DELAY_SECONDS=1.0,
    )
    app.config.update(config)
    # records keep their own order (id, title, score first); JSON_SORT_KEYS is ignored since Flask 2.3
    app.json.sort_keys = False
    app.extensions[KB_EXTENSION] = knowledge_base
    app.jinja_env.globals["role_labels"] = ROLE_LABELS  # every template names roles the same way

    security.init_app(app)
    errors.init_app(app)
    # _() and ngettext() in templates; until catalogs are configured they return the German text.
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_null_translations(newstyle=True)
    blueprints = (
        search_views.bp,
        catalog_views.bp,
        overview_views.bp,
        export_views.bp,
        admin.bp,
        admin_records.bp,
        api.bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    return app
