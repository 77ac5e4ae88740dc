"""Text normalisation shared by the parsers: encodings, ligatures, whitespace, line-end hyphens."""

from __future__ import annotations

import re
import unicodedata

from ingest.record import IngestError

_LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u00ad\u200b\u200c\u200d\u2060\ufeff]")


def decode_text(data: bytes, path: str) -> str:
    """Decode UTF-8 (with or without BOM), falling back to windows-1252; refuse binary data."""
    if b"\x00" in data[:4096]:
        raise IngestError(path, "binary data, not a text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def clean_text(text: str) -> str:
    """Normalise unicode, ligatures and whitespace; keep paragraph breaks as blank lines."""
    text = unicodedata.normalize("NFC", text)
    for ligature, letters in _LIGATURES.items():
        text = text.replace(ligature, letters)
    text = _INVISIBLE.sub("", text)
    lines = [
        _SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
