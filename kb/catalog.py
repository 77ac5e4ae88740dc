"""Reading the store: projects with their fields, filters, facets, chunks and organisations."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from sqlite_utils import Database

from ingest import SECTION_NAMES, ProjectRecord, Section
from kb.chunking import text_hash
from kb.filters import Filters
from kb.group_mapping import group_members
from kb.short_description import short_description
from kb.text_analysis import BM25_WEIGHTS
from kb.vocabulary import load_vocabulary

# How an organisation's part in a project is named wherever it is shown (web pages, CLI).
ROLE_LABELS = {"traeger": "Träger", "partner": "Partner"}

CARD_COLUMNS = (
    "p.id, p.title, p.area, p.organisation, p.town, p.target_groups, p.contact, p.summary, "
    "p.page_start, p.page_end, s.id AS source_id, s.name AS source_name, s.kind AS source_kind, "
    "p.period, period_status(p.period) AS status"
)

# The keyword half's hits, best first: score is -bm25, so higher is better.
_KEYWORD_SQL = (
    f"SELECT rowid, -bm25(chunks_fts, {', '.join(str(w) for w in BM25_WEIGHTS)}) AS score "
    "FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY score DESC LIMIT ?"
)

# Keys per statement: far below SQLite's limit on bound parameters.
SQL_BATCH = 500


def _rows_for(db: Database, sql: str, keys: list, as_dicts: bool = False) -> Iterator:
    """The rows of `sql` for all the keys, SQL_BATCH at a time; "{marks}" in `sql` takes a batch's
    placeholders."""
    for start in range(0, len(keys), SQL_BATCH):
        batch = keys[start : start + SQL_BATCH]
        statement = sql.format(marks=",".join("?" * len(batch)))
        yield from db.query(statement, batch) if as_dicts else db.execute(statement, batch)


def _decode(row: dict) -> dict:
    for key, empty in (("target_groups", "[]"), ("partners", "[]"), ("extra", "{}")):
        if key in row:
            row[key] = json.loads(row[key] or empty)
    return row


class ChunkHead(NamedTuple):
    """What ranking reads of a chunk; immutable, so a kept one is handed to every search as it is."""

    project_id: str
    kind: str
    heading: str | None


class Catalog:
    """Read-only questions to the store; one per connection."""

    def __init__(self, db: Database):
        self.db = db

    def cards(self, project_ids: list[str]) -> dict[str, dict]:
        """The fields a result list shows, for these projects."""
        found: dict[str, dict] = {}
        sql = f"SELECT {CARD_COLUMNS} FROM projects p JOIN sources s ON s.id = p.source_id WHERE p.id IN ({{marks}})"
        for row in _rows_for(self.db, sql, project_ids, as_dicts=True):
            found[row["id"]] = _decode(row)
        for project_id, groups in self.groups_of(list(found)).items():
            found[project_id]["groups"] = groups
        return found

    def groups_of(self, project_ids: list[str]) -> dict[str, list[dict]]:
        """Each project's groups of the vocabulary ({"id", "label"}, in vocabulary order)."""
        vocabulary = load_vocabulary()
        order = {group_id: n for n, group_id in enumerate(vocabulary.ids())}
        found: dict[str, set[str]] = {project_id: set() for project_id in project_ids}
        # CROSS JOIN keeps the projects' own rows as the outer loop: SQLite otherwise walked every
        # project of each phrase (100 ms for ten projects at 100k chunks instead of 0.3 ms).
        sql = (
            "SELECT t.project_id, g.group_id FROM project_target_groups t CROSS JOIN phrase_groups g "
            "ON g.phrase = t.phrase WHERE t.project_id IN ({marks})"
        )
        for project_id, group_id in _rows_for(self.db, sql, project_ids):
            if group_id in order:  # a group since removed from the vocabulary file is not shown
                found[project_id].add(group_id)
        return {
            project_id: [{"id": g, "label": vocabulary.label(g)} for g in sorted(ids, key=order.__getitem__)]
            for project_id, ids in found.items()
        }

    def project(self, project_id: str) -> dict | None:
        """Every field and section of one project, its source and the organisations involved."""
        row = next(
            self.db.query(
                "SELECT *, period_status(period) AS status FROM projects WHERE id = ?", [project_id]
            ),
            None,
        )
        if row is None:
            return None
        project = _decode(row)
        project.pop("parsed", None)  # the parser's record is the corrections' business (kb.correcting)
        project["sections"] = [
            {**s, "name": SECTION_NAMES.get(s["kind"], s["heading"])}
            for s in self.db.query(
                "SELECT kind, heading, text FROM sections WHERE project_id = ? ORDER BY position",
                [project_id],
            )
        ]
        project.update(self.target_groups_of(project_id))
        project["source"] = next(
            self.db.query(
                "SELECT id, name, kind, path, ingested_at, coalesce(given_url, url) AS url, document_date, "
                "edition FROM sources WHERE id = ?",
                [row["source_id"]],
            ),
            None,
        )
        staff_summary = (project["source"] or {}).get("kind") == "manual" or self.db.execute(
            "SELECT 1 FROM corrections WHERE project_id = ? AND field = 'summary'", [project_id]
        ).fetchone()
        project["short_description"] = describe(project, trust_summary=bool(staff_summary))
        project["organisations"] = list(
            self.db.query(
                "SELECT o.id, o.name, po.role, (SELECT count(DISTINCT project_id) FROM project_organisations x "
                "WHERE x.organisation_id = o.id) AS n_projects FROM project_organisations po "
                "JOIN organisations o ON o.id = po.organisation_id WHERE po.project_id = ? "
                "ORDER BY po.role DESC, o.name",
                [project_id],
            )
        )
        return project

    def project_list(self) -> list[dict]:
        """Every project's id, title, town, area and source name, by title (an index for staff)."""
        return list(
            self.db.query(
                "SELECT p.id, p.title, p.town, p.area, s.name AS source_name, s.kind AS source_kind "
                "FROM projects p JOIN sources s ON s.id = p.source_id ORDER BY lower(p.title)"
            )
        )

    def project_ids(self) -> list[str]:
        return [r["id"] for r in self.db.query("SELECT id FROM projects ORDER BY source_id, position")]

    def filtered_project_ids(self, filters: Filters) -> list[str] | None:
        """Projects passing the filters, or None when no filter is set (everything passes)."""
        where, params = filters.sql()
        if where is None:
            return None
        return [r[0] for r in self.db.execute(f"SELECT id FROM projects WHERE {where}", params)]

    def filtered_chunk_ids(self, filters: Filters) -> list[int] | None:
        """Chunks of the projects passing the filters (one query), or None when no filter is set."""
        where, params = filters.sql()
        if where is None:
            return None
        sql = f"SELECT id FROM chunks WHERE project_id IN (SELECT id FROM projects WHERE {where})"
        return [r[0] for r in self.db.execute(sql, params)]

    def facets(self) -> dict[str, list[tuple[str, int]]]:
        """Counts by area, town and target group, most frequent first."""

        def counted(sql: str) -> list[tuple[str, int]]:
            counts = Counter({r["name"]: r["n"] for r in self.db.query(sql) if r["name"]})
            return sorted(counts.items(), key=lambda item: (-item[1], item[0].lower()))

        return {
            "area": counted("SELECT area AS name, count(*) AS n FROM projects GROUP BY area"),
            "town": counted("SELECT town AS name, count(*) AS n FROM projects GROUP BY town"),
            "target_group": [(g["label"], g["count"]) for g in self.target_group_counts() if g["count"]],
            "status": counted(
                "SELECT period_status(period) AS name, count(*) AS n FROM projects GROUP BY name"
            ),
        }

    # ---- target groups --------------------------------------------------------------------
    def target_groups_of(self, project_id: str) -> dict:
        """A project's groups in the vocabulary, and each of its own wordings with the groups it was filed under."""
        vocabulary = load_vocabulary()
        wordings: dict[str, dict] = {}
        for row in self.db.query(
            "SELECT t.name, g.group_id, g.method FROM project_target_groups t "
            "LEFT JOIN phrase_groups g ON g.phrase = t.phrase WHERE t.project_id = ? ORDER BY t.rowid",
            [project_id],
        ):
            entry = wordings.setdefault(row["name"], {"text": row["name"], "groups": [], "method": None})
            if row["group_id"]:
                entry["groups"].append({"id": row["group_id"], "label": vocabulary.label(row["group_id"])})
                entry["method"] = row["method"]
        found = {g["id"] for entry in wordings.values() for g in entry["groups"]}
        groups = [{"id": g, "label": vocabulary.label(g)} for g in vocabulary.ids() if g in found]
        return {"groups": groups, "target_group_mapping": list(wordings.values())}

    def target_group_counts(self) -> list[dict]:
        """The vocabulary in tree order, each group with the number of projects a filter for it finds
        (its sub-groups' projects included)."""
        vocabulary = load_vocabulary()
        members = group_members(self.db, vocabulary)
        return [
            {
                "id": group.id,
                "label": group.label,
                "en": group.en,
                "parent": group.parent,
                "depth": vocabulary.depth(group.id),
                "count": len(members[group.id]),
            }
            for group in vocabulary.tree()
        ]

    # ---- chunks ---------------------------------------------------------------------------
    def chunk_refs(self) -> list[tuple[int, str, str]]:
        """(id, text_hash, text) of every chunk, in id order."""
        return [tuple(r) for r in self.db.execute("SELECT id, text_hash, text FROM chunks ORDER BY id")]

    def untitled_passages(self, chunk_ids: list[int]) -> dict[str, str]:
        """{text hash: text} of these chunks' passages as embedded without the project title
        (kb.untitled_order), where that differs from the passage as indexed."""
        sql = "SELECT body FROM chunks WHERE id IN ({marks}) AND body != text"
        return {text_hash(body): body for (body,) in _rows_for(self.db, sql, [int(i) for i in chunk_ids])}

    def project_passages(self, project_ids: list[str]) -> dict[str, list[tuple[int, str]]]:
        """Per project (chunk id, text hash of the passage without the title) of all its chunks."""
        found: dict[str, list[tuple[int, str]]] = {project_id: [] for project_id in project_ids}
        sql = "SELECT project_id, id, body FROM chunks WHERE project_id IN ({marks}) ORDER BY id"
        for project_id, chunk_id, body in _rows_for(self.db, sql, project_ids):
            found[project_id].append((chunk_id, text_hash(body)))
        return found

    def chunk_fingerprint(self) -> str:
        """A digest of which chunks exist with which text; the vector index records the one it covers."""
        return chunk_fingerprint(self.db.execute("SELECT id, text_hash FROM chunks ORDER BY id"))

    def chunk_ids_of(self, project_ids: list[str]) -> list[int]:
        return [
            r[0]
            for r in _rows_for(self.db, "SELECT id FROM chunks WHERE project_id IN ({marks})", project_ids)
        ]

    def chunks(self, chunk_ids: list[int]) -> dict[int, dict]:
        sql = "SELECT id, project_id, kind, heading, body, text, text_hash FROM chunks WHERE id IN ({marks})"
        return {row["id"]: row for row in _rows_for(self.db, sql, [int(i) for i in chunk_ids], as_dicts=True)}

    def chunk_heads(self, chunk_ids: list[int]) -> dict[int, ChunkHead]:
        """What ranking needs of each chunk; no texts: a search ranks ~200 chunks and shows ten."""
        sql = "SELECT id, project_id, kind, heading FROM chunks WHERE id IN ({marks})"
        return {
            chunk_id: ChunkHead(project_id, kind, heading)
            for chunk_id, project_id, kind, heading in _rows_for(self.db, sql, [int(i) for i in chunk_ids])
        }

    def chunk_bodies(self, chunk_ids: list[int]) -> dict[int, str]:
        """The shown text of each chunk."""
        return dict(
            _rows_for(
                self.db, "SELECT id, body FROM chunks WHERE id IN ({marks})", [int(i) for i in chunk_ids]
            )
        )

    def existing_projects(self, project_ids: list[str]) -> set[str]:
        return {
            r[0] for r in _rows_for(self.db, "SELECT id FROM projects WHERE id IN ({marks})", project_ids)
        }

    def keyword_hits(self, expression: str, limit: int) -> list[tuple[int, float]]:
        """(chunk id, score) for an FTS5 expression, best first; score is -bm25, so higher is better."""
        return self.db.execute(_KEYWORD_SQL, [expression, limit]).fetchall()

    def keyword_hit_batches(
        self, expression: str, limit: int, batch: int
    ) -> Iterator[list[tuple[int, float]]]:
        """keyword_hits read batch by batch from one statement (the same hits in the same order): a
        caller that has enough stops reading; close the iterator then (contextlib.closing)."""
        cursor = self.db.execute(_KEYWORD_SQL, [expression, limit])
        try:
            while rows := cursor.fetchmany(batch):
                yield rows
        finally:
            cursor.close()

    def chunk_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]

    # ---- organisations --------------------------------------------------------------------
    def organisation_links(self, project_ids: list[str]) -> list[dict]:
        """(organisation, project, role) rows for these projects."""
        marks = ",".join("?" * len(project_ids))
        return list(
            self.db.query(
                f"SELECT o.id, o.name, po.project_id, po.role FROM project_organisations po "
                f"JOIN organisations o ON o.id = po.organisation_id WHERE po.project_id IN ({marks})",
                project_ids,
            )
        )

    def has_project(self, project_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM projects WHERE id = ?", [project_id]).fetchone() is not None

    def organisations_in_town(self, town: str) -> set[str]:
        """Organisations with any project (run or supported) in this town."""
        sql = (
            "SELECT DISTINCT po.organisation_id FROM project_organisations po JOIN projects p "
            "ON p.id = po.project_id WHERE lower(p.town) = lower(?)"
        )
        return {r[0] for r in self.db.execute(sql, [town])}

    def organisation_towns(self, organisation_ids: list[str]) -> dict[str, list[str]]:
        """The towns of each organisation's projects, most projects first."""
        marks = ",".join("?" * len(organisation_ids))
        sql = (
            "SELECT po.organisation_id, p.town, count(*) AS n FROM project_organisations po JOIN projects p "
            f"ON p.id = po.project_id WHERE po.organisation_id IN ({marks}) AND p.town IS NOT NULL "
            "AND p.town != '' GROUP BY po.organisation_id, p.town ORDER BY n DESC, p.town"
        )
        towns: dict[str, list[str]] = {}
        for org_id, town, _ in self.db.execute(sql, organisation_ids):
            towns.setdefault(org_id, []).append(town)
        return towns

    def organisation_contacts(self, organisation_ids: list[str]) -> dict[str, dict]:
        """Each organisation's contact, from the first project (by title) it runs that names one."""
        marks = ",".join("?" * len(organisation_ids))
        sql = (
            "SELECT po.organisation_id, p.id, p.title, p.contact FROM project_organisations po JOIN projects p "
            f"ON p.id = po.project_id WHERE po.organisation_id IN ({marks}) AND po.role = 'traeger' "
            "AND p.contact IS NOT NULL AND p.contact != '' ORDER BY p.title"
        )
        contacts: dict[str, dict] = {}
        for org_id, project_id, title, contact in self.db.execute(sql, organisation_ids):
            contacts.setdefault(
                org_id, {"text": contact, "project_id": project_id, "project_title": title, "role": "traeger"}
            )
        return contacts

    def organisation(self, organisation_id: str) -> dict | None:
        row = next(self.db.query("SELECT * FROM organisations WHERE id = ?", [organisation_id]), None)
        if row:
            row["projects"] = list(
                self.db.query(
                    "SELECT p.id, p.title, p.town, p.area, po.role FROM project_organisations po JOIN projects p "
                    "ON p.id = po.project_id WHERE po.organisation_id = ? ORDER BY p.title",
                    [organisation_id],
                )
            )
        return row


def describe(project: dict, trust_summary: bool = False) -> str | None:
    """The Kurzbeschreibung of a project read from the store (fields decoded, sections attached);
    trust_summary: the summary was written by staff and is taken as it is."""
    if trust_summary and project.get("summary"):
        return project["summary"]
    record = ProjectRecord(
        title=project["title"],
        sections=[Section(s["kind"], s["heading"], s["text"]) for s in project.get("sections", [])],
        area=project.get("area"),
        organisation=project.get("organisation"),
        town=project.get("town"),
        target_groups=project.get("target_groups") or [],
        summary=project.get("summary"),
    )
    return short_description(record)


def chunk_fingerprint(chunks: Iterable[tuple[int, str]]) -> str:
    """The fingerprint of (chunk id, text hash) pairs in id order; see Catalog.chunk_fingerprint."""
    digest = hashlib.sha256()
    for chunk_id, passage_hash in chunks:
        digest.update(f"{chunk_id}:{passage_hash};".encode())
    return digest.hexdigest()
