"""Property tests over parse_file: whatever bytes arrive, the only exception is IngestError.

Inputs are random bytes, structured text in the shape of each format, and valid files that were
truncated, had bytes flipped or junk inserted. Results must be plain project records.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import SECTION_KINDS, IngestError, ParseResult, ProjectRecord, Section, parse_file
from tests.badinput.make_corpus import good_pdf, project_html, project_jsonl_lines, project_markdown

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SUFFIXES = (".pdf", ".html", ".md", ".jsonl", ".json", ".csv")


def seed_files() -> dict[str, bytes]:
    """One valid file per suffix, the starting point for mutations."""
    records = [json.loads(line) for line in project_jsonl_lines(["Elterncafé", "Lernpaten"])]
    return {
        ".pdf": good_pdf(),
        ".html": project_html(
            "Stadtteilmütter", "<dl><dt>Zielgruppe</dt><dd><ul><li>Mütter</li></ul></dd></dl>"
        ),
        ".md": project_markdown("Sprachcafé Miteinander"),
        ".jsonl": "\n".join(project_jsonl_lines(["Elterncafé", "Lernpaten", "Mentoring"])).encode(),
        ".json": json.dumps({"projects": records}, ensure_ascii=False).encode(),
        ".csv": "titel;beschreibung;ort;zielgruppe\nLernpaten;Kinder lesen vor;Böblingen;Kinder, Eltern\n"
        '"Sprach;café";"Wir ""sprechen"" Deutsch";Ehningen;Frauen\n'.encode(),
    }


SEEDS = seed_files()


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """A valid file damaged a few times: truncated, bytes flipped, junk inserted, a slice repeated."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["truncate", "flip", "insert", "repeat", "delete"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if action == "truncate":
            del data[at:]
        elif action == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif action == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 200))] * draw(st.integers(1, 5))
        else:
            del data[at : at + draw(st.integers(1, 200))]
    return bytes(data)


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)
_PIECES = {
    ".md": ["---\n", "title: ", "# ", "## ", "Träger: ", "Herangehensweise\n", "- ", ": ", "[", "]", "\n", "{", "'"],
    ".html": ["<h1>", "</h1>", "<h2>", "<p>", "</p>", "<div>", "</div>", "<dl><dt>", "<dd>", "<ul><li>",
              "<table><tr><td>", "<main>", "<script>", "<!--", "&amp;", "&#x0;", "<meta charset=", "Ort:", "\n"],
    ".jsonl": ['{"title": ', '"text": ', "}", "[", "]", ", ", '"', "null", "1e999", "\n", '{"sections": '],
    ".json": ['{"projects": [', '{"title": ', '"text": ', "}", "]", ", ", '"', "null", "true", '"sections": {'],
    ".csv": ["title", "titel;text", ",", ";", "\t", '"', "\n", "sep=;\n", "Ort", "beschreibung", '""'],
}  # fmt: skip


@st.composite
def format_text(draw: st.DrawFn, suffix: str) -> bytes:
    """Text stitched from the format's own syntax and arbitrary characters, in a few encodings."""
    pieces = draw(st.lists(st.one_of(st.sampled_from(_PIECES[suffix]), _TEXT), max_size=40))
    text = "".join(pieces)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return text.encode(encoding, errors="replace")


def check_result(result: ParseResult) -> None:
    assert isinstance(result, ParseResult)
    assert result.records or result.problems
    for record in result.records:
        assert isinstance(record, ProjectRecord)
        assert isinstance(record.title, str) and record.title.strip()
        for section in record.sections:
            assert isinstance(section, Section)
            assert section.kind in SECTION_KINDS
            assert isinstance(section.text, str) and isinstance(section.heading, str)
        assert all(isinstance(item, str) for item in record.target_groups + record.partners)
    for problem in result.problems:
        assert isinstance(problem, IngestError)


def parse_or_refuse(name: str, data: bytes) -> None:
    """Parse; an IngestError must name the file and give a reason. Anything else escapes and fails."""
    try:
        result = parse_file(Path(name), data)
    except IngestError as error:
        assert error.path.endswith(name) and error.reason.strip()
        return
    check_result(result)


@pytest.mark.parametrize("suffix", SUFFIXES)
@FUZZ
@given(data=st.binary(max_size=4096))
def test_random_bytes_raise_only_ingest_error(suffix: str, data: bytes):
    parse_or_refuse(f"zufall{suffix}", data)


@pytest.mark.parametrize("suffix", SUFFIXES)
@FUZZ
@given(data=st.data())
def test_damaged_valid_files_raise_only_ingest_error(suffix: str, data: st.DataObject):
    parse_or_refuse(f"beschaedigt{suffix}", data.draw(mutated(SEEDS[suffix])))


@pytest.mark.parametrize("suffix", [s for s in SUFFIXES if s in _PIECES])
@FUZZ
@given(data=st.data())
def test_format_shaped_text_raises_only_ingest_error(suffix: str, data: st.DataObject):
    parse_or_refuse(f"geformt{suffix}", data.draw(format_text(suffix)))


# Damage the fuzzer found, kept as fixed cases: (name, pattern, replacement) applied to the seed PDF.
PDF_DAMAGE = [
    ("page-tree-cycle", rb"/Kids\[(\d+) 0 R", rb"/Kids[\1 0!R"),  # MuPDF: "cycle in page tree"
    ("page-count-too-high", rb"/Count 2", rb"/Count 9"),
    ("contents-missing", rb"/Contents\[(\d+) 0 R", rb"/Contents[999 0 R"),
]


@pytest.mark.parametrize(
    ("pattern", "replacement"), [d[1:] for d in PDF_DAMAGE], ids=[d[0] for d in PDF_DAMAGE]
)
def test_damaged_pdf_structure_raises_only_ingest_error(pattern: bytes, replacement: bytes):
    damaged, count = re.subn(pattern, replacement, SEEDS[".pdf"], count=1)
    assert count == 1, "the seed PDF no longer has the structure this case damages"
    parse_or_refuse("seitenbaum.pdf", damaged)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_seed_files_parse(suffix: str):
    """The mutation seeds are valid: otherwise the damaged-file test would only see refusals."""
    result = parse_file(Path(f"gut{suffix}"), SEEDS[suffix])
    check_result(result)
    assert not result.problems


# Hostile sizes (issue 8): nesting past the recursion limit, words and tables no document has.
HOSTILE = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
@HOSTILE
@given(depth=st.integers(100, 20_000), opener=st.sampled_from(["[", '{"a": ', '{"title": [']))
def test_deep_nesting_raises_only_ingest_error(suffix: str, depth: int, opener: str):
    closer = {"[": "]", '{"a": ': "}", '{"title": [': "]}"}[opener]
    text = '{"title": "Gut", "text": "eins"}\n' + opener * depth + "1" + closer * depth
    parse_or_refuse(f"tief{suffix}", text.encode())


@pytest.mark.parametrize("suffix", [".md", ".html", ".csv", ".jsonl"])
@HOSTILE
@given(letters=st.integers(41, 30_000), columns=st.integers(1, 5_000))
def test_long_words_and_wide_records_raise_only_ingest_error(suffix: str, letters: int, columns: int):
    word = ("Sprachcafe" * (letters // 10 + 1))[:letters]
    extra = {f"feld{i}": "x" for i in range(columns)}
    data = {
        ".md": f"# {word}\n\n## Herangehensweise\n{word} {word}\n",
        ".html": f"<main><h1>Titel</h1><p>{word}</p></main>",
        ".csv": "titel;text;" + ";".join(extra) + f"\nTitel;{word}\n",
        ".jsonl": json.dumps({"title": "Titel", "text": word, **extra}) + "\n",
    }[suffix]
    parse_or_refuse(f"lang{suffix}", data.encode())
