"""Parse source files (brochure PDFs, web pages, Markdown, bulk records) into project records.

Knows nothing of storage or vectors: `parse_file()` takes a path and returns plain data.
"""

from __future__ import annotations

from pathlib import Path

from ingest.project_size import MAX_PROJECT_CHARS, cap_project_text
from ingest.record import (
    AREAS,
    MAIN_SECTIONS,
    SECTION_KINDS,
    SECTION_NAMES,
    IngestError,
    ParseResult,
    ProjectRecord,
    Section,
    SourceInfo,
)
from ingest.report import ParseReport, Warning, build_report

SUFFIX_KINDS = {
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "markdown",
    ".jsonl": "jsonl",
    ".json": "json",
    ".csv": "csv",
}

__all__ = [
    "AREAS",
    "MAIN_SECTIONS",
    "SECTION_KINDS",
    "SECTION_NAMES",
    "SUFFIX_KINDS",
    "IngestError",
    "ParseReport",
    "ParseResult",
    "ProjectRecord",
    "Section",
    "SourceInfo",
    "parse_file",
    "source_kind",
]


def source_kind(path: str | Path) -> str:
    """The parser kind for a file name; IngestError for a type we do not read."""
    kind = SUFFIX_KINDS.get(Path(path).suffix.lower())
    if kind is None:
        supported = ", ".join(sorted(SUFFIX_KINDS))
        raise IngestError(str(path), f"unsupported file type (supported: {supported})")
    return kind


def parse_file(path: str | Path, data: bytes | None = None) -> ParseResult:
    """Parse one file into project records; raises IngestError when nothing can be read."""
    path = Path(path)
    kind = source_kind(path)
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise IngestError(str(path), f"cannot read file: {error.strerror or error}") from error
    if not data.strip():
        raise IngestError(str(path), "empty file")
    if kind == "pdf":
        from ingest import pdf_brochure as parser
    elif kind == "html":
        from ingest import html_page as parser
    elif kind == "markdown":
        from ingest import markdown_text as parser
    else:
        from ingest import bulk_records as parser
    result = _guarded_parse(parser.parse, path, data)
    if not result.records and not result.problems:
        raise IngestError(str(path), "no projects found in this file")
    lengths = [cap_project_text(record) for record in result.records]
    result.report = build_report(str(path), kind, result)
    # build_report makes one project report per record, in order
    for project, length in zip(result.report.projects, lengths, strict=True):
        if length:
            message = (
                f"Text sehr lang ({length:,} Zeichen): gespeichert sind die ersten {MAX_PROJECT_CHARS:,}"
            )
            project.warnings.append(Warning("text_cut", message.replace(",", "."), project.title))
    return result


def _guarded_parse(parse, path: Path, data: bytes) -> ParseResult:
    """Run a parser so that whatever goes wrong inside it is an IngestError for this one file.

    The parsers raise IngestError for what they recognise; anything else (a JSON document nested
    thousands of levels deep is a RecursionError, a decompression bomb a MemoryError, a bug in a
    parser or a library any exception) would otherwise end a whole batch, or an upload, at this file.
    """
    try:
        return parse(str(path), data)
    except IngestError:
        raise
    except RecursionError as error:
        raise IngestError(
            str(path), "nested too deeply to read (more levels than any document needs)"
        ) from error
    except MemoryError as error:
        raise IngestError(str(path), "too large to read in memory") from error
    except Exception as error:  # noqa: BLE001 - reported per file, never swallowed
        raise IngestError(str(path), f"cannot be read ({type(error).__name__}: {error})"[:300]) from error
