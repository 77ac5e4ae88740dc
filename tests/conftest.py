"""Shared fixtures: a temp store, a knowledge base over a few real projects, the sample sources."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kb import KnowledgeBase, Settings
from kb.store import Store

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_PROJECTS = ROOT / "samples" / "projects"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "kb.sqlite")
    yield store
    store.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env({}, data_dir=tmp_path / "data")


@pytest.fixture(scope="session")
def sample_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The sample collection's Markdown sources ingested with the real default model (shared, read-only)."""
    folder = tmp_path_factory.mktemp("sample-kb")
    shutil.copytree(SAMPLE_PROJECTS, folder / "projects")
    kb = KnowledgeBase(Settings.from_env({}, data_dir=folder / "data"), threads=2)
    report, _ = kb.ingest([folder / "projects"])
    assert not report.failed, report.errors
    yield kb
    kb.close()


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
