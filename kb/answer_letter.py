"""The answer letter to a citizen's enquiry: plain German a citizen can read, and the same letter as .docx.

The letter says, per project, what it offers (its Kurzbeschreibung), who offers it where, whether it
is running, and how to reach the people behind it. It never repeats the staff member's search phrase
and avoids office words (Themenfeld, Zielgruppe, "Sammlung guter Praxis"): the citizen never saw them.
"""

from __future__ import annotations

import io
from collections.abc import Callable

SUBJECT = "Ihre Anfrage: Angebote, die passen könnten"
SIGNATURE_PLACEHOLDER = "[Ihr Name]\n[Stelle, Telefon, E-Mail]"
# The edited letter comes back from a form: bounded before any per-line work.
MAX_LETTER_CHARS = 40_000
MAX_OFFER_CHARS = 300


def offer_sentence(project: dict, limit: int = MAX_OFFER_CHARS) -> str | None:
    """What the project offers, in one line: its Kurzbeschreibung (see kb.short_description)."""
    text = " ".join((project.get("short_description") or "").split())
    if not text:
        return None
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def running_sentence(project: dict) -> str:
    """Whether the offer is running, from its status (kb.period) and the Laufzeit as the source gives it."""
    period = " ".join((project.get("period") or "").split())
    status = project.get("status")
    when = f" (Laufzeit: {period})" if period else ""
    if status == "laufend":
        return f"Das Angebot läuft derzeit{when}."
    if status == "abgeschlossen":
        return (
            f"Das Projekt ist abgeschlossen{when}; die Ansprechpersonen erzählen Ihnen trotzdem gern, "
            "was sie dabei gelernt haben."
        )
    if period:
        return f"Laufzeit: {period}. Ob es noch läuft, erfahren Sie bei der Ansprechperson."
    return "Ob das Angebot noch läuft, erfahren Sie bei der Ansprechperson."


def project_block(number: int, project: dict, link: str) -> str:
    lines = [f"{number}. {' '.join(project['title'].split())}"]
    offer = offer_sentence(project)
    if offer:
        lines.append(offer)
    who, where = project.get("organisation"), project.get("town")
    if who and where:
        lines.append(f"Angeboten von {' '.join(who.split())} in {where}.")
    elif who or where:
        lines.append(f"Angeboten von {' '.join(who.split())}." if who else f"Ort: {where}.")
    lines.append(running_sentence(project))
    contact = " ".join((project.get("contact") or "").split())
    lines.append(f"Kontakt: {contact}" if contact else "Kontakt: über die Seite unten.")
    lines.append(f"Mehr dazu: {link}")
    return "\n".join(lines)


def compose_letter(projects: list[dict], link_for: Callable[[str], str]) -> str:
    """The letter as plain text: greeting, one block per project, an offer to help, a signature to fill in."""
    if len(projects) == 1:
        intro = "vielen Dank für Ihre Anfrage. Hier ist ein Angebot, das zu Ihrem Anliegen passen könnte:"
    else:
        intro = "vielen Dank für Ihre Anfrage. Hier sind Angebote, die zu Ihrem Anliegen passen könnten:"
    blocks = [project_block(n, project, link_for(project["id"])) for n, project in enumerate(projects, 1)]
    closing = (
        "Melden Sie sich gern direkt bei den genannten Ansprechpersonen – sie erzählen Ihnen gern mehr. "
        "Wenn Sie noch Fragen haben, schreiben Sie uns einfach wieder."
    )
    parts = ["Guten Tag,", intro, *blocks, closing, "Mit freundlichen Grüßen", SIGNATURE_PLACEHOLDER]
    return "\n\n".join(parts) + "\n"


def letter_docx(text: str, subject: str = SUBJECT) -> bytes:
    """The (possibly edited) letter as a Word document: the subject in bold, then its paragraphs."""
    # Imported here: python-docx takes ~0.13 s to import, a tenth of a cold `kb search`.
    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.styles["Normal"].font.size = Pt(11)
    document.core_properties.title = subject
    document.add_paragraph().add_run(subject).bold = True
    for block in text[:MAX_LETTER_CHARS].replace("\r\n", "\n").split("\n\n"):
        lines = block.strip("\n").split("\n")
        if not block.strip():
            continue
        paragraph = document.add_paragraph()
        for index, line in enumerate(lines):
            run = paragraph.add_run(line)
            if index < len(lines) - 1:
                run.add_break()  # a line break inside the paragraph, as in the text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
