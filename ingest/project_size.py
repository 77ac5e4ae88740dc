"""A bound on one project's text: what is stored, analysed and embedded for a project is finite.

A file's size is limited before parsing, but a file within that limit can still hold one project of
tens of megabytes (a 49 MB Markdown file made of one project ran for minutes and used 0.9 GB while
its text was cut into ~60,000 passages to analyse and embed). No project description needs that: the
longest sample project has ~2,400 characters, a long brochure entry ~6,000. So a project's text —
its lead, its sections in order, its labelled extra fields — is kept up to MAX_PROJECT_CHARS and
cut there, at a word boundary, with a warning in the parse report naming the project. The other
projects of the file are not touched.
"""

from __future__ import annotations

from ingest.record import ProjectRecord

MAX_PROJECT_CHARS = 100_000  # 40 times the longest sample project
_MARK = " …"


def cap_project_text(record: ProjectRecord, limit: int = MAX_PROJECT_CHARS) -> int | None:
    """Cut the record's text to `limit` characters in reading order; its length before, when cut."""
    total = (
        len(record.summary or "")
        + sum(len(section.text) for section in record.sections)
        + sum(len(value) for value in record.extra.values())
    )
    if total <= limit:
        return None
    left = limit
    record.summary, left = _cut(record.summary, left)
    for section in record.sections:
        section.text, left = _cut(section.text, left)
    record.sections = [section for section in record.sections if section.text]
    for key, value in list(record.extra.items()):
        record.extra[key], left = _cut(value, left)
        if not record.extra[key]:
            del record.extra[key]
    return total


def _cut(text: str | None, left: int) -> tuple[str | None, int]:
    """`text` within the `left` characters still allowed, and what is allowed after it."""
    if text is None or len(text) <= left:
        return text, left - len(text or "")
    if left <= len(_MARK):
        return ("" if text is not None else None), 0
    head = text[: left - len(_MARK)]
    space = head.rfind(" ")
    if space > len(head) // 2:  # cut at a word, unless the text has (almost) no spaces
        head = head[:space]
    return head.rstrip() + _MARK, 0
