"""Slugs for stable ids and normalised organisation names."""

from __future__ import annotations

import re
import unicodedata

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"})


def slugify(text: str, max_length: int = 60) -> str:
    """'Sprachcafé „Miteinander“' → 'sprachcafe-miteinander'; never empty."""
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    text = text.encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug or "projekt"


def organisation_name(name: str) -> str:
    """Tidy an organisation name as written: spacing, 'e. V.' → 'e.V.', quotes and trailing punctuation."""
    name = re.sub(r"\s+", " ", name).strip(" ,;:")
    name = re.sub(r"\be\.\s*V\.?(?=\s|$)", "e.V.", name)
    name = re.sub(r"\bg\s*GmbH\b", "gGmbH", name)
    return name.strip("\"'„“”")


def organisation_key(name: str) -> str:
    """The id under which differently written mentions of one organisation meet."""
    return slugify(organisation_name(name), max_length=80)
