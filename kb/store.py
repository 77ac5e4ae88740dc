"""The SQLite store: sources, projects, sections, chunks, organisations, the embedding cache."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
from sqlite_utils import Database

from ingest import ProjectRecord, SourceInfo
from kb import group_mapping, project_rows
from kb.chunking import CHUNKING_VERSION
from kb.corrections import flag_removed, reconcile, record_from_json
from kb.group_mapping import Mapping, map_by_rules
from kb.period import project_status
from kb.project_rows import now
from kb.schema import migrations
from kb.text_analysis import ANALYSIS_VERSION
from kb.vocabulary import load_vocabulary

# The passages and their keyword terms as stored: either changing makes a store re-chunk when opened.
# (text, not a number: the meta table has numeric affinity and would store "3.2" as a float)
PASSAGES_VERSION = f"chunking {CHUNKING_VERSION}, analysis {ANALYSIS_VERSION}"
# Document frequencies of query terms, remembered until the store changes, bounded in bytes: an
# entry is its term plus about 100 bytes of dict entry and int.
DOC_FREQ_CACHE_BYTES = 2 * 1024 * 1024
DOC_FREQ_ENTRY_BYTES = 100


@dataclass
class ChangeCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    project_ids: list[str] = field(default_factory=list)

    def add(self, other: ChangeCounts) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.removed += other.removed
        self.project_ids += other.project_ids


@dataclass(frozen=True)
class SourceFile:
    path: str  # identity of the source: absolute path or stored upload path
    name: str  # what the user called it
    kind: str
    sha256: str
    size: int
    given_url: str | None = None  # the address a user gave for it (upload form, `kb ingest --url`)


def content_hash(record: ProjectRecord) -> str:
    return hashlib.sha256(json.dumps(record.to_dict(), sort_keys=True).encode()).hexdigest()


class Store:
    """One connection to the store; open one per thread (connections are cheap, the file is shared)."""

    def __init__(self, path: Path | str, today: date | None = None):
        """today: the day project statuses are reckoned on (None: the real day, asked each time)."""
        self.path = str(path)
        self.fixed_today = today
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
        # SQL can ask a project's status (laufend, abgeschlossen, unbekannt) of its "Laufzeit" text.
        conn.create_function("period_status", 1, lambda text: project_status(text, self.today()))
        conn.execute("PRAGMA journal_mode=WAL")  # readers never wait for the ingest writing
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        self.db = Database(conn)
        self.conn = conn
        self._doc_freqs: dict[str, int] = {}
        self._doc_freqs_bytes = 0
        self._doc_freqs_generation: int | None = None
        if migrations.pending(self.db):
            with self.writing():  # two processes opening a new store at once: one migrates, one waits
                migrations.apply(self.db)
        if self._meta("chunking") != PASSAGES_VERSION:
            self.rechunk()
        if self._meta("vocabulary") != load_vocabulary().version():
            self.map_target_groups_by_rules()

    def today(self) -> date:
        return self.fixed_today or date.today()

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def writing(self) -> Iterator[Database]:
        """One write transaction, taken at once so two writers queue instead of deadlocking."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # ---- sources ------------------------------------------------------------------------
    def source_for(self, file: SourceFile) -> dict | None:
        """The stored source this file is: same path, or else the same content under another path."""
        rows = self.db.query("SELECT * FROM sources WHERE path = ?", [file.path])
        row = next(rows, None)
        if row is None:
            rows = self.db.query(
                "SELECT * FROM sources WHERE sha256 = ? AND status != 'failed'", [file.sha256]
            )
            row = next(rows, None)
        return row

    def sources(self) -> list[dict]:
        return list(self.db.query("SELECT * FROM sources ORDER BY name, id"))

    def source(self, source_id: int) -> dict | None:
        return next(self.db.query("SELECT * FROM sources WHERE id = ?", [source_id]), None)

    def source_report(self, source_id: int) -> dict | None:
        """The parse report stored with a source (from its last successful read), or None."""
        row = next(self.db.query("SELECT report FROM sources WHERE id = ?", [source_id]), None)
        return json.loads(row["report"]) if row and row["report"] else None

    def save_source(
        self,
        file: SourceFile,
        records: list[ProjectRecord],
        status: str = "ok",
        error: str | None = None,
        info: SourceInfo | None = None,
        report: dict | None = None,
    ) -> ChangeCounts:
        """Store a parsed file in one transaction: new projects added, changed ones updated in place,
        projects no longer in the file removed, unchanged ones untouched; `report` is its parse report."""
        counts = ChangeCounts()
        with self.writing():
            source_id = self._upsert_source(file, status, error, len(records), info)
            self.db.execute(
                "UPDATE sources SET report = ? WHERE id = ?",
                [json.dumps(report, ensure_ascii=False) if report else None, source_id],
            )
            # Known by the title the parser read: a title corrected by staff does not make it a new project.
            existing = {
                (record_from_json(row["parsed"]).title if row["parsed"] else row["title"]): row
                for row in self.db.query(
                    "SELECT id, title, content_hash, parsed FROM projects WHERE source_id = ?", [source_id]
                )
            }
            seen: set[str] = set()
            for position, record in enumerate(records):
                old = existing.get(record.title) if record.title not in seen else None
                seen.add(record.title)
                digest = content_hash(record)
                if old and old["content_hash"] == digest:
                    self.db.execute("UPDATE projects SET position = ? WHERE id = ?", [position, old["id"]])
                    counts.unchanged += 1
                    counts.project_ids.append(old["id"])
                    continue
                project_id = old["id"] if old else project_rows.free_project_id(self.db, record.title)
                if old:
                    project_rows.delete_projects(self.db, [project_id])
                    counts.updated += 1
                else:
                    counts.new += 1
                shown = reconcile(self.db, project_id, record, now())
                project_rows.insert_project(
                    self.db, project_id, source_id, position, shown, digest, parsed=record
                )
                counts.project_ids.append(project_id)
            gone = [row["id"] for title, row in existing.items() if title not in seen]
            project_rows.delete_projects(self.db, gone)
            flag_removed(self.db, gone, now())
            counts.removed = len(gone)
            project_rows.drop_orphan_organisations(self.db)
            self._bump_generation()
        return counts

    def mark_source_failed(self, file: SourceFile, error: str) -> None:
        """Record a failed file; a source that was ingested before keeps its projects."""
        with self.writing():
            row = self.source_for(file)
            if row is None:
                self._upsert_source(file, "failed", error, 0)
            else:
                self.db.execute(
                    "UPDATE sources SET status = 'failed', error = ?, ingested_at = ? WHERE id = ?",
                    [error, now(), row["id"]],
                )

    def set_given_url(self, source_id: int, url: str | None) -> None:
        """Record the address a user gives for a source (a web page saved to a file loses its own)."""
        with self.writing():
            self.db.execute("UPDATE sources SET given_url = ? WHERE id = ?", [url, source_id])

    def delete_source(self, source_id: int) -> int:
        """Remove a source and its projects; returns the number of projects removed."""
        with self.writing():
            ids = [r["id"] for r in self.db.query("SELECT id FROM projects WHERE source_id = ?", [source_id])]
            project_rows.delete_projects(self.db, ids)
            flag_removed(self.db, ids, now())  # kept for when the file comes back; staff may discard them
            self.db.execute("DELETE FROM sources WHERE id = ?", [source_id])
            project_rows.drop_orphan_organisations(self.db)
            self._bump_generation()
        return len(ids)

    def _upsert_source(
        self,
        file: SourceFile,
        status: str,
        error: str | None,
        n_projects: int,
        info: SourceInfo | None = None,
    ) -> int:
        row = self.source_for(file)
        values = {
            "path": file.path,
            "name": file.name,
            "kind": file.kind,
            "sha256": file.sha256,
            "size": file.size,
            "ingested_at": now(),
            "status": status,
            "error": error,
            "n_projects": n_projects,
        }
        if info is not None:
            values.update(url=info.url, document_date=info.date, edition=info.edition)
        if file.given_url:  # kept when the file comes again without one
            values["given_url"] = file.given_url
        if row is None:
            return self.db["sources"].insert(values).last_pk
        self.db["sources"].update(row["id"], values)
        return row["id"]

    def generation(self) -> int:
        """A number that changes whenever projects change; cheap to ask on every search."""
        return self.conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]

    def _meta(self, key: str) -> int | str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def rechunk(self) -> None:
        """Cut every stored project into chunks anew and analyse their keywords (after the chunking
        rules or the keyword analysis changed)."""
        with self.writing():
            if self._meta("chunking") == PASSAGES_VERSION:  # another process got here first
                return
            self.conn.execute("DELETE FROM chunks_fts")
            self.conn.execute("DELETE FROM chunks")
            for project_id in [r[0] for r in self.conn.execute("SELECT id FROM projects")]:
                project_rows.insert_chunks(self.db, project_id, project_rows.record_of(self.db, project_id))
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('chunking', ?)", [PASSAGES_VERSION])
            self._bump_generation()
        # one segment per project was written: as after an ingest, merge them (18 segments made the
        # sample's keyword queries take 0.77 ms instead of ~0.3 until the next ingest)
        self.compact_keyword_index()

    def map_target_groups_by_rules(self) -> None:
        """Map every stored wording by the current vocabulary's rules (after the vocabulary changed);
        the model's part follows at the next ingest or `kb index`."""
        vocabulary = load_vocabulary()
        with self.writing():
            if self._meta("vocabulary") == vocabulary.version():  # another process got here first
                return
            wordings = [r[0] for r in self.conn.execute("SELECT DISTINCT name FROM project_target_groups")]
            map_by_rules(self.db, wordings, vocabulary)
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('vocabulary', ?)", [vocabulary.version()])
            self._bump_generation()

    def save_target_group_mappings(
        self, pending: list[tuple[str, str]], mappings: list[Mapping], model_id: str
    ) -> None:
        with self.writing():
            group_mapping.save_mappings(self.db, pending, mappings, load_vocabulary(), model_id)
            self._bump_generation()

    def set_target_group_override(self, text: str, groups: list[str]) -> str:
        """File a wording under these groups by hand, for every project using it, now and after re-ingests."""
        with self.writing():
            key = group_mapping.set_override(self.db, text, groups, load_vocabulary(), now())
            self._bump_generation()
        return key

    def clear_target_group_override(self, text: str) -> bool:
        with self.writing():
            cleared = group_mapping.clear_override(self.db, text)
            self._bump_generation()
        return cleared

    def _bump_generation(self) -> None:
        self.conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")

    def cached_vectors(self, model: str, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        hashes = list(dict.fromkeys(hashes))
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(hashes), 500):
            batch = hashes[start : start + 500]
            marks = ",".join("?" * len(batch))
            for row in self.conn.execute(
                f"SELECT text_hash, vector FROM embeddings WHERE model = ? AND text_hash IN ({marks})",
                [model, *batch],
            ):
                found[row[0]] = np.frombuffer(row[1], dtype=np.float32)
        return found

    def cache_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        with self.writing():
            self.conn.executemany(
                "INSERT OR REPLACE INTO embeddings(model, text_hash, vector) VALUES (?, ?, ?)",
                [(model, h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in vectors.items()],
            )

    def compact_keyword_index(self) -> bool:
        """Merge the keyword index into one segment when writes have left several: each write adds a
        segment, and a query looks up every term in each (on the sample, 17 segments made an FTS5
        query take 1.4 ms instead of 0.35). Contents and scores stay the same. Returns whether it merged."""
        segments = self.conn.execute("SELECT count(DISTINCT segid) FROM chunks_fts_idx").fetchone()[0]
        if segments <= 1:
            return False
        with self.writing():
            self.conn.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('optimize')")
        return True

    def doc_freq(self, term: str) -> int:
        """In how many chunks an analysed term occurs."""
        return self.doc_freqs([term])[term]

    def doc_freqs(self, terms: Iterable[str], generation: int | None = None) -> dict[str, int]:
        """In how many chunks each analysed term occurs, each term read once per store generation
        (generation: the store's, where the caller has read it already)."""
        terms = list(terms)
        generation = self.generation() if generation is None else generation
        if self._doc_freqs_generation != generation or self._doc_freqs_bytes > DOC_FREQ_CACHE_BYTES:
            self._doc_freqs, self._doc_freqs_bytes = {}, 0
            self._doc_freqs_generation = generation
        known = self._doc_freqs
        missing = list(dict.fromkeys(term for term in terms if term not in known))
        for term in missing:  # one equality look-up each: fts5vocab answers `=` from its index, not `IN`
            row = self.conn.execute("SELECT doc FROM chunks_fts_vocab WHERE term = ?", [term]).fetchone()
            known[term] = int(row[0]) if row else 0
            self._doc_freqs_bytes += len(term) + DOC_FREQ_ENTRY_BYTES
        return {term: known[term] for term in terms}
