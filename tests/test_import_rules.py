"""The import rule of the README, read from the source: cli -> webui -> kb -> {ingest, index}.

Every import counts, also those inside functions and under TYPE_CHECKING: a lazy import is still
an arrow a maintainer has to follow, and a cycle hidden behind TYPE_CHECKING is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("cli", "webui", "kb", "ingest", "index")
# What each package may import of the others; ingest and index know nothing of each other.
ALLOWED = {
    "cli": {"webui", "kb", "ingest", "index"},
    "webui": {"kb", "ingest", "index"},
    "kb": {"ingest", "index"},
    "ingest": set(),
    "index": set(),
}


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, root: Path = ROOT) -> set[str]:
    """Absolute names of the project modules a file imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = module_name(path, root).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            found.add(base)
            # `from kb import search` imports the module kb.search
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def wrong_arrows(path: Path, root: Path = ROOT) -> list[str]:
    own = module_name(path, root).split(".")[0]
    top = {name.split(".")[0] for name in imported_modules(path, root)}
    return sorted(package for package in top if package != own and package not in ALLOWED[own])


def project_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def import_graph() -> dict[str, set[str]]:
    files = project_files()
    modules = {module_name(p) for p in files}
    # an edge to a package's own __init__ (`from kb import Settings` inside kb) is not followed:
    # that is re-export, which Python resolves in order
    return {
        module_name(p): {m for m in imported_modules(p) if m in modules and m not in PACKAGES} for p in files
    }


def reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = set(), list(graph.get(start, ()))
    while todo:
        module = todo.pop()
        if module == goal:
            return True
        if module not in seen:
            seen.add(module)
            todo.extend(graph.get(module, ()))
    return False


def test_the_packages_are_all_there():
    # guards the test itself: a renamed package must not make every check below pass vacuously
    for package in PACKAGES:
        assert (ROOT / package / "__init__.py").is_file(), package
    assert len(project_files()) > 40


@pytest.mark.parametrize("path", project_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_run_one_way(path: Path):
    wrong = wrong_arrows(path)
    assert not wrong, (
        f"{path.relative_to(ROOT)} must not import {wrong}: cli -> webui -> kb -> {{ingest, index}}"
    )


def test_no_module_imports_itself_in_a_circle():
    graph = import_graph()
    circular = sorted(module for module in graph if reaches(graph, module, module))
    assert not circular, f"modules on an import cycle: {circular}"


def test_the_checker_sees_wrong_arrows_and_circles(tmp_path: Path):
    # the checks themselves can fail: a lazy import of kb in index, ingest importing index
    (tmp_path / "index").mkdir()
    (tmp_path / "ingest").mkdir()
    lazy = tmp_path / "index" / "probe.py"
    lazy.write_text("def f():\n    from kb.store import Store\n    return Store\n", encoding="utf-8")
    sideways = tmp_path / "ingest" / "probe.py"
    sideways.write_text("from index import vector_index\n", encoding="utf-8")
    assert wrong_arrows(lazy, tmp_path) == ["kb"]
    assert wrong_arrows(sideways, tmp_path) == ["index"]
    assert reaches({"kb.a": {"kb.b"}, "kb.b": {"kb.a"}}, "kb.a", "kb.a")
    assert not reaches({"kb.a": {"kb.b"}, "kb.b": set()}, "kb.a", "kb.a")


def test_tests_take_fixtures_from_conftest_and_import_only_helpers():
    """Fixtures come from conftest.py by name; a test module imports neither conftest nor another test
    module, and nothing with a star (which hid where a fixture came from)."""
    wrong = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if any(alias.name == "*" for alias in node.names):
                    wrong.append(f"{path.name}: from {module} import *")
                if module.startswith(("tests.conftest", "tests.test_")):
                    wrong.append(f"{path.name}: from {module}")
            elif isinstance(node, ast.Import):
                wrong += [
                    f"{path.name}: import {a.name}" for a in node.names if a.name.startswith("tests.test_")
                ]
    assert not wrong, wrong
