"""A CMS page's main content as a flat list of blocks.

The page chrome (navigation, cookie banners, sidebars, footers, scripts) is dropped first; the
main content is then found by evidence (<main>, <article>, role=main, a content id or class,
else the block holding the most paragraph text) and read into blocks (headings, paragraphs, list
items, label/value pairs), without "Weitere Projekte"-style link lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString, Script, Stylesheet, TemplateString

from ingest.headings import section_kind
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
_MIN_CONTENT_CHARS = 30


@dataclass
class Block:
    kind: str  # heading, para, item, pairs
    text: str = ""
    level: int = 0  # heading level
    linked: bool = False  # all of the text is link text
    pairs: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (label, value, list items)


def drop_chrome(soup: BeautifulSoup) -> None:
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


def main_content(soup: BeautifulSoup) -> Tag | None:
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


def inline_text(tag: Tag, skip: tuple[str, ...] = ()) -> str:
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


def read_blocks(container: Tag) -> list[Block]:
    """The container as a flat list of headings, paragraphs, list items and label-value groups."""
    blocks: list[Block] = []
    loose: list[str] = []  # text lying directly in a <div> or similar, outside any <p>

    def flush() -> None:
        text = clean_text(re.sub(r"[ \t\r\f\v]+", " ", "".join(loose)))
        if text:
            blocks.append(Block("para", text))
        loose.clear()

    def descend(tag: Tag) -> bool:
        return not (tag.name in _HEADINGS or tag.name in _INLINE_TAGS or tag.name in _READERS)

    for event, node in _walk(container, descend):
        if event == "text":
            loose.append(re.sub(r"\s+", " ", node))
        elif event == "open" and node.name in _INLINE_TAGS:
            loose.append(inline_text(node).replace("\n", " ") if node.name != "img" else "")
        elif event == "open" and node.name == "br":
            loose.append("\n")
        elif event == "open":
            flush()
            if node.name in _HEADINGS:
                blocks.append(
                    Block("heading", inline_text(node).replace("\n", " "), level=_HEADINGS[node.name])
                )
            elif node.name in _READERS:
                blocks.extend(_READERS[node.name](node))
        elif node.name not in _INLINE_TAGS and node.name != "br":
            flush()
    flush()
    return blocks


def _read_paragraph(tag: Tag) -> list[Block]:
    text = clean_text(tag.get_text()) if tag.name == "pre" else inline_text(tag)
    return [Block("para", text, linked=_is_linked(tag))] if text else []


def _read_list(tag: Tag) -> list[Block]:
    """List items as "- item" / "1. item" blocks, nested lists after their item (no recursion)."""
    blocks = []
    stack = [(tag, iter(tag.find_all("li", recursive=False)), _list_start(tag))]
    while stack:
        current, items, number = stack[-1]
        item = next(items, None)
        if item is None:
            stack.pop()
            continue
        text = inline_text(item, skip=("ul", "ol")).replace("\n", " ")
        if text:
            marker = f"{number}." if current.name == "ol" else "-"
            blocks.append(Block("item", f"{marker} {text}", linked=_is_linked(item, skip=("ul", "ol"))))
            stack[-1] = (current, items, number + 1)
        for nested in reversed(item.find_all(["ul", "ol"], recursive=False)):
            stack.append((nested, iter(nested.find_all("li", recursive=False)), _list_start(nested)))
    return blocks


def _list_start(tag: Tag) -> int:
    start = str(tag.get("start", "1")).strip()
    return int(start) if start.isdigit() else 1


def _read_definitions(tag: Tag) -> list[Block]:
    pairs: list[tuple[str, str, list[str]]] = []
    for term in tag.find_all(["dt", "dd"]):
        if term.name == "dt":
            pairs.append((inline_text(term).replace("\n", " "), "", []))
        elif pairs:
            label, value, items = pairs[-1]
            new_items = [inline_text(li) for li in term.find_all("li")]
            value = "\n".join(part for part in (value, inline_text(term)) if part)
            pairs[-1] = (label, value, items + new_items)
    return [Block("pairs", pairs=pairs)] if pairs else []


def _read_table(tag: Tag) -> list[Block]:
    rows = [row.find_all(["th", "td"], recursive=False) for row in tag.find_all("tr")]
    rows = [cells for cells in rows if any(c.get_text(strip=True) for c in cells)]
    if rows and all(len(cells) == 2 for cells in rows):
        pairs = [
            (
                inline_text(label).replace("\n", " "),
                inline_text(value),
                [inline_text(li) for li in value.find_all("li")],
            )
            for label, value in rows
        ]
        return [Block("pairs", pairs=pairs)]
    caption = tag.find("caption")
    blocks = [Block("para", inline_text(caption))] if caption and caption.get_text(strip=True) else []
    lines = [" | ".join(inline_text(cell).replace("\n", " ") for cell in cells) for cells in rows]
    return [*blocks, Block("para", "\n".join(lines))] if lines else blocks


_READERS = {
    "p": _read_paragraph,
    "pre": _read_paragraph,
    "ul": _read_list,
    "ol": _read_list,
    "dl": _read_definitions,
    "table": _read_table,
}


def drop_related(blocks: list[Block]) -> list[Block]:
    """Remove "Weitere Projekte"-style link lists and "back to the overview" links."""
    kept: list[Block] = []
    skipping_below = 0  # inside a related-links part: skip until a heading at this level or higher
    for block in blocks:
        if block.kind == "heading" and (not skipping_below or block.level <= skipping_below):
            skipping_below = block.level if _RELATED_HEADING.match(block.text) else 0
        if skipping_below or (block.linked and block.kind == "para" and _NAV_PHRASE.search(block.text)):
            continue
        kept.append(block)
    return kept


@dataclass
class Part:
    heading: str | None  # None for the lead before the first section heading
    blocks: list[Block] = field(default_factory=list)


def split_parts(blocks: list[Block]) -> list[Part]:
    """Split at section-level headings; deeper headings stay inside their section as a line."""
    headings = [b for b in blocks if b.kind == "heading" and b.level > 1]
    known = [b.level for b in headings if section_kind(b.text)]
    level = known[0] if known else min((b.level for b in headings), default=1)
    parts = [Part(None)]
    for block in blocks:
        if block.kind == "heading" and block.level <= level:
            parts.append(Part(block.text))
        elif block.kind == "heading":
            parts[-1].blocks.append(Block("para", block.text))
        else:
            parts[-1].blocks.append(block)
    return parts
