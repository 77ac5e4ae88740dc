"""From files to the store: find the files, parse each, store its projects, report per file."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ingest import SUFFIX_KINDS, IngestError, source_kind
from ingest.bounded_parse import parse_file_bounded
from kb.store import ChangeCounts, SourceFile, Store

logger = logging.getLogger(__name__)


@dataclass
class FileOutcome:
    path: str
    status: str  # ok, partial, unchanged, failed, skipped
    counts: ChangeCounts = field(default_factory=ChangeCounts)
    errors: list[str] = field(default_factory=list)
    report: dict | None = None  # the parse report (ingest.report.ParseReport.to_dict()), when read

    @property
    def warnings(self) -> list[dict]:
        """The parse report's warnings: the file's own, then each project's."""
        if not self.report:
            return []
        own = self.report.get("warnings", [])
        return own + [w for project in self.report.get("projects", []) for w in project.get("warnings", [])]


@dataclass
class IngestReport:
    files: list[FileOutcome] = field(default_factory=list)

    @property
    def totals(self) -> ChangeCounts:
        total = ChangeCounts()
        for outcome in self.files:
            total.add(outcome.counts)
        return total

    @property
    def errors(self) -> list[str]:
        return [error for outcome in self.files for error in outcome.errors]

    @property
    def failed(self) -> bool:
        return any(outcome.status in ("failed", "partial") for outcome in self.files)

    def parse_reports(self) -> list[dict]:
        """Every file's parse report with its outcome, in the order the files were read (`kb ingest
        --report`); a file that could not be read is listed with its errors and no projects."""
        reports = []
        for outcome in self.files:
            if outcome.status == "skipped":
                continue
            base = outcome.report or {"file": outcome.path, "kind": "", "projects": [], "warnings": []}
            reports.append({**base, "status": outcome.status, "errors": outcome.errors})
        return reports

    def warning_summary(self, limit: int = 10) -> list[str]:
        """Short lines for the terminal: per file the number of warnings and the first few."""
        lines: list[str] = []
        for outcome in self.files:
            warnings = outcome.warnings
            if not warnings:
                continue
            projects = len((outcome.report or {}).get("projects", []))
            lines.append(f"{outcome.path}: {len(warnings)} warning(s) in {projects} project(s)")
            for warning in warnings[:limit]:
                where = f"{warning['project']}: " if warning.get("project") else ""
                lines.append(f"  - {where}{warning['message']}")
            if len(warnings) > limit:
                lines.append(
                    f"  ... {len(warnings) - limit} more (kb report SOURCE, or kb ingest --report FILE.json)"
                )
        return lines

    def summary(self) -> str:
        t = self.totals
        read = sum(1 for o in self.files if o.status != "skipped")
        failed = sum(1 for o in self.files if o.status == "failed")
        partial = sum(1 for o in self.files if o.status == "partial")
        line = (
            f"{read} file(s): {t.new} new, {t.updated} updated, {t.unchanged} unchanged, "
            f"{t.removed} removed project(s); {failed} failed"
        )
        if partial:
            line += f", {partial} partly read"
        skipped = [o.path for o in self.files if o.status == "skipped"]
        if skipped:
            line += f"; {len(skipped)} skipped (not a supported type)"
        return line


def expand_paths(paths: Iterable[str | Path]) -> list[tuple[Path, bool]]:
    """Files to ingest, folders walked recursively; (path, named_by_user). Hidden files are left out."""
    found: list[tuple[Path, bool]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path).parts
                if child.is_file() and not any(part.startswith(".") for part in relative):
                    found.append((child, False))
        else:
            found.append((path, True))
    return found


def ingest_file(
    store: Store,
    path: Path,
    max_bytes: int,
    display_name: str | None = None,
    identity: Path | None = None,
    given_url: str | None = None,
) -> FileOutcome:
    """Parse and store one file; never raises for bad input, the outcome says what happened.

    `identity` is the path the source is known by, when the file is read from somewhere else
    (an upload read from its temporary file is known by its place in the upload folder).
    """
    name = display_name or path.name
    try:
        kind = source_kind(path)
        data = _read(path, max_bytes)
    except IngestError as error:
        return FileOutcome(str(path), "failed", errors=[str(error)])
    source = SourceFile(
        str((identity or path).resolve()), name, kind, hashlib.sha256(data).hexdigest(), len(data), given_url
    )
    stored = store.source_for(source)
    if (
        stored
        and stored["sha256"] == source.sha256
        and stored["path"] == source.path
        and stored["status"] == "ok"
    ):
        if given_url and given_url != stored["given_url"]:
            store.set_given_url(stored["id"], given_url)
        counts = ChangeCounts(unchanged=stored["n_projects"])
        return FileOutcome(str(path), "unchanged", counts, report=store.source_report(stored["id"]))
    try:
        result = parse_file_bounded(path, data)
    except IngestError as error:
        store.mark_source_failed(source, error.reason)
        return FileOutcome(str(path), "failed", errors=[str(error)])
    problems = [str(problem) for problem in result.problems]
    if not result.records:  # every record broken: the file failed, what it gave before stays stored
        store.mark_source_failed(source, "; ".join(problem.reason for problem in result.problems[:3]))
        return FileOutcome(str(path), "failed", errors=problems)
    status = "partial" if problems else "ok"
    report = result.report.to_dict() if result.report else None
    if report:
        report["file"] = name  # the name staff know it by, not a temporary upload path
    try:
        counts = store.save_source(
            source, result.records, status, "; ".join(problems) or None, result.info, report
        )
    except Exception as error:  # noqa: BLE001 - one file's failure is reported, the batch goes on
        # save_source is one transaction: what the store held for this file is left as it was.
        logger.exception("storing %s failed", path)
        return FileOutcome(str(path), "failed", errors=[f"{path}: cannot be stored ({type(error).__name__})"])
    return FileOutcome(str(path), status, counts, problems, report)


def ingest_paths(
    store: Store,
    paths: Iterable[str | Path],
    max_bytes: int,
    on_file: Callable[[FileOutcome], None] | None = None,
    given_url: str | None = None,
) -> IngestReport:
    """Ingest files and folders; given_url is the web address of the one file named (see KnowledgeBase.ingest)."""
    report = IngestReport()
    for path, named in expand_paths(paths):
        if not named and path.suffix.lower() not in SUFFIX_KINDS:
            outcome = FileOutcome(str(path), "skipped")
        elif not path.exists():
            outcome = FileOutcome(str(path), "failed", errors=[f"{path}: no such file or folder"])
        else:
            outcome = ingest_file(store, path, max_bytes, given_url=given_url)
        report.files.append(outcome)
        if on_file:
            on_file(outcome)
    return report


def _read(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise IngestError(str(path), too_large_reason(size, max_bytes))
        return path.read_bytes()
    except OSError as error:
        raise IngestError(str(path), f"cannot read file: {error.strerror or error}") from error


def too_large_reason(size: int, max_bytes: int) -> str:
    """Size and limit in the unit of the max_upload_mb setting (MiB), never rounded to the same figure."""
    megabyte = 1024 * 1024
    shown, limit = f"{size / megabyte:.1f} MB", f"{max_bytes / megabyte:.1f} MB"
    if shown == limit:
        shown, limit = f"{size:,} bytes", f"{max_bytes:,} bytes"
    return f"file too large ({shown}; the limit is {limit})"
