"""Funded-project web pages: find a CMS page's main content and read one project from it.

The page chrome (navigation, cookie banners, sidebars, footers, scripts) is dropped first; the
main content is then found by evidence (<main>, <article>, role=main, a content id or class,
else the block holding the most paragraph text) and read into a flat list of blocks, from
which the title, fields, summary and sections are taken.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString, Script, Stylesheet, TemplateString

from ingest.headings import field_name, section_kind, split_list
from ingest.provenance import edition_in_text, page_description, page_info
from ingest.record import IngestError, ParseResult, ProjectRecord, Section
from ingest.textclean import clean_text

_NOISE_TAGS = [
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas", "form",
    "button", "input", "select", "textarea", "nav", "aside", "dialog", "footer", "link", "meta",
]  # fmt: skip
_NOISE_ROLES = {
    "navigation",
    "banner",
    "contentinfo",
    "complementary",
    "search",
    "dialog",
    "alertdialog",
    "menubar",
}
# Words in an id or class that mark page chrome rather than content.
_NOISE_NAME_WORDS = {
    "cookie", "cookies", "consent", "gdpr", "dsgvo", "cc", "breadcrumb", "breadcrumbs", "skip", "social",
    "share", "sharing", "newsletter", "related", "pagination", "sidebar", "marginal", "menu", "navbar",
    "navigation", "sr", "visually", "offcanvas",
}  # fmt: skip
_CONTENT_NAME = re.compile(
    r"^((main|page|site|haupt|entry|post|node)[-_]?)?(content|inhalt|main|article|artikel)([-_]?(main|area|body|wrapper|text|inner))?$"
)
_INLINE_TAGS = {
    "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "del", "dfn", "em", "font", "i", "ins", "kbd",
    "label", "mark", "nobr", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup", "time", "tt",
    "u", "var", "wbr", "img", "picture", "source",
}  # fmt: skip
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_RELATED_HEADING = re.compile(
    r"^(weitere|ähnliche|verwandte|andere|mehr) (projekte|beiträge|artikel|themen|meldungen|links)"
    r"|^(siehe auch|das könnte sie auch interessieren|links|downloads?|teilen|seite teilen)$",
    re.I,
)
_NAV_PHRASE = re.compile(r"^(zurück|nach oben|seite drucken|drucken|teilen|zur übersicht)|übersicht$", re.I)
_LABEL_LINE = re.compile(r"^([^\W\d_][\w .()/&-]{0,40}?)\s*:\s*(.*)$")
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b")
_TITLE_SEPARATORS = (" | ", " – ", " — ", " - ", " :: ", " · ", " » ")
_MIN_CONTENT_CHARS = 30


@dataclass
class _Block:
    kind: str  # heading, para, item, pairs
    text: str = ""
    level: int = 0  # heading level
    linked: bool = False  # all of the text is link text
    pairs: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (label, value, list items)


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
        _drop_chrome(soup)
        container = _main_content(soup)
        if container is None:
            raise IngestError(path, "no main content found: no <main>, <article> or block of paragraph text")
        blocks = _drop_related(_read_blocks(container))
        page_h1 = soup.find("h1")
        fallback_titles = [_strip_site_name(page_title), _inline_text(page_h1) if page_h1 else ""]
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


def _drop_chrome(soup: BeautifulSoup) -> None:
    """Remove navigation, banners, scripts, hidden and other non-content elements in place."""
    chrome: list[Tag] = []

    def keep_walking(tag: Tag) -> bool:
        if _is_chrome(tag):
            chrome.append(tag)
            return False  # nothing inside chrome needs a look of its own
        return True

    for _ in _walk(soup, keep_walking):
        pass
    for tag in chrome:
        tag.decompose()


def _is_chrome(tag: Tag) -> bool:
    if tag.name in _NOISE_TAGS:
        return True
    if tag.name == "header":  # a page header is chrome; an article's header holds its title
        return tag.find_parent(["article", "main", "section"]) is None
    attrs = tag.attrs
    if "hidden" in attrs or attrs.get("aria-hidden") == "true" or attrs.get("role") in _NOISE_ROLES:
        return True
    style = str(attrs.get("style", "")).replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    if not _name_words(tag) & _NOISE_NAME_WORDS or tag.name in ("html", "body", "main", "article"):
        return False
    # "has-sidebar" on a wrapper around the whole page names its layout, not a sidebar.
    return tag.find(["h1", "main", "article"]) is None


def _name_words(tag: Tag) -> set[str]:
    names = [str(tag.get("id", ""))] + list(tag.get("class") or [])
    return {word for name in names for word in re.split(r"[\s_-]+", name.lower()) if word}


def _text_weight(tag: Tag) -> int:
    """Characters of text that are not link text: how much a block reads like content."""
    linked = sum(len(a.get_text(strip=True)) for a in tag.find_all("a"))
    return len(tag.get_text(strip=True)) - linked


def _main_content(soup: BeautifulSoup) -> Tag | None:
    candidate_groups = [
        soup.find_all("main") + soup.find_all(attrs={"role": "main"}),
        soup.find_all("article"),
        [
            t
            for t in soup.find_all(True)
            if any(_CONTENT_NAME.match(n.lower()) for n in [t.get("id", "")] + list(t.get("class") or []))
        ],
    ]
    for candidates in candidate_groups:
        # Weighing a candidate reads its whole subtree, and a candidate inside another never weighs
        # more than it: weigh only the outermost, or nested pages cost quadratic time.
        best = max(_outermost(candidates), key=_text_weight, default=None)
        if best is not None and _text_weight(best) >= _MIN_CONTENT_CHARS:
            return best
    return _densest_block(soup)


def _outermost(tags: list[Tag]) -> list[Tag]:
    """The tags not inside another of them; `tags` in document order (as find_all returns them)."""
    chosen = {id(tag) for tag in tags}
    kept: list[Tag] = []
    inside: set[int] = set()  # ids of tags known to lie within a kept one
    for tag in tags:
        if id(tag) in inside:
            continue
        kept.append(tag)
        inside.update(id(t) for t in tag.find_all(True) if id(t) in chosen)
    return kept


def _densest_block(soup: BeautifulSoup) -> Tag | None:
    """The element whose paragraphs hold the most non-link text, widened to include the page's h1."""
    scores: dict[int, float] = {}
    tags: dict[int, Tag] = {}
    for node in soup.find_all(string=True):
        text = node.strip()
        if not text or not _is_text(node):
            continue
        block, linked = node.parent, False
        while block is not None and block.name in _INLINE_TAGS:
            linked = linked or block.name == "a"
            block = block.parent
        weight = -len(text) / 2 if linked else len(text)
        for share, tag in zip((1.0, 1.0, 0.5), _self_and_ancestors(block, 3), strict=False):
            scores[id(tag)] = scores.get(id(tag), 0.0) + share * weight
            tags[id(tag)] = tag
    if not scores:
        return None
    best = tags[max(scores, key=scores.__getitem__)]
    if scores[id(best)] < _MIN_CONTENT_CHARS:
        return None
    h1 = soup.find("h1")
    if h1 is None or any(parent is best for parent in h1.parents):
        return best
    around_best = {id(parent) for parent in best.parents} | {id(best)}
    holder = next((parent for parent in h1.parents if id(parent) in around_best), None)
    if holder is not None and holder.name not in ("body", "html", "[document]"):
        return holder
    return best


def _self_and_ancestors(tag: Tag | None, count: int) -> list[Tag]:
    found = []
    while isinstance(tag, Tag) and tag.name not in ("html", "[document]") and len(found) < count:
        found.append(tag)
        tag = tag.parent
    return found


def _is_text(node: object) -> bool:
    """A visible text node (not a comment, doctype, CDATA or script body)."""
    return isinstance(node, NavigableString) and not isinstance(
        node, PreformattedString | Script | Stylesheet | TemplateString
    )


def _walk(root: Tag, descend):
    """Yield ("open", tag), ("text", str), ("close", tag) in document order, without recursion.

    `descend(tag)` says whether to go into a tag's children; a tag not entered is closed at once.
    """
    stack = [(root, iter(root.children))]
    while stack:
        parent, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if parent is not root:
                yield "close", parent
        elif isinstance(child, Tag):
            yield "open", child
            if descend(child):
                stack.append((child, iter(child.children)))
            else:
                yield "close", child
        elif _is_text(child):
            yield "text", str(child)


def _inline_text(tag: Tag, skip: tuple[str, ...] = ()) -> str:
    """A tag's text with HTML whitespace rules: runs collapse, <br> and block edges break lines."""
    parts: list[str] = []
    for event, node in _walk(tag, lambda t: t.name not in skip):
        if event == "text":
            parts.append(re.sub(r"\s+", " ", node))
        elif node.name == "br":
            parts.append("\n" if event == "open" else "")
        elif node.name not in _INLINE_TAGS and node.name not in skip:
            parts.append("\n")
    return clean_text("".join(parts))


def _is_linked(tag: Tag, skip: tuple[str, ...] = ()) -> bool:
    """Whether (nearly) all of a tag's text is link text."""
    total = linked = inside_links = 0
    for event, node in _walk(tag, lambda t: t.name not in skip):
        if event == "text":
            length = len(node.strip())
            total += length
            linked += length if inside_links else 0
        elif node.name == "a":
            inside_links += 1 if event == "open" else -1
    return total > 0 and linked >= 0.9 * total


def _read_blocks(container: Tag) -> list[_Block]:
    """The container as a flat list of headings, paragraphs, list items and label-value groups."""
    blocks: list[_Block] = []
    loose: list[str] = []  # text lying directly in a <div> or similar, outside any <p>

    def flush() -> None:
        text = clean_text(re.sub(r"[ \t\r\f\v]+", " ", "".join(loose)))
        if text:
            blocks.append(_Block("para", text))
        loose.clear()

    def descend(tag: Tag) -> bool:
        return not (tag.name in _HEADINGS or tag.name in _INLINE_TAGS or tag.name in _READERS)

    for event, node in _walk(container, descend):
        if event == "text":
            loose.append(re.sub(r"\s+", " ", node))
        elif event == "open" and node.name in _INLINE_TAGS:
            loose.append(_inline_text(node).replace("\n", " ") if node.name != "img" else "")
        elif event == "open" and node.name == "br":
            loose.append("\n")
        elif event == "open":
            flush()
            if node.name in _HEADINGS:
                blocks.append(
                    _Block("heading", _inline_text(node).replace("\n", " "), level=_HEADINGS[node.name])
                )
            elif node.name in _READERS:
                blocks.extend(_READERS[node.name](node))
        elif node.name not in _INLINE_TAGS and node.name != "br":
            flush()
    flush()
    return blocks


def _read_paragraph(tag: Tag) -> list[_Block]:
    text = clean_text(tag.get_text()) if tag.name == "pre" else _inline_text(tag)
    return [_Block("para", text, linked=_is_linked(tag))] if text else []


def _read_list(tag: Tag) -> list[_Block]:
    """List items as "- item" / "1. item" blocks, nested lists after their item (no recursion)."""
    blocks = []
    stack = [(tag, iter(tag.find_all("li", recursive=False)), _list_start(tag))]
    while stack:
        current, items, number = stack[-1]
        item = next(items, None)
        if item is None:
            stack.pop()
            continue
        text = _inline_text(item, skip=("ul", "ol")).replace("\n", " ")
        if text:
            marker = f"{number}." if current.name == "ol" else "-"
            blocks.append(_Block("item", f"{marker} {text}", linked=_is_linked(item, skip=("ul", "ol"))))
            stack[-1] = (current, items, number + 1)
        for nested in reversed(item.find_all(["ul", "ol"], recursive=False)):
            stack.append((nested, iter(nested.find_all("li", recursive=False)), _list_start(nested)))
    return blocks


def _list_start(tag: Tag) -> int:
    start = str(tag.get("start", "1")).strip()
    return int(start) if start.isdigit() else 1


def _read_definitions(tag: Tag) -> list[_Block]:
    pairs: list[tuple[str, str, list[str]]] = []
    for term in tag.find_all(["dt", "dd"]):
        if term.name == "dt":
            pairs.append((_inline_text(term).replace("\n", " "), "", []))
        elif pairs:
            label, value, items = pairs[-1]
            new_items = [_inline_text(li) for li in term.find_all("li")]
            value = "\n".join(part for part in (value, _inline_text(term)) if part)
            pairs[-1] = (label, value, items + new_items)
    return [_Block("pairs", pairs=pairs)] if pairs else []


def _read_table(tag: Tag) -> list[_Block]:
    rows = [row.find_all(["th", "td"], recursive=False) for row in tag.find_all("tr")]
    rows = [cells for cells in rows if any(c.get_text(strip=True) for c in cells)]
    if rows and all(len(cells) == 2 for cells in rows):
        pairs = [
            (
                _inline_text(label).replace("\n", " "),
                _inline_text(value),
                [_inline_text(li) for li in value.find_all("li")],
            )
            for label, value in rows
        ]
        return [_Block("pairs", pairs=pairs)]
    caption = tag.find("caption")
    blocks = [_Block("para", _inline_text(caption))] if caption and caption.get_text(strip=True) else []
    lines = [" | ".join(_inline_text(cell).replace("\n", " ") for cell in cells) for cells in rows]
    return [*blocks, _Block("para", "\n".join(lines))] if lines else blocks


_READERS = {
    "p": _read_paragraph,
    "pre": _read_paragraph,
    "ul": _read_list,
    "ol": _read_list,
    "dl": _read_definitions,
    "table": _read_table,
}


def _drop_related(blocks: list[_Block]) -> list[_Block]:
    """Remove "Weitere Projekte"-style link lists and "back to the overview" links."""
    kept: list[_Block] = []
    skipping_below = 0  # inside a related-links part: skip until a heading at this level or higher
    for block in blocks:
        if block.kind == "heading" and (not skipping_below or block.level <= skipping_below):
            skipping_below = block.level if _RELATED_HEADING.match(block.text) else 0
        if skipping_below or (block.linked and block.kind == "para" and _NAV_PHRASE.search(block.text)):
            continue
        kept.append(block)
    return kept


@dataclass
class _Part:
    heading: str | None  # None for the lead before the first section heading
    blocks: list[_Block] = field(default_factory=list)


def _split_parts(blocks: list[_Block]) -> list[_Part]:
    """Split at section-level headings; deeper headings stay inside their section as a line."""
    headings = [b for b in blocks if b.kind == "heading" and b.level > 1]
    known = [b.level for b in headings if section_kind(b.text)]
    level = known[0] if known else min((b.level for b in headings), default=1)
    parts = [_Part(None)]
    for block in blocks:
        if block.kind == "heading" and block.level <= level:
            parts.append(_Part(block.text))
        elif block.kind == "heading":
            parts[-1].blocks.append(_Block("para", block.text))
        else:
            parts[-1].blocks.append(block)
    return parts


def _build_record(
    blocks: list[_Block], fallback_titles: list[str], path: str, description: str | None = None
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
    for part in _split_parts(blocks):
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


def _blocks_text(blocks: list[_Block]) -> str:
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


def _take_pairs(record: ProjectRecord, part: _Part) -> None:
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


def _take_fields(record: ProjectRecord, part: _Part) -> None:
    """In the lead and in unnamed parts, "Label: value" lines are fields too."""
    _take_pairs(record, part)
    kept: list[_Block] = []
    blocks = part.blocks
    for index, block in enumerate(blocks):
        if block.kind == "item" and block.text == "":
            continue  # consumed as a field value below
        if block.kind != "para":
            kept.append(block)
            continue
        rest = _take_label_lines(record, block.text, blocks[index + 1 :])
        if rest:
            kept.append(_Block("para", rest, linked=block.linked))
    part.blocks = kept


def _take_label_lines(record: ProjectRecord, text: str, following: list[_Block]) -> str:
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


def _take_heading_field(record: ProjectRecord, heading: str, blocks: list[_Block], text: str) -> bool:
    """A part headed by a field label ("Kontakt") is that field's value, unless it is set already."""
    name = field_name(heading)
    if name is None or not text or getattr(record, name):
        return False
    items = [re.sub(r"^(-|\d+\.) ", "", b.text) for b in blocks if b.kind == "item"]
    return _set_field(record, heading, text, items)
