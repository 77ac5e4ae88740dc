"""The store's schema, as numbered migrations applied in order on every open."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("praxisfinder")


@migrations()
def m001_initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,      -- absolute path, or the stored upload's path
            name TEXT NOT NULL,             -- file name as the user knows it
            kind TEXT NOT NULL,             -- pdf, html, markdown, jsonl, json, csv
            sha256 TEXT,
            size INTEGER,
            ingested_at TEXT,
            status TEXT NOT NULL,           -- ok, partial (some records failed), failed
            error TEXT,
            n_projects INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE projects (
            id TEXT PRIMARY KEY,            -- slug of the title, stable across re-ingests
            source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            title TEXT NOT NULL,
            area TEXT,
            organisation TEXT,
            town TEXT,
            target_groups TEXT NOT NULL DEFAULT '[]',   -- JSON list
            partners TEXT NOT NULL DEFAULT '[]',        -- JSON list
            contact TEXT,
            period TEXT,
            summary TEXT,
            page_start INTEGER,
            page_end INTEGER,
            extra TEXT NOT NULL DEFAULT '{}',           -- JSON object of other labelled fields
            content_hash TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX projects_source ON projects(source_id);
        CREATE TABLE sections (
            id INTEGER PRIMARY KEY,
            project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            kind TEXT NOT NULL,             -- approach, partners, value, special, other
            heading TEXT NOT NULL,
            text TEXT NOT NULL
        );
        CREATE INDEX sections_project ON sections(project_id);
        -- AUTOINCREMENT: a chunk id is never reused, because it is also the vector index id.
        CREATE TABLE chunks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,             -- a section kind, or 'profile' for the project's fields
            heading TEXT NOT NULL,
            position INTEGER NOT NULL,
            body TEXT NOT NULL,             -- the section text of this chunk, as shown in snippets
            text TEXT NOT NULL,             -- the passage as embedded (title kept as context)
            text_hash TEXT NOT NULL
        );
        CREATE INDEX chunks_project ON chunks(project_id);
        CREATE TABLE embeddings (
            model TEXT NOT NULL,
            text_hash TEXT NOT NULL,
            vector BLOB NOT NULL,           -- float32, L2-normalised
            PRIMARY KEY (model, text_hash)
        ) WITHOUT ROWID;
        CREATE TABLE organisations (
            id TEXT PRIMARY KEY,            -- slug of the normalised name
            name TEXT NOT NULL
        );
        CREATE TABLE project_organisations (
            project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            organisation_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            role TEXT NOT NULL,             -- traeger or partner
            PRIMARY KEY (project_id, organisation_id, role)
        );
        -- generation: raised by every write, so a process can tell cheaply that the store changed.
        CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
        INSERT INTO meta VALUES ('generation', 0);
        CREATE INDEX project_organisations_org ON project_organisations(organisation_id);
        CREATE TABLE project_target_groups (
            project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            PRIMARY KEY (project_id, name)
        );
        """
    )


@migrations()
def m002_keyword_index(db: Database) -> None:
    """The keyword index over chunks: rowid = chunk id, columns of analysed terms (see kb.text_analysis)."""
    from kb.text_analysis import FTS_COLUMNS, FTS_TOKENIZE

    db.execute(
        f"CREATE VIRTUAL TABLE chunks_fts USING fts5({', '.join(FTS_COLUMNS)}, tokenize='{FTS_TOKENIZE}')"
    )


@migrations()
def m003_keyword_vocabulary(db: Database) -> None:
    """Document frequencies of the analysed terms, for judging whether a query speaks the corpus language."""
    db.execute("CREATE VIRTUAL TABLE chunks_fts_vocab USING fts5vocab(chunks_fts, 'row')")


@migrations()
def m004_source_provenance(db: Database) -> None:
    """What a source says about itself (its address, date, edition) and an address given at upload."""
    db.executescript(
        """
        ALTER TABLE sources ADD COLUMN url TEXT;            -- canonical link or og:url of a web page
        ALTER TABLE sources ADD COLUMN given_url TEXT;      -- the address given at upload or ingest
        ALTER TABLE sources ADD COLUMN document_date TEXT;  -- ISO day the document states
        ALTER TABLE sources ADD COLUMN edition TEXT;        -- "Stand: 03/2024", "Ausgabe 2024"
        """
    )


@migrations()
def m005_corrections(db: Database) -> None:
    """Staff corrections, kept apart from what the parser read (see kb.corrections)."""
    db.executescript(
        """
        ALTER TABLE projects ADD COLUMN parsed TEXT;        -- JSON: the record as the parser read it
        CREATE TABLE corrections (
            project_id TEXT NOT NULL,       -- no foreign key: kept when a project leaves its file
            field TEXT NOT NULL,            -- title, town, ..., target_groups, section:approach, ...
            value TEXT NOT NULL,            -- JSON: staff's value
            base TEXT NOT NULL,             -- JSON: what the parser read when staff corrected it
            state TEXT NOT NULL,            -- active, review (the source changed under it)
            source_value TEXT,              -- JSON: what the source says now, while in review
            updated_at TEXT NOT NULL,
            PRIMARY KEY (project_id, field)
        );
        CREATE TABLE correction_history (
            id INTEGER PRIMARY KEY,
            project_id TEXT NOT NULL,
            at TEXT NOT NULL,
            field TEXT NOT NULL,            -- a field, or * for the whole project
            action TEXT NOT NULL,           -- created, corrected, reverted, flagged, kept, source_taken, source_removed
            old_value TEXT,                 -- JSON
            new_value TEXT                  -- JSON
        );
        CREATE INDEX correction_history_project ON correction_history(project_id, id);
        """
    )


@migrations()
def m006_parse_report(db: Database) -> None:
    """The parse report of each source's last read (ingest.report.ParseReport as JSON)."""
    db.execute("ALTER TABLE sources ADD COLUMN report TEXT")


@migrations()
def m007_target_group_vocabulary(db: Database) -> None:
    """Projects' target-group wordings mapped to the vocabulary (kb.group_mapping): each wording by
    its folded key; automatic mappings and manual corrections apart; the view says which is in force."""
    from kb.group_mapping import phrase_key

    db.executescript(
        """
        ALTER TABLE project_target_groups ADD COLUMN phrase TEXT NOT NULL DEFAULT '';
        CREATE TABLE target_group_mappings (
            phrase TEXT PRIMARY KEY,        -- folded wording (kb.group_mapping.phrase_key)
            text TEXT NOT NULL,             -- the wording as first seen
            groups TEXT NOT NULL,           -- JSON list of group ids
            method TEXT NOT NULL,           -- rule, model, none
            score REAL,                     -- the model's standout of the best group
            version TEXT NOT NULL           -- vocabulary (and model) it was made with
        );
        CREATE TABLE target_group_overrides (
            phrase TEXT PRIMARY KEY,
            text TEXT NOT NULL,
            groups TEXT NOT NULL,           -- JSON list of group ids; [] files the wording under none
            updated_at TEXT NOT NULL
        );
        CREATE VIEW phrase_groups AS
            SELECT o.phrase, j.value AS group_id, 'manual' AS method
            FROM target_group_overrides o, json_each(o.groups) j
            UNION ALL
            SELECT m.phrase, j.value, m.method FROM target_group_mappings m, json_each(m.groups) j
            WHERE m.phrase NOT IN (SELECT phrase FROM target_group_overrides);
        """
    )
    rows = db.execute("SELECT rowid, name FROM project_target_groups").fetchall()
    for rowid, name in rows:
        db.execute("UPDATE project_target_groups SET phrase = ? WHERE rowid = ?", [phrase_key(name), rowid])
    db.execute("CREATE INDEX project_target_groups_phrase ON project_target_groups(phrase)")
