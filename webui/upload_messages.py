"""Upload results in German, for the admin page: the ingest's messages name file, place and reason
in English (for the command line and its logs); office staff read German."""

from __future__ import annotations

import re

# (English reason as the ingest writes it, German text); the first that matches is taken.
REASONS: list[tuple[str, str]] = [
    (
        r"file too large \((.+); the limit is (.+)\)",
        r"Die Datei ist zu groß (\1; erlaubt sind höchstens \2).",
    ),
    (
        r"unsupported file type.*",
        "Dieser Dateityp wird nicht gelesen (erlaubt: PDF, HTML, Markdown, Text, JSONL, JSON, CSV).",
    ),
    (r"empty file", "Die Datei ist leer."),
    (r"no projects found in this file", "In dieser Datei wurde kein Projekt gefunden."),
    (r"encrypted PDF.*", "Das PDF ist verschlüsselt: bitte zuerst das Passwort entfernen."),
    (
        r"no text layer.*",
        "Die Seite hat keinen Text (eingescannt?): bitte zuerst eine Texterkennung (OCR) laufen lassen.",
    ),
    (r"not a readable PDF.*", "Das PDF kann nicht gelesen werden (beschädigt oder unvollständig?)."),
    (r"empty PDF.*", "Das PDF enthält auf keiner Seite Text."),
    (r"nested too deeply.*", "Die Datei ist zu tief verschachtelt, um sie zu lesen."),
    (
        r"the table has ([\d,]+) columns; at most (\d+) are read",
        r"Die Tabelle hat \1 Spalten; gelesen werden höchstens \2.",
    ),
    (
        r"the record has ([\d,]+) fields; at most (\d+) are read",
        r"Der Eintrag hat \1 Felder; gelesen werden höchstens \2.",
    ),
    (r"not valid JSON.*", "Kein gültiges JSON."),
    (r"no title column.*", "Die Tabelle hat keine Spalte „title“ oder „titel“."),
    (r"no header row", "Die Tabelle hat keine Kopfzeile."),
    (r"binary data, not a text file", "Die Datei enthält Binärdaten, keinen Text."),
    (
        r"took longer than (\d+) s to read.*",
        r"Das Lesen hat länger als \1 Sekunden gedauert und wurde abgebrochen.",
    ),
    (r"(more than [\d,]+ pages).*", r"Das PDF hat zu viele Seiten (\1)."),
    (r"page content of ([\d.]+ MB).*", r"Das PDF enthält zu viel Seiteninhalt (\1 entpackt)."),
    (r"ran out of memory.*|too large to read in memory", "Die Datei braucht zum Lesen zu viel Speicher."),
    (r"no main content found.*|no project text found.*", "Auf der Seite wurde kein Projekttext gefunden."),
    (r"no title.*|no project title.*", "Kein Projekttitel gefunden (Überschrift oder „title:“ fehlt)."),
    (r"cannot be stored.*", "Die Datei konnte nicht gespeichert werden."),
]
PLACES = [
    (r"^line (\d+), column (\d+)$", r"Zeile \1, Spalte \2"),
    (r"^line (\d+)$", r"Zeile \1"),
    (r"^page (\d+)$", r"Seite \1"),
    (r"^record (\d+)$", r"Eintrag \1"),
]
FALLBACK = "Die Datei konnte nicht gelesen werden ({reason})."


def german_message(message: str, file_name: str) -> str:
    """'name: line 3: not valid JSON: ...' as 'name, Zeile 3: Kein gültiges JSON.'"""
    rest = message.removeprefix(f"{file_name}: ") if message.startswith(f"{file_name}: ") else message
    place = None
    first, _, remainder = rest.partition(": ")
    for pattern, german in PLACES:
        if remainder and re.match(pattern, first):
            place, rest = re.sub(pattern, german, first), remainder
            break
    text = next(
        (re.sub(pattern, german, rest) for pattern, german in REASONS if re.fullmatch(pattern, rest, re.S)),
        FALLBACK.format(reason=rest),
    )
    return f"{file_name}, {place}: {text}" if place else f"{file_name}: {text}"
