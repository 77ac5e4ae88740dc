"""The language-shift measurement (bench/language_shift.py): its parallel sentences and its arithmetic.

The README's figures for the shift rest on the parallel file being what it says: every entry the
same sentence in six languages, each in its own script, written for the purpose. A row shifted by
one line or a language pasted into the wrong key would make the mean vectors differ by topic as
well as by language, and nothing else would notice.
"""

from __future__ import annotations

import json
import re
import tomllib

import numpy as np
import pytest

from bench.language_shift import PARALLEL, moved, parallel_sentences, shift_vectors
from tests.helpers import ROOT

LANGUAGES = ("de", "en", "tr", "ar", "uk", "ru")
ENTRIES = tomllib.loads(PARALLEL.read_text(encoding="utf-8"))["sentence"]
ARABIC = re.compile(r"[\u0600-\u06ff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN = re.compile(r"[A-Za-zÀ-ɏ]")
# Letters one of the two Cyrillic languages has and the other lacks.
ONLY_UKRAINIAN, ONLY_RUSSIAN = set("іїєґІЇЄҐ"), set("ыэъёЫЭЪЁ")
SCRIPT = {"de": LATIN, "en": LATIN, "tr": LATIN, "ar": ARABIC, "uk": CYRILLIC, "ru": CYRILLIC}


def letters(text: str) -> list[str]:
    return [c for c in text if c.isalpha()]


def test_every_entry_has_the_six_languages():
    assert 60 <= len(ENTRIES) <= 120
    for number, entry in enumerate(ENTRIES, start=1):
        assert tuple(entry) == LANGUAGES, f"entry {number}: {list(entry)}"
        assert all(entry[lang].strip() for lang in LANGUAGES), f"entry {number} has an empty sentence"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_language_is_written_in_its_own_script(lang):
    for number, entry in enumerate(ENTRIES, start=1):
        text = entry[lang]
        found = letters(text)
        own = [c for c in found if SCRIPT[lang].match(c)]
        assert len(own) == len(found), f"entry {number}, {lang}: letters of another script in {text!r}"
        if lang == "uk":
            assert not ONLY_RUSSIAN & set(text), f"entry {number}: Russian letters in {text!r}"
        if lang == "ru":
            assert not ONLY_UKRAINIAN & set(text), f"entry {number}: Ukrainian letters in {text!r}"
        if lang in ("en", "tr"):
            assert not set("äßÄ") & set(text), f"entry {number}, {lang}: German letters in {text!r}"
        if lang == "en":
            assert not set("ğışçöüĞİŞÇÖÜ") & set(text), f"entry {number}: Turkish letters in {text!r}"


def test_the_languages_are_aligned_entry_by_entry():
    """Each entry: the same digits, a question in every language or in none, a length in line
    with the German one."""
    for number, entry in enumerate(ENTRIES, start=1):
        german = len(letters(entry["de"]))
        for lang in LANGUAGES[1:]:
            ratio = len(letters(entry[lang])) / german
            assert 0.25 <= ratio <= 2.5, f"entry {number}, {lang}: {ratio:.2f} × the German length"
        digits = {lang: re.findall(r"\d+", entry[lang]) for lang in LANGUAGES}
        assert len({tuple(d) for d in digits.values()}) == 1, f"entry {number}: {digits}"
        ends = {lang: entry[lang].rstrip()[-1] in "?؟" for lang in LANGUAGES}
        assert len(set(ends.values())) == 1, f"entry {number}: a question in some languages only: {ends}"


@pytest.mark.parametrize("lang", LANGUAGES[1:])
def test_no_language_is_shifted_against_the_german_lines(lang):
    """Sentence lengths follow the German ones across the file (correlation 0.52-0.70 as
    written); with the language moved by one entry, from anywhere in the file, it falls to
    0.06-0.27."""
    german = np.array([len(letters(entry["de"])) for entry in ENTRIES])
    other = np.array([len(letters(entry[lang])) for entry in ENTRIES])
    assert np.corrcoef(german, other)[0, 1] >= 0.45
    assert np.corrcoef(german[:-1], other[1:])[0, 1] < 0.45  # the check can see a shift


def test_the_sentences_are_not_taken_from_the_samples_or_the_tuning_queries():
    sentences = {entry[lang] for entry in ENTRIES for lang in LANGUAGES}
    assert len(sentences) == len(ENTRIES) * len(LANGUAGES), "a sentence is repeated"
    projects = " ".join(p.read_text(encoding="utf-8") for p in (ROOT / "samples" / "projects").glob("*.md"))
    queries = [
        json.loads(line)["query"]
        for line in (ROOT / "samples" / "eval" / "queries.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    for sentence in sentences:
        assert sentence not in projects, sentence
        assert all(sentence not in query and query not in sentence for query in queries), sentence


def test_parallel_sentences_reads_every_language_in_file_order():
    sentences = parallel_sentences()
    assert tuple(sentences) == LANGUAGES
    assert sentences["tr"][3] == ENTRIES[3]["tr"] and sentences["ar"][-1] == ENTRIES[-1]["ar"]


def unit(vector) -> np.ndarray:
    vector = np.asarray(vector, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_shift_vectors_lead_from_each_mean_to_the_base_mean():
    means = {
        "de": np.array([1.0, 0.0, 0.0]),
        "tr": np.array([0.0, 1.0, 0.0]),
        "ar": np.array([0.5, 0.5, 1.0]),
    }
    shifts = shift_vectors(means)
    assert np.array_equal(shifts["de"], np.zeros(3))
    for lang, mean in means.items():
        assert np.allclose(mean + shifts[lang], means["de"])


def test_moved_is_a_unit_vector_nearer_the_base_language():
    query, shift = unit([0.2, 0.9, 0.1]), np.array([0.6, -0.6, 0.0], dtype=np.float32)
    half, whole = moved(query, shift, 0.5), moved(query, shift, 1.0)
    assert np.allclose(half, unit(query + 0.5 * shift)) and np.isclose(np.linalg.norm(whole), 1.0)
    german = unit([1.0, 0.0, 0.0])
    assert float(query @ german) < float(half @ german) < float(whole @ german)
    assert half.dtype == np.float32 and half.shape == query.shape


@pytest.mark.parametrize("shift, alpha", [(None, 0.5), (np.ones(3, dtype=np.float32), 0.0)])
def test_moved_leaves_the_query_alone_without_a_shift(shift, alpha):
    query = unit([0.2, 0.9, 0.1])
    assert moved(query, shift, alpha) is query


def test_moved_keeps_a_row_vector_a_row():
    query = unit([[0.6, 0.8, 0.0]])
    result = moved(query, np.array([0.0, -0.8, 0.6], dtype=np.float32), 1.0)
    assert result.shape == (1, 3)
    assert np.allclose(result, unit([[0.6, 0.0, 0.6]]))
