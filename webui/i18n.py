"""The interface language: `?lang=` chooses it, a cookie remembers it, German is the default.

The gettext catalogs are the .po files under webui/translations (written by us, plain language).
Compiled .mo files are build products and not kept in git: the app compiles a catalog at start
when its .mo is missing or older than its .po, so a fresh clone, `make demo`, `make test` and a
plain `pytest` all serve the current translations; `make translations` does the same by hand
after extracting new strings.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations
from flask import Flask, Response, g, has_app_context, request
from flask_babel import Babel, get_locale, get_translations, lazy_gettext
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from webui.request_parsing import page_address

log = logging.getLogger(__name__)

# Each language named in itself, as a switch must show it to someone who cannot read German.
LANGUAGES = {"de": "Deutsch", "en": "English", "tr": "Türkçe", "ar": "العربية", "uk": "Українська"}
DEFAULT_LANGUAGE = "de"
# The same languages named in the interface language, e.g. for "(Türkisch)" after an example query.
LANGUAGE_NAMES = {
    "de": lazy_gettext("Deutsch"),
    "en": lazy_gettext("Englisch"),
    "tr": lazy_gettext("Türkisch"),
    "ar": lazy_gettext("Arabisch"),
    "uk": lazy_gettext("Ukrainisch"),
}
RIGHT_TO_LEFT = frozenset({"ar"})
LANGUAGE_COOKIE = "praxisfinder_lang"
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"


def select_language() -> str:
    """The language of this request: ?lang=xx, else the remembered one, else German."""
    asked = request.args.get("lang", "")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(LANGUAGE_COOKIE, "")
    return remembered if remembered in LANGUAGES else DEFAULT_LANGUAGE


def current_language() -> str:
    """The request's interface language, kept beside the locale Flask-Babel keeps for the request
    (as _request_translations keeps the catalog; a changed locale is a miss): a results page asks
    for it ~26 times (each kept part's key), 3.7 µs each through get_locale()."""
    state = getattr(g, "_flask_babel", None) if has_app_context() else None
    found = getattr(state, "_praxisfinder_language", None)
    if found is None or found[0] is None or found[0] is not getattr(state, "babel_locale", None):
        locale = get_locale()
        found = (locale, str(locale) if locale is not None else DEFAULT_LANGUAGE)
        state = getattr(g, "_flask_babel", None) if has_app_context() else None
        if state is not None:
            state._praxisfinder_language = found
    return found[1]


def text_direction(language: str) -> str:
    return "rtl" if language in RIGHT_TO_LEFT else "ltr"


def language_url(language: str) -> str:
    """This page (path and query, bounded) in another language."""
    return page_address(lang=language)


def user_text(text: str) -> Markup:
    """Text someone typed or uploaded, isolated so its own direction cannot reorder the sentence around it."""
    return Markup('<bdi dir="auto">{}</bdi>').format(text)


def code_text(text: str) -> Markup:
    return Markup("<code>{}</code>").format(text)


def _request_translations() -> NullTranslations:
    """This request's catalog, looked up once per request and locale.

    Kept beside the locale Flask-Babel keeps for the request (`g._flask_babel.babel_locale`, which
    `refresh()` and `force_locale()` change, so a changed locale is a miss): a results page asked
    get_locale() and get_translations() for each of its ~70 strings. Should Flask-Babel keep its
    state elsewhere, every look-up misses and is as slow as before, never wrong."""
    if not has_app_context():
        return get_translations()
    state = getattr(g, "_flask_babel", None)
    found = getattr(state, "_praxisfinder_catalog", None)
    if found is None or found[0] is None or found[0] is not getattr(state, "babel_locale", None):
        locale = get_locale()
        found = (locale, get_translations())
        state = getattr(g, "_flask_babel", None)
        if state is not None:
            state._praxisfinder_catalog = found
    return found[1]


@pass_context
def _template_gettext(context: Context, string: str, **variables: object) -> str:
    """`_()` and `gettext()` in templates: the translation, escaped like Jinja's new-style gettext
    (a format string filled with escaped variables), in one call instead of three."""
    text = _request_translations().ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    # `text % {}` gives text back unchanged when it holds no "%": skip the formatting then.
    return text % variables if variables or "%" in text else text


@pass_context
def _template_ngettext(context: Context, singular: str, plural: str, num: int, **variables: object) -> str:
    """`ngettext()` in templates, as Jinja's new-style ngettext (`num` filled in unless given)."""
    variables.setdefault("num", num)
    text = _request_translations().ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


def _remember_language(response: Response) -> Response:
    asked = request.args.get("lang", "")
    if asked in LANGUAGES and request.cookies.get(LANGUAGE_COOKIE) != asked:
        response.set_cookie(
            LANGUAGE_COOKIE, asked, max_age=LANGUAGE_COOKIE_SECONDS, samesite="Lax", httponly=True
        )
    # The same address answers in the cookie's language: caches must keep the answers apart.
    response.vary.add("Cookie")
    return response


def compile_catalogs(directory: Path = TRANSLATIONS_DIR) -> list[Path]:
    """Compile every messages.po whose .mo is missing or older; returns the .mo files written."""
    written = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parts[-3])
        try:
            # Written beside and renamed, so a second process starting at once never reads half a file.
            with tempfile.NamedTemporaryFile(dir=mo_path.parent, suffix=".tmp", delete=False) as handle:
                write_mo(handle, catalog)
            os.replace(handle.name, mo_path)
        except OSError as error:
            log.warning("%s: cannot write the compiled catalog (%s); run `make translations`", mo_path, error)
            continue
        written.append(mo_path)
    return written


def init_app(app: Flask) -> None:
    compile_catalogs()
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    Babel(app, locale_selector=select_language)
    # Flask-Babel's template callables look the catalog up again for each of the ~200 strings of
    # a results page (request context, locale, domain: ~40 µs each, 7-9 ms a page; bench/web.py).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _request_translations().ugettext(s),
        ngettext=lambda s, p, n: _request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _request_translations().unpgettext(c, s, p, n),
    )
    # The extension's own `_` resolves `gettext` and calls it, which calls the function above: three
    # template calls per string, ~20 µs each of a results page's ~180 strings (bench/web.py).
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext)
    app.after_request(_remember_language)

    @app.context_processor
    def _language_context() -> dict:
        language = current_language()
        return {
            "lang": language,
            "text_dir": text_direction(language),
            "languages": LANGUAGES,
            "language_url": language_url,
            "language_names": LANGUAGE_NAMES,
            "user_text": user_text,
            "code_text": code_text,
        }
