"""What every design of the layout zoo shares: the projects, their info rows, pull quotes, photos.

The zoo sets the same sample projects with independent typesetting engines, each in another
design, so that the brochure parser is tested on layouts it was not written for. Nothing here
adds text to a project that the source files do not hold, except what a brochure adds around
it (running headers, page numbers, captions, pull quotes repeating a sentence, footnotes); the
tests read the truth from the source files.
"""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

from ingest import ProjectRecord, parse_file

ROOT = Path(__file__).resolve().parents[1]
PROJECTS = ROOT / "samples" / "projects"

INFO_LABELS = [
    ("organisation", "Träger"),
    ("town", "Ort"),
    ("target_groups", "Zielgruppe"),
    ("period", "Laufzeit"),
    ("partners", "Partner"),
    ("contact", "Kontakt"),
]
# Heading variants a design may print instead of the usual names.
VARIANTS = {
    "approach": "Unser Ansatz",
    "partners": "Netzwerk und Partner",
    "value": "Mehrwert für die Zielgruppe",
    "special": "Das Besondere",
}
CAPTIONS = [
    "Foto: Eindrücke aus einem Treffen (Symbolbild)",
    "Bild: Teilnehmende und Ehrenamtliche im Gespräch (Symbolbild)",
    "Foto: Projektalltag, aufgenommen mit Einverständnis (Symbolbild)",
]
FOOTNOTE = "Angaben des Trägers; Namen, Zahlen und Kontakte dieser Sammlung sind erfunden."
BROCHURE_NOTE = "Beispielsammlung (illustrativ) – alle Projekte und Kontakte sind erfunden."


def load_all(folder: Path = PROJECTS) -> list[ProjectRecord]:
    """Every sample project, in file-name order (the truth the zoo tests compare against)."""
    return [record for path in sorted(folder.glob("*.md")) for record in parse_file(path).records]


def info_rows(record: ProjectRecord) -> list[tuple[str, str]]:
    rows = []
    for name, label in INFO_LABELS:
        value = getattr(record, name)
        if isinstance(value, list):
            value = ", ".join(value)
        if value:
            rows.append((label, value))
    return rows


def paragraphs(text: str) -> list[str]:
    return [" ".join(part.split()) for part in text.split("\n\n") if part.strip()]


def pull_quote(record: ProjectRecord) -> str | None:
    """A sentence of the project's own text, as a magazine would pull it out in large type."""
    for section in record.sections[2:] + record.sections[:2]:
        for sentence in re.split(r"(?<=[.!?])\s+", section.text):
            if 8 <= len(sentence.split()) <= 18:
                return sentence
    return None


def photo_png(seed: int, width: int = 160, height: int = 100) -> bytes:
    """A small raster picture standing in for a project photo (a colour gradient)."""
    red, green, blue = (seed * 53) % 200 + 30, (seed * 97) % 200 + 30, (seed * 151) % 200 + 30
    raw = b"".join(
        b"\x00" + b"".join(bytes(((red + x) % 256, (green + y) % 256, blue)) for x in range(0, width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
