"""The interface in five languages: choosing and remembering, catalogs complete, no German left outside _()."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from webui.i18n import LANGUAGE_COOKIE, LANGUAGES, TRANSLATIONS_DIR, compile_catalogs

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "webui" / "templates"
TRANSLATED = [code for code in LANGUAGES if code != "de"]
PAGES = [
    "/",
    "/?q=Sprachcaf%C3%A9+f%C3%BCr+Frauen",
    "/?q=Sprachcaf%C3%A9&town=Atlantis",
    "/?area=Bildung",
    "/projekte/kaffee-kuchen-konjunktiv",
    "/partner?q=Sprachcaf%C3%A9",
    "/antwort?ids=kaffee-kuchen-konjunktiv",
    "/antwort",
    "/themen",
    "/ueber",
    "/admin",
    "/projekte/gibt-es-nicht",
    "/ueberblick",
    "/netzwerk",
    "/ideen-check",
    "/ideen-check?q=Sprachcaf%C3%A9+f%C3%BCr+Frauen&town=Leonberg&betrag=9000&monate=viel&traeger=Kulturverein",
]
# Words that show German interface text in a page meant to be English.
GERMAN_WORDS = re.compile(
    r"\b(und|oder|der|die|das|Sie|Ihre?|nicht|mit|für|Projekte?|Suche|Ort|Träger|Zielgruppe|Themenfeld|"
    r"Verwaltung|Anfrage|Antwort|Kontakt|Laufzeit|zurück|Seite)\b|[äöüßÄÖÜ]"
)


def catalog(language: str):
    path = TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def extracted_messages() -> dict[str, set[str]]:
    """Every string the code and templates mark for translation (as pybabel extracts them), with its files."""
    method_map = [("webui/**.py", "python"), ("webui/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None}
    found: dict[str, set[str]] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
        ROOT, method_map, keywords=keywords
    ):
        key = message[0] if isinstance(message, tuple) else message
        if key:
            found.setdefault(key, set()).add(filename)
    return found


def test_german_is_the_default(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="de" dir="ltr">' in page
    assert "Vergleichbare Projekte finden" in page


@pytest.mark.parametrize(
    ("language", "direction", "heading"),
    [
        ("en", "ltr", "Find comparable projects"),
        ("tr", "ltr", "Benzer projeler bulun"),
        ("ar", "rtl", "ابحث عن مشاريع مشابهة"),
        ("uk", "ltr", "Знайти схожі проєкти"),
    ],
)
def test_lang_switches_and_the_cookie_remembers(read_app, language, direction, heading):
    client = read_app.test_client()
    response = client.get(f"/?lang={language}")
    page = response.get_data(as_text=True)
    assert f'<html lang="{language}" dir="{direction}">' in page
    assert heading in page
    assert "Vergleichbare Projekte finden" not in page
    assert f"{LANGUAGE_COOKIE}={language}" in response.headers["Set-Cookie"]
    assert "Cookie" in response.headers["Vary"]
    again = client.get("/themen").get_data(as_text=True)
    assert f'<html lang="{language}" dir="{direction}">' in again
    back = client.get("/?lang=de").get_data(as_text=True)
    assert '<html lang="de" dir="ltr">' in back


def test_an_unknown_language_falls_back_to_german_and_is_not_remembered(read_app):
    client = read_app.test_client()
    response = client.get("/?lang=xx%22%3E")
    assert '<html lang="de" dir="ltr">' in response.get_data(as_text=True)
    assert LANGUAGE_COOKIE not in response.headers.get("Set-Cookie", "")
    client.set_cookie(LANGUAGE_COOKIE, "klingonisch")
    assert '<html lang="de" dir="ltr">' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_the_language_switch_keeping_the_address(client, url):
    page = client.get(url).get_data(as_text=True)
    switch = re.search(r'<ul class="language-list">(.*?)</ul>', page, re.S)
    assert switch, f"{url}: no language switch"
    links = re.findall(r'<a href="([^"]+)" lang="(\w+)"', switch.group(1))
    assert [code for _href, code in links] == list(LANGUAGES)
    path = url.split("?")[0]
    for href, code in links:
        assert href.startswith(path + "?") and href.endswith(f"lang={code}")
        if "q=" in url:
            assert "q=Sprachcaf%C3%A9" in href


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_marked_string_is_translated(language):
    messages = catalog(language)
    missing = []
    for msgid, filenames in extracted_messages().items():
        entry = messages.get(msgid)
        strings = (
            entry.string if entry and isinstance(entry.string, tuple) else (entry.string if entry else "",)
        )
        if entry is None or entry.fuzzy or not all(strings):
            missing.append(f"{sorted(filenames)[0]}: {msgid[:60]}")
    assert missing == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_their_placeholders_and_plural_forms(language):
    messages = catalog(language)
    problems = [f"{message.id}: {errors}" for message, errors in messages.check()]
    for message in messages:
        if message.id and message.pluralizable:
            assert len(message.string) == messages.num_plurals, message.id
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"%\((\w+)\)", " ".join(ids)))
        for string in filter(None, strings):
            # Arabic and Ukrainian forms for one item may leave out the number, never a named value.
            if set(re.findall(r"%\((\w+)\)", string)) - {"num"} != wanted - {"num"}:
                problems.append(f"{message.id!r} -> {string!r}")
    assert problems == []


class _TextOutsideJinja(HTMLParser):
    """Collects text nodes and human-facing attribute values of a template with Jinja parts removed."""

    ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "data-confirm", "data-copied"}

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code"):
            self._skip += 1
        for name, value in attrs:
            if name in self.ATTRIBUTES and value:
                self.found.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data):
        if not self._skip:
            self.found.append(data)


# Names that are the same in every language.
NEUTRAL_WORDS = re.compile(r"Praxisfinder|API|PDF|KB_ADMIN_PASSWORD|MB|https")


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.rglob("*.html")), ids=lambda path: str(path.relative_to(TEMPLATES))
)
def test_templates_have_no_text_outside_translation_calls(template):
    source = template.read_text(encoding="utf-8")
    # A body class is a CSS name, not text; everything else between Jinja tags is.
    source = re.sub(r"\{% block body_class %\}.*?\{% endblock %\}", " ", source)
    without_jinja = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", source, flags=re.S)
    parser = _TextOutsideJinja()
    parser.feed(without_jinja)
    leftovers = [" ".join(text.split()) for text in parser.found]
    untranslated = [text for text in leftovers if re.search(r"[^\W\d_]", NEUTRAL_WORDS.sub("", text))]
    assert untranslated == []


class _InterfaceText(HTMLParser):
    """The visible interface text of a page: everything outside German content (lang="de") and user text (bdi)."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self._stack: list[bool] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        attributes = dict(attrs)
        german = attributes.get("lang") == "de" or tag in (
            "script",
            "style",
            "textarea",
            "title",
            "code",
            "bdi",
            "option",  # the values of a filter come from the collection (German), like the cards
        )
        self._stack.append(german or (bool(self._stack) and self._stack[-1]))

    def handle_endtag(self, tag):
        if tag not in self.VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data):
        if not (self._stack and self._stack[-1]):
            self.text.append(data)


@pytest.mark.parametrize("url", PAGES)
def test_an_english_page_shows_no_german_interface_text(client, url):
    glue = "&" if "?" in url else "?"
    page = client.get(f"{url}{glue}lang=en").get_data(as_text=True)
    parser = _InterfaceText()
    parser.feed(page)
    visible = " ".join(" ".join(parser.text).split())
    visible = visible.replace("Deutsch", "").replace("Türkçe", "")  # the language switch names itself
    assert GERMAN_WORDS.findall(visible) == [], visible


def test_an_arabic_query_is_isolated_in_the_results_heading(client):
    query = "دروس اللغة الألمانية للنساء مع رعاية الأطفال"
    page = client.get("/", query_string={"q": query, "lang": "ar"}).get_data(as_text=True)
    heading = re.search(r'<h2 id="ergebnis-titel">(.*?)</h2>', page, re.S).group(1)
    assert f'<bdi dir="auto">{query}</bdi>' in heading
    assert 'dir="auto"' in re.search(r"<textarea[^>]*>", page).group(0)


def test_user_text_in_a_heading_stays_escaped(client):
    page = client.get("/", query_string={"q": "<script>alert(1)</script>", "lang": "tr"}).get_data(
        as_text=True
    )
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_error_pages_and_flashes_follow_the_language(client):
    response = client.get("/projekte/gibt-es-nicht?lang=uk")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Цього проєкту немає" in page and "Seite nicht gefunden" not in page


def test_stale_catalogs_are_compiled_and_fresh_ones_left_alone(tmp_path):
    folder = tmp_path / "tr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = folder / "messages.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Suche"\nmsgstr "Arama"\n'
    )
    assert compile_catalogs(tmp_path) == [folder / "messages.mo"]
    assert compile_catalogs(tmp_path) == []
    from babel.support import Translations

    with (folder / "messages.mo").open("rb") as handle:
        assert Translations(handle).gettext("Suche") == "Arama"


def test_the_kept_interface_language_follows_the_request_and_a_forced_locale(read_app):
    from flask_babel import force_locale, refresh

    from webui.i18n import current_language

    with read_app.test_request_context("/?lang=tr"):
        assert current_language() == "tr" and current_language() == "tr"  # the second from where it is kept
        with force_locale("ar"):
            assert current_language() == "ar"
        assert current_language() == "tr"
        refresh()
        assert current_language() == "tr"
    with read_app.test_request_context("/?lang=uk"):
        assert current_language() == "uk"
    with read_app.test_request_context("/"):
        assert current_language() == "de"
