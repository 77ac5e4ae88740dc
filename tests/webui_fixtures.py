"""Fixtures for the web UI tests: apps over the sample collection, a writable copy, a live server."""

from __future__ import annotations

import re
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from waitress.server import create_server

from kb import KnowledgeBase
from webui import create_app

# Test modules take the fixtures with `from tests.webui_fixtures import *`; the rest by name.
# Imported like this, each module gets its own instances, so the costly ones are module-scoped:
# a module's writable copy, server and browser end with the module.
__all__ = ["admin_app", "admin_client", "browser", "client", "live_server", "read_app", "writable_kb"]

ADMIN_PASSWORD = "Pr4xis-Test-Passwort"
WEBUI_DATA = Path(__file__).resolve().parent / "data" / "webui"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TEST_CONFIG = {"TESTING": True, "ADMIN_FAILURE_DELAY_SECONDS": 0.0}


def copy_knowledge_base(source: KnowledgeBase, target: Path, **settings_overrides) -> KnowledgeBase:
    """A separate, writable knowledge base with the same content (store backed up, vectors copied)."""
    target.mkdir(parents=True, exist_ok=True)
    settings = replace(source.settings, data_dir=target, **settings_overrides)
    with sqlite3.connect(source.settings.db_path) as original, sqlite3.connect(settings.db_path) as copy:
        original.backup(copy)
    shutil.copytree(source.settings.index_dir, settings.index_dir)
    return KnowledgeBase(settings, threads=2)


@pytest.fixture(scope="session")
def read_app(sample_kb: KnowledgeBase) -> Flask:
    """The app over the shared sample collection, admin enabled; tests through it must not write."""
    return create_app({"KB": sample_kb, **TEST_CONFIG, "ADMIN_PASSWORD": ADMIN_PASSWORD})


@pytest.fixture
def client(read_app: Flask) -> FlaskClient:
    return read_app.test_client()


@pytest.fixture(scope="module")
def writable_kb(
    sample_kb: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KnowledgeBase]:
    """A copy of the sample collection that admin tests may upload to and delete from."""
    kb = copy_knowledge_base(
        sample_kb, tmp_path_factory.mktemp("webui-writable"), admin_password=ADMIN_PASSWORD
    )
    yield kb
    kb.close()


@pytest.fixture(scope="module")
def admin_app(writable_kb: KnowledgeBase) -> Flask:
    return create_app({"KB": writable_kb, **TEST_CONFIG})


@pytest.fixture
def admin_client(admin_app: Flask) -> FlaskClient:
    return admin_app.test_client()


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF token"
    return found.group(1)


def log_in(client: FlaskClient, password: str = ADMIN_PASSWORD):
    token = csrf_from(client.get("/admin").get_data(as_text=True))
    return client.post("/admin/login", data={"csrf_token": token, "password": password})


@pytest.fixture(scope="module")
def live_server(writable_kb: KnowledgeBase) -> Iterator[str]:
    """The real WSGI server (waitress, as `kb serve` runs it) on a free local port; yields its base URL."""
    app = create_app({"KB": writable_kb, "ADMIN_FAILURE_DELAY_SECONDS": 0.2})
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="webui-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Debian's chromium driven by Playwright (Playwright cannot download its own browser here)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: install it with `make system-deps` (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
