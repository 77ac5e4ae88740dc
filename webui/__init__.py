"""The web UI: server-rendered pages in five languages, a JSON API and an admin area over one KnowledgeBase."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import lazy_gettext

from kb import KnowledgeBase, Settings
from kb.catalog import ROLE_LABELS
from webui import (
    admin,
    admin_groups,
    admin_records,
    answer_views,
    api,
    catalog_views,
    errors,
    export_views,
    i18n,
    kept_parts,
    overview_views,
    search_views,
    security,
)
from webui.long_query_shedding import SHEDDER_EXTENSION, LongQueryShedder
from webui.request_parsing import KB_EXTENSION, page_address

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
    refused = admin.password_problem(app.config["ADMIN_PASSWORD"])
    if refused:
        app.logger.warning(refused)
        app.config.update(ADMIN_PASSWORD=None, ADMIN_PASSWORD_REFUSED=refused)
    app.extensions[KB_EXTENSION] = knowledge_base
    # Every template names roles the same way, in the interface language ("Träger" and "Partner"
    # are in the catalogs through the templates that show them as headings).
    app.jinja_env.globals["role_labels"] = {role: lazy_gettext(label) for role, label in ROLE_LABELS.items()}
    app.jinja_env.globals["page_address"] = page_address

    security.init_app(app)
    i18n.init_app(app)
    kept_parts.init_app(app)
    errors.init_app(app)
    blueprints = (
        search_views.bp,
        answer_views.bp,
        catalog_views.bp,
        overview_views.bp,
        export_views.bp,
        admin.bp,
        admin_records.bp,
        admin_groups.bp,
        api.bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    app.wsgi_app = shedder = LongQueryShedder(app.wsgi_app, knowledge_base, lambda: errors.busy_answers(app))
    app.extensions[SHEDDER_EXTENSION] = shedder  # the server's network loop refuses with it too
    return app
