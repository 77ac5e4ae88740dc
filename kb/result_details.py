"""What a result card says besides the match: the contact as links and one line of what made the
project work."""

from __future__ import annotations

import re

from sqlite_utils import Database

SUCCESS_KINDS = ("special", "value")  # Besonderheiten first: it says what made the project work
MAX_SUCCESS_CHARS = 220
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A phone number: an optional "+", then digits with spaces, slashes or dashes, at least 6 digits.
_PHONE = re.compile(r"(?<![\w@.])\+?\d[\d /\-]{4,}\d(?![\w@])")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ„\"])")


def contact_links(contact: str | None) -> list[dict]:
    """E-mail addresses and phone numbers in a free-text contact, each with its mailto:/tel: link."""
    if not contact:
        return []
    links = [{"kind": "email", "text": m, "href": f"mailto:{m}"} for m in _EMAIL.findall(contact)]
    without_mail = _EMAIL.sub(" ", contact)
    for match in _PHONE.finditer(without_mail):
        text = match.group().strip(" /-")
        digits = re.sub(r"[^\d+]", "", text)
        if len(digits.lstrip("+")) >= 6:
            links.append({"kind": "phone", "text": text, "href": f"tel:{digits}"})
    return links


def success_lines(db: Database, project_ids: list[str]) -> dict[str, str]:
    """One line per project of what made it work: the first sentence of Besonderheiten (or Mehrwert)."""
    if not project_ids:
        return {}
    marks = ",".join("?" * len(project_ids))
    kinds = ",".join("?" * len(SUCCESS_KINDS))
    rows = db.execute(
        f"SELECT project_id, kind, text FROM sections WHERE project_id IN ({marks}) AND kind IN ({kinds}) "
        "ORDER BY position",
        [*project_ids, *SUCCESS_KINDS],
    ).fetchall()
    found: dict[str, tuple[int, str]] = {}
    for project_id, kind, text in rows:
        rank = SUCCESS_KINDS.index(kind)
        if text and text.strip() and (project_id not in found or rank < found[project_id][0]):
            found[project_id] = (rank, first_sentence(text))
    return {project_id: line for project_id, (_, line) in found.items()}


def first_sentence(text: str, limit: int = MAX_SUCCESS_CHARS) -> str:
    text = " ".join(text.split())
    sentence = _SENTENCE.split(text, maxsplit=1)[0]
    if len(sentence) <= limit:
        return sentence
    cut = sentence.rfind(" ", 0, limit)
    return sentence[: cut if cut > 0 else limit].rstrip(",;:") + " …"
