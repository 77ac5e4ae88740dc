"""Attacks on one request, in small: each must get an answer, bounded work, and leave the server up.

The probes of issue 8, scaled down so that they run in a test: a 20,000-letter word as a query,
deeply nested JSON in a batch of good files, a 243-byte CJK file name, `k=²`. Memory is measured
with tracemalloc (allocations, not a timer); speed figures live in bench/, never here.
"""

from __future__ import annotations

import io
import json
import random
import string
import time
import tracemalloc
from html import unescape

import pytest

from index.embedders import fit_to_tokens
from ingest import IngestError, parse_file
from ingest.bounded_parse import parse_file_bounded
from kb import Settings
from kb.filters import MAX_FILTER_CHARS, Filters
from kb.input_limits import MAX_QUERY_CHARS, MAX_QUERY_TOKENS, bounded_query, whole_number
from kb.knowledge_base import MAX_FILENAME_BYTES, safe_filename
from kb.pipeline import ingest_paths
from kb.snippets import make_snippet
from kb.text_analysis import (
    MAX_COMPOUND,
    PARTS_CACHE_BYTES,
    STEM_CACHE_BYTES,
    compound_parts,
    german_stem,
    index_parts,
    match_expression,
)
from tests.badinput.make_corpus import shared_stream_pdf
from tests.helpers import csrf_from, write_project

MB = 1024 * 1024
BAD_NUMBERS = ["²", "①", "٣", "３", "1.0", "-1", "+3", "0x10", "9" * 5000]


def assert_error(response, status: int) -> str:
    """The API's one error shape; returns the message."""
    assert response.status_code == status and response.mimetype == "application/json"
    body = response.get_json()
    assert body == {"error": {"status": status, "message": body["error"]["message"]}}
    return body["error"]["message"]


def long_word(seed: int, letters: int) -> str:
    """A run of letters no language has, different for each seed (so no cache can serve it)."""
    rng = random.Random(seed)
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(letters))


def peak_bytes(action) -> int:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# ---- 1. queries: cut before analysis and embedding; long words not split; caches bounded ----


def test_bounded_query_cuts_at_a_word_boundary():
    text = "Sprachcafé für Frauen " * 200
    cut = bounded_query(text)
    assert len(cut) <= MAX_QUERY_CHARS
    assert text.startswith(cut) and cut.split()[-1] in {"Sprachcafé", "für", "Frauen"}
    assert bounded_query("  kurz  ") == "kurz"
    assert len(bounded_query("a" * 100_000)) == MAX_QUERY_CHARS  # one word: cut inside it


def test_a_word_beyond_the_compound_limit_is_not_split():
    assert index_parts("Integrationskursträgerversammlung")  # a real compound keeps its parts
    assert index_parts("a" * (MAX_COMPOUND + 1)) == ""
    assert compound_parts("b" * (MAX_COMPOUND + 1), 4)  # the function itself still works...
    # ...but the analysis never calls it for such a word, whatever the text's length.
    peak = peak_bytes(lambda: match_expression(long_word(1, 20_000)))
    assert peak < 2 * MB, f"analysing one 20,000-letter word took {peak / MB:.1f} MB"


def test_distinct_long_words_leave_the_caches_within_their_byte_budgets():
    for seed in range(40):
        word = long_word(seed, 5_000)
        match_expression(word)
        make_snippet(f"Text mit {word} darin", word)
    german_stem.cache.clear()
    compound_parts.cache.clear()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for seed in range(100, 400):
            match_expression(long_word(seed, 5_000) + " Sprachcafé")
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert german_stem.cache.bytes_held <= STEM_CACHE_BYTES
    assert compound_parts.cache.bytes_held <= PARTS_CACHE_BYTES
    # 300 words of 5,000 letters are 1.5 MB of text; their stems may stay cached, nothing quadratic.
    assert grown < 8 * MB, f"memory grew by {grown / MB:.1f} MB"


def test_the_embedded_part_of_a_query_is_bounded_in_tokens(sample_kb):
    embedder = sample_kb.dense.embedder
    for text in (long_word(5, MAX_QUERY_CHARS), "Sprachcafé für Frauen und Kinder " * 30):
        fitted = fit_to_tokens(text, MAX_QUERY_TOKENS, embedder.query_tokens)
        assert text.startswith(fitted) and len(fitted) > 50
        assert embedder.query_tokens(fitted) <= MAX_QUERY_TOKENS < embedder.query_tokens(text)
    short = "Hausaufgabenhilfe an der Grundschule"
    assert fit_to_tokens(short, MAX_QUERY_TOKENS, embedder.query_tokens) == short


def test_a_100k_character_query_answers_with_bounded_memory(sample_kb):
    normal = sample_kb.search("Sprachcafé für geflüchtete Frauen", k=5)
    sample_kb.search("a" * 100_000, k=5)  # warm-up: the model's buffers for a full window
    peak = peak_bytes(lambda: sample_kb.search(long_word(7, 20_000) + " " + "x" * 80_000, k=5))
    assert peak < 50 * MB, f"a 100,000-character query peaked at {peak / MB:.1f} MB"
    padded = sample_kb.search("Sprachcafé für geflüchtete Frauen " + "z" * 100_000, k=5)
    # The padding moves the vector a little (close scores may swap places), never off the topic;
    # its nonsense word lowers the keyword confidence below the German gate, so the padded query
    # is ordered by the titled passages, the plain one by the untitled (kb.untitled_order).
    padded_ids, normal_ids = [hit.id for hit in padded], [hit.id for hit in normal]
    assert normal_ids[0] in padded_ids and len(set(padded_ids) & set(normal_ids)) >= 3, (
        padded_ids,
        normal_ids,
    )


@pytest.mark.parametrize("path", ["/", "/partner", "/api/search", "/api/partners"])
def test_a_20k_letter_word_gets_an_answer_everywhere(client, path):
    response = client.get(path, query_string={"q": long_word(3, 20_000)})
    assert response.status_code == 200


def test_the_api_answers_with_the_query_as_searched(client):
    body = client.get("/api/search", query_string={"q": "Elterncafé " * 500}).get_json()
    assert len(body["query"]) <= MAX_QUERY_CHARS and body["query"].startswith("Elterncafé")


@pytest.mark.parametrize("path", ["/", "/partner", "/themen", "/ueberblick", "/ideen-check"])
def test_a_page_does_not_send_back_a_huge_parameter_many_times(client, path):
    """Each page links itself in five languages: a 100,000-character parameter, or 5,000 of them,
    came back five times (a 100 KB request made a 1 MB page)."""
    huge = "Sprachcafé " * 10_000
    normal = len(client.get(path, query_string={"q": "Sprachcafé", "town": "Böblingen"}).data)
    for query in ({"q": huge, "town": huge, "betrag": "9" * 50_000}, [("town", "Böblingen")] * 5_000):
        response = client.get(path, query_string=query)
        assert response.status_code == 200
        assert len(response.data) < normal + 40 * MAX_QUERY_CHARS, (path, len(response.data), normal)


def test_a_filter_value_is_cut_before_any_work_on_it():
    assert len(Filters(town="x" * 100_000).town) == MAX_FILTER_CHARS
    assert Filters(town="  Böblingen  ", area=" " * 100_000).as_dict() == {
        "area": None,
        "town": "Böblingen",
        "target_group": None,
        "status": None,
    }


# ---- 2. whole numbers: ASCII digits only, one JSON error shape ----


@pytest.mark.parametrize("raw", BAD_NUMBERS)
def test_whole_number_takes_ascii_digits_only(raw):
    assert whole_number(raw) is None
    assert whole_number(" 12 ") == 12


@pytest.mark.parametrize("k", BAD_NUMBERS)
@pytest.mark.parametrize(
    "path", ["/api/search", "/api/partners", "/api/projects/kaffee-kuchen-konjunktiv/similar"]
)
def test_odd_digits_in_k_are_a_json_400(client, path, k):
    message = assert_error(client.get(path, query_string={"q": "Sprache", "k": k}), 400)
    assert "'k'" in message


def test_an_odd_number_in_a_setting_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="KB_THREADS='²' is not a number"):
        Settings.from_env({"KB_THREADS": "²", "KB_DATA_DIR": str(tmp_path)})


# ---- 3. parsers: whatever goes wrong is an error for that file, the batch goes on ----

DEEP_FILES = {
    "tief.json": b"[" * 200_000 + b"]" * 200_000,
    "tief.jsonl": b'{"title": "A", "text": "ok"}\n'
    + b'{"title": '
    + b"[" * 200_000
    + b"]" * 200_000
    + b"}\n",
    "tief2.json": b'{"projects": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_001,
}


def test_deeply_nested_json_fails_alone_in_a_batch(store, tmp_path):
    good = write_project(tmp_path / "batch", "gut.md", "Lesepaten am Nachmittag")
    for name, data in DEEP_FILES.items():
        (tmp_path / "batch" / name).write_bytes(data)
    report = ingest_paths(store, [tmp_path / "batch"], 50 * MB)
    by_name = {outcome.path.rsplit("/", 1)[-1]: outcome for outcome in report.files}
    assert by_name[good.name].status == "ok"
    assert by_name["tief.json"].status == "failed" and "nested too deeply" in by_name["tief.json"].errors[0]
    assert by_name["tief2.json"].status == "failed" and "tief2.json" in by_name["tief2.json"].errors[0]
    # A JSONL file reads its good lines and names the deep one.
    assert by_name["tief.jsonl"].status in ("partial", "failed")
    assert any("line 2" in error for error in by_name["tief.jsonl"].errors)
    assert store.conn.execute(
        "SELECT count(*) FROM projects WHERE title = 'Lesepaten am Nachmittag'"
    ).fetchone()[0]


# ---- 4. upload names: cut by bytes ----


def test_safe_filename_cuts_by_bytes_and_keeps_the_suffix():
    name = "漢" * 81 + ".md"  # 243 bytes + the suffix
    safe = safe_filename(name)
    assert len(safe.encode()) <= MAX_FILENAME_BYTES and safe.endswith(".md") and safe.startswith("漢")
    assert safe_filename("ä" * 300).encode().decode() == "ä" * (MAX_FILENAME_BYTES // 2)
    assert safe_filename("../../etc/passwd") == "passwd"


def upload(client, *files: tuple[str, bytes]):
    token = csrf_from(client.get("/admin").get_data(as_text=True))
    data = {"csrf_token": token, "file": [(io.BytesIO(content), name) for name, content in files]}
    return client.post("/admin/upload", data=data, content_type="multipart/form-data")


def test_a_cjk_name_and_deep_json_do_not_stop_an_upload_batch(admin_client, tmp_path):
    from tests.helpers import log_in

    log_in(admin_client)
    good = write_project(tmp_path, "x.md", "Nähcafé der Kulturen").read_bytes()
    cjk_name = "項" * 81 + ".md"  # 243 bytes + ".md": too long for a file system as it is
    response = upload(
        admin_client, ("tief.json", DEEP_FILES["tief.json"]), (cjk_name, good), ("ende.json", b"{}")
    )
    assert response.status_code == 200
    html = unescape(response.get_data(as_text=True))
    assert "Nähcafé der Kulturen" in html  # the file after the deep one was ingested
    assert "tief.json" in html and "ende.json" in html
    hits = admin_client.get("/api/search", query_string={"q": "Nähcafé der Kulturen", "k": 1}).get_json()
    assert hits["results"][0]["title"] == "Nähcafé der Kulturen"
    assert json.dumps(hits)  # a plain JSON answer, no error


def test_wide_tables_and_records_are_refused_with_their_size():
    header = "titel;beschreibung;" + ";".join(f"spalte{i}" for i in range(20_000))
    with pytest.raises(IngestError, match=r"breit\.csv: the table has 20,002 columns; at most 200"):
        parse_file("breit.csv", (header + "\nA;B\n").encode())
    record = {"title": "Viele Felder", "text": "Sprachkurs", **{f"feld{i}": "x" for i in range(5_000)}}
    good = {"title": "Lernpaten", "text": "Kinder lesen vor"}
    result = parse_file("breit.jsonl", (json.dumps(record) + "\n" + json.dumps(good)).encode())
    assert [r.title for r in result.records] == ["Lernpaten"]
    assert "line 1: the record has 5,002 fields" in str(result.problems[0])


# ---- parsing in a child process: time, memory and PDF content budgets ----


def test_a_pdf_of_shared_huge_streams_is_refused_before_parsing():
    data = shared_stream_pdf(pages=40, megabytes=10)
    assert len(data) < 100_000
    with pytest.raises(IngestError, match=r"schicht\.pdf: page 21: page content of 210 MB or more"):
        parse_file_bounded("schicht.pdf", data)


def test_a_parse_over_its_time_limit_is_stopped_with_a_message(monkeypatch: pytest.MonkeyPatch):
    # A parser that hangs (the forked child inherits the patch); a tiny file with a 1 ms limit was
    # sometimes read within the limit on an idle machine.
    import ingest

    monkeypatch.setattr(ingest, "parse_file", lambda path, data: time.sleep(600))
    started = time.monotonic()
    with pytest.raises(IngestError, match=r"gut\.md: took longer than 0\.5 s to read"):
        parse_file_bounded("gut.md", b"# Lesepaten\n\nWir lesen vor.\n", time_limit=0.5)
    assert time.monotonic() - started < 300  # stopped, not waited for (a hang guard, not a timing)


def test_the_child_returns_records_and_problems_as_parse_file_does():
    data = b'{"title": "A", "text": "eins"}\n{"title": ' + b"[" * 100_000 + b"\n"
    bounded = parse_file_bounded("z.jsonl", data)
    direct = parse_file("z.jsonl", data)
    assert bounded.records == direct.records
    assert [str(p) for p in bounded.problems] == [str(p) for p in direct.problems]
