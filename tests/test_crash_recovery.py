"""A `kb ingest` killed with SIGKILL at any point leaves a store without half-ingested sources, and the
next `kb index` or `kb search` notices an index that does not match the store and repairs it.

The kill is deterministic: the child runs the real CLI through a small wrapper that replaces one
function with a version that SIGKILLs the process at its n-th call (before or after the call), so
product code carries no test hooks. A few kills after a fixed delay add points nobody picked.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from index import VectorIndex, read_manifest
from ingest import parse_file
from kb.catalog import Catalog
from kb.chunking import chunk_project
from kb.store import Store
from kb.text_analysis import index_terms
from tests.badinput.make_corpus import collection_a, collection_b, two_projects_markdown

pytestmark = [
    pytest.mark.slow,
    pytest.mark.model,
]  # every step runs the real embedding model in a child process

ROOT = Path(__file__).resolve().parents[1]
QUERY = "Familien Beratung Deutsch üben"

KILL_WRAPPER = '''
"""Run the kb CLI with one function replaced by a version that SIGKILLs this process at its n-th call."""
import functools, importlib, os, signal, sys

spec, when, nth, *cli_args = sys.argv[1:]
module_name, _, attribute = spec.partition(":")
owner = importlib.import_module(module_name)
*parents, name = attribute.split(".")
for part in parents:
    owner = getattr(owner, part)
original = getattr(owner, name)
calls = 0

@functools.wraps(original)
def kill_at_nth_call(*args, **kwargs):
    global calls
    calls += 1
    if calls == int(nth) and when == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    result = original(*args, **kwargs)
    if calls == int(nth) and when == "after":
        os.kill(os.getpid(), signal.SIGKILL)
    return result

setattr(owner, name, kill_at_nth_call)
from cli import main
sys.argv = ["kb", *cli_args]
main()
'''


# ---- the collections ------------------------------------------------------------------------------
def write_files(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


# ---- running the CLI ----------------------------------------------------------------------------
def kb(data_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "cli", *args], cwd=ROOT, env=child_env(data_dir),
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if check:
        assert result.returncode == 0, f"kb {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def child_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    return {**env, "KB_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}


def kb_killed_at(tmp_path: Path, data_dir: Path, kill: KillPoint, *args: str) -> None:
    wrapper = tmp_path / "kill_wrapper.py"
    wrapper.write_text(KILL_WRAPPER)
    result = subprocess.run(
        [sys.executable, str(wrapper), kill.spec, kill.when, str(kill.nth), *args], cwd=ROOT,
        env=child_env(data_dir), capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == -signal.SIGKILL, (
        f"the kill at {kill.spec} ({kill.when} call {kill.nth}) never happened:\n{result.stdout}\n{result.stderr}"
    )


# ---- what must hold after a crash ---------------------------------------------------------------
def assert_store_consistent(data_dir: Path, versions: dict[Path, list[bytes]]) -> dict[Path, int]:
    """Every stored source holds exactly the projects of one whole version of its file; returns
    {path: index of that version} for the sources found."""
    db_path = data_dir / "kb.sqlite"
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        conn.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('integrity-check')")
    store = Store(db_path)
    try:
        chunk_ids = [r[0] for r in store.conn.execute("SELECT id FROM chunks ORDER BY id")]
        fts_ids = [r[0] for r in store.conn.execute("SELECT rowid FROM chunks_fts ORDER BY rowid")]
        assert fts_ids == chunk_ids, "keyword index rows and chunks differ"
        found = {}
        for source in store.sources():
            if source["status"] == "failed":
                continue
            path = Path(source["path"])
            stored = stored_projects(store, source["id"])
            expected = [expected_projects(path, data) for data in versions[path]]
            assert stored in expected, f"{path.name}: the store holds no whole version of this file"
            assert source["n_projects"] == len(stored)
            found[path] = expected.index(stored)
        orphans = store.conn.execute(
            "SELECT count(*) FROM projects WHERE source_id NOT IN (SELECT id FROM sources)"
        )
        assert orphans.fetchone()[0] == 0
        return found
    finally:
        store.close()


def stored_projects(store: Store, source_id: int) -> list[dict]:
    projects = []
    for project_id, title in store.conn.execute(
        "SELECT id, title FROM projects WHERE source_id = ? ORDER BY position", [source_id]
    ):
        sections = store.conn.execute(
            "SELECT kind, heading, text FROM sections WHERE project_id = ? ORDER BY position", [project_id]
        ).fetchall()
        chunks = store.conn.execute(
            "SELECT c.text, f.terms FROM chunks c JOIN chunks_fts f ON f.rowid = c.id"
            " WHERE c.project_id = ? ORDER BY c.position",
            [project_id],
        ).fetchall()
        projects.append({"title": title, "sections": sections, "chunks": chunks})
    return projects


def expected_projects(path: Path, data: bytes) -> list[dict]:
    records = parse_file(path, data).records
    return [
        {
            "title": record.title,
            "sections": [(s.kind, s.heading, s.text) for s in record.sections],
            "chunks": [(c.text, index_terms(c.keyword_text)) for c in chunk_project(record)],
        }
        for record in records
    ]


def assert_index_matches_store(data_dir: Path) -> None:
    manifest = read_manifest(data_dir / "index")
    assert manifest is not None, "no vector index after the repair"
    store = Store(data_dir / "kb.sqlite")
    try:
        catalog = Catalog(store.db)
        assert manifest.fingerprint == catalog.chunk_fingerprint()
        chunk_ids = sorted(chunk_id for chunk_id, _, _ in catalog.chunk_refs())
    finally:
        store.close()
    assert sorted(VectorIndex.load(data_dir / "index").ids().tolist()) == chunk_ids


def search_works(data_dir: Path) -> None:
    hits = json.loads(kb(data_dir, "search", "--json", QUERY).stdout)
    assert hits, "no results after the repair"
    store = Store(data_dir / "kb.sqlite")
    try:
        for hit in hits:
            assert store.conn.execute("SELECT 1 FROM projects WHERE id = ?", [hit["id"]]).fetchone(), hit[
                "id"
            ]
    finally:
        store.close()


def repair_and_check(data_dir: Path, repair_with: str) -> None:
    """The next command after the crash brings the index in line with the store; search works."""
    if repair_with == "index":
        kb(data_dir, "index")
        assert_index_matches_store(data_dir)
        search_works(data_dir)
    else:
        search_works(data_dir)
        assert_index_matches_store(data_dir)
        assert "0 added, 0 removed" in kb(data_dir, "index").stdout


# ---- fixtures -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A data dir with collection A ingested and indexed, and the folder of A's files (read-only)."""
    root = tmp_path_factory.mktemp("crash-base")
    files = write_files(root / "a", collection_a())
    kb(root / "data", "ingest", "--quiet", str(files))
    return root / "data", files


@pytest.fixture
def data_dir(base: tuple[Path, Path], tmp_path: Path) -> Path:
    shutil.copytree(base[0], tmp_path / "data")
    return tmp_path / "data"


def versions_of(*folders: Path) -> dict[Path, list[bytes]]:
    return {path.resolve(): [path.read_bytes()] for folder in folders for path in sorted(folder.iterdir())}


# ---- kills during the ingest of new files -------------------------------------------------------
@dataclass(frozen=True)
class KillPoint:
    name: str
    spec: str  # module:attribute of the function to replace
    when: str  # before or after the call
    nth: int
    repair_with: str = "search"  # the first command after the crash: search or index


INGEST_KILLS = [
    # inside the first new source's write transaction, between two chunk rows
    KillPoint("mid-first-source", "kb.project_rows:index_terms", "before", 3),
    # inside b3.md's transaction: its first project written, the second not (b1, b2 committed)
    KillPoint("between-two-projects-of-a-file", "kb.project_rows:insert_project", "before", 4, "index"),
    # b1 and b2 committed, b3 not begun
    KillPoint("between-sources", "kb.pipeline:parse_file_bounded", "before", 3),
    # everything stored, nothing embedded yet
    KillPoint("before-embedding", "kb.indexing:IndexSynchroniser.vectors_for", "before", 1, "index"),
    # everything stored and embedded into the cache, no index written
    KillPoint("after-embedding", "kb.store:Store.cache_vectors", "after", 1),
]


@pytest.mark.parametrize("kill", INGEST_KILLS, ids=lambda kill: kill.name)
def test_kill_during_ingest(tmp_path: Path, base, data_dir: Path, kill: KillPoint):
    new = write_files(tmp_path / "b", collection_b())
    kb_killed_at(tmp_path, data_dir, kill, "ingest", "--quiet", str(new))
    versions = versions_of(base[1], new)
    found = assert_store_consistent(data_dir, versions)
    assert set(collection_a()) <= {path.name for path in found}, "projects stored before the crash are gone"
    repair_and_check(data_dir, kill.repair_with)
    kb(data_dir, "ingest", "--quiet", str(new))  # the interrupted ingest, run again, completes
    assert {path.name for path in assert_store_consistent(data_dir, versions)} == set(collection_a()) | set(
        collection_b()
    )
    assert_index_matches_store(data_dir)


def test_kill_while_updating_a_source_keeps_the_old_version(tmp_path: Path):
    """Re-ingest of a changed two-project file killed after its first project was replaced."""
    data_dir = tmp_path / "data"
    files = write_files(tmp_path / "a", collection_a())
    kb(data_dir, "ingest", "--quiet", str(files))
    old = (files / "a2.md").read_bytes()
    new = two_projects_markdown("Elterncafé Aidlingen", "Lesepaten Weil im Schönbuch", "Jetzt auch samstags.")
    (files / "a2.md").write_bytes(new)
    kill = KillPoint("mid-update", "kb.project_rows:insert_project", "before", 2)
    kb_killed_at(tmp_path, data_dir, kill, "ingest", "--quiet", str(files))
    versions = versions_of(files)
    versions[(files / "a2.md").resolve()] = [old, new]
    found = assert_store_consistent(data_dir, versions)
    assert found[(files / "a2.md").resolve()] == 0, "the half-done update was kept"
    repair_and_check(data_dir, "search")
    kb(data_dir, "ingest", "--quiet", str(files))
    assert assert_store_consistent(data_dir, versions)[(files / "a2.md").resolve()] == 1


# ---- kills while the index is written -----------------------------------------------------------
def index_state(data_dir: Path) -> dict[str, object]:
    folder = data_dir / "index"
    names = sorted(entry.name for entry in folder.iterdir()) if folder.exists() else []
    manifest = read_manifest(folder) if folder.exists() else None
    return {"names": names, "generation": manifest.generation if manifest else None}


# (kill point, what the index folder must show right after the kill: proof the kill hit the window)
INDEX_KILLS = [
    # the faiss file written into the staging folder, the labels not yet
    (KillPoint("index-file-half-written", "faiss:write_index", "after", 1), "staging"),
    # the new generation folder renamed into place; the manifest still names the old one
    (KillPoint("generation-in-place", "os:replace", "after", 1, "index"), "orphan-generation"),
    # the new manifest written to its temporary file, not yet swapped in
    (KillPoint("manifest-not-swapped", "os:replace", "before", 2), "temporary-manifest"),
    # the manifest swapped; old generations not yet cleaned away
    (KillPoint("before-cleanup", "index.index_files:_remove_other_generations", "before", 1, "index"), "new"),
]


@pytest.mark.parametrize(("kill", "evidence"), INDEX_KILLS, ids=[kill.name for kill, _ in INDEX_KILLS])
def test_kill_while_writing_the_index(tmp_path: Path, base, data_dir: Path, kill: KillPoint, evidence: str):
    before = index_state(data_dir)
    new = write_files(tmp_path / "b", collection_b())
    kb_killed_at(tmp_path, data_dir, kill, "ingest", "--quiet", str(new))
    after = index_state(data_dir)
    if evidence == "staging":
        assert any(name.startswith(".tmp-gen-") for name in after["names"]), after
        assert after["generation"] == before["generation"]
    elif evidence == "orphan-generation":
        generations = [name for name in after["names"] if name.startswith("gen-")]
        assert after["generation"] == before["generation"] and len(generations) == 2, after
    elif evidence == "temporary-manifest":
        assert ".tmp-manifest.json" in after["names"] and after["generation"] == before["generation"], after
    else:
        assert after["generation"] != before["generation"], after
    found = assert_store_consistent(data_dir, versions_of(base[1], new))
    assert {path.name for path in found} == set(collection_a()) | set(collection_b())
    repair_and_check(data_dir, kill.repair_with)


def test_kill_while_writing_the_first_index(tmp_path: Path):
    """No index existed yet: the next search builds one from the complete store."""
    files = write_files(tmp_path / "a", collection_a())
    kill = KillPoint("first-index", "faiss:write_index", "after", 1)
    kb_killed_at(tmp_path, tmp_path / "data", kill, "ingest", "--quiet", str(files))
    assert read_manifest(tmp_path / "data" / "index") is None
    assert_store_consistent(tmp_path / "data", versions_of(files))
    repair_and_check(tmp_path / "data", "search")


# ---- kills at moments nobody chose --------------------------------------------------------------
@pytest.mark.parametrize("delay", [0.5, 1.5, 3.0, 5.0])
def test_kill_after_a_delay(tmp_path: Path, base, data_dir: Path, delay: float):
    """Wherever the kill lands (model loading, SQLite, FAISS), the invariants hold. Not a speed check:
    a kill that comes after the ingest finished checks the same things."""
    new = write_files(tmp_path / "b", collection_b())
    child = subprocess.Popen(
        [sys.executable, "-m", "cli", "ingest", "--quiet", str(new)], cwd=ROOT, env=child_env(data_dir),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)
    versions = versions_of(base[1], new)
    assert set(collection_a()) <= {path.name for path in assert_store_consistent(data_dir, versions)}
    repair_and_check(data_dir, "search")
