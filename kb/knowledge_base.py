"""The knowledge base as one object: what the CLI and the web UI call."""

from __future__ import annotations

import os
import re
import secrets
import threading
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from index import Embedder, load_embedder
from ingest.provenance import safe_url
from kb import search as searching
from kb.catalog import Catalog
from kb.correcting import Corrections
from kb.county import County, load_county
from kb.coverage import Coverage, coverage
from kb.evaluation import EvalReport, evaluate
from kb.filters import NO_FILTERS, Filters
from kb.fund_rules import FundRules, load_fund_rules
from kb.group_mapper import GroupMapper
from kb.group_mapping import mapping_table
from kb.idea_check import Idea, IdeaReport
from kb.idea_check import check as check_idea
from kb.indexing import IndexReport, IndexSynchroniser, Progress
from kb.long_queries import LongQueries, OwnModel
from kb.network import Network, organisation_network
from kb.partners import PartnerHit
from kb.partners import partners as find_partners
from kb.pipeline import FileOutcome, IngestReport, ingest_file, ingest_paths, too_large_reason
from kb.relevance import COUNTER_PASSAGES, judged_model
from kb.search import COUNTER
from kb.search_memory import SearchMemory
from kb.search_results import SearchHit, SearchOutcome
from kb.settings import Settings
from kb.store import Store, now
from kb.vocabulary import load_vocabulary

BAD_URL_REASON = "the address must be a full web address starting with http:// or https://"


class KnowledgeBase:
    """One per process: the model and vector index are loaded once; SQLite connections are per thread."""

    def __init__(self, settings: Settings, threads: int | None = None, embedder: Embedder | None = None):
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.dense = IndexSynchroniser(settings, threads, embedder)
        # What every page shows and only a write changes: (store generation, {name: value}),
        # replaced whole when the generation moves, so readers never see it half-built.
        self._by_generation: tuple[int | None, dict[str, Any]] = (None, {})
        self.group_mapper = GroupMapper(self.dense)
        self._local = threading.local()
        self._stores: list[Store] = []
        self._write_lock = threading.Lock()  # one ingest at a time in this process
        self._search_memory = SearchMemory()  # filters' chunk ids, towns: shared by the threads' searches
        self.long_queries = LongQueries(
            self.dense.embed_query if embedder is not None else OwnModel(self._second_model).embed,
            settings.long_query_chars,
            settings.long_query_slots,
            settings.long_query_wait_s,
        )
        # Read once per process: a broken file stops the start with its name and reason.
        self.county: County = load_county(settings.county_file)
        self.fund_rules: FundRules = load_fund_rules(settings.fund_rules_file)

    @property
    def store(self) -> Store:
        store = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = Store(self.settings.db_path, today=self.settings.today)
            self._stores.append(store)
        return store

    @property
    def catalog(self) -> Catalog:
        return Catalog(self.store.db)

    def _second_model(self) -> Embedder:
        settings = self.settings
        return load_embedder(
            settings.model,
            threads=1,
            query_prefix=settings.query_prefix,
            passage_prefix=settings.passage_prefix,
        )

    def forget_recent_queries(self) -> None:
        """Forget what is kept of recent queries (their vectors and keyword hits), so that the next
        search of any text runs as a new query would: for measurements (bench/)."""
        self.dense.forget_query_vectors()
        self._search_memory.forget_keyword_hits()

    def close(self) -> None:
        self.long_queries.close()
        self.dense.close()
        for store in self._stores:
            store.close()
        self._stores.clear()
        self._local = threading.local()

    # ---- writing --------------------------------------------------------------------------
    def ingest(
        self, paths: list[str | Path], on_file=None, progress: Progress | None = None, url: str | None = None
    ) -> tuple[IngestReport, IndexReport]:
        """Ingest files and folders, then bring the vector index up to date. url: the address a single
        file (a saved web page) was published at; ValueError when it is no web address or several files."""
        if url is not None:
            if len(paths) != 1 or Path(paths[0]).is_dir():
                raise ValueError("--url names the address of one file: give exactly one file with it")
            if safe_url(url) is None:
                raise ValueError(f"{url}: {BAD_URL_REASON}")
        with self._write_lock:
            report = ingest_paths(self.store, paths, self.settings.max_upload_bytes, on_file, safe_url(url))
            self.store.compact_keyword_index()
            self.group_mapper.complete(self.store)
            return report, self._synced(self.dense.sync(self.store, progress=progress))

    def ingest_upload(
        self, filename: str, data: bytes, url: str | None = None
    ) -> tuple[FileOutcome, IndexReport]:
        """Keep an uploaded file in the upload folder under a safe name and ingest it; `url` is the
        address the document was published at, where the user knows it."""
        name = safe_filename(filename)
        if url and safe_url(url) is None:
            return FileOutcome(name, "failed", errors=[f"{name}: {BAD_URL_REASON}"]), IndexReport()
        if len(data) > self.settings.max_upload_bytes:
            reason = too_large_reason(len(data), self.settings.max_upload_bytes)
            return FileOutcome(name, "failed", errors=[f"{name}: {reason}"]), IndexReport()
        folder = self.settings.upload_dir
        folder.mkdir(parents=True, exist_ok=True)
        # An upload is known by its name: a corrected file uploaded again updates its projects.
        # It is read from a temporary file and takes its place only once it has been ingested,
        # so a broken new version leaves the old file (and its projects) as they were.
        target = folder / name
        incoming = folder / f".incoming-{secrets.token_hex(8)}-{name}"
        incoming.write_bytes(data)
        try:
            with self._write_lock:
                outcome = ingest_file(
                    self.store,
                    incoming,
                    self.settings.max_upload_bytes,
                    display_name=name,
                    identity=target,
                    given_url=safe_url(url),
                )
                if outcome.status in ("ok", "partial", "unchanged"):
                    os.replace(incoming, target)
                self.store.compact_keyword_index()
                outcome.path = str(target)
                self.group_mapper.complete(self.store)
                # Messages name the file as uploaded, never its place on the server.
                outcome.errors = [error.replace(str(incoming), name) for error in outcome.errors]
                return outcome, self.dense.sync(self.store)
        finally:
            incoming.unlink(missing_ok=True)

    def delete_source(self, source_id: int) -> int:
        """Remove a source with its projects (and its uploaded file); returns the projects removed."""
        source = self.store.source(source_id)
        if source is None:
            raise KeyError(source_id)
        with self._write_lock:
            removed = self.store.delete_source(source_id)
            self.dense.sync(self.store)
        path = Path(source["path"])
        if path.parent == self.settings.upload_dir.resolve() and path.exists():
            path.unlink()
        return removed

    # ---- corrections by staff ---------------------------------------------------------------
    @property
    def corrections(self) -> Corrections:
        return Corrections(self.store)

    def correct_project(self, project_id: str, changes: dict[str, object]) -> list[str]:
        """Staff's values for fields and sections (see kb.corrections); searchable at once.
        Returns the fields whose shown value changed; KeyError for an unknown project."""
        with self._write_lock:
            changed = self.corrections.correct(project_id, changes, now())
            if changed:
                self.group_mapper.complete(self.store)  # a corrected target group no rule knows
                self.dense.sync(self.store)
            return changed

    def resolve_correction(self, project_id: str, field: str, keep: bool) -> None:
        """A flagged correction: keep staff's value, or take what the source says now."""
        with self._write_lock:
            self.corrections.resolve(project_id, field, keep, now())
            self.dense.sync(self.store)

    def delete_manual_project(self, project_id: str) -> None:
        """Remove a project added by form; CorrectionError for one from a file, KeyError for none."""
        with self._write_lock:
            self.corrections.delete_manual_project(project_id, now())
            self.dense.sync(self.store)

    def add_project(self, values: dict[str, object]) -> str:
        """A project entered by form, without a file; returns its id."""
        with self._write_lock:
            project_id = self.corrections.add_project(values, now())
            self.group_mapper.complete(self.store)
            self.dense.sync(self.store)
            return project_id

    def index(self, rebuild: bool = False, progress: Progress | None = None) -> IndexReport:
        with self._write_lock:
            self.group_mapper.complete(self.store)
            return self._synced(self.dense.sync(self.store, rebuild=rebuild, progress=progress))

    def _synced(self, report: IndexReport) -> IndexReport:
        """After the index: the relevance floor's counter-passages embedded into the cache too, so
        that no search (nor a freshly started server) has to embed them."""
        model = self.dense.embedder
        if judged_model(model.model_id):
            vectors = self.dense.passage_vectors(self.store, list(COUNTER_PASSAGES))
            COUNTER.vectors(model.model_id, lambda texts: vectors)
        return report

    # ---- reading --------------------------------------------------------------------------
    def search(
        self, query: str, k: int = 10, filters: Filters = NO_FILTERS, include_weak: bool = False
    ) -> list[SearchHit]:
        """The hits above the relevance floor (with include_weak the nearest k, weak ones marked)."""
        return self.find(query, k, filters, include_weak).hits

    def find(
        self, query: str, k: int = 10, filters: Filters = NO_FILTERS, include_weak: bool = False
    ) -> SearchOutcome:
        """The search with what a person is told about it: hits, towns offered as filters, a cut query."""
        return searching.find(
            self.store, self.dense, query, k, filters, self._search_memory, include_weak, self.long_queries
        )

    def similar(self, project_id: str, k: int = 5) -> list[SearchHit]:
        return searching.similar(self.store, self.dense, project_id, k)

    def partners(self, query_or_id: str, k: int = 10, filters: Filters = NO_FILTERS) -> list[PartnerHit]:
        """Organisations for an idea, a topic or a project id, by topical fit (a town narrows them);
        without a topic, the organisations of the projects passing the filters."""
        return find_partners(self.catalog, self.search, self.similar, query_or_id, k, filters)

    def browse(self, filters: Filters) -> list[dict]:
        """Project cards passing the filters, by title (what a filter without a query shows); none without a filter."""
        catalog = self.catalog
        ids = catalog.filtered_project_ids(filters)
        if ids is None:
            return []
        return sorted(catalog.cards(ids).values(), key=lambda card: card["title"].lower())

    def project(self, project_id: str) -> dict | None:
        return self.catalog.project(project_id)

    def projects(self, filters: Filters = NO_FILTERS) -> list[dict]:
        """Every project passing the filters, with all its fields and sections, in collection order."""
        catalog = self.catalog
        ids = catalog.project_ids()
        wanted = catalog.filtered_project_ids(filters)
        if wanted is not None:
            passing = set(wanted)
            ids = [project_id for project_id in ids if project_id in passing]
        return [catalog.project(project_id) for project_id in ids]

    def organisation(self, organisation_id: str) -> dict | None:
        return self.catalog.organisation(organisation_id)

    def facets(self) -> dict[str, list[tuple[str, int]]]:
        """Filter values with their project counts; read once per store generation (every page
        shows them, and they change only when the store does)."""
        return self._per_generation("facets", self.catalog.facets)

    def project_count(self) -> int:
        """How many projects the collection holds (read once per store generation)."""
        return self._per_generation("project_count", lambda: len(self.catalog.project_ids()))

    def _per_generation(self, name: str, read: Callable[[], Any]) -> Any:
        generation = self.store.generation()
        held, values = self._by_generation
        if held != generation:
            values = {}
            self._by_generation = (generation, values)
        if name not in values:
            values[name] = read()
        return values[name]

    def coverage(self) -> Coverage:
        """Project counts by town × area and target group × area, towns of the county included."""
        groups = [name for name, _ in self.facets()["target_group"]]
        return coverage(self.store.db, self.county, groups)

    def network(self, filters: Filters = NO_FILTERS) -> Network:
        """Organisations linked by shared projects (those passing the filters), laid out for drawing."""
        return organisation_network(self.store.db, self.catalog.filtered_project_ids(filters))

    def idea_check(self, idea: Idea) -> IdeaReport:
        """An idea against the collection (closest projects, same town, partners) and the fund rules."""
        size = len(self.catalog.project_ids())
        return check_idea(idea, self.search, self.project, self.partners, self.fund_rules, self.county, size)

    def source_report(self, source: str | int) -> tuple[dict, dict | None]:
        """(the source, its parse report) for a source id, file name or path; KeyError when unknown.

        The report is None for a source whose last read failed before any project was found."""
        rows = self.store.sources()
        wanted = str(source)
        matches = [row for row in rows if str(row["id"]) == wanted] or [
            row for row in rows if wanted in (row["name"], row["path"]) or row["path"].endswith("/" + wanted)
        ]
        if len(matches) != 1:
            known = ", ".join(f"{row['id']} ({row['name']})" for row in rows[:20]) or "none"
            reason = "several sources match" if matches else "no such source"
            raise KeyError(f"{source}: {reason}; known sources: {known}")
        return matches[0], self.store.source_report(matches[0]["id"])

    # ---- target groups --------------------------------------------------------------------
    def target_groups(self) -> list[dict]:
        """The vocabulary in tree order with the number of projects each group's filter finds (read
        once per store generation: the start page shows it)."""
        return self._per_generation("target_groups", self.catalog.target_group_counts)

    def target_group_mappings(self) -> list[dict]:
        """Every wording in use with the groups it is filed under and how (rule, model, manual)."""
        return mapping_table(self.store.db, load_vocabulary())

    def correct_target_group(self, wording: str, groups: list[str]) -> str:
        """File a wording under these groups (ids or labels) by hand; kept apart, so re-ingest keeps it."""
        vocabulary = load_vocabulary()
        resolved = [vocabulary.resolve(g) or g for g in groups]
        return self.store.set_target_group_override(wording, resolved)

    def reset_target_group(self, wording: str) -> bool:
        """Drop a manual correction: the automatic mapping is in force again."""
        return self.store.clear_target_group_override(wording)

    def sources(self) -> list[dict]:
        return self.store.sources()

    def source(self, source_id: int) -> dict | None:
        """One source by its id (None if there is none)."""
        return self.store.source(source_id)

    def evaluate(self, queries_path: str | Path, k: int = 10) -> EvalReport:
        return evaluate(
            lambda query, n: self.find(query, n, include_weak=True), self.projects(), queries_path, k
        )


# File systems limit a name to 255 bytes, not characters: 83 CJK characters are 249 bytes in UTF-8.
# The limit leaves room for the ".incoming-<16 hex>-" prefix of the temporary file.
MAX_FILENAME_BYTES = 180
MAX_SUFFIX_BYTES = 16


def safe_filename(filename: str) -> str:
    """A file name that cannot leave its folder: the last path part, plain characters only, at most
    MAX_FILENAME_BYTES in UTF-8 with its suffix kept."""
    name = unicodedata.normalize("NFKC", filename).replace("\\", "/").split("/")[-1]
    name = re.sub(r"[^\w.\- ]", "_", name).strip(" .")
    name = re.sub(r"\s+", "_", name)
    if len(name.encode()) > MAX_FILENAME_BYTES:
        stem, dot, suffix = name.rpartition(".")
        if not dot or len(suffix.encode()) > MAX_SUFFIX_BYTES:
            stem, suffix = name, ""
        tail = f".{suffix}" if suffix else ""
        name = _cut_to_bytes(stem, MAX_FILENAME_BYTES - len(tail.encode())).rstrip(" .") + tail
    return name or "upload"


def _cut_to_bytes(text: str, limit: int) -> str:
    """The longest start of text whose UTF-8 encoding fits in limit bytes (never half a character)."""
    return text.encode()[:limit].decode(errors="ignore")
