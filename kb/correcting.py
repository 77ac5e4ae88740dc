"""What staff do with a project's record: correct fields and sections, settle flagged corrections,
add a project by form. The rules (what is stored, how it is applied and flagged) are in kb.corrections."""

from __future__ import annotations

from ingest import ProjectRecord
from kb import project_rows
from kb.corrections import (
    FIELDS,
    MANUAL_SOURCE_NAME,
    MANUAL_SOURCE_PATH,
    CorrectionError,
    apply_corrections,
    decoded,
    dump,
    field_value,
    log_change,
    normalise,
    record_from_json,
)
from kb.store import Store, content_hash


class Corrections:
    """Staff corrections of one store: read them, make them, settle flagged ones, add projects by form."""

    def __init__(self, store: Store):
        self.store = store
        self.db = store.db

    def parsed_record(self, project_id: str) -> ProjectRecord | None:
        """The project as its source says (a project added by form: as the form first said)."""
        row = next(self.db.query("SELECT parsed FROM projects WHERE id = ?", [project_id]), None)
        if row is None:
            return None
        return (
            record_from_json(row["parsed"]) if row["parsed"] else project_rows.record_of(self.db, project_id)
        )

    def of(self, project_id: str) -> list[dict]:
        """The project's corrections, in form order, values decoded."""
        rows = {
            r["field"]: r
            for r in self.db.query("SELECT * FROM corrections WHERE project_id = ?", [project_id])
        }
        return [decoded(rows[f]) for f in FIELDS if f in rows]

    def history(self, project_id: str, limit: int = 200) -> list[dict]:
        rows = self.db.query(
            "SELECT * FROM correction_history WHERE project_id = ? ORDER BY id DESC LIMIT ?",
            [project_id, limit],
        )
        return [decoded(r) for r in rows]

    def counts(self) -> dict[str, int]:
        """How many corrections each corrected project has."""
        sql = "SELECT project_id, count(*) AS n FROM corrections GROUP BY project_id"
        return {row["project_id"]: row["n"] for row in self.db.query(sql)}

    def in_review(self) -> list[dict]:
        """Corrections whose source has changed under them, with the project's title."""
        rows = self.db.query(
            "SELECT c.*, p.title FROM corrections c LEFT JOIN projects p ON p.id = c.project_id "
            "WHERE c.state = 'review' ORDER BY c.project_id, c.field"
        )
        return [decoded(r) for r in rows]

    def correct(self, project_id: str, changes: dict[str, object], now: str) -> list[str]:
        """Store staff's values for these fields; a value equal to the source's removes the correction.
        Returns the fields whose shown value changed; the project is re-chunked at once."""
        values = {field: normalise(field, value) for field, value in changes.items()}
        changed: list[str] = []
        touched = False
        with self.store.writing():
            parsed = self.parsed_record(project_id)
            if parsed is None:
                raise KeyError(project_id)
            current = {c["field"]: c for c in self.of(project_id)}
            for field, value in values.items():
                source_value = field_value(parsed, field)
                shown = current[field]["value"] if field in current else source_value
                if value == shown and (field not in current or value != source_value):
                    continue
                touched = True
                if value == source_value:
                    self.db.execute(
                        "DELETE FROM corrections WHERE project_id = ? AND field = ?", [project_id, field]
                    )
                    if field in current:
                        log_change(self.db, project_id, field, "reverted", dump(shown), dump(value), now)
                else:
                    self.db.execute(
                        "INSERT OR REPLACE INTO corrections(project_id, field, value, base, state, source_value, "
                        "updated_at) VALUES (?, ?, ?, ?, 'active', NULL, ?)",
                        [project_id, field, dump(value), dump(source_value), now],
                    )
                    log_change(self.db, project_id, field, "corrected", dump(shown), dump(value), now)
                if value != shown:
                    changed.append(field)
            if touched:
                self._rewrite(project_id, parsed)
        return changed

    def resolve(self, project_id: str, field: str, keep: bool, now: str) -> None:
        """Settle a flagged correction: keep staff's value (against what the source says now) or take the source's."""
        with self.store.writing():
            row = next(
                self.db.query(
                    "SELECT * FROM corrections WHERE project_id = ? AND field = ?", [project_id, field]
                ),
                None,
            )
            if row is None:
                raise KeyError((project_id, field))
            parsed = self.parsed_record(project_id)
            if keep:
                base = dump(field_value(parsed, field)) if parsed else row["base"]
                self.db.execute(
                    "UPDATE corrections SET state = 'active', base = ?, source_value = NULL WHERE project_id = ? "
                    "AND field = ?",
                    [base, project_id, field],
                )
                log_change(self.db, project_id, field, "kept", row["source_value"], row["value"], now)
                return
            self.db.execute("DELETE FROM corrections WHERE project_id = ? AND field = ?", [project_id, field])
            log_change(self.db, project_id, field, "source_taken", row["value"], row["source_value"], now)
            if parsed is not None:
                self._rewrite(project_id, parsed)

    def add_project(self, values: dict[str, object], now: str) -> str:
        """A project entered by form (no file): stored under the source "Von Hand erfasst"."""
        cleaned = {field: normalise(field, value) for field, value in values.items() if field in FIELDS}
        if not cleaned.get("title"):
            raise CorrectionError("Titel: a project needs a title")
        record = apply_corrections(ProjectRecord(title=str(cleaned["title"])), cleaned)
        if not (record.sections or record.summary):
            raise CorrectionError("a project needs a Kurzbeschreibung or at least one section")
        with self.store.writing():
            source_id = self._manual_source(now)
            project_id = project_rows.free_project_id(self.db, record.title)
            position = self.db.execute(
                "SELECT count(*) FROM projects WHERE source_id = ?", [source_id]
            ).fetchone()[0]
            project_rows.insert_project(
                self.store.db, project_id, source_id, position, record, content_hash(record), parsed=record
            )
            self.db.execute(
                "UPDATE sources SET n_projects = n_projects + 1, ingested_at = ? WHERE id = ?",
                [now, source_id],
            )
            log_change(self.db, project_id, "*", "created", None, dump(record.title), now)
            self.store._bump_generation()
        return project_id

    def delete_manual_project(self, project_id: str, now: str) -> None:
        """Remove a project that was added by form (a project from a file goes with its file)."""
        with self.store.writing():
            row = next(
                self.db.query(
                    "SELECT p.title, s.id AS source_id, s.path FROM projects p JOIN sources s ON s.id = p.source_id "
                    "WHERE p.id = ?",
                    [project_id],
                ),
                None,
            )
            if row is None:
                raise KeyError(project_id)
            if row["path"] != MANUAL_SOURCE_PATH:
                raise CorrectionError(
                    "only a project added by form can be deleted on its own; delete its file"
                )
            project_rows.delete_projects(self.db, [project_id])
            self.db.execute("DELETE FROM corrections WHERE project_id = ?", [project_id])
            self.db.execute("UPDATE sources SET n_projects = n_projects - 1 WHERE id = ?", [row["source_id"]])
            log_change(self.db, project_id, "*", "deleted", dump(row["title"]), None, now)
            project_rows.drop_orphan_organisations(self.db)
            self.store._bump_generation()

    def _manual_source(self, now: str) -> int:
        row = next(self.db.query("SELECT id FROM sources WHERE path = ?", [MANUAL_SOURCE_PATH]), None)
        if row:
            return row["id"]
        values = {"path": MANUAL_SOURCE_PATH, "name": MANUAL_SOURCE_NAME, "kind": "manual", "status": "ok",
                  "ingested_at": now, "n_projects": 0}  # fmt: skip
        return self.db["sources"].insert(values).last_pk

    def _rewrite(self, project_id: str, parsed: ProjectRecord) -> None:
        """The project's rows, chunks and keyword index anew from its parsed record and corrections."""
        row = next(
            self.db.query("SELECT source_id, position, content_hash FROM projects WHERE id = ?", [project_id])
        )
        corrections = {c["field"]: c["value"] for c in self.of(project_id)}
        project_rows.delete_projects(self.db, [project_id])
        record = apply_corrections(parsed, corrections)
        project_rows.insert_project(
            self.store.db,
            project_id,
            row["source_id"],
            row["position"],
            record,
            row["content_hash"],
            parsed=parsed,
        )
        project_rows.drop_orphan_organisations(self.db)
        self.store._bump_generation()
