"""A contact line with its e-mail addresses and phone numbers as links (mailto:, tel:)."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

MAX_CONTACT_CHARS = 500  # a contact is a line; anything longer is shown as text without links
# An address, or a German phone number as people write it ("Tel. 07031 123-4512", "+49 7031 1234").
CONTACT_PART = re.compile(r"(?P<mail>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)|(?P<phone>(?:\+|\b0)\d[\d /-]{4,18}\d)")


def contact_links(text: str | None) -> Markup:
    """Escaped text with mailto:/tel: links around addresses and phone numbers."""
    text = text or ""
    if len(text) > MAX_CONTACT_CHARS:
        return Markup(escape(text))
    parts, last = [], 0
    for match in CONTACT_PART.finditer(text):
        parts.append(escape(text[last : match.start()]))
        found = match.group()
        if match.group("mail"):
            parts.append(Markup('<a href="mailto:{0}">{0}</a>').format(found))
        else:
            dial = re.sub(r"[^\d+]", "", found)
            parts.append(Markup('<a href="tel:{0}">{1}</a>').format(dial, found))
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)
