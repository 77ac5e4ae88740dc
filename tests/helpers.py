"""Plain helpers the tests import by name (fixtures live in conftest.py): paths, a project file as a
user writes one, a copy of a knowledge base, the admin login and upload, the browser's options,
a store's state and a write from "another process"."""

from __future__ import annotations

import io
import os
import re
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from hashlib import sha256
from pathlib import Path

import numpy as np
from flask import Flask
from flask.testing import FlaskClient
from sqlite_utils import Database
from waitress.server import create_server

from ingest import parse_file
from kb import KnowledgeBase
from kb.catalog import Catalog
from kb.store import SourceFile, Store

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_PROJECTS = ROOT / "samples" / "projects"
WEBUI_DATA = Path(__file__).resolve().parent / "data" / "webui"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
ADMIN_PASSWORD = "Pr4xis-Test-Passwort"
TEST_CONFIG = {"TESTING": True, "ADMIN_FAILURE_DELAY_SECONDS": 0.0}
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def write_project(
    folder: Path,
    name: str,
    title: str,
    town: str = "Böblingen",
    area: str = "Bildung",
    approach: str = "Wir treffen uns jede Woche.",
    partners: list[str] | None = None,
    organisation: str = "Verein Beispiel e.V.",
) -> Path:
    """A small Markdown project file, as a user would write one."""
    folder.mkdir(parents=True, exist_ok=True)
    partner_list = ", ".join(partners or ["Stadtbibliothek Böblingen"])
    path = folder / name
    path.write_text(
        f"---\ntitle: {title}\narea: {area}\norganisation: {organisation}\ntown: {town}\n"
        f"target_groups: [Geflüchtete, Frauen]\npartners: [{partner_list}]\n"
        f"contact: info@beispiel.example.org\n---\n"
        f"## Herangehensweise\n{approach}\n\n## Zusammenarbeit mit Netzwerkpartnern\nMit vielen Partnern.\n\n"
        f"## Mehrwert\nMenschen finden Anschluss.\n\n## Besonderheiten\nEhrenamtlich getragen.\n",
        encoding="utf-8",
    )
    return path


def copy_knowledge_base(source: KnowledgeBase, target: Path, **settings_overrides) -> KnowledgeBase:
    """A separate, writable knowledge base with the same content (store backed up, vectors copied)
    and the same embedder."""
    target.mkdir(parents=True, exist_ok=True)
    settings = replace(source.settings, data_dir=target, **settings_overrides)
    with sqlite3.connect(source.settings.db_path) as original, sqlite3.connect(settings.db_path) as copy:
        original.backup(copy)
    shutil.copytree(source.settings.index_dir, settings.index_dir)
    return KnowledgeBase(settings, threads=2, embedder=source.dense.embedder)


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF token"
    return found.group(1)


def log_in(client: FlaskClient, password: str = ADMIN_PASSWORD):
    token = csrf_from(client.get("/admin").get_data(as_text=True))
    return client.post("/admin/login", data={"csrf_token": token, "password": password})


def upload(client: FlaskClient, *files: tuple[str, bytes], token: str | None = None):
    token = token or csrf_from(client.get("/admin").get_data(as_text=True))
    data = {"csrf_token": token, "file": [(io.BytesIO(content), name) for name, content in files]}
    return client.post("/admin/upload", data=data, content_type="multipart/form-data")


SERIOUS = {"serious", "critical"}


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in SERIOUS
    ]


@contextmanager
def serving(app: Flask, name: str) -> Iterator[str]:
    """The real WSGI server (waitress, as `kb serve` runs it) on a free local port, in a thread;
    yields its base URL."""
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=10)


@contextmanager
def browser_page(browser, base_url: str | None = None, **options) -> Iterator:
    """A page in a fresh browser context (its own cookies), closed afterwards; `options` go to
    the context (viewport, locale, java_script_enabled, accept_downloads)."""
    context = browser.new_context(**({"base_url": base_url} if base_url else {}), **options)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield page
    finally:
        context.close()


def log_in_browser(page, password: str = ADMIN_PASSWORD) -> None:
    page.goto("/admin")
    page.get_by_label("Passwort").fill(password)
    page.get_by_role("button", name="Anmelden").click()


def violations_by_url(page, urls: list[str]) -> dict[str, list[str]]:
    """axe-core's serious findings per page that has any."""
    found = {}
    for url in urls:
        page.goto(url)
        problems = serious_violations(page)
        if problems:
            found[url] = problems
    return found


def screenshot(page, name: str, full_page: bool = False) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def write_files(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def store_state(db_path: Path) -> tuple[str, frozenset[int]]:
    """(chunk fingerprint, chunk ids) of the store, read in one snapshot."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        ids = frozenset(row[0] for row in conn.execute("SELECT id FROM chunks"))
        fingerprint = Catalog(database_of(conn)).chunk_fingerprint()
        conn.execute("COMMIT")
    finally:
        conn.close()
    return fingerprint, ids


def database_of(conn: sqlite3.Connection) -> Database:
    return Database(conn)


def save_file_from_elsewhere(db_path: Path, name: str, data: bytes) -> None:
    """Store a file through a connection of its own, as another process's `kb ingest` does."""
    writer = Store(db_path)
    try:
        records = parse_file(name, data).records
        writer.save_source(
            SourceFile(f"/elsewhere/{name}", name, "markdown", sha256(data).hexdigest(), len(data)), records
        )
    finally:
        writer.close()


LONG = "Wir möchten ein Sprachcafé für neu zugewanderte Familien gründen " * 6  # ~400 characters


class BlockingEmbed:
    """An embed function that holds each call until released, recording the calling thread's nice."""

    def __init__(self, dim: int = 8):
        self.dim = dim
        self.entered = threading.Semaphore(0)
        self.release = threading.Event()
        self.nice: list[int] = []

    def __call__(self, text: str) -> np.ndarray:
        self.nice.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        self.entered.release()
        assert self.release.wait(timeout=60)
        vector = np.zeros(self.dim, dtype=np.float32)
        vector[len(text) % self.dim] = 1.0
        return vector
