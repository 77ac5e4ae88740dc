"""The German reply to an enquiry, listing the projects a staff member picked."""

from __future__ import annotations

from collections.abc import Callable


def one_line(project: dict, limit: int = 300) -> str | None:
    """What the project offers in a line: its Kurzbeschreibung (see kb.short_description)."""
    text = project.get("short_description")
    if not text:
        return None
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def project_block(number: int, project: dict, link: str) -> str:
    lines = [f"{number}. {project['title']}"]
    for label, value in (
        ("Träger", project.get("organisation")),
        ("Ort", project.get("town")),
        ("Themenfeld", project.get("area")),
        ("Zielgruppe", ", ".join(project.get("target_groups") or [])),
        ("Worum es geht", one_line(project)),
        ("Kontakt", project.get("contact")),
    ):
        if value:
            lines.append(f"   {label}: {' '.join(str(value).split())}")
    lines.append(f"   Mehr dazu: {link}")
    return "\n".join(lines)


def compose_answer(query: str, projects: list[dict], link_for: Callable[[str], str]) -> str:
    """Plain text ready to paste into an e-mail: greeting, one block per project, closing."""
    if query:
        opening = f"vielen Dank für Ihre Anfrage zu „{' '.join(query.split())}“."
    else:
        opening = "vielen Dank für Ihre Anfrage."
    if len(projects) == 1:
        intro = "Aus unserer Sammlung guter Praxis passt dazu folgendes Projekt:"
    else:
        intro = "Aus unserer Sammlung guter Praxis passen dazu folgende Projekte:"
    blocks = [
        project_block(number, project, link_for(project["id"])) for number, project in enumerate(projects, 1)
    ]
    closing = (
        "Die Ansprechpersonen freuen sich über Ihre Kontaktaufnahme und erzählen gern, "
        "was sich bei ihnen bewährt hat. Gerne helfen wir Ihnen auch weiter.\n\n"
        "Mit freundlichen Grüßen"
    )
    return "\n\n".join(["Guten Tag,", f"{opening}\n{intro}", *blocks, closing]) + "\n"
