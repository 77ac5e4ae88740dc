"""The layout zoo: the sample projects typeset by independent engines, each in another design.

    python samples/make_zoo.py [ENGINE ...] [--out samples/build/zoo] [--score]

Engines: fpdf2 (the sample brochure of make_brochure.py), typst (an A5 booklet), weasyprint
(a three-column magazine) and chromium (a two-column report printed by the browser). Each PDF is
cached under the output folder by a hash of the sources and the generator code, so the tests
and benchmarks build it only when something changed. `--score` parses each PDF and prints how
well the parser recovered the source files (the same measures the tests assert).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for folder in (ROOT, HERE):  # run from a checkout, or loaded by path from the tests
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import zoo_common  # noqa: E402

from ingest import ProjectRecord  # noqa: E402

DEFAULT_OUT = ROOT / "samples" / "build" / "zoo"
ENGINES = ("fpdf2", "typst", "weasyprint", "chromium")
_CODE = {
    "fpdf2": ("make_brochure.py", "brochure_typeset.py"),
    "typst": ("zoo_typst.py",),
    "weasyprint": ("zoo_html.py",),
    "chromium": ("zoo_html.py",),
}


def truth(engine: str) -> list[ProjectRecord]:
    """The source records a zoo PDF was set from (fpdf2 sets only the `format: pdf` projects)."""
    if engine == "fpdf2":
        import make_brochure

        return make_brochure.load_projects(zoo_common.PROJECTS)
    return zoo_common.load_all()


def _fpdf2(records: list[ProjectRecord], out: Path) -> None:
    import make_brochure

    make_brochure.build_brochure(zoo_common.PROJECTS, out)


def _typst(records: list[ProjectRecord], out: Path) -> None:
    import zoo_typst

    out.write_bytes(zoo_typst.build(records))


def _weasyprint(records: list[ProjectRecord], out: Path) -> None:
    import zoo_html

    out.write_bytes(zoo_html.build_weasyprint(records))


def _chromium(records: list[ProjectRecord], out: Path) -> None:
    import zoo_html

    out.write_bytes(zoo_html.build_chromium(records))


_BUILDERS: dict[str, Callable[[list[ProjectRecord], Path], None]] = {
    "fpdf2": _fpdf2,
    "typst": _typst,
    "weasyprint": _weasyprint,
    "chromium": _chromium,
}


def _fingerprint(engine: str) -> str:
    digest = hashlib.sha256(engine.encode())
    for path in sorted(zoo_common.PROJECTS.glob("*.md")):
        digest.update(path.read_bytes())
    for name in (*_CODE[engine], "zoo_common.py", "make_zoo.py"):
        digest.update((HERE / name).read_bytes())
    return digest.hexdigest()[:16]


def build(engine: str, out_dir: Path = DEFAULT_OUT) -> Path:
    """The engine's PDF, built unless a copy for the same sources and code is cached."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{engine}-{_fingerprint(engine)}.pdf"
    if not path.exists():
        for stale in out_dir.glob(f"{engine}-*.pdf"):
            stale.unlink()
        scratch = path.with_suffix(".tmp")
        _BUILDERS[engine](truth(engine), scratch)
        scratch.replace(path)  # never a half-written PDF under the cached name
    return path


# Scoring ---------------------------------------------------------------------------------------

_WORD = re.compile(r"[\w@.\-]+")


def words(text: str) -> list[str]:
    """Words for comparison: quotes, dashes and other punctuation around words dropped."""
    return [w.strip(".-").lower() for w in _WORD.findall(text or "") if w.strip(".-")]


def f1(found: str, expected: str) -> float:
    got, want = words(found), words(expected)
    if not got or not want:
        return float(got == want)
    remaining: dict[str, int] = {}
    for word in want:
        remaining[word] = remaining.get(word, 0) + 1
    common = 0
    for word in got:
        if remaining.get(word, 0) > 0:
            remaining[word] -= 1
            common += 1
    if not common:
        return 0.0
    precision, recall = common / len(got), common / len(want)
    return 2 * precision * recall / (precision + recall)


def normal_title(title: str) -> str:
    return " ".join(re.sub(r"[„“”\"‚‘’']", '"', title).split())


@dataclass
class Score:
    engine: str
    projects: int
    titles_found: int = 0
    sections: int = 0  # sections in the truth
    sections_ok: int = 0  # found with word F1 >= 0.95
    projects_ok: int = 0  # every section of the project found so
    low: list[str] = field(default_factory=list)  # "title / kind: F1"
    extra_titles: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.engine}: titles {self.titles_found}/{self.projects}, sections F1>=0.95 "
            f"{self.sections_ok}/{self.sections}, projects with all sections {self.projects_ok}/{self.projects}"
        )


def score(engine: str, parsed: list[ProjectRecord], expected: list[ProjectRecord]) -> Score:
    """How well parsed records match the source records: titles, and word F1 per section."""
    result = Score(engine, len(expected))
    by_title = {normal_title(r.title): r for r in parsed}
    wanted = {normal_title(r.title) for r in expected}
    result.extra_titles = sorted(set(by_title) - wanted)
    for source in expected:
        record = by_title.get(normal_title(source.title))
        result.titles_found += record is not None
        all_ok = record is not None
        for section in source.sections:
            result.sections += 1
            got = " ".join(s.text for s in (record.sections if record else []) if s.kind == section.kind)
            value = f1(got, section.text)
            if value >= 0.95:
                result.sections_ok += 1
            else:
                all_ok = False
                result.low.append(f"{source.title} / {section.kind}: {value:.2f}")
        result.projects_ok += all_ok
    return result


_BREAK = re.compile(r"([^\W\d_]+)[-\u00ad\u2010]\n([^\W\d_]+)")
_INNER_SOFT_HYPHEN = re.compile("\u00ad(?!\n)")


def hyphenated_words(path: Path, expected: list[ProjectRecord]) -> list[str]:
    """Source words the PDF prints broken at a line end with a hyphen ("Integrations-|kurs")."""
    import pymupdf

    source = {w for record in expected for section in record.sections for w in words(section.text)}
    found = []
    with pymupdf.open(path) as document:
        for page in document:
            text = _INNER_SOFT_HYPHEN.sub("", page.get_text())
            for match in _BREAK.finditer(text):
                word = (match.group(1) + match.group(2)).lower()
                if match.group(2)[0].islower() and word in source:
                    found.append(word)
    return found


def hyphenation_joined(
    path: Path, parsed: list[ProjectRecord], expected: list[ProjectRecord]
) -> tuple[int, int]:
    """(broken words the parser gave back whole, broken words): line-end hyphenation joined."""
    broken = hyphenated_words(path, expected)
    text = {w for record in parsed for section in record.sections for w in words(section.text)}
    return sum(1 for word in broken if word in text), len(broken)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "engines", nargs="*", metavar="ENGINE", help=f"any of {', '.join(ENGINES)} (default: all)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--score", action="store_true", help="parse each PDF and compare with the sources")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.engines) - set(ENGINES))
    if unknown:
        parser.error(f"unknown engine {', '.join(unknown)}; choose from {', '.join(ENGINES)}")
    from ingest import parse_file

    for engine in args.engines or ENGINES:
        path = build(engine, args.out)
        print(f"{engine}: {path}")
        if args.score:
            parsed = parse_file(path).records
            result = score(engine, parsed, truth(engine))
            joined, broken = hyphenation_joined(path, parsed, truth(engine))
            print(f"  {result.line()}, hyphenated words joined {joined}/{broken}")
            for item in result.low[:15] + [f"unexpected title: {t}" for t in result.extra_titles[:10]]:
                print("   ", item)


if __name__ == "__main__":
    main()
