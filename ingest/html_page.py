"""Funded-project web pages: read one project from a CMS page's main content (found and read into
blocks by ingest.html_content): the title, fields, summary and sections.
"""

from __future__ import annotations

import codecs
import re

from bs4 import BeautifulSoup

from ingest.headings import field_name, section_kind, split_list
from ingest.html_content import (
    Block,
    Part,
    drop_chrome,
    drop_related,
    inline_text,
    main_content,
    read_blocks,
    split_parts,
)
from ingest.provenance import edition_in_text, page_description, page_info
from ingest.record import IngestError, ParseResult, ProjectRecord, Section
from ingest.textclean import clean_text

_LABEL_LINE = re.compile(r"^([^\W\d_][\w .()/&-]{0,40}?)\s*:\s*(.*)$")
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b")
_TITLE_SEPARATORS = (" | ", " – ", " — ", " - ", " :: ", " · ", " » ")


def parse(path: str, data: bytes) -> ParseResult:
    """Read the one project a web page describes."""
    text = decode_html(data, path).replace("\r\n", "\n")
    if "<" not in text:
        raise IngestError(path, "not an HTML page (no HTML tags found)")
    try:
        soup = BeautifulSoup(text, "html.parser")
        page_title = clean_text(soup.title.get_text(" ")) if soup.title else ""
        info, description = page_info(soup), page_description(soup)  # <link> and <meta> go with the chrome
        info.edition = edition_in_text(soup.get_text(" "))
        drop_chrome(soup)
        container = main_content(soup)
        if container is None:
            raise IngestError(path, "no main content found: no <main>, <article> or block of paragraph text")
        blocks = drop_related(read_blocks(container))
        page_h1 = soup.find("h1")
        fallback_titles = [_strip_site_name(page_title), inline_text(page_h1) if page_h1 else ""]
    except RecursionError as error:
        raise IngestError(path, "the HTML is nested too deeply to read") from error
    record = _build_record(blocks, fallback_titles, path, description)
    return ParseResult(records=[record], info=info)


def decode_html(data: bytes, path: str) -> str:
    """Honour a BOM or a declared charset; otherwise UTF-8, falling back to windows-1252."""
    boms = (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    )
    for bom, codec in boms:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace")
    head = data[:4096]
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13))
    if head.startswith(_BINARY_MAGIC) or b"\x00" in head or controls > len(head) // 20:
        raise IngestError(path, "not an HTML page (binary data)")
    declared = _declared_codec(head)
    if declared and declared != "utf-8":
        return data.decode(declared, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Undeclared (or wrongly declared) non-UTF-8 pages from German CMSs are windows-1252.
        return data.decode("cp1252", errors="replace")


def _declared_codec(head: bytes) -> str | None:
    match = _META_CHARSET.search(head)
    if not match:
        return None
    try:
        name = codecs.lookup(match.group(1).decode("ascii")).name
    except LookupError:
        return None
    # As in browsers: latin-1 and ASCII labels mean windows-1252, and a UTF-16 label on a page
    # whose <meta> we just read as ASCII cannot be true.
    if name.startswith(("utf-16", "utf-32")):
        return "utf-8"
    return "cp1252" if name in ("latin-1", "iso8859-1", "ascii") else name


def _build_record(
    blocks: list[Block], fallback_titles: list[str], path: str, description: str | None = None
) -> ProjectRecord:
    """The project from the content blocks; without an h1 there, the title comes from <title> or the page."""
    first_h1 = next((i for i, b in enumerate(blocks) if b.kind == "heading" and b.level == 1), None)
    if (
        first_h1 is None
        and blocks
        and blocks[0].kind == "heading"
        and _names_the_page(blocks[0].text, fallback_titles[0])
    ):
        first_h1 = 0  # a CMS that keeps <h1> for its logo titles the content with an <h2>
    if first_h1 is not None:
        title = blocks[first_h1].text
        blocks = blocks[first_h1 + 1 :]  # what stands above the title is a kicker or leftover chrome
    else:
        title = next((t for t in fallback_titles if t), "")
    title = title.replace("\n", " ")
    if not title:
        raise IngestError(path, "no title: the page has no <h1> in its main content and no <title>")
    record = ProjectRecord(title=title)
    for part in split_parts(blocks):
        kind = section_kind(part.heading) if part.heading else None
        if kind is None:
            _take_fields(record, part)
        else:
            _take_pairs(record, part)
        text = _blocks_text(part.blocks)
        if part.heading is None:
            record.summary = text or None
        elif kind is None and _take_heading_field(record, part.heading, part.blocks, text):
            continue
        elif text:
            record.sections.append(Section(kind=kind or "other", heading=part.heading, text=text))
    if not (record.summary or record.sections):
        raise IngestError(path, "no project text found in the page's main content")
    record.summary = record.summary or description  # a page without a lead may still describe itself
    return record


def _names_the_page(heading: str, page_title: str) -> bool:
    return bool(heading) and heading.casefold() in page_title.casefold() and section_kind(heading) is None


def _strip_site_name(page_title: str) -> str:
    """ "Projekt | Integrationsfonds | Landkreis" → "Projekt"; a lone " – " separates the site name last."""
    title = page_title.replace("\n", " ")
    if " | " in title:
        return title.split(" | ")[0].strip()
    for separator in _TITLE_SEPARATORS[1:]:
        if separator in title:
            return title.rsplit(separator, 1)[0].strip()
    return title.strip()


def _blocks_text(blocks: list[Block]) -> str:
    """Paragraphs separated by blank lines, runs of list items one per line."""
    chunks: list[str] = []
    for previous, block in zip([None, *blocks], blocks, strict=False):
        if block.kind == "pairs":
            text = "\n".join(f"{label}: {value}" if label else value for label, value, _ in block.pairs)
        else:
            text = block.text
        if block.kind == "item" and previous is not None and previous.kind == "item" and chunks:
            chunks[-1] += "\n" + text
        elif text:
            chunks.append(text)
    return clean_text("\n\n".join(chunks))


def _set_field(record: ProjectRecord, label: str, value: str, items: list[str]) -> bool:
    """Store a labelled value in its field (first value wins); False for a label we do not know."""
    name = field_name(label)
    if name is None:
        return False
    if name in ("target_groups", "partners"):
        if not getattr(record, name):
            values = items or split_list(value)
            setattr(record, name, [clean_text(v.removeprefix("- ")) for v in values if v.strip()])
    elif not getattr(record, name) and value:
        setattr(record, name, clean_text(value))
    return True


def _take_pairs(record: ProjectRecord, part: Part) -> None:
    """Label-value groups (<dl>, two-column tables) with a known label are the info block."""
    kept = []
    for block in part.blocks:
        if block.kind == "pairs" and any(field_name(label) for label, _, _ in block.pairs):
            for label, value, items in block.pairs:
                if not _set_field(record, label, value, items) and label and value:
                    record.extra.setdefault(label, clean_text(value))
        else:
            kept.append(block)
    part.blocks = kept


def _take_fields(record: ProjectRecord, part: Part) -> None:
    """In the lead and in unnamed parts, "Label: value" lines are fields too."""
    _take_pairs(record, part)
    kept: list[Block] = []
    blocks = part.blocks
    for index, block in enumerate(blocks):
        if block.kind == "item" and block.text == "":
            continue  # consumed as a field value below
        if block.kind != "para":
            kept.append(block)
            continue
        rest = _take_label_lines(record, block.text, blocks[index + 1 :])
        if rest:
            kept.append(Block("para", rest, linked=block.linked))
    part.blocks = kept


def _take_label_lines(record: ProjectRecord, text: str, following: list[Block]) -> str:
    """Take the field lines of a paragraph; returns the lines that are not fields."""
    rest: list[str] = []
    current: list[str] | None = None  # [label, value] of the field being read
    fields: list[list[str]] = []
    for line in text.splitlines():
        match = _LABEL_LINE.match(line)
        if match and field_name(match.group(1)):
            current = [match.group(1), match.group(2)]
            fields.append(current)
        elif current is not None:
            current[1] = f"{current[1]}\n{line}".strip()  # a value running over several lines
        else:
            rest.append(line)
    for label, value in fields:
        items: list[str] = []
        if not value and fields[-1][0] == label:
            # "Partner:" closing a paragraph and followed by a list: the list is the value.
            for block in following:
                if block.kind != "item":
                    break
                items.append(re.sub(r"^(-|\d+\.) ", "", block.text))
                block.text = ""
        _set_field(record, label, value, items)
    return "\n".join(rest)


def _take_heading_field(record: ProjectRecord, heading: str, blocks: list[Block], text: str) -> bool:
    """A part headed by a field label ("Kontakt") is that field's value, unless it is set already."""
    name = field_name(heading)
    if name is None or not text or getattr(record, name):
        return False
    items = [re.sub(r"^(-|\d+\.) ", "", b.text) for b in blocks if b.kind == "item"]
    return _set_field(record, heading, text, items)
