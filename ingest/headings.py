"""Recognising section headings and info-block labels in any source format."""

from __future__ import annotations

import re
import unicodedata

# Heading variants, matched on a normalised heading (lower case, no punctuation).
_SECTION_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "approach",
        re.compile(
            r"^(herangehensweise|vorgehen(sweise)?|ansatz|konzept|ablauf|umsetzung|so funktioniert es|methode|wie wir arbeiten)\b"
        ),
    ),
    (
        "partners",
        re.compile(
            r"^(zusammenarbeit( mit (den )?(netzwerk)?partner(n|innen)?)?|netzwerkpartner(innen)?|kooperation(spartner(innen)?)?|partner(innen)?( im netzwerk)?|netzwerk)\b"
        ),
    ),
    ("value", re.compile(r"^(mehrwert|nutzen|wirkung|ergebnisse?|was es bringt|erfolge)\b")),
    (
        "special",
        re.compile(r"^(besonderheit(en)?|das besondere|was (ist )?besonders( ist)?|highlights?|besonders)\b"),
    ),
]

# Info-block labels → record field.
_FIELD_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("organisation", re.compile(r"^(träger(in)?|traeger|organisation|projektträger|veranstalter|anbieter)$")),
    ("town", re.compile(r"^(ort|orte|standort|stadt|gemeinde|kommune|einsatzort)$")),
    ("target_groups", re.compile(r"^(zielgruppen?|für wen|teilnehmende)$")),
    ("period", re.compile(r"^(laufzeit|zeitraum|projektlaufzeit|seit|dauer)$")),
    ("partners", re.compile(r"^(partner(innen)?|netzwerkpartner(innen)?|kooperationspartner(innen)?)$")),
    ("contact", re.compile(r"^(kontakt|ansprechpartner(in)?|ansprechperson|kontaktperson)$")),
    ("area", re.compile(r"^(bereich|handlungsfeld|themenfeld|kategorie)$")),
    ("summary", re.compile(r"^(kurzbeschreibung|kurz gesagt|in kürze|zusammenfassung)$")),
]


def normalise_label(text: str) -> str:
    text = unicodedata.normalize("NFC", text).strip().lower()
    text = re.sub(r"[:.\-–—]+$", "", text).strip()
    return re.sub(r"\s+", " ", text)


# A heading's number ("1.", "2)", "II.", "A:") and a possessive ("Unser Ansatz") say nothing of its kind.
_NUMBERING = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*[.):]?|[ivx]{1,4}[.)]|[a-d][.)])\s+")
_POSSESSIVE = re.compile(r"^unser(?:e|en|er)? ")


def section_kind(heading: str) -> str | None:
    """The section kind a heading names, or None for a heading we do not know."""
    label = _NUMBERING.sub("", normalise_label(heading))
    label = re.sub(r"[^\w ]", " ", label)
    label = _POSSESSIVE.sub("", re.sub(r"\s+", " ", label).strip())
    for kind, pattern in _SECTION_PATTERNS:
        if pattern.match(label):
            return kind
    return None


def field_name(label: str) -> str | None:
    """The record field an info-block label names ("Träger:" → "organisation"), or None."""
    label = normalise_label(label)
    for name, pattern in _FIELD_PATTERNS:
        if pattern.match(label):
            return name
    return None


def split_list(value: str) -> list[str]:
    """Split a field value like "Frauen, Jugendliche; Familien" into its items."""
    items = re.split(r"\s*[;•·|\n]\s*|,\s+(?!e\.\s?V)", value)
    items = [re.sub(r"(?<![A-Z])\.$", "", item.strip()).strip() for item in items]
    return [item for item in items if item]
