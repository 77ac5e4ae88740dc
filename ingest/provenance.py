"""Where a document comes from and how old it is: its own address, its date, its edition.

A web page names its address in <link rel="canonical"> or <meta property="og:url"> and often its
date in meta tags; a PDF carries dates in its metadata; both often say "Stand: 03/2024" or
"Ausgabe 2024" in their text. Only what the document itself says is taken.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:  # bs4 is imported where a page is read: `kb search` starts without it
    from bs4 import BeautifulSoup

from ingest.record import SourceInfo

MAX_URL_CHARS = 2000
MAX_SCAN_CHARS = 20_000  # the edition is named near the start (cover, imprint line) of a document

_MONTHS = (
    "januar|februar|märz|maerz|april|mai|juni|juli|august|september|oktober|november|dezember|"
    "january|february|march|may|june|july|october|december"
)
_EDITION = re.compile(
    r"\b(?P<label>Stand(?:\s+der\s+Informationen)?|Ausgabe|Auflage|Edition|Redaktionsschluss|"
    r"Aktualisiert(?:\s+am)?|Zuletzt\s+aktualisiert(?:\s+am)?|Last\s+updated|Updated)\s*:?\s*"
    r"(?P<value>(?:\d{1,2}\.\s?)?(?:\d{1,2}[./]\s?)?(?:(?:" + _MONTHS + r")\s+)?(?:19|20)\d\d"
    r"(?:\s?/\s?\d\d(?!\d))?)",
    re.IGNORECASE,
)
_ORDINAL_EDITION = re.compile(
    r"\b(\d{1,2}\.\s+(?:überarbeitete\s+|aktualisierte\s+)?Auflage\s+(?:19|20)\d\d)\b", re.I
)
_META_DATE_NAMES = (
    "article:modified_time", "og:updated_time", "dcterms.modified", "dc.date.modified", "last-modified",
    "date", "dc.date", "dcterms.date", "dcterms.issued", "article:published_time", "dc.date.issued",
    "publish-date", "pubdate",
)  # fmt: skip
_ISO_DAY = re.compile(r"((?:19|20)\d\d)-(\d\d)-(\d\d)")
_PDF_DAY = re.compile(r"^D?:?((?:19|20)\d\d)(\d\d)(\d\d)")


def safe_url(raw: str | None) -> str | None:
    """An absolute http(s) address, or None: nothing else is ever shown as a link."""
    if not raw:
        return None
    url = raw.strip()
    if len(url) > MAX_URL_CHARS or any(c.isspace() or ord(c) < 32 for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[::1": a bracket left open
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def _iso_day(text: str, pattern: re.Pattern[str]) -> str | None:
    match = pattern.search(text or "")
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3))).isoformat()
    except ValueError:
        return None


def pdf_date(raw: str | None) -> str | None:
    """A PDF metadata date ("D:20240315103000+01'00'") as an ISO day."""
    return _iso_day((raw or "").strip(), _PDF_DAY)


def edition_in_text(text: str) -> str | None:
    """ "Stand: 03/2024", "Ausgabe 2024", "2. Auflage 2023" as written, from the start of a text."""
    text = " ".join(text[:MAX_SCAN_CHARS].split())
    ordinal = _ORDINAL_EDITION.search(text)
    match = _EDITION.search(text)
    if ordinal and (not match or ordinal.start() < match.start()):
        return ordinal.group(1)
    if not match:
        return None
    label = match.group("label")
    separator = (
        ": " if label.lower().startswith(("stand", "aktualisiert", "zuletzt", "last", "updated")) else " "
    )
    return f"{label}{separator}{match.group('value')}"


def _metas(soup: BeautifulSoup) -> dict[str, str]:
    """Every <meta> name (property, name, itemprop, http-equiv; lower case) with its content; first wins."""
    found: dict[str, str] = {}
    for tag in soup.find_all("meta", limit=500):
        content = " ".join(str(tag.get("content") or "").split())
        for attribute in ("property", "name", "itemprop", "http-equiv"):
            name = str(tag.get(attribute) or "").strip().lower()
            if name and content:
                found.setdefault(name, content)
    return found


def _words(value: object) -> list[str]:
    """An attribute's words, whether the parser gave a list (rel, class) or a string."""
    items = value if isinstance(value, list) else str(value or "").split()
    return [str(item).lower() for item in items]


def page_info(soup: BeautifulSoup) -> SourceInfo:
    """The address and date a web page gives itself (read before the page chrome is dropped)."""
    from bs4 import Tag

    canonical = next(
        (link for link in soup.find_all("link", limit=200) if "canonical" in _words(link.get("rel"))), None
    )
    url = safe_url(str(canonical.get("href") or "")) if isinstance(canonical, Tag) else None
    metas = _metas(soup)
    url = url or safe_url(metas.get("og:url"))
    day = next((d for name in _META_DATE_NAMES if (d := _iso_day(metas.get(name, ""), _ISO_DAY))), None)
    if day is None:
        stamp = soup.find("time", attrs={"datetime": True})
        day = _iso_day(str(stamp["datetime"]), _ISO_DAY) if isinstance(stamp, Tag) else None
    return SourceInfo(url=url, date=day)


def page_description(soup: BeautifulSoup) -> str | None:
    """The page's own short description (meta description, og:description)."""
    metas = _metas(soup)
    text = next(
        (metas[n] for n in ("description", "og:description", "twitter:description") if n in metas), None
    )
    return text[:1000] if text else None
