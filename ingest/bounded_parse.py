"""Parsing a file with bounded time and memory: in a child process, after a size check of its PDF.

The pipeline calls `parse_file_bounded`, which forks a child that parses the file and sends the
result back (a parser runs in the asking process only in tests), so that:
- a file that takes too long is stopped after `time_limit` seconds (a 133 KB PDF of 200 pages that
  share one 100 MB content stream took 208 s to parse, and stalled searches meanwhile);
- a file that needs too much memory (a decompression bomb) ends the child, not the server
  (the child may grow by CHILD_MEMORY_BYTES beyond what it inherits);
- the parsing competes for the CPU at a lower priority than the searches of a server.
A plain fork: the child starts at once and needs no main module of its own (a fork server or
spawn re-imports the caller's script, which breaks scripts without a main guard). The child only
parses; it touches no lock, thread, connection or model of the parent.
Before a PDF is parsed, its pages and their decompressed content are counted against
MAX_PDF_PAGES and MAX_PDF_CONTENT_BYTES, so such a file is refused in a moment, with its figures.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import zlib
from multiprocessing.connection import Connection
from pathlib import Path

from ingest.record import IngestError, ParseResult

PARSE_TIME_LIMIT_S = 120.0  # the sample brochure (42 pages) parses in 0.3 s
CHILD_MEMORY_BYTES = 2 * 1024**3  # on top of what the child inherits
CHILD_NICE = 5
MAX_PDF_PAGES = 2000
# Decompressed page content, counted once per page that shows it: the sample brochure has 0.3 MB.
MAX_PDF_CONTENT_BYTES = 200 * 1024**2


def _address_space() -> int:
    """This process's virtual size in bytes: the child's limit is counted on top of what it inherits."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[0]) * resource.getpagesize()


def parse_file_bounded(path: str | Path, data: bytes, time_limit: float = PARSE_TIME_LIMIT_S) -> ParseResult:
    """parse_file in a child process; IngestError when it fails, runs out of time or of memory."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_parse_in_child, args=(str(path), data, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(time_limit):
            child.kill()
            raise IngestError(str(path), f"took longer than {time_limit:g} s to read; the file was not read")
        try:
            outcome, value = receiver.recv()
        except EOFError:
            child.join()
            raise IngestError(
                str(path), f"ran out of memory while reading (the reader stopped, exit code {child.exitcode})"
            ) from None
    finally:
        receiver.close()
        child.join(timeout=5)
        if child.is_alive():
            child.kill()
            child.join()
    if outcome == "error":
        raise value
    return value


def _parse_in_child(path: str, data: bytes, sender: Connection) -> None:
    from ingest import parse_file

    os.nice(CHILD_NICE)
    limit = _address_space() + CHILD_MEMORY_BYTES
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        if Path(path).suffix.lower() == ".pdf":
            try:
                check_pdf_budget(path, data)
            except (ValueError, RuntimeError):
                pass  # encrypted, damaged: the parser names what is wrong with the file
        sender.send(("ok", parse_file(path, data)))
    except IngestError as error:
        sender.send(("error", error))
    except MemoryError:
        sender.send(("error", IngestError(path, "ran out of memory while reading")))
    except Exception as error:  # noqa: BLE001 - parse_file converts parser errors; this is the last guard
        sender.send(("error", IngestError(path, f"cannot be read ({type(error).__name__})")))
    finally:
        sender.close()


def check_pdf_budget(path: str, data: bytes) -> None:
    """Refuse a PDF with more pages, or more decompressed page content, than any brochure has."""
    import pymupdf

    try:
        document = pymupdf.open(stream=data, filetype="pdf")
    except Exception:  # noqa: BLE001 - the parser names what is wrong with an unreadable file
        return
    with document:
        if document.page_count > MAX_PDF_PAGES:
            raise IngestError(
                path, f"more than {MAX_PDF_PAGES:,} pages ({document.page_count:,}); split the file"
            )
        sizes: dict[int, int] = {}
        total = 0
        for page in document:
            for xref in page.get_contents():
                if xref not in sizes:
                    try:
                        sizes[xref] = _stream_size(document, xref, MAX_PDF_CONTENT_BYTES - total + 1)
                    except (ValueError, RuntimeError, zlib.error):
                        sizes[xref] = 0  # a damaged stream: the parser says what is wrong with it
                total += sizes[xref]
                if total > MAX_PDF_CONTENT_BYTES:
                    raise IngestError(
                        path,
                        f"page content of {total / 1024**2:.0f} MB or more when unpacked "
                        f"(the limit is {MAX_PDF_CONTENT_BYTES / 1024**2:.0f} MB); the file was not read",
                        f"page {page.number + 1}",
                    )


def _stream_size(document, xref: int, limit: int) -> int:
    """A content stream's decompressed size, counted up to `limit` without unpacking it whole."""
    if "FlateDecode" not in document.xref_get_key(xref, "Filter")[1]:
        return len(document.xref_stream(xref) or b"")
    inflater = zlib.decompressobj()
    raw = document.xref_stream_raw(xref) or b""
    size = 0
    for start in range(0, len(raw), 1 << 16):
        pending = raw[start : start + (1 << 16)]
        while pending and size <= limit:
            size += len(inflater.decompress(pending, 1 << 20))
            pending = inflater.unconsumed_tail
        if size > limit:
            break
    return size
